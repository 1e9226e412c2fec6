#!/usr/bin/env bash
# Stop a cluster started by cluster-up.sh DIR: cancel its jobs, then TERM the slurmd's and the
# slurmctld by their saved PIDs (all at once: each takes 1-2 s to exit), and KILL whatever is
# still alive after a bounded wait.
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

# Alive and not a zombie (this machine's PID 1 may reap exited daemons late).
running() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

stop() {
    local pids=() pidfile pid deadline
    for pidfile in "$@"; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if running "$pid"; then
            kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    deadline=$(( $(date +%s) + grace ))
    for pid in "${pids[@]}"; do
        while running "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
        if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    rm -f "$@"
}

stop "$dir"/run/*.pid
