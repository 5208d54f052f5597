package io.rebound.server;

/** The demo store's identity, printed by {@code rebound demo}. */
public record DemoKeys(String storeId, String writeKey, String secretKey) {
}
