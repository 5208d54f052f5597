package io.rebound.kafka.internals;

import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.store.Store;
import io.rebound.kafka.Keys;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.StoreSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A store's settings record sets its processor's retention and leaves the segment-set fingerprint alone. */
class SegmentCatalogTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void settingsSetTheRetentionAndNotTheFingerprint() {
        SegmentCatalog catalog = new SegmentCatalog();
        catalog.apply(Keys.of("st", "viewers"), new SegmentRecord("st", "viewers",
                SegmentTemplates.productViewers(7, SegmentTemplates.Scope.STORE), T0).encode());
        SegmentCatalog.StoreSegments before = catalog.of("st");
        assertThat(before.processor().retention()).isEqualTo(Duration.ofDays(Store.DEFAULT_RETENTION_DAYS));

        StoreSettings thirty = new StoreSettings("st", 30);
        catalog.apply(thirty.key(), thirty.encode());
        SegmentCatalog.StoreSegments after = catalog.of("st");
        assertThat(after.processor().retention()).isEqualTo(Duration.ofDays(30));
        assertThat(after.settings()).isEqualTo(thirty);
        assertThat(after.fingerprint()).isEqualTo(before.fingerprint()).isNotZero();

        // Republished unchanged: nothing rebuilt.
        catalog.apply(thirty.key(), thirty.encode());
        assertThat(catalog.of("st")).isSameAs(after);

        // A retention shorter than a window is raised to it; a tombstone restores the default.
        StoreSettings one = new StoreSettings("st", 1);
        catalog.apply(one.key(), one.encode());
        assertThat(catalog.of("st").processor().retention()).isEqualTo(Duration.ofDays(7));
        catalog.apply(one.key(), null);
        assertThat(catalog.of("st").processor().retention()).isEqualTo(Duration.ofDays(Store.DEFAULT_RETENTION_DAYS));
        assertThat(catalog.of("st").fingerprint()).isEqualTo(before.fingerprint());
    }
}
