package io.rebound.server.collect;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Truncates IP addresses before anything stores them: an IPv4 address loses its last octet
 * ({@code 203.0.113.77 → 203.0.113.0}), an IPv6 address keeps its first 48 bits
 * ({@code 2001:db8:85a3:8d3:1319:8a2e:370:7348 → 2001:db8:85a3::}). Enough for coarse
 * geography, not enough to single out a household. Only literals are accepted: a host name is
 * never resolved.
 */
public final class IpAddresses {

    private IpAddresses() {
    }

    /** The truncated form of {@code ip}, or null when it is not an IPv4 or IPv6 literal. */
    public static String truncate(String ip) {
        if (ip == null) {
            return null;
        }
        String s = ip.strip();
        if (s.isEmpty() || s.length() > 64) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            byte[] v4 = parseV4(s);
            return v4 == null ? null : (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + ".0";
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ':' && c != '.' && Character.digit(c, 16) < 0) {
                return null;
            }
        }
        byte[] bytes;
        try {
            // The brackets make the JDK treat it as an IPv6 literal: no name lookup can happen.
            InetAddress address = InetAddress.getByName("[" + s + "]");
            if (address instanceof Inet4Address v4mapped) {
                byte[] b = v4mapped.getAddress();
                return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0";
            }
            bytes = address.getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
        return Integer.toHexString(group(bytes, 0)) + ":" + Integer.toHexString(group(bytes, 2)) + ":"
                + Integer.toHexString(group(bytes, 4)) + "::";
    }

    private static int group(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    /**
     * The four bytes of a dotted quad ({@code 203.0.113.77}), or null for anything else: parsed here, as
     * the JDK would take {@code 256.1.1.1} for a host name and look it up.
     */
    public static byte[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }
}
