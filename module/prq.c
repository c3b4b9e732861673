// SPDX-License-Identifier: GPL-2.0
/*
 * Page requests: groups raised by software endpoints' DMA, answered by a
 * fault queue's reader or by the module.
 *
 * A group (struct ioasid_prq) is raised where a guest's table lacks the
 * page or the access a DMA of a device with IOASID_DEVICE_PRI asks for.
 * The DMA waits for its answer, or returns with its group (NOWAIT) and
 * takes the answer when it retries. The module answers it itself, INVALID,
 * when the device has too many outstanding, the node says so, the queue
 * cannot take the record, the queue's timeout expires, or what raised it
 * goes away (DETACH, REPLACE, DESTROY, the queue's file closed). Groups
 * stay known after their answer, the last IOASID_PRQ_HISTORY of the
 * context, so a late or duplicate response gets its own errno and a NOWAIT
 * DMA finds its outcome when it retries.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "fault.h"

#define IOASID_PRQ_HISTORY		4096

/* How a group was answered (struct ioasid_prq @how); 0 while pending. */
enum {
	IOASID_PRQ_RESPONDED = 1,	/* by a response written to its queue */
	IOASID_PRQ_TIMED_OUT,		/* by the module, at its timeout */
	IOASID_PRQ_CANCELED,		/* by the module, for any other reason */
};

/**
 * struct ioasid_prq - a page request group
 * @hash: in faults->prqs
 * @item: in its queue's @prqs while pending, its @answered after
 * @users: one while in faults->prqs, one per waiter
 * @queue: its queue while pending, NULL after
 * @ep: the device while pending (its @pri_pending counts the group)
 * @queue_serial: its queue's serial
 * @group: its id
 * @dev_id: the device's id
 * @pasid: the request's PASID (with @has_pasid)
 * @has_pasid: see @pasid
 * @node_id: the node where the translation stopped
 * @key: the device's attachment key (PASID or IOASID_NO_PASID)
 * @addr: the page, in the attached node's IOVAs
 * @rec_flags: its record's IOASID_FAULT_RECORD_PASID and _GUEST
 * @level: its record's
 * @reason: its record's
 * @access: its record's
 * @deadline: when the module answers it (jiffies), with @timed
 * @timed: see @deadline
 * @code: its enum ioasid_page_response_code, once answered
 * @how: how it was answered; 0 while pending (READ_ONCE by waiters)
 */
struct ioasid_prq {
	struct hlist_node hash;
	struct list_head item;
	refcount_t users;
	struct ioasid_fault_queue *queue;
	struct ioasid_endpoint *ep;
	u32 queue_serial;
	u32 group;
	u32 dev_id;
	u32 pasid;
	bool has_pasid;
	u32 node_id;
	unsigned long key;
	u64 addr;
	u32 rec_flags;
	u8 level;
	u8 reason;
	u8 access;
	unsigned long deadline;
	bool timed;
	u8 code;
	u8 how;
};

/* Page requests ------------------------------------------------------------ */

static struct ioasid_prq *ioasid_prq_find_locked(struct ioasid_faults *fs, u32 group)
{
	struct ioasid_prq *prq;

	hash_for_each_possible(fs->prqs, prq, hash, group)
		if (prq->group == group)
			return prq;
	return NULL;
}

static void ioasid_prq_put_locked(struct ioasid_prq *prq)
{
	if (refcount_dec_and_test(&prq->users))
		kfree(prq);
}

/*
 * Keep @prq among @q's answered groups: it is forgotten once
 * IOASID_PRQ_HISTORY more of them were answered.
 */
static void ioasid_prq_retire_locked(struct ioasid_fault_queue *q,
				     struct ioasid_prq *prq)
{
	struct ioasid_prq *old;

	list_add_tail(&prq->item, &q->answered);
	if (++q->nanswered <= IOASID_PRQ_HISTORY + 1)
		return;
	old = list_first_entry(&q->answered, struct ioasid_prq, item);
	list_del(&old->item);
	hash_del(&old->hash);
	q->nanswered--;
	ioasid_prq_put_locked(old);
}

/* Answer a pending group: wake its waiters, uncount it. */
static void ioasid_prq_answer_locked(struct ioasid_faults *fs, struct ioasid_prq *prq,
				     u8 code, u8 how)
{
	struct ioasid_fault_queue *q = prq->queue;

	lockdep_assert_held(&fs->lock);
	list_del(&prq->item);
	q->pending--;
	if (how != IOASID_PRQ_RESPONDED)
		q->auto_responses++;
	if (how == IOASID_PRQ_TIMED_OUT)
		q->timeouts++;
	prq->ep->pri_pending--;
	prq->ep = NULL;
	prq->queue = NULL;
	prq->code = code;
	WRITE_ONCE(prq->how, how);
	ioasid_prq_retire_locked(q, prq);
	wake_up_all(&fs->prq_wait);
}

