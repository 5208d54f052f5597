package io.rebound.core.activation;

import io.rebound.core.engine.AdConsent;

import java.util.Objects;

/**
 * What may be sent about one person for one purpose, and with which consent fields, given their
 * {@link AdConsent} and the store's {@link ConsentPolicy}. Each platform reads the same decision:
 * <ul>
 *   <li>Meta: {@link #limitedDataUse()} → {@code DATA_PROCESSING_OPTIONS ["LDU"]} on a list row,
 *       {@code data_processing_options ["LDU"]} with country and state 0 on an event;</li>
 *   <li>Google: {@link #adUserData()} and {@link #adPersonalization()} → the {@code consent}
 *       object, left out when unspecified;</li>
 *   <li>Pinterest: {@link #limitedDataUse()} → {@code opt_out_type "LDP"} on an event;</li>
 *   <li>TikTok: the send-or-withhold decision alone.</li>
 * </ul>
 *
 * @param send              whether the person's identifiers may go out for this purpose
 * @param reason            why not, when {@code send} is false; null otherwise
 * @param limitedDataUse    flag the row or event for limited processing
 * @param adUserData        Google's {@code ad_user_data} signal to send
 * @param adPersonalization Google's {@code ad_personalization} signal to send
 */
public record ConsentDecision(boolean send, String reason, boolean limitedDataUse, Signal adUserData,
                              Signal adPersonalization) {

    /** A Google consent signal. */
    public enum Signal {
        /** The person granted it: sent as {@code CONSENT_GRANTED}. */
        GRANTED,
        /** Nothing stated: the field is left out rather than claimed. */
        UNSPECIFIED
    }

    /** Why a row or event is sent or withheld. */
    public enum Purpose {
        /** Adding a person to a customer list (a JOINED change). */
        ADD_TO_LIST,
        /** Removing a person from a customer list (a LEFT change, an erasure). */
        REMOVE_FROM_LIST,
        /** A server-side event carrying the person's identifiers. */
        SERVER_EVENT
    }

    public ConsentDecision {
        Objects.requireNonNull(adUserData, "adUserData");
        Objects.requireNonNull(adPersonalization, "adPersonalization");
        if (send != (reason == null)) {
            throw new IllegalArgumentException("a withheld decision has a reason, a sent one none");
        }
    }

    /**
     * The decision for {@code consent}, {@code policy} and {@code purpose}. A removal is always
     * sent: it is how a denial reaches a platform, so consent can never block it. An addition or
     * an event is withheld when the person denied advertising (GPC, or any of Google Consent Mode's
     * advertising signals denied), or when the store requires stated consent and none was stated.
     * Google's signals are claimed GRANTED only when the person stated consent; otherwise they are
     * left unspecified.
     */
    public static ConsentDecision decide(AdConsent consent, ConsentPolicy policy, Purpose purpose) {
        Objects.requireNonNull(consent, "consent");
        Objects.requireNonNull(policy, "policy");
        if (purpose == Purpose.REMOVE_FROM_LIST) {
            return new ConsentDecision(true, null, policy.limitedDataUse(), Signal.UNSPECIFIED, Signal.UNSPECIFIED);
        }
        if (!consent.allowed()) {
            return withheld("advertising consent denied at " + consent.at());
        }
        boolean stated = consent.at() != null;
        if (!stated && policy.requireStatedConsent()) {
            return withheld("no consent stated and the store requires it");
        }
        Signal signal = stated ? Signal.GRANTED : Signal.UNSPECIFIED;
        return new ConsentDecision(true, null, policy.limitedDataUse(), signal, signal);
    }

    private static ConsentDecision withheld(String reason) {
        return new ConsentDecision(false, reason, false, Signal.UNSPECIFIED, Signal.UNSPECIFIED);
    }
}
