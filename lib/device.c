// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libioasid: devices (software endpoints, adopted PCI devices), DMA,
 * TRANSLATE, dirty tracking.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "libioasid_private.h"

IOASID_EXPORT int ioasid_set_dirty_tracking(struct ioasid_handle *handle,
					    uint32_t id, int enable)
{
	IOASID_INIT(struct ioasid_dirty_tracking, cmd);

	cmd.id = id;
	cmd.flags = enable ? IOASID_DIRTY_ENABLE : 0;
	return __ioasid_ioctl(handle, IOASID_DIRTY_TRACKING, &cmd);
}

IOASID_EXPORT int ioasid_dirty_bitmap(struct ioasid_handle *handle, uint32_t id,
				      uint64_t iova, uint64_t length,
				      uint64_t page_size, uint64_t *bitmap,
				      uint32_t flags)
{
	IOASID_INIT(struct ioasid_dirty_bitmap, cmd);

	if (!bitmap)
		return -EINVAL;
	cmd.flags = flags;
	cmd.id = id;
	cmd.iova = iova;
	cmd.length = length;
	cmd.page_size = page_size;
	cmd.data = (uintptr_t)bitmap;
	return __ioasid_ioctl(handle, IOASID_DIRTY_BITMAP, &cmd);
}

IOASID_EXPORT int ioasid_device_create(struct ioasid_handle *handle,
				       uint32_t flags, uint32_t pasid_bits,
				       uint32_t *dev_id)
{
	IOASID_INIT(struct ioasid_device_create, cmd);
	int ret;

	if (!dev_id)
		return -EINVAL;
	cmd.flags = flags;
	cmd.pasid_bits = pasid_bits;
	ret = __ioasid_ioctl(handle, IOASID_DEVICE_CREATE, &cmd);
	if (!ret)
		*dev_id = cmd.out_id;
	return ret;
}

IOASID_EXPORT int ioasid_device_destroy(struct ioasid_handle *handle,
					uint32_t dev_id)
{
	IOASID_INIT(struct ioasid_destroy, cmd);

	cmd.id = dev_id;
	return __ioasid_ioctl(handle, IOASID_DESTROY, &cmd);
}

/*
 * struct ioasid_device_info grew in 0.3 (the out_last_fault_* members) and
 * again in 0.4 (out_kind up to out_aperture_last, for PCI devices). A
 * caller built against an older header has room for the struct it had
 * then and keeps the symbol of its version, which asks for no more; callers
 * built since get 0.4's, the whole struct.
 */
#define IOASID_DEVICE_INFO_SIZE_0_1 \
	(offsetof(struct ioasid_device_info, out_faults) + \
	 sizeof(((struct ioasid_device_info *)0)->out_faults))
#define IOASID_DEVICE_INFO_SIZE_0_3 \
	(offsetof(struct ioasid_device_info, out_last_fault_level) + \
	 sizeof(((struct ioasid_device_info *)0)->out_last_fault_level))

static int ioasid_device_info_sized(struct ioasid_handle *handle,
				    uint32_t dev_id,
				    struct ioasid_device_info *info,
				    size_t size)
{
	if (!handle || !info)
		return -EINVAL;
	memset(info, 0, size);
	info->size = size;
	info->dev_id = dev_id;
	return __ioasid_ioctl(handle, IOASID_DEVICE_INFO, info);
}

IOASID_EXPORT int ioasid_device_info_0_1(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info);
IOASID_EXPORT int ioasid_device_info_0_3(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info);
IOASID_EXPORT int ioasid_device_info_0_4(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info);
__asm__(".symver ioasid_device_info_0_1, ioasid_device_info@LIBIOASID_0.1");
__asm__(".symver ioasid_device_info_0_3, ioasid_device_info@LIBIOASID_0.3");
__asm__(".symver ioasid_device_info_0_4, ioasid_device_info@@LIBIOASID_0.4");

