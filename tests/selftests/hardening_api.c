// SPDX-License-Identifier: GPL-2.0
/*
 * uAPI contracts that hold against hostile or unlucky callers:
 *
 * - switching a context to IOASID_ACCOUNT_PROCESS needs CAP_SYS_RESOURCE,
 *   so an unprivileged process cannot multiply its RLIMIT_MEMLOCK by
 *   forking children that each pin against their own, fresh locked_vm;
 * - a failing ioctl changes nothing: a MAP or COPY whose answer cannot be
 *   written is never visible, not even for a moment; an UNMAP whose answer
 *   cannot be written unmaps nothing; ACCOUNT_MODE cannot change under a
 *   MAP in flight; undoing a failed MAP never hits a node that reused the
 *   id; a failing UNMAP leaves out_unmapped alone;
 * - switching dirty tracking on, and a clearing DIRTY_BITMAP, move the
 *   generation of a device whose translations they drop;
 * - DESTROY of a device racing ATTACH/DETACH never loses an attachment;
 * - output hygiene: every ioctl writes every output byte (the same bytes
 *   whatever was there before), nothing past @size, and no kernel pointer.
 *
 * Races are bounded in time and say in the log how often each side ran.
 * Where a window can be held open deterministically (userfaultfd
 * write-protection on the page of the caller's struct stalls the kernel's
 * write of the answer), a second test does that.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define BUF_PAGES	256
#define R_IOVA		0x10000000ULL	/* where the fixture's buffer is mapped */
#define RACE_IOVA	0x40000000ULL	/* the range the race tests fight over */
#define POISON64	0xdeadbeefdeadbeefULL
#define RACE_SECONDS	3.0

/* Helpers ----------------------------------------------------------------------- */

/* A raw ioctl: 0 or -errno. */
static int xio(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *page_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Memory in 4 KiB pages (no THP), so that pinning and unpinning it take long. */
static void *small_pages_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 0x22, len);
	return p;
}

static int map_fixed(int fd, uint32_t id, uint64_t addr, uint64_t len,
		     uint64_t iova, uint32_t prot)
{
	struct ioasid_map m = { .size = sizeof(m), .flags = prot | FIXED, .id = id,
				.addr = addr, .length = len, .iova = iova };

	return xio(fd, IOASID_MAP, &m);
}

static int unmap_range(int fd, uint32_t id, uint64_t iova, uint64_t len,
		       uint64_t *unmapped)
{
	struct ioasid_unmap u = { .size = sizeof(u), .id = id, .iova = iova,
				  .length = len };
	int rc = xio(fd, IOASID_UNMAP, &u);

	if (unmapped)
		*unmapped = u.out_unmapped;
	return rc;
}

/* NODE_INFO of @id; out_num_mappings is ~0 when the call failed. */
static struct ioasid_node_info nodeinfo(int fd, uint32_t id)
{
	struct ioasid_node_info ni = { .size = sizeof(ni), .id = id };

	if (xio(fd, IOASID_NODE_INFO, &ni))
		memset(&ni.out_num_mappings, 0xff, sizeof(ni.out_num_mappings));
	return ni;
}

static uint64_t nmaps(int fd, uint32_t id)
{
	return nodeinfo(fd, id).out_num_mappings;
}

static int set_mode(int fd, uint64_t mode)
{
	struct ioasid_option o = { .size = sizeof(o),
				   .option_id = IOASID_OPTION_ACCOUNT_MODE,
				   .op = IOASID_OPTION_OP_SET, .val64 = mode };

	return xio(fd, IOASID_OPTION, &o);
}

/* The mode, or -errno. */
static long long get_mode(int fd)
{
	struct ioasid_option o = { .size = sizeof(o),
				   .option_id = IOASID_OPTION_ACCOUNT_MODE,
				   .op = IOASID_OPTION_OP_GET };
	int rc = xio(fd, IOASID_OPTION, &o);

	return rc ? rc : (long long)o.val64;
}

static struct ioasid_device_info devinfo(int fd, uint32_t dev)
{
	struct ioasid_device_info di = { .size = sizeof(di), .dev_id = dev };

	if (xio(fd, IOASID_DEVICE_INFO, &di))
		memset(&di.out_generation, 0xff, sizeof(di.out_generation));
	return di;
}

static int dma_read(int fd, uint32_t dev, uint64_t iova, void *buf, uint64_t len)
{
	struct ioasid_dma d = { .size = sizeof(d), .dev_id = dev, .iova = iova,
				.length = len, .buffer = (uintptr_t)buf };

	return xio(fd, IOASID_DMA, &d);
}

static int translate(int fd, uint32_t dev, uint32_t flags, uint64_t iova,
		     struct ioasid_translate *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->flags = flags;
	t->dev_id = dev;
	t->iova = iova;
	return xio(fd, IOASID_TRANSLATE, t);
}

static int copy_fixed(int fd, uint32_t dst, uint32_t src, uint64_t src_iova,
		      uint64_t len, uint64_t dst_iova, uint32_t prot)
{
	struct ioasid_copy c = { .size = sizeof(c), .flags = prot | FIXED,
				 .dst_id = dst, .src_id = src, .length = len,
				 .src_iova = src_iova, .dst_iova = dst_iova };

	return xio(fd, IOASID_COPY, &c);
}

static int drop_to_nobody(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ?
	       -errno : 0;
}

/* Clear one capability from the effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	data[cap / 32].permitted &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int full_write(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

static int full_read(int fd, void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)p + got, n - got);
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* userfaultfd write-protection: stall the kernel's write into a page ------------ */

/* A userfaultfd with @page (one page) registered for write-protection, or -errno. */
static int uffd_wp_open(void *page)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)page, .len = PAGE },
		.mode = UFFDIO_REGISTER_MODE_WP };
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int rc;

	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		rc = -errno;
		close(uffd);
		return rc;
	}
	return uffd;
}

static int uffd_wp(int uffd, void *page, int on)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)page, .len = PAGE },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

