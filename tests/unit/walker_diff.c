// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test of the software page-table walkers
 * (module/walkers/{x86_64,arm64,riscv,amd_v1}.c, all compiled into this
 * binary under ASan and UBSan): one random set of mappings, encoded by
 * tests/include/pt_encode.h in every format (Arm64 once per granule, with
 * the mappings that granule can hold), must translate identically through
 * every walker. Each seed's mappings lie in the lower 2^38 bytes of the
 * input space or in the upper 2^38 (Arm64's TTB1, negative x86-64 and
 * RISC-V addresses, AMD v1 with 6 levels); Arm64's other half has another
 * granule and size, and stays empty. Checked:
 *
 * - address by address: every 4 KiB boundary of every mapping (of long
 *   ones: the first and last 512 pages, every 2 MiB boundary and 512
 *   random pages), a random offset in each, the addresses around each
 *   mapping and random holes. A mapped address translates to its mapping's
 *   output, with a leaf size the format has and that lies inside the
 *   mapping; a hole faults with IOASID_FAULT_NOT_PRESENT everywhere.
 * - permission by permission: the random permissions are read with or
 *   without write, user or not, executable or not. x86-64 (bound with SRE
 *   and WPE), Arm64 and RISC-V (with SUM) express all of them and must
 *   grant the same IOASID_PT_* bits; AMD v1 has no user or execute bit, so
 *   all four are compared on what they share (privileged read and write,
 *   and unprivileged read and write of user pages), each against the
 *   mapping too. Every request kind is walked at a quarter of the
 *   addresses: it succeeds exactly when the grant says so, else faults with
 *   IOASID_FAULT_PERMISSION.
 * - iteration: each walker's iterate over the whole range reports leaves
 *   whose union, merged where contiguous, is exactly the mappings (merged
 *   likewise); no fault item but the non-canonical part.
 *
 *   walker_diff [-t SECONDS] [-s SEED] [-n SEEDS]
 *
 * or WALKER_DIFF_SECONDS (default 3), WALKER_DIFF_SEED (default: from the
 * clock; each seed is printed), WALKER_DIFF_SEEDS (default 32): seeds
 * SEED, SEED + 1, ... until the time or the count is up (at least one).
 * KTAP: one result per family of checks, the first divergences printed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "../../module/walkers/x86_64.h"
#include "../../module/walkers/arm64.h"
#include "../../module/walkers/riscv.h"
#include "../../module/walkers/amd_v1.h"
#include "../../module/walkers/x86_64.h"
#include "pt_encode.h"
#include "walker_rng.h"
#include "walker_diff.h"

#define TBL_BASE	(1ULL << 44)	/* table memory's parent address */
#define TBL_BYTES	(64ULL << 20)

enum family {
	F_ENCODE,	/* the encoder and the walkers' config and bind */
	F_TRANSLATE,	/* mapped addresses: output, leaf size, no fault */
	F_PERM_SAME,	/* the grants agree between walkers and with the map */
	F_PERM_WALK,	/* each request succeeds exactly as granted */
	F_HOLES,	/* holes fault NOT_PRESENT everywhere */
	F_ITERATE,	/* iterate's coverage is the mappings */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"walker_diff.encode_config_bind",
	"walker_diff.translate_same_output",
	"walker_diff.grants_same",
	"walker_diff.requests_as_granted",
	"walker_diff.holes_not_present",
	"walker_diff.iterate_covers_the_mappings",
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

/* The encodings and their walkers ------------------------------------------- */

/* Table memory read by the walkers: the encoder's buffer at TBL_BASE. */
struct tmem {
	uint8_t *buf;
	unsigned long bad;	/* reads outside, cmpxchgs */
};

static int tmem_read(void *priv, u64 addr, u64 *val)
{
	struct tmem *t = priv;

	if ((addr & 7) || addr < TBL_BASE || addr - TBL_BASE >= TBL_BYTES) {
		t->bad++;
		return IOASID_FAULT_TABLE;
	}
	*val = le64toh(*(uint64_t *)(t->buf + (addr - TBL_BASE)));
	return 0;
}

static int tmem_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct tmem *t = priv;

	(void)addr, (void)old, (void)new, (void)cur;
	t->bad++;		/* no A/D updates are configured */
	return IOASID_FAULT_AD_UPDATE;
}

