/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each call may return, per uapi/linux/ioasid.h: a set of outcomes,
 * 0 for success and errno values for failures. Where the header lists
 * several errors that all apply to a request and does not say which comes
 * first, every one of them is accepted; the fuzzer then follows what the
 * kernel chose.
 */
#ifndef IOASID_FUZZ_CONTRACT_H
#define IOASID_FUZZ_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/ioasid.h>

#include "model.h"

/* A set of outcomes: bit 0 is success, bit e is errno e (< 128). */
struct expect {
	uint64_t b[2];
};

#define EX_NONE		((struct expect){ { 0, 0 } })
#define EX_ALL		((struct expect){ { ~0ULL, ~0ULL } })

static inline void ex_add(struct expect *x, int e)
{
	x->b[(e >> 6) & 1] |= 1ULL << (e & 63);
}

static inline void ex_del(struct expect *x, int e)
{
	x->b[(e >> 6) & 1] &= ~(1ULL << (e & 63));
}

static inline bool ex_has(const struct expect *x, int e)
{
	return e >= 0 && e < 128 && (x->b[e >> 6] >> (e & 63)) & 1;
}

static inline bool ex_empty(const struct expect *x)
{
	return !x->b[0] && !x->b[1];
}

static inline struct expect ex_of(int e)
{
	struct expect x = EX_NONE;

	ex_add(&x, e);
	return x;
}

/* No error applies: success is the only outcome. */
static inline struct expect ex_or_ok(struct expect x)
{
	if (ex_empty(&x))
		ex_add(&x, 0);
	return x;
}

/* How the struct was handed to the kernel (generic rules). */
enum env_place {
	PLACE_RW,	/* ordinary memory */
	PLACE_RO,	/* readable, not writable */
	PLACE_NULL,	/* NULL pointer */
	PLACE_GUARD,	/* an inaccessible page */
};

enum env_tail {
	TAIL_NONE,	/* size <= the struct */
	TAIL_ZERO,	/* size > the struct, extra bytes zero */
	TAIL_NONZERO,	/* size > the struct, a non-zero extra byte */
};

struct env {
	enum env_place place;
	enum env_tail tail;
	uint32_t size;
	bool lib;	/* made through libioasid */
};

struct expect contract_envelope(struct expect op, const struct env *e,
				uint32_t min_size, bool has_out,
				struct expect acts, bool *applies);
struct expect contract_bad_ioctl(void);

/* What FORMAT_INFO reports of x86-64; ALLOC and BIND take what it says. */
extern const struct ioasid_format_info contract_x86_64;
/* The same of any format the header defines; NULL for another number. */
const struct ioasid_format_info *contract_format(uint32_t format);
/* All bind flags any format takes. */
uint64_t contract_all_bind_flags(void);
/*
 * Arm64: the alignment of a half's top-level table (its size, at least 64
 * bytes) and the levels of its walk, from its input size and granule.
 */
uint64_t contract_arm64_top_align(uint32_t tsz, uint32_t tg);
unsigned int contract_arm64_levels(uint32_t tsz, uint32_t tg);
/* A bound node's root alignment: 4 KiB, or Arm64's top table for @half. */
uint64_t contract_root_align(const struct m_format *fmt, unsigned int half);
/* Arm64 with its TTB1 half enabled: BIND takes a root1. */
bool contract_has_ttb1(const struct m_format *fmt);

/* An instruction fetch is a read: with WRITE it is EINVAL. */
static inline bool contract_exec_write(uint32_t flags)
{
	return (flags & (IOASID_DMA_EXEC | IOASID_DMA_WRITE)) ==
	       (IOASID_DMA_EXEC | IOASID_DMA_WRITE);
}

struct expect contract_get_info(const struct ioasid_info *c);
struct expect contract_alloc(struct model *m, const struct ioasid_alloc *c,
			     const uint8_t *desc, bool desc_ok);
struct expect contract_format_info(struct model *m,
				   const struct ioasid_format_info *c);
struct expect contract_bind(struct model *m, const struct ioasid_bind *c);
struct expect contract_unbind(struct model *m, const struct ioasid_bind *c);
struct expect contract_invalidate(struct model *m,
				  const struct ioasid_invalidate *c);
struct expect contract_inv_entry(struct model *m,
				 const struct ioasid_inv_entry *e,
				 bool tail_nonzero, bool readable);
struct expect contract_destroy(struct model *m, const struct ioasid_destroy *c);
struct expect contract_node_info(struct model *m,
				 const struct ioasid_node_info *c);
struct expect contract_map(struct model *m, const struct ioasid_map *c,
			   bool capable);
struct expect contract_unmap(struct model *m, const struct ioasid_unmap *c);
struct expect contract_copy(struct model *m, const struct ioasid_copy *c);
struct expect contract_batch(struct model *m, const struct ioasid_batch *c);
struct expect contract_batch_entry(uint32_t entry_size, uint32_t entry_field,
				   bool tail_nonzero, bool readable);
struct expect contract_iova_ranges(struct model *m,
				   const struct ioasid_iova_ranges *c,
				   bool ranges_ok);
struct expect contract_reserve(struct model *m,
			       const struct ioasid_reserve_iova *c);
struct expect contract_option(struct model *m, const struct ioasid_option *c);
struct expect contract_dev_create(struct model *m,
				  const struct ioasid_device_create *c);
struct expect contract_dev_info(struct model *m,
				const struct ioasid_device_info *c);
struct expect contract_attach(struct model *m, const struct ioasid_attach *c);
struct expect contract_detach(struct model *m, const struct ioasid_attach *c);
struct expect contract_dma(struct model *m, const struct ioasid_dma *c,
			   uint64_t xlate_ok, uint64_t buf_ok,
			   uint64_t *done, bool *transfer);
struct expect contract_translate(struct model *m,
				 const struct ioasid_translate *c,
				 struct m_walk *w, bool *translated);
struct expect contract_dirty_tracking(struct model *m,
				      const struct ioasid_dirty_tracking *c);
struct expect contract_dirty_bitmap(struct model *m,
				    const struct ioasid_dirty_bitmap *c,
				    bool data_ok);

struct expect contract_fq_alloc(struct model *m,
				const struct ioasid_fault_queue_alloc *c);
struct expect contract_fq_info(struct model *m,
			       const struct ioasid_fault_queue_info *c);

/* The attachment key of a DMA/ATTACH request; false if the PASID is invalid. */
bool contract_pasid_key(const struct m_dev *d, bool has_pasid, uint32_t pasid,
			uint32_t *key);

#endif
