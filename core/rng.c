#include "core/rng.h"

#include <limits.h>
#include <string.h>

#include "core/sha256.h"

_Static_assert(sizeof(unsigned long) == 8, "mrvet needs 64-bit unsigned long (LP64)");

struct xoshiro_state {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void xoshiro_set(void *vstate, unsigned long seed)
{
    struct xoshiro_state *st = vstate;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        st->s[i] = splitmix64(&x);
}

static unsigned long xoshiro_get(void *vstate)
{
    struct xoshiro_state *st = vstate;
    uint64_t *s = st->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double xoshiro_get_double(void *vstate)
{
    /* 53 random bits -> [0, 1), the standard conversion. */
    return (double)(xoshiro_get(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "mrv_xoshiro256ss", ULONG_MAX, 0, sizeof(struct xoshiro_state),
    xoshiro_set, xoshiro_get, xoshiro_get_double,
};

const gsl_rng_type *mrv_rng_xoshiro256ss = &xoshiro_type;

static void put_u64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

uint64_t mrv_seed_derive(uint64_t study_seed, const char *case_id,
                         const char *stream, int severity, int repeat)
{
    static const char tag[] = "mrvet-seed-v1";
    unsigned char buf[8], md[32];
    struct mrv_sha256 *h;
    if (mrv_sha256_create(&h, NULL) != MRV_OK)
        return 0; /* only on OpenSSL allocation failure */
    mrv_sha256_update(h, tag, sizeof tag);
    put_u64(buf, study_seed);
    mrv_sha256_update(h, buf, 8);
    mrv_sha256_update(h, case_id, strlen(case_id) + 1);
    mrv_sha256_update(h, stream, strlen(stream) + 1);
    put_u64(buf, (uint64_t)(int64_t)severity);
    mrv_sha256_update(h, buf, 8);
    put_u64(buf, (uint64_t)(int64_t)repeat);
    mrv_sha256_update(h, buf, 8);
    mrv_sha256_final(h, md, NULL);
    mrv_sha256_destroy(h);
    uint64_t seed = 0;
    for (int i = 0; i < 8; i++)
        seed |= (uint64_t)md[i] << (8 * i);
    /* 63 bits, so the seed is stored as a non-negative SQLite INTEGER. */
    return seed & 0x7fffffffffffffffULL;
}

enum mrv_status mrv_rng_create(uint64_t seed, gsl_rng **out, struct mrv_error *err)
{
    *out = gsl_rng_alloc(mrv_rng_xoshiro256ss);
    if (!*out)
        return mrv_error_set(err, MRV_ENOMEM, "rng: cannot allocate generator");
    gsl_rng_set(*out, (unsigned long)seed);
    return MRV_OK;
}

gsl_rng *mrv_rng_init(struct mrv_rng *r, uint64_t seed)
{
    _Static_assert(sizeof r->state == sizeof(struct xoshiro_state), "state size");
    r->rng.type = mrv_rng_xoshiro256ss;
    r->rng.state = r->state;
    gsl_rng_set(&r->rng, (unsigned long)seed);
    return &r->rng;
}
