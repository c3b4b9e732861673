// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/* libioasid: handles and context-level calls. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libioasid_private.h"

int __ioasid_ioctl(const struct ioasid_handle *handle, unsigned long request,
		   void *arg)
{
	int ret;

	if (!handle || !arg)
		return -EINVAL;
	ret = ioctl(handle->fd, request, arg);
	return ret < 0 ? -errno : ret;
}

IOASID_EXPORT int ioasid_open(struct ioasid_handle **handlep, const char *path,
			      unsigned int flags)
{
	struct ioasid_handle *handle;
	int err;

	if (!handlep || flags)
		return -EINVAL;

	handle = calloc(1, sizeof(*handle));
	if (!handle)
		return -ENOMEM;
	handle->fd = open(path ? path : IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (handle->fd < 0) {
		err = -errno;
		free(handle);
		return err;
	}
	*handlep = handle;
	return 0;
}

IOASID_EXPORT int ioasid_close(struct ioasid_handle *handle)
{
	int ret = 0;

	if (!handle)
		return 0;
	if (close(handle->fd))
		ret = -errno;
	free(handle);
	return ret;
}

IOASID_EXPORT int ioasid_fd(const struct ioasid_handle *handle)
{
	return handle ? handle->fd : -EINVAL;
}

/*
 * struct ioasid_info grew in 0.2 (the out_max_* limits). A caller built
 * against 0.1's header has room for 0.1's 40 bytes and keeps the 0.1
 * symbol, which asks for no more; callers built since get 0.2's.
 */
#define IOASID_INFO_SIZE_0_1	(offsetof(struct ioasid_info, __reserved) + \
				 sizeof(((struct ioasid_info *)0)->__reserved))

static int ioasid_get_info_sized(struct ioasid_handle *handle,
				 struct ioasid_info *info, size_t size)
{
	if (!handle || !info)
		return -EINVAL;
	memset(info, 0, size);
	info->size = size;
	return __ioasid_ioctl(handle, IOASID_GET_INFO, info);
}

IOASID_EXPORT int ioasid_get_info_0_1(struct ioasid_handle *handle,
				      struct ioasid_info *info);
IOASID_EXPORT int ioasid_get_info_0_2(struct ioasid_handle *handle,
				      struct ioasid_info *info);
__asm__(".symver ioasid_get_info_0_1, ioasid_get_info@LIBIOASID_0.1");
__asm__(".symver ioasid_get_info_0_2, ioasid_get_info@@LIBIOASID_0.2");

IOASID_EXPORT int ioasid_get_info_0_1(struct ioasid_handle *handle,
				      struct ioasid_info *info)
{
	return ioasid_get_info_sized(handle, info, IOASID_INFO_SIZE_0_1);
}

IOASID_EXPORT int ioasid_get_info_0_2(struct ioasid_handle *handle,
				      struct ioasid_info *info)
{
	return ioasid_get_info_sized(handle, info, sizeof(*info));
}
