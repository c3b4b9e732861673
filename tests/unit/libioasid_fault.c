// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side checks of libioasid's fault queue code that is more than an
 * ioctl wrapper: ioasid_fault_read()'s record unpacking, its buffer and its
 * growth for records longer than the library knows; the batching and
 * error reporting of ioasid_page_respond_batch(); ioasid_fault_service()'s
 * dispatch, answers, limits and its never blocking on a drained queue.
 *
 * No module is needed: this binary links the static library, and its own
 * read() and write() play a fault queue on one descriptor (an eventfd that
 * poll() finds readable while records wait), following the contract of
 * <linux/ioasid.h>: whole records, oldest first, as many as fit (EINVAL
 * when not one does), EAGAIN when empty and O_NONBLOCK; responses consumed
 * in order, the bytes consumed returned, or the first one's errno. Every
 * other descriptor goes to the real system calls. Records longer than the
 * library's struct (a newer kernel's) can only be tested here.
 */
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

#include "ioasid_test.h"

#define REC_SIZE	sizeof(struct ioasid_fault_record)
#define RESP_SIZE	sizeof(struct ioasid_page_response)
#define MAX_GROUPS	1024

enum group_state { G_NONE, G_PENDING, G_ANSWERED, G_TIMED_OUT };

/* The fake queue: one per test (each test runs in a child of its own). */
static struct {
	int fd;				/* -1: no fake queue */
	int nonblock;
	unsigned char buf[1 << 20];	/* queued record bytes */
	size_t len;
	uint64_t next_seq;
	unsigned int reads;		/* read() calls on the fd */
	size_t last_read_count;		/* the count of the latest one */
	size_t max_read_count;
	unsigned int writes;
	int blocked;			/* a blocking read of an empty queue */
	enum group_state groups[MAX_GROUPS];
	uint32_t group_dev[MAX_GROUPS];
	struct ioasid_page_response answers[MAX_GROUPS];
	unsigned int num_answers;
} q = { .fd = -1 };

static void update_ready(void)
{
	uint64_t v;

	/* The eventfd is readable exactly while records wait. */
	while (syscall(SYS_read, q.fd, &v, sizeof(v)) == sizeof(v))
		;
	if (q.len) {
		v = 1;
		if (syscall(SYS_write, q.fd, &v, sizeof(v)) != sizeof(v))
			abort();
	}
}

static int fake_open(int nonblock)
{
	memset(&q, 0, sizeof(q));
	q.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q.nonblock = nonblock;
	q.next_seq = 1;
	return q.fd;
}

/* Queue a record of @size bytes (>= 64); bytes past the struct are 0xee. */
static void push(uint32_t size, uint32_t type, uint32_t flags, uint32_t dev,
		 uint32_t pasid, uint32_t group, uint64_t addr)
{
	struct ioasid_fault_record r;

	memset(&r, 0, sizeof(r));
	r.size = size;
	r.type = type;
	r.seq = q.next_seq++;
	r.flags = flags;
	r.dev_id = dev;
	r.pasid = pasid;
	r.node_id = 3;
	r.level = 1;
	r.reason = IOASID_FAULT_NOT_PRESENT;
	r.access = IOASID_ACCESS_READ;
	r.group = group;
	r.addr = addr;
	r.time_ns = 1000 + r.seq;
	if (q.len + size > sizeof(q.buf))
		abort();
	memset(q.buf + q.len, 0xee, size);
	memcpy(q.buf + q.len, &r, size < sizeof(r) ? size : sizeof(r));
	q.len += size;
	if (type == IOASID_FAULT_RECORD_PAGE_REQUEST && group < MAX_GROUPS) {
		q.groups[group] = flags & IOASID_FAULT_RECORD_ANSWERED ?
				  G_ANSWERED : G_PENDING;
		q.group_dev[group] = dev;
	}
	update_ready();
}

static void push_fault(uint32_t size)
{
	push(size, IOASID_FAULT_RECORD_FAULT, 0, 1, 0, 0, 0x1000 * q.next_seq);
}

static uint32_t rec_size_at(size_t off)
{
	uint32_t size;

	memcpy(&size, q.buf + off, sizeof(size));
	return size;
}

