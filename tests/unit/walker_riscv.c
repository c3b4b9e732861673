// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the RISC-V Sv39/Sv48/Sv57 software page-table walker
 * (module/walkers/riscv.c, compiled into this binary): tables built in a
 * fake parent space (walker_mem.h), every rule of struct
 * ioasid_format_riscv checked against expectations written here, and the
 * ALLOC/BIND/FORMAT_INFO helpers' errno rules.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "walker_expect.h"
#include "../../module/walkers/riscv.h"

#define BASE		0x100000ULL
#define PAGES		64

/* RISC-V entry bits (walker_mem.h's A and D are x86-64's). */
#define PTE_V		(1ULL << 0)
#define PTE_R		(1ULL << 1)
#define PTE_W		(1ULL << 2)
#define PTE_X		(1ULL << 3)
#define PTE_U		(1ULL << 4)
#define PTE_G		(1ULL << 5)
#define PTE_A		(1ULL << 6)
#define PTE_D		(1ULL << 7)
#define PTE_RSW		(3ULL << 8)
#define PTE_PBMT(n)	((u64)(n) << 61)
#define PTE_N		(1ULL << 63)
#define PTE_RWX		(PTE_R | PTE_W | PTE_X)
#define LEAF		(PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D)
#define RV_ADDR		0x00fffffffffff000ULL

#define SZ_64K		(1ULL << 16)
#define SZ_512G		(1ULL << 39)
#define SZ_256T		(1ULL << 48)
#define ALL_SIZES	(SZ_4K | SZ_64K | SZ_2M | SZ_1G | SZ_512G | SZ_256T)

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define X_		(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC)
#define PRIV		IOASID_ACCESS_PRIV

#define AD		IOASID_RISCV_CFG_AD_UPDATE
#define NAPOT		IOASID_RISCV_CFG_SVNAPOT
#define PBMT		IOASID_RISCV_CFG_SVPBMT
#define SUM		IOASID_RISCV_CFG_SUM

#define U_ALL		(IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX)
#define S_ALL		(IOASID_PT_SR | IOASID_PT_SW | IOASID_PT_SX)
#define PT_W		(IOASID_PT_UW | IOASID_PT_SW)

static const u32 requests[] = { R_, W_, X_, R_ | PRIV, W_ | PRIV, X_ | PRIV };

/* An entry pointing at (or mapping) parent address @addr. */
static u64 pte(u64 addr, u64 flags)
{
	return ((addr >> 12) << 10) | flags;
}

/* A table builder over the fake memory. */
struct pt {
	struct wmem m;
	u64 next;			/* next free table page */
	struct ioasid_riscv_cfg cfg;
};

static u64 pt_page(struct pt *pt)
{
	u64 page = pt->next;

	if (page + SZ_4K > pt->m.base + wmem_size(&pt->m)) {
		fprintf(stderr, "test tables need more than %d pages\n", PAGES);
		abort();
	}
	pt->next += SZ_4K;
	return page;
}

/* Empty memory, a new root table, and a configuration (bound). */
static void pt_reset(struct pt *pt, u32 levels, u32 phys_bits, u32 flags,
		     u64 pgsizes)
{
	memset(pt->m.buf, 0, wmem_size(&pt->m));
	pt->m.race_bits = PTE_RSW;	/* ignored bits */
	pt->next = pt->m.base;
	pt->cfg = (struct ioasid_riscv_cfg){
		.root = pt_page(pt),
		.levels = levels,
		.phys_bits = phys_bits,
		.flags = flags,
		.pgsize_bitmap = pgsizes,
	};
}

static unsigned int idx(u64 iova, unsigned int level)
{
	return (iova >> (12 + 9 * (level - 1))) & 511;
}

static u64 lsize(unsigned int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/*
 * Map @iova with a leaf at @level (1: 4 KiB ... 5: 256 TiB) to @out with
 * @leaf_flags (V added), the pointers on the way with @ptr_flags (V added,
 * also the ones that exist). Returns the leaf entry's address.
 */
static u64 pt_map_ptr(struct pt *pt, u64 iova, unsigned int level, u64 out,
		      u64 leaf_flags, u64 ptr_flags)
{
	u64 table = pt->cfg.root, addr, e;
	unsigned int l;

	for (l = pt->cfg.levels; l > level; l--) {
		addr = table + 8 * idx(iova, l);
		e = wmem_get(&pt->m, addr);
		table = (e & PTE_V) ? (e << 2) & RV_ADDR : pt_page(pt);
		wmem_set(&pt->m, addr, pte(table, PTE_V | ptr_flags));
	}
	addr = table + 8 * idx(iova, level);
	wmem_set(&pt->m, addr, pte(out, PTE_V | leaf_flags));
	return addr;
}

static u64 pt_map(struct pt *pt, u64 iova, unsigned int level, u64 out,
		  u64 leaf_flags)
{
	return pt_map_ptr(pt, iova, level, out, leaf_flags, 0);
}

/* The address of the entry at @level on the (existing) path of @iova. */
static u64 pt_entry(struct pt *pt, u64 iova, unsigned int level)
{
	u64 table = pt->cfg.root;
	unsigned int l;

	for (l = pt->cfg.levels; l > level; l--)
		table = (wmem_get(&pt->m, table + 8 * idx(iova, l)) << 2) & RV_ADDR;
	return table + 8 * idx(iova, level);
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
	return ioasid_riscv_walk(&pt->cfg, iova, access, &io, res);
}

FIXTURE(walker) {
	struct pt pt;
	bool outside_ok;	/* the test reads outside the memory on purpose */
};

FIXTURE_SETUP(walker)
{
	ASSERT_EQ(0, wmem_init(&self->pt.m, BASE, PAGES));
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	self->outside_ok = false;
}

FIXTURE_TEARDOWN(walker)
{
	EXPECT_EQ(0, self->pt.m.misaligned);
	if (!self->outside_ok)
		EXPECT_EQ(0, self->pt.m.outside);
	wmem_fini(&self->pt.m);
}

/* ALLOC, BIND and FORMAT_INFO ---------------------------------------------- */

static struct ioasid_format_riscv desc(u32 flags, u32 levels, u32 phys, u64 pgsizes)
{
	struct ioasid_format_riscv d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_RISCV },
		.flags = flags,
		.levels = levels,
		.phys_bits = phys,
		.pgsize_bitmap = pgsizes,
	};

	return d;
}

TEST(config_accepts)
{
	static const u32 flag_sets[] = {
		0, IOASID_RISCV_AD_UPDATE, IOASID_RISCV_SVNAPOT, IOASID_RISCV_SVPBMT,
		IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT | IOASID_RISCV_SVPBMT,
	};
	static const u32 phys[] = { 32, 33, 44, 52, 55, 56 };
	struct ioasid_riscv_cfg cfg;
	struct ioasid_format_riscv d;
	unsigned int f, levels, p;
	u64 all;

	for (f = 0; f < 5; f++) {
		for (levels = 3; levels <= 5; levels++) {
			for (p = 0; p < 6; p++) {
				all = SZ_4K | SZ_2M | SZ_1G;
				if (levels >= 4)
					all |= SZ_512G;
				if (levels == 5)
					all |= SZ_256T;
				if (flag_sets[f] & IOASID_RISCV_SVNAPOT)
					all |= SZ_64K;
				d = desc(flag_sets[f], levels, phys[p], 0);
				memset(&cfg, 0x5a, sizeof(cfg));
				ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
				EXPECT_EQ(0, cfg.root);
				EXPECT_EQ(levels, cfg.levels);
				EXPECT_EQ(phys[p], cfg.phys_bits);
				EXPECT_EQ(flag_sets[f], cfg.flags);
				EXPECT_EQ(0, cfg.flags & SUM);
				/* 0: every size of the levels and flags. */
				EXPECT_EQ(all, cfg.pgsize_bitmap);
				/* Any subset with 4 KiB. */
				d.pgsize_bitmap = SZ_4K;
				ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
				EXPECT_EQ(SZ_4K, cfg.pgsize_bitmap);
				d.pgsize_bitmap = all;
				ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
				EXPECT_EQ(all, cfg.pgsize_bitmap);
				d.pgsize_bitmap = all & ~SZ_2M;
				ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
				EXPECT_EQ(all & ~SZ_2M, cfg.pgsize_bitmap);
			}
		}
	}
	/* The flags map to the walker's. */
	EXPECT_EQ(IOASID_RISCV_AD_UPDATE, AD);
	EXPECT_EQ(IOASID_RISCV_SVNAPOT, NAPOT);
	EXPECT_EQ(IOASID_RISCV_SVPBMT, PBMT);
}

TEST(config_refuses)
{
	static const struct {
		u32 flags, levels, phys;
		u64 pgsizes;
		u32 reserved;
		int err;
	} cases[] = {
		/* Flags the format does not take, __reserved. */
		{ 1 << 3, 4, 46, 0, 0, -EOPNOTSUPP },
		{ 1U << 31, 4, 46, 0, 0, -EOPNOTSUPP },
		{ 0xffffffff, 4, 46, 0, 0, -EOPNOTSUPP },
		{ 0, 4, 46, 0, 1, -EOPNOTSUPP },
		{ 0, 4, 46, 0, 0x80000000, -EOPNOTSUPP },
		/* EOPNOTSUPP before EINVAL. */
		{ 1 << 3, 7, 46, 0, 0, -EOPNOTSUPP },
		{ 0, 0, 0, 0, 1, -EOPNOTSUPP },
		/* Levels. */
		{ 0, 0, 46, 0, 0, -EINVAL },
		{ 0, 1, 46, 0, 0, -EINVAL },
		{ 0, 2, 46, 0, 0, -EINVAL },
		{ 0, 6, 46, 0, 0, -EINVAL },
		{ 0, 0xffffffff, 46, 0, 0, -EINVAL },
		/* Output widths. */
		{ 0, 4, 0, 0, 0, -EINVAL },
		{ 0, 4, 31, 0, 0, -EINVAL },
		{ 0, 4, 57, 0, 0, -EINVAL },
		{ 0, 5, 64, 0, 0, -EINVAL },
		/* Leaf sizes. */
		{ 0, 4, 46, SZ_2M, 0, -EINVAL },
		{ 0, 4, 46, SZ_2M | SZ_1G, 0, -EINVAL },
		{ 0, 4, 46, SZ_4K | (1ULL << 13), 0, -EINVAL },
		{ 0, 4, 46, SZ_4K | SZ_64K, 0, -EINVAL },
		{ IOASID_RISCV_SVPBMT, 5, 46, SZ_4K | SZ_64K, 0, -EINVAL },
		{ 0, 3, 46, SZ_4K | SZ_512G, 0, -EINVAL },
		{ 0, 3, 46, SZ_4K | SZ_256T, 0, -EINVAL },
		{ 0, 4, 46, SZ_4K | SZ_256T, 0, -EINVAL },
		{ 0, 5, 46, ~0ULL, 0, -EINVAL },
		{ 0, 5, 46, SZ_4K | (1ULL << 57), 0, -EINVAL },
	};
	struct ioasid_riscv_cfg cfg;
	struct ioasid_format_riscv d;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = desc(cases[i].flags, cases[i].levels, cases[i].phys, cases[i].pgsizes);
		d.__reserved = cases[i].reserved;
		EXPECT_EQ(cases[i].err, ioasid_riscv_config(&cfg, &d)) {
			TH_LOG("case %u", i);
		}
	}
}

