// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the AMD GCR3 table decoder (module/walkers/amd_gcr3.c,
 * compiled into this binary with every walker): device table entries and
 * GCR3 tables of one, two and three levels built by hand in a fake parent
 * space (walker_mem.h), every rule of struct ioasid_format_amd_gcr3
 * checked against expectations written here from the DTE and GCR3 layouts
 * (Linux drivers/iommu/amd/amd_iommu_types.h, QEMU hw/i386/amd_iommu.h),
 * and stage-1 tables built with pt_encode.h walked end to end through the
 * decoded configuration with the x86-64 walker.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "pt_encode.h"
#include "walker_mem.h"
#include "../../module/walkers/amd_gcr3.h"

#define BASE		0x1000000ULL	/* parent address of the memory */
#define PAGES		1024		/* 4 MiB */
#define GCR3_AREA	(256 * WMEM_PAGE)	/* GCR3 tables: the first 1 MiB */
#define S1_AREA		(64 * WMEM_PAGE)	/* each stage-1 table set: 256 KiB */

/* DTE fields, from Linux amd_iommu_types.h and QEMU amd_iommu.h. */
#define DTE_V		(1ULL << 0)
#define DTE_TV		(1ULL << 1)
#define DTE_GIOV	(1ULL << 54)
#define DTE_GV		(1ULL << 55)
#define DTE_GLX(x)	((u64)(x) << 56)
#define DTE_GPM(x)	((u64)(x) << 54)	/* in qword 2 */

/* GCR3 table entries. */
#define GV_		(1ULL << 0)

#define AD		IOASID_AMD_GCR3_AD_UPDATE
#define GIOV		IOASID_AMD_GCR3_GIOV
#define L5		IOASID_AMD_GCR3_LEVEL5
#define SRE		IOASID_BIND_X86_SRE
#define WPE		IOASID_BIND_X86_WPE

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define PRIV		IOASID_ACCESS_PRIV

struct pt {
	struct wmem m;
	u64 next;			/* next free GCR3 table page */
	u64 s1_next;			/* next free stage-1 area */
	struct ioasid_amd_gcr3_cfg cfg;
	u64 dte[4];
	u64 root;			/* the GCR3 table root */
	unsigned int glx;

	/* The decoder's reads of the last lookup. */
	u64 read_addr[8];
	unsigned int nread;
	unsigned int fail_at;		/* > 0: the fail_at-th read fails */
	int fail_ret;
};

static struct ioasid_format_amd_gcr3 mkdesc(u32 flags, u8 pasid_bits, u8 max_glx,
					    u32 phys_bits, u64 pgsizes)
{
	struct ioasid_format_amd_gcr3 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_AMD_GCR3 },
		.flags = flags,
		.pasid_bits = pasid_bits,
		.max_glx = max_glx,
		.phys_bits = phys_bits,
		.pgsize_bitmap = pgsizes,
	};

	return d;
}

/* The DTE's GCR3 table root pointer: 14:12 at 60:58, 30:15 at 79:64+16, 51:31 at 127:107. */
static void dte_root(u64 dte[4], u64 root)
{
	dte[0] |= ((root >> 12) & 0x7) << 58;
	dte[1] |= ((root >> 15) & 0xffff) << 16;
	dte[1] |= ((root >> 31) & 0x1fffff) << 43;
}

static void mkdte(u64 dte[4], u64 root, unsigned int glx, unsigned int gpm,
		  bool giov, u32 domid)
{
	dte[0] = DTE_V | DTE_TV | DTE_GV | DTE_GLX(glx) | (giov ? DTE_GIOV : 0);
	dte[1] = domid;
	dte[2] = DTE_GPM(gpm);
	dte[3] = 0;
	dte_root(dte, root);
}

static u64 gcr3_alloc(struct pt *pt)
{
	u64 a = pt->next;

	if (a + WMEM_PAGE > BASE + GCR3_AREA) {
		fprintf(stderr, "test GCR3 tables need more than %llu bytes\n",
			(unsigned long long)GCR3_AREA);
		abort();
	}
	pt->next += WMEM_PAGE;
	return a;
}

static unsigned int gidx(u32 pasid, unsigned int level)
{
	return (pasid >> (9 * (level - 1))) & 511;
}

/* Empty memory, a descriptor, a new root table and a bound DTE. */
static void pt_setup(struct pt *pt, u32 flags, u8 pasid_bits, u8 max_glx,
		     unsigned int glx, unsigned int gpm, bool giov, u32 domid,
		     u32 bind_flags)
{
	struct ioasid_format_amd_gcr3 d = mkdesc(flags, pasid_bits, max_glx, 48, 0);

	memset(pt->m.buf, 0, wmem_size(&pt->m));
	pt->next = BASE;
	pt->s1_next = BASE + GCR3_AREA;
	if (ioasid_amd_gcr3_config(&pt->cfg, &d)) {
		fprintf(stderr, "bad test descriptor\n");
		abort();
	}
	pt->root = gcr3_alloc(pt);
	pt->glx = glx;
	mkdte(pt->dte, pt->root, glx, gpm, giov, domid);
	if (ioasid_amd_gcr3_bind(&pt->cfg, bind_flags, pt->dte)) {
		fprintf(stderr, "bad test DTE\n");
		abort();
	}
}

/* The address of @pasid's entry at @level (directories made valid on the way). */
static u64 pt_entry(struct pt *pt, u32 pasid, unsigned int level)
{
	u64 table = pt->root, addr, e;
	unsigned int l;

	for (l = pt->glx + 1; l > level; l--) {
		addr = table + 8ULL * gidx(pasid, l);
		e = wmem_get(&pt->m, addr);
		if (!(e & GV_)) {
			e = gcr3_alloc(pt) | GV_;
			wmem_set(&pt->m, addr, e);
		}
		table = e & ADDR;
	}
	return table + 8ULL * gidx(pasid, level);
}

/* Set @pasid's GCR3 entry to @val; returns its address. */
static u64 pt_set(struct pt *pt, u32 pasid, u64 val)
{
	u64 addr = pt_entry(pt, pasid, 1);

	wmem_set(&pt->m, addr, val);
	return addr;
}

