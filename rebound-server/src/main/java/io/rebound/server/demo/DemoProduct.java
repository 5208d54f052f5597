package io.rebound.server.demo;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A product of the demo yoga shop. The id is what the pixel sends as {@code content_ids}, so it
 * is also the id a catalog feed would carry.
 *
 * @param id          catalog id, e.g. {@code yoga-mat}
 * @param name        display name
 * @param category    category slug, e.g. {@code mats}
 * @param price       unit price in the shop's currency
 * @param color       main colour of the generated image, {@code #rrggbb}
 * @param description one-sentence description
 * @param complements ids of products that go well with this one (for post-purchase offers)
 */
public record DemoProduct(String id, String name, String category, BigDecimal price, String color,
                          String description, List<String> complements) {
    public DemoProduct {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(price, "price");
        complements = complements == null ? List.of() : List.copyOf(complements);
    }

    /** Path of the generated image, relative to the server root. */
    public String imagePath() {
        return "/shop/images/" + id + ".svg";
    }

    /** Path of the product page. */
    public String pagePath() {
        return "/shop/products/" + id;
    }
}
