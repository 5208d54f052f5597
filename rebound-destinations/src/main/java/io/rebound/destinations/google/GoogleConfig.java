package io.rebound.destinations.google;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;
import io.rebound.destinations.internal.ConfigChecks;
import io.rebound.destinations.internal.PlatformSettings;

import java.net.URI;

/**
 * A Google connection through the Data Manager API, every Google-specific setting in one place.
 *
 * @param operatingAccountId  the Google Ads customer id that holds the lists, digits without dashes
 * @param loginAccountId      a manager account the credentials act through, or null
 * @param conversionActionId  the conversion action events are sent to, or null when events are not sent
 * @param customerMatchTermsAccepted whether the account accepted the Customer Match terms; uploads say so
 * @param validateOnly        ask Google to validate without applying (the destination's "test" path)
 * @param membershipDays      how long a member stays in a list Rebound creates (1–540)
 * @param baseUrl             {@code https://datamanager.googleapis.com} unless overridden
 * @param apiVersion          {@code v1}
 * @param policy              the store's consent policy
 * @param rules               identifier rules (Google's)
 * @param limits              request limits
 */
public record GoogleConfig(String operatingAccountId, String loginAccountId, String conversionActionId,
                           boolean customerMatchTermsAccepted, boolean validateOnly, int membershipDays, URI baseUrl,
                           String apiVersion, ConsentPolicy policy, IdentifierRules rules, PlatformLimits limits)
        implements PlatformSettings {

    public static final URI DEFAULT_BASE_URL = URI.create("https://datamanager.googleapis.com");

    public GoogleConfig {
        operatingAccountId = digits(operatingAccountId, "operatingAccountId", false);
        loginAccountId = digits(loginAccountId, "loginAccountId", true);
        conversionActionId = digits(conversionActionId, "conversionActionId", true);
        if (membershipDays < 1 || membershipDays > 540) {
            throw new IllegalArgumentException("membershipDays must be 1 to 540, got " + membershipDays);
        }
        ConfigChecks.endpoint(baseUrl, apiVersion, "v[0-9]+", "v1");
        ConfigChecks.rules(policy, rules, Platform.GOOGLE, "Google", limits);
    }

    private static String digits(String id, String field, boolean optional) {
        if (id == null && optional) {
            return null;
        }
        String d = id == null ? "" : id.replace("-", "");
        if (!d.matches("[0-9]{1,20}")) {
            throw new IllegalArgumentException(field + " must be a Google Ads id (digits, dashes allowed), got " + id);
        }
        return d;
    }

    /** A connection with Google's defaults; Customer Match terms not yet accepted. */
    public static GoogleConfig of(String operatingAccountId) {
        return new GoogleConfig(operatingAccountId, null, null, false, false, 540, DEFAULT_BASE_URL, "v1",
                ConsentPolicy.DEFAULT, IdentifierRules.of(Platform.GOOGLE), PlatformLimits.GOOGLE);
    }

    public GoogleConfig withBaseUrl(URI url) {
        return new GoogleConfig(operatingAccountId, loginAccountId, conversionActionId, customerMatchTermsAccepted,
                validateOnly, membershipDays, url, apiVersion, policy, rules, limits);
    }

    public GoogleConfig withLoginAccount(String id) {
        return new GoogleConfig(operatingAccountId, id, conversionActionId, customerMatchTermsAccepted, validateOnly,
                membershipDays, baseUrl, apiVersion, policy, rules, limits);
    }

    public GoogleConfig withConversionAction(String id) {
        return new GoogleConfig(operatingAccountId, loginAccountId, id, customerMatchTermsAccepted, validateOnly,
                membershipDays, baseUrl, apiVersion, policy, rules, limits);
    }

    public GoogleConfig withCustomerMatchTermsAccepted(boolean accepted) {
        return new GoogleConfig(operatingAccountId, loginAccountId, conversionActionId, accepted, validateOnly,
                membershipDays, baseUrl, apiVersion, policy, rules, limits);
    }

    public GoogleConfig withValidateOnly(boolean v) {
        return new GoogleConfig(operatingAccountId, loginAccountId, conversionActionId, customerMatchTermsAccepted, v,
                membershipDays, baseUrl, apiVersion, policy, rules, limits);
    }

    public GoogleConfig withRules(IdentifierRules r) {
        return new GoogleConfig(operatingAccountId, loginAccountId, conversionActionId, customerMatchTermsAccepted,
                validateOnly, membershipDays, baseUrl, apiVersion, policy, r, limits);
    }
}
