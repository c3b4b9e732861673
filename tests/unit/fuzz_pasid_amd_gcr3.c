// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the AMD GCR3 table decoder
 * (module/walkers/amd_gcr3.c, compiled into this binary under ASan and
 * UBSan): random descriptors (mostly valid), random device table entries
 * (mostly plausible: every GLX, GuestPagingMode, GIOV, V/TV/GV, root
 * pointers in and out of the memory, ignored and reserved bits), random
 * parent memory shaped like GCR3 tables (valid pointers into the memory,
 * pointers out of it, reserved bits, garbage, zeroes), requests with and
 * without PASIDs of every width, and injected read failures. Every ALLOC,
 * BIND and lookup is compared with a model written here from the DTE and
 * GCR3 layouts (not calling the decoder's helpers): its result, the
 * configuration BIND leaves (unchanged on failure), the decoded stage 1,
 * and the exact sequence of entries the lookup reads; a lookup must never
 * write.
 *
 *   fuzz_pasid_amd_gcr3 [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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

#include "kselftest.h"
#include "walker_mem.h"
#include "walker_rng.h"
#include "fuzz_walker.h"
#include "../../module/walkers/amd_gcr3.h"

#define MEM_PAGES		16	/* 64 KiB at parent address 0 */
#define LOOKUPS_PER_FILL	24
#define COVERAGE_ITERS		5000
#define MAX_READS		8

enum family {
	F_CONFIG,	/* ALLOC agrees with the model */
	F_BIND,		/* BIND agrees, leaves the node unchanged on failure */
	F_LOOKUP,	/* a lookup's result and stage 1 agree with the model */
	F_READS,	/* it reads exactly the entries the model reads, in order */
	F_NO_WRITE,	/* it never writes */
	F_COVERAGE,	/* the fuzzer reached every outcome */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"pasid_fuzz_amd_gcr3.config_agrees",
	"pasid_fuzz_amd_gcr3.bind_agrees",
	"pasid_fuzz_amd_gcr3.lookup_agrees",
	"pasid_fuzz_amd_gcr3.reads_follow_the_table",
	"pasid_fuzz_amd_gcr3.never_writes",
	"pasid_fuzz_amd_gcr3.coverage",
};

static unsigned long failures[F_NR];
static bool verbose;
static uint64_t seed, iteration;
static char where[96];

/* Coverage. */
static unsigned long seen_config_err[2], seen_bind_err[2], seen_bypass, seen_unbound;
static unsigned long seen_s1[3][2];		/* by GLX, GuestPagingMode */
static unsigned long seen_fault[IOASID_FAULT_PASID_ENTRY + 1][4];	/* by level */
static unsigned long seen_bound, seen_injected, seen_giov_s1;

static void violation(enum family fam, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (failures[fam]++ < 20)
		ksft_print_msg("VIOLATION %s: seed %" PRIu64 " iteration %" PRIu64 " (%s): %s\n",
			       family_name[fam], seed, iteration, where, msg);
}

static u64 mask(unsigned int hi, unsigned int lo)
{
	return (hi >= 63 ? ~0ULL : (1ULL << (hi + 1)) - 1) & ~((1ULL << lo) - 1);
}

static bool bit(u64 v, unsigned int b)
{
	return (v >> b) & 1;
}

/* The model ---------------------------------------------------------------- */

/* What the model makes of a descriptor and a DTE. */
struct model {
	/* descriptor */
	u32 flags, pasid_bits, max_glx, phys_bits;
	u64 pgsizes;
	/* DTE */
	bool bound;
	u64 root;
	unsigned int glx, levels;	/* GCR3 levels; stage-1 levels */
	bool giov;
	u32 domid, bind_flags;
};

static int model_config(struct model *md, const struct ioasid_format_amd_gcr3 *d)
{
	u64 sizes = d->pgsize_bitmap ? d->pgsize_bitmap :
		    (1ULL << 12) | (1ULL << 21) | (1ULL << 30);

	if (d->flags >= 8 || d->__reserved || d->__reserved2)
		return -EOPNOTSUPP;
	if (d->pasid_bits < 1 || d->pasid_bits > 20 || d->max_glx > 2 ||
	    d->phys_bits < 32 || d->phys_bits > 52)
		return -EINVAL;
	if (!(sizes & (1ULL << 12)) || (sizes & ~((1ULL << 12) | (1ULL << 21) | (1ULL << 30))))
		return -EINVAL;
	memset(md, 0, sizeof(*md));
	md->flags = d->flags;
	md->pasid_bits = d->pasid_bits;
	md->max_glx = d->max_glx;
	md->phys_bits = d->phys_bits;
	md->pgsizes = sizes;
	return 0;
}

/* The GCR3 table root pointer, bit by bit from where the DTE keeps it. */
static u64 model_root(const u64 dte[4])
{
	u64 root = 0;
	unsigned int b;

	for (b = 12; b <= 51; b++) {
		bool v = b <= 14 ? bit(dte[0], 58 + b - 12) :
			 b <= 30 ? bit(dte[1], 16 + b - 15) :
				   bit(dte[1], 43 + b - 31);

		root |= (u64)v << b;
	}
	return root;
}

static int model_bind(struct model *md, u32 flags, const u64 dte[4])
{
	unsigned int glx = dte[0] >> 56 & 3, gpm = dte[2] >> 54 & 3, b;
	u64 root = model_root(dte);

	if (flags & ~(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE))
		return -EOPNOTSUPP;
	for (b = 2; b <= 6; b++)
		if (bit(dte[0], b))
			return -EINVAL;
	if (bit(dte[0], 63) || bit(dte[2], 52) || bit(dte[2], 53) || dte[3])
		return -EINVAL;
	if (!bit(dte[0], 0) || !bit(dte[0], 1) || !bit(dte[0], 55))
		return -EINVAL;
	if (glx == 3 || glx > md->max_glx || gpm >= 2)
		return -EINVAL;
	if (gpm == 1 && !(md->flags & IOASID_AMD_GCR3_LEVEL5))
		return -EINVAL;
	if (bit(dte[0], 54) && !(md->flags & IOASID_AMD_GCR3_GIOV))
		return -EINVAL;
	if (root >= 1ULL << md->phys_bits)
		return -EINVAL;
	md->bound = true;
	md->root = root;
	md->glx = glx;
	md->levels = gpm ? 5 : 4;
	md->giov = bit(dte[0], 54);
	md->domid = dte[1] & 0xffff;
	md->bind_flags = flags;
	return 0;
}

/* What a lookup does. */
struct expect {
	int ret;
	unsigned int level;
	u64 reads[MAX_READS];
	unsigned int nreads;
	u32 kind;
	u64 s1_root;
};

static void model_lookup(const struct model *md, const struct wmem *m,
			 bool has_pasid, u32 pasid, unsigned int fail_at,
			 int fail_ret, struct expect *x)
{
	unsigned int n = md->glx + 1, level;
	u64 table = md->root;

	memset(x, 0, sizeof(*x));
	if (!md->bound) {
		x->ret = IOASID_FAULT_NOT_BOUND;
		return;
	}
	if (!has_pasid && !md->giov) {
		x->kind = IOASID_PASID_BYPASS;
		return;
	}
	if (!has_pasid)
		pasid = 0;
	if ((u64)pasid >= 1ULL << md->pasid_bits || (u64)pasid >= 1ULL << (9 * n)) {
		x->ret = IOASID_FAULT_PASID_NOT_PRESENT;
		x->level = n;
		return;
	}
	for (level = n; level >= 1; level--) {
		u64 addr = table + 8 * ((pasid >> (9 * (level - 1))) % 512), v, rsvd;

		x->reads[x->nreads++] = addr;
		x->level = level;
		if (fail_at == x->nreads) {
			x->ret = fail_ret >= IOASID_FAULT_NOT_ATTACHED &&
				 fail_ret <= IOASID_FAULT_WALK_LIMIT ?
				 fail_ret : IOASID_FAULT_TABLE;
			return;
		}
		if (addr >= m->base + wmem_size(m)) {
			x->ret = IOASID_FAULT_TABLE;
			return;
		}
		v = m->buf[(addr - m->base) / 8];
		if (!bit(v, 0)) {
			x->ret = IOASID_FAULT_PASID_NOT_PRESENT;
			return;
		}
		rsvd = mask(11, 1) | mask(63, 52);
		if (md->phys_bits < 52)
			rsvd |= mask(51, md->phys_bits);
		if (v & rsvd) {
			x->ret = IOASID_FAULT_PASID_ENTRY;
			return;
		}
		table = v & mask(51, 12);
	}
	x->level = 0;
	x->kind = IOASID_PASID_STAGE1;
	x->s1_root = table;
}

/* Random inputs ------------------------------------------------------------ */

static u64 rnd_pgsizes(void)
{
	static const u64 s[] = { 1ULL << 12, 1ULL << 21, 1ULL << 30 };
	u64 v = 0;
	unsigned int i;

	if (chance(40))
		return 0;
	for (i = 0; i < 3; i++)
		if (i == 0 ? !chance(3) : chance(50))
			v |= s[i];
	if (chance(3))
		v |= 1ULL << rnd_below(64);
	return v;
}

static struct ioasid_format_amd_gcr3 rnd_desc(void)
{
	struct ioasid_format_amd_gcr3 d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_AMD_GCR3 },
		.flags = rnd_below(8),
		.pasid_bits = chance(50) ? 20 : 1 + rnd_below(20),
		.max_glx = rnd_below(3),
		.phys_bits = chance(50) ? 48 : 32 + rnd_below(21),
		.pgsize_bitmap = rnd_pgsizes(),
	};

	if (chance(3))
		d.flags |= 1U << rnd_below(32);
	if (chance(2))
		d.__reserved = rnd();
	if (chance(2))
		d.__reserved2 = rnd();
	if (chance(3))
		d.pasid_bits = rnd();
	if (chance(3))
		d.max_glx = rnd();
	if (chance(3))
		d.phys_bits = rnd_below(70);
	return d;
}

