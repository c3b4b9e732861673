// SPDX-License-Identifier: GPL-2.0
/*
 * Software endpoints: DMA and TRANSLATE through IOASID trees, the software
 * IOTLB and its invalidation, PASIDs, REPLACE, dirty tracking, and UNMAP or
 * DETACH racing with DMA from other threads.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define BUF_PAGES	64
#define R_IOVA		0x10000000ULL

FIXTURE(swdev) {
	struct ioasid_handle *h;
	uint32_t root, dev;
	uint8_t *buf;
};

FIXTURE_SETUP(swdev)
{
	uint64_t iova = R_IOVA;
	unsigned int i;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
	self->buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	for (i = 0; i < BUF_PAGES * PAGE; i++)
		self->buf[i] = i * 7 + i / PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->buf,
				BUF_PAGES * PAGE, &iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 8,
					  &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->root, 0, 0));
}

FIXTURE_TEARDOWN(swdev)
{
	ioasid_close(self->h);
}

static struct ioasid_device_info dev_info(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	if (ioasid_device_info(h, dev, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

TEST_F(swdev, create_attach_destroy_rules)
{
	struct ioasid_device_info info = dev_info(self->h, self->dev);
	uint32_t dev, child;

	EXPECT_EQ(IOASID_DEVICE_PASID, info.out_flags);
	EXPECT_EQ(8, info.out_pasid_bits);
	EXPECT_EQ(1, info.out_num_attachments);

	EXPECT_LIBERR(EINVAL, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 0, &dev));
	EXPECT_LIBERR(EINVAL, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 21, &dev));
	EXPECT_LIBERR(EINVAL, ioasid_device_create(self->h, 0, 4, &dev));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_device_create(self->h, 1u << 9, 0, &dev));

	/* Busy while attached, both ends. */
	EXPECT_LIBERR(EBUSY, ioasid_device_destroy(self->h, self->dev));
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, self->root));
	EXPECT_LIBERR(EBUSY, ioasid_attach(self->h, self->dev, self->root, 0, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	EXPECT_LIBERR(ENOENT, ioasid_attach(self->h, self->dev, child + 9, 0, 0));
	EXPECT_LIBERR(ENOENT, ioasid_attach(self->h, self->dev + 9, child, 0, 0));

	/* PASIDs only within the declared width, only with the flag. */
	EXPECT_LIBERR(EINVAL, ioasid_attach(self->h, self->dev, child,
					    IOASID_ATTACH_PASID, 256));
	EXPECT_LIBERR(EINVAL, ioasid_attach(self->h, self->dev, child, 0, 3));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev));
	EXPECT_LIBERR(EINVAL, ioasid_attach(self->h, dev, child,
					    IOASID_ATTACH_PASID, 1));
	EXPECT_LIBERR(ENOENT, ioasid_attach(self->h, dev, child,
					    IOASID_ATTACH_REPLACE, 0));
	EXPECT_LIBERR(ENOENT, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));

	EXPECT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
	EXPECT_LIBERR(ENOENT, ioasid_detach(self->h, self->dev, 0, 0));
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_num_attachments);
	EXPECT_EQ(0, ioasid_node_destroy(self->h, child));
	EXPECT_EQ(0, ioasid_device_destroy(self->h, self->dev));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, self->root));
}

TEST_F(swdev, dma_round_trip_across_pages)
{
	uint8_t local[3 * PAGE + 200];
	uint64_t done;
	unsigned int i;

	/* Read: unaligned start, three page boundaries. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 100, local,
				sizeof(local), &done));
	EXPECT_EQ(sizeof(local), done);
	EXPECT_EQ(0, memcmp(local, self->buf + 100, sizeof(local)));

	/* Write: the device fills memory. */
	for (i = 0; i < sizeof(local); i++)
		local[i] = 0xa5 ^ i;
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				R_IOVA + 5 * PAGE - 7, local, sizeof(local), &done));
	EXPECT_EQ(sizeof(local), done);
	EXPECT_EQ(0, memcmp(local, self->buf + 5 * PAGE - 7, sizeof(local)));
}

