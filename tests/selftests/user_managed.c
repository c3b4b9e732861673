// SPDX-License-Identifier: GPL-2.0
/*
 * User-managed nodes (issue 9): a child whose translation is a guest page
 * table in x86-64 format living in its parent's IOVA space, walked by the
 * module and cached in the software endpoints' IOTLB until INVALIDATE.
 *
 * The tests build guest page tables themselves: "guest memory" is an
 * anonymous buffer mapped at a fixed IOVA ("GPA") of a kernel-managed root,
 * table pages come from a bump allocator at its start, and entries are
 * written (and their A/D bits read back) through the buffer. Every DMA is
 * checked against the bytes of the guest page it should have reached.
 *
 * The new ioctls (BIND, UNBIND, INVALIDATE, FORMAT_INFO, ALLOC with a
 * format) are called raw, through the small helpers below.
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA

/*
 * Guest memory: 8 MiB at GPA 1 GiB (1 GiB aligned, so a 1 GiB leaf can
 * point at it). Layout, by offset:
 *   [0, 512K)     table pages, one root mapping per page (so a single
 *                 table page can be unmapped or remapped read-only)
 *   [512K, 768K)  small data pages, one root mapping per page
 *   [768K, 2M)    one mapping
 *   [2M, 8M)      one mapping: three 2 MiB aligned regions for 2M leaves
 */
#define GPA		0x40000000ULL
#define GMEM		(8ULL << 20)
#define TBL_PAGES	128
#define SMALL_OFF	(TBL_PAGES * PAGE)
#define SMALL_PAGES	64
#define MID_OFF		(SMALL_OFF + SMALL_PAGES * PAGE)
#define BIG_OFF		SZ_2M
#define SMALL(n)	(SMALL_OFF + (n) * PAGE)	/* offset of small page n */

/* x86-64 entry bits */
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define PTE_PS		0x80ULL
#define PTE_XD		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_DEF		(PTE_P | PTE_RW | PTE_US)

/* Input addresses (4-level canonical unless said otherwise). */
#define VA_A		0x00007f8012345000ULL
#define VA_B		0x0000123456600000ULL	/* other L4, L3, L2 slots */
#define VA_2M		0x0000200000400000ULL	/* 2 MiB aligned */
#define VA_1G		0x0000300040000000ULL	/* 1 GiB aligned */
#define VA5_A		0x00ab7f8012345000ULL	/* needs 5 levels */
#define VA5_2M		0x00cd200000400000ULL
#define VA5_1G		0x00ef300040000000ULL

/* Guest memory and the tables in it ------------------------------------- */

struct guest {
	uint8_t *mem;
	unsigned int next_tbl;
};

/*
 * One page table. Its entries hold addresses of the parent's space: a
 * guest page at GPA g is at parent address g + @bias (0 when the parent is
 * the root that maps guest memory).
 */
struct gpt {
	struct guest *g;
	uint64_t bias;
	unsigned int levels;
	uint64_t top;		/* parent address of the top-level table */
};

/* The initial contents of guest memory: no two pages alike. */
static uint64_t pat64(uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static uint8_t pat(uint64_t off)
{
	return (uint8_t)(pat64(off) >> (8 * (off & 7)));
}

static uint64_t *guest_ptr(struct guest *g, uint64_t gpa)
{
	if (gpa < GPA || gpa + 8 > GPA + GMEM) {
		fprintf(stderr, "# gpa %#llx outside guest memory\n",
			(unsigned long long)gpa);
		abort();
	}
	return (uint64_t *)(g->mem + (gpa - GPA));
}

/* A zeroed table page; its GPA. */
static uint64_t guest_alloc_table(struct guest *g)
{
	uint64_t off;

	if (g->next_tbl >= TBL_PAGES) {
		fprintf(stderr, "# out of table pages\n");
		abort();
	}
	off = g->next_tbl++ * PAGE;
	memset(g->mem + off, 0, PAGE);
	return GPA + off;
}

static uint64_t pt_new_table_addr(struct gpt *p);

static uint64_t *pt_at(struct gpt *p, uint64_t paddr)
{
	return guest_ptr(p->g, paddr - p->bias);
}

static void pt_init(struct gpt *p, struct guest *g, uint64_t bias,
		    unsigned int levels)
{
	p->g = g;
	p->bias = bias;
	p->levels = levels;
	p->top = pt_new_table_addr(p);
}

static uint64_t pt_new_table_addr(struct gpt *p)
{
	return guest_alloc_table(p->g) + p->bias;
}

static unsigned int pt_index(uint64_t va, unsigned int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static uint64_t pte_get(uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_SEQ_CST);
}

static void pte_set(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_SEQ_CST);
}

/*
 * The entry of @level for @va; tables above it are created (P|RW|US) when
 * @create, else NULL when one is missing.
 */
static uint64_t *pt_entry(struct gpt *p, uint64_t va, unsigned int level,
			  bool create)
{
	uint64_t table = p->top;
	unsigned int l;

	for (l = p->levels;; l--) {
		uint64_t *e = pt_at(p, table) + pt_index(va, l);

		if (l == level)
			return e;
		if (!(pte_get(e) & PTE_P) || (pte_get(e) & PTE_PS)) {
			if (!create)
				return NULL;
			pte_set(e, pt_new_table_addr(p) | PTE_DEF);
		}
		table = pte_get(e) & PTE_ADDR;
	}
}

/* Map @va to parent address @out with a leaf of @size; @bits besides P and PS. */
static uint64_t *pt_map(struct gpt *p, uint64_t va, uint64_t out, uint64_t size,
			uint64_t bits)
{
	unsigned int level = size == PAGE ? 1 : size == SZ_2M ? 2 : 3;
	uint64_t *e = pt_entry(p, va, level, true);

	pte_set(e, out | bits | PTE_P | (level > 1 ? PTE_PS : 0));
	return e;
}

/* The parent address of the table that holds @va's entry of @level. */
static uint64_t pt_table_of(struct gpt *p, uint64_t va, unsigned int level)
{
	if (level == p->levels)
		return p->top;
	return pte_get(pt_entry(p, va, level + 1, false)) & PTE_ADDR;
}

/* Raw ioctls of the new uAPI ------------------------------------------------ */

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

static struct ioasid_format_x86_64 x86_fmt(uint32_t flags, uint32_t levels,
					   uint32_t phys_bits, uint64_t pgsizes)
{
	struct ioasid_format_x86_64 f = {
		.hdr = { .size = sizeof(f), .format = IOASID_FORMAT_X86_64 },
		.flags = flags, .levels = levels, .phys_bits = phys_bits,
		.pgsize_bitmap = pgsizes,
	};
	return f;
}

static int um_alloc(struct ioasid_handle *h, uint32_t parent, uint32_t flags,
		    uint32_t levels, uint32_t phys_bits, uint64_t pgsizes,
		    uint32_t *id)
{
	struct ioasid_format_x86_64 f = x86_fmt(flags, levels, phys_bits, pgsizes);

	return um_alloc_raw(h, parent, &f, sizeof(f), id);
}

static int um_bind(struct ioasid_handle *h, uint32_t id, uint64_t root,
		   uint32_t flags)
{
	struct ioasid_bind b = { .size = sizeof(b), .flags = flags, .id = id,
				 .root = root };

	return ioctl(ioasid_fd(h), IOASID_BIND, &b);
}

static int um_unbind(struct ioasid_handle *h, uint32_t id)
{
	struct ioasid_bind b = { .size = sizeof(b), .id = id };

	return ioctl(ioasid_fd(h), IOASID_UNBIND, &b);
}

static int um_inv_n(struct ioasid_handle *h, const struct ioasid_inv_entry *e,
		    uint32_t count, uint32_t *done)
{
	struct ioasid_invalidate inv = {
		.size = sizeof(inv), .count = count, .entry_size = sizeof(*e),
		.entries = (uintptr_t)e, .out_done = 0xdeadbeef,
	};
	int rc = ioctl(ioasid_fd(h), IOASID_INVALIDATE, &inv);

	if (done)
		*done = inv.out_done;
	return rc;
}

static int um_inv(struct ioasid_handle *h, uint32_t node, uint32_t scope,
		  uint32_t flags, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct ioasid_inv_entry e = {
		.node_id = node, .scope = scope, .flags = flags, .pasid = pasid,
		.addr = addr, .size = size,
		.granule = scope & IOASID_INV_SCOPE_ADDR ? PAGE : 0,
	};

	return um_inv_n(h, &e, 1, NULL);
}

static int inv_node(struct ioasid_handle *h, uint32_t node)
{
	return um_inv(h, node, 0, 0, 0, 0, 0);
}

static int inv_pasid(struct ioasid_handle *h, uint32_t node, uint32_t pasid)
{
	return um_inv(h, node, IOASID_INV_SCOPE_PASID, 0, pasid, 0, 0);
}

static int inv_no_pasid(struct ioasid_handle *h, uint32_t node)
{
	return um_inv(h, node, 0, IOASID_INV_NO_PASID, 0, 0, 0);
}

static int inv_range(struct ioasid_handle *h, uint32_t node, uint64_t addr,
		     uint64_t size)
{
	return um_inv(h, node, IOASID_INV_SCOPE_ADDR, 0, 0, addr, size);
}

static int format_info(struct ioasid_handle *h, uint32_t format,
		       struct ioasid_format_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->size = sizeof(*fi);
	fi->format = format;
	return ioctl(ioasid_fd(h), IOASID_FORMAT_INFO, fi);
}

static struct ioasid_device_info dev_info(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	if (ioasid_device_info(h, dev, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

static struct ioasid_node_info node_info(struct ioasid_handle *h, uint32_t id)
{
	struct ioasid_node_info info;

	if (ioasid_node_info(h, id, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/* The fixture --------------------------------------------------------------- */

FIXTURE(um) {
	struct ioasid_handle *h;
	uint32_t root, dev, user;
	struct guest g;
	struct gpt pt;
};

/* Map guest memory [off, off + len) into the root at GPA + off. */
static int map_guest(FIXTURE_DATA(um) *self, uint64_t off, uint64_t len,
		     uint32_t prot)
{
	uint64_t iova = GPA + off;

	return ioasid_map(self->h, self->root, (uintptr_t)self->g.mem + off, len,
			  &iova, prot | FIXED);
}

static int unmap_guest(FIXTURE_DATA(um) *self, uint64_t off, uint64_t len)
{
	uint64_t unmapped;

	return ioasid_unmap(self->h, self->root, GPA + off, len, &unmapped);
}

FIXTURE_SETUP(um)
{
	struct ioasid_info info;
	uint64_t i;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "module without IOASID_CAP_USER_MANAGED");
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
	self->g.mem = ioasid_map_aligned(GMEM, SZ_2M);
	ASSERT_NE(NULL, self->g.mem);
	self->g.next_tbl = 0;
	memset(self->g.mem, 0, SMALL_OFF);
	for (i = SMALL_OFF; i < GMEM; i += 8)
		*(uint64_t *)(self->g.mem + i) = pat64(i);
	for (i = 0; i < TBL_PAGES + SMALL_PAGES; i++)
		ASSERT_EQ(0, map_guest(self, i * PAGE, PAGE, RW));
	ASSERT_EQ(0, map_guest(self, MID_OFF, BIG_OFF - MID_OFF, RW));
	ASSERT_EQ(0, map_guest(self, BIG_OFF, GMEM - BIG_OFF, RW));

	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 8,
					  &self->dev));
	ASSERT_EQ(0, um_alloc(self->h, self->root, 0, 4, 48, 0, &self->user));
	pt_init(&self->pt, &self->g, 0, 4);
	ASSERT_EQ(0, um_bind(self->h, self->user, self->pt.top, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user, 0, 0));
}

FIXTURE_TEARDOWN(um)
{
	if (self->h)
		ioasid_close(self->h);
}

/*
 * Which of two guest pages a 64-byte DMA read at @iova returned: 'A' for
 * the bytes at guest offset @a, 'B' for @b, 'F' for a fault, '?' otherwise.
 */
static int seen(FIXTURE_DATA(um) *self, uint32_t dev, uint32_t flags,
		uint32_t pasid, uint64_t iova, uint64_t a, uint64_t b)
{
	uint8_t buf[64];
	uint64_t done;
	int rc = ioasid_dma(self->h, dev, flags, pasid, iova, buf, sizeof(buf),
			    &done);

	if (rc == -EIO)
		return 'F';
	if (rc)
		return 'E';
	if (!memcmp(buf, self->g.mem + a, sizeof(buf)))
		return 'A';
	if (!memcmp(buf, self->g.mem + b, sizeof(buf)))
		return 'B';
	return '?';
}

/* Read @len bytes at @iova and compare with guest memory at @off. */
#define EXPECT_READ(dev, flags, pasid, iova, off, len) do {			\
		uint8_t __b[len];						\
		uint64_t __d = 0;						\
		EXPECT_EQ(0, ioasid_dma(self->h, dev, flags, pasid, iova, __b,	\
					len, &__d));				\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + (off), len));		\
	} while (0)

