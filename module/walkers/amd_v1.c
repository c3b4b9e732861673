// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD-Vi v1 (host) page-table walker: 1 to 6 levels, NextLevel
 * pointers that may skip levels, NextLevel 0 leaves at any level and
 * NextLevel 7 leaves of any power-of-two size, with the rules of struct
 * ioasid_format_amd_v1 (uapi/linux/ioasid.h).
 *
 * Plain C (see walker.h). As the x86-64 walker: one attempt reads each
 * entry of the path once, top level first, and decides from what it read;
 * with AD_UPDATE, a translation that passed every check sets A (and, for a
 * write, D) of the leaf with compare-and-exchange, and starts again when
 * the leaf changed since it was read, at most AMD_PT_ATTEMPTS times.
 *
 * Levels are AMD's: 1 is the table of 4 KiB entries. IR and IW of every
 * entry of the path limit what the leaf grants (the hardware ANDs them).
 * A NextLevel 7 leaf is taken as read in the slot the input indexes: the
 * replicas the guest keeps in the other slots it covers are not checked.
 */
#include "amd_v1.h"

/* Entry bits (hexadecimal: walker.h code has no BIT_ULL()). */
#define AMD_PT_PR		0x1ULL			/* 0: present */
#define AMD_PT_A		0x20ULL			/* 5: accessed */
#define AMD_PT_D		0x40ULL			/* 6: dirty */
#define AMD_PT_NL_SHIFT		9			/* 11:9: NextLevel */
#define AMD_PT_ADDR		0x000ffffffffff000ULL	/* 51:12: address */
#define AMD_PT_RSVD		0x07f0000000000000ULL	/* 58:52: reserved */
#define AMD_PT_IR		0x2000000000000000ULL	/* 61: read */
#define AMD_PT_IW		0x4000000000000000ULL	/* 62: write */

#define AMD_PT_NL_LEAF		0	/* a leaf of the level's size */
#define AMD_PT_NL_SIZED		7	/* a leaf of the encoded size */
#define AMD_PT_PAGE_SHIFT	12
#define AMD_PT_LEVEL_BITS	9
#define AMD_PT_ATTEMPTS		8

/* What one attempt read and decided. */
struct amd_pt_walk {
	u64 addr;		/* the leaf's entry address */
	u64 pte;		/* its value */
	unsigned int leaf;	/* its level */
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
};

/* log2 of what one entry of a @level table covers (level 7: the input). */
static inline unsigned int amd_pt_shift(unsigned int level)
{
	return AMD_PT_PAGE_SHIFT + AMD_PT_LEVEL_BITS * (level - 1);
}

/* The input width of @levels levels: 64 from 6 levels on. */
static inline unsigned int amd_pt_input_bits(unsigned int levels)
{
	unsigned int bits = amd_pt_shift(levels + 1);

	return bits < 64 ? bits : 64;
}

static inline bool amd_pt_cfg_ok(const struct ioasid_amd_v1_cfg *cfg)
{
	if (cfg->levels < IOASID_AMD_V1_MIN_LEVELS ||
	    cfg->levels > IOASID_AMD_V1_MAX_LEVELS)
		return false;
	if (cfg->phys_bits < IOASID_AMD_V1_MIN_PHYS ||
	    cfg->phys_bits > IOASID_AMD_V1_MAX_PHYS)
		return false;
	return !(cfg->root & ~AMD_PT_ADDR) && !(cfg->root >> cfg->phys_bits);
}

int ioasid_amd_v1_config(struct ioasid_amd_v1_cfg *cfg,
			 const struct ioasid_format_amd_v1 *desc)
{
	u64 pgsizes = desc->pgsize_bitmap;
	unsigned int bits;

	if ((desc->flags & ~IOASID_AMD_V1_AD_UPDATE) || desc->__reserved)
		return -EOPNOTSUPP;
	if (desc->levels < IOASID_AMD_V1_MIN_LEVELS ||
	    desc->levels > IOASID_AMD_V1_MAX_LEVELS)
		return -EINVAL;
	if (desc->phys_bits < IOASID_AMD_V1_MIN_PHYS ||
	    desc->phys_bits > IOASID_AMD_V1_MAX_PHYS)
		return -EINVAL;
	bits = amd_pt_input_bits(desc->levels);
	if (!pgsizes) {
		pgsizes = IOASID_AMD_V1_PGSIZES;
		if (bits < 64)
			pgsizes &= (2ULL << bits) - 1;
	}
	if (!(pgsizes & (1ULL << AMD_PT_PAGE_SHIFT)) ||
	    (pgsizes & ((1ULL << AMD_PT_PAGE_SHIFT) - 1)))
		return -EINVAL;
	if (bits < 64 && (pgsizes >> bits) > 1)
		return -EINVAL;

	*cfg = (struct ioasid_amd_v1_cfg){
		.levels = desc->levels,
		.phys_bits = desc->phys_bits,
		.flags = desc->flags & IOASID_AMD_V1_AD_UPDATE ?
			 IOASID_AMD_V1_CFG_AD_UPDATE : 0,
		.pgsize_bitmap = pgsizes,
	};
	return 0;
}

