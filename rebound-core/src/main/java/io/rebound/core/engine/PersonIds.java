package io.rebound.core.engine;

import io.rebound.core.event.Event;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The identifiers linked to one person: first-party anonymous ids (one per browser), the store's
 * user ids and SHA-256 email hashes. {@link #keys()} gives them as identity keys ({@code a:…},
 * {@code u:…}, {@code e:…}) — the keys of the runtime's alias map.
 *
 * @param anonymousIds anonymous ids
 * @param userIds      user ids
 * @param emailHashes  normalised-email SHA-256 hashes
 * @param googleEmailHashes for those of {@code emailHashes} whose address the collector saw in the clear
 *                     and Google normalises differently (a Gmail address with dots or a {@code +tag}),
 *                     the hash of Google's form; not identity keys — carried for Google only
 */
public record PersonIds(Set<String> anonymousIds, Set<String> userIds, Set<String> emailHashes,
                        Map<String, String> googleEmailHashes) {

    public static final PersonIds NONE = new PersonIds(Set.of(), Set.of(), Set.of());

    /** Ids without any Google-normalised email hash. */
    public PersonIds(Set<String> anonymousIds, Set<String> userIds, Set<String> emailHashes) {
        this(anonymousIds, userIds, emailHashes, Map.of());
    }

    /**
     * Which of two persons survives when they turn out to be one: a person is named after the
     * strongest id it was created with, and the person named after the stronger kind of id (user id,
     * then email hash, then cookie) wins, ties broken by the name. A total order that every runtime
     * applies the same way, whatever the order it learns of the persons in — so merges made
     * concurrently in different partitions always agree on the survivor and converge.
     */
    public static final Comparator<String> SURVIVOR_ORDER = Comparator.comparingInt(PersonIds::rank)
            .thenComparing(Comparator.naturalOrder());

    private static int rank(String personId) {
        if (personId.startsWith("u:")) {
            return 0;
        }
        if (personId.startsWith("e:")) {
            return 1;
        }
        return personId.startsWith("a:") ? 2 : 3;
    }

    /** The survivor among persons found to be one (see {@link #SURVIVOR_ORDER}); the list must not be empty. */
    public static String survivor(Collection<String> personIds) {
        if (personIds.size() == 1) {
            return personIds.iterator().next(); // an event of a known person who is one: most events
        }
        return personIds.stream().min(SURVIVOR_ORDER).orElseThrow();
    }

    public PersonIds {
        anonymousIds = sorted(anonymousIds);
        userIds = sorted(userIds);
        emailHashes = sorted(emailHashes);
        googleEmailHashes = googleEmailHashes == null || googleEmailHashes.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableSortedMap(new TreeMap<>(googleEmailHashes));
    }

    private static Set<String> sorted(Set<String> s) {
        if (s == null || s.isEmpty()) {
            return Set.of();
        }
        if (s.size() == 1) {
            // Most persons have one id of a kind: a one-element set is sorted, and far cheaper to build.
            return Set.of(s.iterator().next());
        }
        return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(s));
    }

    /** Identity key of an anonymous id. */
    public static String anonymousKey(String id) {
        return "a:" + id;
    }

    /** Identity key of a user id. */
    public static String userKey(String id) {
        return "u:" + id;
    }

    /** Identity key of an email hash. */
    public static String emailKey(String hash) {
        return "e:" + hash;
    }

    /** The identity keys an event carries, strongest first: user id, email hash, anonymous id. */
    public static List<String> keysOf(Event event) {
        List<String> keys = new ArrayList<>(3);
        if (event.userId() != null) {
            keys.add(userKey(event.userId()));
        }
        if (event.emailHash() != null) {
            keys.add(emailKey(event.emailHash()));
        }
        if (event.anonymousId() != null) {
            keys.add(anonymousKey(event.anonymousId()));
        }
        return keys;
    }

    /** These ids plus those the event carries. */
    public PersonIds with(Event event) {
        if (holds(anonymousIds, event.anonymousId()) && holds(userIds, event.userId())
                && holds(emailHashes, event.emailHash()) && (event.googleEmailHash() == null
                || event.googleEmailHash().equals(googleEmailHashes.get(event.emailHash())))) {
            return this; // a returning visitor's event names no new id: most events
        }
        Map<String, String> google = event.googleEmailHash() == null ? Map.of()
                : Map.of(event.emailHash(), event.googleEmailHash());
        return union(new PersonIds(one(event.anonymousId()), one(event.userId()), one(event.emailHash()), google));
    }

    private static boolean holds(Set<String> ids, String id) {
        return id == null || ids.contains(id);
    }

    private static Set<String> one(String s) {
        return s == null ? Set.of() : Set.of(s);
    }

    public PersonIds union(PersonIds other) {
        Map<String, String> google = googleEmailHashes;
        if (!other.googleEmailHashes.isEmpty()) {
            google = new TreeMap<>(googleEmailHashes);
            google.putAll(other.googleEmailHashes);
        }
        return new PersonIds(both(anonymousIds, other.anonymousIds), both(userIds, other.userIds),
                both(emailHashes, other.emailHashes), google);
    }

    private static Set<String> both(Set<String> a, Set<String> b) {
        Set<String> s = new TreeSet<>(a);
        s.addAll(b);
        return s;
    }

    /** All identity keys, strongest first. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        userIds.forEach(u -> keys.add(userKey(u)));
        emailHashes.forEach(e -> keys.add(emailKey(e)));
        anonymousIds.forEach(a -> keys.add(anonymousKey(a)));
        return keys;
    }
}
