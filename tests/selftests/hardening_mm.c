// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for how the module treats process memory:
 *
 * - DMA over physically adjacent folios (transparent huge pages next to
 *   each other, runs of 4 KiB pages): one copy must never span two folios,
 *   or hardened usercopy BUGs ("usercopy: Kernel memory exposure attempt
 *   detected from page alloc") on Debian's kernels. Those cases run in a
 *   process of their own, so that a kernel BUG is reported as a failure
 *   instead of taking the whole binary down.
 * - Writable long-term pins of MAP_SHARED mappings of files on a filesystem
 *   with writeback (ext2 on a loop device) fail with EFAULT on every kernel
 *   (GUP refuses them itself since 6.5; on 6.1 the module must), with
 *   nothing pinned or charged; read-only pins of them, and writable pins of
 *   private file mappings, anonymous memory, shmem, memfd, tmpfs files and
 *   hugetlb, still work.
 * - A DMA read that faults on its buffer writes nothing past out_done
 *   (fault_in_writeable() stores zeroes), and a fault-in that makes no
 *   progress ends the transfer with EFAULT instead of looping.
 * - DIRTY_BITMAP waiting in a fault on its user bitmap holds no lock that
 *   DMA, MAP or UNMAP of the same node need.
 *
 * Needs root in the test VM (PFNs in /proc/self/pagemap, loop devices,
 * mount, hugetlb reservations, userfaultfd for kernel faults).
 */
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define HPAGE		(2ULL << 20)
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define R_IOVA		0x40000000ULL

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
#ifndef PF_EXITING
#define PF_EXITING	0x00000004
#endif

/* Helpers ------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long meminfo(const char *key)
{
	char fmt[64];
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	snprintf(fmt, sizeof(fmt), "%s: %%lld", key);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &v) == 1)
			break;
	fclose(f);
	return v;
}

static long long read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_ll(const char *path, long long v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fprintf(f, "%lld\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

/* The byte the tests put at offset @i of memory the device reaches. */
static uint8_t pat(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 31 + (i >> 12) * 7 + seed * 13 + 1);
}

static void fill(uint8_t *p, size_t len, size_t base, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(base + i, seed);
}

/*
 * PFNs of @n pages from @p of this process into @pfns (0: not present).
 * Root sees real PFNs; anyone else reads zeroes. Returns 0 or -errno.
 */