/* A table page: mostly in the memory. */
static u64 rnd_table(const struct model *md)
{
	if (chance(90))
		return rnd_below(MEM_PAGES) << 12;
	return rnd() & mask(md->phys_bits - 1, 12);
}

static void put_root(u64 dte[4], u64 root)
{
	dte[0] = (dte[0] & ~mask(60, 58)) | ((root >> 12) & 7) << 58;
	dte[1] = (dte[1] & ~(mask(31, 16) | mask(63, 43))) |
		 ((root >> 15) & 0xffff) << 16 | ((root >> 31) & 0x1fffff) << 43;
}

static void rnd_dte(const struct model *md, u64 dte[4], u32 *flags)
{
	dte[0] = 1 | 2 | (1ULL << 55) | (u64)rnd_below(md->max_glx + 1) << 56;
	if ((md->flags & IOASID_AMD_GCR3_GIOV) && chance(50))
		dte[0] |= 1ULL << 54;
	dte[1] = rnd_below(0x10000);
	dte[2] = (md->flags & IOASID_AMD_GCR3_LEVEL5) && chance(50) ? 1ULL << 54 : 0;
	dte[3] = 0;
	put_root(dte, rnd_table(md));
	*flags = rnd_below(4);
	/* The other functions' fields, which BIND ignores. */
	if (chance(50)) {
		dte[0] |= rnd() & (mask(53, 7) | mask(62, 61));
		dte[1] |= rnd() & mask(42, 32);
		dte[2] |= rnd() & (mask(51, 0) | mask(63, 56));
	}
	/* Now and then something BIND refuses (or not: the model says). */
	if (chance(15)) {
		switch (rnd_below(9)) {
		case 0:
			dte[rnd_below(4)] ^= 1ULL << rnd_below(64);
			break;
		case 7:
			/* One of the bits next to fields: 6:2 and 63, 53:52. */
			if (chance(50))
				dte[0] |= 1ULL << (chance(80) ? 2 + rnd_below(5) : 63);
			else
				dte[2] |= 1ULL << (52 + rnd_below(2));
			break;
		case 1:
			dte[0] |= 3ULL << 56;		/* GLX 3, or above max_glx */
			break;
		case 2:
			dte[2] |= (u64)(1 + rnd_below(3)) << 54;
			break;
		case 3:
			dte[0] ^= 1ULL << 54;
			break;
		case 4:
			put_root(dte, rnd() & mask(51, 12));
			break;
		case 5:
			*flags |= 1U << rnd_below(32);
			break;
		case 6:
			dte[0] &= ~(1ULL << (chance(33) ? 0 : chance(50) ? 1 : 55));
			break;
		default:
			dte[3] = rnd();
		}
	}
}

