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
#include "x86_64.h"

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

/* What the entries of a path allow together, top level first. */
struct x86_pt_path {
	bool user, write, exec;
	bool accessed;		/* every entry has A */
};

static const struct x86_pt_path x86_pt_path_top = {
	.user = true, .write = true, .exec = true, .accessed = true,
};

static inline void x86_pt_path_add(struct x86_pt_path *p, u64 pte)
{
	p->user = p->user && (pte & X86_PT_US);
	p->write = p->write && (pte & X86_PT_RW);
	p->exec = p->exec && !(pte & X86_PT_XD);
	p->accessed = p->accessed && (pte & X86_PT_A);
}

/*
 * What entry @pte at @level is: 0, with *@leaf telling whether it ends
 * the path; or the fault it makes (IOASID_FAULT_NOT_PRESENT or _RESERVED).
 */
static inline int x86_pt_entry(const struct ioasid_x86_64_cfg *cfg, u64 pte,
			       unsigned int level, bool *leaf)
{
	u64 rsvd = X86_PT_ADDR & ~((1ULL << cfg->phys_bits) - 1);
	u64 size;

	*leaf = false;
	if (!(pte & X86_PT_P))
		return IOASID_FAULT_NOT_PRESENT;
	if (pte & rsvd)
		return IOASID_FAULT_RESERVED;
	*leaf = level == 1 || (pte & X86_PT_PS);
	if (level == 1 || !(pte & X86_PT_PS))
		return 0;
	size = 1ULL << x86_pt_shift(level);
	if (level > 3 || !(cfg->pgsize_bitmap & size))
		return IOASID_FAULT_RESERVED;
	/* Below the address: PAT (12), then reserved bits. */
	if (pte & (size - 1) & ~(X86_PT_PAT_LARGE | 0xfffULL))
		return IOASID_FAULT_RESERVED;
	return 0;
}

/* The parent address of the start of leaf @pte at @level. */
static inline u64 x86_pt_leaf_out(u64 pte, unsigned int level)
{
	return pte & X86_PT_ADDR & ~((1ULL << x86_pt_shift(level)) - 1);
}

/*
 * What leaf @pte at the end of @path grants a walk, which writes when
 * @write: *@perm now, and *@maybe on top of it after a write sets the
 * dirty bit. Without the dirty bit, with AD_UPDATE, a translation for
 * reading does not grant writes: a write walks again and sets it.
 */
static inline void x86_pt_leaf_perm(const struct ioasid_x86_64_cfg *cfg,
				    const struct x86_pt_path *path, u64 pte,
				    bool write, u32 *perm, u32 *maybe)
{
	u32 grant = x86_pt_grant(path->user, path->write, path->exec,
				 cfg->flags);

	*perm = grant;
	*maybe = 0;
	if ((cfg->flags & IOASID_X86_64_CFG_AD_UPDATE) && !write &&
	    !(pte & X86_PT_D)) {
		*maybe = grant & (IOASID_PT_UW | IOASID_PT_SW);
		*perm = grant & ~*maybe;
	}
}

/*
 * One attempt without side effects: read the path, check it, and decide
 * the translation and its permissions. 0, or the fault (in @res too).
 */
static int x86_pt_translate(const struct ioasid_x86_64_cfg *cfg, u64 iova,
			    u32 access, const struct ioasid_pt_io *io,
			    struct x86_pt_walk *w, struct ioasid_pt_result *res)
{
	struct x86_pt_path path = x86_pt_path_top;
	u64 table = cfg->root, pte = 0;
	unsigned int level;
	bool leaf = false;
	u32 need;
	int ret;

	for (level = cfg->levels; level >= 1; level--) {
		u64 index = (iova >> x86_pt_shift(level)) &
			    ((1U << X86_PT_LEVEL_BITS) - 1);
		u64 addr = table + 8 * index;

		ret = io->read(io->priv, addr, &pte);
		if (ret)
			return ioasid_pt_fail(res, ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE),
					   level);
		w->addr[level] = addr;
		w->pte[level] = pte;

