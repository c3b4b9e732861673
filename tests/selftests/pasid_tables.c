// SPDX-License-Identifier: GPL-2.0
/*
 * Guest PASID-table binds (issue 12 item 4): user-managed nodes of the
 * PASID-table kinds IOASID_FORMAT_SMMUV3_CD (linear and 2-level CD tables),
 * IOASID_FORMAT_AMD_GCR3 (GLX 0 and 1) and IOASID_FORMAT_RISCV_PDT (PD8 and
 * PD17), bound with the guest's raw STE / DTE / DC. The guest's PASID table
 * and its stage-1 tables (tests/include/pt_encode.h: Arm64 4 KiB, x86-64
 * 4 levels, RISC-V Sv39) live in guest memory that a kernel-managed root
 * maps; a software endpoint attached without a PASID to the kind node does
 * DMA and TRANSLATE with PASIDs through them:
 *
 * - several PASIDs to different stage-1 tables, byte-exact, and each kind's
 *   rule for DMA without a PASID (SMMUv3 S1DSS and Config, AMD GIOV,
 *   RISC-V DPE and Bare);
 * - stale until INVALIDATE with IOASID_INV_PASID_TABLE (with and without
 *   SCOPE_PASID), one PASID's invalidation leaving another's alone, DETACH
 *   dropping everything;
 * - parent UNMAP of a PASID-table page and of a stage-1 table page;
 * - malformed entries (PASID_NOT_PRESENT, PASID_ENTRY) at their levels,
 *   in DEVICE_INFO and in fault-queue records, and never page requests;
 * - ATTACH, BIND, UNBIND, INVALIDATE, FORMAT_INFO and ALLOC rules; a PCI
 *   device (QEMU's edu through VFIO) on a kind node: EOPNOTSUPP.
 *
 * Raw ioctls for BIND and INVALIDATE (the 64-byte struct ioasid_bind). A
 * kind the running module does not know (FORMAT_INFO: EOPNOTSUPP) makes
 * the tests SKIP with that reason.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioasid_test.h"
#include "ioasid_pci.h"
#include "pt_encode.h"

#define PAGE		4096ULL
#define SZ_64K		(64ULL << 10)
#define SZ_1M		(1ULL << 20)
#define SZ_2M		(2ULL << 20)
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA

#define NP		IOASID_FAULT_PASID_NOT_PRESENT
#define BAD		IOASID_FAULT_PASID_ENTRY
#define NOPASID		(~0u)

/*
 * Guest memory: 4 MiB at GPA 1 GiB.
 *   [0, 256K)   PASID-table pages (a bump allocator), one root mapping per
 *               4 KiB page (so that one page can be unmapped)
 *   [256K, 1M)  stage-1 tables, 64 KiB per table set, mapped per page too
 *   [1M, 4M)    data, one mapping, a pattern no two pages share
 */
#define GPA		0x40000000ULL
#define GMEM		(4ULL << 20)
#define TBL_BYTES	SZ_1M
#define PT_BYTES	(256ULL << 10)
#define S1_SLOT		SZ_64K
#define S1_MAX		((TBL_BYTES - PT_BYTES) / S1_SLOT)
#define DATA_OFF	SZ_1M

/* Where the stage-1 tables map: valid in Arm64 48-bit TTB0, x86-64, Sv39. */
#define VA		0x12340000ULL

/* The endpoint's PASID width (the widest any kind takes). */
#define DEV_PASID_BITS	20

static const char *const kind_names[] = {
	[IOASID_FORMAT_SMMUV3_CD] = "SMMUv3 CD",
	[IOASID_FORMAT_AMD_GCR3] = "AMD GCR3",
	[IOASID_FORMAT_RISCV_PDT] = "RISC-V PDT",
};

/* Guest structures, bit by bit from the kinds' kernel-doc ------------------- */

/* SMMUv3 STE (dword 0 and 1). */
#define STE_V		(1ULL << 0)
#define STE_CFG_ABORT	0ULL
#define STE_CFG_BYPASS	4ULL
#define STE_CFG_S1	5ULL
#define STE_DSS_TERM	0ULL
#define STE_DSS_BYPASS	1ULL
#define STE_DSS_SSID0	2ULL

static uint64_t ste0(uint64_t config, uint64_t fmt, uint64_t ctxptr,
		     uint64_t cdmax)
{
	return STE_V | config << 1 | fmt << 4 | ctxptr | cdmax << 59;
}

/* SMMUv3 CD dword 0. */
#define CD_EPD1		(1ULL << 30)
#define CD_V		(1ULL << 31)
#define CD_IPS48	(5ULL << 32)
#define CD_AA64		(1ULL << 41)
#define CD_S		(1ULL << 44)
#define CD_A		(1ULL << 46)
/* L1CD */
#define L1CD_V		(1ULL << 0)

/* AMD DTE qword 0 and GCR3 entries. */
#define DTE_V		(1ULL << 0)
#define DTE_TV		(1ULL << 1)
#define DTE_GIOV	(1ULL << 54)
#define DTE_GV		(1ULL << 55)
#define GCR3_V		(1ULL << 0)

/* RISC-V DC.tc, PC.ta, fsc/pdtp modes. */
#define DC_TC_V		(1ULL << 0)
#define DC_TC_PDTV	(1ULL << 5)
#define DC_TC_DPE	(1ULL << 9)
#define PC_TA_V		(1ULL << 0)
#define PDT_DIR_V	(1ULL << 0)
#define PDTP_BARE	0ULL
#define PDTP_PD8	1ULL
#define PDTP_PD17	2ULL
#define FSC_SV39	8ULL
#define FSC_SV48	9ULL

/* Raw ioctls ---------------------------------------------------------------- */

static int format_info(struct ioasid_handle *h, uint32_t format,
		       struct ioasid_format_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->size = sizeof(*fi);
	fi->format = format;
	return ioctl(ioasid_fd(h), IOASID_FORMAT_INFO, fi);
}

static bool format_known(struct ioasid_handle *h, uint32_t format)
{
	struct ioasid_format_info fi;

	return format_info(h, format, &fi) == 0 || errno != EOPNOTSUPP;
}

static int alloc_raw(struct ioasid_handle *h, uint32_t parent, const void *fmt,
		     uint32_t len, uint32_t *id)
{
	struct ioasid_alloc a = {
		.size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
		.parent_id = parent, .format = (uintptr_t)fmt, .format_len = len,
	};
	int rc = ioctl(ioasid_fd(h), IOASID_ALLOC, &a);

	if (!rc && id)
		*id = a.out_id;
	return rc;
}

/* BIND (or UNBIND) with the struct cut to @size bytes. */
static int bind_raw(struct ioasid_handle *h, unsigned long cmd, uint32_t id,
		    uint64_t root, uint64_t root1, const uint64_t entry[4],
		    uint32_t size)
{
	struct ioasid_bind b = { .size = size, .id = id, .root = root,
				 .root1 = root1 };

	if (entry)
		memcpy(b.entry, entry, sizeof(b.entry));
	return ioctl(ioasid_fd(h), cmd, &b);
}

static int bind_entry(struct ioasid_handle *h, uint32_t id, const uint64_t entry[4])
{
	return bind_raw(h, IOASID_BIND, id, 0, 0, entry, sizeof(struct ioasid_bind));
}

static int inv_raw(struct ioasid_handle *h, uint32_t node, uint32_t scope,
		   uint32_t flags, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct ioasid_inv_entry e = {
		.node_id = node, .scope = scope, .flags = flags, .pasid = pasid,
		.addr = addr, .size = size,
		.granule = scope & IOASID_INV_SCOPE_ADDR ? PAGE : 0,
	};
	struct ioasid_invalidate inv = {
		.size = sizeof(inv), .count = 1, .entry_size = sizeof(e),
		.entries = (uintptr_t)&e,
	};

	return ioctl(ioasid_fd(h), IOASID_INVALIDATE, &inv);
}

/* INVALIDATE with IOASID_INV_PASID_TABLE: of @pasid, or (NOPASID) of all. */
static int inv_pt(struct ioasid_handle *h, uint32_t node, uint32_t pasid)
{
	if (pasid == NOPASID)
		return inv_raw(h, node, 0, IOASID_INV_PASID_TABLE, 0, 0, 0);
	return inv_raw(h, node, IOASID_INV_SCOPE_PASID, IOASID_INV_PASID_TABLE,
		       pasid, 0, 0);
}

static int attach_raw(struct ioasid_handle *h, uint32_t dev, uint32_t node,
		      uint32_t pasid)
{
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = dev,
				   .node_id = node };

	if (pasid != NOPASID) {
		a.flags = IOASID_ATTACH_PASID;
		a.pasid = pasid;
	}
	return ioctl(ioasid_fd(h), IOASID_ATTACH, &a);
}

static int detach_raw(struct ioasid_handle *h, uint32_t dev, uint32_t pasid)
{
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = dev };

	if (pasid != NOPASID) {
		a.flags = IOASID_ATTACH_PASID;
		a.pasid = pasid;
	}
	return ioctl(ioasid_fd(h), IOASID_DETACH, &a);
}

