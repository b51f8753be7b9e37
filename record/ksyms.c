// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hud_format.h"
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

int ksyms__write(struct hud_writer *w, const struct u64set *ips, const char *kallsyms_path)
{
	struct ksyms k = {0};
	uint64_t *sorted = NULL;
	size_t i, written = 0;
	int err;

	if (!ips->len)
		return 0;
	err = load(&k, kallsyms_path);
	if (err)
		goto out;
	err = u64set__sorted(ips, &sorted);
	if (err)
		goto out;
	for (i = 0; i < ips->len; i++) {
		long s = lookup(&k, sorted[i]);

		if (s >= 0)
			k.syms[s].used = 1;
	}
	for (i = 0; i < k.nr; i++) {
		struct hud_rec_ksym r;
		const char *name, *module;
		size_t j, nl, ml;
		char buf[400];

		if (!k.syms[i].used)
			continue;
		/* The extent runs to the next symbol at a higher address. */
		for (j = i + 1; j < k.nr && k.syms[j].addr == k.syms[i].addr; j++)
			;
		r.start = k.syms[i].addr;
		r.end = j < k.nr ? k.syms[j].addr : r.start + 4096;
		name = k.pool + k.syms[i].name;
		module = k.pool + k.syms[i].module;
		nl = strlen(name);
		ml = strlen(module);
		if (nl + ml + 2 > sizeof(buf))
			continue;
		memcpy(buf, name, nl + 1);
		memcpy(buf + nl + 1, module, ml + 1);
		err = hud_writer__add(w, HUD_REC_KSYM, &r, sizeof(r), buf, nl + ml + 2);
		if (err)
			goto out;
		written++;
	}
	err = (int)written;
out:
	free(sorted);
	free(k.syms);
	free(k.pool);
	return err;
}
