// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-top: hud-record as a child writing a file, and the live screen (tui.c) on that
 * file. The recording is exactly hud-record's; hud-top adds only the view. It is
 * hud-report's binary started under the name hud-top (main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "log.h"
#include "options.h"
#include "output.h"
#include "tui.h"
#include "util.h"

static const char usage_text[] =
	"Usage: hud-top [-o FILE] [hud-record OPTIONS] (-p PID[,PID...] | NAME)\n"
	"\n"
	"A live view of what keeps a Tokio program's worker threads busy and what blocks them,\n"
	"refreshed every second. hud-record records as it always does (as root), and the\n"
	"screen shows each worker's time budget and the top hotspots of the recording so far.\n"
	"\n"
	"Keys:\n"
	"  Up/Down          select a hotspot (in the stacks: scroll)\n"
	"  Enter, Esc       the selected hotspot's stacks, and back\n"
	"  1 2 3 4 5        only cpu, blocked, preempted, runqueue or idle hotspots\n"
	"  0, Tab           all of them but idle, or the next category\n"
	"  w                time window: whole recording, last 10 s, last 30 s\n"
	"  p                pause the display (the recording goes on)\n"
	"  q, Ctrl-C        stop recording and exit\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  keep the recording in FILE (default: a temporary file, removed\n"
	"                     at exit); read it later with hud-report -i FILE\n"
	"  -h, --help         this help\n"
	"  -V, --version      print the version\n"
	"Every other option is hud-record's (see hud-record --help): -p, --all, -F, -t, -g,\n"
	"-d, --ring-size, ... To watch a file another hud-record writes, use\n"
	"hud-report --follow -i FILE.\n"
	"\n"
	"Exit status:\n"
	"  0 stopped with q or Ctrl-C (or after the recording ended), 1 failure,\n"
	"  2 bad usage or not a terminal, else hud-record's own status when it could not\n"
	"  start (3 no such process, 4 not permitted, ...: see hud-record --help)\n"
	"\n"
	"Examples:\n"
	"  sudo hud-top my-service                # the process named my-service\n"
	"  sudo hud-top -o run.hud -p 4242 -F 199 # keep the file: hud-report -i run.hud\n";

/* hud-record next to this binary, else the one on PATH. */
static void recorder_path(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(out, size, "%.*s/hud-record", (int)(size - 16), self) <
				    (int)size &&
			    !access(out, X_OK))
				return;
		}
	}
	snprintf(out, size, "hud-record");
}

/* Copy the recorder's messages to stderr. */
static void print_log(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return REPORT_EXIT_FAILED;
}

