// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the RISC-V IOMMU process-directory-table decoder
 * (module/walkers/riscv_pdt.c, compiled into this binary with every
 * walker): process-directory tables of each mode (PD8, PD17, PD20) built
 * by hand in a fake parent space (walker_mem.h), every field of the device
 * and process contexts that changes the result checked against
 * expectations written here from the RISC-V IOMMU specification, stage-1
 * tables built with pt_encode.h walked end to end through the decoded
 * configuration, and ALLOC/BIND/FORMAT_INFO's errno rules.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walker_mem.h"
#include "pt_encode.h"
#include "../../module/walkers/riscv_pdt.h"

#define BASE		0x100000ULL
#define PAGES		256
#define PDT_PAGES	64	/* the first pages: PDT pages; then stage-1 tables */
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* DC.tc */
#define TC_V		(1ULL << 0)
#define TC_EN_ATS	(1ULL << 1)
#define TC_EN_PRI	(1ULL << 2)
#define TC_T2GPA	(1ULL << 3)
#define TC_DTF		(1ULL << 4)
#define TC_PDTV		(1ULL << 5)
#define TC_PRPR		(1ULL << 6)
#define TC_GADE		(1ULL << 7)
#define TC_SADE		(1ULL << 8)
#define TC_DPE		(1ULL << 9)
#define TC_SBE		(1ULL << 10)
#define TC_SXL		(1ULL << 11)
#define TC		(TC_V | TC_PDTV)

/* pdtp, iosatp: MODE 63:60, PPN 43:0 */
#define ATP(mode, addr)	(((u64)(mode) << 60) | ((addr) >> 12))
#define BARE		0
#define PD8		1
#define PD17		2
#define PD20		3
#define SV39		8
#define SV48		9
#define SV57		10

/* Non-leaf PDT entry */
#define PDTE(addr)	((((addr) >> 12) << 10) | 1ULL)

/* PC.ta */
#define TA_V		(1ULL << 0)
#define TA_ENS		(1ULL << 1)
#define TA_SUM		(1ULL << 2)
#define TA_PSCID(n)	((u64)(n) << 12)

/* Descriptor flags */
#define F_PD		(IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 | IOASID_RISCV_PDT_PD20)
#define F_SV		(IOASID_RISCV_PDT_SV39 | IOASID_RISCV_PDT_SV48 | IOASID_RISCV_PDT_SV57)
#define F_ALL		IOASID_RISCV_PDT_FLAGS

#define R_		IOASID_ACCESS_READ
#define W_		IOASID_ACCESS_WRITE
#define X_		(IOASID_ACCESS_READ | IOASID_ACCESS_EXEC)
#define PRIV		IOASID_ACCESS_PRIV
#define S_ALL		(IOASID_PT_SR | IOASID_PT_SW | IOASID_PT_SX)
#define U_ALL		(IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX)

/* RISC-V stage-1 entry bits (walker_mem.h's A and D are x86-64's) */
#define RV_V		(1ULL << 0)
#define RV_R		(1ULL << 1)
#define RV_W		(1ULL << 2)
#define RV_X		(1ULL << 3)
#define RV_U		(1ULL << 4)
#define RV_A		(1ULL << 6)
#define RV_D		(1ULL << 7)

/* A fake parent space whose reads are logged, and can be made to fail. */
#define LOG_MAX		16
struct rig {
	struct wmem m;
	u64 next;			/* next free PDT page */
	struct ioasid_riscv_pdt_cfg cfg;
	unsigned int nlog;
	u64 log[LOG_MAX];		/* addresses read, in order */
	unsigned int fail_at;		/* > 0: that read returns fail_ret */
	int fail_ret;
};

static int rig_read(void *priv, u64 addr, u64 *val)
{
	struct rig *r = priv;

	if (r->nlog < LOG_MAX)
		r->log[r->nlog] = addr;
	r->nlog++;
	if (r->fail_at && r->nlog == r->fail_at) {
		*val = 0x5a5a5a5a5a5a5a5aULL;	/* must not be used */
		return r->fail_ret;
	}
	return wmem_read(&r->m, addr, val);
}

static int rig_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct rig *r = priv;

	return wmem_cmpxchg(&r->m, addr, old, new, cur);
}

static struct ioasid_pt_io rig_io(struct rig *r)
{
	struct ioasid_pt_io io = { .priv = r, .read = rig_read, .cmpxchg = rig_cmpxchg };

	return io;
}

static u64 pdt_page(struct rig *r)
{
	u64 page = r->next;

	if (page + SZ_4K > r->m.base + PDT_PAGES * SZ_4K) {
		fprintf(stderr, "test PDTs need more than %d pages\n", PDT_PAGES);
		abort();
	}
	r->next += SZ_4K;
	memset(&r->m.buf[(page - r->m.base) / 8], 0, SZ_4K);
	return page;
}

static struct ioasid_format_riscv_pdt desc(u32 flags, u32 phys)
{
	struct ioasid_format_riscv_pdt d = {
		.hdr = { .size = sizeof(d), .format = IOASID_FORMAT_RISCV_PDT },
		.flags = flags,
		.phys_bits = phys,
	};

	return d;
}

static int bind3(struct ioasid_riscv_pdt_cfg *cfg, u64 tc, u64 ta, u64 fsc)
{
	u64 entry[4] = { tc, ta, fsc, 0 };

	return ioasid_riscv_pdt_bind(cfg, 0, entry);
}

/* Configure @r for @flags and @phys, and bind a fresh root PDT of @mode. */
static int rig_bind(struct rig *r, u32 flags, u32 phys, u32 mode, u64 tc)
{
	struct ioasid_format_riscv_pdt d = desc(flags, phys);
	int ret = ioasid_riscv_pdt_config(&r->cfg, &d);

	if (ret)
		return ret;
	r->next = r->m.base;
	return bind3(&r->cfg, tc, 0, ATP(mode, mode == BARE ? 0 : pdt_page(r)));
}

/* The PDT level-@level index of @pasid (PDI[level - 1]). */
static u64 pdi(u32 pasid, unsigned int level)
{
	return level == 1 ? pasid & 0xff : level == 2 ? (pasid >> 8) & 0x1ff : pasid >> 17;
}

/* The address of the slot of @pasid at @level, directories made as needed. */
static u64 slot(struct rig *r, u32 pasid, unsigned int level)
{
	u64 table = r->cfg.root, e;
	unsigned int l;

	for (l = r->cfg.mode; l > level; l--) {
		u64 a = table + 8 * pdi(pasid, l);

		e = wmem_get(&r->m, a);
		if (!(e & 1)) {
			e = PDTE(pdt_page(r));
			wmem_set(&r->m, a, e);
		}
		table = ((e >> 10) & ((1ULL << 44) - 1)) << 12;
	}
	return table + (level == 1 ? 16 : 8) * pdi(pasid, level);
}

static void set_pc(struct rig *r, u32 pasid, u64 ta, u64 fsc)
{
	u64 a = slot(r, pasid, 1);

	wmem_set(&r->m, a, ta);
	wmem_set(&r->m, a + 8, fsc);
}

static int lookup(struct rig *r, bool has_pasid, u32 pasid, struct ioasid_pasid_s1 *s1,
		  struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = rig_io(r);

	r->nlog = 0;
	r->m.cmpxchgs = 0;
	memset(s1, 0xa5, sizeof(*s1));	/* the decoder must fill them */
	memset(res, 0xa5, sizeof(*res));
	return ioasid_riscv_pdt_lookup(&r->cfg, has_pasid, pasid, &io, s1, res);
}

