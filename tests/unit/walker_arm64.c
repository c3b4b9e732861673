// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the Arm VMSAv8-64 stage-1 software walker
 * (module/walkers/arm64.c, compiled into this binary): descriptors built in
 * a fake parent space (walker_mem.h), every rule of struct
 * ioasid_format_arm64 and of module/walkers/arm64.h checked against
 * expectations written here, for the 4, 16 and 64 KiB granules and both
 * halves of the input space.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "walker_expect.h"
#include "../../module/walkers/arm64.h"

#define BASE		0x1000000ULL	/* 64 KiB aligned */
#define PAGES		512		/* 2 MiB of parent memory */

/* Descriptor bits, written here from the Arm ARM, not from the walker. */
#define V		(1ULL << 0)
#define T		(1ULL << 1)	/* table, or page at the last level */
#define AP1		(1ULL << 6)
#define AP2		(1ULL << 7)
#define AF		(1ULL << 10)
#define DBM		(1ULL << 51)
#define CONT		(1ULL << 52)
#define PXN		(1ULL << 53)
#define UXN		(1ULL << 54)
#define PXNT		(1ULL << 59)
#define UXNT		(1ULL << 60)
#define APT0		(1ULL << 61)
#define APT1		(1ULL << 62)
#define OA		0x0000fffffffff000ULL

#define SZ_16K		(1ULL << 14)
#define SZ_32M		(1ULL << 25)
#define SZ_64K		(1ULL << 16)
#define SZ_512M		(1ULL << 29)

#define HA		IOASID_ARM64_HA
#define HD		IOASID_ARM64_HD
#define EPD0		IOASID_ARM64_EPD0
#define EPD1		IOASID_ARM64_EPD1
#define TBI0		IOASID_ARM64_TBI0
#define TBI1		IOASID_ARM64_TBI1

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define X_		(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC)
#define PRIV		IOASID_ACCESS_PRIV

#define PT_R		(IOASID_PT_UR | IOASID_PT_SR)
#define PT_W		(IOASID_PT_UW | IOASID_PT_SW)
#define PT_X		(IOASID_PT_UX | IOASID_PT_SX)

static const unsigned int granules[] = { 12, 14, 16 };

/* A table builder over the fake memory. */
struct pt {
	struct wmem m;
	u64 next;			/* next free byte */
	struct ioasid_arm64_cfg cfg;
};

static u64 pt_alloc(struct pt *pt, u64 size)
{
	u64 align = size < 64 ? 64 : size, addr;

	addr = (pt->next + align - 1) & ~(align - 1);
	if (addr + size > pt->m.base + wmem_size(&pt->m)) {
		fprintf(stderr, "test tables need more than %d pages\n", PAGES);
		abort();
	}
	pt->next = addr + size;
	return addr;
}

static struct ioasid_format_arm64 mkdesc(u32 flags, u8 t0sz, u8 tg0, u8 t1sz,
					 u8 tg1, u32 oas, u64 pgsizes)
{
	struct ioasid_format_arm64 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_ARM64 },
		.flags = flags,
		.t0sz = t0sz,
		.t1sz = t1sz,
		.tg0 = tg0,
		.tg1 = tg1,
		.oas_bits = oas,
		.pgsize_bitmap = pgsizes,
	};

	return d;
}

/* Levels, from the Arm ARM's tables of starting levels (not a formula). */
static unsigned int expect_levels(unsigned int tsz, unsigned int g)
{
	unsigned int ia = 64 - tsz;

	switch (g) {
	case 12:
		return ia > 39 ? 4 : ia > 30 ? 3 : ia > 21 ? 2 : 1;
	case 14:
		return ia > 47 ? 4 : ia > 36 ? 3 : ia > 25 ? 2 : 1;
	default:
		return ia > 42 ? 3 : ia > 29 ? 2 : 1;
	}
}

static unsigned int gshift(unsigned int g, unsigned int level)
{
	return g + (g - 3) * (level - 1);
}

static u64 lsize(unsigned int g, unsigned int level)
{
	return 1ULL << gshift(g, level);
}

/* The top-level table's size in bytes. */
static u64 top_bytes(unsigned int tsz, unsigned int g)
{
	return 8ULL << (64 - tsz - gshift(g, expect_levels(tsz, g)));
}

/* The first input address of a half. */
static u64 hbase(const struct pt *pt, unsigned int i)
{
	return i ? -(1ULL << (64 - pt->cfg.half[i].tsz)) : 0;
}

/* Empty memory, a configuration from the descriptor, and bound roots. */
static void pt_setup(struct pt *pt, u32 flags, u8 t0sz, u8 tg0, u8 t1sz,
		     u8 tg1, u32 oas, u64 pgsizes)
{
	struct ioasid_format_arm64 d = mkdesc(flags, t0sz, tg0, t1sz, tg1, oas,
					      pgsizes);
	u64 r0 = 0, r1 = 0;

	memset(pt->m.buf, 0, wmem_size(&pt->m));
	pt->next = pt->m.base;
	if (ioasid_arm64_config(&pt->cfg, &d)) {
		fprintf(stderr, "bad test configuration\n");
		abort();
	}
	if (!(flags & EPD0))
		r0 = pt_alloc(pt, top_bytes(t0sz, tg0));
	if (!(flags & EPD1))
		r1 = pt_alloc(pt, top_bytes(t1sz, tg1));
	if (ioasid_arm64_bind(&pt->cfg, 0, r0, r1)) {
		fprintf(stderr, "bad test roots\n");
		abort();
	}
}

/* Both halves with granule @g and 48-bit inputs, 48-bit outputs. */
static void pt_simple(struct pt *pt, u32 flags, unsigned int g)
{
	pt_setup(pt, flags, 16, g, 16, g, 48, 0);
}

static const struct ioasid_arm64_half *half_of(const struct pt *pt, u64 iova)
{
	return &pt->cfg.half[(iova >> 55) & 1];
}

static u64 idx(const struct ioasid_arm64_half *h, u64 iova, unsigned int level)
{
	unsigned int bits = level == h->levels ?
			    64 - h->tsz - gshift(h->granule, level) : h->granule - 3;

	return (iova >> gshift(h->granule, level)) & ((1ULL << bits) - 1);
}

/*
 * Map @iova with a leaf at @level (1: the granule's pages) to @out: AF,
 * valid, the page bit at level 1, and @leaf_bits; the tables on the way
 * get @table_bits (also the ones that already exist). Returns the leaf
 * descriptor's address.
 */
static u64 pt_map(struct pt *pt, u64 iova, unsigned int level, u64 out,
		  u64 leaf_bits, u64 table_bits)
{
	const struct ioasid_arm64_half *h = half_of(pt, iova);
	u64 table = h->root, addr, e, gmask = (1ULL << h->granule) - 1;
	unsigned int l;

	for (l = h->levels; l > level; l--) {
		addr = table + 8 * idx(h, iova, l);
		e = wmem_get(&pt->m, addr);
		if ((e & (V | T)) != (V | T))	/* not yet a table */
			e = pt_alloc(pt, 1ULL << h->granule);
		e = (e & OA & ~gmask) | V | T | table_bits;
		wmem_set(&pt->m, addr, e);
		table = e & OA & ~gmask;
	}
	addr = table + 8 * idx(h, iova, level);
	wmem_set(&pt->m, addr, out | V | AF | (level == 1 ? T : 0) | leaf_bits);
	return addr;
}

/* The address of the descriptor at @level on the (existing) path of @iova. */
static u64 pt_entry(struct pt *pt, u64 iova, unsigned int level)
{
	const struct ioasid_arm64_half *h = half_of(pt, iova);
	u64 table = h->root;
	unsigned int l;

	for (l = h->levels; l > level; l--)
		table = wmem_get(&pt->m, table + 8 * idx(h, iova, l)) & OA &
			~((1ULL << h->granule) - 1);
	return table + 8 * idx(h, iova, level);
}

static void pt_or(struct pt *pt, u64 addr, u64 bits)
{
	wmem_set(&pt->m, addr, wmem_get(&pt->m, addr) | bits);
}

static void pt_andn(struct pt *pt, u64 addr, u64 bits)
{
	wmem_set(&pt->m, addr, wmem_get(&pt->m, addr) & ~bits);
}

/* Walk, counting reads and cmpxchgs from zero. */
static int walk(struct pt *pt, u64 iova, u32 access, struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = wmem_io(&pt->m);

	pt->m.reads = 0;
	pt->m.cmpxchgs = 0;
	pt->m.races_done = 0;
	memset(res, 0xa5, sizeof(*res));	/* the walker must fill it */
	return ioasid_arm64_walk(&pt->cfg, iova, access, &io, res);
}

FIXTURE(walker) {
	struct pt pt;
	bool outside_ok;	/* the test reads outside the memory on purpose */
};

FIXTURE_SETUP(walker)
{
	ASSERT_EQ(0, wmem_init(&self->pt.m, BASE, PAGES));
	pt_simple(&self->pt, 0, 12);
	self->outside_ok = false;
}

FIXTURE_TEARDOWN(walker)
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
	ioasid_arm64_info(&info);
	EXPECT_EQ(HA | HD | EPD0 | EPD1 | TBI0 | TBI1, info.out_format_flags);
	EXPECT_EQ(0, info.out_format_flags & IOASID_ARM64_BIG_ENDIAN);
	EXPECT_EQ(0, info.out_bind_flags);
	EXPECT_EQ(SZ_4K | SZ_2M | SZ_1G | SZ_16K | SZ_32M | SZ_64K | SZ_512M,
		  info.out_pgsize_bitmap);
	EXPECT_EQ((1 << 1) | (1 << 2) | (1 << 3) | (1 << 4), info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(48, info.out_max_phys_bits);
	EXPECT_EQ(48, info.out_input_bits);
	EXPECT_EQ(SZ_4K | SZ_16K | SZ_64K, info.out_granule_bitmap);
	/* Nothing else is written. */
	EXPECT_EQ(0xa5a5a5a5, info.size);
	EXPECT_EQ(0xa5a5a5a5, info.flags);
	EXPECT_EQ(0xa5a5a5a5, info.format);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved2);
}

