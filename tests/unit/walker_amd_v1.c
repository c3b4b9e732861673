// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the AMD v1 software page-table walker
 * (module/walkers/amd_v1.c, compiled into this binary): tables built in a
 * fake parent space (walker_mem.h), every rule of struct
 * ioasid_format_amd_v1 checked against expectations written here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "walker_expect.h"
#include "../../module/walkers/amd_v1.h"

#define BASE		0x100000ULL
#define PAGES		64

/* AMD v1 entry bits (walker_mem.h has P, A, D and ADDR at the same places). */
#define PR		P
#define IR		(1ULL << 61)
#define IW		(1ULL << 62)
#define NL(n)		((u64)(n) << 9)
#define NL_MASK		NL(7)
#define RSVD_BITS	0x07f0000000000000ULL
#define RWP		(IR | IW)

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define X_		(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC)
#define PRIV		IOASID_ACCESS_PRIV

#define AD		IOASID_AMD_V1_CFG_AD_UPDATE
#define ALL_SIZES	(~0ULL << 12)

#define P_READ		(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR | IOASID_PT_SX)
#define P_WRITE		(IOASID_PT_UW | IOASID_PT_SW)
#define P_ALL		(P_READ | P_WRITE)

static unsigned int shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static u64 lsize(unsigned int level)
{
	return 1ULL << shift(level);
}

static unsigned int idx(u64 iova, unsigned int level)
{
	return (iova >> shift(level)) & 511;
}

/* The last input address of @levels levels. */
static u64 top_addr(unsigned int levels)
{
	return levels >= 6 ? ~0ULL : (1ULL << shift(levels + 1)) - 1;
}

/* A table builder over the fake memory. */
struct pt {
	struct wmem m;
	u64 next;			/* next free table page */
	struct ioasid_amd_v1_cfg cfg;
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

static void pt_reset(struct pt *pt, u32 levels, u32 phys_bits, u32 flags,
		     u64 pgsizes)
{
	memset(pt->m.buf, 0, wmem_size(&pt->m));
	pt->next = pt->m.base;
	pt->cfg = (struct ioasid_amd_v1_cfg){
		.root = pt_page(pt),
		.levels = levels,
		.phys_bits = phys_bits,
		.flags = flags,
		.pgsize_bitmap = pgsizes,
	};
}

/*
 * Build the pointers of @iova along @path (table levels from the top,
 * e.g. { 6, 3, 1 }: level 6 points at a level-3 table, which points at a
 * level-1 one), each with @table_flags, and return the address of the
 * entry of @iova in the last table of the path.
 */
static u64 pt_path(struct pt *pt, u64 iova, const unsigned int *path,
		   unsigned int n, u64 table_flags)
{
	u64 table = pt->cfg.root, addr, e;
	unsigned int i;

	for (i = 0; i + 1 < n; i++) {
		addr = table + 8 * idx(iova, path[i]);
		e = wmem_get(&pt->m, addr);
		if (!(e & PR) || ((e & NL_MASK) >> 9) != path[i + 1])
			e = pt_page(pt);
		e = (e & ADDR) | PR | NL(path[i + 1]) | table_flags;
		wmem_set(&pt->m, addr, e);
		table = e & ADDR;
	}
	return table + 8 * idx(iova, path[n - 1]);
}

/* The path of every level from the top down to @level. */
static u64 pt_walkdown(struct pt *pt, u64 iova, unsigned int level,
		       u64 table_flags)
{
	unsigned int path[6], n = 0, l;

	for (l = pt->cfg.levels; l >= level; l--)
		path[n++] = l;
	return pt_path(pt, iova, path, n, table_flags);
}

/* A NextLevel 0 leaf at @level. Returns its entry's address. */
static u64 pt_map(struct pt *pt, u64 iova, unsigned int level, u64 out,
		  u64 leaf_flags, u64 table_flags)
{
	u64 addr = pt_walkdown(pt, iova, level, table_flags);

	wmem_set(&pt->m, addr, out | PR | leaf_flags);
	return addr;
}

/* The NextLevel 7 encoding of a 2^@s page at @out. */
static u64 nl7(u64 out, unsigned int s)
{
	return out | NL(7) | PR | (((1ULL << (s - 1)) - 1) & ~0xfffULL);
}

/*
 * A NextLevel 7 leaf of 2^@s at @level, in every slot it covers.
 * Returns the entry address of @iova's slot.
 */
static u64 pt_map7(struct pt *pt, u64 iova, unsigned int level, unsigned int s,
		   u64 out, u64 leaf_flags, u64 table_flags)
{
	u64 addr = pt_walkdown(pt, iova, level, table_flags), first;
	u64 slots = 1ULL << (s - shift(level)), i;

	if (slots > 512)
		slots = 512;
	first = addr & ~(8 * slots - 1);
	for (i = 0; i < slots; i++)
		wmem_set(&pt->m, first + 8 * i, nl7(out, s) | leaf_flags);
	return addr;
}

/* The address of the entry at @level on the (existing) path of @iova. */
static u64 pt_entry(struct pt *pt, u64 iova, unsigned int level)
{
	u64 table = pt->cfg.root, e;
	unsigned int l = pt->cfg.levels;

	while (l > level) {
		e = wmem_get(&pt->m, table + 8 * idx(iova, l));
		table = e & ADDR;
		l = (e & NL_MASK) >> 9;
	}
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

static int walk(struct pt *pt, u64 iova, u32 access, struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = wmem_io(&pt->m);

	pt->m.reads = 0;
	pt->m.cmpxchgs = 0;
	pt->m.races_done = 0;
	memset(res, 0xa5, sizeof(*res));
	return ioasid_amd_v1_walk(&pt->cfg, iova, access, &io, res);
}

FIXTURE(walker) {
	struct pt pt;
	bool outside_ok;
};

FIXTURE_SETUP(walker)
{
	ASSERT_EQ(0, wmem_init(&self->pt.m, BASE, PAGES));
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	self->pt.m.race_bits = 1ULL << 63;	/* ignored (52 is reserved here) */
	self->outside_ok = false;
}

FIXTURE_TEARDOWN(walker)
{
	EXPECT_EQ(0, self->pt.m.misaligned);
	if (!self->outside_ok)
		EXPECT_EQ(0, self->pt.m.outside);
	wmem_fini(&self->pt.m);
}

/* ---- ALLOC, BIND, FORMAT_INFO ---- */

static struct ioasid_format_amd_v1 desc(u32 flags, u32 levels, u32 phys,
					u64 pgsizes)
{
	struct ioasid_format_amd_v1 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_AMD_V1 },
		.flags = flags,
		.levels = levels,
		.phys_bits = phys,
		.pgsize_bitmap = pgsizes,
	};

	return d;
}

TEST(config_errnos)
{
	struct ioasid_amd_v1_cfg cfg;
	struct ioasid_format_amd_v1 d;
	unsigned int levels, b;

	d = desc(0, 3, 48, 0);
	ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
	EXPECT_EQ(0, cfg.root);
	EXPECT_EQ(3, cfg.levels);
	EXPECT_EQ(48, cfg.phys_bits);
	EXPECT_EQ(0, cfg.flags);
	/* 0: what FORMAT_INFO reports, up to the top level's span (2^39). */
	EXPECT_EQ(((1ULL << 40) - 1) & ~0xfffULL, cfg.pgsize_bitmap);
	d = desc(IOASID_AMD_V1_AD_UPDATE, 6, 52, 0);
	ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
	EXPECT_EQ(AD, cfg.flags);
	EXPECT_EQ(IOASID_AMD_V1_PGSIZES, cfg.pgsize_bitmap);
	d = desc(0, 1, 32, 0);
	ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
	EXPECT_EQ(((1ULL << 22) - 1) & ~0xfffULL, cfg.pgsize_bitmap);

	/* Flags and __reserved: EOPNOTSUPP. */
	for (b = 1; b < 32; b++) {
		d = desc(1U << b, 4, 48, 0);
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_v1_config(&cfg, &d));
	}
	d = desc(0, 4, 48, 0);
	d.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_v1_config(&cfg, &d));

	/* Levels and phys_bits. */
	for (levels = 0; levels <= 9; levels++) {
		d = desc(0, levels, 48, 0);
		EXPECT_EQ(levels >= 1 && levels <= 6 ? 0 : -EINVAL,
			  ioasid_amd_v1_config(&cfg, &d));
	}
	d = desc(0, 0xffffffff, 48, 0);
	EXPECT_EQ(-EINVAL, ioasid_amd_v1_config(&cfg, &d));
	for (b = 0; b <= 64; b++) {
		d = desc(0, 4, b, 0);
		EXPECT_EQ(b >= 32 && b <= 52 ? 0 : -EINVAL,
			  ioasid_amd_v1_config(&cfg, &d));
	}

	/* pgsize_bitmap: 4 KiB needed, nothing below, nothing above the span. */
	for (levels = 1; levels <= 6; levels++) {
		unsigned int span = levels == 6 ? 64 : shift(levels + 1);

		d = desc(0, levels, 48, SZ_4K);
		ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
		EXPECT_EQ(SZ_4K, cfg.pgsize_bitmap);
		d = desc(0, levels, 48, SZ_2M);
		EXPECT_EQ(-EINVAL, ioasid_amd_v1_config(&cfg, &d));
		for (b = 0; b < 12; b++) {
			d = desc(0, levels, 48, SZ_4K | 1ULL << b);
			EXPECT_EQ(-EINVAL, ioasid_amd_v1_config(&cfg, &d));
		}
		for (b = 13; b < 64; b++) {
			d = desc(0, levels, 48, SZ_4K | 1ULL << b);
			EXPECT_EQ(b <= span ? 0 : -EINVAL,
				  ioasid_amd_v1_config(&cfg, &d));
		}
		/* Every size up to the span at once. */
		d = desc(0, levels, 48, levels == 6 ? ALL_SIZES :
			 ((2ULL << span) - 1) & ~0xfffULL);
		ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
		EXPECT_EQ(d.pgsize_bitmap, cfg.pgsize_bitmap);
	}
}

