/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A real PCI device for the selftests, through VFIO: bind a device to
 * vfio-pci, open its group and a container, pick the container's IOMMU type
 * (VFIO type1 or the ioasidfd_vfio backend), reach config space and BAR0
 * through the VFIO regions, and drive QEMU's edu device's DMA engine.
 *
 * Header-only, every function static, named pci_* / edu_*. Every function
 * returns 0 (or a value) or -errno; the ones that can fail for a reason
 * outside the test's control (no such device, no IOMMU group, no vfio-pci,
 * no ioasidfd_vfio) set @why and @unavailable in struct pci_vfio, so a
 * test can SKIP with the reason:
 *
 *	ret = pci_setup(&pci, EDU_BDF, VFIO_TYPE1v2_IOMMU);
 *	if (ret && pci.unavailable)
 *		SKIP(return, "%s", pci.why);
 *	ASSERT_EQ(0, ret) TH_LOG("%s", pci.why);
 *
 * The edu device (QEMU's hw/misc/edu.c, see /work/shared/notes/vm-testing.md):
 * BAR0 0x80 DMA source, 0x88 destination, 0x90 count, 0x98 command (bit 0
 * start, reads 1 until done; bit 1 direction: 0 memory -> device buffer,
 * 1 device buffer -> memory). The device buffer is at device address
 * 0x40000, 4096 bytes, but QEMU 7.2 aborts the whole VM (hw_error) for a
 * transfer that is empty or reaches its last byte, so edu_dma() refuses
 * those itself. DMA addresses are masked to 28 bits: IOVAs stay below
 * 256 MiB. A transfer takes 100 ms of virtual time.
 */
#ifndef IOASID_PCI_H
#define IOASID_PCI_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioasid.h>
#include <linux/vfio.h>

/* The edu device of tests/vm/run's guest. */
#define EDU_BDF			"0000:00:04.0"
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00	/* reads 0x010000ed */
#define EDU_REG_LIVE		0x04	/* reads back the complement */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_MEMORY	0x2
#define EDU_BUF_ADDR		0x40000ULL
#define EDU_BUF_SIZE		4096u
#define EDU_DMA_MAX		2048u		/* per transfer */
#define EDU_DMA_LIMIT		(1ULL << 28)	/* addresses are masked to 28 bits */
#define EDU_DMA_TIMEOUT_MS	10000u

#define PCI_CMD_OFFSET		0x04
#define PCI_CMD_MEMORY_BIT	0x2
#define PCI_CMD_MASTER_BIT	0x4

struct pci_vfio {
	char bdf[32];
	int group;		/* IOMMU group number, -1 before it is known */
	int container_fd;	/* /dev/vfio/vfio, -1 when closed */
	int group_fd;		/* /dev/vfio/<group>, -1 when closed */
	int device_fd;		/* VFIO_GROUP_GET_DEVICE_FD, -1 when closed */
	unsigned long iommu_type;	/* set by pci_vfio_set_iommu() */
	uint64_t cfg_offset, cfg_size;
	uint64_t bar0_offset, bar0_size;
	bool unavailable;	/* the failure is the environment's: SKIP */
	char why[384];		/* what failed, for the test's log */
};

static inline void pci_init(struct pci_vfio *p, const char *bdf)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->bdf, sizeof(p->bdf), "%s", bdf);
	p->group = -1;
	p->container_fd = p->group_fd = p->device_fd = -1;
}

/* Record why (with strerror(-@err) appended if @err) and return @err. */
static inline __attribute__((format(printf, 4, 5)))
int pci_fail(struct pci_vfio *p, int err, bool unavailable, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	if (err && n < sizeof(p->why))
		snprintf(p->why + n, sizeof(p->why) - n, ": %s", strerror(-err));
	p->unavailable = unavailable;
	return err ? err : -EINVAL;
}