/* 1 when a write-protect fault arrived within @ms, 0 when none did, -errno. */
static int uffd_wait_fault(int uffd, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	int rc = poll(&pfd, 1, ms);

	if (rc <= 0)
		return rc ? -errno : 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	if (msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return -EPROTO;
	return 1;
}

/*
 * Make the stalled write fail: the page becomes read-only and the writer is
 * woken, so its retried fault finds no write permission and it gets EFAULT.
 */
static int uffd_fail_write(int uffd, void *page)
{
	struct uffdio_range range = { .start = (uintptr_t)page, .len = PAGE };

	if (mprotect(page, PAGE, PROT_READ))
		return -errno;
	return ioctl(uffd, UFFDIO_WAKE, &range) ? -errno : 0;
}

/* An ioctl run in a thread of its own, which may stall writing its struct. */
struct stall {
	int fd;
	unsigned long req;
	void *arg;
	volatile int done;
	int rc;
};

static void *stall_thread(void *p)
{
	struct stall *s = p;

	s->rc = xio(s->fd, s->req, s->arg);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Start @s in a thread and wait until the kernel's write into the page
 * registered with @uffd stalls (1), or the ioctl ended without writing
 * there (0), or -errno.
 */
static int stall_start(struct stall *s, pthread_t *t, int uffd)
{
	double until = now() + 20;
	int rc;

	if (pthread_create(t, NULL, stall_thread, s))
		return -EAGAIN;
	while (now() < until) {
		rc = uffd_wait_fault(uffd, 50);
		if (rc)
			return rc;
		if (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
			return 0;
	}
	return -ETIMEDOUT;
}

/*
 * Run @fn in a thread while another ioctl is stalled writing into @page.
 * If @fn does not finish within 10 s it is blocked behind the stalled
 * ioctl (which then holds a lock across writing its answer): the write is
 * made to fail, which unblocks both, and -ETIMEDOUT says so.
 */
static int run_beside_stall(void *(*fn)(void *), void *arg, int uffd, void *page)
{
	struct timespec until;
	pthread_t t;
	int rc;

	if (pthread_create(&t, NULL, fn, arg))
		return -EAGAIN;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	rc = pthread_timedjoin_np(t, NULL, &until);
	if (!rc)
		return 0;
	uffd_fail_write(uffd, page);
	pthread_join(t, NULL);
	return -ETIMEDOUT;
}

/* The fixture ---------------------------------------------------------------------- */

FIXTURE(hard) {
	struct ioasid_handle *h;
	int fd;
	uint32_t root;
	uint8_t *buf;
	long long pinned_before, nodes_before, mappings_before;
};

FIXTURE_SETUP(hard)
{
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	self->pinned_before = ioasid_sysfs_stat("pinned_bytes");
	self->nodes_before = ioasid_sysfs_stat("nodes");
	self->mappings_before = ioasid_sysfs_stat("mappings");
	ASSERT_LE(0, self->pinned_before);
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	self->fd = ioasid_fd(self->h);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
	self->buf = page_alloc(BUF_PAGES * PAGE);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0x11, BUF_PAGES * PAGE);
}

/* Whatever a test did, closing the context gives every pin and object back. */
FIXTURE_TEARDOWN(hard)
{
	if (self->h)
		ioasid_close(self->h);
	EXPECT_EQ(self->pinned_before, ioasid_sysfs_stat("pinned_bytes"));
	EXPECT_EQ(self->nodes_before, ioasid_sysfs_stat("nodes"));
	EXPECT_EQ(self->mappings_before, ioasid_sysfs_stat("mappings"));
}

/* 1. IOASID_ACCOUNT_PROCESS needs CAP_SYS_RESOURCE ------------------------------------ */

struct mode_try {
	int setup_rc;
	int set_rc;
	long long mode;
};

/* In a child: lose privilege by @how, then try to switch to PROCESS. */
static struct mode_try try_process_mode(int fd, int how)
{
	struct mode_try r = { .setup_rc = -ECHILD };
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		return r;
	pid = fork();
	if (pid < 0)
		return r;
	if (!pid) {
		close(p[0]);
		r.setup_rc = how ? drop_cap(CAP_SYS_RESOURCE) : drop_to_nobody();
		if (!r.setup_rc) {
			r.set_rc = set_mode(fd, IOASID_ACCOUNT_PROCESS);
			r.mode = get_mode(fd);
		}
		_exit(full_write(p[1], &r, sizeof(r)) ? 1 : 0);
	}
	close(p[1]);
	if (full_read(p[0], &r, sizeof(r)))
		r.setup_rc = -EPIPE;
	close(p[0]);
	waitpid(pid, &status, 0);
	return r;
}

TEST_F(hard, process_mode_needs_cap_sys_resource)
{
	struct mode_try r;

	if (geteuid())
		SKIP(return, "needs root to drop privileges");

	/* uid 65534 with the fd a root process opened: no capabilities. */
	r = try_process_mode(self->fd, 0);
	ASSERT_EQ(0, r.setup_rc);
	EXPECT_EQ(-EPERM, r.set_rc);
	EXPECT_EQ(IOASID_ACCOUNT_USER, r.mode);
	EXPECT_EQ(IOASID_ACCOUNT_USER, get_mode(self->fd));
	ASSERT_EQ(0, set_mode(self->fd, IOASID_ACCOUNT_USER));

	/* Still root, but without CAP_SYS_RESOURCE: the capability decides. */
	r = try_process_mode(self->fd, 1);
	ASSERT_EQ(0, r.setup_rc);
	EXPECT_EQ(-EPERM, r.set_rc);
	EXPECT_EQ(IOASID_ACCOUNT_USER, r.mode);
	EXPECT_EQ(IOASID_ACCOUNT_USER, get_mode(self->fd));

	/* With it, allowed, both ways. */
	EXPECT_EQ(0, set_mode(self->fd, IOASID_ACCOUNT_PROCESS));
	EXPECT_EQ(IOASID_ACCOUNT_PROCESS, get_mode(self->fd));
	EXPECT_EQ(0, set_mode(self->fd, IOASID_ACCOUNT_USER));
	EXPECT_EQ(IOASID_ACCOUNT_USER, get_mode(self->fd));
}

#define FORK_CHILDREN	6
#define CHILD_PIN	(1ULL << 20)

struct fork_msg {
	int kind;		/* 1: a child has exited; 2: the final report */
	int child_rc;		/* 0 or the errno the child's MAP failed with */
	int setup_rc;
	int set_rc;
	long long mode;
	int ok;
};

/*
 * The unprivileged parent: uid 65534 and RLIMIT_MEMLOCK 1 MiB, holding a
 * context with a root, forks children that each MAP 1 MiB of their own
 * memory and exit. After each child it lets the root process (which can
 * read sysfs) look at the module's pinned total.
 */
static void unprivileged_parent(int to_root, int from_root)
{
	struct rlimit rl = { CHILD_PIN, CHILD_PIN };
	struct fork_msg m = { .kind = 2 };
	struct ioasid_handle *h;
	int i, status, fd;
	uint32_t root;
	char ack;
	pid_t pid;

	m.setup_rc = ioasid_open(&h, NULL, 0);
	if (!m.setup_rc)
		m.setup_rc = ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root);
	if (!m.setup_rc && setrlimit(RLIMIT_MEMLOCK, &rl))
		m.setup_rc = -errno;
	if (!m.setup_rc)
		m.setup_rc = drop_to_nobody();
	if (m.setup_rc) {
		full_write(to_root, &m, sizeof(m));
		_exit(1);
	}
	fd = ioasid_fd(h);
	m.set_rc = set_mode(fd, IOASID_ACCOUNT_PROCESS);
	m.mode = get_mode(fd);

	for (i = 0; i < FORK_CHILDREN; i++) {
		struct fork_msg c = { .kind = 1 };

		pid = fork();
		if (!pid) {
			void *mem = page_alloc(CHILD_PIN);
			uint64_t iova = 0;
			int rc;

			if (!mem)
				_exit(ENOMEM | 0x80);
			rc = ioasid_map(h, root, (uintptr_t)mem, CHILD_PIN, &iova, RW);
			_exit(rc ? -rc & 0x7f : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			c.child_rc = -1;
		else
			c.child_rc = WEXITSTATUS(status);
		m.ok += !c.child_rc;
		if (full_write(to_root, &c, sizeof(c)) || full_read(from_root, &ack, 1))
			_exit(1);
	}
	full_write(to_root, &m, sizeof(m));
	full_read(from_root, &ack, 1);
	ioasid_close(h);
	_exit(0);
}

/*
 * In USER mode the children's pins all count against uid 65534's one
 * limit: at most one 1 MiB MAP succeeds. If the unprivileged parent could
 * switch to PROCESS, each child would pin against its own fresh locked_vm,
 * and the pinned total would grow by 1 MiB per child.
 */
TEST_F_TIMEOUT(hard, unprivileged_fork_loop_stays_within_memlock, 120)
{
	int to_root[2], from_root[2], status, children = 0, ok = 0;
	long long pinned, max_pinned = 0;
	struct fork_msg m;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop privileges and read the module's totals");
	ASSERT_EQ(0, pipe(to_root));
	ASSERT_EQ(0, pipe(from_root));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(to_root[0]);
		close(from_root[1]);
		unprivileged_parent(to_root[1], from_root[0]);
	}
	close(to_root[1]);
	close(from_root[0]);

	for (;;) {
		ASSERT_EQ(0, full_read(to_root[0], &m, sizeof(m)));
		if (m.kind != 1)
			break;
		pinned = ioasid_sysfs_stat("pinned_bytes") - self->pinned_before;
		if (pinned > max_pinned)
			max_pinned = pinned;
		TH_LOG("child %d: MAP of 1 MiB %s (errno %d); module pins %lld KiB above the start",
		       children, m.child_rc ? "failed" : "succeeded", m.child_rc,
		       pinned >> 10);
		children++;
		ok += !m.child_rc;
		/* In USER mode the only refusal is the limit. */
		if (m.child_rc)
			EXPECT_EQ(ENOMEM, m.child_rc);
		ASSERT_EQ(0, full_write(from_root[1], "k", 1));
	}
	ASSERT_EQ(2, m.kind);
	ASSERT_EQ(0, m.setup_rc);
	EXPECT_EQ(-EPERM, m.set_rc);
	EXPECT_EQ(IOASID_ACCOUNT_USER, m.mode);
	EXPECT_EQ(FORK_CHILDREN, children);
	EXPECT_GE(1, ok) TH_LOG("%d children pinned 1 MiB each under a 1 MiB limit", ok);
	EXPECT_GE((long long)CHILD_PIN, max_pinned);
	ASSERT_EQ(0, full_write(from_root[1], "k", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	/* The context went with its process; the teardown checks the totals. */
}

/* 8a. A MAP or COPY whose answer cannot be written is never visible ------------------ */

#define MAP_PAGES	16

struct ro_map_race {
	int fd;
	uint32_t root, src, dst, dev;
	void *map_arg, *copy_arg;	/* in read-only pages */
	volatile int stop;
	/* thread A */
	unsigned long maps, copies, a_efault, a_other, visible_after;
	int a_other_rc;
	/* thread B */
	unsigned long dmas, translates, b_copies, dma_ok, translate_ok, copy_ok;
	unsigned long b_other;
	int b_other_rc;
};

static void *ro_mapper(void *p)
{
	struct ro_map_race *r = p;
	int rc, i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		int copy = i++ & 1;

		rc = xio(r->fd, copy ? IOASID_COPY : IOASID_MAP,
			 copy ? r->copy_arg : r->map_arg);
		if (copy)
			r->copies++;
		else
			r->maps++;
		if (rc == -EFAULT) {
			r->a_efault++;
		} else {
			r->a_other++;
			r->a_other_rc = rc;
		}
		if (nmaps(r->fd, r->root)) {
			r->visible_after++;
			unmap_range(r->fd, r->root, RACE_IOVA, MAP_PAGES * PAGE, NULL);
		}
	}
	return NULL;
}

static void ro_note_other(struct ro_map_race *r, int rc)
{
	r->b_other++;
	r->b_other_rc = rc;
}

static void *ro_observer(void *p)
{
	struct ro_map_race *r = p;
	struct ioasid_translate t;
	uint8_t local[64];
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		rc = dma_read(r->fd, r->dev, RACE_IOVA + PAGE, local, sizeof(local));
		r->dmas++;
		if (!rc)
			r->dma_ok++;
		else if (rc != -EIO)
			ro_note_other(r, rc);

		rc = translate(r->fd, r->dev, 0, RACE_IOVA + 2 * PAGE, &t);
		r->translates++;
		if (!rc)
			r->translate_ok++;
		else if (rc != -EIO)
			ro_note_other(r, rc);

		rc = copy_fixed(r->fd, r->dst, r->root, RACE_IOVA, MAP_PAGES * PAGE,
				RACE_IOVA, IOASID_MAP_READ);
		r->b_copies++;
		if (!rc) {
			r->copy_ok++;
			unmap_range(r->fd, r->dst, RACE_IOVA, MAP_PAGES * PAGE, NULL);
		} else if (rc != -ENOENT) {
			ro_note_other(r, rc);
		}
	}
	return NULL;
}

/* Roots and a device for the tests that fight over RACE_IOVA of self->root. */
static int race_setup(struct _test_data_hard *self, uint32_t *src, uint32_t *dst,
		      uint32_t *dev)
{
	int rc;

	rc = ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, src);
	if (!rc)
		rc = map_fixed(self->fd, *src, (uintptr_t)self->buf, MAP_PAGES * PAGE,
			       R_IOVA, RW);
	if (!rc)
		rc = ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, dst);
	if (!rc)
		rc = ioasid_device_create(self->h, 0, 0, dev);
	if (!rc)
		rc = ioasid_attach(self->h, *dev, self->root, 0, 0);
	return rc;
}

/*
 * Thread A maps (and copies into) RACE_IOVA with its struct in a read-only
 * page, so every answer fails; thread B reads through a device, translates
 * and copies from there all the while. None of B's may ever succeed.
 */