int ioasid_amd_v1_bind(struct ioasid_amd_v1_cfg *cfg, u32 flags, u64 root,
		       u64 root1)
{
	if (flags)
		return -EOPNOTSUPP;
	if (root1 || (root & ~AMD_PT_ADDR) || (root >> cfg->phys_bits))
		return -EINVAL;
	cfg->root = root;
	return 0;
}

void ioasid_amd_v1_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_AMD_V1_AD_UPDATE;
	info->out_bind_flags = 0;
	info->out_pgsize_bitmap = IOASID_AMD_V1_PGSIZES;
	info->out_levels_bitmap = ((1ULL << (IOASID_AMD_V1_MAX_LEVELS + 1)) - 1) &
				  ~((1ULL << IOASID_AMD_V1_MIN_LEVELS) - 1);
	info->out_min_phys_bits = IOASID_AMD_V1_MIN_PHYS;
	info->out_max_phys_bits = IOASID_AMD_V1_MAX_PHYS;
	info->out_input_bits = 64;
	info->out_granule_bitmap = 1ULL << AMD_PT_PAGE_SHIFT;
}

/* What entry @pte at @level is. */
struct amd_pt_entry {
	unsigned int next;	/* a pointer: the next table's level; 0: a leaf */
	u64 size;		/* a leaf: its size */
	u64 out;		/* the leaf's output base, or the next table */
};

/*
 * Decode @pte at @level: 0, or the fault it makes
 * (IOASID_FAULT_NOT_PRESENT or _RESERVED).
 */
static int amd_pt_entry(const struct ioasid_amd_v1_cfg *cfg, u64 pte,
			unsigned int level, struct amd_pt_entry *e)
{
	unsigned int nl = (pte >> AMD_PT_NL_SHIFT) & 7;
	u64 addr = pte & AMD_PT_ADDR;
	unsigned int s;

	e->next = 0;
	e->size = 0;
	if (!(pte & AMD_PT_PR))
		return IOASID_FAULT_NOT_PRESENT;
	if (pte & AMD_PT_RSVD)
		return IOASID_FAULT_RESERVED;
	if (nl == AMD_PT_NL_LEAF) {
		s = amd_pt_shift(level);
		/* The address bits below the size must be 0. */
		if (addr & ((1ULL << s) - 1))
			return IOASID_FAULT_RESERVED;
	} else if (nl == AMD_PT_NL_SIZED) {
		/* n one bits from bit 12, then a 0 (bit 52 at the latest). */
		s = AMD_PT_PAGE_SHIFT + 1 +
		    __builtin_ctzll(~(pte >> AMD_PT_PAGE_SHIFT));
		/* Above the slot's size, at most the table's span. */
		if (s <= amd_pt_shift(level) || s > amd_pt_shift(level + 1))
			return IOASID_FAULT_RESERVED;
		addr &= ~((1ULL << s) - 1);
	} else {
		if (nl >= level)
			return IOASID_FAULT_RESERVED;
		s = 0;
	}
	if (addr >> cfg->phys_bits)
		return IOASID_FAULT_RESERVED;
	e->out = addr;
	if (!s) {
		e->next = nl;
		return 0;
	}
	/* A page reaching past 2^phys_bits, or of a size not declared. */
	e->size = 1ULL << s;
	if (s > cfg->phys_bits || !(cfg->pgsize_bitmap & e->size))
		return IOASID_FAULT_RESERVED;
	return 0;
}

/*
 * The input bits of the levels a pointer at @level to a table of @next
 * skips: they must be 0.
 */
static inline u64 amd_pt_skipped(unsigned int level, unsigned int next)
{
	return ((1ULL << amd_pt_shift(level)) - 1) &
	       ~((1ULL << amd_pt_shift(next + 1)) - 1);
}

static inline unsigned int amd_pt_index(u64 iova, unsigned int level)
{
	return (iova >> amd_pt_shift(level)) & ((1U << AMD_PT_LEVEL_BITS) - 1);
}