TEST(bind_errnos)
{
	struct ioasid_format_amd_v1 d = desc(0, 4, 40, 0);
	struct ioasid_amd_v1_cfg cfg, copy;
	unsigned int b;

	ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
	EXPECT_EQ(0, ioasid_amd_v1_bind(&cfg, 0, 0x1000, 0));
	EXPECT_EQ(0x1000, cfg.root);
	EXPECT_EQ(0, ioasid_amd_v1_bind(&cfg, 0, (1ULL << 40) - SZ_4K, 0));
	EXPECT_EQ((1ULL << 40) - SZ_4K, cfg.root);
	EXPECT_EQ(0, ioasid_amd_v1_bind(&cfg, 0, 0, 0));
	EXPECT_EQ(0, cfg.root);
	cfg.root = 0x5000;
	copy = cfg;

	/* Every bind flag: EOPNOTSUPP (x86's and RISC-V's too). */
	for (b = 0; b < 32; b++) {
		EXPECT_EQ(-EOPNOTSUPP, ioasid_amd_v1_bind(&cfg, 1U << b, 0x2000, 0));
		EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));
	}
	/* root1: no second half. */
	EXPECT_EQ(-EINVAL, ioasid_amd_v1_bind(&cfg, 0, 0x2000, 0x3000));
	EXPECT_EQ(-EINVAL, ioasid_amd_v1_bind(&cfg, 0, 0x2000, 1));
	/* Misaligned, too wide. */
	for (b = 0; b < 12; b++)
		EXPECT_EQ(-EINVAL, ioasid_amd_v1_bind(&cfg, 0, 0x2000 | 1ULL << b, 0));
	for (b = 40; b < 64; b++)
		EXPECT_EQ(-EINVAL, ioasid_amd_v1_bind(&cfg, 0, 0x2000 | 1ULL << b, 0));
	EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));
	/* 52 bits. */
	d = desc(0, 6, 52, 0);
	ASSERT_EQ(0, ioasid_amd_v1_config(&cfg, &d));
	EXPECT_EQ(0, ioasid_amd_v1_bind(&cfg, 0, 0xffffffffff000ULL, 0));
	EXPECT_EQ(-EINVAL, ioasid_amd_v1_bind(&cfg, 0, 0x10000000000000ULL, 0));
}

TEST(info)
{
	struct ioasid_format_info info;
	unsigned int b;

	memset(&info, 0x5a, sizeof(info));
	info.size = sizeof(info);
	info.format = IOASID_FORMAT_AMD_V1;
	ioasid_amd_v1_info(&info);
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(IOASID_FORMAT_AMD_V1, info.format);
	EXPECT_EQ(IOASID_AMD_V1_AD_UPDATE, info.out_format_flags);
	EXPECT_EQ(0, info.out_bind_flags);
	/* Every size a leaf can have: 2^12..2^52. */
	for (b = 0; b < 64; b++)
		EXPECT_EQ(b >= 12 && b <= 52,
			  !!(info.out_pgsize_bitmap & (1ULL << b)));
	EXPECT_EQ(0x7e, info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(52, info.out_max_phys_bits);
	EXPECT_EQ(64, info.out_input_bits);
	EXPECT_EQ(SZ_4K, info.out_granule_bitmap);
}

/* ---- leaves ---- */

static const u64 offsets[] = { 0, 1, 8, 0x7ff, 0xfff, 0x1000, 0x12345, 0x1fffff,
			       0x200000, 0x1234567, 0x3fffffff, 0x40000000,
			       0x123456789aULL, 0x7fffffffffULL, 0xfedcba987654ULL,
			       0x1ffffffffffffffULL };

static void check_leaf(struct __test_metadata *_metadata, struct pt *pt,
		       u64 iova, u64 size, u64 out, unsigned int reads)
{
	struct ioasid_pt_result r;
	unsigned int i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		if (offsets[i] >= size)
			continue;
		ASSERT_EQ(0, walk(pt, iova + offsets[i], R_, &r)) {
			TH_LOG("iova 0x%llx size 0x%llx: fault level %u",
			       (unsigned long long)iova + offsets[i],
			       (unsigned long long)size, r.fault_level);
		}
		EXPECT_EQ(out + offsets[i], r.out);
		EXPECT_EQ(size, r.page_size);
		EXPECT_EQ(P_ALL, r.perm);
		EXPECT_EQ(0, r.maybe);
		EXPECT_EQ(0, r.fault_reason);
		EXPECT_EQ(reads, pt->m.reads);
		EXPECT_EQ(0, pt->m.cmpxchgs);
		/* And the last byte of the page. */
		ASSERT_EQ(0, walk(pt, iova + size - 1, R_, &r));
		EXPECT_EQ(out + size - 1, r.out);
	}
}

/* NextLevel 0 leaves at every level of every table depth. */
TEST_F(walker, leaf_nextlevel0_every_level)
{
	unsigned int levels, leaf;

	for (levels = 1; levels <= 6; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			u64 size = lsize(leaf);
			u64 iova = (0x0123456789abcdefULL & top_addr(levels)) & ~(size - 1);
			u64 out = ((1ULL << 52) - size) & ~(size - 1);

			if (size >= 1ULL << 52)
				out = 0;
			pt_reset(&self->pt, levels, 52, 0, ALL_SIZES);
			pt_map(&self->pt, iova, leaf, out, RWP, RWP);
			if (size > 1ULL << 52) {	/* past the output width */
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
				continue;
			}
			check_leaf(_metadata, &self->pt, iova, size, out,
				   levels - leaf + 1);
		}
	}
}

/* NextLevel 7 leaves: every size at every level that can hold it. */
TEST_F(walker, leaf_nextlevel7_every_size)
{
	unsigned int levels, leaf, s;

	for (levels = 1; levels <= 6; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			for (s = shift(leaf) + 1; s <= shift(leaf + 1) && s <= 53; s++) {
				u64 size = 1ULL << s;
				u64 iova = (0x0fedcba987654321ULL & top_addr(levels)) &
					   ~(size - 1);
				u64 out = s <= 51 ? (1ULL << 52) - size : 0;

				pt_reset(&self->pt, levels, 52, 0, ALL_SIZES);
				pt_map7(&self->pt, iova, leaf, s, out, RWP, RWP);
				if (s > 52) {	/* past the output width */
					EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
					continue;
				}
				check_leaf(_metadata, &self->pt, iova, size, out,
					   levels - leaf + 1);
				/* Not declared: reserved. */
				self->pt.cfg.pgsize_bitmap = ALL_SIZES & ~size;
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, iova, R_);
				if (_metadata->exit_code)
					return;
			}
		}
	}
}

/* A NextLevel 7 size at or below the slot's, or above the table's span. */
TEST_F(walker, nextlevel7_size_out_of_its_level)
{
	unsigned int leaf, s;

	for (leaf = 1; leaf <= 6; leaf++) {
		for (s = 13; s <= 53; s++) {
			bool ok = s > shift(leaf) && s <= shift(leaf + 1) && s <= 52;
			u64 e;

			pt_reset(&self->pt, 6, 52, 0, ALL_SIZES);
			e = pt_walkdown(&self->pt, 0, leaf, RWP);
			wmem_set(&self->pt.m, e, nl7(0, s) | RWP);
			if (ok)
				EXPECT_XLATE(0x123, 1ULL << s, 0x123, R_);
			else
				EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, 0x123, R_);
		}
	}
	/*
	 * All ones up to bit 51: the run ends at reserved bit 52, 2^53, past
	 * any output width; up to bit 50: 2^52.
	 */
	pt_reset(&self->pt, 5, 52, 0, ALL_SIZES);
	wmem_set(&self->pt.m, pt_walkdown(&self->pt, 0, 5, RWP), ADDR | NL(7) | PR | IR);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 0x1234567, R_);
	wmem_set(&self->pt.m, pt_walkdown(&self->pt, 0, 5, RWP),
		 (ADDR >> 1 & ADDR) | NL(7) | PR | IR);
	EXPECT_XLATE(0x1234567, 1ULL << 52, 0x1234567, R_);
}

