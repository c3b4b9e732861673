// SPDX-License-Identifier: GPL-2.0
/*
 * Per-context limits on what RLIMIT_MEMLOCK does not cover: child
 * mappings, reservations, attachments (EDQUOT beyond them) and IOTLB
 * entries (evicted beyond them). The limits are module parameters that a
 * context samples when it is opened; GET_INFO reports them. Also: the
 * module-wide totals in sysfs are for root only.
 */
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define PARAMS		"/sys/module/" IOASID_MODULE_NAME "/parameters/"

static const char *const limit_names[] = {
	"max_child_mappings", "max_iotlb_entries", "max_reservations",
	"max_attachments",
};

static unsigned long long param_get(const char *name)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int param_set(const char *name, unsigned long long v)
{
	char path[256];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	rc = fprintf(f, "%llu\n", v) > 0 ? 0 : -1;
	return fclose(f) ? -1 : rc;
}

FIXTURE(limits) {
	unsigned long long saved[4];
	struct ioasid_handle *h;
	uint32_t root;
	uint8_t *buf;
};

FIXTURE_SETUP(limits)
{
	unsigned int i;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	for (i = 0; i < 4; i++) {
		self->saved[i] = param_get(limit_names[i]);
		ASSERT_NE(0, self->saved[i]) TH_LOG("%s", limit_names[i]);
	}
	self->buf = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(limits)
{
	unsigned int i;

	if (self->h)
		ioasid_close(self->h);
	for (i = 0; i < 4; i++)
		param_set(limit_names[i], self->saved[i]);
	munmap(self->buf, 64 * PAGE);
}

/* Open a context under limit @name = @v, with a root mapping the buffer at 0. */
static int open_limited(struct __test_metadata *_metadata, FIXTURE_DATA(limits) *self,
			const char *name, unsigned long long v)
{
	uint64_t iova = 0;

	if (param_set(name, v))
		return -1;
	if (ioasid_open(&self->h, NULL, 0) ||
	    ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &self->root) ||
	    ioasid_map(self->h, self->root, (uintptr_t)self->buf, 64 * PAGE, &iova, RW | FIXED))
		return -1;
	return 0;
}

TEST_F(limits, get_info_reports_the_limits_a_context_opened_with)
{
	struct ioasid_handle *other;
	struct ioasid_info info, info2;

	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	EXPECT_EQ(self->saved[0], info.out_max_child_mappings);
	EXPECT_EQ(self->saved[1], info.out_max_iotlb_entries);
	EXPECT_EQ(self->saved[2], info.out_max_reservations);
	EXPECT_EQ(self->saved[3], info.out_max_attachments);

	/* A later change is for contexts opened later. */
	ASSERT_EQ(0, param_set("max_reservations", 7));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info2));
	EXPECT_EQ(self->saved[2], info2.out_max_reservations);
	ASSERT_EQ(0, ioasid_open(&other, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(other, &info2));
	EXPECT_EQ(7, info2.out_max_reservations);
	ioasid_close(other);
}

TEST_F(limits, reservations)
{
	struct ioasid_node_info ni;
	uint32_t other;
	unsigned int i;

	ASSERT_EQ(0, open_limited(_metadata, self, "max_reservations", 4));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &other));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ioasid_reserve_iova(self->h, self->root, (1ULL << 30) + i * PAGE, PAGE));
	ASSERT_EQ(0, ioasid_reserve_iova(self->h, other, 1ULL << 30, PAGE));
	/* The limit is the context's, over all its nodes. */
	EXPECT_LIBERR(EDQUOT, ioasid_reserve_iova(self->h, self->root, 1ULL << 31, PAGE));
	EXPECT_LIBERR(EDQUOT, ioasid_reserve_iova(self->h, other, 1ULL << 31, PAGE));
	/* Removing one, or destroying a node, gives room back. */
	ASSERT_EQ(0, ioasid_unreserve_iova(self->h, self->root, 1ULL << 30, PAGE));
	EXPECT_EQ(0, ioasid_reserve_iova(self->h, self->root, 1ULL << 31, PAGE));
	EXPECT_LIBERR(EDQUOT, ioasid_reserve_iova(self->h, self->root, 1ULL << 32, PAGE));
	ASSERT_EQ(0, ioasid_node_destroy(self->h, other));
	EXPECT_EQ(0, ioasid_reserve_iova(self->h, self->root, 1ULL << 32, PAGE));
	/* A refused reservation changed nothing. */
	EXPECT_EQ(0, ioasid_node_info(self->h, self->root, &ni));
	EXPECT_EQ(1, ni.out_num_mappings);
}