/*
 * What leaf @pte grants under a path whose entries all have IR (@read) and
 * IW (@write), for a walk that writes when @writing: *@perm now, *@maybe
 * on top of it once D is set (AD_UPDATE: a read does not grant writes
 * through a leaf whose D is clear). Execute and privileged requests need
 * no more than a read.
 */
static inline void amd_pt_leaf_perm(const struct ioasid_amd_v1_cfg *cfg,
				    bool read, bool write, u64 pte,
				    bool writing, u32 *perm, u32 *maybe)
{
	u32 grant = 0;

	if (read)
		grant |= IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR |
			 IOASID_PT_SX;
	if (write)
		grant |= IOASID_PT_UW | IOASID_PT_SW;
	*perm = grant;
	*maybe = 0;
	if ((cfg->flags & IOASID_AMD_V1_CFG_AD_UPDATE) && !writing &&
	    !(pte & AMD_PT_D)) {
		*maybe = grant & (IOASID_PT_UW | IOASID_PT_SW);
		*perm = grant & ~*maybe;
	}
}

/*
 * One attempt without side effects: read the path, check it, and decide
 * the translation and its permissions. 0, or the fault (in @res too).
 */
static int amd_pt_translate(const struct ioasid_amd_v1_cfg *cfg, u64 iova,
			    u32 access, const struct ioasid_pt_io *io,
			    struct amd_pt_walk *w, struct ioasid_pt_result *res)
{
	bool read = true, write = true;
	unsigned int level = cfg->levels;
	u64 table = cfg->root, addr, pte;
	struct amd_pt_entry e;
	u32 need;
	int ret;

	for (;;) {
		addr = table + 8 * amd_pt_index(iova, level);
		ret = io->read(io->priv, addr, &pte);
		if (ret)
			return ioasid_pt_fail(res, ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE),
					   level);
		ret = amd_pt_entry(cfg, pte, level, &e);
		if (ret)
			return ioasid_pt_fail(res, ret, level);
		read = read && (pte & AMD_PT_IR);
		write = write && (pte & AMD_PT_IW);
		if (!e.next)
			break;
		/* Skipped levels: a page fault unless their index is 0. */
		if (iova & amd_pt_skipped(level, e.next))
			return ioasid_pt_fail(res, IOASID_FAULT_NOT_PRESENT, level);
		level = e.next;
		table = e.out;
	}

	w->addr = addr;
	w->pte = pte;
	w->leaf = level;
	w->page_size = e.size;
	w->out = e.out | (iova & (e.size - 1));
	amd_pt_leaf_perm(cfg, read, write, pte, access & IOASID_ACCESS_WRITE,
			 &w->perm, &w->maybe);

	need = ioasid_pt_need(access);
	if ((need & w->perm) != need) {
		res->perm = w->perm;
		res->maybe = w->maybe;
		return ioasid_pt_fail(res, IOASID_FAULT_PERMISSION, level);
	}
	return 0;
}

int ioasid_amd_v1_walk(const struct ioasid_amd_v1_cfg *cfg, u64 iova,
		       u32 access, const struct ioasid_pt_io *io,
		       struct ioasid_pt_result *res)
{
	unsigned int attempt, bits;
	struct amd_pt_walk w;
	u64 set, cur;
	int ret;

	*res = (struct ioasid_pt_result){ 0 };
	if (!amd_pt_cfg_ok(cfg))
		return ioasid_pt_fail(res, IOASID_FAULT_RESERVED, 0);
	bits = amd_pt_input_bits(cfg->levels);
	if (bits < 64 && (iova >> bits))
		return ioasid_pt_fail(res, IOASID_FAULT_NON_CANONICAL, cfg->levels);

	for (attempt = 0; attempt < AMD_PT_ATTEMPTS; attempt++) {
		ret = amd_pt_translate(cfg, iova, access, io, &w, res);
		if (ret)
			return ret;
		set = AMD_PT_A;
		if (access & IOASID_ACCESS_WRITE)
			set |= AMD_PT_D;
		if ((cfg->flags & IOASID_AMD_V1_CFG_AD_UPDATE) &&
		    (w.pte & set) != set) {
			ret = io->cmpxchg(io->priv, w.addr, w.pte, w.pte | set,
					  &cur);
			if (ret == -1)
				continue;
			if (ret) {
				ret = ioasid_pt_io_reason(ret, IOASID_FAULT_AD_UPDATE);
				return ioasid_pt_fail(res, ret, w.leaf);
			}
		}
		res->out = w.out;
		res->page_size = w.page_size;
		res->perm = w.perm;
		res->maybe = w.maybe;
		return 0;
	}
	/* The leaf kept changing. */
	return ioasid_pt_fail(res, IOASID_FAULT_AD_UPDATE, w.leaf);
}

