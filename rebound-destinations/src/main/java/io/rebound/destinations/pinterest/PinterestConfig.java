package io.rebound.destinations.pinterest;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;
import io.rebound.destinations.internal.ConfigChecks;
import io.rebound.destinations.internal.PlatformSettings;

import java.net.URI;

/**
 * A Pinterest connection, every Pinterest-specific setting in one place. Pinterest issues two kinds
 * of token: a conversion access token (Ads Manager → Conversions) that only the events endpoint
 * takes, and an OAuth token with {@code ads:write} for customer lists and audiences.
 *
 * @param adAccountId     the ad account id, digits
 * @param apiToken        OAuth token for customer lists and audiences, or null when lists are not synced
 * @param conversionToken conversion access token for events, or null when events are not sent
 * @param testEvents      send events with {@code ?test=true}: validated, not recorded
 * @param baseUrl         {@code https://api.pinterest.com} unless overridden
 * @param apiVersion      {@code v5}
 * @param policy          the store's consent policy (Limited Data Processing)
 * @param rules           identifier rules (Pinterest's)
 * @param limits          request limits
 */
public record PinterestConfig(String adAccountId, String apiToken, String conversionToken, boolean testEvents, URI baseUrl,
                              String apiVersion, ConsentPolicy policy, IdentifierRules rules, PlatformLimits limits)
        implements PlatformSettings {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.pinterest.com");

    public PinterestConfig {
        ConfigChecks.digits(adAccountId, 30, "adAccountId must be digits, got ");
        if (apiToken == null && conversionToken == null) {
            throw new IllegalArgumentException("an apiToken (lists) or a conversionToken (events) is required");
        }
        ConfigChecks.endpoint(baseUrl, apiVersion, "v[0-9]+", "v5");
        ConfigChecks.rules(policy, rules, Platform.PINTEREST, "Pinterest", limits);
    }

    public static PinterestConfig of(String adAccountId, String apiToken, String conversionToken) {
        return new PinterestConfig(adAccountId, apiToken, conversionToken, false, DEFAULT_BASE_URL, "v5", ConsentPolicy.DEFAULT,
                IdentifierRules.of(Platform.PINTEREST), PlatformLimits.PINTEREST);
    }

    public PinterestConfig withBaseUrl(URI url) {
        return new PinterestConfig(adAccountId, apiToken, conversionToken, testEvents, url, apiVersion, policy, rules, limits);
    }

    public PinterestConfig withTestEvents(boolean test) {
        return new PinterestConfig(adAccountId, apiToken, conversionToken, test, baseUrl, apiVersion, policy, rules, limits);
    }

    public PinterestConfig withPolicy(ConsentPolicy p) {
        return new PinterestConfig(adAccountId, apiToken, conversionToken, testEvents, baseUrl, apiVersion, p, rules, limits);
    }

    @Override
    public String toString() {
        return "PinterestConfig[ad account " + adAccountId + ", " + baseUrl + "]";
    }
}
