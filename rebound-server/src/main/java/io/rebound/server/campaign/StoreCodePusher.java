package io.rebound.server.campaign;

import io.rebound.server.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * Creates each newly issued code in its store's shop (Shopify or WooCommerce), for every store with a
 * code store connection: one pass per {@link #runOnce()}, the codes of each store oldest first. A
 * failed creation is tried again on the next passes, up to {@link JdbcCodeStores#MAX_ATTEMPTS} times;
 * in dry-run the requests are recorded on the code instead of sent.
 *
 * @param stores    the code store connections and the codes still to create
 * @param campaigns the campaigns the codes were issued for
 * @param discounts what creates a code in a shop
 */
public record StoreCodePusher(JdbcCodeStores stores, JdbcCampaigns campaigns, StoreDiscounts discounts) {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCodePusher.class);
    static final int BATCH = 200;

    /** One pass; returns the codes tried. */
    public int runOnce() {
        int tried = 0;
        for (String storeId : stores.stores()) {
            Optional<StoreDiscounts.Connection> connection = stores.get(storeId);
            if (connection.isEmpty()) {
                continue;
            }
            List<JdbcCodeStores.Pending> pending = stores.pending(storeId, BATCH, campaigns);
            for (JdbcCodeStores.Pending p : pending) {
                StoreDiscounts.Outcome o = discounts.create(connection.get(), p.code());
                tried++;
                if (o.created()) {
                    stores.mark(p.code().code(), "created", null);
                } else if (o.dryRun()) {
                    stores.mark(p.code().code(), "dry_run", requests(o));
                } else {
                    LOG.warn("code {} of store {} not created in {}: {}", p.code().code(), storeId,
                            connection.get().platform(), o.error());
                    stores.mark(p.code().code(), "failed", o.error());
                }
            }
        }
        return tried;
    }

    private static String requests(StoreDiscounts.Outcome o) {
        try {
            return Json.MAPPER.writeValueAsString(o.requests());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
