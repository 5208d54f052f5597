package io.rebound.server.http;

import io.netty.util.NetUtil;
import io.rebound.server.api.ApiErrors;
import io.rebound.server.collect.RateLimiter;
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
 * <p>Which address: the connection's peer, or, when the peer is one of the configured
 * {@code trusted-proxies}, the client address that proxy reported ({@link TrustedProxies#clientIp}).
 */
final class ClientLimit {
    private static final String KEY = "rebound.clientKey";

    private final RateLimiter buckets;
    private final TrustedProxies proxies;

    /**
     * @param buckets per-address buckets; null for no limit
     * @param proxies the peers whose forwarding headers give the client's address
     */
    ClientLimit(RateLimiter buckets, TrustedProxies proxies) {
        this.buckets = buckets;
        this.proxies = proxies;
    }

    /** Route handler: one token for the request, or 429 with {@code Retry-After} before the body is read. */
    void handle(RoutingContext ctx) {
        if (buckets == null) {
            ctx.next();
            return;
        }
        String key = clientKey(proxies.clientIp(ctx.request()));
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

    /** The bucket key of a client address: IPv4 as is, IPv6 per /64 (IPv4-mapped IPv6 as IPv4). */
    static String clientKey(String ip) {
        byte[] address = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
        if (address == null) {
            return ip == null ? "unknown" : ip;
        }
        if (address.length == 16 && isMappedIpv4(address)) {
            address = Arrays.copyOfRange(address, 12, 16);
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
}
