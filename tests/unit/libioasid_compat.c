// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side checks of libioasid's versioned symbols: a program linked
 * against an older libioasid binds the old version of a function whose
 * struct has grown since, and that version must never write past the
 * struct as that program knew it. Each old version is looked up with
 * dlvsym() in the shared library of this build and called with its struct
 * placed so that the old size ends exactly at a PROT_NONE page: one byte
 * more would kill the test. The handle wraps /dev/null, so the request
 * itself fails with ENOTTY; what is checked is what the library writes
 * before and after the ioctl.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ioasid_test.h"

/* The structs as first shipped in 0.1.0 (and the growth since). */
#define NODE_INFO_SIZE_0_1	56
#define DEVICE_INFO_SIZE_0_1	64
#define DEVICE_INFO_SIZE_0_3	88
#define INFO_SIZE_0_1		40
#define FORMAT_INFO_SIZE_0_3	64
_Static_assert(offsetofend(struct ioasid_node_info, out_pinned_bytes) ==
	       NODE_INFO_SIZE_0_1, "node_info 0.1 size");
_Static_assert(offsetofend(struct ioasid_device_info, out_faults) ==
	       DEVICE_INFO_SIZE_0_1, "device_info 0.1 size");
_Static_assert(offsetofend(struct ioasid_device_info, out_last_fault_level) ==
	       DEVICE_INFO_SIZE_0_3, "device_info 0.3 size");
_Static_assert(offsetofend(struct ioasid_format_info, __reserved2) ==
	       FORMAT_INFO_SIZE_0_3, "format_info 0.3 size");
_Static_assert(sizeof(struct ioasid_format_info) == 72, "format_info size");
_Static_assert(offsetof(struct ioasid_format_info, out_granule_bitmap) == 64,
	       "layout");
_Static_assert(sizeof(struct ioasid_node_info) == 80, "node_info size");
_Static_assert(sizeof(struct ioasid_device_info) == 136, "device_info size");
_Static_assert(offsetof(struct ioasid_device_info, out_kind) == 88, "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_state) == 92, "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_caps) == 96, "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_pci_id) == 104, "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_pgsize_bitmap) == 112,
	       "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_aperture_start) == 120,
	       "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_aperture_last) == 128,
	       "layout");
_Static_assert(sizeof(struct ioasid_vfio_adopt) == 24, "vfio_adopt size");
_Static_assert(offsetof(struct ioasid_vfio_adopt, ioasid_fd) == 8, "layout");
_Static_assert(offsetof(struct ioasid_vfio_adopt, num_devices) == 12, "layout");
_Static_assert(offsetof(struct ioasid_vfio_adopt, devices) == 16, "layout");
_Static_assert(sizeof(struct ioasid_vfio_device) == 8, "vfio_device size");
_Static_assert(IOASID_VFIO_ADOPT == 0xA680, "ioctl number");
_Static_assert(offsetof(struct ioasid_node_info, out_format) == 56, "layout");
_Static_assert(offsetof(struct ioasid_node_info, out_root) == 64, "layout");
_Static_assert(offsetof(struct ioasid_node_info, out_bind_flags) == 72, "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_last_fault_addr) == 64,
	       "layout");
_Static_assert(offsetof(struct ioasid_device_info, out_last_fault_level) == 84,
	       "layout");

typedef int (*open_fn)(struct ioasid_handle **, const char *, unsigned int);
typedef int (*close_fn)(struct ioasid_handle *);
typedef int (*info_fn)(struct ioasid_handle *, void *);
typedef int (*id_info_fn)(struct ioasid_handle *, uint32_t, void *);
typedef int (*fmt_info_fn)(struct ioasid_handle *, uint32_t, void *);
typedef int (*bind_halves_fn)(struct ioasid_handle *, uint32_t, uint64_t,
			      uint64_t, uint32_t);
typedef int (*bind_entry_fn)(struct ioasid_handle *, uint32_t, uint32_t,
			     const uint64_t *);
typedef int (*adopt_fn)(struct ioasid_handle *, int, void *, uint32_t *);

/* libioasid.so of this build: build/lib, next to build/tests/unit. */
static void *open_shared(char *why, size_t len)
{
	const char *env = getenv("LIBIOASID_SO");
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	void *dl;

	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0) {
			snprintf(why, len, "readlink /proc/self/exe failed");
			return NULL;
		}
		exe[n] = 0;
		snprintf(path, sizeof(path), "%s/../../lib/libioasid.so.0",
			 dirname(exe));
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		snprintf(why, len, "%s", dlerror());
	return dl;
}

