// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the RISC-V IOMMU process-directory-table decoder
 * (module/walkers/riscv_pdt.c, compiled into this binary with every walker
 * under ASan and UBSan): random descriptors and device contexts (mostly
 * plausible, sometimes with random bits flipped), random parent memory
 * shaped like PDT entries (directory entries pointing into the memory,
 * outside it and past the output width; process contexts with every
 * mode, ENS, SUM, PSCID, reserved bits), random requests (with and
 * without a PASID, PASIDs past the mode's width), and injected read
 * failures with every kind of return value. Every result of ALLOC, BIND
 * and each lookup is compared with a model of the specification written
 * here (it calls none of the decoder's helpers): the errno, the fault
 * and its level, the decoded entry field by field, and the exact list of
 * reads (the decoder reads only what the model says, in order, each
 * entry at most once, and never writes). Each decoded stage-1 entry is
 * then walked once (ioasid_riscv_walk()) at a random address.
 *
 *   fuzz_pasid_riscv_pdt [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
 *
 * or WALKER_FUZZ_SECONDS (default 10), WALKER_FUZZ_SEED (default: from the
 * clock, printed), WALKER_FUZZ_ITERS (0: until the time is up),
 * WALKER_FUZZ_FIRST. Iteration i depends only on the seed and i: a failure
 * report names both, and -s SEED -f i -n 1 -v replays just that one.
 * KTAP: one result per family of invariants.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "walker_mem.h"
#include "walker_rng.h"
#include "fuzz_walker.h"
#include "../../module/walkers/riscv_pdt.h"

#define MAX_PAGES		12
#define LOOKUPS_PER_FILL	16
#define COVERAGE_ITERS		5000
#define MAX_READS		8

enum family {
	F_CONFIG,	/* ALLOC's errno agrees with the model */
	F_BIND,		/* BIND's errno agrees; a refused BIND changes nothing */
	F_CALLS,	/* reads exactly what the model reads, once each; no writes */
	F_SUCCESS,	/* a decoded entry agrees with the model */
	F_FAILURE,	/* a fault agrees with the model */
	F_COVERAGE,	/* the fuzzer reached every outcome */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"pasid_fuzz_riscv_pdt.config_errno",
	"pasid_fuzz_riscv_pdt.bind_errno",
	"pasid_fuzz_riscv_pdt.reads_follow_the_table",
	"pasid_fuzz_riscv_pdt.success_consistent",
	"pasid_fuzz_riscv_pdt.failure_consistent",
	"pasid_fuzz_riscv_pdt.coverage",
};

static unsigned long failures[F_NR];
static bool verbose;
static u64 iteration, seed;
static char where[200];

/* The world of one iteration. */
struct fz {
	struct wmem m;
	struct ioasid_format_riscv_pdt desc;
	u64 entry[4];		/* the last BIND's */
	u64 dc[4];		/* the last successful BIND's */
	struct ioasid_riscv_pdt_cfg cfg;
	bool bound;

	/* One lookup. */
	bool has_pasid;
	u32 pasid;
	unsigned int fail_at;	/* > 0: that read returns fail_ret */
	int fail_ret;

	/* What the decoder read. */
	unsigned int nreads;
	u64 reads[MAX_READS];
};

static __attribute__((format(printf, 3, 4)))
void violation(struct fz *f, enum family fam, const char *fmt, ...)
{
	va_list ap;

	failures[fam]++;
	if (failures[fam] > 5 && !verbose)
		return;
	ksft_print_msg("%s: seed %" PRIu64 " iteration %" PRIu64 " (%s): ",
		       family_name[fam], seed, iteration, where);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# desc flags %#x phys %u; bind tc %#" PRIx64 " ta %#" PRIx64 " fsc %#" PRIx64
	       " [3] %#" PRIx64 "; bound %d tc %#" PRIx64 " fsc %#" PRIx64 "; mem %#" PRIx64
	       "+%zu pages; %s pasid %#x; read %u fails with %d\n",
	       f->desc.flags, f->desc.phys_bits, f->entry[0], f->entry[1], f->entry[2],
	       f->entry[3], f->bound, f->dc[0], f->dc[2], f->m.base, f->m.pages,
	       f->has_pasid ? "with" : "without", f->pasid, f->fail_at, f->fail_ret);
}

/* The model, from the RISC-V IOMMU specification ------------------------------- */

/* Bits @hi down to @lo set. */
static u64 bits(unsigned int hi, unsigned int lo)
{
	u64 m = 0;
	unsigned int b;

	for (b = lo; b <= hi; b++)
		m |= 1ULL << b;
	return m;
}

static bool declared(u32 flags, unsigned int bit)
{
	return flags & (1U << bit);
}

/* ALLOC: flags 0-8 (PD8, PD17, PD20, Sv39, Sv48, Sv57, AMO_HWAD, Svnapot, Svpbmt). */
static int model_config(const struct ioasid_format_riscv_pdt *d)
{
	if (d->flags >> 9 || d->__reserved[0] || d->__reserved[1])
		return -EOPNOTSUPP;
	if (!(d->flags & 7) || !(d->flags & (7 << 3)))
		return -EINVAL;
	if (d->phys_bits < 32 || d->phys_bits > 56)
		return -EINVAL;
	return 0;
}

/* BIND: DC.tc, DC.ta, DC.fsc and a zero word. */
static int model_bind(u32 dflags, u32 phys, u32 bflags, const u64 *e)
{
	u64 tc = e[0], ta = e[1], fsc = e[2];
	unsigned int mode = fsc >> 60;

	if (bflags)
		return -EOPNOTSUPP;
	if (!(tc & 1) || !(tc & (1 << 5)))		/* V, PDTV */
		return -EINVAL;
	if (tc & ((1 << 10) | (1 << 11)))		/* SBE, SXL */
		return -EINVAL;
	if (tc & bits(63, 12))
		return -EINVAL;
	if ((tc & ((1 << 7) | (1 << 8))) && !declared(dflags, 6))	/* GADE, SADE */
		return -EINVAL;
	if (ta & ~bits(31, 12))
		return -EINVAL;
	if (fsc & bits(59, 44))
		return -EINVAL;
	if (mode > 3 || (mode && !declared(dflags, mode - 1)))
		return -EINVAL;
	if (mode && ((fsc & bits(43, 0)) << 12) >= (1ULL << phys))
		return -EINVAL;
	if (e[3])
		return -EINVAL;
	return 0;
}

/* What the model expects of one lookup. */
struct expect {
	int ret;
	unsigned int level;
	unsigned int nreads;
	u64 reads[MAX_READS];
	struct ioasid_pasid_s1 s1;
};

/* A read as the decoder's io sees it: 0 and *@val, or the reason. */
static int model_read(struct fz *f, struct expect *x, u64 addr, u64 *val)
{
	int ret;

	x->reads[x->nreads++] = addr;
	if (f->fail_at == x->nreads) {
		ret = f->fail_ret;
		return ret >= IOASID_FAULT_NOT_ATTACHED && ret <= IOASID_FAULT_WALK_LIMIT ?
		       ret : IOASID_FAULT_TABLE;
	}
	if (addr < f->m.base || addr >= f->m.base + f->m.pages * WMEM_PAGE)
		return IOASID_FAULT_TABLE;
	*val = f->m.buf[(addr - f->m.base) / 8];
	return 0;
}

#define FAULT(reason, lvl)			\
	do {					\
		x->ret = (reason);		\
		x->level = (lvl);		\
		return;				\
	} while (0)

/* The stage-1 configuration of process context (@ta, @fsc) with mode @m. */
static void model_stage1(struct fz *f, struct expect *x, u64 ta, u64 fsc, unsigned int m)
{
	struct ioasid_riscv_cfg *c = &x->s1.riscv;
	u32 df = f->desc.flags;
	unsigned int levels = m - 5;	/* Sv39 (8): 3 */

	x->s1.kind = IOASID_PASID_STAGE1;
	x->s1.format = IOASID_FORMAT_RISCV;
	x->s1.tag = (ta >> 12) & 0xfffff;
	c->root = (fsc & bits(43, 0)) << 12;
	c->levels = levels;
	c->phys_bits = f->desc.phys_bits;
	c->flags = 0;
	if (f->dc[0] & (1 << 8))		/* SADE */
		c->flags |= IOASID_RISCV_CFG_AD_UPDATE;
	if (declared(df, 7))
		c->flags |= IOASID_RISCV_CFG_SVNAPOT;
	if (declared(df, 8))
		c->flags |= IOASID_RISCV_CFG_SVPBMT;
	if ((ta & 2) && (ta & 4))		/* ENS and SUM */
		c->flags |= IOASID_RISCV_CFG_SUM;
	c->pgsize_bitmap = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (levels >= 4)
		c->pgsize_bitmap |= 1ULL << 39;
	if (levels >= 5)
		c->pgsize_bitmap |= 1ULL << 48;
	if (declared(df, 7))
		c->pgsize_bitmap |= 1ULL << 16;
}

static void model_lookup(struct fz *f, struct expect *x)
{
	unsigned int mode = f->dc[2] >> 60, i, m;
	u32 pasid = f->has_pasid ? f->pasid : 0;
	u64 a, v, ta, fsc;
	int ret;

	memset(x, 0, sizeof(*x));
	if (!f->bound)
		FAULT(IOASID_FAULT_NOT_BOUND, 0);
	if (mode == 0 || (!f->has_pasid && !(f->dc[0] & (1 << 9)))) {
		x->s1.kind = IOASID_PASID_BYPASS;
		return;
	}
	if (pasid >= (1U << (mode == 1 ? 8 : mode == 2 ? 17 : 20)))
		FAULT(IOASID_FAULT_PASID_NOT_PRESENT, mode);
	a = (f->dc[2] & bits(43, 0)) << 12;
	for (i = mode; i > 1; i--) {
		u64 idx = i == 3 ? pasid >> 17 : (pasid >> 8) & 511;

		ret = model_read(f, x, a + 8 * idx, &v);
		if (ret)
			FAULT(ret, i);
		if (!(v & 1))
			FAULT(IOASID_FAULT_PASID_NOT_PRESENT, i);
		if (v & (bits(9, 1) | bits(63, 54)))
			FAULT(IOASID_FAULT_PASID_ENTRY, i);
		a = ((v >> 10) & bits(43, 0)) << 12;
		if (a >= (1ULL << f->desc.phys_bits))
			FAULT(IOASID_FAULT_PASID_ENTRY, i);
	}
	a += 16 * (pasid & 255);
	ret = model_read(f, x, a, &ta);
	if (ret)
		FAULT(ret, 1);
	if (!(ta & 1))
		FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1);
	ret = model_read(f, x, a + 8, &fsc);
	if (ret)
		FAULT(ret, 1);
	if ((ta & (bits(11, 3) | bits(63, 32))) || (fsc & bits(59, 44)))
		FAULT(IOASID_FAULT_PASID_ENTRY, 1);
	m = fsc >> 60;
	if (m == 0) {
		x->s1.kind = IOASID_PASID_BYPASS;
	} else {
		if (m < 8 || m > 10 || !declared(f->desc.flags, m - 5))
			FAULT(IOASID_FAULT_PASID_ENTRY, 1);
		if (((fsc & bits(43, 0)) << 12) >= (1ULL << f->desc.phys_bits))
			FAULT(IOASID_FAULT_PASID_ENTRY, 1);
		model_stage1(f, x, ta, fsc, m);
	}
	if (!(ta & 2))
		x->s1.riscv.flags |= 1U << 31;
}

/* The io callbacks ----------------------------------------------------------- */

static int fz_read(void *priv, u64 addr, u64 *val)
{
	struct fz *f = priv;

	if (f->nreads < MAX_READS)
		f->reads[f->nreads] = addr;
	f->nreads++;
	if (f->fail_at && f->nreads == f->fail_at) {
		*val = rnd();	/* garbage, not to be used */
		return f->fail_ret;
	}
	return wmem_read(&f->m, addr, val);
}

static int fz_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct fz *f = priv;

	return wmem_cmpxchg(&f->m, addr, old, new, cur);
}

