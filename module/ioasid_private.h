/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the module: the context and its objects, the command plumbing
 * shared by every object file, and the limits reported through GET_INFO.
 */
#ifndef IOASID_PRIVATE_H
#define IOASID_PRIVATE_H

#include <linux/atomic.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../uapi/linux/ioasid.h"
#include "compat.h"
#include "walkers/amd_gcr3.h"
#include "walkers/amd_v1.h"
#include "walkers/arm64.h"
#include "walkers/riscv.h"
#include "walkers/riscv_pdt.h"
#include "walkers/smmuv3_cd.h"
#include "walkers/x86_64.h"

/* IOVAs are kept in unsigned long (interval trees): 64-bit kernels only. */
static_assert(sizeof(unsigned long) == sizeof(u64));

#define IOASID_MAX_DEPTH	8
/* The page sizes of the module's own translation (GET_INFO). */
#define IOASID_PGSIZE_BITMAP	(PAGE_SIZE | PMD_SIZE | PUD_SIZE)
#define IOASID_MAX_PASID_BITS	20
#define IOASID_MAX_BATCH	4096
/* Block sizes of a user-managed node's IOTLB link buckets (iotlb.c). */
#define IOASID_DEP_CLASSES	7
/* The attachment key of DMA without a PASID (device.c, user.c). */
#define IOASID_NO_PASID		BIT(IOASID_MAX_PASID_BITS)

/*
 * Per-context limits on what is not charged to RLIMIT_MEMLOCK (module
 * parameters, main.c; a context keeps the values it was opened with).
 * Reaching one is EDQUOT, except for the IOTLB, which evicts.
 */
struct ioasid_limits {
	unsigned long child_mappings;
	unsigned long iotlb_entries;
	unsigned int reservations;
	unsigned int attachments;
};

/* Module-wide totals, shown in /sys/class/misc/ioasid/. */
struct ioasid_stats {
	atomic64_t contexts;
	atomic64_t nodes;
	atomic64_t mappings;
	atomic64_t pinned_pages;
};

extern struct ioasid_stats ioasid_stats;
#define ioasid_stat_add(field, n)	atomic64_add(n, &ioasid_stats.field)
#define ioasid_stat_sub(field, n)	atomic64_sub(n, &ioasid_stats.field)

/**
 * struct ioasid_ctx_dbg - a context as the debugfs view shows it (debugfs.c)
 * @item: in the list of open contexts (debugfs.c)
 * @serial: the context's number in the view, unique while the module is
 *	loaded
 * @pid: the opener's thread group id in the initial pid namespace
 * @uid: the opener's uid in the initial user namespace
 * @comm: the opener's command name
 */
struct ioasid_ctx_dbg {
	struct list_head item;
	u64 serial;
	pid_t pid;
	uid_t uid;
	char comm[TASK_COMM_LEN];
};

/**
 * struct ioasid_ctx - what one open of /dev/ioasid owns
 * @file: the file this context is the private_data of
 * @objects: every object of the context by id; ids start at 1. Its xa_lock
 *	also guards object users and node num_children.
 * @limits: what this context may hold (struct ioasid_limits)
 * @account_lock: held for reading from reading @account_mode until the
 *	pages pinned under it are in a node, for writing to change the mode
 * @account_mode: enum ioasid_account_mode for new pins
 * @pinned_mappings: mappings of this context holding pinned pages
 * @child_mappings: mappings of kernel-managed children (nothing pinned)
 * @reservations: reserved IOVA ranges of all nodes
 * @attachments: device attachments, under @objects' xa_lock
 * @iotlb_entries: IOTLB entries of all devices, under @iotlb_lock
 * @attachment_list: every device attachment, under @iotlb_lock (device.c)
 * @iotlb_lock: every device's attachments and IOTLB, and the lists of
 *	IOTLB entries hanging off mappings (device.c). Taken after node
 *	locks, never before: DMA on an IOTLB hit copies under its read side,
 *	so a writer (UNMAP invalidating, DETACH) waits for transfers through
 *	the entries it removes.
 * @faults: fault queues and page requests (fault.c); its lock also guards
 *	the devices' last faults
 * @shadow_lock: fills of shadow domains, and @shadows (shadow.c)
 * @shadows: every shadow domain of the context's nodes
 * @dbg: who opened it, and its place in the debugfs view
 */