static int rec_read(void *priv, u64 addr, u64 *val)
{
	struct pt *pt = priv;

	if (pt->nread < 8)
		pt->read_addr[pt->nread] = addr;
	pt->nread++;
	if (pt->fail_at && pt->nread == pt->fail_at)
		return pt->fail_ret;
	return wmem_read(&pt->m, addr, val);
}

static int rec_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct pt *pt = priv;

	return wmem_cmpxchg(&pt->m, addr, old, new, cur);
}

static const struct ioasid_pasid_s1 poison_s1 = {
	.kind = 0xa5a5a5a5, .format = 0xa5a5a5a5, .tag = 0xa5a5a5a5a5a5a5a5ULL,
};

/* A lookup, recording the decoder's reads; it must never write. */
static int lookup(struct pt *pt, bool has_pasid, u32 pasid,
		  struct ioasid_pasid_s1 *s1, struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = { .priv = pt, .read = rec_read, .cmpxchg = rec_cmpxchg };
	unsigned long cmpxchgs = pt->m.cmpxchgs;
	int ret;

	pt->nread = 0;
	memcpy(s1, &poison_s1, sizeof(*s1));
	memset(res, 0xa5, sizeof(*res));
	ret = ioasid_amd_gcr3_lookup(&pt->cfg, has_pasid, pasid, &io, s1, res);
	if (pt->m.cmpxchgs != cmpxchgs) {
		fprintf(stderr, "the decoder wrote\n");
		abort();
	}
	return ret;
}

/* A fault of @reason at @level after @reads reads, *s1 untouched. */
#define EXPECT_PASID_FAULT(reason, lvl, reads, has, pasid)		\
	do {								\
		struct ioasid_pasid_s1 __s;				\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(reason, lookup(&self->pt, has, pasid, &__s, &__r)); \
		EXPECT_EQ(reason, __r.fault_reason);			\
		EXPECT_EQ(lvl, __r.fault_level);			\
		EXPECT_EQ(reads, self->pt.nread);			\
		EXPECT_EQ(0, memcmp(&__s, &poison_s1, sizeof(__s)));	\
	} while (0)

/* The x86-64 stage 1 of a lookup that succeeded. */
static void expect_s1(struct __test_metadata *_metadata, const struct pt *pt,
		      const struct ioasid_pasid_s1 *s1, u64 root, unsigned int levels,
		      u32 x86_flags)
{
	EXPECT_EQ(IOASID_PASID_STAGE1, s1->kind);
	EXPECT_EQ(IOASID_FORMAT_X86_64, s1->format);
	EXPECT_EQ(pt->dte[1] & 0xffff, s1->tag);
	EXPECT_EQ(root, s1->x86_64.root);
	EXPECT_EQ(levels, s1->x86_64.levels);
	EXPECT_EQ(pt->cfg.phys_bits, s1->x86_64.phys_bits);
	EXPECT_EQ(pt->cfg.pgsize_bitmap, s1->x86_64.pgsize_bitmap);
	EXPECT_EQ(x86_flags, s1->x86_64.flags);
}

#define EXPECT_PASID_S1(root, levels, x86_flags, reads, has, pasid)	\
	do {								\
		struct ioasid_pasid_s1 __s;				\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(0, lookup(&self->pt, has, pasid, &__s, &__r)); \
		EXPECT_EQ(0, __r.fault_reason);				\
		EXPECT_EQ(0, __r.fault_level);				\
		EXPECT_EQ(reads, self->pt.nread);			\
		expect_s1(_metadata, &self->pt, &__s, root, levels, x86_flags); \
	} while (0)

FIXTURE(gcr3) {
	struct pt pt;
	bool outside_ok;
};

FIXTURE_SETUP(gcr3)
{
	ASSERT_EQ(0, wmem_init(&self->pt.m, BASE, PAGES));
	self->pt.fail_at = 0;
	pt_setup(&self->pt, GIOV | L5, 20, 2, 1, 0, false, 0x1234, 0);
	self->outside_ok = false;
}

FIXTURE_TEARDOWN(gcr3)
{
	EXPECT_EQ(0, self->pt.m.misaligned);
	if (!self->outside_ok)
		EXPECT_EQ(0, self->pt.m.outside);
	wmem_fini(&self->pt.m);
}

/* ALLOC, BIND and FORMAT_INFO ------------------------------------------- */

TEST(info)
{
	struct ioasid_format_info info;

	memset(&info, 0xa5, sizeof(info));
	ioasid_amd_gcr3_info(&info);
	EXPECT_EQ(AD | GIOV | L5, info.out_format_flags);
	EXPECT_EQ(SRE | WPE, info.out_bind_flags);
	EXPECT_EQ(SZ_4K | SZ_2M | SZ_1G, info.out_pgsize_bitmap);
	EXPECT_EQ((1 << 1) | (1 << 2) | (1 << 3), info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(52, info.out_max_phys_bits);
	EXPECT_EQ(20, info.out_input_bits);
	EXPECT_EQ(SZ_4K, info.out_granule_bitmap);
	EXPECT_EQ(0xa5a5a5a5, info.size);
	EXPECT_EQ(0xa5a5a5a5, info.flags);
	EXPECT_EQ(0xa5a5a5a5, info.format);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved2);
}

TEST(descriptor_size)
{
	EXPECT_EQ(32, sizeof(struct ioasid_format_amd_gcr3));
	EXPECT_EQ(8, offsetof(struct ioasid_format_amd_gcr3, flags));
	EXPECT_EQ(12, offsetof(struct ioasid_format_amd_gcr3, pasid_bits));
	EXPECT_EQ(13, offsetof(struct ioasid_format_amd_gcr3, max_glx));
	EXPECT_EQ(16, offsetof(struct ioasid_format_amd_gcr3, phys_bits));
	EXPECT_EQ(24, offsetof(struct ioasid_format_amd_gcr3, pgsize_bitmap));
}

