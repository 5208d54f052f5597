package io.rebound.core.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Meta's catalog data feed as CSV (RFC 4180: comma-separated, a header row of Meta's field names,
 * a cell quoted when it holds a comma, a quote, a line break or edge spaces, quotes doubled, CRLF
 * line ends). Additional images go in one cell, comma-separated, as Meta reads them. Cost and
 * inventory are never written (see {@link RssFeedWriter}).
 *
 * @param availability how the platform spells a product's availability
 */
record CsvFeedWriter(Function<Availability, String> availability) implements FeedWriter {
    static final List<String> COLUMNS = List.of("id", "title", "description", "availability", "condition", "price",
            "link", "image_link", "brand", "sale_price", "additional_image_link", "google_product_category",
            "product_type", "gtin", "mpn", "item_group_id");

    @Override
    public String contentType() {
        return "text/csv; charset=utf-8";
    }

    @Override
    public void begin(FeedInfo info, StringBuilder out) {
        row(COLUMNS, out);
    }

    @Override
    public void item(CatalogProduct p, StringBuilder out) {
        List<String> cells = new ArrayList<>(COLUMNS.size());
        cells.add(p.id());
        cells.add(p.title());
        cells.add(p.description());
        cells.add(availability.apply(p.availability()));
        cells.add(p.condition().json());
        cells.add(FeedWriter.money(p.price(), p.currency()));
        cells.add(p.link());
        cells.add(p.imageLink());
        cells.add(p.brand());
        cells.add(p.salePrice() == null ? null : FeedWriter.money(p.salePrice(), p.currency()));
        cells.add(String.join(",", p.additionalImageLinks()));
        cells.add(p.googleProductCategory());
        cells.add(p.productType());
        cells.add(p.gtin());
        cells.add(p.mpn());
        cells.add(p.itemGroupId());
        row(cells, out);
    }

    @Override
    public void end(StringBuilder out) {
        // CSV has no closing part.
    }

    private static void row(List<String> cells, StringBuilder out) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            cell(cells.get(i), out);
        }
        out.append("\r\n");
    }

    static void cell(String value, StringBuilder out) {
        if (value == null || value.isEmpty()) {
            return;
        }
        boolean quote = value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ';
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                out.append('"');
            }
            out.append(c);
        }
        out.append('"');
    }
}
