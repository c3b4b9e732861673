// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-managed IOASIDs: trees, MAP/UNMAP of pinned memory, accounting,
 * COPY, batches, IOVA ranges. Pins are checked for real: the kernel's
 * nr_foll_pin_acquired/released and the module's pinned_bytes total.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define BUF_PAGES	64

/* Drop CAP_IPC_LOCK (this test runs in its own child) and set RLIMIT_MEMLOCK. */
static int limit_memlock(unsigned long long bytes)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective &= ~(1u << CAP_IPC_LOCK);
	data[0].permitted &= ~(1u << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

static void *map_buffer(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(kmanaged) {
	struct ioasid_handle *handle;
	uint32_t root;
	uint8_t *buf;
	long long pins_before;
	long long pinned_bytes_before;
};

FIXTURE_SETUP(kmanaged)
{
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	self->pins_before = ioasid_pins_outstanding();
	self->pinned_bytes_before = ioasid_sysfs_stat("pinned_bytes");
	ASSERT_LE(0, self->pinned_bytes_before);
	ASSERT_EQ(0, ioasid_open(&self->handle, NULL, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0,
				       IOASID_MODE_KERNEL_MANAGED, &self->root));
	self->buf = map_buffer(BUF_PAGES * PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->buf);
}

/* Closing the context returns every pin and every byte of the module's count. */
FIXTURE_TEARDOWN(kmanaged)
{
	if (self->handle)
		ioasid_close(self->handle);
	EXPECT_EQ(self->pins_before, ioasid_pins_outstanding());
	EXPECT_EQ(self->pinned_bytes_before, ioasid_sysfs_stat("pinned_bytes"));
}

static uint64_t ubuf(struct _test_data_kmanaged *self, unsigned int page)
{
	return (uintptr_t)self->buf + page * PAGE;
}

static struct ioasid_node_info node_info(struct ioasid_handle *h, uint32_t id)
{
	struct ioasid_node_info info;

	if (ioasid_node_info(h, id, &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

/* Nodes ------------------------------------------------------------------ */

TEST_F(kmanaged, alloc_info_destroy)
{
	struct ioasid_node_info info = node_info(self->handle, self->root);
	uint32_t child;

	EXPECT_NE(0, self->root);
	EXPECT_EQ(IOASID_MODE_KERNEL_MANAGED, info.out_mode);
	EXPECT_EQ(0, info.out_parent_id);
	EXPECT_EQ(1, info.out_depth);
	EXPECT_EQ(0, info.out_num_children);
	EXPECT_EQ(0, info.out_num_mappings);

	ASSERT_EQ(0, ioasid_node_alloc(self->handle, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	info = node_info(self->handle, child);
	EXPECT_EQ(self->root, info.out_parent_id);
	EXPECT_EQ(2, info.out_depth);
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_children);

	/* A parent goes after its children. */
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->handle, self->root));
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, child));
	EXPECT_LIBERR(ENOENT, ioasid_node_destroy(self->handle, child));
	EXPECT_EQ(0, node_info(self->handle, self->root).out_num_children);
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, self->root));
	EXPECT_LIBERR(ENOENT, ioasid_node_info(self->handle, self->root,
					       &info));
	EXPECT_LIBERR(ENOENT, ioasid_node_destroy(self->handle, 0));
}

TEST_F(kmanaged, alloc_errors)
{
	struct ioasid_alloc cmd = { .size = sizeof(cmd),
				    .mode = IOASID_MODE_KERNEL_MANAGED };
	int fd = ioasid_fd(self->handle);
	uint32_t id;

	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);

	/* A mode this kernel does not know: EOPNOTSUPP, the probe for one. */
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_node_alloc(self->handle, 0, 0, &id));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_node_alloc(self->handle, 0, 99, &id));
	EXPECT_LIBERR(ENOENT, ioasid_node_alloc(self->handle, self->root + 1000,
						IOASID_MODE_KERNEL_MANAGED, &id));
	cmd.flags = 1u << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_ALLOC, &cmd));
	/* A known flag that is the user-managed nodes' only. */
	cmd.flags = IOASID_ALLOC_CACHING_MODE;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.flags = IOASID_ALLOC_PRI_AUTO_INVALID;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.flags = 0;
	/* A fault queue id that names nothing, or a node. */
	cmd.fault_queue_id = self->root + 1000;
	EXPECT_ERRNO(ENOENT, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.fault_queue_id = self->root;
	EXPECT_ERRNO(ENOENT, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.fault_queue_id = 0;
	cmd.__reserved2 = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.__reserved2 = 0;
	/* A kernel-managed node takes no format descriptor. */
	cmd.format = (uintptr_t)&fmt;
	cmd.format_len = sizeof(fmt);
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.format_len = 0;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.format = 0;
	cmd.format_len = sizeof(fmt);
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_ALLOC, &cmd));
	cmd.format_len = 0;
	/* A user-managed node is never a root, and needs its descriptor. */
	EXPECT_LIBERR(EINVAL, ioasid_node_alloc_user(self->handle, 0, &fmt,
						     sizeof(fmt), &id));
	EXPECT_LIBERR(EINVAL, ioasid_node_alloc(self->handle, self->root,
						IOASID_MODE_USER_MANAGED, &id));
	EXPECT_EQ(0, cmd.out_id);
	EXPECT_EQ(0, node_info(self->handle, self->root).out_num_children);
}

