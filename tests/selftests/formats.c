// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table formats of user-managed nodes (issue 12): x86-64, Arm64
 * (4, 16 and 64 KiB granules, TTB0 and TTB1), RISC-V Sv39/48/57 and AMD v1
 * (1 to 6 levels, NextLevel 7 sizes), each with tables built by
 * tests/include/pt_encode.h in guest memory that a kernel-managed root maps,
 * walked by the module for a software endpoint: DMA byte-exact at every leaf
 * size, permission faults with the uAPI's level numbering, stale until
 * INVALIDATE, parent UNMAP of table pages; FORMAT_INFO, ALLOC and BIND rules
 * of each descriptor.
 *
 * A format the running module does not know (FORMAT_INFO: EOPNOTSUPP)
 * makes its tests SKIP with that reason.
 */
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioasid_test.h"
#include "pt_encode.h"

#define PAGE		4096ULL
#define SZ_64K		(64ULL << 10)
#define SZ_1M		(1ULL << 20)
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA

/*
 * Guest memory: 4 MiB at GPA 1 GiB (1 GiB aligned, so leaves up to 1 GiB
 * can point at its start, and larger ones at 0 cover it).
 *   [0, 1M)   table memory, one root mapping per 4 KiB page (so that one
 *             table page can be unmapped)
 *   [1M, 4M)  data, one mapping, a pattern no two pages share
 */
#define GPA		0x40000000ULL
#define GMEM		(4ULL << 20)
#define TBL_BYTES	SZ_1M
#define DATA_OFF	SZ_1M

#define PT_R		PT_ENC_R
#define PT_W		PT_ENC_W
#define PT_X		PT_ENC_X
#define PT_U		PT_ENC_U

static const char *const format_names[] = {
	[IOASID_FORMAT_X86_64] = "x86-64", [IOASID_FORMAT_ARM64] = "Arm64",
	[IOASID_FORMAT_RISCV] = "RISC-V", [IOASID_FORMAT_AMD_V1] = "AMD v1",
};

/* Raw ioctls ---------------------------------------------------------------- */

static int format_info(struct ioasid_handle *h, uint32_t format,
		       struct ioasid_format_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->size = sizeof(*fi);
	fi->format = format;
	return ioctl(ioasid_fd(h), IOASID_FORMAT_INFO, fi);
}

/* Does the module know @format? (EOPNOTSUPP: no; anything else: yes) */
static bool format_known(struct ioasid_handle *h, uint32_t format)
{
	struct ioasid_format_info fi;

	return format_info(h, format, &fi) == 0 || errno != EOPNOTSUPP;
}

#define SKIP_UNKNOWN(h, format)						\
	do {								\
		if (!format_known(h, format))				\
			SKIP(return, "module does not know the %s format " \
			     "(FORMAT_INFO: EOPNOTSUPP)",		\
			     format_names[format]);			\
	} while (0)

static int um_alloc_raw(struct ioasid_handle *h, uint32_t parent,
			const void *fmt, uint32_t len, uint32_t *id)
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

static int alloc_desc(struct ioasid_handle *h, uint32_t parent,
		      union pt_enc_desc *d, uint32_t *id)
{
	return um_alloc_raw(h, parent, d, d->hdr.size, id);
}

static int um_bind2(struct ioasid_handle *h, uint32_t id, uint64_t root,
		    uint64_t root1, uint32_t flags)
{
	struct ioasid_bind b = { .size = sizeof(b), .flags = flags, .id = id,
				 .root = root, .root1 = root1 };

	return ioctl(ioasid_fd(h), IOASID_BIND, &b);
}

static struct ioasid_device_info dev_info(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	if (ioasid_device_info(h, dev, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/* Guest memory in the root (after the layout it reads: GPA, GMEM, ...) */

#include "guest_mem.h"

/* DMA checks -------------------------------------------------------------------- */

/* Read @len bytes at @iova; they must be guest memory at @gpa. */
#define EXPECT_READ(dev, flags, iova, gpa, len) do {				\
		uint8_t __b[len];						\
		uint64_t __d = 0;						\
		EXPECT_EQ(0, ioasid_dma(self->h, dev, flags, 0, iova, __b,	\
					len, &__d))				\
			TH_LOG("read at %#llx", (unsigned long long)(iova));	\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + ((gpa) - GPA), len))	\
			TH_LOG("read at %#llx: not gpa %#llx",			\
			       (unsigned long long)(iova),			\
			       (unsigned long long)(gpa));			\
	} while (0)

/* Write @len fresh bytes at @iova; they must land at @gpa and nowhere else near. */
#define EXPECT_WRITE(dev, flags, iova, gpa, len, seed) do {			\
		uint8_t __b[len], __around[2];					\
		uint64_t __d = 0, __o = (gpa) - GPA;				\
		unsigned int __i;						\
		for (__i = 0; __i < (len); __i++)				\
			__b[__i] = (uint8_t)((seed) * 7 + __i * 3 + 1);		\
		ASSERT_NE(0, memcmp(__b, self->g.mem + __o, len));		\
		__around[0] = self->g.mem[__o - 1];				\
		__around[1] = self->g.mem[__o + (len)];				\
		EXPECT_EQ(0, ioasid_dma(self->h, dev,				\
					(flags) | IOASID_DMA_WRITE, 0,		\
					iova, __b, len, &__d))			\
			TH_LOG("write at %#llx", (unsigned long long)(iova));	\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + __o, len))		\
			TH_LOG("write at %#llx: not at gpa %#llx",		\
			       (unsigned long long)(iova),			\
			       (unsigned long long)(gpa));			\
		EXPECT_EQ(__around[0], self->g.mem[__o - 1]);			\
		EXPECT_EQ(__around[1], self->g.mem[__o + (len)]);		\
	} while (0)

/*
 * An 8-byte DMA at @iova that must fault: nothing transferred or written,
 * one more fault at @iova. Its DEVICE_INFO.
 */
static struct ioasid_device_info
dma_fault(struct __test_metadata *_metadata, struct ioasid_handle *h,
	  uint32_t dev, uint32_t flags, uint64_t iova)
{
	struct ioasid_device_info before = dev_info(h, dev), after;
	uint8_t buf[8] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	uint64_t done = 77;

	EXPECT_EQ(-EIO, ioasid_dma(h, dev, flags, 0, iova, buf, sizeof(buf),
				   &done))
		TH_LOG("DMA %#x at %#llx did not fault", flags,
		       (unsigned long long)iova);
	EXPECT_EQ(0, done);
	after = dev_info(h, dev);
	EXPECT_EQ(before.out_faults + 1, after.out_faults);
	EXPECT_EQ(iova, after.out_last_fault_addr);
	return after;
}

#define EXPECT_FAULT(dev, flags, iova, reason, node, level) do {		\
		struct ioasid_device_info __i =					\
			dma_fault(_metadata, self->h, dev, flags, iova);	\
		EXPECT_EQ(reason, __i.out_last_fault_reason)			\
			TH_LOG("DMA %#x at %#llx", flags,			\
			       (unsigned long long)(iova));			\
		EXPECT_EQ(node, __i.out_last_fault_node);			\
		EXPECT_EQ(level, __i.out_last_fault_level)			\
			TH_LOG("DMA %#x at %#llx", flags,			\
			       (unsigned long long)(iova));			\
	} while (0)

/* The fixture: one format per variant ------------------------------------------ */

FIXTURE(fmt) {
	struct ioasid_handle *h;
	struct guest g;
	uint32_t dev, user;
	struct pt_enc enc;
	uint64_t page;		/* the smallest page of the tested half */
};

FIXTURE_VARIANT(fmt) {
	struct pt_enc_params p;
	uint64_t va;		/* where the tests map, in the tested half */
	uint32_t bind_flags;
	uint64_t sizes;		/* leaf sizes the DMA test tries; 0: all */
};

/* Privileged requests are served (x86-64 SRE) and see writes refused (WPE). */
#define X86_BIND	(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE)

FIXTURE_VARIANT_ADD(fmt, x86_64_4lvl) {
	.p = { .format = IOASID_FORMAT_X86_64, .levels = 4, .phys_bits = 48 },
	.va = 0x00007f8000000000ULL, .bind_flags = X86_BIND,
};