TEST_F(swdev, dma_stops_at_the_failing_byte)
{
	uint8_t local[4 * PAGE];
	uint64_t done, iova = R_IOVA + BUF_PAGES * PAGE;
	uint8_t *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0x3c, PAGE);
	/* A read-only mapping right after the buffer, then nothing. */
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro, PAGE, &iova,
				IOASID_MAP_READ | FIXED));

	/* Reading across both mappings works, then stops where nothing is. */
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, 0, 0, iova - PAGE - 16,
				      local, sizeof(local), &done));
	EXPECT_EQ(2 * PAGE + 16, done);
	EXPECT_EQ(0, memcmp(local + PAGE + 16, ro, PAGE));
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_faults);

	/* Writing into the read-only one faults at its first byte. */
	memset(local, 0xee, sizeof(local));
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      iova - 8, local, 16, &done));
	EXPECT_EQ(8, done);
	EXPECT_EQ(0x3c, ro[0]);
	EXPECT_EQ(2, dev_info(self->h, self->dev).out_faults);

	/* A bad buffer is the caller's fault, not the device's. */
	EXPECT_LIBERR(EFAULT, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA,
					 (void *)8, 16, &done));
	EXPECT_EQ(2, dev_info(self->h, self->dev).out_faults);
	EXPECT_LIBERR(EINVAL, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA,
					 local, 0, &done));
}

TEST_F(swdev, dma_through_a_child_intersects_permissions)
{
	uint64_t ro_iova = R_IOVA + BUF_PAGES * PAGE, child_iova = 0x5000, done;
	uint8_t local[2 * PAGE], *ro;
	uint32_t child;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	/* Child IOVA 0x5000.. -> root IOVA R + 2 pages, read-write. */
	ASSERT_EQ(0, ioasid_map(self->h, child, R_IOVA + 2 * PAGE, 4 * PAGE,
				&child_iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, child,
				   IOASID_ATTACH_REPLACE, 0));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, 0x5000 + 10, local,
				sizeof(local), &done));
	EXPECT_EQ(0, memcmp(local, self->buf + 2 * PAGE + 10, sizeof(local)));

	/* A child read-write over a read-only parent cannot be written. */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro, PAGE, &ro_iova,
				IOASID_MAP_READ | FIXED));
	child_iova = 0x100000;
	ASSERT_EQ(0, ioasid_map(self->h, child, ro_iova, PAGE, &child_iova,
				RW | FIXED));
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      0x100000, local, 8, &done));
	EXPECT_EQ(0, done);
	EXPECT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, 0x100000, local, 8, &done));
}

/*
 * EXEC and PRIV requests through kernel-managed levels: those grant READ
 * and WRITE as mapped to requests of either privilege, and EXEC wherever
 * they grant READ. EXEC is a kind of read: with WRITE it is EINVAL.
 */
TEST_F(swdev, exec_and_priv_requests_on_kernel_managed_levels)
{
	const uint32_t all = IOASID_ACCESS_READ | IOASID_ACCESS_WRITE |
			     IOASID_ACCESS_EXEC;
	uint64_t done, ro_iova = R_IOVA + BUF_PAGES * PAGE;
	struct ioasid_translate t;
	uint8_t local[100], *ro;

	_Static_assert((int)IOASID_ACCESS_READ == (int)IOASID_MAP_READ, "READ");
	_Static_assert((int)IOASID_ACCESS_WRITE == (int)IOASID_MAP_WRITE, "WRITE");

	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_EXEC, 0,
				R_IOVA + 3 * PAGE - 50, local, sizeof(local), &done));
	EXPECT_EQ(sizeof(local), done);
	EXPECT_EQ(0, memcmp(local, self->buf + 3 * PAGE - 50, sizeof(local)));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev,
				IOASID_DMA_EXEC | IOASID_DMA_PRIV, 0, R_IOVA + 7,
				local, sizeof(local), &done));
	EXPECT_EQ(0, memcmp(local, self->buf + 7, sizeof(local)));
	memset(local, 0x6b, sizeof(local));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev,
				IOASID_DMA_WRITE | IOASID_DMA_PRIV, 0,
				R_IOVA + PAGE, local, sizeof(local), &done));
	EXPECT_EQ(0, memcmp(local, self->buf + PAGE, sizeof(local)));
	EXPECT_LIBERR(EINVAL, ioasid_dma(self->h, self->dev,
					 IOASID_DMA_EXEC | IOASID_DMA_WRITE, 0,
					 R_IOVA, local, sizeof(local), &done));
	EXPECT_EQ(0, done);
	EXPECT_LIBERR(EINVAL, ioasid_translate(self->h, self->dev,
					       IOASID_DMA_EXEC | IOASID_DMA_WRITE,
					       0, R_IOVA, &t));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_dma(self->h, self->dev, 1u << 6, 0,
					     R_IOVA, local, 8, &done));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_translate(self->h, self->dev, 1u << 6,
						   0, R_IOVA, &t));
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_faults);

	/* Privileged or not, the same permissions, and PRIV never closes them. */
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_PRIV, 0,
				      R_IOVA + 9, &t));
	EXPECT_EQ(all, t.out_prot);
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_EXEC, 0,
				      R_IOVA + 9, &t));
	EXPECT_EQ(all, t.out_prot);

	/* READ only: EXEC too; a write-only mapping cannot be executed. */
	ro = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro, PAGE, &ro_iova,
				IOASID_MAP_READ | FIXED));
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_PRIV, 0,
				      ro_iova, &t));
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC, t.out_prot);
	ro_iova += PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro + PAGE, PAGE,
				&ro_iova, IOASID_MAP_WRITE | FIXED));
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_EXEC, 0,
				      ro_iova, local, 8, &done));
	EXPECT_EQ(0, done);
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_faults);
}

