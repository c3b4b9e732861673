/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm SMMUv3 context-descriptor tables (IOASID_FORMAT_SMMUV3_CD): the
 * guest's STE at BIND, its linear or 2-level CD table read at DMA time,
 * each CD decoded into an IOASID_FORMAT_ARM64 configuration. The rules
 * are struct ioasid_format_smmuv3_cd's (uapi/linux/ioasid.h). Plain C, see
 * walker.h and pasid.h.
 */
#ifndef IOASID_WALKER_SMMUV3_CD_H
#define IOASID_WALKER_SMMUV3_CD_H

#include "pasid.h"

/* What the decoder supports (FORMAT_INFO). */
#define IOASID_SMMUV3_CD_FLAGS		(IOASID_SMMUV3_CD_2LVL | \
					 IOASID_SMMUV3_CD_HA | \
					 IOASID_SMMUV3_CD_HD)
#define IOASID_SMMUV3_CD_MAX_SSID_BITS	20
#define IOASID_SMMUV3_CD_GRANULES	((1ULL << 12) | (1ULL << 14) | (1ULL << 16))

/* What a bound STE's Config says. */
enum ioasid_smmuv3_cd_mode {
	IOASID_SMMUV3_CD_UNBOUND = 0,
	IOASID_SMMUV3_CD_ABORT,		/* Config 0b0xx */
	IOASID_SMMUV3_CD_BYPASS,	/* Config 0b100 */
	IOASID_SMMUV3_CD_S1,		/* Config 0b101 */
};

/* STE.S1Fmt and STE.S1DSS, as bound (the reserved 3s become 0). */
#define IOASID_SMMUV3_CD_LINEAR		0
#define IOASID_SMMUV3_CD_2LVL_4K	1
#define IOASID_SMMUV3_CD_2LVL_64K	2
#define IOASID_SMMUV3_CD_DSS_TERMINATE	0
#define IOASID_SMMUV3_CD_DSS_BYPASS	1
#define IOASID_SMMUV3_CD_DSS_SSID0	2

/**
 * struct ioasid_smmuv3_cd_cfg - one SMMUv3 CD-table node, bound or not
 * @flags: the descriptor's enum ioasid_smmuv3_cd_flags
 * @ssid_bits: the descriptor's, 0 to 20
 * @oas_bits: the descriptor's: 32, 36, 40, 42, 44 or 48
 * @mode: enum ioasid_smmuv3_cd_mode of the bound STE
 * @s1fmt: (S1) IOASID_SMMUV3_CD_LINEAR, _2LVL_4K or _2LVL_64K; linear
 *	whenever @s1cdmax is 0
 * @s1cdmax: (S1) the STE's S1CDMax, 0 when @ssid_bits is 0
 * @s1dss: (S1) IOASID_SMMUV3_CD_DSS_*; 0 when @s1cdmax is 0
 * @granules: the stage-1 granules CDs may select, as their sizes (never 0)
 * @ctxptr: (S1) S1ContextPtr: the CD, the linear table or the L1 table
 *
 * The lookup checks the fields it uses on every call: a cfg that
 * ioasid_smmuv3_cd_config() and _bind() would not have made faults with
 * IOASID_FAULT_PASID_ENTRY at level 0 (unbound: PASID_NOT_PRESENT; the
 * module never asks then: an unbound node faults IOASID_FAULT_NOT_BOUND
 * before any lookup, format.c).
 */
struct ioasid_smmuv3_cd_cfg {
	u32 flags;
	u8 ssid_bits;
	u8 oas_bits;
	u8 mode;
	u8 s1fmt;
	u8 s1cdmax;
	u8 s1dss;
	u64 granules;
	u64 ctxptr;
};

/**
 * ioasid_smmuv3_cd_config() - check an ALLOC descriptor and decode it
 * @cfg: filled in, unbound, on success; unchanged on error
 * @desc: the descriptor; its header's size and format are the caller's
 *	to check
 *
 * Return: 0; -EOPNOTSUPP: a flag outside IOASID_SMMUV3_CD_FLAGS, a
 * non-zero __reserved, @oas_bits 52 or 56; -EINVAL (after those): HD
 * without HA, another @oas_bits than 32, 36, 40, 42, 44 or 48, @ssid_bits
 * above 20, a @granule_bitmap bit other than 4, 16 and 64 KiB.
 */
int ioasid_smmuv3_cd_config(struct ioasid_smmuv3_cd_cfg *cfg,
			    const struct ioasid_format_smmuv3_cd *desc);

/**
 * ioasid_smmuv3_cd_bind() - check the guest's STE and apply it
 * @cfg: a configured cfg; unchanged on error
 * @flags: BIND's flags: must be 0
 * @entry: struct ioasid_bind's @entry: STE dwords 0 and 1, then two 0s
 *
 * Return: 0; -EOPNOTSUPP: a bind flag; -EINVAL: what struct
 * ioasid_format_smmuv3_cd says BIND refuses.
 */
int ioasid_smmuv3_cd_bind(struct ioasid_smmuv3_cd_cfg *cfg, u32 flags,
			  const u64 entry[4]);

/**
 * ioasid_smmuv3_cd_info() - what the decoder supports, for FORMAT_INFO
 * @info: its out_format_flags (IOASID_SMMUV3_CD_FLAGS), out_bind_flags
 *	(0), out_pgsize_bitmap (the Arm64 leaf sizes a CD's tables may use),
 *	out_levels_bitmap (1 and 2: linear and 2-level CD tables),
 *	out_min_phys_bits and out_max_phys_bits (32, 48), out_input_bits (20:
 *	SubstreamID bits) and out_granule_bitmap (the stage-1 granules: 4,
 *	16 and 64 KiB) are written; nothing else
 */
void ioasid_smmuv3_cd_info(struct ioasid_format_info *info);

/**
 * ioasid_smmuv3_cd_lookup() - the decoded entry for one request
 * @cfg: the configuration and its bound STE
 * @has_pasid: the request carries a PASID (SubstreamID)
 * @pasid: that PASID
 * @io: table memory: only @io->read is used
 * @s1: on success, what the tables say: IOASID_PASID_BYPASS, or
 *	IOASID_PASID_STAGE1 with an IOASID_FORMAT_ARM64 configuration,
 *	configured and bound, and the CD's ASID as @tag; unchanged on a
 *	fault
 * @res: zeroed, then the fault's reason and level
 *
 * Reads, in this order and each once, the L1CD (2-level tables), then the
 * CD's dwords 0, 1 and 2 (only dword 0 when its V is clear); never writes.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res.
 */
int ioasid_smmuv3_cd_lookup(const struct ioasid_smmuv3_cd_cfg *cfg,
			    bool has_pasid, u32 pasid,
			    const struct ioasid_pt_io *io,
			    struct ioasid_pasid_s1 *s1,
			    struct ioasid_pt_result *res);

#endif
