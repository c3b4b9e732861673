// SPDX-License-Identifier: GPL-2.0
/*
 * The RISC-V Sv39/Sv48/Sv57 page-table walker, the first stage of the
 * RISC-V IOMMU, with the rules of struct ioasid_format_riscv
 * (uapi/linux/ioasid.h); its contract is in riscv.h.
 *
 * Plain C (see walker.h). As the x86-64 walker: one attempt reads each
 * entry of the path once, top level first, and decides from the values it
 * read; with AD_UPDATE the leaf's A (and D for a write) is set with
 * compare-and-exchange after every check passed, and an entry that changed
 * since it was read makes the walk start again, at most RV_PT_ATTEMPTS
 * times. RISC-V pointers carry no permission and no A/D: only the leaf
 * decides, and only the leaf is ever updated.
 */
#include "riscv.h"

/* Entry bits (hexadecimal: walker.h code has no BIT_ULL()). */
#define RV_PT_V			0x1ULL			/* 0: valid */
#define RV_PT_R			0x2ULL			/* 1: readable */
#define RV_PT_W			0x4ULL			/* 2: writable */
#define RV_PT_X			0x8ULL			/* 3: executable */
#define RV_PT_U			0x10ULL			/* 4: user */
#define RV_PT_A			0x40ULL			/* 6: accessed */
#define RV_PT_D			0x80ULL			/* 7: dirty */
#define RV_PT_RSVD		0x1fc0000000000000ULL	/* 60:54 */
#define RV_PT_PBMT		0x6000000000000000ULL	/* 62:61 */
#define RV_PT_PBMT_RSVD		0x6000000000000000ULL	/* PBMT 3 */
#define RV_PT_N			0x8000000000000000ULL	/* 63: NAPOT */
#define RV_PT_RWX		(RV_PT_R | RV_PT_W | RV_PT_X)
/* PPN (53:10) shifted left by 2 is the address, 55:12. */
#define RV_PT_ADDR		0x00fffffffffff000ULL
#define RV_PT_NAPOT_MASK	0xf000ULL		/* PPN[3:0], as address */
#define RV_PT_NAPOT_64K		0x8000ULL		/* PPN[3:0] = 0b1000 */

#define RV_PT_PAGE_SHIFT	12
#define RV_PT_LEVEL_BITS	9
#define RV_PT_MAX_LEVELS	5
#define RV_PT_ATTEMPTS		8
#define RV_PT_SZ_4K		0x1000ULL
#define RV_PT_SZ_64K		0x10000ULL

/* ALLOC, BIND, FORMAT_INFO ------------------------------------------------ */

/* The leaf sizes of @levels levels and format @flags. */
static u64 rv_pt_sizes(u32 levels, u32 flags)
{
	u64 sizes = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);

	if (levels >= 4)
		sizes |= 1ULL << 39;
	if (levels >= 5)
		sizes |= 1ULL << 48;
	if (flags & IOASID_RISCV_SVNAPOT)
		sizes |= RV_PT_SZ_64K;
	return sizes;
}

int ioasid_riscv_config(struct ioasid_riscv_cfg *cfg,
			const struct ioasid_format_riscv *desc)
{
	u64 sizes, pgsizes;

	if (desc->flags & ~IOASID_RISCV_FLAGS || desc->__reserved)
		return -EOPNOTSUPP;
	if (desc->levels < 3 || desc->levels > RV_PT_MAX_LEVELS ||
	    desc->phys_bits < IOASID_RISCV_MIN_PHYS ||
	    desc->phys_bits > IOASID_RISCV_MAX_PHYS)
		return -EINVAL;
	sizes = rv_pt_sizes(desc->levels, desc->flags);
	pgsizes = desc->pgsize_bitmap ? desc->pgsize_bitmap : sizes;
	if (!(pgsizes & RV_PT_SZ_4K) || (pgsizes & ~sizes))
		return -EINVAL;
	*cfg = (struct ioasid_riscv_cfg){
		.levels = desc->levels,
		.phys_bits = desc->phys_bits,
		/* The CFG_ bits of the format are the uAPI's. */
		.flags = desc->flags,
		.pgsize_bitmap = pgsizes,
	};
	return 0;
}

