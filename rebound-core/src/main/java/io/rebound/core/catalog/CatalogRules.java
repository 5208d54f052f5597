package io.rebound.core.catalog;

import io.rebound.core.event.Violation;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;

/**
 * The field rules of a catalog product, each adding a {@link Violation} named after the field
 * rather than throwing, so that one answer lists everything wrong with a product. Limits are the
 * strictest of the four platforms' feeds, so a product accepted here is accepted by each of them.
 */
final class CatalogRules {
    /** Google's limit on {@code id} (Meta allows 100, Pinterest 127): one id fits every feed. */
    static final int MAX_ID = 50;
    static final int MAX_TITLE = 150;
    static final int MAX_DESCRIPTION = 5000;
    static final int MAX_URL = 2000;
    static final int MAX_ADDITIONAL_IMAGES = 10;
    static final int MAX_BRAND = 70;
    static final int MAX_MPN = 70;
    static final int MAX_CATEGORY = 750;
    static final BigDecimal MAX_MONEY = new BigDecimal("1000000000");
    static final long MAX_INVENTORY = 1_000_000_000L;

    private CatalogRules() {
    }

    /** Letters, digits and {@code . _ - : ~ +}: safe in a URL path, a CSV cell and an XML element. */
    static boolean idChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '~' || c == '+';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The value stripped, or null when blank ({@code is required} when it is). */
    private static String present(String field, String raw, boolean required, List<Violation> out) {
        String s = raw == null ? null : raw.strip();
        if (s == null || s.isEmpty()) {
            if (required) {
                out.add(new Violation(field, "is required"));
            }
            return null;
        }
        return s;
    }

    static String id(String field, String raw, boolean required, List<Violation> out) {
        String s = present(field, raw, required, out);
        if (s == null) {
            return null;
        }
        if (atMost(field, s.length(), MAX_ID, " (Google's limit)", out) && !idChars(s)) {
            out.add(new Violation(field, "may contain only letters, digits and . _ - : ~ +"));
        }
        return s;
    }

    /**
     * Whether a value of {@code length} characters is at most {@code max}; when it is longer, says so,
     * with {@code why} after the limit ({@code ""} for nothing).
     */
    private static boolean atMost(String field, int length, int max, String why, List<Violation> out) {
        if (length <= max) {
            return true;
        }
        out.add(new Violation(field, "must be at most " + max + " characters" + why + ", got " + length));
        return false;
    }

    /**
     * Trimmed text of at most {@code max} code points; {@code multiline} allows tab and line breaks.
     * Rejects other control characters and what XML 1.0 cannot carry (lone surrogates, U+FFFE/U+FFFF).
     */
    static String text(String field, String raw, int max, boolean required, boolean multiline, List<Violation> out) {
        String s = present(field, raw, required, out);
        if (s == null) {
            return null;
        }
        // One pass: count code points and look for what the field may not hold (at most 4 × max chars are read).
        int length = 0;
        boolean bad = false;
        for (int i = 0; i < s.length() && length <= max; i++, length++) {
            char c = s.charAt(i);
            if (c >= ' ' && c < 0x7f) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            boolean lineBreak = c == '\n' || c == '\r' || c == '\t';
            if (!bad && ((Character.isISOControl(c) && !(multiline && lineBreak)) || Character.isSurrogate(c)
                    || c == '\uFFFE' || c == '\uFFFF')) {
                bad = true;
            }
        }
        if (length > max) {
            atMost(field, s.codePointCount(0, s.length()), max, "", out);
            return s;
        }
        if (bad) {
            out.add(new Violation(field, multiline
                    ? "must not contain control characters other than tab and line breaks"
                    : "must not contain control characters or line breaks"));
        }
        return s;
    }

