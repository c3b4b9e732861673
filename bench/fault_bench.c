// SPDX-License-Identifier: GPL-2.0
/*
 * fault_bench: what servicing a page request costs, and how fast a flooded
 * fault queue is read (issue 11).
 *
 * Runs inside the test VM (as root, module loaded). A software endpoint
 * created with IOASID_DEVICE_PRI is attached to a user-managed node (an
 * x86-64 guest table, 4 levels, built here in the guest's memory, which a
 * kernel-managed root maps) whose faults go to a fault queue. Before each
 * request the guest entry of the page is cleared and the node INVALIDATEd
 * there (untimed); the DMA then misses in the guest's table and raises a
 * page request; the servicer reads the record, sets the entry and answers
 * SUCCESS; the DMA walks the table again and completes.
 *
 *   roundtrip  page request -> read -> response -> DMA done, per request:
 *              blocking: the DMA thread waits in IOASID_DMA while a
 *                servicing thread poll()s and read()s the queue and
 *                write()s the response;
 *              nowait: one thread: DMA with IOASID_DMA_NOWAIT (EAGAIN and
 *                the group), read(), the response, DMA with
 *                IOASID_DMA_RETRY;
 *              and, for reference, the same DMA with the entry present
 *              after the same INVALIDATE (a walk, no request).
 *              Median, p90, p99 of --requests (10,000), with where the time
 *              goes (from the record's time_ns and the threads' clocks).
 *   flood      records per second read from a fault queue: drain: a queue
 *              filled to its depth by faulting DMAs (untimed), then read
 *              empty with reads of 256, 64 and 1 record(s); live: --flooders
 *              threads fault as fast as they can for --flood-seconds while
 *              one reader drains the queue with 256-record reads: records
 *              read, raised and dropped per second.
 *
 * Figures only, no pass/fail. A line starting with "!!" is a sanity check
 * that failed (a DMA that did not complete, data not read, a record not
 * the one expected): the figures next to it do not mean what they say.
 * Under a kernel with sanitizers (IOASID_TEST_SCALE, set by tests/vm/run)
 * the counts are divided by it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libioasid.h>

#include "bench_util.h"

#define GPA		(4 * GiB)		/* where the root maps the guest's memory */
#define GIOVA		0x7f0000400000ULL	/* 2 MiB aligned: one leaf table */
#define TABLES		4			/* pages 0..3: L4, L3, L2, L1 */
#define DATA		8			/* data pages from here */
#define SLOTS		256			/* guest pages, each a data page */
#define GMEM		((DATA + SLOTS) * PAGE)
#define XFER		64			/* bytes of each DMA */
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define WARMUP		200
#define REC		sizeof(struct ioasid_fault_record)

const char bench_name[] = "fault_bench";

static struct {
	unsigned int tests;
	long requests;
	long drain_depth;
	double flood_seconds;
	int flooders;
} opt = {
	.tests = ~0U,
	.requests = 10000,
	.drain_depth = 65536,
	.flood_seconds = 3,
	.flooders = 2,
};

enum { T_ROUNDTRIP = 1, T_FLOOD = 2 };

static int bad;			/* failed sanity checks */

