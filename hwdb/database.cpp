#include "hwdb/database.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <set>
#include <system_error>

#include "hwdb/atomic_file.hpp"
#include "hwdb/engine_file.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/model_file.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/suggest.hpp"

namespace hwplan::hwdb {

namespace fs = std::filesystem;

namespace {

// The files of one database folder, sorted so that errors come in a stable
// order. A missing folder is empty (a custom HWPLAN_DATA may hold only GPUs).
std::vector<fs::path> files_in(const fs::path& dir, Problems& problems, bool json_too) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        if (name.empty() || name.front() == '.' || !it->is_regular_file(ec)) continue;
        const std::string ext = p.extension().string();
        if (ext == ".yaml" || (json_too && ext == ".json")) out.push_back(p);
        else if (ext == ".yml")
            problems.add(p.string(), "rename to '" + p.stem().string() + ".yaml' (hwplan reads *.yaml)");
    }
    if (ec) problems.add(dir.string(), "cannot list folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

std::string known_list(const auto& map) {
    std::string s;
    for (const auto& [id, value] : map) s += (s.empty() ? "" : ", ") + id;
    return s.empty() ? "(none)" : s;
}

// " (did you mean 'x'?)" for a near-typo, else for a unique id that starts
// with or contains what was typed ("h10" -> 'h100-sxm' only if it is the one).
std::string suggest_id(std::string_view word, const auto& map) {
    std::vector<std::string> ids;
    for (const auto& [id, value] : map) ids.push_back(id);
    if (auto c = closest(word, ids)) return " (did you mean '" + *c + "'?)";
    if (word.empty()) return {};
    std::vector<std::string> partial;
    for (const auto& id : ids)
        if (id.find(word) != std::string::npos) partial.push_back(id);
    if (partial.empty() || partial.size() > 3) return {};
    std::string s = " (did you mean ";
    for (std::size_t i = 0; i < partial.size(); ++i)
        s += (i == 0 ? "" : i + 1 == partial.size() ? " or " : ", ") + ("'" + partial[i] + "'");
    return s + "?)";
}

// What the user typed, safe to print on one line.
std::string shown(std::string_view id) {
    std::string s(id.substr(0, 80));
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return id.size() > 80 ? s + "..." : s;
}

template <class Map>
const typename Map::mapped_type& lookup(const Map& map, std::string_view id, const char* what) {
    if (auto it = map.find(id); it != map.end()) return it->second;
    throw Error("unknown " + std::string(what) + " '" + shown(id) + "'" + suggest_id(id, map) +
                "; known: " + known_list(map));
}

// Reads every file of one kind into `into`; ids must be unique across all
// hardware kinds (`owner` maps id -> defining file) so `hw show <id>` is
// never ambiguous.
// Files that failed to load are remembered by stem, so a system naming a
// broken GPU does not add a second, misleading "unknown GPU" error.
using Broken = std::set<std::string, std::less<>>;

template <class T, class Parse>
void load_kind(const fs::path& dir, Parse parse, std::map<std::string, T, std::less<>>& into,
               std::map<std::string, std::string>& owner, Broken& broken, Problems& problems) {
    for (const auto& path : files_in(dir, problems, false)) {
        const std::string file = path.string();
        std::string text;
        try {
            text = read_file(path, kMaxInputFileBytes);
        } catch (const Error& e) {
            problems.add(e);
            broken.insert(path.stem().string());
            continue;
        }
        auto value = parse(text, file, path.stem().string(), problems);
        if (!value) {
            broken.insert(path.stem().string());
            continue;
        }
        std::string id;
        if constexpr (std::is_same_v<T, model::System>) id = value->system.id;
        else id = value->id;
        if (auto [it, inserted] = owner.emplace(id, file); !inserted) {
            problems.add(file, "duplicate id '" + id + "' (also defined in " + it->second + ")");
            continue;
        }
        if constexpr (std::is_same_v<T, model::System>) into.emplace(id, value->system);
        else into.emplace(id, std::move(*value));
    }
}

// The referenced value, or nullptr with `failed` set (and a problem added
// unless the referenced file is itself broken and already reported).
template <class Map>
const typename Map::mapped_type* resolve(const Map& map, const Reference& ref, const char* what,
                                         const char* key, const Broken& broken, bool& failed,
                                         Problems& problems) {
    if (auto it = map.find(ref.id); it != map.end()) return &it->second;
    failed = true;
    if (broken.count(ref.id)) return nullptr;
    problems.add(ref.where, std::string(key) + ": unknown " + what + " '" + ref.id + "'" + suggest_id(ref.id, map) +
                                "; known: " + known_list(map));
    return nullptr;
}

bool compatible(model::LinkKind nic, model::LinkKind sw) {
    using model::LinkKind;
    if (nic == LinkKind::infiniband) return sw == LinkKind::infiniband;
    return sw == LinkKind::ethernet || sw == LinkKind::roce;
}

}  // namespace

Database Database::load(const DataPaths& paths) {
    Database db;
    db.paths_ = paths;
    Problems problems;
    std::error_code ec;
    if (!fs::is_directory(paths.hardware, ec))
        problems.add(paths.hardware.string(), "hardware database folder not found (set HWPLAN_DATA)");
    if (!fs::is_directory(paths.models, ec))
        problems.add(paths.models.string(), "model database folder not found (set HWPLAN_MODELS)");
    problems.throw_if_any();

    std::map<std::string, std::string> owner;
    Broken broken_gpus, broken_nics, broken_switches, broken_cpus;
    load_kind(paths.hardware / "gpus", parse_gpu, db.gpus_, owner, broken_gpus, problems);
    load_kind(paths.hardware / "nics", parse_nic, db.nics_, owner, broken_nics, problems);
    load_kind(paths.hardware / "switches", parse_switch, db.switches_, owner, broken_switches, problems);
    load_kind(paths.hardware / "cpus", parse_cpu, db.cpus_, owner, broken_cpus, problems);
    Broken broken_engines;
    load_kind(paths.hardware / "engines", parse_engine, db.engines_, owner, broken_engines, problems);

    // Systems: parsed, then their references resolved by value.
    for (const auto& path : files_in(paths.hardware / "systems", problems, false)) {
        const std::string file = path.string();
        std::string text;
        try {
            text = read_file(path, kMaxInputFileBytes);
        } catch (const Error& e) {
            problems.add(e);
            continue;
        }
        auto f = parse_system(text, file, path.stem().string(), problems);
        if (!f) continue;
        const std::size_t before = problems.size();
        bool failed = false;
        model::System s = f->system;
        if (auto* g = resolve(db.gpus_, f->gpu, "GPU", "gpu", broken_gpus, failed, problems)) s.gpu = *g;
        if (f->nic)
            if (auto* n = resolve(db.nics_, *f->nic, "NIC", "nic", broken_nics, failed, problems)) s.nic = *n;
        if (f->fabric_switch)
            if (auto* w = resolve(db.switches_, *f->fabric_switch, "switch", "fabric_switch", broken_switches,
                                  failed, problems))
                s.fabric_switch = *w;
        if (f->host)
            if (auto* c = resolve(db.cpus_, *f->host, "CPU", "host", broken_cpus, failed, problems)) s.host = *c;
        if (failed) continue;
        if (s.nic && s.fabric_switch && !compatible(s.nic->kind, s.fabric_switch->kind))
            problems.add(f->fabric_switch->where, "fabric_switch: switch '" + s.fabric_switch->id +
                                                      "' cannot connect NIC '" + s.nic->id +
                                                      "' (InfiniBand needs an InfiniBand switch, RoCE/Ethernet an "
                                                      "Ethernet switch)");
        if (problems.size() != before) continue;
        if (auto [it, inserted] = owner.emplace(s.id, file); !inserted) {
            problems.add(file, "duplicate id '" + s.id + "' (also defined in " + it->second + ")");
            continue;
        }
        db.systems_.emplace(s.id, std::move(s));
    }

    // Models: our YAML, a HuggingFace config.json named <id>.json, or an
    // HF-style tree <id>/config.json. A broken model file is skipped (and
    // reported) so that one bad file does not take every command down.
    std::map<std::string, std::string> model_owner;
    std::vector<std::pair<fs::path, std::string>> model_files;  // path, id
    for (const auto& path : files_in(paths.models, problems, true)) model_files.emplace_back(path, path.stem().string());
    if (fs::is_directory(paths.models, ec)) {
        std::vector<fs::path> trees;
        for (fs::directory_iterator it(paths.models, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            std::error_code e2;
            if (!name.empty() && name.front() != '.' && it->is_directory(e2) &&
                fs::is_regular_file(it->path() / "config.json", e2))
                trees.push_back(it->path());
        }
        std::sort(trees.begin(), trees.end());
        for (const auto& t : trees) {
            std::string id = t.filename().string();
            for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            model_files.emplace_back(t / "config.json", id);
        }
    }
    for (const auto& [path, stem] : model_files) {
        const std::string file = path.string();
        std::optional<model::ModelArch> m;
        Problems mp;
        try {
            const std::string text = read_file(path, kMaxInputFileBytes);
            if (path.extension() == ".json" || looks_like_json(text)) m = import_hf_config(text, file, stem);
            else m = parse_model_yaml(text, file, stem, IdRule::must_match_stem, mp);
        } catch (const Error& e) {
            mp.add(e);
        }
        if (m) {
            if (auto [it, inserted] = model_owner.emplace(m->id, file); !inserted) {
                mp.add(file, "duplicate model id '" + m->id + "' (also defined in " + it->second + ")");
                m.reset();
            }
        }
        if (!m) {
            if (mp.empty()) continue;
            const std::string line = mp.to_error().what();
            db.model_problems_.push_back(line);
            db.broken_models_.emplace(stem, line);
            continue;
        }
        db.models_.emplace(m->id, std::move(*m));
    }

    // A broken hardware file is fatal; the model problems come with it so
    // that one run shows every mistake.
    if (!problems.empty())
        for (const auto& line : db.model_problems_) problems.add("", line);
    problems.throw_if_any();
    return db;
}

const model::Gpu& Database::gpu(std::string_view id) const { return lookup(gpus_, id, "GPU"); }
const model::Nic& Database::nic(std::string_view id) const { return lookup(nics_, id, "NIC"); }
const model::Switch& Database::fabric_switch(std::string_view id) const { return lookup(switches_, id, "switch"); }
const model::Cpu& Database::cpu(std::string_view id) const { return lookup(cpus_, id, "CPU"); }
const model::System& Database::system(std::string_view id) const { return lookup(systems_, id, "system"); }
const model::Engine& Database::engine(std::string_view id) const { return lookup(engines_, id, "engine"); }

std::vector<fs::path> hf_cache_roots() {
    std::vector<fs::path> roots;
    const auto env = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v && *v ? std::string(v) : std::string();
    };
    if (auto v = env("HF_HUB_CACHE"); !v.empty()) roots.emplace_back(v);
    if (auto v = env("HF_HOME"); !v.empty()) roots.push_back(fs::path(v) / "hub");
    if (auto v = env("XDG_CACHE_HOME"); !v.empty()) roots.push_back(fs::path(v) / "huggingface" / "hub");
    if (auto v = env("HOME"); !v.empty()) roots.push_back(fs::path(v) / ".cache" / "huggingface" / "hub");
    std::vector<fs::path> unique;
    for (auto& r : roots)
        if (std::find(unique.begin(), unique.end(), r) == unique.end()) unique.push_back(r);
    return unique;
}

std::optional<fs::path> find_in_hf_cache(std::string_view repo_id, const std::vector<fs::path>& roots) {
    const auto slash = repo_id.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    // huggingface_hub: "models--" + repo_id with "/" replaced by "--".
    const std::string folder = "models--" + std::string(repo_id.substr(0, slash)) + "--" +
                               std::string(repo_id.substr(slash + 1));
    for (const auto& root : roots) {
        const fs::path repo = root / folder;
        std::error_code ec;
        if (!fs::is_directory(repo / "snapshots", ec)) continue;
        // refs/main holds the commit hash of the snapshot last downloaded for main.
        std::string ref;
        if (fs::is_regular_file(repo / "refs" / "main", ec)) {
            try {
                ref = read_file(repo / "refs" / "main", 4096);
            } catch (const Error&) {
                ref.clear();
            }
            while (!ref.empty() && std::isspace(static_cast<unsigned char>(ref.back()))) ref.pop_back();
        }
        if (!ref.empty() && fs::is_regular_file(repo / "snapshots" / ref / "config.json", ec))
            return repo / "snapshots" / ref / "config.json";
        std::optional<fs::path> newest;
        fs::file_time_type newest_time{};
        for (fs::directory_iterator it(repo / "snapshots", ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path c = it->path() / "config.json";
            std::error_code e2;
            if (!fs::is_regular_file(c, e2)) continue;
            const auto t = fs::last_write_time(c, e2);
            if (!newest || t > newest_time) {
                newest = c;
                newest_time = t;
            }
        }
        if (newest) return newest;
    }
    return std::nullopt;
}

model::ModelArch Database::model(std::string_view id_or_path) const {
    if (auto it = models_.find(id_or_path); it != models_.end()) return it->second;
    if (auto it = broken_models_.find(id_or_path); it != broken_models_.end())
        throw Error("model '" + std::string(id_or_path) + "' is in the model folder but was skipped: " + it->second);
    if (id_or_path.empty()) throw Error("empty model name: give a model id or a path to a model file");
    const fs::path path{std::string(id_or_path)};
    const std::string s(id_or_path);
    const auto ends_with = [&](std::string_view suffix) {
        return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        // A downloaded model folder: its config.json, named after the folder.
        if (!fs::is_regular_file(path / "config.json", ec))
            throw Error(s + ": is a directory without a config.json (give a model file or a HuggingFace model folder)");
        std::string id = path.filename().empty() ? path.parent_path().filename().string() : path.filename().string();
        for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return import_hf_config(read_file(path / "config.json", kMaxInputFileBytes), (path / "config.json").string(),
                                id);
    }
    if (fs::is_regular_file(path, ec) || ends_with(".yaml") || ends_with(".yml") || ends_with(".json"))
        return load_model_file(path);
    // "org/name" that is not a path: a HuggingFace id, from the local cache.
    const auto slash = s.find('/');
    if (slash != std::string::npos && slash > 0 && slash + 1 < s.size() && s.find('/', slash + 1) == std::string::npos &&
        s.front() != '.') {
        const auto roots = hf_cache_roots();
        if (auto config = find_in_hf_cache(s, roots)) {
            std::string id = s.substr(slash + 1);
            for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return import_hf_config(read_file(*config, kMaxInputFileBytes), config->string(), id);
        }
        std::string looked;
        const std::string folder = "models--" + s.substr(0, slash) + "--" + s.substr(slash + 1);
        for (const auto& r : roots) looked += (looked.empty() ? "" : ", ") + (r / folder).string();
        throw Error("'" + shown(s) + "' is neither a file nor in the local HuggingFace cache (looked in " +
                    (looked.empty() ? std::string("no cache: HF_HOME and HOME unset") : looked) +
                    "); download it (huggingface-cli download " + s + " config.json) or give the path of its config.json");
    }
    if (s.find('/') != std::string::npos) return load_model_file(path);
    throw Error("unknown model '" + shown(s) + "'" + suggest_id(id_or_path, models_) +
                "; known: " + known_list(models_) +
                " (or give the path of a .yaml model file, a HuggingFace config.json or its folder, or a "
                "HuggingFace id org/name from the local cache)");
}

}  // namespace hwplan::hwdb
