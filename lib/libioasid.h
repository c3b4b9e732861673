/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libioasid: a thin, honest library over /dev/ioasid.
 *
 * Every function returns a value >= 0 on success or a negative errno value
 * on failure; errno is never the interface. One handle wraps one open file
 * of /dev/ioasid, that is one context. Handles are not shared between
 * threads by the library itself: the kernel serialises what needs it.
 */
#ifndef LIBIOASID_H
#define LIBIOASID_H

#include <stdint.h>

#include <linux/ioasid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel module's name, as modprobe and /proc/modules know it. */
#define IOASID_MODULE_NAME	"ioasidfd"
/* The device node the module creates. */
#define IOASID_DEVICE_PATH	"/dev/ioasid"

struct ioasid_handle;

int ioasid_open(struct ioasid_handle **handlep, const char *path,
		unsigned int flags);
int ioasid_close(struct ioasid_handle *handle);
int ioasid_fd(const struct ioasid_handle *handle);

int ioasid_get_info(struct ioasid_handle *handle, struct ioasid_info *info);
int ioasid_get_account_mode(struct ioasid_handle *handle);
int ioasid_set_account_mode(struct ioasid_handle *handle,
			    enum ioasid_account_mode mode);
/* IOASID_OPTION with the caller's struct: any option, op and object. */
int ioasid_option_cmd(struct ioasid_handle *handle, struct ioasid_option *cmd);

/* Nodes: one I/O address space each. */
int ioasid_node_alloc(struct ioasid_handle *handle, uint32_t parent_id,
		      enum ioasid_mode mode, uint32_t *id);
int ioasid_node_destroy(struct ioasid_handle *handle, uint32_t id);
int ioasid_node_info(struct ioasid_handle *handle, uint32_t id,
		     struct ioasid_node_info *info);
/* IOASID_ALLOC with the caller's struct, format descriptor and all. */
int ioasid_node_alloc_cmd(struct ioasid_handle *handle,
			  struct ioasid_alloc *cmd);

/* User-managed nodes: a page table of the caller's, in the parent's IOVAs. */
int ioasid_format_info(struct ioasid_handle *handle, uint32_t format,
		       struct ioasid_format_info *info);
int ioasid_node_alloc_user(struct ioasid_handle *handle, uint32_t parent_id,
			   const void *format, uint32_t format_len,
			   uint32_t *id);
int ioasid_bind(struct ioasid_handle *handle, uint32_t id, uint64_t root,
		uint32_t flags);
/*
 * BIND of an IOASID_FORMAT_ARM64 node with both halves of its input space:
 * TTB0 at @root, TTB1 at @root1 (0 where the node's format has no TTB1).
 */
int ioasid_bind_halves(struct ioasid_handle *handle, uint32_t id,
		       uint64_t root, uint64_t root1, uint32_t flags);
/*
 * BIND of a PASID-table kind node (IOASID_FORMAT_SMMUV3_CD, _AMD_GCR3,
 * _RISCV_PDT) with the guest's raw entry that points at its PASID table:
 * SMMUv3 STE dwords 0 and 1, AMD DTE qwords 0 to 3, RISC-V DC.tc, DC.ta,
 * DC.fsc; words the kind does not use 0. Sends the whole 64-byte struct
 * (ioasid_bind() and ioasid_bind_halves() send 32 bytes).
 */
int ioasid_bind_entry(struct ioasid_handle *handle, uint32_t id,
		      uint32_t flags, const uint64_t entry[4]);
int ioasid_unbind(struct ioasid_handle *handle, uint32_t id);
int ioasid_invalidate(struct ioasid_handle *handle,
		      const struct ioasid_inv_entry *entries,
		      unsigned int count, unsigned int *done);
int ioasid_invalidate_all(struct ioasid_handle *handle, uint32_t node_id);
int ioasid_invalidate_range(struct ioasid_handle *handle, uint32_t node_id,
			    uint64_t addr, uint64_t size, uint64_t granule);

/* Kernel-managed nodes. */
int ioasid_map(struct ioasid_handle *handle, uint32_t id, uint64_t addr,
	       uint64_t length, uint64_t *iova, uint32_t flags);
int ioasid_unmap(struct ioasid_handle *handle, uint32_t id, uint64_t iova,
		 uint64_t length, uint64_t *unmapped);
int ioasid_unmap_all(struct ioasid_handle *handle, uint32_t id,
		     uint64_t *unmapped);
int ioasid_copy(struct ioasid_handle *handle, uint32_t dst_id,
		uint32_t src_id, uint64_t src_iova, uint64_t length,
		uint64_t *dst_iova, uint32_t flags);
int ioasid_map_batch(struct ioasid_handle *handle, struct ioasid_map *maps,
		     unsigned int count, unsigned int *done);
int ioasid_unmap_batch(struct ioasid_handle *handle,
		       struct ioasid_unmap *unmaps, unsigned int count,
		       unsigned int *done);
int ioasid_iova_ranges(struct ioasid_handle *handle, uint32_t id,
		       struct ioasid_iova_range *ranges, uint32_t *num_ranges);
int ioasid_reserve_iova(struct ioasid_handle *handle, uint32_t id,
			uint64_t iova, uint64_t length);
int ioasid_unreserve_iova(struct ioasid_handle *handle, uint32_t id,
			  uint64_t iova, uint64_t length);