/* ------------------------------------------------------------------------ */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void must(int ret, const char *what)
{
	if (ret < 0)
		die("%s: %s (%s)", what, strerror(-ret), errname(ret));
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* The q-quantile of v[0..n); sorts v. */
static double quantile(double *v, long n, double q)
{
	double pos;
	long i;

	if (n <= 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (n - 1);
	i = (long)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* ------------------------------------------------------------------------ */
/* a context with a PRI device on a user-managed node */

struct env {
	struct ioasid_handle *h;
	int fd;
	uint32_t root, node, dev, queue;
	int qfd;
	struct buf mem;		/* the guest's memory: tables, then data pages */
};

static uint64_t *leaf(struct env *e, unsigned int slot)
{
	return (uint64_t *)(e->mem.p + 3 * PAGE) + slot;
}

static uint64_t leaf_val(unsigned int slot)
{
	return (GPA + (DATA + slot) * PAGE) | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
}

static void set_leaf(struct env *e, unsigned int slot, uint64_t v)
{
	__atomic_store_n(leaf(e, slot), v, __ATOMIC_SEQ_CST);
}

static uint64_t giova(unsigned int slot)
{
	return GIOVA + (uint64_t)slot * PAGE;
}

static void invalidate(struct env *e, unsigned int slot)
{
	struct ioasid_inv_entry ent = { .node_id = e->node, .scope = IOASID_INV_SCOPE_ADDR,
					.addr = giova(slot), .size = PAGE, .granule = PAGE };
	struct ioasid_invalidate inv = { .size = sizeof(inv), .count = 1,
					 .entry_size = sizeof(ent), .entries = (uintptr_t)&ent };

	must(xioctl(e->fd, IOASID_INVALIDATE, &inv), "INVALIDATE");
}

static void env_open(struct env *e, bool nonblock)
{
	struct ioasid_format_x86_64 fmt = {
		.hdr = { .size = sizeof(fmt), .format = IOASID_FORMAT_X86_64 },
		.flags = IOASID_X86_64_AD_UPDATE, .levels = 4, .phys_bits = 48,
	};
	struct ioasid_fault_queue_alloc q = {
		.size = sizeof(q), .depth = 1024, .timeout_ms = 0,
		.flags = IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_TIMEOUT |
			 (nonblock ? IOASID_FAULT_QUEUE_NONBLOCK : 0),
	};
	struct ioasid_alloc a = {
		.size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
		.format = (uintptr_t)&fmt, .format_len = sizeof(fmt),
	};
	struct ioasid_bind b = { .size = sizeof(b), .root = GPA };
	struct ioasid_device_create d = { .size = sizeof(d), .flags = IOASID_DEVICE_PRI };
	uint64_t iova = GPA, *t;

	memset(e, 0, sizeof(*e));
	if (buf_alloc(&e->mem, GMEM, BUF_4K))
		die("guest memory: %s", strerror(errno));
	memset(e->mem.p, 0, TABLES * PAGE);
	for (int i = 0; i < 3; i++) {
		t = (uint64_t *)(e->mem.p + i * PAGE);
		t[(GIOVA >> (12 + 9 * (3 - i))) & 511] =
			(GPA + (i + 1) * PAGE) | PTE_P | PTE_RW | PTE_US | PTE_A;
	}
	for (unsigned int s = 0; s < SLOTS; s++) {
		set_leaf(e, s, leaf_val(s));
		memset(e->mem.p + (DATA + s) * PAGE, 0x40 + (s & 63), PAGE);
	}
	must(ioasid_open(&e->h, NULL, 0), "open /dev/ioasid");
	e->fd = ioasid_fd(e->h);
	must(ioasid_node_alloc(e->h, 0, IOASID_MODE_KERNEL_MANAGED, &e->root), "ALLOC root");
	must(ioasid_map(e->h, e->root, (uintptr_t)e->mem.p, GMEM, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP");
	must(xioctl(e->fd, IOASID_FAULT_QUEUE_ALLOC, &q), "FAULT_QUEUE_ALLOC");
	e->queue = q.out_id;
	e->qfd = q.out_fd;
	a.parent_id = e->root;
	a.fault_queue_id = e->queue;
	must(xioctl(e->fd, IOASID_ALLOC, &a), "ALLOC user-managed");
	e->node = a.out_id;
	b.id = e->node;
	must(xioctl(e->fd, IOASID_BIND, &b), "BIND");
	must(xioctl(e->fd, IOASID_DEVICE_CREATE, &d), "DEVICE_CREATE (PRI)");
	e->dev = d.out_id;
	must(ioasid_attach(e->h, e->dev, e->node, 0, 0), "ATTACH");
}

static void env_close(struct env *e)
{
	close(e->qfd);
	ioasid_close(e->h);
	buf_free(&e->mem);
}

static struct ioasid_fault_queue_info queue_info(int fd, uint32_t id)
{
	struct ioasid_fault_queue_info qi = { .size = sizeof(qi), .queue_id = id };

	must(xioctl(fd, IOASID_FAULT_QUEUE_INFO, &qi), "FAULT_QUEUE_INFO");
	return qi;
}

/* One DMA of the device: 0 or -errno; *@done, *@group. */
static int dma(struct env *e, uint32_t flags, uint64_t iova, void *buf, uint32_t group,
	       uint64_t *done, uint32_t *out_group)
{
	struct ioasid_dma c = { .size = sizeof(c), .flags = flags, .dev_id = e->dev,
				.iova = iova, .length = XFER, .buffer = (uintptr_t)buf,
				.group = group };
	int rc = xioctl(e->fd, IOASID_DMA, &c);

	*done = c.out_done;
	if (out_group)
		*out_group = c.out_group;
	return rc;
}

static int respond(int qfd, const struct ioasid_fault_record *r, uint32_t code)
{
	struct ioasid_page_response resp = {
		.size = sizeof(resp), .flags = r->flags & IOASID_FAULT_RECORD_PASID,
		.dev_id = r->dev_id, .pasid = r->pasid, .group = r->group, .code = code,
	};

	return write(qfd, &resp, sizeof(resp)) == sizeof(resp) ? 0 : -errno;
}

/* The record of a request for @slot: checked, once. */
static void check_request(const struct ioasid_fault_record *r, const struct env *e,
			  unsigned int slot, const char *style)
{
	if (r->type != IOASID_FAULT_RECORD_PAGE_REQUEST || r->addr != giova(slot) ||
	    r->dev_id != e->dev || r->node_id != e->node || !r->group ||
	    r->reason != IOASID_FAULT_NOT_PRESENT) {
		if (bad++ < 5)
			printf("!! %s: record type %u addr %#llx group %u reason %u, want a page "
			       "request for %#llx\n", style, r->type, (unsigned long long)r->addr,
			       r->group, r->reason, (unsigned long long)giova(slot));
	}
}

/* ------------------------------------------------------------------------ */
/* round trips */

static void print_row(const char *label, double *v, long n, const char *test,
		      const char *cas, const char *metric)
{
	double med = quantile(v, n, 0.5), p90 = quantile(v, n, 0.9), p99 = quantile(v, n, 0.99);

	printf("  %-44s %9.2f %9.2f %9.2f\n", label, med, p90, p99);
	if (metric) {
		char m[64];

		snprintf(m, sizeof(m), "%s_median_us", metric);
		csv(test, cas, "ioasid", m, med);
		snprintf(m, sizeof(m), "%s_p99_us", metric);
		csv(test, cas, "ioasid", m, p99);
	}
}

/* Shared by the DMA thread and the servicer of the blocking style. */
static struct {
	struct env *e;
	atomic_bool stop;
	atomic_long cur;		/* the sample whose request is out, -1 none */
	uint64_t *t_read, *t_write, *t_raised;
	unsigned int *slot;
	atomic_long serviced;
	atomic_long published;		/* the last sample whose times are stored */
	int cpu;			/* the servicer's CPU, -1: any */
} B;

/* Run the calling thread on @cpu only (-1: leave it). */
static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static void *servicer(void *arg)
{
	struct ioasid_fault_record recs[16];
	struct pollfd p = { .fd = B.e->qfd, .events = POLLIN };
	ssize_t n;

	(void)arg;
	pin(B.cpu);
	while (!atomic_load(&B.stop)) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(B.e->qfd, recs, sizeof(recs));
		if (n <= 0)
			continue;
		for (long k = 0; k < n / (long)REC; k++) {
			uint64_t t1 = now_ns(), t2;
			long i = atomic_load(&B.cur);
			unsigned int slot = (recs[k].addr - GIOVA) / PAGE;

			/* The guest maps the page, then answers. */
			if (slot < SLOTS)
				set_leaf(B.e, slot, leaf_val(slot));
			if (respond(B.e->qfd, &recs[k], IOASID_PAGE_RESP_SUCCESS) && bad++ < 5)
				printf("!! blocking: the response failed: %s\n", strerror(errno));
			t2 = now_ns();
			if (i >= 0) {
				B.t_read[i] = t1;
				B.t_write[i] = t2;
				B.t_raised[i] = recs[k].time_ns;
				check_request(&recs[k], B.e, B.slot[i], "blocking");
				atomic_store(&B.published, i);
			}
			atomic_fetch_add(&B.serviced, 1);
		}
	}
	return NULL;
}

/*
 * @cpus: 1: both threads on CPU 0 (the wake-up is a context switch); 2: the
 * DMA thread on CPU 0, the servicer on CPU 1 (under TCG a wake-up across
 * vCPUs waits for the host to run the other vCPU's thread).
 */
static void run_blocking(long n, double *baseline, int cpus)
{
	struct env e;
	pthread_t th;
	uint8_t buf[XFER];
	uint64_t done, *t0 = calloc(n, 8), *t1 = calloc(n, 8);
	double *rt = calloc(n, sizeof(double)), *raise = calloc(n, sizeof(double));
	double *wake = calloc(n, sizeof(double)), *serv = calloc(n, sizeof(double));
	double *resume = calloc(n, sizeof(double));
	long failed = 0, total = n + WARMUP;

	B.t_read = calloc(total, 8);
	B.t_write = calloc(total, 8);
	B.t_raised = calloc(total, 8);
	B.slot = calloc(total, sizeof(unsigned int));
	if (!t0 || !t1 || !rt || !raise || !wake || !serv || !resume || !B.t_read ||
	    !B.t_write || !B.t_raised || !B.slot)
		die("out of memory");
	env_open(&e, false);
	B.e = &e;
	atomic_store(&B.stop, false);
	atomic_store(&B.cur, -1);
	atomic_store(&B.serviced, 0);
	atomic_store(&B.published, -1);
	B.cpu = cpus == 1 ? 0 : 1;
	pin(0);
	if (pthread_create(&th, NULL, servicer, NULL))
		die("pthread_create");

	/* The reference: the same DMA, entry present, after the same INVALIDATE. */
	for (long i = 0; baseline && i < n; i++) {
		unsigned int slot = i % SLOTS;
		uint64_t a, b;

		invalidate(&e, slot);
		a = now_ns();
		if (dma(&e, 0, giova(slot), buf, 0, &done, NULL) || done != XFER)
			failed++;
		b = now_ns();
		baseline[i] = (b - a) / 1e3;
	}
	for (long i = 0; i < total; i++) {
		long s = i - WARMUP;	/* the sample, once warm */
		unsigned int slot = i % SLOTS;
		int rc;

		set_leaf(&e, slot, 0);
		invalidate(&e, slot);
		B.slot[i] = slot;
		atomic_store(&B.cur, i);
		t0[s < 0 ? 0 : s] = now_ns();
		rc = dma(&e, 0, giova(slot) + 8, buf, 0, &done, NULL);
		t1[s < 0 ? 0 : s] = now_ns();
		/* (untimed) the servicer stores its times after the response went */
		while (!rc && atomic_load(&B.published) != i)
			sched_yield();
		atomic_store(&B.cur, -1);
		if (rc || done != XFER || memcmp(buf, e.mem.p + (DATA + slot) * PAGE, XFER)) {
			if (bad++ < 5)
				printf("!! blocking: request %ld: DMA %s, %llu done\n", i,
				       strerror(-rc), (unsigned long long)done);
			failed++;
			continue;
		}
		if (s < 0)
			continue;
		rt[s] = (t1[s] - t0[s]) / 1e3;
		raise[s] = ((double)B.t_raised[i] - (double)t0[s]) / 1e3;
		wake[s] = ((double)B.t_read[i] - (double)B.t_raised[i]) / 1e3;
		serv[s] = ((double)B.t_write[i] - (double)B.t_read[i]) / 1e3;
		resume[s] = ((double)t1[s] - (double)B.t_write[i]) / 1e3;
	}
	atomic_store(&B.stop, true);
	pthread_join(th, NULL);
	if (atomic_load(&B.serviced) != total) {
		printf("!! blocking: %ld requests serviced of %ld\n", atomic_load(&B.serviced), total);
		bad++;
	}
	{
		struct ioasid_fault_queue_info qi = queue_info(e.fd, e.queue);

		if (qi.out_pending || qi.out_overflow || qi.out_auto_responses ||
		    qi.out_next_seq != (uint64_t)total + 1) {
			printf("!! blocking: queue: pending %u overflow %llu auto %llu next_seq %llu\n",
			       qi.out_pending, (unsigned long long)qi.out_overflow,
			       (unsigned long long)qi.out_auto_responses,
			       (unsigned long long)qi.out_next_seq);
			bad++;
		}
	}
	{
		const char *cas = cpus == 1 ? "blocking" : "blocking-2cpu";

		printf("\n  %s (a DMA thread, a servicing thread: poll + read + write, %s), "
		       "%ld requests%s\n", cas, cpus == 1 ? "both on CPU 0" :
		       "on CPUs 0 and 1", n, failed ? " (some failed: see !!)" : "");
		printf("  %-44s %9s %9s %9s\n", "us", "median", "p90", "p99");
		print_row("round trip: DMA start -> DMA done", rt, n, "roundtrip", cas, "rt");
		print_row("  DMA start -> request raised (time_ns)", raise, n, "roundtrip", cas,
			  "raise");
		print_row("  raised -> servicer has the record", wake, n, "roundtrip", cas,
			  "wake");
		print_row("  record -> response written (incl. PTE)", serv, n, "roundtrip", cas,
			  "service");
		print_row("  response written -> DMA returns", resume, n, "roundtrip", cas,
			  "resume");
	}
	pin(-1);
	{
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int c = 0; c < CPU_SETSIZE && c < sysconf(_SC_NPROCESSORS_ONLN); c++)
			CPU_SET(c, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	env_close(&e);
	free(t0), free(t1), free(rt), free(raise), free(wake), free(serv), free(resume);
	free(B.t_read), free(B.t_write), free(B.t_raised), free(B.slot);
}

static void run_nowait(long n)
{
	struct env e;
	struct ioasid_fault_record rec;
	uint8_t buf[XFER];
	uint64_t done, t[5];
	uint32_t group;
	double *rt = calloc(n, sizeof(double)), *part[4];
	long failed = 0, total = n + WARMUP;
	static const char *const names[4] = {
		"  DMA NOWAIT -> EAGAIN", "  read() the record", "  PTE + write() SUCCESS",
		"  DMA RETRY -> done",
	};
	static const char *const metrics[4] = { "nowait", "read", "respond", "retry" };

	for (int k = 0; k < 4; k++)
		if (!(part[k] = calloc(n, sizeof(double))))
			die("out of memory");
	if (!rt)
		die("out of memory");
	env_open(&e, true);
	for (long i = 0; i < total; i++) {
		long s = i - WARMUP;
		unsigned int slot = i % SLOTS;
		int rc;
		ssize_t got;

		set_leaf(&e, slot, 0);
		invalidate(&e, slot);
		t[0] = now_ns();
		rc = dma(&e, IOASID_DMA_NOWAIT, giova(slot) + 8, buf, 0, &done, &group);
		t[1] = now_ns();
		if (rc != -EAGAIN || done || !group) {
			if (bad++ < 5)
				printf("!! nowait: request %ld: DMA %s, group %u\n", i, strerror(-rc),
				       group);
			failed++;
			continue;
		}
		got = read(e.qfd, &rec, sizeof(rec));
		t[2] = now_ns();
		if (got != REC) {
			if (bad++ < 5)
				printf("!! nowait: read: %zd (%s)\n", got, strerror(errno));
			failed++;
			continue;
		}
		check_request(&rec, &e, slot, "nowait");
		set_leaf(&e, slot, leaf_val(slot));
		rc = respond(e.qfd, &rec, IOASID_PAGE_RESP_SUCCESS);
		t[3] = now_ns();
		rc = rc ? rc : dma(&e, IOASID_DMA_NOWAIT | IOASID_DMA_RETRY, giova(slot) + 8, buf,
				   group, &done, NULL);
		t[4] = now_ns();
		if (rc || done != XFER || memcmp(buf, e.mem.p + (DATA + slot) * PAGE, XFER)) {
			if (bad++ < 5)
				printf("!! nowait: request %ld: response or RETRY: %s, %llu done\n",
				       i, strerror(-rc), (unsigned long long)done);
			failed++;
			continue;
		}
		if (s < 0)
			continue;
		rt[s] = (t[4] - t[0]) / 1e3;
		for (int k = 0; k < 4; k++)
			part[k][s] = (t[k + 1] - t[k]) / 1e3;
	}
	printf("\n  nowait (one thread: DMA NOWAIT, read, PTE + SUCCESS, DMA RETRY), %ld "
	       "requests%s\n", n, failed ? " (some failed: see !!)" : "");
	printf("  %-44s %9s %9s %9s\n", "us", "median", "p90", "p99");
	print_row("round trip: DMA start -> retried DMA done", rt, n, "roundtrip", "nowait", "rt");
	for (int k = 0; k < 4; k++)
		print_row(names[k], part[k], n, "roundtrip", "nowait", metrics[k]);
	env_close(&e);
	free(rt);
	for (int k = 0; k < 4; k++)
		free(part[k]);
}

static void run_roundtrip(long n)
{
	double *baseline = calloc(n, sizeof(double));

	if (!baseline)
		die("out of memory");
	printf("\n-- page request -> read -> response -> DMA done\n");
	printf("  a %d-byte DMA read of a guest page whose entry was cleared (and the node\n"
	       "  INVALIDATEd there, untimed); the servicer sets the entry and answers SUCCESS.\n"
	       "  %d warm-up requests first, untimed. Times include a clock read.\n",
	       XFER, WARMUP);
	run_blocking(n, baseline, 1);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		run_blocking(n, NULL, 2);
	run_nowait(n);
	printf("\n  reference: the same DMA with the entry present, after the same INVALIDATE "
	       "(a walk, no request)\n");
	printf("  %-44s %9s %9s %9s\n", "us", "median", "p90", "p99");
	print_row("DMA, cold IOTLB, no request", baseline, n, "roundtrip", "no-request", "dma");
	free(baseline);
}

/* ------------------------------------------------------------------------ */
/* floods */

/* A context whose devices fault at a root with no mapping; the root names the queue. */
struct fenv {
	struct ioasid_handle *h;
	int fd;
	uint32_t root, queue, dev[8];
	int qfd;
};

static void fenv_open(struct fenv *e, uint32_t depth, int ndev, bool nonblock)
{
	struct ioasid_fault_queue_alloc q = {
		.size = sizeof(q), .depth = depth,
		.flags = IOASID_FAULT_QUEUE_CLOEXEC |
			 (nonblock ? IOASID_FAULT_QUEUE_NONBLOCK : 0),
	};
	struct ioasid_option o = { .size = sizeof(o), .option_id = IOASID_OPTION_FAULT_QUEUE,
				   .op = IOASID_OPTION_OP_SET };

	memset(e, 0, sizeof(*e));
	must(ioasid_open(&e->h, NULL, 0), "open /dev/ioasid");
	e->fd = ioasid_fd(e->h);
	must(ioasid_node_alloc(e->h, 0, IOASID_MODE_KERNEL_MANAGED, &e->root), "ALLOC root");
	must(xioctl(e->fd, IOASID_FAULT_QUEUE_ALLOC, &q), "FAULT_QUEUE_ALLOC");
	e->queue = q.out_id;
	e->qfd = q.out_fd;
	o.object_id = e->root;
	o.val64 = e->queue;
	must(xioctl(e->fd, IOASID_OPTION, &o), "OPTION FAULT_QUEUE");
	for (int i = 0; i < ndev; i++) {
		must(ioasid_device_create(e->h, 0, 0, &e->dev[i]), "DEVICE_CREATE");
		must(ioasid_attach(e->h, e->dev[i], e->root, 0, 0), "ATTACH");
	}
}

static void fenv_close(struct fenv *e)
{
	close(e->qfd);
	ioasid_close(e->h);
}

/* One faulting DMA of device @i: EIO, one record. */
static void fault_once(struct fenv *e, int i)
{
	uint8_t b;
	uint64_t done;

	if (ioasid_dma(e->h, e->dev[i], 0, 0, 0x1000, &b, 1, &done) != -EIO && bad++ < 5)
		printf("!! flood: a DMA where nothing is mapped did not fault\n");
}

static void run_drain(long depth)
{
	static const int sizes[3] = { 256, 64, 1 };
	struct ioasid_fault_record *recs = malloc(256 * REC);
	struct fenv e;
	uint64_t last = 0;

	if (!recs)
		die("out of memory");
	printf("\n  drain: a queue of depth %ld filled by faulting DMAs (untimed), then read "
	       "empty\n", depth);
	printf("  %-30s %12s %12s %10s\n", "read() of", "records/s", "MiB/s", "ms");
	for (int k = 0; k < 3; k++) {
		struct ioasid_fault_queue_info qi;
		uint64_t t0, t1, got = 0, seq = 0;
		ssize_t n;
		char label[64];

		fenv_open(&e, depth, 1, true);
		for (long i = 0; i < depth; i++)
			fault_once(&e, 0);
		qi = queue_info(e.fd, e.queue);
		if (qi.out_queued != depth && bad++ < 5)
			printf("!! drain: %u records queued, want %ld\n", qi.out_queued, depth);
		t0 = now_ns();
		while ((n = read(e.qfd, recs, sizes[k] * REC)) > 0) {
			got += n / REC;
			last = recs[n / REC - 1].seq;
		}
		t1 = now_ns();
		if (n < 0 && errno != EAGAIN && bad++ < 5)
			printf("!! drain: read: %s\n", strerror(errno));
		(void)seq;
		if ((long)got != depth || last != (uint64_t)depth) {
			printf("!! drain: %llu records read (last seq %llu), want %ld\n",
			       (unsigned long long)got, (unsigned long long)last, depth);
			bad++;
		}
		snprintf(label, sizeof(label), "%d record%s (%zu B)", sizes[k],
			 sizes[k] > 1 ? "s" : "", sizes[k] * REC);
		printf("  %-30s %12.0f %12.1f %10.1f\n", label, got / ((t1 - t0) / 1e9),
		       got * REC / ((t1 - t0) / 1e9) / MiB, (t1 - t0) / 1e6);
		snprintf(label, sizeof(label), "drain-read%d", sizes[k]);
		csv("flood", label, "ioasid", "records_per_s", got / ((t1 - t0) / 1e9));
		fenv_close(&e);
	}
	free(recs);
}

static struct {
	struct fenv *e;
	atomic_bool stop;
	atomic_long faults;
} F;

static void *flooder(void *arg)
{
	int i = (int)(intptr_t)arg;
	long n = 0;

	while (!atomic_load(&F.stop)) {
		fault_once(F.e, i);
		n++;
	}
	atomic_fetch_add(&F.faults, n);
	return NULL;
}

static void run_live(int threads, double secs, uint32_t depth)
{
	struct ioasid_fault_record *recs = malloc(256 * REC);
	struct pollfd p;
	struct fenv e;
	pthread_t th[8];
	uint64_t t0, t1, got = 0, reads = 0, gaps = 0, prev = 0;
	struct ioasid_fault_queue_info qi;
	ssize_t n;

	if (!recs)
		die("out of memory");
	fenv_open(&e, depth, threads, true);
	F.e = &e;
	atomic_store(&F.stop, false);
	atomic_store(&F.faults, 0);
	p = (struct pollfd){ .fd = e.qfd, .events = POLLIN };
	t0 = now_ns();
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, flooder, (void *)(intptr_t)i))
			die("pthread_create");
	while ((t1 = now_ns()) - t0 < secs * 1e9) {
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(e.qfd, recs, 256 * REC);
		if (n <= 0)
			continue;
		reads++;
		for (long k = 0; k < n / (long)REC; k++) {
			if (recs[k].seq <= prev && bad++ < 5)
				printf("!! live: seq %llu after %llu\n",
				       (unsigned long long)recs[k].seq, (unsigned long long)prev);
			gaps += recs[k].seq - prev - 1;
			prev = recs[k].seq;
		}
		got += n / REC;
	}
	atomic_store(&F.stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	qi = queue_info(e.fd, e.queue);
	/* Every record raised was read, dropped or is still queued. */
	if (qi.out_next_seq - 1 != got + qi.out_overflow + qi.out_queued ||
	    gaps > qi.out_overflow) {
		printf("!! live: %llu raised, %llu read, %llu dropped, %u queued, gaps %llu\n",
		       (unsigned long long)qi.out_next_seq - 1, (unsigned long long)got,
		       (unsigned long long)qi.out_overflow, qi.out_queued,
		       (unsigned long long)gaps);
		bad++;
	}
	printf("  %d flooder%s, depth %-6u %12.0f %12.0f %10.1f %9.1f\n", threads,
	       threads > 1 ? "s" : " ", depth, got / ((t1 - t0) / 1e9),
	       (qi.out_next_seq - 1) / ((t1 - t0) / 1e9),
	       100.0 * qi.out_overflow / (qi.out_next_seq > 1 ? qi.out_next_seq - 1 : 1),
	       reads ? (double)got / reads : 0);
	{
		char cas[64];

		snprintf(cas, sizeof(cas), "live-%dt-d%u", threads, depth);
		csv("flood", cas, "ioasid", "records_per_s", got / ((t1 - t0) / 1e9));
		csv("flood", cas, "ioasid", "raised_per_s", (qi.out_next_seq - 1) / ((t1 - t0) / 1e9));
		csv("flood", cas, "ioasid", "dropped_pct",
		    100.0 * qi.out_overflow / (qi.out_next_seq > 1 ? qi.out_next_seq - 1 : 1));
	}
	fenv_close(&e);
	free(recs);
}

static void run_flood(long depth, int threads, double secs)
{
	printf("\n-- records per second read from a flooded fault queue\n");
	printf("  FAULT records of 1-byte DMAs where nothing is mapped (a software endpoint per "
	       "flooder,\n  attached to a kernel-managed root that names the queue); %zu bytes "
	       "a record\n", REC);
	run_drain(depth);
	printf("\n  live: flooders fault for %.1f s while one reader drains (poll + read of 256)\n",
	       secs);
	printf("  %-28s %12s %12s %10s %9s\n", "", "read/s", "raised/s", "dropped %",
	       "per read");
	run_live(1, secs, 4096);
	if (threads > 1)
		run_live(threads, secs, 4096);
	run_live(threads, secs, 256);
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
"usage: fault_bench [options]   (as root, in the test VM, module loaded)\n"
"  --tests LIST          roundtrip,flood (default: both)\n"
"  --requests N          roundtrip: requests timed per style (default 10000)\n"
"  --drain-depth N       flood: depth of the queue drained (default 65536)\n"
"  --flood-seconds S     flood: seconds of each live flood (default 3)\n"
"  --flooders N          flood: faulting threads, 1 to 8 (default 2)\n"
"  --csv                 also print csv,<kernel>,<test>,<case>,<peer>,<metric>,<value> lines\n"
"Counts are divided by $IOASID_TEST_SCALE when it is set (kernels with sanitizers).\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const test_names[] = { "roundtrip", "flood" };
	static const struct option lo[] = {
		{ "tests", 1, NULL, 't' }, { "requests", 1, NULL, 'n' },
		{ "drain-depth", 1, NULL, 'D' }, { "flood-seconds", 1, NULL, 's' },
		{ "flooders", 1, NULL, 'f' }, { "csv", 0, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{},
	};
	struct ioasid_handle *h;
	struct ioasid_info info;
	struct utsname un;
	const char *sc = getenv("IOASID_TEST_SCALE");
	long scale = sc && atol(sc) > 1 ? atol(sc) : 1;
	char cs[64];
	int o, ret;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 't': opt.tests = parse_mask(optarg, test_names, 2, "test", 4); break;
		case 'n': opt.requests = parse_count(optarg); break;
		case 'D': opt.drain_depth = parse_count(optarg); break;
		case 's': opt.flood_seconds = atof(optarg); break;
		case 'f': opt.flooders = atoi(optarg); break;
		case 'c': csv_mode = CSV_HELD; break;
		default: usage();
		}
	}
	if (optind != argc || opt.requests < 1 || opt.drain_depth < 1 ||
	    opt.drain_depth > 65536 || opt.flood_seconds <= 0 || opt.flooders < 1 ||
	    opt.flooders > 8)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	opt.requests = opt.requests / scale ? opt.requests / scale : 1;
	opt.drain_depth = opt.drain_depth / scale ? opt.drain_depth / scale : 1;

	uname(&un);
	kernel_release = strdup(un.release);
	read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", cs,
		  sizeof(cs));
	printf("fault_bench on %s: %ld MiB RAM, %ld CPUs, clocksource %s%s\n", un.release,
	       meminfo_kb("MemTotal") / 1024, sysconf(_SC_NPROCESSORS_ONLN), cs[0] ? cs : "?",
	       scale > 1 ? " (counts divided by IOASID_TEST_SCALE)" : "");
	ret = ioasid_open(&h, NULL, 0);
	if (ret)
		die("open %s: %s (is the module loaded?)", IOASID_DEVICE_PATH, strerror(-ret));
	must(ioasid_get_info(h, &info), "GET_INFO");
	ioasid_close(h);
	if (!(info.out_capabilities & IOASID_CAP_FAULT_QUEUE) ||
	    !(info.out_capabilities & IOASID_CAP_USER_MANAGED)) {
		printf("  SKIP: this module has no fault queues or no user-managed nodes\n");
		printf("\nfault_bench done\n");
		return 0;
	}
	printf("  figures only: no pass/fail; '!!' marks a failed sanity check\n");
	if (opt.tests & T_ROUNDTRIP)
		run_roundtrip(opt.requests);
	if (opt.tests & T_FLOOD)
		run_flood(opt.drain_depth, opt.flooders, opt.flood_seconds);
	csv_flush();
	if (bad)
		printf("\n!! %d sanity checks failed\n", bad);
	printf("\nfault_bench done\n");
	return 0;
}