/* Random worlds ---------------------------------------------------------------- */

/* A parent address: mostly a page of the memory, sometimes elsewhere. */
static u64 random_page(const struct fz *f)
{
	unsigned int r = rnd_below(100);

	if (r < 75)
		return f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
	if (r < 85)
		return rnd_below(1ULL << 32) & ~0xfffULL;
	if (r < 95)	/* around the output widths */
		return (1ULL << (32 + rnd_below(25))) - WMEM_PAGE * rnd_below(2);
	return (rnd() & bits(43, 0)) << 12;
}

static u64 random_pdte(const struct fz *f)
{
	u64 v = ((random_page(f) >> 12) << 10) & bits(53, 10);

	if (chance(90))
		v |= 1;
	if (chance(10))
		v |= 1ULL << (chance(50) ? 1 + rnd_below(9) : 54 + rnd_below(10));
	return v;
}

static u64 random_ta(void)
{
	u64 v = (rnd() & 6) | ((rnd() & 0xfffff) << 12);

	if (chance(85))
		v |= 1;
	if (chance(8))
		v |= 1ULL << (chance(50) ? 3 + rnd_below(9) : 32 + rnd_below(32));
	return v;
}

static u64 random_fsc(const struct fz *f)
{
	static const unsigned int modes[] = { 0, 8, 9, 10 };
	u64 m = chance(85) ? modes[rnd_below(4)] : rnd_below(16);
	u64 v = (m << 60) | (random_page(f) >> 12);

	if (chance(8))
		v |= 1ULL << (44 + rnd_below(16));
	return v;
}

