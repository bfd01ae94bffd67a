/* motion3d: rigid 3D motion of a magnitude volume, TorchIO-compatible
 * semantics (TorchIO RandomMotion; Shaw et al., MIDL 2019), image domain.
 *
 * The volume (slices = z, y, x) f32 with spacing (dz, dy, dx) mm is seen
 * in `num_transforms` + 1 poses; k-space is split along the last axis (the
 * phase-encode axis, acquired sequentially) at times
 * t_k = k/(n+1) + U(-0.3, 0.3)/(n+1), k = 1..n, boundaries floor(nx t_k);
 * the segment holding the k-space centre keeps the reference pose (as
 * TorchIO), the others take the n transforms in order. Each transform is
 * R = Rz(c) Ry(b) Rx(a) about the volume centre with angles ~ U(-deg, deg)
 * and a translation ~ U(-t, t) mm per axis; the moved volume is
 * out(r) = vol(R^T (r - t)) (coordinates in mm from the centre), resampled
 * trilinearly (TorchIO's default linear interpolation), zero outside.
 * Output: the magnitude of the inverse FFT of the stitched k-space.
 *
 * Speed: the spectra are stitched along kx only, so the FFTs along z and y
 * cancel against the inverse: per pose, one FFT along x of each resampled
 * row (in cache), keeping that pose's columns; one inverse FFT along x.
 * Rows are real, so two go through one complex FFT (pair_spectra).
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param m3_params[] = {
    {"degrees", "deg", 5.0, 0.0, 45.0, "rotation about each axis drawn in U(-deg, deg)"},
    {"translation_mm", "mm", 5.0, 0.0, 50.0, "translation along each axis in U(-t, t)"},
    {"num_transforms", "", 3, 1, 8, "poses besides the reference (segments - 1)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* ROOD-MRI: +-1..5 deg, +-2..10 mm, 2..10 transforms (capped at 8). */
static const double m3_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {1, 2, 2}, {2, 4, 4}, {3, 6, 6}, {4, 8, 8}, {5, 10, 8},
};

#define M3_MAX 9

struct m3_plan {
    double deg, trans;
    int n;
    size_t nz, ny, nx;
    struct mrv_fft *fftx;
    struct mrv_scratch_pool pool; /* K (volume), one complex row, two real rows */
};

static void m3_destroy(void *plan)
{
    struct m3_plan *mp = plan;
    if (!mp)
        return;
    mrv_fft_destroy(mp->fftx);
    mrv_scratch_destroy(&mp->pool);
    free(mp);
}

static enum mrv_status m3_plan_create(const struct mrv_array *shape, const double *p,
                                      void **plan, struct mrv_error *err)
{
    *plan = NULL;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_motion3d, p, err);
    if (s != MRV_OK)
        return s;
    if (shape->dtype != MRV_F32 || shape->ndim != 3 || shape->dims[0] < 2 ||
        shape->dims[1] < 2 || shape->dims[2] < 2)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3d: needs a magnitude volume (z, y, x) f32 "
                             "of at least 2 x 2 x 2, got %s data of rank %d",
                             mrv_dtype_name(shape->dtype), shape->ndim);
    struct m3_plan *mp = calloc(1, sizeof *mp);
    if (!mp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation motion3d: out of memory");
    mp->deg = p[0];
    mp->trans = p[1];
    mp->n = (int)lround(p[2]);
    mp->nz = shape->dims[0];
    mp->ny = shape->dims[1];
    mp->nx = shape->dims[2];
    size_t nv = mp->nz * mp->ny * mp->nx;
    if ((s = mrv_fft_plan_create(1, &mp->nx, &mp->fftx, err)) != MRV_OK ||
        (s = mrv_scratch_create(&mp->pool, (nv + mp->nx) * sizeof(float complex) +
                                2 * mp->nx * sizeof(float), "motion3d",
                                err)) != MRV_OK) {
        m3_destroy(mp);
        return s;
    }
    *plan = mp;
    return MRV_OK;
}

/* Row (z, y) of the volume moved by (R, t): out(r) = vol(R^T (r - t)),
 * trilinear, zero outside. A, b: see resample_setup(). */
struct m3_map {
    double A[3][3], b[3], c[3];
    double lo[3], hi[3]; /* source coordinates that can be non-zero */
};

