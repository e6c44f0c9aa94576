#pragma once
// Where the ranks run: host names, local ranks, which ranks share a host, and
// the MPI library in use. Hosts are told apart with MPI_Comm_split_type
// (MPI_COMM_TYPE_SHARED), which groups ranks that can share memory; the names
// from MPI_Get_processor_name are recorded for the reader.

#include <mpi.h>

#include <string>
#include <vector>

namespace hwplan::probe_net {

// The link class of a rank pair; fitted separately (NVLink/shared memory vs NIC).
enum class LinkClass { intra_host, inter_host };
[[nodiscard]] const char* to_string(LinkClass link);

struct RankPlace {
    int rank = 0;
    std::string host;    // MPI_Get_processor_name
    int local_rank = 0;  // rank within its host (shared-memory communicator)
    int node = 0;        // index of its host, in order of first appearance
};

struct Placement {
    std::vector<RankPlace> ranks;  // indexed by world rank, known on every rank
    int host_count = 0;
    int fake_hosts = 0;             // > 0: placement faked by --fake-hosts (testing aid)
    std::string library;            // MPI_Get_library_version
    std::string standard;           // MPI_Get_version, "3.1"
    std::string cuda_aware;         // "yes", "no" or "unknown"
    std::string cuda_aware_source;  // how cuda_aware was decided
};

// Collective over `world`. `fake_hosts` > 0 replaces the real hosts by that
// many pretend hosts of consecutive ranks (the --fake-hosts testing aid).
[[nodiscard]] Placement gather_placement(MPI_Comm world, int fake_hosts);

struct Pair {
    int a = 0;  // always world rank 0, which times and reports
    int b = 0;
    LinkClass link = LinkClass::intra_host;
};

// A representative set of pairs: rank 0 with one same-host peer and one
// other-host peer (preferring the one with rank 0's local rank, i.e. the same
// rail under --map-by ppr:G:node), when they exist.
[[nodiscard]] std::vector<Pair> representative_pairs(const Placement& placement);

}  // namespace hwplan::probe_net