static ssize_t fake_read(void *buf, size_t count)
{
	size_t off = 0;

	q.reads++;
	q.last_read_count = count;
	if (count > q.max_read_count)
		q.max_read_count = count;
	if (!q.len) {
		/* A real queue would block here: the library must not get here. */
		errno = q.nonblock ? EAGAIN : EDEADLK;
		q.blocked |= !q.nonblock;
		return -1;
	}
	if (rec_size_at(0) > count) {
		errno = EINVAL;
		return -1;
	}
	while (off < q.len) {
		size_t size = rec_size_at(off);

		if (!size || size > count - off)
			break;
		off += size;
	}
	memcpy(buf, q.buf, off);
	memmove(q.buf, q.buf + off, q.len - off);
	q.len -= off;
	update_ready();
	return off;
}

static int answer_one(const struct ioasid_page_response *r)
{
	if (r->size < RESP_SIZE)
		return EINVAL;
	if (r->flags & ~(uint32_t)IOASID_FAULT_RECORD_PASID ||
	    r->code > IOASID_PAGE_RESP_FAILURE)
		return EOPNOTSUPP;
	if (r->group >= MAX_GROUPS || q.groups[r->group] == G_NONE ||
	    q.group_dev[r->group] != r->dev_id)
		return ENOENT;
	if (q.groups[r->group] == G_ANSWERED)
		return EALREADY;
	if (q.groups[r->group] == G_TIMED_OUT)
		return ETIMEDOUT;
	q.groups[r->group] = G_ANSWERED;
	q.answers[q.num_answers++] = *r;
	return 0;
}

static ssize_t fake_write(const void *buf, size_t count)
{
	struct ioasid_page_response r;
	size_t off = 0;
	int err = 0;

	q.writes++;
	if (count < RESP_SIZE) {
		errno = EINVAL;
		return -1;
	}
	while (count - off >= RESP_SIZE) {
		memcpy(&r, (const char *)buf + off, sizeof(r));
		err = answer_one(&r);
		if (err)
			break;
		off += RESP_SIZE;
	}
	if (!off) {
		errno = err ? err : EINVAL;
		return -1;
	}
	return off;
}

/* The library's read() and write() come here (static linking). */
ssize_t read(int fd, void *buf, size_t count)
{
	if (q.fd >= 0 && fd == q.fd)
		return fake_read(buf, count);
	return syscall(SYS_read, fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (q.fd >= 0 && fd == q.fd)
		return fake_write(buf, count);
	return syscall(SYS_write, fd, buf, count);
}

/* ioasid_fault_read() never takes more records than the caller has room for. */
TEST(read_takes_at_most_max)
{
	struct ioasid_fault_record recs[8];
	unsigned int n = 99, i;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++)
		push_fault(REC_SIZE);
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 2, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(2 * REC_SIZE, q.last_read_count);
	EXPECT_EQ(1, recs[0].seq);
	EXPECT_EQ(2, recs[1].seq);
	EXPECT_EQ(REC_SIZE, recs[1].size);
	EXPECT_EQ(0x2000, recs[1].addr);
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(3, recs[0].seq);
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 8, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(4, recs[0].seq);
	EXPECT_EQ(5, recs[1].seq);
	EXPECT_EQ(IOASID_FAULT_NOT_PRESENT, recs[1].reason);
	/* Empty and O_NONBLOCK. */
	n = 99;
	EXPECT_LIBERR(EAGAIN, ioasid_fault_read(fd, recs, 8, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(4, q.reads);
	close(fd);
}

/*
 * Records of a newer kernel, longer than this library's struct: each
 * element gets the part it knows, its size says so, and no more records
 * are read than fit: a buffer of @max records as first shipped.
 */
TEST(longer_records_are_cut_to_the_struct)
{
	struct ioasid_fault_record recs[4];
	unsigned int n, i;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	push(96, IOASID_FAULT_RECORD_PAGE_REQUEST, IOASID_FAULT_RECORD_PASID,
	     7, 5, 11, 0x5000);
	push(96, IOASID_FAULT_RECORD_FAULT, 0, 7, 0, 0, 0x6000);
	push(96, IOASID_FAULT_RECORD_TIMEOUT, 0, 7, 0, 11, 0x5000);
	memset(recs, 0x5a, sizeof(recs));
	/* 4 records' worth of bytes hold 2 of these (192 of 256). */
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 4, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(REC_SIZE, recs[i].size);
		EXPECT_EQ(i + 1, recs[i].seq);
		EXPECT_EQ(7, recs[i].dev_id);
		EXPECT_EQ(1001 + i, recs[i].time_ns);
	}
	EXPECT_EQ(IOASID_FAULT_RECORD_PAGE_REQUEST, recs[0].type);
	EXPECT_EQ(5, recs[0].pasid);
	EXPECT_EQ(11, recs[0].group);
	EXPECT_EQ(0x5000, recs[0].addr);
	EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, recs[1].type);
	EXPECT_EQ(0x6000, recs[1].addr);
	/* (Elements past the last are unspecified: the kernel read into them.) */
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 4, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(3, recs[0].seq);
	EXPECT_EQ(IOASID_FAULT_RECORD_TIMEOUT, recs[0].type);
	close(fd);
}

