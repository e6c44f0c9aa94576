#!/usr/bin/env bash
# H100 validation of the calibration loop (issue 6), end to end, on a node with
# one idle H100, nvcc, CMake >= 3.18, a C++20 compiler and python3 (standard
# library only):
#
#   1. builds hwplan-probe-gpu (calibrate/gpu) and hwplan (CPU only);
#   2. runs the probe three times: run A (full sweep: the fit input), run B
#      (GEMMs again, a separate process: the "fresh measurement"), and the
#      CUDA-graph-captured Llama-3.1-8B decode step (the TPOT reference);
#   3. fits run A into the profile hwdb/profiles/<gpu>.yaml-to-be;
#   4. compares predictions with the fresh measurements:
#      - GEMM: for every Llama-3.1-8B / DeepSeek-V3 projection shape, a profile
#        fitted WITHOUT that shape (--holdout) predicts `hwplan gemm` for
#        M = 1..4096; the error is against run B. Bar: median <= 10 %.
#      - TPOT: `hwplan tpot --model llama-3.1-8b --gpu <gpu> --tp 1 --weights
#        bf16 --kv bf16 --profile P` vs the measured decode step for every
#        (batch, context). Bar: every point within 15 %.
#      - probe fidelity: HBM copy kernel / cudaMemcpy (bar 0.95) and how often
#        the best cuBLASLt algorithm was not the heuristic's first.
#   5. writes OUT/validation.md (tables for docs/validation.md) and prints it.
#
# Usage:  calibrate/validate_h100.sh [OUT_DIR]
# Env:    GPU_ID (hardware-database id of the GPU, default h100-sxm),
#         HWPLAN (a built hwplan binary; default: build one in OUT_DIR),
#         PROBE (a built hwplan-probe-gpu; default: build one in OUT_DIR),
#         QUICK=1 (probe --quick: faster, fewer points; for a dry run only),
#         FORCE=1 (run on a GPU whose name does not contain "H100").
# Exit:   0 all bars met, 1 a bar missed (the tables say which), 2 setup error.
# Afterwards: review OUT/report.txt, then `cp OUT/<gpu>.yaml hwdb/profiles/`
# and paste OUT/validation.md into docs/validation.md (the profile records the
# command, date, device, driver and library versions itself).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-validate-h100-$(date -u +%Y%m%dT%H%M%SZ)}
GPU_ID=${GPU_ID:-h100-sxm}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '[validate_h100] %s\n' "$*" >&2; }
die() { printf 'validate_h100.sh: %s\n' "$*" >&2; exit 2; }

for tool in nvidia-smi cmake python3; do command -v "$tool" >/dev/null || die "needs $tool on PATH"; done
GPU_NAME=$(nvidia-smi --query-gpu=name --format=csv,noheader -i 0 2>/dev/null || true)
[ -n "$GPU_NAME" ] || die "nvidia-smi sees no GPU"
case "$GPU_NAME" in
  *H100*) ;;
  *) [ "${FORCE:-0}" = 1 ] || die "GPU 0 is '$GPU_NAME', not an H100 (FORCE=1 to run anyway, with GPU_ID set)";;
esac
log "GPU 0: $GPU_NAME; hardware-database id $GPU_ID; output in $OUT"

# ------------------------------------------------------------------ 1. build
if [ -z "${PROBE:-}" ]; then
  command -v nvcc >/dev/null || die "needs nvcc on PATH to build the probe (or set PROBE)"
  log "building hwplan-probe-gpu"
  cmake -S "$ROOT/calibrate/gpu" -B "$OUT/build-probe-gpu" -DCMAKE_BUILD_TYPE=Release >"$OUT/build-probe-gpu.log" 2>&1 \
    || die "probe configure failed: $OUT/build-probe-gpu.log"
  cmake --build "$OUT/build-probe-gpu" -j >>"$OUT/build-probe-gpu.log" 2>&1 || die "probe build failed: $OUT/build-probe-gpu.log"
  PROBE="$OUT/build-probe-gpu/hwplan-probe-gpu"
