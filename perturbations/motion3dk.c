/* motion3dk: rigid 3D motion during a 3D Cartesian scan, in k-space.
 *
 * Layout (DESIGN.md): 3D Cartesian k-space (slices = 1, coils, kz, ky, kx)
 * c64, rank 5; ky is the readout, kx and kz the two phase-encode axes
 * (mrvet's convention: the last axis is a phase encode). One acquired line
 * is one (kz, kx) pair read along ky. Each line is acquired at its own
 * time t (ordering below) and sees the object in the pose it had then
 * (Bydder et al., MRI 2002; Shaw et al., MIDL 2019, in 3D): line (z, x) of
 * the moved k-space is line (z, x) of the k-space of the object in pose
 * P(t_zx).
 *
 * Pose: rotate about the volume centre (index n/2 on each axis), then
 * translate. P(t) = w(t) x (three angles, a translation), w the
 * trajectory's scalar in [-1, 1] (motion.h: sudden jump, periodic, random
 * walk, static). The angles (a, b, c) = R n and the translation A u, with
 * n and u uniform unit vectors, R = rotation_deg, A = translation_mm.
 * Rotation: Rot = G_yx(c) G_zx(b) G_zy(a) applied to the object (coil
 * maps stay still), G_ij(q) the turn of the (i, j) plane taking (u_i, u_j)
 * mm to (u_i cos q - u_j sin q, u_i sin q + u_j cos q); each planar turn by
 * three Fourier shears (Paeth; Unser, Thevenaz & Yaroslavsky, IEEE TIP
 * 1995), band-limited and exact for |q| <= 45 deg, shear amounts converted
 * to voxels of each axis (anisotropic voxels turn in millimetres). w is
 * quantized to 17 levels j/8 max|w| for the rotation (one rotated volume
 * per level, as motion.c); translation uses w exactly.
 * Translation: the Fourier shift theorem, an exact 3D phase ramp
 * exp(-i 2 pi (fz dz + fy dy + fx dx)) on each line.
 *
 * Orderings (rank of line (z, x) among nz nx lines; t = (rank + 0.5)/nL):
 *   0 sequential, kx inner / kz outer   rank = z nx + x
 *   1 sequential, kz inner / kx outer   rank = x nz + z (MPRAGE-like)
 *   2 elliptical centric                by fz^2 + fx^2 (cycles/FOV^2), ties
 *                                       by rank 0
 */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"
#include "perturbations/motion.h"

