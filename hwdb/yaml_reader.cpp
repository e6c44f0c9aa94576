#include "hwdb/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <cmath>

#include "hwdb/suggest.hpp"
#include "hwdb/unit_parse.hpp"

namespace hwplan::hwdb {

namespace {

// Sanity bounds: far above any real part, low enough to catch a unit or
// exponent typo ("80 PB" of HBM, "3.35 EB/s").
// Bandwidth and compute-rate bounds are unit_parse's (the same for flags and
// files, docs/hardening.md); a duration in a file (a latency, an SLA) is
// held to one hour, tighter than the year a flag such as --kv-reuse-window
// may span.
constexpr double kMaxBytes = 1e15;           // 1 PB
constexpr double kMaxFileDuration = 3600;    // 1 h
constexpr double kMaxWatts = 1e8;            // 100 MW
constexpr double kMaxUsd = 1e11;             // $100B

std::string describe(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: return "a map";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Null: return "nothing";
        case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
        case YAML::NodeType::Undefined: break;
    }
    return "nothing";
}

bool valid(const YAML::Mark& m) { return m.line >= 0 && m.column >= 0; }

// A quoted scalar ("7168", '7168') is a string: yaml-cpp tags it "!".
// Quoted ("32") or explicitly tagged as text (!!str 32): not a number.
bool quoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

// First byte that makes `text` unacceptable as a text file: invalid UTF-8,
// NUL or another control character (tab, CR, LF excepted).
std::optional<std::pair<std::size_t, std::string>> first_bad_byte(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c == 0) return std::pair{i, std::string("a NUL byte (binary file?)")};
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                static constexpr char hex[] = "0123456789abcdef";
                return std::pair{i, std::string("control character 0x") + hex[c >> 4] + hex[c & 15] +
                                        " (binary file?)"};
            }
            ++i;
            continue;
        }
        std::size_t len = 0;
        if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
        else if ((c & 0xF0) == 0xE0) len = 3;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
        bool ok = len > 0 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (ok && len == 3) {  // overlong and surrogates
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        }
        if (ok && len == 4) {
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (!ok) {
            static constexpr char hex[] = "0123456789abcdef";
            return std::pair{i, std::string("invalid UTF-8 byte 0x") + hex[c >> 4] + hex[c & 15] +
                                    " (not a UTF-8 text file)"};
        }
        i += len;
    }
    return std::nullopt;
}

// yaml-cpp (0.7) loops, allocating without bound, on a ',' that starts a
// node outside any [list] or {map} (", a" at the top of a document, after
// "- a" or "&x "): a 30-byte file takes all memory. Found by fuzz_model_file;
// caught here, before yaml-cpp sees the text. A ',' continuing a plain scalar
// on a more indented line ("key: a\n  , b") is valid YAML and passes, and
// quoted scalars, comments and block scalars (| >) are skipped.
std::optional<std::size_t> stray_flow_entry(std::string_view text) {
    int depth = 0;                // [ { nesting
    std::size_t prev_indent = 0;  // indent of the last line with content at depth 0
    bool have_prev = false;
    // Inside a | or > block scalar: the indent of the line that opened it
    // (a plain sentinel, not std::optional: GCC 12 warns maybe-uninitialized).
    constexpr std::size_t no_block = std::string_view::npos;
    std::size_t block_indent = no_block;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        std::size_t indent = 0;
        while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
        const bool blank = indent == line.size() || line[indent] == '\r';
        if (block_indent != no_block && (blank || indent > block_indent)) {
            pos = end + 1;
            continue;
        }
        block_indent = no_block;
        if (blank || line[indent] == '#') {
            pos = end + 1;
            continue;
        }
        const bool line_start_depth0 = depth == 0;
        bool only_props = true;  // only anchors, tags, '-' and '---' so far on this line
        bool in_prop = false;    // inside an anchor or tag token
        for (std::size_t i = indent; i < line.size(); ++i) {
            const char c = line[i];
            const bool token_start = i == indent || line[i - 1] == ' ' || line[i - 1] == '\t' ||
                                     (depth > 0 && (line[i - 1] == '[' || line[i - 1] == '{' || line[i - 1] == ','));
            if (c == '#' && token_start && i > indent) break;
            if ((c == '"' || c == '\'') && token_start) {
                // Skip the quoted scalar (to the end of the line if unclosed).
                std::size_t j = i + 1;
                while (j < line.size()) {
                    if (c == '"' && line[j] == '\\') j += 2;
                    else if (c == '\'' && line[j] == '\'' && j + 1 < line.size() && line[j + 1] == '\'') j += 2;
                    else if (line[j] == c) break;
                    else ++j;
                }
                i = std::min(j, line.size());
                only_props = false;
                continue;
            }
            if (c == '[' || c == '{') ++depth;
            else if ((c == ']' || c == '}') && depth > 0) --depth;
            else if (c == ',' && depth == 0 && (token_start || in_prop) && only_props && line_start_depth0 &&
                     (!have_prev || indent <= prev_indent))
                return pos + i;
            if (c == ' ' || c == '\t') {
                in_prop = false;
                continue;
            }
            // A tag or anchor ("!t", "&a") ends at a ',' too: "!t,x" hangs like ", x".
            if (token_start) in_prop = c == '&' || c == '!';
            if (token_start && !(c == '&' || c == '!' || c == '-')) only_props = false;
        }
        if (line_start_depth0) {
            prev_indent = indent;
            have_prev = true;
        }
        // "key: |", "- >-": the following more-indented lines are text.
        std::string_view rest = line;
        if (const auto hash = rest.find(" #"); hash != std::string_view::npos) rest = rest.substr(0, hash);
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r' || rest.back() == '\t')) rest.remove_suffix(1);
        while (!rest.empty() && (rest.back() == '-' || rest.back() == '+' || (rest.back() >= '0' && rest.back() <= '9')))
            rest.remove_suffix(1);
        if (depth == 0 && !rest.empty() && (rest.back() == '|' || rest.back() == '>') &&
            (rest.size() == 1 || rest[rest.size() - 2] == ' '))
            block_indent = indent;
        pos = end + 1;
    }
    return std::nullopt;
}

