// The bad-input matrix, end to end: every malformed file kind (hardware YAML,
// model YAML, HF config.json, scenario YAML) and bad CLI flags, run through
// the built `hwplan` binary. Each case must exit with code 2 and print ONE
// error line on stderr that contains the expected text (what is wrong, where,
// and a suggestion when there is a close valid word) -- never a crash, an
// internal error or a silent success. docs/hardening.md lists these cases.
//
// Argument placeholders, expanded per case:
//   @bad/X     tests/data/bad/X
//   @hwdb:X    a scratch copy of hwdb/data with tests/data/bad/X added in the
//              same kind folder (for --data-dir)
//   @gen:NAME  a file generated in a temp dir (binary, non-UTF-8, 100 MB, ...)

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_cli.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

struct CliCase {
    std::string id;                     // short name, for docs/hardening.md
    std::vector<std::string> args;
    std::vector<std::string> expected;  // substrings of stderr
};

const fs::path kBad = fs::path(HWPLAN_TEST_DATA_DIR) / "bad";

void write(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// 100 MB of YAML comment lines: refused by size before it is read.
void write_100mb(const fs::path& p, const std::string& head) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << head;
    const std::string line = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 100 * 1024; ++i) out << line;
}

// The built hwplan under a 10 s wall-clock limit: a hang (a FIFO read, an
// alias bomb) fails the case with exit code 137 instead of stalling the suite.
CliResult run_hwplan_bounded(const std::vector<std::string>& args) {
    std::vector<std::string> a = {"-s", "KILL", "10", HWPLAN_CLI_BINARY};
    a.insert(a.end(), args.begin(), args.end());
    return run_binary("/usr/bin/timeout", a);
}

