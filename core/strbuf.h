/* core/strbuf.h — a growable string, and JSON text built with it.
 *
 * Used for the JSON of drawn parameters, metadata and configuration that
 * the store keeps next to every number. On allocation failure the buffer
 * remembers the failure (mrv_strbuf_ok() == false) and further appends are
 * ignored, so callers check once at the end.
 */
#ifndef MRV_CORE_STRBUF_H
#define MRV_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct mrv_strbuf {
    char *s;      /* NUL-terminated, or NULL before the first append */
    size_t len;
    size_t cap;
    bool failed;
};

void mrv_strbuf_init(struct mrv_strbuf *b);
void mrv_strbuf_free(struct mrv_strbuf *b);
bool mrv_strbuf_ok(const struct mrv_strbuf *b);
/* The text so far; "" when empty (never NULL). */
const char *mrv_strbuf_str(const struct mrv_strbuf *b);

void mrv_strbuf_append(struct mrv_strbuf *b, const char *s);
void mrv_strbuf_printf(struct mrv_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append `s` as a quoted JSON string (escapes ", \, control characters). */
void mrv_strbuf_json_string(struct mrv_strbuf *b, const char *s);
/* Append a JSON number; NaN and infinities, which JSON cannot hold, become
 * null. Printed with 17 significant digits so the double round-trips. */
void mrv_strbuf_json_number(struct mrv_strbuf *b, double v);

/* Append `s` escaped for HTML text and attribute values. */
void mrv_strbuf_html(struct mrv_strbuf *b, const char *s);

#endif
