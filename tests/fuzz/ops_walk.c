// SPDX-License-Identifier: GPL-2.0
/*
 * The walk rig: DMA and TRANSLATE through user-managed nodes of every
 * format the module walks (x86-64, Arm64, RISC-V, AMD v1), over table
 * memory the fuzzer scribbles on. The main model never attaches a device
 * at or below a user-managed node: what translates there depends on tables
 * in memory, which it does not walk. The rig is a context of its own, so
 * that nothing it does touches the main model:
 *
 *   - a root maps WK_PAGES pages of memory at IOVA 0: the first WK_RW_PAGES
 *     read-write, the rest read-only (tables there can be read but no
 *     accessed or dirty bit set; no DMA may write there);
 *   - up to WK_NODES user-managed children, each of a random valid
 *     descriptor of a format FORMAT_INFO reports (ALLOC must take it),
 *     bound to a root in the read-write part (BIND must take it; Arm64
 *     with both halves mostly), and one software endpoint attached to each
 *     (the first without a PASID, the others with one).
 *
 * The memory holds random entries, most of them shaped like some format's
 * pointers and leaves, so that walks go deep and end anywhere. What they
 * translate to is not predicted. What is checked of any DMA and TRANSLATE:
 * the errno (0 or EIO), out_done (all of it on success, less on EIO), that
 * a read changes nothing past out_done in the buffer, that nothing in the
 * read-only part ever changes, that a TRANSLATE's answer lies in the
 * memory with the page offset of its IOVA, grants what was asked and no
 * WRITE in the read-only part, and that a DMA of a translated range right
 * after its TRANSLATE moves exactly the bytes at out_uaddr. DEVICE_INFO
 * counts every EIO as one fault and reports the last one's address,
 * access, node (the attached one or the root), a level the format has, and
 * a reason the node's format can give (NOT_BOUND exactly when unbound).
 *
 * And one thing is predicted: a chain of entries the rig plants (every
 * level of the format for one IOVA, with every permission and every
 * accessed and dirty bit set, so that no walker writes), while it is
 * intact in memory and the node was invalidated since, and no other entry
 * of its tables is a larger leaf covering the IOVA (AMD v1 NextLevel 7,
 * RISC-V Svnapot: what a walk of another address caches from one covers
 * it), must translate to the planted page: TRANSLATE's out_uaddr
 * exactly, and a DMA there reads or writes that page (a write into the
 * read-only part: EIO, the root's PERMISSION).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kinds.h"
#include "ops.h"

#define WK_PAGES	64
#define WK_RW_PAGES	48
#define WK_NODES	4
#define WK_OPS		4000	/* a new rig after so many of its operations */
#define WK_MAX_LEVELS	6
#define WK_PASID_BITS	4
#define WK_KINDS	3	/* a node of each PASID-table kind reported */

/*
 * A node of a PASID-table kind, with a device of its own attached to it
 * without a PASID; its DMA carries PASIDs of up to 20 bits, or none.
 */
struct knode {
	uint32_t id, dev;
	struct m_format fmt;
	bool bound;
	__u64 entry[4];
	uint64_t faults;
};

struct wnode {
	uint32_t id;
	struct m_format fmt;
	bool has_pasid;
	uint32_t pasid;
	bool bound;
	uint64_t root, root1;
	/* The last planted chain: its entries, and where they lead. */
	bool planted;
	bool fresh;		/* invalidated since it was planted */
	uint64_t iova;
	uint64_t leaf;		/* parent address of the leaf's page */
	uint64_t gran;		/* the leaf's size */
	unsigned int nslots;
	uint64_t slot[WK_MAX_LEVELS];
	uint64_t val[WK_MAX_LEVELS];
};

static struct {
	bool on, tried;
	uint32_t formats;	/* bit f: FORMAT_INFO of format f works */
	struct ioasid_handle *h;
	int fd;
	uint8_t *mem;		/* WK_PAGES, mapped at IOVA 0 of root */
	uint8_t *ro;		/* what the read-only part must hold */
	uint8_t *buf;		/* the user end of DMA: 3 pages */
	uint8_t *before;
	uint32_t root, dev;
	unsigned int nnodes;
	struct wnode nodes[WK_NODES];
	uint64_t faults;
	unsigned int ops;
	/* Statistics. */
	uint64_t rigs, xlate_ok, xlate_fault, dma_ok, dma_partial, dma_fault;
	uint64_t exact[5], exact_fault, exact_shadowed, consistent, by_reason[32];
	/* PASID-table kinds (formats 5 to 7). */
	unsigned int nkinds;
	struct knode kinds[WK_KINDS];
	uint32_t dev_pasid_bits;
	uint64_t k_dma[8][2], k_xlate[8][2];	/* per format: ok, faulted */
	uint64_t k_wide[8];	/* requests the entry faults at once, as predicted */
	uint64_t k_bypass[8];	/* bypassed to the parent, as predicted */
	uint64_t k_nopasid, k_binds[2], k_rules, k_reason[32];
} W;

/* One ioctl of the rig, counted and described like the fuzzer's own. */
static int wk_ioctl(struct fz *f, const char *name, unsigned long req, void *arg,
		    size_t len)
{
	int ret;

	f->call.name = name;
	f->call.how = "ioctl (walk rig)";
	f->call.cmd = _IOC_NR(req) & 31;
	memcpy(&f->call.size, arg, 4);
	memset(f->call.in, 0, sizeof(f->call.in));
	memcpy(f->call.in, arg, len < sizeof(f->call.in) ? len : sizeof(f->call.in));
	f->calls++;
	ret = ioctl(W.fd, req, arg) ? errno : 0;
	if (f->trace)
		printf("# walk rig: %s -> %s\n", name, fz_errname(ret));
	return ret;
}

static bool wk_has(uint32_t format)
{
	return W.formats >> format & 1;
}

/* Descriptors ---------------------------------------------------------------- */

static const uint8_t wk_tg[] = { 12, 14, 16 };

/* A valid descriptor of @format, as bytes for ALLOC and as the model's. */
static void wk_descriptor(struct fz *f, uint32_t format, void *desc,
			  struct m_format *mf)
{
	memset(mf, 0, sizeof(*mf));
	mf->format = format;
	memset(desc, 0, 32);
	if (format == IOASID_FORMAT_ARM64) {
		struct ioasid_format_arm64 *a = desc;
		unsigned int i;

		a->hdr = (struct ioasid_format_header){ sizeof(*a), format };
		for (i = 0; i < 2; i++) {
			mf->tg[i] = wk_tg[rn(f, 3)];
			mf->tsz[i] = pct(f, 40) ? 16 : pct(f, 30) ? 39 : 16 + rn(f, 24);
		}
		a->t0sz = mf->tsz[0];
		a->t1sz = mf->tsz[1];
		a->tg0 = mf->tg[0];
		a->tg1 = mf->tg[1];
		a->oas_bits = mf->phys_bits = pct(f, 70) ? 48 : pct(f, 50) ? 32 : 40;
		mf->flags = (pct(f, 10) ? IOASID_ARM64_EPD0 : 0) |
			    (pct(f, 35) ? IOASID_ARM64_EPD1 : 0) |
			    (pct(f, 30) ? IOASID_ARM64_TBI0 : 0) |
			    (pct(f, 30) ? IOASID_ARM64_TBI1 : 0);
		if (pct(f, 50))
			mf->flags |= IOASID_ARM64_HA | (pct(f, 50) ? IOASID_ARM64_HD : 0);
		a->flags = mf->flags;
		return;
	}
	/* x86-64, RISC-V and AMD v1 share the layout. */
	struct ioasid_format_x86_64 *x = desc;

	x->hdr = (struct ioasid_format_header){ sizeof(*x), format };
	switch (format) {
	case IOASID_FORMAT_X86_64:
		mf->levels = 4 + rn(f, 2);
		mf->phys_bits = pct(f, 50) ? 52 : 32 + rn(f, 21);
		mf->flags = pct(f, 50) ? IOASID_X86_64_AD_UPDATE : 0;
		break;
	case IOASID_FORMAT_RISCV:
		mf->levels = 3 + rn(f, 3);
		mf->phys_bits = pct(f, 50) ? 56 : 32 + rn(f, 25);
		mf->flags = (pct(f, 50) ? IOASID_RISCV_AD_UPDATE : 0) |
			    (pct(f, 40) ? IOASID_RISCV_SVNAPOT : 0) |
			    (pct(f, 40) ? IOASID_RISCV_SVPBMT : 0);
		break;
	default:
		mf->levels = 1 + rn(f, 6);
		mf->phys_bits = pct(f, 50) ? 52 : 32 + rn(f, 21);
		mf->flags = pct(f, 50) ? IOASID_AMD_V1_AD_UPDATE : 0;
		break;
	}
	x->levels = mf->levels;
	x->phys_bits = mf->phys_bits;
	x->flags = mf->flags;
}

/* Levels and the deepest level a fault may report. */
static unsigned int wk_max_level(const struct m_format *mf)
{
	if (mf->format != IOASID_FORMAT_ARM64)
		return mf->levels;
	return 4;
}

/* A root for half @half of @n: aligned, in the read-write part. */
static uint64_t wk_root(struct fz *f, const struct wnode *n, unsigned int half)
{
	uint64_t align = contract_root_align(&n->fmt, half);
	uint64_t room = WK_RW_PAGES * PG;

	if (align < PG && pct(f, 30))
		return rn(f, room / align) * align;
	return rn(f, room / PG) * PG & ~(align - 1);
}

