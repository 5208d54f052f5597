package io.rebound.server.email;

/**
 * One email ready for SMTP: both bodies, the one-click unsubscribe targets (RFC 8058) and a
 * Message-ID made from the send's idempotency key, so a resend after a crash carries the same id.
 */
public record OutgoingEmail(String to, String subject, String text, String html, String unsubscribeUrl,
                            String unsubscribeMailto, String messageId) {
}
