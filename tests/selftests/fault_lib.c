// SPDX-License-Identifier: GPL-2.0
/*
 * libioasid's fault queue functions that are more than ioctl wrappers,
 * against the module (issue 11): ioasid_fault_read() taking no more
 * records than asked for, ioasid_fault_service() answering page requests
 * through its callback while another thread's DMA waits for them, and
 * IOASID_DMA_NOWAIT / IOASID_DMA_RETRY through ioasid_dma_cmd(); plus the
 * option and info functions round-tripping what they set.
 *
 * The setting: guest memory at GPA 1 GiB of a kernel-managed root, a
 * user-managed x86-64 node whose 4-level guest table lives in it and
 * whose faults go to a fault queue, and a software endpoint created with
 * page-request support attached to the node. The leaf table starts empty:
 * every DMA at VA misses there, and the tests map pages by writing leaf
 * entries (a not-present entry is never cached: no INVALIDATE needed).
 * Each test runs with a blocking and with an O_NONBLOCK queue fd.
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "ioasid_test.h"

#define PAGE		4096ULL
#define GPA		0x40000000ULL
#define GMEM		(1ULL << 20)
#define TBL(level)	(GPA + (4 - (level)) * PAGE)	/* L4 first */
#define DATA(n)		(GPA + 0x10000 + (n) * PAGE)	/* data pages */
#define VA		0x00007f8012345000ULL
#define PTE_DEF		0x7ULL				/* P, RW, US */
/* The queue's timeout: long enough never to fire while a test runs. */
#define TIMEOUT_MS	60000

FIXTURE(flib)
{
	struct ioasid_handle *h;
	uint8_t *mem;
	uint32_t root, node, queue, dev;
	int qfd;
};

FIXTURE_VARIANT(flib)
{
	uint32_t qflags;
};

FIXTURE_VARIANT_ADD(flib, blocking)
{
	.qflags = IOASID_FAULT_QUEUE_CLOEXEC,
};

FIXTURE_VARIANT_ADD(flib, nonblock)
{
	.qflags = IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_NONBLOCK,
};

static uint8_t *gptr(FIXTURE_DATA(flib) *self, uint64_t gpa)
{
	return self->mem + (gpa - GPA);
}

/* The guest's entry for @va at @level (1: the leaf). */
static uint64_t *pte(FIXTURE_DATA(flib) *self, uint64_t va, int level)
{
	unsigned int index = (va >> (12 + 9 * (level - 1))) & 511;

	return (uint64_t *)gptr(self, TBL(level)) + index;
}

/* The guest maps @va to data page @n (the walker may set A/D meanwhile). */
static void guest_map(FIXTURE_DATA(flib) *self, uint64_t va, unsigned int n)
{
	__atomic_store_n(pte(self, va, 1), DATA(n) | PTE_DEF, __ATOMIC_SEQ_CST);
}

static uint8_t pat(unsigned int n, unsigned int off)
{
	return (uint8_t)(n * 37 + off * 7 + (off >> 8));
}

FIXTURE_SETUP(flib)
{
	struct ioasid_info info;
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	uint64_t gpa = GPA;
	unsigned int i;
	uint32_t q;

	self->qfd = -1;
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	if (!(info.out_capabilities & IOASID_CAP_FAULT_QUEUE))
		SKIP(return, "the module has no fault queues (IOASID_CAP_FAULT_QUEUE)");
	ASSERT_TRUE(info.out_capabilities & IOASID_CAP_USER_MANAGED);

	self->mem = mmap(NULL, GMEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0, GMEM);
	for (i = 0; i < 8; i++)
		for (unsigned int off = 0; off < PAGE; off++)
			gptr(self, DATA(i))[off] = pat(i, off);
	/* L4 -> L3 -> L2 -> the leaf table, which maps nothing yet. */
	for (int level = 4; level > 1; level--)
		*pte(self, VA, level) = TBL(level - 1) | PTE_DEF;

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->mem, GMEM,
				&gpa, IOASID_MAP_READ | IOASID_MAP_WRITE |
				IOASID_MAP_FIXED_IOVA));
	ASSERT_EQ(0, ioasid_fault_queue_alloc(self->h, variant->qflags |
					      IOASID_FAULT_QUEUE_TIMEOUT, 64,
					      TIMEOUT_MS, &self->queue, &self->qfd));
	ASSERT_LE(0, self->qfd);
	ASSERT_NE(0, self->queue);
	ASSERT_EQ(0, ioasid_node_alloc_user(self->h, self->root, &fmt, sizeof(fmt),
					    &self->node));
	/* Routed after ALLOC, by the option. */
	ASSERT_EQ(0, ioasid_set_fault_queue(self->h, self->node, self->queue));
	q = 0;
	ASSERT_EQ(0, ioasid_get_fault_queue(self->h, self->node, &q));
	ASSERT_EQ(self->queue, q);
	ASSERT_EQ(0, ioasid_bind(self->h, self->node, TBL(4), 0));
	ASSERT_EQ(0, ioasid_device_create_pri(self->h, 0, 0, 0, &self->dev));
	ASSERT_EQ(0, ioasid_attach(self->h, self->dev, self->node, 0, 0));
}