FIXTURE_VARIANT_ADD(fmt, x86_64_5lvl) {
	.p = { .format = IOASID_FORMAT_X86_64, .levels = 5, .phys_bits = 46 },
	.va = 0x00ab000000000000ULL, .bind_flags = X86_BIND,
};

FIXTURE_VARIANT_ADD(fmt, arm64_4k_ttb0) {
	.p = { .format = IOASID_FORMAT_ARM64, .flags = IOASID_ARM64_EPD1,
	       .tsz = { 16, 16 }, .tg = { 12, 12 }, .phys_bits = 48 },
	.va = 0x00007f8000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_4k_ttb1) {
	.p = { .format = IOASID_FORMAT_ARM64, .tsz = { 16, 16 },
	       .tg = { 12, 12 }, .phys_bits = 40 },
	.va = 0xffff800000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_4k_39bit_ttb0) {
	.p = { .format = IOASID_FORMAT_ARM64, .flags = IOASID_ARM64_EPD1,
	       .tsz = { 25, 25 }, .tg = { 12, 12 }, .phys_bits = 44 },
	.va = 0x0000004000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_16k_ttb0) {
	.p = { .format = IOASID_FORMAT_ARM64, .flags = IOASID_ARM64_EPD1,
	       .tsz = { 16, 16 }, .tg = { 14, 14 }, .phys_bits = 48 },
	.va = 0x0000100000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_16k_ttb1) {
	.p = { .format = IOASID_FORMAT_ARM64, .tsz = { 16, 20 },
	       .tg = { 12, 14 }, .phys_bits = 48 },
	.va = 0xfffff80000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_64k_ttb0) {
	.p = { .format = IOASID_FORMAT_ARM64, .flags = IOASID_ARM64_EPD1,
	       .tsz = { 16, 16 }, .tg = { 16, 16 }, .phys_bits = 48 },
	.va = 0x0000200000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_64k_ttb1) {
	.p = { .format = IOASID_FORMAT_ARM64, .tsz = { 16, 22 },
	       .tg = { 16, 16 }, .phys_bits = 42 },
	.va = 0xfffffc0000000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, arm64_64k_42bit_ttb0) {
	.p = { .format = IOASID_FORMAT_ARM64, .flags = IOASID_ARM64_EPD1,
	       .tsz = { 22, 22 }, .tg = { 16, 16 }, .phys_bits = 48 },
	.va = 0x0000000200000000ULL,
};

FIXTURE_VARIANT_ADD(fmt, riscv_sv39) {
	.p = { .format = IOASID_FORMAT_RISCV, .levels = 3, .phys_bits = 56 },
	.va = 0x0000002000000000ULL, .bind_flags = IOASID_BIND_RISCV_SUM,
};

FIXTURE_VARIANT_ADD(fmt, riscv_sv48_napot) {
	.p = { .format = IOASID_FORMAT_RISCV, .levels = 4, .phys_bits = 48,
	       .flags = IOASID_RISCV_SVNAPOT | IOASID_RISCV_SVPBMT },
	.va = 0x0000400000000000ULL, .bind_flags = IOASID_BIND_RISCV_SUM,
};

FIXTURE_VARIANT_ADD(fmt, riscv_sv57) {
	.p = { .format = IOASID_FORMAT_RISCV, .levels = 5, .phys_bits = 50 },
	.va = 0x00a0000000000000ULL, .bind_flags = IOASID_BIND_RISCV_SUM,
};

/* AMD v1: the level sizes and some NextLevel 7 sizes (8K to 4T). */
#define AMD_SIZES	(PAGE | (PAGE << 1) | SZ_64K | SZ_1M | SZ_2M | (SZ_2M << 1) | \
			 (SZ_2M << 4) | SZ_1G | (SZ_1G << 1) | (SZ_1G << 9) | \
			 (SZ_1G << 12) | (1ULL << 48) | (1ULL << 57))

FIXTURE_VARIANT_ADD(fmt, amd_v1_1lvl) {
	.p = { .format = IOASID_FORMAT_AMD_V1, .levels = 1, .phys_bits = 48 },
	.va = 0, .sizes = AMD_SIZES,
};

FIXTURE_VARIANT_ADD(fmt, amd_v1_3lvl) {
	.p = { .format = IOASID_FORMAT_AMD_V1, .levels = 3, .phys_bits = 40 },
	.va = 0x0000004000000000ULL, .sizes = AMD_SIZES,
};

FIXTURE_VARIANT_ADD(fmt, amd_v1_4lvl) {
	.p = { .format = IOASID_FORMAT_AMD_V1, .levels = 4, .phys_bits = 52 },
	.va = 0x0000800000000000ULL, .sizes = AMD_SIZES,
};

FIXTURE_VARIANT_ADD(fmt, amd_v1_6lvl) {
	.p = { .format = IOASID_FORMAT_AMD_V1, .levels = 6, .phys_bits = 48 },
	.va = 0x8000000000000000ULL, .sizes = AMD_SIZES,
};

FIXTURE_SETUP(fmt)
{
	union pt_enc_desc d;
	struct ioasid_info info;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "module without IOASID_CAP_USER_MANAGED");
	SKIP_UNKNOWN(self->h, variant->p.format);
	self->g.h = self->h;
	ASSERT_EQ(0, guest_setup(&self->g));
	ASSERT_EQ(0, pt_enc_init(&self->enc, &variant->p, self->g.mem, GPA,
				 TBL_BYTES));
	self->page = pt_enc_min_page(&self->enc, variant->va);
	pt_enc_desc(&self->enc, &d);
	ASSERT_EQ(0, alloc_desc(self->h, self->g.root, &d, &self->user));
	ASSERT_EQ(0, um_bind2(self->h, self->user, pt_enc_root(&self->enc),
			      pt_enc_root1(&self->enc), variant->bind_flags));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user, 0, 0));
}

FIXTURE_TEARDOWN(fmt)
{
	if (self->h)
		ioasid_close(self->h);
}

/* A data page of guest memory (smallest-page units of the tested half). */
static uint64_t data_page(FIXTURE_DATA(fmt) *self, unsigned int n)
{
	return GPA + DATA_OFF + n * self->page;
}

/*
 * The level of the table with the hole on @iova's path, by the encoder's
 * reading of its own tables (0: @iova is mapped).
 */
static unsigned int hole_level(struct pt_enc *e, uint64_t iova)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	unsigned int l;

	for (l = h->levels; l >= 1; l--) {
		uint64_t *ent = pt_enc_entry(e, iova, l), addr, size;

		if (!ent)
			return 0;
		switch (pt_enc_decode(e, h, l, pt_enc_get(ent), &addr, &size)) {
		case PT_ENC_NONE:
			return l;
		case PT_ENC_LEAF:
			return 0;
		default:
			break;
		}
	}
	return 0;
}

/* Guest data that a leaf of any size can reach (leaf_pa()). */
#define LEAF_DATA	(GPA + DATA_OFF + 0x180000)

/* Where a leaf of @size points so that it holds LEAF_DATA: its base. */
static uint64_t leaf_pa(uint64_t size)
{
	return LEAF_DATA & ~(size - 1);
}

/*
 * 1. DMA at every leaf size. Each leaf gets its own aligned input range
 * from the variant's address on; it points at the @size-aligned block that
 * holds data (leaves of up to 1 MiB: data of their own; larger ones: the
 * aligned block around guest memory, i.e. GPA or 0). Reads and writes at
 * a few offsets must reach exactly the guest bytes the leaf covers.
 */
