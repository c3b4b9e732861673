// SPDX-License-Identifier: GPL-2.0
/*
 * The Arm VMSAv8-64 stage-1 walker: the two halves of the input space
 * (TTB0, TTB1), 4, 16 and 64 KiB granules, blocks where the granule has
 * them, AP/XN with their hierarchical table limits, the access flag and
 * dirty state by DBM; the rules of struct ioasid_format_arm64
 * (uapi/linux/ioasid.h) and arm64.h.
 *
 * As x86_64.c: one attempt reads each entry of the path once, top level
 * first, and decides from the values it read; an update of the leaf (AF
 * set, AP[2] cleared) is one compare-and-exchange, and a leaf that changed
 * since it was read makes the walk start again, at most ARM_PT_ATTEMPTS
 * times in all.
 */
#include "arm64.h"

/* Descriptor bits (hexadecimal: walker.h code has no BIT_ULL()). */
#define ARM_PT_VALID		0x1ULL			/* 0 */
#define ARM_PT_TABLE		0x2ULL			/* 1: table, or page */
#define ARM_PT_AP1		0x40ULL			/* 6: unprivileged */
#define ARM_PT_AP2		0x80ULL			/* 7: read-only */
#define ARM_PT_AF		0x400ULL		/* 10: access flag */
#define ARM_PT_ADDR		0x0000fffffffff000ULL	/* 47:12 */
#define ARM_PT_RES_LEAF		0x0003000000000000ULL	/* 49:48 */
#define ARM_PT_RES_TABLE	0x000f000000000000ULL	/* 51:48 */
#define ARM_PT_DBM		0x0008000000000000ULL	/* 51 */
#define ARM_PT_PXN		0x0020000000000000ULL	/* 53 */
#define ARM_PT_UXN		0x0040000000000000ULL	/* 54 */
#define ARM_PT_PXNTABLE		0x0800000000000000ULL	/* 59 */
#define ARM_PT_UXNTABLE		0x1000000000000000ULL	/* 60 */
#define ARM_PT_APTABLE0		0x2000000000000000ULL	/* 61: no EL0 */
#define ARM_PT_APTABLE1		0x4000000000000000ULL	/* 62: no write */

#define ARM_PT_ATTEMPTS		8
#define ARM_PT_WRITE		(IOASID_PT_UW | IOASID_PT_SW)

static const u32 arm_pt_epd[2] = { IOASID_ARM64_EPD0, IOASID_ARM64_EPD1 };
static const u32 arm_pt_tbi[2] = { IOASID_ARM64_TBI0, IOASID_ARM64_TBI1 };

static inline int arm_pt_fail(struct ioasid_pt_result *res, int reason,
			      unsigned int level)
{
	res->fault_reason = reason;
	res->fault_level = level;
	return reason;
}

/* A reason from an io callback, or @fallback when it is not a reason. */
static inline int arm_pt_reason(int ret, int fallback)
{
	if (ret >= IOASID_FAULT_NOT_ATTACHED && ret <= IOASID_FAULT_WALK_LIMIT)
		return ret;
	return fallback;
}

/* Geometry ---------------------------------------------------------------- */

static inline bool arm_pt_granule_ok(unsigned int g)
{
	return g == 12 || g == 14 || g == 16;
}

static inline u64 arm_pt_granule_sizes(unsigned int g)
{
	if (g == 12)
		return IOASID_ARM64_PGSIZES_4K;
	if (g == 14)
		return IOASID_ARM64_PGSIZES_16K;
	return IOASID_ARM64_PGSIZES_64K;
}

static inline bool arm_pt_oas_ok(u32 oas)
{
	return oas == 32 || oas == 36 || oas == 40 || oas == 42 ||
	       oas == 44 || oas == 48;
}

/* Lookup levels for 64 - @tsz input bits: each resolves @g - 3 bits. */
static inline unsigned int arm_pt_levels(unsigned int tsz, unsigned int g)
{
	return (64 - tsz - g + (g - 3) - 1) / (g - 3);
}

/* The lowest input bit that @level (1: the granule's pages) indexes. */
static inline unsigned int arm_pt_shift(const struct ioasid_arm64_half *h,
					unsigned int level)
{
	return h->granule + (h->granule - 3) * (level - 1);
}