/* The latest fault of a device: address, node, reason, access, level. */
TEST_F(swdev, last_fault_is_reported)
{
	uint64_t done, hole = R_IOVA + BUF_PAGES * PAGE + 16 * PAGE;
	uint64_t ro_iova = R_IOVA + BUF_PAGES * PAGE;
	struct ioasid_device_info info = dev_info(self->h, self->dev);
	struct ioasid_translate t;
	uint8_t local[16], *ro;
	uint32_t dev;

	/* Before any fault, all 0. */
	EXPECT_EQ(0, info.out_faults);
	EXPECT_EQ(0, info.out_last_fault_addr);
	EXPECT_EQ(0, info.out_last_fault_node);
	EXPECT_EQ(0, info.out_last_fault_reason);
	EXPECT_EQ(0, info.out_last_fault_access);
	EXPECT_EQ(0, info.out_last_fault_level);

	/* Nothing mapped there (the DMA fails at its first byte). */
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev,
				      IOASID_DMA_EXEC | IOASID_DMA_PRIV, 0, hole + 5,
				      local, sizeof(local), &done));
	EXPECT_EQ(0, done);
	info = dev_info(self->h, self->dev);
	EXPECT_EQ(1, info.out_faults);
	EXPECT_EQ(hole + 5, info.out_last_fault_addr);
	EXPECT_EQ(self->root, info.out_last_fault_node);
	EXPECT_EQ(IOASID_FAULT_NOT_MAPPED, info.out_last_fault_reason);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC | IOASID_ACCESS_PRIV,
		  info.out_last_fault_access);
	EXPECT_EQ(0, info.out_last_fault_level);

	/* Not permitted: a write to a read-only mapping, by TRANSLATE. */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)ro, PAGE, &ro_iova,
				IOASID_MAP_READ | FIXED));
	EXPECT_LIBERR(EIO, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE, 0,
					    ro_iova + 100, &t));
	info = dev_info(self->h, self->dev);
	EXPECT_EQ(2, info.out_faults);
	EXPECT_EQ(ro_iova + 100, info.out_last_fault_addr);
	EXPECT_EQ(self->root, info.out_last_fault_node);
	EXPECT_EQ(IOASID_FAULT_PERMISSION, info.out_last_fault_reason);
	EXPECT_EQ(IOASID_ACCESS_WRITE, info.out_last_fault_access);
	EXPECT_EQ(0, info.out_last_fault_level);

	/* Not attached for that PASID: no node. */
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev,
				      IOASID_DMA_PASID | IOASID_DMA_WRITE, 3,
				      R_IOVA, local, sizeof(local), &done));
	info = dev_info(self->h, self->dev);
	EXPECT_EQ(3, info.out_faults);
	EXPECT_EQ(R_IOVA, info.out_last_fault_addr);
	EXPECT_EQ(0, info.out_last_fault_node);
	EXPECT_EQ(IOASID_FAULT_NOT_ATTACHED, info.out_last_fault_reason);
	EXPECT_EQ(IOASID_ACCESS_WRITE, info.out_last_fault_access);

	/* Per device: another device's record is its own. */
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev));
	info = dev_info(self->h, dev);
	EXPECT_EQ(0, info.out_last_fault_reason);
	EXPECT_EQ(0, info.out_last_fault_addr);
}

