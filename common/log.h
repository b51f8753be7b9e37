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

/*
 * The options every tool handles alike, for its getopt_long() loop: -v raises hud_verbose,
 * -h prints @usage, -V the version, and an option getopt refused ('?') points at --help.
 * Returns 0 when @opt is none of them; else 1, with *@exit_code the status the tool exits
 * with now (0 after -h and -V, HUD_EXIT_USAGE after '?'), or -1 to go on (-v).
 */
int hud_common_option(int opt, const char *usage, int *exit_code);

#define elog(...) hud_log(0, "error", __VA_ARGS__)
#define wlog(...) hud_log(0, "warning", __VA_ARGS__)
#define ilog(...) hud_log(0, NULL, __VA_ARGS__)
#define vlog(...) hud_log(1, NULL, __VA_ARGS__)
#define dlog(...) hud_log(2, NULL, __VA_ARGS__)

#endif /* HUD_LOG_H */
