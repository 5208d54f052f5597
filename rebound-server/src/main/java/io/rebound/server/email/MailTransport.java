package io.rebound.server.email;

import jakarta.mail.MessagingException;

/**
 * Where a flow's rendered email goes: SMTP ({@link SmtpSender}) or, in demo and dry-run mode, the
 * local mailbox ({@link CapturedMailbox}), which records the message SMTP would have carried.
 */
public interface MailTransport {

    /** Delivers {@code email}; throws {@link MessagingException} when it was not accepted. */
    void send(OutgoingEmail email) throws MessagingException;
}
