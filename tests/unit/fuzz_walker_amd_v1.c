// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the AMD v1 software page-table walker
 * (module/walkers/amd_v1.c, compiled into this binary under ASan and
 * UBSan): random parent memory, random but mostly plausible tables
 * (pointers with any NextLevel, skipping levels or not, pointing into the
 * memory or at their own table; NextLevel 0 and 7 leaves; reserved and
 * ignored bits), random configurations (1 to 6 levels), addresses and
 * requests, injected read faults, failing and racing compare-and-exchange,
 * and a "concurrent writer" that changes entries right after the walker
 * read them. Every call the walker makes is checked as it happens against
 * a model of the format written here, every result after. After the walks
 * of each table, an iteration (ioasid_amd_v1_iterate()) over a random
 * range, under a budget of reads and of items, sometimes with an injected
 * read fault: its items must be well formed, in order, and agree with
 * walks of addresses in the range.
 *
 *   fuzz_walker_amd_v1 [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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
#include "../../module/walkers/amd_v1.h"

#define MAX_PAGES	16
#define WALKS_PER_FILL	8
#define COVERAGE_ITERS	10000	/* enough to reach every outcome */

/* AMD v1 entry bits (walker_mem.h has P, A, D and ADDR at the same places). */
#define PR		P
#define IR		(1ULL << 61)
#define IW		(1ULL << 62)
#define NL(n)		((u64)(n) << 9)
#define RSVD_BITS	0x07f0000000000000ULL
#define IGN_BITS	0x980000000000019eULL	/* 63, 60:59, 8:7, 4:1 */
#define P_READ		(IOASID_PT_UR | IOASID_PT_UX | IOASID_PT_SR | IOASID_PT_SX)
#define P_WRITE		(IOASID_PT_UW | IOASID_PT_SW)
#define RACE_BITS	(1ULL << 63)	/* an ignored bit */

enum family {
	F_CALLS,	/* the walker reads and updates only what it walked */
	F_BOUNDED,	/* reads per attempt, attempts */
	F_SUCCESS,	/* a translation agrees with the entries read */
	F_FAILURE,	/* a fault agrees with the entries read */
	F_MEMORY,	/* table memory changes only by A/D, and only with AD */
	F_ITER_ITEMS,	/* iteration: items well formed, in order, no writes */
	F_ITER_WALK,	/* iteration: items agree with walks in the range */
	F_COVERAGE,	/* the fuzzer reached every outcome */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"walker_fuzz.calls_follow_the_tables",
	"walker_fuzz.bounded",
	"walker_fuzz.success_consistent",
	"walker_fuzz.failure_consistent",
	"walker_fuzz.memory_changes_only_by_ad",
	"walker_fuzz.iterate_items_well_formed",
	"walker_fuzz.iterate_agrees_with_walk",
	"walker_fuzz.coverage",
};

static unsigned long failures[F_NR];
static bool verbose;

static unsigned int shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static unsigned int idx(u64 iova, unsigned int level)
{
	if (level < 1 || level > 6)
		return 0;
	return (iova >> shift(level)) & 511;
}

static u64 lsize(unsigned int level)
{
	return 1ULL << shift(level);
}

static bool cfg_valid(const struct ioasid_amd_v1_cfg *c)
{
	return c->levels >= 1 && c->levels <= 6 &&
	       c->phys_bits >= 32 && c->phys_bits <= 52 &&
	       !(c->root & ~ADDR) && !(c->root >> c->phys_bits);
}

/* The inputs @levels levels translate: [0, in_last()]. */
static u64 in_last(unsigned int levels)
{
	return levels >= 6 ? ~0ULL : (1ULL << shift(levels + 1)) - 1;
}

/* What the format says of entry @e at @level for input @iova. */
struct decoded {
	int fault;		/* 0, NOT_PRESENT or RESERVED */
	bool leaf;
	unsigned int next;	/* a pointer's table level */
	u64 table;		/* its table */
	u64 size, base;		/* a leaf's */
	bool nl7;
};

static struct decoded decode(const struct ioasid_amd_v1_cfg *c, u64 e,
			     unsigned int level, u64 iova)
{
	struct decoded d = { 0 };
	unsigned int nl = (e >> 9) & 7, s, n;
	u64 lim = 1ULL << c->phys_bits;

	if (!(e & PR)) {
		d.fault = IOASID_FAULT_NOT_PRESENT;
		return d;
	}
	if (e & RSVD_BITS) {
		d.fault = IOASID_FAULT_RESERVED;
		return d;
	}
	if (nl == 0 || nl == 7) {
		d.leaf = true;
		d.nl7 = nl == 7;
		if (nl == 0) {
			s = shift(level);
		} else {
			for (n = 0; (e >> (12 + n)) & 1; n++)
				;
			s = 13 + n;
			if (s <= shift(level) || s > shift(level + 1)) {
				d.fault = IOASID_FAULT_RESERVED;
				return d;
			}
		}
		d.size = 1ULL << s;
		d.base = e & ADDR & ~(d.size - 1);
		if ((nl == 0 && (e & ADDR & (d.size - 1))) || d.base >= lim ||
		    d.size > lim || !(c->pgsize_bitmap & d.size))
			d.fault = IOASID_FAULT_RESERVED;
		return d;
	}
	if (nl >= level || (e & ADDR) >= lim) {
		d.fault = IOASID_FAULT_RESERVED;
		return d;
	}
	d.next = nl;
	d.table = e & ADDR;
	/* The index bits of the levels skipped must be 0. */
	if ((iova >> shift(nl + 1)) & ((1ULL << (shift(level) - shift(nl + 1))) - 1))
		d.fault = IOASID_FAULT_NOT_PRESENT;
	return d;
}

/* One walk's world, and what the io callbacks saw of it. */
struct fz {
	struct wmem m;
	struct ioasid_amd_v1_cfg cfg;
	u64 iova;
	u32 access;

	/* Injections. */
	int cmpxchg_fail;	/* every cmpxchg returns this */
	unsigned int read_fail_at;	/* the n-th read returns read_fail */
	int read_fail;
	unsigned int writer_pct;	/* concurrent writer: chance per read */

	/* Observations, per walk. */
	unsigned int attempts;		/* attempts started */
	unsigned int reads;		/* all reads */
	unsigned int level;		/* the level the next read must be at */
	u64 table;			/* and the table it must be in */
	bool stopped;			/* a read failed or an entry ended the path */
	unsigned int nread;		/* reads in this attempt */
	unsigned int path[7];		/* the levels read, this attempt */
	u64 raddr[7], rval[7];		/* by level, this attempt */
	int last_ret;			/* the last read's return */
	unsigned int last_level;	/* the last read's level */
	bool cmpx_done;			/* an update in this attempt */
	unsigned int cmpxchgs;
	unsigned int races_seen;	/* cmpxchgs that returned -1 */
	bool cmpx_error;		/* a cmpxchg returned an error */
	bool writer_changed;		/* the writer changed a word */
};

static u64 iteration, seed;
static unsigned long seen_loop, seen_skip;
static char where[160];

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
	printf("\n# levels %u phys_bits %u flags %#x pgsizes %#" PRIx64
	       " root %#" PRIx64 " mem %#" PRIx64 "+%zu pages iova %#" PRIx64
	       " access %#x\n", f->cfg.levels, f->cfg.phys_bits, f->cfg.flags,
	       f->cfg.pgsize_bitmap, f->cfg.root, f->m.base, f->m.pages,
	       f->iova, f->access);
}

