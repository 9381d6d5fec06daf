#!/usr/bin/env bash
# D-Bus activation, as a desktop does it for a DBusActivatable=true application: a private
# session bus that knows only the built service file (its Exec pointed at the uninstalled
# binary) starts paperdock when org.freedesktop.Application.Activate is called; the application
# must take its name, open a window and quit through app.quit. Needs a display (X or Wayland);
# skipped without one, like the other window tests.
# Usage: test-dbus-activation.sh SERVICE_FILE PAPERDOCK_BINARY
set -uo pipefail

service=$1 binary=$2
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "SKIP: no display (run the suite under xvfb-run)"
  exit 77
fi
for tool in dbus-run-session gdbus; do
  if ! command -v $tool >/dev/null; then
    echo "FAIL: $tool is missing (Debian: dbus, libglib2.0-bin)"
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pd-dbus-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
name=$(sed -n 's/^Name=//p' "$service")
args=$(sed -n 's/^Exec=[^ ]*//p' "$service")
[ -n "$name" ] || { echo "FAIL: $service has no Name"; exit 1; }
mkdir -p "$tmp/share/dbus-1/services"
printf '[D-BUS Service]\nName=%s\nExec=%s%s\n' "$name" "$binary" "$args" \
  > "$tmp/share/dbus-1/services/$name.service"

export XDG_DATA_DIRS=$tmp/share:/usr/share
export PAPERDOCK_LIBRARY=$tmp/library
export GTK_A11Y=none NO_AT_BRIDGE=1 GSK_RENDERER=cairo
# The build tree compiles the schema next to the service file.
export GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-$(dirname "$service")}
path=/${name//./\/}
env -u DBUS_SESSION_BUS_ADDRESS dbus-run-session -- bash -c '
  name=$1 path=$2
  has_owner() {
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner "$name" 2>/dev/null | grep -q true
  }
  has_owner && { echo "FAIL: $name is owned before activation"; exit 1; }
  gdbus call --session --timeout 30 --dest "$name" --object-path "$path" \
    --method org.freedesktop.Application.Activate "{}" >/dev/null \
    || { echo "FAIL: activating $name through D-Bus failed"; exit 1; }
  has_owner || { echo "FAIL: $name is not on the bus after activation"; exit 1; }
  # GtkApplication exports each window it shows under <path>/window/<id>.
  for i in $(seq 50); do
    gdbus introspect --session --dest "$name" --object-path "$path/window" 2>/dev/null \
      | grep -q "node [0-9]" && break
    sleep 0.2
  done
  gdbus introspect --session --dest "$name" --object-path "$path/window" | grep -q "node [0-9]" \
    || { echo "FAIL: activation showed no window"; exit 1; }
  gdbus call --session --dest "$name" --object-path "$path" \
    --method org.freedesktop.Application.ActivateAction quit "[]" "{}" >/dev/null
  for i in $(seq 50); do has_owner || break; sleep 0.2; done
  has_owner && { echo "FAIL: app.quit did not end the service"; exit 1; }
  echo "OK: $name started by D-Bus, showed a window and quit"
' bash "$name" "$path"