/* The walker uses the slot it reads: replicas are not checked. */
TEST_F(walker, nextlevel7_replicas_not_checked)
{
	u64 e;

	pt_reset(&self->pt, 3, 46, 0, ALL_SIZES);
	/* A 32 KiB page: 8 slots of level 1. */
	e = pt_map7(&self->pt, 0x48000, 1, 15, 0x10000, RWP, RWP);
	EXPECT_EQ(self->pt.cfg.root, BASE);
	EXPECT_XLATE(0x10000 + 0x5abc, 1ULL << 15, 0x4dabc, R_);
	/* Only one slot: the others are not present. */
	wmem_set(&self->pt.m, e + 8, 0);
	EXPECT_XLATE(0x10000 + 0x0abc, 1ULL << 15, 0x48abc, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x49abc, R_);
	/* A replica that says something else is used for its own slot. */
	wmem_set(&self->pt.m, e + 16, nl7(0x20000, 14) | IR);
	EXPECT_XLATE(0x20000 + 0x2abc, 1ULL << 14, 0x4aabc, R_);
	EXPECT_XLATE(0x10000 + 0x3abc, 1ULL << 15, 0x4babc, W_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x4aabc, W_);
	/* Even a misplaced one: the output keeps the input's offset. */
	wmem_set(&self->pt.m, e + 24, nl7(0x10000, 13) | RWP);
	EXPECT_XLATE(0x10000 + 0x1abc, 1ULL << 13, 0x4babc, R_);
}

TEST_F(walker, misaligned_nextlevel0_leaves_are_reserved)
{
	unsigned int leaf, b;
	u64 e;

	for (leaf = 2; leaf <= 5; leaf++) {
		u64 size = lsize(leaf);

		pt_reset(&self->pt, 6, 52, 0, ALL_SIZES);
		e = pt_map(&self->pt, 0, leaf, 0, RWP, RWP);
		EXPECT_XLATE(0x1234, size, 0x1234, R_);
		for (b = 12; b < shift(leaf) && b < 52; b++) {
			pt_or(&self->pt, e, 1ULL << b);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, leaf, 0x1234, R_);
			EXPECT_EQ(6 - leaf + 1, self->pt.m.reads);
			pt_andn(&self->pt, e, 1ULL << b);
		}
	}
}

/* Leaves of many sizes side by side. */
TEST_F(walker, mixed_sizes)
{
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x0, 3, 0x40000000, RWP, RWP);
	pt_map7(&self->pt, 0x40000000, 2, 22, 0xc00000, RWP, RWP);
	pt_map(&self->pt, 0x40400000, 2, 0x200000, RWP, RWP);
	pt_map7(&self->pt, 0x40600000, 1, 16, 0x30000, RWP, RWP);
	pt_map(&self->pt, 0x40610000, 1, 0x7000, RWP, RWP);
	pt_map7(&self->pt, 0x80000000, 3, 31, 0x80000000, RWP, RWP);
	EXPECT_XLATE(0x40000123, SZ_1G, 0x123, R_);
	EXPECT_XLATE(0xc00123, 1ULL << 22, 0x40000123, R_);
	EXPECT_XLATE(0xfffff0, 1ULL << 22, 0x403ffff0, R_);
	EXPECT_XLATE(0x200123, SZ_2M, 0x40400123, R_);
	EXPECT_XLATE(0x3ffff, 1ULL << 16, 0x4060ffff, R_);
	EXPECT_XLATE(0x7fff, SZ_4K, 0x40610fff, R_);
	EXPECT_XLATE(0xc0000000, 1ULL << 31, 0xc0000000, R_);
	EXPECT_XLATE(0x80000001, 1ULL << 31, 0x80000001, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x40611000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 2, 0x40800000, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 3, 0x100000000ULL, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0x8000000000ULL, R_);
}

/* ---- pointers ---- */

/* Pointers that skip levels: every pair of levels. */
TEST_F(walker, skipped_levels)
{
	unsigned int from, to, b;

	for (from = 2; from <= 6; from++) {
		for (to = 1; to < from; to++) {
			unsigned int path[] = { 6, from, to };
			unsigned int n = from == 6 ? 2 : 3;
			const unsigned int *p = from == 6 ? path + 1 : path;
			u64 iova = 0x5000 | (3ULL << shift(from)) | (5ULL << shift(to));
			u64 e;

			/* A NextLevel 0 leaf of the target level's size. */
			u64 size = lsize(to), out = to == 1 ? 0x77000 : 0;

			pt_reset(&self->pt, 6, 52, 0, ALL_SIZES);
			e = pt_path(&self->pt, iova, p, n, RWP);
			wmem_set(&self->pt.m, e, out | PR | RWP);
			EXPECT_XLATE(out + (iova & (size - 1)), size, iova, R_);
			EXPECT_EQ(n, self->pt.m.reads);
			/* Each index bit of a skipped level: not present. */
			for (b = shift(to + 1); b < shift(from); b++) {
				EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, from,
					     iova | 1ULL << b, W_);
				EXPECT_EQ(n - 1, self->pt.m.reads);
			}
			/* The target level's own index bits select its entry. */
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, to,
				     iova ^ (1ULL << shift(to)), R_);
		}
	}
}

/* NextLevel at or above the entry's own level. */
TEST_F(walker, nextlevel_not_below_is_reserved)
{
	unsigned int level, nl;

	for (level = 1; level <= 6; level++) {
		for (nl = 1; nl <= 6; nl++) {
			u64 e;

			pt_reset(&self->pt, 6, 52, 0, ALL_SIZES);
			e = pt_walkdown(&self->pt, 0x1000, level, RWP);
			/* A pointer at the root: a plausible table either way. */
			wmem_set(&self->pt.m, e, self->pt.cfg.root | PR | NL(nl) | RWP);
			if (nl < level)
				continue;
			EXPECT_FAULT(IOASID_FAULT_RESERVED, level, 0x1000, R_);
			EXPECT_EQ(6 - level + 1, self->pt.m.reads);
		}
	}
}

/* A table that points at itself or above: the walk still goes down. */
TEST_F(walker, loops_end)
{
	struct ioasid_pt_result r;
	unsigned int levels;
	u64 root;

	for (levels = 2; levels <= 6; levels++) {
		unsigned int i;

		pt_reset(&self->pt, levels, 52, 0, ALL_SIZES);
		root = self->pt.cfg.root;
		/* Every entry points at the root as the next level down. */
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i,
				 root | PR | NL(levels - 1) | RWP);
		/* Read again as the level below, it is not below itself. */
		EXPECT_FAULT(IOASID_FAULT_RESERVED, levels - 1, 0, R_);
		EXPECT_EQ(2, self->pt.m.reads);
		/* Level by level: the root as each level. */
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i,
				 root | PR | NL(i % 8 < levels - 1 ? i % 8 : 0) | RWP);
		walk(&self->pt, 0x3123, R_, &r);
		EXPECT_LE(self->pt.m.reads, levels);
	}
}

TEST_F(walker, reserved_bits_58_52)
{
	unsigned int levels, l, b;
	u64 e;

	for (levels = 1; levels <= 6; levels++) {
		pt_reset(&self->pt, levels, 52, 0, ALL_SIZES);
		pt_map(&self->pt, 0x7000, 1, 0x9000, RWP, RWP);
		for (l = 1; l <= levels; l++) {
			e = pt_entry(&self->pt, 0x7000, l);
			for (b = 52; b <= 58; b++) {
				pt_or(&self->pt, e, 1ULL << b);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, l, 0x7000, R_);
				EXPECT_EQ(levels - l + 1, self->pt.m.reads);
				pt_andn(&self->pt, e, 1ULL << b);
			}
		}
		EXPECT_XLATE(0x9000, SZ_4K, 0x7000, R_);
		/* And in NextLevel 7 leaves. */
		e = pt_map7(&self->pt, 0x10000, 1, 16, 0x20000, RWP, RWP);
		for (b = 52; b <= 58; b++) {
			pt_or(&self->pt, e, 1ULL << b);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 1, 0x10000, R_);
			pt_andn(&self->pt, e, 1ULL << b);
		}
	}
}

