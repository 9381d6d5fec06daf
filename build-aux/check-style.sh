#!/usr/bin/env bash
# build-aux/check-style.sh: checks the files changed since a base commit against .editorconfig's
# basics and .clang-format.
#   build-aux/check-style.sh [--strict] [BASE]
# BASE defaults to $CI_BASE, else HEAD~1; uncommitted changes are included. Fails (exit 1) on a
# tab in C, a missing final newline or trailing whitespace. clang-format --dry-run runs on the
# changed lines of C files only; its findings are printed and fail the check only with --strict,
# because clang-format 14 cannot express the GTK parameter alignment the code uses
# (.clang-format says more). Needs git and clang-format (Debian: clang-format).
set -uo pipefail

strict=0
if [ "${1:-}" = "--strict" ]; then
  strict=1
  shift
fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 2

base=${1:-${CI_BASE:-HEAD~1}}
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  # A fresh clone with one commit has no HEAD~1: check every file of that commit.
  base=$(git hash-object -t tree /dev/null)
fi

problems=0
formatting=0
report() { echo "$1: $2"; problems=$((problems + 1)); }

mapfile -t files < <( { git diff --name-only --diff-filter=ACMR "$base" -- ;
                        git ls-files --others --exclude-standard; } | sort -u)

for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  # Only files people write: not test corpora (their bytes are the point), not generated
  # catalogs, not images.
  case $f in
    */corpus/*|po/*.po|po/*.pot) continue ;;
    *.c|*.h|*.py|*.sh|*.build|*.txt|*.md|*.ui|*.xml|*.in|*.json|*.1|*.svg|*.css) ;;
    .editorconfig|.clang-format|.ci/*|build-aux/*) ;;
    *) continue ;;
  esac

  if [ -n "$(tail -c 1 "$f")" ]; then
    report "$f" "no newline at the end of the file"
  fi
  case $f in
    *.md) ;;
    *) grep -nE '[[:space:]]+$' "$f" | head -5 | while IFS=: read -r line _; do
         echo "$f:$line: trailing whitespace"
       done
       if grep -qE '[[:space:]]+$' "$f"; then problems=$((problems + 1)); fi ;;
  esac

  case $f in
    *.c|*.h)
      if grep -qP '\t' "$f"; then
        grep -nP '\t' "$f" | head -5 \
          | sed "s|^\([0-9]*\):.*|$f:\1: a tab (C files are indented with spaces)|"
        problems=$((problems + 1))
      fi

      if ! command -v clang-format >/dev/null; then
        echo "clang-format is missing (Debian: clang-format); skipping the formatting check" >&2
        continue
      fi
      # The line ranges this change touched in the file (all of a new file).
      ranges=()
      while read -r start count; do
        [ "${count:-1}" -eq 0 ] && continue
        ranges+=("--lines=$start:$((start + ${count:-1} - 1))")
      done < <(git diff -U0 "$base" -- "$f" 2>/dev/null \
                 | sed -n 's/^@@ -[0-9,]* +\([0-9]*\),\{0,1\}\([0-9]*\) @@.*/\1 \2/p')
      if [ ${#ranges[@]} -eq 0 ] && ! git ls-files --error-unmatch "$f" >/dev/null 2>&1; then
        ranges=("--lines=1:$(wc -l < "$f")")
      fi
      [ ${#ranges[@]} -eq 0 ] && continue
      out=$(clang-format --style=file --dry-run "${ranges[@]}" "$f" 2>&1)
      if [ -n "$out" ]; then
        echo "$out" | grep 'warning:' | head -10
        formatting=$((formatting + 1))
      fi
      ;;
  esac
done

short=$(git rev-parse --short "$base" 2>/dev/null || echo "$base")
echo "check-style: ${#files[@]} changed files since $short, $problems with whitespace" \
     "problems, $formatting with clang-format suggestions"
if [ "$problems" -gt 0 ]; then
  exit 1
fi
if [ "$strict" -eq 1 ] && [ "$formatting" -gt 0 ]; then
  exit 1
fi
exit 0