/* Entries ------------------------------------------------------------------- */

/* A pointer-or-leaf-shaped entry of @format to @addr, permissions at random. */
static uint64_t wk_entry(struct fz *f, uint32_t format, uint64_t addr)
{
	uint64_t e = 0;

	switch (format) {
	case IOASID_FORMAT_X86_64:
		e = addr | 1 | (pct(f, 70) ? 2 : 0) | (pct(f, 70) ? 4 : 0) |
		    (pct(f, 50) ? 1 << 5 : 0) | (pct(f, 50) ? 1 << 6 : 0) |
		    (pct(f, 10) ? 1 << 7 : 0) | (pct(f, 10) ? 1ULL << 63 : 0);
		break;
	case IOASID_FORMAT_ARM64:
		e = addr | (pct(f, 92) ? 1 : 0) | (pct(f, 80) ? 2 : 0) |
		    (pct(f, 70) ? 1 << 10 : 0) | (pct(f, 50) ? 1 << 6 : 0) |
		    (pct(f, 30) ? 1 << 7 : 0) | (pct(f, 20) ? 1ULL << 51 : 0) |
		    (pct(f, 10) ? 1ULL << 53 : 0) | (pct(f, 10) ? 1ULL << 54 : 0) |
		    (pct(f, 5) ? 1ULL << (59 + rn(f, 4)) : 0);
		break;
	case IOASID_FORMAT_RISCV:
		e = (addr >> 12) << 10 | (pct(f, 92) ? 1 : 0) | (pct(f, 60) ? 1 << 4 : 0) |
		    (pct(f, 60) ? 1 << 6 : 0) | (pct(f, 50) ? 1 << 7 : 0);
		if (pct(f, 55))		/* a leaf: R, W, X (W without R now and then) */
			e |= (pct(f, 85) ? 2 : 0) | (pct(f, 50) ? 4 : 0) |
			     (pct(f, 30) ? 8 : 0);
		if (pct(f, 3))
			e |= 1ULL << (61 + rn(f, 3));	/* PBMT, N */
		break;
	default:
		e = addr | (pct(f, 92) ? 1 : 0) | (uint64_t)rn(f, 8) << 9 |
		    (pct(f, 80) ? 1ULL << 61 : 0) | (pct(f, 60) ? 1ULL << 62 : 0) |
		    (pct(f, 50) ? 1 << 5 : 0) | (pct(f, 50) ? 1 << 6 : 0);
		if ((e >> 9 & 7) == 7)		/* a size in the address's ones */
			e |= (1ULL << (12 + rn(f, 6))) - 4096;
		break;
	}
	return e;
}

/* Random entries over @npages pages from @page: chaos, shaped mostly. */
static void wk_scribble(struct fz *f, unsigned int page, unsigned int npages)
{
	uint64_t *e = (uint64_t *)(W.mem + (uint64_t)page * PG);
	uint64_t i, n = (uint64_t)npages * PG / 8, addr;
	uint32_t format;

	for (i = 0; i < n; i++) {
		unsigned int r = rn(f, 100);

		if (r < 25) {
			e[i] = 0;
		} else if (r < 35) {
			e[i] = rnd(f);
		} else {
			do
				format = 1 + rn(f, 4);
			while (!wk_has(format));
			addr = rn(f, WK_PAGES) * PG;
			if (pct(f, 20))
				addr &= ~0xffffULL;	/* 64 KiB granules */
			if (pct(f, 2))
				addr = rnd(f) & 0x000ffffffffff000ULL;	/* outside */
			e[i] = wk_entry(f, format, addr);
		}
	}
}

/* The read-only part changed by the CPU: what it must hold from now on. */
static void wk_ro_snapshot(void)
{
	memcpy(W.ro, W.mem + WK_RW_PAGES * PG, (WK_PAGES - WK_RW_PAGES) * PG);
}

static bool wk_invalidate(struct fz *f, struct wnode *n)
{
	struct ioasid_inv_entry e = { .node_id = n->id };
	struct ioasid_invalidate c = { .size = sizeof(c), .count = 1,
				       .entry_size = sizeof(e),
				       .entries = (uintptr_t)&e };
	int rc = wk_ioctl(f, "INVALIDATE", IOASID_INVALIDATE, &c, sizeof(c));

	if (rc || c.out_done != 1) {
		fz_fail(f, "walk rig: INVALIDATE of node %u: %s, out_done %u", n->id,
			fz_errname(rc), c.out_done);
		return false;
	}
	n->fresh = true;
	return true;
}

/* Planting a chain ------------------------------------------------------------ */

/* The input address bits one level of @n's walk takes (Arm64: its half). */
struct wk_geo {
	unsigned int levels;	/* top level */
	unsigned int gran;	/* log2 of the leaf page (level 1) */
	unsigned int stride;	/* index bits per level below the top */
	unsigned int top_bits;	/* index bits of the top level */
	uint64_t root;
};

static bool wk_geometry(const struct wnode *n, uint64_t iova, struct wk_geo *g)
{
	const struct m_format *mf = &n->fmt;
	unsigned int half, bits;

	if (mf->format != IOASID_FORMAT_ARM64) {
		g->levels = mf->levels;
		g->gran = 12;
		g->stride = 9;
		bits = 12 + 9 * mf->levels;
		g->top_bits = bits > 64 ? 64 - 12 - 9 * (mf->levels - 1) : 9;
		g->root = n->root;
		return true;
	}
	half = iova >> 63;
	if (half && !contract_has_ttb1(mf))
		return false;
	if (!half && mf->flags & IOASID_ARM64_EPD0)
		return false;
	g->gran = mf->tg[half];
	g->stride = g->gran - 3;
	g->levels = contract_arm64_levels(mf->tsz[half], g->gran);
	g->top_bits = 64 - mf->tsz[half] - g->gran - (g->levels - 1) * g->stride;
	g->root = half ? n->root1 : n->root;
	return true;
}

/* Every permission and every accessed/dirty bit: no walker writes. */
static uint64_t wk_full(uint32_t format, uint64_t addr, bool leaf)
{
	switch (format) {
	case IOASID_FORMAT_X86_64:
		return addr | 1 | 2 | 4 | 1 << 5 | (leaf ? 1 << 6 : 0);
	case IOASID_FORMAT_ARM64:
		/* table, or page (bits 1:0 = 3 at the last level); AF, AP[1] */
		return addr | 3 | (leaf ? 1 << 10 | 1 << 6 : 0);
	case IOASID_FORMAT_RISCV:
		return (addr >> 12) << 10 | 1 | (leaf ? 2 | 4 | 1 << 4 | 1 << 6 | 1 << 7 : 0);
	default:
		return addr | 1 | 1ULL << 61 | 1ULL << 62 | 1 << 5 | 1 << 6;
	}
}

/*
 * Whether an entry of one of the chain's tables, other than the chain's
 * own, is a leaf larger than its slot (AMD v1 NextLevel 7, RISC-V Svnapot)
 * whose range covers the planted IOVA. The guest must repeat such a leaf in
 * every entry it covers; where the scribbles did not, a walk of another
 * address that used it may cache the whole leaf, and then the planted IOVA
 * hits that entry, as it would in a hardware IOTLB. No prediction then.
 * With @clear, such entries are cleared (a plant does that, mostly).
 * (Only the chain's tables matter: any other table lies under another entry
 * of one of them, so what it maps is apart from the planted IOVA.)
 */
static bool wk_shadowed(const struct wnode *n, bool clear)
{
	bool found = false;
	unsigned int k, lv, shift, j;
	uint64_t table, e, addr, base, size, idx;

	if (n->fmt.format != IOASID_FORMAT_AMD_V1 && n->fmt.format != IOASID_FORMAT_RISCV)
		return false;
	for (k = 0; k < n->nslots; k++) {
		lv = n->nslots - k;		/* the slot's level */
		shift = 12 + 9 * (lv - 1);	/* what one entry there spans */
		table = n->slot[k] & ~(PG - 1);
		idx = (n->slot[k] & (PG - 1)) / 8;
		for (j = 0; j < PG / 8; j++) {
			if (j == idx)
				continue;
			memcpy(&e, W.mem + table + j * 8, 8);
			if (n->fmt.format == IOASID_FORMAT_RISCV) {
				/* NAPOT leaves are 64 KiB: 16 entries of level 1. */
				if (lv == 1 && e & 1 && e >> 63 && e & 0xe && j / 16 == idx / 16)
					goto shadow;
				continue;
			}
			if (!(e & 1) || (e >> 9 & 7) != 7)
				continue;
			addr = e & 0x000ffffffffff000ULL;
			size = 13 + __builtin_ctzll(~(addr >> 12));
			/* An entry of index j covers base..base + 2^shift - 1. */
			base = shift + 9 >= 64 ? 0 : n->iova & ~((1ULL << (shift + 9)) - 1);
			base |= (uint64_t)j << shift;
			if (size < 64 && (base ^ n->iova) >> size)
				continue;
shadow:
			found = true;
			if (clear)
				memset(W.mem + table + j * 8, 0, 8);
		}
	}
	return found;
}

/*
 * A chain for @iova through @n's table, its pages in the read-write part
 * (none the root's), leading to a page anywhere (the read-only part too).
 */
