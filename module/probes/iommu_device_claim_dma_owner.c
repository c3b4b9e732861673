// SPDX-License-Identifier: GPL-2.0
/* Per-device DMA ownership, not only per group (v6.5). */
#include <linux/iommu.h>

static __maybe_unused int ioasid_probe(struct device *dev, void *owner)
{
	return iommu_device_claim_dma_owner(dev, owner);
}
