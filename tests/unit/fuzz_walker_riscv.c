// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the RISC-V Sv39/Sv48/Sv57 software page-table
 * walker (module/walkers/riscv.c, compiled into this binary under ASan and
 * UBSan): random parent memory, random but mostly plausible tables
 * (pointers into the memory and at their own table, leaves of every size
 * with random R/W/X/U/A/D, Svnapot and Svpbmt encodings, reserved and
 * ignored bits, misaligned superpages), random configurations, addresses
 * and requests, injected read faults, failing and racing
 * compare-and-exchange, and a "concurrent writer" that changes entries
 * right after the walker read them. Every call the walker makes is checked
 * as it happens against a model of the format written here, every result
 * after. After the walks of each table, an iteration
 * (ioasid_riscv_iterate()) over a random range, under a budget of reads
 * and of items, sometimes with an injected read fault: its items must be
 * well formed, in order, and agree with walks of addresses in the range.
 *
 *   fuzz_walker_riscv [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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
#include "../../module/walkers/riscv.h"

#define MAX_PAGES	16
#define WALKS_PER_FILL	8
#define COVERAGE_ITERS	10000	/* enough to reach every outcome */

/* RISC-V entry bits (walker_mem.h's A and D are x86-64's). */
#define PTE_V		(1ULL << 0)
#define PTE_R		(1ULL << 1)
#define PTE_W		(1ULL << 2)
#define PTE_X		(1ULL << 3)
#define PTE_U		(1ULL << 4)
#define PTE_G		(1ULL << 5)
#define PTE_A		(1ULL << 6)
#define PTE_D		(1ULL << 7)
#define PTE_RSW		(3ULL << 8)
#define PTE_PBMT	(3ULL << 61)
#define PTE_N		(1ULL << 63)
#define PTE_RSVD	(0x7fULL << 54)
#define PTE_PPN		(((1ULL << 44) - 1) << 10)
#define PTE_RWX		(PTE_R | PTE_W | PTE_X)

#define SZ_64K		(1ULL << 16)

#define CFG_AD		IOASID_RISCV_CFG_AD_UPDATE
#define CFG_NAPOT	IOASID_RISCV_CFG_SVNAPOT
#define CFG_PBMT	IOASID_RISCV_CFG_SVPBMT
#define CFG_SUM		IOASID_RISCV_CFG_SUM

#define NREASONS	(IOASID_FAULT_ACCESS_FLAG + 1)

enum family {
	F_CALLS,	/* the walker reads and updates only what it walked */
	F_BOUNDED,	/* reads per attempt, attempts */
	F_SUCCESS,	/* a translation agrees with the entries read */
	F_FAILURE,	/* a fault agrees with the entries read */
	F_MEMORY,	/* table memory changes only by the leaf's A/D, with AD */
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

static u64 pte_addr(u64 e)
{
	return ((e & PTE_PPN) >> 10) << 12;
}

static bool cfg_valid(const struct ioasid_riscv_cfg *c)
{
	return c->levels >= 3 && c->levels <= 5 &&
	       c->phys_bits >= 32 && c->phys_bits <= 56 &&
	       !(c->root & 0xfff) && !(c->root >> c->phys_bits);
}

/* The model of an entry: what the format says it is. */
enum kind { K_NOT_PRESENT, K_RESERVED, K_POINTER, K_LEAF };

static enum kind model_entry(const struct ioasid_riscv_cfg *c, u64 e,
			     unsigned int level, u64 *size)
{
	u64 pbmt = (e & PTE_PBMT) >> 61, a = pte_addr(e);
	bool napot = e & PTE_N;

	*size = lsize(level);
	if (!(e & PTE_V))
		return K_NOT_PRESENT;
	if (e & PTE_RSVD)
		return K_RESERVED;
	if (a >> c->phys_bits)
		return K_RESERVED;
	if (pbmt && (!(c->flags & CFG_PBMT) || pbmt == 3))
		return K_RESERVED;
	if (napot && !(c->flags & CFG_NAPOT))
		return K_RESERVED;
	if (!(e & PTE_RWX)) {
		if (level == 1 || (e & (PTE_A | PTE_D | PTE_U)) || napot || pbmt)
			return K_RESERVED;
		return K_POINTER;
	}
	if ((e & PTE_W) && !(e & PTE_R))
		return K_RESERVED;
	if (napot) {
		if (level != 1 || ((a >> 12) & 0xf) != 8 || !(c->pgsize_bitmap & SZ_64K))
			return K_RESERVED;
		*size = SZ_64K;
		return K_LEAF;
	}
	if (level > 1 && !(c->pgsize_bitmap & *size))
		return K_RESERVED;
	if (a & (*size - 1))
		return K_RESERVED;
	/* The leaf's range must fit the output space. */
	if (*size > 1ULL << c->phys_bits)
		return K_RESERVED;
	return K_LEAF;
}

/* The model of what a leaf grants, rule by rule. */
static u32 model_grant(u64 e, u32 flags)
{
	bool u = e & PTE_U, sum = flags & CFG_SUM;
	u32 perm = 0;

	if (u && (e & PTE_R))
		perm |= IOASID_PT_UR;
	if (u && (e & PTE_W))
		perm |= IOASID_PT_UW;
	if (u && (e & PTE_X))
		perm |= IOASID_PT_UX;
	if ((!u || sum) && (e & PTE_R))
		perm |= IOASID_PT_SR;
	if ((!u || sum) && (e & PTE_W))
		perm |= IOASID_PT_SW;
	if (!u && (e & PTE_X))
		perm |= IOASID_PT_SX;
	return perm;
}

/* One walk's world, and what the io callbacks saw of it. */
struct fz {
	struct wmem m;
	struct ioasid_riscv_cfg cfg;
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
	enum kind last_kind;		/* the model of the last entry read */
	unsigned int nread;		/* reads in this attempt */
	u64 raddr[6], rval[6];		/* by level, this attempt */
	int last_ret;			/* the last read's return */
	unsigned int last_level;	/* the last read's level */
	unsigned int cmpx_in_attempt;	/* cmpxchgs in this attempt */
	unsigned int race_level;	/* the level of the last cmpxchg giving -1 */
	unsigned int cmpxchgs;
	unsigned int races_seen;	/* cmpxchgs that returned -1 */
	bool cmpx_error;		/* a cmpxchg returned an error */
	bool writer_changed;		/* the writer changed a word */
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
	f->cmpx_in_attempt = 0;
	memset(f->raddr, 0, sizeof(f->raddr));
	memset(f->rval, 0, sizeof(f->rval));
}

static int fz_read(void *priv, u64 addr, u64 *val)
{
	struct fz *f = priv;
	unsigned int l = f->level;
	u64 want, size;
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
	if (f->cmpx_in_attempt) {
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
	if ((*val & PTE_V) && pte_addr(*val) == (addr & ~0xfffULL))
		seen_loop++;
	/* Where a further read must go, if the walker goes on. */
	f->last_kind = model_entry(&f->cfg, *val, l, &size);
	if (f->last_kind != K_POINTER)
		f->stopped = true;
	f->table = pte_addr(*val);
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
	unsigned int leaf = f->last_level;
	u64 bits = PTE_A;
	int ret;

	f->cmpxchgs++;
	if (!(f->cfg.flags & CFG_AD))
		violation(f, F_MEMORY, "cmpxchg without AD_UPDATE");
	if (f->access & IOASID_ACCESS_WRITE)
		bits |= PTE_D;
	/* Only the leaf, as read, once an attempt, after the whole path. */
	if (f->cmpx_in_attempt || f->last_ret || f->last_kind != K_LEAF ||
	    f->nread != f->cfg.levels - leaf + 1 || addr != f->raddr[leaf] ||
	    old != f->rval[leaf] || (old & bits) == bits) {
		violation(f, F_CALLS, "cmpxchg of %#" PRIx64 " (%#" PRIx64 " -> %#" PRIx64
			  "), not the leaf of this path to update", addr, old, new);
		return IOASID_FAULT_AD_UPDATE;
	}
	f->cmpx_in_attempt++;
	if (new != (old | bits))
		violation(f, F_MEMORY, "cmpxchg at level %u (access %#x): %#" PRIx64
			  " -> %#" PRIx64, leaf, f->access, old, new);
	if (f->cmpxchg_fail)
		ret = f->cmpxchg_fail;
	else
		ret = wmem_cmpxchg(&f->m, addr, old, new, cur);
	if (ret && ret != -1)
		f->cmpx_error = true;
	if (ret == -1) {
		f->races_seen++;
		f->race_level = leaf;
		new_attempt(f);
	}
	return ret;
}

static bool canonical(u64 iova, unsigned int levels)
{
	int top = 12 + 9 * levels - 1;
	int64_t s = (int64_t)(iova << (63 - top)) >> (63 - top);

	return (u64)s == iova;
}

/* Outcome counters for the coverage check. */
static unsigned long seen_reason[NREASONS];
static unsigned long seen_size[7];	/* by leaf level; 0: 64 KiB */
static unsigned long seen_restart_success, seen_maybe;

static void check_result(struct fz *f, int ret, const struct ioasid_pt_result *r,
			 const u64 *before)
{
	unsigned int levels = f->cfg.levels, leaf = f->last_level;
	u32 need = ioasid_pt_need(f->access), grant, wbits;
	bool ad = f->cfg.flags & CFG_AD, write = f->access & IOASID_ACCESS_WRITE;
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	u64 size = 0, v;

	if (ret != r->fault_reason)
		violation(f, F_FAILURE, "returned %d, fault_reason %u", ret, r->fault_reason);
	if (f->attempts > 8)
		violation(f, F_BOUNDED, "%u attempts", f->attempts);
	if (f->reads > 8 * levels)
		violation(f, F_BOUNDED, "%u reads", f->reads);

	if (!cfg_valid(&f->cfg)) {
		if (ret != IOASID_FAULT_RESERVED || f->reads || r->fault_level)
			violation(f, F_FAILURE, "invalid cfg: %d after %u reads", ret, f->reads);
		return;
	}
	if (!canonical(f->iova, levels) != (ret == IOASID_FAULT_NON_CANONICAL && !f->reads))
		violation(f, F_FAILURE, "canonical %d, returned %d",
			  canonical(f->iova, levels), ret);

	v = f->rval[leaf];
	if (!f->last_ret && f->reads)
		model_entry(&f->cfg, v, leaf, &size);
	grant = model_grant(v, f->cfg.flags);
	wbits = grant & (IOASID_PT_UW | IOASID_PT_SW);

	if (!ret) {
		seen_size[size == SZ_64K ? 0 : leaf]++;
		if (f->attempts > 1)
			seen_restart_success++;
		if (r->maybe)
			seen_maybe++;
		if (f->last_ret || f->last_kind != K_LEAF)
			violation(f, F_SUCCESS, "success after a %s entry %#" PRIx64 " at level %u",
				  f->last_ret ? "failed" : "non-leaf", v, leaf);
		if (r->page_size != size)
			violation(f, F_SUCCESS, "page_size %#" PRIx64 ", leaf %#" PRIx64 " at level %u",
				  r->page_size, v, leaf);
		if (r->out >> f->cfg.phys_bits)
			violation(f, F_SUCCESS, "out %#" PRIx64 " above phys_bits", r->out);
		if (r->out != ((pte_addr(v) & ~(size - 1)) | (f->iova & (size - 1))))
			violation(f, F_SUCCESS, "out %#" PRIx64 " from leaf %#" PRIx64,
				  r->out, v);
		if ((need & r->perm) != need)
			violation(f, F_SUCCESS, "perm %#x lacks %#x", r->perm, need);
		/* A walk that writes gets it all; one that reads all but W without D. */
		if (write || (v & PTE_D) ? r->perm != grant || r->maybe :
		    r->perm != (grant & ~wbits) || r->maybe != (ad ? wbits : 0))
			violation(f, F_SUCCESS, "perm %#x maybe %#x, model %#x, leaf %#" PRIx64,
				  r->perm, r->maybe, grant, v);
		if (!ad && !(v & PTE_A))
			violation(f, F_SUCCESS, "success through a leaf without A");
		if (!ad && write && !(v & PTE_D))
			violation(f, F_SUCCESS, "write through a leaf without D");
		if (r->fault_level)
			violation(f, F_SUCCESS, "fault_level %u on success", r->fault_level);
		if (f->cmpx_error)
			violation(f, F_SUCCESS, "success after a failed update");
	} else {
		int cmpx_reason = f->cmpxchg_fail > 0 ? f->cmpxchg_fail :
				  IOASID_FAULT_AD_UPDATE;
		bool from_cmpxchg = f->cmpx_error && ret == cmpx_reason;

		if (ret < 1 || ret >= NREASONS || ret == IOASID_FAULT_RESOURCE ||
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
			if (r->fault_level != leaf)
				violation(f, F_FAILURE, "%d from cmpxchg at %u, fault_level %u",
					  ret, leaf, r->fault_level);
			ret = -ret;	/* nothing more to check */
		}
		switch (ret) {
		case IOASID_FAULT_NON_CANONICAL:
			if (f->reads || r->fault_level != levels)
				violation(f, F_FAILURE, "non-canonical at %u after %u reads",
					  r->fault_level, f->reads);
			break;
		case IOASID_FAULT_NOT_PRESENT:
		case IOASID_FAULT_RESERVED:
			if (r->fault_level != leaf || f->last_ret || f->cmpx_in_attempt ||
			    f->last_kind != (ret == IOASID_FAULT_NOT_PRESENT ? K_NOT_PRESENT :
					     K_RESERVED))
				violation(f, F_FAILURE, "%d at %u, last read at %u: %#" PRIx64
					  " (model %d)", ret, r->fault_level, leaf, v, f->last_kind);
			break;
		case IOASID_FAULT_ACCESS_FLAG:
			if (r->fault_level != leaf || f->last_ret || ad ||
			    f->last_kind != K_LEAF ||
			    ((v & PTE_A) && !(write && !(v & PTE_D) && (need & grant) == need)))
				violation(f, F_FAILURE, "access flag at %u, leaf %#" PRIx64 " at %u",
					  r->fault_level, v, leaf);
			break;
		case IOASID_FAULT_PERMISSION:
			if (r->fault_level != leaf || f->last_ret || f->last_kind != K_LEAF ||
			    f->cmpx_in_attempt)
				violation(f, F_FAILURE, "permission at %u, last read at %u",
					  r->fault_level, leaf);
			if (!ad && !(v & PTE_A))
				violation(f, F_FAILURE, "permission fault, not access flag");
			if (ad || write || (v & PTE_D) ?
			    (need & grant) == need : (need & grant & ~wbits) == need)
				violation(f, F_FAILURE, "permission fault, model grants %#x", grant);
			if (r->perm != ((write && ad) || (v & PTE_D) ? grant : grant & ~wbits))
				violation(f, F_FAILURE, "permission fault perm %#x maybe %#x, model %#x",
					  r->perm, r->maybe, grant);
			break;
		case IOASID_FAULT_TABLE:
		case IOASID_FAULT_WALK_LIMIT:
			if (f->last_ret != ret || r->fault_level != leaf)
				violation(f, F_FAILURE, "%d at %u, last read returned %d at %u",
					  ret, r->fault_level, f->last_ret, leaf);
			break;
		case IOASID_FAULT_AD_UPDATE:
			if (!ad || f->attempts != 8 || r->fault_level != f->race_level)
				violation(f, F_FAILURE, "AD_UPDATE at %u after %u attempts, last race at %u",
					  r->fault_level, f->attempts, f->race_level);
			break;
		}
	}

	/* Memory: without AD nothing changes; with it only A and D, 0 to 1. */
	if (f->writer_changed || f->m.races_done)
		return;
	for (i = 0; i < words; i++) {
		u64 was = before[i], now = f->m.buf[i];

		if (was == now)
			continue;
		if (!ad || (now & ~(PTE_A | PTE_D)) != (was & ~(PTE_A | PTE_D)) ||
		    (was & ~now) || f->m.base + 8 * i != f->raddr[leaf])
			violation(f, F_MEMORY, "word %#" PRIx64 ": %#" PRIx64 " -> %#" PRIx64,
				  f->m.base + 8 * i, was, now);
		if (ret && ret != -IOASID_FAULT_TABLE && ret != -IOASID_FAULT_WALK_LIMIT)
			violation(f, F_MEMORY, "memory changed by a walk failing with %d", ret);
	}
	/* A successful walk leaves A (and D for a write) in its leaf. */
	if (!ret && ad && !(wmem_get(&f->m, f->raddr[leaf]) & PTE_A))
		violation(f, F_MEMORY, "no A in the leaf after success");
	if (!ret && ad && write && !(wmem_get(&f->m, f->raddr[leaf]) & PTE_D))
		violation(f, F_MEMORY, "no D in the leaf after a write");
}

/* A random entry: mostly a pointer into the memory or a leaf. */
static u64 random_entry(struct fz *f, u64 self_page)
{
	u64 e, page;
	unsigned int lvl;

	switch (rnd_below(10)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		page = self_page;	/* a loop */
		break;
	case 3:
		page = rnd() & ((1ULL << f->cfg.phys_bits) - 1) & ~0xfffULL;
		break;
	default:
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		break;
	}
	e = ((page >> 12) << 10) | PTE_V;
	if (chance(45)) {	/* a leaf, aligned to some size */
		lvl = 1 + rnd_below(f->cfg.levels >= 1 && f->cfg.levels <= 5 ? f->cfg.levels : 3);
		e &= ~(((lsize(lvl) - 1) >> 12) << 10);
		e |= rnd() & (PTE_RWX | PTE_U | PTE_A | PTE_D);
		if (chance(60))
			e |= PTE_R | PTE_A;
		if (chance(50))
			e |= PTE_D;
		if (chance(10)) {	/* Svnapot */
			e = (e & ~(0xfULL << 10)) | (8ULL << 10) | PTE_N;
			if (chance(20))
				e ^= (rnd() & 0xfULL) << 10;
		}
	} else if (chance(10)) {
		e |= rnd() & (PTE_U | PTE_A | PTE_D);
	}
	if (chance(15))
		e &= ~PTE_V;
	if (chance(10))
		e |= rnd() & (PTE_G | PTE_RSW);		/* ignored bits */
	if (chance(8))
		e |= rnd() & PTE_PBMT;
	if (chance(3))
		e |= PTE_N;
	if (chance(3))
		e |= 1ULL << (54 + rnd_below(7));	/* reserved */
	if (chance(5))
		e ^= 1ULL << rnd_below(64);
	return e;
}

/* Fill the memory, maybe with a mostly valid path for f->iova. */
static void fill(struct fz *f)
{
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	unsigned int mode = rnd_below(4), l, leaf;
	u64 table, addr, page, e;

	for (i = 0; i < words; i++) {
		page = f->m.base + (i * 8 & ~(WMEM_PAGE - 1));
		f->m.buf[i] = mode == 0 ? rnd() : random_entry(f, page);
	}
	if (mode != 3 || !cfg_valid(&f->cfg))
		return;
	/* A valid path, then a few bit flips. */
	leaf = 1 + rnd_below(f->cfg.levels);
	table = f->cfg.root;
	for (l = f->cfg.levels; l >= 1; l--) {
		addr = table + 8 * idx(f->iova, l);
		if (addr < f->m.base || addr >= f->m.base + wmem_size(&f->m))
			return;
		if (l == leaf) {
			page = rnd() & ((1ULL << f->cfg.phys_bits) - 1) & ~(lsize(l) - 1);
			e = ((page >> 12) << 10) | PTE_V | PTE_R |
			    (rnd() & (PTE_W | PTE_X | PTE_U | PTE_A | PTE_D));
			if (chance(70))
				e |= PTE_A;
			if (l == 1 && (f->cfg.flags & CFG_NAPOT) && chance(30))
				e = (e & ~(0xfULL << 10)) | (8ULL << 10) | PTE_N;
			if ((f->cfg.flags & CFG_PBMT) && chance(30))
				e |= (rnd_below(3)) << 61;
			wmem_set(&f->m, addr, e);
			break;
		}
		page = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
		wmem_set(&f->m, addr, ((page >> 12) << 10) | PTE_V | (rnd() & PTE_G));
		table = page;
	}
	for (i = rnd_below(3); i > 0; i--)
		f->m.buf[rnd_below(words)] ^= 1ULL << rnd_below(64);
}

static u64 random_iova(unsigned int levels)
{
	u64 iova = rnd();
	unsigned int top = 12 + 9 * levels - 1;

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
	u64 limit, all;

	f->cfg.levels = 3 + rnd_below(3);
	f->cfg.phys_bits = 32 + rnd_below(25);
	f->cfg.flags = rnd() & (CFG_AD | CFG_NAPOT | CFG_PBMT | CFG_SUM);
	all = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (f->cfg.levels >= 4)
		all |= 1ULL << 39;
	if (f->cfg.levels == 5)
		all |= 1ULL << 48;
	if (f->cfg.flags & CFG_NAPOT)
		all |= SZ_64K;
	f->cfg.pgsize_bitmap = chance(50) ? all : chance(10) ? 0 :
			       ((rnd() & all) | SZ_4K);
	limit = 1ULL << f->cfg.phys_bits;
	f->m.pages = 1 + rnd_below(MAX_PAGES);
	f->m.base = chance(50) ? 0 : rnd_below((limit - wmem_size(&f->m)) / WMEM_PAGE + 1) * WMEM_PAGE;
	if (chance(95))
		f->cfg.root = f->m.base + rnd_below(f->m.pages) * WMEM_PAGE;
	else
		f->cfg.root = rnd() & (limit - 1) & ~0xfffULL;
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
	f->m.race_bits = PTE_RSW;
	if (chance(10))
		f->cmpxchg_fail = chance(80) ? IOASID_FAULT_AD_UPDATE :
				  (int)rnd_below(14) - 3;
	if (chance(10)) {
		f->read_fail_at = 1 + rnd_below(6);
		f->read_fail = chance(50) ? IOASID_FAULT_WALK_LIMIT : IOASID_FAULT_TABLE;
	}
	if (chance(15)) {
		f->m.races = chance(20) ? 100 : 1 + rnd_below(8);
		f->m.race_bits = chance(70) ? PTE_RSW :
				 chance(50) ? (PTE_A | PTE_D) : 1ULL << rnd_below(64);
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
	f->last_kind = K_NOT_PRESENT;
	f->last_level = f->cfg.levels;
	f->race_level = 0;
	new_attempt(f);
	memcpy(before, f->m.buf, wmem_size(&f->m));

	memset(&r, 0x5a, sizeof(r));
	ret = ioasid_riscv_walk(&f->cfg, f->iova, f->access, &io, &r);
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
 * look at, so each one runs under a budget of reads, after which the reads
 * fail with WALK_LIMIT, and of items, after which the callback stops it.
 * Walks check it only before the first item an injected or budget read
 * fault made.
 */
#define ITER_BUDGET	1024	/* reads */
#define ITER_ITEMS	512	/* items */
#define ITER_PROBES	24	/* addresses walked */

#include "fuzz_walker_iter.h"

static unsigned long seen_iter_size[7], seen_iter_fault[NREASONS];
static unsigned long seen_iter_cut, seen_iter_stop, seen_iter_update;
static unsigned long seen_probe[NREASONS];

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

static unsigned int size_slot(u64 ps)
{
	switch (ps) {
	case SZ_64K:
		return 0;
	case 1ULL << 12:
		return 1;
	case 1ULL << 21:
		return 2;
	case 1ULL << 30:
		return 3;
	case 1ULL << 39:
		return 4;
	case 1ULL << 48:
		return 5;
	default:
		return 6;
	}
}

static void check_items(struct fzi *it, int ret)
{
	const struct ioasid_riscv_cfg *c = &it->f->cfg;
	struct fz *f = it->f;
	bool valid = cfg_valid(c), ad = c->flags & CFG_AD;
	unsigned int i, slot;

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
		u64 ps = l->page_size, span;

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
			     l->fault_reason != IOASID_FAULT_WALK_LIMIT &&
			     (l->fault_reason != IOASID_FAULT_ACCESS_FLAG || ad)) ||
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
		slot = size_slot(ps);
		if (!valid || slot == 6 || (slot > 1 && !(c->pgsize_bitmap & ps)) ||
		    (!slot && (!(c->pgsize_bitmap & ps) || !(c->flags & CFG_NAPOT))) ||
		    (slot >= 2 && slot - 1 > c->levels)) {
			violation(f, F_ITER_ITEMS, "item %u: page_size %#" PRIx64, i, ps);
			continue;
		}
		seen_iter_size[slot]++;
		if (l->update)
			seen_iter_update++;
		/* The whole entry's range, clipped (a NAPOT entry's is 4 KiB). */
		span = slot ? ps : 1ULL << 12;
		if (l->first != ((l->first & ~(span - 1)) > it->start ?
				 (l->first & ~(span - 1)) : it->start) ||
		    l->last != ((l->first | (span - 1)) < it->last ?
				(l->first | (span - 1)) : it->last))
			violation(f, F_ITER_ITEMS, "item %u [%#" PRIx64 ", %#" PRIx64
				  "] is not a whole %#" PRIx64 " entry", i, l->first, l->last, span);
		if ((l->out & (ps - 1)) != (l->first & (ps - 1)) || l->out >> c->phys_bits)
			violation(f, F_ITER_ITEMS, "item %u: out %#" PRIx64 " for %#" PRIx64,
				  i, l->out, l->first);
		if ((l->perm & l->maybe) || (l->maybe & ~(IOASID_PT_UW | IOASID_PT_SW)) ||
		    (l->perm | l->maybe) & ~IOASID_PT_ALL ||
		    (l->perm & IOASID_PT_SX && l->perm & (IOASID_PT_UR | IOASID_PT_UW |
							  IOASID_PT_UX)) ||
		    (l->update & ~(IOASID_PT_SET_A | IOASID_PT_SET_D)) ||
		    (!ad && (l->maybe || l->update)) ||
		    (ad && !!l->maybe != !!(l->update & IOASID_PT_SET_D) &&
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
	bool ad = f->cfg.flags & CFG_AD;
	bool write;
	struct ioasid_pt_result r;
	u32 access;
	int ret;

	access = random_access();
	if (!(access & (IOASID_ACCESS_READ | IOASID_ACCESS_WRITE)))
		access |= IOASID_ACCESS_READ;
	write = access & IOASID_ACCESS_WRITE;
	f->m.cmpxchgs = 0;
	f->m.races = 0;
	f->m.cmpxchg_fail = 0;
	ret = ioasid_riscv_walk(&f->cfg, a, access, &io, &r);
	memcpy(f->m.buf, snap, wmem_size(&f->m));
	if (ret >= 0 && ret < NREASONS)
		seen_probe[ret]++;

	if (ret == IOASID_FAULT_ACCESS_FLAG && l && !l->fault_reason) {
		/* D clear, without AD: the item grants no such write. */
		if (ad || !write || ioasid_pt_permits(l->perm, access))
			violation(f, F_ITER_WALK, "%#" PRIx64 " access %#x: access flag, item perm %#x",
				  a, access, l->perm);
		return;
	}
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
	case IOASID_FAULT_ACCESS_FLAG:
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
	unsigned int top = 12 + 9 * (f->cfg.levels >= 3 && f->cfg.levels <= 5 ?
				     f->cfg.levels : 4) - 1;
	u64 len = rnd_below(1ULL << rnd_below(50));

	switch (rnd_below(6)) {
	case 0:
		*start = chance(50) ? 0 : rnd_below(1ULL << 30);
		*last = chance(50) ? ~0ULL : rnd();
		break;
	case 1:		/* around the address the table has a path for */
		*start = f->iova - rnd_below((1ULL << 21) << rnd_below(20));
		*last = sat_add(f->iova, rnd_below((1ULL << 21) << rnd_below(20)));
		break;
	case 2:		/* across an end of the non-canonical hole */
		*start = (chance(50) ? 1ULL << top : -(1ULL << top)) - rnd_below(1ULL << 30);
		*last = sat_add(*start, len);
		break;
	case 3:		/* empty */
		*start = rnd() | 1;
		*last = *start - 1 - rnd_below(*start);
		break;
	default:
		*start = random_iova(top == 38 ? 3 : top == 47 ? 4 : 5);
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

	ret = ioasid_riscv_iterate(&f->cfg, it->start, it->last, &io, fzi_item, it);
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

/* The ALLOC/BIND helpers against a model, on random input. */
static void fuzz_config_bind(struct fz *f)
{
	struct ioasid_format_riscv d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_RISCV },
	};
	struct ioasid_riscv_cfg cfg, copy;
	u64 all, pg, root, root1;
	int ret, want;
	u32 flags;

	d.flags = chance(80) ? rnd() & 7 : (u32)rnd();
	d.levels = chance(80) ? 3 + rnd_below(3) : rnd_below(8);
	d.phys_bits = chance(80) ? 32 + rnd_below(25) : rnd_below(64);
	d.__reserved = chance(5) ? (u32)rnd() : 0;
	all = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (d.levels >= 4)
		all |= 1ULL << 39;
	if (d.levels >= 5)
		all |= 1ULL << 48;
	if (d.flags & IOASID_RISCV_SVNAPOT)
		all |= SZ_64K;
	d.pgsize_bitmap = chance(30) ? 0 : chance(70) ? (rnd() & all) | (chance(90) ? 1ULL << 12 : 0) :
			  rnd();
	pg = d.pgsize_bitmap ? d.pgsize_bitmap : all;
	if ((d.flags & ~7U) || d.__reserved)
		want = -EOPNOTSUPP;
	else if (d.levels < 3 || d.levels > 5 || d.phys_bits < 32 || d.phys_bits > 56 ||
		 !(pg & (1ULL << 12)) || (pg & ~all))
		want = -EINVAL;
	else
		want = 0;
	snprintf(where, sizeof(where), "config");
	ret = ioasid_riscv_config(&cfg, &d);
	if (ret != want) {
		violation(f, F_FAILURE, "config flags %#x levels %u phys %u pgsizes %#" PRIx64
			  " reserved %#x: %d, model %d", d.flags, d.levels, d.phys_bits,
			  (u64)d.pgsize_bitmap, d.__reserved, ret, want);
		return;
	}
	if (ret)
		return;
	if (cfg.root || cfg.levels != d.levels || cfg.phys_bits != d.phys_bits ||
	    cfg.flags != d.flags || cfg.pgsize_bitmap != pg)
		violation(f, F_FAILURE, "config decoded wrong");

	flags = chance(80) ? rnd() & IOASID_BIND_RISCV_SUM : (u32)rnd();
	root = chance(80) ? rnd() & ((1ULL << d.phys_bits) - 1) & ~0xfffULL : rnd();
	root1 = chance(90) ? 0 : rnd();
	if (flags & ~IOASID_BIND_RISCV_SUM)
		want = -EOPNOTSUPP;
	else if ((root & 0xfff) || (root >> d.phys_bits) || root1)
		want = -EINVAL;
	else
		want = 0;
	copy = cfg;
	snprintf(where, sizeof(where), "bind");
	ret = ioasid_riscv_bind(&cfg, flags, root, root1);
	if (ret != want)
		violation(f, F_FAILURE, "bind %#x root %#" PRIx64 " root1 %#" PRIx64
			  ": %d, model %d", flags, root, root1, ret, want);
	else if (ret && memcmp(&copy, &cfg, sizeof(cfg)))
		violation(f, F_FAILURE, "a failed bind changed the cfg");
	else if (!ret && (cfg.root != root || cfg.flags != (copy.flags |
		 (flags & IOASID_BIND_RISCV_SUM ? CFG_SUM : 0))))
		violation(f, F_FAILURE, "bind applied wrong");
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
		fuzz_config_bind(&f);
		random_cfg(&f);
		f.iova = random_iova(f.cfg.levels >= 3 && f.cfg.levels <= 5 ? f.cfg.levels : 4);
		fill(&f);
		for (w = 0; w < WALKS_PER_FILL; w++) {
			snprintf(where, sizeof(where), "walk %u", w);
			if (w && chance(50))
				f.iova = chance(50) ?
					 random_iova(f.cfg.levels >= 3 && f.cfg.levels <= 5 ?
						     f.cfg.levels : 4) :
					 f.iova ^ rnd_below(1ULL << 21);
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
	ksft_print_msg("successes by leaf: 4K %lu, 64K %lu, 2M %lu, 1G %lu, 512G %lu, 256T %lu; after a restart %lu; with maybe %lu\n",
		       seen_size[1], seen_size[0], seen_size[2], seen_size[3], seen_size[4],
		       seen_size[5], seen_restart_success, seen_maybe);
	ksft_print_msg("faults: permission %lu, not present %lu, reserved %lu, non-canonical %lu, table %lu, A/D %lu, walk limit %lu, access flag %lu; root loops %lu\n",
		       seen_reason[IOASID_FAULT_PERMISSION], seen_reason[IOASID_FAULT_NOT_PRESENT],
		       seen_reason[IOASID_FAULT_RESERVED], seen_reason[IOASID_FAULT_NON_CANONICAL],
		       seen_reason[IOASID_FAULT_TABLE], seen_reason[IOASID_FAULT_AD_UPDATE],
		       seen_reason[IOASID_FAULT_WALK_LIMIT], seen_reason[IOASID_FAULT_ACCESS_FLAG],
		       seen_loop);
	ksft_print_msg("iterate: leaves 4K %lu, 64K %lu, 2M %lu, 1G %lu, 512G %lu, 256T %lu (to update %lu); faults reserved %lu, non-canonical %lu, table %lu, walk limit %lu, access flag %lu; cut %lu, stopped %lu\n",
		       seen_iter_size[1], seen_iter_size[0], seen_iter_size[2], seen_iter_size[3],
		       seen_iter_size[4], seen_iter_size[5], seen_iter_update,
		       seen_iter_fault[IOASID_FAULT_RESERVED],
		       seen_iter_fault[IOASID_FAULT_NON_CANONICAL],
		       seen_iter_fault[IOASID_FAULT_TABLE], seen_iter_fault[IOASID_FAULT_WALK_LIMIT],
		       seen_iter_fault[IOASID_FAULT_ACCESS_FLAG], seen_iter_cut, seen_iter_stop);
	ksft_print_msg("iterate probes: translated %lu, permission %lu, not present %lu, reserved %lu, non-canonical %lu, table %lu, access flag %lu\n",
		       seen_probe[0], seen_probe[IOASID_FAULT_PERMISSION],
		       seen_probe[IOASID_FAULT_NOT_PRESENT], seen_probe[IOASID_FAULT_RESERVED],
		       seen_probe[IOASID_FAULT_NON_CANONICAL], seen_probe[IOASID_FAULT_TABLE],
		       seen_probe[IOASID_FAULT_ACCESS_FLAG]);

	/* Every outcome must have been reached, given enough iterations. */
	if (iters >= COVERAGE_ITERS) {
		bool all = seen_restart_success && seen_maybe;

		for (w = 0; w <= 3; w++)
			if (!seen_size[w] || !seen_iter_size[w])
				all = false;
		for (w = IOASID_FAULT_PERMISSION; w < NREASONS; w++)
			if (w != IOASID_FAULT_NOT_BOUND && w != IOASID_FAULT_RESOURCE &&
			    !seen_reason[w])
				all = false;
		for (w = IOASID_FAULT_RESERVED; w < NREASONS; w++)
			if (w != IOASID_FAULT_AD_UPDATE && w != IOASID_FAULT_RESOURCE &&
			    !seen_iter_fault[w])
				all = false;
		for (w = 0; w < NREASONS; w++)
			if ((w == 0 || w >= IOASID_FAULT_PERMISSION) &&
			    w != IOASID_FAULT_NOT_BOUND && w != IOASID_FAULT_AD_UPDATE &&
			    w != IOASID_FAULT_WALK_LIMIT && w != IOASID_FAULT_RESOURCE &&
			    !seen_probe[w])
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
