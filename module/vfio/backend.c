// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidfd_vfio: a VFIO IOMMU backend that hands a container's devices to
 * a /dev/ioasid context.
 *
 * A VMM keeps using vfio-pci for everything about its assigned devices but
 * DMA mappings: it selects this backend with VFIO_SET_IOMMU
 * (IOASID_VFIO_IOMMU) and calls IOASID_VFIO_ADOPT on the container, and the
 * devices of the container's groups become PCI device objects of the
 * context (module/pcidev.c), which attach to IOASID nodes.
 *
 * VFIO calls in here with the container's group_lock held for writing
 * (attach_group, detach_group, release) or, on some kernels, for reading
 * (ioctl); the container's own @lock orders our lists against concurrent
 * ioctls. Lock order: VFIO's locks, @lock, then the core's (ioasid_pci.h).
 *
 * This backend maps nothing itself: VFIO_IOMMU_MAP_DMA and the other
 * backends' ioctls are ENOTTY, and it offers no pin_pages/dma_rw, so
 * emulated (mdev) devices cannot join (their groups are refused).
 */
#define IOASID_VFIO_BACKEND
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "../compat.h"
#include "../ioasid_pci.h"
#include "../../uapi/linux/ioasid.h"

/**
 * struct ioasid_vfio - one container using this backend
 * @lock: the lists below
 * @groups: struct ioasid_vfio_group, in the order they joined
 * @devices: struct ioasid_vfio_dev: every device object made for the
 *	container, live or gone
 */
struct ioasid_vfio {
	struct mutex lock;	/* see above */
	struct list_head groups;
	struct list_head devices;
};

struct ioasid_vfio_group {
	struct list_head item;
	struct iommu_group *group;
};

struct ioasid_vfio_dev {
	struct list_head item;
	struct iommu_group *group;
	struct ioasid_pcidev *pd;
};

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Take IOMMU groups without interrupt remapping, whose devices could forge interrupts by DMA to the MSI window, as vfio_iommu_type1's parameter of that name does (bool; default N; read when a group joins a container)");

static void *ioasid_vfio_open(unsigned long arg)
{
	struct ioasid_vfio *iv;

	if (arg != IOASID_VFIO_IOMMU)
		return ERR_PTR(-EINVAL);
	iv = kzalloc(sizeof(*iv), GFP_KERNEL_ACCOUNT);
	if (!iv)
		return ERR_PTR(-ENOMEM);
	mutex_init(&iv->lock);
	INIT_LIST_HEAD(&iv->groups);
	INIT_LIST_HEAD(&iv->devices);
	return iv;
}

/* Kill and forget the device objects of @group (every group when NULL). */
static void ioasid_vfio_drop_devices(struct ioasid_vfio *iv,
				     struct iommu_group *group)
{
	struct ioasid_vfio_dev *vd, *next;

	lockdep_assert_held(&iv->lock);
	list_for_each_entry_safe(vd, next, &iv->devices, item) {
		if (group && vd->group != group)
			continue;
		ioasid_pcidev_kill(vd->pd);
		ioasid_pcidev_put(vd->pd);
		list_del(&vd->item);
		kfree(vd);
	}
}

static void ioasid_vfio_release(void *data)
{
	struct ioasid_vfio *iv = data;
	struct ioasid_vfio_group *vg, *next;

	mutex_lock(&iv->lock);
	ioasid_vfio_drop_devices(iv, NULL);
	list_for_each_entry_safe(vg, next, &iv->groups, item) {
		list_del(&vg->item);
		kfree(vg);
	}
	mutex_unlock(&iv->lock);
	mutex_destroy(&iv->lock);
	kfree(iv);
}

static int ioasid_vfio_attach_group(void *data, struct iommu_group *group,
				    enum vfio_group_type type)
{
	struct ioasid_vfio *iv = data;
	struct ioasid_vfio_group *vg;

	/* Devices without an IOMMU cannot be given a translation. */
	if (type != VFIO_IOMMU)
		return -EINVAL;
	if (!allow_unsafe_interrupts && !ioasid_group_has_isolated_msi(group)) {
		pr_warn_ratelimited("ioasidfd_vfio: no interrupt remapping for IOMMU group %d; the module parameter allow_unsafe_interrupts takes it anyway\n",
				    iommu_group_id(group));
		return -EPERM;
	}
	vg = kzalloc(sizeof(*vg), GFP_KERNEL_ACCOUNT);
	if (!vg)
		return -ENOMEM;
	vg->group = group;
	mutex_lock(&iv->lock);
	list_add_tail(&vg->item, &iv->groups);
	mutex_unlock(&iv->lock);
	return 0;
}

