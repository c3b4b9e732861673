// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress: many threads (and processes) on one context, doing
 * every kind of ioctl at random on overlapping ranges of one small IOVA
 * window, while objects come and go under them.
 *
 * Every call must return 0 or an errno its documentation in
 * uapi/linux/ioasid.h allows for what the test passes; anything else is a
 * failure that names the call. Where it is cheap, the data is checked too:
 * everything reachable through the window is one of two buffers whose every
 * 64-bit word has a known shape, so a DMA read that returns anything else
 * read memory it must not reach, and a stable mapping that nobody may touch
 * must always read back exactly. Big buffers are dropped (MADV_DONTNEED)
 * after each unmap and only zeros are DMA-written to them, so reading
 * anything else there means a translation outlived its unpin.
 *
 * The parts, one test case each:
 *   ops_*             8 threads, every operation, for a bounded time; run in
 *                     both accounting modes (PROCESS: this process's VmLck)
 *   close_mid_ioctl   close() of the context fd while the threads are in
 *                     their ioctls: EBADF or completion, no hang, everything
 *                     freed once the last in-flight call returns
 *   sigkill           children running the stress (big MAPs, long DMA) are
 *                     SIGKILLed at random moments, some during a big MAP
 *   fork_*            parent and child share the context, then exit in
 *                     either order (one of them abruptly, mid-ioctl)
 * After each: FOLL_PIN pins (/proc/vmstat), the module's totals
 * (/sys/class/misc/ioasid/) and this process's VmLck are back where they
 * were before it.
 *
 * Every call, counted by result, is printed per part. Nothing waits
 * forever: a worker or child still in the kernel long after its time fails
 * the test, naming the call it is in.
 *
 * IOASID_STRESS_SEED=N repeats an op mix (the seed is printed; threads
 * still interleave as they will); IOASID_STRESS_SECONDS=N sets the length
 * of each ops_* run (default 10 s, 6 s on slow kernels). In the VM:
 *   tests/vm/run --test stress --append 'IOASID_STRESS_SECONDS=40'
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA

/*
 * The shared window: its IOVAs are the user addresses of the shared
 * buffer, so every address the test passes as a MAP source (a user address
 * for a root, a parent IOVA for a child) is valid whichever kind of node an
 * id names by now: ids are reused, and a thread may act on a stale one.
 */
#define WIN_PAGES	64
#define WIN_SIZE	(WIN_PAGES * PAGE)
#define STABLE_PAGES	16
#define STABLE_SIZE	(STABLE_PAGES * PAGE)
#define NR_ROOTS	3	/* node slots 0..2: roots */
#define NR_CHILDREN	3	/* node slots 3..5: children */
#define NR_NODES	(NR_ROOTS + NR_CHILDREN)
#define NR_DEVS		3
#define NR_PASIDS	3	/* PASIDs 1..3 are used, besides no PASID */
#define PASID_BITS	8
#define MAX_THREADS	8
#define DMA_MAX		(3 * PAGE)
#define BIG_DMA_MAX	(1024 * 1024)
#define MAGIC		0x10a51d00ULL

/*
 * Every word of both buffers, whoever wrote it last: MAGIC in the high half
 * and, in the low 12 bits, the offset of the word in its page. Mappings are
 * page-granular at every level, so that offset is the IOVA's too.
 */
static int word_ok(uint64_t w, uint64_t iova)
{
	return (w >> 32) == MAGIC && (w & 0xfff) == (iova & 0xfff);
}

static uint64_t make_word(uint64_t iova, uint64_t tag)
{
	return MAGIC << 32 | (tag & 0xfffff) << 12 | (iova & 0xfff);
}

/* The stable buffer's words are exactly this (never written after setup). */
static uint64_t stable_word(uint64_t addr)
{
	return MAGIC << 32 | (addr & 0xffffffffULL);
}

/* Ops and the errnos each may return ----------------------------------------- */

enum op {
	OP_MAP, OP_MAP_AUTO, OP_UNMAP, OP_UNMAP_ALL, OP_COPY,
	OP_BATCH_MAP, OP_BATCH_UNMAP, OP_ALLOC, OP_DESTROY_NODE,
	OP_DEV_CREATE, OP_DESTROY_DEV, OP_ATTACH, OP_REPLACE, OP_DETACH,
	OP_DMA_READ, OP_DMA_WRITE, OP_STABLE_READ, OP_STABLE_TRANSLATE,
	OP_TRANSLATE, OP_DIRTY_ON, OP_DIRTY_OFF, OP_DIRTY_BITMAP,
	OP_RESERVE, OP_UNRESERVE, OP_NODE_INFO, OP_DEV_INFO, OP_IOVA_RANGES,
	OP_BIG_MAP, OP_BIG_UNMAP, OP_BIG_DMA,
	OP_MAX
};

/*
 * The errnos documented for each call that can arise from valid arguments
 * racing with other threads. Errnos documented only for invalid input
 * (a misaligned value, an unknown flag) are left out on purpose: the test
 * never passes such input, so one of them is a bug too. EINTR is allowed
 * where documented ("a fatal signal arrived"): only a dying caller sees it.
 */
static const struct op_desc {
	const char *name;
	int errs[10];
} op_desc[OP_MAX] = {
	[OP_MAP] = { "map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR } },
	[OP_MAP_AUTO] = { "map_auto", { ENOSPC, ENOENT, ENOMEM, EINTR } },
	[OP_UNMAP] = { "unmap", { ENOENT } },
	[OP_UNMAP_ALL] = { "unmap_all", { ENOENT } },
	/* EINVAL: an id that was a root is a child by now. */
	[OP_COPY] = { "copy", { EINVAL, ENOENT, EPERM, EEXIST, EADDRINUSE,
				ENOSPC, ENOMEM } },
	[OP_BATCH_MAP] = { "batch_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM,
					  EINTR } },
	[OP_BATCH_UNMAP] = { "batch_unmap", { ENOENT } },
	[OP_ALLOC] = { "alloc", { ENOENT, EMLINK, ENOSPC, ENOMEM } },
	[OP_DESTROY_NODE] = { "destroy_node", { ENOENT, EBUSY } },
	[OP_DEV_CREATE] = { "device_create", { ENOSPC, ENOMEM } },
	[OP_DESTROY_DEV] = { "destroy_device", { ENOENT, EBUSY } },
	[OP_ATTACH] = { "attach", { ENOENT, EBUSY, ENOMEM } },
	[OP_REPLACE] = { "replace", { ENOENT, ENOMEM } },
	[OP_DETACH] = { "detach", { ENOENT } },
	[OP_DMA_READ] = { "dma_read", { ENOENT, EIO, ENOMEM, EINTR } },
	[OP_DMA_WRITE] = { "dma_write", { ENOENT, EIO, ENOMEM, EINTR } },
	/* The stable mapping through the stable device: nothing may fail. */
	[OP_STABLE_READ] = { "stable_dma_read", { EINTR } },
	[OP_STABLE_TRANSLATE] = { "stable_translate", { 0 } },
	[OP_TRANSLATE] = { "translate", { ENOENT, EIO, ENOMEM } },
	[OP_DIRTY_ON] = { "dirty_on", { ENOENT } },
	[OP_DIRTY_OFF] = { "dirty_off", { ENOENT } },
	/* EINVAL: tracking is off (another thread switched it). */
	[OP_DIRTY_BITMAP] = { "dirty_bitmap", { ENOENT, EINVAL } },
	[OP_RESERVE] = { "reserve_iova", { ENOENT, EADDRINUSE, ENOMEM } },
	[OP_UNRESERVE] = { "unreserve_iova", { ENOENT } },
	[OP_NODE_INFO] = { "node_info", { ENOENT } },
	[OP_DEV_INFO] = { "device_info", { ENOENT } },
	[OP_IOVA_RANGES] = { "iova_ranges", { ENOENT, ENOMEM, EMSGSIZE } },
	[OP_BIG_MAP] = { "big_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR } },
	[OP_BIG_UNMAP] = { "big_unmap", { ENOENT } },
	[OP_BIG_DMA] = { "big_dma", { ENOENT, EIO, ENOMEM, EINTR } },
};

/* What a worker picks at random; some do several calls. */
enum act {
	A_MAP, A_MAP_AUTO, A_UNMAP, A_UNMAP_ALL, A_COPY, A_BATCH, A_ATTACH,
	A_REPLACE, A_DETACH, A_DMA_READ, A_DMA_WRITE, A_STABLE, A_TRANSLATE,
	A_DIRTY, A_DIRTY_BITMAP, A_NODE_RECREATE, A_DEV_RECREATE, A_RESERVE,
	A_INFO, A_BIG_MAP, A_BIG_DMA,
	A_MAX
};

/* Weights per part. */
static const unsigned int mix_all[A_MAX] = {
	[A_MAP] = 14, [A_MAP_AUTO] = 2, [A_UNMAP] = 8, [A_UNMAP_ALL] = 1,
	[A_COPY] = 5, [A_BATCH] = 4, [A_ATTACH] = 6, [A_REPLACE] = 3,
	[A_DETACH] = 2, [A_DMA_READ] = 12, [A_DMA_WRITE] = 10, [A_STABLE] = 4,
	[A_TRANSLATE] = 6, [A_DIRTY] = 3, [A_DIRTY_BITMAP] = 3,
	[A_NODE_RECREATE] = 2, [A_DEV_RECREATE] = 1, [A_RESERVE] = 3,
	[A_INFO] = 3, [A_BIG_MAP] = 1, [A_BIG_DMA] = 1,
};

static const unsigned int mix_close[A_MAX] = {
	[A_MAP] = 10, [A_MAP_AUTO] = 2, [A_UNMAP] = 8, [A_UNMAP_ALL] = 2,
	[A_COPY] = 4, [A_BATCH] = 4, [A_ATTACH] = 3, [A_REPLACE] = 3,
	[A_DETACH] = 2, [A_DMA_READ] = 8, [A_DMA_WRITE] = 6, [A_STABLE] = 3,
	[A_TRANSLATE] = 4, [A_DIRTY] = 2, [A_DIRTY_BITMAP] = 2,
	[A_NODE_RECREATE] = 2, [A_DEV_RECREATE] = 2, [A_RESERVE] = 2,
	[A_INFO] = 2, [A_BIG_MAP] = 8, [A_BIG_DMA] = 6,
};

/* SIGKILLed children: mostly big MAPs and long DMA. */
static const unsigned int mix_kill[A_MAX] = {
	[A_MAP] = 6, [A_UNMAP] = 4, [A_UNMAP_ALL] = 2, [A_COPY] = 2,
	[A_BATCH] = 2, [A_ATTACH] = 2, [A_REPLACE] = 2, [A_DETACH] = 1,
	[A_DMA_READ] = 6, [A_DMA_WRITE] = 6, [A_STABLE] = 2,
	[A_TRANSLATE] = 2, [A_DIRTY] = 1, [A_NODE_RECREATE] = 1,
	[A_DEV_RECREATE] = 1, [A_BIG_MAP] = 5, [A_BIG_DMA] = 16,
};

/* ... and their other half: small calls, so kills land there too. */
static const unsigned int mix_kill_small[A_MAX] = {
	[A_MAP] = 8, [A_UNMAP] = 6, [A_UNMAP_ALL] = 1, [A_COPY] = 3,
	[A_BATCH] = 3, [A_ATTACH] = 4, [A_REPLACE] = 2, [A_DETACH] = 2,
	[A_DMA_READ] = 8, [A_DMA_WRITE] = 8, [A_STABLE] = 2,
	[A_TRANSLATE] = 3, [A_DIRTY] = 2, [A_DIRTY_BITMAP] = 2,
	[A_NODE_RECREATE] = 1, [A_DEV_RECREATE] = 1, [A_RESERVE] = 2,
	[A_INFO] = 2,
};

/* Shared state (MAP_SHARED, so children report too) ------------------------- */

#define ERR_SLOTS	136	/* [0] counts successes, [e] errno e */
#define MAX_FAILS	16
#define MAX_KIDS	4

struct report {
	_Atomic unsigned long long calls[OP_MAX][ERR_SLOTS];
	_Atomic unsigned int nfail;
	char fail[MAX_FAILS][256];
	_Atomic int in_big_map[MAX_KIDS];	/* workers inside a big MAP, per child */
	_Atomic unsigned long long verified;	/* bytes DMA read and checked */
	_Atomic int kid_op[MAX_KIDS][MAX_THREADS];	/* call in progress + 1 */
	unsigned long long killed_in[OP_MAX];	/* calls SIGKILL interrupted */
	unsigned long long killed_between;	/* workers not in a call then */
};

/*
 * One context under stress, in MAP_SHARED memory: processes that share the
 * fd share the slots too.
 */
struct stress {
	int fd;
	uint64_t win;		/* shared buffer == window IOVAs */
	uint64_t stable;	/* stable buffer == its IOVAs in sr */
	uint32_t sr, d0;	/* stable root and device: never touched */
	_Atomic uint32_t node[NR_NODES];
	_Atomic uint32_t dev[NR_DEVS];
	const unsigned int *mix;
	const unsigned int *mix2;	/* if set, the second half of the workers' */
	size_t big_len;
	uint64_t deadline;	/* CLOCK_MONOTONIC ns */
	_Atomic int stop;
	int closing;		/* EBADF allowed; a worker stops at it */
	int kid;		/* index into report->in_big_map, or -1 */
	unsigned long long seed;
	struct report *rep;
	_Atomic unsigned long long orphans;	/* nodes/devices lost in a race */
};

struct worker {
	struct stress *s;
	pthread_t th;
	int idx;
	uint64_t rng;
	volatile int op;	/* the call in progress, or -1 */
	volatile int in_ioctl;
	int saw_ebadf;
	uint64_t *dma;		/* DMA_MAX plus a guard word */
	uint8_t *big;		/* big_len, its own IOVAs */
	uint8_t *big_scratch;	/* BIG_DMA_MAX */
	uint32_t big_node;
	int big_mapped;
	struct { uint32_t node; uint64_t iova, len; int have; } res;
	pthread_barrier_t *barrier;
	const unsigned int *mix;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rnd(struct worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t rndn(struct worker *w, uint64_t n)
{
	return n ? rnd(w) % n : 0;
}

static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void report_fail(struct report *rep, const char *fmt, ...)
{
	unsigned int n = atomic_fetch_add(&rep->nfail, 1);
	va_list ap;

	if (n >= MAX_FAILS)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->fail[n], sizeof(rep->fail[n]), fmt, ap);
	va_end(ap);
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

static int errno_allowed(const struct stress *s, int op, int e)
{
	unsigned int i;

	if (s->closing && e == EBADF)
		return 1;
	for (i = 0; i < ARRAY_SIZE(op_desc[op].errs) && op_desc[op].errs[i]; i++)
		if (op_desc[op].errs[i] == e)
			return 1;
	return 0;
}

/*
 * Every ioctl of the stress goes through here: counted by result, and a
 * result outside the op's documented set is a failure naming the call and
 * showing its struct.
 */
static int call(struct worker *w, int op, unsigned long req, void *arg)
{
	struct stress *s = w->s;
	uint64_t a[6] = {};
	int rc;

	w->op = op;
	w->in_ioctl = 1;
	if (s->kid >= 0)
		atomic_store_explicit(&s->rep->kid_op[s->kid][w->idx], op + 1,
				      memory_order_relaxed);
	rc = ioctl(s->fd, req, arg) ? errno : 0;
	if (s->kid >= 0)
		atomic_store_explicit(&s->rep->kid_op[s->kid][w->idx], 0,
				      memory_order_relaxed);
	w->in_ioctl = 0;
	w->op = -1;
	atomic_fetch_add_explicit(&s->rep->calls[op][rc < ERR_SLOTS ? rc : 0], 1,
				  memory_order_relaxed);
	if (rc == EBADF && s->closing)
		w->saw_ebadf = 1;
	if (rc && !errno_allowed(s, op, rc)) {
		memcpy(a, arg, *(uint32_t *)arg < sizeof(a) ? *(uint32_t *)arg : sizeof(a));
		report_fail(s->rep, "pid %d thread %d: %s -> %s (%d); struct %016llx %016llx %016llx %016llx %016llx %016llx",
			    getpid(), w->idx, op_desc[op].name, errname(rc), rc,
			    (unsigned long long)a[0], (unsigned long long)a[1],
			    (unsigned long long)a[2], (unsigned long long)a[3],
			    (unsigned long long)a[4], (unsigned long long)a[5]);
	}
	return rc;
}

/* Picking targets --------------------------------------------------------- */

/* A node for window work: the stable root or any slot; *child says its slot kind. */
static uint32_t pick_node(struct worker *w, int *child)
{
	unsigned int i = rndn(w, NR_NODES + 1);

	*child = 0;
	if (i == NR_NODES)
		return w->s->sr;
	*child = i >= NR_ROOTS;
	return atomic_load(&w->s->node[i]);
}

/* A slot node only (UNMAP_ALL, DESTROY never reach the stable root). */
static uint32_t pick_slot_node(struct worker *w, int roots_only)
{
	return atomic_load(&w->s->node[rndn(w, roots_only ? NR_ROOTS : NR_NODES)]);
}

static uint32_t pick_root(struct worker *w)
{
	unsigned int i = rndn(w, NR_ROOTS + 1);

	return i == NR_ROOTS ? w->s->sr : atomic_load(&w->s->node[i]);
}

static uint32_t pick_dev(struct worker *w, int with_d0)
{
	unsigned int i = rndn(w, NR_DEVS + !!with_d0);

	return i == NR_DEVS ? w->s->d0 : atomic_load(&w->s->dev[i]);
}

/* No PASID, or one of 1..NR_PASIDS: (*flags, *pasid) for attach and DMA. */
static void pick_pasid(struct worker *w, uint32_t flag, uint32_t *flags,
		       uint32_t *pasid)
{
	/* Half without PASID, so that DMA meets attachments often enough. */
	*pasid = rndn(w, 2) ? 0 : 1 + rndn(w, NR_PASIDS);
	if (*pasid)
		*flags |= flag;
}

/* @npages pages somewhere in the window. */
static uint64_t win_range(struct worker *w, unsigned int npages)
{
	return w->s->win + rndn(w, WIN_PAGES - npages + 1) * PAGE;
}

static uint32_t pick_prot(struct worker *w)
{
	static const uint32_t prots[4] = { RW, RW, IOASID_MAP_READ, IOASID_MAP_WRITE };

	return prots[rndn(w, 4)];
}

/* A MAP source for @npages: a user address for a root, a parent IOVA for a child. */
static uint64_t map_source(struct worker *w, unsigned int npages, uint32_t *prot)
{
	/* Now and then the stable buffer, read-only: its words qualify too. */
	if (npages <= STABLE_PAGES && !rndn(w, 8)) {
		*prot = IOASID_MAP_READ;
		return w->s->stable + rndn(w, STABLE_PAGES - npages + 1) * PAGE;
	}
	return win_range(w, npages);
}

/* Actions ------------------------------------------------------------------ */

static void fill_map(struct worker *w, struct ioasid_map *m, uint32_t node,
		     unsigned int npages, int fixed)
{
	uint32_t prot = pick_prot(w);

	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->id = node;
	m->addr = map_source(w, npages, &prot);
	m->flags = prot | (fixed ? FIXED : 0);
	m->length = npages * PAGE;
	m->iova = fixed ? win_range(w, npages) : 0;
}

static void act_map(struct worker *w, int fixed)
{
	struct ioasid_map m;
	int child;

	fill_map(w, &m, pick_node(w, &child), 1 + rndn(w, 8), fixed);
	if (call(w, fixed ? OP_MAP : OP_MAP_AUTO, IOASID_MAP, &m))
		return;
	if (m.iova & (PAGE - 1) || (fixed && m.iova < w->s->win) || !m.iova)
		report_fail(w->s->rep, "map: answered IOVA %#llx", (unsigned long long)m.iova);
}

static void act_unmap(struct worker *w)
{
	unsigned int npages = 1 + rndn(w, 16);
	struct ioasid_unmap u = { .size = sizeof(u), .length = npages * PAGE };
	int child;

	u.id = pick_node(w, &child);
	u.iova = win_range(w, npages);
	if (!call(w, OP_UNMAP, IOASID_UNMAP, &u) &&
	    (!u.out_unmapped || u.out_unmapped > u.length || u.out_unmapped % PAGE))
		report_fail(w->s->rep, "unmap of %#llx bytes answered %#llx",
			    (unsigned long long)u.length,
			    (unsigned long long)u.out_unmapped);
}

static void act_unmap_all(struct worker *w)
{
	struct ioasid_unmap u = { .size = sizeof(u), .flags = IOASID_UNMAP_ALL };

	u.id = pick_slot_node(w, 0);
	if (!call(w, OP_UNMAP_ALL, IOASID_UNMAP, &u) && u.out_unmapped % PAGE)
		report_fail(w->s->rep, "unmap_all answered %#llx",
			    (unsigned long long)u.out_unmapped);
}

static void act_copy(struct worker *w)
{
	unsigned int npages = 1 + rndn(w, 4);
	struct ioasid_copy c = { .size = sizeof(c), .length = npages * PAGE };

	c.dst_id = pick_root(w);
	c.src_id = pick_root(w);
	c.src_iova = win_range(w, npages);
	c.flags = pick_prot(w);
	if (rndn(w, 8)) {
		c.flags |= FIXED;
		c.dst_iova = win_range(w, npages);
	}
	call(w, OP_COPY, IOASID_COPY, &c);
}

/* A batch of MAPs into one node, then a batch UNMAP of the same ranges. */
static void act_batch(struct worker *w)
{
	struct ioasid_map maps[6];
	struct ioasid_unmap unmaps[6];
	struct ioasid_batch b = { .size = sizeof(b) };
	unsigned int i, n = 2 + rndn(w, 5);
	int child, rc;
	uint32_t node = pick_node(w, &child);

	for (i = 0; i < n; i++) {
		fill_map(w, &maps[i], node, 1 + rndn(w, 4), 1);
		unmaps[i] = (struct ioasid_unmap){ .size = sizeof(unmaps[i]),
			.id = node, .iova = maps[i].iova, .length = maps[i].length };
	}
	b.op = IOASID_CMD_MAP;
	b.count = n;
	b.entry_size = sizeof(maps[0]);
	b.entries = (uintptr_t)maps;
	b.out_done = ~0u;
	rc = call(w, OP_BATCH_MAP, IOASID_BATCH, &b);
	if (rc != EBADF && (rc ? b.out_done >= n : b.out_done != n))
		report_fail(w->s->rep, "batch map of %u -> %s, out_done %u", n,
			    errname(rc), b.out_done);

	b = (struct ioasid_batch){ .size = sizeof(b), .op = IOASID_CMD_UNMAP,
		.count = n, .entry_size = sizeof(unmaps[0]),
		.entries = (uintptr_t)unmaps, .out_done = ~0u };
	rc = call(w, OP_BATCH_UNMAP, IOASID_BATCH, &b);
	if (rc != EBADF && (rc ? b.out_done >= n : b.out_done != n))
		report_fail(w->s->rep, "batch unmap of %u -> %s, out_done %u", n,
			    errname(rc), b.out_done);
}

static void act_attach(struct worker *w, int op)
{
	struct ioasid_attach a = { .size = sizeof(a) };
	int child;

	a.dev_id = pick_dev(w, 0);
	a.node_id = pick_node(w, &child);
	pick_pasid(w, IOASID_ATTACH_PASID, &a.flags, &a.pasid);
	if (op == OP_REPLACE)
		a.flags |= IOASID_ATTACH_REPLACE;
	call(w, op, IOASID_ATTACH, &a);
}

static void act_detach(struct worker *w)
{
	struct ioasid_attach a = { .size = sizeof(a) };

	a.dev_id = pick_dev(w, 0);
	pick_pasid(w, IOASID_ATTACH_PASID, &a.flags, &a.pasid);
	call(w, OP_DETACH, IOASID_DETACH, &a);
}

#define POISON	0x5a5a5a5a5a5a5a5aULL

/*
 * DMA through the window. A read must bring only words of the right shape
 * (anything else came from memory no mapping reaches), and write nothing
 * into the buffer past out_done; a write sends words of that shape.
 */
static void act_dma(struct worker *w, int write)
{
	struct ioasid_dma d = { .size = sizeof(d) };
	uint64_t words = 1 + rndn(w, (rndn(w, 2) ? PAGE : DMA_MAX) / 8), i;
	int rc;

	d.length = words * 8;
	d.iova = w->s->win + rndn(w, (WIN_SIZE - d.length) / 8 + 1) * 8;
	d.dev_id = pick_dev(w, 1);
	d.buffer = (uintptr_t)w->dma;
	pick_pasid(w, IOASID_DMA_PASID, &d.flags, &d.pasid);
	if (write) {
		uint64_t tag = rnd(w);

		d.flags |= IOASID_DMA_WRITE;
		for (i = 0; i < words; i++)
			w->dma[i] = make_word(d.iova + i * 8, tag);
	} else {
		for (i = 0; i <= words; i++)
			w->dma[i] = POISON;
	}
	d.out_done = ~0ULL;
	rc = call(w, write ? OP_DMA_WRITE : OP_DMA_READ, IOASID_DMA, &d);
	if (rc == EBADF)
		return;
	if (rc ? d.out_done >= d.length : d.out_done != d.length) {
		report_fail(w->s->rep, "dma %s of %#llx at %#llx -> %s, out_done %#llx",
			    write ? "write" : "read", (unsigned long long)d.length,
			    (unsigned long long)d.iova, errname(rc),
			    (unsigned long long)d.out_done);
		return;
	}
	if (write)
		return;
	atomic_fetch_add_explicit(&w->s->rep->verified, d.out_done, memory_order_relaxed);
	for (i = 0; i < d.out_done / 8; i++) {
		if (!word_ok(w->dma[i], d.iova + i * 8)) {
			report_fail(w->s->rep, "dma read at %#llx (dev %u pasid %u): word %llu is %#llx",
				    (unsigned long long)d.iova, d.dev_id, d.pasid,
				    (unsigned long long)i, (unsigned long long)w->dma[i]);
			return;
		}
	}
	/* Whole words only were asked for, and nothing past out_done is written. */
	for (i = (d.out_done + 7) / 8; i <= words; i++) {
		if (w->dma[i] != POISON) {
			report_fail(w->s->rep, "dma read of %#llx stopped at %#llx but wrote word %llu",
				    (unsigned long long)d.length,
				    (unsigned long long)d.out_done, (unsigned long long)i);
			return;
		}
	}
}

/* The stable mapping reads back exactly, and translates exactly. */
static void act_stable(struct worker *w)
{
	struct ioasid_dma d = { .size = sizeof(d), .dev_id = w->s->d0 };
	struct ioasid_translate t = { .size = sizeof(t), .dev_id = w->s->d0 };
	uint64_t words = 1 + rndn(w, DMA_MAX / 8), i;

	if (words > STABLE_SIZE / 8)
		words = STABLE_SIZE / 8;
	d.length = words * 8;
	d.iova = w->s->stable + rndn(w, (STABLE_SIZE - d.length) / 8 + 1) * 8;
	d.buffer = (uintptr_t)w->dma;
	if (!call(w, OP_STABLE_READ, IOASID_DMA, &d)) {
		atomic_fetch_add_explicit(&w->s->rep->verified, d.length, memory_order_relaxed);
		for (i = 0; i < words; i++) {
			if (w->dma[i] != stable_word(d.iova + i * 8)) {
				report_fail(w->s->rep, "stable read at %#llx: word %llu is %#llx",
					    (unsigned long long)d.iova,
					    (unsigned long long)i,
					    (unsigned long long)w->dma[i]);
				break;
			}
		}
	}
	t.iova = d.iova;
	if (!call(w, OP_STABLE_TRANSLATE, IOASID_TRANSLATE, &t) &&
	    (t.out_uaddr != t.iova ||
	     t.out_prot != (IOASID_ACCESS_READ | IOASID_ACCESS_EXEC) ||
	     t.out_uaddr + t.out_length > w->s->stable + STABLE_SIZE || !t.out_length))
		report_fail(w->s->rep, "stable translate of %#llx: uaddr %#llx length %#llx prot %u",
			    (unsigned long long)t.iova, (unsigned long long)t.out_uaddr,
			    (unsigned long long)t.out_length, t.out_prot);
}

/* Whatever the window translates to lies in one of the two buffers. */
static void act_translate(struct worker *w)
{
	struct ioasid_translate t = { .size = sizeof(t) };
	uint64_t lo, hi;

	t.dev_id = pick_dev(w, 1);
	t.iova = w->s->win + rndn(w, WIN_SIZE / 8) * 8;
	pick_pasid(w, IOASID_DMA_PASID, &t.flags, &t.pasid);
	if (rndn(w, 2))
		t.flags |= IOASID_DMA_WRITE;
	if (call(w, OP_TRANSLATE, IOASID_TRANSLATE, &t))
		return;
	if (t.out_uaddr >= w->s->stable && t.out_uaddr < w->s->stable + STABLE_SIZE) {
		lo = w->s->stable;
		hi = lo + STABLE_SIZE;
	} else {
		lo = w->s->win;
		hi = lo + WIN_SIZE;
	}
	if (t.out_uaddr < lo || t.out_uaddr + t.out_length > hi || !t.out_length ||
	    (t.out_uaddr & 0xfff) != (t.iova & 0xfff) || !t.out_prot ||
	    t.out_prot & ~(RW | IOASID_ACCESS_EXEC) || (t.flags & IOASID_DMA_WRITE && !(t.out_prot & IOASID_MAP_WRITE)))
		report_fail(w->s->rep, "translate of %#llx: uaddr %#llx length %#llx prot %u",
			    (unsigned long long)t.iova, (unsigned long long)t.out_uaddr,
			    (unsigned long long)t.out_length, t.out_prot);
}

static void act_dirty(struct worker *w)
{
	struct ioasid_dirty_tracking d = { .size = sizeof(d) };
	int child, on = rndn(w, 2);

	d.id = pick_node(w, &child);
	d.flags = on ? IOASID_DIRTY_ENABLE : 0;
	call(w, on ? OP_DIRTY_ON : OP_DIRTY_OFF, IOASID_DIRTY_TRACKING, &d);
}

static void act_dirty_bitmap(struct worker *w)
{
	uint64_t bitmap[WIN_PAGES / 64 + 2], nbits, i;
	struct ioasid_dirty_bitmap b = { .size = sizeof(b) };
	unsigned int shift = rndn(w, 4), blocks = WIN_PAGES >> shift;
	unsigned int nwords;
	int child;

	b.id = pick_node(w, &child);
	b.page_size = PAGE << shift;
	/* The window is aligned to its size: any block size up to it fits. */
	nbits = 1 + rndn(w, blocks);
	b.length = nbits * b.page_size;
	b.iova = w->s->win + rndn(w, blocks - nbits + 1) * b.page_size;
	b.data = (uintptr_t)bitmap;
	if (rndn(w, 2))
		b.flags = IOASID_DIRTY_NO_CLEAR;
	for (i = 0; i < ARRAY_SIZE(bitmap); i++)
		bitmap[i] = POISON;
	if (call(w, OP_DIRTY_BITMAP, IOASID_DIRTY_BITMAP, &b))
		return;
	nwords = (nbits + 63) / 64;
	if ((nbits % 64 && bitmap[nwords - 1] >> (nbits % 64)) ||
	    bitmap[nwords] != POISON)
		report_fail(w->s->rep, "dirty bitmap of %llu bits: word %#llx, next %#llx",
			    (unsigned long long)nbits,
			    (unsigned long long)bitmap[nwords - 1],
			    (unsigned long long)bitmap[nwords]);
}

static int destroy(struct worker *w, int op, uint32_t id)
{
	struct ioasid_destroy d = { .size = sizeof(d), .id = id };

	return call(w, op, IOASID_DESTROY, &d);
}

/*
 * Destroy a slot's node and put a new one in its place. Two threads may
 * race for a slot: the compare-and-swap decides, and the loser's new node
 * goes again (or stays as an orphan, freed at close, if a stale id of
 * someone else got hold of it meanwhile).
 */
static void act_node_recreate(struct worker *w)
{
	unsigned int slot = rndn(w, NR_NODES);
	uint32_t old = atomic_load(&w->s->node[slot]), parent = 0;
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED };

	/*
	 * DESTROY takes any id: a stale device id may have destroyed this
	 * slot's node already (ENOENT). Then the slot is refilled too.
	 */
	if (old && destroy(w, OP_DESTROY_NODE, old) == EBUSY)
		return;
	if (slot >= NR_ROOTS) {
		/* Under a root slot, the stable root, or another child (depth 3). */
		unsigned int p = rndn(w, NR_NODES + 1);

		parent = p == NR_NODES ? w->s->sr : atomic_load(&w->s->node[p]);
		if (p == slot || !parent)
			parent = w->s->sr;
	}
	a.parent_id = parent;
	if (call(w, OP_ALLOC, IOASID_ALLOC, &a)) {
		/* The slot stays empty (0) until a recreate fills it. */
		atomic_compare_exchange_strong(&w->s->node[slot], &old, 0);
		return;
	}
	if (!atomic_compare_exchange_strong(&w->s->node[slot], &old, a.out_id) &&
	    destroy(w, OP_DESTROY_NODE, a.out_id))
		atomic_fetch_add(&w->s->orphans, 1);
}

static void act_dev_recreate(struct worker *w)
{
	unsigned int slot = rndn(w, NR_DEVS), p;
	uint32_t old = atomic_load(&w->s->dev[slot]);
	struct ioasid_device_create c = { .size = sizeof(c),
		.flags = IOASID_DEVICE_PASID, .pasid_bits = PASID_BITS };
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = old };

	if (old) {
		for (p = 0; p <= NR_PASIDS; p++) {
			a.flags = p ? IOASID_ATTACH_PASID : 0;
			a.pasid = p;
			call(w, OP_DETACH, IOASID_DETACH, &a);
		}
		if (destroy(w, OP_DESTROY_DEV, old) == EBUSY)
			return;
	}
	if (call(w, OP_DEV_CREATE, IOASID_DEVICE_CREATE, &c)) {
		atomic_compare_exchange_strong(&w->s->dev[slot], &old, 0);
		return;
	}
	if (!atomic_compare_exchange_strong(&w->s->dev[slot], &old, c.out_id) &&
	    destroy(w, OP_DESTROY_DEV, c.out_id))
		atomic_fetch_add(&w->s->orphans, 1);
}

/* One reservation per worker at a time: made, then dropped by its next turn. */
static void act_reserve(struct worker *w)
{
	struct ioasid_reserve_iova r = { .size = sizeof(r) };
	int child;

	if (w->res.have) {
		r.flags = IOASID_RESERVE_REMOVE;
		r.id = w->res.node;
		r.iova = w->res.iova;
		r.length = w->res.len;
		w->res.have = 0;
		call(w, OP_UNRESERVE, IOASID_RESERVE_IOVA, &r);
		return;
	}
	r.id = pick_node(w, &child);
	r.length = (1 + rndn(w, 4)) * PAGE;
	r.iova = win_range(w, r.length / PAGE);
	if (!call(w, OP_RESERVE, IOASID_RESERVE_IOVA, &r)) {
		w->res.have = 1;
		w->res.node = r.id;
		w->res.iova = r.iova;
		w->res.len = r.length;
	}
}

static void act_info(struct worker *w)
{
	struct ioasid_node_info n = { .size = sizeof(n) };
	struct ioasid_device_info d = { .size = sizeof(d) };
	struct ioasid_iova_range ranges[4];
	struct ioasid_iova_ranges r = { .size = sizeof(r), .num_ranges = 4,
					.ranges = (uintptr_t)ranges };
	unsigned int i;
	int child;

	n.id = pick_node(w, &child);
	if (!call(w, OP_NODE_INFO, IOASID_NODE_INFO, &n) &&
	    (n.out_mapped_bytes % PAGE || !n.out_depth ||
	     n.out_pinned_bytes != (n.out_depth == 1 ? n.out_mapped_bytes : 0)))
		report_fail(w->s->rep, "node_info %u: depth %u mapped %#llx pinned %#llx",
			    n.id, n.out_depth, (unsigned long long)n.out_mapped_bytes,
			    (unsigned long long)n.out_pinned_bytes);

	d.dev_id = pick_dev(w, 1);
	if (!call(w, OP_DEV_INFO, IOASID_DEVICE_INFO, &d) &&
	    (d.out_flags != IOASID_DEVICE_PASID || d.out_pasid_bits != PASID_BITS ||
	     d.out_num_attachments > NR_PASIDS + 1))
		report_fail(w->s->rep, "device_info %u: flags %#x bits %u attachments %u",
			    d.dev_id, d.out_flags, d.out_pasid_bits, d.out_num_attachments);

	r.id = pick_node(w, &child);
	if (call(w, OP_IOVA_RANGES, IOASID_IOVA_RANGES, &r))
		return;
	for (i = 0; i < r.num_ranges; i++) {
		if (ranges[i].last < ranges[i].start ||
		    (i && ranges[i].start <= ranges[i - 1].last + 1)) {
			report_fail(w->s->rep, "iova_ranges %u: range %u [%#llx, %#llx] after %#llx",
				    r.id, i, (unsigned long long)ranges[i].start,
				    (unsigned long long)ranges[i].last,
				    i ? (unsigned long long)ranges[i - 1].last : 0ULL);
			return;
		}
	}
}

/*
 * A big MAP of the worker's own buffer at its own IOVAs (outside the
 * window), pinning many pages that are not resident yet: each round drops
 * them first, so the pin faults every page in.
 */
static void act_big_map(struct worker *w)
{
	struct report *rep = w->s->rep;
	struct ioasid_map m = { .size = sizeof(m), .flags = RW | FIXED };
	struct ioasid_unmap u = { .size = sizeof(u) };

	if (w->big_mapped) {
		u.id = w->big_node;
		u.iova = (uintptr_t)w->big;
		u.length = w->s->big_len;
		call(w, OP_BIG_UNMAP, IOASID_UNMAP, &u);
		w->big_mapped = 0;
	}
	madvise(w->big, w->s->big_len, MADV_DONTNEED);
	/* Half of them where the stable device reaches: big DMA then works. */
	m.id = rndn(w, 2) ? w->s->sr : pick_root(w);
	m.addr = m.iova = (uintptr_t)w->big;
	m.length = w->s->big_len;
	if (w->s->kid >= 0)
		atomic_fetch_add(&rep->in_big_map[w->s->kid], 1);
	if (!call(w, OP_BIG_MAP, IOASID_MAP, &m)) {
		w->big_mapped = 1;
		w->big_node = m.id;
	}
	if (w->s->kid >= 0)
		atomic_fetch_sub(&rep->in_big_map[w->s->kid], 1);
}

/* Never written: what big DMA writes send. */
static uint8_t *g_zero;

/*
 * A long DMA through the worker's big mapping, wherever it went. Writes
 * send only zeros, and the big buffers start as zeros after each
 * MADV_DONTNEED, so a read may only bring zeros, or words of the shape
 * (a window-buffer mapping the kernel placed there itself). Anything else
 * came from a page that is no longer the process's: one unpinned and
 * reused while a translation still led to it.
 */
static void act_big_dma(struct worker *w)
{
	struct ioasid_dma d = { .size = sizeof(d) };
	const uint64_t *words = (const uint64_t *)w->big_scratch;
	uint64_t i;
	int rc;

	if (!w->big_mapped)
		return act_big_map(w);
	if (w->big_node == w->s->sr && rndn(w, 2)) {
		d.dev_id = w->s->d0;
	} else {
		d.dev_id = pick_dev(w, 1);
		pick_pasid(w, IOASID_DMA_PASID, &d.flags, &d.pasid);
	}
	if (rndn(w, 2))
		d.flags |= IOASID_DMA_WRITE;
	d.length = PAGE * (1 + rndn(w, BIG_DMA_MAX / PAGE));
	if (d.length > w->s->big_len)
		d.length = w->s->big_len;
	d.iova = (uintptr_t)w->big + rndn(w, (w->s->big_len - d.length) / PAGE + 1) * PAGE;
	d.buffer = (uintptr_t)(d.flags & IOASID_DMA_WRITE ? g_zero : w->big_scratch);
	d.out_done = ~0ULL;
	rc = call(w, OP_BIG_DMA, IOASID_DMA, &d);
	if (rc == EBADF)
		return;
	if (rc ? d.out_done >= d.length : d.out_done != d.length) {
		report_fail(w->s->rep, "big dma of %#llx -> %s: out_done %#llx",
			    (unsigned long long)d.length, errname(rc),
			    (unsigned long long)d.out_done);
		return;
	}
	if (d.flags & IOASID_DMA_WRITE)
		return;
	atomic_fetch_add_explicit(&w->s->rep->verified, d.out_done, memory_order_relaxed);
	for (i = 0; i < d.out_done / 8; i++) {
		if (words[i] && !word_ok(words[i], d.iova + i * 8)) {
			report_fail(w->s->rep, "big dma read at %#llx (dev %u pasid %u): word %llu is %#llx",
				    (unsigned long long)d.iova, d.dev_id, d.pasid,
				    (unsigned long long)i, (unsigned long long)words[i]);
			return;
		}
	}
}

static void run_action(struct worker *w, int act)
{
	switch (act) {
	case A_MAP: return act_map(w, 1);
	case A_MAP_AUTO: return act_map(w, 0);
	case A_UNMAP: return act_unmap(w);
	case A_UNMAP_ALL: return act_unmap_all(w);
	case A_COPY: return act_copy(w);
	case A_BATCH: return act_batch(w);
	case A_ATTACH: return act_attach(w, OP_ATTACH);
	case A_REPLACE: return act_attach(w, OP_REPLACE);
	case A_DETACH: return act_detach(w);
	case A_DMA_READ: return act_dma(w, 0);
	case A_DMA_WRITE: return act_dma(w, 1);
	case A_STABLE: return act_stable(w);
	case A_TRANSLATE: return act_translate(w);
	case A_DIRTY: return act_dirty(w);
	case A_DIRTY_BITMAP: return act_dirty_bitmap(w);
	case A_NODE_RECREATE: return act_node_recreate(w);
	case A_DEV_RECREATE: return act_dev_recreate(w);
	case A_RESERVE: return act_reserve(w);
	case A_INFO: return act_info(w);
	case A_BIG_MAP: return act_big_map(w);
	case A_BIG_DMA: return act_big_dma(w);
	}
}

static int pick_action(struct worker *w)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < A_MAX; i++)
		total += w->mix[i];
	r = rndn(w, total);
	for (i = 0; i < A_MAX; i++) {
		if (r < w->mix[i])
			return i;
		r -= w->mix[i];
	}
	return A_MAP;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;

	pthread_barrier_wait(w->barrier);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed) &&
	       !w->saw_ebadf && now_ns() < s->deadline)
		run_action(w, pick_action(w));
	return NULL;
}

