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
 * A delivery is acknowledged only once durable: when the event log cannot take the order the answer
 * is 503 with Retry-After (the platform delivers again), and the same delivery is accepted once the
 * log writes again — a failed attempt is not remembered as handled.
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
    void aLogFailureIs503AndTheRedeliveryIsAccepted() throws Exception {
        Database database = Database.embedded(dir.resolve("meta"));
        Vertx vertx = Vertx.vertx();
        try {
            StoreRepository stores = new JdbcStoreRepository(database);
            StoreRepository.Created store = stores.create("Shop", false);
            WebhookSecrets secrets = new WebhookSecrets(database.dataSource(), CredentialKeys.inDirectory(dir),
                    Clock.systemUTC());
            secrets.set(store.store().id(), WebhookPlatform.SHOPIFY, SECRET);
            FailingLog log = new FailingLog();
            Router router = Router.router(vertx);
            new WebhookReceiver(stores, secrets, log, new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.shared()),
                    EventTimePolicy.DEFAULT, Clock.systemUTC(), new SimpleMeterRegistry()).mount(router);
            int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();

            byte[] body = WebhookApiTest.shopifyOrder(42, 7, null);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/"
                            + store.store().id() + "/shopify"))
                    .header("X-Shopify-Hmac-Sha256", Signatures.sign(body, SECRET))
                    .header("X-Shopify-Topic", "orders/create").header("X-Shopify-Webhook-Id", "delivery-1")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> refused = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).contains("1");
            assertThat(refused.body()).contains("log_unavailable");

            log.failing.set(false);
            HttpResponse<String> accepted = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            assertThat(accepted.body()).contains("\"accepted\"");
            assertThat(log.appended).isEqualTo(1);
        } finally {
            vertx.close().await();
            database.close();
        }
    }
}
