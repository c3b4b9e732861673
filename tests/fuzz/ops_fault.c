// SPDX-License-Identifier: GPL-2.0
/*
 * Fault queues and page requests (issue 11), when GET_INFO reports
 * IOASID_CAP_FAULT_QUEUE.
 *
 * In the fuzzer's context: FAULT_QUEUE_ALLOC (valid and bad flags, depths
 * and timeouts; a call that fails leaves no fd and no object), FAULT_QUEUE_
 * INFO (every field against the model), the options FAULT_QUEUE and
 * FAULT_TIMEOUT_MS (through op_option), ALLOC naming a queue (ops_node.c),
 * DESTROY of queues (EBUSY while a node names one), read() of the queues'
 * fds, nonblocking or when the model says a record waits, with buffers of
 * every size and buffers that run into a guard page, poll(), write() of
 * responses (no software endpoint of that context raises page requests, so
 * every response fails: the errno must be one the header lists for it) and
 * close() of the fds. The faults of DMA and TRANSLATE (ops_dev.c) are
 * predicted record by record: the queue of the node where the translation
 * stopped, else of the attached node; type, flags, device, PASID, node,
 * level, reason, access, address, sequence number, and the time between the
 * call's start and end. A full or closed queue drops and counts.
 *
 * Page requests need a device with IOASID_DEVICE_PRI attached to a
 * user-managed node whose guest table the model knows. The fuzzer's own
 * user-managed nodes hang over random memory, so page requests get a small
 * context of their own, the rig: a root mapping the rig's guest memory, two
 * user-managed nodes bound to one guest table there (one of them answers
 * every request INVALID itself: IOASID_ALLOC_PRI_AUTO_INVALID), two PRI
 * devices (one with PASIDs) attached to them, and up to two queues the
 * nodes name. The rig's ops: DMA (NOWAIT mostly; blocking only where the
 * model says nothing will wait: an auto-invalid node, the pending bound, a
 * full or closed queue, no queue, no miss), RETRY of the transfers that
 * stopped at a request, responses (SUCCESS after the guest mapped the page,
 * INVALID, FAILURE; unknown, duplicate, late, cancelled, wrong device or
 * PASID, bad flags and codes, short and long structs, several per write()),
 * reads, INFO, changes of the guest's entries (with INVALIDATE), the node's
 * queue changed, a queue's fd closed with requests pending and a new one
 * allocated, DETACH and REPLACE with requests pending. The model follows
 * every group (pending, answered how, forgotten after 4096 others) and
 * predicts every errno, out_done, out_group, record and counter exactly.
 * Timeouts are 0 (none) or longer than a run, so none fires.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ops.h"

#define REC		((uint32_t)sizeof(struct ioasid_fault_record))
#define RESP		((uint32_t)sizeof(struct ioasid_page_response))
#define RESP_MIN	24u	/* struct ioasid_page_response as first shipped */
#define MAX_TIMEOUT	3600000u
#define PRQ_HISTORY	4096

static struct {
	bool on;			/* IOASID_CAP_FAULT_QUEUE */
	uint32_t default_timeout;	/* pri_timeout_ms */
	uint8_t *rbuf;			/* read buffers: 2 pages, a guard page after */
	uint64_t reads, records, writes, allocs, fault_recs;
} FQ;

uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Open file descriptors of this process. */
static long count_fds(void)
{
	int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096];
	long n = 0, len, off;

	if (fd < 0)
		return -1;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < len; off += *(unsigned short *)(buf + off + 16))
			n += buf[off + 19] != '.';
	close(fd);
	return n - 1;
}

static void note_call(struct fz *f, const char *name, const char *how, unsigned int cmd)
{
	f->call.name = name;
	f->call.how = how;
	f->call.cmd = cmd;
	f->call.size = 0;
	memset(f->call.in, 0, sizeof(f->call.in));
}

static void count_call(struct fz *f, unsigned int slot, int rc)
{
	f->calls++;
	f->stats[slot & 31]++;
	f->outcomes[slot & 31][rc & 127]++;
	if (f->trace)
		printf("#   -> %s\n", fz_errname(rc));
}

/* Records ------------------------------------------------------------------- */

static const char *rec_str(const struct ioasid_fault_record *r, char *buf, size_t len)
{
	snprintf(buf, len, "size %u type %u seq %llu flags 0x%x dev %u pasid %u node %u "
		 "level %u reason %u access 0x%x group %u addr 0x%llx time %llu",
		 r->size, r->type, (unsigned long long)r->seq, r->flags, r->dev_id,
		 r->pasid, r->node_id, r->level, r->reason, r->access, r->group,
		 (unsigned long long)r->addr, (unsigned long long)r->time_ns);
	return buf;
}

static const char *mrec_str(const struct m_rec *r, char *buf, size_t len)
{
	snprintf(buf, len, "type %u seq %llu flags 0x%x dev %u pasid %u node %u level %u "
		 "reason %u access 0x%x group %u addr 0x%llx time in [%llu, %llu]",
		 r->type, (unsigned long long)r->seq, r->flags, r->dev_id, r->pasid,
		 r->node_id, r->level, r->reason, r->access, r->group,
		 (unsigned long long)r->addr, (unsigned long long)r->t0,
		 (unsigned long long)r->t1);
	return buf;
}

/* A record read from @q: well-formed, in sequence, and (exact queues) the model's. */
static bool check_record(struct fz *f, struct m_queue *q, const struct ioasid_fault_record *r)
{
	char got[256], want[256];
	const struct m_rec *w;

	if (r->size != REC || r->type < IOASID_FAULT_RECORD_FAULT ||
	    r->type > IOASID_FAULT_RECORD_TIMEOUT || r->seq <= q->last_seq ||
	    (!q->loose && r->seq >= q->next_seq)) {
		fz_fail(f, "queue %u: record %s after seq %llu (next %llu)", q->id,
			rec_str(r, got, sizeof(got)), (unsigned long long)q->last_seq,
			(unsigned long long)q->next_seq);
		return false;
	}
	q->last_seq = r->seq;
	q->nread++;
	if (q->loose)
		return true;
	if (!q->count) {
		fz_fail(f, "queue %u: record %s, the model has none", q->id,
			rec_str(r, got, sizeof(got)));
		return false;
	}
	w = &q->recs[q->head];
	q->head = (q->head + 1) % M_MAX_RECS;
	q->count--;
	if (r->seq != w->seq || r->type != w->type || r->flags != w->flags ||
	    r->dev_id != w->dev_id || r->pasid != w->pasid || r->node_id != w->node_id ||
	    r->level != w->level || r->reason != w->reason || r->access != w->access ||
	    r->group != w->group || r->addr != w->addr || r->time_ns < w->t0 ||
	    r->time_ns > w->t1) {
		fz_fail(f, "queue %u: record %s; the model says %s", q->id,
			rec_str(r, got, sizeof(got)), mrec_str(w, want, sizeof(want)));
		return false;
	}
	return true;
}

/* Where a translation at @node of @addr for @need stops: 0 if it does not. */
static uint32_t fault_stop(struct model *m, uint32_t node, uint64_t addr, uint32_t need,
			   uint32_t *reason)
{
	struct m_node *n;
	struct m_map *map;

	while ((n = model_node(m, node))) {
		map = model_map_at(n, addr);
		if (!map) {
			*reason = IOASID_FAULT_NOT_MAPPED;
			return node;
		}
		if ((map->prot & need) != need) {
			*reason = IOASID_FAULT_PERMISSION;
			return node;
		}
		if (!n->parent)
			return 0;
		addr = map->src + (addr - map->iova);
		node = n->parent;
	}
	return 0;
}

/* The queue a fault stopping at @stop of a device attached at @att goes to. */
static struct m_queue *route(struct model *m, uint32_t stop, uint32_t att)
{
	struct m_node *s = model_node(m, stop), *a = model_node(m, att);

	if (s && s->fault_queue)
		return model_queue(m, s->fault_queue);
	return a && a->fault_queue ? model_queue(m, a->fault_queue) : NULL;
}

/*
 * ops_dev.c: DMA or TRANSLATE of software endpoint @d failed translation
 * (EIO) at @addr: the record the model predicts, if a queue takes it.
 */
void fz_fault_translation(struct fz *f, struct m_dev *d, uint32_t flags, uint32_t pasid,
			  uint64_t addr, bool wrapped)
{
	struct model *m = &f->m;
	uint32_t need = flags & IOASID_DMA_WRITE ? IOASID_MAP_WRITE : IOASID_MAP_READ;
	uint32_t key, stop, reason = 0;
	struct m_att *att;
	struct m_queue *q;
	struct m_rec r;

	if (!FQ.on || wrapped ||
	    !contract_pasid_key(d, flags & IOASID_DMA_PASID, pasid, &key) ||
	    !(att = model_att(d, key)))
		return;		/* nowhere: the fault names no node */
	stop = fault_stop(m, att->node, addr, need, &reason);
	if (!stop) {
		fz_abort(f, "model: a fault where the model translates (0x%llx at node %u)",
			 (unsigned long long)addr, att->node);
		return;
	}
	q = route(m, stop, att->node);
	if (!q)
		return;
	memset(&r, 0, sizeof(r));
	r.type = IOASID_FAULT_RECORD_FAULT;
	r.flags = flags & IOASID_DMA_PASID ? IOASID_FAULT_RECORD_PASID : 0;
	r.dev_id = d->id;
	r.pasid = flags & IOASID_DMA_PASID ? pasid : 0;
	r.node_id = stop;
	r.reason = reason;
	r.access = (flags & IOASID_DMA_WRITE ? IOASID_ACCESS_WRITE : IOASID_ACCESS_READ) |
		   (flags & IOASID_DMA_EXEC ? IOASID_ACCESS_EXEC : 0) |
		   (flags & IOASID_DMA_PRIV ? IOASID_ACCESS_PRIV : 0);
	r.addr = addr;
	r.t0 = f->t0;
	r.t1 = f->t1;
	if (!q->loose)
		model_queue_push(q, &r);
	else
		q->next_seq++;	/* (counted by INFO only) */
	FQ.fault_recs++;
}

/*
 * read() of a queue's fd into a buffer of @len bytes at FQ.rbuf + @off
 * (the buffer's accessible bytes end at FQ.rbuf + 2 pages), against the
 * model: as many whole records as fit, oldest first. A buffer that runs
 * into the guard page before everything fits may get fewer (a kernel
 * copies records out in batches), or EFAULT if none: what was not returned
 * is still there. Returns false on a divergence.
 */
