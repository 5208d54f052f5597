package io.rebound.server.dashboard;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignProducts;
import io.rebound.core.campaign.Touch;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.store.Store;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.email.CapturedMailbox;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Campaigns in the dashboard, over the campaign store, the offers, the catalog and the email queue
 * (never the HTTP API):
 * <pre>
 * GET  /dashboard/stores/:store/campaigns                          list; a new campaign from a segment template
 * POST /dashboard/stores/:store/campaigns                          create (segment from the template, then campaign) → 303
 * GET  /dashboard/stores/:store/campaigns/:id                      audience, creative per touch, timeline, caps,
 *                                                                  holdout, counts per step, codes, emails sent
 * GET  /dashboard/stores/:store/campaigns/:id/people               the people per step (the page polls it)
 * POST /dashboard/stores/:store/campaigns/:id/pause|resume|delete
 * GET  /dashboard/stores/:store/campaigns/:id/mailbox/:message     a captured email's HTML part, as the recipient sees it
 * </pre>
 * Every route resolves the store through {@link StoreAccess} (404 for another tenant) and the campaign
 * within that store only.
 */
final class CampaignPages {
    static final String FLASH = "flash.campaigns";
    static final int CODES_LISTED = 100;
    /** Captured HTML is shown as the recipient would see it: images from anywhere, nothing that runs. */
    static final String MAIL_CSP = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
            + "frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

    private final StoreAccess access;
    private final Views views;
    private final Audiences audiences;
    private final SegmentModels segments;
    private final JdbcCampaigns campaigns;
    private final JdbcOffers offers;
    private final JdbcCatalog catalog;
    private final CapturedMailbox mailbox;
    private final Clock clock;
    private final int maxSegments;

    CampaignPages(StoreAccess access, Views views, SegmentModels segments, DataSource dataSource, Clock clock,
                  int maxSegments) {
        this.access = access;
        this.views = views;
        this.segments = segments;
        this.audiences = segments.runtime();
        this.campaigns = new JdbcCampaigns(dataSource, clock);
        this.offers = new JdbcOffers(dataSource);
        this.catalog = new JdbcCatalog(dataSource, clock);
        this.mailbox = new CapturedMailbox(dataSource, "shop@localhost", clock);
        this.clock = clock;
        this.maxSegments = maxSegments;
    }

    void mount(Router router) {
        String base = "/dashboard/stores/:store/campaigns";
        router.get(base).blockingHandler(access.withStore(this::list), false);
        router.post(base).blockingHandler(access.withStore(this::create), false);
        router.get(base + "/:id").blockingHandler(access.withItem(this::campaign, this::page), false);
        router.get(base + "/:id/people").blockingHandler(access.withItem(this::campaign, this::people), false);
        router.post(base + "/:id/pause").blockingHandler(access.withItem(this::campaign,
                (ctx, store, c) -> status(ctx, store, c, CampaignRecord.Status.PAUSED)), false);
        router.post(base + "/:id/resume").blockingHandler(access.withItem(this::campaign,
                (ctx, store, c) -> status(ctx, store, c, CampaignRecord.Status.ACTIVE)), false);
        router.post(base + "/:id/delete").blockingHandler(access.withItem(this::campaign, this::delete), false);
        router.get(base + "/:id/mailbox/:message").blockingHandler(access.withItem(this::campaign, this::mail), false);
    }

    private static String path(Store store) {
        return "/dashboard/stores/" + store.id() + "/campaigns";
    }

    // ---- list and create -----------------------------------------------------------------------

    private void list(RoutingContext ctx, Store store) {
        renderList(ctx, 200, store, CampaignForms.DEFAULTS, Map.of());
    }

    private void renderList(RoutingContext ctx, int status, Store store, Map<String, String> values,
                            Map<String, String> errors) {
        Map<String, Object> m = access.model(ctx, store, "campaigns", "Campaigns");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (CampaignRecord c : campaigns.list(store.id())) {
            Map<String, Object> r = new HashMap<>();
            r.put("id", c.id());
            r.put("name", c.definition().name());
            r.put("status", c.status().json());
            r.put("segment", audiences.segment(store.id(), c.definition().segmentId())
                    .map(s -> s.definition().name()).orElse(c.definition().segmentId()));
            r.put("touches", c.definition().touches().size());
            r.put("holdout", percent(c.definition().holdoutBasisPoints()));
            r.put("codes", offers.stats(c.id()).offersIssued().values().stream().mapToLong(Long::longValue).sum());
            r.put("emails", mailbox.counts(c.id()).values().stream()
                    .mapToLong(states -> states.getOrDefault("sent", 0L)).sum());
            rows.add(r);
        }
        m.put("rows", rows);
        m.put("templates", SegmentForms.TEMPLATES.stream().filter(t -> t.hasDays()).toList());
        m.put("segments", audiences.segments(store.id()).stream()
                .map(s -> Map.of("id", s.id(), "name", s.definition().name())).toList());
        m.put("values", values);
        m.put("errors", errors);
        m.put("max", JdbcCampaigns.MAX_PER_STORE);
        m.put("flash", ctx.session() == null ? null : ctx.session().remove(FLASH));
        views.page(ctx, status, "campaigns", m);
    }

