program simulation
  use mpi
  implicit none
  integer :: ierr, rank, nranks, total
  character(len=256) :: input_file
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  call get_command_argument(1, input_file)
  call MPI_Allreduce(rank, total, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  print '(A,I0,A,I0,A,I0,A,A)', 'rank ', rank, ' of ', nranks, ' sum ', total, ' input ', trim(input_file)
  call MPI_Finalize(ierr)
end program simulation
