package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.AuditStats;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.kafka.Keys;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The self-check of one partition: every {@code every}, a few persons of a random store, taken from a
 * random place of its key range, are audited ({@link AudienceProcessor#audit}) against the segment
 * definitions this instance knows and their retained events; what the audit repairs is written like
 * any other call's result. A silent divergence of the engine then shows up in {@link AuditStats}
 * within minutes.
 */
public final class SelfAudit {

    private static final Logger LOG = LoggerFactory.getLogger(SelfAudit.class);
    private static final String KEY_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";

    /**
     * @param every  how often a partition audits
     * @param sample persons per audit (0: off)
     * @param stats  where this instance records what its audits found
     */
    public record Options(Duration every, int sample, AuditStats stats) {
    }

    /** Stores a call's result (the processor's write). */
    @FunctionalInterface
    interface Write {
        void write(PersonState before, AudienceProcessor.Result result);
    }

    private final KeyValueStore<String, byte[]> persons;
    private final SegmentCatalog catalog;
    private final Options options;
    private Instant last;

    SelfAudit(KeyValueStore<String, byte[]> persons, SegmentCatalog catalog, Options options) {
        this.persons = persons;
        this.catalog = catalog;
        this.options = options;
    }

    /** Audits a sample when one is due. */
    void step(Instant now, Write write) {
        if (options.sample() <= 0) {
            return;
        }
        if (last == null || now.isBefore(last.plus(options.every()))) {
            last = last == null ? now : last;
            return;
        }
        last = now;
        List<String> stores = List.copyOf(catalog.storeIds());
        if (stores.isEmpty()) {
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String storeId = stores.get(random.nextInt(stores.size()));
        AudienceProcessor processor = catalog.of(storeId).processor();
        for (String key : sample(storeId, random)) {
            byte[] bytes = persons.get(key);
            if (bytes == null) {
                continue;
            }
            PersonState state = PersonStateCodec.decode(bytes);
            AudienceProcessor.Audit audit = processor.audit(state, now);
            options.stats().record(audit);
            if (!audit.mismatches().isEmpty()) {
                LOG.warn("audience self-check: {} of store {} had {} wrong membership(s), repaired: {}",
                        state.personId(), storeId, audit.mismatches().size(), audit.mismatches());
            }
            if (!audit.result().changes().isEmpty()) {
                write.write(state, audit.result());
            }
        }
    }

    /** Up to {@code sample} person keys of the store, from a random key on, wrapping to the range's start. */
    private List<String> sample(String storeId, ThreadLocalRandom random) {
        StringBuilder from = new StringBuilder(Keys.of(storeId, ""));
        for (int i = 0; i < 4; i++) {
            from.append(KEY_CHARS.charAt(random.nextInt(KEY_CHARS.length())));
        }
        List<String> keys = new ArrayList<>(options.sample());
        collect(from.toString(), storeId, keys);
        if (keys.size() < options.sample()) {
            collect(Keys.of(storeId, ""), storeId, keys);
        }
        return keys;
    }

    private void collect(String from, String storeId, List<String> keys) {
        try (KeyValueIterator<String, byte[]> it = persons.range(from, Keys.storeEnd(storeId))) {
            while (it.hasNext() && keys.size() < options.sample()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!keys.contains(kv.key) && !kv.key.equals(Keys.storeEnd(storeId))) {
                    keys.add(kv.key);
                }
            }
        }
    }
}