TEST_F(kmanaged, depth_limit)
{
	struct ioasid_info info;
	uint32_t ids[16], id;
	unsigned int depth;

	ASSERT_EQ(0, ioasid_get_info(self->handle, &info));
	ASSERT_GE(16, info.out_max_depth);
	ids[1] = self->root;
	for (depth = 2; depth <= info.out_max_depth; depth++) {
		ASSERT_EQ(0, ioasid_node_alloc(self->handle, ids[depth - 1],
					       IOASID_MODE_KERNEL_MANAGED,
					       &ids[depth]));
		EXPECT_EQ(depth, node_info(self->handle, ids[depth]).out_depth);
	}
	EXPECT_LIBERR(EMLINK, ioasid_node_alloc(self->handle,
						ids[info.out_max_depth],
						IOASID_MODE_KERNEL_MANAGED, &id));
	/* Tear down leaf first; each parent is busy until its child is gone. */
	for (depth = info.out_max_depth; depth >= 2; depth--) {
		EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->handle, ids[depth - 1]));
		EXPECT_EQ(0, ioasid_node_destroy(self->handle, ids[depth]));
	}
}

/* MAP / UNMAP ------------------------------------------------------------ */

TEST_F(kmanaged, map_unmap)
{
	uint64_t iova = 0x100000, unmapped = 0;
	struct ioasid_node_info info;
	long long pins = ioasid_pins_outstanding();

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				4 * PAGE, &iova, RW | FIXED));
	EXPECT_EQ(0x100000, iova);
	info = node_info(self->handle, self->root);
	EXPECT_EQ(1, info.out_num_mappings);
	EXPECT_EQ(4 * PAGE, info.out_mapped_bytes);
	EXPECT_EQ(4 * PAGE, info.out_pinned_bytes);
	EXPECT_EQ(pins + 4, ioasid_pins_outstanding());
	EXPECT_EQ(self->pinned_bytes_before + 4 * PAGE,
		  ioasid_sysfs_stat("pinned_bytes"));

	ASSERT_EQ(0, ioasid_unmap(self->handle, self->root, iova, 4 * PAGE,
				  &unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);
	info = node_info(self->handle, self->root);
	EXPECT_EQ(0, info.out_num_mappings);
	EXPECT_EQ(0, info.out_pinned_bytes);
	EXPECT_EQ(pins, ioasid_pins_outstanding());
	EXPECT_EQ(self->pinned_bytes_before, ioasid_sysfs_stat("pinned_bytes"));
}

TEST_F(kmanaged, kernel_chosen_iova)
{
	uint64_t iova_a = 0, iova_b = 0;
	uint8_t *huge;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				2 * PAGE, &iova_a, RW));
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 2),
				2 * PAGE, &iova_b, RW));
	EXPECT_NE(0, iova_a);
	EXPECT_NE(0, iova_b);
	EXPECT_TRUE(iova_a + 2 * PAGE <= iova_b || iova_b + 2 * PAGE <= iova_a);
	/* Aligned like the source address. */
	EXPECT_EQ(ubuf(self, 0) & (PAGE - 1), iova_a & (PAGE - 1));

	/* A 2 MiB aligned source gets a 2 MiB aligned IOVA. */
	huge = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, huge);
	huge = (uint8_t *)(((uintptr_t)huge + (2 << 20) - 1) & ~((2ULL << 20) - 1));
	memset(huge, 1, 2 << 20);
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, (uintptr_t)huge,
				2 << 20, &iova_a, IOASID_MAP_READ));
	EXPECT_EQ(0, iova_a & ((2 << 20) - 1));
	EXPECT_NE(0, iova_a);
}

struct map_err_case {
	const char *what;
	uint64_t addr_off, length, iova;
	uint32_t flags;
	int err;
};

