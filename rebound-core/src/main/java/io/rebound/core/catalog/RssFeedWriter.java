package io.rebound.core.catalog;

import java.util.function.Function;

/**
 * Google Merchant Center's RSS 2.0 feed with the {@code g:} namespace
 * ({@code xmlns:g="http://base.google.com/ns/1.0"}), which TikTok and Pinterest import as well.
 * Every product field is a {@code g:} element; optional fields are left out when empty. Cost and
 * inventory are never written: a feed URL is a capability that may leak, and margins are private.
 * Text is escaped here; {@link CatalogProduct} has already refused what XML 1.0 cannot carry.
 *
 * @param availability how the platform spells a product's availability
 */
record RssFeedWriter(Function<Availability, String> availability) implements FeedWriter {
    static final String NAMESPACE = "http://base.google.com/ns/1.0";

    @Override
    public String contentType() {
        return "application/rss+xml; charset=utf-8";
    }

    @Override
    public void begin(FeedInfo info, StringBuilder out) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<rss version=\"2.0\" xmlns:g=\"").append(NAMESPACE).append("\">\n<channel>\n");
        element(out, "title", info.title());
        element(out, "link", info.link());
        element(out, "description", info.description());
    }

    @Override
    public void item(CatalogProduct p, StringBuilder out) {
        out.append("<item>\n");
        element(out, "g:id", p.id());
        element(out, "g:title", p.title());
        element(out, "g:description", p.description());
        element(out, "g:link", p.link());
        element(out, "g:image_link", p.imageLink());
        for (String image : p.additionalImageLinks()) {
            element(out, "g:additional_image_link", image);
        }
        element(out, "g:availability", availability.apply(p.availability()));
        element(out, "g:price", FeedWriter.money(p.price(), p.currency()));
        if (p.salePrice() != null) {
            element(out, "g:sale_price", FeedWriter.money(p.salePrice(), p.currency()));
        }
        element(out, "g:condition", p.condition().json());
        element(out, "g:brand", p.brand());
        element(out, "g:gtin", p.gtin());
        element(out, "g:mpn", p.mpn());
        element(out, "g:google_product_category", p.googleProductCategory());
        element(out, "g:product_type", p.productType());
        element(out, "g:item_group_id", p.itemGroupId());
        out.append("</item>\n");
    }

    @Override
    public void end(StringBuilder out) {
        out.append("</channel>\n</rss>\n");
    }

    private static void element(StringBuilder out, String name, String value) {
        if (value == null) {
            return;
        }
        out.append('<').append(name).append('>');
        escape(value, out);
        out.append("</").append(name).append(">\n");
    }

    /** XML character data: {@code & < >} as entities, and a carriage return kept as {@code &#13;}. */
    static void escape(String s, StringBuilder out) {
        int plain = 0;
        while (plain < s.length()) {
            char c = s.charAt(plain);
            if (c == '&' || c == '<' || c == '>' || c == '\r') {
                break;
            }
            plain++;
        }
        // Most values need no entity: copied in one go, then char by char from the first that does.
        out.append(s, 0, plain);
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\r' -> out.append("&#13;");
                default -> out.append(c);
            }
        }
    }
}
