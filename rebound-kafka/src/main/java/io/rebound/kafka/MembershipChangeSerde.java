package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.internals.TopicFields;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The value format of the membership-changes topic (what platform sync, email flows and reports consume). */
public final class MembershipChangeSerde implements Serde<MembershipChange>, Serializer<MembershipChange>,
        Deserializer<MembershipChange> {

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

    @Override
    public byte[] serialize(String topic, MembershipChange data) {
        return data == null ? null : encode(data);
    }

    @Override
    public MembershipChange deserialize(String topic, byte[] data) {
        return data == null ? null : decode(data);
    }

    @Override
    public Serializer<MembershipChange> serializer() {
        return this;
    }

    @Override
    public Deserializer<MembershipChange> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }
}
