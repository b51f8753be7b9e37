// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "util.h"

struct ksym {
	uint64_t addr; /* first: the key of hud_count_le_u64() */
	uint32_t name; /* offsets into the string pool */
	uint32_t module;
	int used;
};

struct ksyms {
	struct ksym *syms;
	size_t nr, cap;
	char *pool;
	size_t pool_len, pool_cap;
};

static long pool_add(struct ksyms *k, const char *s)
{
	size_t n = strlen(s) + 1;

	if (k->pool_len + n > UINT32_MAX)
		return -E2BIG;
	if (!HUD_GROW(k->pool, k->pool_cap, k->pool_len + n))
		return -ENOMEM;
	memcpy(k->pool + k->pool_len, s, n);
	k->pool_len += n;
	return (long)(k->pool_len - n);
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int load(struct ksyms *k, const char *path)
{
	char line[512], name[256], module[128];
	unsigned long long addr;
	int nonzero = 0;
	char type;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (pool_add(k, "") < 0) { /* offset 0: the empty module name */
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		long n, m = 0;
		int fields;

		module[0] = '\0';
		fields = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, module);
		if (fields < 3)
			continue;
		/* Only code: text, weak and (for the rare one) absolute symbols. */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		nonzero |= addr != 0;
		if (!HUD_GROW(k->syms, k->cap, k->nr + 1))
			goto nomem;
		n = pool_add(k, name);
		if (n >= 0 && module[0])
			m = pool_add(k, module);
		if (n < 0 || m < 0)
			goto nomem;
		k->syms[k->nr++] = (struct ksym){.addr = addr, .name = n, .module = m};
	}
	fclose(f);
	if (!nonzero)
		return -EPERM;
	qsort(k->syms, k->nr, sizeof(*k->syms), cmp_ksym);
	return 0;
nomem:
	fclose(f);
	return -ENOMEM;
}

/* Index of the last symbol at or below @addr, or -1. */
static long lookup(const struct ksyms *k, uint64_t addr)
{
	return (long)hud_count_le_u64(k->syms, k->nr, sizeof(*k->syms), addr) - 1;
}

int ksyms__load(struct ksyms **out, const char *kallsyms_path)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	int err;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	err = load(k, kallsyms_path);
	if (err) {
		ksyms__free(k);
		return err;
	}
	*out = k;
	return 0;
}

int ksyms__emit(struct ksyms *k, const uint64_t *ips, size_t nr,
		int (*fn)(void *ctx, uint64_t start, uint64_t end, const char *name,
			  const char *module),
		void *ctx)
{
	size_t i, j;
	int err, n = 0;

	for (i = 0; i < nr; i++) {
		long s = lookup(k, ips[i]);

		if (s < 0 || k->syms[s].used)
			continue;
		/* Aliases at one address are one extent: the first of them names it. */
		while (s > 0 && k->syms[s - 1].addr == k->syms[s].addr)
			s--;
		if (k->syms[s].used)
			continue;
		k->syms[s].used = 1;
		/* The extent runs to the next symbol at a higher address. */
		for (j = (size_t)s + 1; j < k->nr && k->syms[j].addr == k->syms[s].addr; j++)
			k->syms[j].used = 1;
		err = fn(ctx, k->syms[s].addr, j < k->nr ? k->syms[j].addr : k->syms[s].addr + 4096,
			 k->pool + k->syms[s].name, k->pool + k->syms[s].module);
		if (err)
			return err;
		n++;
	}
	return n;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->pool);
	free(k);
}
