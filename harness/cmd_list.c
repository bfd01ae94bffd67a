/* mrvet list — what this build can do, from the registries. */
#include <stdio.h>
#include <string.h>

#include "adapters/adapter.h"
#include "datasets/dataset.h"
#include "harness/cli.h"
#include "metrics/metric.h"
#include "perturbations/perturb.h"

static const char list_help[] =
    "usage: mrvet list perturbations|metrics|adapters|datasets\n"
    "\n"
    "perturbations  each family with its parameters (unit, default, range) and\n"
    "               its severity table (severity 0 is always the clean input)\n"
    "metrics        each metric with its unit and direction\n"
    "adapters       adapter kinds and the built-in models\n"
    "datasets       test sets this build can open\n";

static void list_perturbations(void)
{
    int n;
    const struct mrv_perturbation *const *t = mrv_perturbation_list(&n);
    for (int i = 0; i < n; i++) {
        const struct mrv_perturbation *p = t[i];
        int np = mrv_perturbation_nparams(p);
        printf("%s (%s domain): %s\n", p->name,
               p->domain == MRV_DOMAIN_KSPACE ? "k-space" : "image", p->summary);
        for (int j = 0; j < np; j++) {
            const struct mrv_param *q = &p->params[j];
            printf("  %-14s %-4s default %g, range %g..%g: %s\n", q->name,
                   *q->unit ? q->unit : "-", q->def, q->min, q->max, q->doc);
        }
        printf("  severity       ");
        for (int j = 0; j < np; j++)
            printf("%s%s", j ? " / " : "", p->params[j].name);
        printf(":");
        for (int s = 0; s < MRV_SEVERITY_MAX; s++) {
            printf(" %d:", s + 1);
            for (int j = 0; j < np; j++)
                printf("%s%g", j ? "/" : "", p->severity[s][j]);
        }
        printf("\n");
    }
}

/* One line per metric (name, input kind, unit, direction, summary), then
 * its definition: what `mrvet list metrics` promises in its help. */
static void list_metrics(void)
{
    static const char *const kinds[] = {"image", "labels", "probs"};
    static const char *const dirs[] = {"higher is better", "lower is better",
                                       "closest to 0 is best"};
    int n;
    const struct mrv_metric *const *t = mrv_metric_list(&n);
    for (int i = 0; i < n; i++) {
        const struct mrv_metric *m = t[i];
        printf("%-10s %-6s %-3s %-20s %s\n", m->name, kinds[m->kind],
               *m->unit ? m->unit : "-", dirs[m->direction], m->summary);
        printf("%-10s   = %s\n", "", m->definition);
    }
}

static void list_adapters(void)
{
    int n, nm;
    const struct mrv_adapter_kind *const *t = mrv_adapter_kinds(&n);
    for (int i = 0; i < n; i++)
        printf("%-8s %s\n", t[i]->name, t[i]->summary);
    const struct mrv_builtin_model *m = mrv_builtin_models(&nm);
    for (int i = 0; i < nm; i++)
        printf("  builtin:%-12s %s: %s\n", m[i].name, mrv_task_name(m[i].task), m[i].summary);
}

static void list_datasets(void)
{
    int n;
    const struct mrv_dataset_kind *const *t = mrv_dataset_kinds(&n);
    for (int i = 0; i < n; i++)
        printf("%-11s %s\n", t[i]->name, t[i]->summary);
}

int mrv_cmd_list(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(list_help, stdout);
        return MRV_EXIT_OK;
    }
    if (argc != 2) {
        fputs(list_help, stderr);
        return MRV_EXIT_USAGE;
    }
    if (strcmp(argv[1], "perturbations") == 0)
        list_perturbations();
    else if (strcmp(argv[1], "metrics") == 0)
        list_metrics();
    else if (strcmp(argv[1], "adapters") == 0)
        list_adapters();
    else if (strcmp(argv[1], "datasets") == 0)
        list_datasets();
    else {
        fprintf(stderr, "mrvet list: '%s' is not one of perturbations, metrics, adapters, "
                        "datasets\n", argv[1]);
        return MRV_EXIT_USAGE;
    }
    return MRV_EXIT_OK;
}
