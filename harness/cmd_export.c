/* mrvet export — the store as one tidy table for pandas, R, spreadsheets. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"
#include "harness/cli.h"
#include "store/store.h"

static const char export_help[] =
    "usage: mrvet export DB --format csv|json [-o FILE]\n"
    "\n"
    "Writes one row per (run, case, perturbation, severity, repeat, metric): study,\n"
    "model, model_version, dataset, case, family, severity, repeat, seed, metric,\n"
    "value, null_reason, params (the drawn parameters, JSON) and run_id.\n"
    "CSV follows RFC 4180; an undefined value is empty with its null_reason, and\n"
    "infinities are written inf / -inf. JSON is an array of objects; an undefined\n"
    "value is null, infinities are the strings \"+inf\" / \"-inf\".\n"
    "\n"
    "options:\n"
    "  -f, --format csv|json  required\n"
    "  -o, --output FILE      default: standard output\n";

struct out {
    FILE *f;
    int json;
    size_t rows;
};

static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static int emit(void *ctx, const struct mrv_export_row *r)
{
    struct out *o = ctx;
    char num[64], ints[3][32];
    if (isnan(r->value))
        num[0] = '\0';
    else if (isinf(r->value))
        snprintf(num, sizeof num, "%s", r->value > 0 ? "inf" : "-inf");
    else
        snprintf(num, sizeof num, "%.17g", r->value);
    snprintf(ints[0], sizeof ints[0], "%d", r->severity);
    snprintf(ints[1], sizeof ints[1], "%d", r->repeat);
    snprintf(ints[2], sizeof ints[2], "%llu", (unsigned long long)r->seed);
    if (!o->json) {
        const char *cols[] = {r->study, r->model, r->model_version, r->dataset, r->case_key,
                              r->family, ints[0], ints[1], ints[2], r->metric, num,
                              r->null_reason ? r->null_reason : "", r->params};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            csv_field(o->f, cols[i], 0);
        fprintf(o->f, "%lld\n", (long long)r->run_id);
    } else {
        struct mrv_strbuf b;
        mrv_strbuf_init(&b);
        mrv_strbuf_append(&b, o->rows ? ",\n{" : "\n{");
        const char *keys[] = {"study", "model", "model_version", "dataset", "case", "family",
                              "metric"};
        const char *vals[] = {r->study, r->model, r->model_version, r->dataset, r->case_key,
                              r->family, r->metric};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            mrv_strbuf_printf(&b, "\"%s\":", keys[i]);
            mrv_strbuf_json_string(&b, vals[i]);
            mrv_strbuf_append(&b, ",");
        }
        mrv_strbuf_printf(&b, "\"severity\":%d,\"repeat\":%d,\"seed\":%llu,\"value\":",
                          r->severity, r->repeat, (unsigned long long)r->seed);
        if (isinf(r->value))
            mrv_strbuf_append(&b, r->value > 0 ? "\"+inf\"" : "\"-inf\"");
        else
            mrv_strbuf_json_number(&b, r->value);
        mrv_strbuf_append(&b, ",\"null_reason\":");
        if (r->null_reason)
            mrv_strbuf_json_string(&b, r->null_reason);
        else
            mrv_strbuf_append(&b, "null");
        mrv_strbuf_printf(&b, ",\"params\":%s,\"run_id\":%lld}", r->params,
                          (long long)r->run_id);
        int ok = mrv_strbuf_ok(&b);
        fputs(mrv_strbuf_str(&b), o->f);
        mrv_strbuf_free(&b);
        if (!ok)
            return 1;
    }
    o->rows++;
    return ferror(o->f) ? 1 : 0;
}

int mrv_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL, *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': path = optarg; break;
        case 'h': fputs(export_help, stdout); return MRV_EXIT_OK;
        default: fputs(export_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !format || (strcmp(format, "csv") && strcmp(format, "json"))) {
        fprintf(stderr, "mrvet export: expected DB and --format csv|json "
                        "(see `mrvet export --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct mrv_error err = {0};
    struct mrv_store *db;
    if (mrv_store_open_readonly(argv[optind], &db, &err) != MRV_OK)
        return mrv_cli_fail("export", &err);
    struct out o = {stdout, strcmp(format, "json") == 0, 0};
    if (path && !(o.f = fopen(path, "w"))) {
        mrv_store_close(db);
        fprintf(stderr, "mrvet export: cannot write %s\n", path);
        return MRV_EXIT_USAGE;
    }
    if (o.json)
        fputs("[", o.f);
    else
        fputs("study,model,model_version,dataset,case,family,severity,repeat,seed,metric,"
              "value,null_reason,params,run_id\n", o.f);
    enum mrv_status s = mrv_store_export(db, emit, &o, &err);
    if (o.json)
        fputs("\n]\n", o.f);
    mrv_store_close(db);
    int bad = (path ? fclose(o.f) : fflush(o.f)) != 0;
    if (s != MRV_OK)
        return mrv_cli_fail("export", &err);
    if (bad) {
        fprintf(stderr, "mrvet export: error writing %s\n", path ? path : "standard output");
        return MRV_EXIT_USAGE;
    }
    return MRV_EXIT_OK;
}
