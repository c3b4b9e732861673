// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the x86-64 software page-table walker
 * (module/walkers/x86_64.c, compiled into this binary): tables built in a
 * fake parent space (walker_mem.h), every rule of struct
 * ioasid_format_x86_64 checked against expectations written here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "walker_expect.h"
#include "../../module/walkers/x86_64.h"

#define BASE		0x100000ULL
#define PAGES		64

#define ALL_SIZES	(SZ_4K | SZ_2M | SZ_1G)

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define X_		(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC)
#define PRIV		IOASID_ACCESS_PRIV

#define AD		IOASID_X86_64_CFG_AD_UPDATE
#define SRE		IOASID_X86_64_CFG_SRE
#define WPE		IOASID_X86_64_CFG_WPE

#define U_ALL		(IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX)
#define PT_W		(IOASID_PT_UW | IOASID_PT_SW)

/* A table builder over the fake memory. */
struct pt {
	struct wmem m;
	u64 next;			/* next free table page */
	struct ioasid_x86_64_cfg cfg;
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

/* Empty memory, a new root table, and a configuration. */
static void pt_reset(struct pt *pt, u32 levels, u32 phys_bits, u32 flags,
		     u64 pgsizes)
{
	memset(pt->m.buf, 0, wmem_size(&pt->m));
	pt->next = pt->m.base;
	pt->cfg = (struct ioasid_x86_64_cfg){
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
 * Map @iova with a leaf at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) to @out,
 * the leaf with @leaf_flags, the tables on the way with @table_flags (also
 * the ones that already exist). Returns the leaf entry's address.
 */
static u64 pt_map(struct pt *pt, u64 iova, unsigned int level, u64 out,
		  u64 leaf_flags, u64 table_flags)
{
	u64 table = pt->cfg.root, addr, e;
	unsigned int l;

	for (l = pt->cfg.levels; l > level; l--) {
		addr = table + 8 * idx(iova, l);
		e = wmem_get(&pt->m, addr);
		if (!(e & P))
			e = pt_page(pt);
		e = (e & ADDR) | P | table_flags;
		wmem_set(&pt->m, addr, e);
		table = e & ADDR;
	}
	addr = table + 8 * idx(iova, level);
	wmem_set(&pt->m, addr, out | P | leaf_flags | (level > 1 ? PS : 0));
	return addr;
}

/* The address of the entry at @level on the (existing) path of @iova. */
static u64 pt_entry(struct pt *pt, u64 iova, unsigned int level)
{
	u64 table = pt->cfg.root;
	unsigned int l;

	for (l = pt->cfg.levels; l > level; l--)
		table = wmem_get(&pt->m, table + 8 * idx(iova, l)) & ADDR;
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
	return ioasid_x86_64_walk(&pt->cfg, iova, access, &io, res);
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

/* Every leaf size, with offsets inside the page, for 4 and 5 levels. */
static const u64 offsets[] = { 0, 1, 8, 0x7ff, 0xff8, 0xfff, 0x1000, 0x12345,
			       0x1fffff, 0x200000, 0x1234567, 0x3fffffff };

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
		/* One read per level on the way, none twice. */
		EXPECT_EQ(pt->cfg.levels - level + 1, pt->m.reads);
		EXPECT_EQ(0, pt->m.cmpxchgs);
	}
}

TEST_F(walker, leaf_4k)
{
	static const u64 iovas4[] = { 0, 0x7ffffffff000, 0x123456789000,
				      0xffff800000000000, 0xfffffffffffff000,
				      0x00007f0000000000 };
	static const u64 iovas5[] = { 0, 0x00fffffffffff000, 0x00a3456789abc000,
				      0xff00000000000000, 0x0001000000000000,
				      0xfffffffffffff000 };
	unsigned int i;
	u64 out;

	for (i = 0; i < 6; i++) {
		pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
		out = 0x3fffffff000ULL - i * 0x5000;
		pt_map(&self->pt, iovas4[i], 1, out, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, iovas4[i], 1, out);

		pt_reset(&self->pt, 5, 52, 0, SZ_4K);
		out = 0xfffffffffe000ULL - i * 0x7000;
		pt_map(&self->pt, iovas5[i], 1, out, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, iovas5[i], 1, out);
	}
	/* Bit 7 of a 4 KiB leaf is PAT: ignored. */
	pt_reset(&self->pt, 4, 46, 0, SZ_4K);
	pt_map(&self->pt, 0x5000, 1, 0x9000, RW | US | PS, RW | US);
	check_leaf(_metadata, &self->pt, 0x5000, 1, 0x9000);
}

TEST_F(walker, leaf_2m)
{
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, SZ_4K | SZ_2M);
		pt_map(&self->pt, 0x40200000, 2, 0x3ffffe00000ULL, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, 0x40200000, 2, 0x3ffffe00000ULL);
		/* PAT (bit 12) is not an address bit. */
		pt_map(&self->pt, 0x40400000, 2, 0x7fe00000, RW | US | PAT_LARGE, RW | US);
		check_leaf(_metadata, &self->pt, 0x40400000, 2, 0x7fe00000);
		pt_map(&self->pt, 0xffffffffffe00000, 2, 0, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, 0xffffffffffe00000, 2, 0);
	}
}

TEST_F(walker, leaf_1g)
{
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, SZ_4K | SZ_1G);
		pt_map(&self->pt, 0x7fc0000000, 3, 0x3ffc0000000ULL, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, 0x7fc0000000, 3, 0x3ffc0000000ULL);
		pt_map(&self->pt, 0x40000000, 3, 0x80000000, RW | US | PAT_LARGE, RW | US);
		check_leaf(_metadata, &self->pt, 0x40000000, 3, 0x80000000);
		pt_map(&self->pt, 0xffffffffc0000000, 3, 0x40000000, RW | US, RW | US);
		check_leaf(_metadata, &self->pt, 0xffffffffc0000000, 3, 0x40000000);
	}
}

/* Leaves of every size side by side in one table. */
TEST_F(walker, mixed_sizes)
{
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x0, 3, 0x40000000, RW | US, RW | US);
	pt_map(&self->pt, 0x40000000, 2, 0x200000, RW | US, RW | US);
	pt_map(&self->pt, 0x40200000, 1, 0x5000, RW | US, RW | US);
	pt_map(&self->pt, 0x40201000, 1, 0x7000, RW | US, RW | US);
	EXPECT_XLATE(0x40000123, SZ_1G, 0x123, R_);
	EXPECT_XLATE(0x3fffffff + 0x40000000, SZ_1G, 0x3fffffff, R_);
	EXPECT_XLATE(0x200123, SZ_2M, 0x40000123, R_);
	EXPECT_XLATE(0x5fff, SZ_4K, 0x40200fff, R_);
	EXPECT_XLATE(0x7000, SZ_4K, 0x40201000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x40202000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 2, 0x40400000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 3, 0x80000000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0x8000000000, R_);
}

