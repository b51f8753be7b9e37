// SPDX-License-Identifier: MIT OR Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int hud_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	/* Not base 0: a pid or tid written with a leading zero is decimal, not octal. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		/* strtoull() would take a second "0x" ("0x0x10") and a sign. */
		if (!isxdigit((unsigned char)s[0]) || (s[1] == 'x' || s[1] == 'X'))
			return -EINVAL;
		v = strtoull(s, &end, 16);
	} else {
		v = strtoull(s, &end, 10);
	}
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int hud_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	if (!s || !*s || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || end == s || isnan(v))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

long hud_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return err ? err : (long)len;
}

size_t hud_count_le_u64(const void *base, size_t n, size_t size, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k;

		memcpy(&k, (const char *)base + mid * size, sizeof(k));
		if (k <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *hud_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 3)
			return NULL;
		ncap += ncap / 2;
	}
	if (!elem || ncap > SIZE_MAX / elem)
		return NULL;
	n = realloc(arr, ncap * elem);
	if (!n)
		return NULL;
	*cap = ncap;
	return n;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t hud_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t hud_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int hud_chown_to_sudo_user(int fd)
{
	const char *sudo_uid = getenv("SUDO_UID"), *sudo_gid = getenv("SUDO_GID");
	uint64_t uid, gid;

	if (!sudo_uid || !sudo_gid || geteuid() != 0 ||
	    hud_parse_u64(sudo_uid, 0, UINT32_MAX - 1, &uid) ||
	    hud_parse_u64(sudo_gid, 0, UINT32_MAX - 1, &gid))
		return 0;
	return fchown(fd, (uid_t)uid, (gid_t)gid) ? -errno : 0;
}

int hud_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