static int read_pfns(const void *p, size_t n, uint64_t *pfns)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t len = n * sizeof(uint64_t);
	size_t i;

	if (fd < 0)
		return -errno;
	if (pread(fd, pfns, len, (uintptr_t)p / PAGE * sizeof(uint64_t)) != len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	for (i = 0; i < n; i++)
		pfns[i] = pfns[i] >> 63 ? pfns[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

static uint64_t pfn_of(const void *p)
{
	uint64_t pfn;

	return read_pfns(p, 1, &pfn) ? 0 : pfn;
}

/* /proc/kpageflags of @pfn, or ~0 when it cannot be read. */
static uint64_t page_flags(uint64_t pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t flags;

	if (fd < 0)
		return ~0ULL;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
		flags = ~0ULL;
	close(fd);
	return flags;
}

/*
 * The head PFN if the 2 MiB at @p (2 MiB-aligned) is one transparent huge
 * page mapped whole: 512 consecutive PFNs from a 512-aligned one, the head
 * flagged THP in /proc/kpageflags where that file can be read. 0 otherwise.
 */
static uint64_t thp_pfn(const void *p)
{
	uint64_t pfns[HPAGE / PAGE], flags;
	size_t i;

	if (read_pfns(p, HPAGE / PAGE, pfns) || !pfns[0] || pfns[0] % (HPAGE / PAGE))
		return 0;
	for (i = 1; i < HPAGE / PAGE; i++)
		if (pfns[i] != pfns[0] + i)
			return 0;
	flags = page_flags(pfns[0]);
	if (flags != ~0ULL && (!(flags & (1ULL << KPF_THP)) ||
			       !(flags & (1ULL << KPF_COMPOUND_HEAD))))
		return 0;
	return pfns[0];
}

/* AnonHugePages (kB) of this process's mappings in [start, start + len). */
static long long smaps_anon_huge_kb(const void *start, size_t len)
{
	unsigned long a, b, s = (uintptr_t)start, e = s + len;
	long long kb, sum = 0;
	bool in = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Only the line that starts a mapping reads as two hex numbers. */
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2)
			in = a < e && b > s;
		else if (in && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			sum += kb;
	}
	fclose(f);
	return sum;
}

static bool thp_disabled(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return true;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !buf[0] || strstr(buf, "[never]");
}

/* Offset of the first byte where @a and @b differ, or -1. */
static long long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

/* Isolated runs ---------------------------------------------------------------- */

/*
 * What a case run in a process of its own reports back, in shared memory:
 * a kernel BUG kills that process inside an ioctl (and, the context's locks
 * being held by a dead task, leaves it stuck in exit), so the test only
 * learns from here how far it got.
 */
struct iso {
	int verdict;			/* KSFT_PASS, KSFT_FAIL or KSFT_SKIP */
	volatile int in_ioctl;
	char phase[256];
	char msg[3000];
};

static void __attribute__((format(printf, 2, 3)))
iso_log(struct iso *r, const char *fmt, ...)
{
	size_t used = strlen(r->msg);
	va_list ap;

	if (used + 2 >= sizeof(r->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg + used, sizeof(r->msg) - used - 1, fmt, ap);
	va_end(ap);
	strcat(r->msg, "\n");
}

#define ISO_FAIL(r, fmt, ...)						\
	do {								\
		iso_log(r, fmt, ##__VA_ARGS__);				\
		(r)->verdict = KSFT_FAIL;				\
	} while (0)

/* The first line an isolated run reported: the reason of a SKIP. */
static char iso_reason[256];

/* The flags word of /proc/<pid>/stat, or 0. */
static unsigned long task_flags(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* ") state ppid pgrp session tty_nr tpgid flags" */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return 0;
	return flags;
}

/* New kernel log records that tell what happened, to the test's log. */
static void log_kernel_reports(struct __test_metadata *_metadata, int kmsg)
{
	char rec[1024], *msg;
	int shown = 0;

	if (kmsg < 0)
		return;
	while ((msg = ioasid_kmsg_next(kmsg, rec, sizeof(rec)))) {
		if ((strstr(msg, "usercopy") || strstr(msg, "BUG") ||
		     strstr(msg, "Oops") || strstr(msg, "WARNING")) && shown++ < 12)
			TH_LOG("kernel: %s", msg);
	}
}

/*
 * Run @fn in a child process, for at most @timeout_s seconds. Returns its
 * verdict; a child that dies inside an ioctl (a kernel BUG) or hangs is a
 * failure, reported with the phase it was in and the kernel's messages.
 */
static int run_isolated(struct __test_metadata *_metadata,
			int (*fn)(struct iso *, const void *), const void *arg,
			int timeout_s)
{
	struct iso *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	double start = now_s(), exiting_since = 0;
	int status, verdict;
	pid_t pid, w;

	if (r == MAP_FAILED)
		return KSFT_FAIL;
	memset(r, 0, sizeof(*r));
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	pid = fork();
	if (pid < 0)
		return KSFT_FAIL;
	if (pid == 0) {
		r->verdict = KSFT_PASS;
		r->verdict = fn(r, arg);
		_exit(0);
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (r->in_ioctl && task_flags(pid) & PF_EXITING) {
			/* Exiting from inside an ioctl: dead in the kernel. */
			if (!exiting_since)
				exiting_since = now_s();
			else if (now_s() - exiting_since > 3) {
				TH_LOG("the test process died in the kernel during: %s%s",
				       r->phase, r->in_ioctl ? " (inside the ioctl)" : "");
				TH_LOG("it is stuck in exit (a kernel BUG or oops; see the kernel log)");
				log_kernel_reports(_metadata, kmsg);
				if (r->msg[0])
					TH_LOG("%s", r->msg);
				close(kmsg);
				return KSFT_FAIL;
			}
		}
		if (now_s() - start > timeout_s) {
			TH_LOG("the test process did not finish in %d s, during: %s",
			       timeout_s, r->phase);
			kill(pid, SIGKILL);
			log_kernel_reports(_metadata, kmsg);
			close(kmsg);
			return KSFT_FAIL;
		}
		usleep(20000);
	}
	log_kernel_reports(_metadata, kmsg);
	close(kmsg);
	if (WIFSIGNALED(status)) {
		TH_LOG("the test process was killed by signal %d during: %s%s",
		       WTERMSIG(status), r->phase, r->in_ioctl ? " (inside the ioctl)" : "");
		if (r->msg[0])
			TH_LOG("%s", r->msg);
		return KSFT_FAIL;
	}
	verdict = r->verdict;
	if (r->msg[0])
		TH_LOG("%s", r->msg);
	snprintf(iso_reason, sizeof(iso_reason), "%.*s", (int)strcspn(r->msg, "\n"), r->msg);
	munmap(r, sizeof(*r));
	return verdict;
}

#define RUN_ISOLATED(fn, arg, timeout)					\
	do {								\
		int __v = run_isolated(_metadata, fn, arg, timeout);	\
		if (__v == KSFT_SKIP)					\
			SKIP(return, "%s", iso_reason);			\
		EXPECT_EQ(KSFT_PASS, __v);				\
	} while (0)

/* Writable long-term pins of file mappings ------------------------------------ */

enum mem_kind {
	MEM_EXT_FILE,		/* a file on ext2 on a loop device */
	MEM_ANON,
	MEM_SHMEM,		/* MAP_SHARED | MAP_ANONYMOUS */
	MEM_MEMFD,
	MEM_TMPFS_FILE,
	MEM_HUGETLB,		/* MAP_HUGETLB, anonymous */
	MEM_HUGETLB_MEMFD,
};

FIXTURE(pin) {
	struct ioasid_handle *h;
	uint32_t root, dev;
	char img[64], mnt[64], loopdev[32], path[96];
	int loopfd, fd;
	bool mounted, huge_changed;
	long long huge_saved;
	uint8_t *mem;
	size_t len;
};

FIXTURE_VARIANT(pin) {
	enum mem_kind kind;
	bool shared;
	uint32_t flags;
	int err;	/* what MAP must fail with, 0 for success */
};

FIXTURE_VARIANT_ADD(pin, ext_file_shared_write) {
	.kind = MEM_EXT_FILE, .shared = true, .flags = IOASID_MAP_WRITE, .err = EFAULT,
};

FIXTURE_VARIANT_ADD(pin, ext_file_shared_read_write) {
	.kind = MEM_EXT_FILE, .shared = true, .flags = RW, .err = EFAULT,
};

FIXTURE_VARIANT_ADD(pin, ext_file_shared_read) {
	.kind = MEM_EXT_FILE, .shared = true, .flags = IOASID_MAP_READ,
};

FIXTURE_VARIANT_ADD(pin, ext_file_private_read_write) {
	.kind = MEM_EXT_FILE, .shared = false, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, anon_private_read_write) {
	.kind = MEM_ANON, .shared = false, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, shmem_shared_read_write) {
	.kind = MEM_SHMEM, .shared = true, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, memfd_shared_read_write) {
	.kind = MEM_MEMFD, .shared = true, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, tmpfs_file_shared_read_write) {
	.kind = MEM_TMPFS_FILE, .shared = true, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, hugetlb_private_read_write) {
	.kind = MEM_HUGETLB, .shared = false, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, hugetlb_shared_read_write) {
	.kind = MEM_HUGETLB, .shared = true, .flags = RW,
};

FIXTURE_VARIANT_ADD(pin, hugetlb_memfd_shared_read_write) {
	.kind = MEM_HUGETLB_MEMFD, .shared = true, .flags = RW,
};

#define PIN_FILE_LEN	(16 * PAGE)
#define EXT_IMG_MB	16

static bool have_fs(const char *name)
{
	char line[128], want[64];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "\t%s\n", name);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/*
 * ext2 (busybox's mke2fs) on a loop device over a file in /tmp, mounted by
 * ext4, which keeps page cache with writeback and page_mkwrite. Returns 0,
 * or a positive value with @why filled for a SKIP, or -errno.
 */
static int mount_ext(FIXTURE_DATA(pin) *self, char *why, size_t whylen)
{
	char cmd[160];
	int ctl, n, img;

	/* Modules on stock kernels, built in on the debug one. */
	if (system("/sbin/modprobe -q loop >/dev/null 2>&1; "
		   "/sbin/modprobe -q ext4 >/dev/null 2>&1") == -1)
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(why, whylen, "no loop devices in this kernel (/dev/loop-control: %s)",
			 strerror(errno));
		return 1;
	}
	if (!have_fs("ext4") && !have_fs("ext2")) {
		close(ctl);
		snprintf(why, whylen, "no ext4 or ext2 in this kernel");
		return 1;
	}
	if (system("command -v mke2fs >/dev/null 2>&1")) {
		close(ctl);
		snprintf(why, whylen, "no mke2fs in this system");
		return 1;
	}
	snprintf(self->img, sizeof(self->img), "/tmp/hardening_mm-%d.img", getpid());
	img = open(self->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (img < 0 || ftruncate(img, EXT_IMG_MB << 20)) {
		close(ctl);
		return -errno;
	}
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0) {
		close(img);
		return -errno;
	}
	snprintf(self->loopdev, sizeof(self->loopdev), "/dev/loop%d", n);
	/* devtmpfs makes the node; only without one would it be missing. */
	if (access(self->loopdev, F_OK) && mknod(self->loopdev, S_IFBLK | 0600, makedev(7, n)))
		return -errno;
	self->loopfd = open(self->loopdev, O_RDWR | O_CLOEXEC);
	if (self->loopfd < 0 || ioctl(self->loopfd, LOOP_SET_FD, img)) {
		close(img);
		return -errno;
	}
	close(img);
	snprintf(cmd, sizeof(cmd), "mke2fs -F %s >/dev/null 2>&1", self->loopdev);
	if (system(cmd)) {
		snprintf(why, whylen, "mke2fs %s failed", self->loopdev);
		return -EIO;
	}
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/hardening_mm-%d.mnt", getpid());
	if (mkdir(self->mnt, 0700))
		return -errno;
	if (mount(self->loopdev, self->mnt, "ext4", 0, NULL) &&
	    mount(self->loopdev, self->mnt, "ext2", 0, NULL)) {
		snprintf(why, whylen, "mounting ext2 from %s: %s", self->loopdev,
			 strerror(errno));
		return -errno;
	}
	self->mounted = true;
	return 0;
}

/* Make sure @n huge pages of the default size are free. */
static int reserve_hugepages(FIXTURE_DATA(pin) *self, long long n, char *why,
			     size_t whylen)
{
	long long free_now = meminfo("HugePages_Free");

	if (free_now < 0) {
		snprintf(why, whylen, "no hugetlb in this kernel");
		return 1;
	}
	if (free_now < n) {
		self->huge_saved = read_ll("/proc/sys/vm/nr_hugepages");
		if (self->huge_saved < 0 ||
		    write_ll("/proc/sys/vm/nr_hugepages", self->huge_saved + n - free_now)) {
			snprintf(why, whylen, "cannot set /proc/sys/vm/nr_hugepages");
			return 1;
		}
		self->huge_changed = true;
		free_now = meminfo("HugePages_Free");
	}
	if (free_now < n) {
		snprintf(why, whylen, "could reserve only %lld of %lld huge pages", free_now, n);
		return 1;
	}
	return 0;
}

FIXTURE_SETUP(pin)
{
	int prot = PROT_READ | PROT_WRITE, share = variant->shared ? MAP_SHARED : MAP_PRIVATE;
	char why[200] = "";
	ssize_t n;
	int rc;

	self->fd = -1;
	self->loopfd = -1;
	self->len = PIN_FILE_LEN;
	switch (variant->kind) {
	case MEM_EXT_FILE:
		rc = mount_ext(self, why, sizeof(why));
		if (rc > 0)
			SKIP(return, "%s", why);
		ASSERT_EQ(0, rc) TH_LOG("%s", why);
		snprintf(self->path, sizeof(self->path), "%s/data", self->mnt);
		break;
	case MEM_TMPFS_FILE: {
		struct statfs sfs;

		ASSERT_EQ(0, statfs("/dev/shm", &sfs));
		if (sfs.f_type != TMPFS_MAGIC)
			SKIP(return, "/dev/shm is not tmpfs here");
		snprintf(self->path, sizeof(self->path), "/dev/shm/hardening_mm-%d", getpid());
		break;
	}
	case MEM_HUGETLB:
	case MEM_HUGETLB_MEMFD:
		self->len = meminfo("Hugepagesize") << 10;
		rc = reserve_hugepages(self, 1, why, sizeof(why));
		if (rc)
			SKIP(return, "%s", why);
		break;
	default:
		break;
	}

	if (self->path[0]) {
		uint8_t *data = malloc(self->len);

		ASSERT_NE(NULL, data);
		fill(data, self->len, 0, 3);
		self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_LE(0, self->fd);
		n = write(self->fd, data, self->len);
		ASSERT_EQ((ssize_t)self->len, n);
		ASSERT_EQ(0, fsync(self->fd));
		free(data);
		self->mem = mmap(NULL, self->len, prot, share, self->fd, 0);
	} else if (variant->kind == MEM_MEMFD || variant->kind == MEM_HUGETLB_MEMFD) {
		self->fd = memfd_create("hardening_mm", MFD_CLOEXEC |
					(variant->kind == MEM_HUGETLB_MEMFD ? MFD_HUGETLB : 0));
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, ftruncate(self->fd, self->len));
		self->mem = mmap(NULL, self->len, prot, share, self->fd, 0);
	} else {
		self->mem = mmap(NULL, self->len, prot, share | MAP_ANONYMOUS |
				 (variant->kind == MEM_HUGETLB ? MAP_HUGETLB : 0), -1, 0);
	}
	ASSERT_NE(MAP_FAILED, self->mem) TH_LOG("mmap: %s", strerror(errno));
	if (!self->path[0])
		fill(self->mem, self->len, 0, 3);

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	/* Charges show in VmLck. */
	ASSERT_EQ(0, ioasid_set_account_mode(self->h, IOASID_ACCOUNT_PROCESS));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &self->root));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->root, 0, 0));
}

