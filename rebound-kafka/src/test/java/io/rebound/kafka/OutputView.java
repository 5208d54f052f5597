package io.rebound.kafka;

import io.rebound.core.engine.MembershipChange;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a consumer of the output topics knows: the membership change log and the current
 * memberships (the compacted topic applied in order). The runtimes under test answer queries from
 * this, i.e. from what the topology actually published.
 */
final class OutputView {

    private final List<MembershipChange> changes = new ArrayList<>();
    private final Map<String, Instant> current = new TreeMap<>();

    synchronized void change(byte[] value) {
        changes.add(MembershipChangeSerde.decode(value));
    }

    synchronized void membership(String key, byte[] value) {
        if (value == null) {
            current.remove(key);
        } else {
            current.put(key, Instant.ofEpochMilli(ByteBuffer.wrap(value).getLong()));
        }
    }

    synchronized Set<String> members(String storeId, String segmentId) {
        Set<String> out = new TreeSet<>();
        String prefix = Keys.of(storeId, segmentId, "");
        current.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> out.add(k.substring(prefix.length())));
        return out;
    }

    synchronized List<MembershipChange> changes(String storeId, String segmentId) {
        return changes.stream().filter(c -> c.storeId().equals(storeId) && c.segmentId().equals(segmentId)).toList();
    }

    synchronized Map<String, Instant> memberships(String storeId, String personId) {
        Map<String, Instant> out = new TreeMap<>();
        current.forEach((k, v) -> {
            String[] parts = k.split("\0", -1);
            if (parts[0].equals(storeId) && parts[2].equals(personId)) {
                out.put(parts[1], v);
            }
        });
        return out;
    }

    synchronized int size() {
        return changes.size();
    }
}
