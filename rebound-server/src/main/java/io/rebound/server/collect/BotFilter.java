package io.rebound.server.collect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Recognises bots and crawlers by user agent with Yauaa (a maintained rule set, not a
 * hand-written list). A user agent is a bot when Yauaa's {@code DeviceClass} is Robot,
 * Robot Mobile, Robot Imitator, Spy or Hacker; that covers search and SEO crawlers (Googlebot,
 * bingbot, AhrefsBot …), link previewers, and scripted HTTP clients (curl, python-requests, Go,
 * Java, axios). Headless Chrome is classified as a desktop browser, so Rebound's own browser tests
 * are not filtered. A missing or empty user agent is not a bot: server-side senders have none.
 *
 * <p>An analyser takes a few seconds and about 70 MB to build, so build them once per process:
 * {@link #shared()} does it at first use (call it at startup). Verdicts are cached per user agent
 * string (bounded), and a cached verdict is read without a lock. A user agent not in the cache is
 * parsed by one of {@value #DEFAULT_PARSERS} analysers; Yauaa serialises each analyser's calls,
 * so an event loop only ever <em>tries</em> to take one and never waits: when every analyser is
 * busy (a flood of never-seen user agents), the event is let through unchecked and counted
 * ({@link #unchecked()}), and the user agent is parsed the next time it is seen. Filtering bots is
 * worth less than an event loop that answers; the per-address rate limit bounds such a flood.
 */
public final class BotFilter {

    /** What the filter needs of Yauaa: the device class of a user agent. Not thread-safe. */
    interface Parser {
        String deviceClass(String userAgent);
    }

    private static final Set<String> BOT_CLASSES = Set.of("Robot", "Robot Mobile", "Robot Imitator", "Spy", "Hacker");
    private static final int DEFAULT_CACHE_SIZE = 20_000;
    private static final int DEFAULT_PARSERS = 2;
    private static volatile BotFilter shared;

    /** One lock per parser, only ever tried by the event loops; empty when disabled. */
    private final ReentrantLock[] locks;
    private final Parser[] parsers;
    private final Cache<String, Boolean> verdicts;
    private final LongAdder unchecked = new LongAdder();

    BotFilter(List<Parser> parsers, int cacheSize) {
        this.parsers = parsers.toArray(Parser[]::new);
        this.locks = new ReentrantLock[this.parsers.length];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
        this.verdicts = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** A new filter with {@code parsers} analysers of its own; prefer {@link #shared()}. */
    public static BotFilter create(int cacheSize, int parsers) {
        List<Parser> built = new ArrayList<>();
        for (int i = 0; i < parsers; i++) {
            UserAgentAnalyzer analyzer = analyzer();
            built.add(ua -> analyzer.parse(ua).getValue(UserAgent.DEVICE_CLASS));
        }
        return new BotFilter(built, cacheSize);
    }

    private static UserAgentAnalyzer analyzer() {
        try {
            return UserAgentAnalyzer.newBuilder()
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
    }

    /** The process-wide filter, built on first call. */
    public static BotFilter shared() {
        BotFilter f = shared;
        if (f == null) {
            synchronized (BotFilter.class) {
                f = shared;
                if (f == null) {
                    f = create(DEFAULT_CACHE_SIZE, DEFAULT_PARSERS);
                    shared = f;
                }
            }
        }
        return f;
    }

    /** A filter that lets everything through, for tests and for deployments that filter upstream. */
    public static BotFilter disabled() {
        return new BotFilter(List.of(), 1);
    }

    /**
     * True when {@code userAgent} belongs to a bot or crawler; false for null or blank, and false
     * (counted in {@link #unchecked()}) when it is not cached and every analyser is busy.
     */
    public boolean isBot(String userAgent) {
        if (parsers.length == 0 || userAgent == null || userAgent.isBlank()) {
            return false;
        }
        Boolean verdict = verdicts.getIfPresent(userAgent);
        if (verdict != null) {
            return verdict;
        }
        int first = (int) Math.floorMod(Thread.currentThread().threadId(), (long) parsers.length);
        for (int i = 0; i < parsers.length; i++) {
            int p = (first + i) % parsers.length;
            if (locks[p].tryLock()) {
                try {
                    verdict = BOT_CLASSES.contains(parsers[p].deviceClass(userAgent));
                } finally {
                    locks[p].unlock();
                }
                verdicts.put(userAgent, verdict);
                return verdict;
            }
        }
        unchecked.increment();
        return false;
    }

    /** User agents let through unchecked because every analyser was busy, since start. */
    public long unchecked() {
        return unchecked.sum();
    }

    /** Yauaa's DeviceClass for {@code userAgent}, for diagnostics and tests; waits for an analyser. */
    public String deviceClass(String userAgent) {
        if (parsers.length == 0 || userAgent == null) {
            return "Unknown";
        }
        locks[0].lock();
        try {
            return parsers[0].deviceClass(userAgent);
        } finally {
            locks[0].unlock();
        }
    }
}
