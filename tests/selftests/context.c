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
	static const uint32_t bad_formats[] = { 0, 8, 99, 0x80000000u, 0xffffffffu };
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
	static const uint32_t bad_formats[] = { 0, 8, 99, 0x80000000u, 0xffffffffu };
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
	static const uint32_t bad_bits[] = { 1u << 3, 1u << 4, 1u << 31, 0xfffffff8u };
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
	/* BIND and UNBIND as they shipped: 24, 32 and 64 bytes (entry[]). */
	static const uint32_t bind_sizes[] = {
		offsetofend(struct ioasid_bind, root),
		offsetofend(struct ioasid_bind, root1),
		offsetofend(struct ioasid_bind, entry),
	};
	static const unsigned long bind_reqs[] = { IOASID_BIND, IOASID_UNBIND };
	struct {
		struct ioasid_bind cmd;
		uint8_t extra[8];
	} buf;
	unsigned int i, j;
	int rc, err;

	IOASID_FOR_EACH_IOCTL(TEST_LENGTH)

	/*
	 * Every size between the first one and the whole struct is taken
	 * as that struct with a zero tail: the answer of each is the whole
	 * struct's (no such node here), and so is that of a longer one.
	 */
	_Static_assert(sizeof(struct ioasid_bind) == 64, "bind size");
	for (j = 0; j < ARRAY_SIZE(bind_reqs); j++) {
		memset(&buf, 0, sizeof(buf));
		buf.cmd.size = sizeof(buf.cmd);
		buf.cmd.id = 0x7ffffff0;
		rc = ioctl(self->fd, bind_reqs[j], &buf);
		err = errno;
		EXPECT_EQ(-1, rc);
		for (i = 0; i < ARRAY_SIZE(bind_sizes); i++) {
			buf.cmd.size = bind_sizes[i];
			EXPECT_ERRNO_LOG(err, ioctl(self->fd, bind_reqs[j], &buf),
					 "request %#lx, size %u", bind_reqs[j],
					 bind_sizes[i]);
		}
		buf.cmd.size = sizeof(buf);
		EXPECT_ERRNO(err, ioctl(self->fd, bind_reqs[j], &buf));
		EXPECT_EQ(0, buf.extra[0]);
	}
}

/* Grown and new structs of issue 11 ------------------------------------------- */

/* Open file descriptors of this process. */
static int count_fds(void)
{
	int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	char buf[4096];
	long len, off;

	if (fd < 0)
		return -errno;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < len; off += *(unsigned short *)(buf + off + 16))
			n += buf[off + 19] != '.';
	close(fd);
	return n - 1;	/* not the directory's own fd */
}

static bool has_fault_queues(struct ioasid_handle *h)
{
	struct ioasid_info info;

	return !ioasid_get_info(h, &info) &&
	       info.out_capabilities & IOASID_CAP_FAULT_QUEUE;
}

/* Fault queues among ids 1..@max: how many FAULT_QUEUE_INFO finds. */
static int count_queues(int fd, uint32_t max)
{
	struct ioasid_fault_queue_info qi;
	uint32_t id;
	int n = 0;

	for (id = 1; id <= max; id++) {
		memset(&qi, 0, sizeof(qi));
		qi.size = sizeof(qi);
		qi.queue_id = id;
		n += !ioctl(fd, IOASID_FAULT_QUEUE_INFO, &qi);
	}
	return n;
}

/*
 * FAULT_QUEUE_ALLOC makes an object and a file descriptor: when it fails
 * (a short struct, a non-zero tail, outputs it cannot write back) there is
 * neither; when it works there are both. The struct has been 24 bytes since
 * it shipped: its length rules are cmd_length's, checked here for what they
 * leave behind.
 */
