package io.rebound.server.audience;

import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.server.runtime.EventIndexer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The audiences port on the embedded server: segments and memberships from the
 * {@link EmbeddedAudienceRuntime}, timelines and the raw side of an erasure from the visitor event
 * store ({@link EventIndexer}).
 */
public final class EmbeddedAudiences extends AbstractAudiences {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAudiences.class);
    /** How long an erasure waits for the event index to reach the log's end before answering 202. */
    static final long ERASE_CATCH_UP_MILLIS = 10_000;

    private final EmbeddedAudienceRuntime runtime;
    private final EventIndexer indexer;

    public EmbeddedAudiences(EmbeddedAudienceRuntime runtime, EventIndexer indexer) {
        this.runtime = runtime;
        this.indexer = indexer;
    }

    /** The runtime behind the port (wiring, operations and tests). */
    public EmbeddedAudienceRuntime runtime() {
        return runtime;
    }

    @Override
    public SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template) {
        return runtime.putSegment(storeId, segmentId, definition, template);
    }

    @Override
    public SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template) {
        return runtime.createSegment(storeId, definition, template);
    }

    @Override
    public boolean deleteSegment(String storeId, String segmentId) {
        return runtime.deleteSegment(storeId, segmentId);
    }

    @Override
    public List<SegmentRecord> segments(String storeId) {
        return runtime.segments(storeId);
    }

    @Override
    public Optional<SegmentRecord> segment(String storeId, String segmentId) {
        return runtime.segment(storeId, segmentId);
    }

    @Override
    public BackfillJob.Progress progress(String storeId, String segmentId) {
        return runtime.progress(storeId, segmentId);
    }

    @Override
    public AudienceView reader() {
        return runtime.reader();
    }

    @Override
    public boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException {
        return runtime.awaitCaughtUp(timeoutMillis);
    }

    @Override
    public Clock clock() {
        return runtime.clock();
    }

    /** Read-your-writes: an event acknowledged before the call is in the answer (waits up to 2 s for the index). */
    @Override
    public Optional<List<Event>> timeline(String storeId, String visitorId, int limit) {
        try {
            indexer.awaitCaughtUp(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.of(indexer.visitorEvents(storeId, visitorId, limit));
    }

    @Override
    public Optional<Event> latestEvent(String storeId, String visitorId) {
        return indexer.latestVisitorEvent(storeId, visitorId);
    }

    /**
     * The audience runtime goes first: it knows every id linked to the visitor's person, whose raw
     * events are then deleted too. Both catch up with the log before erasing, so nothing acknowledged
     * before the request survives it; when the index cannot catch up in time the answer says
     * {@code erasing} and the rest of the raw events go as the index reaches them.
     */
    @Override
    public Erasure erase(String storeId, String visitorId) throws InterruptedException {
        EmbeddedAudienceRuntime.Erasure erased = runtime.forgetVisitor(storeId, visitorId);
        Set<String> ids = new TreeSet<>(erased.visitorIds());
        EventIndexer.Erasure events = indexer.eraseVisitors(storeId, ids, ERASE_CATCH_UP_MILLIS);
        idsErased(storeId, ids);
        if (erased.personId() != null) {
            personErased(storeId, erased.personId(), erased.emailHashes());
        }
        LOG.info("privacy erasure in store {}: {} ids, {} events{}, {} memberships left", storeId, ids.size(),
                events.eventsRemoved(), events.complete() ? "" : " (more as the index catches up)",
                erased.segmentsLeft().size());
        String status = !events.complete() ? "erasing"
                : erased.personId() == null && events.eventsRemoved() == 0 ? "nothing_to_erase" : "erased";
        return new Erasure(status, erased.personId(), ids, events.eventsRemoved(), events.complete(), erased.segmentsLeft());
    }
}