static bool read_queue(struct fz *f, struct m_queue *q, int fd, uint64_t off, uint64_t len,
		       const char *what)
{
	uint8_t *buf = FQ.rbuf + off;
	uint64_t room = 2 * PG - off, done = 0, n, avail, show;
	ssize_t got;
	int want = 0, rc;
	unsigned int i;
	bool cut;

	note_call(f, what, "read", 25);
	fz_note(f, "queue %u fd %d len %llu room %llu; model: %u queued%s%s", q->id, fd,
		(unsigned long long)len, (unsigned long long)room, q->count,
		q->closed ? ", closed" : "", q->loose ? ", loose" : "");
	show = len < room ? len : room;
	memset(buf, CANARY, show);
	/* What fits, and what fits before the guard page. */
	avail = q->loose ? UINT64_MAX : q->count;
	n = len / REC < avail ? len / REC : avail;
	cut = n * REC > room;
	if (len < REC)
		want = EINVAL;
	else if (!n)
		want = q->closed ? 0 : EAGAIN;
	else
		done = (cut ? room / REC : n) * REC;
	if (f->trace)
		printf("# call %llu: read(queue %u, %llu)\n", (unsigned long long)f->calls,
		       q->id, (unsigned long long)len);
	got = read(fd, buf, len);
	rc = got < 0 ? errno : 0;
	count_call(f, 25, rc);
	FQ.reads++;
	if (q->loose) {
		/* How many came is not predicted: their form is. */
		if (got < 0 ? rc != EAGAIN && rc != EFAULT && rc != want :
		    got % REC || (uint64_t)got > len || (uint64_t)got > room) {
			fz_fail(f, "read of a loose queue: %zd (%s)", got, fz_errname(rc));
			return false;
		}
		for (i = 0; got > 0 && i < got / REC; i++)
			if (!check_record(f, q, (struct ioasid_fault_record *)(buf + i * REC)))
				return false;
		return true;
	}
	/* Cut by the guard page: 1 to @done bytes' records, or EFAULT. */
	if (cut && !want ? (got < 0 ? rc != EFAULT : !got || (uint64_t)got > done) :
	    got < 0 ? rc != want : want || (uint64_t)got != done) {
		fz_fail(f, "read returned %zd (%s), the model says %llu bytes%s (%s)", got,
			fz_errname(rc), (unsigned long long)done, cut ? " at most" : "",
			fz_errname(want));
		return false;
	}
	for (i = 0; got > 0 && i < got / REC; i++)
		if (!check_record(f, q, (struct ioasid_fault_record *)(buf + i * REC)))
			return false;
	/* Whole records only: nothing written past them (unless a copy stopped). */
	for (i = got > 0 ? got : 0; !want && !cut && i < show; i++)
		if (buf[i] != CANARY) {
			fz_fail(f, "read wrote byte %u past the %zd it returned", i, got);
			return false;
		}
	FQ.records += got > 0 ? got / REC : 0;
	return true;
}

/* poll(): EPOLLIN exactly while records wait; EPOLLOUT always. */
static bool poll_queue(struct fz *f, struct m_queue *q, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	int rc = poll(&p, 1, 0);

	note_call(f, "poll(queue)", "poll", 27);
	count_call(f, 27, rc < 0 ? errno : 0);
	/* EPOLLHUP once the object was destroyed (its fd is open). */
	if (rc != 1 || !(p.revents & POLLOUT) ||
	    (!q->loose && !(p.revents & POLLIN) != !q->count) ||
	    !(p.revents & POLLHUP) != !q->closed ||
	    p.revents & ~(POLLIN | POLLOUT | POLLHUP)) {
		fz_fail(f, "poll of queue %u: %d, revents 0x%x; the model has %u records%s", q->id,
			rc, p.revents, q->count, q->closed ? ", destroyed" : "");
		return false;
	}
	return true;
}

/* A read the model can make without blocking: 0 if none. */
static uint64_t pick_read_len(struct fz *f, struct m_queue *q, uint64_t *off)
{
	unsigned int r = rn(f, 100);
	uint64_t k = q->count + rn(f, 3);

	*off = 0;
	if (r < 5)
		return rn(f, REC);
	if (r < 60)
		return (1 + rn(f, (k < 31 ? k : 31) + 1)) * REC;
	if (r < 72)
		return (1 + rn(f, 16)) * REC + 1 + rn(f, REC - 1);
	if (r < 85)
		return 32 * REC;
	/* Up to the guard page: room for 0 to 12 records, and a bit. */
	*off = 2 * PG - rn(f, 13) * REC - (pct(f, 50) ? rn(f, REC) : 0);
	return (1 + rn(f, 16)) * REC;
}

/* Read queue @q once, as the model allows (a blocking fd only when it will not wait). */
static void read_some(struct fz *f, struct m_queue *q)
{
	uint64_t off, len;

	if (q->fd < 0)
		return;
	if (!q->nonblock && !q->count && !q->closed) {
		if (!q->loose)
			return (void)poll_queue(f, q, q->fd);
		{
			struct pollfd p = { .fd = q->fd, .events = POLLIN };

			if (poll(&p, 1, 0) != 1)
				return;
		}
	}
	if (pct(f, 20) && !poll_queue(f, q, q->fd))
		return;
	len = pick_read_len(f, q, &off);
	read_queue(f, q, q->fd, off, len, "read(queue)");
}

/* Read @q until it is empty (the model's ring is bounded). */
static void drain(struct fz *f, struct m_queue *q)
{
	unsigned int guard = 0;

	while (q->count && !fz_stopped(f) && guard++ < 1000)
		if (!read_queue(f, q, q->fd, 0, 32 * REC, "read(queue) drain"))
			return;
}

/* Queues of the fuzzer's context ------------------------------------------------ */

static struct m_queue *pick_queue(struct fz *f, bool with_fd)
{
	struct model *m = &f->m;
	unsigned int i, k;

	if (!m->nqueues)
		return NULL;
	k = rn(f, m->nqueues);
	for (i = 0; i < m->nqueues; i++, k = (k + 1) % m->nqueues)
		if (!with_fd || m->queues[k].fd >= 0)
			return &m->queues[k];
	return NULL;
}

/* A queue id: a live queue's mostly, else a node's, a device's or a bad one. */
uint32_t pick_queue_id(struct fz *f, unsigned int bad_pct)
{
	struct model *m = &f->m;
	unsigned int i, k;

	if (m->nqueues && !pct(f, bad_pct)) {
		k = rn(f, m->nqueues);
		for (i = 0; i < m->nqueues; i++, k = (k + 1) % m->nqueues)
			if (m->queues[k].id)
				return m->queues[k].id;
	}
	if (pct(f, 50))
		return pick_node(f, 0);
	return pick_bad_id(f);
}

static uint32_t default_timeout(void)
{
	return FQ.default_timeout;
}