TEST_F(context, fault_queue_alloc_length_leaves_nothing_on_failure)
{
	struct {
		struct ioasid_fault_queue_alloc cmd;
		uint8_t extra[8];
	} buf;
	struct ioasid_fault_queue_alloc *ro;
	struct ioasid_fault_queue_info qi;
	int fds = count_fds(), flags, qfd[2];
	unsigned int i;

	if (!has_fault_queues(self->handle))
		SKIP(return, "no IOASID_CAP_FAULT_QUEUE");
	ASSERT_LE(3, fds);
	ASSERT_EQ(0, count_queues(self->fd, 64));

	/* One byte short, zero, a non-zero tail: nothing made. */
	for (i = 0; i < 3; i++) {
		memset(&buf, 0, sizeof(buf));
		buf.cmd.flags = IOASID_FAULT_QUEUE_CLOEXEC;
		buf.cmd.out_id = 0x5a5a5a5a;
		buf.cmd.out_fd = 0x5a5a5a5a;
		if (i == 0) {
			buf.cmd.size = offsetofend(struct ioasid_fault_queue_alloc, out_fd) - 1;
			EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &buf));
		} else if (i == 1) {
			buf.cmd.size = 0;
			EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &buf));
		} else {
			buf.cmd.size = sizeof(buf.cmd) + 1;
			buf.extra[0] = 1;
			EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &buf));
		}
		EXPECT_EQ(0x5a5a5a5a, buf.cmd.out_id);
		EXPECT_EQ(0x5a5a5a5a, buf.cmd.out_fd);
		EXPECT_EQ(fds, count_fds()) TH_LOG("case %u left a file descriptor", i);
		EXPECT_EQ(0, count_queues(self->fd, 64)) TH_LOG("case %u left a queue", i);
	}

	/* A struct the kernel can read but not write back: EFAULT, nothing made. */
	ro = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, sizeof(*ro));
	ro->size = sizeof(*ro);
	ro->depth = 4;
	ASSERT_EQ(0, mprotect(ro, getpagesize(), PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, ro));
	EXPECT_EQ(fds, count_fds()) TH_LOG("EFAULT left a file descriptor");
	EXPECT_EQ(0, count_queues(self->fd, 64)) TH_LOG("EFAULT left a queue");
	munmap(ro, getpagesize());

	/* The exact size, and a longer one with a zero tail: a queue and an fd each. */
	for (i = 0; i < 2; i++) {
		memset(&buf, 0, sizeof(buf));
		buf.cmd.size = sizeof(buf.cmd) + (i ? sizeof(buf.extra) : 0);
		buf.cmd.flags = i ? IOASID_FAULT_QUEUE_NONBLOCK : IOASID_FAULT_QUEUE_CLOEXEC;
		buf.cmd.depth = 4;
		ASSERT_EQ(0, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &buf));
		EXPECT_EQ(0, buf.extra[0]);
		qfd[i] = buf.cmd.out_fd;
		ASSERT_LE(0, qfd[i]);
		flags = fcntl(qfd[i], F_GETFD);
		EXPECT_EQ(i ? 0 : FD_CLOEXEC, flags & FD_CLOEXEC);
		flags = fcntl(qfd[i], F_GETFL);
		EXPECT_EQ(i ? O_NONBLOCK : 0, flags & O_NONBLOCK);
		memset(&qi, 0, sizeof(qi));
		qi.size = sizeof(qi);
		qi.queue_id = buf.cmd.out_id;
		ASSERT_EQ(0, ioctl(self->fd, IOASID_FAULT_QUEUE_INFO, &qi));
		EXPECT_EQ(4, qi.out_depth);
		EXPECT_EQ(1, qi.out_next_seq);
		EXPECT_EQ(i + 1, count_queues(self->fd, 64));
	}
	EXPECT_EQ(fds + 2, count_fds());
	EXPECT_EQ(0, close(qfd[0]));
	EXPECT_EQ(0, close(qfd[1]));
	EXPECT_EQ(fds, count_fds());
}

/*
 * FAULT_QUEUE_INFO of a live queue: a longer struct with a zero tail is
 * answered like the exact one and nothing is written past @size; a short
 * one or a non-zero tail writes nothing at all.
 */