static const struct mrv_param m3k_params[] = {
    {"translation_mm", "mm", 4.0, 0.0, 50.0, "largest 3D displacement during the scan"},
    {"rotation_deg", "deg", 2.0, 0.0, 30.0, "largest rotation (norm of the three angles)"},
    {"trajectory", "", 0, 0, 3, "0 sudden jump, 1 periodic, 2 random walk, 3 static offset"},
    {"ordering", "", 0, 0, 2,
     "0 kx inner / kz outer, 1 kz inner / kx outer, 2 elliptical centric"},
    {"cycles", "", 3.0, 0.0, 200.0, "periods per scan (periodic trajectory)"},
    {"jump_time", "", 0.0, 0.0, 1.0,
     "sudden jump time as a fraction of the scan; 0 draws it in [0.2, 0.8)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* ROOD-MRI's motion levels (Boone et al. 2023), as motion: +-1..5 deg,
 * 2..10 mm, one sudden move in a sequential scan. */
static const double m3k_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {2.0, 1.0, 0, 0, 3, 0}, {4.0, 2.0, 0, 0, 3, 0}, {6.0, 3.0, 0, 0, 3, 0},
    {8.0, 4.0, 0, 0, 3, 0}, {10.0, 5.0, 0, 0, 3, 0},
};

#define LEVELS 8 /* rotation levels on each side of 0 */

struct m3k_plan {
    double p[MRV_PERT_MAX_PARAMS];
    size_t dims[5];        /* the planned (1, coils, nz, ny, nx) */
    size_t n[3], nc, nv, nl; /* (nz, ny, nx), coils, voxels, lines */
    double *t;             /* acquisition time of each line (z nx + x) */
    size_t *rank;          /* place of each line in the acquisition */
    struct mrv_fft *f3, *f1[3];
    struct mrv_scratch_pool pool;
};

static void m3k_destroy(void *plan)
{
    struct m3k_plan *mp = plan;
    if (!mp)
        return;
    free(mp->t);
    free(mp->rank);
    mrv_fft_destroy(mp->f3);
    for (int a = 0; a < 3; a++)
        mrv_fft_destroy(mp->f1[a]);
    mrv_scratch_destroy(&mp->pool);
    free(mp);
}

struct keyed {
    double key;
    size_t line;
};

static int by_key(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static void line_order(struct m3k_plan *mp, int order, struct keyed *k)
{
    size_t nz = mp->n[0], nx = mp->n[2], nl = mp->nl;
    for (size_t z = 0; z < nz; z++)
        for (size_t x = 0; x < nx; x++) {
            size_t l = z * nx + x;
            double fz = mrv_pert_freq(z, nz), fx = mrv_pert_freq(x, nx);
            k[l].line = l;
            k[l].key = order == 0   ? (double)l
                       : order == 1 ? (double)(x * nz + z)
                                    : fz * fz + fx * fx;
        }
    qsort(k, nl, sizeof *k, by_key);
    for (size_t r = 0; r < nl; r++) {
        mp->rank[k[r].line] = r;
        mp->t[k[r].line] = ((double)r + 0.5) / (double)nl;
    }
}

/* Scratch: obj, rot, coil volumes (3 nv complex), one line of the longest
 * axis, then per line w, walk (2 nl doubles) and level (nl ints). */
static size_t scratch_bytes(const struct m3k_plan *mp)
{
    size_t nmax = mp->n[0] > mp->n[1] ? mp->n[0] : mp->n[1];
    nmax = nmax > mp->n[2] ? nmax : mp->n[2];
    return (3 * mp->nv + nmax) * sizeof(float complex) + 2 * mp->nl * sizeof(double) +
           mp->nl * sizeof(int);
}

static enum mrv_status m3k_plan_create(const struct mrv_array *shape, const double *p,
                                       void **plan, struct mrv_error *err)
{
    *plan = NULL;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_motion3dk, p, err);
    if (s != MRV_OK)
        return s;
    if (shape->dtype != MRV_C64 || shape->ndim != 5 || shape->dims[0] != 1 ||
        shape->dims[2] < 2 || shape->dims[3] < 2 || shape->dims[4] < 2)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3dk: needs 3D Cartesian k-space (1, coils, kz, "
                             "ky, kx) c64 with kz, ky, kx >= 2, got %s data of rank %d",
                             mrv_dtype_name(shape->dtype), shape->ndim);
    struct m3k_plan *mp = calloc(1, sizeof *mp);
    if (!mp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation motion3dk: out of memory");
    memcpy(mp->p, p, (size_t)mrv_perturbation_nparams(&mrv_pert_motion3dk) * sizeof *p);
    memcpy(mp->dims, shape->dims, sizeof mp->dims);
    mp->nc = shape->dims[1];
    for (int a = 0; a < 3; a++)
        mp->n[a] = shape->dims[2 + a];
    mp->nv = mp->n[0] * mp->n[1] * mp->n[2];
    mp->nl = mp->n[0] * mp->n[2];
    mp->t = malloc(mp->nl * sizeof *mp->t);
    mp->rank = malloc(mp->nl * sizeof *mp->rank);
    struct keyed *k = malloc(mp->nl * sizeof *k);
    if (!mp->t || !mp->rank || !k) {
        free(k);
        m3k_destroy(mp);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation motion3dk: out of memory");
    }
    line_order(mp, (int)lround(p[3]), k);
    free(k);
    if ((s = mrv_fft_plan_create(3, mp->n, &mp->f3, err)) != MRV_OK) {
        m3k_destroy(mp);
        return s;
    }
    for (int a = 0; a < 3 && s == MRV_OK; a++)
        s = mrv_fft_plan_create(1, &mp->n[a], &mp->f1[a], err);
    if (s == MRV_OK)
        s = mrv_scratch_create(&mp->pool, scratch_bytes(mp), "motion3dk", err);
    if (s != MRV_OK) {
        m3k_destroy(mp);
        return s;
    }
    *plan = mp;
    return MRV_OK;
}

/* Shift every line of `vol` along axis i by slope * (u_j / sp_i) voxels,
 * u_j = (index_j - n_j/2) sp_j the mm coordinate along axis j: the shear
 * u_i += slope u_j, band-limited (Fourier shift of each line). */
static void shear(const struct m3k_plan *mp, float complex *vol, float complex *line, int i,
                  int j, double slope, const double *sp)
{
    const size_t *n = mp->n;
    size_t st[3] = {n[1] * n[2], n[2], 1};
    int o = 3 - i - j; /* the third axis */
    size_t half = n[j] / 2; /* the centre index */
    for (size_t a = 0; a < n[j]; a++) {
        double s = slope * ((double)a - (double)half) * sp[j] / sp[i];
        if (s == 0.0)
            continue;
        double complex w = cexp(-2.0 * M_PI * I * s / (double)n[i]);
        double complex ph0 = cexp(-2.0 * M_PI * I * s * mrv_pert_freq(0, n[i]));
        for (size_t b = 0; b < n[o]; b++) {
            float complex *p = vol + a * st[j] + b * st[o];
            for (size_t q = 0; q < n[i]; q++)
                line[q] = p[q * st[i]];
            mrv_fft_forward(mp->f1[i], line, 1);
            double complex ph = ph0;
            for (size_t q = 0; q < n[i]; q++) {
                line[q] *= (float complex)ph;
                ph *= w;
            }
            mrv_fft_inverse(mp->f1[i], line, 1);
            for (size_t q = 0; q < n[i]; q++)
                p[q * st[i]] = line[q];
        }
    }
}

/* G_ij(q): (u_i, u_j) -> (u_i cos q - u_j sin q, u_i sin q + u_j cos q) by
 * S_i(-tan(q/2)) S_j(sin q) S_i(-tan(q/2)). */
static void turn(const struct m3k_plan *mp, float complex *vol, float complex *line, int i,
                 int j, double q, const double *sp)
{
    if (q == 0.0)
        return;
    double a = -tan(q / 2.0), b = sin(q);
    shear(mp, vol, line, i, j, a, sp);
    shear(mp, vol, line, j, i, b, sp);
    shear(mp, vol, line, i, j, a, sp);
}

/* The trajectory's scalar w for every line (motion.h's trajectories). */
static void trajectory(const struct m3k_plan *mp, gsl_rng *rng, double *w, double *walk,
                       struct mrv_drawn *drawn)
{
    size_t nl = mp->nl;
    switch ((int)lround(mp->p[2])) {
    case MRV_MOTION_SUDDEN: {
        double t0 = mp->p[5] > 0 ? mp->p[5] : 0.2 + 0.6 * gsl_rng_uniform(rng);
        for (size_t l = 0; l < nl; l++)
            w[l] = mp->t[l] >= t0 ? 1.0 : 0.0;
        mrv_drawn_add(drawn, "jump_time", t0);
        break;
    }
    case MRV_MOTION_PERIODIC: {
        double psi = 2.0 * M_PI * gsl_rng_uniform(rng);
        for (size_t l = 0; l < nl; l++)
            w[l] = sin(2.0 * M_PI * mp->p[4] * mp->t[l] + psi);
        mrv_drawn_add(drawn, "phase_rad", psi);
        break;
    }
    case MRV_MOTION_RANDOM_WALK: {
        /* a Brownian path in acquisition order from the reference pose,
         * scaled so its largest excursion is 1 */
        double pos = 0, mx = 0;
        for (size_t r = 0; r < nl; r++) {
            if (r > 0)
                pos += gsl_ran_gaussian_ziggurat(rng, 1.0);
            walk[r] = pos;
            mx = fabs(pos) > mx ? fabs(pos) : mx;
        }
        for (size_t l = 0; l < nl; l++)
            w[l] = mx > 0 ? walk[mp->rank[l]] / mx : 0.0;
        break;
    }
    default: /* static */
        for (size_t l = 0; l < nl; l++)
            w[l] = 1.0;
        break;
    }
}

/* A uniform unit vector (Marsaglia 1972). */
static void unit_vector(gsl_rng *rng, double u[3])
{
    double a, b, s;
    do {
        a = 2.0 * gsl_rng_uniform(rng) - 1.0;
        b = 2.0 * gsl_rng_uniform(rng) - 1.0;
        s = a * a + b * b;
    } while (s >= 1.0);
    double r = 2.0 * sqrt(1.0 - s);
    u[0] = a * r;
    u[1] = b * r;
    u[2] = 1.0 - 2.0 * s;
}

static enum mrv_status m3k_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                   struct mrv_array *data, struct mrv_drawn *drawn,
                                   struct mrv_error *err)
{
    const struct m3k_plan *mp = plan;
    if (data->dtype != MRV_C64 || data->ndim != 5 ||
        memcmp(data->dims, mp->dims, sizeof mp->dims) != 0)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3dk: k-space does not have the planned shape "
                             "(1, %zu, %zu, %zu, %zu) c64", mp->nc, mp->n[0], mp->n[1],
                             mp->n[2]);
    const double *sp = clean->spacing;
    if (!(sp[0] > 0 && sp[1] > 0 && sp[2] > 0))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3dk: case %s has spacing %g x %g x %g mm, "
                             "expected positive", clean->id, sp[0], sp[1], sp[2]);
    size_t nz = mp->n[0], ny = mp->n[1], nx = mp->n[2], nv = mp->nv, nl = mp->nl;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&mp->pool);
    float complex *obj = (float complex *)buf, *rot = obj + nv, *coil = rot + nv,
                  *line = coil + nv;
    size_t nmax = nz > ny ? nz : ny;
    nmax = nmax > nx ? nmax : nx;
    double *w = (double *)(line + nmax), *walk = w + nl;
    int *level = (int *)(walk + nl);

    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    double u[3], nrot[3];
    unit_vector(rng, u);
    unit_vector(rng, nrot);
    trajectory(mp, rng, w, walk, drawn);
    double A = mp->p[0], Rr = mp->p[1] * M_PI / 180.0, tr[3], ang[3];
    for (int a = 0; a < 3; a++) {
        tr[a] = A * u[a];
        ang[a] = Rr * nrot[a];
    }
    float complex *k = data->data;
    const struct mrv_array *cm = &clean->coil_maps;
    const float complex *maps =
        cm->dtype == MRV_C64 && cm->ndim == 5 && memcmp(cm->dims, mp->dims, sizeof mp->dims) == 0
            ? cm->data
            : NULL;
    double wmax = 0;
    for (size_t l = 0; l < nl; l++)
        wmax = fabs(w[l]) > wmax ? fabs(w[l]) : wmax;
    int used[2 * LEVELS + 1] = {0};
    for (size_t l = 0; l < nl; l++) {
        level[l] = Rr > 0 && wmax > 0 ? (int)lround(w[l] / wmax * LEVELS) : 0;
        used[level[l] + LEVELS] = 1;
    }
    /* Rotation: per used level, the object turned, times each coil map,
     * 3D FFT, its lines copied. Without maps each coil image turns. */
    for (size_t c0 = 0; c0 < (maps ? 1 : mp->nc) && Rr > 0 && wmax > 0; c0++) {
        if (maps) { /* object = sum_c conj(S_c) coil image_c (RSS(S) = 1) */
            memset(obj, 0, nv * sizeof *obj);
            for (size_t c = 0; c < mp->nc; c++) {
                memcpy(coil, k + c * nv, nv * sizeof *coil);
                mrv_fft_inverse(mp->f3, coil, 1);
                const float complex *S = maps + c * nv;
                for (size_t i = 0; i < nv; i++)
                    obj[i] += conjf(S[i]) * coil[i];
            }
        } else {
            memcpy(obj, k + c0 * nv, nv * sizeof *obj);
            mrv_fft_inverse(mp->f3, obj, 1);
        }
        for (int lv = -LEVELS; lv <= LEVELS; lv++) {
            if (lv == 0 || !used[lv + LEVELS])
                continue;
            double f = wmax * lv / LEVELS;
            memcpy(rot, obj, nv * sizeof *rot);
            turn(mp, rot, line, 0, 1, f * ang[0], sp); /* G_zy(a) first */
            turn(mp, rot, line, 0, 2, f * ang[1], sp); /* then G_zx(b) */
            turn(mp, rot, line, 1, 2, f * ang[2], sp); /* then G_yx(c) */
            for (size_t c = maps ? 0 : c0; c < (maps ? mp->nc : c0 + 1); c++) {
                if (maps)
                    for (size_t i = 0; i < nv; i++)
                        coil[i] = maps[c * nv + i] * rot[i];
                else
                    memcpy(coil, rot, nv * sizeof *coil);
                mrv_fft_forward(mp->f3, coil, 1);
                float complex *kc = k + c * nv;
                for (size_t z = 0; z < nz; z++)
                    for (size_t x = 0; x < nx; x++)
                        if (level[z * nx + x] == lv)
                            for (size_t y = 0; y < ny; y++) {
                                size_t i = (z * ny + y) * nx + x;
                                kc[i] = coil[i];
                            }
            }
        }
    }
    /* Translation: the exact 3D ramp on each line, in voxels of each axis. */
    if (A > 0)
        for (size_t z = 0; z < nz; z++)
            for (size_t x = 0; x < nx; x++) {
                double wl = w[z * nx + x];
                if (wl == 0.0)
                    continue;
                double dz = wl * tr[0] / sp[0], dy = wl * tr[1] / sp[1], dx = wl * tr[2] / sp[2];
                double base = mrv_pert_freq(z, nz) * dz + mrv_pert_freq(x, nx) * dx;
                for (size_t y = 0; y < ny; y++) {
                    double ph = -2.0 * M_PI * (base + mrv_pert_freq(y, ny) * dy);
                    float complex e = (float complex)cexp(I * ph);
                    for (size_t c = 0; c < mp->nc; c++)
                        k[c * nv + (z * ny + y) * nx + x] *= e;
                }
            }
    mrv_scratch_give((struct mrv_scratch_pool *)&mp->pool, buf);
    static const char *const tn[] = {"t_z_mm", "t_y_mm", "t_x_mm"};
    static const char *const an[] = {"angle_zy_deg", "angle_zx_deg", "angle_yx_deg"};
    for (int a = 0; a < 3; a++)
        mrv_drawn_add(drawn, tn[a], tr[a]);
    for (int a = 0; a < 3; a++)
        mrv_drawn_add(drawn, an[a], ang[a] * 180.0 / M_PI);
    mrv_drawn_add(drawn, "w_max", wmax);
    mrv_drawn_add(drawn, "rotation_step", wmax / LEVELS);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_motion3dk = {
    .name = "motion3dk",
    .summary = "rigid 3D motion during a 3D Cartesian scan, line by line over (kz, kx)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = m3k_params,
    .severity = m3k_severity,
    .plan = m3k_plan_create,
    .execute = m3k_execute,
    .destroy = m3k_destroy,
    .layouts = MRV_LAYOUT_KSPACE3D,
};
