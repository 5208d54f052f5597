package io.rebound.destinations;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DestinationBasicsTest {

    private static WireRequest request(String uri, Map<String, String> headers) {
        return new WireRequest("POST", URI.create(uri), headers, "{}".getBytes());
    }

    @Test
    void redactionHidesEveryCredentialAndKeepsEverythingElse() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Bearer ya29.secret");
        h.put("Access-Token", "tt-secret");
        h.put("Content-Type", "application/json");
        WireRequest r = request("https://graph.facebook.com/v24.0/1/users?access_token=EAAB%2Fsecret&x=1", h).redacted();

        assertThat(r.toString() + r.headers()).doesNotContain("secret");
        assertThat(r.headers()).containsEntry("Content-Type", "application/json")
                .containsEntry("Authorization", WireRequest.REDACTED).containsEntry("Access-Token", WireRequest.REDACTED);
        assertThat(r.uri().getQuery()).isEqualTo("access_token=[redacted]&x=1");
        assertThat(r.body()).isEqualTo("{}".getBytes());
    }

    @Test
    void theRequestLogKeepsOnlyTheNewestRequests() {
        RequestLog log = new RequestLog(3);
        IntStream.range(0, 10).forEach(i -> log.add(new RecordedRequest(Instant.EPOCH, Mode.DRY_RUN,
                request("http://x/" + i, Map.of()))));
        assertThat(log.all()).extracting(r -> r.request().uri().getPath()).containsExactly("/7", "/8", "/9");
        assertThat(log.last(2)).extracting(r -> r.request().uri().getPath()).containsExactly("/8", "/9");
    }

    @Test
    void timeoutsAreBounded() {
        assertThatThrownBy(() -> new HttpTransport(Duration.ofSeconds(5), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> new HttpTransport(Duration.ZERO, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefusedConnectionIsAFailedResponseNotAnException() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Response r = new HttpTransport(Duration.ofSeconds(2), Duration.ofSeconds(2))
                .send(request("http://127.0.0.1:" + port + "/x", Map.of()));
        assertThat(r).isInstanceOfSatisfying(Response.Failed.class, f -> assertThat(f.timeout()).isFalse());
    }
}
