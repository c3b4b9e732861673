/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table encoders for the tests: build a guest's page tables of any
 * format the uAPI names (x86-64, Arm64 VMSAv8-64 stage 1, RISC-V Sv39/48/57,
 * AMD v1) in a caller-provided memory area, as a guest would, and describe
 * them with the matching struct ioasid_format_* descriptor.
 *
 * Header-only plain C for the VM selftests and the host unit tests alike.
 * The memory area is the caller's: @mem in this process, at @mem_pa in the
 * parent's (output) address space; table pages come from a bump allocator
 * over it. Entries are written little-endian (atomically: a test may change
 * them while a walker reads them). Every address in an entry is a parent
 * address.
 *
 *	struct pt_enc e;
 *	struct pt_enc_params p = pt_enc_riscv_params(4);
 *	union pt_enc_desc d;
 *
 *	pt_enc_init(&e, &p, mem, GPA, size);
 *	pt_enc_map(&e, va, pa, 4 << 20, PT_ENC_R | PT_ENC_W | PT_ENC_U);
 *	ALLOC with &d, pt_enc_desc(&e, &d) bytes; BIND pt_enc_root(&e)
 *
 * Levels are counted as the uAPI counts them in fault reports: 1 is the
 * table of the smallest pages (the granule for Arm64), each level above it
 * one more.
 *
 * Permissions are format-neutral (PT_ENC_*): read, write, execute, and
 * "user" (unprivileged requests may use the page). What a format cannot
 * express is widened or narrowed as it must be: x86-64, Arm64 and AMD v1
 * cannot refuse reads (R is implied); AMD v1 has no user or execute bits
 * (IR grants both); a user page is never executable by privileged requests
 * (x86-64 has no choice, RISC-V neither, Arm64 gets PXN). Only RISC-V
 * honours a missing R (an execute-only page, or W without R: a reserved
 * encoding, for tests of it).
 *
 * Leaves: pt_enc_map() uses, at each step, the largest leaf the format and
 * the descriptor's page sizes allow where the input and output addresses
 * are aligned and the rest of the range is long enough; pt_enc_map_leaf()
 * forces one size. Replicated leaves (AMD v1 NextLevel 7 sizes, RISC-V
 * Svnapot 64 KiB) are written to every entry they cover. A leaf is written
 * over whatever was in its entries; a table needed where a leaf is gets a
 * new, empty table (the leaf's other addresses become unmapped). Tables
 * emptied by pt_enc_unmap() stay.
 *
 * Sections: common helpers, then one per format (geometry, entries,
 * leaves, descriptor), then the format-neutral operations.
 */
#ifndef PT_ENCODE_H
#define PT_ENCODE_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ioasid.h>

/* Format-neutral permissions of pt_enc_map(). */
#define PT_ENC_R	(1u << 0)	/* read */
#define PT_ENC_W	(1u << 1)	/* write */
#define PT_ENC_X	(1u << 2)	/* execute */
#define PT_ENC_U	(1u << 3)	/* unprivileged (user) requests may use it */
#define PT_ENC_RW	(PT_ENC_R | PT_ENC_W)
#define PT_ENC_ALL	(PT_ENC_R | PT_ENC_W | PT_ENC_X | PT_ENC_U)

#define PT_ENC_MAX_LEVELS	6

/**
 * struct pt_enc_params - what the tables are
 * @format: an enum ioasid_format
 * @flags: the descriptor's flags (enum ioasid_<format>_flags); for Arm64,
 *	IOASID_ARM64_EPD0/EPD1 also say which halves get tables
 * @levels: x86-64 (4, 5), RISC-V (3, 4, 5), AMD v1 (1 to 6); Arm64: unused
 *	(each half's levels follow from its size and granule)
 * @phys_bits: output address width (Arm64: oas_bits)
 * @pgsize_bitmap: the descriptor's; 0 for every size. pt_enc_map() uses
 *	only the sizes it allows.
 * @tsz: (Arm64) T0SZ and T1SZ
 * @tg: (Arm64) the halves' granules, log2 (12, 14, 16)
 */
struct pt_enc_params {
	uint32_t format;
	uint32_t flags;
	uint32_t levels;
	uint32_t phys_bits;
	uint64_t pgsize_bitmap;
	uint8_t tsz[2];
	uint8_t tg[2];
};

/* One half of the input space (only Arm64 has two). */
struct pt_enc_half {
	bool enabled;
	unsigned int levels;			/* the top table's level */
	unsigned int gran;			/* log2 of the table granule */
	unsigned int shift[PT_ENC_MAX_LEVELS + 1];	/* lowest index bit */
	unsigned int bits[PT_ENC_MAX_LEVELS + 1];	/* index width */
	uint64_t root;				/* parent address of the top table */
};

/**
 * struct pt_enc - an encoder over one memory area
 * @p: the parameters
 * @half: [0] the only half (Arm64: TTB0), [1] Arm64's TTB1
 * @mem: the area in this process
 * @mem_pa: its address in the parent's space
 * @mem_size: its bytes
 * @next: offset of the next free byte for tables
 * @tables: tables allocated so far
 */
struct pt_enc {
	struct pt_enc_params p;
	struct pt_enc_half half[2];
	uint8_t *mem;
	uint64_t mem_pa;
	uint64_t mem_size;
	uint64_t next;
	unsigned int tables;
};

union pt_enc_desc {
	struct ioasid_format_header hdr;
	struct ioasid_format_x86_64 x86_64;
	struct ioasid_format_arm64 arm64;
	struct ioasid_format_riscv riscv;
	struct ioasid_format_amd_v1 amd_v1;
};

/* What an entry is (pt_enc_decode()). */
enum pt_enc_kind {
	PT_ENC_NONE,		/* not present */
	PT_ENC_TABLE,		/* a pointer to the next level */
	PT_ENC_LEAF,		/* a leaf */
};

/* ---------------------------------------------------------------------- */
/* Common helpers                                                         */
/* ---------------------------------------------------------------------- */

static inline uint64_t pt_enc_get(const uint64_t *e)
{
	return le64toh(__atomic_load_n(e, __ATOMIC_SEQ_CST));
}

static inline void pt_enc_set(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, htole64(v), __ATOMIC_SEQ_CST);
}