/* Fill the memory: even words like PDT entries or ta, odd ones like PDT entries or fsc. */
static void fill(struct fz *f)
{
	size_t i, n = f->m.pages * WMEM_PAGE / 8;

	for (i = 0; i < n; i++) {
		unsigned int r = rnd_below(100);

		if (r < 25)
			f->m.buf[i] = chance(90) ? 0 : rnd();
		else if (r < 55)
			f->m.buf[i] = random_pdte(f);
		else
			f->m.buf[i] = i & 1 ? random_fsc(f) : random_ta();
	}
}

static void random_desc(struct fz *f)
{
	static const u32 phys[] = { 32, 36, 39, 40, 44, 48, 52, 56 };

	memset(&f->desc, 0, sizeof(f->desc));
	f->desc.hdr.size = sizeof(f->desc);
	f->desc.hdr.format = IOASID_FORMAT_RISCV_PDT;
	f->desc.flags = rnd() & 0x1ff;
	if (chance(80))
		f->desc.flags |= 1U << rnd_below(3);
	if (chance(80))
		f->desc.flags |= 1U << (3 + rnd_below(3));
	f->desc.phys_bits = phys[rnd_below(8)];
	if (chance(3))
		f->desc.flags |= 1U << (9 + rnd_below(23));
	if (chance(3))
		f->desc.__reserved[rnd_below(2)] = 1ULL << rnd_below(64);
	if (chance(3))
		f->desc.phys_bits = rnd_below(70);
}

