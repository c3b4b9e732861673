// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the Arm VMSAv8-64 stage-1 software walker
 * (module/walkers/arm64.c, compiled into this binary under ASan and
 * UBSan): random parent memory, random but mostly plausible descriptors
 * (tables pointing into the memory and at themselves, blocks, pages,
 * reserved, AP/XN/APTable bits, AF, DBM), random configurations of both
 * halves (granules, sizes, EPD, TBI, HA, HD, output sizes), addresses and
 * requests, injected read faults, failing and racing compare-and-exchange,
 * and a "concurrent writer" that changes descriptors right after the
 * walker read them. Every call the walker makes is checked as it happens;
 * every result is compared with a reference model written here from the
 * Arm ARM (on the memory as it was, when nothing interfered), or checked
 * against what was read (when something did). After the walks of each
 * table, an iteration (ioasid_arm64_iterate()) over a random range, under
 * a budget of reads and of items, sometimes with an injected read fault:
 * its items must be well formed, in order, and agree with walks.
 *
 *   fuzz_walker_arm64 [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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
#include "../../module/walkers/arm64.h"

#define MAX_PAGES	48	/* 192 KiB: three 64 KiB tables */
#define WALKS_PER_FILL	8
#define COVERAGE_ITERS	5000	/* enough to reach every outcome */
#define NREASONS	(IOASID_FAULT_ACCESS_FLAG + 1)

/* Descriptor bits, from the Arm ARM. */
#define V		(1ULL << 0)
#define T		(1ULL << 1)
#define AP1		(1ULL << 6)
#define AP2		(1ULL << 7)
#define AF		(1ULL << 10)
#define DBM		(1ULL << 51)
#define PXN		(1ULL << 53)
#define UXN		(1ULL << 54)
#define PXNT		(1ULL << 59)
#define UXNT		(1ULL << 60)
#define APT0		(1ULL << 61)
#define APT1		(1ULL << 62)
#define OA		0x0000fffffffff000ULL
#define SZ_64K		(1ULL << 16)

#define HA		IOASID_ARM64_HA
#define HD		IOASID_ARM64_HD

enum family {
	F_CALLS,	/* the walker reads and updates only what it walked */
	F_BOUNDED,	/* reads per attempt, attempts */
	F_SUCCESS,	/* a translation agrees with the model */
	F_FAILURE,	/* a fault agrees with the model */
	F_MEMORY,	/* memory changes only by AF and AP[2], as the model says */
	F_ITER_ITEMS,	/* iteration: items well formed, in order, no writes */
	F_ITER_WALK,	/* iteration: items agree with walks in the range */
	F_COVERAGE,	/* the fuzzer reached every outcome */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"walker_fuzz_arm64.calls_follow_the_tables",
	"walker_fuzz_arm64.bounded",
	"walker_fuzz_arm64.success_consistent",
	"walker_fuzz_arm64.failure_consistent",
	"walker_fuzz_arm64.memory_changes_only_by_af_dbm",
	"walker_fuzz_arm64.iterate_items_well_formed",
	"walker_fuzz_arm64.iterate_agrees_with_walk",
	"walker_fuzz_arm64.coverage",
};

static unsigned long failures[F_NR];
static bool verbose;

/* Geometry, written from the Arm ARM's tables. */
static unsigned int g_levels(unsigned int tsz, unsigned int g)
{
	unsigned int ia = 64 - tsz, bits = g, n = 0;

	while (bits < ia) {	/* each level resolves g - 3 more bits */
		bits += g - 3;
		n++;
	}
	return n ? n : 1;
}

static unsigned int g_shift(unsigned int g, unsigned int level)
{
	return g + (g - 3) * (level - 1);
}

static u64 g_index(const struct ioasid_arm64_half *h, u64 iova, unsigned int level)
{
	unsigned int lo = g_shift(h->granule, level);
	unsigned int hi = level == h->levels ? 64 - h->tsz : lo + h->granule - 3;

	return (iova >> lo) & ((1ULL << (hi - lo)) - 1);
}

static u64 g_root_align(const struct ioasid_arm64_half *h)
{
	u64 n = 8ULL << (64 - h->tsz - g_shift(h->granule, h->levels));

	return n < 64 ? 64 : n;
}

/* One walk's world, and what the io callbacks saw of it. */
struct fz {
	struct wmem m;
	struct ioasid_arm64_cfg cfg;
	u64 iova;
	u32 access;

	/* Injections. */
	int cmpxchg_fail;
	unsigned int read_fail_at;
	int read_fail;
	unsigned int writer_pct;

	/* Observations, per walk. */
	const struct ioasid_arm64_half *h;	/* the half bit 55 selects */
	unsigned int attempts, reads, level, nread, last_level, cmpxchgs;
	unsigned int races_seen;
	u64 table;
	bool stopped, cmpx_done, cmpx_error, writer_changed, injected;
	u64 raddr[5], rval[5];		/* by level, this attempt */
	int last_ret;
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
	printf("\n# flags %#x oas %u pgsizes %#" PRIx64 " half0 tsz %u tg %u levels %u root %#"
	       PRIx64 " half1 tsz %u tg %u levels %u root %#" PRIx64 " mem %#" PRIx64
	       "+%zu pages iova %#" PRIx64 " access %#x\n", f->cfg.flags, f->cfg.oas_bits,
	       f->cfg.pgsize_bitmap, f->cfg.half[0].tsz, f->cfg.half[0].granule,
	       f->cfg.half[0].levels, f->cfg.half[0].root, f->cfg.half[1].tsz,
	       f->cfg.half[1].granule, f->cfg.half[1].levels, f->cfg.half[1].root,
	       f->m.base, f->m.pages, f->iova, f->access);
}

/* The reference model ------------------------------------------------------ */

static bool ref_cfg_valid(const struct ioasid_arm64_cfg *c)
{
	u64 declared = 0;
	unsigned int i;

	if (c->oas_bits != 32 && c->oas_bits != 36 && c->oas_bits != 40 &&
	    c->oas_bits != 42 && c->oas_bits != 44 && c->oas_bits != 48)
		return false;
	if (c->flags & ~(u32)IOASID_ARM64_FLAGS || ((c->flags & HD) && !(c->flags & HA)))
		return false;
	for (i = 0; i < 2; i++) {
		const struct ioasid_arm64_half *h = &c->half[i];

		if (h->tsz < 16 || h->tsz > 39 ||
		    (h->granule != 12 && h->granule != 14 && h->granule != 16) ||
		    h->levels != g_levels(h->tsz, h->granule))
			return false;
		declared |= h->granule == 12 ? SZ_4K | SZ_2M | SZ_1G :
			    h->granule == 14 ? (1ULL << 14) | (1ULL << 25) :
			    (1ULL << 16) | (1ULL << 29);
		if (!(c->pgsize_bitmap & (1ULL << h->granule)))
			return false;
		if (c->flags & (i ? IOASID_ARM64_EPD1 : IOASID_ARM64_EPD0))
			continue;
		if (h->root % g_root_align(h) || h->root >= 1ULL << c->oas_bits)
			return false;
	}
	return !(c->pgsize_bitmap & ~declared);
}

/* What a walk of the memory as it is now must give. */
struct ref {
	int reason;
	unsigned int level;
	u64 out, size;
	u32 perm, maybe;
	u64 leaf_addr, leaf_old, leaf_new;	/* the update (new == old: none) */
	unsigned int reads;
};

static u32 ref_perm(u64 leaf, bool no_user, bool no_write, bool pxnt, bool uxnt)
{
	unsigned int ap = (leaf >> 6) & 3;
	bool pw = !(ap & 2), ur = ap & 1, uw = ap == 1;
	u32 perm = IOASID_PT_SR;

	if (no_user)
		ur = uw = false;
	if (no_write)
		pw = uw = false;
	perm |= pw ? IOASID_PT_SW : 0;
	perm |= ur ? IOASID_PT_UR : 0;
	perm |= uw ? IOASID_PT_UW : 0;
	if (!(leaf & UXN) && !uxnt)
		perm |= IOASID_PT_UX;
	if (!(leaf & PXN) && !pxnt && !uw)
		perm |= IOASID_PT_SX;
	return perm;
}

static bool ref_half(const struct ioasid_arm64_cfg *c, u64 iova, unsigned int *half)
{
	unsigned int i = iova >> 55 & 1;
	const struct ioasid_arm64_half *h = &c->half[i];
	u64 x = iova;

	*half = i;
	if (c->flags & (i ? IOASID_ARM64_TBI1 : IOASID_ARM64_TBI0))
		x = (x & ((1ULL << 56) - 1)) | (i ? 0xffULL << 56 : 0);
	return x >> (64 - h->tsz) == (i ? ~0ULL >> (64 - h->tsz) : 0);
}

static void ref_walk(const struct ioasid_arm64_cfg *c, struct wmem *m, u64 iova,
		     u32 access, struct ref *r)
{
	bool no_user = false, no_write = false, pxnt = false, uxnt = false;
	const struct ioasid_arm64_half *h;
	unsigned int i, level, g;
	u64 table, e = 0, addr = 0, size, need;
	u32 wperm;

	memset(r, 0, sizeof(*r));
	if (!ref_cfg_valid(c)) {
		r->reason = IOASID_FAULT_RESERVED;
		return;
	}
	if (!ref_half(c, iova, &i)) {
		r->reason = IOASID_FAULT_NON_CANONICAL;
		r->level = c->half[i].levels;
		return;
	}
	h = &c->half[i];
	g = h->granule;
	if (c->flags & (i ? IOASID_ARM64_EPD1 : IOASID_ARM64_EPD0)) {
		r->reason = IOASID_FAULT_NOT_PRESENT;
		r->level = h->levels;
		return;
	}
	table = h->root;
	for (level = h->levels; level >= 1; level--) {
		u64 *p;

		r->level = level;
		addr = table + 8 * g_index(h, iova, level);
		r->reads++;
		if (addr < m->base || addr - m->base >= wmem_size(m)) {
			r->reason = IOASID_FAULT_TABLE;
			return;
		}
		p = &m->buf[(addr - m->base) / 8];
		e = *p;
		if (!(e & V)) {
			r->reason = IOASID_FAULT_NOT_PRESENT;
			return;
		}
		if (level > 1 && (e & T)) {	/* a table */
			if ((e >> 48 & 0xf) || (e & OA) >> c->oas_bits ||
			    (e >> 12 & ((1ULL << (g - 12)) - 1))) {
				r->reason = IOASID_FAULT_RESERVED;
				return;
			}
			no_user |= !!(e & APT0);
			no_write |= !!(e & APT1);
			pxnt |= !!(e & PXNT);
			uxnt |= !!(e & UXNT);
			table = e & OA;
			continue;
		}
		break;
	}
	/* A leaf at @level. */
	size = 1ULL << g_shift(g, level);
	if ((level == 1 && !(e & T)) ||
	    (level > 1 && !(level == 2 || (g == 12 && level == 3))) ||
	    !(c->pgsize_bitmap & size) || (e >> 48 & 3) || (e & OA) >> c->oas_bits ||
	    (e & OA & (size - 1))) {
		r->reason = IOASID_FAULT_RESERVED;
		return;
	}
	r->leaf_addr = addr;
	r->leaf_old = e;
	r->leaf_new = e;
	if (!(e & AF)) {
		if (!(c->flags & HA)) {
			r->reason = IOASID_FAULT_ACCESS_FLAG;
			return;
		}
		r->leaf_new |= AF;
	}
	r->perm = ref_perm(e, no_user, no_write, pxnt, uxnt);
	if ((c->flags & HD) && (e & DBM) && (e & AP2) && !no_write) {
		wperm = ref_perm(e & ~AP2, no_user, no_write, pxnt, uxnt);
		if ((access & IOASID_ACCESS_WRITE) && ioasid_pt_permits(wperm, access)) {
			r->perm = wperm;
			r->leaf_new &= ~AP2;
		} else {
			r->maybe = wperm & (IOASID_PT_UW | IOASID_PT_SW);
		}
	}
	need = ioasid_pt_need(access);
	if ((need & r->perm) != need) {
		r->reason = IOASID_FAULT_PERMISSION;
		r->leaf_new = e;
		return;
	}
	r->size = size;
	r->out = (e & OA & ~(size - 1)) | (iova & (size - 1));
	r->level = 0;
}

/* The io callbacks ----------------------------------------------------------- */

static void new_attempt(struct fz *f)
{
	f->attempts++;
	f->level = f->h->levels;
	f->table = f->h->root;
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
	u64 want;
	int ret;

	f->reads++;
	if (f->stopped || f->cmpx_done) {
		violation(f, F_CALLS, "read %#" PRIx64 " after the path ended", addr);
		return IOASID_FAULT_TABLE;
	}
	if (l < 1) {
		violation(f, F_BOUNDED, "read %#" PRIx64 " below level 1", addr);
		return IOASID_FAULT_TABLE;
	}
	want = f->table + 8 * g_index(f->h, f->iova, l);
	if (addr != want) {
		violation(f, F_CALLS, "read %#" PRIx64 " at level %u, not %#" PRIx64,
			  addr, l, want);
		return IOASID_FAULT_TABLE;
	}
	f->nread++;
	f->last_level = l;
	if (f->read_fail_at && f->reads == f->read_fail_at) {
		f->injected = true;
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
	if ((*val & V) && (*val & OA) == (addr & OA & ~0xfffULL))
		seen_loop++;
	if (!(*val & V) || l == 1 || !(*val & T))
		f->stopped = true;
	f->table = *val & OA;
	f->level = l - 1;
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
	u64 changed = old ^ new;
	int ret;

	f->cmpxchgs++;
	if (!(f->cfg.flags & HA))
		violation(f, F_MEMORY, "cmpxchg without HA");
	if (f->cmpx_done || f->last_ret || !f->stopped || addr != f->raddr[leaf] ||
	    old != f->rval[leaf]) {
		violation(f, F_CALLS, "cmpxchg of %#" PRIx64 " (%#" PRIx64 " -> %#" PRIx64
			  "), not the leaf just read", addr, old, new);
		return IOASID_FAULT_AD_UPDATE;
	}
	f->cmpx_done = true;
	/* AF 0 -> 1 (HA); AP[2] 1 -> 0 (HD, a write through DBM). */
	if (!changed || changed & ~(AF | AP2) || (new & changed & AP2) ||
	    (old & changed & AF) ||
	    ((changed & AP2) && (!(f->cfg.flags & HD) || !(old & DBM) ||
				 !(f->access & IOASID_ACCESS_WRITE))))
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
		new_attempt(f);
	}
	return ret;
}

/* Outcome counters for the coverage check. */
static unsigned long seen_reason[NREASONS];
static unsigned long seen_size[3][4];	/* by granule, leaf level */
static unsigned long seen_restart_success, seen_maybe, seen_af_set, seen_dirtied;
static unsigned long seen_tagged, seen_half1;

static int gi(unsigned int g)
{
	return g == 12 ? 0 : g == 14 ? 1 : 2;
}

static bool quiet(const struct fz *f)
{
	return !f->writer_changed && !f->m.races_done && !f->injected &&
	       !(f->cmpxchg_fail && f->cmpxchgs);
}

static void check_result(struct fz *f, int ret, const struct ioasid_pt_result *r,
			 const u64 *before)
{
	unsigned int levels = f->h->levels, leaf = f->last_level;
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	struct wmem snap = f->m;
	u64 changed_at = 0;
	unsigned int changes = 0;
	struct ref m;

	if (ret != r->fault_reason)
		violation(f, F_FAILURE, "returned %d, fault_reason %u", ret, r->fault_reason);
	if (f->attempts > 8)
		violation(f, F_BOUNDED, "%u attempts", f->attempts);
	if (f->reads > 8 * levels)
		violation(f, F_BOUNDED, "%u reads", f->reads);
	if (ret < 0 || ret >= NREASONS)
		violation(f, F_FAILURE, "reason %d", ret);
	else
		seen_reason[ret]++;
	if (ret && (r->out || r->page_size))
		violation(f, F_FAILURE, "fault %d with out %#" PRIx64 " size %#" PRIx64,
			  ret, r->out, r->page_size);
	if (!ret && r->fault_level)
		violation(f, F_SUCCESS, "fault_level %u on success", r->fault_level);
	if (ret != IOASID_FAULT_PERMISSION && ret && (r->perm || r->maybe))
		violation(f, F_FAILURE, "fault %d with perm %#x maybe %#x", ret, r->perm,
			  r->maybe);

	/* What the model says of the memory as it was. */
	snap.buf = (u64 *)before;
	ref_walk(&f->cfg, &snap, f->iova, f->access, &m);

	if (quiet(f)) {
		if (ret != m.reason || r->fault_level != m.level)
			violation(f, ret ? F_FAILURE : F_SUCCESS,
				  "walk %d at level %u, model %d at %u", ret,
				  r->fault_level, m.reason, m.level);
		else if (r->out != m.out || r->page_size != m.size ||
			 r->perm != m.perm || r->maybe != m.maybe)
			violation(f, ret ? F_FAILURE : F_SUCCESS,
				  "out %#" PRIx64 " size %#" PRIx64 " perm %#x maybe %#x, model %#"
				  PRIx64 " %#" PRIx64 " %#x %#x", r->out, r->page_size,
				  r->perm, r->maybe, m.out, m.size, m.perm, m.maybe);
		if (f->reads != m.reads && ret != IOASID_FAULT_RESERVED)
			violation(f, F_BOUNDED, "%u reads, model %u", f->reads, m.reads);
	} else if (ret == 0) {
		/* Whatever happened, the leaf it used was the last read. */
		u64 e = f->rval[leaf];
		u64 size = 1ULL << g_shift(f->h->granule, leaf);

		if (f->last_ret || !(e & V) || r->page_size != size ||
		    r->out != ((e & OA & ~(size - 1)) | (f->iova & (size - 1))))
			violation(f, F_SUCCESS, "out %#" PRIx64 " size %#" PRIx64
				  " from leaf %#" PRIx64 " at %u", r->out, r->page_size, e, leaf);
		if (!ioasid_pt_permits(r->perm, f->access))
			violation(f, F_SUCCESS, "perm %#x for access %#x", r->perm, f->access);
	} else if (f->cmpx_error) {
		int want = f->cmpxchg_fail >= IOASID_FAULT_NOT_ATTACHED &&
			   f->cmpxchg_fail <= IOASID_FAULT_WALK_LIMIT ?
			   f->cmpxchg_fail : IOASID_FAULT_AD_UPDATE;

		if (ret != want || r->fault_level != leaf)
			violation(f, F_FAILURE, "cmpxchg failing with %d: walk %d at %u, leaf at %u",
				  f->cmpxchg_fail, ret, r->fault_level, leaf);
	} else if (ret == IOASID_FAULT_TABLE || ret == IOASID_FAULT_WALK_LIMIT) {
		if (r->fault_level != leaf || f->last_ret != ret)
			violation(f, F_FAILURE, "%d at %u, last read %d at %u", ret,
				  r->fault_level, f->last_ret, leaf);
	}
	if (ret == IOASID_FAULT_AD_UPDATE && !f->cmpxchgs)
		violation(f, F_FAILURE, "AD_UPDATE without an update");
	if (!ret) {
		seen_size[gi(f->h->granule)][leaf]++;
		if (f->attempts > 1)
			seen_restart_success++;
		if (r->maybe)
			seen_maybe++;
		if (f->iova >> 56 && f->iova >> 56 != 0xff)
			seen_tagged++;
		if (f->iova >> 55 & 1)
			seen_half1++;
	}

	/* Memory: at most the leaf, by AF and AP[2], as the model says. */
	if (f->writer_changed || f->m.races_done)
		return;
	for (i = 0; i < words; i++) {
		if (before[i] == f->m.buf[i])
			continue;
		changes++;
		changed_at = f->m.base + 8 * i;
	}
	if (!changes) {
		if (quiet(f) && !ret && m.leaf_new != m.leaf_old)
			violation(f, F_MEMORY, "no update of %#" PRIx64 ", model %#" PRIx64
				  " -> %#" PRIx64, m.leaf_addr, m.leaf_old, m.leaf_new);
		return;
	}
	if (changes > 1 || !quiet(f) || ret || changed_at != m.leaf_addr ||
	    wmem_get(&f->m, changed_at) != m.leaf_new)
		violation(f, F_MEMORY, "%u words changed (last %#" PRIx64 ": %#" PRIx64
			  "), walk %d, model update %#" PRIx64 " -> %#" PRIx64, changes,
			  changed_at, wmem_get(&f->m, changed_at), ret, m.leaf_old,
			  m.leaf_new);
	if ((m.leaf_new ^ m.leaf_old) & AF)
		seen_af_set++;
	if ((m.leaf_new ^ m.leaf_old) & AP2)
		seen_dirtied++;
}

/* Random worlds -------------------------------------------------------------- */

static unsigned int rnd_granule(void)
{
	static const unsigned int g[] = { 12, 14, 16 };

	return g[rnd_below(3)];
}

/* A random descriptor: mostly a table or leaf into the memory. */
static u64 random_entry(struct fz *f, u64 self_table, unsigned int g)
{
	u64 e, out;

	switch (rnd_below(10)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		out = self_table;	/* a loop */
		break;
	case 3:
		out = rnd() & OA & ((1ULL << f->cfg.oas_bits) - 1);
		break;
	default:
		out = f->m.base + (rnd_below(wmem_size(&f->m)) & ~((1ULL << g) - 1));
		break;
	}
	e = out | V | (chance(70) ? T : 0) | (chance(85) ? AF : 0);
	e |= rnd() & (AP1 | AP2 | PXN | UXN | DBM);
	if (chance(30))
		e |= rnd() & (APT0 | APT1 | PXNT | UXNT);
	if (chance(10))
		e &= ~V;
	if (chance(10))
		e |= rnd() & 0x87f4000000000ffcULL;	/* ignored, mostly */
	if (chance(5))
		e ^= 1ULL << rnd_below(64);
	return e;
}

/* Fill the memory, maybe with a mostly valid path for f->iova. */
static void fill(struct fz *f)
{
	size_t i, words = f->m.pages * WMEM_PAGE / 8;
	unsigned int mode = rnd_below(4), l, leaf, half = f->iova >> 55 & 1, g;
	const struct ioasid_arm64_half *h = &f->cfg.half[half];
	u64 table, addr, page, size;

	g = h->granule == 14 || h->granule == 16 ? h->granule : 12;
	for (i = 0; i < words; i++) {
		page = f->m.base + ((i * 8) & ~((1ULL << g) - 1));
		f->m.buf[i] = mode == 0 ? rnd() : random_entry(f, page, g);
	}
	if (mode != 3 || !ref_cfg_valid(&f->cfg))
		return;
	/* A valid path, then a few bit flips. */
	leaf = 1 + rnd_below(h->levels < 3 ? h->levels : 3);
	table = h->root;
	for (l = h->levels; l >= 1; l--) {
		addr = table + 8 * g_index(h, f->iova, l);
		if (addr < f->m.base || addr >= f->m.base + wmem_size(&f->m))
			return;
		if (l == leaf) {
			size = 1ULL << g_shift(g, l);
			page = rnd() & OA & ((1ULL << f->cfg.oas_bits) - 1) & ~(size - 1);
			wmem_set(&f->m, addr, page | V | (l == 1 ? T : 0) |
				 (chance(80) ? AF : 0) |
				 (rnd() & (AP1 | AP2 | PXN | UXN | DBM)));
			break;
		}
		page = f->m.base + (rnd_below(wmem_size(&f->m)) & ~((1ULL << g) - 1));
		wmem_set(&f->m, addr, page | V | T |
			 (chance(20) ? rnd() & (APT0 | APT1 | PXNT | UXNT) : 0));
		table = page;
	}
	for (i = rnd_below(3); i > 0; i--)
		f->m.buf[rnd_below(words)] ^= 1ULL << rnd_below(64);
}

static u64 random_iova(const struct fz *f)
{
	unsigned int i = chance(50);
	const struct ioasid_arm64_half *h = &f->cfg.half[i];
	unsigned int ia = 64 - (h->tsz >= 16 && h->tsz <= 39 ? h->tsz : 16);
	u64 iova = rnd() & ((1ULL << ia) - 1);

	if (chance(40))		/* low addresses of the half, where tables are */
		iova &= (1ULL << (ia - 8 - rnd_below(10))) - 1;
	if (i)
		iova |= ~((1ULL << ia) - 1);
	if (chance(15))		/* a tag */
		iova = (iova & ((1ULL << 56) - 1)) | rnd() << 56;
	if (chance(8))		/* anything */
		iova = rnd();
	if (chance(3))
		iova ^= 1ULL << (ia + rnd_below(64 - ia));
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
	static const u32 oas[] = { 32, 36, 40, 42, 44, 48 };
	struct ioasid_format_arm64 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_ARM64 },
	};
	u64 roots[2], sizes;
	unsigned int i;

	d.flags = rnd() & IOASID_ARM64_FLAGS;
	if (chance(50))
		d.flags &= ~(IOASID_ARM64_EPD0 | IOASID_ARM64_EPD1);
	if (d.flags & HD)
		d.flags |= HA;
	d.tg0 = rnd_granule();
	d.tg1 = chance(60) ? d.tg0 : rnd_granule();
	d.t0sz = chance(30) ? 16 : 16 + rnd_below(24);
	d.t1sz = chance(30) ? 16 : 16 + rnd_below(24);
	d.oas_bits = chance(50) ? 48 : oas[rnd_below(6)];
	d.pgsize_bitmap = 0;
	if (chance(40)) {
		sizes = (1ULL << d.tg0) | (1ULL << d.tg1);
		sizes |= rnd() & IOASID_ARM64_PGSIZES;
		d.pgsize_bitmap = sizes;
	}
	if (ioasid_arm64_config(&f->cfg, &d)) {
		d.pgsize_bitmap = 0;	/* sizes of a granule not declared */
		if (ioasid_arm64_config(&f->cfg, &d))
			ksft_exit_fail_msg("config %#x %u %u %u %u %u refused\n", d.flags,
					   d.t0sz, d.tg0, d.t1sz, d.tg1, d.oas_bits);
	}
	f->m.pages = 1 + rnd_below(MAX_PAGES);
	f->m.base = chance(50) ? 0 :
		    rnd_below((1ULL << d.oas_bits) / SZ_64K - 8) * SZ_64K;
	for (i = 0; i < 2; i++) {
		u64 align = g_root_align(&f->cfg.half[i]);

		if (f->cfg.flags & (i ? IOASID_ARM64_EPD1 : IOASID_ARM64_EPD0))
			roots[i] = 0;
		else if (chance(95))
			roots[i] = f->m.base + (rnd_below(wmem_size(&f->m)) & ~(align - 1));
		else
			roots[i] = rnd() & ((1ULL << d.oas_bits) - 1) & ~(align - 1);
	}
	if (ioasid_arm64_bind(&f->cfg, 0, roots[0], roots[1]))
		ksft_exit_fail_msg("bind %#" PRIx64 " %#" PRIx64 " refused\n", roots[0],
				   roots[1]);
	if (chance(1)) {	/* invalid: the walker refuses it */
		switch (rnd_below(5)) {
		case 0:
			f->cfg.half[rnd_below(2)].levels = rnd_below(8);
			break;
		case 1:
			f->cfg.oas_bits = rnd_below(64);
			break;
		case 2:
			f->cfg.half[rnd_below(2)].tsz = rnd_below(64);
			break;
		case 3:
			f->cfg.pgsize_bitmap ^= 1ULL << rnd_below(40);
			break;
		default:
			f->cfg.half[rnd_below(2)].root |= 8 << rnd_below(9);
		}
	}
}

