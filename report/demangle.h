/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Symbol demangling for hud-report: C++ (Itanium ABI), Rust legacy and Rust v0, through
 * libiberty. Rust legacy names carry a trailing "::h" + 16 hex digits hash that changes with
 * every build; it is always stripped so that reports and diffs match by function.
 */
#ifndef HUD_DEMANGLE_H
#define HUD_DEMANGLE_H

#include <stddef.h>

/*
 * Demangle @name. Returns a malloc()ed string the caller frees, or NULL with errno = EINVAL
 * when @name is not a mangled C++/Rust name (a C function, say). The result has no Rust
 * legacy hash; C++ names keep their parameter list ("foo::bar(int)"), as eu-addr2line -C
 * prints them. (libiberty aborts on allocation failure rather than returning NULL.)
 */
char *hud_demangle(const char *name);

/*
 * Remove a trailing Rust legacy hash ("::h0123456789abcdef") from @name in place.
 * Returns the new length of @name.
 */
size_t hud_strip_rust_hash(char *name);

#endif /* HUD_DEMANGLE_H */
