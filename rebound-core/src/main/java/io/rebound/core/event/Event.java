package io.rebound.core.event;

import io.rebound.core.binary.Sha256Hex;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one canonical event every collector endpoint produces and every runtime consumes.
 *
 * <p>Event time is the visitor's time (client timestamp corrected for clock skew), received
 * time is Rebound's. Audiences use event time only, so state never depends on arrival order.
 *
 * @param storeId     the store this event belongs to
 * @param eventId     idempotency key: the client's {@code messageId} / {@code event_id}, or derived
 * @param type        canonical type
 * @param name        the name as sent (e.g. {@code view_item}); equals the canonical name when unknown
 * @param anonymousId first-party cookie id, may be null when {@code userId} is set
 * @param userId      the store's customer id, or null
 * @param emailHash   SHA-256 hex of the normalised email, or null
 * @param products    product lines, empty when none
 * @param value       monetary value, or null
 * @param currency    ISO 4217 code, upper case, or null
 * @param eventTime   when it happened for the visitor
 * @param receivedAt  when the collector accepted it
 * @param pageUrl     page URL, or null
 * @param referrer    referrer URL, or null
 * @param userAgent   user agent, or null
 * @param ip          truncated IP (last IPv4 octet / last 80 IPv6 bits zeroed), or null
 * @param clickIds    the ad platforms' browser and click ids ({@link ClickIds}: fbp, fbc, gclid, …),
 *                    only with advertising consent; every entry valid by {@link ClickIds#problem}
 * @param utm         utm_source, utm_medium, utm_campaign, utm_term, utm_content
 * @param consent     consent signals
 * @param properties  remaining custom properties (string, number, boolean values)
 * @param source      the endpoint that accepted it
 * @param googleEmailHash SHA-256 hex of the email as Google normalises it (for {@code gmail.com} and
 *                    {@code googlemail.com}: no dots and no {@code +tag} before the {@code @}), only
 *                    when the collector saw the address in the clear and the result differs from
 *                    {@code emailHash}; else null. Google's rule only: no other platform gets it.
 */
public record Event(
        String storeId,
        String eventId,
        EventType type,
        String name,
        String anonymousId,
        String userId,
        String emailHash,
        List<Product> products,
        BigDecimal value,
        String currency,
        Instant eventTime,
        Instant receivedAt,
        String pageUrl,
        String referrer,
        String userAgent,
        String ip,
        Map<String, String> clickIds,
        Map<String, String> utm,
        Consent consent,
        Map<String, Object> properties,
        Source source,
        String googleEmailHash) {

    /** An event without a Google-normalised email hash (the form every event had before it existed). */
    public Event(String storeId, String eventId, EventType type, String name, String anonymousId, String userId,
                 String emailHash, List<Product> products, BigDecimal value, String currency, Instant eventTime,
                 Instant receivedAt, String pageUrl, String referrer, String userAgent, String ip,
                 Map<String, String> clickIds, Map<String, String> utm, Consent consent,
                 Map<String, Object> properties, Source source) {
        this(storeId, eventId, type, name, anonymousId, userId, emailHash, products, value, currency, eventTime,
                receivedAt, pageUrl, referrer, userAgent, ip, clickIds, utm, consent, properties, source, null);
    }

    public Event {
        Objects.requireNonNull(storeId, "storeId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(eventTime, "eventTime");
        Objects.requireNonNull(receivedAt, "receivedAt");
        if (anonymousId == null && userId == null) {
            throw new IllegalArgumentException("an event needs an anonymousId or a userId");
        }
        name = name == null ? type.canonicalName() : name;
        products = products == null ? List.of() : List.copyOf(products);
        clickIds = clickIds == null ? Map.of() : Map.copyOf(clickIds);
        if (!clickIds.isEmpty()) {
            List<Violation> bad = ClickIds.violations(clickIds, "click_ids");
            if (!bad.isEmpty()) {
                throw new InvalidEventException(bad);
            }
        }
        utm = utm == null ? Map.of() : Map.copyOf(utm);
        consent = consent == null ? Consent.UNSTATED : consent;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        source = source == null ? Source.SERVER : source;
        if (googleEmailHash != null) {
            if (emailHash == null || !Sha256Hex.isLowerCaseDigest(googleEmailHash)) {
                throw new IllegalArgumentException("a Google email hash is a SHA-256 hex digest beside an email hash");
            }
            // Kept only where it differs: an event of a non-Gmail address carries one hash, as before.
            googleEmailHash = googleEmailHash.equals(emailHash) ? null : googleEmailHash;
        }
    }

    /** The visitor key used before identity resolution: the anonymous id, else the user id. */
    public String visitorId() {
        return anonymousId != null ? anonymousId : userId;
    }

    /** Product ids in order, for convenience in rules and reports. */
    public List<String> productIds() {
        // A plain loop: the stream's pipeline objects were allocated for every event the audience writer read.
        int n = products.size();
        if (n == 0) {
            return List.of();
        }
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = products.get(i).id();
        }
        return List.of(ids);
    }

    /** Creates a builder pre-filled with the required fields. */
    public static Builder builder(String storeId, String eventId, EventType type, Instant eventTime, Instant receivedAt) {
        return new Builder(storeId, eventId, type, eventTime, receivedAt);
    }

    /** A mutable builder, because a canonical event has many optional parts. */
    public static final class Builder {
        private final String storeId;
        private final String eventId;
        private final EventType type;
        private final Instant eventTime;
        private final Instant receivedAt;
        private String name;
        private String anonymousId;
        private String userId;
        private String emailHash;
        private List<Product> products;
        private BigDecimal value;
        private String currency;
        private String pageUrl;
        private String referrer;
        private String userAgent;
        private String ip;
        private Map<String, String> clickIds;
        private Map<String, String> utm;
        private Consent consent;
        private Map<String, Object> properties;
        private Source source;
        private String googleEmailHash;

        private Builder(String storeId, String eventId, EventType type, Instant eventTime, Instant receivedAt) {
            this.storeId = storeId;
            this.eventId = eventId;
            this.type = type;
            this.eventTime = eventTime;
            this.receivedAt = receivedAt;
        }

        public Builder name(String v) { this.name = v; return this; }
        public Builder anonymousId(String v) { this.anonymousId = v; return this; }
        public Builder userId(String v) { this.userId = v; return this; }
        public Builder emailHash(String v) { this.emailHash = v; return this; }
        public Builder products(List<Product> v) { this.products = v; return this; }
        public Builder value(BigDecimal v) { this.value = v; return this; }
        public Builder currency(String v) { this.currency = v; return this; }
        public Builder pageUrl(String v) { this.pageUrl = v; return this; }
        public Builder referrer(String v) { this.referrer = v; return this; }
        public Builder userAgent(String v) { this.userAgent = v; return this; }
        public Builder ip(String v) { this.ip = v; return this; }
        public Builder clickIds(Map<String, String> v) { this.clickIds = v; return this; }
        public Builder utm(Map<String, String> v) { this.utm = v; return this; }
        public Builder consent(Consent v) { this.consent = v; return this; }
        public Builder properties(Map<String, Object> v) { this.properties = v; return this; }
        public Builder source(Source v) { this.source = v; return this; }
        public Builder googleEmailHash(String v) { this.googleEmailHash = v; return this; }

        public Event build() {
            return new Event(storeId, eventId, type, name, anonymousId, userId, emailHash, products, value,
                    currency, eventTime, receivedAt, pageUrl, referrer, userAgent, ip, clickIds, utm,
                    consent, properties, source, googleEmailHash);
        }
    }
}
