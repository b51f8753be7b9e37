// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fuzz target: hud-diff's --fail-if parser over arbitrary bytes.
 *
 * The contract: 0 with a usable gate (which is then evaluated against a small fixed
 * comparison, so every parsed form is exercised end to end), or -EINVAL with a non-empty
 * message; never a crash, a read past the string or a leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "compare.h"
#include "gate.h"
#include "summary.h"

static const char before_json[] =
	"{\"hud_json_version\": 1, \"duration_s\": 2, \"threads\": \"workers\", \"workers\": 2,"
	" \"samples\": 20, \"offcpu_events\": 80, \"lost\": 1, \"categories\": {"
	"\"cpu\": {\"count\": 20, \"total_ms\": 200}, \"blocked\": {\"count\": 80, \"total_ms\": "
	"800},"
	"\"preempted\": {\"count\": 0, \"total_ms\": 0}, \"runqueue\": {\"count\": 0, "
	"\"total_ms\": 0},"
	"\"idle\": {\"count\": 3, \"total_ms\": 30}}, \"hotspots\": ["
	"{\"category\": \"blocked\", \"function\": \"app::write\", \"count\": 80, \"total_ms\": "
	"800},"
	"{\"category\": \"cpu\", \"function\": \"app::hash\", \"count\": 20, \"total_ms\": 200}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct diff_summary s;
	static struct diff_result r;
	static int ready;
	char *expr, err[256] = "", msg[256];
	struct gate g;
	int ret;

	if (!ready) {
		FUZZ_ASSERT(!summary__parse_json(&s, before_json, sizeof(before_json) - 1, "fuzz",
						 err, sizeof(err)));
		FUZZ_ASSERT(!diff__compute(&r, &s, &s, 1));
		ready = 1;
	}
	/* Exactly @size bytes on the heap, so ASan sees any read past the terminator. */
	expr = malloc(size + 1);
	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	ret = gate__parse(&g, expr, err, sizeof(err));
	if (ret == 0) {
		FUZZ_ASSERT(g.metric != GATE_FUNCTION || (g.function && *g.function));
		FUZZ_ASSERT(g.cat < HUD_CAT_MAX);
		ret = gate__eval(&g, &r, msg, sizeof(msg));
		FUZZ_ASSERT(ret == 0 || ret == 1);
		gate__free(&g);
	} else {
		FUZZ_ASSERT(ret == -EINVAL || ret == -ENOMEM);
		FUZZ_ASSERT(ret == -ENOMEM || err[0]);
	}
	free(expr);
	return 0;
}
