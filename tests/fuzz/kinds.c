// SPDX-License-Identifier: GPL-2.0
/*
 * PASID-table kinds: their descriptors and guest entries, as the kernel-doc
 * of struct ioasid_format_smmuv3_cd, _amd_gcr3 and _riscv_pdt gives them
 * (uapi/linux/ioasid.h). See kinds.h.
 */
#include <errno.h>
#include <string.h>

#include "kinds.h"
#include "ops.h"

#define SZ_4K		(1ULL << 12)
#define SZ_16K		(1ULL << 14)
#define SZ_64K		(1ULL << 16)
#define SZ_2M		(1ULL << 21)
#define SZ_1G		(1ULL << 30)
#define BIT64(n)	(1ULL << (n))
#define MASK64(h, l)	((~0ULL >> (63 - (h))) & ~(BIT64(l) - 1))

/* FORMAT_INFO ---------------------------------------------------------------- */

/* SMMUv3 CD tables: linear and 2-level, 20 SubstreamID bits, Arm64 stage 1. */
static const struct ioasid_format_info info_smmuv3_cd = {
	.format = IOASID_FORMAT_SMMUV3_CD,
	.out_format_flags = IOASID_SMMUV3_CD_2LVL | IOASID_SMMUV3_CD_HA |
			    IOASID_SMMUV3_CD_HD,
	.out_bind_flags = 0,
	.out_pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G | SZ_16K | (1ULL << 25) |
			     SZ_64K | (1ULL << 29),
	.out_levels_bitmap = (1ULL << 1) | (1ULL << 2),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 48,
	.out_input_bits = 20,
	.out_granule_bitmap = SZ_4K | SZ_16K | SZ_64K,
};

/* AMD GCR3 tables: GLX 0 to 2 (1 to 3 levels), 20 PASID bits, x86-64 stage 1. */
static const struct ioasid_format_info info_amd_gcr3 = {
	.format = IOASID_FORMAT_AMD_GCR3,
	.out_format_flags = IOASID_AMD_GCR3_AD_UPDATE | IOASID_AMD_GCR3_GIOV |
			    IOASID_AMD_GCR3_LEVEL5,
	.out_bind_flags = IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE,
	.out_pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
	.out_levels_bitmap = (1ULL << 1) | (1ULL << 2) | (1ULL << 3),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 52,
	.out_input_bits = 20,
	.out_granule_bitmap = SZ_4K,
};

/* RISC-V PDT: PD8/17/20 (1 to 3 levels), RISC-V stage 1 (its sizes, 57 bits). */
static const struct ioasid_format_info info_riscv_pdt = {
	.format = IOASID_FORMAT_RISCV_PDT,
	.out_format_flags = 0x1ff,	/* every enum ioasid_riscv_pdt_flags */
	.out_bind_flags = 0,
	.out_pgsize_bitmap = SZ_4K | SZ_64K | SZ_2M | SZ_1G | (1ULL << 39) |
			     (1ULL << 48),
	.out_levels_bitmap = (1ULL << 1) | (1ULL << 2) | (1ULL << 3),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 56,
	.out_input_bits = 57,
	.out_granule_bitmap = SZ_4K,
};

const struct ioasid_format_info *kind_info(uint32_t format)
{
	switch (format) {
	case IOASID_FORMAT_SMMUV3_CD:
		return &info_smmuv3_cd;
	case IOASID_FORMAT_AMD_GCR3:
		return &info_amd_gcr3;
	case IOASID_FORMAT_RISCV_PDT:
		return &info_riscv_pdt;
	}
	return NULL;
}

const char *kind_name(uint32_t format)
{
	switch (format) {
	case IOASID_FORMAT_SMMUV3_CD:
		return "smmuv3-cd";
	case IOASID_FORMAT_AMD_GCR3:
		return "amd-gcr3";
	case IOASID_FORMAT_RISCV_PDT:
		return "riscv-pdt";
	}
	return "?";
}

/* ALLOC ---------------------------------------------------------------------- */