TEST(config_values)
{
	struct ioasid_amd_gcr3_cfg cfg;
	struct ioasid_format_amd_gcr3 d;
	unsigned int bits, glx, phys;
	u32 flags;

	for (bits = 1; bits <= 20; bits++) {
		for (glx = 0; glx <= 2; glx++) {
			d = mkdesc(0, bits, glx, 48, 0);
			memset(&cfg, 0xa5, sizeof(cfg));
			ASSERT_EQ(0, ioasid_amd_gcr3_config(&cfg, &d));
			EXPECT_EQ(bits, cfg.pasid_bits);
			EXPECT_EQ(glx, cfg.max_glx);
			EXPECT_EQ(48, cfg.phys_bits);
			EXPECT_EQ(SZ_4K | SZ_2M | SZ_1G, cfg.pgsize_bitmap);
			EXPECT_EQ(0, cfg.flags);
			EXPECT_EQ(0, cfg.s1_levels);	/* unbound */
			EXPECT_EQ(0, cfg.table);
		}
	}
	for (phys = 32; phys <= 52; phys++) {
		d = mkdesc(0, 16, 1, phys, SZ_4K | SZ_1G);
		ASSERT_EQ(0, ioasid_amd_gcr3_config(&cfg, &d));
		EXPECT_EQ(phys, cfg.phys_bits);
		EXPECT_EQ(SZ_4K | SZ_1G, cfg.pgsize_bitmap);
	}
	for (flags = 0; flags < 8; flags++) {
		d = mkdesc(flags, 16, 1, 48, 0);
		ASSERT_EQ(0, ioasid_amd_gcr3_config(&cfg, &d));
		EXPECT_EQ(flags, cfg.flags);
	}
}

TEST(config_errors)
{
	struct ioasid_amd_gcr3_cfg cfg;
	struct ioasid_format_amd_gcr3 d;
	unsigned int b;

	/* Flags and reserved members: EOPNOTSUPP, before any EINVAL. */
	for (b = 3; b < 32; b++) {
		d = mkdesc(1U << b, 16, 1, 48, 0);
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_gcr3_config(&cfg, &d));
		d.pasid_bits = 0;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_gcr3_config(&cfg, &d));
	}
	for (b = 0; b < 16; b++) {
		d = mkdesc(0, 16, 1, 48, 0);
		d.__reserved = 1U << b;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_gcr3_config(&cfg, &d));
		d.max_glx = 3;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_gcr3_config(&cfg, &d));
	}
	for (b = 0; b < 32; b++) {
		d = mkdesc(0, 16, 1, 48, 0);
		d.__reserved2 = 1U << b;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_gcr3_config(&cfg, &d));
	}
	/* Values. */
	d = mkdesc(0, 0, 1, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 21, 1, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 255, 1, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 3, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 255, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 1, 31, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 1, 53, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 1, 0, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	/* Stage-1 leaf sizes, as x86-64 takes them. */
	d = mkdesc(0, 16, 1, 48, SZ_2M);
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 1, 48, SZ_4K | (1ULL << 39));
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
	d = mkdesc(0, 16, 1, 48, SZ_4K | (1ULL << 16));
	EXPECT_EQ(-EINVAL, ioasid_amd_gcr3_config(&cfg, &d));
}

TEST_F(gcr3, bind_decodes_every_field)
{
	struct ioasid_amd_gcr3_cfg cfg, base = self->pt.cfg;
	struct ioasid_format_amd_gcr3 d;
	unsigned int b, glx, gpm;
	u64 dte[4];

	/* Every bit of the root pointer, from each of its three pieces. */
	for (b = 12; b < 48; b++) {
		cfg = base;
		mkdte(dte, 1ULL << b, 1, 0, false, 0);
		ASSERT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, dte));
		EXPECT_EQ(1ULL << b, cfg.table);
	}
	cfg = base;
	mkdte(dte, 0x0000fedcba987000ULL, 1, 0, false, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, dte));
	EXPECT_EQ(0x0000fedcba987000ULL, cfg.table);
	/* The pieces by hand: 14:12 at 60:58, 30:15 at 79:64, 51:31 at 127:107. */
	dte[0] = DTE_V | DTE_TV | DTE_GV | (5ULL << 58);
	dte[1] = (0x8001ULL << 16) | (0x10001ULL << 43) | 0xbeef;
	dte[2] = 0;
	dte[3] = 0;
	cfg = base;
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, dte));
	EXPECT_EQ((5ULL << 12) | (0x8001ULL << 15) | (0x10001ULL << 31), cfg.table);
	EXPECT_EQ(0xbeef, cfg.domain_id);
	EXPECT_EQ(0, cfg.glx);
	EXPECT_EQ(4, cfg.s1_levels);
	EXPECT_FALSE(cfg.giov);
	/* 52-bit outputs take root bits up to 51. */
	d = mkdesc(0, 20, 2, 52, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_config(&cfg, &d));
	mkdte(dte, 1ULL << 51, 0, 0, false, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, dte));
	EXPECT_EQ(1ULL << 51, cfg.table);
	/* GLX, GuestPagingMode, GIOV, DomainID, the bind flags. */
	for (glx = 0; glx <= 2; glx++) {
		for (gpm = 0; gpm <= 1; gpm++) {
			cfg = base;
			mkdte(dte, 0x5000, glx, gpm, glx & 1, 0xffff - glx);
			ASSERT_EQ(0, ioasid_amd_gcr3_bind(&cfg, glx & 1 ? SRE | WPE : SRE, dte));
			EXPECT_EQ(glx, cfg.glx);
			EXPECT_EQ(gpm ? 5 : 4, cfg.s1_levels);
			EXPECT_EQ(!!(glx & 1), cfg.giov);
			EXPECT_EQ(0xffff - glx, cfg.domain_id);
			EXPECT_EQ(glx & 1 ? SRE | WPE : SRE, cfg.bind_flags);
			/* The descriptor's part is kept. */
			EXPECT_EQ(base.flags, cfg.flags);
			EXPECT_EQ(base.pasid_bits, cfg.pasid_bits);
			EXPECT_EQ(base.phys_bits, cfg.phys_bits);
		}
	}
}

