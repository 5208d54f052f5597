package io.rebound.server.meta;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** Unknown write keys from the internet cannot fill memory nor push a real store out of the cache. */
class WriteKeyCacheTest {
    @TempDir
    Path dir;
    Database database;

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void unknownKeysAreRememberedUpToABoundAndNeverPushOutAKnownStore() throws InterruptedException {
        database = Database.embedded(dir);
        JdbcStoreRepository stores = new JdbcStoreRepository(database.dataSource(), Clock.systemUTC(), 100);
        String known = stores.create("Known", false).store().writeKey();
        assertThat(stores.byWriteKey(known)).isPresent();
        for (int i = 0; i < 2_000; i++) {
            assertThat(stores.byWriteKey("wk_random" + i)).isEmpty();
        }
        // The cache loads asynchronously: the last load's entry is weighed once its future's callback has run,
        // which can be just after the lookup returned. The bound holds once that has happened.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (stores.cachedWriteKeys() > 101 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(stores.cachedWriteKeys()).isLessThanOrEqualTo(101);
        database.close();
        // The database is gone: the known store can only come from memory.
        assertThat(stores.byWriteKey(known)).isPresent();
    }
}
