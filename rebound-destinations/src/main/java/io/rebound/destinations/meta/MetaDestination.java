package io.rebound.destinations.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Response;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.Transport;
import io.rebound.destinations.internal.Deliveries;
import io.rebound.destinations.internal.Deliveries.Row;
import io.rebound.destinations.internal.Exchange;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.PlatformDestination;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Meta: customer-file Custom Audiences through the Marketing API and server events through the
 * Conversions API. Requests come from {@link MetaRequests}, answers are read by {@link MetaErrors}.
 */
public final class MetaDestination extends PlatformDestination<MetaConfig, MetaRequests> {

    /** Upload session ids: random, so that sessions of different runs and nodes never collide. */
    private final java.util.function.LongSupplier sessionIds = () -> java.util.concurrent.ThreadLocalRandom.current()
            .nextLong(1, Long.MAX_VALUE);

    public MetaDestination(MetaConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        super("a Meta custom audience id", 30, config, new MetaRequests(config),
                new Exchange(mode, transport, log, clock));
    }

    @Override
    public AudienceResult createAudience(String name, List<Member> seed) {
        Response r = exchange.execute(requests.createAudience(name, "Rebound segment, synced by Rebound"));
        String[] id = new String[1];
        Outcome outcome = MetaErrors.classify(r, body -> {
            id[0] = body.path("id").asText(null);
            return id[0] == null ? new Outcome.GiveUp("no-id", "Meta answered without an audience id", List.of())
                    : new Outcome.Accepted("id=" + id[0]);
        });
        return seeded(outcome instanceof Outcome.Recorded ? "dry-run" : outcome.applied() ? id[0] : null, outcome, seed);
    }

    /**
     * Creates a website Custom Audience of the people whose events (pixel or Conversions API) include
     * {@code eventName} within {@code retention}: the anonymous side of a segment, fed by its membership
     * events. Needs a pixel id.
     *
     * @return the new audience (id {@code dry-run} in dry-run; no seed), or none with the outcome that refused it
     */
    public AudienceResult createWebsiteAudience(String name, String eventName, java.time.Duration retention) {
        Response r = exchange.execute(requests.createWebsiteAudience(name,
                "Visitors who joined a Rebound segment (" + eventName + "), synced by Rebound", eventName, retention.toSeconds()));
        String[] id = new String[1];
        Outcome outcome = MetaErrors.classify(r, body -> {
            id[0] = body.path("id").asText(null);
            return id[0] == null ? new Outcome.GiveUp("no-id", "Meta answered without an audience id", List.of())
                    : new Outcome.Accepted("id=" + id[0]);
        });
        String made = outcome instanceof Outcome.Recorded ? "dry-run" : outcome.applied() ? id[0] : null;
        return new AudienceResult(made == null ? null : AudienceRef.of(Platform.META, made), nothing(), outcome);
    }

    @Override
    protected SyncReport change(AudienceRef audience, List<Member> members, boolean remove) {
        Prepared<ArrayNode> p = prepareMembers(members, remove, Json::bytes,
                (m, keys, d) -> Rows.of(requests.rows(keys, d), "no identifier Meta takes"));
        return Deliveries.deliver(exchange, p.rows(), p.skipped(), requests.usersFraming(), config.limits().customerList(),
                batch -> requests.users(audience.id(), batch.stream().map(Row::value).toList(), remove),
                (response, batch) -> MetaErrors.classify(response, body -> MetaErrors.users(body, value -> rowOf(batch, value))));
    }

    @Override
    public boolean supportsReplace() {
        return true;
    }

    /**
     * One {@code usersreplace} session over the same row- and byte-limited batches as {@code /users}: a
     * new session id, {@code batch_seq} from 1, the last batch flagged. A session stopped half-way is
     * not resumed (Meta leaves the list as it was until the last batch); the next call starts a new one.
     */
    @Override
    public SyncReport replaceMembers(AudienceRef audience, List<Member> all) {
        Prepared<ArrayNode> p = prepareMembers(all, false, Json::bytes,
                (m, keys, d) -> Rows.of(requests.rows(keys, d), "no identifier Meta takes"));
        if (p.rows().isEmpty()) {
            return unavailable(p, "Meta's usersreplace takes at least one row: an empty list cannot be replaced");
        }
        long session = sessionIds.getAsLong();
        long total = p.rows().size();
        return Deliveries.deliverSession(p.rows(), p.skipped(), requests.replaceFraming(total), config.limits().customerList(),
                "too large for one request", (batch, seq, count) -> {
                    Response response = exchange.execute(requests.usersReplace(audience.id(),
                            batch.stream().map(Row::value).toList(), new MetaRequests.Session(session, seq, seq == count, total)));
                    return response instanceof Response.NotSent ? new Outcome.Recorded()
                            : MetaErrors.classify(response, body -> MetaErrors.users(body, value -> rowOf(batch, value)));
                });
    }

    private static Integer rowOf(List<Row<ArrayNode>> batch, String value) {
        for (Row<ArrayNode> row : batch) {
            for (JsonNode cell : row.value()) {
                if (cell.isTextual() && cell.asText().equals(value)) {
                    return row.input();
                }
            }
        }
        return null;
    }

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.pixelId() == null) {
            throw new IllegalStateException("no pixel id configured: Meta's Conversions API needs one");
        }
        Prepared<ObjectNode> p = prepareEvents(events,
                e -> config.limits().tooOld(e.eventTime(), now)
                        ? "older than Meta's " + config.limits().maxEventAge().toDays() + " days" : null,
                Json::bytes, (e, keys, d) -> {
                    ObjectNode node = requests.event(e, keys, d);
                    return Rows.one(node, !node.path("user_data").isEmpty(), "no customer information parameter to match on");
                });
        return Deliveries.deliver(exchange, p.rows(), p.skipped(), requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> MetaErrors.classify(response,
                        body -> new Outcome.Accepted("events_received=" + body.path("events_received").asLong())));
    }
}
