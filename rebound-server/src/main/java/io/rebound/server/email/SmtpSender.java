package io.rebound.server.email;

import jakarta.mail.Authenticator;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Sends an {@link OutgoingEmail} over SMTP with Jakarta Mail (Angus): multipart/alternative with a
 * plain-text and an HTML part, {@code List-Unsubscribe} (https URL and mailto) and
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}.
 *
 * <p>One connection is kept and reused for consecutive messages: opening one per message costs tens
 * of milliseconds (TCP, greeting, EHLO, QUIT), which held a flow worker under 20 emails/s
 * (docs/PERFORMANCE.md). A connection idle for {@link #IDLE_RECONNECT} is replaced before the next
 * message (servers drop idle clients), and one that failed is closed: the send is retried by the queue.
 */
public final class SmtpSender implements MailTransport, AutoCloseable {
    static final java.time.Duration IDLE_RECONNECT = java.time.Duration.ofSeconds(30);
    private final Session session;
    private final String from;
    private Transport transport;
    private long lastUsedNanos;

    public SmtpSender(EmailSettings settings) {
        Properties p = new Properties();
        p.put("mail.smtp.host", settings.host());
        p.put("mail.smtp.port", String.valueOf(settings.port()));
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "30000");
        p.put("mail.smtp.writetimeout", "30000");
        if (settings.startTls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        Authenticator auth = null;
        if (settings.user() != null) {
            p.put("mail.smtp.auth", "true");
            auth = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(settings.user(), settings.password());
                }
            };
        }
        this.session = Session.getInstance(p, auth);
        this.from = settings.from();
    }

    /** Sends {@code email}; throws {@link MessagingException} when the server did not accept it. */
    @Override
    public synchronized void send(OutgoingEmail email) throws MessagingException {
        MimeMessage m = message(session, from, email);
        try {
            connected().sendMessage(m, m.getAllRecipients());
            lastUsedNanos = System.nanoTime();
        } catch (MessagingException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Transport connected() throws MessagingException {
        if (transport != null && System.nanoTime() - lastUsedNanos > IDLE_RECONNECT.toNanos()) {
            close();
        }
        if (transport == null) {
            Transport t = session.getTransport("smtp");
            t.connect();
            transport = t;
        }
        return transport;
    }

    /** Closes the connection (the next send opens a new one). */
    @Override
    public synchronized void close() {
        if (transport != null) {
            try {
                transport.close();
            } catch (MessagingException e) {
                // the connection is gone either way
            }
            transport = null;
        }
    }

    /**
     * The MIME message for {@code email}, as sent: the capture transport records exactly this, so
     * the demo mailbox shows what SMTP would carry.
     */
    static MimeMessage message(Session session, String from, OutgoingEmail email) throws MessagingException {
        MimeMessage m = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", email.messageId());
            }
        };
        m.setFrom(new InternetAddress(from));
        m.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(email.to()));
        m.setSubject(email.subject(), StandardCharsets.UTF_8.name());
        m.setHeader("List-Unsubscribe", "<" + email.unsubscribeUrl() + ">, <" + email.unsubscribeMailto() + ">");
        m.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        MimeBodyPart text = new MimeBodyPart();
        text.setText(email.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(email.html(), StandardCharsets.UTF_8.name(), "html");
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        m.setContent(alternative);
        m.saveChanges();
        return m;
    }
}
