package io.rebound.destinations.tiktok;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.ConsentDecision.Purpose;
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
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.internal.Deliveries;
import io.rebound.destinations.internal.Deliveries.Row;
import io.rebound.destinations.internal.Exchange;
import io.rebound.destinations.internal.Json;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * TikTok: customer-file audiences and the Events API. A list change is two requests per batch: the
 * file upload, then the audience update naming the uploaded file's path (TikTok creates an audience
 * only from a file, so creation needs members). In dry-run the upload is not sent and so has no path:
 * the recorded update names {@code dry-run:{file MD5}} in its place — the one place a dry-run
 * request differs from live, and only in that value.
 */
public final class TikTokDestination implements Destination {

    static final String DRY_RUN_PATH = "dry-run:";

    private final TikTokConfig config;
    private final TikTokRequests requests;
    private final Exchange exchange;

    public TikTokDestination(TikTokConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        this.config = config;
        this.requests = new TikTokRequests(config);
        this.exchange = new Exchange(mode, transport, log, clock);
    }

    @Override
    public Platform platform() {
        return Platform.TIKTOK;
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
    public AudienceRef linkAudience(String id) {
        if (id == null || !id.matches("[0-9]{1,30}")) {
            throw new IllegalArgumentException("a TikTok custom audience id is digits, got " + id);
        }
        return AudienceRef.of(Platform.TIKTOK, id);
    }

    private record Prepared(List<Row<String>> rows, List<SyncReport.Skip> skipped) {
    }

    private Prepared prepare(List<Member> members, Purpose purpose) {
        List<Row<String>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            ConsentDecision d = ConsentDecision.decide(m.consent(), config.policy(), purpose);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            List<String> hashes = requests.fileRows(config.rules().keys(m.contact()));
            if (hashes.isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "no " + (config.calculateType().startsWith("PHONE") ? "phone" : "email")
                        + " for this TikTok audience"));
            }
            for (String h : hashes) {
                rows.add(new Row<>(i, new byte[TikTokRequests.lineBytes(h)], h));
            }
        }
        return new Prepared(rows, skipped);
    }

    /** Uploads one file; the outcome, and the file path when it was uploaded (or recorded). */
    private Object upload(List<Row<String>> batch) {
        WireRequest upload = requests.upload(batch.stream().map(Row::value).toList());
        Response r = exchange.execute(upload);
        if (r instanceof Response.NotSent) {
            return DRY_RUN_PATH + TikTokRequests.md5(TikTokRequests.file(batch.stream().map(Row::value).toList()));
        }
        String[] path = new String[1];
        Outcome o = TikTokErrors.classify(r, data -> {
            path[0] = data.path("file_path").asText(null);
            return path[0] == null ? new Outcome.GiveUp("no-file-path", "TikTok answered without a file_path", List.of())
                    : new Outcome.Accepted("file_path=" + path[0]);
        });
        return o.applied() ? path[0] : o;
    }

    @Override
    public AudienceResult createAudience(String name, List<Member> seed) {
        Prepared p = prepare(seed, Purpose.ADD_TO_LIST);
        if (p.rows().isEmpty()) {
            Outcome none = new Outcome.GiveUp("empty", "TikTok creates an audience only from a file: no uploadable member", List.of());
            return new AudienceResult(null, new SyncReport(List.of(), p.skipped(), List.of()), none);
        }
        BatchPlanner.Plan plan = plan(p.rows());
        BatchPlanner.Batch first = plan.batches().get(0);
        List<Row<String>> firstRows = p.rows().subList(first.from(), first.to());
        List<Integer> firstInputs = firstRows.stream().map(Row::input).distinct().toList();
        Object path = upload(firstRows);
        if (path instanceof Outcome o) {
            return new AudienceResult(null, new SyncReport(List.of(new SyncReport.Delivery(firstInputs, o)), p.skipped(),
                    List.of()), o);
        }
        Response r = exchange.execute(requests.create(name, (String) path));
        String[] id = new String[1];
        Outcome created = r instanceof Response.NotSent ? new Outcome.Recorded() : TikTokErrors.classify(r, data -> {
            id[0] = data.path("custom_audience_id").asText(null);
            return id[0] == null ? new Outcome.GiveUp("no-id", "TikTok answered without a custom_audience_id", List.of())
                    : new Outcome.Accepted("custom_audience_id=" + id[0]);
        });
        if (created instanceof Outcome.Recorded) {
            id[0] = "dry-run";
        } else if (!created.applied()) {
            return new AudienceResult(null, new SyncReport(List.of(new SyncReport.Delivery(firstInputs, created)), p.skipped(),
                    List.of()), created);
        }
        AudienceRef ref = AudienceRef.of(Platform.TIKTOK, id[0]);
        SyncReport rest = deliver(ref, p.rows().subList(first.to(), p.rows().size()), List.of(), false);
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        deliveries.add(new SyncReport.Delivery(firstInputs, created));
        deliveries.addAll(rest.deliveries());
        return new AudienceResult(ref, new SyncReport(deliveries, p.skipped(), rest.notAttempted()), created);
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

    private BatchPlanner.Plan plan(List<Row<String>> rows) {
        return BatchPlanner.plan(rows.size(), i -> rows.get(i).encoded().length, requests.uploadFraming(),
                config.limits().customerList());
    }

    private SyncReport deliver(AudienceRef audience, List<Row<String>> rows, List<SyncReport.Skip> skipped, boolean remove) {
        BatchPlanner.Plan plan = plan(rows);
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        List<Integer> notAttempted = new ArrayList<>();
        List<SyncReport.Skip> skips = new ArrayList<>(skipped);
        plan.oversized().forEach(i -> skips.add(new SyncReport.Skip(rows.get(i).input(), "too large for one file")));
        boolean stopped = false;
        for (BatchPlanner.Batch b : plan.batches()) {
            List<Row<String>> batch = rows.subList(b.from(), b.to());
            List<Integer> inputs = batch.stream().map(Row::input).distinct().toList();
            if (stopped) {
                notAttempted.addAll(inputs);
                continue;
            }
            Object path = upload(batch);
            Outcome outcome;
            if (path instanceof Outcome o) {
                outcome = o;
            } else {
                Response r = exchange.execute(requests.update(audience.id(), (String) path, remove));
                outcome = r instanceof Response.NotSent ? new Outcome.Recorded()
                        : TikTokErrors.classify(r, data -> new Outcome.Accepted("updated " + audience.id()));
            }
            deliveries.add(new SyncReport.Delivery(inputs, outcome));
            stopped = !outcome.applied();
        }
        return new SyncReport(deliveries, skips, notAttempted.stream().distinct().toList());
    }

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.pixelCode() == null) {
            throw new IllegalStateException("no pixel code configured: TikTok's Events API needs one");
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
            ObjectNode node = requests.event(e, config.rules().keys(e.contact()));
            if (node.path("user").isEmpty()) {
                skipped.add(new SyncReport.Skip(i, "nothing to match on (no email, phone, external id, ttclid, ttp, ip)"));
                continue;
            }
            rows.add(new Row<>(i, Json.bytes(node), node));
        }
        return Deliveries.deliver(exchange, rows, skipped, requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> TikTokErrors.classify(response, data -> new Outcome.Accepted("code 0")));
    }
}
