#!/usr/bin/env bash
# build-aux/fuzz.sh: builds the libFuzzer harnesses of tests/fuzz with clang (AddressSanitizer +
# UndefinedBehaviorSanitizer, every core library instrumented for coverage) in a build directory
# of their own, and runs each of them for a fixed time.
#   fuzz.sh build            only build
#   fuzz.sh run SECONDS      what CI runs: each fuzzer SECONDS seconds from its seed corpus
#                            (default 20); the tree's corpus is not changed
#   fuzz.sh long SECONDS     a longer run (default 600) whose corpus grows in BUILD/fuzz-corpus
#                            and is kept between runs; the figures go to BUILD/fuzz-stats.txt
#   fuzz.sh repro NAME FILE  replays one input (a crash file) through fuzzer NAME
# Each run ends with one line per fuzzer (runs, runs per second, coverage, result) and exits 1 if
# any fuzzer found a crash, a leak, a timeout or an out-of-memory; the input that did it is in
# BUILD/fuzz-artifacts/NAME/. Needs clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes) and llvm (llvm-symbolizer, for readable stack traces).
# BUILD is build-fuzz in the source tree, or $PD_FUZZ_BUILD_DIR.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PD_FUZZ_BUILD_DIR:-$top/build-fuzz}
cc=${PD_FUZZ_CC:-clang}

configure() {
  if ! command -v "$cc" >/dev/null; then
    echo "fuzz.sh: $cc not found; install clang and libclang-rt-14-dev" >&2
    exit 2
  fi
  if [ ! -f "$build/build.ninja" ]; then
    # -fsanitize=fuzzer-no-link instruments every library for coverage without libFuzzer's
    # main(); only the harness executables link libFuzzer (tests/fuzz/meson.build).
    CC=$cc meson setup "$build" "$top" -Dfuzzing=true -Dapp=false \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dc_args="-fsanitize=fuzzer-no-link -fno-omit-frame-pointer" >/dev/null
  fi
  mapfile -t fuzzers < <(meson introspect --targets "$build" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    name = t["name"]
    if name.startswith("fuzz-") and not name.endswith("-corpus") and t["type"] == "executable":
        print(name)' | sort)
  if [ ${#fuzzers[@]} -eq 0 ]; then
    echo "fuzz.sh: no fuzzers in $build (is -Dfuzzing=true set?)" >&2
    exit 2
  fi
  local out
  if ! out=$(ninja -C "$build" "${fuzzers[@]/#/tests/fuzz/}" 2>&1); then
    echo "$out" >&2
    exit 1
  fi
}

# The sanitizers stop at the first error, with a symbolized stack; criticals from GLib count as
# crashes, since a parser fed bad input must fail with a GError, not trip a g_return_if_fail.
# Leaks count too (libFuzzer checks after each input), whatever the caller exported for its own
# sanitizer run; PD_FUZZ_ASAN_OPTIONS overrides.
export ASAN_OPTIONS=${PD_FUZZ_ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export G_DEBUG=fatal-criticals
export OMP_THREAD_LIMIT=1
export MALLOC_PERTURB_=0
# The import fuzzer writes each input and its pages durably (fsync); on tmpfs that costs nothing.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

# fuzz_one NAME SECONDS CORPUS_DIR LOG: runs one fuzzer; prints its summary line.
fuzz_one() {
  local name=$1 seconds=$2 corpus=$3 log=$4
  local thing=${name#fuzz-}
  local artifacts="$build/fuzz-artifacts/$thing"
  local status=0

  mkdir -p "$corpus" "$artifacts"
  # -timeout: one input taking 10 s is a hang worth reporting; -rss_limit_mb: an input that
  # makes a parser allocate 2 GB is a denial of service worth reporting.
  "$build/tests/fuzz/$name" "$corpus" "$top/tests/fuzz/corpus/$thing" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  python3 - "$name" "$status" "$log" <<'PY'
import re, sys
name, status, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(log, errors="replace").read()
runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
secs = re.findall(r"Done (\d+) runs in (\d+) second", text)
cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
rate = re.findall(r"stat::average_exec_per_sec:\s*(\d+)", text)
if status == 0:
    result = "ok"
else:
    m = re.search(r"(ERROR: \w+: [\w-]+|ALARM: working on the last Unit for \d+ seconds|"
                  r"out-of-memory|deadly signal|Test unit written to \S+)", text)
    result = "FAILED (%s)" % (m.group(1) if m else "exit %d" % status)
    art = re.search(r"Test unit written to (\S+)", text)
    if art:
        result += " " + art.group(1)
c = cov[-1] if cov else ("?", "?", "?")
print(f"{name:24} runs {runs[-1] if runs else '?':>9}  exec/s {rate[-1] if rate else '?':>6}  "
      f"cov {c[0]:>5}  ft {c[1]:>6}  corpus {c[2]:>5}  {result}")
PY
  return "$status"
}

fuzz_all() {
  local seconds=$1 keep=$2
  local failed=0 work
  work=$(mktemp -d "${TMPDIR:-/tmp}/pd-fuzz-XXXXXX")
  mkdir -p "$build/fuzz-logs"
  : >"$build/fuzz-stats.txt"
  for name in "${fuzzers[@]}"; do
    local corpus="$work/${name#fuzz-}"
    [ "$keep" = 1 ] && corpus="$build/fuzz-corpus/${name#fuzz-}"
    fuzz_one "$name" "$seconds" "$corpus" "$build/fuzz-logs/$name.log" \
      | tee -a "$build/fuzz-stats.txt" || failed=$((failed + 1))
  done
  rm -rf "$work"
  echo "${#fuzzers[@]} fuzzers, ${seconds} s each: $failed failed (logs in $build/fuzz-logs)"
  [ "$failed" -eq 0 ]
}

cmd=${1:-}
case "$cmd" in
  build)
    configure
    ;;
  run)
    configure
    fuzz_all "${2:-20}" 0
    ;;
  long)
    configure
    fuzz_all "${2:-600}" 1
    ;;
  repro)
    [ $# -eq 3 ] || { echo "usage: $0 repro NAME FILE" >&2; exit 2; }
    configure
    exec "$build/tests/fuzz/fuzz-${2#fuzz-}" "$3"
    ;;
  *)
    echo "usage: $0 build | run [SECONDS] | long [SECONDS] | repro NAME FILE" >&2
    exit 2
    ;;
esac
