// SPDX-License-Identifier: GPL-2.0
/*
 * The module's life cycle, many times over: load; open contexts, build a
 * root with a mapping, a child with a mapping, software endpoints attached
 * without and with a PASID, DMA through both; close; unload. Unloading is
 * refused while any context is open (also one that only a child process
 * still holds), and works once the last one is closed and the module-wide
 * totals in /sys/class/misc/ioasid are back to 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define BUF_PAGES	8
#define R_IOVA		0x10000000ULL
#define C_IOVA		0x200000ULL
#define C_PAGES		4		/* child IOVA C_IOVA.. -> root R_IOVA + PAGE.. */
#define CYCLES		1000

struct totals {
	long long contexts, nodes, mappings, pinned_bytes;
};

static void read_totals(struct totals *t)
{
	t->contexts = ioasid_sysfs_stat("contexts");
	t->nodes = ioasid_sysfs_stat("nodes");
	t->mappings = ioasid_sysfs_stat("mappings");
	t->pinned_bytes = ioasid_sysfs_stat("pinned_bytes");
}

static int module_loaded(void)
{
	return access("/sys/module/" IOASID_MODULE_NAME, F_OK) == 0;
}

/* What rmmod meets: delete_module() refuses a module in use. */
static int delete_module_nonblock(void)
{
	return syscall(SYS_delete_module, IOASID_MODULE_NAME, O_NONBLOCK) ? -errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(lifecycle) {
	uint8_t *buf;
	int cycles;
	char path[300];		/* the .ko file, "" if not where the VM puts it */
};

FIXTURE_SETUP(lifecycle)
{
	struct utsname uts;

	if (geteuid())
		SKIP(return, "loading and unloading the module needs root");
	self->cycles = CYCLES / ioasid_test_scale();
	if (self->cycles < 1)
		self->cycles = 1;
	/*
	 * Odd cycles load by path (finit_module() of the file), even ones by
	 * name (modules.dep lookup): the library's two ways.
	 */
	ASSERT_EQ(0, uname(&uts));
	snprintf(self->path, sizeof(self->path),
		 "/lib/modules/%s/extra/" IOASID_MODULE_NAME ".ko", uts.release);
	if (access(self->path, R_OK)) {
		TH_LOG("no %s: loading by name only", self->path);
		self->path[0] = 0;
	}
	self->buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	/*
	 * Start from an unloaded module: nothing else may hold it. The VFIO
	 * backend uses it (an earlier test loaded it for the edu device):
	 * that goes first, and must be able to.
	 */
	if (!access("/sys/module/ioasidfd_vfio", F_OK))
		ASSERT_EQ(0, system("/sbin/modprobe -r ioasidfd_vfio"))
			TH_LOG("ioasidfd_vfio is loaded and cannot be removed");
	if (module_loaded())
		ASSERT_EQ(0, ioasid_module_unload(0))
			TH_LOG("ioasidfd is loaded and in use before the test");
	ASSERT_EQ(0, module_loaded());
}

FIXTURE_TEARDOWN(lifecycle)
{
	/* Leave the module loaded, as the other tests expect to find it. */
	ioasid_module_load(NULL, 0);
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, BUF_PAGES * PAGE);
}

/*
 * Context @h gets a root mapping the whole buffer, a child mapping part of
 * the root, device @dev[0] (no PASID) on the child and @dev[1] on the root
 * for @pasid only; then DMA writes through the child and reads the same
 * bytes back through the root with the PASID. With @teardown, everything is
 * taken apart explicitly; otherwise close() has to do it.
 */
