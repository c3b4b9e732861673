// SPDX-License-Identifier: GPL-2.0
/*
 * Real PCI devices through VFIO: QEMU's edu device (0000:00:04.0 in the
 * test VM, behind an emulated VT-d) doing DMA through VFIO type1 (the
 * control: it proves the harness, the canaries and the edu driving) and
 * through the ioasidfd_vfio backend (IOASID_VFIO_IOMMU containers whose
 * devices are ADOPTed into a /dev/ioasid context and ATTACHed to nodes:
 * kernel-managed roots, nodes below them and user-managed nodes in caching
 * mode, through shadow domains).
 *
 * Every DMA here is real: the edu engine reads and writes guest memory
 * through the IOMMU. What the IOMMU blocks leaves a DMAR fault line in
 * the kernel log ("DMAR: [DMA Write NO_PASID] Request device [00:04.0]
 * fault addr ..."), which is expected. Whether a DMA was blocked is told
 * from memory: buffers are filled with canaries and compared afterwards,
 * and a blocked read is seen later, when the device's buffer is written
 * out through a working mapping and does not hold the secret.
 *
 * The IOASID_VFIO_IOMMU tests SKIP while `modprobe ioasidfd_vfio` fails;
 * everything SKIPs without the edu device, an IOMMU group or vfio-pci.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ioasid_test.h"
#include "ioasid_pci.h"

/*
 * Every edu transfer takes 100 ms of virtual time, and VFIO setup is slow
 * under TCG, more so on the debug kernel: more than the harness's 30 s.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	300

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
/*
 * Two mappings of four pages each, back to back, and a hole never mapped,
 * all below the edu's 256 MiB.
 */
#define NPAGES		8
#define HALF		(NPAGES / 2)
#define IOVA_A		0x100000ULL			/* pages 0..3 of the buffer */
#define IOVA_B		(IOVA_A + HALF * PAGE)		/* pages 4..7 */
#define IOVA_HOLE	0x800000ULL
/* The x86 MSI window: a reserved region of every device behind VT-d. */
#define MSI_IOVA	0xfee00000ULL
#define MSI_LAST	0xfeefffffULL
#define EDU_PCI_ID	0x20		/* 0000:00:04.0: devfn 4 << 3 */
#define XFER		EDU_DMA_MAX

/* ------------------------------------------------------------------------ */
/* patterns */

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 151 + i * 7 + (i >> 8) + 1);
}

static void canaries(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = 0xc3 ^ (uint8_t)(i / PAGE);
}

/* First offset where @a and @b differ, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static uint8_t *map_buf(void)
{
	uint8_t *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	canaries(p, NPAGES * PAGE);
	return p;
}

/* The IOVA of buffer offset @off: pages 0..3 at IOVA_A, 4..7 at IOVA_B. */
static uint64_t iova_of(size_t off)
{
	return IOVA_A + off;
}

/* ------------------------------------------------------------------------ */
/* DMA checks, the same for every IOMMU type */

/*
 * The device reads XFER bytes at buffer offset @src into its buffer, then
 * writes them to buffer offset @dst: both must be mapped. @dst gets the
 * pattern, every other byte of the buffer keeps what it had. Leaves the
 * pattern (@seed) in the device's buffer.
 */
static void round_trip(struct __test_metadata *_metadata, struct pci_vfio *p,
		       uint8_t *buf, size_t src, size_t dst, unsigned int seed)
{
	uint8_t *before = malloc(NPAGES * PAGE);
	long d;

	ASSERT_NE(NULL, before);
	fill(buf + src, XFER, seed);
	memcpy(before, buf, NPAGES * PAGE);
	memcpy(before + dst, buf + src, XFER);
	ASSERT_EQ(0, edu_dma_from_memory(p, iova_of(src), 0, XFER));
	ASSERT_EQ(0, edu_dma_to_memory(p, iova_of(dst), 0, XFER));
	d = first_diff(before, buf, NPAGES * PAGE);
	EXPECT_EQ(-1, d) TH_LOG("round trip %#zx -> device -> %#zx: byte %#lx is %#x, expected %#x",
				src, dst, d, d >= 0 ? buf[d] : 0,
				d >= 0 ? before[d] : 0);
	free(before);
}

/*
 * round_trip() through a translation that puts buffer offset 0 at @base
 * instead of IOVA_A.
 */
static void round_trip_at(struct __test_metadata *_metadata, struct pci_vfio *p,
			  uint8_t *buf, uint64_t base, size_t src, size_t dst,
			  unsigned int seed)
{
	uint8_t *before = malloc(NPAGES * PAGE);
	long d;

	ASSERT_NE(NULL, before);
	fill(buf + src, XFER, seed);
	memcpy(before, buf, NPAGES * PAGE);
	memcpy(before + dst, buf + src, XFER);
	ASSERT_EQ(0, edu_dma_from_memory(p, IOVA_A + base + src, 0, XFER));
	ASSERT_EQ(0, edu_dma_to_memory(p, IOVA_A + base + dst, 0, XFER));
	d = first_diff(before, buf, NPAGES * PAGE);
	EXPECT_EQ(-1, d) TH_LOG("round trip %#zx -> device -> %#zx: byte %#lx is %#x, expected %#x",
				src, dst, d, d >= 0 ? buf[d] : 0,
				d >= 0 ? before[d] : 0);
	free(before);
}

/*
 * The device writes XFER bytes of its buffer (which must not hold what
 * memory holds: a pattern, not canaries) to @iova, where the IOMMU must
 * block it: no byte of the buffer changes.
 */
static void write_blocked(struct __test_metadata *_metadata,
			  struct pci_vfio *p, uint8_t *buf, uint64_t iova,
			  const char *what)
{
	uint8_t *before = malloc(NPAGES * PAGE);
	long d;

	ASSERT_NE(NULL, before);
	memcpy(before, buf, NPAGES * PAGE);
	ASSERT_EQ(0, edu_dma_to_memory(p, iova, 0, XFER));
	d = first_diff(before, buf, NPAGES * PAGE);
	EXPECT_EQ(-1, d) TH_LOG("%s: a DMA to IOVA %#llx changed buffer byte %#lx",
				what, (unsigned long long)iova, d);
	free(before);
}

/*
 * A read the IOMMU must block: the device reads @iova into its buffer.
 * What it got is looked at by read_was_blocked() once DMA works again.
 */
static void read_blocked(struct __test_metadata *_metadata, struct pci_vfio *p,
			 uint64_t iova)
{
	ASSERT_EQ(0, edu_dma_from_memory(p, iova, 0, XFER));
}

/*
 * The device's buffer, written out to buffer offset @dst (mapped), does
 * not hold @secret (XFER bytes): the earlier read_blocked() did not get it.
 */
static void read_was_blocked(struct __test_metadata *_metadata,
			     struct pci_vfio *p, uint8_t *buf, size_t dst,
			     const uint8_t *secret, const char *what)
{
	memset(buf + dst, 0x11, XFER);
	ASSERT_EQ(0, edu_dma_to_memory(p, iova_of(dst), 0, XFER));
	/* The write-out itself worked: the 0x11 bytes were replaced. */
	EXPECT_NE(0x11, buf[dst]);
	EXPECT_NE(0, memcmp(buf + dst, secret, XFER))
		TH_LOG("%s: the device read the secret", what);
}

/* ------------------------------------------------------------------------ */
/* ioasid helpers */

/* IOASID_VFIO_ADOPT through the raw ioctl: 0 or -errno; *num as written back. */
static int adopt_raw(int container_fd, int ioasid_fd, uint32_t flags,
		     struct ioasid_vfio_device *devs, uint32_t *num)
{
	struct ioasid_vfio_adopt cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioasid_fd = ioasid_fd,
		.num_devices = *num,
		.devices = (uintptr_t)devs,
	};
	int ret = ioctl(container_fd, IOASID_VFIO_ADOPT, &cmd);

	*num = cmd.num_devices;
	return ret ? -errno : 0;
}

/* Adopt the container's one device (the edu) into @h; its id. */
static uint32_t adopt_edu(struct __test_metadata *_metadata, struct pci_vfio *p,
			  struct ioasid_handle *h)
{
	struct ioasid_vfio_device devs[2];
	uint32_t num = 2;