static void random_entry(struct fz *f)
{
	u64 tc = 1 | (1 << 5), mode = chance(10) ? 0 : 1 + rnd_below(3);

	/* Mostly a mode the descriptor declares. */
	if (mode && !declared(f->desc.flags, mode - 1) && chance(85))
		mode = declared(f->desc.flags, 0) ? 1 : declared(f->desc.flags, 1) ? 2 : 3;
	if (chance(40))
		tc |= 1 << 9;				/* DPE */
	if (chance(declared(f->desc.flags, 6) ? 40 : 3))
		tc |= 1 << 8;				/* SADE */
	if (chance(10))
		tc |= rnd() & (0x5e | (1 << 7));	/* ignored bits, GADE */
	f->entry[0] = tc;
	f->entry[1] = chance(50) ? (rnd() & bits(31, 12)) : 0;
	f->entry[2] = (mode << 60) | ((f->m.base >> 12) + rnd_below(f->m.pages));
	if (chance(5))
		f->entry[2] = (mode << 60) | (random_page(f) >> 12);
	f->entry[3] = 0;
	if (chance(10))
		f->entry[rnd_below(4)] ^= 1ULL << rnd_below(64);
	if (chance(5))		/* SBE, SXL, GADE, or a reserved or custom bit */
		f->entry[0] |= 1ULL << (chance(60) ? 7 + rnd_below(5) : 12 + rnd_below(20));
}

