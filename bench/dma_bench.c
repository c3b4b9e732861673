// SPDX-License-Identifier: GPL-2.0
/*
 * dma_bench: what software DMA through /dev/ioasid costs.
 *
 * Runs inside the test VM (as root, module loaded) and measures, with
 * software endpoints (IOASID_DEVICE_CREATE) attached to kernel-managed
 * nodes:
 *
 *   dma    IOASID_DMA throughput with a warm IOTLB, 4 KiB, 64 KiB and 1 MiB
 *          transfers, read (the device reads the IOVA into the caller's
 *          buffer) and write (the buffer goes to the IOVA), through a root
 *          and through a 2-level tree (device attached to a child that maps
 *          the whole buffer), against memcpy() and rep movsb of the same
 *          bytes between the same two buffers in the same run; the mapped
 *          memory is 4 KiB pages none of which are physically contiguous (a
 *          DMA chunk per page) and 2 MiB pages (one chunk)
 *   cold   one TRANSLATE, and one 64-byte DMA, right after the device's
 *          IOTLB was emptied (DETACH + ATTACH, or UNMAP + MAP of the leaf
 *          mapping), against the same on a warm IOTLB; root, 2- and 4-level
 *   unmap  UNMAP of one 4 KiB mapping whose IOTLB entry is cached while the
 *          same device caches N other entries (each a separate mapping
 *          touched by a DMA): N = 1k and 10k, and the ratio; and, as a
 *          control, the UNMAP of an uncached mapping next to it. Two
 *          layouts: one root with the same mappings for every N (only the
 *          cache grows), and a root per N with mappings in proportion (the
 *          mapping tree grows with the cache)
 *
 * Figures only, no pass/fail. Lines starting with "!!" are sanity checks
 * that failed (data not moved, entries not cached, unexpected misses):
 * the figures next to them do not mean what they say.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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

#define IOVA_BASE	(4 * GiB)	/* level k of a tree maps at IOVA_BASE + k * LEVEL_STRIDE */
#define LEVEL_STRIDE	(4 * GiB)
#define COLD_LEN	(64 * KiB)	/* what each level of the cold-test trees maps */
#define COLD_DMA	64		/* bytes of the small DMA */
#define UNMAP_DMA	8		/* bytes of the DMA that caches an entry */
#define UNMAP_WARMUP	20		/* untimed samples after entering a case */
#define MAX_SIZES	8
#define MAX_DEPTHS	8
#define MAX_UNMAP_N	6
#define MAX_ROUNDS	64
#define NLAYOUTS	2		/* 4 KiB pages scattered, 2 MiB pages */
#define MAX_INV		8

/* ------------------------------------------------------------------------ */
/* options */

static struct {
	unsigned int tests;
	uint64_t sizes[MAX_SIZES];
	int nsizes;
	int rounds;
	double batch_ms;
	int depths[MAX_DEPTHS];
	int ndepths;
	int cold_samples;
	bool flush_unmap;
	uint64_t unmap_n[MAX_UNMAP_N];
	int nunmap;
	int unmap_samples;
	int unmap_block;
	unsigned int unmap_layouts;
	unsigned int layouts;
	int user_samples;
	uint32_t inv[MAX_INV];
	int ninv;
	uint64_t user_unmap_k[MAX_UNMAP_N];
	int nuunmap;
	int user_unmap_samples;
	unsigned int user_unmap_where;
} opt = {
	.tests = ~0U,
	.layouts = ~0U,
	.sizes = { 4 * KiB, 64 * KiB, 1 * MiB },
	.nsizes = 3,
	.rounds = 9,
	.batch_ms = 30,
	.depths = { 1, 2, 4 },
	.ndepths = 3,
	.cold_samples = 10000,
	.unmap_n = { 1000, 10000 },
	.nunmap = 2,
	.unmap_samples = 3000,
	.unmap_block = 100,
	.unmap_layouts = ~0U,
	.user_samples = 5000,
	.inv = { 1, 16, 256 },
	.ninv = 3,
	.user_unmap_k = { 100, 1000 },
	.nuunmap = 2,
	.user_unmap_samples = 200,
	.user_unmap_where = 1,
};

enum { T_DMA = 1, T_COLD = 2, T_UNMAP = 4, T_USER = 8 };
/* unmap: how many mappings the root holds besides the cached ones */
enum { U_SAME = 1, U_GROW = 2 };

const char bench_name[] = "dma_bench";
static uint32_t max_depth;
static uint64_t caps;		/* GET_INFO out_capabilities */
static double clock_ns;		/* one clock_gettime(), median */

/* ------------------------------------------------------------------------ */
/* small helpers */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Setup calls that must work: die with the call and the error otherwise. */
static void must(int ret, const char *what)
{
	if (ret < 0)
		die("%s: %s (%s)", what, strerror(-ret), errname(ret));
}

