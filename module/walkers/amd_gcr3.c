// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD GCR3 table decoder: from a guest's device table entry (GV, GLX,
 * GCR3 table root pointer, GIOV, GuestPagingMode, DomainID) and its GCR3
 * table, the x86-64 stage 1 of one PASID, with the rules of struct
 * ioasid_format_amd_gcr3 (uapi/linux/ioasid.h).
 *
 * Plain C (see walker.h): table memory is reached only through struct
 * ioasid_pt_io, read once an entry, never written.
 */
#include "amd_gcr3.h"

/* DTE bits (hexadecimal: walker.h code has no BIT_ULL()). */
#define DTE0_V			0x1ULL			/* 0 */
#define DTE0_TV			0x2ULL			/* 1 */
#define DTE0_RSVD		0x800000000000007cULL	/* 63, 6:2 */
#define DTE0_GIOV		0x0040000000000000ULL	/* 54 */
#define DTE0_GV			0x0080000000000000ULL	/* 55 */
#define DTE0_GLX_SHIFT		56			/* 57:56 */
#define DTE0_GCR3_14_12_SHIFT	58			/* 60:58 */
#define DTE1_DOMID		0xffffULL		/* 15:0 */
#define DTE1_GCR3_30_15_SHIFT	16			/* 31:16 */
#define DTE1_GCR3_51_31_SHIFT	43			/* 63:43 */
#define DTE2_RSVD		0x0030000000000000ULL	/* 53:52 */
#define DTE2_GPM_SHIFT		54			/* 55:54 */

/* GCR3 table entries, at every level. */
#define GCR3_V			0x1ULL			/* 0 */
#define GCR3_ADDR		0x000ffffffffff000ULL	/* 51:12 */
#define GCR3_INDEX_BITS		9			/* 512 entries, 4 KiB */

#define GCR3_BIND_FLAGS		(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE)

/* The x86-64 descriptor of the stage 1 of @cfg, @levels levels. */
static void gcr3_s1_desc(const struct ioasid_amd_gcr3_cfg *cfg,
			 unsigned int levels, struct ioasid_format_x86_64 *d)
{
	*d = (struct ioasid_format_x86_64){
		.hdr = { .size = sizeof(*d), .format = IOASID_FORMAT_X86_64 },
		.flags = cfg->flags & IOASID_AMD_GCR3_AD_UPDATE ?
			 IOASID_X86_64_AD_UPDATE : 0,
		.levels = levels,
		.phys_bits = cfg->phys_bits,
		.pgsize_bitmap = cfg->pgsize_bitmap,
	};
}

int ioasid_amd_gcr3_config(struct ioasid_amd_gcr3_cfg *cfg,
			   const struct ioasid_format_amd_gcr3 *desc)
{
	struct ioasid_format_x86_64 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_X86_64 },
		.levels = 4,
		.phys_bits = desc->phys_bits,
		.pgsize_bitmap = desc->pgsize_bitmap,
	};
	struct ioasid_x86_64_cfg s1;
	int ret;

	if (desc->flags & ~IOASID_AMD_GCR3_FLAGS || desc->__reserved ||
	    desc->__reserved2)
		return -EOPNOTSUPP;
	if (!desc->pasid_bits ||
	    desc->pasid_bits > IOASID_AMD_GCR3_MAX_PASID_BITS ||
	    desc->max_glx > IOASID_AMD_GCR3_MAX_GLX)
		return -EINVAL;
	ret = ioasid_x86_64_config(&s1, &d);
	if (ret)
		return ret;
	*cfg = (struct ioasid_amd_gcr3_cfg){
		.pgsize_bitmap = s1.pgsize_bitmap,
		.flags = desc->flags,
		.phys_bits = desc->phys_bits,
		.pasid_bits = desc->pasid_bits,
		.max_glx = desc->max_glx,
	};
	return 0;
}

