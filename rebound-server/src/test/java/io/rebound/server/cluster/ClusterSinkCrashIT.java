package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import io.rebound.kafka.MembershipChangeSerde;
import io.rebound.kafka.Topics;
import io.rebound.server.config.ClusterConfig;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sink's exactly-once promise under crashes: a sink process that dies at any point of a batch —
 * before or after any row write, before the commit, after the commit but before it heard back — and is
 * replaced by a fresh one leaves PostgreSQL with exactly the rows the topics say: no change-log row
 * lost or appended twice, member counts that moved once per member, the last record per key in the
 * keyed tables, tombstones applied. The records are produced straight to the topics the topology
 * writes (memberships, changes, progress, segment records, the aliases changelog with its Google
 * email digests), with joins,
 * leaves and re-joins of the same members and identities erased and re-set, so that a replayed
 * record would show.
 */
class ClusterSinkCrashIT {

    private static final int PARTITIONS = 3;
    /** Membership records (with their changes, and some of the other kinds) produced before each sink life. */
    private static final int WAVE = 400;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** A sink process's death: at the n-th operation naming a table or "commit", the commit perhaps of a transaction that wrote a table. */
    private record Crash(String target, int occurrence, String afterWriting) {
        @Override
        public String toString() {
            return target + (afterWriting == null ? "" : " after " + afterWriting) + " #" + occurrence;
        }
    }

    /**
     * Where the sink processes die, one after the other, each before and after the operation: the
     * first operation on each table (if a life reaches it: another may have applied its records
     * already; on {@code cluster_offsets} that is the read of the stored offsets at assignment), the
     * commit that follows a write of the change log (the one table a replayed record would grow) or of
     * the keyed tables, and later commits, so that lives die with part of the partitions applied.
     */
    private static final List<Crash> CRASHES = List.of(new Crash("cluster_membership_changes", 1, null),
            new Crash("cluster_memberships", 1, null), new Crash("cluster_segment_counts", 1, null),
            new Crash("commit", 1, "cluster_membership_changes"), new Crash("commit", 1, "cluster_memberships"),
            new Crash("commit", 1, "cluster_identities"), new Crash("commit", 1, null), new Crash("cluster_offsets", 1, null),
            new Crash("cluster_identities", 1, null), new Crash("cluster_segment_records", 1, null),
            new Crash("cluster_backfill_progress", 1, null), new Crash("cluster_google_emails", 1, null),
            new Crash("commit", 2, "cluster_membership_changes"),
            new Crash("commit", 3, null), new Crash("commit", 5, null));

    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;
    private static Database database;