/* Checks ----------------------------------------------------------------------- */

static unsigned long seen_bind[3], seen_config[3];	/* 0, EINVAL, EOPNOTSUPP */
static unsigned long seen_stage1[4][3];		/* by pdtp mode, Sv mode */
static unsigned long seen_bypass[3];		/* pdtp Bare, no PASID, PC Bare */
static unsigned long seen_dpe, seen_no_priv, seen_sum, seen_ad;
static unsigned long seen_fault[IOASID_FAULT_PASID_ENTRY + 1][4];	/* by level */
static unsigned long seen_width, seen_injected, seen_walks;

static int errno_index(int e)
{
	return e == 0 ? 0 : e == -EINVAL ? 1 : 2;
}

static void check_bind(struct fz *f)
{
	struct ioasid_riscv_pdt_cfg before = f->cfg;
	u32 bflags = chance(3) ? 1U << rnd_below(32) : 0;
	int want = model_bind(f->desc.flags, f->desc.phys_bits, bflags, f->entry);
	int got = ioasid_riscv_pdt_bind(&f->cfg, bflags, f->entry);

	seen_bind[errno_index(want)]++;
	if (got != want)
		violation(f, F_BIND, "bind flags %#x: %d, the model says %d", bflags, got, want);
	if (got && memcmp(&before, &f->cfg, sizeof(before)))
		violation(f, F_BIND, "a refused bind changed the configuration");
	if (!got) {
		u64 mode = f->entry[2] >> 60;

		memcpy(f->dc, f->entry, sizeof(f->dc));
		f->bound = true;

		if (f->cfg.mode != mode ||
		    f->cfg.root != (mode ? (f->entry[2] & bits(43, 0)) << 12 : 0))
			violation(f, F_BIND, "bound mode %u root %#" PRIx64, f->cfg.mode,
				  f->cfg.root);
	}
}

