package io.rebound.core.engine;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;

import java.time.Instant;

/**
 * A person's advertising consent as their events stated it: the consent of the latest event (by
 * event time) that stated any signal. Events that state nothing (a server-side order, a page before
 * the consent banner loaded) change nothing, so a later event without signals never undoes a denial.
 * A person with no stated consent is {@link #UNSTATED} and may be in audiences.
 *
 * <p>Denied means Global Privacy Control, or any of Google Consent Mode's {@code ad_storage},
 * {@code ad_user_data}, {@code ad_personalization} denied: such a person is in no segment
 * ({@link AudienceProcessor}), so no activation path — list sync, server events, email, offers —
 * ever sees them through a membership; when they deny after joining, they leave at the instant they
 * denied.
 *
 * @param allowed whether the latest stated consent allows retargeting
 * @param at      the event time of the event that stated it; null for {@link #UNSTATED}
 */
public record AdConsent(boolean allowed, Instant at) {

    public static final AdConsent UNSTATED = new AdConsent(true, null);

    /** Whether a person with this consent may be in retargeting audiences. */
    public static boolean allowsRetargeting(Consent c) {
        return !c.globalPrivacyControl() && !Boolean.FALSE.equals(c.adStorage())
                && !Boolean.FALSE.equals(c.adUserData()) && !Boolean.FALSE.equals(c.adPersonalization());
    }

    /** This consent after {@code event}: the event's when it states consent and is not older than the last statement. */
    public AdConsent with(Event event) {
        if (event.consent().isUnstated() || at != null && event.eventTime().isBefore(at)) {
            return this;
        }
        return new AdConsent(allowsRetargeting(event.consent()), event.eventTime());
    }

    /** The later statement of the two (identity merges). */
    public AdConsent merge(AdConsent other) {
        if (other.at == null) {
            return this;
        }
        return at == null || other.at.isAfter(at) || other.at.equals(at) && !other.allowed ? other : this;
    }
}
