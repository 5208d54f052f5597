package io.rebound.kafka;

import io.rebound.kafka.internals.Backfiller;
import io.rebound.kafka.internals.Housekeeping;
import io.rebound.kafka.internals.IdentityProcessor;
import io.rebound.core.engine.AuditStats;
import io.rebound.kafka.internals.PersonProcessor;
import io.rebound.kafka.internals.SegmentCatalog;
import io.rebound.kafka.internals.SelfAudit;
import io.rebound.kafka.internals.TimerIndex;
import io.rebound.kafka.internals.TopologyWiring;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The audience engine as a Kafka Streams topology, running the core's
 * {@link io.rebound.core.engine.AudienceProcessor} unchanged:
 *
 * <pre>
 *  events ─┐                       ┌─► identity (next hop, links)  ─┐
 *          ├─► identity resolution ┤                                 │ (same sub-topology)
 *  identity┘   [aliases]           └─► persons ─► person processor ──┼─► membership-changes
 *                                                [persons, redirects,├─► memberships (compacted)
 *  segments (global) ─► catalog ───────────────►  timers, backfills] ├─► backfill-progress
 *                                                                    └─► identity (relinks, unlinks)
 * </pre>
 *
 * One instance of this class per {@code KafkaStreams} instance: it owns the segment catalog, the
 * backfill progress and the self-check's findings ({@link #audits()}) of that instance.
 */
public final class AudienceTopology {

    /** Default punctuation interval: timers fire within a second of their instant. */
    public static final Duration PUNCTUATE_EVERY = Duration.ofSeconds(1);
    /** Default self-check: each partition audits {@link #AUDIT_SAMPLE} persons this often. */
    public static final Duration AUDIT_EVERY = Duration.ofMinutes(1);
    public static final int AUDIT_SAMPLE = 20;
    /** How long the broker may hold the global consumer's fetch of the segments topic when it has nothing new. */
    public static final int GLOBAL_FETCH_MAX_WAIT_MS = 500;

    private final Topics topics;
    private final Clock clock;
    private final Duration punctuateEvery;
    private final int backfillChunk;
    private final SegmentCatalog catalog = new SegmentCatalog();
    private final BackfillProgress progress = new BackfillProgress();
    private final AuditStats audits = new AuditStats();
    private final Duration auditEvery;
    private final int auditSample;
    private Housekeeping.Options housekeeping = Housekeeping.Options.DEFAULT;

    /**
     * @param topics         topic names
     * @param clock          the engine's clock (the system clock in production; a controllable one in tests)
     * @param punctuateEvery how often the wall-clock punctuator fires timers and advances backfills (≤ 1 s)
     * @param backfillChunk  persons a partition backfills per punctuation
     * @param auditEvery     how often each partition audits a sample of its persons
     * @param auditSample    persons per audit (0: no self-check)
     */
    public AudienceTopology(Topics topics, Clock clock, Duration punctuateEvery, int backfillChunk,
                            Duration auditEvery, int auditSample) {
        this.topics = Objects.requireNonNull(topics);
        this.clock = Objects.requireNonNull(clock);
        this.punctuateEvery = punctuateEvery;
        this.backfillChunk = backfillChunk;
        this.auditEvery = Objects.requireNonNull(auditEvery);
        this.auditSample = auditSample;
    }

    /** With the default self-check. */
    public AudienceTopology(Topics topics, Clock clock, Duration punctuateEvery, int backfillChunk) {
        this(topics, clock, punctuateEvery, backfillChunk, AUDIT_EVERY, AUDIT_SAMPLE);
    }

    public AudienceTopology(Topics topics) {
        this(topics, Clock.systemUTC(), PUNCTUATE_EVERY, 10_000);
    }

    /** Replaces the retention pass's defaults ({@link Housekeeping.Options#DEFAULT}); before {@link #build()}. */
    public AudienceTopology withHousekeeping(Housekeeping.Options options) {
        this.housekeeping = Objects.requireNonNull(options);
        return this;
    }

    public BackfillProgress progress() {
        return progress;
    }

    /** What this instance's self-checks found. */
    public AuditStats audits() {
        return audits;
    }

    public Topics topics() {
        return topics;
    }

    /** Builds the topology. */
    public Topology build() {
        return TopologyWiring.build(topics, catalog, clock, punctuateEvery, new Backfiller.Options(backfillChunk, progress),
                new SelfAudit.Options(auditEvery, auditSample, audits), housekeeping);
    }

    /**
     * The Streams configuration Rebound needs (callers add bootstrap servers, state dir, threads):
     * exactly-once v2, string keys, byte values, the global consumer's fetch wait, lz4 on the producers.
     */
    public static Properties config(String applicationId, String bootstrapServers) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put("processing.exception.handler.global.enabled", "true");
        // The global consumer reads the segments topic, which changes rarely and whose writer is not
        // transactional: a fetch there returns as soon as a record arrives, so waiting up to the
        // default 500 ms costs no latency, while the few milliseconds the partitioned topics' consumers
        // need (callers set consumer.fetch.max.wait.ms, which the global consumer would inherit) would
        // have it ask the broker a hundred times a second for nothing.
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), GLOBAL_FETCH_MAX_WAIT_MS);
        // The topology's producers write the identity, persons and membership topics and every store's
        // changelog: lz4 batches cost the broker fewer bytes to append, replicate and serve (measured on one
        // machine with the broker beside the instances: +5-15 % events/s, docs/PERFORMANCE.md "Session 8").
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        return p;
    }

    /** Names of the queryable state stores. */
    public static final class StateNames {
        public static final String ALIASES = IdentityProcessor.ALIASES;
        /**
         * Prefix of the aliases store's entries that are not aliases: {@code g:} and an email digest →
         * Google's digest of that address (decision 0022).
         */
        public static final String GOOGLE_EMAIL_PREFIX = IdentityProcessor.GOOGLE_EMAIL_PREFIX;
        public static final String PERSONS = PersonProcessor.PERSONS;
        public static final String REDIRECTS = PersonProcessor.REDIRECTS;
        public static final String TIMERS = TimerIndex.STATE;
        public static final String SEGMENTS = TopologyWiring.SEGMENTS_STATE;

        private StateNames() {
        }
    }
}