TEST_F(walker, ps_at_levels_4_and_5_is_reserved)
{
	u64 e;

	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
	e = pt_entry(&self->pt, 0x1000, 4);
	pt_or(&self->pt, e, PS);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x1000, R_);
	EXPECT_EQ(1, self->pt.m.reads);
	/* Also with an address aligned to anything. */
	wmem_set(&self->pt.m, e, P | PS | RW | US);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x1000, R_);

	pt_reset(&self->pt, 5, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 4), PS);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x1000, R_);
	EXPECT_EQ(2, self->pt.m.reads);
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 5), PS);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 0x1000, R_);
	EXPECT_EQ(1, self->pt.m.reads);

	/* Whatever pgsize_bitmap says. */
	self->pt.cfg.pgsize_bitmap = ~0ULL;
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 0x1000, R_);
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 5), PS);
	wmem_set(&self->pt.m, pt_entry(&self->pt, 0x1000, 4), P | PS | RW | US);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x1000, R_);
}

TEST_F(walker, undeclared_sizes_are_reserved)
{
	static const struct {
		u64 pgsizes;
		bool m2, g1;
	} cases[] = {
		{ SZ_4K, false, false },
		{ SZ_4K | SZ_2M, true, false },
		{ SZ_4K | SZ_1G, false, true },
		{ ALL_SIZES, true, true },
		/* The walker's configuration says what is allowed: 0 is none. */
		{ 0, false, false },
	};
	unsigned int i, levels;

	for (levels = 4; levels <= 5; levels++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			pt_reset(&self->pt, levels, 46, 0, cases[i].pgsizes);
			pt_map(&self->pt, 0x40000000, 3, 0x40000000, RW | US, RW | US);
			pt_map(&self->pt, 0x200000, 2, 0x400000, RW | US, RW | US);
			pt_map(&self->pt, 0x3000, 1, 0x5000, RW | US, RW | US);
			if (cases[i].g1)
				EXPECT_XLATE(0x40000008, SZ_1G, 0x40000008, R_);
			else
				EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000008, R_);
			if (cases[i].m2)
				EXPECT_XLATE(0x400008, SZ_2M, 0x200008, R_);
			else
				EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0x200008, R_);
			/* 4 KiB always. */
			EXPECT_XLATE(0x5008, SZ_4K, 0x3008, R_);
		}
	}
}

TEST_F(walker, misaligned_large_pages_are_reserved)
{
	unsigned int b;
	u64 e;

	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	e = pt_map(&self->pt, 0x200000, 2, 0x600000, RW | US, RW | US);
	for (b = 13; b <= 20; b++) {
		pt_or(&self->pt, e, 1ULL << b);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0x200000, R_);
		pt_andn(&self->pt, e, 1ULL << b);
	}
	pt_or(&self->pt, e, PAT_LARGE);
	EXPECT_XLATE(0x6abcde, SZ_2M, 0x2abcde, R_);

	e = pt_map(&self->pt, 0x40000000, 3, 0xc0000000, RW | US, RW | US);
	for (b = 13; b <= 29; b++) {
		pt_or(&self->pt, e, 1ULL << b);
		EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000000, R_);
		pt_andn(&self->pt, e, 1ULL << b);
	}
	pt_or(&self->pt, e, PAT_LARGE);
	EXPECT_XLATE(0xc0abcdef, SZ_1G, 0x40abcdef, R_);
	/* Bits 20:13 of a 1 GiB leaf are no less reserved than 29:21. */
	pt_or(&self->pt, e, 1ULL << 21);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000000, R_);
}

TEST_F(walker, address_bits_above_phys_bits_are_reserved)
{
	static const u32 phys[] = { 32, 39, 46, 52 };
	unsigned int p, levels, l, b;
	u64 iova = 0x00000ffff0a5b000, e;

	for (p = 0; p < 4; p++) {
		for (levels = 4; levels <= 5; levels++) {
			u32 pb = phys[p];
			u64 top = (1ULL << pb) - SZ_4K;

			/* The highest page below 2^phys_bits is fine. */
			pt_reset(&self->pt, levels, pb, 0, ALL_SIZES);
			pt_map(&self->pt, iova, 1, top, RW | US, RW | US);
			EXPECT_XLATE(top + 0xabc, SZ_4K, iova + 0xabc, R_);
			for (l = 1; l <= levels; l++) {
				e = pt_entry(&self->pt, iova, l);
				for (b = pb; b <= 51; b++) {
					pt_or(&self->pt, e, 1ULL << b);
					EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
					EXPECT_EQ(levels - l + 1, self->pt.m.reads);
					pt_andn(&self->pt, e, 1ULL << b);
				}
			}
			/* And in large leaves. */
			e = pt_map(&self->pt, 0x600000, 2, (1ULL << pb) - SZ_2M, RW | US, RW | US);
			EXPECT_XLATE((1ULL << pb) - 1, SZ_2M, 0x7fffff, R_);
			for (b = pb; b <= 51; b++) {
				pt_or(&self->pt, e, 1ULL << b);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0x600000, R_);
				pt_andn(&self->pt, e, 1ULL << b);
			}
			e = pt_map(&self->pt, 0x80000000, 3, (1ULL << pb) - SZ_1G, RW | US, RW | US);
			EXPECT_XLATE((1ULL << pb) - 1, SZ_1G, 0xbfffffff, R_);
			for (b = pb; b <= 51; b++) {
				pt_or(&self->pt, e, 1ULL << b);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x80000000, R_);
				pt_andn(&self->pt, e, 1ULL << b);
			}
		}
	}
}

TEST_F(walker, ignored_bits_are_ignored)
{
	static const unsigned int leaf_levels[] = { 1, 2, 3 };
	unsigned int i, levels, l, b;
	u64 iova = 0x00007abc12345000, out = 0x2ffc0000000ULL, all = 0;

	for (b = 52; b <= 62; b++)
		all |= 1ULL << b;
	for (b = 8; b <= 11; b++)
		all |= 1ULL << b;

	for (levels = 4; levels <= 5; levels++) {
		for (i = 0; i < 3; i++) {
			unsigned int leaf = leaf_levels[i];
			u64 size = lsize(leaf);
			u64 want = out + (iova & (size - 1));

			pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, out, RW | US, RW | US);
			for (b = 0; b < 64; b++) {
				if (!(all & (1ULL << b)))
					continue;
				for (l = levels; l >= leaf; l--)
					pt_or(&self->pt, pt_entry(&self->pt, iova, l), 1ULL << b);
				EXPECT_XLATE(want, size, iova, R_);
				for (l = levels; l >= leaf; l--)
					pt_andn(&self->pt, pt_entry(&self->pt, iova, l), 1ULL << b);
			}
			for (l = levels; l >= leaf; l--)
				pt_or(&self->pt, pt_entry(&self->pt, iova, l), all);
			EXPECT_XLATE(want, size, iova, W_);
			EXPECT_XLATE(want, size, iova, X_);
		}
	}
}

