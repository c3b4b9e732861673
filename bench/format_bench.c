// SPDX-License-Identifier: GPL-2.0
/*
 * format_bench: what each page-table format of user-managed nodes costs.
 *
 * Runs inside the test VM (as root, module loaded). Per format and granule
 * (x86-64 4 levels; Arm64 4 KiB, 16 KiB (4 levels, 48-bit input) and 64 KiB
 * (3 levels, its deepest at 48 bits); RISC-V Sv48 and Sv57; AMD v1 4 and 6
 * levels) a guest's table, built with tests/include/pt_encode.h in memory
 * that a kernel-managed root maps, a user-managed node bound to it and a
 * software endpoint attached to the node. And per PASID-table kind (SMMUv3
 * CD tables, linear and 2-level, over Arm64 4K 4 levels; AMD GCR3 tables,
 * GLX 0 and 2, over x86-64 4 levels; RISC-V PDTs, PD8 and PD20, over Sv48)
 * the guest's PASID table built here in the same memory, pointing at one
 * stage-1 table of pt_encode.h for one PASID, a node of the kind bound with
 * the guest's raw STE / DTE / DC, a software endpoint attached to it
 * without a PASID, and every request carrying that PASID:
 *
 *   cold     one TRANSLATE, and one 64-byte DMA, right after an INVALIDATE
 *            of the whole node (untimed), against the same again (a warm
 *            IOTLB hit); median and p99 of N samples, on 16 guest pages in
 *            turn; a device attached to the root itself (emptied by DETACH +
 *            ATTACH) as a reference; the kinds again after an INVALIDATE
 *            with IOASID_INV_PASID_TABLE and SCOPE_PASID
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
#include <sys/ioctl.h>
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
#define KIND_PASID	0x5a5a5			/* the PASID of 20-bit kinds' requests */
#define KIND_PASID8	0xa5			/* of those whose table has 256 or 512 */
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
	struct pt_enc_params p;	/* a kind's: its stage-1 table's */
	uint32_t kind;		/* 0, or IOASID_FORMAT_SMMUV3_CD, _AMD_GCR3, _RISCV_PDT */
	unsigned int variant;	/* SMMUv3: S1Fmt; AMD: GLX; RISC-V: pdtp.MODE */
	uint64_t gran;		/* the guest's page size */
	uint32_t dflags;	/* of every request: IOASID_DMA_PASID for a kind */
	uint32_t pasid;		/* with IOASID_DMA_PASID */
	unsigned int pt_levels;	/* a kind: PASID-table levels read per walk */
	char pt_what[96];	/* a kind: its PASID table, in words */
	int s1;			/* a kind: index of its stage-1 format in fmts[], else -1 */
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
	double *tp[4];		/* a kind, after INVALIDATE with IOASID_INV_PASID_TABLE */
	bool pt_inv;		/* that INVALIDATE is taken */
	double cw;		/* TRANSLATE cold - warm, medians, us (-1: not measured) */
	uint64_t miss0, cold_ops;
};

