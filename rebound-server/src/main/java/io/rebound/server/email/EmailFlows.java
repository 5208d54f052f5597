package io.rebound.server.email;

import io.rebound.core.campaign.Holdout;
import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipStore.LoggedChange;
import io.rebound.server.audience.Audiences;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.commerce.JdbcCatalog;
import jakarta.mail.MessagingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The email flow worker. Each {@link #runOnce()} follows every email campaign's segment change log
 * from its cursor (JOINED queues one send per touch, due at joined-at + the touch's delay; LEFT exits
 * the queued ones; touches with an offer are not emailed yet: their codes come from the decision
 * API only), then sends what is due: claim the row, re-check (still a member, not held out, an
 * address given with consent and not suppressed, the smart-sending gap), send over SMTP, mark sent.
 */
public final class EmailFlows {
    private static final Logger LOG = LoggerFactory.getLogger(EmailFlows.class);
    /** A claim older than this belongs to a worker that died: the row is queued again. */
    public static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(5);
    static final Duration RETRY_AFTER = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 5;
    private static final int BATCH = 500;

    private final JdbcEmailQueue queue;
    private final JdbcCampaigns campaigns;
    private final JdbcCatalog catalog;
    private final Audiences audiences;
    private final MailTransport sender;
    private final UnsubscribeTokens tokens;
    private final EmailSettings settings;
    private final Clock clock;

    public EmailFlows(JdbcEmailQueue queue, JdbcCampaigns campaigns, JdbcCatalog catalog, Audiences audiences,
                      MailTransport sender, UnsubscribeTokens tokens, EmailSettings settings, Clock clock) {
        this.queue = queue;
        this.campaigns = campaigns;
        this.catalog = catalog;
        this.audiences = audiences;
        this.sender = sender;
        this.tokens = tokens;
        this.settings = settings;
        this.clock = clock;
    }

    /** One pass: follow the change logs, then send what is due. Returns the emails sent. */
    public int runOnce() {
        for (String store : queue.storesWithActiveCampaigns()) {
            for (CampaignRecord c : campaigns.list(store)) {
                if (c.status() == CampaignRecord.Status.ACTIVE && c.definition().channels().email()) {
                    follow(c);
                }
            }
        }
        return sendDue(clock.instant());
    }

    private void follow(CampaignRecord c) {
        String segment = c.definition().segmentId();
        Optional<JdbcEmailQueue.Cursor> stored = queue.cursor(c.id());
        boolean following = stored.isPresent() && stored.get().segmentId().equals(segment);
        // A flow starts with the people who join after it was created (or moved to this segment), not
        // with the segment's history.
        Instant from = following ? Instant.MIN : stored.isPresent() ? c.updatedAt() : c.createdAt();
        long after = following ? stored.get().after() : 0L;
        List<Touch> touches = c.definition().touches();
        while (true) {
            List<LoggedChange> changes = audiences.reader().changes(c.storeId(), segment, after, BATCH);
            if (changes.isEmpty() && following) {
                return;
            }
            List<JdbcEmailQueue.Joined> joined = new ArrayList<>();
            Set<String> left = new LinkedHashSet<>();
            for (LoggedChange lc : changes) {
                MembershipChange ch = lc.change();
                after = lc.sequence();
                if (ch.kind() == MembershipChange.Kind.LEFT) {
                    left.add(ch.personId());
                    joined.removeIf(j -> j.personId().equals(ch.personId()));
                } else if (!ch.at().isBefore(from)
                        && !Holdout.isHeldOut(c.id(), ch.personId(), c.definition().holdoutBasisPoints())) {
                    left.remove(ch.personId());
                    joined.add(new JdbcEmailQueue.Joined(ch.personId(),
                            touches.stream().map(t -> t.isReminder() ? ch.at().plus(t.afterJoining()) : null).toList()));
                }
            }
            queue.follow(c.id(), c.storeId(), joined, left, new JdbcEmailQueue.Cursor(segment, after));
            following = true;
            if (changes.size() < BATCH) {
                return;
            }
        }
    }

    private int sendDue(Instant now) {
        int requeued = queue.requeueStale(now.minus(CLAIM_TIMEOUT));
        if (requeued > 0) {
            LOG.warn("{} email sends claimed by a worker that stopped were queued again", requeued);
        }
        int sent = 0;
        for (JdbcEmailQueue.Send s : queue.due(now, BATCH)) {
            if (queue.claim(s.key(), now) && send(s, now)) {
                sent++;
            }
        }
        return sent;
    }

    /** Sends one claimed row, or finishes or defers it; true when an email went out. */
    private boolean send(JdbcEmailQueue.Send s, Instant now) {
        Optional<CampaignRecord> campaign = campaigns.get(s.storeId(), s.campaignId());
        if (campaign.isEmpty() || s.step() >= campaign.get().definition().touches().size()) {
            queue.finish(s.key(), "exited", now);
            return false;
        }
        CampaignRecord c = campaign.get();
        if (c.status() != CampaignRecord.Status.ACTIVE || !c.definition().channels().email()) {
            queue.defer(s.key(), now.plus(Duration.ofHours(1)));
            return false;
        }
        // The exit is checked here, right before the send, not only when the LEFT reaches the queue.
        if (!audiences.reader().isMember(s.storeId(), c.definition().segmentId(), s.personId())) {
            queue.finish(s.key(), "exited", now);
            return false;
        }
        Set<String> hashes = audiences.reader().ids(s.storeId(), s.personId()).emailHashes();
        Optional<JdbcEmailQueue.Address> address = queue.address(s.storeId(), hashes);
        if (address.isEmpty()) {
            boolean suppressed = hashes.stream().anyMatch(h -> queue.suppressed(s.storeId(), h));
            queue.finish(s.key(), suppressed ? "suppressed" : "no_address", now);
            return false;
        }
        Optional<Instant> last = queue.lastSent(s.storeId(), s.personId());
        if (last.isPresent() && last.get().plus(settings.gap()).isAfter(now)) {
            queue.defer(s.key(), last.get().plus(settings.gap()));
            return false;
        }
        Touch touch = c.definition().touches().get(s.step());
        List<CatalogProduct> products = touch.creative().productIds().stream()
                .flatMap(id -> catalog.get(s.storeId(), id).stream()).map(JdbcCatalog.Entry::product).toList();
        String token = tokens.sign(s.storeId(), address.get().emailHash());
        String url = settings.publicUrl().toString().replaceAll("/+$", "") + "/email/unsubscribe?t="
                + URLEncoder.encode(token, StandardCharsets.UTF_8);
        EmailContent.Rendered r = EmailContent.render(c.definition().name(), touch, products, url);
        String mailto = "mailto:" + settings.from() + "?subject=unsubscribe%20" + token;
        try {
            sender.send(new OutgoingEmail(address.get().email(), r.subject(), r.text(), r.html(), url, mailto,
                    messageId(s.key())));
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("email {} not sent (attempt {}): {}", s.key(), s.attempts() + 1, e.getMessage());
            if (s.attempts() + 1 >= MAX_ATTEMPTS) {
                queue.finish(s.key(), "failed", now);
            } else {
                queue.defer(s.key(), now.plus(RETRY_AFTER));
            }
            return false;
        }
        queue.finish(s.key(), "sent", now);
        return true;
    }

    /** The same Message-ID for every attempt of a send, so that a resend after a crash is recognisable. */
    static String messageId(String key) {
        return "<" + java.util.HexFormat.of().formatHex(sha256(key)).substring(0, 40) + "@rebound.email>";
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
