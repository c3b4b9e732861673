// SPDX-License-Identifier: GPL-2.0
/* iommu_group_has_isolated_msi() replaces irq_domain_check_msi_remap() (v6.3). */
#include <linux/iommu.h>

static __maybe_unused bool ioasid_probe(struct iommu_group *group)
{
	return iommu_group_has_isolated_msi(group);
}
