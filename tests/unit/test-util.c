// SPDX-License-Identifier: MIT OR Apache-2.0
/* common/: number parsing, the address lookup shared by hud-record and hud-report. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "u64set.h"
#include "util.h"

TAP_DEFINE_GLOBALS;

static void t_parse_u64(void)
{
	uint64_t v = 0;

	check_int(hud_parse_u64("42", 1, 100, &v), ==, 0);
	check_uint(v, ==, 42);
	check_int(hud_parse_u64("0x10", 0, 100, &v), ==, 0);
	check_uint(v, ==, 16);
	check_int(hud_parse_u64("010", 0, 100, &v), ==, 0);
	check_uint(v, ==, 10); /* decimal, not octal */
	check_int(hud_parse_u64("0x", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("0x-1", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("0x0x10", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("0x0X10", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("12abc", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("-1", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64(" 1", 0, 100, &v), ==, -EINVAL);
	check_int(hud_parse_u64("101", 0, 100, &v), ==, -ERANGE);
	check_int(hud_parse_u64("0", 1, 100, &v), ==, -ERANGE);
	check_int(hud_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), ==, -ERANGE);
}

static void t_parse_double(void)
{
	double d = 0;

	check_int(hud_parse_double("1.5", 0, 10, &d), ==, 0);
	check(d == 1.5);
	check_int(hud_parse_double("nan", 0, 10, &d), ==, -EINVAL);
	check_int(hud_parse_double("2x", 0, 10, &d), ==, -EINVAL);
	check_int(hud_parse_double("11", 0, 10, &d), ==, -ERANGE);
}

struct elem {
	uint64_t key;
	int payload;
};

static void t_count_le(void)
{
	struct elem a[] = {{10, 0}, {20, 1}, {20, 2}, {30, 3}};

	check_uint(hud_count_le_u64(a, 4, sizeof(a[0]), 5), ==, 0);
	check_uint(hud_count_le_u64(a, 4, sizeof(a[0]), 10), ==, 1);
	check_uint(hud_count_le_u64(a, 4, sizeof(a[0]), 25), ==, 3);
	check_uint(hud_count_le_u64(a, 4, sizeof(a[0]), 30), ==, 4);
	check_uint(hud_count_le_u64(a, 4, sizeof(a[0]), UINT64_MAX), ==, 4);
	check_uint(hud_count_le_u64(NULL, 0, sizeof(a[0]), 7), ==, 0);
}

static void t_u64set(void)
{
	struct u64set s = {0};
	uint64_t *sorted = NULL, i;
	int ok = 1;

	for (i = 1000; i > 0; i--)
		check_int(u64set__add(&s, i * 7), ==, 1);
	check_int(u64set__add(&s, 7), ==, 0);
	check_int(u64set__add(&s, 0), ==, -EINVAL);
	check_uint(s.len, ==, 1000);
	check(u64set__has(&s, 700));
	check(!u64set__has(&s, 701));
	check_int(u64set__sorted(&s, &sorted), ==, 0);
	for (i = 0; sorted && i < 1000; i++)
		ok &= sorted[i] == (i + 1) * 7;
	check(sorted && ok);
	free(sorted);
	u64set__free(&s);
}

int main(void)
{
	TEST(t_parse_u64(), "hud_parse_u64: bases, junk, signs, bounds, overflow");
	TEST(t_parse_double(), "hud_parse_double: junk, NaN, bounds");
	TEST(t_count_le(), "hud_count_le_u64: before, on, between, after, duplicates, empty");
	TEST(t_u64set(), "u64set: add, duplicates, zero refused, growth, sorted copy");
	return test_done();
}
