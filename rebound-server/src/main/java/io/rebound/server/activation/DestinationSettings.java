package io.rebound.server.activation;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Mode;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Transport;
import io.rebound.destinations.google.AccessTokenProvider;
import io.rebound.destinations.google.Ga4Config;
import io.rebound.destinations.google.GoogleAuthTokens;
import io.rebound.destinations.google.GoogleConfig;
import io.rebound.destinations.google.GoogleDestination;
import io.rebound.destinations.meta.LduLocation;
import io.rebound.destinations.meta.MetaConfig;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.destinations.pinterest.PinterestConfig;
import io.rebound.destinations.pinterest.PinterestDestination;
import io.rebound.destinations.tiktok.TikTokConfig;
import io.rebound.destinations.tiktok.TikTokDestination;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A destination's settings as the API takes them ({@code config}: snake_case fields per platform),
 * split into what may be shown ({@link #settings()}: ids and options) and what may not
 * ({@link #secrets()}: tokens and keys, stored encrypted and never returned). Parsing checks every
 * field by name, type and size, then builds the platform's own config record, whose checks (id
 * formats, required combinations) are reported against the API's field names.
 *
 * @param platform the platform
 * @param settings non-secret fields, by API name (strings, booleans, integers)
 * @param secrets  secret fields, by API name
 */
public record DestinationSettings(Platform platform, Map<String, Object> settings, Map<String, String> secrets) {

    /** The longest secret taken (a service account key file is a few KB). */
    public static final int MAX_SECRET_CHARS = 16 * 1024;
    private static final int MAX_SETTING_CHARS = 200;

    private enum Kind { TEXT, SECRET, FLAG, NUMBER, PROCESSING_OPTIONS }

    private record Field(String name, Kind kind, String javaName) {
    }

    private static final Map<Platform, List<Field>> FIELDS = Map.of(
            Platform.META, List.of(
                    new Field("ad_account_id", Kind.TEXT, "adAccountId"),
                    new Field("pixel_id", Kind.TEXT, "pixelId"),
                    new Field("access_token", Kind.SECRET, "accessToken"),
                    new Field("customer_file_source", Kind.TEXT, "customerFileSource"),
                    new Field("test_event_code", Kind.TEXT, "testEventCode"),
                    new Field("api_version", Kind.TEXT, "apiVersion"),
                    new Field("data_processing_options", Kind.PROCESSING_OPTIONS, "dataProcessingOptions"),
                    new Field("data_processing_options_country", Kind.NUMBER, "lduCountry"),
                    new Field("data_processing_options_state", Kind.NUMBER, "lduState")),
            Platform.GOOGLE, List.of(
                    new Field("operating_account_id", Kind.TEXT, "operatingAccountId"),
                    new Field("login_account_id", Kind.TEXT, "loginAccountId"),
                    new Field("conversion_action_id", Kind.TEXT, "conversionActionId"),
                    new Field("customer_match_terms_accepted", Kind.FLAG, "customerMatchTermsAccepted"),
                    new Field("membership_days", Kind.NUMBER, "membershipDays"),
                    new Field("service_account_key", Kind.SECRET, "serviceAccountKey"),
                    new Field("client_id", Kind.TEXT, "clientId"),
                    new Field("client_secret", Kind.SECRET, "clientSecret"),
                    new Field("refresh_token", Kind.SECRET, "refreshToken"),
                    new Field("token_url", Kind.TEXT, "tokenUrl"),
                    new Field("measurement_id", Kind.TEXT, "measurementId"),
                    new Field("api_secret", Kind.SECRET, "apiSecret")),
            Platform.TIKTOK, List.of(
                    new Field("advertiser_id", Kind.TEXT, "advertiserId"),
                    new Field("pixel_code", Kind.TEXT, "pixelCode"),
                    new Field("access_token", Kind.SECRET, "accessToken"),
                    new Field("calculate_type", Kind.TEXT, "calculateType"),
                    new Field("test_event_code", Kind.TEXT, "testEventCode")),
            Platform.PINTEREST, List.of(
                    new Field("ad_account_id", Kind.TEXT, "adAccountId"),
                    new Field("api_token", Kind.SECRET, "apiToken"),
                    new Field("conversion_token", Kind.SECRET, "conversionToken")));

    /**
     * A field of {@code config} is missing, of the wrong type or refused by the platform's rules
     * ({@link Activation.NotTestable}: missing for the connection test alone).
     */
    public static class InvalidSetting extends IllegalArgumentException {
        private final String field;

        public InvalidSetting(String field, String message) {
            super(message);
            this.field = field;
        }

        /** The field at fault, as the API names it ({@code config.access_token}, {@code api_base_url}, …). */
        public String field() {
            return field;
        }
    }

    public DestinationSettings {
        Objects.requireNonNull(platform, "platform");
        settings = Map.copyOf(settings);
        secrets = Map.copyOf(secrets);
    }

    /** Parses the API's {@code config} object for {@code platform} and checks it against the platform's rules. */
    public static DestinationSettings parse(Platform platform, Map<String, Object> config) {
        DestinationSettings s = new DestinationSettings(platform, Map.of(), Map.of()).merge(config);
        s.check();
        return s;
    }

    /**
     * These settings with {@code patch} applied: a field given replaces the old value, a field given as
     * null removes it, a field not given is kept (so a secret need not be sent again). Checked as a whole.
     */
    public DestinationSettings with(Map<String, Object> patch) {
        DestinationSettings s = merge(patch);
        s.check();
        return s;
    }

    private DestinationSettings merge(Map<String, Object> patch) {
        Map<String, Object> settings = new TreeMap<>(this.settings);
        Map<String, String> secrets = new TreeMap<>(this.secrets);
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Field f = FIELDS.get(platform).stream().filter(x -> x.name.equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new InvalidSetting("config." + e.getKey(), platform.id() + " has no setting '"
                            + e.getKey() + "'; known: " + FIELDS.get(platform).stream().map(Field::name).toList()));
            String name = "config." + f.name;
            Object v = e.getValue();
            settings.remove(f.name);
            secrets.remove(f.name);
            if (v == null) {
                continue;
            }
            switch (f.kind) {
                case SECRET -> {
                    String text = v instanceof String str ? str
                            : v instanceof Map<?, ?> && f.name.equals("service_account_key") ? jsonOf(v) : null;
                    if (text == null || text.isBlank()) {
                        throw new InvalidSetting(name, name + " must be a non-empty string");
                    }
                    if (text.length() > MAX_SECRET_CHARS) {
                        throw new InvalidSetting(name, name + " is longer than " + MAX_SECRET_CHARS + " characters");
                    }
                    secrets.put(f.name, text);
                }
                case TEXT -> {
                    if (!(v instanceof String str) || str.isBlank() || str.length() > MAX_SETTING_CHARS
                            || str.chars().anyMatch(Character::isISOControl)) {
                        throw new InvalidSetting(name, name + " must be a string of 1 to " + MAX_SETTING_CHARS
                                + " printable characters");
                    }
                    settings.put(f.name, str.strip());
                }
                case FLAG -> {
                    if (!(v instanceof Boolean)) {
                        throw new InvalidSetting(name, name + " must be true or false");
                    }
                    settings.put(f.name, v);
                }
                case NUMBER -> {
                    if (!(v instanceof Integer) && !(v instanceof Long)) {
                        throw new InvalidSetting(name, name + " must be an integer");
                    }
                    settings.put(f.name, ((Number) v).longValue());
                }
                case PROCESSING_OPTIONS -> {
                    if (!(v instanceof List<?> list) || list.size() > 1 || list.size() == 1 && !"LDU".equals(list.getFirst())) {
                        throw new InvalidSetting(name, name + " must be [] or [\"LDU\"] (Meta's Limited Data Use)");
                    }
                    settings.put(f.name, List.copyOf(list));
                }
            }
        }
        return new DestinationSettings(platform, settings, secrets);
    }

    private static String jsonOf(Object v) {
        try {
            return io.rebound.server.json.Json.MAPPER.writeValueAsString(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String text(String name) {
        Object v = settings.get(name);
        return v == null ? null : v.toString();
    }

    private String required(String name) {
        String v = secrets.containsKey(name) ? secrets.get(name) : text(name);
        if (v == null) {
            throw new InvalidSetting("config." + name, "config." + name + " is required for " + platform.id());
        }
        return v;
    }

    /** Builds the platform config once, so its own rules are checked now rather than at the first send. */
    private void check() {
        build(Mode.DRY_RUN, null, false, r -> {
            throw new IllegalStateException("not sent");
        }, new RequestLog(1), Clock.systemUTC());
        if (platform == Platform.GOOGLE && !secrets.containsKey("service_account_key")) {
            required("client_id");
            required("client_secret");
            required("refresh_token");
        }
        if (platform == Platform.GOOGLE && secrets.containsKey("api_secret") != settings.containsKey("measurement_id")) {
            throw new InvalidSetting("config.measurement_id", "GA4 needs both config.measurement_id and config.api_secret");
        }
    }

    /**
     * The destination these settings describe.
     *
     * @param baseUrl the platform's base URL, or null for its production one
     * @param test    build for the platform's validation path: Pinterest sends with {@code ?test=true}, Google
     *                validates only (Meta and TikTok mark test events with their configured test code anyway)
     */
    public Destination build(Mode mode, URI baseUrl, boolean test, Transport transport, RequestLog log, Clock clock) {
        try {
            return switch (platform) {
                case META -> {
                    MetaConfig c = MetaConfig.of(required("ad_account_id"), text("pixel_id"), required("access_token"));
                    c = new MetaConfig(c.adAccountId(), c.pixelId(), c.accessToken(), baseUrl == null ? c.baseUrl() : baseUrl,
                            orDefault("api_version", c.apiVersion()), orDefault("customer_file_source", c.customerFileSource()),
                            text("test_event_code"), c.policy(), c.rules(), c.limits());
                    yield new MetaDestination(withLimitedDataUse(c), mode, transport, log, clock);
                }
                case GOOGLE -> {
                    GoogleConfig c = GoogleConfig.of(required("operating_account_id"))
                            .withLoginAccount(text("login_account_id"))
                            .withConversionAction(text("conversion_action_id"))
                            .withCustomerMatchTermsAccepted(Boolean.TRUE.equals(settings.get("customer_match_terms_accepted")))
                            .withValidateOnly(test);
                    if (settings.containsKey("membership_days")) {
                        c = new GoogleConfig(c.operatingAccountId(), c.loginAccountId(), c.conversionActionId(),
                                c.customerMatchTermsAccepted(), c.validateOnly(),
                                (int) Math.min(Integer.MAX_VALUE, ((Number) settings.get("membership_days")).longValue()), c.baseUrl(),
                                c.apiVersion(), c.policy(), c.rules(), c.limits());
                    }
                    if (baseUrl != null) {
                        c = c.withBaseUrl(baseUrl);
                    }
                    Ga4Config ga4 = null;
                    if (settings.containsKey("measurement_id") && secrets.containsKey("api_secret")) {
                        ga4 = new Ga4Config(text("measurement_id"), secrets.get("api_secret"),
                                baseUrl == null ? Ga4Config.DEFAULT_BASE_URL : baseUrl, test);
                    }
                    yield new GoogleDestination(c, ga4, googleTokens(), mode, transport, log, clock);
                }
                case TIKTOK -> {
                    TikTokConfig c = TikTokConfig.of(required("advertiser_id"), text("pixel_code"), required("access_token"))
                            .withCalculateType(orDefault("calculate_type", "EMAIL_SHA256"))
                            .withTestEventCode(text("test_event_code"));
                    yield new TikTokDestination(baseUrl == null ? c : c.withBaseUrl(baseUrl), mode, transport, log, clock);
                }
                case PINTEREST -> {
                    PinterestConfig c = PinterestConfig.of(required("ad_account_id"), secrets.get("api_token"),
                            secrets.get("conversion_token")).withTestEvents(test);
                    yield new PinterestDestination(baseUrl == null ? c : c.withBaseUrl(baseUrl), mode, transport, log, clock);
                }
            };
        } catch (InvalidSetting e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting(fieldNamed(e.getMessage()), e.getMessage() == null ? "invalid settings"
                    : apiNames(e.getMessage()));
        }
    }

    /**
     * Meta's Limited Data Use, as the store set it: {@code data_processing_options ["LDU"]} flags every row and
     * event, with {@code data_processing_options_country}/{@code _state} (both 0, Meta geolocates, unless given).
     */
    private MetaConfig withLimitedDataUse(MetaConfig c) {
        boolean ldu = settings.get("data_processing_options") instanceof List<?> l && !l.isEmpty();
        if (!ldu) {
            for (String f : List.of("data_processing_options_country", "data_processing_options_state")) {
                if (settings.containsKey(f)) {
                    throw new InvalidSetting("config." + f, "config." + f
                            + " is sent only with Limited Data Use: set config.data_processing_options to [\"LDU\"]");
                }
            }
            return c;
        }
        return c.withLimitedDataUse(new LduLocation(intSetting("data_processing_options_country"),
                intSetting("data_processing_options_state")));
    }

    private int intSetting(String name) {
        Object v = settings.get(name);
        if (v == null) {
            return 0;
        }
        long n = ((Number) v).longValue();
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new InvalidSetting("config." + name, "config." + name + " is out of range: " + n);
        }
        return (int) n;
    }

    private String orDefault(String name, String fallback) {
        String v = text(name);
        return v == null ? fallback : v;
    }

    /** Google tokens: from the service account key, or from the OAuth client and refresh token. Lazy: nothing is fetched here. */
    private AccessTokenProvider googleTokens() {
        URI tokenServer = text("token_url") == null ? null : URI.create(text("token_url"));
        String key = secrets.get("service_account_key");
        if (key != null) {
            try {
                return GoogleAuthTokens.serviceAccount(new ByteArrayInputStream(key.getBytes(StandardCharsets.UTF_8)),
                        tokenServer);
            } catch (IOException | RuntimeException e) {
                throw new InvalidSetting("config.service_account_key",
                        "config.service_account_key is not a service account key file Google's library can read");
            }
        }
        String clientId = text("client_id");
        String secret = secrets.get("client_secret");
        String refresh = secrets.get("refresh_token");
        if (clientId == null || secret == null || refresh == null) {
            return () -> {
                throw new IOException("no Google credentials: a service_account_key, or client_id, client_secret and refresh_token");
            };
        }
        return GoogleAuthTokens.refreshToken(clientId, secret, refresh, tokenServer);
    }

    /** The API field a platform config's message is about: its first camelCase field name, as {@code config.snake_case}. */
    private String fieldNamed(String message) {
        if (message != null) {
            int best = Integer.MAX_VALUE;
            String found = null;
            for (Field f : FIELDS.get(platform)) {
                int at = message.indexOf(f.javaName);
                if (at >= 0 && at < best) {
                    best = at;
                    found = f.name;
                }
            }
            if (found != null) {
                return "config." + found;
            }
        }
        return "config";
    }

    private String apiNames(String message) {
        String out = message;
        for (Field f : FIELDS.get(platform)) {
            out = out.replace(f.javaName, "config." + f.name);
        }
        return out;
    }

    /**
     * A platform's documented request budget for the account these settings act on: Google's Data Manager
     * API takes 300 requests a minute per Cloud project (Rebound counts per Google Ads operating account,
     * which the credentials of one store normally share a project with); Pinterest 5,000 calls a minute
     * per ad account. Meta's and TikTok's limits move with the account and are honoured from their
     * throttling answers and usage headers instead.
     *
     * @param key       the account, e.g. {@code pinterest:549755885175}
     * @param perMinute requests a minute
     * @param burst     requests at once after a quiet spell
     */
    public record RateBudget(String key, int perMinute, int burst) {
    }

    /** The account's request budget, or null where the platform states none (Meta, TikTok). */
    public RateBudget rateBudget() {
        return switch (platform) {
            case GOOGLE -> new RateBudget("google:" + text("operating_account_id").replace("-", ""), 300, 10);
            case PINTEREST -> new RateBudget("pinterest:" + text("ad_account_id"), 5_000, 50);
            case META, TIKTOK -> null;
        };
    }

    /**
     * Whether the destination takes server events: Meta with a pixel, TikTok with a pixel code, Pinterest
     * with a conversion token, Google with a conversion action or a GA4 stream (measurement id and API secret).
     */
    public boolean sendsEvents() {
        return switch (platform) {
            case META -> settings.containsKey("pixel_id");
            case TIKTOK -> settings.containsKey("pixel_code");
            case PINTEREST -> secrets.containsKey("conversion_token");
            case GOOGLE -> settings.containsKey("conversion_action_id") || settings.containsKey("measurement_id");
        };
    }

    /**
     * Whether segment joins are also sent as membership events: where the destination takes events and
     * the platform's website audiences can select people by a custom event's name (Meta, TikTok, and Google
     * with a GA4 stream, whose audiences can select an event name and be shared with Google Ads).
     * Pinterest's API names custom events only {@code custom}, and a Google conversion action is no
     * audience (the destination sends membership events to GA4 only).
     */
    public boolean sendsMembershipEvents() {
        return sendsEvents() && (platform == Platform.META || platform == Platform.TIKTOK
                || platform == Platform.GOOGLE && settings.containsKey("measurement_id"));
    }

    /**
     * A destination's platform base URL override ({@code api_base_url}): an absolute http or https URL
     * without query, fragment or user info (one trailing slash dropped), or null when {@code text} is null.
     * The API and the dashboard both take it through here.
     */
    public static URI apiBaseUrl(String text) {
        if (text == null) {
            return null;
        }
        String bad = "api_base_url must be an absolute http or https URL without query, fragment or user info";
        if (text.length() > 2000) {
            throw new InvalidSetting("api_base_url", bad);
        }
        try {
            URI u = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw new InvalidSetting("api_base_url", bad);
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new InvalidSetting("api_base_url", bad);
        }
    }

    /** The last four characters of each secret, for display ("…a1b2"); never more. */
    public Map<String, String> hints() {
        Map<String, String> out = new LinkedHashMap<>();
        new TreeMap<>(secrets).forEach((k, v) -> out.put(k, "…" + (v.length() <= 8 ? "" : v.substring(v.length() - 4))));
        return out;
    }
}