/* How many index bits the table of @level has (the top one may have fewer). */
static inline unsigned int arm_pt_index_bits(const struct ioasid_arm64_half *h,
					     unsigned int level)
{
	if (level == h->levels)
		return 64 - h->tsz - arm_pt_shift(h, level);
	return h->granule - 3;
}

/* The alignment of a half's root: its top table's size, at least 64. */
static inline u64 arm_pt_root_align(const struct ioasid_arm64_half *h)
{
	u64 size = 8ULL << arm_pt_index_bits(h, h->levels);

	return size < 64 ? 64 : size;
}

/* Can @level hold a block with granule @g and a 48-bit output? */
static inline bool arm_pt_block_level(unsigned int g, unsigned int level)
{
	return level == 2 || (g == 12 && level == 3);
}

static bool arm_pt_half_ok(const struct ioasid_arm64_cfg *cfg, unsigned int i)
{
	const struct ioasid_arm64_half *h = &cfg->half[i];

	if (h->tsz < IOASID_ARM64_MIN_TSZ || h->tsz > IOASID_ARM64_MAX_TSZ ||
	    !arm_pt_granule_ok(h->granule) ||
	    h->levels != arm_pt_levels(h->tsz, h->granule) ||
	    !(cfg->pgsize_bitmap & (1ULL << h->granule)))
		return false;
	if (cfg->flags & arm_pt_epd[i])
		return true;
	return !(h->root & (arm_pt_root_align(h) - 1)) &&
	       !(h->root >> cfg->oas_bits);
}

static bool arm_pt_cfg_ok(const struct ioasid_arm64_cfg *cfg)
{
	u64 declared = arm_pt_granule_sizes(cfg->half[0].granule) |
		       arm_pt_granule_sizes(cfg->half[1].granule);

	if ((cfg->flags & ~IOASID_ARM64_FLAGS) || !arm_pt_oas_ok(cfg->oas_bits) ||
	    ((cfg->flags & IOASID_ARM64_HD) && !(cfg->flags & IOASID_ARM64_HA)))
		return false;
	if (!arm_pt_half_ok(cfg, 0) || !arm_pt_half_ok(cfg, 1))
		return false;
	return !(cfg->pgsize_bitmap & ~declared);
}

/* Configuration ----------------------------------------------------------- */

int ioasid_arm64_config(struct ioasid_arm64_cfg *cfg,
			const struct ioasid_format_arm64 *desc)
{
	const u8 tsz[2] = { desc->t0sz, desc->t1sz };
	const u8 tg[2] = { desc->tg0, desc->tg1 };
	u64 declared = 0, sizes;
	unsigned int i;

	if ((desc->flags & ~IOASID_ARM64_FLAGS) || desc->__reserved ||
	    desc->oas_bits == 52)
		return -EOPNOTSUPP;
	if ((desc->flags & IOASID_ARM64_HD) && !(desc->flags & IOASID_ARM64_HA))
		return -EINVAL;
	if (!arm_pt_oas_ok(desc->oas_bits))
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		if (tsz[i] < IOASID_ARM64_MIN_TSZ || tsz[i] > IOASID_ARM64_MAX_TSZ ||
		    !arm_pt_granule_ok(tg[i]))
			return -EINVAL;
		declared |= arm_pt_granule_sizes(tg[i]);
	}
	sizes = desc->pgsize_bitmap ? desc->pgsize_bitmap : declared;
	if (sizes & ~declared)
		return -EINVAL;
	*cfg = (struct ioasid_arm64_cfg){
		.flags = desc->flags,
		.oas_bits = desc->oas_bits,
		.pgsize_bitmap = sizes,
	};
	for (i = 0; i < 2; i++) {
		if (!(sizes & (1ULL << tg[i])))
			return -EINVAL;
		cfg->half[i].tsz = tsz[i];
		cfg->half[i].granule = tg[i];
		cfg->half[i].levels = arm_pt_levels(tsz[i], tg[i]);
	}
	return 0;
}