/* Setting up and running -------------------------------------------------- */

/* The two buffers every window mapping is made of; the same for every part. */
static uint64_t *g_win, *g_stable;

static int buffers_init(void)
{
	uint64_t i;

	if (!g_win) {
		g_win = ioasid_map_aligned(WIN_SIZE, WIN_SIZE);
		g_stable = ioasid_map_aligned(STABLE_SIZE, PAGE);
		g_zero = mmap(NULL, BIG_DMA_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!g_win || !g_stable || g_zero == MAP_FAILED)
			return -ENOMEM;
		for (i = 0; i < STABLE_SIZE / 8; i++)
			g_stable[i] = stable_word((uintptr_t)&g_stable[i]);
		if (mprotect(g_stable, STABLE_SIZE, PROT_READ))
			return -errno;
	}
	for (i = 0; i < WIN_SIZE / 8; i++)
		g_win[i] = make_word((uintptr_t)&g_win[i], i);
	return 0;
}

/* First bad word of either buffer, or -1. */
static long long buffers_check(void)
{
	uint64_t i;

	for (i = 0; i < WIN_SIZE / 8; i++)
		if (!word_ok(g_win[i], (uintptr_t)&g_win[i]))
			return i;
	for (i = 0; i < STABLE_SIZE / 8; i++)
		if (g_stable[i] != stable_word((uintptr_t)&g_stable[i]))
			return WIN_SIZE / 8 + i;
	return -1;
}

