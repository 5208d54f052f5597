package io.rebound.server.collect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

import java.util.Set;

/**
 * Recognises bots and crawlers by user agent with Yauaa (a maintained rule set, not a
 * hand-written list). A user agent is a bot when Yauaa's {@code DeviceClass} is Robot,
 * Robot Mobile, Robot Imitator, Spy or Hacker; that covers search and SEO crawlers (Googlebot,
 * bingbot, AhrefsBot …), link previewers, and scripted HTTP clients (curl, python-requests, Go,
 * Java, axios). Headless Chrome is classified as a desktop browser, so Rebound's own browser tests
 * are not filtered. A missing or empty user agent is not a bot: server-side senders have none.
 *
 * <p>The analyser takes a few seconds and some hundred MB to build, so build one per process:
 * {@link #shared()} does it once, at first use (call it at startup). Verdicts are cached per user
 * agent string.
 */
public final class BotFilter {

    private static final Set<String> BOT_CLASSES = Set.of("Robot", "Robot Mobile", "Robot Imitator", "Spy", "Hacker");
    private static final int DEFAULT_CACHE_SIZE = 20_000;
    private static volatile BotFilter shared;

    private final UserAgentAnalyzer analyzer;
    private final Cache<String, Boolean> verdicts;

    private BotFilter(UserAgentAnalyzer analyzer, int cacheSize) {
        this.analyzer = analyzer;
        this.verdicts = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** A new filter with its own analyser; prefer {@link #shared()}. */
    public static BotFilter create(int cacheSize) {
        UserAgentAnalyzer analyzer;
        try {
            analyzer = UserAgentAnalyzer.newBuilder()
                    .withField("DeviceClass")
                    .withoutCache() // verdicts are cached here, smaller than Yauaa's full results
                    .hideMatcherLoadStats()
                    .dropTests()
                    .immediateInitialization()
                    .build();
        } catch (NoClassDefFoundError e) {
            // Yauaa ships without logging ("no batteries included") and fails obscurely without it.
            throw new IllegalStateException("Yauaa needs the Log4j 2 API at runtime: add "
                    + "org.apache.logging.log4j:log4j-api and log4j-to-slf4j to the classpath", e);
        }
        return new BotFilter(analyzer, cacheSize);
    }

    /** The process-wide filter, built on first call. */
    public static BotFilter shared() {
        BotFilter f = shared;
        if (f == null) {
            synchronized (BotFilter.class) {
                f = shared;
                if (f == null) {
                    f = create(DEFAULT_CACHE_SIZE);
                    shared = f;
                }
            }
        }
        return f;
    }

    /** A filter that lets everything through, for tests and for deployments that filter upstream. */
    public static BotFilter disabled() {
        return new BotFilter(null, 1);
    }

    /** True when {@code userAgent} belongs to a bot or crawler; false for null or blank. */
    public boolean isBot(String userAgent) {
        if (analyzer == null || userAgent == null || userAgent.isBlank()) {
            return false;
        }
        return verdicts.get(userAgent, this::classify);
    }

    /** Yauaa's DeviceClass for {@code userAgent}, for diagnostics and tests. */
    public String deviceClass(String userAgent) {
        if (analyzer == null || userAgent == null) {
            return "Unknown";
        }
        return analyzer.parse(userAgent).getValue(UserAgent.DEVICE_CLASS);
    }

    private Boolean classify(String userAgent) {
        return BOT_CLASSES.contains(deviceClass(userAgent));
    }
}