TEST_F(swdev, translate_and_generation)
{
	uint64_t gen, iova_b = 0x40000000;
	struct ioasid_translate t;
	uint32_t root_b;

	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, 0, 0,
				      R_IOVA + 5 * PAGE + 10, &t));
	EXPECT_EQ((uintptr_t)self->buf + 5 * PAGE + 10, t.out_uaddr);
	EXPECT_EQ((BUF_PAGES - 5) * PAGE - 10, t.out_length);
	/* Kernel-managed levels grant EXEC wherever they grant READ. */
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_WRITE | IOASID_ACCESS_EXEC,
		  t.out_prot);
	gen = t.out_generation;
	EXPECT_EQ(gen, dev_info(self->h, self->dev).out_generation);
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_iotlb_entries);

	/* A COPY of pages 7..9 into another root translates to the same bytes. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &root_b));
	ASSERT_EQ(0, ioasid_copy(self->h, root_b, self->root, R_IOVA + 7 * PAGE, 3 * PAGE,
				 &iova_b, IOASID_MAP_READ | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, root_b, IOASID_ATTACH_PASID, 1));
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_PASID, 1,
				      iova_b + PAGE + 3, &t));
	EXPECT_EQ((uintptr_t)self->buf + 8 * PAGE + 3, t.out_uaddr);
	EXPECT_EQ(2 * PAGE - 3, t.out_length);
	EXPECT_EQ(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC, t.out_prot);
	ASSERT_EQ(0, ioasid_detach(self->h, self->dev, IOASID_ATTACH_PASID, 1));
	ASSERT_EQ(0, ioasid_unmap_all(self->h, root_b, NULL));

	/* Unmapping what was handed out moves the generation before it returns. */
	ASSERT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
	EXPECT_LT(gen, dev_info(self->h, self->dev).out_generation);
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	EXPECT_LIBERR(EIO, ioasid_translate(self->h, self->dev, 0, 0,
					    R_IOVA + 5 * PAGE, &t));
}

TEST_F(swdev, iotlb_counts_and_invalidates_exactly)
{
	uint8_t local[64];
	struct ioasid_device_info info;
	uint64_t done, iova = 0x70000000, gen;
	uint8_t *other = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	ASSERT_NE(MAP_FAILED, other);
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)other, PAGE,
				&iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 64, &done));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + PAGE, local, 64, &done));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, iova, local, 64, &done));
	info = dev_info(self->h, self->dev);
	EXPECT_EQ(2, info.out_iotlb_misses);	/* one per mapping */
	EXPECT_EQ(1, info.out_iotlb_hits);
	EXPECT_EQ(2, info.out_iotlb_entries);
	gen = info.out_generation;

	/* Unmapping one mapping drops its entry only. */
	ASSERT_EQ(0, ioasid_unmap(self->h, self->root, iova, PAGE, NULL));
	info = dev_info(self->h, self->dev);
	EXPECT_EQ(1, info.out_iotlb_entries);
	EXPECT_EQ(gen + 1, info.out_generation);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 9, local, 64, &done));
	EXPECT_EQ(2, dev_info(self->h, self->dev).out_iotlb_hits);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, 0, 0, iova, local, 8, &done));

	/* Detach drops the rest. */
	ASSERT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 8, &done));
}

/* An UNMAP in a parent reaches the cached translations of a child's device. */
TEST_F(swdev, parent_unmap_invalidates_descendants)
{
	uint64_t child_iova = 0x8000, done;
	uint8_t local[PAGE];
	uint32_t child, grandchild;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, child,
				       IOASID_MODE_KERNEL_MANAGED, &grandchild));
	ASSERT_EQ(0, ioasid_map(self->h, child, R_IOVA, BUF_PAGES * PAGE,
				&child_iova, RW | FIXED));
	child_iova = 0x400000;
	ASSERT_EQ(0, ioasid_map(self->h, grandchild, 0x8000, BUF_PAGES * PAGE,
				&child_iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, grandchild,
				   IOASID_ATTACH_REPLACE, 0));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, 0x400000 + 3 * PAGE,
				local, PAGE, &done));
	EXPECT_EQ(0, memcmp(local, self->buf + 3 * PAGE, PAGE));
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_iotlb_entries);

	/* Gone at the root: the grandchild's device must not reach it. */
	ASSERT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, 0, 0, 0x400000 + 3 * PAGE,
				      local, PAGE, &done));
	EXPECT_EQ(0, done);
}

