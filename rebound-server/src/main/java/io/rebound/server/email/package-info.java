/**
 * Email flows (docs/campaigns.md, "Email"): the consented subscriber list and the suppression list,
 * the durable send queue ({@link io.rebound.server.email.JdbcEmailQueue}), the worker that follows a
 * campaign's segment change log and sends its touches ({@link io.rebound.server.email.EmailFlows}) over
 * SMTP ({@link io.rebound.server.email.SmtpSender}), and the unsubscribe endpoints
 * ({@link io.rebound.server.email.EmailApi}).
 */
package io.rebound.server.email;