/* Dirty tracking on kernel-managed nodes. */
int ioasid_set_dirty_tracking(struct ioasid_handle *handle, uint32_t id,
			      int enable);
int ioasid_dirty_bitmap(struct ioasid_handle *handle, uint32_t id,
			uint64_t iova, uint64_t length, uint64_t page_size,
			uint64_t *bitmap, uint32_t flags);

/* Devices: software endpoints and adopted PCI devices. */
int ioasid_device_create(struct ioasid_handle *handle, uint32_t flags,
			 uint32_t pasid_bits, uint32_t *dev_id);
int ioasid_device_destroy(struct ioasid_handle *handle, uint32_t dev_id);
int ioasid_device_info(struct ioasid_handle *handle, uint32_t dev_id,
		       struct ioasid_device_info *info);
int ioasid_attach(struct ioasid_handle *handle, uint32_t dev_id,
		  uint32_t node_id, uint32_t flags, uint32_t pasid);
int ioasid_detach(struct ioasid_handle *handle, uint32_t dev_id,
		  uint32_t flags, uint32_t pasid);
int ioasid_dma(struct ioasid_handle *handle, uint32_t dev_id, uint32_t flags,
	       uint32_t pasid, uint64_t iova, void *buffer, uint64_t length,
	       uint64_t *done);
int ioasid_translate(struct ioasid_handle *handle, uint32_t dev_id,
		     uint32_t flags, uint32_t pasid, uint64_t iova,
		     struct ioasid_translate *result);

/*
 * Real PCI devices: hand the devices of a VFIO container of type
 * IOASID_VFIO_IOMMU to the context (IOASID_VFIO_ADOPT on @container_fd).
 * *num_devices: in, entries at @devs; out, the container's devices (also
 * on -EMSGSIZE, when @devs was too small).
 */
int ioasid_vfio_adopt(struct ioasid_handle *handle, int container_fd,
		      struct ioasid_vfio_device *devs, uint32_t *num_devices);

/*
 * Fault queues: records of translation faults and page requests, read from
 * a queue's own fd; page responses written back to it.
 */
int ioasid_fault_queue_alloc(struct ioasid_handle *handle, uint32_t flags,
			     uint32_t depth, uint32_t timeout_ms,
			     uint32_t *out_id, int *out_fd);
/* The queue object goes; its fd stays open until closed. */
int ioasid_fault_queue_destroy(struct ioasid_handle *handle, uint32_t queue_id);
int ioasid_fault_queue_info(struct ioasid_handle *handle, uint32_t queue_id,
			    struct ioasid_fault_queue_info *info);
int ioasid_set_fault_queue(struct ioasid_handle *handle, uint32_t node_id,
			   uint32_t queue_id);
int ioasid_get_fault_queue(struct ioasid_handle *handle, uint32_t node_id,
			   uint32_t *queue_id);
int ioasid_set_fault_timeout(struct ioasid_handle *handle, uint32_t queue_id,
			     uint32_t ms);
int ioasid_get_fault_timeout(struct ioasid_handle *handle, uint32_t queue_id,
			     uint32_t *ms);
/*
 * Whole records, at most @max, into @recs; *out_n says how many. Records
 * longer than this header's struct are cut to it (recs[i].size then says
 * how much of each element the kernel filled in); nothing is read that
 * does not fit in @recs. -EAGAIN: an O_NONBLOCK queue is empty.
 */
int ioasid_fault_read(int queue_fd, struct ioasid_fault_record *recs,
		      unsigned int max, unsigned int *out_n);
int ioasid_page_respond(int queue_fd, const struct ioasid_fault_record *rec,
			uint32_t code);
int ioasid_page_respond_batch(int queue_fd,
			      const struct ioasid_page_response *resps,
			      unsigned int n, unsigned int *out_done);
/*
 * ioasid_fault_service()'s callback: called once per record; for a page
 * request waiting for an answer, its return value is the answer (an enum
 * ioasid_page_response_code), or negative to answer nothing now (the
 * caller answers later with ioasid_page_respond()).
 */
typedef int (*ioasid_fault_handler_t)(const struct ioasid_fault_record *rec,
				      void *arg);
/*
 * Wait up to @timeout_ms (-1: for ever) for records, read those waiting (at
 * most 256), call @fn for each and answer page requests with what it
 * returns. Returns the number of records handled, 0 after the timeout,
 * -EPIPE once the queue was destroyed and all its records read.
 */
int ioasid_fault_service(int queue_fd, ioasid_fault_handler_t fn, void *arg,
			 int timeout_ms);
/* A software endpoint that issues page requests (IOASID_DEVICE_PRI). */
int ioasid_device_create_pri(struct ioasid_handle *handle, uint32_t flags,
			     uint32_t pasid_bits, uint32_t pri_max_pending,
			     uint32_t *out_id);
/*
 * IOASID_DMA with the caller's struct (size set by the library): for
 * IOASID_DMA_NOWAIT and IOASID_DMA_RETRY, whose group the struct carries.
 * out_done and out_group are left in it, on failure too.
 */
int ioasid_dma_cmd(struct ioasid_handle *handle, struct ioasid_dma *cmd);

int ioasid_module_load(const char *path, unsigned int flags);
int ioasid_module_unload(unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif
