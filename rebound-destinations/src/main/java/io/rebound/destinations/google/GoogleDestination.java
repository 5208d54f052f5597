package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.Response;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.Transport;
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Deliveries;
import io.rebound.destinations.internal.Deliveries.Row;
import io.rebound.destinations.internal.Exchange;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.PlatformDestination;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

/**
 * Google: Customer Match lists and conversion events through the Data Manager API, authorised by an
 * {@link AccessTokenProvider}. Requests come from {@link GoogleRequests}, answers are read by
 * {@link GoogleErrors}. In dry-run no token is fetched: the recorded header is redacted either way.
 */
public final class GoogleDestination extends PlatformDestination<GoogleConfig, GoogleRequests> {

    private final AccessTokenProvider tokens;
    private final Ga4Requests ga4;

    public GoogleDestination(GoogleConfig config, AccessTokenProvider tokens, Mode mode, Transport transport, RequestLog log,
                             Clock clock) {
        this(config, null, tokens, mode, transport, log, clock);
    }

    /**
     * @param ga4 the GA4 stream events are also sent to through the Measurement Protocol, or null for none
     */
    public GoogleDestination(GoogleConfig config, Ga4Config ga4, AccessTokenProvider tokens, Mode mode, Transport transport,
                             RequestLog log, Clock clock) {
        super("a Google user list id", 20, config, new GoogleRequests(config),
                new Exchange(mode, transport, log, clock));
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.ga4 = ga4 == null ? null : new Ga4Requests(ga4);
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
        return seeded(id, outcome, seed);
    }

    @Override
    protected SyncReport change(AudienceRef audience, List<Member> members, boolean remove) {
        boolean ingest = !remove;
        Prepared<ObjectNode> p = prepareMembers(members, remove, Json::bytes, (m, keys, d) -> {
            ObjectNode member = requests.member(keys, d, ingest);
            return Rows.one(member, !member.path("userData").path("userIdentifiers").isEmpty(),
                    "no email, phone or full name and address for Google");
        });
        return deliver(p, requests.membersFraming(audience.id(), ingest), config.limits().customerList(),
                (batch, token) -> requests.members(audience.id(), batch, ingest, token));
    }