/* A GCR3-shaped entry. */
static u64 rnd_entry(const struct model *md)
{
	switch (rnd_below(10)) {
	case 0:
	case 1:
		return 0;
	case 2:
		return rnd() & ~1ULL;
	case 3:
		return rnd();
	case 4:
		/* A valid pointer with one reserved bit. */
		switch (rnd_below(3)) {
		case 0:
			return rnd_table(md) | 1 | 1ULL << (1 + rnd_below(11));
		case 1:
			return rnd_table(md) | 1 | 1ULL << (52 + rnd_below(12));
		default:
			return rnd_table(md) | 1 | (md->phys_bits < 52 ?
				1ULL << (md->phys_bits + rnd_below(52 - md->phys_bits)) : 0);
		}
	default:
		return rnd_table(md) | 1;
	}
}

/* The checks ----------------------------------------------------------------- */

struct fz {
	struct wmem m;
	struct ioasid_amd_gcr3_cfg cfg;
	struct model md;
	u64 reads[MAX_READS + 1];
	unsigned int nreads;
	unsigned int fail_at;
	int fail_ret;
	unsigned long cmpxchgs;
};

static int fz_read(void *priv, u64 addr, u64 *val)
{
	struct fz *f = priv;

	if (f->nreads < MAX_READS + 1)
		f->reads[f->nreads] = addr;
	f->nreads++;
	if (f->fail_at && f->nreads == f->fail_at)
		return f->fail_ret;
	return wmem_read(&f->m, addr, val);
}

