/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Arm VMSAv8-64 stage-1 walker (IOASID_FORMAT_ARM64): the tables an
 * Arm SMMUv3 context descriptor points to, with the rules of struct
 * ioasid_format_arm64 (uapi/linux/ioasid.h). Plain C, see walker.h.
 */
#ifndef IOASID_WALKER_ARM64_H
#define IOASID_WALKER_ARM64_H

#include "walker.h"

/* What the Arm64 walker supports (FORMAT_INFO). */
#define IOASID_ARM64_FLAGS	(IOASID_ARM64_HA | IOASID_ARM64_HD | \
				 IOASID_ARM64_EPD0 | IOASID_ARM64_EPD1 | \
				 IOASID_ARM64_TBI0 | IOASID_ARM64_TBI1)
#define IOASID_ARM64_PGSIZES_4K		((1ULL << 12) | (1ULL << 21) | (1ULL << 30))
#define IOASID_ARM64_PGSIZES_16K	((1ULL << 14) | (1ULL << 25))
#define IOASID_ARM64_PGSIZES_64K	((1ULL << 16) | (1ULL << 29))
#define IOASID_ARM64_PGSIZES	(IOASID_ARM64_PGSIZES_4K | \
				 IOASID_ARM64_PGSIZES_16K | \
				 IOASID_ARM64_PGSIZES_64K)
#define IOASID_ARM64_GRANULES	((1ULL << 12) | (1ULL << 14) | (1ULL << 16))
#define IOASID_ARM64_MIN_PHYS	32
#define IOASID_ARM64_MAX_PHYS	48
#define IOASID_ARM64_INPUT_BITS	48
#define IOASID_ARM64_MIN_TSZ	16
#define IOASID_ARM64_MAX_TSZ	39

/**
 * struct ioasid_arm64_half - one half of the input space (TTB0 or TTB1)
 * @root: the parent address of its top-level table (TTBn); 0 while
 *	unbound and when the half is disabled (EPDn)
 * @tsz: TnSZ: the half translates 64 - @tsz input bits, 16 to 39
 * @granule: log2 of its granule: 12, 14 or 16
 * @levels: lookup levels of a walk, 1 to 4, from @tsz and @granule (the
 *	walk starts at the format's level @levels, Arm's lookup level
 *	4 - @levels); set by ioasid_arm64_config()
 */
struct ioasid_arm64_half {
	u64 root;
	u8 tsz;
	u8 granule;
	u8 levels;
};

/**
 * struct ioasid_arm64_cfg - one Arm64 configuration, bound or not
 * @half: [0] the TTB0 half (input addresses from 0), [1] the TTB1 half
 *	(the top of the input space)
 * @flags: the descriptor's enum ioasid_arm64_flags (never BIG_ENDIAN)
 * @oas_bits: output address width: 32, 36, 40, 42, 44 or 48
 * @pgsize_bitmap: the leaf sizes allowed (never 0 once configured): each
 *	declared granule's page size, and those of its block sizes the
 *	descriptor declared
 *
 * The walkers check the fields they use on every call: a cfg that
 * ioasid_arm64_config() would not have made walks as invalid
 * (IOASID_FAULT_RESERVED at level 0).
 */
struct ioasid_arm64_cfg {
	struct ioasid_arm64_half half[2];
	u32 flags;
	u32 oas_bits;
	u64 pgsize_bitmap;
};

/**
 * ioasid_arm64_config() - check an ALLOC descriptor and decode it
 * @cfg: filled in, unbound (roots 0), on success; unspecified on error
 * @desc: the descriptor; its header's size and format are the caller's
 *	to check
 *
 * Checks, in this order: EOPNOTSUPP first (a flag outside
 * IOASID_ARM64_FLAGS, IOASID_ARM64_BIG_ENDIAN among them; a non-zero
 * __reserved; @oas_bits 52), then EINVAL (IOASID_ARM64_HD without
 * IOASID_ARM64_HA; @oas_bits not 32, 36, 40, 42, 44 or 48; @t0sz or
 * @t1sz outside 16 to 39; @tg0 or @tg1 not 12, 14 or 16; a page size in
 * @pgsize_bitmap that no declared granule has, or a declared granule's
 * page size missing from a non-zero @pgsize_bitmap). Both halves' sizes
 * and granules are checked and declared even when EPD0 or EPD1 disables
 * a half: a VMM copies valid values there (the other half's, say) when
 * the guest's are not.
 *
 * Return: 0, -EOPNOTSUPP or -EINVAL.
 */
int ioasid_arm64_config(struct ioasid_arm64_cfg *cfg,
			const struct ioasid_format_arm64 *desc);

