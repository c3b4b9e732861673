// SPDX-License-Identifier: GPL-2.0
/*
 * Arm SMMUv3 context-descriptor tables: the STE's Config, S1Fmt,
 * S1ContextPtr, S1CDMax and S1DSS at BIND; at DMA time the L1CD and the CD
 * of the request's SubstreamID, read through the parent, the CD checked
 * and turned into an IOASID_FORMAT_ARM64 descriptor that
 * ioasid_arm64_config() and ioasid_arm64_bind() check and apply. The
 * rules of struct ioasid_format_smmuv3_cd (uapi/linux/ioasid.h); field
 * positions from Arm IHI0070G.b 5.2 to 5.4.
 */
#include "smmuv3_cd.h"

/* STE dword 0 and 1 (hexadecimal: walker.h code has no BIT_ULL()). */
#define STE0_V			0x1ULL
#define STE0_CONFIG(v)		(((v) >> 1) & 7)
#define STE0_S1FMT(v)		(((v) >> 4) & 3)
#define STE0_CTXPTR		0x00ffffffffffffc0ULL	/* 55:6 */
#define STE0_RES0		0x0700000000000000ULL	/* 58:56 */
#define STE0_S1CDMAX(v)		((v) >> 59)
#define STE1_S1DSS(v)		((v) & 3)
#define STE1_S1PIE		0x0000000001000000ULL	/* 24 */
#define STE1_S1STALLD		0x0000000008000000ULL	/* 27 */
#define STE1_STRW		0x00000000c0000000ULL	/* 31:30 */
#define STE1_RES0		0x00000e0000000000ULL	/* 43:41 */
#define STE1_PRIVCFG(v)		(((v) >> 48) & 3)
#define STE1_INSTCFG(v)		(((v) >> 50) & 3)

/* L1CD */
#define L1CD_V			0x1ULL
#define L1CD_L2PTR		0x00fffffffffff000ULL	/* 55:12 */
#define L1CD_RES0		0xff00000000000ffeULL	/* 63:56, 11:1 */
#define L1CD_L2PTR_64K		0x000000000000f000ULL	/* RES0 in 64K tables */

/* CD dword 0 */
#define CD0_T0SZ(v)		((v) & 0x3f)
#define CD0_TG0(v)		(((v) >> 6) & 3)
#define CD0_EPD0		0x0000000000004000ULL	/* 14 */
#define CD0_ENDI		0x0000000000008000ULL	/* 15 */
#define CD0_T1SZ(v)		(((v) >> 16) & 0x3f)
#define CD0_TG1(v)		(((v) >> 22) & 3)
#define CD0_EPD1		0x0000000040000000ULL	/* 30 */
#define CD0_V			0x0000000080000000ULL	/* 31 */
#define CD0_IPS(v)		(((v) >> 32) & 7)
#define CD0_AFFD		0x0000000800000000ULL	/* 35 */
#define CD0_WXN			0x0000001000000000ULL	/* 36 */
#define CD0_TBI0		0x0000004000000000ULL	/* 38 */
#define CD0_TBI1		0x0000008000000000ULL	/* 39 */
#define CD0_PAN			0x0000010000000000ULL	/* 40 */
#define CD0_AA64		0x0000020000000000ULL	/* 41 */
#define CD0_HD			0x0000040000000000ULL	/* 42 */
#define CD0_HA			0x0000080000000000ULL	/* 43 */
#define CD0_S			0x0000100000000000ULL	/* 44 */
#define CD0_A			0x0000400000000000ULL	/* 46 */
#define CD0_ASID(v)		((v) >> 48)
/* CD dwords 1 (TTB0) and 2 (TTB1) */
#define CDT_TTB			0x00fffffffffffff0ULL	/* 55:4 */
#define CD1_REFUSED		0x0f0000000000000cULL	/* E0PD0, HAFT, 57:56, PnCH, EPAN */
#define CD2_REFUSED		0x0f00000000000004ULL	/* E0PD1, 57:56, DS, PIE */

#define CD_BYTES		64
#define L1CD_BYTES		8

static const u8 cd_ips_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
/* TG0 and TG1 as log2 of the granule; 0: reserved. */
static const u8 cd_tg0[4] = { 12, 16, 14, 0 };
static const u8 cd_tg1[4] = { 0, 14, 12, 16 };

static inline bool cd_oas_ok(u32 oas)
{
	return oas == 32 || oas == 36 || oas == 40 || oas == 42 ||
	       oas == 44 || oas == 48;
}

/* log2 of the CDs an L2 table holds. */
static inline unsigned int cd_split(unsigned int s1fmt)
{
	return s1fmt == IOASID_SMMUV3_CD_2LVL_4K ? 6 : 10;
}