TEST_F(kmanaged, map_errors)
{
	uint64_t top = UINT64_MAX - PAGE + 1;
	const struct map_err_case cases[] = {
		{ "zero length", 0, 0, 0, RW | FIXED, EINVAL },
		{ "misaligned length", 0, 100, 0, RW | FIXED, EINVAL },
		{ "misaligned addr", 8, PAGE, 0, RW | FIXED, EINVAL },
		{ "misaligned iova", 0, PAGE, 0x1008, RW | FIXED, EINVAL },
		{ "no permission", 0, PAGE, 0, FIXED, EINVAL },
		{ "unknown flag", 0, PAGE, 0, RW | FIXED | (1u << 20), EOPNOTSUPP },
		{ "iova wraps", 0, 2 * PAGE, top, RW | FIXED, EOVERFLOW },
	};
	struct ioasid_map cmd = { .size = sizeof(cmd), .id = self->root,
				  .addr = ubuf(self, 0), .length = PAGE,
				  .flags = RW };
	int fd = ioasid_fd(self->handle);
	long long pins = ioasid_pins_outstanding();
	uint64_t iova;
	unsigned int i;
	void *ro;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		iova = cases[i].iova;
		EXPECT_LIBERR(cases[i].err,
			      ioasid_map(self->handle, self->root,
					 ubuf(self, 0) + cases[i].addr_off,
					 cases[i].length, &iova, cases[i].flags))
			TH_LOG("case: %s", cases[i].what);
	}
	/* Source wraps past 2^64. */
	iova = 0;
	EXPECT_LIBERR(EOVERFLOW, ioasid_map(self->handle, self->root, top,
					    2 * PAGE, &iova, RW));
	/* No such node. */
	EXPECT_LIBERR(ENOENT, ioasid_map(self->handle, self->root + 77,
					 ubuf(self, 0), PAGE, &iova, RW));
	/* Not the caller's memory: unmapped, kernel, or read-only for WRITE. */
	ro = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	munmap(ro, PAGE);
	EXPECT_LIBERR(EFAULT, ioasid_map(self->handle, self->root,
					 (uintptr_t)ro, PAGE, &iova, RW));
	EXPECT_LIBERR(EFAULT, ioasid_map(self->handle, self->root,
					 0xffff888000000000ULL, PAGE, &iova, RW));
	ro = map_buffer(PAGE, PROT_READ);
	ASSERT_NE(NULL, ro);
	EXPECT_LIBERR(EFAULT, ioasid_map(self->handle, self->root,
					 (uintptr_t)ro, PAGE, &iova, RW));
	/* ... while reading it is fine. */
	EXPECT_EQ(0, ioasid_map(self->handle, self->root, (uintptr_t)ro, PAGE,
				&iova, IOASID_MAP_READ));
	EXPECT_EQ(0, ioasid_unmap_all(self->handle, self->root, NULL));

	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_MAP, &cmd));

	/* Nothing of all that left a trace. */
	EXPECT_EQ(0, node_info(self->handle, self->root).out_num_mappings);
	EXPECT_EQ(pins, ioasid_pins_outstanding());
}

/* Every overlap of a new fixed mapping with [A, A + 4 pages) is refused. */
TEST_F(kmanaged, overlap_table)
{
	const uint64_t A = 0x40000000;
	const struct { int64_t start, pages; int err; } cases[] = {
		{ 0, 4, EEXIST },		/* same */
		{ 1, 1, EEXIST },		/* inside */
		{ -1, 2, EEXIST },		/* over the start */
		{ 3, 2, EEXIST },		/* over the end */
		{ -1, 6, EEXIST },		/* covering */
		{ -2, 2, 0 },			/* just before */
		{ 4, 2, 0 },			/* just after */
	};
	uint64_t iova = A;
	unsigned int i;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				4 * PAGE, &iova, RW | FIXED));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		iova = A + cases[i].start * (int64_t)PAGE;
		EXPECT_EQ(-cases[i].err,
			  ioasid_map(self->handle, self->root, ubuf(self, 8),
				     cases[i].pages * PAGE, &iova, RW | FIXED))
			TH_LOG("case %u", i);
		if (!cases[i].err)
			EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, iova,
						  cases[i].pages * PAGE, NULL));
	}
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_mappings);
}

/* Mappings are removed whole, or not at all. */
TEST_F(kmanaged, partial_unmap_table)
{
	const uint64_t A = 0x40000000;
	const struct { int64_t start, pages; int err; uint64_t bytes; } cases[] = {
		{ 1, 1, ENOENT, 0 },		/* middle of the first */
		{ -1, 2, ENOENT, 0 },		/* over its start */
		{ 0, 2, ENOENT, 0 },		/* its first half */
		{ 2, 4, ENOENT, 0 },		/* end of one, start of the next */
		{ 100, 4, ENOENT, 0 },		/* nothing there */
		{ -1, 14, 0, 8 * PAGE },	/* both, and the holes around */
	};
	uint64_t iova, unmapped;
	unsigned int i;

	iova = A;
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				4 * PAGE, &iova, RW | FIXED));
	iova = A + 6 * PAGE;
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 4),
				4 * PAGE, &iova, RW | FIXED));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unmapped = 0;
		EXPECT_EQ(-cases[i].err,
			  ioasid_unmap(self->handle, self->root,
				       A + cases[i].start * (int64_t)PAGE,
				       cases[i].pages * PAGE, &unmapped))
			TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].bytes, unmapped);
		if (cases[i].err)
			EXPECT_EQ(2, node_info(self->handle, self->root).out_num_mappings);
	}
	EXPECT_EQ(0, node_info(self->handle, self->root).out_num_mappings);
}

TEST_F(kmanaged, unmap_errors_and_all)
{
	struct ioasid_unmap cmd = { .size = sizeof(cmd), .id = self->root,
				    .flags = IOASID_UNMAP_ALL, .iova = PAGE };
	int fd = ioasid_fd(self->handle);
	uint64_t iova = 0, unmapped = 1;
	unsigned int i;

	EXPECT_EQ(0, ioasid_unmap_all(self->handle, self->root, &unmapped));
	EXPECT_EQ(0, unmapped);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, i * 2),
					2 * PAGE, &iova, RW));
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_UNMAP, &cmd));
	cmd.flags = 2;
	cmd.iova = 0;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_UNMAP, &cmd));
	EXPECT_LIBERR(EINVAL, ioasid_unmap(self->handle, self->root, 0, 0, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_unmap(self->handle, self->root, 1, PAGE, NULL));
	EXPECT_LIBERR(EOVERFLOW, ioasid_unmap(self->handle, self->root,
					      UINT64_MAX - PAGE + 1, 2 * PAGE, NULL));
	EXPECT_LIBERR(ENOENT, ioasid_unmap_all(self->handle, self->root + 5, NULL));
	EXPECT_EQ(0, ioasid_unmap_all(self->handle, self->root, &unmapped));
	EXPECT_EQ(8 * PAGE, unmapped);
	EXPECT_EQ(0, node_info(self->handle, self->root).out_num_mappings);
}

