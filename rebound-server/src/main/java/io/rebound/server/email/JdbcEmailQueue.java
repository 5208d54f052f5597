package io.rebound.server.email;

import io.rebound.server.meta.Statements;
import io.rebound.server.meta.Transactions;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The email tables of the metadata database (V14): subscribers given with consent, the suppression
 * list, each flow's change-log cursor and the durable send queue (one row per flow, person and
 * step, keyed by {@link #key}).
 */
public final class JdbcEmailQueue {
    private final DataSource dataSource;

    public JdbcEmailQueue(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A queued send. */
    public record Send(String key, String campaignId, String storeId, String personId, int step, Instant dueAt,
                       int attempts) {
    }

    /** A change of the flow's segment, as the queue applies it: {@link Joined} or {@link Left}. */
    public sealed interface Change permits Joined, Left {
        String personId();
    }

    /**
     * A person who joined at {@code joinedAt}: the rows to queue, one per step, due at the given times
     * (null: the step is not emailed).
     */
    public record Joined(String personId, Instant joinedAt, List<Instant> dueAt) implements Change {
        public Joined {
            dueAt = java.util.Collections.unmodifiableList(new ArrayList<>(dueAt));
        }
    }

    /** A person who left at {@code at}; {@code converted}: by buying. */
    public record Left(String personId, Instant at, boolean converted) implements Change {
    }

    /** The idempotency key of a send: one per (flow, person, step), ever. */
    public static String key(String campaignId, String personId, int step) {
        return campaignId + "|" + step + "|" + personId;
    }

    // ---- the flow's cursor and the queue -------------------------------------------------------

    /** Where a flow is: the segment whose change log it follows and the last sequence it read. */
    public record Cursor(String segmentId, long after) {
    }

    /** Where the flow is; empty before its first pass. */
    public Optional<Cursor> cursor(String campaignId) {
        return query("SELECT segment_id, after_seq FROM email_cursors WHERE campaign_id = ?",
                ps -> ps.setString(1, campaignId),
                rs -> rs.next() ? Optional.of(new Cursor(rs.getString(1), rs.getLong(2))) : Optional.empty());
    }

    /**
     * In one transaction, the changes in the order of the change log, then the cursor moved to
     * {@code after}. A join queues every step of the person (a row exited or withdrawn before is queued
     * again; a row sent, queued or claimed stays as it is). A leave at {@code t}:
     * <ul>
     * <li>before the first touch came due ({@code t} earlier than the join + {@code firstTouch}) and
     * nothing of that join sent: the person never entered the flow, and the join's rows are withdrawn
     * (deleted) — the queued ones, and those the worker already ended {@code left} or {@code converted}
     * because it reached them before the leave was read;</li>
     * <li>otherwise the queued rows exit, {@code converted} or {@code left}.</li>
     * </ul>
     * The outcome is the same however the log is split into reads (a join and its leave in one call
     * or in two). A crash before the commit replays the same changes: nothing is lost, and the keys
     * make the replay queue nothing twice.
     */
    public void follow(String campaignId, String storeId, List<? extends Change> changes, Duration firstTouch,
                       Cursor after) {
        inTransaction(c -> {
            for (Change change : changes) {
                switch (change) {
                    case Joined j -> join(c, campaignId, storeId, j);
                    case Left l -> leave(c, campaignId, l, firstTouch);
                }
            }
            int updated = Statements.update(c, "UPDATE email_cursors SET segment_id = ?, after_seq = ? "
                    + "WHERE campaign_id = ?", after.segmentId(), after.after(), campaignId);
            if (updated == 0) {
                Statements.update(c, "INSERT INTO email_cursors (campaign_id, segment_id, after_seq) "
                        + "VALUES (?, ?, ?)",
                        campaignId, after.segmentId(), after.after());
            }
        });
    }

    private static void join(Connection c, String campaignId, String storeId, Joined j) throws SQLException {
        OffsetDateTime joined = at(j.joinedAt());
        for (int step = 0; step < j.dueAt().size(); step++) {
            if (j.dueAt().get(step) == null) {
                continue;
            }
            String key = key(campaignId, j.personId(), step);
            OffsetDateTime due = at(j.dueAt().get(step));
            Statements.update(c, "UPDATE email_sends SET state = 'queued', due_at = ?, joined_at = ?, "
                    + "attempts = 0, exit_reason = NULL WHERE idempotency_key = ? AND state = 'exited'",
                    due, joined, key);
            Statements.update(c, "INSERT INTO email_sends (idempotency_key, campaign_id, store_id, person_id, "
                    + "step, state, due_at, attempts, joined_at) SELECT ?, ?, ?, ?, ?, 'queued', ?, 0, ? "
                    + "WHERE NOT EXISTS (SELECT 1 FROM email_sends WHERE idempotency_key = ?)",
                    key, campaignId, storeId, j.personId(), step, due, joined, key);
        }
    }

    private static void leave(Connection c, String campaignId, Left l, Duration firstTouch) throws SQLException {
        // The join a leave ends is the person's latest; it entered the flow once its first touch came due.
        Statements.update(c, "DELETE FROM email_sends WHERE campaign_id = ? AND person_id = ? AND joined_at > ? "
                + "AND (state = 'queued' OR state = 'exited' AND exit_reason IN ('left', 'converted')) "
                + "AND NOT EXISTS (SELECT 1 FROM email_sends o WHERE o.campaign_id = email_sends.campaign_id "
                + "AND o.person_id = email_sends.person_id AND o.joined_at = email_sends.joined_at "
                + "AND o.state IN ('sending', 'sent'))",
                campaignId, l.personId(), at(l.at().minus(firstTouch)));
        Statements.update(c, "UPDATE email_sends SET state = 'exited', exit_reason = ? WHERE campaign_id = ? "
                + "AND person_id = ? AND state = 'queued'", l.converted() ? "converted" : "left", campaignId, l.personId());
    }

    /** Queued sends due at {@code now}, earliest first. */
    public List<Send> due(Instant now, int limit) {
        return query("SELECT idempotency_key, campaign_id, store_id, person_id, step, due_at, attempts FROM email_sends "
                        + "WHERE state = 'queued' AND due_at <= ? ORDER BY due_at, idempotency_key LIMIT " + limit,
                ps -> ps.setObject(1, at(now)), rs -> {
                    List<Send> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Send(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getInt(5), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getInt(7)));
                    }
                    return out;
                });
    }

    /** queued → sending; false when another worker (or an exit) got there first. */
    public boolean claim(String key, Instant now) {
        return update("UPDATE email_sends SET state = 'sending', claimed_at = ?, attempts = attempts + 1 "
                + "WHERE idempotency_key = ? AND state = 'queued'", ps -> {
            ps.setObject(1, at(now));
            ps.setString(2, key);
        }) == 1;
    }

    /** sending → {@code state} (sent, exited, suppressed, no_address, failed). */
    public void finish(String key, String state, Instant now) {
        finish(key, state, null, now);
    }

    /** As above, keeping why a send ended unsent ({@code reason}, e.g. {@code converted}; null: none). */
    public void finish(String key, String state, String reason, Instant now) {
        update("UPDATE email_sends SET state = ?, sent_at = ?, exit_reason = ? WHERE idempotency_key = ? "
                + "AND state = 'sending'", ps -> {
            ps.setString(1, state);
            ps.setObject(2, "sent".equals(state) ? at(now) : null);
            ps.setString(3, reason == null ? null : reason.length() > 30 ? reason.substring(0, 30) : reason);
            ps.setString(4, key);
        });
    }

    /**
     * sending → queued again after an SMTP failure, due at {@code dueAt}: the claim stays counted, so a
     * send that keeps failing ends after {@code MAX_ATTEMPTS} tries.
     */
    public void retry(String key, Instant dueAt) {
        update("UPDATE email_sends SET state = 'queued', due_at = ? WHERE idempotency_key = ? AND state = 'sending'", ps -> {
            ps.setObject(1, at(dueAt));
            ps.setString(2, key);
        });
    }

    /**
     * sending → queued again, due at {@code dueAt}, the claim not counted as an attempt: the send was not
     * tried, only looked at too early (the smart-sending gap, the daily cap, a paused flow, a membership
     * still settling). A send put off any number of times still has all its attempts for SMTP.
     */
    public void defer(String key, Instant dueAt) {
        update("UPDATE email_sends SET state = 'queued', due_at = ?, attempts = attempts - 1 "
                + "WHERE idempotency_key = ? AND state = 'sending'", ps -> {
            ps.setObject(1, at(dueAt));
            ps.setString(2, key);
        });
    }

    /**
     * Rows claimed before {@code claimedBefore} and never finished — their worker died between the
     * claim and the mark — are queued again (at-least-once; see docs/campaigns.md, "Email").
     */
    public int requeueStale(Instant claimedBefore) {
        return update("UPDATE email_sends SET state = 'queued' WHERE state = 'sending' AND claimed_at < ?",
                ps -> ps.setObject(1, at(claimedBefore)));
    }

    /** When the store last emailed the person, from any flow. */
    public Optional<Instant> lastSent(String storeId, String personId) {
        return query("SELECT MAX(sent_at) FROM email_sends WHERE store_id = ? AND person_id = ? AND state = 'sent'", ps -> {
            ps.setString(1, storeId);
            ps.setString(2, personId);
        }, rs -> {
            rs.next();
            OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
            return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
        });
    }

    /** The state of a send (tests, the dashboard later). */
    public Optional<String> state(String key) {
        return query("SELECT state FROM email_sends WHERE idempotency_key = ?", ps -> ps.setString(1, key),
                rs -> rs.next() ? Optional.of(rs.getString(1)) : Optional.empty());
    }

    /**
     * Privacy erasure: deletes the person's sends (queued and past) and the subscriber rows of their
     * email hashes. Suppressions stay: they hold only a hash, and they are the person's own request
     * not to be emailed, which a later subscriber call must still honour. Returns the rows deleted.
     */
    public int forgetPerson(String storeId, String personId, Collection<String> emailHashes) {
        int[] deleted = {0};
        inTransaction(c -> {
            deleted[0] += Statements.update(c, "DELETE FROM email_sends WHERE store_id = ? AND person_id = ?",
                    storeId, personId);
            for (String hash : emailHashes) {
                deleted[0] += Statements.update(c, "DELETE FROM email_subscribers WHERE store_id = ? "
                        + "AND email_hash = ?", storeId, hash);
            }
        });
        return deleted[0];
    }

    /** How many rows of the person the email tables hold (erasure tests). */
    public int rowsOf(String storeId, String personId, Collection<String> emailHashes) {
        int n = query("SELECT COUNT(*) FROM email_sends WHERE store_id = ? AND person_id = ?", ps -> {
            ps.setString(1, storeId);
            ps.setString(2, personId);
        }, rs -> rs.next() ? rs.getInt(1) : 0);
        for (String hash : emailHashes) {
            n += query("SELECT COUNT(*) FROM email_subscribers WHERE store_id = ? AND email_hash = ?", ps -> {
                ps.setString(1, storeId);
                ps.setString(2, hash);
            }, rs -> rs.next() ? rs.getInt(1) : 0);
        }
        return n;
    }

    // ---- subscribers and suppressions ----------------------------------------------------------

    /** An address with its hash. */
    public record Address(String emailHash, String email) {
    }

    public void putSubscriber(String storeId, String emailHash, String email, Instant now) {
        inTransaction(c -> {
            Statements.update(c, "DELETE FROM email_subscribers WHERE store_id = ? AND email_hash = ?",
                    storeId, emailHash);
            Statements.update(c, "INSERT INTO email_subscribers (store_id, email_hash, email, "
                    + "consented_at) VALUES (?, ?, ?, ?)",
                    storeId, emailHash, email, at(now));
        });
    }

    public boolean deleteSubscriber(String storeId, String emailHash) {
        return update("DELETE FROM email_subscribers WHERE store_id = ? AND email_hash = ?", ps -> {
            ps.setString(1, storeId);
            ps.setString(2, emailHash);
        }) > 0;
    }

    /** The first of {@code emailHashes} with an address given with consent and not suppressed. */
    public Optional<Address> address(String storeId, Collection<String> emailHashes) {
        for (String hash : emailHashes.stream().sorted().toList()) {
            Optional<Address> a = query("SELECT s.email FROM email_subscribers s WHERE s.store_id = ? AND s.email_hash = ? "
                    + "AND NOT EXISTS (SELECT 1 FROM email_suppressions x WHERE x.store_id = s.store_id "
                    + "AND x.email_hash = s.email_hash)", ps -> {
                ps.setString(1, storeId);
                ps.setString(2, hash);
            }, rs -> rs.next() ? Optional.of(new Address(hash, rs.getString(1))) : Optional.empty());
            if (a.isPresent()) {
                return a;
            }
        }
        return Optional.empty();
    }

    public boolean suppressed(String storeId, String emailHash) {
        return query("SELECT 1 FROM email_suppressions WHERE store_id = ? AND email_hash = ?", ps -> {
            ps.setString(1, storeId);
            ps.setString(2, emailHash);
        }, ResultSet::next);
    }

    /** Adds the address to the suppression list and forgets the raw address. Idempotent. */
    public void suppress(String storeId, String emailHash, String reason, Instant now) {
        inTransaction(c -> {
            Statements.update(c, "INSERT INTO email_suppressions (store_id, email_hash, reason, "
                    + "suppressed_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM email_suppressions "
                    + "WHERE store_id = ? AND email_hash = ?)",
                    storeId, emailHash, reason, at(now), storeId, emailHash);
            Statements.update(c, "DELETE FROM email_subscribers WHERE store_id = ? AND email_hash = ?",
                    storeId, emailHash);
        });
    }

    /** Store ids with an active campaign: the flows to follow are among theirs. */
    public List<String> storesWithActiveCampaigns() {
        return query("SELECT DISTINCT store_id FROM campaigns WHERE status = 'active' ORDER BY store_id", ps -> {
        }, rs -> {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        });
    }

    /** The key unsubscribe tokens are signed with: made by the first caller, the same for every node after. */
    public byte[] tokenKey() {
        Optional<String> existing = secret();
        if (existing.isEmpty()) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            update("INSERT INTO email_keys (name, secret) SELECT 'unsubscribe', ? WHERE NOT EXISTS "
                    + "(SELECT 1 FROM email_keys WHERE name = 'unsubscribe')",
                    ps -> ps.setString(1, Base64.getEncoder().encodeToString(fresh)));
            existing = secret();
        }
        return Base64.getDecoder().decode(existing.orElseThrow());
    }

    private Optional<String> secret() {
        return query("SELECT secret FROM email_keys WHERE name = 'unsubscribe'", ps -> {
        }, rs -> rs.next() ? Optional.of(rs.getString(1)) : Optional.empty());
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private static OffsetDateTime at(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private <T> T query(String sql, Statements.Binder binder, Statements.Reader<T> reader) {
        return Statements.query(dataSource, "email queue", sql, binder, reader);
    }

    private int update(String sql, Statements.Binder binder) {
        return Statements.update(dataSource, "email queue", sql, binder);
    }

    private void inTransaction(Transactions.Work work) {
        Transactions.run(dataSource, () -> "email queue", work);
    }
}
