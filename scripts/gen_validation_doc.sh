#!/usr/bin/env bash
# Regenerates the generated section of docs/validation.md from
# `hwplan validate --format markdown` (model vs scenarios/references/*.yaml).
# Only the text between the two marker lines is replaced; everything else in
# the file is hand-written and kept. The new file is written to a temporary
# file and renamed over the old one, so a failed run leaves it untouched.
#
# usage: scripts/gen_validation_doc.sh [path/to/hwplan]
#        (default: build/hwplan, else the first hwplan on PATH)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
doc="$root/docs/validation.md"
begin='<!-- BEGIN GENERATED: hwplan validate (scripts/gen_validation_doc.sh) -->'
end='<!-- END GENERATED: hwplan validate -->'

hwplan="${1:-}"
[[ -n "$hwplan" && "$hwplan" != /* ]] && hwplan="$PWD/$hwplan"
if [[ -z "$hwplan" ]]; then
  if [[ -x "$root/build/cli/hwplan" ]]; then hwplan="$root/build/cli/hwplan"
  elif command -v hwplan >/dev/null; then hwplan="$(command -v hwplan)"
  else echo "gen_validation_doc.sh: give the hwplan binary (e.g. build/cli/hwplan)" >&2; exit 2; fi
fi

tmp_md="$(mktemp)"
tmp_doc="$(mktemp "$doc.XXXXXX")"
trap 'rm -f "$tmp_md" "$tmp_doc"' EXIT

# Relative --refs so the generated text names the folder, not this checkout.
(cd "$root" && "$hwplan" validate --refs scenarios/references --format markdown) >"$tmp_md"

python3 - "$doc" "$tmp_md" "$tmp_doc" "$begin" "$end" <<'PY'
import sys
doc, md, out, begin, end = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
generated = open(md, encoding="utf-8").read().rstrip("\n")
block = f"{begin}\n\n{generated}\n\n{end}"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + block + tail
else:
    # First run: append the section (the hand-written part stays above it).
    text = text.rstrip("\n") + "\n\n## All reference rows (generated)\n\n" + block + "\n"
open(out, "w", encoding="utf-8").write(text)
PY
chmod --reference="$doc" "$tmp_doc" 2>/dev/null || true
mv "$tmp_doc" "$doc"
trap - EXIT
rm -f "$tmp_md"
echo "updated $doc"