static int fz_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct fz *f = priv;

	f->cmpxchgs++;
	return IOASID_FAULT_AD_UPDATE;
}

static void check_cfg(const struct fz *f)
{
	const struct ioasid_amd_gcr3_cfg *c = &f->cfg;
	const struct model *md = &f->md;

	if (c->flags != md->flags || c->pasid_bits != md->pasid_bits ||
	    c->max_glx != md->max_glx || c->phys_bits != md->phys_bits ||
	    c->pgsize_bitmap != md->pgsizes)
		violation(F_CONFIG, "descriptor decoded as flags %#x pasid_bits %u max_glx %u phys %u sizes %#" PRIx64,
			  c->flags, c->pasid_bits, c->max_glx, c->phys_bits, c->pgsize_bitmap);
	if (md->bound && (c->table != md->root || c->glx != md->glx ||
			  c->s1_levels != md->levels || c->giov != md->giov ||
			  c->domain_id != md->domid || c->bind_flags != md->bind_flags))
		violation(F_BIND, "DTE decoded as root %#" PRIx64 " glx %u levels %u giov %d domid %#x flags %#x; model root %#" PRIx64 " glx %u levels %u",
			  c->table, c->glx, c->s1_levels, c->giov, c->domain_id,
			  c->bind_flags, md->root, md->glx, md->levels);
}