TEST_F(walker, not_present_at_each_level)
{
	unsigned int levels, l;
	u64 iova = 0x0000123456789000, e, v;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, levels, iova, R_);
		EXPECT_EQ(1, self->pt.m.reads);
		pt_map(&self->pt, iova, 1, 0x3000, RW | US, RW | US);
		for (l = 1; l <= levels; l++) {
			e = pt_entry(&self->pt, iova, l);
			v = wmem_get(&self->pt.m, e);
			pt_andn(&self->pt, e, P);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, R_);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, W_ | PRIV);
			EXPECT_EQ(levels - l + 1, self->pt.m.reads);
			/* Nothing else of a non-present entry counts. */
			wmem_set(&self->pt.m, e, ~P);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, iova, X_);
			wmem_set(&self->pt.m, e, v);
		}
		EXPECT_XLATE(0x3000, SZ_4K, iova, R_);
	}
}

TEST_F(walker, canonical_addresses)
{
	static const struct {
		unsigned int levels;
		u64 iova;
		bool canonical;
	} cases[] = {
		{ 4, 0, true },
		{ 4, 0x00007fffffffffff, true },
		{ 4, 0x0000800000000000, false },
		{ 4, 0xffff800000000000, true },
		{ 4, 0xffffffffffffffff, true },
		{ 4, 0xffff7fffffffffff, false },
		{ 4, 0x8000000000000000, false },
		{ 4, 0x0001000000000000, false },
		{ 4, 0xfffe800000000000, false },
		{ 4, 0x00ff000000000000, false },
		{ 5, 0, true },
		{ 5, 0x0000800000000000, true },
		{ 5, 0x00ffffffffffffff, true },
		{ 5, 0x0100000000000000, false },
		{ 5, 0xff00000000000000, true },
		{ 5, 0xfeffffffffffffff, false },
		{ 5, 0xffffffffffffffff, true },
		{ 5, 0x8000000000000000, false },
		{ 5, 0xfe7fffffffffffff, false },
		{ 5, 0x0080000000000000, true },
		{ 5, 0x0180000000000000, false },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pt_reset(&self->pt, cases[i].levels, 46, 0, ALL_SIZES);
		if (cases[i].canonical) {
			/* Not rejected: the walk reads the empty root. */
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, cases[i].levels,
				     cases[i].iova, R_);
			EXPECT_EQ(1, self->pt.m.reads);
			pt_map(&self->pt, cases[i].iova & ~0xfffULL, 1, 0x7000, US, US);
			EXPECT_XLATE(0x7000 | (cases[i].iova & 0xfff), SZ_4K,
				     cases[i].iova, R_);
		} else {
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, cases[i].levels,
				     cases[i].iova, R_);
			EXPECT_EQ(0, self->pt.m.reads);
		}
	}

	/* The top half uses the upper half of the root table. */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0xffff800000000000, 1, 0x9000, US, US);
	EXPECT_NE(0, wmem_get(&self->pt.m, self->pt.cfg.root + 8 * 256));
	EXPECT_XLATE(0x9010, SZ_4K, 0xffff800000000010, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0x0000000000000010, R_);
	pt_reset(&self->pt, 5, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0xff00000000000000, 1, 0x9000, US, US);
	EXPECT_NE(0, wmem_get(&self->pt.m, self->pt.cfg.root + 8 * 256));
	EXPECT_XLATE(0x9010, SZ_4K, 0xff00000000000010, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 5, 0x0000800000000010, R_);
}

/* What a request may do, written from the format's rules. */
static bool allows(bool user, bool write, bool exec, u32 flags, u32 access)
{
	if (access & PRIV) {
		if (!(flags & SRE))
			return false;
		if ((access & W_) && !write && (flags & WPE))
			return false;
		if ((access & IOASID_ACCESS_EXEC) && (!exec || user))
			return false;
		return true;
	}
	if (!user)
		return false;
	if ((access & W_) && !write)
		return false;
	if ((access & IOASID_ACCESS_EXEC) && !exec)
		return false;
	return true;
}

static u32 grants(bool user, bool write, bool exec, u32 flags)
{
	static const struct {
		u32 access, perm;
	} kinds[] = {
		{ R_, IOASID_PT_UR }, { W_, IOASID_PT_UW }, { X_, IOASID_PT_UX },
		{ R_ | PRIV, IOASID_PT_SR }, { W_ | PRIV, IOASID_PT_SW },
		{ X_ | PRIV, IOASID_PT_SX },
	};
	u32 perm = 0;
	unsigned int i;

	for (i = 0; i < 6; i++)
		if (allows(user, write, exec, flags, kinds[i].access))
			perm |= kinds[i].perm;
	return perm;
}

/*
 * Every combination of R/W, U/S and XD at every level of a path ending in
 * a leaf at @leaf, for every request, with and without SRE and WPE.
 */
static void check_permissions(struct __test_metadata *_metadata, struct pt *pt,
			      unsigned int levels, unsigned int leaf)
{
	static const u32 requests[] = { R_, W_, X_, R_ | PRIV, W_ | PRIV, X_ | PRIV };
	static const u32 modes[] = { 0, SRE, SRE | WPE, WPE };
	unsigned int n = levels - leaf + 1, combo, l, q, md;
	u64 iova = 0x00000abcdef12000 & ~(lsize(leaf) - 1), out = 0x3c0000000ULL;
	u64 entry[6], value[6];
	unsigned long checked = 0;

	pt_reset(pt, levels, 46, 0, ALL_SIZES);
	pt_map(pt, iova, leaf, out, 0, 0);
	for (l = leaf; l <= levels; l++) {
		entry[l] = pt_entry(pt, iova, l);
		value[l] = wmem_get(&pt->m, entry[l]);
	}
	for (combo = 0; combo < 1U << (3 * n); combo++) {
		bool user = true, write = true, exec = true;

		for (l = leaf; l <= levels; l++) {
			unsigned int bits = combo >> (3 * (l - leaf)) & 7;
			u64 v = value[l];

			if (bits & 1)
				v |= RW;
			if (bits & 2)
				v |= US;
			if (bits & 4)
				v |= XD;
			write = write && (bits & 1);
			user = user && (bits & 2);
			exec = exec && !(bits & 4);
			wmem_set(&pt->m, entry[l], v);
		}
		for (md = 0; md < 4; md++) {
			pt->cfg.flags = modes[md];
			for (q = 0; q < 6; q++) {
				struct ioasid_pt_result r;
				bool ok = allows(user, write, exec, modes[md], requests[q]);
				int ret = walk(pt, iova + 0x18, requests[q], &r);

				checked++;
				EXPECT_EQ(grants(user, write, exec, modes[md]), r.perm);
				EXPECT_EQ(0, r.maybe);
				if (ok) {
					ASSERT_EQ(0, ret);
					EXPECT_EQ(out + 0x18, r.out);
					EXPECT_EQ(lsize(leaf), r.page_size);
				} else {
					ASSERT_EQ(IOASID_FAULT_PERMISSION, ret);
					EXPECT_EQ(IOASID_FAULT_PERMISSION, r.fault_reason);
					EXPECT_EQ(leaf, r.fault_level);
				}
				if (_metadata->exit_code)
					return;
			}
		}
	}
	EXPECT_EQ(checked, (1UL << (3 * n)) * 24);
}

TEST_F(walker, permissions_4k_4_levels)
{
	check_permissions(_metadata, &self->pt, 4, 1);
}

TEST_F(walker, permissions_2m_5_levels)
{
	check_permissions(_metadata, &self->pt, 5, 2);
}

