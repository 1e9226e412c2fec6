#!/usr/bin/env bash
# Stop a cluster started by cluster-up.sh DIR: cancel its jobs, then TERM the slurmd's and the
# slurmctld by their saved PIDs, and KILL whatever is still alive after a bounded wait.
#
#   cluster-down.sh DIR [GRACE_SECONDS=10]
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: cluster-down.sh DIR [GRACE_SECONDS]" >&2; exit 1; }
dir=$1
grace=${2:-10}
[ -d "$dir/run" ] || exit 0

if [ -f "$dir/etc/slurm.conf" ] && [ -f "$dir/run/slurmctld.pid" ] && kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
    SLURM_CONF="$dir/etc/slurm.conf" timeout 5 scancel --full --quiet --user "$(id -un)" 2>/dev/null || true
fi

# Stop by saved PID, nodes first, then the controller.
stop() {
    local pids=() pidfile pid deadline
    for pidfile in "$@"; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    deadline=$(( $(date +%s) + grace ))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    rm -f "$@"
}

stop "$dir"/run/slurmd-*.pid
stop "$dir"/run/slurmctld.pid
