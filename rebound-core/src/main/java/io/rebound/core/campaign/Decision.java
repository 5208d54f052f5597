package io.rebound.core.campaign;

import java.time.Instant;

/**
 * What a campaign shows one person now, and why.
 *
 * @param kind      nothing, a reminder, a new offer to issue, or an offer issued before to show again
 * @param touch     the index of the due touch, or -1 when nothing is shown
 * @param reason    a stable code: {@code not_in_segment}, {@code holdout}, {@code converted},
 *                  {@code not_due}, {@code capped}, {@code reminder}, {@code offer},
 *                  {@code offer_active}, {@code offer_expired}, {@code serial_abandoner},
 *                  {@code other_offer_active}, {@code margin_guard}
 * @param detail    the reason in a sentence, for logs and the dashboard
 * @param offer     the offer's terms ({@link Kind#NEW_OFFER}, {@link Kind#SHOW_OFFER}), else null
 * @param code      the code to show again ({@link Kind#SHOW_OFFER}), else null: a new code is the caller's
 * @param expiresAt when the offer's code stops working (offers only), else null
 * @param nextAt    the next instant the answer changes by time alone (a touch falls due, the cap
 *                  resets), or null
 */
public record Decision(Kind kind, int touch, String reason, String detail, Offer offer, String code,
                       Instant expiresAt, Instant nextAt) {

    /** What the caller shows. */
    public enum Kind {
        NOTHING, REMINDER, NEW_OFFER, SHOW_OFFER;

        /** True if the person is shown something (it counts towards the daily cap). */
        public boolean shows() {
            return this != NOTHING;
        }
    }

    static Decision nothing(String reason, String detail, Instant nextAt) {
        return new Decision(Kind.NOTHING, -1, reason, detail, null, null, null, nextAt);
    }

    static Decision reminder(int touch, String reason, String detail, Instant nextAt) {
        return new Decision(Kind.REMINDER, touch, reason, detail, null, null, null, nextAt);
    }
}
