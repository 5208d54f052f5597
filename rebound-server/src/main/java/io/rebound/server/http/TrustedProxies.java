package io.rebound.server.http;

import io.rebound.server.collect.IpAddresses;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which peers may tell the server who the client is. A request's client address is the TCP peer's
 * unless that peer is a trusted proxy; only then are {@code X-Forwarded-For} (read from the right,
 * skipping further trusted proxies, so a client cannot prepend a forged hop) and {@code X-Real-IP}
 * believed, and likewise {@code X-Forwarded-Proto}. Configured as {@code trusted-proxies}: IP
 * addresses and CIDR ranges, comma-separated; none by default, so a header sent straight to
 * Rebound changes nothing. Used wherever the client address matters: the sign-in throttle, first
 * account setup and the IP the collector truncates and stores.
 */
public final class TrustedProxies {
    /** No proxy is trusted: the peer is the client. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

    private record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Range> ranges;
    private final String text;

    private TrustedProxies(List<Range> ranges, String text) {
        this.ranges = ranges;
        this.text = text;
    }

    /**
     * Parses {@code 10.0.0.5, 192.168.0.0/16, ::1}; blank = none. Only IP literals: a host name is
     * an error (it would need a DNS lookup and can change under us).
     */
    public static TrustedProxies parse(String list) {
        if (list == null || list.isBlank()) {
            return NONE;
        }
        List<Range> ranges = new ArrayList<>();
        for (String item : list.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            int slash = s.indexOf('/');
            byte[] network = literal(slash < 0 ? s : s.substring(0, slash));
            if (network == null) {
                throw new IllegalArgumentException("configuration key 'trusted-proxies': '" + s
                        + "' is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, ::1)");
            }
            int prefix = network.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > network.length * 8) {
                    throw new IllegalArgumentException("configuration key 'trusted-proxies': '" + s
                            + "' has a bad prefix length (0–" + network.length * 8 + ")");
                }
            }
            ranges.add(new Range(network, prefix));
        }
        return new TrustedProxies(List.copyOf(ranges), list.strip());
    }

    /** Whether {@code ip} (a literal) is one of the trusted proxies. */
    public boolean trusts(String ip) {
        if (ranges.isEmpty() || ip == null) {
            return false;
        }
        byte[] address = literal(ip);
        if (address == null) {
            return false;
        }
        for (Range r : ranges) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The client's address: the peer's, or what a trusted proxy says it is. Null when unknown. */
    public String clientIp(HttpServerRequest request) {
        // The connection's address: the request's own remoteAddress() may re-parse Forwarded headers.
        SocketAddress peer = request.connection() == null ? null : request.connection().remoteAddress();
        String ip = peer == null ? null : peer.hostAddress();
        if (!trusts(ip)) {
            return ip;
        }
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded != null) {
            String[] hops = forwarded.split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                String hop = hops[i].strip();
                if (literal(hop) == null) {
                    return ip;
                }
                if (!trusts(hop) || i == 0) {
                    return hop;
                }
            }
        }
        String real = request.getHeader("X-Real-IP");
        if (real != null && literal(real.strip()) != null) {
            return real.strip();
        }
        return ip;
    }

    /** {@code https} or {@code http} as the client used it: a trusted proxy's X-Forwarded-Proto, else the connection's. */
    public String scheme(HttpServerRequest request) {
        SocketAddress peer = request.connection() == null ? null : request.connection().remoteAddress();
        if (peer != null && trusts(peer.hostAddress())) {
            String proto = request.getHeader("X-Forwarded-Proto");
            if ("https".equals(proto) || "http".equals(proto)) {
                return proto;
            }
        }
        return request.isSSL() ? "https" : "http";
    }

    /** The configured list as written, for logs. */
    @Override
    public String toString() {
        return text.isEmpty() ? "none" : text;
    }

    /** The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 as IPv4), or null for anything else. */
    static byte[] literal(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        int zone = t.indexOf('%');
        if (zone >= 0) {
            t = t.substring(0, zone);
        }
        boolean v6 = t.indexOf(':') >= 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = c == '.' || (c >= '0' && c <= '9') || (v6 && (c == ':' || Character.digit(c, 16) >= 0));
            if (!ok) {
                return null;
            }
        }
        if (!v6) {
            return IpAddresses.parseV4(t);
        }
        try {
            // Only hex digits, dots and colons reach here, in brackets: no name lookup can happen.
            return InetAddress.getByName("[" + t + "]").getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }
}
