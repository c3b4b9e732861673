// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the Arm SMMUv3 context-descriptor table decoder
 * (module/walkers/smmuv3_cd.c, compiled into this binary with every
 * walker): STEs bound, CD tables (linear, 2-level with 4 and 64 KiB leaf
 * tables) built by hand in a fake parent space (walker_mem.h), every field
 * of the STE and the CD that the uAPI names, checked against expectations
 * written here from Arm IHI0070G.b (5.2 STE, 5.3 L1CD, 5.4 CD), and the
 * decoded stage-1 configurations walked end to end through Arm64 tables
 * built with pt_encode.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "pt_encode.h"
#include "../../module/walkers/smmuv3_cd.h"

#define BASE		0x1000000ULL	/* 16 MiB, 64 KiB aligned */
#define PAGES		1024		/* 4 MiB of parent memory */

#define SZ_16K		(1ULL << 14)
#define SZ_64K		(1ULL << 16)
#define GRAN_ALL	(SZ_4K | SZ_16K | SZ_64K)

#define F_2LVL		IOASID_SMMUV3_CD_2LVL
#define F_HA		IOASID_SMMUV3_CD_HA
#define F_HD		IOASID_SMMUV3_CD_HD

#define NP		IOASID_FAULT_PASID_NOT_PRESENT
#define BAD		IOASID_FAULT_PASID_ENTRY

/* STE fields, from IHI0070G.b 5.2 (not from the decoder). */
#define STE_V		(1ULL << 0)
#define CFG_ABORT	0
#define CFG_BYPASS	4
#define CFG_S1		5
#define FMT_LINEAR	0
#define FMT_4K		1
#define FMT_64K		2
#define DSS_TERM	0
#define DSS_BYPASS	1
#define DSS_SSID0	2

static u64 ste0(unsigned int config, unsigned int fmt, u64 ctxptr,
		unsigned int cdmax)
{
	return STE_V | (u64)config << 1 | (u64)fmt << 4 | ctxptr |
	       (u64)cdmax << 59;
}

/* CD dword 0 bits, from IHI0070G.b 5.4. */
#define CD_EPD0		(1ULL << 14)
#define CD_ENDI		(1ULL << 15)
#define CD_EPD1		(1ULL << 30)
#define CD_V		(1ULL << 31)
#define CD_AFFD		(1ULL << 35)
#define CD_WXN		(1ULL << 36)
#define CD_UWXN		(1ULL << 37)
#define CD_TBI0		(1ULL << 38)
#define CD_TBI1		(1ULL << 39)
#define CD_PAN		(1ULL << 40)
#define CD_AA64		(1ULL << 41)
#define CD_HD		(1ULL << 42)
#define CD_HA		(1ULL << 43)
#define CD_S		(1ULL << 44)
#define CD_R		(1ULL << 45)
#define CD_A		(1ULL << 46)
#define CD_ASET		(1ULL << 47)

/* TG0 and TG1 encodings of a granule (log2). */
static u64 enc_tg0(unsigned int g)
{
	return g == 12 ? 0 : g == 16 ? 1 : 2;
}

static u64 enc_tg1(unsigned int g)
{
	return g == 14 ? 1 : g == 12 ? 2 : 3;
}

/* IPS encodings of 32 to 48 bits. */
static u64 enc_ips(unsigned int bits)
{
	switch (bits) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	default: return 5;
	}
}

/* A CD's fields, as a guest would fill them. */
struct cdf {
	unsigned int t0sz, tg0, t1sz, tg1, ips_bits;
	bool epd0, epd1;
	u64 extra0;		/* more dword 0 bits */
	uint16_t asid;
	u64 ttb0, ttb1;
};

static struct cdf cdf_default(u64 ttb0)
{
	struct cdf f = {
		.t0sz = 16, .tg0 = 12, .t1sz = 16, .tg1 = 12, .ips_bits = 48,
		.epd1 = true, .asid = 0x1234, .ttb0 = ttb0,
	};

	return f;
}

static void cd_make(u64 cd[8], const struct cdf *f)
{
	memset(cd, 0, 8 * sizeof(u64));
	cd[0] = f->t0sz | enc_tg0(f->tg0) << 6 | (f->epd0 ? CD_EPD0 : 0) |
		(u64)f->t1sz << 16 | enc_tg1(f->tg1) << 22 |
		(f->epd1 ? CD_EPD1 : 0) | CD_V | enc_ips(f->ips_bits) << 32 |
		CD_AA64 | CD_A | (u64)f->asid << 48 | f->extra0;
	cd[1] = f->ttb0;
	cd[2] = f->ttb1;
}

/* Levels of an Arm64 half, from the Arm ARM's tables of starting levels. */
static unsigned int arm_levels(unsigned int tsz, unsigned int g)
{
	unsigned int ia = 64 - tsz;

	switch (g) {
	case 12:
		return ia > 39 ? 4 : ia > 30 ? 3 : ia > 21 ? 2 : 1;
	case 14:
		return ia > 47 ? 4 : ia > 36 ? 3 : ia > 25 ? 2 : 1;
	default:
		return ia > 42 ? 3 : ia > 29 ? 2 : 1;
	}
}

/* Bytes of a half's top-level table. */
static u64 top_bytes(unsigned int tsz, unsigned int g)
{
	unsigned int l = arm_levels(tsz, g);

	return 8ULL << (64 - tsz - (g + (g - 3) * (l - 1)));
}

struct ctx {
	struct wmem m;
	u64 next;				/* bump allocator */
	struct ioasid_smmuv3_cd_cfg cfg;
	/* What the last lookup read, in order. */
	u64 read_addr[16];
	unsigned int nread;
	unsigned int cmpxchgs;
};

static u64 ctx_alloc(struct ctx *c, u64 size, u64 align)
{
	u64 addr = (c->next + align - 1) & ~(align - 1);

	if (addr + size > c->m.base + wmem_size(&c->m)) {
		fprintf(stderr, "the tests need more than %d pages\n", PAGES);
		abort();
	}
	c->next = addr + size;
	return addr;
}

static void put_cd(struct ctx *c, u64 addr, const u64 cd[8])
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		wmem_set(&c->m, addr + 8 * i, cd[i]);
}

static int rec_read(void *priv, u64 addr, u64 *val)
{
	struct ctx *c = priv;

	if (c->nread < 16)
		c->read_addr[c->nread] = addr;
	c->nread++;
	return wmem_read(&c->m, addr, val);
}

static int rec_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct ctx *c = priv;

	c->cmpxchgs++;
	return wmem_cmpxchg(&c->m, addr, old, new, cur);
}

static struct ioasid_pt_io ctx_io(struct ctx *c)
{
	struct ioasid_pt_io io = {
		.priv = c, .read = rec_read, .cmpxchg = rec_cmpxchg,
	};

	return io;
}

static struct ioasid_format_smmuv3_cd mkdesc(u32 flags, u32 ssid_bits,
					     u32 oas, u64 granules)
{
	struct ioasid_format_smmuv3_cd d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_SMMUV3_CD },
		.flags = flags,
		.ssid_bits = ssid_bits,
		.oas_bits = oas,
		.granule_bitmap = granules,
	};

	return d;
}

static void ctx_config(struct ctx *c, u32 flags, u32 ssid_bits, u32 oas,
		       u64 granules)
{
	struct ioasid_format_smmuv3_cd d = mkdesc(flags, ssid_bits, oas, granules);

	if (ioasid_smmuv3_cd_config(&c->cfg, &d)) {
		fprintf(stderr, "bad test descriptor\n");
		abort();
	}
}

static int bind2(struct ctx *c, u64 e0, u64 e1)
{
	const u64 entry[4] = { e0, e1, 0, 0 };

	return ioasid_smmuv3_cd_bind(&c->cfg, 0, entry);
}

static int lookup(struct ctx *c, bool has_pasid, u32 pasid,
		  struct ioasid_pasid_s1 *s1, struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = ctx_io(c);

	c->nread = 0;
	c->cmpxchgs = 0;
	memset(s1, 0, sizeof(*s1));
	memset(res, 0xa5, sizeof(*res));	/* the decoder must zero it */
	return ioasid_smmuv3_cd_lookup(&c->cfg, has_pasid, pasid, &io, s1, res);
}

/* Walk the decoded stage 1 through the same parent memory. */
static int s1_walk(struct ctx *c, const struct ioasid_pasid_s1 *s1, u64 iova,
		   u32 access, struct ioasid_pt_result *r)
{
	struct ioasid_pt_io io = wmem_io(&c->m);

	return ioasid_arm64_walk(&s1->arm64, iova, access, &io, r);
}

/* Arm64 tables in the parent memory, built by pt_encode.h. */
static void s1_tables(struct ctx *c, struct pt_enc *e, unsigned int gran,
		      unsigned int tsz, bool ttb1, u64 bytes)
{
	struct pt_enc_params p = pt_enc_arm64_params(gran, tsz, ttb1);
	u64 area = ctx_alloc(c, bytes, SZ_64K);

	p.phys_bits = 48;
	if (pt_enc_init(e, &p, (u8 *)c->m.buf + (area - c->m.base), area, bytes)) {
		fprintf(stderr, "pt_enc_init failed\n");
		abort();
	}
}

