package io.rebound.testkit.memory;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@link MembershipTable} as an in-memory log and members index. */
public final class InMemoryMembershipTable implements MembershipTable {
    private final Map<String, List<LoggedChange>> logs = new HashMap<>();
    private final Map<String, Map<String, Instant>> members = new HashMap<>();

    private static String key(String storeId, String segmentId) {
        return storeId + '\0' + segmentId;
    }

    @Override
    public void record(List<MembershipChange> changes) {
        for (MembershipChange c : changes) {
            List<LoggedChange> log = logs.computeIfAbsent(c.storeId(), k -> new ArrayList<>());
            log.add(new LoggedChange(log.size() + 1L, c));
            Map<String, Instant> m = members.computeIfAbsent(key(c.storeId(), c.segmentId()), k -> new TreeMap<>());
            if (c.kind() == MembershipChange.Kind.JOINED) {
                m.put(c.personId(), c.at());
            } else {
                m.remove(c.personId());
            }
        }
    }

    @Override
    public Map<String, Instant> members(String storeId, String segmentId) {
        return Map.copyOf(members.getOrDefault(key(storeId, segmentId), Map.of()));
    }

    @Override
    public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
        return logs.getOrDefault(storeId, List.of()).stream()
                .filter(l -> l.sequence() > after && l.change().segmentId().equals(segmentId))
                .limit(limit).toList();
    }

    @Override
    public void dropSegment(String storeId, String segmentId) {
        members.remove(key(storeId, segmentId));
    }
}
