/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest PASID tables: decoders of the structures a guest IOMMU driver
 * builds to find one PASID's stage-1 page table. Plain C, as the walkers
 * (walker.h): a decoder reads the guest's PASID table only through struct
 * ioasid_pt_io (the node's parent space) and hands back the stage-1
 * configuration of one PASID, configured and bound as ALLOC and BIND of
 * that format would have made it; the module then walks it with the
 * format's own walker. A decoded entry is kept only in the translations
 * made of it, which an INVALIDATE (IOASID_INV_PASID_TABLE for a changed
 * entry) drops; the next walk decodes the entry again.
 *
 * One file per kind, each with the same four functions (K = the kind):
 *
 *   int ioasid_K_config(struct ioasid_K_cfg *cfg, const struct ioasid_format_K *desc);
 *	ALLOC's descriptor: EOPNOTSUPP (unknown flag, non-zero reserved,
 *	what the decoder does not support), then EINVAL (bad values).
 *   int ioasid_K_bind(struct ioasid_K_cfg *cfg, u32 flags, const u64 entry[4]);
 *	BIND's raw guest entry (struct ioasid_bind's @entry): EINVAL for
 *	anything the kind does not take (reserved bits, a mode it does not
 *	support, words it does not use not 0); @cfg unchanged on error.
 *   void ioasid_K_info(struct ioasid_format_info *info);
 *	FORMAT_INFO: flags, bind flags, levels (of the PASID table),
 *	output widths; the stage-1 formats it hands out report their own.
 *   int ioasid_K_lookup(const struct ioasid_K_cfg *cfg, bool has_pasid,
 *			 u32 pasid, const struct ioasid_pt_io *io,
 *			 struct ioasid_pasid_s1 *s1, struct ioasid_pt_result *res);
 *	What the table says for a request with PASID @pasid (@has_pasid)
 *	or without one: 0 and *@s1; or an enum ioasid_fault_reason, also
 *	in @res (IOASID_FAULT_PASID_NOT_PRESENT, IOASID_FAULT_PASID_ENTRY,
 *	IOASID_FAULT_TABLE when a read through @io fails, or the io
 *	callback's own reason), @res->fault_level the PASID-table level (1:
 *	the table of entries, 2: a directory above it, ...). Reads each
 *	entry word once per call; never writes.
 */
#ifndef IOASID_WALKER_PASID_H
#define IOASID_WALKER_PASID_H

#include "walker.h"
#include "x86_64.h"
#include "arm64.h"
#include "riscv.h"

/**
 * enum ioasid_pasid_kind - what a PASID-table entry says for a request
 * @IOASID_PASID_STAGE1: walk the stage-1 table of &struct ioasid_pasid_s1
 * @IOASID_PASID_BYPASS: stage 1 is bypassed: the input address is a
 *	parent address (SMMUv3 S1DSS bypass, AMD without GIOV for DMA
 *	without a PASID)
 */
enum ioasid_pasid_kind {
	IOASID_PASID_STAGE1 = 1,
	IOASID_PASID_BYPASS,
};

/**
 * struct ioasid_pasid_s1 - one PASID's decoded entry
 * @kind: enum ioasid_pasid_kind
 * @format: with IOASID_PASID_STAGE1: IOASID_FORMAT_X86_64, _ARM64 or _RISCV
 * @tag: the entry's address-space tag, for reports: ASID (SMMUv3), the
 *	DTE's DomainID (AMD), PSCID (RISC-V)
 * @x86_64: (@format X86_64) configured and bound
 * @arm64: (@format ARM64) configured and bound
 * @riscv: (@format RISCV) configured and bound
 */
struct ioasid_pasid_s1 {
	u32 kind;
	u32 format;
	u64 tag;
	union {
		struct ioasid_x86_64_cfg x86_64;
		struct ioasid_arm64_cfg arm64;
		struct ioasid_riscv_cfg riscv;
	};
};

#endif
