/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the selftests: checks on raw ioctls in the style of iommufd's
 * selftests, and the list of every ioctl with its struct, for the tests that
 * walk them all.
 */
#ifndef IOASID_TEST_H
#define IOASID_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* EXPECT_ERRNO() that says which case failed (printf-style). */
#define EXPECT_ERRNO_LOG(expected, cmd, fmt, ...)			\
	do {								\
		int __r = (cmd), __e = errno;				\
									\
		EXPECT_EQ(-1, __r) TH_LOG(fmt, ##__VA_ARGS__);		\
		if (__r == -1) {					\
			EXPECT_EQ(expected, __e) TH_LOG(fmt, ##__VA_ARGS__); \
		}							\
	} while (0)

/* Expect a libioasid call to return -@expected. */
#define EXPECT_LIBERR(expected, cmd) EXPECT_EQ(-(expected), (cmd))

/*
 * Every ioctl of the uAPI with the last member of its struct as first
 * shipped. X(struct name, ioctl, last member). A new ioctl is added here and
 * the length tests cover it.
 */
#define IOASID_FOR_EACH_IOCTL(X)				\
	X(ioasid_info, IOASID_GET_INFO, __reserved)			\
	X(ioasid_alloc, IOASID_ALLOC, fault_queue_id)			\
	X(ioasid_destroy, IOASID_DESTROY, id)				\
	X(ioasid_node_info, IOASID_NODE_INFO, out_pinned_bytes)		\
	X(ioasid_map, IOASID_MAP, iova)				\
	X(ioasid_unmap, IOASID_UNMAP, out_unmapped)			\
	X(ioasid_copy, IOASID_COPY, dst_iova)				\
	X(ioasid_batch, IOASID_BATCH, __reserved2)			\
	X(ioasid_iova_ranges, IOASID_IOVA_RANGES, ranges)		\
	X(ioasid_reserve_iova, IOASID_RESERVE_IOVA, length)		\
	X(ioasid_option, IOASID_OPTION, val64)				\
	X(ioasid_device_create, IOASID_DEVICE_CREATE, out_id)		\
	X(ioasid_device_info, IOASID_DEVICE_INFO, out_faults)		\
	X(ioasid_attach, IOASID_ATTACH, __reserved)			\
	X(ioasid_attach, IOASID_DETACH, __reserved)			\
	X(ioasid_dma, IOASID_DMA, out_done)				\
	X(ioasid_translate, IOASID_TRANSLATE, out_generation)		\
	X(ioasid_dirty_tracking, IOASID_DIRTY_TRACKING, __reserved)	\
	X(ioasid_dirty_bitmap, IOASID_DIRTY_BITMAP, data)		\
	X(ioasid_format_info, IOASID_FORMAT_INFO, __reserved2)		\
	X(ioasid_bind, IOASID_BIND, root)				\
	X(ioasid_bind, IOASID_UNBIND, root)				\
	X(ioasid_invalidate, IOASID_INVALIDATE, __reserved)		\
	X(ioasid_fault_queue_alloc, IOASID_FAULT_QUEUE_ALLOC, out_fd)	\
	X(ioasid_fault_queue_info, IOASID_FAULT_QUEUE_INFO, out_auto_responses)

/* A valid x86-64 format descriptor: @levels (4, 5), @phys_bits (32..52). */
static inline struct ioasid_format_x86_64 ioasid_x86_64_format(uint32_t levels,
							       uint32_t phys_bits)
{
	struct ioasid_format_x86_64 fmt;

	memset(&fmt, 0, sizeof(fmt));
	fmt.hdr.size = sizeof(fmt);
	fmt.hdr.format = IOASID_FORMAT_X86_64;
	fmt.levels = levels;
	fmt.phys_bits = phys_bits;
	return fmt;
}

/*
 * Divisor for the sizes of scale tests: the VM runner sets it for kernels
 * with sanitizers, which run them tens of times slower. Never below 1.
 */
static inline unsigned int ioasid_test_scale(void)
{
	const char *s = getenv("IOASID_TEST_SCALE");
	int v = s ? atoi(s) : 1;

	return v > 1 ? v : 1;
}

/* One number from a "name value" file such as /proc/vmstat; -1 if absent. */
static inline long long ioasid_read_stat(const char *path, const char *name)
{
	char key[128];
	long long val;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127s %lld%*[^\n]", key, &val) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}

/*
 * FOLL_PIN pages not yet unpinned, kernel-wide (the VM runs nothing else):
 * nr_foll_pin_acquired - nr_foll_pin_released from /proc/vmstat.
 */
static inline long long ioasid_pins_outstanding(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	/* vmstat counters are batched per CPU: fold them before reading. */
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("stat_refresh");
		close(fd);
	}
	return ioasid_read_stat("/proc/vmstat", "nr_foll_pin_acquired") -
	       ioasid_read_stat("/proc/vmstat", "nr_foll_pin_released");
}

/* This process's locked memory (VmLck in /proc/self/status), in kB; -1 if absent. */
static inline long long ioasid_vmlck_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* A module-wide total from /sys/class/misc/ioasid/. */
static inline long long ioasid_sysfs_stat(const char *name)
{
	char path[128];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/ioasid/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/*
 * Anonymous read-write memory aligned to @align (a power of two), not
 * populated; NULL if mmap() fails.
 */
static inline void *ioasid_map_aligned(size_t len, size_t align)
{
	uint8_t *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	munmap((uint8_t *)start + len, (uintptr_t)p + align - start);
	return (void *)start;
}

/*
 * The text of the next record from /dev/kmsg opened with O_NONBLOCK on @fd,
 * read into @rec: the "level,seq,time,flags;" header and the continuation
 * lines cut off. Records the kernel overwrote before we read them (EPIPE)
 * are passed over. NULL when there is no record left (or on an error).
 */
static inline char *ioasid_kmsg_next(int fd, char *rec, size_t size)
{
	ssize_t n;
	char *msg;

	do
		n = read(fd, rec, size - 1);
	while (n < 0 && errno == EPIPE);
	if (n <= 0)
		return NULL;
	rec[n] = 0;
	msg = strchr(rec, ';');
	msg = msg ? msg + 1 : rec;
	msg[strcspn(msg, "\n")] = 0;
	return msg;
}

#endif
