/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_RECORD_ARCHIVE_H
#define HUD_RECORD_ARCHIVE_H

#include "msgs.h"
#include "targets.h"

/*
 * Copy every ELF file with a hit mapping of @ts into @dir/.build-id/xx/yyyy... (perf's
 * layout): the mapping itself through /proc/PID/map_files, else the path if it still holds
 * the same build. A file that cannot be had is a warning in @notes. Returns the number of
 * files archived or -errno.
 */
int archive__targets(const struct targets *ts, const char *dir, struct hud_msgs *notes);

#endif /* HUD_RECORD_ARCHIVE_H */
