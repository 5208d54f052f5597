/**
 * Store webhooks: a store's backend (Shopify, WooCommerce) tells Rebound of its orders, checkouts and
 * products. The secrets API ({@link io.rebound.server.webhooks.WebhookApi}) keeps each store's signing
 * secrets encrypted; the receiver ({@link io.rebound.server.webhooks.WebhookReceiver}) checks a
 * delivery's HMAC over the raw body before reading it, refuses a malformed one, and stores the raw
 * delivery in the {@link io.rebound.server.webhooks.WebhookInbox} before answering. The
 * {@link io.rebound.server.webhooks.WebhookWorker} runs the
 * {@link io.rebound.server.webhooks.WebhookProcessor}, which turns orders and checkouts into
 * Segment-spec messages ({@link io.rebound.server.webhooks.OrderMessages}) appended through the
 * collector's own parser — so validation, privacy rules and event-id dedup are the same as for the
 * server Events API — and products into catalog products
 * ({@link io.rebound.server.webhooks.ProductMessages}).
 */
package io.rebound.server.webhooks;