TEST(bind_rules)
{
	struct ioasid_riscv_cfg cfg, copy;
	struct ioasid_format_riscv d = desc(IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT,
					    4, 40, 0);
	static const u32 bad_flags[] = {
		IOASID_BIND_X86_SRE, IOASID_BIND_X86_WPE, 1 << 3, 1U << 31,
		IOASID_BIND_RISCV_SUM | IOASID_BIND_X86_SRE, 0xffffffff,
	};
	static const u64 bad_roots[] = {
		8, 0x800, 0xfff, 0x1001, 1ULL << 40, (1ULL << 40) + 0x1000,
		1ULL << 56, 1ULL << 63, ~0ULL & ~0xfffULL,
	};
	unsigned int i;

	ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
	ASSERT_EQ(0, ioasid_riscv_bind(&cfg, 0, 0x5000, 0));
	EXPECT_EQ(0x5000, cfg.root);
	EXPECT_EQ(AD | NAPOT, cfg.flags);
	ASSERT_EQ(0, ioasid_riscv_bind(&cfg, IOASID_BIND_RISCV_SUM, (1ULL << 40) - 0x1000, 0));
	EXPECT_EQ((1ULL << 40) - 0x1000, cfg.root);
	EXPECT_EQ(AD | NAPOT | SUM, cfg.flags);
	/* A new bind replaces the flags. */
	ASSERT_EQ(0, ioasid_riscv_bind(&cfg, 0, 0, 0));
	EXPECT_EQ(0, cfg.root);
	EXPECT_EQ(AD | NAPOT, cfg.flags);
	ASSERT_EQ(0, ioasid_riscv_bind(&cfg, IOASID_BIND_RISCV_SUM, 0x7000, 0));

	memcpy(&copy, &cfg, sizeof(cfg));
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_bind(&cfg, bad_flags[i], 0x1000, 0));
		/* Before EINVAL. */
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_bind(&cfg, bad_flags[i], 0x1001, 8));
		EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));
	}
	for (i = 0; i < sizeof(bad_roots) / sizeof(bad_roots[0]); i++) {
		EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, 0, bad_roots[i], 0));
		EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, IOASID_BIND_RISCV_SUM,
						     bad_roots[i], 0));
		EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));
	}
	/* No second half. */
	EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, 0, 0x1000, 0x2000));
	EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, 0, 0x1000, 1));
	EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, 0, 0x1000, ~0ULL));
	EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));

	/* The widest output: up to 2^56. */
	d = desc(0, 5, 56, 0);
	ASSERT_EQ(0, ioasid_riscv_config(&cfg, &d));
	EXPECT_EQ(0, ioasid_riscv_bind(&cfg, 0, (1ULL << 56) - 0x1000, 0));
	EXPECT_EQ(-EINVAL, ioasid_riscv_bind(&cfg, 0, 1ULL << 56, 0));
}

TEST(format_info)
{
	struct ioasid_format_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.format = IOASID_FORMAT_RISCV;
	ioasid_riscv_info(&info);
	EXPECT_EQ(IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT | IOASID_RISCV_SVPBMT,
		  info.out_format_flags);
	EXPECT_EQ(IOASID_BIND_RISCV_SUM, info.out_bind_flags);
	EXPECT_EQ(0x1008040211000ULL, info.out_pgsize_bitmap);
	EXPECT_EQ(ALL_SIZES, info.out_pgsize_bitmap);
	EXPECT_EQ(0x38, info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(56, info.out_max_phys_bits);
	EXPECT_EQ(57, info.out_input_bits);
	EXPECT_EQ(SZ_4K, info.out_granule_bitmap);
	/* Nothing else. */
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(IOASID_FORMAT_RISCV, info.format);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.__reserved);
	EXPECT_EQ(0, info.__reserved2);
}

/* Leaves ------------------------------------------------------------------- */

static const u64 offsets[] = { 0, 1, 8, 0x7ff, 0xff8, 0xfff, 0x1000, 0x12345,
			       0x1fffff, 0x200000, 0x1234567, 0x3fffffff,
			       0x40000000, 0x5a5a5a5a5aULL, 0x7fffffffffULL,
			       0x8000000000ULL, 0xfedcba987654ULL, 0xffffffffffffULL };

static void check_leaf(struct __test_metadata *_metadata, struct pt *pt,
		       u64 iova, unsigned int level, u64 out)
{
	u64 size = lsize(level);
	struct ioasid_pt_result r;
	unsigned int i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		if (offsets[i] >= size)
			continue;
		ASSERT_EQ(0, walk(pt, iova + offsets[i], R_, &r));
		EXPECT_EQ(out + offsets[i], r.out);
		EXPECT_EQ(size, r.page_size);
		EXPECT_EQ(U_ALL, r.perm);
		EXPECT_EQ(0, r.maybe);
		EXPECT_EQ(0, r.fault_reason);
		EXPECT_EQ(0, r.fault_level);
		/* One read per level on the way, none twice. */
		EXPECT_EQ(pt->cfg.levels - level + 1, pt->m.reads);
		EXPECT_EQ(0, pt->m.cmpxchgs);
	}
}

/* The last address of the lower half, and the first of the upper. */
static u64 low_last(unsigned int levels)
{
	return (1ULL << (12 + 9 * levels - 1)) - 1;
}

static u64 high_first(unsigned int levels)
{
	return ~low_last(levels);
}

TEST_F(walker, leaf_every_size_every_level)
{
	unsigned int levels, leaf, k;
	u64 iova, out;

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			u64 size = lsize(leaf);

			for (k = 0; k < 4; k++) {
				/* Low half, high half, first and last leaves. */
				switch (k) {
				case 0:
					iova = 0;
					break;
				case 1:
					iova = (low_last(levels) + 1) - size;
					break;
				case 2:
					iova = high_first(levels);
					break;
				default:
					iova = ~0ULL - size + 1;
				}
				/* The highest leaf below 2^56, and one at 0. */
				out = k & 1 ? (1ULL << 56) - size : 0;
				pt_reset(&self->pt, levels, 56, 0, ALL_SIZES);
				pt_map(&self->pt, iova, leaf, out, LEAF);
				check_leaf(_metadata, &self->pt, iova, leaf, out);
				if (leaf < levels)
					EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, leaf,
						     iova ^ (size << 1), R_);
			}
		}
	}
}

/* Leaves of every size side by side in one table. */
TEST_F(walker, mixed_sizes)
{
	pt_reset(&self->pt, 5, 50, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000000000000ULL, 5, 0x2000000000000ULL, LEAF);
	pt_map(&self->pt, 0x8000000000ULL, 4, 0x10000000000ULL, LEAF);
	pt_map(&self->pt, 0x0, 3, 0x40000000, LEAF);
	pt_map(&self->pt, 0x40000000, 2, 0x200000, LEAF);
	pt_map(&self->pt, 0x40200000, 1, 0x5000, LEAF);
	pt_map(&self->pt, 0x40201000, 1, 0x7000, LEAF);
	EXPECT_XLATE(0x2000000000123ULL, SZ_256T, 0x1000000000123ULL, R_);
	EXPECT_XLATE(0x10000000456ULL, SZ_512G, 0x8000000456ULL, R_);
	EXPECT_XLATE(0x40000123, SZ_1G, 0x123, R_);
	EXPECT_XLATE(0x200123, SZ_2M, 0x40000123, R_);
	EXPECT_XLATE(0x5fff, SZ_4K, 0x40200fff, R_);
	EXPECT_XLATE(0x7000, SZ_4K, 0x40201000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x40202000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 2, 0x40400000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 3, 0x80000000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0x10000000000ULL, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 5, 0x2000000000000ULL, R_);
}

TEST_F(walker, undeclared_sizes_are_reserved)
{
	static const u64 sets[] = {
		SZ_4K, SZ_4K | SZ_2M, SZ_4K | SZ_1G, SZ_4K | SZ_512G, SZ_4K | SZ_256T,
		ALL_SIZES, ALL_SIZES & ~SZ_1G,
		/* The walker's configuration says what is allowed: 0 is 4K. */
		0,
	};
	unsigned int i, leaf;
	u64 iova;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		pt_reset(&self->pt, 5, 52, 0, sets[i]);
		for (leaf = 1; leaf <= 5; leaf++) {
			iova = lsize(leaf) * 3;
			pt_map(&self->pt, iova, leaf, lsize(leaf), LEAF);
		}
		for (leaf = 1; leaf <= 5; leaf++) {
			iova = lsize(leaf) * 3;
			if (leaf == 1 || (sets[i] & lsize(leaf)))
				EXPECT_XLATE(lsize(leaf) + 8, lsize(leaf), iova + 8, R_);
			else
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova + 8, R_);
		}
	}
}

TEST_F(walker, misaligned_superpages_are_reserved)
{
	unsigned int levels, leaf, b;
	u64 e, iova;

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 2; leaf <= levels; leaf++) {
			u64 size = lsize(leaf);

			pt_reset(&self->pt, levels, 56, 0, ALL_SIZES);
			iova = size;
			e = pt_map(&self->pt, iova, leaf, 2 * size, LEAF);
			EXPECT_XLATE(2 * size + 0xabc, size, iova + 0xabc, R_);
			/* Every PPN bit below the size. */
			for (b = 12; (1ULL << b) < size; b++) {
				pt_or(&self->pt, e, (1ULL << b) >> 2);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, W_ | PRIV);
				pt_andn(&self->pt, e, (1ULL << b) >> 2);
			}
			EXPECT_XLATE(2 * size, size, iova, W_);
		}
	}
}

