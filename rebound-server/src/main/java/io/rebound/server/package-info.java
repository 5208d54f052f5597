/** The Rebound server: HTTP collector, admin API, dashboard, embedded runtime and CLI. */
package io.rebound.server;
