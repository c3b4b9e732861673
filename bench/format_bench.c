// SPDX-License-Identifier: GPL-2.0
/*
 * format_bench: what each page-table format of user-managed nodes costs.
 *
 * Runs inside the test VM (as root, module loaded). Per format and granule
 * (x86-64 4 levels; Arm64 4 KiB, 16 KiB (4 levels, 48-bit input) and 64 KiB
 * (3 levels, its deepest at 48 bits); RISC-V Sv48 and Sv57; AMD v1 4 and 6
 * levels) a guest's table, built with tests/include/pt_encode.h in memory
 * that a kernel-managed root maps, a user-managed node bound to it and a
 * software endpoint attached to the node:
 *
 *   cold     one TRANSLATE, and one 64-byte DMA, right after an INVALIDATE
 *            of the whole node (untimed), against the same again (a warm
 *            IOTLB hit); median and p99 of N samples, on 16 guest pages in
 *            turn; a device attached to the root itself (emptied by DETACH +
 *            ATTACH) as a reference
 *   dma      warm 64 KiB DMA, read and write, through each format's node,
 *            against memcpy() of the same 64 KiB between the same buffers;
 *            MB/s and the ratio, with the project target (>= 0.5x)
 *
 * Figures only, no pass/fail. Lines starting with "!!" are sanity checks
 * that failed: the figures next to them do not mean what they say.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libioasid.h>

#include "bench_util.h"
#include "pt_encode.h"

#define IOVA_BASE	(4 * GiB)		/* the root maps the guest's memory here */
#define GIOVA_BASE	0x100000000000ULL	/* 16 TiB: guest IOVAs, in every format's range */
#define GMEM_LEN	(2 * MiB)		/* a format's guest memory: one huge page */
#define TABLE_LEN	(1 * MiB)		/* its first half: table pages */
#define DATA_OFF	TABLE_LEN		/* its second half: data pages */
#define COLD_PAGES	16			/* guest pages the cold samples visit */
#define COLD_DMA	64
#define DMA_LEN		(64 * KiB)
#define MAX_ROUNDS	64
#define TARGET		0.5			/* DMA/memcpy at 64 KiB */
/*
 * The caller's buffer starts this far past a 2 MiB boundary, so that its
 * pages never share QEMU's (direct-mapped) software-TLB index with the guest
 * data's pages (1 MiB into a 2 MiB page): see dma_bench and bench/README.md.
 */
#define UBUF_SKEW	(17 * PAGE)

const char bench_name[] = "format_bench";

static struct {
	unsigned int tests;
	int samples;
	int rounds;
	double batch_ms;
	unsigned int formats;
} opt = {
	.tests = ~0U,
	.samples = 5000,
	.rounds = 9,
	.batch_ms = 20,
	.formats = ~0U,
};

enum { T_COLD = 1, T_DMA = 2 };

/* One format and granule: its tables, its context, its node and device. */
struct fmt {
	const char *tag;	/* CSV and --formats */
	const char *name;	/* in the tables */
	struct pt_enc_params p;
	uint64_t gran;		/* the guest's page size */
	/* set up */
	bool ok;
	char why[160];		/* SKIP reason */
	unsigned int levels;
	struct ioasid_handle *h;
	uint32_t root, node, dev;
	struct buf mem;		/* the guest's memory, mapped by the root at IOVA_BASE */
	struct pt_enc enc;
	uint64_t chunks;	/* IOTLB hits per warm 64 KiB DMA */
	/* cold */
	double *t[4];
	uint64_t miss0, cold_ops;
};

#define NFMT 8
static struct fmt fmts[NFMT] = {
	{ .tag = "x86_64-4lvl", .name = "x86-64 4K" },
	{ .tag = "arm64-4k", .name = "Arm64 4K" },
	{ .tag = "arm64-16k", .name = "Arm64 16K" },
	{ .tag = "arm64-64k", .name = "Arm64 64K" },
	{ .tag = "riscv-sv48", .name = "RISC-V Sv48" },
	{ .tag = "riscv-sv57", .name = "RISC-V Sv57" },
	{ .tag = "amd_v1-4lvl", .name = "AMD v1 4-level" },
	{ .tag = "amd_v1-6lvl", .name = "AMD v1 6-level" },
};

