package io.rebound.server.collect;

import io.rebound.core.event.Event;
import io.rebound.core.event.Source;
import io.rebound.core.store.Store;
import io.rebound.core.time.EventTimePolicy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared stores and one-liners for the collector tests. */
final class Fixtures {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final Store STORE = new Store("st_yoga", "Yoga shop", "wk_yoga", false, 180, NOW);
    static final Store CONSENT_STORE = new Store("st_eu", "EU shop", "wk_eu", true, 180, NOW);
    static final RequestInfo BROWSER = new RequestInfo(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "203.0.113.77", false);
    static final CollectorParser PARSER = new CollectorParser(EventTimePolicy.DEFAULT, BotFilter.disabled());

    private Fixtures() {
    }

    static ParsedBody body(String json) {
        return PARSER.readBody(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Single-quoted JSON for readability in tests: ' becomes ". */
    static String q(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static BatchResult batch(String json) {
        return batch(json, STORE, BROWSER);
    }

    static BatchResult batch(String json, Store store, RequestInfo req) {
        return PARSER.parseBatch(body(q(json)), store, req, NOW, Source.SEGMENT);
    }

    /** Parses one message as the only element of a batch and expects it accepted. */
    static Event one(String message) {
        return one(message, STORE, BROWSER);
    }

    static Event one(String message, Store store, RequestInfo req) {
        BatchResult r = batch("{'batch':[" + message + "]}", store, req);
        assertThat(r.rejected()).as("rejections").isEmpty();
        assertThat(r.accepted()).hasSize(1);
        return r.accepted().get(0);
    }

    /** Parses one message as the only element of a batch and expects it rejected; returns "field: message" lines. */
    static java.util.List<String> violations(String message) {
        BatchResult r = batch("{'batch':[" + message + "]}");
        assertThat(r.accepted()).as("accepted").isEmpty();
        assertThat(r.rejected()).hasSize(1);
        return r.rejected().get(0).violations().stream().map(Object::toString).toList();
    }
}
