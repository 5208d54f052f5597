package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Backfill progress of this instance's partitions, per store: after a segment of a store is created,
 * edited or deleted, each partition re-evaluates its persons of that store in chunks. The same
 * figures go to the compacted progress topic, from which any node can sum the whole cluster's.
 */
public final class BackfillProgress {

    /**
     * One partition's backfill of one store's current segment set.
     *
     * @param storeId     store
     * @param partition   partition of the persons topic
     * @param fingerprint the segment set being backfilled
     * @param done        persons re-evaluated
     * @param total       persons of the store in the partition when the backfill started
     */
    public record Partition(String storeId, int partition, long fingerprint, long done, long total) {
        public boolean complete() {
            return done >= total;
        }

        public byte[] encode() {
            return new BinaryWriter().u8(1).int32StringOrNull(storeId).int32BE(partition).int64BE(fingerprint)
                    .int64BE(done).int64BE(total).toByteArray();
        }

        public static Partition decode(byte[] bytes) {
            BinaryReader in = new BinaryReader(bytes);
            in.u8();
            return new Partition(in.int32StringOrNull(), in.int32BE(), in.int64BE(), in.int64BE(), in.int64BE());
        }
    }

    /** Sum over partitions. */
    public record Overall(long done, long total) {
        public double percent() {
            return total == 0 ? 100.0 : 100.0 * done / total;
        }

        public boolean complete() {
            return done >= total;
        }
    }

    private final Map<String, Partition> partitions = new ConcurrentHashMap<>();

    /** Called by the topology after each backfill chunk. */
    public void update(Partition p) {
        partitions.put(Keys.of(p.storeId(), Integer.toString(p.partition())), p);
    }

    /** This instance's partitions' progress for a store. */
    public Overall of(String storeId) {
        long done = 0;
        long total = 0;
        for (Partition p : partitions.values()) {
            if (p.storeId().equals(storeId)) {
                done += Math.min(p.done(), p.total());
                total += p.total();
            }
        }
        return new Overall(done, total);
    }

    /** Per partition, for a progress bar per partition. */
    public Map<String, Partition> partitions() {
        return Map.copyOf(partitions);
    }
}
