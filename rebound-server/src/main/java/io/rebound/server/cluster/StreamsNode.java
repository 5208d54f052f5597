package io.rebound.server.cluster;

import io.rebound.core.engine.AuditStats;
import io.rebound.kafka.AudienceTopology;
import io.rebound.kafka.Topics;
import io.rebound.server.config.ClusterConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/** This node's Kafka Streams instance of the audience topology (roles {@code all} and {@code streams}). */
final class StreamsNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsNode.class);

    private final KafkaStreams streams;
    private final AudienceTopology topology;

    StreamsNode(ClusterConfig config, Topics topics, Path stateDir) {
        Properties p = AudienceTopology.config(config.applicationId(), config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), config.sessionTimeoutMs());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                Math.max(100, config.sessionTimeoutMs() / 5));
        // read_committed fetches otherwise wait up to fetch.max.wait.ms (500 ms) on every identity/persons hop
        // (the global consumer keeps AudienceTopology's own setting: its topic is not written in transactions).
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 10);
        this.topology = new AudienceTopology(topics);
        this.streams = new KafkaStreams(topology.build(), p);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
    }

    /** What this node's self-checks found. */
    AuditStats audits() {
        return topology.audits();
    }

    KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
