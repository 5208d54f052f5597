package io.rebound.server.commerce;

import io.rebound.core.catalog.FeedPlatform;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class FeedConditionalTest {
    private static final Instant CHANGED = Instant.parse("2026-12-01T10:00:00.250Z");
    private static final String TAG = FeedRoutes.etag(new JdbcCatalog.Change(3, CHANGED), FeedPlatform.GOOGLE,
            "Shop", false);

    @Test
    void ifNoneMatchWinsOverIfModifiedSince() {
        assertThat(FeedRoutes.notModified(TAG, null, TAG, CHANGED)).isTrue();
        assertThat(FeedRoutes.notModified("*", null, TAG, CHANGED)).isTrue();
        assertThat(FeedRoutes.notModified("\"x\"", "Tue, 01 Dec 2026 10:00:00 GMT", TAG, CHANGED))
                .as("a tag that does not match means the client's copy is stale, whatever the date").isFalse();
    }

    @Test
    void ifModifiedSinceComparesAtSecondPrecision() {
        assertThat(FeedRoutes.notModified(null, "Tue, 01 Dec 2026 10:00:00 GMT", TAG, CHANGED)).isTrue();
        assertThat(FeedRoutes.notModified(null, "Tue, 01 Dec 2026 09:59:59 GMT", TAG, CHANGED)).isFalse();
        assertThat(FeedRoutes.notModified(null, "yesterday", TAG, CHANGED)).isFalse();
        assertThat(FeedRoutes.notModified(null, "Tue, 01 Dec 2026 10:00:00 GMT", TAG, null)).isFalse();
    }

    @Test
    void theTagChangesWithVersionPlatformNameAndEncoding() {
        JdbcCatalog.Change c = new JdbcCatalog.Change(3, CHANGED);
        assertThat(TAG).isEqualTo(FeedRoutes.etag(c, FeedPlatform.GOOGLE, "Shop", false))
                .isNotEqualTo(FeedRoutes.etag(new JdbcCatalog.Change(4, CHANGED), FeedPlatform.GOOGLE, "Shop", false))
                .isNotEqualTo(FeedRoutes.etag(c, FeedPlatform.TIKTOK, "Shop", false))
                .isNotEqualTo(FeedRoutes.etag(c, FeedPlatform.GOOGLE, "Shop 2", false))
                .isNotEqualTo(FeedRoutes.etag(c, FeedPlatform.GOOGLE, "Shop", true));
    }
}