IOASID_EXPORT int ioasid_device_info_0_1(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info)
{
	return ioasid_device_info_sized(handle, dev_id, info,
					IOASID_DEVICE_INFO_SIZE_0_1);
}

IOASID_EXPORT int ioasid_device_info_0_3(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info)
{
	return ioasid_device_info_sized(handle, dev_id, info,
					IOASID_DEVICE_INFO_SIZE_0_3);
}

IOASID_EXPORT int ioasid_device_info_0_4(struct ioasid_handle *handle,
					 uint32_t dev_id,
					 struct ioasid_device_info *info)
{
	return ioasid_device_info_sized(handle, dev_id, info, sizeof(*info));
}

/*
 * IOASID_VFIO_ADOPT goes to the VFIO container, not to the context: the
 * context is named by its fd in the struct.
 */
IOASID_EXPORT int ioasid_vfio_adopt(struct ioasid_handle *handle,
				    int container_fd,
				    struct ioasid_vfio_device *devs,
				    uint32_t *num_devices)
{
	IOASID_INIT(struct ioasid_vfio_adopt, cmd);
	int ret;

	if (!handle || !num_devices || (!devs && *num_devices))
		return -EINVAL;
	cmd.ioasid_fd = handle->fd;
	cmd.num_devices = *num_devices;
	cmd.devices = (uintptr_t)devs;
	ret = ioctl(container_fd, IOASID_VFIO_ADOPT, &cmd);
	if (ret < 0)
		ret = -errno;
	if (!ret || ret == -EMSGSIZE)
		*num_devices = cmd.num_devices;
	return ret;
}

static int ioasid_attach_cmd(struct ioasid_handle *handle, unsigned long request,
			     uint32_t dev_id, uint32_t node_id, uint32_t flags,
			     uint32_t pasid)
{
	IOASID_INIT(struct ioasid_attach, cmd);

	cmd.flags = flags;
	cmd.dev_id = dev_id;
	cmd.node_id = node_id;
	cmd.pasid = pasid;
	return __ioasid_ioctl(handle, request, &cmd);
}

IOASID_EXPORT int ioasid_attach(struct ioasid_handle *handle, uint32_t dev_id,
				uint32_t node_id, uint32_t flags, uint32_t pasid)
{
	return ioasid_attach_cmd(handle, IOASID_ATTACH, dev_id, node_id, flags,
				 pasid);
}

IOASID_EXPORT int ioasid_detach(struct ioasid_handle *handle, uint32_t dev_id,
				uint32_t flags, uint32_t pasid)
{
	return ioasid_attach_cmd(handle, IOASID_DETACH, dev_id, 0, flags, pasid);
}

IOASID_EXPORT int ioasid_dma(struct ioasid_handle *handle, uint32_t dev_id,
			     uint32_t flags, uint32_t pasid, uint64_t iova,
			     void *buffer, uint64_t length, uint64_t *done)
{
	IOASID_INIT(struct ioasid_dma, cmd);
	int ret;

	cmd.flags = flags;
	cmd.dev_id = dev_id;
	cmd.pasid = pasid;
	cmd.iova = iova;
	cmd.length = length;
	cmd.buffer = (uintptr_t)buffer;
	ret = __ioasid_ioctl(handle, IOASID_DMA, &cmd);
	if (done)
		*done = cmd.out_done;
	return ret;
}

IOASID_EXPORT int ioasid_translate(struct ioasid_handle *handle,
				   uint32_t dev_id, uint32_t flags,
				   uint32_t pasid, uint64_t iova,
				   struct ioasid_translate *result)
{
	if (!handle || !result)
		return -EINVAL;
	memset(result, 0, sizeof(*result));
	result->size = sizeof(*result);
	result->flags = flags;
	result->dev_id = dev_id;
	result->pasid = pasid;
	result->iova = iova;
	return __ioasid_ioctl(handle, IOASID_TRANSLATE, result);
}
