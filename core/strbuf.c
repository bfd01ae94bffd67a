#include "core/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mrv_strbuf_init(struct mrv_strbuf *b)
{
    memset(b, 0, sizeof *b);
}

void mrv_strbuf_free(struct mrv_strbuf *b)
{
    if (!b)
        return;
    free(b->s);
    mrv_strbuf_init(b);
}

bool mrv_strbuf_ok(const struct mrv_strbuf *b)
{
    return !b->failed;
}

const char *mrv_strbuf_str(const struct mrv_strbuf *b)
{
    return b->s ? b->s : "";
}

static bool reserve(struct mrv_strbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

static void append_n(struct mrv_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void mrv_strbuf_append(struct mrv_strbuf *b, const char *s)
{
    append_n(b, s, strlen(s));
}

void mrv_strbuf_printf(struct mrv_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mrv_strbuf_json_string(struct mrv_strbuf *b, const char *s)
{
    append_n(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': append_n(b, "\\\"", 2); break;
        case '\\': append_n(b, "\\\\", 2); break;
        case '\n': append_n(b, "\\n", 2); break;
        case '\r': append_n(b, "\\r", 2); break;
        case '\t': append_n(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                mrv_strbuf_printf(b, "\\u%04x", *p);
            else
                append_n(b, (const char *)p, 1);
        }
    }
    append_n(b, "\"", 1);
}

void mrv_strbuf_json_number(struct mrv_strbuf *b, double v)
{
    if (!isfinite(v))
        mrv_strbuf_append(b, "null");
    else
        mrv_strbuf_printf(b, "%.17g", v);
}

void mrv_strbuf_html(struct mrv_strbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': mrv_strbuf_append(b, "&lt;"); break;
        case '>': mrv_strbuf_append(b, "&gt;"); break;
        case '&': mrv_strbuf_append(b, "&amp;"); break;
        case '"': mrv_strbuf_append(b, "&quot;"); break;
        case '\'': mrv_strbuf_append(b, "&#39;"); break;
        default: append_n(b, s, 1);
        }
    }
}
