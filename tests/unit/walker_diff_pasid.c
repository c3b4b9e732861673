// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test behind the PASID-table kinds: the random mappings
 * of walker_diff (walker_diff.h), encoded by tests/include/pt_encode.h as
 * stage-1 tables (Arm64 once per granule, x86-64, RISC-V Sv39, Sv48 and
 * Sv57), are reached through a guest's PASID table built here in the same
 * fake parent memory, and every request must come out exactly as the
 * direct walk of that stage-1 format gives it: the decoders
 * (module/walkers/{smmuv3_cd,amd_gcr3,riscv_pdt}.c) and every walker,
 * compiled into this binary under ASan and UBSan, called as the module
 * calls them: ioasid_K_lookup() of the request's PASID, then the decoded
 * format's walk with the decoded configuration.
 *
 * - SMMUv3 CD tables: one CD of an STE with S1CDMax 0 (DMA without a
 *   PASID), linear, 2-level with 4 KiB and with 64 KiB leaf tables; in
 *   each, CD 0 and two PASIDs per granule, each CD pointing at the Arm64
 *   tables of its granule (both halves, as walker_diff). The STE is bound
 *   with S1DSS substream 0 (DMA without a PASID through CD 0), S1DSS
 *   bypass (through CD 0 with PASID 0), S1DSS terminate, Config bypass and
 *   Config abort.
 * - AMD GCR3 tables of GLX 0, 1 and 2, PASID 0 and four more, pointing at
 *   the x86-64 tables (4 or 5 levels, GuestPagingMode 0 or 1), bound with
 *   GIOV (DMA without a PASID through PASID 0) and without (bypass).
 * - RISC-V process-directory tables PD8, PD17 and PD20, process context 0
 *   and two PASIDs per Sv mode (ENS and SUM set, as the direct walk is
 *   bound with SUM), bound with DPE (DMA without a PASID through process
 *   context 0, unprivileged: it matches the direct walk of the request
 *   without IOASID_ACCESS_PRIV) and without (bypass); one more PASID
 *   without ENS: its privileged requests fault PERMISSION at level 0, the
 *   others translate as the direct walk, with no privileged grant.
 *
 * Checked, at every sampled address (every mapping's first and last pages,
 * random offsets in it, its 2 MiB boundaries, the addresses just outside
 * it, random holes) and for every request kind walker_diff checks (read,
 * write, execute, privileged or not):
 * - the direct walks themselves: a mapped address translates to its
 *   mapping's output, a hole faults NOT_PRESENT (so the comparisons below
 *   compare translations, not two faults);
 * - through each kind and PASID: the same return, fault reason and level,
 *   output, leaf size, grants (perm and maybe) as the direct walk;
 * - DMA without a PASID: the kind's rule (the walk above, bypass with no
 *   table read, or PASID_NOT_PRESENT at level 0);
 * - PASIDs without a valid entry (an invalid CD, L1CD, GCR3 entry,
 *   directory entry or process context; a PASID beyond the table's width;
 *   PASID 0 when substream 0 serves DMA without a PASID): every request
 *   at every address faults PASID_NOT_PRESENT at the level of the missing
 *   entry;
 * - no read outside the parent memory, no write at all.
 *
 *   walker_diff_pasid [-t SECONDS] [-s SEED] [-n SEEDS]
 *
 * or WALKER_DIFF_SECONDS (default 3), WALKER_DIFF_SEED (default: from the
 * clock; each seed is printed), WALKER_DIFF_SEEDS (default 32): seeds
 * SEED, SEED + 1, ... until the time or the count is up (at least one).
 * The same seed draws the same mappings as walker_diff. KTAP: one result
 * per family of checks, the first divergences printed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "../../module/walkers/smmuv3_cd.h"
#include "../../module/walkers/amd_gcr3.h"
#include "../../module/walkers/riscv_pdt.h"
#include "pt_encode.h"
#include "walker_rng.h"
#include "walker_diff.h"

#define MEM_BASE	(1ULL << 44)	/* the parent memory's address */
#define SLICE		(32ULL << 20)	/* table memory of one encoding */
#define NCASES		7		/* Arm64 4K/16K/64K, x86-64, Sv39/48/57 */
#define PT_BASE		(MEM_BASE + NCASES * SLICE)	/* PASID tables */
#define MEM_BYTES	((NCASES + 1) * SLICE)
#define MAX_SAMPLES	4096
#define NREQ		6
#define MAX_PASIDS	8	/* PASID 0 and seven more */

enum family {
	F_SETUP,	/* encodings, config and bind of formats and kinds */
	F_DIRECT,	/* the direct walks translate the mappings */
	F_CD,		/* through SMMUv3 CDs as the Arm64 walk */
	F_GCR3,		/* through GCR3 tables as the x86-64 walk */
	F_PDT,		/* through RISC-V PDTs as the Sv walk */
	F_NO_PASID,	/* bypass and terminate without a PASID */
	F_NOT_PRESENT,	/* PASIDs without an entry: PASID_NOT_PRESENT */
	F_MEMORY,	/* no read outside, no write */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"walker_diff_pasid.encode_config_bind",
	"walker_diff_pasid.direct_walks_as_mapped",
	"walker_diff_pasid.smmuv3_cd_same_as_arm64",
	"walker_diff_pasid.amd_gcr3_same_as_x86_64",
	"walker_diff_pasid.riscv_pdt_same_as_riscv",
	"walker_diff_pasid.no_pasid_bypass_terminate",
	"walker_diff_pasid.pasid_not_present",
	"walker_diff_pasid.reads_inside_no_writes",
};

