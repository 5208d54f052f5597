package io.rebound.server.webhooks;

import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;
import io.rebound.core.store.Store;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.meta.StoreRepository;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Processes the deliveries waiting in the {@link WebhookInbox}, oldest first: each is mapped again
 * from its raw body ({@link Deliveries}), the events of a round are appended to the event log in one
 * write, the products upserted into the catalog, and only then are the deliveries marked processed.
 * A round that fails (the log cannot write, the database is down) marks nothing and is tried again on
 * the next one; what was already appended is appended again and dropped by its event id, a product
 * upserted again is the same product. So a delivery answered 200 is processed at least once, across
 * restarts, and counts once.
 *
 * <p>Not thread-safe: one caller at a time (the server runs it from one periodic task).
 */
public final class WebhookProcessor {
    /** How long a processed delivery's id keeps dropping repeats. */
    public static final Duration KEEP_IDS = Duration.ofDays(7);
    static final int ROUND = 500;
    private static final Duration EXPIRE_EVERY = Duration.ofMinutes(10);

    private final WebhookInbox inbox;
    private final Deliveries deliveries;
    private final StoreRepository stores;
    private final EventLog log;
    private final JdbcCatalog catalog;
    private final Clock clock;
    private final BiConsumer<WebhookPlatform, String> outcomes;
    private Instant expiredAt = Instant.MIN;

    /** @param outcomes told of each processed delivery's outcome (metrics) */
    WebhookProcessor(WebhookInbox inbox, Deliveries deliveries, StoreRepository stores, EventLog log,
                     JdbcCatalog catalog, Clock clock, BiConsumer<WebhookPlatform, String> outcomes) {
        this.inbox = inbox;
        this.deliveries = deliveries;
        this.stores = stores;
        this.log = log;
        this.catalog = catalog;
        this.clock = clock;
        this.outcomes = outcomes;
    }

    /**
     * Processes one round of waiting deliveries; returns how many, 0 when none waits.
     *
     * @throws IllegalStateException when the round could not be completed (nothing of it is marked processed)
     */
    public int runOnce() {
        Instant now = clock.instant();
        if (Duration.between(expiredAt, now).compareTo(EXPIRE_EVERY) >= 0 || expiredAt == Instant.MIN) {
            inbox.expire(now.minus(KEEP_IDS));
            expiredAt = now;
        }
        List<WebhookInbox.Pending> round = inbox.pending(ROUND);
        if (round.isEmpty()) {
            return 0;
        }
        List<Event> events = new ArrayList<>();
        List<WebhookInbox.Finished> finished = new ArrayList<>(round.size());
        List<WebhookPlatform> platforms = new ArrayList<>(round.size());
        Map<String, Optional<Store>> storesOfRound = new HashMap<>();
        for (WebhookInbox.Pending p : round) {
            WebhookInbox.Delivery d = p.delivery();
            Optional<Store> store = storesOfRound.computeIfAbsent(d.storeId(), stores::byId);
            Deliveries.Work work = store.isEmpty() ? new Deliveries.Ignored("the store was deleted")
                    : deliveries.map(d.platform(), d.topic(), d.body(), d.shopDomain(), store.get(), d.receivedAt());
            WebhookInbox.Finished f = switch (work) {
                case Deliveries.Events e -> {
                    events.addAll(e.events());
                    yield new WebhookInbox.Finished(p.seq(), "stored", e.eventId());
                }
                case Deliveries.Products pr -> {
                    JdbcCatalog.Written w = catalog.upsertAll(d.storeId(), pr.products());
                    yield new WebhookInbox.Finished(p.seq(), "stored", "catalog: " + w.created() + " created, "
                            + w.updated() + " updated" + (pr.refused().isEmpty() ? ""
                            : "; refused: " + String.join(" | ", pr.refused())));
                }
                case Deliveries.Ignored i -> new WebhookInbox.Finished(p.seq(), "ignored", i.reason());
                case Deliveries.Rejected r -> new WebhookInbox.Finished(p.seq(), "rejected", r.body().encode());
            };
            finished.add(f);
            platforms.add(d.platform());
        }
        if (!events.isEmpty()) {
            try {
                log.append(events).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the event log did not take " + events.size()
                        + " webhook events: " + (e.getCause() != null ? e.getCause() : e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while appending webhook events", e);
            }
        }
        inbox.finish(finished, clock.instant());
        for (int i = 0; i < finished.size(); i++) {
            outcomes.accept(platforms.get(i), finished.get(i).outcome());
        }
        return round.size();
    }
}