/* Write @len fresh bytes at @iova and check they landed at guest @off. */
#define EXPECT_WRITE(dev, flags, pasid, iova, off, len, seed) do {		\
		uint8_t __b[len];						\
		uint64_t __d = 0;						\
		unsigned int __i;						\
		for (__i = 0; __i < (len); __i++)				\
			__b[__i] = (uint8_t)((seed) + __i * 3);			\
		ASSERT_NE(0, memcmp(__b, self->g.mem + (off), len));		\
		EXPECT_EQ(0, ioasid_dma(self->h, dev,				\
					(flags) | IOASID_DMA_WRITE, pasid,	\
					iova, __b, len, &__d));			\
		EXPECT_EQ(len, __d);						\
		EXPECT_EQ(0, memcmp(__b, self->g.mem + (off), len));		\
	} while (0)

/*
 * A DMA of 8 bytes at @iova that must fault: nothing transferred, nothing
 * written, one more fault recorded at @iova. Its DEVICE_INFO.
 */
static struct ioasid_device_info
dma_fault(struct __test_metadata *_metadata, FIXTURE_DATA(um) *self,
	  uint32_t dev, uint32_t flags, uint32_t pasid, uint64_t iova)
{
	struct ioasid_device_info before = dev_info(self->h, dev), after;
	uint8_t buf[8] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	uint64_t done = 77;

	EXPECT_EQ(-EIO, ioasid_dma(self->h, dev, flags, pasid, iova, buf,
				   sizeof(buf), &done));
	EXPECT_EQ(0, done);
	after = dev_info(self->h, dev);
	EXPECT_EQ(before.out_faults + 1, after.out_faults);
	EXPECT_EQ(iova, after.out_last_fault_addr);
	return after;
}

#define EXPECT_FAULT(dev, flags, pasid, iova, reason, node, level) do {	\
		struct ioasid_device_info __i =					\
			dma_fault(_metadata, self, dev, flags, pasid, iova);	\
		EXPECT_EQ(reason, __i.out_last_fault_reason);			\
		EXPECT_EQ(node, __i.out_last_fault_node);			\
		EXPECT_EQ(level, __i.out_last_fault_level);			\
	} while (0)

/* A new user-managed node under @parent with its own table, bound. */
static uint32_t new_user(struct __test_metadata *_metadata,
			 FIXTURE_DATA(um) *self, uint32_t parent, uint32_t flags,
			 unsigned int levels, uint64_t pgsizes, struct gpt *pt,
			 uint64_t bias, uint32_t bind_flags)
{
	uint32_t id = 0;

	EXPECT_EQ(0, um_alloc(self->h, parent, flags, levels, 48, pgsizes, &id));
	pt_init(pt, &self->g, bias, levels);
	EXPECT_EQ(0, um_bind(self->h, id, pt->top, bind_flags));
	return id;
}

/* 1. ALLOC, BIND, UNBIND, NODE_INFO, FORMAT_INFO, DESTROY ------------------- */

TEST_F(um, alloc_rules)
{
	static uint8_t huge[2 * PAGE];
	struct ioasid_format_x86_64 f = x86_fmt(0, 4, 48, 0);
	struct {
		struct ioasid_format_x86_64 f;
		uint64_t tail;
	} big = { .f = x86_fmt(0, 4, 48, 0) };
	struct ioasid_alloc a;
	uint32_t id;

	/* A user-managed root cannot be. */
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, 0, 0, 4, 48, 0, &id));
	EXPECT_ERRNO(ENOENT, um_alloc(self->h, 999, 0, 4, 48, 0, &id));

	/* Unknown format, flags, reserved: "this module cannot". */
	f.hdr.format = 99;
	EXPECT_ERRNO(EOPNOTSUPP, um_alloc_raw(self->h, self->root, &f, sizeof(f), &id));
	f = x86_fmt(1u << 7, 4, 48, 0);
	EXPECT_ERRNO(EOPNOTSUPP, um_alloc_raw(self->h, self->root, &f, sizeof(f), &id));
	f = x86_fmt(0, 4, 48, 0);
	f.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, um_alloc_raw(self->h, self->root, &f, sizeof(f), &id));

	/* Values the format does not take. */
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 3, 48, 0, &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 6, 48, 0, &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 4, 31, 0, &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 4, 53, 0, &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 4, 48, SZ_2M, &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 4, 48,
				      PAGE | (PAGE << 1), &id));
	EXPECT_ERRNO(EINVAL, um_alloc(self->h, self->root, 0, 4, 48,
				      PAGE | (SZ_1G << 1), &id));
	/* The descriptor's size must be format_len, at least the first one. */
	f = x86_fmt(0, 4, 48, 0);
	EXPECT_ERRNO(EINVAL, um_alloc_raw(self->h, self->root, &f, sizeof(f) - 8, &id));
	f.hdr.size = sizeof(f) - 8;
	EXPECT_ERRNO(EINVAL, um_alloc_raw(self->h, self->root, &f, sizeof(f), &id));
	EXPECT_ERRNO(EINVAL, um_alloc_raw(self->h, self->root, &f, 4, &id));
	/* A longer descriptor: zero tail accepted, non-zero tail E2BIG. */
	big.f.hdr.size = sizeof(big);
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, um_alloc_raw(self->h, self->root, &big, sizeof(big), &id));
	big.tail = 0;
	EXPECT_EQ(0, um_alloc_raw(self->h, self->root, &big, sizeof(big), &id));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
	/*
	 * Its zero tail is checked byte by byte: up to 4096 bytes in all, as
	 * a BATCH entry; more is E2BIG, zero or not.
	 */
	f = x86_fmt(0, 4, 48, 0);
	f.hdr.size = PAGE;
	memcpy(huge, &f, sizeof(f));
	EXPECT_EQ(0, um_alloc_raw(self->h, self->root, huge, PAGE, &id));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
	f.hdr.size = PAGE + 1;
	memcpy(huge, &f, sizeof(f));
	EXPECT_ERRNO(E2BIG, um_alloc_raw(self->h, self->root, huge, PAGE + 1, &id));
	/* A bad pointer. */
	EXPECT_ERRNO(EFAULT, um_alloc_raw(self->h, self->root, (void *)8, sizeof(f), &id));

	/* A kernel-managed node takes no format. */
	f = x86_fmt(0, 4, 48, 0);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.mode = IOASID_MODE_KERNEL_MANAGED;
	a.parent_id = self->root;
	a.format = (uintptr_t)&f;
	a.format_len = sizeof(f);
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_ALLOC, &a));
	a.mode = 3;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_ALLOC, &a));

	/* 5 levels, narrowest and widest outputs, each leaf-size set. */
	EXPECT_EQ(0, um_alloc(self->h, self->root, IOASID_X86_64_AD_UPDATE, 5, 32,
			      PAGE, &id));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
	EXPECT_EQ(0, um_alloc(self->h, self->root, 0, 4, 52, PAGE | SZ_2M | SZ_1G,
			      &id));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
}

TEST_F(um, format_info)
{
	struct ioasid_format_info fi;
	struct ioasid_info info;

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	EXPECT_TRUE(info.out_capabilities & IOASID_CAP_USER_MANAGED);

	ASSERT_EQ(0, format_info(self->h, IOASID_FORMAT_X86_64, &fi));
	EXPECT_EQ(IOASID_X86_64_AD_UPDATE, fi.out_format_flags);
	EXPECT_EQ(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE, fi.out_bind_flags);
	EXPECT_EQ(PAGE | SZ_2M | SZ_1G, fi.out_pgsize_bitmap);
	EXPECT_EQ((1ULL << 4) | (1ULL << 5), fi.out_levels_bitmap);
	EXPECT_EQ(32, fi.out_min_phys_bits);
	EXPECT_EQ(52, fi.out_max_phys_bits);
	EXPECT_EQ(57, fi.out_input_bits);
	EXPECT_EQ(0, fi.__reserved2);
	EXPECT_EQ(PAGE, fi.out_granule_bitmap);

	EXPECT_ERRNO(EOPNOTSUPP, format_info(self->h, 0, &fi));
	EXPECT_ERRNO(EOPNOTSUPP, format_info(self->h, 99, &fi));
	memset(&fi, 0, sizeof(fi));
	fi.size = sizeof(fi);
	fi.format = IOASID_FORMAT_X86_64;
	fi.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_FORMAT_INFO, &fi));
	fi.flags = 0;
	fi.size = 8;
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_FORMAT_INFO, &fi));
}