TEST_F(walker, permissions_1g_4_levels)
{
	check_permissions(_metadata, &self->pt, 4, 3);
}

/* A few spelled out, in case the model above and the walker share a bug. */
TEST_F(walker, permissions_by_hand)
{
	struct ioasid_pt_result r;

	pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
	EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX, r.perm);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_ | PRIV);
	self->pt.cfg.flags = SRE;
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
	/* No privileged execution from a user page. */
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);

	/* Read-only at level 3: privileged writes only without WPE. */
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 3), RW);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	self->pt.cfg.flags = SRE | WPE;
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_ | PRIV);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, R_ | PRIV, &r));
	EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR, r.perm);

	/* Supervisor-only at level 4: privileged execution allowed. */
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 4), US);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, X_ | PRIV, &r));
	EXPECT_EQ(IOASID_PT_SR | IOASID_PT_SX, r.perm);

	/* XD at level 2: no execution at all. */
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 2), XD);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, R_ | PRIV, &r));
	EXPECT_EQ(IOASID_PT_SR, r.perm);
}

/* The A and D bits of the path of @iova down to @leaf, one byte a level. */
static u64 ad_bits(struct pt *pt, u64 iova, unsigned int leaf)
{
	u64 bits = 0;
	unsigned int l;

	for (l = leaf; l <= pt->cfg.levels; l++)
		bits |= (wmem_get(&pt->m, pt_entry(pt, iova, l)) & (A | D)) << (8 * (l - 1));
	return bits;
}

static u64 all_a(unsigned int levels, unsigned int leaf)
{
	u64 bits = 0;
	unsigned int l;

	for (l = leaf; l <= levels; l++)
		bits |= A << (8 * (l - 1));
	return bits;
}

TEST_F(walker, ad_read_sets_a_then_write_sets_d)
{
	unsigned int levels, leaf;
	struct ioasid_pt_result r;
	u64 iova = 0x0000123440000000, out = 0x80000000;

	for (levels = 4; levels <= 5; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			u64 d = D << (8 * (leaf - 1));

			pt_reset(&self->pt, levels, 46, AD | SRE, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, out, RW | US, RW | US);
			EXPECT_EQ(0, ad_bits(&self->pt, iova, leaf));

			ASSERT_EQ(0, walk(&self->pt, iova + 0x10, R_, &r));
			EXPECT_EQ(out + 0x10, r.out);
			EXPECT_EQ(all_a(levels, leaf), ad_bits(&self->pt, iova, leaf));
			EXPECT_EQ(levels - leaf + 1, self->pt.m.cmpxchgs);
			EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR, r.perm);
			EXPECT_EQ(PT_W, r.maybe);

			/* A set already: nothing to update. */
			ASSERT_EQ(0, walk(&self->pt, iova, X_, &r));
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			EXPECT_EQ(PT_W, r.maybe);

			/* A write sets D in the leaf only. */
			ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
			EXPECT_EQ(1, self->pt.m.cmpxchgs);
			EXPECT_EQ(all_a(levels, leaf) | d, ad_bits(&self->pt, iova, leaf));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
			EXPECT_EQ(0, r.maybe);

			/* Then reads get write permission too. */
			ASSERT_EQ(0, walk(&self->pt, iova, R_ | PRIV, &r));
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
			EXPECT_EQ(0, r.maybe);

			/* A first write sets A and D in one update of the leaf. */
			pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, out, RW | US, RW | US);
			ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
			EXPECT_EQ(levels - leaf + 1, self->pt.m.cmpxchgs);
			EXPECT_EQ(all_a(levels, leaf) | d, ad_bits(&self->pt, iova, leaf));
			EXPECT_EQ(U_ALL, r.perm);
			EXPECT_EQ(0, r.maybe);
		}
	}
}

TEST_F(walker, ad_maybe_holds_what_a_write_could_get)
{
	struct ioasid_pt_result r;

	/* Read-only: nothing withheld, except SW without WPE. */
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, US, RW | US);
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX, r.perm);
	EXPECT_EQ(0, r.maybe);
	self->pt.cfg.flags = AD | SRE;
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR, r.perm);
	EXPECT_EQ(IOASID_PT_SW, r.maybe);
	self->pt.cfg.flags = AD | SRE | WPE;
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(0, r.maybe);

	/* Writable, supervisor only. */
	pt_map(&self->pt, 0x1000, 1, 0x2000, RW, RW | US);
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_ | PRIV, &r));
	EXPECT_EQ(IOASID_PT_SR | IOASID_PT_SX, r.perm);
	EXPECT_EQ(IOASID_PT_SW, r.maybe);
	/* An unprivileged read fails, and tells what was there. */
	EXPECT_EQ(IOASID_FAULT_PERMISSION, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(IOASID_PT_SR | IOASID_PT_SX, r.perm);

	/* Writable for all, no SRE. */
	pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
	self->pt.cfg.flags = AD;
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(IOASID_PT_UR | IOASID_PT_UX, r.perm);
	EXPECT_EQ(IOASID_PT_UW, r.maybe);
	/* D set by someone else: nothing withheld. */
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 1), D);
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(U_ALL, r.perm);
	EXPECT_EQ(0, r.maybe);
}

TEST_F(walker, ad_only_on_success)
{
	u64 *copy = malloc(wmem_size(&self->pt.m));

	ASSERT_NE(NULL, copy);
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, US, RW | US);
	pt_map(&self->pt, 0x200000, 2, 0x400000, RW | US, RW | US);
	pt_andn(&self->pt, pt_entry(&self->pt, 0x200000, 2), P);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000 | (1ULL << 20), RW | US, RW | US);
	memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_ | PRIV);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 2, 0x200000, R_);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x40000000, W_);
	EXPECT_EQ(0, self->pt.m.cmpxchgs);
	EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
	free(copy);
}

TEST_F(walker, no_ad_without_ad_update)
{
	static const u32 requests[] = { R_, W_, X_, R_ | PRIV, W_ | PRIV, X_ | PRIV };
	u64 *copy = malloc(wmem_size(&self->pt.m));
	struct ioasid_pt_result r;
	unsigned int q, leaf;

	ASSERT_NE(NULL, copy);
	for (leaf = 1; leaf <= 3; leaf++) {
		pt_reset(&self->pt, 5, 46, SRE, ALL_SIZES);
		pt_map(&self->pt, 0x40000000, leaf, 0x80000000, RW | US, RW | US);
		/* Some entries with A or D: they change nothing either. */
		pt_or(&self->pt, pt_entry(&self->pt, 0x40000000, 5), A | D);
		pt_or(&self->pt, pt_entry(&self->pt, 0x40000000, leaf + 1), D);
		memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
		for (q = 0; q < 6; q++) {
			r.perm = 0;
			walk(&self->pt, 0x40000000, requests[q], &r);
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
			/* A clear D withholds nothing. */
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, r.perm);
			EXPECT_EQ(0, r.maybe);
		}
		EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
	}
	free(copy);
}

