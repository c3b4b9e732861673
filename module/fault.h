/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault queues (fault.c) and page requests (prq.c): what they share.
 */
#ifndef IOASID_FAULT_H
#define IOASID_FAULT_H

#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "iotlb.h"

#define IOASID_PRQ_HASH_BITS		8

/**
 * struct ioasid_faults - a context's fault state
 * @lock: everything below, and what it points to
 * @queues: its fault queues (struct ioasid_fault_queue), in the object table
 * @prqs: page request groups by id: pending ones and each queue's latest
 *	answered
 * @next_group: the id the next group gets; ids start at 1
 * @next_serial: the serial number of the next queue
 * @prq_wait: DMA waiting for an answer
 */
struct ioasid_faults {
	spinlock_t lock;	/* see above */
	struct list_head queues;
	DECLARE_HASHTABLE(prqs, IOASID_PRQ_HASH_BITS);
	u32 next_group;
	u32 next_serial;
	wait_queue_head_t prq_wait;
};

/**
 * struct ioasid_fault_queue - a fault queue (FAULT_QUEUE_ALLOC)
 * @obj: the object header
 * @ictx: the context
 * @ref: one for the object table, one for the file
 * @serial: unique in the context, unlike ids, which are reused
 * @read_lock: one reader at a time copies records out
 * @readers: readers and pollers waiting for records
 * @timeout_work: answers groups whose time is up
 * @item: in the context's faults->queues (from publication until freed)
 * @prqs: its pending groups, oldest first
 * @answered: its answered groups still known, oldest first
 * @nanswered: entries of @answered
 * @ring: @depth records, @count of them from @head unread
 * @depth: see @ring
 * @head: see @ring
 * @count: see @ring
 * @timeout_ms: the page response timeout of new groups, 0 for none
 * @nodes: nodes naming it
 * @pending: entries of @prqs
 * @closed: its file was released, or the object destroyed
 * @next_seq: the sequence number of the next record
 * @overflow: records dropped
 * @timeouts: groups answered at their timeout
 * @auto_responses: groups the module answered
 * @work_due: when @timeout_work is due (jiffies), while it is armed
 *
 * Fields from @prqs on are under the context's faults->lock.
 */
struct ioasid_fault_queue {
	struct ioasid_object obj;
	struct ioasid_ctx *ictx;
	struct kref ref;
	u32 serial;
	struct mutex read_lock;		/* see above */
	wait_queue_head_t readers;
	struct delayed_work timeout_work;
	struct list_head item;
	struct list_head prqs;
	struct list_head answered;
	unsigned int nanswered;
	struct ioasid_fault_record *ring;
	u32 depth;
	u32 head;
	u32 count;
	u32 timeout_ms;
	unsigned int nodes;
	unsigned int pending;
	bool closed;
	u64 next_seq;
	u64 overflow;
	u64 timeouts;
	u64 auto_responses;
	unsigned long work_due;
};

bool ioasid_fq_push_locked(struct ioasid_fault_queue *q,
			   struct ioasid_fault_record *rec);
void ioasid_fault_to_record(const struct ioasid_fault *f, u32 type,
			    struct ioasid_fault_record *rec);
struct ioasid_fault_queue *
ioasid_fault_route_locked(struct ioasid_node *stop, struct ioasid_node *att);
void ioasid_fault_nodes(struct ioasid_ctx *ictx, const struct ioasid_fault *f,
			struct ioasid_node **stop, struct ioasid_node **att);
void ioasid_fault_nodes_put(struct ioasid_node *stop, struct ioasid_node *att);

void ioasid_fq_cancel_locked(struct ioasid_faults *fs, struct ioasid_fault_queue *q,
			     bool (*match)(struct ioasid_prq *prq, const void *arg),
			     const void *arg);
void ioasid_fq_timeout_work(struct work_struct *work);
int ioasid_prq_respond(struct ioasid_fault_queue *q,
		       const struct ioasid_page_response *r);
void ioasid_prq_forget_all(struct ioasid_fault_queue *q);
void ioasid_prq_cancel_node(struct ioasid_ctx *ictx, u32 node_id);

#endif