TEST_F(walker, output_bits_above_phys_bits_are_reserved)
{
	static const u32 phys[] = { 32, 39, 46, 52, 55, 56 };
	unsigned int p, levels, l, leaf, b;
	u64 iova = 0x0000003ff0a5b000ULL, e;

	for (p = 0; p < 6; p++) {
		for (levels = 3; levels <= 5; levels++) {
			u32 pb = phys[p];
			u64 top = (1ULL << pb) - SZ_4K;

			/* The highest page below 2^phys_bits is fine. */
			pt_reset(&self->pt, levels, pb, 0, ALL_SIZES);
			pt_map(&self->pt, iova, 1, top, LEAF);
			EXPECT_XLATE(top + 0xabc, SZ_4K, iova + 0xabc, R_);
			/* PPN bits from phys_bits to 55, at every level. */
			for (l = 1; l <= levels; l++) {
				e = pt_entry(&self->pt, iova, l);
				for (b = pb; b <= 55; b++) {
					pt_or(&self->pt, e, (1ULL << b) >> 2);
					EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
					EXPECT_EQ(levels - l + 1, self->pt.m.reads);
					pt_andn(&self->pt, e, (1ULL << b) >> 2);
				}
			}
			/* And in superpages. */
			for (leaf = 2; leaf <= levels; leaf++) {
				u64 size = lsize(leaf), at = size * 2;

				if (size > (1ULL << pb))
					continue;
				e = pt_map(&self->pt, at, leaf, (1ULL << pb) - size, LEAF);
				EXPECT_XLATE((1ULL << pb) - 1, size, at + size - 1, R_);
				for (b = pb; b <= 55; b++) {
					pt_or(&self->pt, e, (1ULL << b) >> 2);
					EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, at, R_);
					pt_andn(&self->pt, e, (1ULL << b) >> 2);
				}
			}
		}
	}
}

/* A superpage wider than the output space would run past it: reserved. */
TEST_F(walker, superpage_wider_than_output_is_reserved)
{
	unsigned int pb;

	for (pb = 32; pb <= 40; pb++) {
		pt_reset(&self->pt, 4, pb, 0, ALL_SIZES);
		pt_map(&self->pt, 0, 4, 0, LEAF);
		pt_map(&self->pt, 1ULL << 39, 3, (1ULL << 32) - SZ_1G, LEAF);
		if (pb < 39)
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x1000, R_);
		else
			EXPECT_XLATE((1ULL << 39) - 1, SZ_512G, (1ULL << 39) - 1, R_);
		/* A 1 GiB one always fits. */
		EXPECT_XLATE((1ULL << 32) - 1, SZ_1G, (1ULL << 39) + SZ_1G - 1, R_);
	}
	for (pb = 46; pb <= 49; pb++) {
		pt_reset(&self->pt, 5, pb, 0, ALL_SIZES);
		pt_map(&self->pt, 1ULL << 48, 5, 0, LEAF);
		if (pb < 48)
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 1ULL << 48, W_);
		else
			EXPECT_XLATE((1ULL << 48) - 1, SZ_256T, (2ULL << 48) - 1, W_);
	}
}

TEST_F(walker, reserved_bits_60_54)
{
	unsigned int levels, l, b;
	u64 iova = 0x12345000, e;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 56, NAPOT | PBMT, ALL_SIZES);
		pt_map(&self->pt, iova, 1, 0x9000, LEAF);
		for (l = 1; l <= levels; l++) {
			e = pt_entry(&self->pt, iova, l);
			for (b = 54; b <= 60; b++) {
				pt_or(&self->pt, e, 1ULL << b);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
				EXPECT_EQ(levels - l + 1, self->pt.m.reads);
				pt_andn(&self->pt, e, 1ULL << b);
			}
		}
		/* In a superpage too. */
		e = pt_map(&self->pt, 0x40000000, 3, 0x40000000, LEAF);
		for (b = 54; b <= 60; b++) {
			pt_or(&self->pt, e, 1ULL << b);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000000, X_);
			pt_andn(&self->pt, e, 1ULL << b);
		}
		EXPECT_XLATE(0x9000, SZ_4K, iova, R_);
	}
}

TEST_F(walker, ignored_bits_are_ignored)
{
	unsigned int levels, leaf, l;
	u64 iova = 0x00000012c0000000ULL, out = 0x2ffc0000000ULL;

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			u64 size = lsize(leaf);
			u64 want = out + (iova & (size - 1)) + 0x18;

			pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, out, LEAF);
			/* G and RSW in every entry: nothing changes. */
			for (l = levels; l >= leaf; l--)
				pt_or(&self->pt, pt_entry(&self->pt, iova, l), PTE_G | PTE_RSW);
			EXPECT_XLATE(want, size, iova + 0x18, R_);
			EXPECT_XLATE(want, size, iova + 0x18, W_);
			EXPECT_XLATE(want, size, iova + 0x18, X_);
			for (l = levels; l >= leaf; l--)
				pt_andn(&self->pt, pt_entry(&self->pt, iova, l), PTE_RSW);
			pt_or(&self->pt, pt_entry(&self->pt, iova, leaf), 1ULL << 8);
			EXPECT_XLATE(want, size, iova + 0x18, R_);
		}
	}
}

TEST_F(walker, not_present_at_each_level)
{
	unsigned int levels, l;
	u64 iova = 0x0000003456789000ULL, e, v;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, NAPOT | PBMT, ALL_SIZES);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, levels, iova, R_);
		EXPECT_EQ(1, self->pt.m.reads);
		pt_map(&self->pt, iova, 1, 0x3000, LEAF);
		for (l = 1; l <= levels; l++) {
			e = pt_entry(&self->pt, iova, l);
			v = wmem_get(&self->pt.m, e);
			pt_andn(&self->pt, e, PTE_V);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, R_);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, W_ | PRIV);
			EXPECT_EQ(levels - l + 1, self->pt.m.reads);
			/* Nothing else of an invalid entry counts. */
			wmem_set(&self->pt.m, e, ~PTE_V);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, X_);
			wmem_set(&self->pt.m, e, v);
		}
		EXPECT_XLATE(0x3000, SZ_4K, iova, R_);
	}
}

TEST_F(walker, pointers)
{
	unsigned int levels, l;
	u64 iova = 0x0000002345678000ULL, e;
	static const u64 bad[] = { PTE_A, PTE_D, PTE_U, PTE_A | PTE_D | PTE_U };

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, NAPOT | PBMT, ALL_SIZES);
		pt_map(&self->pt, iova, 1, 0x3000, LEAF);
		for (l = 2; l <= levels; l++) {
			unsigned int i;

			e = pt_entry(&self->pt, iova, l);
			/* A, D and U are reserved in a pointer. */
			for (i = 0; i < 4; i++) {
				pt_or(&self->pt, e, bad[i]);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
				EXPECT_EQ(levels - l + 1, self->pt.m.reads);
				pt_andn(&self->pt, e, bad[i]);
			}
			/* And N and PBMT, even where the leaves take them. */
			for (i = 1; i <= 3; i++) {
				pt_or(&self->pt, e, PTE_PBMT(i));
				EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
				pt_andn(&self->pt, e, PTE_PBMT(i));
			}
			pt_or(&self->pt, e, PTE_N);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
			pt_andn(&self->pt, e, PTE_N);
			/* G is not. */
			pt_or(&self->pt, e, PTE_G);
			EXPECT_XLATE(0x3000, SZ_4K, iova, R_);
		}
		/* A pointer at the 4 KiB level: nowhere to go. */
		e = pt_entry(&self->pt, iova, 1);
		wmem_set(&self->pt.m, e, pte(self->pt.cfg.root, PTE_V));
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova, R_);
		EXPECT_EQ(levels, self->pt.m.reads);
		wmem_set(&self->pt.m, e, pte(0x3000, PTE_V | PTE_G));
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova, W_);
	}
}

TEST_F(walker, write_without_read_is_reserved)
{
	static const u64 enc[] = { PTE_W, PTE_W | PTE_X, PTE_W | PTE_U,
				   PTE_W | PTE_X | PTE_U | PTE_A | PTE_D };
	unsigned int leaf, i, q;
	u64 e;

	pt_reset(&self->pt, 5, 56, 0, ALL_SIZES);
	for (leaf = 1; leaf <= 5; leaf++) {
		u64 iova = lsize(leaf) * 5;

		e = pt_map(&self->pt, iova, leaf, lsize(leaf), LEAF);
		for (i = 0; i < 4; i++) {
			wmem_set(&self->pt.m, e, pte(lsize(leaf), PTE_V | enc[i]));
			for (q = 0; q < 6; q++)
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, requests[q]);
		}
		/* Every other R/W/X encoding but 0 is a leaf. */
		for (i = 1; i < 8; i++) {
			u64 rwx = (u64)i << 1;

			if ((rwx & (PTE_R | PTE_W)) == PTE_W)
				continue;
			wmem_set(&self->pt.m, e, pte(lsize(leaf), PTE_V | PTE_A | PTE_D | rwx));
			if (rwx & PTE_R)
				EXPECT_XLATE(lsize(leaf), lsize(leaf), iova, R_ | PRIV);
			else	/* execute-only */
				EXPECT_FAULT(IOASID_FAULT_PERMISSION, leaf, iova, R_ | PRIV);
		}
	}
}

TEST_F(walker, pbmt)
{
	unsigned int leaf, v;
	u64 e;

	for (leaf = 1; leaf <= 4; leaf++) {
		u64 iova = lsize(leaf) * 3;

		/* Without Svpbmt: every value reserved. */
		pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
		e = pt_map(&self->pt, iova, leaf, lsize(leaf) * 2, LEAF);
		for (v = 1; v <= 3; v++) {
			pt_or(&self->pt, e, PTE_PBMT(v));
			EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
			pt_andn(&self->pt, e, PTE_PBMT(v));
		}
		/* With it: 0 to 2 change nothing, 3 is reserved. */
		self->pt.cfg.flags = PBMT;
		for (v = 0; v <= 3; v++) {
			pt_or(&self->pt, e, PTE_PBMT(v));
			if (v == 3)
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova + 5, W_);
			else
				EXPECT_XLATE(lsize(leaf) * 2 + 5, lsize(leaf), iova + 5, W_);
			pt_andn(&self->pt, e, PTE_PBMT(v));
		}
	}
}

/* Svnapot ------------------------------------------------------------------- */

/* The 16 entries of a 64 KiB NAPOT page at @iova to @out. */
static void map_napot(struct pt *pt, u64 iova, u64 out, u64 flags)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		pt_map(pt, iova + i * SZ_4K, 1, out | 0x8000, PTE_N | flags);
}