static void s1_map(struct pt_enc *e, u64 iova, u64 pa, u64 size)
{
	if (pt_enc_map(e, iova, pa, size, PT_ENC_RW | PT_ENC_U)) {
		fprintf(stderr, "pt_enc_map failed\n");
		abort();
	}
}

static bool s1_same(const struct ioasid_pasid_s1 *a,
		    const struct ioasid_pasid_s1 *b)
{
	const struct ioasid_arm64_cfg *x = &a->arm64, *y = &b->arm64;
	unsigned int i;

	if (a->kind != b->kind || a->format != b->format || a->tag != b->tag ||
	    x->flags != y->flags || x->oas_bits != y->oas_bits ||
	    x->pgsize_bitmap != y->pgsize_bitmap)
		return false;
	for (i = 0; i < 2; i++)
		if (x->half[i].root != y->half[i].root ||
		    x->half[i].tsz != y->half[i].tsz ||
		    x->half[i].granule != y->half[i].granule ||
		    x->half[i].levels != y->half[i].levels)
			return false;
	return true;
}

FIXTURE(cd) {
	struct ctx c;
};

FIXTURE_SETUP(cd)
{
	ASSERT_EQ(0, wmem_init(&self->c.m, BASE, PAGES));
	self->c.next = BASE;
	ctx_config(&self->c, F_2LVL | F_HA | F_HD, 20, 48, 0);
}

FIXTURE_TEARDOWN(cd)
{
	EXPECT_EQ(0, self->c.m.misaligned);
	EXPECT_EQ(0, self->c.m.outside);
	EXPECT_EQ(0, self->c.cmpxchgs);
	wmem_fini(&self->c.m);
}

#define EXPECT_LOOKUP_FAULT(c, has, pasid, reason, lvl, nreads)		\
	do {								\
		struct ioasid_pasid_s1 __s;				\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(reason, lookup(c, has, pasid, &__s, &__r));	\
		EXPECT_EQ(reason, __r.fault_reason);			\
		EXPECT_EQ(lvl, __r.fault_level);			\
		EXPECT_EQ(0, __r.out);					\
		EXPECT_EQ(0, __r.page_size);				\
		EXPECT_EQ(0, __s.kind);					\
		EXPECT_EQ(nreads, (c)->nread);				\
	} while (0)

/* FORMAT_INFO, ALLOC --------------------------------------------------- */

TEST(info)
{
	struct ioasid_format_info info;

	memset(&info, 0xa5, sizeof(info));
	ioasid_smmuv3_cd_info(&info);
	EXPECT_EQ(F_2LVL | F_HA | F_HD, info.out_format_flags);
	EXPECT_EQ(0, info.out_bind_flags);
	EXPECT_EQ(IOASID_ARM64_PGSIZES, info.out_pgsize_bitmap);
	EXPECT_EQ((1 << 1) | (1 << 2), info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(48, info.out_max_phys_bits);
	EXPECT_EQ(20, info.out_input_bits);
	EXPECT_EQ(GRAN_ALL, info.out_granule_bitmap);
	EXPECT_EQ(0xa5a5a5a5, info.size);
	EXPECT_EQ(0xa5a5a5a5, info.flags);
	EXPECT_EQ(0xa5a5a5a5, info.format);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved);
	EXPECT_EQ(0xa5a5a5a5, info.__reserved2);
}

TEST(descriptor_layout)
{
	EXPECT_EQ(32, sizeof(struct ioasid_format_smmuv3_cd));
	EXPECT_EQ(8, offsetof(struct ioasid_format_smmuv3_cd, flags));
	EXPECT_EQ(24, offsetof(struct ioasid_format_smmuv3_cd, granule_bitmap));
	EXPECT_EQ(5, IOASID_FORMAT_SMMUV3_CD);
}

TEST(config_values)
{
	static const u32 oas[] = { 32, 36, 40, 42, 44, 48 };
	static const u32 flags[] = { 0, F_2LVL, F_HA, F_HA | F_HD,
				     F_2LVL | F_HA | F_HD };
	struct ioasid_smmuv3_cd_cfg cfg;
	struct ioasid_format_smmuv3_cd d;
	unsigned int i, f, s;
	u64 g;

	for (i = 0; i < 6; i++)
		for (f = 0; f < 5; f++)
			for (s = 0; s <= 20; s++)
				for (g = 0; g < 8; g++) {
					u64 gr = (g & 1 ? SZ_4K : 0) |
						 (g & 2 ? SZ_16K : 0) |
						 (g & 4 ? SZ_64K : 0);

					d = mkdesc(flags[f], s, oas[i], gr);
					memset(&cfg, 0xa5, sizeof(cfg));
					ASSERT_EQ(0, ioasid_smmuv3_cd_config(&cfg, &d));
					EXPECT_EQ(flags[f], cfg.flags);
					EXPECT_EQ(s, cfg.ssid_bits);
					EXPECT_EQ(oas[i], cfg.oas_bits);
					EXPECT_EQ(gr ? gr : GRAN_ALL, cfg.granules);
					EXPECT_EQ(IOASID_SMMUV3_CD_UNBOUND, cfg.mode);
					EXPECT_EQ(0, cfg.ctxptr);
				}
}

TEST(config_errors)
{
	struct ioasid_smmuv3_cd_cfg cfg, before;
	struct ioasid_format_smmuv3_cd d;
	unsigned int b;
	u32 v;

	memset(&before, 0x5a, sizeof(before));
#define EXPECT_CONFIG(err, desc)					\
	do {								\
		cfg = before;						\
		EXPECT_EQ(err, ioasid_smmuv3_cd_config(&cfg, &(desc)));	\
		EXPECT_EQ(0, memcmp(&cfg, &before, sizeof(cfg)));	\
	} while (0)

	/* EOPNOTSUPP: unknown flags, reserved, 52 and 56 bits. */
	for (b = 3; b < 32; b++) {
		d = mkdesc(1U << b, 20, 48, 0);
		EXPECT_CONFIG(-EOPNOTSUPP, d);
	}
	d = mkdesc(0, 20, 48, 0);
	d.__reserved = 1;
	EXPECT_CONFIG(-EOPNOTSUPP, d);
	d = mkdesc(0, 20, 52, 0);
	EXPECT_CONFIG(-EOPNOTSUPP, d);
	d = mkdesc(0, 20, 56, 0);
	EXPECT_CONFIG(-EOPNOTSUPP, d);
	/* ... before EINVAL. */
	d = mkdesc(F_HD | (1U << 7), 21, 52, 1);
	EXPECT_CONFIG(-EOPNOTSUPP, d);

	/* EINVAL one by one. */
	d = mkdesc(F_HD, 20, 48, 0);
	EXPECT_CONFIG(-EINVAL, d);
	d = mkdesc(F_2LVL | F_HD, 20, 48, 0);
	EXPECT_CONFIG(-EINVAL, d);
	for (v = 0; v <= 64; v++) {
		if (v == 32 || v == 36 || v == 40 || v == 42 || v == 44 ||
		    v == 48 || v == 52 || v == 56)
			continue;
		d = mkdesc(0, 20, v, 0);
		EXPECT_CONFIG(-EINVAL, d);
	}
	for (v = 21; v < 40; v++) {
		d = mkdesc(0, v, 48, 0);
		EXPECT_CONFIG(-EINVAL, d);
	}
	d = mkdesc(0, ~0U, 48, 0);
	EXPECT_CONFIG(-EINVAL, d);
	for (b = 0; b < 64; b++) {
		if (b == 12 || b == 14 || b == 16)
			continue;
		d = mkdesc(0, 20, 48, 1ULL << b);
		EXPECT_CONFIG(-EINVAL, d);
		d = mkdesc(0, 20, 48, SZ_4K | 1ULL << b);
		EXPECT_CONFIG(-EINVAL, d);
	}
#undef EXPECT_CONFIG
}

/* BIND ------------------------------------------------------------------ */

