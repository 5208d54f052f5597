package io.rebound.server.config;


import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Cluster mode's settings, read from the same file and {@code REBOUND_*} variables as
 * {@link ServerConfig}; cluster mode is on when {@code kafka-bootstrap-servers} is set (docs/cluster.md).
 *
 * @param bootstrapServers  Kafka bootstrap servers
 * @param topicPrefix       topic names are {@code <prefix>.events} etc.
 * @param applicationId     Kafka Streams application id (default: the prefix); also names the changelogs
 * @param role              what this node runs
 * @param partitions        partitions of the topics this node creates when missing
 * @param replicationFactor replication of the topics this node creates, and of Streams' changelogs
 * @param streamThreads     Kafka Streams threads on this node
 * @param standbyReplicas   Streams standby replicas (warm copies of state on other nodes, for fast fail-over)
 * @param commitIntervalMs  Streams commit interval: the exactly-once transaction length (latency ↔ throughput)
 * @param sessionTimeoutMs  how long a silent node keeps its partitions before they move (Streams and the sink)
 */
public record ClusterConfig(String bootstrapServers, String topicPrefix, String applicationId, Role role,
                            int partitions, short replicationFactor, int streamThreads, int standbyReplicas,
                            int commitIntervalMs, int sessionTimeoutMs) {

    /** What a node of the cluster runs. Every role serves the admin and segment API. */
    public enum Role {
        /** Collector, Kafka Streams instance and API. */
        ALL,
        /** Stateless collector and API: appends events to Kafka, runs no Streams instance. */
        COLLECTOR,
        /** A Kafka Streams instance (and the API); the collector endpoints answer 404. */
        STREAMS;

        public boolean collects() {
            return this != STREAMS;
        }

        public boolean streams() {
            return this != COLLECTOR;
        }
    }

    /** The configuration keys of cluster mode. */
    public static final Set<String> KEYS = Set.of("kafka-bootstrap-servers", "kafka-topic-prefix",
            "kafka-application-id", "cluster-role", "kafka-partitions", "kafka-replication-factor",
            "kafka-stream-threads", "kafka-standby-replicas", "kafka-commit-interval-ms", "kafka-session-timeout-ms");

    public ClusterConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka-bootstrap-servers must be set in cluster mode");
        }
        if (!topicPrefix.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("kafka-topic-prefix may contain letters, digits, '.', '_' and '-' only, got '"
                    + topicPrefix + "'");
        }
        positive("kafka-partitions", partitions);
        positive("kafka-replication-factor", replicationFactor);
        positive("kafka-stream-threads", streamThreads);
        positive("kafka-commit-interval-ms", commitIntervalMs);
        positive("kafka-session-timeout-ms", sessionTimeoutMs);
        if (standbyReplicas < 0) {
            throw new IllegalArgumentException("kafka-standby-replicas must not be negative");
        }
    }

    /**
     * Cluster settings for {@code bootstrapServers} with production defaults (replication 3, 12 partitions).
     * Commits every 50 ms: an event crosses two exactly-once hops, each visible at its task's commit, so
     * event → membership p99 at 1,000 events/s is ~160 ms at 50 ms and ~290 ms at 100 ms, for the same
     * throughput (docs/PERFORMANCE.md, cluster mode).
     */
    public static ClusterConfig defaults(String bootstrapServers) {
        return new ClusterConfig(bootstrapServers, "rebound", "rebound", Role.ALL, 12, (short) 3,
                Runtime.getRuntime().availableProcessors(), 1, 50, 45_000);
    }

    /** The cluster settings in {@code file} and {@code env}, or null when {@code kafka-bootstrap-servers} is not set. */
    public static ClusterConfig load(Path file, Map<String, String> env) {
        Properties p = ServerConfig.properties(file, env);
        String bootstrap = p.getProperty("kafka-bootstrap-servers");
        if (bootstrap == null || bootstrap.isBlank()) {
            for (String key : KEYS) {
                if (p.containsKey(key)) {
                    throw new IllegalArgumentException("'" + key + "' is a cluster-mode key: set kafka-bootstrap-servers too");
                }
            }
            return null;
        }
        ClusterConfig d = defaults(bootstrap);
        String prefix = p.getProperty("kafka-topic-prefix", d.topicPrefix);
        String role = p.getProperty("cluster-role", "all").trim().toUpperCase(Locale.ROOT);
        Role r;
        try {
            r = Role.valueOf(role);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster-role must be one of all, collector, streams; got '"
                    + p.getProperty("cluster-role") + "'");
        }
        return new ClusterConfig(bootstrap.trim(), prefix, p.getProperty("kafka-application-id", prefix), r,
                ServerConfig.intOf(p, "kafka-partitions", d.partitions),
                (short) ServerConfig.intOf(p, "kafka-replication-factor", d.replicationFactor),
                ServerConfig.intOf(p, "kafka-stream-threads", d.streamThreads),
                ServerConfig.intOf(p, "kafka-standby-replicas", d.standbyReplicas),
                ServerConfig.intOf(p, "kafka-commit-interval-ms", d.commitIntervalMs),
                ServerConfig.intOf(p, "kafka-session-timeout-ms", d.sessionTimeoutMs));
    }

    public ClusterConfig withRole(Role r) {
        return new ClusterConfig(bootstrapServers, topicPrefix, applicationId, r, partitions, replicationFactor,
                streamThreads, standbyReplicas, commitIntervalMs, sessionTimeoutMs);
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
    }
}
