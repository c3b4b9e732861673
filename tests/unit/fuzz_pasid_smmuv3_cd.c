// SPDX-License-Identifier: GPL-2.0
/*
 * A time-bounded fuzzer of the Arm SMMUv3 context-descriptor table decoder
 * (module/walkers/smmuv3_cd.c, compiled into this binary under ASan and
 * UBSan): random descriptors (flags, SubstreamID bits, output sizes,
 * granules), random but mostly plausible STEs (Config, S1Fmt, S1CDMax,
 * S1ContextPtr placed in memory or not, S1DSS, ignored and refused bits),
 * random parent memory shaped like CD tables (L1CDs pointing at leaf
 * tables, CDs with every field drawn, mostly valid), requests with and
 * without PASIDs, and injected read faults. Every ALLOC, BIND and lookup is
 * compared with an independent model of the kind written here from Arm
 * IHI0070G.b (5.2 STE, 5.3 L1CD, 5.4 CD) and the uAPI's rules; the decoder
 * must read exactly the entries the model reads, in its order, each once,
 * and never write.
 *
 *   fuzz_pasid_smmuv3_cd [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]
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
#include "../../module/walkers/smmuv3_cd.h"

#define MEM_BASE	0x400000ULL	/* 4 MiB: below every output size */
#define MEM_PAGES	96		/* 384 KiB: a few 64 KiB leaf tables */
#define MEM_BYTES	(MEM_PAGES * 4096ULL)
#define LOOKUPS		16
#define PLANTED		8
#define COVERAGE_ITERS	5000
#define NREASONS	(IOASID_FAULT_PASID_ENTRY + 1)

enum family {
	F_CONFIG,	/* ALLOC's result agrees with the model */
	F_BIND,		/* BIND's result and bound state agree; a failed one changes nothing */
	F_READS,	/* the decoder reads what the model reads, in order, once; never writes */
	F_SUCCESS,	/* a decoded entry agrees with the model */
	F_FAULT,	/* a fault agrees with the model */
	F_OUTPUTS,	/* @res zeroed but for the fault; @s1 untouched on a fault */
	F_COVERAGE,	/* the fuzzer reached every outcome */
	F_NR,
};

static const char *const family_name[F_NR] = {
	"pasid_fuzz_smmuv3_cd.config_agrees",
	"pasid_fuzz_smmuv3_cd.bind_agrees",
	"pasid_fuzz_smmuv3_cd.reads_follow_the_model",
	"pasid_fuzz_smmuv3_cd.success_consistent",
	"pasid_fuzz_smmuv3_cd.failure_consistent",
	"pasid_fuzz_smmuv3_cd.outputs_well_formed",
	"pasid_fuzz_smmuv3_cd.coverage",
};

static unsigned long failures[F_NR];
static bool verbose;
static u64 iteration, seed;
static char where[160];

/* What was drawn, for reports. */
static struct ioasid_format_smmuv3_cd cur_desc;
static u64 cur_ste[4];

static __attribute__((format(printf, 2, 3)))
void violation(enum family fam, const char *fmt, ...)
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
	printf("\n# desc flags %#x ssid_bits %u oas %u granules %#" PRIx64
	       " STE %#" PRIx64 " %#" PRIx64 "\n", cur_desc.flags,
	       cur_desc.ssid_bits, cur_desc.oas_bits, (u64)cur_desc.granule_bitmap,
	       cur_ste[0], cur_ste[1]);
}

/* Coverage. */
static unsigned long seen_config[3], seen_bind[3];	/* 0, EOPNOTSUPP, EINVAL */
static unsigned long seen_fault[NREASONS][3];		/* by level */
static unsigned long seen_s1[3], seen_bypass, seen_ha, seen_hd, seen_half1;

static unsigned int errno_slot(int err)
{
	return !err ? 0 : err == -EOPNOTSUPP ? 1 : 2;
}

/* The reference model ------------------------------------------------------ */

/* Bits @hi to @lo of @v. */
static u64 fld(u64 v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & ((2ULL << (hi - lo)) - 1);
}

static bool bit(u64 v, unsigned int n)
{
	return (v >> n) & 1;
}

struct model {
	u32 flags, ssid_bits, oas;
	u64 granules;
	int mode;		/* 0 unbound, 1 abort, 2 bypass, 3 stage 1 */
	unsigned int fmt, cdmax, dss;
	u64 ptr;
};

static int model_config(struct model *md, const struct ioasid_format_smmuv3_cd *d)
{
	bool oas_known = d->oas_bits == 32 || d->oas_bits == 36 ||
			 d->oas_bits == 40 || d->oas_bits == 42 ||
			 d->oas_bits == 44 || d->oas_bits == 48;

	if (d->flags > 7 || d->__reserved || d->oas_bits == 52 || d->oas_bits == 56)
		return -EOPNOTSUPP;
	if (((d->flags & 4) && !(d->flags & 2)) || !oas_known || d->ssid_bits > 20 ||
	    (d->granule_bitmap & ~0x15000ULL))
		return -EINVAL;
	memset(md, 0, sizeof(*md));
	md->flags = d->flags;
	md->ssid_bits = d->ssid_bits;
	md->oas = d->oas_bits;
	md->granules = d->granule_bitmap ? d->granule_bitmap : 0x15000ULL;
	return 0;
}

