#include "host/experiment/mpi_context.hpp"

#include <cstdlib>
#include <stdexcept>

#ifdef MPSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace mpsim::host {

bool MpiContext::launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

#ifdef MPSIM_HAVE_MPI

MpiContext::MpiContext() {
  if (!launched_by_mpi()) return;
  MPI_Init(nullptr, nullptr);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiContext::~MpiContext() {
  if (initialised_) MPI_Finalize();
}

std::vector<std::string> MpiContext::gather(const std::vector<std::string>& mine) const {
  if (size_ == 1) return mine;
  // One message per rank: the strings joined with their lengths in front, so any byte may occur.
  std::string packed;
  for (const std::string& s : mine) packed += std::to_string(s.size()) + ":" + s;
  int length = static_cast<int>(packed.size());
  std::vector<int> lengths(static_cast<std::size_t>(size_));
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(static_cast<std::size_t>(size_), 0);
  std::string all;
  if (rank_ == 0) {
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[static_cast<std::size_t>(r)] = total;
      total += lengths[static_cast<std::size_t>(r)];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(packed.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
              MPI_COMM_WORLD);
  std::vector<std::string> out;
  if (rank_ != 0) return out;
  for (std::size_t pos = 0; pos < all.size();) {
    const std::size_t colon = all.find(':', pos);
    const std::size_t n = std::stoul(all.substr(pos, colon - pos));
    out.push_back(all.substr(colon + 1, n));
    pos = colon + 1 + n;
  }
  return out;
}

bool MpiContext::any(bool mine) const {
  if (size_ == 1) return mine;
  int in = mine ? 1 : 0, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out != 0;
}

#else

MpiContext::MpiContext() {
  if (launched_by_mpi()) {
    throw std::runtime_error("started by mpirun, but this mpsim was built without MPI (install libopenmpi-dev and rebuild)");
  }
}
MpiContext::~MpiContext() = default;
std::vector<std::string> MpiContext::gather(const std::vector<std::string>& mine) const { return mine; }
bool MpiContext::any(bool mine) const { return mine; }

#endif

}  // namespace mpsim::host
