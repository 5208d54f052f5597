/**
 * Store webhooks: a store's backend (Shopify, WooCommerce) tells Rebound of its orders. The secrets
 * API ({@link io.rebound.server.webhooks.WebhookApi}) keeps each store's signing secrets encrypted;
 * the receiver ({@link io.rebound.server.webhooks.WebhookReceiver}) checks a delivery's HMAC over the
 * raw body before reading it, turns an order into a Segment-spec Purchase message
 * ({@link io.rebound.server.webhooks.OrderMessages}) and appends it through the collector's own parser,
 * so validation, privacy rules and event-id dedup are the same as for the server Events API.
 */
package io.rebound.server.webhooks;