FIXTURE_TEARDOWN(pin)
{
	if (self->h)
		ioasid_close(self->h);
	if (self->mem && self->mem != MAP_FAILED)
		munmap(self->mem, self->len);
	if (self->fd >= 0)
		close(self->fd);
	if (self->path[0] && variant->kind == MEM_TMPFS_FILE)
		unlink(self->path);
	if (self->mounted)
		EXPECT_EQ(0, umount2(self->mnt, 0)) TH_LOG("umount: %s", strerror(errno));
	if (self->mnt[0])
		rmdir(self->mnt);
	if (self->loopfd >= 0) {
		ioctl(self->loopfd, LOOP_CLR_FD, 0);
		close(self->loopfd);
	}
	if (self->img[0])
		unlink(self->img);
	if (self->huge_changed)
		EXPECT_EQ(0, write_ll("/proc/sys/vm/nr_hugepages", self->huge_saved));
}

struct pin_snapshot {
	long long pins, pinned_bytes, vmlck_kb;
	struct ioasid_node_info node;
};

static int snapshot(struct ioasid_handle *h, uint32_t root, struct pin_snapshot *s)
{
	s->pins = ioasid_pins_outstanding();
	s->pinned_bytes = ioasid_sysfs_stat("pinned_bytes");
	s->vmlck_kb = ioasid_vmlck_kb();
	return ioasid_node_info(h, root, &s->node);
}

/*
 * MAP of the variant's memory with the variant's flags: refused with
 * nothing pinned or charged, or pinned, usable by a device both ways the
 * flags allow, and released by UNMAP.
 */
