package io.rebound.destinations.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** Request parts every platform's builder makes the same way. */
public final class Wire {

    private Wire() {
    }

    /** Headers in the order given, as name, value, name, value…; the map may take more. */
    public static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return h;
    }
}