static unsigned long fails[F_NR], checks[F_NR];
static uint64_t cur_seed;

static bool check(enum family f, bool ok, const char *fmt, ...)
{
	va_list ap;

	checks[f]++;
	if (ok)
		return true;
	if (fails[f]++ < 8) {
		printf("# %s: seed %" PRIu64 ": ", family_name[f], cur_seed);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	return false;
}

/* The parent memory ---------------------------------------------------------- */

static uint8_t *mem;
static unsigned long mem_reads, mem_bad;

static int mem_read(void *priv, u64 addr, u64 *val)
{
	(void)priv;
	mem_reads++;
	if ((addr & 7) || addr < MEM_BASE || addr - MEM_BASE >= MEM_BYTES) {
		mem_bad++;
		return IOASID_FAULT_TABLE;
	}
	*val = pt_enc_get((uint64_t *)(mem + (addr - MEM_BASE)));
	return 0;
}

static int mem_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	(void)priv, (void)addr, (void)old, (void)new, (void)cur;
	mem_bad++;		/* no A/D updates are configured */
	return IOASID_FAULT_AD_UPDATE;
}

static const struct ioasid_pt_io io = {
	.read = mem_read,
	.cmpxchg = mem_cmpxchg,
};

static uint64_t *mem_ptr(u64 addr)
{
	if ((addr & 7) || addr < MEM_BASE || addr - MEM_BASE >= MEM_BYTES) {
		fprintf(stderr, "walker_diff_pasid: %#" PRIx64 " outside\n", addr);
		abort();
	}
	return (uint64_t *)(mem + (addr - MEM_BASE));
}

static u64 mem_get(u64 addr)
{
	return pt_enc_get(mem_ptr(addr));
}

static void mem_set(u64 addr, u64 val)
{
	pt_enc_set(mem_ptr(addr), val);
}

/* The PASID tables' allocator: @bytes zeroed, aligned to @align. */
static u64 pt_next;

static u64 pt_alloc(u64 bytes, u64 align)
{
	u64 a = (pt_next + align - 1) & ~(align - 1);

	if (a + bytes > MEM_BASE + MEM_BYTES) {
		fprintf(stderr, "walker_diff_pasid: PASID tables need more memory\n");
		abort();
	}
	memset(mem + (a - MEM_BASE), 0, bytes);
	pt_next = a + bytes;
	return a;
}

/* The stage-1 encodings and their direct walks -------------------------------- */

enum { C_ARM4K, C_ARM16K, C_ARM64K, C_X86, C_SV39, C_SV48, C_SV57 };

struct ecase {
	char name[32];
	uint32_t format;
	uint64_t granule;	/* the mappings it holds are aligned to it */
	struct pt_enc enc;
	union {
		struct ioasid_x86_64_cfg x86;
		struct ioasid_arm64_cfg arm64;
		struct ioasid_riscv_cfg riscv;
	} cfg;
	bool holds[MAX_MAPS];
};

static struct ecase cases[NCASES];
static bool sv_napot;		/* the RISC-V encodings use Svnapot */

static bool case_build(unsigned int ci, const struct pt_enc_params *p,
		       uint64_t granule)
{
	struct ecase *c = &cases[ci];
	union pt_enc_desc d;
	unsigned int i;
	int rc = 0;

	c->format = p->format;
	c->granule = granule;
	if (!check(F_SETUP, !pt_enc_init(&c->enc, p, mem + ci * SLICE,
					 MEM_BASE + ci * SLICE, SLICE), "pt_enc_init"))
		return false;
	pt_enc_name(&c->enc, c->name, sizeof(c->name));
	for (i = 0; i < nmaps; i++) {
		const struct mapping *m = &maps[i];

		c->holds[i] = !((m->iova | m->pa | m->size) & (granule - 1));
		if (!c->holds[i])
			continue;
		rc = pt_enc_map(&c->enc, m->iova, m->pa, m->size, m->perm);
		if (!check(F_SETUP, !rc, "%s: map %#" PRIx64 "+%#" PRIx64 ": %d",
			   c->name, m->iova, m->size, rc))
			return false;
	}
	pt_enc_desc(&c->enc, &d);
	switch (p->format) {
	case IOASID_FORMAT_X86_64:
		rc = ioasid_x86_64_config(&c->cfg.x86, &d.x86_64);
		if (!rc)
			rc = ioasid_x86_64_bind(&c->cfg.x86, IOASID_BIND_X86_SRE |
						IOASID_BIND_X86_WPE, pt_enc_root(&c->enc), 0);
		break;
	case IOASID_FORMAT_ARM64:
		rc = ioasid_arm64_config(&c->cfg.arm64, &d.arm64);
		if (!rc)
			rc = ioasid_arm64_bind(&c->cfg.arm64, 0, pt_enc_root(&c->enc),
					       pt_enc_root1(&c->enc));
		break;
	default:
		rc = ioasid_riscv_config(&c->cfg.riscv, &d.riscv);
		if (!rc)
			rc = ioasid_riscv_bind(&c->cfg.riscv, IOASID_BIND_RISCV_SUM,
					       pt_enc_root(&c->enc), 0);
		break;
	}
	return check(F_SETUP, !rc, "%s: config/bind: %d", c->name, rc);
}