TEST_F(pin, writable_long_term_pins)
{
	struct pin_snapshot before, after;
	uint8_t *local = malloc(self->len), byte;
	uint64_t iova = R_IOVA, done;
	struct ioasid_map batch[2];
	unsigned int batch_done = 0;
	uint8_t *anon;
	size_t i;
	int ret;

	ASSERT_NE(NULL, local);
	/* Fault everything in, as a VMM's guest RAM would be. */
	for (i = 0; i < self->len; i += PAGE)
		byte = ((volatile uint8_t *)self->mem)[i];
	(void)byte;
	ASSERT_EQ(0, snapshot(self->h, self->root, &before));

	ret = ioasid_map(self->h, self->root, (uintptr_t)self->mem, self->len, &iova,
			 variant->flags | FIXED);
	if (variant->err) {
		EXPECT_EQ(-variant->err, ret)
			TH_LOG("a %s pin of a MAP_SHARED file on a filesystem with writeback "
			       "must be refused", variant->flags & IOASID_MAP_WRITE ?
			       "writable" : "read-only");
		ASSERT_EQ(0, snapshot(self->h, self->root, &after));
		if (!ret) {
			/* Pinned after all (the bug): undo, the rest is moot. */
			TH_LOG("MAP pinned %llu bytes; out_pinned_bytes %llu",
			       (unsigned long long)self->len,
			       (unsigned long long)after.node.out_pinned_bytes);
			EXPECT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
			return;
		}
		EXPECT_EQ(before.pins, after.pins);
		EXPECT_EQ(before.pinned_bytes, after.pinned_bytes);
		EXPECT_EQ(before.vmlck_kb, after.vmlck_kb);
		EXPECT_EQ(0, after.node.out_num_mappings);
		EXPECT_EQ(0, after.node.out_mapped_bytes);
		EXPECT_EQ(0, after.node.out_pinned_bytes);

		/* The same mapping pinned for reading only is fine. */
		ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->mem, self->len,
					&iova, IOASID_MAP_READ | FIXED));
		ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 100, local,
					self->len - 200, &done));
		EXPECT_EQ(-1, first_diff(local, self->mem + 100, self->len - 200));
		EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
					      R_IOVA, local, 8, &done));
		EXPECT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));

		/* In a BATCH: the entries before it stay, it and those after do not. */
		anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		ASSERT_NE(MAP_FAILED, anon);
		memset(batch, 0, sizeof(batch));
		batch[0] = (struct ioasid_map){ .size = sizeof(batch[0]), .flags = RW | FIXED,
						.id = self->root, .addr = (uintptr_t)anon,
						.length = PAGE, .iova = R_IOVA + (1ULL << 30) };
		batch[1] = (struct ioasid_map){ .size = sizeof(batch[1]),
						.flags = variant->flags | FIXED,
						.id = self->root, .addr = (uintptr_t)self->mem,
						.length = self->len, .iova = R_IOVA };
		EXPECT_LIBERR(variant->err, ioasid_map_batch(self->h, batch, 2, &batch_done));
		EXPECT_EQ(1, batch_done);
		ASSERT_EQ(0, ioasid_node_info(self->h, self->root, &after.node));
		EXPECT_EQ(1, after.node.out_num_mappings);
		EXPECT_EQ(PAGE, after.node.out_pinned_bytes);
		EXPECT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
		ASSERT_EQ(0, snapshot(self->h, self->root, &after));
		EXPECT_EQ(before.pins, after.pins);
		EXPECT_EQ(before.pinned_bytes, after.pinned_bytes);
		EXPECT_EQ(before.vmlck_kb, after.vmlck_kb);
		munmap(anon, PAGE);
		return;
	}

	ASSERT_EQ(0, ret) TH_LOG("MAP with flags %#x: %s", variant->flags, strerror(-ret));
	ASSERT_EQ(0, snapshot(self->h, self->root, &after));
	EXPECT_EQ(before.pins + (long long)(self->len / PAGE), after.pins);
	EXPECT_EQ(before.pinned_bytes + (long long)self->len, after.pinned_bytes);
	EXPECT_EQ(before.vmlck_kb + (long long)(self->len >> 10), after.vmlck_kb);
	EXPECT_EQ(self->len, after.node.out_pinned_bytes);

	/* The device reads what the process sees... */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, 0, 0, R_IOVA + 100, local,
				self->len - 200, &done));
	EXPECT_EQ(-1, first_diff(local, self->mem + 100, self->len - 200));
	/* ...and the process sees what the device writes. */
	if (variant->flags & IOASID_MAP_WRITE) {
		fill(local, self->len, 0, 9);
		ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
					R_IOVA + PAGE - 3, local, self->len - 2 * PAGE, &done));
		EXPECT_EQ(-1, first_diff(self->mem + PAGE - 3, local, self->len - 2 * PAGE));
		if (variant->kind == MEM_EXT_FILE && !variant->shared) {
			/* A private mapping's copy: the file keeps its bytes. */
			ASSERT_EQ((ssize_t)PAGE, pread(self->fd, local, PAGE, PAGE));
			EXPECT_EQ(pat(PAGE, 3), local[0]);
		}
	} else {
		EXPECT_LIBERR(EIO, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
					      R_IOVA, local, 8, &done));
	}
	EXPECT_EQ(0, ioasid_unmap_all(self->h, self->root, NULL));
	ASSERT_EQ(0, snapshot(self->h, self->root, &after));
	EXPECT_EQ(before.pins, after.pins);
	EXPECT_EQ(before.pinned_bytes, after.pinned_bytes);
	EXPECT_EQ(before.vmlck_kb, after.vmlck_kb);
	free(local);
}

/* userfaultfd --------------------------------------------------------------------- */

#define UF_PAGES	16

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

/* Resolve a missing page with a copy of @src; 0 if it is there (now or before). */
static int uffd_copy(int uffd, void *dst, const void *src)
{
	struct uffdio_copy copy = {
		.dst = (uintptr_t)dst & ~(PAGE - 1), .src = (uintptr_t)src, .len = PAGE,
	};

	if (!ioctl(uffd, UFFDIO_COPY, &copy) || errno == EEXIST)
		return 0;
	return -errno;
}

/* The address of the next page fault, 0 when none came in @ms. */
static uint64_t uffd_next_fault(int uffd, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address & ~(PAGE - 1);
}

FIXTURE(uf) {
	struct ioasid_handle *h;
	uint32_t root, dev;
	uint8_t *src;		/* UF_PAGES mapped at R_IOVA, a THP if it can be */
	bool src_contiguous;
	int uffd;
	uint8_t *aa;		/* a page of 0xAA */
};

FIXTURE_SETUP(uf)
{
	uint64_t iova = R_IOVA, pfns[UF_PAGES];
	unsigned int i;

	self->uffd = uffd_open();
	if (self->uffd < 0)
		SKIP(return, "no userfaultfd here (errno %d)", -self->uffd);
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &self->root));
	/* One THP where there are THPs: a DMA chunk then spans every page. */
	self->src = ioasid_map_aligned(HPAGE, HPAGE);
	ASSERT_NE(NULL, self->src);
	madvise(self->src, HPAGE, MADV_HUGEPAGE);
	fill(self->src, UF_PAGES * PAGE, 0, 5);
	ASSERT_EQ(0, read_pfns(self->src, UF_PAGES, pfns));
	self->src_contiguous = pfns[0] != 0;
	for (i = 1; i < UF_PAGES; i++)
		self->src_contiguous &= pfns[i] == pfns[0] + i;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->src, UF_PAGES * PAGE,
				&iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->root, 0, 0));
	self->aa = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, self->aa);
	memset(self->aa, 0xaa, PAGE);
}

FIXTURE_TEARDOWN(uf)
{
	if (self->h)
		ioasid_close(self->h);
	if (self->uffd >= 0)
		close(self->uffd);
}

