package io.rebound.kafka.internals;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.kafka.EventSerde;
import io.rebound.kafka.Keys;
import io.rebound.kafka.internals.IdentityCommand.Link;
import io.rebound.kafka.internals.IdentityCommand.Resolve;
import io.rebound.kafka.internals.IdentityCommand.Unlink;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Identity resolution, partitioned by id: the alias map {@code store \0 id-key → person} lives in
 * the partition of the id key. An event visits the partitions of its ids strongest first (user id,
 * email hash, cookie) — one hop for the usual one-id event, which arrives on the events topic
 * already in the right partition. At the last hop the survivor among the persons found is chosen by
 * {@link PersonIds#SURVIVOR_ORDER} (exactly {@link io.rebound.core.engine.AudienceEngine}'s rule);
 * the ids seen on earlier hops are linked to it by {@link Link} records, and the event goes to the
 * survivor's partition together with the list of persons it absorbs. A {@link Link} that finds its
 * id moved to a third person meanwhile merges the two, the same order choosing the survivor, so
 * concurrent merges agree on who absorbs whom.
 *
 * <p>Beside an email's alias, its partition keeps Google's digest of that address when an event
 * brought one, under {@link #googleEmailKey} (decision 0022): not an alias — identity never reads it —
 * but in the same store, so that the changelog that tells PostgreSQL an address's person tells it,
 * no later, the digest it came with (a second store's changelog could be applied after the alias).
 * It goes when the alias goes.
 */
public final class IdentityProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String ALIASES = "rebound-aliases";
    /** Prefix of the {@link #googleEmailKey} entries in the aliases store. */
    public static final String GOOGLE_EMAIL_PREFIX = "g:";
    static final String IDENTITY_SINK = "identity-sink";
    static final String PERSONS_SINK = "persons-sink";

    private final String eventsTopic;
    private KeyValueStore<String, String> aliases;
    private ProcessorContext<String, byte[]> context;
    private Tracker tracker;

    public IdentityProcessor(String eventsTopic) {
        this.eventsTopic = eventsTopic;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.aliases = context.getStateStore(ALIASES);
        this.tracker = new Tracker(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        tracker.begin(record);
        boolean fromEvents = context.recordMetadata().map(RecordMetadata::topic).map(eventsTopic::equals).orElse(false);
        IdentityCommand command = fromEvents ? new Resolve(EventSerde.decode(record.value()), 0, List.of())
                : IdentityCommand.decode(record.value());
        switch (command) {
            case Resolve r -> resolve(record.key(), r);
            case Link l -> link(Keys.store(record.key()), l);
            case Unlink u -> unlink(Keys.store(record.key()), u);
        }
        tracker.end();
    }

    private void resolve(String key, Resolve r) {
        Event event = r.event();
        String store = event.storeId();
        List<String> keys = PersonIds.keysOf(event);
        String idKey = keys.get(r.hop());
        if (!key.equals(Keys.of(store, idKey))) {
            // Produced with another key: this is not the partition of the id. Re-key, then resolve.
            tracker.loop(IDENTITY_SINK, Keys.of(store, idKey), IdentityCommand.encode(r));
            return;
        }
        keepGoogleEmail(store, idKey, event);
        String here = aliases.get(key);
        List<String> observed = new ArrayList<>(r.observed());
        observed.add(here == null ? "" : here);
        if (r.hop() + 1 < keys.size()) {
            tracker.loop(IDENTITY_SINK, Keys.of(store, keys.get(r.hop() + 1)),
                    IdentityCommand.encode(new Resolve(event, r.hop() + 1, observed)));
            return;
        }
        LinkedHashSet<String> found = new LinkedHashSet<>();
        observed.stream().filter(p -> !p.isEmpty()).forEach(found::add);
        String survivor = found.isEmpty() ? keys.getFirst() : PersonIds.survivor(found);
        if (!survivor.equals(here)) {
            aliases.put(key, survivor);
        }
        for (int i = 0; i < keys.size() - 1; i++) {
            if (!observed.get(i).equals(survivor)) {
                tracker.loop(IDENTITY_SINK, Keys.of(store, keys.get(i)),
                        IdentityCommand.encode(new Link(keys.get(i), survivor, observed.get(i))));
            }
        }
        List<String> absorb = found.stream().filter(p -> !p.equals(survivor)).toList();
        PersonCommand.Deliver d = new PersonCommand.Deliver(survivor, absorb, List.of(), event, List.of());
        tracker.loop(PERSONS_SINK, Keys.of(store, d.next()), PersonCommand.encode(d));
    }

    private void link(String store, Link l) {
        String key = Keys.of(store, l.idKey());
        String current = aliases.get(key);
        if (l.personId().equals(current)) {
            return;
        }
        if (current == null || current.equals(l.expected())) {
            aliases.put(key, l.personId());
            return;
        }
        // Someone linked this id to another person meanwhile: they are the same person. The survivor
        // is chosen by the order every merge uses, so a merge racing this one picks the same.
        String survivor = PersonIds.survivor(List.of(l.personId(), current));
        String absorbed = survivor.equals(current) ? l.personId() : current;
        aliases.put(key, survivor);
        PersonCommand.Deliver d = new PersonCommand.Deliver(survivor, List.of(absorbed), List.of(), null, List.of());
        tracker.loop(PERSONS_SINK, Keys.of(store, d.next()), PersonCommand.encode(d));
    }

    private void unlink(String store, Unlink u) {
        String key = Keys.of(store, u.idKey());
        String current = aliases.get(key);
        boolean unlinked = current != null && (current.equals(u.personId()) || u.names().contains(current));
        if (unlinked) {
            aliases.delete(key);
        }
        String email = PersonIds.emailKey("");
        String googleKey = u.idKey().startsWith(email) ? Keys.of(store, googleEmailKey(u.idKey().substring(email.length()))) : null;
        if ((unlinked || current == null) && googleKey != null && aliases.get(googleKey) != null) {
            // An erased or retired address leaves no digest behind, Google's form included.
            aliases.delete(googleKey);
        }
    }

    /**
     * The aliases store's key of Google's digest of the address whose trim + lower-case digest is
     * {@code emailHash}: {@code g:} and that digest, where its alias is {@code e:} and the digest.
     */
    public static String googleEmailKey(String emailHash) {
        return GOOGLE_EMAIL_PREFIX + emailHash;
    }

    /** At the email key's own partition, before its alias is written: remembers the event's Google digest of that address. */
    private void keepGoogleEmail(String store, String idKey, Event event) {
        String google = event.googleEmailHash();
        if (google != null && idKey.equals(PersonIds.emailKey(event.emailHash()))) {
            String key = Keys.of(store, googleEmailKey(event.emailHash()));
            if (!google.equals(aliases.get(key))) {
                aliases.put(key, google);
            }
        }
    }
}