TEST_F(fmt, dma_every_leaf_size)
{
	uint64_t sizes = pt_enc_leaf_sizes(&self->enc, variant->va);
	uint64_t cursor = variant->va + 2 * self->page, data = GPA + DATA_OFF;
	unsigned int b, probes = 8 / ioasid_test_scale() + 1, tested = 0;
	char name[32];

	if (variant->sizes)
		sizes &= variant->sizes;
	TH_LOG("%s: leaf sizes %#llx", pt_enc_name(&self->enc, name, sizeof(name)),
	       (unsigned long long)sizes);
	for (b = 12; b < 64; b++) {
		uint64_t s = 1ULL << b, va, pa, lo, hi;
		unsigned int i, level = pt_enc_leaf_level(&self->enc, variant->va, s);

		if (!(sizes & s))
			continue;
		va = (cursor + s - 1) & ~(s - 1);
		if (va < cursor)
			break;		/* past the top */
		if (s <= SZ_1M) {
			pa = (data + s - 1) & ~(s - 1);
			data = pa + s;
		} else {
			pa = GPA & ~(s - 1);
		}
		ASSERT_EQ(0, pt_enc_map_leaf(&self->enc, va, pa, s,
					     PT_R | PT_W | PT_U, s))
			TH_LOG("size %#llx at %#llx", (unsigned long long)s,
			       (unsigned long long)va);
		cursor = va + s;
		tested++;
		/* What of guest data the leaf covers. */
		lo = pa > GPA + DATA_OFF ? pa : GPA + DATA_OFF;
		hi = pa + s < GPA + GMEM ? pa + s : GPA + GMEM;
		ASSERT_LT(lo + 256, hi);
		TH_LOG("size %#llx (level %u) at %#llx -> %#llx", (unsigned long long)s,
		       level, (unsigned long long)va, (unsigned long long)pa);
		for (i = 0; i < probes; i++) {
			uint64_t t = lo + 64 + ((pat64(i * 8 + b * 64) % (hi - lo - 192)) & ~7ULL);

			EXPECT_READ(self->dev, 0, va + (t - pa), t, 64);
			EXPECT_WRITE(self->dev, 0, va + (t - pa) + 64, t + 64, 32,
				     b + i);
			EXPECT_READ(self->dev, 0, va + (t - pa), t, 128);
		}
		/* The leaf's last bytes, when they are guest data. */
		if (pa + s <= GPA + GMEM)
			EXPECT_READ(self->dev, 0, va + s - 48, pa + s - 48, 48);
		/* Past the leaf: not present, at the level of the hole. */
		if (va + s > va && pt_enc_in_range(&self->enc,
						   pt_enc_half_of(&self->enc, va),
						   va + s) &&
		    hole_level(&self->enc, va + s))
			EXPECT_FAULT(self->dev, 0, va + s, IOASID_FAULT_NOT_PRESENT,
				     self->user, hole_level(&self->enc, va + s));
	}
	EXPECT_LE(2, tested);

	/* Two smallest pages far apart in guest memory, one DMA across both. */
	cursor = variant->va;
	ASSERT_EQ(0, pt_enc_map(&self->enc, cursor, data_page(self, 40), self->page,
				PT_R | PT_W | PT_U));
	ASSERT_EQ(0, pt_enc_map(&self->enc, cursor + self->page, data_page(self, 3),
				self->page, PT_R | PT_W | PT_U));
	do {
		uint8_t buf[256];
		uint64_t done = 0;
		uint64_t a = data_page(self, 40) + self->page - 128;
		uint64_t bpa = data_page(self, 3);

		ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0,
					cursor + self->page - 128, buf, 256, &done));
		EXPECT_EQ(256, done);
		EXPECT_EQ(0, memcmp(buf, self->g.mem + (a - GPA), 128));
		EXPECT_EQ(0, memcmp(buf + 128, self->g.mem + (bpa - GPA), 128));
	} while (0);
	EXPECT_WRITE(self->dev, 0, cursor + self->page - 16,
		     data_page(self, 40) + self->page - 16, 16, 77);
}

/*
 * What a request may do on a page mapped with @perm (PT_ENC_*), by the
 * uAPI's rules for the tables pt_encode.h writes: x86-64 with SRE and WPE,
 * RISC-V with SUM, Arm64 (a user page has PXN): unprivileged requests need
 * U; writes need W; execution needs X and, privileged, a page that is not
 * U. AMD v1: reads, execution and privilege need IR, writes IW.
 */
static bool expect_allowed(uint32_t format, unsigned int perm, uint32_t dma)
{
	bool priv = dma & IOASID_DMA_PRIV;

	if (format == IOASID_FORMAT_AMD_V1)
		return !(dma & IOASID_DMA_WRITE) || (perm & PT_W);
	if (!priv && !(perm & PT_U))
		return false;
	if ((dma & IOASID_DMA_WRITE) && !(perm & PT_W))
		return false;
	if ((dma & IOASID_DMA_EXEC) && (!(perm & PT_X) || (priv && (perm & PT_U))))
		return false;
	return true;
}

/* 2. Permission faults: every request on pages of each permission set. */
TEST_F(fmt, permissions)
{
	static const unsigned int perms[] = {
		PT_R | PT_U | PT_X, PT_R | PT_W | PT_U, PT_R | PT_W | PT_X, PT_R,
		PT_R | PT_W | PT_X | PT_U,
	};
	static const uint32_t reqs[] = {
		0, IOASID_DMA_WRITE, IOASID_DMA_EXEC, IOASID_DMA_PRIV,
		IOASID_DMA_PRIV | IOASID_DMA_WRITE, IOASID_DMA_PRIV | IOASID_DMA_EXEC,
	};
	unsigned int p, r;

	for (p = 0; p < ARRAY_SIZE(perms); p++)
		ASSERT_EQ(0, pt_enc_map(&self->enc, variant->va + p * self->page,
					data_page(self, p), self->page, perms[p]));
	for (p = 0; p < ARRAY_SIZE(perms); p++) {
		for (r = 0; r < ARRAY_SIZE(reqs); r++) {
			uint64_t va = variant->va + p * self->page + 8 * r;

			if (expect_allowed(variant->p.format, perms[p], reqs[r])) {
				if (reqs[r] & IOASID_DMA_WRITE)
					EXPECT_WRITE(self->dev, reqs[r] & ~IOASID_DMA_WRITE,
						     va, data_page(self, p) + 8 * r, 8,
						     p * 8 + r);
				else
					EXPECT_READ(self->dev, reqs[r], va,
						    data_page(self, p) + 8 * r, 8);
				continue;
			}
			EXPECT_FAULT(self->dev, reqs[r], va, IOASID_FAULT_PERMISSION,
				     self->user, 1);
			EXPECT_EQ(self->g.mem[data_page(self, p) + 8 * r - GPA],
				  (uint8_t)pat64(data_page(self, p) + 8 * r - GPA));
		}
	}
	/* The permission of a large leaf is reported at its level. */
	do {
		uint64_t sizes = pt_enc_leaf_sizes(&self->enc, variant->va);
		uint64_t s = 0, va;
		unsigned int b;

		for (b = 13; b <= 30; b++)
			if (sizes & (1ULL << b)) {
				s = 1ULL << b;
				break;
			}
		if (!s)
			break;
		va = (variant->va + 64 * self->page + s - 1) & ~(s - 1);
		ASSERT_EQ(0, pt_enc_map_leaf(&self->enc, va, leaf_pa(s), s,
					     PT_R | PT_U, s));
		va += LEAF_DATA - leaf_pa(s);
		EXPECT_READ(self->dev, 0, va, LEAF_DATA, 16);
		EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, va + 0x200,
			     IOASID_FAULT_PERMISSION, self->user,
			     pt_enc_leaf_level(&self->enc, va, s));
	} while (0);
}

/*
 * 3. Stale until invalidated: a changed leaf is not seen while its old
 * translation is cached; INVALIDATE of its range makes the new one seen.
 */
