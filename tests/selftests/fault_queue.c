// SPDX-License-Identifier: GPL-2.0
/*
 * Fault queues and page requests (issue 11): the queue object and its fd
 * (read, poll, epoll, O_NONBLOCK, O_CLOEXEC), routing of faults by node,
 * records checked field by field against the DMA or TRANSLATE that caused
 * them, overflow accounting, page requests of software endpoints created
 * with IOASID_DEVICE_PRI and their responses (blocking and NOWAIT/RETRY
 * styles, SUCCESS, INVALID, FAILURE), timeouts, the auto-invalid node flag,
 * the per-device pending bound, and what DETACH, REPLACE, DESTROY, close()
 * and signals do to pending requests.
 *
 * Page requests are raised only at user-managed nodes, where the guest's
 * table lacks the page or its permission: every test runs with an x86-64
 * guest table (4 levels) in "guest memory", an anonymous buffer mapped at a
 * fixed IOVA ("GPA") of a kernel-managed root, as in user_managed.c. Pages
 * of guest VA [VA, VA + 2 MiB) share one level-1 table made at setup, so a
 * missing page there faults at level 1 and a test maps it by writing one
 * leaf entry: VA page n leads to guest data page n.
 *
 * Everything the uAPI added for fault queues is called with raw ioctls,
 * read() and write() on the queue fd. Contract: uapi/linux/ioasid.h, the
 * "Fault queues." section, struct ioasid_dma and struct ioasid_alloc.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define SZ_2M		(2ULL << 20)
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA

/* Guest memory: 2 MiB at GPA 1 GiB, table pages first, then data pages. */
#define GPA		0x40000000ULL
#define GMEM		SZ_2M
#define TBL_PAGES	32
#define DATA_OFF	(TBL_PAGES * PAGE)
#define DATA_PAGES	((GMEM - DATA_OFF) / PAGE)
#define DATA_GPA(n)	(GPA + DATA_OFF + (uint64_t)(n) * PAGE)
/* A GPA the root does not map. */
#define GPA_HOLE	0x80000000ULL

/* Guest input addresses: VA page n (n < DATA_PAGES) has its level-1 table. */
#define VA		0x00007f8000000000ULL
#define VA_PAGE(n)	(VA + (uint64_t)(n) * PAGE)
/* Another level-4 slot, empty: a miss at level 4. */
#define VA_FAR		0x0000100000000000ULL
/* A page no test maps: unrecoverable guest faults for non-PRI devices. */
#define NEVER		(DATA_PAGES - 1)

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_ADDR	0x000ffffffffff000ULL

#define REC		sizeof(struct ioasid_fault_record)
#define RESP		sizeof(struct ioasid_page_response)

#define QF_CLOEXEC	IOASID_FAULT_QUEUE_CLOEXEC
#define QF_NONBLOCK	IOASID_FAULT_QUEUE_NONBLOCK
#define QF_TIMEOUT	IOASID_FAULT_QUEUE_TIMEOUT

#define R_GUEST		IOASID_FAULT_RECORD_GUEST
#define R_PASID		IOASID_FAULT_RECORD_PASID
#define R_ANSWERED	IOASID_FAULT_RECORD_ANSWERED

#define ACC_R		IOASID_ACCESS_READ
#define ACC_W		IOASID_ACCESS_WRITE

/* Longest wait for something that must happen (a record, a wake-up). */
static int wait_ms(void)
{
	return 5000 * ioasid_test_scale();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

/* Guest memory and its page table ------------------------------------------ */

struct guest {
	uint8_t *mem;
	unsigned int next_tbl;
	uint64_t top;		/* GPA of the level-4 table */
};

static uint64_t pat64(uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static uint8_t *data_page(struct guest *g, unsigned int n)
{
	return g->mem + DATA_OFF + (uint64_t)n * PAGE;
}

static uint64_t *gptr(struct guest *g, uint64_t gpa)
{
	if (gpa < GPA || gpa + 8 > GPA + GMEM) {
		fprintf(stderr, "# gpa %#llx outside guest memory\n",
			(unsigned long long)gpa);
		abort();
	}
	return (uint64_t *)(g->mem + (gpa - GPA));
}

static uint64_t tbl_alloc(struct guest *g)
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

static uint64_t pte_get(uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_SEQ_CST);
}

static void pte_set(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_SEQ_CST);
}

/* The entry of @level for @va; missing tables above it are made. */
static uint64_t *pte_of(struct guest *g, uint64_t va, unsigned int level)
{
	uint64_t table = g->top;
	unsigned int l;

	for (l = 4;; l--) {
		uint64_t *e = gptr(g, table) + ((va >> (12 + 9 * (l - 1))) & 511);

		if (l == level)
			return e;
		if (!(pte_get(e) & PTE_P))
			pte_set(e, tbl_alloc(g) | PTE_P | PTE_RW | PTE_US);
		table = pte_get(e) & PTE_ADDR;
	}
}

/* VA page @n leads to data page @n, with @bits (P implied). */
static void va_map(struct guest *g, unsigned int n, uint64_t bits)
{
	pte_set(pte_of(g, VA_PAGE(n), 1), DATA_GPA(n) | PTE_P | bits);
}

/* VA page @n leads to @gpa. */
static void va_map_gpa(struct guest *g, unsigned int n, uint64_t gpa,
		       uint64_t bits)
{
	pte_set(pte_of(g, VA_PAGE(n), 1), gpa | PTE_P | bits);
}

/* Raw ioctls ------------------------------------------------------------------ */

static int q_alloc(int fd, uint32_t flags, uint32_t depth, uint32_t timeout_ms,
		   uint32_t *id, int *qfd)
{
	struct ioasid_fault_queue_alloc a = {
		.size = sizeof(a), .flags = flags, .depth = depth,
		.timeout_ms = timeout_ms, .out_id = 0, .out_fd = -1,
	};

	*id = 0;
	*qfd = -1;
	if (ioctl(fd, IOASID_FAULT_QUEUE_ALLOC, &a))
		return -errno;
	*id = a.out_id;
	*qfd = a.out_fd;
	return 0;
}

static int q_info_raw(int fd, uint32_t q, struct ioasid_fault_queue_info *i)
{
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	i->queue_id = q;
	return ioctl(fd, IOASID_FAULT_QUEUE_INFO, i) ? -errno : 0;
}

/* FAULT_QUEUE_INFO; all ones when it fails (which the checks then show). */
static struct ioasid_fault_queue_info qinfo(int fd, uint32_t q)
{
	struct ioasid_fault_queue_info i;

	if (q_info_raw(fd, q, &i))
		memset(&i, 0xff, sizeof(i));
	return i;
}

static int opt(int fd, uint32_t option, uint32_t op, uint32_t obj,
	       uint64_t *val)
{
	struct ioasid_option o = {
		.size = sizeof(o), .option_id = option, .op = op,
		.object_id = obj, .val64 = val ? *val : 0,
	};

	if (ioctl(fd, IOASID_OPTION, &o))
		return -errno;
	if (val)
		*val = o.val64;
	return 0;
}

static int set_route(int fd, uint32_t node, uint32_t q)
{
	uint64_t v = q;

	return opt(fd, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_SET, node, &v);
}

static uint64_t get_route(int fd, uint32_t node)
{
	uint64_t v = ~0ULL;

	if (opt(fd, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_GET, node, &v))
		return ~0ULL;
	return v;
}

static int set_timeout(int fd, uint32_t q, uint64_t ms)
{
	return opt(fd, IOASID_OPTION_FAULT_TIMEOUT_MS, IOASID_OPTION_OP_SET, q, &ms);
}

static int destroy(int fd, uint32_t id)
{
	struct ioasid_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOASID_DESTROY, &d) ? -errno : 0;
}

/* A user-managed x86-64 node (4 levels, 48-bit output) under @parent. */
static int user_alloc(int fd, uint32_t parent, uint32_t flags, uint32_t q,
		      uint32_t *id)
{
	struct ioasid_format_x86_64 f = ioasid_x86_64_format(4, 48);
	struct ioasid_alloc a = {
		.size = sizeof(a), .flags = flags,
		.mode = IOASID_MODE_USER_MANAGED, .parent_id = parent,
		.fault_queue_id = q, .format = (uintptr_t)&f,
		.format_len = sizeof(f),
	};

	*id = 0;
	if (ioctl(fd, IOASID_ALLOC, &a))
		return -errno;
	*id = a.out_id;
	return 0;
}

static int kernel_alloc(int fd, uint32_t parent, uint32_t flags, uint32_t q,
			uint32_t *id)
{
	struct ioasid_alloc a = {
		.size = sizeof(a), .flags = flags,
		.mode = IOASID_MODE_KERNEL_MANAGED, .parent_id = parent,
		.fault_queue_id = q,
	};

	*id = 0;
	if (ioctl(fd, IOASID_ALLOC, &a))
		return -errno;
	*id = a.out_id;
	return 0;
}

static int dev_create(int fd, uint32_t flags, uint32_t pasid_bits,
		      uint32_t max_pending, uint32_t *id)
{
	struct ioasid_device_create c = {
		.size = sizeof(c), .flags = flags, .pasid_bits = pasid_bits,
		.pri_max_pending = max_pending,
	};

	*id = 0;
	if (ioctl(fd, IOASID_DEVICE_CREATE, &c))
		return -errno;
	*id = c.out_id;
	return 0;
}

static int attach(int fd, uint32_t dev, uint32_t node, uint32_t flags,
		  uint32_t pasid)
{
	struct ioasid_attach a = {
		.size = sizeof(a), .flags = flags, .dev_id = dev,
		.node_id = node, .pasid = pasid,
	};

	return ioctl(fd, IOASID_ATTACH, &a) ? -errno : 0;
}

static int detach(int fd, uint32_t dev, uint32_t flags, uint32_t pasid)
{
	struct ioasid_attach a = {
		.size = sizeof(a), .flags = flags, .dev_id = dev, .pasid = pasid,
	};

	return ioctl(fd, IOASID_DETACH, &a) ? -errno : 0;
}

/* One DMA, raw: the arguments in, the outputs and the result out. */
struct xfer {
	uint32_t dev, flags, pasid, group;
	uint64_t iova, len;
	void *buf;
	int ret;		/* 0 or -errno */
	uint64_t done;
	uint32_t out_group;
	uint64_t t0, t1;	/* CLOCK_MONOTONIC around the call */
};

static int do_xfer(int fd, struct xfer *x)
{
	struct ioasid_dma d = {
		.size = sizeof(d), .flags = x->flags, .dev_id = x->dev,
		.pasid = x->pasid, .iova = x->iova, .length = x->len,
		.buffer = (uintptr_t)x->buf, .out_done = 0xdeadbeefULL,
		.group = x->group, .out_group = 0xdeadbeef,
	};

	x->t0 = now_ns();
	x->ret = ioctl(fd, IOASID_DMA, &d) ? -errno : 0;
	x->t1 = now_ns();
	x->done = d.out_done;
	x->out_group = d.out_group;
	return x->ret;
}

static struct xfer xf(uint32_t dev, uint32_t flags, uint32_t pasid,
		      uint64_t iova, void *buf, uint64_t len)
{
	struct xfer x = {
		.dev = dev, .flags = flags, .pasid = pasid, .iova = iova,
		.buf = buf, .len = len,
	};
	return x;
}

/* The RETRY of @x (which stopped at group @x->out_group): what is left. */
static struct xfer retry_of(const struct xfer *x, uint32_t extra_flags)
{
	struct xfer r = *x;

	r.flags = (x->flags & ~IOASID_DMA_NOWAIT) | IOASID_DMA_RETRY | extra_flags;
	r.group = x->out_group;
	r.iova = x->iova + x->done;
	r.len = x->len - x->done;
	r.buf = (uint8_t *)x->buf + x->done;
	return r;
}

static int translate(int fd, uint32_t dev, uint32_t flags, uint32_t pasid,
		     uint64_t iova)
{
	struct ioasid_translate t = {
		.size = sizeof(t), .flags = flags, .dev_id = dev,
		.pasid = pasid, .iova = iova,
	};

	return ioctl(fd, IOASID_TRANSLATE, &t) ? -errno : 0;
}

static struct ioasid_device_info dev_info(int fd, uint32_t dev)
{
	struct ioasid_device_info i = { .size = sizeof(i), .dev_id = dev };

	if (ioctl(fd, IOASID_DEVICE_INFO, &i))
		memset(&i, 0xff, sizeof(i));
	return i;
}

/* The queue fd ------------------------------------------------------------------ */

/*
 * Wait up to @ms for records, then read at most @max of them: how many, 0
 * when none came, -errno when read() failed, -EBADMSG for a partial one.
 */
static int get_recs(int qfd, struct ioasid_fault_record *r, int max, int ms)
{
	struct pollfd p = { .fd = qfd, .events = POLLIN };
	ssize_t n;
	int rc = poll(&p, 1, ms);

	if (rc < 0)
		return -errno;
	if (!rc || !(p.revents & POLLIN))
		return 0;
	n = read(qfd, r, max * REC);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n % REC)
		return -EBADMSG;
	return n / REC;
}

static int get_rec(int qfd, struct ioasid_fault_record *r)
{
	memset(r, 0, sizeof(*r));
	return get_recs(qfd, r, 1, wait_ms());
}

/* Records waiting now (none waited for). */
static int drain(int qfd, struct ioasid_fault_record *r, int max)
{
	int n, got = 0;

	while (got < max && (n = get_recs(qfd, r + got, max - got, 0)) > 0)
		got += n;
	return got;
}

static ssize_t respond(int qfd, uint32_t dev, uint32_t flags, uint32_t pasid,
		       uint32_t group, uint32_t code)
{
	struct ioasid_page_response r = {
		.size = sizeof(r), .flags = flags, .dev_id = dev,
		.pasid = pasid, .group = group, .code = code,
	};
	ssize_t n = write(qfd, &r, sizeof(r));

	return n < 0 ? -errno : n;
}

/* Answer the request of record @r. */
static ssize_t answer(int qfd, const struct ioasid_fault_record *r, uint32_t code)
{
	return respond(qfd, r->dev_id, r->flags & R_PASID, r->pasid, r->group,
		       code);
}

#define EXPECT_REC(r, _type, _flags, _dev, _pasid, _node, _level, _reason,	\
		   _access, _addr) do {						\
		const struct ioasid_fault_record *__r = (r);			\
		EXPECT_EQ(REC, __r->size);					\
		EXPECT_EQ(_type, __r->type);					\
		EXPECT_EQ(_flags, __r->flags);					\
		EXPECT_EQ(_dev, __r->dev_id);					\
		EXPECT_EQ(_pasid, __r->pasid);					\
		EXPECT_EQ(_node, __r->node_id);					\
		EXPECT_EQ(_level, __r->level);					\
		EXPECT_EQ(_reason, __r->reason);				\
		EXPECT_EQ(_access, __r->access);				\
		EXPECT_EQ((uint64_t)(_addr), __r->addr);			\
	} while (0)

/* A page request record: GUEST, a group, READ or WRITE, at a page. */
#define EXPECT_PR(r, _flags, _dev, _pasid, _node, _reason, _access, _addr) do { \
		EXPECT_REC(r, IOASID_FAULT_RECORD_PAGE_REQUEST, _flags, _dev,	\
			   _pasid, _node, 1, _reason, _access, _addr);		\
		EXPECT_NE(0, (r)->group);					\
	} while (0)

