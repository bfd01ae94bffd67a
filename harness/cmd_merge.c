/* mrvet merge — combine the stores of a study's shards. */
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "store/store.h"

static const char merge_help[] =
    "usage: mrvet merge OUT.db SHARD.db...\n"
    "\n"
    "Copies every run, case, perturbation, result and provenance row of each shard\n"
    "store into OUT.db (created if needed), matching runs by study and model. Refuses,\n"
    "writing nothing from that shard, stores of a different study (configuration\n"
    "hash), a case whose fingerprint differs, or a number that differs from one\n"
    "already merged. Merging the same shard twice changes nothing.\n";

int mrv_cmd_merge(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(merge_help, stdout);
        return MRV_EXIT_OK;
    }
    if (argc < 3) {
        fputs(merge_help, stderr);
        return MRV_EXIT_USAGE;
    }
    struct mrv_error err = {0};
    struct mrv_store *out;
    if (mrv_store_open(argv[1], &out, &err) != MRV_OK)
        return mrv_cli_fail("merge", &err);
    for (int i = 2; i < argc; i++) {
        if (mrv_store_merge(out, argv[i], &err) != MRV_OK) {
            mrv_store_close(out);
            return mrv_cli_fail("merge", &err);
        }
        printf("merged %s\n", argv[i]);
    }
    mrv_store_close(out);
    printf("store: %s\n", argv[1]);
    return MRV_EXIT_OK;
}
