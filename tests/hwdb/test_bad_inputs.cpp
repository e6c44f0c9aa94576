// Malformed hardware, model and config.json files: each gives ONE clear
// one-line hwplan::Error that names the problem and where it is (file:line:
// col for YAML, file:line:col or the field for JSON), never a crash.
// Fixtures live in tests/data/bad/; binary, huge and cross-file cases are
// generated in a temporary folder.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <thread>

#include <string>
#include <vector>

#include "hwdb/database.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/atomic_file.hpp"
#include "hwdb/model_file.hpp"
#include "hwdb/unit_parse.hpp"
#include "hwdb/yaml_reader.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

const fs::path kBad = fs::path(HWPLAN_TEST_DATA_DIR) / "bad";
const fs::path kSource = HWPLAN_SOURCE_DIR;

// Runs the loader for `kind` on `path`; the error text, or "" if it loaded.
std::string error_of(const std::string& kind, const fs::path& path) {
    try {
        if (kind == "gpu") (void)read_gpu_file(path);
        else if (kind == "nic") (void)read_nic_file(path);
        else if (kind == "switch") (void)read_switch_file(path);
        else if (kind == "cpu") (void)read_cpu_file(path);
        else if (kind == "system") (void)read_system_file(path);
        else (void)load_model_file(path);  // "model": YAML or JSON by content
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

std::string load_error(const DataPaths& paths) {
    try {
        (void)Database::load(paths);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// A copy of the shipped hardware database plus the models, to break one thing in.
struct ScratchDatabase {
    test::TempDir tmp;
    DataPaths paths;
    ScratchDatabase() {
        fs::copy(kSource / "hwdb" / "data", tmp.path() / "data", fs::copy_options::recursive);
        fs::copy(kSource / "scenarios" / "models", tmp.path() / "models", fs::copy_options::recursive);
        paths = {tmp.path() / "data", tmp.path() / "models", tmp.path() / "profiles"};
    }
};

struct BadFile {
    const char* kind;
    const char* file;                   // under tests/data/bad/
    std::vector<std::string> expected;  // substrings of the error
};

}  // namespace

TEST_CASE("malformed files: each error names the problem and its location", "[hwdb]") {
    const auto c = GENERATE(values<BadFile>({
        // --- hardware YAML: keys
        {"gpu", "gpus/unknown-key.yaml",
         {"unknown-key.yaml:6:1: unknown key 'memory_bw' (did you mean 'memory_bandwidth'?)",
          "unknown-key.yaml:2:1: missing required key 'memory_bandwidth'"}},
        {"gpu", "gpus/unknown-peak-key.yaml", {"unknown-peak-key.yaml:7:", "unknown key 'peak.fp16'"}},
        {"gpu", "gpus/duplicate-key.yaml",
         {"duplicate-key.yaml:11:1: duplicate key 'tdp' (first given at line 9)"}},
        {"gpu", "gpus/id-mismatch.yaml",
         {"id-mismatch.yaml:2:5: id: 'h100-sxm' does not match the file name 'id-mismatch.yaml'"}},
        // --- hardware YAML: units and values
        {"gpu", "gpus/bad-unit.yaml",
         {"bad-unit.yaml:6:19: memory_bandwidth: unknown bandwidth unit 'TBs'", "did you mean 'TB/s'?"}},
        {"gpu", "gpus/missing-unit.yaml", {"missing-unit.yaml:5:9: memory: size '80' has no unit"}},
        {"gpu", "gpus/negative.yaml", {"negative.yaml:9:6: tdp: power must not be negative"}},
        {"gpu", "gpus/zero-sms.yaml", {"zero-sms.yaml:8:6: sms: must be at least 1, got 0"}},
        {"gpu", "gpus/nan.yaml", {"nan.yaml:6:19: memory_bandwidth: bandwidth must be a finite number"}},
        {"gpu", "gpus/huge.yaml", {"huge.yaml:5:9: memory: '80000 PB' is implausibly large"}},
        // --- hardware YAML: types
        {"gpu", "gpus/quoted-number.yaml",
         {"quoted-number.yaml:8:6: sms: expected a whole number, got the quoted text \"132\""}},
        {"gpu", "gpus/map-for-scalar.yaml",
         {"map-for-scalar.yaml:5:9: memory: expected a size like '80 GiB', got a map"}},
        {"gpu", "gpus/peak-not-map.yaml",
         {"peak-not-map.yaml:7:7: peak: expected a map of 'key: value' entries, got '989 TFLOPS'"}},
        {"gpu", "gpus/top-level-list.yaml",
         {"top-level-list.yaml:1:1: expected a map of 'key: value' lines at the top level, got a list"}},
        // --- every problem of a file at once, on one line
        {"gpu", "gpus/many-problems.yaml",
         {"many-problems.yaml:5:9: memory: unknown size unit 'GB/s'",
          "many-problems.yaml:8:6: sms: expected a whole number, got 'many'",
          "many-problems.yaml:9:6: tdp: unknown power unit 'Watt'"}},
        // --- broken YAML
        {"gpu", "gpus/truncated.yaml", {"truncated.yaml:", "malformed YAML"}},
        {"gpu", "gpus/empty.yaml", {"empty.yaml: file is empty"}},
        {"gpu", "gpus/two-documents.yaml", {"two-documents.yaml:3:1: expected one YAML document, found 2"}},
        // --- NICs
        {"nic", "nics/bad-kind.yaml",
         {"bad-kind.yaml:4:7: kind: unknown value 'infinband' (did you mean 'infiniband'?)",
          "expected one of: infiniband, roce, ethernet"}},
        {"nic", "nics/bits-typo.yaml", {"bits-typo.yaml:5:12: bandwidth:", "did you mean 'Gbps'?"}},
        // --- systems (self-consistency; references are checked by Database::load)
        {"system", "systems/nics-without-nic.yaml",
         {"nics-without-nic.yaml:7:16: nics_per_node: given without a 'nic'"}},
        {"system", "systems/planes-not-dividing.yaml",
         {"planes-not-dividing.yaml:9:9: planes: planes (3) must divide nics_per_node (8)"}},
        {"system", "systems/missing-gpu.yaml",
         {"missing-gpu.yaml:2:1: missing required key 'gpu'",
          "missing-gpu.yaml:5:18: scale_up_domain: scale_up_domain (3) must divide gpus_per_node (8)"}},
        // --- model YAML
        {"model", "models/top-k-exceeds.yaml",
         {"top-k-exceeds.yaml:9:", "ffn.top_k (300) exceeds ffn.routed_experts (256)"}},
        {"model", "models/kv-heads-not-dividing.yaml",
         {"kv-heads-not-dividing.yaml:8:", "attention.kv_heads (7) must divide attention.heads (64)"}},
        {"model", "models/unknown-attention-kind.yaml",
         {"unknown-attention-kind.yaml:8:", "attention.kind: unknown value 'mha'", "expected one of: gqa, mla"}},
        {"model", "models/mla-key-in-gqa.yaml", {"mla-key-in-gqa.yaml:8:", "unknown key 'attention.kv_lora_rank'"}},
        {"model", "models/fractional-dimension.yaml",
         {"fractional-dimension.yaml:6:9: hidden: expected a whole number, got '7168.5'"}},
        {"model", "models/huge-dimension.yaml",
         {"huge-dimension.yaml:6:9: hidden: '99999999999999999999' is far too large"}},
        {"model", "models/missing-ffn.yaml", {"missing-ffn.yaml:2:1: missing required key 'ffn'"}},
        {"model", "models/yes-for-bool.yaml",
         {"yes-for-bool.yaml:10:18: tied_embeddings: expected true or false, got 'yes'"}},
        {"model", "models/dense-intermediate-missing.yaml",
         {"dense-intermediate-missing.yaml:9:", "missing required key 'ffn.dense_intermediate'"}},
        {"model", "models/negative-layers.yaml", {"negative-layers.yaml:5:9: layers: must be at least 1, got -61"}},
        {"model", "models/hf-style-keys.yaml",
         {"unknown key 'num_hidden_layers'", "missing required key 'layers'"}},
        // --- HuggingFace config.json
        {"model", "hf/missing-layers.json", {"missing-layers.json: missing required field 'num_hidden_layers'"}},
        {"model", "hf/missing-model-type.json", {"missing-model-type.json: missing required field 'model_type'"}},
        {"model", "hf/unknown-model-type.json",
         {"unsupported model_type 'rwkv' (architectures 'RwkvForCausalLM'); supported: deepseek_v2, deepseek_v3, "
          "gemma2, gemma3"}},
        {"model", "hf/model-type-typo.json", {"unsupported model_type 'qwen_2' (did you mean 'qwen2'?)"}},
        {"model", "hf/string-number.json", {"field 'hidden_size' must be a whole number, got a string \"4096\""}},
        {"model", "hf/negative-heads.json", {"field 'num_attention_heads' must be at least 1, got -32"}},
        {"model", "hf/fractional.json", {"field 'intermediate_size' must be a whole number, got 14336.5"}},
        {"model", "hf/string-bool.json", {"field 'tie_word_embeddings' must be true or false, got a string"}},
        {"model", "hf/kv-heads-not-dividing.json", {"attention.kv_heads (7) must divide attention.heads (32)"}},
        {"model", "hf/sparse-step.json", {"field 'decoder_sparse_step' is 2: only 1"}},
        {"model", "hf/mlp-only-layers-gaps.json", {"field 'mlp_only_layers' must list the first k layers"}},
        {"model", "hf/truncated.json", {"truncated.json:17:13: invalid JSON", "missing closing quote"}},
        {"model", "hf/truncated-value.json", {"truncated-value.json:10:", "invalid JSON", "unexpected end of input"}},
        {"model", "hf/nan.json", {"nan.json:10:", "invalid JSON"}},
        {"model", "hf/trailing-comma.json", {"trailing-comma.json:", "invalid JSON"}},
        {"model", "hf/duplicate-key.json", {"duplicate key 'hidden_size'"}},
    }));
    CAPTURE(c.file);
    const std::string error = error_of(c.kind, kBad / c.file);
    CAPTURE(error);
    REQUIRE_FALSE(error.empty());
    CHECK(error.find('\n') == std::string::npos);
    for (const auto& e : c.expected) CHECK_THAT(error, Contains(e));
}

TEST_CASE("binary, non-UTF-8, deeply nested and oversized files are refused cleanly", "[hwdb]") {
    test::TempDir tmp;
    struct Case {
        std::string name;
        std::string content;
        std::string expected;
    };
    const auto c = GENERATE(values<Case>({
        {"binary.yaml", std::string("\x7f" "ELF\x02\x01\x01\x00\x00\x00", 10),
         "binary.yaml:1:5: control character 0x02 (binary file?)"},
        {"nul.yaml", std::string("id: nul\n\0\0", 10), "nul.yaml:2:1: a NUL byte"},
        {"latin1.yaml", "id: latin1\nname: Caf\xe9 GPU\n", "latin1.yaml:2:10: invalid UTF-8 byte 0xe9"},
        {"nested.yaml", "a: " + std::string(20000, '['), "YAML nesting is too deep"},
        {"nested-map.yaml", [] {
             std::string s;
             for (int i = 0; i < 3000; ++i) s += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
             return s;
         }(), "nested-map.yaml"},
        {"huge.yaml", "id: huge\n# " + std::string(2u << 20, 'x') + "\n", "larger than the 1048576-byte limit"},
        {"control.yaml", "id: control\nname: \x1b[31mred\n", "control.yaml:2:7: control character"},
        {"self-alias.yaml", "id: self-alias\npeak: &a {fp32: *a}\n", "self-alias.yaml"},
        {"alias-key.yaml", "id: alias-key\nx: &k name\n*k : y\n", "alias-key.yaml"},
        {"merge-key.yaml", "base: &b {sms: 1}\n<<: *b\n", "unknown key '<<'"},
        {"tabs.yaml", "id: tabs\n\tname: x\n", "tabs.yaml:"},
        // yaml-cpp allocates without bound on a ',' starting a node outside
        // [ ] / { } (fuzz_model_file and fuzz_scenario timeouts, committed in
        // tests/fuzz/corpus/): refused before yaml-cpp sees it.
        {"stray-comma.yaml", "# comment\n, v_dead_dim: 128}\nffn: {kind: moe}\n",
         "stray-comma.yaml:2:1: malformed YAML: ',' outside a [list] or {map}"},
        {"stray-comma-doc.yaml", "id: x\n---\n, b\n", "stray-comma-doc.yaml:3:1: malformed YAML: ','"},
        {"stray-comma-seq.yaml", "- a\n, b\n", "stray-comma-seq.yaml:2:1: malformed YAML: ','"},
        {"stray-comma-anchor.yaml", "&a , b\n", "stray-comma-anchor.yaml:1:4: malformed YAML: ','"},
        // ... and on one right after a tag or anchor (fuzz_hardware timeout).
        {"tag-comma.yaml", "# nt\n\n!t;oi/n,!t\n\n!t\n\n", "tag-comma.yaml:3:8: malformed YAML: ','"},
        {"anchor-comma.yaml", "&a,b\n", "anchor-comma.yaml:1:3: malformed YAML: ','"},
        {"deep.json", "{\"a\": " + std::string(100000, '['), "invalid JSON"},
        {"huge-number.json", R"({"model_type": "llama", "num_hidden_layers": 1e400})",
         "huge-number.json: invalid JSON: number overflow parsing '1e400'"},
    }));
    CAPTURE(c.name);
    const auto path = tmp.write(c.name, c.content);
    const std::string kind = c.name.ends_with(".json") ? "model" : "gpu";
    const std::string error = error_of(kind, path);
    CAPTURE(error);
    REQUIRE_FALSE(error.empty());
    CHECK(error.find('\n') == std::string::npos);
    CHECK_THAT(error, Contains(c.expected));
}

TEST_CASE("import_hf_config refuses JSON that is not an object", "[hwdb]") {
    CHECK_THROWS_WITH(import_hf_config("[1, 2]", "x.json", "x"), Contains("x.json: expected a JSON object"));
    CHECK_THROWS_WITH(import_hf_config("", "x.json", "x"), Contains("invalid JSON"));
    CHECK_THROWS_WITH(import_hf_config("{}", "x.json", "x"), Contains("missing required field 'model_type'"));
}

TEST_CASE("database: dangling references name the system file, the line and the closest id", "[hwdb]") {
    ScratchDatabase db;
    const std::string body = R"(id: broken-node
name: Broken
gpu: h100-sxn
gpus_per_node: 8
scale_up_domain: 8
nic: cx7-400
nics_per_node: 8
fabric_switch: ib-ndr-64
host: xeon
source: test
)";
    db.tmp.write("data/systems/broken-node.yaml", body);
    const std::string error = load_error(db.paths);
    CAPTURE(error);
    CHECK(error.find('\n') == std::string::npos);
    CHECK_THAT(error, Contains("broken-node.yaml:3:6: gpu: unknown GPU 'h100-sxn' (did you mean 'h100-sxm'?)"));
    CHECK_THAT(error, Contains("broken-node.yaml:6:6: nic: unknown NIC 'cx7-400' (did you mean 'cx7-400g'?)"));
    CHECK_THAT(error, Contains("broken-node.yaml:8:16: fabric_switch: unknown switch 'ib-ndr-64'"));
    CHECK_THAT(error, Contains("broken-node.yaml:9:7: host: unknown CPU 'xeon'"));
}

TEST_CASE("database: one id in two files, and an IB NIC on an Ethernet switch", "[hwdb]") {
    ScratchDatabase db;
    SECTION("duplicate id across kinds") {
        fs::copy(db.paths.hardware / "gpus" / "b200.yaml", db.paths.hardware / "nics" / "b200.yaml");
        // (the copy is a GPU file in nics/: it also fails the NIC schema, so
        // write a valid NIC named b200 instead)
        db.tmp.write("data/nics/b200.yaml",
                     "id: b200\nname: x\nkind: infiniband\nbandwidth: 400 Gbps\nlatency: 2.8 us\nsource: test\n");
        const std::string error = load_error(db.paths);
        CHECK_THAT(error, Contains("duplicate id 'b200' (also defined in"));
    }
    SECTION("NIC and switch kinds do not match") {
        db.tmp.write("data/systems/mixed-node.yaml",
                     "id: mixed-node\nname: x\ngpu: h100-sxm\ngpus_per_node: 8\nscale_up_domain: 8\n"
                     "nic: cx7-400g\nnics_per_node: 8\nfabric_switch: eth-800g-64p\nsource: test\n");
        const std::string error = load_error(db.paths);
        CHECK_THAT(error, Contains("mixed-node.yaml:8:16: fabric_switch: switch 'eth-800g-64p' cannot connect "
                                   "NIC 'cx7-400g'"));
    }
    SECTION("a broken GPU file is reported once, not again by every system using it") {
        db.tmp.write("data/gpus/h100-sxm.yaml", "id: h100-sxm\nname: x\n");
        const std::string error = load_error(db.paths);
        CHECK_THAT(error, Contains("h100-sxm.yaml:1:1: missing required key 'vendor'"));
        CHECK_THAT(error, !Contains("unknown GPU"));
    }
    SECTION("a .yml file is not silently ignored") {
        db.tmp.write("data/gpus/new-gpu.yml", "id: new-gpu\n");
        CHECK_THAT(load_error(db.paths), Contains("rename to 'new-gpu.yaml'"));
    }
    SECTION("problems in several files come together") {
        db.tmp.write("data/gpus/bad-a.yaml", "id: bad-a\n");
        db.tmp.write("models/bad-b.yaml", "id: bad-b\nlayers: x\n");
        const std::string error = load_error(db.paths);
        CHECK_THAT(error, Contains("bad-a.yaml:1:1: missing required key 'name'"));
        CHECK_THAT(error, Contains("bad-b.yaml:2:9: layers: expected a whole number, got 'x'"));
        CHECK(error.find('\n') == std::string::npos);
    }
    SECTION("a model whose id does not match its file") {
        db.tmp.write("models/renamed.yaml", "id: something-else\nsource: x\nlayers: 2\nhidden: 64\nvocab: 100\n"
                                            "attention: {kind: gqa, heads: 4, kv_heads: 2, head_dim: 16}\n"
                                            "ffn: {kind: dense, intermediate: 128}\n");
        // A broken model file no longer stops the load (one bad file must not
        // break `hw list`): it is skipped and reported, and asking for it
        // gives its problem.
        CHECK(load_error(db.paths).empty());
        const auto loaded = Database::load(db.paths);
        REQUIRE(loaded.model_problems().size() == 1);
        CHECK_THAT(loaded.model_problems()[0], Contains("renamed.yaml:1:5: id: 'something-else' does not match the "
                                                        "file name 'renamed.yaml'"));
        CHECK_THROWS_WITH(loaded.model("renamed"), Contains("was skipped") && Contains("does not match"));
        CHECK(loaded.models().count("deepseek-v3") == 1);
    }
}

TEST_CASE("unit strings: typos, signs, NaN, overflow and control characters give one clear line", "[hwdb]") {
    struct Case {
        const char* parser;
        std::string text;
        std::string expected;
    };
    const auto c = GENERATE(values<Case>({
        {"bandwidth", "400 Gbs", "--x: unknown bandwidth unit 'Gbs' in '400 Gbs' (did you mean 'Gbps'?)"},
        {"bandwidth", "3.35 TBs", "(did you mean 'TB/s'?)"},
        {"bytes", "80 GIB", "unknown size unit 'GIB'"},
        {"bytes", "80", "size '80' has no unit"},
        {"bytes", "-1 GB", "size must not be negative, got '-1 GB'"},
        {"duration", "nan ms", "duration must be a finite number"},
        {"duration", "inf s", "duration must be a finite number"},
        {"duration", "1e400 s", "expected a duration like '2.8 us'"},
        // A finite number times its unit used to overflow to inf and pass (the
        // fuzz_unit_parse invariant: a parsed value is finite and >= 0).
        {"bandwidth", "1e308 TB/s", "bandwidth '1e308 TB/s' is too large to represent"},
        {"count", "1e308T", "count '1e308T' is too large to represent"},
        {"compute", "1.7e308 PFLOPS", "is too large to represent"},
        {"usd", "$1e308M", "expected a price like"},
        {"per_second", "300/min", "expected a rate like '300/s', got '300/min'"},
        {"per_second", "1e308T/s", "too large"},
        // A newline or escape inside a quoted value or a CLI argument must not
        // break the one-line message, and a runaway value is cut.
        {"bandwidth", "400\nGbps", "unknown bandwidth unit '?Gbps' in '400?Gbps'"},
        {"bytes", "1 \x1b[31mGB", "'1 ?[31mGB'"},
        {"bytes", "1 " + std::string(5000, 'G'), "..."},
        // Physical bounds (docs/hardening.md, "Bounds"): finite is not enough.
        {"bandwidth", "1e-300 GB/s", "bandwidth '1e-300 GB/s' is below 1 MB/s"},
        {"bandwidth", "999 KB/s", "below 1 MB/s"},
        {"bandwidth", "1001 TB/s", "implausibly large (limit 1 PB/s)"},
        {"bandwidth", "1e308 B/s", "implausibly large (limit 1 PB/s)"},
        {"duration", "1e-300 s", "duration '1e-300 s' is below 1 ns"},
        {"duration", "0.5 ns", "below 1 ns"},
        {"duration", "1e308 s", "implausibly large (limit one year)"},
        {"compute", "1e-300 TFLOPS", "below 1 MFLOPS"},
        {"compute", "1e20 FLOPS", "implausibly large"},
    }));
    const std::string& text = c.text;
    CAPTURE(c.parser, c.text);
    std::string error;
    try {
        const std::string p = c.parser;
        if (p == "bandwidth") (void)parse_bandwidth(text, "--x");
        else if (p == "bytes") (void)parse_bytes(text, "--x");
        else if (p == "duration") (void)parse_duration(text, "--x");
        else if (p == "compute") (void)parse_compute_rate(text, "--x");
        else if (p == "count") (void)parse_count(text, "--x");
        else if (p == "usd") (void)parse_usd(text, "--x");
        else (void)parse_per_second(text, "--x");
    } catch (const Error& e) {
        error = e.what();
    }
    CAPTURE(error);
    REQUIRE_FALSE(error.empty());
    CHECK(error.find('\n') == std::string::npos);
    CHECK(error.size() < 600);
    CHECK_THAT(error, Contains(c.expected));
}

TEST_CASE("fuzz regressions: yaml-cpp inputs that never terminate are refused", "[hwdb]") {
    const fs::path corpus = kSource / "tests" / "fuzz" / "corpus";
    for (const char* f : {"scenario/yaml-cpp-quoted-comma", "hardware/yaml-cpp-quote-comma",
                          "model_file/yaml-cpp-tag-quote"}) {
        CAPTURE(f);
        Problems problems;
        CHECK_FALSE(parse_gpu(read_file(corpus / f), "x.yaml", "x", problems).has_value());
        REQUIRE_FALSE(problems.empty());
        const std::string error = problems.to_error().what();
        CHECK_THAT(error, Contains("x.yaml:") && Contains("malformed YAML"));
    }
    Problems problems;
    (void)parse_gpu("\"x\"\n, a\n", "q.yaml", "q", problems);
    CHECK_THAT(std::string(problems.to_error().what()), Contains("q.yaml:2:1: malformed YAML"));
}

TEST_CASE("fuzz regressions: committed crash/hang inputs are refused quickly", "[hwdb]") {
    const fs::path corpus = kSource / "tests" / "fuzz" / "corpus";
    for (const char* f : {"model_file/yaml-cpp-stray-comma", "scenario/yaml-cpp-stray-comma",
                          "hardware/yaml-cpp-tag-comma"}) {
        CAPTURE(f);
        const std::string text = read_file(corpus / f);
        Problems problems;
        CHECK_FALSE(parse_model_yaml(text, "x.yaml", "x", IdRule::default_to_stem, problems).has_value());
        REQUIRE_FALSE(problems.empty());
        CHECK_THAT(std::string(problems.to_error().what()), Contains("malformed YAML: ',' outside a [list] or {map}"));
    }
    // A ',' continuing a plain scalar on a more indented line is valid YAML.
    Problems problems;
    (void)parse_gpu("id: x\nname: a\n  , b\n", "x.yaml", "x", problems);
    CHECK_THAT(std::string(problems.to_error().what()), !Contains("outside a [list]"));
}

TEST_CASE("bounded numbers: range checked before any integer conversion", "[hwdb][hardening]") {
    CHECK(parse_whole("4", "--n", 1, 8) == 4);
    CHECK(parse_whole("2k", "--n", 1, 4096) == 2000);
    CHECK(parse_whole("65536", "--n", 1, 65536) == 65536);  // bounds are inclusive
    CHECK(parse_whole("-3", "--n", -5, 5) == -3);
    const auto err = [](const std::string& text, long long lo, long long hi) {
        try {
            (void)parse_whole(text, "--n", lo, hi);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    // 2^31 and 2^63 + 1 would wrap in an int / long long conversion.
    CHECK_THAT(err("2147483648", 1, 65536), Contains("--n: must be a whole number between 1 and 65536, got '2147483648'"));
    CHECK_THAT(err("9223372036854775809", 0, 1LL << 53), Contains("must be a whole number"));
    CHECK_THAT(err("1e300", 0, 10), Contains("between 0 and 10"));
    CHECK_THAT(err("-1", 0, 10), Contains("got '-1'"));
    CHECK_THAT(err("2.5", 0, 10), Contains("whole number"));
    CHECK_THAT(err("nan", 0, 10), Contains("finite"));
    CHECK_THAT(err("", 0, 10), Contains("expected a count"));
    CHECK(err(std::string(5000, '9'), 0, 10).size() < 300);  // echo cut at 80 characters

    CHECK(parse_number("0.5", "--x", 0, 1) == 0.5);
    const auto nerr = [](const std::string& text) {
        try {
            (void)parse_number(text, "--x", 0, 1e6);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(nerr("nan"), Contains("--x: must be a finite number, got 'nan'"));
    CHECK_THAT(nerr("inf"), Contains("finite"));
    CHECK_THAT(nerr("1e400"), Contains("out of range (expected 0 to 1e+06)"));  // no 309-digit bound
    CHECK_THAT(nerr("-1"), Contains("must be between 0 and 1e+06"));
    CHECK_THAT(nerr("5 %"), Contains("expected a number"));
}

TEST_CASE("YAML alias expansion is bounded (nodes and bytes), with a location", "[hwdb][hardening]") {
    const auto yaml_error = [](const std::string& text) {
        Problems pr;
        (void)parse_yaml(text, "bomb.yaml", pr);
        try {
            pr.throw_if_any();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    // The billion laughs: 9 levels of 10 aliases, 1e9 nodes from 500 bytes.
    std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
        laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) laughs += (j ? ", *a" : "*a") + std::to_string(i - 1);
        laughs += "]\n";
    }
    CHECK_THAT(yaml_error(laughs), Contains("bomb.yaml:"));
    CHECK_THAT(yaml_error(laughs), Contains("YAML aliases expand to more than 1000000 nodes"));
    // Few nodes, many bytes: one 400 KB string referenced 100 times (40 MB).
    std::string wide = "s: &s " + std::string(400000, 'y') + "\nl: [";
    for (int i = 0; i < 100; ++i) wide += i ? ",*s" : "*s";
    CHECK_THAT(yaml_error(wide + "]\n"), Contains("MiB of text"));
    // Ordinary aliases (a shared block reused a few times) still load.
    CHECK(yaml_error("base: &b {x: 1, y: 2}\none: *b\ntwo: *b\n").empty());
}

TEST_CASE("read_file refuses FIFOs and devices without blocking; reads /proc files", "[hwdb][hardening]") {
    test::TempDir tmp;
    const fs::path fifo = tmp.path() / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Opening a FIFO for reading blocks until a writer comes: the old
    // ifstream read hung here forever.
    CHECK_THROWS_WITH(read_file(fifo), Contains("is a named pipe (FIFO), expected a regular file"));
    CHECK_THROWS_WITH(read_file("/dev/zero"), Contains("is a character device"));
    CHECK_THROWS_WITH(require_regular_file(fifo), Contains("named pipe"));
    // /proc files report 0 bytes and have content (was "file is empty").
    CHECK(!read_file("/proc/self/status").empty());
    CHECK_THROWS_WITH(read_file(tmp.write("big.txt", std::string(100, 'x')), 10), Contains("10-byte limit"));
}

TEST_CASE("check_output_path: inputs by inode, non-regular files, symlinks", "[hwdb][hardening]") {
    test::TempDir tmp;
    const fs::path in = tmp.write("in.yaml", "a: 1\n");
    CHECK_NOTHROW(check_output_path(tmp.path() / "new.csv", {in}, false, "--out"));
    CHECK_THROWS_WITH(check_output_path(in, {in}, false, "--out"), Contains("is the input file"));
    fs::create_hard_link(in, tmp.path() / "hard.yaml");
    CHECK_THROWS_WITH(check_output_path(tmp.path() / "hard.yaml", {in}, true, "-o"), Contains("is the input file"));
    // A relative spelling of the same file is the same inode.
    CHECK_THROWS_WITH(check_output_path(tmp.path() / "." / "in.yaml", {in}, false, "-o"), Contains("is the input file"));
    fs::create_symlink(tmp.path() / "elsewhere.csv", tmp.path() / "link.csv");
    CHECK_THROWS_WITH(check_output_path(tmp.path() / "link.csv", {in}, false, "--out"),
                      Contains("--out " + (tmp.path() / "link.csv").string() + ": is a symbolic link"));
    CHECK_NOTHROW(check_output_path(tmp.path() / "link.csv", {in}, true, "--out"));
    fs::create_symlink(in, tmp.path() / "link-to-input.yaml");
    CHECK_THROWS_WITH(check_output_path(tmp.path() / "link-to-input.yaml", {in}, true, "--out"),
                      Contains("is the input file"));  // --force never allows clobbering an input
    CHECK_THROWS_WITH(check_output_path("/dev/null", {in}, true, "--out"), Contains("is a character device"));
    CHECK_THROWS_WITH(check_output_path(tmp.path(), {in}, false, "--out"), Contains("is a directory"));
}

TEST_CASE("write_file_atomically: SIGTERM during the write leaves no temporary", "[hwdb][hardening]") {
    test::TempDir tmp;
    const fs::path out = tmp.path() / "big.csv";
    std::ofstream(out) << "old\n";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // The child: a watcher thread sends SIGTERM as soon as the temporary
        // appears; the main thread writes 256 MB (long enough to be caught).
        std::thread watcher([&] {
            for (int i = 0; i < 200000; ++i) {
                for (const auto& e : fs::directory_iterator(tmp.path()))
                    if (e.path().filename().string().rfind(".big.csv.tmp", 0) == 0) {
                        ::kill(::getpid(), SIGTERM);
                        return;
                    }
            }
        });
        watcher.detach();
        const std::string content(256u << 20, 'x');
        try {
            write_file_atomically(out, content);
        } catch (...) {
        }
        ::_exit(3);  // finished before the signal came
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        WARN("the write finished before the signal; nothing to check");
    } else {
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGTERM);  // re-raised: the exit status still says "killed by SIGTERM"
    }
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(tmp.path())) left.push_back(e.path().filename().string());
    CHECK(left == std::vector<std::string>{"big.csv"});
}
