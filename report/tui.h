/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The live screen of hud-top and hud-report --follow (ncurses): a header with each
 * worker's time budget, a table of hotspots refreshed every second, the stacks of one.
 */
#ifndef HUD_TUI_H
#define HUD_TUI_H

#include <sys/types.h>

#include "options.h"

struct tui_opts {
	const char *path;   /* the file followed: PATH.tmp-* while hud-record starts, or PATH */
	long since;	    /* only files modified since (seconds since the epoch; 0: any) */
	const char *target; /* what is recorded, for the header; NULL: from the file */
	pid_t recorder;	    /* hud-top: the hud-record child, stopped by q; 0: none */
	const struct report_read_opts *ro;
};

/*
 * Run the screen until q or Ctrl-C (standard input and output must be a terminal).
 * Returns 0, or -errno with a one-line message in @err (the screen is closed by then).
 */
int tui__run(const struct tui_opts *o, char *err, size_t err_size);

/* hud-top's main (top.c): hud-report's binary run as hud-top. */
int top__main(int argc, char **argv);

#endif /* HUD_TUI_H */
