/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel API differences are bridged.
 *
 * Every HAVE_* below comes from ioasid_config.h, which
 * scripts/build-module.sh writes by compiling each file in module/probes/
 * against the target kernel's headers. Distribution kernels backport freely
 * (Debian's 6.1 has memdup_array_user(), for one), so a probe answers what a
 * version number cannot. No .c file tests HAVE_* or LINUX_VERSION_CODE.
 */
#ifndef IOASID_COMPAT_H
#define IOASID_COMPAT_H

#include <linux/backing-dev.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/mm.h>

#include "ioasid_config.h"

/* Mappings made on behalf of userspace are charged to its memcg. */
static inline int ioasid_iommu_map(struct iommu_domain *domain,
				   unsigned long iova, phys_addr_t paddr,
				   size_t size, int prot)
{
#ifdef HAVE_IOMMU_MAP_GFP
	return iommu_map(domain, iova, paddr, size, prot, GFP_KERNEL_ACCOUNT);
#else
	return iommu_map(domain, iova, paddr, size, prot);
#endif
}

/* Maps a scatterlist at @iova with one IOTLB sync at the end. */
static inline ssize_t ioasid_iommu_map_sg(struct iommu_domain *domain,
					  unsigned long iova,
					  struct scatterlist *sg,
					  unsigned int nents, int prot)
{
#ifdef HAVE_IOMMU_MAP_GFP
	return iommu_map_sg(domain, iova, sg, nents, prot, GFP_KERNEL_ACCOUNT);
#else
	return iommu_map_sg(domain, iova, sg, nents, prot);
#endif
}

/* Returns a paging domain for @dev or an ERR_PTR, never NULL. */
static inline struct iommu_domain *ioasid_paging_domain_alloc(struct device *dev)
{
#ifdef HAVE_IOMMU_PAGING_DOMAIN_ALLOC
	return iommu_paging_domain_alloc(dev);
#else
	struct iommu_domain *domain = iommu_domain_alloc(dev->bus);

	return domain ? domain : ERR_PTR(-ENOMEM);
#endif
}

/*
 * DMA ownership of @dev. Before v6.5 ownership is only per group, which for
 * a device alone in its group (the only kind this module claims) is the same.
 */
static inline int ioasid_claim_dma_owner(struct device *dev, void *owner)
{
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	return iommu_device_claim_dma_owner(dev, owner);
#else
	struct iommu_group *group = iommu_group_get(dev);
	int rc;

	if (!group)
		return -ENODEV;
	rc = iommu_group_claim_dma_owner(group, owner);
	iommu_group_put(group);
	return rc;
#endif
}

static inline void ioasid_release_dma_owner(struct device *dev)
{
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	iommu_device_release_dma_owner(dev);
#else
	struct iommu_group *group = iommu_group_get(dev);

	if (group) {
		iommu_group_release_dma_owner(group);
		iommu_group_put(group);
	}
#endif
}

static inline long ioasid_pin_user_pages(unsigned long start,
					 unsigned long nr_pages,
					 unsigned int gup_flags,
					 struct page **pages)
{
#ifdef HAVE_PIN_USER_PAGES_NO_VMAS
	return pin_user_pages(start, nr_pages, gup_flags, pages);
#else
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
#endif
}

/*
 * Since v6.5 GUP refuses FOLL_LONGTERM | FOLL_WRITE pins of file pages whose
 * mapping needs dirty tracking (EFAULT): a device writing them would bypass
 * the filesystem's writeback. The check is private to mm/ (gup.c, vma.h),
 * so no header shows it; what shows is the rest of the same release's GUP
 * rework, which also dropped pin_user_pages()' vmas argument. The selftests
 * check the outcome on every kernel (hardening_mm: file_backed_pins).
 */
static inline bool ioasid_gup_refuses_writable_file_pins(void)
{
#ifdef HAVE_PIN_USER_PAGES_NO_VMAS
	return true;
#else
	return false;
#endif
}

/* What v6.5's vma_needs_dirty_tracking() (mm-private) answers. */
static inline bool ioasid_vma_needs_dirty_tracking(struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) != (VM_WRITE | VM_SHARED))
		return false;
	if (vma->vm_ops && (vma->vm_ops->page_mkwrite || vma->vm_ops->pfn_mkwrite))
		return true;
	return vma->vm_file && mapping_can_writeback(vma->vm_file->f_mapping);
}

#ifdef IOASID_VFIO_BACKEND
/*
 * VFIO's interface for IOMMU backends (vfio/backend.c) is private to
 * drivers/vfio (drivers/vfio/vfio.h): no headers package ships it, so it is
 * declared here as it is in the kernel series checked against that file,
 * 6.1 and 6.12, and module/Kbuild builds the backend for those series
 * only. Of those two, 6.1 has the container interface unconditionally and
 * a @notify op at the end; 6.12 has it with CONFIG_VFIO_CONTAINER only and
 * no @notify. A new series is checked by comparing struct
 * vfio_iommu_driver_ops and enum vfio_group_type in its
 * drivers/vfio/vfio.h with the ones below, adding it to module/Kbuild
 * (and here, if it differs) and running the pci_device selftest on it
 * (README, "A new kernel series").
 */
#ifndef CONFIG_VFIO_CONTAINER
#define IOASID_VFIO_OPS_NOTIFY
#endif

struct vfio_device;

/* drivers/vfio/vfio.h, 6.1 and 6.12 alike */
enum vfio_group_type {
	VFIO_IOMMU,
	VFIO_EMULATED_IOMMU,
	VFIO_NO_IOMMU,
};

#ifdef IOASID_VFIO_OPS_NOTIFY
/* 6.1 only: the container's file is closed, its groups may live on. */
enum vfio_iommu_notify_type {
	VFIO_IOMMU_CONTAINER_CLOSE = 0,
};
#endif

/* drivers/vfio/vfio.h: 6.12's is 6.1's without @notify. */
struct vfio_iommu_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum vfio_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
#ifdef IOASID_VFIO_OPS_NOTIFY
	void (*notify)(void *iommu_data, enum vfio_iommu_notify_type event);
#endif
};

int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops);
#endif /* IOASID_VFIO_BACKEND */

#endif