void op_fq_alloc(struct fz *f)
{
	struct ioasid_fault_queue_alloc c = { .size = sizeof(c), .out_fd = -1 };
	struct spec s = SPEC(c, "FAULT_QUEUE_ALLOC", IOASID_CMD_FAULT_QUEUE_ALLOC,
			     IOASID_FAULT_QUEUE_ALLOC);
	struct model *m = &f->m;
	unsigned int r = rn(f, 100), i;
	long before, after;
	uint32_t id;
	int fdfl, fl, rc;

	if (!FQ.on)
		return;
	if (m->nqueues >= M_MAX_QUEUES) {
		struct m_queue *q = pick_queue(f, true);

		if (q) {
			close(q->fd);
			q->fd = -1;
			q->closed = true;
			if (!q->id)
				model_queue_forget(m, q);
		}
		return;
	}
	c.flags = (pct(f, 50) ? IOASID_FAULT_QUEUE_CLOEXEC : 0) |
		  (pct(f, 60) ? IOASID_FAULT_QUEUE_NONBLOCK : 0) |
		  (pct(f, 50) ? IOASID_FAULT_QUEUE_TIMEOUT : 0) | bad_flag(f, 3, 2);
	c.depth = r < 25 ? 0 : r < 70 ? 1 + rn(f, 8) : r < 90 ? 9 + rn(f, 500) :
		  r < 94 ? 65536 : r < 97 ? 65537 + rn(f, 100) : (uint32_t)rnd(f);
	r = rn(f, 100);
	if (c.flags & IOASID_FAULT_QUEUE_TIMEOUT)
		c.timeout_ms = r < 40 ? 0 : r < 80 ? 1 + rn(f, 100000) : r < 90 ? MAX_TIMEOUT :
			       MAX_TIMEOUT + 1 + rn(f, 1000);
	else if (r < 3)
		c.timeout_ms = 1 + rn(f, 1000);
	c.out_id = rnd(f);
	s.x = contract_fq_alloc(m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = NULL;
	before = count_fds();
	rc = fz_do(f, &s);
	if (rc < 0)
		return;
	after = count_fds();
	FQ.allocs++;
	if (rc) {
		/* Failed: no fd, no queue. */
		if (after != before) {
			fz_fail(f, "FAULT_QUEUE_ALLOC failed, yet %ld fds are open, %ld before",
				after, before);
			return;
		}
		/* A queue that was made would hold the lowest free id. */
		for (id = 1; model_id_live(m, id); id++)
			;
		{
			struct ioasid_fault_queue_info qi = { .size = sizeof(qi), .queue_id = id };

			if (!ioctl(f->fd, IOASID_FAULT_QUEUE_INFO, &qi)) {
				fz_fail(f, "FAULT_QUEUE_ALLOC failed, yet queue %u exists", id);
				return;
			}
		}
		return;
	}
	if (after != before + 1 || c.out_fd < 0) {
		fz_fail(f, "FAULT_QUEUE_ALLOC succeeded with fd %d, %ld fds open, %ld before",
			c.out_fd, after, before);
		return;
	}
	if (!c.out_id || model_id_live(m, c.out_id)) {
		fz_fail(f, "out_id %u is %s", c.out_id, c.out_id ? "in use" : "0");
		return;
	}
	for (i = 0; i < m->nqueues; i++)
		if (m->queues[i].fd == c.out_fd) {
			fz_fail(f, "out_fd %d is already a queue's", c.out_fd);
			return;
		}
	fdfl = fcntl(c.out_fd, F_GETFD);
	fl = fcntl(c.out_fd, F_GETFL);
	if (fdfl < 0 || fl < 0 || !(fdfl & FD_CLOEXEC) != !(c.flags & IOASID_FAULT_QUEUE_CLOEXEC) ||
	    !(fl & O_NONBLOCK) != !(c.flags & IOASID_FAULT_QUEUE_NONBLOCK) ||
	    (fl & O_ACCMODE) != O_RDWR) {
		fz_fail(f, "the queue's fd %d: fd flags 0x%x, file flags 0x%x", c.out_fd, fdfl, fl);
		return;
	}
	model_add_queue(m, c.out_id, c.out_fd, c.flags, c.depth ? c.depth : 256,
			c.flags & IOASID_FAULT_QUEUE_TIMEOUT ? c.timeout_ms : default_timeout());
}

/* INFO of a queue of the fuzzer's context, every field. */
static bool check_info(struct fz *f, struct m_queue *q, const struct ioasid_fault_queue_info *c,
		       unsigned int nodes)
{
	bool ok;

	if (q->loose) {
		/* Every record raised was read, dropped or is queued. */
		ok = c->out_next_seq - 1 == q->nread + c->out_overflow + c->out_queued &&
		     c->out_next_seq >= q->next_seq && c->out_overflow >= q->overflow;
		q->next_seq = c->out_next_seq;
		q->overflow = c->out_overflow;
	} else {
		ok = c->out_queued == q->count && c->out_next_seq == q->next_seq &&
		     c->out_overflow == q->overflow &&
		     c->out_next_seq - 1 == q->nread + q->overflow + q->count;
	}
	ok = ok && c->out_depth == q->depth && c->out_timeout_ms == q->timeout_ms &&
	     c->out_pending == 0 && c->out_nodes == nodes && c->out_closed == (q->fd < 0) &&
	     c->out_timeouts == q->timeouts && c->out_auto_responses == q->auto_responses &&
	     !c->__reserved;
	if (!ok)
		fz_fail(f, "FAULT_QUEUE_INFO of %u: depth %u timeout %u queued %u pending %u "
			"nodes %u closed %u next_seq %llu overflow %llu timeouts %llu auto %llu; "
			"the model says depth %u timeout %u queued %u pending 0 nodes %u "
			"closed %u next_seq %llu overflow %llu read %llu%s", q->id,
			c->out_depth, c->out_timeout_ms, c->out_queued, c->out_pending,
			c->out_nodes, c->out_closed, (unsigned long long)c->out_next_seq,
			(unsigned long long)c->out_overflow, (unsigned long long)c->out_timeouts,
			(unsigned long long)c->out_auto_responses, q->depth, q->timeout_ms,
			q->count, nodes, q->fd < 0, (unsigned long long)q->next_seq,
			(unsigned long long)q->overflow, (unsigned long long)q->nread,
			q->loose ? " (loose)" : "");
	return ok;
}

static void op_fq_info_of(struct fz *f, uint32_t id)
{
	struct ioasid_fault_queue_info c = { .size = sizeof(c), .queue_id = id };
	struct spec s = SPEC(c, "FAULT_QUEUE_INFO", IOASID_CMD_FAULT_QUEUE_INFO,
			     IOASID_FAULT_QUEUE_INFO);
	struct m_queue *q;

	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 1);
	s.x = contract_fq_info(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	if (fz_do(f, &s) || !s.applies)
		return;
	q = model_queue(&f->m, id);
	check_info(f, q, &c, model_queue_nodes(&f->m, id));
}

void op_fq_info(struct fz *f)
{
	if (FQ.on)
		op_fq_info_of(f, pick_queue_id(f, 10));
}

void op_fq_read(struct fz *f)
{
	struct m_queue *q;
	unsigned int i;

	if (!FQ.on || !(q = pick_queue(f, true)))
		return;
	/* Mostly one with records waiting. */
	for (i = 0; i < f->m.nqueues && pct(f, 70); i++)
		if (f->m.queues[i].fd >= 0 && f->m.queues[i].count) {
			q = &f->m.queues[i];
			break;
		}
	read_some(f, q);
}

/*
 * The errno of one response, as write() meets it at @p with @left bytes
 * of the call left, @ok bytes of it readable: 0 when it would be
 * consumed. Into @x: every errno that applies (the header gives no order).
 */
static void resp_errnos(const uint8_t *p, uint64_t left, uint64_t ok, struct expect *x,
			int (*respond)(void *arg, const struct ioasid_page_response *r),
			void *arg)
{
	struct ioasid_page_response r;
	uint32_t size, i;
	int rc;

	if (left < RESP_MIN) {
		ex_add(x, EINVAL);
		return;
	}
	if (ok < 4) {
		ex_add(x, EFAULT);
		return;
	}
	memcpy(&size, p, 4);
	if (size < RESP_MIN || size > left) {
		ex_add(x, EINVAL);
		return;
	}
	if (ok < size) {
		/* Partly readable: a non-zero byte of the tail before the cut may be seen first. */
		ex_add(x, EFAULT);
		for (i = RESP; i < ok; i++)
			if (p[i]) {
				ex_add(x, E2BIG);
				break;
			}
		return;
	}
	for (i = RESP; i < size; i++)
		if (p[i]) {
			ex_add(x, E2BIG);
			return;
		}
	memset(&r, 0, sizeof(r));
	memcpy(&r, p, size < RESP ? size : RESP);
	if (r.flags & ~IOASID_FAULT_RECORD_PASID || r.code > IOASID_PAGE_RESP_FAILURE) {
		ex_add(x, EOPNOTSUPP);
		return;
	}
	rc = respond(arg, &r);
	ex_add(x, rc);
}

/* Fill @p with up to @n responses, mostly well-formed; their bytes. */
static uint64_t pick_responses(struct fz *f, uint8_t *p, unsigned int n,
			       void (*fill)(struct fz *f, void *arg, struct ioasid_page_response *r),
			       void *arg)
{
	struct ioasid_page_response r;
	uint64_t off = 0;
	unsigned int i, size, k;

	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		fill(f, arg, &r);
		k = rn(f, 100);
		size = k < 88 ? RESP : k < 92 ? RESP + 8 : k < 95 ? RESP + 8 + rn(f, 32) :
		       k < 98 ? RESP_MIN - 4 : rn(f, 64);
		r.size = size;
		memset(p + off, 0, size > RESP ? size : RESP);
		memcpy(p + off, &r, RESP);
		if (size > RESP && pct(f, 40))
			p[off + RESP + rn(f, size - RESP)] = 1 + rn(f, 255);
		off += size ? size : RESP;
		if (size < RESP_MIN)
			break;
	}
	if (pct(f, 4) && off)
		off -= 1 + rn(f, off < RESP ? off : RESP);	/* a cut-off last one */
	return off;
}

static void main_fill(struct fz *f, void *arg, struct ioasid_page_response *r)
{
	(void)arg;
	r->flags = pct(f, 40) ? IOASID_FAULT_RECORD_PASID : 0;
	r->flags |= bad_flag(f, 1, 3);
	r->dev_id = pick_dev(f, 10);
	r->pasid = r->flags & IOASID_FAULT_RECORD_PASID ? rn(f, 16) : 0;
	r->group = pct(f, 20) ? 0 : pct(f, 50) ? 1 + rn(f, 64) : (uint32_t)rnd(f);
	r->code = pct(f, 95) ? rn(f, 3) : 3 + rn(f, 100);
}

/* No group was ever raised in the fuzzer's context: every response is unknown. */
static int main_respond(void *arg, const struct ioasid_page_response *r)
{
	(void)arg;
	(void)r;
	return ENOENT;
}

/*
 * write() of @len bytes of responses at @p to @fd; @respond says what the
 * model makes of each well-formed one (0: consumed). Returns false on a
 * divergence.
 */
static bool write_responses(struct fz *f, int fd, uint8_t *p, uint64_t len, uint64_t readable,
			    int (*respond)(void *arg, const struct ioasid_page_response *r),
			    void *arg, const char *what)
{
	struct expect x = EX_NONE;
	uint64_t done = 0, want_done;
	ssize_t got;
	uint32_t size;
	int rc;

	note_call(f, what, "write", 26);
	fz_note(f, "%llu bytes at fd %d, %llu readable", (unsigned long long)len, fd,
		(unsigned long long)readable);
	/* In order until the first failure: its errno only if it is the first. */
	for (;;) {
		struct expect one = EX_NONE;

		if (done >= len)
			break;
		resp_errnos(p + done, len - done, readable > done ? readable - done : 0, &one,
			    respond, arg);
		if (!ex_has(&one, 0)) {
			if (!done)
				x = one;
			break;
		}
		memcpy(&size, p + done, 4);
		done += size;
	}
	want_done = done;
	if (!len)
		ex_add(&x, 0);	/* nothing to take: write(2) returns 0 */
	if (f->trace)
		printf("# call %llu: write(fd %d, %llu bytes)\n", (unsigned long long)f->calls,
		       fd, (unsigned long long)len);
	got = write(fd, p, len);
	rc = got < 0 ? errno : 0;
	count_call(f, 26, rc);
	FQ.writes++;
	if (want_done ? got != (ssize_t)want_done :
	    !len ? got != 0 : got != -1 || !ex_has(&x, rc)) {
		char exp[256];

		fz_fail(f, "write of responses returned %zd (%s); the model says %llu bytes, "
			"else one of {%s}", got, fz_errname(rc), (unsigned long long)want_done,
			fz_expect_str(&x, exp, sizeof(exp)));
		return false;
	}
	return true;
}

void op_fq_write(struct fz *f)
{
	uint8_t *p = f->mem.aux + 2 * PG;
	uint64_t len, readable = 2 * PG;	/* the aux pages end at a guard page */
	struct m_queue *q;

	if (!FQ.on || !(q = pick_queue(f, true)))
		return;
	len = pick_responses(f, p, 1 + rn(f, 3), main_fill, NULL);
	if (pct(f, 3)) {
		/* Running into the guard page. */
		uint64_t k = rn(f, len + 1);

		memmove(f->mem.aux + FZ_AUX_PAGES * PG - k, p, k);
		p = f->mem.aux + FZ_AUX_PAGES * PG - k;
		readable = k;
	}
	write_responses(f, q->fd, p, len, readable, main_respond, NULL, "write(queue)");
}

void op_fq_close(struct fz *f)
{
	struct m_queue *q;

	if (!FQ.on || !(q = pick_queue(f, true)))
		return;
	note_call(f, "close(queue)", "close", 27);
	if (f->trace)
		printf("# call %llu: close(queue %u fd %d)\n", (unsigned long long)f->calls, q->id,
		       q->fd);
	count_call(f, 27, close(q->fd) ? errno : 0);
	q->fd = -1;
	q->closed = true;
	if (!q->id)
		model_queue_forget(&f->m, q);
}

/* OPTION FAULT_QUEUE / FAULT_TIMEOUT_MS (op_option made it): what it did. */
bool fz_fq_option_done(struct fz *f, const struct ioasid_option *c)
{
	struct m_node *n;
	struct m_queue *q;

	if (c->option_id == IOASID_OPTION_FAULT_QUEUE) {
		n = model_node(&f->m, c->object_id);
		if (c->op == IOASID_OPTION_OP_SET) {
			n->fault_queue = c->val64;
			return true;
		}
		if (c->val64 != n->fault_queue) {
			fz_fail(f, "OPTION FAULT_QUEUE of node %u: %llu, the model says %u",
				n->id, (unsigned long long)c->val64, n->fault_queue);
			return false;
		}
		return true;
	}
	q = model_queue(&f->m, c->object_id);
	if (c->op == IOASID_OPTION_OP_SET) {
		q->timeout_ms = c->val64;
		return true;
	}
	if (c->val64 != q->timeout_ms) {
		fz_fail(f, "OPTION FAULT_TIMEOUT_MS of queue %u: %llu, the model says %u", q->id,
			(unsigned long long)c->val64, q->timeout_ms);
		return false;
	}
	return true;
}