TEST_F(um, bind_unbind_node_info)
{
	struct ioasid_node_info ni;
	struct ioasid_bind b;
	uint64_t iova = 0x1000, unmapped;
	uint32_t id, dev2;

	ASSERT_EQ(0, um_alloc(self->h, self->root, IOASID_X86_64_AD_UPDATE, 5, 40,
			      0, &id));
	ni = node_info(self->h, id);
	EXPECT_EQ(IOASID_MODE_USER_MANAGED, ni.out_mode);
	EXPECT_EQ(self->root, ni.out_parent_id);
	EXPECT_EQ(2, ni.out_depth);
	EXPECT_EQ(IOASID_FORMAT_X86_64, ni.out_format);
	EXPECT_EQ(0, ni.out_flags);
	EXPECT_EQ(0, ni.out_root);
	EXPECT_EQ(0, ni.out_bind_flags);
	EXPECT_EQ(0, ni.out_num_mappings);
	EXPECT_EQ(IOASID_FORMAT_X86_64, node_info(self->h, self->user).out_format);
	EXPECT_EQ(0, node_info(self->h, self->root).out_format);
	EXPECT_EQ(IOASID_MODE_KERNEL_MANAGED, node_info(self->h, self->root).out_mode);

	/* Unbound: UNBIND has nothing to drop; DMA faults NOT_BOUND. */
	EXPECT_ERRNO(ENOENT, um_unbind(self->h, id));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev2));
	ASSERT_EQ(0, ioasid_attach(self->h, dev2, id, 0, 0));
	EXPECT_FAULT(dev2, 0, 0, 0x1000, IOASID_FAULT_NOT_BOUND, id, 0);
	EXPECT_FAULT(dev2, IOASID_DMA_WRITE, 0, 0x2000, IOASID_FAULT_NOT_BOUND, id, 0);
	EXPECT_EQ(IOASID_ACCESS_WRITE, dev_info(self->h, dev2).out_last_fault_access);

	/* BIND's checks. */
	EXPECT_ERRNO(EINVAL, um_bind(self->h, id, GPA + 0x800, 0));
	EXPECT_ERRNO(EINVAL, um_bind(self->h, id, 1ULL << 40, 0));
	EXPECT_ERRNO(EOPNOTSUPP, um_bind(self->h, id, GPA, 1u << 2));
	EXPECT_ERRNO(EINVAL, um_bind(self->h, self->root, GPA, 0));
	EXPECT_ERRNO(ENOENT, um_bind(self->h, 999, GPA, 0));
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.id = id;
	b.root = GPA;
	b.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_BIND, &b));
	b.__reserved = 0;
	b.root1 = GPA;			/* x86-64 has one table */
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_BIND, &b));
	b.root1 = 0;
	b.__reserved = 1;
	EXPECT_EQ(0, node_info(self->h, id).out_flags);

	/* Bound: NODE_INFO says so; nothing is read at BIND (GPA 0 is unmapped). */
	ASSERT_EQ(0, um_bind(self->h, id, (1ULL << 40) - PAGE,
			     IOASID_BIND_X86_SRE));
	ni = node_info(self->h, id);
	EXPECT_EQ(IOASID_NODE_BOUND, ni.out_flags);
	EXPECT_EQ((1ULL << 40) - PAGE, ni.out_root);
	EXPECT_EQ(IOASID_BIND_X86_SRE, ni.out_bind_flags);
	EXPECT_FAULT(dev2, 0, 0, 0x1000, IOASID_FAULT_TABLE, id, 5);
	/* Re-BIND replaces root and flags. */
	ASSERT_EQ(0, um_bind(self->h, id, GPA, IOASID_BIND_X86_WPE));
	ni = node_info(self->h, id);
	EXPECT_EQ(GPA, ni.out_root);
	EXPECT_EQ(IOASID_BIND_X86_WPE, ni.out_bind_flags);

	/* UNBIND's checks, then UNBIND. */
	b.__reserved = 0;
	b.root = 0;
	b.flags = IOASID_BIND_X86_SRE;	/* a bind flag: UNBIND takes none */
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_UNBIND, &b));
	b.flags = 1u << 31;		/* no bind flag at all */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_UNBIND, &b));
	b.flags = 0;
	b.root = GPA;
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_UNBIND, &b));
	b.root = 0;
	b.root1 = GPA;
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_UNBIND, &b));
	EXPECT_ERRNO(EINVAL, um_unbind(self->h, self->root));
	EXPECT_ERRNO(ENOENT, um_unbind(self->h, 999));
	EXPECT_EQ(IOASID_NODE_BOUND, node_info(self->h, id).out_flags);
	ASSERT_EQ(0, um_unbind(self->h, id));
	ni = node_info(self->h, id);
	EXPECT_EQ(0, ni.out_flags);
	EXPECT_EQ(0, ni.out_root);
	EXPECT_EQ(0, ni.out_bind_flags);
	EXPECT_ERRNO(ENOENT, um_unbind(self->h, id));
	EXPECT_FAULT(dev2, 0, 0, 0x1000, IOASID_FAULT_NOT_BOUND, id, 0);

	/* Kernel-managed ioctls refuse a user-managed node. */
	EXPECT_LIBERR(EINVAL, ioasid_map(self->h, id, (uintptr_t)self->g.mem, PAGE,
					 &iova, RW | FIXED));
	EXPECT_LIBERR(EINVAL, ioasid_unmap(self->h, id, 0x1000, PAGE, &unmapped));
	EXPECT_LIBERR(EINVAL, ioasid_unmap_all(self->h, id, &unmapped));
	EXPECT_LIBERR(EINVAL, ioasid_reserve_iova(self->h, id, 0x1000, PAGE));
	EXPECT_LIBERR(EINVAL, ioasid_set_dirty_tracking(self->h, id, 1));

	/* DESTROY: busy while attached or while it has children. */
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, id));
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, self->root));
	ASSERT_EQ(0, ioasid_detach(self->h, dev2, 0, 0));
	ASSERT_EQ(0, um_bind(self->h, id, GPA, 0));
	/* A bound, unattached node goes. */
	EXPECT_EQ(0, ioasid_node_destroy(self->h, id));
	EXPECT_LIBERR(ENOENT, ioasid_node_info(self->h, id, &ni));
	/* The root still has the fixture's child. */
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, self->root));
	EXPECT_EQ(1, node_info(self->h, self->root).out_num_children);
}

/* 2. DMA at every leaf size, 4 and 5 levels --------------------------------- */

TEST_F(um, dma_leaf_sizes)
{
	unsigned int levels;

	for (levels = 4; levels <= 5; levels++) {
		uint64_t va4 = levels == 4 ? VA_A : VA5_A;
		uint64_t va2m = levels == 4 ? VA_2M : VA5_2M;
		uint64_t va1g = levels == 4 ? VA_1G : VA5_1G;
		struct ioasid_translate t;
		struct gpt pt;
		uint32_t id;

		TH_LOG("%u levels", levels);
		id = new_user(_metadata, self, self->root, 0, levels, 0, &pt, 0, 0);
		ASSERT_EQ(0, ioasid_attach(self->h, self->dev, id,
					   IOASID_ATTACH_REPLACE, 0));

		/* 4K: two input pages to two guest pages far apart. */
		pt_map(&pt, va4, GPA + SMALL(3), PAGE, PTE_DEF);
		pt_map(&pt, va4 + PAGE, GPA + SMALL(10), PAGE, PTE_DEF);
		EXPECT_READ(self->dev, 0, 0, va4 + 100, SMALL(3) + 100, 64);
		EXPECT_READ(self->dev, 0, 0, va4 + PAGE + 8, SMALL(10) + 8, 64);
		{
			/* Across the boundary: two halves from two places. */
			uint8_t b[256];
			uint64_t done;

			ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0,
						va4 + PAGE - 128, b, 256, &done));
			EXPECT_EQ(256, done);
			EXPECT_EQ(0, memcmp(b, self->g.mem + SMALL(3) + PAGE - 128, 128));
			EXPECT_EQ(0, memcmp(b + 128, self->g.mem + SMALL(10), 128));
		}
		EXPECT_WRITE(self->dev, 0, 0, va4 + PAGE - 32, SMALL(3) + PAGE - 32,
			     32, levels);
		EXPECT_WRITE(self->dev, 0, 0, va4 + PAGE + 4000, SMALL(10) + 4000,
			     64, levels * 5);
		/* Neighbours untouched. */
		EXPECT_EQ(pat(SMALL(4)), self->g.mem[SMALL(4)]);
		EXPECT_EQ(pat(SMALL(11)), self->g.mem[SMALL(11)]);

		ASSERT_EQ(0, ioasid_translate(self->h, self->dev, 0, 0, va4 + 0x10, &t));
		EXPECT_EQ((uintptr_t)self->g.mem + SMALL(3) + 0x10, t.out_uaddr);
		EXPECT_LE(PAGE - 0x10, t.out_length);
		EXPECT_GE(PAGE - 0x10, t.out_length);	/* its own root mapping */
		EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE |
			  IOASID_ACCESS_EXEC, t.out_prot);
		ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE, 0,
					      va4 + PAGE + 0x20, &t));
		EXPECT_EQ((uintptr_t)self->g.mem + SMALL(10) + 0x20, t.out_uaddr);
		EXPECT_TRUE(t.out_prot & IOASID_ACCESS_WRITE);

		/* 2M: into the second 2 MiB region of guest memory. */
		pt_map(&pt, va2m, GPA + BIG_OFF + SZ_2M, SZ_2M, PTE_DEF);
		EXPECT_READ(self->dev, 0, 0, va2m + 0x12345, BIG_OFF + SZ_2M + 0x12345,
			    64);
		EXPECT_READ(self->dev, 0, 0, va2m + SZ_2M - 5000,
			    BIG_OFF + SZ_2M + SZ_2M - 5000, 5000);
		EXPECT_WRITE(self->dev, 0, 0, va2m + 0x1ff000 - 16,
			     BIG_OFF + SZ_2M + 0x1ff000 - 16, 48, levels * 7);
		ASSERT_EQ(0, ioasid_translate(self->h, self->dev, 0, 0,
					      va2m + 0x54321, &t));
		EXPECT_EQ((uintptr_t)self->g.mem + BIG_OFF + SZ_2M + 0x54321,
			  t.out_uaddr);
		EXPECT_LE(PAGE - 0x321, t.out_length);
		EXPECT_GE(SZ_2M - 0x54321, t.out_length);
		EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE |
			  IOASID_ACCESS_EXEC, t.out_prot);
		/* Past the 2M leaf nothing is mapped. */
		EXPECT_FAULT(self->dev, 0, 0, va2m + SZ_2M, IOASID_FAULT_NOT_PRESENT,
			     id, 2);

		/* 1G: to GPA 1 GiB; only its first 8 MiB exist in the root. */
		pt_map(&pt, va1g, GPA, SZ_1G, PTE_DEF);
		EXPECT_READ(self->dev, 0, 0, va1g + 0x300007, 0x300007, 64);
		EXPECT_WRITE(self->dev, 0, 0, va1g + MID_OFF + 0x1000 - 8,
			     MID_OFF + 0x1000 - 8, 16, levels * 11);
		ASSERT_EQ(0, ioasid_translate(self->h, self->dev, 0, 0,
					      va1g + 0x400040, &t));
		EXPECT_EQ((uintptr_t)self->g.mem + 0x400040, t.out_uaddr);
		EXPECT_GE(GMEM - 0x400040, t.out_length);
		/* Within the leaf but past what the root maps: the root's fault. */
		EXPECT_FAULT(self->dev, 0, 0, va1g + GMEM, IOASID_FAULT_NOT_MAPPED,
			     self->root, 0);

		ASSERT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
		ASSERT_EQ(0, ioasid_node_destroy(self->h, id));
		ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user, 0, 0));
	}
}

/* 3. Stale until invalidated, per scope; no negative caching ---------------- */

#define STALE_PASID	5

/*
 * VA_A -> small page 0 and VA_B -> small page 2, cached for DMA without a
 * PASID and with STALE_PASID (both attached to the fixture's node); then
 * the entries are changed to small pages 1 and 3 without invalidating.
 * Every cached translation must still give the old page.
 */
static void stale_prime(struct __test_metadata *_metadata, FIXTURE_DATA(um) *self)
{
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user,
				   IOASID_ATTACH_PASID, STALE_PASID));
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	pt_map(&self->pt, VA_B, GPA + SMALL(2), PAGE, PTE_DEF);
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	ASSERT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_A,
			    SMALL(0), SMALL(1)));
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_B, SMALL(2), SMALL(3)));
	ASSERT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_B,
			    SMALL(2), SMALL(3)));
	pt_map(&self->pt, VA_A, GPA + SMALL(1), PAGE, PTE_DEF);
	pt_map(&self->pt, VA_B, GPA + SMALL(3), PAGE, PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_A,
			    SMALL(0), SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_B, SMALL(2), SMALL(3)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_B,
			    SMALL(2), SMALL(3)));
}

/* What the four translations give now: "AAAA" old ... "BBBB" new. */
static void stale_state(FIXTURE_DATA(um) *self, char out[5])
{
	out[0] = seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1));
	out[1] = seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_A,
		      SMALL(0), SMALL(1));
	out[2] = seen(self, self->dev, 0, 0, VA_B, SMALL(2), SMALL(3));
	out[3] = seen(self, self->dev, IOASID_DMA_PASID, STALE_PASID, VA_B,
		      SMALL(2), SMALL(3));
	out[4] = 0;
}

