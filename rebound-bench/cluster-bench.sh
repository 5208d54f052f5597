#!/usr/bin/env bash
# Cluster pipeline benchmark (docs/PERFORMANCE.md, "Cluster mode"): a Kafka broker in the JVM, then
# one and two Kafka Streams instances of the audience topology; prints events/s through the whole
# pipeline (events → identity → persons → membership-changes, exactly-once) and the event → membership
# latency p50/p99 at a paced rate, and the JVM's CPU time per event. Parameters as system properties, e.g.
#   EVENTS=100000 PARTITIONS=6 RATE=1000 LATENCY_SECONDS=10 WARMUP_EVENTS=20000 THREADS=1 rebound-bench/cluster-bench.sh
# WARMUP_EVENTS first go through a pipeline of their own, unmeasured, so that the one-instance figures
# are of compiled code rather than of the JIT compiler at work (0: none, the figures of a cold JVM).
# THREADS is num.stream.threads per instance (the server's default is one per core).
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
  -Dbench.warmupEvents="${WARMUP_EVENTS:-20000}" -Dbench.threads="${THREADS:-1}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.rebound.kafka.ClusterBenchmark