/* OPTION's arguments for the fault options (op_option): mostly valid. */
void fz_fq_pick_option(struct fz *f, struct ioasid_option *c)
{
	unsigned int r = rn(f, 100);

	if (pct(f, 50)) {
		c->option_id = IOASID_OPTION_FAULT_QUEUE;
		c->object_id = r < 85 ? pick_node(f, 5) : r < 95 ? pick_queue_id(f, 0) : 0;
		r = rn(f, 100);
		c->val64 = r < 35 ? 0 : r < 90 ? pick_queue_id(f, 8) :
			   r < 95 ? (1ULL << 32) + rn(f, 4) : rnd(f);
	} else {
		c->option_id = IOASID_OPTION_FAULT_TIMEOUT_MS;
		c->object_id = r < 85 ? pick_queue_id(f, 5) : r < 95 ? pick_node(f, 0) : 0;
		r = rn(f, 100);
		c->val64 = r < 20 ? 0 : r < 70 ? 1 + rn(f, 100000) : r < 85 ? MAX_TIMEOUT :
			   r < 95 ? MAX_TIMEOUT + 1 : rnd(f);
	}
}

/*
 * After every operation: a queue that a PCI device's shadow domain can
 * reach (the device attached in or below a user-managed node, and the
 * queue named by a node of that chain) becomes loose for good.
 */
void fz_fault_after_op(struct fz *f)
{
	struct model *m = &f->m;
	struct m_node *n;
	struct m_queue *q;
	unsigned int i, k;

	if (!FQ.on)
		return;
	for (i = 0; i < m->ndevs; i++) {
		struct m_dev *d = &m->devs[i];

		if (!d->pci || !d->natts || !model_in_user_tree(m, d->atts[0].node))
			continue;
		for (n = model_node(m, d->atts[0].node); n; n = model_node(m, n->parent)) {
			q = model_queue(m, n->fault_queue);
			if (q && !q->loose) {
				q->loose = true;
				q->count = 0;	/* predicted ones are no longer told apart */
			}
		}
	}
	/* The model holds at most M_MAX_RECS records of a queue. */
	for (k = 0; k < m->nqueues && !fz_stopped(f); k++)
		if (m->queues[k].count >= M_MAX_RECS / 2)
			drain(f, &m->queues[k]);
}

/* Close every queue fd of the fuzzer's context (it goes, or is reopened). */
void fz_fault_close_fds(struct fz *f)
{
	unsigned int i;

	for (i = 0; i < f->m.nqueues; i++)
		if (f->m.queues[i].fd >= 0)
			close(f->m.queues[i].fd);
	f->m.nqueues = 0;
}

/* ------------------------------------------------------------------------------ */
/* The rig: page requests, in a context of its own */

#define RIG_PAGES	48
#define RIG_TABLES	4		/* mem pages 0..3: the guest table, 4 levels */
#define RIG_DATA	8		/* mem pages 8..: data pages */
#define RIG_NDATA	32
#define RIG_SLOTS	32		/* guest pages RIG_GIOVA.. */
#define RIG_L1		512		/* entries of the leaf table: slots beyond are empty */
#define RIG_GPA		0x100000000ULL	/* where the root maps mem */
#define RIG_GIOVA	0x7f0000400000ULL	/* 2 MiB aligned: one leaf table */
#define RIG_PASID_BITS	4
#define RIG_MAX_GROUPS	16384
#define RIG_MAX_SUSP	8
#define RIG_OPS		4000		/* operations of a rig before a new one */
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define PTE_ADDR	0x000ffffffffff000ULL

enum { G_NONE, G_PENDING, G_RESPONDED, G_CANCELED, G_TIMED_OUT, G_FORGOTTEN };

struct rgroup {
	uint8_t state;
	uint8_t code;
	uint8_t dev;		/* rig device index */
	uint8_t queue;		/* rig queue index (while pending) */
	uint32_t serial;	/* that queue's serial */
	bool has_pasid;
	uint32_t pasid;
	uint32_t att;		/* rig attachment index */
	uint64_t addr;		/* the page */
	uint32_t access;	/* what the DMA asked for */
	uint32_t reason;	/* why it missed */
};

struct ratt {
	uint8_t dev;
	bool has_pasid;
	uint32_t pasid;
	int node;		/* rig node index, -1: detached */
};

/* A group is forgotten once PRQ_HISTORY more of its queue's are answered. */
#define RIG_HIST	(PRQ_HISTORY + 1)

struct rqueue {
	uint32_t serial;	/* rig-wide, as the kernel's (unique per context) */
	bool live;		/* the object */
	unsigned int pending;
	uint32_t answered[RIG_HIST];	/* its answered groups still known, oldest first */
	unsigned int nans, ans_head;
	struct m_queue q;
};

/* A transfer that stopped at a page request, to RETRY. */
struct rsusp {
	bool used;
	unsigned int att;
	bool write;
	uint64_t iova, len;	/* what is left */
	uint32_t group;
	uint64_t boff;		/* in the rig's buffer */
};

static struct {
	/* One rig's, from setup to teardown. */
	bool on;
	struct ioasid_handle *h;
	int fd;
	uint32_t root, node[2], dev[2];
	uint32_t dev_max[2], dev_pending[2];
	int node_queue[2];		/* rig queue index, -1: none */
	struct rqueue queues[2];	/* [i].q.id 0: not there */
	unsigned int nserial;
	unsigned int natts;
	struct ratt atts[3];
	uint64_t pte[RIG_L1];		/* the model's leaf entries */
	uint32_t next_group;
	struct rsusp susp[RIG_MAX_SUSP];
	uint64_t ops;
	/* Kept: memory, and counts for the summary. */
	uint8_t *mem;			/* RIG_PAGES: guest memory */
	uint8_t *shadow;		/* what its data pages must hold */
	uint8_t *buf;			/* the other end of DMA: 4 pages */
	uint8_t *wbuf;			/* what a write sent */
	struct rgroup *groups;		/* by group id */
	uint64_t dmas, eagain, retries, responses, rigs, blocking, success_rounds;
	uint64_t outcomes[128];
} R;

static uint64_t rig_gpa(unsigned int page)
{
	return RIG_GPA + (uint64_t)page * PG;
}

static uint64_t rig_leaf(unsigned int data, bool rw)
{
	return rig_gpa(RIG_DATA + data) | PTE_P | PTE_US | PTE_A | PTE_D | (rw ? PTE_RW : 0);
}

static uint64_t *rig_leaf_slot(unsigned int slot)
{
	return (uint64_t *)(R.mem + 3 * PG) + slot;
}

static int rig_ioctl(unsigned long req, void *arg)
{
	return ioctl(R.fd, req, arg) ? errno : 0;
}

static struct rqueue *rig_queue_of_node(unsigned int n)
{
	return R.node_queue[n] < 0 ? NULL : &R.queues[R.node_queue[n]];
}

static unsigned int rig_queue_nodes(unsigned int qi)
{
	return (R.node_queue[0] == (int)qi) + (R.node_queue[1] == (int)qi);
}

/* A new queue in slot @qi: 0 or an errno. */
static int rig_queue_new(struct fz *f, unsigned int qi)
{
	struct ioasid_fault_queue_alloc c = { .size = sizeof(c) };
	struct rqueue *rq = &R.queues[qi];
	int rc;

	c.flags = IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_TIMEOUT |
		  (pct(f, 70) ? IOASID_FAULT_QUEUE_NONBLOCK : 0);
	c.depth = pct(f, 50) ? 1 + rn(f, 6) : 64;
	/* No timeout fires during a run. */
	c.timeout_ms = pct(f, 70) ? 0 : MAX_TIMEOUT;
	rc = rig_ioctl(IOASID_FAULT_QUEUE_ALLOC, &c);
	if (rc)
		return rc;
	memset(rq, 0, offsetof(struct rqueue, q) + offsetof(struct m_queue, recs));
	rq->serial = R.nserial++;
	rq->live = true;
	rq->q.id = c.out_id;
	rq->q.fd = c.out_fd;
	rq->q.nonblock = c.flags & IOASID_FAULT_QUEUE_NONBLOCK;
	rq->q.depth = c.depth;
	rq->q.timeout_ms = c.timeout_ms;
	rq->q.next_seq = 1;
	return 0;
}

static int rig_set_node_queue(unsigned int n, int qi)
{
	struct ioasid_option o = { .size = sizeof(o), .option_id = IOASID_OPTION_FAULT_QUEUE,
				   .op = IOASID_OPTION_OP_SET, .object_id = R.node[n],
				   .val64 = qi < 0 ? 0 : R.queues[qi].q.id };
	int rc = rig_ioctl(IOASID_OPTION, &o);

	if (!rc)
		R.node_queue[n] = qi;
	return rc;
}

static int rig_attach(unsigned int a, unsigned int node, bool replace)
{
	struct ratt *t = &R.atts[a];
	struct ioasid_attach c = { .size = sizeof(c), .dev_id = R.dev[t->dev],
				   .node_id = R.node[node], .pasid = t->pasid,
				   .flags = (t->has_pasid ? IOASID_ATTACH_PASID : 0) |
					    (replace ? IOASID_ATTACH_REPLACE : 0) };
	int rc = rig_ioctl(IOASID_ATTACH, &c);

	if (!rc)
		t->node = node;
	return rc;
}

void fz_rig_teardown(struct fz *f)
{
	unsigned int i;

	(void)f;
	if (!R.h)
		return;
	/* Queue fds and the context in either order. */
	if (R.rigs & 1)
		ioasid_close(R.h);
	for (i = 0; i < 2; i++)
		if (R.queues[i].q.fd >= 0)
			close(R.queues[i].q.fd);
	if (!(R.rigs & 1))
		ioasid_close(R.h);
	R.h = NULL;
	R.on = false;
}

/* What the rig holds in the module's totals. */
void fz_rig_totals(long long *nodes, long long *mappings, long long *pinned)
{
	*nodes = R.on ? 3 : 0;
	*mappings = R.on ? 1 : 0;
	*pinned = R.on ? RIG_PAGES * PG : 0;
}