static void wk_plant(struct fz *f, struct wnode *n, uint64_t iova)
{
	struct wk_geo g;
	uint64_t table, next, gsize, idx, mask;
	unsigned int lv, tries, gpages;

	n->planted = false;
	if (!n->bound || !wk_geometry(n, iova, &g))
		return;
	gsize = 1ULL << g.gran;
	gpages = gsize / PG;
	table = g.root;
	n->nslots = 0;
	for (lv = g.levels; lv >= 1; lv--) {
		mask = lv == g.levels ? (g.top_bits >= 64 ? ~0ULL : (1ULL << g.top_bits) - 1) :
					(1ULL << g.stride) - 1;
		idx = iova >> (g.gran + (uint64_t)g.stride * (lv - 1)) & mask;
		if (lv > 1) {
			for (tries = 0; tries < 8; tries++) {
				next = rn(f, WK_RW_PAGES / gpages) * gsize;
				if (next / gsize != table / gsize)
					break;
			}
		} else {
			next = rn(f, WK_PAGES / gpages) * gsize;
			if (pct(f, 70))			/* mostly the read-write part */
				next = rn(f, WK_RW_PAGES / gpages) * gsize;
			n->leaf = next;
			n->gran = gsize;
		}
		n->slot[n->nslots] = table + idx * 8;
		n->val[n->nslots] = wk_full(n->fmt.format, next, lv == 1);
		memcpy(W.mem + n->slot[n->nslots], &n->val[n->nslots], 8);
		n->nslots++;
		table = next;
	}
	/* AMD v1: pointers name the next level (NextLevel), leaves 0. */
	if (n->fmt.format == IOASID_FORMAT_AMD_V1)
		for (lv = 0; lv + 1 < n->nslots; lv++) {
			n->val[lv] |= (uint64_t)(g.levels - 1 - lv) << 9;
			memcpy(W.mem + n->slot[lv], &n->val[lv], 8);
		}
	n->iova = iova;
	n->planted = true;
	n->fresh = false;
	/* Mostly, no larger leaf of the scribbles shadows the chain. */
	if (pct(f, 90))
		wk_shadowed(n, true);
	wk_ro_snapshot();
}

/* The planted chain is still in memory, and nothing stale can be cached. */
static bool wk_intact(const struct wnode *n)
{
	unsigned int i;
	uint64_t v;

	if (!n->planted || !n->fresh || !n->bound)
		return false;
	for (i = 0; i < n->nslots; i++) {
		memcpy(&v, W.mem + n->slot[i], 8);
		if (v != n->val[i])
			return false;
	}
	/* The root's entry may sit in the read-only part; it is not written. */
	return true;
}

/* IOVAs ------------------------------------------------------------------------- */

/* An input address of @n: near its plant, in range, at its edges, or not. */
static uint64_t wk_iova(struct fz *f, const struct wnode *n)
{
	const struct m_format *mf = &n->fmt;
	unsigned int r = rn(f, 100), bits, w;
	uint64_t v;

	if (n->planted && r < 35)
		return pct(f, 70) ? n->iova : n->iova + rn(f, 2 * PG) - PG;
	if (mf->format == IOASID_FORMAT_ARM64) {
		unsigned int half = pct(f, 35);

		bits = 64 - mf->tsz[half];
		w = 12 + rn(f, bits - 11);
		v = rnd(f) & (w >= 64 ? ~0ULL : (1ULL << w) - 1);
		if (half)
			v |= ~((1ULL << bits) - 1);
		if (pct(f, 10))			/* a top byte for TBI */
			v ^= (uint64_t)rn(f, 256) << 56;
		if (pct(f, 4))
			v = rnd(f);		/* between the halves, mostly */
		return v;
	}
	bits = 12 + 9 * mf->levels;
	if (bits > 64)
		bits = 64;
	w = 12 + rn(f, bits - 12);
	v = rnd(f) & ((1ULL << w) - 1);
	if (mf->format != IOASID_FORMAT_AMD_V1 && pct(f, 15))
		v |= ~((1ULL << (bits - 1)) - 1);	/* the upper canonical half */
	if (pct(f, 5))
		v = rnd(f);				/* not canonical, mostly */
	return v;
}

/*
 * @iova is an input address @n's format translates as it is: canonical
 * (x86-64, RISC-V), within the top level's span (AMD v1), or in a half
 * with all of its upper bits equal (Arm64). Only those are planted.
 */
static bool wk_clean_input(const struct wnode *n, uint64_t iova)
{
	const struct m_format *mf = &n->fmt;
	unsigned int bits;
	uint64_t upper;

	if (mf->format == IOASID_FORMAT_ARM64) {
		bits = 64 - mf->tsz[iova >> 63];
		upper = iova >> bits;
		return upper == 0 || upper == (~0ULL >> bits);
	}
	bits = 12 + 9 * mf->levels;
	if (bits >= 64)
		return true;
	if (mf->format == IOASID_FORMAT_AMD_V1)
		return !(iova >> bits);
	upper = iova >> (bits - 1);
	return upper == 0 || upper == (~0ULL >> (bits - 1));
}

/* Checks ---------------------------------------------------------------------- */

static bool wk_check_ro(struct fz *f)
{
	if (!memcmp(W.mem + WK_RW_PAGES * PG, W.ro, (WK_PAGES - WK_RW_PAGES) * PG))
		return true;
	fz_fail(f, "walk rig: the read-only part of the table memory changed");
	return false;
}

static uint32_t wk_access(uint32_t flags)
{
	return (flags & IOASID_DMA_WRITE ? IOASID_ACCESS_WRITE : IOASID_ACCESS_READ) |
	       (flags & IOASID_DMA_EXEC ? IOASID_ACCESS_EXEC : 0) |
	       (flags & IOASID_DMA_PRIV ? IOASID_ACCESS_PRIV : 0);
}

/* Whether the format of @n can fault with @reason. */
static bool wk_reason_ok(const struct wnode *n, uint32_t reason)
{
	const struct m_format *mf = &n->fmt;

	switch (reason) {
	case IOASID_FAULT_NOT_BOUND:
		return !n->bound;
	case IOASID_FAULT_NOT_PRESENT:
	case IOASID_FAULT_PERMISSION:
	case IOASID_FAULT_RESERVED:
	case IOASID_FAULT_TABLE:
	case IOASID_FAULT_WALK_LIMIT:
		return n->bound;
	case IOASID_FAULT_NON_CANONICAL:
		return n->bound && !(mf->format == IOASID_FORMAT_AMD_V1 && mf->levels == 6);
	case IOASID_FAULT_AD_UPDATE:
		return n->bound &&
		       (mf->format == IOASID_FORMAT_ARM64 ? mf->flags & IOASID_ARM64_HA :
			mf->flags & 1);	/* every other format's AD_UPDATE is bit 0 */
	case IOASID_FAULT_ACCESS_FLAG:
		return n->bound &&
		       ((mf->format == IOASID_FORMAT_ARM64 && !(mf->flags & IOASID_ARM64_HA)) ||
			(mf->format == IOASID_FORMAT_RISCV &&
			 !(mf->flags & IOASID_RISCV_AD_UPDATE)));
	}
	return false;
}

/*
 * After a DMA or TRANSLATE through @n: the fault count, and the last
 * fault's details when this one faulted (@addr where, @flags the request).
 */
static bool wk_check_info(struct fz *f, struct wnode *n, bool faulted,
			  uint64_t addr, uint32_t flags, uint32_t *reason)
{
	struct ioasid_device_info c = { .size = sizeof(c), .dev_id = W.dev };
	int rc = wk_ioctl(f, "DEVICE_INFO", IOASID_DEVICE_INFO, &c, sizeof(c));

	*reason = 0;
	if (rc) {
		fz_fail(f, "walk rig: DEVICE_INFO: %s", fz_errname(rc));
		return false;
	}
	if (c.out_faults != W.faults) {
		fz_fail(f, "walk rig: DEVICE_INFO: %llu faults, the rig counted %llu",
			(unsigned long long)c.out_faults, (unsigned long long)W.faults);
		return false;
	}
	if (!faulted)
		return true;
	*reason = c.out_last_fault_reason;
	if (c.out_last_fault_addr != addr || c.out_last_fault_access != wk_access(flags) ||
	    (c.out_last_fault_node != n->id && c.out_last_fault_node != W.root) ||
	    (c.out_last_fault_node == W.root && c.out_last_fault_level) ||
	    (c.out_last_fault_node == n->id &&
	     (c.out_last_fault_level > wk_max_level(&n->fmt) ||
	      !wk_reason_ok(n, c.out_last_fault_reason))) ||
	    (c.out_last_fault_node == W.root &&
	     c.out_last_fault_reason != IOASID_FAULT_NOT_MAPPED &&
	     c.out_last_fault_reason != IOASID_FAULT_PERMISSION) ||
	    (!n->bound && c.out_last_fault_reason != IOASID_FAULT_NOT_BOUND)) {
		fz_fail(f, "walk rig: last fault at 0x%llx access 0x%x node %u reason %u "
			"level %u; asked 0x%llx access 0x%x through node %u (format %u, "
			"%s, flags 0x%x, levels %u, root %u)",
			(unsigned long long)c.out_last_fault_addr, c.out_last_fault_access,
			c.out_last_fault_node, c.out_last_fault_reason,
			c.out_last_fault_level, (unsigned long long)addr, wk_access(flags),
			n->id, n->fmt.format, n->bound ? "bound" : "unbound", n->fmt.flags,
			n->fmt.levels, W.root);
		return false;
	}
	W.by_reason[c.out_last_fault_reason & 31]++;
	return true;
}