FIXTURE_TEARDOWN(flib)
{
	if (self->qfd >= 0)
		close(self->qfd);
	ioasid_close(self->h);	/* the context takes everything with it */
	if (self->mem && self->mem != MAP_FAILED)
		munmap(self->mem, GMEM);
}

static void queue_info(struct __test_metadata *_metadata,
		       FIXTURE_DATA(flib) *self,
		       struct ioasid_fault_queue_info *qi)
{
	ASSERT_EQ(0, ioasid_fault_queue_info(self->h, self->queue, qi));
}

/*
 * Five unrecoverable faults queued (a device without page requests, DMA
 * to five pages the guest does not map): reads of 1, 2 and 8 records take
 * 1, 2 and the 2 left, in order, and the queue keeps what was not asked
 * for. Each record describes its DMA.
 */
TEST_F(flib, read_takes_at_most_max)
{
	struct ioasid_fault_record recs[8];
	struct ioasid_fault_queue_info qi;
	unsigned int n, i;
	uint64_t done;
	uint32_t plain;
	uint8_t buf[16];

	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &plain));
	ASSERT_EQ(0, ioasid_attach(self->h, plain, self->node, 0, 0));
	for (i = 0; i < 5; i++) {
		EXPECT_LIBERR(EIO, ioasid_dma(self->h, plain, 0, 0, VA + i * PAGE + 8,
					      buf, sizeof(buf), &done));
		EXPECT_EQ(0, done);
	}
	queue_info(_metadata, self, &qi);
	ASSERT_EQ(5, qi.out_queued);
	EXPECT_EQ(6, qi.out_next_seq);
	EXPECT_EQ(0, qi.out_overflow);

	EXPECT_LIBERR(EINVAL, ioasid_fault_read(self->qfd, recs, 0, &n));
	ASSERT_EQ(0, ioasid_fault_read(self->qfd, recs, 1, &n));
	ASSERT_EQ(1, n);
	queue_info(_metadata, self, &qi);
	EXPECT_EQ(4, qi.out_queued);
	ASSERT_EQ(0, ioasid_fault_read(self->qfd, &recs[1], 2, &n));
	ASSERT_EQ(2, n);
	queue_info(_metadata, self, &qi);
	EXPECT_EQ(2, qi.out_queued);
	ASSERT_EQ(0, ioasid_fault_read(self->qfd, &recs[3], 5, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(sizeof(recs[i]), recs[i].size);
		EXPECT_EQ(IOASID_FAULT_RECORD_FAULT, recs[i].type);
		EXPECT_EQ(i + 1, recs[i].seq);
		EXPECT_EQ(IOASID_FAULT_RECORD_GUEST, recs[i].flags);
		EXPECT_EQ(plain, recs[i].dev_id);
		EXPECT_EQ(self->node, recs[i].node_id);
		EXPECT_EQ(1, recs[i].level);
		EXPECT_EQ(IOASID_FAULT_NOT_PRESENT, recs[i].reason);
		EXPECT_EQ(IOASID_ACCESS_READ, recs[i].access);
		EXPECT_EQ(0, recs[i].group);
		EXPECT_EQ(VA + i * PAGE + 8, recs[i].addr);
		if (i)
			EXPECT_LE(recs[i - 1].time_ns, recs[i].time_ns);
	}
	queue_info(_metadata, self, &qi);
	EXPECT_EQ(0, qi.out_queued);
	if (variant->qflags & IOASID_FAULT_QUEUE_NONBLOCK) {
		n = 7;
		EXPECT_LIBERR(EAGAIN, ioasid_fault_read(self->qfd, recs, 8, &n));
		EXPECT_EQ(0, n);
	}
	EXPECT_EQ(0, ioasid_detach(self->h, plain, 0, 0));
}

