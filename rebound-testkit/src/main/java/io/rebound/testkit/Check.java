package io.rebound.testkit;

import java.util.Objects;

/** Assertions without a test framework, so the testkit's jar needs no test framework. */
final class Check {

    private Check() {
    }

    static void that(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    static void equal(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
        }
    }
}
