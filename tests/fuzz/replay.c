// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Replay driver: run a fuzz target's LLVMFuzzerTestOneInput() on stored inputs, so the
 * default build (gcc, or ASan+UBSan with SAN=1) checks every corpus file and every past
 * crash without libFuzzer. Linked with one tests/fuzz/fuzz-NAME.c as
 * $(BUILD)/tests/fuzz-NAME.
 *
 *	fuzz-NAME [FILE|DIR]...
 *
 * Without arguments it replays tests/fuzz/corpus/NAME/, relative to the current directory
 * (make check runs at the top of the tree). Output is TAP, one test point per file. A
 * crash kills the run, which prove reports; the last "# replaying" line names the input.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int tests, failed;

static void result(int ok, const char *path, const char *why)
{
	tests++;
	failed += !ok;
	printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", tests, path, why ? ": " : "",
	       why ? why : "");
	fflush(stdout);
}

/* Exactly the file's size, like libFuzzer, so ASan sees any read past the end. */
static void replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat st;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st)) {
		result(0, path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	data = malloc(len ? len : 1);
	if (!data || fread(data, 1, len, f) != len) {
		result(0, path, "cannot read");
		goto out;
	}
	printf("# replaying %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, len);
	result(1, path, NULL);
out:
	free(data);
	if (f)
		fclose(f);
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	char *sub;
	int i, n;

	if (stat(path, &st)) {
		result(0, path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	n = scandir(path, &names, visible, alphasort);
	if (n < 0) {
		result(0, path, strerror(errno));
		return;
	}
	if (n == 0)
		result(0, path, "empty directory");
	for (i = 0; i < n; i++) {
		if (asprintf(&sub, "%s/%s", path, names[i]->d_name) < 0) {
			result(0, path, "out of memory");
		} else {
			replay_file(sub);
			free(sub);
		}
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	char *self = strdup(argv[0]), *corpus = NULL;
	const char *name;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_path(argv[i]);
	} else {
		/* fuzz-NAME replays tests/fuzz/corpus/NAME */
		name = self ? basename(self) : "";
		if (!strncmp(name, "fuzz-", 5))
			name += 5;
		if (asprintf(&corpus, "tests/fuzz/corpus/%s", name) < 0) {
			corpus = NULL;
			result(0, name, "out of memory");
		} else {
			replay_path(corpus);
		}
	}
	printf("1..%d\n", tests);
	if (failed)
		printf("# %d of %d inputs failed\n", failed, tests);
	free(corpus);
	free(self);
	return failed ? 1 : 0;
}
