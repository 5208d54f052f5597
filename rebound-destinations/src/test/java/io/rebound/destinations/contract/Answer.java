package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.rebound.destinations.internal.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a contract server answers.
 *
 * @param status  HTTP status
 * @param headers extra headers
 * @param body    JSON body
 */
public record Answer(int status, Map<String, String> headers, JsonNode body) {

    public static Answer json(int status, JsonNode body) {
        return new Answer(status, Map.of(), body);
    }

    /** An answer without a body (e.g. 204). */
    public static Answer empty(int status) {
        return new Answer(status, Map.of(), null);
    }

    public Answer withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Answer(status, h, body);
    }

    byte[] bytes() {
        return body == null ? new byte[0] : Json.bytes(body);
    }
}