static int raw(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int set_account_mode(int fd, uint64_t mode)
{
	struct ioasid_option o = { .size = sizeof(o), .option_id = IOASID_OPTION_ACCOUNT_MODE,
				   .op = IOASID_OPTION_OP_SET, .val64 = mode };

	return raw(fd, IOASID_OPTION, &o);
}

/*
 * Fill the context behind @s->fd: the stable root with the stable buffer
 * mapped read-only at its own addresses, the stable device attached to it
 * (neither is ever touched by a worker, so DMA through them must always
 * work), and the slots.
 */
static int ctx_populate(struct stress *s)
{
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED };
	struct ioasid_device_create c = { .size = sizeof(c),
		.flags = IOASID_DEVICE_PASID, .pasid_bits = PASID_BITS };
	struct ioasid_map m = { .size = sizeof(m), .flags = IOASID_MAP_READ | FIXED };
	struct ioasid_attach at = { .size = sizeof(at) };
	unsigned int i;
	int rc;

	s->win = (uintptr_t)g_win;
	s->stable = (uintptr_t)g_stable;
	rc = raw(s->fd, IOASID_ALLOC, &a);
	if (rc)
		return rc;
	s->sr = a.out_id;
	m.id = s->sr;
	m.addr = m.iova = s->stable;
	m.length = STABLE_SIZE;
	rc = raw(s->fd, IOASID_MAP, &m);
	if (rc)
		return rc;
	rc = raw(s->fd, IOASID_DEVICE_CREATE, &c);
	if (rc)
		return rc;
	s->d0 = c.out_id;
	at.dev_id = s->d0;
	at.node_id = s->sr;
	rc = raw(s->fd, IOASID_ATTACH, &at);
	if (rc)
		return rc;
	for (i = 0; i < NR_NODES; i++) {
		a.parent_id = i < NR_ROOTS ? 0 : atomic_load(&s->node[i - NR_ROOTS]);
		rc = raw(s->fd, IOASID_ALLOC, &a);
		if (rc)
			return rc;
		atomic_store(&s->node[i], a.out_id);
	}
	for (i = 0; i < NR_DEVS; i++) {
		rc = raw(s->fd, IOASID_DEVICE_CREATE, &c);
		if (rc)
			return rc;
		atomic_store(&s->dev[i], c.out_id);
	}
	return 0;
}