TEST_F(context, fault_queue_info_length)
{
	struct ioasid_fault_queue_alloc a = { .size = sizeof(a), .depth = 8,
					      .flags = IOASID_FAULT_QUEUE_TIMEOUT,
					      .timeout_ms = 1234 };
	struct {
		struct ioasid_fault_queue_info cmd;
		uint8_t extra[16];
	} buf;
	unsigned int i;

	if (!has_fault_queues(self->handle))
		SKIP(return, "no IOASID_CAP_FAULT_QUEUE");
	ASSERT_EQ(0, ioctl(self->fd, IOASID_FAULT_QUEUE_ALLOC, &a));
	for (i = 0; i < 4; i++) {
		memset(&buf, 0, sizeof(buf));
		memset(buf.extra, i == 3 ? 0x5a : 0, sizeof(buf.extra));
		buf.cmd.queue_id = a.out_id;
		buf.cmd.out_depth = 0x5a5a5a5a;
		switch (i) {
		case 0:
			buf.cmd.size = sizeof(buf.cmd);
			break;
		case 1:
			buf.cmd.size = sizeof(buf.cmd) + 8;	/* a zero tail */
			break;
		case 2:
			buf.cmd.size = offsetofend(struct ioasid_fault_queue_info,
						   out_auto_responses) - 1;
			break;
		default:
			buf.cmd.size = sizeof(buf.cmd) + 8;	/* a non-zero tail */
			break;
		}
		if (i < 2) {
			ASSERT_EQ(0, ioctl(self->fd, IOASID_FAULT_QUEUE_INFO, &buf));
			EXPECT_EQ(8, buf.cmd.out_depth);
			EXPECT_EQ(1234, buf.cmd.out_timeout_ms);
			EXPECT_EQ(0, buf.cmd.out_queued);
			EXPECT_EQ(0, buf.cmd.out_pending);
			EXPECT_EQ(0, buf.cmd.out_nodes);
			EXPECT_EQ(0, buf.cmd.out_closed);
			EXPECT_EQ(1, buf.cmd.out_next_seq);
			EXPECT_EQ(0, buf.cmd.out_overflow);
			/* Nothing past what the kernel knows, within @size or not. */
			EXPECT_EQ(0, buf.extra[0]);
			EXPECT_EQ(0, buf.extra[8]);
		} else {
			EXPECT_ERRNO(i == 2 ? EINVAL : E2BIG,
				     ioctl(self->fd, IOASID_FAULT_QUEUE_INFO, &buf));
			EXPECT_EQ(0x5a5a5a5a, buf.cmd.out_depth);
		}
	}
	close(a.out_fd);
}

/*
 * DEVICE_CREATE grew from 16 bytes (size, flags, pasid_bits, out_id) to 24
 * (pri_max_pending, __reserved). Callers built against the old struct still
 * work: bytes past their @size are not read (an invalid pri_max_pending
 * there is not seen) and nothing is written there.
 */
TEST_F(context, device_create_old_size)
{
	struct {
		struct ioasid_device_create cmd;
		uint8_t extra[8];
	} buf;
	struct ioasid_device_info info;
	unsigned int i;

	if (!has_fault_queues(self->handle))
		SKIP(return, "no IOASID_CAP_FAULT_QUEUE (DEVICE_CREATE is 16 bytes)");
	for (i = 0; i < 2; i++) {
		memset(&buf, 0x5a, sizeof(buf));
		buf.cmd.size = 16;
		buf.cmd.flags = i ? IOASID_DEVICE_PRI : IOASID_DEVICE_PASID;
		buf.cmd.pasid_bits = i ? 0 : 8;
		buf.cmd.out_id = 0;
		/* Past @size: values the kernel would refuse. */
		buf.cmd.pri_max_pending = 5000;
		buf.cmd.__reserved = 1;
		ASSERT_EQ(0, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf)) TH_LOG("case %u", i);
		EXPECT_NE(0, buf.cmd.out_id);
		EXPECT_EQ(5000, buf.cmd.pri_max_pending);
		EXPECT_EQ(1, buf.cmd.__reserved);
		ASSERT_EQ(0, ioasid_device_info(self->handle, buf.cmd.out_id, &info));
		EXPECT_EQ(buf.cmd.flags, info.out_flags);
	}

	/* 20 bytes: pri_max_pending is read, __reserved is not. */
	memset(&buf, 0x5a, sizeof(buf));
	buf.cmd.size = 20;
	buf.cmd.flags = IOASID_DEVICE_PRI;
	buf.cmd.pasid_bits = 0;
	buf.cmd.pri_max_pending = 4097;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	buf.cmd.pri_max_pending = 4096;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));

	/* The whole struct: its new members are checked. */
	memset(&buf, 0, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd);
	buf.cmd.pri_max_pending = 1;		/* without IOASID_DEVICE_PRI */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	buf.cmd.flags = IOASID_DEVICE_PRI;
	buf.cmd.pri_max_pending = 4097;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	buf.cmd.pri_max_pending = 0;
	buf.cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	buf.cmd.__reserved = 0;
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.extra[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	buf.extra[0] = 0;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_DEVICE_CREATE, &buf));
	EXPECT_EQ(0, buf.extra[0]);
}

