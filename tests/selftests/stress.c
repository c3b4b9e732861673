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
 * User-managed nodes (x86-64 guest tables, 4 or 5 levels, with or without
 * A/D updates) take part: three node slots hold them, under any node
 * (kernel- or user-managed), and kernel-managed children are made under
 * them. Workers BIND and UNBIND them, INVALIDATE them (batches of 1-8
 * entries: whole node, PASID, NO_PASID, address ranges of 4K/2M/1G
 * granules), edit guest table entries without invalidating (present or
 * not, repointed, RW/US/XD), MAP and UNMAP table pages in their parents,
 * and DMA and TRANSLATE through them, mostly with a device of their own
 * (besides the shared devices, which ATTACH to them too). The guest tables
 * live in a buffer of their own (see "Guest page tables" below), so:
 *  - data through a user-managed node at a window address reaches only
 *    window, stable or "volatile" pages (leaves never point elsewhere):
 *    the same word shape check holds for every DMA read, whatever the
 *    racing tables and caches say;
 *  - volatile pages are filled with words of the shape and mapped in roots
 *    at their own addresses, and unmapped then dropped (MADV_DONTNEED, and
 *    a write that most likely gets the freed page back zeroed) at random,
 *    and also between two DMAs of one range right after a TRANSLATE showed
 *    that the range leads there: a translation cached through a
 *    user-managed node that outlived the UNMAP of its page reads zeros (or
 *    the kernel trips over the freed pages: an injected bug that skipped
 *    the root mapping's link of such entries oopsed within 10 s);
 *  - table memory only ever holds what the test wrote there plus the
 *    walker's A/D bits (D on leaves only): checked at every edit and at the
 *    end of each part, word by word;
 *  - what is not checked: which of the allowed pages a translation reached
 *    (a stale translation that an INVALIDATE, BIND, table-page UNMAP or an
 *    UNMAP of a window page should have dropped reads pages of the same
 *    shape and is not seen here; tests/selftests/user_managed.c checks
 *    those rules one at a time).
 * The races are counted where proven (a call that returned while one and
 * the same DMA through the node was in flight from before it until after
 * it); ops_* asserts that INVALIDATE and table-page UNMAP met such DMA.
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
 * During ops_* and close_mid_ioctl one more thread rereads the module's
 * debugfs view of every context (root only), for lockdep and KASAN.
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
#define NR_KNODES	(NR_ROOTS + NR_CHILDREN)
#define NR_USER		3	/* node slots 6..8: user-managed */
#define NR_NODES	(NR_KNODES + NR_USER)
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

/* The tag of the volatile pages' words, which DMA writes never use. */
#define VOL_TAG		0xfffffULL

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
	OP_ALLOC_USER, OP_BIND, OP_UNBIND, OP_INVALIDATE, OP_UM_ATTACH,
	OP_UM_DETACH, OP_UM_DMA_READ, OP_UM_DMA_WRITE, OP_UM_TRANSLATE,
	OP_TBL_MAP, OP_TBL_UNMAP, OP_PTE_EDIT, OP_VOL_MAP, OP_VOL_UNMAP,
	OP_MAX
};

/*
 * EINVAL for an id of the other mode: ids are reused (the lowest free one),
 * so a stale id of a kernel-managed node may name a user-managed node by
 * now, and the other way round. The calls that take only one mode answer
 * EINVAL then (uapi: MAP, UNMAP, RESERVE_IOVA, IOVA_RANGES and
 * DIRTY_TRACKING take "a kernel-managed node", BIND, UNBIND and INVALIDATE
 * "a user-managed node"). It is allowed only when the id the call names
 * did name a node of the other mode (see kind_was()).
 */
