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