/* The group leaves the container: its devices are detached, for good. */
static void ioasid_vfio_detach_group(void *data, struct iommu_group *group)
{
	struct ioasid_vfio *iv = data;
	struct ioasid_vfio_group *vg;

	mutex_lock(&iv->lock);
	ioasid_vfio_drop_devices(iv, group);
	list_for_each_entry(vg, &iv->groups, item) {
		if (vg->group == group) {
			list_del(&vg->item);
			kfree(vg);
			break;
		}
	}
	mutex_unlock(&iv->lock);
}

/* ADOPT ------------------------------------------------------------------- */

/* The PCI devices of the container's groups, collected for ADOPT. */
struct ioasid_vfio_scan {
	struct pci_dev **pdevs;
	struct iommu_group **groups;
	unsigned int n;
	unsigned int max;
	struct iommu_group *group;
};

static int ioasid_vfio_scan_one(struct device *dev, void *data)
{
	struct ioasid_vfio_scan *scan = data;
	struct pci_dev *pdev;

	if (!dev_is_pci(dev))
		return -ENODEV;
	pdev = to_pci_dev(dev);
	/* A bridge sharing the group does no DMA of its own to translate. */
	if (pci_is_bridge(pdev))
		return 0;
	if (scan->pdevs && scan->n < scan->max) {
		scan->pdevs[scan->n] = pci_dev_get(pdev);
		scan->groups[scan->n] = scan->group;
	}
	scan->n++;
	return 0;
}

/* Count (@scan->pdevs NULL) or collect the devices of every group. */
static int ioasid_vfio_scan(struct ioasid_vfio *iv, struct ioasid_vfio_scan *scan)
{
	struct ioasid_vfio_group *vg;
	int rc;

	scan->n = 0;
	list_for_each_entry(vg, &iv->groups, item) {
		scan->group = vg->group;
		rc = iommu_group_for_each_dev(vg->group, scan, ioasid_vfio_scan_one);
		if (rc)
			return rc;
	}
	return 0;
}

static void ioasid_vfio_scan_free(struct ioasid_vfio_scan *scan)
{
	unsigned int i;

	for (i = 0; scan->pdevs && i < min(scan->n, scan->max); i++)
		pci_dev_put(scan->pdevs[i]);
	kfree(scan->pdevs);
	kfree(scan->groups);
}

/* The object of @pdev already live in @ictx, if any. */
static struct ioasid_vfio_dev *ioasid_vfio_find(struct ioasid_vfio *iv,
						struct pci_dev *pdev,
						struct ioasid_ctx *ictx)
{
	struct ioasid_vfio_dev *vd;

	list_for_each_entry(vd, &iv->devices, item)
		if (ioasid_pcidev_pdev(vd->pd) == pdev &&
		    ioasid_pcidev_live_in(vd->pd, ictx))
			return vd;
	return NULL;
}

/*
 * Make (unpublished) objects for what @ictx does not hold yet, write every
 * id to the caller, and only then publish the new ones and forget gone
 * ones; on any failure nothing changes.
 */
static int ioasid_vfio_adopt_devices(struct ioasid_vfio *iv, struct ioasid_ctx *ictx,
				     struct ioasid_vfio_scan *scan,
				     struct ioasid_vfio_device __user *udevs)
{
	struct ioasid_vfio_device *out;
	struct ioasid_vfio_dev *vd, *next;
	LIST_HEAD(made);
	unsigned int i;
	int rc = 0;

	out = kcalloc(scan->n, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < scan->n; i++) {
		struct pci_dev *pdev = scan->pdevs[i];

		out[i].pci_id = pci_domain_nr(pdev->bus) << 16 |
				pdev->bus->number << 8 | pdev->devfn;
		vd = ioasid_vfio_find(iv, pdev, ictx);
		if (vd) {
			out[i].dev_id = ioasid_pcidev_id(vd->pd);
			continue;
		}
		vd = kzalloc(sizeof(*vd), GFP_KERNEL_ACCOUNT);
		if (!vd) {
			rc = -ENOMEM;
			break;
		}
		vd->group = scan->groups[i];
		vd->pd = ioasid_pcidev_create(ictx, pdev);
		if (IS_ERR(vd->pd)) {
			rc = PTR_ERR(vd->pd);
			kfree(vd);
			break;
		}
		out[i].dev_id = ioasid_pcidev_id(vd->pd);
		list_add_tail(&vd->item, &made);
	}
	if (!rc && copy_to_user(udevs, out, scan->n * sizeof(*out)))
		rc = -EFAULT;
	kfree(out);

