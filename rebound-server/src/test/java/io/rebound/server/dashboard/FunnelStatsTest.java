package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FunnelStatsTest {
    private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    private final FunnelStats stats = new FunnelStats();
    private int ids;

    private FunnelStats.Diagnosis send(String visitor, EventType type, Duration ago, String... products) {
        Event.Builder b = Event.builder("st_a", "e" + ids++, type, NOW.minus(ago), NOW).anonymousId(visitor)
                .products(java.util.Arrays.stream(products).map(Product::of).toList());
        if (type == EventType.PURCHASE) {
            b.value(new BigDecimal("68")).currency("USD");
        }
        return stats.accept(b.build());
    }

    private List<Long> visitors(int days) {
        return stats.report("st_a", days, NOW).steps().stream().map(FunnelStats.Step::visitors).toList();
    }

    @Test
    void countsUniqueVisitorsPerStepWithinThePeriod() {
        send("v1", EventType.PAGE_VIEW, Duration.ofDays(1));
        send("v1", EventType.PAGE_VIEW, Duration.ofHours(1));
        send("v1", EventType.VIEW_CONTENT, Duration.ofHours(1), "mat");
        send("v1", EventType.ADD_TO_CART, Duration.ofMinutes(50), "mat");
        send("v2", EventType.PAGE_VIEW, Duration.ofDays(20));
        send("v2", EventType.VIEW_CONTENT, Duration.ofDays(20), "mat");
        send("v3", EventType.PAGE_VIEW, Duration.ofDays(60));
        assertThat(visitors(7)).containsExactly(1L, 1L, 1L, 0L, 0L);
        assertThat(visitors(30)).containsExactly(2L, 2L, 1L, 0L, 0L);
        assertThat(visitors(90)).containsExactly(3L, 2L, 1L, 0L, 0L);
        FunnelStats.Report r = stats.report("st_a", 30, NOW);
        assertThat(r.steps().get(2).dropOffPercent()).isEqualTo(50L);
        assertThat(r.visitors30d()).isEqualTo(2);
    }

    @Test
    void aVisitorMovingToALaterDayIsCountedOnceAndOnlyThere() {
        send("v1", EventType.PAGE_VIEW, Duration.ofDays(40));
        send("v1", EventType.PAGE_VIEW, Duration.ofDays(2));
        send("v1", EventType.PAGE_VIEW, Duration.ofDays(50)); // backdated, arrives late
        assertThat(visitors(7).get(0)).isEqualTo(1);
        assertThat(visitors(90).get(0)).isEqualTo(1);
    }

    @Test
    void purchaseWithoutEarlierAddToCartIsAnOrphanUntilABackdatedAddToCartArrives() {
        FunnelStats.Diagnosis d = send("v1", EventType.PURCHASE, Duration.ofHours(1), "mat");
        assertThat(d.orphanPurchase()).isTrue();
        assertThat(stats.report("st_a", 7, NOW).orphanPurchases()).isEqualTo(1);
        send("v1", EventType.ADD_TO_CART, Duration.ofHours(2), "mat");
        assertThat(stats.report("st_a", 7, NOW).orphanPurchases()).isZero();
        assertThat(send("v1", EventType.PURCHASE, Duration.ofMinutes(1), "mat").orphanPurchase()).isFalse();
        assertThat(stats.report("st_a", 7, NOW).purchases()).isEqualTo(2);
    }

    @Test
    void flagsLikelyDuplicatesAndMissingAnonymousIds() {
        send("v1", EventType.VIEW_CONTENT, Duration.ofMinutes(10), "mat");
        assertThat(send("v1", EventType.ADD_TO_CART, Duration.ofSeconds(30), "mat", "ghost").likelyDuplicate()).isFalse();
        assertThat(send("v1", EventType.ADD_TO_CART, Duration.ofSeconds(25), "mat", "ghost").likelyDuplicate()).isTrue();
        stats.accept(Event.builder("st_a", "server-1", EventType.PURCHASE, NOW, NOW).userId("cust_1").build());
        FunnelStats.Report r = stats.report("st_a", 7, NOW);
        assertThat(r.likelyDuplicates()).isEqualTo(1);
        assertThat(r.eventsWithoutAnonymousId()).isEqualTo(1);
        assertThat(r.events()).isEqualTo(4);
    }

    @Test
    void productIdsAreThoseSentInTheWindowViewsIncludedAndOldOnesArePruned() {
        send("v1", EventType.VIEW_CONTENT, Duration.ofDays(40), "old-mat");
        send("v1", EventType.VIEW_CONTENT, Duration.ofDays(29), "mat");
        send("v2", EventType.ADD_TO_CART, Duration.ofHours(1), "strap");
        send("v3", EventType.PURCHASE, Duration.ofDays(45), "block");
        send("v3", EventType.PURCHASE, Duration.ofDays(2), "block");
        assertThat(stats.productIds("st_a", NOW, FunnelStats.CATALOG_DAYS)).containsExactlyInAnyOrder("mat", "strap", "block");
        assertThat(stats.productIds("st_a", NOW, 1)).containsExactly("strap");
        assertThat(stats.productIds("st_a")).contains("old-mat");
        assertThat(stats.productIds("st_b", NOW, 30)).isEmpty();
        stats.prune(NOW.plus(Duration.ofDays(FunnelStats.MAX_DAYS - 38)));
        assertThat(stats.productIds("st_a")).doesNotContain("old-mat").contains("mat");
    }

    @Test
    void storesAreSeparate() {
        send("v1", EventType.PAGE_VIEW, Duration.ZERO);
        assertThat(stats.report("st_b", 30, NOW).steps().get(0).visitors()).isZero();
    }

    @Test
    void liveRowsWarnAboutWhatRetargetingNeeds() {
        Event viewWithoutIds = Event.builder("st_a", "x1", EventType.VIEW_CONTENT, NOW, NOW).anonymousId("v").build();
        Event purchaseWithoutValue = Event.builder("st_a", "x2", EventType.PURCHASE, NOW, NOW).anonymousId("v")
                .products(List.of(Product.of("mat"))).build();
        assertThat(LiveEvents.warnings(viewWithoutIds, FunnelStats.Diagnosis.NONE)).singleElement()
                .asString().startsWith("no content ids");
        assertThat(LiveEvents.warnings(purchaseWithoutValue, FunnelStats.Diagnosis.NONE)).singleElement()
                .asString().startsWith("no value or currency");
    }

    @Test
    void visitorsAreCountedExactlyUpToTheDailyBound() {
        for (int i = 0; i < FunnelStats.EXACT_VISITORS_PER_DAY; i++) {
            send("exact-" + i, EventType.PAGE_VIEW, Duration.ofHours(1));
            send("exact-" + i, EventType.PAGE_VIEW, Duration.ofDays(3));
        }
        send("exact-0", EventType.VIEW_CONTENT, Duration.ofHours(1), "mat");
        assertThat(visitors(7)).containsExactly((long) FunnelStats.EXACT_VISITORS_PER_DAY, 1L, 0L, 0L, 0L);
        assertThat(visitors(2).get(0)).isEqualTo(FunnelStats.EXACT_VISITORS_PER_DAY);
    }

    @Test
    void aMillionRandomVisitorIdsKeepMemoryBoundedAndTheCountWithinAFewPercent() {
        long before = usedHeapAfterGc();
        FunnelStats big = new FunnelStats();
        java.util.Random random = new java.util.Random(42);
        int visitors = 1_000_000;
        for (int i = 0; i < visitors; i++) {
            String id = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
            Instant t = NOW.minus(Duration.ofMinutes(random.nextInt(3 * 24 * 60)));
            big.accept(Event.builder("st_big", "e" + i, EventType.PAGE_VIEW, t, NOW).anonymousId(id).build());
        }
        long retained = usedHeapAfterGc() - before;
        FunnelStats.Report r = big.report("st_big", 7, NOW);
        assertThat((double) r.steps().get(0).visitors()).isCloseTo(visitors, org.assertj.core.data.Percentage.withPercentage(4));
        assertThat((double) r.visitors30d()).isCloseTo(visitors, org.assertj.core.data.Percentage.withPercentage(4));
        assertThat(retained).as("bytes retained by the funnel of a million visitors").isLessThan(32L << 20);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
