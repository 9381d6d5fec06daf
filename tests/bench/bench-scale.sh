#!/usr/bin/env bash
# bench-scale.sh: Paperdock at the size an office reaches after years, against issue 8's targets.
#   1. a library of DOCS documents x PAGES pages (default 20,000 x 5 = 100,000 pages) made by
#      pd-bench-scale; full-text search p95 (target < 20 ms); listing every document (what the
#      window does first; the window itself is timed by tests/app when it is given this library
#      with PD_SCALE_LIBRARY);
#   2. a sync pass over QUEUE pending documents (default 5,000) to a folder account: the time until
#      the first document is on the destination (target < 1 s);
#   3. a BATCH-page ADF scan from the demo scanner at 300 dpi through the whole pipeline (default
#      500): peak resident memory of paperdock-cli (target < 400 MB), from /usr/bin/time (package
#      `time`).
# Each figure is printed with its target; the exit status is 1 when one was missed.
# Usage: tests/bench/bench-scale.sh [DOCS] [PAGES] [QUEUE] [BATCH]   (BUILD=dir for another build;
# BATCH=0 skips the scan, which takes several minutes)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$top/build}
docs=${1:-20000} pages=${2:-5} queue=${3:-5000} batch=${4:-500}
tool="$build/tests/bench/pd-bench-scale"
cli="$build/src/cli/paperdock-cli"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PAPERDOCK_DATA_DIR="$build/data" OMP_THREAD_LIMIT=1

echo "Scale benchmark: $docs documents x $pages pages, $queue queued, a $batch-page batch; $(getconf _NPROCESSORS_ONLN) cores"
"$tool" generate "$work/lib" "$docs" "$pages"
du -sh "$work/lib/library.db" | awk '{print "database: " $1}'
"$tool" list "$work/lib"
"$tool" search "$work/lib" 400 | tee "$work/search.out"
"$tool" queue "$work/lib" "$queue"
"$tool" sync-start "$work/lib" | tee "$work/sync.out"

# Each figure against its target; the exit status says whether all were met.
missed=0
verdict() {  # what, figure, limit, unit
  if awk -v f="$2" -v l="$3" 'BEGIN { exit !(f < l) }'; then
    echo "target met: $1 $2 $4 < $3 $4"
  else
    echo "TARGET MISSED: $1 $2 $4, not < $3 $4"
    missed=1
  fi
}
verdict "search p95" "$(sed -n 's/^search:.* p95 \([0-9.]*\) ms.*/\1/p' "$work/search.out")" 20 ms
verdict "sync pass, first document after" \
  "$(sed -n 's/^sync: first document on the destination after \([0-9.]*\) ms.*/\1/p' "$work/sync.out")" 1000 ms

if [ "$batch" -gt 0 ]; then
  /usr/bin/time -f "scan: %e s wall, peak memory %M KiB" \
    "$cli" --library "$work/batch" scan --device demo --source adf --pages "$batch" \
    >"$work/scan.log" 2>"$work/scan.err" || { tail -20 "$work/scan.err"; exit 1; }
  tail -1 "$work/scan.err"
  sed -n 's/^Saved .*(\([0-9]*\) pages\{0,1\}).*/\1/p' "$work/scan.log" |
    awk '{ n += $1 } END { print "pages saved: " n + 0 }'
  # 400 MB as the issue writes it: 400,000,000 bytes.
  peak_kib=$(sed -n 's/.*peak memory \([0-9]*\) KiB/\1/p' "$work/scan.err" | tail -1)
  verdict "peak memory of the $batch-page batch" "$(awk -v k="$peak_kib" 'BEGIN { printf "%.0f", k * 1.024 }')" \
    400000 kB
fi
exit "$missed"