int top__main(int argc, char **argv)
{
	struct report_read_opts ro;
	char dir[] = "/tmp/hud-top.XXXXXX", file[PATH_MAX], logpath[PATH_MAX], rec[PATH_MAX];
	char found[PATH_MAX + 16], msg[512];
	const char *output = NULL;
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	int i, n = 0, st, ret = REPORT_EXIT_FAILED, have_dir = 0, fd, started = 0;
	struct tui_opts to = {0};
	time_t since = time(NULL);
	pid_t child = -1;

	hud_progname = "hud-top";
	file[0] = logpath[0] = '\0';
	if (!args) {
		elog("out of memory");
		return REPORT_EXIT_FAILED;
	}
	recorder_path(rec, sizeof(rec));
	args[n++] = "hud-record";
	args[n++] = "-o";
	args[n++] = file;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			free(args);
			return REPORT_EXIT_OK;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("hud-top %s\n", HUD_VERSION);
			free(args);
			return REPORT_EXIT_OK;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 == argc)
				hud_usage_error("%s needs a FILE", a);
			output = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			output = a + 9;
		} else if (!strncmp(a, "-o", 2)) {
			output = a + 2;
		} else {
			args[n++] = argv[i];
		}
	}
	if (output && (!*output || !strcmp(output, "-")))
		hud_usage_error("-o needs a file name: the screen reads the recording as it grows");
	if (n == 3)
		hud_usage_error("no target: pass a process NAME or -p PID (see hud-top --help)");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		elog("not a terminal: hud-top needs one; record with 'hud-record -o FILE ...' and "
		     "read it with 'hud-report -i FILE'");
		free(args);
		return REPORT_EXIT_USAGE;
	}
	if (!output) {
		if (!mkdtemp(dir)) {
			elog("cannot create a temporary directory: %s", strerror(errno));
			goto out;
		}
		have_dir = 1;
		snprintf(file, sizeof(file), "%s/hud-top.hud", dir);
		snprintf(logpath, sizeof(logpath), "%s/hud-record.log", dir);
		fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	} else {
		snprintf(file, sizeof(file), "%s", output);
		snprintf(logpath, sizeof(logpath), "/tmp/hud-top-log.XXXXXX");
		fd = mkostemp(logpath, O_CLOEXEC);
	}
	if (fd < 0) {
		elog("cannot create %s: %s", logpath, strerror(errno));
		goto out;
	}

	child = fork();
	if (child < 0) {
		elog("fork: %s", strerror(errno));
		close(fd);
		goto out;
	}
	if (child == 0) {
		/*
		 * Its own process group: Ctrl-C reaches hud-top, which stops it cleanly; and
		 * should hud-top die, the recording is stopped and finalized all the same.
		 */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (getppid() == 1)
			_exit(REPORT_EXIT_FAILED);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(rec, args);
		execvp("hud-record", args);
		fprintf(stderr, "hud-top: cannot run hud-record: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd);
	/* Until hud-record has started writing, its failure is printed as it said it. */
	for (i = 0; i < 3000 && !started; i++) {
		if (waitpid(child, &st, WNOHANG) == child) {
			child = -1;
			print_log(logpath);
			ret = exit_status(st);
			if (ret == 127)
				elog("hud-record not found next to hud-top or on PATH");
			if (!ret)
				ret = REPORT_EXIT_FAILED;
			goto out;
		}
		/* Its FILE.tmp-XXXXXX, or FILE once it has attached and renamed it. */
		started = !live__find_file(file, since, found, sizeof(found));
		if (!started)
			usleep(10000);
	}
	if (!started) {
		elog("hud-record did not start writing %s in 30 s", file);
		goto out;
	}
	report_opts__init(&ro);
	ro.roles = HUD_ROLES_WORKERS;
	to.path = file;
	to.since = since;
	to.recorder = child;
	to.ro = &ro;
	i = tui__run(&to, msg, sizeof(msg));
	report_opts__free(&ro);
	/* Stop the recording: hud-record finalizes the file on SIGINT, as on Ctrl-C. */
	if (kill(child, SIGINT) == 0 || errno != ESRCH) {
		fprintf(stderr, "hud-top: stopping hud-record ...\n");
		if (waitpid(child, &st, 0) == child)
			ret = exit_status(st);
	} else {
		ret = waitpid(child, &st, 0) == child ? exit_status(st) : REPORT_EXIT_FAILED;
	}
	child = -1;
	print_log(logpath);
	if (i < 0) {
		elog("%s", msg);
		ret = REPORT_EXIT_FAILED;
	} else if (ret == 0) {
		if (output)
			fprintf(stderr, "hud-top: the recording is in %s: hud-report -i %s\n",
				output, output);
		else
			fprintf(stderr, "hud-top: the recording was discarded (pass -o FILE to "
					"keep it)\n");
	}
out:
	if (child > 0) {
		kill(child, SIGINT);
		waitpid(child, &st, 0);
	}
	if (have_dir) {
		char pattern[PATH_MAX + 8];
		glob_t g;
		size_t k;

		/* The recording, and what a killed hud-record left of it. */
		snprintf(pattern, sizeof(pattern), "%s/*", dir);
		if (!glob(pattern, GLOB_NOSORT, NULL, &g)) {
			for (k = 0; k < g.gl_pathc; k++)
				unlink(g.gl_pathv[k]);
			globfree(&g);
		}
		rmdir(dir);
	} else if (logpath[0]) {
		unlink(logpath);
	}
	free(args);
	return ret;
}