/* Every size and granule: levels, and the sizes 0 stands for. */
TEST(config_geometry)
{
	struct ioasid_arm64_cfg cfg;
	struct ioasid_format_arm64 d;
	unsigned int tsz, a, b, seen = 0;

	for (tsz = 16; tsz <= 39; tsz++) {
		for (a = 0; a < 3; a++) {
			for (b = 0; b < 3; b++) {
				unsigned int g0 = granules[a], g1 = granules[b];
				u64 sizes = (g0 == 12 || g1 == 12 ? SZ_4K | SZ_2M | SZ_1G : 0) |
					    (g0 == 14 || g1 == 14 ? SZ_16K | SZ_32M : 0) |
					    (g0 == 16 || g1 == 16 ? SZ_64K | SZ_512M : 0);

				d = mkdesc(0, tsz, g0, 55 - tsz, g1, 48, 0);
				memset(&cfg, 0xa5, sizeof(cfg));
				ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
				EXPECT_EQ(0, cfg.half[0].root);
				EXPECT_EQ(0, cfg.half[1].root);
				EXPECT_EQ(tsz, cfg.half[0].tsz);
				EXPECT_EQ(55 - tsz, cfg.half[1].tsz);
				EXPECT_EQ(g0, cfg.half[0].granule);
				EXPECT_EQ(g1, cfg.half[1].granule);
				EXPECT_EQ(expect_levels(tsz, g0), cfg.half[0].levels);
				EXPECT_EQ(expect_levels(55 - tsz, g1), cfg.half[1].levels);
				EXPECT_EQ(sizes, cfg.pgsize_bitmap);
				EXPECT_EQ(48, cfg.oas_bits);
				EXPECT_EQ(0, cfg.flags);
				seen |= 1U << cfg.half[0].levels;
			}
		}
	}
	/* 1 (16K with 25 bits, 64K up to 29) to 4 levels. */
	EXPECT_EQ(0x1e, seen);
	/* Flags are kept. */
	d = mkdesc(HA | HD | EPD0 | EPD1 | TBI0 | TBI1, 16, 12, 16, 12, 40, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(HA | HD | EPD0 | EPD1 | TBI0 | TBI1, cfg.flags);
	EXPECT_EQ(40, cfg.oas_bits);
}

TEST(config_errors)
{
	static const u32 good_oas[] = { 32, 36, 40, 42, 44, 48 };
	struct ioasid_arm64_cfg cfg;
	struct ioasid_format_arm64 d;
	unsigned int i, bit;

	/* Flags outside the format's, BIG_ENDIAN among them. */
	for (bit = 0; bit < 32; bit++) {
		d = mkdesc(1U << bit, 16, 12, 16, 12, 48, 0);
		if ((1U << bit) == HD)
			d.flags |= HA;
		EXPECT_EQ((1U << bit) & IOASID_ARM64_FLAGS ? 0 : -EOPNOTSUPP,
			  ioasid_arm64_config(&cfg, &d));
	}
	d = mkdesc(IOASID_ARM64_BIG_ENDIAN, 16, 12, 16, 12, 48, 0);
	EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_config(&cfg, &d));
	d = mkdesc(0, 16, 12, 16, 12, 48, 0);
	d.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_config(&cfg, &d));
	/* 52-bit outputs (LPA, LPA2) are not walked. */
	d = mkdesc(0, 16, 16, 16, 16, 52, 0);
	EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_config(&cfg, &d));
	/* EOPNOTSUPP before EINVAL. */
	d = mkdesc(IOASID_ARM64_BIG_ENDIAN, 5, 13, 16, 12, 33, 1);
	EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_config(&cfg, &d));
	d = mkdesc(HD, 5, 13, 16, 12, 52, 1);
	EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_config(&cfg, &d));

	/* HD needs HA. */
	d = mkdesc(HD, 16, 12, 16, 12, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));
	d.flags = HD | HA;
	EXPECT_EQ(0, ioasid_arm64_config(&cfg, &d));

	/* Output sizes. */
	for (i = 0; i <= 64; i++) {
		bool good = false;
		unsigned int j;

		for (j = 0; j < sizeof(good_oas) / sizeof(good_oas[0]); j++)
			good |= i == good_oas[j];
		d = mkdesc(0, 16, 12, 16, 12, i, 0);
		EXPECT_EQ(good ? 0 : i == 52 ? -EOPNOTSUPP : -EINVAL,
			  ioasid_arm64_config(&cfg, &d));
	}
	d = mkdesc(0, 16, 12, 16, 12, 0xffffffff, 0);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));

	/* Input sizes and granules, of each half (even a disabled one). */
	for (i = 0; i < 256; i++) {
		bool tsz_ok = i >= 16 && i <= 39;
		bool tg_ok = i == 12 || i == 14 || i == 16;

		d = mkdesc(0, i, 12, 16, 12, 48, 0);
		EXPECT_EQ(tsz_ok ? 0 : -EINVAL, ioasid_arm64_config(&cfg, &d));
		d = mkdesc(EPD1, 16, 12, i, 12, 48, 0);
		EXPECT_EQ(tsz_ok ? 0 : -EINVAL, ioasid_arm64_config(&cfg, &d));
		d = mkdesc(EPD0, 16, i, 16, 12, 48, 0);
		EXPECT_EQ(tg_ok ? 0 : -EINVAL, ioasid_arm64_config(&cfg, &d));
		d = mkdesc(0, 16, 12, 16, i, 48, 0);
		EXPECT_EQ(tg_ok ? 0 : -EINVAL, ioasid_arm64_config(&cfg, &d));
	}

	/* Page sizes: of the declared granules only, their pages always. */
	for (bit = 0; bit < 64; bit++) {
		u64 size = 1ULL << bit;
		bool ok = size == SZ_2M || size == SZ_1G || size == SZ_64K ||
			  size == SZ_512M;

		d = mkdesc(0, 16, 12, 16, 16, 48, SZ_4K | SZ_64K | size);
		EXPECT_EQ(ok || size == SZ_4K ? 0 : -EINVAL,
			  ioasid_arm64_config(&cfg, &d));
		if (!ok && size != SZ_4K)
			continue;
		EXPECT_EQ(SZ_4K | SZ_64K | size, cfg.pgsize_bitmap);
	}
	d = mkdesc(0, 16, 12, 16, 16, 48, SZ_4K | SZ_2M);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));	/* no 64K */
	d = mkdesc(0, 16, 12, 16, 16, 48, SZ_64K | SZ_512M);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));	/* no 4K */
	d = mkdesc(0, 16, 14, 16, 14, 48, SZ_16K | SZ_2M);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));	/* 2M: 4K's */
	d = mkdesc(0, 16, 14, 16, 14, 48, SZ_16K);
	EXPECT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(SZ_16K, cfg.pgsize_bitmap);
	/* A disabled half's granule is declared all the same. */
	d = mkdesc(EPD1, 16, 14, 16, 16, 48, SZ_16K);
	EXPECT_EQ(-EINVAL, ioasid_arm64_config(&cfg, &d));
	d = mkdesc(EPD1, 16, 14, 16, 16, 48, SZ_16K | SZ_64K);
	EXPECT_EQ(0, ioasid_arm64_config(&cfg, &d));
}

TEST(bind_rules)
{
	struct ioasid_arm64_cfg cfg, before;
	struct ioasid_format_arm64 d;
	unsigned int tsz, a, bit;

	for (tsz = 16; tsz <= 39; tsz++) {
		for (a = 0; a < 3; a++) {
			unsigned int g = granules[a];
			u64 align = top_bytes(tsz, g) < 64 ? 64 : top_bytes(tsz, g);

			d = mkdesc(0, tsz, g, tsz, g, 40, 0);
			ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
			before = cfg;
			/* Misaligned by any bit below the top table's size. */
			for (bit = 0; (1ULL << bit) < align; bit++) {
				EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 1ULL << bit, 0));
				EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0, align | 1ULL << bit));
				EXPECT_EQ(0, memcmp(&before, &cfg, sizeof(cfg)));
			}
			/* Too wide. */
			EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 1ULL << 40, 0));
			EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0, 1ULL << 63));
			EXPECT_EQ(0, memcmp(&before, &cfg, sizeof(cfg)));
			/* Aligned: bound. */
			EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, align, (1ULL << 40) - align));
			EXPECT_EQ(align, cfg.half[0].root);
			EXPECT_EQ((1ULL << 40) - align, cfg.half[1].root);
			/* And again, replacing (0 is a table address too). */
			EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, 0, 0));
			EXPECT_EQ(0, cfg.half[0].root);
			EXPECT_EQ(0, cfg.half[1].root);
		}
	}
	/* No bind flag: EOPNOTSUPP, before the roots' EINVAL. */
	d = mkdesc(0, 16, 12, 16, 12, 48, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	for (bit = 0; bit < 32; bit++) {
		EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_bind(&cfg, 1U << bit, 0x1000, 0x2000));
		EXPECT_EQ(-EOPNOTSUPP, ioasid_arm64_bind(&cfg, 1U << bit, 1, 1));
	}
	EXPECT_EQ(0, cfg.half[0].root);
	/* A disabled half's root must be 0. */
	d = mkdesc(EPD1, 16, 12, 16, 12, 48, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0x1000, 0x2000));
	EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, 0x1000, 0));
	d = mkdesc(EPD0, 16, 12, 16, 12, 48, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0x1000, 0x2000));
	EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, 0, 0x2000));
	EXPECT_EQ(0x2000, cfg.half[1].root);
	d = mkdesc(EPD0 | EPD1, 16, 12, 16, 12, 48, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0, 0x2000));
	EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, 0, 0));
	/* The last aligned table below 2^oas. */
	d = mkdesc(0, 16, 12, 16, 12, 32, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(0, ioasid_arm64_bind(&cfg, 0, 0xfffff000ULL, 0xfffff000ULL));
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, 0x100000000ULL, 0));
}

/* Leaf sizes -------------------------------------------------------------- */

static const u64 offsets[] = { 0, 1, 8, 0x7ff, 0xff8, 0xfff, 0x1000, 0x3fff,
			       0x4000, 0xffff, 0x12345, 0x1fffff, 0x200000,
			       0x1234567, 0x1ffffff, 0x1fffffff, 0x3fffffff };