TEST_F(walker, ad_not_writable)
{
	unsigned int levels, l;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
		self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
		/* The first entry to update is the top one. */
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, levels, 0x1000, R_);
		EXPECT_EQ(1, self->pt.m.cmpxchgs);
		EXPECT_EQ(0, ad_bits(&self->pt, 0x1000, 1));
		/* With A set above, the leaf. */
		for (l = 2; l <= levels; l++)
			pt_or(&self->pt, pt_entry(&self->pt, 0x1000, l), A);
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
		/* A read of a leaf with A: nothing to write. */
		pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 1), A);
		EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
		/* But a write needs D. */
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		/* Another reason from the parent is passed on. */
		self->pt.m.cmpxchg_fail = IOASID_FAULT_TABLE;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 1, 0x1000, W_);
		/* Not a reason at all: the walker makes it AD_UPDATE. */
		self->pt.m.cmpxchg_fail = -5;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		self->pt.m.cmpxchg_fail = 0;
		EXPECT_XLATE(0x2000, SZ_4K, 0x1000, W_);
	}
}

TEST_F(walker, ad_concurrent_change_restarts)
{
	struct ioasid_pt_result r;
	unsigned int levels, n;

	for (levels = 4; levels <= 5; levels++) {
		for (n = 1; n <= 7; n++) {
			pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
			pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
			self->pt.m.races = n;
			ASSERT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
			EXPECT_EQ(0x2000, r.out);
			EXPECT_EQ(0, r.fault_reason);
			EXPECT_EQ(0, r.fault_level);
			EXPECT_EQ(n, self->pt.m.races_done);
			/* The top entry failed n times, then all succeeded. */
			EXPECT_EQ((n + 1) * levels, self->pt.m.reads);
			EXPECT_EQ(n + levels, self->pt.m.cmpxchgs);
			EXPECT_EQ(all_a(levels, 1) | D, ad_bits(&self->pt, 0x1000, 1));
		}
	}
}

TEST_F(walker, ad_permanent_contention_gives_up)
{
	unsigned int levels, l;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
		self->pt.m.races = 8;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, levels, 0x1000, R_);
		EXPECT_EQ(8 * levels, self->pt.m.reads);
		EXPECT_EQ(8, self->pt.m.cmpxchgs);
		EXPECT_EQ(0, self->pt.m.races);

		/* Forever, at the leaf. */
		for (l = 2; l <= levels; l++)
			pt_or(&self->pt, pt_entry(&self->pt, 0x1000, l), A);
		self->pt.m.races = 1000000;
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
		EXPECT_EQ(8 * levels, self->pt.m.reads);
		EXPECT_EQ(8, self->pt.m.cmpxchgs);
		self->pt.m.races = 0;
	}
}

TEST_F(walker, ad_concurrent_change_is_seen)
{
	unsigned int l, k;

	for (l = 1; l <= 4; l++) {
		/*
		 * Another agent clears P at level l while we set its A (the
		 * levels above have A): the restart sees it.
		 */
		pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
		for (k = l + 1; k <= 4; k++)
			pt_or(&self->pt, pt_entry(&self->pt, 0x1000, k), A);
		self->pt.m.race_bits = P;
		self->pt.m.races = 1;
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, 0x1000, W_);
		EXPECT_EQ(1, self->pt.m.races_done);
		EXPECT_EQ(4 + 4 - l + 1, self->pt.m.reads);

		/* Or makes it read-only before we set D. */
		pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
		for (k = l + 1; k <= 4; k++)
			pt_or(&self->pt, pt_entry(&self->pt, 0x1000, k), A);
		self->pt.m.race_bits = RW;
		self->pt.m.races = 1;
		EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
		EXPECT_EQ(1, self->pt.m.races_done);
		EXPECT_EQ(8, self->pt.m.reads);
		EXPECT_EQ(0, ad_bits(&self->pt, 0x1000, 1) & D);
		self->pt.m.race_bits = 1ULL << 52;
	}
}

TEST_F(walker, table_outside_the_parent_memory)
{
	unsigned int levels, l;
	u64 iova = 0x0000123456789000, e, v;

	self->outside_ok = true;
	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, iova, 1, 0x3000, RW | US, RW | US);
		for (l = 2; l <= levels; l++) {
			e = pt_entry(&self->pt, iova, l);
			v = wmem_get(&self->pt.m, e);
			wmem_set(&self->pt.m, e, (v & ~ADDR) | 0x3fff0000000ULL);
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
		pt_map(&self->pt, iova, 1, 0x3fff0000000ULL, RW | US, RW | US);
		self->pt.m.outside = 0;
		EXPECT_XLATE(0x3fff0000000ULL, SZ_4K, iova, R_);
		EXPECT_EQ(0, self->pt.m.outside);
	}
}

TEST_F(walker, read_fault_reasons_pass_through)
{
	unsigned int n;

	pt_map(&self->pt, 0x1000, 1, 0x2000, RW | US, RW | US);
	for (n = 1; n <= 4; n++) {
		self->pt.m.read_fail_at = n;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = IOASID_FAULT_TABLE;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
		/* Not a reason at all: the walker makes it TABLE. */
		self->pt.m.read_fail = -5;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
	}
	self->pt.m.read_fail_at = 0;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
}

