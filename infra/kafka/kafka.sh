#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, broker+controller in one JVM) on 127.0.0.1:9092, from
# Maven Central jars run by the machine's Java 17. Idempotent: `start` does nothing if it is up.
#   infra/kafka/kafka.sh start | stop | status | console-producer <args...> | topics <args...> | kcat <args...>
# Jars are cached in infra/.cache/kafka-<version>/, data and logs live in infra/.run/kafka/
# (both git-ignored). KAFKA_PORT and KAFKA_CONTROLLER_PORT change the ports.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
lib="$root/infra/.cache/kafka-$version/lib"
run="$root/infra/.run/kafka"
data="$run/data"
pid_file="$run/kafka.pid"
log_file="$run/kafka.log"
config="$run/server.properties"

say() { printf '[kafka] %s\n' "$*" >&2; }

require_java() {
  command -v java >/dev/null || { say "java is not installed (Java 17 is needed): apt-get install -y openjdk-17-jre-headless"; exit 1; }
}

fetch_jars() {
  [ -f "$lib/.complete" ] && return 0
  command -v mvn >/dev/null || { say "mvn is needed once to fetch Kafka $version from Maven Central: apt-get install -y maven"; exit 1; }
  say "fetching Kafka $version and its dependencies from Maven Central (once)"
  rm -rf "$lib" && mkdir -p "$lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.complete"
}

is_running() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

write_config() {
  mkdir -p "$run"
  cat > "$config" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=4
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
}

java_run() {
  java -Xms256m -Xmx768m -XX:+UseG1GC -Dlog4j.configuration="file:$here/log4j.properties" -cp "$lib/*" "$@"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

start() {
  require_java
  if is_running; then say "already running (pid $(cat "$pid_file")) on 127.0.0.1:$port"; return 0; fi
  if port_open; then
    # Another checkout's broker (or one started by hand): use it rather than fail on the port.
    say "127.0.0.1:$port is already served by a process this checkout did not start; using it"
    return 0
  fi
  fetch_jars
  write_config
  if [ ! -f "$data/meta.properties" ]; then
    # A fixed cluster id: the data folder is this project's own, formatted once.
    java_run kafka.tools.StorageTool format -t "LoyaltyLedgerKafka0001" -c "$config" --ignore-formatted >/dev/null
  fi
  : > "$log_file"
  nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Dlog4j.configuration="file:$here/log4j.properties" -cp "$lib/*" kafka.Kafka "$config" >>"$log_file" 2>&1 &
  echo $! > "$pid_file"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$log_file"; then say "started (pid $(cat "$pid_file")) on 127.0.0.1:$port"; return 0; fi
    if ! is_running; then say "the broker exited during start; last lines of $log_file:"; tail -20 "$log_file" >&2; exit 1; fi
    sleep 0.5
  done
  say "not started after 60 s; see $log_file"; exit 1
}

stop() {
  if ! is_running; then say "not running"; rm -f "$pid_file"; return 0; fi
  local pid; pid="$(cat "$pid_file")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; say "stopped"; return 0; }; sleep 0.5; done
  say "did not stop in 30 s; killing"; kill -9 "$pid" 2>/dev/null || true; rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running pid $(cat "$pid_file") 127.0.0.1:$port"; elif port_open; then echo "port $port served by another process"; else echo "stopped"; exit 3; fi ;;
  console-producer) shift; fetch_jars; java_run kafka.tools.ConsoleProducer --bootstrap-server "127.0.0.1:$port" "$@" ;;
  topics) shift; fetch_jars; java_run org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" "$@" ;;
  # kcat (librdkafka), a producer this project did not write: installed from Debian's packages when missing (needs root, as on CI).
  kcat) shift
    if ! command -v kcat >/dev/null 2>&1; then
      [ "$(id -u)" = 0 ] || { say "kcat is not installed: apt-get install -y kcat (as root)"; exit 1; }
      say "installing kcat from Debian's packages (once)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
    fi
    kcat -b "127.0.0.1:$port" "$@" ;;
  reset) stop; rm -rf "$data"; say "data removed" ;;
  *) echo "usage: $0 start|stop|status|reset|console-producer <args>|topics <args>|kcat <args>" >&2; exit 2 ;;
esac