TEST_F(gcr3, bind_ignores_other_functions)
{
	/* Fields of the host stage, ATS, interrupts: the VMM's, ignored. */
	static const struct { unsigned int word; u64 bits; } ignored[] = {
		{ 0, 3ULL << 7 },			/* HAD */
		{ 0, 7ULL << 9 },			/* Mode */
		{ 0, 0x000ffffffffff000ULL },		/* host page-table root */
		{ 0, 1ULL << 52 },			/* PPR */
		{ 0, 1ULL << 53 },			/* GPRP */
		{ 0, 1ULL << 61 },			/* IR */
		{ 0, 1ULL << 62 },			/* IW */
		{ 1, 0x7ffULL << 32 },			/* I .. SysMgt, bit 42 */
		{ 2, 0x000fffffffffffffULL },		/* IV, IntTabLen, IG, IRT root */
		{ 2, 0xffULL << 56 },			/* pass-through, IntCtl */
	};
	struct ioasid_amd_gcr3_cfg want = self->pt.cfg, cfg;
	u64 all[4], dte[4];
	unsigned int i;

	memcpy(all, self->pt.dte, sizeof(all));
	for (i = 0; i < ARRAY_SIZE(ignored); i++) {
		memcpy(dte, self->pt.dte, sizeof(dte));
		dte[ignored[i].word] |= ignored[i].bits;
		all[ignored[i].word] |= ignored[i].bits;
		cfg = self->pt.cfg;
		EXPECT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, dte)) TH_LOG("field %u", i);
		EXPECT_EQ(0, memcmp(&cfg, &want, sizeof(cfg))) TH_LOG("field %u", i);
	}
	cfg = self->pt.cfg;
	EXPECT_EQ(0, ioasid_amd_gcr3_bind(&cfg, 0, all));
	EXPECT_EQ(0, memcmp(&cfg, &want, sizeof(cfg)));
}

/* Expect BIND of @dte with @flags to fail with @err, leaving the node as it was. */
static void expect_bind_err(struct __test_metadata *_metadata,
			    struct ioasid_amd_gcr3_cfg *cfg, u32 flags,
			    const u64 dte[4], int err, const char *what)
{
	struct ioasid_amd_gcr3_cfg before = *cfg;

	EXPECT_EQ(err, ioasid_amd_gcr3_bind(cfg, flags, dte)) TH_LOG("%s", what);
	EXPECT_EQ(0, memcmp(&before, cfg, sizeof(before))) TH_LOG("%s", what);
}

TEST_F(gcr3, bind_errors_leave_the_node_unchanged)
{
	struct ioasid_amd_gcr3_cfg *cfg = &self->pt.cfg;
	struct ioasid_format_amd_gcr3 d;
	u64 good[4], dte[4];
	char what[64];
	unsigned int b;

	mkdte(good, 0x7000, 2, 1, true, 7);	/* differs from the bound one */
	/* Bind flags: EOPNOTSUPP, even with a bad DTE. */
	for (b = 2; b < 32; b++) {
		snprintf(what, sizeof(what), "bind flag bit %u", b);
		expect_bind_err(_metadata, cfg, 1U << b, good, -EOPNOTSUPP, what);
		memcpy(dte, good, sizeof(dte));
		dte[3] = 1;
		expect_bind_err(_metadata, cfg, SRE | (1U << b), dte, -EOPNOTSUPP, what);
	}
	/* Reserved bits of qwords 0 and 2, every bit of qword 3. */
	for (b = 0; b < 256; b++) {
		unsigned int w = b / 64, bit = b % 64;
		bool rsvd = (w == 0 && ((bit >= 2 && bit <= 6) || bit == 63)) ||
			    (w == 2 && (bit == 52 || bit == 53)) || w == 3;

		if (!rsvd)
			continue;
		memcpy(dte, good, sizeof(dte));
		dte[w] |= 1ULL << bit;
		snprintf(what, sizeof(what), "reserved DTE bit %u", b);
		expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, what);
	}
	/* V, TV and GV are required. */
	memcpy(dte, good, sizeof(dte));
	dte[0] &= ~DTE_V;
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "V clear");
	memcpy(dte, good, sizeof(dte));
	dte[0] &= ~DTE_TV;
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "TV clear");
	memcpy(dte, good, sizeof(dte));
	dte[0] &= ~DTE_GV;
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GV clear");
	/* GLX 3 is reserved; GuestPagingMode 2 and 3 are. */
	memcpy(dte, good, sizeof(dte));
	dte[0] |= DTE_GLX(3);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GLX 3");
	memcpy(dte, good, sizeof(dte));
	dte[2] = DTE_GPM(2);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GPM 2");
	dte[2] = DTE_GPM(3);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GPM 3");

	/* What the descriptor did not declare. */
	d = mkdesc(0, 20, 0, 40, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_config(cfg, &d));
	mkdte(dte, 0x7000, 1, 0, false, 0);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GLX 1 above GLXSup 0");
	mkdte(dte, 0x7000, 2, 0, false, 0);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GLX 2 above GLXSup 0");
	mkdte(dte, 0x7000, 0, 0, true, 0);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GIOV without GIOSup");
	mkdte(dte, 0x7000, 0, 1, false, 0);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "5 levels without GATS");
	/* The root pointer below 2^phys_bits (40). */
	for (b = 40; b < 52; b++) {
		mkdte(dte, 1ULL << b, 0, 0, false, 0);
		snprintf(what, sizeof(what), "root bit %u", b);
		expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, what);
	}
	/* The unbound node stays unbound. */
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, true, 0);
	mkdte(dte, 1ULL << 39, 0, 0, false, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(cfg, 0, dte));
	EXPECT_EQ(1ULL << 39, cfg->table);

	d = mkdesc(0, 20, 1, 48, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_config(cfg, &d));
	mkdte(dte, 0x7000, 2, 0, false, 0);
	expect_bind_err(_metadata, cfg, 0, dte, -EINVAL, "GLX 2 above GLXSup 1");
	mkdte(dte, 0x7000, 1, 0, false, 0);
	EXPECT_EQ(0, ioasid_amd_gcr3_bind(cfg, 0, dte));
}

/* Lookups ------------------------------------------------------------------ */