    @BeforeAll
    static void start() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
        database = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (database != null) {
            database.close();
        }
        if (pg != null) {
            pg.drop();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aSinkKilledAnywhereInABatchAndRestartedEndsWithExactlyTheRowsOfTheTopics() throws Exception {
        String prefix = "crash-" + ProcessHandle.current().pid();
        ClusterConfig config = new ClusterConfig(broker.bootstrapServers(), prefix, prefix, ClusterConfig.Role.ALL,
                PARTITIONS, (short) 1, 1, 0, 20, 6_000);
        Topics topics = new Topics(prefix);
        ClusterTopics.ensure(config, topics);
        String aliases = ClusterSink.aliasesChangelog(config);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(aliases, PARTITIONS, (short) 1))).all().get();
        }
        try (Records records = new Records(topics, aliases)) {
            Set<String> crashedAt = new TreeSet<>();
            for (Crash crash : CRASHES) {
                for (CrashingDataSource.Moment moment : CrashingDataSource.Moment.values()) {
                    // Fresh records of every kind for each life: its crash point is reached, not skipped.
                    records.wave(WAVE);
                    Map<TopicPartition, Long> ends = endOffsets(topics, aliases);
                    CrashingDataSource dying = new CrashingDataSource(pg.jdbcUrl(), PostgresTestDatabase.USER,
                            crash.target(), crash.occurrence(), crash.afterWriting(), moment);
                    try (ClusterSink sink = new ClusterSink(config, topics, dying).start()) {
                        waitFor(() -> dying.crashedAt() != null || sink.failure() != null || offsets().equals(ends),
                                "a crash " + moment + " " + crash + ", or the sink to catch up");
                    }
                    if (dying.crashedAt() != null) {
                        crashedAt.add(moment + " " + crash);
                    }
                }
            }
            // The crashes hit the change log's and the memberships' writes and the commits after them, on both sides.
            for (CrashingDataSource.Moment moment : CrashingDataSource.Moment.values()) {
                for (Crash crash : CRASHES.subList(0, 7)) {
                    assertThat(crashedAt).contains(moment + " " + crash);
                }
            }

            Map<TopicPartition, Long> ends = endOffsets(topics, aliases);
            try (ClusterSink sink = new ClusterSink(config, topics, database.dataSource()).start()) {
                waitFor(() -> {
                    if (sink.failure() != null) {
                        throw new AssertionError("the sink stopped", sink.failure());
                    }
                    return offsets().equals(ends);
                }, "the restarted sink to reach " + ends);
            }

            assertThat(members()).isEqualTo(records.members);
            assertThat(counts()).isEqualTo(records.counts());
            assertThat(changes()).isEqualTo(records.changes);
            assertThat(rows("SELECT store_id, id_key, person_id FROM cluster_identities")).isEqualTo(records.identities);
            assertThat(rows("SELECT store_id, id_key, google_email_hash FROM cluster_google_emails")).isEqualTo(records.googleEmails);
            assertThat(rows("SELECT store_id, segment_id, encode(record, 'escape') FROM cluster_segment_records"))
                    .isEqualTo(records.segmentRecords);
            assertThat(rows("SELECT store_id, CAST(partition_no AS VARCHAR), CAST(done AS VARCHAR) FROM cluster_backfill_progress"))
                    .isEqualTo(records.progress);
        }
    }

    // ---- the records ------------------------------------------------------------------------------

    /**
     * Produces the records, in waves, and keeps what the topics then say, computed from the produced
     * records alone: the last record per member, identity, segment and progress key, and every change.
     */
    private static final class Records implements AutoCloseable {
        final Map<List<String>, Long> members = new TreeMap<>(ClusterSinkCrashIT::compare);
        final Map<List<String>, List<String>> changes = new TreeMap<>(ClusterSinkCrashIT::compare);
        final Map<List<String>, String> identities = new TreeMap<>(ClusterSinkCrashIT::compare);
        /** The aliases changelog's g: entries (Google's email digests), under the email's identity key. */
        final Map<List<String>, String> googleEmails = new TreeMap<>(ClusterSinkCrashIT::compare);
        final Map<List<String>, String> segmentRecords = new TreeMap<>(ClusterSinkCrashIT::compare);
        final Map<List<String>, String> progress = new TreeMap<>(ClusterSinkCrashIT::compare);
        private final Topics topics;
        private final String aliases;
        private final KafkaProducer<String, byte[]> producer;
        private final Random random = new Random(11);
        private Instant at = Instant.parse("2026-12-01T00:00:00Z");
        private int i;

        Records(Topics topics, String aliases) throws InterruptedException {
            this.topics = topics;
            this.aliases = aliases;
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
            // Every topic known to the producer first: a send racing a topic's creation can fail.
            for (String topic : List.of(topics.memberships(), topics.changes(), topics.progress(), topics.segments(), aliases)) {
                waitFor(() -> !producer.partitionsFor(topic).isEmpty(), "metadata of " + topic);
            }
        }

        Map<List<String>, Long> counts() {
            Map<List<String>, Long> out = new TreeMap<>(ClusterSinkCrashIT::compare);
            members.keySet().forEach(m -> out.merge(m.subList(0, 2), 1L, Long::sum));
            return out;
        }

        /**
         * Memberships (joins, leaves, re-joins) with their changes, identities set and erased, now and
         * then a segment record (or its tombstone) and a progress record; all acknowledged on return.
         */
        void wave(int n) throws Exception {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int end = i + n; i < end; i++) {
                String store = "s" + random.nextInt(2);
                String segment = "g" + random.nextInt(3);
                String person = "p" + random.nextInt(150);
                List<String> member = List.of(store, segment, person);
                at = at.plusMillis(1 + random.nextInt(1_000));
                boolean join = !members.containsKey(member) || random.nextInt(4) == 0; // some re-joins
                if (join) {
                    members.put(member, at.toEpochMilli());
                } else {
                    members.remove(member);
                }
                sent.add(producer.send(new ProducerRecord<>(topics.memberships(), Keys.of(store, segment, person),
                        join ? ByteBuffer.allocate(8).putLong(at.toEpochMilli()).array() : null)));
                MembershipChange change = new MembershipChange(store, segment, person,
                        join ? MembershipChange.Kind.JOINED : MembershipChange.Kind.LEFT, at, "r" + i);
                // The topology keys a change by store and segment: one segment's changes share a partition.
                sent.add(producer.send(new ProducerRecord<>(topics.changes(), Keys.of(store, segment),
                        MembershipChangeSerde.encode(change))));
                changes.computeIfAbsent(List.of(store, segment), k -> new ArrayList<>())
                        .add(person + " " + change.kind() + " " + at.toEpochMilli() + " r" + i);
                if (i % 3 == 0) {
                    String key = "a:v" + random.nextInt(400);
                    String to = random.nextInt(5) == 0 ? null : "p" + i;
                    sent.add(producer.send(new ProducerRecord<>(aliases, Keys.of(store, key),
                            to == null ? null : to.getBytes(StandardCharsets.UTF_8))));
                    if (to == null) {
                        identities.remove(List.of(store, key));
                    } else {
                        identities.put(List.of(store, key), to);
                    }
                }
                if (i % 7 == 0) {
                    String digest = "d" + random.nextInt(60);
                    String google = random.nextInt(4) == 0 ? null : "google " + i;
                    sent.add(producer.send(new ProducerRecord<>(aliases, Keys.of(store, "g:" + digest),
                            google == null ? null : google.getBytes(StandardCharsets.UTF_8))));
                    if (google == null) {
                        googleEmails.remove(List.of(store, "e:" + digest));
                    } else {
                        googleEmails.put(List.of(store, "e:" + digest), google);
                    }
                }
                if (i % 50 == 0) {
                    String s = "g" + random.nextInt(5);
                    String record = random.nextInt(3) == 0 ? null : "definition " + i;
                    sent.add(producer.send(new ProducerRecord<>(topics.segments(), Keys.of(store, s),
                            record == null ? null : record.getBytes(StandardCharsets.UTF_8))));
                    if (record == null) {
                        segmentRecords.remove(List.of(store, s));
                    } else {
                        segmentRecords.put(List.of(store, s), record);
                    }
                    int partition = random.nextInt(PARTITIONS);
                    sent.add(producer.send(new ProducerRecord<>(topics.progress(), Keys.of(store, Integer.toString(partition)),
                            new BackfillProgress.Partition(store, partition, 7, i, 1_000_000).encode())));
                    progress.put(List.of(store, Integer.toString(partition)), Integer.toString(i));
                }
            }
            for (Future<RecordMetadata> f : sent) {
                try {
                    f.get(); // every record is in the topics, or the expectation is wrong
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("a produce failed; " + diagnose(), e);
                }
            }
        }

        /**
         * What the broker says when a produce fails (once in CI: a partition's batch expired after 120 s):
         * each topic's partition leaders, and whether a fresh producer can write to the same partitions —
         * if it can, the test's producer was stuck, not the broker.
         */
        private String diagnose() {
            StringBuilder out = new StringBuilder();
            List<String> names = List.of(topics.memberships(), topics.changes(), topics.progress(), topics.segments(), aliases);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.describeTopics(names).allTopicNames().get(10, java.util.concurrent.TimeUnit.SECONDS).forEach((topic, d) ->
                        d.partitions().forEach(p -> out.append(topic).append('-').append(p.partition()).append(" leader ")
                                .append(p.leader() == null ? "none" : p.leader().id()).append("; ")));
            } catch (Exception e) {
                out.append("describeTopics failed: ").append(e).append("; ");
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            // To a topic the expectations do not read: the probe changes nothing the test checks.
            String probe = aliases + "-probe";
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
                 KafkaProducer<String, byte[]> fresh = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                admin.createTopics(List.of(new NewTopic(probe, PARTITIONS, (short) 1))).all().get(10, java.util.concurrent.TimeUnit.SECONDS);
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    fresh.send(new ProducerRecord<>(probe, partition, "probe", new byte[1])).get(20, java.util.concurrent.TimeUnit.SECONDS);
                }
                out.append("a fresh producer wrote to every partition of ").append(probe);
            } catch (Exception e) {
                out.append("a fresh producer could not write: ").append(e);
            }
            return out.toString();
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Topics topics, String aliases) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (String topic : List.of(topics.memberships(), topics.changes(), topics.progress(), topics.segments(), aliases)) {
                for (PartitionInfo i : c.partitionsFor(topic, Duration.ofSeconds(30))) {
                    all.add(new TopicPartition(i.topic(), i.partition()));
                }
            }
            Map<TopicPartition, Long> out = new HashMap<>(c.endOffsets(all));
            out.values().removeIf(offset -> offset == 0); // a partition without records has no stored offset
            return out;
        }
    }

    // ---- what PostgreSQL holds --------------------------------------------------------------------

    private static Map<TopicPartition, Long> offsets() {
        Map<TopicPartition, Long> out = new HashMap<>();
        query("SELECT topic, partition_no, next_offset FROM cluster_offsets", rs -> {
            if (rs.getLong(3) > 0) {
                out.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
        });
        return out;
    }

    private static Map<List<String>, Long> members() {
        Map<List<String>, Long> out = new TreeMap<>(ClusterSinkCrashIT::compare);
        query("SELECT store_id, segment_id, person_id, joined_at FROM cluster_memberships", rs -> out.put(
                List.of(rs.getString(1), rs.getString(2), rs.getString(3)),
                rs.getObject(4, java.time.OffsetDateTime.class).toInstant().toEpochMilli()));
        return out;
    }

    private static Map<List<String>, Long> counts() {
        Map<List<String>, Long> out = new TreeMap<>(ClusterSinkCrashIT::compare);
        query("SELECT store_id, segment_id, size FROM cluster_segment_counts WHERE size <> 0",
                rs -> out.put(List.of(rs.getString(1), rs.getString(2)), rs.getLong(3)));
        return out;
    }

    private static Map<List<String>, List<String>> changes() {
        Map<List<String>, List<String>> out = new TreeMap<>(ClusterSinkCrashIT::compare);
        query("SELECT store_id, segment_id, person_id, kind, changed_at, reason FROM cluster_membership_changes ORDER BY seq",
                rs -> out.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                        .add(rs.getString(3) + " " + (rs.getString(4).equals("joined") ? "JOINED" : "LEFT") + " "
                                + rs.getObject(5, java.time.OffsetDateTime.class).toInstant().toEpochMilli() + " "
                                + rs.getString(6)));
        return out;
    }

    private static Map<List<String>, String> rows(String sql) {
        Map<List<String>, String> out = new TreeMap<>(ClusterSinkCrashIT::compare);
        query(sql, rs -> out.put(List.of(rs.getString(1), rs.getString(2)), rs.getString(3)));
        return out;
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(String sql, Row row) {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                row.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