TEST_F(walker, invalid_configuration)
{
	static const struct {
		u32 levels, phys_bits;
		u64 root_add;
	} cases[] = {
		{ 0, 46, 0 }, { 1, 46, 0 }, { 3, 46, 0 }, { 6, 46, 0 }, { 0xffffffff, 46, 0 },
		{ 4, 31, 0 }, { 4, 53, 0 }, { 4, 0, 0 }, { 5, 64, 0 },
		{ 4, 46, 8 }, { 4, 46, 0x800 }, { 4, 32, 1ULL << 32 },
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
TEST_F(walker, five_levels_many_pages)
{
	unsigned int i;
	u64 iova, out;

	pt_reset(&self->pt, 5, 52, AD | SRE, ALL_SIZES);
	for (i = 0; i < 8; i++) {
		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;	/* sign-extended */
		out = 0xfff0000000000ULL + ((u64)i << 24);
		pt_map(&self->pt, iova, 1, out, RW | US, RW | US);
	}
	for (i = 0; i < 8; i++) {
		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;
		out = 0xfff0000000000ULL + ((u64)i << 24);
		EXPECT_XLATE(out + i, SZ_4K, iova + i, W_ | PRIV);
		EXPECT_EQ(all_a(5, 1) | D, ad_bits(&self->pt, iova, 1));
	}
}

/* ioasid_x86_64_iterate(): the items it gives, kept in order. */
#define MAX_ITEMS	64

#include "walker_items.h"

/* Iterate, counting reads and cmpxchgs from zero; keeps s->stop_*. */
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
	return ioasid_x86_64_iterate(&pt->cfg, start, last, &io, collect, s);
}

/* The last address of the lower canonical half, and the first of the upper. */
static u64 low_last(unsigned int levels)
{
	return (1ULL << (levels == 5 ? 56 : 47)) - 1;
}

static u64 high_first(unsigned int levels)
{
	return ~low_last(levels);
}

/*
 * Every item agrees with walks of its first and last address (and the
 * walks change nothing: the memory is put back).
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

			ret = walk(pt, iova, R_, &r);
			memcpy(pt->m.buf, copy, wmem_size(&pt->m));
			if (l->fault_reason) {
				EXPECT_EQ(l->fault_reason, ret);
				EXPECT_EQ(l->fault_level, r.fault_level);
				continue;
			}
			EXPECT_TRUE(!ret || ret == IOASID_FAULT_PERMISSION);
			EXPECT_EQ(l->perm, r.perm);
			EXPECT_EQ(l->maybe, r.maybe);
			if (ret)
				continue;
			EXPECT_EQ(l->out + (iova - l->first), r.out);
			EXPECT_EQ(l->page_size, r.page_size);
		}
	}
	free(copy);
}

TEST_F(walker, iter_empty_table)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, AD | SRE, ALL_SIZES);
		/* One read per entry of the root in the range. */
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(256, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, high_first(levels), ~0ULL, &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(256, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, 0x1000, 0x1fff, &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(1, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, 0x1000, 0x1000, &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(1, self->pt.m.reads);
		/* Everything: only the non-canonical hole. */
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		EXPECT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, low_last(levels) + 1, high_first(levels) - 1,
				  IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_EQ(512, self->pt.m.reads);
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_single_leaf)
{
	unsigned int levels, leaf, half;
	struct items s = { 0 };

	for (levels = 4; levels <= 5; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			for (half = 0; half < 2; half++) {
				u64 size = lsize(leaf), out = 0x3ffc0000000ULL - size;
				u64 iova = half ? high_first(levels) + 0x1234c0000000ULL :
					   0x00005678c0000000ULL;
				unsigned int li = half, hi = !half;

				iova += 3 * size;
				pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
				pt_map(&self->pt, iova, leaf, out, RW | US, RW | US);
				EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
				ASSERT_EQ(2, s.calls);
				EXPECT_LEAF_ITEM(&s, li, iova, iova + size - 1, out, size, U_ALL);
				EXPECT_EQ(0, s.it[li].maybe);
				EXPECT_EQ(0, s.it[li].update);
				EXPECT_FAULT_ITEM(&s, hi, low_last(levels) + 1,
						  high_first(levels) - 1,
						  IOASID_FAULT_NON_CANONICAL, levels);
				/* Every entry of every table on the path once. */
				EXPECT_EQ(512 * (levels - leaf + 1), self->pt.m.reads);
				EXPECT_EQ(0, self->pt.m.cmpxchgs);
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

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x40200000, 2, 0x3ffffe00000ULL, RW | US, RW | US);
		pt_map(&self->pt, 0x80000000, 3, 0x40000000, RW | US, RW | US);
		pt_map(&self->pt, 0x1000, 1, 0x7000, RW | US, RW | US);
		pt_map(&self->pt, 0x2000, 1, 0x5000, RW | US, RW | US);
		pt_map(&self->pt, 0x3000, 1, 0x9000, RW | US, RW | US);

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

		/* One byte. */
		EXPECT_EQ(0, iterate(&self->pt, 0x2abc, 0x2abc, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x2abc, 0x2abc, 0x5abc, SZ_4K, U_ALL);

		/* Across a 1 GiB leaf's ends. */
		EXPECT_EQ(0, iterate(&self->pt, 0x7fffffff, 0xc0000000, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x80000000, 0xbfffffff, 0x40000000, SZ_1G, U_ALL);
		EXPECT_EQ(0, iterate(&self->pt, 0x80000010, 0xbffffff0, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x80000010, 0xbffffff0, 0x40000010, SZ_1G, U_ALL);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_present_next_to_non_present)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 top;

	for (levels = 4; levels <= 5; levels++) {
		top = low_last(levels) + 1 - SZ_4K;
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
		pt_map(&self->pt, 0x3000, 1, 0x13000, RW | US, RW | US);
		pt_map(&self->pt, 0x400000, 2, 0x800000, RW | US, RW | US);
		pt_map(&self->pt, 0x80000000, 3, 0xc0000000, RW | US, RW | US);
		pt_map(&self->pt, top, 1, 0x15000, RW | US, RW | US);

		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		ASSERT_EQ(5, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0x3000, 0x3fff, 0x13000, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 2, 0x400000, 0x5fffff, 0x800000, SZ_2M, U_ALL);
		EXPECT_LEAF_ITEM(&s, 3, 0x80000000, 0xbfffffff, 0xc0000000, SZ_1G, U_ALL);
		EXPECT_LEAF_ITEM(&s, 4, top, top + SZ_4K - 1, 0x15000, SZ_4K, U_ALL);
		check_items(_metadata, &self->pt, &s);

		/* Not present at any level: skipped. */
		pt_andn(&self->pt, pt_entry(&self->pt, 0x3000, 1), P);
		pt_andn(&self->pt, pt_entry(&self->pt, 0x400000, 2), P);
		pt_andn(&self->pt, pt_entry(&self->pt, top, levels), P);
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0x80000000, 0xbfffffff, 0xc0000000, SZ_1G, U_ALL);
		/* Whatever else a non-present entry holds. */
		wmem_set(&self->pt.m, pt_entry(&self->pt, 0x1000, 1), ~P);
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x80000000, 0xbfffffff, 0xc0000000, SZ_1G, U_ALL);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_reserved_faults)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 e;

	for (levels = 4; levels <= 5; levels++) {
		/* A reserved bit in a level-3 entry: its whole 1 GiB. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
		pt_map(&self->pt, 0x40001000, 1, 0x12000, RW | US, RW | US);
		pt_map(&self->pt, 0x80000000, 2, 0x200000, RW | US, RW | US);
		pt_or(&self->pt, pt_entry(&self->pt, 0x40001000, 3), 1ULL << 50);
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

		/* In a 4 KiB leaf: that page. */
		e = pt_entry(&self->pt, 0x1000, 1);
		pt_or(&self->pt, e, 1ULL << 46);
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffffff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x1000, 0x1fff, IOASID_FAULT_RESERVED, 1);
		pt_andn(&self->pt, e, 1ULL << 46);

		/* PS at level 4: its 512 GiB, clipped to the range. */
		pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 4), PS);
		EXPECT_EQ(0, iterate(&self->pt, 0x800, 0x10000000000ULL, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x800, 0x7fffffffffULL, IOASID_FAULT_RESERVED, 4);
		check_items(_metadata, &self->pt, &s);
		pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 4), PS);

		/* A leaf size the table was not declared with. */
		self->pt.cfg.pgsize_bitmap = SZ_4K | SZ_1G;
		EXPECT_EQ(0, iterate(&self->pt, 0x80000000, 0xbfffffff, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x80000000, 0x801fffff, IOASID_FAULT_RESERVED, 2);
		check_items(_metadata, &self->pt, &s);
		self->pt.cfg.pgsize_bitmap = ALL_SIZES;

		/* A misaligned 1 GiB leaf, next to a fine one. */
		pt_map(&self->pt, 0xc0000000, 3, 0x40000000 | (1ULL << 21), RW | US, RW | US);
		pt_map(&self->pt, 0x100000000ULL, 3, 0x40000000, RW | US, RW | US);
		EXPECT_EQ(0, iterate(&self->pt, 0xc0000000, 0x13fffffffULL, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0xc0000000, 0xffffffff, IOASID_FAULT_RESERVED, 3);
		EXPECT_LEAF_ITEM(&s, 1, 0x100000000ULL, 0x13fffffffULL, 0x40000000, SZ_1G,
				 U_ALL);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_refused_table_read)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 e;

	self->outside_ok = true;
	for (levels = 4; levels <= 5; levels++) {
		/* A level-2 entry pointing outside: its 2 MiB. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
		pt_map(&self->pt, 0x200000, 1, 0x12000, RW | US, RW | US);
		pt_map(&self->pt, 0x400000, 1, 0x13000, RW | US, RW | US);
		e = pt_entry(&self->pt, 0x200000, 2);
		wmem_set(&self->pt.m, e, (wmem_get(&self->pt.m, e) & ~ADDR) | 0x3fff0000000ULL);
		self->pt.m.outside = 0;
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x5fffff, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, U_ALL);
		EXPECT_FAULT_ITEM(&s, 1, 0x200000, 0x3fffff, IOASID_FAULT_TABLE, 1);
		EXPECT_LEAF_ITEM(&s, 2, 0x400000, 0x400fff, 0x13000, SZ_4K, U_ALL);
		/* Once: not for every entry of the page. */
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

	/*
	 * A read refused in the middle of a table: the rest of the table, then
	 * the next entry of the table above.
	 */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
	pt_map(&self->pt, 0x2000, 1, 0x12000, RW | US, RW | US);
	pt_map(&self->pt, 0x5000, 1, 0x15000, RW | US, RW | US);
	pt_map(&self->pt, 0x200000, 2, 0x400000, RW | US, RW | US);
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
	/* Not a reason at all: TABLE, as for the walk. */
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
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		/* Every entry of the root points at the root: 2^36 leaves. */
		u64 root, e;
		unsigned int i;

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		root = self->pt.cfg.root;
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i, root | P | RW | US);
		self->pt.m.read_fail_from = 1001;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_EQ(0, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(0, s.disorder);
		/* One more read a level, each ending its table with a fault. */
		EXPECT_EQ(1000 + levels, self->pt.m.reads);
		EXPECT_EQ(levels, s.faults);
		EXPECT_EQ(IOASID_FAULT_WALK_LIMIT, s.last_item.fault_reason);
		EXPECT_EQ(levels, s.last_item.fault_level);
		EXPECT_EQ(low_last(levels), s.last_item.last);
		EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, root, SZ_4K, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, root, SZ_4K, U_ALL);
		self->pt.m.read_fail_from = 0;
		/* Without the budget, the leaves until then are the same. */
		e = s.calls - s.faults;
		s.stop_after = e;
		s.stop_ret = 1;
		EXPECT_EQ(1, iterate(&self->pt, 0, low_last(levels), &s));
		EXPECT_EQ(1000, self->pt.m.reads);
		EXPECT_EQ(e, s.calls);
		EXPECT_EQ(0, s.faults);
		s.stop_after = 0;
	}
}

/* Tables pointing at themselves or above: the hardware's meaning, level by level. */
TEST_F(walker, iter_cycles)
{
	struct items s = { 0 };
	u64 root;

	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	root = self->pt.cfg.root;
	/* Entry 0: the root itself, entry 1: a large page. */
	wmem_set(&self->pt.m, root, root | P | RW | US);
	wmem_set(&self->pt.m, root + 8, 0x40000000 | P | PS | RW | US);
	EXPECT_EQ(0, iterate(&self->pt, 0, low_last(4), &s));
	ASSERT_EQ(5, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0, 0xfff, root, SZ_4K, U_ALL);
	/* At level 1, PS is PAT. */
	EXPECT_LEAF_ITEM(&s, 1, 0x1000, 0x1fff, 0x40000000, SZ_4K, U_ALL);
	EXPECT_LEAF_ITEM(&s, 2, 0x200000, 0x3fffff, 0x40000000, SZ_2M, U_ALL);
	EXPECT_LEAF_ITEM(&s, 3, 0x40000000, 0x7fffffff, 0x40000000, SZ_1G, U_ALL);
	EXPECT_FAULT_ITEM(&s, 4, 0x8000000000ULL, 0xffffffffffULL, IOASID_FAULT_RESERVED, 4);
	/* Each entry once a visit: the root's lower half, then three full visits. */
	EXPECT_EQ(256 + 3 * 512, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);

	/* A level-2 table pointing back at the level-4 one. */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	root = self->pt.cfg.root;
	pt_map(&self->pt, 0x3000, 1, 0x9000, RW | US, RW | US);
	wmem_set(&self->pt.m, pt_entry(&self->pt, 0x3000, 2) + 8, root | P | RW | US);
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffff, &s));
	ASSERT_EQ(2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x3000, 0x3fff, 0x9000, SZ_4K, U_ALL);
	/* The root as a level-1 table: its entry 0 maps 0x200000. */
	EXPECT_LEAF_ITEM(&s, 1, 0x200000, 0x200fff,
			 wmem_get(&self->pt.m, root) & ADDR, SZ_4K, U_ALL);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_fn_stops)
{
	struct items s = { 0 };
	unsigned int n;

	pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
	pt_map(&self->pt, 0x200000, 2, 0x400000, RW | US, RW | US);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000, RW | US, RW | US);
	pt_or(&self->pt, pt_entry(&self->pt, 0x40000000, 3) + 8, 1ULL << 50 | P);
	for (n = 1; n <= 5; n++) {
		s.stop_after = n;
		s.stop_ret = n == 3 ? -22 : (int)n * 7;
		EXPECT_EQ(s.stop_ret, iterate(&self->pt, 0, ~0ULL, &s));
		EXPECT_EQ(n, s.calls);
	}
	/* The items it stopped at. */
	EXPECT_LEAF_ITEM(&s, 2, 0x40000000, 0x7fffffff, 0x40000000, SZ_1G, U_ALL);
	EXPECT_FAULT_ITEM(&s, 3, 0x80000000, 0xbfffffff, IOASID_FAULT_RESERVED, 3);
	EXPECT_FAULT_ITEM(&s, 4, low_last(4) + 1, high_first(4) - 1,
			  IOASID_FAULT_NON_CANONICAL, 4);
	s.stop_after = 0;
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	EXPECT_EQ(5, s.calls);
}

