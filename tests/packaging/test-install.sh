#!/usr/bin/env bash
# Stages `meson install` of the build tree into a temporary DESTDIR and checks that what a
# distribution package would ship is there and works: paperdock-cli --version from the staged
# prefix, a schema that compiles, the desktop file, metainfo, icons, D-Bus service, man pages
# and the German catalog.
# Usage: test-install.sh BUILD_DIR PREFIX BINDIR DATADIR MANDIR LOCALEDIR APP_ID VERSION APP
#   (APP: true or false, whether the GTK application is built)
set -uo pipefail

if [ $# -ne 9 ]; then
  echo "usage: $0 BUILD_DIR PREFIX BINDIR DATADIR MANDIR LOCALEDIR APP_ID VERSION APP" >&2
  exit 2
fi
build=$1 prefix=$2 bindir=$3 datadir=$4 mandir=$5 localedir=$6 app_id=$7 version=$8 app=$9

# meson gives the directories relative to the prefix unless they were set absolute.
under_prefix() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/pd-install-XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
have() { [ -e "$1" ] || fail "${1#"$root"} is not installed"; }

# --no-rebuild: meson test built everything already, and a second ninja in the same tree would
# race the other tests.
if ! meson install -C "$build" --no-rebuild --quiet --destdir "$root" \
     >"$stage/install.log" 2>&1; then
  cat "$stage/install.log"
  fail "meson install failed"
  exit 1
fi

bin=$root$(under_prefix "$bindir")
data=$root$(under_prefix "$datadir")
man=$root$(under_prefix "$mandir")
locale=$root$(under_prefix "$localedir")

# The executables link the core statically: no LD_LIBRARY_PATH is needed.
have "$bin/paperdock-cli"
out=$("$bin/paperdock-cli" --version 2>&1) || fail "paperdock-cli --version exits with $?: $out"
[ "$out" = "paperdock-cli $version" ] \
  || fail "paperdock-cli --version says '$out', not 'paperdock-cli $version'"

have "$man/man1/paperdock-cli.1"
have "$locale/de/LC_MESSAGES/paperdock.mo"
if [ -e "$locale/de/LC_MESSAGES/paperdock.mo" ]; then
  n=$(msgunfmt "$locale/de/LC_MESSAGES/paperdock.mo" 2>/dev/null | grep -c '^msgid ' || true)
  [ "${n:-0}" -gt 1 ] || fail "the German catalog holds no message"
fi

if [ "$app" = true ]; then
  have "$bin/paperdock"
  out=$("$bin/paperdock" --version 2>&1) || fail "paperdock --version exits with $?: $out"
  [ "$out" = "paperdock $version" ] || fail "paperdock --version says '$out'"
  have "$man/man1/paperdock.1"

  desktop=$data/applications/$app_id.desktop
  have "$desktop"
  if [ -e "$desktop" ]; then
    desktop-file-validate "$desktop" || fail "the installed desktop file does not validate"
    # i18n.merge_file put the translations in: proof that po/ and the desktop file meet.
    grep -q '^Comment\[de\]=' "$desktop" || fail "the installed desktop file has no German Comment"
  fi
  have "$data/metainfo/$app_id.metainfo.xml"

  schemas=$data/glib-2.0/schemas
  have "$schemas/$app_id.gschema.xml"
  if glib-compile-schemas --strict "$schemas"; then
    have "$schemas/gschemas.compiled"
    keys=$(gsettings --schemadir "$schemas" list-keys "$app_id" 2>&1)
    echo "$keys" | grep -qx 'library-dir' \
      || fail "the compiled schema has no library-dir key: $keys"
  else
    fail "the installed schemas do not compile"
  fi

  have "$data/icons/hicolor/scalable/apps/$app_id.svg"
  have "$data/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"

  service=$data/dbus-1/services/$app_id.service
  have "$service"
  if [ -e "$service" ]; then
    exec_line=$(sed -n 's/^Exec=//p' "$service")
    [ "${exec_line%% *}" = "$(under_prefix "$bindir")/paperdock" ] \
      || fail "the D-Bus service runs '${exec_line%% *}', not the installed paperdock"
    grep -qx "Name=$app_id" "$service" || fail "the D-Bus service has the wrong name"
  fi
fi

echo "# staged $(find "$root" -type f | wc -l) files"
if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s)"
  exit 1
fi
echo OK
