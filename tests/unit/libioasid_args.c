// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side checks of libioasid that need no module: argument validation,
 * the -errno convention, and the uAPI layout, which must never change once
 * shipped. Nothing here loads a module (the host cannot).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ioasid_test.h"

/* struct ioasid_info as shipped in 0.1.0, then only extended. */
_Static_assert(offsetofend(struct ioasid_info, __reserved) == 40, "ioasid_info 0.1.0 size");
_Static_assert(sizeof(struct ioasid_info) == 64, "ioasid_info size");
_Static_assert(offsetof(struct ioasid_info, out_max_child_mappings) == 40, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_iotlb_entries) == 48, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_reservations) == 56, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_attachments) == 60, "layout");
_Static_assert(offsetof(struct ioasid_info, out_capabilities) == 8, "layout");
_Static_assert(offsetof(struct ioasid_info, out_pgsize_bitmap) == 16, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_depth) == 24, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_pasid_bits) == 28, "layout");
_Static_assert(offsetof(struct ioasid_info, out_max_batch) == 32, "layout");
_Static_assert(offsetof(struct ioasid_info, __reserved) == 36, "layout");
_Static_assert(IOASID_GET_INFO == 0xA600, "ioctl number");

TEST(open_checks_arguments)
{
	struct ioasid_handle *handle = NULL;

	EXPECT_LIBERR(EINVAL, ioasid_open(NULL, NULL, 0));
	EXPECT_LIBERR(EINVAL, ioasid_open(&handle, NULL, 1));
	EXPECT_LIBERR(ENOENT, ioasid_open(&handle, "/nonexistent/ioasid", 0));
	EXPECT_EQ(NULL, handle);
}

TEST(errno_is_returned_negated)
{
	struct ioasid_handle *handle;
	struct ioasid_info info;
	int fd;

	/* Any file that is not /dev/ioasid answers our ioctls with ENOTTY. */
	ASSERT_EQ(0, ioasid_open(&handle, "/dev/null", 0));
	fd = ioasid_fd(handle);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_LIBERR(ENOTTY, ioasid_get_info(handle, &info));
	EXPECT_LIBERR(EINVAL, ioasid_get_info(handle, NULL));
	EXPECT_EQ(0, ioasid_close(handle));
	/* The handle's fd is really closed. */
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
}

TEST(null_handle)
{
	struct ioasid_info info;

	EXPECT_LIBERR(EINVAL, ioasid_fd(NULL));
	EXPECT_LIBERR(EINVAL, ioasid_get_info(NULL, &info));
	EXPECT_EQ(0, ioasid_close(NULL));
}

TEST(module_helpers_check_arguments)
{
	EXPECT_LIBERR(EINVAL, ioasid_module_load(NULL, 1));
	EXPECT_LIBERR(EINVAL, ioasid_module_unload(1));
	EXPECT_LIBERR(ENOENT, ioasid_module_load("/nonexistent/ioasidfd.ko", 0));
}

/* A file that is not ioasidfd is refused before anything reaches the kernel. */
TEST(module_load_refuses_other_modules)
{
	char path[] = "/tmp/ioasid-unit-XXXXXX";
	char ko[64];
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	snprintf(ko, sizeof(ko), "%s.other.ko", path);
	ASSERT_EQ(0, rename(path, ko));
	EXPECT_LIBERR(EINVAL, ioasid_module_load(ko, 0));
	unlink(ko);
}

TEST_HARNESS_MAIN
