/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* What every fuzz target (tests/fuzz/) shares: its entry point and a contract check. */
#ifndef HUD_FUZZ_H
#define HUD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken contract is a crash, so that libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                 \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#endif /* HUD_FUZZ_H */
