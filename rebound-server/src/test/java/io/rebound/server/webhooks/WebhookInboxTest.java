package io.rebound.server.webhooks;

import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.MetaTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The inbox's SQL on embedded H2 and on PostgreSQL: group commits, repeats, order, processing marks, expiry. */
class WebhookInboxTest {
    private static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    @TempDir
    Path root;
    private MetaTestDatabase meta;
    private Database database;
    private WebhookInbox inbox;
    private String store;

    private void open(String kind) {
        meta = MetaTestDatabase.open(kind, root.resolve("meta"));
        database = meta.database();
        store = new JdbcStoreRepository(database).create("Inbox shop", false).store().id();
        inbox = new WebhookInbox(database.dataSource());
    }

    @AfterEach
    void close() {
        if (inbox != null) {
            inbox.close();
        }
        if (meta != null) {
            meta.close();
        }
    }

    private WebhookInbox.Delivery delivery(String id, Instant at) {
        return new WebhookInbox.Delivery(store, WebhookPlatform.WOOCOMMERCE, id, "order.created", null,
                ("{\"id\": \"" + id + "\"}").getBytes(StandardCharsets.UTF_8), at);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void concurrentDeliveriesAreStoredOnceEachAndReadBackInOrder(String kind) throws Exception {
        open(kind);
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            answers.add(inbox.append(delivery("d-" + (i % 200), T0.plusMillis(i))));
        }
        long stored = answers.stream().filter(CompletableFuture::join).count();
        assertThat(stored).isEqualTo(200);
        List<WebhookInbox.Pending> pending = inbox.pending(1_000);
        assertThat(pending).hasSize(200);
        assertThat(pending.get(0).delivery().deliveryId()).isEqualTo("d-0");
        assertThat(new String(pending.get(0).delivery().body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\": \"d-0\"}");
        assertThat(pending.get(0).delivery().receivedAt()).isEqualTo(T0);
        assertThat(pending).extracting(WebhookInbox.Pending::seq).isSorted();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aProcessedDeliveryStillDropsRepeatsUntilItExpires(String kind) throws Exception {
        open(kind);
        assertThat(inbox.append(delivery("x", T0)).get()).isTrue();
        WebhookInbox.Pending p = inbox.pending(10).get(0);
        inbox.finish(List.of(new WebhookInbox.Finished(p.seq(), "stored", "order-x")), T0.plusSeconds(1));
        assertThat(inbox.pending(10)).isEmpty();
        assertThat(inbox.append(delivery("x", T0.plusSeconds(5))).get()).as("a repeat").isFalse();
        assertThat(inbox.expire(T0.plus(Duration.ofDays(7)).minusSeconds(1))).isEqualTo(1);
        assertThat(inbox.append(delivery("x", T0.plus(Duration.ofDays(8)))).get()).as("after expiry").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aWaitingDeliveryIsNeverExpired(String kind) throws Exception {
        open(kind);
        assertThat(inbox.append(delivery("waiting", T0)).get()).isTrue();
        assertThat(inbox.expire(T0.plus(Duration.ofDays(30)))).isZero();
        assertThat(inbox.pending(10)).hasSize(1);
    }
}