/*
 * Entries of several child mappings and of two devices all go through the
 * one root mapping: each invalidation drops exactly the entries it must.
 */
TEST_F(swdev, entries_sharing_one_parent_mapping)
{
	uint64_t child_iova, done, bitmap;
	uint32_t child, dev2;
	uint8_t local[8];
	unsigned int i;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	/* Child pages 0..3 (with holes) map root pages 0, 8, 16, 24. */
	for (i = 0; i < 4; i++) {
		child_iova = 0x100000 + 2 * i * PAGE;
		ASSERT_EQ(0, ioasid_map(self->h, child, R_IOVA + 8 * i * PAGE, PAGE,
					&child_iova, RW | FIXED));
	}
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev2));
	ASSERT_EQ(0, ioasid_attach(self->h, dev2, child, 0, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, ioasid_dma(self->h, dev2, 0, 0, 0x100000 + 2 * i * PAGE,
					local, sizeof(local), &done));
		EXPECT_EQ(0, memcmp(local, self->buf + 8 * i * PAGE, sizeof(local)));
	}
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 8, &done));
	EXPECT_EQ(4, dev_info(self->h, dev2).out_iotlb_entries);
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_iotlb_entries);

	/* A child UNMAP drops its own entry, not its siblings'. */
	ASSERT_EQ(0, ioasid_unmap(self->h, child, 0x100000 + 2 * PAGE, PAGE, NULL));
	EXPECT_EQ(3, dev_info(self->h, dev2).out_iotlb_entries);
	EXPECT_EQ(1, dev_info(self->h, self->dev).out_iotlb_entries);

	/*
	 * A clearing dirty read of root pages 16..23 drops the entries that
	 * reach them: the child's third and the root device's, which covers
	 * the whole root mapping.
	 */
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	for (i = 0; i < 4; i++)
		if (i != 1)
			ASSERT_EQ(0, ioasid_dma(self->h, dev2, 0, 0,
						0x100000 + 2 * i * PAGE, local, 8, &done));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 8, &done));
	EXPECT_EQ(3, dev_info(self->h, dev2).out_iotlb_entries);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA + 16 * PAGE,
					 8 * PAGE, PAGE, &bitmap, 0));
	EXPECT_EQ(2, dev_info(self->h, dev2).out_iotlb_entries);
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 0));

	/* The root's UNMAP drops every entry of both devices. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 8, &done));
	ASSERT_EQ(0, ioasid_unmap(self->h, self->root, R_IOVA, BUF_PAGES * PAGE, NULL));
	EXPECT_EQ(0, dev_info(self->h, dev2).out_iotlb_entries);
	EXPECT_EQ(0, dev_info(self->h, self->dev).out_iotlb_entries);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, dev2, 0, 0, 0x100000, local, 8, &done));
	ASSERT_EQ(0, ioasid_detach(self->h, dev2, 0, 0));
}

TEST_F(swdev, pasid_attachments_and_replace)
{
	uint64_t iova = R_IOVA, done, gen;
	uint8_t local[16], *mem_b;
	uint32_t root_b;

	mem_b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem_b);
	memset(mem_b, 0xbb, PAGE);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &root_b));
	ASSERT_EQ(0, ioasid_map(self->h, root_b, (uintptr_t)mem_b, PAGE, &iova,
				RW | FIXED));

	/* PASID 5 sees root B; DMA without PASID still sees the fixture's root. */
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, root_b, IOASID_ATTACH_PASID, 5));
	EXPECT_EQ(2, dev_info(self->h, self->dev).out_num_attachments);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_PASID, 5, R_IOVA,
				local, 16, &done));
	EXPECT_EQ(0xbb, local[0]);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 16, &done));
	EXPECT_EQ(self->buf[0], local[0]);
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_PASID, 6,
				      R_IOVA, local, 16, &done));
	EXPECT_LIBERR(EINVAL, ioasid_dma(self->h, self->dev, IOASID_DMA_PASID, 300,
					 R_IOVA, local, 16, &done));

	/* REPLACE swaps what no-PASID DMA sees, and drops the old entries. */
	gen = dev_info(self->h, self->dev).out_generation;
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, root_b,
				   IOASID_ATTACH_REPLACE, 0));
	EXPECT_LT(gen, dev_info(self->h, self->dev).out_generation);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, local, 16, &done));
	EXPECT_EQ(0xbb, local[0]);
	/* The fixture's root has no device any more: it can go. */
	ASSERT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, self->root));
}