static unsigned long long g_seed;

static void seed_init(void)
{
	const char *e = getenv("IOASID_STRESS_SEED");

	if (g_seed)
		return;
	g_seed = e ? strtoull(e, NULL, 0) : (now_ns() ^ (uint64_t)getpid() << 32);
	if (!g_seed)
		g_seed = 1;
	ksft_print_msg("stress seed %llu (IOASID_STRESS_SEED=%llu repeats the op mix)\n",
		       g_seed, g_seed);
}

static struct stress *stress_new(struct report *rep, const unsigned int *mix,
				 unsigned long long seed)
{
	struct stress *s = shared_alloc(sizeof(*s));

	if (!s)
		return NULL;
	s->fd = -1;
	s->rep = rep;
	s->mix = mix;
	s->kid = -1;
	s->seed = seed;
	s->big_len = (16ULL << 20) / ioasid_test_scale();
	return s;
}

/*
 * Buffers first, then the threads, which wait at a barrier: the last ones
 * are not created while the first already keep the CPUs busy in the kernel.
 */
static int workers_start(struct stress *s, struct worker *ws, unsigned int n,
			 uint64_t duration_ns)
{
	static pthread_barrier_t barrier;
	unsigned int i;

	atomic_store(&s->stop, 0);
	s->deadline = UINT64_MAX;
	if (pthread_barrier_init(&barrier, NULL, n + 1))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct worker *w = &ws[i];

		memset(w, 0, sizeof(*w));
		w->s = s;
		w->idx = i;
		w->op = -1;
		w->rng = (s->seed + 1) * 0x9E3779B97F4A7C15ULL ^ (i + 1) * 0xBF58476D1CE4E5B9ULL ^
			 (uint64_t)getpid() << 40;
		if (!w->rng)
			w->rng = 1;
		w->dma = malloc(DMA_MAX + 8);
		w->big = ioasid_map_aligned(s->big_len, PAGE);
		w->big_scratch = ioasid_map_aligned(BIG_DMA_MAX, PAGE);
		if (!w->dma || !w->big || !w->big_scratch)
			return -ENOMEM;
		w->barrier = &barrier;
		w->mix = s->mix2 && i >= n / 2 ? s->mix2 : s->mix;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]))
			return -EAGAIN;
	s->deadline = now_ns() + duration_ns;
	pthread_barrier_wait(&barrier);
	return 0;
}