TEST_F(walker, napot_64k)
{
	unsigned int levels, i, k;
	u64 iova = 0x3654320000ULL, out = 0x3fffff0000ULL;
	static const u64 offs[] = { 0, 1, 0xfff, 0x1000, 0x7ff8, 0x8000, 0xabcd, 0xffff };

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, NAPOT, ALL_SIZES);
		map_napot(&self->pt, iova, out, LEAF);
		for (k = 0; k < 8; k++) {
			EXPECT_XLATE(out + offs[k], SZ_64K, iova + offs[k], R_);
			EXPECT_EQ(levels, self->pt.m.reads);
		}
		/* Each entry alone: the walk reads only its own. */
		for (i = 0; i < 16; i++) {
			if (i == 5)
				continue;
			wmem_set(&self->pt.m, pt_entry(&self->pt, iova + i * SZ_4K, 1), 0);
		}
		EXPECT_XLATE(out + 0x5123, SZ_64K, iova + 0x5123, W_);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, iova + 0x4fff, R_);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, iova + 0x6000, R_);
	}
}

TEST_F(walker, napot_reserved_encodings)
{
	unsigned int v, leaf;
	u64 iova = 0x30000, e;

	pt_reset(&self->pt, 4, 46, NAPOT, ALL_SIZES);
	e = pt_map(&self->pt, iova, 1, 0x50000, LEAF | PTE_N);
	/* PPN[3:0] other than 0b1000. */
	for (v = 0; v < 16; v++) {
		wmem_set(&self->pt.m, e, pte(0x50000 | (u64)v << 12, PTE_V | LEAF | PTE_N));
		if (v == 8)
			EXPECT_XLATE(0x50123, SZ_64K, iova + 0x123, R_);
		else
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova + 0x123, R_);
	}
	/* Without Svnapot, N is reserved, whatever the PPN. */
	self->pt.cfg.flags = 0;
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova, R_);
	wmem_set(&self->pt.m, e, pte(0x58000, PTE_V | LEAF | PTE_N));
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova, R_);
	/* Not declared: 64 KiB is not in the bitmap. */
	self->pt.cfg.flags = NAPOT;
	EXPECT_XLATE(0x50000, SZ_64K, iova, R_);
	self->pt.cfg.pgsize_bitmap = ALL_SIZES & ~SZ_64K;
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, iova, R_);
	self->pt.cfg.pgsize_bitmap = ALL_SIZES;
	/* N in a superpage leaf, with any PPN. */
	for (leaf = 2; leaf <= 4; leaf++) {
		u64 at = lsize(leaf) * 3;

		e = pt_map(&self->pt, at, leaf, lsize(leaf), LEAF | PTE_N);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, at, R_);
		wmem_set(&self->pt.m, e, pte(lsize(leaf) | 0x8000, PTE_V | LEAF | PTE_N));
		EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, at, R_);
		pt_andn(&self->pt, e, PTE_N);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, at, R_);	/* misaligned */
		wmem_set(&self->pt.m, e, pte(lsize(leaf), PTE_V | LEAF));
		EXPECT_XLATE(lsize(leaf), lsize(leaf), at, R_);
	}
}

/* Canonical addresses -------------------------------------------------------- */

TEST_F(walker, canonical_addresses)
{
	static const struct {
		unsigned int levels;
		u64 iova;
		bool canonical;
	} cases[] = {
		{ 3, 0, true },
		{ 3, 0x0000003fffffffffULL, true },
		{ 3, 0x0000004000000000ULL, false },
		{ 3, 0xffffffc000000000ULL, true },
		{ 3, 0xffffffbfffffffffULL, false },
		{ 3, 0xffffffffffffffffULL, true },
		{ 3, 0x0000008000000000ULL, false },
		{ 3, 0x8000000000000000ULL, false },
		{ 3, 0x00007fffffffffffULL, false },
		{ 4, 0, true },
		{ 4, 0x00007fffffffffffULL, true },
		{ 4, 0x0000800000000000ULL, false },
		{ 4, 0xffff800000000000ULL, true },
		{ 4, 0xffff7fffffffffffULL, false },
		{ 4, 0x0000004000000000ULL, true },
		{ 4, 0x0001000000000000ULL, false },
		{ 5, 0, true },
		{ 5, 0x00ffffffffffffffULL, true },
		{ 5, 0x0100000000000000ULL, false },
		{ 5, 0xff00000000000000ULL, true },
		{ 5, 0xfeffffffffffffffULL, false },
		{ 5, 0x0000800000000000ULL, true },
		{ 5, 0x8000000000000000ULL, false },
		{ 5, 0xffffffffffffffffULL, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pt_reset(&self->pt, cases[i].levels, 46, 0, ALL_SIZES);
		if (cases[i].canonical) {
			/* Not rejected: the walk reads the empty root. */
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, cases[i].levels,
				     cases[i].iova, R_);
			EXPECT_EQ(1, self->pt.m.reads);
			pt_map(&self->pt, cases[i].iova & ~0xfffULL, 1, 0x7000, LEAF);
			EXPECT_XLATE(0x7000 | (cases[i].iova & 0xfff), SZ_4K,
				     cases[i].iova, R_);
		} else {
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, cases[i].levels,
				     cases[i].iova, R_);
			EXPECT_EQ(0, self->pt.m.reads);
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, cases[i].levels,
				     cases[i].iova, W_ | PRIV);
		}
	}
	/* The upper half uses the upper half of the root table. */
	pt_reset(&self->pt, 3, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0xffffffc000000000ULL, 1, 0x9000, LEAF);
	EXPECT_NE(0, wmem_get(&self->pt.m, self->pt.cfg.root + 8 * 256));
	EXPECT_XLATE(0x9010, SZ_4K, 0xffffffc000000010ULL, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 3, 0x10, R_);
}

/* Permissions ---------------------------------------------------------------- */

/*
 * What a leaf with @e's R, W, X and U grants, written as a table: for
 * each privilege and kind, the bit it needs and whether U allows it.
 */
static u32 grants(u64 e, u32 flags)
{
	static const struct {
		u64 bit;
		bool priv;
		u32 perm;
		bool u_ok_priv;		/* a privileged request may use a U page (SUM) */
	} rules[] = {
		{ PTE_R, false, IOASID_PT_UR, false },
		{ PTE_W, false, IOASID_PT_UW, false },
		{ PTE_X, false, IOASID_PT_UX, false },
		{ PTE_R, true, IOASID_PT_SR, true },
		{ PTE_W, true, IOASID_PT_SW, true },
		{ PTE_X, true, IOASID_PT_SX, false },
	};
	bool user = e & PTE_U;
	u32 perm = 0;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if (!(e & rules[i].bit))
			continue;
		if (!rules[i].priv && !user)
			continue;
		if (rules[i].priv && user && !(rules[i].u_ok_priv && (flags & SUM)))
			continue;
		perm |= rules[i].perm;
	}
	return perm;
}

/* Every R/W/X/U leaf, every request, with and without SUM, at @leaf. */
static void check_permissions(struct __test_metadata *_metadata, struct pt *pt,
			      unsigned int levels, unsigned int leaf)
{
	static const u32 modes[] = { 0, SUM, AD, AD | SUM };
	u64 iova = 0x00000012ef000000ULL & ~(lsize(leaf) - 1), out = 3 * lsize(leaf);
	unsigned long checked = 0;
	unsigned int combo, q, md;
	u64 e;

	pt_reset(pt, levels, 46, 0, ALL_SIZES);
	e = pt_map(pt, iova, leaf, out, LEAF);
	for (combo = 0; combo < 16; combo++) {
		u64 bits = (u64)combo << 1;	/* R, W, X, U */

		if (!(bits & PTE_RWX) || (bits & (PTE_R | PTE_W)) == PTE_W)
			continue;
		wmem_set(&pt->m, e, pte(out, PTE_V | PTE_A | PTE_D | bits));
		for (md = 0; md < 4; md++) {
			u32 g = grants(bits, modes[md]);

			pt->cfg.flags = modes[md];
			for (q = 0; q < 6; q++) {
				struct ioasid_pt_result r;
				bool ok = ioasid_pt_permits(g, requests[q]);
				int ret = walk(pt, iova + 0x18, requests[q], &r);

				checked++;
				EXPECT_EQ(g, r.perm);
				EXPECT_EQ(0, r.maybe);
				EXPECT_EQ(0, pt->m.cmpxchgs);
				if (ok) {
					ASSERT_EQ(0, ret);
					EXPECT_EQ(out + 0x18, r.out);
					EXPECT_EQ(lsize(leaf), r.page_size);
				} else {
					ASSERT_EQ(IOASID_FAULT_PERMISSION, ret);
					EXPECT_EQ(IOASID_FAULT_PERMISSION, r.fault_reason);
					EXPECT_EQ(leaf, r.fault_level);
					EXPECT_EQ(0, r.out);
				}
				if (_metadata->exit_code)
					return;
			}
		}
	}
	/* 10 encodings are leaves (16, minus RWX 0 and W without R, U or not). */
	EXPECT_EQ(checked, 10UL * 4 * 6);
}

TEST_F(walker, permissions_4k_sv39)
{
	check_permissions(_metadata, &self->pt, 3, 1);
}

TEST_F(walker, permissions_2m_sv48)
{
	check_permissions(_metadata, &self->pt, 4, 2);
}

TEST_F(walker, permissions_1g_sv57)
{
	check_permissions(_metadata, &self->pt, 5, 3);
}

TEST_F(walker, permissions_512g_sv57)
{
	check_permissions(_metadata, &self->pt, 5, 4);
}

/* A few spelled out, in case the model above and the walker share a bug. */
TEST_F(walker, permissions_by_hand)
{
	struct ioasid_pt_result r;
	u64 e;

	e = pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
	EXPECT_EQ(U_ALL, r.perm);
	/* A U page: no privileged access without SUM. */
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_ | PRIV);
	self->pt.cfg.flags = SUM;
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
	/* Never privileged execution from a U page. */
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);

	/* A supervisor page: nothing unprivileged, everything privileged. */
	pt_andn(&self->pt, e, PTE_U);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, X_ | PRIV, &r));
	EXPECT_EQ(S_ALL, r.perm);
	self->pt.cfg.flags = 0;
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	EXPECT_EQ(S_ALL, r.perm);

	/* Read-only. */
	pt_andn(&self->pt, e, PTE_W);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_ | PRIV);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, R_ | PRIV, &r));
	EXPECT_EQ(IOASID_PT_SR | IOASID_PT_SX, r.perm);

	/* Execute-only: an instruction fetch is also a read here (walker.h). */
	wmem_set(&self->pt.m, e, pte(0x2000, PTE_V | PTE_X | PTE_U | PTE_A | PTE_D));
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_);
	EXPECT_EQ(IOASID_FAULT_PERMISSION, walk(&self->pt, 0x1000, X_, &r));
	EXPECT_EQ(IOASID_PT_UX, r.perm);

	/* Permissions are the leaf's: pointers hold none (no U needed there). */
	pt_map(&self->pt, 0x40000000, 1, 0x3000, PTE_R | PTE_U | PTE_A);
	EXPECT_EQ(0, walk(&self->pt, 0x40000000, R_, &r));
	EXPECT_EQ(IOASID_PT_UR, r.perm);
}