/* Threads ----------------------------------------------------------------------- */

/* A DMA in a thread of its own. */
struct bg {
	pthread_t t;
	int fd;
	struct xfer x;
	int finished;
	bool started;
};

static void *bg_fn(void *arg)
{
	struct bg *b = arg;

	do_xfer(b->fd, &b->x);
	__atomic_store_n(&b->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int bg_start(struct bg *b, int fd, struct xfer x)
{
	b->fd = fd;
	b->x = x;
	b->finished = 0;
	b->started = !pthread_create(&b->t, NULL, bg_fn, b);
	return b->started ? 0 : -1;
}

static bool bg_finished(struct bg *b)
{
	return __atomic_load_n(&b->finished, __ATOMIC_SEQ_CST);
}

/* Join within @ms: 0, or ETIMEDOUT (the thread is left running). */
static int join_within(pthread_t t, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(t, NULL, &ts);
}

static int bg_join(struct bg *b)
{
	int rc;

	if (!b->started)
		return -1;
	rc = join_within(b->t, wait_ms());
	if (!rc)
		b->started = false;
	return rc;
}

/* An address that is no memory of the caller (volatile: the compiler may not know). */
static void *volatile bad_ptr = (void *)8;

/* Module-wide totals ------------------------------------------------------------- */

static const char *const total_names[] = {
	"contexts", "nodes", "mappings", "pinned_bytes",
};
#define NTOTALS (sizeof(total_names) / sizeof(total_names[0]))

struct totals {
	long long v[NTOTALS];
};

static struct totals totals_now(void)
{
	struct totals t;
	unsigned int i;

	for (i = 0; i < NTOTALS; i++)
		t.v[i] = ioasid_sysfs_stat(total_names[i]);
	return t;
}

/* Wait up to @ms for the totals to be @want again: whether they are. */
static bool totals_back(const struct totals *want, struct totals *got, int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL;

	for (;;) {
		*got = totals_now();
		if (!memcmp(got, want, sizeof(*want)))
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(20);
	}
}

static void expect_totals(struct __test_metadata *_metadata,
			  const struct totals *want, const struct totals *got)
{
	unsigned int i;

	for (i = 0; i < NTOTALS; i++) {
		const char *name = total_names[i];

		EXPECT_EQ(want->v[i], got->v[i]) TH_LOG("module total %s", name);
	}
}

/* The environment ------------------------------------------------------------------ */

/*
 * A context with guest memory mapped in a root, a user-managed node @user
 * bound to the guest table and routed to queue @q, a PRI device @dev (with
 * PASID support, the default pending bound) and a device @nopri without
 * PRI (with PASID support), both attached to @user without PASID.
 */
struct env {
	struct ioasid_handle *h;
	int fd;
	uint32_t root, user, dev, nopri, q;
	int qfd;
	struct guest g;
};

#define ENV_TIMEOUT_MS	60000	/* the queue's: longer than any test */

/* 0, or the failing step (for the log). */
static int env_setup(struct env *e)
{
	uint64_t iova = GPA, i;

	memset(e, 0, sizeof(*e));
	e->qfd = -1;
	if (ioasid_open(&e->h, NULL, 0))
		return 1;
	e->fd = ioasid_fd(e->h);
	e->g.mem = ioasid_map_aligned(GMEM, SZ_2M);
	if (!e->g.mem)
		return 2;
	memset(e->g.mem, 0, DATA_OFF);
	for (i = DATA_OFF; i < GMEM; i += 8)
		*(uint64_t *)(e->g.mem + i) = pat64(i);
	if (ioasid_node_alloc(e->h, 0, IOASID_MODE_KERNEL_MANAGED, &e->root))
		return 3;
	if (ioasid_map(e->h, e->root, (uintptr_t)e->g.mem, GMEM, &iova, RW | FIXED))
		return 4;
	if (q_alloc(e->fd, QF_NONBLOCK | QF_CLOEXEC | QF_TIMEOUT, 0,
		    ENV_TIMEOUT_MS, &e->q, &e->qfd))
		return 5;
	e->g.top = tbl_alloc(&e->g);
	pte_of(&e->g, VA, 1);
	if (user_alloc(e->fd, e->root, 0, e->q, &e->user))
		return 6;
	if (ioasid_bind(e->h, e->user, e->g.top, 0))
		return 7;
	if (dev_create(e->fd, IOASID_DEVICE_PRI | IOASID_DEVICE_PASID, 8, 0,
		       &e->dev))
		return 8;
	if (attach(e->fd, e->dev, e->user, 0, 0))
		return 9;
	if (dev_create(e->fd, IOASID_DEVICE_PASID, 8, 0, &e->nopri))
		return 10;
	if (attach(e->fd, e->nopri, e->user, 0, 0))
		return 11;
	return 0;
}

static void env_close(struct env *e)
{
	if (e->qfd >= 0)
		close(e->qfd);
	e->qfd = -1;
	if (e->h)
		ioasid_close(e->h);
	e->h = NULL;
	if (e->g.mem)
		munmap(e->g.mem, GMEM);
	e->g.mem = NULL;
}

/* A faulting 8-byte read by @nopri at a page no one maps: its result. */
static int nopri_fault(struct env *e)
{
	uint8_t b[8];
	struct xfer x = xf(e->nopri, 0, 0, VA_PAGE(NEVER), b, sizeof(b));

	return do_xfer(e->fd, &x);
}

FIXTURE(fq) {
	struct env e;
	struct totals before;
	uint8_t buf[4 * 4096];
};

FIXTURE_SETUP(fq)
{
	struct ioasid_handle *h;
	struct ioasid_info info;
	uint64_t need = IOASID_CAP_FAULT_QUEUE | IOASID_CAP_USER_MANAGED |
			IOASID_CAP_SW_ENDPOINT;

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(h, &info));
	ioasid_close(h);
	if ((info.out_capabilities & need) != need)
		SKIP(return, "module without IOASID_CAP_FAULT_QUEUE (capabilities %#llx)",
		     (unsigned long long)info.out_capabilities);
	self->before = totals_now();
	ASSERT_LE(0, self->before.v[0]);
	ASSERT_EQ(0, env_setup(&self->e));
	memset(self->buf, 0xa5, sizeof(self->buf));
}

/* Whatever a test did, closing its fds gives every object and pin back. */
FIXTURE_TEARDOWN(fq)
{
	struct totals got;

	env_close(&self->e);
	if (!totals_back(&self->before, &got, 2000))
		expect_totals(_metadata, &self->before, &got);
}

/* Slow kernels (the debug kernel under TCG) get room: see wait_ms(). */
#define FQ_TEST(name) TEST_F_TIMEOUT(fq, name, 300)

/* 1. The queue object ---------------------------------------------------------------- */

static long long param_of(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/ioasidfd/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

FQ_TEST(alloc_info_defaults_limits_and_fd_flags)
{
	int fd = self->e.fd, qfd, fl;
	struct ioasid_fault_queue_alloc a;
	struct ioasid_fault_queue_info qi;
	struct {
		struct ioasid_fault_queue_alloc a;
		uint64_t tail;
	} big;
	long long param = param_of("pri_timeout_ms");
	uint32_t id;

	/* ALLOC's errnos. */
	EXPECT_EQ(-EINVAL, q_alloc(fd, 0, 65537, 0, &id, &qfd));
	EXPECT_EQ(-EINVAL, q_alloc(fd, QF_TIMEOUT, 0, 3600001, &id, &qfd));
	EXPECT_EQ(-EINVAL, q_alloc(fd, 0, 0, 5, &id, &qfd));
	EXPECT_EQ(-EOPNOTSUPP, q_alloc(fd, 1u << 3, 0, 0, &id, &qfd));
	EXPECT_EQ(-EOPNOTSUPP, q_alloc(fd, 1u << 31, 0, 0, &id, &qfd));
	memset(&a, 0, sizeof(a));
	a.size = 8;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_FAULT_QUEUE_ALLOC, &a));
	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, ioctl(fd, IOASID_FAULT_QUEUE_ALLOC, &big));
	/* A longer struct with a zero tail is taken. */
	big.tail = 0;
	big.a.out_fd = -1;
	ASSERT_EQ(0, ioctl(fd, IOASID_FAULT_QUEUE_ALLOC, &big));
	EXPECT_LE(0, big.a.out_fd);
	EXPECT_EQ(0, close(big.a.out_fd));
	EXPECT_EQ(0, destroy(fd, big.a.out_id));

	/* Defaults: depth 256, the module's timeout, a blocking fd kept on exec. */
	ASSERT_EQ(0, q_alloc(fd, 0, 0, 0, &id, &qfd));
	EXPECT_LE(0, qfd);
	EXPECT_NE(0, id);
	EXPECT_NE(self->e.q, id);
	EXPECT_NE(self->e.root, id);
	EXPECT_NE(self->e.user, id);
	EXPECT_NE(self->e.dev, id);
	EXPECT_NE(self->e.nopri, id);
	ASSERT_EQ(0, q_info_raw(fd, id, &qi));
	EXPECT_EQ(256, qi.out_depth);
	EXPECT_EQ(param >= 0 ? param : 10000, qi.out_timeout_ms)
		TH_LOG("pri_timeout_ms parameter: %lld", param);
	EXPECT_EQ(0, qi.out_queued);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(0, qi.out_nodes);
	EXPECT_EQ(0, qi.out_closed);
	EXPECT_EQ(0, qi.__reserved);
	EXPECT_EQ(1, qi.out_next_seq);
	EXPECT_EQ(0, qi.out_overflow);
	EXPECT_EQ(0, qi.out_timeouts);
	EXPECT_EQ(0, qi.out_auto_responses);
	fl = fcntl(qfd, F_GETFD);
	EXPECT_EQ(0, fl & FD_CLOEXEC);
	fl = fcntl(qfd, F_GETFL);
	EXPECT_EQ(0, fl & O_NONBLOCK);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, close(qfd));
	EXPECT_EQ(0, destroy(fd, id));

	/* The limits, and the flags honoured. */
	ASSERT_EQ(0, q_alloc(fd, QF_CLOEXEC | QF_NONBLOCK | QF_TIMEOUT, 65536,
			     3600000, &id, &qfd));
	qi = qinfo(fd, id);
	EXPECT_EQ(65536, qi.out_depth);
	EXPECT_EQ(3600000, qi.out_timeout_ms);
	EXPECT_EQ(FD_CLOEXEC, fcntl(qfd, F_GETFD) & FD_CLOEXEC);
	fl = fcntl(qfd, F_GETFL);
	EXPECT_EQ(O_NONBLOCK, fl & O_NONBLOCK);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, close(qfd));
	EXPECT_EQ(0, destroy(fd, id));

	ASSERT_EQ(0, q_alloc(fd, QF_CLOEXEC | QF_TIMEOUT, 1, 0, &id, &qfd));
	qi = qinfo(fd, id);
	EXPECT_EQ(1, qi.out_depth);
	EXPECT_EQ(0, qi.out_timeout_ms);
	EXPECT_EQ(FD_CLOEXEC, fcntl(qfd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(qfd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, close(qfd));
	/* Its fd closed, the queue is still an object: INFO says closed. */
	qi = qinfo(fd, id);
	EXPECT_EQ(1, qi.out_closed);
	EXPECT_EQ(0, destroy(fd, id));

	ASSERT_EQ(0, q_alloc(fd, QF_NONBLOCK, 8, 0, &id, &qfd));
	EXPECT_EQ(0, fcntl(qfd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(qfd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, close(qfd));
	EXPECT_EQ(0, destroy(fd, id));

	/* The fixture's queue: named by one node. */
	qi = qinfo(fd, self->e.q);
	EXPECT_EQ(1, qi.out_nodes);
	EXPECT_EQ(ENV_TIMEOUT_MS, qi.out_timeout_ms);
	EXPECT_EQ(256, qi.out_depth);

	/* INFO's errnos. */
	memset(&qi, 0, sizeof(qi));
	qi.size = sizeof(qi);
	qi.queue_id = self->e.q;
	qi.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_FAULT_QUEUE_INFO, &qi));
	qi.flags = 0;
	qi.size = 8;
	EXPECT_ERRNO(EINVAL, ioctl(fd, IOASID_FAULT_QUEUE_INFO, &qi));
	EXPECT_EQ(-ENOENT, q_info_raw(fd, self->e.root, &qi));
	EXPECT_EQ(-ENOENT, q_info_raw(fd, self->e.dev, &qi));
	EXPECT_EQ(-ENOENT, q_info_raw(fd, 0, &qi));
	EXPECT_EQ(-ENOENT, q_info_raw(fd, 9999, &qi));
	EXPECT_EQ(-ENOENT, q_info_raw(fd, id, &qi));
}

FQ_TEST(queue_object_rules_destroy_alloc_and_option)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r[4];
	struct ioasid_fault_queue_info qi;
	struct ioasid_node_info ni;
	struct pollfd pfd;
	uint32_t id, k;
	uint64_t v;

	EXPECT_EQ(e->q, get_route(e->fd, e->user));
	EXPECT_EQ(0, get_route(e->fd, e->root));

	/* Named by a node: EBUSY. */
	EXPECT_EQ(-EBUSY, destroy(e->fd, e->q));
	EXPECT_EQ(-EIO, nopri_fault(e));

	/* FAULT_QUEUE takes queues only, of nodes only. */
	v = e->root;
	EXPECT_EQ(-ENOENT, opt(e->fd, IOASID_OPTION_FAULT_QUEUE,
			       IOASID_OPTION_OP_SET, e->user, &v));
	v = e->dev;
	EXPECT_EQ(-ENOENT, opt(e->fd, IOASID_OPTION_FAULT_QUEUE,
			       IOASID_OPTION_OP_SET, e->user, &v));
	v = 9999;
	EXPECT_EQ(-ENOENT, opt(e->fd, IOASID_OPTION_FAULT_QUEUE,
			       IOASID_OPTION_OP_SET, e->user, &v));
	EXPECT_EQ(e->q, get_route(e->fd, e->user));
	EXPECT_EQ(-EINVAL, set_route(e->fd, e->dev, e->q));
	EXPECT_EQ(-EINVAL, set_route(e->fd, e->q, e->q));
	v = 0;
	EXPECT_EQ(-EINVAL, opt(e->fd, IOASID_OPTION_FAULT_QUEUE,
			       IOASID_OPTION_OP_GET, e->dev, &v));
	EXPECT_EQ(-ENOENT, set_route(e->fd, 9999, e->q));
	/* FAULT_TIMEOUT_MS is a queue's. */
	v = 100;
	EXPECT_EQ(-EINVAL, opt(e->fd, IOASID_OPTION_FAULT_TIMEOUT_MS,
			       IOASID_OPTION_OP_GET, e->user, &v));
	EXPECT_EQ(-EINVAL, set_timeout(e->fd, e->user, 100));
	EXPECT_EQ(-EINVAL, set_timeout(e->fd, e->dev, 100));
	EXPECT_EQ(-ENOENT, set_timeout(e->fd, 9999, 100));

	/* ALLOC's fault_queue_id names a queue, or ENOENT. */
	EXPECT_EQ(-ENOENT, user_alloc(e->fd, e->root, 0, e->root, &id));
	EXPECT_EQ(-ENOENT, user_alloc(e->fd, e->root, 0, e->dev, &id));
	EXPECT_EQ(-ENOENT, user_alloc(e->fd, e->root, 0, 9999, &id));
	EXPECT_EQ(-ENOENT, kernel_alloc(e->fd, e->root, 0, e->user, &id));
	/* A kernel-managed node may name one; it cannot be PRI_AUTO_INVALID. */
	ASSERT_EQ(0, kernel_alloc(e->fd, e->root, 0, e->q, &k));
	EXPECT_EQ(e->q, get_route(e->fd, k));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_nodes);
	EXPECT_EQ(-EINVAL, kernel_alloc(e->fd, e->root,
					IOASID_ALLOC_PRI_AUTO_INVALID, e->q, &id));
	EXPECT_EQ(-EINVAL, kernel_alloc(e->fd, 0, IOASID_ALLOC_PRI_AUTO_INVALID,
					0, &id));
	EXPECT_EQ(0, destroy(e->fd, k));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_nodes);
	/* A root may name one later. */
	EXPECT_EQ(0, set_route(e->fd, e->root, e->q));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_nodes);
	EXPECT_EQ(0, set_route(e->fd, e->root, e->q));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_nodes);
	EXPECT_EQ(0, set_route(e->fd, e->root, 0));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_nodes);

	/* NODE_INFO of a PRI_AUTO_INVALID node. */
	ASSERT_EQ(0, user_alloc(e->fd, e->root, IOASID_ALLOC_PRI_AUTO_INVALID, 0,
				&id));
	ASSERT_EQ(0, ioasid_node_info(e->h, id, &ni));
	EXPECT_EQ(IOASID_NODE_PRI_AUTO_INVALID, ni.out_flags);
	EXPECT_EQ(0, get_route(e->fd, id));
	EXPECT_EQ(0, destroy(e->fd, id));
	ASSERT_EQ(0, ioasid_node_info(e->h, e->user, &ni));
	EXPECT_EQ(IOASID_NODE_BOUND, ni.out_flags);

	/* Unnamed, it goes; its fd still reads what was left. */
	EXPECT_EQ(0, set_route(e->fd, e->user, 0));
	EXPECT_EQ(0, get_route(e->fd, e->user));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_nodes);
	EXPECT_EQ(0, destroy(e->fd, e->q));
	EXPECT_EQ(-ENOENT, q_info_raw(e->fd, e->q, &qi));
	EXPECT_EQ(-ENOENT, destroy(e->fd, e->q));
	EXPECT_EQ(-ENOENT, set_timeout(e->fd, e->q, 100));
	EXPECT_EQ(-ENOENT, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(-ENOENT, user_alloc(e->fd, e->root, 0, e->q, &id));
	ASSERT_EQ(1, get_recs(e->qfd, r, 4, 0));
	EXPECT_REC(&r[0], IOASID_FAULT_RECORD_FAULT, R_GUEST, e->nopri, 0,
		   e->user, 1, IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(NEVER));
	EXPECT_EQ(1, r[0].seq);
	/* And nothing more arrives. */
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(0, get_recs(e->qfd, r, 4, 0));
	/* Destroyed and drained: end of file, and poll() says it is over. */
	EXPECT_EQ(0, read(e->qfd, r, sizeof(r)));
	pfd.fd = e->qfd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_FALSE(pfd.revents & POLLIN);
}