void kind_check_descriptor(struct expect *x, const uint8_t *raw)
{
	struct ioasid_format_header hdr;

	memcpy(&hdr, raw, sizeof(hdr));
	switch (hdr.format) {
	case IOASID_FORMAT_SMMUV3_CD: {
		struct ioasid_format_smmuv3_cd d;

		memcpy(&d, raw, sizeof(d));
		if (d.flags & ~info_smmuv3_cd.out_format_flags || d.__reserved ||
		    d.oas_bits == 52 || d.oas_bits == 56)
			ex_add(x, EOPNOTSUPP);
		if ((d.flags & (IOASID_SMMUV3_CD_HA | IOASID_SMMUV3_CD_HD)) ==
		    IOASID_SMMUV3_CD_HD || d.ssid_bits > 20 ||
		    d.granule_bitmap & ~(SZ_4K | SZ_16K | SZ_64K))
			ex_add(x, EINVAL);
		switch (d.oas_bits) {
		case 32: case 36: case 40: case 42: case 44: case 48: case 52: case 56:
			break;
		default:
			ex_add(x, EINVAL);
		}
		return;
	}
	case IOASID_FORMAT_AMD_GCR3: {
		struct ioasid_format_amd_gcr3 d;
		uint64_t pg;

		memcpy(&d, raw, sizeof(d));
		pg = d.pgsize_bitmap;
		if (d.flags & ~info_amd_gcr3.out_format_flags || d.__reserved ||
		    d.__reserved2)
			ex_add(x, EOPNOTSUPP);
		if (!d.pasid_bits || d.pasid_bits > 20 || d.max_glx > 2 ||
		    d.phys_bits < 32 || d.phys_bits > 52 ||
		    (pg && (!(pg & SZ_4K) || pg & ~(SZ_4K | SZ_2M | SZ_1G))))
			ex_add(x, EINVAL);
		return;
	}
	case IOASID_FORMAT_RISCV_PDT: {
		struct ioasid_format_riscv_pdt d;

		memcpy(&d, raw, sizeof(d));
		if (d.flags & ~info_riscv_pdt.out_format_flags || d.__reserved[0] ||
		    d.__reserved[1])
			ex_add(x, EOPNOTSUPP);
		if (!(d.flags & (IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 |
				 IOASID_RISCV_PDT_PD20)) ||
		    !(d.flags & (IOASID_RISCV_PDT_SV39 | IOASID_RISCV_PDT_SV48 |
				 IOASID_RISCV_PDT_SV57)) ||
		    d.phys_bits < 32 || d.phys_bits > 56)
			ex_add(x, EINVAL);
		return;
	}
	}
}

void kind_model_format(const uint8_t *raw, struct m_format *mf)
{
	struct ioasid_format_header hdr;

	memcpy(&hdr, raw, sizeof(hdr));
	memset(mf, 0, sizeof(*mf));
	mf->format = hdr.format;
	switch (hdr.format) {
	case IOASID_FORMAT_SMMUV3_CD: {
		struct ioasid_format_smmuv3_cd d;

		memcpy(&d, raw, sizeof(d));
		mf->flags = d.flags;
		mf->pasid_bits = d.ssid_bits;
		mf->phys_bits = d.oas_bits;
		mf->granules = d.granule_bitmap;
		return;
	}
	case IOASID_FORMAT_AMD_GCR3: {
		struct ioasid_format_amd_gcr3 d;

		memcpy(&d, raw, sizeof(d));
		mf->flags = d.flags;
		mf->pasid_bits = d.pasid_bits;
		mf->max_glx = d.max_glx;
		mf->phys_bits = d.phys_bits;
		mf->pgsize_bitmap = d.pgsize_bitmap;
		return;
	}
	case IOASID_FORMAT_RISCV_PDT: {
		struct ioasid_format_riscv_pdt d;

		memcpy(&d, raw, sizeof(d));
		mf->flags = d.flags;
		mf->phys_bits = d.phys_bits;
		return;
	}
	}
}