	memset(devs, 0xff, sizeof(devs));
	ASSERT_EQ(0, ioasid_vfio_adopt(h, p->container_fd, devs, &num));
	ASSERT_EQ(1, num);
	EXPECT_EQ(EDU_PCI_ID, devs[0].pci_id);
	EXPECT_EQ(pci_bdf_to_id(p->bdf), devs[0].pci_id);
	EXPECT_NE(0, devs[0].dev_id);
	/* Room for two, one device: the second entry is not written. */
	EXPECT_EQ(0xffffffff, devs[1].dev_id);
	return devs[0].dev_id;
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

/* Map buffer pages 0..3 at IOVA_A or 4..7 at IOVA_B into @root. */
static int map_half(struct ioasid_handle *h, uint32_t root, uint8_t *buf, int b)
{
	uint64_t iova = b ? IOVA_B : IOVA_A;

	return ioasid_map(h, root, (uintptr_t)buf + (b ? HALF * PAGE : 0),
			  HALF * PAGE, &iova, RW | FIXED);
}

/*
 * In context @h: a root with both halves of @buf mapped, @dev attached to
 * it, and a round trip through it (@seed for the pattern).
 */
static void root_round_trip(struct __test_metadata *_metadata,
			    struct pci_vfio *p, struct ioasid_handle *h,
			    uint32_t dev, uint8_t *buf, uint64_t off, int seed)
{
	uint32_t root;

	ASSERT_EQ(0, ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	ASSERT_EQ(0, map_half(h, root, buf, 0));
	ASSERT_EQ(0, map_half(h, root, buf, 1));
	ASSERT_EQ(0, ioasid_attach(h, dev, root, 0, 0));
	round_trip(_metadata, p, buf, HALF * PAGE, off, seed);
}

#define MAX_RANGES 16

/* Whether [start, last] overlaps any of IOVA_RANGES' ranges of @id. */
static int ranges_overlap(struct __test_metadata *_metadata,
			  struct ioasid_handle *h, uint32_t id, uint64_t start,
			  uint64_t last)
{
	struct ioasid_iova_range r[MAX_RANGES];
	uint32_t n = MAX_RANGES, i;

	EXPECT_EQ(0, ioasid_iova_ranges(h, id, r, &n));
	if (n > MAX_RANGES)
		return -1;
	for (i = 0; i < n; i++)
		if (r[i].start <= last && start <= r[i].last)
			return 1;
	return 0;
}

/* A user-managed x86-64 child of @parent (4 levels, 48 bits), caching mode. */
static int user_node(struct ioasid_handle *h, uint32_t parent, uint32_t *id)
{
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	struct ioasid_alloc cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = IOASID_ALLOC_CACHING_MODE;
	cmd.mode = IOASID_MODE_USER_MANAGED;
	cmd.parent_id = parent;
	cmd.format = (uintptr_t)&fmt;
	cmd.format_len = sizeof(fmt);
	ret = ioasid_node_alloc_cmd(h, &cmd);
	if (!ret)
		*id = cmd.out_id;
	return ret;
}

/* A context with the edu's group adopted: the ioasid side of a test. */
struct rig {
	struct pci_vfio pci;
	struct ioasid_handle *h;
	uint32_t dev, root;
};

/*
 * Everything from scratch in @r: a container of IOASID_VFIO_IOMMU with the
 * edu, a new context, the device adopted, a root with @buf's pages mapped
 * at IOVA_A and IOVA_B, the device attached. 0, or a failed setup (r->pci
 * says why; SKIP when r->pci.unavailable).
 */
static int rig_up(struct __test_metadata *_metadata, struct rig *r, uint8_t *buf)
{
	int ret = pci_setup(&r->pci, EDU_BDF, IOASID_VFIO_IOMMU);

	if (ret)
		return ret;
	ASSERT_EQ(0, ioasid_open(&r->h, NULL, 0));
	r->dev = adopt_edu(_metadata, &r->pci, r->h);
	ASSERT_EQ(0, ioasid_node_alloc(r->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &r->root));
	ASSERT_EQ(0, map_half(r->h, r->root, buf, 0));
	ASSERT_EQ(0, map_half(r->h, r->root, buf, 1));
	ASSERT_EQ(0, ioasid_attach(r->h, r->dev, r->root, 0, 0));
	return 0;
}

static void rig_down(struct rig *r)
{
	if (r->h)
		ioasid_close(r->h);
	r->h = NULL;
	pci_close(&r->pci);
}

/* ------------------------------------------------------------------------ */
/* DMA through type1 (control) and through IOASID_VFIO_IOMMU, same checks */

FIXTURE(dma) {
	struct pci_vfio pci;
	struct ioasid_handle *h;
	uint32_t dev, root;
	uint8_t *buf;
};

FIXTURE_VARIANT(dma) {
	unsigned long iommu;
};

FIXTURE_VARIANT_ADD(dma, type1) {
	.iommu = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_VARIANT_ADD(dma, ioasid) {
	.iommu = IOASID_VFIO_IOMMU,
};

static int edu_map_half(FIXTURE_DATA(dma) *self,
			const FIXTURE_VARIANT(dma) *variant, int b)
{
	if (variant->iommu == VFIO_TYPE1v2_IOMMU)
		return pci_type1_map(&self->pci, self->buf + (b ? HALF * PAGE : 0),
				     b ? IOVA_B : IOVA_A, HALF * PAGE);
	return map_half(self->h, self->root, self->buf, b);
}

static int edu_unmap_half(FIXTURE_DATA(dma) *self,
			  const FIXTURE_VARIANT(dma) *variant, int b)
{
	if (variant->iommu == VFIO_TYPE1v2_IOMMU)
		return pci_type1_unmap(&self->pci, b ? IOVA_B : IOVA_A,
				       HALF * PAGE);
	return ioasid_unmap(self->h, self->root, b ? IOVA_B : IOVA_A,
			    HALF * PAGE, NULL);
}

FIXTURE_SETUP(dma)
{
	int ret;

	if (variant->iommu == IOASID_VFIO_IOMMU) {
		ASSERT_LE(0, ioasid_module_load(NULL, 0));
	}
	ret = pci_setup(&self->pci, EDU_BDF, variant->iommu);
	if (ret && self->pci.unavailable)
		SKIP(return, "%s", self->pci.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->pci.why);
	self->buf = map_buf();
	ASSERT_NE(NULL, self->buf);
	if (variant->iommu == IOASID_VFIO_IOMMU) {
		ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
		self->dev = adopt_edu(_metadata, &self->pci, self->h);
		ASSERT_EQ(0, ioasid_node_alloc(self->h, 0,
					       IOASID_MODE_KERNEL_MANAGED,
					       &self->root));
	}
	ASSERT_EQ(0, edu_map_half(self, variant, 0));
	ASSERT_EQ(0, edu_map_half(self, variant, 1));
	if (variant->iommu == IOASID_VFIO_IOMMU) {
		ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->root, 0, 0));
	}
}

FIXTURE_TEARDOWN(dma)
{
	if (self->h)
		ioasid_close(self->h);
	pci_close(&self->pci);
}

/* Memory -> device -> memory, within a page, across pages, across mappings. */
TEST_F(dma, dma_round_trip)
{
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE + 100, 1);
	round_trip(_metadata, &self->pci, self->buf, 2 * PAGE + 3000,
		   HALF * PAGE + 5, 2);
	/* Both ends straddle a page boundary; the destination two mappings. */
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + 3 * PAGE - 777,
		   HALF * PAGE - 1000, 3);
}

/* Nothing reaches memory through an IOVA never mapped. */
TEST_F(dma, dma_to_unmapped_iova_is_blocked)
{
	uint8_t secret[XFER];

	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 4);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_HOLE, "never mapped");
	write_blocked(_metadata, &self->pci, self->buf,
		      IOVA_A + NPAGES * PAGE * 4, "never mapped");
	/* A read there gets nothing of ours; the device still works after. */
	memcpy(secret, self->buf + 2 * PAGE, XFER);
	read_blocked(_metadata, &self->pci, IOVA_HOLE + 2 * PAGE);
	read_was_blocked(_metadata, &self->pci, self->buf, PAGE, secret,
			 "never mapped");
	round_trip(_metadata, &self->pci, self->buf, 0, 3 * PAGE, 5);
}

/* After UNMAP the pages are out of the device's reach, at once. */
TEST_F(dma, dma_after_unmap_is_blocked)
{
	uint8_t secret[XFER];

	/* Used once, so the IOMMU has cached the translation. */
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE,
		   HALF * PAGE + 2 * PAGE, 6);
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 7);
	fill(self->buf + HALF * PAGE + PAGE, XFER, 99);
	memcpy(secret, self->buf + HALF * PAGE + PAGE, XFER);
	ASSERT_EQ(0, edu_unmap_half(self, variant, 1));

	/* Reads first: a write let through would change the secret. */
	read_blocked(_metadata, &self->pci, IOVA_B + PAGE);
	read_was_blocked(_metadata, &self->pci, self->buf, 2 * PAGE, secret,
			 "after UNMAP");
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 9);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + 2 * PAGE,
		      "after UNMAP");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "after UNMAP");

	/* Mapped again, it works again. */
	ASSERT_EQ(0, edu_map_half(self, variant, 1));
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE,
		   HALF * PAGE + 3 * PAGE, 8);
}

/*
 * The ioctl belongs to the ioasidfd_vfio backend: type1 does not know it
 * (ENOTTY), a context's fd does not either.
 */
