package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a segment means: a visitor is a member at {@code now} when every include condition holds
 * and no exclude condition holds. Parsed from and written to JSON by {@link SegmentDefinitions}.
 *
 * @param name        display name
 * @param description optional longer text, or null
 * @param include     conditions that must all hold, at least one
 * @param exclude     conditions none of which may hold
 */
public record SegmentDefinition(String name, String description, List<Condition> include, List<Condition> exclude) {

    public SegmentDefinition {
        Objects.requireNonNull(name, "name");
        include = List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        if (include.isEmpty()) {
            throw new IllegalArgumentException("a segment needs at least one include condition");
        }
        for (Condition c : include) {
            for (EventCondition leaf : c.leaves()) {
                if (leaf.since() != null) {
                    throw new IllegalArgumentException("since is only allowed on exclude conditions");
                }
            }
        }
    }

    public SegmentDefinition(String name, List<Condition> include, List<Condition> exclude) {
        this(name, null, include, exclude);
    }

    /**
     * Whether a person whose retained events have exactly the types in {@code typeMask} (bit
     * {@code 1 << EventType.ordinal()}) could be a member: every include condition needs an event of
     * its type (an {@code any} group, one of its types). False lets a backfill skip the person
     * without decoding their events — unless they are currently a member, who must be re-evaluated.
     */
    public boolean mayMatch(long typeMask) {
        for (Condition c : include) {
            boolean possible = false;
            for (EventCondition leaf : c.leaves()) {
                if ((typeMask & (1L << leaf.type().ordinal())) != 0) {
                    possible = true;
                    break;
                }
            }
            if (!possible) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code state} could make a person a member at any instant at or after {@code from}, as
     * far as can be told from event types and times alone: every include condition needs, for one of
     * its alternatives, at least {@code minCount} events of its type younger than its window at
     * {@code from} (time {@code > from − window}) — an event that counts at some {@code t ≥ from}
     * must be one of those. Filters, custom names, sums and exclusions are not looked at, so true
     * means "maybe". False is certain: the membership is false at every {@code t ≥ from}, which lets a
     * backfill leave the person alone without building their events.
     */
    public boolean mayMatchFrom(VisitorState state, Instant from) {
        long t = from.toEpochMilli();
        for (Condition c : include) {
            boolean possible = false;
            for (EventCondition leaf : c.leaves()) {
                long after = t - leaf.window().millis();
                int count = 0;
                for (int i = state.size() - 1; i >= 0 && state.timeAt(i) > after; i--) {
                    if (state.typeAt(i) == leaf.type() && ++count >= leaf.minCount()) {
                        break;
                    }
                }
                if (count >= leaf.minCount()) {
                    possible = true;
                    break;
                }
            }
            if (!possible) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #mayMatchFrom(VisitorState, Instant)} from the time of the latest retained event of each
     * type alone (epoch millis, {@link Long#MIN_VALUE} for none), as a stored state's header keeps
     * them: the same answer for alternatives that need one event, "maybe" for those that need more
     * ({@code minCount > 1}), which only the events can tell.
     */
    public boolean mayMatchFrom(java.util.function.ToLongFunction<EventType> latest, Instant from) {
        long t = from.toEpochMilli();
        for (Condition c : include) {
            boolean possible = false;
            for (EventCondition leaf : c.leaves()) {
                if (leaf.minCount() > 1 || latest.applyAsLong(leaf.type()) > t - leaf.window().millis()) {
                    possible = true;
                    break;
                }
            }
            if (!possible) {
                return false;
            }
        }
        return true;
    }

    /** The longest window of any condition: the state must retain at least this much history. */
    public Duration longestWindow() {
        return Stream.concat(include.stream(), exclude.stream())
                .flatMap(c -> c.leaves().stream())
                .map(l -> l.window().duration())
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
