// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel paging domains of nodes with PCI devices attached: where real
 * devices' DMA translates.
 *
 * A root's domains mirror its mappings (below); a node below a root gets
 * shadow domains holding its composed translation instead (shadow.c),
 * attached and detached the same way.
 *
 * A root with PCI devices attached holds one struct ioasid_hwdom per IOMMU
 * domain its devices' groups are attached to (one per IOMMU, in practice;
 * a group joins the first domain whose driver accepts it). A domain holds
 * exactly the root's mappings: they are replayed once its first group is
 * attached and mirrored by every MAP, COPY and UNMAP after, under the root's
 * write lock, so a domain and the node's tree never disagree where a
 * device could see it.
 *
 * UNMAP order (the rule of the architecture): the mapping leaves every
 * domain (iommu_unmap_fast into a gather), one IOTLB flush per domain for
 * the whole request (a BATCH included: struct ioasid_iommu_flush), then the
 * pages are unpinned. Until the flush is done the pages the mappings held
 * stay pinned, parked in the flush.
 *
 * A group's reserved regions (the MSI window, RMRRs) and the IOVAs outside
 * its domain's aperture become reserved ranges of the node while the group
 * is attached: MAP cannot place anything there, and ATTACH refuses a node
 * whose mappings already lie there (EADDRINUSE).
 *
 * Locking: hwdom lists and group lists change under ioasid_pci_mutex
 * (pcidev.c) and the node's write lock; MAP and UNMAP walk them under the
 * node's write lock.
 */
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "ioasid_private.h"

/**
 * struct ioasid_hwdom - a paging domain of a node's PCI devices
 * @item: in node->hwdoms
 * @domain: the IOMMU domain
 * @prot: IOMMU_* bits added to every mapping's (IOMMU_CACHE where the
 *	devices that made it are coherent)
 * @groups: the struct ioasid_hwgroup attached to @domain
 * @shadow: for a node below a root, what fills the domain; NULL for a root
 */
struct ioasid_hwdom {
	struct list_head item;
	struct iommu_domain *domain;
	int prot;
	struct list_head groups;
	struct ioasid_shadow *shadow;
};

/**
 * struct ioasid_hwgroup - an IOMMU group attached to a domain of a node
 * @item: in hwdom->groups
 * @hwdom: the domain
 * @group: the group
 * @devices: PCI device objects of the group attached through it
 * @resv: the node's reserved ranges this group added (struct
 *	ioasid_reserved, linked by @owner_item)
 */
struct ioasid_hwgroup {
	struct list_head item;
	struct ioasid_hwdom *hwdom;
	struct iommu_group *group;
	unsigned int devices;
	struct list_head resv;
};

/* A scatterlist entry's length is an unsigned int: longer runs are split. */
#define IOASID_SG_MAX_PAGES	(UINT_MAX >> PAGE_SHIFT)

/* The scatterlist entries of @npages pages from @index: their runs, split. */
static unsigned long ioasid_pages_nsegs(struct ioasid_pages *pages,
					unsigned long index, unsigned long npages)
{
	unsigned long done = 0, n = 0, contig;

	while (done < npages) {
		ioasid_pages_pfn(pages, index + done, &contig);
		contig = min(contig, npages - done);
		n += DIV_ROUND_UP(contig, IOASID_SG_MAX_PAGES);
		done += contig;
	}
	return n;
}

/*
 * Many runs: one scatterlist entry each (split at what an entry's length
 * holds), mapped by one call, so that the IOMMU's IOTLB is synced once
 * (a caching-mode IOMMU, such as QEMU's VT-d, invalidates on every sync).
 */
static int ioasid_domain_map_sg(struct iommu_domain *domain, int prot,
				unsigned long iova, struct ioasid_pages *pages,
				unsigned long index, unsigned long npages,
				unsigned long nsegs)
{
	unsigned long done = 0, contig, pfn;
	struct scatterlist *sg;
	struct sg_table sgt;
	ssize_t mapped;
	unsigned int i;
	int rc;

	rc = sg_alloc_table(&sgt, nsegs, GFP_KERNEL_ACCOUNT);
	if (rc)
		return rc;
	for_each_sgtable_sg(&sgt, sg, i) {
		pfn = ioasid_pages_pfn(pages, index + done, &contig);
		contig = min3(contig, npages - done, IOASID_SG_MAX_PAGES);
		sg_set_page(sg, pfn_to_page(pfn), contig << PAGE_SHIFT, 0);
		done += contig;
	}
	mapped = ioasid_iommu_map_sg(domain, iova, sgt.sgl, nsegs, prot);
	sg_free_table(&sgt);
	if (mapped < 0)
		return mapped;
	if (mapped != (ssize_t)npages << PAGE_SHIFT) {
		if (mapped)
			iommu_unmap(domain, iova, mapped);
		return -ENOMEM;
	}
	return 0;
}

