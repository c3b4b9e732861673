// SPDX-License-Identifier: GPL-2.0
/*
 * The RISC-V IOMMU's process-directory table (IOASID_FORMAT_RISCV_PDT),
 * with the rules of struct ioasid_format_riscv_pdt (uapi/linux/ioasid.h);
 * its contract is in riscv_pdt.h and pasid.h.
 *
 * Plain C (see walker.h). A lookup reads the directory entries of the
 * path, then the process context's ta and (when ta.V is set) its fsc,
 * each once, top level first, and writes nothing. The stage-1
 * configuration it hands out is made by ioasid_riscv_config() and
 * ioasid_riscv_bind() from a struct ioasid_format_riscv, so that the
 * RISC-V format's own checks apply to it.
 */
#include "riscv_pdt.h"

/* DC.tc (the RISC-V IOMMU specification, "Translation control"). */
#define PDT_TC_V		0x1ULL			/* 0 */
#define PDT_TC_PDTV		0x20ULL			/* 5 */
#define PDT_TC_GADE		0x80ULL			/* 7 */
#define PDT_TC_SADE		0x100ULL		/* 8 */
#define PDT_TC_DPE		0x200ULL		/* 9 */
#define PDT_TC_SBE		0x400ULL		/* 10 */
#define PDT_TC_SXL		0x800ULL		/* 11 */
/* EN_ATS (1), EN_PRI (2), T2GPA (3), DTF (4), PRPR (6): not used. */
#define PDT_TC_IGNORED		0x5eULL
#define PDT_TC_TAKEN		(PDT_TC_V | PDT_TC_PDTV | PDT_TC_GADE | \
				 PDT_TC_SADE | PDT_TC_DPE | PDT_TC_SBE | \
				 PDT_TC_SXL | PDT_TC_IGNORED)
/* DC.ta: PSCID (31:12), ignored with PDTV; everything else must be 0. */
#define PDT_DC_TA_PSCID		0x00000000fffff000ULL

/* pdtp / iosatp (DC.fsc, PC.fsc): PPN 43:0, reserved 59:44, MODE 63:60. */
#define PDT_ATP_PPN		0x00000fffffffffffULL
#define PDT_ATP_RSVD		0x0ffff00000000000ULL
#define PDT_ATP_MODE_SHIFT	60
#define PDT_MODE_BARE		0
#define PDT_MODE_PD8		1
#define PDT_MODE_PD20		3
#define PDT_MODE_SV39		8
#define PDT_MODE_SV57		10

/* Non-leaf PDT entry: V (0), reserved 9:1, PPN 53:10, reserved 63:54. */
#define PDT_PDTE_V		0x1ULL
#define PDT_PDTE_RSVD		0xffc00000000003feULL
#define PDT_PDTE_PPN_SHIFT	10

/* PC.ta: V (0), ENS (1), SUM (2), reserved 11:3, PSCID 31:12, rsvd 63:32. */
#define PDT_PC_TA_V		0x1ULL
#define PDT_PC_TA_ENS		0x2ULL
#define PDT_PC_TA_SUM		0x4ULL
#define PDT_PC_TA_RSVD		0xffffffff00000ff8ULL
#define PDT_PC_TA_PSCID_SHIFT	12
#define PDT_PSCID_MASK		0xfffffULL

#define PDT_PAGE_SHIFT		12
#define PDT_PASID_BITS		20

/* ALLOC, BIND, FORMAT_INFO ------------------------------------------------ */

int ioasid_riscv_pdt_config(struct ioasid_riscv_pdt_cfg *cfg,
			    const struct ioasid_format_riscv_pdt *desc)
{
	const u32 pd = IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 |
		       IOASID_RISCV_PDT_PD20;
	const u32 sv = IOASID_RISCV_PDT_SV39 | IOASID_RISCV_PDT_SV48 |
		       IOASID_RISCV_PDT_SV57;

	if ((desc->flags & ~IOASID_RISCV_PDT_FLAGS) || desc->__reserved[0] ||
	    desc->__reserved[1])
		return -EOPNOTSUPP;
	if (!(desc->flags & pd) || !(desc->flags & sv) ||
	    desc->phys_bits < IOASID_RISCV_PDT_MIN_PHYS ||
	    desc->phys_bits > IOASID_RISCV_PDT_MAX_PHYS)
		return -EINVAL;
	*cfg = (struct ioasid_riscv_pdt_cfg){
		.flags = desc->flags,
		.phys_bits = desc->phys_bits,
	};
	return 0;
}

