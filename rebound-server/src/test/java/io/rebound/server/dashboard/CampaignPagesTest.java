package io.rebound.server.dashboard;

import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.email.CapturedMailbox;
import io.rebound.server.email.EmailFlows;
import io.rebound.server.email.EmailSettings;
import io.rebound.server.email.JdbcEmailQueue;
import io.rebound.server.email.UnsubscribeTokens;
import io.rebound.server.json.Json;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Campaigns pages over a real HTTP server and real storage: a campaign created from a segment
 * template (the segment made with it), a refused form that leaves nothing behind, the detail page's
 * audience, creative preview from the catalog, timeline, caps and holdout, the codes issued and the
 * emails the flow captured into the local mailbox, pause and delete, and another tenant's campaign.
 */
class CampaignPagesTest {
    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created shop;
    DashboardHarness.Browser b;
    String base;
    int seq;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long owner = h.dashboard.users().create("owner@example.com", "owner password 1").id();
        shop = h.stores.create("Mat shop", false);
        h.dashboard.users().addMember(owner, shop.store().id());
        base = "/dashboard/stores/" + shop.store().id();
        b = h.browser();
        b.signIn("owner@example.com", "owner password 1");
        JdbcCatalog catalog = new JdbcCatalog(h.database.dataSource(), h.clock);
        for (String[] p : List.of(new String[]{"yoga-mat", "Everyday Yoga Mat", "68.00"},
                new String[]{"yoga-block", "Foam Yoga Block", "18.00"}, new String[]{"carry-strap", "Mat Carry Strap", "16.00"})) {
            catalog.upsert(shop.store().id(), CatalogProduct.builder(p[0]).title(p[1]).description(p[1])
                    .link("https://shop.example/products/" + p[0]).imageLink("https://shop.example/images/" + p[0] + ".svg")
                    .price(new BigDecimal(p[2]), "USD").availability(Availability.IN_STOCK).build());
        }
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void view(String visitor, String email, EventType type) throws InterruptedException {
        Instant t = h.clock.instant();
        Event.Builder e = Event.builder(shop.store().id(), "e" + (++seq), type, t, t).anonymousId(visitor)
                .products(List.of(Product.of("yoga-mat")));
        if (email != null) {
            e.emailHash(Pii.emailSha256(email));
        }
        h.append(e.build());
    }

    private Map<String, String> seedForm() {
        Map<String, String> form = new HashMap<>(CampaignForms.DEFAULTS);
        form.put("name", "Yoga mat viewers");
        form.put("template", "product_viewers");
        form.put("days", "14");
        form.put("product_id", "yoga-mat");
        form.put("products", "yoga-mat, yoga-block, carry-strap");
        form.put("headline", "Still thinking about it?");
        form.put("email", "on");
        form.put("_csrf", b.csrf);
        return form;
    }

    @Test
    void aCampaignMadeFromATemplateShowsItsAudienceCreativeSequenceCapsAndHoldout() throws Exception {
        view("v1", null, EventType.VIEW_CONTENT);
        view("v2", null, EventType.VIEW_CONTENT);
        view("v2", null, EventType.ADD_TO_CART);
        assertThat(b.get(base + "/campaigns").body()).contains("data-testid=\"no-campaigns\"")
                .contains("Product viewers: Viewed a product and did not add it to the cart.");

        HttpResponse<String> r = b.post(base + "/campaigns", seedForm());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(base + "/campaigns/cmp_");
        assertThat(h.audiencesPort.segments(shop.store().id())).singleElement()
                .satisfies(s -> assertThat(s.definition().name()).contains("yoga-mat"));
        String segmentId = h.audiencesPort.segments(shop.store().id()).getFirst().id();
        h.audiences.backfillDone(shop.store().id(), segmentId).join();

        String page = b.get(location).body();
        assertThat(page).contains("data-testid=\"flash\">Created “Yoga mat viewers”")
                .contains("data-testid=\"campaign-status\">active")
                .contains("Product viewers without add-to-cart (14 days) — yoga-mat")
                .containsPattern("data-testid=\"audience-size\">1<")
                .contains("data-testid=\"holdout\">10 % of members")
                .contains("data-testid=\"cap\">3 touches per person per day")
                .contains("data-testid=\"channel-email\">reminder touches");
        // The timeline: a reminder at once, then 10 % off orders over $50 three days later.
        assertThat(page).containsPattern("data-testid=\"timeline-touch\" data-kind=\"reminder\"><strong>Touch 1</strong>, at once")
                .containsPattern("data-kind=\"offer\"><strong>Touch 2</strong>, 3 days after joining: 10 % off orders over \\$50.00, code valid 48 h");
        // The creative preview: each touch's three products with title, price and image from the catalog.
        assertThat(page.split("data-testid=\"creative-product\" data-product=\"yoga-mat\"", -1)).hasSize(3);
        assertThat(page).contains("Everyday Yoga Mat").contains("$68.00").contains("Foam Yoga Block").contains("$18.00")
                .contains("Mat Carry Strap").contains("$16.00")
                .contains("src=\"https://shop.example/images/carry-strap.svg\"")
                .contains("data-testid=\"creative-headline\">Still thinking about it?")
                .contains("data-testid=\"no-codes\"").contains("data-testid=\"no-emails\"");
        assertThat(b.get(base + "/campaigns").body()).contains("data-testid=\"campaign-row\"")
                .contains(">Yoga mat viewers</a>");
    }

