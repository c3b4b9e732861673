/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
#ifndef LIBIOASID_PRIVATE_H
#define LIBIOASID_PRIVATE_H

#include <string.h>

#include "libioasid.h"

#define IOASID_EXPORT __attribute__((visibility("default")))

struct ioasid_handle {
	int fd;
};

/* Declare a request struct, zeroed, with its size filled in. */
#define IOASID_INIT(type, var)			\
	type var;				\
	memset(&var, 0, sizeof(var));		\
	var.size = sizeof(var)

/* The one place that turns ioctl(2)'s -1/errno into -errno. */
int __ioasid_ioctl(const struct ioasid_handle *handle, unsigned long request,
		   void *arg);

#endif
