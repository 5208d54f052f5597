package io.rebound.kafka;

import io.rebound.core.event.Event;
import io.rebound.core.port.EventLog;
import io.rebound.kafka.internals.PersonCommand;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The collector's event log in cluster mode: appends to the events topic, key {@link Keys#ofEvent}
 * (store + strongest id, so the first identity hop happens in place), with {@code acks=all} and an
 * idempotent producer. The future completes when the broker has acknowledged every event — i.e.
 * the in-sync replicas have it — which is when the collector may answer 2xx.
 */
public final class KafkaEventLog implements EventLog {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final String personsTopic;

    /**
     * @param bootstrapServers the cluster
     * @param topics           where to append ({@link Topics#events()})
     * @param overrides        further producer settings (linger, compression, TLS, ...)
     */
    public KafkaEventLog(String bootstrapServers, Topics topics, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topics.events();
        this.personsTopic = topics.persons();
    }

    @Override
    public CompletableFuture<Void> append(List<Event> events) {
        CompletableFuture<?>[] acks = new CompletableFuture<?>[events.size()];
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            acks[i] = send(new ProducerRecord<>(topic, Keys.ofEvent(e), EventSerde.encode(e)));
        }
        return CompletableFuture.allOf(acks);
    }

    /**
     * A privacy request: the topology erases {@code personId} of {@code storeId} — state, timers,
     * the aliases of every linked id, memberships (each leaves, on the change log) — when it
     * processes this record. Completes once the broker holds the request ({@code acks=all}).
     */
    public CompletableFuture<Void> erasePerson(String storeId, String personId) {
        return send(eraseRequest(personsTopic, storeId, personId));
    }

    /** The record that asks the topology to erase a person: for a producer of the {@link Topics#persons()} topic. */
    public static ProducerRecord<String, byte[]> eraseRequest(String personsTopic, String storeId, String personId) {
        return new ProducerRecord<>(personsTopic, Keys.of(storeId, personId),
                PersonCommand.encode(new PersonCommand.Erase(personId)));
    }

    /** Completes when the broker acknowledges the record, exceptionally when it refuses or cannot be reached. */
    private CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            producer.send(record, (md, ex) -> {
                if (ex != null) {
                    ack.completeExceptionally(ex);
                } else {
                    ack.complete(null);
                }
            });
        } catch (RuntimeException ex) {
            ack.completeExceptionally(ex);
        }
        return ack;
    }

    @Override
    public void close() {
        producer.close();
    }
}
