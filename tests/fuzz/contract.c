// SPDX-License-Identifier: GPL-2.0
/*
 * The errno contract of uapi/linux/ioasid.h, one function per ioctl, in the
 * header's order. Each returns every outcome the header allows for a
 * request against the model's state; ops.c fails the run when the kernel
 * returns anything else. This is the only place that knows errno values:
 * when the header changes, change the function of that ioctl.
 *
 * Conventions:
 * - Errors that depend only on the request (flags, __reserved, alignment,
 *   zero lengths, wrapping) are always added. Errors that depend on the
 *   state of a range (EEXIST, EADDRINUSE, ENOSPC, split UNMAP, COPY
 *   coverage) are only judged for a well-formed range, for which they mean
 *   something.
 * - Several applicable errors: all are accepted (the header gives no
 *   order). Success is accepted only when no error applies.
 * - Not modelled: ENOMEM for want of kernel memory, EINTR (no signals),
 *   EBUSY from another thread (one thread), ENOSPC for ids, and the
 *   per-context limits (EDQUOT): the fuzzer keeps every count far below
 *   any default limit. When limits become visible in GET_INFO, add their
 *   checks to the ioctl that creates the object.
 * - RLIMIT_MEMLOCK: MAP on a root may fail with ENOMEM only when the
 *   fuzzer lacks CAP_IPC_LOCK (the VM runs it as root: never).
 */
#include <errno.h>
#include <string.h>

#include "contract.h"
#include "kinds.h"

#define RW_PROT		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define MAP_FLAGS	(RW_PROT | IOASID_MAP_FIXED_IOVA)
#define DMA_FLAGS	(IOASID_DMA_PASID | IOASID_DMA_WRITE | IOASID_DMA_EXEC | \
			 IOASID_DMA_PRIV)
/* DMA's own flags (TRANSLATE does not take them). */
#define DMA_PRI_FLAGS	(IOASID_DMA_NOWAIT | IOASID_DMA_RETRY)
#define ALLOC_FLAGS	(IOASID_ALLOC_CACHING_MODE | IOASID_ALLOC_PRI_AUTO_INVALID)
#define FQ_FLAGS	(IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_NONBLOCK | \
			 IOASID_FAULT_QUEUE_TIMEOUT)
#define SZ_4K		(1ULL << 12)
#define SZ_16K		(1ULL << 14)
#define SZ_64K		(1ULL << 16)
#define SZ_2M		(1ULL << 21)
#define SZ_32M		(1ULL << 25)
#define SZ_512M		(1ULL << 29)
#define SZ_1G		(1ULL << 30)
#define SZ_512G		(1ULL << 39)
#define SZ_256T		(1ULL << 48)

/* What FORMAT_INFO says of x86-64, and so what ALLOC and BIND take. */
const struct ioasid_format_info contract_x86_64 = {
	.format = IOASID_FORMAT_X86_64,
	.out_format_flags = IOASID_X86_64_AD_UPDATE,
	.out_bind_flags = IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE,
	.out_pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
	.out_levels_bitmap = (1ULL << 4) | (1ULL << 5),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 52,
	.out_input_bits = 57,
	.out_granule_bitmap = SZ_4K,
};

/*
 * Arm64 (struct ioasid_format_arm64): every flag but BIG_ENDIAN, no bind
 * flag; the pages and blocks of the three granules; CD.IPS's widths up to
 * 48 (52 is EOPNOTSUPP); the halves' input sizes 25 to 48 bits, which the
 * granules walk in 1 (16 or 64 KiB, 25 bits) to 4 levels.
 */
