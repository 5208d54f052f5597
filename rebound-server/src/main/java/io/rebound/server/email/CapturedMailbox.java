package io.rebound.server.email;

import io.rebound.server.meta.Statements;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The dry-run transport and the local mailbox the dashboard shows: instead of handing a flow's email
 * to SMTP it builds the very MIME message {@link SmtpSender} would send (the same builder) and keeps
 * it, with its parts, in {@code email_mailbox} (migration V18), keyed by the Message-ID. The demo runs
 * email this way, so no SMTP server is needed to see what the flows send.
 *
 * <p>It also reads a campaign's sends for the dashboard: every row of the send queue with its state
 * and, where the capture holds it, the message itself.
 */
public final class CapturedMailbox implements MailTransport {
    /** The most sends a campaign page lists. */
    public static final int MAX_LISTED = 100;

    private final DataSource dataSource;
    private final String from;
    private final Clock clock;
    private final Session session = Session.getInstance(new Properties());

    public CapturedMailbox(DataSource dataSource, String from, Clock clock) {
        this.dataSource = dataSource;
        this.from = from;
        this.clock = clock;
    }

    /** A captured message: both parts and the whole message as SMTP would carry it. */
    public record Captured(String messageId, String to, String subject, String text, String html, String raw,
                           Instant capturedAt) {
    }

    /**
     * One row of the send queue for the campaign page.
     *
     * @param captured the message, where the capture transport recorded it (empty in live mode)
     */
    public record Send(String personId, int step, String state, Instant dueAt, Instant sentAt,
                       Optional<Captured> captured) {
    }

    @Override
    public void send(OutgoingEmail email) throws MessagingException {
        MimeMessage m = SmtpSender.message(session, from, email);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try {
            m.writeTo(raw);
        } catch (IOException e) {
            throw new MessagingException("cannot write the message", e);
        }
        // A resend after a crash has the same Message-ID: the mailbox keeps the first, like a mail
        // client that de-duplicates by id.
        update("INSERT INTO email_mailbox (message_id, recipient, subject, text_body, html_body, raw, captured_at) "
                + "SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM email_mailbox WHERE message_id = ?)", ps -> {
            ps.setString(1, email.messageId());
            ps.setString(2, email.to());
            ps.setString(3, email.subject());
            ps.setString(4, email.text());
            ps.setString(5, email.html());
            ps.setString(6, raw.toString(StandardCharsets.UTF_8));
            ps.setObject(7, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            ps.setString(8, email.messageId());
        });
    }

    /** The message with this Message-ID, if the capture holds it. */
    public Optional<Captured> captured(String messageId) {
        return query("SELECT message_id, recipient, subject, text_body, html_body, raw, captured_at FROM email_mailbox "
                + "WHERE message_id = ?", ps -> ps.setString(1, messageId), rs -> rs.next()
                ? Optional.of(captured(rs)) : Optional.empty());
    }

    /** The campaign's sends of the store, newest first (at most {@link #MAX_LISTED}), with their captured messages. */
    public List<Send> sends(String storeId, String campaignId) {
        List<String[]> rows = query("SELECT idempotency_key, person_id, step, state, due_at, sent_at FROM email_sends "
                        + "WHERE store_id = ? AND campaign_id = ? ORDER BY COALESCE(sent_at, due_at) DESC, idempotency_key "
                        + "LIMIT " + MAX_LISTED, ps -> {
                    ps.setString(1, storeId);
                    ps.setString(2, campaignId);
                }, rs -> {
                    List<String[]> out = new ArrayList<>();
                    while (rs.next()) {
                        OffsetDateTime sent = rs.getObject(6, OffsetDateTime.class);
                        out.add(new String[]{rs.getString(1), rs.getString(2), String.valueOf(rs.getInt(3)),
                                rs.getString(4), rs.getObject(5, OffsetDateTime.class).toInstant().toString(),
                                sent == null ? null : sent.toInstant().toString()});
                    }
                    return out;
                });
        List<Send> out = new ArrayList<>(rows.size());
        for (String[] r : rows) {
            Optional<Captured> c = "sent".equals(r[3]) ? captured(EmailFlows.messageId(r[0])) : Optional.empty();
            out.add(new Send(r[1], Integer.parseInt(r[2]), r[3], Instant.parse(r[4]),
                    r[5] == null ? null : Instant.parse(r[5]), c));
        }
        return out;
    }

    /** Sends of the campaign per step and state (queued, sending, sent, exited, suppressed, no_address, failed). */
    public Map<Integer, Map<String, Long>> counts(String campaignId) {
        return query("SELECT step, state, COUNT(*) FROM email_sends WHERE campaign_id = ? GROUP BY step, state "
                + "ORDER BY step, state", ps -> ps.setString(1, campaignId), rs -> {
            Map<Integer, Map<String, Long>> out = new LinkedHashMap<>();
            while (rs.next()) {
                out.computeIfAbsent(rs.getInt(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getLong(3));
            }
            return out;
        });
    }

    private static Captured captured(ResultSet rs) throws SQLException {
        return new Captured(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant());
    }

    private <T> T query(String sql, Statements.Binder binder, Statements.Reader<T> reader) {
        return Statements.query(dataSource, "mailbox", sql, binder, reader);
    }

    private void update(String sql, Statements.Binder binder) {
        Statements.update(dataSource, "mailbox", sql, binder);
    }
}
