#!/usr/bin/env python3
"""Checks the Flatpak manifest offline, as far as that can be done without flatpak-builder or a
network: valid JSON (the manifest and every module file it names), every module and source
pinned (git by commit, archives and files by sha256), the application's own module built with
meson from this checkout, the libraries Paperdock links against present, the sandbox
permissions a scanner app needs and no blanket access to the user's files.
Usage: test-flatpak-manifest.py MANIFEST.json
"""
import json
import os
import re
import sys

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path} is not valid JSON: {e}")
        return None


def walk_modules(modules, base, out):
    """Flattens modules, loading the ones given as file names relative to their manifest."""
    for module in modules:
        if isinstance(module, str):
            path = os.path.join(base, module)
            loaded = load(path)
            if loaded is None:
                continue
            walk_modules([loaded], os.path.dirname(path), out)
        else:
            out.append(module)
            walk_modules(module.get("modules", []), base, out)


def check_source(module, source):
    name = module.get("name", "?")
    kind = source.get("type")
    if kind == "git":
        if not re.fullmatch(r"[0-9a-f]{40}", source.get("commit", "")):
            fail(f"module {name}: git source {source.get('url')} is not pinned by a commit")
        if not source.get("url", "").startswith("https://"):
            fail(f"module {name}: git source is not fetched over https")
    elif kind in ("archive", "file"):
        if "path" in source:
            return
        if not re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")):
            fail(f"module {name}: {kind} {source.get('url')} has no sha256")
        if not source.get("url", "").startswith("https://"):
            fail(f"module {name}: {source.get('url')} is not fetched over https")
    elif kind == "dir":
        if name != "paperdock":
            fail(f"module {name}: a dir source is only for Paperdock itself")
    elif kind in ("script", "shell", "patch", "inline"):
        pass
    else:
        fail(f"module {name}: unknown source type {kind!r}")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    path = sys.argv[1]
    manifest = load(path)
    if manifest is None:
        return 1

    if manifest.get("id") != "io.github.paperdock.Paperdock":
        fail(f"id is {manifest.get('id')!r}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        fail("runtime and sdk must be org.gnome.Platform and org.gnome.Sdk")
    version = str(manifest.get("runtime-version", ""))
    if not version.isdigit() or int(version) < 47:
        fail(f"runtime-version {version!r}: a current stable GNOME runtime (47 or later) is needed")
    if manifest.get("command") != "paperdock":
        fail("command must be paperdock")

    modules = []
    walk_modules(manifest.get("modules", []), os.path.dirname(os.path.abspath(path)), modules)
    names = [m.get("name") for m in modules]
    print("# modules: " + ", ".join(str(n) for n in names))
    for needed in ("libusb", "sane-backends", "sane-airscan", "avahi", "leptonica", "tesseract",
                   "zbar", "qpdf", "poppler"):
        if needed not in names:
            fail(f"no module builds {needed}")
    if len(set(names)) != len(names):
        fail("two modules have the same name")
    order = {n: i for i, n in enumerate(names)}
    for before, after in (("libusb", "sane-backends"), ("avahi", "sane-airscan"),
                          ("sane-backends", "sane-airscan"), ("leptonica", "tesseract"),
                          ("tesseract", "paperdock")):
        if before in order and after in order and order[before] > order[after]:
            fail(f"{after} is built before {before}, which it needs")

    for module in modules:
        sources = module.get("sources", [])
        if not sources and not module.get("modules"):
            fail(f"module {module.get('name')} has no sources")
        for source in sources:
            check_source(module, source)

    # The tesseract models travel as plain files, checked like any other source.
    files = [s.get("url", "") for m in modules for s in m.get("sources", [])
             if s.get("type") == "file"]
    for model in ("eng.traineddata", "osd.traineddata"):
        if not any(u.endswith("/" + model) for u in files):
            fail(f"{model} is not a file source")

    app = [m for m in modules if m.get("name") == "paperdock"]
    if len(app) != 1:
        fail("no module named paperdock")
    else:
        app = app[0]
        if app.get("buildsystem") != "meson":
            fail("Paperdock's own module must be built with meson")
        sources = app.get("sources", [])
        if not any(s.get("type") == "dir" and s.get("path") == ".." for s in sources):
            fail("Paperdock's module must build this checkout (a dir source with path ..)")
        if names[-1] != "paperdock":
            fail("Paperdock's module must come last, after its dependencies")

    args = manifest.get("finish-args", [])
    for needed in ("--socket=wayland", "--socket=fallback-x11", "--share=ipc", "--share=network",
                   "--device=all", "--talk-name=org.freedesktop.secrets",
                   "--system-talk-name=org.freedesktop.Avahi", "--env=OMP_THREAD_LIMIT=1"):
        if needed not in args:
            fail(f"finish-args lack {needed}")
    sane = [a for a in args if a.startswith("--env=SANE_CONFIG_DIR=")]
    if len(sane) != 1 or not sane[0].split("=", 2)[2].startswith("/app/"):
        fail("finish-args must set SANE_CONFIG_DIR to a folder inside /app")
    if "--socket=x11" in args:
        fail("--socket=x11 is too broad: fallback-x11 gives X11 only where Wayland is missing")
    for arg in args:
        if arg.startswith("--filesystem="):
            where = arg.split("=", 1)[1].split(":")[0]
            if where in ("home", "host", "host-os", "host-etc", "~") or where.startswith("~/"):
                fail(f"{arg}: no blanket file access; files come through the portals")
    reasons = manifest.get("x-finish-args-reasons", {})
    for arg in ("--device=all",):
        if arg not in reasons:
            fail(f"x-finish-args-reasons does not say why the app needs {arg}")

    if failures:
        print(f"{len(failures)} problem(s)")
        return 1
    print(f"OK: {len(modules)} modules, every source pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