TEST_F_TIMEOUT(hard, map_with_unwritable_answer_is_never_visible, 60)
{
	struct ro_map_race r = { .fd = self->fd, .root = self->root };
	struct ioasid_map *m = page_alloc(PAGE);
	struct ioasid_copy *c = page_alloc(PAGE);
	pthread_t ta, tb;
	double end;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, race_setup(self, &r.src, &r.dst, &r.dev));
	*m = (struct ioasid_map){ .size = sizeof(*m), .flags = RW | FIXED,
				  .id = self->root, .addr = (uintptr_t)self->buf,
				  .length = MAP_PAGES * PAGE, .iova = RACE_IOVA };
	*c = (struct ioasid_copy){ .size = sizeof(*c), .flags = RW | FIXED,
				   .dst_id = self->root, .src_id = r.src,
				   .length = MAP_PAGES * PAGE, .src_iova = R_IOVA,
				   .dst_iova = RACE_IOVA };
	ASSERT_EQ(0, mprotect(m, PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(c, PAGE, PROT_READ));
	r.map_arg = m;
	r.copy_arg = c;

	ASSERT_EQ(0, pthread_create(&ta, NULL, ro_mapper, &r));
	ASSERT_EQ(0, pthread_create(&tb, NULL, ro_observer, &r));
	end = now() + RACE_SECONDS;
	while (now() < end)
		usleep(10000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	TH_LOG("A: %lu MAPs, %lu COPYs, %lu EFAULT, %lu other (last %d), %lu visible after failing",
	       r.maps, r.copies, r.a_efault, r.a_other, r.a_other_rc, r.visible_after);
	TH_LOG("B: %lu DMAs (%lu succeeded), %lu TRANSLATEs (%lu succeeded), %lu COPYs (%lu succeeded), %lu other (last %d)",
	       r.dmas, r.dma_ok, r.translates, r.translate_ok, r.b_copies, r.copy_ok,
	       r.b_other, r.b_other_rc);
	EXPECT_LT(0, r.maps);
	EXPECT_LT(0, r.copies);
	EXPECT_LT(0, r.dmas);
	EXPECT_EQ(0, r.a_other);
	EXPECT_EQ(0, r.visible_after);
	EXPECT_EQ(0, r.dma_ok);
	EXPECT_EQ(0, r.translate_ok);
	EXPECT_EQ(0, r.copy_ok);
	EXPECT_EQ(0, r.b_other);
	EXPECT_EQ(0, nmaps(self->fd, self->root));
	EXPECT_EQ(0, nmaps(self->fd, r.dst));
}

struct stalled_look {
	int fd;
	uint32_t root, dst, dev;
	int dma_rc, translate_rc, copy_rc;
	uint64_t nmaps;
};

/* Everything that would see a mapping at RACE_IOVA of the root. */
static void *look_at_race_iova(void *p)
{
	struct stalled_look *l = p;
	struct ioasid_translate t;
	uint8_t local[64];

	l->dma_rc = dma_read(l->fd, l->dev, RACE_IOVA, local, sizeof(local));
	l->translate_rc = translate(l->fd, l->dev, 0, RACE_IOVA + PAGE, &t);
	l->copy_rc = copy_fixed(l->fd, l->dst, l->root, RACE_IOVA, MAP_PAGES * PAGE,
				RACE_IOVA, IOASID_MAP_READ);
	if (!l->copy_rc)
		unmap_range(l->fd, l->dst, RACE_IOVA, MAP_PAGES * PAGE, NULL);
	l->nmaps = nmaps(l->fd, l->root);
	return NULL;
}

/*
 * The same window held open: the kernel's write of the answer stalls on a
 * userfaultfd write-protected page. While it waits, nothing of the MAP
 * (or COPY) may be visible; then the page turns read-only, the write
 * fails, and the call must fail with EFAULT having changed nothing.
 */
TEST_F_TIMEOUT(hard, map_with_stalled_answer_is_never_visible, 90)
{
	struct stalled_look look = { .fd = self->fd, .root = self->root };
	void *arg = page_alloc(PAGE);
	uint8_t local[64];
	int round, uffd, rc;
	uint32_t src;

	ASSERT_NE(NULL, arg);
	ASSERT_EQ(0, race_setup(self, &src, &look.dst, &look.dev));
	for (round = 0; round < 2; round++) {
		const char *what = round ? "COPY" : "MAP";
		struct stall s = { .fd = self->fd, .arg = arg };
		pthread_t t_stall;

		ASSERT_EQ(0, mprotect(arg, PAGE, PROT_READ | PROT_WRITE));
		if (round == 0) {
			s.req = IOASID_MAP;
			*(struct ioasid_map *)arg = (struct ioasid_map){
				.size = sizeof(struct ioasid_map), .flags = RW | FIXED,
				.id = self->root, .addr = (uintptr_t)self->buf,
				.length = MAP_PAGES * PAGE, .iova = RACE_IOVA };
		} else {
			s.req = IOASID_COPY;
			*(struct ioasid_copy *)arg = (struct ioasid_copy){
				.size = sizeof(struct ioasid_copy), .flags = RW | FIXED,
				.dst_id = self->root, .src_id = src,
				.length = MAP_PAGES * PAGE, .src_iova = R_IOVA,
				.dst_iova = RACE_IOVA };
		}
		uffd = uffd_wp_open(arg);
		if (uffd < 0)
			SKIP(return, "no userfaultfd write-protection here (%d)", uffd);
		ASSERT_EQ(0, uffd_wp(uffd, arg, 1));
		rc = stall_start(&s, &t_stall, uffd);
		ASSERT_LE(0, rc);
		if (rc == 0) {
			/* The call never wrote its struct: then it must have succeeded. */
			pthread_join(t_stall, NULL);
			TH_LOG("%s: no write to the struct; the call returned %d", what, s.rc);
			EXPECT_EQ(0, s.rc);
			ASSERT_EQ(0, unmap_range(self->fd, self->root, RACE_IOVA,
						 MAP_PAGES * PAGE, NULL));
			close(uffd);
			continue;
		}
		/* The kernel is writing the answer: nothing may be visible yet. */
		rc = run_beside_stall(look_at_race_iova, &look, uffd, arg);
		EXPECT_EQ(0, rc) TH_LOG("%s: a DMA, TRANSLATE, COPY or NODE_INFO waited for the stalled answer",
					what);
		if (!rc) {
			EXPECT_EQ(-EIO, look.dma_rc)
				TH_LOG("%s: a device reads through the mapping", what);
			EXPECT_EQ(-EIO, look.translate_rc)
				TH_LOG("%s: TRANSLATE finds the mapping", what);
			EXPECT_EQ(-ENOENT, look.copy_rc) TH_LOG("%s: COPY from it works", what);
			EXPECT_EQ(0, look.nmaps) TH_LOG("%s: NODE_INFO counts it", what);
			ASSERT_EQ(0, uffd_fail_write(uffd, arg));
		}
		pthread_join(t_stall, NULL);
		EXPECT_EQ(-EFAULT, s.rc) TH_LOG("%s", what);
		EXPECT_EQ(0, nmaps(self->fd, self->root)) TH_LOG("%s", what);
		EXPECT_EQ(-EIO, dma_read(self->fd, look.dev, RACE_IOVA, local, sizeof(local)));
		close(uffd);
	}
}

/* 8b. An UNMAP whose answer cannot be written unmaps nothing ------------------------- */

struct flipper {
	void *page;
	volatile int stop;
	unsigned long flips;
};

static void *flip_thread(void *p)
{
	struct flipper *f = p;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		mprotect(f->page, PAGE, PROT_READ);
		mprotect(f->page, PAGE, PROT_READ | PROT_WRITE);
		f->flips++;
	}
	return NULL;
}

/*
 * The page of the UNMAP struct flips between read-write and read-only while
 * the main thread unmaps and maps again: after every EFAULT the mapping
 * must still be there, after every success it must be gone.
 */
TEST_F_TIMEOUT(hard, unmap_with_unwritable_answer_unmaps_nothing, 60)
{
	const uint64_t len = BUF_PAGES * PAGE;
	struct ioasid_unmap *u = page_alloc(PAGE);
	struct flipper f = { .page = u };
	unsigned long ok = 0, efault = 0, other = 0, lost = 0, kept = 0;
	int rc, other_rc = 0;
	pthread_t t;
	double end;

	ASSERT_NE(NULL, u);
	*u = (struct ioasid_unmap){ .size = sizeof(*u), .id = self->root,
				    .iova = RACE_IOVA, .length = len };
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, len,
			       RACE_IOVA, RW));
	ASSERT_EQ(0, pthread_create(&t, NULL, flip_thread, &f));
	end = now() + RACE_SECONDS;
	while (now() < end) {
		rc = xio(self->fd, IOASID_UNMAP, u);
		if (rc == 0) {
			ok++;
			if (nmaps(self->fd, self->root))
				kept++;
		} else if (rc == -EFAULT) {
			efault++;
			if (nmaps(self->fd, self->root) != 1)
				lost++;
		} else {
			other++;
			other_rc = rc;
		}
		if (!nmaps(self->fd, self->root))
			ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf,
					       len, RACE_IOVA, RW));
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	TH_LOG("%lu UNMAPs succeeded, %lu EFAULT (%lu of them unmapped it anyway), %lu other (last %d); %lu flips",
	       ok, efault, lost, other, other_rc, f.flips);
	EXPECT_LT(0, ok + efault);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(0, other);
}

struct watcher {
	struct ioasid_unmap *u;
	volatile int armed, done, acted, quit;
};

/* Once the kernel's first write lands in the struct, make the page read-only. */
static void *watch_thread(void *p)
{
	struct watcher *w = p;

	for (;;) {
		while (!__atomic_load_n(&w->armed, __ATOMIC_ACQUIRE))
			if (__atomic_load_n(&w->quit, __ATOMIC_RELAXED))
				return NULL;
		while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&w->u->out_unmapped, __ATOMIC_RELAXED) == POISON64)
			;
		if (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
			mprotect(w->u, PAGE, PROT_READ);
		__atomic_store_n(&w->armed, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w->acted, 1, __ATOMIC_RELEASE);
	}
}

/*
 * A sharper version of the above: the page turns read-only the moment the
 * kernel's first write (if any) reaches the struct, so a kernel that
 * writes early, unmaps, and answers late fails to answer after unmapping.
 */
TEST_F_TIMEOUT(hard, unmap_answer_revoked_mid_call_unmaps_nothing, 120)
{
	const uint64_t len = (16ULL << 20) / ioasid_test_scale();
	uint8_t *mem = small_pages_alloc(len);
	struct ioasid_unmap *u = page_alloc(PAGE);
	struct watcher w = { .u = u };
	unsigned long ok = 0, efault = 0, lost = 0, kept = 0, bad_out = 0;
	int round, rc, rounds = 40;
	pthread_t t;

	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, u);
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)mem, len,
			       RACE_IOVA, RW));
	ASSERT_EQ(0, pthread_create(&t, NULL, watch_thread, &w));
	for (round = 0; round < rounds; round++) {
		ASSERT_EQ(0, mprotect(u, PAGE, PROT_READ | PROT_WRITE));
		*u = (struct ioasid_unmap){ .size = sizeof(*u), .id = self->root,
					    .iova = RACE_IOVA, .length = len,
					    .out_unmapped = POISON64 };
		__atomic_store_n(&w.done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w.acted, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w.armed, 1, __ATOMIC_RELEASE);
		rc = xio(self->fd, IOASID_UNMAP, u);
		__atomic_store_n(&w.done, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&w.acted, __ATOMIC_ACQUIRE))
			;
		if (rc == 0) {
			ok++;
			if (nmaps(self->fd, self->root))
				kept++;
			if (u->out_unmapped != len)
				bad_out++;
		} else {
			EXPECT_EQ(-EFAULT, rc);
			efault++;
			if (nmaps(self->fd, self->root) != 1)
				lost++;
		}
		if (!nmaps(self->fd, self->root))
			ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)mem,
					       len, RACE_IOVA, RW));
	}
	__atomic_store_n(&w.quit, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	TH_LOG("%d rounds: %lu succeeded, %lu EFAULT (%lu of them unmapped it anyway)",
	       rounds, ok, efault, lost);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(0, bad_out);
	ASSERT_EQ(0, unmap_range(self->fd, self->root, RACE_IOVA, len, NULL));
	munmap(mem, len);
}

/* 8c. ACCOUNT_MODE against a MAP in flight -------------------------------------------- */

