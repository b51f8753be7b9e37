// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Frame classification by name, source path and DSO, and the runtime's rules on stacks.
 * The names come from symbolize.c: demangled Rust (legacy or v0) or C++ paths, or plain C
 * symbols. A new runtime (or a new Tokio layout) is taught here: its crates in
 * runtime_crates, its scheduler and pool frames in worker_frames and blocking_frames, where
 * it parks in block_on_frames.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "classify.h"
#include "profile.h"
#include "util.h"

/* Crates of the Rust sysroot: what ships with rustc. */
static const char *const std_crates[] = {
	"std",	       "core",	 "alloc",      "proc_macro",	    "test",    "panic_unwind",
	"panic_abort", "unwind", "std_detect", "compiler_builtins", "__rustc",
};

/*
 * Crates std itself depends on (backtraces, allocator, hash maps). Their frames carry no
 * source file in the prebuilt std, so without a file they count as std; with a cargo
 * registry file they are the user's own dependency (third-party).
 */
static const char *const std_dep_crates[] = {
	"addr2line",	  "gimli",     "object", "miniz_oxide", "adler",    "adler2",
	"rustc_demangle", "hashbrown", "memchr", "cfg_if",	"dlmalloc",
};

/* The async runtime and the framework layers a Tokio service is built from. */
static const char *const runtime_crates[] = {
	"tokio",
	"tokio_util",
	"tokio_stream",
	"tokio_macros",
	"mio",
	"futures",
	"hyper",
	"hyper_util",
	"tower",
	"tower_service",
	"tower_layer",
	"tower_http",
	"axum",
	"axum_core",
	"tracing",
	"tracing_core",
	"tracing_futures",
	"tracing_subscriber",
	"tracing_attributes",
};

/* C library, dynamic loader, compiler runtime: matched on the DSO's basename. */
static const char *const system_dso_prefixes[] = {
	"libc.so",    "libc-",	 "libc.musl",  "ld-linux",   "ld64.so",	 "ld-musl",
	"libpthread", "libm.so", "libm-",      "libmvec",    "libdl.so", "libdl-",
	"librt.so",   "librt-",	 "libresolv",  "libnss_",    "libanl",	 "libgcc_s",
	"libstdc++",  "libc++",	 "linux-vdso", "linux-gate",
};

static const char *const system_dirs[] = {
	"/lib/", "/lib64/", "/lib32/", "/usr/lib/", "/usr/lib64/", "/usr/lib32/",
};

/* Names that only the C library and the loader use; trusted outside the main program. */
static const char *const libc_name_prefixes[] = {
	"__GI_",  "__libc_", "__pthread_", "__syscall", "__lll_",      "__futex", "_dl_",
	"__nptl", "__clone", "__GI___",	   "__sched_",	"__nanosleep", "__poll",  "__epoll",
};

static const char *const libc_names[] = {
	"syscall", "clone", "clone3", "start_thread", "epoll_wait", "epoll_pwait", "futex",
};

/* C runtime startup code linked into every executable (crt1.o, crti.o, crtbegin.o). */
static const char *const crt_names[] = {
	"_start",
	"_init",
	"_fini",
	"__libc_start_main",
	"__libc_start_call_main",
	"__libc_csu_init",
	"__libc_csu_fini",
	"frame_dummy",
	"register_tm_clones",
	"deregister_tm_clones",
	"__do_global_dtors_aux",
};

static const char *const primitives[] = {
	"bool", "char", "str",	"u8",	 "u16", "u32", "u64", "u128", "usize", "i8", "i16",
	"i32",	"i64",	"i128", "isize", "f16", "f32", "f64", "f128", "!",     "_",
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool in_list(const char *s, size_t len, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncmp(s, list[i], len))
			return true;
	return false;
}

static bool prefix_in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts_with(s, list[i]))
			return true;
	return false;
}

static bool is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static size_t ident_len(const char *p)
{
	size_t n = 0;

	while (is_ident_char(p[n]))
		n++;
	return n;
}

