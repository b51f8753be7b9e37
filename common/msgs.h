/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Messages that library code gives its caller instead of printing them: warnings about
 * an input that still gives a result, notes of a recording in progress. Only the tools'
 * main.c print them (with hud_log()), so a fuzzer, a test or the live view decides what
 * becomes of them.
 */
#ifndef HUD_MSGS_H
#define HUD_MSGS_H

#include <stddef.h>

struct hud_msgs {
	char **msgs;
	size_t nr, cap;
};

/* Append a message. 0 or -ENOMEM (the message is then lost, the list stays valid). */
int hud_msgs__add(struct hud_msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget every message (after printing them); the list can be used again. */
void hud_msgs__clear(struct hud_msgs *m);

void hud_msgs__free(struct hud_msgs *m);

#endif /* HUD_MSGS_H */