TEST_F(gcr3, unbound_node)
{
	struct ioasid_format_amd_gcr3 d = mkdesc(GIOV, 20, 2, 48, 0);

	ASSERT_EQ(0, ioasid_amd_gcr3_config(&self->pt.cfg, &d));
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, true, 0);
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, false, 0);
}

TEST_F(gcr3, every_glx_indexes_its_levels)
{
	static const u32 pasids[] = {
		0, 1, 2, 255, 511, 512, 513, 0x1234, 0x3fe00, 0x3ffff,
		0x40000, 0x40201, 0xabcde, 0xffe00, 0xfffff,
	};
	unsigned int glx, i, l;

	for (glx = 0; glx <= 2; glx++) {
		u32 limit = 1U << (9 * (glx + 1));

		pt_setup(&self->pt, 0, 20, 2, glx, 0, false, 0x4242, 0);
		/* Every PASID its own root, set before any lookup. */
		for (i = 0; i < ARRAY_SIZE(pasids); i++)
			if (pasids[i] < limit)
				pt_set(&self->pt, pasids[i], ((u64)(i + 1) << 20) | GV_);
		for (i = 0; i < ARRAY_SIZE(pasids); i++) {
			u32 p = pasids[i];
			u64 table = self->pt.root;

			if (p >= limit) {
				EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT,
						   glx + 1, 0, true, p);
				continue;
			}
			EXPECT_PASID_S1((u64)(i + 1) << 20, 4, 0, glx + 1, true, p);
			/* The reads: index p[9L-1:9L-9] of each level's table. */
			for (l = glx + 1; l >= 1; l--) {
				u64 addr = table + 8ULL * gidx(p, l);

				EXPECT_EQ(addr, self->pt.read_addr[glx + 1 - l])
					TH_LOG("glx %u pasid %#x level %u", glx, p, l);
				table = wmem_get(&self->pt.m, addr) & ADDR;
			}
		}
	}
}

TEST_F(gcr3, pasid_bounds)
{
	/* 16-bit PASIDs with two levels (Linux's usual table). */
	pt_setup(&self->pt, 0, 16, 2, 1, 0, false, 1, 0);
	pt_set(&self->pt, 0xffff, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 2, true, 0xffff);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 0, true, 0x10000);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 0, true, 0x3ffff);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 0, true, 0xffffffff);
	/* One level with 20-bit PASIDs: only 512 of them. */
	pt_setup(&self->pt, 0, 20, 2, 0, 0, false, 1, 0);
	pt_set(&self->pt, 511, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 1, true, 511);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 0, true, 512);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 0, true, 0xfffff);
	/* Three levels: the top table's entries past PASID bit 19 are never used. */
	pt_setup(&self->pt, 0, 20, 2, 2, 0, false, 1, 0);
	pt_set(&self->pt, 0xfffff, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 3, true, 0xfffff);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 0, true, 0x100000);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 0, true, 0x7ffffff);
	/* A 1-bit PASID. */
	pt_setup(&self->pt, 0, 1, 0, 0, 0, false, 1, 0);
	pt_set(&self->pt, 1, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 1, true, 1);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 0, true, 2);
}

TEST_F(gcr3, not_present_at_each_level)
{
	const u32 p = 0x4a5a5;
	unsigned int level;

	pt_setup(&self->pt, 0, 20, 2, 2, 0, false, 9, 0);
	pt_set(&self->pt, p, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 3, true, p);
	for (level = 1; level <= 3; level++) {
		u64 addr = pt_entry(&self->pt, p, level), e = wmem_get(&self->pt.m, addr);

		/* V clear: whatever else the entry holds. */
		wmem_set(&self->pt.m, addr, ~GV_);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, level, 4 - level, true, p);
		wmem_set(&self->pt.m, addr, 0);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, level, 4 - level, true, p);
		wmem_set(&self->pt.m, addr, e);
		EXPECT_PASID_S1(0x9000, 4, 0, 3, true, p);
	}
	/* A neighbour that was never set. */
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 3, true, p ^ 1);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 2, true, p ^ 0x200);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 1, true, p ^ 0x40000);
}

TEST_F(gcr3, reserved_bits_at_each_level)
{
	const u32 p = 0x5a5a5;
	struct ioasid_format_amd_gcr3 d = mkdesc(0, 20, 2, 40, 0);
	unsigned int level, b;
	u64 dte[4];

	/* 40-bit outputs: address bits 51:40 are reserved too. */
	pt_setup(&self->pt, 0, 20, 2, 2, 0, false, 9, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_config(&self->pt.cfg, &d));
	mkdte(dte, self->pt.root, 2, 0, false, 9);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, 0, dte));
	memcpy(self->pt.dte, dte, sizeof(dte));
	pt_set(&self->pt, p, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 3, true, p);
	for (level = 1; level <= 3; level++) {
		u64 addr = pt_entry(&self->pt, p, level), e = wmem_get(&self->pt.m, addr);

		for (b = 1; b < 64; b++) {
			bool rsvd = b < 12 || b >= 40;

			wmem_set(&self->pt.m, addr, e | (1ULL << b));
			if (rsvd) {
				EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, level,
						   4 - level, true, p);
			} else if (level == 1) {
				/* An address bit: the GCR3 (root) changes. */
				EXPECT_PASID_S1((e | (1ULL << b)) & ADDR, 4, 0, 3, true, p);
			}
		}
		wmem_set(&self->pt.m, addr, e);
	}
	/* The widest pointer taken (bit 39), at each level. */
	pt_set(&self->pt, p, (1ULL << 39) | GV_);
	EXPECT_PASID_S1(1ULL << 39, 4, 0, 3, true, p);
	self->outside_ok = true;
	for (level = 2; level <= 3; level++) {
		u64 addr = pt_entry(&self->pt, p, level), e = wmem_get(&self->pt.m, addr);

		wmem_set(&self->pt.m, addr, (1ULL << 39) | GV_);
		EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, level - 1, 5 - level, true, p);
		wmem_set(&self->pt.m, addr, e);
	}
}