/* Arm @q's timeout work for @deadline unless it is due sooner. */
static void ioasid_fq_arm_locked(struct ioasid_fault_queue *q, unsigned long deadline)
{
	unsigned long now = jiffies;

	if (delayed_work_pending(&q->timeout_work) &&
	    time_before_eq(q->work_due, deadline))
		return;
	q->work_due = deadline;
	mod_delayed_work(system_wq, &q->timeout_work,
			 time_after(deadline, now) ? deadline - now : 0);
}

/**
 * ioasid_prq_raise() - a page request for a DMA's translation miss
 * @ep: the device, created with IOASID_DEVICE_PRI
 * @f: the miss (in a guest's table: ioasid_fault_is_request())
 * @key: the device's attachment key of the request
 *
 * Return: the pending group, with a reference for the caller
 * (ioasid_prq_wait(), then ioasid_prq_put()); NULL when no queue takes
 * the nodes' faults (the miss is a plain fault); ERR_PTR(-EIO) when the
 * module answered it INVALID at once (its record delivered when the
 * queue had room); ERR_PTR(-ENOMEM).
 */
struct ioasid_prq *ioasid_prq_raise(struct ioasid_endpoint *ep,
				    const struct ioasid_fault *f,
				    unsigned long key)
{
	struct ioasid_faults *fs = ep->ictx->faults;
	struct ioasid_fault_record rec;
	struct ioasid_node *stop, *att;
	struct ioasid_fault_queue *q;
	struct ioasid_prq *prq;
	bool answered;

	prq = kzalloc(sizeof(*prq), GFP_KERNEL_ACCOUNT);
	if (!prq)
		return ERR_PTR(-ENOMEM);
	ioasid_fault_nodes(ep->ictx, f, &stop, &att);
	ioasid_fault_to_record(f, IOASID_FAULT_RECORD_PAGE_REQUEST, &rec);
	rec.addr &= PAGE_MASK;

	spin_lock(&fs->lock);
	q = ioasid_fault_route_locked(stop, att);
	if (!q) {
		spin_unlock(&fs->lock);
		ioasid_fault_nodes_put(stop, att);
		kfree(prq);
		return NULL;
	}
	prq->group = fs->next_group++;
	if (!fs->next_group)
		fs->next_group = 1;
	prq->queue_serial = q->serial;
	prq->dev_id = f->dev_id;
	prq->pasid = f->pasid;
	prq->has_pasid = f->has_pasid;
	prq->node_id = f->node_id;
	prq->key = key;
	prq->addr = rec.addr;
	prq->rec_flags = rec.flags;
	prq->level = rec.level;
	prq->reason = rec.reason;
	prq->access = rec.access;
	rec.group = prq->group;
	refcount_set(&prq->users, 1);
	hash_add(fs->prqs, &prq->hash, prq->group);

	/* What the module answers at once, and what it cannot deliver. */
	answered = (stop && stop->pri_auto_invalid) ||
		   ep->pri_pending >= ep->pri_max;
	if (answered)
		rec.flags |= IOASID_FAULT_RECORD_ANSWERED;
	if (!ioasid_fq_push_locked(q, &rec))
		answered = true;
	if (answered) {
		q->auto_responses++;
		prq->code = IOASID_PAGE_RESP_INVALID;
		prq->how = IOASID_PRQ_CANCELED;
		ioasid_prq_retire_locked(q, prq);
		spin_unlock(&fs->lock);
		ioasid_fault_nodes_put(stop, att);
		return ERR_PTR(-EIO);
	}
	prq->queue = q;
	prq->ep = ep;
	ep->pri_pending++;
	q->pending++;
	list_add_tail(&prq->item, &q->prqs);
	if (q->timeout_ms) {
		prq->timed = true;
		prq->deadline = jiffies + msecs_to_jiffies(q->timeout_ms);
		ioasid_fq_arm_locked(q, prq->deadline);
	}
	refcount_inc(&prq->users);	/* the caller's */
	spin_unlock(&fs->lock);
	ioasid_fault_nodes_put(stop, att);
	return prq;
}