/**
 * ioasid_domain_map_pages() - map pinned pages into a domain
 * @domain: the domain
 * @extra_prot: IOMMU_* bits on top of @map_prot's
 * @iova: where
 * @pages: the pages
 * @index: the user page number in @pages of the first
 * @length: bytes
 * @map_prot: IOASID_MAP_* bits
 *
 * iommu_map() uses the largest page sizes the IOMMU has that each
 * physically contiguous run's alignment allows.
 *
 * Return: 0, or the IOMMU's error with nothing of it mapped.
 */
int ioasid_domain_map_pages(struct iommu_domain *domain, int extra_prot,
			    unsigned long iova, struct ioasid_pages *pages,
			    unsigned long index, u64 length, u32 map_prot)
{
	unsigned long done = 0, npages = length >> PAGE_SHIFT, nsegs;
	int prot = extra_prot;
	int rc;

	if (map_prot & IOASID_MAP_READ)
		prot |= IOMMU_READ;
	if (map_prot & IOASID_MAP_WRITE)
		prot |= IOMMU_WRITE;
	nsegs = ioasid_pages_nsegs(pages, index, npages);
	if (nsegs > 1)
		return ioasid_domain_map_sg(domain, prot, iova, pages, index,
					    npages, nsegs);
	while (done < npages) {
		unsigned long contig, pfn;

		pfn = ioasid_pages_pfn(pages, index + done, &contig);
		contig = min(contig, npages - done);
		rc = ioasid_iommu_map(domain, iova + (done << PAGE_SHIFT),
				      PFN_PHYS(pfn), contig << PAGE_SHIFT, prot);
		if (rc) {
			if (done)
				iommu_unmap(domain, iova, done << PAGE_SHIFT);
			return rc;
		}
		done += contig;
		cond_resched();
	}
	return 0;
}

static int ioasid_hwdom_map_pages(struct ioasid_hwdom *hd, unsigned long iova,
				  struct ioasid_pages *pages, unsigned long index,
				  u64 length, u32 map_prot)
{
	return ioasid_domain_map_pages(hd->domain, hd->prot, iova, pages, index,
				       length, map_prot);
}

/**
 * ioasid_hwdom_map() - mirror a new mapping of a root into its domains
 * @node: the root, write-locked
 * @iova: where the mapping starts
 * @pages: its pinned pages
 * @index: the user page number in @pages of @iova
 * @length: its length
 * @map_prot: its IOASID_MAP_* bits
 *
 * Return: 0, or the IOMMU's error with every domain as it was.
 */
int ioasid_hwdom_map(struct ioasid_node *node, unsigned long iova,
		     struct ioasid_pages *pages, unsigned long index,
		     u64 length, u32 map_prot)
{
	struct ioasid_hwdom *hd;
	int rc;

	lockdep_assert_held_write(&node->lock);
	list_for_each_entry(hd, &node->hwdoms, item) {
		rc = ioasid_hwdom_map_pages(hd, iova, pages, index, length,
					    map_prot);
		if (rc)
			goto unwind;
	}
	return 0;

unwind:
	list_for_each_entry_continue_reverse(hd, &node->hwdoms, item)
		iommu_unmap(hd->domain, iova, length);
	return rc;
}

/* Whether entry @i of a run starts, physically, right after entry @i - 1. */
static bool ioasid_run_joins(struct ioasid_pages **pages, unsigned int i)
{
	struct ioasid_pages *prev = pages[i - 1], *next = pages[i];
	unsigned long contig, last;

	last = ioasid_pages_pfn(prev, prev->runs[0].index + prev->npages - 1,
				&contig);
	return ioasid_pages_pfn(next, next->runs[0].index, &contig) == last + 1;
}

/*
 * Map the run of @n entries (@nsegs[i] segments of @pages[i] each, from
 * @sgl) at @iova. IOMMU mappings must not span two entries: UNMAP takes
 * one entry out, and an IOMMU page across its edge would go with it
 * (VT-d unmaps a whole superpage; virtio-iommu refuses to split a
 * mapping). iommu_map_sg() joins physically contiguous segments whatever
 * the scatterlist says, so entries that continue each other physically
 * are mapped by calls of their own.
 *
 * Return: bytes mapped (all of the run), or the IOMMU's error with
 * nothing of the run mapped.
 */