/* 2. Unrecoverable faults: records and routing ------------------------------------------- */

/* The DMA @x must fail with EIO after @done bytes and queue one record. */
#define FAULT_DMA(x, _done) do {						\
		EXPECT_EQ(-EIO, do_xfer(e->fd, &(x)));				\
		EXPECT_EQ((uint64_t)(_done), (x).done);				\
		EXPECT_EQ(0, (x).out_group);					\
		ASSERT_EQ(1, get_rec(e->qfd, &r));				\
		EXPECT_EQ(seq, r.seq);						\
		seq++;								\
		EXPECT_EQ(0, r.group);						\
		EXPECT_LE((x).t0, r.time_ns);					\
		EXPECT_GE((x).t1, r.time_ns);					\
		EXPECT_EQ(r.addr, dev_info(e->fd, (x).dev).out_last_fault_addr); \
	} while (0)

FQ_TEST(fault_records_match_the_dma_field_by_field)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	uint8_t *b = self->buf;
	uint64_t seq = 1, t0, t1;
	struct xfer x;
	uint32_t u2;

	va_map(&e->g, 2, PTE_RW | PTE_US);
	va_map(&e->g, 4, PTE_US);			/* read-only */
	va_map_gpa(&e->g, 5, GPA_HOLE, PTE_RW | PTE_US);	/* the root has nothing */
	ASSERT_EQ(0, set_route(e->fd, e->root, e->q));
	ASSERT_EQ(0, attach(e->fd, e->nopri, e->root, IOASID_ATTACH_PASID, 5));
	ASSERT_EQ(0, attach(e->fd, e->nopri, e->user, IOASID_ATTACH_PASID, 6));

	/* A guest-table miss (GUEST), across a page: where the DMA stopped. */
	x = xf(e->nopri, 0, 0, VA_PAGE(2) + 0x800, b, PAGE);
	FAULT_DMA(x, 0x800);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST, e->nopri, 0, e->user,
		   1, IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(3));
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 2) + 0x800, 0x800));

	/* A guest permission fault with a PASID. */
	x = xf(e->nopri, IOASID_DMA_WRITE | IOASID_DMA_PASID, 6, VA_PAGE(4) + 0x10,
	       b, 64);
	FAULT_DMA(x, 0);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST | R_PASID, e->nopri, 6,
		   e->user, 1, IOASID_FAULT_PERMISSION, ACC_W, VA_PAGE(4) + 0x10);

	/* A miss at level 4. */
	x = xf(e->nopri, IOASID_DMA_PASID, 6, VA_FAR + 0x123, b, 8);
	FAULT_DMA(x, 0);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST | R_PASID, e->nopri, 6,
		   e->user, 4, IOASID_FAULT_NOT_PRESENT, ACC_R, VA_FAR + 0x123);

	/* The guest's table leads where the root maps nothing: the VMM's. */
	x = xf(e->nopri, 0, 0, VA_PAGE(5) + 0x40, b, 8);
	FAULT_DMA(x, 0);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, 0, e->nopri, 0, e->root, 0,
		   IOASID_FAULT_NOT_MAPPED, ACC_R, VA_PAGE(5) + 0x40);

	/* A kernel-managed miss, attached at the root: EXEC and PRIV. */
	x = xf(e->nopri, IOASID_DMA_PASID | IOASID_DMA_EXEC | IOASID_DMA_PRIV, 5,
	       GPA + GMEM - 0x10, b, 0x20);
	FAULT_DMA(x, 0x10);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_PASID, e->nopri, 5, e->root,
		   0, IOASID_FAULT_NOT_MAPPED,
		   ACC_R | IOASID_ACCESS_EXEC | IOASID_ACCESS_PRIV, GPA + GMEM);

	/* A table page the parent does not map: TABLE, not the guest's. */
	ASSERT_EQ(0, user_alloc(e->fd, e->root, 0, e->q, &u2));
	ASSERT_EQ(0, ioasid_bind(e->h, u2, GPA_HOLE, 0));
	ASSERT_EQ(0, attach(e->fd, e->nopri, u2, IOASID_ATTACH_PASID, 7));
	x = xf(e->nopri, IOASID_DMA_PASID | IOASID_DMA_WRITE, 7, VA_PAGE(0), b, 8);
	FAULT_DMA(x, 0);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_PASID, e->nopri, 7, u2, 4,
		   IOASID_FAULT_TABLE, ACC_W, VA_PAGE(0));

	/* TRANSLATE: the address asked, exactly. */
	t0 = now_ns();
	EXPECT_EQ(-EIO, translate(e->fd, e->nopri, IOASID_DMA_PASID, 6,
				  VA_PAGE(3) + 0x10));
	t1 = now_ns();
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(seq++, r.seq);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST | R_PASID, e->nopri, 6,
		   e->user, 1, IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(3) + 0x10);
	EXPECT_EQ(0, r.group);
	EXPECT_LE(t0, r.time_ns);
	EXPECT_GE(t1, r.time_ns);
	EXPECT_EQ(-EIO, translate(e->fd, e->nopri, IOASID_DMA_WRITE, 0,
				  VA_PAGE(4) + 0x20));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(seq++, r.seq);
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST, e->nopri, 0, e->user,
		   1, IOASID_FAULT_PERMISSION, ACC_W, VA_PAGE(4) + 0x20);

	/* Every record read, each counted once. */
	EXPECT_EQ(0, get_recs(e->qfd, &r, 1, 0));
	EXPECT_EQ(seq, qinfo(e->fd, e->q).out_next_seq);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_queued);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_overflow);
	EXPECT_EQ(0, detach(e->fd, e->nopri, IOASID_ATTACH_PASID, 7));
	EXPECT_EQ(0, destroy(e->fd, u2));
}

/*
 * Page requests are for the guest's table only: a PRI device whose DMA
 * stops at a kernel-managed level, or at a table page the parent does not
 * map, faults as any device does; so does one whose node routes nowhere.
 */
FQ_TEST(page_requests_only_for_the_guests_own_table)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	uint8_t *b = self->buf;
	uint64_t next;
	struct xfer x;
	uint32_t u2;

	va_map_gpa(&e->g, 5, GPA_HOLE, PTE_RW | PTE_US);
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(5), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.out_group);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, 0, e->dev, 0, e->root, 0,
		   IOASID_FAULT_NOT_MAPPED, ACC_R, VA_PAGE(5));
	EXPECT_EQ(0, r.group);
	EXPECT_EQ(1, r.seq);

	ASSERT_EQ(0, user_alloc(e->fd, e->root, 0, e->q, &u2));
	ASSERT_EQ(0, ioasid_bind(e->h, u2, GPA_HOLE, 0));
	ASSERT_EQ(0, attach(e->fd, e->dev, u2, IOASID_ATTACH_PASID, 7));
	x = xf(e->dev, IOASID_DMA_PASID | IOASID_DMA_NOWAIT, 7, VA_PAGE(0), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_PASID, e->dev, 7, u2, 4,
		   IOASID_FAULT_TABLE, ACC_R, VA_PAGE(0));
	EXPECT_EQ(0, detach(e->fd, e->dev, IOASID_ATTACH_PASID, 7));
	EXPECT_EQ(0, destroy(e->fd, u2));

	/* NOWAIT means nothing to a device without PRI. */
	x = xf(e->nopri, IOASID_DMA_NOWAIT, 0, VA_PAGE(9), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.out_group);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST, e->nopri, 0, e->user,
		   1, IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(9));

	/* A node that routes nowhere raises no page request. */
	ASSERT_EQ(0, set_route(e->fd, e->user, 0));
	next = qinfo(e->fd, e->q).out_next_seq;
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(9), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.out_group);
	EXPECT_EQ(next, qinfo(e->fd, e->q).out_next_seq);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);

	/* Routed again, the same DMA raises one. */
	ASSERT_EQ(0, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	EXPECT_NE(0, x.out_group);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST, e->dev, 0, e->user, IOASID_FAULT_NOT_PRESENT,
		  ACC_R, VA_PAGE(9));
	EXPECT_EQ(x.out_group, r.group);
	EXPECT_EQ(next, r.seq);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
}

/* How many records queue @q has raised (delivered or not). */
static uint64_t raised(struct env *e, uint32_t q)
{
	return qinfo(e->fd, q).out_next_seq - 1;
}

FQ_TEST(routing_stopping_node_then_attached_node_then_nowhere)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	uint8_t *b = self->buf;
	uint64_t na, nb, faults;
	uint32_t qb;
	struct xfer x, hole, miss, pa;
	int qbfd;

	ASSERT_EQ(0, q_alloc(e->fd, QF_NONBLOCK, 0, 0, &qb, &qbfd));
	va_map_gpa(&e->g, 5, GPA_HOLE, PTE_RW | PTE_US);
	miss = xf(e->nopri, 0, 0, VA_PAGE(NEVER), b, 8);	/* stops at user */
	hole = xf(e->nopri, 0, 0, VA_PAGE(5), b, 8);		/* stops at root */

	/* The stopping node's queue. */
	EXPECT_EQ(-EIO, do_xfer(e->fd, &miss));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(e->user, r.node_id);
	ASSERT_EQ(0, set_route(e->fd, e->root, qb));
	EXPECT_EQ(-EIO, do_xfer(e->fd, &hole));
	ASSERT_EQ(1, get_rec(qbfd, &r));
	EXPECT_EQ(e->root, r.node_id);
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(0, get_recs(e->qfd, &r, 1, 0));

	/* The stopping node names none: the attached node's. */
	ASSERT_EQ(0, set_route(e->fd, e->root, 0));
	EXPECT_EQ(-EIO, do_xfer(e->fd, &hole));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(e->root, r.node_id);
	EXPECT_EQ(2, r.seq);
	EXPECT_EQ(0, get_recs(qbfd, &r, 1, 0));

	/*
	 * Neither the stopping node nor the attached one names a queue:
	 * nowhere, though a node above names one. DEVICE_INFO counts it.
	 */
	ASSERT_EQ(0, set_route(e->fd, e->user, 0));
	ASSERT_EQ(0, set_route(e->fd, e->root, qb));
	na = raised(e, e->q);
	nb = raised(e, qb);
	faults = dev_info(e->fd, e->nopri).out_faults;
	EXPECT_EQ(-EIO, do_xfer(e->fd, &miss));
	EXPECT_EQ(faults + 1, dev_info(e->fd, e->nopri).out_faults);
	EXPECT_EQ(na, raised(e, e->q));
	EXPECT_EQ(nb, raised(e, qb));
	/* ... while a fault stopping at the root goes to the root's. */
	EXPECT_EQ(-EIO, do_xfer(e->fd, &hole));
	EXPECT_EQ(nb + 1, raised(e, qb));
	ASSERT_EQ(1, get_rec(qbfd, &r));
	EXPECT_EQ(e->root, r.node_id);
	ASSERT_EQ(0, set_route(e->fd, e->root, 0));
	EXPECT_EQ(-EIO, do_xfer(e->fd, &hole));
	EXPECT_EQ(faults + 3, dev_info(e->fd, e->nopri).out_faults);
	EXPECT_EQ(na, raised(e, e->q));
	EXPECT_EQ(nb + 1, raised(e, qb));

	/* The attached node is the one of the request's PASID. */
	ASSERT_EQ(0, set_route(e->fd, e->user, e->q));
	ASSERT_EQ(0, attach(e->fd, e->nopri, e->root, IOASID_ATTACH_PASID, 3));
	pa = xf(e->nopri, IOASID_DMA_PASID, 3, GPA + GMEM, b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &pa));
	EXPECT_EQ(na, raised(e, e->q));
	EXPECT_EQ(nb + 1, raised(e, qb));
	EXPECT_EQ(-EIO, do_xfer(e->fd, &hole));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(e->root, r.node_id);
	EXPECT_EQ(0, r.flags);
	EXPECT_EQ(0, set_route(e->fd, e->root, qb));
	EXPECT_EQ(-EIO, do_xfer(e->fd, &pa));
	ASSERT_EQ(1, get_rec(qbfd, &r));
	EXPECT_EQ(R_PASID, r.flags);
	EXPECT_EQ(3, r.pasid);
	EXPECT_EQ(GPA + GMEM, r.addr);
	ASSERT_EQ(0, set_route(e->fd, e->root, 0));

	/* A device attached nowhere: its faults go nowhere. */
	ASSERT_EQ(0, detach(e->fd, e->nopri, 0, 0));
	na = raised(e, e->q);
	nb = raised(e, qb);
	faults = dev_info(e->fd, e->nopri).out_faults;
	EXPECT_EQ(-EIO, do_xfer(e->fd, &miss));
	EXPECT_EQ(IOASID_FAULT_NOT_ATTACHED,
		  dev_info(e->fd, e->nopri).out_last_fault_reason);
	EXPECT_EQ(faults + 1, dev_info(e->fd, e->nopri).out_faults);
	EXPECT_EQ(na, raised(e, e->q));
	EXPECT_EQ(nb, raised(e, qb));

	/* Pending requests stay in the queue that got them. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(10), b, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(x.out_group, r.group);
	ASSERT_EQ(0, set_route(e->fd, e->user, qb));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, qinfo(e->fd, qb).out_pending);
	EXPECT_EQ(-ENOENT, answer(qbfd, &r, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	x = retry_of(&x, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	/* New ones go to the new queue. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(11), b, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(qbfd, &r));
	EXPECT_EQ(x.out_group, r.group);
	EXPECT_EQ(IOASID_FAULT_RECORD_PAGE_REQUEST, r.type);
	EXPECT_EQ(1, qinfo(e->fd, qb).out_pending);
	EXPECT_EQ(RESP, answer(qbfd, &r, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(0, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(0, close(qbfd));
	EXPECT_EQ(0, destroy(e->fd, qb));
}

/* 3. Depth and overflow ---------------------------------------------------------------------- */

