#!/usr/bin/env python3
"""Translations: po/POTFILES.in lists every file with translatable strings, and every language in
po/LINGUAS is complete against the checked-in po/paperdock.pot.

  test-translations.py potfiles   every file under src/ that calls _(), N_(), C_(), NC_() or
                                  g_dngettext(), every .ui file with translatable="yes" and the
                                  data files people see are in POTFILES.in; every listed file
                                  exists; xgettext extracts them without a warning
  test-translations.py complete   each po/<lang>.po compiles with msgfmt --check and has no
                                  untranslated or fuzzy message once merged with paperdock.pot

Why the catalog is checked in: a test that compared translations with the sources of the day
would fail whenever someone adds a string. CONTRIBUTING.md says how to refresh paperdock.pot and
the .po files (ninja paperdock-pot paperdock-update-po); this test then says what is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("PD_SOURCE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PO = os.path.join(SRC, "po")

# The keywords meson's i18n.gettext(preset: 'glib') gives xgettext.
KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dcgettext:2", "g_dngettext:2,3",
            "g_dpgettext2:2c,3"]
GETTEXT_CALL = re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|g_dcgettext|"
                          r"g_dpgettext2|ngettext|dngettext)\s*\(")
DATA_SUFFIXES = (".desktop.in", ".metainfo.xml.in", ".gschema.xml")

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def need(tool, package):
    if shutil.which(tool) is None:
        print(f"FAIL: {tool} is missing; install the Debian package {package}")
        sys.exit(1)


def read_potfiles():
    entries = []
    with open(os.path.join(PO, "POTFILES.in"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return entries


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def files_with_strings():
    found = set()
    for top in ("src",):
        for root, _dirs, names in os.walk(os.path.join(SRC, top)):
            for name in names:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, SRC)
                if name.endswith(".c"):
                    with open(path, encoding="utf-8") as f:
                        if GETTEXT_CALL.search(strip_c_comments(f.read())):
                            found.add(rel)
                elif name.endswith(".ui"):
                    with open(path, encoding="utf-8") as f:
                        if 'translatable="yes"' in f.read():
                            found.add(rel)
    for name in os.listdir(os.path.join(SRC, "data")):
        if name.endswith(DATA_SUFFIXES):
            found.add(os.path.join("data", name))
    return found


def check_potfiles():
    need("xgettext", "gettext")
    listed = read_potfiles()
    print(f"# POTFILES.in lists {len(listed)} files")
    if len(set(listed)) != len(listed):
        fail("POTFILES.in lists a file twice")
    if listed != sorted(listed):
        fail("POTFILES.in is not sorted (its header says it is)")
    for rel in listed:
        if not os.path.isfile(os.path.join(SRC, rel)):
            fail(f"POTFILES.in lists {rel}, which does not exist")
    for rel in sorted(files_with_strings() - set(listed)):
        fail(f"{rel} has translatable strings but is missing from po/POTFILES.in, "
             "so they are never translated")

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "extracted.pot")
        cmd = ["xgettext", "--from-code=UTF-8", "--add-comments", "--package-name=paperdock",
               "--directory", SRC, "--files-from", os.path.join(PO, "POTFILES.in"),
               "--output", pot, "--flag=g_strdup_printf:1:c-format",
               "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
               "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format"]
        cmd += ["--keyword=" + k for k in KEYWORDS]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or proc.stderr.strip():
            fail("xgettext does not extract the strings cleanly:\n" + proc.stderr)
        elif os.path.exists(os.path.join(PO, "paperdock.pot")):
            extracted = set(msgids(pot))
            checked_in = set(msgids(os.path.join(PO, "paperdock.pot")))
            print(f"# xgettext extracts {len(extracted)} messages; po/paperdock.pot has "
                  f"{len(checked_in)}")
            # Not a failure: strings are added every day. It tells whoever updates the catalog.
            behind = extracted - checked_in
            if behind:
                print(f"# po/paperdock.pot is {len(behind)} messages behind the sources; "
                      "run `ninja -C BUILD paperdock-pot paperdock-update-po`")


def msgids(path):
    """The msgids (with their context) of a .po or .pot file, without the header."""
    proc = subprocess.run(["msgcat", "--no-wrap", "--sort-output", path],
                          capture_output=True, text=True, check=True)
    ids, ctx, cur, field = [], None, None, None
    for line in proc.stdout.splitlines() + [""]:
        if line.startswith("msgctxt "):
            ctx, field = line[8:], "ctx"
        elif line.startswith("msgid "):
            cur, field = line[6:], "id"
        elif line.startswith('"') and field == "id":
            cur += line
        elif line.startswith('"') and field == "ctx":
            ctx += line
        elif line.startswith("msgid_plural") or line.startswith("msgstr") or not line:
            if cur is not None and cur != '""':
                ids.append((ctx, cur))
            if not line or line.startswith("msgstr"):
                cur, ctx = None, None
            field = None
    return ids


def check_complete():
    need("msgfmt", "gettext")
    need("msgmerge", "gettext")
    with open(os.path.join(PO, "LINGUAS"), encoding="utf-8") as f:
        languages = [w for line in f if not line.lstrip().startswith("#") for w in line.split()]
    if not languages:
        fail("po/LINGUAS lists no language")
    pot = os.path.join(PO, "paperdock.pot")
    if not os.path.isfile(pot):
        fail("po/paperdock.pot is missing; run `ninja -C BUILD paperdock-pot`")
        return
    for lang in languages:
        po = os.path.join(PO, lang + ".po")
        if not os.path.isfile(po):
            fail(f"po/LINGUAS lists {lang} but po/{lang}.po does not exist")
            continue
        proc = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po],
                              capture_output=True, text=True)
        stats = proc.stderr.strip()
        print(f"# {lang}.po: {stats}")
        if proc.returncode != 0:
            fail(f"msgfmt --check refuses po/{lang}.po:\n{stats}")
            continue
        if "untranslated" in stats or "fuzzy" in stats:
            fail(f"po/{lang}.po is incomplete: {stats}")
        with tempfile.TemporaryDirectory() as tmp:
            merged = os.path.join(tmp, lang + ".po")
            subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", merged, po, pot],
                           check=True)
            proc = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull,
                                   merged], capture_output=True, text=True)
            stats = proc.stderr.strip()
            if proc.returncode != 0 or "untranslated" in stats or "fuzzy" in stats:
                fail(f"po/{lang}.po has fallen behind po/paperdock.pot ({stats}); "
                     f"run `ninja -C BUILD paperdock-update-po` and translate what is new")
        missing = set(msgids(pot)) - set(msgids(po))
        for ctx, msgid in sorted(missing, key=str)[:20]:
            fail(f"po/{lang}.po lacks {msgid}")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "potfiles":
        check_potfiles()
    elif what == "complete":
        check_complete()
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
