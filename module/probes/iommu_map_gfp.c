// SPDX-License-Identifier: GPL-2.0
/* iommu_map() takes a gfp_t (v6.3). */
#include <linux/iommu.h>

static __maybe_unused int ioasid_probe(struct iommu_domain *d)
{
	return iommu_map(d, 0, 0, 0, 0, GFP_KERNEL);
}