fi
if [ -z "${HWPLAN:-}" ]; then
  log "building hwplan (CPU only)"
  cmake -S "$ROOT" -B "$OUT/build-hwplan" -DCMAKE_BUILD_TYPE=Release -DHWPLAN_CUDA=OFF -DHWPLAN_MPI=OFF \
    -DHWPLAN_GUI=OFF -DHWPLAN_TESTS=OFF >"$OUT/build-hwplan.log" 2>&1 || die "hwplan configure failed: $OUT/build-hwplan.log"
  cmake --build "$OUT/build-hwplan" -j --target hwplan >>"$OUT/build-hwplan.log" 2>&1 \
    || die "hwplan build failed: $OUT/build-hwplan.log"
  HWPLAN="$OUT/build-hwplan/cli/hwplan"
fi
[ -x "$PROBE" ] || die "no probe binary at $PROBE"
[ -x "$HWPLAN" ] || die "no hwplan binary at $HWPLAN"
"$PROBE" --version >&2

# -------------------------------------------------------------- 2. measure
MODE=()
[ "${QUICK:-0}" = 1 ] && MODE=(--quick)
log "run A: full probe (the fit input)"
"$PROBE" ${MODE[@]+"${MODE[@]}"} -o "$OUT/gpu-a.yaml"
log "run B: GEMMs again (fresh measurement for the comparison)"
"$PROBE" ${MODE[@]+"${MODE[@]}"} --only gemm -o "$OUT/gpu-b.yaml"
log "decode step: Llama-3.1-8B, CUDA graph"
"$PROBE" --decode-step llama-3.1-8b --batch 1,8,32,64 --context 1024,4096,16384 -o "$OUT/decode.yaml"

# ------------------------------------------------------------------ 3. fit
log "fitting run A"
"$HWPLAN" calibrate fit "$OUT/gpu-a.yaml" --gpu "$GPU_ID" -o "$OUT/$GPU_ID.yaml" >"$OUT/fit.txt"
"$HWPLAN" calibrate report "$OUT/$GPU_ID.yaml" >"$OUT/report.txt"

# -------------------------------------------------------------- 4. compare
log "comparing predictions with the fresh measurements"
set +e
HWPLAN="$HWPLAN" GPU_ID="$GPU_ID" OUT="$OUT" GPU_NAME="$GPU_NAME" python3 - <<'PY'
import json, os, re, statistics, subprocess, sys

hwplan, gpu, out = os.environ["HWPLAN"], os.environ["GPU_ID"], os.environ["OUT"]
FIELD = re.compile(r'(\w+): ("(?:[^"\\]|\\.)*"|[^,{}]+)')