/* A and D ---------------------------------------------------------------------- */

TEST_F(walker, no_ad_update_a_clear_faults_whatever_the_request)
{
	unsigned int levels, leaf, q;
	u64 e;

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			u64 iova = lsize(leaf) * 2;

			pt_reset(&self->pt, levels, 56, SUM, ALL_SIZES);
			e = pt_map(&self->pt, iova, leaf, lsize(leaf), LEAF & ~PTE_A);
			for (q = 0; q < 6; q++)
				EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, leaf, iova, requests[q]);
			/* Even where the permission check would fail. */
			wmem_set(&self->pt.m, e, pte(lsize(leaf), PTE_V | PTE_R));
			for (q = 0; q < 6; q++)
				EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, leaf, iova, requests[q]);
			/* But after every reserved encoding. */
			wmem_set(&self->pt.m, e, pte(lsize(leaf), PTE_V | PTE_W));
			EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
		}
	}
}

TEST_F(walker, no_ad_update_d_clear)
{
	struct ioasid_pt_result r;
	unsigned int leaf;
	u64 e;

	for (leaf = 1; leaf <= 4; leaf++) {
		u64 iova = lsize(leaf) * 2;

		pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
		e = pt_map(&self->pt, iova, leaf, lsize(leaf), LEAF & ~PTE_D);
		/* Reads get no write: no walk would set D. */
		ASSERT_EQ(0, walk(&self->pt, iova, R_, &r));
		EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX, r.perm);
		EXPECT_EQ(0, r.maybe);
		ASSERT_EQ(0, walk(&self->pt, iova, X_, &r));
		/* A permitted write faults on D. */
		EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, leaf, iova, W_);
		/* A write not permitted anyway is a permission fault. */
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, leaf, iova, W_ | PRIV);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, walk(&self->pt, iova, W_ | PRIV, &r));
		EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX, r.perm);
		EXPECT_EQ(0, r.maybe);
		self->pt.cfg.flags = SUM;
		EXPECT_FAULT(IOASID_FAULT_ACCESS_FLAG, leaf, iova, W_ | PRIV);
		pt_andn(&self->pt, e, PTE_W);
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, leaf, iova, W_ | PRIV);
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, leaf, iova, W_);
		/* D set: writes go. */
		pt_or(&self->pt, e, PTE_W | PTE_D);
		ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
		EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
	}
}

TEST_F(walker, ad_update_read_sets_a_then_write_sets_d)
{
	unsigned int levels, leaf, l;
	struct ioasid_pt_result r;
	u64 e;

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			u64 iova = lsize(leaf) * 2, out = lsize(leaf) * 4;

			pt_reset(&self->pt, levels, 56, AD | SUM, ALL_SIZES);
			e = pt_map(&self->pt, iova, leaf, out, LEAF & ~(PTE_A | PTE_D));
			ASSERT_EQ(0, walk(&self->pt, iova + 0x10, R_, &r));
			EXPECT_EQ(out + 0x10, r.out);
			EXPECT_EQ(1, self->pt.m.cmpxchgs);
			EXPECT_EQ(PTE_A, wmem_get(&self->pt.m, e) & (PTE_A | PTE_D));
			EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR, r.perm);
			EXPECT_EQ(PT_W, r.maybe);
			/* Pointers are never written. */
			for (l = leaf + 1; l <= levels; l++)
				EXPECT_EQ(0, wmem_get(&self->pt.m, pt_entry(&self->pt, iova, l)) &
					  (PTE_A | PTE_D | PTE_U));

			/* A set already: nothing to update. */
			ASSERT_EQ(0, walk(&self->pt, iova, X_, &r));
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			EXPECT_EQ(PT_W, r.maybe);

			/* A write sets D. */
			ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
			EXPECT_EQ(1, self->pt.m.cmpxchgs);
			EXPECT_EQ(PTE_A | PTE_D, wmem_get(&self->pt.m, e) & (PTE_A | PTE_D));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
			EXPECT_EQ(0, r.maybe);

			/* Then reads get write permission too. */
			ASSERT_EQ(0, walk(&self->pt, iova, R_ | PRIV, &r));
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
			EXPECT_EQ(0, r.maybe);

			/* A first write sets A and D in one update. */
			wmem_set(&self->pt.m, e, pte(out, PTE_V | (LEAF & ~(PTE_A | PTE_D))));
			ASSERT_EQ(0, walk(&self->pt, iova, W_ | PRIV, &r));
			EXPECT_EQ(1, self->pt.m.cmpxchgs);
			EXPECT_EQ(pte(out, PTE_V | LEAF), wmem_get(&self->pt.m, e));
		}
	}
}

TEST_F(walker, ad_update_only_on_success)
{
	u64 *copy = malloc(wmem_size(&self->pt.m));
	u64 e;

	ASSERT_NE(NULL, copy);
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	e = pt_map(&self->pt, 0x1000, 1, 0x2000, PTE_R | PTE_U);
	pt_map(&self->pt, 0x200000, 2, 0x400000, PTE_R | PTE_W);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000 | (1ULL << 20), LEAF & ~PTE_A);
	pt_map(&self->pt, 0x80000000, 3, 0x40000000, PTE_W | PTE_U);
	memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_ | PRIV);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 2, 0x200000, R_);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000000, W_);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x80000000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 3, 0xc0000000, W_);
	EXPECT_EQ(0, self->pt.m.cmpxchgs);
	EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
	EXPECT_EQ(PTE_A, wmem_get(&self->pt.m, e) & (PTE_A | PTE_D));
	free(copy);
}

TEST_F(walker, ad_update_not_writable)
{
	unsigned int levels;
	u64 e;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		e = pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF & ~(PTE_A | PTE_D));
		self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);
		/* A set: a read has nothing to write. */
		pt_or(&self->pt, e, PTE_A);
		EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		/* But a write needs D. */
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		/* Another reason from the parent is passed on. */
		self->pt.m.cmpxchg_fail = IOASID_FAULT_TABLE;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 1, 0x1000, W_);
		self->pt.m.cmpxchg_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 1, 0x1000, W_);
		/* Not a reason at all: the walker makes it AD_UPDATE. */
		self->pt.m.cmpxchg_fail = -5;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		self->pt.m.cmpxchg_fail = 0;
		EXPECT_XLATE(0x2000, SZ_4K, 0x1000, W_);
		EXPECT_EQ(pte(0x2000, PTE_V | LEAF), wmem_get(&self->pt.m, e));
	}
}

TEST_F(walker, ad_update_concurrent_change_restarts)
{
	struct ioasid_pt_result r;
	unsigned int levels, n;
	u64 e;

	for (levels = 3; levels <= 5; levels++) {
		for (n = 1; n <= 7; n++) {
			pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
			e = pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF & ~(PTE_A | PTE_D));
			self->pt.m.races = n;
			ASSERT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
			EXPECT_EQ(0x2000, r.out);
			EXPECT_EQ(0, r.fault_reason);
			EXPECT_EQ(0, r.fault_level);
			EXPECT_EQ(n, self->pt.m.races_done);
			/* The leaf failed n times, then succeeded. */
			EXPECT_EQ((n + 1) * levels, self->pt.m.reads);
			EXPECT_EQ(n + 1, self->pt.m.cmpxchgs);
			EXPECT_EQ(PTE_A | PTE_D, wmem_get(&self->pt.m, e) & (PTE_A | PTE_D));
		}
	}
}

TEST_F(walker, ad_update_permanent_contention_gives_up)
{
	unsigned int levels;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF & ~(PTE_A | PTE_D));
		self->pt.m.races = 8;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
		EXPECT_EQ(8 * levels, self->pt.m.reads);
		EXPECT_EQ(8, self->pt.m.cmpxchgs);
		EXPECT_EQ(0, self->pt.m.races);

		self->pt.m.races = 1000000;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		EXPECT_EQ(8 * levels, self->pt.m.reads);
		EXPECT_EQ(8, self->pt.m.cmpxchgs);
		self->pt.m.races = 0;
	}
}

TEST_F(walker, ad_update_concurrent_change_is_seen)
{
	struct ioasid_pt_result r;
	u64 e;

	/* Another agent clears V while we set A: the restart sees it. */
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	e = pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF & ~(PTE_A | PTE_D));
	self->pt.m.race_bits = PTE_V;
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x1000, W_);
	EXPECT_EQ(1, self->pt.m.races_done);
	EXPECT_EQ(8, self->pt.m.reads);

	/* Or makes it read-only before we set D. */
	wmem_set(&self->pt.m, e, pte(0x2000, PTE_V | LEAF | PTE_A));
	pt_andn(&self->pt, e, PTE_D);
	self->pt.m.race_bits = PTE_W;
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_EQ(0, wmem_get(&self->pt.m, e) & PTE_D);

	/* Or sets D itself: the second attempt needs no update. */
	wmem_set(&self->pt.m, e, pte(0x2000, PTE_V | LEAF | PTE_A));
	pt_andn(&self->pt, e, PTE_D);
	self->pt.m.race_bits = PTE_D;
	self->pt.m.races = 1;
	ASSERT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
	EXPECT_EQ(1, self->pt.m.cmpxchgs);
	EXPECT_EQ(8, self->pt.m.reads);

	/* Or makes it a reserved encoding. */
	wmem_set(&self->pt.m, e, pte(0x2000, PTE_V | LEAF));
	pt_andn(&self->pt, e, PTE_A);
	self->pt.m.race_bits = PTE_R;
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x1000, R_);
	self->pt.m.race_bits = PTE_RSW;
}

/* Malformed tables -------------------------------------------------------------- */