struct mode_race {
	int fd;
	uint32_t root;
	uint8_t *buf;
	uint64_t max_len, min_len;
	long long base_kb;
	volatile int stop;
	/* mapper */
	unsigned long maps, in_process, wrong_charge, set_not_busy, leftover, map_fail;
	long long bad_mode, bad_kb;
	uint64_t bad_len;
	int map_rc, set_rc;
	/* toggler */
	unsigned long sets_ok, sets_busy, sets_other;
	int other_rc;
};

static void *mode_mapper(void *p)
{
	struct mode_race *r = p;
	unsigned int seed = 1;
	long long mode, kb;
	uint64_t len, iova;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		len = r->min_len + (rand_r(&seed) % ((r->max_len - r->min_len) / PAGE + 1)) * PAGE;
		iova = 0;
		{
			struct ioasid_map m = { .size = sizeof(m), .flags = RW,
						.id = r->root, .addr = (uintptr_t)r->buf,
						.length = len };

			rc = xio(r->fd, IOASID_MAP, &m);
			iova = m.iova;
		}
		if (rc) {
			r->map_fail++;
			r->map_rc = rc;
			continue;
		}
		r->maps++;
		/* Quiescent: something is pinned, so the mode cannot change now. */
		mode = get_mode(r->fd);
		kb = ioasid_vmlck_kb();
		if (mode == IOASID_ACCOUNT_PROCESS)
			r->in_process++;
		if ((mode == IOASID_ACCOUNT_PROCESS && kb - r->base_kb != (long long)(len >> 10)) ||
		    (mode == IOASID_ACCOUNT_USER && kb != r->base_kb) ||
		    (mode != IOASID_ACCOUNT_PROCESS && mode != IOASID_ACCOUNT_USER)) {
			if (!r->wrong_charge++) {
				r->bad_mode = mode;
				r->bad_kb = kb - r->base_kb;
				r->bad_len = len;
			}
		}
		rc = set_mode(r->fd, mode == IOASID_ACCOUNT_USER ? IOASID_ACCOUNT_PROCESS :
								   IOASID_ACCOUNT_USER);
		if (rc != -EBUSY) {
			r->set_not_busy++;
			r->set_rc = rc;
		}
		rc = unmap_range(r->fd, r->root, iova, len, NULL);
		if (rc || ioasid_vmlck_kb() != r->base_kb)
			r->leftover++;
	}
	return NULL;
}

static void *mode_toggler(void *p)
{
	struct mode_race *r = p;
	uint64_t mode = IOASID_ACCOUNT_PROCESS;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		rc = set_mode(r->fd, mode);
		if (!rc) {
			r->sets_ok++;
			mode ^= 1;
		} else if (rc == -EBUSY) {
			r->sets_busy++;
		} else {
			r->sets_other++;
			r->other_rc = rc;
		}
	}
	return NULL;
}

/*
 * One thread maps and unmaps 4-16 MiB (pinning takes a while), another
 * flips the account mode as fast as it can. SET may succeed only while
 * nothing is pinned; and whenever a mapping is in place, the mode says who
 * pays: PROCESS means VmLck holds exactly the mapping, USER means VmLck
 * holds nothing of it.
 */
TEST_F_TIMEOUT(hard, account_mode_cannot_change_under_a_map, 120)
{
	struct mode_race r = { .fd = self->fd, .root = self->root };
	unsigned int scale = ioasid_test_scale();
	pthread_t tm, tt;
	double end;

	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_RESOURCE) to choose PROCESS");
	r.max_len = (16ULL << 20) / scale;
	r.min_len = (4ULL << 20) / scale;
	r.buf = page_alloc(r.max_len);
	ASSERT_NE(NULL, r.buf);
	r.base_kb = ioasid_vmlck_kb();
	ASSERT_LE(0, r.base_kb);

	ASSERT_EQ(0, pthread_create(&tm, NULL, mode_mapper, &r));
	ASSERT_EQ(0, pthread_create(&tt, NULL, mode_toggler, &r));
	end = now() + RACE_SECONDS;
	while (now() < end)
		usleep(10000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(tm, NULL);
	pthread_join(tt, NULL);

	TH_LOG("%lu MAPs (%lu in PROCESS mode, %lu failed, last %d); SET: %lu ok, %lu EBUSY, %lu other (last %d)",
	       r.maps, r.in_process, r.map_fail, r.map_rc, r.sets_ok, r.sets_busy,
	       r.sets_other, r.other_rc);
	if (r.wrong_charge)
		TH_LOG("%lu mappings charged to the wrong place; first: mode %lld, VmLck %+lld kB for a %llu kB mapping",
		       r.wrong_charge, r.bad_mode, r.bad_kb,
		       (unsigned long long)(r.bad_len >> 10));
	EXPECT_LT(0, r.maps);
	EXPECT_LT(0, r.sets_ok);
	EXPECT_EQ(0, r.map_fail);
	EXPECT_EQ(0, r.wrong_charge);
	EXPECT_EQ(0, r.set_not_busy) TH_LOG("SET while pinned returned %d", r.set_rc);
	EXPECT_EQ(0, r.leftover);
	EXPECT_EQ(0, r.sets_other);
	EXPECT_EQ(0, set_mode(self->fd, IOASID_ACCOUNT_USER));
	EXPECT_EQ(r.base_kb, ioasid_vmlck_kb());
}

/* 8d. Undoing a failed MAP never hits a node that reused the id --------------------- */

#define CHILD_PAGES	4

struct reuse_look {
	struct ioasid_handle *h;
	int fd;
	uint32_t root, child, again;
	uint64_t len;
	int destroy_rc, alloc_rc, map_rc;
};

/* Destroy the child, make a new one (the same id) and map the range there. */
static void *reuse_the_id(void *p)
{
	struct reuse_look *l = p;

	l->destroy_rc = ioasid_node_destroy(l->h, l->child);
	if (l->destroy_rc)
		return NULL;
	l->alloc_rc = ioasid_node_alloc(l->h, l->root, IOASID_MODE_KERNEL_MANAGED,
					&l->again);
	if (!l->alloc_rc)
		l->map_rc = map_fixed(l->fd, l->again, R_IOVA, l->len, RACE_IOVA, RW);
	return NULL;
}

/*
 * A MAP into child X stalls writing its answer. Meanwhile X is destroyed,
 * a new child gets the same id (ids are reused lowest first) and maps the
 * same range successfully. When the stalled MAP then fails, whatever it
 * undoes, the new node's mapping stays.
 */
TEST_F_TIMEOUT(hard, failed_map_undo_spares_a_reused_id_stalled, 60)
{
	struct reuse_look l = { .h = self->h, .fd = self->fd, .root = self->root,
				.len = CHILD_PAGES * PAGE };
	struct ioasid_map *m = page_alloc(PAGE);
	struct stall s = { .fd = self->fd, .req = IOASID_MAP, .arg = m };
	uint64_t unmapped = 0;
	pthread_t t;
	int uffd, rc;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, l.len,
			       R_IOVA, RW));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &l.child));
	*m = (struct ioasid_map){ .size = sizeof(*m), .flags = RW | FIXED,
				  .id = l.child, .addr = R_IOVA, .length = l.len,
				  .iova = RACE_IOVA };
	uffd = uffd_wp_open(m);
	if (uffd < 0)
		SKIP(return, "no userfaultfd write-protection here (%d)", uffd);
	ASSERT_EQ(0, uffd_wp(uffd, m, 1));
	rc = stall_start(&s, &t, uffd);
	ASSERT_LE(0, rc);
	if (rc == 0) {
		pthread_join(t, NULL);
		close(uffd);
		SKIP(return, "the MAP never wrote its struct (returned %d)", s.rc);
	}

	rc = run_beside_stall(reuse_the_id, &l, uffd, m);
	EXPECT_EQ(0, rc) TH_LOG("DESTROY, ALLOC or MAP waited for the stalled answer");
	if (rc) {
		pthread_join(t, NULL);
		close(uffd);
		return;
	}
	if (l.destroy_rc) {
		/* The kernel keeps the node busy while answering: no reuse possible. */
		TH_LOG("DESTROY of the node being mapped: %d", l.destroy_rc);
		EXPECT_EQ(-EBUSY, l.destroy_rc);
		ASSERT_EQ(0, uffd_fail_write(uffd, m));
		pthread_join(t, NULL);
		EXPECT_EQ(-EFAULT, s.rc);
		EXPECT_EQ(0, nmaps(self->fd, l.child));
		close(uffd);
		return;
	}
	ASSERT_EQ(0, l.alloc_rc);
	EXPECT_EQ(l.child, l.again) TH_LOG("ids are not reused lowest first any more");
	ASSERT_EQ(0, l.map_rc);
	ASSERT_EQ(1, nmaps(self->fd, l.again));

	ASSERT_EQ(0, uffd_fail_write(uffd, m));
	pthread_join(t, NULL);
	EXPECT_EQ(-EFAULT, s.rc);
	/* The new node's mapping was answered with success: it must stay. */
	EXPECT_EQ(1, nmaps(self->fd, l.again));
	EXPECT_EQ(0, unmap_range(self->fd, l.again, RACE_IOVA, l.len, &unmapped));
	EXPECT_EQ(l.len, unmapped);
	close(uffd);
}

struct reuse_race {
	int fd;
	void *arg;		/* read-only MAP struct for the child id */
	volatile int stop;
	unsigned long maps, efault, enoent, eexist, other;
	int other_rc;
};

static void *reuse_mapper(void *p)
{
	struct reuse_race *r = p;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		rc = xio(r->fd, IOASID_MAP, r->arg);
		r->maps++;
		switch (rc) {
		case -EFAULT:
			r->efault++;
			break;
		case -ENOENT:		/* between DESTROY and ALLOC */
			r->enoent++;
			break;
		case -EEXIST:		/* the main thread's mapping is there */
			r->eexist++;
			break;
		default:
			r->other++;
			r->other_rc = rc;
		}
	}
	return NULL;
}

/*
 * The same without holding the window open: a thread keeps mapping into
 * id X with an unwritable struct while the main thread destroys X, makes a
 * new X and maps the range there. Every mapping the main thread was told
 * succeeded is still there when it unmaps it. Best effort: the window is
 * narrow without the stall above.
 */