static struct ioasid_device_info dev_info(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	if (ioasid_device_info(h, dev, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

static uint32_t dma_flags(uint32_t flags, uint32_t pasid)
{
	return pasid == NOPASID ? flags : flags | IOASID_DMA_PASID;
}

static uint32_t pasid_arg(uint32_t pasid)
{
	return pasid == NOPASID ? 0 : pasid;
}

/* Guest memory in the root (after the layout it reads: GPA, GMEM, ...) */

#include "guest_mem.h"

/* The fixture: one kind and PASID-table layout per variant -------------------- */

FIXTURE(pt) {
	struct ioasid_handle *h;
	struct guest g;
	uint32_t node, dev;
	uint64_t next;			/* bump offset of PASID-table pages */
	uint64_t root;			/* GPA of the PASID table's root */
	uint64_t entry[4];		/* what is bound */
	struct pt_enc s1[S1_MAX];
	unsigned int ns1;
};

FIXTURE_VARIANT(pt) {
	uint32_t kind;
	/* SMMUv3: S1Fmt; GCR3: GLX; PDT: pdtp.MODE */
	unsigned int layout;
	/* PASIDs the table takes: 2^width (SMMUv3: S1CDMax) */
	unsigned int width;
	/* the PASID-table levels (1: the table of entries) */
	unsigned int levels;
	/* the level of the fault of a PASID too wide */
	unsigned int wide_level;
	/* a PASID in another leaf table than PASID 3 (where there is one) */
	uint32_t far;
};

FIXTURE_VARIANT_ADD(pt, smmuv3_linear) {
	.kind = IOASID_FORMAT_SMMUV3_CD, .layout = 0, .width = 5, .levels = 1,
	.wide_level = 0, .far = 17,
};

FIXTURE_VARIANT_ADD(pt, smmuv3_2lvl) {
	.kind = IOASID_FORMAT_SMMUV3_CD, .layout = 1, .width = 8, .levels = 2,
	.wide_level = 0, .far = 200,
};

FIXTURE_VARIANT_ADD(pt, gcr3_glx0) {
	.kind = IOASID_FORMAT_AMD_GCR3, .layout = 0, .width = 9, .levels = 1,
	.wide_level = 1, .far = 300,
};

FIXTURE_VARIANT_ADD(pt, gcr3_glx1) {
	.kind = IOASID_FORMAT_AMD_GCR3, .layout = 1, .width = 18, .levels = 2,
	.wide_level = 2, .far = 1000,
};

FIXTURE_VARIANT_ADD(pt, pdt_pd8) {
	.kind = IOASID_FORMAT_RISCV_PDT, .layout = PDTP_PD8, .width = 8,
	.levels = 1, .wide_level = 1, .far = 200,
};

FIXTURE_VARIANT_ADD(pt, pdt_pd17) {
	.kind = IOASID_FORMAT_RISCV_PDT, .layout = PDTP_PD17, .width = 17,
	.levels = 2, .wide_level = 2, .far = 700,
};

/* The kinds' descriptors, as these tests declare them. */
union kind_desc {
	struct ioasid_format_header hdr;
	struct ioasid_format_smmuv3_cd smmu;
	struct ioasid_format_amd_gcr3 gcr3;
	struct ioasid_format_riscv_pdt pdt;
};

static union kind_desc kind_desc(uint32_t kind)
{
	union kind_desc d;

	memset(&d, 0, sizeof(d));
	d.hdr.format = kind;
	switch (kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		d.smmu.hdr.size = sizeof(d.smmu);
		d.smmu.flags = IOASID_SMMUV3_CD_2LVL;
		d.smmu.ssid_bits = 20;
		d.smmu.oas_bits = 48;
		break;
	case IOASID_FORMAT_AMD_GCR3:
		d.gcr3.hdr.size = sizeof(d.gcr3);
		d.gcr3.flags = IOASID_AMD_GCR3_GIOV;
		d.gcr3.pasid_bits = 20;
		d.gcr3.max_glx = 2;
		d.gcr3.phys_bits = 48;
		break;
	default:
		d.pdt.hdr.size = sizeof(d.pdt);
		d.pdt.flags = IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 |
			      IOASID_RISCV_PDT_SV39;
		d.pdt.phys_bits = 48;
		break;
	}
	return d;
}

static uint32_t kind_flags(const union kind_desc *d)
{
	switch (d->hdr.format) {
	case IOASID_FORMAT_SMMUV3_CD:
		return d->smmu.flags;
	case IOASID_FORMAT_AMD_GCR3:
		return d->gcr3.flags;
	default:
		return d->pdt.flags;
	}
}

static uint64_t *gptr(FIXTURE_DATA(pt) *self, uint64_t gpa)
{
	return (uint64_t *)(self->g.mem + (gpa - GPA));
}

static uint64_t gget(FIXTURE_DATA(pt) *self, uint64_t gpa)
{
	return pt_enc_get(gptr(self, gpa));
}

static void gset(FIXTURE_DATA(pt) *self, uint64_t gpa, uint64_t v)
{
	pt_enc_set(gptr(self, gpa), v);
}

/* A zeroed PASID-table page (or part of one) of @bytes, aligned to them. */
static uint64_t tbl_alloc(FIXTURE_DATA(pt) *self, uint64_t bytes)
{
	uint64_t off = (self->next + bytes - 1) & ~(bytes - 1);

	if (off + bytes > PT_BYTES)
		return 0;
	memset(self->g.mem + off, 0, bytes);
	self->next = off + bytes;
	return GPA + off;
}

/* A new, empty stage-1 table of the kind's stage-1 format: its index. */
static int s1_new(FIXTURE_DATA(pt) *self, uint32_t kind)
{
	struct pt_enc_params p;
	unsigned int i = self->ns1;

	if (i >= S1_MAX)
		return -1;
	switch (kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		p = pt_enc_arm64_params(12, 16, false);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		p = pt_enc_x86_64_params(4);
		break;
	default:
		p = pt_enc_riscv_params(3);
		break;
	}
	p.phys_bits = 48;
	if (pt_enc_init(&self->s1[i], &p, self->g.mem + PT_BYTES + i * S1_SLOT,
			GPA + PT_BYTES + i * S1_SLOT, S1_SLOT))
		return -1;
	self->ns1++;
	return i;
}

/* A data page of guest memory. */
static uint64_t data_page(unsigned int n)
{
	return GPA + DATA_OFF + n * PAGE;
}

/* A stage-1 table that maps VA + i * PAGE to data page @first + i, @n pages. */
static int s1_with(FIXTURE_DATA(pt) *self, uint32_t kind, unsigned int first,
		   unsigned int n)
{
	int s = s1_new(self, kind);
	unsigned int i;

	if (s < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (pt_enc_map(&self->s1[s], VA + i * PAGE, data_page(first + i),
			       PAGE, PT_ENC_ALL))
			return -1;
	return s;
}

/*
 * The bind entry of the variant's table with no-PASID behaviour @np: SMMUv3
 * (Config << 8 | S1DSS), GCR3 (GIOV), PDT (DPE; pdtp.MODE Bare when @bare).
 */
static void make_entry(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *v,
		       uint64_t np, bool bare, uint64_t e[4])
{
	uint64_t r = self->root;

	memset(e, 0, 4 * sizeof(*e));
	switch (v->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		e[0] = ste0(np >> 8, v->layout, r, v->width);
		e[1] = np & 3;
		break;
	case IOASID_FORMAT_AMD_GCR3:
		e[0] = DTE_V | DTE_TV | DTE_GV | (np ? DTE_GIOV : 0) |
		       (uint64_t)v->layout << 56 | ((r >> 12) & 7) << 58;
		e[1] = 0x42 | ((r >> 15) & 0xffff) << 16 |
		       ((r >> 31) & 0x1fffff) << 43;
		break;
	default:
		e[0] = DC_TC_V | DC_TC_PDTV | (np ? DC_TC_DPE : 0);
		e[2] = (bare ? PDTP_BARE : (uint64_t)v->layout) << 60 | r >> 12;
		break;
	}
}

/* The default no-PASID behaviour: SMMUv3 S1DSS bypass, GIOV clear, DPE clear. */
#define NP_DEFAULT(v)	((v)->kind == IOASID_FORMAT_SMMUV3_CD ? \
			 (STE_CFG_S1 << 8 | STE_DSS_BYPASS) : 0)

static int rebind(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *v,
		  uint64_t np, bool bare)
{
	make_entry(self, v, np, bare, self->entry);
	return bind_entry(self->h, self->node, self->entry);
}

/* Index bits of @pasid at PASID-table level @l (1: the table of entries). */
static unsigned int pt_index(const FIXTURE_VARIANT(pt) *v, uint32_t pasid,
			     unsigned int l)
{
	switch (v->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		if (v->layout == 0)
			return pasid;
		return l == 1 ? (pasid & 63) : pasid >> 6;
	case IOASID_FORMAT_AMD_GCR3:
		return (pasid >> (9 * (l - 1))) & 511;
	default:
		return l == 1 ? (pasid & 255) : (pasid >> 8) & 511;
	}
}

/*
 * The GPA of @pasid's entry at PASID-table level @level (1: the CD, GCR3
 * entry or process context; 2: the L1CD or directory entry above it). With
 * @create, missing directory entries get new, empty tables. 0: missing.
 */
static uint64_t pt_entry_gpa(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *v,
			     uint32_t pasid, unsigned int level, bool create)
{
	unsigned int esz = v->kind == IOASID_FORMAT_SMMUV3_CD ? 64 :
			   v->kind == IOASID_FORMAT_RISCV_PDT ? 16 : 8;
	uint64_t table = self->root, leaf_bytes;
	unsigned int l;

	leaf_bytes = v->kind == IOASID_FORMAT_RISCV_PDT ? PAGE :
		     v->kind == IOASID_FORMAT_AMD_GCR3 ? PAGE : 64ULL * 64;
	for (l = v->levels; l > 1; l--) {
		uint64_t gpa = table + 8ULL * pt_index(v, pasid, l), e;

		if (l == level)
			return gpa;
		e = gget(self, gpa);
		if (!(e & 1)) {
			uint64_t t;

			if (!create)
				return 0;
			t = tbl_alloc(self, l == 2 ? leaf_bytes : PAGE);
			if (!t)
				return 0;
			e = v->kind == IOASID_FORMAT_RISCV_PDT ?
			    (t >> 12) << 10 | PDT_DIR_V : t | 1;
			gset(self, gpa, e);
		}
		table = v->kind == IOASID_FORMAT_RISCV_PDT ?
			((e >> 10) & pt_enc_mask(43, 0)) << 12 :
			e & pt_enc_mask(51, 12);
	}
	return level == 1 ? table + (uint64_t)esz * pt_index(v, pasid, 1) : 0;
}

/* The word of @pasid's entry with its valid bit (CD dword 0, GCR3, PC.ta). */
static uint64_t valid_word(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *v,
			   uint32_t pasid)
{
	return pt_entry_gpa(self, v, pasid, 1, false);
}

/* Point @pasid's entry at stage-1 table @s. 0 or -1. */
static int set_pasid(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *v,
		     uint32_t pasid, int s)
{
	uint64_t gpa = pt_entry_gpa(self, v, pasid, 1, true);
	uint64_t root;

	if (!gpa || s < 0)
		return -1;
	root = pt_enc_root(&self->s1[s]);
	switch (v->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		gset(self, gpa, 0);
		gset(self, gpa + 8, root);
		gset(self, gpa + 16, 0);
		gset(self, gpa, 16 | CD_EPD1 | CD_V | CD_IPS48 | CD_AA64 |
			       CD_A | (uint64_t)(0x100 + s) << 48);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		gset(self, gpa, root | GCR3_V);
		break;
	default:
		gset(self, gpa, 0);
		gset(self, gpa + 8, FSC_SV39 << 60 | root >> 12);
		gset(self, gpa, PC_TA_V | (uint64_t)(0x100 + s) << 12);
		break;
	}
	return 0;
}

FIXTURE_SETUP(pt)
{
	union kind_desc d = kind_desc(variant->kind);
	struct ioasid_info info;
	uint64_t bytes;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "module without IOASID_CAP_USER_MANAGED");
	if (!format_known(self->h, variant->kind))
		SKIP(return, "module does not know the %s kind (FORMAT_INFO: "
		     "EOPNOTSUPP)", kind_names[variant->kind]);
	self->g.h = self->h;
	ASSERT_EQ(0, guest_setup(&self->g));
	/* The root table of the PASID table. */
	switch (variant->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		bytes = variant->layout ? 8ULL << (variant->width - 6) :
			64ULL << variant->width;
		bytes = bytes < 64 ? 64 : bytes;
		break;
	default:
		bytes = PAGE;
		break;
	}
	/* Start past page 0, so that the root is not at the area's start. */
	self->next = PAGE;
	self->root = tbl_alloc(self, bytes < PAGE ? PAGE : bytes);
	ASSERT_NE(0, self->root);
	ASSERT_EQ(0, alloc_raw(self->h, self->g.root, &d, d.hdr.size, &self->node));
	ASSERT_EQ(0, rebind(self, variant, NP_DEFAULT(variant), false));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID,
					  DEV_PASID_BITS, &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->node, 0, 0));
}