static void build_cases(void)
{
	static const unsigned int grans[3] = { 12, 14, 16 };
	unsigned int tsz = 16 + rnd_below(11), i;
	struct pt_enc_params p;

	for (i = 0; i < 3; i++) {
		/* Both halves, as walker_diff: the other granule for TTB1. */
		p = pt_enc_arm64_params(grans[(i + 1) % 3], tsz, true);
		p.tsz[1] = 16 + rnd_below(11);
		p.tg[base ? 1 : 0] = grans[i];
		case_build(C_ARM4K + i, &p, 1ULL << grans[i]);
	}
	p = pt_enc_x86_64_params(4 + rnd_below(2));
	case_build(C_X86, &p, SZ_4K);
	sv_napot = rnd_below(2);
	for (i = 0; i < 3; i++) {
		p = pt_enc_riscv_params(3 + i);
		if (sv_napot)
			p.flags = IOASID_RISCV_SVNAPOT;
		case_build(C_SV39 + i, &p, SZ_4K);
	}
}

static int case_walk(const struct ecase *c, u64 iova, u32 access,
		     struct ioasid_pt_result *res)
{
	memset(res, 0, sizeof(*res));
	switch (c->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_walk(&c->cfg.x86, iova, access, &io, res);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_walk(&c->cfg.arm64, iova, access, &io, res);
	default:
		return ioasid_riscv_walk(&c->cfg.riscv, iova, access, &io, res);
	}
}

/* The addresses and the direct walks' outcomes --------------------------------- */

/* Unprivileged first: requests[r] without PRIV is requests[r % 3]. */
static const u32 requests[NREQ] = {
	IOASID_ACCESS_READ, IOASID_ACCESS_WRITE,
	IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
	IOASID_ACCESS_READ | IOASID_ACCESS_PRIV,
	IOASID_ACCESS_WRITE | IOASID_ACCESS_PRIV,
	IOASID_ACCESS_READ | IOASID_ACCESS_EXEC | IOASID_ACCESS_PRIV,
};
#define REQ_READ_PRIV	3

struct outcome {
	int rc;
	struct ioasid_pt_result r;
};

static uint64_t samples[MAX_SAMPLES];
static unsigned int nsamples;
static struct outcome direct[NCASES][MAX_SAMPLES][NREQ];

static void add_sample(uint64_t a)
{
	if (nsamples < MAX_SAMPLES)
		samples[nsamples++] = a;
}

static void gen_samples(void)
{
	unsigned int mi, k;

	nsamples = 0;
	for (mi = 0; mi < nmaps; mi++) {
		const struct mapping *m = &maps[mi];
		uint64_t pages = m->size / SZ_4K, b;

		for (k = 0; k < 8 && k < pages; k++) {
			add_sample(m->iova + k * SZ_4K + rnd_below(SZ_4K));
			add_sample(m->iova + m->size - (k + 1) * SZ_4K +
				   (k ? rnd_below(SZ_4K) : SZ_4K - 1));
		}
		add_sample(m->iova);
		for (k = 0; k < 16; k++)
			add_sample(m->iova + rnd_below(m->size));
		b = (m->iova + SZ_2M) & ~(SZ_2M - 1);
		for (k = 0; k < 8 && b - m->iova < m->size; k++, b += SZ_2M) {
			add_sample(b);
			add_sample(b - 8);
		}
		if (m->iova != base)
			add_sample(m->iova - 1);
		if (m->iova - base + m->size < TOP)
			add_sample(m->iova + m->size);
	}
	for (k = 0; k < 128; k++)
		add_sample(base + rnd_below(TOP));
}

/* Walk every sample directly; check those walks against the mappings. */
static void direct_walks(void)
{
	unsigned int ci, s, r;

	for (ci = 0; ci < NCASES; ci++) {
		const struct ecase *c = &cases[ci];

		for (s = 0; s < nsamples; s++) {
			const struct mapping *m = mapping_of(samples[s]);
			struct outcome *o = direct[ci][s];

			for (r = 0; r < NREQ; r++)
				o[r].rc = case_walk(c, samples[s], requests[r], &o[r].r);
			o = &o[REQ_READ_PRIV];
			if (m && c->holds[m - maps])
				check(F_DIRECT, o->rc == 0 &&
				      o->r.out == m->pa + (samples[s] - m->iova),
				      "%s: %#" PRIx64 ": %d -> %#" PRIx64 ", not %#" PRIx64,
				      c->name, samples[s], o->rc, o->r.out,
				      m->pa + (samples[s] - m->iova));
			else
				check(F_DIRECT, o->rc == IOASID_FAULT_NOT_PRESENT,
				      "%s: %#" PRIx64 " (%s): %d, not NOT_PRESENT",
				      c->name, samples[s], m ? "mapping not held" :
				      "hole", o->rc);
		}
	}
}

/* The kinds ---------------------------------------------------------------- */

enum kind { K_CD, K_GCR3, K_PDT };

struct kctx {
	enum kind kind;
	char name[48];
	union {
		struct ioasid_smmuv3_cd_cfg cd;
		struct ioasid_amd_gcr3_cfg gcr3;
		struct ioasid_riscv_pdt_cfg pdt;
	};
};

static int kind_lookup(const struct kctx *k, bool has_pasid, u32 pasid,
		       struct ioasid_pasid_s1 *s1, struct ioasid_pt_result *res)
{
	switch (k->kind) {
	case K_CD:
		return ioasid_smmuv3_cd_lookup(&k->cd, has_pasid, pasid, &io, s1, res);
	case K_GCR3:
		return ioasid_amd_gcr3_lookup(&k->gcr3, has_pasid, pasid, &io, s1, res);
	default:
		return ioasid_riscv_pdt_lookup(&k->pdt, has_pasid, pasid, &io, s1, res);
	}
}

#define R_BYPASS	(-1)	/* kind_translate(): the entry bypasses stage 1 */