static int model_bind(struct model *md, u32 flags, const u64 e[4])
{
	unsigned int config = fld(e[0], 3, 1), fmt, cdmax = 0, dss = 0, split;
	u64 ptr, bytes;

	if (flags)
		return -EOPNOTSUPP;
	if (e[2] || e[3] || !bit(e[0], 0) || fld(e[0], 58, 56) ||
	    fld(e[1], 43, 41) || fld(e[1], 49, 48) >= 2 || fld(e[1], 51, 50) >= 2 ||
	    config >= 6)
		return -EINVAL;
	if (config <= 3) {
		md->mode = 1;
		md->fmt = md->cdmax = md->dss = 0;
		md->ptr = 0;
		return 0;
	}
	if (config == 4) {
		md->mode = 2;
		md->fmt = md->cdmax = md->dss = 0;
		md->ptr = 0;
		return 0;
	}
	if (bit(e[1], 24) || bit(e[1], 27) || fld(e[1], 31, 30))
		return -EINVAL;
	if (md->ssid_bits)
		cdmax = fld(e[0], 63, 59);
	if (cdmax > md->ssid_bits)
		return -EINVAL;
	fmt = cdmax ? fld(e[0], 5, 4) : 0;
	if (fmt == 3)
		fmt = 0;
	if (fmt && !(md->flags & 1))
		return -EINVAL;
	if (cdmax)
		dss = fld(e[1], 1, 0) == 3 ? 0 : fld(e[1], 1, 0);
	ptr = fld(e[0], 55, 6) << 6;
	if (ptr >= (1ULL << md->oas))
		return -EINVAL;
	if (!fmt) {
		bytes = 64ULL << cdmax;
	} else {
		split = fmt == 1 ? 6 : 10;
		bytes = 8ULL << (cdmax > split ? cdmax - split : 0);
		if (bytes < 64)
			bytes = 64;
	}
	if (ptr % bytes)
		return -EINVAL;
	md->mode = 3;
	md->fmt = fmt;
	md->cdmax = cdmax;
	md->dss = dss;
	md->ptr = ptr;
	return 0;
}

/* What a lookup should do. */
struct mout {
	int reason;
	unsigned int level;
	unsigned int nreads;
	u64 reads[4];
	int kind;
	u64 tag;
	u32 aflags, oas;
	u64 pgsizes;
	struct { unsigned int tsz, g, levels; u64 root; } h[2];
};

/* The parent memory as the model sees it, and the injected failure. */
struct mmem {
	const struct wmem *m;
	unsigned int fail_at;	/* 1-based read that fails; 0: none */
	int fail;
};

/* A read: 0, or the fault it ends the lookup with. */
static int model_read(const struct mmem *mm, struct mout *o, u64 addr, u64 *v)
{
	unsigned int n = o->nreads++;

	if (n < 4)
		o->reads[n] = addr;
	if (mm->fail_at && n + 1 == mm->fail_at)
		return mm->fail >= IOASID_FAULT_NOT_ATTACHED &&
		       mm->fail <= IOASID_FAULT_WALK_LIMIT ? mm->fail : IOASID_FAULT_TABLE;
	if (addr < mm->m->base || addr + 8 > mm->m->base + mm->m->pages * 4096ULL)
		return IOASID_FAULT_TABLE;
	*v = mm->m->buf[(addr - mm->m->base) / 8];
	return 0;
}

static unsigned int arm_levels(unsigned int tsz, unsigned int g)
{
	unsigned int ia = 64 - tsz;

	if (g == 12)
		return ia > 39 ? 4 : ia > 30 ? 3 : ia > 21 ? 2 : 1;
	if (g == 14)
		return ia > 47 ? 4 : ia > 36 ? 3 : ia > 25 ? 2 : 1;
	return ia > 42 ? 3 : ia > 29 ? 2 : 1;
}

