#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static enum mrv_log_level log_level = MRV_LOG_INFO;

static void log_init(void)
{
    const char *env = getenv("MRV_LOG");
    if (!env)
        return;
    if (strcmp(env, "error") == 0) log_level = MRV_LOG_ERROR;
    else if (strcmp(env, "warn") == 0) log_level = MRV_LOG_WARN;
    else if (strcmp(env, "info") == 0) log_level = MRV_LOG_INFO;
    else if (strcmp(env, "debug") == 0) log_level = MRV_LOG_DEBUG;
}

void mrv_log_set_level(enum mrv_log_level level)
{
    pthread_once(&log_once, log_init);
    log_level = level;
}

enum mrv_log_level mrv_log_get_level(void)
{
    pthread_once(&log_once, log_init);
    return log_level;
}

void mrv_log(enum mrv_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > mrv_log_get_level())
        return;
    char line[2048];
    int n = snprintf(line, sizeof line, "mrvet: %s: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len] = '\n';
    fwrite(line, 1, len + 1, stderr);
}