/* A buffer of UF_PAGES registered MISSING, its first page already 0xAA. */
static uint8_t *uf_buffer(FIXTURE_DATA(uf) *self)
{
	uint8_t *b = mmap(NULL, UF_PAGES * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED || uffd_register(self->uffd, b, UF_PAGES * PAGE) ||
	    uffd_copy(self->uffd, b, self->aa))
		return NULL;
	return b;
}

struct dma_job {
	struct ioasid_handle *h;
	uint32_t dev, flags;
	uint64_t iova, len;
	void *buf;
	uint64_t done;
	int ret;
	volatile int finished;
};

static void *dma_job_run(void *arg)
{
	struct dma_job *j = arg;

	j->ret = ioasid_dma(j->h, j->dev, j->flags, 0, j->iova, j->buf, j->len, &j->done);
	j->finished = 1;
	return NULL;
}

static int timed_join(pthread_t t, int seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	return pthread_timedjoin_np(t, NULL, &until);
}

/*
 * Fill every page of @b still missing with 0xAA, so that reading it neither
 * blocks nor reads zeroes that nobody wrote. Returns how many bytes past
 * @from are not 0xAA, logging the first few.
 */
static size_t uf_count_not_aa(struct __test_metadata *_metadata, FIXTURE_DATA(uf) *self,
			      uint8_t *b, size_t from)
{
	size_t i, bad = 0;

	for (i = 0; i < UF_PAGES; i++)
		uffd_copy(self->uffd, b + i * PAGE, self->aa);
	for (i = from; i < UF_PAGES * PAGE; i++) {
		if (b[i] == 0xaa)
			continue;
		if (bad++ < 8)
			TH_LOG("buffer byte %#zx (page %zu + %#zx, past out_done) is %#x, not 0xaa",
			       i, i / (size_t)PAGE, i % (size_t)PAGE, b[i]);
	}
	return bad;
}

/*
 * A DMA read into a buffer whose pages arrive by userfaultfd: on
 * the first fault the IOVA range is unmapped, then each page arrives full
 * of 0xAA. The transfer ends where the translation went, with EIO, and
 * nothing past out_done is written: fault_in_writeable() would have stored
 * a zero at the start of every page it faulted in.
 */
TEST_F_TIMEOUT(uf, dma_read_writes_nothing_past_out_done, 90)
{
	struct dma_job job = { .h = self->h, .dev = self->dev, .flags = 0 };
	uint64_t addr, unmapped = 0;
	int unmap_ret = -1, served = 0;
	struct ioasid_device_info info;
	double deadline;
	uint8_t *b;
	pthread_t t;

	b = uf_buffer(self);
	ASSERT_NE(NULL, b);
	/* From byte 100 of the first (present) page into the missing ones. */
	job.iova = R_IOVA + 100;
	job.buf = b + 100;
	job.len = UF_PAGES * PAGE - 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, dma_job_run, &job));

	deadline = now_s() + 20;
	while (!job.finished && now_s() < deadline) {
		addr = uffd_next_fault(self->uffd, 100);
		if (!addr)
			continue;
		if (!served)
			unmap_ret = ioasid_unmap(self->h, self->root, R_IOVA, UF_PAGES * PAGE,
						 &unmapped);
		ASSERT_EQ(0, uffd_copy(self->uffd, (void *)addr, self->aa));
		served++;
	}
	ASSERT_EQ(0, timed_join(t, 10)) TH_LOG("the DMA did not end");
	EXPECT_LT(0, served);
	EXPECT_EQ(0, unmap_ret);
	EXPECT_EQ(UF_PAGES * PAGE, unmapped);

	EXPECT_EQ(-EIO, job.ret);
	EXPECT_EQ(PAGE - 100, job.done);
	EXPECT_EQ(0, ioasid_device_info(self->h, self->dev, &info));
	EXPECT_EQ(1, info.out_faults);
	/* Up to out_done: the device's bytes; before: untouched. */
	EXPECT_EQ(-1, first_diff(b + 100, self->src + 100, job.done));
	EXPECT_EQ(0xaa, b[0]);
	EXPECT_EQ(0xaa, b[99]);
	EXPECT_EQ(0, uf_count_not_aa(_metadata, self, b, 100 + job.done));
	TH_LOG("%d faults served, source %s contiguous", served,
	       self->src_contiguous ? "physically" : "not");
}

/*
 * The other half: every fault-in succeeds, yet the next copy makes
 * no progress, because the page it needs is taken away again while the
 * fault-in goes on to the next page. The transfer must give up with
 * EFAULT after a round or two, writing nothing past out_done; looping
 * until the process stops playing is a livelock.
 */
TEST_F_TIMEOUT(uf, dma_read_fault_in_without_progress_ends, 90)
{
	struct dma_job job = { .h = self->h, .dev = self->dev, .flags = 0 };
	uint8_t *b, *p1, *p2;
	int rounds = 0, served = 0;
	bool ping_pong = true, livelock = false;
	double start, deadline;
	uint64_t addr;
	pthread_t t;

	if (!self->src_contiguous)
		SKIP(return, "no THP for the source: a DMA chunk would cover one page only");
	b = uf_buffer(self);
	ASSERT_NE(NULL, b);
	p1 = b + PAGE;
	p2 = b + 2 * PAGE;
	job.iova = R_IOVA + 100;
	job.buf = b + 100;
	job.len = UF_PAGES * PAGE - 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, dma_job_run, &job));

	/*
	 * Serving page 1 takes page 2 away and serving page 2 takes page 1
	 * away: a fault-in of pages 1, 2, ... succeeds, and the copy that
	 * follows finds page 1 missing again.
	 */
	start = now_s();
	deadline = start + 10;
	while (!job.finished && now_s() < start + 25) {
		if (ping_pong && now_s() > deadline) {
			ping_pong = false;
			livelock = true;
			TH_LOG("the DMA is still retrying after 10 s (%d rounds): livelock; "
			       "serving faults plainly now", rounds);
		}
		addr = uffd_next_fault(self->uffd, 100);
		if (!addr)
			continue;
		if (ping_pong && addr == (uintptr_t)p1) {
			rounds++;
			ASSERT_EQ(0, madvise(p2, PAGE, MADV_DONTNEED));
		} else if (ping_pong && addr == (uintptr_t)p2) {
			ASSERT_EQ(0, madvise(p1, PAGE, MADV_DONTNEED));
		}
		ASSERT_EQ(0, uffd_copy(self->uffd, (void *)addr, self->aa));
		served++;
	}
	ASSERT_EQ(0, timed_join(t, 10)) TH_LOG("the DMA did not end");
	TH_LOG("%d rounds, %d faults served, DMA returned %d (out_done %llu) after %.1f s",
	       rounds, served, job.ret, (unsigned long long)job.done, now_s() - start);
	EXPECT_FALSE(livelock);
	if (livelock)
		return;
	/*
	 * Giving up is EFAULT at the first byte it could not copy, with
	 * nothing written past it. (A module that faults in one page at a
	 * time does make progress here and may complete instead.)
	 */
	if (job.ret == -EFAULT) {
		EXPECT_EQ(PAGE - 100, job.done);
		EXPECT_EQ(-1, first_diff(b + 100, self->src + 100, PAGE - 100));
		EXPECT_EQ(0, uf_count_not_aa(_metadata, self, b, 100 + job.done));
	} else {
		EXPECT_EQ(0, job.ret);
		EXPECT_EQ(job.len, job.done);
	}
}

