package io.rebound.server.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.MembershipChange;
import io.vertx.core.json.JsonObject;

/**
 * The audience self-check as operators see it, the same in both modes: counters on /metrics
 * ({@code rebound_audit_persons_checked_total}, {@code rebound_audit_mismatches_total}) and an
 * {@code audit} object on /health. A mismatch was repaired when found; any count above zero is a
 * bug worth reporting with the last mismatch shown.
 */
public final class AuditReport {

    private AuditReport() {
    }

    /** Registers the counters of {@code stats}. */
    public static void register(MeterRegistry metrics, AuditStats stats) {
        FunctionCounter.builder("rebound.audit.persons.checked", stats, AuditStats::checked)
                .description("persons the background self-check re-evaluated from their events").register(metrics);
        FunctionCounter.builder("rebound.audit.mismatches", stats, AuditStats::mismatches)
                .description("memberships the self-check found wrong and repaired (0 in a correct engine)")
                .register(metrics);
    }

    /** The /health object. */
    public static JsonObject json(AuditStats stats) {
        JsonObject out = new JsonObject().put("status", stats.mismatches() == 0 ? "clean" : "mismatches_repaired")
                .put("persons_checked", stats.checked()).put("mismatches", stats.mismatches());
        stats.lastMismatch().ifPresent(c -> out.put("last_mismatch", new JsonObject()
                .put("segment_id", c.segmentId()).put("person_id", c.personId())
                .put("repair", c.kind() == MembershipChange.Kind.JOINED ? "joined" : "left").put("at", c.at().toString())));
        return out;
    }
}
