/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the selftests (kernels with CONFIG_FAULT_INJECTION:
 * the project's -debug kernel): per-thread fail-nth, an "every slab
 * allocation of this thread fails" mode, and a watch on the kernel log.
 *
 * fail-nth: writing N to /proc/self/task/<tid>/fail-nth makes the N-th
 * fault-injection check of that thread fail (slab and page allocations,
 * copies from and to user space), once. Each check counts the number down;
 * reading it back tells whether it reached zero, i.e. whether a failure was
 * injected. Reading and writing the file copy to and from user space, which
 * are checks themselves: fi_disarm() accounts for that.
 *
 * The attributes under /sys/kernel/debug/fail* are global. fi_setup() makes
 * every allocation a candidate (ignore-gfp-wait=N, ignore-gfp-highmem=N,
 * min-order=0),
 * silences every attribute (verbose=0: an injected failure must print
 * nothing, so the kernel log stays a signal of real trouble) and remembers
 * what it changed; fi_restore() puts it back.
 */
#ifndef IOASID_FAIL_NTH_H
#define IOASID_FAIL_NTH_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ioasid_test.h"

#define FI_DEBUGFS	"/sys/kernel/debug"
#define FI_MAX_SAVED	32

struct fi_saved {
	char path[160];
	char val[32];
};

struct fault_inject {
	int nth_fd;		/* /proc/self/task/<tid>/fail-nth of the setup thread */
	int kmsg_fd;		/* /dev/kmsg, read from the end on */
	unsigned int nsaved;
	struct fi_saved saved[FI_MAX_SAVED];
};

static inline pid_t fi_gettid(void)
{
	return syscall(SYS_gettid);
}

static inline int fi_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static inline int fi_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = strlen(val);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	close(fd);
	if (n != len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

/* Set an attribute, remembering its first value for fi_restore(). */
static inline int fi_set(struct fault_inject *fi, const char *path, const char *val)
{
	struct fi_saved *s;
	unsigned int i;

	for (i = 0; i < fi->nsaved; i++)
		if (!strcmp(fi->saved[i].path, path))
			break;
	if (i == fi->nsaved && fi->nsaved < FI_MAX_SAVED) {
		s = &fi->saved[fi->nsaved];
		snprintf(s->path, sizeof(s->path), "%s", path);
		if (!fi_read_file(path, s->val, sizeof(s->val)))
			fi->nsaved++;
	}
	return fi_write_file(path, val);
}

static inline void fi_restore(struct fault_inject *fi)
{
	/* Newest first. */
	while (fi->nsaved) {
		struct fi_saved *s = &fi->saved[--fi->nsaved];

		/* debugfs shows bools as Y/N and takes them back as such. */
		fi_write_file(s->path, s->val);
	}
	if (fi->nth_fd >= 0)
		close(fi->nth_fd);
	if (fi->kmsg_fd >= 0)
		close(fi->kmsg_fd);
	fi->nth_fd = fi->kmsg_fd = -1;
}

/* Is there per-thread fail-nth at all? If not, @why says what is missing. */
static inline bool fi_available(char *why, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", fi_gettid());
	if (access(path, W_OK)) {
		snprintf(why, len, "%s: %s (kernel without CONFIG_FAULT_INJECTION)",
			 path, strerror(errno));
		return false;
	}
	if (access(FI_DEBUGFS "/failslab/ignore-gfp-wait", W_OK)) {
		snprintf(why, len, FI_DEBUGFS "/failslab: %s (no FAILSLAB or debugfs)",
			 strerror(errno));
		return false;
	}
	return true;
}

/*
 * Configure the attributes for fail-nth sweeps and open this thread's
 * fail-nth and the kernel log. 0, or -1 with @why filled in.
 */
static inline int fi_setup(struct fault_inject *fi, char *why, size_t len)
{
	char path[sizeof(((struct fi_saved *)0)->path)];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(fi, 0, sizeof(*fi));
	fi->nth_fd = fi->kmsg_fd = -1;
	if (!fi_available(why, len))
		return -1;

	rc |= fi_set(fi, FI_DEBUGFS "/failslab/ignore-gfp-wait", "N");
	rc |= fi_set(fi, FI_DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N");
	rc |= fi_set(fi, FI_DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N");
	/*
	 * Order-0 page allocations too (the default min-order is 1). An
	 * injected page allocation failure returns before the allocator's
	 * slow path, so it prints nothing. IOASID_FAIL_NTH_MIN_ORDER=N
	 * (e.g. through tests/vm/run --append) changes that.
	 */
	rc |= fi_set(fi, FI_DEBUGFS "/fail_page_alloc/min-order",
		     getenv("IOASID_FAIL_NTH_MIN_ORDER") ?: "0");
	d = opendir(FI_DEBUGFS);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), FI_DEBUGFS "/%.64s/verbose", de->d_name);
		if (!access(path, W_OK))
			rc |= fi_set(fi, path, "0");
	}
	if (d)
		closedir(d);
	if (rc) {
		snprintf(why, len, "cannot configure " FI_DEBUGFS "/fail*: %s",
			 strerror(-rc));
		fi_restore(fi);
		return -1;
	}

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", fi_gettid());
	fi->nth_fd = open(path, O_RDWR | O_CLOEXEC);
	fi->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fi->nth_fd < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		fi_restore(fi);
		return -1;
	}
	if (fi->kmsg_fd >= 0)
		lseek(fi->kmsg_fd, 0, SEEK_END);
	return 0;
}

