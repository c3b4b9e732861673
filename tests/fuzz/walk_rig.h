/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The walk rig's private header: what ops_walk.c (the rig, its page-table
 * format nodes) and ops_walk_kinds.c (its PASID-table kind nodes) share.
 * The rig's state W, defined in ops_walk.c, its nodes, and the helpers
 * both parts call.
 */
#ifndef IOASID_FUZZ_WALK_RIG_H
#define IOASID_FUZZ_WALK_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops.h"

#define WK_PAGES	64
#define WK_RW_PAGES	48
#define WK_NODES	4
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

/* The rig's state: one, W, defined in ops_walk.c. */
struct wk_rig {
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
};

extern struct wk_rig W;

/* ops_walk.c */
int wk_ioctl(struct fz *f, const char *name, unsigned long req, void *arg, size_t len);
bool wk_has(uint32_t format);
bool wk_check_ro(struct fz *f);
uint32_t wk_access(uint32_t flags);
void wk_pattern(struct fz *f, uint8_t *p, uint64_t len);
uint32_t wk_req(struct fz *f);

/* ops_walk_kinds.c */
bool wk_kind_setup(struct fz *f);
void wk_op_kind(struct fz *f);
void wk_op_kind_rebind(struct fz *f);

#endif /* IOASID_FUZZ_WALK_RIG_H */