TEST_F(walker, address_bits_above_phys_bits_are_reserved)
{
	static const u32 phys[] = { 32, 39, 46, 52 };
	unsigned int p, l, b;
	u64 iova = 0x0000ffff0a5b000ULL, e;

	for (p = 0; p < 4; p++) {
		u32 pb = phys[p];
		u64 top = (1ULL << pb) - SZ_4K;

		pt_reset(&self->pt, 6, pb, 0, ALL_SIZES);
		pt_map(&self->pt, iova, 1, top, RWP, RWP);
		EXPECT_XLATE(top + 0xabc, SZ_4K, iova + 0xabc, R_);
		/* Pointers and leaves. */
		for (l = 1; l <= 6; l++) {
			e = pt_entry(&self->pt, iova, l);
			for (b = pb; b <= 51; b++) {
				pt_or(&self->pt, e, 1ULL << b);
				EXPECT_FAULT(IOASID_FAULT_RESERVED, l, iova, R_);
				pt_andn(&self->pt, e, 1ULL << b);
			}
		}
		/* NextLevel 0 leaves of 2 MiB. */
		e = pt_map(&self->pt, 0x600000, 2, (1ULL << pb) - SZ_2M, RWP, RWP);
		EXPECT_XLATE((1ULL << pb) - 1, SZ_2M, 0x7fffff, R_);
		for (b = pb; b <= 51; b++) {
			pt_or(&self->pt, e, 1ULL << b);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0x600000, R_);
			pt_andn(&self->pt, e, 1ULL << b);
		}
		/* NextLevel 7 leaves: the output address above the size. */
		e = pt_map7(&self->pt, 0x800000, 2, 23, (1ULL << pb) - (1ULL << 23), RWP, RWP);
		EXPECT_XLATE((1ULL << pb) - 1, 1ULL << 23, 0xffffff, R_);
		for (b = pb; b <= 51; b++) {
			pt_or(&self->pt, e, 1ULL << b);
			EXPECT_FAULT(IOASID_FAULT_RESERVED, 2, 0x800000, R_);
			pt_andn(&self->pt, e, 1ULL << b);
		}
	}
	/*
	 * A page reaching past 2^phys_bits is reserved, though its address
	 * bits are 0: every output stays below 2^phys_bits.
	 */
	pt_reset(&self->pt, 5, 32, 0, ALL_SIZES);
	pt_map7(&self->pt, 0, 3, 32, 0, RWP, RWP);
	EXPECT_XLATE(0xfedcba98ULL, 1ULL << 32, 0xfedcba98ULL, R_);
	pt_map7(&self->pt, 0x100000000ULL, 3, 33, 0, RWP, RWP);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 3, 0x100000000ULL, R_);
	pt_map7(&self->pt, 0x8000000000ULL, 4, 40, 0, RWP, RWP);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 4, 0x8000000000ULL, R_);
	pt_map(&self->pt, 0x1000000000000ULL, 5, 0, RWP, RWP);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 0x1000000000000ULL, R_);
	self->pt.cfg.phys_bits = 48;
	EXPECT_XLATE(0xfedcba987654ULL, 1ULL << 48, 0x1fedcba987654ULL, R_);
	self->pt.cfg.phys_bits = 47;
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 5, 0x1000000000000ULL, R_);
}

TEST_F(walker, ignored_bits_are_ignored)
{
	static const unsigned int ign[] = { 1, 2, 3, 4, 5, 6, 7, 8, 59, 60, 63 };
	unsigned int levels, leaf, l, i;
	u64 all = 0, iova = 0x00007abc12345000ULL, out = 0x2ffc0000000ULL;

	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		all |= 1ULL << ign[i];
	for (levels = 3; levels <= 6; levels += 3) {
		for (leaf = 1; leaf <= 3; leaf++) {
			u64 size = lsize(leaf), want = out + (iova & (size - 1));

			pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
			pt_map(&self->pt, iova & top_addr(levels), leaf, out, RWP, RWP);
			for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++) {
				for (l = levels; l >= leaf; l--)
					pt_or(&self->pt, pt_entry(&self->pt, iova, l),
					      1ULL << ign[i]);
				EXPECT_XLATE(want & (out | (top_addr(levels) & (size - 1))),
					     size, iova & top_addr(levels), W_);
				for (l = levels; l >= leaf; l--)
					pt_andn(&self->pt, pt_entry(&self->pt, iova, l),
						1ULL << ign[i]);
			}
			for (l = levels; l >= leaf; l--)
				pt_or(&self->pt, pt_entry(&self->pt, iova, l), all);
			EXPECT_XLATE(want & (out | (top_addr(levels) & (size - 1))),
				     size, iova & top_addr(levels), X_ | PRIV);
			EXPECT_EQ(0, self->pt.m.cmpxchgs);
		}
	}
}

TEST_F(walker, not_present_at_each_level)
{
	unsigned int levels, l;
	u64 iova = 0x0000123456789000ULL, e, v;

	for (levels = 1; levels <= 6; levels++) {
		u64 in = iova & top_addr(levels);

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, levels, in, R_);
		EXPECT_EQ(1, self->pt.m.reads);
		pt_map(&self->pt, in, 1, 0x3000, RWP, RWP);
		for (l = 1; l <= levels; l++) {
			e = pt_entry(&self->pt, in, l);
			v = wmem_get(&self->pt.m, e);
			pt_andn(&self->pt, e, PR);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, in, R_);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, in, W_ | PRIV);
			EXPECT_EQ(levels - l + 1, self->pt.m.reads);
			/* Nothing else of a non-present entry counts. */
			wmem_set(&self->pt.m, e, ~PR);
			EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, l, in, X_);
			wmem_set(&self->pt.m, e, v);
		}
		EXPECT_XLATE(0x3000, SZ_4K, in, R_);
	}
}

/* Inputs wider than the levels take: NON_CANONICAL, nothing read. */
TEST_F(walker, input_width)
{
	unsigned int levels, b;

	for (levels = 1; levels <= 6; levels++) {
		unsigned int bits = levels == 6 ? 64 : shift(levels + 1);

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, top_addr(levels) & ~0xfffULL, 1, 0x5000, RWP, RWP);
		EXPECT_XLATE(0x5fff, SZ_4K, top_addr(levels), R_);
		for (b = bits; b < 64; b++) {
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, levels, 1ULL << b, R_);
			EXPECT_EQ(0, self->pt.m.reads);
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, levels,
				     top_addr(levels) | 1ULL << b, W_);
		}
		/* No sign extension: the top half is not special. */
		if (levels < 6)
			EXPECT_FAULT(IOASID_FAULT_NON_CANONICAL, levels, ~0ULL, R_);
	}
	/* Six levels: bits 63:57 index the root's 128 first entries. */
	pt_reset(&self->pt, 6, 52, 0, ALL_SIZES);
	pt_map(&self->pt, 0xfe00000000000000ULL, 1, 0x6000, RWP, RWP);
	EXPECT_NE(0, wmem_get(&self->pt.m, self->pt.cfg.root + 8 * 127));
	EXPECT_XLATE(0x6010, SZ_4K, 0xfe00000000000010ULL, R_);
	pt_map(&self->pt, 0x8000000000000000ULL, 5, 0, RWP, RWP);
	EXPECT_NE(0, wmem_get(&self->pt.m, self->pt.cfg.root + 8 * 64));
	EXPECT_XLATE(0x456789abcdefULL, 1ULL << 48, 0x8000456789abcdefULL, R_);
	/* A level-6 leaf (2^57) reaches past any output width. */
	pt_map(&self->pt, 0x8000000000000000ULL, 6, 0, RWP, RWP);
	EXPECT_FAULT(IOASID_FAULT_RESERVED, 6, 0x8123456789abcdefULL, R_);
}

/* ---- permissions ---- */

/*
 * Every combination of IR and IW at every level of a path ending in a leaf
 * at @leaf (NextLevel 0, or 7 when @s), for every request.
 */
