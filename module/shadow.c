// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow domains: the composed translation of a node below a root, in a
 * kernel paging domain, for the PCI devices attached to the node.
 *
 * A real device's IOMMU knows one level of translation. For a node below
 * a root, the module composes the levels itself: every range of the node
 * that translates at every level up to the root's pinned pages is walked
 * (walk.c, the one rule) and mapped in the domain with the composed
 * permissions. Each such range is an IOTLB entry of the shadow's own,
 * hidden attachment (iotlb.c), linked at every mapping it went through:
 * an UNMAP at any level finds and kills exactly the entries that used the
 * range, and killing an entry unmaps it from the domain (and flushes the
 * IOMMU's IOTLB) before the UNMAP goes on to unpin anything. The entries
 * are never evicted and count against no IOTLB limit.
 *
 * What appears is found by filling: at ATTACH the whole node; after a MAP
 * (or COPY) of the node, or an INVALIDATE of it, the range; after a MAP,
 * INVALIDATE or BIND above it, the whole node again (ancestors change
 * rarely: a VMM's guest RAM, a guest's other tables). A fill visits the
 * node's mappings, or the present entries of its table (the walker's
 * iterator), recursing into the parent over the range each leads to, and
 * walks only where every level translates. A user-managed level is
 * shadowed only under the caching-mode contract (IOASID_ALLOC_CACHING_MODE:
 * the guest invalidates new entries too), since nothing else tells a fill
 * that the guest added one. What a table has that cannot be shadowed is
 * counted as a fault of the shadow and left unmapped. A fill reads at most
 * IOASID_SHADOW_FILL_READS table entries and stops for a fatal signal.
 *
 * Locking: ictx->shadow_lock orders fills and the list of shadows; a fill
 * takes the node chain's read locks, then iotlb_lock for writing per
 * entry. Lock order: ioasid_pci_mutex, shadow_lock, node locks, iotlb_lock.
 */
#include <linux/iommu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "iotlb.h"

/**
 * struct ioasid_shadow - the composed translation of one node, in a domain
 * @ep: the hidden endpoint owning @att (its counters only)
 * @att: the entries mapped in @domain, by IOVA of @node
 * @node: the node shadowed
 * @domain: the domain
 * @prot: IOMMU_* bits added to every mapping (IOMMU_CACHE)
 * @item: in ictx->shadows, under ictx->shadow_lock
 * @dying: the domain goes: killing entries needs no unmap
 * @faults: ranges that could not be shadowed; under ictx->shadow_lock
 * @last_fault: the latest of them
 */
struct ioasid_shadow {
	struct ioasid_endpoint ep;
	struct ioasid_attachment att;
	struct ioasid_node *node;
	struct iommu_domain *domain;
	int prot;
	struct list_head item;
	bool dying;
	u64 faults;
	struct ioasid_fault last_fault;
};

/* Table entries one fill may read: a guest's table chooses the work. */
#define IOASID_SHADOW_FILL_READS	BIT(24)

/*
 * Whether a chain can be shadowed: EOPNOTSUPP for a PASID table (a domain
 * has no PASID to look up), EINVAL without the caching-mode contract.
 */
int ioasid_shadow_check(struct ioasid_node *node)
{
	if (ioasid_format_is_pasid_table(node->format))
		return -EOPNOTSUPP;
	for (; node; node = node->parent)
		if (ioasid_node_is_user(node) && !node->caching_mode)
			return -EINVAL;
	return 0;
}

/* What cannot be shadowed: counted, logged for the fault queue, left out. */
static void ioasid_shadow_fault(struct ioasid_shadow *sh, struct ioasid_node *node,
				unsigned long addr, u8 reason, u8 level)
{
	struct ioasid_fault f = { .node_id = node->obj.id, .addr = addr,
				  .reason = reason, .level = level,
				  .access = IOASID_ACCESS_READ, .pci = true,
				  .att_node_id = sh->node->obj.id,
				  .guest = ioasid_fault_is_guest(node, reason) };

	lockdep_assert_held(&sh->node->ictx->shadow_lock);
	sh->faults++;
	sh->last_fault = f;
	ioasid_fault_report(sh->node->ictx, &f);
}

/* DEVICE_INFO of a PCI device attached through @sh. */
void ioasid_shadow_faults(struct ioasid_shadow *sh, u64 *count,
			  struct ioasid_fault *last)
{
	mutex_lock(&sh->node->ictx->shadow_lock);
	*count = sh->faults;
	*last = sh->last_fault;
	mutex_unlock(&sh->node->ictx->shadow_lock);
}

/* A shadow of @node in @domain, empty: callable under @node's lock. */
struct ioasid_shadow *ioasid_shadow_create(struct ioasid_node *node,
					   struct iommu_domain *domain, int prot)
{
	struct ioasid_shadow *sh;

	sh = kzalloc(sizeof(*sh), GFP_KERNEL_ACCOUNT);
	if (!sh)
		return NULL;
	sh->ep.ictx = node->ictx;
	sh->att.ep = &sh->ep;
	sh->att.node = node;
	sh->att.key = IOASID_NO_PASID;
	sh->att.iotlb = RB_ROOT;
	sh->att.shadow = sh;
	sh->node = node;
	sh->domain = domain;
	sh->prot = prot;
	INIT_LIST_HEAD(&sh->item);	/* listed by its first fill */
	return sh;
}