TEST_F(walker, iter_up_to_u64_max)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, 0xffffffffffc00000, 2, 0x600000, RW | US, RW | US);
		pt_map(&self->pt, 0xfffffffffffff000, 1, 0x7000, RW | US, RW | US);
		EXPECT_EQ(0, iterate(&self->pt, 0xffffffffff000000, ~0ULL, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, 0xffffffffffc00000, 0xffffffffffdfffff, 0x600000,
				 SZ_2M, U_ALL);
		EXPECT_LEAF_ITEM(&s, 1, 0xfffffffffffff000, ~0ULL, 0x7000, SZ_4K, U_ALL);
		check_items(_metadata, &self->pt, &s);
		EXPECT_EQ(0, iterate(&self->pt, ~0ULL, ~0ULL, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, ~0ULL, ~0ULL, 0x7fff, SZ_4K, U_ALL);
		EXPECT_EQ(levels, self->pt.m.reads);
		/* The whole space. */
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		ASSERT_EQ(3, s.calls);
		EXPECT_EQ(~0ULL, s.it[2].last);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_start_after_last)
{
	static const u64 ranges[][2] = {
		{ 0x1001, 0x1000 }, { ~0ULL, 0 }, { 1, 0 }, { 0x800000000000ULL, 0x1000 },
	};
	struct items s = { 0 };
	unsigned int i;

	pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, iterate(&self->pt, ranges[i][0], ranges[i][1], &s));
		EXPECT_EQ(0, s.calls);
		EXPECT_EQ(0, self->pt.m.reads);
		/* Even with an invalid configuration. */
		self->pt.cfg.levels = 3;
		EXPECT_EQ(0, iterate(&self->pt, ranges[i][0], ranges[i][1], &s));
		EXPECT_EQ(0, s.calls);
		self->pt.cfg.levels = 4;
	}
}

