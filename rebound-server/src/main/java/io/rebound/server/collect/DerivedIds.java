package io.rebound.server.collect;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.server.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Event ids for messages that came without one. The id is {@code "d-"} followed by the hex
 * SHA-256 of the store id and the message's canonical JSON (keys sorted at every level), leaving
 * out the fields a client changes when it retries ({@code sentAt}, {@code receivedAt},
 * {@code writeKey}, {@code _metadata}). So a retried message gets the same id and is stored once.
 * The flip side: two genuinely separate messages that are identical and carry no
 * {@code timestamp} are taken for one; clients should send {@code messageId} or {@code timestamp}.
 */
final class DerivedIds {

    static final String PREFIX = "d-";
    private static final Set<String> VOLATILE = Set.of("sentAt", "receivedAt", "writeKey", "_metadata");

    private DerivedIds() {
    }

    static String derive(String storeId, JsonNode message) {
        MessageDigest digest = Pii.sha256();
        digest.update(storeId.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        try (OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest);
             JsonGenerator g = Json.MAPPER.getFactory().createGenerator(sink)) {
            write(g, message, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return PREFIX + Pii.hex(digest.digest());
    }

    /** Derives an id from plain key/value parts (the GIF endpoint has no JSON message). */
    static String derive(String storeId, Map<String, String> parts) {
        StringBuilder sb = new StringBuilder(storeId).append('\0');
        parts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(e.getKey()).append('=').append(e.getValue()).append('\0'));
        return PREFIX + Pii.sha256Hex(sb.toString());
    }

    private static void write(JsonGenerator g, JsonNode n, boolean top) throws IOException {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>(o.size());
            o.properties().forEach(e -> names.add(e.getKey()));
            names.sort(null);
            g.writeStartObject();
            for (String name : names) {
                if (top && VOLATILE.contains(name)) {
                    continue;
                }
                g.writeFieldName(name);
                write(g, o.get(name), false);
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (JsonNode child : n) {
                write(g, child, false);
            }
            g.writeEndArray();
        } else {
            g.writeTree(n);
        }
    }
}