TEST_F(dma, adopt_needs_the_ioasid_backend)
{
	struct ioasid_vfio_device devs[1];
	uint32_t num = 1;
	int fd;

	if (variant->iommu == IOASID_VFIO_IOMMU) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)self->buf,
			.iova = IOVA_HOLE,
			.size = PAGE,
		};
		struct vfio_iommu_type1_info ti = { .argsz = sizeof(ti) };

		EXPECT_ERRNO(ENOTTY, ioctl(ioasid_fd(self->h), IOASID_VFIO_ADOPT,
					   &(struct ioasid_vfio_adopt){
						.size = sizeof(struct ioasid_vfio_adopt) }));
		/* DMA mappings are the context's: type1's ioctls are not here. */
		EXPECT_ERRNO(ENOTTY, ioctl(self->pci.container_fd,
					   VFIO_IOMMU_MAP_DMA, &map));
		EXPECT_ERRNO(ENOTTY, ioctl(self->pci.container_fd,
					   VFIO_IOMMU_GET_INFO, &ti));
		EXPECT_LT(0, ioctl(self->pci.container_fd, VFIO_CHECK_EXTENSION,
				   IOASID_VFIO_IOMMU));
		EXPECT_EQ(0, ioctl(self->pci.container_fd, VFIO_CHECK_EXTENSION,
				   VFIO_TYPE1v2_IOMMU));
		return;
	}
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, adopt_raw(self->pci.container_fd, fd, 0, devs, &num));
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* IOASID_VFIO_IOMMU only: ADOPT, DEVICE_INFO, ATTACH's rules, lifetimes */

FIXTURE(pcidev) {
	struct pci_vfio pci;
	struct ioasid_handle *h;
	uint8_t *buf;
};

FIXTURE_SETUP(pcidev)
{
	int ret;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ret = pci_setup(&self->pci, EDU_BDF, IOASID_VFIO_IOMMU);
	if (ret && self->pci.unavailable)
		SKIP(return, "%s", self->pci.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->pci.why);
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	self->buf = map_buf();
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(pcidev)
{
	if (self->h)
		ioasid_close(self->h);
	pci_close(&self->pci);
}

TEST_F(pcidev, adopt_errors)
{
	struct {
		struct ioasid_vfio_adopt a;
		uint64_t tail;
	} big;
	struct ioasid_vfio_adopt *cmd = &big.a;
	struct ioasid_vfio_device devs[2], sentinel[2];
	int cfd = self->pci.container_fd, fd, null_fd;
	uint32_t num;

	memset(sentinel, 0xa5, sizeof(sentinel));
	memcpy(devs, sentinel, sizeof(devs));

	/* Not an open file. */
	num = 2;
	EXPECT_EQ(-EBADF, adopt_raw(cfd, -1, 0, devs, &num));
	fd = dup(ioasid_fd(self->h));
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, adopt_raw(cfd, fd, 0, devs, &num));

	/* Open, but not /dev/ioasid. */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, adopt_raw(cfd, null_fd, 0, devs, &num));
	close(null_fd);
	EXPECT_EQ(-EINVAL, adopt_raw(cfd, cfd, 0, devs, &num));
	EXPECT_EQ(-EINVAL, adopt_raw(cfd, self->pci.group_fd, 0, devs, &num));

	/* Unknown flags. */
	EXPECT_EQ(-EOPNOTSUPP, adopt_raw(cfd, ioasid_fd(self->h), 1, devs, &num));
	EXPECT_EQ(-EOPNOTSUPP, adopt_raw(cfd, ioasid_fd(self->h), 1u << 31,
					 devs, &num));
	EXPECT_EQ(0, memcmp(devs, sentinel, sizeof(devs)));

	/* Too small an array: the count, and nothing else, is written. */
	num = 0;
	EXPECT_EQ(-EMSGSIZE, adopt_raw(cfd, ioasid_fd(self->h), 0, devs, &num));
	EXPECT_EQ(1, num);
	num = 0;
	EXPECT_EQ(-EMSGSIZE, adopt_raw(cfd, ioasid_fd(self->h), 0, NULL, &num));
	EXPECT_EQ(1, num);
	num = 0;
	EXPECT_LIBERR(EMSGSIZE, ioasid_vfio_adopt(self->h, cfd, NULL, &num));
	EXPECT_EQ(1, num);
	EXPECT_EQ(0, memcmp(devs, sentinel, sizeof(devs)));

	/* Sizes: shorter than first shipped, longer with and without a tail. */
	memset(&big, 0, sizeof(big));
	cmd->ioasid_fd = ioasid_fd(self->h);
	cmd->num_devices = 2;
	cmd->devices = (uintptr_t)devs;
	cmd->size = offsetofend(struct ioasid_vfio_adopt, devices) - 1;
	EXPECT_ERRNO(EINVAL, ioctl(cfd, IOASID_VFIO_ADOPT, cmd));
	cmd->size = 0;
	EXPECT_ERRNO(EINVAL, ioctl(cfd, IOASID_VFIO_ADOPT, cmd));
	cmd->size = sizeof(big);
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, ioctl(cfd, IOASID_VFIO_ADOPT, cmd));
	EXPECT_EQ(2, cmd->num_devices);
	EXPECT_EQ(0, memcmp(devs, sentinel, sizeof(devs)));
	EXPECT_ERRNO(EFAULT, ioctl(cfd, IOASID_VFIO_ADOPT, NULL));

	/* A zero tail is fine: the device arrives. */
	big.tail = 0;
	ASSERT_EQ(0, ioctl(cfd, IOASID_VFIO_ADOPT, cmd));
	EXPECT_EQ(1, cmd->num_devices);
	EXPECT_EQ(EDU_PCI_ID, devs[0].pci_id);
	EXPECT_NE(0, devs[0].dev_id);
	EXPECT_EQ(0, memcmp(&devs[1], &sentinel[1], sizeof(devs[1])));
	EXPECT_EQ(IOASID_DEVICE_KIND_PCI, dev_info(self->h, devs[0].dev_id).out_kind);
}

/* Adopting again into the same context: the same id, nothing new. */
TEST_F(pcidev, adopt_again_keeps_ids)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h);

	EXPECT_EQ(dev, adopt_edu(_metadata, &self->pci, self->h));
	EXPECT_EQ(dev, adopt_edu(_metadata, &self->pci, self->h));
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(self->h, dev).out_state);
}

/* One context at a time; once it is closed, another may adopt. */
TEST_F(pcidev, adopt_into_a_second_context)
{
	struct ioasid_handle *h2;
	struct ioasid_vfio_device devs[1];
	uint32_t num = 1, dev, dev2, root;

	dev = adopt_edu(_metadata, &self->pci, self->h);
	ASSERT_EQ(0, ioasid_open(&h2, NULL, 0));
	EXPECT_LIBERR(EBUSY, ioasid_vfio_adopt(h2, self->pci.container_fd, devs,
					       &num));
	EXPECT_EQ(1, num);
	/* Still the first context's, and working there. */
	EXPECT_EQ(dev, adopt_edu(_metadata, &self->pci, self->h));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 10);

	/* The first context goes, attached and all; the second adopts. */
	ioasid_close(self->h);
	self->h = NULL;
	dev2 = adopt_edu(_metadata, &self->pci, h2);
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(h2, dev2).out_state);
	EXPECT_EQ(0, dev_info(h2, dev2).out_num_attachments);
	root_round_trip(_metadata, &self->pci, h2, dev2, self->buf, 2 * PAGE, 11);
	ioasid_close(h2);
}

TEST_F(pcidev, device_info)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_device_info info = dev_info(self->h, dev);

	EXPECT_EQ(IOASID_DEVICE_KIND_PCI, info.out_kind);
	EXPECT_EQ(IOASID_DEVICE_LIVE, info.out_state);
	EXPECT_EQ(EDU_PCI_ID, info.out_pci_id);
	EXPECT_EQ(0, info.__reserved);
	/*
	 * What a PCI device cannot do on 6.1 and 6.12 (the uAPI says why):
	 * PASID attach not yet, REPLACE and exact dirty tracking not, and its
	 * faults go to the kernel log only.
	 */
	EXPECT_EQ(0, info.out_caps & IOASID_DEVICE_CAP_PASID);
	EXPECT_EQ(0, info.out_caps & IOASID_DEVICE_CAP_REPLACE);
	EXPECT_EQ(0, info.out_caps & IOASID_DEVICE_CAP_DIRTY);
	EXPECT_EQ(0, info.out_caps & IOASID_DEVICE_CAP_FAULTS);
	/* Page sizes and aperture are a domain's: none before ATTACH. */
	EXPECT_EQ(0, info.out_pgsize_bitmap);
	EXPECT_EQ(0, info.out_aperture_start);
	EXPECT_EQ(0, info.out_aperture_last);
	EXPECT_EQ(0, info.out_num_attachments);
	EXPECT_EQ(0, info.out_iotlb_entries);
	EXPECT_EQ(0, info.out_faults);

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	info = dev_info(self->h, dev);
	EXPECT_NE(0, info.out_pgsize_bitmap & PAGE);
	EXPECT_EQ(0, info.out_pgsize_bitmap & (PAGE - 1))
		TH_LOG("pgsize_bitmap %#llx", (unsigned long long)info.out_pgsize_bitmap);
	/* VT-d and virtio-iommu: from 0, at least 32 bits. */
	EXPECT_LE(info.out_aperture_start, IOVA_A);
	EXPECT_LE(0xffffffffULL, info.out_aperture_last);
	EXPECT_LT(info.out_aperture_start, info.out_aperture_last);
	EXPECT_EQ(1, info.out_num_attachments);
	EXPECT_EQ(IOASID_DEVICE_LIVE, info.out_state);
	EXPECT_LIBERR(ENOENT, ioasid_device_info(self->h, dev + 1000, &info));
}

/*
 * Every output member of DEVICE_INFO is written for a PCI device, whatever
 * the caller left in it: those a PCI device has no use for (flags, PASID
 * width, IOTLB and fault counters, __reserved) as 0.
 */