/* A DMA of another thread, and what came of it. */
struct dma_job {
	struct ioasid_handle *h;
	uint32_t dev;
	uint64_t iova;
	uint8_t *buf;
	uint64_t length;
	uint64_t done;
	int ret;
	int finished;
};

static void *dma_thread(void *arg)
{
	struct dma_job *job = arg;

	job->ret = ioasid_dma(job->h, job->dev, 0, 0, job->iova, job->buf,
			      job->length, &job->done);
	__atomic_store_n(&job->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* What the service callback saw, and what it answers. */
struct service_ctx {
	FIXTURE_DATA(flib) *self;
	struct ioasid_fault_record recs[8];
	unsigned int calls;
	int code;
};

/* The VMM's handler: map the page asked for (unless it answers otherwise). */
static int on_record(const struct ioasid_fault_record *rec, void *arg)
{
	struct service_ctx *ctx = arg;

	if (ctx->calls < 8)
		ctx->recs[ctx->calls] = *rec;
	ctx->calls++;
	if (rec->type != IOASID_FAULT_RECORD_PAGE_REQUEST)
		return -1;
	if (ctx->code == IOASID_PAGE_RESP_SUCCESS)
		guest_map(ctx->self, rec->addr, (rec->addr - VA) / PAGE);
	return ctx->code;
}

/* Service the queue until @job ends (or 30 s pass); records handled. */
static int service_until_done(struct __test_metadata *_metadata,
			      FIXTURE_DATA(flib) *self, struct dma_job *job,
			      struct service_ctx *ctx)
{
	struct timespec t0, t;
	int handled = 0, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!__atomic_load_n(&job->finished, __ATOMIC_SEQ_CST)) {
		ret = ioasid_fault_service(self->qfd, on_record, ctx, 200);
		EXPECT_LE(0, ret) TH_LOG("ioasid_fault_service: %s", strerror(-ret));
		if (ret < 0)
			break;
		handled += ret;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 30) {
			TH_LOG("the DMA did not end within 30 s");
			break;
		}
	}
	return handled;
}

/*
 * Another thread's DMA reads 4 KiB across two pages the guest has not
 * mapped: it raises a page request for the first, waits, and after the
 * handler mapped it and the loop answered SUCCESS, one for the second.
 * The DMA then completes with the guest's data.
 */
TEST_F(flib, service_answers_page_requests)
{
	struct service_ctx ctx = { .self = self, .code = IOASID_PAGE_RESP_SUCCESS };
	struct ioasid_fault_queue_info qi;
	struct dma_job job = {
		.h = self->h, .dev = self->dev, .iova = VA + 0x800, .length = PAGE,
	};
	pthread_t thread;
	unsigned int i;

	job.buf = calloc(1, PAGE);
	ASSERT_NE(NULL, job.buf);
	ASSERT_EQ(0, pthread_create(&thread, NULL, dma_thread, &job));
	EXPECT_EQ(2, service_until_done(_metadata, self, &job, &ctx));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, job.ret) TH_LOG("DMA: %s", strerror(-job.ret));
	EXPECT_EQ(PAGE, job.done);
	ASSERT_EQ(2, ctx.calls);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(IOASID_FAULT_RECORD_PAGE_REQUEST, ctx.recs[i].type);
		EXPECT_EQ(IOASID_FAULT_RECORD_GUEST, ctx.recs[i].flags);
		EXPECT_EQ(self->dev, ctx.recs[i].dev_id);
		EXPECT_EQ(self->node, ctx.recs[i].node_id);
		EXPECT_EQ(IOASID_FAULT_NOT_PRESENT, ctx.recs[i].reason);
		EXPECT_EQ(IOASID_ACCESS_READ, ctx.recs[i].access);
		EXPECT_EQ(VA + i * PAGE, ctx.recs[i].addr);
		EXPECT_NE(0, ctx.recs[i].group);
	}
	EXPECT_NE(ctx.recs[0].group, ctx.recs[1].group);
	for (i = 0; i < PAGE; i++) {
		unsigned int off = (0x800 + i) % PAGE, n = (0x800 + i) / PAGE;

		if (job.buf[i] != pat(n, off))
			break;
	}
	EXPECT_EQ(PAGE, i) TH_LOG("first wrong byte at %u", i);
	queue_info(_metadata, self, &qi);
	EXPECT_EQ(0, qi.out_pending);
	EXPECT_EQ(0, qi.out_auto_responses);
	free(job.buf);
}