// The general guard behind stray_flow_entry(): yaml-cpp's parser emits one
// event per node, so a file of n bytes has well under 4n + 64 of them; the
// inputs on which it loops forever (fuzz_hardware, fuzz_model_file and
// fuzz_scenario found several: tokens it cannot place at the top level)
// exceed that at once. A counting pre-pass stops them with a location
// instead of taking all memory.
//
// The same pass bounds what aliases expand to. yaml-cpp shares an aliased
// node, but every reader of the tree copies it (one 900 KB anchored string
// referenced 1e5 times took 12.8 GB and died with bad_alloc; nested aliases,
// the "billion laughs", grow exponentially). Each anchor's size after
// expansion (nodes, scalar bytes) is recorded when its node ends; an alias
// adds it to its parent. Sums saturate at the bound, so no overflow.
inline constexpr std::uint64_t kMaxExpandedNodes = 1'000'000;
inline constexpr std::uint64_t kMaxExpandedBytes = 32u << 20;  // 32 MiB: 32x the 1 MiB input limit

struct EventBudget : YAML::EventHandler {
    std::size_t left;
    YAML::Mark mark;
    explicit EventBudget(std::size_t n) : left(n) { frames.push_back({}); }
    struct Exhausted {};
    struct Expanded {
        std::string what;
    };
    struct Size {
        std::uint64_t nodes = 0, bytes = 0;
    };
    struct Frame {
        YAML::anchor_t anchor = YAML::NullAnchor;
        Size size;
    };
    std::vector<Frame> frames;  // open collections; frames[0] is the document
    std::map<YAML::anchor_t, Size> anchors;

    void tick(const YAML::Mark& m) {
        mark = m;
        if (left-- == 0) throw Exhausted{};
    }
    void add(Size s) {
        Size& to = frames.back().size;
        to.nodes = std::min(to.nodes + s.nodes, kMaxExpandedNodes + 1);
        to.bytes = std::min(to.bytes + s.bytes, kMaxExpandedBytes + 1);
        if (to.nodes > kMaxExpandedNodes)
            throw Expanded{"YAML aliases expand to more than " + std::to_string(kMaxExpandedNodes) +
                           " nodes (an alias bomb?)"};
        if (to.bytes > kMaxExpandedBytes)
            throw Expanded{"YAML aliases expand to more than " + std::to_string(kMaxExpandedBytes >> 20) +
                           " MiB of text (an alias bomb?)"};
    }
    void leaf(YAML::anchor_t anchor, Size s) {
        if (anchor != YAML::NullAnchor) anchors[anchor] = s;
        add(s);
    }
    void open(const YAML::Mark& m, YAML::anchor_t anchor) {
        tick(m);
        frames.push_back({anchor, {1, 0}});
    }
    void close() {
        if (frames.size() < 2) return;
        const Frame f = frames.back();
        frames.pop_back();
        leaf(f.anchor, f.size);
    }
    void OnDocumentStart(const YAML::Mark& m) override { tick(m); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t a) override {
        tick(m);
        leaf(a, {1, 0});
    }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
        tick(m);
        const auto it = anchors.find(a);  // absent: an alias inside its own anchor (cyclic), refused later
        add(it == anchors.end() ? Size{1, 0} : it->second);
    }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string& value) override {
        tick(m);
        leaf(a, {1, value.size()});
    }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
        open(m, a);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
        open(m, a);
    }
    void OnMapEnd() override { close(); }
};