static void check_permissions(struct __test_metadata *_metadata, struct pt *pt,
			      unsigned int levels, unsigned int leaf, unsigned int s)
{
	static const u32 requests[] = { R_, W_, X_, R_ | PRIV, W_ | PRIV, X_ | PRIV,
					R_ | W_, R_ | W_ | PRIV };
	unsigned int n = levels - leaf + 1, combo, l, q;
	u64 size = s ? 1ULL << s : lsize(leaf);
	u64 iova = 0x00000abcdef12000ULL & top_addr(levels) & ~(size - 1);
	u64 out = 0x3c0000000ULL & ~(size - 1);
	u64 entry[7], value[7];

	pt_reset(pt, levels, 52, 0, ALL_SIZES);
	if (s)
		pt_map7(pt, iova, leaf, s, out, 0, 0);
	else
		pt_map(pt, iova, leaf, out, 0, 0);
	for (l = leaf; l <= levels; l++) {
		entry[l] = pt_entry(pt, iova, l);
		value[l] = wmem_get(&pt->m, entry[l]);
	}
	for (combo = 0; combo < 1U << (2 * n); combo++) {
		bool rd = true, wr = true;
		u32 want = 0;

		for (l = leaf; l <= levels; l++) {
			unsigned int bits = combo >> (2 * (l - leaf)) & 3;

			wmem_set(&pt->m, entry[l], value[l] | (bits & 1 ? IR : 0) |
				 (bits & 2 ? IW : 0));
			rd = rd && (bits & 1);
			wr = wr && (bits & 2);
		}
		if (rd)
			want |= P_READ;
		if (wr)
			want |= P_WRITE;
		for (q = 0; q < sizeof(requests) / sizeof(requests[0]); q++) {
			struct ioasid_pt_result r;
			bool ok = (!(requests[q] & R_) || rd) && (!(requests[q] & W_) || wr);
			int ret = walk(pt, iova + 0x18, requests[q], &r);

			EXPECT_EQ(want, r.perm);
			EXPECT_EQ(0, r.maybe);
			if (ok) {
				ASSERT_EQ(0, ret);
				EXPECT_EQ(out + 0x18, r.out);
				EXPECT_EQ(size, r.page_size);
			} else {
				ASSERT_EQ(IOASID_FAULT_PERMISSION, ret);
				EXPECT_EQ(leaf, r.fault_level);
				EXPECT_EQ(0, r.out);
			}
			if (_metadata->exit_code)
				return;
		}
	}
}

TEST_F(walker, permissions_every_level)
{
	unsigned int levels, leaf;

	for (levels = 1; levels <= 6; levels++)
		for (leaf = 1; leaf <= levels && leaf <= 4; leaf++)
			check_permissions(_metadata, &self->pt, levels, leaf, 0);
	check_permissions(_metadata, &self->pt, 6, 5, 0);
	check_permissions(_metadata, &self->pt, 4, 1, 16);
	check_permissions(_metadata, &self->pt, 5, 3, 35);
}

TEST_F(walker, permissions_by_hand)
{
	struct ioasid_pt_result r;

	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	EXPECT_EQ(P_ALL, r.perm);
	/* Write-only leaf: writes only, no execute. */
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 1), IR);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
	EXPECT_EQ(IOASID_PT_UW | IOASID_PT_SW, r.perm);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, X_ | PRIV);
	/* IR in the leaf but not in the level-3 pointer: the pointer limits. */
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 1), IR);
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 3), IR);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, R_);
	EXPECT_EQ(0, walk(&self->pt, 0x1000, W_ | PRIV, &r));
	/* Neither: a present leaf that grants nothing. */
	pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 4), IW);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_EQ(IOASID_FAULT_PERMISSION, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(0, r.perm);
}

/* ---- A and D ---- */

static u64 ad(struct pt *pt, u64 addr)
{
	return wmem_get(&pt->m, addr) & (A | D);
}

TEST_F(walker, ad_read_sets_a_then_write_sets_d)
{
	unsigned int levels, leaf, s;
	struct ioasid_pt_result r;

	for (levels = 1; levels <= 6; levels++) {
		for (leaf = 1; leaf <= levels; leaf++) {
			for (s = 0; s <= 1; s++) {
				u64 size = s ? lsize(leaf) * 2 : lsize(leaf);
				u64 iova = size * 3 & top_addr(levels), out = 0;
				u64 e;

				if (size > 1ULL << 52)
					continue;
				pt_reset(&self->pt, levels, 52, AD, ALL_SIZES);
				if (s)
					e = pt_map7(&self->pt, iova, leaf, shift(leaf) + 1,
						    out, RWP, RWP);
				else
					e = pt_map(&self->pt, iova, leaf, out, RWP, RWP);
				ASSERT_EQ(0, walk(&self->pt, iova + 0x10, R_, &r));
				EXPECT_EQ(out + (iova & (size - 1)) + 0x10, r.out);
				EXPECT_EQ(A, ad(&self->pt, e));
				EXPECT_EQ(1, self->pt.m.cmpxchgs);
				EXPECT_EQ(P_READ, r.perm);
				EXPECT_EQ(P_WRITE, r.maybe);
				/* Pointers are not touched. */
				if (leaf < levels)
					EXPECT_EQ(0, ad(&self->pt, pt_entry(&self->pt, iova,
									    levels)));
				/* A set: nothing to update. */
				ASSERT_EQ(0, walk(&self->pt, iova, X_ | PRIV, &r));
				EXPECT_EQ(0, self->pt.m.cmpxchgs);
				/* A write sets D. */
				ASSERT_EQ(0, walk(&self->pt, iova, W_, &r));
				EXPECT_EQ(1, self->pt.m.cmpxchgs);
				EXPECT_EQ(A | D, ad(&self->pt, e));
				EXPECT_EQ(P_ALL, r.perm);
				EXPECT_EQ(0, r.maybe);
				ASSERT_EQ(0, walk(&self->pt, iova, R_, &r));
				EXPECT_EQ(0, self->pt.m.cmpxchgs);
				EXPECT_EQ(P_ALL, r.perm);
				/* A first write sets both in one update. */
				pt_andn(&self->pt, e, A | D);
				ASSERT_EQ(0, walk(&self->pt, iova, W_ | PRIV, &r));
				EXPECT_EQ(1, self->pt.m.cmpxchgs);
				EXPECT_EQ(A | D, ad(&self->pt, e));
			}
		}
	}
}

TEST_F(walker, ad_maybe_and_only_on_success)
{
	u64 *copy = malloc(wmem_size(&self->pt.m));
	struct ioasid_pt_result r;

	ASSERT_NE(NULL, copy);
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	/* Read-only: nothing withheld. */
	pt_map(&self->pt, 0x1000, 1, 0x2000, IR, RWP);
	ASSERT_EQ(0, walk(&self->pt, 0x1000, R_, &r));
	EXPECT_EQ(P_READ, r.perm);
	EXPECT_EQ(0, r.maybe);
	/* Write-only, D clear: a read fails and tells what a write gets. */
	pt_map(&self->pt, 0x3000, 1, 0x4000, IW, RWP);
	EXPECT_EQ(IOASID_FAULT_PERMISSION, walk(&self->pt, 0x3000, R_, &r));
	EXPECT_EQ(0, r.perm);
	EXPECT_EQ(P_WRITE, r.maybe);
	/* D set by someone else: nothing withheld. */
	pt_map(&self->pt, 0x5000, 1, 0x6000, RWP | D, RWP);
	ASSERT_EQ(0, walk(&self->pt, 0x5000, R_, &r));
	EXPECT_EQ(P_ALL, r.perm);
	EXPECT_EQ(0, r.maybe);

	/* Faults write nothing. */
	pt_map(&self->pt, 0x200000, 2, 0x400000, RWP, RWP);
	pt_andn(&self->pt, pt_entry(&self->pt, 0x200000, 2), PR);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000 | (1ULL << 20), RWP, RWP);
	memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x3000, X_);
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
	unsigned int q;

	ASSERT_NE(NULL, copy);
	pt_reset(&self->pt, 5, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x40000000, 2, 0x80000000, RWP, RWP);
	pt_or(&self->pt, pt_entry(&self->pt, 0x40000000, 5), A | D);
	memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
	for (q = 0; q < 6; q++) {
		ASSERT_EQ(0, walk(&self->pt, 0x40000000, requests[q], &r));
		EXPECT_EQ(0, self->pt.m.cmpxchgs);
		EXPECT_EQ(P_ALL, r.perm);
		EXPECT_EQ(0, r.maybe);
	}
	EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
	free(copy);
}

TEST_F(walker, ad_not_writable)
{
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
	EXPECT_EQ(1, self->pt.m.cmpxchgs);
	pt_or(&self->pt, pt_entry(&self->pt, 0x1000, 1), A);
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, R_);
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
	self->pt.m.cmpxchg_fail = IOASID_FAULT_TABLE;
	EXPECT_FAULT(IOASID_FAULT_TABLE, 1, 0x1000, W_);
	self->pt.m.cmpxchg_fail = -5;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, W_);
	/* A leaf at level 3. */
	pt_map(&self->pt, 0x40000000, 3, 0x40000000, RWP, RWP);
	self->pt.m.cmpxchg_fail = IOASID_FAULT_AD_UPDATE;
	EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 3, 0x40000000, R_);
	self->pt.m.cmpxchg_fail = 0;
	EXPECT_XLATE(0x2000, SZ_4K, 0x1000, W_);
}