static inline uint64_t pt_enc_mask(unsigned int hi, unsigned int lo)
{
	return (hi >= 63 ? ~0ULL : (1ULL << (hi + 1)) - 1) & ~((1ULL << lo) - 1);
}

/* The memory of parent address @pa (8 bytes of it); aborts outside. */
static inline uint64_t *pt_enc_ptr(const struct pt_enc *e, uint64_t pa)
{
	if (pa < e->mem_pa || pa - e->mem_pa + 8 > e->mem_size || (pa & 7)) {
		fprintf(stderr, "pt_enc: %#llx is not in the table memory\n",
			(unsigned long long)pa);
		abort();
	}
	return (uint64_t *)(e->mem + (pa - e->mem_pa));
}

/* A zeroed table of @bytes (a power of two), aligned to it: its address. */
static inline uint64_t pt_enc_alloc(struct pt_enc *e, uint64_t bytes)
{
	uint64_t pa = (e->mem_pa + e->next + bytes - 1) & ~(bytes - 1);

	if (pa + bytes > e->mem_pa + e->mem_size)
		return 0;
	memset(e->mem + (pa - e->mem_pa), 0, bytes);
	e->next = pa + bytes - e->mem_pa;
	e->tables++;
	return pa;
}

/* The uniform geometry of 4 KiB tables of 512 entries (x86-64, RISC-V, AMD v1). */
static inline void pt_enc_geometry_4k(struct pt_enc_half *h, unsigned int levels)
{
	unsigned int l;

	h->enabled = true;
	h->levels = levels;
	h->gran = 12;
	for (l = 1; l <= levels; l++) {
		h->shift[l] = 12 + 9 * (l - 1);
		h->bits[l] = h->shift[l] + 9 > 64 ? 64 - h->shift[l] : 9;
	}
}

static inline uint64_t pt_enc_span(const struct pt_enc_half *h, unsigned int level)
{
	return 1ULL << h->shift[level];
}

/* ---------------------------------------------------------------------- */
/* x86-64: 4 or 5 levels, 4 KiB tables; leaves 4K, 2M (PS), 1G (PS)       */
/* ---------------------------------------------------------------------- */

#define PT_X86_P	(1ULL << 0)
#define PT_X86_RW	(1ULL << 1)
#define PT_X86_US	(1ULL << 2)
#define PT_X86_A	(1ULL << 5)
#define PT_X86_D	(1ULL << 6)
#define PT_X86_PS	(1ULL << 7)
#define PT_X86_XD	(1ULL << 63)
#define PT_X86_ADDR	0x000ffffffffff000ULL

static inline struct pt_enc_params pt_enc_x86_64_params(unsigned int levels)
{
	struct pt_enc_params p = {
		.format = IOASID_FORMAT_X86_64, .levels = levels, .phys_bits = 48,
	};
	return p;
}

static inline uint64_t pt_x86_table(uint64_t child)
{
	return child | PT_X86_P | PT_X86_RW | PT_X86_US;
}

static inline uint64_t pt_x86_leaf(unsigned int level, uint64_t pa, unsigned int perm)
{
	uint64_t v = pa | PT_X86_P;

	if (perm & PT_ENC_W)
		v |= PT_X86_RW;
	if (perm & PT_ENC_U)
		v |= PT_X86_US;
	if (!(perm & PT_ENC_X))
		v |= PT_X86_XD;
	if (level > 1)
		v |= PT_X86_PS;
	return v;
}

static inline enum pt_enc_kind pt_x86_decode(unsigned int level, uint64_t v,
					     uint64_t *addr)
{
	if (!(v & PT_X86_P))
		return PT_ENC_NONE;
	if (level == 1 || ((v & PT_X86_PS) && level <= 3)) {
		*addr = v & PT_X86_ADDR & ~((1ULL << (12 + 9 * (level - 1))) - 1);
		return PT_ENC_LEAF;
	}
	*addr = v & PT_X86_ADDR;
	return PT_ENC_TABLE;
}

