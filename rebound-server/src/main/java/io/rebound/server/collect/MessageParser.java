package io.rebound.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.EventVocabulary;
import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Product;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns one Segment-spec message into a canonical {@link Event}, or into the list of what is
 * wrong with it. See {@link CollectorParser} for the accepted shape and {@link PrivacyRules} for
 * what is dropped without consent.
 */
final class MessageParser {

    static final Set<String> TYPES = Set.of("track", "page", "screen", "identify", "alias", "group");
    static final int MAX_EVENT_NAME = 200;
    static final int MAX_URL = 2048;
    static final int MAX_USER_AGENT = 2048;
    private static final Set<String> CONSUMED = Set.of("value", "revenue", "total", "currency", "email",
            "email_sha256", "email_google_sha256", "phone", "phone_sha256", "event_id", "eventID");
    /** Property keys not copied as custom properties, by [single product shape + 2 × page call]. */
    private static final List<Set<String>> SKIPPED = List.of(skipped(false, false), skipped(true, false),
            skipped(false, true), skipped(true, true));
    private static final Set<String> TRAITS_SKIPPED = Set.of("email", "email_sha256", "email_google_sha256", "phone",
            "phone_sha256");

    /** What the request around a message contributes. */
    record Context(Store store, RequestInfo request, Instant receivedAt, Source source, Instant bodySentAt,
                   String truncatedRemoteIp) {
        /** The request's address is truncated once, not once per message of a batch. */
        Context(Store store, RequestInfo request, Instant receivedAt, Source source, Instant bodySentAt) {
            this(store, request, receivedAt, source, bodySentAt, IpAddresses.truncate(request.remoteIp()));
        }
    }

    /**
     * Exactly one of: an event, violations, or a bot.
     *
     * @param clickIdsDropped the event had click ids, dropped because its consent does not allow advertising
     */
    record Outcome(Event event, List<Violation> violations, boolean bot, boolean clickIdsDropped) {
        static final Outcome BOT = new Outcome(null, List.of(), true);

        Outcome(Event event, List<Violation> violations, boolean bot) {
            this(event, violations, bot, false);
        }
    }

    private final EventTimePolicy timePolicy;
    private final BotFilter botFilter;

    MessageParser(EventTimePolicy timePolicy, BotFilter botFilter) {
        this.timePolicy = timePolicy;
        this.botFilter = botFilter;
    }