/* The handler answers INVALID: the waiting DMA ends with EIO, out_done exact. */
TEST_F(flib, service_answers_invalid)
{
	struct service_ctx ctx = { .self = self, .code = IOASID_PAGE_RESP_INVALID };
	struct dma_job job = {
		.h = self->h, .dev = self->dev, .iova = VA + 0x800, .length = PAGE,
	};
	pthread_t thread;

	guest_map(self, VA, 0);		/* the first page is there */
	job.buf = calloc(1, PAGE);
	ASSERT_NE(NULL, job.buf);
	ASSERT_EQ(0, pthread_create(&thread, NULL, dma_thread, &job));
	EXPECT_EQ(1, service_until_done(_metadata, self, &job, &ctx));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_LIBERR(EIO, job.ret);
	EXPECT_EQ(PAGE - 0x800, job.done);
	ASSERT_EQ(1, ctx.calls);
	EXPECT_EQ(VA + PAGE, ctx.recs[0].addr);
	EXPECT_EQ(0, memcmp(job.buf, gptr(self, DATA(0)) + 0x800, PAGE - 0x800));
	free(job.buf);
}

/*
 * NOWAIT: the DMA stops at the page request with EAGAIN, out_done where it
 * stopped and the group; a RETRY before the answer is EAGAIN again; after
 * the page is mapped and answered SUCCESS, the RETRY of what was left
 * completes.
 */