		ret = x86_pt_entry(cfg, pte, level, &leaf);
		if (ret)
			return ioasid_pt_fail(res, ret, level);
		x86_pt_path_add(&path, pte);
		if (leaf)
			break;
		table = pte & X86_PT_ADDR;
	}

	if (!leaf)	/* cannot happen: level 1 always ends the path */
		return ioasid_pt_fail(res, IOASID_FAULT_RESERVED, 1);

	w->leaf = level;
	w->page_size = 1ULL << x86_pt_shift(level);
	w->out = x86_pt_leaf_out(pte, level) | (iova & (w->page_size - 1));
	x86_pt_leaf_perm(cfg, &path, pte, access & IOASID_ACCESS_WRITE,
			 &w->perm, &w->maybe);

	need = ioasid_pt_need(access);
	if ((need & w->perm) != need) {
		res->perm = w->perm;
		res->maybe = w->maybe;
		return ioasid_pt_fail(res, IOASID_FAULT_PERMISSION, level);
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
			return ioasid_pt_fail(res, ioasid_pt_io_reason(ret, IOASID_FAULT_AD_UPDATE),
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
		return ioasid_pt_fail(res, IOASID_FAULT_RESERVED, 0);
	if (!x86_pt_canonical(iova, cfg->levels))
		return ioasid_pt_fail(res, IOASID_FAULT_NON_CANONICAL, cfg->levels);

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
	return ioasid_pt_fail(res, IOASID_FAULT_AD_UPDATE, res->fault_level);
}

/* One iteration, and what it calls for each item. */
struct x86_pt_iter {
	const struct ioasid_x86_64_cfg *cfg;
	const struct ioasid_pt_io *io;
	int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf);
	void *arg;
};

static inline int x86_pt_iter_fault(struct x86_pt_iter *it, u64 first, u64 last,
				    int reason, unsigned int level)
{
	return ioasid_pt_fault_item(it->fn, it->arg, first, last, reason, level);
}

static int x86_pt_iter_leaf(struct x86_pt_iter *it, u64 first, u64 last,
			    u64 pte, unsigned int level,
			    const struct x86_pt_path *path)
{
	u64 size = 1ULL << x86_pt_shift(level);
	struct ioasid_pt_leaf item = {
		.first = first,
		.last = last,
		.out = x86_pt_leaf_out(pte, level) | (first & (size - 1)),
		.page_size = size,
	};

	x86_pt_leaf_perm(it->cfg, path, pte, false, &item.perm, &item.maybe);
	if (it->cfg->flags & IOASID_X86_64_CFG_AD_UPDATE) {
		if (!path->accessed)
			item.update |= IOASID_PT_SET_A;
		if (!(pte & X86_PT_D))
			item.update |= IOASID_PT_SET_D;
	}
	return it->fn(it->arg, &item);
}

/*
 * Visit [@first, @last] of the table at @table of @level, a range inside
 * the table's, under a path that allows @up. The depth of the recursion
 * is @level.
 */
static int x86_pt_iter_table(struct x86_pt_iter *it, u64 table,
			     unsigned int level, u64 first, u64 last,
			     const struct x86_pt_path *up)
{
	unsigned int shift = x86_pt_shift(level);
	u64 mask = (1ULL << shift) - 1;
	u64 addr = first, end, pte;
	struct x86_pt_path path;
	bool leaf;
	int ret;

	for (;;) {
		u64 index = (addr >> shift) & ((1U << X86_PT_LEVEL_BITS) - 1);

		/* This entry's part of the range. */
		end = (addr | mask) < last ? (addr | mask) : last;

		ret = it->io->read(it->io->priv, table + 8 * index, &pte);
		if (ret)	/* the table page: the rest of it too */
			return x86_pt_iter_fault(it, addr, last,
						 ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE),
						 level);

		ret = x86_pt_entry(it->cfg, pte, level, &leaf);
		if (ret == IOASID_FAULT_NOT_PRESENT) {
			ret = 0;
		} else if (ret) {
			ret = x86_pt_iter_fault(it, addr, end, ret, level);
		} else {
			path = *up;
			x86_pt_path_add(&path, pte);
			if (leaf)
				ret = x86_pt_iter_leaf(it, addr, end, pte, level,
						       &path);
			else if (level > 1)	/* always: level 1 is a leaf */
				ret = x86_pt_iter_table(it, pte & X86_PT_ADDR,
							level - 1, addr, end,
							&path);
		}
		if (ret || end == last)
			return ret;
		addr = end + 1;
	}
}

