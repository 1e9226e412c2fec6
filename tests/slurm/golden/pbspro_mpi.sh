#!/bin/bash

#PBS -S /bin/bash
#PBS -N parsl.pbs.block-0.<time>
#PBS -m n
#PBS -l walltime=00:30:00
#PBS -l select=2:ncpus=8:mpiprocs=8
#PBS -o /HOME/runinfo/<run>/submit_scripts/parsl.pbs.block-0.<time>.stdout
#PBS -e /HOME/runinfo/<run>/submit_scripts/parsl.pbs.block-0.<time>.stderr


module load mpich

export JOBNAME="parsl.pbs.block-0.<time>"

python3 -m chiltepin_mpi.worker_pool  --max_workers_per_node=1 -a 127.0.0.1 -p 0 -c 1e-09 -m None --poll 10 --port=<port> --cert_dir /HOME/runinfo/<run>/pbs/certificates --logdir=/HOME/runinfo/<run>/pbs --logconf=None --block_id=0 --hb_period=30  --hb_threshold=120 --drain_period=1620 --cpu-affinity none --enable_mpi_mode  --mpi-launcher=mpiexec --available-accelerators 