static void workers_free(struct stress *s, struct worker *ws, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free(ws[i].dma);
		if (ws[i].big)
			munmap(ws[i].big, s->big_len);
		if (ws[i].big_scratch)
			munmap(ws[i].big_scratch, BIG_DMA_MAX);
	}
}

/*
 * Join every worker by @limit (CLOCK_MONOTONIC ns). One that is still in
 * the kernel then is reported with the call it is in, and the whole test
 * fails right away: it cannot be made to finish.
 */
static int workers_join(struct worker *ws, unsigned int n, uint64_t limit)
{
	struct timespec ts;
	unsigned int i, stuck = 0;

	uint64_t now = now_ns();

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (limit > now ? limit - now : 0) / 1000000000ULL + 1;
	for (i = 0; i < n; i++) {
		if (pthread_timedjoin_np(ws[i].th, NULL, &ts)) {
			stuck++;
			ksft_print_msg("worker %u still running: %s (%s)\n", i,
				       ws[i].op >= 0 ? op_desc[ws[i].op].name : "between calls",
				       ws[i].in_ioctl ? "inside the ioctl" : "in userspace");
		}
	}
	return stuck;
}

/* Accounting ---------------------------------------------------------------- */

struct acct {
	long long pins, pinned_bytes, mappings, nodes, contexts, vmlck_kb;
};