int ioasid_riscv_bind(struct ioasid_riscv_cfg *cfg, u32 flags, u64 root,
		      u64 root1)
{
	if (flags & ~IOASID_RISCV_BIND)
		return -EOPNOTSUPP;
	if ((root & (RV_PT_SZ_4K - 1)) || (root >> cfg->phys_bits) || root1)
		return -EINVAL;
	cfg->root = root;
	cfg->flags &= ~IOASID_RISCV_CFG_SUM;
	if (flags & IOASID_BIND_RISCV_SUM)
		cfg->flags |= IOASID_RISCV_CFG_SUM;
	return 0;
}

void ioasid_riscv_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_RISCV_FLAGS;
	info->out_bind_flags = IOASID_RISCV_BIND;
	info->out_pgsize_bitmap = IOASID_RISCV_PGSIZES;
	info->out_levels_bitmap = (1ULL << 3) | (1ULL << 4) | (1ULL << 5);
	info->out_min_phys_bits = IOASID_RISCV_MIN_PHYS;
	info->out_max_phys_bits = IOASID_RISCV_MAX_PHYS;
	info->out_input_bits = IOASID_RISCV_INPUT_BITS;
	info->out_granule_bitmap = RV_PT_SZ_4K;
}

/* Entries ------------------------------------------------------------------ */

static inline int rv_pt_fail(struct ioasid_pt_result *res, int reason,
			     unsigned int level)
{
	res->fault_reason = reason;
	res->fault_level = level;
	return reason;
}

/* A reason from an io callback, or @fallback when it is not a reason. */
static inline int rv_pt_reason(int ret, int fallback)
{
	if (ret >= IOASID_FAULT_NOT_ATTACHED && ret <= IOASID_FAULT_WALK_LIMIT)
		return ret;
	return fallback;
}

static inline unsigned int rv_pt_shift(unsigned int level)
{
	return RV_PT_PAGE_SHIFT + RV_PT_LEVEL_BITS * (level - 1);
}

static inline u64 rv_pt_addr(u64 pte)
{
	return (pte << 2) & RV_PT_ADDR;
}

static inline bool rv_pt_cfg_ok(const struct ioasid_riscv_cfg *cfg)
{
	if (cfg->levels < 3 || cfg->levels > RV_PT_MAX_LEVELS)
		return false;
	if (cfg->phys_bits < IOASID_RISCV_MIN_PHYS ||
	    cfg->phys_bits > IOASID_RISCV_MAX_PHYS)
		return false;
	return !(cfg->root & ~RV_PT_ADDR) && !(cfg->root >> cfg->phys_bits);
}

/* The last address of the lower half: bits above it copy its top bit. */
static inline u64 rv_pt_low_last(unsigned int levels)
{
	return (1ULL << (rv_pt_shift(levels + 1) - 1)) - 1;
}

static inline bool rv_pt_canonical(u64 iova, unsigned int levels)
{
	u64 low_last = rv_pt_low_last(levels);

	return iova <= low_last || iova >= ~low_last;
}

/* The size of leaf @pte at @level (a NAPOT leaf: 64 KiB). */
static inline u64 rv_pt_leaf_size(u64 pte, unsigned int level)
{
	if (level == 1 && (pte & RV_PT_N))
		return RV_PT_SZ_64K;
	return 1ULL << rv_pt_shift(level);
}

/*
 * What entry @pte at @level is: 0, with *@leaf telling whether it ends the
 * path; or the fault it makes (IOASID_FAULT_NOT_PRESENT or _RESERVED).
 */
