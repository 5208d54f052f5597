package io.rebound.core.catalog;

import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class FeedPlatformTest {

    private static CatalogProduct.Builder block() {
        return CatalogProduct.builder("yoga-block").title("Yoga block").description("Cork.")
                .link("https://shop.example/block").imageLink("https://shop.example/block.jpg")
                .price(new BigDecimal("18"), "USD").availability(Availability.IN_STOCK);
    }

    @Test
    void metaAndTikTokNeedABrandGoogleAndPinterestDoNot() {
        CatalogProduct noBrand = block().build();
        assertThat(FeedPlatform.META.problems(noBrand)).extracting(Violation::field).containsExactly("brand");
        assertThat(FeedPlatform.TIKTOK.problems(noBrand)).extracting(Violation::field).containsExactly("brand");
        assertThat(FeedPlatform.META.problems(noBrand).getFirst().message()).contains("required by Meta");
        assertThat(FeedPlatform.GOOGLE.problems(noBrand)).isEmpty();
        assertThat(FeedPlatform.PINTEREST.problems(noBrand)).isEmpty();
        for (FeedPlatform p : FeedPlatform.values()) {
            assertThat(p.problems(block().brand("Zen").build())).as(p.title()).isEmpty();
        }
    }

    @Test
    void aBackorderIsAProblemOnPinterestOnly() {
        CatalogProduct backorder = block().brand("Zen").availability(Availability.BACKORDER).build();
        assertThat(FeedPlatform.PINTEREST.problems(backorder)).extracting(Violation::field)
                .containsExactly("availability");
        assertThat(FeedPlatform.GOOGLE.problems(backorder)).isEmpty();
        assertThat(FeedPlatform.META.problems(backorder)).isEmpty();
    }
}