static void pick_smmuv3_cd(struct fz *f, struct ioasid_format_smmuv3_cd *d, bool valid)
{
	static const uint32_t oas[] = { 48, 40, 44, 32, 36, 42, 52, 56, 41, 0, 64 };
	static const uint32_t ssid[] = { 20, 0, 8, 1, 16, 21, 32 };
	uint64_t gran = 0;

	d->hdr = (struct ioasid_format_header){ sizeof(*d), IOASID_FORMAT_SMMUV3_CD };
	d->flags = pct(f, 60) ? IOASID_SMMUV3_CD_2LVL : 0;
	if (pct(f, 50))
		d->flags |= IOASID_SMMUV3_CD_HA | (pct(f, 50) ? IOASID_SMMUV3_CD_HD : 0);
	d->ssid_bits = pct(f, 60) ? rn(f, 21) : ssid[rn(f, valid ? 5 : 7)];
	d->oas_bits = oas[rn(f, valid ? 6 : pct(f, 85) ? 6 : 11)];
	if (pct(f, 50)) {
		gran = (pct(f, 60) ? SZ_4K : 0) | (pct(f, 50) ? SZ_16K : 0) |
		       (pct(f, 50) ? SZ_64K : 0);
		if (!gran)
			gran = SZ_4K;
	}
	d->granule_bitmap = gran;
	if (valid)
		return;
	if (pct(f, 3))
		d->flags = IOASID_SMMUV3_CD_HD;			/* HD without HA */
	d->flags |= bad_flag(f, 3, 3);
	d->__reserved = bad_u32(f, 2);
	if (pct(f, 3))
		d->granule_bitmap |= 1ULL << rn(f, 64);
}

static void pick_amd_gcr3(struct fz *f, struct ioasid_format_amd_gcr3 *d, bool valid)
{
	static const uint32_t bits[] = { 48, 52, 32, 40, 31, 53, 0 };
	static const uint64_t pgsizes[] = {
		0, SZ_4K, SZ_4K | SZ_2M, SZ_4K | SZ_2M | SZ_1G, SZ_2M,
		SZ_4K | (1ULL << 13), SZ_4K | (1ULL << 39),
	};

	d->hdr = (struct ioasid_format_header){ sizeof(*d), IOASID_FORMAT_AMD_GCR3 };
	d->flags = (pct(f, 50) ? IOASID_AMD_GCR3_AD_UPDATE : 0) |
		   (pct(f, 50) ? IOASID_AMD_GCR3_GIOV : 0) |
		   (pct(f, 40) ? IOASID_AMD_GCR3_LEVEL5 : 0);
	d->pasid_bits = pct(f, 50) ? 20 : 1 + rn(f, 20);
	d->max_glx = rn(f, 3);
	d->phys_bits = pct(f, 50) ? bits[rn(f, 4)] : 32 + rn(f, 21);
	d->pgsize_bitmap = pgsizes[rn(f, 4)];
	if (valid)
		return;
	if (pct(f, 4))
		d->pasid_bits = pct(f, 50) ? 0 : 21 + rn(f, 235);
	if (pct(f, 3))
		d->max_glx = 3 + rn(f, 253);
	if (pct(f, 4))
		d->phys_bits = bits[4 + rn(f, 3)];
	if (pct(f, 5))
		d->pgsize_bitmap = pgsizes[rn(f, 7)];
	d->flags |= bad_flag(f, 3, 3);
	d->__reserved = pct(f, 2) ? 1 + rn(f, 65535) : 0;
	d->__reserved2 = bad_u32(f, 2);
}

static void pick_riscv_pdt(struct fz *f, struct ioasid_format_riscv_pdt *d, bool valid)
{
	static const uint32_t bits[] = { 56, 44, 32, 48, 31, 57, 0 };
	uint32_t fl;

	d->hdr = (struct ioasid_format_header){ sizeof(*d), IOASID_FORMAT_RISCV_PDT };
	fl = (uint32_t)rnd(f) & 0x1ff;
	if (!(fl & 7))
		fl |= 1u << rn(f, 3);
	if (!(fl & 0x38))
		fl |= 8u << rn(f, 3);
	d->flags = fl;
	d->phys_bits = pct(f, 50) ? bits[rn(f, 4)] : 32 + rn(f, 25);
	if (valid)
		return;
	if (pct(f, 3))
		d->flags &= ~7u;				/* no PD mode */
	if (pct(f, 3))
		d->flags &= ~0x38u;				/* no Sv mode */
	if (pct(f, 4))
		d->phys_bits = bits[4 + rn(f, 3)];
	d->flags |= bad_flag(f, 9, 3);
	if (pct(f, 2))
		d->__reserved[rn(f, 2)] = rnd(f) | 1;
}

