# Sourced by testenv: PostgreSQL, RabbitMQ, the image registry and Kafka.
# They need nothing else, so they start side by side.

PG_PORT=${KLI8NT_TESTENV_PG_PORT:-$((25432 + off))}
AMQP_PORT=${KLI8NT_TESTENV_AMQP_PORT:-$((25672 + off))}
EPMD_PORT=${KLI8NT_TESTENV_EPMD_PORT:-$((24369 + off))}
RABBIT_DIST_PORT=${KLI8NT_TESTENV_RABBIT_DIST_PORT:-$((25682 + off))}
KAFKA_PORT=${KLI8NT_TESTENV_KAFKA_PORT:-$((29092 + off))}
KAFKA_CONTROLLER_PORT=${KLI8NT_TESTENV_KAFKA_CONTROLLER_PORT:-$((29093 + off))}
REGISTRY_PORT=${KLI8NT_TESTENV_REGISTRY_PORT:-$((25000 + off))}
PG_BIN=/usr/lib/postgresql/15/bin
# Kafka's jars, keyed by the pom that pins them.
KAFKA_CACHE=$CACHE_ROOT/testenv-kafka-$(sha256sum <"$SELF_DIR/kafka/pom.xml" | cut -c1-12)
RABBIT_BIN=/usr/lib/rabbitmq/bin

SERVICES+=(postgres rabbitmq registry kafka)
PORT+=([postgres]=$PG_PORT [rabbitmq]=$AMQP_PORT [registry]=$REGISTRY_PORT [kafka]=$KAFKA_PORT)
GROUP+=([pg]=postgres [postgresql]=postgres [rabbit]=rabbitmq)
APT_PACKAGES+=(postgresql-15 rabbitmq-server docker-registry maven openjdk-17-jre-headless)

fetch_kafka() {
  [[ -f $KAFKA_CACHE/.kafka.done ]] && return 0
  mkdir -p "$KAFKA_CACHE"
  exec 9>"$KAFKA_CACHE/.kafka.lock"
  flock 9
  [[ -f $KAFKA_CACHE/.kafka.done ]] && return 0
  log "fetching Kafka jars"
  rm -rf "$KAFKA_CACHE/kafka-libs.tmp"
  mvn -q -B -Dstyle.color=never -f "$SELF_DIR/kafka/pom.xml" -Dmaven.repo.local="$CACHE_ROOT/m2" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_CACHE/kafka-libs.tmp" </dev/null
  rm -rf "$KAFKA_CACHE/kafka-libs"; mv "$KAFKA_CACHE/kafka-libs.tmp" "$KAFKA_CACHE/kafka-libs"
  touch "$KAFKA_CACHE/.kafka.done"
  flock -u 9
}

# ---------------------------------------------------------------- postgres --