    private void create(RoutingContext ctx, Store store) {
        Map<String, String> values = CampaignForms.values(ctx.request().formAttributes());
        if (campaigns.list(store.id()).size() >= JdbcCampaigns.MAX_PER_STORE) {
            renderList(ctx, 409, store, values, Map.of("name", "This store has " + JdbcCampaigns.MAX_PER_STORE
                    + " campaigns, the most allowed: delete one first."));
            return;
        }
        // The segment: an existing one of the store, or one made from the template, but only once the
        // campaign itself is known to be valid (a refused form leaves nothing behind).
        Optional<SegmentRecord> existing = values.get("segment_id").isEmpty() ? Optional.empty()
                : audiences.segment(store.id(), values.get("segment_id"));
        if (!values.get("segment_id").isEmpty() && existing.isEmpty()) {
            renderList(ctx, 400, store, values, Map.of("segment_id", "Choose one of this store's segments."));
            return;
        }
        SegmentForms.Outcome template = null;
        if (existing.isEmpty()) {
            template = SegmentForms.template(values.get("template"), values.get("days"), values.get("product_id"), null);
            if (!template.ok()) {
                renderList(ctx, 400, store, values, template.errors());
                return;
            }
            if (audiences.segments(store.id()).size() >= maxSegments) {
                renderList(ctx, 409, store, values, Map.of("template", "This store has " + maxSegments
                        + " segments, the most allowed: pick an existing segment or delete one."));
                return;
            }
        }
        CampaignForms.Outcome outcome = CampaignForms.parse(values, existing.map(SegmentRecord::id).orElse("pending"));
        if (!outcome.ok()) {
            renderList(ctx, 400, store, values, outcome.errors());
            return;
        }
        String segmentId = existing.isPresent() ? existing.get().id()
                : audiences.createSegment(store.id(), template.definition(), template.template()).id();
        CampaignDefinition d = outcome.definition();
        CampaignRecord c = campaigns.create(store.id(), new CampaignDefinition(d.name(), segmentId, d.channels(),
                d.touches(), d.capPerPersonPerDay(), d.holdoutBasisPoints()));
        ctx.session().put(FLASH, "Created “" + c.definition().name() + "”: it is active.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store) + "/" + c.id()).end();
    }

    // ---- one campaign --------------------------------------------------------------------------

    private Optional<CampaignRecord> campaign(RoutingContext ctx, Store store) {
        Optional<CampaignRecord> c = campaigns.get(store.id(), ctx.pathParam("id"));
        if (c.isEmpty()) {
            views.error(ctx, 404, "Campaign not found", "There is no such campaign in this store.");
        }
        return c;
    }

    private void page(RoutingContext ctx, Store store, CampaignRecord c) {
        CampaignDefinition d = c.definition();
        Map<String, Object> m = access.model(ctx, store, "campaigns", d.name());
        Instant now = clock.instant();
        m.put("c", Map.of("id", c.id(), "name", d.name(), "status", c.status().json(),
                "createdAt", c.createdAt().toString(), "path", path(store) + "/" + c.id()));
        Optional<SegmentRecord> segment = audiences.segment(store.id(), d.segmentId());
        m.put("segment", segment.map(segments::row).orElse(null));
        m.put("segmentId", d.segmentId());
        m.put("channels", Map.of("email", d.channels().email(), "onsite", d.channels().onsite(),
                "placements", d.channels().placements() == null ? List.of() : d.channels().placements(),
                "ads", d.channels().ads().size()));
        m.put("cap", d.capPerPersonPerDay());
        m.put("holdout", percent(d.holdoutBasisPoints()));

        JdbcOffers.Stats stats = offers.stats(c.id());
        Map<Integer, Map<String, Long>> emails = mailbox.counts(c.id());
        SegmentDefinition segmentDefinition = segment.map(SegmentRecord::definition).orElse(null);
        List<Map<String, Object>> touches = new ArrayList<>();
        for (int i = 0; i < d.touches().size(); i++) {
            touches.add(touch(store, i, d.touches().get(i), segmentDefinition, stats, emails.getOrDefault(i, Map.of()),
                    d.channels().email()));
        }
        m.put("touches", touches);
        m.putAll(peopleModel(c, path(store) + "/" + c.id()));
        Map<String, Long> nothing = stats.decisions().getOrDefault(-1, Map.of());
        m.put("notShown", Map.of("holdout", nothing.getOrDefault("holdout", 0L),
                "converted", nothing.getOrDefault("converted", 0L), "capped", nothing.getOrDefault("capped", 0L),
                "notDue", nothing.getOrDefault("not_due", 0L)));
        m.put("decisions", stats.decisions().values().stream().flatMap(x -> x.values().stream())
                .mapToLong(Long::longValue).sum());

        List<Map<String, Object>> codes = new ArrayList<>();
        for (JdbcOffers.Code code : offers.codes(c.id(), CODES_LISTED)) {
            codes.add(Map.of("code", code.code(), "touch", code.touch() + 1, "percent", code.percent(),
                    "person", code.personId(), "issuedAt", code.issuedAt().toString(),
                    "expiresAt", code.expiresAt().toString(), "active", code.expiresAt().isAfter(now),
                    "inShop", code.storeState() == null ? "Rebound only" : switch (code.storeState()) {
                        case "created" -> "created";
                        case "dry_run" -> "dry-run (recorded)";
                        default -> code.storeState();
                    }));
        }
        m.put("codes", codes);
        List<Map<String, Object>> sends = new ArrayList<>();
        for (CapturedMailbox.Send s : mailbox.sends(store.id(), c.id())) {
            Map<String, Object> row = new HashMap<>();
            row.put("person", s.personId());
            row.put("touch", s.step() + 1);
            row.put("state", s.state());
            row.put("at", (s.sentAt() != null ? s.sentAt() : s.dueAt()).toString());
            s.captured().ifPresent(mail -> {
                row.put("to", mail.to());
                row.put("subject", mail.subject());
                row.put("text", mail.text());
                row.put("raw", mail.raw());
                row.put("html", path(store) + "/" + c.id() + "/mailbox/" + mailPath(mail.messageId()));
            });
            sends.add(row);
        }
        m.put("sends", sends);
        m.put("flash", ctx.session() == null ? null : ctx.session().remove(FLASH));
        views.page(ctx, 200, "campaign", m);
    }

    /** The people section alone: the campaign page reloads it every few seconds. */
    private void people(RoutingContext ctx, Store store, CampaignRecord c) {
        views.page(ctx, 200, "campaign-people", peopleModel(c, path(store) + "/" + c.id()));
    }

    /**
     * Distinct people per step, the same counts as {@code GET …/campaigns/{id}/stats}'s {@code people}
     * ({@link JdbcOffers#people(CampaignRecord)}): a row per touch and the campaign's total.
     */
    private Map<String, Object> peopleModel(CampaignRecord c, String campaignPath) {
        JdbcOffers.People people = offers.people(c);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Touch> touches = c.definition().touches();
        for (int i = 0; i < touches.size(); i++) {
            Map<String, Object> row = peopleRow(people.touches().get(i));
            row.put("label", "Touch " + (i + 1) + " · " + (touches.get(i).isReminder() ? "reminder" : "offer"));
            row.put("touch", String.valueOf(i + 1));
            rows.add(row);
        }
        Map<String, Object> total = peopleRow(people.total());
        total.put("label", "The campaign (each person once)");
        total.put("touch", "all");
        return Map.of("people", rows, "peopleTotal", total, "peoplePath", campaignPath + "/people",
                "peopleAt", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    }

    private static Map<String, Object> peopleRow(JdbcOffers.PeopleCounts p) {
        Map<String, Object> m = new HashMap<>();
        m.put("entered", p.entered());
        m.put("emailed", p.emailed());
        m.put("reminded", p.reminded());
        m.put("offered", p.offered());
        m.put("converted", p.converted());
        m.put("exited", p.exited());
        return m;
    }

    private Map<String, Object> touch(Store store, int i, Touch t, SegmentDefinition segment, JdbcOffers.Stats stats,
                                      Map<String, Long> emails, boolean emailChannel) {
        Map<String, Object> m = new HashMap<>();
        m.put("number", i + 1);
        long hours = t.afterJoining().toHours();
        m.put("after", hours == 0 ? "at once" : hours % 24 == 0 ? (hours / 24) + (hours == 24 ? " day" : " days") + " after joining"
                : hours + " h after joining");
        m.put("afterHours", hours);
        m.put("kind", t.isReminder() ? "reminder" : "offer");
        m.put("headline", t.creative().headline());
        List<String> ids = segment == null && t.creative().segmentProducts() ? List.of()
                : CampaignProducts.of(t.creative(), segment);
        List<Map<String, Object>> products = new ArrayList<>();
        for (String id : ids) {
            Map<String, Object> p = new HashMap<>();
            p.put("id", id);
            catalog.get(store.id(), id).ifPresentOrElse(e -> {
                p.put("title", e.product().title());
                p.put("price", e.product().price() == null ? "" : money(e.product().price(), e.product().currency()));
                p.put("image", e.product().imageLink());
                p.put("link", e.product().link());
            }, () -> p.put("missing", true));
            products.add(p);
        }
        m.put("products", products);
        if (t.offer() != null) {
            Map<String, Object> o = new HashMap<>();
            o.put("percent", t.offer().percent());
            o.put("minimum", t.offer().minimumOrder() == null ? null
                    : money(t.offer().minimumOrder(), t.offer().currency()));
            o.put("expiresHours", t.offer().expiresHours());
            o.put("minMargin", t.offer().minMarginPercent());
            m.put("offer", o);
        }
        Map<String, Long> reasons = stats.decisions().getOrDefault(i, Map.of());
        long onSite = reasons.values().stream().mapToLong(Long::longValue).sum();
        long sent = emails.getOrDefault("sent", 0L);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("entered", emails.values().stream().mapToLong(Long::longValue).sum());
        counts.put("shownOnSite", onSite);
        counts.put("emailsSent", sent);
        counts.put("reminded", t.isReminder() ? onSite + sent : reasons.getOrDefault("offer_expired", 0L)
                + reasons.getOrDefault("serial_abandoner", 0L) + reasons.getOrDefault("margin_guard", 0L)
                + reasons.getOrDefault("other_offer_active", 0L));
        counts.put("offered", stats.offersIssued().getOrDefault(i, 0L));
        counts.put("exited", emails.getOrDefault("exited", 0L));
        counts.put("waiting", emails.getOrDefault("queued", 0L) + emails.getOrDefault("sending", 0L));
        counts.put("emailed", emailChannel && t.isReminder());
        m.put("counts", counts);
        m.put("reasons", reasons.entrySet().stream().map(e -> Map.of("reason", e.getKey(), "count", e.getValue())).toList());
        return m;
    }

    private void status(RoutingContext ctx, Store store, CampaignRecord c, CampaignRecord.Status status) {
        campaigns.setStatus(store.id(), c.id(), status);
        ctx.session().put(FLASH, status == CampaignRecord.Status.PAUSED
                ? "Paused: nothing is shown or emailed until you resume it." : "Resumed.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store) + "/" + c.id()).end();
    }

    private void delete(RoutingContext ctx, Store store, CampaignRecord c) {
        campaigns.delete(store.id(), c.id());
        ctx.session().put(FLASH, "Deleted “" + c.definition().name() + "” with its codes and counts.");
        Views.secure(ctx).setStatusCode(303).putHeader("Location", path(store)).end();
    }

    /** A captured email's HTML part, under a policy that lets its images load and nothing run. */
    private void mail(RoutingContext ctx, Store store, CampaignRecord c) {
        String wanted = ctx.pathParam("message");
        // Only a message of this campaign's sends: the list is the store's and campaign's own.
        Optional<CapturedMailbox.Captured> mail = mailbox.sends(store.id(), c.id()).stream()
                .flatMap(s -> s.captured().stream()).filter(x -> mailPath(x.messageId()).equals(wanted)).findFirst();
        if (mail.isEmpty()) {
            views.error(ctx, 404, "Email not found", "This campaign's mailbox holds no such email.");
            return;
        }
        Views.secure(ctx).putHeader("Content-Security-Policy", MAIL_CSP).putHeader("X-Frame-Options", "SAMEORIGIN")
                .putHeader("Content-Type", "text/html; charset=utf-8").end(mail.get().html());
    }

    /** The Message-ID's local part ({@code <hex@rebound.email>} → hex), for URLs. */
    static String mailPath(String messageId) {
        String s = messageId.startsWith("<") ? messageId.substring(1) : messageId;
        int at = s.indexOf('@');
        return at < 0 ? s : s.substring(0, at);
    }

    static String percent(int basisPoints) {
        return basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100)
                : BigDecimal.valueOf(basisPoints, 2).stripTrailingZeros().toPlainString();
    }

    static String money(BigDecimal amount, String currency) {
        String value = amount.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
        return "USD".equals(currency) ? "$" + value : value + " " + (currency == null ? "" : currency.toUpperCase(Locale.ROOT));
    }
}