/*
 * A TRANSLATE for writing that cannot write its answer back fails with
 * EFAULT and marks nothing dirty (it used to mark first, then fail).
 */
TEST_F(swdev, failed_translate_marks_nothing_dirty)
{
	struct ioasid_translate *t;
	uint64_t bitmap;

	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	t = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	*t = (struct ioasid_translate){ .size = sizeof(*t), .flags = IOASID_DMA_WRITE,
					.dev_id = self->dev, .iova = R_IOVA + 3 * PAGE };
	ASSERT_EQ(0, mprotect(t, PAGE, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(ioasid_fd(self->h), IOASID_TRANSLATE, t));
	EXPECT_EQ(0, t->out_length);
	bitmap = ~0ULL;
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 64 * PAGE, PAGE,
					 &bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(0, bitmap);

	/* The same call answered marks its page. */
	ASSERT_EQ(0, mprotect(t, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, ioctl(ioasid_fd(self->h), IOASID_TRANSLATE, t));
	EXPECT_EQ(PAGE, t->out_length);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 64 * PAGE, PAGE,
					 &bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(1ULL << 3, bitmap);
	munmap(t, PAGE);
}

TEST_F(swdev, dirty_tracking)
{
	uint64_t bitmap[2], done;
	uint8_t byte = 1;
	struct ioasid_translate t;
	uint32_t child;
	uint64_t child_iova = 0x2000000;

	EXPECT_LIBERR(EINVAL, ioasid_dirty_bitmap(self->h, self->root, R_IOVA,
						  8 * PAGE, PAGE, bitmap, 0));
	/* Switching tracking on drops translations handed out before. */
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      R_IOVA, &t));
	EXPECT_EQ(BUF_PAGES * PAGE, t.out_length);
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	EXPECT_LT(t.out_generation, dev_info(self->h, self->dev).out_generation);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				R_IOVA + 10, &byte, 1, &done));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				R_IOVA + 3 * PAGE + 5, &byte, 1, &done));
	/* Reads mark nothing. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 6 * PAGE,
				&byte, 1, &done));

	memset(bitmap, 0xff, sizeof(bitmap));
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(0x9, bitmap[0]);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 2 * PAGE, bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(0x3, bitmap[0]);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, 0));
	EXPECT_EQ(0x9, bitmap[0]);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, 0));
	EXPECT_EQ(0, bitmap[0]);

	/* Through a child: recorded at the root's IOVAs. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	ASSERT_EQ(0, ioasid_map(self->h, child, R_IOVA + 4 * PAGE, 2 * PAGE,
				&child_iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, child, IOASID_ATTACH_REPLACE, 0));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				child_iova + PAGE, &byte, 1, &done));
	/* A TRANSLATE for writing marks too, one page at a time. */
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      child_iova + 100, &t));
	EXPECT_EQ(PAGE - 100, t.out_length);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, 0));
	EXPECT_EQ(0x30, bitmap[0]);

	/* A clearing read makes kept TRANSLATE results for writing stale. */
	ASSERT_EQ(0, ioasid_translate(self->h, self->dev, IOASID_DMA_WRITE, 0,
				      child_iova, &t));
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(t.out_generation, dev_info(self->h, self->dev).out_generation);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 8 * PAGE,
					 PAGE, bitmap, 0));
	EXPECT_EQ(0x10, bitmap[0]);
	EXPECT_LT(t.out_generation, dev_info(self->h, self->dev).out_generation);

	EXPECT_LIBERR(EINVAL, ioasid_dirty_bitmap(self->h, self->root, R_IOVA,
						  8 * PAGE, 3000, bitmap, 0));
	EXPECT_LIBERR(EINVAL, ioasid_dirty_bitmap(self->h, self->root, R_IOVA + 1,
						  8 * PAGE, PAGE, bitmap, 0));
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 0));
	EXPECT_LIBERR(EINVAL, ioasid_dirty_bitmap(self->h, self->root, R_IOVA,
						  8 * PAGE, PAGE, bitmap, 0));
}

