/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 walker (x86_64.c): IOASID_FORMAT_X86_64. Plain C, see
 * walker.h.
 */
#ifndef IOASID_WALKER_X86_64_H
#define IOASID_WALKER_X86_64_H

#include "walker.h"

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

/**
 * ioasid_x86_64_config() - check and decode an ALLOC descriptor
 * @cfg: filled in, unbound
 * @desc: the descriptor; its header is checked by the caller
 *
 * Return: 0; -EOPNOTSUPP for a flag the format does not take or a
 * non-zero reserved member; -EINVAL for levels, phys_bits or a leaf size
 * bitmap the format does not take.
 */
int ioasid_x86_64_config(struct ioasid_x86_64_cfg *cfg,
			 const struct ioasid_format_x86_64 *desc);

/**
 * ioasid_x86_64_bind() - check and apply a BIND
 * @cfg: the node's; unchanged on failure
 * @flags: enum ioasid_bind_flags
 * @root: the top-level table
 * @root1: must be 0 (one table)
 *
 * Return: 0; -EOPNOTSUPP for a bind flag x86-64 does not take; -EINVAL for
 * a misaligned or too wide @root or a non-zero @root1.
 */
int ioasid_x86_64_bind(struct ioasid_x86_64_cfg *cfg, u32 flags, u64 root,
		       u64 root1);

/**
 * ioasid_x86_64_info() - what the walker supports (FORMAT_INFO)
 * @info: its out_* members are filled in
 */
void ioasid_x86_64_info(struct ioasid_format_info *info);

#endif