static void new_attempt(struct fz *f)
{
	f->attempts++;
	f->level = f->cfg.levels;
	f->table = f->cfg.root;
	f->stopped = false;
	f->nread = 0;
	f->cmpx_done = false;
	memset(f->raddr, 0, sizeof(f->raddr));
	memset(f->rval, 0, sizeof(f->rval));
}

static int fz_read(void *priv, u64 addr, u64 *val)
{
	struct fz *f = priv;
	unsigned int l = f->level;
	struct decoded d;
	u64 want;
	int ret;

	f->reads++;
	if (f->stopped) {
		violation(f, F_CALLS, "read %#" PRIx64 " after the path ended", addr);
		return IOASID_FAULT_TABLE;
	}
	if (l < 1 || f->nread >= f->cfg.levels) {
		violation(f, F_BOUNDED, "read %#" PRIx64 " at level %u, read %u", addr, l,
			  f->nread);
		return IOASID_FAULT_TABLE;
	}
	if (f->cmpx_done) {
		violation(f, F_CALLS, "read after an update in one attempt");
		return IOASID_FAULT_TABLE;
	}
	want = f->table + 8 * idx(f->iova, l);
	if (addr != want) {
		violation(f, F_CALLS, "read %#" PRIx64 " at level %u, not %#" PRIx64,
			  addr, l, want);
		return IOASID_FAULT_TABLE;
	}
	f->path[f->nread++] = l;
	f->last_level = l;
	if (f->read_fail_at && f->reads == f->read_fail_at)
		ret = f->read_fail;
	else
		ret = wmem_read(&f->m, addr, val);
	f->last_ret = ret;
	if (ret) {
		f->stopped = true;
		return ret;
	}
	f->raddr[l] = addr;
	f->rval[l] = *val;
	if (verbose)
		ksft_print_msg("read level %u %#" PRIx64 ": %#" PRIx64 "\n", l, addr, *val);
	if ((*val & PR) && (*val & ADDR) == (addr & ADDR))
		seen_loop++;
	/* Where a further read must go, if the walker goes on. */
	d = decode(&f->cfg, *val, l, f->iova);
	if (d.fault || d.leaf) {
		f->stopped = true;
	} else {
		if (d.next < l - 1)
			seen_skip++;
		f->table = d.table;
		f->level = d.next;
	}
	/* Someone changes the entry right after it was read. */
	if (f->writer_pct && chance(f->writer_pct)) {
		wmem_set(&f->m, addr, *val ^ (1ULL << rnd_below(64)));
		f->writer_changed = true;
	}
	return 0;
}

static int fz_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct fz *f = priv;
	unsigned int leaf = f->last_level;
	u64 bits = A;
	int ret;

	f->cmpxchgs++;
	if (f->access & IOASID_ACCESS_WRITE)
		bits |= D;
	if (!(f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE))
		violation(f, F_MEMORY, "cmpxchg without AD_UPDATE");
	/* Only the leaf, as read, once it was read, once an attempt. */
	if (f->cmpx_done || f->last_ret || !f->stopped || addr != f->raddr[leaf] ||
	    old != f->rval[leaf] || (old & bits) == bits) {
		violation(f, F_CALLS, "cmpxchg of %#" PRIx64 " (%#" PRIx64 " -> %#" PRIx64
			  "), not the leaf to update", addr, old, new);
		return IOASID_FAULT_AD_UPDATE;
	}
	f->cmpx_done = true;
	if (new != (old | bits))
		violation(f, F_MEMORY, "cmpxchg at level %u (access %#x): %#"
			  PRIx64 " -> %#" PRIx64, leaf, f->access, old, new);

	if (f->cmpxchg_fail)
		ret = f->cmpxchg_fail;
	else
		ret = wmem_cmpxchg(&f->m, addr, old, new, cur);
	if (ret && ret != -1)
		f->cmpx_error = true;
	if (ret == -1) {
		f->races_seen++;
		new_attempt(f);
	}
	return ret;
}

/* What the path read in this attempt grants (IR and IW of every entry). */
static u32 model_grant(const struct fz *f)
{
	bool rd = true, wr = true;
	unsigned int i;

	for (i = 0; i < f->nread; i++) {
		rd = rd && (f->rval[f->path[i]] & IR);
		wr = wr && (f->rval[f->path[i]] & IW);
	}
	return (rd ? P_READ : 0) | (wr ? P_WRITE : 0);
}