static void check_leaf(struct __test_metadata *_metadata, struct pt *pt,
		       u64 iova, unsigned int level, u64 out)
{
	const struct ioasid_arm64_half *h = half_of(pt, iova);
	u64 size = lsize(h->granule, level);
	struct ioasid_pt_result r;
	unsigned int i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		if (offsets[i] >= size)
			continue;
		ASSERT_EQ(0, walk(pt, iova + offsets[i], R_, &r));
		EXPECT_EQ(out + offsets[i], r.out);
		EXPECT_EQ(size, r.page_size);
		EXPECT_EQ(PT_R | PT_W | IOASID_PT_UX, r.perm);
		EXPECT_EQ(0, r.maybe);
		EXPECT_EQ(0, r.fault_reason);
		EXPECT_EQ(0, r.fault_level);
		/* One read per level on the way, none twice. */
		EXPECT_EQ(h->levels - level + 1, pt->m.reads);
		EXPECT_EQ(0, pt->m.cmpxchgs);
	}
}

/* Which levels have leaves: the granule's pages, and its blocks. */
static bool leaf_level(unsigned int g, unsigned int level)
{
	return level == 1 || level == 2 || (g == 12 && level == 3);
}

/*
 * Every leaf size at every level each granule allows, in both halves,
 * at the widest and some narrower input sizes (so at every starting level).
 */
TEST_F(walker, leaves_every_size_level_half)
{
	static const unsigned int tszs[] = { 16, 20, 25, 28, 33, 36, 39 };
	unsigned int a, t, i, level;
	u64 iova, out;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		for (t = 0; t < sizeof(tszs) / sizeof(tszs[0]); t++) {
			for (level = 1; level <= 4; level++) {
				if (!leaf_level(g, level) ||
				    level > expect_levels(tszs[t], g))
					continue;
				pt_setup(&self->pt, 0, tszs[t], g, tszs[t], g, 48, 0);
				for (i = 0; i < 2; i++) {
					u64 size = lsize(g, level);
					u64 span = 1ULL << (64 - tszs[t]);

					/* The last leaf of the half, and one in the middle. */
					iova = hbase(&self->pt, i) + span - size;
					out = (0x876543210000ULL & ~(size - 1)) % (1ULL << 47);
					pt_map(&self->pt, iova, level, out, AP1, 0);
					check_leaf(_metadata, &self->pt, iova, level, out);
					iova = hbase(&self->pt, i) + (span / 2 & ~(size - 1));
					if (iova == hbase(&self->pt, i) + span - size)
						continue;
					pt_map(&self->pt, iova, level, out + size * (level == 1),
					       AP1, 0);
					check_leaf(_metadata, &self->pt, iova, level,
						   out + size * (level == 1));
				}
			}
		}
	}
}

/* Mixed granules: TTB0 with 64K, TTB1 with 4K, different sizes. */
TEST_F(walker, halves_with_different_granules)
{
	u64 lo = 0x123450000ULL, hi = 0xffffff8012345000ULL;

	pt_setup(&self->pt, 0, 22, 16, 25, 12, 44, 0);
	EXPECT_EQ(2, self->pt.cfg.half[0].levels);
	EXPECT_EQ(3, self->pt.cfg.half[1].levels);
	pt_map(&self->pt, lo, 1, 0xabcd0000ULL, AP1, 0);
	pt_map(&self->pt, hi, 2, 0x40000000ULL, AP1, 0);
	check_leaf(_metadata, &self->pt, lo, 1, 0xabcd0000ULL);
	check_leaf(_metadata, &self->pt, hi & ~(SZ_2M - 1), 2, 0x40000000ULL);
	/* The 4K half's sizes and the 64K half's do not mix. */
	pt_map(&self->pt, 0x20000000ULL, 2, 0x20000000ULL, AP1, 0);
	EXPECT_XLATE(0x20000123ULL, SZ_512M, 0x20000123ULL, R_);
}

/* Blocks where the granule (or the declared sizes) has none: reserved. */
TEST_F(walker, blocks_where_none_are_reserved)
{
	unsigned int a, level;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		for (level = 2; level <= 4; level++) {
			pt_simple(&self->pt, 0, g);
			if (level > self->pt.cfg.half[0].levels)
				continue;
			pt_map(&self->pt, 0, level, 0, AP1, 0);
			if (leaf_level(g, level))
				EXPECT_XLATE(0x10, lsize(g, level), 0x10, R_);
			else
				EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0x10, R_);
		}
	}
	/* 4K: a block of an undeclared size. */
	pt_setup(&self->pt, 0, 16, 12, 16, 12, 48, SZ_4K | SZ_1G);
	pt_map(&self->pt, 0, 2, 0, AP1, 0);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0, R_);
	pt_map(&self->pt, 1ULL << 31, 3, 0, AP1, 0);
	EXPECT_XLATE(5, SZ_1G, (1ULL << 31) + 5, R_);
	pt_setup(&self->pt, 0, 16, 12, 16, 12, 48, SZ_4K | SZ_2M);
	pt_map(&self->pt, 1ULL << 31, 3, 0, AP1, 0);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 1ULL << 31, R_);
	/* 16K and 64K with only pages declared. */
	pt_setup(&self->pt, 0, 16, 14, 16, 16, 48, SZ_16K | SZ_64K);
	pt_map(&self->pt, 0, 2, 0, AP1, 0);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0, R_);
	pt_map(&self->pt, ~0ULL, 2, 0, AP1, 0);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, ~0ULL, R_);
}

/* At the last level, bit 1 clear with bit 0 set is reserved. */
TEST_F(walker, last_level_block_encoding_is_reserved)
{
	unsigned int a;
	u64 e;

	for (a = 0; a < 3; a++) {
		pt_simple(&self->pt, 0, granules[a]);
		e = pt_map(&self->pt, 0x40000ULL, 1, 0x40000ULL, AP1, 0);
		EXPECT_XLATE(0x40001ULL, lsize(granules[a], 1), 0x40001ULL, R_);
		pt_andn(&self->pt, e, T);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x40001ULL, R_);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x40001ULL, W_ | PRIV);
	}
}

/* Output bits below the leaf's size (misaligned blocks, pages). */
TEST_F(walker, misaligned_leaves_are_reserved)
{
	unsigned int a, level, bit;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		for (level = 1; level <= 3; level++) {
			if (!leaf_level(g, level))
				continue;
			pt_simple(&self->pt, 0, g);
			for (bit = 12; bit < gshift(g, level); bit++) {
				u64 e = pt_map(&self->pt, 0, level, 1ULL << 40, AP1, 0);

				EXPECT_XLATE(1ULL << 40, lsize(g, level), 0, R_);
				pt_or(&self->pt, e, 1ULL << bit);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0, R_);
			}
		}
	}
}

/* Output bits from oas_bits to 47, 49:48 of leaves, 51:48 of tables. */
TEST_F(walker, wide_output_addresses_are_reserved)
{
	static const u32 oas[] = { 32, 36, 40, 42, 44, 48 };
	unsigned int i, bit, level;
	u64 e;

	for (i = 0; i < sizeof(oas) / sizeof(oas[0]); i++) {
		pt_setup(&self->pt, 0, 16, 12, 16, 12, oas[i], 0);
		e = pt_map(&self->pt, 0x5000, 1, (1ULL << oas[i]) - SZ_4K, AP1, 0);
		EXPECT_XLATE((1ULL << oas[i]) - SZ_4K + 7, SZ_4K, 0x5007, R_);
		for (bit = oas[i]; bit < 50; bit++) {
			pt_or(&self->pt, e, 1ULL << bit);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x5007, R_);
			pt_andn(&self->pt, e, 1ULL << bit);
		}
		for (level = 2; level <= 4; level++) {
			e = pt_entry(&self->pt, 0x5000, level);
			for (bit = oas[i]; bit < 52; bit++) {
				pt_or(&self->pt, e, 1ULL << bit);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0x5007, R_);
				pt_andn(&self->pt, e, 1ULL << bit);
			}
		}
		EXPECT_XLATE((1ULL << oas[i]) - SZ_4K + 7, SZ_4K, 0x5007, R_);
	}
	/* Table address bits below a 16K or 64K granule. */
	for (i = 1; i < 3; i++) {
		unsigned int g = granules[i];

		pt_simple(&self->pt, 0, g);
		pt_map(&self->pt, 0, 1, 0, AP1, 0);
		e = pt_entry(&self->pt, 0, 2);
		for (bit = 12; bit < g; bit++) {
			pt_or(&self->pt, e, 1ULL << bit);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0, R_);
			pt_andn(&self->pt, e, 1ULL << bit);
		}
		EXPECT_XLATE(0, 1ULL << g, 0, R_);
	}
}

/* What the walker must not look at. */
TEST_F(walker, ignored_bits_are_ignored)
{
	/* Leaves: attributes, contiguous hint, GP, software, PBHA. */
	static const u64 leaf_ign = 0x3cULL | 0x300ULL | 0x800ULL |
				    (1ULL << 50) | CONT | (0xfULL << 55) |
				    (0xfULL << 59) | (1ULL << 63);
	/* Tables: 11:2, 58:52, NSTable. */
	static const u64 table_ign = 0xffcULL | (0x7fULL << 52) | (1ULL << 63);
	unsigned int a, level;
	u64 e;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		pt_simple(&self->pt, 0, g);
		e = pt_map(&self->pt, 0x10000000ULL, 1, 0x20000000ULL, AP1 | leaf_ign, 0);
		EXPECT_XLATE(0x20000008ULL, 1ULL << g, 0x10000008ULL, R_);
		EXPECT_XLATE(0x20000008ULL, 1ULL << g, 0x10000008ULL, W_);
		for (level = 2; level <= self->pt.cfg.half[0].levels; level++)
			pt_or(&self->pt, pt_entry(&self->pt, 0x10000000ULL, level), table_ign);
		EXPECT_XLATE(0x20000008ULL, 1ULL << g, 0x10000008ULL, W_);
		EXPECT_XLATE(0x20000008ULL, 1ULL << g, 0x10000008ULL, X_);
		/* DBM without HD: ignored, AP[2] still read-only. */
		pt_or(&self->pt, e, DBM | AP2);
		EXPECT_XLATE(0x20000008ULL, 1ULL << g, 0x10000008ULL, R_);
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x10000008ULL, W_);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
	}
}

