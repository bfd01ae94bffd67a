#!/bin/sh
# Install every Debian package mrvet needs (only when one is missing),
# then configure and build. Idempotent: a second run does no apt work.
#
#   scripts/setup.sh [--sanitize] [--build-dir DIR]
#
# --sanitize builds with AddressSanitizer + UndefinedBehaviorSanitizer
# (MRV_SANITIZE=ON) and warnings as errors; this is what the test command uses.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
sanitize=OFF
werror=OFF
while [ $# -gt 0 ]; do
    case "$1" in
    --sanitize) sanitize=ON; werror=ON; build="$here/build-san" ;;
    --build-dir) build="$2"; shift ;;
    *) echo "setup.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

# Every package listed in scripts/debian-packages.txt (comments and blank
# lines ignored): C libraries, build tools and the test oracles (numpy,
# scikit-image, ... from Debian, called through /usr/bin/python3).
pkgs=$(sed -e 's/#.*//' "$here/scripts/debian-packages.txt" | tr -s ' \n' ' ')

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "setup.sh: installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMRV_SANITIZE=$sanitize -DMRV_WERROR=$werror >/dev/null
cmake --build "$build" -j "$(nproc)"
echo "setup.sh: built $build/mrvet"