TEST_F(gcr3, dma_without_pasid)
{
	unsigned int glx;

	/* GIOV clear: stage 1 bypassed, nothing read, whatever the table says. */
	pt_setup(&self->pt, GIOV, 20, 2, 2, 0, false, 0xabcd, 0);
	{
		struct ioasid_pasid_s1 s;
		struct ioasid_pt_result r;

		EXPECT_EQ(0, lookup(&self->pt, false, 0, &s, &r));
		EXPECT_EQ(IOASID_PASID_BYPASS, s.kind);
		EXPECT_EQ(0xabcd, s.tag);
		EXPECT_EQ(0, r.fault_reason);
		EXPECT_EQ(0, r.fault_level);
		EXPECT_EQ(0, self->pt.nread);
		EXPECT_EQ(0, lookup(&self->pt, false, 0xfffffff, &s, &r));
		EXPECT_EQ(IOASID_PASID_BYPASS, s.kind);
		EXPECT_EQ(0, self->pt.nread);
	}
	/* With a PASID, the table still (empty: nothing at the top). */
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 1, true, 0);

	/* GIOV set: PASID 0's entry, at every GLX; @pasid ignored. */
	for (glx = 0; glx <= 2; glx++) {
		pt_setup(&self->pt, GIOV, 20, 2, glx, 0, true, 0xabcd, 0);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, glx + 1, 1, false, 0);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, glx + 1, 1, false, 77);
		pt_set(&self->pt, 77, 0x8000 | GV_);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, glx + 1, false, 77);
		pt_set(&self->pt, 0, 0x6000 | GV_);
		EXPECT_PASID_S1(0x6000, 4, 0, glx + 1, false, 0);
		EXPECT_PASID_S1(0x6000, 4, 0, glx + 1, false, 77);
		EXPECT_PASID_S1(0x6000, 4, 0, glx + 1, false, 0xffffffff);
		EXPECT_EQ(self->pt.root, self->pt.read_addr[0]);
		EXPECT_PASID_S1(0x8000, 4, 0, glx + 1, true, 77);
		/* A malformed PASID 0 entry faults the request. */
		pt_set(&self->pt, 0, 0x6000 | GV_ | (1ULL << 5));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, glx + 1, false, 0);
	}
}

TEST_F(gcr3, table_reads_that_fail)
{
	static const int reasons[][2] = {
		{ IOASID_FAULT_TABLE, IOASID_FAULT_TABLE },
		{ IOASID_FAULT_WALK_LIMIT, IOASID_FAULT_WALK_LIMIT },
		{ IOASID_FAULT_NOT_ATTACHED, IOASID_FAULT_NOT_ATTACHED },
		{ -1, IOASID_FAULT_TABLE },		/* not a reason */
		{ -EFAULT, IOASID_FAULT_TABLE },
		{ 200, IOASID_FAULT_TABLE },
		{ IOASID_FAULT_PASID_ENTRY, IOASID_FAULT_TABLE },
	};
	const u32 p = 0x6b6b6;
	unsigned int i, k;

	pt_setup(&self->pt, GIOV, 20, 2, 2, 0, true, 3, 0);
	pt_set(&self->pt, p, 0x9000 | GV_);
	pt_set(&self->pt, 0, 0xa000 | GV_);
	for (i = 0; i < ARRAY_SIZE(reasons); i++) {
		for (k = 1; k <= 3; k++) {
			self->pt.fail_at = k;
			self->pt.fail_ret = reasons[i][0];
			EXPECT_PASID_FAULT(reasons[i][1], 4 - k, k, true, p);
			EXPECT_PASID_FAULT(reasons[i][1], 4 - k, k, false, 0);
		}
	}
	self->pt.fail_at = 0;
	EXPECT_PASID_S1(0x9000, 4, 0, 3, true, p);
	/* A pointer out of the parent's memory. */
	self->outside_ok = true;
	wmem_set(&self->pt.m, pt_entry(&self->pt, p, 3), 0x7000000000ULL | GV_);
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 2, 2, true, p);
	self->pt.root = 0x7000000000ULL;
	mkdte(self->pt.dte, self->pt.root, 2, 0, true, 3);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, 0, self->pt.dte));
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 3, 1, true, p);
}

TEST_F(gcr3, lookups_never_write)
{
	const u32 p = 0x1357;
	u64 *snap = malloc(wmem_size(&self->pt.m));
	unsigned int i;

	ASSERT_NE(NULL, snap);
	pt_setup(&self->pt, AD | GIOV, 20, 2, 2, 0, true, 3, SRE);
	pt_set(&self->pt, p, 0x9000 | GV_);
	memcpy(snap, self->pt.m.buf, wmem_size(&self->pt.m));
	self->pt.m.cmpxchgs = 0;
	for (i = 0; i < 64; i++) {
		struct ioasid_pasid_s1 s;
		struct ioasid_pt_result r;

		lookup(&self->pt, i & 1, p + (i >> 1), &s, &r);
	}
	EXPECT_EQ(0, self->pt.m.cmpxchgs);
	EXPECT_EQ(0, memcmp(snap, self->pt.m.buf, wmem_size(&self->pt.m)));
	free(snap);
}

TEST_F(gcr3, rebind_replaces_the_table)
{
	u64 root2 = gcr3_alloc(&self->pt), dte[4];

	pt_set(&self->pt, 5, 0x9000 | GV_);
	EXPECT_PASID_S1(0x9000, 4, 0, 2, true, 5);
	/* Another table, one level, 5-level stage 1, another DomainID. */
	wmem_set(&self->pt.m, root2 + 8 * 5, 0xb000 | GV_);
	mkdte(dte, root2, 0, 1, true, 0x77);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, SRE, dte));
	memcpy(self->pt.dte, dte, sizeof(dte));
	EXPECT_PASID_S1(0xb000, 5, IOASID_X86_64_CFG_SRE, 1, true, 5);
	EXPECT_EQ(root2 + 8 * 5, self->pt.read_addr[0]);
}

/* End to end: lookup, then the x86-64 walker ------------------------------ */

