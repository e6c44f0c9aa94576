#include "placement.hpp"

#include "report.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#if defined(OPEN_MPI) && OPEN_MPI && __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#endif

namespace hwplan::probe_net {
namespace {

std::string trimmed(const char* text) {
    std::string s(text);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\0'))
        s.pop_back();
    return s;
}

void query_cuda_awareness(Placement& p) {
#if defined(OMPI_HAVE_MPI_EXT_CUDA) && OMPI_HAVE_MPI_EXT_CUDA
    // Open MPI: the compile-time macro says how the headers were built, the
    // runtime query what the library in use supports; the runtime answer wins.
    const int compiled = MPIX_CUDA_AWARE_SUPPORT;
    const int runtime = MPIX_Query_cuda_support();
    p.cuda_aware = runtime ? "yes" : "no";
    p.cuda_aware_source = "MPIX_Query_cuda_support() = " + std::to_string(runtime) +
                          " (compiled with MPIX_CUDA_AWARE_SUPPORT = " + std::to_string(compiled) + ")";
#else
    p.cuda_aware = "unknown";
    p.cuda_aware_source = "no MPIX_Query_cuda_support in this MPI library's headers";
#endif
}

}  // namespace

const char* to_string(LinkClass link) {
    switch (link) {
        case LinkClass::intra_host: return "intra_host";
        case LinkClass::inter_host: return "inter_host";
    }
    return "?";
}

Placement gather_placement(MPI_Comm world, int fake_hosts) {
    Placement p;
    int rank = 0, size = 0;
    PROBE_MPI(MPI_Comm_rank(world, &rank));
    PROBE_MPI(MPI_Comm_size(world, &size));

    char name[MPI_MAX_PROCESSOR_NAME + 1] = {0};
    int name_len = 0;
    PROBE_MPI(MPI_Get_processor_name(name, &name_len));

    MPI_Comm host_comm = MPI_COMM_NULL;
    PROBE_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &host_comm));
    int local_rank = 0;
    PROBE_MPI(MPI_Comm_rank(host_comm, &local_rank));
    // The host's lowest world rank identifies it.
    int leader = rank;
    PROBE_MPI(MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, host_comm));
    PROBE_MPI(MPI_Comm_free(&host_comm));

    std::vector<char> names(static_cast<size_t>(size) * (MPI_MAX_PROCESSOR_NAME + 1));
    PROBE_MPI(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME + 1, MPI_CHAR, names.data(),
                            MPI_MAX_PROCESSOR_NAME + 1, MPI_CHAR, world));
    int mine[2] = {local_rank, leader};
    std::vector<int> all(static_cast<size_t>(size) * 2);
    PROBE_MPI(MPI_Allgather(mine, 2, MPI_INT, all.data(), 2, MPI_INT, world));

    std::map<int, int> node_of_leader;
    p.ranks.resize(static_cast<size_t>(size));
    for (int r = 0; r < size; ++r) {
        RankPlace& rp = p.ranks[static_cast<size_t>(r)];
        rp.rank = r;
        const char* n = names.data() + static_cast<size_t>(r) * (MPI_MAX_PROCESSOR_NAME + 1);
        rp.host = std::string(n, strnlen(n, MPI_MAX_PROCESSOR_NAME));
        rp.local_rank = all[2 * static_cast<size_t>(r)];
        int l = all[2 * static_cast<size_t>(r) + 1];
        auto [it, inserted] = node_of_leader.try_emplace(l, static_cast<int>(node_of_leader.size()));
        rp.node = it->second;
    }
    p.host_count = static_cast<int>(node_of_leader.size());
    if (fake_hosts > 0) {
        const int per_host = (size + fake_hosts - 1) / fake_hosts;
        for (RankPlace& rp : p.ranks) {
            rp.node = rp.rank / per_host;
            rp.local_rank = rp.rank % per_host;
            rp.host += "-fake" + std::to_string(rp.node);
        }
        p.host_count = (size + per_host - 1) / per_host;
        p.fake_hosts = fake_hosts;
    }

    char lib[MPI_MAX_LIBRARY_VERSION_STRING + 1] = {0};
    int lib_len = 0;
    PROBE_MPI(MPI_Get_library_version(lib, &lib_len));
    p.library = trimmed(lib);
    int major = 0, minor = 0;
    PROBE_MPI(MPI_Get_version(&major, &minor));
    p.standard = std::to_string(major) + "." + std::to_string(minor);
    query_cuda_awareness(p);
    return p;
}

std::vector<Pair> representative_pairs(const Placement& placement) {
    std::vector<Pair> pairs;
    const auto& ranks = placement.ranks;
    if (ranks.size() < 2) return pairs;
    const RankPlace& zero = ranks[0];
    for (const RankPlace& r : ranks) {
        if (r.rank != 0 && r.node == zero.node) {
            pairs.push_back({0, r.rank, LinkClass::intra_host});
            break;
        }
    }
    int other = -1;
    for (const RankPlace& r : ranks) {
        if (r.node == zero.node) continue;
        if (r.local_rank == zero.local_rank) {
            other = r.rank;
            break;
        }
        if (other < 0) other = r.rank;
    }
    if (other >= 0) pairs.push_back({0, other, LinkClass::inter_host});
    return pairs;
}

}  // namespace hwplan::probe_net