/*
 * One request through a kind node, as the module makes it: the PASID
 * table's entry, then its stage-1 walk (RISC-V: without PRIV when there is
 * no PASID, privileged requests refused and grants masked by ENS).
 */
static int kind_translate(const struct kctx *k, bool has_pasid, u32 pasid,
			  u64 iova, u32 access, struct ioasid_pt_result *res)
{
	struct ioasid_pasid_s1 s1;
	u32 mask = IOASID_PT_ALL;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = kind_lookup(k, has_pasid, pasid, &s1, res);
	if (rc)
		return rc;
	if (k->kind == K_PDT) {
		access = ioasid_riscv_pdt_access(has_pasid, access);
		mask = ioasid_riscv_pdt_perm_mask(&s1);
		if (ioasid_pt_need(access) & ~mask)
			return ioasid_pt_fail(res, IOASID_FAULT_PERMISSION, 0);
	}
	if (s1.kind == IOASID_PASID_BYPASS)
		return R_BYPASS;
	memset(res, 0, sizeof(*res));
	switch (s1.format) {
	case IOASID_FORMAT_ARM64:
		rc = ioasid_arm64_walk(&s1.arm64, iova, access, &io, res);
		break;
	case IOASID_FORMAT_X86_64:
		rc = ioasid_x86_64_walk(&s1.x86_64, iova, access, &io, res);
		break;
	case IOASID_FORMAT_RISCV:
		rc = ioasid_riscv_walk(&s1.riscv, iova, access, &io, res);
		break;
	default:
		return -2;	/* no such stage 1: never the direct walk's */
	}
	res->perm &= mask;
	res->maybe &= mask;
	return rc;
}

static bool same(int rc, const struct ioasid_pt_result *a, const struct outcome *o)
{
	const struct ioasid_pt_result *b = &o->r;

	if (rc != o->rc || a->fault_reason != b->fault_reason ||
	    a->fault_level != b->fault_level)
		return false;
	return rc || (a->out == b->out && a->page_size == b->page_size &&
		      a->perm == b->perm && a->maybe == b->maybe);
}

static unsigned int nroutes;
static unsigned long ntranslations;

/*
 * Requests with @pasid (or without one) through @k must translate as the
 * direct walk of case @ci, at every sample, for every request kind.
 */
static void check_route(enum family f, const struct kctx *k, bool has_pasid,
			u32 pasid, unsigned int ci)
{
	bool strip = k->kind == K_PDT && !has_pasid;
	unsigned int s, r;

	nroutes++;
	for (s = 0; s < nsamples; s++) {
		for (r = 0; r < NREQ; r++) {
			const struct outcome *o = &direct[ci][s][strip ? r % 3 : r];
			struct ioasid_pt_result res;
			int rc = kind_translate(k, has_pasid, pasid, samples[s],
						requests[r], &res);

			ntranslations++;
			check(f, same(rc, &res, o),
			      "%s, %s %#x: %#" PRIx64 " request %#x: %d (level %u) -> %#"
			      PRIx64 " size %#" PRIx64 " perm %#x maybe %#x; %s: %d "
			      "(level %u) -> %#" PRIx64 " size %#" PRIx64 " perm %#x "
			      "maybe %#x", k->name, has_pasid ? "PASID" : "no PASID",
			      pasid, samples[s], requests[r], rc, res.fault_level,
			      res.out, res.page_size, res.perm, res.maybe,
			      cases[ci].name, o->rc, o->r.fault_level, o->r.out,
			      o->r.page_size, o->r.perm, o->r.maybe);
		}
	}
}

/*
 * A RISC-V process context without ENS: privileged requests are refused
 * (PERMISSION at level 0), unprivileged ones translate as the direct walk,
 * which grants them the same but nothing privileged.
 */
static void check_route_no_ens(const struct kctx *k, u32 pasid, unsigned int ci)
{
	const u32 priv = IOASID_PT_SR | IOASID_PT_SW | IOASID_PT_SX;
	unsigned int s, r;

	nroutes++;
	for (s = 0; s < nsamples; s++) {
		for (r = 0; r < NREQ; r++) {
			struct outcome o = direct[ci][s][r];
			struct ioasid_pt_result res;
			int rc = kind_translate(k, true, pasid, samples[s],
						requests[r], &res);
			bool ok;

			ntranslations++;
			o.r.perm &= ~priv;
			o.r.maybe &= ~priv;
			if (requests[r] & IOASID_ACCESS_PRIV)
				ok = rc == IOASID_FAULT_PERMISSION &&
				     res.fault_reason == IOASID_FAULT_PERMISSION &&
				     res.fault_level == 0;
			else
				ok = same(rc, &res, &o);
			check(F_PDT, ok, "%s, PASID %#x without ENS: %#" PRIx64
			      " request %#x: %d (level %u) -> %#" PRIx64 " perm %#x;"
			      " %s: %d -> %#" PRIx64 " perm %#x", k->name, pasid,
			      samples[s], requests[r], rc, res.fault_level, res.out,
			      res.perm, cases[ci].name, o.rc, o.r.out, o.r.perm);
		}
	}
}

/*
 * Requests with @pasid (or without one) through @k fault
 * PASID_NOT_PRESENT at @level, at every sample, for every request kind.
 */