/* Expect a lookup fault of @reason at @lvl after @reads reads. */
#define EXPECT_PASID_FAULT(reason, lvl, reads, has, pasid)			\
	do {									\
		struct ioasid_pasid_s1 __s1, __zero;				\
		struct ioasid_pt_result __r;					\
		memset(&__zero, 0, sizeof(__zero));				\
		EXPECT_EQ(reason, lookup(&self->r, has, pasid, &__s1, &__r));	\
		EXPECT_EQ(reason, __r.fault_reason);				\
		EXPECT_EQ(lvl, __r.fault_level);				\
		EXPECT_EQ(0, __r.out);						\
		EXPECT_EQ(0, __r.page_size);					\
		EXPECT_EQ(0, __r.perm);						\
		EXPECT_EQ(0, memcmp(&__zero, &__s1, sizeof(__s1)));		\
		EXPECT_EQ(reads, self->r.nlog);					\
		EXPECT_EQ(0, self->r.m.cmpxchgs);				\
	} while (0)

/* Expect a bypass entry (with @no_priv) after @reads reads. */
#define EXPECT_BYPASS(no_priv, reads, has, pasid)				\
	do {									\
		struct ioasid_pasid_s1 __s1;					\
		struct ioasid_pt_result __r;					\
		EXPECT_EQ(0, lookup(&self->r, has, pasid, &__s1, &__r));	\
		EXPECT_EQ(IOASID_PASID_BYPASS, __s1.kind);			\
		EXPECT_EQ(0, __s1.format);					\
		EXPECT_EQ(0, __s1.tag);						\
		EXPECT_EQ((no_priv) ? IOASID_RISCV_PDT_S1_NO_PRIV : 0,		\
			  __s1.riscv.flags);					\
		EXPECT_EQ(0, __r.fault_reason);					\
		EXPECT_EQ(0, __r.fault_level);					\
		EXPECT_EQ(reads, self->r.nlog);					\
	} while (0)

FIXTURE(pdt) {
	struct rig r;
};

FIXTURE_SETUP(pdt)
{
	ASSERT_EQ(0, wmem_init(&self->r.m, BASE, PAGES));
	self->r.next = BASE;
}

FIXTURE_TEARDOWN(pdt)
{
	EXPECT_EQ(0, self->r.m.misaligned);
	wmem_fini(&self->r.m);
}

/* ALLOC, BIND and FORMAT_INFO ---------------------------------------------- */

TEST(config_accepts)
{
	static const u32 flag_sets[] = {
		IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_SV39,
		IOASID_RISCV_PDT_PD17 | IOASID_RISCV_PDT_SV48,
		IOASID_RISCV_PDT_PD20 | IOASID_RISCV_PDT_SV57,
		F_PD | F_SV, F_ALL,
		IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_SV39 | IOASID_RISCV_PDT_AMO_HWAD,
		IOASID_RISCV_PDT_PD20 | IOASID_RISCV_PDT_SV48 | IOASID_RISCV_PDT_SVNAPOT |
			IOASID_RISCV_PDT_SVPBMT,
	};
	static const u32 phys[] = { 32, 39, 46, 48, 56 };
	struct ioasid_riscv_pdt_cfg cfg;
	unsigned int i, j;

	for (i = 0; i < ARRAY_LEN(flag_sets); i++)
		for (j = 0; j < ARRAY_LEN(phys); j++) {
			struct ioasid_format_riscv_pdt d = desc(flag_sets[i], phys[j]);

			memset(&cfg, 0xa5, sizeof(cfg));
			ASSERT_EQ(0, ioasid_riscv_pdt_config(&cfg, &d));
			EXPECT_EQ(flag_sets[i], cfg.flags);
			EXPECT_EQ(phys[j], cfg.phys_bits);
			/* Unbound. */
			EXPECT_EQ(0, cfg.root);
			EXPECT_EQ(0, cfg.bind);
			EXPECT_EQ(0, cfg.mode);
		}
	EXPECT_EQ(0x1ff, F_ALL);
	EXPECT_EQ(32, sizeof(struct ioasid_format_riscv_pdt));
}

TEST(config_refuses)
{
	static const u32 bad_phys[] = { 0, 12, 31, 57, 64, 0xffffffff };
	struct ioasid_riscv_pdt_cfg cfg;
	struct ioasid_format_riscv_pdt d;
	unsigned int b;

	/* Every flag bit it does not take, alone and with good values. */
	for (b = 9; b < 32; b++) {
		d = desc(F_ALL | (1U << b), 48);
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_pdt_config(&cfg, &d));
		/* EOPNOTSUPP before EINVAL. */
		d = desc(1U << b, 8);
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_pdt_config(&cfg, &d));
	}
	for (b = 0; b < 128; b++) {
		d = desc(F_ALL, 48);
		d.__reserved[b / 64] = 1ULL << (b % 64);
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_pdt_config(&cfg, &d));
	}
	/* No PD mode, no Sv mode. */
	d = desc(F_SV | IOASID_RISCV_PDT_AMO_HWAD, 48);
	EXPECT_EQ(-EINVAL, ioasid_riscv_pdt_config(&cfg, &d));
	d = desc(F_PD | IOASID_RISCV_PDT_SVNAPOT | IOASID_RISCV_PDT_SVPBMT, 48);
	EXPECT_EQ(-EINVAL, ioasid_riscv_pdt_config(&cfg, &d));
	d = desc(0, 48);
	EXPECT_EQ(-EINVAL, ioasid_riscv_pdt_config(&cfg, &d));
	/* Output widths. */
	for (b = 0; b < ARRAY_LEN(bad_phys); b++) {
		d = desc(F_ALL, bad_phys[b]);
		EXPECT_EQ(-EINVAL, ioasid_riscv_pdt_config(&cfg, &d));
	}
}