static void wk_flags(struct wnode *n, uint32_t *flags, uint32_t *pasid)
{
	*flags = n->has_pasid ? IOASID_DMA_PASID : 0;
	*pasid = n->has_pasid ? n->pasid : 0;
}

/* Fill @p with a pattern no two calls share. */
static void wk_pattern(struct fz *f, uint8_t *p, uint64_t len)
{
	uint64_t v = rnd(f), i;

	for (i = 0; i < len; i++)
		p[i] = v >> (8 * (i & 7)) ^ i;
}

/*
 * DMA through @n: @len bytes at @iova. Returns the errno (-1 when it
 * diverged), *@done what moved.
 */
static int wk_dma(struct fz *f, struct wnode *n, uint64_t iova, uint64_t len,
		  uint32_t flags, uint64_t *done, uint32_t *reason)
{
	struct ioasid_dma c = { .size = sizeof(c), .dev_id = W.dev, .iova = iova,
				.length = len, .buffer = (uintptr_t)W.buf };
	uint64_t room = len + 64 < 3 * PG ? len + 64 : 3 * PG, i;
	uint32_t pasid;
	int rc;

	wk_flags(n, &c.flags, &pasid);
	c.pasid = pasid;
	c.flags |= flags;
	wk_pattern(f, W.buf, room);
	memcpy(W.before, W.buf, room);
	c.out_done = rnd(f);
	rc = wk_ioctl(f, "DMA", IOASID_DMA, &c, sizeof(c));
	*done = c.out_done;
	*reason = 0;
	if ((rc && rc != EIO) || (!rc && c.out_done != len) ||
	    (rc == EIO && c.out_done >= len)) {
		fz_fail(f, "walk rig: DMA of 0x%llx bytes at 0x%llx through node %u: %s, "
			"out_done 0x%llx", (unsigned long long)len,
			(unsigned long long)iova, n->id, fz_errname(rc),
			(unsigned long long)c.out_done);
		return -1;
	}
	/* A read writes nothing past out_done, a write nothing at all. */
	for (i = flags & IOASID_DMA_WRITE ? 0 : c.out_done; i < room; i++)
		if (W.buf[i] != W.before[i]) {
			fz_fail(f, "walk rig: DMA %s through node %u changed byte %llu of "
				"the buffer (out_done %llu)", flags & IOASID_DMA_WRITE ?
				"write" : "read", n->id, (unsigned long long)i,
				(unsigned long long)c.out_done);
			return -1;
		}
	if (rc == EIO)
		W.faults++;
	if (!wk_check_ro(f) ||
	    !wk_check_info(f, n, rc == EIO, iova + c.out_done, c.flags, reason))
		return -1;
	if (rc)
		W.dma_fault++;
	else
		W.dma_ok++;
	W.dma_partial += rc && c.out_done;
	f->dma_bytes += c.out_done;
	return rc;
}

/* TRANSLATE through @n; the answer's properties. */
static int wk_translate(struct fz *f, struct wnode *n, uint64_t iova, uint32_t flags,
			struct ioasid_translate *c, uint32_t *reason)
{
	uint64_t mem = (uintptr_t)W.mem, end = mem + WK_PAGES * PG;
	uint32_t pasid, want;
	int rc;

	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->dev_id = W.dev;
	c->iova = iova;
	wk_flags(n, &c->flags, &pasid);
	c->pasid = pasid;
	c->flags |= flags;
	rc = wk_ioctl(f, "TRANSLATE", IOASID_TRANSLATE, c, sizeof(*c));
	if (rc && rc != EIO) {
		fz_fail(f, "walk rig: TRANSLATE of 0x%llx through node %u: %s",
			(unsigned long long)iova, n->id, fz_errname(rc));
		return -1;
	}
	if (rc == EIO)
		W.faults++;
	if (!wk_check_ro(f) || !wk_check_info(f, n, rc == EIO, iova, c->flags, reason))
		return -1;
	if (rc) {
		W.xlate_fault++;
		return rc;
	}
	W.xlate_ok++;
	want = wk_access(c->flags) & ~IOASID_ACCESS_PRIV;
	if (c->out_uaddr < mem || c->out_uaddr >= end || !c->out_length ||
	    c->out_length > end - c->out_uaddr ||
	    (c->out_uaddr - mem) % PG != iova % PG ||
	    (c->out_prot & want) != want ||
	    (c->out_prot & IOASID_ACCESS_WRITE &&
	     c->out_uaddr >= mem + WK_RW_PAGES * PG) ||
	    (c->out_prot & IOASID_ACCESS_WRITE &&
	     c->out_uaddr + c->out_length > mem + WK_RW_PAGES * PG)) {
		fz_fail(f, "walk rig: TRANSLATE of 0x%llx (access 0x%x) through node %u "
			"(format %u): uaddr 0x%llx (memory 0x%llx, %u pages, %u writable) "
			"length 0x%llx prot 0x%x", (unsigned long long)iova,
			wk_access(c->flags), n->id, n->fmt.format,
			(unsigned long long)c->out_uaddr, (unsigned long long)mem,
			WK_PAGES, WK_RW_PAGES, (unsigned long long)c->out_length,
			c->out_prot);
		return -1;
	}
	return 0;
}

/* Operations --------------------------------------------------------------------- */

static struct wnode *wk_pick(struct fz *f)
{
	return &W.nodes[rn(f, W.nnodes)];
}

static uint32_t wk_req(struct fz *f)
{
	uint32_t flags = pct(f, 40) ? IOASID_DMA_WRITE : 0;

	if (pct(f, 15))
		flags |= IOASID_DMA_PRIV;
	if (!(flags & IOASID_DMA_WRITE) && pct(f, 15))
		flags |= IOASID_DMA_EXEC;
	return flags;
}

/*
 * TRANSLATE, then a DMA of part of what it gave, with the same request:
 * the DMA must move exactly the bytes at out_uaddr. (The walk that
 * TRANSLATE made set every accessed and dirty bit the DMA needs, so it
 * changes no table memory.)
 */
static void wk_op_consistent(struct fz *f)
{
	struct wnode *n = wk_pick(f);
	uint64_t iova = wk_iova(f, n), len, done, off;
	uint32_t flags = wk_req(f), reason;
	struct ioasid_translate t;
	uint8_t *at;
	int rc;

	rc = wk_translate(f, n, iova, flags, &t, &reason);
	if (rc)
		return;
	off = t.out_uaddr - (uintptr_t)W.mem;
	len = 1 + rn(f, 64);
	if (len > t.out_length)
		len = t.out_length;
	if (len > PG - off % PG)
		len = PG - off % PG;
	rc = wk_dma(f, n, iova, len, flags, &done, &reason);
	if (rc < 0)
		return;
	if (rc) {
		fz_fail(f, "walk rig: TRANSLATE of 0x%llx through node %u gave 0x%llx "
			"bytes at memory offset 0x%llx, but a DMA of 0x%llx bytes there "
			"faulted (%s, reason %u, out_done %llu)", (unsigned long long)iova,
			n->id, (unsigned long long)t.out_length, (unsigned long long)off,
			(unsigned long long)len, fz_errname(rc), reason,
			(unsigned long long)done);
		return;
	}
	at = W.mem + off;
	if (memcmp(at, W.buf, len)) {
		fz_fail(f, "walk rig: DMA %s of 0x%llx bytes at 0x%llx through node %u: "
			"the bytes are not those at memory offset 0x%llx, where "
			"TRANSLATE said it leads", flags & IOASID_DMA_WRITE ? "write" :
			"read", (unsigned long long)len, (unsigned long long)iova, n->id,
			(unsigned long long)off);
		return;
	}
	W.consistent++;
}

/* A random DMA: generic checks only. */
static void wk_op_dma(struct fz *f)
{
	struct wnode *n = wk_pick(f);
	uint64_t iova = wk_iova(f, n), len, done;
	uint32_t reason;

	len = pct(f, 60) ? 1 + rn(f, 128) : 1 + rn(f, 2 * PG);
	if (iova + len < iova)		/* (not past 2^64 - 1: the main fuzzer's) */
		len = -iova;
	if (!len)
		return;
	wk_dma(f, n, iova, len, wk_req(f) & ~IOASID_DMA_EXEC, &done, &reason);
}

/*
 * A planted chain, intact and invalidated since: TRANSLATE and DMA must
 * find its page (a write there in the read-only part: the root refuses).
 */
