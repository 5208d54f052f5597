package io.rebound.server.email;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * How email is sent: the SMTP server (any: a relay, a provider's SMTP endpoint, GreenMail in tests),
 * the sender address, the smart-sending gap and the public URL unsubscribe links point at. Email flows
 * run only when an SMTP host is configured.
 *
 * @param host       SMTP host (null: email is off)
 * @param port       SMTP port
 * @param user       SMTP user (null: no authentication)
 * @param password   SMTP password
 * @param startTls   require STARTTLS before sending
 * @param from       the From address
 * @param gap        at most one email per person per this long, across every flow of the store
 * @param publicUrl  where unsubscribe links point (https in production)
 * @param pollEvery  how often the flow worker looks for changes and due sends
 */
public record EmailSettings(String host, int port, String user, String password, boolean startTls, String from,
                            Duration gap, URI publicUrl, Duration pollEvery) {

    public static final Duration DEFAULT_GAP = Duration.ofHours(16);
    /**
     * How often the worker follows the change logs: a pass with nothing new is one indexed read per
     * email flow, and a purchase's LEFT exits the queued sends within about this long (the send-time
     * re-check stops them at once regardless).
     */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    public boolean enabled() {
        return host != null && !host.isBlank();
    }

    /**
     * From the environment: {@code REBOUND_SMTP_HOST}, {@code _PORT} (587), {@code _USER},
     * {@code _PASSWORD}, {@code _STARTTLS} (true), {@code REBOUND_EMAIL_FROM},
     * {@code REBOUND_EMAIL_GAP_HOURS} (16); {@code publicUrl} is the server's public URL.
     */
    public static EmailSettings fromEnv(Map<String, String> env, URI publicUrl) {
        String gapHours = env.getOrDefault("REBOUND_EMAIL_GAP_HOURS", "16");
        return new EmailSettings(env.get("REBOUND_SMTP_HOST"),
                Integer.parseInt(env.getOrDefault("REBOUND_SMTP_PORT", "587")), env.get("REBOUND_SMTP_USER"),
                env.get("REBOUND_SMTP_PASSWORD"),
                Boolean.parseBoolean(env.getOrDefault("REBOUND_SMTP_STARTTLS", "true")),
                env.getOrDefault("REBOUND_EMAIL_FROM", "shop@localhost"), Duration.ofHours(Long.parseLong(gapHours)),
                publicUrl, DEFAULT_POLL);
    }
}