TEST_F(walker, not_present_at_each_level)
{
	unsigned int a, level, i;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		for (i = 0; i < 2; i++) {
			u64 iova = i ? ~0ULL - 0x1234567ULL : 0x1234567ULL;

			pt_simple(&self->pt, 0, g);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT,
				     self->pt.cfg.half[i].levels, iova, R_);
			EXPECT_EQ(1, self->pt.m.reads);
			pt_map(&self->pt, iova, 1, 0x7000000ULL, AP1, 0);
			for (level = 1; level <= self->pt.cfg.half[i].levels; level++) {
				u64 e = pt_entry(&self->pt, iova, level);
				u64 old = wmem_get(&self->pt.m, e);

				/* Only bit 0 says valid: the rest may be anything. */
				wmem_set(&self->pt.m, e, ~V);
				EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, level, iova, R_ | PRIV);
				EXPECT_EQ(self->pt.cfg.half[i].levels - level + 1,
					  self->pt.m.reads);
				wmem_set(&self->pt.m, e, old);
			}
		}
	}
}

/* Halves, input sizes, TBI and EPD --------------------------------------- */

TEST_F(walker, halves_and_input_sizes)
{
	static const unsigned int tszs[] = { 16, 17, 25, 32, 39 };
	unsigned int t, a, bit;

	for (a = 0; a < 3; a++) {
		for (t = 0; t < sizeof(tszs) / sizeof(tszs[0]); t++) {
			unsigned int g = granules[a], tsz = tszs[t];
			unsigned int ia = 64 - tsz;
			unsigned int l0 = expect_levels(tsz, g);
			unsigned int l1 = expect_levels(16, 12);
			u64 top0 = (1ULL << ia) - 1;

			pt_setup(&self->pt, 0, tsz, g, 16, 12, 48, 0);
			/* The first and last addresses of both halves. */
			pt_map(&self->pt, 0, 1, 0x100000, AP1, 0);
			pt_map(&self->pt, top0, 1, 0x200000, AP1, 0);
			pt_map(&self->pt, ~0ULL, 1, 0x300000, AP1, 0);
			pt_map(&self->pt, -(1ULL << 48), 1, 0x400000, AP1, 0);
			EXPECT_XLATE(0x100000, 1ULL << g, 0, R_);
			EXPECT_XLATE(0x200000 + (top0 & ((1ULL << g) - 1)), 1ULL << g, top0, R_);
			EXPECT_XLATE(0x300fff, SZ_4K, ~0ULL, R_);
			EXPECT_XLATE(0x400000, SZ_4K, -(1ULL << 48), R_);
			/* Any bit from the input size to 63: outside. */
			for (bit = ia; bit < 64; bit++) {
				u64 iova = 1ULL << bit;

				EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL,
					     bit == 55 ? l1 : l0, iova, R_);
				EXPECT_EQ(0, self->pt.m.reads);
				iova = top0 | 1ULL << bit;
				EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL,
					     bit == 55 ? l1 : l0, iova, R_);
			}
			/* Bit 55 selects TTB1: any other bit from 48 clear is outside. */
			for (bit = 48; bit < 64; bit++) {
				if (bit == 55)
					continue;
				EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, l1,
					     ~0ULL & ~(1ULL << bit), R_);
				EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, l1,
					     (1ULL << 55), R_);
			}
			/* The smaller TTB1 half. */
			pt_setup(&self->pt, 0, 16, 12, tsz, g, 48, 0);
			pt_map(&self->pt, -(1ULL << ia), 1, 0x500000, AP1, 0);
			EXPECT_XLATE(0x500000, 1ULL << g, -(1ULL << ia), R_);
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, l0,
				     -(1ULL << ia) - 1, R_);
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, l0,
				     -(1ULL << ia) ^ (1ULL << 63), R_);
		}
	}
}

TEST_F(walker, top_byte_ignore)
{
	unsigned int tag, i;
	u32 flags;

	for (flags = 0; flags <= (TBI0 | TBI1); flags += TBI0) {
		pt_setup(&self->pt, flags, 39, 12, 39, 12, 40, 0);
		pt_map(&self->pt, 0x1234000ULL, 1, 0x10000, AP1, 0);
		pt_map(&self->pt, -(1ULL << 25) + 0x5000, 1, 0x20000, AP1, 0);
		for (tag = 0; tag < 256; tag++) {
			u64 t = (u64)tag << 56;

			for (i = 0; i < 2; i++) {
				u64 iova = i ? (-(1ULL << 25) + 0x5008) & ~(0xffULL << 56)
					     : 0x1234008ULL;
				bool tbi = flags & (i ? TBI1 : TBI0);
				bool plain = tag == (i ? 0xff : 0);

				iova |= t;
				if (tbi || plain)
					EXPECT_XLATE(i ? 0x20008 : 0x10008, SZ_4K, iova, R_);
				else
					EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, 2, iova, R_);
				/* Bits 54:25 are checked all the same. */
				EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, 2,
					     iova ^ (1ULL << 45), R_);
			}
		}
	}
}

TEST_F(walker, disabled_halves)
{
	unsigned int a;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		pt_setup(&self->pt, EPD0, 16, g, 30, 12, 48, 0);
		EXPECT_EQ(0, self->pt.cfg.half[0].root);
		pt_map(&self->pt, ~0ULL, 1, 0x300000, AP1, 0);
		EXPECT_XLATE(0x300fff, SZ_4K, ~0ULL, R_);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, expect_levels(16, g), 0, R_);
		EXPECT_EQ(0, self->pt.m.reads);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, expect_levels(16, g),
			     0xffffffffffffULL, W_ | PRIV);
		/* Outside the half comes first. */
		EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, expect_levels(16, g),
			     1ULL << 48, R_);

		pt_setup(&self->pt, EPD1, 30, 12, 16, g, 48, 0);
		pt_map(&self->pt, 0, 1, 0x300000, AP1, 0);
		EXPECT_XLATE(0x300000, SZ_4K, 0, R_);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, expect_levels(16, g), ~0ULL, R_);
		EXPECT_EQ(0, self->pt.m.reads);
		EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, expect_levels(16, g),
			     1ULL << 55, R_);

		pt_setup(&self->pt, EPD0 | EPD1 | TBI0 | TBI1, 16, g, 16, g, 48, 0);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, expect_levels(16, g),
			     0xab00000000001000ULL, R_);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, expect_levels(16, g),
			     0x00ff000000001000ULL, R_);
		EXPECT_EQ(0, self->pt.m.reads);
	}
}

/* Small top tables at their minimum alignment, indexed within their size. */
TEST_F(walker, small_top_tables)
{
	struct ioasid_arm64_cfg cfg;
	struct ioasid_format_arm64 d;
	u64 t0, t1, e;

	/* 16K, 48 bits: a 2-entry level-4 table; 4K, 25 bits: 16 entries. */
	d = mkdesc(0, 16, 14, 39, 12, 48, 0);
	ASSERT_EQ(0, ioasid_arm64_config(&cfg, &d));
	EXPECT_EQ(4, cfg.half[0].levels);
	EXPECT_EQ(2, cfg.half[1].levels);
	memset(self->pt.m.buf, 0, wmem_size(&self->pt.m));
	self->pt.next = BASE;
	t0 = BASE + 0x40;	/* 16 bytes, aligned to 64 */
	t1 = BASE + 0x80;	/* 128 bytes */
	self->pt.next = BASE + 0x100;
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, BASE + 0x20, t1));
	EXPECT_EQ(-EINVAL, ioasid_arm64_bind(&cfg, 0, t0, BASE + 0x40));
	ASSERT_EQ(0, ioasid_arm64_bind(&cfg, 0, t0, t1));
	self->pt.cfg = cfg;
	pt_map(&self->pt, 0xffffffffc000ULL, 1, 0x44000, AP1, 0);
	pt_map(&self->pt, 0, 1, 0x48000, AP1, 0);
	pt_map(&self->pt, ~0ULL, 2, 0x1000000, AP1, 0);
	pt_map(&self->pt, -(1ULL << 25), 1, 0x9000, AP1, 0);
	EXPECT_EQ(t0 + 8, pt_entry(&self->pt, 0xffffffffffffULL, 4));
	EXPECT_EQ(t1 + 120, pt_entry(&self->pt, ~0ULL, 2));
	EXPECT_XLATE(0x47fffULL, SZ_16K, 0xffffffffffffULL, R_);
	EXPECT_XLATE(0x48000ULL, SZ_16K, 0, R_);
	EXPECT_XLATE(0x11fffffULL, SZ_2M, ~0ULL, R_);
	EXPECT_XLATE(0x9fffULL, SZ_4K, -(1ULL << 25) + 0xfff, R_);
	/* Nothing outside the small tables is read: the next byte is poison. */
	e = wmem_get(&self->pt.m, t0 + 16);
	EXPECT_EQ(0, e);
	wmem_set(&self->pt.m, t0 + 16, ~0ULL);
	EXPECT_XLATE(0x48000ULL, SZ_16K, 0, R_);
}

/* Permissions ------------------------------------------------------------ */

/*
 * What the Arm ARM grants (AArch64.S1DirectBasePermissions): AP[2:1] to
 * (pr, pw, ur, uw), then APTable: 01 takes EL0 away, 10 writes, 11 both;
 * execute: UXN/UXNTable; PXN/PXNTable, or writable at EL0.
 */