/* ---------------------------------------------------------------------- */
/* Arm64 VMSAv8-64 stage 1: two halves, 4/16/64 KiB granules                */
/* ---------------------------------------------------------------------- */

#define PT_ARM_VALID	(1ULL << 0)
#define PT_ARM_TABLE	(1ULL << 1)	/* table, or page at level 1 */
#define PT_ARM_AP1	(1ULL << 6)	/* unprivileged access */
#define PT_ARM_AP2	(1ULL << 7)	/* read-only */
#define PT_ARM_SH_IS	(3ULL << 8)	/* inner shareable (ignored) */
#define PT_ARM_AF	(1ULL << 10)
#define PT_ARM_DBM	(1ULL << 51)
#define PT_ARM_PXN	(1ULL << 53)
#define PT_ARM_UXN	(1ULL << 54)
#define PT_ARM_PXNTABLE	(1ULL << 59)
#define PT_ARM_UXNTABLE	(1ULL << 60)
#define PT_ARM_APTABLE0	(1ULL << 61)	/* no unprivileged access below */
#define PT_ARM_APTABLE1	(1ULL << 62)	/* read-only below */

/*
 * A descriptor with both halves of @gran (log2) and 2^(64 - @tsz)-byte
 * halves; TTB1 disabled (EPD1) unless @ttb1.
 */
static inline struct pt_enc_params pt_enc_arm64_params(unsigned int gran,
						       unsigned int tsz, bool ttb1)
{
	struct pt_enc_params p = {
		.format = IOASID_FORMAT_ARM64, .phys_bits = 48,
		.flags = ttb1 ? 0 : IOASID_ARM64_EPD1,
		.tsz = { (uint8_t)tsz, (uint8_t)tsz },
		.tg = { (uint8_t)gran, (uint8_t)gran },
	};
	return p;
}

static inline void pt_arm64_geometry(struct pt_enc_half *h, unsigned int gran,
				     unsigned int tsz)
{
	unsigned int ia = 64 - tsz, l;

	h->enabled = true;
	h->gran = gran;
	h->levels = (ia - gran + (gran - 3) - 1) / (gran - 3);
	for (l = 1; l <= h->levels; l++) {
		h->shift[l] = gran + (gran - 3) * (l - 1);
		h->bits[l] = l == h->levels ? ia - h->shift[l] : gran - 3;
	}
}

/* The block sizes a granule has: level 2 always, level 3 with 4 KiB. */
static inline bool pt_arm64_level_has_leaf(unsigned int gran, unsigned int level)
{
	return level == 1 || level == 2 || (level == 3 && gran == 12);
}

static inline uint64_t pt_arm64_table(uint64_t child)
{
	return child | PT_ARM_VALID | PT_ARM_TABLE;
}

static inline uint64_t pt_arm64_leaf(unsigned int level, uint64_t pa, unsigned int perm)
{
	uint64_t v = pa | PT_ARM_VALID | PT_ARM_AF | PT_ARM_SH_IS;

	if (level == 1)
		v |= PT_ARM_TABLE;		/* page descriptor */
	if (!(perm & PT_ENC_W))
		v |= PT_ARM_AP2;
	if (perm & PT_ENC_U) {
		v |= PT_ARM_AP1 | PT_ARM_PXN;
		if (!(perm & PT_ENC_X))
			v |= PT_ARM_UXN;
	} else {
		v |= PT_ARM_UXN;
		if (!(perm & PT_ENC_X))
			v |= PT_ARM_PXN;
	}
	return v;
}

static inline enum pt_enc_kind pt_arm64_decode(const struct pt_enc_half *h,
					       unsigned int level, uint64_t v,
					       uint64_t *addr)
{
	if (!(v & PT_ARM_VALID))
		return PT_ENC_NONE;
	if (level > 1 && (v & PT_ARM_TABLE)) {
		*addr = v & pt_enc_mask(47, h->gran);
		return PT_ENC_TABLE;
	}
	if (level == 1 && !(v & PT_ARM_TABLE))
		return PT_ENC_NONE;	/* reserved encoding: treated as absent */
	*addr = v & pt_enc_mask(47, h->shift[level]);
	return PT_ENC_LEAF;
}

/* ---------------------------------------------------------------------- */
/* RISC-V Sv39/48/57: 4 KiB tables, leaves at any level, Svnapot 64 KiB     */
/* ---------------------------------------------------------------------- */

#define PT_RV_V		(1ULL << 0)
#define PT_RV_R		(1ULL << 1)
#define PT_RV_W		(1ULL << 2)
#define PT_RV_X		(1ULL << 3)
#define PT_RV_U		(1ULL << 4)
#define PT_RV_G		(1ULL << 5)
#define PT_RV_A		(1ULL << 6)
#define PT_RV_D		(1ULL << 7)
#define PT_RV_PPN	pt_enc_mask(53, 10)
#define PT_RV_N		(1ULL << 63)
#define PT_RV_PA(v)	((((v) & PT_RV_PPN) >> 10) << 12)
#define PT_RV_PTE(pa)	((((pa) >> 12) << 10) & PT_RV_PPN)