int ioasid_arm64_bind(struct ioasid_arm64_cfg *cfg, u32 flags, u64 root,
		      u64 root1)
{
	const u64 roots[2] = { root, root1 };
	unsigned int i;

	if (flags)
		return -EOPNOTSUPP;
	for (i = 0; i < 2; i++) {
		if (cfg->flags & arm_pt_epd[i]) {
			if (roots[i])
				return -EINVAL;
			continue;
		}
		if ((roots[i] & (arm_pt_root_align(&cfg->half[i]) - 1)) ||
		    roots[i] >> cfg->oas_bits)
			return -EINVAL;
	}
	cfg->half[0].root = root;
	cfg->half[1].root = root1;
	return 0;
}

void ioasid_arm64_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_ARM64_FLAGS;
	info->out_bind_flags = 0;
	info->out_pgsize_bitmap = IOASID_ARM64_PGSIZES;
	info->out_levels_bitmap = BIT(1) | BIT(2) | BIT(3) | BIT(4);
	info->out_min_phys_bits = IOASID_ARM64_MIN_PHYS;
	info->out_max_phys_bits = IOASID_ARM64_MAX_PHYS;
	info->out_input_bits = IOASID_ARM64_INPUT_BITS;
	info->out_granule_bitmap = IOASID_ARM64_GRANULES;
}

/* Descriptors ------------------------------------------------------------- */

/* What the table descriptors of a path allow below them, top level first. */
struct arm_pt_path {
	bool no_user, no_write, pxn, uxn;
};

static const struct arm_pt_path arm_pt_path_top;

static inline void arm_pt_path_add(struct arm_pt_path *p, u64 pte)
{
	p->no_user = p->no_user || (pte & ARM_PT_APTABLE0);
	p->no_write = p->no_write || (pte & ARM_PT_APTABLE1);
	p->pxn = p->pxn || (pte & ARM_PT_PXNTABLE);
	p->uxn = p->uxn || (pte & ARM_PT_UXNTABLE);
}

/*
 * What leaf @pte under @path grants: AP[2:1] limited by APTable, UXN and
 * PXN by their table bits, and no privileged execution of a page that
 * unprivileged requests may write.
 */
static u32 arm_pt_grant(u64 pte, const struct arm_pt_path *p)
{
	bool ro = (pte & ARM_PT_AP2) || p->no_write;
	bool user = (pte & ARM_PT_AP1) && !p->no_user;
	u32 perm = IOASID_PT_SR;

	if (!ro)
		perm |= IOASID_PT_SW;
	if (user)
		perm |= ro ? IOASID_PT_UR : IOASID_PT_UR | IOASID_PT_UW;
	if (!(pte & ARM_PT_UXN) && !p->uxn)
		perm |= IOASID_PT_UX;
	if (!(pte & ARM_PT_PXN) && !p->pxn && !(user && !ro))
		perm |= IOASID_PT_SX;
	return perm;
}

/* Is @pte writable-clean: would a write clear its AP[2]? */
static inline bool arm_pt_clean(const struct ioasid_arm64_cfg *cfg, u64 pte,
				const struct arm_pt_path *p)
{
	return (cfg->flags & IOASID_ARM64_HD) && (pte & ARM_PT_DBM) &&
	       (pte & ARM_PT_AP2) && !p->no_write;
}

/*
 * What descriptor @pte at @level of half @h is: 0, with *@leaf telling
 * whether it ends the path; or IOASID_FAULT_NOT_PRESENT or _RESERVED.
 */
static int arm_pt_entry(const struct ioasid_arm64_cfg *cfg,
			const struct ioasid_arm64_half *h, u64 pte,
			unsigned int level, bool *leaf)
{
	u64 wide = ARM_PT_ADDR & ~((1ULL << cfg->oas_bits) - 1);
	u64 size;

	*leaf = false;
	if (!(pte & ARM_PT_VALID))
		return IOASID_FAULT_NOT_PRESENT;
	if (level > 1 && (pte & ARM_PT_TABLE)) {
		size = 1ULL << h->granule;	/* a table is a granule */
		if (pte & (ARM_PT_RES_TABLE | wide | (ARM_PT_ADDR & (size - 1))))
			return IOASID_FAULT_RESERVED;
		return 0;
	}
	*leaf = true;
	size = 1ULL << arm_pt_shift(h, level);
	if (level == 1 ? !(pte & ARM_PT_TABLE) :
	    !arm_pt_block_level(h->granule, level) || !(cfg->pgsize_bitmap & size))
		return IOASID_FAULT_RESERVED;
	if (pte & (ARM_PT_RES_LEAF | wide | (ARM_PT_ADDR & (size - 1))))
		return IOASID_FAULT_RESERVED;
	return 0;
}

