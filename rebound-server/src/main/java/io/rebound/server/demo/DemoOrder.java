package io.rebound.server.demo;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order placed in the demo shop (no payment). Its id doubles as the Purchase event's
 * {@code eventID}, so reloading the confirmation page cannot count the purchase twice.
 *
 * @param id          order id, e.g. {@code ord_4k2j9x7q}
 * @param lines       ordered products, priced from the catalog, never from the browser
 * @param value       order total
 * @param currency    ISO 4217 code
 * @param maskedEmail the customer's email with the local part masked, for the confirmation page
 * @param placedAt    when it was placed
 */
public record DemoOrder(String id, List<Line> lines, BigDecimal value, String currency, String maskedEmail,
                        Instant placedAt) {

    public DemoOrder {
        lines = List.copyOf(lines);
    }

    /** One order line. */
    public record Line(DemoProduct product, int quantity) {
        public BigDecimal total() {
            return product.price().multiply(BigDecimal.valueOf(quantity));
        }
    }

    /** Number of items across lines. */
    public int itemCount() {
        return lines.stream().mapToInt(Line::quantity).sum();
    }
}