#define EXPECT_STALE(expect) do {				\
		char __s[5];					\
		stale_state(self, __s);				\
		EXPECT_STREQ(expect, __s);			\
	} while (0)

TEST_F(um, stale_scope_node)
{
	uint64_t gen;

	stale_prime(_metadata, self);
	gen = dev_info(self->h, self->dev).out_generation;
	ASSERT_EQ(0, inv_node(self->h, self->user));
	EXPECT_LT(gen, dev_info(self->h, self->dev).out_generation);
	/* np A, pasid A, np B, pasid B */
	EXPECT_STALE("BBBB");
}

TEST_F(um, stale_scope_pasid)
{
	uint64_t gen;

	stale_prime(_metadata, self);
	/* Another PASID, nothing cached there: nothing changes. */
	ASSERT_EQ(0, inv_pasid(self->h, self->user, STALE_PASID + 1));
	EXPECT_STALE("AAAA");
	gen = dev_info(self->h, self->dev).out_generation;
	ASSERT_EQ(0, inv_pasid(self->h, self->user, STALE_PASID));
	EXPECT_LT(gen, dev_info(self->h, self->dev).out_generation);
	EXPECT_STALE("ABAB");
	ASSERT_EQ(0, inv_no_pasid(self->h, self->user));
	EXPECT_STALE("BBBB");
}

TEST_F(um, stale_scope_addr)
{
	uint64_t gen;

	stale_prime(_metadata, self);
	/* Ranges next to VA_A, not covering it. */
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_A - PAGE, PAGE));
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_A + PAGE, 16 * PAGE));
	EXPECT_STALE("AAAA");
	gen = dev_info(self->h, self->dev).out_generation;
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_A - PAGE, 2 * PAGE));
	EXPECT_LT(gen, dev_info(self->h, self->dev).out_generation);
	EXPECT_STALE("BBAA");
	/* An address range of one PASID only. */
	ASSERT_EQ(0, um_inv(self->h, self->user,
			    IOASID_INV_SCOPE_ADDR | IOASID_INV_SCOPE_PASID, 0,
			    STALE_PASID, VA_B, PAGE));
	EXPECT_STALE("BBAB");
	/* And of requests without one, with a 2 MiB granule. */
	do {
		struct ioasid_inv_entry e = {
			.node_id = self->user, .scope = IOASID_INV_SCOPE_ADDR,
			.flags = IOASID_INV_NO_PASID | IOASID_INV_LEAF,
			.addr = VA_B & ~(SZ_2M - 1), .size = SZ_2M, .granule = SZ_2M,
		};
		ASSERT_EQ(0, um_inv_n(self->h, &e, 1, NULL));
	} while (0);
	EXPECT_STALE("BBBB");
}

TEST_F(um, stale_scope_no_pasid)
{
	stale_prime(_metadata, self);
	ASSERT_EQ(0, inv_no_pasid(self->h, self->user));
	EXPECT_STALE("BABA");
	ASSERT_EQ(0, inv_pasid(self->h, self->user, STALE_PASID));
	EXPECT_STALE("BBBB");
}

/* A large leaf cached by one address is dropped by a range inside it. */
TEST_F(um, stale_large_leaf_range)
{
	pt_map(&self->pt, VA_2M, GPA + BIG_OFF, SZ_2M, PTE_DEF);
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_2M + 0x5000, BIG_OFF + 0x5000,
			    BIG_OFF + SZ_2M + 0x5000));
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_2M + 0x100000,
			    BIG_OFF + 0x100000, BIG_OFF + SZ_2M + 0x100000));
	pt_map(&self->pt, VA_2M, GPA + BIG_OFF + SZ_2M, SZ_2M, PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_2M + 0x100000,
			    BIG_OFF + 0x100000, BIG_OFF + SZ_2M + 0x100000));
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_2M + 0x100000, PAGE));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_2M + 0x100000,
			    BIG_OFF + 0x100000, BIG_OFF + SZ_2M + 0x100000));
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_2M, SZ_2M));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_2M + 0x5000, BIG_OFF + 0x5000,
			    BIG_OFF + SZ_2M + 0x5000));
}

/* Nothing negative is cached: a fault, then the entry appears, then DMA works. */
TEST_F(um, no_negative_caching)
{
	uint64_t va_c = VA_A + 5 * PAGE;	/* same L1 table as VA_A */
	uint64_t va_d = 0x0000400000000000ULL;	/* an empty L4 slot */

	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);

	EXPECT_FAULT(self->dev, 0, 0, va_c, IOASID_FAULT_NOT_PRESENT, self->user, 1);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, va_c + 8,
		     IOASID_FAULT_NOT_PRESENT, self->user, 1);
	pt_map(&self->pt, va_c, GPA + SMALL(7), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, va_c + 8, SMALL(7) + 8, 64);

	EXPECT_FAULT(self->dev, 0, 0, va_d, IOASID_FAULT_NOT_PRESENT, self->user, 4);
	/* Present at L4 only: now the L3 entry is missing. */
	pte_set(pt_entry(&self->pt, va_d, 4, false),
		pt_new_table_addr(&self->pt) | PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, va_d, IOASID_FAULT_NOT_PRESENT, self->user, 3);
	pt_map(&self->pt, va_d, GPA + SMALL(8), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, va_d + 100, SMALL(8) + 100, 64);

	/* A refused write is not cached either: RW appears, the write goes. */
	pt_map(&self->pt, va_c, GPA + SMALL(7), PAGE, PTE_P | PTE_US);
	ASSERT_EQ(0, inv_range(self->h, self->user, va_c, PAGE));
	EXPECT_READ(self->dev, 0, 0, va_c, SMALL(7), 64);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, va_c,
		     IOASID_FAULT_PERMISSION, self->user, 1);
	pt_map(&self->pt, va_c, GPA + SMALL(7), PAGE, PTE_DEF);
	/*
	 * The read translation is cached (without write): the write needs a
	 * walk, which sees the new entry.
	 */
	EXPECT_WRITE(self->dev, 0, 0, va_c + 16, SMALL(7) + 16, 32, 0x31);
}

/* 5. Changes of the parent need no INVALIDATE ------------------------------- */

TEST_F(um, parent_unmap_data_page)
{
	long long pins;

	pt_map(&self->pt, VA_A, GPA + SMALL(20), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(20), 64);
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 64, SMALL(20) + 64, 64, 0x42);
	pins = ioasid_pins_outstanding();
	ASSERT_EQ(0, unmap_guest(self, SMALL(20), PAGE));
	EXPECT_EQ(pins - 1, ioasid_pins_outstanding());
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_NOT_MAPPED, self->root, 0);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, VA_A + 64,
		     IOASID_FAULT_NOT_MAPPED, self->root, 0);
	/* Mapped again (other memory at the same GPA): DMA reaches it. */
	ASSERT_EQ(0, map_guest(self, SMALL(20), PAGE, RW));
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(20), 64);
}

TEST_F(um, parent_unmap_table_page)
{
	uint64_t l1;
	long long pins;

	pt_map(&self->pt, VA_A, GPA + SMALL(21), PAGE, PTE_DEF);
	l1 = pt_table_of(&self->pt, VA_A, 1) - GPA;
	ASSERT_GT(SMALL_OFF, l1);
	EXPECT_READ(self->dev, 0, 0, VA_A + 8, SMALL(21) + 8, 64);
	/* The level-1 table page goes: the walk cannot read it. */
	pins = ioasid_pins_outstanding();
	ASSERT_EQ(0, unmap_guest(self, l1, PAGE));
	EXPECT_EQ(pins - 1, ioasid_pins_outstanding());
	EXPECT_FAULT(self->dev, 0, 0, VA_A + 8, IOASID_FAULT_TABLE, self->user, 1);
	ASSERT_EQ(0, map_guest(self, l1, PAGE, RW));
	EXPECT_READ(self->dev, 0, 0, VA_A + 8, SMALL(21) + 8, 64);

	/* Now the top-level table. */
	ASSERT_EQ(0, unmap_guest(self, self->pt.top - GPA, PAGE));
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_TABLE, self->user, 4);
	ASSERT_EQ(0, map_guest(self, self->pt.top - GPA, PAGE, RW));
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(21), 64);

	/* Read-only is enough for reading tables without A/D updates. */
	ASSERT_EQ(0, unmap_guest(self, l1, PAGE));
	ASSERT_EQ(0, map_guest(self, l1, PAGE, IOASID_MAP_READ));
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 128, SMALL(21) + 128, 16, 0x99);
}

TEST_F(um, rebind_drops_everything)
{
	struct gpt pt2;

	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	pt_map(&self->pt, VA_B, GPA + SMALL(2), PAGE, PTE_DEF);
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_B, SMALL(2), SMALL(3)));

	pt_init(&pt2, &self->g, 0, 4);
	pt_map(&pt2, VA_A, GPA + SMALL(1), PAGE, PTE_DEF);
	pt_map(&pt2, VA_B, GPA + SMALL(3), PAGE, PTE_DEF);
	ASSERT_EQ(0, um_bind(self->h, self->user, pt2.top, 0));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_B, SMALL(2), SMALL(3)));

	/* Back to the first table: again at once. */
	ASSERT_EQ(0, um_bind(self->h, self->user, self->pt.top, 0));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	/* DETACH drops the device's entries: ATTACH again sees the table. */
	pt_map(&self->pt, VA_A, GPA + SMALL(4), PAGE, PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(4)));
	ASSERT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user, 0, 0));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(4)));
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	ASSERT_EQ(0, inv_node(self->h, self->user));
	/* UNBIND drops too. */
	ASSERT_EQ(0, um_unbind(self->h, self->user));
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_NOT_BOUND, self->user, 0);
	ASSERT_EQ(0, um_bind(self->h, self->user, pt2.top, 0));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
}

/* 4. PASIDs attached to different user-managed nodes ------------------------- */

TEST_F(um, pasid_attachments)
{
	struct gpt pt2;
	uint32_t u2;

	/* Fixture node: no PASID and PASID 1; a second node: PASID 2. */
	u2 = new_user(_metadata, self, self->root, 0, 5, 0, &pt2, 0, 0);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user,
				   IOASID_ATTACH_PASID, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u2, IOASID_ATTACH_PASID, 2));
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	pt_map(&pt2, VA_A, GPA + SMALL(4), PAGE, PTE_DEF);

	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, 1, VA_A, SMALL(0),
			    SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, 2, VA_A, SMALL(4),
			    SMALL(5)));
	EXPECT_WRITE(self->dev, IOASID_DMA_PASID, 2, VA_A + 256, SMALL(4) + 256,
		     32, 0x17);
	/* PASID 3 is attached nowhere. */
	EXPECT_FAULT(self->dev, IOASID_DMA_PASID, 3, VA_A,
		     IOASID_FAULT_NOT_ATTACHED, 0, 0);

	pt_map(&self->pt, VA_A, GPA + SMALL(1), PAGE, PTE_DEF);
	pt_map(&pt2, VA_A, GPA + SMALL(5), PAGE, PTE_DEF);
	/* PASID 1 of the first node: only that attachment's entries. */
	ASSERT_EQ(0, inv_pasid(self->h, self->user, 1));
	EXPECT_EQ('B', seen(self, self->dev, IOASID_DMA_PASID, 1, VA_A, SMALL(0),
			    SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, 2, VA_A, SMALL(4),
			    SMALL(5)));
	/* The second node by the wrong PASID, or without PASID: nothing. */
	ASSERT_EQ(0, inv_pasid(self->h, u2, 1));
	ASSERT_EQ(0, inv_no_pasid(self->h, u2));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, 2, VA_A, SMALL(4),
			    SMALL(5)));
	/* The first node without PASID: its PASID-less attachment only. */
	ASSERT_EQ(0, inv_no_pasid(self->h, self->user));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	EXPECT_EQ('A', seen(self, self->dev, IOASID_DMA_PASID, 2, VA_A, SMALL(4),
			    SMALL(5)));
	ASSERT_EQ(0, inv_pasid(self->h, u2, 2));
	EXPECT_EQ('B', seen(self, self->dev, IOASID_DMA_PASID, 2, VA_A, SMALL(4),
			    SMALL(5)));

	/* A device without PASID support cannot issue one. */
	do {
		uint32_t dev2;
		uint8_t b[8];
		uint64_t done;

		ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev2));
		ASSERT_EQ(0, ioasid_attach(self->h, dev2, u2, 0, 0));
		EXPECT_LIBERR(EINVAL, ioasid_dma(self->h, dev2, IOASID_DMA_PASID, 1,
						 VA_A, b, 8, &done));
		EXPECT_EQ('B', seen(self, dev2, 0, 0, VA_A, SMALL(4), SMALL(5)));
	} while (0);
}