/* DIRTY_BITMAP stuck in a fault on its bitmap ---------------------------------- */

struct op_job {
	struct ioasid_handle *h;
	uint32_t root, dev;
	int kind;		/* 0: DMA write, 1: MAP, 2: UNMAP */
	const char *name;
	uint64_t iova, addr, len;
	int ret;
	volatile int finished;
	double took;
};

static const char *const op_names[] = { "DMA write", "MAP", "UNMAP" };

static void *op_job_run(void *arg)
{
	struct op_job *j = arg;
	uint8_t data[64];
	uint64_t done, iova = j->iova;
	double start = now_s();

	memset(data, 0x77, sizeof(data));
	switch (j->kind) {
	case 0:
		j->ret = ioasid_dma(j->h, j->dev, IOASID_DMA_WRITE, 0, j->iova, data,
				    sizeof(data), &done);
		break;
	case 1:
		j->ret = ioasid_map(j->h, j->root, j->addr, j->len, &iova, RW | FIXED);
		break;
	default:
		j->ret = ioasid_unmap(j->h, j->root, j->iova, j->len, NULL);
		break;
	}
	j->took = now_s() - start;
	j->finished = 1;
	return NULL;
}

struct bitmap_job {
	struct ioasid_handle *h;
	uint32_t root;
	uint64_t *bitmap;
	int ret;
	volatile int finished;
};

static void *bitmap_job_run(void *arg)
{
	struct bitmap_job *j = arg;

	j->ret = ioasid_dirty_bitmap(j->h, j->root, R_IOVA, UF_PAGES * PAGE, PAGE,
				     j->bitmap, 0);
	j->finished = 1;
	return NULL;
}

/*
 * While DIRTY_BITMAP waits for its bitmap page (userfaultfd), DMA through
 * the node that needs a fresh translation, MAP and UNMAP on the node all
 * complete. Once the page arrives, the bitmap reports exactly the pages
 * written before it started.
 */
TEST_F_TIMEOUT(uf, dirty_bitmap_fault_blocks_nothing, 90)
{
	struct bitmap_job bj = { .h = self->h, .root = self->root };
	struct op_job ops[3];
	uint64_t other_iova = R_IOVA + (1ULL << 30), unmap_iova, bitmap[1], addr = 0;
	uint8_t *other, *ff, one = 1;
	pthread_t bt, ot[3];
	bool all_done = false;
	double deadline;
	uint64_t done;
	int i;

	other = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, other);
	/*
	 * Far from the tracked range: pages 0-1 of @other (the DMA's target),
	 * page 4 (for the UNMAP); pages 2-3 are for the MAP during the wait.
	 */
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)other, 2 * PAGE,
				&other_iova, RW | FIXED));
	unmap_iova = other_iova + 32 * PAGE;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)other + 4 * PAGE, PAGE,
				&unmap_iova, RW | FIXED));
	ASSERT_EQ(0, ioasid_set_dirty_tracking(self->h, self->root, 1));
	/* Pages 0 and 2 written before the bitmap is asked for. */
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0, R_IOVA + 5,
				&one, 1, &done));
	ASSERT_EQ(0, ioasid_dma(self->h, self->dev, IOASID_DMA_WRITE, 0,
				R_IOVA + 2 * PAGE + 9, &one, 1, &done));

	bj.bitmap = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, bj.bitmap);
	ASSERT_EQ(0, uffd_register(self->uffd, bj.bitmap, PAGE));
	ASSERT_EQ(0, pthread_create(&bt, NULL, bitmap_job_run, &bj));
	addr = uffd_next_fault(self->uffd, 10000);
	ASSERT_EQ((uintptr_t)bj.bitmap, addr) TH_LOG("DIRTY_BITMAP did not fault on its bitmap");

	/* It waits in the fault now. Everyone else must get on. */
	for (i = 0; i < 3; i++) {
		ops[i] = (struct op_job){ .h = self->h, .root = self->root, .dev = self->dev,
					  .kind = i, .name = op_names[i] };
		if (i == 0) {
			/* Never translated through since tracking went on: a walk. */
			ops[i].iova = other_iova + PAGE + 3;
		} else if (i == 1) {
			ops[i].addr = (uintptr_t)other + 2 * PAGE;
			ops[i].len = 2 * PAGE;
			ops[i].iova = other_iova + 16 * PAGE;
		} else {
			ops[i].iova = unmap_iova;
			ops[i].len = PAGE;
		}
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&ot[i], NULL, op_job_run, &ops[i]));
	deadline = now_s() + 10;
	while (!all_done && now_s() < deadline) {
		usleep(10000);
		all_done = ops[0].finished && ops[1].finished && ops[2].finished;
	}
	for (i = 0; i < 3; i++) {
		if (!ops[i].finished)
			TH_LOG("%s on the node did not complete in 10 s while DIRTY_BITMAP "
			       "waited in a fault on its bitmap", ops[i].name);
	}
	EXPECT_TRUE(all_done);
	EXPECT_FALSE(bj.finished);

	/* Serve the fault (with a page of ones the bitmap must overwrite). */
	ff = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ff);
	memset(ff, 0xff, PAGE);
	ASSERT_EQ(0, uffd_copy(self->uffd, bj.bitmap, ff));
	ASSERT_EQ(0, timed_join(bt, 10)) TH_LOG("DIRTY_BITMAP did not end once served");
	for (i = 0; i < 3; i++) {
		struct op_job *o = &ops[i];

		ASSERT_EQ(0, timed_join(ot[i], 10)) TH_LOG("%s did not end", o->name);
		EXPECT_EQ(0, o->ret) TH_LOG("%s: %s", o->name, strerror(-o->ret));
		TH_LOG("%s took %.2f s", o->name, o->took);
	}
	EXPECT_EQ(0, bj.ret);
	EXPECT_EQ(0x5, bj.bitmap[0]);

	/* That read cleared them; the DMA during the wait was recorded. */
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, R_IOVA, UF_PAGES * PAGE, PAGE,
					 bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(0, bitmap[0]);
	ASSERT_EQ(0, ioasid_dirty_bitmap(self->h, self->root, other_iova, 2 * PAGE, PAGE,
					 bitmap, IOASID_DIRTY_NO_CLEAR));
	EXPECT_EQ(0x2, bitmap[0]);
	munmap(ff, PAGE);
}

/* DMA over physically adjacent folios ------------------------------------------ */

/*
 * Last in the file: before the fix these BUG the kernel, which panics
 * kernels with panic_on_oops (the debug kernel) and ends the run there.
 */