TEST(bind_rules)
{
	struct ioasid_format_riscv_pdt d = desc(F_ALL, 40);
	struct ioasid_riscv_pdt_cfg cfg, copy;
	u64 entry[4];
	unsigned int b, m;

	ASSERT_EQ(0, ioasid_riscv_pdt_config(&cfg, &d));
	/* Each mode, the DPE and SADE bits. */
	ASSERT_EQ(0, bind3(&cfg, TC, 0, ATP(PD8, 0x5000)));
	EXPECT_EQ(0x5000, cfg.root);
	EXPECT_EQ(PD8, cfg.mode);
	EXPECT_EQ(IOASID_RISCV_PDT_CFG_BOUND, cfg.bind);
	ASSERT_EQ(0, bind3(&cfg, TC | TC_DPE, 0, ATP(PD17, (1ULL << 40) - 0x1000)));
	EXPECT_EQ((1ULL << 40) - 0x1000, cfg.root);
	EXPECT_EQ(PD17, cfg.mode);
	EXPECT_EQ(IOASID_RISCV_PDT_CFG_BOUND | IOASID_RISCV_PDT_CFG_DPE, cfg.bind);
	ASSERT_EQ(0, bind3(&cfg, TC | TC_SADE, 0, ATP(PD20, 0x1000)));
	EXPECT_EQ(PD20, cfg.mode);
	EXPECT_EQ(IOASID_RISCV_PDT_CFG_BOUND | IOASID_RISCV_PDT_CFG_SADE, cfg.bind);
	/* Bare: PPN ignored. */
	ASSERT_EQ(0, bind3(&cfg, TC, 0, ATP(BARE, 0x7000)));
	EXPECT_EQ(0, cfg.root);
	EXPECT_EQ(BARE, cfg.mode);
	ASSERT_EQ(0, bind3(&cfg, TC, 0, ((1ULL << 44) - 1)));
	EXPECT_EQ(0, cfg.root);
	/* Ignored: EN_ATS, EN_PRI, T2GPA, DTF, PRPR, GADE (with AMO_HWAD); PSCID. */
	ASSERT_EQ(0, bind3(&cfg, TC | TC_EN_ATS | TC_EN_PRI | TC_T2GPA | TC_DTF | TC_PRPR |
			   TC_GADE | TC_DPE | TC_SADE, TA_PSCID(0xfffff), ATP(PD8, 0x3000)));
	EXPECT_EQ(0x3000, cfg.root);
	EXPECT_EQ(IOASID_RISCV_PDT_CFG_BOUND | IOASID_RISCV_PDT_CFG_DPE |
		  IOASID_RISCV_PDT_CFG_SADE, cfg.bind);

	memcpy(&copy, &cfg, sizeof(cfg));
	/* Bind flags: none taken, EOPNOTSUPP before EINVAL. */
	for (b = 0; b < 32; b++) {
		entry[0] = TC;
		entry[1] = 0;
		entry[2] = ATP(PD8, 0x1000);
		entry[3] = 0;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_pdt_bind(&cfg, 1U << b, entry));
		entry[3] = 1;
		EXPECT_EQ(-EOPNOTSUPP, ioasid_riscv_pdt_bind(&cfg, 1U << b, entry));
	}
	/* tc: V and PDTV needed; SBE, SXL, bits 63:12 refused. */
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC_PDTV, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC_V, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC_V | TC_DPE, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, 0, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC | TC_SBE, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC | TC_SXL, 0, ATP(PD8, 0x1000)));
	for (b = 12; b < 64; b++)
		EXPECT_EQ(-EINVAL, bind3(&cfg, TC | (1ULL << b), 0, ATP(PD8, 0x1000)));
	/* ta: only PSCID. */
	for (b = 0; b < 64; b++)
		if (b < 12 || b > 31)
			EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 1ULL << b, ATP(PD8, 0x1000)));
	/* fsc: reserved 59:44, modes 4 to 15, too wide a root. */
	for (b = 44; b < 60; b++)
		EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 0, ATP(PD8, 0x1000) | (1ULL << b)));
	for (m = 4; m < 16; m++)
		EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 0, ATP(m, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 0, ATP(PD8, 1ULL << 40)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 0, ATP(PD20, (1ULL << 56) - 0x1000)));
	/* entry[3]. */
	for (b = 0; b < 64; b++) {
		entry[0] = TC;
		entry[1] = 0;
		entry[2] = ATP(PD8, 0x1000);
		entry[3] = 1ULL << b;
		EXPECT_EQ(-EINVAL, ioasid_riscv_pdt_bind(&cfg, 0, entry));
	}
	EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));

	/* Modes and A/D updates the descriptor does not declare. */
	for (m = PD8; m <= PD20; m++) {
		d = desc((F_PD & ~(IOASID_RISCV_PDT_PD8 << (m - 1))) | F_SV, 48);
		ASSERT_EQ(0, ioasid_riscv_pdt_config(&cfg, &d));
		memcpy(&copy, &cfg, sizeof(cfg));
		EXPECT_EQ(-EINVAL, bind3(&cfg, TC, 0, ATP(m, 0x1000)));
		EXPECT_EQ(0, memcmp(&copy, &cfg, sizeof(cfg)));
		/* The others are taken, and Bare always. */
		EXPECT_EQ(0, bind3(&cfg, TC, 0, ATP(m == PD8 ? PD17 : PD8, 0x1000)));
		EXPECT_EQ(0, bind3(&cfg, TC, 0, ATP(BARE, 0)));
	}
	d = desc(F_PD | F_SV, 48);
	ASSERT_EQ(0, ioasid_riscv_pdt_config(&cfg, &d));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC | TC_SADE, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(-EINVAL, bind3(&cfg, TC | TC_GADE, 0, ATP(PD8, 0x1000)));
	EXPECT_EQ(0, cfg.bind);
	/* The widest output. */
	d = desc(F_ALL, 56);
	ASSERT_EQ(0, ioasid_riscv_pdt_config(&cfg, &d));
	EXPECT_EQ(0, bind3(&cfg, TC, 0, ATP(PD20, (1ULL << 56) - 0x1000)));
	EXPECT_EQ((1ULL << 56) - 0x1000, cfg.root);
}

TEST(format_info)
{
	struct ioasid_format_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.format = IOASID_FORMAT_RISCV_PDT;
	ioasid_riscv_pdt_info(&info);
	EXPECT_EQ(F_ALL, info.out_format_flags);
	EXPECT_EQ(0, info.out_bind_flags);
	EXPECT_EQ(IOASID_RISCV_PGSIZES, info.out_pgsize_bitmap);
	EXPECT_EQ(0xe, info.out_levels_bitmap);
	EXPECT_EQ(32, info.out_min_phys_bits);
	EXPECT_EQ(56, info.out_max_phys_bits);
	EXPECT_EQ(57, info.out_input_bits);
	EXPECT_EQ(SZ_4K, info.out_granule_bitmap);
	/* Nothing else. */
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(IOASID_FORMAT_RISCV_PDT, info.format);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.__reserved);
	EXPECT_EQ(0, info.__reserved2);
}

/* Lookups: the table --------------------------------------------------------- */

/* Check the reads of the last lookup: @n addresses, in order. */
static void check_reads(struct __test_metadata *_metadata, const struct rig *r,
			const u64 *want, unsigned int n)
{
	unsigned int i;

	ASSERT_EQ(n, r->nlog);
	for (i = 0; i < n; i++)
		EXPECT_EQ(want[i], r->log[i]) {
			TH_LOG("read %u", i);
		}
}

/* A process context of a Sv39 table at @root, ENS and SUM set, PSCID @pscid. */
static void set_pc39(struct rig *r, u32 pasid, u64 root, u32 pscid)
{
	set_pc(r, pasid, TA_V | TA_ENS | TA_SUM | TA_PSCID(pscid), ATP(SV39, root));
}

/* Expect PASID @pasid to find the Sv39 entry set_pc39() made of @root, @pscid. */
static void expect_pc39(struct __test_metadata *_metadata, struct rig *r, u32 pasid,
			u64 root, u32 pscid)
{
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result res;

	ASSERT_EQ(0, lookup(r, true, pasid, &s1, &res)) {
		TH_LOG("pasid %#x: fault %u level %u", pasid, res.fault_reason,
		       res.fault_level);
	}
	EXPECT_EQ(IOASID_PASID_STAGE1, s1.kind);
	EXPECT_EQ(IOASID_FORMAT_RISCV, s1.format);
	EXPECT_EQ(pscid, s1.tag);
	EXPECT_EQ(root, s1.riscv.root);
	EXPECT_EQ(3, s1.riscv.levels);
	EXPECT_EQ(0, res.fault_reason);
	EXPECT_EQ(0, res.fault_level);
	EXPECT_EQ(0, r->m.cmpxchgs);
}

TEST_F(pdt, unbound)
{
	struct ioasid_format_riscv_pdt d = desc(F_ALL, 48);

	ASSERT_EQ(0, ioasid_riscv_pdt_config(&self->r.cfg, &d));
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, true, 0);
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, false, 0);
	EXPECT_PASID_FAULT(IOASID_FAULT_NOT_BOUND, 0, 0, true, 0x12345);
}