void kind_pick_descriptor(struct fz *f, uint32_t format, uint8_t *raw)
{
	union {
		struct ioasid_format_smmuv3_cd cd;
		struct ioasid_format_amd_gcr3 gcr3;
		struct ioasid_format_riscv_pdt pdt;
	} u;

	memset(&u, 0, sizeof(u));
	if (format == IOASID_FORMAT_SMMUV3_CD)
		pick_smmuv3_cd(f, &u.cd, false);
	else if (format == IOASID_FORMAT_AMD_GCR3)
		pick_amd_gcr3(f, &u.gcr3, false);
	else
		pick_riscv_pdt(f, &u.pdt, false);
	memcpy(raw, &u, 32);
}

void kind_valid_descriptor(struct fz *f, uint32_t format, uint8_t *raw,
			   struct m_format *mf)
{
	union {
		struct ioasid_format_smmuv3_cd cd;
		struct ioasid_format_amd_gcr3 gcr3;
		struct ioasid_format_riscv_pdt pdt;
	} u;

	memset(&u, 0, sizeof(u));
	if (format == IOASID_FORMAT_SMMUV3_CD)
		pick_smmuv3_cd(f, &u.cd, true);
	else if (format == IOASID_FORMAT_AMD_GCR3)
		pick_amd_gcr3(f, &u.gcr3, true);
	else
		pick_riscv_pdt(f, &u.pdt, true);
	memcpy(raw, &u, 32);
	kind_model_format(raw, mf);
}

/* BIND: the guest's entries ------------------------------------------------------ */

/* SMMUv3 STE dword 0 and 1. */
#define STE0_V			BIT64(0)
#define STE0_CONFIG(e)		((unsigned int)((e) >> 1) & 7)
#define STE0_S1FMT(e)		((unsigned int)((e) >> 4) & 3)
#define STE0_CTXPTR		MASK64(55, 6)
#define STE0_RES0		MASK64(58, 56)
#define STE0_S1CDMAX(e)		((unsigned int)((e) >> 59) & 31)
#define STE1_S1DSS(e)		((unsigned int)(e) & 3)
#define STE1_S1PIE		BIT64(24)
#define STE1_S1STALLD		BIT64(27)
#define STE1_STRW		MASK64(31, 30)
#define STE1_RES0		MASK64(43, 41)
#define STE1_PRIVCFG(e)		((unsigned int)((e) >> 48) & 3)
#define STE1_INSTCFG(e)		((unsigned int)((e) >> 50) & 3)
/* Bits of dword 1 the kernel-doc lists as ignored. */
#define STE1_IGNORED		(MASK64(23, 2) | BIT64(25) | BIT64(26) | MASK64(29, 28) | \
				 MASK64(40, 32) | MASK64(47, 44) | MASK64(63, 52))

/* The bytes an SMMUv3 S1ContextPtr must be aligned to. */
static uint64_t ste_table_align(unsigned int fmt, unsigned int cdmax)
{
	unsigned int n = fmt == 1 ? 6 : 10;
	uint64_t size;

	if (!fmt || !cdmax)
		return 64ULL << cdmax;
	size = 8ULL << (cdmax > n ? cdmax - n : 0);
	return size < 64 ? 64 : size;
}

static struct expect check_ste(const struct m_format *mf, const __u64 e[4])
{
	uint64_t s0 = e[0], s1 = e[1], ptr;
	unsigned int config = STE0_CONFIG(s0), fmt, cdmax;
	bool bad = false, open = false;

	if (e[2] || e[3] || !(s0 & STE0_V) || s0 & STE0_RES0 || s1 & STE1_RES0 ||
	    STE1_PRIVCFG(s1) > 1 || STE1_INSTCFG(s1) > 1 || config > 5)
		bad = true;
	if (config == 5) {
		if (s1 & (STE1_S1PIE | STE1_S1STALLD | STE1_STRW))
			bad = true;
		cdmax = mf->pasid_bits ? STE0_S1CDMAX(s0) : 0;
		if (mf->pasid_bits && cdmax > mf->pasid_bits)
			bad = true;
		fmt = mf->pasid_bits ? STE0_S1FMT(s0) : 0;
		if (fmt == 3)
			fmt = 0;
		if (fmt && !(mf->flags & IOASID_SMMUV3_CD_2LVL)) {
			/* S1CDMax 0: one CD, S1Fmt unused; the header does not say. */
			if (cdmax)
				bad = true;
			else
				open = true;
		}
		ptr = s0 & STE0_CTXPTR;
		if (ptr >> mf->phys_bits ||
		    ptr & (ste_table_align(cdmax ? fmt : 0, cdmax) - 1))
			bad = true;
	}
	if (bad)
		return ex_of(EINVAL);
	if (open) {
		struct expect x = ex_of(0);

		ex_add(&x, EINVAL);
		return x;
	}
	return ex_of(0);
}