/* Make the @nth fault-injection check of the calling thread fail. */
static inline int fi_arm(struct fault_inject *fi, unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	/* The number is copied in before it takes effect: this costs no check. */
	return pwrite(fi->nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarm; 1 if the armed failure was injected since fi_arm(), 0 if not, or
 * -errno. Reading back costs one check (the copy to user space): with one
 * left, that copy is the one that fails (EFAULT), so nothing was injected
 * before. Writing 0 costs another; a failed write is simply done again.
 */
static inline int fi_disarm(struct fault_inject *fi)
{
	char buf[32];
	ssize_t n = pread(fi->nth_fd, buf, sizeof(buf) - 1, 0);
	int injected;

	if (n < 0) {
		if (errno != EFAULT)
			return -errno;
		injected = 0;
	} else {
		buf[n] = 0;
		injected = strtoul(buf, NULL, 10) == 0;
	}
	if (pwrite(fi->nth_fd, "0", 1, 0) != 1 &&
	    (errno != EFAULT || pwrite(fi->nth_fd, "0", 1, 0) != 1))
		return -errno;
	return injected;
}

/* Kernel log lines that mean trouble (the VM runner fails a run on them too). */
static inline const char *fi_log_trouble(const char *msg)
{
	static const char *const bad[] = {
		"WARNING:", "Call Trace", "BUG:", "Oops", "page allocation failure",
		"vmalloc error", "KASAN", "UBSAN", "kmemleak", "possible circular",
		"possible recursive", "INFO: ", "FAULT_INJECTION", "list_add corruption",
		"list_del corruption", "refcount_t:", "general protection",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(msg, bad[i]))
			return bad[i];
	return NULL;
}

/*
 * Read what the kernel logged since the last call. From the first troubling
 * record on, records are printed with @prefix (KTAP diagnostics; a splat is
 * many records); returns how many troubling ones there were.
 */
static inline int fi_log_check(struct fault_inject *fi, const char *prefix)
{
	char rec[2048], *msg;
	int bad = 0, shown = 0;

	if (fi->kmsg_fd < 0)
		return 0;
	while ((msg = ioasid_kmsg_next(fi->kmsg_fd, rec, sizeof(rec)))) {
		if (fi_log_trouble(msg))
			bad++;
		if (bad && shown++ < 60)
			printf("# %s: kernel: %s\n", prefix, msg);
	}
	return bad;
}

/*
 * "Every slab allocation of this thread fails" for a while: failslab with
 * probability 100 restricted to tasks with make-it-fail set (task-filter),
 * counting failures down in "times". Armed by fi_slab_storm(st, true),
 * disarmed by fi_slab_storm(st, false), which returns how many allocations
 * failed. The files written in between are opened by fi_slab_storm_prepare()
 * so that nothing there allocates. (debugfs attributes are not seekable:
 * they are written with write(), and "times" is read from a fresh open.)
 */
struct fi_storm {
	int make_it_fail;	/* /proc/self/task/<tid>/make-it-fail */
	int probability;	/* failslab/probability */
};

#define FI_STORM_TIMES	"1000000"

static inline int fi_slab_storm_prepare(struct fault_inject *fi, struct fi_storm *st)
{
	char path[64];
	int rc = 0;

	rc |= fi_set(fi, FI_DEBUGFS "/failslab/probability", "0");
	rc |= fi_set(fi, FI_DEBUGFS "/failslab/task-filter", "Y");
	rc |= fi_set(fi, FI_DEBUGFS "/failslab/interval", "1");
	rc |= fi_set(fi, FI_DEBUGFS "/failslab/space", "0");
	rc |= fi_set(fi, FI_DEBUGFS "/failslab/times", FI_STORM_TIMES);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/proc/self/task/%d/make-it-fail", fi_gettid());
	st->make_it_fail = open(path, O_WRONLY | O_CLOEXEC);
	st->probability = open(FI_DEBUGFS "/failslab/probability", O_WRONLY | O_CLOEXEC);
	if (st->make_it_fail < 0 || st->probability < 0)
		return -errno;
	return 0;
}

static inline void fi_slab_storm_close(struct fi_storm *st)
{
	close(st->make_it_fail);
	close(st->probability);
}

static inline int fi_slab_storm(struct fi_storm *st, bool on)
{
	char buf[32];
	int rc;

	if (on) {
		if (fi_write_file(FI_DEBUGFS "/failslab/times", FI_STORM_TIMES) ||
		    write(st->probability, "100", 3) != 3 ||
		    write(st->make_it_fail, "1", 1) != 1)
			return -errno;
		return 0;
	}
	if (write(st->make_it_fail, "0", 1) != 1 || write(st->probability, "0", 1) != 1)
		return -errno;
	rc = fi_read_file(FI_DEBUGFS "/failslab/times", buf, sizeof(buf));
	return rc ? rc : atoi(FI_STORM_TIMES) - atoi(buf);
}

#endif
