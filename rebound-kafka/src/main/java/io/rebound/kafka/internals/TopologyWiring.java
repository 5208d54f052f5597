package io.rebound.kafka.internals;

import io.rebound.kafka.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.time.Duration;

/** Wires processors, stores and topics; see {@link io.rebound.kafka.AudienceTopology}. */
public final class TopologyWiring {

    public static final String SEGMENTS_STATE = "rebound-segments";

    private TopologyWiring() {
    }

    public static Topology build(Topics topics, SegmentCatalog catalog, Clock clock, Duration punctuateEvery,
                                 Backfiller.Options backfill, SelfAudit.Options audit,
                                 Housekeeping.Options housekeeping) {
        StringDeserializer keys = new StringDeserializer();
        ByteArrayDeserializer values = new ByteArrayDeserializer();
        StringSerializer keyOut = new StringSerializer();
        ByteArraySerializer valueOut = new ByteArraySerializer();
        Topology t = new Topology();

        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEGMENTS_STATE),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(),
                "segments-source", keys, values, topics.segments(), "segments-catalog",
                () -> catalog.updater(SEGMENTS_STATE));

        t.addSource("events-source", keys, values, topics.events(), topics.identity());
        t.addProcessor("identity", () -> new IdentityProcessor(topics.events()), "events-source");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IdentityProcessor.ALIASES),
                Serdes.String(), Serdes.String()), "identity");
        t.addSink(IdentityProcessor.IDENTITY_SINK, topics.identity(), keyOut, valueOut, "identity");
        t.addSink(IdentityProcessor.PERSONS_SINK, topics.persons(), keyOut, valueOut, "identity");

        t.addSource("persons-source", keys, values, topics.persons());
        t.addProcessor("persons", () -> new PersonProcessor(catalog, clock, punctuateEvery, backfill, audit, housekeeping), "persons-source");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PersonProcessor.PERSONS),
                Serdes.String(), Serdes.ByteArray()), "persons");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PersonProcessor.REDIRECTS),
                Serdes.String(), Serdes.String()), "persons");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TimerIndex.STATE),
                Serdes.Bytes(), Serdes.ByteArray()), "persons");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Backfiller.STATE),
                Serdes.String(), Serdes.ByteArray()), "persons");
        t.addSink(PersonProcessor.PERSONS_SINK, topics.persons(), keyOut, valueOut, "persons");
        t.addSink(PersonProcessor.IDENTITY_SINK, topics.identity(), keyOut, valueOut, "persons");
        t.addSink(PersonProcessor.CHANGES_SINK, topics.changes(), keyOut, valueOut, "persons");
        t.addSink(PersonProcessor.MEMBERSHIPS_SINK, topics.memberships(), keyOut, valueOut, "persons");
        t.addSink(Backfiller.PROGRESS_SINK, topics.progress(), keyOut, valueOut, "persons");
        t.addSink(Tracker.ACKS_SINK, topics.acks(), keyOut, valueOut, "identity", "persons");
        return t;
    }
}