/* The descriptor flag that allows pdtp.MODE @mode (1 to 3). */
static inline u32 pdt_mode_flag(u32 mode)
{
	return IOASID_RISCV_PDT_PD8 << (mode - PDT_MODE_PD8);
}

int ioasid_riscv_pdt_bind(struct ioasid_riscv_pdt_cfg *cfg, u32 flags,
			  const u64 entry[4])
{
	u64 tc = entry[0], ta = entry[1], fsc = entry[2];
	u32 mode = fsc >> PDT_ATP_MODE_SHIFT, bind = IOASID_RISCV_PDT_CFG_BOUND;
	u64 root = 0;

	if (flags)
		return -EOPNOTSUPP;
	if (!(tc & PDT_TC_V) || !(tc & PDT_TC_PDTV) || (tc & ~PDT_TC_TAKEN) ||
	    (tc & (PDT_TC_SBE | PDT_TC_SXL)))
		return -EINVAL;
	if ((tc & (PDT_TC_SADE | PDT_TC_GADE)) &&
	    !(cfg->flags & IOASID_RISCV_PDT_AMO_HWAD))
		return -EINVAL;
	if ((ta & ~PDT_DC_TA_PSCID) || (fsc & PDT_ATP_RSVD) || entry[3])
		return -EINVAL;
	if (mode != PDT_MODE_BARE) {
		if (mode > PDT_MODE_PD20 || !(cfg->flags & pdt_mode_flag(mode)))
			return -EINVAL;
		root = (fsc & PDT_ATP_PPN) << PDT_PAGE_SHIFT;
		if (root >> cfg->phys_bits)
			return -EINVAL;
	}
	if (tc & PDT_TC_DPE)
		bind |= IOASID_RISCV_PDT_CFG_DPE;
	if (tc & PDT_TC_SADE)
		bind |= IOASID_RISCV_PDT_CFG_SADE;
	cfg->root = root;
	cfg->mode = mode;
	cfg->bind = bind;
	return 0;
}

void ioasid_riscv_pdt_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_RISCV_PDT_FLAGS;
	info->out_bind_flags = 0;
	/* What DMA through the stage-1 tables it hands out may use. */
	info->out_pgsize_bitmap = IOASID_RISCV_PGSIZES;
	/* The levels of the process-directory table: PD8, PD17, PD20. */
	info->out_levels_bitmap = (1ULL << 1) | (1ULL << 2) | (1ULL << 3);
	info->out_min_phys_bits = IOASID_RISCV_PDT_MIN_PHYS;
	info->out_max_phys_bits = IOASID_RISCV_PDT_MAX_PHYS;
	info->out_input_bits = IOASID_RISCV_INPUT_BITS;
	info->out_granule_bitmap = 1ULL << PDT_PAGE_SHIFT;
}

/* Lookup ------------------------------------------------------------------- */

/* The index of @pasid in a table of @level (PDI[level - 1]). */
static inline u64 pdt_index(u32 pasid, unsigned int level)
{
	if (level == 1)
		return pasid & 0xff;
	if (level == 2)
		return (pasid >> 8) & 0x1ff;
	return (pasid >> 17) & 0x7;
}

static inline int pdt_read(const struct ioasid_pt_io *io, u64 addr, u64 *val)
{
	int ret = io->read(io->priv, addr, val);

	return ret ? ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE) : 0;
}

/*
 * The stage-1 configuration of a valid process context (@ta, @fsc) with a
 * paging mode: 0, or IOASID_FAULT_PASID_ENTRY when the RISC-V format
 * refuses it (a root too wide for the output).
 */
static int pdt_stage1(const struct ioasid_riscv_pdt_cfg *cfg, u64 ta, u64 fsc,
		      u32 mode, struct ioasid_pasid_s1 *s1)
{
	struct ioasid_format_riscv desc = {
		.hdr = { .size = sizeof(desc), .format = IOASID_FORMAT_RISCV },
		.levels = 3 + (mode - PDT_MODE_SV39),
		.phys_bits = cfg->phys_bits,
	};
	u32 flags = 0;

	if (cfg->flags & IOASID_RISCV_PDT_SVNAPOT)
		desc.flags |= IOASID_RISCV_SVNAPOT;
	if (cfg->flags & IOASID_RISCV_PDT_SVPBMT)
		desc.flags |= IOASID_RISCV_SVPBMT;
	if (cfg->bind & IOASID_RISCV_PDT_CFG_SADE)
		desc.flags |= IOASID_RISCV_AD_UPDATE;
	if ((ta & PDT_PC_TA_ENS) && (ta & PDT_PC_TA_SUM))
		flags |= IOASID_BIND_RISCV_SUM;
	if (ioasid_riscv_config(&s1->riscv, &desc) ||
	    ioasid_riscv_bind(&s1->riscv, flags,
			      (fsc & PDT_ATP_PPN) << PDT_PAGE_SHIFT, 0))
		return IOASID_FAULT_PASID_ENTRY;
	s1->kind = IOASID_PASID_STAGE1;
	s1->format = IOASID_FORMAT_RISCV;
	s1->tag = (ta >> PDT_PC_TA_PSCID_SHIFT) & PDT_PSCID_MASK;
	return 0;
}