static int rv_pt_entry(const struct ioasid_riscv_cfg *cfg, u64 pte,
		       unsigned int level, bool *leaf)
{
	u64 addr = rv_pt_addr(pte), size;

	*leaf = false;
	if (!(pte & RV_PT_V))
		return IOASID_FAULT_NOT_PRESENT;
	if ((pte & RV_PT_RSVD) || (addr >> cfg->phys_bits))
		return IOASID_FAULT_RESERVED;
	if ((pte & RV_PT_PBMT) && (!(cfg->flags & IOASID_RISCV_CFG_SVPBMT) ||
				   (pte & RV_PT_PBMT) == RV_PT_PBMT_RSVD))
		return IOASID_FAULT_RESERVED;
	if ((pte & RV_PT_N) && !(cfg->flags & IOASID_RISCV_CFG_SVNAPOT))
		return IOASID_FAULT_RESERVED;
	if (!(pte & RV_PT_RWX)) {
		/* A pointer: no A, D, U, N, PBMT; none below level 1. */
		if (level == 1 || (pte & (RV_PT_A | RV_PT_D | RV_PT_U |
					  RV_PT_N | RV_PT_PBMT)))
			return IOASID_FAULT_RESERVED;
		return 0;
	}
	if ((pte & (RV_PT_R | RV_PT_W)) == RV_PT_W)
		return IOASID_FAULT_RESERVED;
	if (level > 1 && (pte & RV_PT_N))
		return IOASID_FAULT_RESERVED;
	if (level == 1 && (pte & RV_PT_N) &&
	    (addr & RV_PT_NAPOT_MASK) != RV_PT_NAPOT_64K)
		return IOASID_FAULT_RESERVED;
	size = rv_pt_leaf_size(pte, level);
	if (size != RV_PT_SZ_4K && !(cfg->pgsize_bitmap & size))
		return IOASID_FAULT_RESERVED;
	/* A superpage wider than the output space would run past it. */
	if ((size - 1) >> cfg->phys_bits)
		return IOASID_FAULT_RESERVED;
	/* A superpage's PPN is aligned to its size (NAPOT: replaced). */
	if (!(pte & RV_PT_N) && (addr & (size - 1)))
		return IOASID_FAULT_RESERVED;
	*leaf = true;
	return 0;
}

/* The parent address @iova translates to through leaf @pte at @level. */
static inline u64 rv_pt_leaf_out(u64 pte, unsigned int level, u64 iova)
{
	u64 size = rv_pt_leaf_size(pte, level);

	return (rv_pt_addr(pte) & ~(size - 1)) | (iova & (size - 1));
}

/* The IOASID_PT_* a leaf's R, W, X and U grant. */
static inline u32 rv_pt_grant(u64 pte, u32 flags)
{
	u32 perm = 0;

	if (pte & RV_PT_U) {
		if (pte & RV_PT_R)
			perm |= IOASID_PT_UR;
		if (pte & RV_PT_W)
			perm |= IOASID_PT_UW;
		if (pte & RV_PT_X)
			perm |= IOASID_PT_UX;
		if (!(flags & IOASID_RISCV_CFG_SUM))
			return perm;
		/* SUM: privileged reads and writes, never execution. */
		if (pte & RV_PT_R)
			perm |= IOASID_PT_SR;
		if (pte & RV_PT_W)
			perm |= IOASID_PT_SW;
		return perm;
	}
	if (pte & RV_PT_R)
		perm |= IOASID_PT_SR;
	if (pte & RV_PT_W)
		perm |= IOASID_PT_SW;
	if (pte & RV_PT_X)
		perm |= IOASID_PT_SX;
	return perm;
}

/*
 * What leaf @pte grants a walk that does not write: *@perm now, *@maybe
 * on top of it for a walk that writes. D clear withholds writes: with
 * AD_UPDATE a write walk sets D and gets them (@maybe), without it the
 * write faults (nothing in @maybe).
 */
static inline void rv_pt_leaf_perm(const struct ioasid_riscv_cfg *cfg,
				   u64 pte, u32 *perm, u32 *maybe)
{
	u32 grant = rv_pt_grant(pte, cfg->flags);
	u32 w = grant & (IOASID_PT_UW | IOASID_PT_SW);

	*perm = grant;
	*maybe = 0;
	if (pte & RV_PT_D)
		return;
	*perm = grant & ~w;
	if (cfg->flags & IOASID_RISCV_CFG_AD_UPDATE)
		*maybe = w;
}

/* Walking ------------------------------------------------------------------ */

/* What one attempt read and decided. */
struct rv_pt_walk {
	u64 addr;		/* the leaf entry's address */
	u64 pte;		/* and its value */
	unsigned int leaf;	/* its level */
};

/*
 * One attempt without side effects: read the path and check it. 0, or
 * the fault (in @res too).
 */
