/* MPI hello for the Slurm tests: every rank prints its rank, the world size, an Allreduce of the
 * ranks, and the Slurm node it runs on, both from its own environment and from its parent's
 * (MPICH's Hydra copies mpiexec's environment into every rank, so only the parent, the node's
 * launcher proxy, tells the node there). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void parent_node(char *out, size_t size) {
    char path[64], buf[65536];
    snprintf(out, size, "-");
    snprintf(path, sizeof path, "/proc/%d/environ", (int)getppid());
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (strncmp(buf + i, "SLURMD_NODENAME=", 16) == 0) { snprintf(out, size, "%s", buf + i + 16); return; }
}

int main(int argc, char **argv) {
    int rank, size, sum = 0;
    char parent[256];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    const char *own = getenv("SLURMD_NODENAME");
    parent_node(parent, sizeof parent);
    printf("rank=%d size=%d sum=%d node=%s parent_node=%s\n", rank, size, sum, own ? own : "-", parent);
    MPI_Finalize();
    return 0;
}