/*
 * DMA grew from 48 bytes (up to out_done) to 56 (group, out_group). The old
 * size still moves data and gets nothing written past it; NOWAIT and RETRY,
 * which need group and out_group, are EINVAL without them, and so is a
 * group without RETRY.
 */
TEST_F(context, dma_old_size)
{
	uint8_t *mem = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct {
		struct ioasid_dma cmd;
		uint8_t extra[8];
	} buf;
	uint8_t local[64];
	uint64_t iova = 0x100000;
	uint32_t root, dev;
	unsigned int i;

	if (!has_fault_queues(self->handle))
		SKIP(return, "no IOASID_CAP_FAULT_QUEUE (DMA is 48 bytes)");
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x3c, getpagesize());
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	ASSERT_EQ(0, ioasid_map(self->handle, root, (uintptr_t)mem, getpagesize(), &iova,
				IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA));
	ASSERT_EQ(0, ioasid_device_create(self->handle, 0, 0, &dev));
	ASSERT_EQ(0, ioasid_attach(self->handle, dev, root, 0, 0));

	/* 48 bytes: it works; group and out_group are neither read nor written. */
	memset(&buf, 0x5a, sizeof(buf));
	buf.cmd.size = 48;
	buf.cmd.flags = 0;
	buf.cmd.dev_id = dev;
	buf.cmd.pasid = 0;
	buf.cmd.iova = iova + 8;
	buf.cmd.length = sizeof(local);
	buf.cmd.buffer = (uintptr_t)local;
	memset(local, 0, sizeof(local));
	ASSERT_EQ(0, ioctl(self->fd, IOASID_DMA, &buf));
	EXPECT_EQ(sizeof(local), buf.cmd.out_done);
	EXPECT_EQ(0x5a5a5a5a, buf.cmd.group);
	EXPECT_EQ(0x5a5a5a5a, buf.cmd.out_group);
	EXPECT_EQ(0x3c, local[0]);
	EXPECT_EQ(0x3c, local[sizeof(local) - 1]);

	/*
	 * NOWAIT and RETRY need both new members. (out_done of a DMA that
	 * fails before any transfer is left open by the header.)
	 */
	for (i = 0; i < 4; i++) {
		buf.cmd.size = i & 1 ? 52 : 48;
		buf.cmd.flags = i & 2 ? IOASID_DMA_RETRY : IOASID_DMA_NOWAIT;
		buf.cmd.group = 0;
		EXPECT_ERRNO_LOG(EINVAL, ioctl(self->fd, IOASID_DMA, &buf),
				 "size %u flags %#x", buf.cmd.size, buf.cmd.flags);
		EXPECT_EQ(0x5a5a5a5a, buf.cmd.out_group);
	}

	/* The whole struct: NOWAIT without a page request moves everything, out_group 0. */
	memset(&buf, 0, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd);
	buf.cmd.flags = IOASID_DMA_NOWAIT;
	buf.cmd.dev_id = dev;
	buf.cmd.iova = iova;
	buf.cmd.length = sizeof(local);
	buf.cmd.buffer = (uintptr_t)local;
	buf.cmd.out_group = 99;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_DMA, &buf));
	EXPECT_EQ(sizeof(local), buf.cmd.out_done);
	EXPECT_EQ(0, buf.cmd.out_group);
	EXPECT_EQ(0, buf.extra[0]);
	/* A group without RETRY. */
	buf.cmd.flags = 0;
	buf.cmd.group = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_DMA, &buf));
	/* A group this device never raised. */
	buf.cmd.flags = IOASID_DMA_RETRY;
	EXPECT_ERRNO(ESTALE, ioctl(self->fd, IOASID_DMA, &buf));
	/* A non-zero tail. */
	buf.cmd.flags = 0;
	buf.cmd.group = 0;
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.extra[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOASID_DMA, &buf));
	munmap(mem, getpagesize());
}