/* 6. Trees that mix modes -------------------------------------------------- */

/* root -> kernel child -> user: the table lives in the kernel child's space. */
TEST_F(um, mixed_kernel_kernel_user)
{
	uint64_t k1_base = 0x300000000ULL, iova = k1_base;
	struct gpt pt;
	uint32_t k1, u;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &k1));
	ASSERT_EQ(0, ioasid_map(self->h, k1, GPA, GMEM, &iova, RW | FIXED));
	u = new_user(_metadata, self, k1, 0, 4, 0, &pt, k1_base - GPA, 0);
	EXPECT_EQ(3, node_info(self->h, u).out_depth);
	pt_map(&pt, VA_A, k1_base + SMALL(30), PAGE, PTE_DEF);
	pt_map(&pt, VA_2M, k1_base + BIG_OFF + SZ_2M, SZ_2M, PTE_DEF);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, IOASID_ATTACH_REPLACE, 0));
	EXPECT_READ(self->dev, 0, 0, VA_A + 10, SMALL(30) + 10, 100);
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 200, SMALL(30) + 200, 100, 0x61);
	EXPECT_READ(self->dev, 0, 0, VA_2M + 0x1234, BIG_OFF + SZ_2M + 0x1234, 100);
	/* An address the kernel child does not map: its fault. */
	pt_map(&pt, VA_B, k1_base + GMEM, PAGE, PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, VA_B, IOASID_FAULT_NOT_MAPPED, k1, 0);
}

/* root -> user -> kernel child: the child maps the user node's inputs. */
TEST_F(um, mixed_user_kernel)
{
	uint64_t iova = 0x1000000, unmapped;
	uint32_t k2;
	unsigned int i;

	for (i = 0; i < 4; i++)
		pt_map(&self->pt, VA_A + i * PAGE, GPA + SMALL(40 - 3 * i), PAGE,
		       PTE_DEF);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->user,
				       IOASID_MODE_KERNEL_MANAGED, &k2));
	ASSERT_EQ(0, ioasid_map(self->h, k2, VA_A, 4 * PAGE, &iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, k2, IOASID_ATTACH_REPLACE, 0));
	do {
		/* Four pages in one DMA: four guest pages in reverse order. */
		uint8_t b[4 * PAGE];
		uint64_t done;

		ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, iova, b, sizeof(b),
					&done));
		EXPECT_EQ(sizeof(b), done);
		for (i = 0; i < 4; i++)
			EXPECT_EQ(0, memcmp(b + i * PAGE,
					    self->g.mem + SMALL(40 - 3 * i), PAGE));
	} while (0);
	EXPECT_WRITE(self->dev, 0, 0, iova + 3 * PAGE + 40, SMALL(31) + 40, 64, 0x3);
	/* INVALIDATE of the user node reaches devices attached below it. */
	pt_map(&self->pt, VA_A, GPA + SMALL(50), PAGE, PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, iova, SMALL(40), SMALL(50)));
	ASSERT_EQ(0, inv_range(self->h, self->user, VA_A, PAGE));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, iova, SMALL(40), SMALL(50)));
	/* An input the user node has no entry for: its fault. */
	iova = 0x2000000;
	ASSERT_EQ(0, ioasid_map(self->h, k2, VA_B, PAGE, &iova, RW | FIXED));
	EXPECT_FAULT(self->dev, 0, 0, iova, IOASID_FAULT_NOT_PRESENT, self->user, 4);
	/* UNMAP in the kernel child: its own fault. */
	ASSERT_EQ(0, ioasid_unmap(self->h, k2, 0x1000000, 4 * PAGE, &unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);
	EXPECT_FAULT(self->dev, 0, 0, 0x1000000, IOASID_FAULT_NOT_MAPPED, k2, 0);
}

/* root -> user -> user: the inner table lives in the outer one's inputs. */
TEST_F(um, mixed_user_user)
{
	uint64_t ia = 0x100000000ULL;	/* outer input of guest memory */
	uint64_t *outer_leaf;
	struct gpt pt2;
	uint32_t u2;

	/* The outer node maps ia.. to GPA 1 GiB with a 1 GiB leaf. */
	outer_leaf = pt_map(&self->pt, ia, GPA, SZ_1G, PTE_DEF);
	u2 = new_user(_metadata, self, self->user, 0, 4, 0, &pt2, ia - GPA, 0);
	pt_map(&pt2, VA_A, ia + SMALL(33), PAGE, PTE_DEF);
	pt_map(&pt2, VA_2M, ia + BIG_OFF, SZ_2M, PTE_DEF);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u2, IOASID_ATTACH_REPLACE, 0));
	EXPECT_READ(self->dev, 0, 0, VA_A + 1, SMALL(33) + 1, 200);
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 1000, SMALL(33) + 1000, 24, 0x77);
	EXPECT_READ(self->dev, 0, 0, VA_2M + SZ_2M - 64, BIG_OFF + SZ_2M - 64, 64);

	/*
	 * The outer entry goes away: what the inner node cached stays until
	 * the outer node is invalidated, which reaches devices below it.
	 */
	pte_set(outer_leaf, 0);
	EXPECT_READ(self->dev, 0, 0, VA_A + 1, SMALL(33) + 1, 200);
	ASSERT_EQ(0, inv_node(self->h, self->user));
	/* The inner walk cannot read its top table any more. */
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_TABLE, u2, 4);
	pt_map(&self->pt, ia, GPA, SZ_1G, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA_A + 1, SMALL(33) + 1, 200);
	/* Data past the outer leaf's reach: the outer node's fault. */
	pt_map(&pt2, VA_B, ia + SZ_1G, PAGE, PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, VA_B, IOASID_FAULT_NOT_PRESENT, self->user, 3);
}

/* root -> user -> kernel -> user: four levels, two of each. */
TEST_F(um, mixed_four_levels)
{
	uint64_t ia = 0x100000000ULL, k_base = 0x200000000ULL, iova = k_base;
	struct gpt pt2;
	uint32_t k2, u2;

	pt_map(&self->pt, ia, GPA, SZ_1G, PTE_DEF);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->user,
				       IOASID_MODE_KERNEL_MANAGED, &k2));
	ASSERT_EQ(0, ioasid_map(self->h, k2, ia, GMEM, &iova, RW | FIXED));
	u2 = new_user(_metadata, self, k2, 0, 5, 0, &pt2, k_base - GPA, 0);
	EXPECT_EQ(4, node_info(self->h, u2).out_depth);
	pt_map(&pt2, VA5_A, k_base + SMALL(35), PAGE, PTE_DEF);
	pt_map(&pt2, VA5_1G, k_base, SZ_1G, PTE_DEF);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u2, IOASID_ATTACH_REPLACE, 0));
	EXPECT_READ(self->dev, 0, 0, VA5_A + 5, SMALL(35) + 5, 300);
	EXPECT_WRITE(self->dev, 0, 0, VA5_A + 3000, SMALL(35) + 3000, 300, 0x21);
	/* The 1 GiB leaf to k_base: guest memory from its start. */
	EXPECT_READ(self->dev, 0, 0, VA5_1G + MID_OFF + 8, MID_OFF + 8, 64);
	EXPECT_WRITE(self->dev, 0, 0, VA5_1G + BIG_OFF + 0x10000,
		     BIG_OFF + 0x10000, 64, 0x5);

	/* A change two levels up (the outer user node) reaches it. */
	pt_map(&self->pt, ia, GPA + SZ_1G, SZ_1G, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA5_A + 5, SMALL(35) + 5, 300);
	ASSERT_EQ(0, inv_range(self->h, self->user, ia, SZ_1G));
	EXPECT_FAULT(self->dev, 0, 0, VA5_A, IOASID_FAULT_TABLE, u2, 5);
}

/* 7. Permissions ---------------------------------------------------------- */

#define RWX	(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE | IOASID_ACCESS_EXEC)

static uint32_t translate_prot(FIXTURE_DATA(um) *self, uint32_t flags,
			       uint64_t iova)
{
	struct ioasid_translate t;
	int rc = ioasid_translate(self->h, self->dev, flags, 0, iova, &t);

	return rc ? 0x80000000u | (uint32_t)-rc : t.out_prot;
}

TEST_F(um, permission_rw)
{
	uint64_t va_up = VA_B;		/* R/W clear at level 3 */

	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_P | PTE_US);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, VA_A + 8,
		     IOASID_FAULT_PERMISSION, self->user, 1);
	EXPECT_EQ(IOASID_ACCESS_WRITE, dev_info(self->h, self->dev).out_last_fault_access);
	EXPECT_EQ(pat(SMALL(0) + 8), self->g.mem[SMALL(0) + 8]);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		  translate_prot(self, 0, VA_A));
	EXPECT_EQ(0x80000000u | EIO, translate_prot(self, IOASID_DMA_WRITE, VA_A));

	pt_map(&self->pt, va_up, GPA + SMALL(1), PAGE, PTE_DEF);
	pte_set(pt_entry(&self->pt, va_up, 3, false),
		pte_get(pt_entry(&self->pt, va_up, 3, false)) & ~PTE_RW);
	EXPECT_READ(self->dev, 0, 0, va_up, SMALL(1), 64);
	do {
		struct ioasid_device_info i =
			dma_fault(_metadata, self, self->dev, IOASID_DMA_WRITE, 0,
				  va_up);
		EXPECT_EQ(IOASID_FAULT_PERMISSION, i.out_last_fault_reason);
		EXPECT_EQ(self->user, i.out_last_fault_node);
		EXPECT_LE(1, i.out_last_fault_level);
		EXPECT_GE(3, i.out_last_fault_level);
	} while (0);
	/* Setting it again (and invalidating) lets the write through. */
	pte_set(pt_entry(&self->pt, va_up, 3, false),
		pte_get(pt_entry(&self->pt, va_up, 3, false)) | PTE_RW);
	ASSERT_EQ(0, inv_range(self->h, self->user, va_up, PAGE));
	EXPECT_WRITE(self->dev, 0, 0, va_up + 8, SMALL(1) + 8, 8, 0x10);
}

