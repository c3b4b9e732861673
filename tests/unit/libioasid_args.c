// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side checks of libioasid that need no module: argument validation,
 * the -errno convention, and the uAPI layout, which must never change once
 * shipped. Nothing here loads a module (the host cannot).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ioasid_test.h"

/*
 * A fake module behind one descriptor (fake.fd): this binary's ioctl()
 * takes the library's calls there, keeps the request and its struct as
 * the library sent it (size bytes, at most sizeof(fake.sent)), and answers
 * like the module: it writes fake.reply back, at most the caller's size,
 * and returns 0. Every other descriptor goes to the real system call.
 */
static struct {
	int fd;
	unsigned long request;
	uint32_t size;
	uint8_t sent[256];
	uint8_t reply[256];
	uint32_t reply_len;
} fake = { .fd = -1 };

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	uint32_t n;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake.fd || fd < 0)
		return syscall(SYS_ioctl, fd, request, arg);
	fake.request = request;
	memcpy(&fake.size, arg, 4);
	n = fake.size < sizeof(fake.sent) ? fake.size : sizeof(fake.sent);
	memset(fake.sent, 0, sizeof(fake.sent));
	memcpy(fake.sent, arg, n);
	n = fake.size < fake.reply_len ? fake.size : fake.reply_len;
	memcpy((uint8_t *)arg + 4, fake.reply + 4, n > 4 ? n - 4 : 0);
	return 0;
}

/* A handle on the fake module. */
static struct ioasid_handle *fake_open(struct __test_metadata *_metadata)
{
	struct ioasid_handle *h;

	/* Any descriptor will do: the real one is never asked. */
	EXPECT_EQ(0, ioasid_open(&h, "/dev/null", 0));
	fake.fd = ioasid_fd(h);
	return h;
}

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