TEST_F_TIMEOUT(hard, failed_map_undo_spares_a_reused_id, 60)
{
	const uint64_t len = CHILD_PAGES * PAGE;
	struct ioasid_map *m = page_alloc(PAGE);
	struct reuse_race r = { .fd = self->fd, .arg = m };
	unsigned long rounds = 0, busy = 0, lost = 0, taken = 0, renamed = 0;
	uint32_t child, again;
	uint64_t unmapped;
	pthread_t t;
	double end;
	int rc;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, len,
			       R_IOVA, RW));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
				       IOASID_MODE_KERNEL_MANAGED, &child));
	*m = (struct ioasid_map){ .size = sizeof(*m), .flags = RW | FIXED, .id = child,
				  .addr = R_IOVA, .length = len, .iova = RACE_IOVA };
	ASSERT_EQ(0, mprotect(m, PAGE, PROT_READ));
	ASSERT_EQ(0, pthread_create(&t, NULL, reuse_mapper, &r));
	end = now() + RACE_SECONDS;
	while (now() < end) {
		rc = ioasid_node_destroy(self->h, child);
		if (rc == -EBUSY) {
			busy++;
			continue;
		}
		ASSERT_EQ(0, rc);
		ASSERT_EQ(0, ioasid_node_alloc(self->h, self->root,
					       IOASID_MODE_KERNEL_MANAGED, &again));
		if (again != child) {
			renamed++;
			break;
		}
		rounds++;
		rc = map_fixed(self->fd, again, R_IOVA, len, RACE_IOVA, RW);
		if (rc == -EEXIST) {
			taken++;	/* the other thread's failing MAP holds it */
			continue;
		}
		ASSERT_EQ(0, rc);
		sched_yield();
		rc = unmap_range(self->fd, again, RACE_IOVA, len, &unmapped);
		if (rc || unmapped != len)
			lost++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	TH_LOG("%lu rounds (%lu DESTROY EBUSY); other thread: %lu MAPs, %lu EFAULT, %lu ENOENT, %lu EEXIST, %lu other (last %d)",
	       rounds, busy, r.maps, r.efault, r.enoent, r.eexist, r.other, r.other_rc);
	EXPECT_EQ(0, renamed);
	EXPECT_LT(0, rounds);
	EXPECT_EQ(0, lost) TH_LOG("%lu successful MAPs were undone by someone else", lost);
	/*
	 * Not a failure by itself (a kernel may hold a range while it answers):
	 * how often the other thread's failing MAP kept a fresh node's range.
	 */
	TH_LOG("%lu times the range of a fresh node was taken (EEXIST)", taken);
	EXPECT_EQ(0, r.other);
}

/* 9. A failing UNMAP does not write out_unmapped -------------------------------------- */

TEST_F(hard, failing_unmap_leaves_out_unmapped)
{
	struct ioasid_unmap u;
	uint64_t iova = RACE_IOVA;

#define UNMAP_FAILS(err, _id, _flags, _iova, _len)					\
	do {										\
		u = (struct ioasid_unmap){ .size = sizeof(u), .flags = (_flags),	\
					   .id = (_id), .iova = (_iova),		\
					   .length = (_len),				\
					   .out_unmapped = POISON64 };			\
		EXPECT_EQ(-(err), xio(self->fd, IOASID_UNMAP, &u));			\
		EXPECT_EQ(POISON64, u.out_unmapped)					\
			TH_LOG("UNMAP failing with %s wrote out_unmapped", #err);	\
	} while (0)

	UNMAP_FAILS(ENOENT, self->root, 0, iova, PAGE);		/* nothing mapped */
	UNMAP_FAILS(ENOENT, self->root + 99, 0, iova, PAGE);	/* no such node */
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, 2 * PAGE,
			       iova, RW));
	UNMAP_FAILS(ENOENT, self->root, 0, iova, PAGE);		/* would split */
	UNMAP_FAILS(EINVAL, self->root, 0, iova + 1, PAGE);
	UNMAP_FAILS(EINVAL, self->root, 0, iova, 0);
	UNMAP_FAILS(EINVAL, self->root, IOASID_UNMAP_ALL, iova, 0);
	UNMAP_FAILS(EOPNOTSUPP, self->root, 1u << 7, iova, PAGE);
	UNMAP_FAILS(EOVERFLOW, self->root, 0, -PAGE, 2 * PAGE);
	EXPECT_EQ(1, nmaps(self->fd, self->root));

	/* And a successful one writes it. */
	u = (struct ioasid_unmap){ .size = sizeof(u), .id = self->root, .iova = iova,
				   .length = 2 * PAGE, .out_unmapped = POISON64 };
	EXPECT_EQ(0, xio(self->fd, IOASID_UNMAP, &u));
	EXPECT_EQ(2 * PAGE, u.out_unmapped);
#undef UNMAP_FAILS
}

TEST_F(hard, failing_batch_unmap_entry_leaves_out_unmapped)
{
	struct ioasid_unmap e[3];
	struct ioasid_batch b = { .size = sizeof(b), .op = IOASID_CMD_UNMAP,
				  .count = 3, .entry_size = sizeof(e[0]),
				  .entries = (uintptr_t)e, .out_done = 77 };
	unsigned int i;

	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, PAGE,
			       RACE_IOVA, RW));
	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf, PAGE,
			       RACE_IOVA + 2 * PAGE, RW));
	/* The middle entry names a hole. */
	for (i = 0; i < 3; i++)
		e[i] = (struct ioasid_unmap){ .size = sizeof(e[0]), .id = self->root,
					      .iova = RACE_IOVA + i * PAGE,
					      .length = PAGE, .out_unmapped = POISON64 };
	EXPECT_EQ(-ENOENT, xio(self->fd, IOASID_BATCH, &b));
	EXPECT_EQ(1, b.out_done);
	EXPECT_EQ(PAGE, e[0].out_unmapped);
	EXPECT_EQ(POISON64, e[1].out_unmapped) TH_LOG("the failing entry was written");
	EXPECT_EQ(POISON64, e[2].out_unmapped) TH_LOG("an entry never run was written");
	EXPECT_EQ(1, nmaps(self->fd, self->root));
}

/* 9. Dirty tracking moves the generation of devices whose translations it drops ----- */

struct gen_env {
	uint32_t dev, child, cdev;
	uint64_t child_iova;
};

static int gen_setup(struct _test_data_hard *self, struct gen_env *g)
{
	int rc;

	g->child_iova = 0x7000000;
	rc = map_fixed(self->fd, self->root, (uintptr_t)self->buf, 64 * PAGE, R_IOVA, RW);
	if (!rc)
		rc = ioasid_device_create(self->h, 0, 0, &g->dev);
	if (!rc)
		rc = ioasid_attach(self->h, g->dev, self->root, 0, 0);
	/* A second device sees the root's pages through a child. */
	if (!rc)
		rc = ioasid_node_alloc(self->h, self->root, IOASID_MODE_KERNEL_MANAGED,
				       &g->child);
	if (!rc)
		rc = map_fixed(self->fd, g->child, R_IOVA + 8 * PAGE, 8 * PAGE,
			       g->child_iova, RW);
	if (!rc)
		rc = ioasid_device_create(self->h, 0, 0, &g->cdev);
	if (!rc)
		rc = ioasid_attach(self->h, g->cdev, g->child, 0, 0);
	return rc;
}

static void gen_teardown(struct _test_data_hard *self, struct gen_env *g)
{
	ioasid_detach(self->h, g->cdev, 0, 0);
	ioasid_detach(self->h, g->dev, 0, 0);
}

TEST_F(hard, enabling_dirty_tracking_moves_the_generation)
{
	struct ioasid_translate t, tc, again;
	struct gen_env g;
	int round;

	ASSERT_EQ(0, gen_setup(self, &g));
	for (round = 0; round < 2; round++) {
		uint32_t node = round ? g.child : self->root;

		/* Cached translations, read and write, for both devices. */
		ASSERT_EQ(0, translate(self->fd, g.dev, 0, R_IOVA + 9 * PAGE + 8, &t));
		ASSERT_EQ(0, translate(self->fd, g.cdev, IOASID_DMA_WRITE,
				       g.child_iova + PAGE, &tc));
		ASSERT_EQ(t.out_generation, devinfo(self->fd, g.dev).out_generation);
		ASSERT_EQ(1, devinfo(self->fd, g.dev).out_iotlb_entries);
		ASSERT_EQ(1, devinfo(self->fd, g.cdev).out_iotlb_entries);

		ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, node, 1));
		/* The root's switch drops both; the child's only its device's. */
		if (!round) {
			EXPECT_LT(t.out_generation, devinfo(self->fd, g.dev).out_generation);
			EXPECT_EQ(0, devinfo(self->fd, g.dev).out_iotlb_entries);
		}
		EXPECT_LT(tc.out_generation, devinfo(self->fd, g.cdev).out_generation)
			TH_LOG("round %d", round);
		EXPECT_EQ(0, devinfo(self->fd, g.cdev).out_iotlb_entries);
		/* Asked again, a result carries the new generation. */
		ASSERT_EQ(0, translate(self->fd, g.cdev, 0, g.child_iova + PAGE, &again));
		EXPECT_LT(tc.out_generation, again.out_generation);
		ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, node, 0));
	}
	gen_teardown(self, &g);
}

TEST_F(hard, clearing_dirty_bitmap_moves_the_generation)
{
	struct ioasid_translate t, tc, again;
	uint64_t bitmap[2];
	struct gen_env g;
	int round;

	ASSERT_EQ(0, gen_setup(self, &g));
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	for (round = 0; round < 2; round++) {
		uint32_t flags = round ? IOASID_DMA_WRITE : 0;

		ASSERT_EQ(0, translate(self->fd, g.dev, flags, R_IOVA + 3 * PAGE, &t));
		ASSERT_EQ(0, translate(self->fd, g.cdev, flags, g.child_iova + 2 * PAGE,
				       &tc));
		ASSERT_EQ(1, devinfo(self->fd, g.dev).out_iotlb_entries);
		ASSERT_EQ(1, devinfo(self->fd, g.cdev).out_iotlb_entries);
		/* Root pages 8..15 hold both translations. */
		ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA + 8 * PAGE,
						 8 * PAGE, PAGE, bitmap, 0));
		EXPECT_LT(tc.out_generation, devinfo(self->fd, g.cdev).out_generation)
			TH_LOG("round %d", round);
		EXPECT_EQ(0, devinfo(self->fd, g.cdev).out_iotlb_entries);
		ASSERT_EQ(0, translate(self->fd, g.cdev, flags, g.child_iova + 2 * PAGE,
				       &again));
		EXPECT_LT(tc.out_generation, again.out_generation);
		if (!round) {
			/* The root device's entry covers the whole root mapping. */
			EXPECT_LT(t.out_generation, devinfo(self->fd, g.dev).out_generation);
			EXPECT_EQ(0, devinfo(self->fd, g.dev).out_iotlb_entries);
		}
		/* Clear what this round marked before the next. */
		ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, 64 * PAGE,
						 PAGE, bitmap, 0));
	}
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 0));
	gen_teardown(self, &g);
}

/* 5. DESTROY of a device against ATTACH/DETACH ---------------------------------------- */

struct dev_race {
	int fd;
	uint32_t root;
	volatile uint32_t dev;
	volatile int stop;
	struct {
		unsigned long attached, gone, busy, lost, other;
		int other_rc;
	} t[2];
};

struct dev_racer {
	struct dev_race *r;
	int i;
};