static const struct ioasid_format_info contract_arm64 = {
	.format = IOASID_FORMAT_ARM64,
	.out_format_flags = IOASID_ARM64_HA | IOASID_ARM64_HD | IOASID_ARM64_EPD0 |
			    IOASID_ARM64_EPD1 | IOASID_ARM64_TBI0 | IOASID_ARM64_TBI1,
	.out_bind_flags = 0,
	.out_pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G | SZ_16K | SZ_32M | SZ_64K |
			     SZ_512M,
	.out_levels_bitmap = (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 48,
	.out_input_bits = 48,
	.out_granule_bitmap = SZ_4K | SZ_16K | SZ_64K,
};

/* RISC-V Sv39/48/57 (struct ioasid_format_riscv). */
static const struct ioasid_format_info contract_riscv = {
	.format = IOASID_FORMAT_RISCV,
	.out_format_flags = IOASID_RISCV_AD_UPDATE | IOASID_RISCV_SVNAPOT |
			    IOASID_RISCV_SVPBMT,
	.out_bind_flags = IOASID_BIND_RISCV_SUM,
	.out_pgsize_bitmap = SZ_4K | SZ_64K | SZ_2M | SZ_1G | SZ_512G | SZ_256T,
	.out_levels_bitmap = (1ULL << 3) | (1ULL << 4) | (1ULL << 5),
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 56,
	.out_input_bits = 57,
	.out_granule_bitmap = SZ_4K,
};

/*
 * AMD v1 (struct ioasid_format_amd_v1): every power of two from 4 KiB to
 * 2^52, the largest a leaf below 2^52 can be (a descriptor may declare
 * more, up to the top level's span: never met).
 */
static const struct ioasid_format_info contract_amd_v1 = {
	.format = IOASID_FORMAT_AMD_V1,
	.out_format_flags = IOASID_AMD_V1_AD_UPDATE,
	.out_bind_flags = 0,
	.out_pgsize_bitmap = (1ULL << 53) - SZ_4K,
	.out_levels_bitmap = 0x7e,		/* 1 to 6 */
	.out_min_phys_bits = 32,
	.out_max_phys_bits = 52,
	.out_input_bits = 64,
	.out_granule_bitmap = SZ_4K,
};

const struct ioasid_format_info *contract_format(uint32_t format)
{
	switch (format) {
	case IOASID_FORMAT_X86_64:
		return &contract_x86_64;
	case IOASID_FORMAT_ARM64:
		return &contract_arm64;
	case IOASID_FORMAT_RISCV:
		return &contract_riscv;
	case IOASID_FORMAT_AMD_V1:
		return &contract_amd_v1;
	}
	return kind_info(format);
}

uint64_t contract_all_bind_flags(void)
{
	return contract_x86_64.out_bind_flags | contract_arm64.out_bind_flags |
	       contract_riscv.out_bind_flags | contract_amd_v1.out_bind_flags;
}

/* The levels of a half of @tsz (64 - input bits) with granule 2^@tg. */
unsigned int contract_arm64_levels(uint32_t tsz, uint32_t tg)
{
	uint32_t bits = 64 - tsz, stride = tg - 3;

	return (bits - tg + stride - 1) / stride;
}

uint64_t contract_arm64_top_align(uint32_t tsz, uint32_t tg)
{
	uint32_t bits = 64 - tsz, stride = tg - 3;
	uint32_t top = bits - tg - (contract_arm64_levels(tsz, tg) - 1) * stride;
	uint64_t size = 8ULL << top;

	return size < 64 ? 64 : size;
}

uint64_t contract_root_align(const struct m_format *fmt, unsigned int half)
{
	if (fmt->format != IOASID_FORMAT_ARM64)
		return SZ_4K;
	return contract_arm64_top_align(fmt->tsz[half], fmt->tg[half]);
}

bool contract_has_ttb1(const struct m_format *fmt)
{
	return fmt->format == IOASID_FORMAT_ARM64 &&
	       !(fmt->flags & IOASID_ARM64_EPD1);
}

/* A node that MAP, UNMAP, IOVA_RANGES, RESERVE_IOVA, DIRTY_* take. */
static bool kernel_managed(const struct m_node *n)
{
	return n->mode == IOASID_MODE_KERNEL_MANAGED;
}

static bool aligned(const struct model *m, uint64_t v)
{
	return !(v & (m->granule - 1));
}

/* Zero length or misaligned values: EINVAL; running past 2^64 - 1: EOVERFLOW. */
static bool check_range(const struct model *m, struct expect *x, uint64_t start,
			uint64_t len)
{
	if (!len || !aligned(m, start) || !aligned(m, len)) {
		ex_add(x, EINVAL);
		return false;
	}
	if (range_wraps(start, len)) {
		ex_add(x, EOVERFLOW);
		return false;
	}
	return true;
}

/* The generic rules at the top of the header ------------------------------ */

/*
 * Adjust an ioctl's outcomes for how its struct was passed. @acts are the
 * outcomes that write outputs back or change state: they cannot happen when
 * the struct is read-only (EFAULT instead) or asks for more than this
 * kernel knows (E2BIG instead). *@applies says whether the kernel sees the
 * request as made, so that its effects, if any, are the op's own.
 */
struct expect contract_envelope(struct expect op, const struct env *e,
				uint32_t min_size, bool has_out,
				struct expect acts, bool *applies)
{
	struct expect x = op;

	*applies = false;
	if (e->place == PLACE_NULL || e->place == PLACE_GUARD)
		return ex_of(EFAULT);
	if (e->size < min_size)
		return ex_of(EINVAL);
	if (e->tail == TAIL_NONZERO) {
		x.b[0] &= ~acts.b[0];
		x.b[1] &= ~acts.b[1];
		ex_add(&x, E2BIG);
		return x;
	}
	if (e->place == PLACE_RO && has_out) {
		x.b[0] &= ~acts.b[0];
		x.b[1] &= ~acts.b[1];
		ex_add(&x, EFAULT);
		return x;
	}
	*applies = true;
	return x;
}

/* ENOTTY: the ioctl number is not one this module implements. */
struct expect contract_bad_ioctl(void)
{
	return ex_of(ENOTTY);
}

/* GET_INFO: only the generic errors. */
struct expect contract_get_info(const struct ioasid_info *c)
{
	struct expect x = EX_NONE;

	if (c->flags || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	return ex_or_ok(x);
}

/* A granule's page and block sizes (Arm64, @tg its log2). */
static uint64_t arm64_granule_sizes(uint32_t tg)
{
	switch (tg) {
	case 12:
		return SZ_4K | SZ_2M | SZ_1G;
	case 14:
		return SZ_16K | SZ_32M;
	case 16:
		return SZ_64K | SZ_512M;
	}
	return 0;
}

/* Arm64's values (struct ioasid_format_arm64's kernel-doc). */
static void check_arm64(struct expect *x, const struct ioasid_format_arm64 *a)
{
	const struct ioasid_format_info *fi = &contract_arm64;
	uint64_t sizes = arm64_granule_sizes(a->tg0) | arm64_granule_sizes(a->tg1);
	uint64_t pg = a->pgsize_bitmap;

	if (a->flags & ~fi->out_format_flags || a->__reserved ||
	    a->oas_bits == 52)		/* BIG_ENDIAN: not in out_format_flags */
		ex_add(x, EOPNOTSUPP);
	if (a->t0sz < 16 || a->t0sz > 39 || a->t1sz < 16 || a->t1sz > 39 ||
	    !arm64_granule_sizes(a->tg0) || !arm64_granule_sizes(a->tg1))
		ex_add(x, EINVAL);
	switch (a->oas_bits) {
	case 32: case 36: case 40: case 42: case 44: case 48: case 52:
		break;
	default:
		ex_add(x, EINVAL);
	}
	/* HD needs HA (CD.HD without CD.HA). */
	if ((a->flags & (IOASID_ARM64_HA | IOASID_ARM64_HD)) == IOASID_ARM64_HD)
		ex_add(x, EINVAL);
	/* Each granule's page size in it, and no size of another granule. */
	if (pg && sizes && (pg & ~sizes ||
			    !(pg & (1ULL << a->tg0)) || !(pg & (1ULL << a->tg1))))
		ex_add(x, EINVAL);
}

/* RISC-V's values: Sv39/48/57, 32 to 56 bits, the sizes of those levels. */
static void check_riscv(struct expect *x, const struct ioasid_format_riscv *r)
{
	const struct ioasid_format_info *fi = &contract_riscv;
	uint64_t sizes = SZ_4K | SZ_2M | SZ_1G, pg = r->pgsize_bitmap;

	if (r->flags & ~fi->out_format_flags || r->__reserved)
		ex_add(x, EOPNOTSUPP);
	if (r->levels < 3 || r->levels > 5 || r->phys_bits < fi->out_min_phys_bits ||
	    r->phys_bits > fi->out_max_phys_bits)
		ex_add(x, EINVAL);
	if (r->levels >= 4)
		sizes |= SZ_512G;
	if (r->levels >= 5)
		sizes |= SZ_256T;
	if (r->flags & IOASID_RISCV_SVNAPOT)
		sizes |= SZ_64K;
	if (pg && (!(pg & SZ_4K) || pg & ~sizes))
		ex_add(x, EINVAL);
}

/* AMD v1's values: Mode 1 to 6, 32 to 52 bits, sizes up to the top's span. */
static void check_amd_v1(struct expect *x, const struct ioasid_format_amd_v1 *d)
{
	const struct ioasid_format_info *fi = &contract_amd_v1;
	uint64_t pg = d->pgsize_bitmap, sizes = ~(SZ_4K - 1);

	if (d->flags & ~fi->out_format_flags || d->__reserved)
		ex_add(x, EOPNOTSUPP);
	if (d->levels < 1 || d->levels > 6 || d->phys_bits < fi->out_min_phys_bits ||
	    d->phys_bits > fi->out_max_phys_bits)
		ex_add(x, EINVAL);
	else if (12 + 9 * d->levels < 63)	/* up to the span, itself included */
		sizes &= (1ULL << (12 + 9 * d->levels + 1)) - 1;
	if (pg && (!(pg & SZ_4K) || pg & ~sizes))
		ex_add(x, EINVAL);
}

/*
 * A user-managed node's format descriptor, @len bytes at @d as the kernel
 * reads them (@readable: the pointer is good): EFAULT unreadable, EINVAL a
 * size member that is not @len or shorter than the descriptor as first
 * shipped (32 bytes, every format) or values the format does not take,
 * E2BIG a non-zero tail, EOPNOTSUPP an unknown format, flag or non-zero
 * __reserved (and Arm64's BIG_ENDIAN and 52-bit output).
 */
static void check_descriptor(struct expect *x, const uint8_t *d, uint32_t len,
			     bool readable)
{
	const struct ioasid_format_info *fi;
	struct ioasid_format_x86_64 fmt = { 0 };
	uint8_t raw[32] = { 0 };
	uint64_t pg;
	uint32_t i;

	_Static_assert(sizeof(fmt) == sizeof(raw) &&
		       sizeof(struct ioasid_format_arm64) == sizeof(raw) &&
		       sizeof(struct ioasid_format_riscv) == sizeof(raw) &&
		       sizeof(struct ioasid_format_amd_v1) == sizeof(raw) &&
		       sizeof(struct ioasid_format_smmuv3_cd) == sizeof(raw) &&
		       sizeof(struct ioasid_format_amd_gcr3) == sizeof(raw) &&
		       sizeof(struct ioasid_format_riscv_pdt) == sizeof(raw),
		       "every descriptor as first shipped is 32 bytes");
	if (len < sizeof(fmt))		/* every descriptor as first shipped */
		ex_add(x, EINVAL);
	if (len > 4096) {		/* its tail is checked: bounded */
		ex_add(x, E2BIG);
		return;
	}
	if (!readable) {
		if (len)
			ex_add(x, EFAULT);
		return;
	}
	if (len < sizeof(struct ioasid_format_header))
		return;
	memcpy(raw, d, len < sizeof(raw) ? len : sizeof(raw));
	memcpy(&fmt, raw, sizeof(fmt));
	if (fmt.hdr.size != len)
		ex_add(x, EINVAL);
	fi = contract_format(fmt.hdr.format);
	if (!fi) {
		ex_add(x, EOPNOTSUPP);
		return;
	}
	if (len < sizeof(fmt))
		return;
	for (i = sizeof(fmt); i < len; i++)
		if (d[i]) {
			ex_add(x, E2BIG);
			break;
		}
	switch (fmt.hdr.format) {
	case IOASID_FORMAT_ARM64:
		check_arm64(x, (const struct ioasid_format_arm64 *)raw);
		return;
	case IOASID_FORMAT_RISCV:
		check_riscv(x, (const struct ioasid_format_riscv *)raw);
		return;
	case IOASID_FORMAT_AMD_V1:
		check_amd_v1(x, (const struct ioasid_format_amd_v1 *)raw);
		return;
	case IOASID_FORMAT_SMMUV3_CD:
	case IOASID_FORMAT_AMD_GCR3:
	case IOASID_FORMAT_RISCV_PDT:
		kind_check_descriptor(x, raw);
		return;
	}
	if (fmt.flags & ~fi->out_format_flags || fmt.__reserved)
		ex_add(x, EOPNOTSUPP);
	if (fmt.levels >= 64 || !(fi->out_levels_bitmap >> fmt.levels & 1))
		ex_add(x, EINVAL);
	if (fmt.phys_bits < fi->out_min_phys_bits ||
	    fmt.phys_bits > fi->out_max_phys_bits)
		ex_add(x, EINVAL);
	pg = fmt.pgsize_bitmap;
	if (pg && (!(pg & SZ_4K) || pg & ~fi->out_pgsize_bitmap))
		ex_add(x, EINVAL);
}

/*
 * ALLOC: EOPNOTSUPP mode, format, flags; ENOENT parent, a fault_queue_id
 * that is no queue; EMLINK depth; EINVAL a user-managed root, a
 * kernel-managed node with a format, IOASID_ALLOC_CACHING_MODE or
 * IOASID_ALLOC_PRI_AUTO_INVALID, a bad descriptor; E2BIG its tail; EFAULT
 * its pointer. @desc: the @format_len bytes at @format when @desc_ok.
 */
struct expect contract_alloc(struct model *m, const struct ioasid_alloc *c,
			     const uint8_t *desc, bool desc_ok)
{
	bool user = c->mode == IOASID_MODE_USER_MANAGED && m->has_user;
	struct expect x = EX_NONE;
	struct m_node *p;

	if (c->flags & ~ALLOC_FLAGS || c->__reserved2)
		ex_add(&x, EOPNOTSUPP);
	if (c->fault_queue_id && !model_queue(m, c->fault_queue_id))
		ex_add(&x, ENOENT);
	if (c->mode != IOASID_MODE_KERNEL_MANAGED && !user)
		ex_add(&x, EOPNOTSUPP);
	if (c->parent_id) {
		p = model_node(m, c->parent_id);
		if (!p)
			ex_add(&x, ENOENT);
		else if (p->depth >= m->max_depth)
			ex_add(&x, EMLINK);
		/* Nothing below a PASID-table kind (PASID_ROUND contract). */
		if (kind_node(p))
			ex_add(&x, EINVAL);
	}
	if (c->mode == IOASID_MODE_KERNEL_MANAGED &&
	    (c->format || c->format_len || c->flags & ALLOC_FLAGS))
		ex_add(&x, EINVAL);
	if (user) {
		if (!c->parent_id)
			ex_add(&x, EINVAL);
		check_descriptor(&x, desc, c->format_len, desc_ok && c->format);
	}
	return ex_or_ok(x);
}

/* FORMAT_INFO: EOPNOTSUPP an unknown format (and flags, __reserved*). */
struct expect contract_format_info(struct model *m,
				   const struct ioasid_format_info *c)
{
	struct expect x = EX_NONE;

	(void)m;
	if (c->flags || c->__reserved || c->__reserved2 ||
	    !contract_format(c->format))
		ex_add(&x, EOPNOTSUPP);
	return ex_or_ok(x);
}

/*
 * DESTROY: ENOENT; EBUSY for children, attachments, an attached device, a
 * fault queue a node names.
 */
struct expect contract_destroy(struct model *m, const struct ioasid_destroy *c)
{
	struct m_node *n = model_node(m, c->id);
	struct m_dev *d = model_dev(m, c->id);

	if (n)
		return ex_of(n->nchildren || n->nattached ? EBUSY : 0);
	if (d)
		return ex_of(d->natts ? EBUSY : 0);
	if (model_queue(m, c->id))
		return ex_of(model_queue_nodes(m, c->id) ? EBUSY : 0);
	return ex_of(ENOENT);
}

/* NODE_INFO: ENOENT. */
struct expect contract_node_info(struct model *m,
				 const struct ioasid_node_info *c)
{
	struct expect x = EX_NONE;

	if (c->flags || c->__reserved || c->__reserved2)
		ex_add(&x, EOPNOTSUPP);
	if (!model_node(m, c->id))
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}

/* Can a root pin [addr, addr + len) of the fuzzer's memory? */
static bool pinnable(const struct model *m, uint64_t addr, uint64_t len,
		     bool write)
{
	if (addr >= m->rw_start && len <= m->rw_len &&
	    addr - m->rw_start <= m->rw_len - len)
		return true;
	return !write && addr >= m->ro_start && len <= m->ro_len &&
	       addr - m->ro_start <= m->ro_len - len;
}

/* The destination rules MAP and COPY share, for a well-formed range. */
static void check_dest(struct model *m, struct expect *x, struct m_node *n,
		       bool fixed, uint64_t iova, uint64_t len, uint64_t src)
{
	uint64_t where;

	if (fixed) {
		if (model_overlaps_map(n, iova, len))
			ex_add(x, EEXIST);
		if (model_overlaps_res(n, iova, len))
			ex_add(x, EADDRINUSE);
	} else if (model_find_free(n, len, model_align_for(m, src), &where)) {
		ex_add(x, ENOSPC);
	}
}

/*
 * MAP: EINVAL zero length, misaligned, no permission; EOVERFLOW; ENOENT;
 * EEXIST; EADDRINUSE; ENOSPC; ENOMEM (RLIMIT_MEMLOCK); EFAULT (memory).
 */
struct expect contract_map(struct model *m, const struct ioasid_map *c,
			   bool capable)
{
	bool fixed = c->flags & IOASID_MAP_FIXED_IOVA;
	struct expect x = EX_NONE;
	struct m_node *n = model_node(m, c->id);
	bool src_ok, dst_ok = true;

	if (c->flags & ~MAP_FLAGS || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!(c->flags & RW_PROT))
		ex_add(&x, EINVAL);
	src_ok = check_range(m, &x, c->addr, c->length);
	if (fixed)
		dst_ok = check_range(m, &x, c->iova, c->length);
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!kernel_managed(n)) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (src_ok && dst_ok)
		check_dest(m, &x, n, fixed, c->iova, c->length, c->addr);
	if (!n->parent && c->length &&
	    !pinnable(m, c->addr, c->length, c->flags & IOASID_MAP_WRITE))
		ex_add(&x, EFAULT);
	if (!n->parent && !capable && ex_empty(&x)) {
		ex_add(&x, ENOMEM);
		ex_add(&x, 0);
	}
	return ex_or_ok(x);
}

/*
 * UNMAP: EINVAL zero length, misaligned, non-zero with UNMAP_ALL;
 * EOVERFLOW; ENOENT no node, nothing in the range, a split.
 */
struct expect contract_unmap(struct model *m, const struct ioasid_unmap *c)
{
	struct expect x = EX_NONE;
	struct m_node *n = model_node(m, c->id);
	bool range_ok = true, inside = false, split = false;
	unsigned int i;

	if (c->flags & ~IOASID_UNMAP_ALL || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (c->flags & IOASID_UNMAP_ALL) {
		if (c->iova || c->length) {
			ex_add(&x, EINVAL);
			range_ok = false;
		}
	} else {
		range_ok = check_range(m, &x, c->iova, c->length);
	}
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!kernel_managed(n)) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (!range_ok)
		return x;
	if (c->flags & IOASID_UNMAP_ALL) {
		/*
		 * "Unmap every mapping of the node": of none, the header does
		 * not say whether that is ENOENT ("no mapping in the range")
		 * or nothing done. Both are accepted.
		 */
		if (!n->nmaps && ex_empty(&x)) {
			ex_add(&x, 0);
			ex_add(&x, ENOENT);
		}
		return ex_or_ok(x);
	}
	for (i = 0; i < n->nmaps; i++) {
		const struct m_map *map = &n->maps[i];

		if (!range_overlap(map->iova, map->len, c->iova, c->length))
			continue;
		inside = true;
		if (map->iova < c->iova ||
		    map->iova + (map->len - 1) > c->iova + (c->length - 1))
			split = true;
	}
	if (!inside || split)
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}

/*
 * COPY: MAP's destination errors, EINVAL for a non-root, ENOENT for a hole
 * in the source, EPERM for permissions the source lacks.
 */
struct expect contract_copy(struct model *m, const struct ioasid_copy *c)
{
	bool fixed = c->flags & IOASID_MAP_FIXED_IOVA;
	struct m_node *src = model_node(m, c->src_id);
	struct m_node *dst = model_node(m, c->dst_id);
	uint32_t prot = c->flags & RW_PROT;
	struct expect x = EX_NONE;
	bool src_ok, dst_ok = true, covered = false;
	uint64_t cursor, last;
	unsigned int i;

	if (c->flags & ~MAP_FLAGS || c->__reserved || c->__reserved2)
		ex_add(&x, EOPNOTSUPP);
	if (!prot)
		ex_add(&x, EINVAL);
	src_ok = check_range(m, &x, c->src_iova, c->length);
	if (fixed)
		dst_ok = check_range(m, &x, c->dst_iova, c->length);
	if (!src || !dst) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (src->parent || dst->parent) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (!src_ok)
		return x;
	/* The source range must be mapped throughout, with @prot. */
	cursor = c->src_iova;
	last = c->src_iova + (c->length - 1);
	for (i = 0; i < src->nmaps; i++) {
		const struct m_map *map = &src->maps[i];

		if (!range_overlap(map->iova, map->len, c->src_iova, c->length))
			continue;
		if (map->iova > cursor)
			break;
		if (prot & ~map->prot)
			ex_add(&x, EPERM);
		if (map->iova + (map->len - 1) >= last) {
			covered = true;
			break;
		}
		cursor = map->iova + map->len;
	}
	if (!covered)
		ex_add(&x, ENOENT);
	if (dst_ok)
		check_dest(m, &x, dst, fixed, c->dst_iova, c->length, c->src_iova);
	return ex_or_ok(x);
}

/*
 * BATCH, the request itself (nothing runs when one applies): EOPNOTSUPP
 * op; EINVAL entry_size too small; E2BIG count, entry_size above 4096. The entries'
 * own outcomes are those of MAP and UNMAP (ops.c runs them in the model).
 */
struct expect contract_batch(struct model *m, const struct ioasid_batch *c)
{
	struct expect x = EX_NONE;
	uint32_t min;

	if (c->flags || c->__reserved || c->__reserved2)
		ex_add(&x, EOPNOTSUPP);
	if (c->op == IOASID_CMD_MAP)
		min = sizeof(struct ioasid_map);
	else if (c->op == IOASID_CMD_UNMAP)
		min = sizeof(struct ioasid_unmap);
	else
		min = 0, ex_add(&x, EOPNOTSUPP);
	if (min && c->entry_size < min)
		ex_add(&x, EINVAL);
	if (c->count > m->max_batch || c->entry_size > 4096)
		ex_add(&x, E2BIG);
	return x;	/* empty: the entries run */
}

/*
 * One BATCH entry, as copied: EFAULT unreadable (or E2BIG, when its tail
 * is non-zero and the kernel may meet that before the unreadable part),
 * EINVAL size member not @entry_size, E2BIG a non-zero tail. Empty: it
 * runs as MAP or UNMAP.
 */
struct expect contract_batch_entry(uint32_t entry_size, uint32_t entry_field,
				   bool tail_nonzero, bool readable)
{
	struct expect x = EX_NONE;

	if (!readable) {
		/* Cut short: a non-zero tail byte before the cut may come first. */
		x = ex_of(EFAULT);
		if (tail_nonzero)
			ex_add(&x, E2BIG);
		return x;
	}
	if (entry_field != entry_size)
		ex_add(&x, EINVAL);
	if (tail_nonzero)
		ex_add(&x, E2BIG);
	return x;
}

/* IOVA_RANGES: ENOENT; EMSGSIZE too little room; EFAULT a bad @ranges. */
struct expect contract_iova_ranges(struct model *m,
				   const struct ioasid_iova_ranges *c,
				   bool ranges_ok)
{
	uint64_t starts[1], lasts[1];
	struct expect x = EX_NONE;
	struct m_node *n = model_node(m, c->id);
	unsigned int count;

	if (c->flags || c->__reserved || c->__reserved2)
		ex_add(&x, EOPNOTSUPP);
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!kernel_managed(n)) {
		ex_add(&x, EINVAL);
		return x;
	}
	count = model_iova_ranges(n, starts, lasts, 0);
	if (count > c->num_ranges)
		ex_add(&x, EMSGSIZE);
	if (!ranges_ok && count && c->num_ranges)
		ex_add(&x, EFAULT);
	return ex_or_ok(x);
}