static inline u64 arm_pt_leaf_out(u64 pte, u64 size)
{
	return pte & ARM_PT_ADDR & ~(size - 1);
}

/*
 * The half of @iova, or -1 with the fault in @res: outside both halves
 * (bits from 55, or 63 without TBI, down to the half's input size must
 * equal bit 55), or a disabled half.
 */
static int arm_pt_half(const struct ioasid_arm64_cfg *cfg, u64 iova,
		       struct ioasid_pt_result *res)
{
	unsigned int i = (iova >> 55) & 1;
	const struct ioasid_arm64_half *h = &cfg->half[i];
	unsigned int ia = 64 - h->tsz;
	unsigned int top = (cfg->flags & arm_pt_tbi[i]) ? 55 : 63;
	u64 mask = (1ULL << (top - ia + 1)) - 1;
	u64 high = (iova >> ia) & mask;

	if (high != (i ? mask : 0)) {
		arm_pt_fail(res, IOASID_FAULT_NON_CANONICAL, h->levels);
		return -1;
	}
	if (cfg->flags & arm_pt_epd[i]) {
		arm_pt_fail(res, IOASID_FAULT_NOT_PRESENT, h->levels);
		return -1;
	}
	return i;
}

/* Walking ----------------------------------------------------------------- */

/* What one attempt read and decided. */
struct arm_pt_walk {
	u64 addr, pte;		/* the leaf descriptor */
	u64 new;		/* what the leaf becomes (AF, AP[2]) */
	unsigned int level;
	u64 out, page_size;
	u32 perm, maybe;
};

/*
 * One attempt without side effects: read the path, check it, decide the
 * translation, its permissions and the leaf's update. 0, or the fault.
 */
static int arm_pt_translate(const struct ioasid_arm64_cfg *cfg,
			    const struct ioasid_arm64_half *h, u64 iova,
			    u32 access, const struct ioasid_pt_io *io,
			    struct arm_pt_walk *w, struct ioasid_pt_result *res)
{
	struct arm_pt_path path = arm_pt_path_top;
	u64 table = h->root, pte = 0, index;
	bool leaf = false, write = access & IOASID_ACCESS_WRITE;
	unsigned int level;
	u32 need, wgrant;
	int ret;

	for (level = h->levels; level >= 1; level--) {
		index = (iova >> arm_pt_shift(h, level)) &
			((1ULL << arm_pt_index_bits(h, level)) - 1);
		w->addr = table + 8 * index;
		ret = io->read(io->priv, w->addr, &pte);
		if (ret)
			return arm_pt_fail(res, arm_pt_reason(ret, IOASID_FAULT_TABLE),
					   level);
		ret = arm_pt_entry(cfg, h, pte, level, &leaf);
		if (ret)
			return arm_pt_fail(res, ret, level);
		if (leaf)
			break;
		arm_pt_path_add(&path, pte);
		table = pte & ARM_PT_ADDR;
	}
	if (!leaf)	/* cannot happen: level 1 always ends the path */
		return arm_pt_fail(res, IOASID_FAULT_RESERVED, 1);

	w->pte = pte;
	w->new = pte;
	w->level = level;
	w->page_size = 1ULL << arm_pt_shift(h, level);
	w->out = arm_pt_leaf_out(pte, w->page_size) | (iova & (w->page_size - 1));
	if (!(pte & ARM_PT_AF)) {
		if (!(cfg->flags & IOASID_ARM64_HA))
			return arm_pt_fail(res, IOASID_FAULT_ACCESS_FLAG, level);
		w->new |= ARM_PT_AF;
	}
	w->perm = arm_pt_grant(pte, &path);
	w->maybe = 0;
	if (arm_pt_clean(cfg, pte, &path)) {
		wgrant = arm_pt_grant(pte & ~ARM_PT_AP2, &path);
		if (write && ioasid_pt_permits(wgrant, access)) {
			w->perm = wgrant;
			w->new &= ~ARM_PT_AP2;
		} else {
			w->maybe = wgrant & ARM_PT_WRITE;
		}
	}