static void rig_setup(struct fz *f)
{
	struct ioasid_format_x86_64 fmt = {
		.hdr = { .size = sizeof(fmt), .format = IOASID_FORMAT_X86_64 },
		.levels = 4, .phys_bits = 48,
	};
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
				  .format = (uintptr_t)&fmt, .format_len = sizeof(fmt) };
	struct ioasid_bind b = { .size = sizeof(b), .root = rig_gpa(0) };
	struct ioasid_device_create d = { .size = sizeof(d) };
	uint64_t iova = RIG_GPA, *t;
	unsigned int i;
	int rc;

	memset(&R, 0, offsetof(typeof(R), mem));
	R.queues[0].q.fd = R.queues[1].q.fd = -1;
	R.rigs++;
	if (!R.mem) {
		R.mem = mmap(NULL, RIG_PAGES * PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		R.shadow = malloc(RIG_NDATA * PG);
		R.buf = malloc(4 * PG);
		R.wbuf = malloc(4 * PG);
		R.groups = calloc(RIG_MAX_GROUPS + 1, sizeof(*R.groups));
		if (R.mem == MAP_FAILED || !R.shadow || !R.buf || !R.wbuf || !R.groups) {
			fz_abort(f, "rig: out of memory");
			return;
		}
	}
	memset(R.mem, 0, RIG_DATA * PG);
	for (i = 0; i < RIG_NDATA * PG; i++)
		R.mem[RIG_DATA * PG + i] = R.shadow[i] = (uint8_t)(i * 29 + R.rigs);
	memset(R.groups, 0, (RIG_MAX_GROUPS + 1) * sizeof(*R.groups));
	R.next_group = 1;
	/* The table's upper levels: L4 -> L3 -> L2 -> L1 at pages 1, 2, 3. */
	for (i = 0; i < 3; i++) {
		t = (uint64_t *)(R.mem + i * PG);
		t[(RIG_GIOVA >> (12 + 9 * (3 - i))) & 511] =
			rig_gpa(i + 1) | PTE_P | PTE_RW | PTE_US | PTE_A;
	}
	for (i = 0; i < RIG_SLOTS; i++) {
		R.pte[i] = pct(f, 50) ? rig_leaf(i, pct(f, 60)) : 0;
		*rig_leaf_slot(i) = R.pte[i];
	}

	rc = -ioasid_open(&R.h, NULL, 0);
	if (rc) {
		fz_abort(f, "rig: open: %s", strerror(rc));
		return;
	}
	R.fd = ioasid_fd(R.h);
	rc = -ioasid_node_alloc(R.h, 0, IOASID_MODE_KERNEL_MANAGED, &R.root);
	if (!rc)
		rc = -ioasid_map(R.h, R.root, (uintptr_t)R.mem, RIG_PAGES * PG, &iova,
				 RW | FIXED);
	for (i = 0; !rc && i < 2; i++)
		rc = rig_queue_new(f, i);
	for (i = 0; !rc && i < 2; i++) {
		a.parent_id = R.root;
		a.flags = i ? IOASID_ALLOC_PRI_AUTO_INVALID : 0;
		a.fault_queue_id = R.queues[pct(f, 70) ? 0 : 1].q.id;
		rc = rig_ioctl(IOASID_ALLOC, &a);
		R.node[i] = a.out_id;
		R.node_queue[i] = a.fault_queue_id == R.queues[0].q.id ? 0 : 1;
		b.id = a.out_id;
		if (!rc)
			rc = rig_ioctl(IOASID_BIND, &b);
	}
	for (i = 0; !rc && i < 2; i++) {
		d.flags = IOASID_DEVICE_PRI | (i ? IOASID_DEVICE_PASID : 0);
		d.pasid_bits = i ? RIG_PASID_BITS : 0;
		d.pri_max_pending = i ? (pct(f, 50) ? 0 : 2) : 1 + rn(f, 3);
		rc = rig_ioctl(IOASID_DEVICE_CREATE, &d);
		R.dev[i] = d.out_id;
		R.dev_max[i] = d.pri_max_pending ? d.pri_max_pending : 32;
	}
	R.natts = 3;
	R.atts[0] = (struct ratt){ .dev = 0, .node = -1 };
	R.atts[1] = (struct ratt){ .dev = 1, .has_pasid = true, .pasid = 1, .node = -1 };
	R.atts[2] = (struct ratt){ .dev = 1, .has_pasid = true, .pasid = 2 + rn(f, 14),
				   .node = -1 };
	for (i = 0; !rc && i < R.natts; i++)
		rc = rig_attach(i, pct(f, 75) ? 0 : 1, false);
	if (rc) {
		fz_abort(f, "rig: setting up: %s", fz_errname(rc));
		return;
	}
	R.on = true;
}

/* Groups --------------------------------------------------------------- */

/*
 * @g was answered: its queue keeps it until PRQ_HISTORY more of its groups
 * are answered.
 */
static void rig_retire(uint32_t g)
{
	struct rqueue *rq = &R.queues[R.groups[g].queue];

	if (rq->nans == RIG_HIST) {
		R.groups[rq->answered[rq->ans_head]].state = G_FORGOTTEN;
		rq->ans_head = (rq->ans_head + 1) % RIG_HIST;
		rq->nans--;
	}
	rq->answered[(rq->ans_head + rq->nans++) % RIG_HIST] = g;
}

/* Queue @qi is gone (object and fd): every group it knew is forgotten. */
static void rig_queue_gone(unsigned int qi)
{
	struct rqueue *rq = &R.queues[qi];

	while (rq->nans) {
		R.groups[rq->answered[rq->ans_head]].state = G_FORGOTTEN;
		rq->ans_head = (rq->ans_head + 1) % RIG_HIST;
		rq->nans--;
	}
}

static void rig_answer(uint32_t g, uint8_t state, uint8_t code)
{
	struct rgroup *gr = &R.groups[g];

	R.queues[gr->queue].pending--;
	if (state != G_RESPONDED)
		R.queues[gr->queue].q.auto_responses++;
	if (state == G_TIMED_OUT)
		R.queues[gr->queue].q.timeouts++;
	R.dev_pending[gr->dev]--;
	gr->state = state;
	gr->code = code;
	rig_retire(g);
}

/* The module answers (INVALID) every pending group @match takes. */
static void rig_cancel(bool (*match)(const struct rgroup *g, const void *arg), const void *arg)
{
	uint32_t g;

	for (g = 1; g < R.next_group; g++)
		if (R.groups[g].state == G_PENDING && match(&R.groups[g], arg))
			rig_answer(g, G_CANCELED, IOASID_PAGE_RESP_INVALID);
}

static bool match_att(const struct rgroup *g, const void *arg)
{
	return g->att == *(const unsigned int *)arg;
}

static bool match_queue(const struct rgroup *g, const void *arg)
{
	return g->serial == R.queues[*(const unsigned int *)arg].serial;
}

/* DMA ---------------------------------------------------------------------- */

/* What one rig DMA does, as the model predicts it. */
struct rpred {
	int rc;
	uint64_t done;
	uint32_t out_group;
	/* At most one record and one new group. */
	bool rec;
	struct m_rec r;
	struct rqueue *rq;
	enum { RAISE_NONE, RAISE_PENDING, RAISE_ANSWERED } raise;
	uint32_t group;
	uint64_t page;
	bool retry_took;	/* RETRY took a SUCCESS */
};

/* The leaf entry that translates guest IOVA @a, 0 if none. */
static uint64_t rig_pte_at(uint64_t a)
{
	uint64_t slot = (a - RIG_GIOVA) >> 12;

	return a < RIG_GIOVA || slot >= RIG_L1 ? 0 : R.pte[slot];
}

/*
 * The kernel's DMA loop on the model (ioasid_dma()), without changing it.
 * @att: the attachment, @write, @nowait, @retry with @group.
 */
static void rig_predict(unsigned int att, bool write, bool nowait, bool retry, uint32_t group,
			uint64_t iova, uint64_t len, struct rpred *p)
{
	const struct ratt *t = &R.atts[att];
	uint64_t answered_page = UINT64_MAX, pos = 0, a, pte, page, chunk;
	struct rqueue *rq;
	uint32_t reason;
	bool ans;

	memset(p, 0, sizeof(*p));
	if (retry) {
		struct rgroup *g = group && group < R.next_group ? &R.groups[group] : NULL;

		if (!g || g->state == G_FORGOTTEN || g->dev != t->dev ||
		    g->has_pasid != t->has_pasid || (t->has_pasid && g->pasid != t->pasid)) {
			p->rc = ESTALE;
			return;
		}
		if (g->state == G_PENDING) {
			p->rc = nowait ? EAGAIN : -1;	/* -1: it would wait */
			p->out_group = group;
			return;
		}
		if (g->state == G_TIMED_OUT) {
			p->rc = ETIMEDOUT;
			return;
		}
		if (g->code != IOASID_PAGE_RESP_SUCCESS) {
			p->rc = g->code == IOASID_PAGE_RESP_FAILURE ? ENXIO : EIO;
			return;
		}
		answered_page = g->addr;
		p->retry_took = true;
	}
	while (pos < len) {
		a = iova + pos;
		if (t->node < 0) {
			p->rc = EIO;	/* not attached: a fault of no node */
			break;
		}
		pte = rig_pte_at(a);
		if (pte & PTE_P && (!write || pte & PTE_RW)) {
			chunk = PG - (a & (PG - 1));
			pos += len - pos < chunk ? len - pos : chunk;
			continue;
		}
		reason = pte & PTE_P ? IOASID_FAULT_PERMISSION : IOASID_FAULT_NOT_PRESENT;
		page = a & ~(PG - 1);
		rq = rig_queue_of_node(t->node);
		p->rc = EIO;
		memset(&p->r, 0, sizeof(p->r));
		p->r.flags = IOASID_FAULT_RECORD_GUEST |
			     (t->has_pasid ? IOASID_FAULT_RECORD_PASID : 0);
		p->r.dev_id = R.dev[t->dev];
		p->r.pasid = t->has_pasid ? t->pasid : 0;
		p->r.node_id = R.node[t->node];
		p->r.level = 1;
		p->r.reason = reason;
		p->r.access = write ? IOASID_ACCESS_WRITE : IOASID_ACCESS_READ;
		if (page == answered_page) {
			/* A second miss after SUCCESS: a fault. */
			p->r.type = IOASID_FAULT_RECORD_FAULT;
			p->r.addr = a;
			p->rec = rq != NULL;
			p->rq = rq;
			break;
		}
		if (!rq)
			break;		/* no queue: a fault that goes nowhere */
		p->rq = rq;
		p->rec = true;
		p->r.type = IOASID_FAULT_RECORD_PAGE_REQUEST;
		p->r.addr = page;
		p->group = R.next_group;
		p->r.group = p->group;
		p->page = page;
		ans = t->node == 1 || R.dev_pending[t->dev] >= R.dev_max[t->dev];
		if (ans)
			p->r.flags |= IOASID_FAULT_RECORD_ANSWERED;
		if (rq->q.closed || rq->q.count == rq->q.depth)
			ans = true;
		if (ans) {
			p->raise = RAISE_ANSWERED;
			break;
		}
		p->raise = RAISE_PENDING;
		p->rc = nowait ? EAGAIN : -1;	/* -1: it would wait */
		p->out_group = p->group;
		break;
	}
	p->done = pos;
}

/* Apply a prediction the kernel agreed with. */
static void rig_apply(const struct rpred *p, unsigned int att, uint64_t t0, uint64_t t1)
{
	struct m_rec r = p->r;

	if (p->rec) {
		r.t0 = t0;
		r.t1 = t1;
		model_queue_push(&p->rq->q, &r);
	}
	if (p->raise == RAISE_NONE)
		return;
	R.next_group++;
	R.groups[p->group] = (struct rgroup){
		.dev = R.atts[att].dev, .queue = p->rq - R.queues, .serial = p->rq->serial,
		.has_pasid = R.atts[att].has_pasid, .pasid = R.atts[att].pasid,
		.att = att, .addr = p->page, .access = p->r.access, .reason = p->r.reason };
	if (p->raise == RAISE_ANSWERED) {
		R.groups[p->group].state = G_CANCELED;
		R.groups[p->group].code = IOASID_PAGE_RESP_INVALID;
		p->rq->q.auto_responses++;
		rig_retire(p->group);
		return;
	}
	R.groups[p->group].state = G_PENDING;
	R.dev_pending[R.atts[att].dev]++;
	p->rq->pending++;
}

/*
 * One rig DMA (a RETRY when @retry): predicted, made, checked, applied.
 * Returns false on a divergence or a fuzzer limit.
 */