static int rv_pt_translate(const struct ioasid_riscv_cfg *cfg, u64 iova,
			   u32 access, const struct ioasid_pt_io *io,
			   struct rv_pt_walk *w, struct ioasid_pt_result *res)
{
	bool write = access & IOASID_ACCESS_WRITE, leaf = false;
	u64 table = cfg->root, addr = 0, pte = 0;
	unsigned int level;
	u32 need, perm, maybe;
	int ret;

	for (level = cfg->levels; level >= 1; level--) {
		addr = table + 8 * ((iova >> rv_pt_shift(level)) &
				    ((1U << RV_PT_LEVEL_BITS) - 1));
		ret = io->read(io->priv, addr, &pte);
		if (ret)
			return rv_pt_fail(res, rv_pt_reason(ret, IOASID_FAULT_TABLE),
					  level);
		ret = rv_pt_entry(cfg, pte, level, &leaf);
		if (ret)
			return rv_pt_fail(res, ret, level);
		if (leaf)
			break;
		table = rv_pt_addr(pte);
	}
	if (!leaf)	/* cannot happen: a pointer at level 1 is reserved */
		return rv_pt_fail(res, IOASID_FAULT_RESERVED, 1);

	w->addr = addr;
	w->pte = pte;
	w->leaf = level;
	/* Whatever the request: A clear faults unless the walker sets it. */
	if (!(pte & RV_PT_A) && !(cfg->flags & IOASID_RISCV_CFG_AD_UPDATE))
		return rv_pt_fail(res, IOASID_FAULT_ACCESS_FLAG, level);

	rv_pt_leaf_perm(cfg, pte, &perm, &maybe);
	need = ioasid_pt_need(access);
	if (write && !(pte & RV_PT_D) &&
	    !(cfg->flags & IOASID_RISCV_CFG_AD_UPDATE) &&
	    (need & rv_pt_grant(pte, cfg->flags)) == need)
		return rv_pt_fail(res, IOASID_FAULT_ACCESS_FLAG, level);
	if (write) {
		perm |= maybe;
		maybe = 0;
	}
	if ((need & perm) != need) {
		res->perm = perm;
		res->maybe = maybe;
		return rv_pt_fail(res, IOASID_FAULT_PERMISSION, level);
	}
	res->perm = perm;
	res->maybe = maybe;
	return 0;
}

int ioasid_riscv_walk(const struct ioasid_riscv_cfg *cfg, u64 iova,
		      u32 access, const struct ioasid_pt_io *io,
		      struct ioasid_pt_result *res)
{
	struct rv_pt_walk w;
	unsigned int attempt;
	u64 bits, cur;
	int ret;

	*res = (struct ioasid_pt_result){ 0 };
	if (!rv_pt_cfg_ok(cfg))
		return rv_pt_fail(res, IOASID_FAULT_RESERVED, 0);
	if (!rv_pt_canonical(iova, cfg->levels))
		return rv_pt_fail(res, IOASID_FAULT_NON_CANONICAL, cfg->levels);

	for (attempt = 0; attempt < RV_PT_ATTEMPTS; attempt++) {
		ret = rv_pt_translate(cfg, iova, access, io, &w, res);
		if (ret)
			return ret;
		bits = RV_PT_A;
		if (access & IOASID_ACCESS_WRITE)
			bits |= RV_PT_D;
		if ((cfg->flags & IOASID_RISCV_CFG_AD_UPDATE) &&
		    (w.pte & bits) != bits) {
			ret = io->cmpxchg(io->priv, w.addr, w.pte, w.pte | bits,
					  &cur);
			if (ret == -1)
				continue;
			if (ret) {
				res->perm = 0;
				res->maybe = 0;
				return rv_pt_fail(res, rv_pt_reason(ret, IOASID_FAULT_AD_UPDATE),
						  w.leaf);
			}
		}
		res->out = rv_pt_leaf_out(w.pte, w.leaf, iova);
		res->page_size = rv_pt_leaf_size(w.pte, w.leaf);
		return 0;
	}
	/* The leaf kept changing. */
	res->perm = 0;
	res->maybe = 0;
	return rv_pt_fail(res, IOASID_FAULT_AD_UPDATE, w.leaf);
}

/* Iterating ---------------------------------------------------------------- */

/* One iteration, and what it calls for each item. */
struct rv_pt_iter {
	const struct ioasid_riscv_cfg *cfg;
	const struct ioasid_pt_io *io;
	int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf);
	void *arg;
};

