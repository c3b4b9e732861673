/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RISC-V IOMMU's process-directory table (PD8, PD17, PD20): the PASID
 * table of IOASID_FORMAT_RISCV_PDT, with the four functions of pasid.h.
 * The rules are struct ioasid_format_riscv_pdt's (uapi/linux/ioasid.h);
 * the stage-1 configuration handed out is IOASID_FORMAT_RISCV's, made by
 * ioasid_riscv_config() and ioasid_riscv_bind() (riscv.h).
 */
#ifndef IOASID_WALKER_RISCV_PDT_H
#define IOASID_WALKER_RISCV_PDT_H

#include "pasid.h"

/* The descriptor flags this decoder takes (FORMAT_INFO). */
#define IOASID_RISCV_PDT_FLAGS	(IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 | \
				 IOASID_RISCV_PDT_PD20 | IOASID_RISCV_PDT_SV39 | \
				 IOASID_RISCV_PDT_SV48 | IOASID_RISCV_PDT_SV57 | \
				 IOASID_RISCV_PDT_AMO_HWAD | \
				 IOASID_RISCV_PDT_SVNAPOT | IOASID_RISCV_PDT_SVPBMT)
#define IOASID_RISCV_PDT_MIN_PHYS	32
#define IOASID_RISCV_PDT_MAX_PHYS	56

/* Bits of struct ioasid_riscv_pdt_cfg's @bind. */
#define IOASID_RISCV_PDT_CFG_BOUND	BIT(0)	/* a BIND was taken */
#define IOASID_RISCV_PDT_CFG_DPE	BIT(1)	/* DC.tc.DPE */
#define IOASID_RISCV_PDT_CFG_SADE	BIT(2)	/* DC.tc.SADE */

/*
 * PC.ta.ENS clear: privileged requests are refused. struct ioasid_pasid_s1
 * has no member for it, so the decoder sets this bit in @s1->riscv.flags,
 * for IOASID_PASID_STAGE1 and IOASID_PASID_BYPASS entries alike. It is no
 * IOASID_RISCV_CFG_* bit: ioasid_riscv_walk() ignores it, and the caller
 * applies ioasid_riscv_pdt_perm_mask() to what a walk (or a bypass)
 * grants.
 */
#define IOASID_RISCV_PDT_S1_NO_PRIV	BIT(31)

/**
 * struct ioasid_riscv_pdt_cfg - a process-directory table, and its bind
 * @root: parent address of the root PDT page (DC.fsc.PPN << 12); 0 until
 *	bound, and with pdtp.MODE Bare
 * @flags: enum ioasid_riscv_pdt_flags of the descriptor
 * @phys_bits: output address width, 32 to 56
 * @mode: DC.fsc.MODE: 0 (Bare), 1 (PD8), 2 (PD17) or 3 (PD20): also the
 *	number of levels of the table
 * @bind: IOASID_RISCV_PDT_CFG_*
 */
struct ioasid_riscv_pdt_cfg {
	u64 root;
	u32 flags;
	u32 phys_bits;
	u32 mode;
	u32 bind;
};

/**
 * ioasid_riscv_pdt_config() - check and decode the descriptor (ALLOC)
 * @cfg: filled in on success, unbound
 * @desc: the descriptor; its header's size and format are the caller's
 *	to check
 *
 * Return: 0; -EOPNOTSUPP for a flag the decoder does not take or a non-zero
 * @desc->__reserved; -EINVAL for no PD mode or no Sv mode declared, or
 * phys_bits outside 32 to 56. On error *@cfg is unspecified.
 */
int ioasid_riscv_pdt_config(struct ioasid_riscv_pdt_cfg *cfg,
			    const struct ioasid_format_riscv_pdt *desc);

/**
 * ioasid_riscv_pdt_bind() - check and apply a BIND
 * @cfg: a configuration from ioasid_riscv_pdt_config()
 * @flags: BIND's flags: the kind takes none
 * @entry: the guest's device context: DC.tc, DC.ta, DC.fsc, 0
 *
 * Return: 0; -EOPNOTSUPP for a bind flag; -EINVAL for what the kind does
 * not take (struct ioasid_format_riscv_pdt lists it). On error *@cfg is
 * unchanged.
 */
int ioasid_riscv_pdt_bind(struct ioasid_riscv_pdt_cfg *cfg, u32 flags,
			  const u64 entry[4]);

/**
 * ioasid_riscv_pdt_info() - what the decoder supports (FORMAT_INFO)
 * @info: its out_* fields are filled in, nothing else
 */
void ioasid_riscv_pdt_info(struct ioasid_format_info *info);

/**
 * ioasid_riscv_pdt_lookup() - what the table says for one request
 * @cfg: the table
 * @has_pasid: the request has a PASID (the RISC-V IOMMU's process_id)
 * @pasid: its PASID
 * @io: table memory: only @io->read is used
 * @s1: the decoded entry, filled in on success (zeroed on failure)
 * @res: its @fault_reason and @fault_level are set on failure; zeroed
 *	on success
 *
 * Reads, through @io, the directory entries of the path and the process
 * context (its ta, then its fsc when ta.V is set), each once, top level
 * first; writes nothing. Levels: 1 the leaf PDT page of process
 * contexts, 2 and 3 the directories above it.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res:
 * IOASID_FAULT_NOT_BOUND (level 0) for an unbound @cfg,
 * IOASID_FAULT_PASID_NOT_PRESENT, IOASID_FAULT_PASID_ENTRY, or a read's
 * reason (IOASID_FAULT_TABLE, or the callback's own).
 */
int ioasid_riscv_pdt_lookup(const struct ioasid_riscv_pdt_cfg *cfg,
			    bool has_pasid, u32 pasid,
			    const struct ioasid_pt_io *io,
			    struct ioasid_pasid_s1 *s1,
			    struct ioasid_pt_result *res);

/**
 * ioasid_riscv_pdt_perm_mask() - the grants a decoded entry allows at most
 * @s1: an entry from ioasid_riscv_pdt_lookup()
 *
 * Return: IOASID_PT_ALL, or without the privileged grants
 * (IOASID_PT_SR, _SW, _SX) when the process context's ENS is clear. A
 * request that needs a grant outside it (ioasid_pt_need()) is refused
 * before any walk, with IOASID_FAULT_PERMISSION at level 0: nothing is
 * read or updated for it, as the specification refuses it before
 * walking. What a walk (or a bypass: IOASID_PT_ALL) grants and caches is
 * masked with it, @perm and @maybe alike.
 */
static inline u32 ioasid_riscv_pdt_perm_mask(const struct ioasid_pasid_s1 *s1)
{
	if (s1->riscv.flags & IOASID_RISCV_PDT_S1_NO_PRIV)
		return IOASID_PT_ALL & ~(IOASID_PT_SR | IOASID_PT_SW |
					 IOASID_PT_SX);
	return IOASID_PT_ALL;
}

/**
 * ioasid_riscv_pdt_access() - a request as the RISC-V IOMMU sees it
 * @has_pasid: it has a PASID
 * @access: its enum ioasid_access bits
 *
 * Privilege travels with a process_id only: a request without a PASID is
 * unprivileged, also when DC.tc.DPE sends it through process context 0.
 *
 * Return: @access, without IOASID_ACCESS_PRIV when !@has_pasid.
 */
static inline u32 ioasid_riscv_pdt_access(bool has_pasid, u32 access)
{
	return has_pasid ? access : access & ~IOASID_ACCESS_PRIV;
}

#endif
