/* tests/metrics/test_registry.c — properties every registered metric obeys
 * (STYLE.md rule 12): metric(x, x) is the ideal value its direction
 * promises, and bad input (wrong dtype, mismatched or degenerate shapes,
 * NULL data) gives an error or a NULL with a reason — never a crash (this
 * test runs under ASan/UBSan in the sanitizer build). */
#include "tests_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "metrics/metric.h"

struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1.0p-53;
}

enum { NZ = 9, NY = 17, NX = 19, N = NZ * NY * NX, C = 3 };

static float img[N];
static uint8_t lab[N];
static float onehot[C * N];

static void fixtures(void)
{
    struct lcg g = {42};
    for (int i = 0; i < N; i++) {
        int z = i / (NY * NX), y = (i / NX) % NY, x = i % NX;
        img[i] = (float)(1 + sin(0.4 * x) * cos(0.3 * y) + 0.1 * z + 0.2 * lcg_uniform(&g));
        int r2 = (x - 9) * (x - 9) + (y - 8) * (y - 8) + 4 * (z - 4) * (z - 4);
        lab[i] = (uint8_t)(r2 < 20 ? 2 : r2 < 45 ? 1 : 0);
        for (int k = 0; k < C; k++)
            onehot[k * N + i] = lab[i] == k ? 1.0f : 0.0f;
    }
}

/* The ideal value of metric(x, x) for each direction and name. */
static double ideal(const struct mrv_metric *m)
{
    if (strcmp(m->name, "psnr") == 0)
        return INFINITY;
    if (m->direction == MRV_HIGHER_IS_BETTER)
        return 1.0;
    return 0.0;
}

static void identity_is_ideal(void **state)
{
    (void)state;
    fixtures();
    struct mrv_array fi, li, pi;
    size_t d3[3] = {NZ, NY, NX}, d4[4] = {C, NZ, NY, NX};
    mrv_array_borrow(&fi, MRV_F32, 3, d3, img);
    mrv_array_borrow(&li, MRV_U8, 3, d3, lab);
    mrv_array_borrow(&pi, MRV_F32, 4, d4, onehot);
    const double sp[3] = {2.0, 0.9, 1.1};
    int n;
    const struct mrv_metric *const *t = mrv_metric_list(&n);
    for (int i = 0; i < n; i++) {
        const struct mrv_metric *m = t[i];
        struct mrv_metric_value v = {0};
        struct mrv_error err = {0};
        const struct mrv_array *ref = m->kind == MRV_METRIC_IMAGE ? &fi : &li;
        const struct mrv_array *out = m->kind == MRV_METRIC_IMAGE  ? &fi
                                      : m->kind == MRV_METRIC_LABELS ? &li
                                                                     : &pi;
        assert_ok(m->compute(ref, out, sp, &v, &err), &err);
        if (v.null_reason)
            fail_msg("%s(x, x): NULL (%s)", m->name, v.null_reason);
        if (!(v.value == ideal(m)))
            fail_msg("%s(x, x) = %.17g, expected %g", m->name, v.value, ideal(m));
        /* Per label too, for label maps. */
        if (m->kind == MRV_METRIC_LABELS) {
            struct mrv_metric_args a;
            mrv_metric_args_init(&a, ref, out, sp);
            a.label = 2;
            assert_ok(m->eval(&a, &v, &err), &err);
            assert_true(v.value == ideal(m));
        }
    }
}

/* Every metric against every kind of wrong input: an error or a NULL with
 * a reason, never a crash or a silent number. */
static void bad_input_never_crashes(void **state)
{
    (void)state;
    fixtures();
    static float nanimg[N];
    memcpy(nanimg, img, sizeof img);
    nanimg[N / 2] = NAN;
    static float bigprob[C * N];
    for (int i = 0; i < C * N; i++)
        bigprob[i] = 1.5f;
    size_t d3[3] = {NZ, NY, NX}, d4[4] = {C, NZ, NY, NX}, d2[2] = {NY, NX},
           one[3] = {1, 1, 1}, other[3] = {NZ, NX, NY}, d1[1] = {N};
    struct mrv_array arr[12];
    mrv_array_borrow(&arr[0], MRV_F32, 3, d3, img);
    mrv_array_borrow(&arr[1], MRV_U8, 3, d3, lab);
    mrv_array_borrow(&arr[2], MRV_F32, 4, d4, onehot);
    mrv_array_borrow(&arr[3], MRV_F32, 2, d2, img);
    mrv_array_borrow(&arr[4], MRV_F32, 3, one, img);
    mrv_array_borrow(&arr[5], MRV_U8, 3, one, lab);
    mrv_array_borrow(&arr[6], MRV_F32, 3, other, img);
    mrv_array_borrow(&arr[7], MRV_F32, 3, d3, NULL);
    mrv_array_borrow(&arr[8], MRV_F32, 3, d3, nanimg);
    mrv_array_borrow(&arr[9], MRV_F32, 4, d4, bigprob);
    mrv_array_borrow(&arr[10], MRV_F32, 1, d1, img);
    mrv_array_borrow(&arr[11], MRV_C64, 3, d3, onehot);
    const double sp[3] = {1, 1, 1};
    int n;
    const struct mrv_metric *const *t = mrv_metric_list(&n);
    for (int i = 0; i < n; i++)
        for (int r = 0; r < 12; r++)
            for (int o = 0; o < 12; o++) {
                struct mrv_metric_value v = {0};
                struct mrv_error err = {0};
                enum mrv_status s = t[i]->compute(&arr[r], &arr[o], sp, &v, &err);
                if (s == MRV_OK) {
                    if (isnan(v.value) && !v.null_reason)
                        fail_msg("%s(%d, %d): NaN without a reason", t[i]->name, r, o);
                } else {
                    assert_true(s == MRV_EINVAL || s == MRV_EMISUSE);
                    assert_true(strlen(err.msg) > 0);
                }
            }
    /* NULL pointers are misuse, not crashes. */
    for (int i = 0; i < n; i++) {
        struct mrv_metric_value v;
        struct mrv_error err = {0};
        assert_int_equal(t[i]->compute(NULL, &arr[0], sp, &v, &err), MRV_EMISUSE);
        assert_int_equal(t[i]->eval(NULL, &v, &err), MRV_EMISUSE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_is_ideal),
        cmocka_unit_test(bad_input_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
