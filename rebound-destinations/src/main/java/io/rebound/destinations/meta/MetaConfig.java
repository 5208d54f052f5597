package io.rebound.destinations.meta;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;
import io.rebound.destinations.internal.ConfigChecks;
import io.rebound.destinations.internal.PlatformSettings;

import java.net.URI;
import java.util.Objects;

/**
 * A Meta connection and every Meta-specific setting in one place: ids, token, Graph API version,
 * base URL (overridable for tests and proxies), limits and the store's consent policy.
 *
 * @param adAccountId        the ad account id, digits (an {@code act_} prefix is accepted and dropped)
 * @param pixelId            the pixel (dataset) id for the Conversions API, or null when events are not sent
 * @param accessToken        a system-user token with {@code ads_management}
 * @param baseUrl            {@code https://graph.facebook.com} unless overridden
 * @param apiVersion         Graph API version, e.g. {@code v24.0}
 * @param customerFileSource {@code USER_PROVIDED_ONLY}, {@code PARTNER_PROVIDED_ONLY} or {@code BOTH_USER_AND_PARTNER_PROVIDED}
 * @param testEventCode      Events Manager's test code (events are then shown as test events), or null
 * @param policy             the store's consent policy (Limited Data Use)
 * @param rules              identifier rules (Meta's, possibly with the store's calling code)
 * @param limits             request limits
 * @param lduLocation        the country and state sent with Limited Data Use ({@link LduLocation#GEOLOCATE} unless fixed)
 */
public record MetaConfig(String adAccountId, String pixelId, String accessToken, URI baseUrl, String apiVersion,
                         String customerFileSource, String testEventCode, ConsentPolicy policy, IdentifierRules rules,
                         PlatformLimits limits, LduLocation lduLocation)
        implements PlatformSettings {

    /** A config whose Limited Data Use, if the policy asks for it, leaves Meta to geolocate. */
    public MetaConfig(String adAccountId, String pixelId, String accessToken, URI baseUrl, String apiVersion,
                      String customerFileSource, String testEventCode, ConsentPolicy policy, IdentifierRules rules,
                      PlatformLimits limits) {
        this(adAccountId, pixelId, accessToken, baseUrl, apiVersion, customerFileSource, testEventCode, policy, rules,
                limits, LduLocation.GEOLOCATE);
    }

    public static final URI DEFAULT_BASE_URL = URI.create("https://graph.facebook.com");
    /** The Graph API version Rebound's builders follow. */
    public static final String DEFAULT_API_VERSION = "v24.0";

    public MetaConfig {
        Objects.requireNonNull(adAccountId, "adAccountId");
        adAccountId = adAccountId.startsWith("act_") ? adAccountId.substring(4) : adAccountId;
        ConfigChecks.digits(adAccountId, 30, "adAccountId must be digits (optionally prefixed act_), got ");
        if (pixelId != null) {
            ConfigChecks.digits(pixelId, 30, "pixelId must be digits, got ");
        }
        if (accessToken == null || accessToken.isBlank()) {
            throw new IllegalArgumentException("accessToken is required");
        }
        ConfigChecks.endpoint(baseUrl, apiVersion, "v[0-9]{1,3}\\.[0-9]", "v24.0");
        if (!java.util.Set.of("USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED")
                .contains(customerFileSource)) {
            throw new IllegalArgumentException("customerFileSource is not one of Meta's values: " + customerFileSource);
        }
        ConfigChecks.rules(policy, rules, Platform.META, "Meta", limits);
        lduLocation = lduLocation == null ? LduLocation.GEOLOCATE : lduLocation;
        if (!lduLocation.geolocated() && !policy.limitedDataUse()) {
            throw new IllegalArgumentException("lduLocation is only sent with Limited Data Use (policy.limitedDataUse)");
        }
    }

    /** A connection with Meta's defaults: production base URL, {@value #DEFAULT_API_VERSION}, user-provided data. */
    public static MetaConfig of(String adAccountId, String pixelId, String accessToken) {
        return new MetaConfig(adAccountId, pixelId, accessToken, DEFAULT_BASE_URL, DEFAULT_API_VERSION,
                "USER_PROVIDED_ONLY", null, ConsentPolicy.DEFAULT, IdentifierRules.of(Platform.META), PlatformLimits.META);
    }

    public MetaConfig withBaseUrl(URI url) {
        return new MetaConfig(adAccountId, pixelId, accessToken, url, apiVersion, customerFileSource, testEventCode,
                policy, rules, limits, lduLocation);
    }

    public MetaConfig withPolicy(ConsentPolicy p) {
        return new MetaConfig(adAccountId, pixelId, accessToken, baseUrl, apiVersion, customerFileSource, testEventCode,
                p, rules, limits, lduLocation);
    }

    public MetaConfig withTestEventCode(String code) {
        return new MetaConfig(adAccountId, pixelId, accessToken, baseUrl, apiVersion, customerFileSource, code,
                policy, rules, limits, lduLocation);
    }

    public MetaConfig withLimits(PlatformLimits l) {
        return new MetaConfig(adAccountId, pixelId, accessToken, baseUrl, apiVersion, customerFileSource, testEventCode,
                policy, rules, l, lduLocation);
    }

    /**
     * This config flagging every row and event for Limited Data Use ({@code ["LDU"]}), with Meta told
     * {@code location} (or left to geolocate, {@link LduLocation#GEOLOCATE}).
     */
    public MetaConfig withLimitedDataUse(LduLocation location) {
        return new MetaConfig(adAccountId, pixelId, accessToken, baseUrl, apiVersion, customerFileSource, testEventCode,
                new ConsentPolicy(policy.requireStatedConsent(), true), rules, limits, location);
    }

    @Override
    public String toString() {
        return "MetaConfig[act_" + adAccountId + ", pixel " + pixelId + ", " + baseUrl + "/" + apiVersion + "]";
    }
}