static int rv_pt_iter_fault(struct rv_pt_iter *it, u64 first, u64 last,
			    int reason, unsigned int level)
{
	struct ioasid_pt_leaf item = {
		.first = first,
		.last = last,
		.fault_reason = reason,
		.fault_level = level,
	};

	return it->fn(it->arg, &item);
}

static int rv_pt_iter_leaf(struct rv_pt_iter *it, u64 first, u64 last,
			   u64 pte, unsigned int level)
{
	struct ioasid_pt_leaf item = {
		.first = first,
		.last = last,
		.out = rv_pt_leaf_out(pte, level, first),
		.page_size = rv_pt_leaf_size(pte, level),
	};

	if (!(it->cfg->flags & IOASID_RISCV_CFG_AD_UPDATE)) {
		if (!(pte & RV_PT_A))
			return rv_pt_iter_fault(it, first, last,
						IOASID_FAULT_ACCESS_FLAG, level);
	} else {
		if (!(pte & RV_PT_A))
			item.update |= IOASID_PT_SET_A;
		if (!(pte & RV_PT_D))
			item.update |= IOASID_PT_SET_D;
	}
	rv_pt_leaf_perm(it->cfg, pte, &item.perm, &item.maybe);
	return it->fn(it->arg, &item);
}

/*
 * Visit [@first, @last] of the table at @table of @level, a range inside
 * the table's. The depth of the recursion is @level.
 */
static int rv_pt_iter_table(struct rv_pt_iter *it, u64 table,
			    unsigned int level, u64 first, u64 last)
{
	unsigned int shift = rv_pt_shift(level);
	u64 mask = (1ULL << shift) - 1;
	u64 addr = first, end, pte;
	bool leaf;
	int ret;

	for (;;) {
		u64 index = (addr >> shift) & ((1U << RV_PT_LEVEL_BITS) - 1);

		/* This entry's part of the range. */
		end = (addr | mask) < last ? (addr | mask) : last;

		ret = it->io->read(it->io->priv, table + 8 * index, &pte);
		if (ret)	/* the table page: the rest of it too */
			return rv_pt_iter_fault(it, addr, last,
						rv_pt_reason(ret, IOASID_FAULT_TABLE),
						level);

		ret = rv_pt_entry(it->cfg, pte, level, &leaf);
		if (ret == IOASID_FAULT_NOT_PRESENT)
			ret = 0;
		else if (ret)
			ret = rv_pt_iter_fault(it, addr, end, ret, level);
		else if (leaf)
			ret = rv_pt_iter_leaf(it, addr, end, pte, level);
		else if (level > 1)	/* always: level 1 has no pointer */
			ret = rv_pt_iter_table(it, rv_pt_addr(pte), level - 1,
					       addr, end);
		if (ret || end == last)
			return ret;
		addr = end + 1;
	}
}

int ioasid_riscv_iterate(const struct ioasid_riscv_cfg *cfg, u64 start,
			 u64 last, const struct ioasid_pt_io *io,
			 int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			 void *arg)
{
	struct rv_pt_iter it = { .cfg = cfg, .io = io, .fn = fn, .arg = arg };
	u64 low_last, high_first;
	int ret;

	if (start > last)
		return 0;
	if (!rv_pt_cfg_ok(cfg))
		return rv_pt_iter_fault(&it, start, last, IOASID_FAULT_RESERVED, 0);

	/* The canonical halves: [0, low_last] and [high_first, ~0]. */
	low_last = rv_pt_low_last(cfg->levels);
	high_first = ~low_last;

	if (start <= low_last) {
		ret = rv_pt_iter_table(&it, cfg->root, cfg->levels, start,
				       last < low_last ? last : low_last);
		if (ret || last <= low_last)
			return ret;
		start = low_last + 1;
	}
	if (start < high_first) {
		ret = rv_pt_iter_fault(&it, start,
				       last < high_first ? last : high_first - 1,
				       IOASID_FAULT_NON_CANONICAL, cfg->levels);
		if (ret || last < high_first)
			return ret;
		start = high_first;
	}
	return rv_pt_iter_table(&it, cfg->root, cfg->levels, start, last);
}
