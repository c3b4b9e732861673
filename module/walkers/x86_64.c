// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 (IA-32e) page-table walker: 4- and 5-level tables as VT-d's
 * first level and AMD's v2 tables use them, with the rules of struct
 * ioasid_format_x86_64 (uapi/linux/ioasid.h).
 *
 * Plain C (see walker.h): table memory is reached only through struct
 * ioasid_pt_io. One attempt reads each entry of the path once, top level
 * first, and takes every decision from the values it read, so a table
 * changing under the walk never makes it use two values of one entry. With
 * AD_UPDATE, a translation that passed every check sets the accessed bits
 * (and, for a write, the leaf's dirty bit) with compare-and-exchange; an
 * entry that changed since it was read makes the whole walk start again,
 * at most X86_PT_ATTEMPTS times in all.
 */
#include "walker.h"

/* Entry bits (hexadecimal: walker.h code has no BIT_ULL()). */
#define X86_PT_P		0x1ULL			/* 0: present */
#define X86_PT_RW		0x2ULL			/* 1: writable */
#define X86_PT_US		0x4ULL			/* 2: user */
#define X86_PT_A		0x20ULL			/* 5: accessed */
#define X86_PT_D		0x40ULL			/* 6: dirty */
#define X86_PT_PS		0x80ULL			/* 7: leaf, levels 2-3 */
#define X86_PT_PAT_LARGE	0x1000ULL		/* 12: PAT of a PS leaf */
#define X86_PT_ADDR		0x000ffffffffff000ULL	/* 51:12: address */
#define X86_PT_XD		0x8000000000000000ULL	/* 63: execute disable */

#define X86_PT_PAGE_SHIFT	12
#define X86_PT_LEVEL_BITS	9
#define X86_PT_MAX_LEVELS	5
#define X86_PT_ATTEMPTS		8

/* What one attempt read and decided. */
struct x86_pt_walk {
	u64 addr[X86_PT_MAX_LEVELS + 1];	/* by level: entry address */
	u64 pte[X86_PT_MAX_LEVELS + 1];		/* by level: its value */
	unsigned int leaf;			/* the leaf's level */
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
};

static inline int x86_pt_fail(struct ioasid_pt_result *res, int reason,
			      unsigned int level)
{
	res->fault_reason = reason;
	res->fault_level = level;
	return reason;
}

/* A reason from an io callback, or @fallback when it is not a reason. */
static inline int x86_pt_reason(int ret, int fallback)
{
	if (ret >= IOASID_FAULT_NOT_ATTACHED && ret <= IOASID_FAULT_WALK_LIMIT)
		return ret;
	return fallback;
}

static inline unsigned int x86_pt_shift(unsigned int level)
{
	return X86_PT_PAGE_SHIFT + X86_PT_LEVEL_BITS * (level - 1);
}

static inline bool x86_pt_cfg_ok(const struct ioasid_x86_64_cfg *cfg)
{
	if (cfg->levels != 4 && cfg->levels != 5)
		return false;
	if (cfg->phys_bits < IOASID_X86_64_MIN_PHYS ||
	    cfg->phys_bits > IOASID_X86_64_MAX_PHYS)
		return false;
	return !(cfg->root & ~X86_PT_ADDR) && !(cfg->root >> cfg->phys_bits);
}

/* Bits above 47 (or 56) copy that bit. */
static inline bool x86_pt_canonical(u64 iova, unsigned int levels)
{
	unsigned int top = x86_pt_shift(levels + 1) - 1;
	u64 high = iova >> top;

	return !high || high == ~0ULL >> top;
}

/* The IOASID_PT_* a leaf grants, from what every level of its path allows. */
static inline u32 x86_pt_grant(bool user, bool write, bool exec, u32 flags)
{
	u32 perm = 0;

	if (user) {
		perm |= IOASID_PT_UR;
		if (write)
			perm |= IOASID_PT_UW;
		if (exec)
			perm |= IOASID_PT_UX;
	}
	if (flags & IOASID_X86_64_CFG_SRE) {
		perm |= IOASID_PT_SR;
		if (write || !(flags & IOASID_X86_64_CFG_WPE))
			perm |= IOASID_PT_SW;
		if (exec && !user)
			perm |= IOASID_PT_SX;
	}
	return perm;
}

/*
 * One attempt without side effects: read the path, check it, and decide
 * the translation and its permissions. 0, or the fault (in @res too).
 */
static int x86_pt_translate(const struct ioasid_x86_64_cfg *cfg, u64 iova,
			    u32 access, const struct ioasid_pt_io *io,
			    struct x86_pt_walk *w, struct ioasid_pt_result *res)
{
	u64 phys_mask = (1ULL << cfg->phys_bits) - 1;
	u64 rsvd = X86_PT_ADDR & ~phys_mask;
	bool ad = cfg->flags & IOASID_X86_64_CFG_AD_UPDATE;
	bool user = true, write = true, exec = true;
	u64 table = cfg->root, pte = 0, size;
	unsigned int level;
	u32 grant, need;
	int ret;

	for (level = cfg->levels; level >= 1; level--) {
		u64 index = (iova >> x86_pt_shift(level)) &
			    ((1U << X86_PT_LEVEL_BITS) - 1);
		u64 addr = table + 8 * index;

		ret = io->read(io->priv, addr, &pte);
		if (ret)
			return x86_pt_fail(res, x86_pt_reason(ret, IOASID_FAULT_TABLE),
					   level);
		w->addr[level] = addr;
		w->pte[level] = pte;

		if (!(pte & X86_PT_P))
			return x86_pt_fail(res, IOASID_FAULT_NOT_PRESENT, level);
		if (pte & rsvd)
			return x86_pt_fail(res, IOASID_FAULT_RESERVED, level);

		user = user && (pte & X86_PT_US);
		write = write && (pte & X86_PT_RW);
		exec = exec && !(pte & X86_PT_XD);

		if (level == 1)
			break;
		if (pte & X86_PT_PS) {
			size = 1ULL << x86_pt_shift(level);
			if (level > 3 || !(cfg->pgsize_bitmap & size))
				return x86_pt_fail(res, IOASID_FAULT_RESERVED,
						   level);
			/* Below the address: PAT (12), then reserved bits. */
			if (pte & (size - 1) & ~(X86_PT_PAT_LARGE | 0xfffULL))
				return x86_pt_fail(res, IOASID_FAULT_RESERVED,
						   level);
			break;
		}
		table = pte & X86_PT_ADDR;
	}

	if (!level)	/* cannot happen: level 1 always ends the loop */
		return x86_pt_fail(res, IOASID_FAULT_RESERVED, 1);

	size = 1ULL << x86_pt_shift(level);
	w->leaf = level;
	w->page_size = size;
	w->out = (pte & X86_PT_ADDR & ~(size - 1)) | (iova & (size - 1));

	grant = x86_pt_grant(user, write, exec, cfg->flags);
	need = ioasid_pt_need(access);
	w->perm = grant;
	w->maybe = 0;
	/*
	 * Without the dirty bit, a translation for reading does not grant
	 * writes: a write walks again and sets it.
	 */
	if (ad && !(access & IOASID_ACCESS_WRITE) && !(pte & X86_PT_D)) {
		w->maybe = grant & (IOASID_PT_UW | IOASID_PT_SW);
		w->perm = grant & ~w->maybe;
	}
	if ((need & grant) != need) {
		res->perm = w->perm;
		res->maybe = w->maybe;
		return x86_pt_fail(res, IOASID_FAULT_PERMISSION, level);
	}
	return 0;
}

/*
 * Set A in every entry of the path, top level first, and D in the leaf for
 * a write. 0; -1 when an entry changed since it was read (its level in
 * res->fault_level); or the fault (in @res too).
 */
static int x86_pt_update_ad(const struct ioasid_x86_64_cfg *cfg, u32 access,
			    const struct ioasid_pt_io *io,
			    const struct x86_pt_walk *w,
			    struct ioasid_pt_result *res)
{
	unsigned int level;
	u64 bits, cur;
	int ret;

	for (level = cfg->levels; level >= w->leaf; level--) {
		bits = X86_PT_A;
		if (level == w->leaf && (access & IOASID_ACCESS_WRITE))
			bits |= X86_PT_D;
		if ((w->pte[level] & bits) == bits)
			continue;
		ret = io->cmpxchg(io->priv, w->addr[level], w->pte[level],
				  w->pte[level] | bits, &cur);
		if (ret == -1) {
			res->fault_level = level;
			return -1;
		}
		if (ret)
			return x86_pt_fail(res, x86_pt_reason(ret, IOASID_FAULT_AD_UPDATE),
					   level);
	}
	return 0;
}

int ioasid_x86_64_walk(const struct ioasid_x86_64_cfg *cfg, u64 iova,
		       u32 access, const struct ioasid_pt_io *io,
		       struct ioasid_pt_result *res)
{
	struct x86_pt_walk w;
	unsigned int attempt;
	int ret;

	*res = (struct ioasid_pt_result){ 0 };
	if (!x86_pt_cfg_ok(cfg))
		return x86_pt_fail(res, IOASID_FAULT_RESERVED, 0);
	if (!x86_pt_canonical(iova, cfg->levels))
		return x86_pt_fail(res, IOASID_FAULT_NON_CANONICAL, cfg->levels);

	for (attempt = 0; attempt < X86_PT_ATTEMPTS; attempt++) {
		ret = x86_pt_translate(cfg, iova, access, io, &w, res);
		if (ret)
			return ret;
		if (cfg->flags & IOASID_X86_64_CFG_AD_UPDATE) {
			ret = x86_pt_update_ad(cfg, access, io, &w, res);
			if (ret == -1)
				continue;
			if (ret)
				return ret;
		}
		res->out = w.out;
		res->page_size = w.page_size;
		res->perm = w.perm;
		res->maybe = w.maybe;
		res->fault_level = 0;
		return 0;
	}
	/* The entry at res->fault_level kept changing. */
	return x86_pt_fail(res, IOASID_FAULT_AD_UPDATE, res->fault_level);
}
