/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RISC-V Sv39/Sv48/Sv57 walker (the first stage of the RISC-V IOMMU):
 * struct ioasid_format_riscv decoded, the bind applied, and the walk and
 * iteration with the contract of ioasid_x86_64_walk() and
 * ioasid_x86_64_iterate() (walker.h).
 */
#ifndef IOASID_WALKER_RISCV_H
#define IOASID_WALKER_RISCV_H

#include "walker.h"

/* Flags of struct ioasid_riscv_cfg: the format's and the bind's in one word. */
#define IOASID_RISCV_CFG_AD_UPDATE	BIT(0)	/* IOASID_RISCV_AD_UPDATE */
#define IOASID_RISCV_CFG_SVNAPOT	BIT(1)	/* IOASID_RISCV_SVNAPOT */
#define IOASID_RISCV_CFG_SVPBMT		BIT(2)	/* IOASID_RISCV_SVPBMT */
#define IOASID_RISCV_CFG_SUM		BIT(8)	/* IOASID_BIND_RISCV_SUM */

/* What the RISC-V walker supports (FORMAT_INFO). */
#define IOASID_RISCV_FLAGS	(IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT | \
				 IOASID_RISCV_SVPBMT)
#define IOASID_RISCV_BIND	IOASID_BIND_RISCV_SUM
/* 4 KiB, 64 KiB (Svnapot), 2 MiB, 1 GiB, 512 GiB, 256 TiB */
#define IOASID_RISCV_PGSIZES	((1ULL << 12) | (1ULL << 16) | (1ULL << 21) | \
				 (1ULL << 30) | (1ULL << 39) | (1ULL << 48))
#define IOASID_RISCV_MIN_PHYS	32
#define IOASID_RISCV_MAX_PHYS	56
#define IOASID_RISCV_INPUT_BITS	57

/**
 * struct ioasid_riscv_cfg - one RISC-V table, and its bind
 * @root: parent address of the top-level table, 4 KiB aligned (iosatp.PPN
 *	<< 12); 0 until bound
 * @levels: 3 (Sv39), 4 (Sv48) or 5 (Sv57)
 * @phys_bits: output address width, 32 to 56
 * @flags: IOASID_RISCV_CFG_*
 * @pgsize_bitmap: leaf sizes allowed (SZ_4K always; the others when set)
 */
struct ioasid_riscv_cfg {
	u64 root;
	u32 levels;
	u32 phys_bits;
	u32 flags;
	u64 pgsize_bitmap;
};

/**
 * ioasid_riscv_config() - check and decode a RISC-V format descriptor (ALLOC)
 * @cfg: filled in on success, unbound (@root 0, no bind flag)
 * @desc: the descriptor; its header's size and format are the caller's
 *	to check
 *
 * A zero @desc->pgsize_bitmap means every leaf size of @desc->levels and
 * @desc->flags.
 *
 * Return: 0; -EOPNOTSUPP for a flag the format does not take or a non-zero
 * @desc->__reserved; -EINVAL for levels other than 3 to 5, phys_bits
 * outside 32 to 56, or a pgsize_bitmap without 4 KiB or with a size the
 * levels and flags do not have (64 KiB needs IOASID_RISCV_SVNAPOT, 512 GiB
 * 4 levels, 256 TiB 5). On error *@cfg is unspecified.
 */
int ioasid_riscv_config(struct ioasid_riscv_cfg *cfg,
			const struct ioasid_format_riscv *desc);

/**
 * ioasid_riscv_bind() - check and apply a BIND
 * @cfg: a configuration from ioasid_riscv_config()
 * @flags: enum ioasid_bind_flags
 * @root: the top-level table, 4 KiB aligned, below 2^@cfg->phys_bits
 * @root1: must be 0: the format has one table
 *
 * Return: 0; -EOPNOTSUPP for a bind flag other than IOASID_BIND_RISCV_SUM;
 * -EINVAL for a misaligned or too wide @root, or a non-zero @root1. On
 * error *@cfg is unchanged.
 */