static void use_context(struct __test_metadata *_metadata, struct ioasid_handle *h,
			uint8_t *buf, int cycle, int teardown)
{
	uint64_t iova = R_IOVA, child_iova = C_IOVA, done, unmapped;
	uint32_t root, child, dev[2], pasid = 1 + cycle % 255;
	uint8_t out[300], in[sizeof(out)];
	size_t off = 1000 + cycle % 1000;
	unsigned int i;

	ASSERT_EQ(0, ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	ASSERT_EQ(0, ioasid_map(h, root, (uintptr_t)buf, BUF_PAGES * PAGE, &iova,
				RW | FIXED));
	ASSERT_EQ(0, ioasid_node_alloc(h, root, IOASID_MODE_KERNEL_MANAGED, &child));
	ASSERT_EQ(0, ioasid_map(h, child, R_IOVA + PAGE, C_PAGES * PAGE,
				&child_iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_device_create(h, 0, 0, &dev[0]));
	ASSERT_EQ(0, ioasid_attach(h, dev[0], child, 0, 0));
	ASSERT_EQ(0, ioasid_device_create(h, IOASID_DEVICE_PASID, 8, &dev[1]));
	ASSERT_EQ(0, ioasid_attach(h, dev[1], root, IOASID_ATTACH_PASID, pasid));

	for (i = 0; i < sizeof(out); i++)
		out[i] = cycle * 31 + i;
	ASSERT_EQ(0, ioasid_dma(h, dev[0], IOASID_DMA_WRITE, 0, C_IOVA + off,
				out, sizeof(out), &done));
	ASSERT_EQ(sizeof(out), done);
	ASSERT_EQ(0, memcmp(buf + PAGE + off, out, sizeof(out)));
	memset(in, 0, sizeof(in));
	ASSERT_EQ(0, ioasid_dma(h, dev[1], IOASID_DMA_PASID, pasid,
				R_IOVA + PAGE + off, in, sizeof(in), &done));
	ASSERT_EQ(sizeof(in), done);
	ASSERT_EQ(0, memcmp(in, out, sizeof(out)));

	if (!teardown)
		return;
	ASSERT_EQ(0, ioasid_detach(h, dev[1], IOASID_ATTACH_PASID, pasid));
	ASSERT_EQ(0, ioasid_device_destroy(h, dev[1]));
	ASSERT_EQ(0, ioasid_detach(h, dev[0], 0, 0));
	ASSERT_EQ(0, ioasid_device_destroy(h, dev[0]));
	ASSERT_EQ(0, ioasid_unmap_all(h, child, &unmapped));
	ASSERT_EQ(C_PAGES * PAGE, unmapped);
	ASSERT_EQ(0, ioasid_node_destroy(h, child));
	ASSERT_EQ(0, ioasid_unmap_all(h, root, &unmapped));
	ASSERT_EQ(BUF_PAGES * PAGE, unmapped);
	ASSERT_EQ(0, ioasid_node_destroy(h, root));
}

/* Unloading must be refused: by the syscall and (@lib) by the library. */
#define EXPECT_UNLOAD_REFUSED(lib, what)					\
	do {									\
		if (lib)							\
			EXPECT_LIBERR(EBUSY, ioasid_module_unload(0))		\
				TH_LOG("cycle %d: %s", cycle, what);		\
		EXPECT_EQ(-EWOULDBLOCK, delete_module_nonblock())		\
			TH_LOG("cycle %d: %s", cycle, what);			\
		ASSERT_EQ(1, module_loaded());					\
	} while (0)

TEST_F_TIMEOUT(lifecycle, load_use_unload, 900)
{
	double t_load = 0, t_use = 0, t_unload = 0, t0, t1, start = now();
	long long pins = ioasid_pins_outstanding();
	struct ioasid_handle *h[2];
	struct totals t;
	int cycle, status, hold[2];
	pid_t pid;
	char c;

	TH_LOG("%d cycles (1000 / IOASID_TEST_SCALE %u)", self->cycles,
	       ioasid_test_scale());
	for (cycle = 0; cycle < self->cycles; cycle++) {
		t0 = now();
		ASSERT_EQ(0, ioasid_module_load(cycle & 1 && self->path[0] ?
						self->path : NULL, 0))
			TH_LOG("cycle %d", cycle);
		t1 = now();
		t_load += t1 - t0;
		t0 = t1;

		ASSERT_EQ(0, access(IOASID_DEVICE_PATH, F_OK));
		read_totals(&t);
		ASSERT_EQ(0, t.contexts);
		ASSERT_EQ(0, t.nodes);
		ASSERT_EQ(0, t.mappings);
		ASSERT_EQ(0, t.pinned_bytes);

		ASSERT_EQ(0, ioasid_open(&h[0], NULL, 0));
		ASSERT_EQ(0, ioasid_open(&h[1], NULL, 0));
		use_context(_metadata, h[0], self->buf, cycle, cycle & 1);
		read_totals(&t);
		EXPECT_EQ(2, t.contexts);
		EXPECT_EQ(cycle & 1 ? 0 : 2, t.nodes);
		if (cycle & 1) {
			EXPECT_EQ(0, t.mappings);
			EXPECT_EQ(0, t.pinned_bytes);
		} else {
			EXPECT_LE(2, t.mappings);
			EXPECT_LE(BUF_PAGES * PAGE, t.pinned_bytes);
		}
		EXPECT_UNLOAD_REFUSED(1, "two contexts open");

		ASSERT_EQ(0, ioasid_close(h[0]));
		EXPECT_UNLOAD_REFUSED(0, "one context open");

		/*
		 * Every tenth cycle (a fork costs ~10 ms under TCG), the last
		 * context lives on in a child only.
		 */
		if (cycle % 10 == 0) {
			ASSERT_EQ(0, pipe(hold));
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid) {
				close(hold[1]);
				_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
			}
			close(hold[0]);
			ASSERT_EQ(0, ioasid_close(h[1]));
			EXPECT_UNLOAD_REFUSED(1, "a child holds the last context");
			close(hold[1]);
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			ASSERT_EQ(0, status);
		} else {
			ASSERT_EQ(0, ioasid_close(h[1]));
		}

		read_totals(&t);
		EXPECT_EQ(0, t.contexts) TH_LOG("cycle %d", cycle);
		EXPECT_EQ(0, t.nodes) TH_LOG("cycle %d", cycle);
		EXPECT_EQ(0, t.mappings) TH_LOG("cycle %d", cycle);
		EXPECT_EQ(0, t.pinned_bytes) TH_LOG("cycle %d", cycle);
		/* Folding the vmstat counters costs ~5-15 ms: every tenth cycle. */
		if (cycle % 10 == 0 || cycle == self->cycles - 1)
			EXPECT_EQ(pins, ioasid_pins_outstanding()) TH_LOG("cycle %d", cycle);
		if (_metadata->exit_code)
			return;
		t1 = now();
		t_use += t1 - t0;
		t0 = t1;

		ASSERT_EQ(0, ioasid_module_unload(0)) TH_LOG("cycle %d", cycle);
		t1 = now();
		t_unload += t1 - t0;
		ASSERT_EQ(0, module_loaded());
		ASSERT_NE(0, access(IOASID_DEVICE_PATH, F_OK));
		ASSERT_NE(0, access("/sys/class/misc/ioasid", F_OK));
		if (cycle == 0) {
			EXPECT_LIBERR(ENOENT, ioasid_module_unload(0));
			EXPECT_EQ(-ENOENT, delete_module_nonblock());
		}
	}
	TH_LOG("%d cycles in %.1f s: load %.1f s, use %.1f s, unload %.1f s",
	       self->cycles, now() - start, t_load, t_use, t_unload);
}

TEST_HARNESS_MAIN
