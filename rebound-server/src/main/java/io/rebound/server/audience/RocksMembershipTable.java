package io.rebound.server.audience;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link MembershipTable} in RocksDB: the change log ({@link AudienceColumns#CHANGES}, per store and
 * segment, ordered by a per-store sequence), the members index ({@link AudienceColumns#MEMBERS}) and
 * a maintained member count per segment ({@link AudienceColumns#COUNTS}), all written in the
 * current unit of work so that they never disagree; the in-memory {@link MemberIndex} follows when
 * that unit commits.
 */
final class RocksMembershipTable implements MembershipTable {
    private final UnitOfWork uow;
    private final MemberIndex index;

    /** @param index the in-memory copy of the members index, updated when each unit of work commits */
    RocksMembershipTable(UnitOfWork uow, MemberIndex index) {
        this.uow = uow;
        this.index = index;
    }

    @Override
    public void record(List<MembershipChange> changes) {
        for (MembershipChange c : changes) {
            byte[] seqKey = AudienceKeys.sequence(c.storeId());
            long seq = AudienceKeys.i64(uow.get(AudienceColumns.META, seqKey)) + 1;
            uow.put(AudienceColumns.META, seqKey, AudienceKeys.i64(seq));
            uow.put(AudienceColumns.CHANGES, AudienceKeys.change(c.storeId(), c.segmentId(), seq), AudienceKeys.encodeChange(c));
            byte[] memberKey = AudienceKeys.member(c.storeId(), c.segmentId(), c.personId());
            boolean wasMember = uow.get(AudienceColumns.MEMBERS, memberKey) != null;
            boolean member = c.kind() == MembershipChange.Kind.JOINED;
            if (member) {
                uow.put(AudienceColumns.MEMBERS, memberKey, AudienceKeys.i64(c.at().toEpochMilli()));
                uow.afterCommit(() -> index.add(c.storeId(), c.segmentId(), c.personId()));
            } else if (wasMember) {
                uow.delete(AudienceColumns.MEMBERS, memberKey);
                uow.afterCommit(() -> index.remove(c.storeId(), c.segmentId(), c.personId()));
            }
            if (member != wasMember) {
                byte[] countKey = AudienceKeys.segment(c.storeId(), c.segmentId());
                long count = AudienceKeys.i64(uow.get(AudienceColumns.COUNTS, countKey)) + (member ? 1 : -1);
                uow.put(AudienceColumns.COUNTS, countKey, AudienceKeys.i64(Math.max(0, count)));
            }
        }
    }

    @Override
    public Map<String, Instant> members(String storeId, String segmentId) {
        Map<String, Instant> out = new LinkedHashMap<>();
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        uow.scan(AudienceColumns.MEMBERS, prefix, prefix, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            r.str();
            out.put(r.str(), Instant.ofEpochMilli(AudienceKeys.i64(v)));
            return true;
        });
        return out;
    }

    @Override
    public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
        List<LoggedChange> out = new ArrayList<>();
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        uow.scan(AudienceColumns.CHANGES, prefix, AudienceKeys.change(storeId, segmentId, after + 1), (k, v) -> {
            out.add(AudienceKeys.decodeChange(k, v));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public void dropSegment(String storeId, String segmentId) {
        // WriteBatchWithIndex cannot index a range delete: delete key by key (runs in backfill-sized chunks).
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        List<byte[]> keys = new ArrayList<>();
        uow.scan(AudienceColumns.MEMBERS, prefix, prefix, (k, v) -> keys.add(k));
        keys.forEach(k -> uow.delete(AudienceColumns.MEMBERS, k));
        uow.delete(AudienceColumns.COUNTS, prefix);
        uow.afterCommit(() -> index.dropSegment(storeId, segmentId));
    }
}
