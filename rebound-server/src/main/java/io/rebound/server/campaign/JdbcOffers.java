package io.rebound.server.campaign;

import io.rebound.core.campaign.IssuedOffer;
import io.rebound.server.meta.MemoryOnly;
import io.rebound.server.meta.OwnedRowsCache;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What campaigns leave behind per person, in the metadata database: offer codes (one per campaign,
 * person and touch, ever), the touches shown per UTC day (the caps) and the decisions made per touch
 * and reason (the stats, added up in memory first: {@link DecisionCounts}). Counters are an UPDATE
 * and, when no row was there, an INSERT: portable.
 */
public final class JdbcOffers {
    /** The most offers read for one person: enough for 10 campaigns × 10 touches, twice over. */
    static final int MAX_OFFERS_PER_PERSON = 200;
    private static final String UNIQUE_VIOLATION = "23505";
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private final DataSource dataSource;
    private final DecisionCounts decisions;
    private final ExposureCounts exposures;
    /** Each person's offers, where this process is the database's only writer (else null). */
    private final OwnedRowsCache<PersonKey, List<IssuedOffer>> byPerson;

    private record PersonKey(String storeId, String personId) {
    }

    public JdbcOffers(DataSource dataSource) {
        this.dataSource = dataSource;
        this.decisions = DecisionCounts.of(dataSource);
        this.exposures = ExposureCounts.of(dataSource);
        this.byPerson = offersByPerson(dataSource);
    }

    /** The cache of each person's offers over {@code dataSource}: {@link JdbcCampaigns#delete} clears it too. */
    static OwnedRowsCache<PersonKey, List<IssuedOffer>> offersByPerson(DataSource dataSource) {
        return OwnedRowsCache.of(dataSource, "offers by person", 200_000);
    }

    /** The per-touch counts of one campaign; touch -1 holds the decisions that showed nothing. */
    public record Stats(Map<Integer, Map<String, Long>> decisions, Map<Integer, Long> offersIssued) {
    }

    /** The person's offers in every campaign of the store, oldest first. */
    public List<IssuedOffer> offersOf(String storeId, String personId) {
        if (byPerson == null) {
            MemoryOnly.check();
            return load(new PersonKey(storeId, personId));
        }
        return byPerson.get(new PersonKey(storeId, personId), this::load);
    }

    private List<IssuedOffer> load(PersonKey person) {
        String storeId = person.storeId();
        String personId = person.personId();
        String sql = "SELECT campaign_id, touch, code, issued_at, expires_at FROM campaign_offers "
                + "WHERE store_id = ? AND person_id = ? ORDER BY issued_at LIMIT " + MAX_OFFERS_PER_PERSON;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            ps.setString(2, personId);
            List<IssuedOffer> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new IssuedOffer(rs.getString(1), rs.getInt(2), rs.getString(3),
                            rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
            return List.copyOf(out);
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read offers", e);
        }
    }