/* Outcome counters for the coverage check. */
static unsigned long seen_reason[IOASID_FAULT_WALK_LIMIT + 1];
static unsigned long seen_size[7][2];	/* by leaf level, NextLevel 0 or 7 */
static unsigned long seen_restart_success, seen_maybe;

static void check_result(struct fz *f, int ret, const struct ioasid_pt_result *r,
			 const u64 *before)
{
	unsigned int levels = f->cfg.levels, leaf = f->last_level, i;
	u32 need = ioasid_pt_need(f->access), grant;
	size_t w, words = f->m.pages * WMEM_PAGE / 8;
	struct decoded d = { 0 };
	bool from_cmpxchg;
	int want = 0;
	u64 v;

	if (ret != r->fault_reason)
		violation(f, F_FAILURE, "returned %d, fault_reason %u", ret, r->fault_reason);
	if (!f->nread && f->races_seen) {
		/* The leaf kept changing: the walker gave up before attempt 9. */
		if (ret != IOASID_FAULT_AD_UPDATE || f->attempts != 8 ||
		    r->fault_level != f->last_level || r->out || r->page_size)
			violation(f, F_FAILURE, "%d at %u after %u attempts and %u races",
				  ret, r->fault_level, f->attempts, f->races_seen);
		else
			seen_reason[ret]++;
		return;
	}
	if (f->attempts > 8)
		violation(f, F_BOUNDED, "%u attempts", f->attempts);
	if (f->reads > 8 * levels)
		violation(f, F_BOUNDED, "%u reads", f->reads);

	if (!cfg_valid(&f->cfg)) {
		if (ret != IOASID_FAULT_RESERVED || f->reads || r->fault_level)
			violation(f, F_FAILURE, "invalid cfg: %d after %u reads", ret, f->reads);
		return;
	}
	if (f->iova > in_last(levels)) {
		if (ret != IOASID_FAULT_NON_CANONICAL || f->reads || r->fault_level != levels)
			violation(f, F_FAILURE, "input above the width: %d at %u, %u reads",
				  ret, r->fault_level, f->reads);
		else
			seen_reason[ret]++;
		return;
	}
	/* A reason the parent's cmpxchg returned is passed on as it is. */
	from_cmpxchg = f->cmpx_error && ret &&
		       ret == (f->cmpxchg_fail > 0 && f->cmpxchg_fail <= IOASID_FAULT_WALK_LIMIT ?
			       f->cmpxchg_fail : IOASID_FAULT_AD_UPDATE);
	if (ret == IOASID_FAULT_NON_CANONICAL && !from_cmpxchg)
		violation(f, F_FAILURE, "non-canonical for an input in the width");

	/* What the model says of the last attempt, from what it read. */
	v = f->rval[leaf];
	grant = model_grant(f);
	if (!f->nread) {
		want = -1;
	} else if (f->last_ret) {
		want = f->last_ret >= IOASID_FAULT_NOT_ATTACHED &&
		       f->last_ret <= IOASID_FAULT_WALK_LIMIT ? f->last_ret :
		       IOASID_FAULT_TABLE;
	} else {
		d = decode(&f->cfg, v, leaf, f->iova);
		if (d.fault)
			want = d.fault;
		else if (!d.leaf)
			want = -1;	/* the walker stopped at a pointer */
		else if ((need & grant) != need)
			want = IOASID_FAULT_PERMISSION;
	}
	if (want < 0)
		violation(f, F_FAILURE, "returned %d after %u reads ending at level %u",
			  ret, f->nread, leaf);

	if (!ret) {
		u32 maybe = 0;

		seen_size[leaf][d.nl7]++;
		if (f->attempts > 1)
			seen_restart_success++;
		if (r->maybe)
			seen_maybe++;
		if (want)
			violation(f, F_SUCCESS, "success, the model says %d (entry %#" PRIx64
				  " at %u)", want, v, leaf);
		if (r->page_size != d.size || r->out != (d.base | (f->iova & (d.size - 1))))
			violation(f, F_SUCCESS, "out %#" PRIx64 " size %#" PRIx64 " from leaf %#"
				  PRIx64 " at %u", r->out, r->page_size, v, leaf);
		if ((f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE) &&
		    !(f->access & IOASID_ACCESS_WRITE) && !(v & D))
			maybe = grant & P_WRITE;
		if (r->perm != (grant & ~maybe) || r->maybe != maybe)
			violation(f, F_SUCCESS, "perm %#x maybe %#x, model %#x %#x",
				  r->perm, r->maybe, grant & ~maybe, maybe);
		if (r->fault_level)
			violation(f, F_SUCCESS, "fault_level %u on success", r->fault_level);
		if (f->cmpx_error)
			violation(f, F_SUCCESS, "success after a failed update");
		if ((f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE) && !f->m.races_done &&
		    !f->writer_changed && f->nread &&
		    (wmem_get(&f->m, f->raddr[leaf]) & A) != A)
			violation(f, F_MEMORY, "no A in the leaf after success");
	} else {
		if (ret < 1 || ret > IOASID_FAULT_WALK_LIMIT ||
		    (ret == IOASID_FAULT_NOT_BOUND && !from_cmpxchg))
			violation(f, F_FAILURE, "reason %d", ret);
		else
			seen_reason[ret]++;
		if (r->out || r->page_size)
			violation(f, F_FAILURE, "out %#" PRIx64 " page_size %#" PRIx64,
				  r->out, r->page_size);
		if (r->fault_level != leaf)
			violation(f, F_FAILURE, "%d at level %u, last read at %u", ret,
				  r->fault_level, leaf);
		if (from_cmpxchg) {
			if (want)
				violation(f, F_FAILURE, "update fault %d, the model says %d",
					  ret, want);
		} else if (ret == IOASID_FAULT_AD_UPDATE && !want) {
			if (!(f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE) || f->attempts != 8 ||
			    !f->races_seen)
				violation(f, F_FAILURE, "AD_UPDATE after %u attempts, %u races",
					  f->attempts, f->races_seen);
		} else if (ret != want) {
			violation(f, F_FAILURE, "returned %d, the model says %d (entry %#"
				  PRIx64 " at %u)", ret, want, v, leaf);
		} else if (ret == IOASID_FAULT_PERMISSION &&
			   (r->perm | r->maybe) != grant) {
			violation(f, F_FAILURE, "permission fault perm %#x maybe %#x, model %#x",
				  r->perm, r->maybe, grant);
		}
	}

	/* Memory: without AD nothing changes; with it only A and D, 0 to 1. */
	if (f->writer_changed || f->m.races_done)
		return;
	for (w = 0; w < words; w++) {
		u64 was = before[w], now = f->m.buf[w];

		if (was == now)
			continue;
		if (!(f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE) ||
		    (now & ~(A | D)) != (was & ~(A | D)) || (was & ~now))
			violation(f, F_MEMORY, "word %#" PRIx64 ": %#" PRIx64 " -> %#" PRIx64,
				  f->m.base + 8 * w, was, now);
		if (ret)
			violation(f, F_MEMORY, "memory changed by a walk failing with %d", ret);
	}
	for (i = 0; i < f->nread; i++)
		if (f->path[i] != leaf && f->raddr[f->path[i]] != f->raddr[leaf] &&
		    (wmem_get(&f->m, f->raddr[f->path[i]]) & (A | D)) !=
		    (f->rval[f->path[i]] & (A | D)))
			violation(f, F_MEMORY, "A/D changed in the pointer at level %u",
				  f->path[i]);
}

