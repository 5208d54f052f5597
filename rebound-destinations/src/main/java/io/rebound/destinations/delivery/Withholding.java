package io.rebound.destinations.delivery;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * The persons one destination must not receive from a segment, whatever their membership (a
 * campaign's holdout, kept for measurement). Asked once per batch and per reconciliation; the
 * delivery engine knows nothing of why a person is withheld.
 */
@FunctionalInterface
public interface Withholding {

    /** Withholds nobody. */
    Withholding NONE = (storeId, segmentId) -> Rule.NONE;

    /** The rule for the segment's sync to this destination now. */
    Rule rule(String storeId, String segmentId);

    /**
     * A rule as it stands.
     *
     * @param version  equal for equal rules: when it changes, the reconciler runs again at once, so
     *                 persons newly withheld leave the platform's list and those released join it
     * @param withheld true for a person id the destination must not receive
     */
    record Rule(String version, Predicate<String> withheld) {
        /** Withholds nobody. */
        public static final Rule NONE = new Rule("", p -> false);

        public Rule {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(withheld, "withheld");
        }

        public boolean withholds(String personId) {
            return withheld.test(personId);
        }
    }
}