    /**
     * @param impliedType the type the endpoint implies, or null when the message must say it
     * @param prefix      the message's JSON path in the request ({@code batch[3]}), empty for a whole body
     */
    Outcome parse(JsonNode node, String impliedType, String prefix, Context ctx) {
        Fields f = new Fields(prefix);
        if (!(node instanceof ObjectNode m)) {
            f.add("", "must be a JSON object, got " + (node == null ? "nothing" : Fields.kind(node)));
            return new Outcome(null, f.violations(), false);
        }
        ObjectNode context = f.object(m, "context", "context");
        String userAgent = f.clipped(context, "userAgent", "context.userAgent", MAX_USER_AGENT);
        if (userAgent == null && ctx.source() == Source.PIXEL) {
            userAgent = clip(ctx.request().userAgentHeader(), MAX_USER_AGENT);
        }
        if (botFilter.isBot(userAgent)) {
            return Outcome.BOT;
        }

        String type = type(m, impliedType, f);
        ObjectNode properties = f.object(m, "properties", "properties");
        ObjectNode traits = f.object(m, "traits", "traits");
        ObjectNode contextTraits = f.object(context, "traits", "context.traits");
        boolean pageCall = "page".equals(type) || "screen".equals(type);

        // What kind of event, and the extras each message type carries.
        Map<String, Object> props = new LinkedHashMap<>();
        EventType eventType = EventType.CUSTOM;
        String name = null;
        String previousId = null;
        switch (type == null ? "" : type) {
            case "track" -> {
                int before = f.violations().size();
                name = f.text(m, "event", "event", MAX_EVENT_NAME);
                if (name == null && f.violations().size() == before) {
                    f.add("event", "is required for track: a non-empty event name such as \"Product Viewed\"");
                }
                eventType = name == null ? EventType.CUSTOM : EventVocabulary.typeOf(name);
            }
            case "page", "screen" -> {
                eventType = EventType.PAGE_VIEW;
                putIfPresent(props, "name", f.clipped(m, "name", "name", 200));
                putIfPresent(props, "category", f.clipped(m, "category", "category", 200));
            }
            case "identify" -> eventType = EventType.IDENTIFY;
            case "alias" -> {
                eventType = EventType.IDENTIFY;
                name = "Alias";
                previousId = required(f, m, "previousId", "alias");
                putIfPresent(props, "previous_id", previousId);
            }
            case "group" -> {
                name = "group";
                putIfPresent(props, "group_id", required(f, m, "groupId", "group"));
            }
            default -> {
                // the type violation is already recorded
            }
        }

        // Who.
        int beforeIds = f.violations().size();
        String anonymousId = f.id(m, "anonymousId", "anonymousId");
        String userId = f.id(m, "userId", "userId");
        if (anonymousId == null && previousId != null) {
            anonymousId = previousId; // alias: the previous id is the visitor now known as userId
        }
        if (anonymousId == null && userId == null && f.violations().size() == beforeIds) {
            f.add("anonymousId", "anonymousId or userId is required (a non-empty string)");
        }

        // Idempotency key: Meta's event_id is the deliberate cross-channel dedup key, so it wins over messageId.
        String eventId = f.id(properties, "event_id", "properties.event_id");
        if (eventId == null) {
            eventId = f.id(properties, "eventID", "properties.eventID");
        }
        if (eventId == null) {
            eventId = f.id(m, "messageId", "messageId");
        }

        // When.
        String timeField = Fields.get(m, "timestamp") != null ? "timestamp" : "originalTimestamp";
        Instant timestamp = f.instant(m, timeField, timeField);
        Instant sentAt = Fields.get(m, "sentAt") != null ? f.instant(m, "sentAt", "sentAt") : ctx.bodySentAt();
        Instant eventTime = ctx.receivedAt();
        if (timestamp != null) {
            try {
                eventTime = timePolicy.resolve(timestamp, sentAt, ctx.receivedAt(), f.path(timeField));
            } catch (InvalidEventException e) {
                f.addAll(e.violations());
            } catch (DateTimeException | ArithmeticException e) {
                f.add(timeField, "is out of range");
            }
        }

        // Where.
        ObjectNode page = f.object(context, "page", "context.page");
        String pageUrl = f.clipped(page, "url", "context.page.url", MAX_URL);
        if (pageUrl == null) {
            pageUrl = f.clipped(properties, "url", "properties.url", MAX_URL);
        }
        String referrer = f.clipped(page, "referrer", "context.page.referrer", MAX_URL);
        if (referrer == null) {
            referrer = f.clipped(properties, "referrer", "properties.referrer", MAX_URL);
        }
        if (pageCall && (properties == null || Fields.get(properties, "title") == null)) {
            putIfPresent(props, "title", f.clipped(page, "title", "context.page.title", 500));
        }
        Map<String, String> utm = ContextFields.campaign(f, context, pageUrl);
        Map<String, String> clickIds = ContextFields.clickIds(f, context, pageUrl);

        // Consent.
        Consent consent = ContextFields.consent(f, context, ctx.request());
        boolean keep = PrivacyRules.keepsIdentifiers(consent, ctx.store());
        boolean keepClickIds = PrivacyRules.keepsClickIds(consent, ctx.store());

        // Personal identifiers, hashed.
        String emailHash = hashed(f, EMAIL_KEYS, Pii::emailSha256, "an email address or its SHA-256 hex digest",
                traits, contextTraits, properties);
        String googleEmailHash = googleEmailHash(f, emailHash, traits, contextTraits, properties);
        String phoneHash = hashed(f, PHONE_KEYS, Pii::phoneSha256, "a phone number in E.164 form or its SHA-256 hex digest",
                traits, contextTraits, properties);

        // What and how much.
        List<Product> products = Products.read(properties, f);
        BigDecimal value = null;
        for (String key : List.of("value", "revenue", "total")) {
            JsonNode n = Fields.get(properties, key);
            if (n != null) {
                value = f.amount(n, "properties." + key);
                if (value != null && value.signum() < 0 && eventType != EventType.REFUND) {
                    f.add("properties." + key, "must not be negative (only a refund may carry a negative value)");
                }
                break;
            }
        }
        if (value == null && !products.isEmpty() && eventType != EventType.CUSTOM && eventType != EventType.PAGE_VIEW) {
            value = Products.total(products);
        }
        String currency = currency(f, properties);

        // From where, on the network.
        String ip;
        String ipSent = f.text(context, "ip", "context.ip", 64);
        if (ipSent != null) {
            ip = IpAddresses.truncate(ipSent);
            if (ip == null) {
                f.add("context.ip", "must be an IPv4 or IPv6 address");
            }
        } else {
            // A store backend's own address says nothing about the visitor.
            ip = ctx.source() == Source.SERVER ? null : ctx.truncatedRemoteIp();
        }

        if (!f.ok()) {
            return new Outcome(null, f.violations(), false);
        }

        // Everything not consumed above stays as a custom property.
        Properties.flatten(properties, "", SKIPPED.get((Products.hasSingleProduct(properties) ? 1 : 0) + (pageCall ? 2 : 0)),
                props);
        if (keep && ("identify".equals(type) || "group".equals(type))) {
            Properties.flatten(traits, "traits", TRAITS_SKIPPED, props);
        }

        if (!keep) {
            emailHash = null;
            googleEmailHash = null;
            phoneHash = null;
            ip = null;
            if (anonymousId != null) {
                userId = null;
            }
        } else if (phoneHash != null) {
            props.put("phone_sha256", phoneHash);
        }
        boolean clickIdsDropped = !keepClickIds && !clickIds.isEmpty();
        if (!keepClickIds) {
            clickIds.clear();
            pageUrl = UrlParams.without(pageUrl, ClickIds.URL_PARAMETERS);
            referrer = UrlParams.without(referrer, ClickIds.URL_PARAMETERS);
        }
        if (eventId == null) {
            eventId = DerivedIds.derive(ctx.store().id(), m);
        }

        Event event = Event.builder(ctx.store().id(), eventId, eventType, eventTime, ctx.receivedAt())
                .name(name)
                .anonymousId(anonymousId)
                .userId(userId)
                .emailHash(emailHash)
                .googleEmailHash(googleEmailHash)
                .products(products)
                .value(value)
                .currency(currency)
                .pageUrl(pageUrl)
                .referrer(referrer)
                .userAgent(userAgent)
                .ip(ip)
                .clickIds(clickIds)
                .utm(utm)
                .consent(consent)
                .properties(props)
                .source(ctx.source())
                .build();
        return new Outcome(event, List.of(), false, clickIdsDropped);
    }

