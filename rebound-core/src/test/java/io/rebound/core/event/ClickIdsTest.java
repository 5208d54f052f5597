package io.rebound.core.event;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClickIdsTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "fbp,          fb.1.1596403881668.1116446470",
            "fbc,          fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk",
            "fbclid,       IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk",
            "fbclid_at,    1554763741205",
            "ttp,          2Jp3xXnjgqiEV0ZVMhhOJQuGizu.tt.1",
            "ttclid,       E.C.P.CrgBvRLm-xyz",
            "epik,         dj0yJnU9Z1dRcVhZMHlZeWtsVEY0ZTlkRmtHMFRjX2hhMmFLNzUmbj1o",
            "gclid,        Cj0KCQjwqP2pBhDMARIsAJQ0CzpjkxsE_l2nqUjyH-WqvHhLgXgz",
            "gbraid,       0AAAAADxd1uJvzZ8m",
            "wbraid,       CjkKCAjw+l/z=",
            "ga_client_id, 1234567890.1700000000",
            "msclkid,      4b8f1cbf0ea41d5b08a8fd4a8e0e6d2c"
    })
    void thePlatformsDocumentedFormsAreKept(String key, String value) {
        assertThat(ClickIds.problem(key, value)).isNull();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "utm_source   | meta                           | is not a click id Rebound keeps",
            "gclid        | has space                      | may contain only letters, digits",
            "gclid        | <script>                       | may contain only letters, digits",
            "fbclid       | a\"b                           | may contain only letters, digits",
            "fbc          | IwAR2F4                        | must be Meta's cookie format",
            "fbp          | 1.1596403881668.1116446470     | must be Meta's cookie format",
            "fbclid_at    | yesterday                      | must be epoch milliseconds",
            "ga_client_id | GA1.1.1234567890.1700000000    | must be the client id of a _ga cookie",
            "ga_client_id | 1234567890                     | must be the client id of a _ga cookie",
            "ttp          | ''                             | must not be empty"
    })
    void otherKeysAndValuesAreRefusedWithAReason(String key, String value, String reason) {
        assertThat(ClickIds.problem(key, value)).startsWith(reason);
    }

    @Test
    void aValueIsAtMostFiveHundredCharacters() {
        assertThat(ClickIds.problem("gclid", "g".repeat(500))).isNull();
        assertThat(ClickIds.problem("gclid", "g".repeat(501))).isEqualTo("must be at most 500 characters, got 501");
    }

    @Test
    void violationsNameEachBadKeyUnderTheCallersPath() {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("fbp", "fb.1.1.2");
        ids.put("fbc", "nope");
        ids.put("gclid", "a b");
        assertThat(ClickIds.violations(ids, "context.clickIds")).extracting(Violation::field)
                .containsExactly("context.clickIds.fbc", "context.clickIds.gclid");
        assertThat(ClickIds.violations(Map.of("fbp", "fb.1.1.2"), "context.clickIds")).isEmpty();
    }

    @Test
    void anEventRefusesClickIdsTheRulesDoNotAllowNamingTheKey() {
        var builder = Event.builder("st", "e", EventType.PAGE_VIEW, Instant.EPOCH, Instant.EPOCH).anonymousId("a");
        assertThatThrownBy(() -> builder.clickIds(Map.of("fbc", "IwAR1")).build())
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).violations()).extracting(Violation::field)
                        .containsExactly("click_ids.fbc"));
        assertThatThrownBy(() -> builder.clickIds(Map.of("li_fat_id", "x")).build())
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("click_ids.li_fat_id");
        assertThat(builder.clickIds(Map.of("fbc", "fb.1.1.IwAR1")).build().clickIds()).containsEntry("fbc", "fb.1.1.IwAR1");
    }

    @Test
    void readableKeepsTheSameMapWhenAllAreValidAndDropsTheRestOtherwise() {
        Map<String, String> valid = Map.of("gclid", "G1", "ttp", "t");
        assertThat(ClickIds.readable(valid)).isSameAs(valid);
        assertThat(ClickIds.readable(Map.of("gclid", "G1", "fbclid", "a b", "other", "x"))).containsOnly(Map.entry("gclid", "G1"));
        assertThat(ClickIds.readable(null)).isNull();
    }

    @Test
    void theKeysHoldEveryPlatformsIdsAndTheUrlParameters() {
        assertThat(ClickIds.GA_CLIENT_ID).isEqualTo("ga_client_id");
        assertThat(ClickIds.KEYS).contains(ClickIds.FBP, ClickIds.FBC, ClickIds.FBCLID, ClickIds.FBCLID_AT, ClickIds.TTP,
                ClickIds.TTCLID, ClickIds.EPIK, ClickIds.GCLID, ClickIds.GBRAID, ClickIds.WBRAID);
        assertThat(ClickIds.KEYS).containsAll(ClickIds.URL_PARAMETERS);
    }
}
