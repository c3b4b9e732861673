// SPDX-License-Identifier: GPL-2.0
/* iommu_paging_domain_alloc() replaces iommu_domain_alloc(bus) (v6.11). */
#include <linux/iommu.h>

static __maybe_unused struct iommu_domain *ioasid_probe(struct device *dev)
{
	return iommu_paging_domain_alloc(dev);
}
