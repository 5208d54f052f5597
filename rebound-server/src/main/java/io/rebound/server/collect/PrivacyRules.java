package io.rebound.server.collect;

import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;
import io.rebound.core.store.Store;

/**
 * When the collector keeps identifiers. These rules are applied to every event before it is
 * stored, whatever endpoint it came through.
 *
 * <ol>
 *   <li><b>Global Privacy Control.</b> A request with {@code Sec-GPC: 1}, or a message with
 *       {@code context.gpc: true}, opts the visitor out of sale/sharing: identifiers are dropped.</li>
 *   <li><b>Denied consent.</b> When Google Consent Mode v2's {@code ad_user_data} is
 *       {@code "denied"}, identifiers are dropped, whatever the store's setting.</li>
 *   <li><b>Consent required.</b> When the store's setting "consent required" is on, identifiers
 *       are kept only if both {@code ad_storage} and {@code ad_user_data} are {@code "granted"};
 *       an unstated signal counts as not granted.</li>
 *   <li><b>Click ids need advertising consent too.</b> The ad platforms' ids ({@link ClickIds}: fbp,
 *       fbc, fbclid, ttp, ttclid, epik, gclid, gbraid, wbraid, the {@code _ga} client id, msclkid)
 *       are kept only when identifiers are, and the consent also allows advertising
 *       ({@link Consent#allowsAdvertising()}: {@code ad_storage} and {@code ad_personalization}
 *       not {@code "denied"}, no GPC). Otherwise they are dropped, click-id parameters are removed
 *       from the page URL and referrer, and the collector counts the event
 *       ({@code rebound.events.click_ids_dropped}).</li>
 * </ol>
 *
 * <p>Dropping identifiers means the event keeps no email hash, no phone hash, no click ids, no IP address,
 * no identify/group traits, and no user id unless the user id is the event's only visitor id
 * (an event must belong to a visitor). Click-id parameters are also removed from the page URL and
 * referrer. The anonymous (first-party cookie) id, the page, UTM parameters, products and values
 * are kept, and the consent signals are recorded on the event so audiences and platform
 * destinations can honour them later ({@link Consent#allowsAdvertising()}).
 */
public final class PrivacyRules {

    private PrivacyRules() {
    }

    /** True when the event may keep identifiers, by the rules above. */
    public static boolean keepsIdentifiers(Consent consent, Store store) {
        if (consent.globalPrivacyControl() || !consent.allowsIdentifiers()) {
            return false;
        }
        return !store.consentRequired()
                || (Boolean.TRUE.equals(consent.adStorage()) && Boolean.TRUE.equals(consent.adUserData()));
    }

    /** True when the event may keep the ad platforms' click ids, by the rules above. */
    public static boolean keepsClickIds(Consent consent, Store store) {
        return keepsIdentifiers(consent, store) && consent.allowsAdvertising();
    }
}
