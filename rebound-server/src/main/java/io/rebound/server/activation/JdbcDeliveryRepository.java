package io.rebound.server.activation;

import com.fasterxml.jackson.core.JacksonException;
import io.rebound.core.activation.Contact;
import io.rebound.server.json.Json;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.DeliveryRepository;
import io.rebound.destinations.delivery.ForwardRepository;
import io.rebound.server.meta.Statements;
import io.rebound.server.meta.Transactions;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.ReconcileRepository;
import io.rebound.destinations.delivery.Reconciliation;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.HashMap;
import java.util.Collection;
import java.util.Objects;

/**
 * Pairings, cursors and dead letters in the metadata database (migration V6; H2 embedded, PostgreSQL
 * in cluster mode). A commit moves the cursor and records the batch's dead letters in one transaction,
 * and never moves a cursor backwards. Full reconciliations are recorded per pairing (migration V12).
 */
public final class JdbcDeliveryRepository implements DeliveryRepository, ForwardRepository, ReconcileRepository {
    private static final int MAX_MESSAGE = 4000;
    /** The {@code person_ids} column holds at most 1,000,000 characters; stay clear of it. */
    static final int MAX_PERSON_CHARS = 900_000;

    private final DataSource ds;
    private final Clock clock;

    public JdbcDeliveryRepository(DataSource ds, Clock clock) {
        this.ds = Objects.requireNonNull(ds, "ds");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Pairs a segment with a platform audience through a destination, from cursor 0 (the whole log). */
    public Pairing pair(String storeId, String destinationId, String segmentId, AudienceRef audience) {
        Instant now = clock.instant();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO destination_pairings (store_id, destination_id, segment_id, platform, audience_id, "
                        + "targeting_id, cursor_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)")) {
            ps.setString(1, storeId);
            ps.setString(2, destinationId);
            ps.setString(3, segmentId);
            ps.setString(4, audience.platform().name());
            ps.setString(5, audience.id());
            ps.setString(6, audience.targetingId());
            ps.setObject(7, ts(now));
            ps.setObject(8, ts(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot pair segment " + segmentId + " with destination " + destinationId, e);
        }
        return new Pairing(storeId, destinationId, segmentId, audience, 0);
    }

    /**
     * Stops syncing a segment to a destination, forgetting what was uploaded for it (a later pairing starts
     * from the whole log again); false when they were not paired.
     */
    public boolean unpair(String storeId, String destinationId, String segmentId) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement members = c.prepareStatement(
                    "DELETE FROM destination_members WHERE pairing_no IN (SELECT pairing_no FROM destination_pairings "
                            + "WHERE destination_id = ? AND store_id = ? AND segment_id = ?)");
                 PreparedStatement reconciled = c.prepareStatement(
                         "DELETE FROM destination_reconciliations WHERE destination_id = ? AND store_id = ? AND segment_id = ?");
                 PreparedStatement ps = c.prepareStatement(
                         "DELETE FROM destination_pairings WHERE destination_id = ? AND store_id = ? AND segment_id = ?")) {
                for (PreparedStatement p : List.of(members, reconciled, ps)) {
                    p.setString(1, destinationId);
                    p.setString(2, storeId);
                    p.setString(3, segmentId);
                }
                members.executeUpdate();
                reconciled.executeUpdate();
                boolean paired = ps.executeUpdate() > 0;
                c.commit();
                return paired;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot unpair", e);
        }
    }