FIXTURE(compat)
{
	void *dl;
	struct ioasid_handle *h;
	close_fn close_handle;
	uint8_t *page;		/* RW, followed by a PROT_NONE page */
	long pagesz;
};

FIXTURE_SETUP(compat)
{
	char why[512];
	open_fn open_handle;

	self->pagesz = sysconf(_SC_PAGESIZE);
	self->dl = open_shared(why, sizeof(why));
	if (!self->dl)
		SKIP(return, "no shared libioasid of this build: %s", why);
	open_handle = (open_fn)dlvsym(self->dl, "ioasid_open", "LIBIOASID_0.1");
	self->close_handle = (close_fn)dlvsym(self->dl, "ioasid_close",
					      "LIBIOASID_0.1");
	ASSERT_NE(NULL, open_handle);
	ASSERT_NE(NULL, self->close_handle);
	ASSERT_EQ(0, open_handle(&self->h, "/dev/null", 0));
	self->page = mmap(NULL, 2 * self->pagesz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	ASSERT_EQ(0, mprotect(self->page + self->pagesz, self->pagesz, PROT_NONE));
}

FIXTURE_TEARDOWN(compat)
{
	if (self->h)
		self->close_handle(self->h);
	if (self->page && self->page != MAP_FAILED)
		munmap(self->page, 2 * self->pagesz);
	if (self->dl)
		dlclose(self->dl);
}

/* A struct of @size bytes that ends at the guard page, filled with 0xa5. */
static uint8_t *at_guard(struct __test_metadata *_metadata,
			 FIXTURE_DATA(compat) *self, size_t size)
{
	uint8_t *p = self->page + self->pagesz - size;

	memset(self->page, 0xa5, self->pagesz);
	return p;
}

/* Nothing before @p written, @p zeroed except its size (and id) members. */
static void check_written(struct __test_metadata *_metadata,
			  FIXTURE_DATA(compat) *self, const uint8_t *p,
			  size_t size, size_t id_off, uint32_t id)
{
	uint32_t v;
	size_t i;

	for (i = 0; self->page + i < p; i++)
		if (self->page[i] != 0xa5) {
			EXPECT_EQ(0xa5, self->page[i]);
			return;
		}
	memcpy(&v, p, 4);
	EXPECT_EQ(size, v);
	if (id_off) {
		memcpy(&v, p + id_off, 4);
		EXPECT_EQ(id, v);
	}
	for (i = 4; i < size; i++) {
		if (id_off && i >= id_off && i < id_off + 4)
			continue;
		if (p[i]) {
			EXPECT_EQ(0, p[i]);
			return;
		}
	}
}

TEST_F(compat, node_info_0_1_stays_within_56_bytes)
{
	id_info_fn fn = (id_info_fn)dlvsym(self->dl, "ioasid_node_info",
					   "LIBIOASID_0.1");
	uint8_t *p = at_guard(_metadata, self, NODE_INFO_SIZE_0_1);

	ASSERT_NE(NULL, fn);
	EXPECT_LIBERR(ENOTTY, fn(self->h, 7, p));
	check_written(_metadata, self, p, NODE_INFO_SIZE_0_1,
		      offsetof(struct ioasid_node_info, id), 7);
}

TEST_F(compat, device_info_0_1_stays_within_64_bytes)
{
	id_info_fn fn = (id_info_fn)dlvsym(self->dl, "ioasid_device_info",
					   "LIBIOASID_0.1");
	uint8_t *p = at_guard(_metadata, self, DEVICE_INFO_SIZE_0_1);

	ASSERT_NE(NULL, fn);
	EXPECT_LIBERR(ENOTTY, fn(self->h, 9, p));
	check_written(_metadata, self, p, DEVICE_INFO_SIZE_0_1,
		      offsetof(struct ioasid_device_info, dev_id), 9);
}

TEST_F(compat, device_info_0_3_stays_within_88_bytes)
{
	id_info_fn fn = (id_info_fn)dlvsym(self->dl, "ioasid_device_info",
					   "LIBIOASID_0.3");
	uint8_t *p = at_guard(_metadata, self, DEVICE_INFO_SIZE_0_3);

	ASSERT_NE(NULL, fn);
	EXPECT_LIBERR(ENOTTY, fn(self->h, 9, p));
	check_written(_metadata, self, p, DEVICE_INFO_SIZE_0_3,
		      offsetof(struct ioasid_device_info, dev_id), 9);
}

TEST_F(compat, get_info_0_1_stays_within_40_bytes)
{
	info_fn fn = (info_fn)dlvsym(self->dl, "ioasid_get_info",
				     "LIBIOASID_0.1");
	uint8_t *p = at_guard(_metadata, self, INFO_SIZE_0_1);

	ASSERT_NE(NULL, fn);
	EXPECT_LIBERR(ENOTTY, fn(self->h, p));
	check_written(_metadata, self, p, INFO_SIZE_0_1, 0, 0);
}

/*
 * ioasid_format_info() as 0.3 to 0.5 shipped it: 64 bytes, out_granule_bitmap
 * (0.6) not among them. The format goes in, at offset 8.
 */
TEST_F(compat, format_info_0_3_stays_within_64_bytes)
{
	fmt_info_fn fn = (fmt_info_fn)dlvsym(self->dl, "ioasid_format_info",
					     "LIBIOASID_0.3");
	uint8_t *p = at_guard(_metadata, self, FORMAT_INFO_SIZE_0_3);

	ASSERT_NE(NULL, fn);
	EXPECT_LIBERR(ENOTTY, fn(self->h, IOASID_FORMAT_ARM64, p));
	check_written(_metadata, self, p, FORMAT_INFO_SIZE_0_3,
		      offsetof(struct ioasid_format_info, format),
		      IOASID_FORMAT_ARM64);
	/* Its argument checks are those of the current version. */
	EXPECT_LIBERR(EINVAL, fn(NULL, IOASID_FORMAT_X86_64, p));
	EXPECT_LIBERR(EINVAL, fn(self->h, IOASID_FORMAT_X86_64, NULL));
}

/* 0.6's ioasid_format_info() asks for all 72 bytes, the granules too. */
TEST_F(compat, format_info_0_6_uses_72_bytes)
{
	fmt_info_fn fn = (fmt_info_fn)dlvsym(self->dl, "ioasid_format_info",
					     "LIBIOASID_0.6");
	uint8_t *p = at_guard(_metadata, self, sizeof(struct ioasid_format_info));

	ASSERT_NE(NULL, fn);
	EXPECT_NE((void *)fn, dlvsym(self->dl, "ioasid_format_info", "LIBIOASID_0.3"));
	EXPECT_EQ((void *)fn, dlsym(self->dl, "ioasid_format_info"));
	EXPECT_LIBERR(ENOTTY, fn(self->h, IOASID_FORMAT_RISCV, p));
	check_written(_metadata, self, p, sizeof(struct ioasid_format_info),
		      offsetof(struct ioasid_format_info, format),
		      IOASID_FORMAT_RISCV);
}

/* Every function added in 0.6 is exported with that version, and no other. */
TEST_F(compat, new_functions_are_in_0_6)
{
	static const char *const older[] = {
		"LIBIOASID_0.1", "LIBIOASID_0.2", "LIBIOASID_0.3", "LIBIOASID_0.4",
		"LIBIOASID_0.5",
	};
	bind_halves_fn fn = (bind_halves_fn)dlvsym(self->dl, "ioasid_bind_halves",
						   "LIBIOASID_0.6");
	unsigned int j;

	ASSERT_NE(NULL, fn);
	EXPECT_EQ((void *)fn, dlsym(self->dl, "ioasid_bind_halves"));
	for (j = 0; j < sizeof(older) / sizeof(older[0]); j++)
		EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_bind_halves", older[j]))
			TH_LOG("ioasid_bind_halves has a version older than 0.6 (%u)", j);
	/* ioasid_format_info: 0.3 and 0.6 only; ioasid_bind stays at 0.3. */
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_format_info", "LIBIOASID_0.5"));
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_bind", "LIBIOASID_0.6"));
	EXPECT_EQ(dlvsym(self->dl, "ioasid_bind", "LIBIOASID_0.3"),
		  dlsym(self->dl, "ioasid_bind"));
	EXPECT_EQ(NULL, dlsym(self->dl, "ioasid_format_info_0_3"));
	EXPECT_EQ(NULL, dlsym(self->dl, "ioasid_format_info_0_6"));
	EXPECT_LIBERR(EINVAL, fn(NULL, 1, 0x1000, 0x2000, 0));
	EXPECT_LIBERR(ENOTTY, fn(self->h, 1, 0x1000, 0x2000, 0));
}

/*
 * Every function added in 0.7 is exported with that version, and no other;
 * ioasid_bind, ioasid_bind_halves and ioasid_unbind keep theirs. The entry
 * ioasid_bind_entry() reads is 32 bytes, and no more: placed at the guard
 * page, one byte more would kill the test, and nothing of it is written.
 */
TEST_F(compat, new_functions_are_in_0_7)
{
	static const char *const older[] = {
		"LIBIOASID_0.1", "LIBIOASID_0.2", "LIBIOASID_0.3", "LIBIOASID_0.4",
		"LIBIOASID_0.5", "LIBIOASID_0.6",
	};
	bind_entry_fn fn = (bind_entry_fn)dlvsym(self->dl, "ioasid_bind_entry",
						 "LIBIOASID_0.7");
	uint64_t *entry;
	unsigned int j;
	long i;

	ASSERT_NE(NULL, fn);
	EXPECT_EQ((void *)fn, dlsym(self->dl, "ioasid_bind_entry"));
	for (j = 0; j < sizeof(older) / sizeof(older[0]); j++)
		EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_bind_entry", older[j]))
			TH_LOG("ioasid_bind_entry has a version older than 0.7 (%u)", j);
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_bind", "LIBIOASID_0.7"));
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_bind_halves", "LIBIOASID_0.7"));
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_unbind", "LIBIOASID_0.7"));
	EXPECT_EQ(dlvsym(self->dl, "ioasid_bind_halves", "LIBIOASID_0.6"),
		  dlsym(self->dl, "ioasid_bind_halves"));
	EXPECT_EQ(dlvsym(self->dl, "ioasid_unbind", "LIBIOASID_0.3"),
		  dlsym(self->dl, "ioasid_unbind"));

	entry = (uint64_t *)at_guard(_metadata, self, 4 * sizeof(uint64_t));
	EXPECT_LIBERR(EINVAL, fn(NULL, 1, 0, entry));
	EXPECT_LIBERR(EINVAL, fn(self->h, 1, 0, NULL));
	EXPECT_LIBERR(ENOTTY, fn(self->h, 1, 0, entry));
	for (i = 0; i < self->pagesz; i++)
		if (self->page[i] != 0xa5)
			break;
	EXPECT_EQ(self->pagesz, i);
}

/*
 * The default versions ask for the whole current struct: they are what a
 * program built now binds, and what the old ones must differ from.
 */
TEST_F(compat, current_versions_use_the_current_size)
{
	id_info_fn node = (id_info_fn)dlvsym(self->dl, "ioasid_node_info",
					     "LIBIOASID_0.3");
	id_info_fn dev = (id_info_fn)dlvsym(self->dl, "ioasid_device_info",
					    "LIBIOASID_0.4");
	info_fn info = (info_fn)dlvsym(self->dl, "ioasid_get_info",
				       "LIBIOASID_0.2");
	uint8_t *p;

	ASSERT_NE(NULL, node);
	ASSERT_NE(NULL, dev);
	ASSERT_NE(NULL, info);
	/* The unversioned lookup finds the default: the newest. */
	EXPECT_EQ((void *)node, dlsym(self->dl, "ioasid_node_info"));
	EXPECT_EQ((void *)dev, dlsym(self->dl, "ioasid_device_info"));
	EXPECT_EQ((void *)info, dlsym(self->dl, "ioasid_get_info"));

	p = at_guard(_metadata, self, sizeof(struct ioasid_node_info));
	EXPECT_LIBERR(ENOTTY, node(self->h, 7, p));
	check_written(_metadata, self, p, sizeof(struct ioasid_node_info),
		      offsetof(struct ioasid_node_info, id), 7);
	p = at_guard(_metadata, self, sizeof(struct ioasid_device_info));
	EXPECT_LIBERR(ENOTTY, dev(self->h, 9, p));
	check_written(_metadata, self, p, sizeof(struct ioasid_device_info),
		      offsetof(struct ioasid_device_info, dev_id), 9);
	p = at_guard(_metadata, self, sizeof(struct ioasid_info));
	EXPECT_LIBERR(ENOTTY, info(self->h, p));
	check_written(_metadata, self, p, sizeof(struct ioasid_info), 0, 0);
}

/* Every function added in 0.3 is exported with that version, and no other. */
TEST_F(compat, new_functions_are_in_0_3)
{
	static const char *const names[] = {
		"ioasid_node_alloc_cmd", "ioasid_node_alloc_user",
		"ioasid_format_info", "ioasid_bind", "ioasid_unbind",
		"ioasid_invalidate", "ioasid_invalidate_all",
		"ioasid_invalidate_range", "ioasid_option_cmd",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		EXPECT_NE(NULL, dlvsym(self->dl, names[i], "LIBIOASID_0.3"))
			TH_LOG("%s@LIBIOASID_0.3 missing", names[i]);
		EXPECT_EQ(NULL, dlvsym(self->dl, names[i], "LIBIOASID_0.1"))
			TH_LOG("%s@LIBIOASID_0.1 exists", names[i]);
	}
	/* The implementations behind the versions are not exported. */
	EXPECT_EQ(NULL, dlsym(self->dl, "ioasid_node_info_0_1"));
	EXPECT_EQ(NULL, dlsym(self->dl, "ioasid_device_info_0_3"));
	EXPECT_EQ(NULL, dlsym(self->dl, "ioasid_device_info_0_4"));
}

/* Every function added in 0.4 is exported with that version, and no other. */
TEST_F(compat, new_functions_are_in_0_4)
{
	EXPECT_NE(NULL, dlvsym(self->dl, "ioasid_vfio_adopt", "LIBIOASID_0.4"));
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_vfio_adopt", "LIBIOASID_0.3"));
	EXPECT_EQ(NULL, dlvsym(self->dl, "ioasid_vfio_adopt", "LIBIOASID_0.1"));
	EXPECT_EQ(dlvsym(self->dl, "ioasid_vfio_adopt", "LIBIOASID_0.4"),
		  dlsym(self->dl, "ioasid_vfio_adopt"));
}

/* Every function added in 0.5 is exported with that version, and no other. */
TEST_F(compat, new_functions_are_in_0_5)
{
	static const char *const names[] = {
		"ioasid_fault_queue_alloc", "ioasid_fault_queue_destroy",
		"ioasid_fault_queue_info",
		"ioasid_set_fault_queue", "ioasid_get_fault_queue",
		"ioasid_set_fault_timeout", "ioasid_get_fault_timeout",
		"ioasid_fault_read", "ioasid_page_respond",
		"ioasid_page_respond_batch", "ioasid_fault_service",
		"ioasid_device_create_pri", "ioasid_dma_cmd",
	};
	static const char *const older[] = {
		"LIBIOASID_0.1", "LIBIOASID_0.2", "LIBIOASID_0.3", "LIBIOASID_0.4",
	};
	unsigned int i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *fn = dlvsym(self->dl, names[i], "LIBIOASID_0.5");

		EXPECT_NE(NULL, fn) TH_LOG("%s@LIBIOASID_0.5 missing", names[i]);
		EXPECT_EQ(fn, dlsym(self->dl, names[i]));
		for (j = 0; j < sizeof(older) / sizeof(older[0]); j++)
			EXPECT_EQ(NULL, dlvsym(self->dl, names[i], older[j]))
				TH_LOG("%s has a version older than 0.5", names[i]);
	}
}