static void *dev_attacher(void *p)
{
	struct dev_racer *me = p;
	struct dev_race *r = me->r;
	uint32_t flags = me->i ? IOASID_ATTACH_PASID : 0, pasid = me->i;
	struct ioasid_attach a = { .size = sizeof(a), .flags = flags, .pasid = pasid };
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		a.dev_id = __atomic_load_n(&r->dev, __ATOMIC_ACQUIRE);
		a.node_id = r->root;
		rc = xio(r->fd, IOASID_ATTACH, &a);
		if (rc == -ENOENT) {
			r->t[me->i].gone++;
			continue;
		}
		if (rc) {
			r->t[me->i].other++;
			r->t[me->i].other_rc = rc;
			continue;
		}
		r->t[me->i].attached++;
		a.node_id = 0;
		rc = xio(r->fd, IOASID_DETACH, &a);
		/* Attached by us: nobody could destroy the device meanwhile. */
		if (rc)
			r->t[me->i].lost++;
	}
	return NULL;
}

TEST_F_TIMEOUT(hard, device_destroy_races_attach_and_detach, 60)
{
	struct dev_race r = { .fd = self->fd, .root = self->root };
	struct dev_racer a0 = { &r, 0 }, a1 = { &r, 1 };
	unsigned long destroyed = 0, busy = 0, bad = 0;
	uint32_t dev, fresh;
	pthread_t t0, t1;
	double end;
	int rc, i;

	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 4, &dev));
	r.dev = dev;
	ASSERT_EQ(0, pthread_create(&t0, NULL, dev_attacher, &a0));
	ASSERT_EQ(0, pthread_create(&t1, NULL, dev_attacher, &a1));
	end = now() + RACE_SECONDS;
	while (now() < end) {
		dev = r.dev;
		rc = ioasid_device_destroy(self->h, dev);
		if (rc == -EBUSY) {
			busy++;
			continue;
		}
		ASSERT_EQ(0, rc);
		destroyed++;
		/* Gone for everyone. */
		if (devinfo(self->fd, dev).out_generation != ~0ULL)
			bad++;
		if (ioasid_attach(self->h, dev, self->root, 0, 0) != -ENOENT)
			bad++;
		ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 4, &fresh));
		__atomic_store_n(&r.dev, fresh, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
	for (i = 0; i < 2; i++) {
		TH_LOG("attacher %d: %lu attached, %lu ENOENT, %lu lost, %lu other (last %d)",
		       i, r.t[i].attached, r.t[i].gone, r.t[i].lost, r.t[i].other,
		       r.t[i].other_rc);
		EXPECT_EQ(0, r.t[i].lost);
		EXPECT_EQ(0, r.t[i].other);
	}
	TH_LOG("DESTROY: %lu succeeded, %lu EBUSY", destroyed, busy);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, destroyed);
	EXPECT_LT(0, r.t[0].attached + r.t[1].attached);

	/* Nothing is attached any more: device and root both go. */
	EXPECT_EQ(0, devinfo(self->fd, r.dev).out_num_attachments);
	EXPECT_EQ(0, ioasid_device_destroy(self->h, r.dev));
	EXPECT_EQ(0, ioasid_node_destroy(self->h, self->root))
		TH_LOG("the root still counts an attachment of a destroyed device");
}

/* 6. Output hygiene ------------------------------------------------------------------- */

#define HYG_GUARD	64
#define HYG_GUARD_BYTE	0xc3
#define HYG_MAX_SPANS	16
#define HYG_ARG_MAX	512

struct span {
	size_t off, len;
};

#define OUT(type, member) { offsetof(struct type, member), sizeof(((struct type *)0)->member) }

struct hyg_env {
	struct ioasid_handle *h;
	int fd;
	uint32_t root, dev, dev2, scratch;
	uint32_t unode;		/* user-managed, under root; 0 if none */
	uint32_t queue;		/* a fault queue */
	uint8_t *buf;
};

struct hyg_case {
	const char *name;
	unsigned long req;
	size_t size;			/* sizeof the struct */
	const void *tmpl;		/* the inputs, size bytes */
	struct span outs[HYG_MAX_SPANS];	/* known output members */
	unsigned int nouts;
	/* An output buffer the struct points to (at @side_ptr), if any. */
	size_t side_len, side_ptr;
	const void *side_tmpl;		/* its inputs; NULL: all output */
	struct span side_outs[HYG_MAX_SPANS];
	unsigned int nside_outs;
	int (*reset)(struct hyg_env *e);	/* before each call */
	void (*undo)(struct hyg_env *e, const void *answer);	/* after each */
};

/* Every ioctl, with its struct's size and its size as first shipped. */
#define HYG_SIZE(s, req, last) case req: return sizeof(struct s);
#define HYG_MIN(s, req, last) case req: return offsetofend(struct s, last);
#define HYG_REQ(s, req, last) req,

static size_t hyg_size(unsigned long req)
{
	switch (req) {
	IOASID_FOR_EACH_IOCTL(HYG_SIZE)
	}
	return 0;
}

static size_t hyg_min_size(unsigned long req)
{
	switch (req) {
	IOASID_FOR_EACH_IOCTL(HYG_MIN)
	}
	return 0;
}

static const unsigned long hyg_all_reqs[] = { IOASID_FOR_EACH_IOCTL(HYG_REQ) };

static void poison_spans(uint8_t *p, size_t limit, const struct span *s,
			 unsigned int n, uint8_t pat)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (s[i].off < limit)
			memset(p + s[i].off, pat,
			       s[i].off + s[i].len > limit ? limit - s[i].off : s[i].len);
}

static int in_spans(size_t off, const struct span *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (off >= s[i].off && off < s[i].off + s[i].len)
			return 1;
	return 0;
}

struct hyg_call {
	int rc;
	uint8_t arg[HYG_ARG_MAX + HYG_GUARD];
	uint8_t arg_before[HYG_ARG_MAX];
	uint8_t side_before[HYG_ARG_MAX];
	uint8_t side_after[HYG_ARG_MAX + HYG_GUARD];
};

/* The side buffer: one address for every call, so the structs compare equal. */
static uint8_t hyg_side[HYG_ARG_MAX + HYG_GUARD];

/*
 * One call with @usize as the struct's size and @outs poisoned with @pat,
 * from the state c->reset makes; c->undo goes back to it afterwards. The
 * struct and the side buffer as the kernel left them are kept in @call.
 */
static int hyg_call(struct hyg_env *e, const struct hyg_case *c,
		    const struct span *outs, unsigned int nouts, size_t usize,
		    uint8_t pat, struct hyg_call *call)
{
	uint64_t side_addr = (uintptr_t)hyg_side;

	if (c->reset && c->reset(e))
		return call->rc = -EIO;
	memset(call->arg, 0, sizeof(call->arg));
	memcpy(call->arg, c->tmpl, usize < c->size ? usize : c->size);
	*(uint32_t *)call->arg = usize;
	if (c->side_len)
		memcpy(call->arg + c->side_ptr, &side_addr, sizeof(side_addr));
	poison_spans(call->arg, usize, outs, nouts, pat);
	memset(call->arg + usize, HYG_GUARD_BYTE, HYG_GUARD);
	memcpy(call->arg_before, call->arg, usize);
	if (c->side_len) {
		if (c->side_tmpl)
			memcpy(hyg_side, c->side_tmpl, c->side_len);
		else
			memset(hyg_side, pat, c->side_len);
		poison_spans(hyg_side, c->side_len, c->side_outs, c->nside_outs, pat);
		memset(hyg_side + c->side_len, HYG_GUARD_BYTE, HYG_GUARD);
		memcpy(call->side_before, hyg_side, c->side_len);
	}
	call->rc = xio(e->fd, c->req, call->arg);
	memcpy(call->side_after, hyg_side, c->side_len + HYG_GUARD);
	if (!call->rc && c->undo)
		c->undo(e, call->arg);
	return call->rc;
}

/* The first offset in [from, to) where @p is not @byte, or @to. */
static size_t first_not(const uint8_t *p, size_t from, size_t to, uint8_t byte)
{
	for (; from < to && p[from] == byte; from++)
		;
	return from;
}

/* The first offset below @n not in @outs where @a and @b differ, or @n. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n,
			 const struct span *outs, unsigned int nouts)
{
	size_t off;

	for (off = 0; off < n; off++)
		if (!in_spans(off, outs, nouts) && a[off] != b[off])
			break;
	return off;
}

static void hyg_check(struct __test_metadata *_metadata, struct hyg_env *e,
		      const struct hyg_case *c)
{
	static struct hyg_call calls[2];
	size_t min = hyg_min_size(c->req), sizes[3], s, off;
	struct span outs[HYG_MAX_SPANS * 2];
	unsigned int nouts = c->nouts, n, k;
	uint64_t word;

	/* The case's struct is the one the ioctl list names. */
	ASSERT_EQ(hyg_size(c->req), c->size) TH_LOG("%s", c->name);
	ASSERT_GE(HYG_ARG_MAX, c->size + 8);
	ASSERT_GE(HYG_ARG_MAX, c->side_len);
	memcpy(outs, c->outs, sizeof(c->outs[0]) * c->nouts);

	/*
	 * Members added after the struct first shipped: a u32 the kernel
	 * takes poisoned is an output (an input would be refused), and is
	 * checked like the known ones.
	 */
	for (off = min; off + 4 <= c->size && nouts < ARRAY_SIZE(outs); off += 4) {
		struct span probe = { off, 4 };

		if (!hyg_call(e, c, &probe, 1, c->size, 0xa5, &calls[0])) {
			outs[nouts++] = probe;
			TH_LOG("%s: bytes %zu..%zu are newer than this test, taken as output",
			       c->name, off, off + 3);
		}
	}

	sizes[0] = c->size;
	sizes[1] = c->size + 8;	/* a caller's longer struct, zero tail */
	sizes[2] = min;		/* the struct as first shipped */
	for (k = 0; k < 3; k++) {
		s = sizes[k];
		if (k == 2 && s == c->size)
			break;
		for (n = 0; n < 2; n++) {
			struct hyg_call *call = &calls[n];

			hyg_call(e, c, outs, nouts, s, n ? 0x5a : 0xa5, call);
			ASSERT_EQ(0, call->rc) TH_LOG("%s, size %zu", c->name, s);
			/* Nothing past the caller's size is written. */
			off = first_not(call->arg, s, s + HYG_GUARD, HYG_GUARD_BYTE);
			EXPECT_EQ(s + HYG_GUARD, off)
				TH_LOG("%s, size %zu: byte %zu past the struct written",
				       c->name, s, off);
			/* Inputs come back as they went in. */
			off = first_diff(call->arg, call->arg_before, s, outs, nouts);
			EXPECT_EQ(s, off) TH_LOG("%s, size %zu: input byte %zu changed",
						 c->name, s, off);
			if (!c->side_len)
				continue;
			off = first_not(call->side_after, c->side_len,
					c->side_len + HYG_GUARD, HYG_GUARD_BYTE);
			EXPECT_EQ(c->side_len + HYG_GUARD, off)
				TH_LOG("%s: byte %zu past its buffer written", c->name, off);
			if (c->side_tmpl) {
				off = first_diff(call->side_after, call->side_before,
						 c->side_len, c->side_outs, c->nside_outs);
				EXPECT_EQ(c->side_len, off)
					TH_LOG("%s: input byte %zu of its buffer changed",
					       c->name, off);
			}
		}
		/* Every output byte the same whatever was there: all written. */
		off = first_diff(calls[0].arg, calls[1].arg, s, NULL, 0);
		EXPECT_EQ(s, off)
			TH_LOG("%s, size %zu: byte %zu left unwritten (%#x, then %#x)",
			       c->name, s, off, calls[0].arg[off], calls[1].arg[off]);
		off = first_diff(calls[0].side_after, calls[1].side_after, c->side_len,
				 NULL, 0);
		EXPECT_EQ(c->side_len, off)
			TH_LOG("%s: byte %zu of its buffer left unwritten (%#x, then %#x)",
			       c->name, off, calls[0].side_after[off],
			       calls[1].side_after[off]);
		/*
		 * No word of the answer looks like a kernel address (all ones is
		 * a "no limit", never a pointer).
		 */
		for (off = 0; off + 8 <= s; off += 8) {
			memcpy(&word, calls[0].arg + off, 8);
			if (word != ~0ULL)
				EXPECT_GT(0xffff800000000000ULL, word)
					TH_LOG("%s: word at %zu is %#llx", c->name, off,
					       (unsigned long long)word);
		}
	}
}

