/* perturbations/image.h — any k-space family on magnitude images.
 *
 * Image tasks (synthesis, segmentation, classification) hand models a
 * magnitude image (slices, y, x) f32, not k-space. The scanner effect still
 * happens in k-space, so the adapter does what the scanner and the
 * reconstruction would: image -> centred orthonormal FFT per slice
 * (single-coil k-space, the image taken as real and positive: its phase is
 * unknown) -> the family's execute() -> inverse FFT -> magnitude. This is
 * the TorchIO/MONAI route (they keep the real part; mrvet keeps |.|, what a
 * magnitude reconstruction shows), with mrvet's physics inside.
 *
 * Families that need several coils (coil_dropout) refuse single-coil data
 * at plan time, naming the coil count.
 * Families that handle images natively (descriptor `layouts` has
 * MRV_LAYOUT_IMAGE: noise's Rician model, motion3d) should be called
 * directly; the adapter refuses them so that the right model is used.
 * Plan/execute as for families: the plan holds the inner plan, an FFT plan
 * and a scratch pool; execute allocates nothing and is reentrant.
 */
#ifndef MRV_PERTURBATIONS_IMAGE_H
#define MRV_PERTURBATIONS_IMAGE_H

#include "perturbations/perturb.h"

struct mrv_image_plan;

/* Plan family `pert` at parameters `p` for magnitude images of `shape`
 * ((slices, y, x) or (y, x) f32). MRV_EINVAL naming what is wrong. */
enum mrv_status mrv_image_plan_create(const struct mrv_perturbation *pert,
                                      const struct mrv_array *shape, const double *p,
                                      struct mrv_image_plan **out, struct mrv_error *err);

/* Perturb `data` (the planned shape, f32) in place. `clean` supplies the
 * reference, spacing and metadata as for k-space. Thread-safe. */
enum mrv_status mrv_image_execute(const struct mrv_image_plan *ip, uint64_t seed,
                                  const struct mrv_case *clean, struct mrv_array *data,
                                  struct mrv_drawn *drawn, struct mrv_error *err);

/* NULL is a no-op. */
void mrv_image_plan_destroy(struct mrv_image_plan *ip);

#endif