/* Skip what can precede a type's path inside "<...>": references, pointers, dyn, slices. */
static const char *skip_type_prefixes(const char *p)
{
	for (;;) {
		if (*p == '&' || *p == '[' || *p == '(' || *p == ' ' || *p == '\'')
			p++;
		else if (starts_with(p, "mut "))
			p += 4;
		else if (starts_with(p, "*const "))
			p += 7;
		else if (starts_with(p, "*mut "))
			p += 5;
		else if (starts_with(p, "dyn "))
			p += 4;
		else if (starts_with(p, "impl "))
			p += 5;
		else
			return p;
	}
}

/* In "<T as Trait>...", with @p just past the '<': the start of "Trait", or NULL. */
static const char *find_as(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		switch (*p) {
		case '<':
		case '(':
		case '[':
			depth++;
			break;
		case '>':
			if (p[-1] == '-') /* "fn() -> T" */
				break;
			/* fallthrough */
		case ')':
		case ']':
			if (depth-- == 0)
				return NULL;
			break;
		case ' ':
			if (depth == 0 && starts_with(p, " as "))
				return p + 4;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/*
 * The crate a demangled name belongs to: the first path segment, or for "<X as Trait>::f"
 * and "<X>::f" the type X's (a primitive X: Trait's crate, else core). Returns its length
 * and points *crate at it, or returns 0 (a C name, or not a path).
 */
static size_t name_crate(const char *name, const char **crate, int level)
{
	const char *p = name, *t, *as;
	size_t n;

	if (level > 8)
		return 0;
	if (*p != '<') {
		n = ident_len(p);
		if (!n || strncmp(p + n, "::", 2))
			return 0;
		*crate = p;
		return n;
	}
	t = skip_type_prefixes(p + 1);
	if (*t == '<')
		return name_crate(t, crate, level + 1);
	n = ident_len(t);
	if (n && !strncmp(t + n, "::", 2)) {
		*crate = t;
		return n;
	}
	as = find_as(p + 1);
	if (as)
		return name_crate(as, crate, level + 1);
	if (n && !in_list(t, n, primitives, ARRAY_SIZE(primitives)))
		return 0; /* an unqualified type: nothing to go on */
	/* Inherent methods of primitive types live in core/alloc/std. */
	*crate = "core";
	return 4;
}

static bool is_runtime_crate(const char *crate, size_t len)
{
	return in_list(crate, len, runtime_crates, ARRAY_SIZE(runtime_crates)) ||
	       (len > 8 && !strncmp(crate, "futures_", 8));
}

static bool is_std_file(const char *file)
{
	static const char *const dirs[] = {"library/std/", "library/core/", "library/alloc/"};
	size_t i;

	if (strstr(file, "/rustc/") || strstr(file, "/rust/deps/"))
		return true;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		const char *m = strstr(file, dirs[i]);

		if (m && (m == file || m[-1] == '/'))
			return true;
	}
	return false;
}

/*
 * If @file is in a dependency's source tree (cargo registry, git checkout, vendor dir),
 * return true and point *dir at the crate's directory name ("tokio-1.38.0"), if known.
 */
static bool dependency_dir(const char *file, const char **dir)
{
	const char *m;

	*dir = NULL;
	if ((m = strstr(file, "cargo/registry/src/"))) {
		m = strchr(m + strlen("cargo/registry/src/"), '/'); /* skip the index directory */
		*dir = m ? m + 1 : NULL;
		return true;
	}
	if ((m = strstr(file, "cargo/registry/"))) { /* Debian: /usr/share/cargo/registry/ */
		*dir = m + strlen("cargo/registry/");
		return true;
	}
	if ((m = strstr(file, "/vendor/"))) {
		*dir = m + strlen("/vendor/");
		return true;
	}
	return strstr(file, "/.cargo/git/") || strstr(file, "cargo/git/checkouts/");
}

/* "tokio-util-0.7.10/src/..." -> is tokio_util a runtime crate? */
static bool is_runtime_dir(const char *dir)
{
	char name[64];
	size_t n = 0, i;

	while (dir[n] && dir[n] != '/' && n < sizeof(name) - 1) {
		name[n] = dir[n] == '-' ? '_' : dir[n];
		n++;
	}
	name[n] = '\0';
	/* Strip the version: the last "-<digit>..." suffix. */
	for (i = n; i > 0; i--) {
		if (dir[i - 1] == '-' && dir[i] >= '0' && dir[i] <= '9') {
			n = i - 1;
			break;
		}
	}
	return is_runtime_crate(name, n);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static bool is_system_dso(const char *dso)
{
	if (!strcmp(dso, "[vdso]") || !strcmp(dso, "[vsyscall]"))
		return true;
	return prefix_in_list(base_name(dso), system_dso_prefixes, ARRAY_SIZE(system_dso_prefixes));
}

static bool is_shared_lib(const char *dso)
{
	return strstr(base_name(dso), ".so") != NULL;
}

enum hud_frame_class hud_classify_frame(const char *function, const char *file,
					const char *dso_path, int is_kernel)
{
	const char *crate = NULL, *dir;
	size_t len;

	if (is_kernel)
		return HUD_FC_KERNEL;
	if (!function)
		return HUD_FC_UNKNOWN;
	if (dso_path && is_system_dso(dso_path))
		return HUD_FC_SYSTEM;
	if (in_list(function, strlen(function), crt_names, ARRAY_SIZE(crt_names)))
		return HUD_FC_SYSTEM;

	len = name_crate(function, &crate, 0);
	if (len && is_runtime_crate(crate, len))
		return HUD_FC_RUNTIME;
	if (len && in_list(crate, len, std_crates, ARRAY_SIZE(std_crates)))
		return HUD_FC_STD;

	if (file) {
		if (is_std_file(file))
			return HUD_FC_STD;
		if (dependency_dir(file, &dir))
			return dir && is_runtime_dir(dir) ? HUD_FC_RUNTIME : HUD_FC_THIRD_PARTY;
	}

	if (!file && len && in_list(crate, len, std_dep_crates, ARRAY_SIZE(std_dep_crates)))
		return HUD_FC_STD;
	if (dso_path && is_shared_lib(dso_path) &&
	    prefix_in_list(dso_path, system_dirs, ARRAY_SIZE(system_dirs)))
		return HUD_FC_SYSTEM;
	if ((!dso_path || is_shared_lib(dso_path)) &&
	    (prefix_in_list(function, libc_name_prefixes, ARRAY_SIZE(libc_name_prefixes)) ||
	     in_list(function, strlen(function), libc_names, ARRAY_SIZE(libc_names))))
		return HUD_FC_SYSTEM;
	return HUD_FC_USER;
}

const char *hud_frame_class__name(enum hud_frame_class c)
{
	switch (c) {
	case HUD_FC_USER:
		return "user";
	case HUD_FC_STD:
		return "std";
	case HUD_FC_RUNTIME:
		return "runtime";
	case HUD_FC_THIRD_PARTY:
		return "third-party";
	case HUD_FC_SYSTEM:
		return "system";
	case HUD_FC_KERNEL:
		return "kernel";
	case HUD_FC_UNKNOWN:
		return "unknown";
	default:
		return "unknown";
	}
}

/* ---- what the runtime's frames mean ------------------------------------------------- */

/*
 * Roles come from the stack of each event, not from thread names: Tokio 1.24 starts its
 * workers through the blocking pool (so both kinds of frames are on a worker's stack),
 * block_in_place moves the worker role to another thread, and names are configurable.
 */
static const char *const worker_frames[] = {
	"tokio::runtime::scheduler::multi_thread::worker::",
	"tokio::runtime::scheduler::current_thread::",
	"tokio::runtime::thread_pool::worker::", /* Tokio before 1.21 */
	"tokio::runtime::basic_scheduler::",	 /* Tokio before 1.21 */
	"tokio::runtime::park::CachedParkThread::block_on",
	"tokio::runtime::runtime::Runtime::block_on",
};
static const char *const blocking_frames[] = {
	"tokio::runtime::blocking::pool::Inner::run",
	"tokio::runtime::blocking::pool::Spawner::spawn_thread",
};
/* Where the runtime parks a thread that entered it (see is_runtime_idle()). */
static const char *const block_on_frames[] = {
	"tokio::runtime::runtime::Runtime::block_on",
	"tokio::runtime::handle::Handle::block_on",
	"tokio::runtime::scheduler::current_thread::",
	"tokio::runtime::scheduler::multi_thread::MultiThread::block_on",
	"tokio::runtime::basic_scheduler::", /* Tokio before 1.21 */
};
static const char *const sched_frames[] = {
	"schedule", "__schedule", "__switch_to", "finish_task_switch", "preempt_schedule",
};

static bool contains_any(const char *fn, const char *const *needles, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (strstr(fn, needles[k]))
			return true;
	return false;
}

static uint8_t kernel_flags(const char *fn)
{
	if (!fn)
		return 0;
	if (strstr(fn, "_sys_") &&
	    (starts_with(fn, "__x64_sys_") || starts_with(fn, "__arm64_sys_") ||
	     starts_with(fn, "__se_sys_") || starts_with(fn, "__do_sys_")))
		return HUD_FF_SYSCALL;
	if (!strcmp(fn, "asm_exc_page_fault") || !strcmp(fn, "exc_page_fault"))
		return HUD_FF_SYSCALL;
	return prefix_in_list(fn, sched_frames, ARRAY_SIZE(sched_frames)) ? HUD_FF_SCHED : 0;
}

uint8_t hud_frame_flags(const char *function, enum hud_frame_class cls, int is_kernel)
{
	uint8_t flags = 0;

	if (is_kernel)
		return kernel_flags(function);
	if (!function)
		return 0;
	if (contains_any(function, worker_frames, ARRAY_SIZE(worker_frames)))
		flags |= HUD_FF_WORKER;
	if (contains_any(function, blocking_frames, ARRAY_SIZE(blocking_frames)))
		flags |= HUD_FF_BLOCKING;
	if (cls == HUD_FC_RUNTIME &&
	    prefix_in_list(function, block_on_frames, ARRAY_SIZE(block_on_frames)))
		flags |= HUD_FF_BLOCK_ON;
	return flags;
}

/* ---- stack rules -------------------------------------------------------------------- */

static uint8_t flags_at(const struct hud_profile *p, const struct hud_stack *s, uint32_t i)
{
	return profile__frame_flags(p, s, i);
}

static enum hud_role stack_role(const struct hud_profile *p, const struct hud_stack *s)
{
	unsigned flags = 0;
	uint32_t i;

	for (i = 0; i < s->nr_frames; i++)
		flags |= flags_at(p, s, i);
	if (flags & HUD_FF_WORKER)
		return HUD_ROLE_WORKER;
	if (flags & HUD_FF_BLOCKING)
		return HUD_ROLE_BLOCKING;
	return HUD_ROLE_OTHER;
}

/*
 * When the stack cannot tell (its binary could not be symbolized), fall back on the
 * recording's worker hint: the thread-name prefix hud-record found for the workers.
 */
static enum hud_role hinted_role(const struct hud_profile *p, const struct hud_stack *s)
{
	const char *hint, *comm;
	uint32_t i;

	/*
	 * Only a stack that could not be read at all defers to the hint: one with runtime
	 * frames was judged on them (blocking-pool threads carry the workers' names in
	 * Tokio 1.24, so the hint must not overrule a blocking verdict).
	 */
	for (i = 0; i < s->nr_frames; i++)
		if (profile__frame(p, s, i)->cls == HUD_FC_RUNTIME)
			return HUD_ROLE_OTHER;
	for (i = 0; i < s->nr_frames; i++)
		if (!profile__frame(p, s, i)->kernel && !profile__frame(p, s, i)->function)
			break;
	if (i == s->nr_frames)
		return HUD_ROLE_OTHER; /* fully symbolized: the stack's verdict stands */
	hint = profile__source_meta(p, s->src, "worker_hint");
	comm = profile__thread_name(p, s->src, s->tid);
	if (hint && *hint && comm && !strncmp(comm, hint, strlen(hint)))
		return HUD_ROLE_WORKER;
	return HUD_ROLE_OTHER;
}

/*
 * The kernel frame that says why a thread left the CPU: the system call it was in
 * (__x64_sys_futex -> "futex"), else the leafmost frame outside the scheduler itself.
 */
static int32_t find_reason_frame(const struct hud_profile *p, const struct hud_stack *s)
{
	int32_t i, leaf = -1;

	for (i = 0; i < (int32_t)s->nr_frames && profile__frame(p, s, i)->kernel; i++) {
		uint8_t fl = flags_at(p, s, i);

		if (!profile__frame(p, s, i)->function)
			continue;
		if (fl & HUD_FF_SYSCALL)
			return i;
		if (!(fl & HUD_FF_SCHED) && leaf < 0)
			leaf = i;
	}
	return leaf;
}

/*
 * Off-CPU time with no user frame and runtime frames on the stack is the runtime parking
 * an idle thread (or the blocking pool waiting for work): not a blocker. So is a thread
 * waiting inside the runtime's block_on, which user code (main, usually) called: the
 * `current_thread` runtime, or the thread that entered a multi-thread runtime, parks there
 * when its tasks have nothing to do. Only frames leafward of the user frame count: a
 * block_on rootward of it is the runtime running a task that blocked.
 */
static bool is_runtime_idle(const struct hud_profile *p, const struct hud_stack *s)
{
	uint32_t i;

	if (s->hot_frame < 0) {
		for (i = 0; i < s->nr_frames; i++)
			if (profile__frame(p, s, i)->cls == HUD_FC_RUNTIME)
				return true;
		return false;
	}
	for (i = 0; i < (uint32_t)s->hot_frame; i++)
		if (flags_at(p, s, i) & HUD_FF_BLOCK_ON)
			return true;
	return false;
}

/* Functions a thread's or the program's stack starts with: where no caller is missing. */
static const char *const entry_functions[] = {
	"start_thread",
	"clone3",
	"__clone3",
	"clone",
	"__clone",
	"_start",
	"__libc_start_call_main",
	"__libc_start_main",
};

/* Does @s reach back to where its thread (or the program) started? */
static bool is_complete(const struct hud_profile *p, const struct hud_stack *s)
{
	const struct hud_sym_frame *f;

	if (!s->nr_user || !s->nr_frames || (s->flags & HUD_STACK_TRUNCATED))
		return false;
	f = profile__frame(p, s, s->nr_frames - 1);
	return !f->kernel && f->function &&
	       in_list(f->function, strlen(f->function), entry_functions,
		       ARRAY_SIZE(entry_functions));
}

void hud_classify_stack(const struct hud_profile *p, struct hud_stack *s)
{
	uint32_t k;

	if (is_complete(p, s))
		s->flags |= HUD_STACK_COMPLETE;
	s->hot_frame = -1;
	for (k = 0; k < s->nr_frames; k++) {
		if (profile__frame(p, s, k)->cls == HUD_FC_USER) {
			s->hot_frame = (int32_t)k;
			break;
		}
	}
	s->role = stack_role(p, s);
	if (s->role == HUD_ROLE_OTHER)
		s->role = hinted_role(p, s);
	s->reason_frame = find_reason_frame(p, s);
	if (!is_runtime_idle(p, s))
		return;
	s->flags |= HUD_STACK_IDLE;
	if (s->count[HUD_CAT_BLOCKED]) {
		s->count[HUD_CAT_IDLE] += s->count[HUD_CAT_BLOCKED];
		s->ns[HUD_CAT_IDLE] += s->ns[HUD_CAT_BLOCKED];
		s->ns_sq[HUD_CAT_IDLE] += s->ns_sq[HUD_CAT_BLOCKED];
		s->count[HUD_CAT_BLOCKED] = 0;
		s->ns[HUD_CAT_BLOCKED] = 0;
		s->ns_sq[HUD_CAT_BLOCKED] = 0;
	}
}
