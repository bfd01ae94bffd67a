/* harness/perturb3d.h — `mrvet perturb` on 3D Cartesian k-space: a BART
 * cfl whose PHS2 (kz) is above 1 (docs/perturbations/motion3dk.md). No
 * data set kind yields 3D cases, so this is the one way in for now. */
#ifndef MRV_HARNESS_PERTURB3D_H
#define MRV_HARNESS_PERTURB3D_H

#include <stdbool.h>
#include <stdint.h>

/* True when `input` names a BART cfl/hdr file whose header has PHS2 > 1. */
bool mrv_perturb3d_applies(const char *input);

/* Perturb the 3D k-space of `input` (READ, PHS1, PHS2, COIL), seen as
 * (1, coils, kz = PHS2, ky = READ, kx = PHS1) with 1 mm voxels and no coil
 * maps, by `family` at `severity` with the seed a study of seed `seed`
 * gives case NAME (the file's base name), and write it to `out` (.cfl, in
 * BART's order) plus OUT.json (seed, drawn values). Returns an exit code. */
int mrv_perturb3d_run(const char *input, const char *family, int severity, uint64_t seed,
                      const char *out);

#endif
