package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.activation.Forwarding;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.server.audience.AudienceView;

import java.util.Optional;

/**
 * An accepted event as a server event, completed with what the audiences know of its person: their
 * email hashes when the event carries none, and their latest stated advertising consent (a person who
 * denied is not forwarded, whatever a later event without a statement says). Both runtimes' event
 * sources call it.
 */
public final class ForwardedEvents {
    private ForwardedEvents() {
    }

    /** The server event for {@code e}, or null when it is not forwarded (type, consent). */
    public static ServerEvent complete(Event e, AudienceView audiences) {
        if (!Forwarding.forwardable(e)) {
            return null;
        }
        String visitor = e.userId() != null ? e.userId() : e.anonymousId();
        Optional<String> personId = audiences.personOf(e.storeId(), visitor);
        Optional<PersonState> person = personId.flatMap(p -> audiences.person(e.storeId(), p));
        AdConsent consent = person.map(PersonState::consent).orElse(AdConsent.UNSTATED);
        Contact own = Forwarding.contactOf(e);
        Contact contact = own;
        if (own.emails().isEmpty() && personId.isPresent()) {
            PersonIds ids = person.map(PersonState::ids).orElseGet(() -> audiences.ids(e.storeId(), personId.get()));
            Contact known = Contact.of(ids);
            contact = own.withEmails(known.emails()).withGoogleEmails(known.googleEmails())
                    .withExternalIds(own.externalIds().isEmpty() ? known.externalIds() : own.externalIds());
        }
        ServerEvent event = Forwarding.event(e, contact, consent);
        return event.consent().allowed() ? event : null;
    }
}
