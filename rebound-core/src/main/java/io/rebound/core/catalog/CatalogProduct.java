package io.rebound.core.catalog;

import io.rebound.core.event.Violation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;

/**
 * One product of a store's catalog, as the platforms' catalog feeds describe it. Not to be
 * confused with {@link io.rebound.core.event.Product}, a product line on an event: the two meet
 * by id, which must be the same in the feed and in the events ({@code content_ids}), or dynamic
 * ads show nothing.
 *
 * <p>A value of this type is valid: the constructor trims text, drops blank optional fields,
 * writes money with exactly the currency's minor-unit digits, and otherwise throws
 * {@link InvalidProductException} listing every field that is wrong (by its API name). The limits
 * are the strictest of Google, Meta, TikTok and Pinterest, so one product fits every feed.
 *
 * @param id                    1..50 of letters, digits and {@code . _ - : ~ +}
 * @param title                 1..150 characters, one line
 * @param description           1..5000 characters; tabs and line breaks allowed
 * @param link                  the product page, absolute http(s) URL
 * @param imageLink             the main image, absolute http(s) URL
 * @param additionalImageLinks  up to 10 more image URLs, never null
 * @param price                 regular price, non-negative, at most the currency's decimals
 * @param salePrice             price while on sale (at most {@code price}), or null
 * @param currency              ISO 4217 code of both prices and the cost
 * @param availability          whether it can be bought now
 * @param condition             new, refurbished or used
 * @param brand                 up to 70 characters, or null
 * @param googleProductCategory Google's taxonomy id or path, up to 750 characters, or null
 * @param productType           the store's own category path, up to 750 characters, or null
 * @param gtin                  GTIN-8/12/13/14 with a valid check digit, or null
 * @param mpn                   manufacturer part number, up to 70 characters, or null
 * @param itemGroupId           id shared by the variants of one product (same rule as id), or null
 * @param cost                  what the product costs the store (margins; never put in a feed), or null
 * @param inventory             units in stock, 0..1,000,000,000, or null when not tracked
 */
