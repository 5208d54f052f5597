package io.rebound.destinations.tiktok;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.activation.BatchLimits;
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

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * TikTok: customer-file audiences and the Events API. A list change is two requests per batch: the
 * file upload, then the audience update naming the uploaded file's path (TikTok creates an audience
 * only from a file, so creation needs members). In dry-run the upload is not sent and so has no path:
 * the recorded update names {@code dry-run:{file MD5}} in its place — the one place a dry-run
 * request differs from live, and only in that value.
 */
public final class TikTokDestination extends PlatformDestination<TikTokConfig, TikTokRequests> {

    static final String DRY_RUN_PATH = "dry-run:";

    public TikTokDestination(TikTokConfig config, Mode mode, Transport transport, RequestLog log, Clock clock) {
        super("a TikTok custom audience id", 30, config, new TikTokRequests(config),
                new Exchange(mode, transport, log, clock));
    }

    private Prepared<String> prepare(List<Member> members, boolean remove) {
        return prepareMembers(members, remove, h -> new byte[TikTokRequests.lineBytes(h)],
                (m, keys, d) -> Rows.of(requests.fileRows(keys), "no " + (config.calculateType().startsWith("PHONE") ? "phone" : "email")
                        + " for this TikTok audience"));
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
        return createFromFirstBatch(prepare(seed, false), "TikTok creates an audience only from a file: no uploadable member",
                requests.uploadFraming(), config.limits().customerList(), firstRows -> {
                    Object path = upload(firstRows);
                    if (path instanceof Outcome o) {
                        return new Created(null, o);
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
                        return new Created(null, created);
                    }
                    return new Created(AudienceRef.of(Platform.TIKTOK, id[0]), created);
                }, (ref, rows) -> deliver(ref, rows, List.of(), false));
    }

    @Override
    protected SyncReport change(AudienceRef audience, List<Member> members, boolean remove) {
        Prepared<String> p = prepare(members, remove);
        return deliver(audience, p.rows(), p.skipped(), remove);
    }

    @Override
    public boolean supportsReplace() {
        return true;
    }

    /**
     * One file holding every row, then {@code /update/} with {@code action: REPLACE} naming it: TikTok
     * documents REPLACE per update and not how several files of one replace would combine, so the whole
     * list goes as one file, within Rebound's 10,000 rows per file; a longer list is
     * {@link #REPLACE_UNAVAILABLE} (reconciled by a diff). An upload or update that fails leaves the
     * audience as it was.
     */
    @Override
    public SyncReport replaceMembers(AudienceRef audience, List<Member> all) {
        Prepared<String> p = prepare(all, false);
        if (p.rows().isEmpty()) {
            return unavailable(p, "TikTok replaces an audience only from a file: no member to put in one");
        }
        int maxRows = config.limits().customerList().maxRows();
        if (p.rows().size() > maxRows) {
            return unavailable(p, p.rows().size() + " rows do not fit one file of at most " + maxRows);
        }
        BatchLimits oneFile = new BatchLimits(maxRows, BatchLimits.NO_BYTE_LIMIT);
        return Deliveries.deliver(p.rows(), p.skipped(), requests.uploadFraming(), oneFile, "too large for one file", batch -> {
            Object path = upload(batch);
            if (path instanceof Outcome o) {
                return o;
            }
            Response r = exchange.execute(requests.replace(audience.id(), (String) path));
            return r instanceof Response.NotSent ? new Outcome.Recorded()
                    : TikTokErrors.classify(r, data -> new Outcome.Accepted("replaced " + audience.id()));
        });
    }

    /** Each batch is a file upload and then the audience update naming the file. */
    private SyncReport deliver(AudienceRef audience, List<Row<String>> rows, List<SyncReport.Skip> skipped, boolean remove) {
        return Deliveries.deliver(rows, skipped, requests.uploadFraming(), config.limits().customerList(), "too large for one file",
                batch -> {
                    Object path = upload(batch);
                    if (path instanceof Outcome o) {
                        return o;
                    }
                    Response r = exchange.execute(requests.update(audience.id(), (String) path, remove));
                    return r instanceof Response.NotSent ? new Outcome.Recorded()
                            : TikTokErrors.classify(r, data -> new Outcome.Accepted("updated " + audience.id()));
                });
    }

    @Override
    public SyncReport sendEvents(List<ServerEvent> events, Instant now) {
        if (config.pixelCode() == null) {
            throw new IllegalStateException("no pixel code configured: TikTok's Events API needs one");
        }
        Prepared<ObjectNode> p = prepareEvents(events, Json::bytes, (e, keys, d) -> {
            ObjectNode node = requests.event(e, keys, d);
            return Rows.one(node, !node.path("user").isEmpty(), "nothing to match on (no email, phone, external id, ttclid, ttp, ip)");
        });
        return Deliveries.deliver(exchange, p.rows(), p.skipped(), requests.eventsFraming(), config.limits().events(),
                batch -> requests.events(batch.stream().map(Row::value).toList()),
                (response, batch) -> TikTokErrors.classify(response, data -> new Outcome.Accepted("code 0")));
    }
}
