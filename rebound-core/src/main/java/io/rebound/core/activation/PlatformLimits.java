package io.rebound.core.activation;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A platform's documented request limits, in one place per platform. Where a platform documents no
 * limit for a request kind, the value here is Rebound's own bound and says so.
 *
 * @param platform             the platform
 * @param customerList         rows and bytes per customer-list request
 * @param events               events and bytes per conversions request
 * @param identifiersPerMember identifiers one list member may carry ({@link Integer#MAX_VALUE} if unbounded)
 * @param maxEventAge          events older than this fail or are refused; null where none is documented
 */
public record PlatformLimits(Platform platform, BatchLimits customerList, BatchLimits events,
                             int identifiersPerMember, Duration maxEventAge) {

    /**
     * Meta: 10,000 rows per {@code /users} request; about 60 KB of body, the cap an open-source
     * sender applies below a ~65 KB limit it observed (unconfirmed by Meta's reference); 1,000
     * events per Conversions API request; an event older than 7 days fails the whole request.
     */
    public static final PlatformLimits META = new PlatformLimits(Platform.META,
            new BatchLimits(10_000, 60_000), new BatchLimits(1_000, BatchLimits.NO_BYTE_LIMIT),
            Integer.MAX_VALUE, Duration.ofDays(7));

    /**
     * Google Data Manager: 10,000 audience members per request, 10 identifiers per member, 2,000
     * events per request.
     */
    public static final PlatformLimits GOOGLE = new PlatformLimits(Platform.GOOGLE,
            new BatchLimits(10_000, BatchLimits.NO_BYTE_LIMIT), new BatchLimits(2_000, BatchLimits.NO_BYTE_LIMIT),
            10, null);

    /**
     * TikTok: 1,000 events per Events API request. Customer files: TikTok's reference gives no row
     * limit per file; Rebound uploads at most 10,000 rows per file so that each batch's outcome
     * stays small and retryable.
     */
    public static final PlatformLimits TIKTOK = new PlatformLimits(Platform.TIKTOK,
            new BatchLimits(10_000, BatchLimits.NO_BYTE_LIMIT), new BatchLimits(1_000, BatchLimits.NO_BYTE_LIMIT),
            1, null);

    /**
     * Pinterest: 1 to 1,000 events per Conversions API request. Customer lists: no documented
     * record limit per request; Rebound sends at most 10,000 records per request.
     */
    public static final PlatformLimits PINTEREST = new PlatformLimits(Platform.PINTEREST,
            new BatchLimits(10_000, BatchLimits.NO_BYTE_LIMIT), new BatchLimits(1_000, BatchLimits.NO_BYTE_LIMIT),
            1, null);

    public PlatformLimits {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(customerList, "customerList");
        Objects.requireNonNull(events, "events");
        if (identifiersPerMember < 1) {
            throw new IllegalArgumentException("identifiersPerMember must be positive");
        }
    }

    public static PlatformLimits of(Platform platform) {
        return switch (platform) {
            case META -> META;
            case GOOGLE -> GOOGLE;
            case TIKTOK -> TIKTOK;
            case PINTEREST -> PINTEREST;
        };
    }

    /** Whether an event at {@code eventTime} is past the platform's maximum age at {@code now}. */
    public boolean tooOld(Instant eventTime, Instant now) {
        return maxEventAge != null && eventTime.isBefore(now.minus(maxEventAge));
    }
}
