package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
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
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Deliveries;
import io.rebound.destinations.internal.Deliveries.Row;
import io.rebound.destinations.internal.Exchange;
import io.rebound.destinations.internal.Json;
import io.rebound.destinations.internal.PlatformDestination;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

/**
 * Google: Customer Match lists and conversion events through the Data Manager API, authorised by an
 * {@link AccessTokenProvider}. Requests come from {@link GoogleRequests}, answers are read by
 * {@link GoogleErrors}. In dry-run no token is fetched: the recorded header is redacted either way.
 */
public final class GoogleDestination extends PlatformDestination<GoogleConfig, GoogleRequests> {

    private final AccessTokenProvider tokens;

    public GoogleDestination(GoogleConfig config, AccessTokenProvider tokens, Mode mode, Transport transport, RequestLog log,
                             Clock clock) {
        super(Platform.GOOGLE, "a Google user list id", 20, config.policy(), config.rules(), config, new GoogleRequests(config),
                new Exchange(mode, transport, log, clock));
        this.tokens = Objects.requireNonNull(tokens, "tokens");
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

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.conversionActionId() == null) {
            throw new IllegalStateException("no conversion action configured: Google's events need one");
        }
        Prepared<ObjectNode> p = prepareEvents(events, Json::bytes, (e, keys, d) -> {
            ObjectNode node = requests.event(e, keys, d);
            return Rows.one(node, node.has("userData") || node.has("adIdentifiers"),
                    "neither user identifiers nor a Google click id");
        });
        return deliver(p, requests.eventsFraming(), config.limits().events(), requests::events);
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
