/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace model of one /dev/ioasid context: what uapi/linux/ioasid.h
 * says the context holds after every successful call. Nodes form trees;
 * each holds its mappings (a root's map user addresses of the fuzzer, a
 * child's map IOVAs of its parent), its reservations and its dirty records.
 * Devices hold their attachments per PASID, their fault count and the
 * TRANSLATE results whose staleness the generation must show.
 *
 * The model knows nothing of how the kernel stores any of it: IOTLB
 * contents, which IOVA a kernel-chosen MAP gets, which id ALLOC returns are
 * the kernel's answers, checked only for the properties the header gives.
 */
#ifndef IOASID_FUZZ_MODEL_H
#define IOASID_FUZZ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define M_PAGE		4096ULL
#define M_MAX_NODES	14
#define M_MAX_DEVS	6
#define M_MAX_MAPS	48
#define M_MAX_RES	12
#define M_MAX_DRES	6	/* reserved ranges of an attached PCI device */
#define M_MAX_ATTS	8
#define M_MAX_DIRTY	2048	/* dirty page records per node */
#define M_MAX_XLATE	4	/* TRANSLATE results kept per device */
#define M_MAX_LEVELS	16
#define M_NO_PASID	UINT32_MAX	/* the attachment key of DMA without PASID */
#define M_DEAD_IDS	8
#define M_MAX_PINS	(M_MAX_NODES * M_MAX_MAPS)
#define M_NEW_PIN	UINT32_MAX	/* model_insert_map(): a MAP pins anew */
#define M_MAX_QUEUES	4	/* fault queues, live or with an fd left */
#define M_MAX_RECS	1024	/* records of a queue the model holds */

struct m_map {
	uint64_t iova;
	uint64_t len;
	uint64_t src;	/* root: user address; child: parent IOVA */
	uint32_t prot;	/* IOASID_MAP_READ | IOASID_MAP_WRITE */
	uint32_t pin;	/* root: 1 + the pinned pages it uses; child: 0 */
};

struct m_res {
	uint64_t iova;
	uint64_t len;
};

/*
 * A user-managed node's format descriptor, any format: @phys_bits is
 * Arm64's oas_bits; @levels is 0 for Arm64, whose halves have their own
 * input sizes (@tsz) and granules (@tg, log2).
 */
struct m_format {
	uint32_t format;	/* enum ioasid_format */
	uint32_t flags;
	uint32_t levels;
	uint32_t phys_bits;
	uint64_t pgsize_bitmap;
	uint8_t tsz[2];		/* Arm64: t0sz, t1sz */
	uint8_t tg[2];		/* Arm64: tg0, tg1 */
	/*
	 * PASID-table kinds (kinds.h): SMMUv3 CD ssid_bits, AMD GCR3
	 * pasid_bits; AMD GCR3 max_glx; SMMUv3 CD granule_bitmap. Their
	 * @phys_bits is SMMUv3's oas_bits, AMD's and RISC-V PDT's phys_bits.
	 */
	uint32_t pasid_bits;
	uint32_t max_glx;
	uint64_t granules;
};

struct m_node {
	uint32_t id;
	uint32_t parent;	/* 0 for a root */
	uint32_t mode;		/* IOASID_MODE_* */
	struct m_format fmt;	/* user-managed */
	bool caching;		/* user-managed: IOASID_ALLOC_CACHING_MODE */
	bool pri_auto_invalid;	/* user-managed: IOASID_ALLOC_PRI_AUTO_INVALID */
	uint32_t fault_queue;	/* the queue it names, 0 for none */
	bool bound;		/* user-managed: a table is bound */
	uint64_t root;		/* ... at this root */
	uint64_t root1;		/* ... and this TTB1 (Arm64) */
	uint32_t bind_flags;	/* ... with these flags */
	unsigned int depth;
	unsigned int nchildren;
	unsigned int nattached;	/* attachments of any device, any PASID */
	bool tracking;
	unsigned int nmaps;
	struct m_map maps[M_MAX_MAPS];	/* sorted by iova, never overlapping */
	unsigned int nres;
	struct m_res res[M_MAX_RES];	/* unordered, may overlap */
	/*
	 * A PCI device attached here: its reserved regions and what lies
	 * outside its aperture are reserved ranges of the node too, which
	 * RESERVE_IOVA cannot remove.
	 */
	unsigned int ndres;
	struct m_res dres[M_MAX_DRES];
	/* PCI devices attached here or below (dirty: hw_writes, dirty.c). */
	unsigned int hw_groups;
	/* Had one since tracking last switched: all it maps writably is dirty. */
	bool hw_writes;
	unsigned int ndirty;
	uint64_t dirty[M_MAX_DIRTY];	/* sorted IOVA page numbers */
};

/* A TRANSLATE result: the range at every level it went through. */
struct m_xlate {
	uint32_t key;
	uint64_t gen;
	uint64_t len;
	unsigned int nlv;
	uint32_t node[M_MAX_LEVELS];
	uint64_t addr[M_MAX_LEVELS];
	bool stale;	/* invalidated since: the generation must be past gen */
};

struct m_att {
	uint32_t key;	/* PASID or M_NO_PASID */
	uint32_t node;
};

struct m_dev {
	uint32_t id;
	bool pci;		/* a PCI device of a VFIO container (ops_pci.c) */
	uint32_t pci_id;
	uint32_t flags;
	uint32_t pasid_bits;
	unsigned int natts;
	struct m_att atts[M_MAX_ATTS];
	uint64_t faults;	/* DMA and TRANSLATE that failed translation */
	uint64_t gen;		/* highest generation seen */
	uint64_t hits, misses;	/* highest counters seen */
	unsigned int nx;
	struct m_xlate x[M_MAX_XLATE];
};

/* A fault record as the model predicts it (struct ioasid_fault_record). */
struct m_rec {
	uint32_t type, flags, dev_id, pasid, node_id, level, reason, access, group;
	uint64_t seq, addr;
	uint64_t t0, t1;	/* its time_ns lies between */
};

/*
 * A fault queue: the object (@id, 0 once destroyed) and its fd (-1 once
 * closed); the model keeps it while either is there. Its records, as the
 * model predicts them, oldest first.
 */
struct m_queue {
	uint32_t id;
	int fd;
	bool nonblock, cloexec;
	uint32_t depth, timeout_ms;
	bool closed;		/* fd closed or object destroyed: nothing is kept */
	/*
	 * Records the model does not predict may arrive (a PCI device's
	 * shadow domain below a user-managed node that routes here): only
	 * their form and the accounting of sequence numbers are checked.
	 */
	bool loose;
	uint64_t next_seq, overflow;
	uint64_t nread;		/* records read */
	uint64_t last_seq;	/* of the last record read, 0 before */
	uint64_t auto_responses, timeouts;
	unsigned int head, count;
	struct m_rec recs[M_MAX_RECS];
};

struct model {
	unsigned int nqueues;
	struct m_queue queues[M_MAX_QUEUES];
	unsigned int nnodes;
	struct m_node nodes[M_MAX_NODES];
	unsigned int ndevs;
	struct m_dev devs[M_MAX_DEVS];
	uint32_t account_mode;
	uint32_t dead[M_DEAD_IDS];	/* ids destroyed lately */
	unsigned int ndead;
	uint32_t max_id;		/* highest id the kernel handed out */
	/*
	 * What one MAP on a root pinned: COPY shares it, and it stays pinned
	 * until the last mapping using it is gone.
	 */
	uint64_t pin_len[M_MAX_PINS];
	uint32_t pin_refs[M_MAX_PINS];
	/* From GET_INFO at the start. */
	uint64_t pgsize_bitmap;
	uint64_t granule;
	uint64_t max_align;		/* the largest page size */
	uint32_t max_depth;
	uint32_t max_pasid_bits;
	uint32_t max_batch;
	bool has_user;			/* IOASID_CAP_USER_MANAGED */
	bool has_pci;			/* IOASID_CAP_PCI_DEVICE */
	/* The PCI device's reserved ranges in a node it is attached to. */
	unsigned int npci_res;
	struct m_res pci_res[M_MAX_DRES];
	/* The fuzzer's memory: where MAP on a root may pin. */
	uint64_t rw_start, rw_len;	/* read-write */
	uint64_t ro_start, ro_len;	/* read-only */
};

/* A translation of one address, through every level. */
struct m_walk {
	int fault_level;	/* -1: translated */
	unsigned int nlv;
	uint32_t node[M_MAX_LEVELS];
	uint64_t addr[M_MAX_LEVELS];	/* the address at each level, leaf first */
	uint64_t uaddr;		/* user address of the byte */
	uint32_t prot;		/* composed over every level */
	uint64_t run;		/* bytes from the address on that stay in the
				   same mapping at every level (>= 1) */
};

void model_init(struct model *m);
void model_reset(struct model *m);	/* a new context: no objects */

struct m_node *model_node(struct model *m, uint32_t id);
struct m_queue *model_queue(struct model *m, uint32_t id);
unsigned int model_queue_nodes(const struct model *m, uint32_t id);
struct m_queue *model_add_queue(struct model *m, uint32_t id, int fd,
				uint32_t flags, uint32_t depth, uint32_t timeout_ms);
void model_queue_forget(struct model *m, struct m_queue *q);
bool model_queue_push(struct m_queue *q, const struct m_rec *r);
struct m_dev *model_dev(struct model *m, uint32_t id);
bool model_id_live(const struct model *m, uint32_t id);
bool model_any_pinned(const struct model *m);

/* Mappings and reservations of one node. */
struct m_map *model_map_at(struct m_node *n, uint64_t iova);
bool model_overlaps_map(const struct m_node *n, uint64_t iova, uint64_t len);
bool model_overlaps_res(const struct m_node *n, uint64_t iova, uint64_t len);
int model_find_free(const struct m_node *n, uint64_t len, uint64_t align,
		    uint64_t *iova);
uint64_t model_align_for(const struct model *m, uint64_t src);
uint64_t model_mapped_bytes(const struct m_node *n);
unsigned int model_iova_ranges(const struct m_node *n, uint64_t *starts,
			       uint64_t *lasts, unsigned int max);

/* Translation. */
int model_walk(struct model *m, uint32_t node, uint64_t iova, struct m_walk *w);
uint64_t model_linear_extent(struct model *m, uint32_t node, uint64_t iova,
			     const struct m_walk *w0);

/* Changes, applied after the kernel said yes. */
void model_add_node(struct model *m, uint32_t id, uint32_t parent);
void model_add_user_node(struct model *m, uint32_t id, uint32_t parent,
			 const struct m_format *fmt, bool caching);
bool model_in_user_tree(struct model *m, uint32_t id);
void model_add_dev(struct model *m, uint32_t id, uint32_t flags,
		   uint32_t pasid_bits);
void model_destroy(struct model *m, uint32_t id);
bool model_insert_map(struct model *m, struct m_node *n, uint64_t iova,
		      uint64_t len, uint64_t src, uint32_t prot, uint32_t pin);
uint64_t model_pinned_bytes(const struct model *m);
unsigned int model_num_mappings(const struct model *m);
uint64_t model_unmap(struct model *m, struct m_node *n, uint64_t iova,
		     uint64_t len);
void model_reserve(struct m_node *n, uint64_t iova, uint64_t len);
void model_unreserve(struct m_node *n, uint64_t iova, uint64_t len);
struct m_att *model_att(struct m_dev *d, uint32_t key);
void model_attach(struct model *m, struct m_dev *d, uint32_t key,
		  uint32_t node, bool replace);
void model_detach(struct model *m, struct m_dev *d, uint32_t key);
void model_set_tracking(struct model *m, struct m_node *n, bool on);
bool model_mark_dirty(struct m_node *n, uint64_t iova, uint64_t len);
bool model_is_dirty(const struct m_node *n, uint64_t page);
bool model_hw_dirty(const struct m_node *n, uint64_t page);
void model_clear_dirty(struct model *m, struct m_node *n, uint64_t iova,
		       uint64_t len);
void model_save_xlate(struct m_dev *d, uint32_t key, uint64_t gen,
		      const struct m_walk *w, uint64_t len);

/* Helpers on ranges; an empty range never overlaps. */
static inline bool range_overlap(uint64_t a, uint64_t alen, uint64_t b,
				 uint64_t blen)
{
	return alen && blen && a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* [a, a + len) runs past 2^64 - 1 (it may end exactly there). */
static inline bool range_wraps(uint64_t a, uint64_t len)
{
	return len && a + (len - 1) < a;
}

#endif
