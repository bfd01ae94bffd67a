/* tests/fuzz/fuzz_json.c — the exec worker's reply parser
 * (adapters/adapter_internal.h, adapters/json.c) on arbitrary lines: the
 * calls adapters/exec.c makes on a hello and a result line. */
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1); /* worker lines arrive NUL-terminated */
    if (!s)
        return 0;
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    static const char *keys[] = {"type", "protocol", "version", "id", "ok",
                                 "seconds", "error", "outputs", ""};
    (void)mrv_ad_json_is_object(s);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        size_t len = 0;
        const char *v = mrv_ad_json_get(s, keys[i], &len);
        if (v && len > size)
            abort(); /* a value longer than the line it came from */
        char buf[16], big[256];
        double d;
        (void)mrv_ad_json_string(s, keys[i], buf, sizeof buf);
        (void)mrv_ad_json_string(s, keys[i], big, sizeof big);
        (void)mrv_ad_json_number(s, keys[i], &d);
        (void)mrv_ad_json_bool(s, keys[i]);
    }
    free(s);
    return 0;
}
