#!/usr/bin/env bash
# Stop the broker that scripts/rabbitmq/start.sh DIR started (by its node name, then its PID).
set -uo pipefail
dir=$1
[ -f "$dir/env" ] || exit 0
# shellcheck disable=SC1091
. "$dir/env"
/usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" stop > /dev/null 2>&1
pid=$(cat "$dir/server.pid" 2>/dev/null)
if [ -n "$pid" ]; then
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.25
    done
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
fi
exit 0
