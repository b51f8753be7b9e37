// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * libiberty's cplus_demangle() with DMGL_AUTO tries Rust first (legacy Rust symbols are
 * valid Itanium names, so the order matters: the C++ demangler would print "$LT$" escapes
 * and the hash), then Itanium C++. Without DMGL_VERBOSE the Rust demangler drops the legacy
 * hash and v0 crate disambiguators itself; hud_strip_rust_hash() is a second line of defence
 * for names demangled elsewhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "demangle.h"

#define RUST_HASH_LEN 19 /* "::h" + 16 hex digits */

size_t hud_strip_rust_hash(char *name)
{
	size_t len = strlen(name), i;
	char *h;

	if (len <= RUST_HASH_LEN)
		return len;
	h = name + len - RUST_HASH_LEN;
	if (h[0] != ':' || h[1] != ':' || h[2] != 'h')
		return len;
	for (i = 3; i < RUST_HASH_LEN; i++) {
		char c = h[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return len;
	}
	*h = '\0';
	return len - RUST_HASH_LEN;
}

char *hud_demangle(const char *name)
{
	char *out;

	/* Itanium names start with _Z, Rust v0 with _R; skip the demangler for C symbols. */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R')) {
		errno = EINVAL;
		return NULL;
	}
	out = cplus_demangle(name, DMGL_AUTO | DMGL_PARAMS | DMGL_ANSI);
	if (!out) {
		errno = EINVAL;
		return NULL;
	}
	hud_strip_rust_hash(out);
	return out;
}
