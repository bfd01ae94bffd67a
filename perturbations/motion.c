#include "perturbations/motion.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/common.h"

static const struct mrv_param motion_params[] = {
    {"translation_mm", "mm", 4.0, 0.0, 50.0, "largest in-plane displacement during the scan"},
    {"rotation_deg", "deg", 2.0, 0.0, 30.0, "largest in-plane rotation during the scan"},
    {"trajectory", "", 0, 0, 3, "0 sudden jump, 1 periodic, 2 random walk, 3 static offset"},
    {"ordering", "", 0, 0, 2, "phase-encode order: 0 sequential, 1 centric, 2 interleaved"},
    {"cycles", "", 3.0, 0.0, 200.0, "periods per scan (periodic trajectory)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* ROOD-MRI's motion levels (Boone et al. 2023): +-1..5 deg, +-2..10 mm,
 * one sudden move in a sequential scan — the worst common case. */
static const double motion_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {2.0, 1.0, 0, 0, 3}, {4.0, 2.0, 0, 0, 3}, {6.0, 3.0, 0, 0, 3},
    {8.0, 4.0, 0, 0, 3}, {10.0, 5.0, 0, 0, 3},
};

#define ROT_LEVELS 8 /* levels on each side of 0 */

struct motion_plan {
    double trans_mm, rot_deg, cycles;
    int trajectory;
    struct mrv_kview shape;
    double *t;      /* acquisition time of each column */
    size_t *rank;   /* place of each column in the acquisition */
    struct mrv_fft *fft2, *fftx, *ffty;
    struct mrv_scratch_pool pool;
};

/* Scratch layout: 4 planes (object, rotated, transpose/ramp, coil) then
 * per-column dy, dx, theta, walk, time (5 * nx doubles), rank (nx size_t)
 * and levels (nx ints). */
static size_t scratch_bytes(const struct mrv_kview *v)
{
    size_t np = v->ny * v->nx;
    return 4 * np * sizeof(float complex) + 5 * v->nx * sizeof(double) +
           v->nx * sizeof(size_t) + v->nx * sizeof(int);
}

static void motion_destroy(void *plan)
{
    struct motion_plan *mp = plan;
    if (!mp)
        return;
    free(mp->t);
    free(mp->rank);
    mrv_fft_destroy(mp->fft2);
    mrv_fft_destroy(mp->fftx);
    mrv_fft_destroy(mp->ffty);
    mrv_scratch_destroy(&mp->pool);
    free(mp);
}

static enum mrv_status motion_plan_create(const struct mrv_array *shape, const double *p,
                                          void **plan, struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_motion, p, err);
    if (s == MRV_OK)
        s = mrv_pert_kview("motion", shape, &v, err);
    if (s != MRV_OK)
        return s;
    struct motion_plan *mp = calloc(1, sizeof *mp);
    if (!mp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation motion: out of memory");
    mp->trans_mm = p[0];
    mp->rot_deg = p[1];
    mp->trajectory = (int)lround(p[2]);
    mp->cycles = p[4];
    mp->shape = v;
    mp->shape.k = NULL;
    mp->t = malloc(v.nx * sizeof *mp->t);
    mp->rank = malloc(v.nx * sizeof *mp->rank);
    if (!mp->t || !mp->rank) {
        motion_destroy(mp);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation motion: out of memory");
    }
    mrv_pert_pe_times((enum mrv_pe_order)lround(p[3]), v.nx, mp->t);
    for (size_t x = 0; x < v.nx; x++)
        mp->rank[x] = (size_t)(mp->t[x] * (double)v.nx);
    size_t n2[2] = {v.ny, v.nx};
    if ((s = mrv_fft_plan_create(2, n2, &mp->fft2, err)) != MRV_OK ||
        (s = mrv_fft_plan_create(1, &v.nx, &mp->fftx, err)) != MRV_OK ||
        (s = mrv_fft_plan_create(1, &v.ny, &mp->ffty, err)) != MRV_OK ||
        (s = mrv_scratch_create(&mp->pool, scratch_bytes(&v), "motion", err)) != MRV_OK) {
        motion_destroy(mp);
        return s;
    }
    *plan = mp;
    return MRV_OK;
}

/* Shift row r of img (nr rows of nc) along the row by slope * (r - nr/2)
 * pixels, band-limited (Fourier shift along the row). */
static void shear_rows(const struct mrv_fft *f, float complex *img, size_t nr, size_t nc,
                       double slope)
{
    mrv_fft_forward(f, img, nr);
    for (size_t r = 0; r < nr; r++) {
        double s = slope * ((double)r - (double)(nr / 2));
        /* phase -2 pi f s, linear in the column: a recurrence in double */
        double complex w = cexp(-2.0 * M_PI * I * s / (double)nc);
        double complex ph = cexp(-2.0 * M_PI * I * s * mrv_pert_freq(0, nc));
        float complex *row = img + r * nc;
        for (size_t c = 0; c < nc; c++) {
            row[c] *= (float complex)ph;
            ph *= w;
        }
    }
    mrv_fft_inverse(f, img, nr);
}

static void transpose(float complex *dst, const float complex *src, size_t nr, size_t nc)
{
    for (size_t r = 0; r < nr; r++)
        for (size_t c = 0; c < nc; c++)
            dst[c * nr + r] = src[r * nc + c];
}

/* Rotate img (ny x nx, pixel size dy x dx mm) by theta radians about the
 * centre pixel (ny/2, nx/2): a point at (x, y) mm goes to
 * (x cos - y sin, x sin + y cos). Paeth: R = Sx(a) Sy(b) Sx(a),
 * a = -tan(theta/2), b = sin(theta); shear amounts are converted to pixels
 * of each axis so anisotropic pixels rotate correctly in millimetres. */
static void rotate(const struct motion_plan *mp, float complex *img, float complex *tmp,
                   double theta, double dy, double dx)
{
    size_t ny = mp->shape.ny, nx = mp->shape.nx;
    double a = -tan(theta / 2.0), b = sin(theta);
    shear_rows(mp->fftx, img, ny, nx, a * dy / dx);
    transpose(tmp, img, ny, nx);
    shear_rows(mp->ffty, tmp, nx, ny, b * dx / dy);
    transpose(img, tmp, nx, ny);
    shear_rows(mp->fftx, img, ny, nx, a * dy / dx);
}

/* The pose of every column: (dy, dx) in mm and theta in radians. */
static void draw_poses(const struct motion_plan *mp, const double *tx, const size_t *rank,
                       gsl_rng *rng, double *dy, double *dx, double *th, double *walk,
                       struct mrv_drawn *drawn)
{
    size_t nx = mp->shape.nx;
    double A = mp->trans_mm, R = mp->rot_deg * M_PI / 180.0;
    double phi = 2.0 * M_PI * gsl_rng_uniform(rng);
    double sign = gsl_rng_uniform(rng) < 0.5 ? -1.0 : 1.0;
    double uy = sin(phi), ux = cos(phi);
    switch (mp->trajectory) {
    case MRV_MOTION_SUDDEN: {
        double t0 = 0.2 + 0.6 * gsl_rng_uniform(rng);
        for (size_t x = 0; x < nx; x++) {
            double on = tx[x] >= t0 ? 1.0 : 0.0;
            dy[x] = on * A * uy;
            dx[x] = on * A * ux;
            th[x] = on * sign * R;
        }
        mrv_drawn_add(drawn, "jump_time", t0);
        break;
    }
    case MRV_MOTION_PERIODIC: {
        double psi = 2.0 * M_PI * gsl_rng_uniform(rng);
        for (size_t x = 0; x < nx; x++) {
            double w = sin(2.0 * M_PI * mp->cycles * tx[x] + psi);
            dy[x] = w * A * uy;
            dx[x] = w * A * ux;
            th[x] = w * sign * R;
        }
        mrv_drawn_add(drawn, "phase_rad", psi);
        break;
    }
    case MRV_MOTION_RANDOM_WALK: {
        /* Brownian paths in acquisition order, starting at the reference
         * pose, scaled so the largest displacement is exactly A (and the
         * largest rotation exactly R). */
        double my = 0, mt = 0, py = 0, px = 0, pt = 0;
        /* dy/dx/th are first filled by rank (time order) */
        for (size_t r = 0; r < nx; r++) {
            if (r > 0) {
                py += gsl_ran_gaussian_ziggurat(rng, 1.0);
                px += gsl_ran_gaussian_ziggurat(rng, 1.0);
                pt += gsl_ran_gaussian_ziggurat(rng, 1.0);
            }
            dy[r] = py;
            dx[r] = px;
            th[r] = pt;
            double m = hypot(py, px);
            my = m > my ? m : my;
            mt = fabs(pt) > mt ? fabs(pt) : mt;
        }
        double sy = my > 0 ? A / my : 0, st = mt > 0 ? R / mt : 0;
        /* rank-indexed -> column-indexed, through the walk buffer */
        double *comp[3] = {dy, dx, th}, scale[3] = {sy, sy, st};
        for (int k = 0; k < 3; k++) {
            memcpy(walk, comp[k], nx * sizeof *walk);
            for (size_t x = 0; x < nx; x++)
                comp[k][x] = walk[rank[x]] * scale[k];
        }
        break;
    }
    case MRV_MOTION_STATIC:
    default:
        for (size_t x = 0; x < nx; x++) {
            dy[x] = A * uy;
            dx[x] = A * ux;
            th[x] = sign * R;
        }
        break;
    }
    mrv_drawn_add(drawn, "direction_deg", phi * 180.0 / M_PI);
    mrv_drawn_add(drawn, "rotation_sign", sign);
}

/* Acquisition time and rank of every column. When the case carries an
 * undersampling mask (clean->mask, one byte per phase-encode column), only
 * sampled columns take scan time: their ranks are compressed to 0..m-1 in
 * the same ordering, so motion is tied to the lines really acquired
 * (unsampled columns keep their full-scan times; they are discarded).
 * `count` is nx ints of scratch. Returns m (nx without a mask). */
static size_t acquisition_times(const struct motion_plan *mp, const struct mrv_case *clean,
                                double *tx, size_t *rank, int *count)
{
    size_t nx = mp->shape.nx;
    memcpy(tx, mp->t, nx * sizeof *tx);
    memcpy(rank, mp->rank, nx * sizeof *rank);
    const struct mrv_array *m = &clean->mask;
    if (!m->data || m->dtype != MRV_U8 || m->ndim != 1 || m->dims[0] != nx)
        return nx;
    const uint8_t *mask = m->data;
    /* count[r] = 1 when the column of full rank r is sampled, then the
     * exclusive prefix sum: the rank among sampled columns */
    memset(count, 0, nx * sizeof *count);
    size_t msum = 0;
    for (size_t x = 0; x < nx; x++)
        if (mask[x]) {
            count[mp->rank[x]] = 1;
            msum++;
        }
    if (msum == 0)
        return nx;
    int acc = 0;
    for (size_t r = 0; r < nx; r++) {
        int c = count[r];
        count[r] = acc;
        acc += c;
    }
    for (size_t x = 0; x < nx; x++)
        if (mask[x]) {
            rank[x] = (size_t)count[mp->rank[x]];
            tx[x] = ((double)rank[x] + 0.5) / (double)msum;
        }
    return msum;
}

/* Replace the columns of level `lev` in every coil of slice `s` by the
 * k-space of the object rotated by `theta`. */
static void fill_level(const struct motion_plan *mp, const struct mrv_kview *v, size_t s,
                       const float complex *maps, const int *level, int lev, double theta,
                       const double *spacing, float complex *obj, float complex *rot,
                       float complex *tmp, float complex *coil)
{
    size_t ny = v->ny, nx = v->nx, np = ny * nx;
    for (size_t c = 0; c < v->coils; c++) {
        float complex *k = v->k + (s * v->coils + c) * np;
        if (maps) {
            if (c == 0) {
                memcpy(rot, obj, np * sizeof *rot);
                rotate(mp, rot, tmp, theta, spacing[1], spacing[2]);
            }
            const float complex *S = maps + (s * v->coils + c) * np;
            for (size_t i = 0; i < np; i++)
                coil[i] = S[i] * rot[i];
        } else {
            /* no maps: the coil image itself moves (obj holds coil c's
             * clean image, recomputed per coil by the caller) */
            memcpy(coil, obj, np * sizeof *coil);
            rotate(mp, coil, tmp, theta, spacing[1], spacing[2]);
        }
        mrv_fft_forward(mp->fft2, coil, 1);
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++)
                if (level[x] == lev)
                    k[y * nx + x] = coil[y * nx + x];
    }
}