FIXTURE_TEARDOWN(pt)
{
	if (self->h)
		ioasid_close(self->h);
}

/* DMA checks -------------------------------------------------------------------- */

/* Read @len bytes at @iova with @pasid; they must be guest memory at @gpa. */
#define EXPECT_READ(dev, pasid, iova, gpa, len) do {				\
		uint8_t __b[len];						\
		uint64_t __d = 0;						\
		EXPECT_EQ(0, ioasid_dma(self->h, dev, dma_flags(0, pasid),	\
					pasid_arg(pasid), iova, __b, len, &__d)) \
			TH_LOG("read pasid %d at %#llx", (int)(pasid),		\
			       (unsigned long long)(iova));			\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + ((gpa) - GPA), len))	\
			TH_LOG("read pasid %d at %#llx: not gpa %#llx",		\
			       (int)(pasid), (unsigned long long)(iova),	\
			       (unsigned long long)(gpa));			\
	} while (0)

/* Write @len fresh bytes at @iova with @pasid; they must land at @gpa only. */
#define EXPECT_WRITE(dev, pasid, iova, gpa, len, seed) do {			\
		uint8_t __b[len], __around[2];					\
		uint64_t __d = 0, __o = (gpa) - GPA;				\
		unsigned int __i;						\
		for (__i = 0; __i < (len); __i++)				\
			__b[__i] = (uint8_t)((seed) * 7 + __i * 3 + 1);		\
		ASSERT_NE(0, memcmp(__b, self->g.mem + __o, len));		\
		__around[0] = self->g.mem[__o - 1];				\
		__around[1] = self->g.mem[__o + (len)];				\
		EXPECT_EQ(0, ioasid_dma(self->h, dev,				\
					dma_flags(IOASID_DMA_WRITE, pasid),	\
					pasid_arg(pasid), iova, __b, len, &__d)) \
			TH_LOG("write pasid %d at %#llx", (int)(pasid),		\
			       (unsigned long long)(iova));			\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + __o, len));		\
		EXPECT_EQ(__around[0], self->g.mem[__o - 1]);			\
		EXPECT_EQ(__around[1], self->g.mem[__o + (len)]);		\
	} while (0)

/*
 * What 64 bytes at @iova with @pasid read: 'A' guest memory at @a, 'B' at
 * @b, 'F' a fault, 'E' another error, '?' anything else.
 */
static int seen(FIXTURE_DATA(pt) *self, uint32_t pasid, uint64_t iova,
		uint64_t a, uint64_t b)
{
	uint8_t buf[64];
	uint64_t done;
	int rc = ioasid_dma(self->h, self->dev, dma_flags(0, pasid),
			    pasid_arg(pasid), iova, buf, sizeof(buf), &done);

	if (rc == -EIO)
		return 'F';
	if (rc)
		return 'E';
	if (!memcmp(buf, self->g.mem + (a - GPA), sizeof(buf)))
		return 'A';
	if (!memcmp(buf, self->g.mem + (b - GPA), sizeof(buf)))
		return 'B';
	return '?';
}

/* TRANSLATE of @iova with @pasid: where in this process it leads (0: fault). */
static uint64_t translate_to(FIXTURE_DATA(pt) *self, uint32_t pasid,
			     uint64_t iova)
{
	struct ioasid_translate t;

	memset(&t, 0, sizeof(t));
	if (ioasid_translate(self->h, self->dev, dma_flags(0, pasid),
			     pasid_arg(pasid), iova, &t))
		return 0;
	return t.out_uaddr;
}

static uint64_t uaddr_of(FIXTURE_DATA(pt) *self, uint64_t gpa)
{
	return (uintptr_t)self->g.mem + (gpa - GPA);
}

/*
 * An 8-byte DMA with @pasid at @iova that must fault: nothing transferred,
 * one more fault at @iova. Its DEVICE_INFO.
 */
static struct ioasid_device_info
dma_fault(struct __test_metadata *_metadata, struct ioasid_handle *h,
	  uint32_t dev, uint32_t flags, uint32_t pasid, uint64_t iova)
{
	struct ioasid_device_info before = dev_info(h, dev), after;
	uint8_t buf[8] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	uint64_t done = 77;

	EXPECT_EQ(-EIO, ioasid_dma(h, dev, dma_flags(flags, pasid),
				   pasid_arg(pasid), iova, buf, sizeof(buf),
				   &done))
		TH_LOG("DMA %#x pasid %d at %#llx did not fault", flags,
		       (int)pasid, (unsigned long long)iova);
	EXPECT_EQ(0, done);
	after = dev_info(h, dev);
	EXPECT_EQ(before.out_faults + 1, after.out_faults);
	EXPECT_EQ(iova, after.out_last_fault_addr);
	return after;
}

#define EXPECT_FAULT(pasid, iova, reason, node, level) do {			\
		struct ioasid_device_info __i =					\
			dma_fault(_metadata, self->h, self->dev, 0, pasid, iova); \
		EXPECT_EQ(reason, __i.out_last_fault_reason)			\
			TH_LOG("pasid %d at %#llx: reason", (int)(pasid),	\
			       (unsigned long long)(iova));			\
		EXPECT_EQ(node, __i.out_last_fault_node)			\
			TH_LOG("pasid %d at %#llx: node", (int)(pasid),		\
			       (unsigned long long)(iova));			\
		EXPECT_EQ(level, __i.out_last_fault_level)			\
			TH_LOG("pasid %d at %#llx: level", (int)(pasid),	\
			       (unsigned long long)(iova));			\
	} while (0)

/* 1. DMA with several PASIDs -------------------------------------------------- */

/*
 * PASIDs 1, 3 and the variant's far one (another leaf table where the
 * layout has several) through the guest's PASID table to three stage-1
 * tables that map VA to different data: reads and writes byte-exact, a
 * DMA across two pages, TRANSLATE to the same bytes; an unused PASID
 * faults PASID_NOT_PRESENT at the table of entries.
 */
