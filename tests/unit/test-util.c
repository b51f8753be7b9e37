// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * common/: number parsing, the address lookup shared by hud-record and hud-report, the hash
 * table, the growth helper and the message list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "msgs.h"
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

/* Keys whose hashes collide on purpose: the table must tell them apart by the user's test. */
static void t_htab(void)
{
	struct hud_htab t = {0};
	struct hud_htab_iter it;
	uint64_t keys[5000];
	size_t n = 0, i;
	int64_t k;
	int found, ok = 1;

	hud_htab__probe(&t, 42, &it);
	check_int(hud_htab__next(&t, &it), ==, -1); /* an empty table answers lookups */
	for (i = 0; i < 5000; i++) {
		uint64_t key = i * 2654435761u, hash = i % 7 ? hud_mix64(key) : 99;

		check_int(hud_htab__reserve(&t, 1), ==, 0);
		hud_htab__probe(&t, hash, &it);
		found = 0;
		while ((k = hud_htab__next(&t, &it)) >= 0)
			found |= keys[k] == key;
		ok &= !found;
		keys[n] = key;
		hud_htab__insert(&t, &it, (uint32_t)n++);
	}
	check(ok);
	check_uint(t.nr, ==, 5000);
	check_uint(t.cap, >=, 10000);
	for (i = 0; i < 5000; i++) {
		uint64_t key = i * 2654435761u, hash = i % 7 ? hud_mix64(key) : 99;

		hud_htab__probe(&t, hash, &it);
		found = 0;
		while ((k = hud_htab__next(&t, &it)) >= 0)
			found += keys[k] == key && (size_t)k == i;
		ok &= found == 1;
	}
	check(ok);
	check_int(hud_htab__reserve(&t, (size_t)UINT32_MAX + 1), ==, -ENOMEM);
	hud_htab__free(&t);
	check(t.slots == NULL && t.cap == 0 && t.nr == 0);
}

static void t_grow_and_msgs(void)
{
	struct hud_msgs m = {0};
	size_t cap = 0, prev = 0, i;
	int *a = NULL, ok = 1, steps = 0;

	for (i = 0; i < 100000; i++) {
		if (!HUD_GROW(a, cap, i + 1)) {
			ok = 0;
			break;
		}
		a[i] = (int)i;
		if (cap != prev) {
			ok &= !prev || cap == prev + prev / 2; /* by half again */
			prev = cap;
			steps++;
		}
	}
	check(ok);
	check_uint(cap, >=, 100000);
	check_int(steps, <, 30);
	for (i = 0; i < 100000; i++)
		ok &= a[i] == (int)i;
	check(ok);
	check(!HUD_GROW(a, cap, SIZE_MAX / 2)); /* refused, a and cap untouched */
	check_uint(cap, ==, prev);
	free(a);

	check_int(hud_msgs__add(&m, HUD_MSG_WARN, "%s %d", "one", 1), ==, 0);
	check_int(hud_msgs__add(&m, HUD_MSG_INFO, "two"), ==, 0);
	check_uint(m.nr, ==, 2);
	check_str(m.msgs[0].text, "one 1");
	check_int(m.msgs[1].level, ==, HUD_MSG_INFO);
	hud_msgs__clear(&m);
	check_uint(m.nr, ==, 0);
	check_int(hud_msgs__add(&m, HUD_MSG_ERROR, "three"), ==, 0);
	check_str(m.msgs[0].text, "three");
	hud_msgs__free(&m);
}

int main(void)
{
	TEST(t_parse_u64(), "hud_parse_u64: bases, junk, signs, bounds, overflow");
	TEST(t_parse_double(), "hud_parse_double: junk, NaN, bounds");
	TEST(t_count_le(), "hud_count_le_u64: before, on, between, after, duplicates, empty");
	TEST(t_u64set(), "u64set: add, duplicates, zero refused, growth, sorted copy");
	TEST(t_htab(), "hud_htab: empty lookups, colliding hashes told apart, growth, caps");
	TEST(t_grow_and_msgs(), "HUD_GROW by half again, refuses overflow; hud_msgs");
	return test_done();
}