TEST_F(limits, child_mappings)
{
	struct ioasid_map maps[4];
	uint64_t iova, unmapped;
	unsigned int i, done;
	uint32_t child, child2;

	ASSERT_EQ(0, open_limited(_metadata, self, "max_child_mappings", 8));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root, IOASID_MODE_KERNEL_MANAGED, &child));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root, IOASID_MODE_KERNEL_MANAGED, &child2));
	for (i = 0; i < 6; i++) {
		iova = i * 2 * PAGE;
		ASSERT_EQ(0, ioasid_map(self->h, child, i * PAGE, PAGE, &iova, RW | FIXED));
	}
	/* A batch stops at the entry that would go past it. */
	for (i = 0; i < 4; i++)
		maps[i] = (struct ioasid_map){ .id = child2, .flags = RW | FIXED,
					       .addr = i * PAGE, .length = PAGE,
					       .iova = i * 2 * PAGE };
	EXPECT_LIBERR(EDQUOT, ioasid_map_batch(self->h, maps, 4, &done));
	EXPECT_EQ(2, done);
	iova = 0;
	EXPECT_LIBERR(EDQUOT, ioasid_map(self->h, child, 0, PAGE, &iova, RW));
	/* Roots pin, and RLIMIT_MEMLOCK limits them instead. */
	iova = 1ULL << 32;
	EXPECT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->buf, PAGE, &iova,
				RW | FIXED));
	EXPECT_EQ(0, ioasid_unmap(self->h, child, 0, PAGE, &unmapped));
	iova = 0;
	EXPECT_EQ(0, ioasid_map(self->h, child, 0, PAGE, &iova, RW));
}

TEST_F(limits, attachments)
{
	uint32_t dev, dev2;

	ASSERT_EQ(0, open_limited(_metadata, self, "max_attachments", 3));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 8, &dev));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev2));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, self->root, IOASID_ATTACH_PASID, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, self->root, IOASID_ATTACH_PASID, 2));
	ASSERT_EQ(0, ioasid_attach(self->h, dev2, self->root, 0, 0));
	EXPECT_LIBERR(EDQUOT, ioasid_attach(self->h, dev, self->root, IOASID_ATTACH_PASID, 3));
	EXPECT_LIBERR(EDQUOT, ioasid_attach(self->h, dev, self->root, 0, 0));
	/* Replacing adds nothing. */
	EXPECT_EQ(0, ioasid_attach(self->h, dev2, self->root, IOASID_ATTACH_REPLACE, 0));
	ASSERT_EQ(0, ioasid_detach(self->h, dev, IOASID_ATTACH_PASID, 1));
	EXPECT_EQ(0, ioasid_attach(self->h, dev, self->root, IOASID_ATTACH_PASID, 3));
}

TEST_F(limits, iotlb_entries_are_evicted)
{
	struct ioasid_device_info info;
	uint64_t gen, iova;
	uint8_t byte;
	uint32_t dev, child;
	unsigned int i, round;

	ASSERT_EQ(0, open_limited(_metadata, self, "max_iotlb_entries", 4));
	/* Sixteen child mappings, none adjacent: one IOTLB entry each. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root, IOASID_MODE_KERNEL_MANAGED, &child));
	for (i = 0; i < 16; i++) {
		iova = i * 2 * PAGE;
		ASSERT_EQ(0, ioasid_map(self->h, child, i * PAGE, PAGE, &iova, RW | FIXED));
		self->buf[i * PAGE] = i + 1;
	}
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &dev));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	ASSERT_EQ(0, ioasid_device_info(self->h, dev, &info));
	gen = info.out_generation;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 16; i++) {
			byte = 0;
			ASSERT_EQ(0, ioasid_dma(self->h, dev, 0, 0, i * 2 * PAGE, &byte, 1, NULL));
			EXPECT_EQ(i + 1, byte);
			ASSERT_EQ(0, ioasid_device_info(self->h, dev, &info));
			EXPECT_GE(4, info.out_iotlb_entries);
			EXPECT_LE(1, info.out_iotlb_entries);
		}
	}
	/* Evicting entries moves the generation, as any invalidation does. */
	EXPECT_LT(gen, info.out_generation);
	EXPECT_LE(48, info.out_iotlb_misses);
}

TEST(sysfs_totals_are_root_only)
{
	static const char *const names[] = { "contexts", "nodes", "mappings", "pinned_bytes" };
	char path[128];
	struct stat st;
	unsigned int i;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/class/misc/ioasid/%s", names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0400, st.st_mode & 0777) TH_LOG("%s", path);
	}
}

/*
 * Programs built against 0.1's header have a 40-byte struct ioasid_info and
 * call ioasid_get_info@LIBIOASID_0.1: it must not write past those 40 bytes.
 */
TEST(get_info_0_1_symbol_fills_0_1_struct)
{
	int (*get_info_0_1)(struct ioasid_handle *, struct ioasid_info *);
	struct ioasid_handle *h;
	union {
		struct ioasid_info info;
		uint8_t bytes[sizeof(struct ioasid_info)];
	} u;
	unsigned int i;

	get_info_0_1 = (int (*)(struct ioasid_handle *, struct ioasid_info *))
		dlvsym(RTLD_DEFAULT, "ioasid_get_info", "LIBIOASID_0.1");
	ASSERT_NE(NULL, get_info_0_1) TH_LOG("%s", dlerror());
	ASSERT_NE((void *)get_info_0_1, (void *)ioasid_get_info);
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&h, NULL, 0));
	memset(&u, 0xa5, sizeof(u));
	ASSERT_EQ(0, get_info_0_1(h, &u.info));
	EXPECT_EQ(40, u.info.size);
	EXPECT_NE(0, u.info.out_capabilities);
	for (i = 40; i < sizeof(u); i++)
		ASSERT_EQ(0xa5, u.bytes[i]) TH_LOG("byte %u", i);
	ioasid_close(h);
}

TEST_HARNESS_MAIN