static void wk_op_exact(struct fz *f)
{
	struct wnode *n = wk_pick(f);
	uint64_t iova, want, len, done, off;
	uint32_t flags = pct(f, 50) ? IOASID_DMA_WRITE : 0, reason;
	struct ioasid_translate t;
	bool ro;
	int rc;

	if (!n->planted || pct(f, 30)) {
		iova = wk_iova(f, n);
		if (!wk_clean_input(n, iova))
			return;
		wk_plant(f, n, iova);
	}
	if (!n->planted)
		return;
	if (!n->fresh && !wk_invalidate(f, n))
		return;
	if (!wk_intact(n))
		return;
	if (wk_shadowed(n, false)) {
		W.exact_shadowed++;
		return;
	}
	iova = n->iova;
	/* Arm64 with top-byte ignore in the half: any top byte, same page. */
	if (n->fmt.format == IOASID_FORMAT_ARM64 && pct(f, 30) &&
	    n->fmt.flags & (iova >> 63 ? IOASID_ARM64_TBI1 : IOASID_ARM64_TBI0))
		iova = (iova & ~(0xffULL << 56)) | (uint64_t)rn(f, 256) << 56;
	off = iova & (n->gran - 1);
	want = (uintptr_t)W.mem + n->leaf + off;
	ro = n->leaf + off >= WK_RW_PAGES * PG;
	rc = wk_translate(f, n, iova, flags, &t, &reason);
	if (rc < 0)
		return;
	if (flags & IOASID_DMA_WRITE && ro) {
		if (rc != EIO || reason != IOASID_FAULT_PERMISSION)
			fz_fail(f, "walk rig: a write through node %u (format %u) to 0x%llx, "
				"planted to a read-only page: %s, reason %u", n->id,
				n->fmt.format, (unsigned long long)iova, fz_errname(rc),
				reason);
		W.exact_fault++;
		return;
	}
	if (rc || t.out_uaddr != want) {
		fz_fail(f, "walk rig: 0x%llx through node %u (format %u, levels %u, tsz "
			"%u/%u, tg %u/%u, flags 0x%x) was planted to memory offset 0x%llx; "
			"TRANSLATE: %s, reason %u, uaddr offset 0x%llx",
			(unsigned long long)iova, n->id, n->fmt.format, n->fmt.levels,
			n->fmt.tsz[0], n->fmt.tsz[1], n->fmt.tg[0], n->fmt.tg[1],
			n->fmt.flags, (unsigned long long)(n->leaf + off), fz_errname(rc),
			reason, (unsigned long long)(t.out_uaddr - (uintptr_t)W.mem));
		return;
	}
	len = 1 + rn(f, 64);
	if (len > PG - off % PG)
		len = PG - off % PG;
	rc = wk_dma(f, n, iova, len, flags, &done, &reason);
	if (rc < 0)
		return;
	if (rc || memcmp(W.mem + n->leaf + off, W.buf, len)) {
		fz_fail(f, "walk rig: DMA %s at 0x%llx through node %u (format %u), "
			"planted to memory offset 0x%llx: %s, reason %u, %s",
			flags ? "write" : "read", (unsigned long long)iova, n->id,
			n->fmt.format, (unsigned long long)(n->leaf + off), fz_errname(rc),
			reason, rc ? "" : "other bytes");
		return;
	}
	W.exact[n->fmt.format]++;
}

/* Scribble on some pages (the read-only part too), and mostly invalidate. */
static void wk_op_scribble(struct fz *f)
{
	unsigned int page = rn(f, WK_PAGES), i;

	wk_scribble(f, page, 1 + rn(f, WK_PAGES - page < 4 ? WK_PAGES - page : 4));
	wk_ro_snapshot();
	for (i = 0; i < W.nnodes; i++) {
		W.nodes[i].fresh = false;
		if (pct(f, 70) && !wk_invalidate(f, &W.nodes[i]))
			return;
	}
}

static bool wk_bind(struct fz *f, struct wnode *n)
{
	struct ioasid_bind c = { .size = sizeof(c), .id = n->id };
	int rc;

	if (!(n->fmt.format == IOASID_FORMAT_ARM64 && n->fmt.flags & IOASID_ARM64_EPD0))
		c.root = wk_root(f, n, 0);
	if (contract_has_ttb1(&n->fmt))
		c.root1 = wk_root(f, n, 1);
	if (n->fmt.format == IOASID_FORMAT_RISCV && pct(f, 50))
		c.flags = IOASID_BIND_RISCV_SUM;
	if (n->fmt.format == IOASID_FORMAT_X86_64 && pct(f, 70))
		c.flags = IOASID_BIND_X86_SRE | (pct(f, 50) ? IOASID_BIND_X86_WPE : 0);
	rc = wk_ioctl(f, "BIND", IOASID_BIND, &c, sizeof(c));
	if (rc) {
		fz_fail(f, "walk rig: BIND of node %u (format %u) at 0x%llx/0x%llx: %s",
			n->id, n->fmt.format, (unsigned long long)c.root,
			(unsigned long long)c.root1, fz_errname(rc));
		return false;
	}
	n->bound = true;
	n->root = c.root;
	n->root1 = c.root1;
	n->planted = false;
	return true;
}

static void wk_op_rebind(struct fz *f)
{
	struct wnode *n = wk_pick(f);
	struct ioasid_bind c = { .size = sizeof(c), .id = n->id };
	int rc;

	if (n->bound && pct(f, 20)) {
		rc = wk_ioctl(f, "UNBIND", IOASID_UNBIND, &c, sizeof(c));
		if (rc)
			fz_fail(f, "walk rig: UNBIND of node %u: %s", n->id, fz_errname(rc));
		n->bound = false;
		n->planted = false;
		return;
	}
	wk_bind(f, n);
}

/* PASID-table kinds ------------------------------------------------------------ */

/*
 * A node of each PASID-table kind FORMAT_INFO reports, bound to a guest
 * entry (STE, DTE, DC) whose tables lie in the read-write part, and a
 * device of its own attached to it without a PASID. Its DMA and TRANSLATE
 * carry PASIDs or none, over the same scribbled memory: what the guest's
 * tables say is not predicted, only what holds for any (0 or EIO, the
 * fault count, the read-only part, the last fault's node, level and
 * reason) and, exactly, that a PASID at or past what the bound entry takes
 * faults with IOASID_FAULT_PASID_NOT_PRESENT at the kernel-doc's level,
 * nothing read.
 */

static struct knode *wk_kpick(struct fz *f)
{
	return &W.kinds[rn(f, W.nkinds)];
}

/* The kind of a planted PASID-table path: tables in the read-write part. */
static uint64_t wk_kpage(struct fz *f)
{
	return rn(f, WK_RW_PAGES) * PG;
}

/*
 * Plant the path of the guest's PASID table for @pasid: each level's entry
 * pointing at a page of the memory, the last one a valid-looking entry
 * (CD, GCR3 entry, process context) whose stage-1 root is a page of the
 * memory, so that walks reach the scribbled stage-1 tables. Nothing is
 * predicted of it.
 */
static void wk_kplant(struct fz *f, struct knode *k, uint32_t pasid)
{
	uint64_t lim = WK_RW_PAGES * PG, at, next;
	const __u64 *e = k->entry;
	uint8_t *mem = W.mem;
	unsigned int lv;

	if (!k->bound)
		return;
	switch (k->fmt.format) {
	case IOASID_FORMAT_AMD_GCR3: {
		unsigned int glx = e[0] >> 56 & 3;

		at = (e[0] >> 58 & 7) << 12 | (e[1] >> 16 & 0xffff) << 15 |
		     (e[1] >> 43 & 0x1fffff) << 31;
		for (lv = glx + 1; lv >= 1; lv--) {
			uint64_t slot = at + 8 * ((pasid >> (9 * (lv - 1))) & 511), v;

			if (slot + 8 > lim)
				return;
			next = wk_kpage(f);
			v = next | 1;
			if (pct(f, 3))
				v |= 1ULL << (1 + rn(f, 11));		/* reserved */
			memcpy(mem + slot, &v, 8);
			at = next;
		}
		return;
	}
	case IOASID_FORMAT_RISCV_PDT: {
		unsigned int mode = e[2] >> 60, top = mode, shift[] = { 0, 0, 8, 17 };
		uint64_t ta, fsc, slot;
		static const uint32_t sv[] = { 8, 9, 10 };

		if (!mode)
			return;
		at = (e[2] & ((1ULL << 44) - 1)) << 12;
		for (lv = top; lv > 1; lv--) {
			unsigned int idx = (pasid >> shift[lv]) & (lv == 3 ? 7 : 511);
			uint64_t v;

			slot = at + 8 * idx;
			if (slot + 8 > lim)
				return;
			next = wk_kpage(f);
			v = (next >> 12) << 10 | 1;
			memcpy(mem + slot, &v, 8);
			at = next;
		}
		slot = at + 16 * (pasid & 255);
		if (slot + 16 > lim)
			return;
		ta = 1 | (pct(f, 60) ? 2 : 0) | (pct(f, 40) ? 4 : 0) |
		     (rnd(f) & 0xfffff000ULL);
		fsc = (wk_kpage(f) >> 12) | (uint64_t)(pct(f, 90) ? sv[rn(f, 3)] : 0) << 60;
		memcpy(mem + slot, &ta, 8);
		memcpy(mem + slot + 8, &fsc, 8);
		return;
	}
	case IOASID_FORMAT_SMMUV3_CD: {
		unsigned int fmt = e[0] >> 4 & 3, cdmax = e[0] >> 59 & 31, n;
		uint64_t cd[3], slot;

		if ((e[0] >> 1 & 7) != 5)
			return;
		if (!k->fmt.pasid_bits)
			cdmax = 0;
		if (fmt == 3 || !cdmax)
			fmt = 0;
		at = e[0] & 0x00ffffffffffffc0ULL;
		if (fmt) {
			uint64_t v;

			n = fmt == 1 ? 6 : 10;
			slot = at + 8 * (pasid >> n);
			if (slot + 8 > lim)
				return;
			next = fmt == 1 ? wk_kpage(f) : rn(f, lim >> 16) << 16;
			v = next | 1;
			memcpy(mem + slot, &v, 8);
			at = next + 64 * (pasid & ((1u << n) - 1));
		} else {
			at += 64 * (uint64_t)pasid;
		}
		if (at + 24 > lim)
			return;
		/* T0SZ, TG0 4 KiB, EPD1, V, IPS 48 bits, AA64, A, an ASID. */
		cd[0] = (16 + rn(f, 24)) | 1ULL << 30 | 1ULL << 31 | 5ULL << 32 |
			1ULL << 41 | 1ULL << 46 | (rnd(f) & 0xffff000000000000ULL);
		if (k->fmt.flags & IOASID_SMMUV3_CD_HA && pct(f, 50))
			cd[0] |= 1ULL << 43;
		if (pct(f, 5))
			cd[0] ^= 1ULL << rn(f, 64);
		cd[1] = wk_kpage(f);
		cd[2] = 0;
		memcpy(mem + at, cd, sizeof(cd));
		return;
	}
	}
}

