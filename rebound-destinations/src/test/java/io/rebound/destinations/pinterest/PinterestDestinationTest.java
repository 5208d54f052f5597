package io.rebound.destinations.pinterest;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.Contact;
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
import io.rebound.destinations.contract.PinterestContractServer;
import io.rebound.destinations.contract.Received;
import org.junit.jupiter.api.AfterEach;
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

class PinterestDestinationTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final PinterestContractServer server = new PinterestContractServer("549756359984", "pina_api", "conv_token");
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void close() {
        server.close();
    }

    private PinterestConfig config() {
        return PinterestConfig.of("549756359984", "pina_api", "conv_token").withBaseUrl(server.baseUrl());
    }

    private PinterestDestination destination(PinterestConfig config, Mode mode) {
        return new PinterestDestination(config, mode, transport, new RequestLog(500), CLOCK);
    }

    @Test
    void createsAListFromTheFirstBatchTurnsItIntoAnAudienceAndPatchesInTheRest() {
        PinterestDestination pinterest = destination(config(), Mode.LIVE);
        AudienceResult created = pinterest.createAudience("Cart abandoners", Fixtures.generated(15_000));

        assertThat(server.violations()).isEmpty();
        assertThat(created.seed().complete()).isTrue();
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 15_000).forEach(i -> expected.add(sha256(Fixtures.generatedEmail(i))));
        assertThat(server.members(created.audience().id())).isEqualTo(expected);
        assertThat(server.listOfAudience(created.audience().targetingId())).isEqualTo(created.audience().id());
        assertThat(server.received()).extracting(Received::method).containsExactly("POST", "POST", "PATCH");
    }

    @Test
    void documentedEmailsArriveNormalisedAndRemovalsShrinkTheList() {
        PinterestDestination pinterest = destination(config(), Mode.LIVE);
        AudienceRef list = pinterest.linkAudience(server.createExisting());
        pinterest.addMembers(list, Fixtures.documented());
        pinterest.removeMembers(list, Fixtures.documented().subList(0, 1));

        assertThat(server.violations()).isEmpty();
        Set<String> expected = new HashSet<>();
        Fixtures.EMAILS.subList(1, Fixtures.EMAILS.size()).forEach(e -> expected.add(sha256(e.common())));
        assertThat(server.members(list.id())).isEqualTo(expected);
    }

    @Test
    void throttlingServerErrorsAndBadTokensAreClassified() {
        PinterestDestination pinterest = destination(config(), Mode.LIVE);
        AudienceRef list = pinterest.linkAudience(server.createExisting());
        server.inject(new Fault.Throttle(7));
        assertThat(pinterest.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(7)));
        server.inject(new Fault.ServerError(502));
        assertThat(pinterest.addMembers(list, Fixtures.generated(2)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
        server.inject(new Fault.Permanent());
        assertThat(pinterest.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> assertThat(g.message()).contains("Authentication failed"));
        assertThat(pinterest.addMembers(pinterest.linkAudience("1"), Fixtures.generated(1)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> assertThat(g.code()).startsWith("HTTP 404"));
    }

    @Test
    void aTimeoutIsRetried() {
        AudienceRef list = AudienceRef.of(io.rebound.core.activation.Platform.PINTEREST, server.createExisting());
        server.inject(new Fault.Timeout(Duration.ofMillis(2_000)));
        PinterestDestination impatient = new PinterestDestination(config(), Mode.LIVE,
                new HttpTransport(Duration.ofSeconds(5), Duration.ofMillis(500)), new RequestLog(), CLOCK);
        assertThat(impatient.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.reason()).startsWith("timeout"));
    }

    @Test
    void aFourTwentyTwoIsPartialAndNamesTheFailedEvents() {
        PinterestDestination pinterest = destination(config(), Mode.LIVE);
        List<ServerEvent> events = IntStream.range(0, 4).mapToObj(i -> event("e" + i, Contact.ofEmail("a" + i + "@b.co"))).toList();
        server.inject(new Fault.Partial(List.of(1, 2)));
        SyncReport report = pinterest.sendEvents(events, NOW);
        assertThat(report.deliveries().get(0).outcome()).isInstanceOfSatisfying(Outcome.Partial.class,
                p -> assertThat(p.failed()).extracting(Outcome.RowFailure::row).containsExactly(1, 2));
        assertThat(report.appliedRows()).containsExactly(0, 3);
    }

    @Test
    void eventsUsePinterestsNamesStringValuesHashedArraysAndLdp() {
        PinterestDestination pinterest = destination(config().withPolicy(new ConsentPolicy(false, true)), Mode.LIVE);
        ServerEvent noMatch = new ServerEvent("x", EventType.PAGE_VIEW, null, NOW, null, null, null, null, Map.of(), null, null,
                null, null, null, null);
        SyncReport report = pinterest.sendEvents(List.of(event("e1", Contact.ofEmail(" John_Smith@Gmail.com ")
                .withPhones(List.of("+1 (616) 954-1234"))), noMatch), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(1);
        JsonNode e = server.events().get(0);
        assertThat(e.path("event_name").asText()).isEqualTo("checkout");
        assertThat(e.path("user_data").path("em").get(0).asText()).isEqualTo(sha256("john_smith@gmail.com"));
        assertThat(e.path("user_data").path("ph").get(0).asText()).isEqualTo(sha256("16169541234"));
        assertThat(e.path("user_data").path("click_id").asText()).isEqualTo("dj0yJnU9");
        assertThat(e.path("custom_data").path("value").asText()).isEqualTo("49.90");
        assertThat(e.path("custom_data").path("opt_out_type").asText()).isEqualTo("LDP");
    }

    @Test
    void testModeValidatesWithoutRecording() {
        PinterestDestination pinterest = destination(config().withTestEvents(true), Mode.LIVE);
        assertThat(pinterest.sendEvents(List.of(event("e1", Contact.ofEmail("a@b.co"))), NOW).complete()).isTrue();
        assertThat(server.received().get(0).query()).containsEntry("test", "true");
        assertThat(server.events()).isEmpty();
    }

    @Test
    void dryRunRecordsByteForByteWhatLiveSends() {
        List<Member> members = Fixtures.generated(12_000);
        String id = server.createExisting();
        destination(config(), Mode.LIVE).addMembers(AudienceRef.of(io.rebound.core.activation.Platform.PINTEREST, id), members);
        List<Received> sent = server.received();
        PinterestDestination dry = new PinterestDestination(config(), Mode.DRY_RUN, null, new RequestLog(), CLOCK);
        dry.addMembers(dry.linkAudience(id), members);
        List<RecordedRequest> recorded = dry.requests().all();

        assertThat(server.received()).hasSameSizeAs(sent).hasSize(2);
        assertThat(recorded).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(recorded.get(i).request().body()).isEqualTo(sent.get(i).body());
            assertThat(recorded.get(i).request().headers().get("Authorization")).isEqualTo("[redacted]");
        }
    }

    private static ServerEvent event(String id, Contact contact) {
        return new ServerEvent(id, EventType.PURCHASE, null, NOW, "https://shop.example/thanks", null, "203.0.113.0",
                "Mozilla/5.0", Map.of(ClickIds.EPIK, "dj0yJnU9"), contact, new BigDecimal("49.90"), "USD",
                List.of(new Product("mat", null, new BigDecimal("49.90"), 1)), "order-1", new AdConsent(true, NOW));
    }
}