/* The NextLevel 7 encoding of a 2^@s page at @out. */
static u64 nl7(u64 out, unsigned int s)
{
	return (out & ~((1ULL << s) - 1)) | NL(7) |
	       (((1ULL << (s - 1)) - 1) & ~0xfffULL);
}

static u64 random_perm(void)
{
	u64 e = 0;

	if (chance(80))
		e |= IR;
	if (chance(70))
		e |= IW;
	return e;
}

/* A random entry: mostly a pointer into the memory, or a leaf. */
static u64 random_entry(struct fz *f, u64 self_page)
{
	u64 lim = (1ULL << f->cfg.phys_bits) - 1, e, page;
	unsigned int s;

	switch (rnd_below(12)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		page = self_page;	/* a loop */
		break;
	case 3:
		page = rnd() & ADDR & lim;
		break;
	case 4:		/* a NextLevel 0 leaf, maybe aligned */
		e = rnd() & ADDR & lim;
		if (chance(70))
			e &= ~(lsize(1 + rnd_below(6)) - 1);
		return e | PR | random_perm() | (rnd() & (A | D));
	case 5:		/* a NextLevel 7 leaf of some size */
		s = 13 + rnd_below(41);
		return nl7(rnd() & ADDR & lim, s) | PR | random_perm() | (rnd() & (A | D));
	default:
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		break;
	}
	e = page | PR | NL(1 + rnd_below(6)) | random_perm() | (rnd() & (A | D));
	if (chance(10))
		e &= ~PR;
	if (chance(10))
		e |= rnd() & IGN_BITS;
	if (chance(5))
		e ^= 1ULL << rnd_below(64);
	return e;
}

/* Fill the memory, maybe with a mostly valid path for f->iova. */
static void fill(struct fz *f)
{
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	unsigned int mode = rnd_below(4), l, next, leaf, s, slots, k;
	u64 table, addr, page, lim = (1ULL << f->cfg.phys_bits) - 1, e;

	for (i = 0; i < words; i++) {
		page = f->m.base + (i * 8 & ~(WMEM_PAGE - 1));
		f->m.buf[i] = mode == 0 ? rnd() : random_entry(f, page);
	}
	if (mode != 3 || !cfg_valid(&f->cfg))
		return;
	/* A valid path, skipping levels sometimes, then a few bit flips. */
	leaf = 1 + rnd_below(f->cfg.levels);
	table = f->cfg.root;
	f->iova &= in_last(f->cfg.levels);
	for (l = f->cfg.levels; l >= 1; l = next) {
		addr = table + 8 * idx(f->iova, l);
		if (addr < f->m.base || addr >= f->m.base + wmem_size(&f->m))
			return;
		if (l == leaf) {
			s = shift(l) + 1 + rnd_below(9);
			if (chance(50) || s > 53) {
				page = rnd() & ADDR & lim & ~(lsize(l) - 1);
				wmem_set(&f->m, addr, page | PR | random_perm() |
					 (rnd() & (A | D)));
				break;
			}
			/* NextLevel 7, in every slot it covers. */
			e = nl7(rnd() & ADDR & lim, s) | PR | random_perm() | (rnd() & (A | D));
			slots = 1U << (s - shift(l));
			addr &= ~(8ULL * slots - 1);
			for (k = 0; k < slots && addr + 8 * k < f->m.base + wmem_size(&f->m); k++)
				wmem_set(&f->m, addr + 8 * k, e);
			break;
		}
		next = l - 1;
		if (chance(30))
			next = leaf + rnd_below(l - leaf);
		/* Skipped levels: their index bits 0. */
		f->iova &= ~(((1ULL << shift(l)) - 1) & ~((1ULL << shift(next + 1)) - 1));
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		wmem_set(&f->m, addr, page | PR | NL(next) | random_perm() | (rnd() & (A | D)));
		table = page;
	}
	for (i = rnd_below(3); i > 0; i--)
		f->m.buf[rnd_below(words)] ^= 1ULL << rnd_below(64);
}

static u64 random_iova(unsigned int levels)
{
	u64 iova = rnd();

	if (chance(90))		/* in the width */
		iova &= in_last(levels);
	if (chance(30))		/* low addresses, where tables often are */
		iova &= 0xffffffffULL;
	if (chance(10))		/* index 0 in some levels: skips work */
		iova &= ~(((1ULL << (9 * rnd_below(5))) - 1) << 21);
	return iova;
}