/* AMD DTE qwords 0 to 3. */
#define DTE0_V			BIT64(0)
#define DTE0_TV			BIT64(1)
#define DTE0_RES0		(MASK64(6, 2) | BIT64(63))
#define DTE0_GIOV		BIT64(54)
#define DTE0_GV			BIT64(55)
#define DTE0_GLX(e)		((unsigned int)((e) >> 56) & 3)
#define DTE0_IGNORED		(MASK64(11, 7) | MASK64(53, 12) | MASK64(62, 61))
#define DTE2_GPM(e)		((unsigned int)((e) >> 54) & 3)
#define DTE2_RES0		MASK64(53, 52)
#define DTE2_IGNORED		(MASK64(51, 0) | MASK64(63, 56))

static uint64_t dte_root(const __u64 e[4])
{
	return (e[0] >> 58 & 7) << 12 | (e[1] >> 16 & 0xffff) << 15 |
	       (e[1] >> 43 & 0x1fffff) << 31;
}

static void dte_set_root(__u64 e[4], uint64_t root)
{
	e[0] = (e[0] & ~MASK64(60, 58)) | (root >> 12 & 7) << 58;
	e[1] = (e[1] & ~(MASK64(31, 16) | MASK64(63, 43))) |
	       (root >> 15 & 0xffff) << 16 | (root >> 31 & 0x1fffff) << 43;
}

static struct expect check_dte(const struct m_format *mf, const __u64 e[4])
{
	uint64_t d0 = e[0];

	if (!(d0 & DTE0_V) || !(d0 & DTE0_TV) || !(d0 & DTE0_GV) || d0 & DTE0_RES0 ||
	    (d0 & DTE0_GIOV && !(mf->flags & IOASID_AMD_GCR3_GIOV)) ||
	    DTE0_GLX(d0) > mf->max_glx || e[2] & DTE2_RES0 || DTE2_GPM(e[2]) > 1 ||
	    (DTE2_GPM(e[2]) == 1 && !(mf->flags & IOASID_AMD_GCR3_LEVEL5)) || e[3] ||
	    dte_root(e) >> mf->phys_bits)
		return ex_of(EINVAL);
	return ex_of(0);
}

/* RISC-V DC.tc, DC.ta, DC.fsc. */
#define TC_V			BIT64(0)
#define TC_PDTV			BIT64(5)
#define TC_GADE			BIT64(7)
#define TC_SADE			BIT64(8)
#define TC_DPE			BIT64(9)
#define TC_SBE			BIT64(10)
#define TC_SXL			BIT64(11)
#define TC_IGNORED		(MASK64(4, 1) | BIT64(6))
#define TA_PSCID		MASK64(31, 12)
#define FSC_MODE(e)		((unsigned int)((e) >> 60))
#define FSC_RES0		MASK64(59, 44)
#define FSC_PPN			MASK64(43, 0)

static struct expect check_dc(const struct m_format *mf, const __u64 e[4])
{
	uint64_t tc = e[0], ta = e[1], fsc = e[2];
	unsigned int mode = FSC_MODE(fsc);

	if (!(tc & TC_V) || !(tc & TC_PDTV) || tc & (TC_SBE | TC_SXL | MASK64(63, 12)) ||
	    (tc & (TC_SADE | TC_GADE) && !(mf->flags & IOASID_RISCV_PDT_AMO_HWAD)) ||
	    ta & ~TA_PSCID || fsc & FSC_RES0 || mode > 3 ||
	    (mode && !(mf->flags & (1u << (mode - 1)))) ||
	    (mode && ((fsc & FSC_PPN) << 12) >> mf->phys_bits) || e[3])
		return ex_of(EINVAL);
	return ex_of(0);
}