/* Stage-1 tables of @levels levels for one PASID, in their own area. */
static u64 s1_tables(struct pt *pt, struct pt_enc *e, unsigned int levels)
{
	struct pt_enc_params p = pt_enc_x86_64_params(levels);
	u64 pa = pt->s1_next;

	pt->s1_next += S1_AREA;
	if (pt->s1_next > BASE + wmem_size(&pt->m) ||
	    pt_enc_init(e, &p, (u8 *)pt->m.buf + (pa - BASE), pa, S1_AREA)) {
		fprintf(stderr, "no room for stage-1 tables\n");
		abort();
	}
	return pt_enc_root(e);
}

static int s1_walk(struct pt *pt, const struct ioasid_pasid_s1 *s1, u64 iova,
		   u32 access, struct ioasid_pt_result *r)
{
	struct ioasid_pt_io io = wmem_io(&pt->m);

	return ioasid_x86_64_walk(&s1->x86_64, iova, access, &io, r);
}

#define EXPECT_WALK(s1, iova, access, out_, size, perm_)		\
	do {								\
		struct ioasid_pt_result __w;				\
		EXPECT_EQ(0, s1_walk(&self->pt, s1, iova, access, &__w)); \
		EXPECT_EQ(out_, __w.out);				\
		EXPECT_EQ(size, __w.page_size);				\
		EXPECT_EQ(perm_, __w.perm);				\
	} while (0)

#define EXPECT_WALK_FAULT(s1, iova, access, reason, lvl)		\
	do {								\
		struct ioasid_pt_result __w;				\
		EXPECT_EQ(reason, s1_walk(&self->pt, s1, iova, access, &__w)); \
		EXPECT_EQ(lvl, __w.fault_level);			\
	} while (0)

#define U_RWX	(IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX)

TEST_F(gcr3, end_to_end_every_glx_and_paging_mode)
{
	static const u32 pasids[] = { 0, 1, 511, 512, 0x3ffff, 0x40000, 0xfffff };
	unsigned int glx, gpm, i;

	for (glx = 0; glx <= 2; glx++) {
		for (gpm = 0; gpm <= 1; gpm++) {
			u32 limit = 1U << (9 * (glx + 1));
			unsigned int levels = gpm ? 5 : 4;
			struct pt_enc e[ARRAY_SIZE(pasids)];

			pt_setup(&self->pt, L5, 20, 2, glx, gpm, false, 0x99, 0);
			/* Each PASID maps the same addresses elsewhere. */
			for (i = 0; i < ARRAY_SIZE(pasids); i++) {
				u64 out = (u64)(i + 1) << 32;

				if (pasids[i] >= limit)
					continue;
				pt_set(&self->pt, pasids[i],
				       s1_tables(&self->pt, &e[i], levels) | GV_);
				ASSERT_EQ(0, pt_enc_map_leaf(&e[i], 0x200000, out, SZ_4K,
							     PT_ENC_ALL, SZ_4K));
				ASSERT_EQ(0, pt_enc_map_leaf(&e[i], 0x40000000, out + SZ_1G,
							     SZ_2M, PT_ENC_R | PT_ENC_U, SZ_2M));
				ASSERT_EQ(0, pt_enc_map_leaf(&e[i], 0x80000000, out + 2 * SZ_1G,
							     SZ_1G, PT_ENC_RW | PT_ENC_U, SZ_1G));
				if (gpm)
					ASSERT_EQ(0, pt_enc_map(&e[i], 1ULL << 52, out + 0x5000,
								SZ_4K, PT_ENC_ALL));
			}
			for (i = 0; i < ARRAY_SIZE(pasids); i++) {
				u64 out = (u64)(i + 1) << 32;
				struct ioasid_pasid_s1 s;
				struct ioasid_pt_result r;

				if (pasids[i] >= limit) {
					EXPECT_EQ(IOASID_FAULT_PASID_NOT_PRESENT,
						  lookup(&self->pt, true, pasids[i], &s, &r));
					continue;
				}
				ASSERT_EQ(0, lookup(&self->pt, true, pasids[i], &s, &r));
				EXPECT_EQ(levels, s.x86_64.levels);
				EXPECT_WALK(&s, 0x200123, W_, out + 0x123, SZ_4K, U_RWX);
				EXPECT_WALK(&s, 0x40012345, R_, out + SZ_1G + 0x12345, SZ_2M,
					    IOASID_PT_UR);
				EXPECT_WALK(&s, 0x80000000 + 0x3456789, W_,
					    out + 2 * SZ_1G + 0x3456789, SZ_1G,
					    IOASID_PT_UR | IOASID_PT_UW);
				EXPECT_WALK_FAULT(&s, 0x40012345, W_, IOASID_FAULT_PERMISSION, 2);
				EXPECT_WALK_FAULT(&s, 0x201000, R_, IOASID_FAULT_NOT_PRESENT, 1);
				if (gpm)
					EXPECT_WALK(&s, (1ULL << 52) + 8, R_, out + 0x5008,
						    SZ_4K, U_RWX);
				else
					EXPECT_WALK_FAULT(&s, 1ULL << 52, R_,
							  IOASID_FAULT_NON_CANONICAL, 4);
			}
		}
	}
}