TEST_F(cd, bind_modes)
{
	struct ioasid_smmuv3_cd_cfg *cfg = &self->c.cfg;
	unsigned int config;

	for (config = 0; config < 4; config++) {
		ASSERT_EQ(0, bind2(&self->c, ste0(config, 0, 0, 0), 0));
		EXPECT_EQ(IOASID_SMMUV3_CD_ABORT, cfg->mode);
	}
	ASSERT_EQ(0, bind2(&self->c, ste0(CFG_BYPASS, 0, 0, 0), 0));
	EXPECT_EQ(IOASID_SMMUV3_CD_BYPASS, cfg->mode);
	ASSERT_EQ(0, bind2(&self->c, ste0(CFG_S1, FMT_64K, 0x40000, 17),
			   DSS_SSID0));
	EXPECT_EQ(IOASID_SMMUV3_CD_S1, cfg->mode);
	EXPECT_EQ(IOASID_SMMUV3_CD_2LVL_64K, cfg->s1fmt);
	EXPECT_EQ(17, cfg->s1cdmax);
	EXPECT_EQ(IOASID_SMMUV3_CD_DSS_SSID0, cfg->s1dss);
	EXPECT_EQ(0x40000, cfg->ctxptr);
	/* Stage 2 (0b110, 0b111): the parent is the stage 2. */
	EXPECT_EQ(-EINVAL, bind2(&self->c, ste0(6, 0, 0, 0), 0));
	EXPECT_EQ(-EINVAL, bind2(&self->c, ste0(7, 0, 0x1000, 0), 0));
	EXPECT_EQ(IOASID_SMMUV3_CD_S1, cfg->mode);
	/* Abort and bypass keep nothing of stage 1. */
	ASSERT_EQ(0, bind2(&self->c, ste0(CFG_BYPASS, FMT_4K, 0x40000, 17), 2));
	EXPECT_EQ(0, cfg->s1cdmax);
	EXPECT_EQ(0, cfg->s1fmt);
	EXPECT_EQ(0, cfg->s1dss);
	EXPECT_EQ(0, cfg->ctxptr);
}

/* Every failing BIND leaves the cfg as it was. */
#define EXPECT_BIND(c, err, e0, e1)					\
	do {								\
		struct ioasid_smmuv3_cd_cfg __b = (c)->cfg;		\
		int __ret = bind2(c, e0, e1);				\
		EXPECT_EQ(err, __ret);					\
		if (__ret)						\
			EXPECT_EQ(0, memcmp(&__b, &(c)->cfg, sizeof(__b))); \
	} while (0)

TEST_F(cd, bind_errors)
{
	struct ctx *c = &self->c;
	const u64 good0 = ste0(CFG_S1, FMT_LINEAR, 0x10000, 4);
	const u64 ok_entry[4] = { good0, 0, 0, 0 };
	u64 entry[4];
	unsigned int b, i;

	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_4K, 0x20000, 20), DSS_BYPASS));
	/* A bind flag. */
	for (b = 0; b < 32; b++)
		EXPECT_EQ(-EOPNOTSUPP, ioasid_smmuv3_cd_bind(&c->cfg, 1U << b, ok_entry));
	/* Words 2 and 3. */
	for (i = 2; i < 4; i++) {
		memcpy(entry, ok_entry, sizeof(entry));
		entry[i] = 1ULL << (i * 7);
		EXPECT_EQ(-EINVAL, ioasid_smmuv3_cd_bind(&c->cfg, 0, entry));
	}
	EXPECT_EQ(0x20000, c->cfg.ctxptr);
	/* V clear, in every Config. */
	for (i = 0; i < 8; i++)
		EXPECT_BIND(c, -EINVAL, ste0(i, 0, 0, 0) & ~STE_V, 0);
	/* Reserved bits in every mode. */
	for (i = 0; i < 3; i++) {
		static const unsigned int modes[3] = { CFG_ABORT, CFG_BYPASS, CFG_S1 };
		u64 e0 = ste0(modes[i], 0, 0x10000, 0);

		for (b = 56; b <= 58; b++)
			EXPECT_BIND(c, -EINVAL, e0 | 1ULL << b, 0);
		for (b = 41; b <= 43; b++)
			EXPECT_BIND(c, -EINVAL, e0, 1ULL << b);
		/* PRIVCFG and INSTCFG overrides. */
		EXPECT_BIND(c, -EINVAL, e0, 2ULL << 48);
		EXPECT_BIND(c, -EINVAL, e0, 3ULL << 48);
		EXPECT_BIND(c, -EINVAL, e0, 2ULL << 50);
		EXPECT_BIND(c, -EINVAL, e0, 3ULL << 50);
		EXPECT_BIND(c, 0, e0, 1ULL << 48 | 1ULL << 50);
	}
	/* Stage 1: S1PIE, S1STALLD, STRW. */
	EXPECT_BIND(c, -EINVAL, good0, 1ULL << 24);
	EXPECT_BIND(c, -EINVAL, good0, 1ULL << 27);
	EXPECT_BIND(c, -EINVAL, good0, 1ULL << 30);
	EXPECT_BIND(c, -EINVAL, good0, 2ULL << 30);
	EXPECT_BIND(c, -EINVAL, good0, 3ULL << 30);
	/* ... which abort and bypass ignore. */
	EXPECT_BIND(c, 0, ste0(CFG_BYPASS, 0, 0, 0), 1ULL << 24 | 1ULL << 27 | 3ULL << 30);
	EXPECT_BIND(c, 0, ste0(CFG_ABORT, 0, 0, 0), 1ULL << 24 | 1ULL << 27 | 3ULL << 30);
	/* S1CDMax above ssid_bits. */
	ctx_config(c, F_2LVL, 8, 48, 0);
	EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, 0x10000, 8), 0);
	for (i = 9; i < 32; i++)
		EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_LINEAR, 0, i), 0);
	/* 2-level without 2LVL. */
	ctx_config(c, 0, 20, 48, 0);
	EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_4K, 0x10000, 8), 0);
	EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_64K, 0x10000, 12), 0);
	EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, 0x10000, 8), 0);
	/* S1ContextPtr beyond the output size. */
	ctx_config(c, F_2LVL, 20, 40, 0);
	EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, (1ULL << 40) - 64, 0), 0);
	EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_LINEAR, 1ULL << 40, 0), 0);
	EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_LINEAR, 1ULL << 55, 0), 0);
	EXPECT_BIND(c, -EINVAL, ste0(CFG_S1, FMT_4K, 1ULL << 47, 7), 0);
	/* ... which abort and bypass ignore. */
	EXPECT_BIND(c, 0, ste0(CFG_BYPASS, FMT_4K, 1ULL << 47, 7), 0);
}

/* S1ContextPtr aligned to its table's size (IHI0070G.b, STE.S1Fmt). */
TEST_F(cd, bind_table_alignment)
{
	struct ctx *c = &self->c;
	unsigned int cdmax;

	for (cdmax = 0; cdmax <= 20; cdmax++) {
		u64 lin = 64ULL << cdmax;	/* linear: [cdmax + 5:6] */
		u64 l4k = cdmax > 9 ? 1ULL << (cdmax - 3) : 64;
		u64 l64k = cdmax > 13 ? 1ULL << (cdmax - 7) : 64;
		u64 base = 1ULL << 40;

		EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, base, cdmax), 0);
		EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, base + lin, cdmax), 0);
		if (lin > 64)
			EXPECT_BIND(c, -EINVAL,
				    ste0(CFG_S1, FMT_LINEAR, base + lin / 2, cdmax), 0);
		EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_LINEAR, base + 2 * lin, cdmax), 0);
		if (!cdmax) {
			/* One CD: S1Fmt is ignored, 64-byte alignment. */
			EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_4K, base + 64, 0), 0);
			EXPECT_EQ(0, c->cfg.s1fmt);
			continue;
		}
		EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_4K, base + l4k, cdmax), 0);
		EXPECT_EQ(FMT_4K, c->cfg.s1fmt);
		if (l4k > 64)
			EXPECT_BIND(c, -EINVAL,
				    ste0(CFG_S1, FMT_4K, base + l4k / 2, cdmax), 0);
		EXPECT_BIND(c, 0, ste0(CFG_S1, FMT_64K, base + l64k, cdmax), 0);
		EXPECT_EQ(FMT_64K, c->cfg.s1fmt);
		if (l64k > 64)
			EXPECT_BIND(c, -EINVAL,
				    ste0(CFG_S1, FMT_64K, base + l64k / 2, cdmax), 0);
	}
}

/* What the VMM's business is: every ignored STE bit set changes nothing. */
TEST_F(cd, bind_ignored_fields)
{
	struct ctx *c = &self->c;
	/* dword 1: 7:2, 11:8, 12, 16:13, 17, 18, 19, 23:20, 25, 26, 29:28,
	 * 35:32, 36, 40:37, 45:44, 47:46, 63:52 */
	const u64 ign1 = 0xfff0f1ff36fffffcULL;
	struct ioasid_smmuv3_cd_cfg a, b;

	EXPECT_EQ(0, ign1 & ((3ULL << 0) | (1ULL << 24) | (1ULL << 27) |
			     (3ULL << 30) | (7ULL << 41) | (15ULL << 48)));
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, 0x30000, 16), DSS_BYPASS));
	a = c->cfg;
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, 0x30000, 16), DSS_BYPASS | ign1));
	b = c->cfg;
	EXPECT_EQ(a.mode, b.mode);
	EXPECT_EQ(a.s1fmt, b.s1fmt);
	EXPECT_EQ(a.s1cdmax, b.s1cdmax);
	EXPECT_EQ(a.s1dss, b.s1dss);
	EXPECT_EQ(a.ctxptr, b.ctxptr);
	EXPECT_EQ(IOASID_SMMUV3_CD_DSS_BYPASS, b.s1dss);
}