TEST_F(pt, dma_several_pasids)
{
	const uint32_t pasids[] = { 1, 3, variant->far };
	unsigned int i;
	int s[3];

	for (i = 0; i < 3; i++) {
		s[i] = s1_with(self, variant->kind, 10 * i, 2);
		ASSERT_LE(0, s[i]);
		ASSERT_EQ(0, set_pasid(self, variant, pasids[i], s[i]));
	}
	for (i = 0; i < 3; i++) {
		uint32_t p = pasids[i];

		EXPECT_READ(self->dev, p, VA + 8, data_page(10 * i) + 8, 64);
		EXPECT_WRITE(self->dev, p, VA + 256, data_page(10 * i) + 256, 32,
			     i + 1);
		EXPECT_READ(self->dev, p, VA + 200, data_page(10 * i) + 200, 128);
		/* Across the two pages of the stage-1 table. */
		do {
			uint8_t buf[256];
			uint64_t done = 0;

			ASSERT_EQ(0, ioasid_dma(self->h, self->dev,
						IOASID_DMA_PASID, p,
						VA + PAGE - 128, buf, 256, &done));
			EXPECT_EQ(256, done);
			EXPECT_EQ(0, memcmp(buf, self->g.mem + (data_page(10 * i) +
						PAGE - 128 - GPA), 256));
		} while (0);
		EXPECT_EQ(uaddr_of(self, data_page(10 * i) + 0x123),
			  translate_to(self, p, VA + 0x123));
		EXPECT_EQ(uaddr_of(self, data_page(10 * i + 1) + 0x40),
			  translate_to(self, p, VA + PAGE + 0x40));
		/* Unmapped in its stage 1: that format's NOT_PRESENT, level 1. */
		EXPECT_FAULT(p, VA + 2 * PAGE, IOASID_FAULT_NOT_PRESENT,
			     self->node, 1);
	}
	/* A PASID without an entry (in a leaf table that exists). */
	EXPECT_FAULT(2, VA, NP, self->node, 1);
}

/*
 * Many PASIDs, more than the module keeps empty per-PASID attachments for
 * (256): 300 PASIDs translate, INVALIDATE PASID_TABLE empties them all,
 * then 600 more, whose making frees the empty ones; every PASID reads its
 * own stage 1 (even ones data page 0, odd ones data page 10), before and
 * after, so an attachment freed or mixed up under a live one shows.
 */
TEST_F(pt, many_pasids)
{
	const uint32_t first = 1, mid = 301, end = 901;
	uint32_t p;
	int s[2];

	if (end > 1u << variant->width)
		SKIP(return, "the table takes %u PASIDs", 1u << variant->width);
	s[0] = s1_with(self, variant->kind, 0, 1);
	s[1] = s1_with(self, variant->kind, 10, 1);
	ASSERT_LE(0, s[0]);
	ASSERT_LE(0, s[1]);
	for (p = first; p < end; p++)
		ASSERT_EQ(0, set_pasid(self, variant, p, s[p & 1]));
	for (p = first; p < mid; p++)
		EXPECT_READ(self->dev, p, VA + 64, data_page(10 * (p & 1)) + 64, 8);
	ASSERT_EQ(0, inv_pt(self->h, self->node, NOPASID));
	for (p = mid; p < end; p++)
		EXPECT_READ(self->dev, p, VA + 64, data_page(10 * (p & 1)) + 64, 8);
	for (p = first; p < end; p += 7)
		EXPECT_READ(self->dev, p, VA + 128, data_page(10 * (p & 1)) + 128, 8);
	/* Still one translation per PASID: a rewritten entry shows only after INV. */
	ASSERT_EQ(0, set_pasid(self, variant, mid, s[(mid + 1) & 1]));
	EXPECT_READ(self->dev, mid, VA + 64, data_page(10 * (mid & 1)) + 64, 8);
	ASSERT_EQ(0, inv_pt(self->h, self->node, mid));
	EXPECT_READ(self->dev, mid, VA + 64,
		    data_page(10 * ((mid + 1) & 1)) + 64, 8);
}

/* 2. DMA without a PASID: each kind's rule ------------------------------------ */

/*
 * PASID 0 maps VA to data page 0, PASID 1 to data page 10; a bypass reads
 * the parent address itself (data page 20's GPA).
 */
TEST_F(pt, no_pasid)
{
	uint64_t d0 = data_page(0), d1 = data_page(10), byp = data_page(20);
	int s0 = s1_with(self, variant->kind, 0, 1);
	int s1 = s1_with(self, variant->kind, 10, 1);

	ASSERT_LE(0, s0);
	ASSERT_LE(0, s1);
	ASSERT_EQ(0, set_pasid(self, variant, 0, s0));
	ASSERT_EQ(0, set_pasid(self, variant, 1, s1));

	switch (variant->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		/* S1DSS terminate: no PASID aborts; PASID 0 uses CD 0. */
		ASSERT_EQ(0, rebind(self, variant, STE_CFG_S1 << 8 | STE_DSS_TERM,
				    false));
		EXPECT_FAULT(NOPASID, VA, NP, self->node, 0);
		EXPECT_FAULT(NOPASID, byp, NP, self->node, 0);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* S1DSS bypass: no PASID is a parent address. */
		ASSERT_EQ(0, rebind(self, variant,
				    STE_CFG_S1 << 8 | STE_DSS_BYPASS, false));
		EXPECT_READ(self->dev, NOPASID, byp + 64, byp + 64, 64);
		EXPECT_WRITE(self->dev, NOPASID, byp + 512, byp + 512, 16, 3);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* S1DSS substream 0: no PASID uses CD 0, PASID 0 faults. */
		ASSERT_EQ(0, rebind(self, variant, STE_CFG_S1 << 8 | STE_DSS_SSID0,
				    false));
		EXPECT_READ(self->dev, NOPASID, VA + 8, d0 + 8, 64);
		EXPECT_FAULT(0, VA, NP, self->node, 0);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* S1DSS 3 behaves as terminate. */
		ASSERT_EQ(0, rebind(self, variant, STE_CFG_S1 << 8 | 3, false));
		EXPECT_FAULT(NOPASID, VA, NP, self->node, 0);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		/* Config bypass: no PASID bypasses, any PASID faults. */
		ASSERT_EQ(0, rebind(self, variant, STE_CFG_BYPASS << 8, false));
		EXPECT_READ(self->dev, NOPASID, byp, byp, 64);
		EXPECT_FAULT(0, VA, NP, self->node, 0);
		EXPECT_FAULT(1, VA, NP, self->node, 0);
		/*
		 * S1CDMax 0: S1ContextPtr is one CD (whatever S1Fmt says), for
		 * DMA without a PASID: point it at CD 0.
		 */
		make_entry(self, variant, STE_CFG_S1 << 8 | STE_DSS_TERM, false,
			   self->entry);
		self->entry[0] &= ~(0x1fULL << 59 | pt_enc_mask(55, 6));
		self->entry[0] |= pt_entry_gpa(self, variant, 0, 1, false);
		ASSERT_EQ(0, bind_entry(self->h, self->node, self->entry));
		EXPECT_READ(self->dev, NOPASID, VA + 8, d0 + 8, 64);
		EXPECT_FAULT(0, VA, NP, self->node, 0);
		EXPECT_FAULT(1, VA, NP, self->node, 0);
		/* Config abort: everything faults. */
		ASSERT_EQ(0, rebind(self, variant, STE_CFG_ABORT << 8, false));
		EXPECT_FAULT(NOPASID, byp, NP, self->node, 0);
		EXPECT_FAULT(NOPASID, VA, NP, self->node, 0);
		EXPECT_FAULT(0, VA, NP, self->node, 0);
		EXPECT_FAULT(1, VA, NP, self->node, 0);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		/* GIOV clear: no PASID bypasses stage 1. */
		ASSERT_EQ(0, rebind(self, variant, 0, false));
		EXPECT_READ(self->dev, NOPASID, byp + 64, byp + 64, 64);
		EXPECT_WRITE(self->dev, NOPASID, byp + 512, byp + 512, 16, 4);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* GIOV set: no PASID is PASID 0's table. */
		ASSERT_EQ(0, rebind(self, variant, 1, false));
		EXPECT_READ(self->dev, NOPASID, VA + 8, d0 + 8, 64);
		EXPECT_WRITE(self->dev, NOPASID, VA + 1024, d0 + 1024, 16, 5);
		/* (byp is in the second 1 GiB: a hole at level 3 there) */
		EXPECT_FAULT(NOPASID, byp, IOASID_FAULT_NOT_PRESENT, self->node, 3);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* PASID 0 not present: no PASID faults so. */
		gset(self, valid_word(self, variant, 0), 0);
		ASSERT_EQ(0, inv_pt(self->h, self->node, NOPASID));
		EXPECT_FAULT(NOPASID, VA, NP, self->node, 1);
		break;
	default:
		/* DPE clear: no PASID bypasses. */
		ASSERT_EQ(0, rebind(self, variant, 0, false));
		EXPECT_READ(self->dev, NOPASID, byp + 64, byp + 64, 64);
		EXPECT_WRITE(self->dev, NOPASID, byp + 512, byp + 512, 16, 6);
		EXPECT_READ(self->dev, 0, VA, d0, 64);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* DPE set: no PASID is process context 0. */
		ASSERT_EQ(0, rebind(self, variant, 1, false));
		EXPECT_READ(self->dev, NOPASID, VA + 8, d0 + 8, 64);
		EXPECT_WRITE(self->dev, NOPASID, VA + 1024, d0 + 1024, 16, 7);
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		/* pdtp Bare: everything bypasses, PASIDs too. */
		ASSERT_EQ(0, rebind(self, variant, 1, true));
		EXPECT_READ(self->dev, NOPASID, byp, byp, 64);
		EXPECT_READ(self->dev, 0, byp + 128, byp + 128, 64);
		EXPECT_READ(self->dev, 1, byp + 256, byp + 256, 64);
		EXPECT_READ(self->dev, variant->far, byp + 8, byp + 8, 64);
		/* Back to a table: PASID 1 is stage 1 again (BIND dropped the rest). */
		ASSERT_EQ(0, rebind(self, variant, 0, false));
		EXPECT_READ(self->dev, 1, VA, d1, 64);
		break;
	}
}

