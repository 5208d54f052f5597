package io.rebound.server.collect;

import io.rebound.core.event.Event;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.rebound.server.collect.Fixtures.BROWSER;
import static io.rebound.server.collect.Fixtures.CONSENT_STORE;
import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.STORE;
import static io.rebound.server.collect.Fixtures.batch;
import static io.rebound.server.collect.Fixtures.one;
import static io.rebound.server.collect.Fixtures.violations;
import static org.assertj.core.api.Assertions.assertThat;

/** The ad platforms' ids in {@code context.clickIds}: which are kept, when, and what a bad one costs. */
class ClickIdsCollectionTest {

    private static final String ALL_IDS = "'clickIds':{'fbp':'fb.1.1700000000000.123456789',"
            + "'fbc':'fb.1.1700000000000.IwAR1abc','ttp':'2Jp3xXnjgqiEV0ZVMhhOJQuGizu','ttclid':'E.C.P.t1',"
            + "'epik':'dj0yJnU9e1','gclid':'Cj0KCQ-xyz','gbraid':'0AAAAAgb','wbraid':'CjkKCAwb',"
            + "'ga_client_id':'1234567890.1700000000','li_fat_id':'not ours'}";

    private static String message(String context) {
        return "{'type':'track','event':'AddToCart','anonymousId':'anon-1','context':{'page':{'url':"
                + "'https://shop.test/mat?fbclid=FB1&color=blue'}," + ALL_IDS + context + "}}";
    }

    @Test
    void everyKnownIdSentIsKeptAndOtherKeysAreIgnored() {
        Event e = one(message(""));
        assertThat(e.clickIds()).containsOnly(
                Map.entry("fbp", "fb.1.1700000000000.123456789"), Map.entry("fbc", "fb.1.1700000000000.IwAR1abc"),
                Map.entry("ttp", "2Jp3xXnjgqiEV0ZVMhhOJQuGizu"), Map.entry("ttclid", "E.C.P.t1"),
                Map.entry("epik", "dj0yJnU9e1"), Map.entry("gclid", "Cj0KCQ-xyz"), Map.entry("gbraid", "0AAAAAgb"),
                Map.entry("wbraid", "CjkKCAwb"), Map.entry("ga_client_id", "1234567890.1700000000"),
                Map.entry("fbclid", "FB1"));
    }

    @Test
    void aSentValueTheRulesRefuseRejectsTheMessageNamingTheField() {
        assertThat(violations("{'type':'track','event':'x','anonymousId':'a','context':{'clickIds':{'fbc':'IwAR1'}}}"))
                .singleElement().asString().startsWith("batch[0].context.clickIds.fbc: must be Meta's cookie format");
        assertThat(violations("{'type':'track','event':'x','anonymousId':'a','context':{'clickIds':{'gclid':'a b<'}}}"))
                .singleElement().asString()
                .startsWith("batch[0].context.clickIds.gclid: may contain only letters, digits and . _ - ~ = + /");
        assertThat(violations("{'type':'track','event':'x','anonymousId':'a','context':{'clickIds':{'ga_client_id':'GA1.1.1.2'}}}"))
                .singleElement().asString().startsWith("batch[0].context.clickIds.ga_client_id: must be the client id");
        assertThat(violations("{'type':'track','event':'x','anonymousId':'a','context':{'clickIds':{'ttp':'" + "t".repeat(501) + "'}}}"))
                .containsExactly("batch[0].context.clickIds.ttp: must be at most 500 characters, got 501");
    }

    @Test
    void aLandingUrlParameterTheRulesRefuseIsLeftOutWithoutRefusingTheEvent() {
        Event e = one("{'type':'page','anonymousId':'a','context':{'page':{'url':'https://shop.test/?gclid=a%20b&ttclid=T1'}}}");
        assertThat(e.clickIds()).containsOnly(Map.entry("ttclid", "T1"));
    }

    @Test
    void deniedAdPersonalizationDropsTheClickIdsKeepsOtherIdentifiersAndIsCounted() {
        BatchResult r = batch("{'batch':[" + message(",'consent':{'ad_storage':'granted','ad_user_data':'granted',"
                + "'ad_personalization':'denied'}") + "]}", STORE, BROWSER);
        Event e = r.accepted().get(0);
        assertThat(e.clickIds()).isEmpty();
        assertThat(e.pageUrl()).isEqualTo("https://shop.test/mat?color=blue");
        assertThat(e.ip()).as("identifiers are still allowed").isEqualTo("203.0.113.0");
        assertThat(r.clickIdsDropped()).isEqualTo(1);
    }

    @Test
    void deniedAdStorageGpcOrAConsentRequiringStoreWithoutGrantsDropThem() {
        assertThat(batch("{'batch':[" + message(",'consent':{'ad_storage':'denied'}") + "]}", STORE, BROWSER)
                .clickIdsDropped()).isEqualTo(1);
        assertThat(batch("{'batch':[" + message(",'gpc':true") + "]}", STORE, BROWSER).accepted().get(0).clickIds())
                .isEmpty();
        assertThat(one(message(""), CONSENT_STORE, BROWSER).clickIds()).isEmpty();
        Event granted = one(message(",'consent':{'ad_storage':'granted','ad_user_data':'granted'}"), CONSENT_STORE, BROWSER);
        assertThat(granted.clickIds()).containsKeys("fbp", "gclid", "fbclid");
    }

    @Test
    void anEventWithoutClickIdsIsNotCountedAsDropped() {
        BatchResult r = batch("{'batch':[{'type':'page','anonymousId':'a','context':{'consent':{'ad_storage':'denied'}}},"
                + message("") + "]}", STORE, BROWSER);
        assertThat(r.accepted()).hasSize(2);
        assertThat(r.clickIdsDropped()).isZero();
    }

    @Test
    void theNoscriptGifTakesClickIdsAsQueryParametersNamedLikeTheKeys() {
        GifParser gif = new GifParser(io.rebound.core.time.EventTimePolicy.DEFAULT, BotFilter.disabled());
        BatchResult ok = gif.parse(Map.of("aid", "g-1", "fbp", "fb.1.1700000000000.42", "gclid", "G1"), STORE, BROWSER, NOW);
        assertThat(ok.accepted().get(0).clickIds()).containsOnly(Map.entry("fbp", "fb.1.1700000000000.42"),
                Map.entry("gclid", "G1"));
        BatchResult bad = gif.parse(Map.of("aid", "g-1", "fbc", "IwAR1"), STORE, BROWSER, NOW);
        assertThat(bad.rejected().get(0).violations()).singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("fbc"));
    }
}
