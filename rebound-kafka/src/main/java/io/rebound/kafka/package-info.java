/** Cluster runtime: the audience engine on Kafka Streams. */
package io.rebound.kafka;