/* Resets and undos: every call starts from the same state. */

static int hyg_expect_alloc(struct hyg_env *e, uint32_t parent)
{
	uint32_t id;
	int rc = ioasid_node_alloc(e->h, parent, IOASID_MODE_KERNEL_MANAGED, &id);

	if (rc)
		return rc;
	return id == e->scratch ? 0 : -EIO;	/* ids are reused lowest first */
}

static int hyg_reset_scratch(struct hyg_env *e)
{
	return hyg_expect_alloc(e, 0);
}

static void hyg_undo_scratch(struct hyg_env *e, const void *answer)
{
	ioasid_node_destroy(e->h, e->scratch);
}

static void hyg_undo_alloc(struct hyg_env *e, const void *answer)
{
	ioasid_node_destroy(e->h, ((const struct ioasid_alloc *)answer)->out_id);
}

static void hyg_undo_device(struct hyg_env *e, const void *answer)
{
	ioasid_device_destroy(e->h, ((const struct ioasid_device_create *)answer)->out_id);
}

static void hyg_undo_fault_queue(struct hyg_env *e, const void *answer)
{
	const struct ioasid_fault_queue_alloc *a = answer;

	close(a->out_fd);
	ioasid_node_destroy(e->h, a->out_id);	/* DESTROY takes any object */
}

static int hyg_reset_map_two(struct hyg_env *e)
{
	int rc = map_fixed(e->fd, e->root, (uintptr_t)e->buf, PAGE, RACE_IOVA, RW);

	return rc ? rc : map_fixed(e->fd, e->root, (uintptr_t)e->buf, PAGE,
				   RACE_IOVA + 2 * PAGE, RW);
}

static int hyg_reset_map_one(struct hyg_env *e)
{
	return map_fixed(e->fd, e->root, (uintptr_t)e->buf, PAGE, RACE_IOVA, RW);
}

static void hyg_undo_map_one(struct hyg_env *e, const void *answer)
{
	unmap_range(e->fd, e->root, RACE_IOVA, PAGE, NULL);
}

static void hyg_undo_reserve(struct hyg_env *e, const void *answer)
{
	ioasid_unreserve_iova(e->h, e->root, RACE_IOVA + 0x100000, PAGE);
}

static void hyg_undo_attach(struct hyg_env *e, const void *answer)
{
	ioasid_detach(e->h, e->dev2, 0, 0);
}

static int hyg_reset_attach(struct hyg_env *e)
{
	return ioasid_attach(e->h, e->dev2, e->root, 0, 0);
}

static void hyg_undo_tracking(struct hyg_env *e, const void *answer)
{
	ioasid_set_dirty_tracking(e->h, e->root, 0);
}

static int hyg_reset_dirty(struct hyg_env *e)
{
	uint8_t byte = 1;
	uint64_t done;
	int rc = ioasid_set_dirty_tracking(e->h, e->root, 1);

	if (!rc)
		rc = ioasid_dma(e->h, e->dev, IOASID_DMA_WRITE, 0, R_IOVA + 2 * PAGE,
				&byte, 1, &done);
	if (!rc)
		rc = ioasid_dma(e->h, e->dev, IOASID_DMA_WRITE, 0, R_IOVA + 70 * PAGE,
				&byte, 1, &done);
	return rc;
}

static int hyg_reset_destroy(struct hyg_env *e)
{
	return hyg_expect_alloc(e, 0);
}

static int hyg_reset_bind(struct hyg_env *e)
{
	return ioasid_bind(e->h, e->unode, R_IOVA + PAGE, IOASID_BIND_X86_SRE);
}