static u32 arm_expect(u64 leaf, u64 table)
{
	static const bool ap_perm[4][4] = {	/* pr, pw, ur, uw */
		{ 1, 1, 0, 0 }, { 1, 1, 1, 1 }, { 1, 0, 0, 0 }, { 1, 0, 1, 0 },
	};
	unsigned int ap = (leaf >> 6) & 3, apt = (table >> 61) & 3;
	bool pr = ap_perm[ap][0], pw = ap_perm[ap][1];
	bool ur = ap_perm[ap][2], uw = ap_perm[ap][3];
	bool ux, px;
	u32 perm = 0;

	if (apt == 1 || apt == 3)
		ur = uw = false;
	if (apt == 2 || apt == 3)
		pw = uw = false;
	ux = !(leaf & UXN) && !(table & UXNT);
	px = !(leaf & PXN) && !(table & PXNT) && !uw;
	perm |= pr ? IOASID_PT_SR : 0;
	perm |= pw ? IOASID_PT_SW : 0;
	perm |= ur ? IOASID_PT_UR : 0;
	perm |= uw ? IOASID_PT_UW : 0;
	perm |= ux ? IOASID_PT_UX : 0;
	perm |= px ? IOASID_PT_SX : 0;
	return perm;
}

static const u32 accesses[] = {
	R_, W_, X_, R_ | PRIV, W_ | PRIV, X_ | PRIV,
};

/*
 * Every combination of AP[2:1], PXN, UXN in the leaf and APTable,
 * PXNTable, UXNTable in one table level (the top, the middle, or split
 * over levels), for every request.
 */
static void check_permissions(struct __test_metadata *_metadata, struct pt *pt,
			      unsigned int level)
{
	static const u64 tbits[] = { APT0, APT1, PXNT, UXNT };
	const u64 iova = 0x4000000000ULL;
	struct ioasid_pt_result r;
	unsigned int lc, tc, a, levels = pt->cfg.half[0].levels, spread;
	u64 leaf, table, e;
	int ret;

	for (lc = 0; lc < 16; lc++) {
		leaf = (lc & 1 ? AP1 : 0) | (lc & 2 ? AP2 : 0) |
		       (lc & 4 ? PXN : 0) | (lc & 8 ? UXN : 0);
		for (tc = 0; tc < 16; tc++) {
			table = (tc & 1 ? APT0 : 0) | (tc & 2 ? APT1 : 0) |
				(tc & 4 ? PXNT : 0) | (tc & 8 ? UXNT : 0);
			for (spread = 0; spread < 2; spread++) {
				unsigned int b, l;

				pt_map(pt, iova, level, 1ULL << 31, leaf, 0);
				/* All in the top table, or bit b at level b. */
				for (b = 0; b < 4; b++) {
					if (!(table & tbits[b]))
						continue;
					l = spread ? level + 1 + b % (levels - level) : levels;
					e = pt_entry(pt, iova, l);
					pt_or(pt, e, tbits[b]);
				}
				for (a = 0; a < sizeof(accesses) / sizeof(accesses[0]); a++) {
					u32 want = arm_expect(leaf, table);

					ret = walk(pt, iova + 0x18, accesses[a], &r);
					EXPECT_EQ(want, r.perm);
					EXPECT_EQ(0, r.maybe);
					if (ioasid_pt_permits(want, accesses[a])) {
						EXPECT_EQ(0, ret);
						EXPECT_EQ((1ULL << 31) + 0x18, r.out);
					} else {
						EXPECT_EQ(IOASID_FAULT_PERMISSION, ret);
						EXPECT_EQ(level, r.fault_level);
						EXPECT_EQ(0, r.out);
					}
					EXPECT_EQ(0, pt->m.cmpxchgs);
				}
				/* Clear the table bits again. */
				for (l = level + 1; l <= levels; l++)
					pt_andn(pt, pt_entry(pt, iova, l),
						APT0 | APT1 | PXNT | UXNT);
			}
		}
	}
}

TEST_F(walker, permissions_4k_page)
{
	pt_simple(&self->pt, 0, 12);
	check_permissions(_metadata, &self->pt, 1);
}

TEST_F(walker, permissions_4k_blocks)
{
	pt_simple(&self->pt, 0, 12);
	check_permissions(_metadata, &self->pt, 2);
	pt_simple(&self->pt, 0, 12);
	check_permissions(_metadata, &self->pt, 3);
}

TEST_F(walker, permissions_16k_64k)
{
	pt_simple(&self->pt, 0, 14);
	check_permissions(_metadata, &self->pt, 1);
	pt_simple(&self->pt, 0, 16);
	check_permissions(_metadata, &self->pt, 2);
}

/* A few by hand, as the Arm ARM states them. */
TEST_F(walker, permissions_by_hand)
{
	struct ioasid_pt_result r;
	u64 e, t;

	pt_simple(&self->pt, 0, 12);
	e = pt_map(&self->pt, 0x1000, 1, 0x9000, 0, 0);
	t = pt_entry(&self->pt, 0x1000, 2);
	/* AP 00: privileged read/write/execute only. */
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, R_ | PRIV);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, W_ | PRIV);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, X_ | PRIV);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	/* Execute-only for EL0: UX granted, but an EXEC request reads too. */
	walk(&self->pt, 0x1000, X_, &r);
	EXPECT_EQ(IOASID_PT_SR | IOASID_PT_SW | IOASID_PT_SX | IOASID_PT_UX, r.perm);
	/* AP 01: everyone writes; privileged never executes it. */
	pt_or(&self->pt, e, AP1);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, W_);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, X_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);
	/* APTable[1] makes it read-only: then privileged may execute again. */
	pt_or(&self->pt, t, APT1);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_ | PRIV);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, X_ | PRIV);
	/* APTable[0]: nothing for EL0, which also lifts the implicit PXN. */
	pt_andn(&self->pt, t, APT1);
	pt_or(&self->pt, t, APT0);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, X_ | PRIV);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, W_ | PRIV);
	/* UXNTable/PXNTable at the top. */
	pt_andn(&self->pt, t, APT0);
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 4), UXNT);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_);
	pt_andn(&self->pt, e, AP1);
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 4), PXNT);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, W_ | PRIV);
	/* Leaf bits 59-62 are not table bits: ignored in a leaf. */
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 4), UXNT | PXNT);
	pt_or(&self->pt, e, AP1 | APT0 | APT1 | PXNT | UXNT);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, W_);
	EXPECT_XLATE(0x9000, SZ_4K, 0x1000, X_);
}

/* Access flag and dirty state -------------------------------------------- */

TEST_F(walker, af_clear_faults_without_ha)
{
	unsigned int a, level;
	u64 e;

	for (a = 0; a < 3; a++) {
		for (level = 1; level <= 2; level++) {
			pt_simple(&self->pt, 0, granules[a]);
			e = pt_map(&self->pt, 0x40000000ULL, level, 0x40000000ULL, 0, 0);
			pt_andn(&self->pt, e, AF);
			/* Before permissions: also for what would be refused. */
			EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, level, 0x40000000ULL, R_);
			EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, level, 0x40000000ULL, W_ | PRIV);
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			EXPECT_EQ(0x40000000ULL | V | (level == 1 ? T : 0),
				  wmem_get(&self->pt.m, e));
			/* A reserved encoding comes before. */
			pt_or(&self->pt, e, 1ULL << 48);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0x40000000ULL, R_);
		}
	}
}

TEST_F(walker, ha_sets_af_once_on_success)
{
	struct ioasid_pt_result r;
	unsigned int a;
	u64 e, t;

	for (a = 0; a < 3; a++) {
		pt_simple(&self->pt, HA, granules[a]);
		e = pt_map(&self->pt, 0x40000000ULL, 1, 0x40000000ULL, 0, 0);
		t = pt_entry(&self->pt, 0x40000000ULL, 2);
		pt_andn(&self->pt, e, AF);
		/* A refused request sets nothing. */
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x40000000ULL, R_);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		EXPECT_EQ(0, wmem_get(&self->pt.m, e) & AF);
		/* The first use sets AF in the leaf only. */
		EXPECT_XLATE(0x40000000ULL, 1ULL << granules[a], 0x40000000ULL, R_ | PRIV);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);
		EXPECT_EQ(0x40000000ULL | V | T | AF, wmem_get(&self->pt.m, e));
		EXPECT_EQ(0, wmem_get(&self->pt.m, t) & AF);
		/* Then nothing more. */
		walk(&self->pt, 0x40000000ULL, W_ | PRIV, &r);
		EXPECT_EQ(0, r.fault_reason);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
	}
}

TEST_F(walker, ha_update_failures)
{
	u64 e;

	pt_simple(&self->pt, HA, 12);
	e = pt_map(&self->pt, 0x1000, 1, 0x2000, AP1, 0);
	pt_andn(&self->pt, e, AF);
	/* The parent does not let the table be written. */
	self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
	EXPECT_EQ(1, self->pt.m.cmpxchgs);
	/* A reason the io gives passes; anything else is AD_UPDATE. */
	self->pt.m.cmpxchg_fail = IOASID_FAULT_WALK_LIMIT;
	EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 1, 0x1000, R_);
	self->pt.m.cmpxchg_fail = 1000;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
	self->pt.m.cmpxchg_fail = 0;
	EXPECT_EQ(0, wmem_get(&self->pt.m, e) & AF);
	/* Racing changes restart the walk, which reads everything again. */
	self->pt.m.races = 3;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
	EXPECT_EQ(3, self->pt.m.races_done);
	EXPECT_EQ(4, self->pt.m.cmpxchgs);
	EXPECT_EQ(16, self->pt.m.reads);
	EXPECT_EQ(AF | (1ULL << 52), wmem_get(&self->pt.m, e) & (AF | (1ULL << 52)));
	/* For good: given up after 8 attempts. */
	pt_andn(&self->pt, e, AF);
	self->pt.m.races = 100;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
	EXPECT_EQ(8, self->pt.m.cmpxchgs);
	EXPECT_EQ(32, self->pt.m.reads);
	self->pt.m.races = 0;
}

/* A change seen by the retry decides: a leaf made invalid faults. */
TEST_F(walker, ha_race_sees_the_new_value)
{
	u64 e;

	pt_simple(&self->pt, HA, 12);
	e = pt_map(&self->pt, 0x1000, 1, 0x2000, AP1, 0);
	pt_andn(&self->pt, e, AF);
	self->pt.m.races = 1;
	self->pt.m.race_bits = V;
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x1000, R_);
	self->pt.m.race_bits = AP1;
	pt_or(&self->pt, e, V);
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_EQ(1, self->pt.m.cmpxchgs);
}