    /** How many persons Rebound has uploaded to the pairing's platform list and not removed since. */
    public long uploadedCount(Pairing p) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM destination_members m JOIN destination_pairings p ON p.pairing_no = m.pairing_no "
                        + "WHERE p.destination_id = ? AND p.store_id = ? AND p.segment_id = ?")) {
            ps.setString(1, p.destinationId());
            ps.setString(2, p.storeId());
            ps.setString(3, p.segmentId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count uploaded members", e);
        }
    }

    @Override
    public List<Pairing> pairings(String destinationId) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT store_id, segment_id, platform, audience_id, targeting_id, cursor_seq FROM destination_pairings "
                        + "WHERE destination_id = ? ORDER BY store_id, segment_id")) {
            ps.setString(1, destinationId);
            List<Pairing> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Pairing(rs.getString(1), destinationId, rs.getString(2),
                            new AudienceRef(Platform.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5)),
                            rs.getLong(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the pairings of destination " + destinationId, e);
        }
    }

    @Override
    public Map<String, Contact> uploaded(Pairing p, Collection<String> personIds) {
        Map<String, Contact> out = new HashMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT contact FROM "
                + "destination_members WHERE pairing_no = ? AND person_id = ?")) {
            OptionalLong number = pairingNumber(c, p);
            if (number.isEmpty()) {
                return out; // unpaired: nothing is remembered for it
            }
            for (String person : personIds) {
                ps.setLong(1, number.getAsLong());
                ps.setString(2, person);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        out.put(person, Json.MAPPER.readValue(rs.getString(1), Contact.class));
                    }
                }
            }
        } catch (SQLException | JacksonException e) {
            throw new IllegalStateException("cannot read what " + p + " uploaded", e);
        }
        return out;
    }

    /**
     * The pairing's number, which its {@code destination_members} rows carry (migration V22), or empty when
     * it is not paired (any more).
     */
    private static OptionalLong pairingNumber(Connection c, Pairing p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pairing_no FROM destination_pairings "
                + "WHERE destination_id = ? AND store_id = ? AND segment_id = ?")) {
            bind(ps, p);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    @Override
    public void commit(Pairing p, long cursor, List<DeadLetter> deadLetters, Map<String, Contact> added,
                       Set<String> removed) {
        Instant now = clock.instant();
        inTransaction(() -> "cannot commit the cursor of " + p, c -> {
            Statements.update(c, "UPDATE destination_pairings SET cursor_seq = ?, updated_at = ? "
                    + "WHERE destination_id = ? AND store_id = ? AND segment_id = ? AND cursor_seq <= ?",
                    cursor, ts(now), p.destinationId(), p.storeId(), p.segmentId(), cursor);
            insertDeadLetters(c, deadLetters);
            remember(c, p, added, removed, now);
        });
    }

    /** Runs {@code work} in one transaction ({@link Transactions#run}). */
    private void inTransaction(java.util.function.Supplier<String> what, Transactions.Work work) {
        Transactions.run(ds, what, work);
    }

    private static void insertDeadLetters(Connection c, List<DeadLetter> deadLetters) throws SQLException {
        if (deadLetters.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO destination_dead_letters (store_id, "
                + "destination_id, segment_id, operation, kind, code, message, person_ids, person_count, "
                + "from_seq, to_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (DeadLetter whole : deadLetters) {
                for (DeadLetter d : chunks(whole)) {
                    ps.setString(1, d.storeId());
                    ps.setString(2, d.destinationId());
                    ps.setString(3, d.segmentId());
                    ps.setString(4, d.operation());
                    ps.setString(5, d.kind());
                    ps.setString(6, clip(d.code(), 100));
                    ps.setString(7, clip(d.message(), MAX_MESSAGE));
                    ps.setString(8, String.join("\n", d.personIds()));
                    ps.setInt(9, d.personIds().size());
                    ps.setLong(10, d.fromSequence());
                    ps.setLong(11, d.toSequence());
                    ps.setObject(12, ts(d.at()));
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    @Override
    public java.util.Optional<String> eventCursor(String destinationId) {
        try (Connection c = ds.getConnection()) {
            return java.util.Optional.ofNullable(eventCursorIn(c, destinationId));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the event cursor of destination " + destinationId, e);
        }
    }

    @Override
    public void commitEvents(String storeId, String destinationId, String cursor, List<DeadLetter> deadLetters) {
        Instant now = clock.instant();
        inTransaction(() -> "cannot commit the event cursor of destination " + destinationId, c -> {
            int moved = Statements.update(c, "UPDATE destination_event_cursors SET position = ?, "
                    + "updated_at = ? WHERE destination_id = ?",
                    cursor, ts(now), destinationId);
            if (moved == 0 && eventCursorIn(c, destinationId) == null) {
                Statements.update(c, "INSERT INTO destination_event_cursors "
                        + "(destination_id, store_id, position, updated_at) VALUES (?, ?, ?, ?)",
                        destinationId, storeId, cursor, ts(now));
            }
            insertDeadLetters(c, deadLetters);
        });
    }

    private static String eventCursorIn(Connection c, String destinationId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT position FROM destination_event_cursors WHERE destination_id = ?")) {
            ps.setString(1, destinationId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Contacts as {@code destination_members} keeps them: without empty fields (most members have one email
     * and nothing else; a Google email map is rare), as the row's bytes are what H2's write costs grow with
     * (a profile of the sync benchmark puts its time in MVStore's page serialisation). Read back by
     * {@link Json#MAPPER}: an absent field is an empty one.
     */
    private static final com.fasterxml.jackson.databind.ObjectMapper CONTACTS = Json.MAPPER.copy()
            .setDefaultPropertyInclusion(com.fasterxml.jackson.annotation.JsonInclude.Value.construct(
                    com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY,
                    com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY));
    private static final com.fasterxml.jackson.databind.ObjectWriter CONTACT_WRITER = CONTACTS.writerFor(Contact.class);

    /** Replaces the rows of the persons added (their contacts as uploaded now) and deletes those removed. */
    private static void remember(Connection c, Pairing p, Map<String, Contact> added, Set<String> removed, Instant now)
            throws SQLException {
        if (added.isEmpty() && removed.isEmpty()) {
            return;
        }
        OptionalLong found = pairingNumber(c, p);
        if (found.isEmpty()) {
            return; // unpaired meanwhile: its rows went with it, and a later pairing starts from nothing
        }
        long number = found.getAsLong();
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM destination_members "
                + "WHERE pairing_no = ? AND person_id = ?")) {
            for (String person : new java.util.TreeSet<>(removed)) {
                delete.setLong(1, number);
                delete.setString(2, person);
                delete.addBatch();
            }
            if (!removed.isEmpty()) {
                delete.executeBatch();
            }
        }
        List<String[]> rows = new ArrayList<>(added.size());
        for (Map.Entry<String, Contact> e : new java.util.TreeMap<>(added).entrySet()) {
            if (removed.contains(e.getKey())) {
                continue;
            }
            try {
                rows.add(new String[] {e.getKey(), CONTACT_WRITER.writeValueAsString(e.getValue())});
            } catch (JacksonException x) {
                throw new IllegalStateException("cannot write the contact of " + e.getKey(), x);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        // An added person almost never has a row already (a leave deletes it; a join follows a leave), and a
        // plain INSERT skips the lookup and join of an upsert: a third of the commit's time in the sync
        // benchmark's profile. When a row exists (a reconciliation or a retried dead letter uploaded the person,
        // or a resend), the batch is undone to the savepoint and upserted instead (standard MERGE: H2 2.x and
        // PostgreSQL 15+).
        java.sql.Savepoint before = c.setSavepoint();
        try {
            write(c, number, rows, now, "INSERT INTO destination_members (pairing_no, person_id, contact, updated_at) "
                    + "VALUES (?, ?, ?, ?)");
        } catch (SQLException e) {
            if (!uniqueViolation(e)) {
                throw e;
            }
            c.rollback(before);
            write(c, number, rows, now, "MERGE INTO destination_members m USING (VALUES (CAST(? AS BIGINT), "
                    + "CAST(? AS VARCHAR(1000)), CAST(? AS VARCHAR(100000)), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
                    + "AS s (pairing_no, person_id, contact, updated_at) "
                    + "ON m.pairing_no = s.pairing_no AND m.person_id = s.person_id "
                    + "WHEN MATCHED THEN UPDATE SET contact = s.contact, updated_at = s.updated_at "
                    + "WHEN NOT MATCHED THEN INSERT (pairing_no, person_id, contact, updated_at) "
                    + "VALUES (s.pairing_no, s.person_id, s.contact, s.updated_at)");
        }
        c.releaseSavepoint(before);
    }

    /** One batch of {@code sql} (pairing number, person, contact, updated_at) over {@code rows}. */
    private static void write(Connection c, long pairingNo, List<String[]> rows, Instant now, String sql)
            throws SQLException {
        OffsetDateTime at = ts(now);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (String[] row : rows) {
                ps.setLong(1, pairingNo);
                ps.setString(2, row[0]);
                ps.setString(3, row[1]);
                ps.setObject(4, at);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** A duplicate key (SQLSTATE 23505, H2 and PostgreSQL), anywhere in a batch failure's chain. */
    static boolean uniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException x = sql; x != null; x = x.getNextException()) {
                    if ("23505".equals(x.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    // ---- full reconciliation (V12) ----

    @Override
    public Instant reconciledSince(Pairing p) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT r.reconciled_at, p.created_at FROM destination_pairings p LEFT JOIN destination_reconciliations r "
                        + "ON r.destination_id = p.destination_id AND r.store_id = p.store_id AND r.segment_id = p.segment_id "
                        + "WHERE p.destination_id = ? AND p.store_id = ? AND p.segment_id = ?")) {
            bind(ps, p);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return clock.instant(); // unpaired meanwhile: nothing to reconcile for an interval
                }
                OffsetDateTime last = rs.getObject(1, OffsetDateTime.class);
                return (last != null ? last : rs.getObject(2, OffsetDateTime.class)).toInstant();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read when " + p + " was reconciled", e);
        }
    }

    @Override
    public Map<String, Contact> uploadedAfter(Pairing p, String afterPerson, int limit) {
        Map<String, Contact> out = new java.util.LinkedHashMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT m.person_id, m.contact "
                + "FROM destination_members m JOIN destination_pairings p ON p.pairing_no = m.pairing_no "
                + "WHERE p.destination_id = ? AND p.store_id = ? AND p.segment_id = ? AND m.person_id > ? "
                + "ORDER BY m.person_id LIMIT ?")) {
            bind(ps, p);
            ps.setString(4, afterPerson == null ? "" : afterPerson);
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), Json.MAPPER.readValue(rs.getString(2), Contact.class));
                }
            }
        } catch (SQLException | JacksonException e) {
            throw new IllegalStateException("cannot read what " + p + " uploaded", e);
        }
        return out;
    }

    @Override
    public void reconciled(Pairing p, Reconciliation r, Map<String, Contact> uploaded, Set<String> forgotten) {
        inTransaction(() -> "cannot record the reconciliation of " + p, c -> {
            int updated = Statements.update(c, "UPDATE destination_reconciliations SET reconciled_at = ?, "
                    + "method = ?, members = ?, added = ?, removed = ?, error = ? "
                    + "WHERE destination_id = ? AND store_id = ? AND segment_id = ?",
                    ts(r.at()), r.method(), r.members(), r.added(), r.removed(),
                    r.error() == null ? null : clip(r.error(), MAX_MESSAGE), p.destinationId(), p.storeId(),
                    p.segmentId());
            if (updated == 0) {
                Statements.update(c, "INSERT INTO destination_reconciliations (store_id, "
                        + "destination_id, segment_id, reconciled_at, method, members, added, removed, error) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        p.storeId(), p.destinationId(), p.segmentId(), ts(r.at()), r.method(), r.members(), r.added(),
                        r.removed(), r.error() == null ? null : clip(r.error(), MAX_MESSAGE));
            }
            remember(c, p, uploaded, forgotten, r.at());
        });
    }

    /** The pairing's last full reconciliation, if it had one. */
    public java.util.Optional<Reconciliation> reconciliation(Pairing p) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT reconciled_at, method, members, added, removed, error FROM destination_reconciliations "
                        + "WHERE destination_id = ? AND store_id = ? AND segment_id = ?")) {
            bind(ps, p);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(new Reconciliation(rs.getObject(1, OffsetDateTime.class).toInstant(),
                        rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getString(6)))
                        : java.util.Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the reconciliation of " + p, e);
        }
    }

    private static void bind(PreparedStatement ps, Pairing p) throws SQLException {
        ps.setString(1, p.destinationId());
        ps.setString(2, p.storeId());
        ps.setString(3, p.segmentId());
    }

    /** A destination's dead letters, newest first. */
    public List<DeadLetter> deadLetters(String destinationId, int limit) {
        return storedDeadLetters(destinationId, limit).stream().map(Stored::letter).toList();
    }

    /**
     * A dead letter as kept, with the id that names it (to retry or drop it).
     *
     * @param id     its row id
     * @param letter the letter
     */
    public record Stored(long id, DeadLetter letter) {
    }

    /** A destination's dead letters, newest first, with their ids. */
    public List<Stored> storedDeadLetters(String destinationId, int limit) {
        return readDeadLetters("destination_id = ? ORDER BY id DESC LIMIT ?", ps -> {
            ps.setString(1, destinationId);
            ps.setInt(2, limit);
        });
    }

    /** One dead letter of a destination of a store. */
    public Optional<Stored> deadLetter(String storeId, String destinationId, long id) {
        return readDeadLetters("destination_id = ? AND store_id = ? AND id = ?", ps -> {
            ps.setString(1, destinationId);
            ps.setString(2, storeId);
            ps.setLong(3, id);
        }).stream().findFirst();
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<Stored> readDeadLetters(String where, Binder binder) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, store_id, destination_id, segment_id, operation, kind, code, message, person_ids, from_seq, "
                        + "to_seq, created_at FROM destination_dead_letters WHERE " + where)) {
            binder.bind(ps);
            List<Stored> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String ids = rs.getString(9);
                    out.add(new Stored(rs.getLong(1), new DeadLetter(rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            ids.isEmpty() ? List.of() : Arrays.asList(ids.split("\n")), rs.getLong(10), rs.getLong(11),
                            rs.getObject(12, OffsetDateTime.class).toInstant())));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read dead letters", e);
        }
    }

    /**
     * A retried dead letter is done: its row goes, and what the retry uploaded or removed is remembered
     * for the pairing, in one transaction.
     */
    public boolean retried(Pairing p, long id, Map<String, Contact> added, Set<String> removed) {
        boolean[] gone = new boolean[1];
        inTransaction(() -> "cannot record the retry of dead letter " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM destination_dead_letters WHERE id = ? AND destination_id = ? AND store_id = ?")) {
                ps.setLong(1, id);
                ps.setString(2, p.destinationId());
                ps.setString(3, p.storeId());
                gone[0] = ps.executeUpdate() == 1;
            }
            remember(c, p, added, removed, clock.instant());
        });
        return gone[0];
    }

    /** A dead letter split so that each row's person ids fit the column (a huge batch given up whole). */
    static List<DeadLetter> chunks(DeadLetter d) {
        List<DeadLetter> out = new ArrayList<>();
        List<String> part = new ArrayList<>();
        int chars = 0;
        for (String id : d.personIds()) {
            if (!part.isEmpty() && chars + id.length() + 1 > MAX_PERSON_CHARS) {
                out.add(with(d, part));
                part = new ArrayList<>();
                chars = 0;
            }
            part.add(id);
            chars += id.length() + 1;
        }
        if (!part.isEmpty() || out.isEmpty()) {
            out.add(with(d, part));
        }
        return out;
    }

    private static DeadLetter with(DeadLetter d, List<String> personIds) {
        return new DeadLetter(d.storeId(), d.destinationId(), d.segmentId(), d.operation(), d.kind(), d.code(),
                d.message(), personIds, d.fromSequence(), d.toSequence(), d.at());
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
