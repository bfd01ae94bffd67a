#include "datasets/phantom.h"

#include <math.h>

/* 2D modified Shepp–Logan, Toft's intensities: A, a, b, x0, y0, phi(deg). */
static const double toft2d[10][6] = {
    {1.0, 0.69, 0.92, 0.0, 0.0, 0.0},
    {-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0},
    {-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0},
    {-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0},
    {0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0},
    {0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0},
    {0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0},
    {0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0},
    {0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0},
    {0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0},
};

/* 3D modified Shepp–Logan (phantom3d): A, a, b, c, x0, y0, z0, phi(deg).
 * The table's theta is 0 for every ellipsoid; its psi (10 deg for the two
 * ventricles) is folded out so that every ellipsoid only turns about z,
 * which keeps each axial section an ellipse of the 2D geometry. */
static const double modified3d[10][8] = {
    {1.0, 0.6900, 0.920, 0.810, 0.0, 0.0, 0.0, 0.0},
    {-0.8, 0.6624, 0.874, 0.780, 0.0, -0.0184, 0.0, 0.0},
    {-0.2, 0.1100, 0.310, 0.220, 0.22, 0.0, 0.0, -18.0},
    {-0.2, 0.1600, 0.410, 0.280, -0.22, 0.0, 0.0, 18.0},
    {0.1, 0.2100, 0.250, 0.410, 0.0, 0.35, -0.15, 0.0},
    {0.1, 0.0460, 0.046, 0.050, 0.0, 0.1, 0.25, 0.0},
    {0.1, 0.0460, 0.046, 0.050, 0.0, -0.1, 0.25, 0.0},
    {0.1, 0.0460, 0.023, 0.050, -0.08, -0.605, 0.0, 0.0},
    {0.1, 0.0230, 0.023, 0.020, 0.0, -0.606, 0.0, 0.0},
    {0.1, 0.0230, 0.046, 0.020, 0.06, -0.605, 0.0, 0.0},
};

static double axis_coord(size_t i, size_t n)
{
    /* MATLAB: ((0:n-1) - (n-1)/2) / ((n-1)/2) */
    return n > 1 ? ((double)i - (double)(n - 1) / 2.0) / ((double)(n - 1) / 2.0) : 0.0;
}

/* Add intensity A inside the ellipse (x0, y0, a, b, phi) to out. */
static void add_ellipse(size_t ny, size_t nx, float *out, double A, double a, double b,
                        double x0, double y0, double phi_deg)
{
    double phi = phi_deg * M_PI / 180.0, c = cos(phi), s = sin(phi);
    double a2 = a * a, b2 = b * b;
    for (size_t r = 0; r < ny; r++) {
        double y = -axis_coord(r, ny) - y0; /* row 0 is the top: y = +1 */
        for (size_t col = 0; col < nx; col++) {
            double x = axis_coord(col, nx) - x0;
            double u = x * c + y * s, v = y * c - x * s;
            if (u * u / a2 + v * v / b2 <= 1.0)
                out[r * nx + col] += (float)A;
        }
    }
}

void mrv_phantom_shepp_logan_2d(size_t ny, size_t nx, float *out)
{
    for (size_t i = 0; i < ny * nx; i++)
        out[i] = 0.0f;
    for (int e = 0; e < 10; e++) {
        const double *t = toft2d[e];
        add_ellipse(ny, nx, out, t[0], t[1], t[2], t[3], t[4], t[5]);
    }
}

void mrv_phantom_shepp_logan_3d_slice(size_t ny, size_t nx, double z, float *out)
{
    for (size_t i = 0; i < ny * nx; i++)
        out[i] = 0.0f;
    for (int e = 0; e < 10; e++) {
        const double *t = modified3d[e];
        double dz = (z - t[6]) / t[3];
        if (dz * dz >= 1.0)
            continue;
        /* the section of an ellipsoid at height dz*c shrinks by sqrt(1-dz^2) */
        double k = sqrt(1.0 - dz * dz);
        add_ellipse(ny, nx, out, t[0], t[1] * k, t[2] * k, t[4], t[5], t[7]);
    }
}