    @Test
    void aRefusedFormNamesEachFieldAndCreatesNeitherSegmentNorCampaign() throws Exception {
        b.get(base + "/campaigns");
        Map<String, String> form = seedForm();
        form.put("offer_percent", "95");
        form.put("holdout_percent", "70");
        form.put("cap", "lots");
        HttpResponse<String> r = b.post(base + "/campaigns", form);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-cap\">Enter a number");
        form.put("cap", "3");
        r = b.post(base + "/campaigns", form);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-offer_percent\">must be a whole number from 1 to 90")
                .contains("data-testid=\"error-holdout_percent\">")
                .containsPattern("name=\"offer_percent\" type=\"number\" min=\"1\" max=\"90\" value=\"95\" aria-invalid=\"true\"");
        form.put("offer_percent", "10");
        form.put("holdout_percent", "10");
        form.put("products", "");
        form.put("product_id", "");
        r = b.post(base + "/campaigns", form);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-products\">Name the products");
        form.put("products", "yoga-mat");
        form.put("onsite", "");
        form.put("email", "");
        r = b.post(base + "/campaigns", form);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-channels\">");
        assertThat(new JdbcCampaigns(h.database.dataSource(), h.clock).list(shop.store().id())).isEmpty();
        assertThat(h.audiencesPort.segments(shop.store().id())).isEmpty();
    }

    @Test
    void theCodesIssuedAndTheEmailsCapturedInTheMailboxAreListed() throws Exception {
        String segment = h.audiencesPort.createSegment(shop.store().id(),
                SegmentTemplates.productViewers(14, new SegmentTemplates.Scope("yoga-mat", null)), "product_viewers").id();
        h.audiences.backfillDone(shop.store().id(), segment).join();
        JdbcCampaigns campaigns = new JdbcCampaigns(h.database.dataSource(), h.clock);
        CampaignRecord c = campaigns.create(shop.store().id(), CampaignDefinitions.parse(Json.readUntrustedObject("""
                {"name": "Yoga mat viewers", "segment_id": "%s", "channels": {"email": true, "onsite": true},
                 "touches": [{"after_hours": 0, "creative": {"products": ["yoga-mat", "yoga-block"], "headline": "Still thinking about it?"}},
                             {"after_hours": 72, "creative": {"products": "segment", "headline": "10 %% off"},
                              "offer": {"percent": 10, "minimum_order": {"amount": 50, "currency": "USD"}, "expires_hours": 48}}],
                 "holdout_percent": 0}""".formatted(segment))));
        JdbcEmailQueue queue = new JdbcEmailQueue(h.database.dataSource());
        queue.putSubscriber(shop.store().id(), Pii.emailSha256("maya@example.com"), "maya@example.com", h.clock.instant());
        view("maya", "maya@example.com", EventType.VIEW_CONTENT);
        CapturedMailbox mailbox = new CapturedMailbox(h.database.dataSource(), "shop@mat.example", h.clock);
        EmailSettings settings = new EmailSettings(null, 0, null, null, false, "shop@mat.example", Duration.ofHours(16),
                URI.create("https://rebound.mat.example"), Duration.ofSeconds(10));
        EmailFlows flows = new EmailFlows(queue, campaigns, new JdbcOffers(h.database.dataSource()),
                new JdbcCatalog(h.database.dataSource(), h.clock), h.audiencesPort, ComplementaryProducts.CREATIVE, mailbox,
                new UnsubscribeTokens(queue.tokenKey()), settings, h.clock);
        assertThat(flows.runOnce()).as("the reminder, into the mailbox").isEqualTo(1);
        String person = h.audiencesPort.reader().personOf(shop.store().id(), "maya").orElseThrow();
        new JdbcOffers(h.database.dataSource()).issue(c.id(), shop.store().id(), person, 1, 10, h.clock.instant(),
                h.clock.instant().plus(Duration.ofHours(48)));

        String page = b.get(base + "/campaigns/" + c.id()).body();
        assertThat(page).contains("data-testid=\"code-in-shop\">Rebound only")
                .contains("data-testid=\"code\">RB-").containsPattern("data-testid=\"count-entered\">1<")
                .containsPattern("data-testid=\"count-emails\">1<").containsPattern("data-testid=\"count-offered\">1<");
        assertThat(page).contains("data-testid=\"email-row\" data-state=\"sent\"")
                .contains("data-testid=\"email-to\">maya@example.com")
                .contains("data-testid=\"email-subject\">Still thinking about it?")
                .contains("Everyday Yoga Mat (68.00 USD): https://shop.example/products/yoga-mat")
                .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
                .contains("multipart/alternative");
        String html = page.replaceAll("(?s).*href=\"([^\"]+/mailbox/[0-9a-f]+)\".*", "$1");
        HttpResponse<String> mail = b.get(html);
        assertThat(mail.statusCode()).isEqualTo(200);
        assertThat(mail.headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'none'");
        assertThat(mail.body()).contains("<img src=\"https://shop.example/images/yoga-mat.svg\"").contains("Unsubscribe");
        assertThat(b.get(base + "/campaigns/" + c.id() + "/mailbox/0123abcd").statusCode()).isEqualTo(404);
    }

    @Test
    void thePeoplePerStepAreTheStatsCountsAndTheSectionReloadsThemLive() throws Exception {
        String segment = h.audiencesPort.createSegment(shop.store().id(),
                SegmentTemplates.productViewers(14, new SegmentTemplates.Scope("yoga-mat", null)), "product_viewers").id();
        h.audiences.backfillDone(shop.store().id(), segment).join();
        JdbcCampaigns campaigns = new JdbcCampaigns(h.database.dataSource(), h.clock);
        CampaignRecord c = campaigns.create(shop.store().id(), CampaignDefinitions.parse(Json.readUntrustedObject("""
                {"name": "Yoga mat viewers", "segment_id": "%s", "channels": {"email": true, "onsite": true},
                 "touches": [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "Still thinking about it?"}},
                             {"after_hours": 72, "creative": {"products": ["yoga-mat"], "headline": "10 %% off"},
                              "offer": {"percent": 10, "expires_hours": 48}}],
                 "holdout_percent": 0}""".formatted(segment))));
        JdbcEmailQueue queue = new JdbcEmailQueue(h.database.dataSource());
        queue.putSubscriber(shop.store().id(), Pii.emailSha256("maya@example.com"), "maya@example.com", h.clock.instant());
        queue.putSubscriber(shop.store().id(), Pii.emailSha256("ravi@example.com"), "ravi@example.com", h.clock.instant());
        view("maya", "maya@example.com", EventType.VIEW_CONTENT);
        view("ravi", "ravi@example.com", EventType.VIEW_CONTENT);
        view("noor", "noor@example.com", EventType.VIEW_CONTENT); // no consent: her send ends unsent
        CapturedMailbox mailbox = new CapturedMailbox(h.database.dataSource(), "shop@mat.example", h.clock);
        EmailSettings settings = new EmailSettings(null, 0, null, null, false, "shop@mat.example", Duration.ofHours(16),
                URI.create("https://rebound.mat.example"), Duration.ofSeconds(10));
        JdbcOffers offers = new JdbcOffers(h.database.dataSource());
        EmailFlows flows = new EmailFlows(queue, campaigns, offers, new JdbcCatalog(h.database.dataSource(), h.clock),
                h.audiencesPort, ComplementaryProducts.CREATIVE, mailbox, new UnsubscribeTokens(queue.tokenKey()),
                settings, h.clock);
        flows.runOnce();
        String maya = h.audiencesPort.reader().personOf(shop.store().id(), "maya").orElseThrow();

        String page = b.get(base + "/campaigns/" + c.id()).body();
        assertThat(page).contains("data-testid=\"people\"").contains("hx-get=\"" + base + "/campaigns/" + c.id() + "/people\"")
                .contains("hx-trigger=\"every 5s\"");
        JdbcOffers.People before = offers.people(c);
        assertThat(before.touches().get(0)).isEqualTo(new JdbcOffers.PeopleCounts(3, 2, 2, 0, 0, 1));
        assertThat(row(page, "1")).isEqualTo(List.of(3L, 2L, 0L, 0L, 1L, 2L));
        assertThat(row(page, "2")).isEqualTo(counts(before.touches().get(1)));
        assertThat(row(page, "all")).isEqualTo(counts(before.total()));

        // Maya is offered touch 2's code and redeems it: the section, reloaded alone, shows it.
        String code = offers.issue(c.id(), shop.store().id(), maya, 1, 10, h.clock.instant(),
                h.clock.instant().plus(Duration.ofHours(48))).code();
        assertThat(offers.redeem(shop.store().id(), code, "o-1", h.clock.instant())).isTrue();
        HttpResponse<String> section = b.get(base + "/campaigns/" + c.id() + "/people");
        assertThat(section.statusCode()).isEqualTo(200);
        assertThat(section.body()).startsWith("<section").doesNotContain("<html");
        JdbcOffers.People after = offers.people(c);
        assertThat(after.touches().get(1).offered()).isEqualTo(1);
        assertThat(after.touches().get(1).converted()).isEqualTo(1);
        assertThat(row(section.body(), "2")).isEqualTo(counts(after.touches().get(1)));
        assertThat(row(section.body(), "all")).isEqualTo(counts(after.total()));
        assertThat(row(section.body(), "all").get(2)).as("offered, the campaign").isEqualTo(1L);

        StoreRepository.Created other = h.stores.create("Other shop", false);
        long stranger = h.dashboard.users().create("other@example.com", "other password 1").id();
        h.dashboard.users().addMember(stranger, other.store().id());
        DashboardHarness.Browser b2 = h.browser();
        b2.signIn("other@example.com", "other password 1");
        assertThat(b2.get("/dashboard/stores/" + other.store().id() + "/campaigns/" + c.id() + "/people").statusCode())
                .isEqualTo(404);
    }

    /** A people row as shown: entered, reminded, offered, converted, exited, emailed. */
    private static List<Long> row(String html, String touch) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?s)data-testid=\"people-row\" data-touch=\""
                + touch + "\">(.*?)</tr>").matcher(html);
        assertThat(m.find()).as("people row " + touch).isTrue();
        java.util.regex.Matcher cell = java.util.regex.Pattern.compile(
                "data-testid=\"people-([a-z]+)\">(?:<strong>)?(\\d+)").matcher(m.group(1));
        Map<String, Long> cells = new HashMap<>();
        while (cell.find()) {
            cells.put(cell.group(1), Long.parseLong(cell.group(2)));
        }
        return List.of(cells.get("entered"), cells.get("reminded"), cells.get("offered"), cells.get("converted"),
                cells.get("exited"), cells.get("emailed"));
    }

    private static List<Long> counts(JdbcOffers.PeopleCounts p) {
        return List.of(p.entered(), p.reminded(), p.offered(), p.converted(), p.exited(), p.emailed());
    }

    @Test
    void pauseResumeAndDeleteAndAnotherTenantsCampaignIsNotFound() throws Exception {
        String segment = h.audiencesPort.createSegment(shop.store().id(),
                SegmentTemplates.productViewers(14, SegmentTemplates.Scope.STORE), "product_viewers").id();
        JdbcCampaigns campaigns = new JdbcCampaigns(h.database.dataSource(), h.clock);
        CampaignRecord c = campaigns.create(shop.store().id(), CampaignDefinitions.parse(Json.readUntrustedObject("""
                {"name": "Viewers", "segment_id": "%s", "channels": {"onsite": true},
                 "touches": [{"after_hours": 0, "creative": {"products": ["yoga-mat"], "headline": "Hello"}}]}"""
                .formatted(segment))));
        String page = base + "/campaigns/" + c.id();
        b.get(page);
        HttpResponse<String> r = b.post(page + "/pause", Map.of("_csrf", b.csrf));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(campaigns.get(shop.store().id(), c.id()).orElseThrow().status()).isEqualTo(CampaignRecord.Status.PAUSED);
        assertThat(b.get(page).body()).contains("data-testid=\"campaign-status\">paused");
        b.post(page + "/resume", Map.of("_csrf", b.csrf));
        assertThat(campaigns.get(shop.store().id(), c.id()).orElseThrow().status()).isEqualTo(CampaignRecord.Status.ACTIVE);

        StoreRepository.Created other = h.stores.create("Other shop", false);
        long stranger = h.dashboard.users().create("other@example.com", "other password 1").id();
        h.dashboard.users().addMember(stranger, other.store().id());
        DashboardHarness.Browser b2 = h.browser();
        b2.signIn("other@example.com", "other password 1");
        assertThat(b2.get(page).statusCode()).isEqualTo(404);
        assertThat(b2.get("/dashboard/stores/" + other.store().id() + "/campaigns/" + c.id()).statusCode()).isEqualTo(404);

        b.get(page);
        r = b.post(page + "/delete", Map.of("_csrf", b.csrf));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(campaigns.list(shop.store().id())).isEmpty();
        assertThat(b.get(page).statusCode()).isEqualTo(404);
    }
}
