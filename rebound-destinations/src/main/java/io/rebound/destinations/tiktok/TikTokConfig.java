package io.rebound.destinations.tiktok;

import io.rebound.core.activation.ConsentPolicy;
import io.rebound.core.activation.IdentifierRules;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.PlatformLimits;
import io.rebound.destinations.internal.ConfigChecks;
import io.rebound.destinations.internal.PlatformSettings;

import java.net.URI;

/**
 * A TikTok connection, every TikTok-specific setting in one place.
 *
 * @param advertiserId  the advertiser id, digits
 * @param pixelCode     the pixel code events go to, or null when events are not sent
 * @param accessToken   a Marketing API token with audience and event permissions
 * @param calculateType what the customer files hold: {@code EMAIL_SHA256} or {@code PHONE_SHA256} (one per audience)
 * @param testEventCode Events Manager's test code, or null
 * @param baseUrl       {@code https://business-api.tiktok.com} unless overridden
 * @param apiVersion    {@code v1.3}
 * @param policy        the store's consent policy
 * @param rules         identifier rules (TikTok's; the phone format is a setting because TikTok documents two)
 * @param limits        request limits
 */
public record TikTokConfig(String advertiserId, String pixelCode, String accessToken, String calculateType,
                           String testEventCode, URI baseUrl, String apiVersion, ConsentPolicy policy, IdentifierRules rules,
                           PlatformLimits limits)
        implements PlatformSettings {

    public static final URI DEFAULT_BASE_URL = URI.create("https://business-api.tiktok.com");

    public TikTokConfig {
        ConfigChecks.digits(advertiserId, 30, "advertiserId must be digits, got ");
        if (pixelCode != null && !pixelCode.matches("[A-Z0-9]{6,40}")) {
            throw new IllegalArgumentException("pixelCode must be TikTok's upper-case code, got " + pixelCode);
        }
        if (accessToken == null || accessToken.isBlank()) {
            throw new IllegalArgumentException("accessToken is required");
        }
        if (!"EMAIL_SHA256".equals(calculateType) && !"PHONE_SHA256".equals(calculateType)) {
            throw new IllegalArgumentException("calculateType must be EMAIL_SHA256 or PHONE_SHA256, got " + calculateType);
        }
        ConfigChecks.endpoint(baseUrl, apiVersion, "v[0-9]+\\.[0-9]+", "v1.3");
        ConfigChecks.rules(policy, rules, Platform.TIKTOK, "TikTok", limits);
    }

    public static TikTokConfig of(String advertiserId, String pixelCode, String accessToken) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, "EMAIL_SHA256", null, DEFAULT_BASE_URL, "v1.3",
                ConsentPolicy.DEFAULT, IdentifierRules.of(Platform.TIKTOK), PlatformLimits.TIKTOK);
    }

    public TikTokConfig withBaseUrl(URI url) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, calculateType, testEventCode, url, apiVersion, policy,
                rules, limits);
    }

    public TikTokConfig withCalculateType(String type) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, type, testEventCode, baseUrl, apiVersion, policy,
                rules, limits);
    }

    public TikTokConfig withRules(IdentifierRules r) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, calculateType, testEventCode, baseUrl, apiVersion, policy,
                r, limits);
    }

    public TikTokConfig withTestEventCode(String code) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, calculateType, code, baseUrl, apiVersion, policy,
                rules, limits);
    }

    /** The store's consent policy: with {@code limitedDataUse}, every event carries {@code limited_data_use: true}. */
    public TikTokConfig withPolicy(ConsentPolicy p) {
        return new TikTokConfig(advertiserId, pixelCode, accessToken, calculateType, testEventCode, baseUrl, apiVersion, p,
                rules, limits);
    }

    @Override
    public String toString() {
        return "TikTokConfig[advertiser " + advertiserId + ", pixel " + pixelCode + ", " + baseUrl + "]";
    }
}
