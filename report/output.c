// SPDX-License-Identifier: MIT OR Apache-2.0
/* What every renderer of hud-report and hud-diff uses (output.h). */
#include <stdio.h>
#include <string.h>

#include "output.h"

const char *report__short_path(const char *path, int parts)
{
	const char *p;
	int n = 0;

	if (!path)
		return "?";
	for (p = path + strlen(path); p > path; p--) {
		if (p[-1] == '/' && ++n == parts)
			return p;
	}
	return path;
}

const char *report__frame_name(const struct hud_sym_frame *f, char *buf, size_t size)
{
	if (f->function)
		return f->function;
	snprintf(buf, size, "[unknown] %s+0x%llx", report__short_path(f->dso, 1),
		 (unsigned long long)f->offset);
	return buf;
}

int report__category_on(const struct report_opts *o, enum hud_category c, unsigned dflt)
{
	return ((o->categories ? o->categories : dflt) >> c) & 1;
}
