// Running one experiment across several processes (issue 8): `mpirun -np N mpsim run X.yaml`
// gives point i to rank i % N, and rank 0 gathers every rank's results into one result set,
// identical to a one-process run because each point is a pure function of its config and seed.
//
// MPI is initialised only when the process was started by a launcher (mpirun / srun set
// OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE): a plain `mpsim run` never touches MPI, so it
// needs no MPI runtime and prints nothing of MPI's. Without MPI in the build, a launched run is
// refused with one line rather than silently running N copies of the whole sweep.
#pragma once

#include <string>
#include <vector>

namespace mpsim::host {

class MpiContext {
 public:
  // Initialises MPI when launched under a launcher (see above); throws std::runtime_error with
  // one line when launched but MPI was not built in.
  MpiContext();
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  bool owns(std::size_t point_index) const { return static_cast<int>(point_index % static_cast<std::size_t>(size_)) == rank_; }

  // Every rank passes its strings; rank 0 receives all of them (its own first, then rank 1's,
  // ...), other ranks receive an empty vector.
  std::vector<std::string> gather(const std::vector<std::string>& mine) const;
  // All ranks learn whether any rank failed, so that all stop together.
  bool any(bool mine) const;

  static bool launched_by_mpi();

 private:
  int rank_ = 0, size_ = 1;
  bool initialised_ = false;
};

}  // namespace mpsim::host