// Where yaml-cpp started looping or the aliases blew up, with what to say,
// or nullopt. Parse errors are left to the real load, which reports them.
struct Runaway {
    YAML::Mark mark;
    std::string what;
};
std::optional<Runaway> runaway_parse(std::string_view text) {
    std::istringstream in{std::string(text)};
    EventBudget budget(4 * text.size() + 64);
    try {
        YAML::Parser parser(in);
        while (parser.HandleNextDocument(budget)) {
            budget.frames.assign(1, {});
        }
    } catch (const EventBudget::Exhausted&) {
        return Runaway{budget.mark, "malformed YAML: a stray ',' or indicator the parser cannot place"};
    } catch (const EventBudget::Expanded& e) {
        return Runaway{budget.mark, e.what};
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::string line_col(const std::string& file, std::string_view text, std::size_t offset) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

std::string location(const std::string& file, const YAML::Mark& mark) {
    if (!valid(mark)) return file;
    return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::optional<YAML::Node> parse_yaml(std::string_view text, const std::string& file, Problems& problems) {
    if (auto bad = first_bad_byte(text)) {
        problems.add(line_col(file, text, bad->first), bad->second);
        return std::nullopt;
    }
    if (auto comma = stray_flow_entry(text)) {
        problems.add(line_col(file, text, *comma), "malformed YAML: ',' outside a [list] or {map}");
        return std::nullopt;
    }
    if (auto r = runaway_parse(text)) {
        problems.add(location(file, r->mark), r->what);
        return std::nullopt;
    }
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
        problems.add(location(file, e.mark), "YAML nesting is too deep");
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        problems.add(location(file, e.mark), "malformed YAML: " + e.msg);
        return std::nullopt;
    } catch (const std::exception& e) {  // bad_alloc on absurd input, etc.
        problems.add(file, std::string("cannot parse YAML: ") + e.what());
        return std::nullopt;
    }
    if (docs.empty() || (docs.size() == 1 && docs.front().IsNull())) {
        problems.add(file, "file is empty (expected a YAML map of 'key: value' lines)");
        return std::nullopt;
    }
    if (docs.size() > 1) {
        problems.add(location(file, docs[1].Mark()),
                     "expected one YAML document, found " + std::to_string(docs.size()) + " (remove the '---')");
        return std::nullopt;
    }
    if (!docs.front().IsMap()) {
        problems.add(location(file, docs.front().Mark()),
                     "expected a map of 'key: value' lines at the top level, got " + describe(docs.front()));
        return std::nullopt;
    }
    return docs.front();
}

YamlMap::YamlMap(const YAML::Node& node, std::string file, std::string prefix, Problems& problems,
                 std::shared_ptr<FieldLocations> locations)
    : file_(std::move(file)),
      prefix_(std::move(prefix)),
      problems_(&problems),
      locations_(std::move(locations)),
      map_where_(location(file_, node.Mark())),
      is_map_(node.IsMap()) {
    if (!is_map_) return;
    for (const auto& pair : node) {
        // Copies: yaml-cpp's iterator yields a temporary pair proxy.
        const YAML::Node k = pair.first;
        const YAML::Node v = pair.second;
        const std::string here = location(file_, k.Mark());
        if (!k.IsScalar()) {
            problems_->add(here, prefix_ + "keys must be plain names, got " + describe(k));
            continue;
        }
        const std::string key = k.Scalar();
        bool duplicate = false;
        for (const auto& e : entries_) {
            if (e.key == key) {
                const auto m = e.key_node.Mark();
                problems_->add(here, "duplicate key '" + prefix_ + key + "'" +
                                         (valid(m) ? " (first given at line " + std::to_string(m.line + 1) + ")"
                                                   : std::string()));
                duplicate = true;
                break;
            }
        }
        if (!duplicate) entries_.push_back(Entry{key, k, v, false});
    }
}

bool YamlMap::has(std::string_view key) const {
    for (const auto& e : entries_)
        if (e.key == key) return true;
    return false;
}

std::string YamlMap::where(std::string_view key) const {
    for (const auto& e : entries_) {
        if (e.key != key) continue;
        // A null value ("key:") has the mark of whatever follows it: point at the key.
        if (!e.value.IsNull() && valid(e.value.Mark())) return location(file_, e.value.Mark());
        return location(file_, e.key_node.Mark());
    }
    return map_where_;
}

void YamlMap::problem(std::string_view key, const std::string& message) {
    problems_->add(where(key), field(key) + ": " + message);
}

const YamlMap::Entry* YamlMap::find(std::string_view key, Need need) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
    if (!is_map_) return nullptr;
    for (auto& e : entries_) {
        if (e.key != key) continue;
        e.used = true;
        if (locations_) (*locations_)[field(key)] = where(key);
        return &e;
    }
    if (need == Need::required)
        problems_->add(map_where_, "missing required key '" + field(key) + "'");
    return nullptr;
}

const YamlMap::Entry* YamlMap::scalar(std::string_view key, Need need, std::string_view expected) {
    const Entry* e = find(key, need);
    if (!e) return nullptr;
    if (e->value.IsScalar()) return e;
    problem(key, "expected " + std::string(expected) + ", got " + describe(e->value));
    return nullptr;
}

std::optional<std::string> YamlMap::string(std::string_view key, Need need) {
    const Entry* e = scalar(key, need, "text");
    if (!e) return std::nullopt;
    std::string s = e->value.Scalar();
    if (s.find_first_not_of(" \t") == std::string::npos) {
        problem(key, "must not be empty");
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> YamlMap::text_or_list(std::string_view key, Need need) {
    const Entry* e = find(key, need);
    if (!e) return std::nullopt;
    if (e->value.IsScalar()) return string(key, need);
    if (!e->value.IsSequence() || e->value.size() == 0) {
        problem(key, "expected text or a list of texts, got " + describe(e->value));
        return std::nullopt;
    }
    std::string joined;
    for (const auto& item : e->value) {
        if (!item.IsScalar() || item.Scalar().empty()) {
            problems_->add(location(file_, item.Mark()),
                           field(key) + ": list items must be text, got " + describe(item));
            return std::nullopt;
        }
        if (!joined.empty()) joined += ' ';
        joined += item.Scalar();
    }
    return joined;
}

std::optional<int> YamlMap::integer(std::string_view key, Need need, IntRange range) {
    const Entry* e = scalar(key, need, "a whole number");
    if (!e) return std::nullopt;
    const std::string& s = e->value.Scalar();
    if (quoted(e->value)) {
        problem(key, "expected a whole number, got the quoted text \"" + shown(s) + "\" (remove the quotes)");
        return std::nullopt;
    }
    long long v = 0;
    const char* first = s.data();
    const char* last = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec == std::errc::result_out_of_range) {
        problem(key, "'" + shown(s) + "' is far too large");
        return std::nullopt;
    }
    if (ec != std::errc() || ptr != last || s.empty()) {
        problem(key, "expected a whole number, got '" + shown(s) + "'");
        return std::nullopt;
    }
    if (v < range.min) {
        problem(key, "must be at least " + std::to_string(range.min) + ", got " + shown(s));
        return std::nullopt;
    }
    if (v > range.max) {
        problem(key, "'" + shown(s) + "' is implausibly large (limit " + std::to_string(range.max) + ")");
        return std::nullopt;
    }
    return static_cast<int>(v);
}

std::optional<bool> YamlMap::boolean(std::string_view key, Need need) {
    const Entry* e = scalar(key, need, "true or false");
    if (!e) return std::nullopt;
    const std::string& s = e->value.Scalar();
    if (!quoted(e->value)) {
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    problem(key, "expected true or false, got '" + shown(s) + "'");
    return std::nullopt;
}

template <class Parse>
auto YamlMap::quantity(std::string_view key, Need need, std::string_view expected, double max, Parse parse)
    -> std::optional<decltype(parse(std::string_view{}, std::string{}))> {
    const Entry* e = scalar(key, need, expected);
    if (!e) return std::nullopt;
    const std::string here = where(key);
    try {
        auto q = parse(e->value.Scalar(), here);
        double v = 0;
        if constexpr (std::is_same_v<decltype(q), double>) v = q;
        else v = q.value();
        if (!(v > 0)) {
            problem(key, "must be positive, got '" + shown(e->value.Scalar()) + "' (leave the key out when unknown)");
            return std::nullopt;
        }
        if (!std::isfinite(v) || v > max) {
            problem(key, "'" + shown(e->value.Scalar()) + "' is implausibly large");
            return std::nullopt;
        }
        return q;
    } catch (const Error& err) {
        problems_->add(here, field(key) + ": " + err.message());
        return std::nullopt;
    }
}

std::optional<model::Bytes> YamlMap::bytes(std::string_view key, Need need) {
    return quantity(key, need, "a size like '80 GiB'", kMaxBytes, parse_bytes);
}
std::optional<model::BytesPerSecond> YamlMap::bandwidth(std::string_view key, Need need) {
    return quantity(key, need, "a bandwidth like '3.35 TB/s'", kMaxBandwidth, parse_bandwidth);
}
std::optional<model::Seconds> YamlMap::duration(std::string_view key, Need need) {
    return quantity(key, need, "a duration like '2.8 us'", kMaxFileDuration, parse_duration);
}
std::optional<model::FlopsPerSecond> YamlMap::compute_rate(std::string_view key, Need need) {
    return quantity(key, need, "a compute rate like '989 TFLOPS'", kMaxComputeRate, parse_compute_rate);
}
std::optional<double> YamlMap::watts(std::string_view key, Need need) {
    return quantity(key, need, "a power like '700 W'", kMaxWatts, parse_watts);
}
std::optional<double> YamlMap::usd(std::string_view key, Need need) {
    return quantity(key, need, "a price like '$30000'", kMaxUsd, parse_usd);
}

std::optional<YamlMap> YamlMap::map(std::string_view key, Need need) {
    const Entry* e = find(key, need);
    if (!e) return std::nullopt;
    if (!e->value.IsMap()) {
        problem(key, "expected a map of 'key: value' entries, got " + describe(e->value));
        return std::nullopt;
    }
    return YamlMap(e->value, file_, field(key) + ".", *problems_, locations_);
}

std::optional<std::size_t> YamlMap::choice_index(std::string_view key, Need need,
                                                 const std::vector<std::string>& words) {
    auto s = string(key, need);
    if (!s) return std::nullopt;
    for (std::size_t i = 0; i < words.size(); ++i)
        if (words[i] == *s) return i;
    std::string list;
    for (const auto& w : words) list += (list.empty() ? "" : ", ") + w;
    problem(key, "unknown value '" + *s + "'" + did_you_mean(*s, words) + "; expected one of: " + list);
    return std::nullopt;
}

namespace {

// `abbrev` is `word` with letters left out ("memory_bw" of "memory_bandwidth").
bool is_abbreviation(std::string_view abbrev, std::string_view word) {
    if (abbrev.empty() || word.empty() || abbrev.front() != word.front()) return false;
    std::size_t j = 0;
    for (char c : word)
        if (j < abbrev.size() && abbrev[j] == c) ++j;
    return j == abbrev.size();
}

}  // namespace

void YamlMap::finish() {
    // Suggest only keys this map does not already have: "memory_bw" next to
    // "memory" means "memory_bandwidth", not "memory".
    std::vector<std::string> missing;
    for (const auto& k : known_)
        if (!has(k)) missing.push_back(k);
    for (auto& e : entries_) {
        if (e.used) continue;
        e.used = true;  // report once
        std::string hint = did_you_mean(e.key, missing);
        if (hint.empty()) {
            std::vector<std::string> longer;
            for (const auto& k : missing)
                if (is_abbreviation(e.key, k)) longer.push_back(k);
            if (longer.size() == 1) hint = " (did you mean '" + longer.front() + "'?)";
        }
        problems_->add(location(file_, e.key_node.Mark()), "unknown key '" + field(e.key) + "'" + hint);
    }
}

namespace {

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::optional<std::string> read_id(YamlMap& m, std::string_view expected_id, Need need) {
    auto id = m.string("id", need);
    if (!id) return std::nullopt;
    if (!id_char((*id)[0]) || (*id)[0] == '-' || (*id)[0] == '.' ||
        id->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
        m.problem("id", "'" + *id + "' is not a valid id (use lower-case letters, digits, '-', '_' and '.')");
        return std::nullopt;
    }
    if (!expected_id.empty() && *id != expected_id) {
        m.problem("id", "'" + *id + "' does not match the file name '" + std::string(expected_id) +
                            ".yaml' (the id must equal the file stem)");
        return std::nullopt;
    }
    return id;
}

}  // namespace hwplan::hwdb
