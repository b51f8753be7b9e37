// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fuzz target: hud-diff's json summary loader over arbitrary bytes, then the comparison
 * of what it accepted with itself and with a fixed summary, and every output format.
 *
 * The contract: 0, or -EPROTO / -EINVAL / -ENOMEM with a message; an accepted summary
 * compares without a crash, and against itself every row is "same".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "compare.h"
#include "render.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff_render_opts ro = {.top = 5};
	struct diff_summary s = {0};
	struct diff_result r;
	char err[256] = "";
	size_t i;
	FILE *null;
	int ret;

	ret = summary__parse_json(&s, (const char *)data, size, "fuzz.json", err, sizeof(err));
	if (ret) {
		FUZZ_ASSERT(ret == -EPROTO || ret == -EINVAL || ret == -ENOMEM);
		FUZZ_ASSERT(ret == -ENOMEM || err[0]);
		summary__free(&s);
		return 0;
	}
	FUZZ_ASSERT(s.duration_s > 0);
	if (!diff__compute(&r, &s, &s, 0)) {
		for (i = 0; i < r.nr_rows; i++)
			FUZZ_ASSERT(r.rows[i].verdict == DIFF_SAME);
		null = fopen("/dev/null", "w");
		if (null) {
			diff__text(null, &r, &ro);
			diff__json(null, &r, &ro);
			diff__markdown(null, &r, &ro);
			fclose(null);
		}
		diff__free(&r);
	}
	summary__free(&s);
	return 0;
}