TEST_F(walker, table_outside_the_parent_memory)
{
	unsigned int levels, l;
	u64 iova = 0x0000003456789000ULL, e, v;

	self->outside_ok = true;
	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, iova, 1, 0x3000, LEAF);
		for (l = 2; l <= levels; l++) {
			e = pt_entry(&self->pt, iova, l);
			v = wmem_get(&self->pt.m, e);
			wmem_set(&self->pt.m, e, pte(0x3fff0000000ULL, PTE_V));
			self->pt.m.outside = 0;
			EXPECT_FAULT(IOASID_FAULT_TABLE, l - 1, iova, R_);
			EXPECT_EQ(1, self->pt.m.outside);
			EXPECT_EQ(levels - l + 2, self->pt.m.reads);
			wmem_set(&self->pt.m, e, v);
		}
		/* The root itself. */
		self->pt.cfg.root = 0x200000000ULL;
		self->pt.m.outside = 0;
		EXPECT_FAULT(IOASID_FAULT_TABLE, levels, iova, R_);
		EXPECT_EQ(1, self->pt.m.outside);
		/* A leaf pointing outside is not read: fine. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, iova, 1, 0x3fff0000000ULL, LEAF);
		self->pt.m.outside = 0;
		EXPECT_XLATE(0x3fff0000000ULL, SZ_4K, iova, R_);
		EXPECT_EQ(0, self->pt.m.outside);
	}
}

TEST_F(walker, read_fault_reasons_pass_through)
{
	unsigned int n;

	pt_reset(&self->pt, 5, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, LEAF);
	for (n = 1; n <= 5; n++) {
		self->pt.m.read_fail_at = n;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 6 - n, 0x1000, R_);
		self->pt.m.read_fail = IOASID_FAULT_TABLE;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 6 - n, 0x1000, R_);
		/* Not a reason at all: the walker makes it TABLE. */
		self->pt.m.read_fail = -5;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 6 - n, 0x1000, R_);
		self->pt.m.read_fail = 100;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 6 - n, 0x1000, R_);
	}
	self->pt.m.read_fail_at = 0;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
}

TEST_F(walker, loops_end)
{
	unsigned int levels, i;
	u64 root;

	for (levels = 3; levels <= 5; levels++) {
		/* Every entry of the root points at the root. */
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		root = self->pt.cfg.root;
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i, pte(root, PTE_V));
		/* At level 1 that pointer is reserved. */
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x1000, R_);
		EXPECT_EQ(levels, self->pt.m.reads);
		/* A leaf in the root seen as a 4 KiB table. */
		wmem_set(&self->pt.m, root + 8 * 5, pte(root, PTE_V | LEAF));
		EXPECT_XLATE(root + 0x123, SZ_4K, 0x5123, W_);
		EXPECT_EQ(levels, self->pt.m.reads);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		/* A table pointing at itself through a level below. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		root = self->pt.cfg.root;
		pt_map(&self->pt, 0x3000, 1, 0x9000, LEAF);
		wmem_set(&self->pt.m, pt_entry(&self->pt, 0x3000, 2) + 8, pte(root, PTE_V));
		/* 0x200000: level 2 entry 1 -> root as level 1 table, entry 0. */
		EXPECT_EQ(IOASID_FAULT_RESERVED, walk(&self->pt, 0x200000, R_, &(struct ioasid_pt_result){ 0 }));
	}
}

TEST_F(walker, invalid_configuration)
{
	static const struct {
		u32 levels, phys_bits;
		u64 root_add;
	} cases[] = {
		{ 0, 46, 0 }, { 1, 46, 0 }, { 2, 46, 0 }, { 6, 46, 0 }, { 0xffffffff, 46, 0 },
		{ 4, 31, 0 }, { 4, 57, 0 }, { 4, 0, 0 }, { 5, 64, 0 },
		{ 4, 46, 8 }, { 4, 46, 0x800 }, { 4, 32, 1ULL << 32 }, { 5, 56, 1ULL << 56 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pt_reset(&self->pt, cases[i].levels, cases[i].phys_bits, 0, ALL_SIZES);
		self->pt.cfg.root += cases[i].root_add;
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 0, 0x1000, R_);
		EXPECT_EQ(0, self->pt.m.reads);
	}
}

/* A 5-level table spread over the whole input space. */
TEST_F(walker, sv57_many_pages)
{
	unsigned int i;
	u64 iova, out;

	pt_reset(&self->pt, 5, 56, AD | SUM, ALL_SIZES);
	for (i = 0; i < 8; i++) {
		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;	/* sign-extended */
		out = 0xfff0000000000ULL + ((u64)i << 24);
		pt_map(&self->pt, iova, 1, out, LEAF & ~(PTE_A | PTE_D));
	}
	for (i = 0; i < 8; i++) {
		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;
		out = 0xfff0000000000ULL + ((u64)i << 24);
		EXPECT_XLATE(out + i, SZ_4K, iova + i, W_ | PRIV);
		EXPECT_EQ(PTE_A | PTE_D,
			  wmem_get(&self->pt.m, pt_entry(&self->pt, iova, 1)) & (PTE_A | PTE_D));
	}
}

/* ioasid_riscv_iterate() ----------------------------------------------------------- */

#define MAX_ITEMS	64

#include "walker_items.h"

static int no_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	abort();
}

/* Iterate, counting reads from zero; keeps s->stop_*. */
static int iterate(struct pt *pt, u64 start, u64 last, struct items *s)
{
	struct ioasid_pt_io io = wmem_io(&pt->m);

	io.cmpxchg = no_cmpxchg;
	pt->m.reads = 0;
	pt->m.cmpxchgs = 0;
	s->n = 0;
	s->calls = 0;
	s->disorder = 0;
	s->faults = 0;
	memset(s->it, 0xa5, sizeof(s->it));
	return ioasid_riscv_iterate(&pt->cfg, start, last, &io, collect, s);
}

/*
 * Every item agrees with walks of its first and last address, for every
 * request (the memory is put back after each walk).
 */
static void check_items(struct __test_metadata *_metadata, struct pt *pt,
			const struct items *s)
{
	u64 *copy = malloc(wmem_size(&pt->m));
	bool ad = pt->cfg.flags & AD;
	struct ioasid_pt_result r;
	unsigned int i, e, q;
	int ret;

	ASSERT_NE(NULL, copy);
	EXPECT_EQ(0, s->disorder);
	memcpy(copy, pt->m.buf, wmem_size(&pt->m));
	for (i = 0; i < s->n; i++) {
		const struct ioasid_pt_leaf *l = &s->it[i];

		for (e = 0; e < 2; e++) {
			u64 iova = e ? l->last : l->first;

			for (q = 0; q < 6; q++) {
				bool write = requests[q] & W_;

				ret = walk(pt, iova, requests[q], &r);
				memcpy(pt->m.buf, copy, wmem_size(&pt->m));
				if (l->fault_reason) {
					EXPECT_EQ(l->fault_reason, ret);
					EXPECT_EQ(l->fault_level, r.fault_level);
					continue;
				}
				if (write && !ad && ret == IOASID_FAULT_ACCESS_FLAG) {
					/* D clear: the item grants no write. */
					EXPECT_FALSE(ioasid_pt_permits(l->perm, requests[q]));
					continue;
				}
				ASSERT_TRUE(!ret || ret == IOASID_FAULT_PERMISSION) {
					TH_LOG("item %u access %#x: %d", i, requests[q], ret);
				}
				EXPECT_EQ(!ret, ioasid_pt_permits(write ? l->perm | l->maybe : l->perm,
								  requests[q]));
				EXPECT_EQ(write ? l->perm | l->maybe : l->perm, r.perm);
				EXPECT_EQ(write ? 0 : l->maybe, r.maybe);
				if (ret)
					continue;
				EXPECT_EQ(l->out + (iova - l->first), r.out);
				EXPECT_EQ(l->page_size, r.page_size);
				/* It updated what the item says a walk sets. */
				EXPECT_EQ(!!pt->m.cmpxchgs,
					  !!((l->update & IOASID_PT_SET_A) ||
					     (write && (l->update & IOASID_PT_SET_D))));
			}
		}
	}
	free(copy);
}

TEST_F(walker, iter_empty_table)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD | SUM, ALL_SIZES);
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(256, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, high_first(levels), ~0ULL, &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(256, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, 0x1000, 0x1000, &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(1, self->pt.m.reads);
		/* Everything: only the non-canonical hole. */
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, low_last(levels) + 1, high_first(levels) - 1,
				  IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_EQ(512, self->pt.m.reads);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_single_leaf_every_size)
{
	unsigned int levels, leaf, half;
	struct items s = { 0 };

	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			for (half = 0; half < 2; half++) {
				u64 size = lsize(leaf), out = (1ULL << 55) - size;
				u64 iova = half ? high_first(levels) : 0;
				unsigned int li = half, hi = !half;

				iova += (leaf < levels ? 3 : 1) * size;
				pt_reset(&self->pt, levels, 56, 0, ALL_SIZES);
				pt_map(&self->pt, iova, leaf, out, LEAF);
				EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
				ASSERT_EQ(2, s.calls);
				EXPECT_LEAF_ITEM(&s, li, iova, iova + size - 1, out, size, U_ALL);
				EXPECT_EQ(0, s.it[li].maybe);
				EXPECT_EQ(0, s.it[li].update);
				EXPECT_FAULT_ITEM(&s, hi, low_last(levels) + 1,
						  high_first(levels) - 1,
						  IOASID_FAULT_NON_CANONICAL, levels);
				/* Every entry of every table on the path once. */
				EXPECT_EQ(512 * (levels - leaf) + 512, self->pt.m.reads);
				check_items(_metadata, &self->pt, &s);

				/* Just the leaf: one read a level. */
				EXPECT_EQ(0, iterate(&self->pt, iova, iova + size - 1, &s));
				ASSERT_EQ(1, s.calls);
				EXPECT_LEAF_ITEM(&s, 0, iova, iova + size - 1, out, size, U_ALL);
				EXPECT_EQ(levels - leaf + 1, self->pt.m.reads);
			}
		}
	}
}