int ioasid_riscv_bind(struct ioasid_riscv_cfg *cfg, u32 flags, u64 root,
		      u64 root1);

/**
 * ioasid_riscv_info() - what the walker supports (FORMAT_INFO)
 * @info: its out_* fields are filled in, nothing else
 */
void ioasid_riscv_info(struct ioasid_format_info *info);

/**
 * ioasid_riscv_walk() - translate one address through a RISC-V table
 * @cfg: the table
 * @iova: the input address
 * @access: the request: enum ioasid_access bits
 * @io: table memory
 * @res: the result, filled in on success and on failure
 *
 * As ioasid_x86_64_walk(). @res->fault_level counts from 1, the 4 KiB
 * level (the RISC-V level 0), to @cfg->levels. The RISC-V specifics:
 *
 * - V clear: IOASID_FAULT_NOT_PRESENT. Reserved encodings (bits 60:54,
 *   N without Svnapot or not a 64 KiB encoding of a 4 KiB-level leaf,
 *   PBMT without Svpbmt or 3, W without R, A, D, U, N or PBMT in a
 *   pointer, a pointer at level 1, PPN bits at or above @cfg->phys_bits,
 *   a misaligned superpage, a leaf size not in @cfg->pgsize_bitmap, a
 *   superpage larger than 2^@cfg->phys_bits, whose outputs would run past
 *   it: 512 GiB below 39 bits, 256 TiB below 48):
 *   IOASID_FAULT_RESERVED at the entry's level.
 * - Permissions are the leaf's alone (RISC-V pointers carry none).
 * - Without IOASID_RISCV_CFG_AD_UPDATE, a leaf with A clear faults with
 *   IOASID_FAULT_ACCESS_FLAG for every request (before the permission
 *   check, so that the reason does not depend on the request); a write
 *   that the leaf permits faults with IOASID_FAULT_ACCESS_FLAG when D is
 *   clear, and a translation of a leaf without D grants no write (@maybe
 *   0: no walk sets D). With AD_UPDATE, A (and D for a write) of the leaf
 *   is set as x86-64 sets its bits.
 * - A Svnapot leaf translates its naturally aligned 64 KiB: @page_size is
 *   64 KiB, the output's bits 15:12 are the input's.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res->fault_reason.
 */
int ioasid_riscv_walk(const struct ioasid_riscv_cfg *cfg, u64 iova,
		      u32 access, const struct ioasid_pt_io *io,
		      struct ioasid_pt_result *res);

/**
 * ioasid_riscv_iterate() - visit the leaves of a RISC-V table over a range
 * @cfg: the table
 * @start: the first input address
 * @last: the last (~0ULL: up to the top); nothing when @start > @last
 * @io: table memory: only @io->read is used
 * @fn: called for each item, in increasing input address order
 * @arg: @fn's
 *
 * As ioasid_x86_64_iterate(), with ioasid_riscv_walk()'s faults. Without
 * IOASID_RISCV_CFG_AD_UPDATE, a leaf with A clear is a fault item
 * (IOASID_FAULT_ACCESS_FLAG at its level, what every walk there gets), and
 * a leaf with D clear grants no write (@perm without IOASID_PT_UW and
 * IOASID_PT_SW, @maybe 0: a write walk there faults with
 * IOASID_FAULT_ACCESS_FLAG or IOASID_FAULT_PERMISSION). With it, @update
 * says which of the leaf's A and D a walk would set. A Svnapot leaf is an
 * item of its own 4 KiB entry's range with @page_size 64 KiB (each of the
 * 16 entries of the range is read, and is an item, on its own).
 *
 * Return: 0 when every item was visited, or the value @fn stopped with.
 */
int ioasid_riscv_iterate(const struct ioasid_riscv_cfg *cfg, u64 start,
			 u64 last, const struct ioasid_pt_io *io,
			 int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			 void *arg);

#endif