TEST_F(flib, nowait_and_retry)
{
	struct ioasid_fault_record rec;
	struct ioasid_dma cmd;
	uint8_t *buf = calloc(1, PAGE);
	unsigned int n, i;
	uint32_t group;

	ASSERT_NE(NULL, buf);
	guest_map(self, VA, 0);
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = 1;	/* the library's to set */
	cmd.flags = IOASID_DMA_NOWAIT;
	cmd.dev_id = self->dev;
	cmd.iova = VA + 0x800;
	cmd.length = PAGE;
	cmd.buffer = (uintptr_t)buf;
	EXPECT_LIBERR(EAGAIN, ioasid_dma_cmd(self->h, &cmd));
	EXPECT_EQ(sizeof(cmd), cmd.size);
	EXPECT_EQ(PAGE - 0x800, cmd.out_done);
	group = cmd.out_group;
	ASSERT_NE(0, group);

	ASSERT_EQ(0, ioasid_fault_read(self->qfd, &rec, 1, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(IOASID_FAULT_RECORD_PAGE_REQUEST, rec.type);
	EXPECT_EQ(group, rec.group);
	EXPECT_EQ(VA + PAGE, rec.addr);
	EXPECT_EQ(self->dev, rec.dev_id);

	/* What is left, retried before the answer: still pending. */
	cmd.flags = IOASID_DMA_RETRY | IOASID_DMA_NOWAIT;
	cmd.group = group;
	cmd.iova += cmd.out_done;
	cmd.buffer += cmd.out_done;
	cmd.length -= cmd.out_done;
	EXPECT_LIBERR(EAGAIN, ioasid_dma_cmd(self->h, &cmd));
	EXPECT_EQ(0, cmd.out_done);
	EXPECT_EQ(group, cmd.out_group);

	guest_map(self, VA + PAGE, 1);
	ASSERT_EQ(0, ioasid_page_respond(self->qfd, &rec, IOASID_PAGE_RESP_SUCCESS));
	EXPECT_LIBERR(EALREADY, ioasid_page_respond(self->qfd, &rec,
						    IOASID_PAGE_RESP_SUCCESS));
	cmd.flags = IOASID_DMA_RETRY;
	EXPECT_EQ(0, ioasid_dma_cmd(self->h, &cmd));
	EXPECT_EQ(0x800, cmd.out_done);
	EXPECT_EQ(0, cmd.out_group);
	for (i = 0; i < PAGE; i++) {
		unsigned int off = (0x800 + i) % PAGE, pg = (0x800 + i) / PAGE;

		if (buf[i] != pat(pg, off))
			break;
	}
	EXPECT_EQ(PAGE, i) TH_LOG("first wrong byte at %u", i);

	/* A group that is not (or no longer) one to retry. */
	cmd.flags = IOASID_DMA_RETRY;
	cmd.group = group + 1000;
	EXPECT_LIBERR(ESTALE, ioasid_dma_cmd(self->h, &cmd));
	free(buf);
}

/*
 * A destroyed queue's descriptor still delivers what it holds, then says
 * so: ioasid_fault_service() returns -EPIPE at once instead of waiting,
 * and ioasid_fault_read() reads end of file, even on a blocking fd.
 */
TEST_F(flib, destroyed_queue_ends_service)
{
	struct service_ctx ctx = { .self = self, .code = IOASID_PAGE_RESP_INVALID };
	struct ioasid_fault_record recs[4];
	struct timespec t0, t1;
	unsigned int n = 9;
	uint32_t plain;
	uint64_t done;
	uint8_t buf[8];

	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &plain));
	ASSERT_EQ(0, ioasid_attach(self->h, plain, self->node, 0, 0));
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, plain, 0, 0, VA, buf, sizeof(buf), &done));
	EXPECT_LIBERR(EIO, ioasid_dma(self->h, plain, 0, 0, VA + PAGE, buf, sizeof(buf),
				      &done));
	EXPECT_EQ(0, ioasid_set_fault_queue(self->h, self->node, 0));
	ASSERT_EQ(0, ioasid_fault_queue_destroy(self->h, self->queue));

	EXPECT_EQ(2, ioasid_fault_service(self->qfd, on_record, &ctx, 5000));
	ASSERT_EQ(2, ctx.calls);
	EXPECT_EQ(VA + PAGE, ctx.recs[1].addr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_LIBERR(EPIPE, ioasid_fault_service(self->qfd, on_record, &ctx, 20000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_GT(10, t1.tv_sec - t0.tv_sec);	/* at once, not after 20 s */
	EXPECT_EQ(2, ctx.calls);
	EXPECT_EQ(0, ioasid_fault_read(self->qfd, recs, 4, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, ioasid_detach(self->h, plain, 0, 0));
}

/* The option functions set what the get functions and FAULT_QUEUE_INFO read. */
TEST_F(flib, options_round_trip)
{
	struct ioasid_fault_queue_info qi;
	uint32_t v = 0, id2;
	int fd2;

	queue_info(_metadata, self, &qi);
	EXPECT_EQ(64, qi.out_depth);
	EXPECT_EQ(TIMEOUT_MS, qi.out_timeout_ms);
	EXPECT_EQ(1, qi.out_nodes);
	EXPECT_EQ(0, qi.out_closed);
	EXPECT_EQ(1, qi.out_next_seq);

	EXPECT_EQ(0, ioasid_set_fault_timeout(self->h, self->queue, 1234));
	EXPECT_EQ(0, ioasid_get_fault_timeout(self->h, self->queue, &v));
	EXPECT_EQ(1234, v);
	queue_info(_metadata, self, &qi);
	EXPECT_EQ(1234, qi.out_timeout_ms);
	EXPECT_LIBERR(EINVAL, ioasid_set_fault_timeout(self->h, self->queue, 3600001));

	/* Without IOASID_FAULT_QUEUE_TIMEOUT the timeout argument is not passed. */
	ASSERT_EQ(0, ioasid_fault_queue_alloc(self->h, IOASID_FAULT_QUEUE_CLOEXEC, 0,
					      1234, &id2, &fd2));
	EXPECT_EQ(0, ioasid_get_fault_timeout(self->h, id2, &v));
	EXPECT_NE(1234, v);
	EXPECT_EQ(0, ioasid_fault_queue_info(self->h, id2, &qi));
	EXPECT_EQ(256, qi.out_depth);
	EXPECT_TRUE(fcntl(fd2, F_GETFD) & FD_CLOEXEC);

	EXPECT_EQ(0, ioasid_set_fault_queue(self->h, self->node, id2));
	EXPECT_EQ(0, ioasid_get_fault_queue(self->h, self->node, &v));
	EXPECT_EQ(id2, v);
	EXPECT_LIBERR(EBUSY, ioasid_fault_queue_destroy(self->h, id2));
	EXPECT_EQ(0, ioasid_set_fault_queue(self->h, self->node, 0));
	EXPECT_EQ(0, ioasid_get_fault_queue(self->h, self->node, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, ioasid_fault_queue_destroy(self->h, id2));
	EXPECT_LIBERR(ENOENT, ioasid_fault_queue_info(self->h, id2, &qi));
	EXPECT_LIBERR(ENOENT, ioasid_set_fault_queue(self->h, self->node, id2));
	close(fd2);
}

TEST_HARNESS_MAIN