/* A record longer than the caller's whole array: the buffer doubles, once per EINVAL. */
TEST(record_longer_than_the_buffer)
{
	struct ioasid_fault_record rec, recs[2];
	unsigned int n;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	push(200, IOASID_FAULT_RECORD_FAULT, 0, 2, 0, 0, 0x7000);
	push(200, IOASID_FAULT_RECORD_FAULT, 0, 2, 0, 0, 0x8000);
	push(200, IOASID_FAULT_RECORD_FAULT, 0, 2, 0, 0, 0x9000);
	/* 64 (EINVAL), 128 (EINVAL), 256: one record. */
	EXPECT_EQ(0, ioasid_fault_read(fd, &rec, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(3, q.reads);
	EXPECT_EQ(256, q.last_read_count);
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(0x7000, rec.addr);
	EXPECT_EQ(REC_SIZE, rec.size);
	/* 128 (EINVAL), 256: still one, though there was room for two asked. */
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 2, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(2, recs[0].seq);
	EXPECT_EQ(0, ioasid_fault_read(fd, recs, 2, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(3, recs[0].seq);
	EXPECT_LIBERR(EAGAIN, ioasid_fault_read(fd, recs, 2, &n));
	close(fd);
}

/* Bytes that are not fault records (too short a size): -EIO. */
TEST(malformed_records)
{
	struct ioasid_fault_record recs[4];
	unsigned int n = 9;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	push(REC_SIZE, IOASID_FAULT_RECORD_FAULT, 0, 1, 0, 0, 0);
	/* Size 32: shorter than any record; the next "record" has size 0. */
	memset(q.buf, 0, REC_SIZE);
	q.buf[0] = 32;
	EXPECT_LIBERR(EIO, ioasid_fault_read(fd, recs, 4, &n));
	EXPECT_EQ(0, n);
	/* A plain file is no queue either: its bytes are not records. */
	close(fd);
	q.fd = -1;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_LIBERR(EIO, ioasid_fault_read(fd, recs, 4, &n));
	close(fd);
}

/*
 * A batch is written in order; the first failure stops it with its errno
 * and out_done counts the responses consumed before it. The library sets
 * every response's size.
 */
TEST(respond_batch_stops_at_the_first_failure)
{
	struct ioasid_page_response resps[70];
	unsigned int done = 99, i;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	for (i = 1; i <= 80; i++)
		push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, 0, 4, 0, i, 0);
	memset(resps, 0, sizeof(resps));
	for (i = 0; i < 5; i++) {
		resps[i].dev_id = 4;
		resps[i].group = i + 1;
		resps[i].code = IOASID_PAGE_RESP_SUCCESS;
	}
	resps[2].group = 500;	/* never raised */
	EXPECT_LIBERR(ENOENT, ioasid_page_respond_batch(fd, resps, 5, &done));
	EXPECT_EQ(2, done);
	EXPECT_EQ(2, q.writes);	/* 5 offered, 2 taken; then the failing one */
	ASSERT_EQ(2, q.num_answers);
	EXPECT_EQ(RESP_SIZE, q.answers[0].size);
	EXPECT_EQ(2, q.answers[1].group);
	/* A duplicate is refused as such. */
	EXPECT_LIBERR(EALREADY, ioasid_page_respond_batch(fd, resps, 1, &done));
	EXPECT_EQ(0, done);

	/* More than one write()'s worth (64), all consumed. */
	for (i = 0; i < 70; i++) {
		resps[i].size = 0;
		resps[i].dev_id = 4;
		resps[i].group = i + 10;
		resps[i].code = IOASID_PAGE_RESP_INVALID;
	}
	q.writes = 0;
	EXPECT_EQ(0, ioasid_page_respond_batch(fd, resps, 70, &done));
	EXPECT_EQ(70, done);
	EXPECT_EQ(2, q.writes);
	EXPECT_EQ(72, q.num_answers);
	EXPECT_EQ(79, q.answers[71].group);
	EXPECT_EQ(0, resps[0].size);	/* the caller's array is not written */
	close(fd);
}

/* A response made from a record names its device, PASID (only with the flag) and group. */
TEST(respond_from_a_record)
{
	struct ioasid_fault_record recs[2];
	unsigned int n;
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, IOASID_FAULT_RECORD_PASID |
	     IOASID_FAULT_RECORD_GUEST, 6, 9, 21, 0x1000);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, IOASID_FAULT_RECORD_GUEST,
	     6, 0, 22, 0x2000);
	ASSERT_EQ(0, ioasid_fault_read(fd, recs, 2, &n));
	ASSERT_EQ(2, n);
	recs[1].pasid = 1234;	/* not a PASID request: not sent */
	EXPECT_EQ(0, ioasid_page_respond(fd, &recs[0], IOASID_PAGE_RESP_FAILURE));
	EXPECT_EQ(0, ioasid_page_respond(fd, &recs[1], IOASID_PAGE_RESP_SUCCESS));
	ASSERT_EQ(2, q.num_answers);
	EXPECT_EQ(IOASID_FAULT_RECORD_PASID, q.answers[0].flags);
	EXPECT_EQ(9, q.answers[0].pasid);
	EXPECT_EQ(6, q.answers[0].dev_id);
	EXPECT_EQ(21, q.answers[0].group);
	EXPECT_EQ(IOASID_PAGE_RESP_FAILURE, q.answers[0].code);
	EXPECT_EQ(0, q.answers[1].flags);
	EXPECT_EQ(0, q.answers[1].pasid);
	EXPECT_EQ(22, q.answers[1].group);
	EXPECT_LIBERR(EALREADY, ioasid_page_respond(fd, &recs[1], IOASID_PAGE_RESP_SUCCESS));
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_page_respond(fd, &recs[1], 3));
	close(fd);
}