/* Grown structs of issue 12 --------------------------------------------------- */

static bool has_user_managed(struct ioasid_handle *h)
{
	struct ioasid_info info;

	return !ioasid_get_info(h, &info) &&
	       info.out_capabilities & IOASID_CAP_USER_MANAGED;
}

/*
 * FORMAT_INFO grew from 64 bytes (up to __reserved2) to 72
 * (out_granule_bitmap). The old size still gets every other answer and
 * nothing written past it; the whole struct gets the granules of every
 * format the module walks (4 KiB; Arm64 16 and 64 KiB too).
 */
TEST_F(context, format_info_old_size)
{
	struct {
		struct ioasid_format_info cmd;
		uint8_t extra[8];
	} buf;
	uint32_t format;

	if (!has_user_managed(self->handle))
		SKIP(return, "no IOASID_CAP_USER_MANAGED");
	memset(&buf, 0x5a, sizeof(buf));
	buf.cmd.size = 64;
	buf.cmd.flags = 0;
	buf.cmd.format = IOASID_FORMAT_X86_64;
	buf.cmd.__reserved = 0;
	buf.cmd.__reserved2 = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOASID_FORMAT_INFO, &buf));
	EXPECT_EQ(1ULL << 12, buf.cmd.out_pgsize_bitmap & (1ULL << 12));
	EXPECT_EQ((1ULL << 4) | (1ULL << 5), buf.cmd.out_levels_bitmap);
	EXPECT_EQ(0, buf.cmd.__reserved2);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, buf.cmd.out_granule_bitmap);
	EXPECT_EQ(0x5a, buf.extra[0]);

	for (format = IOASID_FORMAT_X86_64; format <= IOASID_FORMAT_AMD_V1; format++) {
		memset(&buf, 0, sizeof(buf));
		buf.cmd.size = sizeof(buf.cmd);
		buf.cmd.format = format;
		EXPECT_EQ(0, ioctl(self->fd, IOASID_FORMAT_INFO, &buf))
			TH_LOG("format %u: %s", format, strerror(errno));
		EXPECT_EQ(format == IOASID_FORMAT_ARM64 ?
			  (1ULL << 12) | (1ULL << 14) | (1ULL << 16) : 1ULL << 12,
			  buf.cmd.out_granule_bitmap) TH_LOG("format %u", format);
		EXPECT_EQ(0, buf.extra[0]);
	}
	/* A non-zero tail past the whole struct. */
	memset(&buf, 0, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.cmd.format = IOASID_FORMAT_X86_64;
	buf.extra[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOASID_FORMAT_INFO, &buf));
}

/*
 * BIND and UNBIND grew from 24 bytes (up to root) to 32 (root1, TTB1 of
 * Arm64 nodes) and then to 64 (entry[], the raw entry of a PASID-table
 * kind). The old sizes work and what lies past them is not read; a
 * non-zero root1 is EINVAL for a node without a TTB1 half (x86-64 here)
 * and for UNBIND, and so is a non-zero word of entry[] for a node of a
 * page-table format and for UNBIND.
 */
