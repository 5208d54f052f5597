package io.rebound.core.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    /**
     * Reads {@code json} with {@code definition}: a missing body, then numbers out of range (refused before
     * any field is read, so that none reaches arithmetic), then the fields are each refused with
     * {@code invalid} of every violation found so far.
     */
    public final <T> T read(Map<String, Object> json, Function<Map<String, Object>, T> definition,
                            Function<List<Violation>, ? extends InvalidInputException> invalid) {
        if (json == null) {
            throw invalid.apply(List.of(new Violation("", "the body must be a JSON object")));
        }
        numbers(json, "", 0);
        if (violations.isEmpty()) {
            T d = definition.apply(json);
            if (violations.isEmpty()) {
                return d;
            }
        }
        throw invalid.apply(violations);
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
