package io.rebound.destinations.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.ConsentDecision.Purpose;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.Destination;
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

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Meta: customer-file Custom Audiences through the Marketing API and server events through the
 * Conversions API. Requests come from {@link MetaRequests}, answers are read by {@link MetaErrors}.
 */
public final class MetaDestination implements Destination {

    private final MetaConfig config;
    private final MetaRequests requests;
    private final Exchange exchange;

    public MetaDestination(MetaConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        this.config = config;
        this.requests = new MetaRequests(config);
        this.exchange = new Exchange(mode, transport, log, clock);
    }

    @Override
    public Platform platform() {
        return Platform.META;
    }

    @Override
    public Mode mode() {
        return exchange.mode();
    }

    @Override
    public RequestLog requests() {
        return exchange.log();
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
        if (outcome instanceof Outcome.Recorded) {
            id[0] = "dry-run";
        } else if (!outcome.applied()) {
            return new AudienceResult(null, new SyncReport(List.of(), List.of(), List.of()), outcome);
        }
        AudienceRef ref = AudienceRef.of(Platform.META, id[0]);
        SyncReport seeded = seed.isEmpty() ? new SyncReport(List.of(), List.of(), List.of()) : addMembers(ref, seed);
        return new AudienceResult(ref, seeded, outcome);
    }

    @Override
    public AudienceRef linkAudience(String id) {
        if (id == null || !id.matches("[0-9]{1,30}")) {
            throw new IllegalArgumentException("a Meta custom audience id is digits, got " + id);
        }
        return AudienceRef.of(Platform.META, id);
    }

    @Override
    public SyncReport addMembers(AudienceRef audience, List<Member> members) {
        return users(audience, members, false);
    }

    @Override
    public SyncReport removeMembers(AudienceRef audience, List<Member> members) {
        return users(audience, members, true);
    }

    private SyncReport users(AudienceRef audience, List<Member> members, boolean remove) {
        List<Row<ArrayNode>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        Purpose purpose = remove ? Purpose.REMOVE_FROM_LIST : Purpose.ADD_TO_LIST;
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            ConsentDecision d = ConsentDecision.decide(m.consent(), config.policy(), purpose);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            List<ArrayNode> personRows = requests.rows(config.rules().keys(m.contact()), d);
            if (personRows.isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "no identifier Meta takes"));
            }
            for (ArrayNode row : personRows) {
                rows.add(new Row<>(i, Json.bytes(row), row));
            }
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.usersFraming(), config.limits().customerList(),
                batch -> requests.users(audience.id(), batch.stream().map(Row::value).toList(), remove),
                (response, batch) -> MetaErrors.classify(response, body -> MetaErrors.users(body, value -> rowOf(batch, value))));
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
        List<Row<ObjectNode>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ServerEvent e = events.get(i);
            if (config.limits().tooOld(e.eventTime(), now)) {
                skipped.add(new SyncReport.Skip(i, "older than Meta's " + config.limits().maxEventAge().toDays() + " days"));
                continue;
            }
            ConsentDecision d = ConsentDecision.decide(e.consent(), config.policy(), Purpose.SERVER_EVENT);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            MatchKeys keys = config.rules().keys(e.contact());
            ObjectNode node = requests.event(e, keys, d);
            if (node.path("user_data").isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "no customer information parameter to match on"));
                continue;
            }
            rows.add(new Row<>(i, Json.bytes(node), node));
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> MetaErrors.classify(response,
                        body -> new Outcome.Accepted("events_received=" + body.path("events_received").asLong())));
    }
}
