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
#include "walk_rig.h"

#define WK_OPS		4000	/* a new rig after so many of its operations */

struct wk_rig W;

/* One ioctl of the rig, counted and described like the fuzzer's own. */
int wk_ioctl(struct fz *f, const char *name, unsigned long req, void *arg, size_t len)
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

bool wk_has(uint32_t format)
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

bool wk_check_ro(struct fz *f)
{
	if (!memcmp(W.mem + WK_RW_PAGES * PG, W.ro, (WK_PAGES - WK_RW_PAGES) * PG))
		return true;
	fz_fail(f, "walk rig: the read-only part of the table memory changed");
	return false;
}

uint32_t wk_access(uint32_t flags)
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
void wk_pattern(struct fz *f, uint8_t *p, uint64_t len)
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

uint32_t wk_req(struct fz *f)
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