	need = ioasid_pt_need(access);
	if ((need & w->perm) != need) {
		res->perm = w->perm;
		res->maybe = w->maybe;
		return arm_pt_fail(res, IOASID_FAULT_PERMISSION, level);
	}
	return 0;
}

int ioasid_arm64_walk(const struct ioasid_arm64_cfg *cfg, u64 iova,
		      u32 access, const struct ioasid_pt_io *io,
		      struct ioasid_pt_result *res)
{
	struct arm_pt_walk w;
	unsigned int attempt;
	u64 cur;
	int i, ret;

	*res = (struct ioasid_pt_result){ 0 };
	if (!arm_pt_cfg_ok(cfg))
		return arm_pt_fail(res, IOASID_FAULT_RESERVED, 0);
	i = arm_pt_half(cfg, iova, res);
	if (i < 0)
		return res->fault_reason;

	for (attempt = 0; attempt < ARM_PT_ATTEMPTS; attempt++) {
		ret = arm_pt_translate(cfg, &cfg->half[i], iova, access, io,
				       &w, res);
		if (ret)
			return ret;
		if (w.new != w.pte) {
			ret = io->cmpxchg(io->priv, w.addr, w.pte, w.new, &cur);
			if (ret == -1)
				continue;
			if (ret)
				return arm_pt_fail(res, arm_pt_reason(ret, IOASID_FAULT_AD_UPDATE),
						   w.level);
		}
		res->out = w.out;
		res->page_size = w.page_size;
		res->perm = w.perm;
		res->maybe = w.maybe;
		return 0;
	}
	/* The leaf kept changing. */
	return arm_pt_fail(res, IOASID_FAULT_AD_UPDATE, w.level);
}

/* Iterating --------------------------------------------------------------- */

/* One iteration, and what it calls for each item. */
struct arm_pt_iter {
	const struct ioasid_arm64_cfg *cfg;
	const struct ioasid_arm64_half *h;
	const struct ioasid_pt_io *io;
	int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf);
	void *arg;
	bool limited;	/* a read said IOASID_FAULT_WALK_LIMIT */
};