/* The q-quantile (0.5: median) of v[0..n); sorts v. */
static double quantile(double *v, int n, double q)
{
	double pos;
	int i;

	if (n <= 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (n - 1);
	i = (int)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

static double median(double *v, int n)
{
	return quantile(v, n, 0.5);
}

/* "4K", "64K", "1M": for CSV case names. */
static const char *size_tag(uint64_t v, char *buf, size_t len)
{
	if (v >= MiB && v % MiB == 0)
		snprintf(buf, len, "%" PRIu64 "M", v / MiB);
	else if (v >= KiB && v % KiB == 0)
		snprintf(buf, len, "%" PRIu64 "K", v / KiB);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static const char *count_str(uint64_t v, char *buf, size_t len)
{
	if (v >= 1000 && v % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", v / 1000);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static void tree_name(int depth, char *buf, size_t len)
{
	if (depth == 1)
		snprintf(buf, len, "root");
	else
		snprintf(buf, len, "%d-level", depth);
}

static struct ioasid_device_info dev_info(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	must(ioasid_device_info(h, dev, &info), "DEVICE_INFO");
	return info;
}

/* ------------------------------------------------------------------------ */
/* buffers */

/* buf_alloc() or die; @what names the buffer */
static void buf_must(struct buf *b, size_t len, enum buf_kind kind, const char *what)
{
	int ret = buf_alloc(b, len, kind);

	if (ret)
		die("mmap %zu bytes for %s: %s", b->rawlen, what, strerror(-ret));
}

/*
 * 2 MiB pages: transparent where the kernel has THP, else hugetlbfs (else
 * 4 KiB pages). Returns what backs the buffer, for the output.
 */
static const char *buf_alloc_huge(struct buf *b, size_t len, const char *what)
{
	size_t hlen = (len + HPAGE - 1) & ~(HPAGE - 1);

	if (access(THP_ENABLED, F_OK)) {
		if (!buf_alloc(b, len, BUF_HUGETLB))
			return "hugetlbfs 2 MiB pages";
		buf_must(b, len, BUF_4K, what);
		return "4 KiB pages (no THP, no hugetlbfs pages)";
	}
	buf_must(b, len, BUF_THP, what);
	return smaps_thp(b->p, hlen) >= hlen ? "transparent huge pages" :
	       "4 KiB pages (THP asked for, not granted)";
}

/* The page frame behind @va (/proc/self/pagemap), or 0 if it is hidden. */
static uint64_t pfn_of(int fd, const void *va)
{
	uint64_t e;

	if (fd < 0 || pread(fd, &e, sizeof(e), (uintptr_t)va / PAGE * sizeof(e)) != sizeof(e) ||
	    !(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/*
 * 4 KiB pages of which no two neighbours are physically contiguous (so a DMA
 * takes one chunk per page, the most a transfer can need) and none shares
 * QEMU's software-TLB index with the page of @partner it is copied to or from
 * (see UBUF_SKEW): page j's frame number differs from @partner's page number
 * + j in its low 6 bits (the smallest TLB has 64 entries; the kernel reaches a
 * frame through the direct map, which keeps those bits). Picked from a pool
 * four times larger, by frame number, and moved into place with mremap().
 */
static const char *buf_alloc_scattered(struct buf *b, size_t len, const char *partner,
				       const char *what)
{
	size_t n = len / PAGE, npool = 4 * n + 64, last = 0;
	uint64_t vpn = (uintptr_t)partner / PAGE, prev = 0, *pfn;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool known = fd >= 0, *used;
	struct buf pool;

	buf_must(&pool, npool * PAGE, BUF_4K, what);
	memset(b, 0, sizeof(*b));
	b->len = len;
	b->hugetlb_saved = -1;
	b->rawlen = len + HPAGE;
	b->raw = mmap(NULL, b->rawlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pfn = calloc(npool, sizeof(*pfn));
	used = calloc(npool, sizeof(*used));
	if (b->raw == MAP_FAILED || !pfn || !used)
		die("no memory for %s", what);
	b->p = (char *)(((uintptr_t)b->raw + HPAGE - 1) & ~(HPAGE - 1));
	for (size_t i = 0; i < npool; i++)
		known &= (pfn[i] = pfn_of(fd, pool.p + i * PAGE)) != 0;
	if (fd >= 0)
		close(fd);
	for (size_t j = 0; j < n; j++) {
		size_t i;

		for (i = 0; i < npool; i++) {
			if (used[i])
				continue;
			if (!known) {	/* every other page of the pool: 0, 2, 4, ... */
				if (i >= last + 2 || !j)
					break;
				continue;
			}
			if (pfn[i] != prev + 1 && pfn[i] + 1 != prev &&
			    (pfn[i] - (vpn + j)) % 64 != 0)
				break;
		}
		if (i == npool)
			die("%s: no page fits among %zu", what, npool);
		used[i] = true;
		prev = pfn[i];
		last = i;
		if (mremap(pool.p + i * PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   b->p + j * PAGE) == MAP_FAILED)
			die("mremap for %s: %s", what, strerror(errno));
	}
	munmap(pool.raw, pool.rawlen);		/* the pages not taken */
	free(pfn);
	free(used);
	return known ? "4 KiB pages, no two neighbours contiguous, none aliasing the caller's "
		       "buffer in QEMU's TLB" :
	       "4 KiB pages, every other one of a pool (page frames hidden: contiguity "
	       "and TLB aliasing not checked)";
}

static void fill(char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 131 + seed);
}

/* ------------------------------------------------------------------------ */
/* dma: throughput with a warm IOTLB */

/* What a cell times: two copies in this process, DMA through two devices. */
enum { V_MEMCPY = -2, V_MOVSB = -1, V_ROOT, V_TREE, NV };
static const char *const via_name[NV] = { "root", "2-level" };

/*
 * The caller's buffer starts this far past a 2 MiB boundary. QEMU's software
 * TLB is direct-mapped by virtual page number: when source and destination
 * pages share an index (two 2 MiB aligned buffers, or a huge page's kernel
 * address against a 2 MiB aligned user buffer), a copy evicts its own
 * translations at every access and rep movsb runs twenty times slower. An odd
 * number of pages keeps the two sides apart for every TLB size; the scattered
 * layout's pages are picked to the same end (buf_alloc_scattered()).
 */
#define UBUF_SKEW	(17 * PAGE)

/* One layout of the mapped memory: a context, a root, a child, two devices. */
struct denv {
	bool huge;		/* 2 MiB pages, else 4 KiB pages scattered */
	const char *name;	/* in the table */
	const char *tag;	/* in CSV */
	const char *how;	/* what backs the mapped memory */
	struct ioasid_handle *h;
	uint32_t dev[NV];
	uint64_t iova[NV];
	struct buf mem;		/* the mapped memory */
	struct buf ubuf;	/* the caller's buffer */
	uint64_t chunks[MAX_SIZES][NV];
	struct ioasid_device_info before[NV], after[NV];
	uint64_t dmas[NV];
};

static struct denv envs[NLAYOUTS] = {
	{ .huge = false, .name = "4K scattered", .tag = "scattered" },
	{ .huge = true, .name = "2M pages", .tag = "huge" },
};

struct cell {
	struct denv *e;
	uint64_t size;
	bool write;
	int via;		/* V_* */
	long iters;
	double t[MAX_ROUNDS];	/* seconds per operation, per round */
	double sec;		/* median */
};

static void rep_movsb(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void cell_run(struct cell *c, long iters)
{
	struct denv *e = c->e;
	char *dst = c->write ? e->mem.p : e->ubuf.p, *src = c->write ? e->ubuf.p : e->mem.p;
	uint64_t done;
	int ret;

	for (long i = 0; i < iters; i++) {
		switch (c->via) {
		case V_MEMCPY:
			memcpy(dst, src, c->size);
			__asm__ volatile("" : : "r"(dst) : "memory");
			continue;
		case V_MOVSB:
			rep_movsb(dst, src, c->size);
			continue;
		}
		ret = ioasid_dma(e->h, e->dev[c->via], c->write ? IOASID_DMA_WRITE : 0, 0,
				 e->iova[c->via], e->ubuf.p, c->size, &done);
		if (ret || done != c->size)
			die("DMA %s %" PRIu64 " bytes via %s: %s, %" PRIu64 " done",
			    c->write ? "write" : "read", c->size, via_name[c->via],
			    ret ? strerror(-ret) : "short", done);
	}
}

static double cell_time(struct cell *c, long iters)
{
	uint64_t t0 = now_ns();

	cell_run(c, iters);
	return (now_ns() - t0) / 1e9;
}

/* Iterations for about --batch-ms: double until 5 ms, then scale. */
static void cell_init(struct cell *c, struct denv *e, uint64_t size, bool write, int via)
{
	long n = 1;
	double t;

	memset(c, 0, sizeof(*c));
	c->e = e;
	c->size = size;
	c->write = write;
	c->via = via;
	for (;;) {
		t = cell_time(c, n);
		if (t >= 0.005 || n >= (1L << 30))
			break;
		n *= 2;
	}
	c->iters = (long)(opt.batch_ms / 1e3 / (t / n));
	if (c->iters < 1)
		c->iters = 1;
}

/* Root and child over one buffer, a device attached to each. */
static void denv_setup(struct denv *e, uint64_t len)
{
	uint64_t iova = IOVA_BASE;
	uint32_t root, child;

	buf_must(&e->ubuf, len + UBUF_SKEW, BUF_4K, "the caller's buffer");
	e->ubuf.p += UBUF_SKEW;
	e->ubuf.len = len;
	if (e->huge)
		e->how = buf_alloc_huge(&e->mem, len, "the mapped buffer");
	else
		e->how = buf_alloc_scattered(&e->mem, len, e->ubuf.p, "the mapped buffer");
	must(ioasid_open(&e->h, NULL, 0), "open /dev/ioasid");
	must(ioasid_node_alloc(e->h, 0, IOASID_MODE_KERNEL_MANAGED, &root), "ALLOC root");
	must(ioasid_map(e->h, root, (uintptr_t)e->mem.p, len, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP root");
	must(ioasid_node_alloc(e->h, root, IOASID_MODE_KERNEL_MANAGED, &child), "ALLOC child");
	e->iova[V_ROOT] = IOVA_BASE;
	e->iova[V_TREE] = iova = IOVA_BASE + LEVEL_STRIDE;
	must(ioasid_map(e->h, child, IOVA_BASE, len, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP child");
	for (int v = 0; v < NV; v++) {
		must(ioasid_device_create(e->h, 0, 0, &e->dev[v]), "DEVICE_CREATE");
		must(ioasid_attach(e->h, e->dev[v], v == V_ROOT ? root : child, 0, 0), "ATTACH");
	}
}

/*
 * Data really moves (write through the root, read back through the child);
 * then warm both devices and count chunks (IOTLB hits) per transfer.
 */
static int denv_check(struct denv *e, uint64_t len)
{
	struct ioasid_device_info i0, i1;
	uint64_t done;
	char s1[32];
	int bad = 0;

	fill(e->ubuf.p, len, 7);
	must(ioasid_dma(e->h, e->dev[V_ROOT], IOASID_DMA_WRITE, 0, e->iova[V_ROOT], e->ubuf.p,
			len, &done), "DMA write");
	if (memcmp(e->mem.p, e->ubuf.p, len)) {
		printf("!! %s: DMA write through the root did not put the buffer into the mapped "
		       "memory\n", e->name);
		bad++;
	}
	memset(e->ubuf.p, 0, len);
	fill(e->mem.p, len, 11);
	must(ioasid_dma(e->h, e->dev[V_TREE], 0, 0, e->iova[V_TREE], e->ubuf.p, len, &done),
	     "DMA read");
	if (memcmp(e->mem.p, e->ubuf.p, len)) {
		printf("!! %s: DMA read through the child did not bring the mapped memory into "
		       "the buffer\n", e->name);
		bad++;
	}
	for (int v = 0; v < NV; v++)
		for (int w = 0; w < 2; w++)
			must(ioasid_dma(e->h, e->dev[v], w ? IOASID_DMA_WRITE : 0, 0, e->iova[v],
					e->ubuf.p, len, &done), "DMA warm-up");
	for (int i = 0; i < opt.nsizes; i++)
		for (int v = 0; v < NV; v++) {
			i0 = dev_info(e->h, e->dev[v]);
			must(ioasid_dma(e->h, e->dev[v], 0, 0, e->iova[v], e->ubuf.p, opt.sizes[i],
					&done), "DMA probe");
			i1 = dev_info(e->h, e->dev[v]);
			e->chunks[i][v] = i1.out_iotlb_hits - i0.out_iotlb_hits;
			if (i1.out_iotlb_misses != i0.out_iotlb_misses) {
				printf("!! %s: a warm %s DMA via %s missed the IOTLB\n", e->name,
				       size_str(opt.sizes[i], s1, sizeof(s1)), via_name[v]);
				bad++;
			}
		}
	return bad;
}

static void denv_free(struct denv *e)
{
	for (int v = 0; v < NV; v++) {
		must(ioasid_detach(e->h, e->dev[v], 0, 0), "DETACH");
		must(ioasid_device_destroy(e->h, e->dev[v]), "DESTROY device");
	}
	ioasid_close(e->h);
	buf_free(&e->mem);
	buf_free(&e->ubuf);
}

/* One table row: a size and direction of one layout, cells V_MEMCPY first. */
static void dma_row(struct cell *m, int si)
{
	struct denv *e = m->e;
	struct cell *mv = m + 1;
	char s1[32], s2[32], cas[48], ch[48], test[32];

	snprintf(test, sizeof(test), "dma-%s", e->tag);
	snprintf(cas, sizeof(cas), "%s-%s", size_tag(m->size, s1, sizeof(s1)),
		 m->write ? "write" : "read");
	printf("  %-12s %-7s %-5s %7.3f %7.3f", e->name, size_str(m->size, s2, sizeof(s2)),
	       m->write ? "write" : "read", m->size / m->sec / GiB, mv->size / mv->sec / GiB);
	csv(test, cas, "memcpy", "gib_s", m->size / m->sec / GiB);
	csv(test, cas, "rep-movsb", "gib_s", mv->size / mv->sec / GiB);
	for (int v = 0; v < NV; v++) {
		struct cell *c = m + 2 + v;
		double gib = c->size / c->sec / GiB;

		printf("  | %7.3f %5.2fx %5.2fx", gib, m->sec / c->sec, mv->sec / c->sec);
		csv(test, cas, via_name[v], "gib_s", gib);
		csv(test, cas, via_name[v], "ratio_memcpy", m->sec / c->sec);
		csv(test, cas, via_name[v], "ratio_movsb", mv->sec / c->sec);
		csv(test, cas, via_name[v], "us_per_dma", c->sec * 1e6);
	}
	if (e->chunks[si][V_ROOT] == e->chunks[si][V_TREE])
		snprintf(ch, sizeof(ch), "%" PRIu64, e->chunks[si][V_ROOT]);
	else
		snprintf(ch, sizeof(ch), "%" PRIu64 "/%" PRIu64, e->chunks[si][V_ROOT],
			 e->chunks[si][V_TREE]);
	printf("  | %6s\n", ch);
	csv(test, cas, "root", "chunks", e->chunks[si][V_ROOT]);
	csv(test, cas, "2-level", "chunks", e->chunks[si][V_TREE]);
}

static void run_dma(void)
{
	enum { PER_ROW = NV + 2, PER_SIZE = 2 * PER_ROW };
	struct cell *cells, **all;
	uint64_t maxsize = 0;
	char s1[32];
	int ncells = 0, nall = 0, bad = 0, ne = 0;
	struct denv *es[NLAYOUTS];
	double t0 = now_ns() / 1e9;

	for (int i = 0; i < opt.nsizes; i++)
		if (opt.sizes[i] > maxsize)
			maxsize = opt.sizes[i];
	for (int l = 0; l < NLAYOUTS; l++)
		if (opt.layouts & (1U << l))
			es[ne++] = &envs[l];
	cells = calloc(ne * opt.nsizes * PER_SIZE, sizeof(*cells));
	all = calloc(ne * opt.nsizes * PER_SIZE, sizeof(*all));
	if (!cells || !all)
		die("out of memory");
	printf("\n== dma: IOASID_DMA throughput with a warm IOTLB, against memcpy of the same bytes\n");
	printf("  per layout, a %s buffer at IOVA 0x%" PRIx64 " of a root; the 2-level device is "
	       "attached to a child mapping\n  all of it at 0x%" PRIx64 "; every transfer starts at "
	       "offset 0; median of %d interleaved rounds of ~%.0f ms per cell\n",
	       size_str(maxsize, s1, sizeof(s1)), IOVA_BASE, IOVA_BASE + LEVEL_STRIDE,
	       opt.rounds, opt.batch_ms);
	for (int l = 0; l < ne; l++) {
		denv_setup(es[l], maxsize);
		bad += denv_check(es[l], maxsize);
		printf("  %s: %s\n", es[l]->name, es[l]->how);
	}

	for (int l = 0; l < ne; l++)
		for (int i = 0; i < opt.nsizes; i++)
			for (int w = 0; w < 2; w++)
				for (int v = V_MEMCPY; v < NV; v++) {
					cell_init(&cells[ncells], es[l], opt.sizes[i], w, v);
					all[nall++] = &cells[ncells++];
				}
	for (int l = 0; l < ne; l++)
		for (int v = 0; v < NV; v++)
			es[l]->before[v] = dev_info(es[l]->h, es[l]->dev[v]);
	for (int r = 0; r < opt.rounds; r++)
		for (int k = 0; k < nall; k++) {
			/* Alternate the order, so no cell always follows the same one. */
			struct cell *c = all[r % 2 ? nall - 1 - k : k];

			c->t[r] = cell_time(c, c->iters) / c->iters;
			if (c->via >= 0)
				c->e->dmas[c->via] += c->iters;
		}
	for (int l = 0; l < ne; l++)
		for (int v = 0; v < NV; v++)
			es[l]->after[v] = dev_info(es[l]->h, es[l]->dev[v]);
	for (int k = 0; k < nall; k++)
		all[k]->sec = median(all[k]->t, opt.rounds);

	printf("  GiB/s, and each DMA's ratio to memcpy and to rep movsb of the same size and "
	       "direction\n  (project target at 64 KiB: DMA >= 0.50x memcpy)\n");
	printf("  %-12s %-7s %-5s %7s %7s  | %7s %6s %6s  | %7s %6s %6s  | %6s\n", "pages", "size",
	       "dir", "memcpy", "movsb", "root", "/mcpy", "/movsb", "2-level", "/mcpy", "/movsb",
	       "chunks");
	for (int k = 0; k < ncells; k += PER_ROW)
		dma_row(&cells[k], (k / PER_SIZE) % opt.nsizes);
	printf("  read: the device reads the IOVA into the caller's buffer (copy_to_user); write: "
	       "the caller's buffer\n  goes to the IOVA (copy_from_user). memcpy: glibc's, between "
	       "the same two buffers. movsb: rep movsb\n  between them, the instruction the "
	       "kernel's user copies use on this CPU (ERMS), which TCG runs\n  slower than "
	       "glibc's vector loops; glibc's memcpy picks it too for mid sizes (here 64 KiB).\n");
	printf("  chunks: IOTLB lookups per DMA, one per physically contiguous run of the pinned "
	       "pages.\n");
	for (int l = 0; l < ne; l++) {
		struct denv *e = es[l];

		for (int v = 0; v < NV; v++) {
			uint64_t miss = e->after[v].out_iotlb_misses - e->before[v].out_iotlb_misses;
			uint64_t hits = e->after[v].out_iotlb_hits - e->before[v].out_iotlb_hits;

			if (miss) {
				printf("!! %s, %s device: %" PRIu64 " IOTLB misses during the "
				       "measurement (it was not warm)\n", e->name, via_name[v], miss);
				bad++;
			} else {
				printf("  %s, %s device: %" PRIu64 " DMAs timed, %" PRIu64 " IOTLB "
				       "hits, 0 misses, %" PRIu64 " entry\n", e->name, via_name[v],
				       e->dmas[v], hits, (uint64_t)e->after[v].out_iotlb_entries);
			}
		}
		denv_free(e);
	}
	free(cells);
	free(all);
	printf("  (%s%.1f s)\n", bad ? "sanity checks failed; " : "", now_ns() / 1e9 - t0);
	csv_flush();
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* cold: a translation right after the IOTLB was emptied */

struct chain {
	int depth;
	uint32_t node[MAX_DEPTHS];
	uint32_t dev;
	uint64_t leaf_iova;
	uint64_t leaf_src;	/* what the leaf mapping maps: an address or parent IOVA */
	struct ioasid_device_info i0;
	uint64_t cold_ops;
	double *t[4];		/* cold TRANSLATE, warm TRANSLATE, cold DMA, warm DMA */
};

enum { K_TR_COLD, K_TR_WARM, K_DMA_COLD, K_DMA_WARM };

static uint64_t level_iova(int level)
{
	return IOVA_BASE + level * LEVEL_STRIDE;
}

static void chain_build(struct ioasid_handle *h, struct chain *c, int depth, char *mem)
{
	uint64_t iova;
	uint32_t parent = 0;

	c->depth = depth;
	for (int l = 0; l < depth; l++) {
		must(ioasid_node_alloc(h, parent, IOASID_MODE_KERNEL_MANAGED, &c->node[l]),
		     "ALLOC");
		iova = level_iova(l);
		c->leaf_src = l ? level_iova(l - 1) : (uintptr_t)mem;
		must(ioasid_map(h, c->node[l], c->leaf_src, COLD_LEN, &iova,
				IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP");
		parent = c->node[l];
	}
	c->leaf_iova = level_iova(depth - 1);
	must(ioasid_device_create(h, 0, 0, &c->dev), "DEVICE_CREATE");
	must(ioasid_attach(h, c->dev, c->node[depth - 1], 0, 0), "ATTACH");
}

/* Empty the device's IOTLB for the range. */
static void chain_flush(struct ioasid_handle *h, struct chain *c)
{
	uint64_t iova = c->leaf_iova, unmapped;

	if (opt.flush_unmap) {
		must(ioasid_unmap(h, c->node[c->depth - 1], iova, COLD_LEN, &unmapped), "UNMAP");
		must(ioasid_map(h, c->node[c->depth - 1], c->leaf_src, COLD_LEN, &iova,
				IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP");
	} else {
		must(ioasid_detach(h, c->dev, 0, 0), "DETACH");
		must(ioasid_attach(h, c->dev, c->node[c->depth - 1], 0, 0), "ATTACH");
	}
	c->cold_ops++;
}

static double op_translate(struct ioasid_handle *h, struct chain *c, uint64_t off)
{
	struct ioasid_translate t;
	uint64_t t0, t1;
	int ret;

	t0 = now_ns();
	ret = ioasid_translate(h, c->dev, 0, 0, c->leaf_iova + off, &t);
	t1 = now_ns();
	must(ret, "TRANSLATE");
	return (t1 - t0) / 1e3;
}

static double op_dma(struct ioasid_handle *h, struct chain *c, uint64_t off, char *buf)
{
	uint64_t t0, t1, done;
	int ret;

	t0 = now_ns();
	ret = ioasid_dma(h, c->dev, 0, 0, c->leaf_iova + off, buf, COLD_DMA, &done);
	t1 = now_ns();
	must(ret, "DMA");
	return (t1 - t0) / 1e3;
}

static void run_cold(void)
{
	static const char *const kind[4] = { "translate-cold", "translate-warm",
					     "dma64-cold", "dma64-warm" };
	struct chain chains[MAX_DEPTHS];
	struct ioasid_handle *h;
	struct ioasid_translate tr;
	struct buf mem;
	char small[COLD_DMA], name[32];
	int n = 0, bad = 0, ns = opt.cold_samples;
	double t0 = now_ns() / 1e9, *clk;

	printf("\n== cold: one TRANSLATE and one %d-byte DMA just after the device's IOTLB was "
	       "emptied, against warm\n", COLD_DMA);
	printf("  each level maps %s; the device is attached to the leaf; IOTLB emptied by %s "
	       "before every cold sample\n", "64 KiB",
	       opt.flush_unmap ? "UNMAP + MAP of the leaf's mapping" : "DETACH + ATTACH");
	printf("  median (p90) of %d samples, each timed alone (us, including one clock read)\n",
	       ns);
	must(ioasid_open(&h, NULL, 0), "open /dev/ioasid");
	buf_must(&mem, COLD_LEN, BUF_4K, "the cold-test buffer");
	fill(mem.p, COLD_LEN, 3);
	for (int i = 0; i < opt.ndepths; i++) {
		if ((uint32_t)opt.depths[i] > max_depth) {
			printf("  %d-level: SKIP: deeper than GET_INFO out_max_depth (%u)\n",
			       opt.depths[i], max_depth);
			continue;
		}
		memset(&chains[n], 0, sizeof(chains[n]));
		chain_build(h, &chains[n], opt.depths[i], mem.p);
		must(ioasid_translate(h, chains[n].dev, 0, 0, chains[n].leaf_iova + 0x1230, &tr),
		     "TRANSLATE");
		if (tr.out_uaddr != (uintptr_t)mem.p + 0x1230 ||
		    tr.out_length != COLD_LEN - 0x1230) {
			tree_name(opt.depths[i], name, sizeof(name));
			printf("!! %s: TRANSLATE gave 0x%" PRIx64 " + %" PRIu64 ", not %p + %" PRIu64
			       "\n", name, (uint64_t)tr.out_uaddr, (uint64_t)tr.out_length,
			       (void *)(mem.p + 0x1230), COLD_LEN - 0x1230);
			bad++;
		}
		for (int k = 0; k < 4; k++) {
			chains[n].t[k] = calloc(ns, sizeof(double));
			if (!chains[n].t[k])
				die("out of memory");
		}
		chains[n].i0 = dev_info(h, chains[n].dev);
		n++;
	}
	clk = calloc(ns, sizeof(double));
	if (!clk)
		die("out of memory");

	for (int s = 0; s < ns; s++) {
		/* Vary the address within the range; the entry covers all of it. */
		uint64_t off = ((uint64_t)s * 4160) % (COLD_LEN - COLD_DMA);
		uint64_t c0 = now_ns();

		clk[s] = (now_ns() - c0) / 1e3;
		for (int i = 0; i < n; i++) {
			struct chain *c = &chains[i];

			chain_flush(h, c);
			c->t[K_TR_COLD][s] = op_translate(h, c, off);
			c->t[K_TR_WARM][s] = op_translate(h, c, off);
			chain_flush(h, c);
			c->t[K_DMA_COLD][s] = op_dma(h, c, off, small);
			c->t[K_DMA_WARM][s] = op_dma(h, c, off, small);
		}
	}

	printf("  %-9s %22s %22s %10s %22s %22s %10s\n", "tree", "TRANSLATE cold", "warm",
	       "cold-warm", "DMA 64 B cold", "warm", "cold-warm");
	for (int i = 0; i < n; i++) {
		struct chain *c = &chains[i];
		struct ioasid_device_info i1 = dev_info(h, c->dev);
		uint64_t miss = i1.out_iotlb_misses - c->i0.out_iotlb_misses;
		double med[4], p90[4];
		char cell[40];

		tree_name(c->depth, name, sizeof(name));
		for (int k = 0; k < 4; k++) {
			p90[k] = quantile(c->t[k], ns, 0.9);
			med[k] = median(c->t[k], ns);
			csv("cold", kind[k], name, "median_us", med[k]);
		}
		printf("  %-9s", name);
		for (int k = 0; k < 4; k += 2) {
			snprintf(cell, sizeof(cell), "%.2f (%.2f)", med[k], p90[k]);
			printf(" %22s", cell);
			snprintf(cell, sizeof(cell), "%.2f (%.2f)", med[k + 1], p90[k + 1]);
			printf(" %22s %10.2f", cell, med[k] - med[k + 1]);
		}
		printf("\n");
		if (miss != c->cold_ops) {
			printf("!! %s device: %" PRIu64 " IOTLB misses for %" PRIu64 " cold samples "
			       "(expected one each, none for warm ones)\n", name, miss, c->cold_ops);
			bad++;
		}
	}
	printf("  IOTLB misses: one per cold sample and none per warm one, on every device%s\n",
	       bad ? " (except where !! says otherwise)" : "");
	printf("  a clock read alone: %.2f us (median); cold-warm is the cost of the miss: "
	       "the walk through every level and the insertion\n", median(clk, ns));
	for (int i = 0; i < n; i++) {
		must(ioasid_detach(h, chains[i].dev, 0, 0), "DETACH");
		for (int k = 0; k < 4; k++)
			free(chains[i].t[k]);
	}
	free(clk);
	ioasid_close(h);
	buf_free(&mem);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* unmap: UNMAP of one cached entry among many */

/*
 * A context for the unmap test: 2 * M 4 KiB mappings in one root and a
 * device attached to it. Mappings at even positions may be cached; those
 * at odd positions never are: UNMAPs of them are the control, timed in the
 * same context, with the same entries cached, as the UNMAPs of cached ones.
 * The cases of a context take turns in it: a case is entered by DETACH
 * (which empties the IOTLB), ATTACH and a DMA to each mapping it caches.
 */
struct uctx {
	struct ioasid_handle *h;
	uint32_t root, dev;
	bool attached;
	uint64_t m;			/* cacheable mappings (M) */
	char *pages;			/* 2M pages (one pool for every context) */
	const uint64_t *targets;	/* cacheable ones the samples unmap */
	uint64_t ntargets;
	const struct ucase *now;	/* the case whose entries are cached */
};

/* One case: N + 1 entries cached, the targets' and N - ntargets + 1 others. */
struct ucase {
	struct uctx *x;
	uint64_t n;
	bool *cached;		/* which cacheable mappings it caches */
	double *t;		/* UNMAP times of targets, us */
	double *tu;		/* UNMAP times of their uncached neighbours, us */
	int bad_before, bad_after, bad_gen, bad_uncached;
};

/* Cacheable mapping i is at position 2i, its uncached neighbour at 2i + 1. */
static uint64_t uctx_iova(uint64_t pos)
{
	return IOVA_BASE + 2 * pos * PAGE;	/* a hole between mappings */
}

static void uctx_map(struct uctx *x, uint64_t pos)
{
	uint64_t iova = uctx_iova(pos);

	must(ioasid_map(x->h, x->root, (uintptr_t)x->pages + pos * PAGE, PAGE, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP");
}

static void uctx_cache(struct uctx *x, uint64_t pos)
{
	uint64_t done;
	char b[UNMAP_DMA];

	must(ioasid_dma(x->h, x->dev, 0, 0, uctx_iova(pos), b, sizeof(b), &done), "DMA");
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void uctx_open(struct uctx *x, uint64_t m, char *pages, const uint64_t *targets,
		      uint64_t ntargets)
{
	memset(x, 0, sizeof(*x));
	x->m = m;
	x->pages = pages;
	x->targets = targets;
	x->ntargets = ntargets;
	must(ioasid_open(&x->h, NULL, 0), "open /dev/ioasid");
	must(ioasid_node_alloc(x->h, 0, IOASID_MODE_KERNEL_MANAGED, &x->root), "ALLOC");
	must(ioasid_device_create(x->h, 0, 0, &x->dev), "DEVICE_CREATE");
	for (uint64_t pos = 0; pos < 2 * m; pos++)
		uctx_map(x, pos);
}

/*
 * A case of @x with @n other entries: it caches the targets, then other
 * cacheable mappings picked with a stride coprime with M (so they spread
 * over the whole tree) until n + 1.
 */
static void ucase_init(struct ucase *c, struct uctx *x, uint64_t n)
{
	uint64_t count = 0, stride = 7919;

	memset(c, 0, sizeof(*c));
	c->x = x;
	c->n = n;
	c->t = calloc(opt.unmap_samples, sizeof(double));
	c->tu = calloc(opt.unmap_samples, sizeof(double));
	c->cached = calloc(x->m, sizeof(bool));
	if (!c->t || !c->tu || !c->cached)
		die("out of memory");
	for (uint64_t t = 0; t < x->ntargets; t++) {
		count += !c->cached[x->targets[t]];
		c->cached[x->targets[t]] = true;
	}
	while (gcd64(stride, x->m) != 1)
		stride++;
	for (uint64_t t = 0; count < n + 1; t++) {
		uint64_t i = t * stride % x->m;

		count += !c->cached[i];
		c->cached[i] = true;
	}
}

static void ucase_enter(struct ucase *c)
{
	struct uctx *x = c->x;
	char s[32];

	if (x->now == c)
		return;
	if (x->attached)
		must(ioasid_detach(x->h, x->dev, 0, 0), "DETACH");
	must(ioasid_attach(x->h, x->dev, x->root, 0, 0), "ATTACH");
	x->attached = true;
	x->now = c;
	for (uint64_t i = 0; i < x->m; i++)
		if (c->cached[i])
			uctx_cache(x, 2 * i);
	if (dev_info(x->h, x->dev).out_iotlb_entries != c->n + 1)
		printf("!! N=%s: %" PRIu64 " IOTLB entries after caching %" PRIu64 " mappings\n",
		       count_str(c->n, s, sizeof(s)),
		       (uint64_t)dev_info(x->h, x->dev).out_iotlb_entries, c->n + 1);
}

/* UNMAP one mapping (timed, us) and MAP it again. */
static double ucase_unmap(struct uctx *x, uint64_t pos)
{
	uint64_t t0, t1, unmapped;
	int ret;

	t0 = now_ns();
	ret = ioasid_unmap(x->h, x->root, uctx_iova(pos), PAGE, &unmapped);
	t1 = now_ns();
	must(ret, "UNMAP");
	if (unmapped != PAGE)
		die("UNMAP removed %" PRIu64 " bytes, not %" PRIu64, unmapped, PAGE);
	uctx_map(x, pos);
	return (t1 - t0) / 1e3;
}

/*
 * One sample: UNMAP a target and MAP it again, then the same for the
 * uncached neighbour of a target half the list away (as far from where the
 * first UNMAP warmed the trees as the first was from the sample before),
 * each timed. Check that all N+1 entries were cached before, that exactly
 * the target's went (and the generation moved), and that the uncached UNMAP
 * dropped nothing. Then re-cache the target. The targets are visited with a
 * stride that lands all over the trees. A warm-up sample is not recorded.
 */
static void ucase_sample(struct ucase *c, int s, bool warmup)
{
	struct uctx *x = c->x;
	struct ioasid_device_info b, a, u;
	uint64_t k = ((uint64_t)s * 7919 + 1) % x->ntargets;
	uint64_t i = x->targets[k], j = x->targets[(k + x->ntargets / 2) % x->ntargets];
	double t, tu;

	b = dev_info(x->h, x->dev);
	if (b.out_iotlb_entries != c->n + 1)
		c->bad_before++;
	t = ucase_unmap(x, 2 * i);
	a = dev_info(x->h, x->dev);
	if (a.out_iotlb_entries != c->n)
		c->bad_after++;
	if (a.out_generation == b.out_generation)
		c->bad_gen++;
	tu = ucase_unmap(x, 2 * j + 1);
	u = dev_info(x->h, x->dev);
	if (u.out_iotlb_entries != c->n || u.out_generation != a.out_generation)
		c->bad_uncached++;
	uctx_cache(x, 2 * i);
	if (!warmup) {
		c->t[s] = t;
		c->tu[s] = tu;
	}
}

/* Print a row; returns the median. */
static double unmap_row(const char *test, const struct ucase *c, double *t, bool uncached,
			double first)
{
	int ns = opt.unmap_samples;
	double sum = 0, p10, p90, med;
	char n[32], m[32], cas[48];

	for (int s = 0; s < ns; s++)
		sum += t[s];
	p10 = quantile(t, ns, 0.1);
	p90 = quantile(t, ns, 0.9);
	med = median(t, ns);
	count_str(c->n, n, sizeof(n));
	count_str(2 * c->x->m, m, sizeof(m));
	printf("  %-9s N = %-7s %8.2f %8.2f %8.2f %8.2f %9.2fx  %s mappings\n",
	       uncached ? "uncached" : "cached", n, med, p10, p90, sum / ns,
	       med / (first > 0 ? first : med), m);
	snprintf(cas, sizeof(cas), "N=%s", n);
	csv(test, cas, "root", uncached ? "median_us_uncached" : "median_us", med);
	return med;
}

/*
 * @layout U_SAME: one context with 2 * (the largest N + 1) mappings, and
 * every case a state of it: the cache is the only thing that changes (the
 * figure for the IOTLB). The samples unmap the same targets (as many as
 * the smallest case caches) in every case. U_GROW: one context per N with
 * 2 * (N + 1) mappings, all the cacheable ones cached, so the mapping tree
 * grows with the cache too.
 */
static void run_unmap(unsigned int layout)
{
	int ns = opt.unmap_samples, nn = opt.nunmap, last = nn - 1, nx, block = opt.unmap_block;
	const char *test = layout == U_SAME ? "unmap" : "unmap-grow";
	struct ucase cs[MAX_UNMAP_N];
	struct uctx x[MAX_UNMAP_N];
	uint64_t *targets[MAX_UNMAP_N], m = 0, n0 = UINT64_MAX;
	double med[MAX_UNMAP_N], medu[MAX_UNMAP_N], p10[2], t0 = now_ns() / 1e9;
	double clk = clock_ns / 1e3;
	char c1[32], c2[32], cas[80];
	struct buf pool;	/* each context pins the pages it maps itself */

	for (int k = 0; k < nn; k++) {
		m = opt.unmap_n[k] + 1 > m ? opt.unmap_n[k] + 1 : m;
		n0 = opt.unmap_n[k] < n0 ? opt.unmap_n[k] : n0;
	}
	buf_must(&pool, 2 * m * PAGE, BUF_4K, "the unmap-test pages");
	count_str(2 * m, c1, sizeof(c1));
	count_str(n0 + 1, c2, sizeof(c2));
	printf("\n== %s: UNMAP of one 4 KiB mapping whose IOTLB entry is cached, with N other "
	       "entries cached by the same device\n", test);
	if (layout == U_SAME)
		printf("  One root with %s separate 4 KiB mappings (distinct pages, a 4 KiB hole "
		       "between them) and one device.\n  Each case caches N+1 of the even ones (an "
		       "%d-byte DMA each): the same %s, spread evenly, that\n  the samples unmap, "
		       "and others spread over the tree. Only the cache differs between the "
		       "cases.\n", c1, UNMAP_DMA, c2);
	else
		printf("  Per N, a root with 2(N+1) separate 4 KiB mappings (distinct pages, a "
		       "4 KiB hole between them),\n  the N+1 even ones cached by an %d-byte DMA "
		       "each: the mapping tree grows with the cache.\n", UNMAP_DMA);
	printf("  Per sample: UNMAP a cached one (timed) and MAP it again, then the same for "
	       "an uncached odd\n  mapping elsewhere (timed: the control, no IOTLB work, "
	       "same context and cache), then re-cache\n  the first; check out_iotlb_entries "
	       "around each (N+1, N, N) and the generation (moved, then\n  not). Cases "
	       "sharing a context take turns in blocks of %d samples (DETACH, ATTACH, "
	       "re-caching\n  and %d untimed samples between them), in reverse every other "
	       "round. Median of %d samples,\n  us, including one clock read\n", block,
	       UNMAP_WARMUP, ns);

	nx = layout == U_SAME ? 1 : nn;
	for (int k = 0; k < nx; k++) {
		uint64_t mk = layout == U_SAME ? m : opt.unmap_n[k] + 1;
		uint64_t nt = layout == U_SAME ? n0 + 1 : mk;

		targets[k] = calloc(nt, sizeof(uint64_t));
		if (!targets[k])
			die("out of memory");
		for (uint64_t j = 0; j < nt; j++)
			targets[k][j] = j * mk / nt;
		uctx_open(&x[k], mk, pool.p, targets[k], nt);
	}
	for (int k = 0; k < nn; k++)
		ucase_init(&cs[k], &x[layout == U_SAME ? 0 : k], opt.unmap_n[k]);

	for (int s0 = 0, round = 0; s0 < ns; s0 += block, round++)
		for (int r = 0; r < nn; r++) {
			struct ucase *c = &cs[round % 2 ? nn - 1 - r : r];

			ucase_enter(c);
			/* Entering a case churned the caches: settle first. */
			for (int s = s0; s < s0 + UNMAP_WARMUP; s++)
				ucase_sample(c, s, true);
			for (int s = s0; s < ns && s < s0 + block; s++)
				ucase_sample(c, s, false);
		}

	printf("  %-9s %-11s %8s %8s %8s %8s %10s\n", "", "unrelated", "median", "p10", "p90",
	       "mean", "vs first");
	for (int k = 0; k < nn; k++)
		med[k] = unmap_row(test, &cs[k], cs[k].t, false, k ? med[0] : 0);
	for (int k = 0; k < nn; k++)
		medu[k] = unmap_row(test, &cs[k], cs[k].tu, true, k ? medu[0] : 0);
	if (nn >= 2) {
		count_str(opt.unmap_n[last], c1, sizeof(c1));
		count_str(opt.unmap_n[0], c2, sizeof(c2));
		printf("  ratio N=%s / N=%s, cached: %.2fx (%s); uncached: %.2fx\n", c1, c2,
		       med[last] / med[0], layout == U_SAME ? "project target: <= 1.2x" :
		       "the target's figure is the same-mappings layout's", medu[last] / medu[0]);
		p10[0] = quantile(cs[0].t, ns, 0.1);
		p10[1] = quantile(cs[last].t, ns, 0.1);
		printf("  the same less a clock read (%.2f us) on each side: cached %.2fx; the "
		       "p10 ratio, cached: %.2fx\n", clk, (med[last] - clk) / (med[0] - clk),
		       p10[1] / p10[0]);
		printf("  the invalidation's own share (cached - uncached): N=%s %.2f us, N=%s "
		       "%.2f us\n", c2, med[0] - medu[0], c1, med[last] - medu[last]);
		snprintf(cas, sizeof(cas), "N=%s/N=%s", c1, c2);
		csv(test, cas, "root", "ratio", med[last] / med[0]);
		csv(test, cas, "root", "ratio_uncached", medu[last] / medu[0]);
		csv(test, cas, "root", "ratio_less_clock", (med[last] - clk) / (med[0] - clk));
		csv(test, cas, "root", "ratio_p10", p10[1] / p10[0]);
		csv(test, cas, "root", "share_growth_us",
		    (med[last] - medu[last]) - (med[0] - medu[0]));
	}
	for (int k = 0; k < nn; k++) {
		struct ucase *c = &cs[k];

		count_str(c->n, c1, sizeof(c1));
		if (c->bad_before || c->bad_after || c->bad_gen || c->bad_uncached)
			printf("!! N=%s: %d samples without N+1 entries before the UNMAP, %d without "
			       "N after it, %d where the generation did not move, %d where the "
			       "uncached UNMAP changed the IOTLB\n", c1, c->bad_before,
			       c->bad_after, c->bad_gen, c->bad_uncached);
		else
			printf("  N=%s: every cached UNMAP had N+1 entries before and N after (its "
			       "own entry went), every uncached one left them alone\n", c1);
		free(c->t);
		free(c->tu);
		free(c->cached);
	}
	for (int k = 0; k < nx; k++) {
		ioasid_close(x[k].h);
		free(targets[k]);
	}
	buf_free(&pool);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* user: user-managed nodes (a guest's x86-64 page table, walked in software) */

/*
 * A guest's memory for the user tests: table pages first (a bump allocator
 * hands them out), then data pages. The root maps it at IOVA_BASE; with a
 * 2-level parent, a kernel-managed child maps all of that at IOVA_BASE +
 * LEVEL_STRIDE. The user-managed node (x86-64, 4 levels, 48-bit output, A/D
 * update) hangs under the root or the child, and its table's addresses are
 * the parent's IOVAs. Guest IOVA slot s is GIOVA_BASE + s * 4 KiB.
 */
#define GIOVA_BASE	0x100000000000ULL	/* 16 TiB: canonical, every level used */
#define PTE_PRESENT	0x7ULL			/* P, R/W, U/S */
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

struct uenv {
	struct ioasid_handle *h;
	int depth;		/* kernel-managed levels above the user node: 1 or 2 */
	uint32_t root, kchild, parent, node;
	uint32_t dev;		/* attached to the user-managed node */
	uint32_t kdev;		/* attached to the parent (a reference), or 0 */
	uint32_t node2, dev2;	/* a second user-managed node on the same table, or 0 */
	struct buf mem;
	uint64_t tables;	/* bytes of table pages at the start of mem */
	uint64_t next_table;
};

static int user_ioctl(struct ioasid_handle *h, unsigned long request, void *arg)
{
	return ioctl(ioasid_fd(h), request, arg) < 0 ? -errno : 0;
}

/* The parent's address of byte @off of the guest's memory. */
static uint64_t uenv_paddr(const struct uenv *e, uint64_t off)
{
	return (e->depth == 1 ? IOVA_BASE : IOVA_BASE + LEVEL_STRIDE) + off;
}

static uint64_t giova(uint64_t slot)
{
	return GIOVA_BASE + slot * PAGE;
}

/* Guest IOVA slot @slot -> byte @data_off of the guest's memory, 4 KiB. */
static void uenv_pte(struct uenv *e, uint64_t slot, uint64_t data_off)
{
	uint64_t table = 0, iova = giova(slot), *pte;

	for (int level = 4; level > 1; level--) {
		pte = (uint64_t *)(e->mem.p + table) + ((iova >> (12 + 9 * (level - 1))) & 511);
		if (!(*pte & 1)) {
			if (e->next_table >= e->tables)
				die("user: guest table pages exhausted");
			*pte = uenv_paddr(e, e->next_table) | PTE_PRESENT;
			e->next_table += PAGE;
		}
		table = (*pte & PTE_ADDR_MASK) - uenv_paddr(e, 0);
	}
	pte = (uint64_t *)(e->mem.p + table) + ((iova >> 12) & 511);
	*pte = uenv_paddr(e, data_off) | PTE_PRESENT;
}

/* Table pages for @slots 4 KiB leaves in a row, with room to spare. */
static uint64_t table_bytes(uint64_t slots)
{
	return (slots / 512 + 8) * PAGE;
}

/* A user-managed node under @e->parent bound to the table, a device attached. */
static void user_node_open(struct uenv *e, uint32_t *node, uint32_t *dev)
{
	struct ioasid_format_x86_64 fmt = {
		.hdr = { .size = sizeof(fmt), .format = IOASID_FORMAT_X86_64 },
		.flags = IOASID_X86_64_AD_UPDATE, .levels = 4, .phys_bits = 48,
	};
	struct ioasid_alloc alloc = {
		.size = sizeof(alloc), .mode = IOASID_MODE_USER_MANAGED,
		.parent_id = e->parent, .format = (uintptr_t)&fmt, .format_len = sizeof(fmt),
	};
	struct ioasid_bind bind = { .size = sizeof(bind) };

	must(user_ioctl(e->h, IOASID_ALLOC, &alloc), "ALLOC user-managed");
	*node = alloc.out_id;
	bind.id = *node;
	bind.root = uenv_paddr(e, 0);
	must(user_ioctl(e->h, IOASID_BIND, &bind), "BIND");
	must(ioasid_device_create(e->h, 0, 0, dev), "DEVICE_CREATE");
	must(ioasid_attach(e->h, *dev, *node, 0, 0), "ATTACH");
}

/*
 * A context with the guest's memory in @e->mem (allocated by the caller,
 * @e->tables set), mapped by the root as one mapping or, with @splits, as
 * mappings ending at each of @splits[0..nsplits) and at the end; the parent
 * (root, or a child over all of it), the user-managed node, bound to an
 * empty table, and a device attached to it; with @kdev a second device
 * attached to the parent.
 */
static void uenv_open(struct uenv *e, int depth, const uint64_t *splits, int nsplits,
		      bool kdev)
{
	uint64_t start = 0, iova, len = e->mem.len;

	e->depth = depth;
	e->next_table = PAGE;		/* page 0: the top-level table */
	memset(e->mem.p, 0, e->tables);
	must(ioasid_open(&e->h, NULL, 0), "open /dev/ioasid");
	must(ioasid_node_alloc(e->h, 0, IOASID_MODE_KERNEL_MANAGED, &e->root), "ALLOC root");
	for (int i = 0; i <= nsplits; i++) {
		uint64_t end = i < nsplits ? splits[i] : len;

		iova = IOVA_BASE + start;
		must(ioasid_map(e->h, e->root, (uintptr_t)e->mem.p + start, end - start, &iova,
				IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA),
		     "MAP root");
		start = end;
	}
	e->parent = e->root;
	if (depth == 2) {
		must(ioasid_node_alloc(e->h, e->root, IOASID_MODE_KERNEL_MANAGED, &e->kchild),
		     "ALLOC child");
		iova = IOVA_BASE + LEVEL_STRIDE;
		must(ioasid_map(e->h, e->kchild, IOVA_BASE, len, &iova,
				IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA),
		     "MAP child");
		e->parent = e->kchild;
	}
	user_node_open(e, &e->node, &e->dev);
	if (kdev) {
		must(ioasid_device_create(e->h, 0, 0, &e->kdev), "DEVICE_CREATE");
		must(ioasid_attach(e->h, e->kdev, e->parent, 0, 0), "ATTACH");
	}
}

static void uenv_close(struct uenv *e)
{
	ioasid_close(e->h);	/* takes everything with it */
	buf_free(&e->mem);
}

/* INVALIDATE @n entries; dies on failure. */
static void user_invalidate(struct uenv *e, struct ioasid_inv_entry *ents, uint32_t n)
{
	struct ioasid_invalidate inv = {
		.size = sizeof(inv), .count = n, .entry_size = sizeof(*ents),
		.entries = (uintptr_t)ents,
	};

	must(user_ioctl(e->h, IOASID_INVALIDATE, &inv), "INVALIDATE");
	if (inv.out_done != n)
		die("INVALIDATE applied %u of %u entries", inv.out_done, n);
}

/* Everything cached through the node. */
static void user_invalidate_all(struct uenv *e)
{
	struct ioasid_inv_entry all = { .node_id = e->node };

	user_invalidate(e, &all, 1);
}

static struct ioasid_inv_entry user_inv_page(const struct uenv *e, uint64_t slot)
{
	return (struct ioasid_inv_entry){
		.node_id = e->node, .scope = IOASID_INV_SCOPE_ADDR,
		.addr = giova(slot), .size = PAGE, .granule = PAGE,
	};
}

/* -- cold walks against warm hits -- */

#define USER_COLD_PAGES	64

static double time_translate(struct ioasid_handle *h, uint32_t dev, uint64_t iova)
{
	struct ioasid_translate t;
	uint64_t t0, t1;
	int ret;

	t0 = now_ns();
	ret = ioasid_translate(h, dev, 0, 0, iova, &t);
	t1 = now_ns();
	must(ret, "TRANSLATE");
	return (t1 - t0) / 1e3;
}

static double time_dma(struct ioasid_handle *h, uint32_t dev, uint64_t iova, char *buf,
		       uint64_t len)
{
	uint64_t t0, t1, done;
	int ret;

	t0 = now_ns();
	ret = ioasid_dma(h, dev, 0, 0, iova, buf, len, &done);
	t1 = now_ns();
	must(ret, "DMA");
	return (t1 - t0) / 1e3;
}

static void user_cold(void)
{
	static const char *const kind[4] = { "translate-cold", "translate-warm", "dma4k-cold",
					     "dma4k-warm" };
	int ns = opt.user_samples, bad = 0;
	struct uenv env[2];
	double *t[2][2][4];	/* [parent depth - 1][user, kernel-managed reference][kind] */
	uint64_t m0[2][2], m1[2][2];
	double t0 = now_ns() / 1e9;
	char dbuf[PAGE];
	uint64_t done;

	printf("\n-- cold walks of the guest's 4-level table against warm IOTLB hits\n");
	printf("  a device attached to a user-managed node (x86-64, 4 levels, A/D update) under "
	       "the root, and\n  under a root -> kernel-managed child; %d guest pages, each "
	       "sample on the next one. Cold: just\n  after an INVALIDATE of the whole node "
	       "(untimed); warm: the same again. For reference, a device\n  attached to the "
	       "kernel-managed parent itself, emptied by DETACH + ATTACH. Median (p90) of %d\n"
	       "  samples, us, including one clock read; 4 KiB DMA reads a whole guest page (one "
	       "chunk)\n", USER_COLD_PAGES, ns);
	for (int d = 0; d < 2; d++) {
		struct uenv *e = &env[d];
		uint64_t data = table_bytes(USER_COLD_PAGES);

		memset(e, 0, sizeof(*e));
		e->tables = data;
		buf_must(&e->mem, data + USER_COLD_PAGES * PAGE, BUF_4K, "the user-test memory");
		uenv_open(e, d + 1, NULL, 0, true);
		for (uint64_t s = 0; s < USER_COLD_PAGES; s++)
			uenv_pte(e, s, data + s * PAGE);
		fill(e->mem.p + data, USER_COLD_PAGES * PAGE, 5);
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < 4; j++) {
				t[d][k][j] = calloc(ns, sizeof(double));
				if (!t[d][k][j])
					die("out of memory");
			}
		/* The data is where the table says. */
		must(ioasid_dma(e->h, e->dev, 0, 0, giova(3) + 8, dbuf, 64, &done), "DMA");
		if (memcmp(dbuf, e->mem.p + data + 3 * PAGE + 8, 64)) {
			printf("!! %s parent: a DMA through the guest's table did not read the "
			       "guest page it maps\n", d ? "2-level" : "root");
			bad++;
		}
		m0[d][0] = dev_info(e->h, e->dev).out_iotlb_misses;
		m0[d][1] = dev_info(e->h, e->kdev).out_iotlb_misses;
	}

	for (int s = 0; s < ns; s++) {
		uint64_t slot = s % USER_COLD_PAGES, off = (s * 72) % (PAGE - 8) & ~7ULL;

		for (int d = 0; d < 2; d++) {
			struct uenv *e = &env[d];
			uint64_t kiova = uenv_paddr(e, e->tables + slot * PAGE);

			user_invalidate_all(e);
			t[d][0][0][s] = time_translate(e->h, e->dev, giova(slot) + off);
			t[d][0][1][s] = time_translate(e->h, e->dev, giova(slot) + off);
			user_invalidate_all(e);
			t[d][0][2][s] = time_dma(e->h, e->dev, giova(slot), dbuf, PAGE);
			t[d][0][3][s] = time_dma(e->h, e->dev, giova(slot), dbuf, PAGE);

			must(ioasid_detach(e->h, e->kdev, 0, 0), "DETACH");
			must(ioasid_attach(e->h, e->kdev, e->parent, 0, 0), "ATTACH");
			t[d][1][0][s] = time_translate(e->h, e->kdev, kiova + off);
			t[d][1][1][s] = time_translate(e->h, e->kdev, kiova + off);
			must(ioasid_detach(e->h, e->kdev, 0, 0), "DETACH");
			must(ioasid_attach(e->h, e->kdev, e->parent, 0, 0), "ATTACH");
			t[d][1][2][s] = time_dma(e->h, e->kdev, kiova, dbuf, PAGE);
			t[d][1][3][s] = time_dma(e->h, e->kdev, kiova, dbuf, PAGE);
		}
	}

	printf("  %-28s %15s %15s %9s %9s | %15s %15s %9s %9s\n", "", "TRANSLATE cold", "warm",
	       "cold/warm", "cold-warm", "DMA 4K cold", "warm", "cold/warm", "cold-warm");
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++) {
			struct uenv *e = &env[d];
			double med[4], p90[4];
			char name[48], peer[32], cell[2][32];

			m1[d][k] = dev_info(e->h, k ? e->kdev : e->dev).out_iotlb_misses;
			if (k)
				snprintf(name, sizeof(name), "  (ref) %s alone",
					 d ? "child" : "root");
			else
				snprintf(name, sizeof(name), "user node over %s",
					 d ? "root -> child" : "root");
			snprintf(peer, sizeof(peer), "%s%s", k ? "kernel-" : "user-",
				 d ? "2-level" : "root");
			for (int j = 0; j < 4; j++) {
				p90[j] = quantile(t[d][k][j], ns, 0.9);
				med[j] = median(t[d][k][j], ns);
				csv("user-cold", kind[j], peer, "median_us", med[j]);
				free(t[d][k][j]);
			}
			printf("  %-28s", name);
			for (int j = 0; j < 4; j += 2) {
				snprintf(cell[0], sizeof(cell[0]), "%.2f (%.2f)", med[j], p90[j]);
				snprintf(cell[1], sizeof(cell[1]), "%.2f (%.2f)", med[j + 1],
					 p90[j + 1]);
				printf(" %15s %15s %8.2fx %9.2f%s", cell[0], cell[1],
				       med[j] / med[j + 1], med[j] - med[j + 1], j ? "" : " |");
				csv("user-cold", j ? "dma4k" : "translate", peer, "ratio_cold_warm",
				    med[j] / med[j + 1]);
				csv("user-cold", j ? "dma4k" : "translate", peer, "cold_minus_warm_us",
				    med[j] - med[j + 1]);
			}
			printf("\n");
			if (m1[d][k] - m0[d][k] != 2 * (uint64_t)ns) {
				printf("!! %s: %" PRIu64 " IOTLB misses for %d cold samples (expected "
				       "one each, none for warm ones)\n", name,
				       m1[d][k] - m0[d][k], 2 * ns);
				bad++;
			}
		}
	printf("  IOTLB misses: one per cold sample and none per warm one%s; a clock read "
	       "%.2f us\n", bad ? " (except where !! says otherwise)" : ", on every device",
	       clock_ns / 1e3);
	printf("  cold-warm of a user node is the miss: the 4 table reads (each translated "
	       "through the parent,\n  with A set by compare-and-exchange once) and the data's "
	       "translation through the parent\n");
	for (int d = 0; d < 2; d++)
		uenv_close(&env[d]);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
}

/* -- warm 64 KiB DMA against memcpy -- */

#define USER_DMA	(64 * KiB)

static void user_dma(void)
{
	const uint64_t np = USER_DMA / PAGE, tbl = table_bytes(np);
	struct denv de = { .name = "user", .tag = "user" };
	struct ioasid_device_info b[NV], a[NV];
	struct cell cells[2][NV + 2];
	struct uenv e = { .tables = tbl };
	double t0 = now_ns() / 1e9, sec[2][NV + 2];
	uint64_t done;
	int bad = 0;

	printf("\n-- warm %s DMA through a user-managed node against memcpy of the same bytes\n",
	       "64 KiB");
	buf_must(&de.ubuf, USER_DMA + UBUF_SKEW, BUF_4K, "the caller's buffer");
	de.ubuf.p += UBUF_SKEW;
	de.ubuf.len = USER_DMA;
	/* Page j of the guest's memory is copied to/from caller page j - tables. */
	de.how = buf_alloc_scattered(&e.mem, tbl + USER_DMA, de.ubuf.p - tbl,
				     "the user-test memory");
	uenv_open(&e, 1, NULL, 0, true);
	for (uint64_t s = 0; s < np; s++)
		uenv_pte(&e, s, tbl + s * PAGE);
	printf("  guest IOVA 0x%llx -> %" PRIu64 " guest pages (%s) through the guest's table; "
	       "root: a device\n  attached to the root reading the same pages at their GPAs. "
	       "Median of %d interleaved rounds of ~%.0f ms\n", GIOVA_BASE, np, de.how,
	       opt.rounds, opt.batch_ms);
	de.h = e.h;
	de.mem.p = e.mem.p + tbl;
	de.dev[V_ROOT] = e.kdev;
	de.iova[V_ROOT] = uenv_paddr(&e, tbl);
	de.dev[V_TREE] = e.dev;
	de.iova[V_TREE] = giova(0);

	fill(de.ubuf.p, USER_DMA, 9);
	must(ioasid_dma(e.h, e.dev, IOASID_DMA_WRITE, 0, giova(0), de.ubuf.p, USER_DMA, &done),
	     "DMA write");
	if (memcmp(de.mem.p, de.ubuf.p, USER_DMA)) {
		printf("!! a DMA write through the guest's table did not reach the guest pages\n");
		bad++;
	}
	fill(de.mem.p, USER_DMA, 13);
	must(ioasid_dma(e.h, e.dev, 0, 0, giova(0), de.ubuf.p, USER_DMA, &done), "DMA read");
	if (memcmp(de.mem.p, de.ubuf.p, USER_DMA)) {
		printf("!! a DMA read through the guest's table did not bring the guest pages\n");
		bad++;
	}
	for (int w = 0; w < 2; w++)
		for (int v = V_MEMCPY; v < NV; v++)
			cell_init(&cells[w][v + 2], &de, USER_DMA, w, v);
	for (int v = 0; v < NV; v++)
		b[v] = dev_info(e.h, de.dev[v]);
	for (int r = 0; r < opt.rounds; r++)
		for (int k = 0; k < 2 * (NV + 2); k++) {
			int kk = r % 2 ? 2 * (NV + 2) - 1 - k : k;
			struct cell *c = &cells[kk / (NV + 2)][kk % (NV + 2)];

			c->t[r] = cell_time(c, c->iters) / c->iters;
		}
	for (int v = 0; v < NV; v++)
		a[v] = dev_info(e.h, de.dev[v]);
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < NV + 2; k++)
			sec[w][k] = median(cells[w][k].t, opt.rounds);

	printf("  GiB/s; ratios of the user node's DMA to memcpy (project target >= 0.50x) and "
	       "to the root's DMA\n");
	printf("  %-6s %8s %8s %8s %8s | %10s %10s %10s\n", "dir", "memcpy", "movsb", "root",
	       "user", "user/mcpy", "target", "user/root");
	for (int w = 0; w < 2; w++) {
		const char *dir = w ? "write" : "read";
		double g[NV + 2];

		for (int k = 0; k < NV + 2; k++)
			g[k] = USER_DMA / sec[w][k] / GiB;
		printf("  %-6s %8.3f %8.3f %8.3f %8.3f | %9.2fx %10s %9.2fx\n", dir, g[0], g[1],
		       g[2 + V_ROOT], g[2 + V_TREE], sec[w][0] / sec[w][2 + V_TREE], ">= 0.50x",
		       sec[w][2 + V_ROOT] / sec[w][2 + V_TREE]);
		csv("user-dma", dir, "memcpy", "gib_s", g[0]);
		csv("user-dma", dir, "rep-movsb", "gib_s", g[1]);
		csv("user-dma", dir, "root", "gib_s", g[2 + V_ROOT]);
		csv("user-dma", dir, "user", "gib_s", g[2 + V_TREE]);
		csv("user-dma", dir, "user", "ratio_memcpy", sec[w][0] / sec[w][2 + V_TREE]);
		csv("user-dma", dir, "user", "ratio_root", sec[w][2 + V_ROOT] / sec[w][2 + V_TREE]);
		csv("user-dma", dir, "user", "us_per_dma", sec[w][2 + V_TREE] * 1e6);
	}
	for (int v = 0; v < NV; v++) {
		uint64_t miss = a[v].out_iotlb_misses - b[v].out_iotlb_misses;

		if (miss) {
			printf("!! the %s device missed the IOTLB %" PRIu64 " times while timed\n",
			       v == V_ROOT ? "root" : "user", miss);
			bad++;
		}
	}
	printf("  %s device: %" PRIu64 " IOTLB entries (one per guest page), no misses while "
	       "timed%s\n", "user", (uint64_t)a[V_TREE].out_iotlb_entries,
	       bad ? " (except where !! says otherwise)" : "");
	uenv_close(&e);
	buf_free(&de.ubuf);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
}

/* -- INVALIDATE throughput -- */

#define USER_INV_PAGES	256

static void user_inv(void)
{
	struct ioasid_inv_entry ents[USER_INV_PAGES];
	struct uenv e = { .tables = table_bytes(USER_INV_PAGES) };
	double t0 = now_ns() / 1e9;
	struct ioasid_translate tr;

	printf("\n-- INVALIDATE throughput: E entries per call, each 4 KiB (address-range scope) "
	       "of a cached guest page\n");
	printf("  per call (untimed): TRANSLATE E distinct guest pages (cold walks) and check "
	       "the device caches E;\n  then the INVALIDATE (timed) and a check that none is "
	       "left. Median over the calls\n");
	buf_must(&e.mem, e.tables + USER_INV_PAGES * PAGE, BUF_4K, "the user-test memory");
	uenv_open(&e, 1, NULL, 0, false);
	for (uint64_t s = 0; s < USER_INV_PAGES; s++)
		uenv_pte(&e, s, e.tables + s * PAGE);
	printf("  %7s %7s %12s %12s %14s %12s\n", "E", "calls", "us/call", "p90", "entries/s",
	       "calls/s");
	for (int i = 0; i < opt.ninv; i++) {
		uint32_t n = opt.inv[i];
		int calls = n >= 12800 / 50 ? 50 : 12800 / n, bad = 0;
		double *t = calloc(calls, sizeof(double)), med, p90;
		char cas[32];

		if (!t)
			die("out of memory");
		for (int c = 0; c < calls; c++) {
			uint64_t first = (uint64_t)c * n % USER_INV_PAGES, t1;

			for (uint32_t j = 0; j < n; j++) {
				uint64_t slot = (first + j) % USER_INV_PAGES;

				must(ioasid_translate(e.h, e.dev, 0, 0, giova(slot), &tr),
				     "TRANSLATE");
				ents[j] = user_inv_page(&e, slot);
			}
			bad += dev_info(e.h, e.dev).out_iotlb_entries != n;
			t1 = now_ns();
			user_invalidate(&e, ents, n);
			t[c] = (now_ns() - t1) / 1e3;
			bad += dev_info(e.h, e.dev).out_iotlb_entries != 0;
		}
		p90 = quantile(t, calls, 0.9);
		med = median(t, calls);
		printf("  %7u %7d %12.2f %12.2f %14.0f %12.0f\n", n, calls, med, p90,
		       n / med * 1e6, 1e6 / med);
		snprintf(cas, sizeof(cas), "E=%u", n);
		csv("user-inv", cas, "user", "median_us_call", med);
		csv("user-inv", cas, "user", "entries_s", n / med * 1e6);
		csv("user-inv", cas, "user", "calls_s", 1e6 / med);
		if (bad)
			printf("!! E=%u: %d checks of the IOTLB's entries (E before, 0 after) "
			       "failed\n", n, bad);
		free(t);
	}
	printf("  every call's entries were cached before it and gone after it, unless !! "
	       "says otherwise;\n  a clock read %.2f us\n", clock_ns / 1e3);
	uenv_close(&e);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
}

/* -- UNMAP at the parent with unrelated entries cached -- */

/*
 * One context per K: the root maps the table pages, the K target pages and
 * 10K unrelated pages as three mappings. Guest IOVA slot s (of 11K) maps a
 * target page when s % 11 == 0, else an unrelated one, so the two kinds of
 * entries interleave in the device's IOTLB. A sample UNMAPs the targets'
 * root mapping (timed: it must drop the K entries cached through the user
 * node and no other), checks, MAPs it again and re-caches the K. The cases
 * "none" (only the K cached) and "10x" (the 10K unrelated too) take turns
 * in blocks, entered by INVALIDATE of the whole node and re-caching.
 */
struct uucase {
	bool unrelated;
	double *t;
	int bad;
};

static void uu_cache(struct uenv *e, uint64_t k, bool unrelated)
{
	uint64_t done;
	char b[UNMAP_DMA];

	struct ioasid_inv_entry all[2] = { { .node_id = e->node }, { .node_id = e->node2 } };

	user_invalidate(e, all, e->node2 ? 2 : 1);
	for (uint64_t s = 0; s < 11 * k; s++)
		if (s % 11 == 0 || unrelated)
			must(ioasid_dma(e->h, s % 11 == 0 || !e->dev2 ? e->dev : e->dev2, 0, 0,
					giova(s), b, sizeof(b), &done), "DMA");
}

/* Entries cached by the device(s) */
static uint64_t uu_entries(struct uenv *e)
{
	return dev_info(e->h, e->dev).out_iotlb_entries +
	       (e->dev2 ? dev_info(e->h, e->dev2).out_iotlb_entries : 0);
}

static double uu_sample(struct uenv *e, uint64_t k, struct uucase *c)
{
	uint64_t want = c->unrelated ? 11 * k : k, iova = IOVA_BASE + e->tables, t0, t1, u;
	struct ioasid_device_info b, a;
	char buf[UNMAP_DMA];
	int ret;

	uint64_t nb = uu_entries(e), na;

	b = dev_info(e->h, e->dev);
	t0 = now_ns();
	ret = ioasid_unmap(e->h, e->root, iova, k * PAGE, &u);
	t1 = now_ns();
	must(ret, "UNMAP");
	a = dev_info(e->h, e->dev);
	na = uu_entries(e);
	if (nb != want || na != want - k || a.out_generation == b.out_generation ||
	    u != k * PAGE)
		c->bad++;
	must(ioasid_map(e->h, e->root, (uintptr_t)e->mem.p + e->tables, k * PAGE, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP");
	for (uint64_t s = 0; s < k; s++)
		must(ioasid_dma(e->h, e->dev, 0, 0, giova(11 * s), buf, sizeof(buf), &u), "DMA");
	return (t1 - t0) / 1e3;
}

static void user_unmap(bool other)
{
	int ns = opt.user_unmap_samples, block = opt.unmap_block;
	double t0 = now_ns() / 1e9, clk = clock_ns / 1e3;
	const char *test = other ? "user-unmap-other" : "user-unmap";

	printf("\n-- %s: UNMAP at the kernel-managed parent of K guest pages cached through the "
	       "user node,\n   with no other entry cached, and with 10K unrelated ones (%s)\n",
	       test, other ? "cached by a second device through a second user-managed node\n"
	       "   on the same table and parent: a diagnostic, not the target's figure" :
	       "same device, same node");
	printf("  the root maps the guest's table pages, the K target pages and 10K other pages "
	       "as three\n  mappings; guest IOVA slot s maps a target when s %% 11 == 0, else "
	       "another page. Per sample:\n  UNMAP of the targets' mapping (timed), check it "
	       "dropped exactly the K, MAP it again, re-cache\n  the K (an %d-byte DMA each). "
	       "The two cases take turns in blocks of %d samples (INVALIDATE\n  of the node, "
	       "re-caching, %d untimed samples between). Median of %d, us, with one clock "
	       "read\n", UNMAP_DMA, block, UNMAP_WARMUP, ns);
	printf("  %7s %-10s %9s %9s %9s %9s\n", "K", "unrelated", "median", "p10", "p90",
	       "10x/none");
	for (int i = 0; i < opt.nuunmap; i++) {
		uint64_t k = opt.user_unmap_k[i], tbl = table_bytes(11 * k);
		uint64_t splits[2] = { tbl, tbl + k * PAGE };
		struct uucase cs[2] = { { .unrelated = false }, { .unrelated = true } };
		struct uenv e = { .tables = tbl };
		double med[2], p10[2], p90[2];
		char kk[32], cas[48];

		buf_must(&e.mem, tbl + 11 * k * PAGE, BUF_4K, "the user-test memory");
		uenv_open(&e, 1, splits, 2, false);
		if (other)
			user_node_open(&e, &e.node2, &e.dev2);
		for (uint64_t s = 0; s < 11 * k; s++)
			uenv_pte(&e, s, s % 11 ? tbl + k * PAGE + (s - s / 11 - 1) * PAGE :
						 tbl + s / 11 * PAGE);
		for (int c = 0; c < 2; c++) {
			cs[c].t = calloc(ns, sizeof(double));
			if (!cs[c].t)
				die("out of memory");
		}
		for (int s0 = 0, round = 0; s0 < ns; s0 += block, round++)
			for (int r = 0; r < 2; r++) {
				struct uucase *c = &cs[round % 2 ? 1 - r : r];

				uu_cache(&e, k, c->unrelated);
				for (int s = 0; s < UNMAP_WARMUP; s++)
					uu_sample(&e, k, c);
				for (int s = s0; s < ns && s < s0 + block; s++)
					c->t[s] = uu_sample(&e, k, c);
			}
		count_str(k, kk, sizeof(kk));
		for (int c = 0; c < 2; c++) {
			p10[c] = quantile(cs[c].t, ns, 0.1);
			p90[c] = quantile(cs[c].t, ns, 0.9);
			med[c] = median(cs[c].t, ns);
			snprintf(cas, sizeof(cas), "K=%s", kk);
			csv(test, cas, c ? "10x" : "none", "median_us", med[c]);
		}
		printf("  %7s %-10s %9.2f %9.2f %9.2f\n", kk, "none", med[0], p10[0], p90[0]);
		printf("  %7s %-10s %9.2f %9.2f %9.2f %8.2fx  %s\n", "", "10x", med[1], p10[1],
		       p90[1], med[1] / med[0], other ? "" : "(project target <= 1.2x)");
		printf("  %7s p10 ratio %.2fx; less a clock read (%.2f us) on each side %.2fx\n",
		       "", p10[1] / p10[0], clk, (med[1] - clk) / (med[0] - clk));
		csv(test, cas, "10x/none", "ratio", med[1] / med[0]);
		csv(test, cas, "10x/none", "ratio_p10", p10[1] / p10[0]);
		for (int c = 0; c < 2; c++) {
			if (cs[c].bad)
				printf("!! K=%s, %s: %d samples where the UNMAP did not find %s "
				       "entries cached or did not drop exactly the K\n", kk,
				       c ? "10x" : "none", cs[c].bad, c ? "11K" : "K");
			free(cs[c].t);
		}
		uenv_close(&e);
	}
	printf("  every UNMAP dropped exactly its K entries (and moved the generation) unless !! "
	       "says otherwise\n  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
}

static void run_user(void)
{
	printf("\n== user: DMA through a user-managed node (x86-64 guest table, 4 levels, walked "
	       "in software)\n");
	if (!(caps & IOASID_CAP_USER_MANAGED)) {
		printf("  SKIP: this module has no user-managed nodes (IOASID_CAP_USER_MANAGED)\n");
		return;
	}
	if (max_depth < 3)
		printf("  note: out_max_depth %u < 3: the 2-level parent case will fail\n",
		       max_depth);
	user_cold();
	user_dma();
	user_inv();
	if (opt.user_unmap_where & 1)
		user_unmap(false);
	if (opt.user_unmap_where & 2)
		user_unmap(true);
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
"usage: dma_bench [options]   (as root, in the test VM, module loaded)\n"
"  --tests LIST          dma,cold,unmap,user (default: all)\n"
"  --sizes LIST          dma transfer sizes (default 4K,64K,1M)\n"
"  --rounds N            dma: interleaved rounds per cell, median shown (default 9)\n"
"  --batch-ms MS         dma: time of one round of one cell (default 30)\n"
"  --layouts LIST        dma: what backs the mapped buffer: scattered (4 KiB pages, no\n"
"                        two neighbours physically contiguous: a chunk per page) and/or\n"
"                        huge (2 MiB pages: THP, or hugetlbfs without THP) (default: both)\n"
"  --depths LIST         cold: tree depths (default 1,2,4)\n"
"  --cold-samples N      cold: samples per case (default 10000)\n"
"  --flush KIND          cold: empty the IOTLB by detach (DETACH+ATTACH, default)\n"
"                        or unmap (UNMAP+MAP of the leaf mapping)\n"
"  --unmap-n LIST        unmap: numbers of unrelated cached entries (default 1k,10k)\n"
"  --unmap-samples N     unmap: UNMAPs timed per N, cached and control (default 3000)\n"
"  --unmap-block N       unmap: samples in a row in one case before the next (default 100)\n"
"  --unmap-layouts LIST  unmap: same (one root of 2 (max N + 1) mappings for every N:\n"
"                        only the cache grows) and/or grow (a root of 2 (N + 1) per N:\n"
"                        the mapping tree grows with it) (default: both)\n"
"  --user-samples N      user: cold/warm samples per case (default 5000)\n"
"  --user-inv LIST       user: INVALIDATE entries per call (default 1,16,256)\n"
"  --user-unmap-k LIST   user: cached translations the parent's UNMAP covers (K;\n"
"                        10K unrelated ones in the other case) (default 100,1k)\n"
"  --user-unmap-samples N  user: UNMAPs timed per K and case (default 200)\n"
"  --user-unmap-where LIST  user: where the unrelated entries are cached: same (the\n"
"                        device and node of the K) and/or other (a second device\n"
"                        and user-managed node on the same table) (default: same)\n"
"  --csv                 also print csv,<kernel>,<test>,<case>,<what>,<metric>,<value> lines\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const test_names[] = { "dma", "cold", "unmap", "user" };
	static const char *const layout_names[] = { "scattered", "huge" };
	static const char *const unmap_layout_names[] = { "same", "grow" };
	static const char *const where_names[] = { "same", "other" };
	static const struct option lo[] = {
		{ "tests", 1, NULL, 't' }, { "sizes", 1, NULL, 's' },
		{ "rounds", 1, NULL, 'r' }, { "batch-ms", 1, NULL, 'b' },
		{ "depths", 1, NULL, 'd' }, { "cold-samples", 1, NULL, 'C' },
		{ "flush", 1, NULL, 'f' }, { "unmap-n", 1, NULL, 'n' },
		{ "unmap-samples", 1, NULL, 'U' }, { "unmap-block", 1, NULL, 'B' },
		{ "unmap-layouts", 1, NULL, 'M' },
		{ "user-samples", 1, NULL, 'S' }, { "user-inv", 1, NULL, 'I' },
		{ "user-unmap-k", 1, NULL, 'K' }, { "user-unmap-samples", 1, NULL, 'V' },
		{ "user-unmap-where", 1, NULL, 'W' },
		{ "layouts", 1, NULL, 'L' }, { "csv", 0, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{},
	};
	struct ioasid_handle *h;
	struct ioasid_info info;
	struct utsname un;
	char *items[MAX_SIZES], cs[64], thp[128];
	double clk[101];
	int o, k, ret;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 't': opt.tests = parse_mask(optarg, test_names, 4, "test", 8); break;
		case 's':
			opt.nsizes = split_list(optarg, items, MAX_SIZES);
			for (k = 0; k < opt.nsizes; k++) {
				opt.sizes[k] = parse_size(items[k]);
				if (!opt.sizes[k] || opt.sizes[k] > 64 * MiB || opt.sizes[k] % PAGE)
					die("--sizes: multiples of 4 KiB up to 64 MiB");
			}
			break;
		case 'r': opt.rounds = atoi(optarg); break;
		case 'b': opt.batch_ms = atof(optarg); break;
		case 'd':
			opt.ndepths = split_list(optarg, items, MAX_DEPTHS);
			for (k = 0; k < opt.ndepths; k++) {
				opt.depths[k] = atoi(items[k]);
				if (opt.depths[k] < 1 || opt.depths[k] > MAX_DEPTHS)
					die("--depths: 1 to %d", MAX_DEPTHS);
			}
			break;
		case 'C': opt.cold_samples = atoi(optarg); break;
		case 'f':
			if (!strcmp(optarg, "unmap"))
				opt.flush_unmap = true;
			else if (!strcmp(optarg, "detach"))
				opt.flush_unmap = false;
			else
				usage();
			break;
		case 'n':
			opt.nunmap = split_list(optarg, items, MAX_UNMAP_N);
			for (k = 0; k < opt.nunmap; k++) {
				opt.unmap_n[k] = parse_count(items[k]);
				if (opt.unmap_n[k] > 1000000)
					die("--unmap-n: at most 1M");
			}
			break;
		case 'U': opt.unmap_samples = atoi(optarg); break;
		case 'B': opt.unmap_block = atoi(optarg); break;
		case 'M':
			opt.unmap_layouts = parse_mask(optarg, unmap_layout_names, 2,
						       "unmap layout", 8);
			break;
		case 'S': opt.user_samples = atoi(optarg); break;
		case 'I':
			opt.ninv = split_list(optarg, items, MAX_INV);
			for (k = 0; k < opt.ninv; k++) {
				opt.inv[k] = atoi(items[k]);
				if (opt.inv[k] < 1 || opt.inv[k] > 256)
					die("--user-inv: 1 to 256 entries per call");
			}
			break;
		case 'K':
			opt.nuunmap = split_list(optarg, items, MAX_UNMAP_N);
			for (k = 0; k < opt.nuunmap; k++) {
				opt.user_unmap_k[k] = parse_count(items[k]);
				if (!opt.user_unmap_k[k] || opt.user_unmap_k[k] > 10000)
					die("--user-unmap-k: 1 to 10k");
			}
			break;
		case 'V': opt.user_unmap_samples = atoi(optarg); break;
		case 'W':
			opt.user_unmap_where = parse_mask(optarg, where_names, 2, "unmap place", 8);
			break;
		case 'L': opt.layouts = parse_mask(optarg, layout_names, 2, "layout", 8); break;
		case 'c': csv_mode = CSV_HELD; break;
		default: usage();
		}
	}
	if (optind != argc || opt.rounds < 1 || opt.rounds > MAX_ROUNDS || opt.batch_ms <= 0 ||
	    opt.cold_samples < 1 || opt.unmap_samples < 1 || opt.unmap_block < 1 ||
	    opt.user_samples < 1 || opt.user_unmap_samples < 1 || !opt.ninv || !opt.nuunmap ||
	    !opt.user_unmap_where ||
	    !opt.nsizes || !opt.nunmap || !opt.ndepths || !opt.layouts || !opt.unmap_layouts)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	uname(&un);
	kernel_release = strdup(un.release);
	for (k = 0; k < 101; k++) {
		uint64_t t0 = now_ns();

		clk[k] = now_ns() - t0;
	}
	clock_ns = median(clk, 101);
	read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", cs,
		  sizeof(cs));
	printf("dma_bench on %s: %ld MiB RAM, %ld CPUs, clocksource %s (a clock read: %.0f ns)\n",
	       un.release, meminfo_kb("MemTotal") / 1024, sysconf(_SC_NPROCESSORS_ONLN),
	       cs[0] ? cs : "?", clock_ns);

	ret = ioasid_open(&h, NULL, 0);
	if (ret)
		die("open %s: %s (is the module loaded?)", IOASID_DEVICE_PATH, strerror(-ret));
	must(ioasid_get_info(h, &info), "GET_INFO");
	ioasid_close(h);
	max_depth = info.out_max_depth;
	caps = info.out_capabilities;
	if (!(info.out_capabilities & IOASID_CAP_SW_ENDPOINT)) {
		printf("  SKIP: this module has no software endpoints (IOASID_CAP_SW_ENDPOINT)\n");
		printf("\ndma_bench done\n");
		return 0;
	}
	read_file(THP_ENABLED, thp, sizeof(thp));
	printf("  /dev/ioasid: software endpoints, max depth %u; THP: %s\n", max_depth,
	       thp[0] ? thp : "not in this kernel");
	printf("  figures only: no pass/fail; '!!' marks a failed sanity check\n");

	if (opt.tests & T_DMA)
		run_dma();
	if (opt.tests & T_COLD)
		run_cold();
	if (opt.tests & T_UNMAP && opt.unmap_layouts & U_SAME)
		run_unmap(U_SAME);
	if (opt.tests & T_UNMAP && opt.unmap_layouts & U_GROW)
		run_unmap(U_GROW);
	if (opt.tests & T_USER)
		run_user();
	printf("\ndma_bench done\n");
	return 0;
}
