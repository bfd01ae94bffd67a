#include "datasets/xmltag.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Start of the element `name` within [p, end): points past its start tag. */
static const char *find_open(const char *p, const char *end, const char *name, size_t len)
{
    while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
        p++;
        if ((size_t)(end - p) > len && strncmp(p, name, len) == 0 &&
            (p[len] == '>' || isspace((unsigned char)p[len]))) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            return gt ? gt + 1 : NULL;
        }
    }
    return NULL;
}

/* End of the element `name` whose content starts at p (the matching </name>). */
static const char *find_close(const char *p, const char *end, const char *name, size_t len)
{
    int depth = 0;
    while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
        bool closing = p + 1 < end && p[1] == '/';
        const char *q = p + 1 + closing;
        if ((size_t)(end - q) > len && strncmp(q, name, len) == 0 &&
            (q[len] == '>' || isspace((unsigned char)q[len]) || q[len] == '/')) {
            if (closing && depth-- == 0)
                return p;
            if (!closing)
                depth++;
        }
        p++;
    }
    return NULL;
}

bool mrv_xml_get(const char *xml, const char *path, char *buf, size_t size)
{
    if (!xml || !size)
        return false;
    const char *start = xml, *end = xml + strlen(xml);
    while (*path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        char name[64];
        if (len == 0 || len >= sizeof name)
            return false;
        memcpy(name, path, len);
        name[len] = '\0';
        const char *in = find_open(start, end, name, len);
        if (!in)
            return false;
        const char *out = find_close(in, end, name, len);
        if (!out)
            return false;
        start = in;
        end = out;
        path += len + (slash != NULL);
    }
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    snprintf(buf, size, "%.*s", (int)(end - start), start);
    return true;
}

bool mrv_xml_get_double(const char *xml, const char *path, double *out)
{
    char buf[64], *e;
    if (!mrv_xml_get(xml, path, buf, sizeof buf) || !*buf)
        return false;
    double v = strtod(buf, &e);
    if (*e)
        return false;
    *out = v;
    return true;
}