/* The size of the table S1ContextPtr points to, its alignment. */
static u64 cd_table_bytes(unsigned int s1fmt, unsigned int s1cdmax)
{
	unsigned int split;

	if (s1fmt == IOASID_SMMUV3_CD_LINEAR)
		return (u64)CD_BYTES << s1cdmax;
	split = cd_split(s1fmt);
	if (s1cdmax <= split + 3)	/* 8 L1CDs or fewer */
		return 64;
	return (u64)L1CD_BYTES << (s1cdmax - split);
}

/* Configuration ----------------------------------------------------------- */

int ioasid_smmuv3_cd_config(struct ioasid_smmuv3_cd_cfg *cfg,
			    const struct ioasid_format_smmuv3_cd *desc)
{
	u64 granules = desc->granule_bitmap;

	if ((desc->flags & ~IOASID_SMMUV3_CD_FLAGS) || desc->__reserved ||
	    desc->oas_bits == 52 || desc->oas_bits == 56)
		return -EOPNOTSUPP;
	if ((desc->flags & IOASID_SMMUV3_CD_HD) &&
	    !(desc->flags & IOASID_SMMUV3_CD_HA))
		return -EINVAL;
	if (!cd_oas_ok(desc->oas_bits) ||
	    desc->ssid_bits > IOASID_SMMUV3_CD_MAX_SSID_BITS ||
	    (granules & ~IOASID_SMMUV3_CD_GRANULES))
		return -EINVAL;
	*cfg = (struct ioasid_smmuv3_cd_cfg){
		.flags = desc->flags,
		.ssid_bits = desc->ssid_bits,
		.oas_bits = desc->oas_bits,
		.granules = granules ? granules : IOASID_SMMUV3_CD_GRANULES,
	};
	return 0;
}

int ioasid_smmuv3_cd_bind(struct ioasid_smmuv3_cd_cfg *cfg, u32 flags,
			  const u64 entry[4])
{
	u64 ste0 = entry[0], ste1 = entry[1];
	struct ioasid_smmuv3_cd_cfg new = *cfg;
	unsigned int config = STE0_CONFIG(ste0);

	if (flags)
		return -EOPNOTSUPP;
	if (entry[2] || entry[3] || !(ste0 & STE0_V) || (ste0 & STE0_RES0) ||
	    (ste1 & STE1_RES0) || STE1_PRIVCFG(ste1) > 1 ||
	    STE1_INSTCFG(ste1) > 1 || config > 5)
		return -EINVAL;
	new.s1fmt = IOASID_SMMUV3_CD_LINEAR;
	new.s1cdmax = 0;
	new.s1dss = IOASID_SMMUV3_CD_DSS_TERMINATE;
	new.ctxptr = 0;
	if (config < 4) {
		new.mode = IOASID_SMMUV3_CD_ABORT;
	} else if (config == 4) {
		new.mode = IOASID_SMMUV3_CD_BYPASS;
	} else {
		new.mode = IOASID_SMMUV3_CD_S1;
		if (ste1 & (STE1_S1PIE | STE1_S1STALLD | STE1_STRW))
			return -EINVAL;
		if (cfg->ssid_bits) {
			new.s1cdmax = STE0_S1CDMAX(ste0);
			if (new.s1cdmax > cfg->ssid_bits)
				return -EINVAL;
		}
		if (new.s1cdmax) {
			new.s1fmt = STE0_S1FMT(ste0) & 3;
			if (new.s1fmt == 3)	/* reserved: behaves as linear */
				new.s1fmt = IOASID_SMMUV3_CD_LINEAR;
			if (new.s1fmt && !(cfg->flags & IOASID_SMMUV3_CD_2LVL))
				return -EINVAL;
			new.s1dss = STE1_S1DSS(ste1);
			if (new.s1dss == 3)	/* reserved: behaves as terminate */
				new.s1dss = IOASID_SMMUV3_CD_DSS_TERMINATE;
		}
		new.ctxptr = ste0 & STE0_CTXPTR;
		if ((new.ctxptr >> cfg->oas_bits) ||
		    (new.ctxptr & (cd_table_bytes(new.s1fmt, new.s1cdmax) - 1)))
			return -EINVAL;
	}
	*cfg = new;
	return 0;
}

void ioasid_smmuv3_cd_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_SMMUV3_CD_FLAGS;
	info->out_bind_flags = 0;
	info->out_pgsize_bitmap = IOASID_ARM64_PGSIZES;
	info->out_levels_bitmap = BIT(1) | BIT(2);
	info->out_min_phys_bits = IOASID_ARM64_MIN_PHYS;
	info->out_max_phys_bits = IOASID_ARM64_MAX_PHYS;
	info->out_input_bits = IOASID_SMMUV3_CD_MAX_SSID_BITS;
	info->out_granule_bitmap = IOASID_SMMUV3_CD_GRANULES;
}