TEST_F(pdt, pd8_every_process_context)
{
	struct rig *r = &self->r;
	u32 pasid;

	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD8, TC));
	for (pasid = 0; pasid < 256; pasid++)
		set_pc39(r, pasid, 0x100000000ULL + pasid * SZ_4K, pasid * 4099);
	for (pasid = 0; pasid < 256; pasid++) {
		u64 want[2] = { r->cfg.root + 16 * pasid, r->cfg.root + 16 * pasid + 8 };

		expect_pc39(_metadata, r, pasid, 0x100000000ULL + pasid * SZ_4K, pasid * 4099);
		check_reads(_metadata, r, want, 2);
	}
	/* One page holds them all. */
	EXPECT_EQ(r->cfg.root + SZ_4K, r->next);
}

static const u32 pd17_pasids[] = {
	0, 1, 0xff, 0x100, 0x101, 0x1ff, 0x200, 0x12345, 0x1fe00, 0x1ff00, 0x1ffff,
	0xa5a5, 0x15a5a,
};

TEST_F(pdt, pd17_paths)
{
	struct rig *r = &self->r;
	unsigned int i;

	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD17, TC));
	for (i = 0; i < ARRAY_LEN(pd17_pasids); i++)
		set_pc39(r, pd17_pasids[i], 0x40000000ULL * (i + 1), 0x1000 + i);
	for (i = 0; i < ARRAY_LEN(pd17_pasids); i++) {
		u32 p = pd17_pasids[i];
		u64 dir = r->cfg.root + 8 * (p >> 8);
		u64 leaf = ((wmem_get(&r->m, dir) >> 10) << 12) + 16 * (p & 0xff);
		u64 want[3] = { dir, leaf, leaf + 8 };

		expect_pc39(_metadata, r, p, 0x40000000ULL * (i + 1), 0x1000 + i);
		check_reads(_metadata, r, want, 3);
	}
}

static const u32 pd20_pasids[] = {
	0, 1, 0xff, 0x100, 0x1ff00, 0x1ffff, 0x20000, 0x200ff, 0x20100, 0x3ffff,
	0x40000, 0x7ffff, 0x80000, 0xdead5, 0xe0000, 0xfff00, 0xfffff,
};

TEST_F(pdt, pd20_paths)
{
	struct rig *r = &self->r;
	unsigned int i;

	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD20, TC));
	for (i = 0; i < ARRAY_LEN(pd20_pasids); i++)
		set_pc39(r, pd20_pasids[i], 0x40000000ULL * (i + 1), 0xf0000 + i);
	for (i = 0; i < ARRAY_LEN(pd20_pasids); i++) {
		u32 p = pd20_pasids[i];
		u64 top = r->cfg.root + 8 * (p >> 17);
		u64 mid = ((wmem_get(&r->m, top) >> 10) << 12) + 8 * ((p >> 8) & 0x1ff);
		u64 leaf = ((wmem_get(&r->m, mid) >> 10) << 12) + 16 * (p & 0xff);
		u64 want[4] = { top, mid, leaf, leaf + 8 };

		expect_pc39(_metadata, r, p, 0x40000000ULL * (i + 1), 0xf0000 + i);
		check_reads(_metadata, r, want, 4);
	}
}

TEST_F(pdt, pasid_bounds)
{
	static const struct {
		u32 mode, last;
	} modes[] = { { PD8, 0xff }, { PD17, 0x1ffff }, { PD20, 0xfffff } };
	struct rig *r = &self->r;
	unsigned int i, b;

	for (i = 0; i < ARRAY_LEN(modes); i++) {
		u32 last = modes[i].last;

		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, modes[i].mode, TC));
		set_pc39(r, last, 0x7000, 7);
		set_pc39(r, 0, 0x8000, 8);
		expect_pc39(_metadata, r, last, 0x7000, 7);
		expect_pc39(_metadata, r, 0, 0x8000, 8);
		/* Every bit above: not present at the top level, nothing read. */
		for (b = 31; (1ULL << b) > last; b--) {
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, modes[i].mode, 0,
					   true, 1U << b);
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, modes[i].mode, 0,
					   true, (1U << b) | last);
		}
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, modes[i].mode, 0,
				   true, last + 1);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, modes[i].mode, 0,
				   true, 0xffffffff);
	}
}

/* Directory entries at each level ---------------------------------------------- */

TEST_F(pdt, directory_not_present)
{
	struct rig *r = &self->r;
	u64 a;

	/* PD20: the root's entry, then the second level's. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD20, TC));
	set_pc39(r, 0x54321, 0x9000, 9);
	expect_pc39(_metadata, r, 0x54321, 0x9000, 9);
	a = slot(r, 0x54321, 2);
	wmem_set(&r->m, a, wmem_get(&r->m, a) & ~1ULL);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 2, true, 0x54321);
	/* V clear: nothing else matters. */
	wmem_set(&r->m, a, ~1ULL);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 2, true, 0x54321);
	a = slot(r, 0x54321, 3);
	wmem_set(&r->m, a, wmem_get(&r->m, a) & ~1ULL);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 1, true, 0x54321);
	/* Neighbours never made. */
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 1, true, 0x34321);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 3, 1, true, 0);

	/* PD17: the root's entry. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD17, TC));
	set_pc39(r, 0x1234, 0x9000, 9);
	expect_pc39(_metadata, r, 0x1234, 0x9000, 9);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 1, true, 0x1334);
	a = slot(r, 0x1234, 2);
	wmem_set(&r->m, a, 0x3fe);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 2, 1, true, 0x1234);
}

TEST_F(pdt, directory_reserved_bits)
{
	struct rig *r = &self->r;
	unsigned int level, b;

	ASSERT_EQ(0, rig_bind(r, F_ALL, 40, PD20, TC));
	set_pc39(r, 0xabcde, 0x9000, 9);
	for (level = 3; level >= 2; level--) {
		u64 a = slot(r, 0xabcde, level), good = wmem_get(&r->m, a);

		for (b = 1; b < 64; b++) {
			if (b >= 10 && b < 54)
				continue;
			wmem_set(&r->m, a, good | (1ULL << b));
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, level, 4 - level, true,
					   0xabcde);
		}
		/* PPN bits from phys_bits (40) up: the next page is too wide. */
		for (b = 40; b < 56; b++) {
			wmem_set(&r->m, a, good | ((1ULL << (b - 2))));
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, level, 4 - level, true,
					   0xabcde);
		}
		wmem_set(&r->m, a, good);
		expect_pc39(_metadata, r, 0xabcde, 0x9000, 9);
	}
}

TEST_F(pdt, directory_widest_page)
{
	struct rig *r = &self->r;

	/* The last page below 2^phys_bits is taken: its read fails, outside. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 40, PD17, TC));
	set_pc39(r, 0x1ff42, 0x9000, 9);
	wmem_set(&r->m, slot(r, 0x1ff42, 2), PDTE((1ULL << 40) - SZ_4K));
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 1, 2, true, 0x1ff42);
	EXPECT_EQ((1ULL << 40) - SZ_4K + 16 * 0x42, r->log[1]);
	r->m.outside = 0;
}

/* Process contexts ---------------------------------------------------------------- */

TEST_F(pdt, pc_not_present)
{
	struct rig *r = &self->r;
	u64 a;

	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD8, TC));
	set_pc39(r, 0x42, 0x9000, 9);
	expect_pc39(_metadata, r, 0x42, 0x9000, 9);
	a = slot(r, 0x42, 1);
	/* V clear: fsc is not read, nothing else matters. */
	wmem_set(&r->m, a, ~TA_V);
	wmem_set(&r->m, a + 8, ~0ULL);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 1, true, 0x42);
	EXPECT_EQ(a, r->log[0]);
	wmem_set(&r->m, a, 0);
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 1, true, 0x42);
	/* A zeroed neighbour. */
	EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, 1, true, 0x43);
}

