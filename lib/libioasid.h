/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libioasid: a thin, honest library over /dev/ioasid.
 *
 * Every function returns a value >= 0 on success or a negative errno value
 * on failure; errno is never the interface. One handle wraps one open file
 * of /dev/ioasid, that is one context. Handles are not shared between
 * threads by the library itself: the kernel serialises what needs it.
 */
#ifndef LIBIOASID_H
#define LIBIOASID_H

#include <linux/ioasid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel module's name, as modprobe and /proc/modules know it. */
#define IOASID_MODULE_NAME	"ioasidfd"
/* The device node the module creates. */
#define IOASID_DEVICE_PATH	"/dev/ioasid"

struct ioasid_handle;

int ioasid_open(struct ioasid_handle **handlep, const char *path,
		unsigned int flags);
int ioasid_close(struct ioasid_handle *handle);
int ioasid_fd(const struct ioasid_handle *handle);

int ioasid_get_info(struct ioasid_handle *handle, struct ioasid_info *info);

int ioasid_module_load(const char *path, unsigned int flags);
int ioasid_module_unload(unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif
