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

/*
 * The capability bits are 64-bit constants, as out_capabilities is: an enum
 * constant is an int, which bit 31 and up would not fit.
 */
_Static_assert(sizeof(IOASID_CAP_KERNEL_MANAGED) == 8, "64-bit capability");
_Static_assert(sizeof(IOASID_CAP_BATCH) == 8, "64-bit capability");
_Static_assert(sizeof(IOASID_CAP_SW_ENDPOINT) == 8, "64-bit capability");
_Static_assert(sizeof(IOASID_CAP_DIRTY_TRACKING) == 8, "64-bit capability");
_Static_assert(sizeof(IOASID_CAP_USER_MANAGED) == 8, "64-bit capability");
_Static_assert(sizeof(((struct ioasid_info *)0)->out_capabilities) == 8,
	       "out_capabilities");

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
		  IOASID_CAP_SW_ENDPOINT | IOASID_CAP_DIRTY_TRACKING |
		  IOASID_CAP_USER_MANAGED | IOASID_CAP_PCI_DEVICE |
		  IOASID_CAP_FAULT_QUEUE,
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

/* Unknown values of enum members ----------------------------------------------- */

static uint32_t num_children(struct ioasid_handle *h, uint32_t id)
{
	struct ioasid_node_info info;

	return ioasid_node_info(h, id, &info) ? ~0u : info.out_num_children;
}

/*
 * ALLOC's mode and format: a value this kernel does not know is EOPNOTSUPP
 * (a probe for the feature), and no node is made.
 */
TEST_F(context, alloc_unknown_mode_or_format_is_eopnotsupp)
{
	static const uint32_t bad_modes[] = { 0, 3, 4, 0x80000000u, 0xffffffffu };
	static const uint32_t bad_formats[] = { 0, 2, 3, 0x80000000u, 0xffffffffu };
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	struct ioasid_alloc a;
	long long nodes;
	uint32_t root, id = 0;
	unsigned int i, p;

	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	nodes = ioasid_sysfs_stat("nodes");
	ASSERT_LE(1, nodes);
	for (i = 0; i < ARRAY_SIZE(bad_modes); i++) {
		for (p = 0; p < 2; p++) {
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.mode = bad_modes[i];
			a.parent_id = p ? root : 0;
			EXPECT_ERRNO_LOG(EOPNOTSUPP, ioctl(self->fd, IOASID_ALLOC, &a),
					"mode %#x, parent %u", bad_modes[i], a.parent_id);
			EXPECT_EQ(0, a.out_id);
		}
		EXPECT_LIBERR(EOPNOTSUPP, ioasid_node_alloc(self->handle, root,
							    bad_modes[i], &id));
	}
	for (i = 0; i < ARRAY_SIZE(bad_formats); i++) {
		fmt.hdr.format = bad_formats[i];
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.mode = IOASID_MODE_USER_MANAGED;
		a.parent_id = root;
		a.format = (uintptr_t)&fmt;
		a.format_len = sizeof(fmt);
		EXPECT_ERRNO_LOG(EOPNOTSUPP, ioctl(self->fd, IOASID_ALLOC, &a),
				"format %#x", bad_formats[i]);
		EXPECT_EQ(0, a.out_id);
		EXPECT_LIBERR(EOPNOTSUPP, ioasid_node_alloc_user(self->handle, root,
								 &fmt, sizeof(fmt),
								 &id));
	}
	EXPECT_EQ(0, id);
	EXPECT_EQ(nodes, ioasid_sysfs_stat("nodes"));
	EXPECT_EQ(0, num_children(self->handle, root));
}

/* BATCH's op: anything but MAP and UNMAP is EOPNOTSUPP, and nothing runs. */
TEST_F(context, batch_unknown_op_is_eopnotsupp)
{
	static const uint32_t bad_ops[] = {
		IOASID_CMD_GET_INFO, IOASID_CMD_ALLOC, IOASID_CMD_COPY,
		IOASID_CMD_BATCH, IOASID_CMD_INVALIDATE, 0xff, 0xffffffffu,
	};
	uint8_t *buf = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct ioasid_map map = { .size = sizeof(map),
				  .flags = IOASID_MAP_READ | IOASID_MAP_WRITE };
	struct ioasid_batch b;
	struct ioasid_node_info info;
	unsigned int i;
	uint32_t root;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	map.id = root;
	map.addr = (uintptr_t)buf;
	map.length = getpagesize();
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.op = bad_ops[i];
		b.count = 1;
		b.entry_size = sizeof(map);
		b.entries = (uintptr_t)&map;
		EXPECT_ERRNO_LOG(EOPNOTSUPP, ioctl(self->fd, IOASID_BATCH, &b),
				"op %#x", bad_ops[i]);
		EXPECT_EQ(0, b.out_done);
		EXPECT_EQ(0, map.iova);
	}
	ASSERT_EQ(0, ioasid_node_info(self->handle, root, &info));
	EXPECT_EQ(0, info.out_num_mappings);
	munmap(buf, getpagesize());
}

