package io.rebound.destinations.internal;

import java.net.URI;

/**
 * What every platform's request builder shares: its settings, and the API root its URIs hang from.
 *
 * @param <C> the platform's settings
 */
public abstract class RequestBuilder<C> {

    /** The platform's settings. */
    protected final C config;
    private final String root;

    /**
     * @param config  the platform's settings
     * @param baseUrl the platform's base URL (trailing slashes are dropped)
     * @param prefix  what every path starts with under the base URL, e.g. {@code /v24.0}
     */
    protected RequestBuilder(C config, URI baseUrl, String prefix) {
        this.config = config;
        this.root = baseUrl.toString().replaceAll("/+$", "") + prefix;
    }

    /** The API root, then {@code rest} (path and query). */
    protected final URI uri(String rest) {
        return URI.create(root + rest);
    }
}