FQ_TEST(flood_with_a_slow_reader_counts_every_drop)
{
	struct env *e = &self->e;
	const unsigned int depth = 8;
	unsigned int n = 400 / ioasid_test_scale(), i, held = 0, got = 0;
	uint64_t ovf = 0, gaps = 0, prev = 0, *want, nwant = 0;
	struct ioasid_fault_record *recs, r;
	struct ioasid_fault_queue_info qi;
	uint8_t *b = self->buf;
	struct xfer x;
	uint32_t qf;
	int qffd, k;

	if (n < 40)
		n = 40;
	recs = calloc(n, sizeof(*recs));
	want = calloc(n, sizeof(*want));
	ASSERT_NE(NULL, recs);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, q_alloc(e->fd, QF_NONBLOCK, depth, 0, &qf, &qffd));
	ASSERT_EQ(0, set_route(e->fd, e->user, qf));

	/* Three faults, one record read, over and over: a model predicts all. */
	for (i = 0; i < n; i++) {
		EXPECT_EQ(-EIO, nopri_fault(e));
		if (held < depth) {
			held++;
			want[nwant++] = i + 1;
		} else {
			ovf++;
		}
		qi = qinfo(e->fd, qf);
		EXPECT_EQ(held, qi.out_queued);
		EXPECT_GE(depth, qi.out_queued);
		EXPECT_EQ(ovf, qi.out_overflow);
		EXPECT_EQ(i + 2, qi.out_next_seq);
		if (i % 3 == 2) {
			ASSERT_EQ(1, get_recs(qffd, &recs[got], 1, 0));
			got++;
			held--;
		}
	}
	k = drain(qffd, &recs[got], n - got);
	got += k;
	EXPECT_EQ(nwant, got);
	EXPECT_EQ(n, got + ovf);
	ASSERT_LT(0, ovf);

	/* The delivered sequence numbers: what the model says, gaps = drops. */
	for (i = 0; i < got && i < nwant; i++) {
		EXPECT_EQ(want[i], recs[i].seq) TH_LOG("record %u", i);
		EXPECT_LT(prev, recs[i].seq);
		gaps += recs[i].seq - prev - 1;
		prev = recs[i].seq;
		EXPECT_EQ(VA_PAGE(NEVER), recs[i].addr);
	}
	gaps += n - prev;	/* dropped after the last one delivered */
	qi = qinfo(e->fd, qf);
	EXPECT_EQ(ovf, gaps);
	EXPECT_EQ(ovf, qi.out_overflow);
	EXPECT_EQ(0, qi.out_queued);

	/*
	 * A page request that cannot be delivered (the queue is full) is
	 * answered INVALID at once and counted as a drop.
	 */
	for (i = 0; i < depth; i++)
		EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(depth, qinfo(e->fd, qf).out_queued);
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(20), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.out_group);
	x = xf(e->dev, 0, 0, VA_PAGE(21), b, 8);	/* blocking: no wait either */
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	qi = qinfo(e->fd, qf);
	EXPECT_EQ(ovf + 2, qi.out_overflow);
	EXPECT_EQ(2, qi.out_auto_responses);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(0, qi.out_timeouts);
	EXPECT_EQ(n + depth + 3, qi.out_next_seq);
	EXPECT_EQ(depth, drain(qffd, recs, n));
	EXPECT_EQ(0, get_recs(qffd, &r, 1, 0));

	EXPECT_EQ(0, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(0, close(qffd));
	EXPECT_EQ(0, destroy(e->fd, qf));
	free(recs);
	free(want);
}

/* 4. The fd: read(), blocking, poll, epoll ---------------------------------------------------- */

FQ_TEST(read_returns_whole_records_only)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r[3];
	uint8_t raw[3 * sizeof(struct ioasid_fault_record)];

	/* Empty, O_NONBLOCK: EAGAIN, whatever the size. */
	EXPECT_ERRNO(EAGAIN, read(e->qfd, r, sizeof(r)));
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_queued);

	/* Too small for one record: EINVAL, nothing consumed. */
	EXPECT_ERRNO(EINVAL, read(e->qfd, raw, REC - 1));
	EXPECT_ERRNO(EINVAL, read(e->qfd, raw, 1));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_queued);

	/* Room for one and a half: one. */
	memset(raw, 0x77, sizeof(raw));
	EXPECT_EQ(REC, read(e->qfd, raw, REC + REC / 2));
	EXPECT_EQ(0x77, raw[REC]);
	memcpy(r, raw, REC);
	EXPECT_EQ(REC, r[0].size);
	EXPECT_EQ(1, r[0].seq);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_queued);

	/* Room for three: the one left. */
	EXPECT_EQ(REC, read(e->qfd, r, sizeof(r)));
	EXPECT_EQ(2, r[0].seq);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_queued);
	EXPECT_ERRNO(EAGAIN, read(e->qfd, r, sizeof(r)));

	/* Two at once, oldest first. */
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(2 * REC, read(e->qfd, r, sizeof(r)));
	EXPECT_EQ(3, r[0].seq);
	EXPECT_EQ(4, r[1].seq);
	EXPECT_EQ(REC, r[1].size);
	EXPECT_ERRNO(EINVAL, read(e->qfd, raw, REC - 1));
}

struct waiter {
	pthread_t t;
	int fd;
	int ret;
	int err;
	short revents;
	uint32_t events;
	struct ioasid_fault_record r[2];
	int finished;
};

static void *read_fn(void *arg)
{
	struct waiter *w = arg;

	w->ret = read(w->fd, w->r, sizeof(w->r));
	w->err = errno;
	__atomic_store_n(&w->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *poll_fn(void *arg)
{
	struct waiter *w = arg;
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	w->ret = poll(&p, 1, wait_ms());
	w->err = errno;
	w->revents = p.revents;
	__atomic_store_n(&w->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *epoll_fn(void *arg)
{
	struct waiter *w = arg;
	struct epoll_event ev = { 0 };

	w->ret = epoll_wait(w->fd, &ev, 1, wait_ms());
	w->err = errno;
	w->events = ev.events;
	__atomic_store_n(&w->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static bool w_finished(struct waiter *w)
{
	return __atomic_load_n(&w->finished, __ATOMIC_SEQ_CST);
}

FQ_TEST(blocking_read_is_woken_by_a_fault)
{
	struct env *e = &self->e;
	struct waiter w = { 0 };
	uint32_t qb;
	int qbfd;

	ASSERT_EQ(0, q_alloc(e->fd, 0, 0, 0, &qb, &qbfd));
	ASSERT_EQ(0, set_route(e->fd, e->user, qb));
	w.fd = qbfd;
	ASSERT_EQ(0, pthread_create(&w.t, NULL, read_fn, &w));
	sleep_ms(200);
	EXPECT_FALSE(w_finished(&w));
	EXPECT_EQ(-EIO, nopri_fault(e));
	ASSERT_EQ(0, join_within(w.t, wait_ms()));
	EXPECT_EQ(REC, w.ret) TH_LOG("read: %s", strerror(w.err));
	EXPECT_EQ(1, w.r[0].seq);
	EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, w.r[0].type);
	EXPECT_EQ(VA_PAGE(NEVER), w.r[0].addr);
	EXPECT_EQ(e->nopri, w.r[0].dev_id);

	/* A record already there: no wait. */
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(REC, read(qbfd, w.r, sizeof(w.r)));
	EXPECT_EQ(2, w.r[0].seq);

	EXPECT_EQ(0, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(0, close(qbfd));
	EXPECT_EQ(0, destroy(e->fd, qb));
}

FQ_TEST(poll_and_epoll_wake_on_a_record_and_always_allow_writes)
{
	struct env *e = &self->e;
	struct pollfd p = { .fd = e->qfd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct ioasid_fault_record r;
	struct waiter w = { 0 };
	int ep, ep_in;

	/* Empty: writable, not readable. */
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents & ~POLLWRNORM);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, e->qfd, &ev));
	memset(&out, 0, sizeof(out));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(EPOLLOUT, out.events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));

	/* poll() sleeping for POLLIN is woken by a fault. */
	w.fd = e->qfd;
	ASSERT_EQ(0, pthread_create(&w.t, NULL, poll_fn, &w));
	sleep_ms(200);
	EXPECT_FALSE(w_finished(&w));
	EXPECT_EQ(-EIO, nopri_fault(e));
	ASSERT_EQ(0, join_within(w.t, wait_ms()));
	EXPECT_EQ(1, w.ret);
	EXPECT_EQ(POLLIN, w.revents & (POLLIN | POLLERR | POLLHUP));
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, p.revents & ~POLLRDNORM & ~POLLWRNORM);
	memset(&out, 0, sizeof(out));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(EPOLLIN | EPOLLOUT, out.events & (EPOLLIN | EPOLLOUT | EPOLLERR));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents & ~POLLWRNORM);

	/* epoll_wait() for EPOLLIN only, woken by a fault. */
	ep_in = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep_in);
	ev.events = EPOLLIN;
	ASSERT_EQ(0, epoll_ctl(ep_in, EPOLL_CTL_ADD, e->qfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep_in, &out, 1, 0));
	memset(&w, 0, sizeof(w));
	w.fd = ep_in;
	ASSERT_EQ(0, pthread_create(&w.t, NULL, epoll_fn, &w));
	sleep_ms(200);
	EXPECT_FALSE(w_finished(&w));
	EXPECT_EQ(-EIO, nopri_fault(e));
	ASSERT_EQ(0, join_within(w.t, wait_ms()));
	EXPECT_EQ(1, w.ret);
	EXPECT_EQ(EPOLLIN, w.events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(0, epoll_wait(ep_in, &out, 1, 0));

	/* Edge-triggered: one wake per arrival. */
	ev.events = EPOLLIN | EPOLLET;
	ASSERT_EQ(0, epoll_ctl(ep_in, EPOLL_CTL_MOD, e->qfd, &ev));
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(1, epoll_wait(ep_in, &out, 1, wait_ms()));
	EXPECT_EQ(0, epoll_wait(ep_in, &out, 1, 0));
	EXPECT_EQ(-EIO, nopri_fault(e));
	EXPECT_EQ(1, epoll_wait(ep_in, &out, 1, wait_ms()));
	EXPECT_EQ(2, drain(e->qfd, &r, 1) + drain(e->qfd, &r, 1));
	close(ep_in);
	close(ep);
}

/* 5. Page requests ------------------------------------------------------------------------------ */

/* Wait until @b is blocked with its request raised: the request's record. */
#define WAIT_PR(b, r) do {							\
		ASSERT_EQ(1, get_rec(e->qfd, &(r)));				\
		ASSERT_EQ(IOASID_FAULT_RECORD_PAGE_REQUEST, (r).type);		\
		EXPECT_FALSE(bg_finished(&(b)));				\
	} while (0)

FQ_TEST(page_request_blocking_dma_completes_after_success)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	uint8_t *b = self->buf, w[0x200];
	struct bg t = { 0 };
	unsigned int i;

	/* A read of a missing page waits for the response. */
	ASSERT_EQ(0, bg_start(&t, e->fd, xf(e->dev, 0, 0, VA_PAGE(10) + 0x123,
					   b, 64)));
	WAIT_PR(t, r);
	EXPECT_PR(&r, R_GUEST, e->dev, 0, e->user, IOASID_FAULT_NOT_PRESENT,
		  ACC_R, VA_PAGE(10));
	EXPECT_EQ(1, r.seq);
	EXPECT_LE(t.x.t0, r.time_ns);
	EXPECT_GE(now_ns(), r.time_ns);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	sleep_ms(100);
	EXPECT_FALSE(bg_finished(&t));
	va_map(&e->g, 10, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(0, t.x.ret);
	EXPECT_EQ(64, t.x.done);
	EXPECT_EQ(0, t.x.out_group);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 10) + 0x123, 64));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_auto_responses);

	/* A write, with a PASID, to a read-only page after a writable one. */
	ASSERT_EQ(0, attach(e->fd, e->dev, e->user, IOASID_ATTACH_PASID, 5));
	va_map(&e->g, 11, PTE_RW | PTE_US);
	va_map(&e->g, 12, PTE_US);
	for (i = 0; i < sizeof(w); i++)
		w[i] = i * 13 + 1;
	ASSERT_EQ(0, bg_start(&t, e->fd, xf(e->dev, IOASID_DMA_WRITE |
					   IOASID_DMA_PASID, 5,
					   VA_PAGE(12) - 0x100, w, sizeof(w))));
	WAIT_PR(t, r);
	EXPECT_PR(&r, R_GUEST | R_PASID, e->dev, 5, e->user,
		  IOASID_FAULT_PERMISSION, ACC_W, VA_PAGE(12));
	EXPECT_EQ(2, r.seq);
	EXPECT_EQ(0, memcmp(w, data_page(&e->g, 11) + PAGE - 0x100, 0x100));
	va_map(&e->g, 12, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(0, t.x.ret);
	EXPECT_EQ(sizeof(w), t.x.done);
	EXPECT_EQ(0, memcmp(w + 0x100, data_page(&e->g, 12), 0x100));

	/* SUCCESS, but the page is still missing: a fault, EIO, exact. */
	ASSERT_EQ(0, bg_start(&t, e->fd, xf(e->dev, 0, 0, VA_PAGE(13) - 8, b, 16)));
	WAIT_PR(t, r);
	EXPECT_EQ(VA_PAGE(13), r.addr);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(-EIO, t.x.ret);
	EXPECT_EQ(8, t.x.done);
	EXPECT_EQ(0, t.x.out_group);
	/* Recorded before the DMA returned: no wait. */
	if (get_recs(e->qfd, &r, 1, 0) == 1) {
		EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, R_GUEST, e->dev, 0,
			   e->user, 1, IOASID_FAULT_NOT_PRESENT, ACC_R,
			   VA_PAGE(13));
		EXPECT_EQ(0, r.group);
	} else {
		TH_LOG("the fault that ended the DMA was not delivered");
		EXPECT_FALSE(1);
	}
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);

	/*
	 * A page request answered SUCCESS, then a fault further on (a page
	 * the root does not map): that fault is delivered like any other.
	 */
	va_map_gpa(&e->g, 15, GPA_HOLE, PTE_RW | PTE_US);
	ASSERT_EQ(0, bg_start(&t, e->fd, xf(e->dev, 0, 0, VA_PAGE(14) + 0x10, b,
					   2 * PAGE)));
	WAIT_PR(t, r);
	EXPECT_EQ(VA_PAGE(14), r.addr);
	va_map(&e->g, 14, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(-EIO, t.x.ret);
	EXPECT_EQ(PAGE - 0x10, t.x.done);
	EXPECT_EQ(IOASID_FAULT_NOT_MAPPED,
		  dev_info(e->fd, e->dev).out_last_fault_reason);
	if (get_recs(e->qfd, &r, 1, 0) == 1) {
		EXPECT_REC(&r, IOASID_FAULT_RECORD_FAULT, 0, e->dev, 0, e->root,
			   0, IOASID_FAULT_NOT_MAPPED, ACC_R, VA_PAGE(15));
	} else {
		TH_LOG("the fault that ended the DMA was not delivered");
		EXPECT_FALSE(1);
	}
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
}