static void check_absent(enum family f, const struct kctx *k, bool has_pasid,
			 u32 pasid, unsigned int level)
{
	unsigned int s, r;

	for (s = 0; s < nsamples; s++) {
		for (r = 0; r < NREQ; r++) {
			struct ioasid_pt_result res;
			int rc = kind_translate(k, has_pasid, pasid, samples[s],
						requests[r], &res);

			check(f, rc == IOASID_FAULT_PASID_NOT_PRESENT &&
			      res.fault_reason == IOASID_FAULT_PASID_NOT_PRESENT &&
			      res.fault_level == level,
			      "%s, %s %#x: %#" PRIx64 " request %#x: %d level %u, not "
			      "PASID_NOT_PRESENT level %u", k->name,
			      has_pasid ? "PASID" : "no PASID", pasid, samples[s],
			      requests[r], rc, res.fault_level, level);
		}
	}
}

/* Requests with @pasid (or without one) bypass stage 1, reading nothing. */
static void check_bypass(const struct kctx *k, bool has_pasid, u32 pasid)
{
	unsigned long before = mem_reads;
	struct ioasid_pt_result res;
	unsigned int r;

	for (r = 0; r < NREQ; r++) {
		int rc = kind_translate(k, has_pasid, pasid, base, requests[r], &res);

		check(F_NO_PASID, rc == R_BYPASS && mem_reads == before,
		      "%s, %s %#x, request %#x: %d (level %u), %lu reads, not "
		      "a bypass", k->name, has_pasid ? "PASID" : "no PASID", pasid,
		      requests[r], rc, res.fault_level, mem_reads - before);
	}
}

/* The PASIDs of one table: which are present, the rest absent. */
struct pasids {
	u32 id[MAX_PASIDS];
	unsigned int ci[MAX_PASIDS];	/* the case each one's entry points at */
	unsigned int n;
};

static bool pasid_in(const struct pasids *ps, u32 p)
{
	unsigned int i;

	for (i = 0; i < ps->n; i++)
		if (ps->id[i] == p)
			return true;
	return false;
}

/* Add a random PASID below 2^@bits not in @ps yet (if one is found). */
static void pasid_add(struct pasids *ps, unsigned int bits, unsigned int ci)
{
	unsigned int tries;

	for (tries = 0; tries < 32 && ps->n < MAX_PASIDS; tries++) {
		u32 p = 1 + rnd_below((1ULL << bits) - 1);

		if (!pasid_in(ps, p)) {
			ps->id[ps->n] = p;
			ps->ci[ps->n++] = ci;
			return;
		}
	}
}

/*
 * The level of the missing entry of absent PASID @p, in a table whose
 * entry of level L is indexed by the PASID's bits from shift[L] up: the
 * highest level whose entry no present PASID shares.
 */
static unsigned int absent_level(const struct pasids *ps, u32 p, unsigned int top,
				 const unsigned int *shift)
{
	unsigned int l, i;

	for (l = top; l > 1; l--) {
		for (i = 0; i < ps->n; i++)
			if ((ps->id[i] >> shift[l]) == (p >> shift[l]))
				break;
		if (i == ps->n)
			return l;
	}
	return 1;
}

/* Random PASIDs below 2^@bits absent from @ps, at most @max of them. */
static unsigned int pick_absent(const struct pasids *ps, unsigned int bits,
				u32 *out, unsigned int max)
{
	unsigned int n = 0, tries;

	for (tries = 0; tries < 16 && n < max; tries++) {
		u32 p = rnd_below(1ULL << bits);

		if (!pasid_in(ps, p))
			out[n++] = p;
	}
	return n;
}

/* SMMUv3 CD tables --------------------------------------------------------- */

#define STE_CFG_ABORT	0
#define STE_CFG_BYPASS	4
#define STE_CFG_S1	5

/* STE dword 0 (IHI0070G.b 5.2): V, Config, S1Fmt, S1ContextPtr, S1CDMax. */
static u64 ste0_of(unsigned int config, unsigned int fmt, u64 ctxptr,
		   unsigned int cdmax)
{
	return 1 | (u64)config << 1 | (u64)fmt << 4 | ctxptr | (u64)cdmax << 59;
}

/* Write at @addr the CD of the Arm64 tables of case @ci (IHI0070G.b 5.4). */
static void cd_write(u64 addr, unsigned int ci)
{
	const struct pt_enc_params *p = &cases[ci].enc.p;
	u64 tg0 = p->tg[0] == 12 ? 0 : p->tg[0] == 16 ? 1 : 2;
	u64 tg1 = p->tg[1] == 14 ? 1 : p->tg[1] == 12 ? 2 : 3;
	unsigned int i;

	for (i = 3; i < 8; i++)		/* MAIR, AMAIR, ...: never read */
		mem_set(addr + 8 * i, rnd());
	mem_set(addr + 8, pt_enc_root(&cases[ci].enc));		/* TTB0 */
	mem_set(addr + 16, pt_enc_root1(&cases[ci].enc));	/* TTB1 */
	mem_set(addr, p->tsz[0] | tg0 << 6 | (u64)p->tsz[1] << 16 | tg1 << 22 |
		1ULL << 31 /* V */ | 5ULL << 32 /* IPS: 48 bits */ |
		1ULL << 41 /* AA64 */ | 1ULL << 46 /* A */ |
		rnd_below(1 << 16) << 48 /* ASID */);
}

/* log2 of the CDs of a leaf table: S1Fmt 1 (4 KiB), 2 (64 KiB). */
static unsigned int cd_split(unsigned int fmt)
{
	return fmt == 1 ? 6 : 10;
}

