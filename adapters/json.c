/* A minimal JSON reader for the exec protocol's reply lines (RFC 8259
 * grammar; no allocation). Replies are small flat objects, so values are
 * found by scanning the top level and skipping nested values. */
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

static const char *skip_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p; p++) {
        if (*p == '"')
            return p + 1;
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *skip_value(const char *p, int depth);

static const char *skip_container(const char *p, int depth, char close, int object)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            if (!(p = skip_string(p)))
                return NULL;
            p = ws(p);
            if (*p != ':')
                return NULL;
            p = ws(p + 1);
        }
        if (!(p = skip_value(p, depth + 1)))
            return NULL;
        p = ws(p);
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = ws(p + 1);
    }
}

static const char *skip_value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    switch (*p) {
    case '"': return skip_string(p);
    case '{': return skip_container(p, depth, '}', 1);
    case '[': return skip_container(p, depth, ']', 0);
    case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
    default: {
        char *end;
        if (!(*p == '-' || (*p >= '0' && *p <= '9')))
            return NULL;
        strtod(p, &end);
        return end == p ? NULL : end;
    }
    }
}

bool mrv_ad_json_is_object(const char *s)
{
    s = ws(s);
    if (*s != '{')
        return false;
    const char *e = skip_value(s, 0);
    return e && !*ws(e);
}

const char *mrv_ad_json_get(const char *s, const char *key, size_t *len)
{
    if (!mrv_ad_json_is_object(s))
        return NULL;
    const char *p = ws(ws(s) + 1);
    size_t klen = strlen(key);
    while (*p == '"') {
        const char *kend = skip_string(p);
        bool match = (size_t)(kend - p) == klen + 2 && strncmp(p + 1, key, klen) == 0;
        p = ws(ws(kend) + 1); /* past ':' */
        const char *vend = skip_value(p, 1);
        if (match) {
            *len = (size_t)(vend - p);
            return p;
        }
        p = ws(vend);
        if (*p != ',')
            break;
        p = ws(p + 1);
    }
    return NULL;
}

bool mrv_ad_json_string(const char *s, const char *key, char *buf, size_t size)
{
    size_t len;
    const char *v = mrv_ad_json_get(s, key, &len);
    if (!v || *v != '"' || size == 0)
        return false;
    size_t o = 0;
    for (const char *p = v + 1; p < v + len - 1; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                char hex[5] = {p[1], p[2], p[3], p[4], 0};
                long u = strtol(hex, NULL, 16);
                c = u < 0x80 ? (char)u : '?';
                p += 4;
                break;
            }
            default: c = *p;
            }
        }
        if (o + 1 < size)
            buf[o++] = c;
    }
    buf[o] = 0;
    return true;
}

bool mrv_ad_json_number(const char *s, const char *key, double *out)
{
    size_t len;
    const char *v = mrv_ad_json_get(s, key, &len);
    if (!v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return false;
    *out = strtod(v, NULL);
    return true;
}

int mrv_ad_json_bool(const char *s, const char *key)
{
    size_t len;
    const char *v = mrv_ad_json_get(s, key, &len);
    if (!v)
        return -1;
    if (len == 4 && strncmp(v, "true", 4) == 0)
        return 1;
    if (len == 5 && strncmp(v, "false", 5) == 0)
        return 0;
    return -1;
}