static inline struct pt_enc_params pt_enc_riscv_params(unsigned int levels)
{
	struct pt_enc_params p = {
		.format = IOASID_FORMAT_RISCV, .levels = levels, .phys_bits = 48,
	};
	return p;
}

static inline uint64_t pt_riscv_table(uint64_t child)
{
	return PT_RV_PTE(child) | PT_RV_V;
}

/* A set, D with W: no walk needs to update or fault on them. */
static inline uint64_t pt_riscv_leaf(uint64_t size, uint64_t pa, unsigned int perm)
{
	uint64_t v = PT_RV_PTE(pa) | PT_RV_V | PT_RV_A;

	if (perm & PT_ENC_R)
		v |= PT_RV_R;
	if (perm & PT_ENC_W)
		v |= PT_RV_W | PT_RV_D;
	if (perm & PT_ENC_X)
		v |= PT_RV_X;
	if (perm & PT_ENC_U)
		v |= PT_RV_U;
	if (size == (64ULL << 10))	/* Svnapot: PPN[3:0] = 0b1000 */
		v = (v & ~PT_RV_PTE(0xffffULL)) | PT_RV_PTE(0x8000ULL) | PT_RV_N;
	return v;
}

static inline enum pt_enc_kind pt_riscv_decode(const struct pt_enc_half *h,
					       unsigned int level, uint64_t v,
					       uint64_t *addr, uint64_t *size)
{
	if (!(v & PT_RV_V))
		return PT_ENC_NONE;
	if (!(v & (PT_RV_R | PT_RV_W | PT_RV_X))) {
		*addr = PT_RV_PA(v);
		return level > 1 ? PT_ENC_TABLE : PT_ENC_NONE;
	}
	*size = pt_enc_span(h, level);
	if (level == 1 && (v & PT_RV_N))
		*size = 64ULL << 10;
	*addr = PT_RV_PA(v) & ~(*size - 1);
	return PT_ENC_LEAF;
}

/* ---------------------------------------------------------------------- */
/* AMD v1: 1 to 6 levels, NextLevel 0 and NextLevel 7 leaves                */
/* ---------------------------------------------------------------------- */

#define PT_AMD_PR	(1ULL << 0)
#define PT_AMD_A	(1ULL << 5)
#define PT_AMD_D	(1ULL << 6)
#define PT_AMD_NL_SHIFT	9
#define PT_AMD_NL(v)	(((v) >> PT_AMD_NL_SHIFT) & 7)
#define PT_AMD_ADDR	0x000ffffffffff000ULL
#define PT_AMD_IR	(1ULL << 61)
#define PT_AMD_IW	(1ULL << 62)

static inline struct pt_enc_params pt_enc_amd_v1_params(unsigned int levels)
{
	struct pt_enc_params p = {
		.format = IOASID_FORMAT_AMD_V1, .levels = levels, .phys_bits = 48,
	};
	return p;
}

/* A pointer from a table of @level to the table of @level - 1. */
static inline uint64_t pt_amd_table(unsigned int level, uint64_t child)
{
	return child | PT_AMD_PR | PT_AMD_IR | PT_AMD_IW |
	       ((uint64_t)(level - 1) << PT_AMD_NL_SHIFT);
}

/*
 * A leaf of @size in a table of @level: NextLevel 0 when it is the level's
 * own size, else NextLevel 7 with the size in the address's trailing ones
 * from bit 12 (2^(13 + n) for n ones).
 */
static inline uint64_t pt_amd_leaf(unsigned int level, uint64_t size, uint64_t pa,
				   unsigned int perm)
{
	uint64_t v = pa | PT_AMD_PR | PT_AMD_IR;

	if (perm & PT_ENC_W)
		v |= PT_AMD_IW;
	if (size != 1ULL << (12 + 9 * (level - 1)))
		v |= (7ULL << PT_AMD_NL_SHIFT) | (((size >> 1) - 1) & ~0xfffULL);
	return v;
}

static inline enum pt_enc_kind pt_amd_decode(unsigned int level, uint64_t v,
					     uint64_t *addr, uint64_t *size)
{
	uint64_t a = v & PT_AMD_ADDR;
	unsigned int nl = PT_AMD_NL(v);

	if (!(v & PT_AMD_PR))
		return PT_ENC_NONE;
	if (nl >= 1 && nl <= 6) {
		*addr = a;
		return nl < level ? PT_ENC_TABLE : PT_ENC_NONE;
	}
	if (nl == 0) {
		*size = 1ULL << (12 + 9 * (level - 1));
	} else {
		unsigned int n = 0;

		while (n < 40 && (a >> (12 + n)) & 1)
			n++;
		*size = 1ULL << (13 + n);
	}
	*addr = a & ~(*size - 1);
	return PT_ENC_LEAF;
}

