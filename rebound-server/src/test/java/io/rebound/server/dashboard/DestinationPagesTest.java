package io.rebound.server.dashboard;

import io.rebound.core.activation.Platform;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.destinations.Mode;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.server.activation.DestinationSettings;
import io.rebound.server.activation.JdbcDestinations;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The destination pages and the segment page's destinations over a real HTTP server, real storage and a
 * started {@code Activation}: connect (refused inline by field, nothing stored; accepted, the secret never
 * shown again), edit and replace a secret, the test path in dry-run, recorded requests, remove, and sync
 * toggled from the segment page.
 */
class DestinationPagesTest {
    private static final String TOKEN = "EAAB-meta-secret-token-9876";

    @TempDir
    Path dir;
    DashboardHarness h;
    StoreRepository.Created shop;
    DashboardHarness.Browser b;
    String base;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        long owner = h.dashboard.users().create("owner@example.com", "owner password 1").id();
        shop = h.stores.create("Mat shop", false);
        h.dashboard.users().addMember(owner, shop.store().id());
        base = "/dashboard/stores/" + shop.store().id();
        b = h.browser();
        b.signIn("owner@example.com", "owner password 1");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        Map<String, String> all = new HashMap<>(form);
        all.put("_csrf", b.csrf);
        return b.post(path, all);
    }

    private HttpResponse<String> htmxPost(String path, Map<String, String> form) throws Exception {
        StringBuilder body = new StringBuilder("_csrf=" + b.csrf);
        form.forEach((k, v) -> body.append('&').append(java.net.URLEncoder.encode(k, java.nio.charset.StandardCharsets.UTF_8))
                .append('=').append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        return b.http.send(HttpRequest.newBuilder(URI.create(h.base + path))
                .header("Content-Type", "application/x-www-form-urlencoded").header("HX-Request", "true")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Connects Meta through the form and returns the new destination's id. */
    private String connectMeta(String name) throws Exception {
        b.get(base + "/destinations");
        HttpResponse<String> r = post(base + "/destinations", Map.of("platform", "meta", "name", name, "mode", "dry_run",
                "config.ad_account_id", "act_1234567890", "config.pixel_id", "555000111", "config.access_token", TOKEN));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(base + "/destinations/ds_");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    @Test
    void badSettingsAreShownNextToTheirFieldAndNothingIsStored() throws Exception {
        b.get(base + "/destinations");
        HttpResponse<String> r = post(base + "/destinations", Map.of("platform", "meta", "name", "Meta ads",
                "config.ad_account_id", "12ab", "config.access_token", TOKEN));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-config.ad_account_id\"")
                .contains("id=\"c-meta-ad_account_id\" name=\"config.ad_account_id\"")
                .containsPattern("name=\"config.ad_account_id\"[^>]*value=\"12ab\"[^>]*aria-invalid=\"true\"")
                .contains("Ad account id")
                .doesNotContain(TOKEN);
        assertThat(r.body()).as("the failed platform's form is open").contains("data-testid=\"connect-meta\" open");

        r = post(base + "/destinations", Map.of("platform", "meta", "name", "Meta ads", "config.ad_account_id", "123"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-config.access_token\">Access token is required for meta.");

        r = post(base + "/destinations", Map.of("platform", "pinterest", "name", "", "api_base_url", "file:///etc",
                "config.ad_account_id", "549755885175", "config.api_token", "pina_x"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-name\"").contains("data-testid=\"error-api_base_url\"")
                .contains("data-testid=\"connect-pinterest\" open").doesNotContain("pina_x");

        r = post(base + "/destinations", Map.of("platform", "google", "name", "Google",
                "config.operating_account_id", "123-456-7890", "config.membership_days", "many"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-config.membership_days\">Membership duration (days) must be a whole number.");

        r = post(base + "/destinations", Map.of("platform", "myspace", "name", "x"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(h.activation.list(shop.store().id())).as("nothing stored").isEmpty();
        assertThat(b.get(base + "/destinations").body()).contains("data-testid=\"no-destinations\"");
    }

    @Test
    void everyFormFieldIsASettingThePlatformKnows() {
        for (Platform p : Platform.values()) {
            for (DestinationForms.Field f : DestinationForms.FIELDS.get(p)) {
                Object value = switch (f.kind()) {
                    case FLAG -> Boolean.TRUE;
                    case NUMBER -> 30L;
                    default -> "x";
                };
                try {
                    DestinationSettings.parse(p, Map.of(f.name(), value));
                } catch (DestinationSettings.InvalidSetting e) {
                    assertThat(e.getMessage()).as(p + " " + f.name()).doesNotContain("has no setting");
                }
            }
        }
    }

    @Test
    void aConnectedDestinationIsListedAndItsSecretIsNeverShownAgain() throws Exception {
        String id = connectMeta("Meta ads");
        HttpResponse<String> page = b.get(base + "/destinations/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("data-testid=\"destination-name\">Meta ads<").contains("Connected “Meta ads” in dry-run")
                .contains("data-testid=\"secret-access_token\">…9876<").contains("act_1234567890")
                .doesNotContain(TOKEN).doesNotContain("meta-secret");
        String list = b.get(base + "/destinations").body();
        assertThat(list).contains("data-testid=\"destination-row\" data-platform=\"meta\" data-mode=\"dry_run\"")
                .contains("data-testid=\"mode\" title=\"requests are built and recorded, nothing is sent\">dry-run")
                .contains("Meta ads").doesNotContain(TOKEN);
        await(() -> h.activation.runsHere(id));
        assertThat(b.get(base + "/destinations").body()).contains("data-testid=\"worker\">running");
        assertThat(b.get(base + "/destinations").body()).contains("data-testid=\"send-rate\"")
                .contains("list 0.0/min (5 min), 0.0/min (60 min)");
        JdbcDestinations.Record stored = h.activation.get(shop.store().id(), id).orElseThrow();
        assertThat(stored.mode()).isEqualTo(Mode.DRY_RUN);
        assertThat(stored.settings().secrets()).containsEntry("access_token", TOKEN);
    }

    @Test
    void editingKeepsABlankSecretAndReplacesATypedOneWithoutShowingEither() throws Exception {
        String id = connectMeta("Meta ads");
        String path = base + "/destinations/" + id;
        b.get(path);
        HttpResponse<String> r = post(path, Map.of("name", "Meta, renamed", "mode", "live",
                "config.ad_account_id", "act_1234567890", "config.pixel_id", "555000111", "config.access_token", ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        JdbcDestinations.Record kept = h.activation.get(shop.store().id(), id).orElseThrow();
        assertThat(kept.name()).isEqualTo("Meta, renamed");
        assertThat(kept.mode()).isEqualTo(Mode.LIVE);
        assertThat(kept.settings().secrets()).containsEntry("access_token", TOKEN);

        String replaced = "EAAB-new-token-abcd5555";
        b.get(path);
        r = post(path, Map.of("name", "Meta, renamed", "mode", "dry_run", "config.ad_account_id", "act_1234567890",
                "config.access_token", replaced));
        assertThat(r.statusCode()).isEqualTo(303);
        JdbcDestinations.Record changed = h.activation.get(shop.store().id(), id).orElseThrow();
        assertThat(changed.settings().secrets()).containsEntry("access_token", replaced);
        assertThat(changed.settings().settings()).as("a blank setting is removed").doesNotContainKey("pixel_id");
        String page = b.get(path).body();
        assertThat(page).contains("…5555").contains("placeholder=\"unchanged — ends …5555\"")
                .doesNotContain(replaced).doesNotContain(TOKEN);

        r = post(path, Map.of("name", "Meta, renamed", "config.ad_account_id", "not digits"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("data-testid=\"error-config.ad_account_id\"").contains("class=\"edit\" open");
        assertThat(h.activation.get(shop.store().id(), id).orElseThrow().settings().settings())
                .containsEntry("ad_account_id", "act_1234567890");
    }

    @Test
    void theTestButtonInDryRunShowsRecordedAndTheRequestIsListedRedacted() throws Exception {
        String id = connectMeta("Meta ads");
        String path = base + "/destinations/" + id;
        b.get(path);
        HttpResponse<String> refused = post(path + "/test", Map.of());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("data-result=\"not_testable\"").contains("Test event code");

        HttpResponse<String> ok = post(path + "/test", Map.of("test_event_code", "TEST4321"));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("data-testid=\"test-outcome\" data-result=\"recorded\"").contains("recorded, not sent");
        assertThat(ok.body()).contains("POST").contains("/555000111/events")
                .contains("&quot;test_event_code&quot; : &quot;TEST4321&quot;")
                .doesNotContain(TOKEN);

        HttpResponse<String> fragment = htmxPost(path + "/test", Map.of("test_event_code", "TEST4321"));
        assertThat(fragment.statusCode()).isEqualTo(200);
        assertThat(fragment.headers().firstValue("HX-Trigger")).hasValue("requests-changed");
        assertThat(fragment.body()).contains("data-result=\"recorded\"").doesNotContain("<html");

        String requests = b.get(path + "/requests").body();
        assertThat(requests).contains("data-testid=\"request\" data-mode=\"dry_run\"").contains("access_token=[redacted]")
                .contains("Content-Type: application/json\n")
                .doesNotContain(TOKEN).doesNotContain("<html");
    }

    @Test
    void pinterestsTestPathInDryRunIsRecordedWithTestTrue() throws Exception {
        b.get(base + "/destinations");
        HttpResponse<String> r = post(base + "/destinations", Map.of("platform", "pinterest", "name", "Pins",
                "config.ad_account_id", "549755885175", "config.api_token", "pina_api_secret",
                "config.conversion_token", "pina_conversion_secret"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String path = r.headers().firstValue("Location").orElseThrow();
        b.get(path);
        HttpResponse<String> test = post(path + "/test", Map.of());
        assertThat(test.body()).doesNotContain("name=\"test_event_code\"");
        assertThat(test.body()).contains("data-result=\"recorded\"").contains("/events?test=true")
                .doesNotContain("pina_api_secret").doesNotContain("pina_conversion_secret");
    }

    @Test
    void removingADestinationAsksFirstAndForgetsIt() throws Exception {
        String id = connectMeta("Meta ads");
        String path = base + "/destinations/" + id;
        String page = b.get(path).body();
        assertThat(page).contains("data-confirm=\"Remove “Meta ads”?");
        assertThat(b.post(path + "/delete", Map.of()).statusCode()).as("no CSRF token").isEqualTo(403);
        HttpResponse<String> r = post(path + "/delete", Map.of());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue(base + "/destinations");
        assertThat(h.activation.list(shop.store().id())).isEmpty();
        assertThat(b.get(base + "/destinations").body()).contains("Removed “Meta ads”");
        assertThat(b.get(path).statusCode()).isEqualTo(404);
    }

    @Test
    void theSegmentPageTogglesSyncAndShowsUploadedPendingAndTheMinimum() throws Exception {
        Instant now = h.clock.instant();
        // Two shoppers known by their customer id, one anonymous visitor: all three abandon a cart.
        int seq = 0;
        for (String v : List.of("v1", "v2", "v3")) {
            Event.Builder e = Event.builder(shop.store().id(), "e" + (++seq), EventType.ADD_TO_CART, now, now).anonymousId(v)
                    .products(List.of(Product.of("mat")));
            if (!v.equals("v3")) {
                e.userId("customer-" + v);
            }
            h.append(e.build());
        }
        String segment = h.audiences.createSegment(shop.store().id(),
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners").id();
        h.audiences.backfillDone(shop.store().id(), segment).get(10, TimeUnit.SECONDS);
        String id = connectMeta("Meta ads");
        String page = base + "/segments/" + segment;

        String before = b.get(page).body();
        assertThat(before).contains("data-testid=\"segment-destinations\"")
                .contains("3 members, 2 uploadable by email, phone or customer id, the rest reached through server events.")
                .contains("data-testid=\"segment-destination\" data-platform=\"meta\" data-synced=\"false\"");

        HttpResponse<String> on = post(page + "/destinations/" + id, Map.of("sync", "on"));
        assertThat(on.statusCode()).as(on.body()).isEqualTo(303);
        assertThat(on.headers().firstValue("Location")).hasValue(page + "#destinations");
        List<Pairing> pairings = h.activation.pairingsOf(shop.store().id(), segment);
        assertThat(pairings).singleElement().satisfies(p -> assertThat(p.destinationId()).isEqualTo(id));
        await(() -> h.activation.uploaded(pairings.getFirst()) == 2);
        String synced = b.get(page).body();
        assertThat(synced).contains("data-synced=\"true\"").contains("Syncing to “Meta ads”")
                .contains("data-testid=\"uploaded\">2<").contains("data-testid=\"pending\">0<")
                .contains("data-testid=\"minimum\">100 · 98 to go<");
        String list = b.get(base + "/destinations").body();
        assertThat(list).contains("data-testid=\"synced-segment\"").contains("Cart abandoners");

        HttpResponse<String> off = htmxPost(page + "/destinations/" + id, Map.of("sync", "off"));
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(off.body()).startsWith("<section").contains("data-synced=\"false\"").contains("Stopped syncing");
        assertThat(h.activation.pairingsOf(shop.store().id(), segment)).isEmpty();
    }

    @Test
    void aListDeadLetterIsRetriedFromItsPageAndAnEventOneSaysItIsNotKept() throws Exception {
        Instant now = h.clock.instant();
        h.append(Event.builder(shop.store().id(), "dl-1", EventType.ADD_TO_CART, now, now).anonymousId("dl-v1")
                .userId("customer-dl").products(List.of(Product.of("mat"))).build());
        String segment = h.audiences.createSegment(shop.store().id(),
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners").id();
        h.audiences.backfillDone(shop.store().id(), segment).get(10, TimeUnit.SECONDS);
        String id = connectMeta("Meta ads");
        JdbcDestinations.Record d = h.activation.get(shop.store().id(), id).orElseThrow();
        h.activation.pair(d, h.audiences.segment(shop.store().id(), segment).orElseThrow(), null);
        Pairing pairing = h.activation.pairingsOf(shop.store().id(), segment).getFirst();
        await(() -> h.activation.uploaded(pairing) == 1);
        String person = h.audiences.reader().personOf(shop.store().id(), "dl-v1").orElseThrow();
        io.rebound.server.activation.JdbcDeliveryRepository deliveries =
                new io.rebound.server.activation.JdbcDeliveryRepository(h.database.dataSource(), h.clock);
        deliveries.commit(pairing, pairing.cursor(), List.of(
                new io.rebound.destinations.delivery.DeadLetter(shop.store().id(), id, segment, "add", "gave_up", "190",
                        "Error validating access token", List.of(person), 1, 1, now),
                new io.rebound.destinations.delivery.DeadLetter(shop.store().id(), id, "", "event", "gave_up", "100",
                        "Invalid parameter", List.of("e-1"), 0, 0, now)), Map.of(), java.util.Set.of());
        String path = base + "/destinations/" + id;
        String page = b.get(path).body();
        assertThat(page).contains("Error validating access token").contains("data-testid=\"retry-dead-letter\"")
                .contains("not kept");
        long letter = h.activation.storedDeadLetters(id, 10).stream().filter(x -> x.letter().operation().equals("add"))
                .findFirst().orElseThrow().id();
        assertThat(b.post(path + "/dead-letters/" + letter + "/retry", Map.of()).statusCode()).as("no CSRF token")
                .isEqualTo(403);
        HttpResponse<String> r = post(path + "/dead-letters/" + letter + "/retry", Map.of());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(b.get(path).body()).contains("Sent 1 again; the dead letter is cleared.");
        assertThat(h.activation.storedDeadLetters(id, 10)).singleElement()
                .satisfies(x -> assertThat(x.letter().operation()).isEqualTo("event"));
        assertThat(post(path + "/dead-letters/" + letter + "/retry", Map.of()).statusCode()).isEqualTo(404);
    }

    @Test
    void aPlatformThatCannotCreateTheAudienceSaysWhyAndNothingIsSynced() throws Exception {
        String segment = h.audiences.createSegment(shop.store().id(),
                SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE), "cart_abandoners").id();
        h.audiences.backfillDone(shop.store().id(), segment).get(10, TimeUnit.SECONDS);
        JdbcDestinations.Record pins = h.activation.connect(shop.store().id(), "Pins", Mode.DRY_RUN, null,
                DestinationSettings.parse(Platform.PINTEREST, Map.of("ad_account_id", "549755885175", "api_token", "pina_x")));
        String page = base + "/segments/" + segment;
        b.get(page);
        HttpResponse<String> r = htmxPost(page + "/destinations/" + pins.id(), Map.of("sync", "on"));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("data-testid=\"sync-message\"").contains("Pinterest did not create the audience")
                .contains("link its id");
        assertThat(h.activation.pairingsOf(shop.store().id(), segment)).isEmpty();
        HttpResponse<String> linked = htmxPost(page + "/destinations/" + pins.id(), Map.of("sync", "on",
                "audience_id", "2542622542"));
        assertThat(linked.statusCode()).isEqualTo(200);
        assertThat(linked.body()).contains("linked to Pinterest audience").contains("data-synced=\"true\"");
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(25);
        }
    }
}