static void fmt_params(void)
{
	fmts[0].p = pt_enc_x86_64_params(4);
	fmts[1].p = pt_enc_arm64_params(12, 16, false);
	fmts[2].p = pt_enc_arm64_params(14, 16, false);
	fmts[3].p = pt_enc_arm64_params(16, 16, false);
	fmts[4].p = pt_enc_riscv_params(4);
	fmts[5].p = pt_enc_riscv_params(5);
	fmts[6].p = pt_enc_amd_v1_params(4);
	fmts[7].p = pt_enc_amd_v1_params(6);
	for (int i = 0; i < NFMT; i++)
		fmts[i].gran = fmts[i].p.format == IOASID_FORMAT_ARM64 ?
			       1ULL << fmts[i].p.tg[0] : PAGE;
}

/* ------------------------------------------------------------------------ */
/* small helpers */

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

/* The q-quantile of v[0..n); sorts v. */
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

static uint64_t misses(struct ioasid_handle *h, uint32_t dev, uint64_t *hits)
{
	struct ioasid_device_info info;

	must(ioasid_device_info(h, dev, &info), "DEVICE_INFO");
	if (hits)
		*hits = info.out_iotlb_hits;
	return info.out_iotlb_misses;
}

static void fill(char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 131 + seed);
}

/* 2 MiB of one huge page where the kernel has THP, else hugetlbfs, else 4 KiB. */
static const char *gmem_alloc(struct buf *b)
{
	if (!access(THP_ENABLED, F_OK)) {
		if (buf_alloc(b, GMEM_LEN, BUF_THP))
			die("no memory for a guest's tables and data");
		return smaps_thp(b->p, GMEM_LEN) >= GMEM_LEN ? "a transparent huge page" :
		       "4 KiB pages (THP asked for, not granted)";
	}
	if (!buf_alloc(b, GMEM_LEN, BUF_HUGETLB))
		return "a hugetlbfs 2 MiB page";
	if (buf_alloc(b, GMEM_LEN, BUF_4K))
		die("no memory for a guest's tables and data");
	return "4 KiB pages (no THP, no hugetlbfs pages)";
}

/* ------------------------------------------------------------------------ */
/* setup: tables, context, user-managed node, device */

/*
 * Build the format's table over its guest memory: guest page i (of the
 * granule) at GIOVA_BASE + i * gran -> DATA_OFF + i * gran, as many as fit
 * in the data half (16 of 64 KiB at least). SKIP (f->why) where the module
 * refuses the format.
 */
static const char *fmt_open(struct fmt *f)
{
	union pt_enc_desc d;
	struct ioasid_translate tr;
	uint64_t iova = IOVA_BASE, done, npages = (GMEM_LEN - DATA_OFF) / f->gran;
	uint32_t len;
	const char *how;
	char buf[COLD_DMA];
	int ret;

	how = gmem_alloc(&f->mem);
	ret = pt_enc_init(&f->enc, &f->p, f->mem.p, IOVA_BASE, TABLE_LEN);
	if (ret)
		die("%s: pt_enc_init: %s", f->name, strerror(-ret));
	for (uint64_t i = 0; i < npages; i++) {
		ret = pt_enc_map_leaf(&f->enc, GIOVA_BASE + i * f->gran,
				      IOVA_BASE + DATA_OFF + i * f->gran, f->gran,
				      PT_ENC_RW | PT_ENC_U, f->gran);
		if (ret)
			die("%s: pt_enc_map_leaf: %s", f->name, strerror(-ret));
	}
	f->levels = pt_enc_levels(&f->enc, GIOVA_BASE);
	fill(f->mem.p + DATA_OFF, GMEM_LEN - DATA_OFF, 5);

	must(ioasid_open(&f->h, NULL, 0), "open /dev/ioasid");
	must(ioasid_node_alloc(f->h, 0, IOASID_MODE_KERNEL_MANAGED, &f->root), "ALLOC root");
	must(ioasid_map(f->h, f->root, (uintptr_t)f->mem.p, GMEM_LEN, &iova,
			IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA), "MAP root");
	len = pt_enc_desc(&f->enc, &d);
	ret = ioasid_node_alloc_user(f->h, f->root, &d, len, &f->node);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "ALLOC of a user-managed node: %s (%s)",
			 strerror(-ret), errname(ret));
		return how;
	}
	ret = ioasid_bind_halves(f->h, f->node, pt_enc_root(&f->enc), pt_enc_root1(&f->enc), 0);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "BIND: %s (%s)", strerror(-ret), errname(ret));
		return how;
	}
	must(ioasid_device_create(f->h, 0, 0, &f->dev), "DEVICE_CREATE");
	must(ioasid_attach(f->h, f->dev, f->node, 0, 0), "ATTACH");
	/* The walk lands where the table says. */
	ret = ioasid_translate(f->h, f->dev, 0, 0, GIOVA_BASE + f->gran + 0x1230, &tr);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "TRANSLATE through the guest's table: %s (%s)",
			 strerror(-ret), errname(ret));
		return how;
	}
	if (tr.out_uaddr != (uintptr_t)f->mem.p + DATA_OFF + f->gran + 0x1230) {
		snprintf(f->why, sizeof(f->why), "TRANSLATE gave 0x%" PRIx64 ", not %p",
			 (uint64_t)tr.out_uaddr, (void *)(f->mem.p + DATA_OFF + f->gran + 0x1230));
		return how;
	}
	must(ioasid_dma(f->h, f->dev, 0, 0, GIOVA_BASE + 2 * f->gran + 8, buf, sizeof(buf),
			&done), "DMA");
	if (memcmp(buf, f->mem.p + DATA_OFF + 2 * f->gran + 8, sizeof(buf))) {
		snprintf(f->why, sizeof(f->why), "a DMA through the guest's table read other bytes "
			 "than the page it maps");
		return how;
	}
	f->ok = true;
	return how;
}