/**
 * ioasid_prq_get() - a group of @ep to retry
 * @ep: the device
 * @group: the group's id
 * @has_pasid: whether the retried DMA carries a PASID
 * @pasid: its PASID
 *
 * Return: the group with a reference, or NULL when it is not the
 * device's (and PASID's), or no longer known.
 */
struct ioasid_prq *ioasid_prq_get(struct ioasid_endpoint *ep, u32 group,
				  bool has_pasid, u32 pasid)
{
	struct ioasid_faults *fs = ep->ictx->faults;
	struct ioasid_prq *prq;

	spin_lock(&fs->lock);
	prq = ioasid_prq_find_locked(fs, group);
	if (prq && (prq->dev_id != ep->obj.id || prq->has_pasid != has_pasid ||
		    (has_pasid && prq->pasid != pasid)))
		prq = NULL;
	if (prq)
		refcount_inc(&prq->users);
	spin_unlock(&fs->lock);
	return prq;
}

u32 ioasid_prq_group(const struct ioasid_prq *prq)
{
	return prq->group;
}

u64 ioasid_prq_addr(const struct ioasid_prq *prq)
{
	return prq->addr;
}

/* Where the translation of @prq stopped, as the device's fault. */
void ioasid_prq_fault(const struct ioasid_prq *prq, struct ioasid_fault *f)
{
	*f = (struct ioasid_fault){
		.guest = prq->rec_flags & IOASID_FAULT_RECORD_GUEST,
		.reason = prq->reason, .level = prq->level,
		.node_id = prq->node_id,
	};
}

/**
 * ioasid_prq_wait() - the outcome of a group
 * @ictx: the context
 * @prq: the group
 * @nowait: do not wait for an answer
 *
 * Return: 0 (SUCCESS), -EIO (INVALID), -ENXIO (FAILURE), -ETIMEDOUT
 * (answered at the timeout), -EAGAIN (pending, @nowait), -EINTR (a signal
 * came first; the group stays pending).
 */
int ioasid_prq_wait(struct ioasid_ctx *ictx, struct ioasid_prq *prq, bool nowait)
{
	struct ioasid_faults *fs = ictx->faults;
	u8 how, code;

	if (!nowait &&
	    wait_event_interruptible(fs->prq_wait, READ_ONCE(prq->how)))
		return -EINTR;
	spin_lock(&fs->lock);
	how = prq->how;
	code = prq->code;
	spin_unlock(&fs->lock);
	if (!how)
		return -EAGAIN;
	if (how == IOASID_PRQ_TIMED_OUT)
		return -ETIMEDOUT;
	switch (code) {
	case IOASID_PAGE_RESP_SUCCESS:
		return 0;
	case IOASID_PAGE_RESP_FAILURE:
		return -ENXIO;
	default:
		return -EIO;
	}
}

void ioasid_prq_put(struct ioasid_ctx *ictx, struct ioasid_prq *prq)
{
	spin_lock(&ictx->faults->lock);
	ioasid_prq_put_locked(prq);
	spin_unlock(&ictx->faults->lock);
}

/* Answer INVALID, as the module, every pending group of @q that @match takes. */
void ioasid_fq_cancel_locked(struct ioasid_faults *fs, struct ioasid_fault_queue *q,
			     bool (*match)(struct ioasid_prq *prq, const void *arg),
			     const void *arg)
{
	struct ioasid_prq *prq, *next;

	list_for_each_entry_safe(prq, next, &q->prqs, item)
		if (!match || match(prq, arg))
			ioasid_prq_answer_locked(fs, prq, IOASID_PAGE_RESP_INVALID,
						 IOASID_PRQ_CANCELED);
}

static void ioasid_prq_cancel(struct ioasid_ctx *ictx,
			      bool (*match)(struct ioasid_prq *prq, const void *arg),
			      const void *arg)
{
	struct ioasid_faults *fs = ictx->faults;
	struct ioasid_fault_queue *q;

	spin_lock(&fs->lock);
	list_for_each_entry(q, &fs->queues, item)
		ioasid_fq_cancel_locked(fs, q, match, arg);
	spin_unlock(&fs->lock);
}

struct ioasid_prq_of_dev {
	const struct ioasid_endpoint *ep;
	unsigned long key;
	bool any_key;
};

static bool ioasid_prq_match_dev(struct ioasid_prq *prq, const void *arg)
{
	const struct ioasid_prq_of_dev *d = arg;

	return prq->ep == d->ep && (d->any_key || prq->key == d->key);
}

/**
 * ioasid_prq_cancel_dev() - answer the pending groups of a device
 * @ep: the device (DETACH, REPLACE: of its attachment @key; going: all)
 * @key: the attachment key
 * @any_key: all of the device's groups
 */