/* ---------------------------------------------------------------------- */
/* Dispatch over the formats                                              */
/* ---------------------------------------------------------------------- */

/* The half that translates @iova (Arm64: by bit 55, as TBI would). */
static inline struct pt_enc_half *pt_enc_half_of(struct pt_enc *e, uint64_t iova)
{
	if (e->p.format == IOASID_FORMAT_ARM64 && ((iova >> 55) & 1))
		return &e->half[1];
	return &e->half[0];
}

/* Does @iova lie in @h's input range (canonical, within the half)? */
static inline bool pt_enc_in_range(const struct pt_enc *e,
				   const struct pt_enc_half *h, uint64_t iova)
{
	unsigned int top = h->shift[h->levels] + h->bits[h->levels];
	uint64_t hi;

	if (top >= 64)
		return true;
	hi = iova >> top;
	switch (e->p.format) {
	case IOASID_FORMAT_ARM64:
		return h == &e->half[1] ? hi == (~0ULL >> top) : hi == 0;
	case IOASID_FORMAT_AMD_V1:
		return hi == 0;
	default:		/* canonical: bits above copy bit top - 1 */
		return ((int64_t)(iova << (64 - top)) >> (64 - top)) == (int64_t)iova;
	}
}

static inline unsigned int pt_enc_index(const struct pt_enc_half *h, uint64_t iova,
					unsigned int level)
{
	return (unsigned int)((iova >> h->shift[level]) &
			      ((1ULL << h->bits[level]) - 1));
}

/* Bytes of a table of @level. */
static inline uint64_t pt_enc_table_bytes(const struct pt_enc *e,
					  const struct pt_enc_half *h,
					  unsigned int level)
{
	uint64_t b = 8ULL << h->bits[level];

	if (e->p.format != IOASID_FORMAT_ARM64)
		return 4096;
	return b < 64 ? 64 : b;
}

/* What the entry @v of a table of @level is; @addr, @size of a leaf. */
static inline enum pt_enc_kind pt_enc_decode(const struct pt_enc *e,
					     const struct pt_enc_half *h,
					     unsigned int level, uint64_t v,
					     uint64_t *addr, uint64_t *size)
{
	enum pt_enc_kind k;

	*size = pt_enc_span(h, level);
	switch (e->p.format) {
	case IOASID_FORMAT_X86_64:
		k = pt_x86_decode(level, v, addr);
		break;
	case IOASID_FORMAT_ARM64:
		k = pt_arm64_decode(h, level, v, addr);
		break;
	case IOASID_FORMAT_RISCV:
		k = pt_riscv_decode(h, level, v, addr, size);
		break;
	default:
		k = pt_amd_decode(level, v, addr, size);
		break;
	}
	return k;
}

static inline uint64_t pt_enc_table_entry(const struct pt_enc *e,
					  unsigned int level, uint64_t child)
{
	switch (e->p.format) {
	case IOASID_FORMAT_X86_64:
		return pt_x86_table(child);
	case IOASID_FORMAT_ARM64:
		return pt_arm64_table(child);
	case IOASID_FORMAT_RISCV:
		return pt_riscv_table(child);
	default:
		return pt_amd_table(level, child);
	}
}

static inline uint64_t pt_enc_leaf_entry(const struct pt_enc *e, unsigned int level,
					 uint64_t size, uint64_t pa, unsigned int perm)
{
	switch (e->p.format) {
	case IOASID_FORMAT_X86_64:
		return pt_x86_leaf(level, pa, perm);
	case IOASID_FORMAT_ARM64:
		return pt_arm64_leaf(level, pa, perm);
	case IOASID_FORMAT_RISCV:
		return pt_riscv_leaf(size, pa, perm);
	default:
		return pt_amd_leaf(level, size, pa, perm);
	}
}

/*
 * Is @size a leaf of @h (by the format and the descriptor's page sizes)?
 * Where: in a table of *@level, repeated over *@count entries.
 */