/* 3. Stale until invalidated ------------------------------------------------- */

/*
 * p and q cache translations of VA (DMA and TRANSLATE); both entries are
 * rewritten to other stage-1 tables; both old translations hold; INVALIDATE
 * PASID_TABLE with SCOPE_PASID p shows p's new one and leaves q's cached
 * one; PASID_TABLE without a scope shows q's new one.
 */
TEST_F(pt, stale_until_invalidated)
{
	uint32_t p = 3, q = variant->far;
	uint64_t a = data_page(0), b = data_page(10), c = data_page(20);
	int sa = s1_with(self, variant->kind, 0, 1);
	int sb = s1_with(self, variant->kind, 10, 1);
	int sc = s1_with(self, variant->kind, 20, 1);

	ASSERT_LE(0, sa);
	ASSERT_LE(0, sb);
	ASSERT_LE(0, sc);
	ASSERT_EQ(0, set_pasid(self, variant, p, sa));
	ASSERT_EQ(0, set_pasid(self, variant, q, sb));
	EXPECT_EQ('A', seen(self, p, VA, a, c));
	EXPECT_EQ('A', seen(self, q, VA, b, a));
	EXPECT_EQ(uaddr_of(self, a + 0x80), translate_to(self, p, VA + 0x80));
	EXPECT_EQ(uaddr_of(self, b + 0x80), translate_to(self, q, VA + 0x80));

	/* p to table C, q to table A: both stale. */
	ASSERT_EQ(0, set_pasid(self, variant, p, sc));
	ASSERT_EQ(0, set_pasid(self, variant, q, sa));
	EXPECT_EQ('A', seen(self, p, VA, a, c));
	EXPECT_EQ('A', seen(self, q, VA, b, a));
	EXPECT_EQ(uaddr_of(self, a + 0x80), translate_to(self, p, VA + 0x80));

	/* INVALIDATE PASID_TABLE of another PASID changes nothing for p. */
	ASSERT_EQ(0, inv_pt(self->h, self->node, 5));
	EXPECT_EQ('A', seen(self, p, VA, a, c));

	/* p's: p sees C, q still its cached B. */
	ASSERT_EQ(0, inv_pt(self->h, self->node, p));
	EXPECT_EQ('B', seen(self, p, VA, a, c));
	EXPECT_EQ(uaddr_of(self, c + 0x80), translate_to(self, p, VA + 0x80));
	EXPECT_EQ('A', seen(self, q, VA, b, a));
	EXPECT_EQ(uaddr_of(self, b + 0x80), translate_to(self, q, VA + 0x80));

	/* Without SCOPE_PASID: every PASID's. */
	ASSERT_EQ(0, inv_pt(self->h, self->node, NOPASID));
	EXPECT_EQ('B', seen(self, q, VA, b, a));
	EXPECT_EQ(uaddr_of(self, a + 0x80), translate_to(self, q, VA + 0x80));
	EXPECT_EQ('B', seen(self, p, VA, a, c));

	/* An entry cleared: stale until its invalidation, then a fault. */
	gset(self, valid_word(self, variant, p), 0);
	EXPECT_EQ('B', seen(self, p, VA, a, c));
	ASSERT_EQ(0, inv_pt(self->h, self->node, p));
	EXPECT_FAULT(p, VA, NP, self->node, 1);
	EXPECT_EQ('B', seen(self, q, VA, b, a));
	/* Valid again: seen after its invalidation (no negative caching needed). */
	ASSERT_EQ(0, set_pasid(self, variant, p, sb));
	ASSERT_EQ(0, inv_pt(self->h, self->node, p));
	EXPECT_EQ('B', seen(self, p, VA, c, b));

	/* A stage-1 leaf changed: an ordinary SCOPE_PASID INVALIDATE shows it. */
	ASSERT_EQ(0, pt_enc_map(&self->s1[sb], VA, c, PAGE, PT_ENC_ALL));
	EXPECT_EQ('A', seen(self, p, VA, b, c));
	ASSERT_EQ(0, inv_raw(self->h, self->node, IOASID_INV_SCOPE_PASID, 0, p,
			     0, 0));
	EXPECT_EQ('B', seen(self, p, VA, b, c));
}

/*
 * DMA without a PASID through PASID 0's entry (SMMUv3 S1DSS substream 0,
 * AMD GIOV, RISC-V DPE): INVALIDATE PASID_TABLE with NO_PASID drops what
 * DMA without a PASID cached, not what PASID p cached.
 */
TEST_F(pt, stale_no_pasid)
{
	uint32_t p = 3;
	uint64_t a = data_page(0), b = data_page(10);
	int sa = s1_with(self, variant->kind, 0, 1);
	int sb = s1_with(self, variant->kind, 10, 1);

	ASSERT_LE(0, sa);
	ASSERT_LE(0, sb);
	ASSERT_EQ(0, set_pasid(self, variant, 0, sa));
	ASSERT_EQ(0, set_pasid(self, variant, p, sa));
	ASSERT_EQ(0, rebind(self, variant,
			    variant->kind == IOASID_FORMAT_SMMUV3_CD ?
			    STE_CFG_S1 << 8 | STE_DSS_SSID0 : 1, false));
	EXPECT_EQ('A', seen(self, NOPASID, VA, a, b));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	ASSERT_EQ(0, set_pasid(self, variant, 0, sb));
	ASSERT_EQ(0, set_pasid(self, variant, p, sb));
	EXPECT_EQ('A', seen(self, NOPASID, VA, a, b));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	/* PASID_TABLE of another PASID: neither. */
	ASSERT_EQ(0, inv_pt(self->h, self->node, p + 1));
	EXPECT_EQ('A', seen(self, NOPASID, VA, a, b));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	/* NO_PASID: the DMA without a PASID only. */
	ASSERT_EQ(0, inv_raw(self->h, self->node, 0,
			     IOASID_INV_PASID_TABLE | IOASID_INV_NO_PASID, 0, 0, 0));
	EXPECT_EQ('B', seen(self, NOPASID, VA, a, b));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	ASSERT_EQ(0, inv_pt(self->h, self->node, p));
	EXPECT_EQ('B', seen(self, p, VA, a, b));
}

/*
 * DETACH of the no-PASID attachment drops what every PASID cached through
 * it; BIND does too.
 */
TEST_F(pt, detach_and_bind_drop_everything)
{
	uint32_t p = 3, q = variant->far;
	uint64_t a = data_page(0), b = data_page(10);
	int sa = s1_with(self, variant->kind, 0, 1);
	int sb = s1_with(self, variant->kind, 10, 1);

	ASSERT_LE(0, sa);
	ASSERT_LE(0, sb);
	ASSERT_EQ(0, set_pasid(self, variant, p, sa));
	ASSERT_EQ(0, set_pasid(self, variant, q, sa));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	EXPECT_EQ('A', seen(self, q, VA, a, b));
	ASSERT_EQ(0, set_pasid(self, variant, p, sb));
	ASSERT_EQ(0, set_pasid(self, variant, q, sb));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	EXPECT_EQ('A', seen(self, q, VA, a, b));
	ASSERT_EQ(0, detach_raw(self->h, self->dev, NOPASID));
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	EXPECT_EQ(IOASID_FAULT_NOT_ATTACHED,
		  dma_fault(_metadata, self->h, self->dev, 0, p, VA).out_last_fault_reason);
	ASSERT_EQ(0, attach_raw(self->h, self->dev, self->node, NOPASID));
	EXPECT_EQ('B', seen(self, p, VA, a, b));
	EXPECT_EQ('B', seen(self, q, VA, a, b));

	/* BIND (the same entry again) drops them too. */
	ASSERT_EQ(0, set_pasid(self, variant, p, sa));
	ASSERT_EQ(0, set_pasid(self, variant, q, sa));
	EXPECT_EQ('B', seen(self, p, VA, a, b));
	ASSERT_EQ(0, bind_entry(self->h, self->node, self->entry));
	EXPECT_EQ('A', seen(self, p, VA, a, b));
	EXPECT_EQ('A', seen(self, q, VA, a, b));
}

/* 4. Parent UNMAP of table pages --------------------------------------------- */

TEST_F(pt, parent_unmap_pasid_table_page)
{
	uint32_t p = 3;
	uint64_t a = data_page(4), off;
	int s = s1_with(self, variant->kind, 4, 1);
	unsigned int l;

	ASSERT_LE(0, s);
	ASSERT_EQ(0, set_pasid(self, variant, p, s));
	for (l = 1; l <= variant->levels; l++) {
		EXPECT_READ(self->dev, p, VA + 8, a + 8, 64);
		/* The page that holds p's entry of level @l. */
		off = (pt_entry_gpa(self, variant, p, l, false) - GPA) & ~(PAGE - 1);
		ASSERT_GT(PT_BYTES, off);
		ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
		EXPECT_FAULT(p, VA + 8, IOASID_FAULT_TABLE, self->node, l);
		EXPECT_FAULT(p, VA + 16, IOASID_FAULT_TABLE, self->node, l);
		ASSERT_EQ(0, guest_map(&self->g, off, PAGE, RW));
		EXPECT_READ(self->dev, p, VA + 8, a + 8, 64);
	}
	/* Read-only in the parent is enough for the PASID table. */
	off = (pt_entry_gpa(self, variant, p, 1, false) - GPA) & ~(PAGE - 1);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, IOASID_MAP_READ));
	EXPECT_WRITE(self->dev, p, VA + 300, a + 300, 8, 11);
}

