// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * --archive DIR: after the recording, copy every binary a recorded frame hit into
 * DIR/.build-id/xx/yyyy... (perf's layout), for hud-report --debug-dir DIR elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "elfread.h"
#include "log.h"
#include "util.h"

static void chown_dir_to_sudo_user(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		if (hud_chown_to_sudo_user(fd))
			vlog("cannot give %s to the sudo user: %s", path, strerror(errno));
		close(fd);
	}
}

static int mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (!mkdir(path, 0755)) {
			chown_dir_to_sudo_user(path); /* under sudo, the user's, like the copies */
		} else if (errno != EEXIST) {
			int err = -errno;

			*p = '/';
			return err;
		}
		*p = '/';
	}
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536], tmp[PATH_MAX + 8];
	int in, out, err = 0;
	struct stat sb;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &sb)) {
		err = -errno;
		close(in);
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	/*
	 * The copy is no more readable than the binary (a private 0700 one stays private),
	 * never set-id, and under sudo it belongs to the user, like the recording.
	 */
	if (fchmod(out, sb.st_mode & 0777) || hud_chown_to_sudo_user(out))
		vlog("cannot set the owner or mode of %s: %s", tmp, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (write(out, buf, n) != n) {
			err = errno ? -errno : -EIO;
			break;
		}
	}
	close(in);
	if (close(out) && !err)
		err = -errno;
	if (!err && rename(tmp, to))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int archive__targets(const struct targets *ts, const char *dir, struct hud_msgs *notes)
{
	char dst[PATH_MAX], src[PATH_MAX + 64];
	int i, n = 0, err;
	size_t r, k;

	for (i = 0; i < ts->nr; i++) {
		const struct target *t = &ts->t[i];

		for (r = 0; r < t->nr_ranges + t->nr_gone; r++) {
			const struct exec_range *e =
				r < t->nr_ranges ? &t->ranges[r] : &t->gone[r - t->nr_ranges];
			int len;

			if (!e->hit || !e->build_id_size || e->path[0] != '/')
				continue;
			len = snprintf(dst, sizeof(dst), "%s/.build-id/%02x/", dir, e->build_id[0]);
			for (k = 1; k < e->build_id_size && len < (int)sizeof(dst) - 3; k++)
				len += snprintf(dst + len, sizeof(dst) - len, "%02x",
						e->build_id[k]);
			if (access(dst, F_OK) == 0)
				continue; /* same build-id, same file */
			err = mkdirs(dst);
			if (err)
				return err;
			/* The mapping itself first: right even if the path was replaced. */
			err = -ENOENT;
			if (e->start) {
				snprintf(src, sizeof(src), "/proc/%d/map_files/%llx-%llx", t->pid,
					 (unsigned long long)e->start, (unsigned long long)e->end);
				err = copy_file(src, dst);
			}
			if (err) {
				uint8_t id[HUD_BUILD_ID_MAX];
				int m = elf__build_id(e->path, id, sizeof(id));

				/* The path only counts if it still holds the same build. */
				if (m != (int)e->build_id_size || memcmp(id, e->build_id, m)) {
					err = hud_msgs__add(notes, HUD_MSG_WARN,
							    "cannot archive %s: the mapped file is "
							    "gone and the path now holds another "
							    "build",
							    e->path);
					if (err)
						return err;
					continue;
				}
				err = copy_file(e->path, dst);
			}
			if (err)
				return err;
			vlog("archived %s as %s", e->path, dst);
			n++;
		}
	}
	return n;
}
