package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.internals.TopicFields;

/** The value format of the membership-changes topic (what platform sync, email flows and reports consume). */
public final class MembershipChangeSerde extends RecordSerde<MembershipChange> {

    public MembershipChangeSerde() {
        super(MembershipChangeSerde::encode, MembershipChangeSerde::decode);
    }

    public static byte[] encode(MembershipChange c) {
        BinaryWriter o = new BinaryWriter().u8(1).int32StringOrNull(c.storeId()).int32StringOrNull(c.segmentId())
                .int32StringOrNull(c.personId()).int32StringOrNull(c.kind().name());
        return TopicFields.instant(o, c.at()).int32StringOrNull(c.reason()).toByteArray();
    }

    public static MembershipChange decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        in.u8();
        return new MembershipChange(in.int32StringOrNull(), in.int32StringOrNull(), in.int32StringOrNull(),
                MembershipChange.Kind.valueOf(in.int32StringOrNull()), TopicFields.instant(in), in.int32StringOrNull());
    }
}
