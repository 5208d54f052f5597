package io.rebound.core.campaign;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The decision rule of a campaign: which touch a person is due now and whether it carries an
 * offer. A pure function of ({@link Situation}, now); the caller issues the code and counts the
 * touch. The rules, first match wins:
 * <ol>
 *   <li>not a member of the segment: nothing ({@code not_in_segment});</li>
 *   <li>in the holdout ({@link Holdout}): nothing, ever ({@code holdout});</li>
 *   <li>bought at or after joining: nothing ({@code converted}): never a discount to someone who
 *       bought anyway. Not in a {@link Flow#POST_PURCHASE} flow, which the purchase starts;</li>
 *   <li>no touch due yet (touch {@code i} is due from {@code joinedAt + after_i} inclusive; the
 *       latest due touch is the one shown): nothing ({@code not_due});</li>
 *   <li>the daily cap reached (UTC day): nothing ({@code capped});</li>
 *   <li>a touch without an offer: a reminder ({@code reminder});</li>
 *   <li>an offer touch whose code this person already holds: the same code while it is valid
 *       ({@code offer_active}), a reminder once it expired ({@code offer_expired}) or when it was
 *       issued before the current membership began ({@code serial_abandoner});</li>
 *   <li>any offer of the store issued before the current membership began: the person took an
 *       offer and abandoned again, so only reminders from now on ({@code serial_abandoner});</li>
 *   <li>another offer of the store still valid: a reminder, no stacking ({@code other_offer_active});</li>
 *   <li>the margin guard: a product with a known cost whose discounted price would fall below
 *       {@code cost × (1 + min_margin_percent / 100)}: a reminder ({@code margin_guard}). Products
 *       without a cost are not guarded. Guarding each line guards the order: an order whose every
 *       line keeps its floor keeps the sum of the floors;</li>
 *   <li>otherwise a new offer, valid for the touch's {@code expires_hours} from now ({@code offer}).</li>
 * </ol>
 */
public final class OfferSequencer {

    private OfferSequencer() {
    }

    /** What the person is shown now: the latest due touch (on-site placements). */
    public static Decision decide(Situation s, Instant now) {
        Decision gate = gate(s);
        if (gate != null) {
            return gate;
        }
        List<Touch> touches = s.campaign().touches();
        int due = -1;
        for (int i = 0; i < touches.size(); i++) {
            if (!now.isBefore(dueAt(s, i))) {
                due = i;
            }
        }
        Instant next = due + 1 < touches.size() ? dueAt(s, due + 1) : null;
        if (due < 0) {
            return Decision.nothing("not_due", "the first touch is due at " + next, next);
        }
        return decideDue(s, due, now, next);
    }

    /**
     * What one given touch gives the person now, by the same rules (email: each step is one touch,
     * sent once, even when a later touch is also due). Before the touch is due: nothing
     * ({@code not_due}, {@code nextAt} = when it is).
     */
    public static Decision decideTouch(Situation s, int touch, Instant now) {
        if (touch < 0 || touch >= s.campaign().touches().size()) {
            throw new IllegalArgumentException("no touch " + touch);
        }
        Decision gate = gate(s);
        if (gate != null) {
            return gate;
        }
        if (now.isBefore(dueAt(s, touch))) {
            return Decision.nothing("not_due", "touch " + (touch + 1) + " is due at " + dueAt(s, touch), dueAt(s, touch));
        }
        Instant next = touch + 1 < s.campaign().touches().size() ? dueAt(s, touch + 1) : null;
        return decideDue(s, touch, now, next);
    }

    /** The rules that hold whatever the touch: membership, holdout, conversion; null when none stops it. */
    private static Decision gate(Situation s) {
        CampaignDefinition c = s.campaign();
        if (s.joinedAt() == null) {
            return Decision.nothing("not_in_segment", "not a member of the campaign's segment", null);
        }
        if (Holdout.isHeldOut(s.campaignId(), s.personId(), c.holdoutBasisPoints())) {
            return Decision.nothing("holdout", "in the campaign's holdout: kept for measurement, shown nothing", null);
        }
        if (c.flow().exitsOnPurchase() && s.convertedAt() != null && !s.convertedAt().isBefore(s.joinedAt())) {
            return Decision.nothing("converted", "bought at " + s.convertedAt() + ", after joining", null);
        }
        return null;
    }

    private static Decision decideDue(Situation s, int due, Instant now, Instant next) {
        CampaignDefinition c = s.campaign();
        List<Touch> touches = c.touches();
        if (s.shownToday() >= c.capPerPersonPerDay()) {
            Instant midnight = now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
            return Decision.nothing("capped", "shown " + s.shownToday() + " times today, the cap is "
                    + c.capPerPersonPerDay(), next == null || midnight.isBefore(next) ? midnight : next);
        }
        Touch touch = touches.get(due);
        if (touch.isReminder()) {
            return Decision.reminder(due, "reminder", "touch " + (due + 1) + " is a reminder", next);
        }
        return offer(s, due, touch.offer(), now, next);
    }

    /** When touch {@code i} falls due for the person. */
    private static Instant dueAt(Situation s, int i) {
        return s.joinedAt().plus(s.campaign().touches().get(i).afterJoining());
    }

    private static Decision offer(Situation s, int due, Offer offer, Instant now, Instant next) {
        IssuedOffer own = null;
        for (IssuedOffer o : s.offers()) {
            if (o.campaignId().equals(s.campaignId()) && o.touch() == due) {
                own = o;
            }
        }
        if (own != null) {
            if (own.issuedAt().isBefore(s.joinedAt())) {
                return Decision.reminder(due, "serial_abandoner", "this offer was given on " + own.issuedAt()
                        + ", before the person joined again; no new offer", next);
            }
            if (now.isBefore(own.expiresAt())) {
                return new Decision(Decision.Kind.SHOW_OFFER, due, "offer_active", "the code issued at "
                        + own.issuedAt() + " is valid until " + own.expiresAt(), offer, own.code(), own.expiresAt(), next);
            }
            return Decision.reminder(due, "offer_expired", "the offer expired at " + own.expiresAt(), next);
        }
        for (IssuedOffer o : s.offers()) {
            if (o.issuedAt().isBefore(s.joinedAt())) {
                return Decision.reminder(due, "serial_abandoner", "received an offer at " + o.issuedAt()
                        + " and abandoned again; reminders only", next);
            }
        }
        for (IssuedOffer o : s.offers()) {
            if (o.activeAt(now)) {
                return Decision.reminder(due, "other_offer_active", "holds another offer valid until "
                        + o.expiresAt() + "; offers do not stack", next);
            }
        }
        BigDecimal keep = BigDecimal.valueOf(100 - offer.percent());
        BigDecimal floorFactor = BigDecimal.valueOf(100L + offer.minMarginPercent());
        for (ProductPrice p : s.products()) {
            if (p.cost() == null || p.price() == null) {
                continue;
            }
            // price × (100 − percent) / 100 < cost × (100 + margin) / 100, compared without division
            if (p.price().multiply(keep).compareTo(p.cost().multiply(floorFactor)) < 0) {
                return Decision.reminder(due, "margin_guard", offer.percent() + " % off " + p.productId()
                        + " (price " + p.price().toPlainString() + ", cost " + p.cost().toPlainString()
                        + ") would fall below its margin floor; reminder instead", next);
            }
        }
        Instant expires = now.plus(offer.expiresHours(), ChronoUnit.HOURS);
        return new Decision(Decision.Kind.NEW_OFFER, due, "offer", offer.percent() + " % off"
                + (offer.minimumOrder() == null ? "" : " orders over " + offer.minimumOrder().toPlainString()
                + " " + offer.currency()) + ", valid until " + expires, offer, null, expires, next);
    }
}