/* An answer that cannot be written back fails before anything is unmapped. */
TEST_F(kmanaged, unmap_with_readonly_answer_changes_nothing)
{
	struct ioasid_unmap *cmd = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = ioasid_fd(self->handle);
	uint64_t iova = 0;

	ASSERT_NE(MAP_FAILED, cmd);
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0), PAGE,
				&iova, RW));
	*cmd = (struct ioasid_unmap){ .size = sizeof(*cmd), .id = self->root,
				      .flags = IOASID_UNMAP_ALL };
	ASSERT_EQ(0, mprotect(cmd, PAGE, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(fd, IOASID_UNMAP, cmd));
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_mappings);
	munmap(cmd, PAGE);
}

TEST_F(kmanaged, last_page_of_the_address_space)
{
	uint64_t iova = UINT64_MAX - 2 * PAGE + 1, unmapped;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				2 * PAGE, &iova, RW | FIXED));
	iova = UINT64_MAX - 2 * PAGE + 1;
	EXPECT_LIBERR(EOVERFLOW, ioasid_map(self->handle, self->root,
					    ubuf(self, 0), 3 * PAGE, &iova,
					    RW | FIXED));
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root,
				  UINT64_MAX - 2 * PAGE + 1, 2 * PAGE, &unmapped));
	EXPECT_EQ(2 * PAGE, unmapped);
}

/* IOVA ranges and reservations ------------------------------------------ */

TEST_F(kmanaged, iova_ranges)
{
	struct ioasid_iova_range r[4];
	uint32_t n = 0;
	uint64_t iova;

	EXPECT_LIBERR(EMSGSIZE, ioasid_iova_ranges(self->handle, self->root, r, &n));
	EXPECT_EQ(1, n);
	n = 4;
	ASSERT_EQ(0, ioasid_iova_ranges(self->handle, self->root, r, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, r[0].start);
	EXPECT_EQ(UINT64_MAX, r[0].last);

	/* Two overlapping reservations and one at the very top. */
	ASSERT_EQ(0, ioasid_reserve_iova(self->handle, self->root, 0x100000, 0x100000));
	ASSERT_EQ(0, ioasid_reserve_iova(self->handle, self->root, 0x180000, 0x100000));
	ASSERT_EQ(0, ioasid_reserve_iova(self->handle, self->root,
					 UINT64_MAX - PAGE + 1, PAGE));
	n = 1;
	EXPECT_LIBERR(EMSGSIZE, ioasid_iova_ranges(self->handle, self->root, r, &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, r[0].start);
	EXPECT_EQ(0xfffff, r[0].last);
	ASSERT_EQ(0, ioasid_iova_ranges(self->handle, self->root, r, &n));
	EXPECT_EQ(0x280000, r[1].start);
	EXPECT_EQ(UINT64_MAX - PAGE, r[1].last);

	/* MAP and COPY stay out; the kernel's choice avoids them. */
	iova = 0x101000;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->handle, self->root,
					     ubuf(self, 0), PAGE, &iova, RW | FIXED));
	iova = 0x0ff000;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->handle, self->root,
					     ubuf(self, 0), 2 * PAGE, &iova, RW | FIXED));
	EXPECT_EQ(0, ioasid_unreserve_iova(self->handle, self->root,
					   UINT64_MAX - PAGE + 1, PAGE));
	iova = 0;
	ASSERT_EQ(0, ioasid_reserve_iova(self->handle, self->root, PAGE,
					 0x40000000 - PAGE));
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				4 * PAGE, &iova, RW));
	EXPECT_LE(0x40000000, iova);

	/* A reservation may not cover a mapping; removal is exact. */
	EXPECT_LIBERR(EADDRINUSE, ioasid_reserve_iova(self->handle, self->root,
						      iova, PAGE));
	EXPECT_LIBERR(ENOENT, ioasid_unreserve_iova(self->handle, self->root,
						    0x100000, 0x80000));
	EXPECT_EQ(0, ioasid_unreserve_iova(self->handle, self->root, 0x100000, 0x100000));
	EXPECT_LIBERR(ENOENT, ioasid_unreserve_iova(self->handle, self->root,
						    0x100000, 0x100000));
	EXPECT_LIBERR(EINVAL, ioasid_reserve_iova(self->handle, self->root, 0, 0));
	EXPECT_LIBERR(EOVERFLOW, ioasid_reserve_iova(self->handle, self->root,
						     UINT64_MAX - PAGE + 1, 2 * PAGE));
}

/* Children --------------------------------------------------------------- */