static struct acct acct_now(void)
{
	return (struct acct){
		.pins = ioasid_pins_outstanding(),
		.pinned_bytes = ioasid_sysfs_stat("pinned_bytes"),
		.mappings = ioasid_sysfs_stat("mappings"),
		.nodes = ioasid_sysfs_stat("nodes"),
		.contexts = ioasid_sysfs_stat("contexts"),
		.vmlck_kb = ioasid_vmlck_kb(),
	};
}

static int acct_equal(const struct acct *a, const struct acct *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void acct_print(const char *what, const struct acct *a)
{
	ksft_print_msg("%s: pins %lld pinned_bytes %lld mappings %lld nodes %lld contexts %lld VmLck %lld kB\n",
		       what, a->pins, a->pinned_bytes, a->mappings, a->nodes,
		       a->contexts, a->vmlck_kb);
}

/*
 * Everything must be back exactly, now: the last close or exit is behind
 * us. If not, wait up to 10 s only to tell a late release from a leak.
 */
static int acct_back(const struct acct *base, const char *part)
{
	struct acct now = acct_now();
	uint64_t start = now_ns();

	if (acct_equal(base, &now))
		return 1;
	acct_print("baseline", base);
	acct_print(part, &now);
	while (now_ns() - start < 10000000000ULL) {
		usleep(100000);
		now = acct_now();
		if (acct_equal(base, &now)) {
			ksft_print_msg("%s: back to baseline only %llu ms later\n", part,
				       (unsigned long long)(now_ns() - start) / 1000000);
			return 0;
		}
	}
	acct_print("10 s later", &now);
	return 0;
}

/* Reporting ---------------------------------------------------------------- */

static unsigned long long op_total(struct report *rep, int op, unsigned long long *ok)
{
	unsigned long long n = 0;
	unsigned int e;

	for (e = 0; e < ERR_SLOTS; e++)
		n += rep->calls[op][e];
	*ok = rep->calls[op][0];
	return n;
}

static unsigned long long report_print(struct report *rep, const char *part,
				       uint64_t elapsed_ns)
{
	unsigned long long total = 0, n, ok;
	char line[512];
	unsigned int op, e;
	int len;

	for (op = 0; op < OP_MAX; op++)
		total += op_total(rep, op, &ok);
	ksft_print_msg("%s: %llu calls in %.1f s; %llu KiB read by DMA and checked\n", part,
		       total, elapsed_ns / 1e9, (unsigned long long)rep->verified >> 10);
	for (op = 0; op < OP_MAX; op++) {
		n = op_total(rep, op, &ok);
		if (!n)
			continue;
		len = snprintf(line, sizeof(line), "  %-18s %8llu: ok %llu", op_desc[op].name, n, ok);
		for (e = 1; e < ERR_SLOTS && len < (int)sizeof(line); e++)
			if (rep->calls[op][e])
				len += snprintf(line + len, sizeof(line) - len, ", %s %llu",
						errname(e), (unsigned long long)rep->calls[op][e]);
		ksft_print_msg("%s\n", line);
	}
	return total;
}

static unsigned int report_failures(struct report *rep)
{
	unsigned int n = atomic_load(&rep->nfail), i;

	for (i = 0; i < n && i < MAX_FAILS; i++)
		ksft_print_msg("FAIL: %s\n", rep->fail[i]);
	if (n > MAX_FAILS)
		ksft_print_msg("... and %u more failures\n", n - MAX_FAILS);
	return n;
}

static uint64_t seconds_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

static int slow_kernel(void)
{
	return ioasid_test_scale() > 1;
}

/* The fixture: baselines and the shared report ---------------------------- */

FIXTURE(stress) {
	struct acct base;
	struct report *rep;
	uint64_t start;
};

FIXTURE_SETUP(stress)
{
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, buffers_init());
	seed_init();
	self->rep = shared_alloc(sizeof(*self->rep));
	ASSERT_NE(NULL, self->rep);
	self->base = acct_now();
	ASSERT_LE(0, self->base.pins);
	ASSERT_LE(0, self->base.pinned_bytes);
	ASSERT_LE(0, self->base.vmlck_kb);
	self->start = now_ns();
}

