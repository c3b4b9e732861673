/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core module offers the VFIO backend module (vfio/backend.c):
 * PCI device objects in a context. Exported in the IOASIDFD namespace.
 *
 * The backend makes an object per device of an adopted container
 * (create, then publish or abort), holds a reference to each, and kills
 * the ones of a group that leaves the container: the device is detached
 * (its DMA blocked) and stays in the context as IOASID_DEVICE_GONE until
 * DESTROY. The context kills its devices when it is released; the
 * backend's reference keeps the object's memory, never the context.
 */
#ifndef IOASID_PCI_H
#define IOASID_PCI_H

#include <linux/types.h>

struct file;
struct pci_dev;
struct ioasid_ctx;
struct ioasid_pcidev;

struct ioasid_ctx *ioasid_file_ctx(struct file *file);
struct ioasid_pcidev *ioasid_pcidev_create(struct ioasid_ctx *ictx,
					   struct pci_dev *pdev);
void ioasid_pcidev_publish(struct ioasid_pcidev *pd);
void ioasid_pcidev_abort(struct ioasid_pcidev *pd);
u32 ioasid_pcidev_id(const struct ioasid_pcidev *pd);
struct pci_dev *ioasid_pcidev_pdev(const struct ioasid_pcidev *pd);
bool ioasid_pcidev_live_in(struct ioasid_pcidev *pd, struct ioasid_ctx *ictx);
bool ioasid_pcidev_live(struct ioasid_pcidev *pd);
void ioasid_pcidev_kill(struct ioasid_pcidev *pd);
void ioasid_pcidev_put(struct ioasid_pcidev *pd);

#endif