int ioasid_amd_gcr3_bind(struct ioasid_amd_gcr3_cfg *cfg, u32 flags,
			 const u64 entry[4])
{
	u64 d0 = entry[0], d1 = entry[1], d2 = entry[2], table;
	unsigned int glx = (d0 >> DTE0_GLX_SHIFT) & 3;
	unsigned int gpm = (d2 >> DTE2_GPM_SHIFT) & 3;
	struct ioasid_format_x86_64 d;
	struct ioasid_x86_64_cfg s1;
	int ret;

	if (flags & ~GCR3_BIND_FLAGS)
		return -EOPNOTSUPP;
	if (d0 & DTE0_RSVD || d2 & DTE2_RSVD || entry[3])
		return -EINVAL;
	if (!(d0 & DTE0_V) || !(d0 & DTE0_TV) || !(d0 & DTE0_GV))
		return -EINVAL;
	if (glx > cfg->max_glx || gpm > 1 ||
	    (gpm && !(cfg->flags & IOASID_AMD_GCR3_LEVEL5)) ||
	    (d0 & DTE0_GIOV && !(cfg->flags & IOASID_AMD_GCR3_GIOV)))
		return -EINVAL;
	table = ((d0 >> DTE0_GCR3_14_12_SHIFT) & 0x7) << 12 |
		((d1 >> DTE1_GCR3_30_15_SHIFT) & 0xffff) << 15 |
		((d1 >> DTE1_GCR3_51_31_SHIFT) & 0x1fffff) << 31;
	if (table >> cfg->phys_bits)
		return -EINVAL;
	/* The stage 1 of every PASID is configured so: check it once here. */
	gcr3_s1_desc(cfg, gpm ? 5 : 4, &d);
	ret = ioasid_x86_64_config(&s1, &d);
	if (!ret)
		ret = ioasid_x86_64_bind(&s1, flags, 0, 0);
	if (ret)
		return ret;
	cfg->table = table;
	cfg->glx = glx;
	cfg->s1_levels = gpm ? 5 : 4;
	cfg->domain_id = d1 & DTE1_DOMID;
	cfg->bind_flags = flags;
	cfg->giov = d0 & DTE0_GIOV;
	return 0;
}

void ioasid_amd_gcr3_info(struct ioasid_format_info *info)
{
	info->out_format_flags = IOASID_AMD_GCR3_FLAGS;
	info->out_bind_flags = GCR3_BIND_FLAGS;
	info->out_pgsize_bitmap = IOASID_X86_64_PGSIZES;
	info->out_levels_bitmap = (1ULL << 1) | (1ULL << 2) | (1ULL << 3);
	info->out_min_phys_bits = IOASID_X86_64_MIN_PHYS;
	info->out_max_phys_bits = IOASID_X86_64_MAX_PHYS;
	info->out_input_bits = IOASID_AMD_GCR3_MAX_PASID_BITS;
	info->out_granule_bitmap = 1ULL << 12;
}

int ioasid_amd_gcr3_lookup(const struct ioasid_amd_gcr3_cfg *cfg,
			   bool has_pasid, u32 pasid,
			   const struct ioasid_pt_io *io,
			   struct ioasid_pasid_s1 *s1,
			   struct ioasid_pt_result *res)
{
	u64 rsvd = ~(GCR3_V | GCR3_ADDR) |
		   (GCR3_ADDR & ~((1ULL << cfg->phys_bits) - 1));
	unsigned int top = cfg->glx + 1, level;
	struct ioasid_format_x86_64 d;
	struct ioasid_x86_64_cfg x86;
	u64 table = cfg->table, e;
	int ret;

	res->fault_reason = 0;
	res->fault_level = 0;
	if (!cfg->s1_levels)
		return ioasid_pt_fail(res, IOASID_FAULT_NOT_BOUND, 0);
	if (!has_pasid && !cfg->giov) {
		*s1 = (struct ioasid_pasid_s1){
			.kind = IOASID_PASID_BYPASS,
			.tag = cfg->domain_id,
		};
		return 0;
	}
	if (!has_pasid)
		pasid = 0;
	if (pasid >> cfg->pasid_bits || pasid >> (GCR3_INDEX_BITS * top))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT, top);

	for (level = top; level >= 1; level--) {
		u64 idx = (pasid >> (GCR3_INDEX_BITS * (level - 1))) &
			  ((1U << GCR3_INDEX_BITS) - 1);

		ret = io->read(io->priv, table + 8 * idx, &e);
		if (ret)
			return ioasid_pt_fail(res, ioasid_pt_io_reason(ret,
						IOASID_FAULT_TABLE), level);
		if (!(e & GCR3_V))
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_NOT_PRESENT,
					      level);
		if (e & rsvd)
			return ioasid_pt_fail(res, IOASID_FAULT_PASID_ENTRY, level);
		table = e & GCR3_ADDR;
	}

	/* @table is the guest's CR3: the stage 1, with x86-64's own checks. */
	gcr3_s1_desc(cfg, cfg->s1_levels, &d);
	if (ioasid_x86_64_config(&x86, &d) ||
	    ioasid_x86_64_bind(&x86, cfg->bind_flags, table, 0))
		return ioasid_pt_fail(res, IOASID_FAULT_PASID_ENTRY, 1);
	*s1 = (struct ioasid_pasid_s1){
		.kind = IOASID_PASID_STAGE1,
		.format = IOASID_FORMAT_X86_64,
		.tag = cfg->domain_id,
		.x86_64 = x86,
	};
	return 0;
}
