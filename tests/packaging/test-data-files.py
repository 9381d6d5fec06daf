#!/usr/bin/env python3
"""The files desktops and software centres read, checked with the tools distributions use.

  test-data-files.py desktop FILE.desktop FILE.service  desktop-file-validate; D-Bus activation
                                                        consistent with the service file
  test-data-files.py metainfo FILE.metainfo.xml         appstreamcli validate --no-net, and what
                                                        a software centre shows
  test-data-files.py gschema                            glib-compile-schemas --strict; every key
                                                        has a summary and a description
  test-data-files.py icons                              every SVG icon renders (rsvg-convert)
"""
import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRC = os.environ.get("PD_SOURCE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(SRC, "data")
APP_ID = "io.github.paperdock.Paperdock"

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def need(tool, package):
    if shutil.which(tool) is None:
        print(f"FAIL: {tool} is missing; install the Debian package {package}")
        sys.exit(1)


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    if out:
        print("# " + out.replace("\n", "\n# "))
    return proc


def read_desktop_like(path, group):
    parser = configparser.RawConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser[group] if parser.has_section(group) else None


def check_desktop(desktop, service):
    need("desktop-file-validate", "desktop-file-utils")
    if run(["desktop-file-validate", desktop]).returncode != 0:
        fail(f"desktop-file-validate rejects {desktop}")
    if os.path.basename(desktop) != APP_ID + ".desktop":
        fail("the desktop file must be named after the application ID for D-Bus activation")
    entry = read_desktop_like(desktop, "Desktop Entry")
    if entry is None:
        fail("no [Desktop Entry] group")
        return
    if entry.get("Icon") != APP_ID:
        fail(f"Icon is {entry.get('Icon')!r}, not the application ID")
    if entry.get("Exec", "").split()[0:1] != ["paperdock"]:
        fail("Exec does not start paperdock")
    if entry.get("DBusActivatable") != "true":
        fail("DBusActivatable is not true")
    if not any(k.startswith("Name[") for k in entry):
        print("# no translated Name yet (po/ has no language with it)")
    svc = read_desktop_like(service, "D-BUS Service")
    if svc is None:
        fail(f"{service} has no [D-BUS Service] group")
        return
    if svc.get("Name") != APP_ID:
        fail(f"the D-Bus service is named {svc.get('Name')!r}, not {APP_ID}")
    exec_line = svc.get("Exec", "").split()
    if len(exec_line) < 2 or not os.path.isabs(exec_line[0]) \
       or os.path.basename(exec_line[0]) != "paperdock" \
       or "--gapplication-service" not in exec_line:
        fail(f"the service's Exec {svc.get('Exec')!r} must run the installed paperdock with "
             "--gapplication-service")


def check_metainfo(path):
    need("appstreamcli", "appstream")
    if run(["appstreamcli", "validate", "--no-net", "--explain", path]).returncode != 0:
        fail(f"appstreamcli validate rejects {path}")
    root = ET.parse(path).getroot()
    if root.findtext("id") != APP_ID:
        fail("the component ID is not the application ID")
    paragraphs = root.findall("description/p")
    if len(paragraphs) < 2:
        fail("the description should have at least two paragraphs")
    launchable = root.find("launchable[@type='desktop-id']")
    if launchable is None or launchable.text != APP_ID + ".desktop":
        fail("no launchable naming the desktop file")
    binaries = {b.text for b in root.findall("provides/binary")}
    for binary in ("paperdock", "paperdock-cli"):
        if binary not in binaries:
            fail(f"provides does not list the binary {binary}")
    releases = root.findall("releases/release")
    if not releases:
        fail("no release")
    for release in releases:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", release.get("date", "")):
            fail(f"release {release.get('version')} has no date")
    # The newest release is the version the build says it is.
    version = os.environ.get("PD_PROJECT_VERSION")
    if version and releases and releases[0].get("version") != version:
        fail(f"the newest release is {releases[0].get('version')}, the project is {version}")
    if root.find("content_rating") is None:
        fail("no content rating")
    screenshots = root.findall("screenshots/screenshot")
    if not screenshots:
        fail("no screenshot")
    if len([s for s in screenshots if s.get("type") == "default"]) != 1:
        fail("exactly one screenshot must be the default")
    for shot in screenshots:
        if not shot.findtext("caption"):
            fail("a screenshot has no caption")
        image = shot.find("image")
        if image is None or not (image.text or "").startswith("https://"):
            fail("a screenshot has no https image URL")
            continue
        # The URLs point at data/screenshots/ in the repository: the file must be there.
        match = re.search(r"/(data/screenshots/[^/]+\.png)$", image.text)
        if match is None:
            fail(f"{image.text} does not point at data/screenshots/")
            continue
        local = os.path.join(SRC, match.group(1))
        try:
            with open(local, "rb") as f:
                head = f.read(24)
        except OSError:
            fail(f"{match.group(1)} is missing")
            continue
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            fail(f"{match.group(1)} is not a PNG")
            continue
        width, height = struct.unpack(">II", head[16:24])
        if (image.get("width"), image.get("height")) != (str(width), str(height)):
            fail(f"{match.group(1)} is {width}x{height}, the metainfo says "
                 f"{image.get('width')}x{image.get('height')}")


def check_gschema():
    need("glib-compile-schemas", "libglib2.0-bin")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(DATA, APP_ID + ".gschema.xml"), tmp)
        if run(["glib-compile-schemas", "--strict", "--dry-run", tmp]).returncode != 0:
            fail("glib-compile-schemas --strict rejects the schema")
    root = ET.parse(os.path.join(DATA, APP_ID + ".gschema.xml")).getroot()
    if root.get("gettext-domain") != "paperdock":
        fail("the schema list has no gettext-domain, so summaries are never translated")
    keys = root.findall("schema/key")
    if not keys:
        fail("the schema has no key")
    for key in keys:
        for field in ("summary", "description"):
            if not (key.findtext(field) or "").strip():
                fail(f"key {key.get('name')} has no {field}")
    print(f"# {len(keys)} keys")


