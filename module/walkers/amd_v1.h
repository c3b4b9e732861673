/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AMD-Vi v1 (host) page-table walker: struct ioasid_format_amd_v1
 * (uapi/linux/ioasid.h). Plain C, as every walker (walker.h).
 */
#ifndef IOASID_WALKER_AMD_V1_H
#define IOASID_WALKER_AMD_V1_H

#include "walker.h"

/* Flags of struct ioasid_amd_v1_cfg. */
#define IOASID_AMD_V1_CFG_AD_UPDATE	BIT(0)	/* IOASID_AMD_V1_AD_UPDATE */

/*
 * What the AMD v1 walker supports (FORMAT_INFO). The leaf sizes are those
 * a table can use: 2^12 to 2^52. A leaf larger than 2^phys_bits reaches
 * past the output width and is reserved, so neither the 2^53 a NextLevel 7
 * leaf can encode at most (its run of one bits ends at reserved bit 52)
 * nor a level-6 NextLevel 0 leaf (2^57) is ever taken.
 */
#define IOASID_AMD_V1_PGSIZES		((1ULL << 53) - (1ULL << 12))
#define IOASID_AMD_V1_MIN_LEVELS	1
#define IOASID_AMD_V1_MAX_LEVELS	6
#define IOASID_AMD_V1_MIN_PHYS		32
#define IOASID_AMD_V1_MAX_PHYS		52

/**
 * struct ioasid_amd_v1_cfg - one AMD v1 table: the descriptor and the bind
 * @root: parent address of the top-level table, 4 KiB aligned, below
 *	2^@phys_bits; 0 while unbound
 * @levels: the DTE's Mode, 1 to 6: the top table's level
 * @phys_bits: output address width, 32 to 52
 * @flags: IOASID_AMD_V1_CFG_*
 * @pgsize_bitmap: the leaf sizes allowed: 4 KiB always, powers of two up
 *	to the top level's span (2^(12 + 9 * @levels), all of them up to
 *	2^63 with 6 levels)
 */
struct ioasid_amd_v1_cfg {
	u64 root;
	u32 levels;
	u32 phys_bits;
	u32 flags;
	u64 pgsize_bitmap;
};

/**
 * ioasid_amd_v1_config() - check and decode an ALLOC descriptor
 * @cfg: filled in, unbound (@root 0); unspecified on error
 * @desc: the descriptor; its header's size and format are checked already
 *
 * Return: 0; -EOPNOTSUPP for a flag bit other than IOASID_AMD_V1_AD_UPDATE
 * or a non-zero __reserved; -EINVAL for @levels outside 1..6, @phys_bits
 * outside 32..52, a @pgsize_bitmap without 4 KiB, with a bit below 4 KiB,
 * or one above the top level's span (2^(12 + 9 * @levels)). Sizes no leaf
 * can have (above 2^52, or above 2^@phys_bits) are taken and never met. A
 * @pgsize_bitmap of 0 becomes IOASID_AMD_V1_PGSIZES up to the span.
 */
int ioasid_amd_v1_config(struct ioasid_amd_v1_cfg *cfg,
			 const struct ioasid_format_amd_v1 *desc);

/**
 * ioasid_amd_v1_bind() - check and apply a BIND
 * @cfg: the table; unchanged on error
 * @flags: enum ioasid_bind_flags: none is taken
 * @root: the top-level table, 4 KiB aligned, below 2^@cfg->phys_bits
 * @root1: must be 0 (no second half)
 *
 * Return: 0; -EOPNOTSUPP for any bind flag; -EINVAL for a misaligned or
 * too wide @root, or a non-zero @root1.
 */
int ioasid_amd_v1_bind(struct ioasid_amd_v1_cfg *cfg, u32 flags, u64 root,
		       u64 root1);

/**
 * ioasid_amd_v1_info() - what FORMAT_INFO reports for IOASID_FORMAT_AMD_V1
 * @info: its out_* members are filled in (format flags AD_UPDATE, no bind
 *	flag, the leaf sizes IOASID_AMD_V1_PGSIZES, 1 to 6 levels, 32 to 52
 *	phys bits, 64 input bits, the 4 KiB granule)
 */
void ioasid_amd_v1_info(struct ioasid_format_info *info);

/**
 * ioasid_amd_v1_walk() - translate one address through an AMD v1 table
 * @cfg: the table
 * @iova: the input address
 * @access: the request: enum ioasid_access bits
 * @io: table memory
 * @res: the result, filled in on success and on failure
 *
 * The contract of ioasid_x86_64_walk() (walker.h), with the rules of
 * struct ioasid_format_amd_v1. Input bits at or above 12 + 9 * @levels
 * set: IOASID_FAULT_NON_CANONICAL at level @levels. A pointer that skips
 * levels with non-zero index bits of the skipped levels in @iova:
 * IOASID_FAULT_NOT_PRESENT at the level of the pointer (the hardware
 * reports a page fault). A NextLevel 7 leaf's size must be above the
 * entry's own (the size of a NextLevel 0 leaf there) and at most its
 * table's span, else it is reserved; the leaf is used as read, the
 * replicas in the other slots it covers are not checked. A leaf larger
 * than 2^@phys_bits is reserved (its page would reach past the output
 * width). @fault_level is the AMD level (1: the 4 KiB table).
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res->fault_reason.
 */
int ioasid_amd_v1_walk(const struct ioasid_amd_v1_cfg *cfg, u64 iova,
		       u32 access, const struct ioasid_pt_io *io,
		       struct ioasid_pt_result *res);

/**
 * ioasid_amd_v1_iterate() - visit the leaves of an AMD v1 table over a range
 * @cfg: the table
 * @start: the first input address
 * @last: the last (~0ULL: up to the top); nothing when @start > @last
 * @io: table memory: only @io->read is used
 * @fn: called for each item, in increasing input address order
 * @arg: @fn's
 *
 * The contract of ioasid_x86_64_iterate() (walker.h), with the rules of
 * struct ioasid_format_amd_v1: inputs above the table's width make one
 * IOASID_FAULT_NON_CANONICAL item at level @levels; the parts of a
 * skipping pointer's range whose skipped index bits are not 0 make no item
 * (a walk there faults with IOASID_FAULT_NOT_PRESENT, as for a non-present
 * entry); a NextLevel 7 leaf is one item over the part of its size-aligned
 * block that the entry's slot covers (each replica makes its own).
 *
 * Return: 0 when every item was visited, or the value @fn stopped with.
 */
int ioasid_amd_v1_iterate(const struct ioasid_amd_v1_cfg *cfg, u64 start,
			  u64 last, const struct ioasid_pt_io *io,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg);

#endif
