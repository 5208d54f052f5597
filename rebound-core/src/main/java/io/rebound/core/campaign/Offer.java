package io.rebound.core.campaign;

import java.math.BigDecimal;

/**
 * A time-limited discount a touch carries. Only members who have not converted since joining get
 * one ({@link OfferSequencer}).
 *
 * @param percent          percent off the order, 1..90
 * @param minimumOrder     the order value the code needs, or null for none
 * @param currency         ISO 4217 code of {@code minimumOrder} (null when there is no minimum)
 * @param expiresHours     hours a code stays valid after it was first issued, 1..720
 * @param minMarginPercent the margin every product must keep over its cost after the discount, 0..500
 */
public record Offer(int percent, BigDecimal minimumOrder, String currency, int expiresHours, int minMarginPercent) {
}
