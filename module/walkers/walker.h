/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software page-table walkers: plain C, compiled into the module and into
 * the host's unit tests and fuzzers from the same files. Nothing here may
 * use a kernel API: a walker sees table memory only through struct
 * ioasid_pt_io, which the module implements by translating through the
 * parent node and the tests implement over a buffer.
 */
#ifndef IOASID_WALKER_H
#define IOASID_WALKER_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>
#else
#include "walker_shim.h"	/* tests/include: u8, u32, u64, BIT() */
#endif

#include "../../uapi/linux/ioasid.h"

/*
 * What a walk grants, per privilege of the request (a cached translation
 * serves later requests of any kind, so it keeps both).
 */
#define IOASID_PT_UR	BIT(0)	/* unprivileged read */
#define IOASID_PT_UW	BIT(1)	/* unprivileged write */
#define IOASID_PT_UX	BIT(2)	/* unprivileged execute */
#define IOASID_PT_SR	BIT(3)	/* privileged read */
#define IOASID_PT_SW	BIT(4)	/* privileged write */
#define IOASID_PT_SX	BIT(5)	/* privileged execute */
#define IOASID_PT_ALL	0x3fU

/**
 * struct ioasid_pt_io - how a walker reaches table memory
 * @priv: the implementation's
 * @read: read the little-endian 8-byte entry at @addr (8-byte aligned) of
 *	the parent's space into *@val; 0, or an enum ioasid_fault_reason
 *	(IOASID_FAULT_TABLE: the parent does not let it be read;
 *	IOASID_FAULT_WALK_LIMIT)
 * @cmpxchg: atomically replace the entry at @addr with @new if it is
 *	still @old: 0 when replaced; -1 when it was not @old (*@cur then holds
 *	what is there); or an enum ioasid_fault_reason (IOASID_FAULT_AD_UPDATE:
 *	the parent does not let it be written)
 */
struct ioasid_pt_io {
	void *priv;
	int (*read)(void *priv, u64 addr, u64 *val);
	int (*cmpxchg)(void *priv, u64 addr, u64 old, u64 new, u64 *cur);
};

/**
 * struct ioasid_pt_result - what a walk found
 * @out: the parent address the input address translates to
 * @page_size: the size of the leaf: the translation is linear over the
 *	@page_size-aligned block around the input address
 * @perm: IOASID_PT_* the leaf grants now
 * @maybe: IOASID_PT_* a new walk could grant on top of @perm (writes to a
 *	leaf whose dirty bit is clear, when the walker sets it)
 * @fault_reason: 0, or an enum ioasid_fault_reason
 * @fault_level: the format's level where the walk stopped (x86-64: 1 for
 *	the 4 KiB level up to 4 or 5)
 */
struct ioasid_pt_result {
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
	u8 fault_reason;
	u8 fault_level;
};

/* What struct ioasid_pt_leaf's @update says a walk would set. */
#define IOASID_PT_SET_A	BIT(0)	/* A, in an entry of the leaf's path */
#define IOASID_PT_SET_D	BIT(1)	/* D, in the leaf (a walk that writes) */

/**
 * struct ioasid_pt_leaf - one item of an iteration over a table
 * @first: the first input address it covers
 * @last: the last: the item is its leaf's range, or its fault's, clipped
 *	to the iteration's
 * @out: the parent address @first translates to; 0 for a fault
 * @page_size: the size of the leaf: the translation is linear over
 *	[@first, @last], which lies in one @page_size-aligned block; 0 for a
 *	fault
 * @perm: IOASID_PT_* a walk that does not write gets for any address of
 *	the item (struct ioasid_pt_result's @perm for such a walk), without
 *	setting any accessed or dirty bit
 * @maybe: IOASID_PT_* a walk that writes gets on top of @perm, by setting
 *	the leaf's dirty bit (struct ioasid_pt_result's @maybe)
 * @update: IOASID_PT_SET_* : the accessed and dirty bits a walk would set
 *	(only with IOASID_X86_64_CFG_AD_UPDATE): SET_A when an entry of the
 *	path lacks A, SET_D when the leaf lacks D
 * @fault_reason: 0 for a translation; or the enum ioasid_fault_reason of
 *	every walk of an address in [@first, @last], whatever its request
 * @fault_level: 0 for a translation; or the level those walks report as
 *	@fault_level (x86-64: the level of the entry with the fault, or of
 *	the table that could not be read; 0 for an invalid configuration)
 */
struct ioasid_pt_leaf {
	u64 first;
	u64 last;
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
	u8 update;
	u8 fault_reason;
	u8 fault_level;
};

/* The IOASID_PT_* grants a request (enum ioasid_access bits) needs: all of them. */
static inline u32 ioasid_pt_need(u32 access)
{
	bool priv = access & IOASID_ACCESS_PRIV;
	u32 need = 0;

	if (access & IOASID_ACCESS_READ)
		need |= priv ? IOASID_PT_SR : IOASID_PT_UR;
	if (access & IOASID_ACCESS_WRITE)
		need |= priv ? IOASID_PT_SW : IOASID_PT_UW;
	if (access & IOASID_ACCESS_EXEC)
		need |= priv ? IOASID_PT_SX : IOASID_PT_UX;
	return need;
}

