package io.rebound.destinations.delivery;

import java.time.Instant;
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
     * @param withheld  true for a person id the destination must not receive
     * @param changedAt when what decides the rule last changed, or null when unknown: a reconciler that
     *                  starts and finds its pairing last reconciled before that runs at once, so a
     *                  change made while no worker ran is not left to the interval
     */
    record Rule(String version, Predicate<String> withheld, Instant changedAt) {
        /** Withholds nobody. */
        public static final Rule NONE = new Rule("", p -> false, null);

        public Rule {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(withheld, "withheld");
        }

        /** A rule whose last change is unknown. */
        public Rule(String version, Predicate<String> withheld) {
            this(version, withheld, null);
        }

        public boolean withholds(String personId) {
            return withheld.test(personId);
        }
    }
}