/*
 * ioasid_vfio_adopt() checks its pointers, sends the request to the
 * container's fd (here /dev/null: ENOTTY) and writes *num_devices back
 * only when the kernel answered 0 or EMSGSIZE; the array is the kernel's
 * to write, never the library's.
 */
TEST_F(compat, vfio_adopt_checks_arguments)
{
	adopt_fn fn = (adopt_fn)dlvsym(self->dl, "ioasid_vfio_adopt",
				       "LIBIOASID_0.4");
	struct ioasid_vfio_device devs[2];
	uint32_t num;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	uint8_t *p;

	ASSERT_NE(NULL, fn);
	ASSERT_LE(0, fd);
	num = 2;
	EXPECT_LIBERR(EINVAL, fn(NULL, fd, devs, &num));
	EXPECT_LIBERR(EINVAL, fn(self->h, fd, devs, NULL));
	EXPECT_LIBERR(EINVAL, fn(self->h, fd, NULL, &num));
	EXPECT_EQ(2, num);

	/* The array ends at the guard page; nothing of it is written. */
	p = at_guard(_metadata, self, sizeof(devs));
	num = 2;
	EXPECT_LIBERR(ENOTTY, fn(self->h, fd, p, &num));
	EXPECT_EQ(2, num);
	for (num = 0; num < self->pagesz; num++)
		if (self->page[num] != 0xa5)
			break;
	EXPECT_EQ(self->pagesz, num);
	num = 0;
	EXPECT_LIBERR(ENOTTY, fn(self->h, fd, NULL, &num));
	EXPECT_EQ(0, num);
	EXPECT_LIBERR(EBADF, fn(self->h, -1, devs, &num));
	close(fd);
}

TEST_HARNESS_MAIN