static u32 random_access(void)
{
	static const u32 kinds[] = {
		IOASID_ACCESS_READ, IOASID_ACCESS_WRITE,
		IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
		IOASID_ACCESS_READ | IOASID_ACCESS_WRITE,
	};
	u32 a = kinds[rnd_below(4)];

	if (chance(40))
		a |= IOASID_ACCESS_PRIV;
	if (chance(2))
		a = rnd_below(16);
	return a;
}

static void random_cfg(struct fz *f)
{
	struct ioasid_format_amd_v1 desc = {
		.hdr = { .size = sizeof(desc), .format = IOASID_FORMAT_AMD_V1 },
	};
	u64 limit;

	desc.levels = 1 + rnd_below(6);
	desc.phys_bits = 32 + rnd_below(21);
	desc.flags = rnd() & IOASID_AMD_V1_AD_UPDATE;
	if (chance(50))
		desc.pgsize_bitmap = (rnd() & IOASID_AMD_V1_PGSIZES & in_last(desc.levels)) |
				     SZ_4K;
	if (ioasid_amd_v1_config(&f->cfg, &desc))
		violation(f, F_CALLS, "config of levels %u phys %u pgsizes %#" PRIx64
			  " refused", desc.levels, desc.phys_bits, (u64)desc.pgsize_bitmap);
	limit = 1ULL << f->cfg.phys_bits;
	f->m.pages = 1 + rnd_below(MAX_PAGES);
	f->m.base = chance(50) ? 0 : rnd_below((limit - wmem_size(&f->m)) / WMEM_PAGE + 1) * WMEM_PAGE;
	if (chance(95))
		f->cfg.root = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
	else
		f->cfg.root = rnd() & ADDR & (limit - 1);
	if (ioasid_amd_v1_bind(&f->cfg, 0, f->cfg.root, 0))
		violation(f, F_CALLS, "bind of %#" PRIx64 " refused", f->cfg.root);
	if (chance(1)) {	/* invalid: the walker refuses it */
		switch (rnd_below(3)) {
		case 0:
			f->cfg.levels = rnd_below(9);
			break;
		case 1:
			f->cfg.phys_bits = rnd_below(64);
			break;
		default:
			f->cfg.root |= 8 << rnd_below(9);
		}
	}
}

static void one_walk(struct fz *f, u64 *before)
{
	struct ioasid_pt_io io = { .priv = f, .read = fz_read, .cmpxchg = fz_cmpxchg };
	struct ioasid_pt_result r;
	int ret;

	f->cmpxchg_fail = 0;
	f->read_fail_at = 0;
	f->writer_pct = 0;
	f->m.races = 0;
	f->m.races_done = 0;
	f->m.race_bits = RACE_BITS;
	if (chance(10))
		f->cmpxchg_fail = chance(80) ? IOASID_FAULT_AD_UPDATE :
				  (int)rnd_below(14) - 3;
	if (chance(10)) {
		f->read_fail_at = 1 + rnd_below(6);
		f->read_fail = chance(50) ? IOASID_FAULT_WALK_LIMIT :
			       chance(50) ? IOASID_FAULT_TABLE : -1 - (int)rnd_below(4);
	}
	if (chance(15)) {
		f->m.races = chance(20) ? 100 : 1 + rnd_below(8);
		f->m.race_bits = chance(70) ? RACE_BITS :
				 chance(50) ? (A | D) : 1ULL << rnd_below(64);
	}
	if (chance(10))
		f->writer_pct = 1 + rnd_below(50);
	f->writer_changed = false;
	f->attempts = 0;
	f->reads = 0;
	f->cmpxchgs = 0;
	f->races_seen = 0;
	f->cmpx_error = false;
	f->last_ret = 0;
	f->last_level = f->cfg.levels;
	new_attempt(f);
	memcpy(before, f->m.buf, wmem_size(&f->m));

	memset(&r, 0x5a, sizeof(r));
	ret = ioasid_amd_v1_walk(&f->cfg, f->iova, f->access, &io, &r);
	/* A restart that was never started has not happened. */
	if (f->nread == 0 && f->attempts > 1)
		f->attempts--;
	check_result(f, ret, &r, before);
	if (verbose)
		ksft_print_msg("iova %#" PRIx64 " access %#x -> %d level %u out %#" PRIx64
			       " size %#" PRIx64 " perm %#x maybe %#x (%u attempts, %u reads)\n",
			       f->iova, f->access, ret, r.fault_level, r.out, r.page_size,
			       r.perm, r.maybe, f->attempts, f->reads);
}

/*
 * Iterations. A random table can map far more leaves than a test can
 * look at (a page pointing at itself maps 2^36), so each one runs under
 * a budget of reads, after which the reads fail with WALK_LIMIT, and of
 * items, after which the callback stops it. Walks check it only before
 * the first item an injected or budget read fault made.
 */
#define ITER_BUDGET	1024	/* reads */
#define ITER_ITEMS	512	/* items */
#define ITER_PROBES	24	/* addresses walked */

#include "fuzz_walker_iter.h"

static unsigned long seen_iter_size[4], seen_iter_fault[IOASID_FAULT_WALK_LIMIT + 1];
static unsigned long seen_iter_cut, seen_iter_stop, seen_iter_update;
static unsigned long seen_probe[IOASID_FAULT_WALK_LIMIT + 1];

static int fzi_item(void *arg, const struct ioasid_pt_leaf *l)
{
	struct fzi *it = arg;

	it->calls++;
	if (it->n == ITER_ITEMS) {
		violation(it->f, F_ITER_ITEMS, "called after it was stopped");
		return 1;
	}
	/* The item right after a failed read is that read's fault. */
	if (it->cut_reason && !it->cut_seen) {
		it->cut_seen = true;
		it->cut = l->first;
		if (l->fault_reason != it->cut_reason)
			violation(it->f, F_ITER_ITEMS, "after a read failing with %d: item with %u",
				  it->cut_reason, l->fault_reason);
	}
	it->items[it->n++] = *l;
	return it->n == ITER_ITEMS;
}