TEST_F(context, bind_old_size)
{
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	struct {
		struct ioasid_bind cmd;
		uint8_t extra[8];
	} buf;
	struct ioasid_node_info ni;
	uint32_t root, user;
	unsigned int i;

	if (!has_user_managed(self->handle))
		SKIP(return, "no IOASID_CAP_USER_MANAGED");
	ASSERT_EQ(0, ioasid_node_alloc(self->handle, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	ASSERT_EQ(0, ioasid_node_alloc_user(self->handle, root, &fmt, sizeof(fmt), &user));

	/* 24 bytes: root1 and entry[] (garbage) are not read. */
	memset(&buf, 0x5a, sizeof(buf));
	buf.cmd.size = 24;
	buf.cmd.flags = 0;
	buf.cmd.id = user;
	buf.cmd.__reserved = 0;
	buf.cmd.root = 0x10000;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_BIND, &buf));
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, buf.cmd.root1);
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_EQ(0x10000, ni.out_root);
	EXPECT_TRUE(ni.out_flags & IOASID_NODE_BOUND);
	buf.cmd.root = 0;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_UNBIND, &buf));

	/*
	 * 32 bytes: x86-64 has no TTB1, and UNBIND takes no root1; entry[]
	 * (garbage) is not read.
	 */
	buf.cmd.size = offsetofend(struct ioasid_bind, root1);
	buf.cmd.root = 0x10000;
	buf.cmd.root1 = 0x20000;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_BIND, &buf));
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_FALSE(ni.out_flags & IOASID_NODE_BOUND);
	buf.cmd.root1 = 0;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_BIND, &buf));
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, buf.cmd.entry[0]);
	buf.cmd.root = 0;
	buf.cmd.root1 = 0x20000;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_UNBIND, &buf));
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_TRUE(ni.out_flags & IOASID_NODE_BOUND);
	buf.cmd.root1 = 0;
	EXPECT_EQ(0, ioctl(self->fd, IOASID_UNBIND, &buf));

	/* 64 bytes: entry[] is a PASID-table kind's; x86-64 takes it all 0. */
	memset(&buf, 0, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd);
	ASSERT_EQ(64, buf.cmd.size);
	buf.cmd.id = user;
	buf.cmd.root = 0x10000;
	for (i = 0; i < ARRAY_SIZE(buf.cmd.entry); i++) {
		buf.cmd.entry[i] = 1ULL << (8 * i + 1);
		EXPECT_ERRNO_LOG(EINVAL, ioctl(self->fd, IOASID_BIND, &buf),
				 "entry[%u]", i);
		ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
		EXPECT_FALSE(ni.out_flags & IOASID_NODE_BOUND) TH_LOG("entry[%u]", i);
		buf.cmd.entry[i] = 0;
	}
	EXPECT_EQ(0, ioctl(self->fd, IOASID_BIND, &buf));
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_TRUE(ni.out_flags & IOASID_NODE_BOUND);
	EXPECT_EQ(0x10000, ni.out_root);
	buf.cmd.root = 0;
	for (i = 0; i < ARRAY_SIZE(buf.cmd.entry); i++) {
		buf.cmd.entry[i] = 1;
		EXPECT_ERRNO_LOG(EINVAL, ioctl(self->fd, IOASID_UNBIND, &buf),
				 "entry[%u]", i);
		buf.cmd.entry[i] = 0;
	}
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_TRUE(ni.out_flags & IOASID_NODE_BOUND);
	EXPECT_EQ(0, ioctl(self->fd, IOASID_UNBIND, &buf));
	ASSERT_EQ(0, ioasid_node_info(self->handle, user, &ni));
	EXPECT_FALSE(ni.out_flags & IOASID_NODE_BOUND);
	/* A non-zero tail past the whole struct. */
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.cmd.root = 0x10000;
	buf.extra[0] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOASID_BIND, &buf));
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, user));
	EXPECT_EQ(0, ioasid_node_destroy(self->handle, root));
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
