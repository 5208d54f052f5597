package io.rebound.core.segment;

import java.util.List;

/**
 * An OR group: holds when at least one alternative holds. Alternatives are event conditions;
 * groups do not nest, which keeps definitions readable in the dashboard.
 *
 * @param any the alternatives, at least one
 */
public record AnyCondition(List<EventCondition> any) implements Condition {
    public AnyCondition {
        any = List.copyOf(any);
        if (any.isEmpty()) {
            throw new IllegalArgumentException("any needs at least one condition");
        }
    }

    @Override
    public List<EventCondition> leaves() {
        return any;
    }
}
