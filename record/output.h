/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * hud-record's output file. A file (or a path that does not exist yet) is written under a
 * temporary name beside it, PATH.tmp-XXXXXX, until recording starts (output__publish()):
 * a run that fails before then leaves PATH and PATH.old as they were. Anything else (a
 * pipe, /dev/stdout) is written in place, and so is "-", standard output (-ENOTTY when it
 * is a terminal).
 */
#ifndef HUD_RECORD_OUTPUT_H
#define HUD_RECORD_OUTPUT_H

#include <limits.h>

struct record_output {
	const char *path;
	char tmp[PATH_MAX + 16]; /* the temporary name until published, else "" */
	int fd;
};

/* Open @path for writing (see above). 0 or -errno; o->fd is then the descriptor. */
int output__open(struct record_output *o, const char *path);

/*
 * Recording has started: the temporary file takes its name. perf's habit: a previous
 * recording is kept as PATH.old rather than overwritten. 0 or -errno.
 */
int output__publish(struct record_output *o);

/* Everything written reaches the disk. 0 or -errno. */
int output__sync(struct record_output *o);

/* Close the file; one never published is removed. Accepts an output never opened. */
void output__close(struct record_output *o);

#endif /* HUD_RECORD_OUTPUT_H */
