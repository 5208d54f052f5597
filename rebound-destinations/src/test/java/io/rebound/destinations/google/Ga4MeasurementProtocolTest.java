package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Contact;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.destinations.HttpTransport;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.contract.Fault;
import io.rebound.destinations.contract.GoogleContractServer;
import io.rebound.destinations.contract.Received;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** GA4 Measurement Protocol forwarding against the Google contract server's {@code /mp/collect}. */
class Ga4MeasurementProtocolTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String STREAM = "G-TEST1234AB";
    private static final String SECRET = "s3cr3t-Ab_Cd";

    private final GoogleContractServer server = new GoogleContractServer("1234567890").acceptToken("ya29.fixed")
            .ga4Stream(STREAM, SECRET);
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void close() {
        server.close();
    }

    private Ga4Config ga4() {
        return Ga4Config.of(STREAM, SECRET).withBaseUrl(server.baseUrl());
    }

    /** GA4 only: no conversion action. */
    private GoogleDestination destination(Ga4Config ga4, Mode mode, GoogleConfig config) {
        return new GoogleDestination(config, ga4, AccessTokenProvider.fixed("ya29.fixed"), mode, mode == Mode.LIVE ? transport : null,
                new RequestLog(500), CLOCK);
    }

    private GoogleDestination ga4Only(Mode mode) {
        return destination(ga4(), mode, GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl()));
    }

    private static ServerEvent event(String id, EventType type, String clientId, Instant at) {
        return new ServerEvent(id, type, null, at, "https://shop.example/p/yoga-mat", null, "203.0.113.0", "Mozilla/5.0",
                clientId == null ? Map.of() : Map.of(ClickIds.GA_CLIENT_ID, clientId), Contact.ofEmail("ana@example.com"),
                new BigDecimal("59.90"), "EUR", List.of(new Product("yoga-mat", "Yoga", new BigDecimal("29.95"), 2)),
                type == EventType.PURCHASE ? "order-41" : null, AdConsent.UNSTATED);
    }

    @Test
    void theFunnelArrivesAsGa4EcommerceEventsWithTheCookiesClientIdAndItems() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        SyncReport report = google.sendEvents(List.of(
                event("v1", EventType.VIEW_CONTENT, "111.222", NOW),
                event("c1", EventType.ADD_TO_CART, "111.222", NOW),
                event("k1", EventType.INITIATE_CHECKOUT, "111.222", NOW),
                event("p1", EventType.PURCHASE, "111.222", NOW)), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.complete()).isTrue();
        assertThat(report.appliedRows()).containsExactly(0, 1, 2, 3);
        Received r = server.received().get(0);
        assertThat(r.path()).isEqualTo("/mp/collect");
        assertThat(r.query()).containsEntry("measurement_id", STREAM).containsEntry("api_secret", SECRET);
        List<JsonNode> events = server.ga4Events();
        assertThat(events).extracting(e -> e.path("name").asText())
                .containsExactly("view_item", "add_to_cart", "begin_checkout", "purchase");
        JsonNode purchase = events.get(3);
        assertThat(purchase.path("client_id").asText()).isEqualTo("111.222");
        assertThat(purchase.path("timestamp_micros").asLong()).isEqualTo(NOW.toEpochMilli() * 1_000);
        JsonNode params = purchase.path("params");
        assertThat(params.path("currency").asText()).isEqualTo("EUR");
        assertThat(params.path("value").asDouble()).isEqualTo(59.90);
        assertThat(params.path("transaction_id").asText()).isEqualTo("order-41");
        JsonNode item = params.path("items").get(0);
        assertThat(item.path("item_id").asText()).isEqualTo("yoga-mat");
        assertThat(item.path("item_category").asText()).isEqualTo("Yoga");
        assertThat(item.path("price").asDouble()).isEqualTo(29.95);
        assertThat(item.path("quantity").asInt()).isEqualTo(2);
        assertThat(events.get(0).path("params").has("transaction_id")).isFalse();
    }

    @Test
    void oneRequestPerClientAndAtMostTwentyFiveEventsInEach() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        List<ServerEvent> events = new ArrayList<>();
        IntStream.range(0, 30).forEach(i -> events.add(event("a" + i, EventType.VIEW_CONTENT, "1.1", NOW)));
        IntStream.range(0, 3).forEach(i -> events.add(event("b" + i, EventType.ADD_TO_CART, "2.2", NOW)));
        events.add(5, event("b-early", EventType.VIEW_CONTENT, "2.2", NOW));
        SyncReport report = google.sendEvents(events, NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.complete()).isTrue();
        assertThat(server.received()).extracting(r -> r.json().path("client_id").asText() + ":" + r.json().path("events").size())
                .containsExactly("1.1:25", "1.1:5", "2.2:4");
        assertThat(server.ga4Events()).hasSize(34);
    }

    @Test
    void aBodyStaysUnder130KilobytesWhateverTheEventsCarry() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        List<Product> products = new ArrayList<>();
        IntStream.range(0, 200).forEach(i -> products.add(new Product("sku-" + "x".repeat(80) + i, "Category " + i,
                new BigDecimal("1.50"), 1)));
        List<ServerEvent> events = new ArrayList<>();
        IntStream.range(0, 25).forEach(i -> events.add(new ServerEvent("big" + i, EventType.PURCHASE, null, NOW, null, null, null,
                null, Map.of(ClickIds.GA_CLIENT_ID, "9.9"), null, new BigDecimal("300"), "USD", products, "o" + i, null)));
        SyncReport report = google.sendEvents(events, NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.complete()).isTrue();
        assertThat(server.received().size()).isGreaterThan(1);
        assertThat(server.received()).allSatisfy(r -> assertThat(r.body().length).isLessThan(130_000));
        assertThat(server.ga4Events()).hasSize(25);
    }

    @Test
    void eventsWithoutAClientIdOlderThanSeventyTwoHoursOrWithAnInvalidNameAreSkippedWithAReason() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        ServerEvent membership = new ServerEvent("m1", EventType.CUSTOM, "Rebound_Cart_abandoners", NOW, null, null, null, null,
                Map.of(ClickIds.GA_CLIENT_ID, "5.5"), null, null, null, null, null, null);
        ServerEvent badName = new ServerEvent("m2", EventType.CUSTOM, "session_start", NOW, null, null, null, null,
                Map.of(ClickIds.GA_CLIENT_ID, "5.5"), null, null, null, null, null, null);
        SyncReport report = google.sendEvents(List.of(
                event("n", EventType.VIEW_CONTENT, null, NOW),
                event("old", EventType.VIEW_CONTENT, "5.5", NOW.minus(Duration.ofHours(73))),
                event("ok", EventType.VIEW_CONTENT, "5.5", NOW.minus(Duration.ofHours(71))),
                membership, badName,
                event("gpc", EventType.VIEW_CONTENT, "5.5", NOW)
        ).stream().map(e -> e.eventId().equals("gpc") ? withConsent(e, new AdConsent(false, NOW)) : e).toList(), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.skipped()).extracting(s -> s.row() + " " + s.reason()).containsExactly(
                "0 no GA4 client id (_ga cookie)", "1 older than GA4's 72 hours", "4 no GA4 event for Custom",
                "5 " + report.skipped().get(3).reason());
        assertThat(server.ga4Events()).extracting(e -> e.path("name").asText()).containsExactly("view_item", "Rebound_Cart_abandoners");
    }

    private static ServerEvent withConsent(ServerEvent e, AdConsent c) {
        return new ServerEvent(e.eventId(), e.type(), e.name(), e.eventTime(), e.pageUrl(), e.referrer(), e.ip(), e.userAgent(),
                e.clickIds(), e.contact(), e.value(), e.currency(), e.products(), e.orderId(), c);
    }

    @Test
    void statedConsentIsSentAsGranted() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        google.sendEvents(List.of(withConsent(event("s", EventType.VIEW_CONTENT, "3.3", NOW), new AdConsent(true, NOW)),
                event("u", EventType.VIEW_CONTENT, "4.4", NOW)), NOW);
        assertThat(server.violations()).isEmpty();
        assertThat(server.ga4Events().get(0).path("consent").path("ad_user_data").asText()).isEqualTo("GRANTED");
        assertThat(server.ga4Events().get(0).path("consent").path("ad_personalization").asText()).isEqualTo("GRANTED");
        assertThat(server.ga4Events().get(1).has("consent")).isFalse();
    }

    @Test
    void dryRunRecordsByteForByteWhatLiveSendsWithTheSecretRedacted() {
        List<ServerEvent> events = new ArrayList<>();
        IntStream.range(0, 60).forEach(i -> events.add(event("e" + i, EventType.ADD_TO_CART, (i % 3) + ".7", NOW)));
        ga4Only(Mode.LIVE).sendEvents(events, NOW);
        List<Received> sent = server.received();

        GoogleDestination dry = ga4Only(Mode.DRY_RUN);
        dry.sendEvents(events, NOW);
        List<RecordedRequest> recorded = dry.requests().all();

        assertThat(server.received()).hasSameSizeAs(sent);
        assertThat(recorded).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(recorded.get(i).request().body()).isEqualTo(sent.get(i).body());
            assertThat(recorded.get(i).request().uri().getRawQuery()).isEqualTo("measurement_id=" + STREAM
                    + "&api_secret=%5Bredacted%5D");
        }
    }

    @Test
    void throttlingAndOutagesAreRetriedAndOtherStatusesGivenUp() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        server.inject(new Fault.ServerError(503));
        SyncReport report = google.sendEvents(List.of(event("a", EventType.VIEW_CONTENT, "1.2", NOW),
                event("b", EventType.VIEW_CONTENT, "3.4", NOW)), NOW);
        assertThat(report.stoppedBy()).isInstanceOf(Outcome.Retry.class);
        assertThat(report.notAttempted()).containsExactly(1);
        server.inject(new Fault.Throttle(30));
        assertThat(google.sendEvents(List.of(event("a", EventType.VIEW_CONTENT, "1.2", NOW)), NOW).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(30)));
        server.inject(new Fault.Permanent());
        assertThat(google.sendEvents(List.of(event("a", EventType.VIEW_CONTENT, "1.2", NOW)), NOW).stoppedBy())
                .isInstanceOf(Outcome.GiveUp.class);
    }

    @Test
    void theTestPathIsTheValidationServerAndRecordsNothing() {
        GoogleDestination google = ga4Only(Mode.LIVE);
        GoogleDestination validating = destination(ga4().withValidation(true), Mode.LIVE,
                GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl()));
        assertThat(validating.sendEvents(List.of(event("t", EventType.PURCHASE, "1.2", NOW)), NOW).complete()).isTrue();
        assertThat(server.received().get(0).path()).isEqualTo("/debug/mp/collect");
        assertThat(server.ga4Validations()).isEqualTo(1);
        assertThat(server.ga4Events()).isEmpty();
        assertThat(google.requests().all()).isEmpty();
    }

    @Test
    void validationMessagesAreAGiveUpWithGa4sDescription() {
        assertThat(GoogleErrors.classifyGa4(new io.rebound.destinations.Response.Http(200, Map.of(),
                ("{\"validationMessages\":[{\"fieldPath\":\"events\",\"description\":\"Event at index: [0] has invalid name "
                        + "[_bad].\",\"validationCode\":\"NAME_INVALID\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> {
                    assertThat(g.code()).isEqualTo("GA4 NAME_INVALID");
                    assertThat(g.message()).contains("invalid name");
                });
    }

    @Test
    void withAConversionActionTooEachEventGoesToBothAndMembershipEventsToGa4Only() {
        GoogleDestination google = destination(ga4(), Mode.LIVE, GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl())
                .withConversionAction("998877"));
        ServerEvent membership = new ServerEvent("m1", EventType.CUSTOM, "Rebound_Viewers", NOW, null, null, null, null,
                Map.of(ClickIds.GA_CLIENT_ID, "5.5"), Contact.ofEmail("ana@example.com"), null, null, null, null, null);
        SyncReport report = google.sendEvents(List.of(event("p1", EventType.PURCHASE, "5.5", NOW), membership), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.complete()).isTrue();
        assertThat(report.skipped()).isEmpty();
        assertThat(report.appliedRows()).containsExactlyInAnyOrder(0, 1);
        assertThat(server.events()).extracting(e -> e.path("transactionId").asText()).containsExactly("order-41");
        assertThat(server.ga4Events()).extracting(e -> e.path("name").asText()).containsExactly("purchase", "Rebound_Viewers");
    }

    @Test
    void aConversionActionThatAsksToRetryHoldsGa4BackAndAGa4GiveUpIsReportedLast() {
        GoogleDestination google = destination(ga4(), Mode.LIVE, GoogleConfig.of("1234567890").withBaseUrl(server.baseUrl())
                .withConversionAction("998877"));
        server.inject(new Fault.ServerError(503));
        assertThat(google.sendEvents(List.of(event("p1", EventType.PURCHASE, "5.5", NOW)), NOW).stoppedBy())
                .isInstanceOf(Outcome.Retry.class);
        assertThat(server.ga4Events()).isEmpty();

        server.inject(new Fault.Permanent()).inject(new Fault.Permanent());
        SyncReport report = google.sendEvents(List.of(event("p1", EventType.PURCHASE, "5.5", NOW)), NOW);
        assertThat(report.stoppedBy()).isInstanceOf(Outcome.GiveUp.class);
        assertThat(report.appliedRows()).isEmpty();
    }
}
