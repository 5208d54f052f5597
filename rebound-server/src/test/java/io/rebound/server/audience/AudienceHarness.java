package io.rebound.server.audience;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.runtime.RocksDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The embedded runtime as the core's {@link AudienceRuntime} contract drives it: events go through
 * the real file log and the writer thread; the clock is a {@link MutableClock}; every call waits
 * until the runtime has committed its effect. {@link #restart} and {@link #crash} reopen the same
 * directories.
 */
final class AudienceHarness implements AudienceRuntime {
    final Path dir;
    final Database database;
    final java.time.Clock clock;
    FileEventLog log;
    RocksDatabase rocks;
    EmbeddedAudienceRuntime runtime;
    private RocksDatabase indexRocks;
    private io.rebound.server.runtime.EventIndexer indexer;

    AudienceHarness(Path dir, Database database, Instant start) {
        this(dir, database, new MutableClock(start));
    }

    AudienceHarness(Path dir, Database database, java.time.Clock clock) {
        this.dir = dir;
        this.database = database;
        this.clock = clock;
        open();
    }

    /** A harness in a fresh directory under {@code root}, on a database cleared of segments. */
    static AudienceHarness fresh(Path root, Database database) {
        try {
            clearSegments(database);
            return new AudienceHarness(Files.createTempDirectory(root, "rt"), database, Instant.EPOCH);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void clearSegments(Database database) {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM segments");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Inserts store rows (segments reference stores). */
    static void ensureStores(Database database, String... ids) {
        try (Connection c = database.dataSource().getConnection()) {
            for (String id : ids) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO stores (id, name, write_key, secret_key_hash, "
                        + "retention_days, created_at, updated_at) SELECT ?, ?, ?, ?, 180, ?, ? WHERE NOT EXISTS "
                        + "(SELECT 1 FROM stores WHERE id = ?)")) {
                    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                    ps.setString(1, id);
                    ps.setString(2, id);
                    ps.setString(3, "wk_" + id);
                    ps.setString(4, String.format("%64s", id).replace(' ', '0'));
                    ps.setObject(5, now);
                    ps.setObject(6, now);
                    ps.setString(7, id);
                    ps.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void open() {
        log = new FileEventLog(dir.resolve("log"), false);
        rocks = new RocksDatabase(dir.resolve("state"), AudienceColumns.ALL);
        runtime = new EmbeddedAudienceRuntime(log.records(), rocks, new SegmentRepository(database.dataSource()),
                id -> Optional.empty(), clock);
    }

    /** The audiences port over this runtime, with a visitor event index of its own (made on first use). */
    Audiences audiences() {
        if (indexer == null) {
            indexRocks = new RocksDatabase(dir.resolve("index"), io.rebound.server.runtime.EventIndexer.COLUMN_FAMILIES);
            indexer = new io.rebound.server.runtime.EventIndexer(log.records(), indexRocks,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        }
        return new EmbeddedAudiences(runtime, indexer);
    }

    private void shut() {
        if (indexer != null) {
            indexer.close();
            indexRocks.close();
            indexer = null;
        }
        runtime.close();
        rocks.close();
        log.close();
    }

    /** Clean stop and reopen. */
    void restart() {
        shut();
        open();
    }

    /** Stops the runtime, lets {@code action} change its RocksDB directly, and starts it again. */
    void whileStopped(java.util.function.Consumer<RocksDatabase> action) {
        shut();
        rocks = new RocksDatabase(dir.resolve("state"), AudienceColumns.ALL);
        try {
            action.accept(rocks);
        } finally {
            rocks.close();
        }
        open();
    }

    /**
     * Makes the next commit fail like a kill -9 (the pending unit of work never reaches RocksDB),
     * lets {@code action} run into it, then reopens the same directories.
     */
    void crash(Runnable action) {
        runtime.beforeCommit = () -> {
            throw new EmbeddedAudienceRuntime.SimulatedCrash();
        };
        try {
            action.run();
        } catch (IllegalStateException expected) {
            // the call that hit the crash
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (!runtime.stopped() && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
        if (!runtime.stopped()) {
            throw new AssertionError("the runtime did not crash");
        }
        shut();
        open();
    }

    /** Appends without waiting for processing. */
    void append(Event... events) {
        log.append(List.of(events)).join();
    }

    @Override
    public void putSegment(String storeId, String segmentId, SegmentDefinition definition) {
        runtime.putSegment(storeId, segmentId, definition, null);
        runtime.backfillDone(storeId, segmentId).join();
    }

    @Override
    public void deleteSegment(String storeId, String segmentId) {
        runtime.deleteSegment(storeId, segmentId);
        runtime.backfillDone(storeId, segmentId).join();
    }

    @Override
    public void accept(Event event) {
        append(event);
        runtime.sync();
    }

    @Override
    public void advanceTo(Instant now) {
        if (clock instanceof MutableClock m) {
            m.set(now);
        }
        runtime.sync();
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public Set<String> members(String storeId, String segmentId) {
        Set<String> out = new TreeSet<>();
        runtime.reader().members(storeId, segmentId, null, Integer.MAX_VALUE).forEach(m -> out.add(m.personId()));
        return out;
    }

    @Override
    public List<MembershipChange> changes(String storeId, String segmentId) {
        return runtime.reader().changes(storeId, segmentId, 0, Integer.MAX_VALUE).stream()
                .map(LoggedChange::change).toList();
    }

    @Override
    public Optional<String> personOf(String storeId, String visitorId) {
        return runtime.reader().personOf(storeId, visitorId);
    }

    @Override
    public Map<String, Instant> memberships(String storeId, String personId) {
        return runtime.reader().person(storeId, personId).map(p -> p.memberships()).orElse(Map.of());
    }

    @Override
    public void erasePerson(String storeId, String personId) {
        runtime.erasePerson(storeId, personId);
    }

    @Override
    public void close() {
        shut();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp directory; JUnit cleans the root
        }
    }
}
