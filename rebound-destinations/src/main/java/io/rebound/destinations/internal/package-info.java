/** Machinery the platform destinations share: the exchange (record, then send unless dry-run), JSON and delivery loops. */
package io.rebound.destinations.internal;