/* What a valid process context says: 0 and *@s1, or its fault. */
static int pdt_pc(const struct ioasid_riscv_pdt_cfg *cfg, u64 ta, u64 fsc,
		  struct ioasid_pasid_s1 *s1)
{
	u32 mode = fsc >> PDT_ATP_MODE_SHIFT;
	int ret;

	if ((ta & PDT_PC_TA_RSVD) || (fsc & PDT_ATP_RSVD))
		return IOASID_FAULT_PASID_ENTRY;
	if (mode == PDT_MODE_BARE) {
		s1->kind = IOASID_PASID_BYPASS;
	} else {
		if (mode < PDT_MODE_SV39 || mode > PDT_MODE_SV57 ||
		    !(cfg->flags & (IOASID_RISCV_PDT_SV39 << (mode - PDT_MODE_SV39))))
			return IOASID_FAULT_PASID_ENTRY;
		ret = pdt_stage1(cfg, ta, fsc, mode, s1);
		if (ret)
			return ret;
	}
	if (!(ta & PDT_PC_TA_ENS))
		s1->riscv.flags |= IOASID_RISCV_PDT_S1_NO_PRIV;
	return 0;
}

int ioasid_riscv_pdt_lookup(const struct ioasid_riscv_pdt_cfg *cfg,
			    bool has_pasid, u32 pasid,
			    const struct ioasid_pt_io *io,
			    struct ioasid_pasid_s1 *s1,
			    struct ioasid_pt_result *res)
{
	unsigned int level = cfg->mode;
	u64 table = cfg->root, addr, val, ta, fsc;
	int ret;

	*s1 = (struct ioasid_pasid_s1){ 0 };
	*res = (struct ioasid_pt_result){ 0 };
	if (!(cfg->bind & IOASID_RISCV_PDT_CFG_BOUND) || cfg->mode > PDT_MODE_PD20)
		return ioasid_pt_fail(res, IOASID_FAULT_NOT_BOUND, 0);

	/*
	 * pdtp.MODE Bare bypasses stage 1 for every request; a request
	 * without a process_id uses process context 0 with DPE, else it
	 * bypasses stage 1 too.
	 */
	if (cfg->mode == PDT_MODE_BARE ||
	    (!has_pasid && !(cfg->bind & IOASID_RISCV_PDT_CFG_DPE))) {
		s1->kind = IOASID_PASID_BYPASS;
		return 0;
	}
	if (!has_pasid)
		pasid = 0;
	/* PD8: 8-bit process_ids, PD17: 17-bit, PD20: 20-bit. */
	if (pasid >> (level == 1 ? 8 : level == 2 ? 17 : PDT_PASID_BITS))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, level);

	for (; level > 1; level--) {
		ret = pdt_read(io, table + 8 * pdt_index(pasid, level), &val);
		if (ret)
			return ioasid_pt_fail(res, ret, level);
		if (!(val & PDT_PDTE_V))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT,
					      level);
		table = ((val >> PDT_PDTE_PPN_SHIFT) & PDT_ATP_PPN) << PDT_PAGE_SHIFT;
		if ((val & PDT_PDTE_RSVD) || (table >> cfg->phys_bits))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_ENTRY, level);
	}

	addr = table + 16 * pdt_index(pasid, 1);
	ret = pdt_read(io, addr, &ta);
	if (ret)
		return ioasid_pt_fail(res, ret, 1);
	if (!(ta & PDT_PC_TA_V))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 1);
	ret = pdt_read(io, addr + 8, &fsc);
	if (ret)
		return ioasid_pt_fail(res, ret, 1);
	ret = pdt_pc(cfg, ta, fsc, s1);
	if (ret) {
		*s1 = (struct ioasid_pasid_s1){ 0 };
		return ioasid_pt_fail(res, ret, 1);
	}
	return 0;
}