struct ecase {
	char name[32];
	uint32_t format;
	uint64_t granule;	/* the mappings it holds are aligned to it */
	struct tmem mem;
	struct ioasid_pt_io io;
	struct pt_enc enc;
	union {
		struct ioasid_x86_64_cfg x86;
		struct ioasid_arm64_cfg arm64;
		struct ioasid_riscv_cfg riscv;
		struct ioasid_amd_v1_cfg amd;
	} cfg;
	bool holds[MAX_MAPS];
};

#define NCASES	6	/* x86-64, Arm64 4K/16K/64K, RISC-V, AMD v1 */
static struct ecase cases[NCASES];

static int case_walk(const struct ecase *c, u64 iova, u32 access,
		     struct ioasid_pt_result *res)
{
	memset(res, 0xa5, sizeof(*res));
	switch (c->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_walk(&c->cfg.x86, iova, access, &c->io, res);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_walk(&c->cfg.arm64, iova, access, &c->io, res);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_walk(&c->cfg.riscv, iova, access, &c->io, res);
	default:
		return ioasid_amd_v1_walk(&c->cfg.amd, iova, access, &c->io, res);
	}
}

static int case_iterate(const struct ecase *c, u64 start, u64 last,
			int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			void *arg)
{
	switch (c->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_iterate(&c->cfg.x86, start, last, &c->io, fn, arg);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_iterate(&c->cfg.arm64, start, last, &c->io, fn, arg);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_iterate(&c->cfg.riscv, start, last, &c->io, fn, arg);
	default:
		return ioasid_amd_v1_iterate(&c->cfg.amd, start, last, &c->io, fn, arg);
	}
}

/* The grants a mapping's PT_ENC_* permissions give, as x86-64, Arm64, RISC-V. */
static u32 grants_full(unsigned int perm)
{
	u32 g = IOASID_PT_SR;

	if (perm & PT_ENC_W)
		g |= IOASID_PT_SW;
	if ((perm & PT_ENC_X) && !(perm & PT_ENC_U))
		g |= IOASID_PT_SX;
	if (perm & PT_ENC_U) {
		g |= IOASID_PT_UR;
		if (perm & PT_ENC_W)
			g |= IOASID_PT_UW;
		if (perm & PT_ENC_X)
			g |= IOASID_PT_UX;
	}
	return g;
}

/* What every format expresses alike of a mapping's grants. */
static u32 shared_mask(unsigned int perm)
{
	u32 m = IOASID_PT_SR | IOASID_PT_SW;

	if (perm & PT_ENC_U)
		m |= IOASID_PT_UR | IOASID_PT_UW;
	return m;
}

