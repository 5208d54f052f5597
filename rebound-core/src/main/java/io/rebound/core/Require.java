package io.rebound.core;

/** Argument checks that {@link java.util.Objects} has no single call for. */
public final class Require {

    private Require() {
    }

    /**
     * Checks several required values at once, given as name, value, name, value, …: the first null value
     * throws a {@link NullPointerException} whose message is its name, as
     * {@link java.util.Objects#requireNonNull(Object, String)} does.
     */
    public static void nonNull(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs");
        }
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] == null) {
                throw new NullPointerException((String) namesAndValues[i]);
            }
        }
    }
}