/*
 * RESERVE_IOVA: EINVAL; EOVERFLOW; ENOENT no node or (REMOVE) no exact
 * reservation; EADDRINUSE a mapping in the range.
 */
struct expect contract_reserve(struct model *m,
			       const struct ioasid_reserve_iova *c)
{
	struct expect x = EX_NONE;
	struct m_node *n = model_node(m, c->id);
	bool range_ok;
	unsigned int i;

	if (c->flags & ~IOASID_RESERVE_REMOVE || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	range_ok = check_range(m, &x, c->iova, c->length);
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!kernel_managed(n)) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (!range_ok)
		return x;
	if (c->flags & IOASID_RESERVE_REMOVE) {
		for (i = 0; i < n->nres; i++)
			if (n->res[i].iova == c->iova && n->res[i].len == c->length)
				break;
		if (i == n->nres)
			ex_add(&x, ENOENT);
	} else if (model_overlaps_map(n, c->iova, c->length)) {
		ex_add(&x, EADDRINUSE);
	}
	return ex_or_ok(x);
}

/*
 * OPTION of an object (FAULT_QUEUE: a node; FAULT_TIMEOUT_MS: a fault
 * queue): EINVAL no object, an object of the other kind, a value (a queue
 * id past 32 bits, a timeout above 3600000); ENOENT an object_id that names
 * nothing, (FAULT_QUEUE SET) a value that names no queue.
 */