static int seen(FIXTURE_DATA(fmt) *self, uint64_t iova, uint64_t a, uint64_t b)
{
	uint8_t buf[64];
	uint64_t done;
	int rc = ioasid_dma(self->h, self->dev, 0, 0, iova, buf, sizeof(buf), &done);

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

TEST_F(fmt, stale_until_invalidated)
{
	uint64_t va = variant->va, va2 = variant->va + 8 * self->page;
	uint64_t a = data_page(self, 1), b = data_page(self, 2);
	uint64_t a2 = data_page(self, 5), b2 = data_page(self, 6);
	uint64_t *leaf;
	unsigned int level;

	ASSERT_EQ(0, pt_enc_map(&self->enc, va, a, self->page, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&self->enc, va2, a2, self->page, PT_ENC_ALL));
	EXPECT_EQ('A', seen(self, va + 64, a + 64, b + 64));
	EXPECT_EQ('A', seen(self, va2, a2, b2));
	/* Changed without INVALIDATE: both cached translations still hold. */
	ASSERT_EQ(0, pt_enc_map(&self->enc, va, b, self->page, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&self->enc, va2, b2, self->page, PT_ENC_ALL));
	EXPECT_EQ('A', seen(self, va + 64, a + 64, b + 64));
	EXPECT_EQ('A', seen(self, va2, a2, b2));
	/* INVALIDATE of the first page's range, by the half's granule. */
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, self->user, va, self->page,
					     self->page));
	EXPECT_EQ('B', seen(self, va + 64, a + 64, b + 64));
	EXPECT_EQ('A', seen(self, va2, a2, b2));
	/* Cleared: still cached; after INVALIDATE of everything, a fault. */
	ASSERT_EQ(0, pt_enc_unmap(&self->enc, va2, self->page));
	EXPECT_EQ('A', seen(self, va2, a2, b2));
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, self->user));
	EXPECT_FAULT(self->dev, 0, va2, IOASID_FAULT_NOT_PRESENT, self->user, 1);
	/* No negative caching: mapped again, seen at once. */
	ASSERT_EQ(0, pt_enc_map(&self->enc, va2, b2, self->page, PT_ENC_ALL));
	EXPECT_EQ('B', seen(self, va2, a2, b2));
	/* A permission taken away: the cached write translation still writes. */
	EXPECT_WRITE(self->dev, 0, va + 128, b + 128, 8, 1);
	leaf = pt_enc_leaf(&self->enc, va, &level, NULL);
	ASSERT_NE(NULL, leaf);
	ASSERT_EQ(1, level);
	ASSERT_EQ(0, pt_enc_map(&self->enc, va, b, self->page, PT_R | PT_U | PT_X));
	EXPECT_WRITE(self->dev, 0, va + 256, b + 256, 8, 2);
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, self->user, va, self->page,
					     self->page));
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, va + 256, IOASID_FAULT_PERMISSION,
		     self->user, 1);
}

/*
 * 4. Parent UNMAP of a table page: what was cached through it is dropped
 * at once, and the walk faults with IOASID_FAULT_TABLE at that table's
 * level; mapped again, it works again.
 */
TEST_F(fmt, parent_unmap_table_page)
{
	uint64_t va = variant->va + 3 * self->page, a = data_page(self, 7);
	unsigned int top = pt_enc_levels(&self->enc, va);
	uint64_t off;

	ASSERT_EQ(0, pt_enc_map(&self->enc, va, a, self->page, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, va + 8, a + 8, 64);
	/* The parent page that holds the level-1 entry. */
	off = (pt_enc_entry_pa(&self->enc, va, 1) - GPA) & ~(PAGE - 1);
	ASSERT_GT(TBL_BYTES, off);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	EXPECT_FAULT(self->dev, 0, va + 8, IOASID_FAULT_TABLE, self->user, 1);
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, RW));
	EXPECT_READ(self->dev, 0, va + 8, a + 8, 64);

	if (top == 1)
		return;
	/* The top-level table. */
	off = (pt_enc_entry_pa(&self->enc, va, top) - GPA) & ~(PAGE - 1);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	EXPECT_FAULT(self->dev, 0, va, IOASID_FAULT_TABLE, self->user, top);
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, RW));
	EXPECT_READ(self->dev, 0, va, a, 64);

	/* Read-only in the parent is enough to walk (no A/D updates here). */
	off = (pt_enc_entry_pa(&self->enc, va, 1) - GPA) & ~(PAGE - 1);
	ASSERT_EQ(0, guest_unmap(&self->g, off, PAGE));
	ASSERT_EQ(0, guest_map(&self->g, off, PAGE, IOASID_MAP_READ));
	EXPECT_WRITE(self->dev, 0, va + 200, a + 200, 16, 9);
}

/* 5. Not present at each level: the level of the table with the hole. */
TEST_F(fmt, not_present_levels)
{
	uint64_t va = variant->va, a = data_page(self, 9);
	unsigned int top = pt_enc_levels(&self->enc, va), l;

	ASSERT_EQ(0, pt_enc_map(&self->enc, va, a, self->page, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, va, a, 64);
	/* The neighbour page: the level-1 table has a hole there. */
	if (pt_enc_index(pt_enc_half_of(&self->enc, va), va, 1) + 1 <
	    (1u << pt_enc_half_of(&self->enc, va)->bits[1]))
		EXPECT_FAULT(self->dev, 0, va + self->page, IOASID_FAULT_NOT_PRESENT,
			     self->user, 1);
	/* Clearing the path's entry of each level from the top down. */
	for (l = top; l >= 1; l--) {
		uint64_t *e = pt_enc_entry(&self->enc, va, l), old;

		ASSERT_NE(NULL, e);
		old = pt_enc_get(e);
		pt_enc_set(e, 0);
		ASSERT_EQ(0, ioasid_invalidate_all(self->h, self->user));
		EXPECT_FAULT(self->dev, 0, va + 16, IOASID_FAULT_NOT_PRESENT,
			     self->user, l);
		pt_enc_set(e, old);
		EXPECT_READ(self->dev, 0, va + 16, a + 16, 32);
	}
}

/* Per format: FORMAT_INFO, ALLOC and BIND rules ----------------------------------- */

FIXTURE(rules) {
	struct ioasid_handle *h;
	uint32_t root;
};

FIXTURE_SETUP(rules)
{
	struct ioasid_info info;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "module without IOASID_CAP_USER_MANAGED");
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
}

FIXTURE_TEARDOWN(rules)
{
	if (self->h)
		ioasid_close(self->h);
}

#define EXPECT_INFO(h, format, fflags, bflags, pgsizes, levels, minp, maxp, in, gran) \
	do {								\
		struct ioasid_format_info __fi;				\
		ASSERT_EQ(0, format_info(h, format, &__fi));		\
		EXPECT_EQ(fflags, __fi.out_format_flags);		\
		EXPECT_EQ(bflags, __fi.out_bind_flags);			\
		EXPECT_EQ(pgsizes, __fi.out_pgsize_bitmap);		\
		EXPECT_EQ(levels, __fi.out_levels_bitmap);		\
		EXPECT_EQ(minp, __fi.out_min_phys_bits);		\
		EXPECT_EQ(maxp, __fi.out_max_phys_bits);		\
		EXPECT_EQ(in, __fi.out_input_bits);			\
		EXPECT_EQ(0, __fi.__reserved2);				\
		EXPECT_EQ(gran, __fi.out_granule_bitmap);		\
	} while (0)

#define LEVELS(lo, hi)	(((2ULL << (hi)) - 1) & ~((1ULL << (lo)) - 1))

TEST_F(rules, format_info_x86_64)
{
	SKIP_UNKNOWN(self->h, IOASID_FORMAT_X86_64);
	EXPECT_INFO(self->h, IOASID_FORMAT_X86_64, IOASID_X86_64_AD_UPDATE,
		    IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE,
		    PAGE | SZ_2M | SZ_1G, LEVELS(4, 5), 32, 52, 57, PAGE);
}

TEST_F(rules, format_info_arm64)
{
	SKIP_UNKNOWN(self->h, IOASID_FORMAT_ARM64);
	EXPECT_INFO(self->h, IOASID_FORMAT_ARM64,
		    IOASID_ARM64_HA | IOASID_ARM64_HD | IOASID_ARM64_EPD0 |
		    IOASID_ARM64_EPD1 | IOASID_ARM64_TBI0 | IOASID_ARM64_TBI1, 0,
		    PAGE | SZ_2M | SZ_1G | (16ULL << 10) | (32ULL << 20) |
		    SZ_64K | (512ULL << 20),
		    LEVELS(1, 4), 32, 48, 48, PAGE | (16ULL << 10) | SZ_64K);
}

TEST_F(rules, format_info_riscv)
{
	SKIP_UNKNOWN(self->h, IOASID_FORMAT_RISCV);
	EXPECT_INFO(self->h, IOASID_FORMAT_RISCV,
		    IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT | IOASID_RISCV_SVPBMT,
		    IOASID_BIND_RISCV_SUM,
		    PAGE | SZ_64K | SZ_2M | SZ_1G | (1ULL << 39) | (1ULL << 48),
		    LEVELS(3, 5), 32, 56, 57, PAGE);
}

TEST_F(rules, format_info_amd_v1)
{
	SKIP_UNKNOWN(self->h, IOASID_FORMAT_AMD_V1);
	/* Leaves of 4 KiB to 2^52: none may reach past 2^phys_bits. */
	EXPECT_INFO(self->h, IOASID_FORMAT_AMD_V1, IOASID_AMD_V1_AD_UPDATE, 0,
		    (1ULL << 53) - PAGE, LEVELS(1, 6), 32, 52, 64, PAGE);
}

