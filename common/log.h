/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Messages of every hud tool (retsnoop's elog/vlog/dlog). Errors go to stderr as one line
 * "<tool>: error: <what>: <how to fix>"; -v raises verbosity.
 */
#ifndef HUD_LOG_H
#define HUD_LOG_H

#include <stdarg.h>

extern int hud_verbose;		 /* 0 quiet, 1 -v, 2 -vv */
extern const char *hud_progname; /* set by main() */

void hud_log(int level, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Every hud tool exits with 2 on a bad command line. */
#define HUD_EXIT_USAGE 2

/* "<tool>: error: <what>: see <tool> --help" on stderr, then exit(HUD_EXIT_USAGE). */
void hud_usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define elog(...) hud_log(0, "error", __VA_ARGS__)
#define wlog(...) hud_log(0, "warning", __VA_ARGS__)
#define ilog(...) hud_log(0, NULL, __VA_ARGS__)
#define vlog(...) hud_log(1, NULL, __VA_ARGS__)
#define dlog(...) hud_log(2, NULL, __VA_ARGS__)

#endif /* HUD_LOG_H */