/* Does a grant of IOASID_PT_* bits permit the request? */
static inline bool ioasid_pt_permits(u32 perm, u32 access)
{
	u32 need = ioasid_pt_need(access);

	return (perm & need) == need;
}

/* Flags of struct ioasid_x86_64_cfg: the format's and the bind's in one word. */
#define IOASID_X86_64_CFG_AD_UPDATE	BIT(0)	/* IOASID_X86_64_AD_UPDATE */
#define IOASID_X86_64_CFG_SRE		BIT(8)	/* IOASID_BIND_X86_SRE */
#define IOASID_X86_64_CFG_WPE		BIT(9)	/* IOASID_BIND_X86_WPE */

/**
 * struct ioasid_x86_64_cfg - one bound x86-64 table
 * @root: parent address of the top-level table, 4 KiB aligned
 * @levels: 4 or 5
 * @phys_bits: output address width, 32 to 52
 * @flags: IOASID_X86_64_CFG_*
 * @pgsize_bitmap: leaf sizes allowed (SZ_4K always; 2M, 1G when set)
 */
struct ioasid_x86_64_cfg {
	u64 root;
	u32 levels;
	u32 phys_bits;
	u32 flags;
	u64 pgsize_bitmap;
};

/* What the x86-64 walker supports (FORMAT_INFO). */
#define IOASID_X86_64_PGSIZES	((1ULL << 12) | (1ULL << 21) | (1ULL << 30))
#define IOASID_X86_64_MIN_PHYS	32
#define IOASID_X86_64_MAX_PHYS	52

/**
 * ioasid_x86_64_walk() - translate one address through an x86-64 table
 * @cfg: the table
 * @iova: the input address
 * @access: the request: enum ioasid_access bits (READ or WRITE, maybe
 *	EXEC with READ, maybe PRIV)
 * @io: table memory
 * @res: the result, filled in on success and on failure
 *
 * Reads at most one entry per level (and, with AD_UPDATE, updates it), so
 * it always ends; reads nothing but entries of tables reached from @root.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res->fault_reason.
 */
int ioasid_x86_64_walk(const struct ioasid_x86_64_cfg *cfg, u64 iova,
		       u32 access, const struct ioasid_pt_io *io,
		       struct ioasid_pt_result *res);

/**
 * ioasid_x86_64_iterate() - visit the leaves of an x86-64 table over a range
 * @cfg: the table
 * @start: the first input address
 * @last: the last (~0ULL: up to the top); nothing when @start > @last
 * @io: table memory: only @io->read is used
 * @fn: called for each item, in increasing input address order, the items
 *	not overlapping; returns 0 to go on, or a value that stops the
 *	iteration
 * @arg: @fn's
 *
 * Calls @fn for each present leaf reached from @cfg->root that translates
 * part of [@start, @last] (struct ioasid_pt_leaf: one item a leaf), and
 * for each part of the range that no address of can be translated because
 * of the table or the configuration: one item with @fault_reason and
 * @fault_level, as ioasid_x86_64_walk() reports them for every address of
 * the item:
 *
 * - IOASID_FAULT_RESERVED: over the range of a present entry with a
 *   reserved bit, a leaf size not in @cfg->pgsize_bitmap or a misaligned
 *   large page; over the whole range, at level 0, when @cfg is invalid.
 * - IOASID_FAULT_NON_CANONICAL: over the non-canonical part of the range,
 *   at level @cfg->levels; the caller may ignore these items.
 * - an error of @io->read (IOASID_FAULT_TABLE when it is not a reason,
 *   like the walk): a table page cannot be read, so neither its entry nor
 *   the rest of the page: one item from that entry's range to the end of
 *   the table's part of the range, at the table's level. The iteration
 *   then goes on with the next entry of the table above.
 *
 * Non-present entries make no item: the iteration skips their range, and
 * a walk there faults with IOASID_FAULT_NOT_PRESENT. Whatever a leaf
 * grants, even nothing (@perm 0, a walk there faults with
 * IOASID_FAULT_PERMISSION), it is an item.
 *
 * Reads each entry of a table at most once a visit, and visits tables no
 * deeper than @cfg->levels, so it ends on any table content: a table that
 * points at itself or at a table above is visited again at the level
 * below, for the input range of that entry, as the hardware would walk
 * it. But the work is the table's to choose: a single page can map 2^36
 * leaves of 4 KiB. A caller bounds it: @fn stops the iteration, or
 * @io->read returns IOASID_FAULT_WALK_LIMIT once a budget is spent, which
 * ends every table being visited after at most one read each: the rest of
 * the range becomes fault items.
 *
 * Never writes (@io->cmpxchg is not called): an iteration fills a cache,
 * it is not an access. With IOASID_X86_64_CFG_AD_UPDATE, a walk would set
 * the bits @update names; a caller that maps an item with @update set
 * for a device must set them first as a walk does, e.g. by
 * ioasid_x86_64_walk() of @first for the access it maps for (a write
 * gets @perm | @maybe and sets D; a read gets @perm and sets A), and map
 * what that walk returned, or leave the item to a later walk.
 *
 * Return: 0 when every item was visited, or the value @fn stopped with.
 */
int ioasid_x86_64_iterate(const struct ioasid_x86_64_cfg *cfg, u64 start,
			  u64 last, const struct ioasid_pt_io *io,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg);

#endif