static void check_items(struct fzi *it, int ret)
{
	const struct ioasid_amd_v1_cfg *c = &it->f->cfg;
	struct fz *f = it->f;
	bool valid = cfg_valid(c);
	unsigned int i;

	if (ret != (it->n == ITER_ITEMS))
		violation(f, F_ITER_ITEMS, "returned %d after %u items", ret, it->n);
	if (it->start > it->last && (it->calls || it->reads))
		violation(f, F_ITER_ITEMS, "%lu items, %lu reads for an empty range",
			  it->calls, it->reads);
	if (it->reads > ITER_BUDGET + 5)
		violation(f, F_ITER_ITEMS, "%lu reads", it->reads);
	if (it->cut_reason && !it->cut_seen && !ret)
		violation(f, F_ITER_ITEMS, "a read failed, no item after it");
	for (i = 0; i < it->n; i++) {
		const struct ioasid_pt_leaf *l = &it->items[i];
		u64 ps = l->page_size;

		if (l->first > l->last || l->first < it->start || l->last > it->last ||
		    (i && l->first <= it->items[i - 1].last)) {
			violation(f, F_ITER_ITEMS, "item %u [%#" PRIx64 ", %#" PRIx64
				  "] in [%#" PRIx64 ", %#" PRIx64 "], after %#" PRIx64,
				  i, l->first, l->last, it->start, it->last,
				  i ? it->items[i - 1].last : 0);
			continue;
		}
		if (l->fault_reason) {
			if (l->out || ps || l->perm || l->maybe || l->update ||
			    (l->fault_reason != IOASID_FAULT_RESERVED &&
			     l->fault_reason != IOASID_FAULT_NON_CANONICAL &&
			     l->fault_reason != IOASID_FAULT_TABLE &&
			     l->fault_reason != IOASID_FAULT_WALK_LIMIT) ||
			    (valid ? l->fault_level < 1 || l->fault_level > c->levels :
				     l->fault_level || l->fault_reason != IOASID_FAULT_RESERVED))
				violation(f, F_ITER_ITEMS, "fault item %u: reason %u level %u out %#"
					  PRIx64 " size %#" PRIx64 " perm %#x maybe %#x update %#x",
					  i, l->fault_reason, l->fault_level, l->out, ps,
					  l->perm, l->maybe, l->update);
			else
				seen_iter_fault[l->fault_reason]++;
			continue;
		}
		if (!valid || ps < SZ_4K || (ps & (ps - 1)) || !(c->pgsize_bitmap & ps)) {
			violation(f, F_ITER_ITEMS, "item %u: page_size %#" PRIx64, i, ps);
			continue;
		}
		/* 4 KiB, a level's own size (NextLevel 0 or 7), another. */
		seen_iter_size[ps == SZ_4K ? 1 : (__builtin_ctzll(ps) - 12) % 9 ? 3 : 2]++;
		if (l->update)
			seen_iter_update++;
		/*
		 * Inside one page, whole 4 KiB slots clipped to the range (a
		 * NextLevel 7 leaf is an item per slot it fills).
		 */
		if ((l->first & ~(ps - 1)) != (l->last & ~(ps - 1)) ||
		    (l->first != it->start && (l->first & 0xfff)) ||
		    (l->last != it->last && (~l->last & 0xfff)))
			violation(f, F_ITER_ITEMS, "item %u [%#" PRIx64 ", %#" PRIx64
				  "] is not in one %#" PRIx64 " leaf", i, l->first, l->last, ps);
		if ((l->out & (ps - 1)) != (l->first & (ps - 1)) || l->out >> c->phys_bits)
			violation(f, F_ITER_ITEMS, "item %u: out %#" PRIx64 " for %#" PRIx64,
				  i, l->out, l->first);
		if ((l->perm & l->maybe) || (l->maybe & ~(IOASID_PT_UW | IOASID_PT_SW)) ||
		    (l->perm | l->maybe) & ~IOASID_PT_ALL ||
		    (l->update & ~(IOASID_PT_SET_A | IOASID_PT_SET_D)) ||
		    (!(c->flags & IOASID_AMD_V1_CFG_AD_UPDATE) && (l->maybe || l->update)) ||
		    (!!l->maybe != !!(l->update & IOASID_PT_SET_D) &&
		     (l->perm | l->maybe) & (IOASID_PT_UW | IOASID_PT_SW)))
			violation(f, F_ITER_ITEMS, "item %u: perm %#x maybe %#x update %#x",
				  i, l->perm, l->maybe, l->update);
	}
}