/*
 * Before its domain is freed (no device attached any more). Unfilled (an
 * ATTACH failing), it is callable under the node's lock.
 */
void ioasid_shadow_destroy(struct ioasid_shadow *sh)
{
	struct ioasid_ctx *ictx = sh->node->ictx;

	if (!list_empty(&sh->item)) {
		mutex_lock(&ictx->shadow_lock);
		list_del(&sh->item);
		mutex_unlock(&ictx->shadow_lock);
	}
	down_write(&ictx->iotlb_lock);
	sh->dying = true;
	ioasid_iotlb_flush(&sh->att);
	up_write(&ictx->iotlb_lock);
	kfree(sh);
}

/* The IOASID_MAP_* an entry's composed grants give an unprivileged request. */
static u32 ioasid_shadow_map_prot(u32 perm)
{
	u32 prot = 0;

	if (perm & IOASID_PT_UR)
		prot |= IOASID_MAP_READ;
	if (perm & IOASID_PT_UW)
		prot |= IOASID_MAP_WRITE;
	return prot;
}

/* iotlb.c, killing a shadow's entry: out of the domain, IOTLB flushed. */
void ioasid_shadow_unmap_entry(struct ioasid_iotlb_entry *e)
{
	struct ioasid_shadow *sh = e->att->shadow;

	if (sh->dying || !ioasid_shadow_map_prot(e->perm))
		return;
	iommu_unmap(sh->domain, e->start, e->last - e->start + 1);
}

/*
 * What a fill walks with: a write where the levels allow it (with A/D
 * updates, D is set as a device write would set it), else a read, else a
 * write alone (a write-only mapping).
 */
static const u32 ioasid_shadow_accesses[] = {
	IOASID_ACCESS_READ | IOASID_ACCESS_WRITE,
	IOASID_ACCESS_READ,
	IOASID_ACCESS_WRITE,
};

static int ioasid_shadow_walk(struct ioasid_shadow *sh, unsigned long addr,
			      struct ioasid_walk *walk)
{
	unsigned int i;
	int rc = -EIO;

	for (i = 0; i < ARRAY_SIZE(ioasid_shadow_accesses) && rc; i++) {
		walk->access = ioasid_shadow_accesses[i];
		walk->has_pasid = false;
		walk->pasid = 0;
		rc = ioasid_node_walk(sh->node, addr, walk);
		if (rc && walk->fault_reason != IOASID_FAULT_PERMISSION)
			break;
	}
	return rc;
}

/*
 * Make entries for [lo, hi] of the shadowed node, every address of which
 * the fill's scan found translating; what is already shadowed is skipped.
 */
static int ioasid_shadow_fill_range(struct ioasid_shadow *sh,
				    struct ioasid_walk *walk,
				    unsigned long lo, unsigned long hi)
{
	struct ioasid_ctx *ictx = sh->node->ictx;
	struct ioasid_iotlb_entry *prev, *e;
	unsigned long addr = lo, end;
	u32 prot;
	int rc;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		down_write(&ictx->iotlb_lock);
		prev = ioasid_iotlb_floor(&sh->att, addr);
		if (prev && prev->last >= addr) {
			end = prev->last;
		} else if (ioasid_shadow_walk(sh, addr, walk)) {
			/* Permissions that do not meet; a table that changed. */
			if (walk->fault_reason != IOASID_FAULT_PERMISSION)
				ioasid_shadow_fault(sh, walk->fault_node, addr,
						    walk->fault_reason,
						    walk->fault_level);
			end = addr | ~PAGE_MASK;
		} else {
			e = ioasid_iotlb_add(&sh->att, addr, walk, prev);
			if (!e) {
				up_write(&ictx->iotlb_lock);
				return -ENOMEM;
			}
			prot = ioasid_shadow_map_prot(e->perm);
			rc = prot ? ioasid_domain_map_pages(sh->domain, sh->prot,
							    e->start, e->pages,
							    e->index,
							    e->last - e->start + 1,
							    prot) : 0;
			if (rc) {
				e->perm = 0;	/* nothing of it is in the domain */
				ioasid_iotlb_kill_entry(e);
				up_write(&ictx->iotlb_lock);
				return rc;
			}
			end = e->last;
		}
		up_write(&ictx->iotlb_lock);
		if (end >= hi)
			return 0;
		addr = end + 1;
		cond_resched();
	}
}

/*
 * One level of a fill: the mappings of @node (or its table's leaves) over a
 * range, which lead to the parent's addresses; at the root, what they
 * cover translates.
 */
struct ioasid_shadow_scan {
	struct ioasid_shadow *sh;
	struct ioasid_walk *walk;
	struct ioasid_node *node;
	unsigned long delta;	/* shadowed node's address - @node's */
};

static int ioasid_shadow_level(struct ioasid_shadow_scan *sc, unsigned long start,
			       unsigned long last);