static u64 gran_sizes(unsigned int g)
{
	if (g == 12)
		return (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	if (g == 14)
		return (1ULL << 14) | (1ULL << 25);
	return (1ULL << 16) | (1ULL << 29);
}

static int fault(struct mout *o, int reason, unsigned int level)
{
	o->reason = reason;
	o->level = level;
	return reason;
}

/* The CD (dwords 0 to 2) into *@o: 0 or the fault. */
static int model_cd(const struct model *md, const u64 cd[3], struct mout *o)
{
	static const unsigned int ips_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
	static const unsigned int g0[4] = { 12, 16, 14, 0 }, g1[4] = { 0, 14, 12, 16 };
	bool epd[2] = { bit(cd[0], 14), bit(cd[0], 30) };
	bool ha = bit(cd[0], 43), hd = bit(cd[0], 42);
	unsigned int tsz[2] = { fld(cd[0], 5, 0), fld(cd[0], 21, 16) };
	unsigned int g[2] = { g0[fld(cd[0], 7, 6)], g1[fld(cd[0], 23, 22)] };
	unsigned int eff = ips_bits[fld(cd[0], 34, 32)], i, top;
	u64 ttb;

	if (eff > md->oas)
		eff = md->oas;
	if (!bit(cd[0], 41) || !bit(cd[0], 46) || bit(cd[0], 44) ||
	    bit(cd[0], 36) || bit(cd[0], 40))
		return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	if (bit(cd[1], 2) || bit(cd[1], 3) || fld(cd[1], 59, 56) ||
	    bit(cd[2], 2) || fld(cd[2], 59, 56))
		return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	if ((ha && !(md->flags & 2)) || (hd && !(md->flags & 4)))
		return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	if (bit(cd[0], 35) && !ha)
		return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	if (bit(cd[0], 15) && !(epd[0] && epd[1]))
		return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	for (i = 0; i < 2; i++) {
		if (epd[i])
			continue;
		ttb = fld(cd[1 + i], 55, 4) << 4;
		if (tsz[i] < 16 || tsz[i] > 39 || !g[i] ||
		    !(md->granules & (1ULL << g[i])) || ttb >= (1ULL << eff))
			return fault(o, IOASID_FAULT_PASID_ENTRY, 1);
	}
	o->kind = IOASID_PASID_STAGE1;
	o->tag = fld(cd[0], 63, 48);
	o->oas = eff;
	o->aflags = (epd[0] ? IOASID_ARM64_EPD0 : 0) | (epd[1] ? IOASID_ARM64_EPD1 : 0) |
		    (bit(cd[0], 38) ? IOASID_ARM64_TBI0 : 0) |
		    (bit(cd[0], 39) ? IOASID_ARM64_TBI1 : 0) |
		    (ha ? IOASID_ARM64_HA : 0) | (ha && hd ? IOASID_ARM64_HD : 0);
	for (i = 0; i < 2; i++) {
		unsigned int j = epd[i] && !epd[!i] ? !i : i;

		if (epd[0] && epd[1]) {
			o->h[i].tsz = 16;
			o->h[i].g = 12;
		} else {
			o->h[i].tsz = tsz[j];
			o->h[i].g = g[j];
		}
		o->h[i].levels = arm_levels(o->h[i].tsz, o->h[i].g);
		o->h[i].root = 0;
		if (!epd[i]) {
			/* Aligned down to the top table, 64 bytes at least. */
			top = 64 - o->h[i].tsz - (o->h[i].g + (o->h[i].g - 3) * (o->h[i].levels - 1)) + 3;
			if (top < 6)
				top = 6;
			o->h[i].root = (fld(cd[1 + i], 55, 4) << 4) & ~((1ULL << top) - 1);
		}
	}
	o->pgsizes = gran_sizes(o->h[0].g) | gran_sizes(o->h[1].g);
	return 0;
}

static void model_lookup(const struct model *md, const struct mmem *mm, bool has,
			 u32 pasid, struct mout *o)
{
	u64 cd[3], addr, l1, idx = 0;
	unsigned int split;
	int ret;

	memset(o, 0, sizeof(*o));
	if (md->mode == 0 || md->mode == 1) {
		fault(o, IOASID_FAULT_PASID_NOT_PRESENT, 0);
		return;
	}
	if (has) {
		/* C_BAD_SUBSTREAMID, or substream 0 taken by S1DSS. */
		if (md->mode == 2 || !md->cdmax || pasid >= (1ULL << md->cdmax) ||
		    (pasid == 0 && md->dss == 2)) {
			fault(o, IOASID_FAULT_PASID_NOT_PRESENT, 0);
			return;
		}
		idx = pasid;
	} else if (md->mode == 2 || (md->cdmax && md->dss == 1)) {
		o->kind = IOASID_PASID_BYPASS;
		return;
	} else if (md->cdmax && md->dss == 0) {
		fault(o, IOASID_FAULT_PASID_NOT_PRESENT, 0);
		return;
	}
	if (md->fmt) {
		split = md->fmt == 1 ? 6 : 10;
		ret = model_read(mm, o, md->ptr + 8 * (idx >> split), &l1);
		if (ret) {
			fault(o, ret, 2);
			return;
		}
		if (!bit(l1, 0)) {
			fault(o, IOASID_FAULT_PASID_NOT_PRESENT, 2);
			return;
		}
		addr = fld(l1, 55, 12) << 12;
		if (fld(l1, 11, 1) || fld(l1, 63, 56) || addr >= (1ULL << md->oas) ||
		    (split == 10 && fld(l1, 15, 12))) {
			fault(o, IOASID_FAULT_PASID_ENTRY, 2);
			return;
		}
		addr += 64 * (idx % (1ULL << split));
	} else {
		addr = md->ptr + 64 * idx;
	}
	ret = model_read(mm, o, addr, &cd[0]);
	if (ret) {
		fault(o, ret, 1);
		return;
	}
	if (!bit(cd[0], 31)) {
		fault(o, IOASID_FAULT_PASID_NOT_PRESENT, 1);
		return;
	}
	ret = model_read(mm, o, addr + 8, &cd[1]);
	if (!ret)
		ret = model_read(mm, o, addr + 16, &cd[2]);
	if (ret) {
		fault(o, ret, 1);
		return;
	}
	model_cd(md, cd, o);
}

/* Random inputs ------------------------------------------------------------ */

static const u32 oas_set[6] = { 32, 36, 40, 42, 44, 48 };

static struct ioasid_format_smmuv3_cd random_desc(void)
{
	struct ioasid_format_smmuv3_cd d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_SMMUV3_CD },
	};

	d.flags = rnd_below(8);
	if ((d.flags & 4) && chance(90))
		d.flags |= 2;
	d.ssid_bits = chance(10) ? 0 : chance(70) ? 1 + rnd_below(12) : rnd_below(21);
	d.oas_bits = oas_set[rnd_below(6)];
	d.granule_bitmap = chance(30) ? 0 : (chance(50) ? 0x15000 : 0) |
			   (rnd_below(8) & 1 ? 0x1000 : 0) |
			   (rnd_below(8) & 2 ? 0x4000 : 0) | (rnd_below(8) & 4 ? 0x10000 : 0);
	/* Now and then, something ALLOC refuses. */
	switch (rnd_below(40)) {
	case 0:
		d.flags |= 1U << (3 + rnd_below(29));
		break;
	case 1:
		d.__reserved = rnd() | 1;
		break;
	case 2:
		d.oas_bits = chance(50) ? 52 : 56;
		break;
	case 3:
		d.oas_bits = rnd_below(70);
		break;
	case 4:
		d.ssid_bits = 21 + rnd_below(12);
		break;
	case 5:
		d.granule_bitmap |= 1ULL << rnd_below(64);
		break;
	case 6:
		d.flags = 4;
		break;
	}
	return d;
}

