// SPDX-License-Identifier: GPL-2.0
/*
 * map_bench: map/unmap side by side for /dev/ioasid, VFIO type1 and iommufd.
 *
 * Runs inside the test VM (as root) and measures, for each "peer":
 *
 *   bulk   one MAP and one UNMAP of a whole buffer (256 MiB, 1 GiB), backed
 *          by 4 KiB pages (THP off) or by transparent huge pages (hugetlbfs
 *          2 MiB pages instead on a kernel without THP)
 *   pairs  4 KiB MAP + UNMAP pairs per second, same page, same IOVA
 *   batch  256 separate 4 KiB MAPs (and UNMAPs) against one IOASID_BATCH
 *   live   time per MAP and kernel memory per mapping with 1k, 100k, 1M
 *          live 4 KiB mappings
 *
 * Peers, each with the edu device (0000:00:04.0, bound to vfio-pci) in its
 * IOMMU domain unless its name ends in -nodev; the device is in one of them
 * at a time (peers run one after another):
 *   ioasid         /dev/ioasid, a kernel-managed root with the device
 *                  attached (a VFIO container of type IOASID_VFIO_IOMMU,
 *                  IOASID_VFIO_ADOPT, IOASID_ATTACH, before the first MAP):
 *                  pins, maps the device's IOMMU domain, flushes the IOTLB.
 *   ioasid-nodev   the same root with no device: pins and records, writes
 *                  no IOMMU page table. Information only.
 *   vfio-type1     VFIO container + group of the edu device, TYPE1v2: pins,
 *                  maps into the device's IOMMU domain, flushes the IOTLB.
 *   iommufd        /dev/iommu with the edu device bound through its VFIO
 *                  cdev and attached to the IOAS: pins and maps at MAP time.
 *   iommufd-nodev  an IOAS with no device: MAP only records the range and
 *                  pins nothing (pins happen at attach). Information only.
 *
 * "best peer" is the faster (or smaller) of vfio-type1 and iommufd, the two
 * with the device that pin at MAP time like ioasid does. There is no
 * pass/fail: the "targets" section at the end prints, for each of issue
 * 10's targets, the figure measured, the target and "met" or "NOT met".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>
#ifdef HAVE_IOMMUFD
#include <linux/iommufd.h>
#endif

#include <libioasid.h>

#include "bench_util.h"

#define IOVA_BASE	(4 * GiB)	/* above the MSI window, below 39 bits */
#define BATCH_N		256
#define MAX_CKPT	8

/* ------------------------------------------------------------------------ */
/* options */

static struct {
	uint64_t sizes[8];
	int nsizes;
	uint64_t max_bytes;
	int bulk_reps;
	double pair_seconds;
	int batch_reps;
	uint64_t live[MAX_CKPT];
	int nlive;
	double live_seconds;
	uint64_t live_pool;
	unsigned int tests;
	unsigned int peers;
	const char *bdf;
	bool bind;
	int huge;		/* -1 auto, BUF_THP, BUF_HUGETLB */
} opt = {
	.sizes = { 256 * MiB, 1 * GiB },
	.nsizes = 2,
	.max_bytes = 0,
	.bulk_reps = 3,
	.pair_seconds = 2.0,
	.batch_reps = 10,
	.live = { 1000, 100000, 1000000 },
	.nlive = 3,
	.live_seconds = 0,
	.live_pool = 64 * MiB,
	.tests = ~0U,
	.peers = ~0U,
	.bdf = "0000:00:04.0",
	.bind = true,
	.huge = -1,
};

enum { T_BULK = 1, T_PAIRS = 2, T_BATCH = 4, T_LIVE = 8 };

const char bench_name[] = "map_bench";

/* ------------------------------------------------------------------------ */
/* small helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double median(double *v, int n)
{
	if (n <= 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *count_str(uint64_t v, char *buf, size_t len)
{
	if (v >= 1000000 && v % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "M", v / 1000000);
	else if (v >= 1000 && v % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", v / 1000);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* The last path component of a symlink's target, or "" */
static void link_base(const char *path, char *out, size_t len)
{
	char tgt[PATH_MAX];
	ssize_t n = readlink(path, tgt, sizeof(tgt) - 1);
	const char *b;

	out[0] = 0;
	if (n < 0)
		return;
	tgt[n] = 0;
	b = strrchr(tgt, '/');
	b = b ? b + 1 : tgt;
	n = strlen(b);
	if ((size_t)n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

/* ------------------------------------------------------------------------ */
/* kernel memory: /proc/meminfo after folding the per-CPU counters */

struct mem {
	long slab_kb;
	long secpt_kb;		/* SecPageTables: IOMMU page tables on >= 6.11 */
	bool has_secpt;
};

static void mem_read(struct mem *m)
{
	char line[256];
	FILE *f;

	/* Without this, Slab can lag by the per-CPU vmstat thresholds. */
	write_file("/proc/sys/vm/stat_refresh", "1");
	memset(m, 0, sizeof(*m));
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Slab: %ld", &v) == 1)
			m->slab_kb = v;
		else if (sscanf(line, "SecPageTables: %ld", &v) == 1) {
			m->secpt_kb = v;
			m->has_secpt = true;
		}
	}
	fclose(f);
}

/* Does /proc/vmstat have this counter? */
static bool vmstat_has(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	bool found = false;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, key, kl) && line[kl] == ' ';
	fclose(f);
	return found;
}

/* ------------------------------------------------------------------------ */
/* the device: edu bound to vfio-pci */

static struct {
	char group[32];		/* iommu group number */
	char cdev[64];		/* /dev/vfio/devices/vfioN or "" */
	bool bound;
	char why[256];
} dev;

