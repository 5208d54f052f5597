package io.rebound.kafka;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.event.Product;
import io.rebound.core.segment.SegmentTemplates;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the topology writes for the commonest event, a new visitor's, and how its consumers fetch:
 * each record written is broker work in every transaction (docs/PERFORMANCE.md, "Cluster mode").
 */
class WritesPerEventTest {

    @Test
    void aNewVisitorsEventWritesItsAliasPersonAndTimerOnceAndNoRedirect() {
        try (DriverRuntime runtime = new DriverRuntime()) {
            runtime.putSegment("st", "abandoners", SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE));
            List<TestOutputTopic<String, byte[]>> changelogs = List.of(changelog(runtime, AudienceTopology.StateNames.ALIASES),
                    changelog(runtime, AudienceTopology.StateNames.PERSONS), changelog(runtime, AudienceTopology.StateNames.TIMERS),
                    changelog(runtime, AudienceTopology.StateNames.REDIRECTS));
            changelogs.forEach(TestOutputTopic::readRecordsToList);

            Instant at = runtime.now();
            runtime.accept(Event.builder("st", "e1", EventType.ADD_TO_CART, at, at).anonymousId("v1")
                    .products(List.of(Product.of("p1"))).build());

            assertThat(changelogs.stream().map(c -> c.readRecordsToList().size()).toList())
                    .as("aliases, persons, timers, redirects changelog records").containsExactly(1, 1, 1, 0);
            assertThat(runtime.members("st", "abandoners")).hasSize(1);
        }
    }

    @Test
    void theGlobalConsumerDoesNotInheritThePartitionedTopicsShortFetchWait() {
        Properties p = AudienceTopology.config("app", "unused:9092");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 10);
        StreamsConfig config = new StreamsConfig(p);
        assertThat(config.getMainConsumerConfigs("g", "c", 0).get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)).isEqualTo(10);
        assertThat(config.getGlobalConsumerConfigs("c").get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))
                .isEqualTo(AudienceTopology.GLOBAL_FETCH_MAX_WAIT_MS);
    }

    @Test
    void theTopologysProducersCompressTheirBatches() {
        StreamsConfig config = new StreamsConfig(AudienceTopology.config("app", "unused:9092"));
        assertThat(config.getProducerConfigs("c").get(org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG))
                .as("lz4: fewer bytes for the broker to append and serve on every hop and changelog").isEqualTo("lz4");
    }

    private static TestOutputTopic<String, byte[]> changelog(DriverRuntime runtime, String store) {
        return runtime.driver().createOutputTopic("rebound-ttd-" + store + "-changelog",
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