static bool rig_dma(struct fz *f, unsigned int att, bool write, bool nowait, bool retry,
		    uint32_t group, uint64_t iova, uint64_t len, uint64_t boff)
{
	const struct ratt *t = &R.atts[att];
	struct ioasid_dma c = { .size = sizeof(c), .dev_id = R.dev[t->dev],
				.pasid = t->pasid, .iova = iova, .length = len,
				.buffer = (uintptr_t)(R.buf + boff), .group = group };
	struct rpred p;
	uint64_t t0, t1, i, a, pte, off;
	int rc;

	if (boff + len > 4 * PG || group > RIG_MAX_GROUPS - 8)
		return true;
	c.flags = (t->has_pasid ? IOASID_DMA_PASID : 0) | (write ? IOASID_DMA_WRITE : 0) |
		  (nowait ? IOASID_DMA_NOWAIT : 0) | (retry ? IOASID_DMA_RETRY : 0);
	rig_predict(att, write, nowait, retry, group, iova, len, &p);
	if (p.rc < 0) {
		/* It would wait for a response: ask without waiting. */
		c.flags |= IOASID_DMA_NOWAIT;
		nowait = true;
		rig_predict(att, write, nowait, retry, group, iova, len, &p);
	}
	if (!nowait)
		R.blocking++;
	if (write)
		for (i = 0; i < len; i++)
			R.buf[boff + i] = R.wbuf[boff + i] = (uint8_t)rnd(f);
	else
		memset(R.buf + boff, CANARY, len);
	c.out_done = rnd(f);
	c.out_group = rnd(f);
	note_call(f, retry ? "DMA RETRY (rig)" : "DMA (rig)", "ioctl", IOASID_CMD_DMA);
	memcpy(f->call.in, &c, sizeof(c) < sizeof(f->call.in) ? sizeof(c) : sizeof(f->call.in));
	f->call.size = c.size;
	fz_note(f, "rig att %u dev %u node %d; model: %s done %llu group %u", att,
		R.dev[t->dev], t->node, fz_errname(p.rc), (unsigned long long)p.done,
		p.out_group);
	if (f->trace) {
		char desc[1024];

		fz_describe(&f->call, desc, sizeof(desc));
		printf("# call %llu: %s\n", (unsigned long long)f->calls, desc);
	}
	t0 = fz_now_ns();
	rc = rig_ioctl(IOASID_DMA, &c);
	t1 = fz_now_ns();
	count_call(f, IOASID_CMD_DMA, rc);
	R.outcomes[rc & 127]++;
	R.dmas++;
	R.retries += retry;
	R.eagain += rc == EAGAIN;
	if (rc != p.rc || c.out_done != p.done || c.out_group != p.out_group) {
		fz_fail(f, "rig DMA: %s, out_done %llu, out_group %u; the model says %s, %llu, %u",
			fz_errname(rc), (unsigned long long)c.out_done, c.out_group,
			fz_errname(p.rc), (unsigned long long)p.done, p.out_group);
		return false;
	}
	/* The bytes: up to out_done through the guest's pages, nothing past. */
	for (i = 0; i < len; i++) {
		a = iova + i;
		pte = rig_pte_at(a);
		off = (((pte & PTE_ADDR) - rig_gpa(RIG_DATA)) + (a & (PG - 1)));
		if (i < p.done) {
			if (write)
				R.shadow[off] = R.wbuf[boff + i];
			else if (R.buf[boff + i] != R.shadow[off])
				break;
		} else if (!write && R.buf[boff + i] != CANARY) {
			break;
		}
	}
	/* The pages it may have written, and now and then all of them. */
	{
		uint64_t d0 = 0, d1 = RIG_NDATA;

		if (R.dmas % 64 && !write) {
			d1 = 0;
		} else if (R.dmas % 64) {
			d0 = RIG_NDATA;
			d1 = 0;
			for (a = iova & ~(PG - 1); p.done && a < iova + p.done; a += PG) {
				pte = rig_pte_at(a);
				off = ((pte & PTE_ADDR) - rig_gpa(RIG_DATA)) / PG;
				d0 = off < d0 ? off : d0;
				d1 = off + 1 > d1 ? off + 1 : d1;
			}
		}
		if (i == len && d0 < d1 &&
		    memcmp(R.mem + (RIG_DATA + d0) * PG, R.shadow + d0 * PG, (d1 - d0) * PG))
			i = 0;
	}
	if (i < len) {
		fz_fail(f, "rig DMA %s: byte %llu of the transfer (out_done %llu) or the guest's "
			"memory is not what the model says", write ? "write" : "read",
			(unsigned long long)i, (unsigned long long)p.done);
		return false;
	}
	rig_apply(&p, att, t0, t1);
	if (rc == EAGAIN) {
		/* Keep what is left, to RETRY later (the oldest goes if full). */
		unsigned int k = rn(f, RIG_MAX_SUSP);

		for (i = 0; i < RIG_MAX_SUSP; i++)
			if (!R.susp[i].used) {
				k = i;
				break;
			}
		R.susp[k] = (struct rsusp){ .used = true, .att = att, .write = write,
					    .iova = iova + p.done, .len = len - p.done,
					    .group = p.out_group, .boff = boff + p.done };
	}
	return true;
}

static void rig_op_dma(struct fz *f)
{
	unsigned int att = rn(f, R.natts), r = rn(f, 100), i;
	uint64_t slot = rn(f, RIG_SLOTS + 2), iova, len;
	bool write = pct(f, 40);

	/* Half of them where the guest's table maps the page. */
	if (pct(f, 50))
		for (i = 0; i < RIG_SLOTS; i++, slot = (slot + 1) % RIG_SLOTS)
			if (R.pte[slot] & PTE_P && (!write || R.pte[slot] & PTE_RW))
				break;

	iova = RIG_GIOVA + slot * PG + (pct(f, 50) ? 0 : rn(f, PG));
	len = r < 50 ? 1 + rn(f, 256) : r < 85 ? 1 + rn(f, 2 * PG) : 1 + rn(f, 4 * PG - 1);
	rig_dma(f, att, write, !pct(f, 10), false, 0, iova, len, rn(f, 2) * 64);
}

static void rig_op_respond(struct fz *f);

/* RETRY a transfer that stopped at a request (or a wrong group now and then). */
static void rig_op_retry(struct fz *f)
{
	unsigned int k = rn(f, RIG_MAX_SUSP), i;
	struct rsusp s;

	for (i = 0; i < RIG_MAX_SUSP && !R.susp[k].used; i++)
		k = (k + 1) % RIG_MAX_SUSP;
	if (!R.susp[k].used && pct(f, 80)) {
		rig_op_respond(f);
		return;
	}
	if (!R.susp[k].used || pct(f, 5)) {
		/* A group of another device or PASID, unknown, or 0. */
		uint32_t g = pct(f, 50) && R.next_group > 1 ? 1 + rn(f, R.next_group - 1) :
			     pct(f, 50) ? 0 : R.next_group + rn(f, 100);

		rig_dma(f, rn(f, R.natts), pct(f, 50), true, true, g,
			RIG_GIOVA + rn(f, RIG_SLOTS) * PG, 1 + rn(f, 256), 0);
		return;
	}
	s = R.susp[k];
	R.susp[k].used = false;
	if (!rig_dma(f, s.att, s.write, !pct(f, 3), true, s.group, s.iova, s.len, s.boff))
		return;
	/* Still pending (EAGAIN kept it again), else done with it. */
}

static bool rig_invalidate(struct fz *f, uint64_t slot);

/* The guest writes a leaf entry; what the IOTLB may hold of the old one goes. */
static bool rig_set_pte(struct fz *f, uint64_t slot, uint64_t val)
{
	uint64_t old = R.pte[slot];

	R.pte[slot] = val;
	__atomic_store_n(rig_leaf_slot(slot), val, __ATOMIC_SEQ_CST);
	return !(old & PTE_P) || rig_invalidate(f, slot);
}

/* The guest maps a page for a request, as a servicer does before SUCCESS. */
static void rig_map_for(struct fz *f, const struct rgroup *g)
{
	uint64_t slot = (g->addr - RIG_GIOVA) >> 12;

	if (slot >= RIG_L1)
		return;
	rig_set_pte(f, slot, rig_leaf(slot < RIG_SLOTS && pct(f, 80) ? slot : rn(f, RIG_NDATA),
				      g->access & IOASID_ACCESS_WRITE || pct(f, 50)));
}

/* INVALIDATE the page of slot @slot at both nodes. */
static bool rig_invalidate(struct fz *f, uint64_t slot)
{
	struct ioasid_inv_entry e[2];
	struct ioasid_invalidate inv = { .size = sizeof(inv), .count = 2,
					 .entry_size = sizeof(e[0]), .entries = (uintptr_t)e };
	unsigned int i;
	int rc;

	for (i = 0; i < 2; i++)
		e[i] = (struct ioasid_inv_entry){ .node_id = R.node[i],
						  .scope = IOASID_INV_SCOPE_ADDR,
						  .addr = RIG_GIOVA + slot * PG, .size = PG,
						  .granule = PG };
	note_call(f, "INVALIDATE (rig)", "ioctl", IOASID_CMD_INVALIDATE);
	rc = rig_ioctl(IOASID_INVALIDATE, &inv);
	count_call(f, IOASID_CMD_INVALIDATE, rc);
	if (rc || inv.out_done != 2) {
		fz_fail(f, "rig INVALIDATE: %s, out_done %u", fz_errname(rc), inv.out_done);
		return false;
	}
	return true;
}

/* The guest changes an entry: present or not, read-only or not, another page. */
static void rig_op_pte(struct fz *f)
{
	uint64_t slot = rn(f, RIG_SLOTS);
	unsigned int r = rn(f, 100);

	rig_set_pte(f, slot, r < 40 ? 0 : rig_leaf(pct(f, 80) ? slot : rn(f, RIG_NDATA), r >= 65));
}

/* Responses ----------------------------------------------------------------- */

struct rresp_ctx {
	unsigned int qi;	/* the queue written to */
};

/* The model's answer to one well-formed response written to queue @arg. */
static int rig_respond(void *arg, const struct ioasid_page_response *r)
{
	const struct rresp_ctx *ctx = arg;
	bool has_pasid = r->flags & IOASID_FAULT_RECORD_PASID;
	struct rgroup *g;

	if (!r->group || r->group >= R.next_group)
		return ENOENT;
	g = &R.groups[r->group];
	if (g->state == G_FORGOTTEN)
		return ESTALE;
	if (g->serial != R.queues[ctx->qi].serial ||
	    R.dev[g->dev] != r->dev_id || g->has_pasid != has_pasid ||
	    (has_pasid && g->pasid != r->pasid))
		return ENOENT;
	if (g->state == G_RESPONDED)
		return EALREADY;
	if (g->state == G_CANCELED)
		return ECANCELED;
	if (g->state == G_TIMED_OUT)
		return ETIMEDOUT;
	rig_answer(r->group, G_RESPONDED, r->code);
	R.responses++;
	return 0;
}