struct ioasid_ctx {
	struct file *file;
	struct xarray objects;
	struct ioasid_limits limits;
	struct rw_semaphore account_lock;
	u8 account_mode;
	atomic_long_t pinned_mappings;
	atomic_long_t child_mappings;
	atomic_t reservations;
	unsigned int attachments;
	unsigned long iotlb_entries;
	struct rw_semaphore iotlb_lock;
	struct list_head attachment_list;
	struct ioasid_faults *faults;
	struct mutex shadow_lock;	/* see above */
	struct list_head shadows;
	struct ioasid_ctx_dbg dbg;
};

enum ioasid_object_type {
	IOASID_OBJ_NODE = 1,
	IOASID_OBJ_DEVICE,		/* a software endpoint (device.c) */
	IOASID_OBJ_PCI_DEVICE,		/* pcidev.c */
	IOASID_OBJ_FAULT_QUEUE,		/* fault.c */
};

/**
 * struct ioasid_object - what every object of a context starts with
 * @users: one for the object table, one per ioctl using the object
 * @id: the id userspace knows it by
 * @type: an enum ioasid_object_type
 */
struct ioasid_object {
	refcount_t users;
	u32 id;
	enum ioasid_object_type type;
};

/* A user-managed node's walk parameters, in its format's walker's terms. */
union ioasid_pt_cfg {
	struct ioasid_x86_64_cfg x86_64;
	struct ioasid_arm64_cfg arm64;
	struct ioasid_riscv_cfg riscv;
	struct ioasid_amd_v1_cfg amd_v1;
	struct ioasid_smmuv3_cd_cfg smmuv3_cd;
	struct ioasid_amd_gcr3_cfg amd_gcr3;
	struct ioasid_riscv_pdt_cfg riscv_pdt;
};

/**
 * struct ioasid_node - one I/O address space
 * @obj: the object header
 * @ictx: the context
 * @parent: the node whose IOVA space this one maps into; NULL for a root.
 *	A parent outlives its children (DESTROY refuses it).
 * @depth: 1 for a root
 * @mode: an enum ioasid_mode, fixed
 * @caching_mode: (user-managed) IOASID_ALLOC_CACHING_MODE, fixed
 * @pri_auto_invalid: (user-managed) IOASID_ALLOC_PRI_AUTO_INVALID, fixed
 * @fault_queue: the fault queue it names, or NULL; under ictx->faults'
 *	lock (fault.c)
 * @num_children: under ictx->objects' xa_lock
 * @lock: guards the fields below
 * @mappings: interval tree of struct ioasid_mapping, by IOVA
 * @reserved: interval tree of reserved IOVA ranges
 * @alloc_hint: where the next kernel-chosen IOVA search starts
 * @num_mappings: mappings in @mappings
 * @mapped_bytes: IOVA bytes they cover
 * @pinned_bytes: bytes of them backed by pinned pages (roots)
 * @num_attached: device attachments to this node, under ictx->objects'
 *	xa_lock
 * @num_deps: IOTLB entries whose translation went through this node's
 *	mappings (each is on its mapping's list); under ictx->iotlb_lock
 * @dirty_tracking: DMA writes through this node are recorded in @dirty
 * @dirty: page indexes of this node's IOVA space written while tracking
 * @lost_first: with @lost_last, the page indexes whose writes could not be
 *	recorded (no memory), reported dirty until a clearing read covers
 *	them; none when @lost_first > @lost_last. Under @dirty's xa_lock
 * @lost_last: see @lost_first
 * @dirty_read: one DIRTY_BITMAP of this node at a time (dirty.c)
 * @hw_writes: a PCI device was attached here or below since tracking was
 *	switched on: every writably mapped page reads dirty (dirty.c); under
 *	@lock
 * @hw_groups: IOMMU groups attached here or below (hwdom.c); under @lock
 * @format: (user-managed) its enum ioasid_format, fixed at ALLOC
 * @bound: (user-managed) a table is bound; under @lock
 * @bind_flags: (user-managed) the flags of the BIND; under @lock
 * @root: (user-managed) the root of the BIND; under @lock
 * @pt: (user-managed) the format's walk parameters, root and bind flags
 *	included; under @lock (user.c)
 * @hwdoms: (kernel-managed root) the IOMMU paging domains of PCI devices
 *	attached to it, holding its mappings (hwdom.c); under @lock and
 *	ioasid_pci_mutex to change, @lock to read
 * @user_deps: (user-managed) the IOTLB links whose translation went
 *	through this node, data and table pages alike, in buckets by the
 *	smallest aligned block of the node's input addresses that holds the
 *	link's range (4 KiB, 2 MiB, ... or everything): index @c holds blocks
 *	of 2^(PAGE_SHIFT + 9c) bytes, by block number; under ictx->iotlb_lock
 *	(iotlb.c)
 */
