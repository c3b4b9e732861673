/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PASID-table kinds (issue 12 item 4): IOASID_FORMAT_SMMUV3_CD,
 * IOASID_FORMAT_AMD_GCR3 and IOASID_FORMAT_RISCV_PDT. What their kernel-doc
 * in uapi/linux/ioasid.h says ALLOC takes of a descriptor and BIND of the
 * guest's raw entry (struct ioasid_bind's @entry), and generators of both:
 * mostly valid, often just not. Where the kernel-doc leaves an outcome open
 * both are accepted (the model must not predict more than the header says).
 */
#ifndef IOASID_FUZZ_KINDS_H
#define IOASID_FUZZ_KINDS_H

#include "contract.h"
#include "fuzz.h"

static inline bool kind_format(uint32_t format)
{
	return format >= IOASID_FORMAT_SMMUV3_CD && format <= IOASID_FORMAT_RISCV_PDT;
}

static inline bool kind_node(const struct m_node *n)
{
	return n && n->mode == IOASID_MODE_USER_MANAGED && kind_format(n->fmt.format);
}

/* FORMAT_INFO of a kind (what the walkers' K_info() fills); NULL otherwise. */
const struct ioasid_format_info *kind_info(uint32_t format);

/* ALLOC: the errors of a kind's 32-byte descriptor at @raw (into @x). */
void kind_check_descriptor(struct expect *x, const uint8_t *raw);

/* The model's view of a kind's descriptor. */
void kind_model_format(const uint8_t *raw, struct m_format *mf);

/*
 * BIND of a kind node: whether the kernel-doc takes @e (bind flags, root
 * and root1 are the caller's): 0, EINVAL, or both where it is open.
 */
struct expect kind_check_entry(const struct m_format *mf, const __u64 e[4]);

/* ALLOC descriptors of a kind, mostly valid (ops_node.c). */
void kind_pick_descriptor(struct fz *f, uint32_t format, uint8_t *raw);

/* A valid descriptor of a kind (the walk rig), and the model's view. */
void kind_valid_descriptor(struct fz *f, uint32_t format, uint8_t *raw,
			   struct m_format *mf);

/*
 * A guest entry for a node of @mf: a valid one whose tables lie below
 * @span (parent addresses), mostly; with @mutate, often one field or bit
 * just wrong, or random words.
 */
void kind_pick_entry(struct fz *f, const struct m_format *mf, uint64_t span,
		     bool mutate, __u64 e[4]);

/*
 * The PASID width a bound entry takes, for exact predictions: PASIDs at
 * or past it fault with IOASID_FAULT_PASID_NOT_PRESENT at *@level. 0 when
 * the entry gives no such rule (or it is not cheap to say).
 */
unsigned int kind_entry_pasid_width(const struct m_format *mf, const __u64 e[4],
				    unsigned int *level);

/* What the bound entry @e says of a request, where that is cheap to say. */
enum kind_rule {
	KIND_UNKNOWN,	/* it depends on the guest's tables */
	KIND_FAULT,	/* PASID_NOT_PRESENT at *level, nothing read */
	KIND_BYPASS,	/* no stage 1: the input address is a parent address */
};

/*
 * SMMUv3: Config abort, or S1DSS terminate, without a PASID; a PASID under
 * Config abort or bypass, past S1CDMax, or 0 with S1DSS 0b10. AMD: past the
 * table; GIOV clear without a PASID (bypass). RISC-V: past the PD mode;
 * pdtp Bare (bypass), DPE clear without a PASID (bypass).
 */
enum kind_rule kind_predict(const struct m_format *mf, const __u64 e[4],
			    bool has_pasid, uint32_t pasid, unsigned int *level);

const char *kind_name(uint32_t format);

#endif
