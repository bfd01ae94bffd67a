#include "datasets/coils.h"

#include <math.h>
#include <stdlib.h>

enum mrv_status mrv_coils_simulate(int ncoils, size_t ny, size_t nx,
                                   float complex *maps, struct mrv_error *err)
{
    if (ncoils < 1 || ncoils > 128)
        return mrv_error_set(err, MRV_EINVAL, "coils: %d coils, expected 1..128", ncoils);
    const double ring = 1.5, a = 0.5;
    size_t npix = ny * nx;
    for (int c = 0; c < ncoils; c++) {
        double theta = 2.0 * M_PI * c / ncoils;
        double px = ring * cos(theta), py = ring * sin(theta);
        double offset = 0.7 * c; /* arbitrary, fixed per coil */
        for (size_t r = 0; r < ny; r++) {
            double y = ny > 1 ? 1.0 - 2.0 * (double)r / (double)(ny - 1) : 0.0;
            for (size_t q = 0; q < nx; q++) {
                double x = nx > 1 ? 2.0 * (double)q / (double)(nx - 1) - 1.0 : 0.0;
                double dx = x - px, dy = y - py;
                double d2 = dx * dx + dy * dy;
                double mag = a * a / pow(a * a + d2, 1.5);
                double ph = atan2(dy, dx) - theta + offset;
                maps[(size_t)c * npix + r * nx + q] = (float complex)(mag * cexp(I * ph));
            }
        }
    }
    for (size_t i = 0; i < npix; i++) {
        double ss = 0.0;
        for (int c = 0; c < ncoils; c++) {
            float complex v = maps[(size_t)c * npix + i];
            ss += (double)crealf(v) * crealf(v) + (double)cimagf(v) * cimagf(v);
        }
        float inv = (float)(1.0 / sqrt(ss));
        for (int c = 0; c < ncoils; c++)
            maps[(size_t)c * npix + i] *= inv;
    }
    return MRV_OK;
}
