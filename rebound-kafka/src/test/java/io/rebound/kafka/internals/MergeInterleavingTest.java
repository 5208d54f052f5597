package io.rebound.kafka.internals;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identity merges under every interleaving a cluster can produce. The real {@link IdentityProcessor}
 * and {@link PersonProcessor} of each partition run on in-memory stores; every record they forward
 * travels a FIFO channel per (producing task, destination partition), and a seeded scheduler picks
 * at random which channel delivers next and which partition log is consumed next — the freedom a
 * broker and several stream threads have. However events of one person race, every person must end
 * as one state holding all their events, every id must lead to it, and nothing may be left over.
 */
class MergeInterleavingTest {

    private static final String STORE = "s";
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final String EVENTS = "events";
    private static final String IDENTITY = "identity";
    private static final String PERSONS = "persons";

    @Test
    void concurrentIdentifiesConvergeOnOnePersonPerUser() {
        int seeds = Integer.getInteger("rebound.merge.seeds", 1000);
        for (int seed = 1; seed <= seeds; seed++) {
            new Simulation(seed).run();
        }
    }

    /** One user: browsers (anonymous ids), a user id and maybe an email hash, and the events they send. */
    private record User(String userId, String email, List<String> browsers, List<Event> events) {
        Set<String> idKeys() {
            Set<String> keys = new HashSet<>();
            keys.add(PersonIds.userKey(userId));
            if (email != null) {
                keys.add(PersonIds.emailKey(email));
            }
            browsers.forEach(b -> keys.add(PersonIds.anonymousKey(b)));
            return keys;
        }
    }

    private static final class Simulation {
        private final Random random;
        private final int seed;
        private final List<User> users = new ArrayList<>();
        private final List<Event> toSend = new ArrayList<>();
        private final Partitions partitions;
        private int sent;
        private int clock;

        Simulation(int seed) {
            this.seed = seed;
            this.random = new Random(seed);
            Clock clock = Clock.fixed(T0.plus(Duration.ofDays(1)), ZoneOffset.UTC);
            SegmentCatalog catalog = new SegmentCatalog();
            this.partitions = new Partitions(2 + seed % 5, random, T0, clock, p -> catalog, 100);
            generate();
        }

        /** A few users, each with one to three browsers that browse anonymously, identify and browse on. */
        private void generate() {
            int n = 2 + random.nextInt(5);
            List<List<Event>> streams = new ArrayList<>();
            for (int u = 0; u < n; u++) {
                String userId = "user" + u;
                String email = random.nextBoolean() ? "hash" + u : null;
                List<String> browsers = new ArrayList<>();
                List<Event> events = new ArrayList<>();
                int b = 1 + random.nextInt(4);
                for (int i = 0; i < b; i++) {
                    String browser = "b" + u + "x" + i;
                    browsers.add(browser);
                    List<Event> stream = new ArrayList<>();
                    int before = random.nextInt(3);
                    for (int k = 0; k < before; k++) {
                        stream.add(event(browser, null, null));
                    }
                    // Identify with the user id, the email, or both; the first browser gives both, so
                    // that every id of the user is linked to the others.
                    int how = email == null ? 0 : i == 0 ? 2 : random.nextInt(3);
                    stream.add(event(browser, how == 1 ? null : userId, how == 0 ? null : email));
                    int after = random.nextInt(3);
                    for (int k = 0; k < after; k++) {
                        stream.add(event(browser, userId, null));
                    }
                    streams.add(stream);
                    events.addAll(stream);
                }
                users.add(new User(userId, email, browsers, events));
            }
            // Each browser's events go out in its own order; browsers interleave at random.
            List<ArrayDeque<Event>> queues = streams.stream().map(ArrayDeque::new).toList();
            List<ArrayDeque<Event>> live = new ArrayList<>(queues);
            while (!live.isEmpty()) {
                ArrayDeque<Event> q = live.get(random.nextInt(live.size()));
                toSend.add(q.poll());
                if (q.isEmpty()) {
                    live.remove(q);
                }
            }
        }

        private Event event(String browser, String userId, String email) {
            Instant t = T0.plusSeconds(clock++);
            EventType type = userId == null && email == null ? EventType.PAGE_VIEW : EventType.IDENTIFY;
            return Event.builder(STORE, "e" + t.getEpochSecond(), type, t, t)
                    .anonymousId(browser).userId(userId).emailHash(email).build();
        }

        void run() {
            while (true) {
                List<Runnable> moves = partitions.moves();
                if (sent < toSend.size()) {
                    moves.addFirst(() -> {
                        Event e = toSend.get(sent++);
                        partitions.produce("collector", Partitions.EVENTS, Keys.ofEvent(e), EventSerde.encode(e));
                    });
                }
                if (moves.isEmpty()) {
                    break;
                }
                moves.get(random.nextInt(moves.size())).run();
            }
            check();
            eraseOneUser();
        }

        /** Erasing a user from any of their person names removes their state, aliases and redirects, nothing else. */
        private void eraseOneUser() {
            User user = users.get(random.nextInt(users.size()));
            String name = alias(user.idKeys().stream().sorted().toList().get(random.nextInt(user.idKeys().size())));
            partitions.produce("api", Partitions.PERSONS, Keys.of(STORE, name), PersonCommand.encode(new PersonCommand.Erase(name)));
            partitions.drain();
            for (String idKey : user.idKeys()) {
                assertThat(alias(idKey)).as("seed %d: erased %s's id %s is unlinked", seed, user.userId(), idKey).isNull();
                assertThat(partitions.redirect(STORE, idKey))
                        .as("seed %d: erased %s's name %s keeps no redirect", seed, user.userId(), idKey).isNull();
                assertThat(state(idKey)).isNull();
            }
            users.remove(user);
            check();
        }

        private String alias(String idKey) {
            return partitions.alias(STORE, idKey);
        }

        private PersonState state(String person) {
            return partitions.state(STORE, person);
        }

        private void check() {
            Set<String> survivors = new HashSet<>();
            int events = 0;
            for (User user : users) {
                Set<String> reached = new HashSet<>();
                user.idKeys().forEach(k -> reached.add(partitions.resolve(STORE, k, "seed " + seed)));
                assertThat(reached).as("seed %d: the ids of %s lead to one person", seed, user.userId()).hasSize(1);
                String person = reached.iterator().next();
                assertThat(person).as("seed %d: %s has a person", seed, user.userId()).isNotNull();
                assertThat(survivors.add(person)).as("seed %d: %s shares a person with another user", seed, user.userId()).isTrue();
                PersonState state = state(person);
                assertThat(state.visitor().size()).as("seed %d: %s's person holds all their events", seed, user.userId())
                        .isEqualTo(user.events().size());
                assertThat(new HashSet<>(state.ids().keys())).as("seed %d: %s's ids", seed, user.userId())
                        .isEqualTo(user.idKeys());
                events += user.events().size();
            }
            int states = 0;
            int held = 0;
            for (Partitions.Task<PersonProcessor> t : partitions.persons) {
                try (var it = t.<String, byte[]>store(PersonProcessor.PERSONS).all()) {
                    while (it.hasNext()) {
                        states++;
                        held += PersonStateCodec.decode(it.next().value).visitor().size();
                    }
                }
            }
            assertThat(states).as("seed %d: one person state per user, none left over", seed).isEqualTo(users.size());
            assertThat(held).as("seed %d: every event in exactly one person", seed).isEqualTo(events);
        }
    }
}