/* A PASID for a request through @k: mostly small, at or past the width now and then. */
static uint32_t wk_kpasid(struct fz *f, const struct knode *k)
{
	unsigned int level, w = kind_entry_pasid_width(&k->fmt, k->entry, &level);
	unsigned int max = W.dev_pasid_bits;

	if (pct(f, 50))
		return rn(f, 16);
	if (pct(f, 50) && w < max)
		return (1u << w) + rn(f, (1u << max) - (1u << w));
	return rn(f, 1u << max);
}

/* DEVICE_INFO of @k's device after a request (@want: an exact reason, level). */
static bool wk_kcheck_info(struct fz *f, struct knode *k, bool faulted,
			   uint64_t addr, uint32_t flags, int want_reason,
			   unsigned int want_level)
{
	struct ioasid_device_info c = { .size = sizeof(c), .dev_id = k->dev };
	int rc = wk_ioctl(f, "DEVICE_INFO", IOASID_DEVICE_INFO, &c, sizeof(c));
	uint32_t acc = wk_access(flags);

	if (rc || c.out_faults != k->faults) {
		fz_fail(f, "walk rig: DEVICE_INFO of the %s device: %s, %llu faults, the "
			"rig counted %llu", kind_name(k->fmt.format), fz_errname(rc),
			(unsigned long long)c.out_faults, (unsigned long long)k->faults);
		return false;
	}
	if (!faulted)
		return true;
	if (c.out_last_fault_addr != addr ||
	    (c.out_last_fault_access != acc &&
	     c.out_last_fault_access != (acc & ~IOASID_ACCESS_PRIV)) ||
	    (c.out_last_fault_node != k->id && c.out_last_fault_node != W.root) ||
	    !c.out_last_fault_reason || c.out_last_fault_reason == IOASID_FAULT_NOT_ATTACHED ||
	    c.out_last_fault_reason > IOASID_FAULT_PASID_ENTRY ||
	    c.out_last_fault_level > 5 ||
	    ((c.out_last_fault_reason == IOASID_FAULT_PASID_NOT_PRESENT ||
	      c.out_last_fault_reason == IOASID_FAULT_PASID_ENTRY) &&
	     (c.out_last_fault_node != k->id || c.out_last_fault_level > 3)) ||
	    (!k->bound && c.out_last_fault_reason != IOASID_FAULT_NOT_BOUND &&
	     c.out_last_fault_reason != IOASID_FAULT_PASID_NOT_PRESENT) ||
	    (want_reason && (c.out_last_fault_reason != (uint32_t)want_reason ||
			     c.out_last_fault_level != want_level ||
			     c.out_last_fault_node != k->id))) {
		fz_fail(f, "walk rig: %s node %u: last fault at 0x%llx access 0x%x node %u "
			"reason %s level %u; asked 0x%llx access 0x%x, %s; the rig says "
			"reason %s level %u (entry 0x%llx 0x%llx 0x%llx 0x%llx)",
			kind_name(k->fmt.format), k->id,
			(unsigned long long)c.out_last_fault_addr, c.out_last_fault_access,
			c.out_last_fault_node, fz_reason_name(c.out_last_fault_reason),
			c.out_last_fault_level, (unsigned long long)addr, acc,
			k->bound ? "bound" : "unbound",
			want_reason ? fz_reason_name(want_reason) : "any", want_level,
			(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
			(unsigned long long)k->entry[2], (unsigned long long)k->entry[3]);
		return false;
	}
	W.k_reason[c.out_last_fault_reason & 31]++;
	return true;
}

/* One DMA or TRANSLATE through @k, with a PASID or none. */
static void wk_op_kind(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	bool has_pasid = pct(f, 75), dma = pct(f, 60), wide = false, bypass = false;
	enum kind_rule rule = KIND_UNKNOWN;
	uint64_t mem = (uintptr_t)W.mem;
	uint32_t pasid = has_pasid ? wk_kpasid(f, k) : 0, flags = wk_req(f);
	uint64_t iova, len = 1 + rn(f, 256), room, i, done = 0;
	unsigned int level = 0;
	int rc;

	if (has_pasid && pct(f, 40))
		wk_kplant(f, k, pasid);
	iova = pct(f, 80) ? rn(f, WK_PAGES * PG) : pct(f, 50) ? rnd(f) & ((1ULL << 48) - 1) :
								 rnd(f);
	if (iova + len < iova)
		len = -iova;
	if (!len)
		return;
	if (k->bound)
		rule = kind_predict(&k->fmt, k->entry, has_pasid, pasid, &level);
	wide = rule == KIND_FAULT;
	/*
	 * Bypassed (unprivileged: the root grants no PRIV question): the
	 * root's mapping of the memory answers, IOVA = memory offset.
	 */
	bypass = rule == KIND_BYPASS && !(flags & IOASID_DMA_PRIV);
	if (!has_pasid)
		W.k_nopasid++;
	if (dma) {
		struct ioasid_dma c = { .size = sizeof(c), .dev_id = k->dev, .iova = iova,
					.length = len, .buffer = (uintptr_t)W.buf,
					.flags = flags & ~IOASID_DMA_EXEC, .pasid = pasid };

		if (has_pasid)
			c.flags |= IOASID_DMA_PASID;
		room = len + 64;
		wk_pattern(f, W.buf, room);
		memcpy(W.before, W.buf, room);
		rc = wk_ioctl(f, "DMA", IOASID_DMA, &c, sizeof(c));
		done = c.out_done;
		if ((rc && rc != EIO) || (!rc && done != len) || (rc == EIO && done >= len) ||
		    (wide && (rc != EIO || done))) {
			fz_fail(f, "walk rig: DMA of 0x%llx bytes at 0x%llx through %s node %u, "
				"PASID %s%u: %s, out_done 0x%llx%s", (unsigned long long)len,
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid, fz_errname(rc),
				(unsigned long long)done,
				wide ? " (a PASID the bound entry does not take: EIO, 0)" : "");
			return;
		}
		for (i = c.flags & IOASID_DMA_WRITE ? 0 : done; i < room; i++)
			if (W.buf[i] != W.before[i]) {
				fz_fail(f, "walk rig: DMA through %s node %u changed byte %llu "
					"of the buffer (out_done %llu)", kind_name(k->fmt.format),
					k->id, (unsigned long long)i, (unsigned long long)done);
				return;
			}
		flags = c.flags;
		if (bypass && iova + len <= (flags & IOASID_DMA_WRITE ? WK_RW_PAGES :
					     WK_PAGES) * PG &&
		    (rc || memcmp(W.mem + iova, W.buf, len))) {
			fz_fail(f, "walk rig: DMA %s of 0x%llx bytes at 0x%llx through %s node "
				"%u, PASID %s%u, bypassed by the bound entry (0x%llx 0x%llx "
				"0x%llx): %s, out_done 0x%llx%s", flags & IOASID_DMA_WRITE ?
				"write" : "read", (unsigned long long)len,
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid,
				(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
				(unsigned long long)k->entry[2], fz_errname(rc),
				(unsigned long long)done, rc ? "" : ", other bytes");
			return;
		}
		W.k_dma[k->fmt.format & 7][rc != 0]++;
		f->dma_bytes += done;
	} else {
		struct ioasid_translate c = { .size = sizeof(c), .dev_id = k->dev, .iova = iova,
					      .flags = flags, .pasid = pasid };
		uint64_t end = mem + WK_PAGES * PG;

		if (has_pasid)
			c.flags |= IOASID_DMA_PASID;
		rc = wk_ioctl(f, "TRANSLATE", IOASID_TRANSLATE, &c, sizeof(c));
		if ((rc && rc != EIO) || (wide && rc != EIO) ||
		    (!rc && (c.out_uaddr < mem || c.out_uaddr >= end || !c.out_length ||
			     c.out_length > end - c.out_uaddr ||
			     (c.out_uaddr - mem) % PG != iova % PG ||
			     (c.out_prot & IOASID_ACCESS_WRITE &&
			      c.out_uaddr + c.out_length > mem + WK_RW_PAGES * PG)))) {
			fz_fail(f, "walk rig: TRANSLATE of 0x%llx through %s node %u, PASID "
				"%s%u: %s, uaddr 0x%llx (memory 0x%llx) length 0x%llx prot 0x%x",
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid, fz_errname(rc),
				(unsigned long long)c.out_uaddr, (unsigned long long)mem,
				(unsigned long long)c.out_length, c.out_prot);
			return;
		}
		flags = c.flags;
		if (bypass && iova < (flags & IOASID_DMA_WRITE ? WK_RW_PAGES : WK_PAGES) * PG &&
		    (rc || c.out_uaddr != mem + iova)) {
			fz_fail(f, "walk rig: TRANSLATE of 0x%llx through %s node %u, PASID "
				"%s%u, bypassed by the bound entry (0x%llx 0x%llx 0x%llx): %s, "
				"uaddr offset 0x%llx", (unsigned long long)iova,
				kind_name(k->fmt.format), k->id, has_pasid ? "" : "none ", pasid,
				(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
				(unsigned long long)k->entry[2], fz_errname(rc),
				(unsigned long long)(c.out_uaddr - mem));
			return;
		}
		W.k_xlate[k->fmt.format & 7][rc != 0]++;
	}
	if (rc == EIO)
		k->faults++;
	if (!wk_check_ro(f) ||
	    !wk_kcheck_info(f, k, rc == EIO, iova + done, flags,
			    wide ? IOASID_FAULT_PASID_NOT_PRESENT : 0, level))
		return;
	W.k_wide[k->fmt.format & 7] += wide;
	W.k_bypass[k->fmt.format & 7] += bypass && !rc;
}

/*
 * BIND of a new entry (valid, or just not: the kernel-doc's answer, the
 * node unchanged on EINVAL), UNBIND now and then, and INVALIDATE with
 * IOASID_INV_PASID_TABLE (of one PASID, or all, or the no-PASID ones).
 */
static void wk_op_kind_rebind(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	struct ioasid_bind c = { .size = sizeof(c), .id = k->id };
	struct expect x;
	unsigned int r = rn(f, 100);
	int rc;

	if (r < 45) {
		struct ioasid_inv_entry e = { .node_id = k->id,
					      .flags = IOASID_INV_PASID_TABLE };
		struct ioasid_invalidate v = { .size = sizeof(v), .count = 1,
					       .entry_size = sizeof(e),
					       .entries = (uintptr_t)&e };

		if (pct(f, 50)) {
			e.scope = IOASID_INV_SCOPE_PASID;
			e.pasid = wk_kpasid(f, k);
		} else if (pct(f, 30)) {
			e.flags |= IOASID_INV_NO_PASID;
		}
		if (pct(f, 25))
			e.flags &= ~IOASID_INV_PASID_TABLE;	/* an ordinary one */
		rc = wk_ioctl(f, "INVALIDATE", IOASID_INVALIDATE, &v, sizeof(v));
		if (rc || v.out_done != 1)
			fz_fail(f, "walk rig: INVALIDATE PASID_TABLE of %s node %u (scope 0x%x "
				"flags 0x%x pasid %u): %s, out_done %u", kind_name(k->fmt.format),
				k->id, e.scope, e.flags, e.pasid, fz_errname(rc), v.out_done);
		return;
	}
	if (r < 55 && k->bound) {
		rc = wk_ioctl(f, "UNBIND", IOASID_UNBIND, &c, sizeof(c));
		if (rc)
			fz_fail(f, "walk rig: UNBIND of %s node %u: %s",
				kind_name(k->fmt.format), k->id, fz_errname(rc));
		k->bound = false;
		return;
	}
	kind_pick_entry(f, &k->fmt, WK_RW_PAGES * PG, pct(f, 30), c.entry);
	x = kind_check_entry(&k->fmt, c.entry);
	rc = wk_ioctl(f, "BIND", IOASID_BIND, &c, sizeof(c));
	if (!ex_has(&x, rc)) {
		fz_fail(f, "walk rig: BIND of %s node %u, entry 0x%llx 0x%llx 0x%llx 0x%llx: "
			"%s", kind_name(k->fmt.format), k->id,
			(unsigned long long)c.entry[0], (unsigned long long)c.entry[1],
			(unsigned long long)c.entry[2], (unsigned long long)c.entry[3],
			fz_errname(rc));
		return;
	}
	W.k_binds[rc != 0]++;
	if (rc)
		return;
	k->bound = true;
	memcpy(k->entry, c.entry, sizeof(k->entry));
}

/* An ioctl of the rig whose answer is one errno. */
static bool wk_kexpect(struct fz *f, const char *name, unsigned long req, void *arg,
		       size_t len, int want, const char *what)
{
	int rc = wk_ioctl(f, name, req, arg, len);

	if (rc == want)
		return true;
	fz_fail(f, "walk rig: %s %s: %s, the contract says %s", name, what,
		fz_errname(rc), fz_errname(want));
	return false;
}

/*
 * ATTACH's rules for kind nodes (PASID_ROUND.md), checked once a rig with
 * a throwaway device: a kind node with a PASID (EINVAL); a PASID to a
 * device whose no-PASID attachment is a kind node (EBUSY); a kind node
 * without a PASID to a device with PASID attachments (EBUSY); a child of a
 * kind node (EINVAL); DETACH and ATTACH again.
 */
static void wk_kind_rules(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	struct ioasid_attach a = { .size = sizeof(a) };
	struct ioasid_alloc al = { .size = sizeof(al), .mode = IOASID_MODE_KERNEL_MANAGED,
				   .parent_id = k->id };
	struct ioasid_destroy d = { .size = sizeof(d) };
	uint32_t t, tp;
	int rc;

	a.dev_id = W.dev;
	a.node_id = k->id;
	a.flags = IOASID_ATTACH_PASID;
	a.pasid = (1u << WK_PASID_BITS) - 1;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EINVAL,
			"of a kind node with a PASID"))
		return;
	a.dev_id = k->dev;
	a.node_id = W.nodes[0].id;
	a.pasid = 1 + rn(f, 7);
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EBUSY,
			"with a PASID, the no-PASID attachment a kind node"))
		return;
	rc = -ioasid_device_create(W.h, IOASID_DEVICE_PASID, WK_PASID_BITS, &t);
	if (rc) {
		fz_fail(f, "walk rig: DEVICE_CREATE: %s", fz_errname(rc));
		return;
	}
	a.dev_id = t;
	a.node_id = W.nodes[rn(f, W.nnodes)].id;
	tp = a.pasid;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), 0,
			"with a PASID, of a fresh device"))
		return;
	a.node_id = k->id;
	a.flags = 0;
	a.pasid = 0;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EBUSY,
			"of a kind node to a device with PASID attachments"))
		return;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.dev_id = t;
	a.flags = IOASID_ATTACH_PASID;
	a.pasid = tp;
	d.id = t;
	if (!wk_kexpect(f, "DETACH", IOASID_DETACH, &a, sizeof(a), 0,
			"of the fresh device's PASID") ||
	    !wk_kexpect(f, "DESTROY", IOASID_DESTROY, &d, sizeof(d), 0,
			"of a detached device"))
		return;
	if (!wk_kexpect(f, "ALLOC", IOASID_ALLOC, &al, sizeof(al), EINVAL,
			"below a kind node"))
		return;
	/* DETACH of the kind attachment drops everything; ATTACH again. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.dev_id = k->dev;
	if (!wk_kexpect(f, "DETACH", IOASID_DETACH, &a, sizeof(a), 0,
			"of the kind node"))
		return;
	a.node_id = k->id;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), 0,
			"of the kind node again"))
		return;
	W.k_rules++;
}

/* The rig's kind nodes: one of each kind FORMAT_INFO reports. */
static bool wk_kind_setup(struct fz *f)
{
	struct ioasid_device_create d = { .size = sizeof(d), .flags = IOASID_DEVICE_PASID };
	uint32_t fmt;
	uint8_t desc[32];

	W.nkinds = 0;
	W.dev_pasid_bits = f->m.max_pasid_bits < 20 ? f->m.max_pasid_bits : 20;
	d.pasid_bits = W.dev_pasid_bits;
	for (fmt = IOASID_FORMAT_SMMUV3_CD; fmt <= IOASID_FORMAT_RISCV_PDT; fmt++) {
		struct knode *k = &W.kinds[W.nkinds];
		struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
					  .parent_id = W.root, .format = (uintptr_t)desc,
					  .format_len = sizeof(desc) };
		struct ioasid_attach at = { .size = sizeof(at) };
		struct ioasid_bind b = { .size = sizeof(b) };
		int rc;

		if (!wk_has(fmt))
			continue;
		memset(k, 0, sizeof(*k));
		kind_valid_descriptor(f, fmt, desc, &k->fmt);
		if (pct(f, 50))
			a.flags = IOASID_ALLOC_CACHING_MODE;
		rc = wk_ioctl(f, "ALLOC", IOASID_ALLOC, &a, sizeof(a));
		if (rc) {
			fz_fail(f, "walk rig: ALLOC of %s (flags 0x%x pasid bits %u glx %u "
				"phys bits %u granules 0x%llx): %s", kind_name(fmt),
				k->fmt.flags, k->fmt.pasid_bits, k->fmt.max_glx,
				k->fmt.phys_bits, (unsigned long long)k->fmt.granules,
				fz_errname(rc));
			return false;
		}
		k->id = a.out_id;
		W.nkinds++;
		rc = wk_ioctl(f, "DEVICE_CREATE", IOASID_DEVICE_CREATE, &d, sizeof(d));
		if (rc) {
			fz_fail(f, "walk rig: DEVICE_CREATE: %s", fz_errname(rc));
			return false;
		}
		k->dev = d.out_id;
		at.dev_id = k->dev;
		at.node_id = k->id;
		if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &at, sizeof(at), 0,
				"of a kind node without a PASID"))
			return false;
		b.id = k->id;
		kind_pick_entry(f, &k->fmt, WK_RW_PAGES * PG, false, b.entry);
		if (!wk_kexpect(f, "BIND", IOASID_BIND, &b, sizeof(b), 0,
				"of a valid entry"))
			return false;
		k->bound = true;
		memcpy(k->entry, b.entry, sizeof(k->entry));
	}
	if (W.nkinds && W.nnodes)
		wk_kind_rules(f);
	return true;
}

