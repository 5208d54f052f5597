#!/usr/bin/env bash
# Cluster pipeline benchmark (docs/PERFORMANCE.md, "Cluster mode"): a Kafka broker in the JVM, then
# one and two Kafka Streams instances of the audience topology; prints events/s through the whole
# pipeline (events → identity → persons → membership-changes, exactly-once) and the event → membership
# latency p50/p99 at a paced rate. Parameters as system properties, e.g.
#   EVENTS=100000 PARTITIONS=6 RATE=1000 LATENCY_SECONDS=10 rebound-bench/cluster-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-$(./rebound java-home)}"
MVN="./mvnw -q -B -o"
# One invocation: the reactor resolves rebound-core and rebound-testkit from their compiled classes
# (nothing is installed).
$MVN -pl rebound-core,rebound-testkit,rebound-kafka test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
  -Dmdep.includeScope=test
CP="rebound-kafka/target/classes:rebound-kafka/target/test-classes:rebound-core/target/classes:$(cat rebound-kafka/target/cp.txt)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx2g \
  -Dbench.events="${EVENTS:-100000}" -Dbench.partitions="${PARTITIONS:-6}" -Dbench.stores="${STORES:-100}" \
  -Dbench.rate="${RATE:-1000}" -Dbench.latencySeconds="${LATENCY_SECONDS:-10}" -Dbench.commitMs="${COMMIT_MS:-50}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.rebound.kafka.ClusterBenchmark
