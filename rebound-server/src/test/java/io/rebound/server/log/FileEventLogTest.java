package io.rebound.server.log;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Source;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FileEventLogTest {

    @TempDir
    Path dir;

    private static Event event(String id) {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        return new Event("st_1", id, EventType.PAGE_VIEW, null, "a-1", null, null, List.of(), null, null, t, t, null, null,
                null, null, Map.of(), Map.of(), Consent.UNSTATED, Map.of(), Source.SERVER);
    }

    /** Appends from a blocking handler's worker thread (which carries the event loop's context) are written every time. */
    @Test
    void appendsFromAWorkerThreadOfAnEventLoopContextAreAllWritten() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (FileEventLog log = new FileEventLog(dir, false)) {
            for (int i = 0; i < 5; i++) {
                String id = "e" + i;
                var done = vertx.getOrCreateContext().executeBlocking(() -> {
                    log.append(List.of(event(id))).get(5, TimeUnit.SECONDS);
                    return null;
                }).toCompletionStage().toCompletableFuture();
                done.get(10, TimeUnit.SECONDS);
            }
            assertThat(log.records().read(log.records().start(), 100, 1 << 20)).hasSize(5);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
