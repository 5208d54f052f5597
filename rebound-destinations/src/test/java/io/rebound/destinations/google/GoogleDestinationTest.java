package io.rebound.destinations.google;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.activation.Contact;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static io.rebound.destinations.contract.Fixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;

class GoogleDestinationTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String TOKEN = "ya29.fixed";

    private final GoogleContractServer server = new GoogleContractServer("1234567890").acceptToken(TOKEN);
    private final HttpTransport transport = new HttpTransport(Duration.ofSeconds(5), Duration.ofSeconds(20));

    @AfterEach
    void close() {
        server.close();
    }

    private GoogleConfig config() {
        return GoogleConfig.of("123-456-7890").withBaseUrl(server.baseUrl()).withCustomerMatchTermsAccepted(true)
                .withConversionAction("998877");
    }

    private GoogleDestination destination(GoogleConfig config, Mode mode) {
        return new GoogleDestination(config, AccessTokenProvider.fixed(TOKEN), mode, transport, new RequestLog(500), CLOCK);
    }

    @Test
    void createsAUserListAndUploadsTwentyThousandMembersInRequestsOfAtMostTenThousand() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceResult created = google.createAudience("Past purchasers", Fixtures.generated(20_001));

        assertThat(server.violations()).isEmpty();
        assertThat(created.seed().complete()).isTrue();
        assertThat(created.seed().deliveries()).extracting(d -> d.rows().size()).containsExactly(10_000, 10_000, 1);
        Set<String> expected = new HashSet<>();
        IntStream.range(0, 20_001).forEach(i -> expected.add(sha256(Fixtures.generatedEmail(i))));
        assertThat(server.members(created.audience().id())).isEqualTo(expected);
    }

    @Test
    void gmailAddressesArriveWithGooglesRuleAndPhonesInE164() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        assertThat(google.addMembers(list, Fixtures.documented()).complete()).isTrue();

        assertThat(server.violations()).isEmpty();
        Set<String> expected = new HashSet<>();
        Fixtures.EMAILS.forEach(e -> expected.add(sha256(e.google())));
        Fixtures.PHONES.forEach(p -> expected.add(sha256(p.e164())));
        assertThat(server.members(list.id())).isEqualTo(expected);
    }

    @Test
    void addressesGoHashedNamesWithPlainRegionAndPostalCodeAndAtMostTenIdentifiers() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        List<String> emails = new ArrayList<>();
        IntStream.range(0, 12).forEach(i -> emails.add("many" + i + "@example.com"));
        Member many = new Member("m", Contact.EMPTY.withEmails(emails), AdConsent.UNSTATED);
        Member address = new Member("a", Contact.EMPTY.withName(" John ", "Smith").withAddress(null, null, "94025-1234", "us"),
                AdConsent.UNSTATED);
        google.addMembers(list, List.of(many, address));

        assertThat(server.violations()).isEmpty();
        JsonNode members = server.received().get(0).json().path("audienceMembers");
        assertThat(members.get(0).path("userData").path("userIdentifiers").size()).isEqualTo(10);
        JsonNode a = members.get(1).path("userData").path("userIdentifiers").get(0).path("address");
        assertThat(a.path("givenName").asText()).isEqualTo(sha256("john"));
        assertThat(a.path("regionCode").asText()).isEqualTo("US");
        assertThat(a.path("postalCode").asText()).isEqualTo("94025");
    }

    @Test
    void consentIsSentOnlyWhenStatedAndNeverOnRemoval() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        List<Member> members = List.of(new Member("s", Contact.ofEmail("s@example.com"), new AdConsent(true, NOW)),
                new Member("u", Contact.ofEmail("u@example.com"), AdConsent.UNSTATED));
        google.addMembers(list, members);
        JsonNode sent = server.received().get(0).json().path("audienceMembers");
        assertThat(sent.get(0).path("consent").path("adUserData").asText()).isEqualTo("CONSENT_GRANTED");
        assertThat(sent.get(0).path("consent").path("adPersonalization").asText()).isEqualTo("CONSENT_GRANTED");
        assertThat(sent.get(1).has("consent")).isFalse();

        google.removeMembers(list, members);
        assertThat(server.violations()).isEmpty();
        assertThat(server.members(list.id())).isEmpty();
    }

    @Test
    void throttlingHonoursRetryAfterAndFiveHundredsAreRetried() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        server.inject(new Fault.Throttle(42));
        assertThat(google.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(42)));
        server.inject(new Fault.ServerError(503));
        assertThat(google.addMembers(list, Fixtures.generated(2)).stoppedBy()).isInstanceOf(Outcome.Retry.class);
    }

    @Test
    void aTimeoutIsRetried() {
        AudienceRef list = AudienceRef.of(io.rebound.core.activation.Platform.GOOGLE, server.createExisting());
        server.inject(new Fault.Timeout(Duration.ofMillis(2_000)));
        GoogleDestination impatient = new GoogleDestination(config(), AccessTokenProvider.fixed(TOKEN), Mode.LIVE,
                new HttpTransport(Duration.ofSeconds(5), Duration.ofMillis(500)), new RequestLog(), CLOCK);
        assertThat(impatient.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.reason()).startsWith("timeout"));
    }

    @Test
    void permissionDeniedAndUnacceptedTermsAreGivenUp() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        server.inject(new Fault.Permanent());
        assertThat(google.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class, g -> assertThat(g.code()).startsWith("PERMISSION_DENIED"));
        GoogleDestination noTerms = destination(config().withCustomerMatchTermsAccepted(false), Mode.LIVE);
        assertThat(noTerms.addMembers(list, Fixtures.generated(2)).stoppedBy())
                .isInstanceOfSatisfying(Outcome.GiveUp.class,
                        g -> assertThat(g.code()).isEqualTo("INVALID_ARGUMENT/TERMS_AND_CONDITIONS_NOT_SIGNED"));
    }

    @Test
    void fieldViolationsNameTheRowsSoTheRestCanBeResent() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        List<Member> members = new ArrayList<>(Fixtures.generated(4));
        members.add(0, new Member("x", Contact.ofEmail("nope"), AdConsent.UNSTATED));
        server.inject(new Fault.Partial(List.of(2)));
        SyncReport report = google.addMembers(list, members);
        assertThat(report.stoppedBy()).isInstanceOfSatisfying(Outcome.GiveUp.class,
                g -> assertThat(g.rows()).as("request row 2 is input row 3, after the skipped one").containsExactly(3));
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(0);
    }

    @Test
    void dryRunRecordsByteForByteWhatLiveSendsWithoutAToken() {
        List<Member> members = Fixtures.generated(12_000);
        String listId = server.createExisting();
        destination(config(), Mode.LIVE).addMembers(AudienceRef.of(io.rebound.core.activation.Platform.GOOGLE, listId), members);
        List<Received> sent = server.received();

        GoogleDestination dry = new GoogleDestination(config(), () -> {
            throw new AssertionError("dry-run must not fetch a token");
        }, Mode.DRY_RUN, null, new RequestLog(), CLOCK);
        dry.addMembers(dry.linkAudience(listId), members);
        List<RecordedRequest> recorded = dry.requests().all();

        assertThat(server.received()).hasSameSizeAs(sent);
        assertThat(recorded).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(recorded.get(i).request().body()).isEqualTo(sent.get(i).body());
            assertThat(recorded.get(i).request().headers().get("Authorization")).isEqualTo("[redacted]");
        }
    }

    @Test
    void validateOnlyIsTheTestPathAndChangesNothing() {
        GoogleDestination google = destination(config().withValidateOnly(true), Mode.LIVE);
        AudienceRef list = google.linkAudience(server.createExisting());
        assertThat(google.addMembers(list, Fixtures.generated(3)).complete()).isTrue();
        assertThat(server.received().get(0).json().path("validateOnly").asBoolean()).isTrue();
        assertThat(server.members(list.id())).isEmpty();
    }

    @Test
    void conversionsCarryClickIdsAndUserDataAndSkipEventsWithNeither() {
        GoogleDestination google = destination(config(), Mode.LIVE);
        ServerEvent withGclid = new ServerEvent("e1", EventType.PURCHASE, null, NOW, null, null, null, null,
                Map.of(ClickIds.GCLID, "Cj0KCQ"), Contact.ofEmail("Jefferson.Loves.Hiking@gmail.com"),
                new BigDecimal("19.99"), "USD", null, "order-7", new AdConsent(true, NOW));
        ServerEvent anonymous = new ServerEvent("e2", EventType.PURCHASE, null, NOW, null, null, null, null, Map.of(), null,
                null, null, null, null, null);
        SyncReport report = google.sendEvents(List.of(withGclid, anonymous), NOW);

        assertThat(server.violations()).isEmpty();
        assertThat(report.skipped()).extracting(SyncReport.Skip::row).containsExactly(1);
        JsonNode e = server.events().get(0);
        assertThat(e.path("transactionId").asText()).isEqualTo("order-7");
        assertThat(e.path("adIdentifiers").path("gclid").asText()).isEqualTo("Cj0KCQ");
        assertThat(e.path("userData").path("userIdentifiers").get(0).path("emailAddress").asText())
                .isEqualTo(sha256("jeffersonloveshiking@gmail.com"));
        assertThat(e.path("eventTimestamp").asText()).isEqualTo("2026-03-01T12:00:00Z");
        assertThat(server.received().get(0).json().path("destinations").get(0).path("productDestinationId").asText())
                .isEqualTo("998877");
    }
}