static int ioasid_domain_map_run(struct iommu_domain *domain, int prot,
				 unsigned long iova, struct ioasid_pages **pages,
				 const unsigned int *nsegs, unsigned int n,
				 struct scatterlist *sgl)
{
	unsigned long off = 0, len;
	unsigned int i = 0, j, segs, k;
	struct scatterlist *sg = sgl;
	ssize_t mapped;

	while (i < n) {
		segs = nsegs[i];
		len = pages[i]->npages << PAGE_SHIFT;
		for (j = i + 1; j < n && !ioasid_run_joins(pages, j); j++) {
			segs += nsegs[j];
			len += pages[j]->npages << PAGE_SHIFT;
		}
		mapped = ioasid_iommu_map_sg(domain, iova + off, sg, segs, prot);
		if (mapped != (ssize_t)len) {
			if (mapped > 0)
				off += mapped;
			if (off)
				iommu_unmap(domain, iova, off);
			return mapped < 0 ? mapped : -ENOMEM;
		}
		off += len;
		for (k = 0; k < segs; k++)
			sg = sg_next(sg);
		i = j;
	}
	return 0;
}

/**
 * ioasid_hwdom_map_run() - mirror adjacent new mappings into every domain
 * @node: the root, write-locked
 * @iova: where the first starts; each starts where the one before ends
 * @pages: their pinned pages, each object wholly mapped
 * @n: how many
 * @map_prot: their IOASID_MAP_* bits, the same for all
 *
 * One scatterlist for them all, so one IOTLB sync per domain (unless
 * entries continue each other physically: see ioasid_domain_map_run()).
 *
 * Return: 0, or the IOMMU's error with every domain as it was.
 */
int ioasid_hwdom_map_run(struct ioasid_node *node, unsigned long iova,
			 struct ioasid_pages **pages, unsigned int n,
			 u32 map_prot)
{
	unsigned long total = 0, done, contig, pfn, np;
	unsigned int i, nsegs = 0, *segs;
	struct ioasid_hwdom *hd;
	struct scatterlist *sg;
	struct sg_table sgt;
	int rc, prot;

	lockdep_assert_held_write(&node->lock);
	segs = kmalloc_array(n, sizeof(*segs), GFP_KERNEL_ACCOUNT);
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		segs[i] = ioasid_pages_nsegs(pages[i], pages[i]->runs[0].index,
					     pages[i]->npages);
		nsegs += segs[i];
		total += pages[i]->npages;
	}
	rc = sg_alloc_table(&sgt, nsegs, GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_segs;
	sg = sgt.sgl;
	for (i = 0; i < n; i++) {
		for (done = 0, np = pages[i]->npages; done < np; done += contig) {
			pfn = ioasid_pages_pfn(pages[i], pages[i]->runs[0].index + done,
					       &contig);
			contig = min3(contig, np - done, IOASID_SG_MAX_PAGES);
			sg_set_page(sg, pfn_to_page(pfn), contig << PAGE_SHIFT, 0);
			sg = sg_next(sg);
		}
	}
	list_for_each_entry(hd, &node->hwdoms, item) {
		prot = hd->prot;
		if (map_prot & IOASID_MAP_READ)
			prot |= IOMMU_READ;
		if (map_prot & IOASID_MAP_WRITE)
			prot |= IOMMU_WRITE;
		rc = ioasid_domain_map_run(hd->domain, prot, iova, pages, segs, n,
					   sgt.sgl);
		if (rc)
			goto unwind;
	}
	goto out_sgt;

unwind:
	list_for_each_entry_continue_reverse(hd, &node->hwdoms, item)
		iommu_unmap(hd->domain, iova, total << PAGE_SHIFT);
out_sgt:
	sg_free_table(&sgt);
out_segs:
	kfree(segs);
	return rc;
}

/* The flush: gathers and parked pages ------------------------------------- */

void ioasid_iommu_flush_init(struct ioasid_iommu_flush *fl)
{
	memset(fl, 0, sizeof(*fl));
}