/* A random address of @align in the memory (or a little past it). */
static u64 mem_addr(u64 align)
{
	u64 slots = MEM_BYTES / align;

	if (!slots)
		return MEM_BASE;
	return MEM_BASE + rnd_below(slots + (chance(5) ? 2 : 0)) * align;
}

static void random_ste(const struct model *md, u64 e[4], u32 *flags)
{
	unsigned int config, fmt, cdmax, split;
	u64 ptr, bytes;

	config = chance(80) ? 5 : chance(40) ? 4 : chance(70) ? rnd_below(4) : 6 + rnd_below(2);
	cdmax = md->ssid_bits ? rnd_below(md->ssid_bits + 1) : 0;
	if (chance(20) && cdmax > 4)
		cdmax = rnd_below(5);
	if (chance(3))
		cdmax = rnd_below(32);
	fmt = (md->flags & 1) && chance(60) ? 1 + rnd_below(2) : 0;
	if (chance(4))
		fmt = rnd_below(4);
	if (!fmt || !cdmax) {
		bytes = 64ULL << (cdmax > 20 ? 20 : cdmax);
	} else {
		split = fmt == 1 ? 6 : 10;
		bytes = 8ULL << (cdmax > split ? cdmax - split : 0);
		if (bytes < 64)
			bytes = 64;
	}
	ptr = mem_addr(bytes > MEM_BYTES ? MEM_BYTES : bytes);
	if (bytes > MEM_BYTES)
		ptr = MEM_BASE & ~(bytes - 1);
	switch (rnd_below(30)) {
	case 0:
		ptr = (rnd() & 0x00ffffffffffffc0ULL) >> rnd_below(20);
		break;
	case 1:
		ptr += 64 * (1 + rnd_below(8));
		break;
	case 2:
		ptr |= 1ULL << (md->oas + rnd_below(56 - md->oas));
		break;
	}
	e[0] = 1 | (u64)config << 1 | (u64)fmt << 4 | (ptr & 0x00ffffffffffffc0ULL) |
	       (u64)cdmax << 59;
	e[1] = rnd_below(4);
	if (chance(50))	/* ignored bits */
		e[1] |= rnd() & 0xfff0f1ff36fffffcULL;
	e[2] = 0;
	e[3] = 0;
	*flags = 0;
	switch (rnd_below(50)) {
	case 0:
		e[0] &= ~1ULL;
		break;
	case 1:
		e[0] |= 1ULL << (56 + rnd_below(3));
		break;
	case 2:
		e[1] |= 1ULL << (41 + rnd_below(3));
		break;
	case 3:
		e[1] |= (2 + rnd_below(2)) << (chance(50) ? 48 : 50);
		break;
	case 4:
		e[1] |= 1ULL << (chance(50) ? 24 : 27);
		break;
	case 5:
		e[1] |= (1 + rnd_below(3)) << 30;
		break;
	case 6:
		e[2 + rnd_below(2)] = rnd() | 1;
		break;
	case 7:
		*flags = 1U << rnd_below(32);
		break;
	}
	if (chance(50))	/* PRIVCFG and INSTCFG "use incoming", 0b01 */
		e[1] |= (rnd_below(2) << 48) | (rnd_below(2) << 50);
}