static void one_walk(struct fz *f, u64 *before)
{
	struct ioasid_pt_io io = { .priv = f, .read = fz_read, .cmpxchg = fz_cmpxchg };
	struct ioasid_pt_result r;
	unsigned int half = f->iova >> 55 & 1;
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
				 chance(50) ? (AF | AP2) : 1ULL << rnd_below(64);
	}
	if (chance(10))
		f->writer_pct = 1 + rnd_below(50);
	f->writer_changed = false;
	f->injected = false;
	f->attempts = 0;
	f->reads = 0;
	f->cmpxchgs = 0;
	f->races_seen = 0;
	f->cmpx_error = false;
	f->last_ret = 0;
	f->h = &f->cfg.half[half];
	f->last_level = f->h->levels;
	new_attempt(f);
	memcpy(before, f->m.buf, wmem_size(&f->m));

	memset(&r, 0x5a, sizeof(r));
	ret = ioasid_arm64_walk(&f->cfg, f->iova, f->access, &io, &r);
	if (f->nread == 0 && f->attempts > 1)
		f->attempts--;
	check_result(f, ret, &r, before);
	if (verbose)
		ksft_print_msg("iova %#" PRIx64 " access %#x -> %d level %u out %#" PRIx64
			       " size %#" PRIx64 " perm %#x maybe %#x (%u attempts, %u reads)\n",
			       f->iova, f->access, ret, r.fault_level, r.out, r.page_size,
			       r.perm, r.maybe, f->attempts, f->reads);
}