TEST_F(pdt, pc_reserved_bits_and_modes)
{
	struct rig *r = &self->r;
	unsigned int b, m;
	u64 ta = TA_V | TA_ENS | TA_SUM | TA_PSCID(0xfffff);

	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD17, TC));
	set_pc(r, 0x1a0b, ta, ATP(SV48, 0x9000));
	/* ta: 11:3 and 63:32. */
	for (b = 3; b < 64; b++) {
		if (b >= 12 && b < 32)
			continue;
		set_pc(r, 0x1a0b, ta | (1ULL << b), ATP(SV48, 0x9000));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 3, true, 0x1a0b);
		/* The same with Bare. */
		set_pc(r, 0x1a0b, ta | (1ULL << b), ATP(BARE, 0));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 3, true, 0x1a0b);
	}
	/* fsc: 59:44. */
	for (b = 44; b < 60; b++) {
		set_pc(r, 0x1a0b, ta, ATP(SV48, 0x9000) | (1ULL << b));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 3, true, 0x1a0b);
		set_pc(r, 0x1a0b, ta, ATP(BARE, 0) | (1ULL << b));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 3, true, 0x1a0b);
	}
	/* Modes: reserved (1-7, 11-13) and custom (14, 15). */
	for (m = 1; m < 16; m++) {
		if (m >= SV39 && m <= SV57)
			continue;
		set_pc(r, 0x1a0b, ta, ATP(m, 0x9000));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 3, true, 0x1a0b);
	}
	set_pc(r, 0x1a0b, ta, ATP(SV48, 0x9000));
	EXPECT_EQ(0, lookup(r, true, 0x1a0b, &(struct ioasid_pasid_s1){ 0 },
			    &(struct ioasid_pt_result){ 0 }));
}

TEST_F(pdt, pc_modes_and_roots)
{
	static const u32 sv[] = { IOASID_RISCV_PDT_SV39, IOASID_RISCV_PDT_SV48,
				  IOASID_RISCV_PDT_SV57 };
	struct rig *r = &self->r;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result res;
	unsigned int set, m;

	/* Every subset of the Sv modes declared. */
	for (set = 1; set < 8; set++) {
		u32 flags = IOASID_RISCV_PDT_PD8;

		for (m = 0; m < 3; m++)
			if (set & (1U << m))
				flags |= sv[m];
		ASSERT_EQ(0, rig_bind(r, flags, 44, PD8, TC));
		for (m = 0; m < 3; m++) {
			set_pc(r, 0x80, TA_V | TA_ENS, ATP(SV39 + m, (1ULL << 44) - SZ_4K));
			if (!(set & (1U << m))) {
				EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 2, true, 0x80);
				continue;
			}
			ASSERT_EQ(0, lookup(r, true, 0x80, &s1, &res));
			EXPECT_EQ(IOASID_PASID_STAGE1, s1.kind);
			EXPECT_EQ(IOASID_FORMAT_RISCV, s1.format);
			EXPECT_EQ(3 + m, s1.riscv.levels);
			EXPECT_EQ(44, s1.riscv.phys_bits);
			EXPECT_EQ((1ULL << 44) - SZ_4K, s1.riscv.root);
			/* Every leaf size of the mode. */
			EXPECT_EQ(m == 0 ? 0x40201000ULL : m == 1 ? 0x8040201000ULL :
				  0x1008040201000ULL, s1.riscv.pgsize_bitmap);
			/* A root too wide for the output: what BIND would refuse. */
			set_pc(r, 0x80, TA_V | TA_ENS, ATP(SV39 + m, 1ULL << 44));
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 2, true, 0x80);
			set_pc(r, 0x80, TA_V | TA_ENS, ATP(SV39 + m, 0) | ((1ULL << 44) - 1));
			EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, 2, true, 0x80);
		}
	}
	/* The widest: PPN of 44 bits with 56-bit outputs. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 56, PD8, TC));
	set_pc(r, 0x80, TA_V, ATP(SV57, (1ULL << 56) - SZ_4K));
	ASSERT_EQ(0, lookup(r, true, 0x80, &s1, &res));
	EXPECT_EQ((1ULL << 56) - SZ_4K, s1.riscv.root);
}

TEST_F(pdt, pc_ens_sum_pscid)
{
	static const struct {
		u64 ta;
		u32 flags;
	} cases[] = {
		{ 0, IOASID_RISCV_PDT_S1_NO_PRIV },
		{ TA_SUM, IOASID_RISCV_PDT_S1_NO_PRIV },	/* SUM needs ENS */
		{ TA_ENS, 0 },
		{ TA_ENS | TA_SUM, IOASID_RISCV_CFG_SUM },
	};
	static const u32 pscids[] = { 0, 1, 0x800, 0xabcde, 0xfffff };
	struct rig *r = &self->r;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result res;
	unsigned int i, j;

	ASSERT_EQ(0, rig_bind(r, IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_SV39, 48, PD8, TC));
	for (i = 0; i < ARRAY_LEN(cases); i++)
		for (j = 0; j < ARRAY_LEN(pscids); j++) {
			set_pc(r, 3, TA_V | cases[i].ta | TA_PSCID(pscids[j]), ATP(SV39, 0x5000));
			ASSERT_EQ(0, lookup(r, true, 3, &s1, &res));
			EXPECT_EQ(cases[i].flags, s1.riscv.flags);
			EXPECT_EQ(pscids[j], s1.tag);
			EXPECT_EQ(cases[i].flags & IOASID_RISCV_PDT_S1_NO_PRIV ?
				  IOASID_PT_ALL & ~S_ALL : IOASID_PT_ALL,
				  ioasid_riscv_pdt_perm_mask(&s1));
			/* Bare: the same privilege rule, no tag. */
			set_pc(r, 3, TA_V | cases[i].ta | TA_PSCID(pscids[j]),
			       ATP(BARE, 0x5000));
			EXPECT_BYPASS(cases[i].flags & IOASID_RISCV_PDT_S1_NO_PRIV, 2, true, 3);
		}
}

TEST_F(pdt, stage1_flags_from_the_descriptor_and_dc)
{
	static const struct {
		u32 desc;
		u64 tc;
		u32 flags;
	} cases[] = {
		{ 0, 0, 0 },
		{ IOASID_RISCV_PDT_AMO_HWAD, 0, 0 },
		{ IOASID_RISCV_PDT_AMO_HWAD, TC_SADE, IOASID_RISCV_CFG_AD_UPDATE },
		{ IOASID_RISCV_PDT_AMO_HWAD, TC_GADE, 0 },
		{ IOASID_RISCV_PDT_SVNAPOT, 0, IOASID_RISCV_CFG_SVNAPOT },
		{ IOASID_RISCV_PDT_SVPBMT, 0, IOASID_RISCV_CFG_SVPBMT },
		{ IOASID_RISCV_PDT_SVNAPOT | IOASID_RISCV_PDT_SVPBMT | IOASID_RISCV_PDT_AMO_HWAD,
		  TC_SADE | TC_DPE, IOASID_RISCV_CFG_AD_UPDATE | IOASID_RISCV_CFG_SVNAPOT |
		  IOASID_RISCV_CFG_SVPBMT },
	};
	struct rig *r = &self->r;
	struct ioasid_pasid_s1 s1;
	struct ioasid_pt_result res;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ASSERT_EQ(0, rig_bind(r, F_PD | F_SV | cases[i].desc, 48, PD20, TC | cases[i].tc));
		set_pc(r, 0xfffff, TA_V | TA_ENS, ATP(SV48, 0x5000));
		ASSERT_EQ(0, lookup(r, true, 0xfffff, &s1, &res));
		EXPECT_EQ(cases[i].flags, s1.riscv.flags) {
			TH_LOG("case %u", i);
		}
		EXPECT_EQ(0x5000, s1.riscv.root);
		EXPECT_EQ(48, s1.riscv.phys_bits);
		EXPECT_EQ(cases[i].desc & IOASID_RISCV_PDT_SVNAPOT ? 0x8040211000ULL :
			  0x8040201000ULL, s1.riscv.pgsize_bitmap);
	}
}