TEST_F(kmanaged, child_maps_parent_iova)
{
	uint64_t root_iova = 0x10000000, child_iova = 0x2000, unmapped;
	struct ioasid_node_info info;
	long long pins;
	uint32_t child;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				8 * PAGE, &root_iova, RW | FIXED));
	pins = ioasid_pins_outstanding();
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	ASSERT_EQ(0, ioasid_map(self->handle, child, root_iova + 2 * PAGE,
				4 * PAGE, &child_iova, IOASID_MAP_READ | FIXED));
	/* The parent need not map a range yet for a child to map it. */
	child_iova = 0;
	ASSERT_EQ(0, ioasid_map(self->handle, child, 0x7000000000ULL, 16 * PAGE,
				&child_iova, RW));
	EXPECT_NE(0, child_iova);

	info = node_info(self->handle, child);
	EXPECT_EQ(2, info.out_num_mappings);
	EXPECT_EQ(20 * PAGE, info.out_mapped_bytes);
	EXPECT_EQ(0, info.out_pinned_bytes);
	EXPECT_EQ(pins, ioasid_pins_outstanding());	/* children pin nothing */

	/* Same rules as a root: alignment, overlap, partial unmap. */
	child_iova = 0x2000;
	EXPECT_LIBERR(EEXIST, ioasid_map(self->handle, child, root_iova, PAGE,
					 &child_iova, RW | FIXED));
	EXPECT_LIBERR(EINVAL, ioasid_map(self->handle, child, root_iova + 1, PAGE,
					 &child_iova, RW));
	EXPECT_LIBERR(ENOENT, ioasid_unmap(self->handle, child, 0x2000, PAGE, NULL));
	EXPECT_EQ(0, ioasid_unmap(self->handle, child, 0x2000, 4 * PAGE, &unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);

	/* A child with mappings still blocks its parent's destruction. */
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->handle, self->root));
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, child));
}

/* Accounting ------------------------------------------------------------- */

FIXTURE(kmanaged_acct) {
	struct ioasid_handle *handle;
	uint32_t root;
	uint8_t *buf;
	long long pins_before;
};

FIXTURE_VARIANT(kmanaged_acct) {
	enum ioasid_account_mode mode;
};

FIXTURE_VARIANT_ADD(kmanaged_acct, user) {
	.mode = IOASID_ACCOUNT_USER,
};

FIXTURE_VARIANT_ADD(kmanaged_acct, process) {
	.mode = IOASID_ACCOUNT_PROCESS,
};

FIXTURE_SETUP(kmanaged_acct)
{
	if (geteuid())
		SKIP(return, "needs root to drop CAP_IPC_LOCK and set limits");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	self->pins_before = ioasid_pins_outstanding();
	ASSERT_EQ(0, ioasid_open(&self->handle, NULL, 0));
	ASSERT_EQ(IOASID_ACCOUNT_USER, ioasid_get_account_mode(self->handle));
	ASSERT_EQ(0, ioasid_set_account_mode(self->handle, variant->mode));
	ASSERT_EQ(variant->mode, ioasid_get_account_mode(self->handle));
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0,
				       IOASID_MODE_KERNEL_MANAGED, &self->root));
	self->buf = map_buffer(BUF_PAGES * PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(kmanaged_acct)
{
	if (self->handle)
		ioasid_close(self->handle);
	EXPECT_EQ(self->pins_before, ioasid_pins_outstanding());
}

/* Exactly at the limit works; one page over fails and changes nothing. */
TEST_F(kmanaged_acct, memlock_limit_is_exact)
{
	uint64_t base = (uintptr_t)self->buf, iova = 0, iova2 = 0;
	long long pins;

	ASSERT_EQ(0, limit_memlock(16 * PAGE));
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, base, 12 * PAGE,
				&iova, RW));
	if (variant->mode == IOASID_ACCOUNT_PROCESS)
		EXPECT_EQ(12 * 4, ioasid_vmlck_kb());
	pins = ioasid_pins_outstanding();
	EXPECT_LIBERR(ENOMEM, ioasid_map(self->handle, self->root,
					 base + 12 * PAGE, 5 * PAGE, &iova2, RW));
	EXPECT_EQ(pins, ioasid_pins_outstanding());
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_mappings);
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, base + 12 * PAGE,
				4 * PAGE, &iova2, RW));
	iova2 = 0;
	EXPECT_LIBERR(ENOMEM, ioasid_map(self->handle, self->root,
					 base + 16 * PAGE, PAGE, &iova2, RW));

	/* Unmapping returns the charge: the whole limit is usable again. */
	ASSERT_EQ(0, ioasid_unmap_all(self->handle, self->root, NULL));
	if (variant->mode == IOASID_ACCOUNT_PROCESS)
		EXPECT_EQ(0, ioasid_vmlck_kb());
	EXPECT_EQ(0, ioasid_map(self->handle, self->root, base, 16 * PAGE,
				&iova, RW));
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, self->root));
	if (variant->mode == IOASID_ACCOUNT_PROCESS)
		EXPECT_EQ(0, ioasid_vmlck_kb());
}