FQ_TEST(page_request_nowait_then_retry_after_success)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r, r2;
	uint8_t *b = self->buf;
	struct ioasid_dma d;
	struct xfer x, y, rt;

	va_map(&e->g, 20, PTE_RW | PTE_US);
	va_map(&e->g, 21, PTE_RW | PTE_US);

	/* Three pages, the third missing: EAGAIN at once, out_done exact. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(20) + 0x100, b, 3 * PAGE - 0x200);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	EXPECT_EQ(2 * PAGE - 0x100, x.done);
	EXPECT_NE(0, x.out_group);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 20) + 0x100, 2 * PAGE - 0x100));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST, e->dev, 0, e->user, IOASID_FAULT_NOT_PRESENT,
		  ACC_R, VA_PAGE(22));
	EXPECT_EQ(x.out_group, r.group);
	EXPECT_LE(x.t0, r.time_ns);
	EXPECT_GE(x.t1, r.time_ns);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);

	/* RETRY before the response: still pending, same group. */
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &rt));
	EXPECT_EQ(0, rt.done);
	EXPECT_EQ(x.out_group, rt.out_group);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, get_recs(e->qfd, &r2, 1, 0));

	/* RETRY of groups that are not this device's (or PASID's): ESTALE. */
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	rt.group = x.out_group + 1000;
	EXPECT_EQ(-ESTALE, do_xfer(e->fd, &rt));
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	rt.dev = e->nopri;
	EXPECT_EQ(-ESTALE, do_xfer(e->fd, &rt));
	ASSERT_EQ(0, attach(e->fd, e->dev, e->user, IOASID_ATTACH_PASID, 2));
	rt = retry_of(&x, IOASID_DMA_NOWAIT | IOASID_DMA_PASID);
	rt.pasid = 2;
	EXPECT_EQ(-ESTALE, do_xfer(e->fd, &rt));

	/* EINVAL: a group without RETRY; NOWAIT/RETRY with a short struct. */
	y = xf(e->dev, 0, 0, VA_PAGE(20), b, 8);
	y.group = x.out_group;
	EXPECT_EQ(-EINVAL, do_xfer(e->fd, &y));
	memset(&d, 0, sizeof(d));
	d.size = offsetof(struct ioasid_dma, group);
	d.flags = IOASID_DMA_NOWAIT;
	d.dev_id = e->dev;
	d.iova = VA_PAGE(23);
	d.length = 8;
	d.buffer = (uintptr_t)b;
	EXPECT_ERRNO(EINVAL, ioctl(e->fd, IOASID_DMA, &d));
	d.flags = IOASID_DMA_RETRY;
	EXPECT_ERRNO(EINVAL, ioctl(e->fd, IOASID_DMA, &d));
	d.size = offsetof(struct ioasid_dma, out_group);
	EXPECT_ERRNO(EINVAL, ioctl(e->fd, IOASID_DMA, &d));
	/* The old struct still does plain DMA. */
	d.size = offsetof(struct ioasid_dma, group);
	d.flags = 0;
	d.iova = VA_PAGE(20);
	EXPECT_EQ(0, ioctl(e->fd, IOASID_DMA, &d));
	/* None of it raised a request or answered one. */
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, get_recs(e->qfd, &r2, 1, 0));

	/* NOWAIT where nothing is missing is a plain DMA. */
	y = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(21), b + PAGE, 64);
	EXPECT_EQ(0, do_xfer(e->fd, &y));
	EXPECT_EQ(64, y.done);
	EXPECT_EQ(0, y.out_group);

	/* Answered: the RETRY takes the response and finishes the transfer. */
	va_map(&e->g, 22, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	memset(b, 0xa5, 3 * PAGE);
	rt = retry_of(&x, 0);
	EXPECT_EQ(0, do_xfer(e->fd, &rt));
	EXPECT_EQ(x.len - x.done, rt.done);
	EXPECT_EQ(0, rt.out_group);
	EXPECT_EQ(0, memcmp(b + x.done, data_page(&e->g, 22), PAGE - 0x100));

	/* A write through NOWAIT and RETRY|NOWAIT. */
	memset(b, 0x3c, 64);
	x = xf(e->dev, IOASID_DMA_NOWAIT | IOASID_DMA_WRITE, 0, VA_PAGE(24) + 64,
	       b, 64);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.done);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST, e->dev, 0, e->user, IOASID_FAULT_NOT_PRESENT,
		  ACC_W, VA_PAGE(24));
	va_map(&e->g, 24, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	EXPECT_EQ(0, do_xfer(e->fd, &rt));
	EXPECT_EQ(64, rt.done);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 24) + 64, 64));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_auto_responses);
}

/*
 * INVALID ends the DMA with EIO, FAILURE with ENXIO, out_done exact at the
 * page: blocking and NOWAIT. FAILURE goes to devices of its own (PCIe's
 * Response Failure is for good).
 */
FQ_TEST(invalid_and_failure_end_the_dma_with_out_done_exact)
{
	struct env *e = &self->e;
	static const struct {
		uint32_t code;
		int err;
	} c[] = {
		{ IOASID_PAGE_RESP_INVALID, -EIO },
		{ IOASID_PAGE_RESP_FAILURE, -ENXIO },
	};
	struct ioasid_fault_record r;
	uint8_t *b = self->buf;
	unsigned int i, p, nowait;
	uint64_t want = PAGE - 0x300;
	struct xfer x, rt;
	struct bg t = { 0 };
	uint32_t dev;

	for (i = 0; i < 2; i++) {
		for (nowait = 0; nowait < 2; nowait++) {
			p = 30 + 4 * (2 * i + nowait);
			dev = e->dev;
			if (c[i].code == IOASID_PAGE_RESP_FAILURE) {
				ASSERT_EQ(0, dev_create(e->fd, IOASID_DEVICE_PRI,
							0, 0, &dev));
				ASSERT_EQ(0, attach(e->fd, dev, e->user, 0, 0));
			}
			va_map(&e->g, p, PTE_RW | PTE_US);
			memset(b, 0xa5, 2 * PAGE);
			x = xf(dev, nowait ? IOASID_DMA_NOWAIT : 0, 0,
			       VA_PAGE(p) + 0x300, b, 2 * PAGE);
			if (nowait) {
				ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
				EXPECT_EQ(want, x.done);
				ASSERT_EQ(1, get_rec(e->qfd, &r));
				EXPECT_EQ(x.out_group, r.group);
			} else {
				ASSERT_EQ(0, bg_start(&t, e->fd, x));
				WAIT_PR(t, r);
			}
			EXPECT_PR(&r, R_GUEST, dev, 0, e->user,
				  IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(p + 1));
			EXPECT_EQ(RESP, answer(e->qfd, &r, c[i].code));
			if (nowait) {
				rt = retry_of(&x, 0);
				EXPECT_EQ(c[i].err, do_xfer(e->fd, &rt));
				EXPECT_EQ(0, rt.done);
				EXPECT_EQ(0, rt.out_group);
			} else {
				ASSERT_EQ(0, bg_join(&t));
				x = t.x;
				EXPECT_EQ(c[i].err, x.ret);
				EXPECT_EQ(want, x.done);
				EXPECT_EQ(0, x.out_group);
			}
			/* What was read is there, nothing past it written. */
			EXPECT_EQ(0, memcmp(b, data_page(&e->g, p) + 0x300, want));
			EXPECT_EQ(0xa5, b[want]);
			EXPECT_EQ(0xa5, b[2 * PAGE - 1]);
			EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
			/* Answered by the reader: no more records expected. */
			drain(e->qfd, &r, 1);
			if (dev != e->dev) {
				EXPECT_EQ(0, detach(e->fd, dev, 0, 0));
				EXPECT_EQ(0, destroy(e->fd, dev));
			}
		}
	}
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_auto_responses);
}

/* A NOWAIT request of @dev (@flags, @pasid) at VA page @p: its record. */
static int nowait_pr(struct env *e, uint32_t dev, uint32_t flags, uint32_t pasid,
		     unsigned int p, struct xfer *x, struct ioasid_fault_record *r)
{
	static uint8_t b[8];

	*x = xf(dev, flags | IOASID_DMA_NOWAIT, pasid, VA_PAGE(p), b, sizeof(b));
	if (do_xfer(e->fd, x) != -EAGAIN)
		return -1;
	if (get_rec(e->qfd, r) != 1 || r->group != x->out_group ||
	    r->type != IOASID_FAULT_RECORD_PAGE_REQUEST)
		return -2;
	return 0;
}

/*
 * A request that ends the DMA counts as the device's fault in DEVICE_INFO
 * whichever way it was waited for: blocking, or NOWAIT and RETRY (which
 * counted nothing before).
 */
FQ_TEST(a_refused_request_is_the_devices_fault_in_both_styles)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	struct ioasid_device_info before, after;
	struct xfer x, rt;

	before = dev_info(e->fd, e->dev);
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 44, &x, &r));
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &rt));
	EXPECT_EQ(0, rt.done);
	after = dev_info(e->fd, e->dev);
	EXPECT_EQ(before.out_faults + 1, after.out_faults);
	EXPECT_EQ(IOASID_FAULT_NOT_PRESENT, after.out_last_fault_reason);
	EXPECT_EQ(e->user, after.out_last_fault_node);
	EXPECT_EQ(VA_PAGE(44), after.out_last_fault_addr);
	/* The record of the request was the only one: nothing more queued. */
	EXPECT_EQ(0, get_recs(e->qfd, &r, 1, 0));

	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 45, &x, &r));
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_FAILURE));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-ENXIO, do_xfer(e->fd, &rt));
	EXPECT_EQ(before.out_faults + 2, dev_info(e->fd, e->dev).out_faults);
}

FQ_TEST(responses_unknown_wrong_duplicate_bad_short_and_in_order)
{
	struct env *e = &self->e;
	struct ioasid_fault_record a, bb, c, d, f, rr;
	struct ioasid_page_response resp[3];
	struct {
		struct ioasid_page_response r;
		uint32_t tail;
	} big;
	struct xfer xa, xb, xc, xd, xe2, xf2;
	ssize_t n;
	int qfd = e->qfd;

	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 40, &xa, &a));
	EXPECT_EQ(0, a.flags & R_PASID);

	/* Not a group this queue raised for that device and PASID: ENOENT. */
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, 0, 0, a.group + 1000, 0));
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, respond(qfd, e->nopri, 0, 0, a.group, 0));
	EXPECT_EQ(-ENOENT, respond(qfd, 9999, 0, 0, a.group, 0));
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, R_PASID, 0, a.group, 0));
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, R_PASID, 5, a.group, 0));

	/* A PASID request needs its PASID. */
	ASSERT_EQ(0, attach(e->fd, e->dev, e->user, IOASID_ATTACH_PASID, 5));
	ASSERT_EQ(0, nowait_pr(e, e->dev, IOASID_DMA_PASID, 5, 41, &xb, &bb));
	EXPECT_EQ(R_GUEST | R_PASID, bb.flags);
	EXPECT_EQ(5, bb.pasid);
	EXPECT_NE(a.group, bb.group);
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, R_PASID, 6, bb.group, 1));
	EXPECT_EQ(-ENOENT, respond(qfd, e->dev, 0, 0, bb.group, 1));

	/* Bad responses: EOPNOTSUPP, EINVAL, E2BIG, EFAULT. */
	EXPECT_EQ(-EOPNOTSUPP, respond(qfd, e->dev, 1u << 31, 0, a.group, 0));
	EXPECT_EQ(-EOPNOTSUPP, respond(qfd, e->dev, 1u << 4, 0, a.group, 0));
	EXPECT_EQ(-EOPNOTSUPP, respond(qfd, e->dev, 0, 0, a.group, 3));
	EXPECT_EQ(-EOPNOTSUPP, respond(qfd, e->dev, 0, 0, a.group, ~0u));
	memset(resp, 0, sizeof(resp));
	resp[0].size = RESP;
	resp[0].dev_id = e->dev;
	resp[0].group = a.group;
	EXPECT_ERRNO(EINVAL, write(qfd, resp, RESP - 1));
	EXPECT_ERRNO(EINVAL, write(qfd, resp, 1));
	resp[0].size = 16;
	EXPECT_ERRNO(EINVAL, write(qfd, resp, RESP));
	resp[0].size = RESP;
	EXPECT_ERRNO(EFAULT, write(qfd, bad_ptr, RESP));
	memset(&big, 0, sizeof(big));
	big.r = resp[0];
	big.r.size = sizeof(big);
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, write(qfd, &big, sizeof(big)));
	/* A count smaller than the response's own size: EINVAL. */
	big.tail = 0;
	EXPECT_ERRNO(EINVAL, write(qfd, &big, RESP));
	/* None of it answered anything. */
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_pending);

	/* A longer response with a zero tail counts its own size. */
	big.r.code = IOASID_PAGE_RESP_INVALID;
	EXPECT_EQ(sizeof(big), write(qfd, &big, sizeof(big)));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	/* Answered once: EALREADY after, whatever the code. */
	EXPECT_EQ(-EALREADY, respond(qfd, e->dev, 0, 0, a.group, 0));
	EXPECT_EQ(-EALREADY, respond(qfd, e->dev, 0, 0, a.group, 1));
	xa = retry_of(&xa, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &xa));
	EXPECT_EQ(RESP, respond(qfd, e->dev, R_PASID, 5, bb.group, 1));
	EXPECT_EQ(-EALREADY, respond(qfd, e->dev, R_PASID, 5, bb.group, 1));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);

	/* write() of several: consumed in order up to the first failure. */
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 42, &xc, &c));
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 43, &xd, &d));
	ASSERT_EQ(0, nowait_pr(e, e->dev, IOASID_DMA_PASID, 5, 44, &xe2, &f));
	EXPECT_EQ(3, qinfo(e->fd, e->q).out_pending);
	memset(resp, 0, sizeof(resp));
	resp[0] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, c.group, 1 };
	resp[1] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, d.group, 2 };
	resp[2] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, 99999, 1 };
	n = write(qfd, resp, sizeof(resp));
	EXPECT_EQ(2 * RESP, n);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(-EALREADY, answer(qfd, &c, 1));
	EXPECT_EQ(-EALREADY, answer(qfd, &d, 1));
	xc = retry_of(&xc, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &xc));
	xd = retry_of(&xd, 0);
	EXPECT_EQ(-ENXIO, do_xfer(e->fd, &xd));
	/* The first one fails: its errno, nothing consumed. */
	resp[0] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, c.group, 1 };
	resp[1] = (struct ioasid_page_response){ RESP, R_PASID, e->dev, 5, f.group, 1 };
	EXPECT_ERRNO(EALREADY, write(qfd, resp, 2 * RESP));
	resp[0].group = 99999;
	EXPECT_ERRNO(ENOENT, write(qfd, resp, 2 * RESP));
	resp[0].code = 7;
	EXPECT_ERRNO(EOPNOTSUPP, write(qfd, resp, 2 * RESP));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	/* A valid one then a duplicate: the first is consumed. */
	resp[0] = resp[1];
	resp[1] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, d.group, 1 };
	EXPECT_EQ(RESP, write(qfd, resp, 2 * RESP));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	/* Trailing bytes short of a response end the consumption there. */
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 45, &xf2, &rr));
	resp[0] = (struct ioasid_page_response){ RESP, 0, e->dev, 0, rr.group, 1 };
	EXPECT_EQ(RESP, write(qfd, resp, RESP + 4));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);

	/* After DETACH: ECANCELED; the RETRY sees INVALID. */
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 46, &xf2, &rr));
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	ASSERT_EQ(0, detach(e->fd, e->dev, 0, 0));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(-ECANCELED, answer(qfd, &rr, IOASID_PAGE_RESP_SUCCESS));
	xf2 = retry_of(&xf2, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &xf2));
	EXPECT_EQ(0, attach(e->fd, e->dev, e->user, 0, 0));
	EXPECT_EQ(-ECANCELED, answer(qfd, &rr, IOASID_PAGE_RESP_SUCCESS));
}

