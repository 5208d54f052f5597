package io.rebound.destinations.google;

import java.net.URI;
import java.util.Objects;

/**
 * A GA4 web data stream that server events are sent to through the Measurement Protocol, every GA4
 * setting in one place.
 *
 * @param measurementId the stream's measurement id ({@code G-…}; Admin → Data streams → the stream)
 * @param apiSecret     a Measurement Protocol API secret of that stream
 * @param baseUrl       {@code https://www.google-analytics.com} unless overridden
 * @param validate      send to the validation server ({@code /debug/mp/collect}, the destination's "test"
 *                      path): GA4 checks the events and records none
 */
public record Ga4Config(String measurementId, String apiSecret, URI baseUrl, boolean validate) {

    public static final URI DEFAULT_BASE_URL = URI.create("https://www.google-analytics.com");

    public Ga4Config {
        if (measurementId == null || !measurementId.matches("G-[A-Z0-9]{4,20}")) {
            throw new IllegalArgumentException("measurementId must be a GA4 measurement id such as G-AB12CD34EF, got "
                    + measurementId);
        }
        if (apiSecret == null || apiSecret.isBlank() || apiSecret.length() > 200
                || apiSecret.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("apiSecret must be the Measurement Protocol API secret GA4 shows "
                    + "(1 to 200 printable characters)");
        }
        Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** The stream at Google's production host, sending for real. */
    public static Ga4Config of(String measurementId, String apiSecret) {
        return new Ga4Config(measurementId, apiSecret, DEFAULT_BASE_URL, false);
    }

    public Ga4Config withBaseUrl(URI url) {
        return new Ga4Config(measurementId, apiSecret, url, validate);
    }

    public Ga4Config withValidation(boolean v) {
        return new Ga4Config(measurementId, apiSecret, baseUrl, v);
    }
}