TEST_F(walker, ad_concurrent_change_restarts)
{
	struct ioasid_pt_result r;
	unsigned int levels, n;

	for (levels = 1; levels <= 6; levels++) {
		for (n = 1; n <= 7; n++) {
			pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
			pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
			self->pt.m.races = n;
			ASSERT_EQ(0, walk(&self->pt, 0x1000, W_, &r));
			EXPECT_EQ(0x2000, r.out);
			EXPECT_EQ(0, r.fault_level);
			EXPECT_EQ(n, self->pt.m.races_done);
			EXPECT_EQ((n + 1) * levels, self->pt.m.reads);
			EXPECT_EQ(n + 1, self->pt.m.cmpxchgs);
			EXPECT_EQ(A | D, ad(&self->pt, pt_entry(&self->pt, 0x1000, 1)));
		}
		/* Forever: gives up after 8 attempts. */
		self->pt.m.races = 1000000;
		pt_andn(&self->pt, pt_entry(&self->pt, 0x1000, 1), A | D);
		EXPECT_FAULT(IOASID_FAULT_AD_UPDATE, 1, 0x1000, R_);
		EXPECT_EQ(8 * levels, self->pt.m.reads);
		EXPECT_EQ(8, self->pt.m.cmpxchgs);
		self->pt.m.races = 0;
	}
}

TEST_F(walker, ad_concurrent_change_is_seen)
{
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	/* Another agent clears PR while we set A. */
	self->pt.m.race_bits = PR;
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 1, 0x1000, W_);
	EXPECT_EQ(1, self->pt.m.races_done);
	EXPECT_EQ(8, self->pt.m.reads);
	/* Or IW, before we set D. */
	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	self->pt.m.race_bits = IW;
	self->pt.m.races = 1;
	EXPECT_FAULT(IOASID_FAULT_PERMISSION, 1, 0x1000, W_);
	EXPECT_EQ(0, ad(&self->pt, pt_entry(&self->pt, 0x1000, 1)));
	/* Or the address: the new one is used. */
	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	self->pt.m.race_bits = 0x10000;
	self->pt.m.races = 1;
	EXPECT_XLATE(0x12000, SZ_4K, 0x1000, W_);
	self->pt.m.race_bits = 1ULL << 63;
}

/* ---- table memory ---- */

TEST_F(walker, table_outside_the_parent_memory)
{
	unsigned int levels, l;
	u64 iova = 0x0000123456789000ULL, e, v;

	self->outside_ok = true;
	for (levels = 1; levels <= 6; levels++) {
		u64 in = iova & top_addr(levels);

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, in, 1, 0x3000, RWP, RWP);
		for (l = 2; l <= levels; l++) {
			e = pt_entry(&self->pt, in, l);
			v = wmem_get(&self->pt.m, e);
			wmem_set(&self->pt.m, e, (v & ~ADDR) | 0x3fff0000000ULL);
			self->pt.m.outside = 0;
			EXPECT_FAULT(IOASID_FAULT_TABLE, l - 1, in, R_);
			EXPECT_EQ(1, self->pt.m.outside);
			EXPECT_EQ(levels - l + 2, self->pt.m.reads);
			wmem_set(&self->pt.m, e, v);
		}
		self->pt.cfg.root = 0x200000000ULL;
		self->pt.m.outside = 0;
		EXPECT_FAULT(IOASID_FAULT_TABLE, levels, in, R_);
		EXPECT_EQ(1, self->pt.m.outside);
		/* A leaf pointing outside is not read. */
		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, in, 1, 0x3fff0000000ULL, RWP, RWP);
		self->pt.m.outside = 0;
		EXPECT_XLATE(0x3fff0000000ULL, SZ_4K, in, R_);
		EXPECT_EQ(0, self->pt.m.outside);
	}
}

TEST_F(walker, read_fault_reasons_pass_through)
{
	unsigned int n;

	pt_map(&self->pt, 0x1000, 1, 0x2000, RWP, RWP);
	for (n = 1; n <= 4; n++) {
		self->pt.m.read_fail_at = n;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_FAULT(IOASID_FAULT_WALK_LIMIT, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = IOASID_FAULT_TABLE;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = -5;
		EXPECT_FAULT(IOASID_FAULT_TABLE, 5 - n, 0x1000, R_);
		self->pt.m.read_fail = 0x7fff;
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
		{ 0, 46, 0 }, { 7, 46, 0 }, { 0xffffffff, 46, 0 },
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

/* ---- iterate ---- */

#define MAX_ITEMS	600

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
	return ioasid_amd_v1_iterate(&pt->cfg, start, last, &io, collect, s);
}

/* Every item agrees with walks of its first, middle and last address. */
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

		for (e = 0; e < 3; e++) {
			u64 iova = e == 0 ? l->first : e == 1 ? l->last :
				   l->first + (l->last - l->first) / 2;

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
			EXPECT_EQ(l->first & ~(l->page_size - 1),
				  l->last & ~(l->page_size - 1));
		}
	}
	free(copy);
}

TEST_F(walker, iter_empty_table)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 1; levels <= 6; levels++) {
		pt_reset(&self->pt, levels, 46, AD, ALL_SIZES);
		EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
		EXPECT_EQ(levels < 6 ? 1 : 0, s.calls);
		EXPECT_EQ(levels < 6 ? 512 : 128, self->pt.m.reads);
		if (levels < 6)
			EXPECT_FAULT_ITEM(&s, 0, top_addr(levels) + 1, ~0ULL,
					  IOASID_FAULT_NON_CANONICAL, levels);
		check_items(_metadata, &self->pt, &s);
	}
}

