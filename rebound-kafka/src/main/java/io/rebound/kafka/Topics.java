package io.rebound.kafka;

import java.util.List;

/**
 * The topics of one Rebound cluster deployment, all named {@code <prefix>.<name>}. The application
 * creates none of them: an operator creates them as docs/cluster.md says (tests create them with
 * {@link #all()}). {@link #events}, {@link #identity} and {@link #persons} must have the same
 * number of partitions.
 *
 * @param prefix name prefix, e.g. {@code rebound}
 */
public record Topics(String prefix) {

    /** Accepted events, key {@link Keys#ofEvent}: what the collectors append. */
    public String events() {
        return prefix + ".events";
    }

    /** Identity hops, links and unlinks, key {@code store \0 id-key}. */
    public String identity() {
        return prefix + ".identity";
    }

    /** Person work (events re-keyed to their person, merges, erasures, ticks), key {@code store \0 person}. */
    public String persons() {
        return prefix + ".persons";
    }

    /** Segment definitions (compacted), key {@code store \0 segment}, value {@link SegmentRecord}. */
    public String segments() {
        return prefix + ".segments";
    }

    /** The membership change log, key {@code store \0 segment}, value {@link MembershipChangeSerde}. */
    public String changes() {
        return prefix + ".membership-changes";
    }

    /** Current memberships (compacted), key {@code store \0 segment \0 person}, value joined-at millis; tombstone on leave. */
    public String memberships() {
        return prefix + ".memberships";
    }

    /** Backfill progress (compacted), key {@code store \0 partition}, value {@link BackfillProgress.Partition}. */
    public String progress() {
        return prefix + ".backfill-progress";
    }

    /** Processing acknowledgements for records that asked for one (synchronous admin calls, tests). */
    public String acks() {
        return prefix + ".acks";
    }

    /** The topics fed back into the topology; they must be co-partitioned. */
    public List<String> partitioned() {
        return List.of(events(), identity(), persons());
    }

    /** The compacted topics. */
    public List<String> compacted() {
        return List.of(segments(), memberships(), progress());
    }

    public List<String> all() {
        return List.of(events(), identity(), persons(), segments(), changes(), memberships(), progress(), acks());
    }
}