/**
 * ioasid_arm64_bind() - check a BIND and apply it
 * @cfg: a configured cfg; unchanged on error
 * @flags: BIND's flags: must be 0 (the format takes no bind flag)
 * @root: TTB0: the parent address of the TTB0 half's top-level table,
 *	aligned to that table's size (at least 64 bytes) and below
 *	2^@oas_bits; must be 0 when IOASID_ARM64_EPD0 disables the half
 * @root1: TTB1, the same for the TTB1 half; must be 0 when
 *	IOASID_ARM64_EPD1 disables it
 *
 * Return: 0; -EOPNOTSUPP: a bind flag; -EINVAL: a misaligned or too wide
 * @root or @root1, or a non-zero one for a disabled half.
 */
int ioasid_arm64_bind(struct ioasid_arm64_cfg *cfg, u32 flags, u64 root,
		      u64 root1);

/**
 * ioasid_arm64_info() - what the walker supports, for FORMAT_INFO
 * @info: its out_format_flags (IOASID_ARM64_FLAGS), out_bind_flags (0),
 *	out_pgsize_bitmap (IOASID_ARM64_PGSIZES), out_levels_bitmap (1 to
 *	4 levels), out_min_phys_bits and out_max_phys_bits (32, 48),
 *	out_input_bits (48) and out_granule_bitmap (4, 16 and 64 KiB) are
 *	written; nothing else
 */
void ioasid_arm64_info(struct ioasid_format_info *info);

/**
 * ioasid_arm64_walk() - translate one address through Arm64 tables
 * @cfg: the configuration and its bound roots
 * @iova: the input address
 * @access: the request: enum ioasid_access bits (READ or WRITE, maybe
 *	EXEC with READ, maybe PRIV)
 * @io: table memory
 * @res: the result, filled in on success and on failure
 *
 * As ioasid_x86_64_walk(), with these rules. Bit 55 of @iova selects the
 * half (1: TTB1). Bits 63:56 are ignored when the half's TBI is set;
 * every other bit from 55 (63 without TBI) down to the half's input size
 * must equal bit 55, else IOASID_FAULT_NON_CANONICAL at the selected
 * half's top level (its @levels). A disabled half (EPDn) then faults with
 * IOASID_FAULT_NOT_PRESENT at its top level. Levels are counted as the
 * uAPI does: 1 is Arm's lookup level 3 (the granule's pages), up to 4
 * (lookup level 0). Only the leaf has an access flag: with HA a walk
 * that succeeds sets AF, and a write through a writable-clean leaf (HD,
 * DBM and AP[2]) clears AP[2] in the same compare-and-exchange; such a
 * write's @res->perm is what the leaf grants after it (writable by
 * unprivileged requests, a page is not executable by privileged ones).
 * Without HA, AF clear faults with IOASID_FAULT_ACCESS_FLAG, before any
 * permission check.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res->fault_reason.
 */
int ioasid_arm64_walk(const struct ioasid_arm64_cfg *cfg, u64 iova,
		      u32 access, const struct ioasid_pt_io *io,
		      struct ioasid_pt_result *res);

/**
 * ioasid_arm64_iterate() - visit the leaves of Arm64 tables over a range
 * @cfg: the configuration and its bound roots
 * @start: the first input address
 * @last: the last (~0ULL: up to the top); nothing when @start > @last
 * @io: table memory: only @io->read is used
 * @fn: called for each item, in increasing input address order
 * @arg: @fn's
 *
 * As ioasid_x86_64_iterate(), over both halves. With TBI, each of the 256
 * tagged copies of a half is visited (the same leaves, at their tagged
 * input addresses). Addresses outside both halves make
 * IOASID_FAULT_NON_CANONICAL items at the level of the half bit 55
 * selects (one item for a run of them at one level). A disabled half
 * (EPDn) makes no item, as a non-present entry. Once @io->read returned
 * IOASID_FAULT_WALK_LIMIT, the halves' parts visited after it (other
 * tagged copies, the other half) are read no more: each is one
 * IOASID_FAULT_WALK_LIMIT item at its top level. @update: SET_A when the
 * leaf's AF is clear (with HA), SET_D when a write would clear its AP[2]
 * (HD, DBM, AP[2], and @maybe not 0). A write walk of an item's address
 * gets @perm | @maybe, less IOASID_PT_SX when the update makes the page
 * writable by unprivileged requests.
 *
 * Return: 0 when every item was visited, or the value @fn stopped with.
 */
int ioasid_arm64_iterate(const struct ioasid_arm64_cfg *cfg, u64 start,
			 u64 last, const struct ioasid_pt_io *io,
			 int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			 void *arg);

#endif