static enum mrv_status motion_execute(const void *plan, uint64_t seed,
                                      const struct mrv_case *clean, struct mrv_array *data,
                                      struct mrv_drawn *drawn, struct mrv_error *err)
{
    const struct motion_plan *mp = plan;
    enum mrv_status st = mrv_pert_same_shape("motion", &mp->shape, data, err);
    if (st != MRV_OK)
        return st;
    const double *sp = clean->spacing;
    if (!(sp[1] > 0 && sp[2] > 0))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion: case %s has pixel spacing %g x %g mm, "
                             "expected positive", clean->id, sp[1], sp[2]);
    struct mrv_kview v;
    mrv_pert_kview("motion", data, &v, err);
    size_t ny = v.ny, nx = v.nx, np = ny * nx;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&mp->pool);
    float complex *obj = (float complex *)buf, *rot = obj + np, *tmp = rot + np,
                  *coil = tmp + np;
    double *dy = (double *)(coil + np), *dx = dy + nx, *th = dx + nx, *walk = th + nx;
    double *tx = walk + nx;
    size_t *rank = (size_t *)(tx + nx);
    int *level = (int *)(rank + nx);
    size_t timed = acquisition_times(mp, clean, tx, rank, level);

    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    draw_poses(mp, tx, rank, rng, dy, dx, th, walk, drawn);
    mrv_drawn_add(drawn, "lines_timed", (double)timed);

    /* Rotation levels j * step, |j| <= ROT_LEVELS; level 0 is untouched. */
    double tmax = 0;
    for (size_t x = 0; x < nx; x++)
        tmax = fabs(th[x]) > tmax ? fabs(th[x]) : tmax;
    double step = tmax / ROT_LEVELS;
    int used[2 * ROT_LEVELS + 1] = {0};
    for (size_t x = 0; x < nx; x++) {
        level[x] = step > 0 ? (int)lround(th[x] / step) : 0;
        used[level[x] + ROT_LEVELS] = 1;
    }
    const float complex *maps = mrv_pert_coil_maps(clean, &v);
    if (step > 0) {
        for (size_t s = 0; s < v.slices; s++) {
            if (maps) {
                /* object = sum_c conj(S_c) * coil image_c (RSS(S) = 1) */
                memset(obj, 0, np * sizeof *obj);
                for (size_t c = 0; c < v.coils; c++) {
                    memcpy(coil, v.k + (s * v.coils + c) * np, np * sizeof *coil);
                    mrv_fft_inverse(mp->fft2, coil, 1);
                    const float complex *S = maps + (s * v.coils + c) * np;
                    for (size_t i = 0; i < np; i++)
                        obj[i] += conjf(S[i]) * coil[i];
                }
                for (int l = -ROT_LEVELS; l <= ROT_LEVELS; l++)
                    if (l != 0 && used[l + ROT_LEVELS])
                        fill_level(mp, &v, s, maps, level, l, l * step, sp, obj, rot, tmp,
                                   coil);
            } else {
                for (size_t c = 0; c < v.coils; c++) {
                    struct mrv_kview one = v;
                    one.slices = 1;
                    one.coils = 1;
                    one.k = v.k + (s * v.coils + c) * np;
                    memcpy(obj, one.k, np * sizeof *obj);
                    mrv_fft_inverse(mp->fft2, obj, 1);
                    for (int l = -ROT_LEVELS; l <= ROT_LEVELS; l++)
                        if (l != 0 && used[l + ROT_LEVELS])
                            fill_level(mp, &one, 0, NULL, level, l, l * step, sp, obj, rot,
                                       tmp, coil);
                }
            }
        }
    }
    /* Translations: mm -> pixels of each axis, then the exact ramp. */
    int any = 0;
    for (size_t x = 0; x < nx; x++) {
        dy[x] /= sp[1];
        dx[x] /= sp[2];
        any |= dy[x] != 0.0 || dx[x] != 0.0;
    }
    if (any)
        mrv_pert_shift_columns(&v, dy, dx, tmp);

    double tmm = 0;
    for (size_t x = 0; x < nx; x++) {
        double d = hypot(dy[x] * sp[1], dx[x] * sp[2]);
        tmm = d > tmm ? d : tmm;
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&mp->pool, buf);
    mrv_drawn_add(drawn, "max_translation_mm", tmm);
    mrv_drawn_add(drawn, "max_rotation_deg", tmax * 180.0 / M_PI);
    mrv_drawn_add(drawn, "rotation_step_deg", step * 180.0 / M_PI);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_motion = {
    .name = "motion",
    .summary = "rigid in-plane motion during the scan, line by line in phase-encode order",
    .domain = MRV_DOMAIN_KSPACE,
    .params = motion_params,
    .severity = motion_severity,
    .plan = motion_plan_create,
    .execute = motion_execute,
    .destroy = motion_destroy,
};
