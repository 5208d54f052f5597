package io.rebound.destinations.pinterest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
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
 * Pinterest: email customer lists (and the {@code CUSTOMER_LIST} audience ads target) and the
 * Conversions API. A list is created from its first batch of records (Pinterest takes no empty
 * list), then grows and shrinks by {@code PATCH}.
 */
public final class PinterestDestination implements Destination {

    private final PinterestConfig config;
    private final PinterestRequests requests;
    private final Exchange exchange;

    public PinterestDestination(PinterestConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        this.config = config;
        this.requests = new PinterestRequests(config);
        this.exchange = new Exchange(mode, transport, log, clock);
    }

    @Override
    public Platform platform() {
        return Platform.PINTEREST;
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
    public AudienceRef linkAudience(String customerListId) {
        if (customerListId == null || !customerListId.matches("[0-9]{1,30}")) {
            throw new IllegalArgumentException("a Pinterest customer list id is digits, got " + customerListId);
        }
        return AudienceRef.of(Platform.PINTEREST, customerListId);
    }

    private record Prepared(List<Row<String>> rows, List<SyncReport.Skip> skipped) {
    }

    private Prepared prepare(List<Member> members, Purpose purpose) {
        if (config.apiToken() == null) {
            throw new IllegalStateException("no API token configured: Pinterest customer lists need one with ads:write");
        }
        List<Row<String>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            ConsentDecision d = ConsentDecision.decide(m.consent(), config.policy(), purpose);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            List<String> emails = config.rules().keys(m.contact()).emails();
            if (emails.isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "no email for a Pinterest EMAIL list"));
            }
            for (String h : emails) {
                rows.add(new Row<>(i, new byte[h.length()], h));
            }
        }
        return new Prepared(rows, skipped);
    }

    @Override
    public AudienceResult createAudience(String name, List<Member> seed) {
        Prepared p = prepare(seed, Purpose.ADD_TO_LIST);
        if (p.rows().isEmpty()) {
            Outcome none = new Outcome.GiveUp("empty", "Pinterest creates a customer list only from records: no member with an email",
                    List.of());
            return new AudienceResult(null, new SyncReport(List.of(), p.skipped(), List.of()), none);
        }
        BatchPlanner.Plan plan = BatchPlanner.plan(p.rows().size(), i -> p.rows().get(i).encoded().length,
                requests.updateFraming(false), config.limits().customerList());
        BatchPlanner.Batch first = plan.batches().get(0);
        List<Row<String>> firstRows = p.rows().subList(first.from(), first.to());
        List<Integer> firstInputs = firstRows.stream().map(Row::input).distinct().toList();
        String[] listId = new String[1];
        Outcome created = created(exchange.execute(requests.createList(name, firstRows.stream().map(Row::value).toList())), listId);
        if (!created.applied()) {
            return new AudienceResult(null, new SyncReport(List.of(new SyncReport.Delivery(firstInputs, created)), p.skipped(),
                    List.of()), created);
        }
        String[] audienceId = new String[1];
        Outcome audience = created(exchange.execute(requests.createAudience(name, listId[0])), audienceId);
        if (!audience.applied()) {
            return new AudienceResult(null, new SyncReport(List.of(new SyncReport.Delivery(firstInputs, audience)), p.skipped(),
                    List.of()), audience);
        }
        AudienceRef ref = new AudienceRef(Platform.PINTEREST, listId[0], audienceId[0]);
        SyncReport rest = deliver(ref, p.rows().subList(first.to(), p.rows().size()), List.of(), false);
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        deliveries.add(new SyncReport.Delivery(firstInputs, created));
        deliveries.addAll(rest.deliveries());
        return new AudienceResult(ref, new SyncReport(deliveries, p.skipped(), rest.notAttempted()), created);
    }

    private static Outcome created(Response r, String[] id) {
        if (r instanceof Response.NotSent) {
            id[0] = "dry-run";
            return new Outcome.Recorded();
        }
        return PinterestErrors.classify(r, body -> {
            id[0] = body.path("id").asText(null);
            return id[0] == null ? new Outcome.GiveUp("no-id", "Pinterest answered without an id", List.of())
                    : new Outcome.Accepted("id=" + id[0]);
        });
    }

    @Override
    public SyncReport addMembers(AudienceRef audience, List<Member> members) {
        Prepared p = prepare(members, Purpose.ADD_TO_LIST);
        return deliver(audience, p.rows(), p.skipped(), false);
    }

    @Override
    public SyncReport removeMembers(AudienceRef audience, List<Member> members) {
        Prepared p = prepare(members, Purpose.REMOVE_FROM_LIST);
        return deliver(audience, p.rows(), p.skipped(), true);
    }

    private SyncReport deliver(AudienceRef audience, List<Row<String>> rows, List<SyncReport.Skip> skipped, boolean remove) {
        return Deliveries.deliver(exchange, rows, skipped, requests.updateFraming(remove), config.limits().customerList(),
                batch -> requests.updateList(audience.id(), batch.stream().map(Row::value).toList(), remove),
                (response, batch) -> PinterestErrors.classify(response, body -> new Outcome.Accepted(
                        "status=" + body.path("status").asText("") + ", num_uploaded_user_records="
                                + body.path("num_uploaded_user_records").asLong())));
    }

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.conversionToken() == null) {
            throw new IllegalStateException("no conversion token configured: Pinterest's Conversions API needs one");
        }
        List<Row<ObjectNode>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ServerEvent e = events.get(i);
            ConsentDecision d = ConsentDecision.decide(e.consent(), config.policy(), Purpose.SERVER_EVENT);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            MatchKeys keys = config.rules().keys(e.contact());
            if (keys.emails().isEmpty() && (e.ip() == null || e.userAgent() == null)) {
                skipped.add(new SyncReport.Skip(i, "Pinterest needs an email, or an IP address with a user agent"));
                continue;
            }
            ObjectNode node = requests.event(e, keys, d);
            rows.add(new Row<>(i, Json.bytes(node), node));
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> PinterestErrors.classify(response,
                        body -> PinterestErrors.events(body, i -> i < batch.size() ? batch.get(i).input() : null)));
    }
}
