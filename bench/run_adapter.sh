#!/bin/sh
# Adapter overhead: the exec adapter's per-call time with an echo worker
# (320x320 image; 15-coil 640x368 k-space slice), under protocol 2 and, for
# comparison, protocol 1, against writing and reading the same array once as
# HDF5 in /dev/shm (C, and h5py as the numpy peer); and the plugin adapter's
# overhead. Target (issue 6): exec call <= 2x the C HDF5 round trip. Uses a
# Release build of its own.
#
#   bench/run_adapter.sh [N]   (calls per measurement, default 20)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-bench-adapter"
n=${1:-20}
log="$build/build.log"
mkdir -p "$build"
if ! { cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF &&
       cmake --build "$build" -j "$(nproc)" --target mrvet_lib mrvet_plugin_example; } \
        >"$log" 2>&1; then
    cat "$log"
    exit 1
fi
cc -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -I"$here" -I"$build/generated" \
    $(pkg-config --cflags hdf5 2>/dev/null || echo -I/usr/include/hdf5/serial) \
    "$here/bench/bench_adapter.c" "$build/libmrvet.a" -o "$build/bench_adapter" \
    -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5_hl -lhdf5 -lfftw3f_threads -lfftw3f \
    -lgsl -lgslcblas -lsqlite3 -lcrypto -lyaml -lcairo -lnifti2 -lznz -lz -lismrmrd \
    -lm -lpthread -ldl
echo "adapter overhead, median of $n calls (machine load matters: run on an idle machine)"
MRV_LOG=warn "$build/bench_adapter" "$here/bench/bench_adapter_echo.py" "$build/plugins/mrvet_plugin_example.so" "$n"
peer=$(/usr/bin/python3 "$here/bench/peer_adapter.py" "$n")
echo "$peer" | awk '{ printf "peer (h5py) write+read /dev/shm: image %.3f ms, kspace %.3f ms\n", $1, $2 }'
