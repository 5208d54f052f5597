package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.activation.Forwarding;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.destinations.delivery.MembershipEvents;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Membership events from the audiences port: the segment's name makes the event's name
 * ({@link Forwarding#membershipEventName}), the person's latest kept event gives the browser context
 * (page, user agent, IP, click ids), their ids the contact and their stated consent the consent. The
 * event id is {@code rb-join-{segment}-{sequence}}: unique per join, the same on every resend.
 */
public final class AudiencesMembershipEvents implements MembershipEvents {
    private final Audiences audiences;

    public AudiencesMembershipEvents(Audiences audiences) {
        this.audiences = Objects.requireNonNull(audiences, "audiences");
    }

    @Override
    public ServerEvent joined(String storeId, String segmentId, String personId, Instant at, long sequence) {
        Optional<SegmentRecord> segment = audiences.segment(storeId, segmentId);
        Optional<PersonState> state = audiences.reader().person(storeId, personId);
        PersonIds ids = state.map(PersonState::ids).orElseGet(() -> audiences.reader().ids(storeId, personId));
        Event latest = latest(storeId, personId, ids);
        Contact contact = Contact.of(ids);
        if (latest == null && contact.emails().isEmpty() && contact.externalIds().isEmpty()) {
            return null;
        }
        AdConsent consent = state.map(PersonState::consent).orElse(AdConsent.UNSTATED);
        return Forwarding.membershipEvent("rb-join-" + segmentId + "-" + sequence,
                segment.map(s -> s.definition().name()).orElse(segmentId), at, latest, contact, consent);
    }

    /** The person's latest kept event, looked up by any of their visitor ids. */
    private Event latest(String storeId, String personId, PersonIds ids) {
        List<String> visitors = new java.util.ArrayList<>();
        visitors.add(personId);
        visitors.addAll(ids.anonymousIds());
        visitors.addAll(ids.userIds());
        Event latest = null;
        for (String v : visitors) {
            Optional<Event> e = audiences.latestEvent(storeId, v);
            if (e.isPresent() && (latest == null || e.get().eventTime().isAfter(latest.eventTime()))) {
                latest = e.get();
            }
        }
        return latest;
    }
}