    /**
     * Sends events to the conversion action (Data Manager {@code events:ingest}) when one is configured, then
     * to the GA4 stream (Measurement Protocol) when one is. Membership events (custom events named after a
     * segment) go to GA4 only, where an audience can select them by name; a conversion action is no audience.
     * When the conversion action asks to retry, GA4 is not sent to (the caller resends the whole batch; Google
     * drops conversions it already took by their transaction id). A sink that gave up is reported last, so
     * the caller sees it, whatever the other did.
     */
    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.conversionActionId() == null && ga4 == null) {
            throw new IllegalStateException("no conversion action and no GA4 stream configured: Google's events need one");
        }
        SyncReport conversions = null;
        if (config.conversionActionId() != null) {
            conversions = sendConversions(events);
            if (ga4 == null || conversions.stoppedBy() instanceof Outcome.Retry) {
                return conversions;
            }
        }
        SyncReport analytics = sendGa4(events, now);
        return conversions == null ? analytics : merge(conversions, analytics);
    }

    private SyncReport sendConversions(List<ServerEvent> events) {
        Prepared<ObjectNode> p = prepareEvents(events,
                e -> e.type() == EventType.CUSTOM ? "a membership event goes to GA4 only, not to a conversion action" : null,
                Json::bytes, (e, keys, d) -> {
                    ObjectNode node = requests.event(e, keys, d);
                    return Rows.one(node, node.has("userData") || node.has("adIdentifiers"),
                            "neither user identifiers nor a Google click id");
                });
        return deliver(p, requests.eventsFraming(), config.limits().events(), requests::events);
    }

    /**
     * One GA4 event ready for a request.
     *
     * @param clientId the {@code _ga} cookie's client id
     * @param consent  the request's consent, or null
     * @param event    the {@code events[]} entry
     */
    private record Ga4Event(String clientId, ObjectNode consent, ObjectNode event) {
        String key() {
            return clientId + "|" + consent;
        }
    }

    private SyncReport sendGa4(List<ServerEvent> events, Instant now) {
        Prepared<Ga4Event> p = prepareEvents(events, e -> {
            if (e.eventTime().isBefore(now.minus(Ga4Requests.MAX_AGE))) {
                return "older than GA4's 72 hours";
            }
            if (e.clickIds().get(ClickIds.GA_CLIENT_ID) == null) {
                return "no GA4 client id (_ga cookie)";
            }
            return Ga4Requests.eventName(e) == null ? "no GA4 event for " + e.type().canonicalName() : null;
        }, g -> Json.bytes(g.event()), (e, keys, d) -> Rows.one(new Ga4Event(e.clickIds().get(ClickIds.GA_CLIENT_ID),
                Ga4Requests.consent(d), ga4.event(e))));
        Map<String, List<Row<Ga4Event>>> byClient = new LinkedHashMap<>();
        p.rows().forEach(r -> byClient.computeIfAbsent(r.value().key(), k -> new ArrayList<>()).add(r));
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>(p.skipped());
        Set<Integer> notAttempted = new LinkedHashSet<>();
        boolean stopped = false;
        for (List<Row<Ga4Event>> rows : byClient.values()) {
            if (stopped) {
                rows.forEach(r -> notAttempted.add(r.input()));
                continue;
            }
            Ga4Event first = rows.get(0).value();
            SyncReport r = Deliveries.deliver(exchange, rows, List.of(), ga4.framing(first.clientId(), first.consent()),
                    Ga4Requests.LIMITS, batch -> ga4.collect(first.clientId(), first.consent(),
                            batch.stream().map(b -> b.value().event()).toList()),
                    (response, batch) -> GoogleErrors.classifyGa4(response));
            deliveries.addAll(r.deliveries());
            skipped.addAll(r.skipped());
            notAttempted.addAll(r.notAttempted());
            stopped = !r.complete();
        }
        return new SyncReport(deliveries, skipped, List.copyOf(notAttempted));
    }

    /**
     * Two sinks' reports over the same events as one: a row is skipped only when neither sent it; the report
     * that stopped (gave up) comes last.
     */
    private static SyncReport merge(SyncReport conversions, SyncReport analytics) {
        SyncReport a = conversions;
        SyncReport b = analytics;
        if (conversions.stoppedBy() != null && analytics.stoppedBy() == null) {
            a = analytics;
            b = conversions;
        }
        List<SyncReport.Delivery> deliveries = new ArrayList<>(a.deliveries());
        deliveries.addAll(b.deliveries());
        Set<Integer> notAttempted = new LinkedHashSet<>(a.notAttempted());
        notAttempted.addAll(b.notAttempted());
        Set<Integer> handled = new java.util.HashSet<>(notAttempted);
        deliveries.forEach(d -> handled.addAll(d.rows()));
        Map<Integer, SyncReport.Skip> skipped = new LinkedHashMap<>();
        for (SyncReport.Skip s : a.skipped()) {
            if (!handled.contains(s.row())) {
                skipped.putIfAbsent(s.row(), s);
            }
        }
        for (SyncReport.Skip s : b.skipped()) {
            if (!handled.contains(s.row())) {
                skipped.putIfAbsent(s.row(), s);
            }
        }
        return new SyncReport(deliveries, List.copyOf(skipped.values()), List.copyOf(notAttempted));
    }

    /** Delivers prepared rows with a token: none is fetched when there is nothing to send, and none had fails every row. */
    private SyncReport deliver(Prepared<ObjectNode> p, BatchPlanner.Framing framing, BatchLimits limits,
                               BiFunction<List<ObjectNode>, String, WireRequest> build) {
        if (p.rows().isEmpty()) {
            return new SyncReport(List.of(), p.skipped(), List.of());
        }
        Object token = token();
        if (token instanceof Outcome o) {
            return new SyncReport(List.of(new SyncReport.Delivery(p.rows().stream().map(Row::input).toList(), o)), p.skipped(),
                    List.of());
        }
        return Deliveries.deliver(exchange, p.rows(), p.skipped(), framing, limits,
                batch -> build.apply(batch.stream().map(Row::value).toList(), (String) token),
                (response, batch) -> GoogleErrors.classify(response, i -> i < batch.size() ? batch.get(i).input() : null));
    }
}
