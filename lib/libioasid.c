// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/* libioasid: handles and context-level calls. */
#include <errno.h>
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

IOASID_EXPORT int ioasid_get_info(struct ioasid_handle *handle,
				  struct ioasid_info *info)
{
	if (!handle || !info)
		return -EINVAL;
	/*
	 * The size is the one this library was built with. Should the struct
	 * grow, the symbol gets a new version and old callers keep this one.
	 */
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return __ioasid_ioctl(handle, IOASID_GET_INFO, info);
}