TEST_F(pcidev, device_info_writes_every_output)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h);
	struct ioasid_device_info a, b;
	int fill;

	for (fill = 0; fill < 2; fill++) {
		struct ioasid_device_info *x = fill ? &b : &a;

		memset(x, fill ? 0x5a : 0xa5, sizeof(*x));
		x->size = sizeof(*x);
		x->flags = 0;
		x->dev_id = dev;
		ASSERT_EQ(0, ioctl(ioasid_fd(self->h), IOASID_DEVICE_INFO, x));
	}
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)))
		TH_LOG("byte %ld left as the caller had it",
		       first_diff((uint8_t *)&a, (uint8_t *)&b, sizeof(a)));
	EXPECT_EQ(0, a.out_flags);
	EXPECT_EQ(0, a.out_pasid_bits);
	EXPECT_EQ(0, a.out_num_attachments);
	EXPECT_EQ(0, a.out_generation);
	EXPECT_EQ(0, a.out_iotlb_entries);
	EXPECT_EQ(0, a.out_iotlb_hits);
	EXPECT_EQ(0, a.out_iotlb_misses);
	EXPECT_EQ(0, a.out_faults);
	EXPECT_EQ(0, a.out_last_fault_addr);
	EXPECT_EQ(0, a.out_last_fault_node);
	EXPECT_EQ(0, a.out_last_fault_reason);
	EXPECT_EQ(0, a.out_last_fault_access);
	EXPECT_EQ(0, a.out_last_fault_level);
	EXPECT_EQ(IOASID_DEVICE_KIND_PCI, a.out_kind);
	EXPECT_EQ(EDU_PCI_ID, a.out_pci_id);
	EXPECT_EQ(0, a.__reserved);
}

/* A real device does its own DMA: the context's DMA and TRANSLATE are not its. */
TEST_F(pcidev, dma_and_translate_are_enoent)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_translate tr;
	uint8_t local[64];

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	EXPECT_LIBERR(ENOENT, ioasid_dma(self->h, dev, 0, 0, IOVA_A, local,
					 sizeof(local), NULL));
	EXPECT_LIBERR(ENOENT, ioasid_translate(self->h, dev, 0, 0, IOVA_A, &tr));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_LIBERR(ENOENT, ioasid_dma(self->h, dev, 0, 0, IOVA_A, local,
					 sizeof(local), NULL));
	EXPECT_LIBERR(ENOENT, ioasid_dma(self->h, dev, IOASID_DMA_WRITE, 0,
					 IOVA_A, local, sizeof(local), NULL));
	EXPECT_LIBERR(ENOENT, ioasid_translate(self->h, dev, 0, 0, IOVA_A, &tr));
}

/* Mappings made before ATTACH are replayed, those made after mirrored. */
TEST_F(pcidev, maps_before_and_after_attach)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	uint64_t unmapped = 0;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, 2 * PAGE + 7, 20);
	/* B is not mapped yet: blocked. */
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B, "before MAP");

	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	round_trip(_metadata, &self->pci, self->buf, PAGE, HALF * PAGE + 100, 21);
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + 2 * PAGE,
		   3 * PAGE, 22);

	/* UNMAP of everything while attached: nothing goes through. */
	ASSERT_EQ(0, ioasid_unmap_all(self->h, root, &unmapped));
	EXPECT_EQ(NPAGES * PAGE, unmapped);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A, "after UNMAP_ALL");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "after UNMAP_ALL");

	/* A batch of MAPs is mirrored too. */
	{
		struct ioasid_map maps[2];
		unsigned int done = 0;
		int b;

		for (b = 0; b < 2; b++) {
			memset(&maps[b], 0, sizeof(maps[b]));
			maps[b].size = sizeof(maps[b]);
			maps[b].flags = RW | FIXED;
			maps[b].id = root;
			maps[b].addr = (uintptr_t)self->buf + b * HALF * PAGE;
			maps[b].length = HALF * PAGE;
			maps[b].iova = b ? IOVA_B : IOVA_A;
		}
		ASSERT_EQ(0, ioasid_map_batch(self->h, maps, 2, &done));
		EXPECT_EQ(2, done);
	}
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE, PAGE, 23);
}

/* COPY into an attached root is mirrored, and so is a batch of UNMAPs. */
TEST_F(pcidev, copy_and_batch_unmap_are_mirrored)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), src, root;
	struct ioasid_unmap unmaps[2];
	uint64_t iova = 0x40000000ULL, dst;
	unsigned int done = 0;
	int b;

	/* The source root is never attached: any IOVA will do. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &src));
	ASSERT_EQ(0, ioasid_map(self->h, src, (uintptr_t)self->buf,
				NPAGES * PAGE, &iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	for (b = 0; b < 2; b++) {
		dst = b ? IOVA_B : IOVA_A;
		ASSERT_EQ(0, ioasid_copy(self->h, root, src,
					 iova + b * HALF * PAGE, HALF * PAGE,
					 &dst, RW | FIXED));
	}
	round_trip(_metadata, &self->pci, self->buf, PAGE, HALF * PAGE + PAGE, 24);
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + 2 * PAGE,
		   HALF * PAGE - 500, 25);

	for (b = 0; b < 2; b++) {
		memset(&unmaps[b], 0, sizeof(unmaps[b]));
		unmaps[b].size = sizeof(unmaps[b]);
		unmaps[b].id = root;
		unmaps[b].iova = b ? IOVA_B : IOVA_A;
		unmaps[b].length = HALF * PAGE;
	}
	ASSERT_EQ(0, ioasid_unmap_batch(self->h, unmaps, 2, &done));
	EXPECT_EQ(2, done);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + PAGE,
		      "after a batch of UNMAPs");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + 2 * PAGE,
		      "after a batch of UNMAPs");
	/* The source root still maps the pages: only the copy went. */
	EXPECT_EQ(1, node_info(self->h, src).out_num_mappings);
	EXPECT_EQ(0, node_info(self->h, root).out_num_mappings);
}

/*
 * A BATCH of adjacent MAPs (one run in the kernel: one pin pass, one
 * mirror into the domain) reaches the device entry by entry, and an entry
 * unmapped alone leaves the domain alone.
 */
TEST_F(pcidev, batch_map_run_is_mirrored)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_map maps[NPAGES];
	unsigned int i, done = 0;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	memset(maps, 0, sizeof(maps));
	for (i = 0; i < NPAGES; i++)
		maps[i] = (struct ioasid_map){ .id = root, .flags = RW | FIXED,
					       .addr = (uintptr_t)self->buf + i * PAGE,
					       .length = PAGE,
					       .iova = IOVA_A + i * PAGE };
	ASSERT_EQ(0, ioasid_map_batch(self->h, maps, NPAGES, &done));
	EXPECT_EQ(NPAGES, done);
	EXPECT_EQ(NPAGES, node_info(self->h, root).out_num_mappings);
	round_trip(_metadata, &self->pci, self->buf, PAGE, 6 * PAGE, 31);
	ASSERT_EQ(0, ioasid_unmap(self->h, root, IOVA_A + 6 * PAGE, PAGE, NULL));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 6 * PAGE,
		      "after UNMAP of one entry of a batch");
	round_trip(_metadata, &self->pci, self->buf, 2 * PAGE, 5 * PAGE, 32);
}

/* The PFN of the page at @p (root only; 0 when not present or unknown). */
static uint64_t pfn_at(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)p / PAGE * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

#define HUGE		(2UL << 20)
#define HUGE_IOVA	0x1000000ULL	/* 2 MiB aligned, below edu's 28-bit DMA mask */

/*
 * Two adjacent BATCH entries that continue each other physically, the
 * halves of one transparent huge page: the IOMMU must not map them with
 * one page, or UNMAP of one takes the other along (VT-d unmaps the whole
 * superpage; virtio-iommu cannot split the mapping, and the unmap comes
 * up short). Found on virtio-iommu, where a run of BATCH pages happened
 * to be contiguous.
 */
TEST_F(pcidev, batch_entries_continuing_physically_unmap_apart)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_map maps[2];
	unsigned int i, done = 0;
	uint8_t *raw, *thp;

	raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	thp = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(thp, HUGE, MADV_HUGEPAGE);
	memset(thp, 0x5a, HUGE);
	if (!pfn_at(thp) || pfn_at(thp + HUGE / 2) != pfn_at(thp + HUGE / 2 - PAGE) + 1) {
		munmap(raw, 2 * HUGE);
		SKIP(return, "no physically contiguous huge page here");
	}
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	for (i = 0; i < 2; i++)
		maps[i] = (struct ioasid_map){ .id = root, .flags = RW | FIXED,
					       .addr = (uintptr_t)thp + i * HUGE / 2,
					       .length = HUGE / 2,
					       .iova = HUGE_IOVA + i * HUGE / 2 };
	ASSERT_EQ(0, ioasid_map_batch(self->h, maps, 2, &done));
	ASSERT_EQ(2, done);
	ASSERT_EQ(0, ioasid_unmap(self->h, root, HUGE_IOVA, HUGE / 2, NULL));

	/* The second half still works: the device copies its start to its end. */
	fill(thp + HUGE / 2, XFER, 41);
	ASSERT_EQ(0, edu_dma_from_memory(&self->pci, HUGE_IOVA + HUGE / 2, 0, XFER));
	ASSERT_EQ(0, edu_dma_to_memory(&self->pci, HUGE_IOVA + HUGE - XFER, 0, XFER));
	EXPECT_EQ(0, memcmp(thp + HUGE / 2, thp + HUGE - XFER, XFER))
		TH_LOG("the entry left mapped lost its translation with its neighbour");
	ASSERT_EQ(0, ioasid_unmap(self->h, root, HUGE_IOVA + HUGE / 2, HUGE / 2, NULL));
	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	munmap(raw, 2 * HUGE);
}

