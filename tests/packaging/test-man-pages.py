#!/usr/bin/env python3
"""The man pages render without a groff warning, and doc/paperdock-cli.1 documents every command,
every long option and every exit status the built paperdock-cli prints in its --help (and each
command's --help); doc/paperdock.1 the options of `paperdock --help`. A new option without a line
in the man page fails here, with its name.
Usage: test-man-pages.py PAPERDOCK-CLI [PAPERDOCK]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("PD_SOURCE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(SRC, "doc")
LONG_OPTION = re.compile(r"^\s+(?:-\w, )?(--[A-Za-z0-9][\w-]*)", re.M)

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def check_groff(page):
    proc = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page],
                          capture_output=True, text=True)
    if proc.returncode != 0 or proc.stderr.strip():
        fail(f"groff warns about {os.path.basename(page)}:\n{proc.stderr}")


def page_text(page):
    """The page's source with roff escapes undone, enough to search for option names."""
    with open(page, encoding="ascii") as f:
        text = f.read()
    text = text.replace("\\-", "-").replace("\\e", "\\")
    return re.sub(r"\\f[BIRP]|\\f\(..", "", text)


def run_help(cli, args, env):
    proc = subprocess.run([cli] + args + ["--help"], capture_output=True, text=True, env=env,
                          timeout=30)
    return proc.stdout + proc.stderr


def check_cli(cli):
    page = os.path.join(DOC, "paperdock-cli.1")
    check_groff(page)
    text = page_text(page)
    with tempfile.TemporaryDirectory() as tmp:
        # Some commands open the library to print their help: give them an empty one.
        env = dict(os.environ, PAPERDOCK_LIBRARY=os.path.join(tmp, "library"))
        top = run_help(cli, [], env)
        section = top.split("Commands:", 1)[1].split("\n\n", 1)[0] if "Commands:" in top else ""
        commands = re.findall(r"^  ([a-z][a-z-]*)\s", section, re.M)
        if not commands:
            fail("paperdock-cli --help lists no command")
        options = {}
        for option in LONG_OPTION.findall(top):
            options.setdefault(option, "paperdock-cli")
        for command in commands:
            if not re.search(r"^\.SS " + re.escape(command) + r"\b", text, re.M):
                fail(f"the command {command} has no section in paperdock-cli.1")
            helps = [([command], run_help(cli, [command], env))]
            out = helps[0][1]
            subs = []
            if "Subcommands:" in out:
                block = out.split("Subcommands:", 1)[1].split("\n\n", 1)[0]
                subs = re.findall(r"^  ([a-z][a-z-]*)\s", block, re.M)
            elif "Application Options:" not in out and "Help Options:" not in out:
                usage = re.search(r"Usage: \S+ " + re.escape(command) + r" \[(.*)\]", out)
                if usage:
                    subs = re.findall(r"(?:^|\| )([a-z][a-z-]*)", usage.group(1))
            for sub in subs:
                if not re.search(r"\b" + re.escape(command) + " " + re.escape(sub) + r"\b", text):
                    fail(f"{command} {sub} is not described in paperdock-cli.1")
                helps.append(([command, sub], run_help(cli, [command, sub], env)))
            for words, out in helps:
                if "Help Options:" not in out and "Application Options:" not in out:
                    continue
                for option in LONG_OPTION.findall(out):
                    options.setdefault(option, "paperdock-cli " + " ".join(words))
        for option, where in sorted(options.items()):
            if option in ("--help", "--help-all"):
                continue
            if not re.search(re.escape(option) + r"(?![\w-])", text):
                fail(f"{option} (from `{where} --help`) is not in paperdock-cli.1")
        print(f"# {len(commands)} commands, {len(options)} long options")

        codes = re.findall(r"^  (\d+)\s", top.split("Exit status:", 1)[-1], re.M)
        status = text.split(".SH EXIT STATUS", 1)[-1].split(".SH ", 1)[0]
        for code in codes:
            if not re.search(r"^\.B " + code + "$", status, re.M):
                fail(f"exit status {code} is not in paperdock-cli.1's EXIT STATUS")


def check_app(app):
    page = os.path.join(DOC, "paperdock.1")
    check_groff(page)
    text = page_text(page)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PAPERDOCK_LIBRARY=os.path.join(tmp, "library"))
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        out = run_help(app, [], env)
    options = [o for o in LONG_OPTION.findall(out.split("Application Options:", 1)[-1])
               if o not in ("--help", "--help-all")]
    if "Application Options:" not in out or not options:
        fail("paperdock --help shows no application option:\n" + out)
    for option in options:
        if not re.search(re.escape(option) + r"(?![\w-])", text):
            fail(f"{option} (from `paperdock --help`) is not in paperdock.1")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    if shutil.which("groff") is None:
        print("FAIL: groff is missing; install the Debian package groff-base")
        return 1
    check_cli(sys.argv[1])
    if len(sys.argv) == 3:
        check_app(sys.argv[2])
    if failures:
        print(f"{len(failures)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