/* Flush every domain's gather, then unpin what waited for it. */
void ioasid_iommu_flush_finish(struct ioasid_iommu_flush *fl)
{
	unsigned int i;

	for (i = 0; i < fl->ndomains; i++)
		iommu_iotlb_sync(fl->domains[i], &fl->gathers[i]);
	for (i = 0; i < fl->npages; i++)
		ioasid_pages_put(fl->pages[i]);
	ioasid_iommu_flush_init(fl);
}

/* The gather of @domain in @fl, flushing everything first when full. */
static struct iommu_iotlb_gather *ioasid_flush_gather(struct ioasid_iommu_flush *fl,
						      struct iommu_domain *domain)
{
	unsigned int i;

	for (i = 0; i < fl->ndomains; i++)
		if (fl->domains[i] == domain)
			return &fl->gathers[i];
	if (fl->ndomains == IOASID_FLUSH_DOMAINS)
		ioasid_iommu_flush_finish(fl);
	i = fl->ndomains++;
	fl->domains[i] = domain;
	iommu_iotlb_gather_init(&fl->gathers[i]);
	return &fl->gathers[i];
}

/**
 * ioasid_hwdom_unmap() - take a range out of every domain of a root
 * @node: the root, write-locked
 * @iova: the first IOVA of a mapping
 * @length: its length
 * @fl: the request's flush: the IOTLB is flushed when it finishes
 */
void ioasid_hwdom_unmap(struct ioasid_node *node, unsigned long iova,
			u64 length, struct ioasid_iommu_flush *fl)
{
	struct ioasid_hwdom *hd;
	size_t done;

	lockdep_assert_held_write(&node->lock);
	list_for_each_entry(hd, &node->hwdoms, item) {
		done = iommu_unmap_fast(hd->domain, iova, length,
					ioasid_flush_gather(fl, hd->domain));
		WARN_ON_ONCE(done != length);
	}
}

/**
 * ioasid_hwdom_put_pages() - unpin a removed mapping's pages, after the flush
 * @node: the root the mapping left, write-locked
 * @pages: its pages
 * @fl: the request's flush, or NULL when no domain can have held them
 */
void ioasid_hwdom_put_pages(struct ioasid_node *node, struct ioasid_pages *pages,
			    struct ioasid_iommu_flush *fl)
{
	if (!fl || list_empty(&node->hwdoms)) {
		ioasid_pages_put(pages);
		return;
	}
	if (fl->npages == IOASID_FLUSH_PAGES)
		ioasid_iommu_flush_finish(fl);
	fl->pages[fl->npages++] = pages;
}

/* Attaching groups ------------------------------------------------------------ */

/* x86's interrupt window (the Intel SDM's 0xFEEx_xxxx). */
#define IOASID_X86_MSI_START	0xfee00000UL
#define IOASID_X86_MSI_LAST	0xfeefffffUL

static int ioasid_hwgroup_reserve(struct ioasid_hwgroup *hg, unsigned long start,
				  unsigned long last)
{
	struct ioasid_reserved *res;

	res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->it.start = start;
	res->it.last = last;
	res->owner = hg;
	list_add_tail(&res->owner_item, &hg->resv);
	return 0;
}

/*
 * The ranges @group's DMA cannot use in @domain: its reserved regions and
 * what lies outside the aperture, collected on @hg->resv (not yet in the
 * node).
 */
static int ioasid_hwgroup_collect(struct ioasid_hwgroup *hg,
				  struct iommu_domain *domain)
{
	struct iommu_resv_region *region;
	struct iommu_domain_geometry *geo = &domain->geometry;
	LIST_HEAD(regions);
	int rc = 0;

	if (geo->force_aperture) {
		if (geo->aperture_start)
			rc = ioasid_hwgroup_reserve(hg, 0, geo->aperture_start - 1);
		if (!rc && geo->aperture_end < ULONG_MAX)
			rc = ioasid_hwgroup_reserve(hg, geo->aperture_end + 1,
						    ULONG_MAX);
		if (rc)
			return rc;
	}
	/*
	 * On x86 DMA writes to the MSI window are interrupt messages, never
	 * memory, whatever the driver lists: and its list can silently lose
	 * a region when it runs out of memory (6.12's VT-d).
	 */
	if (IS_ENABLED(CONFIG_X86)) {
		rc = ioasid_hwgroup_reserve(hg, IOASID_X86_MSI_START,
					    IOASID_X86_MSI_LAST);
		if (rc)
			return rc;
	}
	rc = iommu_get_group_resv_regions(hg->group, &regions);
	if (rc)
		return rc;
	list_for_each_entry(region, &regions, list) {
		if (!region->length)
			continue;
		rc = ioasid_hwgroup_reserve(hg, region->start,
					    region->start + region->length - 1);
		if (rc)
			break;
	}
	iommu_put_resv_regions(NULL, &regions);
	return rc;
}

