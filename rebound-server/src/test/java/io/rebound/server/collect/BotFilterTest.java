package io.rebound.server.collect;

import io.rebound.core.event.Source;
import io.rebound.core.time.EventTimePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.STORE;
import static org.assertj.core.api.Assertions.assertThat;

/** Uses the real Yauaa analyser (built once for the JVM through {@link BotFilter#shared()}). */
class BotFilterTest {

    private static final String HEADLESS_CHROMIUM =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";

    @ParameterizedTest
    @ValueSource(strings = {
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/W.X.Y.Z Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
            "curl/8.5.0",
            "python-requests/2.31.0"})
    void crawlersAndScriptsAreBots(String ua) {
        assertThat(BotFilter.shared().isBot(ua)).as(BotFilter.shared().deviceClass(ua)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            HEADLESS_CHROMIUM,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"})
    void browsersIncludingHeadlessChromiumAreNotBots(String ua) {
        assertThat(BotFilter.shared().isBot(ua)).as(BotFilter.shared().deviceClass(ua)).isFalse();
    }

    @Test
    void noUserAgentIsNotABot() {
        assertThat(BotFilter.shared().isBot(null)).isFalse();
        assertThat(BotFilter.shared().isBot("")).isFalse();
        assertThat(BotFilter.shared().isBot("  ")).isFalse();
    }

    @Test
    void botMessagesAreCountedAndDroppedNotRejected() {
        CollectorParser parser = new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared());
        BatchResult r = parser.parseBatch(Fixtures.body(Fixtures.q("{'batch':["
                        + "{'type':'page','anonymousId':'a','context':{'userAgent':'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'}},"
                        + "{'type':'page','anonymousId':'b','context':{'userAgent':'" + HEADLESS_CHROMIUM + "'}},"
                        + "{'type':'page','anonymousId':'c'}]}")),
                STORE, new RequestInfo("curl/8.5.0", "198.51.100.1", false), NOW, Source.SEGMENT);
        // The third message has no context.userAgent; on the Segment API the request's own agent
        // (here a server-side script) is not the visitor's, so it is not a bot.
        assertThat(r.accepted()).extracting(e -> e.anonymousId()).containsExactly("b", "c");
        assertThat(r.filteredBots()).isEqualTo(1);
        assertThat(r.rejected()).isEmpty();

        GifParser gif = new GifParser(EventTimePolicy.DEFAULT, BotFilter.shared());
        BatchResult crawled = gif.parse(Map.of("aid", "a"), STORE,
                new RequestInfo("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "198.51.100.1", false), NOW);
        assertThat(crawled).isEqualTo(new BatchResult(java.util.List.of(), java.util.List.of(), 1));
    }

    @Test
    void aParseInProgressNeverHoldsUpAnotherThreadWithOneAnalyser() throws Exception {
        CountDownLatch parsing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BotFilter filter = new BotFilter(List.of(ua -> {
            parsing.countDown();
            await(release);
            return "Robot";
        }), 100);
        Thread slow = new Thread(() -> filter.isBot("slow-bot/1.0"));
        slow.start();
        assertThat(parsing.await(10, TimeUnit.SECONDS)).isTrue();
        // Not cached and the only analyser is busy: let through at once, counted.
        assertThat(CompletableFuture.supplyAsync(() -> filter.isBot("other/2.0")).get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(filter.unchecked()).isEqualTo(1);
        release.countDown();
        slow.join();
        assertThat(filter.isBot("slow-bot/1.0")).isTrue();
    }

    @Test
    void aSecondAnalyserParsesWhileTheFirstIsBusy() throws Exception {
        CountDownLatch parsing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BotFilter.Parser slowParser = ua -> {
            if (ua.startsWith("slow")) {
                parsing.countDown();
                await(release);
            }
            return ua.startsWith("bot") || ua.startsWith("slow") ? "Robot" : "Desktop";
        };
        BotFilter filter = new BotFilter(List.of(slowParser, slowParser), 100);
        Thread slow = new Thread(() -> filter.isBot("slow-bot/1.0"));
        slow.start();
        assertThat(parsing.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(CompletableFuture.supplyAsync(() -> filter.isBot("bot/2.0")).get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(filter.unchecked()).isZero();
        release.countDown();
        slow.join();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