/* A random TTB: mostly below 2^@bits, with random low bits. */
static u64 random_ttb(unsigned int bits)
{
	u64 v = rnd() & ((1ULL << bits) - 1) & ~15ULL;

	if (chance(8))
		v |= 1ULL << (bits + rnd_below(56 - bits));
	return v;
}

/*
 * A CD with every field drawn: a clean one (what the descriptor allows,
 * every refused bit clear) half the time, else most fields valid.
 */
static void random_cd(const struct model *md, u64 cd[8])
{
	static const unsigned int gs[3] = { 12, 14, 16 };
	static const unsigned int ips_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
	static const u64 e0[3] = { 0, 2, 1 }, e1[3] = { 2, 1, 3 };	/* TG0, TG1 */
	unsigned int i, bits = oas_set[rnd_below(6)], ips = rnd_below(8);
	bool clean = chance(50);
	u64 c = 0;

	if (clean)
		bits = ips_bits[ips] < md->oas ? ips_bits[ips] : md->oas;
	for (i = 0; i < 2; i++) {
		unsigned int tsz = chance(92) || clean ? 16 + rnd_below(24) : rnd_below(64);
		unsigned int g = rnd_below(3);
		u64 tg;

		if (chance(70) || clean)	/* a granule the SMMU has, mostly */
			while (!(md->granules & (1ULL << gs[g])))
				g = rnd_below(3);
		tg = chance(95) || clean ? (i ? e1[g] : e0[g]) : rnd_below(4);
		c |= (u64)tsz << (16 * i) | tg << (6 + 16 * i);
		if (chance(i ? 45 : 10))
			c |= 1ULL << (14 + 16 * i);	/* EPDn */
	}
	c |= chance(92) ? 1ULL << 31 : 0;			/* V */
	c |= (u64)ips << 32;					/* IPS */
	c |= rnd() & 0x3f003f00ULL & (chance(50) ? ~0ULL : 0);	/* IR, OR, SH */
	c |= rnd() & ((1ULL << 37) | (1ULL << 45) | (1ULL << 47));	/* UWXN, R, ASET */
	c |= chance(25) ? 1ULL << 38 : 0;			/* TBI0 */
	c |= chance(25) ? 1ULL << 39 : 0;			/* TBI1 */
	c |= chance(96) ? 1ULL << 41 : 0;			/* AA64 */
	c |= chance(96) ? 1ULL << 46 : 0;			/* A */
	c |= chance(30) ? 1ULL << 43 : 0;			/* HA */
	c |= chance(25) ? 1ULL << 42 : 0;			/* HD */
	c |= chance(8) ? 1ULL << 35 : 0;			/* AFFD */
	c |= chance(3) ? 1ULL << 36 : 0;			/* WXN */
	c |= chance(3) ? 1ULL << 40 : 0;			/* PAN */
	c |= chance(3) ? 1ULL << 44 : 0;			/* S */
	c |= chance(4) ? 1ULL << 15 : 0;			/* ENDI */
	c |= rnd() << 48;					/* ASID */
	if (clean) {
		c |= 1ULL << 41 | 1ULL << 46;
		c &= ~(1ULL << 15 | 1ULL << 36 | 1ULL << 40 | 1ULL << 44);
		if (!(md->flags & 2))
			c &= ~(1ULL << 43);
		if (!(md->flags & 4))
			c &= ~(1ULL << 42);
		if (!(c & (1ULL << 43)))
			c &= ~(1ULL << 35);
	}
	cd[0] = c;
	for (i = 1; i <= 2; i++) {
		cd[i] = random_ttb(bits);
		if (clean)
			cd[i] &= (1ULL << bits) - 1;
		if (chance(50))		/* ignored: NSCFG, HAD, (AIE), HWU */
			cd[i] |= rnd() & (i == 1 ? 0xf000000000000003ULL : 0xf00000000000000bULL);
		if (chance(3) && !clean)	/* refused */
			cd[i] |= 1ULL << (i == 1 ? (chance(50) ? 2 + rnd_below(2) : 56 + rnd_below(4)) :
						 (chance(30) ? 2 : 56 + rnd_below(4)));
	}
	for (i = 3; i < 8; i++)
		cd[i] = rnd();
}

static void put(struct wmem *m, u64 addr, u64 v)
{
	if (addr >= m->base && addr + 8 <= m->base + wmem_size(m))
		m->buf[(addr - m->base) / 8] = v;
}

static void put_cd(const struct model *md, struct wmem *m, u64 addr)
{
	u64 cd[8];
	unsigned int i;

	random_cd(md, cd);
	for (i = 0; i < 8; i++)
		put(m, addr + 8 * i, cd[i]);
}

