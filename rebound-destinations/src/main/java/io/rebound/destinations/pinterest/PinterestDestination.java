package io.rebound.destinations.pinterest;

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
 * Pinterest: email customer lists (and the {@code CUSTOMER_LIST} audience ads target) and the
 * Conversions API. A list is created from its first batch of records (Pinterest takes no empty
 * list), then grows and shrinks by {@code PATCH}.
 */
public final class PinterestDestination extends PlatformDestination<PinterestConfig, PinterestRequests> {

    public PinterestDestination(PinterestConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        super("a Pinterest customer list id", 30, config, new PinterestRequests(config),
                new Exchange(mode, transport, log, clock));
    }

    private Prepared<String> prepare(List<Member> members, boolean remove) {
        if (config.apiToken() == null) {
            throw new IllegalStateException("no API token configured: Pinterest customer lists need one with ads:write");
        }
        return prepareMembers(members, remove, h -> new byte[h.length()],
                (m, keys, d) -> Rows.of(keys.emails(), "no email for a Pinterest EMAIL list"));
    }

    @Override
    public AudienceResult createAudience(String name, List<Member> seed) {
        return createFromFirstBatch(prepare(seed, false),
                "Pinterest creates a customer list only from records: no member with an email",
                requests.updateFraming(false), config.limits().customerList(), firstRows -> {
                    String[] listId = new String[1];
                    Outcome created = created(exchange.execute(requests.createList(name,
                            firstRows.stream().map(Row::value).toList())), listId);
                    if (!created.applied()) {
                        return new Created(null, created);
                    }
                    String[] audienceId = new String[1];
                    Outcome audience = created(exchange.execute(requests.createAudience(name, listId[0])), audienceId);
                    return audience.applied() ? new Created(new AudienceRef(Platform.PINTEREST, listId[0], audienceId[0]), created)
                            : new Created(null, audience);
                }, (ref, rows) -> deliver(ref, rows, List.of(), false));
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
    protected SyncReport change(AudienceRef audience, List<Member> members, boolean remove) {
        Prepared<String> p = prepare(members, remove);
        return deliver(audience, p.rows(), p.skipped(), remove);
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
        Prepared<ObjectNode> p = prepareEvents(events, Json::bytes,
                (e, keys, d) -> keys.emails().isEmpty() && (e.ip() == null || e.userAgent() == null)
                        ? Rows.skip("Pinterest needs an email, or an IP address with a user agent")
                        : Rows.one(requests.event(e, keys, d)));
        return Deliveries.deliver(exchange, p.rows(), p.skipped(), requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> PinterestErrors.classify(response,
                        body -> PinterestErrors.events(body, i -> i < batch.size() ? batch.get(i).input() : null)));
    }
}