TEST_F(walker, hd_writable_clean)
{
	struct ioasid_pt_result r;
	unsigned int a;
	u64 e, t;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		pt_simple(&self->pt, HA | HD, g);
		/* AP 11 with DBM: read-only for now, writable by a write. */
		e = pt_map(&self->pt, 0x40000000ULL, 2, 0x40000000ULL, AP1 | AP2 | DBM, 0);
		pt_andn(&self->pt, e, AF);
		ASSERT_EQ(0, walk(&self->pt, 0x40000000ULL, R_, &r));
		EXPECT_EQ(PT_R | PT_X, r.perm);
		EXPECT_EQ(PT_W, r.maybe);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);	/* AF */
		EXPECT_EQ(AF | AP2, wmem_get(&self->pt.m, e) & (AF | AP2));
		/* The write clears AP[2]: writable by EL0, so not SX. */
		ASSERT_EQ(0, walk(&self->pt, 0x40000000ULL, W_, &r));
		EXPECT_EQ(PT_R | PT_W | IOASID_PT_UX, r.perm);
		EXPECT_EQ(0, r.maybe);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);
		EXPECT_EQ(0x40000000ULL | V | AF | AP1 | DBM, wmem_get(&self->pt.m, e));
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 2, 0x40000000ULL, X_ | PRIV);
		/* AF and AP[2] in one update. */
		wmem_set(&self->pt.m, e, 0x40000000ULL | V | AP1 | AP2 | DBM);
		EXPECT_XLATE(0x40000000ULL, lsize(g, 2), 0x40000000ULL, W_ | PRIV);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);
		EXPECT_EQ(0x40000000ULL | V | AF | AP1 | DBM, wmem_get(&self->pt.m, e));
		/* AP 10 with DBM: EL0 cannot write, so it changes nothing. */
		wmem_set(&self->pt.m, e, 0x40000000ULL | V | AF | AP2 | DBM);
		walk(&self->pt, 0x40000000ULL, W_, &r);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, r.fault_reason);
		EXPECT_EQ(IOASID_PT_SR | IOASID_PT_UX | IOASID_PT_SX, r.perm);
		EXPECT_EQ(IOASID_PT_SW, r.maybe);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		EXPECT_XLATE(0x40000000ULL, lsize(g, 2), 0x40000000ULL, W_ | PRIV);
		EXPECT_EQ(0x40000000ULL | V | AF | DBM, wmem_get(&self->pt.m, e));
		/* APTable[1] wins over DBM: no write, no maybe. */
		wmem_set(&self->pt.m, e, 0x40000000ULL | V | AF | AP1 | AP2 | DBM);
		t = pt_entry(&self->pt, 0x40000000ULL, 3);
		pt_or(&self->pt, t, APT1);
		walk(&self->pt, 0x40000000ULL, R_, &r);
		EXPECT_EQ(0, r.maybe);
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 2, 0x40000000ULL, W_ | PRIV);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		pt_andn(&self->pt, t, APT1);
		/* Without DBM, AP[2] is read-only. */
		pt_andn(&self->pt, e, DBM);
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 2, 0x40000000ULL, W_ | PRIV);
		/* Writable-dirty: nothing to do. */
		wmem_set(&self->pt.m, e, 0x40000000ULL | V | AF | AP1 | DBM);
		EXPECT_XLATE(0x40000000ULL, lsize(g, 2), 0x40000000ULL, W_);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
	}
}

TEST_F(walker, hd_update_failures)
{
	u64 e;

	pt_simple(&self->pt, HA | HD, 12);
	e = pt_map(&self->pt, 0x1000, 1, 0x2000, AP1 | AP2 | DBM, 0);
	self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);	/* nothing to update */
	self->pt.m.cmpxchg_fail = 0;
	EXPECT_EQ(AP2, wmem_get(&self->pt.m, e) & AP2);
	/* A concurrent change to the leaf: the walk starts again. */
	self->pt.m.races = 2;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, W_);
	EXPECT_EQ(3, self->pt.m.cmpxchgs);
	EXPECT_EQ(0, wmem_get(&self->pt.m, e) & AP2);
	/* Another agent cleaned it between the read and the update. */
	pt_or(&self->pt, e, AP2);
	self->pt.m.races = 1;
	self->pt.m.race_bits = AP2;	/* dirty behind our back */
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, W_);
	EXPECT_EQ(1, self->pt.m.cmpxchgs);
	EXPECT_EQ(8, self->pt.m.reads);
}

/* Malformed tables ------------------------------------------------------- */

TEST_F(walker, tables_pointing_at_themselves)
{
	unsigned int a, level;
	u64 root, i;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];

		/* A granule-sized top table (tsz chosen so) pointing at itself. */
		pt_setup(&self->pt, 0, g == 12 ? 16 : g == 14 ? 17 : 22, g, 16, g,
			 48, 0);
		root = self->pt.cfg.half[0].root;
		level = self->pt.cfg.half[0].levels;
		for (i = 0; i < 8; i++)
			wmem_set(&self->pt.m, root + 8 * i, root | V | T | AF);
		/* At level 1 the table descriptor is a page of the table. */
		EXPECT_XLATE(root + 0x10, 1ULL << g, 0x10, R_ | PRIV);
		EXPECT_EQ(level, self->pt.m.reads);
		/* The walk ends on any table: every read once a level. */
		/* A block at the top: none there, or a misaligned one. */
		wmem_set(&self->pt.m, root, root | V | AF);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0x10, R_ | PRIV);
		EXPECT_EQ(1, self->pt.m.reads);
	}
}

TEST_F(walker, table_outside_the_parent_memory)
{
	unsigned int level;
	u64 e;

	self->outside_ok = true;
	pt_simple(&self->pt, 0, 12);
	pt_map(&self->pt, 0x1000, 1, 0x2000, AP1, 0);
	for (level = 2; level <= 4; level++) {
		u64 old;

		e = pt_entry(&self->pt, 0x1000, level);
		old = wmem_get(&self->pt.m, e);

		wmem_set(&self->pt.m, e, (old & ~OA) | 0x7ffff000000ULL);
		EXPECT_FAULT(IOASID_FAULT_TABLE, level - 1, 0x1000, R_);
		wmem_set(&self->pt.m, e, old);
	}
	/* A root outside. */
	self->pt.cfg.half[1].root = 0x40000000ULL;
	EXPECT_FAULT(IOASID_FAULT_TABLE, 4, ~0ULL, R_);
	EXPECT_EQ(1, self->pt.m.reads);
}

TEST_F(walker, read_fault_reasons_pass_through)
{
	unsigned int n;

	pt_simple(&self->pt, 0, 12);
	pt_map(&self->pt, 0x1000, 1, 0x2000, AP1, 0);
	for (n = 1; n <= 4; n++) {
		self->pt.m.read_fail_at = n;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = -12;	/* not a reason: TABLE */
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = 200;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
	}
	self->pt.m.read_fail_at = 0;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
}

/* A cfg ioasid_arm64_config() would not make: reserved, at level 0. */
TEST_F(walker, invalid_configuration)
{
	struct ioasid_arm64_cfg good;

	pt_simple(&self->pt, 0, 12);
	pt_map(&self->pt, 0x1000, 1, 0x2000, AP1, 0);
	good = self->pt.cfg;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
#define BAD(stmt)							\
	do {								\
		self->pt.cfg = good;					\
		stmt;							\
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 0, 0x1000, R_);	\
		EXPECT_EQ(0, self->pt.m.reads);				\
	} while (0)
	BAD(self->pt.cfg.half[0].tsz = 15);
	BAD(self->pt.cfg.half[1].tsz = 40);
	BAD(self->pt.cfg.half[0].granule = 13);
	BAD(self->pt.cfg.half[1].levels = 3);
	BAD(self->pt.cfg.half[0].root |= 8);
	BAD(self->pt.cfg.half[1].root = 1ULL << 48);
	BAD(self->pt.cfg.oas_bits = 52);
	BAD(self->pt.cfg.oas_bits = 33);
	BAD(self->pt.cfg.flags |= IOASID_ARM64_BIG_ENDIAN);
	BAD(self->pt.cfg.flags |= HD);
	BAD(self->pt.cfg.pgsize_bitmap = SZ_2M | SZ_1G);
	BAD(self->pt.cfg.pgsize_bitmap |= SZ_64K);
#undef BAD
	/* A disabled half's root is not used. */
	self->pt.cfg = good;
	self->pt.cfg.flags |= EPD1;
	self->pt.cfg.half[1].root = 3;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
}

/* Iteration -------------------------------------------------------------- */

#define MAX_ITEMS	4096

#include "walker_items.h"

static int iterate(struct pt *pt, u64 start, u64 last, struct items *s)
{
	struct ioasid_pt_io io = wmem_io(&pt->m);

	pt->m.reads = 0;
	pt->m.cmpxchgs = 0;
	s->n = 0;
	s->calls = 0;
	s->disorder = 0;
	s->faults = 0;
	memset(s->it, 0xa5, sizeof(s->it));
	return ioasid_arm64_iterate(&pt->cfg, start, last, &io, collect, s);
}

/*
 * Every item agrees with walks of its first and last address, and of a
 * write walk for @maybe (the walks change nothing: the memory is put back).
 */
static void check_items(struct __test_metadata *_metadata, struct pt *pt,
			const struct items *s)
{
	u64 *copy = malloc(wmem_size(&pt->m));
	struct ioasid_pt_result r;
	unsigned int i, e;
	int ret;

	ASSERT_NE(NULL, copy);
	EXPECT_EQ(0, s->disorder);
	memcpy(copy, pt->m.buf, wmem_size(&pt->m));
	for (i = 0; i < s->n; i++) {
		const struct ioasid_pt_leaf *l = &s->it[i];

		for (e = 0; e < 2; e++) {
			u64 iova = e ? l->last : l->first;

			ret = walk(pt, iova, R_ | PRIV, &r);
			if (pt->m.cmpxchgs)
				memcpy(pt->m.buf, copy, wmem_size(&pt->m));
			if (l->fault_reason) {
				EXPECT_EQ(l->fault_reason, ret);
				EXPECT_EQ(l->fault_level, r.fault_level);
				continue;
			}
			EXPECT_EQ(0, ret);
			EXPECT_EQ(l->perm, r.perm);
			EXPECT_EQ(l->maybe, r.maybe);
			EXPECT_EQ(l->out + (iova - l->first), r.out);
			EXPECT_EQ(l->page_size, r.page_size);
			EXPECT_EQ(!!(l->update & IOASID_PT_SET_A), pt->m.cmpxchgs);
			if (!l->maybe)
				continue;
			ret = walk(pt, iova, (l->maybe & IOASID_PT_UW ? 0 : PRIV) | W_, &r);
			if (pt->m.cmpxchgs)
				memcpy(pt->m.buf, copy, wmem_size(&pt->m));
			EXPECT_EQ(0, ret);
			EXPECT_EQ(l->perm | l->maybe, r.perm | (l->perm & IOASID_PT_SX));
			EXPECT_EQ(1, pt->m.cmpxchgs);
		}
	}
	free(copy);
}