TEST_F(kmanaged_acct, cap_ipc_lock_lifts_the_limit)
{
	struct rlimit rl = { 0, 0 };
	uint64_t iova = 0;

	/* Root keeps CAP_IPC_LOCK here: a zero limit does not stop it. */
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	EXPECT_EQ(0, ioasid_map(self->handle, self->root, (uintptr_t)self->buf,
				8 * PAGE, &iova, RW));
	if (variant->mode == IOASID_ACCOUNT_PROCESS)
		EXPECT_EQ(8 * 4, ioasid_vmlck_kb());	/* still counted */
	EXPECT_EQ(0, ioasid_unmap_all(self->handle, self->root, NULL));
}

TEST_F(kmanaged_acct, mode_is_fixed_while_pinned)
{
	uint64_t iova = 0;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, (uintptr_t)self->buf,
				PAGE, &iova, RW));
	EXPECT_LIBERR(EBUSY, ioasid_set_account_mode(self->handle,
						     IOASID_ACCOUNT_USER));
	EXPECT_LIBERR(EINVAL, ioasid_set_account_mode(self->handle, 7));
	ASSERT_EQ(0, ioasid_unmap_all(self->handle, self->root, NULL));
	EXPECT_EQ(0, ioasid_set_account_mode(self->handle, IOASID_ACCOUNT_USER));
}

/* COPY -------------------------------------------------------------------- */

TEST_F(kmanaged, copy_shares_pins)
{
	uint64_t src_iova = 0x10000000, dst_iova = 0, unmapped;
	long long pins, pinned;
	uint32_t dst, child;

	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				4 * PAGE, &src_iova, RW | FIXED));
	src_iova = 0x10000000 + 4 * PAGE;
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 4),
				4 * PAGE, &src_iova, IOASID_MAP_READ | FIXED));
	src_iova = 0x10000000;
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &dst));
	pins = ioasid_pins_outstanding();
	pinned = ioasid_sysfs_stat("pinned_bytes");

	/* Across both source mappings, read-only: one destination piece each. */
	ASSERT_EQ(0, ioasid_copy(self->handle, dst, self->root, src_iova + 2 * PAGE,
				 4 * PAGE, &dst_iova, IOASID_MAP_READ));
	EXPECT_NE(0, dst_iova);
	EXPECT_EQ(2, node_info(self->handle, dst).out_num_mappings);
	EXPECT_EQ(pins, ioasid_pins_outstanding());
	EXPECT_EQ(pinned, ioasid_sysfs_stat("pinned_bytes"));

	/*
	 * The pages outlive the source mappings while the copy uses them:
	 * both pinned regions it took pieces of stay pinned whole.
	 */
	ASSERT_EQ(0, ioasid_unmap_all(self->handle, self->root, &unmapped));
	EXPECT_EQ(8 * PAGE, unmapped);
	EXPECT_EQ(pins, ioasid_pins_outstanding());
	EXPECT_EQ(pinned, ioasid_sysfs_stat("pinned_bytes"));
	ASSERT_EQ(0, ioasid_unmap(self->handle, dst, dst_iova, 4 * PAGE, &unmapped));
	EXPECT_EQ(pins - 8, ioasid_pins_outstanding());

	/* Errors. */
	src_iova = 0x10000000;
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 0),
				2 * PAGE, &src_iova, IOASID_MAP_READ | FIXED));
	EXPECT_LIBERR(EPERM, ioasid_copy(self->handle, dst, self->root, src_iova,
					 2 * PAGE, &dst_iova, RW));
	EXPECT_LIBERR(ENOENT, ioasid_copy(self->handle, dst, self->root, src_iova,
					  3 * PAGE, &dst_iova, IOASID_MAP_READ));
	EXPECT_LIBERR(ENOENT, ioasid_copy(self->handle, dst, self->root, 0x90000000,
					  PAGE, &dst_iova, IOASID_MAP_READ));
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, dst, IOASID_MODE_KERNEL_MANAGED,
				       &child));
	EXPECT_LIBERR(EINVAL, ioasid_copy(self->handle, child, self->root, src_iova,
					  PAGE, &dst_iova, IOASID_MAP_READ));
	dst_iova = 0x5000;
	ASSERT_EQ(0, ioasid_copy(self->handle, dst, self->root, src_iova, PAGE,
				 &dst_iova, IOASID_MAP_READ | FIXED));
	EXPECT_LIBERR(EEXIST, ioasid_copy(self->handle, dst, self->root, src_iova,
					  PAGE, &dst_iova, IOASID_MAP_READ | FIXED));
	EXPECT_EQ(1, node_info(self->handle, dst).out_num_mappings);
}

/* COPY does not charge again: it works with the limit fully used. */
TEST_F(kmanaged_acct, copy_does_not_charge)
{
	uint64_t iova = 0, dst_iova = 0;
	uint32_t dst;

	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &dst));
	ASSERT_EQ(0, limit_memlock(8 * PAGE));
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, (uintptr_t)self->buf,
				8 * PAGE, &iova, RW));
	EXPECT_EQ(0, ioasid_copy(self->handle, dst, self->root, iova, 8 * PAGE,
				 &dst_iova, RW));
	if (variant->mode == IOASID_ACCOUNT_PROCESS)
		EXPECT_EQ(8 * 4, ioasid_vmlck_kb());
	EXPECT_LIBERR(ENOMEM, ioasid_map(self->handle, dst,
					 (uintptr_t)self->buf + 8 * PAGE, PAGE,
					 &iova, RW));
}

/* Batches ----------------------------------------------------------------- */