static void contract_object_option(struct model *m, const struct ioasid_option *c,
				   struct expect *x)
{
	bool set = c->op == IOASID_OPTION_OP_SET;

	if (!c->object_id) {
		ex_add(x, EINVAL);
	} else if (!model_id_live(m, c->object_id)) {
		ex_add(x, ENOENT);
	} else if (c->option_id == IOASID_OPTION_FAULT_QUEUE) {
		if (!model_node(m, c->object_id))
			ex_add(x, EINVAL);
		else if (set && c->val64 > UINT32_MAX)
			ex_add(x, EINVAL);
		else if (set && c->val64 && !model_queue(m, c->val64))
			ex_add(x, ENOENT);
	} else {
		if (!model_queue(m, c->object_id))
			ex_add(x, EINVAL);
		else if (set && c->val64 > 3600000)
			ex_add(x, EINVAL);
	}
}

/*
 * OPTION: EOPNOTSUPP option or op; ENOENT an object_id that names nothing;
 * EINVAL one that names an object (ACCOUNT_MODE is context-wide), a value;
 * EBUSY pages pinned. The options of an object: contract_object_option().
 */
struct expect contract_option(struct model *m, const struct ioasid_option *c)
{
	struct expect x = EX_NONE;

	if (c->option_id == IOASID_OPTION_FAULT_QUEUE ||
	    c->option_id == IOASID_OPTION_FAULT_TIMEOUT_MS) {
		if (c->op != IOASID_OPTION_OP_SET && c->op != IOASID_OPTION_OP_GET)
			ex_add(&x, EOPNOTSUPP);
		contract_object_option(m, c, &x);
		return ex_or_ok(x);
	}
	if (c->option_id != IOASID_OPTION_ACCOUNT_MODE)
		ex_add(&x, EOPNOTSUPP);
	if (c->object_id)
		ex_add(&x, model_id_live(m, c->object_id) ? EINVAL : ENOENT);
	if (c->op == IOASID_OPTION_OP_SET) {
		if (c->val64 != IOASID_ACCOUNT_USER &&
		    c->val64 != IOASID_ACCOUNT_PROCESS)
			ex_add(&x, EINVAL);
		if (c->option_id == IOASID_OPTION_ACCOUNT_MODE &&
		    model_any_pinned(m))
			ex_add(&x, EBUSY);
	} else if (c->op != IOASID_OPTION_OP_GET) {
		ex_add(&x, EOPNOTSUPP);
	}
	return ex_or_ok(x);
}