struct expect kind_check_entry(const struct m_format *mf, const __u64 e[4])
{
	switch (mf->format) {
	case IOASID_FORMAT_SMMUV3_CD:
		return check_ste(mf, e);
	case IOASID_FORMAT_AMD_GCR3:
		return check_dte(mf, e);
	case IOASID_FORMAT_RISCV_PDT:
		return check_dc(mf, e);
	}
	return ex_of(EINVAL);
}

/* A table address below @span aligned to @align (0 when none fits). */
static uint64_t pick_table(struct fz *f, uint64_t span, uint64_t align)
{
	if (align >= span)
		return 0;
	return rn(f, span / align) * align;
}

static void valid_ste(struct fz *f, const struct m_format *mf, uint64_t span,
		      __u64 e[4])
{
	unsigned int r = rn(f, 100), config, fmt = 0, cdmax = 0;
	uint64_t s1 = 0;

	config = r < 80 ? 5 : r < 92 ? 4 : rn(f, 4);
	if (config == 5 && mf->pasid_bits) {
		unsigned int lim = mf->pasid_bits < 10 ? mf->pasid_bits : 10;

		cdmax = pct(f, 15) ? 0 : 1 + rn(f, lim);
		if (cdmax > lim)
			cdmax = lim;
		if (mf->flags & IOASID_SMMUV3_CD_2LVL && cdmax && pct(f, 50))
			fmt = 1 + rn(f, 2);
		else if (pct(f, 5))
			fmt = 3;				/* as linear */
		/* A linear table past the memory: wide S1CDMax, 2-level or few. */
		while (!fmt && cdmax && (64ULL << cdmax) > span)
			cdmax--;
	}
	e[0] = STE0_V | (uint64_t)config << 1 | (uint64_t)fmt << 4 |
	       (uint64_t)cdmax << 59;
	if (config == 5)
		e[0] |= pick_table(f, span, ste_table_align(fmt == 3 ? 0 : fmt, cdmax));
	else if (pct(f, 50))
		e[0] |= rnd(f) & (STE0_CTXPTR | MASK64(5, 4) | MASK64(63, 59));
	s1 = (uint64_t)rn(f, 4);				/* S1DSS */
	if (pct(f, 50))
		s1 |= rnd(f) & STE1_IGNORED;
	s1 |= (uint64_t)rn(f, 2) << 48 | (uint64_t)rn(f, 2) << 50;
	e[1] = s1;
	e[2] = e[3] = 0;
}

static void valid_dte(struct fz *f, const struct m_format *mf, uint64_t span,
		      __u64 e[4])
{
	e[0] = DTE0_V | DTE0_TV | DTE0_GV | (uint64_t)rn(f, mf->max_glx + 1) << 56;
	if (mf->flags & IOASID_AMD_GCR3_GIOV && pct(f, 60))
		e[0] |= DTE0_GIOV;
	if (pct(f, 40))
		e[0] |= rnd(f) & DTE0_IGNORED;
	e[1] = rn(f, 65536) | (pct(f, 30) ? rnd(f) & MASK64(42, 32) : 0);
	e[2] = mf->flags & IOASID_AMD_GCR3_LEVEL5 && pct(f, 50) ? 1ULL << 54 : 0;
	if (pct(f, 30))
		e[2] |= rnd(f) & DTE2_IGNORED;
	e[3] = 0;
	dte_set_root(e, pick_table(f, span, SZ_4K));
}

static void valid_dc(struct fz *f, const struct m_format *mf, uint64_t span,
		     __u64 e[4])
{
	unsigned int modes[3], n = 0, i;

	e[0] = TC_V | TC_PDTV | (pct(f, 50) ? TC_DPE : 0);
	if (mf->flags & IOASID_RISCV_PDT_AMO_HWAD)
		e[0] |= (pct(f, 50) ? TC_SADE : 0) | (pct(f, 30) ? TC_GADE : 0);
	if (pct(f, 30))
		e[0] |= rnd(f) & TC_IGNORED;
	e[1] = pct(f, 70) ? rnd(f) & TA_PSCID : 0;
	for (i = 0; i < 3; i++)
		if (mf->flags & (1u << i))
			modes[n++] = i + 1;
	e[2] = pick_table(f, span, SZ_4K) >> 12;
	if (n && pct(f, 92))
		e[2] |= (uint64_t)modes[rn(f, n)] << 60;	/* else Bare */
	e[3] = 0;
}