/* Reserved encodings that behave as others, and SSIDSIZE 0. */
TEST_F(cd, bind_reserved_encodings_and_no_substreams)
{
	struct ctx *c = &self->c;

	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, 3, 0x10000, 6), 3));
	EXPECT_EQ(IOASID_SMMUV3_CD_LINEAR, c->cfg.s1fmt);
	EXPECT_EQ(IOASID_SMMUV3_CD_DSS_TERMINATE, c->cfg.s1dss);
	/* S1CDMax 0: S1Fmt and S1DSS are ignored. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, 0x10040, 0), DSS_SSID0));
	EXPECT_EQ(0, c->cfg.s1fmt);
	EXPECT_EQ(0, c->cfg.s1dss);
	EXPECT_EQ(0x10040, c->cfg.ctxptr);
	/* SSIDSIZE 0: S1CDMax too, and 2-level needs no 2LVL then. */
	ctx_config(c, 0, 0, 48, 0);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, 0x10040, 31), DSS_SSID0));
	EXPECT_EQ(0, c->cfg.s1cdmax);
	EXPECT_EQ(0, c->cfg.s1fmt);
	EXPECT_EQ(0, c->cfg.s1dss);
}

/* DMA: the STE alone ------------------------------------------------------ */

TEST_F(cd, lookup_abort_and_bypass)
{
	struct ctx *c = &self->c;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;

	/* Unbound: nothing. */
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 0, 0);
	ASSERT_EQ(0, bind2(c, ste0(CFG_ABORT, 0, 0, 0), 0));
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 0, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 5, NP, 0, 0);
	ASSERT_EQ(0, bind2(c, ste0(2, 0, 0, 0), 0));	/* 0b010 aborts too */
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 0, 0);
	ASSERT_EQ(0, bind2(c, ste0(CFG_BYPASS, 0, 0, 0), 0));
	EXPECT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(IOASID_PASID_BYPASS, s1.kind);
	EXPECT_EQ(0, r.fault_reason);
	EXPECT_EQ(0, r.fault_level);
	EXPECT_EQ(0, c->nread);
	/* With a PASID: C_BAD_SUBSTREAMID. */
	EXPECT_LOOKUP_FAULT(c, true, 0, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 1, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 0xfffff, NP, 0, 0);
}

/* Linear tables ----------------------------------------------------------- */

/* CD i of a table at @table: ASID 0x100 + i, TTB0 0x10000 * (i + 1). */
static void fill_linear(struct ctx *c, u64 table, unsigned int n)
{
	unsigned int i;
	u64 cd[8];

	for (i = 0; i < n; i++) {
		struct cdf f = cdf_default(0x10000ULL * (i + 1));

		f.asid = 0x100 + i;
		cd_make(cd, &f);
		put_cd(c, table + 64 * i, cd);
	}
}

#define EXPECT_CD(c, has, pasid, asid_, ttb0_, nreads)			\
	do {								\
		struct ioasid_pasid_s1 __s;				\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(0, lookup(c, has, pasid, &__s, &__r));	\
		EXPECT_EQ(0, __r.fault_reason);				\
		EXPECT_EQ(0, __r.fault_level);				\
		EXPECT_EQ(IOASID_PASID_STAGE1, __s.kind);		\
		EXPECT_EQ(IOASID_FORMAT_ARM64, __s.format);		\
		EXPECT_EQ(asid_, __s.tag);				\
		EXPECT_EQ(ttb0_, __s.arm64.half[0].root);		\
		EXPECT_EQ(nreads, (c)->nread);				\
	} while (0)

TEST_F(cd, linear_one_cd)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64);

	fill_linear(c, t, 1);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 0), DSS_SSID0));
	EXPECT_CD(c, false, 0, 0x100, 0x10000, 3);
	EXPECT_EQ(t, c->read_addr[0]);
	EXPECT_EQ(t + 8, c->read_addr[1]);
	EXPECT_EQ(t + 16, c->read_addr[2]);
	/* Substreams disabled: any PASID, 0 too. */
	EXPECT_LOOKUP_FAULT(c, true, 0, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 1, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 0xffffffff, NP, 0, 0);
}

TEST_F(cd, linear_every_pasid_and_bounds)
{
	struct ctx *c = &self->c;
	unsigned int cdmax, i;

	for (cdmax = 1; cdmax <= 8; cdmax++) {
		u64 t = ctx_alloc(c, 64ULL << cdmax, 64ULL << cdmax);

		fill_linear(c, t, 1U << cdmax);
		ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, cdmax), DSS_TERM));
		for (i = 0; i < (1U << cdmax); i++) {
			EXPECT_CD(c, true, i, 0x100 + i, 0x10000ULL * (i + 1), 3);
			EXPECT_EQ(t + 64 * i, c->read_addr[0]);
		}
		EXPECT_LOOKUP_FAULT(c, true, 1U << cdmax, NP, 0, 0);
		EXPECT_LOOKUP_FAULT(c, true, (1U << cdmax) + 1, NP, 0, 0);
		EXPECT_LOOKUP_FAULT(c, true, 1U << 20, NP, 0, 0);
		EXPECT_LOOKUP_FAULT(c, true, 0x80000000, NP, 0, 0);
	}
}

/* S1DSS: DMA without a PASID, and what PASID 0 does in each mode. */
TEST_F(cd, no_pasid_modes_linear)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64 * 16, 1024);
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;

	fill_linear(c, t, 16);
	/* Terminate: F_STREAM_DISABLED; PASID 0 is CD 0. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 4), DSS_TERM));
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 0, 0);
	EXPECT_CD(c, true, 0, 0x100, 0x10000, 3);
	EXPECT_CD(c, true, 15, 0x10f, 0x100000, 3);
	/* The reserved 0b11 behaves as terminate. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 4), 3));
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 0, 0);
	EXPECT_CD(c, true, 0, 0x100, 0x10000, 3);
	/* Bypass: PASID 0 is CD 0. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 4), DSS_BYPASS));
	EXPECT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(IOASID_PASID_BYPASS, s1.kind);
	EXPECT_EQ(0, c->nread);
	EXPECT_CD(c, true, 0, 0x100, 0x10000, 3);
	/* Substream 0: no PASID uses CD 0, PASID 0 is refused. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 4), DSS_SSID0));
	EXPECT_CD(c, false, 0, 0x100, 0x10000, 3);
	EXPECT_EQ(t, c->read_addr[0]);
	EXPECT_LOOKUP_FAULT(c, true, 0, NP, 0, 0);
	EXPECT_CD(c, true, 1, 0x101, 0x20000, 3);
	/* The pasid argument means nothing without has_pasid. */
	EXPECT_CD(c, false, 7, 0x100, 0x10000, 3);
}

/* 2-level tables ---------------------------------------------------------- */

/*
 * A 2-level table of 2^@cdmax CDs with leaf tables of 2^@split CDs; only
 * the leaf tables of @present (bit i: L1 entry i) exist. CD i: ASID i,
 * TTB0 0x1000 * (i + 1). Returns the L1 table.
 */
static u64 fill_2lvl(struct ctx *c, unsigned int split, unsigned int cdmax,
		     u64 present)
{
	unsigned int n1 = cdmax > split ? 1U << (cdmax - split) : 1;
	unsigned int per = 1U << (cdmax < split ? cdmax : split);
	u64 l1 = ctx_alloc(c, 8ULL * n1, n1 * 8 < 64 ? 64 : n1 * 8), cd[8];
	unsigned int i, j;

	for (i = 0; i < n1 && i < 64; i++) {
		u64 l2;

		if (!(present & (1ULL << i)))
			continue;
		l2 = ctx_alloc(c, 64ULL << split, 64ULL << split);
		wmem_set(&c->m, l1 + 8 * i, l2 | 1);
		for (j = 0; j < per; j++) {
			u64 idx = ((u64)i << split) + j;
			struct cdf f = cdf_default(0x1000 * (idx + 1));

			f.asid = (uint16_t)idx;
			cd_make(cd, &f);
			put_cd(c, l2 + 64 * j, cd);
		}
	}
	return l1;
}