int ioasid_x86_64_iterate(const struct ioasid_x86_64_cfg *cfg, u64 start,
			  u64 last, const struct ioasid_pt_io *io,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg)
{
	struct x86_pt_iter it = { .cfg = cfg, .io = io, .fn = fn, .arg = arg };
	u64 low_last, high_first;
	int ret;

	if (start > last)
		return 0;
	if (!x86_pt_cfg_ok(cfg))
		return x86_pt_iter_fault(&it, start, last, IOASID_FAULT_RESERVED, 0);

	/* The canonical halves: [0, low_last] and [high_first, ~0]. */
	low_last = (1ULL << (x86_pt_shift(cfg->levels + 1) - 1)) - 1;
	high_first = ~low_last;

	if (start <= low_last) {
		ret = x86_pt_iter_table(&it, cfg->root, cfg->levels, start,
					last < low_last ? last : low_last,
					&x86_pt_path_top);
		if (ret || last <= low_last)
			return ret;
		start = low_last + 1;
	}
	if (start < high_first) {
		ret = x86_pt_iter_fault(&it, start,
					last < high_first ? last : high_first - 1,
					IOASID_FAULT_NON_CANONICAL, cfg->levels);
		if (ret || last < high_first)
			return ret;
		start = high_first;
	}
	return x86_pt_iter_table(&it, cfg->root, cfg->levels, start, last,
				 &x86_pt_path_top);
}

/* ALLOC, BIND and FORMAT_INFO ------------------------------------------------ */

#define X86_PT_BIND_FLAGS	(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE)

int ioasid_x86_64_config(struct ioasid_x86_64_cfg *cfg,
			 const struct ioasid_format_x86_64 *desc)
{
	u64 pgsizes = desc->pgsize_bitmap ? desc->pgsize_bitmap :
			IOASID_X86_64_PGSIZES;

	if (desc->flags & ~IOASID_X86_64_AD_UPDATE || desc->__reserved)
		return -EOPNOTSUPP;
	if ((desc->levels != 4 && desc->levels != 5) ||
	    desc->phys_bits < IOASID_X86_64_MIN_PHYS ||
	    desc->phys_bits > IOASID_X86_64_MAX_PHYS)
		return -EINVAL;
	if (!(pgsizes & (1ULL << X86_PT_PAGE_SHIFT)) ||
	    pgsizes & ~IOASID_X86_64_PGSIZES)
		return -EINVAL;
	*cfg = (struct ioasid_x86_64_cfg){
		.levels = desc->levels,
		.phys_bits = desc->phys_bits,
		.pgsize_bitmap = pgsizes,
		.flags = desc->flags & IOASID_X86_64_AD_UPDATE ?
			 IOASID_X86_64_CFG_AD_UPDATE : 0,
	};
	return 0;
}

int ioasid_x86_64_bind(struct ioasid_x86_64_cfg *cfg, u32 flags, u64 root,
		       u64 root1)
{
	if (flags & ~X86_PT_BIND_FLAGS)
		return -EOPNOTSUPP;
	if (root & ((1ULL << X86_PT_PAGE_SHIFT) - 1) || root >> cfg->phys_bits ||
	    root1)
		return -EINVAL;
	cfg->root = root;
	cfg->flags &= IOASID_X86_64_CFG_AD_UPDATE;
	if (flags & IOASID_BIND_X86_SRE)
		cfg->flags |= IOASID_X86_64_CFG_SRE;
	if (flags & IOASID_BIND_X86_WPE)
		cfg->flags |= IOASID_X86_64_CFG_WPE;
	return 0;
}

void ioasid_x86_64_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_X86_64_AD_UPDATE;
	info->out_bind_flags = X86_PT_BIND_FLAGS;
	info->out_pgsize_bitmap = IOASID_X86_64_PGSIZES;
	info->out_levels_bitmap = (1ULL << 4) | (1ULL << 5);
	info->out_min_phys_bits = IOASID_X86_64_MIN_PHYS;
	info->out_max_phys_bits = IOASID_X86_64_MAX_PHYS;
	info->out_input_bits = 57;
	info->out_granule_bitmap = 1ULL << X86_PT_PAGE_SHIFT;
}
