/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the selftests: checks on raw ioctls in the style of iommufd's
 * selftests, and the list of every ioctl with its struct, for the tests that
 * walk them all.
 */
#ifndef IOASID_TEST_H
#define IOASID_TEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <libioasid.h>

#include "kselftest_harness.h"

#ifndef offsetofend
#define offsetofend(TYPE, MEMBER) \
	(offsetof(TYPE, MEMBER) + sizeof(((TYPE *)0)->MEMBER))
#endif

/* Expect a call returning -1/errno to fail with exactly @expected. */
#define EXPECT_ERRNO(expected, cmd)					\
	({								\
		int __ret = (cmd);					\
		EXPECT_EQ(-1, __ret);					\
		if (__ret == -1)					\
			EXPECT_EQ(expected, errno);			\
	})

/* Expect a libioasid call to return -@expected. */
#define EXPECT_LIBERR(expected, cmd) EXPECT_EQ(-(expected), (cmd))

/*
 * Every ioctl of the uAPI with the last member of its struct as first
 * shipped. X(struct name, ioctl, last member). A new ioctl is added here and
 * the length tests cover it.
 */
#define IOASID_FOR_EACH_IOCTL(X)				\
	X(ioasid_info, IOASID_GET_INFO, __reserved)

#endif