TEST_F(pt, parent_unmap_stage1_table_page)
{
	uint32_t p = 3, q = variant->far;
	uint64_t a = data_page(5), b = data_page(15), off;
	int s = s1_with(self, variant->kind, 5, 1);
	int t = s1_with(self, variant->kind, 15, 1);
	unsigned int top;

	ASSERT_LE(0, s);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, set_pasid(self, variant, p, s));
	ASSERT_EQ(0, set_pasid(self, variant, q, t));
	EXPECT_READ(self->dev, p, VA + 8, a + 8, 64);
	EXPECT_READ(self->dev, q, VA + 8, b + 8, 64);
	/* p's level-1 stage-1 table page: p faults, q does not. */
	off = (pt_enc_entry_pa(&self->s1[s], VA, 1) - GPA) & ~(PAGE - 1);
	ASSERT_LE(PT_BYTES, off);
	ASSERT_GT(TBL_BYTES, off);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	EXPECT_FAULT(p, VA + 8, IOASID_FAULT_TABLE, self->node, 1);
	EXPECT_READ(self->dev, q, VA + 8, b + 8, 64);
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, RW));
	EXPECT_READ(self->dev, p, VA + 8, a + 8, 64);
	/* Its top-level table page. */
	top = pt_enc_levels(&self->s1[s], VA);
	off = (pt_enc_entry_pa(&self->s1[s], VA, top) - GPA) & ~(PAGE - 1);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	EXPECT_FAULT(p, VA, IOASID_FAULT_TABLE, self->node, top);
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, RW));
	EXPECT_READ(self->dev, p, VA, a, 64);
	/* The data page itself, in the parent: the parent's fault. */
	ASSERT_EQ(0, guest_unmap(&self->g, DATA_OFF, GMEM - DATA_OFF));
	EXPECT_FAULT(p, VA, IOASID_FAULT_NOT_MAPPED, self->g.root, 0);
	ASSERT_EQ(0, guest_map(&self->g, DATA_OFF, GMEM - DATA_OFF, RW));
	EXPECT_READ(self->dev, p, VA, a, 64);
}

/* 5. Malformed entries -------------------------------------------------------- */

/* The next fault-queue record must be a fault of @pasid with these. */
static void expect_record(struct __test_metadata *_metadata, int fd,
			  uint32_t node, uint32_t pasid, uint32_t reason,
			  uint32_t level, uint64_t addr)
{
	struct ioasid_fault_record r;
	unsigned int n = 0;

	if (fd < 0)
		return;
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, ioasid_fault_read(fd, &r, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, r.type);
	EXPECT_EQ(node, r.node_id);
	EXPECT_EQ(reason, r.reason);
	EXPECT_EQ(level, r.level);
	EXPECT_EQ(addr, r.addr);
	if (pasid == NOPASID) {
		EXPECT_EQ(0, r.flags & IOASID_FAULT_RECORD_PASID);
	} else {
		EXPECT_TRUE(r.flags & IOASID_FAULT_RECORD_PASID);
		EXPECT_EQ(pasid, r.pasid);
	}
	EXPECT_TRUE(r.flags & IOASID_FAULT_RECORD_GUEST)
		TH_LOG("reason %u level %u: not a guest fault", reason, level);
}

/* A fault queue for the kind node (-1 when the module has none). */
static int node_queue(FIXTURE_DATA(pt) *self)
{
	struct ioasid_info info;
	uint32_t qid;
	int fd;

	if (ioasid_get_info(self->h, &info) ||
	    !(info.out_capabilities & IOASID_CAP_FAULT_QUEUE))
		return -1;
	if (ioasid_fault_queue_alloc(self->h, IOASID_FAULT_QUEUE_NONBLOCK, 64, 0,
				     &qid, &fd))
		return -1;
	if (ioasid_set_fault_queue(self->h, self->node, qid))
		return -1;
	return fd;
}

/*
 * Corrupt the 8 bytes at @gpa with @val, INVALIDATE PASID_TABLE of @pasid,
 * expect the fault (DEVICE_INFO and the queue), restore, INVALIDATE, read.
 */
#define EXPECT_MALFORMED(fd, pasid, gpa, val, reason, level, good) do {		\
		uint64_t __old = gget(self, gpa);				\
		gset(self, gpa, val);						\
		ASSERT_EQ(0, inv_pt(self->h, self->node, pasid));		\
		EXPECT_FAULT(pasid, VA + 24, reason, self->node, level);	\
		expect_record(_metadata, fd, self->node, pasid, reason, level,	\
			      VA + 24);						\
		gset(self, gpa, __old);						\
		ASSERT_EQ(0, inv_pt(self->h, self->node, pasid));		\
		EXPECT_READ(self->dev, pasid, VA + 24, (good) + 24, 32);	\
	} while (0)

TEST_F(pt, malformed_entries)
{
	uint32_t p = 3, wide = 1u << variant->width;
	uint64_t a = data_page(6), e1, e2, w;
	int s = s1_with(self, variant->kind, 6, 1);
	int fd = node_queue(self);

	if (fd < 0)
		TH_LOG("no fault queue: DEVICE_INFO only");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, set_pasid(self, variant, p, s));
	EXPECT_READ(self->dev, p, VA + 24, a + 24, 32);
	e1 = pt_entry_gpa(self, variant, p, 1, false);
	ASSERT_NE(0, e1);
	w = gget(self, e1);

	/* A PASID wider than the table takes (the endpoint can issue it). */
	ASSERT_GT(1u << DEV_PASID_BITS, wide);
	EXPECT_FAULT(wide, VA + 24, NP, self->node, variant->wide_level);
	expect_record(_metadata, fd, self->node, wide, NP, variant->wide_level,
		      VA + 24);
	EXPECT_FAULT(wide | p, VA + 24, NP, self->node, variant->wide_level);
	expect_record(_metadata, fd, self->node, wide | p, NP,
		      variant->wide_level, VA + 24);

	switch (variant->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		/* CD.V clear; AA64 clear; S set; A clear. */
		EXPECT_MALFORMED(fd, p, e1, w & ~CD_V, NP, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w & ~CD_AA64, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w | CD_S, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w & ~CD_A, BAD, 1, a);
		/* T0SZ 8 (outside 16 to 39) with EPD0 clear. */
		EXPECT_MALFORMED(fd, p, e1, (w & ~0x3fULL) | 8, BAD, 1, a);
		if (variant->levels == 2) {
			e2 = pt_entry_gpa(self, variant, p, 2, false);
			ASSERT_NE(0, e2);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) & ~L1CD_V, NP, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 2, BAD, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 1ULL << 56,
					 BAD, 2, a);
		}
		break;
	case IOASID_FORMAT_AMD_GCR3:
		/* V clear (other bits ignored then); bit 1; bit 52. */
		EXPECT_MALFORMED(fd, p, e1, (w & ~GCR3_V) | 2, NP, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w | 2, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w | 1ULL << 52, BAD, 1, a);
		/* An address at or above 2^phys_bits (48). */
		EXPECT_MALFORMED(fd, p, e1, w | 1ULL << 49, BAD, 1, a);
		if (variant->levels == 2) {
			e2 = pt_entry_gpa(self, variant, p, 2, false);
			ASSERT_NE(0, e2);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) & ~GCR3_V, NP, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 1ULL << 5,
					 BAD, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 1ULL << 63,
					 BAD, 2, a);
		}
		break;
	default:
		/* ta.V clear; ta bit 3; ta bit 40; fsc Sv48 (not declared). */
		EXPECT_MALFORMED(fd, p, e1, w & ~PC_TA_V, NP, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w | 1ULL << 3, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1, w | 1ULL << 40, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1 + 8,
				 (gget(self, e1 + 8) & ~(0xfULL << 60)) |
				 FSC_SV48 << 60, BAD, 1, a);
		EXPECT_MALFORMED(fd, p, e1 + 8, gget(self, e1 + 8) | 1ULL << 50,
				 BAD, 1, a);
		if (variant->levels == 2) {
			e2 = pt_entry_gpa(self, variant, p, 2, false);
			ASSERT_NE(0, e2);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) & ~PDT_DIR_V, NP, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 2, BAD, 2, a);
			EXPECT_MALFORMED(fd, p, e2, gget(self, e2) | 1ULL << 60,
					 BAD, 2, a);
		}
		break;
	}
	if (fd >= 0) {
		struct ioasid_fault_record r;
		unsigned int n = 0;

		/* Nothing more than what was checked. */
		EXPECT_EQ(-EAGAIN, ioasid_fault_read(fd, &r, 1, &n));
		close(fd);
	}
}

/*
 * A PRI-capable endpoint gets faults, not page requests, for a malformed or
 * absent PASID-table entry (a stage-1 hole would be a page request).
 */