static void one_lookup(struct fz *f, const u64 *snap)
{
	struct ioasid_pt_io io = { .priv = f, .read = fz_read, .cmpxchg = fz_cmpxchg };
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result res;
	struct expect x;
	unsigned int i;
	int ret;

	model_lookup(f, &x);
	f->nreads = 0;
	f->m.cmpxchgs = 0;
	memset(&s1, 0xa5, sizeof(s1));
	memset(&res, 0xa5, sizeof(res));
	ret = ioasid_riscv_pdt_lookup(&f->cfg, f->has_pasid, f->pasid, &io, &s1, &res);

	/* The reads, exactly; no writes. */
	if (f->nreads != x.nreads) {
		violation(f, F_CALLS, "%u reads, the model reads %u", f->nreads, x.nreads);
	} else {
		for (i = 0; i < x.nreads; i++)
			if (f->reads[i] != x.reads[i])
				violation(f, F_CALLS, "read %u at %#" PRIx64 ", the model at %#"
					  PRIx64, i, f->reads[i], x.reads[i]);
	}
	if (f->m.cmpxchgs || memcmp(snap, f->m.buf, f->m.pages * WMEM_PAGE))
		violation(f, F_CALLS, "the table memory changed");
	if (f->fail_at && f->fail_at <= x.nreads)
		seen_injected++;

	if (x.ret) {
		struct ioasid_pasid_s1 zero;

		memset(&zero, 0, sizeof(zero));
		if (ret != x.ret || res.fault_reason != x.ret || res.fault_level != x.level)
			violation(f, F_FAILURE, "returned %d (res %u level %u), the model says %d level %u",
				  ret, res.fault_reason, res.fault_level, x.ret, x.level);
		if (res.out || res.page_size || res.perm || res.maybe ||
		    memcmp(&zero, &s1, sizeof(s1)))
			violation(f, F_FAILURE, "a fault left more than its reason and level");
		if (x.ret <= IOASID_FAULT_PASID_ENTRY && x.level <= 3)
			seen_fault[x.ret][x.level]++;
		if (x.ret == IOASID_FAULT_PASID_NOT_PRESENT && !x.nreads)
			seen_width++;
		return;
	}
	if (ret || res.fault_reason || res.fault_level || res.out || res.page_size ||
	    res.perm || res.maybe) {
		violation(f, F_SUCCESS, "returned %d (res %u level %u), the model says success",
			  ret, res.fault_reason, res.fault_level);
		return;
	}
	if (s1.kind != x.s1.kind || s1.format != x.s1.format || s1.tag != x.s1.tag ||
	    s1.riscv.flags != x.s1.riscv.flags ||
	    (x.s1.kind == IOASID_PASID_STAGE1 &&
	     (s1.riscv.root != x.s1.riscv.root || s1.riscv.levels != x.s1.riscv.levels ||
	      s1.riscv.phys_bits != x.s1.riscv.phys_bits ||
	      s1.riscv.pgsize_bitmap != x.s1.riscv.pgsize_bitmap))) {
		violation(f, F_SUCCESS, "kind %u format %u tag %#" PRIx64 " root %#" PRIx64
			  " levels %u phys %u flags %#x sizes %#" PRIx64 "; the model: kind %u format %u tag %#"
			  PRIx64 " root %#" PRIx64 " levels %u phys %u flags %#x sizes %#" PRIx64,
			  s1.kind, s1.format, s1.tag, s1.riscv.root, s1.riscv.levels,
			  s1.riscv.phys_bits, s1.riscv.flags, s1.riscv.pgsize_bitmap,
			  x.s1.kind, x.s1.format, x.s1.tag, x.s1.riscv.root, x.s1.riscv.levels,
			  x.s1.riscv.phys_bits, x.s1.riscv.flags, x.s1.riscv.pgsize_bitmap);
		return;
	}
	if (s1.riscv.flags & IOASID_RISCV_PDT_S1_NO_PRIV) {
		seen_no_priv++;
		if (ioasid_riscv_pdt_perm_mask(&s1) != (IOASID_PT_ALL & ~(IOASID_PT_SR |
		    IOASID_PT_SW | IOASID_PT_SX)))
			violation(f, F_SUCCESS, "ENS clear, but the mask lets privileged requests in");
	}
	if (s1.kind == IOASID_PASID_BYPASS) {
		seen_bypass[!(f->dc[2] >> 60) ? 0 : !f->has_pasid &&
			    !(f->dc[0] & (1 << 9)) ? 1 : 2]++;
		return;
	}
	seen_stage1[f->cfg.mode][s1.riscv.levels - 3]++;
	if (!f->has_pasid)
		seen_dpe++;
	if (s1.riscv.flags & IOASID_RISCV_CFG_SUM)
		seen_sum++;
	if (s1.riscv.flags & IOASID_RISCV_CFG_AD_UPDATE)
		seen_ad++;
	/* The entry drives the RISC-V walker: one walk, for ASan and UBSan. */
	{
		struct ioasid_pt_io wio = wmem_io(&f->m);
		struct ioasid_pt_result wr;

		ret = ioasid_riscv_walk(&s1.riscv, rnd() >> rnd_below(64),
					IOASID_ACCESS_READ, &wio, &wr);
		if (ret < 0 || ret > IOASID_FAULT_PASID_ENTRY || ret != wr.fault_reason)
			violation(f, F_SUCCESS, "the stage-1 walk returned %d", ret);
		seen_walks++;
		memcpy(f->m.buf, snap, f->m.pages * WMEM_PAGE);	/* A it set */
	}
}

/*
 * Plant a plausible path to @pasid's process context: directory entries
 * into the memory, and a process context of a declared mode (not always).
 */