TEST_F(rules, format_info_unknown)
{
	struct ioasid_format_info fi;

	EXPECT_ERRNO(EOPNOTSUPP, format_info(self->h, 0, &fi));
	EXPECT_ERRNO(EOPNOTSUPP, format_info(self->h, IOASID_FORMAT_RISCV_PDT + 1, &fi));
	EXPECT_ERRNO(EOPNOTSUPP, format_info(self->h, ~0u, &fi));
}

/* ALLOC of @d must fail with @err (0: succeed, and the node is destroyed). */
static void alloc_expect(struct __test_metadata *_metadata,
			 FIXTURE_DATA(rules) *self, const void *d, uint32_t len,
			 int err, const char *what)
{
	uint32_t id;

	if (!err) {
		EXPECT_EQ(0, um_alloc_raw(self->h, self->root, d, len, &id))
			TH_LOG("%s: errno %d", what, errno);
		EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
		return;
	}
	EXPECT_ERRNO_LOG(err, um_alloc_raw(self->h, self->root, d, len, &id),
			 "%s", what);
}

#define ALLOC_CASE(type, init, err, what) do {				\
		type __d = base;					\
		init;							\
		alloc_expect(_metadata, self, &__d, sizeof(__d), err, what); \
	} while (0)

TEST_F(rules, alloc_x86_64)
{
	struct ioasid_format_x86_64 base = ioasid_x86_64_format(4, 48);

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_X86_64);
	ALLOC_CASE(struct ioasid_format_x86_64, , 0, "valid");
	ALLOC_CASE(struct ioasid_format_x86_64, __d.flags = 1u << 5, EOPNOTSUPP, "flag");
	ALLOC_CASE(struct ioasid_format_x86_64, __d.__reserved = 1, EOPNOTSUPP, "reserved");
	ALLOC_CASE(struct ioasid_format_x86_64, __d.levels = 3, EINVAL, "levels 3");
	ALLOC_CASE(struct ioasid_format_x86_64, __d.phys_bits = 53, EINVAL, "phys 53");
	ALLOC_CASE(struct ioasid_format_x86_64, __d.pgsize_bitmap = SZ_2M, EINVAL,
		   "no 4K");
}

TEST_F(rules, alloc_arm64)
{
	struct ioasid_format_arm64 base = {
		.hdr = { .size = sizeof(base), .format = IOASID_FORMAT_ARM64 },
		.t0sz = 16, .t1sz = 16, .tg0 = 12, .tg1 = 12, .oas_bits = 48,
	};
	static const unsigned int oas_ok[] = { 32, 36, 40, 42, 44, 48 };
	unsigned int i;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_ARM64);
	ALLOC_CASE(struct ioasid_format_arm64, , 0, "valid");
	ALLOC_CASE(struct ioasid_format_arm64,
		   __d.flags = IOASID_ARM64_HA | IOASID_ARM64_HD | IOASID_ARM64_EPD0 |
			       IOASID_ARM64_TBI0 | IOASID_ARM64_TBI1, 0, "flags");
	ALLOC_CASE(struct ioasid_format_arm64, __d.flags = IOASID_ARM64_EPD1, 0, "EPD1");
	/* Not walked: big-endian tables, 52-bit output. */
	ALLOC_CASE(struct ioasid_format_arm64, __d.flags = IOASID_ARM64_BIG_ENDIAN,
		   EOPNOTSUPP, "BIG_ENDIAN");
	ALLOC_CASE(struct ioasid_format_arm64, __d.oas_bits = 52, EOPNOTSUPP, "oas 52");
	ALLOC_CASE(struct ioasid_format_arm64, __d.flags = 1u << 7, EOPNOTSUPP,
		   "unknown flag");
	ALLOC_CASE(struct ioasid_format_arm64, __d.__reserved = 1, EOPNOTSUPP,
		   "reserved");
	for (i = 0; i < ARRAY_SIZE(oas_ok); i++)
		ALLOC_CASE(struct ioasid_format_arm64, __d.oas_bits = oas_ok[i], 0,
			   "oas ok");
	ALLOC_CASE(struct ioasid_format_arm64, __d.oas_bits = 38, EINVAL, "oas 38");
	ALLOC_CASE(struct ioasid_format_arm64, __d.oas_bits = 0, EINVAL, "oas 0");
	/* Input sizes 16 to 39, granules 12, 14, 16. */
	ALLOC_CASE(struct ioasid_format_arm64, (__d.t0sz = 39, __d.t1sz = 39), 0,
		   "tsz 39");
	ALLOC_CASE(struct ioasid_format_arm64, __d.t0sz = 15, EINVAL, "t0sz 15");
	ALLOC_CASE(struct ioasid_format_arm64, __d.t0sz = 40, EINVAL, "t0sz 40");
	ALLOC_CASE(struct ioasid_format_arm64, __d.t1sz = 15, EINVAL, "t1sz 15");
	ALLOC_CASE(struct ioasid_format_arm64, __d.t1sz = 40, EINVAL, "t1sz 40");
	ALLOC_CASE(struct ioasid_format_arm64, (__d.tg0 = 14, __d.tg1 = 16), 0,
		   "tg 16K/64K");
	ALLOC_CASE(struct ioasid_format_arm64, __d.tg0 = 13, EINVAL, "tg0 13");
	ALLOC_CASE(struct ioasid_format_arm64, __d.tg1 = 15, EINVAL, "tg1 15");
	ALLOC_CASE(struct ioasid_format_arm64, __d.tg0 = 0, EINVAL, "tg0 0");
	/* Page sizes: of the declared granules, each granule's page in it. */
	ALLOC_CASE(struct ioasid_format_arm64, __d.pgsize_bitmap = PAGE | SZ_2M, 0,
		   "4K 2M");
	ALLOC_CASE(struct ioasid_format_arm64, __d.pgsize_bitmap = SZ_2M, EINVAL,
		   "no 4K page");
	ALLOC_CASE(struct ioasid_format_arm64, __d.pgsize_bitmap = PAGE | SZ_64K,
		   EINVAL, "64K with 4K granules");
	ALLOC_CASE(struct ioasid_format_arm64,
		   (__d.tg1 = 16, __d.pgsize_bitmap = PAGE | SZ_64K | (512ULL << 20)), 0,
		   "4K + 64K granules");
	ALLOC_CASE(struct ioasid_format_arm64,
		   (__d.tg1 = 16, __d.pgsize_bitmap = PAGE | SZ_2M), EINVAL,
		   "TTB1's 64K page missing");
	ALLOC_CASE(struct ioasid_format_arm64,
		   (__d.tg0 = __d.tg1 = 14, __d.pgsize_bitmap = (16ULL << 10) | SZ_2M),
		   EINVAL, "2M with 16K granules");
}

TEST_F(rules, alloc_riscv)
{
	struct ioasid_format_riscv base = {
		.hdr = { .size = sizeof(base), .format = IOASID_FORMAT_RISCV },
		.levels = 3, .phys_bits = 56,
	};

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_RISCV);
	ALLOC_CASE(struct ioasid_format_riscv, , 0, "valid");
	ALLOC_CASE(struct ioasid_format_riscv,
		   (__d.levels = 5, __d.phys_bits = 32,
		    __d.flags = IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT |
				IOASID_RISCV_SVPBMT), 0, "Sv57 flags");
	ALLOC_CASE(struct ioasid_format_riscv, __d.flags = 1u << 3, EOPNOTSUPP, "flag");
	ALLOC_CASE(struct ioasid_format_riscv, __d.__reserved = 1, EOPNOTSUPP,
		   "reserved");
	ALLOC_CASE(struct ioasid_format_riscv, __d.levels = 2, EINVAL, "levels 2");
	ALLOC_CASE(struct ioasid_format_riscv, __d.levels = 6, EINVAL, "levels 6");
	ALLOC_CASE(struct ioasid_format_riscv, __d.phys_bits = 31, EINVAL, "phys 31");
	ALLOC_CASE(struct ioasid_format_riscv, __d.phys_bits = 57, EINVAL, "phys 57");
	ALLOC_CASE(struct ioasid_format_riscv, __d.pgsize_bitmap = PAGE | SZ_1G, 0,
		   "4K 1G");
	ALLOC_CASE(struct ioasid_format_riscv, __d.pgsize_bitmap = SZ_2M, EINVAL,
		   "no 4K");
	ALLOC_CASE(struct ioasid_format_riscv, __d.pgsize_bitmap = PAGE | (1ULL << 39),
		   EINVAL, "512G in Sv39");
	ALLOC_CASE(struct ioasid_format_riscv,
		   (__d.levels = 4, __d.pgsize_bitmap = PAGE | (1ULL << 39)), 0,
		   "512G in Sv48");
	ALLOC_CASE(struct ioasid_format_riscv, __d.pgsize_bitmap = PAGE | SZ_64K,
		   EINVAL, "64K without Svnapot");
	ALLOC_CASE(struct ioasid_format_riscv,
		   (__d.flags = IOASID_RISCV_SVNAPOT, __d.pgsize_bitmap = PAGE | SZ_64K),
		   0, "64K with Svnapot");
	ALLOC_CASE(struct ioasid_format_riscv, __d.pgsize_bitmap = PAGE | (PAGE << 1),
		   EINVAL, "8K");
}

