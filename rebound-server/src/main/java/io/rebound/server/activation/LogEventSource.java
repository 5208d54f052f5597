package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.activation.Forwarding;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.log.EventCodec;
import io.rebound.server.log.LogRecord;
import io.rebound.server.log.SegmentedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The embedded server's accepted events for forwarding, read from the event log by byte position.
 * Each forwardable event of the store ({@link Forwarding}) is completed with what is known of its
 * person: their email hashes when the event carries none, and their latest stated advertising consent
 * (a person who denied is not forwarded, whatever a later event without a statement says). Positions
 * before the log's start (segments deleted by retention) resume at the start; a record that cannot be
 * decoded is passed over (the indexer sets it aside as a dead letter).
 */
public final class LogEventSource implements EventSource {
    private static final Logger LOG = LoggerFactory.getLogger(LogEventSource.class);
    private static final int MAX_BYTES = 8 << 20;

    private final SegmentedLog log;
    private final AudienceView audiences;

    public LogEventSource(SegmentedLog log, AudienceView audiences) {
        this.log = Objects.requireNonNull(log, "log");
        this.audiences = Objects.requireNonNull(audiences, "audiences");
    }

    @Override
    public Batch read(String storeId, long position, int limit) {
        long from = Math.min(Math.max(position, log.start()), log.end());
        List<LogRecord> records = log.read(from, limit, MAX_BYTES);
        List<ServerEvent> out = new ArrayList<>();
        long next = from;
        for (LogRecord r : records) {
            next = r.nextPosition();
            Event e;
            try {
                e = EventCodec.decode(r.payload());
            } catch (RuntimeException undecodable) {
                LOG.debug("forwarding passes over an undecodable record at {}", r.position());
                continue;
            }
            if (!e.storeId().equals(storeId) || !Forwarding.forwardable(e)) {
                continue;
            }
            String visitor = e.userId() != null ? e.userId() : e.anonymousId();
            Optional<PersonState> person = audiences.personOf(storeId, visitor).flatMap(p -> audiences.person(storeId, p));
            AdConsent consent = person.map(PersonState::consent).orElse(AdConsent.UNSTATED);
            ServerEvent event = Forwarding.event(e, contact(e, person), consent);
            if (event.consent().allowed()) {
                out.add(event);
            }
        }
        return new Batch(out, next);
    }

    private static Contact contact(Event e, Optional<PersonState> person) {
        Contact own = Forwarding.contactOf(e);
        if (!own.emails().isEmpty() || person.isEmpty()) {
            return own;
        }
        Contact known = Contact.of(person.get().ids());
        return own.withEmails(known.emails()).withExternalIds(own.externalIds().isEmpty() ? known.externalIds()
                : own.externalIds());
    }

    @Override
    public long end() {
        return log.end();
    }
}