static void ioasid_hwgroup_free(struct ioasid_hwgroup *hg)
{
	struct ioasid_reserved *res, *next;

	list_for_each_entry_safe(res, next, &hg->resv, owner_item)
		kfree(res);
	kfree(hg);
}

/* EADDRINUSE when a mapping of @node lies in one of @hg's ranges. */
static int ioasid_hwgroup_check(struct ioasid_node *node,
				struct ioasid_hwgroup *hg)
{
	struct ioasid_reserved *res;

	lockdep_assert_held(&node->lock);
	list_for_each_entry(res, &hg->resv, owner_item)
		if (interval_tree_iter_first(&node->mappings, res->it.start,
					     res->it.last))
			return -EADDRINUSE;
	return 0;
}

/*
 * Count a group attached at @node in (@delta 1) or out (-1) at it and
 * every node above. Its writes are not tracked: DIRTY_BITMAP of them
 * reports all they map writably from now on (dirty.c).
 */
static void ioasid_hwdom_count(struct ioasid_node *node, int delta)
{
	for (; node; node = node->parent) {
		down_write(&node->lock);
		node->hw_groups += delta;
		if (delta > 0)
			node->hw_writes = true;
		up_write(&node->lock);
	}
}

/* Put every mapping of @node (a root) into a new domain. */
static int ioasid_hwdom_replay(struct ioasid_node *node, struct ioasid_hwdom *hd)
{
	struct interval_tree_node *it;
	int rc;

	for (it = interval_tree_iter_first(&node->mappings, 0, ULONG_MAX); it;
	     it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		struct ioasid_pages *pages;
		unsigned long index;
		u32 map_prot;

		pages = ioasid_mapping_pages(it, &index, &map_prot);
		rc = ioasid_hwdom_map_pages(hd, it->start, pages, index,
					    (u64)it->last - it->start + 1,
					    map_prot);
		if (rc)
			return rc;	/* freeing the domain frees its mappings */
		cond_resched();
	}
	return 0;
}

/*
 * Make an empty domain for @dev's IOMMU: a root's is replayed, a shadow's
 * filled, once the device is attached (some drivers, virtio-iommu's,
 * finalise a domain only at its first attach and cannot map before).
 */
static struct ioasid_hwdom *ioasid_hwdom_create(struct ioasid_node *node,
						struct device *dev)
{
	struct ioasid_hwdom *hd;
	int rc;

	hd = kzalloc(sizeof(*hd), GFP_KERNEL_ACCOUNT);
	if (!hd)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&hd->groups);
	hd->domain = ioasid_paging_domain_alloc(dev);
	if (IS_ERR(hd->domain)) {
		rc = PTR_ERR(hd->domain);
		kfree(hd);
		return ERR_PTR(rc);
	}
	if (device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		hd->prot = IOMMU_CACHE;
	if (node->parent) {
		hd->shadow = ioasid_shadow_create(node, hd->domain, hd->prot);
		if (!hd->shadow) {
			iommu_domain_free(hd->domain);
			kfree(hd);
			return ERR_PTR(-ENOMEM);
		}
	}
	return hd;
}

/**
 * ioasid_hwdom_attach() - attach an IOMMU group to a node's translation
 * @node: a root, or a node below one that ioasid_shadow_check() accepts
 *	(its user-managed levels promise caching mode)
 * @dev: a device of the group (for the domain's IOMMU)
 * @group: the group, which nothing of @node holds yet
 *
 * Caller holds ioasid_pci_mutex.
 *
 * Return: the group's attachment, or an ERR_PTR: EADDRINUSE when a
 * mapping of @node lies where the group cannot do DMA; the IOMMU's error.
 */
struct ioasid_hwgroup *ioasid_hwdom_attach(struct ioasid_node *node,
					   struct device *dev,
					   struct iommu_group *group)
{
	struct ioasid_hwdom *hd, *new = NULL;
	struct ioasid_reserved *res;
	struct ioasid_hwgroup *hg;
	int rc;