struct seen {
	unsigned int calls;
	uint32_t types[512];
	uint64_t seqs[512];
	int code;		/* what the handler answers page requests with */
	uint32_t defer_group;	/* answer nothing (-1) for this group */
};

static int handler(const struct ioasid_fault_record *rec, void *arg)
{
	struct seen *s = arg;

	if (s->calls < 512) {
		s->types[s->calls] = rec->type;
		s->seqs[s->calls] = rec->seq;
	}
	s->calls++;
	if (rec->type != IOASID_FAULT_RECORD_PAGE_REQUEST)
		return 77;	/* ignored for other records */
	return rec->group == s->defer_group ? -1 : s->code;
}

/*
 * Every record reaches the handler, in order; only page requests that wait
 * for an answer are answered, with the handler's code; a negative code
 * answers nothing; a group answered meanwhile by the module (its timeout)
 * is no error.
 */
TEST(service_dispatches_and_answers)
{
	struct seen s = { .code = IOASID_PAGE_RESP_SUCCESS, .defer_group = 33 };
	int fd = fake_open(0);	/* blocking: the loop must not block */

	ASSERT_LE(0, fd);
	push_fault(REC_SIZE);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, 0, 5, 0, 31, 0x31000);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, IOASID_FAULT_RECORD_ANSWERED,
	     5, 0, 32, 0x32000);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, 0, 5, 0, 33, 0x33000);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, IOASID_FAULT_RECORD_PASID,
	     5, 2, 34, 0x34000);
	push(REC_SIZE, IOASID_FAULT_RECORD_TIMEOUT, 0, 5, 0, 30, 0x30000);
	q.groups[34] = G_TIMED_OUT;	/* the module answered it meanwhile */

	EXPECT_EQ(6, ioasid_fault_service(fd, handler, &s, 1000));
	EXPECT_EQ(6, s.calls);
	EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, s.types[0]);
	EXPECT_EQ(IOASID_FAULT_RECORD_TIMEOUT, s.types[5]);
	EXPECT_EQ(6, s.seqs[5]);
	ASSERT_EQ(1, q.num_answers);
	EXPECT_EQ(31, q.answers[0].group);
	EXPECT_EQ(IOASID_PAGE_RESP_SUCCESS, q.answers[0].code);
	EXPECT_EQ(G_PENDING, q.groups[33]);	/* deferred: still the caller's */
	EXPECT_EQ(0, q.blocked);
	EXPECT_EQ(1, q.reads);
	close(fd);
}

