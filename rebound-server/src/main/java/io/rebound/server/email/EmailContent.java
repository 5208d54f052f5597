package io.rebound.server.email;

import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.CatalogProduct;

import java.util.List;

/**
 * A touch's email: the headline as subject, the creative's catalog products (title, price, image,
 * link) in an HTML and a plain-text part, and the unsubscribe link in both.
 */
public final class EmailContent {
    private EmailContent() {
    }

    /** Subject and both bodies. */
    public record Rendered(String subject, String text, String html) {
    }

    public static Rendered render(String campaignName, Touch touch, List<CatalogProduct> products, String unsubscribeUrl) {
        String headline = touch.creative().headline() == null || touch.creative().headline().isBlank()
                ? campaignName : touch.creative().headline();
        StringBuilder text = new StringBuilder(headline).append("\n\n");
        StringBuilder html = new StringBuilder("<!doctype html><html><body style=\"font-family:sans-serif\"><h1>")
                .append(escape(headline)).append("</h1>");
        for (CatalogProduct p : products) {
            String price = p.price() == null ? "" : p.price().toPlainString() + " " + p.currency();
            text.append("- ").append(p.title()).append(price.isEmpty() ? "" : " (" + price + ")").append(": ")
                    .append(p.link()).append('\n');
            html.append("<p><a href=\"").append(escape(p.link())).append("\">");
            if (p.imageLink() != null) {
                html.append("<img src=\"").append(escape(p.imageLink())).append("\" alt=\"\" width=\"160\"><br>");
            }
            html.append(escape(p.title())).append("</a> ").append(escape(price)).append("</p>");
        }
        text.append("\nUnsubscribe: ").append(unsubscribeUrl).append('\n');
        html.append("<p style=\"font-size:small\"><a href=\"").append(escape(unsubscribeUrl))
                .append("\">Unsubscribe</a></p></body></html>");
        return new Rendered(headline, text.toString(), html.toString());
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
