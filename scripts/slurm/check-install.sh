#!/usr/bin/env bash
# Check that the Slurm daemons and clients the test cluster needs are installed; print what is
# missing and exit 1 if anything is. Install with scripts/install-system-deps.sh.
set -uo pipefail
missing=()
for cmd in slurmctld slurmd sbatch squeue scancel scontrol sinfo srun; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]}"
    exit 1
fi
echo "slurm: $(slurmctld -V)"