/*
 * A code the kernel refuses (EOPNOTSUPP) is replaced by INVALID, so no
 * device waits for the timeout, the other records are still handled and
 * the error is returned.
 */
TEST(service_answers_invalid_for_a_refused_code)
{
	struct seen s = { .code = 9 };
	int fd = fake_open(1);

	ASSERT_LE(0, fd);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, 0, 5, 0, 40, 0x40000);
	push(REC_SIZE, IOASID_FAULT_RECORD_PAGE_REQUEST, 0, 5, 0, 41, 0x41000);
	EXPECT_LIBERR(EOPNOTSUPP, ioasid_fault_service(fd, handler, &s, 0));
	EXPECT_EQ(2, s.calls);
	ASSERT_EQ(2, q.num_answers);
	EXPECT_EQ(40, q.answers[0].group);
	EXPECT_EQ(IOASID_PAGE_RESP_INVALID, q.answers[0].code);
	EXPECT_EQ(41, q.answers[1].group);
	EXPECT_EQ(IOASID_PAGE_RESP_INVALID, q.answers[1].code);
	close(fd);
}

/* Nothing within the timeout: 0, after waiting it. */
TEST(service_times_out)
{
	struct seen s = { 0 };
	struct timespec t0, t1;
	long ms;
	int fd = fake_open(0);

	ASSERT_LE(0, fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(0, ioasid_fault_service(fd, handler, &s, 100));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_LE(90, ms);
	EXPECT_EQ(0, s.calls);
	EXPECT_EQ(0, q.reads);
	EXPECT_EQ(0, ioasid_fault_service(fd, handler, &s, 0));
	close(fd);
	q.fd = -1;
	EXPECT_LIBERR(EBADF, ioasid_fault_service(-1, handler, &s, 0));
}

/* A queue that hangs up with nothing left to read (destroyed): -EPIPE, at once. */
TEST(service_after_hangup)
{
	struct seen s = { 0 };
	int p[2];

	ASSERT_EQ(0, pipe(p));
	close(p[1]);	/* the read end now polls POLLHUP, without POLLIN */
	EXPECT_LIBERR(EPIPE, ioasid_fault_service(p[0], handler, &s, -1));
	EXPECT_EQ(0, s.calls);
	close(p[0]);
}

/*
 * One call handles at most 256 records, in reads of 32, and drains a
 * blocking queue without ever blocking on it once it is empty.
 */
TEST(service_handles_at_most_256)
{
	struct seen s = { 0 };
	unsigned int i;
	int fd = fake_open(0);

	ASSERT_LE(0, fd);
	for (i = 0; i < 300; i++)
		push_fault(REC_SIZE);
	EXPECT_EQ(256, ioasid_fault_service(fd, handler, &s, -1));
	EXPECT_EQ(256, s.calls);
	EXPECT_EQ(8, q.reads);
	EXPECT_EQ(32 * REC_SIZE, q.max_read_count);
	EXPECT_EQ(44, ioasid_fault_service(fd, handler, &s, -1));
	EXPECT_EQ(300, s.calls);
	for (i = 0; i < 300; i++)
		if (s.seqs[i] != i + 1)
			break;
	EXPECT_EQ(300, i);
	EXPECT_EQ(0, q.blocked);
	/* Exactly one batch: the next look finds nothing and does not read. */
	for (i = 0; i < 32; i++)
		push_fault(REC_SIZE);
	q.reads = 0;
	EXPECT_EQ(32, ioasid_fault_service(fd, handler, &s, 0));
	EXPECT_EQ(1, q.reads);
	EXPECT_EQ(0, q.blocked);
	close(fd);
}

TEST_HARNESS_MAIN