TEST_F(kmanaged, batch_stops_at_the_failing_entry)
{
	struct ioasid_map maps[8];
	struct ioasid_unmap unmaps[3];
	unsigned int i, done = 99;

	memset(maps, 0, sizeof(maps));
	for (i = 0; i < 8; i++) {
		maps[i].id = self->root;
		maps[i].flags = RW | FIXED;
		maps[i].addr = ubuf(self, i);
		maps[i].length = PAGE;
		maps[i].iova = 0x200000 + i * PAGE;
	}
	maps[4].iova = maps[1].iova;	/* overlaps entry 1 */
	EXPECT_LIBERR(EEXIST, ioasid_map_batch(self->handle, maps, 8, &done));
	EXPECT_EQ(4, done);
	EXPECT_EQ(4, node_info(self->handle, self->root).out_num_mappings);

	/* Kernel-chosen IOVAs are written back into each entry. */
	for (i = 0; i < 3; i++) {
		maps[i].flags = RW;
		maps[i].addr = ubuf(self, 16 + i);
		maps[i].iova = 0;
	}
	EXPECT_EQ(0, ioasid_map_batch(self->handle, maps, 3, &done));
	EXPECT_EQ(3, done);
	for (i = 0; i < 3; i++)
		EXPECT_NE(0, maps[i].iova);

	memset(unmaps, 0, sizeof(unmaps));
	for (i = 0; i < 3; i++) {
		unmaps[i].id = self->root;
		unmaps[i].iova = 0x200000 + i * PAGE;
		unmaps[i].length = PAGE;
	}
	unmaps[1].length = 2 * PAGE;	/* entries 1 and 2 of the first batch */
	unmaps[2].iova = 0x200000 + 7 * PAGE;	/* never mapped */
	EXPECT_LIBERR(ENOENT, ioasid_unmap_batch(self->handle, unmaps, 3, &done));
	EXPECT_EQ(2, done);
	EXPECT_EQ(PAGE, unmaps[0].out_unmapped);
	EXPECT_EQ(2 * PAGE, unmaps[1].out_unmapped);
	EXPECT_EQ(4, node_info(self->handle, self->root).out_num_mappings);
}

/*
 * Adjacent MAPs at adjacent fixed IOVAs go as one run inside the kernel:
 * each is still a mapping of its own (unmapped and unpinned alone), and a
 * failure inside a run stops the batch at exactly the entry that fails.
 */
TEST_F(kmanaged, batch_runs_keep_entries_apart)
{
	long long pinned = ioasid_sysfs_stat("pinned_bytes");
	struct ioasid_map maps[6];
	unsigned int i, done = 99;
	uint64_t iova = 0x300000 + 3 * PAGE;

	memset(maps, 0, sizeof(maps));
	for (i = 0; i < 6; i++)
		maps[i] = (struct ioasid_map){ .id = self->root, .flags = RW | FIXED,
					       .addr = ubuf(self, i), .length = PAGE,
					       .iova = 0x300000 + i * PAGE };
	/* Entry 3's IOVA is taken already: the run fails there. */
	ASSERT_EQ(0, ioasid_map(self->handle, self->root, ubuf(self, 20), PAGE,
				&iova, RW | FIXED));
	EXPECT_LIBERR(EEXIST, ioasid_map_batch(self->handle, maps, 6, &done));
	EXPECT_EQ(3, done);
	EXPECT_EQ(4, node_info(self->handle, self->root).out_num_mappings);
	EXPECT_EQ(pinned + 4 * PAGE, ioasid_sysfs_stat("pinned_bytes"));

	/* Now the whole run goes; then one entry leaves alone, pins and all. */
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, 0x300000, 4 * PAGE,
				  NULL));
	EXPECT_EQ(0, ioasid_map_batch(self->handle, maps, 6, &done));
	EXPECT_EQ(6, done);
	EXPECT_EQ(6, node_info(self->handle, self->root).out_num_mappings);
	EXPECT_EQ(pinned + 6 * PAGE, ioasid_sysfs_stat("pinned_bytes"));
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, 0x300000 + 2 * PAGE,
				  PAGE, NULL));
	EXPECT_EQ(5, node_info(self->handle, self->root).out_num_mappings);
	EXPECT_EQ(pinned + 5 * PAGE, ioasid_sysfs_stat("pinned_bytes"));
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, 0x300000, PAGE, NULL));
	EXPECT_EQ(pinned + 4 * PAGE, ioasid_sysfs_stat("pinned_bytes"));
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, 0x300000 + PAGE, PAGE,
				  NULL));
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, 0x300000 + 3 * PAGE,
				  3 * PAGE, NULL));
	EXPECT_EQ(pinned, ioasid_sysfs_stat("pinned_bytes"));
}

