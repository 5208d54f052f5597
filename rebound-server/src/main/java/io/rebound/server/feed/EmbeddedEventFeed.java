package io.rebound.server.feed;

import io.rebound.core.event.Event;
import io.rebound.server.log.EventCodec;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The event feed of the embedded server: the replay scans the visitor event index under a RocksDB
 * snapshot; of the batches the indexer reports meanwhile, those the snapshot did not hold are
 * handed over when it ends.
 */
public final class EmbeddedEventFeed implements EventFeed {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEventFeed.class);

    private final EventIndexer indexer;
    private final RocksDatabase rocks;

    public EmbeddedEventFeed(EventIndexer indexer, RocksDatabase rocks) {
        this.indexer = indexer;
        this.rocks = rocks;
    }

    @Override
    public void subscribe(Subscriber subscriber) {
        ReplayHandover handover = new ReplayHandover(subscriber);
        indexer.addListener(handover::accepted);
        indexer.addDuplicateListener(subscriber::duplicates);
        Thread.ofPlatform().name("event-feed-replay").daemon(true).start(() -> replay(subscriber, handover));
    }

    /** Replays the index under a snapshot, then hands over what arrived meanwhile and the snapshot did not hold. */
    private void replay(Subscriber subscriber, ReplayHandover handover) {
        long count = 0;
        var db = rocks.db();
        var family = rocks.family(EventIndexer.CF_EVENTS);
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            try (RocksIterator it = db.newIterator(family, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    subscriber.replayed(EventCodec.decode(it.value()));
                    count++;
                }
            }
            // Delivered while scanning: new unless the snapshot held it already.
            handover.replayDone(count, e -> !inSnapshot(db, family, ro, e));
        } catch (RuntimeException e) {
            LOG.error("event feed: replay failed; only new events follow", e);
            handover.replayDone(count, event -> true);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    private static boolean inSnapshot(RocksDB db, ColumnFamilyHandle family, ReadOptions ro, Event e) {
        try {
            return db.get(family, ro, EventIndexer.eventKey(e)) != null;
        } catch (RocksDBException x) {
            throw new IllegalStateException("reading the event index failed", x);
        }
    }
}