/* A random PASID for a lookup, of those planted mostly. */
static u32 random_pasid(const struct model *md, const u32 *planted)
{
	unsigned int r = rnd_below(100);

	if (r < 65 && md->cdmax)
		return planted[rnd_below(PLANTED)];
	if (r < 75)
		return 0;
	if (r < 85 && md->cdmax)
		return rnd_below(1ULL << md->cdmax);
	if (r < 92)
		return (1U << (md->cdmax < 20 ? md->cdmax : 20)) + rnd_below(4);
	return rnd();
}

/*
 * Table memory shaped by the bound STE: L1CDs and leaf tables where it
 * points, the CDs of the planted PASIDs (and of 0), random others, and
 * some noise.
 */
static void fill(const struct model *md, struct wmem *m, u32 *planted)
{
	unsigned int i, split = md->fmt == 1 ? 6 : 10;
	u64 l2bytes = md->fmt == 1 ? 4096 : 65536;

	memset(m->buf, 0, wmem_size(m));
	for (i = 0; i < PLANTED; i++)
		planted[i] = md->cdmax ? rnd_below(1ULL << md->cdmax) : 0;
	if (chance(50))
		planted[0] = 0;
	if (md->mode != 3)
		return;
	for (i = 0; i <= PLANTED; i++) {
		u64 idx = i < PLANTED ? planted[i] : 0, addr, l1a, l1;

		if (!md->fmt) {
			if (chance(90))
				put_cd(md, m, md->ptr + 64 * idx);
			continue;
		}
		/* The L1CD: valid to a leaf table, mostly. */
		l1a = md->ptr + 8 * (idx >> split);
		l1 = m->base <= l1a && l1a < m->base + wmem_size(m) ? wmem_get(m, l1a) : 0;
		if (!(l1 & 1) || chance(10)) {
			l1 = mem_addr(chance(90) ? l2bytes : 4096) | 1;
			switch (rnd_below(25)) {
			case 0:
				l1 &= ~1ULL;
				break;
			case 1:
				l1 |= 1ULL << (chance(50) ? 1 + rnd_below(11) : 56 + rnd_below(8));
				break;
			case 2:
				l1 |= 1ULL << (md->oas + rnd_below(56 - md->oas));
				break;
			}
			put(m, l1a, l1);
		}
		addr = (l1 & 0x00fffffffffff000ULL) + 64 * (idx & ((1ULL << split) - 1));
		if (chance(90))
			put_cd(md, m, addr);
	}
	for (i = rnd_below(4); i; i--)
		put(m, mem_addr(8), rnd());
}

/* One lookup, checked ------------------------------------------------------- */

struct rec {
	struct wmem *m;
	u64 addr[8];
	unsigned int n, cmpxchgs;
};

static int rec_read(void *priv, u64 addr, u64 *val)
{
	struct rec *r = priv;

	if (r->n < 8)
		r->addr[r->n] = addr;
	r->n++;
	return wmem_read(r->m, addr, val);
}

static int rec_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct rec *r = priv;

	r->cmpxchgs++;
	return -1;
}

static void one_lookup(const struct ioasid_smmuv3_cd_cfg *cfg, const struct model *md,
		       struct wmem *m, bool has, u32 pasid)
{
	struct rec rec = { .m = m };
	struct ioasid_pt_io io = { .priv = &rec, .read = rec_read, .cmpxchg = rec_cmpxchg };
	struct mmem mm = { .m = m };
	struct ioasid_pasid_s1 s1, pattern;
	struct ioasid_pt_result res;
	struct mout o;
	unsigned int i;
	int ret;

	if (chance(15)) {
		static const int reasons[] = {
			IOASID_FAULT_TABLE, IOASID_FAULT_WALK_LIMIT, IOASID_FAULT_NOT_MAPPED,
			IOASID_FAULT_RESOURCE, IOASID_FAULT_PASID_ENTRY, -1, 0x77,
		};

		mm.fail_at = 1 + rnd_below(4);
		mm.fail = reasons[rnd_below(7)];
	}
	m->reads = 0;
	m->read_fail_at = mm.fail_at;
	m->read_fail = mm.fail;
	memset(&s1, 0x5a, sizeof(s1));
	memcpy(&pattern, &s1, sizeof(s1));
	memset(&res, 0xa5, sizeof(res));
	ret = ioasid_smmuv3_cd_lookup(cfg, has, pasid, &io, &s1, &res);
	m->read_fail_at = 0;
	model_lookup(md, &mm, has, pasid, &o);

	/* Reads. */
	if (rec.cmpxchgs)
		violation(F_READS, "%u compare-and-exchanges", rec.cmpxchgs);
	if (rec.n != o.nreads)
		violation(F_READS, "%u reads, the model %u (has %d pasid %#x)", rec.n,
			  o.nreads, has, pasid);
	for (i = 0; i < rec.n && i < o.nreads && i < 4; i++)
		if (rec.addr[i] != o.reads[i])
			violation(F_READS, "read %u at %#" PRIx64 ", the model at %#" PRIx64,
				  i, rec.addr[i], o.reads[i]);