    private static String type(ObjectNode m, String impliedType, Fields f) {
        JsonNode n = Fields.get(m, "type");
        String sent = null;
        if (n != null) {
            if (n.isTextual()) {
                sent = n.textValue().strip().toLowerCase(Locale.ROOT);
            } else {
                f.add("type", "must be a string, got " + Fields.kind(n));
            }
        }
        if (impliedType != null) {
            if (sent != null && !sent.equals(impliedType)) {
                f.add("type", "is \"" + Fields.abbreviate(sent) + "\" but this endpoint takes \"" + impliedType
                        + "\" messages");
            }
            return impliedType;
        }
        if (sent != null && TYPES.contains(sent)) {
            return sent;
        }
        if (n == null || sent != null) {
            f.add("type", (n == null ? "is required" : "is \"" + Fields.abbreviate(sent) + "\"")
                    + "; expected one of track, page, screen, identify, alias, group");
        }
        return null;
    }

    private static String required(Fields f, ObjectNode m, String key, String type) {
        int before = f.violations().size();
        String v = f.id(m, key, key);
        if (v == null && f.violations().size() == before) {
            f.add(key, "is required for " + type);
        }
        return v;
    }

    /** Reads {@code key} and {@code key_sha256} from traits, context.traits and properties; the first one wins. */
    private static String hashed(Fields f, String[] keys, java.util.function.UnaryOperator<String> hasher,
                                 String expected, ObjectNode traits, ObjectNode contextTraits, ObjectNode properties) {
        String result = null;
        ObjectNode[] sources = {traits, contextTraits, properties};
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == null) {
                continue;
            }
            for (int j = 0; j < keys.length; j++) {
                JsonNode node = Fields.get(sources[i], keys[j]);
                if (node == null) {
                    continue;
                }
                String path = HASHED_SOURCES[i] + "." + keys[j];
                String raw = f.text(node, path, 320);
                if (raw == null) {
                    continue;
                }
                String hash = j == 0 ? hasher.apply(raw) : Pii.isSha256Hex(raw) ? raw.toLowerCase(Locale.ROOT) : null;
                if (hash == null) {
                    f.add(path, "must be " + (j == 0 ? expected : "a SHA-256 hex digest (64 hex characters)"));
                } else if (result == null) {
                    result = hash;
                }
            }
        }
        return result;
    }

    /**
     * The hash of the email as Google normalises it (Gmail: no dots, no {@code +tag}), or null. From the
     * address that gave {@code emailHash} when it came in the clear (only here is it seen); else the
     * client's own {@code email_google_sha256}, for a client that hashes before sending (the pixel),
     * which must come beside the email it is Google's form of. Where the two agree the event keeps one.
     */
    private static String googleEmailHash(Fields f, String emailHash, ObjectNode... sources) {
        String sent = null;
        String sentPath = null;
        for (int i = 0; i < sources.length; i++) {
            JsonNode node = sources[i] == null ? null : Fields.get(sources[i], GOOGLE_EMAIL_KEY);
            String path = HASHED_SOURCES[i] + "." + GOOGLE_EMAIL_KEY;
            String raw = node == null ? null : f.text(node, path, 320);
            if (raw == null) {
                continue;
            }
            if (!Pii.isSha256Hex(raw)) {
                f.add(path, "must be the SHA-256 hex digest (64 hex characters) of the email in Google's form");
            } else if (sent == null) {
                sent = raw.toLowerCase(Locale.ROOT);
                sentPath = path;
            }
        }
        if (emailHash == null) {
            if (sent != null) {
                f.add(sentPath, "comes with the email it is Google's form of: send email_sha256 (or email) beside it");
            }
            return null;
        }
        for (ObjectNode source : sources) {
            JsonNode node = source == null ? null : Fields.get(source, EMAIL_KEYS[0]);
            if (node != null && node.isTextual() && !Pii.isSha256Hex(node.asText().strip())
                    && emailHash.equals(Pii.emailSha256(node.asText()))) {
                // The address itself is here: Google's form is computed, whatever the client sent.
                String google = gmail(node.asText()) ? GOOGLE_RULES.email(node.asText()) : null;
                return google == null || google.equals(emailHash) ? null : google;
            }
        }
        return sent;
    }

    /** Whether the address is at one of the domains Google's rule changes (the other addresses cost no second hash). */
    private static boolean gmail(String email) {
        String e = email.strip().toLowerCase(Locale.ROOT);
        return e.endsWith("@gmail.com") || e.endsWith("@googlemail.com");
    }

    private static final IdentifierRules GOOGLE_RULES = IdentifierRules.of(Platform.GOOGLE);
    private static final String[] HASHED_SOURCES = {"traits", "context.traits", "properties"};
    /** A personal identifier in the clear, then as its SHA-256 digest. */
    private static final String[] EMAIL_KEYS = {"email", "email_sha256"};
    private static final String[] PHONE_KEYS = {"phone", "phone_sha256"};
    /** The client's digest of the email in Google's form, for when it sends no clear address. */
    private static final String GOOGLE_EMAIL_KEY = "email_google_sha256";

    private static String currency(Fields f, ObjectNode properties) {
        String c = f.text(properties, "currency", "properties.currency", 40);
        if (c == null) {
            return null;
        }
        if (!isLetters3(c)) {
            f.add("properties.currency", "must be a 3-letter ISO 4217 code such as USD, got \"" + Fields.abbreviate(c) + "\"");
            return null;
        }
        return c.toUpperCase(Locale.ROOT);
    }

    private static boolean isLetters3(String c) {
        if (c.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char ch = c.charAt(i);
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> skipped(boolean singleProduct, boolean pageCall) {
        Set<String> skip = new HashSet<>(CONSUMED);
        skip.addAll(Products.LIST_KEYS);
        if (singleProduct) {
            skip.addAll(Products.SINGLE_KEYS);
        }
        if (pageCall) {
            skip.add("url");
            skip.add("referrer");
        }
        return Set.copyOf(skip);
    }

    static <V> void putIfPresent(Map<String, V> map, String key, V value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static String clip(String s, int max) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String t = s.strip();
        return t.length() > max ? t.substring(0, max) : t;
    }
}
