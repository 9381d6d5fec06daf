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

echo "Scale benchmark: $docs documents x $pages pages, $queue queued, a $batch-page batch; $(nproc) cores"
"$tool" generate "$work/lib" "$docs" "$pages"
du -sh "$work/lib/library.db" | awk '{print "database: " $1}'
"$tool" list "$work/lib"
"$tool" search "$work/lib" 400
"$tool" queue "$work/lib" "$queue"
"$tool" sync-start "$work/lib"

if [ "$batch" -gt 0 ]; then
  /usr/bin/time -f "scan: %e s wall, peak memory %M KiB" \
    "$cli" --library "$work/batch" scan --device demo --source adf --pages "$batch" \
    >"$work/scan.log" 2>"$work/scan.err" || { tail -20 "$work/scan.err"; exit 1; }
  tail -1 "$work/scan.err"
  grep -c "saved" "$work/scan.log" | awk '{print "pages saved: " $1}'
fi