/* The address of CD @idx, its L1CD and leaf table made when missing. */
static u64 cd_slot(unsigned int fmt, u64 ctxptr, u32 idx)
{
	unsigned int split = cd_split(fmt);
	u64 l1, v;

	if (!fmt)
		return ctxptr + 64ULL * idx;
	l1 = ctxptr + 8ULL * (idx >> split);
	v = mem_get(l1);
	if (!(v & 1)) {
		v = pt_alloc(64ULL << split, 64ULL << split) | 1;
		mem_set(l1, v);
	}
	return (v & 0x00fffffffffff000ULL) + 64ULL * (idx & ((1U << split) - 1));
}

static bool cd_bind(struct kctx *k, u64 ste0, u64 ste1)
{
	const u64 entry[4] = { ste0, ste1, 0, 0 };
	int rc = ioasid_smmuv3_cd_bind(&k->cd, 0, entry);

	return check(F_SETUP, !rc, "%s: STE %#" PRIx64 " %#" PRIx64 ": bind %d",
		     k->name, ste0, ste1, rc);
}

static void smmuv3_cd(void)
{
	static const char *const fmt_name[3] = { "linear", "2lvl-4k", "2lvl-64k" };
	const struct ioasid_format_smmuv3_cd desc = {
		.hdr = { .size = sizeof(desc), .format = IOASID_FORMAT_SMMUV3_CD },
		.flags = IOASID_SMMUV3_CD_2LVL, .ssid_bits = 20, .oas_bits = 48,
	};
	struct kctx k = { .kind = K_CD };
	unsigned int fmt, i, n, ci = rnd_below(3);
	u32 absent[6];
	u64 ctxptr;

	if (!check(F_SETUP, !ioasid_smmuv3_cd_config(&k.cd, &desc), "CD config"))
		return;
	/* S1CDMax 0: one CD, for DMA without a PASID; any PASID faults. */
	snprintf(k.name, sizeof(k.name), "smmuv3-cd single CD");
	ctxptr = pt_alloc(64, 64);
	cd_write(ctxptr, ci);
	if (cd_bind(&k, ste0_of(STE_CFG_S1, 0, ctxptr, 0), 0)) {
		check_route(F_CD, &k, false, 0, ci);
		check_absent(F_NOT_PRESENT, &k, true, 0, 0);
		check_absent(F_NOT_PRESENT, &k, true, 1 + rnd_below(0xfffff), 0);
	}

	for (fmt = 0; fmt < 3; fmt++) {
		unsigned int cdmax = fmt ? 1 + rnd_below(20) : 1 + rnd_below(10);
		unsigned int split = cd_split(fmt), shift[3] = { 0, 0, split };
		u64 bytes = 64ULL << cdmax;
		struct pasids ps = { .n = 0 };

		if (fmt)
			bytes = cdmax <= split + 3 ? 64 : 8ULL << (cdmax - split);
		ctxptr = pt_alloc(bytes, bytes);
		snprintf(k.name, sizeof(k.name), "smmuv3-cd %s S1CDMax %u",
			 fmt_name[fmt], cdmax);
		ps.id[0] = 0;
		ps.ci[0] = rnd_below(3);
		ps.n = 1;
		for (i = 0; i < 6; i++)
			pasid_add(&ps, cdmax, i % 3);
		for (i = 0; i < ps.n; i++)
			cd_write(cd_slot(fmt, ctxptr, ps.id[i]), ps.ci[i]);

		/* S1DSS substream 0: DMA without a PASID through CD 0. */
		if (!cd_bind(&k, ste0_of(STE_CFG_S1, fmt, ctxptr, cdmax),
			     IOASID_SMMUV3_CD_DSS_SSID0))
			continue;
		for (i = 1; i < ps.n; i++)
			check_route(F_CD, &k, true, ps.id[i], ps.ci[i]);
		check_route(F_CD, &k, false, 0, ps.ci[0]);
		check_absent(F_NOT_PRESENT, &k, true, 0, 0);
		n = pick_absent(&ps, cdmax, absent, 3);
		for (i = 0; i < n; i++)
			check_absent(F_NOT_PRESENT, &k, true, absent[i],
				     fmt ? absent_level(&ps, absent[i], 2, shift) : 1);
		if (cdmax < 20)
			check_absent(F_NOT_PRESENT, &k, true, (1U << cdmax) +
				     rnd_below((1U << 20) - (1U << cdmax)), 0);

		/* S1DSS bypass: without a PASID, bypass; PASID 0 is CD 0. */
		if (cd_bind(&k, ste0_of(STE_CFG_S1, fmt, ctxptr, cdmax),
			    IOASID_SMMUV3_CD_DSS_BYPASS)) {
			check_bypass(&k, false, 0);
			check_route(F_CD, &k, true, 0, ps.ci[0]);
		}
		/* S1DSS terminate: without a PASID, nothing. */
		if (cd_bind(&k, ste0_of(STE_CFG_S1, fmt, ctxptr, cdmax),
			    IOASID_SMMUV3_CD_DSS_TERMINATE))
			check_absent(F_NO_PASID, &k, false, 0, 0);
		/* Config bypass: without a PASID, bypass; no substreams. */
		if (cd_bind(&k, ste0_of(STE_CFG_BYPASS, fmt, ctxptr, cdmax), 0)) {
			check_bypass(&k, false, 0);
			check_absent(F_NOT_PRESENT, &k, true, ps.id[ps.n - 1], 0);
		}
		/* Config abort: nothing at all. */
		if (cd_bind(&k, ste0_of(STE_CFG_ABORT, fmt, ctxptr, cdmax), 0)) {
			check_absent(F_NO_PASID, &k, false, 0, 0);
			check_absent(F_NOT_PRESENT, &k, true, ps.id[ps.n - 1], 0);
		}
	}
}

/* AMD GCR3 tables ------------------------------------------------------------ */