/*
 * DEVICE_CREATE: EOPNOTSUPP flags, __reserved; EINVAL pasid_bits,
 * pri_max_pending above 4096 or without IOASID_DEVICE_PRI.
 */
struct expect contract_dev_create(struct model *m,
				  const struct ioasid_device_create *c)
{
	struct expect x = EX_NONE;

	if (c->flags & ~(IOASID_DEVICE_PASID | IOASID_DEVICE_PRI) || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (c->flags & IOASID_DEVICE_PASID ?
	    !c->pasid_bits || c->pasid_bits > m->max_pasid_bits : c->pasid_bits)
		ex_add(&x, EINVAL);
	if (c->flags & IOASID_DEVICE_PRI ? c->pri_max_pending > 4096 : c->pri_max_pending)
		ex_add(&x, EINVAL);
	return ex_or_ok(x);
}

/* DEVICE_INFO: ENOENT. */
struct expect contract_dev_info(struct model *m,
				const struct ioasid_device_info *c)
{
	struct expect x = EX_NONE;

	if (c->flags)
		ex_add(&x, EOPNOTSUPP);
	if (!model_dev(m, c->dev_id))
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}

/*
 * A PASID the device can issue: with the flag, a PASID device and a PASID
 * within its width; without, PASID 0.
 */
bool contract_pasid_key(const struct m_dev *d, bool has_pasid, uint32_t pasid,
			uint32_t *key)
{
	if (!has_pasid) {
		*key = M_NO_PASID;
		return !pasid;
	}
	*key = pasid;
	return d->flags & IOASID_DEVICE_PASID && !(pasid >> d->pasid_bits);
}

/*
 * ATTACH of a PCI device: EOPNOTSUPP a PASID or REPLACE (out_caps has
 * neither); EINVAL @pasid; EBUSY attached; EINVAL a user-managed node at or
 * above the node without IOASID_ALLOC_CACHING_MODE; EADDRINUSE a mapping of
 * the node in the device's reserved ranges (the MSI window, outside the
 * aperture).
 */
static struct expect contract_attach_pci(struct model *m,
					 const struct ioasid_attach *c,
					 const struct m_dev *d, struct expect x)
{
	struct m_node *n = model_node(m, c->node_id), *a;
	unsigned int i, k;

	if (c->flags & (IOASID_ATTACH_PASID | IOASID_ATTACH_REPLACE))
		ex_add(&x, EOPNOTSUPP);
	else if (c->pasid)
		ex_add(&x, EINVAL);
	if (!n)
		return x;
	if (d->natts)
		ex_add(&x, EBUSY);
	/* A PASID-table kind: no shadow domain of a guest PASID table. */
	if (kind_node(n))
		ex_add(&x, EOPNOTSUPP);
	for (a = n; a; a = model_node(m, a->parent))
		if (a->mode == IOASID_MODE_USER_MANAGED && !a->caching)
			ex_add(&x, EINVAL);
	for (i = 0; i < n->nmaps; i++)
		for (k = 0; k < m->npci_res; k++)
			if (range_overlap(n->maps[i].iova, n->maps[i].len,
					  m->pci_res[k].iova, m->pci_res[k].len))
				ex_add(&x, EADDRINUSE);
	return ex_or_ok(x);
}

/*
 * ATTACH: ENOENT device, node, (REPLACE) nothing attached; EINVAL PASID;
 * EBUSY already attached. PCI devices: contract_attach_pci().
 */
struct expect contract_attach(struct model *m, const struct ioasid_attach *c)
{
	bool replace = c->flags & IOASID_ATTACH_REPLACE;
	struct m_dev *d = model_dev(m, c->dev_id);
	struct expect x = EX_NONE;
	uint32_t key;

	if (c->flags & ~(IOASID_ATTACH_PASID | IOASID_ATTACH_REPLACE) ||
	    c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!model_node(m, c->node_id))
		ex_add(&x, ENOENT);
	if (!d) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (d->pci)
		return contract_attach_pci(m, c, d, x);
	if (!contract_pasid_key(d, c->flags & IOASID_ATTACH_PASID, c->pasid, &key)) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (replace && !model_att(d, key))
		ex_add(&x, ENOENT);
	if (!replace && model_att(d, key))
		ex_add(&x, EBUSY);
	return ex_or_ok(x);
}

/* DETACH: ENOENT device, nothing attached; EINVAL PASID, non-zero node_id. */
struct expect contract_detach(struct model *m, const struct ioasid_attach *c)
{
	struct m_dev *d = model_dev(m, c->dev_id);
	struct expect x = EX_NONE;
	uint32_t key;

	if (c->flags & ~IOASID_ATTACH_PASID || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (c->node_id)
		ex_add(&x, EINVAL);
	if (!d) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (d->pci) {
		/* No PASID attach: EOPNOTSUPP for the flag. */
		if (c->flags & IOASID_ATTACH_PASID)
			ex_add(&x, EOPNOTSUPP);
		else if (c->pasid)
			ex_add(&x, EINVAL);
		else if (!d->natts)
			ex_add(&x, ENOENT);
		return ex_or_ok(x);
	}
	if (!contract_pasid_key(d, c->flags & IOASID_ATTACH_PASID, c->pasid, &key))
		ex_add(&x, EINVAL);
	else if (!model_att(d, key))
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}

/*
 * DMA: before any transfer, EINVAL zero length or PASID, a group without
 * RETRY, ENOENT device; (RETRY) ESTALE a group this device never raised
 * (no software endpoint of this context issues page requests: every group
 * is one). Then the transfer stops at the first byte that does not
 * translate with the access asked (EIO, @xlate_ok bytes in) or that is not
 * the caller's memory (EFAULT, @buf_ok bytes in); *@done is where. Both at
 * the same byte: either.
 */
struct expect contract_dma(struct model *m, const struct ioasid_dma *c,
			   uint64_t xlate_ok, uint64_t buf_ok,
			   uint64_t *done, bool *transfer)
{
	struct m_dev *d = model_dev(m, c->dev_id);
	struct expect x = EX_NONE;
	uint32_t key;

	*transfer = false;
	*done = 0;
	if (c->flags & ~(DMA_FLAGS | DMA_PRI_FLAGS))
		ex_add(&x, EOPNOTSUPP);
	if (!c->length || contract_exec_write(c->flags) ||
	    (c->group && !(c->flags & IOASID_DMA_RETRY)))
		ex_add(&x, EINVAL);
	if (!d || d->pci)
		ex_add(&x, ENOENT);	/* a PCI device does DMA itself */
	else if (!contract_pasid_key(d, c->flags & IOASID_DMA_PASID, c->pasid, &key))
		ex_add(&x, EINVAL);
	if (ex_empty(&x) && c->flags & IOASID_DMA_RETRY)
		ex_add(&x, ESTALE);
	if (!ex_empty(&x)) {
		if (!buf_ok && c->length)
			ex_add(&x, EFAULT);	/* not memory at @buffer + 0 */
		return x;
	}
	*transfer = true;
	*done = xlate_ok < buf_ok ? xlate_ok : buf_ok;
	if (*done >= c->length) {
		*done = c->length;
		return ex_of(0);
	}
	if (xlate_ok <= buf_ok)
		ex_add(&x, EIO);
	if (buf_ok <= xlate_ok)
		ex_add(&x, EFAULT);
	return x;
}

/*
 * TRANSLATE: ENOENT device; EINVAL PASID; EIO not attached, not mapped,
 * not permitted for the access asked. *@translated and @w: the model's
 * translation, when the call must succeed.
 */
struct expect contract_translate(struct model *m,
				 const struct ioasid_translate *c,
				 struct m_walk *w, bool *translated)
{
	uint32_t access = c->flags & IOASID_DMA_WRITE ? IOASID_MAP_WRITE :
							 IOASID_MAP_READ;
	struct m_dev *d = model_dev(m, c->dev_id);
	struct expect x = EX_NONE;
	struct m_att *att;
	uint32_t key;

	*translated = false;
	if (c->flags & ~DMA_FLAGS || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (contract_exec_write(c->flags))
		ex_add(&x, EINVAL);
	if (!d || d->pci) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!contract_pasid_key(d, c->flags & IOASID_DMA_PASID, c->pasid, &key)) {
		ex_add(&x, EINVAL);
		return x;
	}
	att = model_att(d, key);
	if (!att || model_walk(m, att->node, c->iova, w) || !(w->prot & access)) {
		ex_add(&x, EIO);
		return x;
	}
	*translated = ex_empty(&x);
	return ex_or_ok(x);
}

/* DIRTY_TRACKING: ENOENT. */
struct expect contract_dirty_tracking(struct model *m,
				      const struct ioasid_dirty_tracking *c)
{
	struct expect x = EX_NONE;

	struct m_node *n = model_node(m, c->id);

	if (c->flags & ~IOASID_DIRTY_ENABLE || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!n)
		ex_add(&x, ENOENT);
	else if (!kernel_managed(n))
		ex_add(&x, EINVAL);
	return ex_or_ok(x);
}

/*
 * DIRTY_BITMAP: ENOENT; EINVAL tracking off, misaligned, zero length, a bad
 * page size; EOVERFLOW; EFAULT a bad @data.
 */
struct expect contract_dirty_bitmap(struct model *m,
				    const struct ioasid_dirty_bitmap *c,
				    bool data_ok)
{
	struct expect x = EX_NONE;
	struct m_node *n = model_node(m, c->id);
	uint64_t ps = c->page_size;
	bool ok = true;

	if (c->flags & ~IOASID_DIRTY_NO_CLEAR || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!ps || ps & (ps - 1) || ps < m->granule ||
	    c->iova & (ps - 1) || c->length & (ps - 1) || !c->length) {
		ex_add(&x, EINVAL);
		ok = false;
	} else if (range_wraps(c->iova, c->length)) {
		ex_add(&x, EOVERFLOW);
		ok = false;
	}
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (!kernel_managed(n) || !n->tracking)
		ex_add(&x, EINVAL);
	else if (ok && !data_ok)
		ex_add(&x, EFAULT);
	return ex_or_ok(x);
}

/*
 * BIND: EOPNOTSUPP a flag the node's format does not take (a bit no format
 * takes: whatever the node) or __reserved; ENOENT no such node; EINVAL a
 * node that is not user-managed, a root not aligned (4 KiB; Arm64: its
 * top-level table's size) or not below 2^phys_bits (Arm64: oas_bits), the
 * same of root1 for an Arm64 node with TTB1, a non-zero root1 for any
 * other, a non-zero entry[] for a page-table format (1 to 4). A PASID-table
 * kind (kinds.h): EINVAL a non-zero root or root1, an entry its kernel-doc
 * refuses.
 */
struct expect contract_bind(struct model *m, const struct ioasid_bind *c)
{
	struct m_node *n = model_node(m, c->id);
	const struct ioasid_format_info *fi;
	struct expect x = EX_NONE;

	if (c->flags & ~contract_all_bind_flags() || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (n->mode != IOASID_MODE_USER_MANAGED) {
		ex_add(&x, EINVAL);
		return x;
	}
	fi = contract_format(n->fmt.format);
	if (c->flags & ~fi->out_bind_flags)
		ex_add(&x, EOPNOTSUPP);
	if (kind_node(n)) {
		/* The guest's entry; root and root1 must be 0. */
		struct expect e = kind_check_entry(&n->fmt, c->entry);

		if (c->root || c->root1 || !ex_has(&e, 0))
			ex_add(&x, EINVAL);
		/* An entry the header leaves open: both, if nothing else applies. */
		if (ex_has(&e, 0) && ex_has(&e, EINVAL)) {
			if (ex_empty(&x))
				ex_add(&x, 0);
			ex_add(&x, EINVAL);
			return x;
		}
		return ex_or_ok(x);
	}
	/* A page-table format takes no entry. */
	if (c->entry[0] || c->entry[1] || c->entry[2] || c->entry[3])
		ex_add(&x, EINVAL);
	if (c->root & (contract_root_align(&n->fmt, 0) - 1) ||
	    c->root >> n->fmt.phys_bits)
		ex_add(&x, EINVAL);
	/* An Arm64 TTB0 half disabled by EPD0 takes no table (as root1, EPD1). */
	if (n->fmt.format == IOASID_FORMAT_ARM64 &&
	    n->fmt.flags & IOASID_ARM64_EPD0 && c->root)
		ex_add(&x, EINVAL);
	if (contract_has_ttb1(&n->fmt)) {
		if (c->root1 & (contract_root_align(&n->fmt, 1) - 1) ||
		    c->root1 >> n->fmt.phys_bits)
			ex_add(&x, EINVAL);
	} else if (c->root1) {
		ex_add(&x, EINVAL);
	}
	return ex_or_ok(x);
}

/*
 * UNBIND: EOPNOTSUPP __reserved, or a flag bit that is no bind flag; EINVAL
 * a non-zero root or root1, or a bind flag (UNBIND takes none); ENOENT no
 * such node, or not bound; EINVAL a node that is not user-managed.
 */
struct expect contract_unbind(struct model *m, const struct ioasid_bind *c)
{
	struct m_node *n = model_node(m, c->id);
	struct expect x = EX_NONE;
	uint64_t known = contract_all_bind_flags();

	if (c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (c->flags & ~known)
		ex_add(&x, EOPNOTSUPP);
	if (c->root || c->root1 || c->flags & known ||
	    c->entry[0] || c->entry[1] || c->entry[2] || c->entry[3])
		ex_add(&x, EINVAL);
	if (!n) {
		ex_add(&x, ENOENT);
		return x;
	}
	if (n->mode != IOASID_MODE_USER_MANAGED) {
		ex_add(&x, EINVAL);
		return x;
	}
	if (!n->bound)
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}

/*
 * INVALIDATE, the request itself (nothing runs when one applies):
 * EOPNOTSUPP flags, __reserved; EINVAL entry_size too small; E2BIG count,
 * entry_size above 4096. Empty: the entries run.
 */
struct expect contract_invalidate(struct model *m,
				  const struct ioasid_invalidate *c)
{
	struct expect x = EX_NONE;

	if (c->flags || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (c->entry_size < sizeof(struct ioasid_inv_entry))
		ex_add(&x, EINVAL);
	if (c->count > m->max_batch || c->entry_size > 4096)
		ex_add(&x, E2BIG);
	return x;
}

/*
 * One INVALIDATE entry, as copied (@readable, @tail_nonzero): EFAULT,
 * E2BIG; EOPNOTSUPP unknown scope or flag bits; ENOENT no such node;
 * EINVAL not user-managed, NO_PASID with SCOPE_PASID, a PASID too wide, a
 * field without its scope, a bad range or granule; EOVERFLOW a range past
 * 2^64 - 1. Success when none applies: an entry never fails for what is
 * (not) cached or in the tables.
 */
struct expect contract_inv_entry(struct model *m,
				 const struct ioasid_inv_entry *e,
				 bool tail_nonzero, bool readable)
{
	const uint32_t scopes = IOASID_INV_SCOPE_PASID | IOASID_INV_SCOPE_ADDR;
	const uint32_t flags = IOASID_INV_NO_PASID | IOASID_INV_LEAF |
			       IOASID_INV_PASID_TABLE;
	struct m_node *n = model_node(m, e->node_id);
	struct expect x = EX_NONE;
	uint64_t g = e->granule;

	if (!readable) {
		/* Cut short: a non-zero tail byte before the cut may come first. */
		x = ex_of(EFAULT);
		if (tail_nonzero)
			ex_add(&x, E2BIG);
		return x;
	}
	if (tail_nonzero)
		ex_add(&x, E2BIG);
	if (e->scope & ~scopes || e->flags & ~flags)
		ex_add(&x, EOPNOTSUPP);
	if (!n)
		ex_add(&x, ENOENT);
	else if (n->mode != IOASID_MODE_USER_MANAGED)
		ex_add(&x, EINVAL);
	/* PASID_TABLE: kind nodes only, and never with SCOPE_ADDR. */
	if (e->flags & IOASID_INV_PASID_TABLE &&
	    ((n && !kind_node(n)) || e->scope & IOASID_INV_SCOPE_ADDR))
		ex_add(&x, EINVAL);
	if (e->scope & IOASID_INV_SCOPE_PASID) {
		if (e->flags & IOASID_INV_NO_PASID ||
		    e->pasid >> m->max_pasid_bits)
			ex_add(&x, EINVAL);
	} else if (e->pasid) {
		ex_add(&x, EINVAL);
	}
	if (e->scope & IOASID_INV_SCOPE_ADDR) {
		if (g < SZ_4K || g & (g - 1) || e->addr & (g - 1) ||
		    e->size & (g - 1) || !e->size)
			ex_add(&x, EINVAL);
		else if (range_wraps(e->addr, e->size))
			ex_add(&x, EOVERFLOW);
	} else {
		/* A field or flag given without its scope. */
		if (e->addr || e->size || g || e->flags & IOASID_INV_LEAF)
			ex_add(&x, EINVAL);
	}
	return ex_or_ok(x);
}

/*
 * FAULT_QUEUE_ALLOC: EOPNOTSUPP flags; EINVAL depth above 65536, timeout
 * above 3600000 or without IOASID_FAULT_QUEUE_TIMEOUT. (EMFILE: the
 * fuzzer holds a few fds only.)
 */
struct expect contract_fq_alloc(struct model *m,
				const struct ioasid_fault_queue_alloc *c)
{
	struct expect x = EX_NONE;

	(void)m;
	if (c->flags & ~FQ_FLAGS)
		ex_add(&x, EOPNOTSUPP);
	if (c->depth > 65536 || c->timeout_ms > 3600000 ||
	    (c->timeout_ms && !(c->flags & IOASID_FAULT_QUEUE_TIMEOUT)))
		ex_add(&x, EINVAL);
	return ex_or_ok(x);
}

/* FAULT_QUEUE_INFO: EOPNOTSUPP flags, __reserved; ENOENT no such queue. */
struct expect contract_fq_info(struct model *m,
			       const struct ioasid_fault_queue_info *c)
{
	struct expect x = EX_NONE;

	if (c->flags || c->__reserved)
		ex_add(&x, EOPNOTSUPP);
	if (!model_queue(m, c->queue_id))
		ex_add(&x, ENOENT);
	return ex_or_ok(x);
}
