// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msgs.h"
#include "util.h"

int hud_msgs__add(struct hud_msgs *m, enum hud_msg_level level, const char *fmt, ...)
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
	m->msgs[m->nr].level = level;
	m->msgs[m->nr++].text = s;
	return 0;
}

void hud_msgs__print(struct hud_msgs *m)
{
	static const char *const kinds[] = {
		[HUD_MSG_ERROR] = "error",
		[HUD_MSG_WARN] = "warning",
		[HUD_MSG_INFO] = NULL,
	};
	size_t i;

	for (i = 0; i < m->nr; i++)
		hud_log(0, kinds[m->msgs[i].level], "%s", m->msgs[i].text);
	hud_msgs__clear(m);
}

void hud_msgs__clear(struct hud_msgs *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->msgs[i].text);
	m->nr = 0;
}

void hud_msgs__free(struct hud_msgs *m)
{
	hud_msgs__clear(m);
	free(m->msgs);
	memset(m, 0, sizeof(*m));
}