/* segment << 16 | bus << 8 | devfn, as the uAPI's pci_id; -EINVAL if not a BDF. */
static inline long pci_bdf_to_id(const char *bdf)
{
	unsigned int seg, bus, dev, fn;
	char end;

	if (sscanf(bdf, "%x:%x:%x.%x%c", &seg, &bus, &dev, &fn, &end) != 4 ||
	    seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	return (long)(seg << 16 | bus << 8 | dev << 3 | fn);
}

/* Write @val to a sysfs file in one write(). */
static inline int pci_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

/* The last component of the symlink @path into @out; "" and -errno if none. */
static inline int pci_sysfs_link(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	out[0] = 0;
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* The driver bound to @bdf into @drv ("" when none). */
static inline int pci_driver(const char *bdf, char *drv, size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	ret = pci_sysfs_link(path, drv, len);
	return ret == -ENOENT ? 0 : ret;
}

/*
 * Run kmod's modprobe (busybox's applet would shadow it in $PATH) for
 * @name; 0 when it exited 0, -ENOENT when it failed, -errno when it could
 * not run. Its messages go to stderr, into the test's log.
 */
static inline int pci_modprobe(const char *name)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		execl("/sbin/modprobe", "modprobe", "-q", name, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return -ENOEXEC;
	return WEXITSTATUS(status) ? -ENOENT : 0;
}

/* p->group from /sys/bus/pci/devices/BDF/iommu_group. */
static inline int pci_iommu_group(struct pci_vfio *p)
{
	char path[PATH_MAX], group[32], *end;
	long n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", p->bdf);
	if (access(path, F_OK))
		return pci_fail(p, -ENODEV, true, "no PCI device %s", p->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", p->bdf);
	if (pci_sysfs_link(path, group, sizeof(group)))
		return pci_fail(p, -ENODEV, true,
				"%s has no IOMMU group (no IOMMU, or intel_iommu=off)",
				p->bdf);
	n = strtol(group, &end, 10);
	if (*end || n < 0)
		return pci_fail(p, -EINVAL, false, "IOMMU group '%s'", group);
	p->group = n;
	return 0;
}

/*
 * Bind p->bdf to vfio-pci the standard way: driver_override, unbind from
 * the current driver, drivers_probe. Nothing is done when it is bound
 * already. Loads vfio-pci when it is not there.
 */
static inline int pci_bind_vfio(struct pci_vfio *p)
{
	char path[PATH_MAX], drv[64];
	int ret;

	ret = pci_iommu_group(p);
	if (ret)
		return ret;
	ret = pci_driver(p->bdf, drv, sizeof(drv));
	if (ret)
		return pci_fail(p, ret, false, "reading %s's driver", p->bdf);
	if (!strcmp(drv, "vfio-pci"))
		return 0;
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
		ret = pci_modprobe("vfio-pci");
		if (access("/sys/bus/pci/drivers/vfio-pci", F_OK))
			return pci_fail(p, ret ? ret : -ENOENT, true,
					"no vfio-pci driver (modprobe vfio-pci)");
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 p->bdf);
	ret = pci_sysfs_write(path, "vfio-pci");
	if (ret)
		return pci_fail(p, ret, false, "writing vfio-pci to %s", path);
	if (drv[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
			 p->bdf);
		ret = pci_sysfs_write(path, p->bdf);
		if (ret)
			return pci_fail(p, ret, false, "unbinding %s from %s",
					p->bdf, drv);
	}
	ret = pci_sysfs_write("/sys/bus/pci/drivers_probe", p->bdf);
	if (ret)
		return pci_fail(p, ret, false, "writing %s to drivers_probe", p->bdf);
	ret = pci_driver(p->bdf, drv, sizeof(drv));
	if (ret || strcmp(drv, "vfio-pci"))
		return pci_fail(p, ret, false, "%s is bound to '%s', not vfio-pci",
				p->bdf, drv[0] ? drv : "(nothing)");
	return 0;
}

/* Open a container and p->group's group, and add the group to it. */
static inline int pci_vfio_open(struct pci_vfio *p)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int ret;

	if (p->group < 0) {
		ret = pci_iommu_group(p);
		if (ret)
			return ret;
	}
	p->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->container_fd < 0)
		return pci_fail(p, -errno, true, "open /dev/vfio/vfio");
	if (ioctl(p->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return pci_fail(p, -EINVAL, true, "VFIO_GET_API_VERSION is not %d",
				VFIO_API_VERSION);
	snprintf(path, sizeof(path), "/dev/vfio/%d", p->group);
	p->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (p->group_fd < 0)
		return pci_fail(p, -errno, false, "open %s", path);
	if (ioctl(p->group_fd, VFIO_GROUP_GET_STATUS, &st))
		return pci_fail(p, -errno, false, "VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return pci_fail(p, -EBUSY, true,
				"IOMMU group %d is not viable (a device of it is bound to a host driver)",
				p->group);
	if (ioctl(p->group_fd, VFIO_GROUP_SET_CONTAINER, &p->container_fd))
		return pci_fail(p, -errno, false, "VFIO_GROUP_SET_CONTAINER");
	return 0;
}

/*
 * Whether the container offers IOMMU type @type (VFIO_CHECK_EXTENSION);
 * for IOASID_VFIO_IOMMU, modprobe ioasidfd_vfio first when it does not.
 * 0 when it does, -EOPNOTSUPP (unavailable) when it does not.
 */
static inline int pci_vfio_check_iommu(struct pci_vfio *p, unsigned long type)
{
	const char *mod = type == IOASID_VFIO_IOMMU ? "ioasidfd_vfio" :
						       "vfio_iommu_type1";
	int ret;

	ret = ioctl(p->container_fd, VFIO_CHECK_EXTENSION, type);
	if (ret > 0)
		return 0;
	ret = pci_modprobe(mod);
	if (ioctl(p->container_fd, VFIO_CHECK_EXTENSION, type) > 0)
		return 0;
	if (ret)
		pci_fail(p, 0, true, "no VFIO IOMMU type %#lx: modprobe %s failed",
			 type, mod);
	else
		pci_fail(p, 0, true, "no VFIO IOMMU type %#lx although %s is loaded",
			 type, mod);
	return -EOPNOTSUPP;
}

static inline int pci_vfio_set_iommu(struct pci_vfio *p, unsigned long type)
{
	int ret = pci_vfio_check_iommu(p, type);

	if (ret)
		return ret;
	if (ioctl(p->container_fd, VFIO_SET_IOMMU, type))
		return pci_fail(p, -errno, false, "VFIO_SET_IOMMU %#lx", type);
	p->iommu_type = type;
	return 0;
}

static inline int pci_region(struct pci_vfio *p, unsigned int index, uint64_t *offset,
		      uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(p->device_fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return pci_fail(p, -errno, false, "VFIO_DEVICE_GET_REGION_INFO %u",
				index);
	if ((ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) !=
	    (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE))
		return pci_fail(p, -EINVAL, false,
				"region %u is not readable and writable (flags %#x)",
				index, ri.flags);
	*offset = ri.offset;
	*size = ri.size;
	return 0;
}

/* The device fd (needs the IOMMU type set) and its config and BAR0 regions. */
static inline int pci_vfio_device(struct pci_vfio *p)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	int ret;

	p->device_fd = ioctl(p->group_fd, VFIO_GROUP_GET_DEVICE_FD, p->bdf);
	if (p->device_fd < 0) {
		ret = -errno;
		p->device_fd = -1;
		return pci_fail(p, ret, false, "VFIO_GROUP_GET_DEVICE_FD %s", p->bdf);
	}
	if (ioctl(p->device_fd, VFIO_DEVICE_GET_INFO, &di))
		return pci_fail(p, -errno, false, "VFIO_DEVICE_GET_INFO");
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return pci_fail(p, -EINVAL, false, "%s is not a VFIO PCI device",
				p->bdf);
	ret = pci_region(p, VFIO_PCI_CONFIG_REGION_INDEX, &p->cfg_offset,
			 &p->cfg_size);
	if (ret)
		return ret;
	return pci_region(p, VFIO_PCI_BAR0_REGION_INDEX, &p->bar0_offset,
			  &p->bar0_size);
}

/* Exactly @len bytes at @off of a region; -EIO for a short transfer. */
static inline int pci_region_rw(struct pci_vfio *p, bool write, uint64_t base,
			 uint64_t size, uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	if (p->device_fd < 0)
		return -EBADF;
	if (off > size || len > size - off)
		return -EINVAL;
	n = write ? pwrite(p->device_fd, buf, len, base + off) :
		    pread(p->device_fd, buf, len, base + off);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static inline int pci_cfg_read(struct pci_vfio *p, uint64_t off, void *buf, size_t len)
{
	return pci_region_rw(p, false, p->cfg_offset, p->cfg_size, off, buf, len);
}

static inline int pci_cfg_write(struct pci_vfio *p, uint64_t off, const void *buf,
			 size_t len)
{
	return pci_region_rw(p, true, p->cfg_offset, p->cfg_size, off,
			     (void *)buf, len);
}

static inline int pci_bar0_read32(struct pci_vfio *p, uint64_t off, uint32_t *val)
{
	return pci_region_rw(p, false, p->bar0_offset, p->bar0_size, off, val,
			     sizeof(*val));
}

static inline int pci_bar0_write32(struct pci_vfio *p, uint64_t off, uint32_t val)
{
	return pci_region_rw(p, true, p->bar0_offset, p->bar0_size, off, &val,
			     sizeof(val));
}

/* Memory decoding and bus mastering on in the command register. */
static inline int pci_enable_bus_master(struct pci_vfio *p)
{
	uint16_t cmd;
	int ret = pci_cfg_read(p, PCI_CMD_OFFSET, &cmd, sizeof(cmd));

	if (ret)
		return pci_fail(p, ret, false, "reading the command register");
	cmd |= PCI_CMD_MEMORY_BIT | PCI_CMD_MASTER_BIT;
	ret = pci_cfg_write(p, PCI_CMD_OFFSET, &cmd, sizeof(cmd));
	if (ret)
		return pci_fail(p, ret, false, "writing the command register");
	ret = pci_cfg_read(p, PCI_CMD_OFFSET, &cmd, sizeof(cmd));
	if (ret)
		return pci_fail(p, ret, false, "reading the command register");
	if ((cmd & (PCI_CMD_MEMORY_BIT | PCI_CMD_MASTER_BIT)) !=
	    (PCI_CMD_MEMORY_BIT | PCI_CMD_MASTER_BIT))
		return pci_fail(p, -EIO, false,
				"command register %#x: memory or bus master stayed off",
				cmd);
	return 0;
}

/* The device is an edu, answers on BAR0 and is idle. */
static inline int edu_probe(struct pci_vfio *p)
{
	uint16_t ids[2];
	uint32_t v, live = 0x5a5a1234;
	int ret;

	ret = pci_cfg_read(p, 0, ids, sizeof(ids));
	if (ret)
		return pci_fail(p, ret, false, "reading the PCI IDs");
	if (ids[0] != EDU_VENDOR || ids[1] != EDU_DEVICE)
		return pci_fail(p, -ENODEV, true, "%s is %04x:%04x, not an edu device",
				p->bdf, ids[0], ids[1]);
	if (p->bar0_size < 0x100)
		return pci_fail(p, -ENODEV, false, "BAR0 of %llu bytes",
				(unsigned long long)p->bar0_size);
	ret = pci_bar0_read32(p, EDU_REG_ID, &v);
	if (ret)
		return pci_fail(p, ret, false, "reading BAR0 (memory decoding off?)");
	if ((v & 0xff) != 0xed)
		return pci_fail(p, -ENODEV, false, "edu ID register %#x", v);
	ret = pci_bar0_write32(p, EDU_REG_LIVE, live);
	if (!ret)
		ret = pci_bar0_read32(p, EDU_REG_LIVE, &v);
	if (ret)
		return pci_fail(p, ret, false, "edu liveness register");
	if (v != ~live)
		return pci_fail(p, -EIO, false, "edu liveness: wrote %#x, read %#x",
				live, v);
	ret = pci_bar0_read32(p, EDU_REG_DMA_CMD, &v);
	if (ret)
		return pci_fail(p, ret, false, "reading the edu DMA command");
	if (v & EDU_DMA_RUN)
		return pci_fail(p, -EBUSY, false, "an edu DMA is still running");
	return 0;
}

static inline uint64_t pci_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Wait up to @timeout_ms for the edu DMA engine to be idle. */
static inline int edu_wait(struct pci_vfio *p, unsigned int timeout_ms)
{
	uint64_t end = pci_now_ms() + timeout_ms;
	const struct timespec tick = { 0, 2 * 1000 * 1000 };
	uint32_t cmd;
	int ret;

	for (;;) {
		ret = pci_bar0_read32(p, EDU_REG_DMA_CMD, &cmd);
		if (ret)
			return ret;
		if (!(cmd & EDU_DMA_RUN))
			return 0;
		if (pci_now_ms() > end)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

/*
 * One edu DMA of @len bytes between IOVA @iova and the device buffer at
 * offset @buf_off: into memory when @to_memory, from memory otherwise.
 * Waits for completion: 0, -ETIMEDOUT after @timeout_ms (0: the default),
 * -EINVAL for what the device cannot do (or what would abort QEMU 7.2).
 * Completion says nothing of whether the IOMMU let the transfer through:
 * a blocked one completes too (and leaves a DMAR fault in the kernel log).
 */
static inline int edu_dma(struct pci_vfio *p, uint64_t iova, uint32_t buf_off,
		   uint32_t len, bool to_memory, unsigned int timeout_ms)
{
	uint64_t dev = EDU_BUF_ADDR + buf_off;
	int ret;

	if (!timeout_ms)
		timeout_ms = EDU_DMA_TIMEOUT_MS;
	if (!len || len > EDU_DMA_MAX || buf_off >= EDU_BUF_SIZE ||
	    len >= EDU_BUF_SIZE - buf_off || !iova || iova >= EDU_DMA_LIMIT ||
	    len > EDU_DMA_LIMIT - iova)
		return -EINVAL;
	ret = edu_wait(p, timeout_ms);
	if (ret)
		return ret == -ETIMEDOUT ? -EBUSY : ret;
	ret = pci_bar0_write32(p, EDU_REG_DMA_SRC, to_memory ? dev : iova);
	if (!ret)
		ret = pci_bar0_write32(p, EDU_REG_DMA_DST, to_memory ? iova : dev);
	if (!ret)
		ret = pci_bar0_write32(p, EDU_REG_DMA_CNT, len);
	if (!ret)
		ret = pci_bar0_write32(p, EDU_REG_DMA_CMD,
				       EDU_DMA_RUN | (to_memory ? EDU_DMA_TO_MEMORY : 0));
	if (ret)
		return ret;
	return edu_wait(p, timeout_ms);
}

/* The device reads @len bytes at @iova into its buffer at @buf_off. */
static inline int edu_dma_from_memory(struct pci_vfio *p, uint64_t iova,
			       uint32_t buf_off, uint32_t len)
{
	return edu_dma(p, iova, buf_off, len, false, 0);
}

/* The device writes @len bytes of its buffer at @buf_off to @iova. */
static inline int edu_dma_to_memory(struct pci_vfio *p, uint64_t iova,
			     uint32_t buf_off, uint32_t len)
{
	return edu_dma(p, iova, buf_off, len, true, 0);
}

/* VFIO type1: map user memory at a fixed IOVA, and unmap it. */
static inline int pci_type1_map(struct pci_vfio *p, void *va, uint64_t iova,
			 uint64_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return ioctl(p->container_fd, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

static inline int pci_type1_unmap(struct pci_vfio *p, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(p->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size == len ? 0 : -ENOENT;
}

static inline void pci_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Close the device, the group and the container, in that order. */
static inline void pci_close(struct pci_vfio *p)
{
	pci_close_fd(&p->device_fd);
	pci_close_fd(&p->group_fd);
	pci_close_fd(&p->container_fd);
	p->iommu_type = 0;
}

/*
 * Everything up to a device ready for DMA: bind @bdf to vfio-pci, open a
 * container and the group, set IOMMU type @type, get the device fd, check
 * it is an idle edu device and switch bus mastering on. On failure what
 * was opened stays open (pci_close() closes it) and p->why says what
 * failed; p->unavailable when the test cannot run here.
 */
static inline int pci_setup(struct pci_vfio *p, const char *bdf, unsigned long type)
{
	int ret;

	pci_init(p, bdf);
	ret = pci_bind_vfio(p);
	if (!ret)
		ret = pci_vfio_open(p);
	if (!ret)
		ret = pci_vfio_set_iommu(p, type);
	if (!ret)
		ret = pci_vfio_device(p);
	if (!ret)
		ret = pci_enable_bus_master(p);
	if (!ret)
		ret = edu_probe(p);
	return ret;
}

#endif