/* DMA without a PASID, pdtp.MODE Bare ------------------------------------------- */

TEST_F(pdt, no_pasid)
{
	static const u32 modes[] = { PD8, PD17, PD20 };
	struct rig *r = &self->r;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(modes); i++) {
		/* Without DPE: stage 1 bypassed, nothing read. */
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, modes[i], TC));
		set_pc(r, 0, TA_V, ATP(SV39, 0x5000));
		EXPECT_BYPASS(false, 0, false, 0);
		EXPECT_BYPASS(false, 0, false, 0xffffffff);
		/* PASID 0 itself is the table's. */
		expect_pc39(_metadata, r, 0, 0x5000, 0);

		/* With DPE: process context 0, whatever @pasid says. */
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, modes[i], TC | TC_DPE));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, modes[i], 1,
				   false, 0);
		set_pc39(r, 0, 0x6000, 0x60);
		set_pc39(r, 0xff, 0x7000, 0x70);
		{
			struct ioasid_pasid_s1 s1;
			struct ioasid_pt_result res;

			ASSERT_EQ(0, lookup(r, false, 0xff, &s1, &res));
			EXPECT_EQ(0x6000, s1.riscv.root);
			EXPECT_EQ(0x60, s1.tag);
			EXPECT_EQ(modes[i] + 1, r->nlog);
			ASSERT_EQ(0, lookup(r, false, 0xffffffff, &s1, &res));
			EXPECT_EQ(0x6000, s1.riscv.root);
		}
		expect_pc39(_metadata, r, 0xff, 0x7000, 0x70);
		/* Its faults are PASID 0's. */
		set_pc(r, 0, TA_V | (1ULL << 3), ATP(SV39, 0x6000));
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_ENTRY, 1, modes[i] + 1, false, 0x77);
		set_pc(r, 0, 0, 0);
		EXPECT_PASID_FAULT(IOASID_FAULT_PASID_NOT_PRESENT, 1, modes[i], false, 0x77);
		/* Its Bare process context: bypassed. */
		set_pc(r, 0, TA_V, ATP(BARE, 0));
		EXPECT_BYPASS(true, modes[i] + 1, false, 0);
	}
}

TEST_F(pdt, pdtp_bare_bypasses_everything)
{
	struct rig *r = &self->r;
	unsigned int dpe;

	for (dpe = 0; dpe < 2; dpe++) {
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, BARE, TC | (dpe ? TC_DPE : 0)));
		EXPECT_BYPASS(false, 0, false, 0);
		EXPECT_BYPASS(false, 0, true, 0);
		EXPECT_BYPASS(false, 0, true, 0xff);
		EXPECT_BYPASS(false, 0, true, 0xfffff);
		EXPECT_BYPASS(false, 0, true, 0x100000);
		EXPECT_BYPASS(false, 0, true, 0xffffffff);
	}
}

/* Table reads that fail ------------------------------------------------------- */

TEST_F(pdt, table_reads_fail)
{
	static const int rets[] = { IOASID_FAULT_TABLE, IOASID_FAULT_WALK_LIMIT,
				    IOASID_FAULT_NOT_ATTACHED, -1, -EFAULT, 999 };
	static const struct {
		u32 mode, pasid;
	} paths[] = { { PD8, 0x17 }, { PD17, 0x1f017 }, { PD20, 0xa1f17 } };
	struct rig *r = &self->r;
	unsigned int p, n, i;

	for (p = 0; p < ARRAY_LEN(paths); p++) {
		u32 mode = paths[p].mode;

		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, mode, TC | TC_DPE));
		set_pc39(r, paths[p].pasid, 0x9000, 9);
		set_pc39(r, 0, 0x9000, 9);
		/* Read n of the path (mode directory reads, then ta, fsc). */
		for (n = 1; n <= mode + 1; n++)
			for (i = 0; i < ARRAY_LEN(rets); i++) {
				int want = rets[i] >= IOASID_FAULT_NOT_ATTACHED &&
					   rets[i] <= IOASID_FAULT_WALK_LIMIT ?
					   rets[i] : IOASID_FAULT_TABLE;
				unsigned int level = n <= mode ? mode + 1 - n : 1;

				r->fail_at = n;
				r->fail_ret = rets[i];
				EXPECT_PASID_FAULT(want, level, n, true, paths[p].pasid);
				EXPECT_PASID_FAULT(want, level, n, false, 0);
			}
		r->fail_at = 0;
		expect_pc39(_metadata, r, paths[p].pasid, 0x9000, 9);
	}

	/* Pages outside the parent's memory: the root, a directory, the PCs. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD20, TC));
	ASSERT_EQ(0, bind3(&r->cfg, TC, 0, ATP(PD20, 0x10000000)));
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 3, 1, true, 0x20001);
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD20, TC));
	set_pc39(r, 0x20001, 0x9000, 9);
	wmem_set(&r->m, slot(r, 0x20001, 3), PDTE(0x20000000));
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 2, 2, true, 0x20001);
	wmem_set(&r->m, slot(r, 0x20001, 3), PDTE(r->cfg.root + SZ_4K));
	wmem_set(&r->m, slot(r, 0x20001, 2), PDTE(0));
	EXPECT_PASID_FAULT(IOASID_FAULT_TABLE, 1, 3, true, 0x20001);
	r->m.outside = 0;
}

/* End to end: lookup, then the stage-1 walk -------------------------------------- */

/*
 * What the module does with a request and a decoded entry (riscv_pdt.h):
 * the request as the IOMMU sees it, the ENS refusal before any walk, then
 * a bypass or the RISC-V walk, whose grant is masked.
 */
static int s1_walk(struct rig *r, const struct ioasid_pasid_s1 *s1, bool has_pasid,
		   u64 iova, u32 access, struct ioasid_pt_result *res)
{
	struct ioasid_pt_io io = rig_io(r);
	u32 mask = ioasid_riscv_pdt_perm_mask(s1);
	int ret;

	access = ioasid_riscv_pdt_access(has_pasid, access);
	memset(res, 0, sizeof(*res));
	r->nlog = 0;
	r->m.cmpxchgs = 0;
	if (ioasid_pt_need(access) & ~mask)
		return ioasid_pt_fail(res, IOASID_FAULT_PERMISSION, 0);
	if (s1->kind == IOASID_PASID_BYPASS) {
		res->out = iova;
		res->page_size = SZ_4K;
		res->perm = mask;
		return 0;
	}
	ret = ioasid_riscv_walk(&s1->riscv, iova, access, &io, res);
	res->perm &= mask;
	res->maybe &= mask;
	return ret;
}