/*
 * Dirty tracking of a root with a PCI device attached: the IOMMU tracks
 * nothing, so every writably mapped page is reported dirty (the uAPI's
 * IOASID_DEVICE_CAP_DIRTY), and surely every page the device wrote.
 */
TEST_F(pcidev, dirty_tracking_misses_no_device_write)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	uint64_t bitmap[1], iova = IOVA_B;
	struct ioasid_info info;
	unsigned int i;

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_DIRTY_TRACKING))
		SKIP(return, "no IOASID_CAP_DIRTY_TRACKING");
	ASSERT_EQ(0, dev_info(self->h, dev).out_caps & IOASID_DEVICE_CAP_DIRTY);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				HALF * PAGE, &iova, IOASID_MAP_READ | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, root, 1));

	/* The device reads page 4 (read-only) and writes page 2. */
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE, 2 * PAGE, 26);
	bitmap[0] = 0;
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, root, IOVA_A, NPAGES * PAGE,
					 PAGE, bitmap, 0));
	EXPECT_NE(0, bitmap[0] & (1u << 2))
		TH_LOG("the page the device wrote is not dirty: %#llx",
		       (unsigned long long)bitmap[0]);
	for (i = 0; i < HALF; i++) {
		EXPECT_NE(0, bitmap[0] & (1u << i))
			TH_LOG("writable page %u not reported dirty: %#llx", i,
			       (unsigned long long)bitmap[0]);
	}

	/* After a clearing read, still: the device may write any time. */
	bitmap[0] = 0;
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, root, IOVA_A, NPAGES * PAGE,
					 PAGE, bitmap, 0));
	for (i = 0; i < HALF; i++) {
		EXPECT_NE(0, bitmap[0] & (1u << i))
			TH_LOG("writable page %u not reported dirty after a clearing read: %#llx",
			       i, (unsigned long long)bitmap[0]);
	}
}

/*
 * Attached below a root: the device's DMA goes through the composed
 * translation (child IOVA -> root IOVA -> memory), kept exact by MAP and
 * UNMAP at either level.
 */
#define ROOT_IOVA	0x40000000ULL	/* where the root maps the buffer */

/* A root mapping the buffer at ROOT_IOVA and a child of it, unmapped. */
static void root_and_child(struct __test_metadata *_metadata,
			   struct ioasid_handle *h, uint8_t *buf,
			   uint32_t *root, uint32_t *child)
{
	uint64_t iova = ROOT_IOVA;

	ASSERT_EQ(0, ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, root));
	ASSERT_EQ(0, ioasid_map(h, *root, (uintptr_t)buf, NPAGES * PAGE, &iova,
				RW | FIXED));
	ASSERT_EQ(0, ioasid_node_alloc(h, *root, IOASID_MODE_KERNEL_MANAGED,
				       child));
}

/* The child maps buffer pages [@first, @first + @n) at their IOVA_A IOVAs. */
static int child_map(struct ioasid_handle *h, uint32_t child, unsigned int first,
		     unsigned int n, uint32_t flags)
{
	uint64_t iova = IOVA_A + first * PAGE;

	return ioasid_map(h, child, ROOT_IOVA + first * PAGE, n * PAGE, &iova,
			  flags | FIXED);
}

TEST_F(pcidev, attach_below_a_root)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root, child;
	uint8_t secret[XFER];
	uint64_t iova;

	root_and_child(_metadata, self->h, self->buf, &root, &child);
	/* Mapped before ATTACH: in the shadow at once. */
	ASSERT_EQ(0, child_map(self->h, child, 0, HALF, RW));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	EXPECT_EQ(1, dev_info(self->h, dev).out_num_attachments);
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE + 10, 110);
	/* B is not mapped in the child: blocked, though the root maps it. */
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B, "not in the child");
	/* Mapped after ATTACH: mirrored. */
	ASSERT_EQ(0, child_map(self->h, child, HALF, HALF, RW));
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE,
		   HALF * PAGE - 300, 111);

	/* UNMAP in the root takes the pages out of the child's translation. */
	fill(self->buf + HALF * PAGE + 2 * PAGE, XFER, 112);
	memcpy(secret, self->buf + HALF * PAGE + 2 * PAGE, XFER);
	ASSERT_EQ(0, ioasid_unmap(self->h, root, ROOT_IOVA, NPAGES * PAGE, NULL));
	read_blocked(_metadata, &self->pci, IOVA_B + 2 * PAGE);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + PAGE,
		      "after the root's UNMAP");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + 3 * PAGE,
		      "after the root's UNMAP");
	/* The child still has its mappings; the root maps again: through again. */
	EXPECT_EQ(2, node_info(self->h, child).out_num_mappings);
	iova = ROOT_IOVA;
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf,
				NPAGES * PAGE, &iova, RW | FIXED));
	read_was_blocked(_metadata, &self->pci, self->buf, PAGE, secret,
			 "after the root's UNMAP");
	round_trip(_metadata, &self->pci, self->buf, 2 * PAGE, HALF * PAGE, 113);

	/* UNMAP in the child. */
	ASSERT_EQ(0, ioasid_unmap(self->h, child, IOVA_B, HALF * PAGE, NULL));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "after the child's UNMAP");
	round_trip(_metadata, &self->pci, self->buf, PAGE, 3 * PAGE, 114);

	/* Busy while attached; DETACH, and the child can go. */
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, child));
	EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A, "after DETACH");
	EXPECT_EQ(0, ioasid_node_destroy(self->h, child));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
}

/* The child maps first, the root later: the device gets through once both do. */
TEST_F(pcidev, attach_below_a_root_mapped_later)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root, child, gc;
	uint64_t iova;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, root, IOASID_MODE_KERNEL_MANAGED,
				       &child));
	ASSERT_EQ(0, child_map(self->h, child, 0, NPAGES, RW));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	/*
	 * Nothing reaches memory yet (the device's buffer holds what an
	 * earlier test left there, not canaries).
	 */
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A, "root maps nothing");

	/* Half the root: half the child's range goes through. */
	iova = ROOT_IOVA;
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf, HALF * PAGE,
				&iova, RW | FIXED));
	round_trip(_metadata, &self->pci, self->buf, 0, 2 * PAGE, 120);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "the root does not map it yet");
	iova = ROOT_IOVA + HALF * PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				HALF * PAGE, &iova, RW | FIXED));
	round_trip(_metadata, &self->pci, self->buf, PAGE, HALF * PAGE + PAGE, 121);

	/* Three levels: a grandchild of the child. */
	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, child, IOASID_MODE_KERNEL_MANAGED,
				       &gc));
	iova = IOVA_A + 16 * PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, gc, IOVA_A, NPAGES * PAGE, &iova,
				RW | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, gc, 0, 0));
	round_trip_at(_metadata, &self->pci, self->buf, 16 * PAGE, 3 * PAGE,
		      HALF * PAGE + 7, 122);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A,
		      "not mapped in the grandchild");
}

/* Permissions of every level intersected: read-only anywhere, read-only. */
TEST_F(pcidev, attach_below_a_read_only_root)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root, child, rw;
	uint64_t iova = ROOT_IOVA;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	/* Root: A read-write, B read-only. Child: everything read-write. */
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf, HALF * PAGE,
				&iova, RW | FIXED));
	iova = ROOT_IOVA + HALF * PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				HALF * PAGE, &iova, IOASID_MAP_READ | FIXED));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, root, IOASID_MODE_KERNEL_MANAGED,
				       &child));
	ASSERT_EQ(0, child_map(self->h, child, 0, NPAGES, RW));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE, PAGE, 130);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + 2 * PAGE,
		      "read-only in the root");

	/* And the other way round: read-only in the child only. */
	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, root, IOASID_MODE_KERNEL_MANAGED,
				       &rw));
	ASSERT_EQ(0, child_map(self->h, rw, 0, HALF, IOASID_MAP_READ));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, rw, 0, 0));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + PAGE,
		      "read-only in the child");
}

/* While attached below a root, the MSI window is reserved in the child. */
TEST_F(pcidev, reserved_regions_below_a_root)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root, child;
	uint64_t iova = MSI_IOVA;

	root_and_child(_metadata, self->h, self->buf, &root, &child);
	ASSERT_EQ(0, child_map(self->h, child, 0, 1, RW));
	/* A child mapping in the window: ATTACH refuses. */
	ASSERT_EQ(0, ioasid_map(self->h, child, ROOT_IOVA + PAGE, PAGE, &iova,
				RW | FIXED));
	EXPECT_LIBERR(EADDRINUSE, ioasid_attach(self->h, dev, child, 0, 0));
	EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);
	ASSERT_EQ(0, ioasid_unmap(self->h, child, MSI_IOVA, PAGE, NULL));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	EXPECT_EQ(0, ranges_overlap(_metadata, self->h, child, MSI_IOVA, MSI_LAST));
	iova = MSI_IOVA;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->h, child, ROOT_IOVA + PAGE,
					     PAGE, &iova, RW | FIXED));
	/* The root is not the device's address space: its window is free. */
	iova = MSI_IOVA;
	EXPECT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf, PAGE, &iova,
				RW | FIXED));
	round_trip(_metadata, &self->pci, self->buf, 0, 100, 140);
}

