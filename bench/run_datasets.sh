#!/bin/sh
# bench/run_datasets.sh — read speed of mrvet's fastMRI (slice by slice,
# HDF5 hyperslabs) and NIfTI (.nii.gz) readers vs h5py and gzip+numpy on the
# same files, one thread each, in one run; prints the ratios (peer / mrvet:
# above 1 means mrvet is faster) and the checksums, which must agree.
# mrvet also checks every k-space value for NaN/Inf (one more pass over each
# slice in memory, ~40% of the read time here); h5py does not.
# Usage: bench/run_datasets.sh   (from anywhere; builds into a temp folder;
# needs ~230 MB of temporary disk)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen"
printf '#define MRV_VERSION_STRING "bench"\n#define MRV_GIT_COMMIT "bench"\n' >"$work/gen/mrv_version.h"
gcc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root" -I"$work/gen" \
    -I/usr/include/hdf5/serial -I/usr/include/nifti \
    -o "$work/bench_datasets" "$root/bench/bench_datasets.c" "$root"/core/*.c \
    "$root"/datasets/*.c -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lnifti2 -lznz -lz \
    -lismrmrd -lfftw3f -lgsl -lgslcblas -lcrypto -lm -lpthread
"$work/bench_datasets" "$work" >"$work/c.txt"
/usr/bin/python3 "$root/bench/bench_datasets_peer.py" "$work" >"$work/py.txt"
printf '%-16s %10s %10s %7s  %s\n' case mrvet_s peer_s ratio "checksums (mrvet, peer)"
join "$work/c.txt" "$work/py.txt" | awk '{ printf "%-16s %10.4f %10.4f %6.2fx  %s %s\n", $1, $2, $4, $4 / $2, $3, $5 }'
