package io.rebound.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.rebound.core.event.NumberLimits;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The one configured Jackson mapper: ISO-8601 instants, no nulls in output, strict on duplicates;
 * and {@link #readUntrusted}, the way every body from outside is read.
 */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .build();

    /**
     * Parsers for bodies from outside: a number token of more than {@link NumberLimits#MAX_TEXT_LENGTH}
     * characters is refused as it is read. {@link #MAPPER}'s own factory keeps Jackson's default (1000),
     * since it also reads the event log's files, written before this limit.
     */
    private static final JsonFactory UNTRUSTED = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(NumberLimits.MAX_TEXT_LENGTH).build())
            .build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };
    private static final int MAX_KEY_IN_PATH = 100;

    private Json() {
    }

    /**
     * A reader for {@link #readUntrusted}: {@code base}'s settings, plus node creation that checks
     * every number against {@link NumberLimits} as the parser hands it over, before anything else
     * sees it.
     */
    public static ObjectReader untrustedReader(ObjectReader base) {
        return base.with(BoundedNumbers.INSTANCE);
    }

    /**
     * {@link #untrustedReader} of the mapper's reader, refusing duplicate keys and trailing tokens: what
     * the admin API reads request bodies with.
     */
    public static final ObjectReader STRICT_READER = untrustedReader(MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY));

    /**
     * Reads a body from outside as a tree with {@code reader} (made by {@link #untrustedReader}).
     * Its numbers are held to {@link NumberLimits}: the first one that is not is refused, within
     * microseconds and before any arithmetic, with its path from the body's root.
     *
     * @return the tree; null or a missing node for a body without content
     * @throws InvalidNumberException naming the number's path
     * @throws IOException            for malformed JSON, as the reader would throw it
     */
    public static JsonNode readUntrusted(ObjectReader reader, byte[] body) throws IOException {
        try (JsonParser p = UNTRUSTED.createParser(body)) {
            return readTree(reader, p);
        }
    }

    /** As {@link #readUntrusted(ObjectReader, byte[])}, for text. */
    public static JsonNode readUntrusted(ObjectReader reader, String body) throws IOException {
        try (JsonParser p = UNTRUSTED.createParser(body)) {
            return readTree(reader, p);
        }
    }

    /**
     * A body from outside as the generic tree the core's parsers take ({@code Map}, {@code List},
     * String, Number, Boolean), read as {@link #readUntrusted} reads it and refusing duplicate keys;
     * null when the body is not a JSON object.
     */
    public static Map<String, Object> readUntrustedObject(String body) throws IOException {
        return asObject(readUntrusted(STRICT_READER, body));
    }

    /** As {@link #readUntrustedObject(String)}, for bytes. */
    public static Map<String, Object> readUntrustedObject(byte[] body) throws IOException {
        return asObject(readUntrusted(STRICT_READER, body));
    }

    private static Map<String, Object> asObject(JsonNode node) {
        return node == null || !node.isObject() ? null : MAPPER.convertValue(node, OBJECT);
    }

    private static JsonNode readTree(ObjectReader reader, JsonParser p) throws IOException {
        try {
            return reader.readTree(p);
        } catch (OutOfRange e) {
            throw new InvalidNumberException(path(p.getParsingContext()), NumberLimits.OUT_OF_RANGE);
        } catch (NumberFormatException e) {
            // An exponent beyond the int range ("1e99999999999"): no BigDecimal can hold it.
            throw new InvalidNumberException(path(p.getParsingContext()), NumberLimits.OUT_OF_RANGE);
        } catch (StreamConstraintsException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Number value length")) {
                throw new InvalidNumberException(path(p.getParsingContext()), "is a number of more than "
                        + NumberLimits.MAX_TEXT_LENGTH + " characters");
            }
            throw e;
        }
    }

    /** {@code batch[3].properties.value} for the value the parser is at; {@code body} at the root. */
    static String path(JsonStreamContext at) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = at; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else {
                String name = c.getCurrentName();
                name = name == null ? "" : name.length() > MAX_KEY_IN_PATH ? name.substring(0, MAX_KEY_IN_PATH) + "…" : name;
                parts.addFirst("." + name);
            }
        }
        if (parts.isEmpty()) {
            return "body";
        }
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }

    /** Thrown while a tree is built, caught in {@link #readTree} where the parser knows the path. */
    private static final class OutOfRange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfRange() {
            super(null, null, false, false);
        }
    }

    /** Creates number nodes only for numbers within {@link NumberLimits}. */
    private static final class BoundedNumbers extends JsonNodeFactory {
        private static final long serialVersionUID = 1L;
        static final BoundedNumbers INSTANCE = new BoundedNumbers();

        @Override
        public ValueNode numberNode(BigDecimal v) {
            if (v != null && !NumberLimits.inRange(v)) {
                throw new OutOfRange();
            }
            return super.numberNode(v);
        }

        @Override
        public ValueNode numberNode(BigInteger v) {
            check(v);
            return super.numberNode(v);
        }

        @Override
        public NumericNode numberNode(double v) {
            check(v);
            return super.numberNode(v);
        }

        @Override
        public ValueNode numberNode(Double v) {
            check(v);
            return super.numberNode(v);
        }

        @Override
        public NumericNode numberNode(float v) {
            check(v);
            return super.numberNode(v);
        }

        @Override
        public ValueNode numberNode(Float v) {
            check(v);
            return super.numberNode(v);
        }

        private static void check(Number n) {
            if (NumberLimits.problem(n) != null) {
                throw new OutOfRange();
            }
        }
    }
}
