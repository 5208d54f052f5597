package io.rebound.core.catalog;

/**
 * Writes one platform's catalog feed piece by piece into a {@link StringBuilder} the caller owns,
 * so that the caller can send each piece as it is written and never hold a whole feed: {@link
 * #begin} once, {@link #item} per product, {@link #end} once. Writers keep no state between calls.
 */
public interface FeedWriter {

    /** The feed's media type, e.g. {@code application/rss+xml; charset=utf-8}. */
    String contentType();

    /** The feed's opening: an XML prolog and channel, or a CSV header row. */
    void begin(FeedInfo info, StringBuilder out);

    void item(CatalogProduct product, StringBuilder out);

    void end(StringBuilder out);

    /**
     * What describes the feed as a whole (RSS channel fields).
     *
     * @param title       e.g. the store's name
     * @param link        an http(s) URL for the channel, e.g. the feed's own
     * @param description one line
     */
    record FeedInfo(String title, String link, String description) {
    }

    /** {@code 12.00 USD}: the amount with the currency's decimals, a space, the ISO code. */
    static String money(java.math.BigDecimal amount, String currency) {
        return amount.toPlainString() + " " + currency;
    }
}