TEST_F(um, permission_user_supervisor)
{
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_P | PTE_RW);	/* supervisor */
	pt_map(&self->pt, VA_B, GPA + SMALL(2), PAGE, PTE_P | PTE_US);	/* user, RO */

	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_PERMISSION, self->user, 1);
	/* Without SRE privileged requests fault, on any page. */
	EXPECT_FAULT(self->dev, IOASID_DMA_PRIV, 0, VA_A, IOASID_FAULT_PERMISSION,
		     self->user, 1);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_PRIV,
		  dev_info(self->h, self->dev).out_last_fault_access);
	EXPECT_FAULT(self->dev, IOASID_DMA_PRIV, 0, VA_B, IOASID_FAULT_PERMISSION,
		     self->user, 1);

	/* SRE: privileged requests served. */
	ASSERT_EQ(0, um_bind(self->h, self->user, self->pt.top, IOASID_BIND_X86_SRE));
	EXPECT_READ(self->dev, IOASID_DMA_PRIV, 0, VA_A, SMALL(0), 64);
	EXPECT_WRITE(self->dev, IOASID_DMA_PRIV, 0, VA_A + 64, SMALL(0) + 64, 16, 1);
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_PERMISSION, self->user, 1);
	/* Closed to unprivileged requests: PRIV in out_prot; may execute. */
	EXPECT_EQ(RWX | IOASID_ACCESS_PRIV,
		  translate_prot(self, IOASID_DMA_PRIV, VA_A));
	EXPECT_READ(self->dev, IOASID_DMA_PRIV | IOASID_DMA_EXEC, 0, VA_A,
		    SMALL(0), 64);
	/* A user page: privileged may read, write (no WPE), never execute. */
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE,
		  translate_prot(self, IOASID_DMA_PRIV, VA_B));
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		  translate_prot(self, 0, VA_B));
	EXPECT_WRITE(self->dev, IOASID_DMA_PRIV, 0, VA_B + 8, SMALL(2) + 8, 8, 2);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, VA_B, IOASID_FAULT_PERMISSION,
		     self->user, 1);
	EXPECT_FAULT(self->dev, IOASID_DMA_PRIV | IOASID_DMA_EXEC, 0, VA_B,
		     IOASID_FAULT_PERMISSION, self->user, 1);

	/* WPE: the privileged write to a read-only page faults. */
	ASSERT_EQ(0, um_bind(self->h, self->user, self->pt.top,
			     IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE));
	EXPECT_FAULT(self->dev, IOASID_DMA_PRIV | IOASID_DMA_WRITE, 0, VA_B + 8,
		     IOASID_FAULT_PERMISSION, self->user, 1);
	EXPECT_READ(self->dev, IOASID_DMA_PRIV, 0, VA_B, SMALL(2), 64);
	EXPECT_EQ(IOASID_ACCESS_READ, translate_prot(self, IOASID_DMA_PRIV, VA_B));
	/* A writable supervisor page stays writable. */
	EXPECT_WRITE(self->dev, IOASID_DMA_PRIV, 0, VA_A + 128, SMALL(0) + 128, 8, 3);
	/* WPE alone: no SRE, privileged requests fault again. */
	ASSERT_EQ(0, um_bind(self->h, self->user, self->pt.top, IOASID_BIND_X86_WPE));
	EXPECT_FAULT(self->dev, IOASID_DMA_PRIV, 0, VA_A, IOASID_FAULT_PERMISSION,
		     self->user, 1);
}

TEST_F(um, permission_execute)
{
	uint8_t b[8];
	uint64_t done;

	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF | PTE_XD);
	pt_map(&self->pt, VA_B, GPA + SMALL(2), PAGE, PTE_DEF);
	/* A read translation cached first must not serve the fetch. */
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	EXPECT_FAULT(self->dev, IOASID_DMA_EXEC, 0, VA_A, IOASID_FAULT_PERMISSION,
		     self->user, 1);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		  dev_info(self->h, self->dev).out_last_fault_access);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE, translate_prot(self, 0, VA_A));
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	EXPECT_READ(self->dev, IOASID_DMA_EXEC, 0, VA_B, SMALL(2), 64);
	/* XD at an upper level counts too. */
	pte_set(pt_entry(&self->pt, VA_B, 4, false),
		pte_get(pt_entry(&self->pt, VA_B, 4, false)) | PTE_XD);
	ASSERT_EQ(0, inv_node(self->h, self->user));
	EXPECT_FAULT(self->dev, IOASID_DMA_EXEC, 0, VA_B, IOASID_FAULT_PERMISSION,
		     self->user, 1);
	EXPECT_READ(self->dev, 0, 0, VA_B, SMALL(2), 64);

	EXPECT_LIBERR(EINVAL, ioasid_dma(self->h, self->dev,
					 IOASID_DMA_EXEC | IOASID_DMA_WRITE, 0,
					 VA_B, b, 8, &done));
	EXPECT_EQ(0x80000000u | EINVAL,
		  translate_prot(self, IOASID_DMA_EXEC | IOASID_DMA_WRITE, VA_B));
}

TEST_F(um, permission_kernel_parent_read_only)
{
	uint64_t gpa_ro = GPA + GMEM + SZ_2M;
	uint8_t *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, r[8];
	uint64_t done, iova = gpa_ro;

	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0xc3, PAGE);
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro, PAGE, &iova,
				IOASID_MAP_READ | FIXED));
	pt_map(&self->pt, VA_A, gpa_ro, PAGE, PTE_DEF);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, VA_A + 8, r, 8, &done));
	EXPECT_EQ(0xc3, r[0]);
	EXPECT_EQ(0xc3, r[7]);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      VA_A + 8, b, 8, &done));
	EXPECT_EQ(0, done);
	EXPECT_EQ(0xc3, ro[8]);
	do {
		struct ioasid_device_info i = dev_info(self->h, self->dev);

		EXPECT_EQ(IOASID_FAULT_PERMISSION, i.out_last_fault_reason);
		EXPECT_EQ(self->root, i.out_last_fault_node);
		EXPECT_EQ(0, i.out_last_fault_level);
		EXPECT_EQ(VA_A + 8, i.out_last_fault_addr);
	} while (0);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		  translate_prot(self, 0, VA_A));
	munmap(ro, PAGE);
}

/* 8. Accessed and dirty bits ------------------------------------------------- */

/* The entries of @va's path, top level first, into @e[levels..1]. */
static void path_entries(struct gpt *p, uint64_t va, unsigned int leaf,
			 uint64_t *e)
{
	unsigned int l;

	for (l = p->levels; l >= leaf; l--)
		e[l] = pte_get(pt_entry(p, va, l, false));
}

TEST_F(um, ad_update)
{
	struct gpt pt;
	uint64_t e[6];
	uint32_t u;
	unsigned int l;

	u = new_user(_metadata, self, self->root, IOASID_X86_64_AD_UPDATE, 4, 0,
		     &pt, 0, 0);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, IOASID_ATTACH_REPLACE, 0));
	pt_map(&pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	pt_map(&pt, VA_2M, GPA + BIG_OFF, SZ_2M, PTE_DEF);
	path_entries(&pt, VA_A, 1, e);
	for (l = 4; l >= 1; l--)
		ASSERT_EQ(0, e[l] & (PTE_A | PTE_D));

	/* A read sets A at every level, D nowhere. */
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	path_entries(&pt, VA_A, 1, e);
	for (l = 4; l >= 1; l--) {
		TH_LOG("level %u: %#llx", l, (unsigned long long)e[l]);
		EXPECT_EQ(PTE_A, e[l] & (PTE_A | PTE_D));
	}
	/* A read translation cached without D: read-only until D is set. */
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		  translate_prot(self, 0, VA_A));
	EXPECT_READ(self->dev, 0, 0, VA_A + 64, SMALL(0) + 64, 64);
	EXPECT_EQ(0, pte_get(pt_entry(&pt, VA_A, 1, false)) & PTE_D);
	/* The write sets D on the leaf only. */
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 8, SMALL(0) + 8, 8, 0x44);
	path_entries(&pt, VA_A, 1, e);
	EXPECT_EQ(PTE_A | PTE_D, e[1] & (PTE_A | PTE_D));
	for (l = 4; l >= 2; l--)
		EXPECT_EQ(PTE_A, e[l] & (PTE_A | PTE_D));
	EXPECT_EQ(RWX, translate_prot(self, 0, VA_A));
	/* Nothing else in the entries changed. */
	EXPECT_EQ((GPA + SMALL(0)) | PTE_DEF | PTE_A | PTE_D, e[1]);

	/* A 2 MiB leaf: write first; A and D on the level-2 entry. */
	EXPECT_WRITE(self->dev, 0, 0, VA_2M + 0x1000, BIG_OFF + 0x1000, 8, 0x45);
	path_entries(&pt, VA_2M, 2, e);
	EXPECT_EQ(PTE_A | PTE_D, e[2] & (PTE_A | PTE_D));
	EXPECT_EQ(PTE_A, e[3] & (PTE_A | PTE_D));
	EXPECT_EQ(PTE_A, e[4] & (PTE_A | PTE_D));
	/* Writing through a TRANSLATE sets D too. */
	pt_map(&pt, VA_B, GPA + SMALL(2), PAGE, PTE_DEF);
	EXPECT_EQ(RWX, translate_prot(self, IOASID_DMA_WRITE, VA_B));
	EXPECT_EQ(PTE_A | PTE_D, pte_get(pt_entry(&pt, VA_B, 1, false)) &
				 (PTE_A | PTE_D));
}

TEST_F(um, ad_without_update_leaves_tables_alone)
{
	uint8_t *before = malloc(SMALL_OFF);

	ASSERT_NE(NULL, before);
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	pt_map(&self->pt, VA_2M, GPA + BIG_OFF, SZ_2M, PTE_DEF);
	memcpy(before, self->g.mem, SMALL_OFF);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 8, SMALL(0) + 8, 8, 0x46);
	EXPECT_WRITE(self->dev, 0, 0, VA_2M + 8, BIG_OFF + 8, 8, 0x47);
	EXPECT_READ(self->dev, IOASID_DMA_EXEC, 0, VA_2M, BIG_OFF, 64);
	EXPECT_EQ(0, memcmp(before, self->g.mem, SMALL_OFF));
	free(before);
}

TEST_F(um, ad_update_needs_writable_tables)
{
	struct gpt pt;
	uint64_t l1, *leaf;
	uint32_t u;

	u = new_user(_metadata, self, self->root, IOASID_X86_64_AD_UPDATE, 4, 0,
		     &pt, 0, 0);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, IOASID_ATTACH_REPLACE, 0));
	leaf = pt_map(&pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	l1 = pt_table_of(&pt, VA_A, 1) - GPA;
	ASSERT_EQ(0, unmap_guest(self, l1, PAGE));
	ASSERT_EQ(0, map_guest(self, l1, PAGE, IOASID_MAP_READ));

	/* The leaf's A cannot be set. */
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_AD_UPDATE, u, 1);
	EXPECT_EQ(0, pte_get(leaf) & PTE_A);
	/* Upper levels got theirs (their tables are writable). */
	EXPECT_EQ(PTE_A, pte_get(pt_entry(&pt, VA_A, 2, false)) & PTE_A);
	/* With A already set a read needs no update; a write needs D. */
	pte_set(leaf, pte_get(leaf) | PTE_A);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	EXPECT_FAULT(self->dev, IOASID_DMA_WRITE, 0, VA_A + 8,
		     IOASID_FAULT_AD_UPDATE, u, 1);
	EXPECT_EQ(pat(SMALL(0) + 8), self->g.mem[SMALL(0) + 8]);
	/* D set by the guest: the write goes. */
	pte_set(leaf, pte_get(leaf) | PTE_D);
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 8, SMALL(0) + 8, 8, 0x48);
}

/* Dirty tracking of the root sees data pages and A/D-updated table pages. */
static void dirty_check(struct __test_metadata *_metadata, FIXTURE_DATA(um) *self,
			const uint64_t *offs, unsigned int n)
{
	uint64_t bitmap[GMEM / PAGE / 64], expect[GMEM / PAGE / 64];
	unsigned int i;

	memset(expect, 0, sizeof(expect));
	for (i = 0; i < n; i++)
		expect[offs[i] / PAGE / 64] |= 1ULL << (offs[i] / PAGE % 64);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, GPA, GMEM, PAGE,
					 bitmap, 0));
	for (i = 0; i < GMEM / PAGE / 64; i++) {
		if (bitmap[i] != expect[i])
			TH_LOG("pages %u..: dirty %#llx, expected %#llx", i * 64,
			       (unsigned long long)bitmap[i],
			       (unsigned long long)expect[i]);
		EXPECT_EQ(expect[i], bitmap[i]);
	}
}