static void one_lookup(struct fz *f, u64 *snap)
{
	struct ioasid_pt_io io = { .priv = f, .read = fz_read, .cmpxchg = fz_cmpxchg };
	bool has_pasid = !chance(20);
	struct ioasid_pasid_s1 s1, poison;
	struct ioasid_pt_result res;
	struct expect x;
	u32 pasid, want_flags;
	unsigned int i;
	int ret;

	switch (rnd_below(6)) {
	case 0:
		pasid = rnd_below(512);
		break;
	case 1:
		pasid = rnd_below(1U << f->md.pasid_bits);
		break;
	case 2:
		pasid = rnd_below(1U << 20);
		break;
	case 3:
		pasid = rnd();
		break;
	case 4:
		pasid = chance(50) ? 0 : (1U << f->md.pasid_bits) - 1 + rnd_below(2);
		break;
	default:
		pasid = rnd_below(1U << (9 * (f->md.glx + 1)));
	}
	f->fail_at = 0;
	if (chance(10)) {
		static const int r[] = {
			IOASID_FAULT_TABLE, IOASID_FAULT_WALK_LIMIT,
			IOASID_FAULT_NOT_ATTACHED, -1, -EFAULT, 99,
		};

		f->fail_at = 1 + rnd_below(3);
		f->fail_ret = r[rnd_below(ARRAY_SIZE(r))];
	}
	snprintf(where, sizeof(where), "lookup %s %#x%s", has_pasid ? "pasid" : "no pasid",
		 pasid, f->fail_at ? " with a failing read" : "");
	model_lookup(&f->md, &f->m, has_pasid, pasid, f->fail_at, f->fail_ret, &x);

	f->nreads = 0;
	f->cmpxchgs = 0;
	memset(&poison, 0x5a, sizeof(poison));
	s1 = poison;
	memset(&res, 0xa5, sizeof(res));
	ret = ioasid_amd_gcr3_lookup(&f->cfg, has_pasid, pasid, &io, &s1, &res);

	if (f->cmpxchgs)
		violation(F_NO_WRITE, "%lu cmpxchg calls", f->cmpxchgs);
	if (memcmp(snap, f->m.buf, wmem_size(&f->m)))
		violation(F_NO_WRITE, "the memory changed");
	if (f->nreads != x.nreads) {
		violation(F_READS, "%u reads, the model %u", f->nreads, x.nreads);
	} else {
		for (i = 0; i < x.nreads; i++)
			if (f->reads[i] != x.reads[i])
				violation(F_READS, "read %u at %#" PRIx64 ", the model at %#" PRIx64,
					  i, f->reads[i], x.reads[i]);
	}
	if (ret != x.ret || res.fault_reason != x.ret || res.fault_level != x.level) {
		violation(F_LOOKUP, "returned %d (reason %u level %u), the model %d at %u",
			  ret, res.fault_reason, res.fault_level, x.ret, x.level);
		return;
	}
	if (ret) {
		if (memcmp(&s1, &poison, sizeof(s1)))
			violation(F_LOOKUP, "a fault wrote the stage 1");
		seen_fault[ret <= IOASID_FAULT_PASID_ENTRY ? ret : 0][x.level]++;
		if (ret == IOASID_FAULT_NOT_BOUND)
			seen_unbound++;
		if (f->fail_at && f->fail_at == x.nreads)
			seen_injected++;
		if (ret == IOASID_FAULT_PASID_NOT_PRESENT && !x.nreads)
			seen_bound++;
		return;
	}
	if (s1.kind != x.kind || s1.tag != f->md.domid)
		violation(F_LOOKUP, "kind %u tag %#" PRIx64 ", the model %u %#x",
			  s1.kind, s1.tag, x.kind, f->md.domid);
	if (x.kind == IOASID_PASID_BYPASS) {
		seen_bypass++;
		return;
	}
	want_flags = (f->md.flags & IOASID_AMD_GCR3_AD_UPDATE ? IOASID_X86_64_CFG_AD_UPDATE : 0) |
		     (f->md.bind_flags & IOASID_BIND_X86_SRE ? IOASID_X86_64_CFG_SRE : 0) |
		     (f->md.bind_flags & IOASID_BIND_X86_WPE ? IOASID_X86_64_CFG_WPE : 0);
	if (s1.format != IOASID_FORMAT_X86_64 || s1.x86_64.root != x.s1_root ||
	    s1.x86_64.levels != f->md.levels || s1.x86_64.phys_bits != f->md.phys_bits ||
	    s1.x86_64.pgsize_bitmap != f->md.pgsizes || s1.x86_64.flags != want_flags)
		violation(F_LOOKUP, "stage 1 format %u root %#" PRIx64 " levels %u phys %u sizes %#" PRIx64 " flags %#x; the model root %#" PRIx64 " levels %u flags %#x",
			  s1.format, s1.x86_64.root, s1.x86_64.levels, s1.x86_64.phys_bits,
			  s1.x86_64.pgsize_bitmap, s1.x86_64.flags, x.s1_root,
			  f->md.levels, want_flags);
	seen_s1[f->md.glx][f->md.levels == 5]++;
	if (!has_pasid)
		seen_giov_s1++;
}

