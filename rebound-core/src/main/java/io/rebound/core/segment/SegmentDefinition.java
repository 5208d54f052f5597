package io.rebound.core.segment;

import java.time.Duration;
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

    /** The longest window of any condition: the state must retain at least this much history. */
    public Duration longestWindow() {
        return Stream.concat(include.stream(), exclude.stream())
                .flatMap(c -> c.leaves().stream())
                .map(l -> l.window().duration())
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