    /**
     * Issues a fresh code for (campaign, person, touch), or returns the one issued before: two
     * concurrent decisions for the same person end with one code, which both show.
     */
    public IssuedOffer issue(String campaignId, String storeId, String personId, int touch, int percent,
                             Instant issuedAt, Instant expiresAt) {
        MemoryOnly.check();
        String code = newCode();
        String sql = "INSERT INTO campaign_offers (campaign_id, person_id, touch, store_id, code, percent_off, issued_at, "
                + "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection()) {
            Statements.update(c, sql, campaignId, personId, touch, storeId, code, percent,
                    OffsetDateTime.ofInstant(issuedAt, ZoneOffset.UTC),
                    OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC));
            offersChanged(storeId, personId);
            return new IssuedOffer(campaignId, touch, code, issuedAt, expiresAt);
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                // From the database, not the cache: the winner's insert may not have cleared it yet.
                Optional<IssuedOffer> existing = load(new PersonKey(storeId, personId)).stream()
                        .filter(o -> o.campaignId().equals(campaignId) && o.touch() == touch).findFirst();
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            throw JdbcCampaigns.failure("issue an offer", e);
        }
    }

    /**
     * A code as the redemption API sees it.
     *
     * @param redeemedAt when it was redeemed, or null
     * @param orderId    the order that redeemed it, or null
     */
    public record Stored(String campaignId, int touch, String code, int percent, Instant issuedAt, Instant expiresAt,
                         Instant redeemedAt, String orderId) {
    }

    /** The store's code {@code code} (codes of other stores are not found). */
    public Optional<Stored> find(String storeId, String code) {
        String sql = "SELECT campaign_id, touch, code, percent_off, issued_at, expires_at, redeemed_at, redeemed_order "
                + "FROM campaign_offers WHERE code = ? AND store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, code);
            ps.setString(2, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime redeemed = rs.getObject(7, OffsetDateTime.class);
                return Optional.of(new Stored(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getInt(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant(),
                        redeemed == null ? null : redeemed.toInstant(), rs.getString(8)));
            }
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read a code", e);
        }
    }

    /**
     * Redeems the store's code for {@code orderId} at {@code now}: true when this call did, false when
     * it was already redeemed, expired or is not the store's. One statement, so two concurrent
     * redemptions of a single-use code cannot both succeed.
     */
    public boolean redeem(String storeId, String code, String orderId, Instant now) {
        String sql = "UPDATE campaign_offers SET redeemed_at = ?, redeemed_order = ? WHERE code = ? AND store_id = ? "
                + "AND redeemed_at IS NULL AND expires_at > ? AND issued_at <= ?";
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        try (Connection c = dataSource.getConnection()) {
            return Statements.update(c, sql, at, orderId, code, storeId, at, at) == 1;
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("redeem a code", e);
        }
    }

    /**
     * Privacy erasure: deletes the person's codes and daily counts in every campaign of the store.
     * (The decision counts hold no person.) Returns the rows deleted.
     */
    public int forgetPerson(String storeId, String personId) {
        int[] deleted = new int[1];
        exposures.forgetPerson(personId, () -> {
            try (Connection c = dataSource.getConnection()) {
                deleted[0] = Statements.update(c, "DELETE FROM campaign_offers WHERE store_id = ? AND person_id = ?",
                        storeId, personId)
                        + Statements.update(c, "DELETE FROM campaign_exposures WHERE person_id = ? AND campaign_id IN "
                        + "(SELECT id FROM campaigns WHERE store_id = ?)", personId, storeId);
            } catch (SQLException e) {
                throw JdbcCampaigns.failure("erase a person's offers", e);
            } finally {
                offersChanged(storeId, personId);
            }
        });
        return deleted[0];
    }

    private void offersChanged(String storeId, String personId) {
        if (byPerson != null) {
            byPerson.changed(new PersonKey(storeId, personId));
        }
    }

    /** Touches of the campaign shown to the person on {@code day}, on every channel (the daily cap). */
    public int shown(String campaignId, String personId, LocalDate day) {
        return exposures.shown(campaignId, personId, day);
    }

    /** Counts a touch shown to the person on {@code day}: read at once on this node, written within a second. */
    public void recordShown(String campaignId, String personId, LocalDate day) {
        exposures.add(campaignId, personId, day);
    }

    /**
     * Counts one answer: a touch shown to the person on {@code day} when {@code shown} ({@link ExposureCounts}:
     * read at once on this node, written within a second), and the decision for {@code touch} with {@code reason} ({@link DecisionCounts}:
     * written within a second, read exactly on this node).
     */
    public void recordAnswer(String campaignId, String personId, LocalDate day, boolean shown, int touch, String reason) {
        if (shown) {
            recordShown(campaignId, personId, day);
        }
        decisions.add(campaignId, touch, reason);
    }

    /** Counts a decision of the campaign for {@code touch} (-1: nothing shown) with {@code reason}. */
    public void recordDecision(String campaignId, int touch, String reason) {
        decisions.add(campaignId, touch, reason);
    }

    /**
     * A code issued by a campaign, for the dashboard.
     *
     * @param storeState its creation in the shop: null (not tried, or no code store), created, dry_run or failed
     */
    public record Code(String personId, int touch, String code, int percent, Instant issuedAt, Instant expiresAt,
                       String storeState) {
    }

    /** The campaign's codes, newest first, at most {@code limit}. */
    public List<Code> codes(String campaignId, int limit) {
        String sql = "SELECT person_id, touch, code, percent_off, issued_at, expires_at, store_state FROM campaign_offers "
                + "WHERE campaign_id = ? ORDER BY issued_at DESC, code LIMIT " + Math.max(0, limit);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, campaignId);
            List<Code> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Code(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getInt(4),
                            rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant(),
                            rs.getString(7)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read codes", e);
        }
    }

    public Stats stats(String campaignId) {
        this.decisions.flush();
        this.exposures.flush();
        Map<Integer, Map<String, Long>> decisions = new TreeMap<>();
        Map<Integer, Long> offers = new TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            Statements.forEachRow(c, "SELECT touch, reason, decisions FROM campaign_decisions WHERE campaign_id = ?",
                    campaignId, rs -> decisions.computeIfAbsent(rs.getInt(1), k -> new TreeMap<>())
                            .put(rs.getString(2), rs.getLong(3)));
            Statements.forEachRow(c, "SELECT touch, COUNT(*) FROM campaign_offers WHERE campaign_id = ? GROUP BY touch",
                    campaignId, rs -> offers.put(rs.getInt(1), rs.getLong(2)));
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read campaign stats", e);
        }
        return new Stats(decisions, offers);
    }

    /**
     * Distinct people at one step (or, for {@link People#total}, across the campaign).
     *
     * @param entered   queued for the touch's email (the flow's members who reached it)
     * @param emailed   sent the touch's email
     * @param reminded  sent a reminder touch's email (0 on an offer touch)
     * @param offered   holding a code of the touch (email or on-site)
     * @param converted whose send of the touch a purchase stopped, or who redeemed the touch's code
     * @param exited    whose send of the touch ended unsent (left the segment, bought, held out,
     *                  suppressed, no address, no offer, failed)
     */
    public record PeopleCounts(long entered, long emailed, long reminded, long offered, long converted, long exited) {
    }

    /** The per-person counts of a campaign: per touch, and each person once across all touches. */
    public record People(Map<Integer, PeopleCounts> touches, PeopleCounts total) {
    }

    private static final String UNSENT = "('exited', 'suppressed', 'no_address', 'no_offer', 'failed')";

    /** The per-person counts of the campaign (its reminder touches read from its definition): the API's and the dashboard's. */
    public People people(CampaignRecord campaign) {
        java.util.List<io.rebound.core.campaign.Touch> touches = campaign.definition().touches();
        java.util.Set<Integer> reminders = new java.util.TreeSet<>();
        for (int i = 0; i < touches.size(); i++) {
            if (touches.get(i).isReminder()) {
                reminders.add(i);
            }
        }
        return people(campaign.id(), touches.size(), reminders);
    }

    /**
     * Distinct-person counts of a campaign from the email queue ({@code email_sends}: one row per
     * person and touch) and the offers ({@code campaign_offers}); {@code reminders} are the touch
     * indexes without an offer.
     */
    public People people(String campaignId, int touchCount, java.util.Set<Integer> reminders) {
        try (Connection c = dataSource.getConnection()) {
            String sends = "FROM email_sends WHERE campaign_id = ?";
            Map<Integer, Long> entered = perStep(c, "SELECT step, COUNT(DISTINCT person_id) " + sends + " GROUP BY step", campaignId);
            Map<Integer, Long> sent = perStep(c, "SELECT step, COUNT(DISTINCT person_id) " + sends
                    + " AND state = 'sent' GROUP BY step", campaignId);
            Map<Integer, Long> exited = perStep(c, "SELECT step, COUNT(DISTINCT person_id) " + sends
                    + " AND state IN " + UNSENT + " GROUP BY step", campaignId);
            String converts = "(SELECT step, person_id FROM email_sends WHERE campaign_id = ? AND exit_reason = 'converted' "
                    + "UNION SELECT touch, person_id FROM campaign_offers WHERE campaign_id = ? AND redeemed_at IS NOT NULL) t";
            Map<Integer, Long> converted = perStep(c, "SELECT step, COUNT(DISTINCT person_id) FROM " + converts
                    + " GROUP BY step", campaignId, campaignId);
            Map<Integer, Long> offered = perStep(c, "SELECT touch, COUNT(DISTINCT person_id) FROM campaign_offers "
                    + "WHERE campaign_id = ? GROUP BY touch", campaignId);
            Map<Integer, PeopleCounts> touches = new TreeMap<>();
            for (int i = 0; i < touchCount; i++) {
                long emailed = sent.getOrDefault(i, 0L);
                touches.put(i, new PeopleCounts(entered.getOrDefault(i, 0L), emailed,
                        reminders.contains(i) ? emailed : 0L, offered.getOrDefault(i, 0L),
                        converted.getOrDefault(i, 0L), exited.getOrDefault(i, 0L)));
            }
            String reminderSteps = reminders.isEmpty() ? "(-1)" : reminders.stream().sorted().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
            PeopleCounts total = new PeopleCounts(
                    scalar(c, "SELECT COUNT(DISTINCT person_id) " + sends, campaignId),
                    scalar(c, "SELECT COUNT(DISTINCT person_id) " + sends + " AND state = 'sent'", campaignId),
                    scalar(c, "SELECT COUNT(DISTINCT person_id) " + sends + " AND state = 'sent' AND step IN "
                            + reminderSteps, campaignId),
                    scalar(c, "SELECT COUNT(DISTINCT person_id) FROM campaign_offers WHERE campaign_id = ?", campaignId),
                    scalar(c, "SELECT COUNT(DISTINCT person_id) FROM " + converts, campaignId, campaignId),
                    // Exited the campaign: a send of theirs ended unsent and none of theirs is still to come.
                    scalar(c, "SELECT COUNT(DISTINCT person_id) " + sends + " AND state IN " + UNSENT
                            + " AND person_id NOT IN (SELECT person_id FROM email_sends WHERE campaign_id = ? "
                            + "AND state IN ('queued', 'sending'))", campaignId, campaignId));
            return new People(touches, total);
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read campaign people", e);
        }
    }

    private static Map<Integer, Long> perStep(Connection c, String sql, String... params) throws SQLException {
        Map<Integer, Long> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    private static long scalar(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        }
    }

    /** {@code RB-} and 16 Crockford base-32 characters: 80 random bits, unguessable, easy to type. */
    static String newCode() {
        byte[] b = JdbcCampaigns.bytes(10);
        StringBuilder out = new StringBuilder("RB-");
        long bits = 0;
        int n = 0;
        for (byte x : b) {
            bits = (bits << 8) | (x & 0xff);
            n += 8;
            while (n >= 5) {
                out.append(CROCKFORD[(int) (bits >>> (n - 5)) & 31]);
                n -= 5;
            }
        }
        return out.toString();
    }
}