TEST_F(rules, alloc_amd_v1)
{
	struct ioasid_format_amd_v1 base = {
		.hdr = { .size = sizeof(base), .format = IOASID_FORMAT_AMD_V1 },
		.levels = 3, .phys_bits = 48,
	};
	unsigned int l;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_AMD_V1);
	for (l = 1; l <= 6; l++)
		ALLOC_CASE(struct ioasid_format_amd_v1, __d.levels = l, 0, "levels");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.flags = IOASID_AMD_V1_AD_UPDATE,
		   0, "AD_UPDATE");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.flags = 1u << 1, EOPNOTSUPP,
		   "flag");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.__reserved = 1, EOPNOTSUPP,
		   "reserved");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.levels = 0, EINVAL, "levels 0");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.levels = 7, EINVAL, "levels 7");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.phys_bits = 31, EINVAL, "phys 31");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.phys_bits = 53, EINVAL, "phys 53");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.phys_bits = 32, 0, "phys 32");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.phys_bits = 52, 0, "phys 52");
	ALLOC_CASE(struct ioasid_format_amd_v1,
		   __d.pgsize_bitmap = PAGE | (PAGE << 1) | SZ_2M | (SZ_1G << 3), 0,
		   "NextLevel 7 sizes");
	ALLOC_CASE(struct ioasid_format_amd_v1, __d.pgsize_bitmap = SZ_2M, EINVAL,
		   "no 4K");
	ALLOC_CASE(struct ioasid_format_amd_v1,
		   (__d.levels = 1, __d.pgsize_bitmap = PAGE | (1ULL << 40)), EINVAL,
		   "1T in 1 level");
}

/* BIND: @root1 only for Arm64 with TTB1; each root's alignment and width. */
static int bind_raw(FIXTURE_DATA(rules) *self, union pt_enc_desc *d, uint64_t root,
		    uint64_t root1, uint32_t flags)
{
	uint32_t id;
	int rc;

	if (alloc_desc(self->h, self->root, d, &id))
		return -2;
	rc = um_bind2(self->h, id, root, root1, flags);
	if (rc)
		rc = errno;
	ioasid_node_destroy(self->h, id);
	return rc;
}

#define EXPECT_BIND(d, root, root1, flags, err)				\
	EXPECT_EQ(err, bind_raw(self, d, root, root1, flags))		\
		TH_LOG("root %#llx root1 %#llx flags %#x",		\
		       (unsigned long long)(root), (unsigned long long)(root1), flags)

TEST_F(rules, bind_4k_formats)
{
	static const struct pt_enc_params ps[] = {
		{ .format = IOASID_FORMAT_X86_64, .levels = 4, .phys_bits = 40 },
		{ .format = IOASID_FORMAT_RISCV, .levels = 3, .phys_bits = 40 },
		{ .format = IOASID_FORMAT_AMD_V1, .levels = 3, .phys_bits = 40 },
	};
	static const uint32_t ok_flags[] = {
		IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE, IOASID_BIND_RISCV_SUM, 0,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ps); i++) {
		union pt_enc_desc d;
		struct pt_enc e = { .p = ps[i] };

		if (!format_known(self->h, ps[i].format))
			SKIP(return, "module does not know the %s format "
			     "(FORMAT_INFO: EOPNOTSUPP)", format_names[ps[i].format]);
		pt_enc_desc(&e, &d);
		TH_LOG("%s", format_names[ps[i].format]);
		EXPECT_BIND(&d, GPA, 0, 0, 0);
		EXPECT_BIND(&d, GPA, 0, ok_flags[i], 0);
		EXPECT_BIND(&d, (1ULL << 40) - PAGE, 0, 0, 0);
		EXPECT_BIND(&d, 1ULL << 40, 0, 0, EINVAL);
		EXPECT_BIND(&d, GPA + 0x800, 0, 0, EINVAL);
		EXPECT_BIND(&d, GPA + 8, 0, 0, EINVAL);
		/* No TTB1 half: root1 must be 0. */
		EXPECT_BIND(&d, GPA, GPA + PAGE, 0, EINVAL);
		/* Another format's bind flag. */
		EXPECT_BIND(&d, GPA, 0, i == 1 ? IOASID_BIND_X86_SRE :
					  IOASID_BIND_RISCV_SUM, EOPNOTSUPP);
	}
}

TEST_F(rules, bind_arm64)
{
	struct pt_enc e = { .p = pt_enc_arm64_params(16, 16, false) };
	union pt_enc_desc d;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_ARM64);
	/* 64K granule, 48 bits: a 64-entry top table, 512 bytes. */
	e.p.phys_bits = 40;
	pt_enc_desc(&e, &d);
	EXPECT_BIND(&d, GPA, 0, 0, 0);
	EXPECT_BIND(&d, GPA + 512, 0, 0, 0);
	EXPECT_BIND(&d, GPA + 256, 0, 0, EINVAL);
	EXPECT_BIND(&d, (1ULL << 40) - 512, 0, 0, 0);
	EXPECT_BIND(&d, 1ULL << 40, 0, 0, EINVAL);
	EXPECT_BIND(&d, GPA, GPA + PAGE, 0, EINVAL);	/* EPD1: no TTB1 */
	EXPECT_BIND(&d, GPA, 0, IOASID_BIND_X86_SRE, EOPNOTSUPP);
	EXPECT_BIND(&d, GPA, 0, IOASID_BIND_RISCV_SUM, EOPNOTSUPP);

	/* TTB1 enabled, 4K granule with a 25-bit half: 16 entries, 128 bytes. */
	e.p.flags = 0;
	e.p.tsz[1] = 39;
	e.p.tg[1] = 12;
	pt_enc_desc(&e, &d);
	EXPECT_BIND(&d, GPA, GPA + PAGE, 0, 0);
	EXPECT_BIND(&d, GPA, GPA + 128, 0, 0);
	EXPECT_BIND(&d, GPA, GPA + 64, 0, EINVAL);
	EXPECT_BIND(&d, GPA, 1ULL << 40, 0, EINVAL);
	EXPECT_BIND(&d, GPA + 64, GPA + 128, 0, EINVAL);
	/* A 28-bit 4K half: 2 levels, a top table of 7 bits, 1 KiB. */
	e.p.tsz[1] = 36;
	pt_enc_desc(&e, &d);
	EXPECT_BIND(&d, GPA, GPA + 1024, 0, 0);
	EXPECT_BIND(&d, GPA, GPA + 512, 0, EINVAL);
}

/* Format-specific behaviour ----------------------------------------------------- */

FIXTURE(one) {
	struct ioasid_handle *h;
	struct guest g;
	uint32_t dev;
	bool attached;
};

FIXTURE_SETUP(one)
{
	struct ioasid_info info;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "module without IOASID_CAP_USER_MANAGED");
	self->g.h = self->h;
	ASSERT_EQ(0, guest_setup(&self->g));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &self->dev));
}

FIXTURE_TEARDOWN(one)
{
	if (self->h)
		ioasid_close(self->h);
}