TEST_F(pt, pasid_faults_are_not_page_requests)
{
	struct ioasid_info info;
	struct ioasid_dma cmd;
	uint32_t pri, qid;
	uint8_t buf[8];
	int fd, rc;
	int s = s1_with(self, variant->kind, 8, 1);

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_FAULT_QUEUE))
		SKIP(return, "module without fault queues");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, set_pasid(self, variant, 3, s));
	ASSERT_EQ(0, ioasid_fault_queue_alloc(self->h, IOASID_FAULT_QUEUE_NONBLOCK,
					      16, 0, &qid, &fd));
	ASSERT_EQ(0, ioasid_set_fault_queue(self->h, self->node, qid));
	ASSERT_EQ(0, ioasid_device_create_pri(self->h, IOASID_DEVICE_PASID,
					      DEV_PASID_BITS, 8, &pri));
	ASSERT_EQ(0, ioasid_attach(self->h, pri, self->node, 0, 0));
	memset(&cmd, 0, sizeof(cmd));
	cmd.flags = IOASID_DMA_PASID | IOASID_DMA_NOWAIT;
	cmd.dev_id = pri;
	cmd.pasid = 3;
	cmd.iova = VA;
	cmd.length = sizeof(buf);
	cmd.buffer = (uintptr_t)buf;
	EXPECT_EQ(0, ioasid_dma_cmd(self->h, &cmd));
	EXPECT_EQ(0, memcmp(buf, self->g.mem + data_page(8) - GPA, sizeof(buf)));
	/* Entry of PASID 2 not present; CD/GCR3/PC of PASID 3 malformed. */
	cmd.pasid = 2;
	rc = ioasid_dma_cmd(self->h, &cmd);
	EXPECT_EQ(-EIO, rc);
	EXPECT_EQ(0, cmd.out_group);
	switch (variant->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		gset(self, valid_word(self, variant, 3),
		     gget(self, valid_word(self, variant, 3)) & ~CD_AA64);
		break;
	default:
		gset(self, valid_word(self, variant, 3),
		     gget(self, valid_word(self, variant, 3)) | 1ULL << 3);
		break;
	}
	ASSERT_EQ(0, inv_pt(self->h, self->node, 3));
	cmd.pasid = 3;
	rc = ioasid_dma_cmd(self->h, &cmd);
	EXPECT_EQ(-EIO, rc);
	EXPECT_EQ(0, cmd.out_group);
	do {
		struct ioasid_fault_record r[4];
		unsigned int n = 0, i;

		ASSERT_EQ(0, ioasid_fault_read(fd, r, 4, &n));
		EXPECT_EQ(2, n);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, r[i].type);
			EXPECT_EQ(pri, r[i].dev_id);
			EXPECT_EQ(i ? BAD : NP, r[i].reason);
		}
	} while (0);
	if (variant->kind == IOASID_FORMAT_RISCV_PDT) {
		struct ioasid_fault_record r;
		unsigned int n = 0;

		/*
		 * ENS clear (set_pasid()'s process contexts): a privileged
		 * request is refused before any walk, PERMISSION at level 0;
		 * no page response could change that, so none is asked.
		 */
		ASSERT_EQ(0, set_pasid(self, variant, 4, s));
		cmd.pasid = 4;
		cmd.flags |= IOASID_DMA_PRIV;
		EXPECT_EQ(-EIO, ioasid_dma_cmd(self->h, &cmd));
		EXPECT_EQ(0, cmd.out_group);
		ASSERT_EQ(0, ioasid_fault_read(fd, &r, 1, &n));
		ASSERT_EQ(1, n);
		EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, r.type);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, r.reason);
		EXPECT_EQ(0, r.level);
		EXPECT_EQ(4, r.pasid);
	}
	ASSERT_EQ(0, detach_raw(self->h, pri, NOPASID));
	close(fd);
}

/* 6. ATTACH rules ---------------------------------------------------------------- */

TEST_F(pt, attach_rules)
{
	uint32_t d2, d3, d4;
	int s = s1_with(self, variant->kind, 9, 1);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, set_pasid(self, variant, 3, s));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID,
					  DEV_PASID_BITS, &d2));
	/* A kind node with a PASID: EINVAL. */
	EXPECT_ERRNO(EINVAL, attach_raw(self->h, d2, self->node, 3));
	EXPECT_ERRNO(EINVAL, attach_raw(self->h, d2, self->node, 0));
	EXPECT_EQ(0, dev_info(self->h, d2).out_num_attachments);
	/* A PASID on an endpoint whose no-PASID attachment is a kind node. */
	EXPECT_ERRNO(EBUSY, attach_raw(self->h, self->dev, self->g.root, 3));
	EXPECT_ERRNO(EBUSY, attach_raw(self->h, self->dev, self->g.root, 0));
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_num_attachments);
	EXPECT_READ(self->dev, 3, VA, data_page(9), 64);
	/* The kind node (no PASID) on an endpoint with PASID attachments. */
	ASSERT_EQ(0, attach_raw(self->h, d2, self->g.root, 5));
	EXPECT_ERRNO(EBUSY, attach_raw(self->h, d2, self->node, NOPASID));
	EXPECT_EQ(1, dev_info(self->h, d2).out_num_attachments);
	ASSERT_EQ(0, detach_raw(self->h, d2, 5));
	ASSERT_EQ(0, attach_raw(self->h, d2, self->node, NOPASID));
	EXPECT_READ(d2, 3, VA, data_page(9), 64);
	/* REPLACE of the kind node by the root and back. */
	do {
		struct ioasid_attach r = { .size = sizeof(r),
					   .flags = IOASID_ATTACH_REPLACE,
					   .dev_id = d2, .node_id = self->g.root };

		ASSERT_EQ(0, ioctl(ioasid_fd(self->h), IOASID_ATTACH, &r));
		EXPECT_READ(d2, NOPASID, data_page(30), data_page(30), 64);
		r.node_id = self->node;
		ASSERT_EQ(0, ioctl(ioasid_fd(self->h), IOASID_ATTACH, &r));
		EXPECT_READ(d2, 3, VA, data_page(9), 64);
	} while (0);
	ASSERT_EQ(0, detach_raw(self->h, d2, NOPASID));
	/* The endpoint's pasid_bits still bound the PASID (DMA: EINVAL). */
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 2, &d3));
	ASSERT_EQ(0, attach_raw(self->h, d3, self->node, NOPASID));
	EXPECT_READ(d3, 3, VA, data_page(9), 64);
	do {
		uint8_t buf[8];
		uint64_t done;

		EXPECT_EQ(-EINVAL, ioasid_dma(self->h, d3, IOASID_DMA_PASID, 4, VA,
					      buf, sizeof(buf), &done));
	} while (0);
	/* An endpoint without PASID support: DMA without PASID only. */
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &d4));
	ASSERT_EQ(0, attach_raw(self->h, d4, self->node, NOPASID));
	do {
		uint8_t buf[8];
		uint64_t done;

		EXPECT_EQ(-EINVAL, ioasid_dma(self->h, d4, IOASID_DMA_PASID, 3, VA,
					      buf, sizeof(buf), &done));
	} while (0);
	/* DESTROY of the kind node while attached: EBUSY. */
	EXPECT_ERRNO(EBUSY, ioctl(ioasid_fd(self->h), IOASID_DESTROY,
				  &(struct ioasid_destroy){ .size = sizeof(struct ioasid_destroy),
							    .id = self->node }));
}

/* 7. BIND, UNBIND, INVALIDATE, FORMAT_INFO and ALLOC rules ------------------------ */