TEST_F(walker, iter_non_canonical)
{
	struct items s = { 0 };
	unsigned int levels;
	u64 lo, hi;

	for (levels = 4; levels <= 5; levels++) {
		lo = low_last(levels);
		hi = high_first(levels);
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, lo + 1 - SZ_4K, 1, 0x7000, RW | US, RW | US);
		pt_map(&self->pt, hi, 1, 0x8000, RW | US, RW | US);

		/* Across each end of the hole. */
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

		/* Inside it: no read. */
		EXPECT_EQ(0, iterate(&self->pt, lo + 1, hi - 1, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, lo + 1, hi - 1, IOASID_FAULT_NON_CANONICAL, levels);
		EXPECT_EQ(0, self->pt.m.reads);
		EXPECT_EQ(0, iterate(&self->pt, 0x8000000000000000ULL, 0x8000000000000000ULL,
				     &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_FAULT_ITEM(&s, 0, 0x8000000000000000ULL, 0x8000000000000000ULL,
				  IOASID_FAULT_NON_CANONICAL, levels);
		check_items(_metadata, &self->pt, &s);

		/* Over it: both halves, one entry of the root each. */
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

	pt_map(&self->pt, 0x1000, 1, 0x11000, RW | US, RW | US);
	self->pt.cfg.phys_bits = 53;
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

/* Permissions as a walk grants them, composed over the levels. */
TEST_F(walker, iter_permissions)
{
	static const u32 modes[] = { 0, SRE, SRE | WPE, WPE };
	struct items s = { 0 };
	unsigned int md, i;

	for (md = 0; md < 4; md++) {
		pt_reset(&self->pt, 4, 46, modes[md], ALL_SIZES);
		/* 8 leaves under one level-2 table, each with its own bits. */
		for (i = 0; i < 8; i++)
			pt_map(&self->pt, 0x1000 * (i + 1), 1, 0x10000 + 0x1000 * i,
			       (i & 1 ? RW : 0) | (i & 2 ? US : 0) | (i & 4 ? XD : 0),
			       RW | US);
		/* And under a read-only, supervisor-only level-3 entry. */
		pt_map(&self->pt, 0x40000000, 2, 0x200000, RW | US, RW | US);
		pt_andn(&self->pt, pt_entry(&self->pt, 0x40000000, 3), RW | US);
		EXPECT_EQ(0, iterate(&self->pt, 0, 0x7fffffff, &s));
		ASSERT_EQ(9, s.calls);
		for (i = 0; i < 8; i++) {
			bool w = i & 1, u = i & 2, x = !(i & 4);

			EXPECT_EQ(grants(u, w, x, modes[md]), s.it[i].perm);
			EXPECT_EQ(0, s.it[i].maybe);
			EXPECT_EQ(0, s.it[i].update);
		}
		EXPECT_EQ(grants(false, false, true, modes[md]), s.it[8].perm);
		check_items(_metadata, &self->pt, &s);
	}
	/* A leaf that grants nothing is still an item. */
	EXPECT_EQ(0, s.it[0].perm);
	EXPECT_EQ(0x1000, s.it[0].first);
}

/*
 * With AD_UPDATE the iteration sets nothing: it reports what a read gets
 * without the update, what a write adds, and what a walk would set.
 */
TEST_F(walker, iter_ad_not_set)
{
	struct ioasid_pt_result r;
	struct items s = { 0 };
	unsigned int leaf, levels;
	u64 *copy = malloc(wmem_size(&self->pt.m));

	ASSERT_NE(NULL, copy);
	for (levels = 4; levels <= 5; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			u64 size = lsize(leaf), iova = 0x40000000;

			pt_reset(&self->pt, levels, 46, AD | SRE, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, 0x80000000, RW | US, RW | US);
			memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
			EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
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

			/* A write sets D: all granted, nothing to set. */
			ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, s.it[0].perm);
			EXPECT_EQ(0, s.it[0].maybe);
			EXPECT_EQ(0, s.it[0].update);

			/* A clear in one entry above. */
			pt_andn(&self->pt, pt_entry(&self->pt, iova, levels), A);
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, s.it[0].perm);
			EXPECT_EQ(IOASID_PT_SET_A, s.it[0].update);

			/* Without AD_UPDATE, nothing to set whatever the bits. */
			pt_andn(&self->pt, pt_entry(&self->pt, iova, leaf), A | D);
			self->pt.cfg.flags = SRE;
			EXPECT_EQ(0, iterate(&self->pt, iova, iova, &s));
			EXPECT_EQ(U_ALL | IOASID_PT_SR | IOASID_PT_SW, s.it[0].perm);
			EXPECT_EQ(0, s.it[0].maybe);
			EXPECT_EQ(0, s.it[0].update);
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
		}
	}
	free(copy);
}

/* A 5-level table spread over the whole input space, in order. */
TEST_F(walker, iter_five_levels)
{
	struct items s = { 0 };
	unsigned int i, k;
	u64 iova, out;

	pt_reset(&self->pt, 5, 52, SRE, ALL_SIZES);
	for (i = 0; i < 8; i++) {
		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;
		out = 0xfff0000000000ULL + ((u64)i << 30);
		pt_map(&self->pt, iova, i % 3 + 1, out, RW | US, RW | US);
	}
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	ASSERT_EQ(9, s.calls);
	for (i = 0, k = 0; i < 8; i++, k++) {
		unsigned int leaf = i % 3 + 1;

		iova = ((u64)i << 53) | ((u64)(i * 37 % 512) << 39) | ((u64)i << 12);
		if (i >= 4)
			iova |= 0xff00000000000000ULL;
		iova &= ~(lsize(leaf) - 1);
		out = 0xfff0000000000ULL + ((u64)i << 30);
		if (i == 4) {
			EXPECT_FAULT_ITEM(&s, k, low_last(5) + 1, high_first(5) - 1,
					  IOASID_FAULT_NON_CANONICAL, 5);
			k++;
		}
		EXPECT_LEAF_ITEM(&s, k, iova, iova + lsize(leaf) - 1, out, lsize(leaf),
				 U_ALL | IOASID_PT_SR | IOASID_PT_SW);
	}
	check_items(_metadata, &self->pt, &s);
}

TEST_HARNESS_MAIN
