package io.rebound.server.activation;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.log.FileEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forwarder reads only what the audience runtime has committed: an event read ahead of it would be
 * completed with a person that does not know the event's predecessors yet (ForwardingTest's purchase
 * went out without the email given at the cart, when the forwarder overtook the runtime).
 */
class LogEventSourceTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    @TempDir
    Path dir;

    private static Event event(String id) {
        return Event.builder("st_a", id, EventType.ADD_TO_CART, T0, T0).anonymousId("v1")
                .products(List.of(new Product("mat", null, new BigDecimal("40"), 1)))
                .value(new BigDecimal("40")).currency("USD").build();
    }

    /** An audience view that knows no one: this test is about which records are read, not about persons. */
    private static AudienceView nobody() {
        return (AudienceView) Proxy.newProxyInstance(AudienceView.class.getClassLoader(), new Class<?>[]{AudienceView.class},
                (proxy, method, args) -> method.getReturnType() == Optional.class ? Optional.empty() : null);
    }

    @Test
    void eventsAreReadOnlyOnceTheAudienceRuntimeHasCommittedThem() throws Exception {
        try (FileEventLog log = new FileEventLog(dir.resolve("log"), false)) {
            long first = log.records().append(List.of(io.rebound.server.log.EventCodec.encode(event("cart-1")))).join();
            log.records().append(List.of(io.rebound.server.log.EventCodec.encode(event("buy-1")))).join();
            AtomicLong applied = new AtomicLong(log.records().start());
            LogEventSource source = new LogEventSource(log.records(), nobody(), applied::get);
            String start = Long.toString(log.records().start());

            EventSource.Batch none = source.read("st_a", start, 100);
            assertThat(none.events()).isEmpty();
            assertThat(source.awaitNews("st_a", start, 50)).as("appended, not applied").isFalse();

            applied.set(first);
            EventSource.Batch one = source.read("st_a", start, 100);
            assertThat(one.events()).extracting(e -> e.eventId()).containsExactly("cart-1");
            assertThat(source.awaitNews("st_a", one.next(), 50)).isFalse();

            applied.set(log.records().end());
            assertThat(source.awaitNews("st_a", one.next(), 50)).isTrue();
            assertThat(source.read("st_a", one.next(), 100).events()).extracting(e -> e.eventId()).containsExactly("buy-1");
        }
    }
}