/* Decoding ---------------------------------------------------------------- */

/* The alignment a half's root needs: its top table's size, at least 64. */
static u64 cd_root_align(const struct ioasid_arm64_half *h)
{
	unsigned int low = h->granule + (h->granule - 3) * (h->levels - 1);
	u64 size = 8ULL << (64 - h->tsz - low);

	return size < 64 ? 64 : size;
}

/*
 * The stage-1 configuration of the valid CD @cd (dwords 0 to 2) into
 * @s1: 0, or IOASID_FAULT_PASID_ENTRY for what the descriptor or the
 * Arm64 walker does not take.
 */
static int cd_decode(const struct ioasid_smmuv3_cd_cfg *cfg, const u64 cd[3],
		     struct ioasid_pasid_s1 *s1)
{
	struct ioasid_format_arm64 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_ARM64 },
	};
	const u64 epd[2] = { CD0_EPD0, CD0_EPD1 };
	const u32 arm_epd[2] = { IOASID_ARM64_EPD0, IOASID_ARM64_EPD1 };
	u64 c = cd[0], ttb[2] = { cd[1] & CDT_TTB, cd[2] & CDT_TTB };
	u8 tsz[2] = { CD0_T0SZ(c), CD0_T1SZ(c) };
	u8 tg[2] = { cd_tg0[CD0_TG0(c)], cd_tg1[CD0_TG1(c)] };
	bool on[2] = { !(c & CD0_EPD0), !(c & CD0_EPD1) };
	bool ha = c & CD0_HA, hd = c & CD0_HD;
	u32 oas = cd_ips_bits[CD0_IPS(c)];
	unsigned int i;

	if (oas > cfg->oas_bits)
		oas = cfg->oas_bits;
	if (!(c & CD0_AA64) || !(c & CD0_A) ||
	    (c & (CD0_S | CD0_WXN | CD0_PAN)) ||
	    (cd[1] & CD1_REFUSED) || (cd[2] & CD2_REFUSED))
		return IOASID_FAULT_PASID_ENTRY;
	if ((ha && !(cfg->flags & IOASID_SMMUV3_CD_HA)) ||
	    (hd && !(cfg->flags & IOASID_SMMUV3_CD_HD)))
		return IOASID_FAULT_PASID_ENTRY;
	hd = hd && ha;		/* {HD, HA} 0b10: no update at all */
	if ((c & CD0_AFFD) && !ha)
		return IOASID_FAULT_PASID_ENTRY;
	if ((on[0] || on[1]) && (c & CD0_ENDI))
		return IOASID_FAULT_PASID_ENTRY;
	for (i = 0; i < 2; i++) {
		if (!on[i])
			continue;
		if (!tg[i] || !(cfg->granules & (1ULL << tg[i])) ||
		    (ttb[i] >> oas))
			return IOASID_FAULT_PASID_ENTRY;
	}
	/* A disabled half's size and granule are ignored: the other's. */
	for (i = 0; i < 2; i++) {
		if (on[i])
			continue;
		tsz[i] = on[!i] ? tsz[!i] : 16;
		tg[i] = on[!i] ? tg[!i] : 12;
		ttb[i] = 0;
		d.flags |= arm_epd[i];
	}
	if (ha)
		d.flags |= IOASID_ARM64_HA;
	if (hd)
		d.flags |= IOASID_ARM64_HD;
	if (c & CD0_TBI0)
		d.flags |= IOASID_ARM64_TBI0;
	if (c & CD0_TBI1)
		d.flags |= IOASID_ARM64_TBI1;
	d.t0sz = tsz[0];
	d.t1sz = tsz[1];
	d.tg0 = tg[0];
	d.tg1 = tg[1];
	d.oas_bits = oas;
	if (ioasid_arm64_config(&s1->arm64, &d))
		return IOASID_FAULT_PASID_ENTRY;
	/* The SMMU aligns TTBn to its table before use. */
	for (i = 0; i < 2; i++)
		if (!(c & epd[i]))
			ttb[i] &= ~(cd_root_align(&s1->arm64.half[i]) - 1);
	if (ioasid_arm64_bind(&s1->arm64, 0, ttb[0], ttb[1]))
		return IOASID_FAULT_PASID_ENTRY;
	s1->kind = IOASID_PASID_STAGE1;
	s1->format = IOASID_FORMAT_ARM64;
	s1->tag = CD0_ASID(c);
	return 0;
}

