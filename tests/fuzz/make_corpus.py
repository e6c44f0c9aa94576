#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets, generated from the shipped data
(hwdb/data, scenarios/, tests/data) so they follow the schema as it evolves,
plus the committed seeds in tests/fuzz/corpus/<target>/ (small hand-written
cases and crash reproducers).

    tests/fuzz/make_corpus.py OUT_DIR     -> OUT_DIR/<target>/...
"""
import hashlib
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2]
out = pathlib.Path(sys.argv[1])


def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def files(*patterns):
    for p in patterns:
        yield from sorted(root.glob(p))


for f in files("hwdb/data/*/*.yaml", "tests/data/bad/gpus/*", "tests/data/bad/nics/*",
               "tests/data/bad/systems/*"):
    put("hardware", f.read_bytes())
for f in files("scenarios/models/*.yaml", "tests/data/bad/models/*"):
    put("model_file", f.read_bytes())
for f in files("tests/data/hf/*.json", "tests/data/bad/hf/*"):
    put("hf_import", f.read_bytes())
for f in files("scenarios/*.yaml", "tests/data/bad/scenarios/*"):
    put("scenario", f.read_bytes())
for f in files("tests/data/probe/*", "tests/data/bad/probe/*"):
    put("probe_file", f.read_bytes())
# Probe output examples from the schema documentation (```yaml blocks).
for f in files("docs/calibration.md"):
    for block in re.findall(r"```ya?ml\n(.*?)```", f.read_text(errors="replace"), re.S):
        if "hwplan_probe:" in block:
            put("probe_file", block.encode())

# Unit strings: every "number unit" value in the YAML data, fed to each of the
# eight parsers (the first byte of a unit_parse input picks the parser).
values = set()
for f in files("hwdb/data/*/*.yaml", "scenarios/*.yaml", "scenarios/models/*.yaml"):
    for line in f.read_text(errors="replace").splitlines():
        m = re.match(r'^\s*[A-Za-z_]+:\s*"?(\$?[0-9][^#"]*?)"?\s*(#.*)?$', line)
        if m and re.search(r"[A-Za-z$/%]", m.group(1)):
            values.add(m.group(1).strip())
for v in sorted(values):
    for selector in range(8):
        put("unit_parse", bytes([selector]) + v.encode())

# Committed seeds (hand-written cases, former crashes).
for d in files("tests/fuzz/corpus/*"):
    for f in sorted(d.iterdir()):
        put(d.name, f.read_bytes())

for d in sorted(out.iterdir()):
    print(f"{d.name}: {sum(1 for _ in d.iterdir())} seeds")
