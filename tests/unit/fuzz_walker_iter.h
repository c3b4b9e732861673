/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The iteration side of every walker fuzzer (tests/unit/fuzz_walker_<name>.c):
 * the state of one iteration, its fake parent reads (with an injected
 * failure and a read budget) and cmpxchgs (which must not happen), and the
 * lookup of the collected items.  Include where the fuzzer has defined
 * struct fz (with its struct wmem m), violation(), F_ITER_ITEMS,
 * ITER_BUDGET and ITER_ITEMS.
 */
#ifndef FUZZ_WALKER_ITER_H
#define FUZZ_WALKER_ITER_H

struct fzi {
	struct fz *f;
	u64 start, last;
	unsigned long reads, calls;
	unsigned int read_fail_at;	/* the n-th read returns read_fail */
	int read_fail;
	int cut_reason;		/* a read failed by injection or budget... */
	u64 cut;		/* ...and the next item starts here (or ~0) */
	bool cut_seen;
	unsigned int n;
	struct ioasid_pt_leaf items[ITER_ITEMS];
};

static int fzi_read(void *priv, u64 addr, u64 *val)
{
	struct fzi *it = priv;
	int ret;

	it->reads++;
	if (addr & 7)
		violation(it->f, F_ITER_ITEMS, "read of %#" PRIx64, addr);
	if (it->read_fail_at && it->reads == it->read_fail_at)
		ret = it->read_fail;
	else if (it->reads > ITER_BUDGET)
		ret = IOASID_FAULT_WALK_LIMIT;
	else
		return wmem_read(&it->f->m, addr, val);
	if (!it->cut_reason)
		it->cut_reason = ret == IOASID_FAULT_WALK_LIMIT ? ret : IOASID_FAULT_TABLE;
	return ret;
}

static int fzi_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct fzi *it = priv;

	violation(it->f, F_ITER_ITEMS, "cmpxchg of %#" PRIx64, addr);
	return IOASID_FAULT_AD_UPDATE;
}

/* The item holding @a, or NULL. */
static const struct ioasid_pt_leaf *find_item(const struct fzi *it, u64 a)
{
	unsigned int lo = 0, hi = it->n;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (it->items[mid].last < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < it->n && it->items[lo].first <= a && a <= it->items[lo].last)
		return &it->items[lo];
	return NULL;
}

static u64 sat_add(u64 a, u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

#endif /* FUZZ_WALKER_ITER_H */
