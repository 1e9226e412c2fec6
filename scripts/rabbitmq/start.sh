#!/usr/bin/env bash
# Start a private RabbitMQ broker on 127.0.0.1 for the Globus Compute tests (it stands in for
# compute.amqps.globus.org, which streams task results to the SDK).
#
#   scripts/rabbitmq/start.sh DIR [PORT]
#
# Everything lives under DIR (data, logs, config); the broker listens on 127.0.0.1:PORT
# (default 5672), its Erlang distribution port on 127.0.0.1 only, and epmd on loopback.
# Prints "NODE PORT" when the broker answers; stop it with scripts/rabbitmq/stop.sh DIR.
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
port=${2:-5672}
server=/usr/lib/rabbitmq/bin/rabbitmq-server
ctl=/usr/lib/rabbitmq/bin/rabbitmqctl
if [ ! -x "$server" ]; then
    echo "rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2
    exit 2
fi
node="chiltepin-$port@localhost"
mkdir -p "$dir/mnesia" "$dir/log"
echo '[].' > "$dir/enabled_plugins"
printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' "$port" > "$dir/rabbitmq.conf"
cat > "$dir/env" <<ENV
export RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$((port + 20000)) ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$dir/mnesia
export RABBITMQ_LOG_BASE=$dir/log RABBITMQ_CONFIG_FILE=$dir/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export HOME=$dir
ENV
# shellcheck disable=SC1091
. "$dir/env"
setsid "$server" > "$dir/server.out" 2>&1 < /dev/null &
echo $! > "$dir/server.pid"
for _ in $(seq 1 120); do
    if "$ctl" -n "$node" status > /dev/null 2>&1; then
        echo "$node $port"
        exit 0
    fi
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
        echo "rabbitmq-server exited; see $dir/server.out and $dir/log" >&2
        tail -n 20 "$dir/server.out" >&2 || true
        exit 1
    fi
    sleep 0.5
done
echo "rabbitmq-server did not answer within 60 s; see $dir/log" >&2
exit 1
