package io.rebound.server.email;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.BackfillJob;
import io.rebound.server.audience.Recency;
import io.rebound.server.audience.SegmentRecord;
import io.rebound.server.campaign.ComplementaryProducts;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.commerce.JdbcCatalog;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker over a runtime that keeps no person state (cluster mode): a person's ids and memberships
 * are materialised apart from the change that queued the send and may arrive a moment later, so a
 * send that finds them missing waits up to {@link EmailFlows#SETTLE} before it ends.
 */
class EmailFlowSettleTest extends EmailFlowFixture {
    /** Whether the lagging view shows the person's memberships, and their ids, yet. */
    private volatile boolean membershipsShown;
    private volatile boolean idsShown;

    @Test
    void aSendWaitsForTheAddressToBeMaterialisedAndGoesOnce() throws Exception {
        subscribe("erin");
        event("erin", EventType.ADD_TO_CART, T0);
        EmailFlows worker = laggingWorker();
        Instant due = T0.plus(Duration.ofMinutes(61));
        assertThat(runAt(worker, due)).as("no membership yet: waits").isZero();
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("erin"), 0))).contains("queued");
        membershipsShown = true;
        assertThat(runAt(worker, due.plusSeconds(10))).as("no address yet: waits").isZero();
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("erin"), 0))).contains("queued");
        assertThat(attempts(JdbcEmailQueue.key(campaign, person("erin"), 0))).as("waiting is not an attempt").isZero();
        idsShown = true;
        assertThat(runAt(worker, due.plusSeconds(12))).isEqualTo(1);
        assertThat(to("erin")).hasSize(1);
        assertThat(runAt(worker, due.plusSeconds(60))).isZero();
        assertThat(to("erin")).as("sent once").hasSize(1);
    }

    @Test
    void aPersonWithoutAnAddressEndsNoAddressOnceTheWaitIsOver() throws Exception {
        membershipsShown = true;
        idsShown = true;
        event("fred", EventType.ADD_TO_CART, T0);
        EmailFlows worker = laggingWorker();
        Instant due = T0.plus(Duration.ofMinutes(61));
        runAt(worker, due);
        runAt(worker, due.plus(EmailFlows.SETTLE).minusSeconds(1));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("fred"), 0))).contains("queued");
        runAt(worker, due.plus(EmailFlows.SETTLE).plusSeconds(2));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, person("fred"), 0))).contains("no_address");
    }

    private int attempts(String key) throws java.sql.SQLException {
        try (java.sql.Connection c = database.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT attempts FROM email_sends WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private int runAt(EmailFlows worker, Instant t) {
        clock.set(t);
        runtime.sync();
        return worker.runOnce();
    }

    private EmailFlows laggingWorker() {
        Audiences lagging = new Lagging(audiences);
        return new EmailFlows(queue, new JdbcCampaigns(database.dataSource(), clock), new JdbcOffers(database.dataSource()),
                new JdbcCatalog(database.dataSource(), clock), lagging, ComplementaryProducts.CREATIVE,
                new SmtpSender(settings), new UnsubscribeTokens(queue.tokenKey()), settings, clock);
    }

    /** The embedded audiences as a cluster node reads them: no person state, ids and memberships once materialised. */
    private final class Lagging implements Audiences {
        private final Audiences real;
        private final AudienceView view;

        Lagging(Audiences real) {
            this.real = real;
            AudienceView r = real.reader();
            this.view = new AudienceView() {
                @Override
                public long size(String storeId, String segmentId) {
                    return r.size(storeId, segmentId);
                }

                @Override
                public boolean isMember(String storeId, String segmentId, String personId) {
                    return membershipsShown && r.isMember(storeId, segmentId, personId);
                }

                @Override
                public List<AudienceReader.Member> members(String storeId, String segmentId, String afterPerson, int limit) {
                    return r.members(storeId, segmentId, afterPerson, limit);
                }

                @Override
                public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
                    return r.changes(storeId, segmentId, after, limit);
                }

                @Override
                public List<AudienceReader.SizeSample> sizes(String storeId, String segmentId, int limit) {
                    return r.sizes(storeId, segmentId, limit);
                }

                @Override
                public Optional<String> personOf(String storeId, String visitorId) {
                    return r.personOf(storeId, visitorId);
                }

                @Override
                public Optional<PersonState> person(String storeId, String personId) {
                    return Optional.empty();
                }

                @Override
                public Optional<Recency> recency(SegmentRecord segment, int days, int sampleSize, Instant now) {
                    return Optional.empty();
                }

                @Override
                public long uniqueVisitors30d(String storeId, Instant now) {
                    return r.uniqueVisitors30d(storeId, now);
                }

                @Override
                public PersonIds ids(String storeId, String personId) {
                    return idsShown ? r.ids(storeId, personId) : PersonIds.NONE;
                }

                @Override
                public Map<String, Instant> memberships(String storeId, String personId) {
                    return membershipsShown ? r.memberships(storeId, personId) : Map.of();
                }
            };
        }

        @Override
        public SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template) {
            return real.putSegment(storeId, segmentId, definition, template);
        }

        @Override
        public SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template) {
            return real.createSegment(storeId, definition, template);
        }

        @Override
        public boolean deleteSegment(String storeId, String segmentId) {
            return real.deleteSegment(storeId, segmentId);
        }

        @Override
        public List<SegmentRecord> segments(String storeId) {
            return real.segments(storeId);
        }

        @Override
        public Optional<SegmentRecord> segment(String storeId, String segmentId) {
            return real.segment(storeId, segmentId);
        }

        @Override
        public BackfillJob.Progress progress(String storeId, String segmentId) {
            return real.progress(storeId, segmentId);
        }

        @Override
        public AudienceView reader() {
            return view;
        }

        @Override
        public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
            return real.awaitCaughtUp(timeoutMillis);
        }

        @Override
        public Clock clock() {
            return real.clock();
        }

        @Override
        public Optional<List<Event>> timeline(String storeId, String visitorId, int limit) {
            return real.timeline(storeId, visitorId, limit);
        }

        @Override
        public Erasure erase(String storeId, String visitorId) throws InterruptedException {
            return real.erase(storeId, visitorId);
        }

        @Override
        public void onErasure(BiConsumer<String, Set<String>> listener) {
            real.onErasure(listener);
        }

        @Override
        public void onPersonErased(PersonErasureListener listener) {
            real.onPersonErased(listener);
        }
    }
}