static void fmt_close(struct fmt *f)
{
	if (f->h)
		ioasid_close(f->h);
	f->h = NULL;
	buf_free(&f->mem);
}

/* ------------------------------------------------------------------------ */
/* cold walks against warm hits */

enum { K_TR_COLD, K_TR_WARM, K_DMA_COLD, K_DMA_WARM };

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

static double time_dma(struct ioasid_handle *h, uint32_t dev, uint64_t iova, char *buf)
{
	uint64_t t0, t1, done;
	int ret;

	t0 = now_ns();
	ret = ioasid_dma(h, dev, 0, 0, iova, buf, COLD_DMA, &done);
	t1 = now_ns();
	must(ret, "DMA");
	return (t1 - t0) / 1e3;
}

static void cold_row(const char *name, const char *tag, unsigned int levels, uint64_t gran,
		     double **t, int ns)
{
	static const char *const kind[4] = { "translate-cold", "translate-warm",
					     "dma64-cold", "dma64-warm" };
	double med[4], p99[4];
	char cell[4][32], g[24];

	for (int k = 0; k < 4; k++) {
		p99[k] = quantile(t[k], ns, 0.99);
		med[k] = median(t[k], ns);
		snprintf(cell[k], sizeof(cell[k]), "%.2f (%.2f)", med[k], p99[k]);
		csv("cold", kind[k], tag, "median_us", med[k]);
		csv("cold", kind[k], tag, "p99_us", p99[k]);
	}
	csv("cold", "translate", tag, "cold_minus_warm_us", med[0] - med[1]);
	csv("cold", "dma64", tag, "cold_minus_warm_us", med[2] - med[3]);
	csv("cold", "translate", tag, "ratio_cold_warm", med[0] / med[1]);
	csv("cold", "dma64", tag, "ratio_cold_warm", med[2] / med[3]);
	snprintf(g, sizeof(g), "%" PRIu64 "K", gran / KiB);
	printf("  %-16s %6u %5s | %15s %15s %7.2fx %6.2f | %15s %15s %7.2fx %6.2f\n", name,
	       levels, g, cell[0], cell[1], med[0] / med[1], med[0] - med[1], cell[2], cell[3],
	       med[2] / med[3], med[2] - med[3]);
}

