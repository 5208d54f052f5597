package io.rebound.server.audience;

import io.rebound.core.engine.AudienceEngine;
import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.segment.Segment;
import io.rebound.core.store.Store;
import io.rebound.server.runtime.RocksDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the {@link EmbeddedAudienceRuntime}'s writer thread works on: the open {@link UnitOfWork},
 * the RocksDB ports over it, the {@link AudienceEngine} driving them, the installed segments per
 * store and each store's retention. Every method but the read-only ones runs on the writer thread.
 */
final class WriterState {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAudienceRuntime.class);

    final Clock clock;
    final UnitOfWork uow;
    final RocksPersonTable persons;
    final RocksIdentityTable identities;
    final RocksTimerTable timers;
    final RocksMembershipTable memberships;
    final AudienceReader reader;
    /** The installed segments: store id → segment id → record. */
    final Map<String, Map<String, SegmentRecord>> registry = new ConcurrentHashMap<>();
    private final Map<String, Duration> retentions = new ConcurrentHashMap<>();
    private final Function<String, Optional<Store>> stores;
    private final Runnable beforeCommit;
    private AudienceEngine engine;
    private Instant lastTick = Instant.MIN;
    private Instant nextTimer;

    /**
     * @param rocks        the server's RocksDB, opened with {@link AudienceColumns#ALL}
     * @param stores       store lookup (for each store's retention)
     * @param clock        wall clock (tests pass a controllable one)
     * @param beforeCommit run just before each commit (the runtime's test hook)
     */
    WriterState(RocksDatabase rocks, Function<String, Optional<Store>> stores, Clock clock, Runnable beforeCommit) {
        this.stores = stores;
        this.clock = clock;
        this.beforeCommit = beforeCommit;
        this.uow = new UnitOfWork(rocks);
        this.persons = new RocksPersonTable(uow);
        this.identities = new RocksIdentityTable(uow);
        this.timers = new RocksTimerTable(uow);
        MemberIndex members = MemberIndex.load(rocks);
        this.memberships = new RocksMembershipTable(uow, members);
        this.reader = new AudienceReader(rocks, members);
    }

    /** Creates the engine over the ports, at the clock's current time (once, before the writer starts). */
    void startEngine() {
        this.engine = new AudienceEngine(persons, identities, timers, memberships, clock.instant());
    }

    AudienceEngine engine() {
        return engine;
    }

    /** When the engine's earliest timer is due, as of the last commit; null when none. */
    Instant nextTimer() {
        return nextTimer;
    }

    Instant lastTick() {
        return lastTick;
    }

    /** Re-reads the engine's earliest timer (after restoring segments at start). */
    void refreshNextTimer() {
        nextTimer = engine.nextTimer();
    }

    /** Advances the engine to the clock: fires due timers, dated at their exact instants. */
    void tick() {
        Instant now = clock.instant();
        engine.advanceTo(now);
        lastTick = now;
    }

    void commit() {
        if (uow.dirty()) {
            beforeCommit.run();
            uow.commit();
        }
        nextTimer = engine.nextTimer();
    }

    /** A fresh engine over the same ports with the registry's segments (how a segment is removed without a blocking pass). */
    void rebuildEngine() {
        Instant now = engine.now();
        engine = new AudienceEngine(persons, identities, timers, memberships, now);
        retentions.forEach(engine::setRetention);
        registry.values().forEach(m -> m.values().forEach(s -> engine.restoreSegment(s.segment())));
    }

    AudienceProcessor processor(String storeId) {
        Collection<Segment> segments = registry.getOrDefault(storeId, Map.of()).values().stream()
                .map(SegmentRecord::segment).toList();
        return new AudienceProcessor(storeId, segments, retention(storeId));
    }

    /** Writes the segment's current member count as its size sample at {@code at}. */
    void sample(String storeId, String segmentId, Instant at) {
        long size = AudienceKeys.i64(uow.get(AudienceColumns.COUNTS, AudienceKeys.segment(storeId, segmentId)));
        uow.put(AudienceColumns.SIZES, AudienceKeys.size(storeId, segmentId, at.toEpochMilli()), AudienceKeys.i64(size));
    }

    // ---- retention --------------------------------------------------------------------------

    void ensureRetention(String storeId) {
        if (!retentions.containsKey(storeId)) {
            setRetention(storeId, lookupRetention(storeId));
        }
    }

    void refreshRetentions() {
        for (String storeId : List.copyOf(retentions.keySet())) {
            Duration d = lookupRetention(storeId);
            if (!d.equals(retentions.get(storeId))) {
                setRetention(storeId, d);
            }
        }
    }

    private void setRetention(String storeId, Duration d) {
        retentions.put(storeId, d);
        engine.setRetention(storeId, d);
    }

    private Duration lookupRetention(String storeId) {
        int days;
        try {
            days = stores.apply(storeId).map(Store::retentionDays).orElse(Store.DEFAULT_RETENTION_DAYS);
        } catch (RuntimeException e) {
            LOG.warn("audience runtime: cannot read retention of store {}: {}", storeId, e.getMessage());
            days = Store.DEFAULT_RETENTION_DAYS;
        }
        return Duration.ofDays(days);
    }

    /** The store's effective retention: configured, raised to its longest segment window. */
    Duration retention(String storeId) {
        Duration configured = retentions.getOrDefault(storeId, Duration.ofDays(Store.DEFAULT_RETENTION_DAYS));
        Duration longest = registry.getOrDefault(storeId, Map.of()).values().stream()
                .map(s -> s.definition().longestWindow()).max(Duration::compareTo).orElse(Duration.ZERO);
        return longest.compareTo(configured) > 0 ? longest : configured;
    }
}