/*
 * Dirty tracking of the kernel-managed root sees the data written through a
 * user-managed node, and the table pages whose A/D bits the walker set.
 * (Regression: a walk records the table pages it read before the level's
 * data, and dirty marking stopped at the first table link, so no data page
 * was ever reported.)
 */
TEST_F(um, dirty_tracking_through_user_node)
{
	struct gpt pt;
	uint64_t offs[8];
	uint32_t u;
	unsigned int l;

	u = new_user(_metadata, self, self->root, IOASID_X86_64_AD_UPDATE, 4, 0,
		     &pt, 0, 0);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, IOASID_ATTACH_REPLACE, 0));
	pt_map(&pt, VA_A, GPA + SMALL(5), PAGE, PTE_DEF);
	pt_map(&self->pt, VA_A, GPA + SMALL(6), PAGE, PTE_DEF);
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	dirty_check(_metadata, self, offs, 0);

	/* AD_UPDATE: the data page and the four table pages of the path. */
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 100, SMALL(5) + 100, 8, 0x50);
	offs[0] = SMALL(5);
	for (l = 1; l <= 4; l++)
		offs[l] = pt_table_of(&pt, VA_A, l) - GPA;
	dirty_check(_metadata, self, offs, 5);
	/* Again: D is set, nothing to update; the data page only. */
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 200, SMALL(5) + 200, 8, 0x51);
	dirty_check(_metadata, self, offs, 1);
	/* A read sets nothing new: nothing dirty. */
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(5), 64);
	dirty_check(_metadata, self, offs, 0);

	/* TRANSLATE for writing marks every page it hands out. */
	pt_map(&pt, VA_2M, GPA + BIG_OFF, SZ_2M, PTE_DEF | PTE_A | PTE_D);
	do {
		uint64_t bitmap[GMEM / PAGE / 64], off, missing = 0;
		struct ioasid_translate t;

		ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE,
					      0, VA_2M + 0x3000, &t));
		EXPECT_EQ((uintptr_t)self->g.mem + BIG_OFF + 0x3000, t.out_uaddr);
		ASSERT_LE(PAGE, t.out_length);
		ASSERT_GE(SZ_2M - 0x3000, t.out_length);
		ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, GPA, GMEM,
						 PAGE, bitmap, 0));
		for (off = BIG_OFF + 0x3000; off < BIG_OFF + 0x3000 + t.out_length;
		     off += PAGE)
			if (!(bitmap[off / PAGE / 64] & (1ULL << (off / PAGE % 64))))
				missing++;
		EXPECT_EQ(0, missing);
	} while (0);

	/* Without AD_UPDATE: the data page only. */
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->user,
				   IOASID_ATTACH_REPLACE, 0));
	EXPECT_WRITE(self->dev, 0, 0, VA_A + 300, SMALL(6) + 300, 8, 0x52);
	offs[0] = SMALL(6);
	dirty_check(_metadata, self, offs, 1);
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 0));
}

/* 9. Malformed tables --------------------------------------------------------- */

TEST_F(um, malformed_tables)
{
	uint64_t *e, va;
	struct gpt pt;
	uint32_t u;

	/* A reserved address bit (above phys_bits 48) in the leaf and above. */
	e = pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);
	pte_set(e, pte_get(e) | (1ULL << 50));
	ASSERT_EQ(0, inv_node(self->h, self->user));
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_RESERVED, self->user, 1);
	pte_set(e, pte_get(e) & ~(1ULL << 50));
	e = pt_entry(&self->pt, VA_A, 3, false);
	pte_set(e, pte_get(e) | (1ULL << 48));
	EXPECT_FAULT(self->dev, 0, 0, VA_A, IOASID_FAULT_RESERVED, self->user, 3);
	pte_set(e, pte_get(e) & ~(1ULL << 48));
	/* Bits 62:52 and 11:8 are ignored, at every level. */
	for (va = 4; va >= 1; va--) {
		e = pt_entry(&self->pt, VA_A, va, false);
		pte_set(e, pte_get(e) | 0x7ff0000000000f00ULL);
	}
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(0), 64);

	/* A 2 MiB leaf: misaligned; PAT (bit 12) allowed. */
	e = pt_map(&self->pt, VA_2M, GPA + BIG_OFF + 0x2000, SZ_2M, PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, VA_2M, IOASID_FAULT_RESERVED, self->user, 2);
	pte_set(e, (GPA + BIG_OFF + SZ_2M + 0x1000) | PTE_DEF | PTE_PS);
	EXPECT_READ(self->dev, 0, 0, VA_2M + 0x3000, BIG_OFF + SZ_2M + 0x3000, 64);
	/* PS at level 4. */
	va = 0x0000500000000000ULL;
	pte_set(pt_at(&self->pt, self->pt.top) + pt_index(va, 4),
		GPA | PTE_DEF | PTE_PS);
	EXPECT_FAULT(self->dev, 0, 0, va, IOASID_FAULT_RESERVED, self->user, 4);

	/* Non-canonical inputs; a canonical high one works. */
	EXPECT_FAULT(self->dev, 0, 0, 0x0000800000000000ULL,
		     IOASID_FAULT_NON_CANONICAL, self->user, 4);
	EXPECT_FAULT(self->dev, 0, 0, 0xfff0000000000000ULL,
		     IOASID_FAULT_NON_CANONICAL, self->user, 4);
	pt_map(&self->pt, 0xffff800000001000ULL, GPA + SMALL(9), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, 0xffff800000001000ULL + 8, SMALL(9) + 8, 64);

	/* A table outside what the parent maps: the walk's TABLE fault. */
	va = VA_B;
	pt_map(&self->pt, va, GPA + SMALL(1), PAGE, PTE_DEF);
	e = pt_entry(&self->pt, va, 2, false);
	pte_set(e, 0x7000000000ULL | PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, va, IOASID_FAULT_TABLE, self->user, 1);

	/* 1 GiB leaves on a node declared with 4K and 2M only: reserved. */
	u = new_user(_metadata, self, self->root, 0, 5, PAGE | SZ_2M, &pt, 0, 0);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, IOASID_ATTACH_REPLACE, 0));
	pt_map(&pt, VA5_1G, GPA, SZ_1G, PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, VA5_1G, IOASID_FAULT_RESERVED, u, 3);
	pt_map(&pt, VA5_2M, GPA + BIG_OFF, SZ_2M, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA5_2M + 64, BIG_OFF + 64, 64);
	EXPECT_FAULT(self->dev, 0, 0, 0x0100000000000000ULL,
		     IOASID_FAULT_NON_CANONICAL, u, 5);
	/* Reserved above a narrow phys_bits. */
	ASSERT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
	ASSERT_EQ(0, ioasid_node_destroy(self->h, u));
	ASSERT_EQ(0, um_alloc(self->h, self->root, 0, 4, 32, 0, &u));
	pt_init(&pt, &self->g, 0, 4);
	ASSERT_EQ(0, um_bind(self->h, u, pt.top, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u, 0, 0));
	pt_map(&pt, VA_A, GPA + SMALL(3), PAGE, PTE_DEF);
	EXPECT_READ(self->dev, 0, 0, VA_A, SMALL(3), 64);
	pt_map(&pt, VA_B, (1ULL << 32) | (GPA + SMALL(3)), PAGE, PTE_DEF);
	EXPECT_FAULT(self->dev, 0, 0, VA_B, IOASID_FAULT_RESERVED, u, 1);
	EXPECT_ERRNO(EINVAL, um_bind(self->h, u, 1ULL << 32, 0));
}

TEST_F(um, pointer_loop_terminates)
{
	uint64_t top = self->pt.top, va, l3;
	uint64_t *self_entry = pt_at(&self->pt, top) + 300;
	uint8_t b[PAGE];
	uint64_t done;
	int rc;

	/* Entry 300 of the top table points at the top table itself. */
	pte_set(self_entry, top | PTE_DEF);
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	/* Every index 300: the top table read as the data page. */
	va = (300ULL << 39) | (300ULL << 30) | (300ULL << 21) | (300ULL << 12);
	va |= 0xffff000000000000ULL;	/* 300 >= 256: the high half */
	rc = ioasid_dma(self->h, self->dev, 0, 0, va, b, PAGE, &done);
	EXPECT_EQ(0, rc);
	if (!rc)
		EXPECT_EQ(0, memcmp(b, pt_at(&self->pt, top), PAGE));
	/* Index 300 then VA_A's lower indices: VA_A's own L3 table as data. */
	va = 0xffff000000000000ULL | (300ULL << 39) | (VA_A & ((1ULL << 39) - 1));
	va &= ~((1ULL << 12) - 1);
	rc = ioasid_dma(self->h, self->dev, 0, 0, va, b, 64, &done);
	EXPECT_TRUE(rc == 0 || rc == -EIO);

	/* The loop one level down: L3 entry pointing at its own table. */
	l3 = pt_table_of(&self->pt, VA_A, 3);
	pte_set(pt_at(&self->pt, l3) + 7, l3 | PTE_DEF);
	va = ((uint64_t)pt_index(VA_A, 4) << 39) | (7ULL << 30) | (7ULL << 21) |
	     (7ULL << 12);
	rc = ioasid_dma(self->h, self->dev, 0, 0, va, b, 64, &done);
	EXPECT_EQ(0, rc);
	if (!rc)
		EXPECT_EQ(0, memcmp(b, pt_at(&self->pt, l3), 64));
}

/* 10. INVALIDATE racing DMA ---------------------------------------------------- */

struct race {
	FIXTURE_DATA(um) *self;
	uint64_t va;
	int stop;
	int inflight;
	uint64_t seen_p, seen_q, bad, errors;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Which fill a buffer has: 'P' (0xaa), 'Q' (0x55), or '?'. */
static int fill_of(const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if (b[i] != b[0])
			return '?';
	return b[0] == 0xaa ? 'P' : b[0] == 0x55 ? 'Q' : '?';
}

static void *race_dma(void *arg)
{
	struct race *r = arg;
	uint8_t buf[256];
	uint64_t done;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&r->inflight, 1, __ATOMIC_SEQ_CST);
		rc = ioasid_dma(r->self->h, r->self->dev, 0, 0, r->va, buf,
				sizeof(buf), &done);
		__atomic_sub_fetch(&r->inflight, 1, __ATOMIC_SEQ_CST);
		if (rc) {
			__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		switch (fill_of(buf, sizeof(buf))) {
		case 'P':
			__atomic_add_fetch(&r->seen_p, 1, __ATOMIC_RELAXED);
			break;
		case 'Q':
			__atomic_add_fetch(&r->seen_q, 1, __ATOMIC_RELAXED);
			break;
		default:
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

TEST_F(um, invalidate_races_dma)
{
	struct race r = { .self = self, .va = VA_A + 0x80 };
	unsigned int nthreads = 2, i, iter, overlaps = 0, stale = 0, failed = 0;
	double t0, limit = 2.0, elapsed;
	pthread_t th[2];
	uint64_t *leaf;
	uint8_t buf[256];
	uint64_t done;

	memset(self->g.mem + SMALL(60), 0xaa, PAGE);
	memset(self->g.mem + SMALL(61), 0x55, PAGE);
	leaf = pt_map(&self->pt, VA_A, GPA + SMALL(60), PAGE, PTE_DEF);
	for (i = 0; i < nthreads; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_dma, &r));

	t0 = now_s();
	for (iter = 0;; iter++) {
		int want = iter % 2 ? 'Q' : 'P', rc, busy;

		elapsed = now_s() - t0;
		if ((elapsed >= limit && iter >= 40) || elapsed >= 30)
			break;
		pte_set(leaf, (GPA + (iter % 2 ? SMALL(61) : SMALL(60))) | PTE_DEF);
		busy = __atomic_load_n(&r.inflight, __ATOMIC_SEQ_CST);
		switch (iter % 3) {
		case 0:
			rc = inv_range(self->h, self->user, VA_A, PAGE);
			break;
		case 1:
			rc = inv_node(self->h, self->user);
			break;
		default:
			rc = inv_no_pasid(self->h, self->user);
		}
		busy += __atomic_load_n(&r.inflight, __ATOMIC_SEQ_CST);
		if (busy)
			overlaps++;
		if (rc) {
			failed++;
			continue;
		}
		/* After INVALIDATE returned: the new page, always. */
		rc = ioasid_dma(self->h, self->dev, 0, 0, r.va, buf, sizeof(buf),
				&done);
		if (rc || fill_of(buf, sizeof(buf)) != want)
			stale++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);

	TH_LOG("%u invalidations in %.1f s, %u with DMA in flight; DMA threads saw old %llu, new %llu",
	       iter, elapsed, overlaps, (unsigned long long)r.seen_p,
	       (unsigned long long)r.seen_q);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, stale);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, r.errors);
	/* The race really happened. */
	EXPECT_LT(0, overlaps);
	EXPECT_LT(0, r.seen_p);
	EXPECT_LT(0, r.seen_q);
}

