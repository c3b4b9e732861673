/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AMD GCR3 table decoder (amd_gcr3.c): IOASID_FORMAT_AMD_GCR3, the four
 * functions of pasid.h for K = amd_gcr3. Plain C, see walker.h.
 */
#ifndef IOASID_WALKER_AMD_GCR3_H
#define IOASID_WALKER_AMD_GCR3_H

#include "pasid.h"

/**
 * struct ioasid_amd_gcr3_cfg - one node's GCR3 table
 * @table: parent address of the top GCR3 table (the DTE's root pointer)
 * @pgsize_bitmap: the stage-1 leaf sizes (0 in the descriptor resolved)
 * @flags: enum ioasid_amd_gcr3_flags of the descriptor
 * @phys_bits: output address width, 32 to 52
 * @pasid_bits: PASID width, 1 to 20
 * @max_glx: the largest GLX BIND takes, 0 to 2
 * @glx: (bound) the DTE's GLX: the table has @glx + 1 levels
 * @s1_levels: (bound) 4 or 5, by GuestPagingMode; 0 while unbound
 * @domain_id: (bound) the DTE's DomainID
 * @bind_flags: (bound) IOASID_BIND_X86_SRE, _WPE
 * @giov: (bound) the DTE's GIOV
 */
struct ioasid_amd_gcr3_cfg {
	u64 table;
	u64 pgsize_bitmap;
	u32 flags;
	u32 phys_bits;
	u32 pasid_bits;
	u32 max_glx;
	u32 glx;
	u32 s1_levels;
	u32 domain_id;
	u32 bind_flags;
	bool giov;
};

/* What the decoder supports (FORMAT_INFO). */
#define IOASID_AMD_GCR3_FLAGS		(IOASID_AMD_GCR3_AD_UPDATE | \
					 IOASID_AMD_GCR3_GIOV | \
					 IOASID_AMD_GCR3_LEVEL5)
#define IOASID_AMD_GCR3_MAX_PASID_BITS	20
#define IOASID_AMD_GCR3_MAX_GLX		2

/**
 * ioasid_amd_gcr3_config() - check and decode an ALLOC descriptor
 * @cfg: filled in, unbound
 * @desc: the descriptor; its header is checked by the caller
 *
 * Return: 0; -EOPNOTSUPP for an unknown flag or a non-zero reserved
 * member; -EINVAL for a value it does not take (the stage-1 ones checked
 * by ioasid_x86_64_config()).
 */
int ioasid_amd_gcr3_config(struct ioasid_amd_gcr3_cfg *cfg,
			   const struct ioasid_format_amd_gcr3 *desc);

/**
 * ioasid_amd_gcr3_bind() - check and apply a BIND of a guest DTE
 * @cfg: the node's; unchanged on failure
 * @flags: enum ioasid_bind_flags: IOASID_BIND_X86_SRE, _WPE
 * @entry: the DTE's four qwords (struct ioasid_format_amd_gcr3's rules)
 *
 * Return: 0; -EOPNOTSUPP for another bind flag; -EINVAL for a DTE it does
 * not take.
 */
int ioasid_amd_gcr3_bind(struct ioasid_amd_gcr3_cfg *cfg, u32 flags,
			 const u64 entry[4]);

/**
 * ioasid_amd_gcr3_info() - what the decoder supports (FORMAT_INFO)
 * @info: its out_* members: the descriptor flags, the bind flags, the GCR3
 *	table's levels (1 to 3), output widths, the stage-1 leaf sizes the
 *	descriptor takes, @out_input_bits the widest PASID (20), 4 KiB tables
 */
void ioasid_amd_gcr3_info(struct ioasid_format_info *info);

/**
 * ioasid_amd_gcr3_lookup() - what the GCR3 table says for one request
 * @cfg: the bound table
 * @has_pasid: the request has a PASID
 * @pasid: its PASID (ignored without one)
 * @io: table memory: only @io->read is used
 * @s1: the PASID's stage 1, on success only
 * @res: @fault_reason and @fault_level: 0, or the fault
 *
 * Reads at most @cfg->glx + 1 entries, each once, and nothing without a
 * PASID unless GIOV. An unbound @cfg faults with IOASID_FAULT_NOT_BOUND at
 * level 0.
 *
 * Return: 0, or the enum ioasid_fault_reason also in @res.
 */
int ioasid_amd_gcr3_lookup(const struct ioasid_amd_gcr3_cfg *cfg,
			   bool has_pasid, u32 pasid,
			   const struct ioasid_pt_io *io,
			   struct ioasid_pasid_s1 *s1,
			   struct ioasid_pt_result *res);

#endif
