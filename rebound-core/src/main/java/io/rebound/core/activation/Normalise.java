package io.rebound.core.activation;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The normalisation steps the platforms' rules are made of. Each returns null for a value that,
 * once normalised, is empty or cannot be what it claims to be (an email without an {@code @}, a
 * phone number with letters): hashing such a value would only upload a key that never matches.
 */
final class Normalise {

    private static final int MAX_EMAIL_LENGTH = 254;
    private static final int MIN_PHONE_DIGITS = 7;
    private static final int MAX_PHONE_DIGITS = 15;

    private Normalise() {
    }

    /** Trimmed and lower-cased; null unless shaped like an address (one {@code @}, a dot in the domain, no space). */
    static String email(String raw, boolean removeInnerWhitespace) {
        if (raw == null) {
            return null;
        }
        String e = raw.strip().toLowerCase(Locale.ROOT);
        if (removeInnerWhitespace) {
            e = e.replaceAll("\\s+", "");
        }
        int at = e.indexOf('@');
        if (e.length() > MAX_EMAIL_LENGTH || at <= 0 || at != e.lastIndexOf('@') || at == e.length() - 1
                || e.indexOf('.', at) < 0 || e.chars().anyMatch(Character::isWhitespace)) {
            return null;
        }
        return e;
    }

    /**
     * A normalised email with Google's Gmail rule applied: for {@code gmail.com} and
     * {@code googlemail.com} only, the dots before the {@code @} removed and a {@code +tag} dropped
     * (a Gmail user name cannot contain {@code +}, so a tagged address can never match as given).
     */
    static String gmail(String normalisedEmail) {
        int at = normalisedEmail.indexOf('@');
        String domain = normalisedEmail.substring(at + 1);
        if (!domain.equals("gmail.com") && !domain.equals("googlemail.com")) {
            return normalisedEmail;
        }
        String local = normalisedEmail.substring(0, at);
        int plus = local.indexOf('+');
        if (plus >= 0) {
            local = local.substring(0, plus);
        }
        local = local.replace(".", "");
        return local.isEmpty() ? null : local + "@" + domain;
    }

    /**
     * The phone number's international digits without {@code +}: the country code followed by the
     * number. {@code +} or {@code 00} mark an international number; a national number (no prefix)
     * gets {@code defaultCallingCode} after its trunk {@code 0} is dropped, or, with no default,
     * is taken to start with its country code already (leading zeros dropped, as Meta asks). A
     * "(0)" written inside an international number is the trunk prefix and is dropped too. Null
     * for letters, or fewer than 7 or more than 15 digits (E.164's maximum).
     */
    static String phoneDigits(String raw, String defaultCallingCode) {
        if (raw == null) {
            return null;
        }
        String s = raw.strip().replace("(0)", "");
        boolean international = s.startsWith("+");
        StringBuilder digits = new StringBuilder(16);
        for (int i = international ? 1 : 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (Character.isLetter(c) || c == '+') {
                return null;
            }
        }
        String d = digits.toString();
        if (!international && d.startsWith("00")) {
            international = true;
            d = d.substring(2);
        }
        if (!international && defaultCallingCode != null) {
            d = defaultCallingCode + (d.startsWith("0") ? d.substring(1) : d);
        }
        d = stripLeadingZeros(d);
        return d.length() >= MIN_PHONE_DIGITS && d.length() <= MAX_PHONE_DIGITS ? d : null;
    }

    private static String stripLeadingZeros(String d) {
        int i = 0;
        while (i < d.length() && d.charAt(i) == '0') {
            i++;
        }
        return d.substring(i);
    }

    /** Lower case, punctuation and symbols removed, inner spaces collapsed to one (names keep their letters, accents included). */
    static String name(String raw) {
        if (raw == null) {
            return null;
        }
        String n = Normalizer.normalize(raw, Normalizer.Form.NFC).toLowerCase(Locale.ROOT)
                .replaceAll("[\\p{P}\\p{S}]", "").replaceAll("\\s+", " ").strip();
        return n.isEmpty() ? null : n;
    }

    /** Lower case, letters and digits only: no spaces, no punctuation ({@code "Menlo Park"} → {@code "menlopark"}). */
    static String compact(String raw) {
        if (raw == null) {
            return null;
        }
        String n = Normalizer.normalize(raw, Normalizer.Form.NFC).toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}]", "");
        return n.isEmpty() ? null : n;
    }

    /** A state: compacted, and a US state's full name replaced by its two-letter code ({@code "California"} → {@code "ca"}). */
    static String state(String raw) {
        String s = compact(raw);
        if (s == null) {
            return null;
        }
        return US_STATES.getOrDefault(s, s);
    }

    /**
     * A postal code: lower case without spaces or dashes; a US ZIP+4 ({@code 94025-1234}) is cut to
     * its five-digit ZIP, the form every platform asks for.
     */
    static String zip(String raw) {
        if (raw == null) {
            return null;
        }
        String z = raw.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s-]", "");
        if (z.length() == 9 && z.chars().allMatch(c -> c >= '0' && c <= '9')) {
            z = z.substring(0, 5);
        }
        return z.isEmpty() ? null : z;
    }

    /** A two-letter ISO 3166-1 country code in lower case, or null when the value is not two letters. */
    static String country(String raw) {
        if (raw == null) {
            return null;
        }
        String c = raw.strip().toLowerCase(Locale.ROOT).replace(".", "");
        return c.length() == 2 && Character.isLetter(c.charAt(0)) && Character.isLetter(c.charAt(1)) ? c : null;
    }

    /** An external id: trimmed, nothing else (it is the store's own identifier). */
    static String externalId(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.strip();
        return s.isEmpty() ? null : s;
    }

    private static final Map<String, String> US_STATES = usStates();

    private static Map<String, String> usStates() {
        String[][] pairs = {
            {"alabama", "al"}, {"alaska", "ak"}, {"arizona", "az"}, {"arkansas", "ar"}, {"california", "ca"},
            {"colorado", "co"}, {"connecticut", "ct"}, {"delaware", "de"}, {"districtofcolumbia", "dc"},
            {"florida", "fl"}, {"georgia", "ga"}, {"hawaii", "hi"}, {"idaho", "id"}, {"illinois", "il"},
            {"indiana", "in"}, {"iowa", "ia"}, {"kansas", "ks"}, {"kentucky", "ky"}, {"louisiana", "la"},
            {"maine", "me"}, {"maryland", "md"}, {"massachusetts", "ma"}, {"michigan", "mi"},
            {"minnesota", "mn"}, {"mississippi", "ms"}, {"missouri", "mo"}, {"montana", "mt"},
            {"nebraska", "ne"}, {"nevada", "nv"}, {"newhampshire", "nh"}, {"newjersey", "nj"},
            {"newmexico", "nm"}, {"newyork", "ny"}, {"northcarolina", "nc"}, {"northdakota", "nd"},
            {"ohio", "oh"}, {"oklahoma", "ok"}, {"oregon", "or"}, {"pennsylvania", "pa"},
            {"rhodeisland", "ri"}, {"southcarolina", "sc"}, {"southdakota", "sd"}, {"tennessee", "tn"},
            {"texas", "tx"}, {"utah", "ut"}, {"vermont", "vt"}, {"virginia", "va"}, {"washington", "wa"},
            {"westvirginia", "wv"}, {"wisconsin", "wi"}, {"wyoming", "wy"},
        };
        Map<String, String> m = new HashMap<>();
        for (String[] p : pairs) {
            m.put(p[0], p[1]);
        }
        return Map.copyOf(m);
    }
}
