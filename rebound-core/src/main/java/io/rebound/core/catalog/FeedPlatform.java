package io.rebound.core.catalog;

import io.rebound.core.event.Violation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The platforms Rebound writes a catalog feed for, each with its file format and its spelling of
 * availability (docs/catalog.md). TikTok imports a Google Merchant Center feed, so its feed is the
 * Google one; Pinterest reads the same RSS with its own availability words.
 */
public enum FeedPlatform {
    /** Google Merchant Center, RSS 2.0 with the g: namespace. */
    GOOGLE("xml"),
    /** Meta (Facebook/Instagram) catalog, CSV. */
    META("csv"),
    /** TikTok catalog, imported as a Google Merchant Center feed. */
    TIKTOK("xml"),
    /** Pinterest catalog, RSS 2.0 with the g: namespace. */
    PINTEREST("xml");

    private final String extension;

    FeedPlatform(String extension) {
        this.extension = extension;
    }

    /** Lower-case name, as in the feed's URL: {@code google}, {@code meta}, {@code tiktok}, {@code pinterest}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The feed's file name: {@code google.xml}, {@code meta.csv}, … */
    public String fileName() {
        return id() + "." + extension;
    }

    /** The platform whose feed is named {@code fileName}; empty for any other name. */
    public static Optional<FeedPlatform> byFileName(String fileName) {
        for (FeedPlatform p : values()) {
            if (p.fileName().equals(fileName)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Availability as this platform's feed spells it. Google (and TikTok's Google import):
     * {@code in_stock}, {@code out_of_stock}, {@code preorder}, {@code backorder}. Meta: {@code in stock},
     * {@code out of stock}, {@code preorder}, and {@code available for order} for a backorder. Pinterest:
     * {@code in stock}, {@code out of stock}, {@code preorder}; it has no backorder, which is closest to a
     * preorder (orderable, shipped later).
     */
    public String availability(Availability a) {
        return switch (this) {
            case GOOGLE, TIKTOK -> a.json();
            case META -> switch (a) {
                case IN_STOCK -> "in stock";
                case OUT_OF_STOCK -> "out of stock";
                case PREORDER -> "preorder";
                case BACKORDER -> "available for order";
            };
            case PINTEREST -> switch (a) {
                case IN_STOCK -> "in stock";
                case OUT_OF_STOCK -> "out of stock";
                case PREORDER, BACKORDER -> "preorder";
            };
        };
    }

    /**
     * What this platform still lacks in a valid product. A {@link CatalogProduct} already meets the
     * rules every feed shares (required fields, id length, price, availability: the strictest of the
     * four, checked once when the product is written); on top of them Meta and TikTok require a
     * {@code brand}, and Pinterest has no backorder, so such a product is listed there as a
     * preorder. Each problem names the field as the API spells it.
     */
    public List<Violation> problems(CatalogProduct p) {
        List<Violation> out = new ArrayList<>(1);
        if ((this == META || this == TIKTOK) && p.brand() == null) {
            out.add(new Violation("brand", "is required by " + title() + ": the product is refused without it"));
        }
        if (this == PINTEREST && p.availability() == Availability.BACKORDER) {
            out.add(new Violation("availability", "Pinterest has no backorder: the feed lists it as preorder"));
        }
        return out;
    }

    /** The platform's name as people write it: Google, Meta, TikTok, Pinterest. */
    public String title() {
        return switch (this) {
            case GOOGLE -> "Google";
            case META -> "Meta";
            case TIKTOK -> "TikTok";
            case PINTEREST -> "Pinterest";
        };
    }

    /** A writer of this platform's feed. */
    public FeedWriter writer() {
        return this == META ? new CsvFeedWriter(this::availability) : new RssFeedWriter(this::availability);
    }
}
