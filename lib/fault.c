// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libioasid: fault queues (allocation, settings, reading records), page
 * responses, the service loop, page-request-capable devices and DMA that
 * stops at a page request.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libioasid_private.h"

#define FIELD_END(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/*
 * A fault record as first shipped (0.5): every record a kernel returns is
 * at least this long, whatever struct this library was built with.
 */
#define IOASID_FAULT_RECORD_SIZE_0_5 \
	FIELD_END(struct ioasid_fault_record, time_ns)

/* The deepest queue (struct ioasid_fault_queue_alloc's depth). */
#define IOASID_FAULT_QUEUE_MAX_DEPTH	65536u

/* The largest buffer a read grows to for records longer than expected. */
#define IOASID_FAULT_READ_MAX_BYTES	(1u << 20)

/* Records read per read() by ioasid_fault_service(), and per call. */
#define IOASID_FAULT_SERVICE_BATCH	32
#define IOASID_FAULT_SERVICE_MAX	256

/* Responses copied (to set their size) per write(). */
#define IOASID_RESPONSE_CHUNK		64

IOASID_EXPORT int ioasid_fault_queue_alloc(struct ioasid_handle *handle,
					   uint32_t flags, uint32_t depth,
					   uint32_t timeout_ms, uint32_t *out_id,
					   int *out_fd)
{
	IOASID_INIT(struct ioasid_fault_queue_alloc, cmd);
	int ret;

	if (!out_id || !out_fd)
		return -EINVAL;
	cmd.flags = flags;
	cmd.depth = depth;
	/* The kernel takes a timeout only with the flag that says it is one. */
	if (flags & IOASID_FAULT_QUEUE_TIMEOUT)
		cmd.timeout_ms = timeout_ms;
	ret = __ioasid_ioctl(handle, IOASID_FAULT_QUEUE_ALLOC, &cmd);
	if (!ret) {
		*out_id = cmd.out_id;
		*out_fd = cmd.out_fd;
	}
	return ret;
}

IOASID_EXPORT int ioasid_fault_queue_destroy(struct ioasid_handle *handle,
					     uint32_t queue_id)
{
	IOASID_INIT(struct ioasid_destroy, cmd);

	cmd.id = queue_id;
	return __ioasid_ioctl(handle, IOASID_DESTROY, &cmd);
}

IOASID_EXPORT int ioasid_fault_queue_info(struct ioasid_handle *handle,
					  uint32_t queue_id,
					  struct ioasid_fault_queue_info *info)
{
	if (!handle || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->queue_id = queue_id;
	return __ioasid_ioctl(handle, IOASID_FAULT_QUEUE_INFO, info);
}

static int ioasid_option_u32(struct ioasid_handle *handle, uint32_t option_id,
			     uint32_t op, uint32_t object_id, uint32_t *val)
{
	IOASID_INIT(struct ioasid_option, cmd);
	int ret;

	cmd.option_id = option_id;
	cmd.op = op;
	cmd.object_id = object_id;
	if (op == IOASID_OPTION_OP_SET)
		cmd.val64 = *val;
	ret = __ioasid_ioctl(handle, IOASID_OPTION, &cmd);
	if (!ret && op == IOASID_OPTION_OP_GET)
		*val = (uint32_t)cmd.val64;
	return ret;
}

IOASID_EXPORT int ioasid_set_fault_queue(struct ioasid_handle *handle,
					 uint32_t node_id, uint32_t queue_id)
{
	return ioasid_option_u32(handle, IOASID_OPTION_FAULT_QUEUE,
				 IOASID_OPTION_OP_SET, node_id, &queue_id);
}

IOASID_EXPORT int ioasid_get_fault_queue(struct ioasid_handle *handle,
					 uint32_t node_id, uint32_t *queue_id)
{
	if (!queue_id)
		return -EINVAL;
	return ioasid_option_u32(handle, IOASID_OPTION_FAULT_QUEUE,
				 IOASID_OPTION_OP_GET, node_id, queue_id);
}

IOASID_EXPORT int ioasid_set_fault_timeout(struct ioasid_handle *handle,
					   uint32_t queue_id, uint32_t ms)
{
	return ioasid_option_u32(handle, IOASID_OPTION_FAULT_TIMEOUT_MS,
				 IOASID_OPTION_OP_SET, queue_id, &ms);
}

IOASID_EXPORT int ioasid_get_fault_timeout(struct ioasid_handle *handle,
					   uint32_t queue_id, uint32_t *ms)
{
	if (!ms)
		return -EINVAL;
	return ioasid_option_u32(handle, IOASID_OPTION_FAULT_TIMEOUT_MS,
				 IOASID_OPTION_OP_GET, queue_id, ms);
}

IOASID_EXPORT int ioasid_device_create_pri(struct ioasid_handle *handle,
					   uint32_t flags, uint32_t pasid_bits,
					   uint32_t pri_max_pending,
					   uint32_t *out_id)
{
	IOASID_INIT(struct ioasid_device_create, cmd);
	int ret;

	if (!out_id)
		return -EINVAL;
	cmd.flags = flags | IOASID_DEVICE_PRI;
	cmd.pasid_bits = pasid_bits;
	cmd.pri_max_pending = pri_max_pending;
	ret = __ioasid_ioctl(handle, IOASID_DEVICE_CREATE, &cmd);
	if (!ret)
		*out_id = cmd.out_id;
	return ret;
}

/* The caller's own struct ioasid_dma, with its size set by the library. */
IOASID_EXPORT int ioasid_dma_cmd(struct ioasid_handle *handle,
				 struct ioasid_dma *cmd)
{
	if (!handle || !cmd)
		return -EINVAL;
	cmd->size = sizeof(*cmd);
	return __ioasid_ioctl(handle, IOASID_DMA, cmd);
}

/* The record size at @p, which may be unaligned. */
static uint32_t record_size(const unsigned char *p)
{
	uint32_t size;

	memcpy(&size, p, sizeof(size));
	return size;
}

/*
 * Check the @len bytes at @buf that read() returned: whole records, each at
 * least as long as the record as first shipped, at most @max of them.
 * Returns their number, or -EIO for bytes that are not fault records; sets
 * *@all_long when none is shorter than this library's struct.
 */
static int count_records(const unsigned char *buf, size_t len,
			 unsigned int max, int *all_long)
{
	size_t off = 0;
	unsigned int n = 0;
	uint32_t size;

	*all_long = 1;
	while (off < len) {
		if (len - off < sizeof(size))
			return -EIO;
		size = record_size(buf + off);
		if (size < IOASID_FAULT_RECORD_SIZE_0_5 || size > len - off ||
		    n == max)
			return -EIO;
		if (size < sizeof(struct ioasid_fault_record))
			*all_long = 0;
		off += size;
		n++;
	}
	return n;
}

/*
 * Unpack the @n records at @src into the array @recs: each element gets
 * the part of its record this library knows, the rest of the element is
 * zeroed and its size says how many bytes the kernel filled in. @src may
 * be @recs itself when no record is shorter than an element: then every
 * record starts at or after the element it goes to, and a forward pass
 * never overwrites a record it has not read yet.
 */
static void unpack_records(const unsigned char *src,
			   struct ioasid_fault_record *recs, unsigned int n)
{
	unsigned int i;
	uint32_t size, copy;