/* The address of @pasid's GCR3 entry, its directories made when missing. */
static u64 gcr3_slot(u64 root, unsigned int glx, u32 pasid)
{
	u64 table = root;
	unsigned int l;

	for (l = glx + 1; l > 1; l--) {
		u64 e = table + 8 * ((pasid >> (9 * (l - 1))) & 511), v = mem_get(e);

		if (!(v & 1)) {
			v = pt_alloc(4096, 4096) | 1;
			mem_set(e, v);
		}
		table = v & 0x000ffffffffff000ULL;
	}
	return table + 8 * (pasid & 511);
}

/* The DTE of a GCR3 table (AMD IOMMU spec 2.2.2.2; Linux amd_iommu_types.h). */
static void gcr3_dte(u64 dte[4], u64 root, unsigned int glx, bool giov,
		     unsigned int levels)
{
	dte[0] = 1 /* V */ | 2 /* TV */ | (giov ? 1ULL << 54 : 0) |
		 1ULL << 55 /* GV */ | (u64)glx << 56 | ((root >> 12) & 7) << 58;
	dte[1] = rnd_below(1 << 16) /* DomainID */ | ((root >> 15) & 0xffff) << 16 |
		 ((root >> 31) & 0x1fffff) << 43;
	dte[2] = (u64)(levels == 5) << 54;	/* GuestPagingMode */
	dte[3] = 0;
}

static void amd_gcr3(void)
{
	const unsigned int levels = cases[C_X86].enc.p.levels;
	const struct ioasid_format_amd_gcr3 desc = {
		.hdr = { .size = sizeof(desc), .format = IOASID_FORMAT_AMD_GCR3 },
		.flags = IOASID_AMD_GCR3_GIOV | IOASID_AMD_GCR3_LEVEL5,
		.pasid_bits = 20, .max_glx = 2, .phys_bits = 48,
	};
	static const unsigned int shift[4] = { 0, 0, 9, 18 };
	const u32 bind_flags = IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE;
	struct kctx k = { .kind = K_GCR3 };
	unsigned int glx, i, n;
	u32 absent[6];

	if (!check(F_SETUP, !ioasid_amd_gcr3_config(&k.gcr3, &desc), "GCR3 config"))
		return;
	for (glx = 0; glx <= 2; glx++) {
		unsigned int bits = glx == 2 ? 20 : 9 * (glx + 1);
		struct pasids ps = { .n = 1 };	/* PASID 0 */
		u64 root = pt_alloc(4096, 4096), dte[4];
		int rc;

		snprintf(k.name, sizeof(k.name), "amd-gcr3 GLX %u, %u levels", glx,
			 levels);
		for (i = 0; i < 4; i++)
			pasid_add(&ps, bits, C_X86);
		for (i = 0; i < ps.n; i++)
			mem_set(gcr3_slot(root, glx, ps.id[i]),
				pt_enc_root(&cases[C_X86].enc) | 1);

		/* GIOV: DMA without a PASID through PASID 0. */
		gcr3_dte(dte, root, glx, true, levels);
		rc = ioasid_amd_gcr3_bind(&k.gcr3, bind_flags, dte);
		if (!check(F_SETUP, !rc, "%s: bind %d", k.name, rc))
			continue;
		for (i = 0; i < ps.n; i++)
			check_route(F_GCR3, &k, true, ps.id[i], C_X86);
		check_route(F_GCR3, &k, false, 0, C_X86);
		n = pick_absent(&ps, bits, absent, 3);
		for (i = 0; i < n; i++)
			check_absent(F_NOT_PRESENT, &k, true, absent[i],
				     absent_level(&ps, absent[i], glx + 1, shift));
		check_absent(F_NOT_PRESENT, &k, true, (1U << bits) +
			     rnd_below((1U << 21) - (1U << bits)), glx + 1);

		/* No GIOV: DMA without a PASID bypasses stage 1. */
		gcr3_dte(dte, root, glx, false, levels);
		rc = ioasid_amd_gcr3_bind(&k.gcr3, bind_flags, dte);
		if (check(F_SETUP, !rc, "%s: bind without GIOV %d", k.name, rc))
			check_bypass(&k, false, 0);
	}
}

/* RISC-V process-directory tables -------------------------------------------- */

/* The address of @pasid's process context, its directories made when missing. */
static u64 pdt_slot(u64 root, unsigned int mode, u32 pasid)
{
	u64 table = root;
	unsigned int l;

	for (l = mode; l > 1; l--) {
		u64 idx = l == 3 ? (pasid >> 17) & 7 : (pasid >> 8) & 0x1ff;
		u64 e = table + 8 * idx, v = mem_get(e);

		if (!(v & 1)) {
			v = (pt_alloc(4096, 4096) >> 12) << 10 | 1;
			mem_set(e, v);
		}
		table = ((v >> 10) & ((1ULL << 44) - 1)) << 12;
	}
	return table + 16 * (pasid & 0xff);
}

