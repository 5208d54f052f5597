package io.rebound.destinations.google;

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

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Google: Customer Match lists and conversion events through the Data Manager API, authorised by an
 * {@link AccessTokenProvider}. Requests come from {@link GoogleRequests}, answers are read by
 * {@link GoogleErrors}. In dry-run no token is fetched: the recorded header is redacted either way.
 */
public final class GoogleDestination implements Destination {

    private final GoogleConfig config;
    private final GoogleRequests requests;
    private final AccessTokenProvider tokens;
    private final Exchange exchange;

    public GoogleDestination(GoogleConfig config, AccessTokenProvider tokens, Mode mode, Transport transport, RequestLog log,
                             Clock clock) {
        this.config = config;
        this.requests = new GoogleRequests(config);
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.exchange = new Exchange(mode, transport, log, clock);
    }

    @Override
    public Platform platform() {
        return Platform.GOOGLE;
    }

    @Override
    public Mode mode() {
        return exchange.mode();
    }

    @Override
    public RequestLog requests() {
        return exchange.log();
    }

    /** The token, or the outcome that explains why there is none. */
    private Object token() {
        if (exchange.mode() == Mode.DRY_RUN) {
            return "dry-run";
        }
        try {
            return tokens.accessToken();
        } catch (IOException e) {
            return GoogleErrors.tokenFailure(e);
        }
    }

    private static SyncReport unsent(int count, Outcome why) {
        List<Integer> all = IntStream.range(0, count).boxed().toList();
        return new SyncReport(List.of(new SyncReport.Delivery(all, why)), List.of(), List.of());
    }

    @Override
    public AudienceResult createAudience(String name, List<Member> seed) {
        Object token = token();
        if (token instanceof Outcome o) {
            return new AudienceResult(null, unsent(seed.size(), o), o);
        }
        Response r = exchange.execute(requests.createUserList(name, "Rebound segment, synced by Rebound", (String) token));
        Outcome outcome = GoogleErrors.classify(r, i -> null);
        String id;
        if (outcome instanceof Outcome.Recorded) {
            id = "dry-run";
        } else if (outcome instanceof Outcome.Accepted && r instanceof Response.Http http) {
            id = Json.parse(http.body()).path("id").asText(null);
            if (id == null) {
                outcome = new Outcome.GiveUp("no-id", "Google answered without a user list id", List.of());
            }
        } else {
            id = null;
        }
        if (id == null) {
            return new AudienceResult(null, new SyncReport(List.of(), List.of(), List.of()), outcome);
        }
        AudienceRef ref = AudienceRef.of(Platform.GOOGLE, id);
        SyncReport seeded = seed.isEmpty() ? new SyncReport(List.of(), List.of(), List.of()) : addMembers(ref, seed);
        return new AudienceResult(ref, seeded, outcome);
    }

    @Override
    public AudienceRef linkAudience(String id) {
        if (id == null || !id.matches("[0-9]{1,20}")) {
            throw new IllegalArgumentException("a Google user list id is digits, got " + id);
        }
        return AudienceRef.of(Platform.GOOGLE, id);
    }

    @Override
    public SyncReport addMembers(AudienceRef audience, List<Member> members) {
        return members(audience, members, true);
    }

    @Override
    public SyncReport removeMembers(AudienceRef audience, List<Member> members) {
        return members(audience, members, false);
    }

    private SyncReport members(AudienceRef audience, List<Member> members, boolean ingest) {
        List<Row<ObjectNode>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        Purpose purpose = ingest ? Purpose.ADD_TO_LIST : Purpose.REMOVE_FROM_LIST;
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            ConsentDecision d = ConsentDecision.decide(m.consent(), config.policy(), purpose);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            MatchKeys keys = config.rules().keys(m.contact());
            ObjectNode member = requests.member(keys, d, ingest);
            if (member.path("userData").path("userIdentifiers").isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "no email, phone or full name and address for Google"));
                continue;
            }
            rows.add(new Row<>(i, Json.bytes(member), member));
        }
        if (rows.isEmpty()) {
            return new SyncReport(List.of(), skipped, List.of());
        }
        Object token = token();
        if (token instanceof Outcome o) {
            return new SyncReport(List.of(new SyncReport.Delivery(rows.stream().map(Row::input).toList(), o)), skipped, List.of());
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.membersFraming(audience.id(), ingest),
                config.limits().customerList(),
                batch -> requests.members(audience.id(), batch.stream().map(Row::value).toList(), ingest, (String) token),
                (response, batch) -> GoogleErrors.classify(response, i -> i < batch.size() ? batch.get(i).input() : null));
    }

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.conversionActionId() == null) {
            throw new IllegalStateException("no conversion action configured: Google's events need one");
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
            ObjectNode node = requests.event(e, config.rules().keys(e.contact()), d);
            if (!node.has("userData") && !node.has("adIdentifiers")) {
                skipped.add(new SyncReport.Skip(i, "neither user identifiers nor a Google click id"));
                continue;
            }
            rows.add(new Row<>(i, Json.bytes(node), node));
        }
        if (rows.isEmpty()) {
            return new SyncReport(List.of(), skipped, List.of());
        }
        Object token = token();
        if (token instanceof Outcome o) {
            return new SyncReport(List.of(new SyncReport.Delivery(rows.stream().map(Row::input).toList(), o)), skipped, List.of());
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList(), (String) token),
                (response, batch) -> GoogleErrors.classify(response, i -> i < batch.size() ? batch.get(i).input() : null));
    }
}
