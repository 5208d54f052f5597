package io.rebound.server.email;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignProducts;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Decision;
import io.rebound.core.campaign.Flow;
import io.rebound.core.campaign.Holdout;
import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.campaign.OfferSequencer;
import io.rebound.core.campaign.ProductPrice;
import io.rebound.core.campaign.Situation;
import io.rebound.core.campaign.Touch;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonState;
import io.rebound.core.recommendation.ProductSet;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.campaign.CampaignRecord;
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.DecisionApi;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.commerce.JdbcCatalog;
import jakarta.mail.MessagingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The email flow worker: one engine for every {@link Flow} (abandoned cart, browse abandonment,
 * post-purchase cross-sell, win-back), the flow being data on the campaign. Each {@link #runOnce()}
 * follows every email campaign's segment change log from its cursor (JOINED queues one send per
 * touch, due at joined-at + the touch's delay; LEFT exits the queued ones, or withdraws them when the
 * person left before the first touch came due: they never entered the flow — {@link JdbcEmailQueue#follow}),
 * then sends what is due:
 * claim the row, re-check (still a member, an address given with consent and not suppressed, the
 * smart-sending gap across all flows of the store), decide the touch with the same rule as the
 * decision API ({@link OfferSequencer#decideTouch}: holdout, a purchase since joining, the daily cap
 * shared with on-site placements, and for an offer touch the code from {@link JdbcOffers} with the
 * margin guard, serial abandoners and expiry), send over SMTP, mark sent and count the touch. Every
 * email that shows products carries a signed cart link ({@link CartLinks}) with the touch's code.
 */
public final class EmailFlows {
    private static final Logger LOG = LoggerFactory.getLogger(EmailFlows.class);
    /** A claim older than this belongs to a worker that died: the row is queued again. */
    public static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(5);
    static final Duration RETRY_AFTER = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 5;
    private static final int BATCH = 500;
    /**
     * Cluster nodes read a person's memberships and ids from rows materialised from other records than
     * the change that queued the send, and these can reach PostgreSQL a moment later: a send that finds
     * its membership or its address missing there is looked at again every {@link #SETTLE_RETRY} for
     * this long before it ends {@code exited} or {@code no_address}. The embedded runtime reads both
     * from the person's state at once and never waits.
     */
    static final Duration SETTLE = Duration.ofSeconds(30);
    static final Duration SETTLE_RETRY = Duration.ofSeconds(2);

    private final JdbcEmailQueue queue;
    private final JdbcCampaigns campaigns;
    private final JdbcOffers offers;
    private final JdbcCatalog catalog;
    private final Audiences audiences;
    private final ComplementaryProducts complements;
    private final MailTransport sender;
    private final UnsubscribeTokens tokens;
    private final EmailSettings settings;
    private final Clock clock;
    private final CartLinks cartLinks;
    /** When each send first found its membership or address missing where no person state is read. */
    private final java.util.Map<String, Instant> unsettled = new java.util.concurrent.ConcurrentHashMap<>();

    /** Flows whose emails carry no cart link. */
    public EmailFlows(JdbcEmailQueue queue, JdbcCampaigns campaigns, JdbcOffers offers, JdbcCatalog catalog,
                      Audiences audiences, ComplementaryProducts complements, MailTransport sender,
                      UnsubscribeTokens tokens, EmailSettings settings, Clock clock) {
        this(queue, campaigns, offers, catalog, audiences, complements, sender, tokens, settings, clock, null);
    }

    /**
     * As above; each email that shows products carries the cart link {@code cartLinks} makes (null:
     * none): the person's cart in an abandoned-cart email, the email's products in the other flows.
     */
    public EmailFlows(JdbcEmailQueue queue, JdbcCampaigns campaigns, JdbcOffers offers, JdbcCatalog catalog,
                      Audiences audiences, ComplementaryProducts complements, MailTransport sender,
                      UnsubscribeTokens tokens, EmailSettings settings, Clock clock, CartLinks cartLinks) {
        this.cartLinks = cartLinks;
        this.queue = queue;
        this.campaigns = campaigns;
        this.offers = offers;
        this.catalog = catalog;
        this.audiences = audiences;
        this.complements = complements;
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
        Duration firstTouch = touches.stream().map(Touch::afterJoining).min(Duration::compareTo).orElse(Duration.ZERO);
        while (true) {
            List<LoggedChange> changes = audiences.reader().changes(c.storeId(), segment, after, BATCH);
            if (changes.isEmpty() && following) {
                return;
            }
            // In log order, every change (the queue's entry rule judges a join and its leave the same
            // whether they come in one read or two).
            List<JdbcEmailQueue.Change> out = new ArrayList<>(changes.size());
            for (LoggedChange lc : changes) {
                MembershipChange ch = lc.change();
                after = lc.sequence();
                if (ch.kind() == MembershipChange.Kind.LEFT) {
                    out.add(new JdbcEmailQueue.Left(ch.personId(), ch.at(), boughtSince(c.storeId(), ch)));
                } else if (!ch.at().isBefore(from)
                        && !Holdout.isHeldOut(c.id(), ch.personId(), c.definition().holdoutBasisPoints())) {
                    out.add(new JdbcEmailQueue.Joined(ch.personId(), ch.at(),
                            touches.stream().map(t -> ch.at().plus(t.afterJoining())).toList()));
                }
            }
            queue.follow(c.id(), c.storeId(), out, firstTouch, new JdbcEmailQueue.Cursor(segment, after));
            following = true;
            if (changes.size() < BATCH) {
                return;
            }
        }
    }

    /** Whether the person left by buying: their last purchase is at or after the LEFT. */
    private boolean boughtSince(String storeId, MembershipChange left) {
        Instant bought = audiences.reader().lastPurchase(storeId, left.personId()).orElse(null);
        return bought != null && !bought.isBefore(left.at());
    }

    private int sendDue(Instant now) {
        int requeued = queue.requeueStale(now.minus(CLAIM_TIMEOUT));
        if (requeued > 0) {
            LOG.warn("{} email sends claimed by a worker that stopped were queued again", requeued);
        }
        unsettled.values().removeIf(t -> t.isBefore(now.minus(SETTLE.multipliedBy(2))));
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
        CampaignDefinition def = c.definition();
        if (c.status() != CampaignRecord.Status.ACTIVE || !def.channels().email()) {
            queue.defer(s.key(), now.plus(Duration.ofHours(1)));
            return false;
        }
        // The exit is checked here, right before the send, not only when the LEFT reaches the queue.
        Optional<PersonState> state = audiences.reader().person(s.storeId(), s.personId());
        Instant joined = state.map(PersonState::memberships)
                .orElseGet(() -> audiences.reader().memberships(s.storeId(), s.personId())).get(def.segmentId());
        if (joined == null) {
            if (settling(state, s, now)) {
                return false;
            }
            queue.finish(s.key(), "exited", "left", now);
            return false;
        }
        Set<String> hashes = audiences.reader().ids(s.storeId(), s.personId()).emailHashes();
        Optional<JdbcEmailQueue.Address> address = queue.address(s.storeId(), hashes);
        if (address.isEmpty()) {
            boolean suppressed = hashes.stream().anyMatch(h -> queue.suppressed(s.storeId(), h));
            if (!suppressed && settling(state, s, now)) {
                return false;
            }
            queue.finish(s.key(), suppressed ? "suppressed" : "no_address", now);
            return false;
        }
        Optional<Instant> last = queue.lastSent(s.storeId(), s.personId());
        if (last.isPresent() && last.get().plus(settings.gap()).isAfter(now)) {
            queue.defer(s.key(), last.get().plus(settings.gap()));
            return false;
        }
        Touch touch = def.touches().get(s.step());
        List<CatalogProduct> products = products(c, touch, s.personId());
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        // The same rule, offers and daily counter as the decision API: one cap across email and on-site.
        List<IssuedOffer> issued = offers.offersOf(s.storeId(), s.personId());
        Situation situation = new Situation(c.id(), def, s.personId(), joined,
                state.isPresent() ? DecisionApi.lastPurchase(state.get())
                        : audiences.reader().lastPurchase(s.storeId(), s.personId()).orElse(null),
                issued, prices(products),
                offers.shown(c.id(), s.personId(), day));
        Decision d = OfferSequencer.decideTouch(situation, s.step(), now);
        if (!d.kind().shows()) {
            offers.recordDecision(c.id(), -1, d.reason());
            switch (d.reason()) {
                case "capped" -> queue.defer(s.key(), day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
                case "not_due" -> queue.defer(s.key(), d.nextAt());
                default -> queue.finish(s.key(), "exited", d.reason(), now); // converted, holdout, not in the segment
            }
            return false;
        }
        if (!touch.isReminder() && d.offer() == null) {
            // An offer touch without an offer (serial abandoner, margin guard, expired, another offer
            // held): its email announces a discount, so it is not sent at all.
            offers.recordDecision(c.id(), s.step(), d.reason());
            queue.finish(s.key(), "no_offer", d.reason(), now);
            return false;
        }
        EmailContent.OfferCode code = null;
        if (d.kind() == Decision.Kind.NEW_OFFER || d.kind() == Decision.Kind.SHOW_OFFER) {
            IssuedOffer o = d.kind() == Decision.Kind.NEW_OFFER
                    ? offers.issue(c.id(), s.storeId(), s.personId(), s.step(), d.offer().percent(), now, d.expiresAt())
                    : new IssuedOffer(c.id(), s.step(), d.code(), now, d.expiresAt());
            code = new EmailContent.OfferCode(o.code(), d.offer().percent(), d.offer().minimumOrder(),
                    d.offer().currency(), o.expiresAt());
        }
        String token = tokens.sign(s.storeId(), address.get().emailHash());
        String url = settings.publicUrl().toString().replaceAll("/+$", "") + "/email/unsubscribe?t="
                + URLEncoder.encode(token, StandardCharsets.UTF_8);
        String codeText = code == null ? null : code.code();
        Instant codeExpiry = code == null ? null : code.expiresAt();
        String cartUrl = cartLinks == null ? null : def.flow() == Flow.ABANDONED_CART
                ? cartLinks.link(s.storeId(), s.personId(), state.map(p -> ProductSet.of(p.visitor().events()).carted()
                        .stream().map(ProductSet.Item::productId).toList()).orElse(List.of()),
                        products, codeText, codeExpiry, now).orElse(null)
                : cartLinks.productsLink(s.storeId(), products, codeText, codeExpiry, now).orElse(null);
        EmailContent.Rendered r = EmailContent.render(def.name(), def.flow(), touch, products, code, url, cartUrl);
        String mailto = "mailto:" + settings.from() + "?subject=unsubscribe%20" + token;
        try {
            sender.send(new OutgoingEmail(address.get().email(), r.subject(), r.text(), r.html(), url, mailto,
                    messageId(s.key())));
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("email {} not sent (attempt {}): {}", s.key(), s.attempts() + 1, e.getMessage());
            if (s.attempts() + 1 >= MAX_ATTEMPTS) {
                queue.finish(s.key(), "failed", now);
            } else {
                queue.retry(s.key(), now.plus(RETRY_AFTER));
            }
            return false;
        }
        queue.finish(s.key(), "sent", now);
        offers.recordAnswer(c.id(), s.personId(), day, true, s.step(), d.reason());
        return true;
    }

    /**
     * Whether the send waits for what it found missing to be materialised (see {@link #SETTLE}); if
     * so it is deferred. Never where the runtime gave the person's state.
     */
    private boolean settling(Optional<PersonState> state, JdbcEmailQueue.Send s, Instant now) {
        if (state.isPresent()) {
            return false;
        }
        Instant first = unsettled.computeIfAbsent(s.key(), k -> now);
        if (now.isBefore(first.plus(SETTLE))) {
            queue.defer(s.key(), now.plus(SETTLE_RETRY));
            return true;
        }
        unsettled.remove(s.key());
        return false;
    }

    /**
     * The touch's products from the catalog: the creative's (or the segment's product set) and, in a
     * post-purchase flow, those {@link ComplementaryProducts} chooses to go with the order.
     */
    private List<CatalogProduct> products(CampaignRecord c, Touch touch, String personId) {
        Creative creative = touch.creative();
        SegmentDefinition segment = !creative.segmentProducts() ? null
                : audiences.segment(c.storeId(), c.definition().segmentId()).map(SegmentRecord::definition).orElse(null);
        List<String> ids = CampaignProducts.of(creative, segment);
        if (c.definition().flow().crossSells()) {
            ids = complements.forPerson(c.storeId(), personId, ids);
        }
        List<CatalogProduct> out = new ArrayList<>();
        for (String id : ids) {
            catalog.get(c.storeId(), id).ifPresent(e -> out.add(e.product()));
        }
        return out;
    }

    private static List<ProductPrice> prices(List<CatalogProduct> products) {
        return products.stream().map(p -> new ProductPrice(p.id(), p.currentPrice(), p.cost())).toList();
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