struct ioasid_node {
	struct ioasid_object obj;
	struct ioasid_ctx *ictx;
	struct ioasid_node *parent;
	unsigned int depth;
	enum ioasid_mode mode;
	bool caching_mode;
	bool pri_auto_invalid;
	struct ioasid_fault_queue *fault_queue;
	unsigned int num_children;
	struct rw_semaphore lock;
	struct rb_root_cached mappings;
	struct rb_root_cached reserved;
	unsigned long alloc_hint;
	u64 num_mappings;
	u64 mapped_bytes;
	u64 pinned_bytes;
	unsigned int num_attached;
	unsigned long num_deps;
	bool dirty_tracking;
	struct xarray dirty;
	unsigned long lost_first;
	unsigned long lost_last;
	struct mutex dirty_read;	/* see above */
	bool hw_writes;
	unsigned int hw_groups;
	u32 format;
	bool bound;
	u32 bind_flags;
	u64 root;
	union ioasid_pt_cfg pt;
	struct list_head hwdoms;
	struct xarray user_deps[IOASID_DEP_CLASSES];
};

/**
 * struct ioasid_reserved - a reserved IOVA range of a node
 * @it: the range, in node->reserved
 * @owner: NULL for RESERVE_IOVA's; the struct ioasid_hwgroup whose device
 *	cannot use the range (hwdom.c), which removes it at detach
 * @owner_item: in the owner's list
 */
struct ioasid_reserved {
	struct interval_tree_node it;
	void *owner;
	struct list_head owner_item;
};

/*
 * IOTLB flushes of PCI devices' domains gathered over one request, and the
 * pages unpinned once they are done (hwdom.c). Small: it lives on the stack.
 */
#define IOASID_FLUSH_DOMAINS	2
#define IOASID_FLUSH_PAGES	16

struct ioasid_iommu_flush {
	unsigned int ndomains;
	unsigned int npages;
	struct iommu_domain *domains[IOASID_FLUSH_DOMAINS];
	struct iommu_iotlb_gather gathers[IOASID_FLUSH_DOMAINS];
	struct ioasid_pages *pages[IOASID_FLUSH_PAGES];
};

static inline bool ioasid_node_is_user(const struct ioasid_node *node)
{
	return node->mode == IOASID_MODE_USER_MANAGED;
}

static inline struct ioasid_node *ioasid_to_node(struct ioasid_object *obj)
{
	return container_of(obj, struct ioasid_node, obj);
}

/**
 * struct ioasid_run - physically contiguous pages
 * @pfn: the first page frame
 * @index: the user page number (address >> PAGE_SHIFT) it was pinned from
 */
struct ioasid_run {
	unsigned long pfn;
	unsigned long index;
};

/**
 * struct ioasid_pages - pinned, charged process memory (pages.c)
 * @kref: one per mapping using the pages
 * @writable: pinned for writing; dirtied when unpinned
 * @account_mode: whom the pages are charged to
 * @user: charged user (IOASID_ACCOUNT_USER)
 * @mm: charged mm (IOASID_ACCOUNT_PROCESS)
 * @npages: pages pinned
 * @nruns: entries in @runs
 * @runs: the pages, by ascending index; runs[0].index is where they start
 */
