package io.rebound.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns what is left of a message's properties into {@code Event.properties}: only string,
 * number and boolean values; nested objects and arrays are flattened into dotted keys
 * ({@code shipping.address.city}, {@code tags.0}) down to three levels, deeper values are
 * dropped; at most {@value #MAX_PROPERTIES} entries are kept, in the order sent. Strings are cut
 * to {@value #MAX_STRING} characters. Anything that looks like an email address or a phone
 * number in the clear is dropped — the hashed forms are the only ones Rebound keeps.
 */
final class Properties {

    static final int MAX_PROPERTIES = 50;
    static final int MAX_DEPTH = 3;
    static final int MAX_STRING = 1000;
    static final int MAX_KEY = 100;

    private static final Set<String> PII_KEYS = Set.of("email", "e-mail", "email_address", "emailaddress", "phone",
            "phone_number", "phonenumber", "mobile", "telephone", "tel");
    private static final Pattern EMAIL_LIKE = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    private Properties() {
    }

    /** Adds the flattened entries of {@code object} under {@code keyPrefix}, skipping top-level {@code skip} keys. */
    static void flatten(ObjectNode object, String keyPrefix, Set<String> skip, Map<String, Object> into) {
        if (object == null) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            if (!skip.contains(e.getKey())) {
                add(keyPrefix.isEmpty() ? e.getKey() : keyPrefix + "." + e.getKey(), e.getKey(), e.getValue(), 1, into);
            }
        }
    }

    private static void add(String key, String lastSegment, JsonNode value, int depth, Map<String, Object> into) {
        if (into.size() >= MAX_PROPERTIES || key.isEmpty() || key.length() > MAX_KEY
                || PII_KEYS.contains(lastSegment.toLowerCase(Locale.ROOT))) {
            return;
        }
        switch (value.getNodeType()) {
            case STRING -> {
                String s = value.textValue();
                if (!(s.indexOf('@') >= 0 && s.length() <= 254 && EMAIL_LIKE.matcher(s.strip()).matches())) {
                    into.put(key, s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s);
                }
            }
            case NUMBER -> into.put(key, value.numberValue());
            case BOOLEAN -> into.put(key, value.booleanValue());
            case OBJECT -> {
                if (depth < MAX_DEPTH) {
                    for (Map.Entry<String, JsonNode> e : ((ObjectNode) value).properties()) {
                        add(key + "." + e.getKey(), e.getKey(), e.getValue(), depth + 1, into);
                    }
                }
            }
            case ARRAY -> {
                if (depth < MAX_DEPTH) {
                    ArrayNode array = (ArrayNode) value;
                    for (int i = 0; i < array.size(); i++) {
                        add(key + "." + i, lastSegment, array.get(i), depth + 1, into);
                    }
                }
            }
            default -> {
                // null, binary, POJO: nothing worth keeping
            }
        }
    }
}