	/* Outputs. */
	if (res.out || res.page_size || res.perm || res.maybe ||
	    res.fault_reason != (ret > 0 ? ret : 0) ||
	    (!ret && res.fault_level))
		violation(F_OUTPUTS, "res: out %#" PRIx64 " size %#" PRIx64
			  " perm %#x maybe %#x reason %u level %u, returned %d",
			  res.out, res.page_size, res.perm, res.maybe, res.fault_reason,
			  res.fault_level, ret);
	if (ret && memcmp(&s1, &pattern, sizeof(s1)))
		violation(F_OUTPUTS, "s1 written on a fault");

	if (o.reason) {
		if (ret != o.reason || res.fault_level != o.level)
			violation(F_FAULT, "returned %d level %u, the model %d level %u (has %d pasid %#x)",
				  ret, res.fault_level, o.reason, o.level, has, pasid);
		else if (o.reason < NREASONS && o.level < 3)
			seen_fault[o.reason][o.level]++;
		return;
	}
	if (ret) {
		violation(F_SUCCESS, "returned %d level %u, the model a translation (has %d pasid %#x)",
			  ret, res.fault_level, has, pasid);
		return;
	}
	if (s1.kind != o.kind) {
		violation(F_SUCCESS, "kind %u, the model %d", s1.kind, o.kind);
		return;
	}
	if (o.kind == IOASID_PASID_BYPASS) {
		if (s1.format || s1.tag)
			violation(F_SUCCESS, "bypass with format %u tag %#" PRIx64, s1.format, s1.tag);
		seen_bypass++;
		return;
	}
	if (s1.format != IOASID_FORMAT_ARM64 || s1.tag != o.tag ||
	    s1.arm64.flags != o.aflags || s1.arm64.oas_bits != o.oas ||
	    s1.arm64.pgsize_bitmap != o.pgsizes)
		violation(F_SUCCESS, "format %u tag %#" PRIx64 " flags %#x oas %u pgsizes %#" PRIx64
			  ", the model tag %#" PRIx64 " flags %#x oas %u pgsizes %#" PRIx64,
			  s1.format, s1.tag, s1.arm64.flags, s1.arm64.oas_bits,
			  s1.arm64.pgsize_bitmap, o.tag, o.aflags, o.oas, o.pgsizes);
	for (i = 0; i < 2; i++) {
		const struct ioasid_arm64_half *h = &s1.arm64.half[i];

		if (h->tsz != o.h[i].tsz || h->granule != o.h[i].g ||
		    h->levels != o.h[i].levels || h->root != o.h[i].root)
			violation(F_SUCCESS, "half %u: tsz %u granule %u levels %u root %#" PRIx64
				  ", the model %u %u %u %#" PRIx64, i, h->tsz, h->granule,
				  h->levels, h->root, o.h[i].tsz, o.h[i].g, o.h[i].levels,
				  o.h[i].root);
	}
	seen_s1[md->fmt]++;
	seen_ha += !!(o.aflags & IOASID_ARM64_HA);
	seen_hd += !!(o.aflags & IOASID_ARM64_HD);
	seen_half1 += !(o.aflags & IOASID_ARM64_EPD1);
}

static void one_iteration(struct wmem *m)
{
	struct ioasid_smmuv3_cd_cfg cfg, before;
	struct model md;
	u32 planted[PLANTED], flags;
	unsigned int l;
	int ret, mret;

	/* ALLOC, until one is taken. */
	do {
		snprintf(where, sizeof(where), "config");
		cur_desc = random_desc();
		memset(&cfg, 0x33, sizeof(cfg));
		memcpy(&before, &cfg, sizeof(cfg));
		ret = ioasid_smmuv3_cd_config(&cfg, &cur_desc);
		mret = model_config(&md, &cur_desc);
		seen_config[errno_slot(ret)]++;
		if (ret != mret)
			violation(F_CONFIG, "returned %d, the model %d", ret, mret);
		if (ret && memcmp(&cfg, &before, sizeof(cfg)))
			violation(F_CONFIG, "a failed config changed the cfg");
	} while (ret || mret);

	/* BIND, twice now and then (a rebind replaces). */
	for (l = chance(20) ? 2 : 1; l; l--) {
		snprintf(where, sizeof(where), "bind");
		random_ste(&md, cur_ste, &flags);
		memcpy(&before, &cfg, sizeof(cfg));
		ret = ioasid_smmuv3_cd_bind(&cfg, flags, cur_ste);
		mret = model_bind(&md, flags, cur_ste);
		seen_bind[errno_slot(ret)]++;
		if (ret != mret)
			violation(F_BIND, "returned %d, the model %d", ret, mret);
		if (ret && memcmp(&cfg, &before, sizeof(cfg)))
			violation(F_BIND, "a failed bind changed the cfg");
		if (!ret && !mret &&
		    (cfg.mode != md.mode || cfg.s1fmt != md.fmt || cfg.s1cdmax != md.cdmax ||
		     cfg.s1dss != md.dss || cfg.ctxptr != md.ptr))
			violation(F_BIND, "bound mode %u fmt %u cdmax %u dss %u ptr %#" PRIx64
				  ", the model %d %u %u %u %#" PRIx64, cfg.mode, cfg.s1fmt,
				  cfg.s1cdmax, cfg.s1dss, cfg.ctxptr, md.mode, md.fmt, md.cdmax,
				  md.dss, md.ptr);
		if (ret != mret)
			return;
	}

	fill(&md, m, planted);
	for (l = 0; l < LOOKUPS; l++) {
		bool has = chance(75);
		u32 pasid = has ? random_pasid(&md, planted) : (chance(80) ? 0 : rnd());

		snprintf(where, sizeof(where), "lookup %u", l);
		one_lookup(&cfg, &md, m, has, pasid);
	}
}