TEST_F(walker, iter_leaves_of_every_kind)
{
	struct items s = { 0 };
	u64 e;

	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	pt_map7(&self->pt, 0x8000, 1, 15, 0x20000, IR, RWP);
	pt_map(&self->pt, 0x400000, 2, 0x800000, IW, RWP);
	pt_map7(&self->pt, 0x800000, 2, 22, 0x1c00000, RWP, RWP);
	pt_map(&self->pt, 0x80000000, 3, 0xc0000000, RWP, RWP);
	e = pt_map7(&self->pt, 0x10000000000ULL, 4, 40, 0x30000000000ULL, RWP, RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0, top_addr(4), &s));
	ASSERT_EQ(1 + 8 + 1 + 2 + 1 + 2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, P_ALL);
	/* A NextLevel 7 leaf: an item per slot, in its own page. */
	EXPECT_LEAF_ITEM(&s, 1, 0x8000, 0x8fff, 0x20000, 1ULL << 15, P_READ);
	EXPECT_LEAF_ITEM(&s, 8, 0xf000, 0xffff, 0x27000, 1ULL << 15, P_READ);
	EXPECT_LEAF_ITEM(&s, 9, 0x400000, 0x5fffff, 0x800000, SZ_2M, P_WRITE);
	EXPECT_LEAF_ITEM(&s, 10, 0x800000, 0x9fffff, 0x1c00000, 1ULL << 22, P_ALL);
	EXPECT_LEAF_ITEM(&s, 11, 0xa00000, 0xbfffff, 0x1e00000, 1ULL << 22, P_ALL);
	EXPECT_LEAF_ITEM(&s, 12, 0x80000000, 0xbfffffff, 0xc0000000, SZ_1G, P_ALL);
	EXPECT_LEAF_ITEM(&s, 13, 0x10000000000ULL, 0x17fffffffffULL, 0x30000000000ULL,
			 1ULL << 40, P_ALL);
	EXPECT_LEAF_ITEM(&s, 14, 0x18000000000ULL, 0x1ffffffffffULL, 0x38000000000ULL,
			 1ULL << 40, P_ALL);
	check_items(_metadata, &self->pt, &s);
	EXPECT_NE(0, e);
	/* Clipped inside a NextLevel 7 slot. */
	EXPECT_EQ(0, iterate(&self->pt, 0xa00010, 0xa0001f, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0xa00010, 0xa0001f, 0x1e00010, 1ULL << 22, P_ALL);
	EXPECT_EQ(3, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_skipped_levels)
{
	static const unsigned int path[] = { 4, 1 };
	struct items s = { 0 };
	u64 e;

	/* Level 4 points straight at a level-1 table: its first 2 MiB only. */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	e = pt_path(&self->pt, 0x8000000000ULL | 0x3000, path, 2, RWP);
	wmem_set(&self->pt.m, e, 0x5000 | PR | RWP);
	wmem_set(&self->pt.m, (e & ~0xfffULL) + 8 * 511, 0x6000 | PR | RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	ASSERT_EQ(3, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x8000003000ULL, 0x8000003fffULL, 0x5000, SZ_4K, P_ALL);
	EXPECT_LEAF_ITEM(&s, 1, 0x80001ff000ULL, 0x80001fffffULL, 0x6000, SZ_4K, P_ALL);
	EXPECT_FAULT_ITEM(&s, 2, 1ULL << 48, ~0ULL, IOASID_FAULT_NON_CANONICAL, 4);
	EXPECT_EQ(512 + 512, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
	/* Walks beyond the first 2 MiB: not present, at level 4. */
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0x8000200000ULL, R_);
	EXPECT_FAULT(IOASID_FAULT_NOT_PRESENT, 4, 0xffffffffffULL, R_);
	/* A range starting past the table's part: nothing read below. */
	EXPECT_EQ(0, iterate(&self->pt, 0x8000200000ULL, 0xffffffffffULL, &s));
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(1, self->pt.m.reads);
	/* A range across its end. */
	EXPECT_EQ(0, iterate(&self->pt, 0x80001ff800ULL, 0x8000200fffULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x80001ff800ULL, 0x80001fffffULL, 0x6800, SZ_4K, P_ALL);
}

TEST_F(walker, iter_reserved_faults)
{
	struct items s = { 0 };
	u64 e;

	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	pt_map(&self->pt, 0x40001000, 1, 0x12000, RWP, RWP);
	pt_map(&self->pt, 0x80000000, 2, 0x200000, RWP, RWP);
	pt_or(&self->pt, pt_entry(&self->pt, 0x40001000, 3), 1ULL << 55);
	EXPECT_EQ(0, iterate(&self->pt, 0, 0xffffffff, &s));
	ASSERT_EQ(3, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, P_ALL);
	EXPECT_FAULT_ITEM(&s, 1, 0x40000000, 0x7fffffff, IOASID_FAULT_RESERVED, 3);
	EXPECT_LEAF_ITEM(&s, 2, 0x80000000, 0x801fffff, 0x200000, SZ_2M, P_ALL);
	check_items(_metadata, &self->pt, &s);

	/* NextLevel not below: the entry's range. */
	e = pt_entry(&self->pt, 0x1000, 2);
	wmem_set(&self->pt.m, e, (wmem_get(&self->pt.m, e) & ~NL_MASK) | NL(3));
	EXPECT_EQ(0, iterate(&self->pt, 0x800, 0x3fffff, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0x800, 0x1fffff, IOASID_FAULT_RESERVED, 2);
	check_items(_metadata, &self->pt, &s);
	wmem_set(&self->pt.m, e, (wmem_get(&self->pt.m, e) & ~NL_MASK) | NL(1));

	/* A NextLevel 7 size out of its level, a misaligned leaf, an undeclared size. */
	pt_map7(&self->pt, 0x100000, 1, 20, 0x100000, RWP, RWP);
	pt_map(&self->pt, 0x200000, 2, 0x400000 | 0x1000, RWP, RWP);
	pt_map(&self->pt, 0x400000, 2, 0x400000, RWP, RWP);
	wmem_set(&self->pt.m, pt_entry(&self->pt, 0x80000, 1), nl7(0, 22) | RWP);
	self->pt.cfg.pgsize_bitmap = ALL_SIZES & ~(1ULL << 20);
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x5fffff, &s));
	/* The 1 MiB leaf: each of its 256 slots. */
	ASSERT_EQ(2 + 256 + 2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, P_ALL);
	EXPECT_FAULT_ITEM(&s, 1, 0x80000, 0x80fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 2, 0x100000, 0x100fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 257, 0x1ff000, 0x1fffff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 258, 0x200000, 0x3fffff, IOASID_FAULT_RESERVED, 2);
	EXPECT_LEAF_ITEM(&s, 259, 0x400000, 0x5fffff, 0x400000, SZ_2M, P_ALL);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_refused_table_read)
{
	struct items s = { 0 };
	u64 e;

	self->outside_ok = true;
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	pt_map(&self->pt, 0x200000, 1, 0x12000, RWP, RWP);
	pt_map(&self->pt, 0x400000, 1, 0x13000, RWP, RWP);
	e = pt_entry(&self->pt, 0x200000, 2);
	wmem_set(&self->pt.m, e, (wmem_get(&self->pt.m, e) & ~ADDR) | 0x3fff0000000ULL);
	self->pt.m.outside = 0;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x5fffff, &s));
	ASSERT_EQ(3, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0x1000, 0x1fff, 0x11000, SZ_4K, P_ALL);
	EXPECT_FAULT_ITEM(&s, 1, 0x200000, 0x3fffff, IOASID_FAULT_TABLE, 1);
	EXPECT_LEAF_ITEM(&s, 2, 0x400000, 0x400fff, 0x13000, SZ_4K, P_ALL);
	EXPECT_EQ(1, self->pt.m.outside);
	check_items(_metadata, &self->pt, &s);

	/* The root. */
	self->pt.cfg.root = 0x200000000ULL;
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	ASSERT_EQ(2, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0, top_addr(4), IOASID_FAULT_TABLE, 4);
	EXPECT_FAULT_ITEM(&s, 1, top_addr(4) + 1, ~0ULL, IOASID_FAULT_NON_CANONICAL, 4);
	EXPECT_EQ(1, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);

	/* A read refused mid-table: the rest of it, then the table above goes on. */
	pt_reset(&self->pt, 4, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	pt_map(&self->pt, 0x2000, 1, 0x12000, RWP, RWP);
	pt_map(&self->pt, 0x5000, 1, 0x15000, RWP, RWP);
	pt_map(&self->pt, 0x200000, 2, 0x400000, RWP, RWP);
	self->pt.m.read_fail_at = 7;
	self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fffff, &s));
	ASSERT_EQ(4, s.calls);
	EXPECT_LEAF_ITEM(&s, 1, 0x2000, 0x2fff, 0x12000, SZ_4K, P_ALL);
	EXPECT_FAULT_ITEM(&s, 2, 0x3000, 0x1fffff, IOASID_FAULT_WALK_LIMIT, 1);
	EXPECT_LEAF_ITEM(&s, 3, 0x200000, 0x3fffff, 0x400000, SZ_2M, P_ALL);
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
	unsigned int levels;

	for (levels = 2; levels <= 6; levels++) {
		u64 root;
		unsigned int i;

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		root = self->pt.cfg.root;
		/*
		 * Entry i points at the root as a table of level i % levels
		 * (0: a 4 KiB leaf at level 1... only where it is below).
		 */
		for (i = 0; i < 512; i++)
			wmem_set(&self->pt.m, root + 8 * i, root | PR | RWP |
				 NL(levels - 1));
		/* At level 1, NextLevel is not below: reserved, 4 KiB each. */
		self->pt.m.read_fail_from = 1001;
		self->pt.m.read_fail = IOASID_FAULT_WALK_LIMIT;
		EXPECT_EQ(0, iterate(&self->pt, 0, top_addr(levels), &s));
		EXPECT_EQ(0, s.disorder);
		/* Two levels deep: the root, then the root as the level below. */
		EXPECT_EQ(1000 + 2, self->pt.m.reads);
		EXPECT_EQ(IOASID_FAULT_WALK_LIMIT, s.last_item.fault_reason);
		EXPECT_EQ(levels, s.last_item.fault_level);
		EXPECT_EQ(top_addr(levels), s.last_item.last);
		self->pt.m.read_fail_from = 0;
	}
}

