/** Benchmarks for Rebound: JMH micro-benchmarks and HTTP load drivers, run by hand, never by the tests. */
package io.rebound.bench;