	for (i = 0; i < n; i++) {
		size = record_size(src);
		copy = size < sizeof(*recs) ? size : sizeof(*recs);
		memmove(&recs[i], src, copy);
		memset((unsigned char *)&recs[i] + copy, 0,
		       sizeof(*recs) - copy);
		recs[i].size = copy;
		src += size;
	}
}

static int fault_read_into(int queue_fd, void *buf, size_t len,
			   ssize_t *got)
{
	ssize_t ret = read(queue_fd, buf, len);

	if (ret < 0)
		return -errno;
	*got = ret;
	return 0;
}

/*
 * The kernel returns as many whole records as fit in the buffer. A buffer
 * of @max records as first shipped can hold no more than @max records of
 * any kernel, so nothing is read that the caller has no room for: records
 * are never lost in the library. It is @recs itself, which is at least as
 * large. Only when the kernel's records are longer than that whole buffer
 * (EINVAL: "too small for one") does a buffer of the library's own grow,
 * doubling: a buffer less than twice a record holds one.
 */
IOASID_EXPORT int ioasid_fault_read(int queue_fd,
				    struct ioasid_fault_record *recs,
				    unsigned int max, unsigned int *out_n)
{
	size_t len, limit = IOASID_FAULT_READ_MAX_BYTES;
	unsigned char *buf = NULL, *copy;
	ssize_t got = 0;
	int ret, n, all_long;

	if (out_n)
		*out_n = 0;
	if (!recs || !max || !out_n)
		return -EINVAL;
	/* A queue holds no more than this: asking for more reads nothing more. */
	if (max > IOASID_FAULT_QUEUE_MAX_DEPTH)
		max = IOASID_FAULT_QUEUE_MAX_DEPTH;
	len = (size_t)max * IOASID_FAULT_RECORD_SIZE_0_5;

	ret = fault_read_into(queue_fd, recs, len, &got);
	while (ret == -EINVAL && len < limit) {
		len = len * 2 < limit ? len * 2 : limit;
		free(buf);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		ret = fault_read_into(queue_fd, buf, len, &got);
	}
	if (ret)
		goto out;

	n = count_records(buf ? buf : (unsigned char *)recs, got, max,
			  &all_long);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (!buf && !all_long) {
		/* Records shorter than our struct: unpack from a copy. */
		copy = malloc(got);
		if (!copy) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(copy, recs, got);
		buf = copy;
	}
	unpack_records(buf ? buf : (unsigned char *)recs, recs, n);
	*out_n = n;
out:
	free(buf);
	return ret;
}

IOASID_EXPORT int ioasid_page_respond_batch(int queue_fd,
					    const struct ioasid_page_response *resps,
					    unsigned int n, unsigned int *out_done)
{
	struct ioasid_page_response chunk[IOASID_RESPONSE_CHUNK];
	unsigned int done = 0, k, i;
	ssize_t ret;
	int err = 0;

	if (out_done)
		*out_done = 0;
	if (!resps && n)
		return -EINVAL;
	while (done < n) {
		k = n - done < IOASID_RESPONSE_CHUNK ? n - done :
						       IOASID_RESPONSE_CHUNK;
		/* Every response's size is the size the library was built with. */
		for (i = 0; i < k; i++) {
			chunk[i] = resps[done + i];
			chunk[i].size = sizeof(chunk[i]);
		}
		ret = write(queue_fd, chunk, k * sizeof(chunk[0]));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		/*
		 * The kernel consumes whole responses, in order, and stops
		 * before the first that fails: the next write() starts with
		 * that one and returns its errno.
		 */
		if (ret == 0 || (size_t)ret % sizeof(chunk[0]) ||
		    (size_t)ret > k * sizeof(chunk[0])) {
			err = -EIO;
			break;
		}
		done += ret / sizeof(chunk[0]);
	}
	if (out_done)
		*out_done = done;
	return err;
}

IOASID_EXPORT int ioasid_page_respond(int queue_fd,
				      const struct ioasid_fault_record *rec,
				      uint32_t code)
{
	struct ioasid_page_response resp;

	if (!rec)
		return -EINVAL;
	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.flags = rec->flags & IOASID_FAULT_RECORD_PASID;
	resp.dev_id = rec->dev_id;
	if (resp.flags)
		resp.pasid = rec->pasid;
	resp.group = rec->group;
	resp.code = code;
	return ioasid_page_respond_batch(queue_fd, &resp, 1, NULL);
}

/* A response refused because the group was answered already, otherwise. */
static int answered_already(int err)
{
	return err == -EALREADY || err == -ETIMEDOUT || err == -ECANCELED ||
	       err == -ESTALE;
}

/*
 * Dispatch one record; answer it when it is a page request waiting for an
 * answer and @fn gave one. A response the kernel refuses for another reason
 * than that the group is answered already (an unknown code, say) is
 * replaced by INVALID, so that no device waits for the timeout; its error
 * is returned.
 */
static int dispatch_record(int queue_fd, const struct ioasid_fault_record *rec,
			   ioasid_fault_handler_t fn, void *arg)
{
	int code = fn(rec, arg);
	int ret;

	if (rec->type != IOASID_FAULT_RECORD_PAGE_REQUEST ||
	    (rec->flags & IOASID_FAULT_RECORD_ANSWERED) || code < 0)
		return 0;
	ret = ioasid_page_respond(queue_fd, rec, code);
	if (!ret || answered_already(ret))
		return 0;
	if (code != IOASID_PAGE_RESP_INVALID)
		ioasid_page_respond(queue_fd, rec, IOASID_PAGE_RESP_INVALID);
	return ret;
}

IOASID_EXPORT int ioasid_fault_service(int queue_fd, ioasid_fault_handler_t fn,
				       void *arg, int timeout_ms)
{
	struct ioasid_fault_record recs[IOASID_FAULT_SERVICE_BATCH];
	struct pollfd pfd = { .fd = queue_fd, .events = POLLIN };
	unsigned int handled = 0, n, i, want;
	int ret, err = 0;

	if (!fn)
		return -EINVAL;
	if (queue_fd < 0)
		return -EBADF;	/* poll() would wait on it, for nothing */
	ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	for (;;) {
		if (pfd.revents & POLLNVAL)
			ret = -EBADF;
		else if (pfd.revents & POLLIN)
			ret = 0;
		else if (pfd.revents & POLLHUP)
			ret = -EPIPE;	/* destroyed, and every record read */
		else
			ret = -EIO;	/* POLLERR */
		if (ret) {
			if (!handled)
				return ret;
			break;
		}
		want = IOASID_FAULT_SERVICE_MAX - handled;
		if (want > IOASID_FAULT_SERVICE_BATCH)
			want = IOASID_FAULT_SERVICE_BATCH;
		ret = ioasid_fault_read(queue_fd, recs, want, &n);
		if (ret) {
			/*
			 * Another reader took them (EAGAIN): nothing is lost.
			 * Another failure after records were handled is left
			 * for the next call to report.
			 */
			if (!handled)
				return ret == -EAGAIN ? 0 : ret;
			break;
		}
		for (i = 0; i < n; i++) {
			ret = dispatch_record(queue_fd, &recs[i], fn, arg);
			if (ret && !err)
				err = ret;
		}
		handled += n;
		if (!n || handled >= IOASID_FAULT_SERVICE_MAX)
			break;
		/* More waiting? Look without blocking, even on a blocking fd. */
		pfd.revents = 0;
		ret = poll(&pfd, 1, 0);
		if (ret <= 0)
			break;
	}
	return err ? err : (int)handled;
}