static void run_cold(struct fmt **fs, int n)
{
	int ns = opt.samples, bad = 0;
	double t0 = now_ns() / 1e9, *ref[4];
	uint32_t kdev = 0;
	uint64_t kmiss0 = 0, kmiss1;
	struct fmt *r = n ? fs[0] : NULL;	/* its root hosts the reference device */
	char buf[COLD_DMA];

	printf("\n== cold: one TRANSLATE and one %d-byte DMA just after an INVALIDATE of the "
	       "whole node, against warm\n", COLD_DMA);
	printf("  a device attached to the user-managed node; each sample on the next of %d "
	       "guest pages; the INVALIDATE\n  untimed; warm: the same again at once. Median "
	       "(p99) of %d samples, us, including one clock read.\n  (ref): a device "
	       "attached to the kernel-managed root itself, emptied by DETACH + ATTACH\n",
	       COLD_PAGES, ns);
	for (int k = 0; k < 4; k++) {
		for (int i = 0; i < n; i++)
			if (!(fs[i]->t[k] = calloc(ns, sizeof(double))))
				die("out of memory");
		if (!(ref[k] = calloc(ns, sizeof(double))))
			die("out of memory");
	}
	if (r) {
		must(ioasid_device_create(r->h, 0, 0, &kdev), "DEVICE_CREATE");
		must(ioasid_attach(r->h, kdev, r->root, 0, 0), "ATTACH");
		kmiss0 = misses(r->h, kdev, NULL);
	}
	for (int i = 0; i < n; i++) {
		fs[i]->miss0 = misses(fs[i]->h, fs[i]->dev, NULL);
		fs[i]->cold_ops = 0;
	}
	for (int s = 0; s < ns; s++) {
		uint64_t slot = s % COLD_PAGES, off = ((uint64_t)s * 72) % (PAGE - COLD_DMA) & ~7ULL;

		/* Every other sample in reverse order, so no format always follows another. */
		for (int j = 0; j < n; j++) {
			struct fmt *f = fs[s % 2 ? n - 1 - j : j];
			uint64_t gi = GIOVA_BASE + slot * f->gran + off;

			must(ioasid_invalidate_all(f->h, f->node), "INVALIDATE");
			f->t[K_TR_COLD][s] = time_translate(f->h, f->dev, gi);
			f->t[K_TR_WARM][s] = time_translate(f->h, f->dev, gi);
			must(ioasid_invalidate_all(f->h, f->node), "INVALIDATE");
			f->t[K_DMA_COLD][s] = time_dma(f->h, f->dev, gi, buf);
			f->t[K_DMA_WARM][s] = time_dma(f->h, f->dev, gi, buf);
			f->cold_ops += 2;
		}
		if (r) {
			uint64_t ki = IOVA_BASE + DATA_OFF + slot * PAGE + off;

			must(ioasid_detach(r->h, kdev, 0, 0), "DETACH");
			must(ioasid_attach(r->h, kdev, r->root, 0, 0), "ATTACH");
			ref[K_TR_COLD][s] = time_translate(r->h, kdev, ki);
			ref[K_TR_WARM][s] = time_translate(r->h, kdev, ki);
			must(ioasid_detach(r->h, kdev, 0, 0), "DETACH");
			must(ioasid_attach(r->h, kdev, r->root, 0, 0), "ATTACH");
			ref[K_DMA_COLD][s] = time_dma(r->h, kdev, ki, buf);
			ref[K_DMA_WARM][s] = time_dma(r->h, kdev, ki, buf);
		}
	}

	printf("  %-16s %6s %5s | %15s %15s %8s %6s | %15s %15s %8s %6s\n", "format", "levels",
	       "page", "TRANSLATE cold", "warm", "cold/wrm", "c-w", "DMA 64 B cold", "warm",
	       "cold/wrm", "c-w");
	for (int i = 0; i < n; i++) {
		struct fmt *f = fs[i];
		uint64_t m = misses(f->h, f->dev, NULL) - f->miss0;

		cold_row(f->name, f->tag, f->levels, f->gran, f->t, ns);
		if (m != f->cold_ops) {
			printf("!! %s: %" PRIu64 " IOTLB misses for %" PRIu64 " cold samples "
			       "(expected one each, none for warm ones)\n", f->name, m, f->cold_ops);
			bad++;
		}
	}
	if (r) {
		cold_row("(ref) root alone", "kernel-root", 1, PAGE, ref, ns);
		kmiss1 = misses(r->h, kdev, NULL);
		if (kmiss1 - kmiss0 != 2 * (uint64_t)ns) {
			printf("!! (ref): %" PRIu64 " IOTLB misses for %d cold samples\n",
			       kmiss1 - kmiss0, 2 * ns);
			bad++;
		}
		must(ioasid_detach(r->h, kdev, 0, 0), "DETACH");
		must(ioasid_device_destroy(r->h, kdev), "DESTROY device");
	}
	printf("  IOTLB misses: one per cold sample and none per warm one%s\n",
	       bad ? " (except where !! says otherwise)" : ", on every device");
	printf("  c-w (cold - warm, medians) is the miss: a read of every level's entry, each "
	       "translated through the\n  root, the data's translation through the root, and the "
	       "insertion. levels: those walked for 16 TiB.\n");
	for (int k = 0; k < 4; k++) {
		for (int i = 0; i < n; i++) {
			free(fs[i]->t[k]);
			fs[i]->t[k] = NULL;
		}
		free(ref[k]);
	}
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* warm 64 KiB DMA against memcpy */

struct cell {
	struct fmt *f;
	bool write;
	bool dma;		/* else memcpy */
	char *ubuf;
	long iters;
	double t[MAX_ROUNDS];
	double sec;
};

static void cell_run(struct cell *c, long iters)
{
	char *g = c->f->mem.p + DATA_OFF;
	char *dst = c->write ? g : c->ubuf, *src = c->write ? c->ubuf : g;
	uint64_t done;
	int ret;

	for (long i = 0; i < iters; i++) {
		if (!c->dma) {
			memcpy(dst, src, DMA_LEN);
			__asm__ volatile("" : : "r"(dst) : "memory");
			continue;
		}
		ret = ioasid_dma(c->f->h, c->f->dev, c->write ? IOASID_DMA_WRITE : 0, 0,
				 GIOVA_BASE, c->ubuf, DMA_LEN, &done);
		if (ret || done != DMA_LEN)
			die("%s: DMA %s of 64 KiB: %s, %" PRIu64 " done", c->f->name,
			    c->write ? "write" : "read", ret ? strerror(-ret) : "short", done);
	}
}

static double cell_time(struct cell *c, long iters)
{
	uint64_t t0 = now_ns();

	cell_run(c, iters);
	return (now_ns() - t0) / 1e9;
}

static void cell_init(struct cell *c, struct fmt *f, char *ubuf, bool write, bool dma)
{
	long n = 1;
	double t;

	memset(c, 0, sizeof(*c));
	c->f = f;
	c->ubuf = ubuf;
	c->write = write;
	c->dma = dma;
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

static int ntargets, nmet;

static void run_dma(struct fmt **fs, int n)
{
	struct cell *cells = calloc(4 * n, sizeof(*cells));
	uint64_t miss0[NFMT], hits;
	double t0 = now_ns() / 1e9;
	struct buf ub;
	char *ubuf;
	int bad = 0;

	if (!cells)
		die("out of memory");
	printf("\n== dma: warm 64 KiB DMA through each format's node against memcpy of the same "
	       "64 KiB\n");
	printf("  read: the device reads guest IOVA 16 TiB into the caller's buffer; write: the "
	       "buffer goes there.\n  memcpy: glibc's, between the same two buffers (the guest "
	       "data's and the caller's). Median of %d\n  interleaved rounds of ~%.0f ms per "
	       "cell; MB/s = 10^6 bytes/s. Project target: DMA/memcpy >= %.1fx\n",
	       opt.rounds, opt.batch_ms, TARGET);
	if (buf_alloc(&ub, DMA_LEN + UBUF_SKEW, BUF_4K))
		die("no memory for the caller's buffer");
	ubuf = ub.p + UBUF_SKEW;
	for (int i = 0; i < n; i++) {
		struct fmt *f = fs[i];
		uint64_t done, h0;

		/* Data moves both ways; then warm, and count chunks per DMA. */
		fill(ubuf, DMA_LEN, 9 + i);
		must(ioasid_dma(f->h, f->dev, IOASID_DMA_WRITE, 0, GIOVA_BASE, ubuf, DMA_LEN,
				&done), "DMA write");
		if (memcmp(f->mem.p + DATA_OFF, ubuf, DMA_LEN)) {
			printf("!! %s: a DMA write did not reach the guest's pages\n", f->name);
			bad++;
		}
		fill(f->mem.p + DATA_OFF, DMA_LEN, 13 + i);
		must(ioasid_dma(f->h, f->dev, 0, 0, GIOVA_BASE, ubuf, DMA_LEN, &done), "DMA read");
		if (memcmp(f->mem.p + DATA_OFF, ubuf, DMA_LEN)) {
			printf("!! %s: a DMA read did not bring the guest's pages\n", f->name);
			bad++;
		}
		misses(f->h, f->dev, &h0);
		must(ioasid_dma(f->h, f->dev, 0, 0, GIOVA_BASE, ubuf, DMA_LEN, &done), "DMA read");
		miss0[i] = misses(f->h, f->dev, &hits);
		f->chunks = hits - h0;
		for (int w = 0; w < 2; w++)
			for (int k = 0; k < 2; k++)
				cell_init(&cells[4 * i + 2 * w + k], f, ubuf, w, k);
	}
	for (int r = 0; r < opt.rounds; r++)
		for (int k = 0; k < 4 * n; k++) {
			struct cell *c = &cells[r % 2 ? 4 * n - 1 - k : k];

			c->t[r] = cell_time(c, c->iters) / c->iters;
		}
	for (int k = 0; k < 4 * n; k++)
		cells[k].sec = median(cells[k].t, opt.rounds);

	printf("  %-16s %-5s %10s %10s %10s %10s %-8s %6s\n", "format", "dir", "memcpy", "DMA",
	       "DMA/memcpy", "target", "", "chunks");
	for (int i = 0; i < n; i++) {
		struct fmt *f = fs[i];
		uint64_t m = misses(f->h, f->dev, NULL) - miss0[i];

		for (int w = 0; w < 2; w++) {
			struct cell *mc = &cells[4 * i + 2 * w], *dc = mc + 1;
			const char *dir = w ? "write" : "read";
			double mb_m = DMA_LEN / mc->sec / 1e6, mb_d = DMA_LEN / dc->sec / 1e6;
			double ratio = mc->sec / dc->sec;
			bool met = ratio >= TARGET;
			char cas[48];

			printf("  %-16s %-5s %10.1f %10.1f %9.2fx %10s %-8s %6" PRIu64 "\n",
			       w ? "" : f->name, dir, mb_m, mb_d, ratio, ">= 0.50x",
			       met ? "met" : "NOT met", f->chunks);
			snprintf(cas, sizeof(cas), "64K-%s", dir);
			csv("dma", cas, f->tag, "memcpy_mb_s", mb_m);
			csv("dma", cas, f->tag, "dma_mb_s", mb_d);
			csv("dma", cas, f->tag, "ratio_memcpy", ratio);
			csv("dma", cas, f->tag, "us_per_dma", dc->sec * 1e6);
			csv("dma", cas, f->tag, "chunks", f->chunks);
			csv("target", cas, f->tag, "met", met);
			ntargets++;
			nmet += met;
		}
		if (m) {
			printf("!! %s: %" PRIu64 " IOTLB misses while timed (it was not warm)\n",
			       f->name, m);
			bad++;
		}
	}
	printf("  chunks: IOTLB lookups per 64 KiB DMA, one per guest page (the granule); none "
	       "missed while timed%s\n", bad ? " (except where !! says otherwise)" : "");
	printf("  target DMA/memcpy >= 0.50x: met by %d of %d\n", nmet, ntargets);
	buf_free(&ub);
	free(cells);
	printf("  (%.1f s)\n", now_ns() / 1e9 - t0);
	csv_flush();
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
"usage: format_bench [options]   (as root, in the test VM, module loaded)\n"
"  --tests LIST     cold,dma (default: both)\n"
"  --formats LIST   of x86_64-4lvl, arm64-4k, arm64-16k, arm64-64k, riscv-sv48,\n"
"                   riscv-sv57, amd_v1-4lvl, amd_v1-6lvl (default: all)\n"
"  --samples N      cold: samples per format (default 5000)\n"
"  --rounds N       dma: interleaved rounds per cell, median shown (default 9)\n"
"  --batch-ms MS    dma: time of one round of one cell (default 20)\n"
"  --csv            also print csv,<kernel>,<test>,<case>,<format>,<metric>,<value> lines\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const test_names[] = { "cold", "dma" };
	static const struct option lo[] = {
		{ "tests", 1, NULL, 't' }, { "formats", 1, NULL, 'F' },
		{ "samples", 1, NULL, 'S' }, { "rounds", 1, NULL, 'r' },
		{ "batch-ms", 1, NULL, 'b' }, { "csv", 0, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{},
	};
	const char *fnames[NFMT];
	struct fmt *fs[NFMT];
	struct ioasid_handle *h;
	struct ioasid_info info;
	struct utsname un;
	char cs[64];
	int o, n = 0, ret;
	double t0 = now_ns() / 1e9;

	for (int i = 0; i < NFMT; i++)
		fnames[i] = fmts[i].tag;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 't': opt.tests = parse_mask(optarg, test_names, 2, "test", 4); break;
		case 'F': opt.formats = parse_mask(optarg, fnames, NFMT, "format", NFMT); break;
		case 'S': opt.samples = atoi(optarg); break;
		case 'r': opt.rounds = atoi(optarg); break;
		case 'b': opt.batch_ms = atof(optarg); break;
		case 'c': csv_mode = CSV_HELD; break;
		default: usage();
		}
	}
	if (optind != argc || opt.samples < 1 || opt.rounds < 1 || opt.rounds > MAX_ROUNDS ||
	    opt.batch_ms <= 0 || !opt.formats)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	fmt_params();

	uname(&un);
	kernel_release = strdup(un.release);
	read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", cs,
		  sizeof(cs));
	printf("format_bench on %s: %ld MiB RAM, %ld CPUs, clocksource %s\n", un.release,
	       meminfo_kb("MemTotal") / 1024, sysconf(_SC_NPROCESSORS_ONLN), cs[0] ? cs : "?");
	ret = ioasid_open(&h, NULL, 0);
	if (ret)
		die("open %s: %s (is the module loaded?)", IOASID_DEVICE_PATH, strerror(-ret));
	must(ioasid_get_info(h, &info), "GET_INFO");
	ioasid_close(h);
	if (!(info.out_capabilities & IOASID_CAP_SW_ENDPOINT) ||
	    !(info.out_capabilities & IOASID_CAP_USER_MANAGED)) {
		printf("  SKIP: this module lacks software endpoints or user-managed nodes\n");
		printf("\nformat_bench done\n");
		return 0;
	}
	printf("  figures only: no pass/fail; '!!' marks a failed sanity check\n");
	printf("  per format: its guest table (pt_encode.h) and data in one 2 MiB huge page a "
	       "kernel-managed root\n  maps at 4 GiB (tables in the first MiB, data in the "
	       "second), guest IOVAs from 16 TiB, one\n  guest page of the granule per leaf; "
	       "no A/D updates (A, AF set by the encoder)\n");
	for (int i = 0; i < NFMT; i++) {
		struct fmt *f = &fmts[i];
		const char *how;
		char nm[48];

		if (!(opt.formats & (1U << i)))
			continue;
		how = fmt_open(f);
		if (!f->ok) {
			printf("  %-16s SKIP: %s\n", f->name, f->why);
			fmt_close(f);
			continue;
		}
		printf("  %-16s %-16s %u levels, %" PRIu64 " KiB pages, %u table(s) of %s, "
		       "memory: %s\n", f->name, pt_enc_name(&f->enc, nm, sizeof(nm)), f->levels,
		       f->gran / KiB, f->enc.tables,
		       f->p.format == IOASID_FORMAT_ARM64 ? "the granule (top: smaller)" : "4 KiB",
		       how);
		fs[n++] = f;
	}
	if (n && (opt.tests & T_COLD))
		run_cold(fs, n);
	if (n && (opt.tests & T_DMA))
		run_dma(fs, n);
	for (int i = 0; i < n; i++)
		fmt_close(fs[i]);
	printf("\n== targets: warm 64 KiB DMA / memcpy >= 0.50x, per format and direction\n");
	if (!ntargets)
		printf("  (not measured)\n");
	else
		printf("  met by %d of %d (the dma table's met / NOT met column)\n", nmet, ntargets);
	printf("  (total %.1f s)\n", now_ns() / 1e9 - t0);
	printf("\nformat_bench done\n");
	return 0;
}
