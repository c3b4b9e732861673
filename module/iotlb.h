/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software endpoints and their IOTLB: what device.c (the endpoint objects,
 * ATTACH, DMA, TRANSLATE) and iotlb.c (the cache and its invalidation)
 * share.
 */
#ifndef IOASID_IOTLB_H
#define IOASID_IOTLB_H

#include <linux/list.h>
#include <linux/rbtree.h>

#include "ioasid_private.h"

/* A translation fault, as the fault queue delivers it (fault.c). */
struct ioasid_fault {
	u32 dev_id;
	u32 pasid;
	bool has_pasid;
	bool guest;	/* in a user-managed node's own table */
	bool pci;	/* a PCI device's (its shadow domain) */
	u8 access;	/* enum ioasid_access */
	u8 reason;	/* enum ioasid_fault_reason */
	u8 level;	/* the table level in @node_id, 0 for kernel-managed */
	u32 node_id;	/* where translation stopped; 0: not attached */
	u32 att_node_id; /* the node the device is attached to; 0: none */
	u64 addr;
};

/* Whether a stop in @node for @reason is the guest's table's doing. */
static inline bool ioasid_fault_is_guest(const struct ioasid_node *node, u8 reason)
{
	return ioasid_node_is_user(node) &&
	       (reason == IOASID_FAULT_NOT_PRESENT ||
		reason == IOASID_FAULT_PERMISSION ||
		reason == IOASID_FAULT_RESERVED ||
		reason == IOASID_FAULT_NON_CANONICAL ||
		reason == IOASID_FAULT_PASID_NOT_PRESENT ||
		reason == IOASID_FAULT_PASID_ENTRY);
}

/*
 * Whether @f is a miss a page request can ask the guest to fix: in its
 * page table (level 1 up), not one decided before any table is read
 * (level 0: a PASID-table entry refusing privileged requests).
 */
static inline bool ioasid_fault_is_request(const struct ioasid_fault *f)
{
	return f->guest && f->level &&
	       (f->reason == IOASID_FAULT_NOT_PRESENT ||
		f->reason == IOASID_FAULT_PERMISSION);
}

struct ioasid_endpoint {
	struct ioasid_object obj;
	struct ioasid_ctx *ictx;
	u32 flags;
	u32 pasid_bits;
	struct xarray atts;	/* by PASID, IOASID_NO_PASID; iotlb_lock */
	unsigned int num_atts;	/* ictx->objects' xa_lock */
	atomic64_t generation;
	atomic64_t entries;
	atomic64_t hits;
	atomic64_t misses;
	atomic64_t faults;
	struct ioasid_fault last_fault;	/* ictx->faults' lock */
	u32 pri_max;		/* outstanding page requests allowed */
	u32 pri_pending;	/* outstanding now; ictx->faults' lock */
};

/*
 * A device's attachment at one PASID (or none). An attachment without a
 * PASID to a PASID-table node also serves that device's DMA with every
 * PASID, which the guest's table resolves: each PASID used gets an
 * attachment of its own in @subs (made by the first miss, same node, key
 * the PASID, no @ctx_item), so its IOTLB entries carry their PASID and
 * INVALIDATE by PASID finds them as any others. Those without entries
 * are freed as more are made, so a device holds about as many as the
 * context's IOTLB limit allows entries, whatever PASIDs the guest uses.
 */
struct ioasid_attachment {
	struct ioasid_endpoint *ep;
	struct ioasid_node *node;
	unsigned long key;		/* the PASID, or IOASID_NO_PASID */
	struct rb_root iotlb;		/* struct ioasid_iotlb_entry by @start */
	struct list_head ctx_item;	/* in ictx->attachment_list; iotlb_lock */
	struct ioasid_shadow *shadow;	/* a shadow domain's (shadow.c), or NULL */
	struct xarray subs;		/* per-PASID ones, by PASID; iotlb_lock */
	unsigned int nr_subs;		/* in @subs */
	unsigned int reap_subs;		/* @nr_subs that frees the empty ones */
};

/* Links of a user-managed node whose ranges share one aligned block (iotlb.c). */
struct ioasid_dep_bucket {
	struct hlist_head links;
};

/*
 * An entry's place at one node it depends on, for the range of the node's
 * addresses it used (the entry's data, or a table page its walk read): on
 * the @deps list of the mapping it used (kernel-managed), or in a bucket of
 * the node's @user_deps (user-managed).
 */
struct ioasid_iotlb_link {
	struct hlist_node list;
	struct ioasid_dep_bucket *bucket;	/* user-managed nodes only */
	struct ioasid_node *node;
	unsigned long start;		/* @node's addresses used */
	unsigned long last;
	struct ioasid_iotlb_entry *entry;
	bool table;			/* a table page, not the data */
};

struct ioasid_iotlb_entry {
	struct rb_node rb;		/* in the attachment's @iotlb */
	unsigned long start;		/* the range of the attached node */
	unsigned long last;
	struct ioasid_attachment *att;
	struct ioasid_pages *pages;
	unsigned long index;		/* user page number in @pages of @start */
	u32 perm;			/* IOASID_PT_* */
	struct list_head doomed;	/* empty, or on an invalidation's list */
	u32 nlinks;
	struct ioasid_iotlb_link links[];	/* in the order the walk used them */
};

void ioasid_iotlb_flush(struct ioasid_attachment *att);
void ioasid_iotlb_drop_subs(struct ioasid_attachment *att);
struct ioasid_iotlb_entry *
ioasid_iotlb_floor(struct ioasid_attachment *att, unsigned long iova);
struct ioasid_iotlb_entry *ioasid_iotlb_add(struct ioasid_attachment *att,
					    unsigned long iova,
					    const struct ioasid_walk *walk,
					    struct ioasid_iotlb_entry *prev);
void ioasid_iotlb_kill_entry(struct ioasid_iotlb_entry *e);
void ioasid_shadow_unmap_entry(struct ioasid_iotlb_entry *e);
struct ioasid_iotlb_entry *
ioasid_iotlb_lookup(struct ioasid_endpoint *ep, unsigned long key,
		    unsigned long iova, u32 access, struct ioasid_fault *fault);
void ioasid_iotlb_dirty(struct ioasid_iotlb_entry *e, unsigned long iova,
			unsigned long len);

#endif