TEST_F(cd, two_level_4k_and_64k)
{
	static const struct { unsigned int fmt, split, cdmax; } t[] = {
		{ FMT_4K, 6, 1 }, { FMT_4K, 6, 6 }, { FMT_4K, 6, 7 },
		{ FMT_4K, 6, 9 }, { FMT_4K, 6, 10 },
		{ FMT_64K, 10, 3 }, { FMT_64K, 10, 10 }, { FMT_64K, 10, 11 },
		{ FMT_64K, 10, 12 },
	};
	struct ctx *c = &self->c;
	unsigned int k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		unsigned int n1 = t[k].cdmax > t[k].split ?
				  1U << (t[k].cdmax - t[k].split) : 1;
		u64 present = n1 > 1 ? 0x5 : 1;	/* L1 entries 0 and 2 */
		u64 l1, l2_0, l2_2 = 0;
		u32 last = (1U << t[k].cdmax) - 1, per = 1U << t[k].split;

		c->next = BASE;
		memset(c->m.buf, 0, wmem_size(&c->m));
		l1 = fill_2lvl(c, t[k].split, t[k].cdmax, present);
		l2_0 = wmem_get(&c->m, l1) & ~1ULL;
		if (n1 > 2)
			l2_2 = wmem_get(&c->m, l1 + 16) & ~1ULL;
		ASSERT_EQ(0, bind2(c, ste0(CFG_S1, t[k].fmt, l1, t[k].cdmax),
				   DSS_SSID0));
		/* No PASID: CD 0 through L1 entry 0. */
		EXPECT_CD(c, false, 0, 0, 0x1000, 4);
		EXPECT_EQ(l1, c->read_addr[0]);
		EXPECT_EQ(l2_0, c->read_addr[1]);
		EXPECT_EQ(l2_0 + 8, c->read_addr[2]);
		EXPECT_EQ(l2_0 + 16, c->read_addr[3]);
		EXPECT_LOOKUP_FAULT(c, true, 0, NP, 0, 0);
		/* The last CD of L1 entry 0. */
		if (t[k].cdmax >= t[k].split) {
			EXPECT_CD(c, true, per - 1, per - 1, 0x1000ULL * per, 4);
			EXPECT_EQ(l2_0 + 64 * (per - 1), c->read_addr[1]);
		} else {
			EXPECT_CD(c, true, last, last, 0x1000ULL * (last + 1), 4);
		}
		if (n1 > 1) {
			/* L1 entry 1: not valid. */
			EXPECT_LOOKUP_FAULT(c, true, per, NP, 2, 1);
			EXPECT_EQ(l1 + 8, c->read_addr[0]);
			EXPECT_LOOKUP_FAULT(c, true, 2 * per - 1, NP, 2, 1);
		}
		if (n1 > 2) {
			EXPECT_CD(c, true, 2 * per + 5, 2 * per + 5,
				  0x1000ULL * (2 * per + 6), 4);
			EXPECT_EQ(l1 + 16, c->read_addr[0]);
			EXPECT_EQ(l2_2 + 64 * 5, c->read_addr[1]);
		}
		if (n1 > 3)
			EXPECT_LOOKUP_FAULT(c, true, last, NP, 2, 1);
		EXPECT_LOOKUP_FAULT(c, true, last + 1, NP, 0, 0);
	}
}

TEST_F(cd, two_level_max_ssid)
{
	struct ctx *c = &self->c;
	/* 2^20 CDs: 1024 L1CDs (8 KiB) of 64 KiB leaf tables; one present. */
	u64 l1 = ctx_alloc(c, 8192, 8192), l2 = ctx_alloc(c, SZ_64K, SZ_64K);
	u32 pasid = 0xfffff;
	struct cdf f = cdf_default(0x7654000);
	u64 cd[8];

	f.asid = 0xbeef;
	cd_make(cd, &f);
	put_cd(c, l2 + 64 * 1023, cd);
	wmem_set(&c->m, l1 + 8 * 1023, l2 | 1);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, l1, 20), DSS_TERM));
	EXPECT_CD(c, true, pasid, 0xbeef, 0x7654000, 4);
	EXPECT_EQ(l1 + 8 * 1023, c->read_addr[0]);
	EXPECT_EQ(l2 + 64 * 1023, c->read_addr[1]);
	EXPECT_LOOKUP_FAULT(c, true, pasid + 1, NP, 0, 0);
	EXPECT_LOOKUP_FAULT(c, true, 0xfffff - 1024, NP, 2, 1);
	/* 4 KiB leaf tables: 16384 L1CDs (128 KiB). */
	ctx_config(c, F_2LVL, 20, 48, 0);
	l1 = ctx_alloc(c, 128 << 10, 128 << 10);
	l2 = ctx_alloc(c, SZ_4K, SZ_4K);
	put_cd(c, l2 + 64 * 63, cd);
	wmem_set(&c->m, l1 + 8 * 16383, l2 | 1);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_4K, l1, 20), DSS_TERM));
	EXPECT_CD(c, true, pasid, 0xbeef, 0x7654000, 4);
	EXPECT_EQ(l1 + 8 * 16383, c->read_addr[0]);
	EXPECT_EQ(l2 + 64 * 63, c->read_addr[1]);
}

TEST_F(cd, l1cd_encodings)
{
	struct ctx *c = &self->c;
	u64 l1 = ctx_alloc(c, 64, 64), l2 = ctx_alloc(c, SZ_64K, SZ_64K);
	u64 good = l2 | 1, cd[8];
	struct cdf f = cdf_default(0x4000);
	unsigned int b;

	f.asid = 3;
	cd_make(cd, &f);
	put_cd(c, l2 + 64 * 3, cd);
	wmem_set(&c->m, l1, good);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_4K, l1, 8), DSS_SSID0));
	EXPECT_CD(c, true, 3, 3, 0x4000, 4);
	/* Reserved bits 11:1 and 63:56. */
	for (b = 1; b < 64; b++) {
		if (b >= 12 && b < 56)
			continue;
		wmem_set(&c->m, l1, good | 1ULL << b);
		EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 2, 1);
	}
	/* V clear: nothing else matters. */
	wmem_set(&c->m, l1, (good & ~1ULL) | 1ULL << 60 | 0xffe);
	EXPECT_LOOKUP_FAULT(c, true, 3, NP, 2, 1);
	/* L2Ptr beyond OAS (up to bit 55). */
	wmem_set(&c->m, l1, good | 1ULL << 48);
	EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 2, 1);
	wmem_set(&c->m, l1, good | 1ULL << 55);
	EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 2, 1);
	ctx_config(c, F_2LVL, 20, 32, 0);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_4K, l1, 8), DSS_SSID0));
	wmem_set(&c->m, l1, good | 1ULL << 32);
	EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 2, 1);
	wmem_set(&c->m, l1, good);
	EXPECT_CD(c, true, 3, 3, 0x4000, 4);
	/* 64 KiB leaf tables: L2Ptr[15:12] RES0. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, l1, 8), DSS_SSID0));
	EXPECT_CD(c, true, 3, 3, 0x4000, 4);
	EXPECT_EQ(l2 + 64 * 3, c->read_addr[1]);
	for (b = 12; b < 16; b++) {
		wmem_set(&c->m, l1, good | 1ULL << b);
		EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 2, 1);
	}
	/* 4 KiB leaf tables take a 4 KiB aligned L2Ptr. */
	f.ttb0 = 0x99000;
	cd_make(cd, &f);
	put_cd(c, l2 + 3 * SZ_4K + 64 * 3, cd);
	wmem_set(&c->m, l1, (l2 + 3 * SZ_4K) | 1);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_4K, l1, 8), DSS_SSID0));
	EXPECT_CD(c, true, 3, 3, 0x99000, 4);
	EXPECT_EQ(l2 + 3 * SZ_4K + 64 * 3, c->read_addr[1]);
}

/* The CD ------------------------------------------------------------------ */

/* A bound linear table of one CD at @t, holding @cd. */
static void one_cd(struct ctx *c, u64 t, const u64 cd[8])
{
	put_cd(c, t, cd);
	if (bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 0), 0))
		abort();
}

TEST_F(cd, cd_not_valid)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct cdf f = cdf_default(0x10000);

	cd_make(cd, &f);
	cd[0] &= ~CD_V;
	cd[1] = ~0ULL;		/* never read */
	one_cd(c, t, cd);
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 1, 1);
	EXPECT_EQ(t, c->read_addr[0]);
	memset(cd, 0, sizeof(cd));
	one_cd(c, t, cd);
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 1, 1);
}

/* Each encoding the decoder refuses, one by one, on an otherwise good CD. */
TEST_F(cd, cd_refused_encodings)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8], good[8];
	struct cdf f = cdf_default(0x10000);
	unsigned int b, i;

	cd_make(good, &f);