static int arm_pt_iter_fault(struct arm_pt_iter *it, u64 first, u64 last,
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

static int arm_pt_iter_leaf(struct arm_pt_iter *it, u64 first, u64 last,
			    u64 pte, unsigned int level,
			    const struct arm_pt_path *path)
{
	u64 size = 1ULL << arm_pt_shift(it->h, level);
	struct ioasid_pt_leaf item = {
		.first = first,
		.last = last,
		.out = arm_pt_leaf_out(pte, size) | (first & (size - 1)),
		.page_size = size,
		.perm = arm_pt_grant(pte, path),
	};

	if (!(pte & ARM_PT_AF)) {
		if (!(it->cfg->flags & IOASID_ARM64_HA))
			return arm_pt_iter_fault(it, first, last,
						 IOASID_FAULT_ACCESS_FLAG, level);
		item.update |= IOASID_PT_SET_A;
	}
	if (arm_pt_clean(it->cfg, pte, path)) {
		item.maybe = arm_pt_grant(pte & ~ARM_PT_AP2, path) & ARM_PT_WRITE;
		if (item.maybe)
			item.update |= IOASID_PT_SET_D;
	}
	return it->fn(it->arg, &item);
}

/*
 * Visit [@first, @last] of the table at @table of @level, a range inside
 * the table's, under a path that allows @up. The depth of the recursion
 * is @level.
 */
static int arm_pt_iter_table(struct arm_pt_iter *it, u64 table,
			     unsigned int level, u64 first, u64 last,
			     const struct arm_pt_path *up)
{
	unsigned int shift = arm_pt_shift(it->h, level);
	u64 imask = (1ULL << arm_pt_index_bits(it->h, level)) - 1;
	u64 mask = (1ULL << shift) - 1;
	u64 addr = first, end, pte;
	struct arm_pt_path path;
	bool leaf;
	int ret;

	for (;;) {
		end = (addr | mask) < last ? (addr | mask) : last;

		ret = it->io->read(it->io->priv,
				   table + 8 * ((addr >> shift) & imask), &pte);
		if (ret) {	/* the table page: the rest of it too */
			ret = arm_pt_reason(ret, IOASID_FAULT_TABLE);
			it->limited = it->limited || ret == IOASID_FAULT_WALK_LIMIT;
			return arm_pt_iter_fault(it, addr, last, ret, level);
		}

		ret = arm_pt_entry(it->cfg, it->h, pte, level, &leaf);
		if (ret == IOASID_FAULT_NOT_PRESENT) {
			ret = 0;
		} else if (ret) {
			ret = arm_pt_iter_fault(it, addr, end, ret, level);
		} else if (leaf) {
			ret = arm_pt_iter_leaf(it, addr, end, pte, level, up);
		} else if (level > 1) {	/* always: level 1 is a leaf */
			path = *up;
			arm_pt_path_add(&path, pte);
			ret = arm_pt_iter_table(it, pte & ARM_PT_ADDR, level - 1,
						addr, end, &path);
		}
		if (ret || end == last)
			return ret;
		addr = end + 1;
	}
}

/*
 * The part of the input space around @addr: *@last ends it; 0 or 1 when it
 * is translated by that half, -1 when it lies outside both halves.
 */
static int arm_pt_segment(const struct ioasid_arm64_cfg *cfg, u64 addr,
			  u64 *last)
{
	unsigned int i = (addr >> 55) & 1, tag = addr >> 56;
	u64 block = addr & ~((1ULL << 55) - 1);	/* same bits 63:55 */
	u64 span = 1ULL << (64 - cfg->half[i].tsz);
	u64 x_first, x_last;

	*last = block | ((1ULL << 55) - 1);
	if (!(cfg->flags & arm_pt_tbi[i]) && tag != (i ? 0xff : 0))
		return -1;
	x_first = i ? *last - span + 1 : block;
	x_last = i ? *last : block + span - 1;
	if (addr < x_first) {
		*last = x_first - 1;
		return -1;
	}
	if (addr > x_last)
		return -1;
	*last = x_last;
	return i;
}

int ioasid_arm64_iterate(const struct ioasid_arm64_cfg *cfg, u64 start,
			 u64 last, const struct ioasid_pt_io *io,
			 int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			 void *arg)
{
	struct arm_pt_iter it = { .cfg = cfg, .io = io, .fn = fn, .arg = arg };
	unsigned int level, nc_level = 0;
	u64 addr = start, end, nc_first = 0;
	bool nc = false;	/* a run outside the halves, not yet visited */
	int i, ret = 0;

	if (start > last)
		return 0;
	if (!arm_pt_cfg_ok(cfg))
		return arm_pt_iter_fault(&it, start, last, IOASID_FAULT_RESERVED, 0);

	for (;;) {
		i = arm_pt_segment(cfg, addr, &end);
		if (end > last)
			end = last;
		level = cfg->half[(addr >> 55) & 1].levels;
		if (nc && (i >= 0 || level != nc_level)) {
			ret = arm_pt_iter_fault(&it, nc_first, addr - 1,
						IOASID_FAULT_NON_CANONICAL, nc_level);
			nc = false;
			if (ret)
				return ret;
		}
		if (i < 0 && !nc) {
			nc = true;
			nc_first = addr;
			nc_level = level;
		} else if (i >= 0 && !(cfg->flags & arm_pt_epd[i])) {
			/* Once the budget is spent, no half's table is read. */
			it.h = &cfg->half[i];
			if (it.limited)
				ret = arm_pt_iter_fault(&it, addr, end,
							IOASID_FAULT_WALK_LIMIT,
							it.h->levels);
			else
				ret = arm_pt_iter_table(&it, it.h->root, it.h->levels,
							addr, end, &arm_pt_path_top);
			if (ret)
				return ret;
		}
		if (end == last)
			break;
		addr = end + 1;
	}
	if (nc)
		ret = arm_pt_iter_fault(&it, nc_first, last,
					IOASID_FAULT_NON_CANONICAL, nc_level);
	return ret;
}