TEST_F(gcr3, end_to_end_flags_reach_the_stage_1)
{
	const u32 p = 0x321;
	struct ioasid_pasid_s1 s;
	struct ioasid_pt_result r;
	struct pt_enc e;
	u64 root, *leaf;
	u64 dte[4];

	/* AD_UPDATE: the walk sets A and D of the guest's entries. */
	pt_setup(&self->pt, AD, 16, 1, 1, 0, false, 1, 0);
	root = s1_tables(&self->pt, &e, 4);
	pt_set(&self->pt, p, root | GV_);
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x1000, 0x77000, SZ_4K, PT_ENC_ALL, SZ_4K));
	ASSERT_EQ(0, lookup(&self->pt, true, p, &s, &r));
	EXPECT_EQ(IOASID_X86_64_CFG_AD_UPDATE, s.x86_64.flags);
	leaf = pt_enc_leaf(&e, 0x1000, NULL, NULL);
	ASSERT_NE(NULL, leaf);
	EXPECT_EQ(0, pt_enc_get(leaf) & (A | D));
	EXPECT_WALK(&s, 0x1000, W_, 0x77000, SZ_4K, U_RWX);
	EXPECT_EQ(A | D, pt_enc_get(leaf) & (A | D));

	/* Without it, A and D stay as they are. */
	pt_setup(&self->pt, 0, 16, 1, 1, 0, false, 1, 0);
	root = s1_tables(&self->pt, &e, 4);
	pt_set(&self->pt, p, root | GV_);
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x1000, 0x77000, SZ_4K, PT_ENC_ALL, SZ_4K));
	leaf = pt_enc_leaf(&e, 0x1000, NULL, NULL);
	ASSERT_EQ(0, lookup(&self->pt, true, p, &s, &r));
	EXPECT_EQ(0, s.x86_64.flags);
	EXPECT_WALK(&s, 0x1000, W_, 0x77000, SZ_4K, U_RWX);
	EXPECT_EQ(0, pt_enc_get(leaf) & (A | D));
	/* Privileged requests fault without SRE. */
	EXPECT_WALK_FAULT(&s, 0x1000, R_ | PRIV, IOASID_FAULT_PERMISSION, 1);

	/* SRE, then SRE | WPE, as BIND's flags. */
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x2000, 0x78000, SZ_4K, PT_ENC_R, SZ_4K));
	mkdte(dte, self->pt.root, 1, 0, false, 1);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, SRE, dte));
	ASSERT_EQ(0, lookup(&self->pt, true, p, &s, &r));
	EXPECT_EQ(IOASID_X86_64_CFG_SRE, s.x86_64.flags);
	EXPECT_WALK(&s, 0x1000, R_ | PRIV, 0x77000, SZ_4K,
		    U_RWX | IOASID_PT_SR | IOASID_PT_SW);
	EXPECT_WALK(&s, 0x2000, W_ | PRIV, 0x78000, SZ_4K,
		    IOASID_PT_SR | IOASID_PT_SW);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, SRE | WPE, dte));
	ASSERT_EQ(0, lookup(&self->pt, true, p, &s, &r));
	EXPECT_EQ(IOASID_X86_64_CFG_SRE | IOASID_X86_64_CFG_WPE, s.x86_64.flags);
	EXPECT_WALK_FAULT(&s, 0x2000, W_ | PRIV, IOASID_FAULT_PERMISSION, 1);
	EXPECT_WALK(&s, 0x2000, R_ | PRIV, 0x78000, SZ_4K, IOASID_PT_SR);
}

TEST_F(gcr3, end_to_end_descriptor_limits_reach_the_stage_1)
{
	struct ioasid_format_amd_gcr3 d = mkdesc(0, 16, 1, 40, SZ_4K);
	const u32 p = 0x200;
	struct ioasid_pasid_s1 s;
	struct ioasid_pt_result r;
	struct pt_enc e;
	u64 root, dte[4];

	/* 4 KiB leaves only, 40-bit outputs. */
	pt_setup(&self->pt, 0, 16, 1, 1, 0, false, 1, 0);
	ASSERT_EQ(0, ioasid_amd_gcr3_config(&self->pt.cfg, &d));
	mkdte(dte, self->pt.root, 1, 0, false, 1);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, 0, dte));
	memcpy(self->pt.dte, dte, sizeof(dte));
	root = s1_tables(&self->pt, &e, 4);
	pt_set(&self->pt, p, root | GV_);
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x200000, 0x400000, SZ_2M, PT_ENC_ALL, SZ_2M));
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x400000, 1ULL << 40, SZ_4K, PT_ENC_ALL, SZ_4K));
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x401000, (1ULL << 40) - SZ_4K, SZ_4K,
				     PT_ENC_ALL, SZ_4K));
	EXPECT_PASID_S1(root, 4, 0, 2, true, p);
	ASSERT_EQ(0, lookup(&self->pt, true, p, &s, &r));
	EXPECT_EQ(40, s.x86_64.phys_bits);
	EXPECT_EQ(SZ_4K, s.x86_64.pgsize_bitmap);
	EXPECT_WALK_FAULT(&s, 0x200000, R_, IOASID_FAULT_RESERVED, 2);
	EXPECT_WALK_FAULT(&s, 0x400000, R_, IOASID_FAULT_RESERVED, 1);
	EXPECT_WALK(&s, 0x401000, R_, (1ULL << 40) - SZ_4K, SZ_4K, U_RWX);
}

TEST_F(gcr3, end_to_end_without_pasid)
{
	struct ioasid_pasid_s1 s;
	struct ioasid_pt_result r;
	struct pt_enc e0, e1;
	u64 dte[4];

	pt_setup(&self->pt, GIOV, 20, 2, 1, 0, true, 5, 0);
	pt_set(&self->pt, 0, s1_tables(&self->pt, &e0, 4) | GV_);
	pt_set(&self->pt, 1, s1_tables(&self->pt, &e1, 4) | GV_);
	ASSERT_EQ(0, pt_enc_map(&e0, 0x10000, 0xa0000, SZ_4K, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&e1, 0x10000, 0xb0000, SZ_4K, PT_ENC_ALL));
	/* GIOV: a request without a PASID is PASID 0's. */
	ASSERT_EQ(0, lookup(&self->pt, false, 1, &s, &r));
	EXPECT_WALK(&s, 0x10010, R_, 0xa0010, SZ_4K, U_RWX);
	ASSERT_EQ(0, lookup(&self->pt, true, 1, &s, &r));
	EXPECT_WALK(&s, 0x10010, R_, 0xb0010, SZ_4K, U_RWX);
	/* Without GIOV, it bypasses stage 1 (the parent translates it). */
	mkdte(dte, self->pt.root, 1, 0, false, 5);
	ASSERT_EQ(0, ioasid_amd_gcr3_bind(&self->pt.cfg, 0, dte));
	ASSERT_EQ(0, lookup(&self->pt, false, 0, &s, &r));
	EXPECT_EQ(IOASID_PASID_BYPASS, s.kind);
	EXPECT_EQ(5, s.tag);
	ASSERT_EQ(0, lookup(&self->pt, true, 0, &s, &r));
	EXPECT_EQ(IOASID_PASID_STAGE1, s.kind);
	EXPECT_WALK(&s, 0x10010, R_, 0xa0010, SZ_4K, U_RWX);
}

TEST_HARNESS_MAIN
