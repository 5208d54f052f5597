package io.rebound.server.audience;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded runtime's self-check, run on the writer thread: every {@code every}, the next
 * {@code sample} persons in key order (every person in turn, wrapping round) are audited
 * ({@link AudienceProcessor#audit}) against the current segment definitions and their retained
 * events; what an audit repairs is stored like any other call's result, and {@link AuditStats}
 * counts it. A silent divergence of the engine then shows up on /health and /metrics within minutes.
 */
final class SelfAudit {
    private static final Logger LOG = LoggerFactory.getLogger(SelfAudit.class);

    private final WriterState writer;
    private final AuditStats stats = new AuditStats();
    private volatile Duration every = Duration.ofMinutes(1);
    private volatile int sample = 100;
    private Instant last;
    /** The last person key audited; null to start from the first. */
    private byte[] cursor;

    /** Audits the writer's persons against its processors, storing repairs in its tables. */
    SelfAudit(WriterState writer) {
        this.writer = writer;
    }

    AuditStats stats() {
        return stats;
    }

    /** Audits {@code sample} persons (0: off) every {@code every}. */
    void configure(Duration every, int sample) {
        this.every = every;
        this.sample = sample;
    }

    /** Audits the next persons when due; true when it did (the caller commits). */
    boolean step(Instant now) {
        int n = sample;
        if (n <= 0) {
            return false;
        }
        if (last == null || now.isBefore(last.plus(every))) {
            last = last == null ? now : last;
            return false;
        }
        last = now;
        List<byte[]> states = new ArrayList<>(n);
        byte[][] lastKey = new byte[1][];
        byte[] from = cursor;
        writer.uow.scan(AudienceColumns.PERSONS, null, from, (k, v) -> {
            if (from != null && Arrays.equals(k, from)) {
                return true;
            }
            lastKey[0] = k;
            states.add(v);
            return states.size() < n;
        });
        cursor = states.size() < n ? null : lastKey[0];
        Map<String, AudienceProcessor> byStore = new HashMap<>();
        for (byte[] bytes : states) {
            PersonState state = PersonStateCodec.decode(bytes);
            AudienceProcessor.Audit audit = byStore.computeIfAbsent(state.storeId(), writer::processor).audit(state, now);
            stats.record(audit);
            if (!audit.mismatches().isEmpty()) {
                LOG.warn("audience self-check: {} of store {} had {} wrong membership(s), repaired: {}",
                        state.personId(), state.storeId(), audit.mismatches().size(), audit.mismatches());
            }
            AudienceProcessor.Result r = audit.result();
            if (!r.changes().isEmpty()) {
                writer.persons.put(r.state());
                writer.memberships.record(r.changes());
                writer.timers.set(r.state().storeId(), r.state().personId(), r.nextTimer());
            }
        }
        return true;
    }
}