/*
 * Attached below a user-managed node: the shadow domain holds what the
 * guest's x86-64 table maps, learns of new entries from INVALIDATE (the
 * caching-mode contract) and BIND, and counts what it cannot shadow as
 * the device's faults. Guest "physical" memory is the root's IOVA space:
 * the table pages at GPA_TBL, the buffer at GPA_DATA; the device's IOVAs
 * are the guest's input addresses, IOVA_A upwards (L1 slots 0x100 on).
 */
#define GPA_TBL		0x40000000ULL
#define GPA_DATA	0x50000000ULL
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_DEF		(PTE_P | PTE_RW | PTE_US)
#define L1_SLOT(page)	(((IOVA_A >> 12) & 511) + (page))

struct gtable {
	uint64_t *mem;		/* 4 table pages: L4, L3, L2, L1 */
	uint32_t root, user;
};

static void gtable_set(struct gtable *t, unsigned int page, uint64_t bits)
{
	t->mem[3 * 512 + L1_SLOT(page)] = bits ? (GPA_DATA + page * PAGE) | bits : 0;
}

static void gtable_up(struct __test_metadata *_metadata, struct ioasid_handle *h,
		      uint8_t *buf, struct gtable *t)
{
	uint64_t iova;
	int l;

	t->mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, t->mem);
	memset(t->mem, 0, 4 * PAGE);
	/* IOVA_A < 1 GiB: slot 0 of L4, L3 and L2. */
	ASSERT_EQ(0, (IOVA_A >> 21) & ~0ULL);
	for (l = 0; l < 3; l++)
		t->mem[l * 512] = (GPA_TBL + (l + 1) * PAGE) | PTE_DEF;
	ASSERT_EQ(0, ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &t->root));
	iova = GPA_TBL;
	ASSERT_EQ(0, ioasid_map(h, t->root, (uintptr_t)t->mem, 4 * PAGE, &iova,
				RW | FIXED));
	iova = GPA_DATA;
	ASSERT_EQ(0, ioasid_map(h, t->root, (uintptr_t)buf, NPAGES * PAGE, &iova,
				RW | FIXED));
	ASSERT_EQ(0, user_node(h, t->root, &t->user));
}

TEST_F(pcidev, attach_to_a_guest_table)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h);
	struct ioasid_device_info info;
	struct ioasid_info gi;
	struct gtable t;
	uint8_t secret[XFER];
	unsigned int i;
	uint64_t faults;

	ASSERT_EQ(0, ioasid_get_info(self->h, &gi));
	if (!(gi.out_capabilities & IOASID_CAP_USER_MANAGED))
		SKIP(return, "no IOASID_CAP_USER_MANAGED");
	gtable_up(_metadata, self->h, self->buf, &t);
	EXPECT_NE(0, node_info(self->h, t.user).out_flags & IOASID_NODE_CACHING_MODE);
	/* The guest maps A before BIND and ATTACH. */
	for (i = 0; i < HALF; i++)
		gtable_set(&t, i, PTE_DEF);
	ASSERT_EQ(0, ioasid_bind(self->h, t.user, GPA_TBL, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, t.user, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, 2 * PAGE + 99, 150);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "not in the guest's table");

	/* New entries: not seen before INVALIDATE (caching mode), then seen. */
	for (i = HALF; i < NPAGES; i++)
		gtable_set(&t, i, PTE_DEF);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + PAGE,
		      "new entries before INVALIDATE");
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, t.user, IOVA_B,
					     HALF * PAGE, PAGE));
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE,
		   HALF * PAGE - 1000, 151);

	/* An entry taken away: gone once invalidated; the read sees nothing. */
	fill(self->buf + 5 * PAGE, XFER, 152);
	memcpy(secret, self->buf + 5 * PAGE, XFER);
	gtable_set(&t, 5, 0);
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, t.user, IOVA_A + 5 * PAGE,
					     PAGE, PAGE));
	read_blocked(_metadata, &self->pci, IOVA_A + 5 * PAGE);
	read_was_blocked(_metadata, &self->pci, self->buf, PAGE, secret,
			 "a cleared guest entry");
	round_trip(_metadata, &self->pci, self->buf, 0, 2 * PAGE, 153);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 5 * PAGE,
		      "a cleared guest entry");

	/* Read-only in the guest: reads go, writes do not. */
	gtable_set(&t, 6, PTE_P | PTE_US);
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, t.user, IOVA_A + 6 * PAGE,
					     PAGE, PAGE));
	round_trip(_metadata, &self->pci, self->buf, 6 * PAGE, PAGE, 154);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 6 * PAGE + 100,
		      "read-only in the guest");
	/* Supervisor-only: a device's requests are unprivileged. */
	gtable_set(&t, 6, PTE_P | PTE_RW);
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, t.user, IOVA_A + 6 * PAGE,
					     PAGE, PAGE));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 6 * PAGE,
		      "supervisor-only in the guest");

	/* An entry that cannot be shadowed (a reserved bit): a fault, counted. */
	faults = dev_info(self->h, dev).out_faults;
	gtable_set(&t, 7, PTE_DEF | (1ULL << 50));
	ASSERT_EQ(0, ioasid_invalidate_range(self->h, t.user, IOVA_A + 7 * PAGE,
					     PAGE, PAGE));
	info = dev_info(self->h, dev);
	EXPECT_LT(faults, info.out_faults);
	EXPECT_EQ(IOASID_FAULT_RESERVED, info.out_last_fault_reason);
	EXPECT_EQ(t.user, info.out_last_fault_node);
	EXPECT_EQ(1, info.out_last_fault_level);
	EXPECT_EQ(IOVA_A + 7 * PAGE, info.out_last_fault_addr & ~(PAGE - 1));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 7 * PAGE,
		      "a reserved bit in the guest entry");

	/* UNMAP of guest memory in the root: out of the shadow at once. */
	ASSERT_EQ(0, ioasid_unmap(self->h, t.root, GPA_DATA, NPAGES * PAGE, NULL));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 3 * PAGE,
		      "guest memory unmapped in the root");
	{
		uint64_t iova = GPA_DATA;

		ASSERT_EQ(0, ioasid_map(self->h, t.root, (uintptr_t)self->buf,
					NPAGES * PAGE, &iova, RW | FIXED));
	}
	round_trip(_metadata, &self->pci, self->buf, PAGE, 3 * PAGE, 155);

	/* UNBIND: nothing; BIND again: the table as it is now. */
	ASSERT_EQ(0, ioasid_unbind(self->h, t.user));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 2 * PAGE,
		      "after UNBIND");
	gtable_set(&t, 5, PTE_DEF);
	ASSERT_EQ(0, ioasid_bind(self->h, t.user, GPA_TBL, 0));
	round_trip(_metadata, &self->pci, self->buf, 5 * PAGE, 2 * PAGE, 156);
}

/* Read-only mappings: the device reads, its writes are blocked. */
TEST_F(pcidev, read_only_mapping)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	uint64_t iova = IOVA_B;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				HALF * PAGE, &iova, IOASID_MAP_READ | FIXED));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	/* Read from B into the device, write out to A. */
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE + PAGE, PAGE, 30);
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B + 2 * PAGE,
		      "read-only mapping");
}

/* After DETACH no DMA reaches memory; ATTACH again and it does. */
TEST_F(pcidev, detach_blocks_dma)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	uint8_t secret[XFER];

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 40);

	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);
	EXPECT_LIBERR(ENOENT, ioasid_detach(self->h, dev, 0, 0));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 2 * PAGE,
		      "after DETACH");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B, "after DETACH");
	fill(self->buf + HALF * PAGE, XFER, 41);
	memcpy(secret, self->buf + HALF * PAGE, XFER);
	read_blocked(_metadata, &self->pci, IOVA_B);

	/* The root can go now; a new one, attached, works. */
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	read_was_blocked(_metadata, &self->pci, self->buf, 3 * PAGE, secret,
			 "after DETACH");
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE, PAGE, 42);
}

