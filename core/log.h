/* core/log.h — leveled logging to stderr, safe from any thread.
 *
 * The level comes from mrv_log_set_level() or, at first use, from the
 * environment variable MRV_LOG (error, warn, info, debug). Default: info.
 */
#ifndef MRV_CORE_LOG_H
#define MRV_CORE_LOG_H

enum mrv_log_level { MRV_LOG_ERROR = 0, MRV_LOG_WARN, MRV_LOG_INFO, MRV_LOG_DEBUG };

void mrv_log_set_level(enum mrv_log_level level);
enum mrv_log_level mrv_log_get_level(void);

/* Write "mrvet: <level>: <message>\n" when `level` is enabled. One call is
 * one write, so lines from several threads never interleave. */
void mrv_log(enum mrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define mrv_log_error(...) mrv_log(MRV_LOG_ERROR, __VA_ARGS__)
#define mrv_log_warn(...) mrv_log(MRV_LOG_WARN, __VA_ARGS__)
#define mrv_log_info(...) mrv_log(MRV_LOG_INFO, __VA_ARGS__)
#define mrv_log_debug(...) mrv_log(MRV_LOG_DEBUG, __VA_ARGS__)

#endif
