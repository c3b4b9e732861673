// SPDX-License-Identifier: GPL-2.0
/*
 * The context: open/close, GET_INFO, the generic ioctl rules every command
 * follows, module references, and loading/unloading the module.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ioasid_test.h"

static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/" IOASID_MODULE_NAME "/refcnt", "r");
	int refcnt = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &refcnt) != 1)
		refcnt = -EIO;
	fclose(f);
	return refcnt;
}

static int misc_registered(void)
{
	char line[128];
	FILE *f = fopen("/proc/misc", "r");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " ioasid\n"))
			found = 1;
	fclose(f);
	return found;
}

FIXTURE(context) {
	struct ioasid_handle *handle;
	int fd;
};

FIXTURE_SETUP(context)
{
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->handle, NULL, 0));
	self->fd = ioasid_fd(self->handle);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(context)
{
	ioasid_close(self->handle);
}

TEST_F(context, get_info)
{
	struct ioasid_info info;

	ASSERT_EQ(0, ioasid_get_info(self->handle, &info));
	EXPECT_EQ(sizeof(info), info.size);
	/* Exactly the documented bits this version implements. */
	EXPECT_EQ(IOASID_CAP_KERNEL_MANAGED | IOASID_CAP_BATCH |
		  IOASID_CAP_SW_ENDPOINT | IOASID_CAP_DIRTY_TRACKING,
		  info.out_capabilities);
	EXPECT_TRUE(info.out_pgsize_bitmap & (uint64_t)getpagesize());
	EXPECT_EQ(0, info.out_pgsize_bitmap & ((uint64_t)getpagesize() - 1));
	EXPECT_LE(2, info.out_max_depth);
	EXPECT_EQ(20, info.out_max_pasid_bits);
	EXPECT_LE(1, info.out_max_batch);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.__reserved);
}

TEST_F(context, get_info_rejects_flags_and_reserved)
{
	struct ioasid_info info = { .size = sizeof(info) };

	info.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_GET_INFO, &info));
	info.flags = 1u << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_GET_INFO, &info));
	info.flags = 0;
	info.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_GET_INFO, &info));
	/* A failed call writes nothing back. */
	EXPECT_EQ(0, info.out_capabilities);
	EXPECT_EQ(0, info.out_pgsize_bitmap);
	EXPECT_EQ(0, info.out_max_depth);
}

/*
 * For every ioctl: one byte short of the minimum is EINVAL, one byte longer
 * than the kernel's struct with a non-zero tail is E2BIG, and a longer struct
 * with a zero tail behaves exactly like the exact size.
 */
#define TEST_LENGTH(_struct, _ioctl, _last)					\
	do {									\
		struct {							\
			struct _struct cmd;					\
			uint8_t extra;						\
		} buf;								\
		int rc, err;							\
										\
		memset(&buf, 0, sizeof(buf));					\
		buf.cmd.size = offsetofend(struct _struct, _last) - 1;		\
		buf.extra = 0xff;						\
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, _ioctl, &buf));		\
		buf.cmd.size = 0;						\
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, _ioctl, &buf));		\
		buf.cmd.size = sizeof(struct _struct) + 1;			\
		EXPECT_ERRNO(E2BIG, ioctl(self->fd, _ioctl, &buf));		\
										\
		memset(&buf, 0, sizeof(buf));					\
		buf.cmd.size = sizeof(struct _struct);				\
		rc = ioctl(self->fd, _ioctl, &buf);				\
		err = errno;							\
		memset(&buf, 0, sizeof(buf));					\
		buf.cmd.size = sizeof(struct _struct) + 1;			\
		if (rc) {							\
			EXPECT_ERRNO(err, ioctl(self->fd, _ioctl, &buf));	\
		} else {							\
			EXPECT_EQ(0, ioctl(self->fd, _ioctl, &buf));		\
		}								\
		EXPECT_EQ(0, buf.extra);					\
	} while (0);

TEST_F(context, cmd_length)
{
	IOASID_FOR_EACH_IOCTL(TEST_LENGTH)
}

#define TEST_BAD_POINTER(_struct, _ioctl, _last)				\
	do {									\
		EXPECT_ERRNO(EFAULT, ioctl(self->fd, _ioctl, NULL));		\
		EXPECT_ERRNO(EFAULT, ioctl(self->fd, _ioctl, unmapped));	\
	} while (0);

TEST_F(context, bad_pointer)
{
	void *unmapped = mmap(NULL, getpagesize(), PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, unmapped);
	IOASID_FOR_EACH_IOCTL(TEST_BAD_POINTER)
	munmap(unmapped, getpagesize());
}

TEST_F(context, unknown_ioctl)
{
	struct ioasid_info info = { .size = sizeof(info) };

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOASID_TYPE, 0xff), &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOASID_TYPE, 0x7f), &info));
	/* The right number with other type or direction bits is not ours. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOASID_TYPE + 1, IOASID_CMD_GET_INFO), &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(IOASID_TYPE, IOASID_CMD_GET_INFO,
						   struct ioasid_info), &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, 0, &info));
}

TEST_F(context, two_contexts_are_independent)
{
	struct ioasid_handle *other;
	struct ioasid_info info;
	int refcnt = module_refcnt();

	ASSERT_LE(1, refcnt);
	ASSERT_EQ(0, ioasid_open(&other, NULL, 0));
	EXPECT_NE(self->fd, ioasid_fd(other));
	EXPECT_EQ(refcnt + 1, module_refcnt());
	EXPECT_EQ(0, ioasid_get_info(other, &info));

	/* Closing one context leaves the other working. */
	EXPECT_EQ(0, ioasid_close(self->handle));
	EXPECT_EQ(refcnt, module_refcnt());
	EXPECT_EQ(0, ioasid_get_info(other, &info));
	EXPECT_EQ(0, ioasid_open(&self->handle, NULL, 0));
	self->fd = ioasid_fd(self->handle);
	EXPECT_EQ(0, ioasid_close(other));
	EXPECT_EQ(0, ioasid_get_info(self->handle, &info));
}

TEST_F(context, fork_shares_the_context)
{
	struct ioasid_info info;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ioasid_get_info(self->handle, &info) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(context, unprivileged_open_is_refused)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open(IOASID_DEVICE_PATH, O_RDWR) == -1 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(context, rmmod_while_open)
{
	EXPECT_LIBERR(EBUSY, ioasid_module_unload(0));
	/* What rmmod itself meets: delete_module() refuses a module in use. */
	EXPECT_ERRNO(EWOULDBLOCK, syscall(SYS_delete_module, IOASID_MODULE_NAME,
					  O_NONBLOCK));
	EXPECT_EQ(1, misc_registered());

	ASSERT_EQ(0, ioasid_close(self->handle));
	self->handle = NULL;
	EXPECT_EQ(0, module_refcnt());
	ASSERT_EQ(0, ioasid_module_unload(0));
	EXPECT_EQ(-ENOENT, module_refcnt());
	EXPECT_EQ(0, misc_registered());
	EXPECT_NE(0, access(IOASID_DEVICE_PATH, F_OK));
	EXPECT_LIBERR(ENOENT, ioasid_module_unload(0));

	ASSERT_EQ(0, ioasid_module_load(NULL, 0));
	EXPECT_EQ(1, ioasid_module_load(NULL, 0));
	EXPECT_EQ(0, ioasid_open(&self->handle, NULL, 0));
}

TEST_HARNESS_MAIN
