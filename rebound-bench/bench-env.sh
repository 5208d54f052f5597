# Sourced by the benchmark scripts: picks the launcher's JDK and builds the benchmark jars.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA_HOME="$("$ROOT/rebound" java-home)"
export JAVA_HOME
(cd "$ROOT" && ./mvnw -q -B -ntp -pl rebound-core,rebound-server,rebound-bench -am package -DskipTests)
BENCH_CP="$ROOT/rebound-bench/target/rebound-bench-0.1.0-SNAPSHOT.jar:$ROOT/rebound-bench/target/lib/*"