/* Concurrency ---------------------------------------------------------------- */

struct dma_loop {
	struct ioasid_handle *h;
	uint32_t dev;
	uint64_t iova;
	volatile int stop;
	int last_ret;
	unsigned long ok;
	int bad_done;
};

/* Write page after page until the device is refused. */
static void *dma_writer(void *arg)
{
	struct dma_loop *l = arg;
	uint8_t page[PAGE];
	uint64_t done;
	int ret;

	while (!l->stop) {
		memset(page, (int)(l->ok & 0xff) | 1, sizeof(page));
		ret = ioasid_dma(l->h, l->dev, IOASID_DMA_WRITE, 0, l->iova, page,
				 PAGE, &done);
		if (ret) {
			l->last_ret = ret;
			/* A single-page chunk is all or nothing. */
			if (done)
				l->bad_done = 1;
			break;
		}
		l->ok++;
	}
	return NULL;
}

/*
 * UNMAP races DMA: each transfer completes before the unmap returns or
 * fails after it, and nothing reaches the page once the unmap has returned.
 */
TEST_F(swdev, unmap_races_dma)
{
	uint8_t *canary = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct dma_loop l = { .h = self->h, .dev = self->dev, .iova = 0x60000000 };
	uint8_t snapshot[PAGE];
	uint64_t iova = l.iova;
	unsigned long transfers = 0;
	int round, refused = 0;
	pthread_t t;

	ASSERT_NE(MAP_FAILED, canary);
	for (round = 0; round < 20; round++) {
		memset(canary, 0, PAGE);
		iova = l.iova;
		ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)canary, PAGE,
					&iova, RW | FIXED));
		l.stop = 0;
		l.ok = 0;
		l.last_ret = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, dma_writer, &l));
		usleep(1000 + round * 300);
		ASSERT_EQ(0, ioasid_unmap(self->h, self->root, l.iova, PAGE, NULL));
		memcpy(snapshot, canary, PAGE);
		usleep(2000);
		l.stop = 1;
		pthread_join(t, NULL);
		EXPECT_EQ(0, memcmp(snapshot, canary, PAGE)) TH_LOG("round %d", round);
		EXPECT_EQ(0, l.bad_done);
		if (l.last_ret)
			EXPECT_EQ(-EIO, l.last_ret);
		transfers += l.ok;
		refused += l.last_ret == -EIO;
	}
	/* The race really happened: DMA ran before the unmaps, and was refused after. */
	EXPECT_LT(0, transfers);
	EXPECT_LT(0, refused);
	TH_LOG("%lu transfers, %d rounds ended by the unmap", transfers, refused);
}

TEST_F(swdev, detach_during_dma)
{
	struct dma_loop l = { .h = self->h, .dev = self->dev, .iova = R_IOVA };
	pthread_t t;
	int round;

	for (round = 0; round < 10; round++) {
		l.stop = 0;
		l.last_ret = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, dma_writer, &l));
		usleep(500 + round * 200);
		ASSERT_EQ(0, ioasid_detach(self->h, self->dev, 0, 0));
		pthread_join(t, NULL);
		EXPECT_EQ(-EIO, l.last_ret);
		EXPECT_EQ(0, l.bad_done);
		EXPECT_EQ(0, ioasid_attach(self->h, self->dev, self->root, 0, 0));
	}
}

