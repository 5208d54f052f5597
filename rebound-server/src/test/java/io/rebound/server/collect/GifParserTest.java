package io.rebound.server.collect;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Source;
import io.rebound.core.event.Violation;
import io.rebound.core.time.EventTimePolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.rebound.server.collect.Fixtures.BROWSER;
import static io.rebound.server.collect.Fixtures.CONSENT_STORE;
import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.STORE;
import static org.assertj.core.api.Assertions.assertThat;

class GifParserTest {

    private final GifParser gif = new GifParser(EventTimePolicy.DEFAULT, BotFilter.disabled());

    @Test
    void readsAPageViewFromTheQuery() {
        BatchResult r = gif.parse(Map.of("k", "wk_yoga", "id", "ev-1", "aid", "anon-1", "u", "https://shop.test/mat?gclid=G",
                "r", "https://google.com/", "ts", "2025-06-01T11:59:00Z"), STORE, BROWSER, NOW);
        Event e = r.accepted().get(0);
        assertThat(e.type()).isEqualTo(EventType.PAGE_VIEW);
        assertThat(e.eventId()).isEqualTo("ev-1");
        assertThat(e.anonymousId()).isEqualTo("anon-1");
        assertThat(e.pageUrl()).isEqualTo("https://shop.test/mat?gclid=G");
        assertThat(e.referrer()).isEqualTo("https://google.com/");
        assertThat(e.eventTime()).isEqualTo(NOW.minusSeconds(60));
        assertThat(e.source()).isEqualTo(Source.PIXEL);
        assertThat(e.userAgent()).isEqualTo(BROWSER.userAgentHeader());
        assertThat(e.ip()).isEqualTo("203.0.113.0");
        assertThat(e.clickIds()).containsEntry("gclid", "G");
    }

    @Test
    void acceptsEpochMillisProductsAndValue() {
        Event e = gif.parse(Map.of("e", "ViewContent", "aid", "a", "ts", String.valueOf(NOW.toEpochMilli()),
                "cid", "yoga-mat, yoga-block", "v", "68", "cur", "usd"), STORE, BROWSER, NOW).accepted().get(0);
        assertThat(e.type()).isEqualTo(EventType.VIEW_CONTENT);
        assertThat(e.eventTime()).isEqualTo(NOW);
        assertThat(e.productIds()).containsExactly("yoga-mat", "yoga-block");
        assertThat(e.value()).isEqualByComparingTo("68");
        assertThat(e.currency()).isEqualTo("USD");
    }

    @Test
    void withoutAnAnonymousIdAWeakOneIsDerivedPerIpUserAgentAndDay() {
        String first = gif.parse(Map.of("u", "https://shop.test/"), STORE, BROWSER, NOW).accepted().get(0).anonymousId();
        String sameDay = gif.parse(Map.of("u", "https://shop.test/other"), STORE,
                new RequestInfo(BROWSER.userAgentHeader(), "203.0.113.5", false), NOW.plusSeconds(3600)).accepted().get(0).anonymousId();
        String nextDay = gif.parse(Map.of("u", "https://shop.test/"), STORE, BROWSER, NOW.plusSeconds(86_400)).accepted().get(0).anonymousId();
        assertThat(first).startsWith("w-").hasSize(34).isEqualTo(sameDay).isNotEqualTo(nextDay);
    }

    @Test
    void withoutConsentTheWeakIdLinksNothing() {
        String a = gif.parse(Map.of("u", "https://shop.test/a"), CONSENT_STORE, BROWSER, NOW).accepted().get(0).anonymousId();
        String b = gif.parse(Map.of("u", "https://shop.test/b"), CONSENT_STORE, BROWSER, NOW).accepted().get(0).anonymousId();
        assertThat(a).startsWith("w-").isNotEqualTo(b);
        assertThat(gif.parse(Map.of("aid", "x"), CONSENT_STORE, BROWSER, NOW).accepted().get(0).ip()).isNull();
    }

    @Test
    void eventIdWithoutIdIsDerivedFromQueryAndArrival() {
        String a = gif.parse(Map.of("aid", "x", "u", "https://shop.test/"), STORE, BROWSER, NOW).accepted().get(0).eventId();
        String again = gif.parse(Map.of("aid", "x", "u", "https://shop.test/", "k", "other-key"), STORE, BROWSER, NOW).accepted().get(0).eventId();
        String later = gif.parse(Map.of("aid", "x", "u", "https://shop.test/"), STORE, BROWSER, NOW.plusSeconds(5)).accepted().get(0).eventId();
        assertThat(a).startsWith("d-").isEqualTo(again).isNotEqualTo(later);
    }

    @Test
    void violationsNameTheQueryParameter() {
        BatchResult r = gif.parse(Map.of("aid", "a", "id", "ev-9", "ts", "tomorrow", "v", "much", "cur", "dollars"), STORE, BROWSER, NOW);
        assertThat(r.rejected()).singleElement().satisfies(rej -> {
            assertThat(rej.messageId()).isEqualTo("ev-9");
            assertThat(rej.violations()).extracting(Violation::field).containsExactlyInAnyOrder("ts", "v", "cur");
        });
    }
}
