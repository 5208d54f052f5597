package io.rebound.server.dashboard;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.Mode;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.vertx.core.MultiMap;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The connect and edit forms of a destination, turned into what {@link DestinationSettings} takes, or
 * into messages keyed by the field they are about ({@code name}, {@code mode}, {@code api_base_url},
 * {@code config.access_token}, …) for inline display. The rules are the activation package's
 * ({@link DestinationSettings#parse}, {@link DestinationSettings#with}, {@link DestinationSettings#apiBaseUrl}):
 * this class only labels the fields and reads the form. A secret left blank on the edit form keeps the
 * stored one; the stored value is never put back into a page.
 */
final class DestinationForms {
    static final int MAX_NAME = 200;

    enum Kind { TEXT, SECRET, FLAG, NUMBER }

    /**
     * One input of a platform's form.
     *
     * @param name     the API's config field name
     * @param advanced shown folded away, under "More settings"
     */
    record Field(String name, String label, Kind kind, boolean required, boolean advanced, String help) {
        /** The form's input name (and the key its error is filed under). */
        String input() {
            return "config." + name;
        }

        Map<String, Object> view() {
            Map<String, Object> m = new HashMap<>();
            m.put("name", name);
            m.put("input", input());
            m.put("label", label);
            m.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
            m.put("required", required);
            m.put("advanced", advanced);
            m.put("help", help);
            return m;
        }
    }

    private static Field text(String name, String label, boolean required, String help) {
        return new Field(name, label, Kind.TEXT, required, false, help);
    }

    private static Field secret(String name, String label, boolean required, String help) {
        return new Field(name, label, Kind.SECRET, required, false, help);
    }

    private static Field advanced(String name, String label, Kind kind, String help) {
        return new Field(name, label, kind, false, true, help);
    }

    static final Map<Platform, String> TITLES = Map.of(Platform.META, "Meta", Platform.GOOGLE, "Google",
            Platform.TIKTOK, "TikTok", Platform.PINTEREST, "Pinterest");

    static final Map<Platform, List<Field>> FIELDS = Map.of(
            Platform.META, List.of(
                    text("ad_account_id", "Ad account id", true, "act_… or its digits, from Business settings → Ad accounts"),
                    text("pixel_id", "Pixel (dataset) id", false, "for server events and the Test button"),
                    secret("access_token", "Access token", true, "a system user's token with ads_management"),
                    text("test_event_code", "Test event code", false, "Events Manager → Test events (TEST…)"),
                    advanced("customer_file_source", "Customer file source", Kind.TEXT, "default USER_PROVIDED_ONLY"),
                    advanced("api_version", "Graph API version", Kind.TEXT, "default the version Rebound was built for")),
            Platform.GOOGLE, List.of(
                    text("operating_account_id", "Google Ads customer id", true, "123-456-7890"),
                    text("login_account_id", "Manager account id", false, "when the credentials act through a manager"),
                    text("conversion_action_id", "Conversion action id", false, "for events and the Test button"),
                    new Field("customer_match_terms_accepted", "Customer Match terms accepted in Google Ads", Kind.FLAG,
                            false, false, null),
                    secret("service_account_key", "Service account key (JSON)", false,
                            "paste the key file; or use the OAuth client below"),
                    text("client_id", "OAuth client id", false, null),
                    secret("client_secret", "OAuth client secret", false, null),
                    secret("refresh_token", "Refresh token", false, null),
                    text("measurement_id", "GA4 measurement id", false, "G-…, with its API secret"),
                    secret("api_secret", "GA4 API secret", false, null),
                    advanced("membership_days", "Membership duration (days)", Kind.NUMBER, "default 540"),
                    advanced("token_url", "OAuth token URL", Kind.TEXT, "default Google's")),
            Platform.TIKTOK, List.of(
                    text("advertiser_id", "Advertiser id", true, null),
                    text("pixel_code", "Pixel code", false, "for server events and the Test button"),
                    secret("access_token", "Access token", true, "the long-term token of your developer app"),
                    text("test_event_code", "Test event code", false, "Events Manager → Test events"),
                    advanced("calculate_type", "Customer file identifier", Kind.TEXT, "EMAIL_SHA256 (default) or PHONE_SHA256")),
            Platform.PINTEREST, List.of(
                    text("ad_account_id", "Ad account id", true, null),
                    secret("api_token", "API token (customer lists)", false, "OAuth token with ads:read and ads:write"),
                    secret("conversion_token", "Conversion access token (events)", false, "Ads Manager → Conversions")));

    /**
     * A read form: the values to save, or the messages to show.
     *
     * @param errors field → message, in form order; empty when the form was accepted
     * @param values what was typed, secrets left out, to fill the form again
     */
    record Outcome(String name, Mode mode, URI apiBaseUrl, DestinationSettings settings, Map<String, String> errors,
                   Map<String, String> values) {
        boolean ok() {
            return errors.isEmpty();
        }
    }

    private DestinationForms() {
    }

    /** The platform named by the form's {@code platform} field, or null. */
    static Platform platform(String id) {
        for (Platform p : Platform.values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /** The connect form: {@code name}, {@code mode}, {@code api_base_url} and the platform's {@code config.*} inputs. */
    static Outcome connect(Platform platform, MultiMap form) {
        return outcome(platform, form, new LinkedHashMap<>(), (f, v) -> v != null,
                config -> DestinationSettings.parse(platform, config));
    }

    /**
     * The edit form: every non-secret setting as shown (blank removes it), a secret only when a new one was
     * typed (blank keeps the stored one).
     */
    static Outcome edit(JdbcDestinations.Record old, MultiMap form) {
        return outcome(old.platform(), form, new HashMap<>(), (f, v) -> v != null || f.kind != Kind.SECRET,
                patch -> old.settings().with(patch));
    }

    /**
     * Reads the form: name, mode, base URL and the platform's settings, each kept in {@code config} when
     * {@code keep} says so; the settings are then made by {@code settings} unless a setting was already refused.
     */
    private static Outcome outcome(Platform platform, MultiMap form, Map<String, Object> config,
                                   BiPredicate<Field, Object> keep,
                                   Function<Map<String, Object>, DestinationSettings> settings) {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, String> values = typed(platform, form);
        String name = name(form.get("name"), errors);
        Mode mode = mode(form.get("mode"), errors);
        URI base = baseUrl(form.get("api_base_url"), errors);
        for (Field f : FIELDS.get(platform)) {
            Object v = value(f, form.get(f.input()), errors);
            if (keep.test(f, v)) {
                config.put(f.name, v);
            }
        }
        DestinationSettings made = null;
        if (errors.keySet().stream().noneMatch(k -> k.startsWith("config."))) {
            try {
                made = settings.apply(config);
            } catch (DestinationSettings.InvalidSetting e) {
                errors.put(e.field(), human(platform, e.getMessage()));
            }
        }
        return new Outcome(name, mode, base, made, errors, values);
    }

    /** The values a stored destination's edit form starts with (never a secret). */
    static Map<String, String> values(JdbcDestinations.Record r) {
        Map<String, String> v = new HashMap<>();
        v.put("name", r.name());
        v.put("mode", JdbcDestinations.wire(r.mode()));
        v.put("api_base_url", r.apiBaseUrl() == null ? "" : r.apiBaseUrl().toString());
        r.settings().settings().forEach((k, x) -> v.put("config." + k, String.valueOf(x)));
        return v;
    }

    /** What was typed, secrets left out: a rejected form is shown again with these. */
    private static Map<String, String> typed(Platform platform, MultiMap form) {
        Map<String, String> v = new HashMap<>();
        for (String k : List.of("name", "mode", "api_base_url")) {
            v.put(k, form.get(k) == null ? "" : form.get(k));
        }
        for (Field f : FIELDS.get(platform)) {
            if (f.kind != Kind.SECRET && form.get(f.input()) != null) {
                v.put(f.input(), f.kind == Kind.FLAG ? String.valueOf(checked(form.get(f.input()))) : form.get(f.input()));
            }
        }
        return v;
    }

    private static String name(String raw, Map<String, String> errors) {
        String s = raw == null ? "" : raw.strip();
        if (s.isEmpty() || s.length() > MAX_NAME || s.chars().anyMatch(Character::isISOControl)) {
            errors.put("name", "Name must be 1 to " + MAX_NAME + " printable characters.");
            return null;
        }
        return s;
    }

    private static Mode mode(String raw, Map<String, String> errors) {
        if (raw == null || raw.isEmpty() || raw.equals("dry_run")) {
            return Mode.DRY_RUN;
        }
        if (raw.equals("live")) {
            return Mode.LIVE;
        }
        errors.put("mode", "Mode must be live or dry-run.");
        return null;
    }

    private static URI baseUrl(String raw, Map<String, String> errors) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return DestinationSettings.apiBaseUrl(raw.strip());
        } catch (DestinationSettings.InvalidSetting e) {
            errors.put(e.field(), "API base URL must be an absolute http or https URL without query, fragment or user info.");
            return null;
        }
    }

    private static Object value(Field f, String raw, Map<String, String> errors) {
        return switch (f.kind) {
            case FLAG -> checked(raw) ? Boolean.TRUE : null;
            case NUMBER -> {
                if (raw == null || raw.isBlank()) {
                    yield null;
                }
                try {
                    yield Long.valueOf(raw.strip());
                } catch (NumberFormatException e) {
                    errors.put(f.input(), f.label + " must be a whole number.");
                    yield null;
                }
            }
            case TEXT, SECRET -> raw == null || raw.isBlank() ? null : raw.strip();
        };
    }

    private static boolean checked(String raw) {
        return "on".equals(raw) || "true".equals(raw);
    }

    /** The activation package's message with the API's field names replaced by the form's labels. */
    static String human(Platform platform, String message) {
        String out = message == null ? "Invalid settings." : message;
        List<Field> fields = new ArrayList<>(FIELDS.get(platform));
        fields.sort(Comparator.comparingInt((Field f) -> f.name.length()).reversed());
        for (Field f : fields) {
            out = out.replace(f.input(), f.label);
        }
        out = out.replace("api_base_url", "API base URL");
        return Character.toUpperCase(out.charAt(0)) + out.substring(1) + (out.endsWith(".") ? "" : ".");
    }

    /** The platform's form inputs for a template. */
    static List<Map<String, Object>> inputs(Platform platform) {
        return FIELDS.get(platform).stream().map(Field::view).toList();
    }

    /** The label of a config field, or its name when the form does not show it. */
    static String label(Platform platform, String name) {
        return FIELDS.get(platform).stream().filter(f -> f.name.equals(name)).map(Field::label).findFirst().orElse(name);
    }
}