/*
 * Groups are remembered for 4096 answers: a response to one answered
 * earlier than that is ESTALE, and so is the RETRY that would take it.
 * The module's own answers (an auto-invalid node) move the history fast.
 */
FQ_TEST(groups_answered_more_than_4096_ago_are_stale)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r, first;
	uint8_t *b = self->buf;
	struct xfer x, y, rt;
	unsigned int i;
	uint32_t ua;

	ASSERT_EQ(0, user_alloc(e->fd, e->root, IOASID_ALLOC_PRI_AUTO_INVALID,
				e->q, &ua));
	ASSERT_EQ(0, ioasid_bind(e->h, ua, e->g.top, 0));
	ASSERT_EQ(0, attach(e->fd, e->dev, ua, IOASID_ATTACH_PASID, 1));

	/* One answered by the reader, one by the module. */
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 10, &x, &first));
	EXPECT_EQ(RESP, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	y = xf(e->dev, IOASID_DMA_PASID, 1, VA_PAGE(11), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(R_GUEST | R_PASID | R_ANSWERED, r.flags);
	EXPECT_EQ(-EALREADY, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(-ECANCELED, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));

	/* 4095 more answers: the first is still known ... */
	for (i = 0; i < 4095; i++) {
		y = xf(e->dev, IOASID_DMA_PASID, 1, VA_PAGE(12 + i % 64), b, 8);
		ASSERT_EQ(-EIO, do_xfer(e->fd, &y)) TH_LOG("request %u", i);
	}
	EXPECT_EQ(-EALREADY, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &rt));
	/*
	 * ... one more, and it is forgotten; the module's answer, 4096
	 * answers ago, is not yet; one more, and it is.
	 */
	y = xf(e->dev, IOASID_DMA_PASID, 1, VA_PAGE(12), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_EQ(-ESTALE, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(-ECANCELED, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	y = xf(e->dev, IOASID_DMA_PASID, 1, VA_PAGE(13), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_EQ(-ESTALE, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-ESTALE, do_xfer(e->fd, &rt));
	/* A group never raised is still ENOENT. */
	EXPECT_EQ(-ENOENT, respond(e->qfd, e->dev, 0, 0, first.group + 100000, 0));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, detach(e->fd, e->dev, IOASID_ATTACH_PASID, 1));
	EXPECT_EQ(0, destroy(e->fd, ua));
}

/*
 * The history is the queue's ("more than 4096 groups of the queue"):
 * answers in another queue do not make this queue's groups stale.
 */
FQ_TEST(stale_history_counts_the_queues_own_groups)
{
	struct env *e = &self->e;
	struct ioasid_fault_record first;
	uint8_t *b = self->buf;
	struct xfer x, y, rt;
	unsigned int i;
	uint32_t ua, qb;
	int qbfd;

	ASSERT_EQ(0, q_alloc(e->fd, QF_NONBLOCK, 1, 0, &qb, &qbfd));
	ASSERT_EQ(0, user_alloc(e->fd, e->root, IOASID_ALLOC_PRI_AUTO_INVALID,
				qb, &ua));
	ASSERT_EQ(0, ioasid_bind(e->h, ua, e->g.top, 0));
	ASSERT_EQ(0, attach(e->fd, e->dev, ua, IOASID_ATTACH_PASID, 1));

	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 10, &x, &first));
	EXPECT_EQ(RESP, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	for (i = 0; i < 5000; i++) {
		y = xf(e->dev, IOASID_DMA_PASID, 1, VA_PAGE(12 + i % 64), b, 8);
		ASSERT_EQ(-EIO, do_xfer(e->fd, &y)) TH_LOG("request %u", i);
	}
	EXPECT_EQ(5000, qinfo(e->fd, qb).out_auto_responses);
	EXPECT_EQ(-EALREADY, answer(e->qfd, &first, IOASID_PAGE_RESP_INVALID));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &rt));
	EXPECT_EQ(0, detach(e->fd, e->dev, IOASID_ATTACH_PASID, 1));
	EXPECT_EQ(0, destroy(e->fd, ua));
	EXPECT_EQ(0, close(qbfd));
	EXPECT_EQ(0, destroy(e->fd, qb));
}

/* 6. Timeouts --------------------------------------------------------------------------------- */

FQ_TEST(timeout_answers_the_request_and_delivers_a_record)
{
	struct env *e = &self->e;
	/* Short, but long enough for a slow kernel to answer in time. */
	const uint64_t ms = 200 * ioasid_test_scale();
	const uint64_t lo = (ms - 10) * 1000000ULL;
	struct ioasid_fault_record r, t;
	struct ioasid_fault_queue_info qi;
	uint8_t *b = self->buf;
	struct xfer x, rt;
	uint32_t qt;
	int qtfd, i;

	ASSERT_EQ(0, q_alloc(e->fd, QF_NONBLOCK | QF_TIMEOUT, 0, ms, &qt, &qtfd));
	ASSERT_EQ(ms, qinfo(e->fd, qt).out_timeout_ms);
	ASSERT_EQ(0, set_route(e->fd, e->user, qt));
	va_map(&e->g, 50, PTE_RW | PTE_US);

	/* A blocked DMA: ETIMEDOUT after the timeout, out_done exact. */
	x = xf(e->dev, 0, 0, VA_PAGE(51) - 16, b, 64);
	EXPECT_EQ(-ETIMEDOUT, do_xfer(e->fd, &x));
	EXPECT_EQ(16, x.done);
	EXPECT_EQ(0, x.out_group);
	EXPECT_LE(lo, x.t1 - x.t0);
	EXPECT_GE(ms * 1000000ULL + wait_ms() * 1000000ULL, x.t1 - x.t0);
	ASSERT_EQ(1, get_rec(qtfd, &r));
	EXPECT_PR(&r, R_GUEST, e->dev, 0, e->user, IOASID_FAULT_NOT_PRESENT,
		  ACC_R, VA_PAGE(51));
	EXPECT_EQ(1, r.seq);
	/* Its TIMEOUT record (whatever else the failed DMA may report). */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, get_rec(qtfd, &t));
		if (t.type == IOASID_FAULT_RECORD_TIMEOUT)
			break;
	}
	ASSERT_EQ(IOASID_FAULT_RECORD_TIMEOUT, t.type);
	EXPECT_EQ(REC, t.size);
	EXPECT_EQ(r.group, t.group);
	EXPECT_EQ(e->dev, t.dev_id);
	EXPECT_LT(r.seq, t.seq);
	EXPECT_LE(r.time_ns + lo, t.time_ns);
	EXPECT_GE(now_ns(), t.time_ns);
	qi = qinfo(e->fd, qt);
	EXPECT_EQ(1, qi.out_timeouts);
	EXPECT_EQ(1, qi.out_auto_responses);
	EXPECT_EQ(0, qi.out_pending);
	/* A late response: ETIMEDOUT. */
	EXPECT_EQ(-ETIMEDOUT, answer(qtfd, &r, IOASID_PAGE_RESP_SUCCESS));
	drain(qtfd, &t, 1);

	/* NOWAIT: the RETRY after the timeout sees it too. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(52), b, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(qtfd, &r));
	EXPECT_EQ(x.out_group, r.group);
	ASSERT_EQ(1, get_rec(qtfd, &t));
	EXPECT_EQ(IOASID_FAULT_RECORD_TIMEOUT, t.type);
	EXPECT_EQ(r.group, t.group);
	EXPECT_EQ(e->dev, t.dev_id);
	EXPECT_EQ(r.seq + 1, t.seq);
	EXPECT_LE(r.time_ns + lo, t.time_ns);
	qi = qinfo(e->fd, qt);
	EXPECT_EQ(2, qi.out_timeouts);
	EXPECT_EQ(2, qi.out_auto_responses);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(-ETIMEDOUT, answer(qtfd, &r, IOASID_PAGE_RESP_SUCCESS));
	rt = retry_of(&x, 0);
	EXPECT_EQ(-ETIMEDOUT, do_xfer(e->fd, &rt));
	EXPECT_EQ(0, rt.done);
	EXPECT_EQ(0, rt.out_group);

	/* Answered in time: no timeout, then or later. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(53), b, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(qtfd, &r));
	va_map(&e->g, 53, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(qtfd, &r, IOASID_PAGE_RESP_SUCCESS));
	sleep_ms(2 * ms);
	EXPECT_EQ(0, get_recs(qtfd, &t, 1, 0));
	EXPECT_EQ(2, qinfo(e->fd, qt).out_timeouts);
	rt = retry_of(&x, 0);
	EXPECT_EQ(0, do_xfer(e->fd, &rt));
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 53), 8));

	EXPECT_EQ(0, set_route(e->fd, e->user, e->q));
	EXPECT_EQ(0, close(qtfd));
	EXPECT_EQ(0, destroy(e->fd, qt));
}

FQ_TEST(timeout_option_get_set_and_zero_waits_for_ever)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r, ry, ty;
	struct ioasid_fault_queue_info qi;
	uint8_t *b = self->buf;
	struct xfer x, y, rt;
	uint64_t v;

	/* GET and SET, and the values SET refuses. */
	v = 0;
	EXPECT_EQ(0, opt(e->fd, IOASID_OPTION_FAULT_TIMEOUT_MS,
			 IOASID_OPTION_OP_GET, e->q, &v));
	EXPECT_EQ(ENV_TIMEOUT_MS, v);
	EXPECT_EQ(-EINVAL, set_timeout(e->fd, e->q, 3600001));
	EXPECT_EQ(-EINVAL, set_timeout(e->fd, e->q, 1ULL << 32));
	EXPECT_EQ(-EINVAL, set_timeout(e->fd, e->q, ~0ULL));
	EXPECT_EQ(ENV_TIMEOUT_MS, qinfo(e->fd, e->q).out_timeout_ms);
	EXPECT_EQ(0, set_timeout(e->fd, e->q, 3600000));
	EXPECT_EQ(0, opt(e->fd, IOASID_OPTION_FAULT_TIMEOUT_MS,
			 IOASID_OPTION_OP_GET, e->q, &v));
	EXPECT_EQ(3600000, v);
	EXPECT_EQ(3600000, qinfo(e->fd, e->q).out_timeout_ms);
	EXPECT_EQ(0, set_timeout(e->fd, e->q, 0));
	EXPECT_EQ(0, opt(e->fd, IOASID_OPTION_FAULT_TIMEOUT_MS,
			 IOASID_OPTION_OP_GET, e->q, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_timeout_ms);
	v = 5;
	EXPECT_EQ(-EOPNOTSUPP, opt(e->fd, IOASID_OPTION_FAULT_TIMEOUT_MS, 2, e->q, &v));

	/* 0: a request waits for ever ... */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(60), b, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(x.out_group, r.group);
	/* ... even once the timeout changes: it applies to later requests, */
	EXPECT_EQ(0, set_timeout(e->fd, e->q, 100));
	y = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(61), b + 64, 8);
	ASSERT_EQ(-EAGAIN, do_xfer(e->fd, &y));
	ASSERT_EQ(1, get_rec(e->qfd, &ry));
	EXPECT_EQ(y.out_group, ry.group);
	/* ... which time out. */
	ASSERT_EQ(1, get_rec(e->qfd, &ty));
	EXPECT_EQ(IOASID_FAULT_RECORD_TIMEOUT, ty.type);
	EXPECT_EQ(y.out_group, ty.group);
	sleep_ms(1000);
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(1, qi.out_pending);
	EXPECT_EQ(1, qi.out_timeouts);
	EXPECT_EQ(1, qi.out_auto_responses);
	EXPECT_EQ(0, get_recs(e->qfd, &ty, 1, 0));
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &rt));
	EXPECT_EQ(x.out_group, rt.out_group);
	rt = retry_of(&y, 0);
	EXPECT_EQ(-ETIMEDOUT, do_xfer(e->fd, &rt));

	/* The first is still there to answer. */
	va_map(&e->g, 60, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	rt = retry_of(&x, 0);
	EXPECT_EQ(0, do_xfer(e->fd, &rt));
	EXPECT_EQ(8, rt.done);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 60), 8));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
}

/* 7. Automatic answers: the node flag, the pending bound --------------------------------------- */