TEST_F(walker, iter_clipped_at_both_ends)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x40200000, 2, 0x3ffffe00000ULL, LEAF);
		pt_map(&self->pt, 0x80000000, 3, 0x40000000, LEAF);
		pt_map(&self->pt, 0x1000, 1, 0x7000, LEAF);
		pt_map(&self->pt, 0x2000, 1, 0x5000, LEAF);
		pt_map(&self->pt, 0x3000, 1, 0x9000, LEAF);

		EXPECT_EQ(0, iterate(&self->pt, 0x40201234, 0x40205677, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x40201234, 0x40205677, 0x3ffffe01234ULL,
				 SZ_2M, U_ALL);
		EXPECT_EQ(levels - 1, self->pt.m.reads);

		EXPECT_EQ(0, iterate(&self->pt, 0x1800, 0x37ff, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1800, 0x1fff, 0x7800, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0x2000, 0x2fff, 0x5000, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 2, 0x3000, 0x37ff, 0x9000, SZ_4K, U_ALL);
		EXPECT_EQ(levels + 2, self->pt.m.reads);

		EXPECT_EQ(0, iterate(&self->pt, 0x2abc, 0x2abc, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x2abc, 0x2abc, 0x5abc, SZ_4K, U_ALL);

		EXPECT_EQ(0, iterate(&self->pt, 0x7fffffff, 0xc0000000, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x80000000, 0xbfffffff, 0x40000000, SZ_1G, U_ALL);
		EXPECT_EQ(0, iterate(&self->pt, 0x80000010, 0xbffffff0, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x80000010, 0xbffffff0, 0x40000010, SZ_1G, U_ALL);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_reserved_faults)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 e;

	for (levels = 3; levels <= 5; levels++) {
		/* A reserved bit in a level-3 pointer: its whole 1 GiB. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x11000, LEAF);
		pt_map(&self->pt, 0x40001000, 1, 0x12000, LEAF);
		pt_map(&self->pt, 0x80000000, 2, 0x200000, LEAF);
		pt_or(&self->pt, pt_entry(&self->pt, 0x40001000, 3), PTE_A);
		EXPECT_EQ(0, iterate(&self->pt, 0, 0xffffffff, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
		EXPECT_FAULT_ITEM(&s, 1, 0x40000000, 0x7fffffff, IOASID_FAULT_RESERVED, 3);
		EXPECT_LEAF_ITEM(&s, 2, 0x80000000, 0x801fffff, 0x200000, SZ_2M, U_ALL);
		check_items(_metadata, &self->pt, &s);
		/* Clipped. */
		EXPECT_EQ(0, iterate(&self->pt, 0x40000010, 0x40000fff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x40000010, 0x40000fff, IOASID_FAULT_RESERVED, 3);
		EXPECT_EQ(levels - 2, self->pt.m.reads);

		/* W without R in a 4 KiB leaf: that page. */
		e = pt_entry(&self->pt, 0x1000, 1);
		pt_andn(&self->pt, e, PTE_R);
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffffff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x1000, 0x1fff, IOASID_FAULT_RESERVED, 1);
		check_items(_metadata, &self->pt, &s);
		pt_or(&self->pt, e, PTE_R);

		/* A leaf size the table was not declared with. */
		self->pt.cfg.pgsize_bitmap = SZ_4K | SZ_1G;
		EXPECT_EQ(0, iterate(&self->pt, 0x80000000, 0xbfffffff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x80000000, 0x801fffff, IOASID_FAULT_RESERVED, 2);
		check_items(_metadata, &self->pt, &s);
		self->pt.cfg.pgsize_bitmap = ALL_SIZES;

		/* A misaligned 1 GiB leaf, next to a fine one. */
		pt_map(&self->pt, 0xc0000000, 3, 0x40000000 | (1ULL << 21), LEAF);
		pt_map(&self->pt, 0x100000000ULL, 3, 0x40000000, LEAF);
		EXPECT_EQ(0, iterate(&self->pt, 0xc0000000, 0x13fffffffULL, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0xc0000000, 0xffffffff, IOASID_FAULT_RESERVED, 3);
		EXPECT_LEAF_ITEM(&s, 1, 0x100000000ULL, 0x13fffffffULL, 0x40000000, SZ_1G,
				 U_ALL);
		check_items(_metadata, &self->pt, &s);

		/* A pointer at level 1. */
		wmem_set(&self->pt.m, pt_entry(&self->pt, 0x1000, 1), pte(0x5000, PTE_V));
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x1fff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x1000, 0x1fff, IOASID_FAULT_RESERVED, 1);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_refused_table_read)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 e;

	self->outside_ok = true;
	for (levels = 3; levels <= 5; levels++) {
		/* A level-2 pointer outside: its 2 MiB. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x11000, LEAF);
		pt_map(&self->pt, 0x200000, 1, 0x12000, LEAF);
		pt_map(&self->pt, 0x400000, 1, 0x13000, LEAF);
		e = pt_entry(&self->pt, 0x200000, 2);
		wmem_set(&self->pt.m, e, pte(0x3fff0000000ULL, PTE_V));
		self->pt.m.outside = 0;
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x5fffff, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
		EXPECT_FAULT_ITEM(&s, 1, 0x200000, 0x3fffff, IOASID_FAULT_TABLE, 1);
		EXPECT_LEAF_ITEM(&s, 2, 0x400000, 0x400fff, 0x13000, SZ_4K, U_ALL);
		EXPECT_EQ(1, self->pt.m.outside);
		check_items(_metadata, &self->pt, &s);

		/* The root: each canonical half, and the hole between. */
		self->pt.cfg.root = 0x200000000ULL;
		self->pt.m.outside = 0;
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0, low_last(levels), IOASID_FAULT_TABLE, levels);
		EXPECT_FAULT_ITEM(&s, 1, low_last(levels) + 1, high_first(levels) - 1,
				  IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_FAULT_ITEM(&s, 2, high_first(levels), ~0ULL, IOASID_FAULT_TABLE,
				  levels);
		EXPECT_EQ(2, self->pt.m.reads);
		check_items(_metadata, &self->pt, &s);
	}

	/* A read refused in the middle of a table: the rest of it, then on. */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, LEAF);
	pt_map(&self->pt, 0x2000, 1, 0x12000, LEAF);
	pt_map(&self->pt, 0x5000, 1, 0x15000, LEAF);
	pt_map(&self->pt, 0x200000, 2, 0x400000, LEAF);
	/* Reads: levels 4, 3, 2, then 0x0000, 0x1000, 0x2000, 0x3000. */
	self->pt.m.read_fail_at = 7;
	self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffff, &s));
	ASSERT_EQ(4, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
	EXPECT_LEAF_ITEM(&s, 1, 0x2000, 0x2fff, 0x12000, SZ_4K, U_ALL);
	EXPECT_FAULT_ITEM(&s, 2, 0x3000, 0x1fffff, IOASID_FAULT_WALK_LIMIT, 1);
	EXPECT_LEAF_ITEM(&s, 3, 0x200000, 0x3fffff, 0x400000, SZ_2M, U_ALL);
	EXPECT_EQ(8, self->pt.m.reads);
	self->pt.m.read_fail = -5;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffff, &s));
	ASSERT_EQ(4, s.calls);
	EXPECT_FAULT_ITEM(&s, 2, 0x3000, 0x1fffff, IOASID_FAULT_TABLE, 1);
	self->pt.m.read_fail_at = 0;
}

/* A budget of reads, spent: every table being visited ends at once. */
TEST_F(walker, iter_read_budget)
{
	struct items s = { 0 };
	unsigned int levels, i;
	u64 root, e;

	for (levels = 3; levels <= 5; levels++) {
		/*
		 * Every entry of the root points at the root, but its entry
		 * 1 is a leaf: 2^(9 * (levels - 1)) leaves of 4 KiB.
		 */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		root = self->pt.cfg.root;
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i, pte(root, PTE_V));
		wmem_set(&self->pt.m, root + 8, pte(0, PTE_V | LEAF));
		self->pt.m.read_fail_from = 1001;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(0, s.disorder);
		/* One more read a level, each ending its table with a fault. */
		EXPECT_EQ(1000 + levels, self->pt.m.reads);
		EXPECT_EQ(IOASID_FAULT_WALK_LIMIT, s.last_item.fault_reason);
		EXPECT_EQ(levels, s.last_item.fault_level);
		EXPECT_EQ(low_last(levels), s.last_item.last);
		/* Entry 0 of the root at level 1: a reserved pointer. */
		EXPECT_FAULT_ITEM(&s, 0, 0, 0xfff, IOASID_FAULT_RESERVED, 1);
		EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, 0, SZ_4K, U_ALL);
		self->pt.m.read_fail_from = 0;
		/* Without the budget, the items until then are the same. */
		e = s.calls - levels;
		s.stop_after = e;
		s.stop_ret = 1;
		EXPECT_EQ(1, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(1000, self->pt.m.reads);
		EXPECT_EQ(e, s.calls);
		s.stop_after = 0;
	}
}

TEST_F(walker, iter_fn_stops)
{
	struct items s = { 0 };
	unsigned int n;

	pt_map(&self->pt, 0x1000, 1, 0x11000, LEAF);
	pt_map(&self->pt, 0x200000, 2, 0x400000, LEAF);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000, LEAF);
	wmem_set(&self->pt.m, pt_entry(&self->pt, 0x40000000, 3) + 8, pte(0, PTE_V | PTE_W));
	for (n = 1; n <= 5; n++) {
		s.stop_after = n;
		s.stop_ret = n == 3 ? -22 : (int)n * 7;
		EXPECT_EQ(s.stop_ret, iterate(&self->pt, 0, ~0ULL, &s));
		EXPECT_EQ(n, s.calls);
	}
	EXPECT_LEAF_ITEM(&s, 2, 0x40000000, 0x7fffffff, 0x40000000, SZ_1G, U_ALL);
	EXPECT_FAULT_ITEM(&s, 3, 0x80000000, 0xbfffffff, IOASID_FAULT_RESERVED, 3);
	EXPECT_FAULT_ITEM(&s, 4, low_last(4) + 1, high_first(4) - 1,
			  IOASID_FAULT_NON_CANONICAL, 4);
	s.stop_after = 0;
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	EXPECT_EQ(5, s.calls);
}