/*
 * OPTION's option_id and op: EOPNOTSUPP, the option stays as it was and
 * GET writes nothing.
 */
TEST_F(context, option_unknown_option_or_op_is_eopnotsupp)
{
	static const uint32_t bad_ids[] = { 0, 4, 5, 0x80000000u, 0xffffffffu };
	static const uint32_t bad_ops[] = { 2, 3, 0x80000000u, 0xffffffffu };
	const uint64_t poison = 0x5a5a5a5a5a5a5a5aULL;
	struct ioasid_option o;
	unsigned int i, op;

	ASSERT_EQ(IOASID_ACCOUNT_USER, ioasid_get_account_mode(self->handle));
	for (i = 0; i < ARRAY_SIZE(bad_ids); i++) {
		for (op = IOASID_OPTION_OP_SET; op <= IOASID_OPTION_OP_GET; op++) {
			memset(&o, 0, sizeof(o));
			o.size = sizeof(o);
			o.option_id = bad_ids[i];
			o.op = op;
			o.val64 = op == IOASID_OPTION_OP_SET ? IOASID_ACCOUNT_PROCESS :
							       poison;
			EXPECT_ERRNO_LOG(EOPNOTSUPP, ioctl(self->fd, IOASID_OPTION, &o),
					"option %#x, op %u", bad_ids[i], op);
			EXPECT_EQ(op == IOASID_OPTION_OP_SET ? IOASID_ACCOUNT_PROCESS :
							       poison, o.val64);
		}
	}
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.option_id = IOASID_OPTION_ACCOUNT_MODE;
		o.op = bad_ops[i];
		/* A value SET would take: an op taken for SET would show. */
		o.val64 = IOASID_ACCOUNT_PROCESS;
		EXPECT_LIBERR(EOPNOTSUPP, ioasid_option_cmd(self->handle, &o))
			TH_LOG("op %#x", bad_ops[i]);
		EXPECT_EQ(IOASID_ACCOUNT_PROCESS, o.val64);
	}
	EXPECT_EQ(IOASID_ACCOUNT_USER, ioasid_get_account_mode(self->handle));
}

/* FORMAT_INFO of a format this kernel does not know: EOPNOTSUPP, nothing written. */
TEST_F(context, format_info_unknown_format_is_eopnotsupp)
{
	static const uint32_t bad_formats[] = { 0, 2, 3, 0x80000000u, 0xffffffffu };
	struct ioasid_format_info fi, before;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_formats); i++) {
		memset(&fi, 0xa5, sizeof(fi));
		fi.size = sizeof(fi);
		fi.flags = 0;
		fi.format = bad_formats[i];
		fi.__reserved = 0;
		fi.__reserved2 = 0;
		before = fi;
		EXPECT_ERRNO_LOG(EOPNOTSUPP, ioctl(self->fd, IOASID_FORMAT_INFO, &fi),
				"format %#x", bad_formats[i]);
		EXPECT_EQ(0, memcmp(&before, &fi, sizeof(fi)));
		EXPECT_LIBERR(EOPNOTSUPP, ioasid_format_info(self->handle,
							     bad_formats[i], &fi));
	}
}

/* What the module walks of x86-64, as the header and FORMAT_INFO say. */
TEST_F(context, format_info_x86_64)
{
	struct ioasid_format_info fi;

	ASSERT_EQ(0, ioasid_format_info(self->handle, IOASID_FORMAT_X86_64, &fi));
	EXPECT_EQ(sizeof(fi), fi.size);
	EXPECT_EQ(IOASID_FORMAT_X86_64, fi.format);
	EXPECT_EQ(IOASID_X86_64_AD_UPDATE, fi.out_format_flags);
	EXPECT_EQ(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE, fi.out_bind_flags);
	EXPECT_EQ((1ULL << 12) | (1ULL << 21) | (1ULL << 30), fi.out_pgsize_bitmap);
	EXPECT_EQ((1ULL << 4) | (1ULL << 5), fi.out_levels_bitmap);
	EXPECT_EQ(32, fi.out_min_phys_bits);
	EXPECT_EQ(52, fi.out_max_phys_bits);
	EXPECT_EQ(57, fi.out_input_bits);
	EXPECT_EQ(0, fi.__reserved2);
}