/* The lower half's last address, the upper half's first. */
static u64 low_last(const struct pt *pt)
{
	return (1ULL << (64 - pt->cfg.half[0].tsz)) - 1;
}

static u64 high_first(const struct pt *pt)
{
	return -(1ULL << (64 - pt->cfg.half[1].tsz));
}

TEST_F(walker, iter_empty_tables)
{
	struct items s = { 0 };
	unsigned int a;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];
		unsigned int l0 = expect_levels(20, g), l1 = expect_levels(30, 12);

		pt_setup(&self->pt, 0, 20, g, 30, 12, 48, 0);
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		/* One read per entry of each root; the hole by bit 55. */
		EXPECT_EQ((top_bytes(20, g) + top_bytes(30, 12)) / 8, self->pt.m.reads);
		if (l0 == l1) {
			ASSERT_EQ(1, s.calls);
			EXPECT_FAULT_ITEM(&s, 0, low_last(&self->pt) + 1,
					  high_first(&self->pt) - 1,
					  IOASID_FAULT_NON_CANONICAL, l0);
		} else {
			/* Bit 55 picks the level: it alternates every 2^55. */
			ASSERT_EQ(512, s.calls);
			EXPECT_FAULT_ITEM(&s, 0, low_last(&self->pt) + 1,
					  (1ULL << 55) - 1, IOASID_FAULT_NON_CANONICAL, l0);
			EXPECT_FAULT_ITEM(&s, 1, 1ULL << 55, (1ULL << 56) - 1,
					  IOASID_FAULT_NON_CANONICAL, l1);
			EXPECT_FAULT_ITEM(&s, 2, 1ULL << 56, (3ULL << 55) - 1,
					  IOASID_FAULT_NON_CANONICAL, l0);
			EXPECT_FAULT_ITEM(&s, 511, -(1ULL << 55),
					  high_first(&self->pt) - 1,
					  IOASID_FAULT_NON_CANONICAL, l1);
		}
		EXPECT_EQ(0, s.disorder);
		check_items(_metadata, &self->pt, &s);
		/* Inside the halves: nothing. */
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(&self->pt), &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(0, iterate(&self->pt, high_first(&self->pt), ~0ULL, &s));
		EXPECT_EQ(0, s.calls);
	}
}