void kind_pick_entry(struct fz *f, const struct m_format *mf, uint64_t span,
		     bool mutate, __u64 e[4])
{
	unsigned int r;

	switch (mf->format) {
	case IOASID_FORMAT_SMMUV3_CD:
		valid_ste(f, mf, span, e);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		valid_dte(f, mf, span, e);
		break;
	default:
		valid_dc(f, mf, span, e);
		break;
	}
	if (!mutate || pct(f, 60))
		return;
	r = rn(f, 100);
	if (r < 50) {
		e[rn(f, 3)] ^= 1ULL << rn(f, 64);		/* one bit */
	} else if (r < 65) {
		e[rn(f, 4)] = rnd(f);				/* one word */
	} else if (r < 75) {
		e[3] = 1ULL << rn(f, 64);			/* the unused word */
	} else if (r < 85) {
		e[0] = rnd(f);
		e[1] = rnd(f);
		e[2] = pct(f, 50) ? rnd(f) : 0;
	} else if (r < 92) {
		e[0] &= ~1ULL;					/* V clear */
	} else {
		memset(e, 0, 4 * sizeof(*e));
	}
}

unsigned int kind_entry_pasid_width(const struct m_format *mf, const __u64 e[4],
				    unsigned int *level)
{
	unsigned int w;

	*level = 0;
	switch (mf->format) {
	case IOASID_FORMAT_SMMUV3_CD:
		/* Abort, bypass, one CD: every PASID faults; else S1CDMax bits. */
		if (STE0_CONFIG(e[0]) != 5 || !mf->pasid_bits)
			return 0;
		return STE0_S1CDMAX(e[0]);
	case IOASID_FORMAT_AMD_GCR3:
		*level = DTE0_GLX(e[0]) + 1;
		w = 9 * *level;
		return w < mf->pasid_bits ? w : mf->pasid_bits;
	case IOASID_FORMAT_RISCV_PDT:
		switch (FSC_MODE(e[2])) {
		case 1:
			*level = 1;
			return 8;
		case 2:
			*level = 2;
			return 17;
		case 3:
			*level = 3;
			return 20;
		}
		return 32;	/* Bare: every PASID bypasses */
	}
	return 32;
}

enum kind_rule kind_predict(const struct m_format *mf, const __u64 e[4],
			    bool has_pasid, uint32_t pasid, unsigned int *level)
{
	unsigned int w = kind_entry_pasid_width(mf, e, level), config, cdmax, dss;

	if (has_pasid && w < 32 && pasid >> w)
		return KIND_FAULT;
	switch (mf->format) {
	case IOASID_FORMAT_SMMUV3_CD:
		config = STE0_CONFIG(e[0]);
		cdmax = mf->pasid_bits ? STE0_S1CDMAX(e[0]) : 0;
		dss = cdmax ? STE1_S1DSS(e[1]) : 0;
		*level = 0;
		if (config < 4)
			return KIND_FAULT;
		if (config == 4)
			return has_pasid ? KIND_FAULT : KIND_BYPASS;
		if (!cdmax)
			return KIND_UNKNOWN;		/* one CD, without a PASID */
		if (!has_pasid)
			return dss == 1 ? KIND_BYPASS : dss == 2 ? KIND_UNKNOWN :
			       KIND_FAULT;		/* 0b00, 0b11: terminate */
		return dss == 2 && !pasid ? KIND_FAULT : KIND_UNKNOWN;
	case IOASID_FORMAT_AMD_GCR3:
		return !has_pasid && !(e[0] & DTE0_GIOV) ? KIND_BYPASS : KIND_UNKNOWN;
	case IOASID_FORMAT_RISCV_PDT:
		if (!FSC_MODE(e[2]))
			return KIND_BYPASS;
		return !has_pasid && !(e[0] & TC_DPE) ? KIND_BYPASS : KIND_UNKNOWN;
	}
	return KIND_UNKNOWN;
}