TEST_F(kmanaged, batch_errors)
{
	struct ioasid_map maps[2] = {};
	struct ioasid_batch cmd = { .size = sizeof(cmd), .op = IOASID_CMD_MAP,
				    .count = 1, .entry_size = sizeof(maps[0]),
				    .entries = (uintptr_t)maps };
	int fd = ioasid_fd(self->handle);
	struct ioasid_info info;

	ASSERT_EQ(0, ioasid_get_info(self->handle, &info));
	maps[0] = (struct ioasid_map){ .size = sizeof(maps[0]), .id = self->root,
				       .flags = RW, .addr = ubuf(self, 0),
				       .length = PAGE };
	cmd.op = IOASID_CMD_ALLOC;	/* an op BATCH does not know */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.op = IOASID_CMD_MAP;
	cmd.entry_size = sizeof(maps[0]) - 8;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.entry_size = getpagesize() + 8;	/* entries are at most a page */
	EXPECT_ERRNO(E2BIG, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.entry_size = sizeof(maps[0]);
	cmd.count = info.out_max_batch + 1;
	EXPECT_ERRNO(E2BIG, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.count = 1;
	maps[0].size = sizeof(maps[0]) + 8;	/* differs from entry_size */
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_BATCH, &cmd));
	EXPECT_EQ(0, cmd.out_done);
	maps[0].size = sizeof(maps[0]);
	cmd.entries = 8;
	EXPECT_ERRNO(EFAULT, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.entries = (uintptr_t)maps;
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_BATCH, &cmd));
	cmd.flags = 0;
	EXPECT_EQ(0, ioctl(fd, IOASID_BATCH, &cmd));
	EXPECT_EQ(1, cmd.out_done);
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_mappings);
}

/* Processes --------------------------------------------------------------- */

/* After fork the child maps through the shared context; exit does not unmap. */
TEST_F(kmanaged, fork_then_map_and_exit)
{
	uint64_t iova = 0x30000000;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint8_t *mine = map_buffer(4 * PAGE, PROT_READ | PROT_WRITE);

		_exit(!mine || ioasid_map(self->handle, self->root,
					  (uintptr_t)mine, 4 * PAGE, &iova,
					  RW | FIXED));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child is gone; its pages stay pinned for the context. */
	EXPECT_EQ(1, node_info(self->handle, self->root).out_num_mappings);
	EXPECT_EQ(0, ioasid_unmap(self->handle, self->root, iova, 4 * PAGE, NULL));
}

/* A context whose owner dies with everything mapped gives it all back. */
TEST_F(kmanaged, exit_and_kill_with_mappings)
{
	long long pins = ioasid_pins_outstanding();
	int status, round;
	pid_t pid;

	for (round = 0; round < 2; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct ioasid_handle *h;
			size_t len = 64 << 20;
			uint8_t *mem = map_buffer(len, PROT_READ | PROT_WRITE);
			uint64_t iova = 0;
			uint32_t root;

			if (!mem || ioasid_open(&h, NULL, 0) ||
			    ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root))
				_exit(1);
			ioasid_map(h, root, (uintptr_t)mem, PAGE, &iova, RW);
			/* Round 1 is killed while this large map runs. */
			ioasid_map(h, root, (uintptr_t)mem + PAGE, len - PAGE,
				   &iova, RW);
			_exit(0);
		}
		if (round == 1) {
			usleep(20000);
			kill(pid, SIGKILL);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(pins, ioasid_pins_outstanding()) TH_LOG("round %d", round);
	}
}

/* Scale ------------------------------------------------------------------- */

/*
 * A million live 4 KiB mappings in one node (a child: nothing to pin);
 * fewer under IOASID_TEST_SCALE, on the slow sanitizer kernel.
 */
TEST_F_TIMEOUT(kmanaged, one_million_mappings, 600)
{
	const unsigned int per_batch = 4096;
	const unsigned int total = (1 << 20) / ioasid_test_scale() / per_batch * per_batch;
	struct ioasid_map *maps = calloc(per_batch, sizeof(*maps));
	uint64_t unmapped = 0, iova;
	unsigned int i, j, done;
	uint32_t child;

	ASSERT_NE(NULL, maps);
	ASSERT_LE(per_batch, total);
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	for (i = 0; i < total; i += per_batch) {
		for (j = 0; j < per_batch; j++) {
			/* Every other page, so no two mappings touch. */
			maps[j] = (struct ioasid_map){
				.id = child, .flags = RW | FIXED,
				.addr = (uint64_t)(i + j) * PAGE,
				.length = PAGE,
				.iova = (uint64_t)(i + j) * 2 * PAGE };
		}
		ASSERT_EQ(0, ioasid_map_batch(self->handle, maps, per_batch, &done))
			TH_LOG("at %u", i);
	}
	EXPECT_EQ(total, node_info(self->handle, child).out_num_mappings);
	/* Lookups stay exact at that size: a middle page is taken... */
	iova = (uint64_t)(total / 2) * 2 * PAGE;
	EXPECT_LIBERR(EEXIST, ioasid_map(self->handle, child, 0, PAGE, &iova,
					 RW | FIXED));
	/* ... the page beside it is free, and a kernel-chosen IOVA is found. */
	iova += PAGE;
	EXPECT_EQ(0, ioasid_map(self->handle, child, 0, PAGE, &iova, RW | FIXED));
	iova = 0;
	EXPECT_EQ(0, ioasid_map(self->handle, child, 0, PAGE, &iova, RW));
	EXPECT_EQ(0, ioasid_unmap_all(self->handle, child, &unmapped));
	EXPECT_EQ((uint64_t)(total + 2) * PAGE, unmapped);
	free(maps);
}

TEST_HARNESS_MAIN
