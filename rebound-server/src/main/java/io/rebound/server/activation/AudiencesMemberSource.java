package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.destinations.Member;
import io.rebound.destinations.delivery.MemberSource;
import io.rebound.server.audience.Audiences;

import java.util.Objects;
import java.util.Optional;

/**
 * A person as a list member: their email hashes and store user ids ({@link Contact#of(PersonIds)}) and
 * their advertising consent, from the audiences port. Where the runtime cannot read person states
 * (cluster mode) the ids come from {@code reader().ids} and the consent is unstated — the audience
 * engine has kept denying persons out of the segment already.
 */
public final class AudiencesMemberSource implements MemberSource {
    private final Audiences audiences;

    public AudiencesMemberSource(Audiences audiences) {
        this.audiences = Objects.requireNonNull(audiences, "audiences");
    }

    @Override
    public Member member(String storeId, String personId) {
        Optional<PersonState> state = audiences.reader().person(storeId, personId);
        PersonIds ids = state.map(PersonState::ids).orElseGet(() -> audiences.reader().ids(storeId, personId));
        AdConsent consent = state.map(PersonState::consent).orElse(AdConsent.UNSTATED);
        return new Member(personId, Contact.of(ids), consent);
    }
}