int main(int argc, char **argv)
{
	u64 first, iters, i;
	double seconds, start, elapsed;
	unsigned int r, l;
	struct wmem m;
	bool all;

	if (fuzz_options(argc, argv, &seconds, &seed, &iters, &first, &verbose))
		return 2;
	fuzz_header(F_NR, seed, seconds, iters);
	if (wmem_init(&m, MEM_BASE, MEM_PAGES))
		ksft_exit_fail_msg("no memory\n");

	start = now();
	for (i = first; !iters || i < first + iters; i++) {
		if (!iters && !((i - first) & 63) && now() - start >= seconds)
			break;
		iteration = i;
		rnd_state = seed ^ (i * 0xd1342543de82ef95ULL);
		rnd();
		one_iteration(&m);
	}
	elapsed = now() - start;
	iters = i - first;
	ksft_print_msg("%" PRIu64 " iterations (%" PRIu64 " lookups at most) in %.2f s\n",
		       iters, iters * LOOKUPS, elapsed);
	ksft_print_msg("config: ok %lu, EOPNOTSUPP %lu, EINVAL %lu; bind: ok %lu, EOPNOTSUPP %lu, EINVAL %lu\n",
		       seen_config[0], seen_config[1], seen_config[2], seen_bind[0],
		       seen_bind[1], seen_bind[2]);
	ksft_print_msg("stage 1: linear %lu, 2-level 4K %lu, 64K %lu (HA %lu, HD %lu, TTB1 %lu); bypass %lu\n",
		       seen_s1[0], seen_s1[1], seen_s1[2], seen_ha, seen_hd, seen_half1,
		       seen_bypass);
	ksft_print_msg("faults (level 0/1/2): PASID_NOT_PRESENT %lu/%lu/%lu, PASID_ENTRY %lu/%lu/%lu, TABLE %lu/%lu/%lu, WALK_LIMIT %lu/%lu/%lu, NOT_MAPPED %lu/%lu/%lu\n",
		       seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][0],
		       seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][1],
		       seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][2],
		       seen_fault[IOASID_FAULT_PASID_ENTRY][0], seen_fault[IOASID_FAULT_PASID_ENTRY][1],
		       seen_fault[IOASID_FAULT_PASID_ENTRY][2],
		       seen_fault[IOASID_FAULT_TABLE][0], seen_fault[IOASID_FAULT_TABLE][1],
		       seen_fault[IOASID_FAULT_TABLE][2],
		       seen_fault[IOASID_FAULT_WALK_LIMIT][0], seen_fault[IOASID_FAULT_WALK_LIMIT][1],
		       seen_fault[IOASID_FAULT_WALK_LIMIT][2],
		       seen_fault[IOASID_FAULT_NOT_MAPPED][0], seen_fault[IOASID_FAULT_NOT_MAPPED][1],
		       seen_fault[IOASID_FAULT_NOT_MAPPED][2]);

	/* Every outcome must have been reached, given enough iterations. */
	if (iters >= COVERAGE_ITERS) {
		all = seen_bypass && seen_ha && seen_hd && seen_half1;
		for (r = 0; r < 3; r++)
			all = all && seen_config[r] && seen_bind[r] && seen_s1[r];
		all = all && seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][0];
		for (l = 1; l <= 2; l++) {
			all = all && seen_fault[IOASID_FAULT_PASID_NOT_PRESENT][l] &&
			      seen_fault[IOASID_FAULT_PASID_ENTRY][l] &&
			      seen_fault[IOASID_FAULT_TABLE][l] &&
			      seen_fault[IOASID_FAULT_WALK_LIMIT][l];
		}
		if (!all)
			failures[F_COVERAGE]++;
	}
	fuzz_results(family_name, failures, F_NR, F_COVERAGE, iters, COVERAGE_ITERS);
	wmem_fini(&m);
	ksft_finished();
}