/* Look @pasid up and walk @iova through it: 0 and @res, or the fault. */
static int xlate(struct rig *r, bool has_pasid, u32 pasid, u64 iova, u32 access,
		 struct ioasid_pt_result *res)
{
	struct ioasid_pasid_s1 s1;
	int ret = lookup(r, has_pasid, pasid, &s1, res);

	return ret ? ret : s1_walk(r, &s1, has_pasid, iova, access, res);
}

#define EXPECT_XLATE_TO(out_, size, has, pasid, iova, access)			\
	do {									\
		struct ioasid_pt_result __r;					\
		EXPECT_EQ(0, xlate(&self->r, has, pasid, iova, access, &__r)) {	\
			TH_LOG("pasid %#x iova %#llx access %#x: fault %u level %u", \
			       (unsigned int)(pasid), (unsigned long long)(iova),	\
			       (unsigned int)(access), __r.fault_reason,	\
			       __r.fault_level);				\
		}								\
		EXPECT_EQ((u64)(out_), __r.out);				\
		EXPECT_EQ((u64)(size), __r.page_size);				\
	} while (0)

#define EXPECT_XLATE_FAULT(reason, lvl, has, pasid, iova, access)		\
	do {									\
		struct ioasid_pt_result __r;					\
		EXPECT_EQ(reason, xlate(&self->r, has, pasid, iova, access, &__r)) { \
			TH_LOG("pasid %#x iova %#llx access %#x",		\
			       (unsigned int)(pasid), (unsigned long long)(iova),	\
			       (unsigned int)(access));				\
		}								\
		EXPECT_EQ(lvl, __r.fault_level);				\
		EXPECT_EQ(0, __r.out);						\
	} while (0)

/* An encoder of stage-1 tables in region @n (0 to 2) of the stage-1 pages. */
static void enc_init(struct __test_metadata *_metadata, struct rig *r, struct pt_enc *e,
		     unsigned int n, unsigned int levels, u32 flags)
{
	struct pt_enc_params p = pt_enc_riscv_params(levels);
	u64 off = (PDT_PAGES + n * 64) * SZ_4K;

	p.flags = flags;
	ASSERT_EQ(0, pt_enc_init(e, &p, (u8 *)r->m.buf + off, r->m.base + off, 64 * SZ_4K));
}

TEST_F(pdt, end_to_end_every_mode)
{
	static const struct {
		u32 mode, pasid[2];
	} modes[] = {
		{ PD8, { 5, 0xfe } }, { PD17, { 0x105, 0x1fffe } }, { PD20, { 0x80105, 0xffffe } },
	};
	struct rig *r = &self->r;
	struct pt_enc e[2];
	unsigned int i, sv, t;

	for (i = 0; i < ARRAY_LEN(modes); i++)
		for (sv = 0; sv < 3; sv++) {
			unsigned int levels = 3 + sv;

			ASSERT_EQ(0, rig_bind(r, F_ALL, 48, modes[i].mode, TC));
			/* Two PASIDs, two tables: the same IOVAs, other outputs. */
			for (t = 0; t < 2; t++) {
				u64 o = t * 0x1000000000ULL;

				enc_init(_metadata, r, &e[t], t, levels, 0);
				ASSERT_EQ(0, pt_enc_map(&e[t], 0x1000, o + 0x5000, SZ_4K,
							PT_ENC_R | PT_ENC_U));
				ASSERT_EQ(0, pt_enc_map(&e[t], 0x200000, o + 0x40000000, SZ_2M,
							PT_ENC_ALL));
				ASSERT_EQ(0, pt_enc_map(&e[t], 0x40000000, o + 0x80000000, SZ_1G,
							PT_ENC_RW));
				if (levels >= 4)
					ASSERT_EQ(0, pt_enc_map(&e[t], 0x8000000000ULL,
								0x10000000000ULL + o * 128,
								1ULL << 39, PT_ENC_ALL));
				set_pc(r, modes[i].pasid[t], TA_V | TA_ENS | TA_PSCID(t),
				       ATP(SV39 + sv, pt_enc_root(&e[t])));
			}
			for (t = 0; t < 2; t++) {
				u32 p = modes[i].pasid[t];
				u64 o = t * 0x1000000000ULL;

				EXPECT_XLATE_TO(o + 0x5000, SZ_4K, true, p, 0x1000, R_);
				EXPECT_XLATE_TO(o + 0x5fff, SZ_4K, true, p, 0x1fff, R_);
				EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 1, true, p, 0x1000, W_);
				EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 1, true, p, 0x1000,
						   R_ | PRIV);
				EXPECT_XLATE_TO(o + 0x40123456, SZ_2M, true, p, 0x323456, W_);
				EXPECT_XLATE_TO(o + 0x40123456, SZ_2M, true, p, 0x323456, X_);
				EXPECT_XLATE_TO(o + 0x80000000, SZ_1G, true, p, 0x40000000, W_ | PRIV);
				EXPECT_XLATE_TO(o + 0xbfffffff, SZ_1G, true, p, 0x7fffffff, R_ | PRIV);
				EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 2 + 1, true, p,
						   0x40000000, R_);
				if (levels >= 4)
					EXPECT_XLATE_TO(0x10000000000ULL + o * 128 + 0x123456789ULL,
							1ULL << 39, true, p,
							0x8123456789ULL, W_);
				/* Unmapped: the stage-1 table's fault, at its level. */
				EXPECT_XLATE_FAULT(IOASID_FAULT_NOT_PRESENT, 1, true, p, 0x2000, R_);
				EXPECT_XLATE_FAULT(IOASID_FAULT_NOT_PRESENT, levels, true, p,
						   1ULL << (12 + 9 * levels - 2), R_);
				/* Past the input: non-canonical. */
				EXPECT_XLATE_FAULT(IOASID_FAULT_NON_CANONICAL, levels, true, p,
						   1ULL << (12 + 9 * levels - 1), R_);
			}
			/* Without a PASID and without DPE: bypassed. */
			EXPECT_XLATE_TO(0x1000, SZ_4K, false, 0, 0x1000, W_);
		}
}

TEST_F(pdt, end_to_end_privilege)
{
	static const struct {
		u64 ta;
		bool priv, priv_u, priv_ux;	/* privileged: any, to U pages, exec of U */
	} cases[] = {
		{ 0, false, false, false },
		{ TA_SUM, false, false, false },
		{ TA_ENS, true, false, false },
		{ TA_ENS | TA_SUM, true, true, false },
	};
	static const u32 accesses[] = { R_, W_, X_ };
	struct rig *r = &self->r;
	struct pt_enc e;
	unsigned int i, a, has;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD17, TC | TC_DPE));
		enc_init(_metadata, r, &e, 0, 4, 0);
		ASSERT_EQ(0, pt_enc_map(&e, 0x1000, 0x11000, SZ_4K, PT_ENC_ALL));
		ASSERT_EQ(0, pt_enc_map(&e, 0x2000, 0x22000, SZ_4K,
					PT_ENC_R | PT_ENC_W | PT_ENC_X));
		/* PASID 0x1234, and PASID 0 for DMA without one (DPE). */
		set_pc(r, 0x1234, TA_V | cases[i].ta, ATP(SV48, pt_enc_root(&e)));
		set_pc(r, 0, TA_V | cases[i].ta, ATP(SV48, pt_enc_root(&e)));
		for (has = 0; has < 2; has++) {
			u32 p = has ? 0x1234 : 0;

			for (a = 0; a < ARRAY_LEN(accesses); a++) {
				u32 acc = accesses[a];

				/* Unprivileged: U pages only. */
				EXPECT_XLATE_TO(0x11000, SZ_4K, has, p, 0x1000, acc);
				EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 1, has, p, 0x2000, acc);
				/* Without a PASID, PRIV is dropped: the same. */
				if (!has) {
					EXPECT_XLATE_TO(0x11000, SZ_4K, has, p, 0x1000, acc | PRIV);
					EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 1, has, p,
							   0x2000, acc | PRIV);
					continue;
				}
				/* Privileged: ENS, SUM, never executing a U page. */
				if (!cases[i].priv) {
					EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 0, has, p,
							   0x1000, acc | PRIV);
					EXPECT_EQ(0, r->nlog);
					EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 0, has, p,
							   0x2000, acc | PRIV);
					EXPECT_EQ(0, r->nlog);
					continue;
				}
				EXPECT_XLATE_TO(0x22000, SZ_4K, has, p, 0x2000, acc | PRIV);
				if (cases[i].priv_u && acc != X_)
					EXPECT_XLATE_TO(0x11000, SZ_4K, has, p, 0x1000, acc | PRIV);
				else
					EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 1, has, p,
							   0x1000, acc | PRIV);
			}
		}
	}
}