#define NFMT 14
static struct fmt fmts[NFMT] = {
	{ .tag = "x86_64-4lvl", .name = "x86-64 4K" },
	{ .tag = "arm64-4k", .name = "Arm64 4K" },
	{ .tag = "arm64-16k", .name = "Arm64 16K" },
	{ .tag = "arm64-64k", .name = "Arm64 64K" },
	{ .tag = "riscv-sv48", .name = "RISC-V Sv48" },
	{ .tag = "riscv-sv57", .name = "RISC-V Sv57" },
	{ .tag = "amd_v1-4lvl", .name = "AMD v1 4-level" },
	{ .tag = "amd_v1-6lvl", .name = "AMD v1 6-level" },
	{ .tag = "smmuv3_cd-linear", .name = "SMMUv3 CD linear",
	  .kind = IOASID_FORMAT_SMMUV3_CD, .variant = 0, .s1 = 1 },
	{ .tag = "smmuv3_cd-2lvl", .name = "SMMUv3 CD 2-lvl",
	  .kind = IOASID_FORMAT_SMMUV3_CD, .variant = 2, .s1 = 1 },
	{ .tag = "amd_gcr3-glx0", .name = "AMD GCR3 GLX 0",
	  .kind = IOASID_FORMAT_AMD_GCR3, .variant = 0, .s1 = 0 },
	{ .tag = "amd_gcr3-glx2", .name = "AMD GCR3 GLX 2",
	  .kind = IOASID_FORMAT_AMD_GCR3, .variant = 2, .s1 = 0 },
	{ .tag = "riscv_pdt-pd8", .name = "RISC-V PDT PD8",
	  .kind = IOASID_FORMAT_RISCV_PDT, .variant = 1, .s1 = 4 },
	{ .tag = "riscv_pdt-pd20", .name = "RISC-V PDT PD20",
	  .kind = IOASID_FORMAT_RISCV_PDT, .variant = 3, .s1 = 4 },
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
	for (int i = 0; i < NFMT; i++) {
		struct fmt *f = &fmts[i];

		if (f->kind) {
			/* A kind's stage 1: the format its entries hand out. */
			f->p = fmts[f->s1].p;
			f->dflags = IOASID_DMA_PASID;
			/* The deepest tables take 20-bit PASIDs; the others 8 or 9 bits. */
			f->pasid = (f->kind == IOASID_FORMAT_SMMUV3_CD && f->variant) ||
				   (f->kind == IOASID_FORMAT_AMD_GCR3 && f->variant) ||
				   (f->kind == IOASID_FORMAT_RISCV_PDT && f->variant == 3) ?
				   KIND_PASID : KIND_PASID8;
		} else {
			f->s1 = -1;
		}
		f->gran = f->p.format == IOASID_FORMAT_ARM64 ? 1ULL << f->p.tg[0] : PAGE;
	}
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
/* PASID-table kinds: the guest's PASID table over one stage-1 table */

/*
 * The bits below are the uAPI's kernel-doc's (struct ioasid_format_smmuv3_cd,
 * _amd_gcr3, _riscv_pdt), as a guest's driver writes them.
 */
/* SMMUv3 STE dword 0 and CD dword 0 (Arm IHI0070G.b 5.2, 5.4) */
#define STE_V		(1ULL << 0)
#define STE_CFG_S1	(5ULL << 1)		/* Config: stage 1 translates */
#define STE_S1FMT(x)	((uint64_t)(x) << 4)	/* 0 linear, 2: 2-level, 64 KiB leaves */
#define STE_S1CDMAX(x)	((uint64_t)(x) << 59)
#define CD_T0SZ(x)	((uint64_t)(x))
#define CD_TG0_4K	(0ULL << 6)
#define CD_T1SZ(x)	((uint64_t)(x) << 16)
#define CD_TG1_4K	(2ULL << 22)
#define CD_EPD1		(1ULL << 30)
#define CD_V		(1ULL << 31)
#define CD_IPS_48	(5ULL << 32)
#define CD_AA64		(1ULL << 41)
#define CD_A		(1ULL << 46)
#define CD_ASID(x)	((uint64_t)(x) << 48)
/* AMD DTE qword 0 and GCR3 table entries */
#define DTE_V		(1ULL << 0)
#define DTE_TV		(1ULL << 1)
#define DTE_GV		(1ULL << 55)
#define DTE_GLX(x)	((uint64_t)(x) << 56)
#define GCR3_V		(1ULL << 0)
/* RISC-V DC.tc, pdtp / fsc, PDT directory entries, PC.ta */
#define DC_TC_V		(1ULL << 0)
#define DC_TC_PDTV	(1ULL << 5)
#define RV_ATP(mode, pa) ((uint64_t)(mode) << 60 | (pa) >> 12)
#define RV_FSC_SV48	9
#define RV_PDTE(pa)	((((pa) >> 12) << 10) | 1ULL)
#define PC_TA_V		(1ULL << 0)
#define PC_TA_PSCID(x)	((uint64_t)(x) << 12)

union kind_desc {
	struct ioasid_format_header hdr;
	struct ioasid_format_smmuv3_cd cd;
	struct ioasid_format_amd_gcr3 gcr3;
	struct ioasid_format_riscv_pdt pdt;
};

static void kset(struct pt_enc *e, uint64_t pa, uint64_t v)
{
	pt_enc_set(pt_enc_ptr(e, pa), v);
}

static uint64_t kalloc(struct fmt *f, uint64_t bytes)
{
	uint64_t pa = pt_enc_alloc(&f->enc, bytes);

	if (!pa)
		die("%s: no room for a PASID-table page of %" PRIu64 " bytes", f->name, bytes);
	return pa;
}

/*
 * Build @f's PASID table in its table memory (after the stage-1 table,
 * already built) with f->pasid's entry pointing at the stage-1 root: the
 * kind's descriptor in *@d (its size returned) and BIND's raw entry.
 */
static uint32_t kind_build(struct fmt *f, union kind_desc *d, uint64_t entry[4])
{
	struct pt_enc *e = &f->enc;
	uint64_t s1 = pt_enc_root(e), p = f->pasid, root, t;

	memset(d, 0, sizeof(*d));
	memset(entry, 0, 4 * sizeof(*entry));
	switch (f->kind) {
	case IOASID_FORMAT_SMMUV3_CD: {
		/* Linear: 256 CDs (S1CDMax 8); 2-level: S1CDMax 20 as Linux sets it. */
		unsigned int cdmax = f->variant ? 20 : 8;
		uint64_t cd;

		d->cd.hdr.size = sizeof(d->cd);
		d->cd.hdr.format = IOASID_FORMAT_SMMUV3_CD;
		d->cd.flags = f->variant ? IOASID_SMMUV3_CD_2LVL : 0;
		d->cd.ssid_bits = 20;
		d->cd.oas_bits = 48;
		if (!f->variant) {
			root = kalloc(f, 64ULL << cdmax);
			cd = root + 64 * p;
			f->pt_levels = 1;
			snprintf(f->pt_what, sizeof(f->pt_what),
				 "linear CD table of 256 (16 KiB), PASID 0x%x", f->pasid);
		} else {
			root = kalloc(f, 8ULL << (cdmax - 10));		/* L1CDs */
			t = kalloc(f, 64 * KiB);			/* 1024 CDs */
			kset(e, root + 8 * (p >> 10), t | 1);
			cd = t + 64 * (p & 1023);
			f->pt_levels = 2;
			snprintf(f->pt_what, sizeof(f->pt_what),
				 "2-level CD table (L1CDs, 64 KiB leaves), PASID 0x%x", f->pasid);
		}
		kset(e, cd, CD_T0SZ(16) | CD_TG0_4K | CD_T1SZ(16) | CD_TG1_4K | CD_EPD1 | CD_V |
			    CD_IPS_48 | CD_AA64 | CD_A | CD_ASID(0x42));
		kset(e, cd + 8, s1);
		kset(e, cd + 16, 0);
		entry[0] = STE_V | STE_CFG_S1 | STE_S1FMT(f->variant) | root | STE_S1CDMAX(cdmax);
		entry[1] = 0;		/* S1DSS terminate: every request here has a PASID */
		break;
	}
	case IOASID_FORMAT_AMD_GCR3: {
		unsigned int glx = f->variant;

		d->gcr3.hdr.size = sizeof(d->gcr3);
		d->gcr3.hdr.format = IOASID_FORMAT_AMD_GCR3;
		d->gcr3.pasid_bits = 20;
		d->gcr3.max_glx = 2;
		d->gcr3.phys_bits = 48;
		root = t = kalloc(f, PAGE);
		for (unsigned int l = glx + 1; l > 1; l--) {
			uint64_t next = kalloc(f, PAGE);

			kset(e, t + 8 * ((p >> (9 * (l - 1))) & 511), next | GCR3_V);
			t = next;
		}
		kset(e, t + 8 * (p & 511), s1 | GCR3_V);
		f->pt_levels = glx + 1;
		snprintf(f->pt_what, sizeof(f->pt_what), "GCR3 table%s, PASID 0x%x",
			 glx ? " of 3 levels" : " of 512 entries", f->pasid);
		entry[0] = DTE_V | DTE_TV | DTE_GV | DTE_GLX(glx) | ((root >> 12) & 7) << 58;
		entry[1] = 1 | ((root >> 15) & 0xffff) << 16 | ((root >> 31) & 0x1fffff) << 43;
		entry[2] = 0;		/* GuestPagingMode 0: 4 levels */
		break;
	}
	default: {	/* IOASID_FORMAT_RISCV_PDT */
		unsigned int mode = f->variant, levels = mode == 1 ? 1 : mode == 2 ? 2 : 3;

		d->pdt.hdr.size = sizeof(d->pdt);
		d->pdt.hdr.format = IOASID_FORMAT_RISCV_PDT;
		d->pdt.flags = IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD20 |
			       IOASID_RISCV_PDT_SV48;
		d->pdt.phys_bits = 48;
		root = t = kalloc(f, PAGE);
		for (unsigned int l = levels; l > 1; l--) {
			uint64_t next = kalloc(f, PAGE);
			uint64_t idx = l == 3 ? p >> 17 : (p >> 8) & 0x1ff;

			kset(e, t + 8 * idx, RV_PDTE(next));
			t = next;
		}
		kset(e, t + 16 * (p & 0xff), PC_TA_V | PC_TA_PSCID(0x42));
		kset(e, t + 16 * (p & 0xff) + 8, RV_ATP(RV_FSC_SV48, s1));
		f->pt_levels = levels;
		snprintf(f->pt_what, sizeof(f->pt_what), "PD%s process directory, PASID 0x%x",
			 mode == 1 ? "8" : mode == 2 ? "17" : "20", f->pasid);
		entry[0] = DC_TC_V | DC_TC_PDTV;
		entry[1] = 0;
		entry[2] = RV_ATP(mode, root);
		break;
	}
	}
	return d->hdr.size;
}

/* BIND with the guest's raw entry: the 64-byte struct ioasid_bind. */
static int bind_entry(struct ioasid_handle *h, uint32_t id, const uint64_t entry[4])
{
	struct ioasid_bind b = { .size = sizeof(b), .id = id };

	memcpy(b.entry, entry, sizeof(b.entry));
	return ioctl(ioasid_fd(h), IOASID_BIND, &b) ? -errno : 0;
}

/* INVALIDATE of what was cached for @f's PASID, PASID-table entry and all. */
static int inv_pasid_table(struct fmt *f)
{
	struct ioasid_inv_entry ie = {
		.node_id = f->node,
		.scope = IOASID_INV_SCOPE_PASID,
		.flags = IOASID_INV_PASID_TABLE,
		.pasid = f->pasid,
	};

	return ioasid_invalidate(f->h, &ie, 1, NULL);
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
	union kind_desc kd;
	uint64_t entry[4];
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
	if (f->kind) {
		len = kind_build(f, &kd, entry);
		ret = ioasid_node_alloc_user(f->h, f->root, &kd, len, &f->node);
	} else {
		len = pt_enc_desc(&f->enc, &d);
		ret = ioasid_node_alloc_user(f->h, f->root, &d, len, &f->node);
	}
	if (ret) {
		snprintf(f->why, sizeof(f->why), "ALLOC of a %snode: %s (%s)",
			 f->kind ? "PASID-table kind's " : "user-managed ", strerror(-ret),
			 errname(ret));
		return how;
	}
	if (f->kind)
		ret = bind_entry(f->h, f->node, entry);
	else
		ret = ioasid_bind_halves(f->h, f->node, pt_enc_root(&f->enc),
					 pt_enc_root1(&f->enc), 0);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "BIND: %s (%s)", strerror(-ret), errname(ret));
		return how;
	}
	/* A kind's endpoint: attached without a PASID, its requests with one. */
	must(ioasid_device_create(f->h, f->kind ? IOASID_DEVICE_PASID : 0, f->kind ? 20 : 0,
				  &f->dev), "DEVICE_CREATE");
	ret = ioasid_attach(f->h, f->dev, f->node, 0, 0);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "ATTACH: %s (%s)", strerror(-ret), errname(ret));
		return how;
	}
	/* The walk lands where the table says. */
	ret = ioasid_translate(f->h, f->dev, f->dflags, f->pasid, GIOVA_BASE + f->gran + 0x1230,
			       &tr);
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
	must(ioasid_dma(f->h, f->dev, f->dflags, f->pasid, GIOVA_BASE + 2 * f->gran + 8, buf,
			sizeof(buf), &done), "DMA");
	if (memcmp(buf, f->mem.p + DATA_OFF + 2 * f->gran + 8, sizeof(buf))) {
		snprintf(f->why, sizeof(f->why), "a DMA through the guest's table read other bytes "
			 "than the page it maps");
		return how;
	}
	if (f->kind) {
		/*
		 * The PASID table decides: a PASID without an entry (the next
		 * one: its slot is empty) does not translate.
		 */
		ret = ioasid_translate(f->h, f->dev, f->dflags, f->pasid ^ 1,
				       GIOVA_BASE + f->gran, &tr);
		if (ret != -EIO) {
			snprintf(f->why, sizeof(f->why), "TRANSLATE with PASID 0x%x, which the "
				 "guest's table lacks: %s, not EIO", f->pasid ^ 1,
				 ret ? errname(ret) : "translated");
			return how;
		}
		ret = inv_pasid_table(f);
		f->pt_inv = !ret;
		if (ret)
			snprintf(f->why, sizeof(f->why), "INVALIDATE with IOASID_INV_PASID_TABLE, "
				 "SCOPE_PASID: %s (%s)", strerror(-ret), errname(ret));
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

static double time_translate(struct ioasid_handle *h, uint32_t dev, uint32_t flags,
			     uint32_t pasid, uint64_t iova)
{
	struct ioasid_translate t;
	uint64_t t0, t1;
	int ret;

	t0 = now_ns();
	ret = ioasid_translate(h, dev, flags, pasid, iova, &t);
	t1 = now_ns();
	must(ret, "TRANSLATE");
	return (t1 - t0) / 1e3;
}

static double time_dma(struct ioasid_handle *h, uint32_t dev, uint32_t flags, uint32_t pasid,
		       uint64_t iova, char *buf)
{
	uint64_t t0, t1, done;
	int ret;

	t0 = now_ns();
	ret = ioasid_dma(h, dev, flags, pasid, iova, buf, COLD_DMA, &done);
	t1 = now_ns();
	must(ret, "DMA");
	return (t1 - t0) / 1e3;
}

/* One row of the cold table (CSV test @test); returns TRANSLATE's cold - warm. */
static double cold_row(const char *test, const char *name, const char *tag, const char *levels,
		       uint64_t gran, double **t, int ns)
{
	static const char *const kind[4] = { "translate-cold", "translate-warm",
					     "dma64-cold", "dma64-warm" };
	double med[4], p99[4];
	char cell[4][32], g[24];

	for (int k = 0; k < 4; k++) {
		p99[k] = quantile(t[k], ns, 0.99);
		med[k] = median(t[k], ns);
		snprintf(cell[k], sizeof(cell[k]), "%.2f (%.2f)", med[k], p99[k]);
		csv(test, kind[k], tag, "median_us", med[k]);
		csv(test, kind[k], tag, "p99_us", p99[k]);
	}
	csv(test, "translate", tag, "cold_minus_warm_us", med[0] - med[1]);
	csv(test, "dma64", tag, "cold_minus_warm_us", med[2] - med[3]);
	csv(test, "translate", tag, "ratio_cold_warm", med[0] / med[1]);
	csv(test, "dma64", tag, "ratio_cold_warm", med[2] / med[3]);
	snprintf(g, sizeof(g), "%" PRIu64 "K", gran / KiB);
	printf("  %-16s %6s %5s | %15s %15s %7.2fx %6.2f | %15s %15s %7.2fx %6.2f\n", name,
	       levels, g, cell[0], cell[1], med[0] / med[1], med[0] - med[1], cell[2], cell[3],
	       med[2] / med[3], med[2] - med[3]);
	return med[0] - med[1];
}

/* The levels column: a format's, or a kind's PASID-table levels + stage-1 levels. */
static const char *levels_str(const struct fmt *f, char *buf, size_t len)
{
	if (f->kind)
		snprintf(buf, len, "%u+%u", f->pt_levels, f->levels);
	else
		snprintf(buf, len, "%u", f->levels);
	return buf;
}

/*
 * The kinds' rows again, cold after an INVALIDATE with IOASID_INV_PASID_TABLE
 * and SCOPE_PASID (the guest changed the PASID's entry), and what the PASID
 * table adds to a walk: a kind's c-w against its stage-1 format's alone.
 */
static void cold_kinds(struct fmt **fs, int n, int ns)
{
	int nk = 0;

	for (int i = 0; i < n; i++)
		nk += fs[i]->pt_inv;
	if (nk) {
		printf("  PASID-table kinds, cold after an INVALIDATE with IOASID_INV_PASID_TABLE "
		       "and SCOPE_PASID (untimed) instead:\n");
		for (int i = 0; i < n; i++) {
			struct fmt *f = fs[i];
			char lv[16];

			if (f->pt_inv)
				cold_row("cold-pasid-table", f->name, f->tag,
					 levels_str(f, lv, sizeof(lv)), f->gran, f->tp, ns);
		}
	}
	for (int i = 0; i < n; i++) {
		struct fmt *f = fs[i], *s1 = NULL;

		if (!f->kind)
			continue;
		for (int j = 0; j < n; j++)
			if (fs[j] == &fmts[f->s1])
				s1 = fs[j];
		if (!s1) {
			printf("  %s: PASID table adds (not measured: %s not run)\n", f->name,
			       fmts[f->s1].tag);
			continue;
		}
		printf("  %-16s PASID table adds %6.2f us to a TRANSLATE miss (c-w %.2f, %s "
		       "alone %.2f)\n", f->name, f->cw - s1->cw, f->cw, s1->name, s1->cw);
		csv("cold", "translate", f->tag, "pasid_table_us", f->cw - s1->cw);
	}
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
		for (int i = 0; i < n; i++) {
			if (!(fs[i]->t[k] = calloc(ns, sizeof(double))))
				die("out of memory");
			if (fs[i]->pt_inv && !(fs[i]->tp[k] = calloc(ns, sizeof(double))))
				die("out of memory");
		}
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
			f->t[K_TR_COLD][s] = time_translate(f->h, f->dev, f->dflags, f->pasid, gi);
			f->t[K_TR_WARM][s] = time_translate(f->h, f->dev, f->dflags, f->pasid, gi);
			must(ioasid_invalidate_all(f->h, f->node), "INVALIDATE");
			f->t[K_DMA_COLD][s] = time_dma(f->h, f->dev, f->dflags, f->pasid, gi, buf);
			f->t[K_DMA_WARM][s] = time_dma(f->h, f->dev, f->dflags, f->pasid, gi, buf);
			f->cold_ops += 2;
			if (!f->pt_inv)
				continue;
			/* A kind again: the guest changed the PASID's entry (it did not). */
			must(inv_pasid_table(f), "INVALIDATE PASID_TABLE");
			f->tp[K_TR_COLD][s] = time_translate(f->h, f->dev, f->dflags, f->pasid, gi);
			f->tp[K_TR_WARM][s] = time_translate(f->h, f->dev, f->dflags, f->pasid, gi);
			must(inv_pasid_table(f), "INVALIDATE PASID_TABLE");
			f->tp[K_DMA_COLD][s] = time_dma(f->h, f->dev, f->dflags, f->pasid, gi, buf);
			f->tp[K_DMA_WARM][s] = time_dma(f->h, f->dev, f->dflags, f->pasid, gi, buf);
			f->cold_ops += 2;
		}
		if (r) {
			uint64_t ki = IOVA_BASE + DATA_OFF + slot * PAGE + off;

			must(ioasid_detach(r->h, kdev, 0, 0), "DETACH");
			must(ioasid_attach(r->h, kdev, r->root, 0, 0), "ATTACH");
			ref[K_TR_COLD][s] = time_translate(r->h, kdev, 0, 0, ki);
			ref[K_TR_WARM][s] = time_translate(r->h, kdev, 0, 0, ki);
			must(ioasid_detach(r->h, kdev, 0, 0), "DETACH");
			must(ioasid_attach(r->h, kdev, r->root, 0, 0), "ATTACH");
			ref[K_DMA_COLD][s] = time_dma(r->h, kdev, 0, 0, ki, buf);
			ref[K_DMA_WARM][s] = time_dma(r->h, kdev, 0, 0, ki, buf);
		}
	}

	printf("  %-16s %6s %5s | %15s %15s %8s %6s | %15s %15s %8s %6s\n", "format", "levels",
	       "page", "TRANSLATE cold", "warm", "cold/wrm", "c-w", "DMA 64 B cold", "warm",
	       "cold/wrm", "c-w");
	for (int i = 0; i < n; i++) {
		struct fmt *f = fs[i];
		uint64_t m = misses(f->h, f->dev, NULL) - f->miss0;
		char lv[16];

		f->cw = cold_row("cold", f->name, f->tag, levels_str(f, lv, sizeof(lv)), f->gran,
				 f->t, ns);
		if (m != f->cold_ops) {
			printf("!! %s: %" PRIu64 " IOTLB misses for %" PRIu64 " cold samples "
			       "(expected one each, none for warm ones)\n", f->name, m, f->cold_ops);
			bad++;
		}
	}
	if (r) {
		cold_row("cold", "(ref) root alone", "kernel-root", "1", PAGE, ref, ns);
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
	       "insertion. levels: those walked for 16 TiB\n  (a kind: its PASID table's + its "
	       "stage-1 table's; every request with the kind's PASID).\n");
	cold_kinds(fs, n, ns);
	for (int k = 0; k < 4; k++) {
		for (int i = 0; i < n; i++) {
			free(fs[i]->t[k]);
			fs[i]->t[k] = NULL;
			free(fs[i]->tp[k]);
			fs[i]->tp[k] = NULL;
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
		ret = ioasid_dma(c->f->h, c->f->dev, c->f->dflags | (c->write ? IOASID_DMA_WRITE : 0),
				 c->f->pasid, GIOVA_BASE, c->ubuf, DMA_LEN, &done);
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
		must(ioasid_dma(f->h, f->dev, f->dflags | IOASID_DMA_WRITE, f->pasid, GIOVA_BASE,
				ubuf, DMA_LEN, &done), "DMA write");
		if (memcmp(f->mem.p + DATA_OFF, ubuf, DMA_LEN)) {
			printf("!! %s: a DMA write did not reach the guest's pages\n", f->name);
			bad++;
		}
		fill(f->mem.p + DATA_OFF, DMA_LEN, 13 + i);
		must(ioasid_dma(f->h, f->dev, f->dflags, f->pasid, GIOVA_BASE, ubuf, DMA_LEN,
				&done), "DMA read");
		if (memcmp(f->mem.p + DATA_OFF, ubuf, DMA_LEN)) {
			printf("!! %s: a DMA read did not bring the guest's pages\n", f->name);
			bad++;
		}
		misses(f->h, f->dev, &h0);
		must(ioasid_dma(f->h, f->dev, f->dflags, f->pasid, GIOVA_BASE, ubuf, DMA_LEN,
				&done), "DMA read");
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
"                   riscv-sv57, amd_v1-4lvl, amd_v1-6lvl, and the PASID-table\n"
"                   kinds smmuv3_cd-linear, smmuv3_cd-2lvl, amd_gcr3-glx0,\n"
"                   amd_gcr3-glx2, riscv_pdt-pd8, riscv_pdt-pd20 (default: all)\n"
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
	printf("  per PASID-table kind: the guest's PASID table in the same first MiB, its entry "
	       "for one PASID\n  pointing at a stage-1 table as above; the node bound with the "
	       "guest's raw STE / DTE / DC,\n  a device attached to it without a PASID, every "
	       "request with that PASID\n");
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
		if (f->kind) {
			printf("  %-16s over %s %u levels, %s (%u level(s)), memory: %s\n",
			       f->name, pt_enc_name(&f->enc, nm, sizeof(nm)), f->levels,
			       f->pt_what, f->pt_levels, how);
			if (!f->pt_inv)
				printf("  %-16s (no cold-pasid-table rows: %s)\n", "", f->why);
		} else {
			printf("  %-16s %-16s %u levels, %" PRIu64 " KiB pages, %u table(s) of %s, "
			       "memory: %s\n", f->name, pt_enc_name(&f->enc, nm, sizeof(nm)),
			       f->levels, f->gran / KiB, f->enc.tables,
			       f->p.format == IOASID_FORMAT_ARM64 ? "the granule (top: smaller)" :
			       "4 KiB", how);
		}
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