static void device_setup(void)
{
	char path[PATH_MAX], drv[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", opt.bdf);
	if (access(path, F_OK)) {
		snprintf(dev.why, sizeof(dev.why), "no PCI device %s", opt.bdf);
		return;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", opt.bdf);
	link_base(path, dev.group, sizeof(dev.group));
	if (!dev.group[0]) {
		snprintf(dev.why, sizeof(dev.why), "%s has no IOMMU group", opt.bdf);
		return;
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", opt.bdf);
	link_base(path, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci") && opt.bind) {
		if (access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
			/* kmod's modprobe: busybox's would shadow it in $PATH */
			ret = system("/sbin/modprobe vfio-pci 2>&1");
			if (access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
				snprintf(dev.why, sizeof(dev.why),
					 "vfio-pci not available (modprobe vfio-pci: status %d)",
					 ret);
				return;
			}
		}
		if (drv[0]) {
			char unbind[PATH_MAX];

			snprintf(unbind, sizeof(unbind),
				 "/sys/bus/pci/devices/%s/driver/unbind", opt.bdf);
			ret = write_file(unbind, opt.bdf);
			if (ret) {
				snprintf(dev.why, sizeof(dev.why),
					 "unbinding %s from %s: %s", opt.bdf, drv,
					 strerror(-ret));
				return;
			}
		}
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", opt.bdf);
		ret = write_file(path, "vfio-pci");
		if (ret) {
			snprintf(dev.why, sizeof(dev.why),
				 "echo vfio-pci > %.200s: %s", path, strerror(-ret));
			return;
		}
		ret = write_file("/sys/bus/pci/drivers_probe", opt.bdf);
		if (ret) {
			snprintf(dev.why, sizeof(dev.why),
				 "echo %s > /sys/bus/pci/drivers_probe: %s",
				 opt.bdf, strerror(-ret));
			return;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", opt.bdf);
		link_base(path, drv, sizeof(drv));
	}
	if (strcmp(drv, "vfio-pci")) {
		snprintf(dev.why, sizeof(dev.why), "%s bound to '%s', not vfio-pci",
			 opt.bdf, drv[0] ? drv : "(none)");
		return;
	}
	dev.bound = true;

	/* The VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV), for iommufd. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", opt.bdf);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "vfio", 4)) {
				snprintf(dev.cdev, sizeof(dev.cdev),
					 "/dev/vfio/devices/%.40s", e->d_name);
				break;
			}
		closedir(d);
	}
}

/* ------------------------------------------------------------------------ */
/* peers */

struct peer;

struct peer_ops {
	int (*open)(struct peer *p);
	void (*close)(struct peer *p);
	int (*map)(struct peer *p, uint64_t va, uint64_t len, uint64_t iova);
	int (*unmap)(struct peer *p, uint64_t iova, uint64_t len);
	int (*unmap_all)(struct peer *p);
};

struct peer {
	const char *name;
	bool pins;		/* pins at MAP time: a candidate for "best peer" */
	const struct peer_ops *ops;
	bool available;
	char why[256];
	long max_mappings;	/* 0: no known limit */
	/* state while open */
	int fd, fd2;
	uint32_t id;
	struct ioasid_handle *h;
	unsigned int max_batch;
	/* ioasid */
	bool with_dev;		/* attach the device to the root at open */
	uint32_t dev_id;	/* its device object, 0 when none */
	uint64_t dev_pgsizes;	/* DEVICE_INFO out_pgsize_bitmap after ATTACH */
};

static int set_why(struct peer *p, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	if (err && n < sizeof(p->why))
		snprintf(p->why + n, sizeof(p->why) - n, ": %s (%s)",
			 strerror(-err), errname(err));
	return err ? err : -EINVAL;
}

/* ioasid */

/*
 * The ioasidfd_vfio backend: is it loaded (VFIO_CHECK_EXTENSION with
 * IOASID_VFIO_IOMMU on a container)? modprobe is tried once; @why says
 * what failed.
 */
static bool vfio_backend_ready(int container, char *why, size_t len)
{
	static int tried;	/* 0: not yet, 1: modprobe run, status in @status */
	static int status;

	if (ioctl(container, VFIO_CHECK_EXTENSION, IOASID_VFIO_IOMMU) == 1)
		return true;
	if (!tried) {
		tried = 1;
		/* kmod's modprobe: busybox's would shadow it in $PATH */
		status = system("/sbin/modprobe ioasidfd_vfio 2>&1");
		if (ioctl(container, VFIO_CHECK_EXTENSION, IOASID_VFIO_IOMMU) == 1)
			return true;
	}
	snprintf(why, len, "the ioasidfd_vfio backend is not loaded (modprobe ioasidfd_vfio: "
		 "status %d; VFIO_CHECK_EXTENSION(IOASID_VFIO_IOMMU) is not 1)", status);
	return false;
}

/* opt.bdf as DEVICE_INFO's out_pci_id: segment << 16 | bus << 8 | devfn */
static int bdf_pci_id(const char *bdf, uint32_t *id)
{
	unsigned int seg, bus, slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4 ||
	    bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	*id = seg << 16 | bus << 8 | slot << 3 | fn;
	return 0;
}

/*
 * The device into the root: its group in a container of type
 * IOASID_VFIO_IOMMU, adopted into the context, attached to p->id; then
 * checked with DEVICE_INFO (a PCI device, live, one attachment).
 */
static int ioasid_p_attach_dev(struct peer *p)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct ioasid_vfio_device devs[8];
	struct ioasid_vfio_adopt ad = {
		.size = sizeof(ad), .num_devices = 8, .devices = (uintptr_t)devs,
	};
	struct ioasid_device_info di = { .size = sizeof(di) };
	char path[64];
	uint32_t want;
	int ret;

	p->fd = p->fd2 = -1;
	if (!dev.bound)
		return set_why(p, 0, "%s", dev.why);
	if (bdf_pci_id(opt.bdf, &want))
		return set_why(p, -EINVAL, "--bdf %s is not SSSS:BB:DD.F", opt.bdf);
	p->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->fd < 0)
		return set_why(p, -errno, "open /dev/vfio/vfio");
	if (!vfio_backend_ready(p->fd, p->why, sizeof(p->why)))
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/dev/vfio/%s", dev.group);
	p->fd2 = open(path, O_RDWR | O_CLOEXEC);
	if (p->fd2 < 0)
		return set_why(p, -errno, "open %s", path);
	if (ioctl(p->fd2, VFIO_GROUP_GET_STATUS, &st))
		return set_why(p, -errno, "VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return set_why(p, -EBUSY, "group %s not viable", dev.group);
	if (ioctl(p->fd2, VFIO_GROUP_SET_CONTAINER, &p->fd))
		return set_why(p, -errno, "VFIO_GROUP_SET_CONTAINER");
	if (ioctl(p->fd, VFIO_SET_IOMMU, IOASID_VFIO_IOMMU))
		return set_why(p, -errno, "VFIO_SET_IOMMU(IOASID_VFIO_IOMMU)");
	ad.ioasid_fd = ioasid_fd(p->h);
	if (ioctl(p->fd, IOASID_VFIO_ADOPT, &ad))
		return set_why(p, -errno, "IOASID_VFIO_ADOPT");
	for (unsigned int k = 0; k < ad.num_devices; k++)
		if (devs[k].pci_id == want)
			p->dev_id = devs[k].dev_id;
	if (!p->dev_id)
		return set_why(p, -ENODEV, "IOASID_VFIO_ADOPT: %u device(s), not %s",
			       ad.num_devices, opt.bdf);
	ret = ioasid_attach(p->h, p->dev_id, p->id, 0, 0);
	if (ret)
		return set_why(p, ret, "IOASID_ATTACH of %s to the root", opt.bdf);
	/* DEVICE_INFO by hand: the whole struct of this uapi header */
	di.dev_id = p->dev_id;
	if (ioctl(ioasid_fd(p->h), IOASID_DEVICE_INFO, &di))
		return set_why(p, -errno, "IOASID_DEVICE_INFO");
	if (di.out_kind != IOASID_DEVICE_KIND_PCI || di.out_state != IOASID_DEVICE_LIVE ||
	    di.out_num_attachments != 1 || di.out_pci_id != want)
		return set_why(p, -EIO, "IOASID_DEVICE_INFO after ATTACH: kind %u (want %u), "
			       "state %u, %u attachment(s) (want 1), pci_id %#x",
			       di.out_kind, IOASID_DEVICE_KIND_PCI, di.out_state,
			       di.out_num_attachments, di.out_pci_id);
	p->dev_pgsizes = di.out_pgsize_bitmap;
	return 0;
}

static void ioasid_p_release_dev(struct peer *p)
{
	if (p->dev_id)
		ioasid_detach(p->h, p->dev_id, 0, 0);
	p->dev_id = 0;
	/* The group leaves the container: the device is free for the next peer. */
	if (p->fd2 >= 0)
		close(p->fd2);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = p->fd2 = -1;
}

static int ioasid_p_open(struct peer *p)
{
	struct ioasid_info info;
	int ret;

	p->fd = p->fd2 = -1;
	p->dev_id = 0;
	if (access(IOASID_DEVICE_PATH, F_OK)) {
		ret = ioasid_module_load(NULL, 0);
		if (ret < 0)
			return set_why(p, ret, "loading %s", IOASID_MODULE_NAME);
	}
	ret = ioasid_open(&p->h, NULL, 0);
	if (ret)
		return set_why(p, ret, "open %s", IOASID_DEVICE_PATH);
	ret = ioasid_get_info(p->h, &info);
	if (ret) {
		set_why(p, ret, "IOASID_GET_INFO");
		goto err;
	}
	if (!(info.out_capabilities & IOASID_CAP_KERNEL_MANAGED)) {
		ret = set_why(p, -EOPNOTSUPP, "no IOASID_CAP_KERNEL_MANAGED");
		goto err;
	}
	p->max_batch = (info.out_capabilities & IOASID_CAP_BATCH) ?
		       info.out_max_batch : 0;
	ret = ioasid_node_alloc(p->h, 0, IOASID_MODE_KERNEL_MANAGED, &p->id);
	if (ret) {
		set_why(p, ret, "IOASID_ALLOC");
		goto err;
	}
	if (p->with_dev) {
		/* before the first MAP: every MAP writes the IOMMU */
		ret = ioasid_p_attach_dev(p);
		if (ret) {
			ioasid_p_release_dev(p);
			goto err;
		}
	}
	return 0;
err:
	ioasid_close(p->h);
	p->h = NULL;
	return ret;
}

static void ioasid_p_close(struct peer *p)
{
	ioasid_p_release_dev(p);
	ioasid_node_destroy(p->h, p->id);
	ioasid_close(p->h);
	p->h = NULL;
}

static int ioasid_p_map(struct peer *p, uint64_t va, uint64_t len, uint64_t iova)
{
	return ioasid_map(p->h, p->id, va, len, &iova,
			  IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA);
}

static int ioasid_p_unmap(struct peer *p, uint64_t iova, uint64_t len)
{
	return ioasid_unmap(p->h, p->id, iova, len, NULL);
}

static int ioasid_p_unmap_all(struct peer *p)
{
	return ioasid_unmap_all(p->h, p->id, NULL);
}

static const struct peer_ops ioasid_ops = {
	ioasid_p_open, ioasid_p_close, ioasid_p_map, ioasid_p_unmap,
	ioasid_p_unmap_all,
};

/* VFIO type1 */

static int type1_open(struct peer *p)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int ret;

	if (!dev.bound)
		return set_why(p, 0, "%s", dev.why);
	p->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->fd < 0)
		return set_why(p, -errno, "open /dev/vfio/vfio");
	p->fd2 = -1;
	if (ioctl(p->fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		ret = set_why(p, -EINVAL, "VFIO_GET_API_VERSION mismatch");
		goto err;
	}
	if (ioctl(p->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		ret = set_why(p, -EOPNOTSUPP, "no VFIO_TYPE1v2_IOMMU");
		goto err;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", dev.group);
	p->fd2 = open(path, O_RDWR | O_CLOEXEC);
	if (p->fd2 < 0) {
		ret = set_why(p, -errno, "open %s", path);
		goto err;
	}
	if (ioctl(p->fd2, VFIO_GROUP_GET_STATUS, &st)) {
		ret = set_why(p, -errno, "VFIO_GROUP_GET_STATUS");
		goto err;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = set_why(p, -EBUSY, "group %s not viable", dev.group);
		goto err;
	}
	if (ioctl(p->fd2, VFIO_GROUP_SET_CONTAINER, &p->fd)) {
		ret = set_why(p, -errno, "VFIO_GROUP_SET_CONTAINER");
		goto err;
	}
	if (ioctl(p->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		ret = set_why(p, -errno, "VFIO_SET_IOMMU(TYPE1v2)");
		goto err;
	}
	return 0;
err:
	if (p->fd2 >= 0)
		close(p->fd2);
	close(p->fd);
	return ret;
}

static void type1_close(struct peer *p)
{
	close(p->fd2);
	close(p->fd);
}

static int type1_map(struct peer *p, uint64_t va, uint64_t len, uint64_t iova)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va, .iova = iova, .size = len,
	};

	return ioctl(p->fd, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static int type1_unmap(struct peer *p, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};

	return ioctl(p->fd, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;
}

static int type1_unmap_all(struct peer *p)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
	};

	return ioctl(p->fd, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;
}

static const struct peer_ops type1_ops = {
	type1_open, type1_close, type1_map, type1_unmap, type1_unmap_all,
};

/* iommufd */

#ifdef HAVE_IOMMUFD
static int iommufd_open_common(struct peer *p, bool with_dev)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int ret;

	p->fd2 = -1;
	if (with_dev && !dev.bound)
		return set_why(p, 0, "%s", dev.why);
	if (with_dev && !dev.cdev[0])
		return set_why(p, 0, "no VFIO device cdev for %s (kernel without CONFIG_VFIO_DEVICE_CDEV)",
			       opt.bdf);
	p->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (p->fd < 0)
		return set_why(p, -errno, "open /dev/iommu");
	if (with_dev) {
		struct vfio_device_bind_iommufd bind = {
			.argsz = sizeof(bind), .iommufd = p->fd,
		};

		p->fd2 = open(dev.cdev, O_RDWR | O_CLOEXEC);
		if (p->fd2 < 0) {
			ret = set_why(p, -errno, "open %s", dev.cdev);
			goto err;
		}
		if (ioctl(p->fd2, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
			ret = set_why(p, -errno, "VFIO_DEVICE_BIND_IOMMUFD");
			goto err;
		}
	}
	if (ioctl(p->fd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = set_why(p, -errno, "IOMMU_IOAS_ALLOC");
		goto err;
	}
	p->id = alloc.out_ioas_id;
	if (with_dev) {
		struct vfio_device_attach_iommufd_pt at = {
			.argsz = sizeof(at), .pt_id = p->id,
		};

		if (ioctl(p->fd2, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) {
			ret = set_why(p, -errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
			goto err;
		}
	}
	return 0;
err:
	if (p->fd2 >= 0)
		close(p->fd2);
	close(p->fd);
	return ret;
}

static int iommufd_open(struct peer *p) { return iommufd_open_common(p, true); }
static int iommufd_nodev_open(struct peer *p) { return iommufd_open_common(p, false); }

static void iommufd_close(struct peer *p)
{
	if (p->fd2 >= 0)
		close(p->fd2);	/* unbinds the device */
	close(p->fd);
}

static int iommufd_map(struct peer *p, uint64_t va, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = p->id, .user_va = va, .length = len, .iova = iova,
	};

	return ioctl(p->fd, IOMMU_IOAS_MAP, &m) ? -errno : 0;
}

static int iommufd_unmap(struct peer *p, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = p->id, .iova = iova, .length = len,
	};

	return ioctl(p->fd, IOMMU_IOAS_UNMAP, &u) ? -errno : 0;
}

static int iommufd_unmap_all(struct peer *p)
{
	return iommufd_unmap(p, 0, UINT64_MAX);
}

static const struct peer_ops iommufd_ops = {
	iommufd_open, iommufd_close, iommufd_map, iommufd_unmap, iommufd_unmap_all,
};
static const struct peer_ops iommufd_nodev_ops = {
	iommufd_nodev_open, iommufd_close, iommufd_map, iommufd_unmap,
	iommufd_unmap_all,
};
#endif

enum { P_IOASID, P_IOASID_NODEV, P_TYPE1, P_IOMMUFD, P_IOMMUFD_NODEV, NPEERS };

static struct peer peers[NPEERS] = {
	[P_IOASID] = { .name = "ioasid", .ops = &ioasid_ops, .with_dev = true },
	[P_IOASID_NODEV] = { .name = "ioasid-nodev", .ops = &ioasid_ops },
	[P_TYPE1] = { .name = "vfio-type1", .pins = true, .ops = &type1_ops },
#ifdef HAVE_IOMMUFD
	[P_IOMMUFD] = { .name = "iommufd", .pins = true, .ops = &iommufd_ops },
	[P_IOMMUFD_NODEV] = { .name = "iommufd-nodev", .ops = &iommufd_nodev_ops },
#else
	[P_IOMMUFD] = { .name = "iommufd", .pins = true },
	[P_IOMMUFD_NODEV] = { .name = "iommufd-nodev" },
#endif
};

/* the two /dev/ioasid peers */
#define IS_IOASID(i)	((i) == P_IOASID || (i) == P_IOASID_NODEV)

#define for_each_peer(p) for (struct peer *p = peers; p < peers + NPEERS; p++)

static void peers_probe(void)
{
	char val[64];

	for_each_peer(p) {
		if (!(opt.peers & (1U << (p - peers)))) {
			snprintf(p->why, sizeof(p->why), "not asked for (--peers)");
			continue;
		}
		if (!p->ops) {
			snprintf(p->why, sizeof(p->why),
				 "built without <linux/iommufd.h>");
			continue;
		}
		if (p - peers == P_IOMMUFD || p - peers == P_IOMMUFD_NODEV) {
			if (access("/dev/iommu", F_OK)) {
				snprintf(p->why, sizeof(p->why),
					 "no /dev/iommu (kernel without CONFIG_IOMMUFD)");
				continue;
			}
		}
		if (p->ops->open(p))
			continue;
		p->ops->close(p);
		p->available = true;
	}
	if (peers[P_TYPE1].available &&
	    !read_file("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit",
		       val, sizeof(val)))
		peers[P_TYPE1].max_mappings = strtol(val, NULL, 10);
}

/* ------------------------------------------------------------------------ */
/* buffers */

static const char *const buf_kind_name[] = { "4K", "THP", "HUGETLB" };

/* Is THP usable here (not compiled out, not "never")? */
static bool thp_available(void)
{
	char v[128];

	return !read_file(THP_ENABLED, v, sizeof(v)) && !strstr(v, "[never]");
}

/* Physically contiguous runs of the buffer, from /proc/self/pagemap. */
static long pagemap_runs(const char *a, size_t len)
{
	size_t n = len / PAGE, i, chunk = 4096;
	uint64_t *e = malloc(chunk * sizeof(*e)), prev = 0;
	long runs = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !e) {
		free(e);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (i = 0; i < n; i += chunk) {
		size_t m = n - i < chunk ? n - i : chunk, j;
		off_t off = ((uintptr_t)a / PAGE + i) * sizeof(uint64_t);

		if (pread(fd, e, m * sizeof(*e), off) != (ssize_t)(m * sizeof(*e))) {
			runs = -1;
			break;
		}
		for (j = 0; j < m; j++) {
			uint64_t pfn = e[j] & ((1ULL << 55) - 1);

			if (!(e[j] >> 63) || !pfn) {	/* not present or no PFN shown */
				runs = -1;
				goto out;
			}
			if (i + j == 0 || pfn != prev + 1)
				runs++;
			prev = pfn;
		}
	}
out:
	close(fd);
	free(e);
	return runs;
}

/* Sanity: does the module report what was mapped and pinned? */
static void ioasid_check(struct peer *p, uint64_t mappings, uint64_t bytes)
{
	struct ioasid_node_info ni;
	int ret = ioasid_node_info(p->h, p->id, &ni);

	if (ret)
		printf("  !! ioasid NODE_INFO failed: %s\n", errname(ret));
	else if (ni.out_num_mappings != mappings || ni.out_pinned_bytes != bytes)
		printf("  !! ioasid NODE_INFO: %llu mappings, %llu pinned bytes; expected "
		       "%" PRIu64 " and %" PRIu64 "\n",
		       (unsigned long long)ni.out_num_mappings,
		       (unsigned long long)ni.out_pinned_bytes, mappings, bytes);
}

/* ------------------------------------------------------------------------ */
/* result cells and tables */

struct cell {
	bool set;
	double v;
	char text[40];		/* shown instead of v when set */
};

static void cell_err(struct cell *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	c->set = false;
}

#define COLW 15

static void print_header(const char *first)
{
	printf("  %-34s", first);
	for_each_peer(p)
		if (p->available)
			printf(" %*s", COLW, p->name);
	printf("  %s\n", "ioasid vs best peer");
}

/* The best peer of the last print_row(), -1 when none had a figure. */
static int row_best = -1;

/*
 * One row. higher_better: rates; otherwise times and bytes. memory: the
 * ratio is ioasid's figure over the best peer's ("0.30x the memory").
 * Returns that ratio, or for times and rates how many times faster ioasid
 * is (below 1: slower); -1 when there is none. Sets row_best.
 */
static double print_row(const char *label, struct cell *c, int prec,
			bool higher_better, bool memory, int ratio_from)
{
	int best = -1;
	char s[64];

	printf("  %-34s", label);
	for (int i = 0; i < NPEERS; i++) {
		if (!peers[i].available)
			continue;
		if (c[i].set)
			snprintf(s, sizeof(s), "%.*f", prec, c[i].v);
		else
			snprintf(s, sizeof(s), "%s", c[i].text[0] ? c[i].text : "-");
		printf(" %*s", COLW, s);
		if (peers[i].pins && c[i].set &&
		    (best < 0 || (higher_better ? c[i].v > c[best].v : c[i].v < c[best].v)))
			best = i;
	}
	row_best = best;
	if (ratio_from < 0 || !c[ratio_from].set || best < 0 ||
	    c[ratio_from].v <= 0 || c[best].v <= 0) {
		printf("  %s\n", best < 0 ? "n/a (no pinning peer has a figure)" : "n/a");
		return -1;
	}
	double r = higher_better ? c[ratio_from].v / c[best].v : c[best].v / c[ratio_from].v;
	if (memory) {
		r = c[ratio_from].v / c[best].v;
		printf("  %.2fx the memory of %s\n", r, peers[best].name);
	} else if (r >= 1)
		printf("  %.2fx faster than %s\n", r, peers[best].name);
	else
		printf("  %.2fx slower than %s\n", 1 / r, peers[best].name);
	return r;
}

/* ------------------------------------------------------------------------ */
/* issue 10's targets: a figure, the target, met or not; printed at the end */

struct target {
	char what[64];
	char figure[96];	/* what was measured, or why nothing was */
	char goal[24];
	double v;		/* the figure, for the CSV */
	int met;		/* 1, 0; -1 not measured */
};

static struct target goals[32];
static int ngoals;

static struct target *target_new(const char *what, const char *goal)
{
	struct target *t;

	if (ngoals == (int)(sizeof(goals) / sizeof(goals[0])))
		return NULL;
	t = &goals[ngoals++];
	snprintf(t->what, sizeof(t->what), "%s", what);
	snprintf(t->goal, sizeof(t->goal), "%s", goal);
	t->met = -1;
	t->v = -1;
	return t;
}

/*
 * A speed target: ioasid at least @goal times faster than the best peer.
 * @r and row_best from the print_row() of the figures; @c the row's cells
 * (for why there is no ratio).
 */
static void target_speed(const char *what, double goal, double r, const struct cell *c)
{
	char g[24];
	struct target *t;

	snprintf(g, sizeof(g), ">= %.1fx", goal);
	t = target_new(what, g);
	if (!t)
		return;
	if (r > 0 && row_best >= 0) {
		t->v = r;
		t->met = r >= goal;
		if (r >= 1)
			snprintf(t->figure, sizeof(t->figure), "%.2fx faster than %s", r,
				 peers[row_best].name);
		else
			snprintf(t->figure, sizeof(t->figure), "%.2fx SLOWER than %s (%.2fx)",
				 1 / r, peers[row_best].name, r);
	} else if (!peers[P_IOASID].available) {
		snprintf(t->figure, sizeof(t->figure), "not measured: ioasid skipped");
	} else if (!c[P_IOASID].set) {
		snprintf(t->figure, sizeof(t->figure), "not measured: ioasid %s",
			 c[P_IOASID].text[0] ? c[P_IOASID].text : "has no figure");
	} else {
		snprintf(t->figure, sizeof(t->figure),
			 "not measured: no peer with the device has a figure");
	}
}

static void print_targets(void)
{
	printf("\n== targets (issue 10): ioasid with %s attached, against the best peer "
	       "with the device\n", opt.bdf);
	if (!ngoals) {
		printf("  (no target measured: see --tests)\n\n");
		return;
	}
	for (int k = 0; k < ngoals; k++) {
		struct target *t = &goals[k];
		char cas[64];

		printf("  %-32s %-40s target %-9s %s\n", t->what, t->figure, t->goal,
		       t->met < 0 ? "not measured" : t->met ? "met" : "NOT met");
		memcpy(cas, t->what, sizeof(cas));
		for (char *q = cas; *q; q++)
			if (*q == ' ' || *q == ',')
				*q = '_';
		csv("target", cas, "ioasid", "figure", t->v);
		csv("target", cas, "ioasid", "met", t->met);
	}
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* bulk */

static void bulk_one(struct buf *b, const char *kind)
{
	struct cell map[NPEERS] = {}, unmap[NPEERS] = {};
	char sz[32], label[64], cas[64];
	double tm[16], tu[16];

	size_str(b->len, sz, sizeof(sz));
	snprintf(cas, sizeof(cas), "%s-%s", sz, kind);
	for (char *q = cas; *q; q++)
		if (*q == ' ')
			*q = '_';
	for (int i = 0; i < NPEERS; i++) {
		struct peer *p = &peers[i];
		int ret, r, n = 0;

		if (!p->available)
			continue;
		ret = p->ops->open(p);
		if (ret) {
			cell_err(&map[i], "open %s", errname(ret));
			continue;
		}
		for (r = 0; r < opt.bulk_reps && r < 16; r++) {
			double t0 = now(), t1, t2;

			ret = p->ops->map(p, (uintptr_t)b->p, b->len, IOVA_BASE);
			t1 = now();
			if (ret) {
				cell_err(&map[i], "MAP %s", errname(ret));
				break;
			}
			if (IS_IOASID(i) && r == 0)
				ioasid_check(p, 1, b->len);
			ret = p->ops->unmap(p, IOVA_BASE, b->len);
			t2 = now();
			if (ret) {
				cell_err(&unmap[i], "UNMAP %s", errname(ret));
				p->ops->unmap_all(p);
				break;
			}
			tm[n] = t1 - t0;
			tu[n] = t2 - t1;
			n++;
		}
		p->ops->close(p);
		if (n) {
			map[i].set = unmap[i].set = true;
			map[i].v = median(tm, n);
			unmap[i].v = median(tu, n);
			csv("bulk", cas, p->name, "map_s", map[i].v);
			csv("bulk", cas, p->name, "unmap_s", unmap[i].v);
		}
	}
	/* time and GiB/s in one cell: show time, and a second row in GiB/s */
	struct cell gm[NPEERS], gu[NPEERS];
	for (int i = 0; i < NPEERS; i++) {
		gm[i] = map[i];
		gu[i] = unmap[i];
		if (map[i].set)
			gm[i].v = (double)b->len / GiB / map[i].v;
		if (unmap[i].set)
			gu[i].v = (double)b->len / GiB / unmap[i].v;
		map[i].v *= 1e3;
		unmap[i].v *= 1e3;
	}
	/* issue 10: 4 KiB pages >= 1.5x, huge pages >= 2x, MAP and UNMAP each */
	double goal = strcmp(kind, "4K") ? 2.0 : 1.5, r;

	snprintf(label, sizeof(label), "%s %s map   ms", sz, kind);
	r = print_row(label, map, 2, false, false, P_IOASID);
	snprintf(label, sizeof(label), "bulk %s %s MAP", sz, kind);
	target_speed(label, goal, r, map);
	snprintf(label, sizeof(label), "%s %s map   GiB/s", sz, kind);
	print_row(label, gm, 2, true, false, P_IOASID);
	snprintf(label, sizeof(label), "%s %s unmap ms", sz, kind);
	r = print_row(label, unmap, 2, false, false, P_IOASID);
	snprintf(label, sizeof(label), "bulk %s %s UNMAP", sz, kind);
	target_speed(label, goal, r, unmap[P_IOASID].set ? unmap : map);
	snprintf(label, sizeof(label), "%s %s unmap GiB/s", sz, kind);
	print_row(label, gu, 2, true, false, P_IOASID);
	fflush(stdout);
}

static void run_bulk(void)
{
	enum buf_kind kinds[2] = { BUF_4K, BUF_THP };
	char sz[32], sz2[32];

	printf("\n== bulk: one MAP and one UNMAP of the whole buffer "
	       "(median of %d; IOVA fixed at 0x%llx)\n", opt.bulk_reps,
	       (unsigned long long)IOVA_BASE);
	if (opt.huge == BUF_HUGETLB || (opt.huge < 0 && !thp_available())) {
		kinds[1] = BUF_HUGETLB;
		printf("  huge pages: %s, so the huge-page rows use hugetlbfs 2 MiB pages "
		       "(MAP_HUGETLB) instead of THP\n",
		       opt.huge == BUF_HUGETLB ? "--huge hugetlb" :
		       "THP is not available on this kernel (CONFIG_TRANSPARENT_HUGEPAGE off or 'never')");
	}
	for (int k = 0; k < 2; k++) {
		enum buf_kind kind = kinds[k];

		for (int s = 0; s < opt.nsizes; s++) {
			struct buf b;
			uint64_t len = opt.sizes[s], thp_bytes;
			long runs;	/* physically contiguous runs, -1 unknown */
			int ret;

			size_str(len, sz, sizeof(sz));
			if (opt.max_bytes && len > opt.max_bytes) {
				printf("  -- %s %s: skipped (above --max-bytes %s)\n", sz,
				       buf_kind_name[kind], size_str(opt.max_bytes, sz2, sizeof(sz2)));
				continue;
			}
			ret = buf_alloc(&b, len, kind);
			if (ret) {
				printf("  -- %s %s: cannot allocate the buffer: %s\n", sz,
				       buf_kind_name[kind], strerror(-ret));
				continue;
			}
			thp_bytes = smaps_thp(b.p, len);
			runs = pagemap_runs(b.p, len);
			if (kind == BUF_HUGETLB)
				printf("  -- %s, hugetlbfs 2 MiB pages (MAP_HUGETLB, populated): "
				       "%ld physically contiguous runs\n", sz, runs);
			else
				printf("  -- %s, %s: %s of it in THPs, %ld physically contiguous runs%s\n",
				       sz, kind == BUF_THP ? "THP (MADV_HUGEPAGE, 2 MiB aligned, touched)" :
						 "4 KiB pages (MADV_NOHUGEPAGE, populated)",
				       size_str(thp_bytes, sz2, sizeof(sz2)), runs,
				       runs < 0 ? " (pagemap unreadable)" : "");
			print_header("");
			bulk_one(&b, buf_kind_name[kind]);
			buf_free(&b);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* 4 KiB map + unmap pairs */

static void run_pairs(void)
{
	struct cell rate[NPEERS] = {}, us[NPEERS] = {};
	struct buf b;
	int ret;

	printf("\n== pairs: 4 KiB MAP + UNMAP of the same page at the same IOVA, "
	       "for %.1f s per peer\n", opt.pair_seconds);
	ret = buf_alloc(&b, PAGE, BUF_4K);
	if (ret) {
		printf("  cannot allocate: %s\n", strerror(-ret));
		return;
	}
	for (int i = 0; i < NPEERS; i++) {
		struct peer *p = &peers[i];
		long n = 0;
		double t0, t;

		if (!p->available)
			continue;
		ret = p->ops->open(p);
		if (ret) {
			cell_err(&rate[i], "open %s", errname(ret));
			continue;
		}
		t0 = now();
		do {
			ret = p->ops->map(p, (uintptr_t)b.p, PAGE, IOVA_BASE);
			if (!ret)
				ret = p->ops->unmap(p, IOVA_BASE, PAGE);
			if (ret)
				break;
			n++;
			t = now() - t0;
		} while (t < opt.pair_seconds || n < 10);
		p->ops->close(p);
		if (ret) {
			cell_err(&rate[i], "%s after %ld", errname(ret), n);
			continue;
		}
		rate[i].set = us[i].set = true;
		rate[i].v = n / t;
		us[i].v = t / n * 1e6;
		csv("pairs", "4K", p->name, "pairs_per_s", rate[i].v);
	}
	buf_free(&b);
	print_header("");
	double r = print_row("map+unmap pairs/s", rate, 0, true, false, P_IOASID);
	target_speed("4K map+unmap pairs/s", 1.3, r, rate);
	print_row("us per pair", us, 1, false, false, P_IOASID);
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* 256 small maps: separate ioctls vs one IOASID_BATCH */

static void run_batch(void)
{
	struct cell sep_map[NPEERS] = {}, sep_unmap[NPEERS] = {},
		    range_unmap[NPEERS] = {}, b_map[NPEERS] = {},
		    b_unmap[NPEERS] = {};
	struct ioasid_map maps[BATCH_N];
	struct ioasid_unmap unmaps[BATCH_N];
	double v[5][64];
	struct buf b;
	int ret;

	printf("\n== batch: %d maps of 4 KiB (distinct pages, adjacent IOVAs); "
	       "us per call group, median of %d\n", BATCH_N, opt.batch_reps);
	ret = buf_alloc(&b, BATCH_N * PAGE, BUF_4K);
	if (ret) {
		printf("  cannot allocate: %s\n", strerror(-ret));
		return;
	}
	for (int i = 0; i < NPEERS; i++) {
		struct peer *p = &peers[i];
		int r, n = 0, k;
		const char *step = "";

		if (!p->available)
			continue;
		ret = p->ops->open(p);
		if (ret) {
			cell_err(&sep_map[i], "open %s", errname(ret));
			continue;
		}
		for (r = 0; r < opt.batch_reps && r < 64; r++) {
			double t0, t1, t2, t3, t4;

			t0 = now();
			for (k = 0; k < BATCH_N && !ret; k++)
				ret = p->ops->map(p, (uintptr_t)b.p + k * PAGE, PAGE,
						  IOVA_BASE + k * PAGE);
			t1 = now();
			for (k = 0; k < BATCH_N && !ret; k++)
				ret = p->ops->unmap(p, IOVA_BASE + k * PAGE, PAGE);
			t2 = now();
			step = "separate";
			for (k = 0; k < BATCH_N && !ret; k++)
				ret = p->ops->map(p, (uintptr_t)b.p + k * PAGE, PAGE,
						  IOVA_BASE + k * PAGE);
			t3 = now();
			if (!ret)
				ret = p->ops->unmap(p, IOVA_BASE, BATCH_N * PAGE);
			t4 = now();
			if (ret) {
				step = "range";
				break;
			}
			v[0][n] = (t1 - t0) * 1e6;
			v[1][n] = (t2 - t1) * 1e6;
			v[2][n] = (t4 - t3) * 1e6;
			if (IS_IOASID(i) && p->max_batch >= BATCH_N) {
				unsigned int done = 0;

				for (k = 0; k < BATCH_N; k++) {
					maps[k] = (struct ioasid_map){
						.flags = IOASID_MAP_READ | IOASID_MAP_WRITE |
							 IOASID_MAP_FIXED_IOVA,
						.id = p->id,
						.addr = (uintptr_t)b.p + k * PAGE,
						.length = PAGE,
						.iova = IOVA_BASE + k * PAGE,
					};
					unmaps[k] = (struct ioasid_unmap){
						.id = p->id,
						.iova = IOVA_BASE + k * PAGE,
						.length = PAGE,
					};
				}
				t0 = now();
				ret = ioasid_map_batch(p->h, maps, BATCH_N, &done);
				t1 = now();
				if (!ret)
					ret = ioasid_unmap_batch(p->h, unmaps, BATCH_N, &done);
				t2 = now();
				if (ret) {
					step = "batch";
					p->ops->unmap_all(p);
					break;
				}
				v[3][n] = (t1 - t0) * 1e6;
				v[4][n] = (t2 - t1) * 1e6;
			}
			n++;
		}
		if (ret) {
			cell_err(&sep_map[i], "%s: %s", step, errname(ret));
			p->ops->unmap_all(p);
		}
		p->ops->close(p);
		if (!n)
			continue;
		sep_map[i].set = sep_unmap[i].set = range_unmap[i].set = true;
		sep_map[i].v = median(v[0], n);
		sep_unmap[i].v = median(v[1], n);
		range_unmap[i].v = median(v[2], n);
		csv("batch", "256x4K", p->name, "map_separate_us", sep_map[i].v);
		csv("batch", "256x4K", p->name, "unmap_separate_us", sep_unmap[i].v);
		csv("batch", "256x4K", p->name, "unmap_range_us", range_unmap[i].v);
		if (IS_IOASID(i) && p->max_batch >= BATCH_N) {
			b_map[i].set = b_unmap[i].set = true;
			b_map[i].v = median(v[3], n);
			b_unmap[i].v = median(v[4], n);
			csv("batch", "256x4K", p->name, "map_batch_us", b_map[i].v);
			csv("batch", "256x4K", p->name, "unmap_batch_us", b_unmap[i].v);
		} else if (IS_IOASID(i)) {
			cell_err(&b_map[i], "no BATCH cap");
		}
	}
	buf_free(&b);

	/* The batch rows compare ioasid's batch with each peer's separate calls. */
	struct cell row[NPEERS];
	print_header("");
	print_row("MAP: 256 ioctls, us", sep_map, 0, false, false, P_IOASID);
	for (int i = 0; i < NPEERS; i++)
		row[i] = IS_IOASID(i) ? b_map[i] : sep_map[i];
	double r = print_row("MAP: ioasid 1 BATCH vs peers' 256", row, 0, false, false,
			     P_IOASID);
	target_speed("256 maps: 1 BATCH vs 256 ioctls", 5.0, r, row);
	print_row("UNMAP: 256 ioctls, us", sep_unmap, 0, false, false, P_IOASID);
	print_row("UNMAP: 1 range ioctl, us", range_unmap, 0, false, false, P_IOASID);
	for (int i = 0; i < NPEERS; i++)
		row[i] = IS_IOASID(i) ? b_unmap[i] : sep_unmap[i];
	print_row("UNMAP: ioasid 1 BATCH vs peers' 256", row, 0, false, false, P_IOASID);
	printf("  (in the BATCH rows the ioasid column is one IOASID_BATCH of %d entries;\n"
	       "   the other columns repeat their %d separate ioctls)\n", BATCH_N, BATCH_N);
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* live mappings: time per MAP and kernel memory per mapping */

struct ckpt {
	uint64_t n;		/* live mappings */
	const char *note;	/* "", "limit", "time cap", "error" */
	double us_per_map;	/* over the last window before n */
	struct mem mem;
};

/* issue 10: 1M live mappings at <= 128 B of Slab each (ioasid's own figure) */
#define LIVE_TARGET_N	1000000
#define LIVE_TARGET_B	128

static void live_target(const struct ckpt *ck, int nck, struct mem base,
			const char *stop)
{
	struct target *t = target_new("1M live mappings: Slab/mapping", "<= 128 B");
	const struct ckpt *last = nck ? &ck[nck - 1] : NULL;
	bool asked = false;

	if (!t)
		return;
	for (int k = 0; k < opt.nlive; k++)
		asked |= opt.live[k] == LIVE_TARGET_N;
	for (int j = 0; j < nck; j++)
		if (ck[j].n == LIVE_TARGET_N) {
			t->v = (ck[j].mem.slab_kb - base.slab_kb) * 1024.0 / ck[j].n;
			t->met = t->v <= LIVE_TARGET_B;
			snprintf(t->figure, sizeof(t->figure), "%.0f B of Slab per mapping", t->v);
			return;
		}
	if (!peers[P_IOASID].available)
		snprintf(t->figure, sizeof(t->figure), "not measured: ioasid skipped");
	else if (!asked)
		snprintf(t->figure, sizeof(t->figure), "not measured: --live lacks 1M");
	else if (last)
		snprintf(t->figure, sizeof(t->figure), "not reached (%.0f B at %" PRIu64 "; %.40s)",
			 (last->mem.slab_kb - base.slab_kb) * 1024.0 / last->n, last->n,
			 stop[0] ? stop : "stopped");
	else
		snprintf(t->figure, sizeof(t->figure), "not measured: %.60s",
			 stop[0] ? stop : "no mapping made");
}

static void run_live(void)
{
	struct ckpt ck[NPEERS][MAX_CKPT + 1];
	int nck[NPEERS] = {};
	double teardown[NPEERS], build_s[NPEERS];
	char stop[NPEERS][128];
	struct mem base[NPEERS] = {};
	uint64_t pool_pages = opt.live_pool / PAGE;
	struct buf pool;
	char c1[32], c2[32];
	int ret;

	uint64_t targets[MAX_CKPT + 1];
	int ntargets = 0;
	long limit = peers[P_TYPE1].available ? peers[P_TYPE1].max_mappings : 0;

	/* The targets asked for, plus type1's limit so that every peer has a
	 * figure at the largest count type1 reaches. */
	for (int k = 0; k < opt.nlive; k++) {
		if (limit > 0 && (uint64_t)limit < opt.live[k] &&
		    (!ntargets || targets[ntargets - 1] < (uint64_t)limit))
			targets[ntargets++] = limit;
		targets[ntargets++] = opt.live[k];
	}
	printf("\n== live: N live 4 KiB mappings (one MAP each, adjacent IOVAs from 0x%llx, "
	       "pages cycled over a %s pool)\n", (unsigned long long)IOVA_BASE,
	       size_str(opt.live_pool, c1, sizeof(c1)));
	if (opt.live_seconds > 0)
		printf("   growth stops after %.0f s per peer (--live-seconds): a row marked "
		       "'time cap' is where it stopped\n", opt.live_seconds);
	ret = buf_alloc(&pool, opt.live_pool, BUF_4K);
	if (ret) {
		printf("  cannot allocate the pool: %s\n", strerror(-ret));
		return;
	}
	memset(stop, 0, sizeof(stop));
	for (int i = 0; i < NPEERS; i++) {
		struct peer *p = &peers[i];
		uint64_t n = 0;
		double t0, tstart, marks[16] = {};
		int k = 0;

		teardown[i] = -1;
		if (!p->available)
			continue;
		ret = p->ops->open(p);
		if (ret) {
			snprintf(stop[i], sizeof(stop[i]), "open: %s", errname(ret));
			continue;
		}
		mem_read(&base[i]);
		tstart = now();
		for (k = 0; k < ntargets; k++) {
			uint64_t target = targets[k], m;
			const char *note = "";

			ret = 0;
			while (n < target) {
				/* a time stamp every 100 MAPs, the last 16 kept */
				if (n % 100 == 0)
					marks[(n / 100) % 16] = now();
				ret = p->ops->map(p, (uintptr_t)pool.p + (n % pool_pages) * PAGE,
						  PAGE, IOVA_BASE + n * PAGE);
				if (ret)
					break;
				n++;
				if (!(n & 1023) && opt.live_seconds > 0 &&
				    now() - tstart > opt.live_seconds && n < target) {
					note = "time cap";
					break;
				}
			}
			t0 = now();
			if (ret) {
				snprintf(stop[i], sizeof(stop[i]),
					 "MAP #%" PRIu64 " failed: %s (%s)", n + 1,
					 strerror(-ret), errname(ret));
				note = (ret == -ENOSPC && p->max_mappings &&
					n == (uint64_t)p->max_mappings) ? "limit" : "error";
			} else if (*note) {
				snprintf(stop[i], sizeof(stop[i]),
					 "stopped at %" PRIu64 " after %.0f s (--live-seconds)",
					 n, t0 - tstart);
			}
			if (!n)
				break;
			if (nck[i] && ck[i][nck[i] - 1].n == n) {
				/* nothing more mapped since the last checkpoint */
				ck[i][nck[i] - 1].note = note;
				break;
			}
			ck[i][nck[i]].n = n;
			ck[i][nck[i]].note = note;
			/* the last 901..1000 MAPs (all of them below 1000) */
			m = n > 1000 ? (n - 1000 + 99) / 100 * 100 : 0;
			ck[i][nck[i]].us_per_map = (t0 - marks[(m / 100) % 16]) / (n - m) * 1e6;
			mem_read(&ck[i][nck[i]].mem);
			nck[i]++;
			if (*note)
				break;
		}
		build_s[i] = now() - tstart;
		if (IS_IOASID(i))
			ioasid_check(p, n, n * PAGE);
		t0 = now();
		ret = p->ops->unmap_all(p);
		teardown[i] = ret ? -1 : now() - t0;
		if (ret)
			snprintf(stop[i] + strlen(stop[i]), sizeof(stop[i]) - strlen(stop[i]),
				 "%sunmap-all failed: %s", stop[i][0] ? "; " : "", errname(ret));
		p->ops->close(p);
	}
	buf_free(&pool);

	/* Rows: every target, plus where a peer stopped. */
	uint64_t rows[MAX_CKPT * (NPEERS + 1)];
	int nrows = 0;
	for (int k = 0; k < ntargets; k++)
		rows[nrows++] = targets[k];
	for (int i = 0; i < NPEERS; i++)
		for (int j = 0; j < nck[i]; j++) {
			bool have = false;

			for (int r = 0; r < nrows; r++)
				have |= rows[r] == ck[i][j].n;
			if (!have)
				rows[nrows++] = ck[i][j].n;
		}
	for (int a = 1; a < nrows; a++)	/* insertion sort */
		for (int b2 = a; b2 > 0 && rows[b2] < rows[b2 - 1]; b2--) {
			uint64_t t = rows[b2];
			rows[b2] = rows[b2 - 1];
			rows[b2 - 1] = t;
		}

	for (int metric = 0; metric < 4; metric++) {
		static const char *const title[] = {
			"time per MAP, us (mean of the last ~1000 MAPs before N)",
			"Slab per mapping, bytes (delta of /proc/meminfo Slab / N)",
			"IOMMU page tables per mapping, bytes (delta of /proc/meminfo SecPageTables / N)",
			"Slab + SecPageTables per mapping, bytes",
		};

		if (metric >= 2 && !vmstat_has("nr_iommu_pages")) {
			if (metric == 2)
				printf("  -- (this kernel counts IOMMU page tables nowhere in /proc/meminfo or\n"
				       "      /proc/vmstat: the Slab figures leave them out; adjacent\n"
				       "      4 KiB IOVAs need one 4 KiB table per 512 mappings, 8 B each)\n");
			continue;
		}
		printf("  -- %s\n", title[metric]);
		print_header("live mappings N");
		for (int r = 0; r < nrows; r++) {
			struct cell c[NPEERS] = {};
			char label[64];

			for (int i = 0; i < NPEERS; i++) {
				struct ckpt *x = NULL;

				if (!peers[i].available)
					continue;
				for (int j = 0; j < nck[i]; j++)
					if (ck[i][j].n == rows[r])
						x = &ck[i][j];
				if (!x) {
					/* beyond where it stopped? */
					if (nck[i] && rows[r] > ck[i][nck[i] - 1].n &&
					    *ck[i][nck[i] - 1].note)
						cell_err(&c[i], "%s", !strcmp(ck[i][nck[i] - 1].note, "limit") ?
							 "over limit" : "not reached");
					else if (!nck[i])
						cell_err(&c[i], "failed");
					continue;
				}
				double v;
				long dkb;

				switch (metric) {
				case 0:
					v = x->us_per_map;
					break;
				case 1:
					dkb = x->mem.slab_kb - base[i].slab_kb;
					v = dkb * 1024.0 / x->n;
					break;
				case 2:
					dkb = x->mem.secpt_kb - base[i].secpt_kb;
					v = dkb * 1024.0 / x->n;
					break;
				default:
					dkb = x->mem.slab_kb + x->mem.secpt_kb -
					      base[i].slab_kb - base[i].secpt_kb;
					v = dkb * 1024.0 / x->n;
					break;
				}
				if (v < 0 && metric == 0) {
					cell_err(&c[i], "n/a");
					continue;
				}
				c[i].set = true;
				c[i].v = v;
				{
					static const char *const m[] = { "us_per_map", "slab_B_per_map",
						"secpt_B_per_map", "slab_secpt_B_per_map" };
					char cas[32];

					snprintf(cas, sizeof(cas), "%" PRIu64, x->n);
					csv("live", cas, peers[i].name, m[metric], v);
				}
			}
			count_str(rows[r], label, sizeof(label));
			for (int i = 0; i < NPEERS; i++)
				for (int j = 0; j < nck[i]; j++)
					if (ck[i][j].n == rows[r] && *ck[i][j].note) {
						size_t l = strlen(label);

						snprintf(label + l, sizeof(label) - l, " (%s %s)",
							 peers[i].name, ck[i][j].note);
					}
			print_row(label, c, metric == 0 ? 1 : 0, false,
				  metric != 0, P_IOASID);
		}
	}
	live_target(ck[P_IOASID], nck[P_IOASID], base[P_IOASID], stop[P_IOASID]);
	printf("  -- building up and tearing down (one unmap-all call)\n");
	for (int i = 0; i < NPEERS; i++) {
		if (!peers[i].available)
			continue;
		if (!nck[i]) {
			printf("  %-14s no mapping made%s%s\n", peers[i].name,
			       stop[i][0] ? ": " : "", stop[i]);
			continue;
		}
		uint64_t n = ck[i][nck[i] - 1].n;
		printf("  %-14s %s mappings built in %.1f s; unmap-all %s", peers[i].name,
		       count_str(n, c2, sizeof(c2)), build_s[i],
		       teardown[i] < 0 ? "failed" : "");
		if (teardown[i] >= 0)
			printf("%.2f s (%.2f us per mapping)", teardown[i], teardown[i] / n * 1e6);
		printf("%s%s\n", stop[i][0] ? "; " : "", stop[i]);
		csv("live", "teardown", peers[i].name, "unmap_all_us_per_map",
		    teardown[i] < 0 ? -1 : teardown[i] / n * 1e6);
	}
	fflush(stdout);
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
"usage: map_bench [options]   (as root, in the test VM)\n"
"  --tests LIST        bulk,pairs,batch,live (default: all)\n"
"  --peers LIST        ioasid,ioasid-nodev,vfio-type1,iommufd,iommufd-nodev\n"
"                      (default: all present)\n"
"  --sizes LIST        bulk buffer sizes (default 256M,1G)\n"
"  --max-bytes SIZE    skip bulk sizes above SIZE (guest RAM too small)\n"
"  --bulk-reps N       MAP+UNMAP repetitions per bulk case (default 3; median shown)\n"
"  --pair-seconds S    seconds of 4 KiB map+unmap pairs per peer (default 2)\n"
"  --batch-reps N      repetitions of the 256-map batch test (default 10)\n"
"  --live LIST         live-mapping counts (default 1k,100k,1M; decimal k/M)\n"
"  --live-seconds S    stop growing live mappings after S seconds per peer (default: no cap)\n"
"  --live-pool SIZE    pages the live mappings cycle over (default 64M)\n"
"  --huge KIND        huge-page rows: thp, hugetlb or auto (default: THP, or hugetlbfs\n"
"                      2 MiB pages when the kernel has no THP)\n"
"  --bdf BDF           the device for ioasid, vfio-type1 and iommufd (default 0000:00:04.0)\n"
"  --no-bind           do not bind the device to vfio-pci\n"
"  --csv               also print csv,<kernel>,<test>,<case>,<peer>,<metric>,<value> lines\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const test_names[] = { "bulk", "pairs", "batch", "live" };
	static const char *const peer_names[] = { "ioasid", "ioasid-nodev", "vfio-type1",
						  "iommufd", "iommufd-nodev" };
	static const struct option lo[] = {
		{ "tests", 1, NULL, 't' }, { "peers", 1, NULL, 'p' },
		{ "sizes", 1, NULL, 's' }, { "max-bytes", 1, NULL, 'm' },
		{ "bulk-reps", 1, NULL, 'r' }, { "pair-seconds", 1, NULL, 'P' },
		{ "batch-reps", 1, NULL, 'b' }, { "live", 1, NULL, 'l' },
		{ "live-seconds", 1, NULL, 'L' }, { "live-pool", 1, NULL, 'o' },
		{ "bdf", 1, NULL, 'd' }, { "no-bind", 0, NULL, 'n' },
		{ "csv", 0, NULL, 'c' }, { "huge", 1, NULL, 'H' }, { "help", 0, NULL, 'h' }, {},
	};
	struct utsname u;
	char *items[MAX_CKPT], buf[256], c[32];
	int o, k;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 't': opt.tests = parse_mask(optarg, test_names, 4, "item", 16); break;
		case 'p': opt.peers = parse_mask(optarg, peer_names, NPEERS, "item", 16); break;
		case 's':
			opt.nsizes = split_list(optarg, items, 8);
			for (k = 0; k < opt.nsizes; k++) {
				opt.sizes[k] = parse_size(items[k]);
				if (!opt.sizes[k] || opt.sizes[k] % HPAGE)
					die("sizes must be multiples of 2 MiB");
			}
			break;
		case 'm': opt.max_bytes = parse_size(optarg); break;
		case 'r': opt.bulk_reps = atoi(optarg); break;
		case 'P': opt.pair_seconds = atof(optarg); break;
		case 'b': opt.batch_reps = atoi(optarg); break;
		case 'l':
			opt.nlive = split_list(optarg, items, MAX_CKPT);
			for (k = 0; k < opt.nlive; k++)
				opt.live[k] = parse_count(items[k]);
			for (k = 1; k < opt.nlive; k++)
				if (opt.live[k] <= opt.live[k - 1])
					die("--live must be increasing");
			break;
		case 'L': opt.live_seconds = atof(optarg); break;
		case 'o': opt.live_pool = parse_size(optarg); break;
		case 'd': opt.bdf = optarg; break;
		case 'n': opt.bind = false; break;
		case 'c': csv_mode = CSV_NOW; break;
		case 'H':
			if (!strcmp(optarg, "thp"))
				opt.huge = BUF_THP;
			else if (!strcmp(optarg, "hugetlb"))
				opt.huge = BUF_HUGETLB;
			else if (!strcmp(optarg, "auto"))
				opt.huge = -1;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc || opt.bulk_reps < 1 || opt.batch_reps < 1 ||
	    opt.live_pool < PAGE || opt.live_pool % PAGE)
		usage();
	if (opt.bulk_reps > 16)
		opt.bulk_reps = 16;
	if (opt.batch_reps > 64)
		opt.batch_reps = 64;
	setvbuf(stdout, NULL, _IOLBF, 0);

	uname(&u);
	kernel_release = strdup(u.release);
	printf("map_bench on %s: %ld MiB RAM, %ld CPUs\n", u.release,
	       meminfo_kb("MemTotal") / 1024, sysconf(_SC_NPROCESSORS_ONLN));
	if (!read_file(THP_ENABLED, buf, sizeof(buf)))
		printf("  THP enabled: %s\n", buf);
	else
		printf("  THP: not in this kernel (no /sys/kernel/mm/transparent_hugepage)\n");

	device_setup();
	peers_probe();
	for_each_peer(p) {
		printf("  %-14s ", p->name);
		if (!p->available) {
			printf("SKIP: %s\n", p->why);
			continue;
		}
		switch (p - peers) {
		case P_IOASID:
			printf("/dev/ioasid, kernel-managed root with %s attached (group %s in a "
			       "container of type IOASID_VFIO_IOMMU, ADOPT, ATTACH; DEVICE_INFO: PCI, "
			       "1 attachment; IOMMU page sizes %#llx): pins, maps the IOMMU, "
			       "flushes\n", opt.bdf, dev.group, (unsigned long long)p->dev_pgsizes);
			break;
		case P_IOASID_NODEV:
			printf("/dev/ioasid, kernel-managed root with no device: pins, no IOMMU "
			       "page table, no IOTLB flush (information only, never 'best peer')\n");
			break;
		case P_TYPE1:
			printf("container + group %s (%s on vfio-pci), TYPE1v2: pins, maps the "
			       "IOMMU, flushes; dma_entry_limit %ld\n", dev.group, opt.bdf,
			       p->max_mappings);
			break;
		case P_IOMMUFD:
			printf("/dev/iommu + %s bound and attached to the IOAS: pins, maps "
			       "the IOMMU, flushes\n", dev.cdev);
			break;
		case P_IOMMUFD_NODEV:
			printf("/dev/iommu IOAS with no device: MAP pins nothing (information "
			       "only, never 'best peer')\n");
			break;
		}
	}
	if (opt.max_bytes)
		printf("  bulk sizes capped at %s (--max-bytes)\n",
		       size_str(opt.max_bytes, c, sizeof(c)));
	printf("  ratios: ioasid against the better of vfio-type1 and iommufd (both with the"
	       " device); 'faster' compares times or rates, memory is ioasid/best\n");

	if (opt.tests & T_BULK)
		run_bulk();
	if (opt.tests & T_PAIRS)
		run_pairs();
	if (opt.tests & T_BATCH)
		run_batch();
	if (opt.tests & T_LIVE)
		run_live();
	print_targets();
	printf("\nmap_bench done\n");
	return 0;
}
