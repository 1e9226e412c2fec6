#!/usr/bin/env bash
# Install the Debian packages the test suite runs for real: Slurm (controller + node daemons),
# Open MPI and MPICH with compilers, RabbitMQ (the Globus Compute result broker stand-in), Redis
# (the networked exchange agents talk through, chiltepin-agents), Graphviz (chiltepin dag) and
# Chromium (the dashboard and report are tested in headless Chromium).
# Idempotent: does nothing when everything is present. Needs root (CI runs as root).
set -euo pipefail
packages=(slurm-wlm slurmctld slurmd slurm-client munge openmpi-bin libopenmpi-dev mpich libmpich-dev gcc
          rabbitmq-server redis-server iproute2 graphviz fonts-dejavu-core chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: need root to install: ${missing[*]}" >&2
    exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