/* A node of @e's tables (made over [@tbl_off, TBL_BYTES) of guest memory), bound, attached. */
static uint32_t one_node(struct __test_metadata *_metadata, FIXTURE_DATA(one) *self,
			 struct pt_enc *e, const struct pt_enc_params *p,
			 uint64_t tbl_off, uint32_t bind_flags)
{
	union pt_enc_desc d;
	uint32_t id = 0;

	EXPECT_EQ(0, pt_enc_init(e, p, self->g.mem + tbl_off, GPA + tbl_off,
				 TBL_BYTES - tbl_off));
	pt_enc_desc(e, &d);
	EXPECT_EQ(0, alloc_desc(self->h, self->g.root, &d, &id));
	EXPECT_EQ(0, um_bind2(self->h, id, pt_enc_root(e), pt_enc_root1(e),
			      bind_flags));
	EXPECT_EQ(0, ioasid_attach(self->h, self->dev, id,
				   self->attached ? IOASID_ATTACH_REPLACE : 0, 0));
	self->attached = true;
	return id;
}

#define D(n)	(GPA + DATA_OFF + (n) * SZ_64K)

/*
 * Arm64: two halves of different granules and sizes; a root aligned only
 * to its top table's size; EPD0; TBI0; the hole between the halves;
 * APTable; AF.
 */
TEST_F(one, arm64_halves)
{
	struct pt_enc_params p = pt_enc_arm64_params(16, 16, true);
	uint64_t lo = 0x0000123400000000ULL, hi = 0xfffffff000000000ULL;
	struct pt_enc e;
	uint32_t id;
	uint64_t *ent;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_ARM64);
	p.tg[1] = 12;
	p.tsz[1] = 28;		/* 36 bits of 4K: 3 levels */
	/* The 512-byte TTB0 top table at offset 512 of a page. */
	id = one_node(_metadata, self, &e, &p, 512, 0);
	EXPECT_EQ(GPA + 512, pt_enc_root(&e));
	ASSERT_EQ(0, pt_enc_map(&e, lo, D(1), SZ_64K, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&e, hi, D(2), 2 * PAGE, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&e, hi + SZ_2M, GPA, SZ_2M, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, lo + 0xfff0, D(1) + 0xfff0, 16);
	EXPECT_READ(self->dev, 0, hi + 0x1ff0, D(2) + 0x1ff0, 16);
	EXPECT_WRITE(self->dev, 0, hi + SZ_2M + DATA_OFF + 0x23450,
		     GPA + DATA_OFF + 0x23450, 16, 1);
	/* Between the halves: neither translates it. */
	do {
		struct ioasid_device_info i =
			dma_fault(_metadata, self->h, self->dev, 0, 0x8000000000000000ULL);
		EXPECT_NE(0, i.out_last_fault_reason);
		EXPECT_EQ(id, i.out_last_fault_node);
	} while (0);
	/* TBI0: the top byte of a TTB0 address is ignored. */
	do {
		struct ioasid_device_info i =
			dma_fault(_metadata, self->h, self->dev, 0, lo | (0x5aULL << 56));
		EXPECT_EQ(IOASID_FAULT_NON_CANONICAL, i.out_last_fault_reason);
		EXPECT_EQ(id, i.out_last_fault_node);
	} while (0);
	p.flags |= IOASID_ARM64_TBI0;
	id = one_node(_metadata, self, &e, &p, 512, 0);
	ASSERT_EQ(0, pt_enc_map(&e, lo, D(1), SZ_64K, PT_ENC_ALL));
	ASSERT_EQ(0, pt_enc_map(&e, hi, D(2), 2 * PAGE, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, lo | (0x5aULL << 56), D(1), 16);
	/* APTable[1] (read-only below) in TTB1's level-2 pointer. */
	ent = pt_enc_entry(&e, hi, 2);
	ASSERT_NE(NULL, ent);
	/*
	 * Table descriptors: bits 51:48 are reserved; 11:2, 58:52 and 63 are
	 * ignored.
	 */
	do {
		static const unsigned int reserved[] = { 48, 49, 50, 51 };
		static const unsigned int ignored[] = { 2, 5, 10, 11, 52, 58, 63 };
		uint64_t old = pt_enc_get(ent);
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(reserved); i++) {
			pt_enc_set(ent, old | (1ULL << reserved[i]));
			ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
			TH_LOG("reserved table descriptor bit %u", reserved[i]);
			EXPECT_FAULT(self->dev, 0, hi + 8, IOASID_FAULT_RESERVED, id, 2);
		}
		for (i = 0; i < ARRAY_SIZE(ignored); i++) {
			pt_enc_set(ent, old | (1ULL << ignored[i]));
			ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
			TH_LOG("ignored table descriptor bit %u", ignored[i]);
			EXPECT_READ(self->dev, 0, hi + 8 * i, D(2) + 8 * i, 8);
		}
		pt_enc_set(ent, old);
		ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	} while (0);
	EXPECT_WRITE(self->dev, 0, hi + 8, D(2) + 8, 8, 2);
	pt_enc_set(ent, pt_enc_get(ent) | PT_ARM_APTABLE1);
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_READ(self->dev, 0, hi + 8, D(2) + 8, 8);
	do {
		struct ioasid_device_info i =
			dma_fault(_metadata, self->h, self->dev, IOASID_DMA_WRITE, hi + 8);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, i.out_last_fault_reason);
		EXPECT_LE(1, i.out_last_fault_level);
		EXPECT_GE(2, i.out_last_fault_level);
	} while (0);
	/* AF clear without HA: IOASID_FAULT_ACCESS_FLAG at the leaf. */
	ent = pt_enc_leaf(&e, lo, NULL, NULL);
	ASSERT_NE(NULL, ent);
	pt_enc_set(ent, pt_enc_get(ent) & ~PT_ARM_AF);
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_FAULT(self->dev, 0, lo, IOASID_FAULT_ACCESS_FLAG, id, 1);
	/* EPD0: TTB0 walks fault at the top level; TTB1 still works. */
	p.flags |= IOASID_ARM64_EPD0;
	id = one_node(_metadata, self, &e, &p, 512, 0);
	EXPECT_EQ(0, pt_enc_root(&e));
	ASSERT_EQ(0, pt_enc_map(&e, hi, D(2), 2 * PAGE, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, hi + 0x1000, D(2) + 0x1000, 32);
	EXPECT_FAULT(self->dev, 0, lo, IOASID_FAULT_NOT_PRESENT, id, 3);
}