static void riscv_pdt(void)
{
	const struct ioasid_format_riscv_pdt desc = {
		.hdr = { .size = sizeof(desc), .format = IOASID_FORMAT_RISCV_PDT },
		.flags = IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 |
			 IOASID_RISCV_PDT_PD20 | IOASID_RISCV_PDT_SV39 |
			 IOASID_RISCV_PDT_SV48 | IOASID_RISCV_PDT_SV57 |
			 (sv_napot ? IOASID_RISCV_PDT_SVNAPOT : 0),
		.phys_bits = 48,
	};
	static const unsigned int shift[4] = { 0, 0, 8, 17 };
	struct kctx k = { .kind = K_PDT };
	unsigned int mode, i, n;
	u32 absent[6];

	if (!check(F_SETUP, !ioasid_riscv_pdt_config(&k.pdt, &desc), "PDT config"))
		return;
	for (mode = 1; mode <= 3; mode++) {
		unsigned int bits = mode == 1 ? 8 : mode == 2 ? 17 : 20;
		struct pasids ps = { .n = 1 };	/* process context 0 */
		u64 root = pt_alloc(4096, 4096), dc[4];
		int rc;

		snprintf(k.name, sizeof(k.name), "riscv-pdt PD%u", bits);
		ps.ci[0] = C_SV39 + rnd_below(3);
		for (i = 0; i < 7; i++)	/* the last one without ENS */
			pasid_add(&ps, bits, C_SV39 + i % 3);
		for (i = 0; i < ps.n; i++) {
			u64 pc = pdt_slot(root, mode, ps.id[i]);
			unsigned int sv = ps.ci[i] - C_SV39;

			/* fsc: MODE Sv39 (8) + sv, PPN; ta: V, ENS, SUM, PSCID */
			mem_set(pc + 8, (8ULL + sv) << 60 |
				pt_enc_root(&cases[ps.ci[i]].enc) >> 12);
			mem_set(pc, 1 | (i == 7 ? 0 : 2) | 4 |
				rnd_below(1 << 20) << 12);
		}

		/* DPE: DMA without a PASID through process context 0. */
		dc[0] = 1 /* V */ | 1 << 5 /* PDTV */ | 1 << 9 /* DPE */;
		dc[1] = rnd_below(1 << 20) << 12;	/* PSCID: ignored */
		dc[2] = (u64)mode << 60 | root >> 12;
		dc[3] = 0;
		rc = ioasid_riscv_pdt_bind(&k.pdt, 0, dc);
		if (!check(F_SETUP, !rc, "%s: bind %d", k.name, rc))
			continue;
		for (i = 0; i < ps.n; i++) {
			if (i == 7)
				check_route_no_ens(&k, ps.id[i], ps.ci[i]);
			else
				check_route(F_PDT, &k, true, ps.id[i], ps.ci[i]);
		}
		check_route(F_PDT, &k, false, 0, ps.ci[0]);
		n = pick_absent(&ps, bits, absent, 3);
		for (i = 0; i < n; i++)
			check_absent(F_NOT_PRESENT, &k, true, absent[i],
				     absent_level(&ps, absent[i], mode, shift));
		check_absent(F_NOT_PRESENT, &k, true, (1U << bits) +
			     rnd_below((1U << 21) - (1U << bits)), mode);

		/* No DPE: DMA without a PASID bypasses stage 1. */
		dc[0] &= ~(1ULL << 9);
		rc = ioasid_riscv_pdt_bind(&k.pdt, 0, dc);
		if (check(F_SETUP, !rc, "%s: bind without DPE %d", k.name, rc))
			check_bypass(&k, false, 0);
	}
}

/* Main ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	double seconds = (double)env_u64("WALKER_DIFF_SECONDS", 3), start;
	uint64_t seed = env_u64("WALKER_DIFF_SEED", (uint64_t)time(NULL) ^ getpid());
	uint64_t nseeds = env_u64("WALKER_DIFF_SEEDS", 32), done = 0;
	unsigned long total_samples = 0;
	unsigned int i;
	int opt;

	while ((opt = getopt(argc, argv, "t:s:n:")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nseeds = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-n SEEDS]\n",
				argv[0]);
			return KSFT_FAIL;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(F_NR);
	for (i = 0; i < NREQ; i++)
		if ((requests[i] & ~IOASID_ACCESS_PRIV) != requests[i % 3])
			ksft_exit_fail_msg("requests[] out of order\n");
	mem = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the parent memory failed\n");
	start = now();
	do {
		unsigned long before = 0, routes = nroutes;

		for (i = 0; i < F_NR; i++)
			before += fails[i];
		cur_seed = seed + done;
		rnd_state = cur_seed;
		base = rnd_below(2) ? 0 - TOP : 0;
		gen_mappings();
		pt_next = PT_BASE;
		mem_bad = 0;
		build_cases();
		gen_samples();
		total_samples += nsamples;
		direct_walks();
		smmuv3_cd();
		amd_gcr3();
		riscv_pdt();
		check(F_MEMORY, mem_bad == 0, "%lu reads outside the memory or writes",
		      mem_bad);
		for (i = 0; i < F_NR; i++)
			before -= fails[i];
		ksft_print_msg("seed %" PRIu64 ": %u mappings from %#" PRIx64
			       ", %u addresses, %lu routes; %s %s %s %s %s %s %s%s\n",
			       cur_seed, nmaps, base, nsamples, nroutes - routes,
			       cases[0].name, cases[1].name, cases[2].name,
			       cases[3].name, cases[4].name, cases[5].name,
			       cases[6].name, before ? ": DIVERGED" : "");
		done++;
	} while (done < nseeds && now() - start < seconds);
	ksft_print_msg("%" PRIu64 " seeds from %" PRIu64 " in %.2f s: %lu addresses, "
		       "%u routes, %lu translations through a PASID table\n", done,
		       seed, now() - start, total_samples, nroutes, ntranslations);
	for (i = 0; i < F_NR; i++) {
		ksft_print_msg("%s: %lu checks, %lu failed\n", family_name[i],
			       checks[i], fails[i]);
		ksft_test_result(fails[i] == 0 && checks[i] > 0, "%s\n", family_name[i]);
	}
	ksft_finished();
}