static void plant(struct fz *f, u32 pasid)
{
	u64 a = f->cfg.root, *p;
	unsigned int l;

	if (pasid >> (f->cfg.mode == 1 ? 8 : f->cfg.mode == 2 ? 17 : 20))
		return;
	for (l = f->cfg.mode; l > 1; l--) {
		u64 idx = l == 3 ? pasid >> 17 : (pasid >> 8) & 511;

		if (a < f->m.base || a - f->m.base >= f->m.pages * WMEM_PAGE)
			return;
		p = &f->m.buf[(a + 8 * idx - f->m.base) / 8];
		if (!(*p & 1) || chance(50))
			*p = ((f->m.base >> 12) + rnd_below(f->m.pages)) << 10 | 1;
		a = ((*p >> 10) & bits(43, 0)) << 12;
	}
	a += 16 * (pasid & 255);
	if (a < f->m.base || a - f->m.base >= f->m.pages * WMEM_PAGE)
		return;
	p = &f->m.buf[(a - f->m.base) / 8];
	p[0] = (rnd() & (6 | bits(31, 12))) | 1;
	p[1] = ((u64)(8 + rnd_below(3)) << 60) | (random_page(f) >> 12);
	if (chance(10))
		p[1] = random_fsc(f);
}

static void random_request(struct fz *f)
{
	unsigned int mode = f->cfg.mode, width = mode == 1 ? 8 : mode == 2 ? 17 : 20;

	f->has_pasid = chance(80);
	f->pasid = rnd_below(1ULL << width);
	if (chance(10))
		f->pasid = (u32)rnd() >> rnd_below(32);
	if (chance(20))		/* a PASID the table has near */
		f->pasid &= chance(50) ? 0xff : 0x1ffff;
	f->fail_at = chance(15) ? 1 + rnd_below(4) : 0;
	f->fail_ret = chance(60) ? IOASID_FAULT_TABLE :
		      chance(50) ? (int)(1 + rnd_below(IOASID_FAULT_PASID_ENTRY)) :
		      (int)rnd();
	if (!f->fail_ret)	/* a failing read fails */
		f->fail_ret = -1;
}

