package io.rebound.destinations.tiktok;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Contact;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.IdentifierRules.PhoneFormat;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.Fixtures;
import io.rebound.destinations.contract.Received;
import io.rebound.destinations.contract.TikTokContractServer;
import io.rebound.destinations.internal.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

class TikTokDestinationTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String TOKEN = "tt-secret";
    private static final String PIXEL = "C4ABCDEF12345";

    private final TikTokContractServer server = new TikTokContractServer(TOKEN, "7000111", PIXEL);
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void close() {
        server.close();
    }

    private TikTokConfig config() {
        return TikTokConfig.of("7000111", PIXEL, TOKEN).withBaseUrl(server.baseUrl());
    }

    private TikTokDestination destination(TikTokConfig config, Mode mode) {
        return new TikTokDestination(config, mode, transport, new RequestLog(500), CLOCK);
    }

    @Test
    void createsAnAudienceFromAnUploadedFileAndAppendsTheRestFileByFile() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        AudienceResult created = tiktok.createAudience("Viewers", Fixtures.generated(25_000));

        assertThat(server.violations()).isEmpty();
        assertThat(created.seed().complete()).isTrue();
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 25_000).forEach(i -> expected.add(sha256(Fixtures.generatedEmail(i))));
        assertThat(server.members(created.audience().id())).isEqualTo(expected);
        assertThat(server.received()).extracting(Received::path).containsExactly(
                "/open_api/v1.3/dmp/custom_audience/file/upload/", "/open_api/v1.3/dmp/custom_audience/create/",
                "/open_api/v1.3/dmp/custom_audience/file/upload/", "/open_api/v1.3/dmp/custom_audience/update/",
                "/open_api/v1.3/dmp/custom_audience/file/upload/", "/open_api/v1.3/dmp/custom_audience/update/");
    }

    @Test
    void removalUploadsAFileAndUpdatesWithRemove() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        AudienceRef audience = tiktok.linkAudience(server.createExisting());
        List<Member> members = Fixtures.documented();
        tiktok.addMembers(audience, members);
        tiktok.removeMembers(audience, members.subList(0, 2));

        assertThat(server.violations()).isEmpty();
        Set<String> expected = new HashSet<>();
        Fixtures.EMAILS.subList(2, Fixtures.EMAILS.size()).forEach(e -> expected.add(sha256(e.common())));
        assertThat(server.members(audience.id())).isEqualTo(expected);
        assertThat(server.received().get(server.received().size() - 1).json().path("action").asText()).isEqualTo("REMOVE");
    }

    @Test
    void aPhoneAudienceHashesE164ByDefaultOrDigitsWhenConfigured() {
        AudienceRef e164 = AudienceRef.of(Platform.TIKTOK, server.createExisting());
        destination(config().withCalculateType("PHONE_SHA256"), Mode.LIVE).addMembers(e164, Fixtures.documented());
        AudienceRef digits = AudienceRef.of(Platform.TIKTOK, server.createExisting());
        destination(config().withCalculateType("PHONE_SHA256")
                .withRules(IdentifierRules.of(Platform.TIKTOK).withPhoneFormat(PhoneFormat.DIGITS)), Mode.LIVE)
                .addMembers(digits, Fixtures.documented());

        assertThat(server.violations()).isEmpty();
        assertThat(server.members(e164.id())).containsExactlyInAnyOrderElementsOf(
                Fixtures.PHONES.stream().map(p -> sha256(p.e164())).toList());
        assertThat(server.members(digits.id())).containsExactlyInAnyOrderElementsOf(
                Fixtures.PHONES.stream().map(p -> sha256(p.digits())).toList());
    }

    @Test
    void aNonZeroCodeInAnHttp200IsClassifiedByCode() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        AudienceRef audience = tiktok.linkAudience(server.createExisting());
        server.inject(new Fault.Throttle(60));
        assertThat(tiktok.addMembers(audience, Fixtures.generated(3)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
        server.inject(new Fault.ServerError(500));
        assertThat(tiktok.addMembers(audience, Fixtures.generated(3)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
        server.inject(new Fault.Permanent());
        assertThat(tiktok.addMembers(audience, Fixtures.generated(3)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> {
                    assertThat(g.code()).isEqualTo("40105");
                    assertThat(g.message()).contains("access token");
                });
    }

    @Test
    void aFailedUploadStopsBeforeTheUpdate() {
        AudienceRef audience = AudienceRef.of(Platform.TIKTOK, server.createExisting());
        server.inject(new Fault.Timeout(Duration.ofMillis(2_000)));
        TikTokDestination impatient = new TikTokDestination(config(), Mode.LIVE,
                new HttpTransport(Duration.ofSeconds(5), Duration.ofMillis(500)), new RequestLog(), CLOCK);
        assertThat(impatient.addMembers(audience, Fixtures.generated(3)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
        assertThat(server.received()).extracting(Received::path).doesNotContain("/open_api/v1.3/dmp/custom_audience/update/");
        assertThat(impatient.requests().all()).hasSize(1);
    }

    @Test
    void dryRunRecordsTheSameUploadBytesAndAnUpdateThatDiffersOnlyInTheFilePath() {
        List<Member> members = Fixtures.generated(500);
        String id = server.createExisting();
        destination(config(), Mode.LIVE).addMembers(AudienceRef.of(Platform.TIKTOK, id), members);
        List<Received> sent = server.received();
        TikTokDestination dry = new TikTokDestination(config(), Mode.DRY_RUN, null, new RequestLog(), CLOCK);
        dry.addMembers(dry.linkAudience(id), members);
        List<RecordedRequest> recorded = dry.requests().all();

        assertThat(server.received()).hasSameSizeAs(sent);
        assertThat(recorded).hasSize(2);
        assertThat(recorded.get(0).request().body()).isEqualTo(sent.get(0).body());
        assertThat(recorded.get(0).request().headers().get("Access-Token")).isEqualTo("[redacted]");
        JsonNode dryUpdate = Json.parseStrict(recorded.get(1).request().body());
        JsonNode liveUpdate = sent.get(1).json();
        assertThat(dryUpdate.path("file_paths").get(0).asText()).startsWith("dry-run:");
        ((com.fasterxml.jackson.databind.node.ObjectNode) dryUpdate).remove("file_paths");
        ((com.fasterxml.jackson.databind.node.ObjectNode) liveUpdate).remove("file_paths");
        assertThat(dryUpdate).isEqualTo(liveUpdate);
    }

    @Test
    void eventsGoToTheEventsApiWithHashedIdsAndPlainBrowserIds() {
        TikTokDestination tiktok = destination(config().withTestEventCode("TEST123"), Mode.LIVE);
        ServerEvent purchase = new ServerEvent("ev-1", EventType.PURCHASE, null, NOW, "https://shop.example/thanks", null,
                "203.0.113.0", "Mozilla/5.0", Map.of(ClickIds.TTCLID, "E.C.P.abc", ClickIds.TTP, "2F7h37"),
                Contact.ofEmail("MARY.ann@Example.COM").withPhones(List.of("+1 (616) 954-1234")), new BigDecimal("12.50"), "USD",
                List.of(new Product("mat", null, new BigDecimal("12.50"), 1)), null, new AdConsent(true, NOW));
        ServerEvent denied = new ServerEvent("ev-2", EventType.VIEW_CONTENT, null, NOW, null, null, "1.2.3.4", null, Map.of(),
                null, null, null, null, null, new AdConsent(false, NOW));
        SyncReport report = tiktok.sendEvents(List.of(purchase, denied), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(1);
        JsonNode body = server.received().get(0).json();
        assertThat(body.path("test_event_code").asText()).isEqualTo("TEST123");
        JsonNode e = server.events().get(0);
        assertThat(e.path("event").asText()).isEqualTo("CompletePayment");
        assertThat(e.path("user").path("email").asText()).isEqualTo(sha256("mary.ann@example.com"));
        assertThat(e.path("user").path("phone").asText()).isEqualTo(sha256("+16169541234"));
        assertThat(e.path("user").path("ttclid").asText()).isEqualTo("E.C.P.abc");
        assertThat(new String(server.received().get(0).body(), StandardCharsets.UTF_8)).doesNotContain("mary");
    }

    @Test
    void limitedDataUseFlagsEveryEventWhenTheStoresPolicyAsksForIt() {
        ServerEvent e = new ServerEvent("ev-ldu", EventType.VIEW_CONTENT, null, NOW, null, null, "1.2.3.4", "UA", Map.of(),
                Contact.ofEmail("ldu@example.com"), null, null, null, null, null);
        destination(config().withPolicy(new io.rebound.core.activation.ConsentPolicy(false, true)), Mode.LIVE)
                .sendEvents(List.of(e), NOW);
        destination(config(), Mode.LIVE).sendEvents(List.of(e), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(server.events().get(0).path("limited_data_use").isBoolean()).isTrue();
        assertThat(server.events().get(0).path("limited_data_use").asBoolean()).isTrue();
        assertThat(server.events().get(1).has("limited_data_use")).as("not flagged without the policy").isFalse();
    }

    @Test
    void aBadRowFailsTheWholeEventBatchAndIsGivenUp() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        server.inject(new Fault.Partial(List.of(0)));
        ServerEvent e = new ServerEvent("ev-1", EventType.VIEW_CONTENT, null, NOW, null, null, "1.2.3.4", "UA", Map.of(), null,
                null, null, null, null, null);
        assertThat(tiktok.sendEvents(List.of(e), NOW).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> assertThat(g.code()).isEqualTo("40002"));
    }

    @Test
    void replaceUploadsTheWholeListAsOneFileAndTheAudienceHoldsExactlyIt() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        assertThat(tiktok.supportsReplace()).isTrue();
        AudienceRef audience = tiktok.createAudience("Viewers", Fixtures.generated(8_000)).audience();
        server.drift(audience.id(), Set.of(sha256("stranger@example.com")), Set.of(sha256(Fixtures.generatedEmail(7_000))));

        SyncReport report = tiktok.replaceMembers(audience, Fixtures.generated(8_000).subList(2_000, 8_000));

        assertThat(report.complete()).isTrue();
        Set<String> expected = new HashSet<>();
        IntStream.range(2_000, 8_000).forEach(i -> expected.add(sha256(Fixtures.generatedEmail(i))));
        assertThat(server.members(audience.id())).isEqualTo(expected);
        List<Received> updates = server.received().stream().filter(r -> r.path().endsWith("/update/")).toList();
        assertThat(updates.getLast().json().path("action").asText()).isEqualTo("REPLACE");
        assertThat(updates.getLast().json().path("file_paths")).hasSize(1);
        assertThat(report.deliveries()).as("one upload and one update").hasSize(1);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aListLongerThanOneFileIsNotReplacedAndSaysSoWithNothingSent() {
        TikTokDestination tiktok = destination(config(), Mode.LIVE);
        AudienceRef audience = tiktok.linkAudience(server.createExisting());

        SyncReport report = tiktok.replaceMembers(audience, Fixtures.generated(10_001));

        assertThat(report.stoppedBy()).isInstanceOfSatisfying(Outcome.GiveUp.class,
                g -> assertThat(g.code()).isEqualTo(io.rebound.destinations.Destination.REPLACE_UNAVAILABLE));
        assertThat(server.received()).isEmpty();
    }
}
