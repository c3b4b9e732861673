// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the x86-64 software page-table walker
 * (module/walkers/x86_64.c, compiled into this binary under ASan and
 * UBSan): random parent memory, random but mostly plausible tables (entries
 * pointing into the memory, at their own table, with PS, reserved and
 * ignored bits), random configurations, addresses and requests, injected
 * read faults, failing and racing compare-and-exchange, and a "concurrent
 * writer" that changes entries right after the walker read them. Every
 * call the walker makes is checked as it happens, every result after.
 * After the walks of each table, an iteration (ioasid_x86_64_iterate())
 * over a random range, under a budget of reads and of items, sometimes
 * with an injected read fault: its items must be well formed, in order,
 * and agree with walks of addresses in the range.
 *
 *   fuzz_walker_x86_64 [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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
#include "../../module/walkers/x86_64.h"

#define MAX_PAGES	16
#define WALKS_PER_FILL	8
#define COVERAGE_ITERS	10000	/* enough to reach every outcome */

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

static unsigned int idx(u64 iova, unsigned int level)
{
	if (level < 1 || level > 5)
		return 0;
	return (iova >> (12 + 9 * (level - 1))) & 511;
}

static u64 lsize(unsigned int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* One walk's world, and what the io callbacks saw of it. */
struct fz {
	struct wmem m;
	struct ioasid_x86_64_cfg cfg;
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
	u64 raddr[6], rval[6];		/* by level, this attempt */
	int last_ret;			/* the last read's return */
	unsigned int last_level;	/* the last read's level */
	unsigned int cmpx_level;	/* the last cmpxchg's level, 0: none yet */
	unsigned int race_level;	/* the level of the last cmpxchg giving -1 */
	unsigned int cmpxchgs;
	unsigned int races_seen;	/* cmpxchgs that returned -1 */
	bool cmpx_error;		/* a cmpxchg returned an error */
	bool writer_changed;		/* the writer changed a word */
	unsigned int injected_read_fault;
};

static u64 iteration, seed;
static unsigned long seen_loop;
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
	f->cmpx_level = 0;
	memset(f->raddr, 0, sizeof(f->raddr));
	memset(f->rval, 0, sizeof(f->rval));
}

static int fz_read(void *priv, u64 addr, u64 *val)
{
	struct fz *f = priv;
	unsigned int l = f->level;
	u64 want;
	int ret;

	f->reads++;
	if (f->stopped) {
		violation(f, F_CALLS, "read %#" PRIx64 " after the path ended", addr);
		return IOASID_FAULT_TABLE;
	}
	if (l < 1) {
		violation(f, F_BOUNDED, "read %#" PRIx64 " below level 1", addr);
		return IOASID_FAULT_TABLE;
	}
	if (f->cmpx_level) {
		violation(f, F_CALLS, "read after an update in one attempt");
		return IOASID_FAULT_TABLE;
	}
	want = f->table + 8 * idx(f->iova, l);
	if (addr != want) {
		violation(f, F_CALLS, "read %#" PRIx64 " at level %u, not %#" PRIx64,
			  addr, l, want);
		return IOASID_FAULT_TABLE;
	}
	f->nread++;
	f->last_level = l;
	if (f->read_fail_at && f->reads == f->read_fail_at) {
		f->injected_read_fault++;
		ret = f->read_fail;
	} else {
		ret = wmem_read(&f->m, addr, val);
	}
	f->last_ret = ret;
	if (ret) {
		f->stopped = true;
		return ret;
	}
	f->raddr[l] = addr;
	f->rval[l] = *val;
	if ((*val & P) && (*val & ADDR) == (addr & ADDR))
		seen_loop++;
	/* Where a further read must go, if the walker goes on. */
	if (!(*val & P) || l == 1 || (*val & PS))
		f->stopped = true;
	f->table = *val & ADDR;
	f->level = l - 1;
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
	unsigned int l, leaf = f->last_level;
	u64 bits = 0;
	int ret;

	f->cmpxchgs++;
	if (!(f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE))
		violation(f, F_MEMORY, "cmpxchg without AD_UPDATE");
	/*
	 * Top-down, below the last update: the entry read at that level, as
	 * read, and lacking what it is updated for (one entry may be on the
	 * path at several levels, even with different values).
	 */
	for (l = f->cmpx_level ? f->cmpx_level - 1 : f->cfg.levels; l >= leaf && l >= 1; l--) {
		bits = A;
		if (l == leaf && (f->access & IOASID_ACCESS_WRITE))
			bits |= D;
		if (f->raddr[l] == addr && f->rval[l] == old && (old & bits) != bits)
			break;
	}
	if (l < leaf || l < 1 || f->last_ret || f->nread != f->cfg.levels - leaf + 1) {
		violation(f, F_CALLS, "cmpxchg of %#" PRIx64 " (%#" PRIx64 " -> %#" PRIx64
			  "), not an entry of this path to update", addr, old, new);
		return IOASID_FAULT_AD_UPDATE;
	}
	f->cmpx_level = l;
	if (new != (old | bits))
		violation(f, F_MEMORY, "cmpxchg at level %u (leaf %u, access %#x): %#"
			  PRIx64 " -> %#" PRIx64, l, leaf, f->access, old, new);

	if (f->cmpxchg_fail)
		ret = f->cmpxchg_fail;
	else
		ret = wmem_cmpxchg(&f->m, addr, old, new, cur);
	if (ret && ret != -1)
		f->cmpx_error = true;
	if (ret == -1) {
		f->races_seen++;
		f->race_level = l;
		new_attempt(f);
	}
	return ret;
}

static bool canonical(u64 iova, unsigned int levels)
{
	int top = levels == 5 ? 56 : 47;
	int64_t s = (int64_t)(iova << (63 - top)) >> (63 - top);

	return (u64)s == iova;
}

/* What a request may do, from the format's rules. */
static bool allows(bool user, bool write, bool exec, u32 flags, u32 access)
{
	if (access & IOASID_ACCESS_PRIV) {
		if (!(flags & IOASID_X86_64_CFG_SRE))
			return false;
		if ((access & IOASID_ACCESS_WRITE) && !write &&
		    (flags & IOASID_X86_64_CFG_WPE))
			return false;
		return !(access & IOASID_ACCESS_EXEC) || (exec && !user);
	}
	if (!user)
		return false;
	if ((access & IOASID_ACCESS_WRITE) && !write)
		return false;
	return !(access & IOASID_ACCESS_EXEC) || exec;
}

static u32 model_grant(const struct fz *f, unsigned int leaf)
{
	static const struct {
		u32 access, perm;
	} kinds[] = {
		{ IOASID_ACCESS_READ, IOASID_PT_UR },
		{ IOASID_ACCESS_WRITE, IOASID_PT_UW },
		{ IOASID_ACCESS_READ | IOASID_ACCESS_EXEC, IOASID_PT_UX },
		{ IOASID_ACCESS_READ | IOASID_ACCESS_PRIV, IOASID_PT_SR },
		{ IOASID_ACCESS_WRITE | IOASID_ACCESS_PRIV, IOASID_PT_SW },
		{ IOASID_ACCESS_READ | IOASID_ACCESS_EXEC | IOASID_ACCESS_PRIV, IOASID_PT_SX },
	};
	bool user = true, write = true, exec = true;
	u32 perm = 0;
	unsigned int l, i;

	for (l = leaf; l <= f->cfg.levels; l++) {
		user = user && (f->rval[l] & US);
		write = write && (f->rval[l] & RW);
		exec = exec && !(f->rval[l] & XD);
	}
	for (i = 0; i < 6; i++)
		if (allows(user, write, exec, f->cfg.flags, kinds[i].access))
			perm |= kinds[i].perm;
	return perm;
}


/* Outcome counters for the coverage check. */
static unsigned long seen_reason[IOASID_FAULT_WALK_LIMIT + 1];
static unsigned long seen_size[4];	/* by leaf level */
static unsigned long seen_restart_success, seen_maybe;

static bool cfg_valid(const struct ioasid_x86_64_cfg *c)
{
	return (c->levels == 4 || c->levels == 5) &&
	       c->phys_bits >= 32 && c->phys_bits <= 52 &&
	       !(c->root & ~ADDR) && !(c->root >> c->phys_bits);
}

static void check_result(struct fz *f, int ret, const struct ioasid_pt_result *r,
			 const u64 *before)
{
	unsigned int levels = f->cfg.levels, leaf = f->last_level, l;
	u32 need = ioasid_pt_need(f->access), grant;
	u64 size, v;
	size_t i, words = f->m.pages * WMEM_PAGE / 8;

	if (ret != r->fault_reason)
		violation(f, F_FAILURE, "returned %d, fault_reason %u", ret, r->fault_reason);
	if (f->attempts > 8)
		violation(f, F_BOUNDED, "%u attempts", f->attempts);
	if (f->reads > 8 * levels)
		violation(f, F_BOUNDED, "%u reads", f->reads);

	if (!cfg_valid(&f->cfg)) {
		if (ret != IOASID_FAULT_RESERVED || f->reads)
			violation(f, F_FAILURE, "invalid cfg: %d after %u reads", ret, f->reads);
		return;
	}
	if (!canonical(f->iova, levels) != (ret == IOASID_FAULT_NON_CANONICAL && !f->reads))
		violation(f, F_FAILURE, "canonical %d, returned %d",
			  canonical(f->iova, levels), ret);

	if (!ret) {
		seen_size[leaf]++;
		if (f->attempts > 1)
			seen_restart_success++;
		if (r->maybe)
			seen_maybe++;
		size = lsize(leaf);
		v = f->rval[leaf];
		if (f->last_ret || !(v & P) || (leaf > 1 && !(v & PS)) || leaf > 3)
			violation(f, F_SUCCESS, "success after a bad last entry %#" PRIx64
				  " at level %u", v, leaf);
		if (r->page_size != size)
			violation(f, F_SUCCESS, "page_size %#" PRIx64 ", leaf at level %u",
				  r->page_size, leaf);
		if (size != SZ_4K && !(f->cfg.pgsize_bitmap & size))
			violation(f, F_SUCCESS, "page_size %#" PRIx64 " not declared", size);
		if (r->out >> f->cfg.phys_bits)
			violation(f, F_SUCCESS, "out %#" PRIx64 " above phys_bits", r->out);
		if (r->out != ((v & ADDR & ~(size - 1)) | (f->iova & (size - 1))))
			violation(f, F_SUCCESS, "out %#" PRIx64 " from leaf %#" PRIx64,
				  r->out, v);
		if ((need & r->perm) != need)
			violation(f, F_SUCCESS, "perm %#x lacks %#x", r->perm, need);
		grant = model_grant(f, leaf);
		if ((r->perm | r->maybe) != grant || (r->perm & r->maybe))
			violation(f, F_SUCCESS, "perm %#x maybe %#x, model %#x",
				  r->perm, r->maybe, grant);
		if (r->maybe & ~(IOASID_PT_UW | IOASID_PT_SW))
			violation(f, F_SUCCESS, "maybe %#x", r->maybe);
		if (r->maybe && (!(f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE) ||
				 (f->access & IOASID_ACCESS_WRITE) || (v & D)))
			violation(f, F_SUCCESS, "maybe %#x with flags %#x leaf %#" PRIx64,
				  r->maybe, f->cfg.flags, v);
		if (r->fault_level)
			violation(f, F_SUCCESS, "fault_level %u on success", r->fault_level);
		if (f->cmpx_error)
			violation(f, F_SUCCESS, "success after a failed update");
		if ((f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE) &&
		    !(f->access & IOASID_ACCESS_WRITE) && !(v & D) &&
		    (r->perm & (IOASID_PT_UW | IOASID_PT_SW)))
			violation(f, F_SUCCESS, "perm %#x for a read of a leaf without D",
				  r->perm);
		/* No entry on the way had a reserved bit. */
		for (l = leaf; l <= levels; l++) {
			u64 e = f->rval[l];

			if ((e & ADDR) >> f->cfg.phys_bits)
				violation(f, F_SUCCESS, "level %u: %#" PRIx64 " above phys_bits",
					  l, e);
			if (l > 3 && (e & PS))
				violation(f, F_SUCCESS, "level %u: PS in %#" PRIx64, l, e);
		}
		if (leaf > 1 && (v & (size - 1) & ~0x1fffULL))
			violation(f, F_SUCCESS, "misaligned leaf %#" PRIx64, v);
	} else {
		int cmpx_reason = f->cmpxchg_fail > 0 ? f->cmpxchg_fail :
				  IOASID_FAULT_AD_UPDATE;
		bool from_cmpxchg = f->cmpx_error && f->cmpx_level && ret == cmpx_reason;

		if (ret < 1 || ret > IOASID_FAULT_WALK_LIMIT ||
		    (!from_cmpxchg && (ret < IOASID_FAULT_PERMISSION ||
				       ret == IOASID_FAULT_NOT_BOUND)))
			violation(f, F_FAILURE, "reason %d", ret);
		else
			seen_reason[ret]++;
		if (r->fault_level < 1 || r->fault_level > levels)
			violation(f, F_FAILURE, "fault_level %u", r->fault_level);
		if (r->out || r->page_size)
			violation(f, F_FAILURE, "out %#" PRIx64 " page_size %#" PRIx64,
				  r->out, r->page_size);
		if (from_cmpxchg) {
			if (r->fault_level != f->cmpx_level)
				violation(f, F_FAILURE, "%d from cmpxchg at %u, fault_level %u",
					  ret, f->cmpx_level, r->fault_level);
			ret = -ret;	/* nothing more to check */
		}
		switch (ret) {
		case IOASID_FAULT_NON_CANONICAL:
			if (f->reads || r->fault_level != levels)
				violation(f, F_FAILURE, "non-canonical at %u after %u reads",
					  r->fault_level, f->reads);
			break;
		case IOASID_FAULT_NOT_PRESENT:
			if (r->fault_level != leaf || f->last_ret || (f->rval[leaf] & P))
				violation(f, F_FAILURE, "not present at %u, last read %u: %#" PRIx64,
					  r->fault_level, leaf, f->rval[leaf]);
			break;
		case IOASID_FAULT_RESERVED:
		case IOASID_FAULT_PERMISSION:
			if (r->fault_level != leaf || f->last_ret || f->cmpx_level)
				violation(f, F_FAILURE, "%d at %u, last read at %u", ret,
					  r->fault_level, leaf);
			if (ret == IOASID_FAULT_PERMISSION &&
			    (need & model_grant(f, leaf)) == need)
				violation(f, F_FAILURE, "permission fault, model grants %#x",
					  model_grant(f, leaf));
			if (ret == IOASID_FAULT_PERMISSION && r->perm != model_grant(f, leaf) &&
			    (r->perm | r->maybe) != model_grant(f, leaf))
				violation(f, F_FAILURE, "permission fault perm %#x, model %#x",
					  r->perm, model_grant(f, leaf));
			break;
		case IOASID_FAULT_TABLE:
		case IOASID_FAULT_WALK_LIMIT:
			if (f->last_ret != ret || r->fault_level != leaf)
				violation(f, F_FAILURE, "%d at %u, last read returned %d at %u",
					  ret, r->fault_level, f->last_ret, leaf);
			break;
		case IOASID_FAULT_AD_UPDATE:
			if (!(f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE) || f->attempts != 8 ||
			    r->fault_level != f->race_level)
				violation(f, F_FAILURE, "AD_UPDATE at %u after %u attempts, last race at %u",
					  r->fault_level, f->attempts, f->race_level);
			break;
		}
		ret = ret < 0 ? -ret : ret;
	}

	/* Memory: without AD nothing changes; with it only A and D, 0 to 1. */
	if (f->writer_changed || f->m.races_done)
		return;
	for (i = 0; i < words; i++) {
		u64 was = before[i], now = f->m.buf[i];

		if (was == now)
			continue;
		if (!(f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE) ||
		    (now & ~(A | D)) != (was & ~(A | D)) || (was & ~now))
			violation(f, F_MEMORY, "word %#" PRIx64 ": %#" PRIx64 " -> %#" PRIx64,
				  f->m.base + 8 * i, was, now);
		/* A/D set by an attempt that restarted, then failed, stay. */
		if (ret && !f->races_seen)
			violation(f, F_MEMORY, "memory changed by a walk failing with %d", ret);
	}
	/* A successful walk leaves A in every entry of its path. */
	if (!ret && (f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE) && !f->m.races_done)
		for (l = leaf; l <= levels; l++)
			if (!(wmem_get(&f->m, f->raddr[l]) & A))
				violation(f, F_MEMORY, "no A at level %u after success", l);
}

/* A random entry: mostly a pointer into the memory, with random flags. */
static u64 random_entry(struct fz *f, u64 self_page)
{
	u64 e, page;
	unsigned int b;

	switch (rnd_below(10)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		page = self_page;	/* a loop */
		break;
	case 3:
		page = rnd() & ADDR & ((1ULL << f->cfg.phys_bits) - 1);
		break;
	default:
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		break;
	}
	e = page | (rnd() & (P | RW | US | A | D | XD));
	if (chance(85))
		e |= P;
	if (chance(25))
		e |= PS;
	if (chance(70))
		e |= RW | US;
	if (chance(70))
		e &= ~XD;
	if (chance(10))
		e |= rnd() & 0x7ff0000000000f00ULL;	/* ignored bits */
	if (chance(5)) {
		b = rnd_below(64);
		e ^= 1ULL << b;
	}
	if (chance(10))		/* low bits of a large page */
		e |= rnd() & 0x3fffe000ULL & (chance(50) ? 0x1000 : ~0ULL);
	return e;
}

/* Fill the memory, maybe with a mostly valid path for f->iova. */
static void fill(struct fz *f)
{
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	unsigned int mode = rnd_below(4), l, leaf;
	u64 table, addr, page;

	for (i = 0; i < words; i++) {
		page = f->m.base + (i * 8 & ~(WMEM_PAGE - 1));
		f->m.buf[i] = mode == 0 ? rnd() : random_entry(f, page);
	}
	if (mode != 3 || !cfg_valid(&f->cfg))
		return;
	/* A valid path, then a few bit flips. */
	leaf = 1 + rnd_below(3);
	table = f->cfg.root;
	for (l = f->cfg.levels; l >= 1; l--) {
		addr = table + 8 * idx(f->iova, l);
		if (addr < f->m.base || addr >= f->m.base + wmem_size(&f->m))
			return;
		if (l == leaf) {
			page = rnd() & ADDR & ((1ULL << f->cfg.phys_bits) - 1) &
			       ~(lsize(l) - 1);
			wmem_set(&f->m, addr, page | P | RW | US |
				 (l > 1 ? PS : 0) | (rnd() & (A | D | XD)));
			break;
		}
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		wmem_set(&f->m, addr, page | P | RW | US | (rnd() & (A | XD)));
		table = page;
	}
	for (i = rnd_below(3); i > 0; i--)
		f->m.buf[rnd_below(words)] ^= 1ULL << rnd_below(64);
}

static u64 random_iova(unsigned int levels)
{
	u64 iova = rnd();
	unsigned int top = levels == 5 ? 56 : 47;

	if (chance(90))		/* canonical */
		iova = (u64)((int64_t)(iova << (63 - top)) >> (63 - top));
	if (chance(30))		/* low addresses, where tables often are */
		iova &= 0xffffffffULL;
	return iova;
}

static u32 random_access(void)
{
	static const u32 kinds[] = {
		IOASID_ACCESS_READ, IOASID_ACCESS_WRITE,
		IOASID_ACCESS_READ | IOASID_ACCESS_EXEC,
	};
	u32 a = kinds[rnd_below(3)];

	if (chance(40))
		a |= IOASID_ACCESS_PRIV;
	if (chance(2))
		a = rnd_below(16);
	return a;
}

static void random_cfg(struct fz *f)
{
	static const u64 sizes[] = { SZ_4K, SZ_4K | SZ_2M, SZ_4K | SZ_1G,
				     SZ_4K | SZ_2M | SZ_1G, 0 };
	u64 limit;

	f->cfg.levels = chance(50) ? 4 : 5;
	f->cfg.phys_bits = 32 + rnd_below(21);
	f->cfg.flags = rnd() & (IOASID_X86_64_CFG_AD_UPDATE | IOASID_X86_64_CFG_SRE |
				IOASID_X86_64_CFG_WPE);
	f->cfg.pgsize_bitmap = sizes[rnd_below(5)];
	limit = 1ULL << f->cfg.phys_bits;
	f->m.pages = 1 + rnd_below(MAX_PAGES);
	f->m.base = chance(50) ? 0 : rnd_below((limit - wmem_size(&f->m)) / WMEM_PAGE + 1) * WMEM_PAGE;
	if (chance(95))
		f->cfg.root = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
	else
		f->cfg.root = rnd() & ADDR & (limit - 1);
	if (chance(1)) {	/* invalid: the walker refuses it */
		switch (rnd_below(3)) {
		case 0:
			f->cfg.levels = rnd_below(8);
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
	f->m.race_bits = 1ULL << 52;
	if (chance(10))
		f->cmpxchg_fail = chance(80) ? IOASID_FAULT_AD_UPDATE :
				  (int)rnd_below(14) - 3;
	if (chance(10)) {
		f->read_fail_at = 1 + rnd_below(5);
		f->read_fail = chance(50) ? IOASID_FAULT_WALK_LIMIT : IOASID_FAULT_TABLE;
	}
	if (chance(15)) {
		f->m.races = chance(20) ? 100 : 1 + rnd_below(8);
		f->m.race_bits = chance(70) ? 1ULL << 52 :
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
	f->injected_read_fault = 0;
	f->last_ret = 0;
	f->last_level = f->cfg.levels;
	f->race_level = 0;
	new_attempt(f);
	memcpy(before, f->m.buf, wmem_size(&f->m));

	memset(&r, 0x5a, sizeof(r));
	ret = ioasid_x86_64_walk(&f->cfg, f->iova, f->access, &io, &r);
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
	const struct ioasid_x86_64_cfg *c = &it->f->cfg;
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
		if (!valid || (ps != SZ_4K && ps != SZ_2M && ps != SZ_1G) ||
		    (ps != SZ_4K && !(c->pgsize_bitmap & ps))) {
			violation(f, F_ITER_ITEMS, "item %u: page_size %#" PRIx64, i, ps);
			continue;
		}
		seen_iter_size[ps == SZ_4K ? 1 : ps == SZ_2M ? 2 : 3]++;
		if (l->update)
			seen_iter_update++;
		/* The whole leaf, clipped to the range. */
		if (l->first != ((l->first & ~(ps - 1)) > it->start ?
				 (l->first & ~(ps - 1)) : it->start) ||
		    l->last != ((l->first | (ps - 1)) < it->last ?
				(l->first | (ps - 1)) : it->last))
			violation(f, F_ITER_ITEMS, "item %u [%#" PRIx64 ", %#" PRIx64
				  "] is not a whole %#" PRIx64 " leaf", i, l->first, l->last, ps);
		if ((l->out & (ps - 1)) != (l->first & (ps - 1)) || l->out >> c->phys_bits)
			violation(f, F_ITER_ITEMS, "item %u: out %#" PRIx64 " for %#" PRIx64,
				  i, l->out, l->first);
		if ((l->perm & l->maybe) || (l->maybe & ~(IOASID_PT_UW | IOASID_PT_SW)) ||
		    (l->perm | l->maybe) & ~IOASID_PT_ALL ||
		    (l->update & ~(IOASID_PT_SET_A | IOASID_PT_SET_D)) ||
		    (!(c->flags & IOASID_X86_64_CFG_AD_UPDATE) && (l->maybe || l->update)) ||
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
	bool ad = f->cfg.flags & IOASID_X86_64_CFG_AD_UPDATE;
	bool write;
	struct ioasid_pt_result r;
	u32 access;
	int ret;

	access = random_access();
	if (!(access & (IOASID_ACCESS_READ | IOASID_ACCESS_WRITE)))
		access |= IOASID_ACCESS_READ;
	write = access & IOASID_ACCESS_WRITE;
	f->m.cmpxchgs = 0;
	ret = ioasid_x86_64_walk(&f->cfg, a, access, &io, &r);
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
	unsigned int top = f->cfg.levels == 5 ? 56 : 47;
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
	case 2:		/* across an end of the non-canonical hole */
		*start = (chance(50) ? 1ULL << top : -(1ULL << top)) - rnd_below(SZ_1G);
		*last = sat_add(*start, len);
		break;
	case 3:		/* empty */
		*start = rnd() | 1;
		*last = *start - 1 - rnd_below(*start);
		break;
	default:
		*start = random_iova(f->cfg.levels == 5 ? 5 : 4);
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

	ret = ioasid_x86_64_iterate(&f->cfg, it->start, it->last, &io, fzi_item, it);
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
		f.iova = random_iova(f.cfg.levels >= 5 ? 5 : 4);
		fill(&f);
		for (w = 0; w < WALKS_PER_FILL; w++) {
			snprintf(where, sizeof(where), "walk %u", w);
			if (w && chance(50))
				f.iova = chance(50) ? random_iova(f.cfg.levels >= 5 ? 5 : 4) :
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
	ksft_print_msg("successes by leaf level: 4K %lu, 2M %lu, 1G %lu; after a restart %lu; with maybe %lu\n",
		       seen_size[1], seen_size[2], seen_size[3], seen_restart_success, seen_maybe);
	ksft_print_msg("faults: permission %lu, not present %lu, reserved %lu, non-canonical %lu, table %lu, A/D %lu, walk limit %lu; root loops %lu\n",
		       seen_reason[IOASID_FAULT_PERMISSION], seen_reason[IOASID_FAULT_NOT_PRESENT],
		       seen_reason[IOASID_FAULT_RESERVED], seen_reason[IOASID_FAULT_NON_CANONICAL],
		       seen_reason[IOASID_FAULT_TABLE], seen_reason[IOASID_FAULT_AD_UPDATE],
		       seen_reason[IOASID_FAULT_WALK_LIMIT], seen_loop);
	ksft_print_msg("iterate: leaves 4K %lu, 2M %lu, 1G %lu (to update %lu); faults reserved %lu, non-canonical %lu, table %lu, walk limit %lu; cut %lu, stopped %lu\n",
		       seen_iter_size[1], seen_iter_size[2], seen_iter_size[3], seen_iter_update,
		       seen_iter_fault[IOASID_FAULT_RESERVED],
		       seen_iter_fault[IOASID_FAULT_NON_CANONICAL],
		       seen_iter_fault[IOASID_FAULT_TABLE], seen_iter_fault[IOASID_FAULT_WALK_LIMIT],
		       seen_iter_cut, seen_iter_stop);
	ksft_print_msg("iterate probes: translated %lu, permission %lu, not present %lu, reserved %lu, non-canonical %lu, table %lu\n",
		       seen_probe[0], seen_probe[IOASID_FAULT_PERMISSION],
		       seen_probe[IOASID_FAULT_NOT_PRESENT], seen_probe[IOASID_FAULT_RESERVED],
		       seen_probe[IOASID_FAULT_NON_CANONICAL], seen_probe[IOASID_FAULT_TABLE]);

	/* Every outcome must have been reached, given enough iterations. */
	if (iters >= COVERAGE_ITERS) {
		bool all = seen_size[1] && seen_size[2] && seen_size[3] &&
			   seen_restart_success && seen_maybe;

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
