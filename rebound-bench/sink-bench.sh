#!/usr/bin/env bash
# Cluster sink benchmark (docs/PERFORMANCE.md, "Cluster mode"): a Kafka broker in the JVM, the
# topology's output topics filled with what cluster-bench.sh's events produce (one membership, one
# JOINED change and one identity per event) plus the events, then records/s into PostgreSQL
# (127.0.0.1:5432, a throw-away database) for the audience sink and the events sink. Parameters:
#   EVENTS=100000 PARTITIONS=6 STORES=100 rebound-bench/sink-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-$(./rebound java-home)}"
MVN="./mvnw -q -B -o"
# One invocation, nothing installed: the reactor resolves the modules from their compiled classes.
$MVN -pl rebound-server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
  -Dmdep.includeScope=test
CP="rebound-server/target/classes:rebound-server/target/test-classes:$(cat rebound-server/target/cp.txt)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx2g \
  -Dbench.events="${EVENTS:-100000}" -Dbench.partitions="${PARTITIONS:-6}" -Dbench.stores="${STORES:-100}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.rebound.server.cluster.ClusterSinkBenchmark