TEST_F(pcidev, attach_errors)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h);
	uint32_t root, root2, child, sw, user = 0, below_user = 0, user_cm = 0;
	struct ioasid_info info;

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root2));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, root, IOASID_MODE_KERNEL_MANAGED,
				       &child));

	/*
	 * At or below a user-managed level only under the caching-mode
	 * contract (IOASID_ALLOC_CACHING_MODE): EINVAL without it.
	 */
	if (info.out_capabilities & IOASID_CAP_USER_MANAGED) {
		struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);

		ASSERT_EQ(0, ioasid_node_alloc_user(self->h, root, &fmt,
						    sizeof(fmt), &user));
		EXPECT_LIBERR(EINVAL, ioasid_attach(self->h, dev, user, 0, 0));
		ASSERT_EQ(0, ioasid_node_alloc(self->h, user,
					       IOASID_MODE_KERNEL_MANAGED,
					       &below_user));
		EXPECT_LIBERR(EINVAL, ioasid_attach(self->h, dev, below_user,
						    0, 0));
		EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);
		/* With it, even unbound (its shadow is empty). */
		ASSERT_EQ(0, user_node(self->h, root, &user_cm));
		EXPECT_EQ(0, ioasid_attach(self->h, dev, user_cm, 0, 0));
		EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	}
	/* No PASID attach for it (DEVICE_INFO says so). */
	ASSERT_EQ(0, dev_info(self->h, dev).out_caps & IOASID_DEVICE_CAP_PASID);
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_attach(self->h, dev, root,
						IOASID_ATTACH_PASID, 1));
	EXPECT_LIBERR(ENOENT, ioasid_attach(self->h, dev, root2 + 1000, 0, 0));
	EXPECT_LIBERR(ENOENT, ioasid_attach(self->h, dev + 1000, root, 0, 0));
	EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);

	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	/* Already attached: EBUSY; no REPLACE for a PCI device. */
	EXPECT_LIBERR(EBUSY, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_LIBERR(EBUSY, ioasid_attach(self->h, dev, root2, 0, 0));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_attach(self->h, dev, root2,
						IOASID_ATTACH_REPLACE, 0));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_attach(self->h, dev, root2,
						IOASID_ATTACH_PASID, 1));
	/* A PASID without the flag. */
	EXPECT_LIBERR(EINVAL, ioasid_detach(self->h, dev, 0, 1));
	EXPECT_EQ(1, dev_info(self->h, dev).out_num_attachments);

	/* Busy while attached, both ends. */
	EXPECT_LIBERR(EBUSY, ioasid_device_destroy(self->h, dev));
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, root));
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(self->h, dev).out_state);

	/* A software endpoint attaches to the same root beside it. */
	if (info.out_capabilities & IOASID_CAP_SW_ENDPOINT) {
		ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &sw));
		EXPECT_EQ(IOASID_DEVICE_KIND_SW, dev_info(self->h, sw).out_kind);
		EXPECT_EQ(0, dev_info(self->h, sw).out_pci_id);
		EXPECT_EQ(0, ioasid_attach(self->h, sw, root, 0, 0));
		EXPECT_EQ(0, ioasid_detach(self->h, sw, 0, 0));
		EXPECT_EQ(0, ioasid_device_destroy(self->h, sw));
	}

	EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, ioasid_attach(self->h, dev, root2, 0, 0));
	EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	/* A kernel-managed child is fine. */
	EXPECT_EQ(0, ioasid_attach(self->h, dev, child, 0, 0));
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, child));
	EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, child));
	if (user) {
		EXPECT_EQ(0, ioasid_node_destroy(self->h, below_user));
		EXPECT_EQ(0, ioasid_node_destroy(self->h, user));
		EXPECT_EQ(0, ioasid_node_destroy(self->h, user_cm));
	}
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));
	EXPECT_LIBERR(ENOENT, ioasid_device_info(self->h, dev, &(struct ioasid_device_info){}));
	/* A destroyed object is adopted anew. */
	dev = adopt_edu(_metadata, &self->pci, self->h);
	EXPECT_EQ(0, ioasid_attach(self->h, dev, root2, 0, 0));
}

/*
 * A mapping in the device's MSI window: ATTACH fails with EADDRINUSE and
 * changes nothing. Without it, ATTACH works.
 */
TEST_F(pcidev, attach_with_a_mapping_in_the_msi_window)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_iova_range before[MAX_RANGES], after[MAX_RANGES];
	uint32_t nb = MAX_RANGES, na = MAX_RANGES;
	struct ioasid_node_info ni;
	uint64_t iova = MSI_IOVA;

	/* The device buffer holds a pattern that memory does not. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 50);
	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	ASSERT_EQ(0, ioasid_node_destroy(self->h, root));

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				PAGE, &iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_iova_ranges(self->h, root, before, &nb));
	EXPECT_LIBERR(EADDRINUSE, ioasid_attach(self->h, dev, root, 0, 0));

	/* Nothing changed: not attached, same mappings, same ranges, blocked. */
	EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(self->h, dev).out_state);
	ni = node_info(self->h, root);
	EXPECT_EQ(2, ni.out_num_mappings);
	EXPECT_EQ((HALF + 1) * PAGE, ni.out_mapped_bytes);
	ASSERT_EQ(0, ioasid_iova_ranges(self->h, root, after, &na));
	ASSERT_EQ(nb, na);
	EXPECT_EQ(0, memcmp(before, after, nb * sizeof(before[0])));
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + PAGE,
		      "after a failed ATTACH");
	EXPECT_LIBERR(ENOENT, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));

	/* Without the mapping in the window it attaches. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	iova = MSI_IOVA;
	ASSERT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf + HALF * PAGE,
				PAGE, &iova, RW | FIXED));
	EXPECT_LIBERR(EADDRINUSE, ioasid_attach(self->h, dev, root, 0, 0));
	ASSERT_EQ(0, ioasid_unmap(self->h, root, MSI_IOVA, PAGE, NULL));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, PAGE, 3 * PAGE, 51);
}

/* While attached, the reserved regions are reserved ranges of the root. */
TEST_F(pcidev, reserved_regions_while_attached)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_iova_range r[MAX_RANGES];
	struct ioasid_device_info info = dev_info(self->h, dev);
	uint32_t n = MAX_RANGES, i;
	uint64_t iova;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	EXPECT_EQ(1, ranges_overlap(_metadata, self->h, root, MSI_IOVA, MSI_IOVA));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	/* Page sizes and aperture may settle at the first attach (VT-d). */
	info = dev_info(self->h, dev);
	ASSERT_EQ(IOASID_DEVICE_KIND_PCI, info.out_kind);
	EXPECT_NE(0, info.out_pgsize_bitmap & PAGE);
	EXPECT_LE(0xffffffffULL, info.out_aperture_last);

	/* Not in IOVA_RANGES; nothing outside the aperture either. */
	EXPECT_EQ(0, ranges_overlap(_metadata, self->h, root, MSI_IOVA, MSI_LAST));
	ASSERT_EQ(0, ioasid_iova_ranges(self->h, root, r, &n));
	ASSERT_GE(MAX_RANGES, n);
	ASSERT_LE(1, n);
	for (i = 0; i < n; i++) {
		EXPECT_LE(info.out_aperture_start, r[i].start);
		EXPECT_GE(info.out_aperture_last, r[i].last);
	}
	/* The mapped IOVAs are included. */
	EXPECT_EQ(1, ranges_overlap(_metadata, self->h, root, IOVA_A, IOVA_A));

	/* MAP there is EADDRINUSE, anywhere in the window. */
	iova = MSI_IOVA;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->h, root, (uintptr_t)self->buf,
					     PAGE, &iova, RW | FIXED));
	iova = MSI_LAST + 1 - PAGE;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->h, root, (uintptr_t)self->buf,
					     PAGE, &iova, RW | FIXED));
	iova = MSI_IOVA - PAGE;
	EXPECT_LIBERR(EADDRINUSE, ioasid_map(self->h, root, (uintptr_t)self->buf,
					     2 * PAGE, &iova, RW | FIXED));
	if (info.out_aperture_last < UINT64_MAX - PAGE) {
		iova = info.out_aperture_last + 1;
		EXPECT_LIBERR(EADDRINUSE,
			      ioasid_map(self->h, root, (uintptr_t)self->buf,
					 PAGE, &iova, RW | FIXED));
	}
	/* Just below the window is fine. */
	iova = MSI_IOVA - PAGE;
	EXPECT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf, PAGE, &iova,
				RW | FIXED));
	EXPECT_EQ(2, node_info(self->h, root).out_num_mappings);

	/* Kernel-chosen IOVAs stay out of it too. */
	for (i = 0; i < 4; i++) {
		iova = 0;
		ASSERT_EQ(0, ioasid_map(self->h, root,
					(uintptr_t)self->buf + HALF * PAGE,
					HALF * PAGE, &iova, RW));
		EXPECT_TRUE(iova + HALF * PAGE <= MSI_IOVA || iova > MSI_LAST);
		EXPECT_LE(info.out_aperture_start, iova);
		EXPECT_GE(info.out_aperture_last, iova + HALF * PAGE - 1);
	}

	/* Detached, the reservation goes with the device. */
	ASSERT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(1, ranges_overlap(_metadata, self->h, root, MSI_IOVA, MSI_IOVA));
	iova = MSI_IOVA;
	EXPECT_EQ(0, ioasid_map(self->h, root, (uintptr_t)self->buf, PAGE, &iova,
				RW | FIXED));
}

/*
 * The group leaves the container (VFIO_GROUP_UNSET_CONTAINER) while the
 * device is attached: the object is GONE, DMA blocked; the group joins
 * again and the device is adopted anew into the same context.
 */