static void resample_setup(const struct m3_plan *mp, const double *sp, const double R[3][3],
                           const double *t, struct m3_map *m)
{
    /* source voxel = A (r_vox - c) + b + c, A = S^-1 R^T S, b = -S^-1 R^T t */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m->A[i][j] = R[j][i] * sp[j] / sp[i];
    for (int i = 0; i < 3; i++) {
        m->b[i] = 0;
        for (int j = 0; j < 3; j++)
            m->b[i] -= R[j][i] * t[j] / sp[i];
    }
    m->c[0] = (double)(mp->nz / 2);
    m->c[1] = (double)(mp->ny / 2);
    m->c[2] = (double)(mp->nx / 2);
}

/* Bounding box of the non-zero voxels, grown by one voxel and kept within
 * the volume, into m->lo / m->hi (an empty volume gives lo > hi). */
static void nonzero_box(const struct m3_plan *mp, const float *vol, double lo[3], double hi[3])
{
    size_t n[3] = {mp->nz, mp->ny, mp->nx}, mn[3] = {n[0], n[1], n[2]}, mx[3] = {0, 0, 0};
    int any = 0;
    for (size_t z = 0; z < n[0]; z++)
        for (size_t y = 0; y < n[1]; y++) {
            const float *r = vol + (z * n[1] + y) * n[2];
            for (size_t x = 0; x < n[2]; x++)
                if (r[x] != 0.0f) {
                    size_t p[3] = {z, y, x};
                    for (int i = 0; i < 3; i++) {
                        mn[i] = p[i] < mn[i] ? p[i] : mn[i];
                        mx[i] = p[i] > mx[i] ? p[i] : mx[i];
                    }
                    any = 1;
                }
        }
    for (int i = 0; i < 3; i++) {
        lo[i] = any ? fmax((double)mn[i] - 1.0, 0.0) : 1.0;
        hi[i] = any ? fmin((double)mx[i] + 1.0, (double)(n[i] - 1)) : 0.0;
    }
}

static void resample_row(const struct m3_plan *mp, const float *vol, const struct m3_map *m,
                         size_t z, size_t y, float *row)
{
    size_t nz = mp->nz, ny = mp->ny, nx = mp->nx;
    double r0[3] = {(double)z - m->c[0], (double)y - m->c[1], -m->c[2]};
    double s[3];
    for (int i = 0; i < 3; i++)
        s[i] = m->A[i][0] * r0[0] + m->A[i][1] * r0[1] + m->A[i][2] * r0[2] + m->b[i] + m->c[i];
    /* The source point moves linearly with x; outside [lo, hi] on any axis
     * (the non-zero bounding box grown by one voxel, within the volume)
     * every trilinear corner is zero. Solve for the x interval, widened by
     * one sample for rounding; the per-sample test below stays exact. */
    double xa = 0, xb = (double)nx - 1;
    for (int i = 0; i < 3; i++) {
        double a = m->A[i][2];
        if (fabs(a) < 1e-12) {
            if (s[i] < m->lo[i] || s[i] > m->hi[i])
                xb = -1;
            continue;
        }
        double t0 = (m->lo[i] - s[i]) / a, t1 = (m->hi[i] - s[i]) / a;
        if (t0 > t1) {
            double t = t0;
            t0 = t1;
            t1 = t;
        }
        xa = t0 > xa ? t0 : xa;
        xb = t1 < xb ? t1 : xb;
    }
    size_t x0 = 0, x1 = 0;
    if (xb >= xa) {
        double fa = floor(xa) - 1, fb = ceil(xb) + 2;
        x0 = fa < 0 ? 0 : (size_t)fa;
        x1 = fb > (double)nx ? nx : (size_t)fb;
    }
    for (size_t x = 0; x < x0 && x < nx; x++)
        row[x] = 0.0f;
    for (size_t x = x1 > x0 ? x1 : x0; x < nx; x++)
        row[x] = 0.0f;
    for (size_t x = x0; x < x1; x++) {
        double sz = s[0] + m->A[0][2] * (double)x, sy = s[1] + m->A[1][2] * (double)x,
               sx = s[2] + m->A[2][2] * (double)x;
        /* inside [0, n-1] on every axis; the last voxel is
         * reached with weight 1 from its neighbour */
        if (!(sz >= 0 && sy >= 0 && sx >= 0 && sz <= (double)(nz - 1) &&
              sy <= (double)(ny - 1) && sx <= (double)(nx - 1))) {
            row[x] = 0.0f;
            continue;
        }
        /* s >= 0 here, so truncation is floor (and no libm call) */
        double fz = (double)(long)sz, fy = (double)(long)sy, fx = (double)(long)sx;
        fz = fz > (double)(nz - 2) ? (double)(nz - 2) : fz;
        fy = fy > (double)(ny - 2) ? (double)(ny - 2) : fy;
        fx = fx > (double)(nx - 2) ? (double)(nx - 2) : fx;
        long iz = (long)fz, iy = (long)fy, ix = (long)fx;
        double wz = sz - fz, wy = sy - fy, wx = sx - fx;
        const float *v = vol + ((size_t)iz * ny + (size_t)iy) * nx + (size_t)ix;
        size_t dy = nx, dz = ny * nx;
        double c00 = v[0] + wx * (v[1] - v[0]);
        double c01 = v[dy] + wx * (v[dy + 1] - v[dy]);
        double c10 = v[dz] + wx * (v[dz + 1] - v[dz]);
        double c11 = v[dz + dy] + wx * (v[dz + dy + 1] - v[dz + dy]);
        double c0 = c00 + wy * (c01 - c00), c1 = c10 + wy * (c11 - c10);
        row[x] = (float)(c0 + wz * (c1 - c0));
    }
}