/* Build one case: its tables, its walker's configuration and bind. */
static bool case_build(struct ecase *c, const struct pt_enc_params *p,
		       uint64_t granule)
{
	union pt_enc_desc d;
	unsigned int i;
	int rc = 0;

	c->format = p->format;
	c->granule = granule;
	c->mem.bad = 0;
	c->io = (struct ioasid_pt_io){ .priv = &c->mem, .read = tmem_read,
				       .cmpxchg = tmem_cmpxchg };
	if (!check(F_ENCODE, !pt_enc_init(&c->enc, p, c->mem.buf, TBL_BASE,
					  TBL_BYTES), "pt_enc_init"))
		return false;
	pt_enc_name(&c->enc, c->name, sizeof(c->name));
	for (i = 0; i < nmaps; i++) {
		const struct mapping *m = &maps[i];

		c->holds[i] = !((m->iova | m->pa | m->size) & (granule - 1));
		if (!c->holds[i])
			continue;
		rc = pt_enc_map(&c->enc, m->iova, m->pa, m->size, m->perm);
		if (!check(F_ENCODE, !rc, "%s: map %#" PRIx64 "+%#" PRIx64 ": %d",
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
	case IOASID_FORMAT_RISCV:
		rc = ioasid_riscv_config(&c->cfg.riscv, &d.riscv);
		if (!rc)
			rc = ioasid_riscv_bind(&c->cfg.riscv, IOASID_BIND_RISCV_SUM,
					       pt_enc_root(&c->enc), 0);
		break;
	default:
		rc = ioasid_amd_v1_config(&c->cfg.amd, &d.amd_v1);
		if (!rc)
			rc = ioasid_amd_v1_bind(&c->cfg.amd, 0, pt_enc_root(&c->enc), 0);
		break;
	}
	return check(F_ENCODE, !rc, "%s: config/bind: %d", c->name, rc);
}

static void build_cases(void)
{
	struct pt_enc_params p;
	unsigned int tsz = 16 + rnd_below(11);	/* 48- to 38-bit halves */
	static const unsigned int grans[3] = { 12, 14, 16 };
	unsigned int i;

	p = pt_enc_x86_64_params(4 + rnd_below(2));
	case_build(&cases[0], &p, SZ_4K);
	for (i = 0; i < 3; i++) {
		/* Both halves, of one size, the other granule for TTB1 */
		p = pt_enc_arm64_params(grans[(i + 1) % 3], tsz, true);
		p.tsz[1] = 16 + rnd_below(11);
		p.tg[base ? 1 : 0] = grans[i];
		case_build(&cases[1 + i], &p, 1ULL << grans[i]);
	}
	p = pt_enc_riscv_params(3 + rnd_below(3));
	if (rnd_below(2))
		p.flags = IOASID_RISCV_SVNAPOT;
	case_build(&cases[4], &p, SZ_4K);
	p = pt_enc_amd_v1_params(base ? 6 : 3 + rnd_below(4));
	case_build(&cases[5], &p, SZ_4K);
}

/* Addresses ---------------------------------------------------------------- */

static const u32 requests[] = {
	IOASID_ACCESS_READ, IOASID_ACCESS_WRITE,
	IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
	IOASID_ACCESS_READ | IOASID_ACCESS_PRIV,
	IOASID_ACCESS_WRITE | IOASID_ACCESS_PRIV,
	IOASID_ACCESS_READ | IOASID_ACCESS_EXEC | IOASID_ACCESS_PRIV,
};

static unsigned long sample_no;

/* One mapped address @a of @m, through every case that holds @m. */
static void check_mapped(const struct mapping *m, unsigned int mi, uint64_t a)
{
	uint64_t want = m->pa + (a - m->iova);
	bool ref_set = false, all_requests = (sample_no++ % 4) == 0;
	u32 ref = 0;
	unsigned int i, r;

	for (i = 0; i < NCASES; i++) {
		const struct ecase *c = &cases[i];
		struct ioasid_pt_result res;
		u32 shared = shared_mask(m->perm), full = grants_full(m->perm);
		uint64_t ps, base;
		int rc;

		if (!c->holds[mi])
			continue;
		rc = case_walk(c, a, IOASID_ACCESS_READ | IOASID_ACCESS_PRIV, &res);
		if (!check(F_TRANSLATE, rc == 0 && res.fault_reason == 0,
			   "%s: %#" PRIx64 " (mapping %#" PRIx64 "+%#" PRIx64
			   "): fault %d level %u", c->name, a, m->iova, m->size, rc,
			   res.fault_level))
			continue;
		ps = res.page_size;
		base = a & ~(ps - 1);
		check(F_TRANSLATE, res.out == want,
		      "%s: %#" PRIx64 " -> %#" PRIx64 ", not %#" PRIx64, c->name, a,
		      res.out, want);
		check(F_TRANSLATE, ps && !(ps & (ps - 1)) &&
		      (pt_enc_leaf_sizes((struct pt_enc *)&c->enc, a) & ps) &&
		      base >= m->iova && base + ps <= m->iova + m->size &&
		      ps >= c->granule,
		      "%s: %#" PRIx64 ": leaf size %#" PRIx64 " (mapping %#" PRIx64
		      "+%#" PRIx64 ")", c->name, a, ps, m->iova, m->size);
		check(F_TRANSLATE, res.maybe == 0, "%s: %#" PRIx64 ": maybe %#x",
		      c->name, a, res.maybe);
		/* The grants: against the mapping, and between the walkers. */
		if (c->format == IOASID_FORMAT_AMD_V1) {
			check(F_PERM_SAME, (res.perm & shared) == (full & shared),
			      "%s: %#" PRIx64 ": perm %#x, the mapping's %#x (of %#x)",
			      c->name, a, res.perm, full, shared);
		} else {
			check(F_PERM_SAME, res.perm == full,
			      "%s: %#" PRIx64 ": perm %#x, the mapping (%#x) grants %#x",
			      c->name, a, res.perm, m->perm, full);
			if (ref_set)
				check(F_PERM_SAME, res.perm == ref,
				      "%s: %#" PRIx64 ": perm %#x, %s's %#x", c->name,
				      a, res.perm, cases[0].name, ref);
			else
				ref = res.perm;
			ref_set = true;
		}
		if (!all_requests)
			continue;
		for (r = 0; r < sizeof(requests) / sizeof(requests[0]); r++) {
			bool ok = ioasid_pt_permits(res.perm, requests[r]);
			struct ioasid_pt_result rr;

			rc = case_walk(c, a, requests[r], &rr);
			if (ok)
				check(F_PERM_WALK, rc == 0 && rr.out == want,
				      "%s: %#" PRIx64 " request %#x granted (%#x) "
				      "but: %d, -> %#" PRIx64, c->name, a, requests[r],
				      res.perm, rc, rr.out);
			else
				check(F_PERM_WALK, rc == IOASID_FAULT_PERMISSION &&
				      rr.fault_reason == IOASID_FAULT_PERMISSION,
				      "%s: %#" PRIx64 " request %#x not granted (%#x) "
				      "but: %d", c->name, a, requests[r], res.perm, rc);
		}
	}
}

/* @a is in no mapping: every case faults, NOT_PRESENT. */
static void check_hole(uint64_t a)
{
	unsigned int i;

	for (i = 0; i < NCASES; i++) {
		struct ioasid_pt_result res;
		int rc = case_walk(&cases[i], a, IOASID_ACCESS_READ | IOASID_ACCESS_PRIV,
				   &res);

		check(F_HOLES, rc == IOASID_FAULT_NOT_PRESENT &&
		      res.fault_reason == IOASID_FAULT_NOT_PRESENT &&
		      res.fault_level >= 1 &&
		      res.fault_level <= pt_enc_levels(&cases[i].enc, a),
		      "%s: hole %#" PRIx64 ": %d level %u", cases[i].name, a, rc,
		      res.fault_level);
	}
}

static void check_addresses(void)
{
	unsigned int mi, k;

	for (mi = 0; mi < nmaps; mi++) {
		const struct mapping *m = &maps[mi];
		uint64_t pages = m->size / SZ_4K, pg;

		for (pg = 0; pg < pages; pg++) {
			uint64_t a = m->iova + pg * SZ_4K;

			if (pages > 2048 && pg >= 512 && pg < pages - 512 &&
			    (a & (SZ_2M - 1)))
				continue;
			check_mapped(m, mi, a);
			check_mapped(m, mi, a + rnd_below(SZ_4K));
		}
		if (pages > 2048)
			for (k = 0; k < 512; k++)
				check_mapped(m, mi, m->iova + rnd_below(m->size));
		if (m->iova != base && !mapping_of(m->iova - 1))
			check_hole(m->iova - 1);
		if (m->iova - base + m->size < TOP && !mapping_of(m->iova + m->size))
			check_hole(m->iova + m->size);
	}
	for (k = 0; k < 256; k++) {
		uint64_t a = base + rnd_below(TOP);

		if (!mapping_of(a))
			check_hole(a);
	}
}

/* Iteration ----------------------------------------------------------------- */

/* A run of translation: [first, last] -> out, with grants. */
struct run {
	uint64_t first, last, out;
	u32 perm;
};

struct runs {
	struct run *r;
	size_t n, cap;
	const struct ecase *c;
	unsigned long faults;
};

/* Append, merging with the previous run when contiguous in both spaces. */
static void runs_add(struct runs *rs, uint64_t first, uint64_t last,
		     uint64_t out, u32 perm)
{
	struct run *p = rs->n ? &rs->r[rs->n - 1] : NULL;

	if (p && p->last + 1 == first && p->out + (first - p->first) == out &&
	    p->perm == perm) {
		p->last = last;
		return;
	}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 256;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r)
			abort();
	}
	rs->r[rs->n++] = (struct run){ first, last, out, perm };
}

