/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Everything hud knows about the code it profiles, in one place:
 * - who owns a frame: the user's code, the Rust standard library, the async runtime,
 *   another crate, a system library or the kernel (hud blames the first user frame from
 *   the leaf, so these rules decide what the report points at);
 * - what the runtime's frames mean: which make a thread a worker or a blocking-pool
 *   thread, where the runtime parks an idle thread, and which kernel frame says why a
 *   thread left the CPU.
 * Frame rules are pure functions of strings; the stack rules read a symbolized stack.
 */
#ifndef HUD_CLASSIFY_H
#define HUD_CLASSIFY_H

#include <stdint.h>

enum hud_frame_class {
	HUD_FC_USER,
	HUD_FC_STD,
	HUD_FC_RUNTIME,
	HUD_FC_THIRD_PARTY,
	HUD_FC_SYSTEM,
	HUD_FC_KERNEL,
	HUD_FC_UNKNOWN,
	HUD_FC_MAX,
};

/*
 * Classify one (symbolized) frame. @function is the demangled name (NULL: unknown), @file
 * its DWARF source file or NULL, @dso_path the mapped file it came from or NULL. Pure: the
 * answer depends on the strings only. Rules, first match wins:
 *
 *   kernel                        is_kernel
 *   unknown                       function == NULL
 *   system                        dso is libc/libm/libpthread/ld-linux/libgcc_s/libstdc++/...
 *                                 or [vdso]
 *   runtime                       leading crate of the name is tokio*, mio, futures*, hyper*,
 *                                 tower*, axum*, tracing*
 *   std                           leading crate is std, core, alloc (or another sysroot crate)
 *   std                           file under /rustc/, library/{std,core,alloc}/, /rust/deps/
 *   runtime / third-party         file under a cargo registry, git checkout or /vendor/
 *                                 (runtime if the crate directory is a runtime crate)
 *   std                           no file, and a crate std depends on (gimli, hashbrown...)
 *   system                        a shared library in /lib, /usr/lib (and their 64 variants),
 *                                 or a libc-internal name (__GI_*, __libc_*, syscall...) outside
 *                                 the main program
 *   user                          everything else
 *
 * The leading crate of "<X as Trait>::f" and "<X>::f" is X's (a primitive X defers to Trait's,
 * or std); "core::ptr::drop_in_place<app::Foo>" is core's.
 */
enum hud_frame_class hud_classify_frame(const char *function, const char *file,
					const char *dso_path, int is_kernel);

/* "user", "std", "runtime", "third-party", "system", "kernel", "unknown". */
const char *hud_frame_class__name(enum hud_frame_class c);

/* What the stack rules look for in a frame, decided once per frame. */
enum hud_frame_flag {
	HUD_FF_WORKER = 1 << 0,	  /* a runtime scheduler frame: the thread works as a worker */
	HUD_FF_BLOCKING = 1 << 1, /* a blocking-pool frame */
	HUD_FF_BLOCK_ON = 1 << 2, /* the runtime's block_on, a runtime frame (by its shown name) */
	HUD_FF_SYSCALL = 1 << 3,  /* kernel: a system call or page fault: why it blocked */
	HUD_FF_SCHED = 1 << 4,	  /* kernel: the scheduler itself, never the reason */
};

/*
 * The enum hud_frame_flag bits of a frame: @function its demangled name (NULL: unknown),
 * @cls its class (hud_classify_frame()), @is_kernel for kernel frames.
 */
uint8_t hud_frame_flags(const char *function, enum hud_frame_class cls, int is_kernel);

struct hud_profile;
struct hud_stack;

/*
 * The stack rules, on a stack of @p whose frames are symbolized and flagged: its blamed
 * (hot) frame, its role, the kernel frame that says why it left the CPU, whether its
 * off-CPU time is the runtime parking an idle thread (then counted as idle, not blocked),
 * and whether it is complete (HUD_STACK_COMPLETE: it reaches a thread's or the program's
 * first function).
 */
void hud_classify_stack(const struct hud_profile *p, struct hud_stack *s);

#endif /* HUD_CLASSIFY_H */