/* A pending group of queue @qi, or 0. */
static uint32_t rig_pick_pending(struct fz *f, unsigned int qi)
{
	uint32_t start = R.next_group > 64 ? R.next_group - 64 : 1, n, i, r, k;

	if (R.next_group <= 1)
		return 0;
	n = R.next_group - start;
	r = rn(f, n);
	for (i = 0; i < n; i++) {
		k = start + (r + i) % n;
		if (R.groups[k].state == G_PENDING &&
		    R.groups[k].serial == R.queues[qi].serial)
			return k;
	}
	return 0;
}

static void rig_fill(struct fz *f, void *arg, struct ioasid_page_response *r)
{
	const struct rresp_ctx *ctx = arg;
	unsigned int k = rn(f, 100);
	uint32_t g = k < 75 ? rig_pick_pending(f, ctx->qi) : 0;
	struct rgroup *gr;

	if (!g && k < 85 && R.next_group > 1)
		g = R.next_group - 1 - rn(f, R.next_group - 1 < 32 ? R.next_group - 1 : 32);
	else if (!g)
		g = pct(f, 30) ? 0 : R.next_group + rn(f, 8);
	r->group = g;
	gr = g && g < R.next_group ? &R.groups[g] : NULL;
	r->dev_id = gr && pct(f, 95) ? R.dev[gr->dev] : R.dev[rn(f, 2)];
	r->flags = gr && pct(f, 95) ? (gr->has_pasid ? IOASID_FAULT_RECORD_PASID : 0) :
		   (pct(f, 50) ? IOASID_FAULT_RECORD_PASID : 0);
	r->pasid = gr && pct(f, 95) ? (gr->has_pasid ? gr->pasid : 0) : rn(f, 4);
	r->flags |= bad_flag(f, 1, 2);
	k = rn(f, 100);
	r->code = k < 55 ? IOASID_PAGE_RESP_SUCCESS : k < 85 ? IOASID_PAGE_RESP_INVALID :
		  k < 97 ? IOASID_PAGE_RESP_FAILURE : 3 + rn(f, 50);
	/* A SUCCESS to a pending request: the guest maps the page first, mostly. */
	if (gr && gr->state == G_PENDING && r->code == IOASID_PAGE_RESP_SUCCESS && pct(f, 85))
		rig_map_for(f, gr);
}

static void rig_op_respond(struct fz *f)
{
	struct rresp_ctx ctx = { .qi = rn(f, 2) };
	uint8_t *p = f->mem.aux + 2 * PG;
	uint64_t len;

	if (R.queues[ctx.qi].q.fd < 0)
		ctx.qi ^= 1;
	if (R.queues[ctx.qi].q.fd < 0)
		return;
	len = pick_responses(f, p, 1 + (pct(f, 30) ? rn(f, 4) : 0), rig_fill, &ctx);
	write_responses(f, R.queues[ctx.qi].q.fd, p, len, 2 * PG, rig_respond, &ctx,
			"write(rig queue)");
}

/*
 * The servicer's round, start to end: a transfer stops at a request (NOWAIT),
 * the record is read, the guest maps the page, SUCCESS is written, the
 * retried transfer completes.
 */
static void rig_op_round(struct fz *f)
{
	unsigned int att = rn(f, R.natts), i;
	uint64_t slot = rn(f, RIG_SLOTS), iova = RIG_GIOVA + slot * PG - 64;
	struct rresp_ctx ctx;
	struct ioasid_page_response r;
	struct rgroup *g;
	struct rqueue *rq;
	bool write = pct(f, 50);

	if (R.atts[att].node != 0 || !(rq = rig_queue_of_node(0)) || rq->q.fd < 0 || !slot)
		return;
	/* The page before is there, this one not. */
	if (R.pte[slot - 1] != rig_leaf(slot - 1, true) &&
	    !rig_set_pte(f, slot - 1, rig_leaf(slot - 1, true)))
		return;
	if (R.pte[slot] && !rig_set_pte(f, slot, 0))
		return;
	drain(f, &rq->q);
	if (fz_stopped(f) || !rig_dma(f, att, write, true, false, 0, iova, 64 + 128, 0))
		return;
	for (i = 0; i < RIG_MAX_SUSP; i++)
		if (R.susp[i].used && R.susp[i].iova == iova + 64 && R.susp[i].att == att &&
		    R.susp[i].group == R.next_group - 1)
			break;
	if (i == RIG_MAX_SUSP)
		return;		/* answered at once (bound, full queue) */
	g = &R.groups[R.susp[i].group];
	drain(f, &rq->q);
	if (fz_stopped(f) || g->state != G_PENDING)
		return;
	rig_map_for(f, g);
	r = (struct ioasid_page_response){ .size = RESP, .dev_id = R.dev[g->dev],
					   .flags = g->has_pasid ? IOASID_FAULT_RECORD_PASID : 0,
					   .pasid = g->has_pasid ? g->pasid : 0,
					   .group = R.susp[i].group,
					   .code = IOASID_PAGE_RESP_SUCCESS };
	ctx.qi = g->queue;
	memcpy(f->mem.aux + 2 * PG, &r, sizeof(r));
	if (!write_responses(f, R.queues[ctx.qi].q.fd, f->mem.aux + 2 * PG, RESP, 2 * PG,
			     rig_respond, &ctx, "write(rig queue) SUCCESS"))
		return;
	R.susp[i].used = false;
	if (rig_dma(f, att, write, pct(f, 50), true, r.group, iova + 64, 128,
		    R.susp[i].boff))
		R.success_rounds++;
}

/* Reads, INFO ------------------------------------------------------------------ */

static void rig_op_read(struct fz *f)
{
	struct rqueue *rq = &R.queues[rn(f, 2)];

	if (rq->q.fd < 0)
		rq = &R.queues[rq == &R.queues[0]];
	if (rq->q.fd >= 0)
		read_some(f, &rq->q);
}

static void rig_op_info(struct fz *f)
{
	unsigned int qi = rn(f, 2);
	struct rqueue *rq = &R.queues[qi];
	struct ioasid_fault_queue_info c = { .size = sizeof(c), .queue_id = rq->q.id };
	int rc;

	if (!rq->live)
		return;
	note_call(f, "FAULT_QUEUE_INFO (rig)", "ioctl", IOASID_CMD_FAULT_QUEUE_INFO);
	rc = rig_ioctl(IOASID_FAULT_QUEUE_INFO, &c);
	count_call(f, IOASID_CMD_FAULT_QUEUE_INFO, rc);
	if (rc || c.out_depth != rq->q.depth || c.out_timeout_ms != rq->q.timeout_ms ||
	    c.out_queued != rq->q.count || c.out_pending != rq->pending ||
	    c.out_nodes != rig_queue_nodes(qi) || c.out_closed != rq->q.closed ||
	    c.out_next_seq != rq->q.next_seq || c.out_overflow != rq->q.overflow ||
	    c.out_timeouts != rq->q.timeouts ||
	    c.out_auto_responses != rq->q.auto_responses ||
	    c.out_next_seq - 1 != rq->q.nread + rq->q.overflow + rq->q.count)
		fz_fail(f, "rig FAULT_QUEUE_INFO of %u: %s depth %u timeout %u queued %u pending %u "
			"nodes %u closed %u next_seq %llu overflow %llu timeouts %llu auto %llu; "
			"the model says depth %u timeout %u queued %u pending %u nodes %u closed %u "
			"next_seq %llu overflow %llu auto %llu (read %llu)", rq->q.id,
			fz_errname(rc), c.out_depth, c.out_timeout_ms, c.out_queued,
			c.out_pending, c.out_nodes, c.out_closed,
			(unsigned long long)c.out_next_seq, (unsigned long long)c.out_overflow,
			(unsigned long long)c.out_timeouts,
			(unsigned long long)c.out_auto_responses, rq->q.depth, rq->q.timeout_ms,
			rq->q.count, rq->pending, rig_queue_nodes(qi), rq->q.closed,
			(unsigned long long)rq->q.next_seq, (unsigned long long)rq->q.overflow,
			(unsigned long long)rq->q.auto_responses,
			(unsigned long long)rq->q.nread);
}

/* Which queue the nodes name, and the queues' lives ------------------------- */

/* A node names the other queue, or none, or its own again. */
static void rig_op_node_queue(struct fz *f)
{
	unsigned int n = rn(f, 2);
	int qi = pct(f, 15) ? -1 : (int)rn(f, 2), rc;

	if (qi >= 0 && !R.queues[qi].live)
		qi = -1;
	note_call(f, "OPTION FAULT_QUEUE (rig)", "ioctl", IOASID_CMD_OPTION);
	rc = rig_set_node_queue(n, qi);
	count_call(f, IOASID_CMD_OPTION, rc);
	if (rc)
		fz_fail(f, "rig OPTION FAULT_QUEUE of node %u: %s", R.node[n], fz_errname(rc));
}

/*
 * Close a queue's fd with requests pending (the module answers them), let
 * the nodes name the other queue, destroy the closed one and make a new one.
 */
static void rig_op_close(struct fz *f)
{
	unsigned int qi = rn(f, 2), n;
	struct rqueue *rq = &R.queues[qi];
	struct ioasid_destroy d = { .size = sizeof(d) };
	int rc;

	if (!rq->live)
		return;
	if (rq->q.fd >= 0 && pct(f, 70)) {
		note_call(f, "close(rig queue)", "close", 27);
		count_call(f, 27, close(rq->q.fd) ? errno : 0);
		rq->q.fd = -1;
		rq->q.closed = true;
		rig_cancel(match_queue, &qi);
		return;
	}
	/* DESTROY: EBUSY while a node names it. */
	d.id = rq->q.id;
	note_call(f, "DESTROY queue (rig)", "ioctl", IOASID_CMD_DESTROY);
	rc = rig_ioctl(IOASID_DESTROY, &d);
	count_call(f, IOASID_CMD_DESTROY, rc);
	if (rc != (rig_queue_nodes(qi) ? EBUSY : 0)) {
		fz_fail(f, "rig DESTROY of queue %u (named by %u nodes): %s", rq->q.id,
			rig_queue_nodes(qi), fz_errname(rc));
		return;
	}
	if (rc) {
		for (n = 0; n < 2; n++)
			if (R.node_queue[n] == (int)qi && rig_set_node_queue(n, R.queues[!qi].live ?
									   (int)!qi : -1)) {
				fz_fail(f, "rig OPTION FAULT_QUEUE");
				return;
			}
		return;
	}
	rq->live = false;
	rq->q.closed = true;
	rig_cancel(match_queue, &qi);
	/* Its fd polls EPOLLHUP and reads what is left, then end of file. */
	if (rq->q.fd >= 0) {
		if (!poll_queue(f, &rq->q, rq->q.fd))
			return;
		drain(f, &rq->q);
		if (!fz_stopped(f))
			read_queue(f, &rq->q, rq->q.fd, 0, REC, "read(destroyed rig queue)");
		close(rq->q.fd);
		rq->q.fd = -1;
	}
	rig_queue_gone(qi);
	rc = rig_queue_new(f, qi);
	if (rc)
		fz_fail(f, "rig FAULT_QUEUE_ALLOC: %s", fz_errname(rc));
}