TEST_F(pcidev, unset_container_while_attached)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct ioasid_device_info info;
	uint32_t dev2;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 60);

	/* VFIO wants the device fd closed before the group may leave. */
	pci_close_fd(&self->pci.device_fd);
	ASSERT_EQ(0, ioctl(self->pci.group_fd, VFIO_GROUP_UNSET_CONTAINER));

	info = dev_info(self->h, dev);
	EXPECT_EQ(IOASID_DEVICE_GONE, info.out_state);
	EXPECT_EQ(IOASID_DEVICE_KIND_PCI, info.out_kind);
	EXPECT_EQ(0, info.out_num_attachments);
	EXPECT_LIBERR(ENODEV, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_EQ(2, node_info(self->h, root).out_num_mappings);
	/* Nothing holds the root any more; the object goes with DESTROY. */
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));
	EXPECT_LIBERR(ENOENT, ioasid_device_info(self->h, dev, &info));

	/* Back into the container, adopted again: a new object that works. */
	ASSERT_EQ(0, ioctl(self->pci.group_fd, VFIO_GROUP_SET_CONTAINER,
			   &self->pci.container_fd));
	ASSERT_EQ(0, pci_vfio_set_iommu(&self->pci, IOASID_VFIO_IOMMU))
		TH_LOG("%s", self->pci.why);
	ASSERT_EQ(0, pci_vfio_device(&self->pci)) TH_LOG("%s", self->pci.why);
	ASSERT_EQ(0, pci_enable_bus_master(&self->pci)) TH_LOG("%s", self->pci.why);
	dev2 = adopt_edu(_metadata, &self->pci, self->h);
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(self->h, dev2).out_state);
	/* DMA is blocked until it attaches. */
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 2 * PAGE,
		      "adopted, not attached");
	ASSERT_EQ(0, ioasid_attach(self->h, dev2, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, HALF * PAGE, 2 * PAGE, 61);
}

/* The group's last fd closed while attached: GONE, ATTACH ENODEV, DESTROY. */
TEST_F(pcidev, close_group_while_attached)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 70);

	pci_close_fd(&self->pci.device_fd);
	pci_close_fd(&self->pci.group_fd);
	EXPECT_EQ(IOASID_DEVICE_GONE, dev_info(self->h, dev).out_state);
	EXPECT_EQ(0, dev_info(self->h, dev).out_num_attachments);
	EXPECT_LIBERR(ENODEV, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));
}

/*
 * Container and group closed with the device attached, the context kept:
 * everything set up again (new container, new context) works, and the old
 * context still holds its GONE object until it destroys it.
 */
TEST_F(pcidev, close_container_then_reuse)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	struct rig r;
	int ret;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 80);

	/* The container first: the group still holds it; then the group. */
	pci_close_fd(&self->pci.device_fd);
	pci_close_fd(&self->pci.container_fd);
	pci_close_fd(&self->pci.group_fd);
	EXPECT_EQ(IOASID_DEVICE_GONE, dev_info(self->h, dev).out_state);
	EXPECT_LIBERR(ENODEV, ioasid_attach(self->h, dev, root, 0, 0));

	memset(&r, 0, sizeof(r));
	ret = rig_up(_metadata, &r, self->buf);
	ASSERT_EQ(0, ret) TH_LOG("%s", r.pci.why);
	round_trip(_metadata, &r.pci, self->buf, HALF * PAGE, 2 * PAGE, 81);
	/* The old context's object is still there, still GONE. */
	EXPECT_EQ(IOASID_DEVICE_GONE, dev_info(self->h, dev).out_state);
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
	round_trip(_metadata, &r.pci, self->buf, PAGE, 3 * PAGE, 82);
	rig_down(&r);
}

/*
 * The /dev/ioasid fd closed with the device attached: DMA is blocked at
 * once, the pages are unpinned, and a new context adopts the container.
 */
TEST_F(pcidev, close_context_while_attached)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;
	long long pins = ioasid_pins_outstanding();
	struct ioasid_handle *h2;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 1));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_EQ(pins + NPAGES, ioasid_pins_outstanding());
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 90);

	ioasid_close(self->h);
	self->h = NULL;
	EXPECT_EQ(pins, ioasid_pins_outstanding());
	write_blocked(_metadata, &self->pci, self->buf, IOVA_A + 2 * PAGE,
		      "after the context was closed");
	write_blocked(_metadata, &self->pci, self->buf, IOVA_B,
		      "after the context was closed");

	ASSERT_EQ(0, ioasid_open(&h2, NULL, 0));
	dev = adopt_edu(_metadata, &self->pci, h2);
	EXPECT_EQ(IOASID_DEVICE_LIVE, dev_info(h2, dev).out_state);
	root_round_trip(_metadata, &self->pci, h2, dev, self->buf, 3 * PAGE, 91);
	ioasid_close(h2);
}

/* DESTROY of the root with the device attached is EBUSY, then UNMAP works. */
TEST_F(pcidev, destroy_rules)
{
	uint32_t dev = adopt_edu(_metadata, &self->pci, self->h), root;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, map_half(self->h, root, self->buf, 0));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root, 0, 0));
	EXPECT_LIBERR(EBUSY, ioasid_device_destroy(self->h, dev));
	EXPECT_LIBERR(EBUSY, ioasid_node_destroy(self->h, root));
	round_trip(_metadata, &self->pci, self->buf, 0, PAGE, 100);
	EXPECT_EQ(0, ioasid_detach(self->h, dev, 0, 0));
	EXPECT_EQ(0, ioasid_device_destroy(self->h, dev));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, root));
}

/* ------------------------------------------------------------------------ */
/* ioasidctl bind / unbind, the binary of this build */

/* In the guest /usr/bin; in a build tree build/bin, beside tests/selftests. */
static int find_ioasidctl(char *path, size_t len)
{
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, len, "%s/../../bin/ioasidctl", exe);
			if (!access(path, X_OK))
				return 0;
		}
	}
	snprintf(path, len, "/usr/bin/ioasidctl");
	return access(path, X_OK) ? -ENOENT : 0;
}

/* Run "ioasidctl CMD ARG", its stdout and stderr into @out; its exit status. */
static int ioasidctl(const char *bin, const char *cmd, const char *arg,
		     char *out, size_t len)
{
	int pipefd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(bin, "ioasidctl", cmd, arg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (got + 1 < len && (n = read(pipefd[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

static void read_sysfs(const char *bdf, const char *name, char *out, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	out[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, out, len - 1);
	out[n > 0 ? n : 0] = 0;
	out[strcspn(out, "\n")] = 0;
	close(fd);
}

/*
 * Unbind the edu from vfio-pci and bind it again, the standard way, as
 * ioasidctl(8) does. Runs when nothing has the device open; leaves it
 * bound to vfio-pci.
 */
TEST(ioasidctl_bind_unbind)
{
	char bin[PATH_MAX], out[1024], drv[64], val[64], devnode[64];
	struct pci_vfio p;

	if (find_ioasidctl(bin, sizeof(bin)))
		SKIP(return, "no ioasidctl binary (build/bin or /usr/bin)");
	pci_init(&p, EDU_BDF);
	if (pci_iommu_group(&p))
		SKIP(return, "%s", p.why);
	snprintf(devnode, sizeof(devnode), "/dev/vfio/%d", p.group);

	ASSERT_EQ(0, ioasidctl(bin, "unbind", EDU_BDF, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(0, pci_driver(EDU_BDF, drv, sizeof(drv)));
	/* The edu has no host driver: nothing takes it. */
	EXPECT_STREQ("", drv) TH_LOG("%s", out);
	read_sysfs(EDU_BDF, "driver_override", val, sizeof(val));
	EXPECT_STREQ("(null)", val);
	/* Again: nothing to unbind, still fine. */
	EXPECT_EQ(0, ioasidctl(bin, "unbind", EDU_BDF, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "no driver")) TH_LOG("%s", out);

	ASSERT_EQ(0, ioasidctl(bin, "bind", EDU_BDF, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(0, pci_driver(EDU_BDF, drv, sizeof(drv)));
	EXPECT_STREQ("vfio-pci", drv);
	read_sysfs(EDU_BDF, "driver_override", val, sizeof(val));
	EXPECT_STREQ("vfio-pci", val);
	EXPECT_NE(NULL, strstr(out, devnode)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "not there")) TH_LOG("%s", out);
	EXPECT_EQ(0, access(devnode, F_OK));
	/* Bound already: says so, changes nothing. */
	EXPECT_EQ(0, ioasidctl(bin, "bind", "00:04.0", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "already")) TH_LOG("%s", out);

	/* Errors: no such device (1), not an address (2). */
	EXPECT_EQ(1, ioasidctl(bin, "bind", "0000:7f:1f.7", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no such PCI device")) TH_LOG("%s", out);
	EXPECT_EQ(1, ioasidctl(bin, "unbind", "0000:7f:1f.7", out, sizeof(out)));
	EXPECT_EQ(2, ioasidctl(bin, "bind", "00:04", out, sizeof(out)));
	EXPECT_EQ(2, ioasidctl(bin, "unbind", "0000:00:04.0/..", out, sizeof(out)));

	/* The device works through VFIO after all this. */
	ASSERT_EQ(0, pci_setup(&p, EDU_BDF, VFIO_TYPE1v2_IOMMU)) TH_LOG("%s", p.why);
	pci_close(&p);
}

TEST_HARNESS_MAIN
