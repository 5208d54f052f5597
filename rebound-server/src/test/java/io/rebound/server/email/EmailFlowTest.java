package io.rebound.server.email;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.audience.AudienceColumns;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.EmbeddedAudienceRuntime;
import io.rebound.server.audience.EmbeddedAudiences;
import io.rebound.server.audience.MutableClock;
import io.rebound.server.audience.SegmentRepository;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.collect.Pii;
import io.rebound.server.commerce.JdbcCatalog;
import io.rebound.server.json.Json;
import io.rebound.server.log.FileEventLog;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import io.rebound.server.wiring.ServerRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The abandoned-cart flow against a real SMTP server (GreenMail in the JVM), driven by the embedded
 * audience runtime's membership change log: step 1 to a member, nothing to a buyer, the
 * smart-sending gap, the offer touch's code, one-click unsubscribe, and a worker that dies between
 * claim and mark (or between the server's accept and the mark: the same Message-ID again).
 */
class EmailFlowTest extends EmailFlowFixture {
    @Test
    void aMemberGetsStepOneWithBothPartsAndOneClickUnsubscribeHeaders() throws Exception {
        subscribe("alice");
        event("alice", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(30)))).as("nothing is due before the first delay").isZero();
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);

        List<MimeMessage> mail = to("alice");
        assertThat(mail).hasSize(1);
        MimeMessage m = mail.getFirst();
        assertThat(m.getSubject()).isEqualTo("You left something behind");
        assertThat(m.getFrom()[0].toString()).isEqualTo("shop@yoga.example");
        assertThat(m.getHeader("List-Unsubscribe-Post")[0]).isEqualTo("List-Unsubscribe=One-Click");
        String listUnsubscribe = m.getHeader("List-Unsubscribe")[0];
        assertThat(listUnsubscribe).startsWith("<https://rebound.yoga.example/email/unsubscribe?t=")
                .contains(", <mailto:shop@yoga.example?subject=unsubscribe%20");
        assertThat(m.getMessageID()).isEqualTo(EmailFlows.messageId(JdbcEmailQueue.key(campaign, person("alice"), 0)));
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(parts.getContentType()).startsWith("multipart/alternative");
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat((String) parts.getBodyPart(0).getContent()).contains("Yoga mat (68.00 USD): https://shop.example/p/yoga-mat");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
        assertThat((String) parts.getBodyPart(1).getContent()).contains("<img src=\"https://shop.example/i/mat.jpg\"");
    }

    @Test
    void aBuyerLeavesTheSegmentAndGetsNothingMore() throws Exception {
        // Bob buys 20 minutes after abandoning, before the first touch is due: he never entered the
        // flow, whether the worker read his join before his purchase (bob) or both at once (dave).
        subscribe("bob");
        subscribe("dave");
        event("bob", EventType.ADD_TO_CART, T0);
        runAt(T0.plus(Duration.ofMinutes(5)));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("bob"), 0))).contains("queued");
        event("bob", EventType.PURCHASE, T0.plus(Duration.ofMinutes(20)));
        event("dave", EventType.ADD_TO_CART, T0);
        event("dave", EventType.PURCHASE, T0.plus(Duration.ofMinutes(20)));
        // Carol gets the first touch, then buys: she entered, and the rest of her flow exits as converted.
        subscribe("carol");
        event("carol", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        event("carol", EventType.PURCHASE, T0.plus(Duration.ofHours(2)));

        assertThat(runAt(T0.plus(Duration.ofHours(30)))).isZero();
        assertThat(to("bob")).isEmpty();
        assertThat(to("dave")).isEmpty();
        assertThat(to("carol")).hasSize(1);
        for (String name : List.of("bob", "dave")) {
            assertThat(queue.state(JdbcEmailQueue.key(campaign, person(name), 0))).as(name).isEmpty();
            assertThat(queue.state(JdbcEmailQueue.key(campaign, person(name), 1))).as(name).isEmpty();
        }
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("carol"), 0))).contains("sent");
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("carol"), 1))).contains("exited");
        JdbcOffers.People people = offers.people(campaigns.get(store, campaign).orElseThrow());
        assertThat(people.total().entered()).isEqualTo(1);
        assertThat(people.total().converted()).isEqualTo(1);
    }

    @Test
    void theExitIsCheckedAgainRightBeforeTheSend() throws Exception {
        subscribe("bob");
        event("bob", EventType.ADD_TO_CART, T0);
        runAt(T0.plus(Duration.ofMinutes(5)));
        event("bob", EventType.PURCHASE, T0.plus(Duration.ofMinutes(20)));
        // The send is due but the flow has not read the LEFT yet: the membership check catches it.
        clock.set(T0.plus(Duration.ofHours(2)));
        runtime.sync();
        String key0 = JdbcEmailQueue.key(campaign, person("bob"), 0);
        assertThat(queue.claim(key0, clock.instant())).isTrue();
        queue.defer(key0, clock.instant());
        assertThat(newWorker().runOnce()).isZero();
        assertThat(to("bob")).isEmpty();
    }

    @Test
    void theSmartSendingGapHoldsBackTheNextStepAndTheOfferTouchCarriesItsUniqueCode() throws Exception {
        subscribe("alice");
        event("alice", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        assertThat(runAt(T0.plus(Duration.ofHours(3)))).as("step 2 is due, but the gap is 16 h").isZero();
        assertThat(runAt(T0.plus(Duration.ofHours(17).plusMinutes(2)))).as("step 2 after the gap").isEqualTo(1);
        assertThat(runAt(T0.plus(Duration.ofHours(25)))).as("step 3 is held back by step 2").isZero();
        assertThat(runAt(T0.plus(Duration.ofHours(34)))).isEqualTo(1);
        Instant offerAt = T0.plus(Duration.ofHours(72));
        assertThat(runAt(offerAt)).as("the offer touch").isEqualTo(1);
        assertThat(to("alice")).extracting(MimeMessage::getSubject)
                .containsExactly("You left something behind", "Still in your cart", "Last call", "10 % off");

        // The code is the one the decision API path issued and keeps: one per (campaign, person, touch).
        List<io.rebound.core.campaign.IssuedOffer> issued = offers.offersOf(store, person("alice"));
        assertThat(issued).hasSize(1);
        assertThat(issued.getFirst().touch()).isEqualTo(3);
        assertThat(issued.getFirst().expiresAt()).isEqualTo(offerAt.plus(Duration.ofHours(48)));
        String text = (String) ((MimeMultipart) to("alice").getLast().getContent()).getBodyPart(0).getContent();
        assertThat(text).contains("Your code: " + issued.getFirst().code()
                + " (10 % off orders over 50 USD, valid until 2026-03-07 10:00 UTC)");
        String html = (String) ((MimeMultipart) to("alice").getLast().getContent()).getBodyPart(1).getContent();
        assertThat(html).contains(issued.getFirst().code());
    }

    @Test
    void oneClickUnsubscribeStopsFurtherMail() throws Exception {
        subscribe("carol");
        event("carol", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        Matcher url = Pattern.compile("<https://rebound\\.yoga\\.example(/email/unsubscribe\\?t=[^>]+)>")
                .matcher(to("carol").getFirst().getHeader("List-Unsubscribe")[0]);
        assertThat(url.find()).isTrue();

        HttpResponse<String> page = http("GET", url.group(1), null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form method=\"post\"");
        assertThat(http("POST", "/email/unsubscribe?t=forged.token", null, "List-Unsubscribe=One-Click").statusCode())
                .isEqualTo(400);
        // What a mail client sends for RFC 8058 one-click.
        assertThat(http("POST", url.group(1), null, "List-Unsubscribe=One-Click").statusCode()).isEqualTo(200);
        assertThat(queue.suppressed(store, Pii.emailSha256(email("carol")))).isTrue();

        assertThat(runAt(T0.plus(Duration.ofHours(40)))).isZero();
        assertThat(to("carol")).hasSize(1);
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("carol"), 1))).contains("suppressed");
        HttpResponse<String> again = http("PUT", "/api/v1/stores/" + store + "/subscribers/" + email("carol"), key,
                "{\"consent\": true}");
        assertThat(again.body()).contains("\"suppressed\":true");
    }

    @Test
    void noConsentNoAddressAndNoMail() throws Exception {
        HttpResponse<String> r = http("PUT", "/api/v1/stores/" + store + "/subscribers/" + email("dave"), key, "{}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("consent");
        event("dave", EventType.ADD_TO_CART, T0);
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isZero();
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("dave"), 0))).contains("no_address");
    }

    @Test
    void aWorkerThatDiesAfterItsClaimLosesNothingAndSendsOnce() throws Exception {
        subscribe("erin");
        event("erin", EventType.ADD_TO_CART, T0);
        runAt(T0.plus(Duration.ofMinutes(5)));
        Instant due = T0.plus(Duration.ofMinutes(61));
        String key0 = JdbcEmailQueue.key(campaign, person("erin"), 0);
        // The first worker claims the row and dies before sending.
        assertThat(queue.claim(key0, due)).isTrue();
        flows = newWorker();
        assertThat(runAt(due.plus(Duration.ofMinutes(1)))).as("a fresh claim is not taken over").isZero();
        assertThat(runAt(due.plus(EmailFlows.CLAIM_TIMEOUT).plus(Duration.ofMinutes(1)))).isEqualTo(1);
        assertThat(runAt(due.plus(Duration.ofMinutes(30)))).isZero();
        assertThat(to("erin")).hasSize(1);
        assertThat(queue.state(key0)).contains("sent");
    }

    @Test
    void aWorkerThatDiesAfterTheServerAcceptedSendsTheSameMessageIdAgain() throws Exception {
        subscribe("erin");
        event("erin", EventType.ADD_TO_CART, T0);
        runAt(T0.plus(Duration.ofMinutes(5)));
        Instant due = T0.plus(Duration.ofMinutes(61));
        String key0 = JdbcEmailQueue.key(campaign, person("erin"), 0);
        // The documented edge: SMTP accepted the message, the process died before marking the row sent.
        assertThat(queue.claim(key0, due)).isTrue();
        new SmtpSender(settings).send(new OutgoingEmail(email("erin"), "You left something behind", "t", "<p>h</p>",
                "https://rebound.yoga.example/email/unsubscribe?t=x", "mailto:shop@yoga.example",
                EmailFlows.messageId(key0)));
        flows = newWorker();
        assertThat(runAt(due.plus(EmailFlows.CLAIM_TIMEOUT).plus(Duration.ofMinutes(1)))).isEqualTo(1);
        assertThat(runAt(due.plus(Duration.ofHours(1)))).isZero();
        List<MimeMessage> mail = to("erin");
        assertThat(mail).hasSize(2);
        assertThat(mail.get(0).getMessageID()).isEqualTo(mail.get(1).getMessageID());
    }

    @Test
    void aFlowMovedToAnotherSegmentFollowsTheNewSegmentsChangeLog() throws Exception {
        subscribe("frank");
        Map<String, Object> viewers = Map.of("name", "Viewers",
                "include", List.of(Map.of("event", "ViewContent", "within_days", 14)));
        String other = audiences.createSegment(store, SegmentDefinitions.parse(viewers), null).id();
        runtime.backfillDone(store, other).join();
        runAt(T0);
        clock.set(T0.plus(Duration.ofMinutes(10)));
        JdbcCampaigns campaigns = new JdbcCampaigns(database.dataSource(), clock);
        CampaignDefinition d = campaigns.get(store, campaign).map(CampaignRecord::definition).orElseThrow();
        campaigns.update(store, campaign, new CampaignDefinition(d.name(), other, d.channels(), d.touches(),
                d.capPerPersonPerDay(), d.holdoutBasisPoints()));
        event("frank", EventType.VIEW_CONTENT, T0.plus(Duration.ofMinutes(20)));
        assertThat(runAt(T0.plus(Duration.ofMinutes(82)))).isEqualTo(1);
        assertThat(to("frank")).hasSize(1);
        assertThat(queue.cursor(campaign).orElseThrow().segmentId()).isEqualTo(other);
    }
}