static u32 case_perm_of(const struct ecase *c, unsigned int perm, u32 granted)
{
	/* AMD v1's grants compared on what it shares with the others. */
	if (c->format == IOASID_FORMAT_AMD_V1)
		return granted & shared_mask(perm);
	return granted;
}

static int iter_fn(void *arg, const struct ioasid_pt_leaf *leaf)
{
	struct runs *rs = arg;
	const struct mapping *m;

	if (leaf->fault_reason) {
		if (leaf->fault_reason != IOASID_FAULT_NON_CANONICAL &&
		    !check(F_ITERATE, false, "%s: fault item [%#" PRIx64 ", %#" PRIx64
			   "]: %u level %u", rs->c->name, leaf->first, leaf->last,
			   leaf->fault_reason, leaf->fault_level))
			rs->faults++;
		return 0;
	}
	m = mapping_of(leaf->first);
	runs_add(rs, leaf->first, leaf->last, leaf->out,
		 case_perm_of(rs->c, m ? m->perm : 0, leaf->perm));
	return 0;
}

static int cmp_map(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

static void check_iterate(void)
{
	struct mapping sorted[MAX_MAPS];
	unsigned int i, j;

	memcpy(sorted, maps, nmaps * sizeof(maps[0]));
	qsort(sorted, nmaps, sizeof(sorted[0]), cmp_map);
	for (i = 0; i < NCASES; i++) {
		const struct ecase *c = &cases[i];
		struct runs want = { .c = c }, got = { .c = c };
		int rc;

		for (j = 0; j < nmaps; j++) {
			const struct mapping *m = &sorted[j];
			unsigned int mi = (unsigned int)(mapping_of(m->iova) - maps);
			u32 g = grants_full(m->perm);

			if (!c->holds[mi])
				continue;
			runs_add(&want, m->iova, m->iova + m->size - 1, m->pa,
				 c->format == IOASID_FORMAT_AMD_V1 ?
				 g & shared_mask(m->perm) : g);
		}
		rc = case_iterate(c, base, base + (TOP - 1), iter_fn, &got);
		check(F_ITERATE, rc == 0, "%s: iterate returned %d", c->name, rc);
		check(F_ITERATE, got.n == want.n, "%s: %zu runs, the mappings make %zu",
		      c->name, got.n, want.n);
		for (j = 0; j < got.n && j < want.n; j++) {
			const struct run *g = &got.r[j], *w = &want.r[j];

			if (!check(F_ITERATE, g->first == w->first && g->last == w->last &&
				   g->out == w->out && g->perm == w->perm,
				   "%s: run %u [%#" PRIx64 ", %#" PRIx64 "] -> %#" PRIx64
				   " perm %#x, want [%#" PRIx64 ", %#" PRIx64 "] -> %#"
				   PRIx64 " perm %#x", c->name, j, g->first, g->last,
				   g->out, g->perm, w->first, w->last, w->out, w->perm))
				break;
		}
		free(want.r);
		free(got.r);
	}
}

/* Main ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	double seconds = (double)env_u64("WALKER_DIFF_SECONDS", 3), start;
	uint64_t seed = env_u64("WALKER_DIFF_SEED", (uint64_t)time(NULL) ^ getpid());
	uint64_t nseeds = env_u64("WALKER_DIFF_SEEDS", 32), done = 0;
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
	for (i = 0; i < NCASES; i++) {
		cases[i].mem.buf = mmap(NULL, TBL_BYTES, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
					-1, 0);
		if (cases[i].mem.buf == MAP_FAILED)
			ksft_exit_fail_msg("mmap of table memory failed\n");
	}
	start = now();
	do {
		unsigned long before = 0;

		for (i = 0; i < F_NR; i++)
			before += fails[i];
		cur_seed = seed + done;
		rnd_state = cur_seed;
		base = rnd_below(2) ? 0 - TOP : 0;
		gen_mappings();
		build_cases();
		check_addresses();
		check_iterate();
		for (i = 0; i < NCASES; i++)
			check(F_ENCODE, cases[i].mem.bad == 0,
			      "%s: %lu reads outside the tables or cmpxchgs",
			      cases[i].name, cases[i].mem.bad);
		for (i = 0; i < F_NR; i++)
			before -= fails[i];
		ksft_print_msg("seed %" PRIu64 ": %u mappings from %#" PRIx64
			       "; %s %s %s %s %s %s%s\n",
			       cur_seed, nmaps, base, cases[0].name, cases[1].name,
			       cases[2].name, cases[3].name, cases[4].name,
			       cases[5].name, before ? ": DIVERGED" : "");
		done++;
	} while (done < nseeds && now() - start < seconds);
	ksft_print_msg("%" PRIu64 " seeds from %" PRIu64 " in %.2f s\n", done, seed,
		       now() - start);
	for (i = 0; i < F_NR; i++) {
		ksft_print_msg("%s: %lu checks, %lu failed\n", family_name[i],
			       checks[i], fails[i]);
		ksft_test_result(fails[i] == 0 && checks[i] > 0, "%s\n", family_name[i]);
	}
	ksft_finished();
}
