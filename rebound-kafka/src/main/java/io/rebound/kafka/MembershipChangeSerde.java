package io.rebound.kafka;

import io.rebound.core.engine.MembershipChange;
import io.rebound.kafka.internals.Bin;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The value format of the membership-changes topic (what platform sync, email flows and reports consume). */
public final class MembershipChangeSerde implements Serde<MembershipChange>, Serializer<MembershipChange>,
        Deserializer<MembershipChange> {

    public static byte[] encode(MembershipChange c) {
        return new Bin.Out().i8(1).str(c.storeId()).str(c.segmentId()).str(c.personId()).str(c.kind().name())
                .instant(c.at()).str(c.reason()).toBytes();
    }

    public static MembershipChange decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        in.i8();
        return new MembershipChange(in.str(), in.str(), in.str(), MembershipChange.Kind.valueOf(in.str()),
                in.instant(), in.str());
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