static inline bool pt_enc_leaf_place(const struct pt_enc *e,
				     const struct pt_enc_half *h, uint64_t size,
				     unsigned int *level, unsigned int *count)
{
	unsigned int l;

	if (!size || (size & (size - 1)))
		return false;
	if (e->p.pgsize_bitmap && !(e->p.pgsize_bitmap & size))
		return false;
	*count = 1;
	for (l = 1; l <= h->levels; l++) {
		uint64_t span = pt_enc_span(h, l);

		switch (e->p.format) {
		case IOASID_FORMAT_X86_64:
			if (size == span && l <= 3) {
				*level = l;
				return true;
			}
			break;
		case IOASID_FORMAT_ARM64:
			if (size == span && pt_arm64_level_has_leaf(h->gran, l)) {
				*level = l;
				return true;
			}
			break;
		case IOASID_FORMAT_RISCV:
			/* No leaf larger than 2^phys_bits. */
			if (size > (1ULL << (e->p.phys_bits < 63 ? e->p.phys_bits : 63)))
				break;
			if (size == span) {
				*level = l;
				return true;
			}
			if (l == 1 && size == (64ULL << 10) &&
			    (e->p.flags & IOASID_RISCV_SVNAPOT)) {
				*level = 1;
				*count = 16;
				return true;
			}
			break;
		default:
			/*
			 * NextLevel 0: the span; 7: 2 to 256 spans, no more
			 * than the table has. No leaf is larger than
			 * 2^phys_bits (its page would reach past the output
			 * width) or 2^52 (7: one bits up to bit 51).
			 */
			if (size > (1ULL << (e->p.phys_bits < 52 ? e->p.phys_bits : 52)))
				break;
			if (size >= span &&
			    (h->shift[l] + 9 >= 64 || size < (span << 9)) &&
			    size / span <= (1ULL << h->bits[l])) {
				*level = l;
				*count = (unsigned int)(size / span);
				return true;
			}
			break;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* The operations                                                         */
/* ---------------------------------------------------------------------- */

/**
 * pt_enc_init() - an encoder with empty top-level tables
 * @e: the encoder
 * @p: what the tables are (not checked against the uAPI's rules: tests
 *	also build descriptors the module must refuse)
 * @mem: the memory for tables, in this process
 * @mem_pa: its parent address; tables are aligned to their size there
 * @mem_size: its bytes
 *
 * Allocates the top-level table of each half (Arm64: of the enabled ones,
 * first TTB0's, then TTB1's, each of its own size, at least 64 bytes).
 *
 * Return: 0, -EINVAL for geometry it cannot build, -ENOMEM.
 */
static inline int pt_enc_init(struct pt_enc *e, const struct pt_enc_params *p,
			      void *mem, uint64_t mem_pa, uint64_t mem_size)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->p = *p;
	e->mem = mem;
	e->mem_pa = mem_pa;
	e->mem_size = mem_size;
	switch (p->format) {
	case IOASID_FORMAT_X86_64:
	case IOASID_FORMAT_RISCV:
	case IOASID_FORMAT_AMD_V1:
		if (p->levels < 1 || p->levels > PT_ENC_MAX_LEVELS)
			return -EINVAL;
		pt_enc_geometry_4k(&e->half[0], p->levels);
		break;
	case IOASID_FORMAT_ARM64:
		for (i = 0; i < 2; i++) {
			if (p->flags & (i ? IOASID_ARM64_EPD1 : IOASID_ARM64_EPD0))
				continue;
			if ((p->tg[i] != 12 && p->tg[i] != 14 && p->tg[i] != 16) ||
			    p->tsz[i] < 8 || 64 - p->tsz[i] <= p->tg[i])
				return -EINVAL;
			pt_arm64_geometry(&e->half[i], p->tg[i], p->tsz[i]);
		}
		break;
	default:
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		struct pt_enc_half *h = &e->half[i];

		if (!h->enabled)
			continue;
		h->root = pt_enc_alloc(e, pt_enc_table_bytes(e, h, h->levels));
		if (!h->root)
			return -ENOMEM;
	}
	return 0;
}

/* BIND's @root: the top-level table (Arm64: TTB0; 0 when disabled). */
static inline uint64_t pt_enc_root(const struct pt_enc *e)
{
	return e->half[0].root;
}

/* BIND's @root1: Arm64's TTB1, 0 when disabled or for other formats. */
static inline uint64_t pt_enc_root1(const struct pt_enc *e)
{
	return e->half[1].root;
}

/* The levels of the half that translates @iova. */
static inline unsigned int pt_enc_levels(struct pt_enc *e, uint64_t iova)
{
	return pt_enc_half_of(e, iova)->levels;
}

/* The smallest leaf (the granule of @iova's half). */
static inline uint64_t pt_enc_min_page(struct pt_enc *e, uint64_t iova)
{
	return 1ULL << pt_enc_half_of(e, iova)->gran;
}

/* Every leaf size the half of @iova can use now (bit n: 2^n bytes). */
static inline uint64_t pt_enc_leaf_sizes(struct pt_enc *e, uint64_t iova)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	uint64_t sizes = 0;
	unsigned int b, level, count;

	for (b = 12; b < 64; b++)
		if (pt_enc_leaf_place(e, h, 1ULL << b, &level, &count))
			sizes |= 1ULL << b;
	return sizes;
}

/* The level where a leaf of @size lives (0: not a leaf of @iova's half). */
static inline unsigned int pt_enc_leaf_level(struct pt_enc *e, uint64_t iova,
					     uint64_t size)
{
	unsigned int level, count;

	if (!pt_enc_leaf_place(e, pt_enc_half_of(e, iova), size, &level, &count))
		return 0;
	return level;
}

/*
 * The entry of @level on @iova's path, or NULL when a table above it is
 * missing (or the path ends in a leaf above it). With @create, missing
 * tables are made (and a leaf in the way replaced by an empty table);
 * NULL then means out of memory or out of range.
 */
static inline uint64_t *pt_enc_walk(struct pt_enc *e, uint64_t iova,
				    unsigned int level, bool create)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	uint64_t table = h->root;
	unsigned int l;

	if (!h->enabled || !pt_enc_in_range(e, h, iova) || level < 1 ||
	    level > h->levels)
		return NULL;
	for (l = h->levels;; l--) {
		uint64_t *ent = pt_enc_ptr(e, table + 8ULL * pt_enc_index(h, iova, l));
		uint64_t addr, size;

		if (l == level)
			return ent;
		if (pt_enc_decode(e, h, l, pt_enc_get(ent), &addr, &size) !=
		    PT_ENC_TABLE) {
			if (!create)
				return NULL;
			addr = pt_enc_alloc(e, pt_enc_table_bytes(e, h, l - 1));
			if (!addr)
				return NULL;
			pt_enc_set(ent, pt_enc_table_entry(e, l, addr));
		}
		table = addr;
	}
}

