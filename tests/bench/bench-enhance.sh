#!/usr/bin/env bash
# bench-enhance.sh: the page clean-up against its peer, side by side, in one run.
# PAGES degraded 300 dpi gray pages with known text (pd-bench-enhance write: skewed both ways up
# to 5 degrees, noisy, blurred, on a dark scanner lid, on tinted paper, one upside down) go
#   - through paperdock-cli import: the whole pipeline (clean-up, OCR, PDF), 2 workers;
#   - through OCRmyPDF --deskew --clean --rotate-pages --jobs 2, on the same pages as one
#     lossless PDF (img2pdf).
# Each is run REPS times and the fastest run is kept (the machine is shared and noisy). The
# table gives seconds and bytes per page and the character error rate of each PDF's text
# against the ground truth; then pd-bench-enhance stages prints what each clean-up step costs
# per page, one thread, and the PDF bytes per page of each mode (text/G4, gray, colour, PDF/A).
# Usage: tests/bench/bench-enhance.sh [PAGES] [REPS]   (after build-aux/dev.sh has built build/;
#        PD_BUILD_DIR=DIR to use another build directory)
set -euo pipefail

pages=${1:-8}
reps=${2:-2}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PD_BUILD_DIR:-$top/build}
cli="$build/src/cli/paperdock-cli"
bench="$build/tests/bench/pd-bench-enhance"

for exe in "$cli" "$bench"; do
  [ -x "$exe" ] || { echo "Build first (missing $exe): bash build-aux/dev.sh deps && meson setup build && ninja -C build" >&2; exit 2; }
done
# unpaper is what --clean runs; OCRmyPDF only recommends it.
if ! command -v ocrmypdf >/dev/null || ! command -v unpaper >/dev/null || ! command -v img2pdf >/dev/null \
    || ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -q --no-install-recommends ocrmypdf unpaper img2pdf python3-pil >&2
fi

work=$(mktemp -d /tmp/pd-bench-enhance-XXXXXX)
trap 'rm -rf "$work"' EXIT
sane="$work/sane"
mkdir -p "$sane"
# Import needs no scanner, but the CLI starts SANE: only its test backend, so that is quick.
cp "$top/tests/fixtures/sane/dll.conf" "$top/tests/fixtures/sane/test.conf" "$sane/"

# The same degraded pages for both, each with its ground truth beside it.
PAPERDOCK_DATA_DIR="$build/data" "$bench" write "$work/pages" "$pages" >"$work/pages.txt"
# No --pagesize: each page keeps its own size at the 300 dpi written into the PNG.
img2pdf -o "$work/input.pdf" "$work"/pages/page-*.png

now() { date +%s.%N; }

run_paperdock() {
  rm -rf "$work/lib"
  local t0 t1
  t0=$(now)
  PAPERDOCK_DATA_DIR="$build/data" SANE_CONFIG_DIR="$sane" OMP_THREAD_LIMIT=1 \
    "$cli" --library "$work/lib" import --json "$work"/pages/page-*.png >"$work/pd.json" 2>"$work/pd.err" || true
  t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

run_ocrmypdf() {
  rm -f "$work/ocrmypdf.pdf"
  local t0 t1
  t0=$(now)
  OMP_THREAD_LIMIT=1 ocrmypdf --deskew --clean --rotate-pages --jobs 2 --quiet \
    "$work/input.pdf" "$work/ocrmypdf.pdf" 2>"$work/ocrmypdf.err" \
    || { cat "$work/ocrmypdf.err" >&2; exit 1; }
  t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

fastest() {
  local fn=$1 min=""
  for ((r = 0; r < reps; r++)); do
    local t
    t=$($fn)
    [ -n "$t" ] || exit 1  # the run failed and said why on stderr
    if [ -z "$min" ] || awk -v a="$t" -v b="$min" 'BEGIN{exit !(a < b)}'; then min=$t; fi
  done
  echo "$min"
}

echo "Enhancement benchmark: $pages degraded pages at 300 dpi, best of $reps runs, $(nproc) cores" >&2
sed 's/^/  /' "$work/pages.txt" >&2
t_pd=$(fastest run_paperdock)
t_ocr=$(fastest run_ocrmypdf)

# One ready document is expected (degraded text pages: nothing to split on). A failed import
# still gets its row, with the reason, so the table shows what a person would meet.
pd_error=""
pdf=$(/usr/bin/python3 -c '
import json, sys
docs = json.load(open(sys.argv[1]))
if len(docs) == 1 and docs[0].get("state") == "ready":
    print(docs[0]["pdf"])' "$work/pd.json")
if [ -z "$pdf" ]; then
  pd_error=$(/usr/bin/python3 -c '
import json, sys
docs = json.load(open(sys.argv[1]))
print("; ".join("%s: %s" % (d.get("state"), d.get("last_error")) for d in docs) or "no document")' \
    "$work/pd.json" 2>/dev/null || tail -n 1 "$work/pd.err")
fi
b_ocr=$(stat -c %s "$work/ocrmypdf.pdf")

# The text must really be there and right, or the timing means nothing.
cer_ocr=$("$bench" cer "$work/pages" "$work/ocrmypdf.pdf" | tail -n 1)

printf '\n%-46s %8s %8s %12s %11s %9s %9s\n' "pipeline" "wall s" "s/page" "vs ocrmypdf" "bytes/page" \
  "CER mean" "CER worst"
row() {
  # $4 is pd-bench-enhance cer's last line: "mean M % worst W % over N pages".
  echo "$4" | awk -v name="$1" -v t="$2" -v tb="$t_ocr" -v n="$pages" -v b="$3" '{
    printf "%-46s %8.2f %8.3f %11.2fx %11d %7.2f %% %7.2f %%\n", name, t, t / n, t / tb, b / n, $2, $5 }'
}
if [ -n "$pdf" ]; then
  row "paperdock-cli import (2 workers)" "$t_pd" "$(stat -c %s "$pdf")" "$("$bench" cer "$work/pages" "$pdf" | tail -n 1)"
else
  awk -v name="paperdock-cli import (2 workers)" -v t="$t_pd" -v tb="$t_ocr" -v n="$pages" 'BEGIN {
    printf "%-46s %8.2f %8.3f %11.2fx %11s %9s %9s\n", name, t, t / n, t / tb, "FAILED", "-", "-" }'
fi
row "ocrmypdf --deskew --clean --rotate-pages -j 2" "$t_ocr" "$b_ocr" "$cer_ocr"
if [ -n "$pdf" ]; then
  awk -v tp="$t_pd" -v tb="$t_ocr" 'BEGIN { printf "\npaperdock is %.1fx as fast as ocrmypdf on these pages\n", tb / tp }'
else
  echo
  echo "paperdock-cli import did not finish the document: $pd_error"
fi

# Stage by stage, one thread; the per-page details go to stderr.
"$bench" stages "$work/pages" 2>"$work/stages.err" || { cat "$work/stages.err" >&2; exit 1; }
[ -n "$pdf" ]  # a document that failed fails the benchmark, after its tables