def samples(path, tag):
    """The probe writes one sample per line as a YAML flow map (calibrate/gpu/yaml_writer.cpp)."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("- {tag: " + tag + ","):
                continue
            d = {}
            for k, v in FIELD.findall(line[3:-1]):
                v = v.strip()
                if v.startswith('"'):
                    d[k] = json.loads(v)
                else:
                    try:
                        d[k] = float(v)
                    except ValueError:
                        d[k] = v
            rows.append(d)
    return rows

def run(args):
    r = subprocess.run([hwplan] + args + ["--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("hwplan %s failed: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout)

def pct(x):
    return "%.1f %%" % (100 * x)

md = []
ok = True
md.append("Measured on %s (%s), %s; profile %s/%s.yaml.\n" % (
    os.environ["GPU_NAME"], gpu, subprocess.run(["date", "-u", "+%F"], capture_output=True, text=True).stdout.strip(),
    out, gpu))

# GEMM: leave-one-shape-out fits against the fresh run B.
fresh = [s for s in samples(out + "/gpu-b.yaml", "gemm") if s["m"] <= 4096 and s["shape"] != "square"]
shapes = sorted({s["shape"] for s in fresh})
md.append("### GEMM: hold-out shapes, predicted vs fresh measurement (M = 1..4096)\n")
md.append("| shape | dtype | N | K | points | median error | max error |")
md.append("|---|---|---|---|---|---|---|")
all_err = []
for shape in shapes:
    prof = "%s/holdout-%s.yaml" % (out, shape)
    run(["calibrate", "fit", out + "/gpu-a.yaml", "--gpu", gpu, "--holdout", shape, "-o", prof])
    for dt in ("bf16", "fp8"):
        pts = [s for s in fresh if s["shape"] == shape and s["dtype"] == dt]
        if not pts:
            continue
        errs = []
        for s in pts:
            j = run(["gemm", "--gpu", gpu, "--m", "%d" % s["m"], "--n", "%d" % s["n"], "--k", "%d" % s["k"],
                     "--dtype", dt, "--profile", prof])
            errs.append(abs(j["time_us"] / (s["time_s"] * 1e6) - 1))
        all_err += errs
        md.append("| %s | %s | %d | %d | %d | %s | %s |" % (shape, dt, pts[0]["n"], pts[0]["k"], len(errs),
                                                          pct(statistics.median(errs)), pct(max(errs))))
gemm_median = statistics.median(all_err) if all_err else float("nan")
ok &= gemm_median <= 0.10
md.append("\nAll hold-out points: median %s, max %s (bar: median <= 10 %%) -> %s\n" % (
    pct(gemm_median), pct(max(all_err)) if all_err else "-", "PASS" if gemm_median <= 0.10 else "MISS"))

# TPOT against the CUDA-graph decode step.
md.append("### TPOT: Llama-3.1-8B decode step, TP 1, BF16 weights and KV\n")
md.append("| batch | context | measured ms | predicted ms | interval ms | error |")
md.append("|---|---|---|---|---|---|")
worst = 0.0
for s in samples(out + "/decode.yaml", "decode_step"):
    j = run(["tpot", "--model", "llama-3.1-8b", "--gpu", gpu, "--tp", "1", "--weights", "bf16", "--kv", "bf16",
             "--batch", "%d" % s["batch"], "--context", "%d" % s["context"], "--profile", "%s/%s.yaml" % (out, gpu)])
    meas = s["time_s"] * 1e3
    err = j["tpot_ms"] / meas - 1
    worst = max(worst, abs(err))
    md.append("| %d | %d | %.3f | %.3f | %.3f .. %.3f | %+.1f %% |" % (s["batch"], s["context"], meas, j["tpot_ms"],
                                                                      j["tpot_ms_lo"], j["tpot_ms_hi"], 100 * err))
ok &= worst <= 0.15
md.append("\nWorst |error| %s (bar: every point within 15 %%) -> %s\n" % (pct(worst), "PASS" if worst <= 0.15 else "MISS"))

# Probe fidelity.
md.append("### Probe fidelity (run A)\n")
with open(out + "/gpu-a.yaml") as f:
    text = f.read()
m = re.search(r"name: hbm_copy_vs_memcpy_d2d,.*?ratio: ([0-9.e+-]+).*?ratio_min_256mib_and_up: ([0-9.e+-]+)", text)
if m:
    worst_ratio = float(m.group(2))
    ok &= worst_ratio >= 0.95
    md.append("- HBM copy kernel / cudaMemcpy D2D: %.3f at 1 GiB, worst %.3f over buffers >= 256 MiB (bar 0.95) -> %s" % (
        float(m.group(1)), worst_ratio, "PASS" if worst_ratio >= 0.95 else "MISS"))
else:
    ok = False
    md.append("- HBM copy kernel / cudaMemcpy D2D: no hbm_copy_vs_memcpy_d2d check in run A -> MISS")
g = samples(out + "/gpu-a.yaml", "gemm") + samples(out + "/gpu-a.yaml", "grouped_gemm")
if g:
    not_first = [s for s in g if s.get("algo_rank", 0) != 0]
    gain = [s["time_s_algo0"] / s["time_s"] for s in g if s.get("time_s_algo0")]
    md.append("- GEMM points: %d; best algorithm was not the heuristic's first in %d (%s); first pick / best: "
              "median %.3f, max %.3f" % (len(g), len(not_first), pct(len(not_first) / len(g)),
                                         statistics.median(gain) if gain else 1, max(gain) if gain else 1))
with open(out + "/validation.md", "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
sys.exit(0 if ok else 1)
PY
status=$?
set -e
log "profile: $OUT/$GPU_ID.yaml (commit as hwdb/profiles/$GPU_ID.yaml after review); tables: $OUT/validation.md"
exit $status