TEST_F(pdt, end_to_end_ad_update)
{
	struct rig *r = &self->r;
	struct ioasid_pt_result res;
	struct pt_enc e;
	u64 *leaf, v;
	unsigned int sade;

	for (sade = 0; sade < 2; sade++) {
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD8, TC | (sade ? TC_SADE : 0)));
		enc_init(_metadata, r, &e, 0, 3, 0);
		ASSERT_EQ(0, pt_enc_map(&e, 0x1000, 0x11000, SZ_4K, PT_ENC_RW));
		leaf = pt_enc_leaf(&e, 0x1000, NULL, NULL);
		ASSERT_NE(NULL, leaf);
		v = pt_enc_get(leaf) & ~(RV_A | RV_D);
		pt_enc_set(leaf, v);
		set_pc(r, 9, TA_V, ATP(SV39, pt_enc_root(&e)));
		/* ENS clear: a privileged write is refused, nothing updated. */
		EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 0, true, 9, 0x1000, W_ | PRIV);
		EXPECT_EQ(0, r->m.cmpxchgs);
		EXPECT_EQ(v, pt_enc_get(leaf));
		set_pc(r, 9, TA_V | TA_ENS, ATP(SV39, pt_enc_root(&e)));
		if (!sade) {
			EXPECT_XLATE_FAULT(IOASID_FAULT_ACCESS_FLAG, 1, true, 9, 0x1000, R_ | PRIV);
			EXPECT_EQ(v, pt_enc_get(leaf));
			continue;
		}
		EXPECT_XLATE_TO(0x11000, SZ_4K, true, 9, 0x1000, R_ | PRIV);
		EXPECT_EQ(v | RV_A, pt_enc_get(leaf));
		ASSERT_EQ(0, xlate(r, true, 9, 0x1000, W_ | PRIV, &res));
		EXPECT_EQ(1, r->m.cmpxchgs);
		EXPECT_EQ(v | RV_A | RV_D, pt_enc_get(leaf));
	}
}

TEST_F(pdt, end_to_end_napot_pbmt_phys_bits)
{
	struct rig *r = &self->r;
	struct pt_enc e;
	u64 *leaf;

	/* Svnapot: 64 KiB leaves only when the descriptor says so. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD8, TC));
	enc_init(_metadata, r, &e, 0, 3, IOASID_RISCV_SVNAPOT);
	ASSERT_EQ(0, pt_enc_map_leaf(&e, 0x10000, 0x7770000, 0x10000, PT_ENC_ALL, 0x10000));
	ASSERT_EQ(0, pt_enc_map(&e, 0x100000, 0x100000000ULL, SZ_4K, PT_ENC_ALL));
	set_pc(r, 1, TA_V, ATP(SV39, pt_enc_root(&e)));
	EXPECT_XLATE_TO(0x777abcd, 0x10000, true, 1, 0x1abcd, R_);
	ASSERT_EQ(0, rig_bind(r, F_ALL & ~IOASID_RISCV_PDT_SVNAPOT, 48, PD8, TC));
	set_pc(r, 1, TA_V, ATP(SV39, pt_enc_root(&e)));
	EXPECT_XLATE_FAULT(IOASID_FAULT_RESERVED, 1, true, 1, 0x1abcd, R_);

	/* Svpbmt: PBMT 1 (NC) in a leaf. */
	leaf = pt_enc_leaf(&e, 0x100000, NULL, NULL);
	ASSERT_NE(NULL, leaf);
	pt_enc_set(leaf, pt_enc_get(leaf) | (1ULL << 61));
	EXPECT_XLATE_TO(0x100000000ULL, SZ_4K, true, 1, 0x100000, R_);
	ASSERT_EQ(0, rig_bind(r, F_ALL & ~IOASID_RISCV_PDT_SVPBMT, 48, PD8, TC));
	set_pc(r, 1, TA_V, ATP(SV39, pt_enc_root(&e)));
	EXPECT_XLATE_FAULT(IOASID_FAULT_RESERVED, 1, true, 1, 0x100000, R_);

	/* The descriptor's output width is the stage-1 format's. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 32, PD8, TC));
	set_pc(r, 1, TA_V, ATP(SV39, pt_enc_root(&e)));
	EXPECT_XLATE_FAULT(IOASID_FAULT_RESERVED, 1, true, 1, 0x100000, R_);
	EXPECT_XLATE_TO(0x777abcd, 0x10000, true, 1, 0x1abcd, R_);
}

TEST_F(pdt, end_to_end_bypass)
{
	struct rig *r = &self->r;

	/* pdtp Bare: every request, whatever its privilege. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, BARE, TC));
	EXPECT_XLATE_TO(0x123456789ULL, SZ_4K, true, 7, 0x123456789ULL, W_ | PRIV);
	EXPECT_XLATE_TO(0xfffffffffffff000ULL, SZ_4K, false, 0, 0xfffffffffffff000ULL, X_);
	/* A Bare process context: ENS still decides for privileged requests. */
	ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD17, TC | TC_DPE));
	set_pc(r, 0x1ff, TA_V, ATP(BARE, 0));
	set_pc(r, 0, TA_V, ATP(BARE, 0));
	EXPECT_XLATE_TO(0xabc000, SZ_4K, true, 0x1ff, 0xabc000, W_);
	EXPECT_XLATE_FAULT(IOASID_FAULT_PERMISSION, 0, true, 0x1ff, 0xabc000, R_ | PRIV);
	EXPECT_XLATE_TO(0xabc000, SZ_4K, false, 0, 0xabc000, R_ | PRIV);
	set_pc(r, 0x1ff, TA_V | TA_ENS, ATP(BARE, 0));
	EXPECT_XLATE_TO(0xabc000, SZ_4K, true, 0x1ff, 0xabc000, X_ | PRIV);
}

TEST_F(pdt, end_to_end_stage1_table_unreadable)
{
	struct rig *r = &self->r;
	unsigned int sv;

	for (sv = 0; sv < 3; sv++) {
		ASSERT_EQ(0, rig_bind(r, F_ALL, 48, PD8, TC));
		set_pc(r, 2, TA_V, ATP(SV39 + sv, 0x7fff000000ULL));
		EXPECT_XLATE_FAULT(IOASID_FAULT_TABLE, 3 + sv, true, 2, 0x1000, R_);
	}
	r->m.outside = 0;
}

TEST_HARNESS_MAIN