/* Iterations ----------------------------------------------------------------- */

#define ITER_BUDGET	1024	/* reads */
#define ITER_ITEMS	512	/* items */
#define ITER_PROBES	24	/* addresses walked */

#include "fuzz_walker_iter.h"

static unsigned long seen_iter_size, seen_iter_fault[NREASONS];
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

static bool leaf_size_ok(const struct ioasid_arm64_cfg *c, u64 first, u64 ps)
{
	unsigned int g = c->half[first >> 55 & 1].granule;

	return (c->pgsize_bitmap & ps) &&
	       (ps == 1ULL << g || ps == 1ULL << g_shift(g, 2) ||
		(g == 12 && ps == SZ_1G));
}

static void check_items(struct fzi *it, int ret)
{
	const struct ioasid_arm64_cfg *c = &it->f->cfg;
	struct fz *f = it->f;
	bool valid = ref_cfg_valid(c);
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
		unsigned int levels = c->half[l->first >> 55 & 1].levels;
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
			     l->fault_reason != IOASID_FAULT_WALK_LIMIT &&
			     l->fault_reason != IOASID_FAULT_ACCESS_FLAG) ||
			    (valid ? l->fault_level < 1 || l->fault_level > levels :
				     l->fault_level || l->fault_reason != IOASID_FAULT_RESERVED))
				violation(f, F_ITER_ITEMS, "fault item %u: reason %u level %u out %#"
					  PRIx64 " size %#" PRIx64 " perm %#x maybe %#x update %#x",
					  i, l->fault_reason, l->fault_level, l->out, ps,
					  l->perm, l->maybe, l->update);
			else
				seen_iter_fault[l->fault_reason]++;
			continue;
		}
		if (!valid || !leaf_size_ok(c, l->first, ps)) {
			violation(f, F_ITER_ITEMS, "item %u: page_size %#" PRIx64, i, ps);
			continue;
		}
		seen_iter_size++;
		if (l->update)
			seen_iter_update++;
		if (l->first != ((l->first & ~(ps - 1)) > it->start ?
				 (l->first & ~(ps - 1)) : it->start) ||
		    l->last != ((l->first | (ps - 1)) < it->last ?
				(l->first | (ps - 1)) : it->last))
			violation(f, F_ITER_ITEMS, "item %u [%#" PRIx64 ", %#" PRIx64
				  "] is not a whole %#" PRIx64 " leaf", i, l->first, l->last, ps);
		if ((l->out & (ps - 1)) != (l->first & (ps - 1)) || l->out >> c->oas_bits)
			violation(f, F_ITER_ITEMS, "item %u: out %#" PRIx64 " for %#" PRIx64,
				  i, l->out, l->first);
		if ((l->perm & l->maybe) || (l->maybe & ~(IOASID_PT_UW | IOASID_PT_SW)) ||
		    (l->perm | l->maybe) & ~IOASID_PT_ALL || !(l->perm & IOASID_PT_SR) ||
		    (l->update & ~(IOASID_PT_SET_A | IOASID_PT_SET_D)) ||
		    (!(c->flags & HA) && l->update) ||
		    (!(c->flags & HD) && l->maybe) ||
		    !!l->maybe != !!(l->update & IOASID_PT_SET_D))
			violation(f, F_ITER_ITEMS, "item %u: perm %#x maybe %#x update %#x",
				  i, l->perm, l->maybe, l->update);
	}
}

