/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Small helpers shared by the hud tools: number parsing, files, time. */
#ifndef HUD_UTIL_H
#define HUD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Parse a whole string as an unsigned integer in [min, max] (base 10, or hex after 0x; a leading 0 is not octal).
 * Returns 0 or -EINVAL (not a number, trailing junk) / -ERANGE (outside the bounds).
 */
int hud_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parse a non-negative decimal number of seconds or milliseconds, fractions allowed. */
int hud_parse_double(const char *s, double min, double max, double *out);

/*
 * Read a small file (e.g. under /proc) into @buf, NUL-terminated, at most @size - 1 bytes.
 * Returns the length or -errno.
 */
long hud_read_file(const char *path, char *buf, size_t size);

/*
 * In an array of @n elements of @size bytes, sorted by a uint64_t key at the start of each
 * element, the number of elements whose key is <= @key (so the last of them, if any, is at
 * the result minus 1): "which symbol or mapping contains this address".
 */
size_t hud_count_le_u64(const void *base, size_t n, size_t size, uint64_t key);

/*
 * The one way hud grows an array: make @arr, an array of *@cap elements of @elem bytes,
 * hold at least @need elements. The capacity grows by half again (from 16), and the new
 * space is not zeroed, so that pages a large array never reaches never count in the RSS.
 * Returns the new array, or NULL on ENOMEM (or overflow) with @arr untouched.
 * HUD_GROW(arr, cap, need) updates arr and cap and says whether it worked.
 */
void *hud_grow(void *arr, size_t *cap, size_t need, size_t elem);

#define HUD_GROW(arr, cap, need)                                         \
	({                                                               \
		size_t c_ = (cap);                                       \
		void *g_ = hud_grow((arr), &c_, (need), sizeof(*(arr))); \
		if (g_) {                                                \
			(arr) = g_;                                      \
			(cap) = c_;                                      \
		}                                                        \
		g_ != NULL;                                              \
	})

/* Spread a 64-bit key over hash-table slots (the finalizer of MurmurHash3). */
static inline uint64_t hud_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* a + b, or UINT64_MAX where it would wrap (sums of durations read from a file). */
static inline uint64_t hud_sat_add_u64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Under sudo (euid 0 with SUDO_UID and SUDO_GID set), give the file @fd to the user who
 * asked for it. Returns 0 (also when not under sudo) or -errno.
 */
int hud_chown_to_sudo_user(int fd);

/* True if paths @a and @b name the same existing file (same device and inode). */
int hud_same_file(const char *a, const char *b);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t hud_now_ns(void);
uint64_t hud_realtime_ns(void);

#endif /* HUD_UTIL_H */
