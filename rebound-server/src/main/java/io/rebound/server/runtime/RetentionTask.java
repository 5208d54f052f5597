package io.rebound.server.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.server.log.LogRetention;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the embedded server's retention by its clock: once at start and then every
 * {@code interval} of clock time, the visitor event table's purge ({@link EventIndexer#purgeExpired})
 * and the event log's ({@link LogRetention}). One background thread, at the consumers' lower CPU
 * priority; it looks at the clock once a second, so a test's or a benchmark's fast clock drives
 * it too. The audience runtime purges its own state ({@code RetentionSweep}).
 */
public final class RetentionTask implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(RetentionTask.class);
    private static final long CHECK_MILLIS = 1_000;

    private final EventIndexer indexer;
    private final LogRetention log;
    private final Clock clock;
    private final Duration interval;
    private final Counter events;
    private final Counter dedupKeys;
    private final Counter logFilesDeleted;
    private final Thread thread;
    private Instant lastPass;
    private volatile boolean running = true;

    /** What one pass deleted. */
    public record Pass(Instant at, long events, long dedupKeys, int logFiles) {
    }

    public RetentionTask(EventIndexer indexer, LogRetention log, Clock clock, Duration interval, MeterRegistry metrics) {
        this.indexer = indexer;
        this.log = log;
        this.clock = clock;
        this.interval = interval;
        this.events = Counter.builder("rebound.retention.events.deleted")
                .description("stored visitor events deleted by retention").register(metrics);
        this.dedupKeys = Counter.builder("rebound.retention.dedup.deleted")
                .description("dedup keys deleted by retention").register(metrics);
        this.logFilesDeleted = Counter.builder("rebound.retention.log.segments.deleted")
                .description("event log files deleted by retention").register(metrics);
        this.thread = Thread.ofPlatform().name("retention").daemon(true).start(this::run);
    }

    /** Runs a pass now (tests, and the thread when one is due). */
    public synchronized Pass runOnce() {
        Instant now = clock.instant();
        lastPass = now;
        EventRetention.Purged purged = indexer.purgeExpired(now);
        int deletedLogFiles = log.apply(now);
        events.increment(purged.events());
        dedupKeys.increment(purged.dedupKeys());
        logFilesDeleted.increment(deletedLogFiles);
        Pass pass = new Pass(now, purged.events(), purged.dedupKeys(), deletedLogFiles);
        if (pass.events() + pass.dedupKeys() + pass.logFiles() > 0) {
            LOG.info("retention: deleted {} events, {} dedup keys, {} log files", pass.events(), pass.dedupKeys(),
                    pass.logFiles());
        }
        return pass;
    }

    private synchronized boolean due() {
        return lastPass == null || !clock.instant().isBefore(lastPass.plus(interval));
    }

    private void run() {
        BackgroundPriority.lowerCurrentThread();
        while (running) {
            try {
                if (due()) {
                    runOnce();
                }
                // Parked, not interrupted on close: an interrupt inside a read would close the log's shared channel.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS));
            } catch (RuntimeException e) {
                LOG.error("retention: pass failed; retrying at the next interval", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