static void probe(struct fzi *it, u64 a, const u64 *snap)
{
	struct ioasid_pt_io io = wmem_io(&it->f->m);
	struct fz *f = it->f;
	const struct ioasid_pt_leaf *l = find_item(it, a);
	struct ioasid_pt_result r;
	bool write, dirties;
	u32 access, wperm;
	int ret;

	access = random_access();
	if (!(access & (IOASID_ACCESS_READ | IOASID_ACCESS_WRITE)))
		access |= IOASID_ACCESS_READ;
	write = access & IOASID_ACCESS_WRITE;
	f->m.cmpxchgs = 0;
	f->m.races = 0;
	f->m.cmpxchg_fail = 0;
	ret = ioasid_arm64_walk(&f->cfg, a, access, &io, &r);
	if (f->m.cmpxchgs)
		memcpy(f->m.buf, snap, wmem_size(&f->m));
	if (ret >= 0 && ret < NREASONS)
		seen_probe[ret]++;

	switch (ret) {
	case 0:
	case IOASID_FAULT_PERMISSION:
		if (!l || l->fault_reason) {
			violation(f, F_ITER_WALK, "%#" PRIx64 ": walk %d, item %s %u", a, ret,
				  l ? "with fault" : "none", l ? l->fault_reason : 0);
			break;
		}
		/* A write through DBM gets the page as it is after it. */
		wperm = (l->perm | l->maybe) &
			~(l->maybe & IOASID_PT_UW ? IOASID_PT_SX : 0);
		dirties = write && l->maybe && ioasid_pt_permits(wperm, access);
		if (dirties ? r.perm != wperm || r.maybe :
			      r.perm != l->perm || r.maybe != l->maybe)
			violation(f, F_ITER_WALK, "%#" PRIx64 " access %#x: walk perm %#x maybe %#x, item %#x %#x",
				  a, access, r.perm, r.maybe, l->perm, l->maybe);
		if (ret)
			break;
		if (r.out != l->out + (a - l->first) || r.page_size != l->page_size)
			violation(f, F_ITER_WALK, "%#" PRIx64 ": walk out %#" PRIx64 " size %#" PRIx64
				  ", item [%#" PRIx64 ", %#" PRIx64 "] out %#" PRIx64 " size %#" PRIx64,
				  a, r.out, r.page_size, l->first, l->last, l->out, l->page_size);
		if (!!f->m.cmpxchgs != ((l->update & IOASID_PT_SET_A) || dirties))
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
	u64 len = rnd_below(1ULL << rnd_below(50));
	unsigned int i = chance(50);
	unsigned int ia = 64 - f->cfg.half[i].tsz % 64;

	switch (rnd_below(6)) {
	case 0:
		*start = chance(50) ? 0 : rnd_below(SZ_1G);
		*last = chance(50) ? ~0ULL : rnd();
		break;
	case 1:		/* around the address the table has a path for */
		*start = f->iova - rnd_below(SZ_2M << rnd_below(20));
		*last = sat_add(f->iova, rnd_below(SZ_2M << rnd_below(20)));
		break;
	case 2:		/* across an end of a half */
		*start = (i ? -(1ULL << (ia % 64)) : 1ULL << (ia % 64)) - rnd_below(SZ_1G);
		*last = sat_add(*start, len);
		break;
	case 3:		/* empty */
		*start = rnd() | 1;
		*last = *start - 1 - rnd_below(*start);
		break;
	default:
		*start = random_iova(f);
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

	ret = ioasid_arm64_iterate(&f->cfg, it->start, it->last, &io, fzi_item, it);
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
	unsigned int w, g, l;
	u64 *before;
	struct fzi *it;
	struct fz f;

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
		snprintf(where, sizeof(where), "setup");
		random_cfg(&f);
		f.iova = random_iova(&f);
		fill(&f);
		for (w = 0; w < WALKS_PER_FILL; w++) {
			snprintf(where, sizeof(where), "walk %u", w);
			if (w && chance(50))
				f.iova = chance(50) ? random_iova(&f) :
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
	for (g = 0; g < 3; g++)
		ksft_print_msg("successes, %s granule, by level: 1 %lu, 2 %lu, 3 %lu\n",
			       g == 0 ? "4K" : g == 1 ? "16K" : "64K", seen_size[g][1],
			       seen_size[g][2], seen_size[g][3]);
	ksft_print_msg("after a restart %lu; with maybe %lu; AF set %lu; dirtied %lu; tagged %lu; TTB1 %lu\n",
		       seen_restart_success, seen_maybe, seen_af_set, seen_dirtied,
		       seen_tagged, seen_half1);
	ksft_print_msg("faults: permission %lu, not present %lu, reserved %lu, non-canonical %lu, table %lu, update %lu, walk limit %lu, access flag %lu; loops %lu\n",
		       seen_reason[IOASID_FAULT_PERMISSION], seen_reason[IOASID_FAULT_NOT_PRESENT],
		       seen_reason[IOASID_FAULT_RESERVED], seen_reason[IOASID_FAULT_NON_CANONICAL],
		       seen_reason[IOASID_FAULT_TABLE], seen_reason[IOASID_FAULT_AD_UPDATE],
		       seen_reason[IOASID_FAULT_WALK_LIMIT], seen_reason[IOASID_FAULT_ACCESS_FLAG],
		       seen_loop);
	ksft_print_msg("iterate: leaves %lu (to update %lu); faults reserved %lu, non-canonical %lu, table %lu, walk limit %lu, access flag %lu; cut %lu, stopped %lu\n",
		       seen_iter_size, seen_iter_update,
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
		bool all = seen_restart_success && seen_maybe && seen_af_set &&
			   seen_dirtied && seen_tagged && seen_half1;

		for (g = 0; g < 3; g++)
			for (l = 1; l <= 3; l++)
				if ((l < 3 || g == 0) && !seen_size[g][l])
					all = false;
		for (w = IOASID_FAULT_PERMISSION; w < NREASONS; w++)
			if (w != IOASID_FAULT_NOT_BOUND && w != IOASID_FAULT_RESOURCE &&
			    !seen_reason[w])
				all = false;
		for (w = IOASID_FAULT_RESERVED; w < NREASONS; w++)
			if (w != IOASID_FAULT_AD_UPDATE && w != IOASID_FAULT_RESOURCE &&
			    !seen_iter_fault[w])
				all = false;
		for (w = 0; w <= IOASID_FAULT_TABLE; w++)
			if ((w == 0 || w >= IOASID_FAULT_PERMISSION) &&
			    w != IOASID_FAULT_NOT_BOUND && !seen_probe[w])
				all = false;
		if (!seen_iter_size || !seen_iter_update || !seen_iter_cut || !seen_iter_stop)
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
