/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Messages that library code gives its caller instead of printing them: warnings about
 * an input that still gives a result, notes of a recording in progress, the errors of a
 * recording's end. Only the tools' main.c print them (hud_msgs__print()), so a fuzzer, a
 * test or the live view decides what becomes of them.
 */
#ifndef HUD_MSGS_H
#define HUD_MSGS_H

#include <stddef.h>

enum hud_msg_level {
	HUD_MSG_ERROR,
	HUD_MSG_WARN,
	HUD_MSG_INFO,
};

struct hud_msg {
	enum hud_msg_level level;
	char *text;
};

struct hud_msgs {
	struct hud_msg *msgs;
	size_t nr, cap;
};

/* Append a message. 0 or -ENOMEM (the message is then lost, the list stays valid). */
int hud_msgs__add(struct hud_msgs *m, enum hud_msg_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print every message with hud_log() (errors and warnings so marked), then forget them. */
void hud_msgs__print(struct hud_msgs *m);

/* Forget every message; the list can be used again. */
void hud_msgs__clear(struct hud_msgs *m);

void hud_msgs__free(struct hud_msgs *m);

#endif /* HUD_MSGS_H */
