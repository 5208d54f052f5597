package io.rebound.server.cluster;

import io.rebound.kafka.Topics;
import io.rebound.server.config.ClusterConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the deployment's topics that are missing (docs/cluster.md has the table) and checks that
 * the co-partitioned ones agree. Existing topics are left as the operator made them.
 */
final class ClusterTopics {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTopics.class);

    private ClusterTopics() {
    }

    /** Ensures every topic exists; returns the partition count of the persons topic. */
    static int ensure(ClusterConfig config, Topics topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics.all()) {
                if (!existing.contains(t)) {
                    missing.add(newTopic(config, topics, t));
                }
            }
            if (!missing.isEmpty()) {
                for (var e : admin.createTopics(missing).values().entrySet()) {
                    try {
                        e.getValue().get(30, TimeUnit.SECONDS);
                        LOG.info("created topic {}", e.getKey());
                    } catch (ExecutionException ex) {
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw ex; // another node creating it at the same moment is fine
                        }
                    }
                }
            }
            Map<String, TopicDescription> d = describe(admin, topics.partitioned());
            Map<String, Integer> counts = new HashMap<>();
            d.forEach((name, td) -> counts.put(name, td.partitions().size()));
            if (counts.values().stream().distinct().count() != 1) {
                throw new IllegalStateException("topics " + topics.partitioned() + " must have the same number of "
                        + "partitions, found " + counts);
            }
            return counts.get(topics.persons());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + config.bootstrapServers() + " to create topics: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Describes topics, retrying while a broker does not know one yet: a topic just created (by this
     * or another node) reaches the brokers' metadata a moment after CreateTopics returns, and the
     * admin client fails the describe with {@link UnknownTopicOrPartitionException} meanwhile.
     */
    private static Map<String, TopicDescription> describe(Admin admin, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static NewTopic newTopic(ClusterConfig config, Topics topics, String name) {
        int partitions = name.equals(topics.segments()) ? 1 : config.partitions();
        Map<String, String> configs = new HashMap<>();
        configs.put("min.insync.replicas", String.valueOf(config.replicationFactor() >= 3 ? 2 : 1));
        if (topics.compacted().contains(name)) {
            configs.put("cleanup.policy", "compact");
        } else if (name.equals(topics.changes())) {
            configs.put("retention.ms", String.valueOf(Duration.ofDays(30).toMillis()));
        } else if (name.equals(topics.acks())) {
            configs.put("retention.ms", String.valueOf(Duration.ofHours(1).toMillis()));
        } else {
            configs.put("retention.ms", String.valueOf(Duration.ofDays(7).toMillis()));
        }
        return new NewTopic(name, partitions, config.replicationFactor()).configs(configs);
    }
}
