#!/bin/sh
# Regenerate the golden oracle values (tests/metrics/golden/*.txt,
# tests/core/golden/stats.txt) from the live oracles: Debian's python3 with
# numpy, scipy and scikit-image must be installed. The test executables
# write what the oracles print (MRV_GOLDEN_WRITE=1); commit the result.
# Usage: tests/metrics/make_golden.sh BUILD_DIR
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: make_golden.sh BUILD_DIR}
/usr/bin/python3 -c 'import numpy, scipy, skimage' || {
    echo "make_golden: Debian's python3 with numpy, scipy, scikit-image is required" >&2
    exit 2
}
: >"$root/tests/metrics/golden/segmentation.txt"
: >"$root/tests/metrics/golden/fidelity_ext.txt"
: >"$root/tests/core/golden/stats.txt"
export MRV_GOLDEN_WRITE=1
"$build/tests/test_metrics_segmentation" >/dev/null
"$build/tests/test_metrics_fidelity_ext" >/dev/null
"$build/tests/test_core_stats" >/dev/null
wc -l "$root"/tests/metrics/golden/*.txt "$root"/tests/core/golden/stats.txt