void ioasid_prq_cancel_dev(struct ioasid_endpoint *ep, unsigned long key,
			   bool any_key)
{
	struct ioasid_prq_of_dev d = { .ep = ep, .key = key, .any_key = any_key };

	ioasid_prq_cancel(ep->ictx, ioasid_prq_match_dev, &d);
}

static bool ioasid_prq_match_node(struct ioasid_prq *prq, const void *arg)
{
	return prq->node_id == *(const u32 *)arg;
}

/* Answer the groups raised at node @node_id, which goes. */
void ioasid_prq_cancel_node(struct ioasid_ctx *ictx, u32 node_id)
{
	ioasid_prq_cancel(ictx, ioasid_prq_match_node, &node_id);
}

/* @q goes: every group of it is answered; forget them. */
void ioasid_prq_forget_all(struct ioasid_fault_queue *q)
{
	struct ioasid_prq *prq, *next;

	list_for_each_entry_safe(prq, next, &q->answered, item) {
		list_del(&prq->item);
		hash_del(&prq->hash);
		ioasid_prq_put_locked(prq);
	}
	q->nanswered = 0;
}

/* The timeout ---------------------------------------------------------------- */

void ioasid_fq_timeout_work(struct work_struct *work)
{
	struct ioasid_fault_queue *q = container_of(to_delayed_work(work),
						    struct ioasid_fault_queue,
						    timeout_work);
	struct ioasid_faults *fs = q->ictx->faults;
	struct ioasid_fault_record rec;
	struct ioasid_prq *prq, *next;
	unsigned long now = jiffies, due = 0;
	bool more = false;

	spin_lock(&fs->lock);
	list_for_each_entry_safe(prq, next, &q->prqs, item) {
		if (!prq->timed)
			continue;
		if (time_before(now, prq->deadline)) {
			if (!more || time_before(prq->deadline, due))
				due = prq->deadline;
			more = true;
			continue;
		}
		rec = (struct ioasid_fault_record){
			.type = IOASID_FAULT_RECORD_TIMEOUT,
			.flags = prq->rec_flags,
			.dev_id = prq->dev_id,
			.pasid = prq->has_pasid ? prq->pasid : 0,
			.node_id = prq->node_id,
			.level = prq->level,
			.reason = prq->reason,
			.access = prq->access,
			.group = prq->group,
			.addr = prq->addr,
			.time_ns = ktime_get_ns(),
		};
		ioasid_prq_answer_locked(fs, prq, IOASID_PAGE_RESP_INVALID,
					 IOASID_PRQ_TIMED_OUT);
		ioasid_fq_push_locked(q, &rec);
	}
	if (more) {
		q->work_due = due;
		mod_delayed_work(system_wq, &q->timeout_work,
				 time_after(due, now) ? due - now : 0);
	}
	spin_unlock(&fs->lock);
}

/* One response: 0, or the errno of the uAPI's write() contract. */
int ioasid_prq_respond(struct ioasid_fault_queue *q,
		       const struct ioasid_page_response *r)
{
	struct ioasid_faults *fs = q->ictx->faults;
	struct ioasid_prq *prq;
	bool has_pasid = r->flags & IOASID_FAULT_RECORD_PASID;
	int rc = 0;

	if (r->flags & ~IOASID_FAULT_RECORD_PASID ||
	    r->code > IOASID_PAGE_RESP_FAILURE)
		return -EOPNOTSUPP;
	spin_lock(&fs->lock);
	prq = r->group ? ioasid_prq_find_locked(fs, r->group) : NULL;
	if (!prq) {
		/* Raised once (ids only grow), answered long ago: forgotten. */
		rc = r->group && r->group < fs->next_group ? -ESTALE : -ENOENT;
	} else if (prq->queue_serial != q->serial || prq->dev_id != r->dev_id ||
		   prq->has_pasid != has_pasid ||
		   (has_pasid && prq->pasid != r->pasid)) {
		rc = -ENOENT;
	} else if (prq->how == IOASID_PRQ_RESPONDED) {
		rc = -EALREADY;
	} else if (prq->how == IOASID_PRQ_TIMED_OUT) {
		rc = -ETIMEDOUT;
	} else if (prq->how == IOASID_PRQ_CANCELED) {
		rc = -ECANCELED;
	} else {
		ioasid_prq_answer_locked(fs, prq, r->code, IOASID_PRQ_RESPONDED);
	}
	spin_unlock(&fs->lock);
	return rc;
}
