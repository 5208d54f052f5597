package io.rebound.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.NumberLimits;
import io.rebound.core.event.Violation;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Typed reads from one message's JSON that collect violations instead of stopping at the first,
 * so a developer sees everything wrong with a message at once. Paths are reported relative to
 * the message and prefixed with its place in the request (e.g. {@code batch[3].}).
 */
final class Fields {

    static final int MAX_ID_LENGTH = 200;
    static final BigDecimal MAX_AMOUNT = NumberLimits.MAX_AMOUNT;
    private static final Instant EARLIEST = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final String prefix;
    private final List<Violation> violations = new ArrayList<>();

    /** @param prefix the message's path, e.g. {@code batch[3]}, or empty for a body that is the message */
    Fields(String prefix) {
        this.prefix = prefix;
    }

    String path(String relative) {
        if (prefix.isEmpty()) {
            return relative.isEmpty() ? "body" : relative;
        }
        return relative.isEmpty() ? prefix : prefix + "." + relative;
    }

    void add(String relative, String message) {
        violations.add(new Violation(path(relative), message));
    }

    void addAll(List<Violation> more) {
        violations.addAll(more);
    }

    boolean ok() {
        return violations.isEmpty();
    }

    List<Violation> violations() {
        return violations;
    }

    static JsonNode get(JsonNode parent, String key) {
        if (parent == null) {
            return null;
        }
        JsonNode n = parent.get(key);
        return n == null || n.isNull() ? null : n;
    }