TEST_F(walker, iter_up_to_u64_max_and_empty_ranges)
{
	static const u64 ranges[][2] = {
		{ 0x1001, 0x1000 }, { ~0ULL, 0 }, { 1, 0 }, { 0x800000000000ULL, 0x1000 },
	};
	struct items s = { 0 };
	unsigned int levels, i;

	for (levels = 3; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0xffffffffffc00000ULL, 2, 0x600000, LEAF);
		pt_map(&self->pt, 0xfffffffffffff000ULL, 1, 0x7000, LEAF);
		EXPECT_EQ(0, iterate(&self->pt, 0xffffffffff000000ULL, ~0ULL, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0xffffffffffc00000ULL, 0xffffffffffdfffffULL,
				 0x600000, SZ_2M, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0xfffffffffffff000ULL, ~0ULL, 0x7000, SZ_4K, U_ALL);
		check_items(_metadata, &self->pt, &s);
		EXPECT_EQ(0, iterate(&self->pt, ~0ULL, ~0ULL, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, ~0ULL, ~0ULL, 0x7fff, SZ_4K, U_ALL);
		EXPECT_EQ(levels, self->pt.m.reads);
		for (i = 0; i < 4; i++) {
			EXPECT_EQ(0, iterate(&self->pt, ranges[i][0], ranges[i][1], &s));
			EXPECT_EQ(0, s.calls);
			EXPECT_EQ(0, self->pt.m.reads);
			/* Even with an invalid configuration. */
			self->pt.cfg.levels = 2;
			EXPECT_EQ(0, iterate(&self->pt, ranges[i][0], ranges[i][1], &s));
			EXPECT_EQ(0, s.calls);
			self->pt.cfg.levels = levels;
		}
	}
}

TEST_F(walker, iter_non_canonical)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 lo, hi;

	for (levels = 3; levels <= 5; levels++) {
		lo = low_last(levels);
		hi = high_first(levels);
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, lo + 1 - SZ_4K, 1, 0x7000, LEAF);
		pt_map(&self->pt, hi, 1, 0x8000, LEAF);

		EXPECT_EQ(0, iterate(&self->pt, lo - 0xfff, lo + 0x1000, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, lo - 0xfff, lo, 0x7000, SZ_4K, U_ALL);
		EXPECT_FAULT_ITEM(&s, 1, lo + 1, lo + 0x1000, IOASID_FAULT_NON_CANONICAL,
				  levels);
		EXPECT_EQ(levels, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, hi - 0x10, hi + 0x10, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, hi - 0x10, hi - 1, IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_LEAF_ITEM(&s, 1, hi, hi + 0x10, 0x8000, SZ_4K, U_ALL);
		check_items(_metadata, &self->pt, &s);

		EXPECT_EQ(0, iterate(&self->pt, lo + 1, hi - 1, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_EQ(0, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, lo, hi, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, lo, lo, 0x7fff, SZ_4K, U_ALL);
		EXPECT_FAULT_ITEM(&s, 1, lo + 1, hi - 1, IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_LEAF_ITEM(&s, 2, hi, hi, 0x8000, SZ_4K, U_ALL);
		EXPECT_EQ(2 * levels, self->pt.m.reads);
	}
}

TEST_F(walker, iter_invalid_configuration)
{
	struct items s = { 0 };

	pt_map(&self->pt, 0x1000, 1, 0x11000, LEAF);
	self->pt.cfg.phys_bits = 57;
	EXPECT_EQ(0, iterate(&self->pt, 0x1000, ~0ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0x1000, ~0ULL, IOASID_FAULT_RESERVED, 0);
	EXPECT_EQ(0, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
	self->pt.cfg.phys_bits = 46;
	self->pt.cfg.levels = 6;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x1fff, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0, 0x1fff, IOASID_FAULT_RESERVED, 0);
}

/* Permissions as a walk grants them. */
TEST_F(walker, iter_permissions)
{
	static const u32 modes[] = { 0, SUM };
	struct items s = { 0 };
	unsigned int md, i, n;

	for (md = 0; md < 2; md++) {
		pt_reset(&self->pt, 4, 46, modes[md], ALL_SIZES);
		for (i = 0, n = 0; i < 16; i++) {
			u64 bits = (u64)i << 1;

			if (!(bits & PTE_RWX) || (bits & (PTE_R | PTE_W)) == PTE_W)
				continue;
			pt_map(&self->pt, 0x1000 * (n + 1), 1, 0x10000 + 0x1000 * n,
			       bits | PTE_A | PTE_D);
			n++;
		}
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x7fffffff, &s));
		ASSERT_EQ(10, s.calls);
		for (i = 0, n = 0; i < 16; i++) {
			u64 bits = (u64)i << 1;

			if (!(bits & PTE_RWX) || (bits & (PTE_R | PTE_W)) == PTE_W)
				continue;
			EXPECT_EQ(grants(bits, modes[md]), s.it[n].perm);
			EXPECT_EQ(0, s.it[n].maybe);
			EXPECT_EQ(0, s.it[n].update);
			n++;
		}
		check_items(_metadata, &self->pt, &s);
	}
}

/* Without AD_UPDATE: A clear is a fault item, D clear withholds writes. */
TEST_F(walker, iter_no_ad_update)
{
	struct items s = { 0 };
	unsigned int leaf;

	for (leaf = 1; leaf <= 3; leaf++) {
		u64 size = lsize(leaf);

		pt_reset(&self->pt, 4, 46, SUM, ALL_SIZES);
		pt_map(&self->pt, size, leaf, size, LEAF & ~PTE_A);
		pt_map(&self->pt, 2 * size, leaf, 2 * size, LEAF & ~PTE_D);
		pt_map(&self->pt, 3 * size, leaf, 3 * size, LEAF & ~(PTE_A | PTE_D));
		pt_map(&self->pt, 4 * size, leaf, 4 * size, LEAF);
		EXPECT_EQ(0, iterate(&self->pt, 0, 5 * size - 1, &s));
		ASSERT_EQ(4, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, size, 2 * size - 1, IOASID_FAULT_ACCESS_FLAG, leaf);
		EXPECT_LEAF_ITEM(&s, 1, 2 * size, 3 * size - 1, 2 * size, size,
				 IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR);
		EXPECT_EQ(0, s.it[1].maybe);
		EXPECT_EQ(0, s.it[1].update);
		EXPECT_FAULT_ITEM(&s, 2, 3 * size, 4 * size - 1, IOASID_FAULT_ACCESS_FLAG, leaf);
		EXPECT_LEAF_ITEM(&s, 3, 4 * size, 5 * size - 1, 4 * size, size,
				 U_ALL | IOASID_PT_SR | IOASID_PT_SW);
		check_items(_metadata, &self->pt, &s);
	}
}

/* With AD_UPDATE the iteration sets nothing and says what a walk would. */
TEST_F(walker, iter_ad_update)
{
	struct ioasid_pt_result r;
	struct items s = { 0 };
	unsigned int leaf, levels;
	u64 *copy = malloc(wmem_size(&self->pt.m));
	u64 e;

	ASSERT_NE(NULL, copy);
	for (levels = 3; levels <= 5; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			u64 size = lsize(leaf), iova = 0x40000000;

			pt_reset(&self->pt, levels, 46, AD | SUM, ALL_SIZES);
			e = pt_map(&self->pt, iova, leaf, 0x80000000, LEAF & ~(PTE_A | PTE_D));
			memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
			EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
			EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
			ASSERT_EQ(2, s.calls);
			EXPECT_LEAF_ITEM(&s, 0, iova, iova + size - 1, 0x80000000, size,
					 IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR);
			EXPECT_EQ(PT_W, s.it[0].maybe);
			EXPECT_EQ(IOASID_PT_SET_A | IOASID_PT_SET_D, s.it[0].update);
			check_items(_metadata, &self->pt, &s);

			/* A read sets A: D is left to set. */
			ASSERT_EQ(0, walk(&self->pt, iova, R_, &r));
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR, s.it[0].perm);
			EXPECT_EQ(PT_W, s.it[0].maybe);
			EXPECT_EQ(IOASID_PT_SET_D, s.it[0].update);
			check_items(_metadata, &self->pt, &s);

			/* A write sets D: all granted, nothing to set. */
			ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, s.it[0].perm);
			EXPECT_EQ(0, s.it[0].maybe);
			EXPECT_EQ(0, s.it[0].update);

			/* A read-only leaf without D: nothing withheld, D to set. */
			wmem_set(&self->pt.m, e, pte(0x80000000, PTE_V | PTE_R | PTE_U));
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(IOASID_PT_UR | IOASID_PT_SR, s.it[0].perm);
			EXPECT_EQ(0, s.it[0].maybe);
			EXPECT_EQ(IOASID_PT_SET_A | IOASID_PT_SET_D, s.it[0].update);
			check_items(_metadata, &self->pt, &s);
		}
	}
	free(copy);
}

TEST_F(walker, iter_napot)
{
	struct items s = { 0 };
	u64 iova = 0x3654320000ULL, out = 0x3fffff0000ULL;
	unsigned int i;

	pt_reset(&self->pt, 3, 46, NAPOT, ALL_SIZES);
	map_napot(&self->pt, iova, out, LEAF);
	/* One item an entry, each in the one 64 KiB block. */
	EXPECT_EQ(0, iterate(&self->pt, iova - 0x10000, iova + 0x1ffff, &s));
	ASSERT_EQ(16, s.calls);
	for (i = 0; i < 16; i++)
		EXPECT_LEAF_ITEM(&s, i, iova + i * SZ_4K, iova + i * SZ_4K + 0xfff,
				 out + i * SZ_4K, SZ_64K, U_ALL);
	check_items(_metadata, &self->pt, &s);
	/* Clipped, in the middle. */
	EXPECT_EQ(0, iterate(&self->pt, iova + 0x5800, iova + 0x67ff, &s));
	ASSERT_EQ(2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, iova + 0x5800, iova + 0x5fff, out + 0x5800, SZ_64K, U_ALL);
	EXPECT_LEAF_ITEM(&s, 1, iova + 0x6000, iova + 0x67ff, out + 0x6000, SZ_64K, U_ALL);
	/* A bad encoding in one: that entry is a fault item. */
	pt_or(&self->pt, pt_entry(&self->pt, iova + 0x3000, 1), 1ULL << 10);
	EXPECT_EQ(0, iterate(&self->pt, iova, iova + 0xffff, &s));
	ASSERT_EQ(16, s.calls);
	EXPECT_FAULT_ITEM(&s, 3, iova + 0x3000, iova + 0x3fff, IOASID_FAULT_RESERVED, 1);
	check_items(_metadata, &self->pt, &s);
}

/* Tables pointing at themselves or above: the hardware's meaning, level by level. */
TEST_F(walker, iter_cycles)
{
	struct items s = { 0 };
	u64 root;

	pt_reset(&self->pt, 3, 46, 0, ALL_SIZES);
	root = self->pt.cfg.root;
	/* Entry 0: the root itself, entry 1: a 1 GiB leaf. */
	wmem_set(&self->pt.m, root, pte(root, PTE_V));
	wmem_set(&self->pt.m, root + 8, pte(0x40000000, PTE_V | LEAF));
	EXPECT_EQ(0, iterate(&self->pt, 0, low_last(3), &s));
	ASSERT_EQ(4, s.calls);
	/* At level 1, entry 0 is a pointer: reserved; entry 1 a 4 KiB leaf. */
	EXPECT_FAULT_ITEM(&s, 0, 0, 0xfff, IOASID_FAULT_RESERVED, 1);
	EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, 0x40000000, SZ_4K, U_ALL);
	EXPECT_LEAF_ITEM(&s, 2, 0x200000, 0x3fffff, 0x40000000, SZ_2M, U_ALL);
	EXPECT_LEAF_ITEM(&s, 3, 0x40000000, 0x7fffffff, 0x40000000, SZ_1G, U_ALL);
	/* Each entry once a visit: the root's lower half, then two full visits. */
	EXPECT_EQ(256 + 2 * 512, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
}

TEST_HARNESS_MAIN
