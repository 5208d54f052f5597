package io.rebound.server.cluster;

import io.rebound.core.store.Store;
import io.rebound.kafka.KafkaEventLog;
import io.rebound.server.api.ApiAuth;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.audience.AudienceView;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Privacy erasure in cluster mode: {@code DELETE /api/v1/stores/:store/visitors/:visitorId}
 * (secret key) finds the visitor's person in the materialised identities and sends the topology
 * an erase request for it, answering 202 once the broker holds the request. The topology then
 * removes the person's state, timers and the aliases of every linked id, and each membership
 * leaves (on the change log, reason "erased"); the PostgreSQL view follows within a commit
 * interval or two. Raw events stay in the Kafka events topic until its retention deletes them.
 */
final class ClusterVisitorApi {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterVisitorApi.class);

    private final AudienceView view;
    private final KafkaEventLog log;
    private final ApiAuth auth;

    ClusterVisitorApi(AudienceView view, KafkaEventLog log, ApiAuth auth) {
        this.view = view;
        this.log = log;
        this.auth = auth;
    }

    void mount(Router router) {
        router.delete("/api/v1/stores/:store/visitors/:visitorId").blockingHandler(this::erase, false)
                .failureHandler(ApiErrors::failure);
    }

    private void erase(RoutingContext ctx) {
        Optional<Store> store = auth.requireStore(ctx, ctx.pathParam("store"));
        if (store.isEmpty()) {
            return;
        }
        String storeId = store.get().id();
        String visitorId = ctx.pathParam("visitorId");
        Optional<String> person = view.personOf(storeId, visitorId);
        if (person.isEmpty()) {
            // Nothing known (or already erased): idempotent, like the embedded server's answer.
            ApiErrors.json(ctx, 200, new JsonObject().put("store_id", storeId).put("visitor_id", visitorId)
                    .putNull("person_id").put("status", "nothing_to_erase"));
            return;
        }
        try {
            log.erasePerson(storeId, person.get()).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ApiErrors.send(ctx, 503, "interrupted", "the erasure was interrupted; send the request again");
            return;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("privacy erasure in store {}: the broker did not take the request", storeId, e);
            ctx.response().putHeader("Retry-After", "5");
            ApiErrors.send(ctx, 503, "kafka_unavailable", "the erasure request could not be stored; send it again");
            return;
        }
        LOG.info("privacy erasure in store {}: person {} requested", storeId, person.get());
        ApiErrors.json(ctx, 202, new JsonObject().put("store_id", storeId).put("visitor_id", visitorId)
                .put("person_id", person.get()).put("status", "erasing")
                .put("message", "the person's state, linked ids and memberships are removed within seconds; "
                        + "raw events leave the Kafka events topic with its retention"));
    }
}
