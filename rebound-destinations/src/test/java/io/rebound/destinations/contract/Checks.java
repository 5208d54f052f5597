package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Set;

/** Field checks the contract servers share; each failure is a {@link ContractViolation} naming the field. */
public final class Checks {

    private Checks() {
    }

    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new ContractViolation(message);
        }
    }

    /** As {@link #require(boolean, String)}, the message built only on failure (checks run per row and per field). */
    public static void require(boolean ok, java.util.function.Supplier<String> message) {
        if (!ok) {
            throw new ContractViolation(message.get());
        }
    }

    /** Only documented fields: anything else is a typo the platform would reject or ignore. */
    public static void onlyFields(JsonNode node, String where, Set<String> allowed) {
        require(node.isObject(), () -> where + " must be an object");
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            require(allowed.contains(f), () -> where + " has an undocumented field '" + f + "'");
        }
    }

    public static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        require(v != null && v.isTextual() && !v.asText().isEmpty(), where + "." + field + " must be a non-empty string");
        return v.asText();
    }

    public static long integer(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        require(v != null && v.isIntegralNumber(), where + "." + field + " must be an integer");
        return v.asLong();
    }

    /** 64 lower-case hex characters: a SHA-256 as every platform takes it. */
    public static String hash(JsonNode v, String where) {
        require(v != null && v.isTextual() && isLowerHex64(v.asText()), () -> where + " must be a SHA-256 in 64 lower-case hex, got " + v);
        return v.asText();
    }

    public static boolean isLowerHex64(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    public static void hashArray(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null) {
            return;
        }
        require(v.isArray() && !v.isEmpty(), where + "." + field + " must be a non-empty array");
        for (JsonNode h : v) {
            hash(h, where + "." + field + "[]");
        }
    }
}