public record CatalogProduct(String id, String title, String description, String link, String imageLink,
                             List<String> additionalImageLinks, BigDecimal price, BigDecimal salePrice,
                             String currency, Availability availability, Condition condition, String brand,
                             String googleProductCategory, String productType, String gtin, String mpn,
                             String itemGroupId, BigDecimal cost, Long inventory) {

    public CatalogProduct {
        List<Violation> v = new ArrayList<>();
        id = CatalogRules.id("id", id, true, v);
        title = CatalogRules.text("title", title, CatalogRules.MAX_TITLE, true, false, v);
        description = CatalogRules.text("description", description, CatalogRules.MAX_DESCRIPTION, true, true, v);
        link = CatalogRules.url("link", link, true, v);
        imageLink = CatalogRules.url("image_link", imageLink, true, v);
        List<String> images = List.of();
        if (additionalImageLinks != null && !additionalImageLinks.isEmpty()) {
            if (additionalImageLinks.size() > CatalogRules.MAX_ADDITIONAL_IMAGES) {
                v.add(new Violation("additional_image_links", "must hold at most "
                        + CatalogRules.MAX_ADDITIONAL_IMAGES + " URLs, got " + additionalImageLinks.size()));
            } else {
                List<String> kept = new ArrayList<>();
                for (int i = 0; i < additionalImageLinks.size(); i++) {
                    String u = CatalogRules.url("additional_image_links[" + i + "]", additionalImageLinks.get(i), true, v);
                    if (u != null) {
                        kept.add(u);
                    }
                }
                images = List.copyOf(kept);
            }
        }
        additionalImageLinks = images;
        Currency c = CatalogRules.currency("currency", currency, v);
        currency = c == null ? currency : c.getCurrencyCode();
        price = CatalogRules.money("price", price, c, true, v);
        salePrice = CatalogRules.money("sale_price", salePrice, c, false, v);
        if (price != null && salePrice != null && salePrice.compareTo(price) > 0) {
            v.add(new Violation("sale_price", "must not exceed price (" + price.toPlainString() + ")"));
        }
        cost = CatalogRules.money("cost", cost, c, false, v);
        if (availability == null) {
            v.add(new Violation("availability", "is required: in_stock, out_of_stock, preorder or backorder"));
        }
        if (condition == null) {
            v.add(new Violation("condition", "is required: new, refurbished or used"));
        }
        brand = CatalogRules.text("brand", brand, CatalogRules.MAX_BRAND, false, false, v);
        googleProductCategory = CatalogRules.text("google_product_category", googleProductCategory,
                CatalogRules.MAX_CATEGORY, false, false, v);
        productType = CatalogRules.text("product_type", productType, CatalogRules.MAX_CATEGORY, false, false, v);
        gtin = CatalogRules.gtin("gtin", gtin, v);
        mpn = CatalogRules.text("mpn", mpn, CatalogRules.MAX_MPN, false, false, v);
        itemGroupId = CatalogRules.id("item_group_id", itemGroupId, false, v);
        if (inventory != null && (inventory < 0 || inventory > CatalogRules.MAX_INVENTORY)) {
            v.add(new Violation("inventory", "must be within 0.." + CatalogRules.MAX_INVENTORY + ", got " + inventory));
        }
        if (!v.isEmpty()) {
            throw new InvalidProductException(v);
        }
    }

    /** True if {@code id} is one a catalog product may have (events may carry others). */
    public static boolean validId(String id) {
        return id != null && !id.isEmpty() && id.length() <= CatalogRules.MAX_ID && CatalogRules.idChars(id);
    }

    /** The price a shopper pays now: the sale price when there is one. */
    public BigDecimal currentPrice() {
        return salePrice != null ? salePrice : price;
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Fills a product field by field; {@link #build()} validates. Condition defaults to new. */
    public static final class Builder {
        private final String id;
        private String title;
        private String description;
        private String link;
        private String imageLink;
        private List<String> additionalImageLinks = List.of();
        private BigDecimal price;
        private BigDecimal salePrice;
        private String currency;
        private Availability availability;
        private Condition condition = Condition.NEW;
        private String brand;
        private String googleProductCategory;
        private String productType;
        private String gtin;
        private String mpn;
        private String itemGroupId;
        private BigDecimal cost;
        private Long inventory;

        private Builder(String id) {
            this.id = id;
        }

        public Builder title(String v) {
            title = v;
            return this;
        }

        public Builder description(String v) {
            description = v;
            return this;
        }

        public Builder link(String v) {
            link = v;
            return this;
        }

        public Builder imageLink(String v) {
            imageLink = v;
            return this;
        }

        public Builder additionalImageLinks(List<String> v) {
            additionalImageLinks = v;
            return this;
        }

        public Builder price(BigDecimal v, String currencyCode) {
            price = v;
            currency = currencyCode;
            return this;
        }

        public Builder salePrice(BigDecimal v) {
            salePrice = v;
            return this;
        }

        public Builder availability(Availability v) {
            availability = v;
            return this;
        }

        public Builder condition(Condition v) {
            condition = v;
            return this;
        }

        public Builder brand(String v) {
            brand = v;
            return this;
        }

        public Builder googleProductCategory(String v) {
            googleProductCategory = v;
            return this;
        }

        public Builder productType(String v) {
            productType = v;
            return this;
        }

        public Builder gtin(String v) {
            gtin = v;
            return this;
        }

        public Builder mpn(String v) {
            mpn = v;
            return this;
        }

        public Builder itemGroupId(String v) {
            itemGroupId = v;
            return this;
        }

        public Builder cost(BigDecimal v) {
            cost = v;
            return this;
        }

        public Builder inventory(Long v) {
            inventory = v;
            return this;
        }

        public CatalogProduct build() {
            return new CatalogProduct(id, title, description, link, imageLink, additionalImageLinks, price,
                    salePrice, currency, availability, condition, brand, googleProductCategory, productType, gtin,
                    mpn, itemGroupId, cost, inventory);
        }
    }
}