    static String join(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** An object, or null when absent; anything else is a violation. */
    ObjectNode object(JsonNode parent, String key, String path) {
        return (ObjectNode) typed(get(parent, key), path, ObjectNode.class::isInstance, "must be an object");
    }

    /**
     * {@code n} when it is of the expected {@code type}; null when absent, and when of another type,
     * with the violation "{@code expected}, got" its kind.
     */
    private JsonNode typed(JsonNode n, String path, Predicate<JsonNode> type, String expected) {
        if (n == null) {
            return null;
        }
        if (!type.test(n)) {
            add(path, expected + ", got " + kind(n));
            return null;
        }
        return n;
    }

    /** A string, or null when absent or blank; longer than {@code max} or not a string is a violation. */
    String text(JsonNode parent, String key, String path, int max) {
        return text(get(parent, key), path, max);
    }

    String text(JsonNode n, String path, int max) {
        String s = stripped(n, path);
        if (s == null) {
            return null;
        }
        if (s.length() > max) {
            add(path, "must be at most " + max + " characters, got " + s.length());
            return null;
        }
        return s;
    }

    /** A string cut to {@code max} characters rather than refused (URLs, user agents, titles). */
    String clipped(JsonNode parent, String key, String path, int max) {
        String s = stripped(get(parent, key), path);
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /** The stripped text of a string node; null when absent or blank; a violation when not a string. */
    private String stripped(JsonNode n, String path) {
        JsonNode t = typed(n, path, JsonNode::isTextual, "must be a string");
        String s = t == null ? null : t.textValue().strip();
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * An identifier: a string, or a number turned into its plain decimal text as Segment does (a
     * number out of {@link NumberLimits}' range is refused before it is written out).
     */
    String id(JsonNode parent, String key, String path) {
        return id(get(parent, key), path);
    }

    String id(JsonNode n, String path) {
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            if (NumberLimits.problem(n.numberValue()) != null) {
                add(path, NumberLimits.OUT_OF_RANGE);
                return null;
            }
            String s = n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.decimalValue().toPlainString();
            if (s.length() > MAX_ID_LENGTH) {
                add(path, "must be at most " + MAX_ID_LENGTH + " characters, got a number of " + s.length());
                return null;
            }
            return s;
        }
        return text(n, path, MAX_ID_LENGTH);
    }

    /**
     * A monetary amount: a JSON number or a numeric string, within {@link NumberLimits}' range
     * (checked first, before any arithmetic) and at most 10^15 in magnitude; rounded to 6 decimals.
     */
    BigDecimal amount(JsonNode n, String path) {
        if (n == null) {
            return null;
        }
        BigDecimal v;
        if (n.isNumber()) {
            if (NumberLimits.problem(n.numberValue()) != null) {
                add(path, NumberLimits.OUT_OF_RANGE);
                return null;
            }
            v = n.decimalValue();
        } else if (n.isTextual() && !n.textValue().isBlank() && n.textValue().length() <= 40) {
            try {
                v = new BigDecimal(n.textValue().strip());
            } catch (NumberFormatException e) {
                add(path, "must be a number, got \"" + abbreviate(n.textValue()) + "\"");
                return null;
            }
            if (!NumberLimits.inRange(v)) {
                add(path, NumberLimits.OUT_OF_RANGE);
                return null;
            }
        } else {
            add(path, "must be a number, got " + kind(n));
            return null;
        }
        if (v.abs().compareTo(MAX_AMOUNT) > 0) {
            add(path, "must be at most 10^15 in magnitude");
            return null;
        }
        return normalise(v);
    }

    /** Scale-normalised so that 68, 68.0 and "68.00" are equal: at most 6 decimals, no trailing zeros. */
    static BigDecimal normalise(BigDecimal v) {
        BigDecimal r = v.setScale(Math.min(Math.max(v.scale(), 0), NumberLimits.AMOUNT_DECIMALS), RoundingMode.HALF_EVEN)
                .stripTrailingZeros();
        return r.scale() < 0 ? r.setScale(0) : r;
    }

    /**
     * A positive integer below 2^31 (1, 2.0 and "3" are accepted), or null when absent; a number
     * out of {@link NumberLimits}' range is refused before it is turned into an integer.
     */
    Integer quantity(JsonNode n, String path) {
        if (n == null) {
            return null;
        }
        BigDecimal v = null;
        if (n.isNumber()) {
            v = NumberLimits.problem(n.numberValue()) == null ? n.decimalValue() : null;
        } else if (n.isTextual() && n.textValue().length() <= 12) {
            v = NumberLimits.parse(n.textValue().strip());
        }
        if (v != null) {
            try {
                BigInteger i = v.toBigIntegerExact();
                if (i.signum() > 0 && i.bitLength() < 31) {
                    return i.intValue();
                }
            } catch (ArithmeticException e) {
                // a fraction: reported below
            }
        }
        add(path, "must be a positive integer, got " + (n.isTextual() ? "\"" + abbreviate(n.textValue()) + "\"" : n.toString().length() > 40 ? kind(n) : n.toString()));
        return null;
    }

    Boolean bool(JsonNode parent, String key, String path) {
        JsonNode n = typed(get(parent, key), path, JsonNode::isBoolean, "must be true or false");
        return n == null ? null : n.booleanValue();
    }

    /** An ISO-8601 date-time with an offset or Z, or null when absent. */
    Instant instant(JsonNode parent, String key, String path) {
        JsonNode n = typed(get(parent, key), path, JsonNode::isTextual,
                "must be an ISO-8601 date-time string such as 2025-01-31T12:00:00Z");
        return n == null ? null : instant(n.textValue(), path);
    }

    Instant instant(String s, String path) {
        Instant parsed = parseInstant(s);
        if (parsed == null) {
            add(path, "must be an ISO-8601 date-time with an offset or Z, such as 2025-01-31T12:00:00Z, got \""
                    + abbreviate(s) + "\"");
        }
        return parsed;
    }

    /** Parses an ISO-8601 date-time with offset; null when unparsable or outside years 1000..9999. */
    static Instant parseInstant(String s) {
        if (s == null || s.length() > 40) {
            return null;
        }
        try {
            Instant i = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(s.strip(), OffsetDateTime::from).toInstant();
            return i.isBefore(EARLIEST) || i.isAfter(LATEST) ? null : i;
        } catch (DateTimeException e) {
            return null;
        }
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            case BINARY -> "binary data";
        };
    }

    static String abbreviate(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            sb.append(c < ' ' || c == '"' || c == '\\' ? '?' : c);
        }
        return sb.toString();
    }
}
