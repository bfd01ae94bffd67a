/* core/rng.h — reproducible random streams.
 *
 * Every random draw in mrvet comes from a stream whose 64-bit seed is derived
 * from what the draw is *for*, never from the order work happens to run in:
 *
 *   seed = low 63 bits of the first 8 bytes (little-endian) of
 *          SHA-256("mrvet-seed-v1" | study_seed | case_id | stream | severity | repeat)
 *
 * so a result is bit-identical on 1 or N threads, in any shard, on resume.
 * `stream` names the consumer ("noise", "mask", ...).
 *
 * The generator is xoshiro256** (Blackman & Vigna 2018) seeded through
 * splitmix64, wrapped as a GSL generator type so GSL's distributions
 * (gsl_ran_gaussian_ziggurat, ...) draw from it. It exists because every GSL
 * generator truncates its seed to 32 bits, and 2^32 seeds collide within a
 * large study (birthday bound: ~50 % at 77 000 streams).
 */
#ifndef MRV_CORE_RNG_H
#define MRV_CORE_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "core/status.h"

/* The GSL generator type "mrv_xoshiro256ss". gsl_rng_set() takes the full
 * 64-bit seed. */
extern const gsl_rng_type *mrv_rng_xoshiro256ss;

/* Derive the seed of a stream (see above). `case_id` and `stream` must be
 * non-NULL; they are hashed with their terminating NUL so ("ab","c") and
 * ("a","bc") differ. */
uint64_t mrv_seed_derive(uint64_t study_seed, const char *case_id,
                         const char *stream, int severity, int repeat);

/* A generator that lives in caller memory (no allocation, for execute()
 * paths): mrv_rng_init() seeds it and returns the gsl_rng to draw from,
 * valid while `r` is. Nothing to free. */
struct mrv_rng {
    gsl_rng rng;
    uint64_t state[4];
};
gsl_rng *mrv_rng_init(struct mrv_rng *r, uint64_t seed);

/* A new generator seeded with `seed`; free with gsl_rng_free().
 * MRV_ENOMEM on allocation failure. */
enum mrv_status mrv_rng_create(uint64_t seed, gsl_rng **out, struct mrv_error *err);

#endif
