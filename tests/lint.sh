#!/bin/sh
# Lint: the one-way module rule of DESIGN.md (a folder includes only the
# folders it may) and functions the house style forbids.
set -u
root=${1:-.}
cd "$root" || exit 2
status=0

allowed() { # folder -> folders it may include besides itself
    case "$1" in
    core) echo "" ;;
    datasets | perturbations | metrics | store) echo "core" ;;
    adapters) echo "core datasets" ;;
    reports) echo "core store" ;;
    harness) echo "core datasets perturbations metrics adapters store reports" ;;
    esac
}

for folder in core datasets perturbations metrics adapters store reports harness; do
    ok="$folder $(allowed $folder)"
    for f in "$folder"/*.c "$folder"/*.h; do
        [ -e "$f" ] || continue
        grep -n '^#include "' "$f" | while IFS= read -r line; do
            target=$(printf '%s' "$line" | sed 's/.*#include "\([^/"]*\)\/.*/\1/')
            case "$target" in *'#include'*) continue ;; esac # no folder: generated header
            case " $ok " in
            *" $target "*) ;;
            *) echo "lint: $f: includes $target/, but $folder/ may include only: $ok"
               echo x >>"${TMPDIR:-/tmp}/mrvet-lint.$$" ;;
            esac
        done
    done
done

if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets)\s*\(' \
        core/*.c datasets/*.c perturbations/*.c metrics/*.c adapters/*.c \
        store/*.c reports/*.c harness/*.c 2>/dev/null; then
    echo "lint: use snprintf/strtol/... instead of the calls above"
    status=1
fi
if [ -e "${TMPDIR:-/tmp}/mrvet-lint.$$" ]; then
    rm -f "${TMPDIR:-/tmp}/mrvet-lint.$$"
    status=1
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