FIXTURE_TEARDOWN(stress)
{
}

/* What every part ends with: counts, failures, data, accounting. */
static void part_end(struct __test_metadata *_metadata,
		     FIXTURE_DATA(stress) *self, const char *part)
{
	unsigned long long ok;
	long long bad;

	report_print(self->rep, part, now_ns() - self->start);
	EXPECT_EQ(0, report_failures(self->rep));
	bad = buffers_check();
	EXPECT_EQ(-1, bad) {
		uint64_t *base = bad < WIN_SIZE / 8 ? g_win : g_stable;
		long long i = bad < WIN_SIZE / 8 ? bad : bad - WIN_SIZE / 8;

		TH_LOG("buffer word %lld at %p is %#llx", i, (void *)&base[i],
		       (unsigned long long)base[i]);
	}
	/* The stable mapping was read, and through every part it always worked. */
	op_total(self->rep, OP_STABLE_READ, &ok);
	EXPECT_LT(0, ok);
	EXPECT_TRUE(acct_back(&self->base, part));
}

static double ops_seconds(void)
{
	const char *e = getenv("IOASID_STRESS_SECONDS");

	if (e && atof(e) > 0)
		return atof(e);
	return slow_kernel() ? 6 : 10;
}

/*
 * The context of parts 1 and 4: opened, in accounting @mode, populated.
 * false: skipped (the test's verdict is set), the caller returns.
 */
static bool ctx_open(struct __test_metadata *_metadata, struct stress *s,
		     uint64_t mode)
{
	int rc;

	s->big_len = (4ULL << 20) / ioasid_test_scale();
	s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, s->fd);
	rc = set_account_mode(s->fd, mode);
	if (rc == -EPERM && mode == IOASID_ACCOUNT_PROCESS)
		SKIP(return false, "switching to IOASID_ACCOUNT_PROCESS needs CAP_SYS_RESOURCE");
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, ctx_populate(s));
	return true;
}

/* Part 1: 8 threads, every operation -------------------------------------- */

static void ops_run(struct __test_metadata *_metadata, FIXTURE_DATA(stress) *self,
		    uint64_t mode)
{
	struct stress *s = stress_new(self->rep, mix_all, g_seed);
	struct worker ws[MAX_THREADS];
	long long vmlck_max = self->base.vmlck_kb, v;
	uint64_t duration = seconds_ns(ops_seconds());
	unsigned long long ok;
	int stuck;

	ASSERT_NE(NULL, s);
	if (!ctx_open(_metadata, s, mode))
		return;
	ASSERT_EQ(0, workers_start(s, ws, MAX_THREADS, duration));

	/* Meanwhile: who pays. PROCESS charges this process, USER never does. */
	while (now_ns() < s->deadline) {
		usleep(100000);
		v = ioasid_vmlck_kb();
		if (v > vmlck_max)
			vmlck_max = v;
	}
	stuck = workers_join(ws, MAX_THREADS, s->deadline + seconds_ns(slow_kernel() ? 300 : 60));
	if (stuck) {
		report_print(self->rep, "ops (stuck)", now_ns() - self->start);
		report_failures(self->rep);
		ASSERT_EQ(0, stuck) TH_LOG("workers did not finish: see the kernel log");
	}
	if (mode == IOASID_ACCOUNT_PROCESS) {
		EXPECT_LT(self->base.vmlck_kb, vmlck_max);
	} else {
		EXPECT_EQ(self->base.vmlck_kb, vmlck_max);
	}
	ksft_print_msg("VmLck: %lld kB before, at most %lld kB during; %llu orphans\n",
		       self->base.vmlck_kb, vmlck_max, (unsigned long long)s->orphans);
	EXPECT_EQ(0, close(s->fd));
	workers_free(s, ws, MAX_THREADS);

	/* The race really ran: the core calls succeeded, many times. */
	op_total(self->rep, OP_MAP, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_UNMAP, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_DMA_READ, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_DMA_WRITE, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_TRANSLATE, &ok);
	EXPECT_LT(0, ok);
	part_end(_metadata, self, mode == IOASID_ACCOUNT_PROCESS ? "ops_process" : "ops_user");
}

TEST_F_TIMEOUT(stress, ops_user, 600)
{
	ops_run(_metadata, self, IOASID_ACCOUNT_USER);
}

TEST_F_TIMEOUT(stress, ops_process, 600)
{
	if (geteuid())
		SKIP(return, "needs root to switch to IOASID_ACCOUNT_PROCESS");
	ops_run(_metadata, self, IOASID_ACCOUNT_PROCESS);
}

/* Part 2: close() while the threads are in their ioctls ------------------- */

TEST_F_TIMEOUT(stress, close_mid_ioctl, 600)
{
	unsigned int rounds = slow_kernel() ? 4 : 10, round, i, inflight, inflight_total = 0;
	struct worker ws[MAX_THREADS];
	struct acct after;
	uint64_t run_ns, t0, t1, t2;

	for (round = 0; round < rounds; round++) {
		struct stress *s = stress_new(self->rep, mix_close, g_seed + round);
		int stuck;

		ASSERT_NE(NULL, s);
		s->closing = 1;
		s->big_len = (4ULL << 20) / ioasid_test_scale();
		s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, s->fd);
		ASSERT_EQ(0, ctx_populate(s));
		/* They run until EBADF; the deadline is only a backstop. */
		ASSERT_EQ(0, workers_start(s, ws, MAX_THREADS, seconds_ns(120)));
		t0 = now_ns();
		run_ns = (50 + (s->seed * 7919 + round * 104729) % 400) * 1000000ULL *
			 (slow_kernel() ? 4 : 1);
		usleep(run_ns / 1000);

		/*
		 * From here until every worker is joined nothing may open a
		 * file: the fd number must stay free, so that their calls
		 * meet EBADF and not some other file.
		 */
		inflight = 0;
		for (i = 0; i < MAX_THREADS; i++)
			inflight += ws[i].in_ioctl;
		t1 = now_ns();
		ASSERT_EQ(0, close(s->fd));
		stuck = workers_join(ws, MAX_THREADS, now_ns() + seconds_ns(slow_kernel() ? 300 : 60));
		ASSERT_EQ(0, stuck) TH_LOG("round %u: workers stuck after close", round);
		for (i = 0; i < MAX_THREADS; i++)
			EXPECT_TRUE(ws[i].saw_ebadf) TH_LOG("round %u worker %u", round, i);
		t2 = now_ns();
		inflight_total += inflight;
		workers_free(s, ws, MAX_THREADS);

		/* The last in-flight call has returned: the context is gone. */
		after = acct_now();
		EXPECT_EQ(self->base.contexts, after.contexts) TH_LOG("round %u", round);
		EXPECT_EQ(self->base.nodes, after.nodes) TH_LOG("round %u", round);
		EXPECT_EQ(self->base.mappings, after.mappings) TH_LOG("round %u", round);
		EXPECT_EQ(self->base.pinned_bytes, after.pinned_bytes) TH_LOG("round %u", round);
		EXPECT_EQ(self->base.pins, after.pins) TH_LOG("round %u", round);
		ksft_print_msg("round %u: closed after %llu ms with %u of %u workers inside an ioctl; all back %llu ms later\n",
			       round, (unsigned long long)(t1 - t0) / 1000000, inflight,
			       MAX_THREADS, (unsigned long long)(t2 - t1) / 1000000);
		munmap(s, sizeof(*s));
	}
	/* The close met calls in flight, or this tested nothing. */
	EXPECT_LT(0, inflight_total);
	part_end(_metadata, self, "close_mid_ioctl");
}

/* Part 3: SIGKILL mid-operation ------------------------------------------- */

/* From the test process: the stable mapping reads back exactly. */
static int stable_dma_check(struct stress *s)
{
	struct ioasid_dma d = { .size = sizeof(d), .dev_id = s->d0,
				.iova = s->stable + PAGE - 32, .length = 64 };
	uint64_t buf[8];
	unsigned int i;
	int rc;

	d.buffer = (uintptr_t)buf;
	rc = raw(s->fd, IOASID_DMA, &d);
	if (rc)
		return rc;
	for (i = 0; i < 8; i++)
		if (buf[i] != stable_word(d.iova + i * 8))
			return -EILSEQ;
	return 0;
}

#define KID_THREADS	4

