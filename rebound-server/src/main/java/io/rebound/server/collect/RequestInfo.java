package io.rebound.server.collect;

/**
 * What the HTTP layer knows about the request that carried events, beyond the body.
 *
 * @param userAgentHeader       the {@code User-Agent} header, or null
 * @param remoteIp              the client address (after trusted-proxy resolution), or null
 * @param globalPrivacyControl  true when the request carried {@code Sec-GPC: 1}
 */
public record RequestInfo(String userAgentHeader, String remoteIp, boolean globalPrivacyControl) {

    /** A request with no headers of interest, as from a server-side sender in tests. */
    public static final RequestInfo NONE = new RequestInfo(null, null, false);
}