/* One iteration: a descriptor, a DTE, a memory, lookups. */
static void one_iteration(struct fz *f, u64 *snap)
{
	struct ioasid_format_amd_gcr3 d;
	struct ioasid_amd_gcr3_cfg before;
	struct model md;
	u64 dte[4];
	unsigned int i, n;
	u32 flags;
	int ret, want;

	/* ALLOC, until a descriptor is taken. */
	for (n = 0;; n++) {
		snprintf(where, sizeof(where), "config %u", n);
		d = rnd_desc();
		want = model_config(&md, &d);
		memset(&f->cfg, 0x5a, sizeof(f->cfg));
		ret = ioasid_amd_gcr3_config(&f->cfg, &d);
		if (ret != want)
			violation(F_CONFIG, "returned %d, the model %d", ret, want);
		if (want)
			seen_config_err[want == -EINVAL]++;
		if (!ret && !want)
			break;
	}
	f->md = md;
	check_cfg(f);

	/* Table memory, then lookups on the unbound node now and then. */
	for (i = 0; i < wmem_size(&f->m) / 8; i++)
		f->m.buf[i] = rnd_entry(&f->md);
	memcpy(snap, f->m.buf, wmem_size(&f->m));
	if (chance(5))
		one_lookup(f, snap);

	/* BIND, until a DTE is taken; failures leave the node as it was. */
	for (n = 0;; n++) {
		snprintf(where, sizeof(where), "bind %u", n);
		rnd_dte(&f->md, dte, &flags);
		md = f->md;
		want = model_bind(&md, flags, dte);
		before = f->cfg;
		ret = ioasid_amd_gcr3_bind(&f->cfg, flags, dte);
		if (ret != want)
			violation(F_BIND, "returned %d, the model %d (DTE %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", flags %#x)",
				  ret, want, dte[0], dte[1], dte[2], dte[3], flags);
		if (ret && memcmp(&before, &f->cfg, sizeof(before)))
			violation(F_BIND, "a failed BIND changed the node");
		if (want)
			seen_bind_err[want == -EINVAL]++;
		if (!ret && !want) {
			f->md = md;
			break;
		}
		if (!ret || !want) {
			/* Disagreement reported: go on from a known state. */
			f->md = md;
			if (!f->md.bound)
				return;
			break;
		}
	}
	check_cfg(f);
	if (verbose)
		ksft_print_msg("iteration %" PRIu64 ": glx %u levels %u giov %d root %#" PRIx64 " pasid_bits %u phys %u\n",
			       iteration, f->md.glx, f->md.levels, f->md.giov, f->md.root,
			       f->md.pasid_bits, f->md.phys_bits);

	for (i = 0; i < LOOKUPS_PER_FILL; i++)
		one_lookup(f, snap);
}