static void rotation(double a, double b, double c, double R[3][3])
{
    /* axes in array order (z, y, x): a turns in the (z, y) plane (about
     * x), b in (z, x) (about y), c in (y, x) (about z); R = Rc Rb Ra, each
     * G with G_ii = G_jj = cos, G_ij = sin, G_ji = -sin for its (i, j) */
    double ca = cos(a), sa = sin(a), cb = cos(b), sb = sin(b), cc = cos(c), sc = sin(c);
    double Ra[3][3] = {{ca, sa, 0}, {-sa, ca, 0}, {0, 0, 1}};
    double Rb[3][3] = {{cb, 0, sb}, {0, 1, 0}, {-sb, 0, cb}};
    double Rc[3][3] = {{1, 0, 0}, {0, cc, sc}, {0, -sc, cc}};
    double T[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            T[i][j] = 0;
            for (int k = 0; k < 3; k++)
                T[i][j] += Rb[i][k] * Ra[k][j];
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            R[i][j] = 0;
            for (int k = 0; k < 3; k++)
                R[i][j] += Rc[i][k] * T[k][j];
        }
}

/* The centred spectra of the real rows a and b (b may be NULL), columns
 * [x0, x1) only, into ka and kb, from one complex FFT of a + i b. The
 * centred DFT of a real row is Hermitian about index nx/2: the mirror of
 * column x is (2 (nx/2) - x) mod nx. All-zero rows (background) have an
 * all-zero spectrum and skip the FFT. `z` is scratch of nx. */
static void pair_spectra(const struct mrv_fft *fftx, size_t nx, const float *a, const float *b,
                         size_t x0, size_t x1, float complex *z, float complex *ka,
                         float complex *kb)
{
    int any = 0;
    for (size_t x = 0; x < nx; x++) {
        float bi = b ? b[x] : 0.0f;
        z[x] = a[x] + I * bi;
        any |= a[x] != 0.0f || bi != 0.0f;
    }
    if (!any) {
        memset(ka + x0, 0, (x1 - x0) * sizeof *ka);
        if (kb)
            memset(kb + x0, 0, (x1 - x0) * sizeof *kb);
        return;
    }
    mrv_fft_forward(fftx, z, 1);
    if (!kb) {
        memcpy(ka + x0, z + x0, (x1 - x0) * sizeof *z);
        return;
    }
    size_t c2 = 2 * (nx / 2);
    for (size_t x = x0; x < x1; x++) {
        float complex zm = conjf(z[(c2 + nx - x) % nx]);
        ka[x] = 0.5f * (z[x] + zm);
        kb[x] = -0.5f * I * (z[x] - zm);
    }
}

