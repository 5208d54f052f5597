package io.rebound.core.catalog;

import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatalogProductTest {

    static CatalogProduct.Builder yogaMat() {
        return CatalogProduct.builder("mat-42")
                .title("Yoga mat").description("Non-slip, 6 mm.")
                .link("https://shop.example/products/mat-42").imageLink("https://cdn.shop.example/mat-42.jpg")
                .price(new BigDecimal("39.9"), "USD").availability(Availability.IN_STOCK);
    }

    private static List<String> fields(CatalogProduct.Builder b) {
        try {
            b.build();
        } catch (InvalidProductException e) {
            return e.violations().stream().map(Violation::field).toList();
        }
        return List.of();
    }

    @Test
    void aValidProductIsNormalised() {
        CatalogProduct p = yogaMat().title("  Yoga mat ").brand("  ").salePrice(new BigDecimal("35")).build();
        assertThat(p.title()).isEqualTo("Yoga mat");
        assertThat(p.brand()).isNull();
        assertThat(p.price()).isEqualTo(new BigDecimal("39.90"));
        assertThat(p.salePrice()).isEqualTo(new BigDecimal("35.00"));
        assertThat(p.currentPrice()).isEqualTo(new BigDecimal("35.00"));
        assertThat(p.condition()).isEqualTo(Condition.NEW);
        assertThat(p.additionalImageLinks()).isEmpty();
    }

    @Test
    void everyMissingRequiredFieldIsNamedAtOnce() {
        assertThat(fields(CatalogProduct.builder(" ").condition(null)))
                .containsExactly("id", "title", "description", "link", "image_link", "currency", "price",
                        "availability", "condition");
    }

    @Test
    void idsAreBoundedInLengthAndCharacters() {
        assertThat(fields(yogaMat().itemGroupId("x".repeat(51)))).containsExactly("item_group_id");
        assertThat(fields(CatalogProduct.builder("a".repeat(51)).title("t").description("d")
                .link("https://a.example").imageLink("https://a.example/i.png").price(BigDecimal.ONE, "EUR")
                .availability(Availability.IN_STOCK))).containsExactly("id");
        assertThat(fields(CatalogProduct.builder("a/b").title("t").description("d")
                .link("https://a.example").imageLink("https://a.example/i.png").price(BigDecimal.ONE, "EUR")
                .availability(Availability.IN_STOCK))).containsExactly("id");
        assertThat(CatalogProduct.validId("SKU_1.2-3:a~b+c")).isTrue();
        assertThat(CatalogProduct.validId("sku 1")).isFalse();
    }

    @Test
    void urlsMustBeAbsoluteHttpOrHttps() {
        assertThat(fields(yogaMat().link("ftp://shop.example/x"))).containsExactly("link");
        assertThat(fields(yogaMat().link("javascript:alert(1)"))).containsExactly("link");
        assertThat(fields(yogaMat().link("/products/mat"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://user@shop.example/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example/a b"))).containsExactly("link");
        assertThat(fields(yogaMat().imageLink("https://shop.example/\"><script>"))).containsExactly("image_link");
        assertThat(fields(yogaMat().link("https://shop.example:8443/p?x=1#y"))).isEmpty();
        assertThat(fields(yogaMat().link("HTTP://SHOP.EXAMPLE"))).isEmpty();
        assertThat(fields(yogaMat().link("https://shop.example/" + "a".repeat(2000)))).containsExactly("link");
        assertThat(fields(yogaMat().link("Https://shop.example/p"))).isEmpty();
        assertThat(fields(yogaMat().link("https://shop.example:"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example:123456/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example:80a/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://.shop.example/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://-shop.example/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop_x.example/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example?q=a@b"))).isEmpty();
        assertThat(fields(yogaMat().link("https://a:b@shop.example:80/"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example/\\x"))).containsExactly("link");
        assertThat(fields(yogaMat().link("https://shop.example/caf\u00e9"))).containsExactly("link");
    }

    @Test
    void additionalImagesAreNamedByIndexAndBounded() {
        assertThat(fields(yogaMat().additionalImageLinks(List.of("https://a.example/1.jpg", "nope"))))
                .containsExactly("additional_image_links[1]");
        assertThat(fields(yogaMat().additionalImageLinks(Collections.nCopies(11, "https://a.example/1.jpg"))))
                .containsExactly("additional_image_links");
    }

    @Test
    void moneyHasTheCurrencysDecimalsAndIsNotNegative() {
        assertThat(fields(yogaMat().price(new BigDecimal("1.999"), "USD"))).containsExactly("price");
        assertThat(fields(yogaMat().price(new BigDecimal("1.5"), "JPY"))).containsExactly("price");
        assertThat(yogaMat().price(new BigDecimal("1500"), "JPY").build().price()).isEqualTo(new BigDecimal("1500"));
        assertThat(yogaMat().price(new BigDecimal("1.250"), "KWD").build().price()).isEqualTo(new BigDecimal("1.250"));
        assertThat(yogaMat().price(new BigDecimal("1.5000"), "USD").build().price()).isEqualTo(new BigDecimal("1.50"));
        assertThat(fields(yogaMat().price(new BigDecimal("-1"), "USD"))).containsExactly("price");
        assertThat(fields(yogaMat().price(new BigDecimal("1e9"), "USD"))).containsExactly("price");
        assertThat(fields(yogaMat().cost(new BigDecimal("-0.01")))).containsExactly("cost");
        assertThat(yogaMat().price(new BigDecimal("0"), "USD").build().price()).isEqualTo(new BigDecimal("0.00"));
    }

    @Test
    void currencyIsAnUpperCaseIso4217Code() {
        assertThat(fields(yogaMat().price(BigDecimal.TEN, "usd"))).containsExactly("currency");
        assertThat(fields(yogaMat().price(BigDecimal.TEN, "ABC"))).containsExactly("currency");
        assertThat(fields(yogaMat().price(BigDecimal.TEN, "US"))).containsExactly("currency");
        assertThat(fields(yogaMat().price(BigDecimal.TEN, "XAU"))).containsExactly("currency");
    }

    @Test
    void salePriceMayNotExceedPrice() {
        assertThat(fields(yogaMat().salePrice(new BigDecimal("40")))).containsExactly("sale_price");
        assertThat(fields(yogaMat().salePrice(new BigDecimal("39.90")))).isEmpty();
    }

    @Test
    void gtinNeedsAValidCheckDigit() {
        assertThat(fields(yogaMat().gtin("4006381333931"))).isEmpty();   // EAN-13
        assertThat(fields(yogaMat().gtin("036000291452"))).isEmpty();    // UPC-A
        assertThat(fields(yogaMat().gtin("96385074"))).isEmpty();        // GTIN-8
        assertThat(fields(yogaMat().gtin("10012345678902"))).isEmpty();  // GTIN-14
        assertThat(fields(yogaMat().gtin("4006381333932"))).containsExactly("gtin");
        assertThat(fields(yogaMat().gtin("400638133393"))).containsExactly("gtin");
        assertThat(fields(yogaMat().gtin("40063813339a1"))).containsExactly("gtin");
    }

    @Test
    void textRefusesControlCharactersAndOverlongValues() {
        assertThat(fields(yogaMat().title("a\nb"))).containsExactly("title");
        assertThat(fields(yogaMat().title("x".repeat(151)))).containsExactly("title");
        assertThat(fields(yogaMat().title("🧘".repeat(150)))).isEmpty();
        assertThat(fields(yogaMat().description("line one\nline two\ttab"))).isEmpty();
        assertThat(fields(yogaMat().description("bell\u0007"))).containsExactly("description");
        assertThat(fields(yogaMat().description("lone \uD800 surrogate"))).containsExactly("description");
        assertThat(fields(yogaMat().brand("b".repeat(71)))).containsExactly("brand");
        assertThat(fields(yogaMat().title("🧘".repeat(151)))).containsExactly("title");
        assertThat(fields(yogaMat().title("é".repeat(150)))).isEmpty();
        assertThat(fields(yogaMat().title("del\u007f"))).containsExactly("title");
        assertThat(fields(yogaMat().title("c1\u0085"))).containsExactly("title");
        assertThat(fields(yogaMat().title("noncharacter \uFFFF"))).containsExactly("title");
        assertThat(fields(yogaMat().title("tail surrogate \uDC00 alone"))).containsExactly("title");
        assertThat(fields(yogaMat().title("trailing high \uD83E"))).containsExactly("title");
    }

    @Test
    void moneyKeepsTheCurrencysDigits() {
        assertThat(yogaMat().price(new BigDecimal("12.5"), "USD").build().price()).isEqualByComparingTo("12.50")
                .hasToString("12.50");
        assertThat(yogaMat().price(new BigDecimal("12.50"), "USD").build().price()).hasToString("12.50");
        assertThat(yogaMat().price(new BigDecimal("1200"), "JPY").build().price()).hasToString("1200");
        assertThat(yogaMat().price(new BigDecimal("1.2E+3"), "JPY").build().price()).hasToString("1200");
        assertThat(fields(yogaMat().price(new BigDecimal("12.505"), "USD"))).containsExactly("price");
        assertThat(fields(yogaMat().price(new BigDecimal("1"), "usd"))).containsExactly("currency");
    }

    @Test
    void inventoryIsBounded() {
        assertThat(fields(yogaMat().inventory(-1L))).containsExactly("inventory");
        assertThat(fields(yogaMat().inventory(0L))).isEmpty();
    }

    @Test
    void theMessageListsEveryViolation() {
        assertThatThrownBy(() -> yogaMat().price(new BigDecimal("-1"), "usd").build())
                .isInstanceOf(InvalidProductException.class)
                .hasMessageContaining("currency: must be an ISO 4217 code")
                .hasMessageContaining("price: must not be negative");
    }

    @Test
    void availabilityAndConditionParseBothSpellings() {
        assertThat(Availability.parse("in stock")).contains(Availability.IN_STOCK);
        assertThat(Availability.parse("OUT_OF_STOCK")).contains(Availability.OUT_OF_STOCK);
        assertThat(Availability.parse("available")).isEmpty();
        assertThat(Condition.parse("Used")).contains(Condition.USED);
        assertThat(Condition.parse("mint")).isEmpty();
    }
}