def check_icons():
    need("rsvg-convert", "librsvg2-bin")
    icons = {
        os.path.join("scalable", "apps", APP_ID + ".svg"): 128,
        os.path.join("symbolic", "apps", APP_ID + "-symbolic.svg"): 16,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for rel, size in icons.items():
            path = os.path.join(DATA, "icons", "hicolor", rel)
            if not os.path.isfile(path):
                fail(f"{rel} is missing")
                continue
            root = ET.parse(path).getroot()
            if root.get("viewBox") != f"0 0 {size} {size}":
                fail(f"{rel} is not drawn on a {size} px canvas (viewBox {root.get('viewBox')})")
            png = os.path.join(tmp, "icon.png")
            if run(["rsvg-convert", "-w", str(size * 2), "-h", str(size * 2), "-o", png,
                    path]).returncode != 0:
                fail(f"rsvg-convert cannot render {rel}")
                continue
            with open(png, "rb") as f:
                head = f.read(24)
            if head[:8] != b"\x89PNG\r\n\x1a\n" or struct.unpack(">II", head[16:24]) != \
               (size * 2, size * 2):
                fail(f"{rel} did not render at {size * 2} px")
        symbolic = open(os.path.join(DATA, "icons", "hicolor", "symbolic", "apps",
                                     APP_ID + "-symbolic.svg"), encoding="utf-8").read()
        colours = set(re.findall(r"#[0-9a-fA-F]{6}\b", symbolic))
        if len(colours) > 1:
            fail(f"the symbolic icon uses {len(colours)} colours; GTK recolours only one")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "desktop" and len(sys.argv) == 4:
        check_desktop(sys.argv[2], sys.argv[3])
    elif what == "metainfo" and len(sys.argv) == 3:
        check_metainfo(sys.argv[2])
    elif what == "gschema":
        check_gschema()
    elif what == "icons":
        check_icons()
    else:
        print(__doc__)
        return 2
    if failures:
        print(f"{len(failures)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