#define EXPECT_CD_BAD(mod)						\
	do {								\
		memcpy(cd, good, sizeof(cd));				\
		mod;							\
		one_cd(c, t, cd);					\
		EXPECT_LOOKUP_FAULT(c, false, 0, BAD, 1, 3);		\
	} while (0)

	one_cd(c, t, good);
	EXPECT_CD(c, false, 0, 0x1234, 0x10000, 3);
	EXPECT_CD_BAD(cd[0] &= ~CD_AA64);	/* VMSAv8-32 LPAE */
	EXPECT_CD_BAD(cd[0] &= ~CD_A);		/* RAZ/WI termination */
	EXPECT_CD_BAD(cd[0] |= CD_S);		/* stall */
	EXPECT_CD_BAD(cd[0] |= CD_WXN);
	EXPECT_CD_BAD(cd[0] |= CD_PAN);
	EXPECT_CD_BAD(cd[0] |= CD_ENDI);
	EXPECT_CD_BAD(cd[0] |= CD_AFFD);	/* without HA */
	EXPECT_CD_BAD(cd[0] |= CD_AFFD | CD_HD);
	/* dword 1: E0PD0, HAFT, 57:56, PnCH, EPAN. */
	EXPECT_CD_BAD(cd[1] |= 1ULL << 2);
	EXPECT_CD_BAD(cd[1] |= 1ULL << 3);
	for (b = 56; b <= 59; b++)
		EXPECT_CD_BAD(cd[1] |= 1ULL << b);
	/* dword 2, even with TTB1 disabled: E0PD1, 57:56, DS, PIE. */
	EXPECT_CD_BAD(cd[2] |= 1ULL << 2);
	for (b = 56; b <= 59; b++)
		EXPECT_CD_BAD(cd[2] |= 1ULL << b);
	/* T0SZ out of 16 to 39 (the enabled half). */
	for (i = 0; i < 64; i++) {
		if (i >= 16 && i <= 39)
			continue;
		EXPECT_CD_BAD(cd[0] = (cd[0] & ~0x3fULL) | i);
	}
	/* TG0 reserved. */
	EXPECT_CD_BAD(cd[0] |= 3ULL << 6);
	/* TTB0 beyond the IPS (48 here), up to bit 55. */
	for (b = 48; b <= 55; b++)
		EXPECT_CD_BAD(cd[1] |= 1ULL << b);
#undef EXPECT_CD_BAD
}

/* HA and HD against what the emulated SMMU has (SMMU_IDR0.HTTU). */
TEST_F(cd, cd_httu)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct cdf f = cdf_default(0x10000);
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	static const struct {
		u32 flags;	/* descriptor */
		u64 bits;	/* CD */
		int ret;
		u32 arm;	/* Arm64 flags then */
	} k[] = {
		{ 0, 0, 0, 0 },
		{ 0, CD_HA, BAD, 0 },
		{ 0, CD_HD, BAD, 0 },
		{ F_HA, CD_HA, 0, IOASID_ARM64_HA },
		{ F_HA, CD_HA | CD_HD, BAD, 0 },
		{ F_HA, CD_HD, BAD, 0 },
		{ F_HA | F_HD, CD_HA | CD_HD, 0, IOASID_ARM64_HA | IOASID_ARM64_HD },
		/* {HD, HA} 0b10: no hardware update at all */
		{ F_HA | F_HD, CD_HD, 0, 0 },
		/* AFFD is ignored with HA, refused without */
		{ F_HA, CD_HA | CD_AFFD, 0, IOASID_ARM64_HA },
		{ F_HA | F_HD, CD_HD | CD_AFFD, BAD, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		ctx_config(c, k[i].flags, 0, 48, 0);
		f.extra0 = k[i].bits;
		cd_make(cd, &f);
		one_cd(c, t, cd);
		EXPECT_EQ(k[i].ret, lookup(c, false, 0, &s1, &r));
		if (k[i].ret) {
			EXPECT_EQ(1, r.fault_level);
			continue;
		}
		EXPECT_EQ(k[i].arm | IOASID_ARM64_EPD1, s1.arm64.flags);
	}
}

/* Every field that changes the configuration, and the walk through it. */
TEST_F(cd, cd_granules_sizes_and_walks)
{
	static const unsigned int gran[3] = { 12, 14, 16 };
	static const unsigned int tszs[] = { 16, 20, 25, 28, 33, 39 };
	struct ctx *c = &self->c;
	unsigned int a, s, half;
	u64 cd[8];

	for (half = 0; half < 2; half++)
		for (a = 0; a < 3; a++)
			for (s = 0; s < sizeof(tszs) / sizeof(tszs[0]); s++) {
				unsigned int g = gran[a], tsz = tszs[s], l;
				u64 t, iova, pa = 0x300000, top;
				struct pt_enc e;
				struct ioasid_pasid_s1 s1;
				struct ioasid_pt_result r;
				struct cdf f = cdf_default(0);

				c->next = BASE;
				memset(c->m.buf, 0, wmem_size(&c->m));
				t = ctx_alloc(c, 64, 64);
				s1_tables(c, &e, g, tsz, half, 1 << 20);
				top = 1ULL << (64 - tsz);
				/* The first page of TTB0, or the last of TTB1. */
				iova = half ? -(1ULL << g) : top - (1ULL << g);
				s1_map(&e, iova, pa, 1ULL << g);
				f.epd0 = half;
				f.epd1 = !half;
				if (half) {
					f.t1sz = tsz;
					f.tg1 = g;
					f.ttb1 = pt_enc_root1(&e);
					f.t0sz = 39;		/* ignored */
					f.tg0 = 14;
				} else {
					f.t0sz = tsz;
					f.tg0 = g;
					f.ttb0 = pt_enc_root(&e);
				}
				cd_make(cd, &f);
				if (half)	/* TG0 reserved: ignored */
					cd[0] |= 3ULL << 6;
				one_cd(c, t, cd);
				ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
				for (l = 0; l < 2; l++) {
					/* The disabled half copies the other's. */
					EXPECT_EQ(tsz, s1.arm64.half[l].tsz);
					EXPECT_EQ(g, s1.arm64.half[l].granule);
					EXPECT_EQ(arm_levels(tsz, g),
						  s1.arm64.half[l].levels);
				}
				EXPECT_EQ(half ? 0 : pt_enc_root(&e), s1.arm64.half[0].root);
				EXPECT_EQ(half ? pt_enc_root1(&e) : 0, s1.arm64.half[1].root);
				EXPECT_EQ(half ? IOASID_ARM64_EPD0 : IOASID_ARM64_EPD1,
					  s1.arm64.flags);
				EXPECT_EQ(48, s1.arm64.oas_bits);
				ASSERT_EQ(0, s1_walk(c, &s1, iova + 0x10,
						     IOASID_ACCESS_READ, &r));
				EXPECT_EQ(pa + 0x10, r.out);
				EXPECT_EQ(1ULL << g, r.page_size);
				/* The disabled half faults. */
				EXPECT_EQ(IOASID_FAULT_NOT_PRESENT,
					  s1_walk(c, &s1, half ? 0 : -(1ULL << g),
						  IOASID_ACCESS_READ, &r));
				/* A granule the SMMU lacks. */
				ctx_config(c, F_2LVL | F_HA | F_HD, 20, 48,
					   GRAN_ALL & ~(1ULL << g));
				one_cd(c, t, cd);
				EXPECT_LOOKUP_FAULT(c, false, 0, BAD, 1, 3);
				ctx_config(c, F_2LVL | F_HA | F_HD, 20, 48, 1ULL << g);
				one_cd(c, t, cd);
				ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
				ctx_config(c, F_2LVL | F_HA | F_HD, 20, 48, 0);
			}
}

/* Arm64 descriptor bits the walks below flip, from the Arm ARM. */
#define PTE_AP2		(1ULL << 7)
#define PTE_AF		(1ULL << 10)
#define PTE_DBM		(1ULL << 51)

/* HA, HD and AFFD as the walks see them: AF and dirty state. */
TEST_F(cd, cd_httu_walks)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8], *leaf;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	struct pt_enc e;
	struct cdf f = cdf_default(0);

	s1_tables(c, &e, 12, 16, false, 1 << 20);
	s1_map(&e, 0x5000, 0x900000, SZ_4K);
	leaf = pt_enc_leaf(&e, 0x5000, NULL, NULL);
	ASSERT_NE(NULL, leaf);
	f.ttb0 = pt_enc_root(&e);

	/* No HA: AF clear faults. */
	pt_enc_set(leaf, pt_enc_get(leaf) & ~PTE_AF);
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(IOASID_FAULT_ACCESS_FLAG,
		  s1_walk(c, &s1, 0x5000, IOASID_ACCESS_READ, &r));
	EXPECT_EQ(0, pt_enc_get(leaf) & PTE_AF);
	/* HA (and AFFD, then ignored): the walk sets AF. */
	f.extra0 = CD_HA | CD_AFFD;
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	ASSERT_EQ(0, s1_walk(c, &s1, 0x5008, IOASID_ACCESS_READ, &r));
	EXPECT_EQ(0x900008, r.out);
	EXPECT_EQ(PTE_AF, pt_enc_get(leaf) & PTE_AF);

	/* A writable-clean page: read-only without HD... */
	pt_enc_set(leaf, pt_enc_get(leaf) | PTE_DBM | PTE_AP2);
	EXPECT_EQ(IOASID_FAULT_PERMISSION,
		  s1_walk(c, &s1, 0x5000, IOASID_ACCESS_WRITE, &r));
	/* ... and with {HD, HA} 0b10, which updates nothing. */
	f.extra0 = CD_HD;
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(IOASID_FAULT_PERMISSION,
		  s1_walk(c, &s1, 0x5000, IOASID_ACCESS_WRITE, &r));
	EXPECT_EQ(PTE_AP2, pt_enc_get(leaf) & PTE_AP2);
	/* HA and HD: the write dirties it (clears AP[2]). */
	f.extra0 = CD_HA | CD_HD;
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	ASSERT_EQ(0, s1_walk(c, &s1, 0x5010, IOASID_ACCESS_WRITE, &r));
	EXPECT_EQ(0x900010, r.out);
	EXPECT_EQ(0, pt_enc_get(leaf) & PTE_AP2);
}