/* A walk of @a (the memory put back after it) against the items. */
static void probe(struct fzi *it, u64 a, const u64 *snap)
{
	struct ioasid_pt_io io = wmem_io(&it->f->m);
	struct fz *f = it->f;
	const struct ioasid_pt_leaf *l = find_item(it, a);
	bool ad = f->cfg.flags & IOASID_AMD_V1_CFG_AD_UPDATE;
	bool write;
	struct ioasid_pt_result r;
	u32 access;
	int ret;

	access = random_access();
	if (!(access & (IOASID_ACCESS_READ | IOASID_ACCESS_WRITE)))
		access |= IOASID_ACCESS_READ;
	write = access & IOASID_ACCESS_WRITE;
	f->m.cmpxchgs = 0;
	ret = ioasid_amd_v1_walk(&f->cfg, a, access, &io, &r);
	memcpy(f->m.buf, snap, wmem_size(&f->m));
	if (ret >= 0 && ret <= IOASID_FAULT_WALK_LIMIT)
		seen_probe[ret]++;

	switch (ret) {
	case 0:
	case IOASID_FAULT_PERMISSION:
		if (!l || l->fault_reason) {
			violation(f, F_ITER_WALK, "%#" PRIx64 ": walk %d, item %s %u", a, ret,
				  l ? "with fault" : "none", l ? l->fault_reason : 0);
			break;
		}
		if (write ? r.perm != (l->perm | l->maybe) || r.maybe :
			    r.perm != l->perm || r.maybe != l->maybe)
			violation(f, F_ITER_WALK, "%#" PRIx64 " access %#x: walk perm %#x maybe %#x, item %#x %#x",
				  a, access, r.perm, r.maybe, l->perm, l->maybe);
		if (ret)
			break;
		if (r.out != l->out + (a - l->first) || r.page_size != l->page_size)
			violation(f, F_ITER_WALK, "%#" PRIx64 ": walk out %#" PRIx64 " size %#" PRIx64
				  ", item [%#" PRIx64 ", %#" PRIx64 "] out %#" PRIx64 " size %#" PRIx64,
				  a, r.out, r.page_size, l->first, l->last, l->out, l->page_size);
		/* It updated exactly what the item says a walk would. */
		if (!!f->m.cmpxchgs != (ad && ((l->update & IOASID_PT_SET_A) ||
					       (write && (l->update & IOASID_PT_SET_D)))))
			violation(f, F_ITER_WALK, "%#" PRIx64 " access %#x: %lu updates, item update %#x",
				  a, access, f->m.cmpxchgs, l->update);
		break;
	case IOASID_FAULT_NOT_PRESENT:
		if (l)
			violation(f, F_ITER_WALK, "%#" PRIx64 ": not present, item [%#" PRIx64
				  ", %#" PRIx64 "] fault %u", a, l->first, l->last, l->fault_reason);
		break;
	case IOASID_FAULT_RESERVED:
	case IOASID_FAULT_NON_CANONICAL:
	case IOASID_FAULT_TABLE:
	case IOASID_FAULT_WALK_LIMIT:
		if (!l || l->fault_reason != ret || l->fault_level != r.fault_level)
			violation(f, F_ITER_WALK, "%#" PRIx64 ": walk %d at %u, item %s %u at %u",
				  a, ret, r.fault_level, l ? "with fault" : "none",
				  l ? l->fault_reason : 0, l ? l->fault_level : 0);
		break;
	default:
		violation(f, F_ITER_WALK, "%#" PRIx64 ": walk %d", a, ret);
	}
}

static void random_range(struct fz *f, u64 *start, u64 *last)
{
	u64 top = in_last(f->cfg.levels) + 1;
	u64 len = rnd_below(1ULL << rnd_below(50));

	switch (rnd_below(6)) {
	case 0:
		*start = chance(50) ? 0 : rnd_below(SZ_1G);
		*last = chance(50) ? ~0ULL : rnd();
		break;
	case 1:		/* around the address the table has a path for */
		*start = f->iova - rnd_below(SZ_2M << rnd_below(20));
		*last = sat_add(f->iova, rnd_below(SZ_2M << rnd_below(20)));
		break;
	case 2:		/* across the top of the input width */
		*start = (top ? top : 1ULL << 63) - rnd_below(SZ_1G);
		*last = sat_add(*start, len);
		break;
	case 3:		/* empty */
		*start = rnd() | 1;
		*last = *start - 1 - rnd_below(*start);
		break;
	default:
		*start = random_iova(f->cfg.levels);
		*last = sat_add(*start, len);
	}
}

static void one_iterate(struct fz *f, struct fzi *it, u64 *snap)
{
	struct ioasid_pt_io io = { .priv = it, .read = fzi_read, .cmpxchg = fzi_cmpxchg };
	u64 span_last, a;
	unsigned int p;
	int ret;

	it->f = f;
	random_range(f, &it->start, &it->last);
	it->reads = 0;
	it->calls = 0;
	it->n = 0;
	it->cut_reason = 0;
	it->cut_seen = false;
	it->read_fail_at = 0;
	if (chance(10)) {
		it->read_fail_at = 1 + rnd_below(64);
		it->read_fail = chance(50) ? IOASID_FAULT_WALK_LIMIT :
				chance(50) ? IOASID_FAULT_TABLE : -1 - (int)rnd_below(4);
	}
	f->m.races = 0;
	f->m.cmpxchg_fail = 0;
	snprintf(where, sizeof(where), "iterate [%#" PRIx64 ", %#" PRIx64 "]",
		 it->start, it->last);
	memcpy(snap, f->m.buf, wmem_size(&f->m));

	ret = ioasid_amd_v1_iterate(&f->cfg, it->start, it->last, &io, fzi_item, it);
	if (memcmp(snap, f->m.buf, wmem_size(&f->m)))
		violation(f, F_ITER_ITEMS, "the iteration changed the memory");
	check_items(it, ret);
	if (ret)
		seen_iter_stop++;
	if (it->cut_seen)
		seen_iter_cut++;
	if (verbose)
		ksft_print_msg("%s: %d, %u items, %lu reads, cut at %#" PRIx64 " (%d)\n",
			       where, ret, it->n, it->reads, it->cut_seen ? it->cut : 0,
			       it->cut_reason);
	if (it->start > it->last || ret != (it->n == ITER_ITEMS))
		return;

	/* What walks can check: up to the cut and the last item. */
	span_last = it->last;
	if (ret)
		span_last = it->items[it->n - 1].last;
	if (it->cut_seen) {
		if (it->cut == it->start)
			return;
		if (it->cut - 1 < span_last)
			span_last = it->cut - 1;
	}
	for (p = 0; p < ITER_PROBES; p++) {
		const struct ioasid_pt_leaf *l = it->n ? &it->items[rnd_below(it->n)] : NULL;

		switch (l ? rnd_below(6) : 0) {
		case 0:
			a = it->start + rnd_below(span_last - it->start + 1);
			if (span_last - it->start == ~0ULL)
				a = rnd();
			break;
		case 1:
			a = l->first;
			break;
		case 2:
			a = l->last;
			break;
		case 3:
			a = l->first - 1;
			break;
		case 4:
			a = l->last + 1;
			break;
		default:
			a = l->first + rnd_below(l->last - l->first + 1);
		}
		if (a < it->start || a > span_last)
			continue;
		probe(it, a, snap);
	}
}