	hg = kzalloc(sizeof(*hg), GFP_KERNEL_ACCOUNT);
	if (!hg)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&hg->resv);
	hg->group = group;

	if (down_write_killable(&node->lock)) {
		kfree(hg);
		return ERR_PTR(-EINTR);
	}
	/* The first domain whose driver takes the group, else a new one. */
	rc = -ENODEV;
	list_for_each_entry(hd, &node->hwdoms, item) {
		rc = ioasid_hwgroup_collect(hg, hd->domain);
		if (!rc)
			rc = ioasid_hwgroup_check(node, hg);
		if (rc)
			goto out_unlock;
		rc = iommu_attach_group(hd->domain, group);
		if (!rc)
			break;
		ioasid_hwgroup_free(hg);	/* another domain, other ranges */
		hg = kzalloc(sizeof(*hg), GFP_KERNEL_ACCOUNT);
		if (!hg) {
			up_write(&node->lock);
			return ERR_PTR(-ENOMEM);
		}
		INIT_LIST_HEAD(&hg->resv);
		hg->group = group;
	}
	if (rc) {
		new = ioasid_hwdom_create(node, dev);
		if (IS_ERR(new)) {
			rc = PTR_ERR(new);
			goto out_unlock;
		}
		hd = new;
		/*
		 * A domain is only final once a device is attached (6.1's VT-d
		 * narrows its geometry then; virtio-iommu sets its page sizes
		 * and cannot map before): attach the empty domain, replay,
		 * check. Until ATTACH returns the device sees nothing but the
		 * node's own mappings.
		 */
		rc = iommu_attach_group(hd->domain, group);
		if (rc)
			goto out_free_new;
		rc = ioasid_hwgroup_collect(hg, hd->domain);
		if (!rc)
			rc = ioasid_hwgroup_check(node, hg);
		if (!rc && !hd->shadow)
			rc = ioasid_hwdom_replay(node, hd);
		if (rc) {
			iommu_detach_group(hd->domain, group);
			goto out_free_new;
		}
		list_add_tail(&new->item, &node->hwdoms);
	}
	hg->hwdom = hd;
	list_add_tail(&hg->item, &hd->groups);
	list_for_each_entry(res, &hg->resv, owner_item)
		interval_tree_insert(&res->it, &node->reserved);
	up_write(&node->lock);
	ioasid_hwdom_count(node, 1);
	/* A new shadow is empty until filled: the device waits, then sees all. */
	if (new && new->shadow) {
		rc = ioasid_shadow_fill(new->shadow);
		if (rc) {
			ioasid_hwdom_detach(node, hg);
			return ERR_PTR(rc);
		}
	}
	return hg;

out_free_new:
	if (new->shadow)
		ioasid_shadow_destroy(new->shadow);
	iommu_domain_free(new->domain);
	kfree(new);
out_unlock:
	up_write(&node->lock);
	ioasid_hwgroup_free(hg);
	return ERR_PTR(rc);
}

/**
 * ioasid_hwdom_detach() - detach a group; its DMA is blocked on return
 * @node: the root it is attached to
 * @hg: its attachment, freed here
 *
 * Caller holds ioasid_pci_mutex. A domain left without groups is freed.
 */
void ioasid_hwdom_detach(struct ioasid_node *node, struct ioasid_hwgroup *hg)
{
	struct ioasid_hwdom *hd = hg->hwdom;
	struct ioasid_reserved *res;
	bool empty;

	down_write(&node->lock);
	/* VFIO owns the group's DMA: detaching leaves it blocked. */
	iommu_detach_group(hd->domain, hg->group);
	list_del(&hg->item);
	list_for_each_entry(res, &hg->resv, owner_item)
		interval_tree_remove(&res->it, &node->reserved);
	empty = list_empty(&hd->groups);
	if (empty)
		list_del(&hd->item);
	up_write(&node->lock);
	ioasid_hwdom_count(node, -1);
	if (empty) {
		if (hd->shadow)
			ioasid_shadow_destroy(hd->shadow);
		iommu_domain_free(hd->domain);
		kfree(hd);
	}
	ioasid_hwgroup_free(hg);
}

/* The group's attachment's device count, for pcidev.c. */
unsigned int *ioasid_hwgroup_devices(struct ioasid_hwgroup *hg)
{
	return &hg->devices;
}

/* The shadow filling a group's domain, or NULL (DEVICE_INFO). */
struct ioasid_shadow *ioasid_hwgroup_shadow(struct ioasid_hwgroup *hg)
{
	return hg->hwdom->shadow;
}

/* The domain a group is attached to (DEVICE_INFO). */
struct iommu_domain *ioasid_hwgroup_domain(struct ioasid_hwgroup *hg)
{
	return hg->hwdom->domain;
}
