package io.rebound.core.event;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON definition (a segment, a campaign) into its record, collecting violations as it goes:
 * reading goes on after one, so that all are reported at once.
 */
public abstract class DefinitionParser {
    private final List<Violation> violations = new ArrayList<>();
    private final int maxDepth;
    private final String document;

    /**
     * @param maxDepth how deeply the definition's JSON may nest
     * @param document names the definition in messages ("a segment definition")
     */
    protected DefinitionParser(int maxDepth, String document) {
        this.maxDepth = maxDepth;
        this.document = document;
    }

    /** What was found wrong so far, in the order found. */
    public final List<Violation> violations() {
        return violations;
    }

    public final void fail(String field, String message) {
        violations.add(new Violation(field, message));
    }

    /**
     * Reports every number of the tree outside {@link NumberLimits} and nesting deeper than the
     * definition allows: checked before any field is read, so that no such number reaches arithmetic.
     */
    public final void numbers(Object node, String path, int depth) {
        NumberLimits.check(node, path, depth, maxDepth, document, this::fail);
    }
}