FQ_TEST(auto_invalid_node_answers_page_requests_at_once)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r;
	struct ioasid_node_info ni;
	uint8_t *b = self->buf;
	struct xfer x;
	uint32_t ua;

	ASSERT_EQ(0, user_alloc(e->fd, e->root, IOASID_ALLOC_PRI_AUTO_INVALID,
				e->q, &ua));
	ASSERT_EQ(0, ioasid_bind(e->h, ua, e->g.top, 0));
	ASSERT_EQ(0, ioasid_node_info(e->h, ua, &ni));
	EXPECT_EQ(IOASID_NODE_PRI_AUTO_INVALID | IOASID_NODE_BOUND, ni.out_flags);
	ASSERT_EQ(0, attach(e->fd, e->dev, ua, IOASID_ATTACH_PASID, 2));
	va_map(&e->g, 70, PTE_RW | PTE_US);

	/* Blocking: EIO at once (the queue would wait a minute), exact. */
	x = xf(e->dev, IOASID_DMA_PASID, 2, VA_PAGE(71) - 32, b, 64);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(32, x.done);
	EXPECT_EQ(0, x.out_group);
	EXPECT_GT(ENV_TIMEOUT_MS / 2 * 1000000ULL, x.t1 - x.t0);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 70) + PAGE - 32, 32));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST | R_PASID | R_ANSWERED, e->dev, 2, ua,
		  IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(71));
	EXPECT_LE(x.t0, r.time_ns);
	EXPECT_GE(x.t1, r.time_ns);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_auto_responses);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_timeouts);
	/*
	 * No response is expected; one anyway: the module answered it
	 * ("otherwise" than by its timeout): ECANCELED.
	 */
	EXPECT_EQ(-ECANCELED, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));

	/* NOWAIT: EIO too, not EAGAIN. */
	x = xf(e->dev, IOASID_DMA_PASID | IOASID_DMA_NOWAIT | IOASID_DMA_WRITE, 2,
	       VA_PAGE(72), b, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	EXPECT_EQ(0, x.done);
	EXPECT_EQ(0, x.out_group);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST | R_PASID | R_ANSWERED, e->dev, 2, ua,
		  IOASID_FAULT_NOT_PRESENT, ACC_W, VA_PAGE(72));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_auto_responses);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);

	/* The same table through a node without the flag: a real request. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(72), b, 8);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(R_GUEST, r.flags);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));

	EXPECT_EQ(0, detach(e->fd, e->dev, IOASID_ATTACH_PASID, 2));
	EXPECT_EQ(0, destroy(e->fd, ua));
}

FQ_TEST(device_create_pri_max_pending_rules)
{
	struct ioasid_device_create c;
	struct ioasid_device_info di;
	int fd = self->e.fd;
	uint32_t id;

	EXPECT_EQ(-EINVAL, dev_create(fd, IOASID_DEVICE_PRI, 0, 4097, &id));
	EXPECT_EQ(-EINVAL, dev_create(fd, IOASID_DEVICE_PRI, 0, ~0u, &id));
	EXPECT_EQ(-EINVAL, dev_create(fd, 0, 0, 1, &id));
	EXPECT_EQ(-EINVAL, dev_create(fd, IOASID_DEVICE_PASID, 4, 1, &id));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = IOASID_DEVICE_PRI;
	c.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, IOASID_DEVICE_CREATE, &c));

	ASSERT_EQ(0, dev_create(fd, IOASID_DEVICE_PRI, 0, 4096, &id));
	di = dev_info(fd, id);
	EXPECT_EQ(IOASID_DEVICE_PRI, di.out_flags);
	EXPECT_EQ(0, destroy(fd, id));
	ASSERT_EQ(0, dev_create(fd, IOASID_DEVICE_PRI, 0, 1, &id));
	EXPECT_EQ(0, destroy(fd, id));
	ASSERT_EQ(0, dev_create(fd, IOASID_DEVICE_PRI | IOASID_DEVICE_PASID, 20, 0,
				&id));
	EXPECT_EQ(IOASID_DEVICE_PRI | IOASID_DEVICE_PASID, dev_info(fd, id).out_flags);
	EXPECT_EQ(0, destroy(fd, id));
	/* The struct as first shipped: no pri_max_pending, the default. */
	memset(&c, 0, sizeof(c));
	c.size = offsetofend(struct ioasid_device_create, out_id);
	c.flags = IOASID_DEVICE_PRI;
	ASSERT_EQ(0, ioctl(fd, IOASID_DEVICE_CREATE, &c));
	EXPECT_EQ(0, destroy(fd, c.out_id));
}

FQ_TEST(pri_max_pending_answers_the_excess_invalid)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r, r1, recs[40];
	struct ioasid_page_response resp[32];
	struct ioasid_fault_queue_info qi;
	uint8_t *b = self->buf;
	struct xfer x, y, xs[33];
	struct bg t = { 0 };
	uint32_t d1, d0;
	unsigned int i;
	uint64_t auto0;

	/* At most one: a second, concurrent request is answered INVALID. */
	ASSERT_EQ(0, dev_create(e->fd, IOASID_DEVICE_PRI, 0, 1, &d1));
	ASSERT_EQ(0, attach(e->fd, d1, e->user, 0, 0));
	ASSERT_EQ(0, bg_start(&t, e->fd, xf(d1, 0, 0, VA_PAGE(80), b, 8)));
	WAIT_PR(t, r1);
	EXPECT_EQ(d1, r1.dev_id);
	EXPECT_EQ(0, r1.flags & R_ANSWERED);
	y = xf(d1, 0, 0, VA_PAGE(81), b + PAGE, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_EQ(0, y.done);
	EXPECT_GT(ENV_TIMEOUT_MS / 2 * 1000000ULL, y.t1 - y.t0);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_PR(&r, R_GUEST | R_ANSWERED, d1, 0, e->user,
		  IOASID_FAULT_NOT_PRESENT, ACC_R, VA_PAGE(81));
	EXPECT_NE(r1.group, r.group);
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(1, qi.out_pending);
	EXPECT_EQ(1, qi.out_auto_responses);
	/* NOWAIT alike. */
	y = xf(d1, IOASID_DMA_NOWAIT, 0, VA_PAGE(82), b + PAGE, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_EQ(0, y.out_group);
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(R_GUEST | R_ANSWERED, r.flags);
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_auto_responses);
	/* Other devices are not bound by it. */
	x = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(83), b + PAGE, 8);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &x));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));

	/* The first one answered, the device may ask again. */
	va_map(&e->g, 80, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r1, IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(0, t.x.ret);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 80), 8));
	y = xf(d1, IOASID_DMA_NOWAIT, 0, VA_PAGE(81), b + PAGE, 8);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &y));
	ASSERT_EQ(1, get_rec(e->qfd, &r));
	EXPECT_EQ(0, r.flags & R_ANSWERED);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_INVALID));
	y = retry_of(&y, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_EQ(0, detach(e->fd, d1, 0, 0));
	EXPECT_EQ(0, destroy(e->fd, d1));

	/* 0 is 32: the 33rd outstanding request is answered INVALID. */
	auto0 = qinfo(e->fd, e->q).out_auto_responses;
	ASSERT_EQ(0, dev_create(e->fd, IOASID_DEVICE_PRI, 0, 0, &d0));
	ASSERT_EQ(0, attach(e->fd, d0, e->user, 0, 0));
	for (i = 0; i < 33; i++) {
		xs[i] = xf(d0, IOASID_DMA_NOWAIT, 0, VA_PAGE(100 + i), b, 8);
		EXPECT_EQ(i < 32 ? -EAGAIN : -EIO, do_xfer(e->fd, &xs[i]))
			TH_LOG("request %u", i);
	}
	ASSERT_EQ(33, drain(e->qfd, recs, 40));
	for (i = 0; i < 33; i++) {
		EXPECT_EQ(R_GUEST | (i < 32 ? 0 : R_ANSWERED), recs[i].flags);
		EXPECT_EQ(VA_PAGE(100 + i), recs[i].addr);
	}
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(32, qi.out_pending);
	EXPECT_EQ(auto0 + 1, qi.out_auto_responses);
	/* One write() answers the 32. */
	for (i = 0; i < 32; i++)
		resp[i] = (struct ioasid_page_response){
			RESP, 0, d0, 0, recs[i].group, IOASID_PAGE_RESP_INVALID };
	EXPECT_EQ(sizeof(resp), write(e->qfd, resp, sizeof(resp)));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	for (i = 0; i < 32; i++) {
		x = retry_of(&xs[i], 0);
		EXPECT_EQ(-EIO, do_xfer(e->fd, &x));
	}
	EXPECT_EQ(0, detach(e->fd, d0, 0, 0));
	EXPECT_EQ(0, destroy(e->fd, d0));
}

/* 8. Pending requests meet DETACH, REPLACE, DESTROY, close() ---------------------------------- */

/*
 * A blocked DMA @t of @dev (two pages from the middle of mapped page @p,
 * page @p + 1 missing) and a NOWAIT request @x at page @p + 2, both pending.
 */
#define TWO_PENDING(dev, p, t, rt, x, rx) do {					\
		va_map(&e->g, p, PTE_RW | PTE_US);				\
		ASSERT_EQ(0, bg_start(&(t), e->fd, xf(dev, 0, 0,		\
				VA_PAGE(p) + 0x200, self->buf, 2 * PAGE)));	\
		WAIT_PR(t, rt);							\
		EXPECT_EQ(VA_PAGE((p) + 1), (rt).addr);				\
		ASSERT_EQ(0, nowait_pr(e, dev, 0, 0, (p) + 2, &(x), &(rx)));	\
		EXPECT_EQ(2, qinfo(e->fd, e->q).out_pending);			\
	} while (0)

/* Both were answered by the module: EIO, out_done exact, ECANCELED. */
#define BOTH_CANCELED(t, rt, x, rx, auto0) do {					\
		struct ioasid_fault_queue_info __qi;				\
		struct xfer __r;						\
		ASSERT_EQ(0, bg_join(&(t)));					\
		EXPECT_EQ(-EIO, (t).x.ret);					\
		EXPECT_EQ(PAGE - 0x200, (t).x.done);				\
		EXPECT_EQ(0, (t).x.out_group);					\
		__qi = qinfo(e->fd, e->q);					\
		EXPECT_EQ(0, __qi.out_pending);					\
		EXPECT_EQ((auto0) + 2, __qi.out_auto_responses);		\
		EXPECT_EQ(0, __qi.out_timeouts);				\
		EXPECT_EQ(-ECANCELED, answer(e->qfd, &(rt), 0));		\
		EXPECT_EQ(-ECANCELED, answer(e->qfd, &(rx), 0));		\
		__r = retry_of(&(x), 0);					\
		EXPECT_EQ(-EIO, do_xfer(e->fd, &__r));				\
	} while (0)

FQ_TEST(detach_answers_pending_requests)
{
	struct env *e = &self->e;
	struct ioasid_fault_record rt, rx;
	struct bg t = { 0 };
	struct xfer x;

	TWO_PENDING(e->dev, 90, t, rt, x, rx);
	sleep_ms(50);
	EXPECT_FALSE(bg_finished(&t));
	ASSERT_EQ(0, detach(e->fd, e->dev, 0, 0));
	BOTH_CANCELED(t, rt, x, rx, 0);
	/* Attached again, it works again. */
	ASSERT_EQ(0, attach(e->fd, e->dev, e->user, 0, 0));
	va_map(&e->g, 91, PTE_RW | PTE_US);
	x = xf(e->dev, 0, 0, VA_PAGE(91), self->buf, 64);
	EXPECT_EQ(0, do_xfer(e->fd, &x));
	EXPECT_EQ(0, memcmp(self->buf, data_page(&e->g, 91), 64));
}

FQ_TEST(replace_answers_pending_requests)
{
	struct env *e = &self->e;
	struct ioasid_fault_record rt, rx;
	struct bg t = { 0 };
	struct xfer x;
	uint32_t u2;

	ASSERT_EQ(0, user_alloc(e->fd, e->root, 0, e->q, &u2));
	ASSERT_EQ(0, ioasid_bind(e->h, u2, e->g.top, 0));
	TWO_PENDING(e->dev, 90, t, rt, x, rx);
	ASSERT_EQ(0, attach(e->fd, e->dev, u2, IOASID_ATTACH_REPLACE, 0));
	BOTH_CANCELED(t, rt, x, rx, 0);
	/* Through the new node, the same table. */
	va_map(&e->g, 91, PTE_RW | PTE_US);
	x = xf(e->dev, 0, 0, VA_PAGE(91), self->buf, 64);
	EXPECT_EQ(0, do_xfer(e->fd, &x));
	EXPECT_EQ(0, memcmp(self->buf, data_page(&e->g, 91), 64));
	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 95, &x, &rx));
	EXPECT_EQ(u2, rx.node_id);
	EXPECT_EQ(RESP, answer(e->qfd, &rx, IOASID_PAGE_RESP_INVALID));
	EXPECT_EQ(0, detach(e->fd, e->dev, 0, 0));
	EXPECT_EQ(0, destroy(e->fd, u2));
}

/*
 * DESTROY of a node or device is EBUSY while the device is attached, so a
 * pending request reaches DESTROY only through DETACH, which answers it:
 * DESTROY then finds the node and the device clean, and a blocked DMA is
 * not disturbed by the refused DESTROY.
 */
FQ_TEST(destroy_of_node_and_device_with_requests_pending)
{
	struct env *e = &self->e;
	struct ioasid_fault_record rt, rx;
	struct bg t = { 0 };
	struct xfer x;
	uint32_t u2, d2;

	ASSERT_EQ(0, user_alloc(e->fd, e->root, 0, e->q, &u2));
	ASSERT_EQ(0, ioasid_bind(e->h, u2, e->g.top, 0));
	ASSERT_EQ(0, dev_create(e->fd, IOASID_DEVICE_PRI, 0, 0, &d2));
	ASSERT_EQ(0, attach(e->fd, d2, u2, 0, 0));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_nodes);
	TWO_PENDING(d2, 90, t, rt, x, rx);
	EXPECT_EQ(-EBUSY, destroy(e->fd, u2));
	EXPECT_EQ(-EBUSY, destroy(e->fd, d2));
	EXPECT_EQ(-EBUSY, destroy(e->fd, e->q));
	sleep_ms(50);
	EXPECT_FALSE(bg_finished(&t));
	EXPECT_EQ(2, qinfo(e->fd, e->q).out_pending);
	ASSERT_EQ(0, detach(e->fd, d2, 0, 0));
	EXPECT_EQ(0, destroy(e->fd, u2));
	BOTH_CANCELED(t, rt, x, rx, 0);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_nodes);
	EXPECT_EQ(0, destroy(e->fd, d2));
	/* A RETRY naming a device that is gone: ENOENT. */
	x = retry_of(&x, 0);
	EXPECT_EQ(-ENOENT, do_xfer(e->fd, &x));
}

