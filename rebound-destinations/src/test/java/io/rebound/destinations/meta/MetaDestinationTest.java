package io.rebound.destinations.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.Contact;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;
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
import io.rebound.destinations.WireRequest;
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.Fixtures;
import io.rebound.destinations.contract.MetaContractServer;
import io.rebound.destinations.contract.Received;
import org.junit.jupiter.api.AfterEach;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
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

class MetaDestinationTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String TOKEN = "EAAB-secret-token";

    private final MetaContractServer server = new MetaContractServer(TOKEN, "1234567890", "555000111", CLOCK, 60_000);
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void close() {
        server.close();
    }

    private MetaConfig config() {
        return MetaConfig.of("act_1234567890", "555000111", TOKEN).withBaseUrl(server.baseUrl());
    }

    private MetaDestination destination(MetaConfig config, Mode mode) {
        return new MetaDestination(config, mode, transport, new RequestLog(500), CLOCK);
    }

    @Test
    void createsAnAudienceAndUploadsTwentyFiveThousandMembersWithinRowAndByteLimits() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        List<Member> members = Fixtures.generated(25_000);
        AudienceResult created = meta.createAudience("Cart abandoners", members);

        assertThat(created.outcome()).isInstanceOf(Outcome.Accepted.class);
        assertThat(created.seed().complete()).isTrue();
        assertThat(server.violations()).isEmpty();
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 25_000).forEach(i -> expected.add(sha256(Fixtures.generatedEmail(i))));
        assertThat(server.members(created.audience().id())).isEqualTo(expected);
        List<Received> uploads = server.received().stream().filter(r -> r.path().endsWith("/users")).toList();
        assertThat(uploads.size()).isGreaterThan(25_000 / 10_000);
        assertThat(uploads).allSatisfy(r -> assertThat(r.body().length).isLessThanOrEqualTo(60_000));
        assertThat(server.received().get(0).path()).isEqualTo("/v24.0/act_1234567890/customaudiences");
    }

    @Test
    void documentedSpellingsArriveNormalisedAndHashedAsMetaRequires() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        SyncReport report = meta.addMembers(audience, Fixtures.documented());

        assertThat(report.complete()).isTrue();
        assertThat(server.violations()).isEmpty();
        Set<String> expected = new HashSet<>();
        Fixtures.EMAILS.forEach(e -> expected.add(sha256(e.common())));
        Fixtures.PHONES.forEach(p -> expected.add(sha256(p.digits())));
        assertThat(server.members(audience.id())).isEqualTo(expected);
    }

    @Test
    void removalsShrinkTheListAndIgnoreConsentDenials() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        List<Member> members = Fixtures.generated(100);
        meta.addMembers(audience, members);
        List<Member> leaving = members.subList(0, 30).stream()
                .map(m -> new Member(m.personId(), m.contact(), new AdConsent(false, NOW))).toList();
        SyncReport removed = meta.removeMembers(audience, leaving);

        assertThat(removed.complete()).isTrue();
        assertThat(server.received().get(server.received().size() - 1).method()).isEqualTo("DELETE");
        assertThat(server.members(audience.id())).hasSize(70).doesNotContain(sha256(Fixtures.generatedEmail(0)));
    }

    @Test
    void deniedOrUnidentifiableMembersAreSkippedWithAReason() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        SyncReport report = meta.addMembers(audience, List.of(
                new Member("a", Contact.ofEmail("a@example.com"), new AdConsent(false, NOW)),
                new Member("b", Contact.ofEmail("not an email"), AdConsent.UNSTATED),
                new Member("c", Contact.ofEmail("c@example.com"), AdConsent.UNSTATED)));
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(0, 1);
        assertThat(report.skipped().get(0).reason()).contains("denied");
        assertThat(report.appliedRows()).containsExactly(2);
    }

    @Test
    void throttlingIsRetriedAfterTheUsageHeadersEstimateAndStopsTheRun() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        server.inject(new Fault.Throttle(300));
        SyncReport report = meta.addMembers(audience, Fixtures.generated(2_000));

        assertThat(report.stoppedBy()).isInstanceOfSatisfying(Outcome.Retry.class,
                r -> assertThat(r.after()).isEqualTo(Duration.ofMinutes(5)));
        assertThat(report.deliveries()).hasSize(1);
        assertThat(report.notAttempted()).isNotEmpty();
    }

    @Test
    void serverErrorsAndTimeoutsAreRetried() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        server.inject(new Fault.ServerError(503));
        assertThat(meta.addMembers(audience, Fixtures.generated(3)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
        server.inject(new Fault.Timeout(Duration.ofMillis(2_500)));
        MetaDestination impatient = new MetaDestination(config(), Mode.LIVE,
                new HttpTransport(Duration.ofSeconds(5), Duration.ofMillis(500)), new RequestLog(), CLOCK);
        assertThat(impatient.addMembers(audience, Fixtures.generated(3)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.reason()).startsWith("timeout"));
    }

    @Test
    void anExpiredTokenIsGivenUpWithMetasMessage() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        server.inject(new Fault.Permanent());
        assertThat(meta.addMembers(audience, Fixtures.generated(3)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> {
                    assertThat(g.code()).isEqualTo("190/463");
                    assertThat(g.message()).contains("Session has expired");
                });
    }

    @Test
    void aDeletedAudienceIsGivenUp() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        assertThat(meta.addMembers(meta.linkAudience("999"), Fixtures.generated(1)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> assertThat(g.code()).isEqualTo("1487366"));
    }

    @Test
    void invalidEntriesArePartialAndNamedByRow() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        server.inject(new Fault.Partial(List.of(1, 3)));
        SyncReport report = meta.addMembers(audience, Fixtures.generated(5));
        assertThat(report.deliveries().get(0).outcome()).isInstanceOfSatisfying(Outcome.Partial.class,
                p -> assertThat(p.failed()).extracting(Outcome.RowFailure::row).containsExactly(1, 3));
        assertThat(report.appliedRows()).containsExactly(0, 2, 4);
        assertThat(server.members(audience.id())).containsExactlyInAnyOrder(sha256(Fixtures.generatedEmail(0)),
                sha256(Fixtures.generatedEmail(2)), sha256(Fixtures.generatedEmail(4)));
    }

    @Test
    void moreThanAThousandEventsGoInRequestsOfAtMostAThousand() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        List<ServerEvent> events = IntStream.range(0, 2_500).mapToObj(i -> purchase("e" + i, NOW.minusSeconds(i))).toList();
        SyncReport report = meta.sendEvents(events, NOW);
        assertThat(server.violations()).isEmpty();
        assertThat(report.deliveries()).extracting(d -> d.rows().size()).containsExactly(1_000, 1_000, 500);
        assertThat(server.events()).hasSize(2_500);
    }

    @Test
    void dryRunRecordsByteForByteWhatLiveSendsAndSendsNothing() {
        List<Member> members = Fixtures.generated(3_000);
        MetaDestination live = destination(config(), Mode.LIVE);
        AudienceRef audience = live.linkAudience(server.createExisting());
        live.addMembers(audience, members);
        List<Received> sent = server.received();

        MetaDestination dry = destination(config(), Mode.DRY_RUN);
        SyncReport report = dry.addMembers(audience, members);

        assertThat(server.received()).hasSameSizeAs(sent);
        assertThat(report.deliveries()).allSatisfy(d -> assertThat(d.outcome()).isInstanceOf(Outcome.Recorded.class));
        List<RecordedRequest> recorded = dry.requests().all();
        assertThat(recorded).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            WireRequest w = recorded.get(i).request();
            assertThat(w.body()).isEqualTo(sent.get(i).body());
            assertThat(w.method()).isEqualTo(sent.get(i).method());
            assertThat(w.uri().getPath()).isEqualTo(sent.get(i).path());
            assertThat(w.uri().toString()).doesNotContain(TOKEN).contains("access_token=%5Bredacted%5D");
        }
        assertThat(live.requests().all()).extracting(r -> r.request().bodyLength())
                .isEqualTo(recorded.stream().map(r -> r.request().bodyLength()).toList());
    }

    @Test
    void limitedDataUseAddsTheColumnToEveryRowAndTheFieldsToEveryEvent() {
        MetaDestination meta = destination(config().withPolicy(new ConsentPolicy(false, true)), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        meta.addMembers(audience, Fixtures.generated(2));
        JsonNode payload = server.received().get(0).json().path("payload");
        assertThat(payload.path("schema").get(payload.path("schema").size() - 1).asText()).isEqualTo("DATA_PROCESSING_OPTIONS");
        assertThat(payload.path("data").get(0).get(9).toString()).isEqualTo("[\"LDU\"]");

        meta.sendEvents(List.of(purchase("e1", NOW.minusSeconds(60))), NOW);
        JsonNode event = server.events().get(0);
        assertThat(event.path("data_processing_options").toString()).isEqualTo("[\"LDU\"]");
        assertThat(event.path("data_processing_options_country").asInt()).isZero();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void eventsCarryHashedIdentifiersPlainBrowserIdsAndSkipWhatMetaWouldRefuse() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        ServerEvent fresh = purchase("e1", NOW.minus(Duration.ofDays(1)));
        ServerEvent old = purchase("e2", NOW.minus(Duration.ofDays(8)));
        ServerEvent denied = new ServerEvent("e3", EventType.ADD_TO_CART, null, NOW, null, null, "203.0.113.0", "UA", Map.of(),
                Contact.ofEmail("x@example.com"), null, null, null, null, new AdConsent(false, NOW));
        SyncReport report = meta.sendEvents(List.of(fresh, old, denied), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(1, 2);
        assertThat(report.skipped().get(0).reason()).contains("7 days");
        JsonNode e = server.events().get(0);
        assertThat(e.path("event_name").asText()).isEqualTo("Purchase");
        assertThat(e.path("event_id").asText()).isEqualTo("e1");
        assertThat(e.path("user_data").path("em").get(0).asText()).isEqualTo(sha256("john_smith@gmail.com"));
        assertThat(e.path("user_data").path("fbp").asText()).isEqualTo("fb.1.1700000000000.123");
        assertThat(e.path("user_data").path("fbc").asText()).startsWith("fb.1.").endsWith(".IwAR1");
        assertThat(e.path("custom_data").path("content_ids").get(0).asText()).isEqualTo("yoga-mat");
        assertThat(e.path("custom_data").path("value").decimalValue()).isEqualByComparingTo("49.90");
    }

    @Test
    void batchesFillTheByteLimitWithoutCrossingIt() {
        MetaDestination meta = destination(config().withLimits(new PlatformLimits(Platform.META,
                new io.rebound.core.activation.BatchLimits(10_000, 5_000), PlatformLimits.META.events(), Integer.MAX_VALUE,
                PlatformLimits.META.maxEventAge())), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        meta.addMembers(audience, Fixtures.generated(500));
        assertThat(server.received()).allSatisfy(r -> assertThat(r.body().length).isLessThanOrEqualTo(5_000));
        int last = server.received().size() - 1;
        assertThat(server.received().subList(0, last)).allSatisfy(r -> assertThat(r.body().length).isGreaterThan(5_000 - 100));
    }

    static ServerEvent purchase(String id, Instant at) {
        return new ServerEvent(id, EventType.PURCHASE, null, at, "https://shop.example/checkout", null, "203.0.113.0",
                "Mozilla/5.0", Map.of(ClickIds.FBP, "fb.1.1700000000000.123", ClickIds.FBCLID, "IwAR1"),
                Contact.ofEmail(" John_Smith@Gmail.com "), new BigDecimal("49.90"), "EUR",
                List.of(new Product("yoga-mat", null, new BigDecimal("49.90"), 1)), "order-1", AdConsent.UNSTATED);
    }

    // ---- replace (full reconciliation) ----

    private static Set<String> emailHashes(int from, int to) {
        Set<String> out = new HashSet<>();
        IntStream.range(from, to).forEach(i -> out.add(sha256(Fixtures.generatedEmail(i))));
        return out;
    }

    private List<Received> replaces() {
        return server.received().stream().filter(r -> r.path().endsWith("/usersreplace")).toList();
    }

    @Test
    void replaceLeavesTheListHoldingExactlyTheMembersThroughOneSessionOfNumberedBatches() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        assertThat(meta.supportsReplace()).isTrue();
        AudienceRef audience = meta.linkAudience(server.createExisting());
        List<Member> members = Fixtures.generated(2_000);
        meta.addMembers(audience, members.subList(0, 1_500));
        server.drift(audience.id(), Set.of(sha256("stranger@example.com")), Set.of(sha256(Fixtures.generatedEmail(7))));

        SyncReport report = meta.replaceMembers(audience, members.subList(500, 2_000));

        assertThat(report.complete()).isTrue();
        assertThat(report.appliedRows()).hasSize(1_500);
        assertThat(server.members(audience.id())).isEqualTo(emailHashes(500, 2_000));
        assertThat(server.violations()).isEmpty();
        List<Received> batches = replaces();
        assertThat(batches.size()).as("the 60 KB cap splits the session").isGreaterThan(1);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < batches.size(); i++) {
            JsonNode session = batches.get(i).json().path("session");
            ids.add(session.path("session_id").asLong());
            assertThat(session.path("batch_seq").asInt()).isEqualTo(i + 1);
            assertThat(session.path("last_batch_flag").asBoolean()).isEqualTo(i == batches.size() - 1);
            assertThat(session.path("estimated_num_total").asLong()).isEqualTo(1_500);
            assertThat(batches.get(i).body().length).isLessThanOrEqualTo(60_000);
            assertThat(batches.get(i).method()).isEqualTo("POST");
        }
        assertThat(ids).hasSize(1);
    }

    @Test
    void aReplaceStoppedBetweenBatchesLeavesTheListAsItWasAndTheNextSessionCompletesIt() {
        AudienceRef audience = destination(config(), Mode.LIVE).linkAudience(server.createExisting());
        List<Member> members = Fixtures.generated(2_000);
        destination(config(), Mode.LIVE).addMembers(audience, members.subList(0, 1_000));
        int[] sent = {0};
        MetaDestination dying = new MetaDestination(config(), Mode.LIVE, request -> {
            if (request.uri().getPath().endsWith("/usersreplace") && sent[0]++ == 1) {
                throw new IllegalStateException("killed between batches");
            }
            return transport.send(request);
        }, new RequestLog(), CLOCK);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dying.replaceMembers(audience, members))
                .hasMessageContaining("killed");
        assertThat(replaces()).hasSize(1);
        assertThat(server.members(audience.id())).as("an unfinished session changes nothing").isEqualTo(emailHashes(0, 1_000));
        assertThat(server.openReplaceSessions(audience.id())).isEqualTo(1);

        SyncReport again = destination(config(), Mode.LIVE).replaceMembers(audience, members.subList(1_000, 2_000));
        assertThat(again.complete()).isTrue();
        assertThat(server.members(audience.id())).isEqualTo(emailHashes(1_000, 2_000));
        assertThat(server.openReplaceSessions(audience.id())).isZero();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void aReplaceThatMustBeRetriedIsNotContinuedButStartedAgainUnderANewSession() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceRef audience = meta.linkAudience(server.createExisting());
        List<Member> members = Fixtures.generated(1_500);
        server.inject(new Fault.ServerError(503));

        SyncReport failed = meta.replaceMembers(audience, members);
        assertThat(failed.complete()).isFalse();
        assertThat(failed.stoppedBy()).isInstanceOf(Outcome.Retry.class);
        assertThat(server.members(audience.id())).isEmpty();

        assertThat(meta.replaceMembers(audience, members).complete()).isTrue();
        assertThat(server.members(audience.id())).isEqualTo(emailHashes(0, 1_500));
        assertThat(replaces().stream().map(r -> r.json().path("session").path("session_id").asLong()).distinct()).hasSize(2);
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void theContractServerRejectsMalformedReplaceSessions() {
        AudienceRef audience = destination(config(), Mode.LIVE).linkAudience(server.createExisting());
        MetaRequests requests = new MetaRequests(config());
        List<com.fasterxml.jackson.databind.node.ArrayNode> rows = List.of(
                (com.fasterxml.jackson.databind.node.ArrayNode) io.rebound.destinations.internal.Json.MAPPER.valueToTree(
                        List.of(sha256("a@example.com"), "", "", "", "", "", "", "", "")));

        // A second batch of a session never opened, and a first batch reusing a finished session's id.
        transport.send(requests.usersReplace(audience.id(), rows, new MetaRequests.Session(42, 2, true, 1)));
        transport.send(requests.usersReplace(audience.id(), rows, new MetaRequests.Session(43, 1, true, 1)));
        transport.send(requests.usersReplace(audience.id(), rows, new MetaRequests.Session(43, 1, true, 1)));
        // A batch skipping a number.
        transport.send(requests.usersReplace(audience.id(), rows, new MetaRequests.Session(44, 1, false, 2)));
        transport.send(requests.usersReplace(audience.id(), rows, new MetaRequests.Session(44, 3, true, 2)));

        assertThat(server.violations()).hasSize(3);
        assertThat(server.violations()).anySatisfy(v -> assertThat(v).contains("continues no open session"))
                .anySatisfy(v -> assertThat(v).contains("was used before"))
                .anySatisfy(v -> assertThat(v).contains("batches go 1, 2, 3"));
        assertThat(server.members(audience.id())).containsExactly(sha256("a@example.com"));
    }

    @Test
    void aWebsiteCustomAudienceByRuleSelectsTheSegmentsMembershipEventOnThePixel() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        AudienceResult created = meta.createWebsiteAudience("Rebound · Cart abandoners (website)",
                "Rebound_Cart_abandoners", Duration.ofDays(30));

        assertThat(server.violations()).isEmpty();
        assertThat(created.outcome()).isInstanceOf(Outcome.Accepted.class);
        assertThat(server.websiteAudiences()).containsEntry(created.audience().id(), "Rebound_Cart_abandoners");
        JsonNode body = server.received().get(0).json();
        assertThat(body.has("subtype")).isFalse();
        assertThat(body.path("prefill").asBoolean()).isTrue();
        JsonNode rule = io.rebound.destinations.internal.Json.parseStrict(body.path("rule").asText().getBytes(StandardCharsets.UTF_8));
        JsonNode one = rule.path("inclusions").path("rules").get(0);
        assertThat(one.path("event_sources").get(0).path("id").asText()).isEqualTo("555000111");
        assertThat(one.path("retention_seconds").asLong()).isEqualTo(30L * 86_400);
        assertThat(one.path("filter").path("filters").get(0).path("value").asText()).isEqualTo("Rebound_Cart_abandoners");

        MetaDestination dry = destination(config(), Mode.DRY_RUN);
        AudienceResult recorded = dry.createWebsiteAudience("Rebound · Cart abandoners (website)",
                "Rebound_Cart_abandoners", Duration.ofDays(30));
        assertThat(recorded.audience().id()).isEqualTo("dry-run");
        assertThat(dry.requests().all().get(0).request().body()).isEqualTo(server.received().get(0).body());
    }

    @Test
    void aWebsiteAudienceRefusedByMetaIsReportedWithItsMessage() {
        MetaDestination meta = destination(config(), Mode.LIVE);
        server.inject(new Fault.Permanent());
        AudienceResult refused = meta.createWebsiteAudience("Rebound · Viewers (website)", "Rebound_Viewers",
                Duration.ofDays(30));
        assertThat(refused.audience()).isNull();
        assertThat(refused.outcome()).isInstanceOf(Outcome.GiveUp.class);
    }
}