/* The entry of @level on @iova's path (NULL: no such table). */
static inline uint64_t *pt_enc_entry(struct pt_enc *e, uint64_t iova,
				     unsigned int level)
{
	return pt_enc_walk(e, iova, level, false);
}

/*
 * The parent address of the table that holds @iova's entry of @level: to
 * unmap a table page in the parent, or to corrupt one. 0 when missing.
 */
static inline uint64_t pt_enc_table_pa(struct pt_enc *e, uint64_t iova,
				       unsigned int level)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	uint64_t *ent = pt_enc_entry(e, iova, level);

	if (!ent)
		return 0;
	return e->mem_pa + ((uint8_t *)ent - e->mem) -
	       8ULL * pt_enc_index(h, iova, level);
}

/* The parent address of @iova's entry of @level (0 when missing). */
static inline uint64_t pt_enc_entry_pa(struct pt_enc *e, uint64_t iova,
				       unsigned int level)
{
	uint64_t *ent = pt_enc_entry(e, iova, level);

	return ent ? e->mem_pa + ((uint8_t *)ent - e->mem) : 0;
}

/*
 * The leaf entry that translates @iova (the one of its slot, for a
 * replicated leaf), with its level, base input address and size; NULL
 * when nothing translates it.
 */
static inline uint64_t *pt_enc_leaf(struct pt_enc *e, uint64_t iova,
				    unsigned int *level, uint64_t *size)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	uint64_t table = h->root;
	unsigned int l;

	if (!h->enabled || !pt_enc_in_range(e, h, iova))
		return NULL;
	for (l = h->levels; l >= 1; l--) {
		uint64_t *ent = pt_enc_ptr(e, table + 8ULL * pt_enc_index(h, iova, l));
		uint64_t addr, sz;

		switch (pt_enc_decode(e, h, l, pt_enc_get(ent), &addr, &sz)) {
		case PT_ENC_TABLE:
			table = addr;
			continue;
		case PT_ENC_LEAF:
			if (level)
				*level = l;
			if (size)
				*size = sz;
			return ent;
		default:
			return NULL;
		}
	}
	return NULL;
}

/* Write one leaf of @size at @iova (both aligned to it). */
static inline int pt_enc_put_leaf(struct pt_enc *e, uint64_t iova, uint64_t pa,
				  uint64_t size, unsigned int perm)
{
	struct pt_enc_half *h = pt_enc_half_of(e, iova);
	unsigned int level, count, i;
	uint64_t *ent, v;

	if (!h->enabled || !pt_enc_in_range(e, h, iova) ||
	    !pt_enc_in_range(e, h, iova + size - 1))
		return -ERANGE;
	if (!pt_enc_leaf_place(e, h, size, &level, &count))
		return -EINVAL;
	if ((iova | pa) & (size - 1))
		return -EINVAL;
	ent = pt_enc_walk(e, iova, level, true);
	if (!ent)
		return -ENOMEM;
	v = pt_enc_leaf_entry(e, level, size, pa, perm);
	for (i = 0; i < count; i++)
		pt_enc_set(ent + i, v);
	return 0;
}

/**
 * pt_enc_map_leaf() - map [@iova, @iova + @size) to @pa with leaves of @leaf
 * @e: the encoder
 * @iova: the first input address
 * @pa: the parent address it translates to
 * @size: bytes, a multiple of the smallest page
 * @perm: PT_ENC_*
 * @leaf: the leaf size to use, or 0 for the largest that fits at each step
 *
 * Return: 0, -EINVAL (misaligned, or @leaf not a leaf of the format),
 * -ERANGE (outside the input space), -ENOMEM (out of table memory).
 */
static inline int pt_enc_map_leaf(struct pt_enc *e, uint64_t iova, uint64_t pa,
				  uint64_t size, unsigned int perm, uint64_t leaf)
{
	uint64_t sizes = pt_enc_leaf_sizes(e, iova);
	int ret;

	if (!size || ((iova | pa | size) & (pt_enc_min_page(e, iova) - 1)))
		return -EINVAL;
	if (leaf && !(sizes & leaf))
		return -EINVAL;
	while (size) {
		uint64_t s = leaf;

		if (!s) {
			unsigned int b;

			for (b = 63; b >= 12; b--) {
				s = 1ULL << b;
				if ((sizes & s) && !((iova | pa) & (s - 1)) && s <= size)
					break;
			}
		}
		if (s > size)
			return -EINVAL;
		ret = pt_enc_put_leaf(e, iova, pa, s, perm);
		if (ret)
			return ret;
		iova += s;
		pa += s;
		size -= s;
	}
	return 0;
}

