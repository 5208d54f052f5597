package io.rebound.server.feed;

import io.rebound.core.event.Event;
import io.rebound.server.log.EventCodec;
import io.rebound.server.runtime.EventIndexer;
import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

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
        Replay replay = new Replay(subscriber);
        indexer.addListener(replay::accepted);
        indexer.addDuplicateListener(subscriber::duplicates);
        Thread.ofPlatform().name("event-feed-replay").daemon(true).start(replay::run);
    }

    /** One subscriber's replay and the batches held while it runs. */
    private final class Replay {
        private final Subscriber subscriber;
        private final List<Event> pending = new ArrayList<>();
        private boolean done;

        Replay(Subscriber subscriber) {
            this.subscriber = subscriber;
        }

        /** Under the replay's lock, so that a batch is either handed over by replayDone or new after it, never both. */
        synchronized void accepted(List<Event> batch) {
            if (!done) {
                pending.addAll(batch);
            }
            subscriber.accepted(batch);
        }

        void run() {
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
                synchronized (this) {
                    List<Event> fresh = new ArrayList<>(pending.size());
                    for (Event e : pending) {
                        // Delivered while scanning: new unless the snapshot held it already.
                        if (db.get(family, ro, EventIndexer.eventKey(e)) == null) {
                            fresh.add(e);
                        }
                    }
                    finish(count, fresh);
                }
            } catch (RocksDBException | RuntimeException e) {
                LOG.error("event feed: replay failed; only new events follow", e);
                synchronized (this) {
                    finish(count, List.copyOf(pending));
                }
            } finally {
                db.releaseSnapshot(snapshot);
            }
        }

        private void finish(long count, List<Event> fresh) {
            pending.clear();
            done = true;
            subscriber.replayDone(count, fresh);
        }
    }
}