    /** An absolute http(s) URL with a host, in printable ASCII (percent-encode the rest), no user info. */
    static String url(String field, String raw, boolean required, List<Violation> out) {
        String s = present(field, raw, required, out);
        if (s == null) {
            return null;
        }
        if (!atMost(field, s.length(), MAX_URL, "", out)) {
            return s;
        }
        int start = s.regionMatches(true, 0, "https://", 0, 8) ? 8 : s.regionMatches(true, 0, "http://", 0, 7) ? 7 : -1;
        if (start < 0) {
            out.add(new Violation(field, "must be an absolute http:// or https:// URL"));
            return s;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|'
                    || c == '\\' || c == '^' || c == '`') {
                out.add(new Violation(field, "must be a percent-encoded URL: no spaces, quotes, angle brackets "
                        + "or non-ASCII characters"));
                return s;
            }
        }
        int end = start;
        int at = -1;
        int colon = -1;
        while (end < s.length()) {
            char c = s.charAt(end);
            if (c == '/' || c == '?' || c == '#') {
                break;
            }
            if (c == '@') {
                at = end;
            } else if (c == ':') {
                colon = end;
            }
            end++;
        }
        if (at >= 0) {
            out.add(new Violation(field, "must not contain user information (user@host)"));
            return s;
        }
        int hostEnd = colon >= 0 ? colon : end;
        boolean hostOk = hostEnd > start && s.charAt(start) != '.' && s.charAt(start) != '-';
        for (int i = start; i < hostEnd && hostOk; i++) {
            char c = s.charAt(i);
            hostOk = Character.isLetterOrDigit(c) || c == '.' || c == '-';
        }
        boolean portOk = colon < 0 || (end - colon - 1 >= 1 && end - colon - 1 <= 5);
        for (int i = colon + 1; colon >= 0 && i < end && portOk; i++) {
            portOk = Character.isDigit(s.charAt(i));
        }
        if (!hostOk || !portOk) {
            out.add(new Violation(field, "must name a host, e.g. https://shop.example/product"));
        }
        return s;
    }

    /** An ISO 4217 currency code in upper case. */
    static Currency currency(String field, String raw, List<Violation> out) {
        if (raw == null || raw.isBlank()) {
            out.add(new Violation(field, "is required (an ISO 4217 code such as USD or EUR)"));
            return null;
        }
        String s = raw.strip();
        if (s.length() != 3 || !upper(s.charAt(0)) || !upper(s.charAt(1)) || !upper(s.charAt(2))) {
            out.add(new Violation(field, "must be an ISO 4217 code in upper case, such as USD or EUR"));
            return null;
        }
        try {
            Currency c = Currency.getInstance(s);
            if (c.getDefaultFractionDigits() < 0) {
                out.add(new Violation(field, "'" + s + "' is not a currency prices can be given in"));
                return null;
            }
            return c;
        } catch (IllegalArgumentException e) {
            out.add(new Violation(field, "'" + s + "' is not an ISO 4217 currency code"));
            return null;
        }
    }

    private static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    /**
     * A non-negative amount below {@link #MAX_MONEY} with at most the currency's minor-unit digits,
     * returned with exactly that many (12.5 USD becomes 12.50). Without a valid currency the amount is
     * checked but kept as given.
     */
    static BigDecimal money(String field, BigDecimal raw, Currency currency, boolean required, List<Violation> out) {
        if (raw == null) {
            if (required) {
                out.add(new Violation(field, "is required"));
            }
            return null;
        }
        if (raw.signum() < 0) {
            out.add(new Violation(field, "must not be negative"));
            return raw;
        }
        if (raw.compareTo(MAX_MONEY) >= 0) {
            out.add(new Violation(field, "must be less than " + MAX_MONEY.toPlainString()));
            return raw;
        }
        if (currency == null) {
            return raw;
        }
        int digits = currency.getDefaultFractionDigits();
        if (raw.scale() == digits) {
            return raw;
        }
        BigDecimal stripped = raw.signum() == 0 ? BigDecimal.ZERO : raw.stripTrailingZeros();
        if (stripped.scale() > digits) {
            out.add(new Violation(field, "has more decimals than " + currency.getCurrencyCode() + " allows ("
                    + digits + ")"));
            return raw;
        }
        return stripped.setScale(digits);
    }

    /** GTIN-8, -12 (UPC), -13 (EAN) or -14 digits with a valid GS1 check digit. */
    static String gtin(String field, String raw, List<Violation> out) {
        String s = raw == null ? null : raw.strip();
        if (s == null || s.isEmpty()) {
            return null;
        }
        int n = s.length();
        if (!(n == 8 || n == 12 || n == 13 || n == 14) || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            out.add(new Violation(field, "must be 8, 12, 13 or 14 digits (GTIN-8, UPC, EAN or GTIN-14)"));
        } else if (!gtinCheckDigitValid(s)) {
            out.add(new Violation(field, "has a wrong check digit"));
        }
        return s;
    }

    /** The GS1 check: weights 3 and 1 alternate from the digit left of the check digit. */
    static boolean gtinCheckDigitValid(String digits) {
        int sum = 0;
        int n = digits.length();
        for (int i = n - 2, w = 3; i >= 0; i--, w = 4 - w) {
            sum += (digits.charAt(i) - '0') * w;
        }
        return (10 - sum % 10) % 10 == digits.charAt(n - 1) - '0';
    }
}