/* A child's life: stress @s until killed (or a backstop of two minutes). */
static void __attribute__((noreturn)) kid_main(struct stress *s)
{
	struct worker ws[KID_THREADS];

	if (s->fd < 0) {
		s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (s->fd < 0 || set_account_mode(s->fd, geteuid() ? 0 : s->seed & 1) ||
		    ctx_populate(s)) {
			report_fail(s->rep, "child %d: setup failed", getpid());
			_exit(2);
		}
	}
	if (workers_start(s, ws, KID_THREADS, seconds_ns(120)))
		_exit(3);
	workers_join(ws, KID_THREADS, now_ns() + seconds_ns(240));
	_exit(4);	/* never killed: the parent reports it */
}

static int wait_exit(pid_t pid, int *status, uint64_t limit_ns)
{
	uint64_t end = now_ns() + limit_ns;
	pid_t r;

	do {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		usleep(10000);
	} while (now_ns() < end);
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(stress, sigkill, 600)
{
	unsigned int rounds = slow_kernel() ? 3 : 8, round, k, i;
	unsigned int mid_map = 0, kills = 0;
	struct stress *shared_ctx = stress_new(self->rep, mix_kill, g_seed);
	struct worker rng = { .rng = g_seed | 1 };
	long long vmlck;

	/*
	 * One context shared with some children (PROCESS mode: each pays for
	 * what it maps, and the pins outlive it here); the others open their own.
	 */
	ASSERT_NE(NULL, shared_ctx);
	shared_ctx->mix2 = mix_kill_small;
	shared_ctx->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, shared_ctx->fd);
	if (geteuid() == 0)
		ASSERT_EQ(0, set_account_mode(shared_ctx->fd, IOASID_ACCOUNT_PROCESS));
	ASSERT_EQ(0, ctx_populate(shared_ctx));
	vmlck = ioasid_vmlck_kb();

	for (round = 0; round < rounds; round++) {
		struct acct before = acct_now();
		pid_t pids[2];
		struct stress *ss[2];

		for (k = 0; k < 2; k++) {
			if (k == 0 && round % 2 == 0) {
				ss[k] = shared_ctx;
			} else {
				ss[k] = stress_new(self->rep, mix_kill, g_seed + round * 2 + k);
				ASSERT_NE(NULL, ss[k]);
				ss[k]->mix2 = mix_kill_small;
			}
			ss[k]->kid = k;
			atomic_store(&self->rep->in_big_map[k], 0);
			for (i = 0; i < KID_THREADS; i++)
				atomic_store(&self->rep->kid_op[k][i], 0);
			pids[k] = fork();
			ASSERT_LE(0, pids[k]);
			if (!pids[k])
				kid_main(ss[k]);
		}
		for (k = 0; k < 2; k++) {
			int status, during = 0;
			uint64_t until;

			if (k == 0) {
				/*
				 * After a while, wait for a big MAP in
				 * progress, then kill within 2 ms.
				 */
				usleep(rndn(&rng, 200) * 1000 * (slow_kernel() ? 4 : 1));
				until = now_ns() + seconds_ns(slow_kernel() ? 60 : 20);
				while (!atomic_load(&self->rep->in_big_map[0]) && now_ns() < until)
					usleep(200);
				usleep(rndn(&rng, 2000));
			} else {
				usleep((20 + rndn(&rng, 300)) * 1000 * (slow_kernel() ? 4 : 1));
			}
			during = atomic_load(&self->rep->in_big_map[k]) > 0;
			ASSERT_EQ(0, kill(pids[k], SIGKILL));
			for (i = 0; i < KID_THREADS; i++) {
				int op = atomic_load(&self->rep->kid_op[k][i]);

				if (op)
					self->rep->killed_in[op - 1]++;
				else
					self->rep->killed_between++;
			}
			ASSERT_EQ(0, wait_exit(pids[k], &status, seconds_ns(slow_kernel() ? 300 : 60)))
				TH_LOG("child %d did not die of SIGKILL: stuck in the kernel?", pids[k]);
			EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				TH_LOG("child %d: status %#x", pids[k], status);
			mid_map += during;
			kills++;
		}
		for (k = 0; k < 2; k++)
			if (ss[k] != shared_ctx)
				munmap(ss[k], sizeof(*ss[k]));

		/*
		 * Children with their own context leave nothing behind once
		 * reaped: exact, in the rounds where none used the shared one.
		 */
		if (round % 2)
			EXPECT_TRUE(acct_back(&before, "sigkill round")) TH_LOG("round %u", round);

		/*
		 * What the dead children mapped in the shared context stays,
		 * charged to them; this process pays nothing for it. Unmap it
		 * from here now and then: the charge goes back to the dead.
		 */
		EXPECT_EQ(vmlck, ioasid_vmlck_kb());
		if (round % 2) {
			for (k = 0; k < NR_ROOTS; k++) {
				struct ioasid_unmap u = { .size = sizeof(u),
					.flags = IOASID_UNMAP_ALL,
					.id = atomic_load(&shared_ctx->node[k]) };

				ioctl(shared_ctx->fd, IOASID_UNMAP, &u);
			}
		}
	}
	ksft_print_msg("%u children killed, %u of them inside a big MAP (%zu KiB)\n",
		       kills, mid_map, shared_ctx->big_len >> 10);
	for (i = 0; i < OP_MAX; i++)
		if (self->rep->killed_in[i])
			ksft_print_msg("  workers killed inside %s: %llu\n", op_desc[i].name,
				       self->rep->killed_in[i]);
	ksft_print_msg("  workers killed between calls: %llu\n", self->rep->killed_between);
	/* Some kills really landed inside a big MAP. */
	EXPECT_LT(0, mid_map);

	/* The shared context survived its users' deaths. */
	EXPECT_EQ(0, stable_dma_check(shared_ctx));
	EXPECT_EQ(0, close(shared_ctx->fd));
	part_end(_metadata, self, "sigkill");
}

/* Part 4: fork with the fd inherited -------------------------------------- */

#define FORK_THREADS	4

/*
 * Stress @s from this process for @run_ns. Abruptly: exit_group() while
 * the workers are in their calls; gracefully: stop them and join first.
 */
static void __attribute__((noreturn)) fork_side(struct stress *s, uint64_t run_ns,
						int abrupt)
{
	struct worker ws[FORK_THREADS];

	if (workers_start(s, ws, FORK_THREADS, run_ns))
		_exit(3);
	if (abrupt) {
		usleep(run_ns / 1000);
		_exit(0);
	}
	if (workers_join(ws, FORK_THREADS, now_ns() + run_ns + seconds_ns(120)))
		_exit(5);
	_exit(0);
}

/*
 * This process sets the context up and forks P; P forks C; both stress the
 * one context at once. @child_first: C goes first (abruptly), P a while
 * later; otherwise P goes first (abruptly) and C, reparented to us, later.
 * @keep: this process keeps its fd throughout and closes it last.
 */
static void fork_run(struct __test_metadata *_metadata, FIXTURE_DATA(stress) *self,
		     int child_first, int keep, uint64_t mode)
{
	struct stress *s = stress_new(self->rep, mix_all, g_seed);
	uint64_t d1 = seconds_ns(3), d2 = seconds_ns(2);
	int status;
	pid_t p, c, *cpid = shared_alloc(sizeof(pid_t));

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, cpid);
	if (!ctx_open(_metadata, s, mode))
		return;
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));

	p = fork();
	ASSERT_LE(0, p);
	if (!p) {
		c = fork();
		if (c < 0)
			_exit(6);
		if (!c) {
			s->seed ^= 0xc0ffee;
			fork_side(s, child_first ? d1 : d1 + d2, child_first);
		}
		*cpid = c;
		fork_side(s, child_first ? d1 + d2 : d1, !child_first);
	}
	if (!keep)
		EXPECT_EQ(0, close(s->fd));

	ASSERT_EQ(0, wait_exit(p, &status, d1 + d2 + seconds_ns(slow_kernel() ? 300 : 60)))
		TH_LOG("P did not exit");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("P status %#x", status);
	/* C is ours now (subreaper), whether it is still running or a zombie. */
	c = *cpid;
	ASSERT_LT(0, c);
	ASSERT_EQ(0, wait_exit(c, &status, d1 + d2 + seconds_ns(slow_kernel() ? 300 : 60)))
		TH_LOG("C did not exit");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("C status %#x", status);
	EXPECT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 0));

	if (keep) {
		/* Both users gone, mid-call for one of them: the context still works. */
		EXPECT_EQ(0, stable_dma_check(s));
		EXPECT_EQ(0, close(s->fd));
	}
	part_end(_metadata, self, child_first ? "fork_child_exits_first" :
						"fork_parent_exits_first");
}

TEST_F_TIMEOUT(stress, fork_parent_exits_first, 600)
{
	fork_run(_metadata, self, 0, 0, IOASID_ACCOUNT_USER);
}

TEST_F_TIMEOUT(stress, fork_child_exits_first, 600)
{
	if (geteuid())
		SKIP(return, "needs root to switch to IOASID_ACCOUNT_PROCESS");
	fork_run(_metadata, self, 1, 1, IOASID_ACCOUNT_PROCESS);
}

TEST_HARNESS_MAIN
