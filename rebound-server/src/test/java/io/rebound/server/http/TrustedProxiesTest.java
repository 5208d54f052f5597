package io.rebound.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Whose word on the client's address counts. */
class TrustedProxiesTest {
    private Vertx vertx;

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    @Test
    void rangesMatchIpv4AndIpv6AndNothingElse() {
        TrustedProxies p = TrustedProxies.parse(" 10.0.0.0/8 ,192.168.1.7, 2001:db8::/32, ::1");
        assertThat(p.trusts("10.255.0.1")).isTrue();
        assertThat(p.trusts("11.0.0.1")).isFalse();
        assertThat(p.trusts("192.168.1.7")).isTrue();
        assertThat(p.trusts("192.168.1.8")).isFalse();
        assertThat(p.trusts("2001:db8:1::5")).isTrue();
        assertThat(p.trusts("2001:db9::5")).isFalse();
        assertThat(p.trusts("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(p.trusts("::ffff:10.1.1.1")).as("IPv4-mapped").isTrue();
        assertThat(p.trusts("localhost")).as("names are never looked up").isFalse();
        assertThat(p.trusts("256.1.1.1")).isFalse();
        assertThat(TrustedProxies.NONE.trusts("127.0.0.1")).isFalse();
        assertThat(TrustedProxies.parse("")).isSameAs(TrustedProxies.NONE);
    }

    private String clientIp(TrustedProxies proxies, String... headers) throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get("/ip").handler(ctx -> ctx.response().end(String.valueOf(proxies.clientIp(ctx.request()))
                + " " + proxies.scheme(ctx.request())));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/ip"));
        if (headers.length > 0) {
            b.headers(headers);
        }
        String body = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
        vertx.close().await();
        vertx = null;
        return body;
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItsHeadersSay() throws Exception {
        assertThat(clientIp(TrustedProxies.NONE, "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "198.51.100.1",
                "X-Forwarded-Proto", "https")).isEqualTo("127.0.0.1 http");
        assertThat(clientIp(TrustedProxies.parse("10.0.0.1"), "X-Forwarded-For", "203.0.113.7"))
                .isEqualTo("127.0.0.1 http");
    }

    @Test
    void aTrustedPeerIsBelievedFromTheRightSkippingOtherTrustedHops() throws Exception {
        TrustedProxies proxies = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8");
        assertThat(clientIp(proxies, "X-Forwarded-For", "192.0.2.1, 203.0.113.7, 10.0.0.2",
                "X-Forwarded-Proto", "https")).as("the forged first hop is not taken").isEqualTo("203.0.113.7 https");
        assertThat(clientIp(proxies, "X-Real-IP", "198.51.100.1")).isEqualTo("198.51.100.1 http");
        assertThat(clientIp(proxies)).isEqualTo("127.0.0.1 http");
        assertThat(clientIp(proxies, "X-Forwarded-For", "not-an-ip")).isEqualTo("127.0.0.1 http");
    }
}
