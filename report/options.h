/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The options hud-report and hud-diff share, parsed in one place: how recordings are read
 * (--symfs, --debug-dir, --user, --threads, --time, --window) and --no-color. Each tool's
 * getopt_long loop hands every option to hud_common_option() (-v, -h, -V, common/log.h)
 * and report_opts__parse() first, and handles the rest itself.
 */
#ifndef HUD_REPORT_OPTIONS_H
#define HUD_REPORT_OPTIONS_H

#include <getopt.h>
#include <stddef.h>

#include "profile.h"

/* How recordings are read, symbolized and selected. Zeroed, then report_opts__init(). */
struct report_read_opts {
	const char *symfs;
	const char **debug_dirs;
	size_t nr_debug_dirs, cap_debug_dirs;
	const char **user_prefixes; /* --user: name prefixes that count as the program's */
	size_t nr_user_prefixes, cap_user_prefixes;
	int no_demangle;	  /* show raw symbol names */
	unsigned roles;		  /* HUD_ROLES_* */
	struct hud_filter filter; /* --time, --window (and hud-report's --tid) */
	int have_time;		  /* --time was given */
	int no_color;
};

/* getopt_long values of the shared long options (outside any short option's range). */
enum {
	REPORT_OPT_SYMFS = 0x1000,
	REPORT_OPT_DEBUG_DIR,
	REPORT_OPT_USER,
	REPORT_OPT_THREADS,
	REPORT_OPT_TIME,
	REPORT_OPT_WINDOW,
	REPORT_OPT_NO_COLOR,
	REPORT_OPT_FIRST_OWN, /* a tool's own long options start here */
};

/* The shared entries of a struct option array, and the short options among them. */
/* clang-format off */
#define REPORT_SHARED_LONGOPTS                                         \
	{"symfs", required_argument, NULL, REPORT_OPT_SYMFS},          \
	{"debug-dir", required_argument, NULL, REPORT_OPT_DEBUG_DIR},  \
	{"user", required_argument, NULL, REPORT_OPT_USER},            \
	{"threads", required_argument, NULL, REPORT_OPT_THREADS},      \
	{"time", required_argument, NULL, REPORT_OPT_TIME},            \
	{"window", required_argument, NULL, REPORT_OPT_WINDOW},        \
	{"no-color", no_argument, NULL, REPORT_OPT_NO_COLOR},          \
	{"verbose", no_argument, NULL, 'v'},                           \
	{"help", no_argument, NULL, 'h'},                              \
	{"version", no_argument, NULL, 'V'}
/* clang-format on */
#define REPORT_SHARED_SHORTOPTS "vhV"

/* What report_opts__parse() made of an option. */
enum report_opt_result {
	REPORT_OPT_NOT_MINE = 0, /* not a shared option: the tool handles it */
	REPORT_OPT_DONE = 1,	 /* parsed into the options */
};

void report_opts__init(struct report_read_opts *o);

/*
 * Parse the command line: the shared options into @o, -v, -h and -V through
 * hud_common_option(), and every other option of @longopts (which includes
 * REPORT_SHARED_LONGOPTS) or @shortopts (the tool's own) handed to @own(@ctx, opt, optarg).
 * Returns 0 once every option is parsed (optind is then at the first operand), 1 when
 * the tool exits now with *@exit_code (-h, -V, an option getopt refused), or -EINVAL or
 * -ENOMEM with a one-line message in @err (a bad value of a shared option).
 */
int report_opts__getopt(struct report_read_opts *o, int argc, char **argv, const char *shortopts,
			const struct option *longopts, const char *usage,
			void (*own)(void *ctx, int opt, const char *arg), void *ctx, int *exit_code,
			char *err, size_t err_size);

/*
 * Parse option @opt (a getopt_long value) with argument @arg. Returns an enum
 * report_opt_result, or -EINVAL with a one-line message in @err (a bad value: the tool
 * reports a usage error), or -ENOMEM.
 */
int report_opts__parse(struct report_read_opts *o, int opt, const char *arg, char *err,
		       size_t err_size);

/* After the last option: the checks across options. 0, or -EINVAL with a message. */
int report_opts__finish(const struct report_read_opts *o, char *err, size_t err_size);

/* --time START,END into @f. 0, or -EINVAL with a message in @err. */
int report__parse_time(const char *arg, struct hud_filter *f, char *err, size_t err_size);

/* --threads workers|blocking|all: HUD_ROLES_*, or 0 with a message in @err. */
unsigned report__parse_threads(const char *arg, char *err, size_t err_size);

void report_opts__free(struct report_read_opts *o);

#endif /* HUD_REPORT_OPTIONS_H */