/* Setup and teardown ------------------------------------------------------------ */

void fz_walk_teardown(struct fz *f)
{
	(void)f;
	if (W.h)
		ioasid_close(W.h);
	W.h = NULL;
	W.on = false;
}

void fz_walk_totals(long long *nodes, long long *mappings, long long *pinned)
{
	*nodes = W.on ? 1 + W.nnodes + W.nkinds : 0;
	*mappings = W.on ? 2 : 0;
	*pinned = W.on ? WK_PAGES * PG : 0;
}

/* Which formats FORMAT_INFO reports, once: the rig walks those. */
static void wk_probe(struct fz *f)
{
	struct ioasid_format_info c;
	char missing[64] = "";
	uint32_t fmt;

	W.tried = true;
	for (fmt = IOASID_FORMAT_X86_64; fmt <= IOASID_FORMAT_RISCV_PDT; fmt++) {
		if (!ioasid_format_info(f->h, fmt, &c))
			W.formats |= 1u << fmt;
		else
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 " %u", fmt);
	}
	if (missing[0])
		printf("# walk rig: formats not walked (FORMAT_INFO fails):%s\n", missing);
	if (!W.mem) {
		W.mem = mmap(NULL, WK_PAGES * PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		W.ro = malloc((WK_PAGES - WK_RW_PAGES) * PG);
		W.buf = malloc(3 * PG);
		W.before = malloc(3 * PG);
		if (W.mem == MAP_FAILED || !W.ro || !W.buf || !W.before) {
			fz_abort(f, "walk rig: out of memory");
			W.formats = 0;
		}
	}
}