/* Tables pointing at themselves: the hardware's meaning, level by level. */
TEST_F(walker, iter_cycles)
{
	struct items s = { 0 };
	u64 root;

	pt_reset(&self->pt, 3, 46, 0, ALL_SIZES);
	root = self->pt.cfg.root;
	/* Entry 0: the root as level 2, 1: as level 1, 2: a leaf. */
	wmem_set(&self->pt.m, root, root | PR | NL(2) | RWP);
	wmem_set(&self->pt.m, root + 8, root | PR | NL(1) | RWP);
	wmem_set(&self->pt.m, root + 16, 0x40000000 | PR | RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0, top_addr(3), &s));
	ASSERT_EQ(9, s.calls);
	/* As level 2: entry 0 is not below itself. */
	EXPECT_FAULT_ITEM(&s, 0, 0, 0x1fffff, IOASID_FAULT_RESERVED, 2);
	/* Entry 1 of level 2: the root as level 1, where 0 and 1 are reserved. */
	EXPECT_FAULT_ITEM(&s, 1, 0x200000, 0x200fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 2, 0x201000, 0x201fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_LEAF_ITEM(&s, 3, 0x202000, 0x202fff, 0x40000000, SZ_4K, P_ALL);
	EXPECT_LEAF_ITEM(&s, 4, 0x400000, 0x5fffff, 0x40000000, SZ_2M, P_ALL);
	/* Entry 1 of level 3: the root as level 1, its first 2 MiB. */
	EXPECT_FAULT_ITEM(&s, 5, 0x40000000, 0x40000fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_FAULT_ITEM(&s, 6, 0x40001000, 0x40001fff, IOASID_FAULT_RESERVED, 1);
	EXPECT_LEAF_ITEM(&s, 7, 0x40002000, 0x40002fff, 0x40000000, SZ_4K, P_ALL);
	EXPECT_LEAF_ITEM(&s, 8, 0x80000000, 0xbfffffff, 0x40000000, SZ_1G, P_ALL);
	EXPECT_EQ(4 * 512, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_fn_stops)
{
	struct items s = { 0 };
	unsigned int n;

	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	pt_map(&self->pt, 0x200000, 2, 0x400000, RWP, RWP);
	pt_map(&self->pt, 0x40000000, 3, 0x40000000, RWP, RWP);
	pt_or(&self->pt, pt_entry(&self->pt, 0x40000000, 3) + 8, 1ULL << 53 | PR);
	for (n = 1; n <= 5; n++) {
		s.stop_after = n;
		s.stop_ret = n == 3 ? -22 : (int)n * 7;
		EXPECT_EQ(s.stop_ret, iterate(&self->pt, 0, ~0ULL, &s));
		EXPECT_EQ(n, s.calls);
	}
	EXPECT_FAULT_ITEM(&s, 3, 0x80000000, 0xbfffffff, IOASID_FAULT_RESERVED, 3);
	EXPECT_FAULT_ITEM(&s, 4, top_addr(4) + 1, ~0ULL, IOASID_FAULT_NON_CANONICAL, 4);
	s.stop_after = 0;
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	EXPECT_EQ(5, s.calls);
}

TEST_F(walker, iter_up_to_u64_max)
{
	struct items s = { 0 };

	pt_reset(&self->pt, 6, 46, 0, ALL_SIZES);
	pt_map(&self->pt, 0xffffffffffc00000ULL, 2, 0x600000, RWP, RWP);
	pt_map(&self->pt, 0xfffffffffffff000ULL, 1, 0x7000, RWP, RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0xffffffffff000000ULL, ~0ULL, &s));
	ASSERT_EQ(2, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0xffffffffffc00000ULL, 0xffffffffffdfffffULL, 0x600000,
			 SZ_2M, P_ALL);
	EXPECT_LEAF_ITEM(&s, 1, 0xfffffffffffff000ULL, ~0ULL, 0x7000, SZ_4K, P_ALL);
	check_items(_metadata, &self->pt, &s);
	EXPECT_EQ(0, iterate(&self->pt, ~0ULL, ~0ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, ~0ULL, ~0ULL, 0x7fff, SZ_4K, P_ALL);
	EXPECT_EQ(6, self->pt.m.reads);
	EXPECT_EQ(0, iterate(&self->pt, 0, ~0ULL, &s));
	ASSERT_EQ(2, s.calls);
	check_items(_metadata, &self->pt, &s);
	/* A 2^57 leaf at the very top: past the output width. */
	pt_map(&self->pt, 0xfe00000000000000ULL, 6, 0, RWP, RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0x8000000000000000ULL, ~0ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0xfe00000000000000ULL, ~0ULL, IOASID_FAULT_RESERVED, 6);
	check_items(_metadata, &self->pt, &s);
	/* A 2^45 one below it, with 46-bit outputs. */
	pt_map7(&self->pt, 0xfc00000000000000ULL, 4, 45, 0x200000000000ULL, RWP, RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0xfc00000000000000ULL, 0xfc00007fffffffffULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_LEAF_ITEM(&s, 0, 0xfc00000000000000ULL, 0xfc00007fffffffffULL,
			 0x200000000000ULL, 1ULL << 45, P_ALL);
	check_items(_metadata, &self->pt, &s);
}

TEST_F(walker, iter_start_after_last_and_invalid_configuration)
{
	struct items s = { 0 };

	pt_map(&self->pt, 0x1000, 1, 0x11000, RWP, RWP);
	EXPECT_EQ(0, iterate(&self->pt, 0x1001, 0x1000, &s));
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(0, self->pt.m.reads);
	self->pt.cfg.levels = 7;
	EXPECT_EQ(0, iterate(&self->pt, ~0ULL, 0, &s));
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(0, iterate(&self->pt, 0x1000, ~0ULL, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0x1000, ~0ULL, IOASID_FAULT_RESERVED, 0);
	EXPECT_EQ(0, self->pt.m.reads);
	check_items(_metadata, &self->pt, &s);
	self->pt.cfg.levels = 4;
	self->pt.cfg.phys_bits = 53;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x1fff, &s));
	ASSERT_EQ(1, s.calls);
	EXPECT_FAULT_ITEM(&s, 0, 0, 0x1fff, IOASID_FAULT_RESERVED, 0);
}

TEST_F(walker, iter_input_width)
{
	struct items s = { 0 };
	unsigned int levels;

	for (levels = 1; levels <= 5; levels++) {
		u64 top = top_addr(levels);

		pt_reset(&self->pt, levels, 46, 0, ALL_SIZES);
		pt_map(&self->pt, top & ~0xfffULL, 1, 0x7000, RWP, RWP);
		EXPECT_EQ(0, iterate(&self->pt, top - 0xfff, top + 0x1000, &s));
		ASSERT_EQ(2, s.calls);
		EXPECT_LEAF_ITEM(&s, 0, top - 0xfff, top, 0x7000, SZ_4K, P_ALL);
		EXPECT_FAULT_ITEM(&s, 1, top + 1, top + 0x1000,
				  IOASID_FAULT_NON_CANONICAL, levels);
		check_items(_metadata, &self->pt, &s);
		/* Above it: no read. */
		EXPECT_EQ(0, iterate(&self->pt, top + 1, ~0ULL, &s));
		ASSERT_EQ(1, s.calls);
		EXPECT_EQ(0, self->pt.m.reads);
	}
}

TEST_F(walker, iter_permissions_and_ad)
{
	struct ioasid_pt_result r;
	struct items s = { 0 };
	u64 *copy = malloc(wmem_size(&self->pt.m));
	unsigned int i;

	ASSERT_NE(NULL, copy);
	pt_reset(&self->pt, 4, 46, AD, ALL_SIZES);
	/* 4 leaves with each IR/IW, under a pointer with both; one more under IR only. */
	for (i = 0; i < 4; i++)
		pt_map(&self->pt, 0x1000 * (i + 1), 1, 0x10000 + 0x1000 * i,
		       (i & 1 ? IR : 0) | (i & 2 ? IW : 0), RWP);
	pt_map(&self->pt, 0x40000000, 2, 0x200000, RWP, RWP);
	pt_andn(&self->pt, pt_entry(&self->pt, 0x40000000, 3), IW);
	memcpy(copy, self->pt.m.buf, wmem_size(&self->pt.m));
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x7fffffff, &s));
	EXPECT_EQ(0, self->pt.m.cmpxchgs);
	EXPECT_EQ(0, memcmp(copy, self->pt.m.buf, wmem_size(&self->pt.m)));
	ASSERT_EQ(5, s.calls);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i & 1 ? P_READ : 0, s.it[i].perm);
		EXPECT_EQ(i & 2 ? P_WRITE : 0, s.it[i].maybe);
		EXPECT_EQ(IOASID_PT_SET_A | IOASID_PT_SET_D, s.it[i].update);
	}
	EXPECT_EQ(P_READ, s.it[4].perm);
	EXPECT_EQ(0, s.it[4].maybe);
	check_items(_metadata, &self->pt, &s);

	/* A read sets A; a write D. */
	ASSERT_EQ(0, walk(&self->pt, 0x4000, R_, &r));
	EXPECT_EQ(0, iterate(&self->pt, 0x4000, 0x4fff, &s));
	EXPECT_EQ(IOASID_PT_SET_D, s.it[0].update);
	EXPECT_EQ(P_WRITE, s.it[0].maybe);
	ASSERT_EQ(0, walk(&self->pt, 0x4000, W_, &r));
	EXPECT_EQ(0, iterate(&self->pt, 0x4000, 0x4fff, &s));
	EXPECT_EQ(0, s.it[0].update);
	EXPECT_EQ(P_ALL, s.it[0].perm);
	EXPECT_EQ(0, s.it[0].maybe);
	/* A in pointers does not matter. */
	EXPECT_EQ(0, ad(&self->pt, pt_entry(&self->pt, 0x4000, 4)));
	/* Without AD_UPDATE: nothing to set. */
	self->pt.cfg.flags = 0;
	EXPECT_EQ(0, iterate(&self->pt, 0, 0x3fff, &s));
	ASSERT_EQ(3, s.calls);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, s.it[i].update);
		EXPECT_EQ(0, s.it[i].maybe);
	}
	EXPECT_EQ(P_READ, s.it[1].perm);
	EXPECT_EQ(P_WRITE, s.it[2].perm);
	free(copy);
}

TEST_HARNESS_MAIN