/* Every case, marking in @covered the ioctls of hyg_all_reqs they call. */
static void hyg_run_all(struct __test_metadata *_metadata, struct hyg_env *e,
			uint32_t nranges, unsigned int *covered)
{
	unsigned int i, j;
	struct ioasid_info info = { .size = sizeof(info) };
	struct ioasid_alloc alloc = { .mode = IOASID_MODE_KERNEL_MANAGED };
	struct ioasid_destroy destroy = { .id = e->scratch };
	struct ioasid_node_info ni = { .id = e->root };
	struct ioasid_map map = { .flags = RW, .id = e->scratch,
				  .addr = (uintptr_t)e->buf,
				  .length = 4 * PAGE };
	struct ioasid_map map_fixed_ = { .flags = RW | FIXED, .id = e->root,
					 .addr = (uintptr_t)e->buf,
					 .length = PAGE, .iova = RACE_IOVA };
	struct ioasid_unmap unmap = { .id = e->root, .iova = RACE_IOVA,
				      .length = PAGE };
	struct ioasid_copy copy = { .flags = IOASID_MAP_READ, .dst_id = e->scratch,
				    .src_id = e->root, .length = 2 * PAGE,
				    .src_iova = R_IOVA + PAGE };
	struct ioasid_batch batch_unmap = { .op = IOASID_CMD_UNMAP, .count = 2,
					    .entry_size = sizeof(struct ioasid_unmap) };
	struct ioasid_unmap unmap_entries[2] = {
		{ .size = sizeof(struct ioasid_unmap), .id = e->root,
		  .iova = RACE_IOVA, .length = PAGE },
		{ .size = sizeof(struct ioasid_unmap), .id = e->root,
		  .iova = RACE_IOVA + 2 * PAGE, .length = PAGE } };
	struct ioasid_batch batch_map = { .op = IOASID_CMD_MAP, .count = 2,
					  .entry_size = sizeof(struct ioasid_map) };
	struct ioasid_map map_entries[2] = {
		{ .size = sizeof(struct ioasid_map), .flags = RW, .id = e->scratch,
		  .addr = (uintptr_t)e->buf, .length = PAGE },
		{ .size = sizeof(struct ioasid_map), .flags = RW, .id = e->scratch,
		  .addr = (uintptr_t)e->buf + PAGE, .length = 2 * PAGE } };
	struct ioasid_iova_ranges iova_ranges = { .id = e->root,
						  .num_ranges = nranges };
	struct ioasid_reserve_iova reserve = { .id = e->root,
					       .iova = RACE_IOVA + 0x100000,
					       .length = PAGE };
	struct ioasid_option get = { .option_id = IOASID_OPTION_ACCOUNT_MODE,
				     .op = IOASID_OPTION_OP_GET };
	struct ioasid_device_create create = { .flags = IOASID_DEVICE_PASID,
					       .pasid_bits = 8 };
	struct ioasid_device_info di = { .dev_id = e->dev };
	struct ioasid_attach attach = { .dev_id = e->dev2, .node_id = e->root };
	struct ioasid_attach detach = { .dev_id = e->dev2 };
	struct ioasid_dma dma = { .dev_id = e->dev, .iova = R_IOVA + 100,
				  .length = 300 };
	struct ioasid_fault_queue_alloc fq = { .flags = IOASID_FAULT_QUEUE_CLOEXEC,
					       .depth = 4 };
	struct ioasid_fault_queue_info fqi = { .queue_id = e->queue };
	struct ioasid_translate tr = { .dev_id = e->dev,
				       .iova = R_IOVA + 5 * PAGE + 10 };
	struct ioasid_dirty_tracking track = { .flags = IOASID_DIRTY_ENABLE,
					       .id = e->root };
	struct ioasid_dirty_bitmap bitmap = { .id = e->root, .iova = R_IOVA,
					      .length = 130 * PAGE,
					      .page_size = PAGE };
	struct ioasid_node_info ni_user = { .id = e->unode };
	struct ioasid_format_info fi = { .format = IOASID_FORMAT_X86_64 };
	struct ioasid_bind bind = { .flags = IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE,
				    .id = e->unode, .root = R_IOVA + 2 * PAGE };
	struct ioasid_bind unbind = { .id = e->unode };
	struct ioasid_invalidate inv = { .count = 2,
					 .entry_size = sizeof(struct ioasid_inv_entry) };
	struct ioasid_inv_entry inv_entries[2] = {
		{ .node_id = e->unode },
		{ .node_id = e->unode, .scope = IOASID_INV_SCOPE_ADDR,
		  .addr = 0x200000, .size = 0x200000, .granule = 0x200000 } };
	const struct hyg_case user_cases[] = {
		{ "NODE_INFO user-managed", IOASID_NODE_INFO, sizeof(ni_user), &ni_user,
		  { OUT(ioasid_node_info, out_mode),
		    OUT(ioasid_node_info, out_parent_id),
		    OUT(ioasid_node_info, out_depth),
		    OUT(ioasid_node_info, out_num_children),
		    OUT(ioasid_node_info, out_num_mappings),
		    OUT(ioasid_node_info, out_mapped_bytes),
		    OUT(ioasid_node_info, out_pinned_bytes),
		    OUT(ioasid_node_info, out_format),
		    OUT(ioasid_node_info, out_flags),
		    OUT(ioasid_node_info, out_root),
		    OUT(ioasid_node_info, out_bind_flags) }, 11,
		  .reset = hyg_reset_bind },
		{ "BIND", IOASID_BIND, sizeof(bind), &bind },
		{ "UNBIND", IOASID_UNBIND, sizeof(unbind), &unbind,
		  .reset = hyg_reset_bind },
		{ "INVALIDATE", IOASID_INVALIDATE, sizeof(inv), &inv,
		  { OUT(ioasid_invalidate, out_done) }, 1,
		  sizeof(inv_entries), offsetof(struct ioasid_invalidate, entries),
		  inv_entries },
	};
	const struct hyg_case cases[] = {
		{ "GET_INFO", IOASID_GET_INFO, sizeof(info), &info,
		  { OUT(ioasid_info, out_capabilities),
		    OUT(ioasid_info, out_pgsize_bitmap),
		    OUT(ioasid_info, out_max_depth),
		    OUT(ioasid_info, out_max_pasid_bits),
		    OUT(ioasid_info, out_max_batch) }, 5 },
		{ "ALLOC", IOASID_ALLOC, sizeof(alloc), &alloc,
		  { OUT(ioasid_alloc, out_id) }, 1,
		  .undo = hyg_undo_alloc },
		{ "DESTROY", IOASID_DESTROY, sizeof(destroy), &destroy,
		  .reset = hyg_reset_destroy },
		{ "NODE_INFO", IOASID_NODE_INFO, sizeof(ni), &ni,
		  { OUT(ioasid_node_info, out_mode),
		    OUT(ioasid_node_info, out_parent_id),
		    OUT(ioasid_node_info, out_depth),
		    OUT(ioasid_node_info, out_num_children),
		    OUT(ioasid_node_info, out_num_mappings),
		    OUT(ioasid_node_info, out_mapped_bytes),
		    OUT(ioasid_node_info, out_pinned_bytes),
		    OUT(ioasid_node_info, out_format),
		    OUT(ioasid_node_info, out_flags),
		    OUT(ioasid_node_info, out_root),
		    OUT(ioasid_node_info, out_bind_flags) }, 11 },
		/* Without FIXED, iova is the answer. */
		{ "MAP", IOASID_MAP, sizeof(map), &map,
		  { OUT(ioasid_map, iova) }, 1,
		  .reset = hyg_reset_scratch, .undo = hyg_undo_scratch },
		{ "MAP FIXED", IOASID_MAP, sizeof(map_fixed_), &map_fixed_,
		  .undo = hyg_undo_map_one },
		{ "UNMAP", IOASID_UNMAP, sizeof(unmap), &unmap,
		  { OUT(ioasid_unmap, out_unmapped) }, 1,
		  .reset = hyg_reset_map_one },
		{ "COPY", IOASID_COPY, sizeof(copy), &copy,
		  { OUT(ioasid_copy, dst_iova) }, 1,
		  .reset = hyg_reset_scratch, .undo = hyg_undo_scratch },
		{ "BATCH UNMAP", IOASID_BATCH, sizeof(batch_unmap), &batch_unmap,
		  { OUT(ioasid_batch, out_done) }, 1,
		  sizeof(unmap_entries), offsetof(struct ioasid_batch, entries),
		  unmap_entries,
		  { OUT(ioasid_unmap, out_unmapped),
		    { sizeof(struct ioasid_unmap) +
		      offsetof(struct ioasid_unmap, out_unmapped), 8 } }, 2,
		  .reset = hyg_reset_map_two },
		{ "BATCH MAP", IOASID_BATCH, sizeof(batch_map), &batch_map,
		  { OUT(ioasid_batch, out_done) }, 1,
		  sizeof(map_entries), offsetof(struct ioasid_batch, entries),
		  map_entries,
		  { OUT(ioasid_map, iova),
		    { sizeof(struct ioasid_map) + offsetof(struct ioasid_map, iova),
		      8 } }, 2,
		  .reset = hyg_reset_scratch, .undo = hyg_undo_scratch },
		{ "IOVA_RANGES", IOASID_IOVA_RANGES, sizeof(iova_ranges),
		  &iova_ranges, { }, 0,
		  nranges * sizeof(struct ioasid_iova_range),
		  offsetof(struct ioasid_iova_ranges, ranges) },
		{ "RESERVE_IOVA", IOASID_RESERVE_IOVA, sizeof(reserve), &reserve,
		  .undo = hyg_undo_reserve },
		{ "OPTION GET", IOASID_OPTION, sizeof(get), &get,
		  { OUT(ioasid_option, val64) }, 1 },
		{ "DEVICE_CREATE", IOASID_DEVICE_CREATE, sizeof(create), &create,
		  { OUT(ioasid_device_create, out_id) }, 1,
		  .undo = hyg_undo_device },
		{ "DEVICE_INFO", IOASID_DEVICE_INFO, sizeof(di), &di,
		  { OUT(ioasid_device_info, out_flags),
		    OUT(ioasid_device_info, out_pasid_bits),
		    OUT(ioasid_device_info, out_num_attachments),
		    OUT(ioasid_device_info, out_generation),
		    OUT(ioasid_device_info, out_iotlb_entries),
		    OUT(ioasid_device_info, out_iotlb_hits),
		    OUT(ioasid_device_info, out_iotlb_misses),
		    OUT(ioasid_device_info, out_faults),
		    OUT(ioasid_device_info, out_last_fault_addr),
		    OUT(ioasid_device_info, out_last_fault_node),
		    OUT(ioasid_device_info, out_last_fault_reason),
		    OUT(ioasid_device_info, out_last_fault_access),
		    OUT(ioasid_device_info, out_last_fault_level) }, 13 },
		{ "ATTACH", IOASID_ATTACH, sizeof(attach), &attach,
		  .undo = hyg_undo_attach },
		{ "DETACH", IOASID_DETACH, sizeof(detach), &detach,
		  .reset = hyg_reset_attach },
		{ "DMA", IOASID_DMA, sizeof(dma), &dma,
		  { OUT(ioasid_dma, out_done), OUT(ioasid_dma, out_group) }, 2,
		  300, offsetof(struct ioasid_dma, buffer) },
		{ "FAULT_QUEUE_ALLOC", IOASID_FAULT_QUEUE_ALLOC, sizeof(fq), &fq,
		  { OUT(ioasid_fault_queue_alloc, out_id),
		    OUT(ioasid_fault_queue_alloc, out_fd) }, 2,
		  .undo = hyg_undo_fault_queue },
		{ "FAULT_QUEUE_INFO", IOASID_FAULT_QUEUE_INFO, sizeof(fqi), &fqi,
		  { OUT(ioasid_fault_queue_info, out_depth),
		    OUT(ioasid_fault_queue_info, out_timeout_ms),
		    OUT(ioasid_fault_queue_info, out_queued),
		    OUT(ioasid_fault_queue_info, out_pending),
		    OUT(ioasid_fault_queue_info, out_nodes),
		    OUT(ioasid_fault_queue_info, out_closed),
		    OUT(ioasid_fault_queue_info, out_next_seq),
		    OUT(ioasid_fault_queue_info, out_overflow),
		    OUT(ioasid_fault_queue_info, out_timeouts),
		    OUT(ioasid_fault_queue_info, out_auto_responses) }, 10 },
		{ "TRANSLATE", IOASID_TRANSLATE, sizeof(tr), &tr,
		  { OUT(ioasid_translate, out_uaddr),
		    OUT(ioasid_translate, out_length),
		    OUT(ioasid_translate, out_prot),
		    OUT(ioasid_translate, out_generation) }, 4 },
		{ "DIRTY_TRACKING", IOASID_DIRTY_TRACKING, sizeof(track), &track,
		  .undo = hyg_undo_tracking },
		{ "DIRTY_BITMAP", IOASID_DIRTY_BITMAP, sizeof(bitmap), &bitmap,
		  { }, 0, 3 * sizeof(uint64_t),
		  offsetof(struct ioasid_dirty_bitmap, data),
		  .reset = hyg_reset_dirty, .undo = hyg_undo_tracking },
		{ "FORMAT_INFO", IOASID_FORMAT_INFO, sizeof(fi), &fi,
		  { OUT(ioasid_format_info, out_format_flags),
		    OUT(ioasid_format_info, out_bind_flags),
		    OUT(ioasid_format_info, out_pgsize_bitmap),
		    OUT(ioasid_format_info, out_levels_bitmap),
		    OUT(ioasid_format_info, out_min_phys_bits),
		    OUT(ioasid_format_info, out_max_phys_bits),
		    OUT(ioasid_format_info, out_input_bits) }, 7 },
	};

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hyg_check(_metadata, e, &cases[i]);
		for (j = 0; j < ARRAY_SIZE(hyg_all_reqs); j++)
			covered[j] |= hyg_all_reqs[j] == cases[i].req;
	}
	for (i = 0; e->unode && i < ARRAY_SIZE(user_cases); i++) {
		hyg_check(_metadata, e, &user_cases[i]);
		for (j = 0; j < ARRAY_SIZE(hyg_all_reqs); j++)
			covered[j] |= hyg_all_reqs[j] == user_cases[i].req;
	}
}

/*
 * Every ioctl that succeeds is called twice from the same state with its
 * outputs poisoned with 0xa5 and then 0x5a bytes, at the struct's size,
 * eight bytes more (zero), and its size as first shipped: the answers are
 * identical, inputs come back unchanged, nothing past the caller's size or
 * buffer is written, and no 64-bit word looks like a kernel pointer.
 */
TEST_F_TIMEOUT(hard, every_output_is_written_and_nothing_else, 120)
{
	struct hyg_env e = { .h = self->h, .fd = self->fd, .root = self->root,
			     .buf = self->buf };
	unsigned int covered[ARRAY_SIZE(hyg_all_reqs)] = { 0 };
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	struct ioasid_iova_range ranges[8];
	uint32_t nranges = ARRAY_SIZE(ranges), id;
	struct ioasid_fault_queue_alloc fq = { .size = sizeof(fq) };
	unsigned int j;

	ASSERT_EQ(0, map_fixed(self->fd, self->root, (uintptr_t)self->buf,
			       BUF_PAGES * PAGE, R_IOVA, RW));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, 8, &e.dev));
	ASSERT_EQ(0, ioasid_attach(self->h, e.dev, self->root, 0, 0));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &e.dev2));
	ASSERT_EQ(0, ioasid_reserve_iova(self->h, self->root, 0x80000000ULL, PAGE));
	ASSERT_EQ(0, ioasid_iova_ranges(self->h, self->root, ranges, &nranges));
	/* A user-managed node for BIND, UNBIND, INVALIDATE and its NODE_INFO. */
	EXPECT_EQ(0, ioasid_node_alloc_user(self->h, self->root, &fmt, sizeof(fmt),
					    &e.unode));
	/* A fault queue for FAULT_QUEUE_INFO. */
	ASSERT_EQ(0, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &fq));
	e.queue = fq.out_id;
	/* The next id ALLOC hands out, for the calls that make a node. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &e.scratch));
	ASSERT_EQ(0, ioasid_node_destroy(self->h, e.scratch));

	hyg_run_all(_metadata, &e, nranges, covered);
	for (j = 0; j < ARRAY_SIZE(hyg_all_reqs); j++)
		EXPECT_TRUE(covered[j]) TH_LOG("ioctl %#lx has no output check here",
					       hyg_all_reqs[j]);
	/* Everything the calls made was undone. */
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &id));
	EXPECT_EQ(e.scratch, id);
	EXPECT_EQ(1, nmaps(self->fd, self->root));
	close(fq.out_fd);
}

TEST_HARNESS_MAIN