std::string generated(const fs::path& dir, const std::string& name) {
    const fs::path p = dir / name;
    const std::string model_head = "id: gen\nsource: test\nlayers: 2\nhidden: 64\nvocab: 100\n";
    if (name == "binary.yaml") write(p, std::string("\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00", 12));
    else if (name == "latin1.yaml") write(p, model_head + "name: Caf\xe9\n");
    else if (name == "nul.yaml") write(p, model_head + std::string("\0\0\0", 3));
    else if (name == "empty.yaml") write(p, "");
    else if (name == "bom-json.json") write(p, "\xef\xbb\xbf{\"model_type\": \"llama\"");
    else if (name == "huge.yaml") write_100mb(p, model_head);
    else if (name == "huge.json") write_100mb(p, "{\"model_type\": \"llama\",\n");
    else if (name == "huge-scenario.yaml") write_100mb(p, "name: huge\n");
    else if (name == "binary-scenario.yaml") write(p, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    else if (name == "cyclic.yaml") write(p, "id: gen\na: &x [*x]\n");
    else if (name == "long-value") return std::string(900, 'x') + " GB/s";  // an argument, not a file
    else if (name == "long-share.yaml")  // a 900 KB value: quoted whole in one error line before
        write(p, "name: x\nmodel: llama-3.1-8b\nsystems: [h100-node]\nworkload:\n  input: {mean: 1000}\n"
                 "  output: {mean: 200}\n  prefix_hit_rate: " + std::string(900000, 'z') + "\n");
    else if (name == "alias-string.yaml") {
        // One 500 KB anchored string referenced 1e5 times: 800 KB on disk
        // (under the 1 MiB input limit), 50 GB once expanded.
        std::string t = "id: gen\nx: &a " + std::string(500000, 'y') + "\nl: [";
        for (int i = 0; i < 100000; ++i) t += i ? ",*a" : "*a";
        write(p, t + "]\n");
    } else if (name == "fifo") {
        fs::create_directories(p.parent_path());
        REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
    } else if (name == "nothing.yaml" || name == "nothing.csv") {
        // A path only (calibrate -o): nothing is created.
    }
    else FAIL("no generator for " << name);
    return p.string();
}

std::string expand(const std::string& arg, const fs::path& tmp) {
    if (arg.rfind("@bad/", 0) == 0) return (kBad / arg.substr(5)).string();
    if (arg.rfind("@gen:", 0) == 0) return generated(tmp, arg.substr(5));
    if (arg.rfind("@hwdb:", 0) == 0) {
        const fs::path rel = arg.substr(6);  // "gpus/bad-unit.yaml"
        const fs::path data = tmp / "data";
        fs::copy(source_path("hwdb/data"), data, fs::copy_options::recursive);
        fs::copy_file(kBad / rel, data / rel);
        return data.string();
    }
    return arg;
}

const std::vector<CliCase>& cli_cases() {
    static const std::vector<CliCase> cases{
        // ---------------------------------------------------- hardware YAML (--data-dir)
        {"hw-unknown-key", {"--data-dir", "@hwdb:gpus/unknown-key.yaml", "hw", "list"},
         {"unknown-key.yaml:6:1: unknown key 'memory_bw' (did you mean 'memory_bandwidth'?)"}},
        {"hw-unit-typo", {"--data-dir", "@hwdb:gpus/bad-unit.yaml", "hw", "list"},
         {"unknown bandwidth unit 'TBs'", "did you mean 'TB/s'?"}},
        {"hw-bits-typo", {"--data-dir", "@hwdb:nics/bits-typo.yaml", "hw", "list"}, {"did you mean 'Gbps'?"}},
        {"hw-missing-unit", {"--data-dir", "@hwdb:gpus/missing-unit.yaml", "hw", "list"},
         {"memory: size '80' has no unit"}},
        {"hw-negative", {"--data-dir", "@hwdb:gpus/negative.yaml", "hw", "list"}, {"tdp: power must not be negative"}},
        {"hw-zero", {"--data-dir", "@hwdb:gpus/zero-sms.yaml", "hw", "list"}, {"sms: must be at least 1, got 0"}},
        {"hw-nan", {"--data-dir", "@hwdb:gpus/nan.yaml", "hw", "list"},
         {"memory_bandwidth: bandwidth must be a finite number"}},
        {"hw-huge", {"--data-dir", "@hwdb:gpus/huge.yaml", "hw", "list"}, {"'80000 PB' is implausibly large"}},
        {"hw-duplicate-key", {"--data-dir", "@hwdb:gpus/duplicate-key.yaml", "hw", "list"},
         {"duplicate key 'tdp' (first given at line 9)"}},
        {"hw-id-mismatch", {"--data-dir", "@hwdb:gpus/id-mismatch.yaml", "hw", "list"},
         {"id: 'h100-sxm' does not match the file name 'id-mismatch.yaml'"}},
        {"hw-quoted-number", {"--data-dir", "@hwdb:gpus/quoted-number.yaml", "hw", "list"},
         {"sms: expected a whole number, got the quoted text \"132\""}},
        {"hw-truncated", {"--data-dir", "@hwdb:gpus/truncated.yaml", "hw", "list"}, {"truncated.yaml:", "malformed YAML"}},
        {"hw-empty", {"--data-dir", "@hwdb:gpus/empty.yaml", "hw", "list"}, {"empty.yaml: file is empty"}},
        {"hw-two-documents", {"--data-dir", "@hwdb:gpus/two-documents.yaml", "hw", "list"},
         {"expected one YAML document, found 2"}},
        {"hw-enum-typo", {"--data-dir", "@hwdb:nics/bad-kind.yaml", "hw", "list"},
         {"kind: unknown value 'infinband' (did you mean 'infiniband'?)"}},
        {"hw-dangling-gpu", {"--data-dir", "@hwdb:systems/missing-gpu.yaml", "hw", "list"},
         {"missing required key 'gpu'"}},
        {"hw-inconsistent", {"--data-dir", "@hwdb:systems/planes-not-dividing.yaml", "hw", "list"},
         {"planes (3) must divide nics_per_node (8)"}},
        {"hw-no-data-dir", {"--data-dir", "/nonexistent/hwplan-data", "hw", "list"}, {"/nonexistent/hwplan-data"}},
        {"hw-unknown-id", {"hw", "show", "h100-nod"}, {"unknown system 'h100-nod' (did you mean 'h100-node'?)"}},

        // ---------------------------------------------------- model YAML (--model PATH)
        {"model-unknown-key", {"params", "--model", "@bad/models/hf-style-keys.yaml"},
         {"unknown key 'num_hidden_layers'", "missing required key 'layers'"}},
        {"model-top-k", {"params", "--model", "@bad/models/top-k-exceeds.yaml"},
         {"ffn.top_k (300) exceeds ffn.routed_experts (256)"}},
        {"model-kv-heads", {"params", "--model", "@bad/models/kv-heads-not-dividing.yaml"},
         {"attention.kv_heads (7) must divide attention.heads (64)"}},
        {"model-enum", {"params", "--model", "@bad/models/unknown-attention-kind.yaml"},
         {"attention.kind: unknown value 'mha'", "expected one of: gqa, mla"}},
        {"model-fraction", {"params", "--model", "@bad/models/fractional-dimension.yaml"},
         {"hidden: expected a whole number, got '7168.5'"}},
        {"model-huge", {"params", "--model", "@bad/models/huge-dimension.yaml"},
         {"hidden: '99999999999999999999' is far too large"}},
        {"model-negative", {"params", "--model", "@bad/models/negative-layers.yaml"},
         {"layers: must be at least 1, got -61"}},
        {"model-missing-key", {"params", "--model", "@bad/models/missing-ffn.yaml"},
         {"missing required key 'ffn'"}},
        {"model-yes-bool", {"params", "--model", "@bad/models/yes-for-bool.yaml"},
         {"tied_embeddings: expected true or false, got 'yes'"}},
        {"model-no-file", {"params", "--model", "/nonexistent/model.yaml"}, {"/nonexistent/model.yaml: no such file"}},
        {"model-directory", {"params", "--model", "@bad/models/"}, {"is a directory"}},
        {"model-unknown-id", {"params", "--model", "deepseek-v4"}, {"unknown model 'deepseek-v4'", "did you mean"}},
        {"model-binary", {"params", "--model", "@gen:binary.yaml"}, {"control character", "binary file?"}},
        {"model-non-utf8", {"params", "--model", "@gen:latin1.yaml"}, {"invalid UTF-8 byte 0xe9"}},
        {"model-nul", {"params", "--model", "@gen:nul.yaml"}, {"a NUL byte"}},
        {"model-empty", {"params", "--model", "@gen:empty.yaml"}, {"empty"}},
        {"model-cyclic-alias", {"params", "--model", "@gen:cyclic.yaml"}, {"cyclic.yaml"}},
        {"model-100mb", {"params", "--model", "@gen:huge.yaml"}, {"huge.yaml", "byte limit"}},

        // ---------------------------------------------------- HF config.json
        {"hf-missing", {"params", "--model", "@bad/hf/missing-layers.json"},
         {"missing required field 'num_hidden_layers'"}},
        {"hf-type-typo", {"params", "--model", "@bad/hf/model-type-typo.json"},
         {"unsupported model_type 'qwen_2' (did you mean 'qwen2'?)"}},
        {"hf-unsupported", {"params", "--model", "@bad/hf/unknown-model-type.json"},
         {"unsupported model_type 'rwkv'", "supported: deepseek_v2, deepseek_v3, gemma2"}},
        {"hf-string-number", {"params", "--model", "@bad/hf/string-number.json"},
         {"field 'hidden_size' must be a whole number, got a string"}},
        {"hf-negative", {"params", "--model", "@bad/hf/negative-heads.json"},
         {"field 'num_attention_heads' must be at least 1, got -32"}},
        {"hf-fraction", {"params", "--model", "@bad/hf/fractional.json"},
         {"field 'intermediate_size' must be a whole number"}},
        {"hf-nan", {"params", "--model", "@bad/hf/nan.json"}, {"nan.json:10:", "invalid JSON"}},
        {"hf-truncated", {"params", "--model", "@bad/hf/truncated.json"}, {"truncated.json:17:13: invalid JSON"}},
        {"hf-trailing-comma", {"params", "--model", "@bad/hf/trailing-comma.json"}, {"invalid JSON"}},
        {"hf-duplicate-key", {"params", "--model", "@bad/hf/duplicate-key.json"}, {"duplicate key 'hidden_size'"}},
        {"hf-inconsistent", {"params", "--model", "@bad/hf/kv-heads-not-dividing.json"},
         {"attention.kv_heads (7) must divide attention.heads (32)"}},
        {"hf-bom-truncated", {"params", "--model", "@gen:bom-json.json"}, {"bom-json.json"}},
        {"hf-100mb", {"params", "--model", "@gen:huge.json"}, {"huge.json", "byte limit"}},

        // ---------------------------------------------------- scenario YAML
        {"scenario-unknown-key", {"plan", "@bad/scenarios/unknown-key.yaml"},
         {"unknown key 'slo' (did you mean 'sla'?)"}},
        {"scenario-unit-typo", {"plan", "@bad/scenarios/unit-typo.yaml"},
         {"unit-typo.yaml:9:9", "unknown duration unit 'msec'"}},
        {"scenario-negative", {"plan", "@bad/scenarios/negative-latency.yaml"}, {"must not be negative"}},
        {"scenario-nan", {"plan", "@bad/scenarios/nan-latency.yaml"}, {"nan-latency.yaml:9:9"}},
        {"scenario-zero", {"plan", "@bad/scenarios/zero-length.yaml"}, {"mean: must be positive, got '0'"}},
        {"scenario-huge", {"plan", "@bad/scenarios/huge-length.yaml"}, {"huge-length.yaml:5:"}},
        {"scenario-dangling-system", {"plan", "@bad/scenarios/dangling-system.yaml"},
         {"unknown system 'h100-nod' (did you mean 'h100-node'?)"}},
        {"scenario-duplicate-system", {"plan", "@bad/scenarios/duplicate-system.yaml"},
         {"'h100-node' is listed twice"}},
        {"scenario-dangling-model", {"plan", "@bad/scenarios/dangling-model.yaml"},
         {"unknown model 'llama-3.1-8c' (did you mean 'llama-3.1-8b'?)"}},
        {"scenario-missing-model-file", {"plan", "@bad/scenarios/missing-model-file.yaml"},
         {"does-not-exist.yaml: no such file"}},
        {"scenario-missing-key", {"plan", "@bad/scenarios/missing-model.yaml"}, {"missing required key 'model'"}},
        {"scenario-percentile", {"plan", "@bad/scenarios/bad-percentile.yaml"},
         {"tpot_percentile: expected a percentile like 90"}},
        {"scenario-rate-typo", {"plan", "@bad/scenarios/rate-typo.yaml"}, {"requests_per_s"}},
        {"scenario-duplicate-key", {"plan", "@bad/scenarios/duplicate-key.yaml"},
         {"duplicate-key.yaml:10:3: duplicate key 'sla.tpot' (first given at line 9)"}},
        {"scenario-truncated", {"plan", "@bad/scenarios/truncated.yaml"}, {"truncated.yaml:8:"}},
        {"scenario-unclosed", {"plan", "@bad/scenarios/unclosed-list.yaml"}, {"unclosed-list.yaml:", "YAML"}},
        {"scenario-binary", {"plan", "@gen:binary-scenario.yaml"}, {"binary-scenario.yaml:1:"}},
        {"scenario-100mb", {"plan", "@gen:huge-scenario.yaml"}, {"huge-scenario.yaml", "byte limit"}},
        {"scenario-no-file", {"plan", "/nonexistent/scenario.yaml"}, {"no such file"}},

        // ---------------------------------------------------- CLI flags
        {"flag-unit-typo", {"ep", "--bandwidth", "400 Gbs"},
         {"--bandwidth: unknown bandwidth unit 'Gbs'", "did you mean 'Gbps'?"}},
        {"flag-no-unit", {"ep", "--bandwidth", "400"}, {"--bandwidth: bandwidth '400' has no unit"}},
        {"flag-zero-bandwidth", {"ep", "--bandwidth", "0 GB/s"}, {"--bandwidth"}},
        {"flag-negative-bandwidth", {"ep", "--bandwidth", "-50 GB/s"}, {"--bandwidth", "must not be negative"}},
        {"flag-nan-bandwidth", {"ep", "--bandwidth", "nan GB/s"}, {"--bandwidth", "finite"}},
        {"flag-overflow-bandwidth", {"ep", "--bandwidth", "1e308 TB/s"}, {"--bandwidth", "too large"}},
        {"flag-negative-tokens", {"ep", "--tokens", "-32"}, {"--tokens", "must not be negative"}},
        {"flag-nan-hidden", {"ep", "--hidden", "nan"}, {"--hidden: must be a positive finite number"}},
        {"flag-inf-hidden", {"ep", "--hidden", "inf"}, {"--hidden: Value inf not in range"}},
        {"flag-overflow-traffic", {"ep", "--hidden", "1e300", "--tokens", "1e300"}, {"too large"}},
        {"flag-zero-batch",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--batch", "0"}, {"--batch"}},
        {"flag-huge-context",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--context", "1e12"},
         {"--context", "up to 1e9"}},
        {"flag-fraction-context",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--context", "4.5"},
         {"--context", "whole number"}},
        {"flag-count-typo",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--context", "4kb"},
         {"--context", "unknown count unit 'kb'"}},
        {"flag-nan-imbalance",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--expert-imbalance", "nan"},
         {"--expert-imbalance"}},
        {"flag-acceptance-range",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--mtp-acceptance", "1.5"},
         {"--mtp-acceptance: acceptance rates must be between 0 and 1"}},
        {"flag-prefix-hit-range",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--prefix-hit", "2"},
         {"--prefix-hit: must be between 0 and 1"}},
        {"flag-dangling-system", {"tpot", "--model", "deepseek-v3", "--system", "h800-nod"},
         {"--system", "unknown system 'h800-nod' (did you mean 'h800-node'?)"}},
        {"flag-dangling-gpu", {"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxn"},
         {"--gpu", "did you mean 'h100-sxm'?"}},
        {"flag-bad-dtype", {"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--weights", "fp7"},
         {"--weights: unknown dtype 'fp7'"}},
        {"flag-bad-layout", {"tpot", "--model", "llama-3.1-8b", "--system", "h100-node", "--tp", "3"},
         {"--tp"}},
        {"flag-unknown-flag", {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--contxt", "4k"},
         {"The following arguments were not expected", "--contxt"}},
        {"flag-unknown-command", {"tpott"}, {"unknown command 'tpott' (did you mean 'tpot'?)"}},
        {"flag-topo-unit-typo", {"topo", "--fabric", "ft2", "--endpoints", "1024", "--link-bandwidth", "400 Gbs"},
         {"--link-bandwidth", "did you mean 'Gbps'?"}},
        {"flag-gemm-huge", {"gemm", "--gpu", "h100-sxm", "--m", "1e30", "--n", "4096", "--k", "4096"}, {"--m"}},
        {"flag-gemm-negative", {"gemm", "--gpu", "h100-sxm", "--m", "-4", "--n", "4096", "--k", "4096"}, {"--m"}},
        {"flag-bad-format", {"kv", "--model", "deepseek-v3", "--format", "xml"}, {"--format"}},

        // ------------------------------------------- round two (issue 22)
        // Integer flags: range checked on the text, before any int arithmetic.
        {"int-nodes-overflow", {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "268435456"},
         {"--nodes: must be a whole number between 1 and 65536, got '268435456'"}},
        {"int-redundant-overflow",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--redundant-experts",
          "2147483647"},
         {"--redundant-experts: must be a whole number between 0 and 65536"}},
        {"int-tp-64bit", {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--tp", "99999999999"},
         {"--tp: must be a whole number"}},
        {"int-ep-nodes-overflow", {"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "268435456"},
         {"--nodes: must be a whole number between 1 and 65536"}},
        {"int-radix-overflow", {"topo", "--table", "--radix", "99999999999"},
         {"--radix: must be a whole number between 2 and 65536"}},
        {"int-layers-huge", {"ep", "--layers", "1e12"}, {"--layers: must be a whole number between 1 and 100000"}},
        {"int-mtp-negative", {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--mtp", "-1"},
         {"--mtp: must be a whole number between 0 and 16, got '-1'"}},
        {"int-batch-fraction", {"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "2.5"},
         {"--batch: must be a whole number"}},
        {"int-seed-negative",
         {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k", "--output", "256", "--rate",
          "10/s", "--simulate", "--seed", "-1"},
         {"--seed: must be a whole number between 0 and", "got '-1'"}},
        {"int-requests-bound",
         {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k", "--output", "256", "--rate",
          "10/s", "--simulate", "--requests", "2000000000"},
         {"--requests: 2000000000 requests is more than the bound of 10000000 (raise it with --max-requests)"}},
        {"int-requests-overflow",
         {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k", "--output", "256", "--rate",
          "10/s", "--simulate", "--requests", "1e30"},
         {"--requests: must be a whole number"}},
        // Physical bounds on quantities (docs/hardening.md, "Bounds").
        {"bound-tiny-bandwidth", {"ep", "--bandwidth", "1e-300 GB/s"}, {"--bandwidth", "below 1 MB/s"}},
        {"bound-huge-bandwidth", {"ep", "--bandwidth", "1e308 B/s"}, {"--bandwidth", "implausibly large (limit 1 PB/s)"}},
        {"bound-inf-bandwidth", {"ep", "--bandwidth", "inf GB/s"}, {"--bandwidth", "finite"}},
        {"bound-tiny-duration",
         {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k", "--output", "256", "--rate",
          "10/s", "--kv-hit-rate", "0.5", "--kv-reuse-window", "1e-300 s"},
         {"--kv-reuse-window", "below 1 ns"}},
        {"bound-prefix-hit-one",
         {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--prefix-hit", "1"},
         {"--prefix-hit: must be between 0 and 1 (exclusive)"}},
        {"bound-max-error-nan", {"validate", "--max-error", "nan"}, {"--max-error: must be a finite number"}},
        {"bound-max-error-inf", {"validate", "--max-error", "inf"}, {"--max-error"}},
        {"bound-hw-tiny-bandwidth", {"--data-dir", "@hwdb:gpus/tiny-bandwidth.yaml", "hw", "list"},
         {"tiny-bandwidth.yaml:6:", "memory_bandwidth: bandwidth '1e-300 GB/s' is below 1 MB/s"}},
        {"bound-hw-huge-bandwidth", {"--data-dir", "@hwdb:gpus/huge-bandwidth.yaml", "hw", "list"},
         {"huge-bandwidth.yaml:6:", "limit 1 PB/s"}},
        {"bound-scenario-tiny-time", {"plan", "@bad/scenarios/tiny-latency.yaml"},
         {"tiny-latency.yaml:10:9: sla.tpot: duration '1e-300 s' is below 1 ns"}},
        {"bound-scenario-huge-time", {"plan", "@bad/scenarios/huge-latency.yaml"},
         {"huge-latency.yaml:10:9: sla.tpot:", "implausibly large"}},
        {"echo-cut", {"ep", "--bandwidth", "@gen:long-value"}, {"--bandwidth", "xxxxxxxx..."}},
        // Demand past what any deployment can carry: infeasible, exit 2 (was a segfault).
        {"crash-huge-rate-plan", {"plan", "@bad/scenarios/huge-rate.yaml"},
         {"need at least", "GPUs", "more than the constraints allow"}},
        // Resource bombs and inputs that are not regular files.
        {"bomb-alias-scenario", {"plan", "@bad/scenarios/alias-bomb.yaml"},
         {"alias-bomb.yaml:", "YAML aliases expand to more than 1000000 nodes"}},
        {"bomb-alias-hardware", {"--data-dir", "@hwdb:gpus/alias-bomb.yaml", "hw", "list"},
         {"alias-bomb.yaml:", "YAML aliases expand"}},
        {"bomb-alias-string", {"params", "--model", "@gen:alias-string.yaml"},
         {"alias-string.yaml:", "MiB of text"}},
        {"bomb-search", {"plan", "@bad/scenarios/search-bomb.yaml"},
         {"search-bomb.yaml: the search has about", "more than the bound of 1e+09",
          "raise the bound with --max-configurations"}},
        {"bomb-search-sweep", {"sweep", "@bad/scenarios/search-bomb.yaml", "--out", "@gen:nothing.csv"},
         {"search-bomb.yaml: the search has about", "more than the bound of 1e+07"}},
        {"bound-sweep-configurations",
         {"sweep", "@bad/../../../scenarios/small-llama-8b.yaml", "--out", "@gen:nothing.csv", "--max-configurations",
          "100"},
         {"small-llama-8b.yaml: the search has about", "more than the bound of 100"}},
        {"bound-max-configurations-nan", {"plan", "@bad/scenarios/huge-rate.yaml", "--max-configurations", "nan"},
         {"--max-configurations: must be a finite number"}},
        // Accepted nonsense.
        {"empty-data-dir", {"--data-dir", "", "hw", "list"}, {"--data-dir: must not be empty"}},
        {"empty-profile", {"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--profile", ""},
         {"--profile: must not be empty"}},
        {"str-tag-number", {"params", "--model", "@bad/models/str-tag-number.yaml"},
         {"str-tag-number.yaml:5:9: layers: expected a whole number, got the quoted text \"61\""}},
        {"echo-cut-file", {"plan", "@gen:long-share.yaml"},
         {"long-share.yaml:7:20: workload.prefix_hit_rate: expected a share like 0.56 or '56%', got 'zzzz", "zzz...'"}},
        {"holdout-no-shape",
         {"calibrate", "fit", "@bad/../calibration/synthetic-gpu-probe.yaml", "--gpu", "h100-sxm", "--holdout",
          "llama-3.1-8b.qvk", "-o", "@gen:nothing.yaml"},
         {"--holdout: no GEMM sample of the probe has shape 'llama-3.1-8b.qvk' (did you mean 'llama-3.1-8b.qkv'?)"}},
        {"fifo-trace",
         {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k", "--output", "256", "--trace",
          "@gen:fifo"},
         {"fifo: is a named pipe (FIFO), expected a regular file"}},
        {"fifo-model", {"params", "--model", "@gen:fifo"}, {"is a named pipe (FIFO)"}},
        {"fifo-scenario", {"plan", "@gen:fifo"}, {"is a named pipe (FIFO)"}},
        {"device-model", {"params", "--model", "/dev/zero"}, {"/dev/zero: is a character device"}},
        {"fifo-probe", {"calibrate", "fit", "@gen:fifo", "-o", "@gen:nothing.yaml"}, {"is a named pipe (FIFO)"}},
    };
    return cases;
}

}  // namespace

TEST_CASE("CLI bad-input matrix: exit code 2 and one clear error line", "[cli][hardening]") {
    const auto& cases = cli_cases();
    REQUIRE(cases.size() >= 50);
    const std::size_t i = GENERATE_COPY(range<std::size_t>(0, cli_cases().size()));
    const CliCase& c = cases[i];
    const fs::path tmp = make_temp_dir("hwplan-bad-input");
    std::vector<std::string> args;
    for (const auto& a : c.args) args.push_back(expand(a, tmp));
    const CliResult r = run_hwplan_bounded(args);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    CAPTURE(c.id, r.err, r.out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("hwplan: error: "));
    CHECK_THAT(r.err, !Contains("internal error"));
    // One error line (CLI11 parse errors add a "Run with --help" hint line).
    const auto first_line = r.err.substr(0, r.err.find('\n'));
    for (const auto& e : c.expected) CHECK_THAT(first_line, Contains(e));
    // Echoed values are cut (80 characters each): no error line is a wall of text.
    CHECK(first_line.size() < 2000);
}

TEST_CASE("CLI: a failed sweep leaves no file behind, and keeps an old one intact", "[cli][hardening]") {
    const fs::path tmp = make_temp_dir("hwplan-sweep-fail");
    const fs::path out = tmp / "points.csv";
    SECTION("bad scenario: nothing written") {
        const auto r = run_hwplan({"sweep", (kBad / "scenarios" / "unit-typo.yaml").string(), "--out", out.string()});
        CHECK(r.exit_code == 2);
    }
    SECTION("bad scenario: the previous file is untouched") {
        write(out, "old content\n");
        const auto r = run_hwplan({"sweep", (kBad / "scenarios" / "dangling-system.yaml").string(), "--out",
                                   out.string()});
        CHECK(r.exit_code == 2);
        std::ifstream in(out);
        std::string line;
        std::getline(in, line);
        CHECK(line == "old content");
        fs::remove(out);
    }
    SECTION("unwritable destination: an error, no temporary left") {
        const fs::path ro = tmp / "no-such-dir" / "points.csv";
        const auto r = run_hwplan({"sweep", source_path("scenarios/small-llama-8b.yaml"), "--out", ro.string(),
                                   "--threads", "1"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("cannot write"));
    }
    // Nothing else in the folder: no half file, no stray temporary.
    std::vector<std::string> left;
    for (const auto& e : fs::recursive_directory_iterator(tmp)) left.push_back(e.path().string());
    CAPTURE(left);
    CHECK(left.empty());
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

TEST_CASE("CLI: --out / -o never clobbers an input, a device, a FIFO or a link", "[cli][hardening]") {
    const fs::path tmp = make_temp_dir("hwplan-clobber");
    const fs::path scen = tmp / "s.yaml";
    fs::copy_file(source_path("scenarios/small-llama-8b.yaml"), scen);
    const std::string before = slurp(scen);
    const auto sweep = [&](const fs::path& out, std::vector<std::string> extra = {}) {
        std::vector<std::string> a = {"sweep", scen.string(), "--out", out.string(), "--threads", "1"};
        a.insert(a.end(), extra.begin(), extra.end());
        return run_hwplan_bounded(a);
    };
    SECTION("the scenario itself") {
        const auto r = sweep(scen);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("--out " + scen.string() + ": is the input file"));
    }
    SECTION("a hard link to the scenario (same inode, other name)") {
        fs::create_hard_link(scen, tmp / "alias.yaml");
        const auto r = sweep(tmp / "alias.yaml");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("is the input file"));
        fs::remove(tmp / "alias.yaml");
    }
    SECTION("a FIFO") {
        REQUIRE(::mkfifo((tmp / "pipe").c_str(), 0600) == 0);
        const auto r = sweep(tmp / "pipe");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("is a named pipe (FIFO), not a regular file"));
        CHECK(fs::is_fifo(tmp / "pipe"));
        fs::remove(tmp / "pipe");
    }
    SECTION("a device node is refused before anything is written") {
        // /dev/null is safe to name: the check refuses it before any write.
        const auto r = sweep("/dev/null");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("/dev/null: is a character device"));
        CHECK(fs::is_character_file("/dev/null"));
    }
    SECTION("a symbolic link: refused, then replaced with --force") {
        const fs::path target = tmp / "target.csv";
        std::ofstream(target) << "keep me\n";
        fs::create_symlink(target, tmp / "link.csv");
        const auto r = sweep(tmp / "link.csv");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("is a symbolic link"));
        CHECK_THAT(r.err, Contains("--force"));
        CHECK(fs::is_symlink(tmp / "link.csv"));
        CHECK(slurp(target) == "keep me\n");
        const auto f = sweep(tmp / "link.csv", {"--force"});
        CHECK(f.exit_code == 0);
        CHECK(!fs::is_symlink(tmp / "link.csv"));
        CHECK(slurp(target) == "keep me\n");  // the link is replaced, not what it pointed to
        fs::remove(tmp / "link.csv");
        fs::remove(target);
    }
    SECTION("calibrate fit: -o naming the probe file") {
        const fs::path probe = tmp / "probe.yaml";
        fs::copy_file(fs::path(HWPLAN_TEST_DATA_DIR) / "calibration" / "synthetic-gpu-probe.yaml", probe);
        const std::string probe_before = slurp(probe);
        const auto r = run_hwplan_bounded({"calibrate", "fit", probe.string(), "-o", probe.string()});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("-o " + probe.string() + ": is the input file"));
        CHECK(slurp(probe) == probe_before);
        fs::remove(probe);
    }
    CHECK(slurp(scen) == before);
    CHECK(entries(tmp) == std::vector<std::string>{"s.yaml"});  // no temporary, no stray output
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

TEST_CASE("CLI: a write cut short by a file-size limit leaves no temporary", "[cli][hardening]") {
    const fs::path tmp = make_temp_dir("hwplan-fsize");
    const fs::path out = tmp / "points.csv";
    std::ofstream(out) << "old content\n";
    // ulimit -f 1: 512 bytes (POSIX sh blocks); the sweep's CSV is larger.
    // Without the guard SIGXFSZ killed hwplan mid-write and left the .tmp.
    const std::string cmd = std::string("ulimit -f 1; exec /usr/bin/timeout -s KILL 10 ") + HWPLAN_CLI_BINARY +
                            " sweep " + source_path("scenarios/small-llama-8b.yaml") + " --threads 1 --out " +
                            out.string();
    const auto r = run_binary("/bin/sh", {"-c", cmd});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("cannot write: File too large"));
    CHECK(slurp(out) == "old content\n");
    CHECK(entries(tmp) == std::vector<std::string>{"points.csv"});
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

TEST_CASE("CLI: valid extreme inputs are still answered", "[cli][hardening]") {
    const fs::path tmp = make_temp_dir("hwplan-extreme");
    SECTION("a tiny demand needs one replica, never 0 GPUs at $0") {
        std::string text = slurp(source_path("scenarios/small-llama-8b.yaml"));
        text.replace(text.find("  output: {mean: 200}"), 21, "  output: {mean: 200}\n  requests_per_s: 1e-9/s");
        std::ofstream(tmp / "tiny.yaml") << text;
        const auto r = run_hwplan_bounded({"plan", (tmp / "tiny.yaml").string(), "--format", "json", "--threads", "1"});
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        REQUIRE(!j["plans"].empty());
        for (const auto& p : j["plans"]) {
            // At least one unit: one or two h100-node nodes (8 GPUs each), never 0 GPUs at $0.
            CHECK(p["gpus"].get<int>() >= 8);
            CHECK(p["nodes"].get<int>() >= 1);
            CHECK(p["cost_per_hour_usd"].get<double>() > 0);
        }
        // The cheapest is the smallest unit: one node of 8 GPUs.
        CHECK(j["plans"][0]["gpus"].get<int>() == 8);
    }
    SECTION("report --scenario with a demand no deployment carries: the reason, no crash") {
        const auto r = run_hwplan_bounded(
            {"report", "--scenario", (kBad / "scenarios" / "huge-rate.yaml").string()});
        CAPTURE(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Contains("more than the constraints allow"));
    }
    SECTION("report --scenario with a search past the bound: the reason in the report, no endless run") {
        const auto r = run_hwplan_bounded({"report", "--scenario", (kBad / "scenarios" / "search-bomb.yaml").string()});
        CAPTURE(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Contains("the search has about"));
    }
    SECTION("sweep with that demand: every point written, infeasible, no crash") {
        const auto r = run_hwplan_bounded({"sweep", (kBad / "scenarios" / "huge-rate.yaml").string(), "--out",
                                           (tmp / "p.csv").string(), "--threads", "1"});
        CAPTURE(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Contains("more than the constraints allow"));
        CHECK(fs::file_size(tmp / "p.csv") > 0);
    }
    SECTION("the largest accepted layout flags") {
        const auto r = run_hwplan_bounded(
            {"memory", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "65536", "--format", "json"});
        CAPTURE(r.err);
        CHECK(r.exit_code == 0);
    }
    SECTION("bounds are inclusive: 1 MB/s and 1 PB/s") {
        CHECK(run_hwplan_bounded({"ep", "--bandwidth", "1 MB/s"}).exit_code == 0);
        CHECK(run_hwplan_bounded({"ep", "--bandwidth", "1000 TB/s"}).exit_code == 0);
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

TEST_CASE("CLI: calibrate fit refuses degenerate samples, naming the sample", "[cli][hardening][calibration]") {
    const fs::path tmp = make_temp_dir("hwplan-cal-sanity");
    const std::string good = slurp(fs::path(HWPLAN_TEST_DATA_DIR) / "calibration" / "synthetic-gpu-probe.yaml");
    // Every timing field of a gemm line set to `t` (median, p10, p90, min, max).
    const auto set_times = [](std::string line, const std::string& t) {
        for (const char* key : {"time_s: ", "time_s_p10: ", "time_s_p90: ", "time_s_min: ", "time_s_max: "}) {
            const auto at = line.find(key);
            REQUIRE(at != std::string::npos);
            const auto from = at + std::strlen(key);
            line.replace(from, line.find(',', from) - from, t);
        }
        return line;
    };
    // Rewrites the GEMM lines: all of them (dense and grouped), or only the first.
    const auto mutate = [&](const std::string& t, bool all) {
        std::string out, line;
        std::istringstream in(good);
        bool done = false;
        while (std::getline(in, line)) {
            const bool gemm = line.find("{tag: gemm,") != std::string::npos ||
                              (all && line.find("{tag: grouped_gemm,") != std::string::npos);
            if (gemm && (all || !done)) {
                line = set_times(line, t);
                done = true;
            }
            out += line + "\n";
        }
        return out;
    };
    const fs::path probe = tmp / "probe.yaml";
    const fs::path out = tmp / "profile.yaml";
    const auto fit = [&](const std::string& text) {
        std::ofstream(probe, std::ios::binary) << text;
        return run_hwplan_bounded({"calibrate", "fit", probe.string(), "--gpu", "h100-sxm", "-o", out.string()});
    };
    SECTION("a time below a nanosecond") {
        const auto r = fit(mutate("1.0e-300", false));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("gemm sample 1 (bf16 llama-3.1-8b.qkv 1x6144x4096): time 1e-300 s is below 1 ns"));
    }
    SECTION("faster than the spec peak allows") {
        // 5.03e7 FLOP in 10 ns = 5e15 FLOP/s, 509 % of the H100's 989 TFLOPS.
        const auto r = fit(mutate("1.0e-08", false));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("gemm sample 1 (bf16 llama-3.1-8b.qkv 1x6144x4096): 1e-08 s is 50"));
        CHECK_THAT(r.err, Contains("% of the spec peak, more than the clocks allow"));
    }
    SECTION("every GEMM the same time") {
        // 20 us: some of them would beat the peak too; the sameness is the diagnosis.
        const auto r = fit(mutate("2.0e-05", true));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("bf16 GEMM samples (gemm sample 1"));
        CHECK_THAT(r.err, Contains("have the same time 2e-05 s over different sizes"));
    }
    SECTION("the untouched synthetic probe still fits, and its profile loads") {
        const auto r = fit(good);
        CAPTURE(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(run_hwplan_bounded({"calibrate", "report", out.string()}).exit_code == 0);
    }
    std::error_code ec;
    if (!fs::exists(out)) CHECK(entries(tmp) == std::vector<std::string>{"probe.yaml"});  // nothing half-written
    fs::remove_all(tmp, ec);
}
