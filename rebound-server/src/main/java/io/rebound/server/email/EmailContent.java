package io.rebound.server.email;

import io.rebound.core.campaign.Flow;
import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.server.http.Html;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A touch's email: the headline as subject, the flow's line above the products, the creative's
 * catalog products (title, price, image, link), the offer's code and terms when the touch carries
 * one, in an HTML and a plain-text part, and the unsubscribe link in both.
 */
public final class EmailContent {
    private static final DateTimeFormatter UNTIL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private EmailContent() {
    }

    /** Subject and both bodies. */
    public record Rendered(String subject, String text, String html) {
    }

    /**
     * The code a touch's email carries.
     *
     * @param minimumOrder the order value it needs, or null
     * @param currency     of the minimum (null without one)
     */
    public record OfferCode(String code, int percent, BigDecimal minimumOrder, String currency, Instant expiresAt) {

        /** "10 % off orders over 50 USD, valid until 2026-03-07 10:00 UTC". */
        public String terms() {
            return percent + " % off" + (minimumOrder == null ? "" : " orders over " + minimumOrder.toPlainString()
                    + " " + currency) + ", valid until " + UNTIL.format(expiresAt);
        }
    }

    /** An abandoned-cart email without an offer. */
    public static Rendered render(String campaignName, Touch touch, List<CatalogProduct> products, String unsubscribeUrl) {
        return render(campaignName, Flow.ABANDONED_CART, touch, products, null, unsubscribeUrl);
    }

    /** The email of {@code touch} in a flow of kind {@code flow}, with {@code offer} (null: none). */
    public static Rendered render(String campaignName, Flow flow, Touch touch, List<CatalogProduct> products,
                                  OfferCode offer, String unsubscribeUrl) {
        return render(campaignName, flow, touch, products, offer, unsubscribeUrl, null);
    }

    /**
     * As above, with the cart link {@code cartUrl} (null: none) under the products: the cart restored
     * (abandoned cart: "Back to your cart") or filled with the email's products (the other flows: "Put
     * these in your cart"), with the code applied when there is one.
     */
    public static Rendered render(String campaignName, Flow flow, Touch touch, List<CatalogProduct> products,
                                  OfferCode offer, String unsubscribeUrl, String cartUrl) {
        String headline = touch.creative().headline() == null || touch.creative().headline().isBlank()
                ? campaignName : touch.creative().headline();
        StringBuilder text = new StringBuilder(headline).append("\n\n");
        StringBuilder html = new StringBuilder("<!doctype html><html><body style=\"font-family:sans-serif\"><h1>")
                .append(Html.escape(headline)).append("</h1>");
        if (offer != null) {
            text.append("Your code: ").append(offer.code()).append(" (").append(offer.terms()).append(")\n\n");
            html.append("<p style=\"font-size:large\">Your code: <strong style=\"font-family:monospace\">")
                    .append(Html.escape(offer.code())).append("</strong><br>").append(Html.escape(offer.terms())).append("</p>");
        }
        if (!products.isEmpty()) {
            text.append(flow.intro()).append('\n');
            html.append("<p>").append(Html.escape(flow.intro())).append("</p>");
        }
        for (CatalogProduct p : products) {
            String price = p.price() == null ? "" : p.price().toPlainString() + " " + p.currency();
            text.append("- ").append(p.title()).append(price.isEmpty() ? "" : " (" + price + ")").append(": ")
                    .append(p.link()).append('\n');
            html.append("<p><a href=\"").append(Html.escape(p.link())).append("\">");
            if (p.imageLink() != null) {
                html.append("<img src=\"").append(Html.escape(p.imageLink())).append("\" alt=\"\" width=\"160\"><br>");
            }
            html.append(Html.escape(p.title())).append("</a> ").append(Html.escape(price)).append("</p>");
        }
        if (cartUrl != null) {
            String label = (flow == Flow.ABANDONED_CART ? "Back to your cart" : "Put these in your cart")
                    + (offer == null ? "" : ", code applied");
            text.append('\n').append(label).append(": ").append(cartUrl).append('\n');
            html.append("<p><a data-rb=\"cart\" href=\"").append(Html.escape(cartUrl))
                    .append("\" style=\"font-size:large;font-weight:bold\">").append(Html.escape(label)).append("</a></p>");
        }
        text.append("\nUnsubscribe: ").append(unsubscribeUrl).append('\n');
        html.append("<p style=\"font-size:small\"><a href=\"").append(Html.escape(unsubscribeUrl))
                .append("\">Unsubscribe</a></p></body></html>");
        return new Rendered(headline, text.toString(), html.toString());
    }
}