/* One iteration, and what it calls for each item. */
struct amd_pt_iter {
	const struct ioasid_amd_v1_cfg *cfg;
	const struct ioasid_pt_io *io;
	int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf);
	void *arg;
};

static inline int amd_pt_iter_fault(struct amd_pt_iter *it, u64 first, u64 last,
				    int reason, unsigned int level)
{
	return ioasid_pt_fault_item(it->fn, it->arg, first, last, reason, level);
}

static int amd_pt_iter_leaf(struct amd_pt_iter *it, u64 first, u64 last,
			    u64 pte, const struct amd_pt_entry *e, bool read,
			    bool write)
{
	struct ioasid_pt_leaf item = {
		.first = first,
		.last = last,
		.out = e->out | (first & (e->size - 1)),
		.page_size = e->size,
	};

	amd_pt_leaf_perm(it->cfg, read, write, pte, false, &item.perm,
			 &item.maybe);
	if (it->cfg->flags & IOASID_AMD_V1_CFG_AD_UPDATE) {
		if (!(pte & AMD_PT_A))
			item.update |= IOASID_PT_SET_A;
		if (!(pte & AMD_PT_D))
			item.update |= IOASID_PT_SET_D;
	}
	return it->fn(it->arg, &item);
}

/*
 * Visit [@first, @last] of the table at @table of @level, a range inside
 * the table's, under a path whose entries all have IR (@read) and IW
 * (@write). Each call goes at least one level down: the recursion is at
 * most @level deep.
 */
static int amd_pt_iter_table(struct amd_pt_iter *it, u64 table,
			     unsigned int level, u64 first, u64 last,
			     bool read, bool write)
{
	unsigned int shift = amd_pt_shift(level);
	u64 mask = (1ULL << shift) - 1;
	u64 addr = first, end, sub, pte;
	struct amd_pt_entry e;
	bool r, w;
	int ret;

	for (;;) {
		/* This entry's part of the range. */
		end = (addr | mask) < last ? (addr | mask) : last;

		ret = it->io->read(it->io->priv,
				   table + 8 * amd_pt_index(addr, level), &pte);
		if (ret)	/* the table page: the rest of it too */
			return amd_pt_iter_fault(it, addr, last,
						 ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE),
						 level);

		ret = amd_pt_entry(it->cfg, pte, level, &e);
		r = read && (pte & AMD_PT_IR);
		w = write && (pte & AMD_PT_IW);
		if (ret == IOASID_FAULT_NOT_PRESENT) {
			ret = 0;
		} else if (ret) {
			ret = amd_pt_iter_fault(it, addr, end, ret, level);
		} else if (!e.next) {
			ret = amd_pt_iter_leaf(it, addr, end, pte, &e, r, w);
		} else {
			/*
			 * The next table covers the start of the entry's
			 * range; the rest (skipped index bits not 0) faults
			 * as not present.
			 */
			sub = (addr & ~mask) |
			      ((1ULL << amd_pt_shift(e.next + 1)) - 1);
			if (addr <= sub)
				ret = amd_pt_iter_table(it, e.out, e.next, addr,
							end < sub ? end : sub,
							r, w);
		}
		if (ret || end == last)
			return ret;
		addr = end + 1;
	}
}

int ioasid_amd_v1_iterate(const struct ioasid_amd_v1_cfg *cfg, u64 start,
			  u64 last, const struct ioasid_pt_io *io,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg)
{
	struct amd_pt_iter it = { .cfg = cfg, .io = io, .fn = fn, .arg = arg };
	unsigned int bits;
	u64 top;
	int ret;

	if (start > last)
		return 0;
	if (!amd_pt_cfg_ok(cfg))
		return amd_pt_iter_fault(&it, start, last, IOASID_FAULT_RESERVED, 0);

	bits = amd_pt_input_bits(cfg->levels);
	top = bits < 64 ? (1ULL << bits) - 1 : ~0ULL;
	if (start <= top) {
		ret = amd_pt_iter_table(&it, cfg->root, cfg->levels, start,
					last < top ? last : top, true, true);
		if (ret || last <= top)
			return ret;
		start = top + 1;
	}
	return amd_pt_iter_fault(&it, start, last, IOASID_FAULT_NON_CANONICAL,
				 cfg->levels);
}
