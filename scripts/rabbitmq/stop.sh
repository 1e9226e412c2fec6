#!/usr/bin/env bash
# Stop the broker that scripts/rabbitmq/start.sh DIR started: SIGTERM to its process group
# (RabbitMQ shuts down cleanly on it), SIGKILL after 20 s; then stop epmd if no Erlang node
# is left registered with it.
set -uo pipefail
dir=$1
pid=$(cat "$dir/server.pid" 2>/dev/null) || exit 0
[ -n "$pid" ] || exit 0
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
for _ in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
done
kill -KILL -- "-$pid" 2>/dev/null
rm -f "$dir/server.pid"
if command -v epmd > /dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill > /dev/null 2>&1
fi
exit 0
