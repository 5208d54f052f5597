package io.rebound.kafka;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Map;
import java.util.function.Function;

/**
 * A Kafka serde over one of this runtime's record formats, for consumers of its topics: null stays
 * null (a tombstone), anything else goes through the format's own encode and decode.
 *
 * @param <T> the record type
 */
public abstract class RecordSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final Function<T, byte[]> encode;
    private final Function<byte[], T> decode;

    protected RecordSerde(Function<T, byte[]> encode, Function<byte[], T> decode) {
        this.encode = encode;
        this.decode = decode;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : encode.apply(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : decode.apply(data);
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void close() {
    }
}