/* [first, last] of @sc->node leads to @target on: go up, or fill. */
static int ioasid_shadow_up(struct ioasid_shadow_scan *sc, unsigned long first,
			    unsigned long last, unsigned long target)
{
	struct ioasid_shadow_scan up;

	if (!sc->node->parent)
		return ioasid_shadow_fill_range(sc->sh, sc->walk, first + sc->delta,
						last + sc->delta);
	up = *sc;
	up.node = sc->node->parent;
	up.delta = sc->delta + (first - target);
	return ioasid_shadow_level(&up, target, target + (last - first));
}

static int ioasid_shadow_mapping(void *arg, unsigned long first,
				 unsigned long last, unsigned long target)
{
	return ioasid_shadow_up(arg, first, last, target);
}

static int ioasid_shadow_leaf(void *arg, const struct ioasid_pt_leaf *leaf)
{
	struct ioasid_shadow_scan *sc = arg;

	if (fatal_signal_pending(current))
		return -EINTR;
	if (leaf->fault_reason) {
		/* Non-canonical parts of a range are no entry of the table. */
		if (leaf->fault_reason != IOASID_FAULT_NON_CANONICAL)
			ioasid_shadow_fault(sc->sh, sc->node, leaf->first,
					    leaf->fault_reason, leaf->fault_level);
		return 0;
	}
	/* A leaf granting nothing to such requests maps nothing. */
	if (!((leaf->perm | leaf->maybe) & (IOASID_PT_UR | IOASID_PT_UW)))
		return 0;
	return ioasid_shadow_up(sc, leaf->first, leaf->last, leaf->out);
}

static int ioasid_shadow_level(struct ioasid_shadow_scan *sc, unsigned long start,
			       unsigned long last)
{
	if (ioasid_node_is_user(sc->node))
		return ioasid_node_each_leaf(sc->node, start, last,
					     IOASID_SHADOW_FILL_READS,
					     ioasid_shadow_leaf, sc);
	return ioasid_node_each_mapping(sc->node, start, last,
					ioasid_shadow_mapping, sc);
}

/* Shadow whatever of [start, last] of the node translates and is not yet. */
static int ioasid_shadow_fill_locked(struct ioasid_shadow *sh,
				     unsigned long start, unsigned long last)
{
	struct ioasid_shadow_scan sc = { .sh = sh, .node = sh->node };
	int rc;

	lockdep_assert_held(&sh->node->ictx->shadow_lock);
	sc.walk = kmalloc(sizeof(*sc.walk), GFP_KERNEL);
	if (!sc.walk)
		return -ENOMEM;
	rc = ioasid_node_lock_chain(sh->node);
	if (!rc) {
		rc = ioasid_shadow_level(&sc, start, last);
		ioasid_node_unlock_chain(sh->node);
	}
	kfree(sc.walk);
	return rc;
}

/*
 * The first fill, after the device is attached to the empty domain: from
 * now on changes refill it too (ioasid_shadows_refill()).
 */
int ioasid_shadow_fill(struct ioasid_shadow *sh)
{
	struct ioasid_ctx *ictx = sh->node->ictx;
	int rc;

	if (mutex_lock_killable(&ictx->shadow_lock))
		return -EINTR;
	list_add_tail(&sh->item, &ictx->shadows);
	rc = ioasid_shadow_fill_locked(sh, 0, ULONG_MAX);
	mutex_unlock(&ictx->shadow_lock);
	return rc;
}

/* Whether @anc is @node or above it. */
static bool ioasid_node_covers(struct ioasid_node *anc, struct ioasid_node *node)
{
	for (; node; node = node->parent)
		if (node == anc)
			return true;
	return false;
}

/**
 * ioasid_shadows_refill() - [start, last] of @node may translate anew
 * @node: the node that changed (MAP, COPY; BIND, INVALIDATE), unlocked
 * @start: first address of it that changed
 * @last: last address
 *
 * Shadows of @node get the range, shadows below @node are filled whole.
 * A failure (no memory for the IOMMU's tables, a fatal signal) leaves a
 * range unshadowed, counted as a fault: the device faults there, as on a
 * range not mapped, and nothing stale is ever reachable; the change
 * itself stays.
 */
void ioasid_shadows_refill(struct ioasid_node *node, unsigned long start,
			   unsigned long last)
{
	struct ioasid_ctx *ictx = node->ictx;
	struct ioasid_shadow *sh;
	int rc;

	/* An ATTACH racing us fills after our change is in (node lock order). */
	if (list_empty(&ictx->shadows))
		return;
	mutex_lock(&ictx->shadow_lock);
	list_for_each_entry(sh, &ictx->shadows, item) {
		if (sh->node == node)
			rc = ioasid_shadow_fill_locked(sh, start, last);
		else if (ioasid_node_covers(node, sh->node))
			rc = ioasid_shadow_fill_locked(sh, 0, ULONG_MAX);
		else
			continue;
		if (rc && rc != -EINTR)
			ioasid_shadow_fault(sh, node, start,
					    IOASID_FAULT_RESOURCE, 0);
	}
	mutex_unlock(&ictx->shadow_lock);
}
