#!/usr/bin/env bash
# build-aux/dev.sh: the two commands of the README, and what CI runs.
#   dev.sh demo   install the packages, build, scan the demo scanner into a searchable PDF
#   dev.sh test   install the packages, build with warnings as errors, run every test, then run the
#                 suite again under AddressSanitizer + UndefinedBehaviorSanitizer, the core tests
#                 under valgrind's memcheck, and each fuzzer for a few seconds; ends with
#                 "N passed, N failed"
#   dev.sh deps   only install the packages
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

# Everything the build, the tests and the demo need, from Debian 12 / Ubuntu's own archive.
packages=(
  meson ninja-build pkg-config gcc python3
  libglib2.0-dev libglib2.0-bin libjson-glib-dev
  libgtk-4-dev libadwaita-1-dev librsvg2-common adwaita-icon-theme
  libsane-dev libsane1 sane-utils
  libtesseract-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
  libleptonica-dev libcairo2-dev libsqlite3-dev libpoppler-glib-dev poppler-utils libjpeg-dev
  libqpdf-dev qpdf
  libzbar-dev zint
  libsoup-3.0-dev libxml2-dev glib-networking apache2 apache2-utils
  libsecret-1-dev gnome-keyring dbus libsodium-dev
  fonts-dejavu-core gettext desktop-file-utils appstream
  xvfb xauth dbus-x11
  openssl groff-base librsvg2-bin clang-format
  valgrind clang libclang-rt-14-dev llvm
)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}

# meson's testlog.json has one line per test run; count them for the closing line CI reads.
count_results() {
  python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            # Repeated just above the closing line, where a reader of the end of the log sees it.
            run = json.loads(line)
            tail = (run.get("stdout") or "").strip().splitlines()[-12:]
            print(f"FAILED {run.get('name')} ({run.get('result')}) in {path}:", file=sys.stderr)
            for text in tail:
                print(f"    {text[:200]}", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
}

run_suite() {
  local dir=$1; shift
  # The app suite needs a display: a private Xvfb per run, stopped afterwards.
  xvfb-run -a -s "-screen 0 1280x1024x24" meson test -C "$dir" --print-errorlogs "$@" || true
}

cmd=${1:-}
case "$cmd" in
  deps)
    install_deps
    ;;
  demo)
    install_deps
    configure build
    lib="${PAPERDOCK_LIBRARY:-$HOME/.local/share/paperdock}"
    ./build/src/cli/paperdock-cli --library "$lib" scan --device demo
    ;;
  test)
    install_deps
    configure build -Dwerror=true
    run_suite build
    logs=(build/meson-logs/testlog.json)
    if [ "${PD_SKIP_SANITIZERS:-0}" != 1 ]; then
      # Leaks are not judged here (fontconfig and tesseract keep caches until exit); memory
      # errors and undefined behaviour are, in the build's own tools as well as in the tests.
      export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
      export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
      configure build-sanitize -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
      run_suite build-sanitize --timeout-multiplier 3
      logs+=(build-sanitize/meson-logs/testlog.json)
    fi
    if [ "${PD_SKIP_VALGRIND:-0}" != 1 ]; then
      # Memcheck over the core tests that run no OCR (the "valgrind" setup in tests/meson.build):
      # a definite leak or an invalid access fails the test.
      meson test -C build --setup valgrind --print-errorlogs --logbase testlog-valgrind \
        test-library test-library-migrate test-naming test-profile test-capture-unit \
        test-sync-error test-folder-connector || true
      meson test -C build --setup valgrind --print-errorlogs --logbase testlog-valgrind-fuzz \
        --suite fuzz || true
      # meson adds the setup's name to the log's base name
      logs+=(build/meson-logs/testlog-valgrind-valgrind.json
             build/meson-logs/testlog-valgrind-fuzz-valgrind.json)
    fi
    fuzz_failed=0
    if [ "${PD_SKIP_FUZZ:-0}" != 1 ]; then
      # Every parser of outside input under libFuzzer for a short fixed time (build-aux/fuzz.sh).
      bash build-aux/fuzz.sh run "${PD_FUZZ_SECONDS:-10}" || fuzz_failed=1
    fi
    summary=$(count_results "${logs[@]}")
    [ "$fuzz_failed" = 0 ] || echo "fuzzing found a problem: see build-fuzz/fuzz-artifacts" >&2
    echo "$summary"
    case "$summary" in *" 0 failed"*) [ "$fuzz_failed" = 0 ] && exit 0 || exit 1 ;; *) exit 1 ;; esac
    ;;
  *)
    echo "usage: $0 demo|test|deps" >&2
    exit 2
    ;;
esac
