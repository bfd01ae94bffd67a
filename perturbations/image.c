#include "perturbations/image.h"

#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "perturbations/common.h"

struct mrv_image_plan {
    const struct mrv_perturbation *pert;
    void *inner;
    size_t slices, ny, nx;
    struct mrv_fft *fft2;
    struct mrv_scratch_pool pool;
};

void mrv_image_plan_destroy(struct mrv_image_plan *ip)
{
    if (!ip)
        return;
    if (ip->inner)
        ip->pert->destroy(ip->inner);
    mrv_fft_destroy(ip->fft2);
    mrv_scratch_destroy(&ip->pool);
    free(ip);
}

enum mrv_status mrv_image_plan_create(const struct mrv_perturbation *pert,
                                      const struct mrv_array *shape, const double *p,
                                      struct mrv_image_plan **out, struct mrv_error *err)
{
    *out = NULL;
    if (pert->layouts & MRV_LAYOUT_IMAGE)
        return mrv_error_set(err, MRV_EMISUSE,
                             "perturbation %s handles magnitude images itself; call it directly",
                             pert->name);
    if (pert->domain != MRV_DOMAIN_KSPACE)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: not a k-space family, cannot be adapted",
                             pert->name);
    if (!shape || shape->dtype != MRV_F32 || shape->ndim < 2 || shape->ndim > 3)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: needs a magnitude image (slices, y, x) f32, "
                             "got %s data of rank %d", pert->name,
                             shape ? mrv_dtype_name(shape->dtype) : "no", shape ? shape->ndim : 0);
    struct mrv_image_plan *ip = calloc(1, sizeof *ip);
    if (!ip)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation %s: out of memory", pert->name);
    ip->pert = pert;
    ip->slices = shape->ndim == 3 ? shape->dims[0] : 1;
    ip->ny = shape->dims[shape->ndim - 2];
    ip->nx = shape->dims[shape->ndim - 1];
    size_t kd[3] = {ip->slices, ip->ny, ip->nx}, n2[2] = {ip->ny, ip->nx};
    struct mrv_array kshape;
    mrv_array_borrow(&kshape, MRV_C64, 3, kd, NULL); /* plans read dims only */
    enum mrv_status s = pert->plan(&kshape, p, &ip->inner, err);
    if (s == MRV_OK)
        s = mrv_fft_plan_create(2, n2, &ip->fft2, err);
    if (s == MRV_OK)
        s = mrv_scratch_create(&ip->pool, ip->slices * ip->ny * ip->nx * sizeof(float complex),
                               pert->name, err);
    if (s != MRV_OK) {
        mrv_image_plan_destroy(ip);
        return s;
    }
    *out = ip;
    return MRV_OK;
}

enum mrv_status mrv_image_execute(const struct mrv_image_plan *ip, uint64_t seed,
                                  const struct mrv_case *clean, struct mrv_array *data,
                                  struct mrv_drawn *drawn, struct mrv_error *err)
{
    size_t n = ip->slices * ip->ny * ip->nx;
    if (data->dtype != MRV_F32 || mrv_array_count(data) != n ||
        data->dims[data->ndim - 1] != ip->nx || data->dims[data->ndim - 2] != ip->ny)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: image is not the planned (%zu, %zu, %zu) f32",
                             ip->pert->name, ip->slices, ip->ny, ip->nx);
    float complex *k = mrv_scratch_take((struct mrv_scratch_pool *)&ip->pool);
    float *img = data->data;
    for (size_t i = 0; i < n; i++)
        k[i] = img[i];
    mrv_fft_forward(ip->fft2, k, ip->slices);
    size_t kd[3] = {ip->slices, ip->ny, ip->nx};
    struct mrv_array view;
    mrv_array_borrow(&view, MRV_C64, 3, kd, k);
    enum mrv_status s = ip->pert->execute(ip->inner, seed, clean, &view, drawn, err);
    if (s == MRV_OK) {
        mrv_fft_inverse(ip->fft2, k, ip->slices);
        for (size_t i = 0; i < n; i++)
            img[i] = cabsf(k[i]);
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&ip->pool, k);
    return s;
}