TEST_F(pt, bind_rules)
{
	uint64_t e[4], bad[4];
	uint32_t x86;
	struct pt_enc xe;
	union pt_enc_desc xd;
	struct pt_enc_params xp = pt_enc_x86_64_params(4);
	int s = s1_with(self, variant->kind, 12, 1);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, set_pasid(self, variant, 3, s));
	memcpy(e, self->entry, sizeof(e));
	EXPECT_READ(self->dev, 3, VA, data_page(12), 64);

	/* root or root1 non-zero for a kind. */
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, self->node, self->root,
				      0, e, sizeof(struct ioasid_bind)));
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, self->node, 0,
				      self->root, e, sizeof(struct ioasid_bind)));
	/* A 32-byte BIND: entry[] is 0, which no kind takes. */
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, self->node, 0, 0, e,
				      offsetof(struct ioasid_bind, entry)));
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, self->node,
				      self->root, 0, NULL,
				      offsetof(struct ioasid_bind, entry)));
	/* The kind's raw entry malformed. */
	memcpy(bad, e, sizeof(bad));
	switch (variant->kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		bad[0] &= ~STE_V;
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[0] = (bad[0] & ~(7ULL << 1)) | 6ULL << 1;	/* Config S2 */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[0] |= 21ULL << 59;		/* S1CDMax above ssid_bits */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[2] = 1;			/* entry[2] not 0 */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		break;
	case IOASID_FORMAT_AMD_GCR3:
		bad[0] &= ~DTE_GV;
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[0] |= 3ULL << 56;		/* GLX 3 */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[0] |= 1ULL << 2;		/* reserved */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[3] = 1;
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		break;
	default:
		bad[0] &= ~DC_TC_PDTV;
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[2] = (bad[2] & ~(0xfULL << 60)) | 3ULL << 60;	/* PD20 */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[1] = 1;			/* DC.ta reserved */
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		memcpy(bad, e, sizeof(bad));
		bad[3] = 1;
		EXPECT_ERRNO(EINVAL, bind_entry(self->h, self->node, bad));
		break;
	}
	/* The node is unchanged. */
	EXPECT_READ(self->dev, 3, VA, data_page(12), 64);

	/* UNBIND: entry[] must be 0. */
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_UNBIND, self->node, 0, 0, e,
				      sizeof(struct ioasid_bind)));
	EXPECT_READ(self->dev, 3, VA, data_page(12), 64);
	ASSERT_EQ(0, bind_raw(self->h, IOASID_UNBIND, self->node, 0, 0, NULL,
			      sizeof(struct ioasid_bind)));
	EXPECT_EQ(IOASID_FAULT_NOT_BOUND,
		  dma_fault(_metadata, self->h, self->dev, 0, 3, VA).out_last_fault_reason);
	ASSERT_EQ(0, bind_entry(self->h, self->node, e));
	EXPECT_READ(self->dev, 3, VA, data_page(12), 64);

	/* INVALIDATE PASID_TABLE with SCOPE_ADDR on the kind node. */
	EXPECT_ERRNO(EINVAL, inv_raw(self->h, self->node,
				     IOASID_INV_SCOPE_ADDR, IOASID_INV_PASID_TABLE,
				     0, VA, PAGE));
	EXPECT_ERRNO(EINVAL, inv_raw(self->h, self->node,
				     IOASID_INV_SCOPE_ADDR | IOASID_INV_SCOPE_PASID,
				     IOASID_INV_PASID_TABLE, 3, VA, PAGE));
	/* PASID_TABLE with NO_PASID on the kind node is taken. */
	EXPECT_EQ(0, inv_raw(self->h, self->node, 0,
			     IOASID_INV_PASID_TABLE | IOASID_INV_NO_PASID, 0, 0, 0));
	/* Ordinary INVALIDATEs on a kind node are taken. */
	EXPECT_EQ(0, inv_raw(self->h, self->node, IOASID_INV_SCOPE_ADDR, 0, 0, VA,
			     PAGE));
	EXPECT_EQ(0, inv_raw(self->h, self->node, 0, 0, 0, 0, 0));

	/* An x86-64 node: entry[] non-zero is EINVAL; PASID_TABLE is EINVAL. */
	ASSERT_EQ(0, pt_enc_init(&xe, &xp, self->g.mem + TBL_BYTES - S1_SLOT,
				 GPA + TBL_BYTES - S1_SLOT, S1_SLOT));
	pt_enc_desc(&xe, &xd);
	ASSERT_EQ(0, alloc_raw(self->h, self->g.root, &xd, xd.hdr.size, &x86));
	memset(bad, 0, sizeof(bad));
	bad[0] = 1;
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, x86, pt_enc_root(&xe),
				      0, bad, sizeof(struct ioasid_bind)));
	bad[0] = 0;
	bad[3] = 1ULL << 63;
	EXPECT_ERRNO(EINVAL, bind_raw(self->h, IOASID_BIND, x86, pt_enc_root(&xe),
				      0, bad, sizeof(struct ioasid_bind)));
	EXPECT_EQ(0, bind_raw(self->h, IOASID_BIND, x86, pt_enc_root(&xe), 0, NULL,
			      sizeof(struct ioasid_bind)));
	EXPECT_ERRNO(EINVAL, inv_pt(self->h, x86, NOPASID));
	EXPECT_ERRNO(EINVAL, inv_pt(self->h, x86, 3));
	EXPECT_EQ(0, inv_raw(self->h, x86, 0, 0, 0, 0, 0));
	/* A kernel-managed node is not user-managed at all. */
	EXPECT_ERRNO(EINVAL, inv_pt(self->h, self->g.root, NOPASID));
}

TEST_F(pt, format_info_and_alloc_rules)
{
	struct ioasid_format_info fi;
	union kind_desc d = kind_desc(variant->kind);
	struct pt_enc_params xp = pt_enc_x86_64_params(4);
	struct pt_enc xe;
	union pt_enc_desc xd;
	uint32_t id, k;

	/* FORMAT_INFO of every kind: 0, and the flags these tests use. */
	for (k = IOASID_FORMAT_SMMUV3_CD; k <= IOASID_FORMAT_RISCV_PDT; k++) {
		union kind_desc kd = kind_desc(k);

		ASSERT_EQ(0, format_info(self->h, k, &fi))
			TH_LOG("%s: errno %d", kind_names[k], errno);
		EXPECT_EQ(kind_flags(&kd), fi.out_format_flags & kind_flags(&kd))
			TH_LOG("%s: format flags %#llx", kind_names[k],
			       (unsigned long long)fi.out_format_flags);
		EXPECT_EQ(0, fi.__reserved2);
	}
	/* ALLOC with the kind node as parent: EINVAL, of any format. */
	ASSERT_EQ(0, pt_enc_init(&xe, &xp, self->g.mem + TBL_BYTES - S1_SLOT,
				 GPA + TBL_BYTES - S1_SLOT, S1_SLOT));
	pt_enc_desc(&xe, &xd);
	EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->node, &xd, xd.hdr.size, &id));
	EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->node, &d, d.hdr.size, &id));
	for (k = IOASID_FORMAT_SMMUV3_CD; k <= IOASID_FORMAT_RISCV_PDT; k++) {
		union kind_desc kd = kind_desc(k);

		EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->node, &kd,
					       kd.hdr.size, &id));
	}
	/* Below a user-managed x86-64 node, a kind node is fine. */
	ASSERT_EQ(0, alloc_raw(self->h, self->g.root, &xd, xd.hdr.size, &id));
	ASSERT_EQ(0, alloc_raw(self->h, id, &d, d.hdr.size, &k));
	/* Descriptor errnos: a reserved member (EOPNOTSUPP), a bad value (EINVAL). */
	do {
		union kind_desc b = d;

		switch (variant->kind) {
		case IOASID_FORMAT_SMMUV3_CD:
			b.smmu.__reserved = 1;
			EXPECT_ERRNO(EOPNOTSUPP, alloc_raw(self->h, self->g.root, &b,
							   b.hdr.size, &id));
			b = d;
			b.smmu.ssid_bits = 21;
			EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->g.root, &b,
						       b.hdr.size, &id));
			break;
		case IOASID_FORMAT_AMD_GCR3:
			b.gcr3.__reserved = 1;
			EXPECT_ERRNO(EOPNOTSUPP, alloc_raw(self->h, self->g.root, &b,
							   b.hdr.size, &id));
			b = d;
			b.gcr3.max_glx = 3;
			EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->g.root, &b,
						       b.hdr.size, &id));
			break;
		default:
			b.pdt.__reserved[0] = 1;
			EXPECT_ERRNO(EOPNOTSUPP, alloc_raw(self->h, self->g.root, &b,
							   b.hdr.size, &id));
			b = d;
			b.pdt.flags &= ~(IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17);
			EXPECT_ERRNO(EINVAL, alloc_raw(self->h, self->g.root, &b,
						       b.hdr.size, &id));
			break;
		}
	} while (0);
}

/* 8. A PCI device (QEMU's edu through VFIO) on a kind node: EOPNOTSUPP ------- */

FIXTURE(vfio) {
	struct pci_vfio pci;
	struct ioasid_handle *h;
};

FIXTURE_SETUP(vfio)
{
	struct ioasid_info info;
	int ret;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED) ||
	    !(info.out_capabilities & IOASID_CAP_PCI_DEVICE))
		SKIP(return, "module without user-managed nodes or PCI devices");
	ret = pci_setup(&self->pci, EDU_BDF, IOASID_VFIO_IOMMU);
	if (ret && self->pci.unavailable)
		SKIP(return, "%s", self->pci.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->pci.why);
}

FIXTURE_TEARDOWN(vfio)
{
	if (self->h)
		ioasid_close(self->h);
	pci_close(&self->pci);
}

TEST_F(vfio, attach_to_kind_node)
{
	struct ioasid_vfio_device devs[2];
	struct ioasid_alloc a;
	uint32_t num = 2, root, node, k, tested = 0;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	memset(devs, 0xff, sizeof(devs));
	ASSERT_EQ(0, ioasid_vfio_adopt(self->h, self->pci.container_fd, devs,
				       &num));
	ASSERT_EQ(1, num);
	for (k = IOASID_FORMAT_SMMUV3_CD; k <= IOASID_FORMAT_RISCV_PDT; k++) {
		union kind_desc d = kind_desc(k);
		unsigned int caching;

		if (!format_known(self->h, k))
			continue;
		tested++;
		/* With and without the caching-mode promise PCI devices need. */
		for (caching = 0; caching < 2; caching++) {
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.mode = IOASID_MODE_USER_MANAGED;
			a.flags = caching ? IOASID_ALLOC_CACHING_MODE : 0;
			a.parent_id = root;
			a.format = (uintptr_t)&d;
			a.format_len = d.hdr.size;
			if (ioctl(ioasid_fd(self->h), IOASID_ALLOC, &a)) {
				EXPECT_EQ(0, caching) TH_LOG("%s: ALLOC: errno %d",
							     kind_names[k], errno);
				continue;
			}
			node = a.out_id;
			EXPECT_ERRNO_LOG(EOPNOTSUPP, attach_raw(self->h, devs[0].dev_id,
							       node, NOPASID),
					 "%s%s", kind_names[k],
					 caching ? " (caching mode)" : "");
			EXPECT_EQ(0, dev_info(self->h, devs[0].dev_id).out_num_attachments);
		}
	}
	if (!tested)
		SKIP(return, "module knows no PASID-table kind");
	/* The root still takes it. */
	EXPECT_EQ(0, attach_raw(self->h, devs[0].dev_id, root, NOPASID));
	EXPECT_EQ(0, detach_raw(self->h, devs[0].dev_id, NOPASID));
}

TEST_HARNESS_MAIN