/* 11. INVALIDATE's errors ------------------------------------------------------- */

TEST_F(um, invalidate_errors)
{
	struct ioasid_inv_entry e[3], good = { .node_id = self->user };
	struct ioasid_invalidate inv, *ro;
	struct ioasid_info info;
	struct ioasid_inv_entry *many;
	uint32_t done;
	struct {
		struct ioasid_inv_entry e;
		uint64_t tail;
	} big[2];

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	pt_map(&self->pt, VA_A, GPA + SMALL(0), PAGE, PTE_DEF);
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	pt_map(&self->pt, VA_A, GPA + SMALL(1), PAGE, PTE_DEF);
	ASSERT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));

	/* EFAULT for an unwritable out_done, before anything runs. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, sizeof(*ro));
	ro->size = sizeof(*ro);
	ro->count = 1;
	ro->entry_size = sizeof(good);
	ro->entries = (uintptr_t)&good;
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, ro));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	munmap(ro, PAGE);

	/* Three entries, the second bad: out_done 1, the first applied. */
	memset(e, 0, sizeof(e));
	e[0].node_id = self->user;
	e[1].node_id = self->root;
	e[2].node_id = self->user;
	EXPECT_ERRNO(EINVAL, um_inv_n(self->h, e, 3, &done));
	EXPECT_EQ(1, done);
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	e[1].node_id = 999;
	EXPECT_ERRNO(ENOENT, um_inv_n(self->h, e, 3, &done));
	EXPECT_EQ(1, done);
	e[1].node_id = self->user;
	EXPECT_EQ(0, um_inv_n(self->h, e, 3, &done));
	EXPECT_EQ(3, done);
	EXPECT_EQ(0, um_inv_n(self->h, e, 0, &done));
	EXPECT_EQ(0, done);

	/* The struct's own rules. */
	memset(&inv, 0, sizeof(inv));
	inv.size = sizeof(inv);
	inv.count = 1;
	inv.entries = (uintptr_t)&good;
	inv.entry_size = sizeof(good) - 8;
	EXPECT_ERRNO(EINVAL, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	inv.entry_size = 4097;
	EXPECT_ERRNO(E2BIG, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	inv.entry_size = sizeof(good);
	inv.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	inv.flags = 0;
	inv.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	inv.__reserved = 0;
	inv.count = info.out_max_batch + 1;
	EXPECT_ERRNO(E2BIG, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	/* max_batch entries are fine. */
	many = calloc(info.out_max_batch, sizeof(*many));
	ASSERT_NE(NULL, many);
	for (done = 0; done < info.out_max_batch; done++)
		many[done].node_id = self->user;
	EXPECT_EQ(0, um_inv_n(self->h, many, info.out_max_batch, &done));
	EXPECT_EQ(info.out_max_batch, done);
	free(many);
	inv.count = 1;
	inv.entries = 8;
	EXPECT_ERRNO(EFAULT, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	EXPECT_EQ(0, inv.out_done);

	/* Longer entries: zero tail fine, non-zero tail E2BIG (out_done says which). */
	memset(big, 0, sizeof(big));
	big[0].e.node_id = self->user;
	big[1].e.node_id = self->user;
	inv.entries = (uintptr_t)big;
	inv.entry_size = sizeof(big[0]);
	inv.count = 2;
	EXPECT_EQ(0, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	EXPECT_EQ(2, inv.out_done);
	big[1].tail = 1;
	EXPECT_ERRNO(E2BIG, ioctl(ioasid_fd(self->h), IOASID_INVALIDATE, &inv));
	EXPECT_EQ(1, inv.out_done);

	/* Entry checks. */
#define INV1(err, ...) do {							\
		struct ioasid_inv_entry __e = { .node_id = self->user, __VA_ARGS__ }; \
		if (err)							\
			EXPECT_ERRNO(err, um_inv_n(self->h, &__e, 1, &done));	\
		else								\
			EXPECT_EQ(0, um_inv_n(self->h, &__e, 1, &done));	\
		EXPECT_EQ(err ? 0 : 1, done);					\
	} while (0)
	INV1(EOPNOTSUPP, .scope = 1u << 2);
	INV1(EOPNOTSUPP, .flags = 1u << 3);
	/* PASID_TABLE: only on a PASID-table kind's node. */
	INV1(EINVAL, .flags = IOASID_INV_PASID_TABLE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_PASID, .pasid = 1,
	     .flags = IOASID_INV_PASID_TABLE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_PASID, .flags = IOASID_INV_NO_PASID);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_PASID, .pasid = 1u << 20);
	INV1(0, .scope = IOASID_INV_SCOPE_PASID, .pasid = (1u << 20) - 1);
	INV1(EINVAL, .pasid = 3);
	INV1(EINVAL, .addr = PAGE);
	INV1(EINVAL, .size = PAGE);
	INV1(EINVAL, .granule = PAGE);
	INV1(0, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE, .size = PAGE,
	     .granule = PAGE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE + 512,
	     .size = PAGE, .granule = PAGE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE,
	     .size = PAGE + 512, .granule = PAGE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE, .size = 0,
	     .granule = PAGE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE, .size = PAGE,
	     .granule = 2048);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = 0, .size = 3 * PAGE,
	     .granule = 3 * PAGE);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE, .size = PAGE,
	     .granule = 0);
	INV1(EINVAL, .scope = IOASID_INV_SCOPE_ADDR, .addr = PAGE, .size = SZ_2M,
	     .granule = SZ_2M);
	INV1(EOVERFLOW, .scope = IOASID_INV_SCOPE_ADDR,
	     .addr = 0xfffffffffffff000ULL, .size = 2 * PAGE, .granule = PAGE);
	INV1(0, .scope = IOASID_INV_SCOPE_ADDR, .addr = 0xfffffffffffff000ULL,
	     .size = PAGE, .granule = PAGE);
	INV1(0, .scope = IOASID_INV_SCOPE_ADDR | IOASID_INV_SCOPE_PASID,
	     .pasid = 7, .addr = 0, .size = 1ULL << 63, .granule = 1ULL << 63);
	INV1(0, .scope = IOASID_INV_SCOPE_ADDR, .flags = IOASID_INV_LEAF,
	     .addr = PAGE, .size = PAGE, .granule = PAGE);
	/* Nodes: kernel-managed, missing, unbound user-managed (fine). */
	do {
		struct ioasid_inv_entry k = { .node_id = self->root };
		uint32_t u;

		EXPECT_ERRNO(EINVAL, um_inv_n(self->h, &k, 1, &done));
		k.node_id = 0;
		EXPECT_ERRNO(ENOENT, um_inv_n(self->h, &k, 1, &done));
		k.node_id = 12345;
		EXPECT_ERRNO(ENOENT, um_inv_n(self->h, &k, 1, &done));
		ASSERT_EQ(0, um_alloc(self->h, self->root, 0, 4, 48, 0, &u));
		k.node_id = u;
		EXPECT_EQ(0, um_inv_n(self->h, &k, 1, &done));
		EXPECT_EQ(1, done);
	} while (0);
#undef INV1
}

/*
 * root -> user -> user, the outer node mapping each page with 4 KiB
 * leaves: moving one of the inner node's table pages in the outer node and
 * invalidating the outer node's range of that page reaches the inner
 * node's cached translations (they read the table there).
 */
TEST_F(um, mixed_user_user_table_moves)
{
	uint64_t ia = 0x100000000ULL, off, l1_ia, copy;
	uint64_t *outer_l1;
	struct gpt pt2;
	uint32_t u2;

	for (off = 0; off < MID_OFF; off += PAGE)
		pt_map(&self->pt, ia + off, GPA + off, PAGE, PTE_DEF);
	u2 = new_user(_metadata, self, self->user, 0, 4, 0, &pt2, ia - GPA, 0);
	pt_map(&pt2, VA_A, ia + SMALL(0), PAGE, PTE_DEF);
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, u2, IOASID_ATTACH_REPLACE, 0));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));

	/* A copy of the inner L1 table, with VA_A -> small page 1. */
	l1_ia = pt_table_of(&pt2, VA_A, 1);
	copy = guest_alloc_table(&self->g);
	memcpy(guest_ptr(&self->g, copy), pt_at(&pt2, l1_ia), PAGE);
	guest_ptr(&self->g, copy)[pt_index(VA_A, 1)] = (ia + SMALL(1)) | PTE_DEF;
	/* The outer node now maps the table's address to the copy. */
	outer_l1 = pt_entry(&self->pt, l1_ia, 1, false);
	pte_set(outer_l1, copy | PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	/* Elsewhere in the outer node: nothing. */
	ASSERT_EQ(0, inv_range(self->h, self->user, ia + SMALL(5), PAGE));
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));
	/* The table page's range: the inner translation goes. */
	ASSERT_EQ(0, inv_range(self->h, self->user, l1_ia, PAGE));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(0), SMALL(1)));

	/* Same for the data page: move small page 1's address to page 2. */
	pte_set(pt_entry(&self->pt, ia + SMALL(1), 1, false),
		(GPA + SMALL(2)) | PTE_DEF);
	EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(1), SMALL(2)));
	ASSERT_EQ(0, inv_range(self->h, self->user, ia + SMALL(1), PAGE));
	EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(1), SMALL(2)));

	/* BIND of the outer node (to a 1 GiB identity leaf) reaches it too. */
	do {
		struct gpt pt3;

		pt_init(&pt3, &self->g, 0, 4);
		pt_map(&pt3, ia, GPA, SZ_1G, PTE_DEF);
		EXPECT_EQ('A', seen(self, self->dev, 0, 0, VA_A, SMALL(2), SMALL(0)));
		ASSERT_EQ(0, um_bind(self->h, self->user, pt3.top, 0));
		/* The original L1 table again: VA_A -> small page 0. */
		EXPECT_EQ('B', seen(self, self->dev, 0, 0, VA_A, SMALL(2), SMALL(0)));
	} while (0);
	/* The inner node's own invalidation was needed for none of it. */
}
TEST_HARNESS_MAIN
