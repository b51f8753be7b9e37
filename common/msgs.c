// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "util.h"

int hud_msgs__add(struct hud_msgs *m, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (!HUD_GROW(m->msgs, m->cap, m->nr + 1))
		return -ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	m->msgs[m->nr++] = s;
	return 0;
}

void hud_msgs__clear(struct hud_msgs *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->msgs[i]);
	m->nr = 0;
}

void hud_msgs__free(struct hud_msgs *m)
{
	hud_msgs__clear(m);
	free(m->msgs);
	memset(m, 0, sizeof(*m));
}
