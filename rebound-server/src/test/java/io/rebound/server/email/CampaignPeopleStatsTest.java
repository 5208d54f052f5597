package io.rebound.server.email;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.core.event.EventType;
import io.rebound.server.json.Json;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET …/campaigns/{id}/stats}'s distinct-person counts ({@code people}, per touch and in all)
 * from a flow run over real SMTP: the email queue's rows and the offers, each person counted once per
 * touch however many decisions were made about them; the decision counts stay as they were.
 */
class CampaignPeopleStatsTest extends EmailFlowFixture {

    private JsonNode stats() throws Exception {
        HttpResponse<String> r = http("GET", "/api/v1/stores/" + store + "/campaigns/" + campaign + "/stats", key, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    private static void counts(JsonNode people, long entered, long emailed, long reminded, long offered, long converted,
                               long exited) {
        assertThat(people.path("entered").asLong()).as("entered").isEqualTo(entered);
        assertThat(people.path("emailed").asLong()).as("emailed").isEqualTo(emailed);
        assertThat(people.path("reminded").asLong()).as("reminded").isEqualTo(reminded);
        assertThat(people.path("offered").asLong()).as("offered").isEqualTo(offered);
        assertThat(people.path("converted").asLong()).as("converted").isEqualTo(converted);
        assertThat(people.path("exited").asLong()).as("exited").isEqualTo(exited);
    }

    @Test
    void eachStepCountsPeopleOnceFromTheQueueAndTheOffers() throws Exception {
        for (String name : new String[]{"alice", "bob", "carol"}) {
            subscribe(name);
        }
        for (String name : new String[]{"alice", "bob", "carol", "dave"}) { // dave gave no address
            event(name, EventType.ADD_TO_CART, T0);
        }
        assertThat(runAt(T0.plus(Duration.ofMinutes(61)))).isEqualTo(3);
        assertThat(runAt(T0.plus(Duration.ofMinutes(90)))).as("a second pass decides nothing new").isZero();
        event("bob", EventType.PURCHASE, T0.plus(Duration.ofHours(2)));
        assertThat(runAt(T0.plus(Duration.ofHours(17).plusMinutes(2)))).isEqualTo(2);
        assertThat(runAt(T0.plus(Duration.ofHours(34)))).isEqualTo(2);
        assertThat(runAt(T0.plus(Duration.ofHours(72)))).as("the offer touch: alice and carol").isEqualTo(2);

        JsonNode s = stats();
        counts(s.at("/touches/0/people"), 4, 3, 3, 0, 0, 1);
        counts(s.at("/touches/1/people"), 4, 2, 2, 0, 1, 2);
        counts(s.at("/touches/3/people"), 4, 2, 0, 2, 1, 2);
        counts(s.at("/people"), 4, 3, 3, 2, 1, 2);
        // The decision counts are still there, unchanged in shape.
        assertThat(s.at("/touches/0/shown").asLong()).isEqualTo(3);
        assertThat(s.at("/touches/3/offers_issued").asLong()).isEqualTo(2);
        assertThat(s.path("decisions").asLong()).isPositive();

        // Alice redeems her code: she converted at the offer touch, once however often it is counted.
        String code = offers.offersOf(store, person("alice")).getFirst().code();
        assertThat(offers.redeem(store, code, "1001", T0.plus(Duration.ofHours(73)))).isTrue();
        s = stats();
        counts(s.at("/touches/3/people"), 4, 2, 0, 2, 2, 2);
        counts(s.at("/people"), 4, 3, 3, 2, 2, 2);
    }
}
