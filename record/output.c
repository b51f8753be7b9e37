// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "output.h"
#include "util.h"

int output__open(struct record_output *o, const char *path)
{
	struct stat sb;
	int fd, err;

	o->path = path;
	o->tmp[0] = '\0';
	o->fd = -1;
	/* "-": standard output, written in place (ssh host hud-record -o - app > app.hud). */
	if (!strcmp(path, "-")) {
		if (isatty(STDOUT_FILENO))
			return -ENOTTY;
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return -errno;
		o->fd = fd;
		return 0;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		o->fd = fd;
		return 0;
	}
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(o->tmp)) {
		o->tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	fd = mkostemp(o->tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		err = -errno;
		o->tmp[0] = '\0';
		return err;
	}
	/* Under sudo, hand the file to the user who asked for it. */
	err = hud_chown_to_sudo_user(fd);
	if (err)
		vlog("cannot chown %s to the sudo user: %s", path, strerror(-err));
	o->fd = fd;
	return 0;
}

int output__publish(struct record_output *o)
{
	char old[PATH_MAX];
	struct stat sb;

	if (!o->tmp[0])
		return 0;
	if (stat(o->path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if (snprintf(old, sizeof(old), "%s.old", o->path) >= (int)sizeof(old))
			return -ENAMETOOLONG;
		if (rename(o->path, old))
			return -errno;
	}
	if (rename(o->tmp, o->path))
		return -errno;
	o->tmp[0] = '\0';
	return 0;
}

int output__sync(struct record_output *o)
{
	/* Pipes and read-only targets cannot be synced: nothing is lost by skipping them. */
	if (fsync(o->fd) && errno != EINVAL && errno != EROFS)
		return -errno;
	return 0;
}

void output__close(struct record_output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}
