package io.rebound.server.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.json.Json;
import org.rocksdb.RocksIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Log records a consumer could not process, set aside so that it moves on. A consumer retries a
 * failing record (an exception or an {@link Error} while processing it, or a damaged frame) and
 * after {@link #MAX_ATTEMPTS} failures at the same position writes a dead letter — consumer,
 * position, time, error and the raw payload — in the same atomic write that moves its offset past
 * the record. Failures of the state storage itself are not the record's fault and are retried
 * without limit. {@code /health} shows the count and the last letter.
 *
 * <pre>
 * dead_letters   consumer, position → JSON {consumer, position, at, attempts, error, payload (base64)}
 * </pre>
 */
public final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    public static final String CF = "dead_letters";
    public static final int MAX_ATTEMPTS = 5;

    /** One record set aside (without its payload, which stays in the store). */
    public record Letter(String consumer, long position, Instant at, int attempts, String error) {
    }

    private final RocksDatabase rocks;
    private final Clock clock;
    private final AtomicLong count = new AtomicLong();
    private volatile Letter last;

    public DeadLetters(RocksDatabase rocks, Clock clock) {
        this.rocks = rocks;
        this.clock = clock;
        try (RocksIterator it = rocks.db().newIterator(rocks.family(CF))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Letter l = parse(it.value());
                count.incrementAndGet();
                if (last == null || l.at().isAfter(last.at())) {
                    last = l;
                }
            }
        }
    }

    public long count() {
        return count.get();
    }

    public Optional<Letter> last() {
        return Optional.ofNullable(last);
    }

    /** The attempts of one consumer, which calls it from its one thread. */
    public Attempts attempts(String consumer) {
        return new Attempts(consumer);
    }

    public static byte[] key(String consumer, long position) {
        return Keys.key().str(consumer).i64(position).build();
    }

    static byte[] value(Letter l, byte[] payload) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("consumer", l.consumer()).put("position", l.position())
                .put("at", l.at().toString()).put("attempts", l.attempts()).put("error", l.error())
                .put("payload", Base64.getEncoder().encodeToString(payload));
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Letter parse(byte[] value) {
        try {
            JsonNode o = Json.MAPPER.readTree(value);
            return new Letter(o.path("consumer").asText(), o.path("position").asLong(),
                    Instant.parse(o.path("at").asText()), o.path("attempts").asInt(), o.path("error").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable dead letter", e);
        }
    }

    /** What the error says, with its type: a message alone ("null", "Java heap space") says little. */
    static String describe(Throwable t) {
        String text = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        Throwable cause = t.getCause();
        if (cause != null && cause != t && cause.getMessage() != null) {
            text += " (caused by " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return text.length() > 1_000 ? text.substring(0, 1_000) : text;
    }

    /**
     * Failed attempts of one consumer at one log position at a time: a consumer processes the log
     * in order, so a failure at a new position means the previous one was got past.
     */
    public final class Attempts {
        private final String consumer;
        private long position = -1;
        private int failures;
        private String error;

        private Attempts(String consumer) {
            this.consumer = consumer;
        }

        /** Counts a failure of the record at {@code position} and logs it. */
        public void failed(long position, Throwable t) {
            if (position != this.position) {
                this.position = position;
                failures = 0;
            }
            failures++;
            error = describe(t);
            LOG.error("{}: the record at log position {} failed (attempt {} of {})", consumer, position, failures,
                    MAX_ATTEMPTS, t);
        }

        /** True when the record at {@code position} has failed often enough to be set aside now. */
        public boolean exhausted(long position) {
            return position == this.position && failures >= MAX_ATTEMPTS;
        }

        /** The letter that sets the exhausted record aside; write {@link #value} under {@link #key} with the offset. */
        public Letter letter() {
            return new Letter(consumer, position, clock.instant(), failures, error);
        }

        public byte[] key() {
            return DeadLetters.key(consumer, position);
        }

        public byte[] value(Letter l, byte[] payload) {
            return DeadLetters.value(l, payload);
        }

        /** Call once the letter and the offset past it are committed. */
        public void setAside(Letter l) {
            count.incrementAndGet();
            last = l;
            position = -1;
            failures = 0;
            LOG.warn("{}: set the record at log position {} aside as a dead letter after {} failed attempts: {}",
                    consumer, l.position(), l.attempts(), l.error());
        }
    }
}