# PostgreSQL refuses to run as root and must reach its data dir as the
# postgres user; a run dir under /root is not traversable, so the cluster
# then lives under /var/tmp (keyed by run dir) behind a symlink.
pg_data_dir() {
  local base=$RUN_DIR
  if [[ $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
    base=/var/tmp/kli8nt-testenv-$(printf %s "$RUN_DIR" | sha256sum | cut -c1-8)
  fi
  echo "$base/postgres"
}
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

postgres_pid() { local d; d=$(pg_data_dir); [[ -r $d/postmaster.pid ]] && head -1 "$d/postmaster.pid" || true; }
postgres_running() { pid_alive "$(postgres_pid)" postgres; }
postgres_start() {
  local data; data=$(pg_data_dir)
  if [[ ! -f $data/PG_VERSION ]]; then
    mkdir -p "$(dirname "$data")"; chmod 755 "$(dirname "$data")"
    rm -rf "$data"; mkdir -p "$data"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$data"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-sync >>"$LOG_DIR/postgres-initdb.log" 2>&1 ||
      die "initdb failed (see $LOG_DIR/postgres-initdb.log)"
    [[ $data == "$RUN_DIR/postgres" ]] || ln -sfn "$data" "$RUN_DIR/postgres"
  fi
  # The server writes its log itself, as postgres, so it sits next to the
  # data dir (reachable by postgres) and logs/ only links to it.
  local pglog=$data.log
  [[ -f $pglog ]] || { touch "$pglog"; [[ $(id -u) == 0 ]] && chown postgres:postgres "$pglog"; }
  [[ $pglog == "$LOG_DIR/postgres.log" ]] || ln -sfn "$pglog" "$LOG_DIR/postgres.log"
  # fsync/full_page_writes off: test data is disposable and this makes
  # schema migrations several times faster. max_connections: Backstage test
  # databases open a pool per plugin.
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$pglog" -w -t 60 \
    -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
}
postgres_stop() {
  postgres_running || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$(pg_data_dir)" -m fast -w -t 60 stop >/dev/null
}

# ---------------------------------------------------------------- rabbitmq --

rabbit_env() {
  local d=$RUN_DIR/rabbitmq
  env HOME="$d/home" RABBITMQ_CONF_ENV_FILE=/dev/null \
    ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_NODENAME=kli8nt-testenv@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$AMQP_PORT" RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$LOG_DIR/rabbitmq" \
    RABBITMQ_PID_FILE="$d/rabbitmq.pid" RABBITMQ_CONFIG_FILE="$d/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$RABBIT_LOOPBACK_DIST" \
    RABBITMQ_CTL_ERL_ARGS="$RABBIT_LOOPBACK_DIST" "$@"
}
# Erlang distribution listens on every interface unless told otherwise, and
# the real node's build pods reach the host's veth address: loopback only
# (found while writing the hostile-repository test, #17).
RABBIT_LOOPBACK_DIST='-kernel inet_dist_use_interface {127,0,0,1}'
rabbitmq_pid() { [[ -r $RUN_DIR/rabbitmq/rabbitmq.pid ]] && cat "$RUN_DIR/rabbitmq/rabbitmq.pid" || true; }
# The node name is passed by env, not argv; its home dir is unique to us.
rabbitmq_running() { pid_alive "$(rabbitmq_pid)" "$RUN_DIR/rabbitmq/home"; }
rabbitmq_start() {
  local d=$RUN_DIR/rabbitmq
  mkdir -p "$d/home" "$d/mnesia" "$LOG_DIR/rabbitmq"
  # loopback_users = none: the guest user may connect at all (it is
  # loopback-only by default, and our clients are on loopback anyway, but
  # tests also connect by the machine's name in some setups).
  cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
loopback_users = none
EOF
  echo '[].' >"$d/enabled_plugins"
  rm -f "$d/rabbitmq.pid"
  # The server daemonizes and starts epmd on our port; its output goes to a
  # file because a pipe that closes early makes it hang.
  rabbit_env "$RABBIT_BIN/rabbitmq-server" -detached >>"$LOG_DIR/rabbitmq.log" 2>&1 </dev/null
  rabbit_env "$RABBIT_BIN/rabbitmqctl" -q wait --timeout 90 "$d/rabbitmq.pid" >>"$LOG_DIR/rabbitmq.log" 2>&1 ||
    die "rabbitmq did not start (see $LOG_DIR/rabbitmq.log and $LOG_DIR/rabbitmq/)"
}
rabbitmq_stop() {
  if rabbitmq_running; then
    rabbit_env "$RABBIT_BIN/rabbitmqctl" -q stop "$RUN_DIR/rabbitmq/rabbitmq.pid" >>"$LOG_DIR/rabbitmq.log" 2>&1 ||
      stop_pid "$(rabbitmq_pid)" "$RUN_DIR/rabbitmq/home"
  fi
  epmd_stop
}
# epmd outlives the node that started it (also a crashed one); only ours
# (by port) is killed.
rabbitmq_cleanup() { epmd_stop; }
epmd_stop() {
  if ERL_EPMD_PORT=$EPMD_PORT epmd -names >/dev/null 2>&1; then
    ERL_EPMD_PORT=$EPMD_PORT epmd -kill >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------- registry --

registry_start() {
  local d=$RUN_DIR/registry
  mkdir -p "$d/data"
  cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
EOF
  spawn registry /usr/bin/docker-registry serve "$d/config.yml"
  wait_until 30 registry curl -fsS "http://127.0.0.1:$REGISTRY_PORT/v2/"
}

# ------------------------------------------------------------------- kafka --

kafka_start() {
  fetch_kafka >>"$LOG_DIR/build.log" 2>&1 || die "fetching Kafka failed (see $LOG_DIR/build.log)"
  local d=$RUN_DIR/kafka
  mkdir -p "$d/data"
  # Single combined broker+controller with a static voter set; internal
  # topics get replication factor 1 because there is one broker. Topics
  # must be created explicitly, as in production.
  cat >"$d/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$d/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = WARN
EOF
  local java_opts=(-Xmx"$KAFKA_HEAP" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$d/log4j2.properties" -cp "$KAFKA_CACHE/kafka-libs/*")
  if [[ ! -f $d/data/meta.properties ]]; then
    # A Kafka cluster id is 16 random bytes in unpadded base64url.
    local id; id=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=')
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$d/server.properties" \
      >>"$LOG_DIR/kafka.log" 2>&1 || die "kafka storage format failed (see $LOG_DIR/kafka.log)"
  fi
  local mark; mark=$(wc -l <"$LOG_DIR/kafka.log" 2>/dev/null || echo 0)
  spawn kafka java "${java_opts[@]}" kafka.Kafka "$d/server.properties"
  # "started" is logged once the broker is unfenced and serving, which is
  # later than the port opening.
  wait_until 120 kafka kafka_started_since "$mark"
}
kafka_started_since() {
  kafka_running || die "kafka exited during start-up (see $LOG_DIR/kafka.log)"
  tail -n +"$(($1 + 1))" "$LOG_DIR/kafka.log" | grep 'Kafka Server started' >/dev/null
}
kafka_running() { pid_alive "$(cat "$PID_DIR/kafka.pid" 2>/dev/null)" kafka.Kafka; }
kafka_stop() { stop_pid "$(cat "$PID_DIR/kafka.pid" 2>/dev/null)" kafka.Kafka 60; }

registry_running() { pid_alive "$(cat "$PID_DIR/registry.pid" 2>/dev/null)" docker-registry; }
registry_stop() { stop_pid "$(cat "$PID_DIR/registry.pid" 2>/dev/null)" docker-registry; }

core_env() {
  local pg="postgresql://postgres@127.0.0.1:$PG_PORT"
  cat <<EOF
export KLI8NT_TEST_PG_URL='$pg'
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING='$pg'
export KLI8NT_TEST_AMQP_URL='amqp://guest:guest@127.0.0.1:$AMQP_PORT'
export KLI8NT_TEST_KAFKA_BROKERS='127.0.0.1:$KAFKA_PORT'
export KLI8NT_TEST_REGISTRY='127.0.0.1:$REGISTRY_PORT'
EOF
}