struct dma_ctx {
	struct ioasid_handle *h;
	uint32_t root, dev;
	uint8_t *mem;		/* what is mapped at R_IOVA */
	size_t len;
	uint8_t *local;		/* the caller's side of the transfers */
};

static int dma_ctx_open(struct iso *r, struct dma_ctx *c, uint8_t *mem, size_t len)
{
	uint64_t iova = R_IOVA;
	int rc;

	c->mem = mem;
	c->len = len;
	c->local = malloc(len);
	if (!c->local)
		return -ENOMEM;
	rc = ioasid_module_load(NULL, 0);
	if (rc < 0) {
		ISO_FAIL(r, "loading the module: %d", rc);
		return rc;
	}
	rc = ioasid_open(&c->h, NULL, 0);
	if (!rc)
		rc = ioasid_node_alloc(c->h, 0, IOASID_MODE_KERNEL_MANAGED, &c->root);
	if (!rc)
		rc = ioasid_map(c->h, c->root, (uintptr_t)mem, len, &iova, RW | FIXED);
	if (!rc)
		rc = ioasid_device_create(c->h, 0, 0, &c->dev);
	if (!rc)
		rc = ioasid_attach(c->h, c->dev, c->root, 0, 0);
	if (rc)
		ISO_FAIL(r, "setting up a root with a device: %d", rc);
	return rc;
}

/*
 * One transfer of @len bytes at offset @off of the mapped memory, checked
 * byte for byte, and the memory restored. Returns 0 if it went right.
 */
static int dma_case(struct iso *r, struct dma_ctx *c, size_t off, size_t len,
		    bool write, const char *where)
{
	uint64_t done = 0;
	long long d;
	int ret;

	snprintf(r->phase, sizeof(r->phase), "DMA %s of %zu bytes from offset %#zx (%s)",
		 write ? "write" : "read", len, off, where);
	if (write)
		fill(c->local, len, 0, 7);
	else
		memset(c->local, 0x5a, len);
	r->in_ioctl = 1;
	ret = ioasid_dma(c->h, c->dev, write ? IOASID_DMA_WRITE : 0, 0, R_IOVA + off,
			 c->local, len, &done);
	r->in_ioctl = 0;
	if (ret || done != len) {
		ISO_FAIL(r, "%s: returned %d, out_done %llu", r->phase, ret,
			 (unsigned long long)done);
		return -1;
	}
	d = write ? first_diff(c->mem + off, c->local, len) :
		    first_diff(c->local, c->mem + off, len);
	if (d >= 0) {
		ISO_FAIL(r, "%s: data differs at byte %lld (memory offset %#llx)", r->phase,
			 d, (unsigned long long)(off + d));
		return -1;
	}
	if (write) {
		if ((off && c->mem[off - 1] != pat(off - 1, 0)) ||
		    (off + len < c->len && c->mem[off + len] != pat(off + len, 0))) {
			ISO_FAIL(r, "%s: a byte next to the range changed", r->phase);
			return -1;
		}
		fill(c->mem + off, len, off, 0);
	}
	return 0;
}

struct thp_arg {
	bool write;
};

struct block {
	uint8_t *va;
	uint64_t pfn;
};