enum { KIND_KERNEL = 1, KIND_USER = 2 };

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
	int einval_if;	/* EINVAL allowed when the id was a node of this KIND_* */
} op_desc[OP_MAX] = {
	[OP_MAP] = { "map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR }, KIND_USER },
	[OP_MAP_AUTO] = { "map_auto", { ENOSPC, ENOENT, ENOMEM, EINTR }, KIND_USER },
	[OP_UNMAP] = { "unmap", { ENOENT }, KIND_USER },
	[OP_UNMAP_ALL] = { "unmap_all", { ENOENT }, KIND_USER },
	/* EINVAL: an id that was a root is a child by now. */
	[OP_COPY] = { "copy", { EINVAL, ENOENT, EPERM, EEXIST, EADDRINUSE,
				ENOSPC, ENOMEM } },
	[OP_BATCH_MAP] = { "batch_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM,
					  EINTR }, KIND_USER },
	[OP_BATCH_UNMAP] = { "batch_unmap", { ENOENT }, KIND_USER },
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
	[OP_DIRTY_ON] = { "dirty_on", { ENOENT }, KIND_USER },
	[OP_DIRTY_OFF] = { "dirty_off", { ENOENT }, KIND_USER },
	/* EINVAL: tracking is off (another thread switched it). */
	[OP_DIRTY_BITMAP] = { "dirty_bitmap", { ENOENT, EINVAL } },
	[OP_RESERVE] = { "reserve_iova", { ENOENT, EADDRINUSE, ENOMEM }, KIND_USER },
	[OP_UNRESERVE] = { "unreserve_iova", { ENOENT }, KIND_USER },
	[OP_NODE_INFO] = { "node_info", { ENOENT } },
	[OP_DEV_INFO] = { "device_info", { ENOENT } },
	[OP_IOVA_RANGES] = { "iova_ranges", { ENOENT, ENOMEM, EMSGSIZE }, KIND_USER },
	[OP_BIG_MAP] = { "big_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR }, KIND_USER },
	[OP_BIG_UNMAP] = { "big_unmap", { ENOENT }, KIND_USER },
	[OP_BIG_DMA] = { "big_dma", { ENOENT, EIO, ENOMEM, EINTR } },
	/* User-managed nodes. */
	[OP_ALLOC_USER] = { "alloc_user", { ENOENT, EMLINK, ENOSPC, ENOMEM } },
	/* ENOENT: no such node (UNBIND: or not bound). */
	[OP_BIND] = { "bind", { ENOENT }, KIND_KERNEL },
	[OP_UNBIND] = { "unbind", { ENOENT }, KIND_KERNEL },
	/* ENOENT, EINVAL: of the entry at out_done. */
	[OP_INVALIDATE] = { "invalidate", { ENOENT }, KIND_KERNEL },
	/* A worker's own device (ATTACH, or ATTACH with REPLACE). */
	[OP_UM_ATTACH] = { "um_attach", { ENOENT, EBUSY, ENOMEM } },
	[OP_UM_DETACH] = { "um_detach", { ENOENT } },
	[OP_UM_DMA_READ] = { "um_dma_read", { ENOENT, EIO, ENOMEM, EINTR } },
	[OP_UM_DMA_WRITE] = { "um_dma_write", { ENOENT, EIO, ENOMEM, EINTR } },
	[OP_UM_TRANSLATE] = { "um_translate", { ENOENT, EIO, ENOMEM } },
	/* MAP and UNMAP of guest table pages, at their own addresses. */
	[OP_TBL_MAP] = { "table_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR }, KIND_USER },
	[OP_TBL_UNMAP] = { "table_unmap", { ENOENT }, KIND_USER },
	/* Not an ioctl: an atomic edit of a guest table entry, never fails. */
	[OP_PTE_EDIT] = { "pte_edit", { 0 } },
	/* MAP and UNMAP (then MADV_DONTNEED) of volatile pages in roots. */
	[OP_VOL_MAP] = { "vol_map", { EEXIST, EADDRINUSE, ENOENT, ENOMEM, EINTR }, KIND_USER },
	[OP_VOL_UNMAP] = { "vol_unmap", { ENOENT }, KIND_USER },
};

/* What a worker picks at random; some do several calls. */
enum act {
	A_MAP, A_MAP_AUTO, A_UNMAP, A_UNMAP_ALL, A_COPY, A_BATCH, A_ATTACH,
	A_REPLACE, A_DETACH, A_DMA_READ, A_DMA_WRITE, A_STABLE, A_TRANSLATE,
	A_DIRTY, A_DIRTY_BITMAP, A_NODE_RECREATE, A_DEV_RECREATE, A_RESERVE,
	A_INFO, A_BIG_MAP, A_BIG_DMA,
	A_UM_RECREATE, A_BIND, A_INVALIDATE, A_PTE_EDIT, A_UM_ATTACH,
	A_UM_DMA_READ, A_UM_DMA_WRITE, A_UM_TRANSLATE, A_TBL, A_VOL,
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
	[A_UM_RECREATE] = 2, [A_BIND] = 3, [A_INVALIDATE] = 5, [A_PTE_EDIT] = 8,
	[A_UM_ATTACH] = 3, [A_UM_DMA_READ] = 6, [A_UM_DMA_WRITE] = 4,
	[A_UM_TRANSLATE] = 3, [A_TBL] = 6, [A_VOL] = 6,
};

static const unsigned int mix_close[A_MAX] = {
	[A_MAP] = 10, [A_MAP_AUTO] = 2, [A_UNMAP] = 8, [A_UNMAP_ALL] = 2,
	[A_COPY] = 4, [A_BATCH] = 4, [A_ATTACH] = 3, [A_REPLACE] = 3,
	[A_DETACH] = 2, [A_DMA_READ] = 8, [A_DMA_WRITE] = 6, [A_STABLE] = 3,
	[A_TRANSLATE] = 4, [A_DIRTY] = 2, [A_DIRTY_BITMAP] = 2,
	[A_NODE_RECREATE] = 2, [A_DEV_RECREATE] = 2, [A_RESERVE] = 2,
	[A_INFO] = 2, [A_BIG_MAP] = 8, [A_BIG_DMA] = 6,
	[A_UM_RECREATE] = 2, [A_BIND] = 2, [A_INVALIDATE] = 3, [A_PTE_EDIT] = 4,
	[A_UM_ATTACH] = 2, [A_UM_DMA_READ] = 4, [A_UM_DMA_WRITE] = 2,
	[A_UM_TRANSLATE] = 2, [A_TBL] = 3, [A_VOL] = 2,
};

/* SIGKILLed children: mostly big MAPs and long DMA. */
static const unsigned int mix_kill[A_MAX] = {
	[A_MAP] = 6, [A_UNMAP] = 4, [A_UNMAP_ALL] = 2, [A_COPY] = 2,
	[A_BATCH] = 2, [A_ATTACH] = 2, [A_REPLACE] = 2, [A_DETACH] = 1,
	[A_DMA_READ] = 6, [A_DMA_WRITE] = 6, [A_STABLE] = 2,
	[A_TRANSLATE] = 2, [A_DIRTY] = 1, [A_NODE_RECREATE] = 1,
	[A_DEV_RECREATE] = 1, [A_BIG_MAP] = 5, [A_BIG_DMA] = 16,
	[A_UM_RECREATE] = 1, [A_BIND] = 1, [A_INVALIDATE] = 2, [A_PTE_EDIT] = 2,
	[A_UM_ATTACH] = 1, [A_UM_DMA_READ] = 4, [A_TBL] = 2, [A_VOL] = 1,
};

/* ... and their other half: small calls, so kills land there too. */
static const unsigned int mix_kill_small[A_MAX] = {
	[A_MAP] = 8, [A_UNMAP] = 6, [A_UNMAP_ALL] = 1, [A_COPY] = 3,
	[A_BATCH] = 3, [A_ATTACH] = 4, [A_REPLACE] = 2, [A_DETACH] = 2,
	[A_DMA_READ] = 8, [A_DMA_WRITE] = 8, [A_STABLE] = 2,
	[A_TRANSLATE] = 3, [A_DIRTY] = 2, [A_DIRTY_BITMAP] = 2,
	[A_NODE_RECREATE] = 1, [A_DEV_RECREATE] = 1, [A_RESERVE] = 2,
	[A_INFO] = 2,
	[A_UM_RECREATE] = 1, [A_BIND] = 2, [A_INVALIDATE] = 2, [A_PTE_EDIT] = 2,
	[A_UM_ATTACH] = 2, [A_UM_DMA_READ] = 2, [A_UM_DMA_WRITE] = 2,
	[A_UM_TRANSLATE] = 1, [A_TBL] = 2, [A_VOL] = 1,
};

/* Shared state (MAP_SHARED, so children report too) ------------------------- */

#define ERR_SLOTS	136	/* [0] counts successes, [e] errno e */
#define MAX_FAILS	16
#define MAX_KIDS	4
#define ID_TRACK	4096	/* ids are the lowest free ones: small */
#define NR_RETIRED	4

struct report {
	_Atomic unsigned long long calls[OP_MAX][ERR_SLOTS];
	_Atomic unsigned int nfail;
	char fail[MAX_FAILS][256];
	_Atomic int in_big_map[MAX_KIDS];	/* workers inside a big MAP, per child */
	_Atomic unsigned long long verified;	/* bytes DMA read and checked */
	_Atomic int kid_op[MAX_KIDS][MAX_THREADS];	/* call in progress + 1 */
	unsigned long long killed_in[OP_MAX];	/* calls SIGKILL interrupted */
	unsigned long long killed_between;	/* workers not in a call then */
	/*
	 * The races of user-managed nodes, counted where proven: a call that
	 * returned while one and the same DMA through a worker's own device,
	 * attached to a user-managed node (or a node below one), was in
	 * flight from before the call until after it.
	 */
	_Atomic unsigned long long race_inv;	/* INVALIDATE of that node */
	_Atomic unsigned long long race_bind;	/* BIND/UNBIND of that node */
	_Atomic unsigned long long race_tbl_unmap; /* UNMAP of table pages */
	_Atomic unsigned long long race_edit;	/* a guest table edit */
	_Atomic unsigned long long race_vol_unmap; /* UNMAP of volatile pages */
	/* Bytes DMA moved through a worker's own device: read (and checked), written. */
	_Atomic unsigned long long um_read, um_written;
	_Atomic unsigned long long vol_words;	/* read: from volatile pages */
	_Atomic unsigned long long um_hits, um_misses;	/* their IOTLB, at the end */
	/* Volatile pages unmapped and freed right after a TRANSLATE reached them */
	_Atomic unsigned long long vol_freed_cached;
	/* Why DMA and TRANSLATE through a worker's own device failed (EIO). */
	_Atomic unsigned long long um_fault[IOASID_FAULT_WALK_LIMIT + 1];
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
	int sr_tables_fixed;	/* no A_TBL in the stable root */
	int kid;		/* index into report->in_big_map, or -1 */
	unsigned long long seed;
	struct report *rep;
	_Atomic unsigned long long orphans;	/* nodes/devices lost in a race */
	/* Per id: KIND_* of the nodes it named; a user node's levels. */
	_Atomic uint32_t retired[NR_RETIRED];	/* user nodes replaced in use */
	_Atomic uint8_t id_kind[ID_TRACK];
	_Atomic uint8_t id_levels[ID_TRACK];
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
	/*
	 * The worker's own device for DMA through user-managed nodes: only
	 * this worker attaches it (a stale id of another thread may still
	 * reach it, rarely). Per PASID 0 (none) to NR_PASIDS: the node it
	 * attached, and the user-managed node its DMA then goes through (the
	 * node itself or its parent; 0 when neither is user-managed).
	 */
	uint32_t udev;
	struct { uint32_t node, user; } uatt[NR_PASIDS + 1];
	uint64_t *um_buf;	/* WIN_SIZE plus a guard word */
	uint32_t flight_seq;
	/* While a DMA through udev is in flight: seq << 32 | its user node. */
	_Atomic uint64_t flight;
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

static int slow_kernel(void);
static uint64_t seconds_ns(double s);

static void kind_mark(struct stress *s, uint32_t id, int kind, unsigned int levels)
{
	if (!id || id >= ID_TRACK)
		return;
	if (levels)
		atomic_store(&s->id_levels[id], levels);
	atomic_fetch_or(&s->id_kind[id], kind);
}

/*
 * Did @id name a node of @kind? The thread that allocated it marks it
 * right after its ALLOC returns, so wait a while for that; a node whose
 * allocating thread died first (SIGKILL, exit_group) is recognised by
 * asking the kernel what @id is now.
 */
static int kind_was(struct stress *s, uint32_t id, int kind)
{
	uint64_t end = now_ns() + seconds_ns(slow_kernel() ? 60 : 10);
	struct ioasid_node_info n;

	if (!id || id >= ID_TRACK)
		return 0;
	for (;;) {
		if (atomic_load(&s->id_kind[id]) & kind)
			return 1;
		n = (struct ioasid_node_info){ .size = sizeof(n), .id = id };
		if (!ioctl(s->fd, IOASID_NODE_INFO, &n) &&
		    n.out_mode == (kind == KIND_USER ? IOASID_MODE_USER_MANAGED :
						       IOASID_MODE_KERNEL_MANAGED))
			return 1;
		if (now_ns() > end)
			return 0;
		usleep(2000);
	}
}

/* The node id whose mode an EINVAL of @op concerns (see enum KIND_*). */
static uint32_t op_node_id(int op, const void *arg)
{
	const struct ioasid_batch *b = arg;
	const struct ioasid_invalidate *inv = arg;

	switch (op) {
	case OP_BATCH_MAP:
	case OP_BATCH_UNMAP:
		/* struct ioasid_map and ioasid_unmap: the id at offset 8. */
		if (b->out_done >= b->count)
			return 0;
		return *(const uint32_t *)((uintptr_t)b->entries +
					   (uint64_t)b->out_done * b->entry_size + 8);
	case OP_INVALIDATE:
		if (inv->out_done >= inv->count)
			return 0;
		return ((const struct ioasid_inv_entry *)(uintptr_t)inv->entries)
			[inv->out_done].node_id;
	default:
		/* size, flags, then the id: every other struct with a node id. */
		return ((const uint32_t *)arg)[2];
	}
}

static int errno_allowed(struct stress *s, int op, int e, const void *arg)
{
	unsigned int i;

	if (s->closing && e == EBADF)
		return 1;
	for (i = 0; i < ARRAY_SIZE(op_desc[op].errs) && op_desc[op].errs[i]; i++)
		if (op_desc[op].errs[i] == e)
			return 1;
	if (e == EINVAL && op_desc[op].einval_if)
		return kind_was(s, op_node_id(op, arg), op_desc[op].einval_if);
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
	if (rc && !errno_allowed(s, op, rc, arg)) {
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

static uint32_t pick_user(struct worker *w)
{
	return atomic_load(&w->s->node[NR_KNODES + rndn(w, NR_USER)]);
}

/*
 * A node for window work: the stable root or any slot; *child says its
 * slot kind. Mostly kernel-managed: a user-managed one (1 in 8) takes no
 * MAP, UNMAP, ... (EINVAL), which is checked too.
 */
static uint32_t pick_node(struct worker *w, int *child)
{
	unsigned int i = rndn(w, NR_KNODES + 1);

	*child = 1;
	if (!rndn(w, 8))
		return pick_user(w);
	*child = 0;
	if (i == NR_KNODES)
		return w->s->sr;
	*child = i >= NR_ROOTS;
	return atomic_load(&w->s->node[i]);
}

/* A slot node only (UNMAP_ALL, DESTROY never reach the stable root). */
static uint32_t pick_slot_node(struct worker *w, int roots_only)
{
	return atomic_load(&w->s->node[rndn(w, roots_only ? NR_ROOTS : NR_NODES)]);
}

/* ATTACH and REPLACE: user-managed nodes one time in three. */
static uint32_t pick_attach_node(struct worker *w)
{
	int child;

	return rndn(w, 3) ? pick_node(w, &child) : pick_user(w);
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

/* Guest page tables ---------------------------------------------------------- */

/*
 * The tables user-managed nodes bind: x86-64 tables in a buffer of their
 * own (MAP_SHARED: every process of a part edits the same pages), never
 * in the window, so DMA writes never land in them. They are mapped at
 * their own addresses (IOVA == user address, as in the window) into the
 * stable root, the root slots and the child slots (a child from its
 * parent's same IOVAs): first page by page, then A_TBL maps and unmaps
 * them at random while DMA walks them. Every tree also maps the table
 * buffer 1:1, so a user-managed node below a user-managed one reads its
 * tables through the outer node.
 *
 * Every tree maps three regions of input addresses with 4 KiB leaves:
 *   the window: each page to a page of the window, the stable buffer or
 *     the volatile pages (A_PTE_EDIT repoints them at random);
 *   the stable buffer and the table buffer: 1:1, never repointed.
 * Its 5-level top is a page of its own whose entry 0 points at the 4-level
 * top (every address here is below 2^47). So data through a user-managed
 * node, at window addresses, only ever reaches window or stable pages, at
 * the same offset in the page: DMA through user-managed nodes keeps the
 * word shape check, and only table reads reach table pages. A binding
 * whose levels do not match its top (the id was reused meanwhile) finds
 * entry 0 of a 4-level top or a high entry of a 5-level top, both empty
 * (every region's level-4 index is non-zero, checked at setup): it
 * faults, it never reaches other pages.
 *
 * Entries change only by atomic compare-and-exchange (the test) and the
 * walker's cmpxchg of A and D, so a table word always holds a value
 * tw_ok() takes: present or not, RW/US/XD as the test set them, the
 * address the test set (a window leaf: any window or stable page), A
 * anywhere, D on leaves only. Anything else (DMA data, a write where no
 * entry is, D on a non-leaf) fails.
 */
#define TBL_PAGES	64
#define TBL_SIZE	(TBL_PAGES * PAGE)
#define VOL_PAGES	16
#define VOL_SIZE	(VOL_PAGES * PAGE)
#define TBL_WORDS	(TBL_PAGES * 512)
#define NR_GPT		3
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define PTE_XD		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_DEF		(PTE_P | PTE_RW | PTE_US)
#define PTE_BITS	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_XD)

enum { TW_ZERO, TW_NONLEAF, TW_LEAF_FIXED, TW_LEAF_WIN, TW_KINDS };

static uint64_t *g_win, *g_stable, *g_tbl, *g_vol;
static unsigned int g_tbl_used;
static uint8_t g_tw_kind[TBL_WORDS];
static uint64_t g_tw_addr[TBL_WORDS];	/* NONLEAF, LEAF_FIXED: its address */
static uint64_t g_gpt_top[NR_GPT][2];	/* per tree: 4- and 5-level top */
static uint32_t *g_tw_list[TW_KINDS];	/* the words of each kind */
static unsigned int g_tw_count[TW_KINDS];

static uint64_t tbl_page_addr(unsigned int page)
{
	return (uintptr_t)g_tbl + page * PAGE;
}

static unsigned int tw_index(uint64_t addr)
{
	return (addr - (uintptr_t)g_tbl) / 8;
}

static uint64_t tw_load(unsigned int i)
{
	return __atomic_load_n(&g_tbl[i], __ATOMIC_SEQ_CST);
}

static void tw_set(unsigned int i, uint64_t v, int kind, uint64_t addr)
{
	g_tw_kind[i] = kind;
	g_tw_addr[i] = addr;
	__atomic_store_n(&g_tbl[i], v, __ATOMIC_SEQ_CST);
}

static int is_vol_page(uint64_t a)
{
	return a >= (uintptr_t)g_vol && a < (uintptr_t)g_vol + VOL_SIZE;
}

static int is_data_page(uint64_t a)
{
	return (a >= (uintptr_t)g_win && a < (uintptr_t)g_win + WIN_SIZE) ||
	       (a >= (uintptr_t)g_stable && a < (uintptr_t)g_stable + STABLE_SIZE) ||
	       is_vol_page(a);
}

/* May table word @i hold @v? */
static int tw_ok(unsigned int i, uint64_t v)
{
	switch (g_tw_kind[i]) {
	case TW_ZERO:
		return !v;
	case TW_NONLEAF:
		return (v & PTE_ADDR) == g_tw_addr[i] && !(v & ~(PTE_ADDR | PTE_BITS));
	case TW_LEAF_FIXED:
		return (v & PTE_ADDR) == g_tw_addr[i] &&
		       !(v & ~(PTE_ADDR | PTE_BITS | PTE_D));
	default:
		return is_data_page(v & PTE_ADDR) && !(v & ~(PTE_ADDR | PTE_BITS | PTE_D));
	}
}

static unsigned int pt_idx(uint64_t va, unsigned int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/* The leaf word of @va under the 4-level @top; tables made as needed. */
static int tbl_leaf(uint64_t top, uint64_t va, unsigned int *word)
{
	uint64_t table = top, next;
	unsigned int l, i;

	for (l = 4; l > 1; l--) {
		i = tw_index(table) + pt_idx(va, l);
		if (!(tw_load(i) & PTE_P)) {
			if (g_tbl_used == TBL_PAGES)
				return -ENOSPC;
			next = tbl_page_addr(g_tbl_used++);
			tw_set(i, next | PTE_DEF, TW_NONLEAF, next);
		}
		table = tw_load(i) & PTE_ADDR;
	}
	*word = tw_index(table) + pt_idx(va, 1);
	return 0;
}

/* Where tree @t maps window page @n at first: a page in four is volatile. */
static uint64_t gpt_initial(unsigned int t, unsigned int n)
{
	if (n % 4 == t)
		return (uintptr_t)g_vol + (n / 4 + t) % VOL_PAGES * PAGE;
	if (t == 0)
		return (uintptr_t)g_win + n * PAGE;
	if (t == 1)
		return (uintptr_t)g_win + (n + 1) % WIN_PAGES * PAGE;
	if (n % 8 == 7)
		return (uintptr_t)g_stable + n / 8 % STABLE_PAGES * PAGE;
	return (uintptr_t)g_win + (WIN_PAGES - 1 - n) * PAGE;
}

/* Map [@base, @base + @pages pages) in the tree under @top. */
static int tbl_region(unsigned int t, uint64_t top, uint64_t base, unsigned int pages,
		      int kind)
{
	unsigned int n, i;
	uint64_t out;
	int rc;

	for (n = 0; n < pages; n++) {
		rc = tbl_leaf(top, base + n * PAGE, &i);
		if (rc)
			return rc;
		out = kind == TW_LEAF_WIN ? gpt_initial(t, n) : base + n * PAGE;
		tw_set(i, out | PTE_DEF, kind, kind == TW_LEAF_WIN ? 0 : out);
	}
	return 0;
}

static int tables_build(void)
{
	const uint64_t region[3][2] = {
		{ (uintptr_t)g_win, WIN_SIZE }, { (uintptr_t)g_stable, STABLE_SIZE },
		{ (uintptr_t)g_tbl, TBL_SIZE },
	};
	unsigned int t, k, i;
	uint64_t top;
	int rc;

	for (k = 0; k < 3; k++)
		if (!pt_idx(region[k][0], 4) || region[k][0] + region[k][1] > 1ULL << 47)
			return -ERANGE;
	memset(g_tbl, 0, TBL_SIZE);
	memset(g_tw_kind, 0, sizeof(g_tw_kind));
	g_tbl_used = 0;
	for (t = 0; t < NR_GPT; t++) {
		top = tbl_page_addr(g_tbl_used++);
		rc = tbl_region(t, top, region[0][0], WIN_PAGES, TW_LEAF_WIN);
		if (!rc)
			rc = tbl_region(t, top, region[1][0], STABLE_PAGES, TW_LEAF_FIXED);
		if (!rc)
			rc = tbl_region(t, top, region[2][0], TBL_PAGES, TW_LEAF_FIXED);
		if (rc || g_tbl_used == TBL_PAGES)
			return -ENOSPC;
		g_gpt_top[t][0] = top;
		g_gpt_top[t][1] = tbl_page_addr(g_tbl_used++);
		tw_set(tw_index(g_gpt_top[t][1]), top | PTE_DEF, TW_NONLEAF, top);
	}
	for (k = 0; k < TW_KINDS; k++) {
		if (!g_tw_list[k])
			g_tw_list[k] = malloc(TBL_WORDS * sizeof(uint32_t));
		if (!g_tw_list[k])
			return -ENOMEM;
		g_tw_count[k] = 0;
	}
	for (i = 0; i < TBL_WORDS; i++)
		g_tw_list[g_tw_kind[i]][g_tw_count[g_tw_kind[i]]++] = i;
	return 0;
}

/* First table word with a value it may not hold, or -1. */
static long long tables_check(void)
{
	unsigned int i;

	for (i = 0; i < TBL_WORDS; i++)
		if (!tw_ok(i, tw_load(i)))
			return i;
	return -1;
}

/* Is @root the top of a guest table (or, for a bind to data, a window page)? */
static int is_gpt_top(uint64_t root)
{
	unsigned int t;

	for (t = 0; t < NR_GPT; t++)
		if (root == g_gpt_top[t][0] || root == g_gpt_top[t][1])
			return 1;
	return 0;
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

	a.dev_id = pick_dev(w, 0);
	a.node_id = pick_attach_node(w);
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
/*
 * Fill @buf for a DMA of @d->length bytes (whole words) at @d->iova: a
 * write sends words of the shape, a read's buffer is poisoned (one word
 * past the end too).
 */
static void dma_prepare(struct worker *w, struct ioasid_dma *d, uint64_t *buf)
{
	uint64_t words = d->length / 8, i;

	d->buffer = (uintptr_t)buf;
	if (d->flags & IOASID_DMA_WRITE) {
		uint64_t tag = rnd(w) % VOL_TAG;	/* never the volatile pages' */

		for (i = 0; i < words; i++)
			buf[i] = make_word(d->iova + i * 8, tag);
	} else {
		for (i = 0; i <= words; i++)
			buf[i] = POISON;
	}
	d->out_done = ~0ULL;
}

/*
 * After the DMA: out_done fits the result; a read brought only words of
 * the right shape (anything else came from memory no mapping reaches),
 * and wrote nothing into the buffer past out_done.
 */
static void dma_check(struct worker *w, const struct ioasid_dma *d, int rc)
{
	const uint64_t *buf = (const uint64_t *)(uintptr_t)d->buffer;
	int write = d->flags & IOASID_DMA_WRITE;
	uint64_t words = d->length / 8, i;

	if (rc == EBADF)
		return;
	if (rc ? d->out_done >= d->length : d->out_done != d->length) {
		report_fail(w->s->rep, "dma %s of %#llx at %#llx -> %s, out_done %#llx",
			    write ? "write" : "read", (unsigned long long)d->length,
			    (unsigned long long)d->iova, errname(rc),
			    (unsigned long long)d->out_done);
		return;
	}
	if (write)
		return;
	atomic_fetch_add_explicit(&w->s->rep->verified, d->out_done, memory_order_relaxed);
	for (i = 0; i < d->out_done / 8; i++) {
		/* From a volatile page, as filled (through a user-managed node). */
		if (make_word(d->iova + i * 8, VOL_TAG) == buf[i])
			atomic_fetch_add_explicit(&w->s->rep->vol_words, 1, memory_order_relaxed);
		if (!word_ok(buf[i], d->iova + i * 8)) {
			report_fail(w->s->rep, "dma read at %#llx (dev %u pasid %u flags %#x): word %llu is %#llx",
				    (unsigned long long)d->iova, d->dev_id, d->pasid, d->flags,
				    (unsigned long long)i, (unsigned long long)buf[i]);
			return;
		}
	}
	/* Whole words only were asked for, and nothing past out_done is written. */
	for (i = (d->out_done + 7) / 8; i <= words; i++) {
		if (buf[i] != POISON) {
			report_fail(w->s->rep, "dma read of %#llx stopped at %#llx but wrote word %llu",
				    (unsigned long long)d->length,
				    (unsigned long long)d->out_done, (unsigned long long)i);
			return;
		}
	}
}

/* DMA through the window, by any device. */
static void act_dma(struct worker *w, int write)
{
	struct ioasid_dma d = { .size = sizeof(d) };
	uint64_t words = 1 + rndn(w, (rndn(w, 2) ? PAGE : DMA_MAX) / 8);
	int rc;

	d.length = words * 8;
	d.iova = w->s->win + rndn(w, (WIN_SIZE - d.length) / 8 + 1) * 8;
	d.dev_id = pick_dev(w, 1);
	pick_pasid(w, IOASID_DMA_PASID, &d.flags, &d.pasid);
	if (write)
		d.flags |= IOASID_DMA_WRITE;
	dma_prepare(w, &d, w->dma);
	rc = call(w, write ? OP_DMA_WRITE : OP_DMA_READ, IOASID_DMA, &d);
	dma_check(w, &d, rc);
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

/*
 * Whatever the window translates to lies in one of the two buffers
 * (through user-managed nodes too: their leaves at window addresses lead
 * to window or stable pages only).
 */
static int translate_run(struct worker *w, int op, struct ioasid_translate *tp)
{
	struct ioasid_translate t = *tp;
	uint64_t lo, hi;
	int rc;

	t.iova = w->s->win + rndn(w, WIN_SIZE / 8) * 8;
	if (rndn(w, 2))
		t.flags |= IOASID_DMA_WRITE;
	rc = call(w, op, IOASID_TRANSLATE, &t);
	if (rc)
		return rc;
	if (t.out_uaddr >= w->s->stable && t.out_uaddr < w->s->stable + STABLE_SIZE) {
		lo = w->s->stable;
		hi = lo + STABLE_SIZE;
	} else if (is_vol_page(t.out_uaddr)) {
		lo = (uintptr_t)g_vol;
		hi = lo + VOL_SIZE;
	} else {
		lo = w->s->win;
		hi = lo + WIN_SIZE;
	}
	if (t.out_uaddr < lo || t.out_uaddr + t.out_length > hi || !t.out_length ||
	    (t.out_uaddr & 0xfff) != (t.iova & 0xfff) || !t.out_prot ||
	    t.out_prot & ~(RW | IOASID_ACCESS_EXEC) || (t.flags & IOASID_DMA_WRITE && !(t.out_prot & IOASID_MAP_WRITE)))
		report_fail(w->s->rep, "%s of %#llx: uaddr %#llx length %#llx prot %u",
			    op_desc[op].name, (unsigned long long)t.iova,
			    (unsigned long long)t.out_uaddr,
			    (unsigned long long)t.out_length, t.out_prot);
	return 0;
}

static void act_translate(struct worker *w)
{
	struct ioasid_translate t = { .size = sizeof(t) };

	t.dev_id = pick_dev(w, 1);
	pick_pasid(w, IOASID_DMA_PASID, &t.flags, &t.pasid);
	translate_run(w, OP_TRANSLATE, &t);
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

static int alloc_user_bound(struct worker *w, uint32_t parent, uint32_t *id);

/*
 * A parent for a new node of @slot: a root slot's node, the stable root, a
 * child's or a user slot's node: trees of mixed modes, several levels deep.
 */
static uint32_t pick_parent(struct worker *w, unsigned int slot)
{
	unsigned int p = rndn(w, NR_NODES + 1);
	uint32_t parent;

	/*
	 * A user-managed node mostly under the stable root or a root slot:
	 * its tables must be readable through every level above it, which
	 * deep chains seldom are.
	 */
	if (slot >= NR_KNODES && rndn(w, 3))
		p = rndn(w, 2) ? NR_NODES : rndn(w, NR_ROOTS);
	parent = p == NR_NODES ? w->s->sr : atomic_load(&w->s->node[p]);

	return p == slot || !parent ? w->s->sr : parent;
}

/*
 * Destroy a slot's node and put a new one in its place. Two threads may
 * race for a slot: the compare-and-swap decides, and the loser's new node
 * goes again (or stays as an orphan, freed at close, if a stale id of
 * someone else got hold of it meanwhile).
 */
static void act_node_recreate_slot(struct worker *w, unsigned int slot)
{
	uint32_t old = atomic_load(&w->s->node[slot]), parent = 0, id = 0;
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED };
	int rc;

	/*
	 * DESTROY takes any id: a stale device id may have destroyed this
	 * slot's node already (ENOENT). Then the slot is refilled too.
	 */
	if (old && destroy(w, OP_DESTROY_NODE, old) == EBUSY)
		return;
	if (slot >= NR_ROOTS)
		parent = pick_parent(w, slot);
	if (slot >= NR_KNODES) {
		rc = alloc_user_bound(w, parent, &id);
	} else {
		a.parent_id = parent;
		rc = call(w, OP_ALLOC, IOASID_ALLOC, &a);
		if (!rc) {
			id = a.out_id;
			kind_mark(w->s, id, KIND_KERNEL, 0);
		}
	}
	if (rc) {
		/* The slot stays empty (0) until a recreate fills it. */
		atomic_compare_exchange_strong(&w->s->node[slot], &old, 0);
		return;
	}
	if (!atomic_compare_exchange_strong(&w->s->node[slot], &old, id) &&
	    destroy(w, OP_DESTROY_NODE, id))
		atomic_fetch_add(&w->s->orphans, 1);
}

static void act_node_recreate(struct worker *w)
{
	act_node_recreate_slot(w, rndn(w, NR_NODES));
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

	n.id = rndn(w, 4) ? pick_node(w, &child) : pick_user(w);
	if (!call(w, OP_NODE_INFO, IOASID_NODE_INFO, &n) &&
	    (n.out_mapped_bytes % PAGE || !n.out_depth ||
	     n.out_pinned_bytes != (n.out_depth == 1 ? n.out_mapped_bytes : 0)))
		report_fail(w->s->rep, "node_info %u: depth %u mapped %#llx pinned %#llx",
			    n.id, n.out_depth, (unsigned long long)n.out_mapped_bytes,
			    (unsigned long long)n.out_pinned_bytes);
	/*
	 * A user-managed node: a child with no mappings, x86-64, and bound to
	 * what some BIND gave, or unbound with nothing; a kernel-managed one
	 * has none of that.
	 */
	if (n.out_depth && n.out_mode == IOASID_MODE_USER_MANAGED &&
	    (n.out_depth < 2 || !n.out_parent_id || n.out_num_mappings ||
	     n.out_format != IOASID_FORMAT_X86_64 || n.out_flags & ~IOASID_NODE_BOUND ||
	     (n.out_flags ? !is_gpt_top(n.out_root) && !is_data_page(n.out_root) :
			    n.out_root || n.out_bind_flags) ||
	     n.out_bind_flags & ~(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE)))
		report_fail(w->s->rep, "node_info %u (user-managed): depth %u parent %u mappings %llu format %u flags %#x root %#llx bind flags %#x",
			    n.id, n.out_depth, n.out_parent_id,
			    (unsigned long long)n.out_num_mappings, n.out_format, n.out_flags,
			    (unsigned long long)n.out_root, n.out_bind_flags);
	else if (n.out_depth && n.out_mode == IOASID_MODE_KERNEL_MANAGED &&
		 (n.out_format || n.out_flags || n.out_root || n.out_bind_flags))
		report_fail(w->s->rep, "node_info %u (kernel-managed): format %u flags %#x root %#llx",
			    n.id, n.out_format, n.out_flags, (unsigned long long)n.out_root);
	else if (n.out_depth && n.out_mode != IOASID_MODE_USER_MANAGED &&
		 n.out_mode != IOASID_MODE_KERNEL_MANAGED)
		report_fail(w->s->rep, "node_info %u: mode %u", n.id, n.out_mode);

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

/* User-managed nodes ------------------------------------------------------- */

/* This process's workers, whose DMA in flight the race counts look at. */
static struct worker *g_ws;
static unsigned int g_nws;

struct flight {
	uint64_t v[MAX_THREADS];
};

static void flight_snap(struct flight *f)
{
	unsigned int i;

	for (i = 0; i < g_nws; i++)
		f->v[i] = atomic_load(&g_ws[i].flight);
}

/*
 * Was one and the same DMA through a user-managed node in flight at
 * flight_snap() and still now; through one of @ids (any when @n is 0)?
 */
static int flight_spanned(const struct flight *f, const uint32_t *ids, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < g_nws; i++) {
		if (!(uint32_t)f->v[i] || atomic_load(&g_ws[i].flight) != f->v[i])
			continue;
		if (!n)
			return 1;
		for (j = 0; j < n; j++)
			if (ids[j] == (uint32_t)f->v[i])
				return 1;
	}
	return 0;
}

/* The 4- or 5-level top of a random tree for node @id (levels as allocated). */
static uint64_t pick_gpt_root(struct worker *w, uint32_t id)
{
	unsigned int levels = id < ID_TRACK ? atomic_load(&w->s->id_levels[id]) : 0;

	if (levels != 4 && levels != 5)
		levels = 4 + rndn(w, 2);
	return g_gpt_top[rndn(w, NR_GPT)][levels == 5];
}

static uint32_t pick_bind_flags(struct worker *w)
{
	static const uint32_t f[3] = { 0, IOASID_BIND_X86_SRE,
				       IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE };

	return f[rndn(w, 3)];
}

/*
 * BIND (to a tree, or now and then to a window page: words of the shape
 * are never present entries) or UNBIND; a user slot mostly, a kernel one
 * (EINVAL) now and then.
 */
static void act_bind(struct worker *w)
{
	struct ioasid_bind b = { .size = sizeof(b) };
	struct flight f;
	int op = rndn(w, 8) ? OP_BIND : OP_UNBIND;

	b.id = rndn(w, 10) ? pick_user(w) : atomic_load(&w->s->node[rndn(w, NR_KNODES)]);
	if (op == OP_BIND) {
		b.flags = pick_bind_flags(w);
		b.root = rndn(w, 16) ? pick_gpt_root(w, b.id) : win_range(w, 1);
	}
	flight_snap(&f);
	if (!call(w, op, op == OP_BIND ? IOASID_BIND : IOASID_UNBIND, &b) &&
	    flight_spanned(&f, &b.id, 1))
		atomic_fetch_add(&w->s->rep->race_bind, 1);
}

/* Allocate a user-managed node (x86-64, 4 or 5 levels, A/D or not) under @parent. */
static int alloc_user(struct worker *w, uint32_t parent, uint32_t *id)
{
	struct ioasid_format_x86_64 f = {
		.hdr = { .size = sizeof(f), .format = IOASID_FORMAT_X86_64 },
		.flags = rndn(w, 2) ? IOASID_X86_64_AD_UPDATE : 0,
		.levels = 4 + rndn(w, 2),
		/* Every address here is below 2^47. */
		.phys_bits = 47 + rndn(w, 6),
		.pgsize_bitmap = rndn(w, 2) ? 0 : PAGE,
	};
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
				  .parent_id = parent, .format = (uintptr_t)&f,
				  .format_len = sizeof(f) };
	int rc = call(w, OP_ALLOC_USER, IOASID_ALLOC, &a);

	if (!rc) {
		kind_mark(w->s, a.out_id, KIND_USER, f.levels);
		*id = a.out_id;
	}
	return rc;
}

/* ... bound right away (before anyone else knows it), mostly. */
static int alloc_user_bound(struct worker *w, uint32_t parent, uint32_t *id)
{
	int rc = alloc_user(w, parent, id);

	if (!rc && rndn(w, 8)) {
		struct ioasid_bind b = { .size = sizeof(b), .id = *id,
			.flags = pick_bind_flags(w), .root = pick_gpt_root(w, *id) };

		call(w, OP_BIND, IOASID_BIND, &b);
	}
	return rc;
}

/*
 * Guest table edits without INVALIDATE: present or not, repointed (a
 * window leaf), RW/US/XD set or cleared, A/D cleared; by compare-and-
 * exchange against the walker's A/D updates. The value replaced must be
 * one the word may hold.
 */
static void act_pte_edit(struct worker *w)
{
	unsigned int r = rndn(w, 20), kind = r < 16 ? TW_LEAF_WIN : r < 19 ? TW_LEAF_FIXED : TW_NONLEAF;
	unsigned int i = g_tw_list[kind][rndn(w, g_tw_count[kind])];
	uint64_t old = tw_load(i), new, bit, page;
	struct flight f;

	flight_snap(&f);
	do {
		if (!tw_ok(i, old)) {
			report_fail(w->s->rep, "table word %u (page %u, kind %u) is %#llx",
				    i, i / 512, kind, (unsigned long long)old);
			return;
		}
		new = old;
		switch (rndn(w, 8)) {
		case 0: case 1:
			bit = PTE_P;
			break;
		case 2:
			bit = PTE_RW;
			break;
		case 3:
			bit = PTE_US;
			break;
		case 4:		/* XD set once in four */
			new = rndn(w, 4) ? new & ~PTE_XD : new | PTE_XD;
			bit = 0;
			break;
		case 5: case 6:
			if (kind == TW_LEAF_WIN) {
				r = rndn(w, 8);
				page = r < 4 ? (uintptr_t)g_win + rndn(w, WIN_PAGES) * PAGE :
				       r < 5 ? (uintptr_t)g_stable + rndn(w, STABLE_PAGES) * PAGE :
					       (uintptr_t)g_vol + rndn(w, VOL_PAGES) * PAGE;
				new = (new & ~(PTE_ADDR | PTE_A | PTE_D)) | page | PTE_P;
			}
			bit = 0;
			break;
		default:
			new &= ~(PTE_A | PTE_D);
			bit = 0;
			break;
		}
		/* Mostly set: a walk needs P, and US, at every level. */
		if (bit)
			new = rndn(w, 8) ? new | bit : new & ~bit;
	} while (!__atomic_compare_exchange_n(&g_tbl[i], &old, new, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	atomic_fetch_add_explicit(&w->s->rep->calls[OP_PTE_EDIT][0], 1, memory_order_relaxed);
	if (flight_spanned(&f, NULL, 0))
		atomic_fetch_add(&w->s->rep->race_edit, 1);
}

/* One invalidation of a random scope; mostly of a user slot's node. */
static void inv_entry(struct worker *w, struct ioasid_inv_entry *e)
{
	static const uint64_t granules[4] = { PAGE, PAGE, 2ULL << 20, 1ULL << 30 };
	uint64_t g;

	memset(e, 0, sizeof(*e));
	e->node_id = rndn(w, 16) ? pick_user(w) : atomic_load(&w->s->node[rndn(w, NR_KNODES)]);
	switch (rndn(w, 8)) {
	case 0:			/* the whole node */
		return;
	case 1:
		e->scope = IOASID_INV_SCOPE_PASID;
		e->pasid = rndn(w, NR_PASIDS + 1);
		return;
	case 2:
		e->flags = IOASID_INV_NO_PASID;
		return;
	case 3:
		e->scope = IOASID_INV_SCOPE_PASID;
		e->pasid = rndn(w, NR_PASIDS + 1);
		break;
	case 4:
		e->flags = IOASID_INV_NO_PASID;
		break;
	default:		/* 5-7: a range for every PASID */
		break;
	}
	e->scope |= IOASID_INV_SCOPE_ADDR;
	if (rndn(w, 2))
		e->flags |= IOASID_INV_LEAF;
	if (!rndn(w, 16)) {	/* everything below 2^47 */
		e->granule = 1ULL << 30;
		e->addr = 0;
		e->size = 1ULL << 47;
		return;
	}
	g = granules[rndn(w, 4)];
	e->granule = g;
	e->addr = (w->s->win + rndn(w, WIN_SIZE)) & ~(g - 1);
	e->size = g * (1 + rndn(w, g == PAGE ? 16 : 2));
}

/* INVALIDATE of 1 to 8 entries. */
static void act_invalidate(struct worker *w)
{
	struct ioasid_inv_entry e[8];
	struct ioasid_invalidate inv = { .size = sizeof(inv), .entry_size = sizeof(e[0]),
					 .entries = (uintptr_t)e };
	uint32_t ids[8];
	unsigned int i;
	struct flight f;
	int rc;

	inv.count = 1 + rndn(w, 8);
	for (i = 0; i < inv.count; i++) {
		inv_entry(w, &e[i]);
		ids[i] = e[i].node_id;
	}
	inv.out_done = ~0u;
	flight_snap(&f);
	rc = call(w, OP_INVALIDATE, IOASID_INVALIDATE, &inv);
	if (rc == EBADF)
		return;
	if (rc ? inv.out_done >= inv.count : inv.out_done != inv.count) {
		report_fail(w->s->rep, "invalidate of %u -> %s, out_done %u", inv.count,
			    errname(rc), inv.out_done);
		return;
	}
	if (inv.out_done && flight_spanned(&f, ids, inv.out_done))
		atomic_fetch_add(&w->s->rep->race_inv, 1);
}

/*
 * A node for table work: the stable root (unless its table mappings must
 * stay: sigkill), a root or child slot, a user slot (EINVAL) one time in 16.
 */
static uint32_t pick_tbl_node(struct worker *w)
{
	if (!rndn(w, 16))
		return pick_user(w);
	if (!w->s->sr_tables_fixed && !rndn(w, 4))
		return w->s->sr;
	return atomic_load(&w->s->node[rndn(w, NR_KNODES)]);
}

/*
 * UNMAP of the mappings in 1 to 4 table pages of a node, or MAP of 16 table
 * pages, one mapping each (read-only one time in eight: A/D updates fault
 * there), at their own addresses: mostly mapped, so that walks get through
 * and meet the UNMAPs.
 */
static void act_tbl(struct worker *w)
{
	unsigned int npages = 1 + rndn(w, 4), i;
	struct flight f;
	uint64_t iova;

	if (rndn(w, 2)) {
		struct ioasid_map m = { .size = sizeof(m), .length = PAGE };
		unsigned int first = rndn(w, g_tbl_used);

		m.id = pick_tbl_node(w);
		for (i = 0; i < 16; i++) {
			m.addr = m.iova = tbl_page_addr((first + i) % g_tbl_used);
			m.flags = FIXED | (rndn(w, 8) ? RW : IOASID_MAP_READ);
			if (call(w, OP_TBL_MAP, IOASID_MAP, &m) == EBADF)
				return;
		}
	} else {
		struct ioasid_unmap u = { .size = sizeof(u) };

		iova = tbl_page_addr(rndn(w, g_tbl_used - npages + 1));
		u.iova = iova;
		u.length = npages * PAGE;
		u.id = pick_tbl_node(w);
		flight_snap(&f);
		if (!call(w, OP_TBL_UNMAP, IOASID_UNMAP, &u) && flight_spanned(&f, NULL, 0))
			atomic_fetch_add(&w->s->rep->race_tbl_unmap, 1);
	}
}

/*
 * MAP of a volatile page at its own address in a root (the stable root
 * too), or UNMAP of one and then MADV_DONTNEED: once no root maps it
 * either, the page is freed. Guest leaves point at them now and then, so
 * a translation cached through a user-managed node that outlived the
 * UNMAP reads a freed page (anything) instead of zeros or words of the
 * shape, which is all these pages ever hold.
 */
static pthread_mutex_t g_vol_lock[VOL_PAGES];

/*
 * After its UNMAP, a volatile page is dropped and written to at once: the
 * process gets a new zeroed page, most likely the very one just freed.
 * A translation that survived the UNMAP then reads zeros.
 */
static void vol_drop(uint64_t *page)
{
	madvise(page, PAGE, MADV_DONTNEED);
	__atomic_store_n(&page[0], 0, __ATOMIC_RELAXED);
}

/* MAP (filled first) or UNMAP of volatile page @v in a root. */
static void vol_op(struct worker *w, unsigned int v, int map)
{
	uint64_t va = (uintptr_t)g_vol + v * PAGE;
	uint64_t *page = (uint64_t *)(uintptr_t)va;
	struct flight f;
	unsigned int i;

	/* Filled and pinned, or unpinned and dropped: never half of one. */
	pthread_mutex_lock(&g_vol_lock[v]);
	if (map) {
		struct ioasid_map m = { .size = sizeof(m), .flags = RW | FIXED,
					.addr = va, .iova = va, .length = PAGE };

		for (i = 0; i < PAGE / 8; i++)
			__atomic_store_n(&page[i], make_word(va + i * 8, VOL_TAG),
					 __ATOMIC_RELAXED);
		m.id = rndn(w, 2) ? w->s->sr : pick_root(w);
		call(w, OP_VOL_MAP, IOASID_MAP, &m);
	} else {
		struct ioasid_unmap u = { .size = sizeof(u), .iova = va, .length = PAGE };

		u.id = rndn(w, 2) ? w->s->sr : pick_root(w);
		flight_snap(&f);
		if (!call(w, OP_VOL_UNMAP, IOASID_UNMAP, &u)) {
			if (flight_spanned(&f, NULL, 0))
				atomic_fetch_add(&w->s->rep->race_vol_unmap, 1);
			vol_drop(page);
		}
	}
	pthread_mutex_unlock(&g_vol_lock[v]);
}

/* UNMAP of volatile page @v from every root; 1 if one mapped it. */
static int vol_unmap_all(struct worker *w, unsigned int v)
{
	uint64_t va = (uintptr_t)g_vol + v * PAGE;
	struct ioasid_unmap u = { .size = sizeof(u), .iova = va, .length = PAGE };
	unsigned int i, done = 0;

	pthread_mutex_lock(&g_vol_lock[v]);
	for (i = 0; i <= NR_ROOTS; i++) {
		u.id = i == NR_ROOTS ? w->s->sr : atomic_load(&w->s->node[i]);
		done += !call(w, OP_VOL_UNMAP, IOASID_UNMAP, &u);
	}
	if (done)
		vol_drop((uint64_t *)(uintptr_t)va);
	pthread_mutex_unlock(&g_vol_lock[v]);
	return done > 0;
}

static void act_vol(struct worker *w)
{
	vol_op(w, rndn(w, VOL_PAGES), rndn(w, 2));
}

/* The user-managed node DMA through @node goes through: itself or its parent. */
static uint32_t user_of(struct worker *w, uint32_t node)
{
	struct ioasid_node_info n = { .size = sizeof(n), .id = node };

	if (call(w, OP_NODE_INFO, IOASID_NODE_INFO, &n))
		return 0;
	if (n.out_mode == IOASID_MODE_USER_MANAGED)
		return node;
	if (!n.out_parent_id)
		return 0;
	n = (struct ioasid_node_info){ .size = sizeof(n), .id = n.out_parent_id };
	if (call(w, OP_NODE_INFO, IOASID_NODE_INFO, &n))
		return 0;
	return n.out_mode == IOASID_MODE_USER_MANAGED ? n.id : 0;
}

/* After EIO through the worker's device: why (DEVICE_INFO), counted. */
static void udev_fault(struct worker *w)
{
	struct ioasid_device_info d = { .size = sizeof(d), .dev_id = w->udev };

	if (ioctl(w->s->fd, IOASID_DEVICE_INFO, &d))
		return;
	if (d.out_last_fault_reason < IOASID_FAULT_NOT_ATTACHED ||
	    d.out_last_fault_reason > IOASID_FAULT_WALK_LIMIT)
		report_fail(w->s->rep, "device %u: EIO, but last fault reason %u",
			    w->udev, d.out_last_fault_reason);
	else
		atomic_fetch_add(&w->s->rep->um_fault[d.out_last_fault_reason], 1);
}

static void udev_forget(struct worker *w)
{
	w->udev = 0;
	memset(w->uatt, 0, sizeof(w->uatt));
}

/*
 * Attach the worker's own device (for a PASID, or none) to a user slot's
 * node, or to a child slot's node (below a user-managed node when that
 * slot was made there); REPLACE when attached; DETACH one time in four.
 */
static void act_um_attach(struct worker *w)
{
	struct ioasid_attach a = { .size = sizeof(a) };
	unsigned int p = rndn(w, NR_PASIDS + 1);
	int rc;

	if (!w->udev) {
		struct ioasid_device_create c = { .size = sizeof(c),
			.flags = IOASID_DEVICE_PASID, .pasid_bits = PASID_BITS };

		if (call(w, OP_DEV_CREATE, IOASID_DEVICE_CREATE, &c))
			return;
		udev_forget(w);
		w->udev = c.out_id;
	}
	a.dev_id = w->udev;
	a.flags = p ? IOASID_ATTACH_PASID : 0;
	a.pasid = p;
	if (w->uatt[p].node && !rndn(w, 4)) {
		w->uatt[p].node = w->uatt[p].user = 0;
		call(w, OP_UM_DETACH, IOASID_DETACH, &a);
		return;
	}
	a.node_id = rndn(w, 6) ? pick_user(w) :
		    atomic_load(&w->s->node[NR_ROOTS + rndn(w, NR_CHILDREN)]);
	if (w->uatt[p].node)
		a.flags |= IOASID_ATTACH_REPLACE;
	rc = call(w, OP_UM_ATTACH, IOASID_ATTACH, &a);
	if (!rc) {
		/* The attachment holds the node, and the node its parent. */
		w->uatt[p].node = a.node_id;
		w->uatt[p].user = user_of(w, a.node_id);
	} else if (rc == EBUSY) {
		w->uatt[p].node = ~0u;	/* attached, who knows where: REPLACE next */
		w->uatt[p].user = 0;
	} else if (rc == ENOENT) {
		struct ioasid_device_info d = { .size = sizeof(d), .dev_id = w->udev };

		/* The device gone (a stale id destroyed it), or nothing to replace? */
		if (ioctl(w->s->fd, IOASID_DEVICE_INFO, &d) && errno == ENOENT)
			udev_forget(w);
		else if (a.flags & IOASID_ATTACH_REPLACE)
			w->uatt[p].node = w->uatt[p].user = 0;
	}
}

/* A PASID (0: none) the worker's device is attached for, or -1. */
static int udev_pasid(struct worker *w)
{
	unsigned int i, p = rndn(w, NR_PASIDS + 1);

	for (i = 0; i <= NR_PASIDS; i++, p = (p + 1) % (NR_PASIDS + 1))
		if (w->uatt[p].node)
			return p;
	return -1;
}

/*
 * DMA through the worker's device, attached to a user-managed node or
 * below one: up to the whole window in one call, so that INVALIDATE, BIND,
 * table edits and UNMAPs of table pages meet it in flight. The same data
 * check as every window DMA; reads are also privileged (SRE binds serve
 * them) or instruction fetches (XD) now and then.
 */
static void act_um_dma(struct worker *w, int write)
{
	static const uint64_t max_len[4] = { PAGE, PAGE, 8 * PAGE, WIN_SIZE };
	struct ioasid_dma d0 = { .size = sizeof(d0) }, d;
	int p = udev_pasid(w), rc;
	unsigned int n;

	if (!w->udev || p < 0)
		return act_um_attach(w);
	d0.dev_id = w->udev;
	if (p) {
		d0.flags = IOASID_DMA_PASID;
		d0.pasid = p;
	}
	if (!write && rndn(w, 2)) {
		/*
		 * The stable buffer's addresses: every tree maps them 1:1,
		 * and the stable root maps them for good: walks through a
		 * node under it get through (and are cached) unless a table
		 * page is unmapped or an entry edited meanwhile.
		 */
		d0.length = 8 * (1 + rndn(w, (rndn(w, 2) ? PAGE : STABLE_SIZE) / 8));
		d0.iova = w->s->stable + rndn(w, (STABLE_SIZE - d0.length) / 8 + 1) * 8;
	} else {
		d0.length = 8 * (1 + rndn(w, max_len[rndn(w, 4)] / 8));
		d0.iova = w->s->win + rndn(w, (WIN_SIZE - d0.length) / 8 + 1) * 8;
	}
	if (write)
		d0.flags |= IOASID_DMA_WRITE;
	else if (!rndn(w, 8))
		d0.flags |= IOASID_DMA_EXEC;
	if (!rndn(w, 8))
		d0.flags |= IOASID_DMA_PRIV;
	/*
	 * 1 to 4 times over the same range: the later ones meet the IOTLB.
	 * In between, now and then, the volatile page that the range's first
	 * page translates to (TRANSLATE, cached as DMA is) is unmapped from
	 * every root, and freed: nothing cached of it may be used any more
	 * (reading it would bring zeros, see vol_drop()).
	 */
	for (n = 1 + rndn(w, 4); n; n--) {
		if (n > 1 && !rndn(w, 2)) {
			struct ioasid_translate t = { .size = sizeof(t), .dev_id = d0.dev_id,
				.flags = d0.flags & IOASID_DMA_PASID, .pasid = d0.pasid,
				.iova = d0.iova };

			if (!call(w, OP_UM_TRANSLATE, IOASID_TRANSLATE, &t) &&
			    is_vol_page(t.out_uaddr) &&
			    vol_unmap_all(w, (t.out_uaddr - (uintptr_t)g_vol) / PAGE))
				atomic_fetch_add(&w->s->rep->vol_freed_cached, 1);
		}
		d = d0;
		dma_prepare(w, &d, w->um_buf);
		if (w->uatt[p].user)
			atomic_store(&w->flight,
				     (uint64_t)++w->flight_seq << 32 | w->uatt[p].user);
		rc = call(w, write ? OP_UM_DMA_WRITE : OP_UM_DMA_READ, IOASID_DMA, &d);
		atomic_store(&w->flight, 0);
		if (rc == ENOENT)	/* the device is gone: a stale id destroyed it */
			udev_forget(w);
		if (rc == EIO)
			udev_fault(w);
		if ((!rc || rc == EIO) && d.out_done <= d.length)
			atomic_fetch_add(write ? &w->s->rep->um_written : &w->s->rep->um_read,
					 d.out_done);
		dma_check(w, &d, rc);
		if (rc && rc != EIO)
			return;
	}
}

static void act_um_translate(struct worker *w)
{
	struct ioasid_translate t = { .size = sizeof(t) };
	int p = udev_pasid(w);

	if (!w->udev || p < 0)
		return act_um_attach(w);
	t.dev_id = w->udev;
	if (p) {
		t.flags = IOASID_DMA_PASID;
		t.pasid = p;
	}
	if (translate_run(w, OP_UM_TRANSLATE, &t) == EIO)
		udev_fault(w);
}

/*
 * A new user-managed node in a user slot. The old one is mostly still in
 * use (attached, with children), and DESTROY would fail: then it is
 * retired, to be destroyed by a later turn, once its users have moved on.
 */
static void act_um_recreate(struct worker *w)
{
	unsigned int r = rndn(w, NR_RETIRED), slot = NR_KNODES + rndn(w, NR_USER);
	uint32_t ret = atomic_load(&w->s->retired[r]), old, id, zero = 0;

	if (ret && destroy(w, OP_DESTROY_NODE, ret) != EBUSY)
		atomic_compare_exchange_strong(&w->s->retired[r], &ret, 0);
	if (atomic_load(&w->s->retired[r]))
		return act_node_recreate_slot(w, slot);
	old = atomic_load(&w->s->node[slot]);
	if (alloc_user_bound(w, pick_parent(w, slot), &id))
		return;
	if (!atomic_compare_exchange_strong(&w->s->node[slot], &old, id)) {
		if (destroy(w, OP_DESTROY_NODE, id))
			atomic_fetch_add(&w->s->orphans, 1);
		return;
	}
	if (old && destroy(w, OP_DESTROY_NODE, old) == EBUSY &&
	    !atomic_compare_exchange_strong(&w->s->retired[r], &zero, old))
		atomic_fetch_add(&w->s->orphans, 1);
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
	case A_UM_RECREATE: return act_um_recreate(w);
	case A_BIND: return act_bind(w);
	case A_INVALIDATE: return act_invalidate(w);
	case A_PTE_EDIT: return act_pte_edit(w);
	case A_UM_ATTACH: return act_um_attach(w);
	case A_UM_DMA_READ: return act_um_dma(w, 0);
	case A_UM_DMA_WRITE: return act_um_dma(w, 1);
	case A_UM_TRANSLATE: return act_um_translate(w);
	case A_TBL: return act_tbl(w);
	case A_VOL: return act_vol(w);
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
	if (w->udev) {
		/* What the IOTLB did for the worker's (last) own device. */
		struct ioasid_device_info d = { .size = sizeof(d), .dev_id = w->udev };

		if (!ioctl(s->fd, IOASID_DEVICE_INFO, &d)) {
			atomic_fetch_add(&s->rep->um_hits, d.out_iotlb_hits);
			atomic_fetch_add(&s->rep->um_misses, d.out_iotlb_misses);
		}
	}
	return NULL;
}

/* Setting up and running -------------------------------------------------- */

/* The two buffers every window mapping is made of; the same for every part. */

static int buffers_init(void)
{
	uint64_t i;

	if (!g_win) {
		g_win = ioasid_map_aligned(WIN_SIZE, WIN_SIZE);
		g_stable = ioasid_map_aligned(STABLE_SIZE, PAGE);
		g_zero = mmap(NULL, BIG_DMA_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* Shared: the table edits of forked processes land in the same pages. */
		g_tbl = mmap(NULL, TBL_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		g_vol = ioasid_map_aligned(VOL_SIZE, PAGE);
		for (i = 0; i < VOL_PAGES; i++)
			pthread_mutex_init(&g_vol_lock[i], NULL);
		if (!g_win || !g_stable || g_zero == MAP_FAILED || g_tbl == MAP_FAILED ||
		    !g_vol)
			return -ENOMEM;
		for (i = 0; i < STABLE_SIZE / 8; i++)
			g_stable[i] = stable_word((uintptr_t)&g_stable[i]);
		if (mprotect(g_stable, STABLE_SIZE, PROT_READ))
			return -errno;
	}
	for (i = 0; i < WIN_SIZE / 8; i++)
		g_win[i] = make_word((uintptr_t)&g_win[i], i);
	return tables_build();
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

/* Map every table page, one mapping each, at its own address in @id. */
static int tables_map(struct stress *s, uint32_t id)
{
	struct ioasid_map m = { .size = sizeof(m), .flags = RW | FIXED, .id = id,
				.length = PAGE };
	unsigned int i;
	int rc;

	for (i = 0; i < g_tbl_used; i++) {
		m.addr = m.iova = tbl_page_addr(i);
		rc = raw(s->fd, IOASID_MAP, &m);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Fill the context behind @s->fd: the stable root with the stable buffer
 * mapped read-only at its own addresses, the stable device attached to it
 * (neither is ever touched by a worker, so DMA through them must always
 * work), and the slots: roots, children (of the roots), user-managed nodes
 * (under the stable root, under child 3, under the first user-managed
 * one), bound to the three trees, whose pages the stable root and the
 * children map.
 */
static int ctx_populate(struct stress *s)
{
	static const struct { uint32_t parent_slot, levels, flags; } um[NR_USER] = {
		{ NR_NODES, 4, IOASID_X86_64_AD_UPDATE },
		{ NR_ROOTS, 5, 0 },
		{ NR_KNODES, 4, IOASID_X86_64_AD_UPDATE },
	};
	struct ioasid_format_x86_64 f = {
		.hdr = { .size = sizeof(f), .format = IOASID_FORMAT_X86_64 },
		.phys_bits = 48,
	};
	struct ioasid_bind b = { .size = sizeof(b) };
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
	kind_mark(s, s->sr, KIND_KERNEL, 0);
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
	for (i = 0; i < NR_KNODES; i++) {
		a.parent_id = i < NR_ROOTS ? 0 : atomic_load(&s->node[i - NR_ROOTS]);
		rc = raw(s->fd, IOASID_ALLOC, &a);
		if (rc)
			return rc;
		atomic_store(&s->node[i], a.out_id);
		kind_mark(s, a.out_id, KIND_KERNEL, 0);
	}
	/*
	 * Not in the root slots: what this process maps there it pays for,
	 * and sigkill's check that it pays the same all along would not hold
	 * once workers unmap it. The stable root's stay in sigkill's shared
	 * context (sr_tables_fixed); the children's lead nowhere until A_TBL
	 * maps the pages in their roots.
	 */
	rc = tables_map(s, s->sr);
	for (i = NR_ROOTS; i < NR_KNODES && !rc; i++)
		rc = tables_map(s, atomic_load(&s->node[i]));
	if (rc)
		return rc;
	for (i = 0; i < NR_USER; i++) {
		a = (struct ioasid_alloc){ .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
			.format = (uintptr_t)&f, .format_len = sizeof(f) };
		a.parent_id = um[i].parent_slot == NR_NODES ? s->sr :
			      atomic_load(&s->node[um[i].parent_slot]);
		f.levels = um[i].levels;
		f.flags = um[i].flags;
		rc = raw(s->fd, IOASID_ALLOC, &a);
		if (rc)
			return rc;
		atomic_store(&s->node[NR_KNODES + i], a.out_id);
		kind_mark(s, a.out_id, KIND_USER, f.levels);
		b.id = a.out_id;
		b.root = g_gpt_top[i][f.levels == 5];
		rc = raw(s->fd, IOASID_BIND, &b);
		if (rc)
			return rc;
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
		w->um_buf = malloc(WIN_SIZE + 8);
		w->big = ioasid_map_aligned(s->big_len, PAGE);
		w->big_scratch = ioasid_map_aligned(BIG_DMA_MAX, PAGE);
		if (!w->dma || !w->um_buf || !w->big || !w->big_scratch)
			return -ENOMEM;
		w->barrier = &barrier;
		w->mix = s->mix2 && i >= n / 2 ? s->mix2 : s->mix;
	}
	g_ws = ws;
	g_nws = n;
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

	g_nws = 0;
	for (i = 0; i < n; i++) {
		free(ws[i].dma);
		free(ws[i].um_buf);
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

static const char *const fault_names[IOASID_FAULT_WALK_LIMIT + 1] = {
	[IOASID_FAULT_NOT_ATTACHED] = "not_attached", [IOASID_FAULT_NOT_MAPPED] = "not_mapped",
	[IOASID_FAULT_PERMISSION] = "permission", [IOASID_FAULT_NOT_BOUND] = "not_bound",
	[IOASID_FAULT_NOT_PRESENT] = "not_present", [IOASID_FAULT_RESERVED] = "reserved",
	[IOASID_FAULT_NON_CANONICAL] = "non_canonical", [IOASID_FAULT_TABLE] = "table",
	[IOASID_FAULT_AD_UPDATE] = "ad_update", [IOASID_FAULT_WALK_LIMIT] = "walk_limit",
};

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
	ksft_print_msg("  through the workers' own devices (user-managed nodes): %llu KiB read and checked, %llu KiB written; %llu words read from volatile pages, %llu freed right after a TRANSLATE reached them\n",
		       (unsigned long long)rep->um_read >> 10,
		       (unsigned long long)rep->um_written >> 10,
		       (unsigned long long)rep->vol_words,
		       (unsigned long long)rep->vol_freed_cached);
	ksft_print_msg("  IOTLB of the workers' own devices (the last of each): %llu hits, %llu misses\n",
		       (unsigned long long)rep->um_hits, (unsigned long long)rep->um_misses);
	ksft_print_msg("  while a DMA through a user-managed node was in flight: %llu INVALIDATE, %llu BIND/UNBIND of its node, %llu UNMAP of table pages, %llu of volatile pages, %llu table edits\n",
		       (unsigned long long)rep->race_inv, (unsigned long long)rep->race_bind,
		       (unsigned long long)rep->race_tbl_unmap,
		       (unsigned long long)rep->race_vol_unmap,
		       (unsigned long long)rep->race_edit);
	len = snprintf(line, sizeof(line), "  faults through user-managed nodes:");
	for (e = IOASID_FAULT_NOT_ATTACHED; e <= IOASID_FAULT_WALK_LIMIT; e++)
		len += snprintf(line + len, sizeof(line) - len, " %s %llu", fault_names[e],
				(unsigned long long)rep->um_fault[e]);
	ksft_print_msg("%s\n", line);
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
	/* Guest tables hold only what the test and the walker's A/D wrote. */
	bad = tables_check();
	EXPECT_EQ(-1, bad) TH_LOG("table word %lld (page %lld, kind %u) at %p is %#llx",
				  bad, bad / 512, g_tw_kind[bad], (void *)&g_tbl[bad],
				  (unsigned long long)g_tbl[bad]);
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

/* Every operation ops_run() checks succeeded at least once. */
static bool ops_all_ran(struct report *rep)
{
	static const int ops[] = {
		OP_MAP, OP_UNMAP, OP_DMA_READ, OP_DMA_WRITE, OP_TRANSLATE,
		OP_ALLOC_USER, OP_BIND, OP_INVALIDATE, OP_UM_DMA_READ,
		OP_UM_DMA_WRITE, OP_TBL_UNMAP,
	};
	unsigned long long ok;
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		op_total(rep, ops[i], &ok);
		if (!ok)
			return false;
	}
	return rep->um_read && rep->um_hits && rep->race_inv && rep->race_tbl_unmap;
}

/* A reader of the debugfs view ------------------------------------------- */

/*
 * One more thread reads the module's debugfs view of every context
 * (/sys/kernel/debug/ioasid/contexts, root only) over and over while the
 * workers run, with reads of several sizes, so that lockdep and KASAN see
 * it race with every ioctl, with objects coming and going and with the
 * context's release. It opens the file once, before the workers start, and
 * rereads it from offset 0: close_mid_ioctl needs no file opened while its
 * workers run. Each read must be the view's format; nothing else is
 * checked (it is no snapshot). Without the view (not root, no debugfs) it
 * does nothing.
 */
#define VIEW_PATH	"/sys/kernel/debug/ioasid/contexts"
#define VIEW_BUF	(1 << 20)

struct view_reader {
	pthread_t th;
	int fd;
	_Atomic int stop;
	unsigned long reads;
	unsigned long bad;
	char why[160];
};

/* Whether @buf (@len bytes, complete lines) is the view's format. */
static bool view_ok(const char *buf, size_t len, char *why, size_t whylen)
{
	static const char *const kinds[] = { "ctx ", "node ", "map ", "dev ", "att ", "end " };
	const char *line = buf, *nl;
	unsigned int k;

	if (len < 10 || memcmp(buf, "version 1\n", 10)) {
		snprintf(why, whylen, "starts with '%.20s'", buf);
		return false;
	}
	for (line = buf + 10; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', buf + len - line);
		if (!nl) {
			snprintf(why, whylen, "unterminated line '%.60s'", line);
			return false;
		}
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strncmp(line, kinds[k], strlen(kinds[k])))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0])) {
			snprintf(why, whylen, "line '%.60s'", line);
			return false;
		}
	}
	return true;
}

static void *view_reader_main(void *arg)
{
	static const size_t sizes[] = { 65536, 4096, 333 };
	struct view_reader *r = arg;
	char *buf = malloc(VIEW_BUF + 65536);
	size_t len, chunk;
	bool whole;
	ssize_t n;

	while (buf && !atomic_load(&r->stop)) {
		chunk = sizes[r->reads % (sizeof(sizes) / sizeof(sizes[0]))];
		if (lseek(r->fd, 0, SEEK_SET)) {
			snprintf(r->why, sizeof(r->why), "lseek: %s", strerror(errno));
			r->bad++;
			break;
		}
		/* Past VIEW_BUF, read on but check nothing. */
		len = 0;
		whole = true;
		while ((n = read(r->fd, buf + len, chunk)) > 0) {
			len += n;
			if (len > VIEW_BUF) {
				len = 0;
				whole = false;
			}
		}
		if (n < 0) {
			if (!r->bad++)
				snprintf(r->why, sizeof(r->why), "read: %s", strerror(errno));
		} else if (whole && !view_ok(buf, len, r->why, sizeof(r->why))) {
			r->bad++;
		}
		r->reads++;
	}
	free(buf);
	return NULL;
}

/* Start @r; false (and nothing started) without a readable view. */
static bool view_reader_start(struct view_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = open(VIEW_PATH, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return false;
	if (pthread_create(&r->th, NULL, view_reader_main, r)) {
		close(r->fd);
		return false;
	}
	return true;
}

static void view_reader_stop(struct __test_metadata *_metadata,
			     struct view_reader *r, bool started)
{
	if (!started)
		return;
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
	close(r->fd);
	EXPECT_LT(0, r->reads);
	EXPECT_EQ(0, r->bad) TH_LOG("debugfs view: %s", r->why);
	ksft_print_msg("debugfs view read %lu times meanwhile\n", r->reads);
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
	unsigned int round;
	int stuck;

	ASSERT_NE(NULL, s);
	if (!ctx_open(_metadata, s, mode))
		return;
	/*
	 * The mix is random: on a slow kernel a short run can miss a rare
	 * success (a write through a user-managed node) by chance. Run again,
	 * up to 3 more times, until every check below has something to check.
	 */
	for (round = 0;; round++) {
		struct view_reader reader;
		bool reading = view_reader_start(&reader);

		ASSERT_EQ(0, workers_start(s, ws, MAX_THREADS, duration));

		/* Meanwhile: who pays. PROCESS charges this process, USER never does. */
		while (now_ns() < s->deadline) {
			usleep(100000);
			v = ioasid_vmlck_kb();
			if (v > vmlck_max)
				vmlck_max = v;
		}
		stuck = workers_join(ws, MAX_THREADS,
				     s->deadline + seconds_ns(slow_kernel() ? 300 : 60));
		view_reader_stop(_metadata, &reader, reading);
		if (stuck) {
			report_print(self->rep, "ops (stuck)", now_ns() - self->start);
			report_failures(self->rep);
			ASSERT_EQ(0, stuck) TH_LOG("workers did not finish: see the kernel log");
		}
		if (round == 3 || ops_all_ran(self->rep))
			break;
		ksft_print_msg("round %u: not every operation succeeded yet, running again\n",
			       round);
		workers_free(s, ws, MAX_THREADS);
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
	/* ... and so did the user-managed ones, and their races. */
	op_total(self->rep, OP_ALLOC_USER, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_BIND, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_INVALIDATE, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_UM_DMA_READ, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_UM_DMA_WRITE, &ok);
	EXPECT_LT(0, ok);
	op_total(self->rep, OP_TBL_UNMAP, &ok);
	EXPECT_LT(0, ok);
	EXPECT_LT(0, self->rep->um_read);
	EXPECT_LT(0, self->rep->um_hits);
	EXPECT_LT(0, self->rep->race_inv);
	EXPECT_LT(0, self->rep->race_tbl_unmap);
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
		struct view_reader reader;
		bool reading;
		int stuck;

		ASSERT_NE(NULL, s);
		s->closing = 1;
		s->big_len = (4ULL << 20) / ioasid_test_scale();
		s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, s->fd);
		ASSERT_EQ(0, ctx_populate(s));
		reading = view_reader_start(&reader);
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
		view_reader_stop(_metadata, &reader, reading);
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
	/* What this process mapped there stays (it pays for it all along). */
	shared_ctx->sr_tables_fixed = 1;
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