int main(int argc, char **argv)
{
	u64 first, iters, i, walks = 0;
	double seconds, start, elapsed;
	u64 *before;
	struct fzi *it;
	struct fz f;
	unsigned int w;

	if (fuzz_options(argc, argv, &seconds, &seed, &iters, &first, &verbose))
		return 2;
	fuzz_header(F_NR, seed, seconds, iters);

	if (wmem_init(&f.m, 0, MAX_PAGES))
		ksft_exit_fail_msg("no memory\n");
	before = malloc(MAX_PAGES * WMEM_PAGE);
	it = malloc(sizeof(*it));
	if (!before || !it)
		ksft_exit_fail_msg("no memory\n");

	start = now();
	for (i = first; !iters || i < first + iters; i++) {
		if (!iters && !((i - first) & 255) && now() - start >= seconds)
			break;
		iteration = i;
		rnd_state = seed ^ (i * 0xd1342543de82ef95ULL);
		rnd();
		random_cfg(&f);
		f.iova = random_iova(f.cfg.levels);
		fill(&f);
		for (w = 0; w < WALKS_PER_FILL; w++) {
			snprintf(where, sizeof(where), "walk %u", w);
			if (w && chance(50))
				f.iova = chance(50) ? random_iova(f.cfg.levels) :
					 f.iova ^ rnd_below(SZ_2M);
			f.access = random_access();
			one_walk(&f, before);
			walks++;
		}
		one_iterate(&f, it, before);
	}
	elapsed = now() - start;
	iters = i - first;
	ksft_print_msg("%" PRIu64 " iterations, %" PRIu64 " walks in %.2f s: %.0f walks/s\n",
		       iters, walks, elapsed, walks / (elapsed > 0 ? elapsed : 1));
	ksft_print_msg("successes by leaf level (NextLevel 0/7): 1 %lu/%lu, 2 %lu/%lu, 3 %lu/%lu, 4 %lu/%lu, 5 %lu/%lu, 6 %lu/%lu; after a restart %lu; with maybe %lu\n",
		       seen_size[1][0], seen_size[1][1], seen_size[2][0], seen_size[2][1],
		       seen_size[3][0], seen_size[3][1], seen_size[4][0], seen_size[4][1],
		       seen_size[5][0], seen_size[5][1], seen_size[6][0], seen_size[6][1],
		       seen_restart_success, seen_maybe);
	ksft_print_msg("faults: permission %lu, not present %lu, reserved %lu, input width %lu, table %lu, A/D %lu, walk limit %lu; loops %lu, skips %lu\n",
		       seen_reason[IOASID_FAULT_PERMISSION], seen_reason[IOASID_FAULT_NOT_PRESENT],
		       seen_reason[IOASID_FAULT_RESERVED], seen_reason[IOASID_FAULT_NON_CANONICAL],
		       seen_reason[IOASID_FAULT_TABLE], seen_reason[IOASID_FAULT_AD_UPDATE],
		       seen_reason[IOASID_FAULT_WALK_LIMIT], seen_loop, seen_skip);
	ksft_print_msg("iterate: leaves 4K %lu, level sizes %lu, other sizes %lu (to update %lu); faults reserved %lu, input width %lu, table %lu, walk limit %lu; cut %lu, stopped %lu\n",
		       seen_iter_size[1], seen_iter_size[2], seen_iter_size[3], seen_iter_update,
		       seen_iter_fault[IOASID_FAULT_RESERVED],
		       seen_iter_fault[IOASID_FAULT_NON_CANONICAL],
		       seen_iter_fault[IOASID_FAULT_TABLE], seen_iter_fault[IOASID_FAULT_WALK_LIMIT],
		       seen_iter_cut, seen_iter_stop);
	ksft_print_msg("iterate probes: translated %lu, permission %lu, not present %lu, reserved %lu, input width %lu, table %lu\n",
		       seen_probe[0], seen_probe[IOASID_FAULT_PERMISSION],
		       seen_probe[IOASID_FAULT_NOT_PRESENT], seen_probe[IOASID_FAULT_RESERVED],
		       seen_probe[IOASID_FAULT_NON_CANONICAL], seen_probe[IOASID_FAULT_TABLE]);

	/* Every outcome must have been reached, given enough iterations. */
	if (iters >= COVERAGE_ITERS) {
		bool all = seen_restart_success && seen_maybe && seen_skip && seen_loop;

		for (w = 1; w <= 6; w++)
			if (w <= 5 && (!seen_size[w][0] || !seen_size[w][1]))
				all = false;
		for (w = IOASID_FAULT_PERMISSION; w <= IOASID_FAULT_WALK_LIMIT; w++)
			if (w != IOASID_FAULT_NOT_BOUND && !seen_reason[w])
				all = false;
		for (w = 1; w <= 3; w++)
			if (!seen_iter_size[w])
				all = false;
		for (w = IOASID_FAULT_RESERVED; w <= IOASID_FAULT_WALK_LIMIT; w++)
			if (w != IOASID_FAULT_AD_UPDATE && !seen_iter_fault[w])
				all = false;
		for (w = 0; w <= IOASID_FAULT_TABLE; w++)
			if ((w == 0 || w >= IOASID_FAULT_PERMISSION) &&
			    w != IOASID_FAULT_NOT_BOUND && !seen_probe[w])
				all = false;
		if (!seen_iter_update || !seen_iter_cut || !seen_iter_stop)
			all = false;
		if (!all)
			failures[F_COVERAGE]++;
	}

	fuzz_results(family_name, failures, F_NR, F_COVERAGE, iters, COVERAGE_ITERS);
	free(it);
	free(before);
	wmem_fini(&f.m);
	ksft_finished();
}