FQ_TEST(closing_the_queue_fd_answers_pending_requests)
{
	struct env *e = &self->e;
	struct ioasid_fault_record rt, rx;
	struct ioasid_fault_queue_info qi;
	struct bg t = { 0 };
	struct xfer x, y;
	uint64_t next;

	TWO_PENDING(e->dev, 90, t, rt, x, rx);
	next = qinfo(e->fd, e->q).out_next_seq;
	EXPECT_EQ(0, close(e->qfd));
	e->qfd = -1;
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(-EIO, t.x.ret);
	EXPECT_EQ(PAGE - 0x200, t.x.done);
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(1, qi.out_closed);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(0, qi.out_queued);
	EXPECT_EQ(2, qi.out_auto_responses);
	EXPECT_EQ(1, qi.out_nodes);
	y = retry_of(&x, 0);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));

	/* Records for a closed queue are dropped and counted... */
	EXPECT_EQ(-EIO, nopri_fault(e));
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(next + 1, qi.out_next_seq);
	EXPECT_EQ(1, qi.out_overflow);
	/* ... and page requests answered INVALID at once. */
	y = xf(e->dev, 0, 0, VA_PAGE(95), self->buf, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	EXPECT_GT(ENV_TIMEOUT_MS / 2 * 1000000ULL, y.t1 - y.t0);
	y = xf(e->dev, IOASID_DMA_NOWAIT, 0, VA_PAGE(96), self->buf, 8);
	EXPECT_EQ(-EIO, do_xfer(e->fd, &y));
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(next + 3, qi.out_next_seq);
	EXPECT_EQ(3, qi.out_overflow);
	EXPECT_EQ(4, qi.out_auto_responses);
	EXPECT_EQ(0, qi.out_pending);

	/* The object goes once no node names it. */
	EXPECT_EQ(-EBUSY, destroy(e->fd, e->q));
	EXPECT_EQ(0, set_route(e->fd, e->user, 0));
	EXPECT_EQ(0, destroy(e->fd, e->q));
}

/* The context goes first, the queue's fd after it: nothing is left. */
FQ_TEST(context_closed_before_the_queue_fd)
{
	struct env *e = &self->e;
	struct ioasid_fault_record r[4];
	struct xfer x;
	ssize_t n;

	ASSERT_EQ(0, nowait_pr(e, e->dev, 0, 0, 90, &x, &r[0]));
	EXPECT_EQ(-EIO, nopri_fault(e));
	ioasid_close(e->h);
	e->h = NULL;
	/* What the fd does now is not promised; it must not crash or hang. */
	n = read(e->qfd, &r[1], 3 * REC);
	TH_LOG("read after the context closed: %zd (%s)", n,
	       n < 0 ? strerror(errno) : "records");
	n = answer(e->qfd, &r[0], IOASID_PAGE_RESP_SUCCESS);
	TH_LOG("response after the context closed: %zd", n);
	EXPECT_EQ(0, close(e->qfd));
	e->qfd = -1;
}

/* 9. Concurrency and signals ---------------------------------------------------------------- */

#define MT_THREADS	8

struct mt {
	struct env *e;
	uint32_t devs[2];
	unsigned int per_thread, first;
	int threads_done;
	/* the reader's */
	uint64_t *seqs;
	unsigned int nrec, cap, answered, bad, dup;
	uint8_t *seen;
	int reader_err;
	uint64_t deadline;
};

struct mt_thread {
	struct mt *m;
	unsigned int idx;
	pthread_t t;
	int ret;
	unsigned int failed_at, ok;
	uint64_t done;
};

static void mt_pattern(uint8_t *p, unsigned int t, unsigned int j)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		p[i] = (uint8_t)(t * 31 + j * 7 + i + 1);
}

static void *mt_worker(void *arg)
{
	struct mt_thread *w = arg;
	struct mt *m = w->m;
	uint32_t dev = m->devs[w->idx % 2];
	uint32_t flags = w->idx % 2 ? IOASID_DMA_PASID : 0;
	uint8_t out[64], in[64];
	unsigned int j;

	for (j = 0; j < m->per_thread; j++) {
		unsigned int p = m->first + w->idx * m->per_thread + j;
		struct xfer x;

		mt_pattern(out, w->idx, j);
		x = xf(dev, flags | IOASID_DMA_WRITE, flags ? 9 : 0,
		       VA_PAGE(p) + 64 * w->idx, out, 64);
		if (do_xfer(m->e->fd, &x) || x.done != 64) {
			w->ret = x.ret ? x.ret : -EBADMSG;
			w->done = x.done;
			w->failed_at = j;
			break;
		}
		x = xf(dev, flags, flags ? 9 : 0, VA_PAGE(p) + 64 * w->idx, in, 64);
		if (do_xfer(m->e->fd, &x) || memcmp(in, out, 64)) {
			w->ret = x.ret ? x.ret : -EILSEQ;
			w->failed_at = j;
			break;
		}
		w->ok++;
	}
	__atomic_add_fetch(&m->threads_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *mt_reader(void *arg)
{
	struct mt *m = arg;
	struct env *e = m->e;
	struct ioasid_fault_record recs[32];
	int n, i, last = 0;

	for (;;) {
		if (now_ns() > m->deadline) {
			m->reader_err = -ETIMEDOUT;
			break;
		}
		n = get_recs(e->qfd, recs, 32, 50);
		if (n < 0) {
			m->reader_err = n;
			break;
		}
		if (!n) {
			if (last)
				break;
			/* All workers finished: one more look, then stop. */
			last = __atomic_load_n(&m->threads_done, __ATOMIC_SEQ_CST) ==
			       MT_THREADS;
			continue;
		}
		for (i = 0; i < n; i++) {
			struct ioasid_fault_record *r = &recs[i];
			uint64_t p = (r->addr - VA) / PAGE;
			bool pasid = r->dev_id == m->devs[1];

			if (m->nrec < m->cap)
				m->seqs[m->nrec] = r->seq;
			m->nrec++;
			if (r->type != IOASID_FAULT_RECORD_PAGE_REQUEST ||
			    r->flags != (R_GUEST | (pasid ? R_PASID : 0)) ||
			    r->pasid != (pasid ? 9u : 0u) || !r->group ||
			    (r->dev_id != m->devs[0] && !pasid) ||
			    r->addr % PAGE || r->addr < VA ||
			    p < m->first || p >= m->first + MT_THREADS * m->per_thread ||
			    r->access != ACC_W || r->size != REC) {
				m->bad++;
				continue;
			}
			if (m->seen[p - m->first]++)
				m->dup++;
			va_map(&e->g, p, PTE_RW | PTE_US);
			if (answer(e->qfd, r, IOASID_PAGE_RESP_SUCCESS) != RESP)
				m->bad++;
			else
				m->answered++;
		}
		last = 0;
	}
	return NULL;
}

FQ_TEST(eight_threads_fault_concurrently_on_one_queue)
{
	struct env *e = &self->e;
	struct mt m = { .e = e };
	struct mt_thread w[MT_THREADS];
	struct ioasid_fault_queue_info qi;
	pthread_t reader;
	unsigned int i, j, total;

	m.per_thread = 32 / ioasid_test_scale();
	if (m.per_thread < 4)
		m.per_thread = 4;
	m.first = 100;
	total = MT_THREADS * m.per_thread;
	ASSERT_GE(DATA_PAGES - 1, m.first + total);
	m.cap = total + 64;
	m.seqs = calloc(m.cap, sizeof(*m.seqs));
	m.seen = calloc(total, 1);
	ASSERT_NE(NULL, m.seqs);
	ASSERT_NE(NULL, m.seen);
	m.devs[0] = e->dev;
	ASSERT_EQ(0, dev_create(e->fd, IOASID_DEVICE_PRI | IOASID_DEVICE_PASID, 8,
				0, &m.devs[1]));
	ASSERT_EQ(0, attach(e->fd, m.devs[1], e->user, IOASID_ATTACH_PASID, 9));
	m.deadline = now_ns() + 20ULL * wait_ms() * 1000000ULL;

	ASSERT_EQ(0, pthread_create(&reader, NULL, mt_reader, &m));
	for (i = 0; i < MT_THREADS; i++) {
		w[i] = (struct mt_thread){ .m = &m, .idx = i };
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, mt_worker, &w[i]));
	}
	for (i = 0; i < MT_THREADS; i++) {
		ASSERT_EQ(0, join_within(w[i].t, 20 * wait_ms()));
		EXPECT_EQ(0, w[i].ret)
			TH_LOG("thread %u: page %u of %u, out_done %llu", i,
			       w[i].failed_at, m.per_thread,
			       (unsigned long long)w[i].done);
		EXPECT_EQ(m.per_thread, w[i].ok);
	}
	ASSERT_EQ(0, join_within(reader, 20 * wait_ms()));
	EXPECT_EQ(0, m.reader_err);
	EXPECT_EQ(0, m.bad);
	EXPECT_EQ(0, m.dup);
	/* One request per page, every record delivered, in order. */
	EXPECT_EQ(total, m.nrec);
	EXPECT_EQ(total, m.answered);
	for (i = 0; i < m.nrec && i < m.cap; i++)
		EXPECT_EQ(i + 1, m.seqs[i]) TH_LOG("record %u", i);
	for (i = 0; i < total; i++)
		EXPECT_EQ(1, m.seen[i]) TH_LOG("page %u", m.first + i);
	qi = qinfo(e->fd, e->q);
	EXPECT_EQ(0, qi.out_overflow);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(0, qi.out_queued);
	EXPECT_EQ(0, qi.out_auto_responses);
	EXPECT_EQ(total + 1, qi.out_next_seq);
	/* The data landed where each thread wrote it. */
	for (i = 0; i < MT_THREADS; i++)
		for (j = 0; j < m.per_thread; j++) {
			uint8_t want[64];

			mt_pattern(want, i, j);
			EXPECT_EQ(0, memcmp(want, data_page(&e->g, m.first +
					    i * m.per_thread + j) + 64 * i, 64));
		}
	EXPECT_EQ(0, detach(e->fd, m.devs[1], IOASID_ATTACH_PASID, 9));
	free(m.seqs);
	free(m.seen);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

FQ_TEST(signal_interrupts_a_blocked_dma_and_retry_completes_it)
{
	struct env *e = &self->e;
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct ioasid_fault_record r;
	uint8_t *b = self->buf;
	struct bg t = { 0 };
	struct xfer x, rt;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	va_map(&e->g, 110, PTE_RW | PTE_US);
	memset(b, 0xa5, 2 * PAGE);

	ASSERT_EQ(0, bg_start(&t, e->fd, xf(e->dev, 0, 0, VA_PAGE(110) + 0x400,
					   b, 2 * PAGE - 0x800)));
	WAIT_PR(t, r);
	EXPECT_EQ(VA_PAGE(111), r.addr);
	sleep_ms(50);
	ASSERT_EQ(0, pthread_kill(t.t, SIGUSR1));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(1, usr1_seen);
	x = t.x;
	EXPECT_EQ(-EINTR, x.ret);
	EXPECT_EQ(PAGE - 0x400, x.done);
	EXPECT_EQ(r.group, x.out_group);
	EXPECT_EQ(0, memcmp(b, data_page(&e->g, 110) + 0x400, PAGE - 0x400));
	EXPECT_EQ(0xa5, b[PAGE - 0x400]);
	/* Still pending: a RETRY that does not wait says so. */
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_auto_responses);
	rt = retry_of(&x, IOASID_DMA_NOWAIT);
	EXPECT_EQ(-EAGAIN, do_xfer(e->fd, &rt));
	EXPECT_EQ(r.group, rt.out_group);
	EXPECT_EQ(0, rt.done);

	/* A blocking RETRY interrupted again, then answered. */
	ASSERT_EQ(0, bg_start(&t, e->fd, retry_of(&x, 0)));
	sleep_ms(100 * ioasid_test_scale());
	EXPECT_FALSE(bg_finished(&t));
	ASSERT_EQ(0, pthread_kill(t.t, SIGUSR1));
	ASSERT_EQ(0, bg_join(&t));
	EXPECT_EQ(-EINTR, t.x.ret);
	EXPECT_EQ(r.group, t.x.out_group);
	EXPECT_EQ(0, t.x.done);
	EXPECT_EQ(1, qinfo(e->fd, e->q).out_pending);

	va_map(&e->g, 111, PTE_RW | PTE_US);
	EXPECT_EQ(RESP, answer(e->qfd, &r, IOASID_PAGE_RESP_SUCCESS));
	rt = retry_of(&x, 0);
	EXPECT_EQ(0, do_xfer(e->fd, &rt));
	EXPECT_EQ(x.len - x.done, rt.done);
	EXPECT_EQ(0, rt.out_group);
	EXPECT_EQ(0, memcmp(b + x.done, data_page(&e->g, 111), PAGE - 0x400));
	EXPECT_EQ(0, qinfo(e->fd, e->q).out_pending);
	EXPECT_EQ(0, get_recs(e->qfd, &r, 1, 0));
	sigaction(SIGUSR1, &old, NULL);
}

struct child_reader {
	struct env *e;
	int wfd;
};

static void *child_reader_fn(void *arg)
{
	struct child_reader *c = arg;
	struct ioasid_fault_record r;
	uint32_t g = 0;

	if (get_rec(c->e->qfd, &r) == 1 &&
	    r.type == IOASID_FAULT_RECORD_PAGE_REQUEST)
		g = r.group;
	if (write(c->wfd, &g, sizeof(g)) != sizeof(g))
		_exit(5);
	return NULL;
}

/*
 * A child blocked in DMA (its own context, a queue that never times out)
 * dies promptly of SIGKILL, and its request goes with its context.
 */
FQ_TEST(sigkill_of_a_child_blocked_in_dma)
{
	struct totals before = totals_now(), got;
	struct pollfd p;
	uint64_t t0, dt;
	int pfd[2], status = 0;
	uint32_t g = 0;
	unsigned int i;
	pid_t pid, w;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct env ce;
		struct child_reader c = { .e = &ce, .wfd = pfd[1] };
		pthread_t rt;
		uint8_t b[64];
		struct xfer x;

		close(pfd[0]);
		if (env_setup(&ce) || set_timeout(ce.fd, ce.q, 0))
			_exit(2);
		if (pthread_create(&rt, NULL, child_reader_fn, &c))
			_exit(3);
		x = xf(ce.dev, 0, 0, VA_PAGE(10), b, sizeof(b));
		do_xfer(ce.fd, &x);
		_exit(4);	/* the DMA returned: it must not */
	}
	close(pfd[1]);
	p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 4 * wait_ms()));
	EXPECT_EQ(sizeof(g), read(pfd[0], &g, sizeof(g)));
	EXPECT_NE(0, g);
	close(pfd[0]);
	/* The child's context is there while it waits. */
	got = totals_now();
	EXPECT_EQ(before.v[0] + 1, got.v[0]);
	sleep_ms(50);

	t0 = now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	for (i = 0;; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (w || now_ns() - t0 > wait_ms() * 1000000ULL)
			break;
		sleep_ms(5);
	}
	dt = now_ns() - t0;
	if (!w) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	EXPECT_EQ(pid, w) TH_LOG("the child took %llu ms to die",
				 (unsigned long long)dt / 1000000);
	EXPECT_TRUE(WIFSIGNALED(status));
	if (WIFSIGNALED(status)) {
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
	} else {
		TH_LOG("child exit status %d", WEXITSTATUS(status));
	}
	TH_LOG("the child died %llu ms after SIGKILL",
	       (unsigned long long)dt / 1000000);
	/* Its context, queue, pending request and pins are gone. */
	EXPECT_TRUE(totals_back(&before, &got, 2000));
	expect_totals(_metadata, &before, &got);
}

TEST_HARNESS_MAIN