int main(int argc, char **argv)
{
	u64 first, iters, i;
	double seconds, start, elapsed;
	unsigned int r, l;
	struct fz f;
	u64 *snap;
	bool all;

	if (fuzz_options(argc, argv, &seconds, &seed, &iters, &first, &verbose))
		return 2;
	fuzz_header(F_NR, seed, seconds, iters);
	if (wmem_init(&f.m, 0, MEM_PAGES))
		ksft_exit_fail_msg("no memory\n");
	snap = malloc(wmem_size(&f.m));
	if (!snap)
		ksft_exit_fail_msg("no memory\n");

	start = now();
	for (i = first; !iters || i < first + iters; i++) {
		if (!iters && !((i - first) & 255) && now() - start >= seconds)
			break;
		iteration = i;
		rnd_state = seed ^ (i * 0xd1342543de82ef95ULL);
		rnd();
		one_iteration(&f, snap);
	}
	elapsed = now() - start;
	iters = i - first;
	ksft_print_msg("%" PRIu64 " iterations in %.2f s\n", iters, elapsed);
	ksft_print_msg("ALLOC refused: EOPNOTSUPP %lu, EINVAL %lu; BIND refused: EOPNOTSUPP %lu, EINVAL %lu\n",
		       seen_config_err[0], seen_config_err[1], seen_bind_err[0], seen_bind_err[1]);
	ksft_print_msg("stage 1 by GLX (4/5 levels): 0 %lu/%lu, 1 %lu/%lu, 2 %lu/%lu; without a PASID: GIOV %lu, bypass %lu\n",
		       seen_s1[0][0], seen_s1[0][1], seen_s1[1][0], seen_s1[1][1],
		       seen_s1[2][0], seen_s1[2][1], seen_giov_s1, seen_bypass);
	for (l = 1; l <= 3; l++)
		ksft_print_msg("level %u faults: not present %lu, entry %lu, table %lu, walk limit %lu, not attached %lu\n",
			       l, seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][l],
			       seen_fault[IOASID_FAULT_PASID_ENTRY][l],
			       seen_fault[IOASID_FAULT_TABLE][l],
			       seen_fault[IOASID_FAULT_WALK_LIMIT][l],
			       seen_fault[IOASID_FAULT_NOT_ATTACHED][l]);
	ksft_print_msg("PASID past the table (nothing read) %lu; injected read faults %lu; unbound %lu\n",
		       seen_bound, seen_injected, seen_unbound);

	if (iters >= COVERAGE_ITERS) {
		all = seen_config_err[0] && seen_config_err[1] && seen_bind_err[0] &&
		      seen_bind_err[1] && seen_bypass && seen_unbound && seen_bound &&
		      seen_injected && seen_giov_s1;
		for (r = 0; r < 3; r++)
			for (l = 0; l < 2; l++)
				all = all && seen_s1[r][l];
		for (l = 1; l <= 3; l++) {
			static const int reasons[] = {
				IOASID_FAULT_PASID_NOT_PRESENT, IOASID_FAULT_PASID_ENTRY,
				IOASID_FAULT_TABLE, IOASID_FAULT_WALK_LIMIT,
				IOASID_FAULT_NOT_ATTACHED,
			};

			for (r = 0; r < ARRAY_SIZE(reasons); r++)
				all = all && seen_fault[reasons[r]][l];
		}
		if (!all)
			failures[F_COVERAGE]++;
	}
	fuzz_results(family_name, failures, F_NR, F_COVERAGE, iters, COVERAGE_ITERS);
	free(snap);
	wmem_fini(&f.m);
	ksft_finished();
}