/*
 * An INVALIDATE entry's scope and flags bits: one this kernel does not know
 * is EOPNOTSUPP for that entry; the entries before it ran (out_done).
 */
TEST_F(context, invalidate_unknown_scope_or_flag_is_eopnotsupp)
{
	static const uint32_t bad_bits[] = { 1u << 2, 1u << 3, 1u << 31, 0xfffffffcu };
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	struct ioasid_inv_entry e[2];
	unsigned int i, field, done;
	uint32_t root, node;

	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_node_alloc_user(self->handle, root, &fmt, sizeof(fmt),
					    &node));
	for (field = 0; field < 2; field++) {
		for (i = 0; i < ARRAY_SIZE(bad_bits); i++) {
			memset(e, 0, sizeof(e));
			e[0].node_id = e[1].node_id = node;
			if (field)
				e[1].flags = bad_bits[i];
			else
				e[1].scope = bad_bits[i];
			done = 77;
			EXPECT_LIBERR(EOPNOTSUPP, ioasid_invalidate(self->handle, e, 2,
								    &done))
				TH_LOG("%s %#x", field ? "flags" : "scope", bad_bits[i]);
			EXPECT_EQ(1, done);
			done = 77;
			EXPECT_LIBERR(EOPNOTSUPP, ioasid_invalidate(self->handle, &e[1],
								    1, &done));
			EXPECT_EQ(0, done);
		}
	}
	/* The same entries with known bits only run. */
	memset(e, 0, sizeof(e));
	e[0].node_id = e[1].node_id = node;
	EXPECT_EQ(0, ioasid_invalidate(self->handle, e, 2, &done));
	EXPECT_EQ(2, done);
}

/* OPTION's object_id ------------------------------------------------------------- */

/*
 * 0 is the context, what every option so far is of. Any other id: ENOENT
 * when it names nothing, EINVAL when it names a node or a device (not what
 * a context-wide option is of); neither changes the option nor writes GET's
 * answer.
 */
TEST_F(context, option_object_id)
{
	const uint64_t poison = 0x5a5a5a5a5a5a5a5aULL;
	struct ioasid_option o;
	uint32_t root, dev, gone, ids[5];
	int want[5];
	unsigned int i, op;

	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &root));
	ASSERT_EQ(0, ioasid_device_create(self->handle, 0, 0, &dev));
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED,
				       &gone));
	ASSERT_EQ(0, ioasid_node_destroy(self->handle, gone));

	/* Object 0: the context. */
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.option_id = IOASID_OPTION_ACCOUNT_MODE;
	o.op = IOASID_OPTION_OP_GET;
	o.val64 = poison;
	EXPECT_EQ(0, ioasid_option_cmd(self->handle, &o));
	EXPECT_EQ(IOASID_ACCOUNT_USER, o.val64);
	o.op = IOASID_OPTION_OP_SET;
	o.val64 = IOASID_ACCOUNT_USER;
	EXPECT_EQ(0, ioasid_option_cmd(self->handle, &o));

	ids[0] = root, want[0] = EINVAL;
	ids[1] = dev, want[1] = EINVAL;
	ids[2] = gone, want[2] = ENOENT;
	ids[3] = (root > dev ? root : dev) + 1000, want[3] = ENOENT;
	ids[4] = 0xffffffffu, want[4] = ENOENT;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		for (op = IOASID_OPTION_OP_SET; op <= IOASID_OPTION_OP_GET; op++) {
			memset(&o, 0, sizeof(o));
			o.size = sizeof(o);
			o.option_id = IOASID_OPTION_ACCOUNT_MODE;
			o.op = op;
			o.object_id = ids[i];
			/* SET: a value the option takes, so only the object is wrong. */
			o.val64 = op == IOASID_OPTION_OP_SET ? IOASID_ACCOUNT_PROCESS :
							       poison;
			EXPECT_ERRNO_LOG(want[i], ioctl(self->fd, IOASID_OPTION, &o),
					 "object %#x, op %u", ids[i], op);
			EXPECT_EQ(op == IOASID_OPTION_OP_SET ? IOASID_ACCOUNT_PROCESS :
							       poison, o.val64);
			EXPECT_EQ(ids[i], o.object_id);
		}
	}
	EXPECT_EQ(IOASID_ACCOUNT_USER, ioasid_get_account_mode(self->handle));
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