/* Is @cfg one that config and bind could have made (and bound)? */
static bool cd_cfg_ok(const struct ioasid_smmuv3_cd_cfg *cfg)
{
	if (!cd_oas_ok(cfg->oas_bits) ||
	    cfg->ssid_bits > IOASID_SMMUV3_CD_MAX_SSID_BITS ||
	    !cfg->granules || (cfg->granules & ~IOASID_SMMUV3_CD_GRANULES) ||
	    cfg->mode > IOASID_SMMUV3_CD_S1)
		return false;
	if (cfg->mode != IOASID_SMMUV3_CD_S1)
		return true;
	if (cfg->s1cdmax > cfg->ssid_bits ||
	    cfg->s1fmt > IOASID_SMMUV3_CD_2LVL_64K ||
	    cfg->s1dss > IOASID_SMMUV3_CD_DSS_SSID0 ||
	    (!cfg->s1cdmax && (cfg->s1fmt || cfg->s1dss)) ||
	    (cfg->s1fmt && !(cfg->flags & IOASID_SMMUV3_CD_2LVL)))
		return false;
	return !(cfg->ctxptr >> cfg->oas_bits) &&
	       !(cfg->ctxptr & (cd_table_bytes(cfg->s1fmt, cfg->s1cdmax) - 1));
}

static inline int cd_read(const struct ioasid_pt_io *io, u64 addr, u64 *val,
			  struct ioasid_pt_result *res, unsigned int level)
{
	int ret = io->read(io->priv, addr, val);

	if (ret)
		return ioasid_pt_fail(res, ioasid_pt_io_reason(ret, IOASID_FAULT_TABLE),
				      level);
	return 0;
}

int ioasid_smmuv3_cd_lookup(const struct ioasid_smmuv3_cd_cfg *cfg,
			    bool has_pasid, u32 pasid,
			    const struct ioasid_pt_io *io,
			    struct ioasid_pasid_s1 *s1,
			    struct ioasid_pt_result *res)
{
	struct ioasid_pasid_s1 out = { 0 };
	unsigned int split;
	u64 addr, l1, cd[3], index = 0;
	int ret;

	*res = (struct ioasid_pt_result){ 0 };
	if (cfg->mode == IOASID_SMMUV3_CD_UNBOUND)
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 0);
	if (!cd_cfg_ok(cfg))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_ENTRY, 0);
	if (cfg->mode == IOASID_SMMUV3_CD_ABORT)
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 0);

	/* The substream, or what the STE does without one. */
	if (has_pasid) {
		/* Substreams disabled (S1CDMax 0, bypass), or out of range. */
		if (!cfg->s1cdmax || ((u64)pasid >> cfg->s1cdmax) ||
		    (!pasid && cfg->s1dss == IOASID_SMMUV3_CD_DSS_SSID0))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 0);
		index = pasid;
	} else if (cfg->mode == IOASID_SMMUV3_CD_BYPASS ||
		   (cfg->s1cdmax && cfg->s1dss == IOASID_SMMUV3_CD_DSS_BYPASS)) {
		out.kind = IOASID_PASID_BYPASS;
		*s1 = out;
		return 0;
	} else if (cfg->s1cdmax && cfg->s1dss == IOASID_SMMUV3_CD_DSS_TERMINATE) {
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 0);
	}

	/* The CD's address: through the L1CD with 2-level tables. */
	addr = cfg->ctxptr + CD_BYTES * index;
	if (cfg->s1fmt != IOASID_SMMUV3_CD_LINEAR) {
		split = cd_split(cfg->s1fmt);
		ret = cd_read(io, cfg->ctxptr + L1CD_BYTES * (index >> split), &l1,
			      res, 2);
		if (ret)
			return ret;
		if (!(l1 & L1CD_V))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 2);
		if ((l1 & L1CD_RES0) || ((l1 & L1CD_L2PTR) >> cfg->oas_bits) ||
		    (split == 10 && (l1 & L1CD_L2PTR_64K)))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_ENTRY, 2);
		addr = (l1 & L1CD_L2PTR) +
		       CD_BYTES * (index & ((1ULL << split) - 1));
	}

	ret = cd_read(io, addr, &cd[0], res, 1);
	if (ret)
		return ret;
	if (!(cd[0] & CD0_V))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, 1);
	ret = cd_read(io, addr + 8, &cd[1], res, 1);
	if (!ret)
		ret = cd_read(io, addr + 16, &cd[2], res, 1);
	if (ret)
		return ret;
	ret = cd_decode(cfg, cd, &out);
	if (ret)
		return ioasid_pt_fail(res, ret, 1);
	*s1 = out;
	return 0;
}