/* IPS bounds what the tables may output. */
TEST_F(cd, cd_ips_walks)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	struct pt_enc e;
	struct cdf f = cdf_default(0);
	static const unsigned int ips[] = { 32, 36, 40, 48 };
	unsigned int i;

	s1_tables(c, &e, 16, 20, false, 1 << 20);
	s1_map(&e, 0x10000, 0x800000000ULL, SZ_64K);	/* 2^35 */
	f.t0sz = 20;
	f.tg0 = 16;
	f.ttb0 = pt_enc_root(&e);
	for (i = 0; i < 4; i++) {
		f.ips_bits = ips[i];
		cd_make(cd, &f);
		one_cd(c, t, cd);
		ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
		EXPECT_EQ(ips[i], s1.arm64.oas_bits);
		if (ips[i] <= 35) {
			EXPECT_EQ(IOASID_FAULT_RESERVED,
				  s1_walk(c, &s1, 0x10000, IOASID_ACCESS_READ, &r));
		} else {
			ASSERT_EQ(0, s1_walk(c, &s1, 0x10020, IOASID_ACCESS_READ, &r));
			EXPECT_EQ(0x800000020ULL, r.out);
		}
	}
	/* IPS 48 on an SMMU of 32 bits: capped, as if 32. */
	ctx_config(c, 0, 0, 32, 0);
	f.ips_bits = 48;
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(32, s1.arm64.oas_bits);
	EXPECT_EQ(IOASID_FAULT_RESERVED,
		  s1_walk(c, &s1, 0x10000, IOASID_ACCESS_READ, &r));
}

/* Both halves, with their own granules, and TBI. */
TEST_F(cd, cd_both_halves_and_tbi)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct pt_enc e0, e1;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	struct cdf f = cdf_default(0);
	unsigned int tbi;

	s1_tables(c, &e0, 16, 22, false, 1 << 20);	/* 64K, 42 bits */
	s1_tables(c, &e1, 14, 28, true, 1 << 20);	/* 16K, 36 bits */
	s1_map(&e0, 0x20000, 0x500000, SZ_64K);
	/* e1's TTB1 half is the one used; its TTB0 half is unused. */
	s1_map(&e1, -SZ_16K, 0x600000, SZ_16K);
	f.t0sz = 22;
	f.tg0 = 16;
	f.t1sz = 28;
	f.tg1 = 14;
	f.epd1 = false;
	f.ttb0 = pt_enc_root(&e0);
	f.ttb1 = pt_enc_root1(&e1);
	for (tbi = 0; tbi < 4; tbi++) {
		f.extra0 = (tbi & 1 ? CD_TBI0 : 0) | (tbi & 2 ? CD_TBI1 : 0);
		cd_make(cd, &f);
		one_cd(c, t, cd);
		ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
		EXPECT_EQ((tbi & 1 ? IOASID_ARM64_TBI0 : 0) |
			  (tbi & 2 ? IOASID_ARM64_TBI1 : 0), s1.arm64.flags);
		EXPECT_EQ(22, s1.arm64.half[0].tsz);
		EXPECT_EQ(16, s1.arm64.half[0].granule);
		EXPECT_EQ(28, s1.arm64.half[1].tsz);
		EXPECT_EQ(14, s1.arm64.half[1].granule);
		ASSERT_EQ(0, s1_walk(c, &s1, 0x20008, IOASID_ACCESS_READ, &r));
		EXPECT_EQ(0x500008, r.out);
		ASSERT_EQ(0, s1_walk(c, &s1, -SZ_16K + 8, IOASID_ACCESS_WRITE, &r));
		EXPECT_EQ(0x600008, r.out);
		/* A tagged address: translated only with TBI. */
		EXPECT_EQ(tbi & 1 ? 0 : IOASID_FAULT_NON_CANONICAL,
			  s1_walk(c, &s1, 0x5a00000000020008ULL,
				  IOASID_ACCESS_READ, &r));
		EXPECT_EQ(tbi & 2 ? 0 : IOASID_FAULT_NON_CANONICAL,
			  s1_walk(c, &s1, 0x5affffffffffc008ULL,
				  IOASID_ACCESS_READ, &r));
	}
	/* Both halves disabled: ENDI is ignored, every walk faults. */
	f.epd0 = true;
	f.epd1 = true;
	f.extra0 = CD_ENDI;
	cd_make(cd, &f);
	cd[0] |= 3ULL << 6 | 0x3fULL | 0x3fULL << 16;	/* ignored */
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
	EXPECT_EQ(IOASID_ARM64_EPD0 | IOASID_ARM64_EPD1, s1.arm64.flags);
	EXPECT_EQ(0, s1.arm64.half[0].root);
	EXPECT_EQ(0, s1.arm64.half[1].root);
	EXPECT_EQ(IOASID_FAULT_NOT_PRESENT,
		  s1_walk(c, &s1, 0x20008, IOASID_ACCESS_READ, &r));
}

/* IPS: capped to the emulated OAS; TTBs checked against the result. */
TEST_F(cd, cd_ips_and_oas)
{
	static const u32 oas[] = { 32, 36, 40, 42, 44, 48 };
	static const u32 ips[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	struct cdf f = cdf_default(0x10000);
	unsigned int i, j;

	for (i = 0; i < 6; i++)
		for (j = 0; j < 8; j++) {
			u32 eff = ips[j] < oas[i] ? ips[j] : oas[i];

			ctx_config(c, 0, 0, oas[i], 0);
			cd_make(cd, &f);
			cd[0] = (cd[0] & ~(7ULL << 32)) | (u64)j << 32;
			one_cd(c, t, cd);
			ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
			EXPECT_EQ(eff, s1.arm64.oas_bits);
			/* The last table below 2^eff, and the first above. */
			cd[1] = (1ULL << eff) - SZ_4K;
			one_cd(c, t, cd);
			ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
			EXPECT_EQ((1ULL << eff) - SZ_4K, s1.arm64.half[0].root);
			cd[1] = 1ULL << eff;
			one_cd(c, t, cd);
			EXPECT_LOOKUP_FAULT(c, false, 0, BAD, 1, 3);
			/* A disabled half's TTB is not checked. */
			cd[0] |= CD_EPD0;
			cd[1] = 0xf0fffffffffffff3ULL;
			one_cd(c, t, cd);
			EXPECT_EQ(0, lookup(c, false, 0, &s1, &r));
		}
}

/* The SMMU aligns TTBn to its table before use. */
TEST_F(cd, cd_ttb_alignment)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result r;
	struct pt_enc e;
	struct cdf f = cdf_default(0);
	static const struct { unsigned int g, tsz; } k[] = {
		{ 12, 16 }, { 12, 25 }, { 12, 33 }, { 14, 17 }, { 14, 28 },
		{ 16, 22 }, { 16, 36 }, { 16, 39 },
	};
	unsigned int i;
	u64 low;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		u64 size = top_bytes(k[i].tsz, k[i].g), align = size < 64 ? 64 : size;

		c->next = BASE + SZ_64K;
		s1_tables(c, &e, k[i].g, k[i].tsz, false, 1 << 20);
		s1_map(&e, 0, 0x700000, 1ULL << k[i].g);
		f.t0sz = k[i].tsz;
		f.tg0 = k[i].g;
		for (low = 16; low < align; low <<= 1) {
			f.ttb0 = pt_enc_root(&e) | low | 16;
			cd_make(cd, &f);
			one_cd(c, t, cd);
			ASSERT_EQ(0, lookup(c, false, 0, &s1, &r));
			EXPECT_EQ(pt_enc_root(&e), s1.arm64.half[0].root);
			ASSERT_EQ(0, s1_walk(c, &s1, 0x18, IOASID_ACCESS_READ, &r));
			EXPECT_EQ(0x700018, r.out);
		}
	}
}

/* What the uAPI says is ignored changes nothing. */
TEST_F(cd, cd_ignored_fields)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct ioasid_pasid_s1 a, b;
	struct ioasid_pt_result r;
	struct cdf f = cdf_default(0x10000);

	f.epd1 = false;
	f.ttb1 = 0x20000;
	cd_make(cd, &f);
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &a, &r));
	/* IR, OR, SH of both halves, UWXN, R, ASET. */
	cd[0] |= 0x3f00ULL | 0x3f000000ULL | CD_UWXN | CD_R | CD_ASET;
	/* NSCFG, HAD, AIE (dword 2), HWU. */
	cd[1] |= 0x3ULL | 0xf000000000000000ULL;
	cd[2] |= 0xbULL | 0xf000000000000000ULL;
	/* MAIR, AMAIR, IMPLEMENTATION DEFINED, PARTID, PMG, PIIU, PIIP. */
	cd[3] = cd[4] = cd[5] = cd[6] = cd[7] = ~0ULL;
	one_cd(c, t, cd);
	ASSERT_EQ(0, lookup(c, false, 0, &b, &r));
	EXPECT_EQ(3, c->nread);
	EXPECT_TRUE(s1_same(&a, &b));
	EXPECT_EQ(0x1234, b.tag);
}

