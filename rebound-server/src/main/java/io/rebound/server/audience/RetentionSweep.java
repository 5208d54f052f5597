package io.rebound.server.audience;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The retention purge, run in chunks on the writer thread. Events themselves are purged by the
 * engine (each person's timer fires when their oldest event leaves retention); this pass removes
 * what is left behind: persons with no retained events and no segment status (and their ids and
 * timer), change-log entries older than the store's retention, and visitor activity older than
 * the 30-day readiness window or the retention, whichever is shorter.
 */
final class RetentionSweep {
    static final int CHUNK = 1_000;
    static final Duration ACTIVITY_WINDOW = Duration.ofDays(30);

    private enum Phase { PERSONS, CHANGES, ACTIVITY, IDLE }

    private final WriterState writer;
    private Phase phase = Phase.IDLE;
    private byte[] cursor;

    /** Sweeps the writer's stores and tables, each store at its processor's retention. */
    RetentionSweep(WriterState writer) {
        this.writer = writer;
    }

    void start() {
        if (phase == Phase.IDLE) {
            phase = Phase.PERSONS;
            cursor = null;
        }
    }

    boolean running() {
        return phase != Phase.IDLE;
    }

    /** Runs until idle (tests and the CLI). */
    void runToEnd(Instant now) {
        start();
        while (running()) {
            step(now);
        }
    }

    /** One chunk of the current phase. */
    void step(Instant now) {
        String family = switch (phase) {
            case PERSONS -> AudienceColumns.PERSONS;
            case CHANGES -> AudienceColumns.CHANGES;
            case ACTIVITY -> AudienceColumns.ACTIVITY;
            case IDLE -> null;
        };
        if (family == null) {
            return;
        }
        List<Map.Entry<byte[], byte[]>> chunk = new ArrayList<>(CHUNK);
        writer.uow.scan(family, null, cursor, (k, v) -> {
            if (cursor != null && Arrays.equals(k, cursor)) {
                return true;
            }
            chunk.add(Map.entry(k, v));
            return chunk.size() < CHUNK;
        });
        for (Map.Entry<byte[], byte[]> e : chunk) {
            switch (phase) {
                case PERSONS -> person(e.getValue(), now);
                case CHANGES -> change(e.getKey(), e.getValue(), now);
                case ACTIVITY -> activity(e.getKey(), e.getValue(), now);
                case IDLE -> { }
            }
        }
        if (chunk.size() < CHUNK) {
            phase = Phase.values()[phase.ordinal() + 1];
            cursor = null;
        } else {
            cursor = chunk.getLast().getKey();
        }
    }

    private void person(byte[] value, Instant now) {
        PersonState state = PersonStateCodec.decode(value);
        if (!state.visitor().isEmpty()) {
            return;
        }
        // Bring the shell up to date first: that records any due leave and forgets statuses older than retention.
        AudienceProcessor.Result r = writer.processor(state.storeId()).onTimer(state, now);
        writer.memberships.record(r.changes());
        if (r.state().vacant()) {
            writer.persons.delete(state.storeId(), state.personId());
            writer.timers.set(state.storeId(), state.personId(), null);
            for (String key : state.ids().keys()) {
                if (state.personId().equals(writer.identities.personOf(state.storeId(), key))) {
                    writer.identities.unlink(state.storeId(), key);
                }
            }
        } else {
            writer.persons.put(r.state());
            writer.timers.set(state.storeId(), state.personId(), r.nextTimer());
        }
    }

    private void change(byte[] key, byte[] value, Instant now) {
        var c = AudienceKeys.decodeChange(key, value).change();
        Duration retention = writer.processor(c.storeId()).retention();
        if (c.at().isBefore(now.minus(retention))) {
            writer.uow.delete(AudienceColumns.CHANGES, key);
        }
    }

    private void activity(byte[] key, byte[] value, Instant now) {
        String store = new AudienceKeys.Reader(key).str();
        Duration retention = writer.processor(store).retention();
        Duration keep = retention.compareTo(ACTIVITY_WINDOW) < 0 ? retention : ACTIVITY_WINDOW;
        if (AudienceKeys.i64(value) < now.minus(keep).toEpochMilli()) {
            writer.uow.delete(AudienceColumns.ACTIVITY, key);
        }
    }
}