/* RISC-V: Svnapot, Svpbmt, A/D without update, W without R. */
TEST_F(one, riscv_bits)
{
	struct pt_enc_params p = pt_enc_riscv_params(4);
	uint64_t va = 0x0000123456780000ULL, *ent, v;
	struct pt_enc e;
	uint32_t id;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_RISCV);
	p.flags = IOASID_RISCV_SVNAPOT;
	id = one_node(_metadata, self, &e, &p, 0, 0);
	ASSERT_EQ(0, pt_enc_map_leaf(&e, va, D(3), SZ_64K, PT_ENC_ALL, SZ_64K));
	ASSERT_EQ(0, pt_enc_map(&e, va + SZ_64K, D(5), PAGE, PT_ENC_ALL));
	EXPECT_READ(self->dev, 0, va + 0xabc8, D(3) + 0xabc8, 64);
	EXPECT_WRITE(self->dev, 0, va + 0xfff8, D(3) + 0xfff8, 8, 3);
	/* PBMT without Svpbmt: reserved. */
	ent = pt_enc_leaf(&e, va + SZ_64K, NULL, NULL);
	ASSERT_NE(NULL, ent);
	v = pt_enc_get(ent);
	EXPECT_READ(self->dev, 0, va + SZ_64K, D(5), 8);
	pt_enc_set(ent, v | (1ULL << 61));
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_FAULT(self->dev, 0, va + SZ_64K, IOASID_FAULT_RESERVED, id, 1);
	/* W without R: reserved. */
	pt_enc_set(ent, v & ~PT_RV_R);
	EXPECT_FAULT(self->dev, 0, va + SZ_64K, IOASID_FAULT_RESERVED, id, 1);
	/* A clear, D clear: ACCESS_FLAG (read needs A, write needs D). */
	pt_enc_set(ent, v & ~PT_RV_A);
	EXPECT_FAULT(self->dev, 0, va + SZ_64K, IOASID_FAULT_ACCESS_FLAG, id, 1);
	pt_enc_set(ent, v & ~PT_RV_D);
	EXPECT_READ(self->dev, 0, va + SZ_64K + 8, D(5) + 8, 8);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, va + SZ_64K + 16,
		     IOASID_FAULT_ACCESS_FLAG, id, 1);
	/* With Svpbmt, PBMT 1 translates as usual; 3 is reserved. */
	p.flags = IOASID_RISCV_SVPBMT | IOASID_RISCV_AD_UPDATE;
	id = one_node(_metadata, self, &e, &p, 0, 0);
	ASSERT_EQ(0, pt_enc_map(&e, va, D(6), PAGE, PT_ENC_ALL));
	ent = pt_enc_leaf(&e, va, NULL, NULL);
	ASSERT_NE(NULL, ent);
	v = pt_enc_get(ent);
	pt_enc_set(ent, v | (1ULL << 61));
	EXPECT_READ(self->dev, 0, va + 16, D(6) + 16, 16);
	pt_enc_set(ent, v | (3ULL << 61));
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_FAULT(self->dev, 0, va, IOASID_FAULT_RESERVED, id, 1);
	/* AD_UPDATE: A and D are set by the walk. */
	pt_enc_set(ent, v & ~(PT_RV_A | PT_RV_D));
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_READ(self->dev, 0, va + 32, D(6) + 32, 8);
	EXPECT_EQ(PT_RV_A, pt_enc_get(ent) & (PT_RV_A | PT_RV_D));
	EXPECT_WRITE(self->dev, 0, va + 40, D(6) + 40, 8, 4);
	EXPECT_EQ(PT_RV_A | PT_RV_D, pt_enc_get(ent) & (PT_RV_A | PT_RV_D));
	/* A leaf whose PPN is not aligned to its size: reserved. */
	va = 0x0000123480000000ULL;
	ASSERT_EQ(0, pt_enc_map_leaf(&e, va, GPA, SZ_2M, PT_ENC_ALL, SZ_2M));
	EXPECT_READ(self->dev, 0, va + DATA_OFF, GPA + DATA_OFF, 16);
	ent = pt_enc_leaf(&e, va, NULL, NULL);
	ASSERT_NE(NULL, ent);
	pt_enc_set(ent, pt_enc_get(ent) | PT_RV_PTE(PAGE));
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_FAULT(self->dev, 0, va + DATA_OFF, IOASID_FAULT_RESERVED, id, 2);
}

/* AMD v1: skipped levels, NextLevel 7 replicated, IR/IW in pointers. */
TEST_F(one, amd_v1_next_level)
{
	struct pt_enc_params p = pt_enc_amd_v1_params(4);
	uint64_t va = 0x0000008000000000ULL;	/* level-3 and level-2 indexes 0 */
	uint64_t tbl, *top;
	struct pt_enc e;
	uint32_t id;
	unsigned int i;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_AMD_V1);
	id = one_node(_metadata, self, &e, &p, 0, 0);
	/* Level 4 points straight at a level-1 table: levels 3 and 2 skipped. */
	tbl = pt_enc_alloc(&e, PAGE);
	ASSERT_NE(0, tbl);
	top = pt_enc_ptr(&e, pt_enc_root(&e) + 8 * pt_enc_index(&e.half[0], va, 4));
	pt_enc_set(top, tbl | PT_AMD_PR | PT_AMD_IR | PT_AMD_IW | (1ULL << PT_AMD_NL_SHIFT));
	pt_enc_set(pt_enc_ptr(&e, tbl + 8 * 5), D(4) | PT_AMD_PR | PT_AMD_IR | PT_AMD_IW);
	EXPECT_READ(self->dev, 0, va + 5 * PAGE + 8, D(4) + 8, 32);
	EXPECT_WRITE(self->dev, 0, va + 5 * PAGE + 64, D(4) + 64, 8, 5);
	/*
	 * Skipped levels' index bits must be 0; where they are not, nothing
	 * is mapped (the hardware reports a page fault): not present, at the
	 * level of the pointer.
	 */
	EXPECT_FAULT(self->dev, 0, va + SZ_2M + 5 * PAGE, IOASID_FAULT_NOT_PRESENT,
		     id, 4);
	EXPECT_FAULT(self->dev, 0, va + SZ_1G + 5 * PAGE, IOASID_FAULT_NOT_PRESENT,
		     id, 4);
	EXPECT_FAULT(self->dev, 0, va + 6 * PAGE, IOASID_FAULT_NOT_PRESENT, id, 1);
	/* IW clear in the pointer: no writes below it. */
	pt_enc_set(top, pt_enc_get(top) & ~PT_AMD_IW);
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_READ(self->dev, 0, va + 5 * PAGE, D(4), 8);
	do {
		struct ioasid_device_info i2 =
			dma_fault(_metadata, self->h, self->dev, IOASID_DMA_WRITE,
				  va + 5 * PAGE);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, i2.out_last_fault_reason);
	} while (0);

	/* NextLevel 7, 32 KiB over 8 entries: each entry translates its part. */
	va = 0x0000010000000000ULL;
	ASSERT_EQ(0, pt_enc_map_leaf(&e, va, D(8), 8 * PAGE, PT_ENC_RW, 8 * PAGE));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(pt_enc_get(pt_enc_entry(&e, va, 1)),
			  pt_enc_get(pt_enc_entry(&e, va + i * PAGE, 1)));
	EXPECT_EQ(7, PT_AMD_NL(pt_enc_get(pt_enc_entry(&e, va, 1))));
	for (i = 0; i < 8; i++)
		EXPECT_READ(self->dev, 0, va + i * PAGE + 8 * i, D(8) + i * PAGE + 8 * i, 8);
	/* A 4 MiB leaf (NextLevel 7 at level 2, two entries). */
	ASSERT_EQ(0, pt_enc_map_leaf(&e, va + (4ULL << 20), GPA, 4ULL << 20,
				     PT_ENC_RW, 4ULL << 20));
	EXPECT_WRITE(self->dev, 0, va + (4ULL << 20) + 0x2fff00,
		     GPA + 0x2fff00, 16, 6);
	/* A NextLevel 7 size that is not above its slot's (2 MiB at level 2). */
	pt_enc_set(pt_enc_entry(&e, va + (4ULL << 20), 2),
		   GPA | PT_AMD_PR | PT_AMD_IR | (7ULL << PT_AMD_NL_SHIFT) | 0xff000);
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	do {
		struct ioasid_device_info i3 =
			dma_fault(_metadata, self->h, self->dev, 0, va + (4ULL << 20));
		EXPECT_EQ(IOASID_FAULT_RESERVED, i3.out_last_fault_reason);
		EXPECT_EQ(2, i3.out_last_fault_level);
	} while (0);
}

/*
 * A NextLevel 7 leaf the guest did not repeat in every entry it covers:
 * the walker uses the entry it reads, and the IOTLB entry made from it
 * covers the whole leaf, so an address whose own entry says otherwise
 * translates through it until the node is invalidated, as in a hardware
 * IOTLB. (The fuzzer's walk rig once predicted the address's own entry.)
 */
TEST_F(one, amd_v1_next_level_not_repeated)
{
	struct pt_enc_params p = pt_enc_amd_v1_params(3);
	uint64_t va = 0x40000000ULL, *own;
	struct pt_enc e;
	uint32_t id;

	SKIP_UNKNOWN(self->h, IOASID_FORMAT_AMD_V1);
	id = one_node(_metadata, self, &e, &p, 0, 0);
	/* 32 KiB over 8 entries, then entry 3 made a 4 KiB leaf elsewhere. */
	ASSERT_EQ(0, pt_enc_map_leaf(&e, va, D(8), 8 * PAGE, PT_ENC_RW, 8 * PAGE));
	own = pt_enc_entry(&e, va + 3 * PAGE, 1);
	pt_enc_set(own, D(2) | PT_AMD_PR | PT_AMD_IR | PT_AMD_IW);
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	/* A walk through entry 0 caches the whole leaf: entry 3 is not read. */
	EXPECT_READ(self->dev, 0, va + 8, D(8) + 8, 8);
	EXPECT_READ(self->dev, 0, va + 3 * PAGE + 16, D(8) + 3 * PAGE + 16, 8);
	/* Invalidated, the first walk there reads entry 3. */
	ASSERT_EQ(0, ioasid_invalidate_all(self->h, id));
	EXPECT_READ(self->dev, 0, va + 3 * PAGE + 16, D(2) + 16, 8);
}

TEST_HARNESS_MAIN
