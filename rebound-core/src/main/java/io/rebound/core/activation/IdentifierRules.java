package io.rebound.core.activation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One platform's rules for turning a person's identifiers into what it matches on, as each platform
 * documents them (docs/destinations.md lists them side by side):
 * <ul>
 *   <li>email — trimmed and lower-cased everywhere; Google also removes inner whitespace and, for
 *       {@code gmail.com}/{@code googlemail.com} only, the dots and the {@code +tag} before the
 *       {@code @} (never for another platform);</li>
 *   <li>phone — country code and number: digits only for Meta and Pinterest, E.164 with {@code +}
 *       for Google; TikTok documents both, so its format is a setting ({@link #withPhoneFormat});</li>
 *   <li>names lower case without punctuation; city lower case without spaces or punctuation; state a
 *       lower-case code; postal code without spaces, US ZIP cut to five digits; country ISO alpha-2
 *       lower case — where the platform takes them (Meta, Pinterest; Google takes given and family
 *       name hashed and region and postal code in the clear, upper-case region);</li>
 *   <li>external ids hashed everywhere they are taken (Meta, TikTok, Pinterest), so that a customer
 *       list and the server events carry the same key.</li>
 * </ul>
 * Every hashed value is the SHA-256 hex of the normalised UTF-8 string. A value that already is a
 * SHA-256 hex digest is passed through lower-cased — for Google, an email digest is replaced by the
 * digest of Google's form when the contact has it ({@link Contact#googleEmails()}): a field the platform takes in the clear cannot be
 * recovered from a digest and is dropped instead. Values that do not normalise (an email without
 * {@code @}) are dropped rather than hashed into keys that never match.
 *
 * @param platform           whose rules these are
 * @param phoneFormat        how a phone number is written before hashing
 * @param defaultCallingCode the calling code of a national phone number (1 to 3 digits), or null
 */
public record IdentifierRules(Platform platform, PhoneFormat phoneFormat, String defaultCallingCode) {

    /** How a phone number is written before hashing. */
    public enum PhoneFormat {
        /** Country code and number, digits only: {@code 16505551234}. */
        DIGITS,
        /** E.164: {@code +16505551234}. */
        E164
    }

    public IdentifierRules {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(phoneFormat, "phoneFormat");
        if (defaultCallingCode != null && !defaultCallingCode.matches("[1-9][0-9]{0,2}")) {
            throw new IllegalArgumentException("a calling code is 1 to 3 digits without '+', got " + defaultCallingCode);
        }
    }

    /** The platform's documented rules (TikTok: E.164 with {@code +}, its Events API's format). */
    public static IdentifierRules of(Platform platform) {
        PhoneFormat phone = switch (Objects.requireNonNull(platform, "platform")) {
            case META, PINTEREST -> PhoneFormat.DIGITS;
            case GOOGLE, TIKTOK -> PhoneFormat.E164;
        };
        return new IdentifierRules(platform, phone, null);
    }

    /** These rules writing phone numbers as {@code format} (for TikTok, whose documents disagree). */
    public IdentifierRules withPhoneFormat(PhoneFormat format) {
        return new IdentifierRules(platform, Objects.requireNonNull(format, "format"), defaultCallingCode);
    }

    /**
     * These rules reading a phone number without {@code +} or {@code 00} as a national number of the
     * country with this calling code (the store's country: {@code "1"}, {@code "44"} …).
     */
    public IdentifierRules withDefaultCallingCode(String callingCode) {
        return new IdentifierRules(platform, phoneFormat, callingCode);
    }

    // --- normalisation (the string that gets hashed) ---

    /** The email as this platform normalises it, or null when it is not an address. */
    public String normaliseEmail(String raw) {
        if (platform == Platform.GOOGLE) {
            String e = Normalise.email(raw, true);
            return e == null ? null : Normalise.gmail(e);
        }
        return Normalise.email(raw, false);
    }

    /** The phone number as this platform writes it, or null when it is not a phone number. */
    public String normalisePhone(String raw) {
        String digits = Normalise.phoneDigits(raw, defaultCallingCode);
        if (digits == null) {
            return null;
        }
        return phoneFormat == PhoneFormat.E164 ? "+" + digits : digits;
    }

    /** A given or family name: lower case, no punctuation. */
    public String normaliseName(String raw) {
        return Normalise.name(raw);
    }

    /** A city: lower case, no spaces or punctuation. */
    public String normaliseCity(String raw) {
        return Normalise.compact(raw);
    }

    /** A state: a lower-case code, US state names replaced by their two-letter code. */
    public String normaliseState(String raw) {
        return Normalise.state(raw);
    }

    /** A postal code: no spaces or dashes, US ZIP+4 cut to five digits; lower case except for Google. */
    public String normaliseZip(String raw) {
        String z = Normalise.zip(raw);
        return z != null && platform == Platform.GOOGLE ? z.toUpperCase(Locale.ROOT) : z;
    }

    /** A country: ISO 3166-1 alpha-2, upper case for Google's region code, lower case elsewhere. */
    public String normaliseCountry(String raw) {
        String c = Normalise.country(raw);
        return c != null && platform == Platform.GOOGLE ? c.toUpperCase(Locale.ROOT) : c;
    }

    // --- wire values ---

    /** The email's hash as this platform takes it, or null. */
    public String email(String rawOrDigest) {
        return hashed(rawOrDigest, this::normaliseEmail);
    }

    /** The phone number's hash as this platform takes it, or null. */
    public String phone(String rawOrDigest) {
        return hashed(rawOrDigest, this::normalisePhone);
    }

    /** A hashed given or family name, or null. */
    public String name(String rawOrDigest) {
        return hashed(rawOrDigest, this::normaliseName);
    }

    /** A hashed external id, or null where the platform takes none (Google). */
    public String externalId(String rawOrDigest) {
        return platform == Platform.GOOGLE ? null : hashed(rawOrDigest, Normalise::externalId);
    }

    /** The city as this platform takes it (hashed for Meta and Pinterest), or null. */
    public String city(String rawOrDigest) {
        return takesHashedAddress() ? hashed(rawOrDigest, this::normaliseCity) : null;
    }

    /** The state as this platform takes it (hashed for Meta and Pinterest), or null. */
    public String state(String rawOrDigest) {
        return takesHashedAddress() ? hashed(rawOrDigest, this::normaliseState) : null;
    }

    /** The postal code as this platform takes it: hashed for Meta and Pinterest, plain for Google. */
    public String zip(String rawOrDigest) {
        if (platform == Platform.GOOGLE) {
            return plain(rawOrDigest, this::normaliseZip);
        }
        return takesHashedAddress() ? hashed(rawOrDigest, this::normaliseZip) : null;
    }

    /** The country as this platform takes it: hashed for Meta and Pinterest, plain upper case for Google. */
    public String country(String rawOrDigest) {
        if (platform == Platform.GOOGLE) {
            return plain(rawOrDigest, this::normaliseCountry);
        }
        return takesHashedAddress() ? hashed(rawOrDigest, this::normaliseCountry) : null;
    }

    private boolean takesHashedAddress() {
        return platform == Platform.META || platform == Platform.PINTEREST;
    }

    private boolean takesNames() {
        return platform != Platform.TIKTOK;
    }

    /** All of a contact's identifiers as this platform takes them. */
    public MatchKeys keys(Contact c) {
        Function<String, String> emailKey = this::email;
        if (platform == Platform.GOOGLE && !c.googleEmails().isEmpty()) {
            // An address that was hashed the other platforms' way, with Google's form known beside it.
            emailKey = v -> {
                String google = c.googleEmails().get(v.strip().toLowerCase(Locale.ROOT));
                return google != null && Sha256.isDigest(google) ? Sha256.lowerHex(google) : email(v);
            };
        }
        return new MatchKeys(platform,
                all(c.emails(), emailKey),
                all(c.phones(), this::phone),
                takesNames() ? name(c.firstName()) : null,
                takesNames() ? name(c.lastName()) : null,
                city(c.city()), state(c.state()), zip(c.zip()), country(c.country()),
                all(c.externalIds(), this::externalId));
    }

    private static List<String> all(List<String> values, Function<String, String> wire) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            String w = wire.apply(v);
            if (w != null) {
                out.add(w);
            }
        }
        return new ArrayList<>(out);
    }

    private static String hashed(String rawOrDigest, Function<String, String> normalise) {
        if (rawOrDigest == null) {
            return null;
        }
        String s = rawOrDigest.strip();
        if (Sha256.isDigest(s)) {
            return Sha256.lowerHex(s);
        }
        String n = normalise.apply(s);
        return n == null ? null : Sha256.hex(n);
    }

    private static String plain(String raw, Function<String, String> normalise) {
        if (raw == null || Sha256.isDigest(raw.strip())) {
            return null;
        }
        return normalise.apply(raw);
    }
}