static int cmp_block(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * The longest run of blocks (sorted by PFN) whose PFNs follow each other
 * @step apart, at most @max long: its first index in *@first.
 */
static size_t longest_run(const struct block *b, size_t n, uint64_t step,
			  size_t max, size_t *first)
{
	size_t i, run = 1, best = n ? 1 : 0;

	*first = 0;
	for (i = 1; i < n; i++) {
		run = b[i].pfn == b[i - 1].pfn + step ? run + 1 : 1;
		if (run > best) {
			best = run;
			*first = i + 1 - run;
		}
	}
	if (best > max)
		best = max;
	return best;
}

#define THP_PER_TRY	32
#define THP_TRIES	4
#define THP_CHAIN	3

static int thp_case(struct iso *r, const void *varg)
{
	const struct thp_arg *arg = varg;
	struct block blocks[THP_PER_TRY * THP_TRIES];
	size_t nblocks = 0, chain = 0, first = 0, i, b, len;
	struct dma_ctx c = {};
	uint8_t *p, *dst;
	long long kb;
	int t;

	snprintf(r->phase, sizeof(r->phase), "allocating transparent huge pages");
	if (thp_disabled()) {
		iso_log(r, "transparent huge pages are disabled in this kernel");
		return KSFT_SKIP;
	}
	for (t = 0; t < THP_TRIES && chain < THP_CHAIN; t++) {
		p = ioasid_map_aligned(THP_PER_TRY * HPAGE, HPAGE);
		if (!p || madvise(p, THP_PER_TRY * HPAGE, MADV_HUGEPAGE)) {
			ISO_FAIL(r, "mmap/madvise of %llu MiB: %s",
				 THP_PER_TRY * HPAGE >> 20, strerror(errno));
			return KSFT_FAIL;
		}
		for (i = 0; i < THP_PER_TRY; i++)
			p[i * HPAGE] = 1;	/* the fault allocates the whole THP */
		if (!pfn_of(p)) {
			iso_log(r, "/proc/self/pagemap shows no PFNs (not root?)");
			return KSFT_SKIP;
		}
		for (i = 0; i < THP_PER_TRY; i++) {
			blocks[nblocks].va = p + i * HPAGE;
			blocks[nblocks].pfn = thp_pfn(p + i * HPAGE);
			if (blocks[nblocks].pfn)
				nblocks++;
		}
		qsort(blocks, nblocks, sizeof(*blocks), cmp_block);
		chain = longest_run(blocks, nblocks, HPAGE / PAGE, THP_CHAIN, &first);
	}
	if (chain < 2) {
		iso_log(r, "%zu THPs in %d tries, none physically right after another (PFN + 512)",
			nblocks, t);
		return KSFT_SKIP;
	}

	/*
	 * Put them next to each other virtually too, in PFN order, so that one
	 * MAP pins them as one physically contiguous run: mremap() moves a
	 * PMD-mapped THP whole between 2 MiB-aligned addresses.
	 */
	snprintf(r->phase, sizeof(r->phase), "moving %zu adjacent THPs together", chain);
	dst = ioasid_map_aligned(chain * HPAGE, HPAGE);
	if (!dst) {
		ISO_FAIL(r, "mmap: %s", strerror(errno));
		return KSFT_FAIL;
	}
	for (i = 0; i < chain; i++) {
		if (mremap(blocks[first + i].va, HPAGE, HPAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + i * HPAGE) == MAP_FAILED) {
			ISO_FAIL(r, "mremap: %s", strerror(errno));
			return KSFT_FAIL;
		}
	}
	for (i = 0; i < chain; i++) {
		if (thp_pfn(dst + i * HPAGE) != blocks[first].pfn + i * (HPAGE / PAGE)) {
			iso_log(r, "THP %zu is no longer PMD-mapped at PFN %#llx after mremap", i,
				(unsigned long long)(blocks[first].pfn + i * (HPAGE / PAGE)));
			return KSFT_SKIP;
		}
	}
	kb = smaps_anon_huge_kb(dst, chain * HPAGE);
	if (kb < (long long)(chain * HPAGE >> 10)) {
		ISO_FAIL(r, "smaps: AnonHugePages %lld kB for %zu THPs", kb, chain);
		return KSFT_FAIL;
	}
	len = chain * HPAGE;
	fill(dst, len, 0, 0);
	iso_log(r, "%zu THPs at PFNs %#llx.. (%lld kB AnonHugePages), DMA %s",
		chain, (unsigned long long)blocks[first].pfn, kb,
		arg->write ? "writes" : "reads");

	snprintf(r->phase, sizeof(r->phase), "mapping the THPs");
	if (dma_ctx_open(r, &c, dst, len))
		return KSFT_FAIL;
	/* From 4096 - 123 bytes before the end of a folio, 256 KiB+ into the next. */
	for (b = 1; b < chain; b++)
		if (dma_case(r, &c, b * HPAGE - PAGE + 123, PAGE - 123 + (256 << 10) + 4096 + 77,
			     arg->write, "across the end of a THP"))
			return KSFT_FAIL;
	/* Everything, unaligned: every boundary in one call. */
	if (dma_case(r, &c, 123, len - 246, arg->write, "across every THP"))
		return KSFT_FAIL;
	/* Exactly to the end of a folio, and exactly from the start of the next. */
	if (dma_case(r, &c, HPAGE - PAGE, PAGE, arg->write, "the last page of a THP") ||
	    dma_case(r, &c, HPAGE, PAGE, arg->write, "the first page of the next"))
		return KSFT_FAIL;
	ioasid_close(c.h);
	return r->verdict;
}

FIXTURE(adjacent) {
	int unused;
};

FIXTURE_SETUP(adjacent)
{
}

FIXTURE_TEARDOWN(adjacent)
{
}

#define SMALL_PAGES	4096
#define SMALL_RUN	80

/*
 * Keep THP away from a range. Kernels without THP (Debian's PREEMPT_RT
 * builds) refuse the advice with EINVAL: their pages are small anyway.
 */
static int no_thp(void *p, size_t len)
{
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		return -1;
	return 0;
}

/*
 * DMA over 4 KiB pages whose PFNs follow each other, mapped as one run. No
 * copy here can trip hardened usercopy (it checks large folios only); the
 * case keeps the per-folio chunking honest: every byte where it belongs.
 */
static int small_case(struct iso *r, const void *varg)
{
	/* Fewer on slow (debug) kernels: adjacent pairs are common anyway. */
	size_t npages = SMALL_PAGES / ioasid_test_scale();
	struct block *blocks = calloc(npages, sizeof(*blocks));
	uint64_t *pfns = calloc(npages, sizeof(*pfns));
	size_t run, first, i, n = 0;
	struct dma_ctx c = {};
	uint8_t *p, *dst;
	bool write;
	uint64_t flags;

	(void)varg;
	snprintf(r->phase, sizeof(r->phase), "allocating 4 KiB pages");
	p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!blocks || !pfns || p == MAP_FAILED || no_thp(p, npages * PAGE)) {
		ISO_FAIL(r, "allocating: %s", strerror(errno));
		return KSFT_FAIL;
	}
	for (i = 0; i < npages; i++)
		p[i * PAGE] = 1;
	if (read_pfns(p, npages, pfns)) {
		ISO_FAIL(r, "reading /proc/self/pagemap");
		return KSFT_FAIL;
	}
	if (!pfns[0]) {
		iso_log(r, "/proc/self/pagemap shows no PFNs (not root?)");
		return KSFT_SKIP;
	}
	for (i = 0; i < npages; i++) {
		flags = pfns[i] ? page_flags(pfns[i]) : 0;
		if (!pfns[i] || (flags != ~0ULL && flags & ((1ULL << KPF_COMPOUND_HEAD) |
							     (1ULL << KPF_COMPOUND_TAIL))))
			continue;
		blocks[n].va = p + i * PAGE;
		blocks[n++].pfn = pfns[i];
	}
	qsort(blocks, n, sizeof(*blocks), cmp_block);
	run = longest_run(blocks, n, 1, SMALL_RUN, &first);
	if (run < 2) {
		iso_log(r, "no two of %zu small pages are physically adjacent", n);
		return KSFT_SKIP;
	}
	/* Virtually in PFN order too: one MAP, one physically contiguous run. */
	dst = mmap(NULL, run * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (dst == MAP_FAILED || no_thp(dst, run * PAGE)) {
		ISO_FAIL(r, "mmap: %s", strerror(errno));
		return KSFT_FAIL;
	}
	for (i = 0; i < run; i++) {
		if (mremap(blocks[first + i].va, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + i * PAGE) == MAP_FAILED) {
			ISO_FAIL(r, "mremap: %s", strerror(errno));
			return KSFT_FAIL;
		}
	}
	if (read_pfns(dst, run, pfns))
		return KSFT_FAIL;
	for (i = 0; i < run; i++) {
		if (pfns[i] != blocks[first].pfn + i) {
			ISO_FAIL(r, "page %zu moved to PFN %#llx, expected %#llx", i,
				 (unsigned long long)pfns[i],
				 (unsigned long long)(blocks[first].pfn + i));
			return KSFT_FAIL;
		}
	}
	fill(dst, run * PAGE, 0, 0);
	iso_log(r, "%zu physically adjacent 4 KiB pages from PFN %#llx", run,
		(unsigned long long)blocks[first].pfn);

	snprintf(r->phase, sizeof(r->phase), "mapping the pages");
	if (dma_ctx_open(r, &c, dst, run * PAGE))
		return KSFT_FAIL;
	for (write = false; ; write = true) {
		if (dma_case(r, &c, PAGE - 5, 10, write, "two bytes each side of a boundary") ||
		    dma_case(r, &c, 123, run * PAGE - 246, write, "across every page") ||
		    dma_case(r, &c, (run - 1) * PAGE - 100, 200, write, "the last boundary"))
			return KSFT_FAIL;
		if (write)
			break;
	}
	ioasid_close(c.h);
	return r->verdict;
}

TEST_F_TIMEOUT(adjacent, dma_across_small_pages, 240)
{
	RUN_ISOLATED(small_case, NULL, 180);
}

/*
 * Two or more transparent huge pages, physically one after another, mapped
 * as one run: every DMA across the end of one into the next is exact, and
 * the kernel does not BUG in hardened usercopy ("Kernel memory exposure
 * attempt detected from page alloc" reading, "overwrite attempt" writing).
 */
TEST_F_TIMEOUT(adjacent, thp_dma_read_across_folios, 240)
{
	struct thp_arg arg = { .write = false };

	RUN_ISOLATED(thp_case, &arg, 180);
}

TEST_F_TIMEOUT(adjacent, thp_dma_write_across_folios, 240)
{
	struct thp_arg arg = { .write = true };

	RUN_ISOLATED(thp_case, &arg, 180);
}

TEST_HARNESS_MAIN