/* The ASID is the tag, all 16 bits. */
TEST_F(cd, cd_asid_tag)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct cdf f = cdf_default(0x10000);
	static const uint16_t asids[] = { 0, 1, 0xff, 0x100, 0x8000, 0xffff };
	unsigned int i;

	for (i = 0; i < 6; i++) {
		f.asid = asids[i];
		cd_make(cd, &f);
		one_cd(c, t, cd);
		EXPECT_CD(c, false, 0, asids[i], 0x10000, 3);
	}
}

/* Many PASIDs, each its own stage 1, in one 2-level table. */
TEST_F(cd, end_to_end_pasids)
{
	struct ctx *c = &self->c;
	u64 l1 = ctx_alloc(c, 64, 64), l2a = ctx_alloc(c, SZ_64K, SZ_64K);
	u64 l2b = ctx_alloc(c, SZ_64K, SZ_64K), cd[8];
	static const struct { u32 pasid; unsigned int g, tsz; } k[] = {
		{ 1, 12, 16 }, { 2, 14, 20 }, { 3, 16, 22 }, { 1023, 12, 30 },
		{ 1024, 16, 36 }, { 2047, 14, 33 },
	};
	struct pt_enc e[6];
	unsigned int i;

	wmem_set(&c->m, l1, l2a | 1);
	wmem_set(&c->m, l1 + 8, l2b | 1);
	for (i = 0; i < 6; i++) {
		struct cdf f = cdf_default(0);
		u64 l2 = k[i].pasid < 1024 ? l2a : l2b;

		s1_tables(c, &e[i], k[i].g, k[i].tsz, false, 256 << 10);
		s1_map(&e[i], 1ULL << k[i].g, 0x800000 + (u64)i * SZ_64K,
		       1ULL << k[i].g);
		f.t0sz = k[i].tsz;
		f.tg0 = k[i].g;
		f.ttb0 = pt_enc_root(&e[i]);
		f.asid = 0x40 + i;
		cd_make(cd, &f);
		put_cd(c, l2 + 64 * (k[i].pasid % 1024), cd);
	}
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, l1, 11), DSS_SSID0));
	for (i = 0; i < 6; i++) {
		struct ioasid_pasid_s1 s1;
		struct ioasid_pt_result r;

		ASSERT_EQ(0, lookup(c, true, k[i].pasid, &s1, &r));
		EXPECT_EQ(0x40 + i, s1.tag);
		ASSERT_EQ(0, s1_walk(c, &s1, (1ULL << k[i].g) + 0x44,
				     IOASID_ACCESS_WRITE, &r));
		EXPECT_EQ(0x800044 + (u64)i * SZ_64K, r.out);
		EXPECT_EQ(IOASID_FAULT_NOT_PRESENT,
			  s1_walk(c, &s1, 0, IOASID_ACCESS_READ, &r));
	}
	/* CD 0 (no PASID) was never written: not valid. */
	EXPECT_LOOKUP_FAULT(c, false, 0, NP, 1, 2);
}

/* Reads through the parent that fail -------------------------------------- */

TEST_F(cd, read_failures_pass_through)
{
	struct ctx *c = &self->c;
	u64 l1 = fill_2lvl(c, 10, 12, 1);
	static const int reasons[] = { IOASID_FAULT_TABLE, IOASID_FAULT_WALK_LIMIT };
	unsigned int i, n;

	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_64K, l1, 12), DSS_SSID0));
	EXPECT_CD(c, true, 9, 9, 0xa000, 4);
	for (i = 0; i < 2; i++) {
		c->m.read_fail = reasons[i];
		for (n = 1; n <= 4; n++) {
			c->m.reads = 0;
			c->m.read_fail_at = n;
			EXPECT_LOOKUP_FAULT(c, true, 9, reasons[i], n == 1 ? 2 : 1, n);
		}
		/* Not a fault reason: IOASID_FAULT_TABLE. */
		c->m.read_fail = -5;
		c->m.reads = 0;
		c->m.read_fail_at = 2;
		EXPECT_LOOKUP_FAULT(c, true, 9, IOASID_FAULT_TABLE, 1, 2);
	}
	c->m.read_fail_at = 0;
	/* An L2 table outside the parent's memory. */
	wmem_set(&c->m, l1, 0x100000000ULL | 1);
	EXPECT_LOOKUP_FAULT(c, true, 9, IOASID_FAULT_TABLE, 1, 2);
	EXPECT_EQ(1, c->m.outside);
	c->m.outside = 0;
	/* A linear table outside it. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, 0x200000000ULL, 0), 0));
	EXPECT_LOOKUP_FAULT(c, false, 0, IOASID_FAULT_TABLE, 1, 1);
	EXPECT_EQ(1, c->m.outside);
	c->m.outside = 0;
}

/* On a fault *s1 stays as it was; on success it is entirely written. */
TEST_F(cd, s1_untouched_on_fault)
{
	struct ctx *c = &self->c;
	u64 t = ctx_alloc(c, 64, 64), cd[8];
	struct cdf f = cdf_default(0x10000);
	struct ioasid_pt_io io = ctx_io(c);
	struct ioasid_pasid_s1 s1, before;
	struct ioasid_pt_result r;

	cd_make(cd, &f);
	cd[0] |= CD_WXN;
	one_cd(c, t, cd);
	memset(&s1, 0x5a, sizeof(s1));
	before = s1;
	EXPECT_EQ(BAD, ioasid_smmuv3_cd_lookup(&c->cfg, false, 0, &io, &s1, &r));
	EXPECT_EQ(0, memcmp(&s1, &before, sizeof(s1)));
	cd[0] &= ~CD_WXN;
	one_cd(c, t, cd);
	EXPECT_EQ(0, ioasid_smmuv3_cd_lookup(&c->cfg, false, 0, &io, &s1, &r));
	EXPECT_EQ(IOASID_PASID_STAGE1, s1.kind);
	/* BYPASS: nothing of stage 1 left over. */
	ASSERT_EQ(0, bind2(c, ste0(CFG_BYPASS, 0, 0, 0), 0));
	memset(&s1, 0x5a, sizeof(s1));
	EXPECT_EQ(0, ioasid_smmuv3_cd_lookup(&c->cfg, false, 0, &io, &s1, &r));
	EXPECT_EQ(IOASID_PASID_BYPASS, s1.kind);
	EXPECT_EQ(0, s1.format);
	EXPECT_EQ(0, s1.tag);
}

/* A cfg that config and bind would not have made. */
TEST_F(cd, invalid_cfg)
{
	struct ctx *c = &self->c;
	struct ioasid_smmuv3_cd_cfg good;
	u64 t = ctx_alloc(c, 64 * 16, 1024);

	fill_linear(c, t, 16);
	ASSERT_EQ(0, bind2(c, ste0(CFG_S1, FMT_LINEAR, t, 4), DSS_SSID0));
	good = c->cfg;
	EXPECT_CD(c, true, 3, 0x103, 0x40000, 3);
#define EXPECT_INVALID(mod)						\
	do {								\
		c->cfg = good;						\
		mod;							\
		EXPECT_LOOKUP_FAULT(c, true, 3, BAD, 0, 0);		\
	} while (0)
	EXPECT_INVALID(c->cfg.mode = 4);
	EXPECT_INVALID(c->cfg.oas_bits = 52);
	EXPECT_INVALID(c->cfg.ssid_bits = 21);
	EXPECT_INVALID(c->cfg.granules = 0);
	EXPECT_INVALID(c->cfg.granules |= 1 << 13);
	EXPECT_INVALID(c->cfg.s1cdmax = 21);
	EXPECT_INVALID(c->cfg.s1fmt = 3);
	EXPECT_INVALID(c->cfg.s1dss = 3);
	EXPECT_INVALID(c->cfg.ctxptr |= 64);
	EXPECT_INVALID(c->cfg.ctxptr |= 1ULL << 48);
	EXPECT_INVALID(c->cfg.flags = 0; c->cfg.s1fmt = 1);
	EXPECT_INVALID(c->cfg.s1cdmax = 0);	/* S1DSS with no substreams */
#undef EXPECT_INVALID
	c->cfg = good;
	c->cfg.mode = IOASID_SMMUV3_CD_UNBOUND;
	EXPECT_LOOKUP_FAULT(c, true, 3, NP, 0, 0);
}

TEST_HARNESS_MAIN