/* DETACH and ATTACH again, or REPLACE: the attachment's requests are answered. */
static void rig_op_reattach(struct fz *f)
{
	unsigned int a = rn(f, R.natts), node = rn(f, 2);
	struct ratt *t = &R.atts[a];
	struct ioasid_attach c = { .size = sizeof(c), .dev_id = R.dev[t->dev],
				   .pasid = t->pasid,
				   .flags = t->has_pasid ? IOASID_ATTACH_PASID : 0 };
	int rc;

	if (t->node >= 0 && pct(f, 50)) {
		note_call(f, "ATTACH REPLACE (rig)", "ioctl", IOASID_CMD_ATTACH);
		rc = rig_attach(a, node, true);
		count_call(f, IOASID_CMD_ATTACH, rc);
	} else if (t->node >= 0) {
		note_call(f, "DETACH (rig)", "ioctl", IOASID_CMD_DETACH);
		rc = rig_ioctl(IOASID_DETACH, &c);
		count_call(f, IOASID_CMD_DETACH, rc);
		if (!rc)
			t->node = -1;
	} else {
		note_call(f, "ATTACH (rig)", "ioctl", IOASID_CMD_ATTACH);
		rc = rig_attach(a, node, false);
		count_call(f, IOASID_CMD_ATTACH, rc);
		return;
	}
	if (rc) {
		fz_fail(f, "rig %s: %s", f->call.name, fz_errname(rc));
		return;
	}
	rig_cancel(match_att, &a);
}

static bool rig_set_timeout(struct fz *f, unsigned int qi, uint32_t ms)
{
	struct ioasid_option o = { .size = sizeof(o), .option_id = IOASID_OPTION_FAULT_TIMEOUT_MS,
				   .op = IOASID_OPTION_OP_SET, .object_id = R.queues[qi].q.id,
				   .val64 = ms };
	int rc;

	note_call(f, "OPTION FAULT_TIMEOUT_MS (rig)", "ioctl", IOASID_CMD_OPTION);
	rc = rig_ioctl(IOASID_OPTION, &o);
	count_call(f, IOASID_CMD_OPTION, rc);
	if (rc) {
		fz_fail(f, "rig OPTION FAULT_TIMEOUT_MS %u of queue %u: %s", ms, R.queues[qi].q.id,
			fz_errname(rc));
		return false;
	}
	R.queues[qi].q.timeout_ms = ms;
	return true;
}

/*
 * A request nobody answers in time: the queue's timeout set to a few ms
 * for it (and back to none after), then, once the module answered it
 * (INFO's timeouts moved: waited for, up to 20 s), its TIMEOUT record, a
 * RETRY (ETIMEDOUT) and a late response (ETIMEDOUT).
 */
static void rig_op_timeout(struct fz *f)
{
	unsigned int att = rn(f, R.natts), i;
	struct ioasid_fault_queue_info c = { .size = sizeof(c) };
	struct ioasid_page_response resp;
	struct rresp_ctx ctx;
	struct rqueue *rq;
	struct rgroup *g;
	struct m_rec r;
	uint64_t slot = 1 + rn(f, RIG_SLOTS - 1), t_raise, t_end;
	uint32_t group, old;

	if (R.atts[att].node != 0 || !(rq = rig_queue_of_node(0)) || rq->q.closed ||
	    rq->q.count >= rq->q.depth || R.dev_pending[R.atts[att].dev] >=
	    R.dev_max[R.atts[att].dev])
		return;
	ctx.qi = rq - R.queues;
	old = rq->q.timeout_ms;
	if (R.pte[slot] && !rig_set_pte(f, slot, 0))
		return;
	if (!rig_set_timeout(f, ctx.qi, 1 + rn(f, 20)))
		return;
	group = R.next_group;
	t_raise = fz_now_ns();
	if (!rig_dma(f, att, false, true, false, 0, RIG_GIOVA + slot * PG, 64, 0) ||
	    !rig_set_timeout(f, ctx.qi, old))
		return;
	g = &R.groups[group];
	if (R.next_group != group + 1 || g->state != G_PENDING)
		return;
	/* Wait for the module's answer: it is due within a few ms. */
	c.queue_id = rq->q.id;
	for (i = 0; i < 20000; i++) {
		if (rig_ioctl(IOASID_FAULT_QUEUE_INFO, &c)) {
			fz_fail(f, "rig FAULT_QUEUE_INFO: %s", fz_errname(errno));
			return;
		}
		if (c.out_timeouts > rq->q.timeouts)
			break;
		usleep(1000);
	}
	t_end = fz_now_ns();
	note_call(f, "timeout (rig)", "wait", 27);
	if (c.out_timeouts != rq->q.timeouts + 1) {
		fz_fail(f, "rig: a request with a timeout of a few ms not answered after %.1f s "
			"(%llu timeouts, the model had %llu)", (t_end - t_raise) / 1e9,
			(unsigned long long)c.out_timeouts, (unsigned long long)rq->q.timeouts);
		return;
	}
	rig_answer(group, G_TIMED_OUT, IOASID_PAGE_RESP_INVALID);
	memset(&r, 0, sizeof(r));
	/* It repeats the request's members. */
	r.type = IOASID_FAULT_RECORD_TIMEOUT;
	r.flags = IOASID_FAULT_RECORD_GUEST | (g->has_pasid ? IOASID_FAULT_RECORD_PASID : 0);
	r.dev_id = R.dev[g->dev];
	r.pasid = g->has_pasid ? g->pasid : 0;
	r.node_id = R.node[0];
	r.level = 1;
	r.reason = g->reason;
	r.access = g->access;
	r.group = group;
	r.addr = g->addr;
	r.t0 = t_raise;
	r.t1 = t_end;
	model_queue_push(&rq->q, &r);
	/* Its outcome, for a RETRY and a response. */
	for (i = 0; i < RIG_MAX_SUSP; i++)
		if (R.susp[i].used && R.susp[i].group == group) {
			R.susp[i].used = false;
			if (!rig_dma(f, att, false, pct(f, 50), true, group, R.susp[i].iova,
				     R.susp[i].len, R.susp[i].boff))
				return;
		}
	resp = (struct ioasid_page_response){ .size = RESP, .dev_id = R.dev[g->dev],
					      .flags = g->has_pasid ? IOASID_FAULT_RECORD_PASID : 0,
					      .pasid = g->has_pasid ? g->pasid : 0, .group = group,
					      .code = IOASID_PAGE_RESP_SUCCESS };
	memcpy(f->mem.aux + 2 * PG, &resp, sizeof(resp));
	write_responses(f, rq->q.fd, f->mem.aux + 2 * PG, RESP, 2 * PG, rig_respond, &ctx,
			"write(rig queue) late");
}

void op_rig(struct fz *f)
{
	unsigned int r;

	if (!FQ.on || !f->m.has_user)
		return;
	if (R.on && (++R.ops > RIG_OPS || R.next_group > RIG_MAX_GROUPS - 64))
		fz_rig_teardown(f);
	if (!R.on) {
		rig_setup(f);
		R.ops = 0;
		if (!R.on)
			return;
	}
	r = rn(f, 100);
	if (f->trace)
		printf("# rig: op %u\n", r);
	if (r < 24)
		rig_op_dma(f);
	else if (r < 36)
		rig_op_retry(f);
	else if (r < 52)
		rig_op_respond(f);
	else if (r < 62)
		rig_op_round(f);
	else if (r < 78)
		rig_op_read(f);
	else if (r < 83)
		rig_op_info(f);
	else if (r < 91)
		rig_op_pte(f);
	else if (r < 93)
		rig_op_node_queue(f);
	else if (r < 94)
		rig_op_timeout(f);
	else if (r < 97)
		rig_op_close(f);
	else
		rig_op_reattach(f);
}

/* Setup, sweep, summary ------------------------------------------------------------ */

void fz_fault_setup(struct fz *f, bool has_cap)
{
	char buf[32];
	FILE *p;

	FQ.on = has_cap;
	FQ.default_timeout = 10000;
	p = fopen("/sys/module/ioasidfd/parameters/pri_timeout_ms", "r");
	if (p) {
		if (fgets(buf, sizeof(buf), p))
			FQ.default_timeout = strtoul(buf, NULL, 10);
		fclose(p);
	}
	if (FQ.default_timeout > MAX_TIMEOUT)
		FQ.default_timeout = MAX_TIMEOUT;
	if (!FQ.rbuf) {
		FQ.rbuf = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (FQ.rbuf == MAP_FAILED || mprotect(FQ.rbuf + 2 * PG, PG, PROT_NONE))
			fz_abort(f, "mmap of the read buffer");
	}
	if (!has_cap)
		printf("# fault queues: not covered: no IOASID_CAP_FAULT_QUEUE\n");
}

bool fz_fault_on(void)
{
	return FQ.on;
}

/* Every queue's INFO, and no queue the model does not know (ids are lowest-free). */
void fz_fault_sweep(struct fz *f)
{
	struct model *m = &f->m;
	struct ioasid_fault_queue_info c;
	unsigned int i;
	uint32_t id;

	if (!FQ.on)
		return;
	for (i = 0; i < m->nqueues && !fz_stopped(f); i++)
		if (m->queues[i].id)
			op_fq_info_of(f, m->queues[i].id);
	for (id = 1; id <= m->max_id + 4 && !fz_stopped(f); id++) {
		if (model_id_live(m, id))
			continue;
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.queue_id = id;
		if (!ioctl(f->fd, IOASID_FAULT_QUEUE_INFO, &c)) {
			note_call(f, "FAULT_QUEUE_INFO (sweep)", "ioctl",
				  IOASID_CMD_FAULT_QUEUE_INFO);
			fz_fail(f, "queue %u exists, the model has no object %u", id, id);
		}
	}
	if (R.on)
		for (i = 0; i < 2 && !fz_stopped(f); i++)
			rig_op_info(f);
}

void fz_fault_summary(struct fz *f)
{
	int e;
	char line[512];
	size_t off;

	(void)f;
	if (!FQ.on)
		return;
	printf("#   fault queues: %llu allocated, %llu reads (%llu records), %llu writes, "
	       "%llu fault records predicted\n", (unsigned long long)FQ.allocs,
	       (unsigned long long)FQ.reads, (unsigned long long)FQ.records,
	       (unsigned long long)FQ.writes, (unsigned long long)FQ.fault_recs);
	off = snprintf(line, sizeof(line), "#   page requests: %llu rigs, %llu DMAs (%llu "
		       "RETRY, %llu blocking, %llu rounds to SUCCESS, %llu groups answered by "
		       "a response):", (unsigned long long)R.rigs, (unsigned long long)R.dmas,
		       (unsigned long long)R.retries, (unsigned long long)R.blocking,
		       (unsigned long long)R.success_rounds, (unsigned long long)R.responses);
	for (e = 0; e < 128 && off < sizeof(line); e++)
		if (R.outcomes[e])
			off += snprintf(line + off, sizeof(line) - off, " %s %llu",
					e ? fz_errname(e) : "ok",
					(unsigned long long)R.outcomes[e]);
	puts(line);
}