TEST_F(walker, iter_leaves_of_every_size)
{
	struct items s = { 0 };
	unsigned int a;

	for (a = 0; a < 3; a++) {
		unsigned int g = granules[a];
		u64 p = 1ULL << g, b = lsize(g, 2);

		pt_simple(&self->pt, 0, g);
		pt_map(&self->pt, 0, 1, 0x100000000ULL, AP1, 0);
		pt_map(&self->pt, p, 1, 0x200000000ULL, AP2 | UXN, 0);
		pt_map(&self->pt, b, 2, b * 4, AP1 | PXN, 0);
		if (g == 12)
			pt_map(&self->pt, SZ_1G, 3, SZ_1G * 7, AP1 | AP2, 0);
		pt_map(&self->pt, -p, 1, 0x300000000ULL, AP1, UXNT);
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		ASSERT_EQ(g == 12 ? 6 : 5, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0, p - 1, 0x100000000ULL, p,
				 PT_R | PT_W | IOASID_PT_UX);
		EXPECT_LEAF_ITEM(&s, 1, p, 2 * p - 1, 0x200000000ULL, p,
				 IOASID_PT_SR | IOASID_PT_SX);
		EXPECT_LEAF_ITEM(&s, 2, b, 2 * b - 1, b * 4, b,
				 PT_R | PT_W | IOASID_PT_UX);
		if (g == 12)
			EXPECT_LEAF_ITEM(&s, 3, SZ_1G, 2 * SZ_1G - 1, SZ_1G * 7,
					 SZ_1G, PT_R | PT_X);
		EXPECT_FAULT_ITEM(&s, s.n - 2, 1ULL << 48, -(1ULL << 48) - 1,
				  IOASID_FAULT_NON_CANONICAL, self->pt.cfg.half[0].levels);
		EXPECT_LEAF_ITEM(&s, s.n - 1, -p, ~0ULL, 0x300000000ULL, p,
				 PT_R | PT_W);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_clipped_at_both_ends)
{
	struct items s = { 0 };

	pt_simple(&self->pt, 0, 16);
	pt_map(&self->pt, 0x20000000ULL, 2, 0x40000000ULL, AP1, 0);
	EXPECT_EQ(0, iterate(&self->pt, 0x20001234ULL, 0x2fff0000ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x20001234ULL, 0x2fff0000ULL, 0x40001234ULL,
			 SZ_512M, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_EQ(2, self->pt.m.reads);
	/* One address. */
	EXPECT_EQ(0, iterate(&self->pt, 0x3fffffffULL, 0x3fffffffULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x3fffffffULL, 0x3fffffffULL, 0x5fffffffULL,
			 SZ_512M, PT_R | PT_W | IOASID_PT_UX);
	/* Across the hole, clipped in it. */
	EXPECT_EQ(0, iterate(&self->pt, 0xffffffffff00ULL, 0xfffeffffffff0000ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 1ULL << 48, 0xfffeffffffff0000ULL,
			  IOASID_FAULT_NON_CANONICAL, 3);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_top_byte_ignore)
{
	struct items s = { 0 };
	unsigned int i;

	/* TBI0 only: 256 copies of the lower half; the upper one once. */
	pt_setup(&self->pt, TBI0, 39, 12, 39, 12, 48, 0);
	pt_map(&self->pt, 0x1000, 1, 0x5000, AP1, 0);
	pt_map(&self->pt, ~0ULL, 1, 0x6000, AP1, 0);
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	EXPECT_EQ(0, s.disorder);
	/* Each tag: a leaf, then the hole to the next tag's half. */
	ASSERT_EQ(256 * 2 + 1, s.calls);
	for (i = 0; i < 256; i++) {
		u64 t = (u64)i << 56;

		EXPECT_LEAF_ITEM(&s, 2 * i, t | 0x1000, t | 0x1fff, 0x5000, SZ_4K,
				 PT_R | PT_W | IOASID_PT_UX);
		if (i < 255)
			EXPECT_FAULT_ITEM(&s, 2 * i + 1, t | (1ULL << 25),
					  t + (1ULL << 56) - 1,
					  IOASID_FAULT_NON_CANONICAL, 2);
	}
	/* The last tag: the hole up to TTB1's half (both at level 2: one item). */
	EXPECT_FAULT_ITEM(&s, 511, (0xffULL << 56) | (1ULL << 25), -(1ULL << 25) - 1,
			  IOASID_FAULT_NON_CANONICAL, 2);
	EXPECT_LEAF_ITEM(&s, 512, -0x1000ULL, ~0ULL, 0x6000, SZ_4K,
			 PT_R | PT_W | IOASID_PT_UX);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_disabled_half_makes_no_item)
{
	struct items s = { 0 };

	pt_setup(&self->pt, EPD1, 16, 12, 16, 14, 48, 0);
	pt_map(&self->pt, 0x1000, 1, 0x5000, AP1, 0);
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	ASSERT_EQ(2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x5000, SZ_4K,
			 PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 1, 1ULL << 48, -(1ULL << 48) - 1,
			  IOASID_FAULT_NON_CANONICAL, 4);
	check_items(_metadata, &self->pt, &s);
	EXPECT_EQ(0, iterate(&self->pt, -(1ULL << 48), ~0ULL, &s));
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(0, self->pt.m.reads);
}

TEST_F(walker, iter_reserved_and_af_faults)
{
	struct items s = { 0 };
	u64 e;

	pt_simple(&self->pt, 0, 12);
	pt_map(&self->pt, 0, 1, 0x5000, AP1, 0);
	e = pt_map(&self->pt, 0x1000, 1, 0x6000, AP1, 0);
	pt_andn(&self->pt, e, T);				/* reserved */
	e = pt_map(&self->pt, 0x2000, 1, 0x7000, AP1, 0);
	pt_andn(&self->pt, e, AF);				/* AF */
	pt_map(&self->pt, 1ULL << 39, 4, 0, 0, 0);		/* L0 block */
	e = pt_map(&self->pt, 1ULL << 40, 2, 0x200000, AP1, 0);
	pt_or(&self->pt, e, 1ULL << 49);			/* reserved */
	EXPECT_EQ(0, iterate(&self->pt, 0, low_last(&self->pt), &s));
	ASSERT_EQ(5, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, 0x5000, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 1, 0x1000, 0x1fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 2, 0x2000, 0x2fff, IOASID_FAULT_ACCESS_FLAG, 1);
	EXPECT_FAULT_ITEM(&s, 3, 1ULL << 39, (1ULL << 40) - 1, IOASID_FAULT_RESERVED, 4);
	EXPECT_FAULT_ITEM(&s, 4, 1ULL << 40, (1ULL << 40) + SZ_2M - 1,
			  IOASID_FAULT_RESERVED, 2);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_ha_hd_update_bits)
{
	struct items s = { 0 };
	u64 e;

	pt_simple(&self->pt, HA | HD, 12);
	e = pt_map(&self->pt, 0, 1, 0x5000, AP1, 0);
	pt_andn(&self->pt, e, AF);
	pt_map(&self->pt, 0x1000, 1, 0x6000, AP1 | AP2 | DBM, 0);
	e = pt_map(&self->pt, 0x2000, 1, 0x7000, AP2 | DBM, 0);
	pt_andn(&self->pt, e, AF);
	pt_map(&self->pt, 0x4000, 1, 0x9000, AP1 | AP2, 0);
	pt_map(&self->pt, SZ_2M, 1, 0x8000, AP1 | AP2 | DBM, 0);
	pt_or(&self->pt, pt_entry(&self->pt, SZ_2M, 2), APT1);
	EXPECT_EQ(0, iterate(&self->pt, 0, SZ_2M + 0xfff, &s));
	ASSERT_EQ(5, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, 0x5000, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_EQ(IOASID_PT_SET_A, s.it[0].update);
	EXPECT_EQ(0, s.it[0].maybe);
	EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, 0x6000, SZ_4K, PT_R | PT_X);
	EXPECT_EQ(IOASID_PT_SET_D, s.it[1].update);
	EXPECT_EQ(PT_W, s.it[1].maybe);
	EXPECT_LEAF_ITEM(&s, 2, 0x2000, 0x2fff, 0x7000, SZ_4K,
			 IOASID_PT_SR | PT_X);
	EXPECT_EQ(IOASID_PT_SET_A | IOASID_PT_SET_D, s.it[2].update);
	EXPECT_EQ(IOASID_PT_SW, s.it[2].maybe);
	/* No DBM: read-only, nothing to set. */
	EXPECT_LEAF_ITEM(&s, 3, 0x4000, 0x4fff, 0x9000, SZ_4K, PT_R | PT_X);
	EXPECT_EQ(0, s.it[3].update);
	EXPECT_EQ(0, s.it[3].maybe);
	/* APTable[1] above it: DBM cannot make it writable. */
	EXPECT_LEAF_ITEM(&s, 4, SZ_2M, SZ_2M + 0xfff, 0x8000, SZ_4K, PT_R | PT_X);
	EXPECT_EQ(0, s.it[4].update);
	EXPECT_EQ(0, s.it[4].maybe);
	EXPECT_EQ(0, self->pt.m.cmpxchgs);
	check_items(_metadata, &self->pt, &s);
	pt_andn(&self->pt, pt_entry(&self->pt, SZ_2M, 2), APT1);
	EXPECT_EQ(0, iterate(&self->pt, 0, SZ_2M + 0xfff, &s));
	EXPECT_EQ(IOASID_PT_SET_D, s.it[4].update);
	EXPECT_EQ(PT_W, s.it[4].maybe);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_refused_table_read)
{
	struct items s = { 0 };

	pt_simple(&self->pt, 0, 12);
	pt_map(&self->pt, 0, 1, 0x5000, AP1, 0);
	pt_map(&self->pt, 0x1000, 1, 0x6000, AP1, 0);
	pt_map(&self->pt, SZ_2M, 1, 0x7000, AP1, 0);
	/* The 2nd read of the level-1 table (0x1000) fails: its rest too. */
	self->pt.m.read_fail_at = 5;
	self->pt.m.read_fail = -5;
	EXPECT_EQ(0, iterate(&self->pt, 0, SZ_2M + 0xfff, &s));
	self->pt.m.read_fail_at = 0;
	ASSERT_EQ(3, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, 0x5000, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 1, 0x1000, SZ_2M - 1, IOASID_FAULT_TABLE, 1);
	EXPECT_LEAF_ITEM(&s, 2, SZ_2M, SZ_2M + 0xfff, 0x7000, SZ_4K,
			 PT_R | PT_W | IOASID_PT_UX);
}

/* A budget of reads, spent: every table being visited ends at once. */
TEST_F(walker, iter_read_budget)
{
	struct items s = { 0 };
	u64 root;
	unsigned int i;

	/* Every entry of the 4K root points at the root: 2^36 leaves. */
	pt_simple(&self->pt, 0, 12);
	root = self->pt.cfg.half[0].root;
	for (i = 0; i < 512; i++)
		wmem_set(&self->pt.m, root + 8 * i, root | V | T | AF | AP1);
	self->pt.m.read_fail_from = 1001;
	self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
	EXPECT_EQ(0, iterate(&self->pt, 0, low_last(&self->pt), &s));
	EXPECT_EQ(0, s.disorder);
	EXPECT_EQ(1004, self->pt.m.reads);
	EXPECT_EQ(4, s.faults);
	EXPECT_EQ(IOASID_FAULT_WALK_LIMIT, s.last_item.fault_reason);
	EXPECT_EQ(4, s.last_item.fault_level);
	EXPECT_EQ(low_last(&self->pt), s.last_item.last);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, root, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, root, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	self->pt.m.read_fail_from = 0;
	/* @fn stops it too. */
	s.stop_after = 10;
	s.stop_ret = 7;
	EXPECT_EQ(7, iterate(&self->pt, 0, low_last(&self->pt), &s));
	EXPECT_EQ(10, s.calls);
	EXPECT_EQ(13, self->pt.m.reads);
	s.stop_after = 0;
}

/* A spent budget: the other tagged copies and the other half are not read. */
TEST_F(walker, iter_budget_ends_every_half)
{
	struct items s = { 0 };
	unsigned int i;

	pt_setup(&self->pt, TBI0 | TBI1, 39, 12, 39, 12, 48, 0);
	pt_map(&self->pt, 0x1000, 1, 0x5000, AP1, 0);
	self->pt.m.read_fail_from = 4;
	self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	self->pt.m.read_fail_from = 0;
	EXPECT_EQ(0, s.disorder);
	/* Root[0], its table's entries 0 and 1, then one failing read a level. */
	EXPECT_EQ(5, self->pt.m.reads);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x5000, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 1, 0x2000, (1ULL << 21) - 1, IOASID_FAULT_WALK_LIMIT, 1);
	EXPECT_FAULT_ITEM(&s, 2, 1ULL << 21, (1ULL << 25) - 1, IOASID_FAULT_WALK_LIMIT, 2);
	/* Then, per tag, the hole and TTB1's copy; the next tag's TTB0 copy. */
	ASSERT_EQ(3 + 3 * 256 - 1, s.calls);
	for (i = 3; i < s.n; i++) {
		if ((i - 3) % 3 == 0) {
			EXPECT_EQ(IOASID_FAULT_NON_CANONICAL, s.it[i].fault_reason);
			continue;
		}
		EXPECT_EQ(IOASID_FAULT_WALK_LIMIT, s.it[i].fault_reason);
		EXPECT_EQ(2, s.it[i].fault_level);
		EXPECT_EQ((1ULL << 25) - 1, s.it[i].last - s.it[i].first);
	}
	EXPECT_EQ(~0ULL, s.last_item.last);
}

/* Tables pointing at themselves or above: the hardware's meaning, level by level. */
TEST_F(walker, iter_cycles)
{
	struct items s = { 0 };
	u64 root;

	pt_simple(&self->pt, 0, 12);
	root = self->pt.cfg.half[0].root;
	wmem_set(&self->pt.m, root, root | V | T | AF | AP1);
	wmem_set(&self->pt.m, root + 8, 0x40000000ULL | V | AF | AP1);
	EXPECT_EQ(0, iterate(&self->pt, 0, low_last(&self->pt), &s));
	ASSERT_EQ(5, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, root, SZ_4K, PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 1, 0x1000, 0x1fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_LEAF_ITEM(&s, 2, 0x200000, 0x3fffff, 0x40000000ULL, SZ_2M,
			 PT_R | PT_W | IOASID_PT_UX);
	EXPECT_LEAF_ITEM(&s, 3, 0x40000000ULL, 0x7fffffffULL, 0x40000000ULL, SZ_1G,
			 PT_R | PT_W | IOASID_PT_UX);
	EXPECT_FAULT_ITEM(&s, 4, 1ULL << 39, (1ULL << 40) - 1, IOASID_FAULT_RESERVED, 4);
	/* Each entry once a visit: 512 a visit, four visits. */
	EXPECT_EQ(4 * 512, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_start_after_last_and_invalid)
{
	struct items s = { 0 };

	EXPECT_EQ(0, iterate(&self->pt, 2, 1, &s));
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(0, self->pt.m.reads);
	self->pt.cfg.oas_bits = 47;
	EXPECT_EQ(0, iterate(&self->pt, 5, 1ULL << 60, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 5, 1ULL << 60, IOASID_FAULT_RESERVED, 0);
	EXPECT_EQ(0, self->pt.m.reads);
}

/* Random tables: items and walks agree, address by address. */
TEST_F(walker, iter_agrees_with_walks)
{
	struct items s = { 0 };
	unsigned int round, k;
	u64 x = 0x1234567;

	for (round = 0; round < 60; round++) {
		unsigned int g = granules[round % 3];
		u32 flags = (round & 4 ? HA : 0) | (round & 8 ? HA | HD : 0) |
			    (round & 16 ? TBI1 : 0);

		pt_setup(&self->pt, flags, 36, g, 36, g, 40, 0);
		for (k = 0; k < 12; k++) {
			unsigned int level;
			u64 iova, e;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			level = 1 + (x >> 60) % 2;
			if (level > self->pt.cfg.half[0].levels)
				level = 1;
			iova = (x >> 8) & ((1ULL << 28) - 1) & ~(lsize(g, level) - 1);
			if (x & (1ULL << 7))
				iova = -(1ULL << 28) + iova;
			e = pt_map(&self->pt, iova, level,
				   (x >> 20 << g) % (1ULL << 39) & ~(lsize(g, level) - 1),
				   (x & 0x3) << 6 | (x & 0x4 ? DBM : 0) |
				   (x & 0x8 ? UXN : 0) | (x & 0x10 ? PXN : 0),
				   (x >> 40 & 3) << 61);
			if (x & 0x20)
				pt_andn(&self->pt, e, AF);
		}
		/* With TBI1, three tags' copies of TTB1's half (and the holes). */
		EXPECT_EQ(0, iterate(&self->pt, flags & TBI1 ? 0xfdULL << 56 : 0,
				     ~0ULL, &s));
		EXPECT_EQ(0, s.disorder);
		EXPECT_LT(s.calls, MAX_ITEMS);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_HARNESS_MAIN
