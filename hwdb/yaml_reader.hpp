#pragma once
// Reading our YAML files: typed getters over one YAML map that knows the file
// it came from, so every problem is reported as "file:line:col: field: what".
//
// Internal to hwdb/ (and its tests): yaml-cpp types appear here, so nothing
// outside hwdb/ includes this header.
//
//   Problems problems;
//   auto root = parse_yaml(text, "gpus/h100-sxm.yaml", problems);
//   YamlMap m(*root, "gpus/h100-sxm.yaml", "", problems);
//   auto bw = m.bandwidth("memory_bandwidth", Need::required);
//   m.finish();                    // unknown keys -> problems, with did-you-mean
//   problems.throw_if_any();
//
// Getters never throw: a missing, mistyped or out-of-range value records a
// problem and returns nullopt, so one pass finds every mistake in a file.

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hwdb/problems.hpp"
#include "model/units.hpp"

namespace hwplan::hwdb {

enum class Need { required, optional };

// Inclusive bounds for integers. The upper bound catches typos and overflow
// ("hidden: 71680000000"), not legitimate values.
struct IntRange {
    long long min = 1;
    long long max = 10'000'000;
};

// "file:line:col" with 1-based line and column (yaml-cpp's marks are 0-based);
// just "file" when the mark is unknown.
[[nodiscard]] std::string location(const std::string& file, const YAML::Mark& mark);

// One YAML document from `text`. Malformed or truncated YAML, nesting too
// deep, binary or non-UTF-8 bytes, an empty file or more than one document
// are recorded in `problems` (with their location) and give nullopt.
[[nodiscard]] std::optional<YAML::Node> parse_yaml(std::string_view text, const std::string& file,
                                                   Problems& problems);

// Field path -> location of its value, filled by every YamlMap that shares
// it; used to place problems found after parsing (model::validate) on the
// line they concern.
using FieldLocations = std::map<std::string, std::string, std::less<>>;

class YamlMap {
public:
    // `node` should be a map; otherwise a problem is recorded and every getter
    // returns nullopt. `prefix` names nested maps in messages ("peak.").
    YamlMap(const YAML::Node& node, std::string file, std::string prefix, Problems& problems,
            std::shared_ptr<FieldLocations> locations = nullptr);

    [[nodiscard]] bool is_map() const noexcept { return is_map_; }
    [[nodiscard]] bool has(std::string_view key) const;

    [[nodiscard]] std::optional<std::string> string(std::string_view key, Need need);
    // A string, or a list of strings joined with " " (for `source:`).
    [[nodiscard]] std::optional<std::string> text_or_list(std::string_view key, Need need);
    [[nodiscard]] std::optional<int> integer(std::string_view key, Need need, IntRange range = {});
    [[nodiscard]] std::optional<bool> boolean(std::string_view key, Need need);

    // Quantities with units, parsed by hwdb/unit_parse.hpp. Values must be
    // positive and below a sanity bound for their kind.
    [[nodiscard]] std::optional<model::Bytes> bytes(std::string_view key, Need need);
    [[nodiscard]] std::optional<model::BytesPerSecond> bandwidth(std::string_view key, Need need);
    [[nodiscard]] std::optional<model::Seconds> duration(std::string_view key, Need need);
    [[nodiscard]] std::optional<model::FlopsPerSecond> compute_rate(std::string_view key, Need need);
    [[nodiscard]] std::optional<double> watts(std::string_view key, Need need);
    [[nodiscard]] std::optional<double> usd(std::string_view key, Need need);

    // A nested map (its own unknown-key check runs when you call its finish()).
    [[nodiscard]] std::optional<YamlMap> map(std::string_view key, Need need);

    // One of a fixed set of words ("kind: infiniband").
    template <class E>
    [[nodiscard]] std::optional<E> choice(std::string_view key, Need need,
                                          std::initializer_list<std::pair<std::string_view, E>> options) {
        std::vector<std::string> words;
        for (const auto& o : options) words.emplace_back(o.first);
        const auto index = choice_index(key, need, words);
        if (!index) return std::nullopt;
        return (options.begin() + static_cast<std::ptrdiff_t>(*index))->second;
    }

    // Location of `key`'s value, or of this map when the key is absent.
    [[nodiscard]] std::string where(std::string_view key) const;
    [[nodiscard]] std::string where() const { return map_where_; }
    [[nodiscard]] std::string field(std::string_view key) const { return prefix_ + std::string(key); }

    // Records a problem about `key` at its location ("key: message").
    void problem(std::string_view key, const std::string& message);

    // Reports every key no getter asked for as unknown, suggesting the
    // closest known key. Call after all getters.
    void finish();

private:
    struct Entry {
        std::string key;
        YAML::Node key_node;
        YAML::Node value;
        bool used = false;
    };
    const Entry* find(std::string_view key, Need need);
    const Entry* scalar(std::string_view key, Need need, std::string_view expected);
    std::optional<std::size_t> choice_index(std::string_view key, Need need,
                                            const std::vector<std::string>& words);
    template <class Parse>
    auto quantity(std::string_view key, Need need, std::string_view expected, double max, Parse parse)
        -> std::optional<decltype(parse(std::string_view{}, std::string{}))>;

    std::string file_;
    std::string prefix_;
    Problems* problems_;
    std::shared_ptr<FieldLocations> locations_;
    std::string map_where_;
    bool is_map_ = false;
    std::vector<Entry> entries_;
    std::vector<std::string> known_;
};

// Reads `id`: lower-case letters, digits, '-', '_', '.'; equal to
// `expected_id` (the file stem) unless that is empty.
[[nodiscard]] std::optional<std::string> read_id(YamlMap& m, std::string_view expected_id, Need need);

}  // namespace hwplan::hwdb
