#!/usr/bin/env bash
# bench-pipeline.sh: the whole pipeline against its floor and its peer, side by side, in one run.
# A batch of 300 dpi A4 gray text pages (the demo scanner's pages, cycled) goes
#   - through paperdock-cli, from the demo scanner (real SANE) to a finished searchable PDF;
#   - (a) through the tesseract command alone, two pages at a time with OMP_THREAD_LIMIT=1,
#         writing tesseract's own searchable PDFs: the floor on a 2-core machine;
#   - (b) through OCRmyPDF --deskew --jobs 2 on the same pages as a lossless PDF.
# Each is run REPS times and the fastest run is kept (the machine is shared and noisy).
# Usage: tests/bench/bench-pipeline.sh [PAGES] [REPS]    (after build-aux/dev.sh has built build/)
set -euo pipefail

pages=${1:-12}
reps=${2:-3}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$top/build"
cli="$build/src/cli/paperdock-cli"

[ -x "$cli" ] || { echo "Build first: bash build-aux/dev.sh deps && meson setup build && ninja -C build" >&2; exit 2; }
if ! command -v ocrmypdf >/dev/null || ! command -v img2pdf >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -q --no-install-recommends ocrmypdf python3-pil img2pdf >&2
fi

work=$(mktemp -d /tmp/pd-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
sane="$work/sane"
mkdir -p "$sane" "$work/pages"
cp "$top/tests/fixtures/sane/dll.conf" "$top/tests/fixtures/sane/test.conf" "$sane/"

# The same pages for everyone: PAGES distinct demo pages (texts repeat, noise and skew differ,
# so no tool can win by storing one image twice). The demo scanner serves them through SANE.
mkdir -p "$work/data/demo"
"$build/data/demo/pd-make-demo-pages" "$work/data/demo" "$pages"
cp -r "$build/data/sane" "$work/data/" 2>/dev/null || true
for f in "$work"/data/demo/page-*.pgm; do
  cp "$f" "$work/pages/$(basename "$f")"
done
/usr/bin/python3 - "$work/pages" <<'PY'
import glob, os, sys
from PIL import Image
for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.pgm"))):
    Image.open(p).save(p[:-4] + ".png", dpi=(300, 300))
PY
img2pdf --pagesize A4 -o "$work/input.pdf" "$work"/pages/*.png

now() { date +%s.%N; }
best=()

run_paperdock() {
  rm -rf "$work/lib"
  local t0 t1
  t0=$(now)
  PAPERDOCK_DATA_DIR="$work/data" SANE_CONFIG_DIR="$sane" OMP_THREAD_LIMIT=1 "$cli" --library "$work/lib" scan --device demo \
    --pages "$pages" --json >"$work/pd.json" 2>"$work/pd.err"
  t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

run_tesseract() {
  rm -rf "$work/tess"; mkdir -p "$work/tess"
  local t0 t1
  t0=$(now)
  ls "$work"/pages/*.png | OMP_THREAD_LIMIT=1 xargs -P 2 -I{} sh -c \
    'tesseract "$1" "$2/$(basename "$1" .png)" pdf >/dev/null 2>&1' _ {} "$work/tess"
  t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

run_ocrmypdf() {
  rm -f "$work/ocrmypdf.pdf"
  local t0 t1
  t0=$(now)
  ocrmypdf --deskew --jobs 2 --quiet "$work/input.pdf" "$work/ocrmypdf.pdf" 2>"$work/ocrmypdf.err"
  t1=$(now)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

fastest() {
  local fn=$1 min=""
  for ((r = 0; r < reps; r++)); do
    local t
    t=$($fn)
    if [ -z "$min" ] || awk -v a="$t" -v b="$min" 'BEGIN{exit !(a < b)}'; then min=$t; fi
  done
  echo "$min"
}

echo "Benchmark: $pages pages, 2480x3508 gray at 300 dpi, best of $reps runs, $(nproc) cores" >&2
t_pd=$(fastest run_paperdock)
t_tess=$(fastest run_tesseract)
t_ocr=$(fastest run_ocrmypdf)

pdf=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["pdf"])' "$work/pd.json")
b_pd=$(stat -c %s "$pdf")
b_tess=$(cat "$work"/tess/*.pdf | wc -c)
b_ocr=$(stat -c %s "$work/ocrmypdf.pdf")

# The words must really be there, or the timing means nothing.
words_pd=$(pdftotext "$pdf" - | wc -w)
words_ocr=$(pdftotext "$work/ocrmypdf.pdf" - | wc -w)

printf '\n%-34s %9s %9s %11s %11s %12s %8s\n' "pipeline" "wall s" "s/page" "vs (a)" "vs (b)" "bytes/page" "words"
row() {
  awk -v name="$1" -v t="$2" -v ta="$t_tess" -v tb="$t_ocr" -v n="$pages" -v b="$3" -v w="$4" 'BEGIN {
    printf "%-34s %9.2f %9.3f %10.2fx %10.2fx %12d %8s\n", name, t, t / n, t / ta, t / tb, b / n, w }'
}
row "paperdock (demo scanner -> PDF)" "$t_pd" "$b_pd" "$words_pd"
row "(a) tesseract CLI, 2 at a time" "$t_tess" "$b_tess" "-"
row "(b) ocrmypdf --deskew --jobs 2" "$t_ocr" "$b_ocr" "$words_ocr"
awk -v tp="$t_pd" -v ta="$t_tess" -v tb="$t_ocr" -v bp="$b_pd" -v bo="$b_ocr" 'BEGIN {
  printf "\ntargets: within 1.3x of (a): %s (%.2fx); 4x faster than (b): %s (%.1fx); PDF no larger than (b): %s (%.2fx)\n",
    (tp <= 1.3 * ta ? "met" : "MISSED"), tp / ta, (tb >= 4 * tp ? "met" : "MISSED"), tb / tp,
    (bp <= bo ? "met" : "MISSED"), bp / bo }'