struct ioasid_pages {
	struct kref kref;
	bool writable;
	u8 account_mode;
	union {
		struct user_struct *user;
		struct mm_struct *mm;
	};
	unsigned long npages;
	unsigned long nruns;
	struct ioasid_run runs[];
};

/**
 * struct ioasid_ucmd - one ioctl in flight
 * @ictx: the context it runs in
 * @ubuffer: the user's struct
 * @user_size: the user's idea of the struct's size (its first member)
 * @cmd: the kernel copy, as long as the kernel's struct, zero-extended
 */
struct ioasid_ucmd {
	struct ioasid_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * struct ioasid_answer - where a command's result goes back to the caller
 * @uptr: the output member of the caller's struct
 * @kcmd: the kernel's copy of it, set by the command
 * @len: bytes to write back
 *
 * MAP, COPY, UNMAP (also as BATCH entries) and TRANSLATE write their
 * answer under the lock that makes it true, before they change anything,
 * so a caller that cannot be answered sees nothing happen, and nobody sees
 * a mapping that is then taken back. Under the lock the write must not
 * fault; when it would, the command drops the lock, faults the struct in
 * and starts over (answer.c).
 */
struct ioasid_answer {
	void __user *uptr;
	const void *kcmd;
	size_t len;
};

/* 0, or -EAGAIN when the answer's page is not there to write without a fault. */
static inline int ioasid_answer_write(const struct ioasid_answer *ans)
{
	unsigned long left;

	pagefault_disable();
	left = __copy_to_user_inatomic(ans->uptr, ans->kcmd, ans->len);
	pagefault_enable();
	return left ? -EAGAIN : 0;
}

/* answer.c */
int ioasid_answer_init(struct ioasid_answer *ans, void __user *uptr,
		       const void *kcmd, size_t len);
int ioasid_answer_fault_in(const struct ioasid_answer *ans, unsigned int *tries);

/* Copy the answer back, no more than the user's struct holds. */
static inline int ioasid_ucmd_respond(struct ioasid_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/* main.c: the object table */
bool ioasid_is_ctx_file(struct file *file);
int ioasid_object_reserve(struct ioasid_ctx *ictx, struct ioasid_object *obj);
void ioasid_object_publish_locked(struct ioasid_ctx *ictx,
				  struct ioasid_object *obj);
void ioasid_object_abort(struct ioasid_ctx *ictx, struct ioasid_object *obj);
struct ioasid_node *ioasid_node_get(struct ioasid_ctx *ictx, u32 id);
struct ioasid_node *ioasid_kernel_node_get(struct ioasid_ctx *ictx, u32 id);
struct ioasid_object *ioasid_object_get(struct ioasid_ctx *ictx, u32 id,
					enum ioasid_object_type type);

static inline void ioasid_object_put(struct ioasid_object *obj)
{
	refcount_dec(&obj->users);
}

static inline void ioasid_node_put(struct ioasid_node *node)
{
	/* Never the last reference: the object table holds one. */
	refcount_dec(&node->obj.users);
}

/* node.c */
struct ioasid_mapping;
int ioasid_node_init(void);
void ioasid_node_exit(void);
int ioasid_node_alloc(struct ioasid_ucmd *ucmd);
int ioasid_node_info(struct ioasid_ucmd *ucmd);
void ioasid_node_free(struct ioasid_node *node);
int ioasid_map(struct ioasid_ctx *ictx, struct ioasid_map *cmd,
	       const struct ioasid_answer *ans);
/* Entries of a BATCH that ioasid_map_run() takes as one, at most. */
#define IOASID_MAP_RUN_MAX	256
int ioasid_map_run(struct ioasid_ctx *ictx, struct ioasid_map *cmds,
		   unsigned int n, const struct ioasid_answer *ans);
int ioasid_unmap(struct ioasid_ctx *ictx, struct ioasid_unmap *cmd,
		 const struct ioasid_answer *ans, struct ioasid_iommu_flush *fl);
struct ioasid_pages *ioasid_mapping_pages(struct interval_tree_node *it,
					  unsigned long *index, u32 *prot);
int ioasid_node_each_mapping(struct ioasid_node *node, unsigned long start,
			     unsigned long last,
			     int (*fn)(void *arg, unsigned long first,
				       unsigned long last, unsigned long target),
			     void *arg);
void ioasid_mappings_free(struct ioasid_mapping **maps, unsigned long n);
int ioasid_copy(struct ioasid_ucmd *ucmd);
int ioasid_iova_ranges(struct ioasid_ucmd *ucmd);
int ioasid_reserve_iova(struct ioasid_ucmd *ucmd);

/**
 * struct ioasid_walk_dep - what a walk used at one node
 * @node: the node
 * @deps: a kernel-managed node's mapping's list of IOTLB entries; NULL for
 *	a user-managed node (its @user_deps)
 * @start: (data) the node's address of the walk's input; (table) the
 *	first byte of a table page read, in the node's addresses
 * @last: (table) the last byte of that page
 * @table: a table page read during the walk, not the data's path
 */
struct ioasid_walk_dep {
	struct ioasid_node *node;
	struct hlist_head *deps;
	unsigned long start;
	unsigned long last;
	bool table;
};

/* Distinct nodes and table pages one walk may use (IOASID_FAULT_WALK_LIMIT). */
#define IOASID_WALK_MAX_DEPS	64

/**
 * struct ioasid_walk - a translation through a chain of nodes (walk.c)
 * @access: the request, enum ioasid_access
 * @pasid: the request's PASID, with @has_pasid (a PASID-table node's
 *	walk looks it up in the guest's table)
 * @has_pasid: the request has a PASID
 * @before: bytes before the input address that translate the same way
 *	(linearly, with the same permissions) at every level
 * @after: bytes from the input address on, less one, that do
 * @pages: the root's pinned pages
 * @index: the user page number in @pages of the input address
 * @perm: IOASID_PT_* granted, composed over every level
 * @fault_node: on failure, the node where translation stopped
 * @fault_reason: on failure, an enum ioasid_fault_reason
 * @fault_level: on failure, the table level in @fault_node (0: kernel-managed)
 * @ndeps: entries in @deps
 * @deps: every node and table page used, in the order the walk used them
 *	(a level's table pages before the level); an entry caching the walk is
 *	linked to each
 */
struct ioasid_walk {
	u32 access;
	u32 pasid;
	bool has_pasid;
	unsigned long before;
	unsigned long after;
	struct ioasid_pages *pages;
	unsigned long index;
	u32 perm;
	struct ioasid_node *fault_node;
	u8 fault_reason;
	u8 fault_level;
	unsigned int ndeps;
	struct ioasid_walk_dep deps[IOASID_WALK_MAX_DEPS];
};

int ioasid_node_lock_chain(struct ioasid_node *node);
void ioasid_node_unlock_chain(struct ioasid_node *node);
int ioasid_node_walk(struct ioasid_node *node, unsigned long iova,
		     struct ioasid_walk *walk);
int ioasid_node_each_leaf(struct ioasid_node *node, unsigned long start,
			  unsigned long last, unsigned long budget,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg);
void ioasid_node_invalidate(struct ioasid_node *node, unsigned long start,
			    unsigned long last);
struct ioasid_mapping *ioasid_node_lookup(struct ioasid_node *node,
					  unsigned long addr, u32 *grant,
					  unsigned long *first,
					  unsigned long *last);
struct ioasid_pages *ioasid_mapping_target(struct ioasid_mapping *map,
					   unsigned long addr,
					   unsigned long *target,
					   struct hlist_head **deps);

/* format.c */
int ioasid_user_alloc(struct ioasid_node *node, const struct ioasid_alloc *cmd);
int ioasid_format_info(struct ioasid_ucmd *ucmd);
int ioasid_format_bind(struct ioasid_node *node, const struct ioasid_bind *cmd);
bool ioasid_format_is_pasid_table(u32 format);
int ioasid_user_walk(struct ioasid_node *node, u64 addr, u32 access,
		     bool has_pasid, u32 pasid, const struct ioasid_pt_io *io,
		     struct ioasid_pt_result *res);
int ioasid_user_iterate(struct ioasid_node *node, u64 start, u64 last,
			const struct ioasid_pt_io *io,
			int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			void *arg);

/* user.c */
int ioasid_bind(struct ioasid_ucmd *ucmd);
int ioasid_unbind(struct ioasid_ucmd *ucmd);
int ioasid_invalidate(struct ioasid_ucmd *ucmd);

/* dirty.c */
void ioasid_dirty_init(struct ioasid_node *node);
void ioasid_dirty_destroy(struct ioasid_node *node);
void ioasid_node_mark_dirty(struct ioasid_node *node, unsigned long start,
			    unsigned long last);
int ioasid_dirty_tracking(struct ioasid_ucmd *ucmd);
int ioasid_dirty_bitmap(struct ioasid_ucmd *ucmd);

/* iotlb.c */
void ioasid_user_deps_init(struct ioasid_node *node);
void ioasid_user_deps_destroy(struct ioasid_node *node);

/* device.c */
struct ioasid_endpoint;
struct ioasid_fault;
int ioasid_device_create(struct ioasid_ucmd *ucmd);
int ioasid_device_info(struct ioasid_ucmd *ucmd);
int ioasid_attach(struct ioasid_ucmd *ucmd);
int ioasid_detach(struct ioasid_ucmd *ucmd);
int ioasid_dma(struct ioasid_ucmd *ucmd);
int ioasid_translate(struct ioasid_ucmd *ucmd);
int ioasid_endpoint_unpublish_locked(struct ioasid_ctx *ictx,
				     struct ioasid_object *obj);
void ioasid_endpoint_free(struct ioasid_object *obj);
void ioasid_endpoint_release(struct ioasid_object *obj);
void ioasid_iotlb_invalidate(struct ioasid_node *node, struct hlist_head *deps,
			     unsigned long start, unsigned long last,
			     bool unmapping);
void ioasid_iotlb_invalidate_user(struct ioasid_node *node, unsigned long start,
				  unsigned long last, unsigned long key,
				  bool any_key);

/* fault.c */
struct ioasid_faults;
struct ioasid_fault_queue;
struct ioasid_prq;
int ioasid_faults_init(struct ioasid_ctx *ictx);
void ioasid_faults_free(struct ioasid_ctx *ictx);
spinlock_t *ioasid_faults_lock(struct ioasid_ctx *ictx);
void ioasid_fault_report(struct ioasid_ctx *ictx, const struct ioasid_fault *f);
struct ioasid_prq *ioasid_prq_raise(struct ioasid_endpoint *ep,
				    const struct ioasid_fault *f,
				    unsigned long key);
struct ioasid_prq *ioasid_prq_get(struct ioasid_endpoint *ep, u32 group,
				  bool has_pasid, u32 pasid);
u32 ioasid_prq_group(const struct ioasid_prq *prq);
u64 ioasid_prq_addr(const struct ioasid_prq *prq);
void ioasid_prq_fault(const struct ioasid_prq *prq, struct ioasid_fault *f);
int ioasid_prq_wait(struct ioasid_ctx *ictx, struct ioasid_prq *prq, bool nowait);
void ioasid_prq_put(struct ioasid_ctx *ictx, struct ioasid_prq *prq);
void ioasid_prq_cancel_dev(struct ioasid_endpoint *ep, unsigned long key,
			   bool any_key);
void ioasid_fault_node_gone(struct ioasid_node *node);
int ioasid_fault_queue_alloc(struct ioasid_ucmd *ucmd);
int ioasid_fault_queue_info(struct ioasid_ucmd *ucmd);
int ioasid_fault_queue_unpublish_locked(struct ioasid_ctx *ictx,
					struct ioasid_object *obj);
void ioasid_fault_queue_free(struct ioasid_object *obj);
int ioasid_fault_set_node_queue(struct ioasid_node *node, u32 queue_id);
int ioasid_fault_option(struct ioasid_ctx *ictx, struct ioasid_option *cmd,
			struct ioasid_object *obj);

/* hwdom.c */
struct ioasid_hwgroup;
int ioasid_hwdom_map(struct ioasid_node *node, unsigned long iova,
		     struct ioasid_pages *pages, unsigned long index,
		     u64 length, u32 map_prot);
void ioasid_hwdom_unmap(struct ioasid_node *node, unsigned long iova,
			u64 length, struct ioasid_iommu_flush *fl);
int ioasid_hwdom_map_run(struct ioasid_node *node, unsigned long iova,
			 struct ioasid_pages **pages, unsigned int n,
			 u32 map_prot);
void ioasid_hwdom_put_pages(struct ioasid_node *node, struct ioasid_pages *pages,
			    struct ioasid_iommu_flush *fl);
void ioasid_iommu_flush_init(struct ioasid_iommu_flush *fl);
void ioasid_iommu_flush_finish(struct ioasid_iommu_flush *fl);
struct ioasid_hwgroup *ioasid_hwdom_attach(struct ioasid_node *node,
					   struct device *dev,
					   struct iommu_group *group);
void ioasid_hwdom_detach(struct ioasid_node *node, struct ioasid_hwgroup *hg);
unsigned int *ioasid_hwgroup_devices(struct ioasid_hwgroup *hg);
struct iommu_domain *ioasid_hwgroup_domain(struct ioasid_hwgroup *hg);
int ioasid_domain_map_pages(struct iommu_domain *domain, int extra_prot,
			    unsigned long iova, struct ioasid_pages *pages,
			    unsigned long index, u64 length, u32 map_prot);

/* shadow.c */
struct ioasid_shadow;
int ioasid_shadow_check(struct ioasid_node *node);
struct ioasid_shadow *ioasid_shadow_create(struct ioasid_node *node,
					   struct iommu_domain *domain, int prot);
void ioasid_shadow_destroy(struct ioasid_shadow *sh);
int ioasid_shadow_fill(struct ioasid_shadow *sh);
void ioasid_shadows_refill(struct ioasid_node *node, unsigned long start,
			   unsigned long last);
void ioasid_shadow_faults(struct ioasid_shadow *sh, u64 *count,
			  struct ioasid_fault *last);
struct ioasid_shadow *ioasid_hwgroup_shadow(struct ioasid_hwgroup *hg);

/* pcidev.c */
bool ioasid_is_pcidev(struct ioasid_ctx *ictx, u32 id);
int ioasid_pcidev_attach(struct ioasid_ucmd *ucmd);
int ioasid_pcidev_detach(struct ioasid_ucmd *ucmd);
int ioasid_pcidev_info(struct ioasid_ucmd *ucmd);
int ioasid_pcidev_unpublish_locked(struct ioasid_ctx *ictx,
				   struct ioasid_object *obj);
void ioasid_pcidev_free(struct ioasid_object *obj);
void ioasid_pcidev_release_obj(struct ioasid_object *obj);
int ioasid_pcidev_debug(struct ioasid_ctx *ictx, u32 id, char *bdf,
			size_t len, u32 *node_id, bool *gone);

/* debugfs.c */
void ioasid_debugfs_init(void);
void ioasid_debugfs_exit(void);
void ioasid_debugfs_ctx_add(struct ioasid_ctx *ictx);
void ioasid_debugfs_ctx_del(struct ioasid_ctx *ictx);

/* pages.c */
int ioasid_pages_init(void);
void ioasid_pages_exit(void);
struct ioasid_pages *ioasid_pages_pin(unsigned long uaddr, unsigned long npages,
				      bool writable,
				      enum ioasid_account_mode mode);
void ioasid_pages_put(struct ioasid_pages *pages);
int ioasid_pages_pin_run(unsigned long uaddr, const unsigned long *npages,
			 unsigned int n, bool writable,
			 enum ioasid_account_mode mode, struct ioasid_pages **out);
unsigned long ioasid_pages_pfn(const struct ioasid_pages *pages,
			       unsigned long index, unsigned long *contig);

#endif
