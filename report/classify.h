/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Who owns a frame: the user's code, the Rust standard library, the async runtime, another
 * crate, a system library or the kernel. hud blames the first user frame from the leaf, so
 * these rules decide what the report points at.
 */
#ifndef HUD_CLASSIFY_H
#define HUD_CLASSIFY_H

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

#endif /* HUD_CLASSIFY_H */