int main(int argc, char **argv)
{
	u64 first, iters, i, lookups = 0;
	double seconds, start, elapsed;
	unsigned int l, m, s, r;
	u64 *snap;
	struct fz f;

	if (fuzz_options(argc, argv, &seconds, &seed, &iters, &first, &verbose))
		return 2;
	fuzz_header(F_NR, seed, seconds, iters);

	if (wmem_init(&f.m, 0, MAX_PAGES))
		ksft_exit_fail_msg("no memory\n");
	snap = malloc(MAX_PAGES * WMEM_PAGE);
	if (!snap)
		ksft_exit_fail_msg("no memory\n");

	start = now();
	for (i = first; !iters || i < first + iters; i++) {
		int want, got;

		if (!iters && !((i - first) & 255) && now() - start >= seconds)
			break;
		iteration = i;
		rnd_state = seed ^ (i * 0xd1342543de82ef95ULL);
		rnd();
		snprintf(where, sizeof(where), "setup");
		f.m.base = chance(50) ? 0 : rnd_below(1ULL << 30) << 12;
		f.m.pages = 1 + rnd_below(MAX_PAGES);
		random_desc(&f);
		want = model_config(&f.desc);
		memset(&f.cfg, 0, sizeof(f.cfg));
		got = ioasid_riscv_pdt_config(&f.cfg, &f.desc);
		seen_config[errno_index(want)]++;
		if (got != want)
			violation(&f, F_CONFIG, "config %d, the model says %d", got, want);
		if (got)
			continue;
		if (f.cfg.flags != f.desc.flags || f.cfg.phys_bits != f.desc.phys_bits ||
		    f.cfg.bind || f.cfg.root)
			violation(&f, F_CONFIG, "configured flags %#x phys %u bind %#x root %#"
				  PRIx64, f.cfg.flags, f.cfg.phys_bits, f.cfg.bind, f.cfg.root);
		fill(&f);
		memcpy(snap, f.m.buf, f.m.pages * WMEM_PAGE);
		f.bound = false;
		for (r = 0; r < LOOKUPS_PER_FILL; r++) {
			/* A new device context now and then; unbound first, sometimes. */
			if ((r == 0 && chance(97)) || chance(f.bound ? 10 : 50)) {
				snprintf(where, sizeof(where), "bind %u", r);
				random_entry(&f);
				check_bind(&f);
			}
			snprintf(where, sizeof(where), "lookup %u", r);
			random_request(&f);
			if (f.bound && f.cfg.mode && chance(40)) {
				plant(&f, f.has_pasid ? f.pasid : 0);
				memcpy(snap, f.m.buf, f.m.pages * WMEM_PAGE);
			}
			one_lookup(&f, snap);
			lookups++;
		}
	}
	elapsed = now() - start;
	iters = i - first;
	ksft_print_msg("%" PRIu64 " iterations, %" PRIu64 " lookups in %.2f s: %.0f lookups/s\n",
		       iters, lookups, elapsed, lookups / (elapsed > 0 ? elapsed : 1));
	ksft_print_msg("config: ok %lu, EINVAL %lu, EOPNOTSUPP %lu; bind: ok %lu, EINVAL %lu, EOPNOTSUPP %lu\n",
		       seen_config[0], seen_config[1], seen_config[2], seen_bind[0], seen_bind[1],
		       seen_bind[2]);
	for (m = 1; m <= 3; m++)
		ksft_print_msg("stage 1 through PD%u: Sv39 %lu, Sv48 %lu, Sv57 %lu\n",
			       m == 1 ? 8 : m == 2 ? 17 : 20, seen_stage1[m][0], seen_stage1[m][1],
			       seen_stage1[m][2]);
	ksft_print_msg("bypass: pdtp Bare %lu, no PASID without DPE %lu, PC Bare %lu; through DPE %lu; ENS clear %lu, SUM %lu, SADE %lu; stage-1 walks %lu\n",
		       seen_bypass[0], seen_bypass[1], seen_bypass[2], seen_dpe, seen_no_priv,
		       seen_sum, seen_ad, seen_walks);
	for (l = 1; l <= 3; l++)
		ksft_print_msg("faults at level %u: not present %lu, entry %lu, table %lu, walk limit %lu, not attached %lu\n",
			       l, seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][l],
			       seen_fault[IOASID_FAULT_PASID_ENTRY][l], seen_fault[IOASID_FAULT_TABLE][l],
			       seen_fault[IOASID_FAULT_WALK_LIMIT][l],
			       seen_fault[IOASID_FAULT_NOT_ATTACHED][l]);
	ksft_print_msg("not bound %lu; PASID too wide %lu; injected read failures %lu\n",
		       seen_fault[IOASID_FAULT_NOT_BOUND][0], seen_width, seen_injected);

	/* Every outcome must have been reached, given enough iterations. */
	if (iters >= COVERAGE_ITERS) {
		bool all = seen_dpe && seen_no_priv && seen_sum && seen_ad && seen_width &&
			   seen_injected && seen_fault[IOASID_FAULT_NOT_BOUND][0];

		for (s = 0; s < 3; s++)
			if (!seen_bind[s] || !seen_config[s] || !seen_bypass[s])
				all = false;
		for (m = 1; m <= 3; m++)
			for (s = 0; s < 3; s++)
				if (!seen_stage1[m][s])
					all = false;
		for (l = 1; l <= 3; l++)
			if (!seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][l] ||
			    !seen_fault[IOASID_FAULT_PASID_ENTRY][l] ||
			    !seen_fault[IOASID_FAULT_TABLE][l] ||
			    !seen_fault[IOASID_FAULT_WALK_LIMIT][l])
				all = false;
		if (!all)
			failures[F_COVERAGE]++;
	}

	fuzz_results(family_name, failures, F_NR, F_COVERAGE, iters, COVERAGE_ITERS);
	free(snap);
	wmem_fini(&f.m);
	ksft_finished();
}