/* A DMA whose buffer faults where nothing is resident yet: faulted in, done. */
TEST_F(swdev, dma_faults_its_buffer_in)
{
	uint8_t *fresh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t done;

	ASSERT_NE(MAP_FAILED, fresh);
	/* The device reads into pages never touched, across the boundary. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 100, fresh + PAGE - 50,
				100, &done));
	EXPECT_EQ(100, done);
	EXPECT_EQ(0, memcmp(fresh + PAGE - 50, self->buf + 100, 100));
	ASSERT_EQ(0, munmap(fresh, 2 * PAGE));

	/* And writes from pages never touched (zero-fill) into the IOVA. */
	fresh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0, R_IOVA + 5 * PAGE,
				fresh, 64, &done));
	EXPECT_EQ(64, done);
	EXPECT_EQ(0, self->buf[5 * PAGE]);
	EXPECT_EQ(0, self->buf[5 * PAGE + 63]);
	EXPECT_EQ((uint8_t)(64 * 7 + 5 + 5 * PAGE * 7), self->buf[5 * PAGE + 64]);
	munmap(fresh, PAGE);

	/*
	 * A buffer that ends in an inaccessible page: EFAULT where it starts,
	 * and nothing past that written at the IOVA.
	 */
	fresh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_EQ(0, mprotect(fresh + PAGE, PAGE, PROT_NONE));
	memset(fresh, 0xee, PAGE);
	EXPECT_LIBERR(EFAULT, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
					 R_IOVA + 9 * PAGE, fresh + PAGE - 16, 64, &done));
	EXPECT_EQ(16, done);
	EXPECT_EQ(0xee, self->buf[9 * PAGE + 15]);
	EXPECT_EQ((uint8_t)(16 * 7 + 9 + 9 * PAGE * 7), self->buf[9 * PAGE + 16]);
	EXPECT_EQ((uint8_t)(63 * 7 + 9 + 9 * PAGE * 7), self->buf[9 * PAGE + 63]);
	munmap(fresh, 2 * PAGE);
}

struct uffd_dma {
	struct ioasid_handle *h;
	uint32_t dev, root;
	void *buf;
	uint64_t done;
	int ret;
};

static void *uffd_dma_thread(void *arg)
{
	struct uffd_dma *d = arg;

	d->ret = ioasid_dma(d->h, d->dev, IOASID_DMA_WRITE, 0, R_IOVA, d->buf, 64, &d->done);
	return NULL;
}

static void *uffd_unmap_thread(void *arg)
{
	struct uffd_dma *d = arg;

	d->ret = ioasid_unmap_all(d->h, d->root, NULL);
	return NULL;
}

/*
 * A DMA stuck in a userfaultfd fault on its buffer holds up no UNMAP; once
 * the fault is served it finds the mapping gone and moves nothing.
 */
TEST_F(swdev, dma_stuck_in_userfaultfd_does_not_block_unmap)
{
	struct uffd_dma dma = { .h = self->h, .dev = self->dev };
	struct uffd_dma unmap = { .h = self->h, .root = self->root };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { .range = { .len = PAGE } };
	struct pollfd pfd = { .events = POLLIN };
	struct uffd_msg msg;
	struct timespec until;
	pthread_t td, tu;
	uint8_t canary[64];
	uint64_t done;
	int uffd, unmap_joined;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd in this kernel (errno %d)", errno);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	dma.buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dma.buf);
	reg.range.start = (uintptr_t)dma.buf;
	reg.range.len = PAGE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	memcpy(canary, self->buf, sizeof(canary));
	/* Cache the translation, so the UNMAP has an entry to drop. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA, canary, 8, &done));

	ASSERT_EQ(0, pthread_create(&td, NULL, uffd_dma_thread, &dma));
	pfd.fd = uffd;
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* The DMA waits for its page; an UNMAP of what it targets must not. */
	ASSERT_EQ(0, pthread_create(&tu, NULL, uffd_unmap_thread, &unmap));
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	unmap_joined = pthread_timedjoin_np(tu, NULL, &until);
	EXPECT_EQ(0, unmap_joined);
	EXPECT_EQ(0, unmap.ret);

	/* Serve the fault: the DMA goes on, finds nothing mapped, moves nothing. */
	zero.range.start = (uintptr_t)dma.buf;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	pthread_join(td, NULL);
	if (unmap_joined)
		pthread_join(tu, NULL);
	EXPECT_EQ(-EIO, dma.ret);
	EXPECT_EQ(0, dma.done);
	EXPECT_EQ(0, memcmp(canary, self->buf, sizeof(canary)));
	close(uffd);
	munmap(dma.buf, PAGE);
}

TEST_HARNESS_MAIN
