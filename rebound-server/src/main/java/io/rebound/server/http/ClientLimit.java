package io.rebound.server.http;

import io.netty.util.NetUtil;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.collect.RateLimiter;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The per-client-address limit in front of every collector route. A write key is public (it is in
 * the pixel), so without it one client could spend a whole store's per-key budget, or make the
 * server parse bodies as fast as it can send them.
 *
 * <p>It costs one token per request before anything is read or parsed, and after parsing the
 * rest of the request's events ({@link #chargeEvents}): a client's bucket is counted in events,
 * like a write key's, so a batch cannot be used to get around it. Buckets are kept per address
 * ({@link RateLimiter}: bounded, idle ones evicted); IPv6 clients per /64, since one host
 * usually holds a whole /64 and could otherwise rotate through it.
 *
 * <p>Which address: the connection's peer, unless the peer is a loopback, private or link-local
 * address — a reverse proxy in front of Rebound — when it is the last {@code X-Forwarded-For}
 * entry, the one that proxy appended (entries before it are whatever the client sent).
 */
final class ClientLimit {
    private static final String KEY = "rebound.clientKey";

    private final RateLimiter buckets;

    /** @param buckets per-address buckets; null for no limit */
    ClientLimit(RateLimiter buckets) {
        this.buckets = buckets;
    }

    /** Route handler: one token for the request, or 429 with {@code Retry-After} before the body is read. */
    void handle(RoutingContext ctx) {
        if (buckets == null) {
            ctx.next();
            return;
        }
        String key = clientKey(ctx.request().connection().remoteAddress(), ctx.request().getHeader("X-Forwarded-For"));
        ctx.put(KEY, key);
        if (!refused(ctx, buckets.tryAcquire(key, 1, System.nanoTime()))) {
            ctx.next();
        }
    }

    /**
     * Charges the request's events beyond the one its request already paid for.
     *
     * @return true when allowed; false when a 429 was sent (the events must then not be accepted)
     */
    boolean chargeEvents(RoutingContext ctx, int events) {
        String key = ctx.get(KEY);
        if (buckets == null || key == null || events <= 1) {
            return true;
        }
        return !refused(ctx, buckets.tryAcquire(key, events - 1, System.nanoTime()));
    }

    private static boolean refused(RoutingContext ctx, long waitNanos) {
        if (waitNanos <= 0) {
            return false;
        }
        long seconds = RateLimiter.retryAfterSeconds(waitNanos);
        ctx.response().putHeader("Retry-After", String.valueOf(seconds));
        ApiErrors.send(ctx, 429, "rate_limited", "too many events from this address; retry after " + seconds + " s",
                null);
        return true;
    }

    /** The bucket key of a request from {@code peer} carrying {@code forwardedFor} (may be null). */
    static String clientKey(SocketAddress peer, String forwardedFor) {
        byte[] address = peer == null || peer.hostAddress() == null ? null
                : NetUtil.createByteArrayFromIpAddressString(peer.hostAddress());
        if (address == null) {
            return peer == null ? "unknown" : String.valueOf(peer.hostAddress());
        }
        if (address.length == 16 && isMappedIpv4(address)) {
            address = Arrays.copyOfRange(address, 12, 16);
        }
        if (forwardedFor != null && isProxy(address)) {
            String last = forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).trim();
            byte[] forwarded = NetUtil.createByteArrayFromIpAddressString(last);
            if (forwarded != null) {
                address = forwarded;
            }
        }
        if (address.length == 16) {
            address = Arrays.copyOf(address, 8); // the /64
        }
        return HexFormat.of().formatHex(address);
    }

    /** {@code ::ffff:a.b.c.d}, an IPv4 client on a dual-stack socket. */
    private static boolean isMappedIpv4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) or link-local. */
    private static boolean isProxy(byte[] a) {
        int b0 = a[0] & 0xff;
        int b1 = a[1] & 0xff;
        if (a.length == 4) {
            return b0 == 127 || b0 == 10 || (b0 == 172 && b1 >= 16 && b1 < 32) || (b0 == 192 && b1 == 168)
                    || (b0 == 169 && b1 == 254);
        }
        boolean loopback = true;
        for (int i = 0; i < 15; i++) {
            loopback &= a[i] == 0;
        }
        return (loopback && a[15] == 1) || (b0 & 0xfe) == 0xfc || (b0 == 0xfe && (b1 & 0xc0) == 0x80);
    }
}
