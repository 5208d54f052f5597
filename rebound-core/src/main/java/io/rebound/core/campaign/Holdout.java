package io.rebound.core.campaign;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The holdout split: a person is held out of a campaign when the SHA-256 of the campaign id and the
 * person id, read as an unsigned 64-bit number, falls in the first {@code share} of 10,000 buckets.
 * Stable (the same person in the same campaign always lands in the same bucket, on every node and
 * after every restart), independent between campaigns, and uniform. Raising the share only adds
 * persons to the holdout; nobody held out at 10 % is treated at 20 %.
 *
 * <p>Holdout members get nothing from the campaign (no ads, no email, no offer) and are kept for
 * measurement.
 */
public final class Holdout {
    /** Buckets of the split: a share is given in basis points (1/100 of a percent). */
    public static final int BUCKETS = 10_000;

    private Holdout() {
    }

    /** The person's bucket in the campaign, 0..9,999. */
    public static int bucket(String campaignId, String personId) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        sha.update(campaignId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0); // no id holds a NUL, so ("ab","c") and ("a","bc") differ
        byte[] d = sha.digest(personId.getBytes(StandardCharsets.UTF_8));
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (d[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(h, BUCKETS);
    }

    /** True if the person is held out of the campaign at {@code basisPoints} (0..10,000). */
    public static boolean isHeldOut(String campaignId, String personId, int basisPoints) {
        return bucket(campaignId, personId) < basisPoints;
    }
}
