package io.rebound.kafka;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.kafka.internals.PersonCommand;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link AudienceRuntime} over the real topology in a {@link TopologyTestDriver}: records are piped
 * into the input topics, the driver feeds the identity and persons topics back in synchronously,
 * and time moves by setting the engine clock and advancing the driver's wall clock past one
 * punctuation interval, so the wall-clock punctuator (not a test hook) fires timers and backfills.
 */
final class DriverRuntime implements AudienceRuntime {

    static final Duration PUNCTUATE = Duration.ofMillis(100);

    private final MutableClock clock = new MutableClock(Instant.EPOCH);
    private final Topics topics = new Topics("t");
    private final AudienceTopology topology = new AudienceTopology(topics, clock, PUNCTUATE, 10_000);
    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> events;
    private final TestInputTopic<String, byte[]> segments;
    private final TestInputTopic<String, byte[]> persons;
    private final TestOutputTopic<String, byte[]> changes;
    private final TestOutputTopic<String, byte[]> memberships;
    private final OutputView view = new OutputView();

    DriverRuntime() {
        try {
            stateDir = Files.createTempDirectory("rebound-ttd");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties p = AudienceTopology.config("rebound-ttd", "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology.build(), p, Instant.EPOCH);
        StringSerializer k = new StringSerializer();
        ByteArraySerializer v = new ByteArraySerializer();
        events = driver.createInputTopic(topics.events(), k, v);
        segments = driver.createInputTopic(topics.segments(), k, v);
        persons = driver.createInputTopic(topics.persons(), k, v);
        changes = driver.createOutputTopic(topics.changes(), new StringDeserializer(), new ByteArrayDeserializer());
        memberships = driver.createOutputTopic(topics.memberships(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    AudienceTopology topology() {
        return topology;
    }

    TopologyTestDriver driver() {
        return driver;
    }

    @Override
    public void putSegment(String storeId, String segmentId, SegmentDefinition definition) {
        SegmentRecord r = new SegmentRecord(storeId, segmentId, definition, clock.instant());
        segments.pipeInput(r.key(), r.encode());
        tick();
    }

    @Override
    public void deleteSegment(String storeId, String segmentId) {
        SegmentRecord r = new SegmentRecord(storeId, segmentId, null, clock.instant());
        segments.pipeInput(r.key(), r.encode());
        tick();
    }

    @Override
    public void accept(Event event) {
        events.pipeInput(Keys.ofEvent(event), EventSerde.encode(event));
        drain();
    }

    @Override
    public void advanceTo(Instant now) {
        clock.advanceTo(now);
        tick();
    }

    private void tick() {
        driver.advanceWallClockTime(PUNCTUATE);
        drain();
    }

    private void drain() {
        changes.readRecordsToList().forEach(r -> view.change(r.value()));
        memberships.readRecordsToList().forEach(r -> view.membership(r.key(), r.value()));
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public Set<String> members(String storeId, String segmentId) {
        return view.members(storeId, segmentId);
    }

    @Override
    public List<MembershipChange> changes(String storeId, String segmentId) {
        return view.changes(storeId, segmentId);
    }

    @Override
    public Optional<String> personOf(String storeId, String visitorId) {
        KeyValueStore<String, String> aliases = driver.getKeyValueStore(AudienceTopology.StateNames.ALIASES);
        String p = aliases.get(Keys.of(storeId, PersonIds.anonymousKey(visitorId)));
        if (p == null) {
            p = aliases.get(Keys.of(storeId, PersonIds.userKey(visitorId)));
        }
        return Optional.ofNullable(p);
    }

    @Override
    public Map<String, Instant> memberships(String storeId, String personId) {
        return view.memberships(storeId, personId);
    }

    @Override
    public void erasePerson(String storeId, String personId) {
        persons.pipeInput(Keys.of(storeId, personId), PersonCommand.encode(new PersonCommand.Erase(personId)));
        drain();
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