/* The functions of 0.3 check their pointers and pass the rest to the kernel. */
TEST(user_managed_functions_check_arguments)
{
	struct ioasid_format_x86_64 fmt = { .hdr = { sizeof(fmt), IOASID_FORMAT_X86_64 },
					    .levels = 4, .phys_bits = 48 };
	struct ioasid_alloc alloc = { .size = sizeof(alloc) };
	struct ioasid_option opt = { .size = sizeof(opt) };
	struct ioasid_inv_entry e = { 0 };
	struct ioasid_format_info fi;
	struct ioasid_handle *handle;
	unsigned int done = 77;
	uint32_t id = 5;

	EXPECT_LIBERR(EINVAL, ioasid_node_alloc_cmd(NULL, &alloc));
	EXPECT_LIBERR(EINVAL, ioasid_option_cmd(NULL, &opt));
	EXPECT_LIBERR(EINVAL, ioasid_format_info(NULL, IOASID_FORMAT_X86_64, &fi));
	EXPECT_LIBERR(EINVAL, ioasid_bind(NULL, 1, 0, 0));
	EXPECT_LIBERR(EINVAL, ioasid_unbind(NULL, 1));
	EXPECT_LIBERR(EINVAL, ioasid_invalidate_all(NULL, 1));

	ASSERT_EQ(0, ioasid_open(&handle, "/dev/null", 0));
	EXPECT_LIBERR(EINVAL, ioasid_node_alloc_cmd(handle, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_option_cmd(handle, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_format_info(handle, IOASID_FORMAT_X86_64, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_node_alloc_user(handle, 1, &fmt, sizeof(fmt), NULL));
	EXPECT_LIBERR(EINVAL, ioasid_invalidate(handle, NULL, 1, &done));
	EXPECT_EQ(0, done);
	/* Everything else reaches the kernel: /dev/null answers ENOTTY. */
	EXPECT_LIBERR(ENOTTY, ioasid_node_alloc_cmd(handle, &alloc));
	EXPECT_LIBERR(ENOTTY, ioasid_option_cmd(handle, &opt));
	EXPECT_LIBERR(ENOTTY, ioasid_format_info(handle, IOASID_FORMAT_X86_64, &fi));
	EXPECT_EQ(sizeof(fi), fi.size);
	EXPECT_EQ(IOASID_FORMAT_X86_64, fi.format);
	EXPECT_LIBERR(ENOTTY, ioasid_node_alloc_user(handle, 1, &fmt, sizeof(fmt), &id));
	EXPECT_EQ(5, id);	/* not written on failure */
	EXPECT_LIBERR(ENOTTY, ioasid_bind(handle, 1, 0x1000, 0));
	EXPECT_LIBERR(ENOTTY, ioasid_unbind(handle, 1));
	done = 77;
	EXPECT_LIBERR(ENOTTY, ioasid_invalidate(handle, &e, 1, &done));
	EXPECT_EQ(0, done);
	EXPECT_LIBERR(ENOTTY, ioasid_invalidate(handle, NULL, 0, NULL));
	EXPECT_LIBERR(ENOTTY, ioasid_invalidate_all(handle, 1));
	EXPECT_LIBERR(ENOTTY, ioasid_invalidate_range(handle, 1, 0, 4096, 4096));
	EXPECT_EQ(0, ioasid_close(handle));
}

/* The uAPI of issue 9: the layouts userspace is built against. */
_Static_assert(sizeof(struct ioasid_alloc) == 40, "ioasid_alloc size");
_Static_assert(offsetofend(struct ioasid_alloc, fault_queue_id) == 24, "ioasid_alloc 0.1 size");
_Static_assert(offsetof(struct ioasid_alloc, format) == 24, "layout");
_Static_assert(offsetof(struct ioasid_alloc, format_len) == 32, "layout");
_Static_assert(sizeof(struct ioasid_format_x86_64) == 32, "x86_64 descriptor size");
_Static_assert(offsetofend(struct ioasid_format_info, __reserved2) == 64, "format_info 0.2 size");
_Static_assert(offsetofend(struct ioasid_bind, root) == 24, "bind 0.2 size");
_Static_assert(sizeof(struct ioasid_inv_entry) == 40, "inv_entry size");
_Static_assert(sizeof(struct ioasid_invalidate) == 32, "invalidate size");
_Static_assert(offsetof(struct ioasid_option, object_id) == 12, "layout");
_Static_assert(sizeof(IOASID_CAP_KERNEL_MANAGED) == 8, "64-bit capabilities");
_Static_assert(sizeof(IOASID_CAP_USER_MANAGED) == 8, "64-bit capabilities");
_Static_assert(IOASID_INVALIDATE == 0xA616, "ioctl number");

/* The uAPI of issue 12 (more formats): grown by extension. */
_Static_assert(sizeof(struct ioasid_format_info) == 72, "format_info size");
_Static_assert(sizeof(struct ioasid_bind) == 64, "bind size");
_Static_assert(sizeof(struct ioasid_format_arm64) == 32, "arm64 descriptor size");
_Static_assert(sizeof(struct ioasid_format_riscv) == 32, "riscv descriptor size");
_Static_assert(sizeof(struct ioasid_format_amd_v1) == 32, "amd_v1 descriptor size");

/* The uAPI of issue 11 (fault queues), as libioasid 0.5 is built against it. */
_Static_assert(sizeof(struct ioasid_fault_queue_alloc) == 24, "fault_queue_alloc size");
_Static_assert(offsetof(struct ioasid_fault_queue_alloc, out_fd) == 20, "layout");
_Static_assert(sizeof(struct ioasid_fault_queue_info) == 72, "fault_queue_info size");
_Static_assert(offsetof(struct ioasid_fault_queue_info, out_next_seq) == 40, "layout");
_Static_assert(offsetof(struct ioasid_fault_queue_info, out_auto_responses) == 64, "layout");
_Static_assert(sizeof(struct ioasid_fault_record) == 64, "fault_record size");
_Static_assert(offsetof(struct ioasid_fault_record, seq) == 8, "layout");
_Static_assert(offsetof(struct ioasid_fault_record, group) == 44, "layout");
_Static_assert(offsetof(struct ioasid_fault_record, addr) == 48, "layout");
_Static_assert(offsetof(struct ioasid_fault_record, time_ns) == 56, "layout");
_Static_assert(sizeof(struct ioasid_page_response) == 24, "page_response size");
_Static_assert(offsetof(struct ioasid_page_response, group) == 16, "layout");
_Static_assert(offsetof(struct ioasid_page_response, code) == 20, "layout");
_Static_assert(sizeof(struct ioasid_dma) == 56, "dma size");
_Static_assert(offsetofend(struct ioasid_dma, out_done) == 48, "dma 0.1 size");
_Static_assert(offsetof(struct ioasid_dma, group) == 48, "layout");
_Static_assert(offsetof(struct ioasid_dma, out_group) == 52, "layout");
_Static_assert(sizeof(struct ioasid_device_create) == 24, "device_create size");
_Static_assert(offsetofend(struct ioasid_device_create, out_id) == 16,
	       "device_create 0.1 size");
_Static_assert(offsetof(struct ioasid_device_create, pri_max_pending) == 16, "layout");
_Static_assert(IOASID_FAULT_QUEUE_ALLOC == 0xA617, "ioctl number");
_Static_assert(IOASID_FAULT_QUEUE_INFO == 0xA618, "ioctl number");
_Static_assert(sizeof(IOASID_CAP_FAULT_QUEUE) == 8, "64-bit capabilities");

/*
 * The functions of 0.5 check their pointers, write their outputs only on
 * success and pass the rest to the kernel (/dev/null: ENOTTY).
 */
TEST(fault_functions_check_arguments)
{
	struct ioasid_dma dma = { .size = 3, .flags = IOASID_DMA_NOWAIT };
	struct ioasid_fault_queue_info qi;
	struct ioasid_fault_record rec;
	struct ioasid_handle *handle;
	uint32_t id = 5, val = 6;
	unsigned int n = 7;
	int fd = 8;

	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_alloc(NULL, 0, 0, 0, &id, &fd));
	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_destroy(NULL, 1));
	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_info(NULL, 1, &qi));
	EXPECT_LIBERR(EINVAL, ioasid_set_fault_queue(NULL, 1, 2));
	EXPECT_LIBERR(EINVAL, ioasid_get_fault_queue(NULL, 1, &val));
	EXPECT_LIBERR(EINVAL, ioasid_set_fault_timeout(NULL, 1, 100));
	EXPECT_LIBERR(EINVAL, ioasid_get_fault_timeout(NULL, 1, &val));
	EXPECT_LIBERR(EINVAL, ioasid_device_create_pri(NULL, 0, 0, 0, &id));
	EXPECT_LIBERR(EINVAL, ioasid_dma_cmd(NULL, &dma));
	EXPECT_EQ(3, dma.size);	/* nothing touched */
	EXPECT_LIBERR(EINVAL, ioasid_fault_read(-1, NULL, 1, &n));
	EXPECT_EQ(0, n);
	EXPECT_LIBERR(EINVAL, ioasid_fault_read(-1, &rec, 0, &n));
	EXPECT_LIBERR(EINVAL, ioasid_fault_read(-1, &rec, 1, NULL));
	EXPECT_LIBERR(EBADF, ioasid_fault_read(-1, &rec, 1, &n));
	EXPECT_LIBERR(EINVAL, ioasid_page_respond(-1, NULL, 0));
	EXPECT_LIBERR(EINVAL, ioasid_page_respond_batch(-1, NULL, 1, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, ioasid_page_respond_batch(-1, NULL, 0, &n));
	EXPECT_LIBERR(EINVAL, ioasid_fault_service(-1, NULL, NULL, 0));

	ASSERT_EQ(0, ioasid_open(&handle, "/dev/null", 0));
	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_alloc(handle, 0, 0, 0, NULL, &fd));
	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_alloc(handle, 0, 0, 0, &id, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_fault_queue_info(handle, 1, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_get_fault_queue(handle, 1, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_get_fault_timeout(handle, 1, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_device_create_pri(handle, 0, 0, 0, NULL));
	EXPECT_LIBERR(EINVAL, ioasid_dma_cmd(handle, NULL));

	EXPECT_LIBERR(ENOTTY, ioasid_fault_queue_alloc(handle, IOASID_FAULT_QUEUE_TIMEOUT,
						       16, 100, &id, &fd));
	EXPECT_LIBERR(ENOTTY, ioasid_fault_queue_destroy(handle, 9));
	EXPECT_LIBERR(ENOTTY, ioasid_fault_queue_info(handle, 9, &qi));
	EXPECT_EQ(sizeof(qi), qi.size);
	EXPECT_EQ(9, qi.queue_id);
	EXPECT_LIBERR(ENOTTY, ioasid_set_fault_queue(handle, 1, 2));
	EXPECT_LIBERR(ENOTTY, ioasid_get_fault_queue(handle, 1, &val));
	EXPECT_LIBERR(ENOTTY, ioasid_set_fault_timeout(handle, 1, 100));
	EXPECT_LIBERR(ENOTTY, ioasid_get_fault_timeout(handle, 1, &val));
	EXPECT_LIBERR(ENOTTY, ioasid_device_create_pri(handle, 0, 0, 8, &id));
	EXPECT_LIBERR(ENOTTY, ioasid_dma_cmd(handle, &dma));
	EXPECT_EQ(sizeof(dma), dma.size);	/* the library's size */
	EXPECT_EQ(IOASID_DMA_NOWAIT, dma.flags);
	/* Not written on failure. */
	EXPECT_EQ(5, id);
	EXPECT_EQ(6, val);
	EXPECT_EQ(8, fd);
	EXPECT_EQ(0, ioasid_close(handle));
}

/*
 * libioasid 0.6: ioasid_bind_halves() sends both halves; ioasid_bind()
 * root1 0 (a module that predates root1 takes its zero tail). Both, and
 * ioasid_unbind(), send the 32 bytes up to root1 even though the struct
 * has grown to 64 (entry[], 0.7): a module that predates entry[] takes
 * them as ever, and nothing of entry[] goes out.
 */
TEST(bind_halves_sends_both_roots)
{
	struct ioasid_handle *h;
	struct ioasid_bind b;

	EXPECT_LIBERR(EINVAL, ioasid_bind_halves(NULL, 1, 0x1000, 0x2000, 0));
	h = fake_open(_metadata);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, ioasid_bind_halves(h, 7, 0x40000, 0x81000, IOASID_BIND_RISCV_SUM));
	EXPECT_EQ(IOASID_BIND, fake.request);
	memcpy(&b, fake.sent, sizeof(b));
	EXPECT_EQ(offsetofend(struct ioasid_bind, root1), b.size);
	EXPECT_EQ(32, b.size);
	EXPECT_GT(sizeof(struct ioasid_bind), b.size);
	EXPECT_EQ(IOASID_BIND_RISCV_SUM, b.flags);
	EXPECT_EQ(7, b.id);
	EXPECT_EQ(0, b.__reserved);
	EXPECT_EQ(0x40000, b.root);
	EXPECT_EQ(0x81000, b.root1);

	EXPECT_EQ(0, ioasid_bind(h, 9, 0x5000, IOASID_BIND_X86_SRE));
	memcpy(&b, fake.sent, sizeof(b));
	EXPECT_EQ(32, b.size);
	EXPECT_EQ(9, b.id);
	EXPECT_EQ(IOASID_BIND_X86_SRE, b.flags);
	EXPECT_EQ(0x5000, b.root);
	EXPECT_EQ(0, b.root1);

	/* UNBIND: nothing but the id, root1 included. */
	EXPECT_EQ(0, ioasid_unbind(h, 9));
	EXPECT_EQ(IOASID_UNBIND, fake.request);
	memcpy(&b, fake.sent, sizeof(b));
	EXPECT_EQ(32, b.size);
	EXPECT_EQ(9, b.id);
	EXPECT_EQ(0, b.flags | b.root | b.root1 | b.__reserved);
	EXPECT_EQ(0, ioasid_close(h));
}

/*
 * libioasid 0.7: ioasid_bind_entry() sends the whole 64-byte struct with
 * the caller's entry[] word for word, root and root1 0; NULL handle or
 * entry is EINVAL before any request.
 */
TEST(bind_entry_sends_the_whole_struct)
{
	const uint64_t entry[4] = { 0x8000000000040001ULL, 0x0123456789abcdefULL,
				    0xfedcba9876543210ULL, 0x8000000000000000ULL };
	const uint64_t zero[4] = { 0 };
	struct ioasid_handle *h, *null_h;
	struct ioasid_bind b;

	h = fake_open(_metadata);
	ASSERT_NE(NULL, h);
	fake.request = 0;
	EXPECT_LIBERR(EINVAL, ioasid_bind_entry(h, 1, 0, NULL));
	EXPECT_EQ(0, fake.request);	/* nothing reached the module */

	EXPECT_EQ(0, ioasid_bind_entry(h, 11, IOASID_BIND_RISCV_SUM, entry));
	EXPECT_EQ(IOASID_BIND, fake.request);
	EXPECT_EQ(64, fake.size);
	memcpy(&b, fake.sent, sizeof(b));
	EXPECT_EQ(sizeof(struct ioasid_bind), b.size);
	EXPECT_EQ(64, b.size);
	EXPECT_EQ(11, b.id);
	EXPECT_EQ(IOASID_BIND_RISCV_SUM, b.flags);
	EXPECT_EQ(0, b.__reserved);
	EXPECT_EQ(0, b.root);
	EXPECT_EQ(0, b.root1);
	EXPECT_EQ(entry[0], b.entry[0]);
	EXPECT_EQ(entry[1], b.entry[1]);
	EXPECT_EQ(entry[2], b.entry[2]);
	EXPECT_EQ(entry[3], b.entry[3]);

	/* Like every call, -errno of the request: /dev/null says ENOTTY. */
	ASSERT_EQ(0, ioasid_open(&null_h, "/dev/null", 0));
	EXPECT_LIBERR(EINVAL, ioasid_bind_entry(null_h, 1, 0, NULL));
	EXPECT_LIBERR(ENOTTY, ioasid_bind_entry(null_h, 1, 0, entry));
	EXPECT_EQ(0, ioasid_close(null_h));

	/* An all-zero entry goes out as such, still 64 bytes. */
	EXPECT_EQ(0, ioasid_bind_entry(h, 12, 0, zero));
	memcpy(&b, fake.sent, sizeof(b));
	EXPECT_EQ(64, b.size);
	EXPECT_EQ(12, b.id);
	EXPECT_EQ(0, b.flags | b.root | b.root1 | b.__reserved);
	EXPECT_EQ(0, b.entry[0] | b.entry[1] | b.entry[2] | b.entry[3]);
	EXPECT_EQ(0, ioasid_close(h));
}

/*
 * 0.6's ioasid_format_info() asks for 72 bytes and gets out_granule_bitmap;
 * a module that writes only the 64 bytes it knows leaves it 0.
 */
TEST(format_info_reads_the_granules)
{
	struct ioasid_format_info fi, k = { .size = sizeof(k) };
	struct ioasid_handle *h = fake_open(_metadata);

	ASSERT_NE(NULL, h);
	k.format = IOASID_FORMAT_ARM64;
	k.out_pgsize_bitmap = (1ULL << 12) | (1ULL << 14) | (1ULL << 16);
	k.out_granule_bitmap = (1ULL << 12) | (1ULL << 14) | (1ULL << 16);
	memcpy(fake.reply, &k, sizeof(k));
	fake.reply_len = sizeof(k);
	memset(&fi, 0x5a, sizeof(fi));
	EXPECT_EQ(0, ioasid_format_info(h, IOASID_FORMAT_ARM64, &fi));
	EXPECT_EQ(IOASID_FORMAT_INFO, fake.request);
	EXPECT_EQ(72, fake.size);
	memcpy(&k, fake.sent, sizeof(k));
	EXPECT_EQ(IOASID_FORMAT_ARM64, k.format);
	EXPECT_EQ(0, k.flags | k.__reserved | k.__reserved2);
	EXPECT_EQ(0, k.out_granule_bitmap);	/* sent zeroed */
	EXPECT_EQ(sizeof(fi), fi.size);
	EXPECT_EQ((1ULL << 12) | (1ULL << 14) | (1ULL << 16), fi.out_granule_bitmap);

	/* An older module answers 64 bytes: the granules stay 0. */
	fake.reply_len = 64;
	memset(&fi, 0x5a, sizeof(fi));
	EXPECT_EQ(0, ioasid_format_info(h, IOASID_FORMAT_ARM64, &fi));
	EXPECT_EQ(0, fi.out_granule_bitmap);
	EXPECT_EQ((1ULL << 12) | (1ULL << 14) | (1ULL << 16), fi.out_pgsize_bitmap);
	EXPECT_EQ(0, ioasid_close(h));
}

/* ioasid_node_alloc_user() passes any format's descriptor as it is. */
TEST(alloc_user_takes_every_format)
{
	struct ioasid_format_arm64 arm = {
		.hdr = { sizeof(arm), IOASID_FORMAT_ARM64 },
		.flags = IOASID_ARM64_HA | IOASID_ARM64_EPD1,
		.t0sz = 16, .t1sz = 16, .tg0 = 12, .tg1 = 16, .oas_bits = 48 };
	struct ioasid_format_riscv rv = {
		.hdr = { sizeof(rv), IOASID_FORMAT_RISCV },
		.flags = IOASID_RISCV_SVNAPOT, .levels = 4, .phys_bits = 56 };
	struct ioasid_format_amd_v1 amd = {
		.hdr = { sizeof(amd), IOASID_FORMAT_AMD_V1 },
		.levels = 6, .phys_bits = 52, .pgsize_bitmap = 1ULL << 12 };
	const void *descs[] = { &arm, &rv, &amd };
	struct ioasid_alloc a, k = { .size = sizeof(k), .out_id = 33 };
	struct ioasid_handle *h = fake_open(_metadata);
	unsigned int i;
	uint32_t id;

	ASSERT_NE(NULL, h);
	memcpy(fake.reply, &k, sizeof(k));
	fake.reply_len = sizeof(k);
	for (i = 0; i < 3; i++) {
		id = 0;
		EXPECT_EQ(0, ioasid_node_alloc_user(h, 4, descs[i], 32, &id));
		EXPECT_EQ(33, id);
		EXPECT_EQ(IOASID_ALLOC, fake.request);
		memcpy(&a, fake.sent, sizeof(a));
		EXPECT_EQ(sizeof(a), a.size);
		EXPECT_EQ(IOASID_MODE_USER_MANAGED, a.mode);
		EXPECT_EQ(4, a.parent_id);
		EXPECT_EQ((uintptr_t)descs[i], a.format);
		EXPECT_EQ(32, a.format_len);
		EXPECT_EQ(0, a.flags | a.fault_queue_id | a.__reserved2);
	}
	EXPECT_EQ(0, ioasid_close(h));
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