static inline int pt_enc_map(struct pt_enc *e, uint64_t iova, uint64_t pa,
			     uint64_t size, unsigned int perm)
{
	return pt_enc_map_leaf(e, iova, pa, size, perm, 0);
}

/**
 * pt_enc_unmap() - clear the leaves in [@iova, @iova + @size)
 *
 * Every leaf that translates part of the range must lie inside it (leaves
 * are not split: -EINVAL, with the leaves before it cleared); holes are
 * passed over. Tables stay.
 */
static inline int pt_enc_unmap(struct pt_enc *e, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size;	/* 0: up to the top */

	while (iova != end) {
		struct pt_enc_half *h = pt_enc_half_of(e, iova);
		uint64_t table = h->root, step = 0;
		unsigned int l;

		if (!h->enabled || !pt_enc_in_range(e, h, iova))
			return -ERANGE;
		for (l = h->levels; l >= 1; l--) {
			unsigned int idx = pt_enc_index(h, iova, l), i;
			uint64_t *ent = pt_enc_ptr(e, table + 8ULL * idx);
			uint64_t addr, sz, span = pt_enc_span(h, l);
			enum pt_enc_kind k = pt_enc_decode(e, h, l, pt_enc_get(ent),
							   &addr, &sz);

			if (k == PT_ENC_TABLE) {
				table = addr;
				continue;
			}
			if (k == PT_ENC_NONE) {
				step = span - (iova & (span - 1));
				break;
			}
			if ((iova & (sz - 1)) || (end && end - iova < sz))
				return -EINVAL;
			ent -= idx & (unsigned int)(sz / span - 1);
			for (i = 0; i < sz / span; i++)
				pt_enc_set(ent + i, 0);
			step = sz;
			break;
		}
		if (end && end - iova <= step)
			break;
		iova += step;
		if (!iova)
			break;
	}
	return 0;
}

/**
 * pt_enc_desc() - the format descriptor of the tables, for ALLOC
 * Return: its size (ALLOC's @format_len).
 */
static inline uint32_t pt_enc_desc(const struct pt_enc *e, union pt_enc_desc *d)
{
	const struct pt_enc_params *p = &e->p;

	memset(d, 0, sizeof(*d));
	d->hdr.format = p->format;
	switch (p->format) {
	case IOASID_FORMAT_X86_64:
		d->x86_64.flags = p->flags;
		d->x86_64.levels = p->levels;
		d->x86_64.phys_bits = p->phys_bits;
		d->x86_64.pgsize_bitmap = p->pgsize_bitmap;
		d->hdr.size = sizeof(d->x86_64);
		break;
	case IOASID_FORMAT_ARM64:
		d->arm64.flags = p->flags;
		d->arm64.t0sz = p->tsz[0];
		d->arm64.t1sz = p->tsz[1];
		d->arm64.tg0 = p->tg[0];
		d->arm64.tg1 = p->tg[1];
		d->arm64.oas_bits = p->phys_bits;
		d->arm64.pgsize_bitmap = p->pgsize_bitmap;
		d->hdr.size = sizeof(d->arm64);
		break;
	case IOASID_FORMAT_RISCV:
		d->riscv.flags = p->flags;
		d->riscv.levels = p->levels;
		d->riscv.phys_bits = p->phys_bits;
		d->riscv.pgsize_bitmap = p->pgsize_bitmap;
		d->hdr.size = sizeof(d->riscv);
		break;
	default:
		d->amd_v1.flags = p->flags;
		d->amd_v1.levels = p->levels;
		d->amd_v1.phys_bits = p->phys_bits;
		d->amd_v1.pgsize_bitmap = p->pgsize_bitmap;
		d->hdr.size = sizeof(d->amd_v1);
		break;
	}
	return d->hdr.size;
}

/* A short name of the tables, for messages: "arm64-16k/64k", "riscv-sv48". */
static inline const char *pt_enc_name(const struct pt_enc *e, char *buf, size_t len)
{
	const struct pt_enc_params *p = &e->p;

	switch (p->format) {
	case IOASID_FORMAT_X86_64:
		snprintf(buf, len, "x86_64-%ulvl", p->levels);
		break;
	case IOASID_FORMAT_ARM64:
		snprintf(buf, len, "arm64-%uk/%uk", 1u << (p->tg[0] - 10),
			 1u << (p->tg[1] - 10));
		break;
	case IOASID_FORMAT_RISCV:
		snprintf(buf, len, "riscv-sv%u", 12 + 9 * p->levels);
		break;
	default:
		snprintf(buf, len, "amd_v1-%ulvl", p->levels);
		break;
	}
	return buf;
}

#endif
