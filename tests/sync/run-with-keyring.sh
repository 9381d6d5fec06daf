#!/bin/sh
# run-with-keyring.sh PROGRAM [ARGS...]: runs a test inside a private D-Bus session with its own
# gnome-keyring, unlocked with a test password, so libsecret calls reach a real Secret Service
# and never the user's keyring. Needs dbus (dbus-run-session) and gnome-keyring.
set -eu
home=$(mktemp -d "${TMPDIR:-/tmp}/pd-keyring-XXXXXX")
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS
# The tests isolate XDG_DATA_DIRS, so GNOME's proxy module would find no GSettings schemas;
# everything here is on loopback anyway.
export GIO_USE_PROXY_RESOLVER=dummy
# The session bus and the keyring get no display: a locked keyring (a test locks it on purpose)
# would otherwise start a password prompt window on it that nobody answers. The test itself
# gets the display back.
export PD_TEST_DISPLAY="${DISPLAY-}" PD_TEST_WAYLAND_DISPLAY="${WAYLAND_DISPLAY-}"
unset DISPLAY WAYLAND_DISPLAY
dbus-run-session -- sh -c '
  printf %s "paperdock-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  [ -z "$PD_TEST_DISPLAY" ] || export DISPLAY="$PD_TEST_DISPLAY"
  [ -z "$PD_TEST_WAYLAND_DISPLAY" ] || export WAYLAND_DISPLAY="$PD_TEST_WAYLAND_DISPLAY"
  exec "$@"' sh "$@"
