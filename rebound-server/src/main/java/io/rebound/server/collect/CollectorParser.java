package io.rebound.server.collect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.json.InvalidNumberException;
import io.rebound.server.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Segment-spec request bodies into canonical events; no HTTP here, the handlers call it.
 *
 * <p><b>Messages</b> follow the <a href="https://segment.com/docs/connections/spec/">Segment
 * spec</a>: {@code type} (track, page, screen, identify, alias, group), {@code event} (track:
 * required, at most 200 characters), {@code anonymousId} and/or {@code userId} (one is required;
 * numbers become strings), {@code messageId}, {@code timestamp} / {@code originalTimestamp},
 * {@code sentAt}, {@code properties}, {@code traits}, {@code context} ({@code page}, {@code userAgent},
 * {@code ip}, {@code campaign}, {@code consent}, {@code gpc}, {@code clickIds} — the ad platforms' ids,
 * see {@link io.rebound.core.event.ClickIds} — and {@code traits}).
 * {@code integrations} and unknown fields are ignored. page and screen become PageView, identify
 * and alias (which links {@code previousId}) become Identify, group a custom event named "group";
 * track names are mapped with {@link io.rebound.core.event.EventVocabulary} and kept as sent.
 *
 * <p><b>Products</b> are read from Meta ({@code content_ids}, {@code contents}), GA4
 * ({@code items}) and Segment ({@code products}, or one product at the top of properties). The
 * value is {@code value}, else {@code revenue}, else {@code total}, else the sum of the products'
 * price × quantity; it may not be negative except on a refund. The currency is a 3-letter code.
 *
 * <p><b>Event time</b> is {@code timestamp} corrected for device clock skew with {@code sentAt}
 * (the message's, else the body's), per {@link EventTimePolicy}. The <b>event id</b> is
 * {@code properties.event_id}/{@code eventID} (Meta's dedup key), else {@code messageId}, else a
 * derived one (see {@link DerivedIds}): a retried message dedups either way.
 *
 * <p><b>Personal data</b>: emails and phone numbers (from {@code traits}, {@code context.traits}
 * or {@code properties}) are kept only as SHA-256 of their normalised form ({@link Pii}); the IP
 * is truncated ({@link IpAddresses}); what is dropped without consent is in {@link PrivacyRules}.
 *
 * <p>Messages of a batch are judged one by one: valid ones are accepted, each invalid one is
 * reported by index with every violation found; bots are counted and dropped. Only
 * {@link InvalidEventException} ever leaves this class, and only for a body that is unusable as a
 * whole.
 */
public final class CollectorParser {

    /** The largest message, as serialised JSON; the Segment API's limit. */
    public static final int MAX_MESSAGE_BYTES = 32 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(CollectorParser.class);
    // Duplicate keys are refused while the tree is built (ObjectNode.replace reports the old value),
    // which costs nothing; the parser's own duplicate detection keeps a name set per object.
    // Numbers are held to NumberLimits as the tree is built (Json.readUntrusted).
    private static final ObjectReader READER = Json.untrustedReader(Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .without(StreamReadFeature.STRICT_DUPLICATE_DETECTION));

    private final MessageParser messages;

    public CollectorParser(EventTimePolicy timePolicy, BotFilter botFilter) {
        this.messages = new MessageParser(timePolicy, botFilter);
    }

    /**
     * Checks that {@code body} is UTF-8 and a single JSON object without duplicate keys, whose
     * numbers are all within {@link io.rebound.core.event.NumberLimits}.
     *
     * @throws InvalidEventException naming {@code body} (or {@code writeKey} / {@code sentAt}, or the
     *                               path of a number out of range) otherwise
     */
    public ParsedBody readBody(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidEventException("body", "is empty; expected a JSON object");
        }
        JsonNode root;
        try {
            // Pure ASCII (nearly every body) is valid UTF-8 as is: parse the bytes directly and
            // skip the strict decoder, which is only needed to find and report bad sequences.
            root = isAscii(body) ? Json.readUntrusted(READER, body) : Json.readUntrusted(READER, decodeUtf8(body));
        } catch (InvalidNumberException e) {
            throw new InvalidEventException(e.field(), e.getMessage());
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("body", describe(e));
        } catch (IOException e) {
            throw new InvalidEventException("body", "could not be read as JSON");
        }
        if (!(root instanceof ObjectNode object)) {
            throw new InvalidEventException("body", "must be a JSON object, got "
                    + (root == null || root.isMissingNode() ? "nothing" : Fields.kind(root)));
        }
        Fields f = new Fields("");
        String writeKey = f.text(object, "writeKey", "writeKey", 200);
        Instant sentAt = f.instant(object, "sentAt", "sentAt");
        if (!f.ok()) {
            throw new InvalidEventException(f.violations());
        }
        return new ParsedBody(object, writeKey, sentAt, body.length);
    }

    /** Parses {@code POST /v1/batch}: a {@code batch} array of messages of any type. */
    public BatchResult parseBatch(ParsedBody body, Store store, RequestInfo req, Instant receivedAt, Source source) {
        JsonNode batch = body.root().get("batch");
        if (batch == null || batch.isNull()) {
            throw new InvalidEventException("batch", "is required: an array of messages");
        }
        if (!(batch instanceof ArrayNode array)) {
            throw new InvalidEventException("batch", "must be an array of messages, got " + Fields.kind(batch));
        }
        MessageParser.Context ctx = new MessageParser.Context(store, req, receivedAt, source, body.sentAt());
        boolean mayBeOversized = body.byteSize() > MAX_MESSAGE_BYTES;
        List<io.rebound.core.event.Event> accepted = new ArrayList<>(array.size());
        List<BatchResult.Rejection> rejected = new ArrayList<>();
        int bots = 0;
        int clickIdsDropped = 0;
        for (int i = 0; i < array.size(); i++) {
            JsonNode message = array.get(i);
            String prefix = "batch[" + i + "]";
            MessageParser.Outcome outcome = mayBeOversized ? oversized(message, prefix) : null;
            if (outcome == null) {
                outcome = safely(message, null, prefix, ctx);
            }
            if (outcome.bot()) {
                bots++;
            } else if (outcome.event() != null) {
                accepted.add(outcome.event());
                clickIdsDropped += outcome.clickIdsDropped() ? 1 : 0;
            } else {
                rejected.add(new BatchResult.Rejection(i, messageId(message), outcome.violations()));
            }
        }
        return new BatchResult(accepted, rejected, bots, clickIdsDropped);
    }

    /**
     * Parses a body that is one message: {@code /v1/track}, {@code /v1/page}, {@code /v1/identify}
     * (and {@code /v1/t}, {@code /v1/p}, {@code /v1/i}) with {@code impliedType} "track", "page" or
     * "identify" — a {@code type} in the body must then agree — or the pixel's {@code /v1/collect}
     * with {@code impliedType} null, where the body's {@code type} is required. Violations name
     * fields from the body's root ({@code properties.value}); a rejection has index 0.
     */
    public BatchResult parseSingle(ParsedBody body, String impliedType, Store store, RequestInfo req,
                                   Instant receivedAt, Source source) {
        MessageParser.Context ctx = new MessageParser.Context(store, req, receivedAt, source, body.sentAt());
        MessageParser.Outcome outcome = body.byteSize() > MAX_MESSAGE_BYTES ? oversized(body.root(), "") : null;
        if (outcome == null) {
            outcome = safely(body.root(), impliedType, "", ctx);
        }
        if (outcome.bot()) {
            return new BatchResult(List.of(), List.of(), 1);
        }
        if (outcome.event() != null) {
            return new BatchResult(List.of(outcome.event()), List.of(), 0, outcome.clickIdsDropped() ? 1 : 0);
        }
        return new BatchResult(List.of(),
                List.of(new BatchResult.Rejection(0, messageId(body.root()), outcome.violations())), 0);
    }

    MessageParser.Outcome safely(JsonNode message, String impliedType, String prefix, MessageParser.Context ctx) {
        try {
            return messages.parse(message, impliedType, prefix, ctx);
        } catch (RuntimeException e) {
            // A bug must cost one message, never the batch or a 5xx; the log makes it visible.
            LOG.warn("internal error while parsing {} for store {}", prefix.isEmpty() ? "body" : prefix, ctx.store().id(), e);
            return new MessageParser.Outcome(null,
                    List.of(new Violation(prefix.isEmpty() ? "body" : prefix, "could not be processed (internal error)")),
                    false);
        }
    }

    private static MessageParser.Outcome oversized(JsonNode message, String prefix) {
        long size = serializedSize(message);
        if (size <= MAX_MESSAGE_BYTES) {
            return null;
        }
        return new MessageParser.Outcome(null, List.of(new Violation(prefix.isEmpty() ? "body" : prefix,
                "is " + size + " bytes; a message may be at most " + MAX_MESSAGE_BYTES + " bytes")), false);
    }

    static long serializedSize(JsonNode node) {
        long[] count = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try {
            Json.MAPPER.writeValue(counter, node);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
        return count[0];
    }

    private static String messageId(JsonNode message) {
        JsonNode id = message == null ? null : message.get("messageId");
        if (id == null || !(id.isTextual() || id.isNumber())) {
            return null;
        }
        String s = id.asText();
        return s.length() > Fields.MAX_ID_LENGTH ? s.substring(0, Fields.MAX_ID_LENGTH) : s;
    }

    private static String decodeUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(body.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new InvalidEventException("body", "is not valid UTF-8 (byte offset " + in.position() + ")");
        }
        out.flip();
        int start = out.length() > 0 && out.charAt(0) == '\uFEFF' ? 1 : 0; // tolerate a byte-order mark
        return out.subSequence(start, out.length()).toString();
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonProcessingException e) {
        String what = e.getOriginalMessage();
        if (what != null) {
            int nl = what.indexOf('\n');
            what = nl >= 0 ? what.substring(0, nl) : what;
            what = what.length() > 200 ? what.substring(0, 200) + "…" : what;
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        if (what != null && what.startsWith("Duplicate")) {
            // "Duplicate field 'type' for `ObjectNode`: not allowed when …": keep the part naming the key.
            int end = what.indexOf(" for `");
            return "has a duplicate key" + where + ": " + (end > 0 ? what.substring(0, end) : what);
        }
        return "is not valid JSON" + where + ": " + what;
    }
}
