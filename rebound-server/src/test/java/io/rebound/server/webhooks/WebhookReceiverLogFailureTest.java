package io.rebound.server.webhooks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.collect.BotFilter;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A delivery is acknowledged once it is durable in the inbox, not once it is processed: while the
 * event log cannot write, the delivery is answered 200 and waits; it is appended once the log writes
 * again, exactly once, and a server restarted in between processes what the stopped one left waiting.
 */
class WebhookReceiverLogFailureTest {
    private static final String SECRET = "log-failure-secret-0123456789";

    @TempDir
    Path dir;

    /** An event log whose disk fails until told otherwise. */
    static final class FailingLog implements EventLog {
        final AtomicBoolean failing = new AtomicBoolean(true);
        int appended;

        @Override
        public synchronized CompletableFuture<Void> append(List<Event> events) {
            if (failing.get()) {
                return CompletableFuture.failedFuture(new IOException("No space left on device"));
            }
            appended += events.size();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aLogFailureLeavesTheDeliveryWaitingUntilTheLogWritesAgain() throws Exception {
        Database database = Database.embedded(dir.resolve("meta"));
        Vertx vertx = Vertx.vertx();
        try {
            StoreRepository stores = new JdbcStoreRepository(database);
            StoreRepository.Created store = stores.create("Shop", false);
            WebhookSecrets secrets = new WebhookSecrets(database.dataSource(), CredentialKeys.inDirectory(dir),
                    Clock.systemUTC());
            secrets.set(store.store().id(), WebhookPlatform.SHOPIFY, SECRET);
            FailingLog log = new FailingLog();
            WebhookReceiver.Pair pair = WebhookReceiver.create(database.dataSource(), stores, secrets, log,
                    new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared()), EventTimePolicy.DEFAULT,
                    Clock.systemUTC(), new SimpleMeterRegistry());
            vertx.deployVerticle(pair.worker()).await();
            Router router = Router.router(vertx);
            pair.receiver().mount(router);
            int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();

            byte[] body = WebhookApiTest.shopifyOrder(42, 7, null);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/"
                            + store.store().id() + "/shopify"))
                    .header("X-Shopify-Hmac-Sha256", Signatures.sign(body, SECRET))
                    .header("X-Shopify-Topic", "orders/create").header("X-Shopify-Webhook-Id", "delivery-1")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> accepted = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            assertThat(accepted.body()).contains("\"accepted\"");
            Thread.sleep(1_500);
            assertThat(log.appended).isZero();

            log.failing.set(false);
            WebhookApiTest.await(() -> log.appended > 0);
            Thread.sleep(1_200);
            // The identify and the purchase, once, though the failed rounds tried them before.
            assertThat(log.appended).isEqualTo(2);
            HttpResponse<String> again = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(again.body()).contains("duplicate");
        } finally {
            vertx.close().await();
            database.close();
        }
    }

    @Test
    void aDeliveryAnsweredBeforeACrashIsProcessedAfterTheRestart() throws Exception {
        Path meta = dir.resolve("restart");
        WebhookInbox.Delivery delivery;
        StoreRepository.Created store;
        try (Database database = Database.embedded(meta)) {
            StoreRepository stores = new JdbcStoreRepository(database);
            store = stores.create("Shop", false);
            // The first server stored the delivery (and answered 200) and stopped before processing it.
            WebhookInbox inbox = new WebhookInbox(database.dataSource());
            delivery = new WebhookInbox.Delivery(store.store().id(), WebhookPlatform.SHOPIFY, "before-crash",
                    "orders/create", null, WebhookApiTest.shopifyOrder(43, 8, null), java.time.Instant.now());
            assertThat(inbox.append(delivery).get()).isTrue();
            inbox.close();
        }
        try (Database database = Database.embedded(meta)) {
            StoreRepository stores = new JdbcStoreRepository(database);
            FailingLog log = new FailingLog();
            log.failing.set(false);
            WebhookInbox inbox = new WebhookInbox(database.dataSource());
            try {
                assertThat(inbox.append(delivery).get()).as("a repeat after the restart").isFalse();
                WebhookProcessor processor = new WebhookProcessor(inbox, new Deliveries(new CollectorParser(
                        EventTimePolicy.DEFAULT, BotFilter.shared()), EventTimePolicy.DEFAULT,
                        new io.rebound.server.commerce.JdbcCatalog(database.dataSource(), Clock.systemUTC())),
                        stores, log, new io.rebound.server.commerce.JdbcCatalog(database.dataSource(),
                        Clock.systemUTC()), Clock.systemUTC(), (p, o) -> { });
                assertThat(processor.runOnce()).isEqualTo(1);
                assertThat(log.appended).isEqualTo(2);
                assertThat(processor.runOnce()).isZero();
                assertThat(inbox.pending(10)).isEmpty();
            } finally {
                inbox.close();
            }
        }
    }
}
