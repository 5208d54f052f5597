package io.rebound.server.audience;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;

import java.util.ArrayList;
import java.util.List;

/**
 * Privacy erasure on the writer thread: a person's state, ids, activity and memberships (they
 * leave now), each erasure committed in its own unit of work.
 */
final class VisitorErasure {
    private final WriterState state;

    VisitorErasure(WriterState state) {
        this.state = state;
    }

    /** Erases the person the visitor id belongs to, reporting what was removed. */
    EmbeddedAudienceRuntime.Erasure forget(String storeId, String visitorId) {
        state.tick();
        java.util.Set<String> ids = new java.util.TreeSet<>();
        ids.add(visitorId);
        String person = state.identities.personOf(storeId, PersonIds.anonymousKey(visitorId));
        person = person != null ? person : state.identities.personOf(storeId, PersonIds.userKey(visitorId));
        if (person == null) {
            return new EmbeddedAudienceRuntime.Erasure(null, ids, List.of(), java.util.Set.of());
        }
        List<String> left = new ArrayList<>();
        java.util.Set<String> emailHashes = java.util.Set.of();
        PersonState personState = state.persons.get(storeId, person);
        if (personState != null) {
            emailHashes = java.util.Set.copyOf(personState.ids().emailHashes());
            ids.addAll(personState.ids().anonymousIds());
            ids.addAll(personState.ids().userIds());
            personState.segments().forEach((segment, status) -> {
                if (status.member()) {
                    left.add(segment);
                }
            });
            left.sort(null);
        }
        erase(storeId, person);
        state.commit();
        return new EmbeddedAudienceRuntime.Erasure(person, java.util.Collections.unmodifiableSet(ids), List.copyOf(left),
                emailHashes);
    }

    /** Erases a person by id. */
    void erasePerson(String storeId, String personId) {
        state.tick();
        erase(storeId, personId);
        state.commit();
    }

    private void erase(String storeId, String personId) {
        PersonState personState = state.persons.get(storeId, personId);
        if (personState != null) {
            for (String a : personState.ids().anonymousIds()) {
                state.uow.delete(AudienceColumns.ACTIVITY, AudienceKeys.activity(storeId, a));
            }
            for (String u : personState.ids().userIds()) {
                state.uow.delete(AudienceColumns.ACTIVITY, AudienceKeys.activity(storeId, u));
            }
        }
        state.engine().erasePerson(storeId, personId);
    }
}
