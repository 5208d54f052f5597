package io.rebound.core.campaign;

import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.segment.Condition;
import io.rebound.core.segment.EventCondition;
import io.rebound.core.segment.Filter;
import io.rebound.core.segment.SegmentDefinition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The products a touch shows. "The segment's product set" is the product ids the segment's include
 * conditions name with {@code product_id} equality or {@code in} (the yoga mat of "viewed the yoga
 * mat"), in the order written, at most {@link CampaignDefinitions#MAX_PRODUCTS}. A segment that
 * names no product (all cart abandoners, say) has an empty set: the caller shows the person's own
 * recommendations instead where it can read them ({@code io.rebound.core.recommendation}), else the
 * headline alone.
 */
public final class CampaignProducts {

    private CampaignProducts() {
    }

    /** The ids {@code creative} shows for members of {@code segment} (null when the segment is gone). */
    public static List<String> of(Creative creative, SegmentDefinition segment) {
        return creative.segmentProducts() ? ofSegment(segment) : creative.productIds();
    }

    /** The segment's product set, as above. */
    public static List<String> ofSegment(SegmentDefinition segment) {
        if (segment == null) {
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (Condition c : segment.include()) {
            for (EventCondition e : c.leaves()) {
                for (Filter f : e.where()) {
                    if (!Filter.PRODUCT_ID.equals(f.field())) {
                        continue;
                    }
                    if (f.operator() == Filter.Operator.EQ) {
                        add(ids, f.operand());
                    } else if (f.operator() == Filter.Operator.IN && f.operand() instanceof List<?> l) {
                        l.forEach(v -> add(ids, v));
                    }
                }
            }
        }
        return List.copyOf(new ArrayList<>(ids).subList(0, Math.min(ids.size(), CampaignDefinitions.MAX_PRODUCTS)));
    }

    private static void add(Set<String> ids, Object v) {
        if (v instanceof String s && CatalogProduct.validId(s)) {
            ids.add(s);
        }
    }
}