static void wk_setup(struct fz *f)
{
	struct ioasid_device_create d = { .size = sizeof(d), .flags = IOASID_DEVICE_PASID,
					  .pasid_bits = WK_PASID_BITS };
	uint64_t iova = 0;
	uint8_t desc[32];
	unsigned int i;
	uint32_t fmt;
	int rc;

	memset(&W.nodes, 0, sizeof(W.nodes));
	W.nnodes = 0;
	W.faults = 0;
	W.rigs++;
	wk_scribble(f, 0, WK_PAGES);
	wk_ro_snapshot();
	rc = -ioasid_open(&W.h, NULL, 0);
	if (rc) {
		fz_abort(f, "walk rig: open: %s", fz_errname(rc));
		return;
	}
	W.fd = ioasid_fd(W.h);
	rc = -ioasid_node_alloc(W.h, 0, IOASID_MODE_KERNEL_MANAGED, &W.root);
	if (!rc)
		rc = -ioasid_map(W.h, W.root, (uintptr_t)W.mem, WK_RW_PAGES * PG, &iova,
				 RW | FIXED);
	iova = WK_RW_PAGES * PG;
	if (!rc)
		rc = -ioasid_map(W.h, W.root, (uintptr_t)W.mem + WK_RW_PAGES * PG,
				 (WK_PAGES - WK_RW_PAGES) * PG, &iova,
				 IOASID_MAP_READ | FIXED);
	if (!rc)
		rc = -ioasid_device_create(W.h, d.flags, d.pasid_bits, &W.dev);
	if (rc) {
		fz_abort(f, "walk rig: setting up: %s", fz_errname(rc));
		return;
	}
	W.on = true;
	for (i = 0; i < WK_NODES; i++) {
		struct wnode *n = &W.nodes[i];
		struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
					  .parent_id = W.root, .format = (uintptr_t)desc,
					  .format_len = sizeof(desc) };
		struct ioasid_attach at = { .size = sizeof(at), .dev_id = W.dev };

		do
			fmt = 1 + rn(f, 4);
		while (!wk_has(fmt));
		wk_descriptor(f, fmt, desc, &n->fmt);
		if (pct(f, 50))
			a.flags = IOASID_ALLOC_CACHING_MODE;
		rc = wk_ioctl(f, "ALLOC", IOASID_ALLOC, &a, sizeof(a));
		if (rc) {
			fz_fail(f, "walk rig: ALLOC of format %u (flags 0x%x levels %u "
				"phys_bits %u tsz %u/%u tg %u/%u): %s", fmt, n->fmt.flags,
				n->fmt.levels, n->fmt.phys_bits, n->fmt.tsz[0], n->fmt.tsz[1],
				n->fmt.tg[0], n->fmt.tg[1], fz_errname(rc));
			return;
		}
		n->id = a.out_id;
		W.nnodes++;
		n->has_pasid = i > 0;
		n->pasid = i;
		at.node_id = n->id;
		at.flags = n->has_pasid ? IOASID_ATTACH_PASID : 0;
		at.pasid = n->pasid;
		rc = wk_ioctl(f, "ATTACH", IOASID_ATTACH, &at, sizeof(at));
		if (rc) {
			fz_fail(f, "walk rig: ATTACH to node %u: %s", n->id, fz_errname(rc));
			return;
		}
		if (!wk_bind(f, n))
			return;
	}
	if (!wk_kind_setup(f))
		return;
	W.ops = 0;
}

void op_walk(struct fz *f)
{
	unsigned int r;

	if (!f->m.has_user)
		return;
	if (!W.tried)
		wk_probe(f);
	if (!(W.formats & 0x1e))	/* page-table formats 1 to 4 */
		return;
	if (W.on && ++W.ops > WK_OPS)
		fz_walk_teardown(f);
	if (!W.on) {
		wk_setup(f);
		if (!W.on || fz_stopped(f))
			return;
	}
	/* The kind nodes: a quarter of the rig's operations. */
	if (W.nkinds && pct(f, 25)) {
		if (pct(f, 85))
			wk_op_kind(f);
		else
			wk_op_kind_rebind(f);
		return;
	}
	r = rn(f, 100);
	if (r < 30)
		wk_op_exact(f);
	else if (r < 55)
		wk_op_consistent(f);
	else if (r < 80)
		wk_op_dma(f);
	else if (r < 94)
		wk_op_scribble(f);
	else
		wk_op_rebind(f);
}

void fz_walk_summary(struct fz *f)
{
	static const char *const names[] = { "?", "x86-64", "arm64", "riscv", "amd-v1" };
	char line[1024];
	size_t off;
	unsigned int i;

	(void)f;
	if (!W.rigs)
		return;
	off = snprintf(line, sizeof(line), "#   walk rig: %llu rigs, TRANSLATE %llu ok %llu "
		       "faulted, DMA %llu ok %llu faulted (%llu part way), %llu "
		       "TRANSLATE+DMA pairs agreed; planted chains found:",
		       (unsigned long long)W.rigs, (unsigned long long)W.xlate_ok,
		       (unsigned long long)W.xlate_fault, (unsigned long long)W.dma_ok,
		       (unsigned long long)W.dma_fault, (unsigned long long)W.dma_partial,
		       (unsigned long long)W.consistent);
	for (i = 1; i < 5 && off < sizeof(line); i++)
		if (wk_has(i))
			off += snprintf(line + off, sizeof(line) - off, " %s %llu", names[i],
					(unsigned long long)W.exact[i]);
	if (off < sizeof(line))
		off += snprintf(line + off, sizeof(line) - off, ", read-only %llu, shadowed "
				"by a larger leaf %llu; reasons:", (unsigned long long)W.exact_fault,
				(unsigned long long)W.exact_shadowed);
	for (i = 0; i < 32 && off < sizeof(line); i++)
		if (W.by_reason[i])
			off += snprintf(line + off, sizeof(line) - off, " %u:%llu", i,
					(unsigned long long)W.by_reason[i]);
	puts(line);
	if (!(W.formats >> IOASID_FORMAT_SMMUV3_CD))
		return;
	/* The PASID-table kinds, per kind: DMA and TRANSLATE ok/faulted. */
	off = snprintf(line, sizeof(line), "#   walk rig kinds: BIND %llu ok %llu refused, "
		       "ATTACH rules checked %llu times, requests without a PASID %llu;",
		       (unsigned long long)W.k_binds[0], (unsigned long long)W.k_binds[1],
		       (unsigned long long)W.k_rules, (unsigned long long)W.k_nopasid);
	for (i = IOASID_FORMAT_SMMUV3_CD; i <= IOASID_FORMAT_RISCV_PDT && off < sizeof(line); i++)
		if (wk_has(i))
			off += snprintf(line + off, sizeof(line) - off, " %s: DMA %llu ok %llu "
					"faulted, TRANSLATE %llu ok %llu faulted, faulted at "
					"once as predicted %llu, bypassed as predicted %llu;",
					kind_name(i),
					(unsigned long long)W.k_dma[i][0],
					(unsigned long long)W.k_dma[i][1],
					(unsigned long long)W.k_xlate[i][0],
					(unsigned long long)W.k_xlate[i][1],
					(unsigned long long)W.k_wide[i],
					(unsigned long long)W.k_bypass[i]);
	if (off < sizeof(line))
		off += snprintf(line + off, sizeof(line) - off, " reasons:");
	for (i = 0; i < 32 && off < sizeof(line); i++)
		if (W.k_reason[i])
			off += snprintf(line + off, sizeof(line) - off, " %s:%llu",
					fz_reason_name(i), (unsigned long long)W.k_reason[i]);
	puts(line);
}
