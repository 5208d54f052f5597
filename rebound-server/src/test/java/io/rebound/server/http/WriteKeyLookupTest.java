package io.rebound.server.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;
import io.rebound.core.time.EventTimePolicy;
import io.rebound.server.collect.BotFilter;
import io.rebound.server.collect.CollectorParser;
import io.rebound.server.collect.GifParser;
import io.rebound.server.collect.RateLimiter;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Write keys the collector has not seen yet are read from the database off the event loop. */
class WriteKeyLookupTest {
    @TempDir
    Path dir;
    Vertx vertx;
    Database database;
    HttpServer http;
    StoreRepository stores;
    /** For every JDBC connection taken: whether it was taken on a Vert.x event loop. */
    final List<Boolean> connectionsOnEventLoop = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        database = Database.embedded(dir.resolve("meta"));
        DataSource real = database.dataSource();
        DataSource watched = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connectionsOnEventLoop.add(Context.isOnEventLoopThread());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        stores = new JdbcStoreRepository(watched, Clock.systemUTC());
        EventLog log = new EventLog() {
            @Override
            public CompletableFuture<Void> append(List<Event> events) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {
            }
        };
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new CollectorRoutes(stores, log, new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.disabled()),
                new GifParser(EventTimePolicy.DEFAULT, BotFilter.disabled()), new RateLimiter(1_000, 1_000, 100),
                RateLimiter.perClient(1_000, 1_000), Clock.systemUTC(), new SimpleMeterRegistry(), null,
                TrustedProxies.NONE).mount(router);
        http = vertx.createHttpServer().requestHandler(router).listen(0).await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        database.close();
    }

    private int post(String writeKey) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + http.actualPort()
                        + "/v1/collect")).POST(HttpRequest.BodyPublishers.ofString("{\"writeKey\":\"" + writeKey
                        + "\",\"batch\":[{\"type\":\"page\",\"messageId\":\"m1\",\"anonymousId\":\"v\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aWriteKeyNotInMemoryIsReadFromTheDatabaseOffTheEventLoop() throws Exception {
        String known = stores.create("Lookup", false).store().writeKey();
        connectionsOnEventLoop.clear();
        assertThat(post(known)).isEqualTo(200);
        assertThat(post("wk_unknown0123456789")).isEqualTo(401);
        assertThat(connectionsOnEventLoop).isNotEmpty().doesNotContain(true);
    }
}
