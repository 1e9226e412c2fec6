#!/bin/bash

#SBATCH --job-name=parsl.hpc.block-0.<time>
#SBATCH --output=/HOME/runinfo/<run>/submit_scripts/parsl.hpc.block-0.<time>.stdout
#SBATCH --error=/HOME/runinfo/<run>/submit_scripts/parsl.hpc.block-0.<time>.stderr
#SBATCH --nodes=2
#SBATCH --time=90
#SBATCH --ntasks-per-node=1
#SBATCH --licenses=scratch
#SBATCH --exclusive
#SBATCH --partition=debug
#SBATCH --account=wx-ops
#SBATCH --cpus-per-task=4

module load gcc/12
export OMP_PROC_BIND=true
export PARSL_CORES=4


export JOBNAME="parsl.hpc.block-0.<time>"

set -e
export CORES=$SLURM_CPUS_ON_NODE
export NODES=$SLURM_JOB_NUM_NODES

[[ "1" == "1" ]] && echo "Found cores : $CORES"
[[ "1" == "1" ]] && echo "Found nodes : $NODES"
WORKERCOUNT=2
SCRIPT_DIR="/HOME/runinfo/<run>/submit_scripts"
[[ -d $SCRIPT_DIR ]] || SCRIPT_DIR=""

cat << SLURM_EOF > ${SCRIPT_DIR:+$SCRIPT_DIR/}cmd_$SLURM_JOB_NAME.sh
process_worker_pool.py  --max_workers_per_node=4 -a 127.0.0.1 -p 0 -c 1.0 -m None --poll 10 --port=<port> --cert_dir /HOME/runinfo/<run>/hpc/certificates --logdir=/HOME/runinfo/<run>/hpc --logconf=None --block_id=0 --hb_period=30  --hb_threshold=120 --drain_period=4860 --cpu-affinity none  --mpi-launcher=mpiexec --available-accelerators 
SLURM_EOF
chmod a+x ${SCRIPT_DIR:+$SCRIPT_DIR/}cmd_$SLURM_JOB_NAME.sh

srun --ntasks 2 -l  bash ${SCRIPT_DIR:+$SCRIPT_DIR/}cmd_$SLURM_JOB_NAME.sh

[[ "1" == "1" ]] && echo "Done"