	list_for_each_entry_safe(vd, next, &made, item) {
		list_del(&vd->item);
		if (rc) {
			ioasid_pcidev_abort(vd->pd);
			kfree(vd);
		} else {
			ioasid_pcidev_publish(vd->pd);
			list_add_tail(&vd->item, &iv->devices);
		}
	}
	if (rc)
		return rc;
	/* Objects that are gone (DESTROY, a closed context) need no record. */
	list_for_each_entry_safe(vd, next, &iv->devices, item) {
		if (ioasid_pcidev_live(vd->pd))
			continue;
		ioasid_pcidev_put(vd->pd);
		list_del(&vd->item);
		kfree(vd);
	}
	return 0;
}

static int ioasid_vfio_adopt_locked(struct ioasid_vfio *iv,
				    struct ioasid_vfio_adopt *cmd,
				    struct ioasid_vfio_adopt __user *ucmd)
{
	struct ioasid_vfio_scan scan = {};
	struct ioasid_vfio_dev *vd;
	struct ioasid_ctx *ictx;
	struct file *file;
	int rc;

	file = fget(cmd->ioasid_fd);
	if (!file)
		return -EBADF;
	ictx = ioasid_file_ctx(file);
	if (!ictx) {
		rc = -EINVAL;
		goto out_fput;
	}
	list_for_each_entry(vd, &iv->devices, item) {
		if (ioasid_pcidev_live(vd->pd) && !ioasid_pcidev_live_in(vd->pd, ictx)) {
			rc = -EBUSY;
			goto out_fput;
		}
	}
	rc = ioasid_vfio_scan(iv, &scan);
	if (rc)
		goto out_fput;
	if (scan.n > cmd->num_devices) {
		cmd->num_devices = scan.n;
		rc = put_user(cmd->num_devices, &ucmd->num_devices) ? -EFAULT : -EMSGSIZE;
		goto out_fput;
	}
	/* The groups cannot change under @lock: this finds what was counted. */
	scan.max = scan.n;
	scan.pdevs = kcalloc(scan.max, sizeof(*scan.pdevs), GFP_KERNEL);
	scan.groups = kcalloc(scan.max, sizeof(*scan.groups), GFP_KERNEL);
	if (!scan.pdevs || !scan.groups) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = ioasid_vfio_scan(iv, &scan);
	if (!rc && scan.n != scan.max)
		rc = -EAGAIN;	/* a device came or went: try again */
	if (!rc)
		rc = ioasid_vfio_adopt_devices(iv, ictx, &scan,
					       u64_to_user_ptr(cmd->devices));
	if (!rc) {
		cmd->num_devices = scan.n;
		if (put_user(cmd->num_devices, &ucmd->num_devices))
			rc = -EFAULT;
	}
out_free:
	ioasid_vfio_scan_free(&scan);
out_fput:
	fput(file);
	return rc;
}

static long ioasid_vfio_adopt(struct ioasid_vfio *iv, void __user *uarg)
{
	struct ioasid_vfio_adopt cmd;
	u32 size;
	int rc;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < offsetofend(struct ioasid_vfio_adopt, devices))
		return -EINVAL;
	rc = copy_struct_from_user(&cmd, sizeof(cmd), uarg, size);
	if (rc)
		return rc;
	if (cmd.flags)
		return -EOPNOTSUPP;
	if (mutex_lock_killable(&iv->lock))
		return -EINTR;
	rc = ioasid_vfio_adopt_locked(iv, &cmd, uarg);
	mutex_unlock(&iv->lock);
	return rc;
}

static long ioasid_vfio_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		return arg == IOASID_VFIO_IOMMU;
	case IOASID_VFIO_ADOPT:
		return data ? ioasid_vfio_adopt(data, (void __user *)arg) : -EINVAL;
	default:
		return -ENOTTY;
	}
}

static const struct vfio_iommu_driver_ops ioasid_vfio_ops = {
	.name = "ioasid",
	.owner = THIS_MODULE,
	.open = ioasid_vfio_open,
	.release = ioasid_vfio_release,
	.ioctl = ioasid_vfio_ioctl,
	.attach_group = ioasid_vfio_attach_group,
	.detach_group = ioasid_vfio_detach_group,
};

static int __init ioasid_vfio_init(void)
{
	return vfio_register_iommu_driver(&ioasid_vfio_ops);
}

static void __exit ioasid_vfio_exit(void)
{
	vfio_unregister_iommu_driver(&ioasid_vfio_ops);
}

module_init(ioasid_vfio_init);
module_exit(ioasid_vfio_exit);

MODULE_DESCRIPTION("VFIO IOMMU backend handing containers' devices to /dev/ioasid");
MODULE_LICENSE("GPL");
MODULE_VERSION(IOASID_VERSION);
MODULE_IMPORT_NS(IOASIDFD);
