#!/usr/bin/env bash
# Start a private Slurm cluster on this machine for tests: one slurmctld and NODES slurmd "nodes"
# (n1..nN, several slurmd on 127.0.0.1 with distinct ports), auth/none, everything under DIR.
#
#   cluster-up.sh DIR [NODES=3] [CPUS_PER_NODE=4] [PORT=auto]
#
# Writes DIR/etc/slurm.conf, starts the daemons in the foreground mode (-D) in the background,
# saves their PIDs in DIR/run/*.pid and waits (bounded) until every node is idle. Prints the line
# `export SLURM_CONF=DIR/etc/slurm.conf` on success. Stop it with cluster-down.sh DIR.
# The controller's port is PORT; node i listens on PORT+i.
set -euo pipefail

die() { echo "cluster-up: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: cluster-up.sh DIR [NODES] [CPUS_PER_NODE] [PORT]"
dir=$(mkdir -p "$1" && cd "$1" && pwd)
nodes=${2:-3}
cpus=${3:-4}
port=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

"$here/check-install.sh" >/dev/null || die "Slurm is not installed (run scripts/install-system-deps.sh)"

for pidfile in "$dir"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        die "a daemon of this cluster is still running (PID $(cat "$pidfile") in $pidfile); run cluster-down.sh $dir"
    fi
done

if [ -z "$port" ]; then
    port=$(python3 - "$nodes" <<'EOF'
import random, socket, sys
nodes = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 60000 - nodes)
    socks = []
    try:
        for p in range(base, base + nodes + 1):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    break
else:
    sys.exit("no free port range")
EOF
)
fi

rm -rf "$dir"/{etc,state,spool,log,run,tmp}
mkdir -p "$dir"/{etc,state,log,run}
for i in $(seq 1 "$nodes"); do mkdir -p "$dir/spool/n$i" "$dir/tmp/n$i"; done

host=$(hostname -s)
conf="$dir/etc/slurm.conf"
cat > "$conf" <<EOF
ClusterName=c$port
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
TmpFS=$dir/tmp/%n
SlurmctldPidFile=$dir/run/slurmctld.daemon-pid
SlurmdPidFile=$dir/run/slurmd-%n.daemon-pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=300
KillWait=2
InactiveLimit=0
Waittime=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=n[1-$nodes] NodeHostname=$host NodeAddr=127.0.0.1 Port=[$((port + 1))-$((port + nodes))] CPUs=$cpus RealMemory=$((cpus * 1000)) State=UNKNOWN
PartitionName=debug Nodes=n[1-$nodes] Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf

alive() { kill -0 "$(cat "$1")" 2>/dev/null; }
fail() { "$here/cluster-down.sh" "$dir" >/dev/null 2>&1 || true; die "$1 (logs in $dir/log)"; }

# Bounded wait: run "$2" until it succeeds or $1 seconds pass, checking the daemons are alive.
wait_for() {
    local limit=$1 cond=$2 deadline
    deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    until eval "$cond" >/dev/null 2>&1; do
        for pidfile in "$dir"/run/*.pid; do
            alive "$pidfile" || fail "$(basename "$pidfile" .pid) exited"
        done
        [ "$(date +%s%N)" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for: $cond"
        sleep 0.05
    done
}

slurmctld -D -f "$conf" >"$dir/log/slurmctld.console" 2>&1 &
echo $! > "$dir/run/slurmctld.pid"
wait_for 15 "timeout 2 scontrol ping | grep -q 'is UP'"

for i in $(seq 1 "$nodes"); do
    slurmd -D -N "n$i" -f "$conf" >"$dir/log/slurmd-n$i.console" 2>&1 &
    echo $! > "$dir/run/slurmd-n$i.pid"
done
wait_for 20 "[ \"\$(timeout 2 sinfo -h -N -t idle -o '%N' | sort -u | wc -l)\" -eq $nodes ]"

echo "export SLURM_CONF=$conf"
