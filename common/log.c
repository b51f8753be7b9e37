// SPDX-License-Identifier: MIT OR Apache-2.0
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

int hud_verbose;
const char *hud_progname = "hud";

void hud_log(int level, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (level > hud_verbose)
		return;
	if (kind)
		fprintf(stderr, "%s: %s: ", hud_progname, kind);
	else
		fprintf(stderr, "%s: ", hud_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hud_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", hud_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": see %s --help\n", hud_progname);
	exit(HUD_EXIT_USAGE);
}

int hud_common_option(int opt, const char *usage, int *exit_code)
{
	*exit_code = -1;
	switch (opt) {
	case 'v':
		hud_verbose++;
		return 1;
	case 'h':
		fputs(usage, stdout);
		*exit_code = 0;
		return 1;
	case 'V':
		printf("%s %s\n", hud_progname, HUD_VERSION);
		*exit_code = 0;
		return 1;
	case '?':
		fprintf(stderr, "%s: see %s --help\n", hud_progname, hud_progname);
		*exit_code = HUD_EXIT_USAGE;
		return 1;
	default:
		return 0;
	}
}