static enum mrv_status m3_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                  struct mrv_array *data, struct mrv_drawn *drawn,
                                  struct mrv_error *err)
{
    const struct m3_plan *mp = plan;
    if (data->dtype != MRV_F32 || data->ndim != 3 || data->dims[0] != mp->nz ||
        data->dims[1] != mp->ny || data->dims[2] != mp->nx)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3d: volume does not have the planned shape "
                             "(%zu, %zu, %zu) f32", mp->nz, mp->ny, mp->nx);
    const double *sp = clean->spacing;
    if (!(sp[0] > 0 && sp[1] > 0 && sp[2] > 0))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation motion3d: case %s has spacing %g x %g x %g mm, "
                             "expected positive", clean->id, sp[0], sp[1], sp[2]);
    size_t nz = mp->nz, ny = mp->ny, nx = mp->nx, nzy = nz * ny, nv = nzy * nx;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    int n = mp->n;
    size_t bound[M3_MAX + 1];
    bound[0] = 0;
    bound[n + 1] = nx;
    for (int k = 1; k <= n; k++) {
        double tk = (double)k / (n + 1) + (0.6 * gsl_rng_uniform(rng) - 0.3) / (n + 1);
        bound[k] = (size_t)floor((double)nx * tk);
    }
    double R[M3_MAX][3][3], T[M3_MAX][3], ang0[3] = {0};
    for (int k = 0; k < n; k++) {
        double ang[3];
        for (int i = 0; i < 3; i++)
            ang[i] = (2 * gsl_rng_uniform(rng) - 1) * mp->deg * M_PI / 180.0;
        for (int i = 0; i < 3; i++)
            T[k][i] = (2 * gsl_rng_uniform(rng) - 1) * mp->trans;
        rotation(ang[0], ang[1], ang[2], R[k]);
        if (k == 0)
            memcpy(ang0, ang, sizeof ang0);
    }
    /* Stitching happens along kx only, so the FFTs along z and y commute
     * with it and cancel against the inverse: K (hybrid space: z, y, kx)
     * = FFT_x of each pose's rows, restricted to its columns; the output
     * is |IFFT_x(K)|. Rows are resampled, transformed and copied one at a
     * time, in cache. */
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&mp->pool);
    float complex *K = (float complex *)buf, *row = K + nv;
    float *ra = (float *)(row + nx), *rb = ra + nx;
    const float *vol = data->data;
    double box_lo[3], box_hi[3];
    nonzero_box(mp, vol, box_lo, box_hi);
    int next = 0;
    for (int sgm = 0; sgm <= n; sgm++) {
        size_t x0 = bound[sgm], x1 = bound[sgm + 1];
        if (x1 <= x0)
            continue;
        int centre = nx / 2 >= x0 && nx / 2 < x1;
        struct m3_map map = {0};
        if (!centre) {
            resample_setup(mp, sp, (const double(*)[3])R[next], T[next], &map);
            memcpy(map.lo, box_lo, sizeof box_lo);
            memcpy(map.hi, box_hi, sizeof box_hi);
            next++;
        }
        /* Rows two at a time: both are real, so one complex FFT of
         * a + i b gives both spectra (A = (Z + conj Z~)/2, B = (Z - conj
         * Z~)/2i, Z~ the spectrum at the mirrored frequency), half the
         * forward transforms; only this pose's columns are kept. */
        for (size_t i = 0; i < nzy; i += 2) {
            int two = i + 1 < nzy;
            const float *a = vol + i * nx, *b = two ? vol + (i + 1) * nx : NULL;
            if (!centre) {
                resample_row(mp, vol, &map, i / ny, i % ny, ra);
                a = ra;
                if (two) {
                    resample_row(mp, vol, &map, (i + 1) / ny, (i + 1) % ny, rb);
                    b = rb;
                }
            }
            pair_spectra(mp->fftx, nx, a, b, x0, x1, row, K + i * nx,
                         two ? K + (i + 1) * nx : NULL);
        }
    }
    for (size_t i = 0; i < nzy; i++) {
        int any = 0;
        for (size_t x = 0; x < nx && !any; x++)
            any = K[i * nx + x] != 0.0f;
        if (any)
            mrv_fft_inverse(mp->fftx, K + i * nx, 1);
    }
    float *out = data->data;
    for (size_t i = 0; i < nv; i++)
        out[i] = sqrtf(crealf(K[i]) * crealf(K[i]) + cimagf(K[i]) * cimagf(K[i]));
    mrv_scratch_give((struct mrv_scratch_pool *)&mp->pool, buf);
    mrv_drawn_add(drawn, "segments", n + 1);
    for (int k = 1; k <= n && k <= 4; k++) {
        static const char *const names[] = {"", "boundary1", "boundary2", "boundary3",
                                            "boundary4"};
        mrv_drawn_add(drawn, names[k], (double)bound[k]);
    }
    /* the first transform, in (z, y, x) order */
    static const char *const tn[] = {"t1_z_mm", "t1_y_mm", "t1_x_mm"};
    static const char *const an[] = {"t1_a_deg", "t1_b_deg", "t1_c_deg"};
    for (int i = 0; i < 3; i++)
        mrv_drawn_add(drawn, tn[i], T[0][i]);
    for (int i = 0; i < 3; i++)
        mrv_drawn_add(drawn, an[i], ang0[i] * 180.0 / M_PI);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_motion3d = {
    .name = "motion3d",
    .summary = "rigid 3D motion of a magnitude volume, spectra stitched (TorchIO semantics)",
    .domain = MRV_DOMAIN_IMAGE,
    .params = m3_params,
    .severity = m3_severity,
    .plan = m3_plan_create,
    .execute = m3_execute,
    .destroy = m3_destroy,
    .layouts = MRV_LAYOUT_IMAGE | MRV_LAYOUT_VOLUME,
};
