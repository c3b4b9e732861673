// SPDX-License-Identifier: GPL-2.0
/*
 * Fault queues: what a context's faults are delivered to.
 *
 * A fault queue is an object of the context with a file of its own: a
 * bounded ring of struct ioasid_fault_record that read() drains and whose
 * write() takes page responses (prq.c). Every record raised takes the
 * queue's next sequence number, delivered or not, so a reader sees exactly
 * how many it missed. A fault goes to the queue of the node where its
 * translation stopped, else to the attached node's. The queue's file holds
 * the context's file: the context lives as long as any of its queues can
 * be read.
 *
 * The context's faults->lock, a spinlock taken after any other lock of the
 * module, guards all of it (fault.h); nothing sleeps under it.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "fault.h"

#define IOASID_FQ_DEFAULT_DEPTH		256
#define IOASID_FQ_MAX_DEPTH		65536
#define IOASID_FQ_MAX_TIMEOUT_MS	3600000
/* Records one read() moves at a time (bounded stack use). */
#define IOASID_FQ_READ_BATCH		8

static unsigned int pri_timeout_ms = 10000;
module_param(pri_timeout_ms, uint, 0644);
MODULE_PARM_DESC(pri_timeout_ms,
		 "Page response timeout of new fault queues that set none (ms; default 10000; 0 to 3600000, 0: none, more counts as 3600000; read at FAULT_QUEUE_ALLOC): a page request not answered in time is answered INVALID by the module");

int ioasid_faults_init(struct ioasid_ctx *ictx)
{
	struct ioasid_faults *fs;

	fs = kzalloc(sizeof(*fs), GFP_KERNEL_ACCOUNT);
	if (!fs)
		return -ENOMEM;
	spin_lock_init(&fs->lock);
	INIT_LIST_HEAD(&fs->queues);
	hash_init(fs->prqs);
	fs->next_group = 1;
	init_waitqueue_head(&fs->prq_wait);
	ictx->faults = fs;
	return 0;
}

spinlock_t *ioasid_faults_lock(struct ioasid_ctx *ictx)
{
	return &ictx->faults->lock;
}

/* At release: devices and queues are gone, so every group is answered. */
void ioasid_faults_free(struct ioasid_ctx *ictx)
{
	struct ioasid_faults *fs = ictx->faults;

	WARN_ON(!list_empty(&fs->queues) || !hash_empty(fs->prqs));
	kfree(fs);
}

/* Records ------------------------------------------------------------------- */

/* Give @rec the next sequence number and keep it if there is room. */
bool ioasid_fq_push_locked(struct ioasid_fault_queue *q,
			   struct ioasid_fault_record *rec)
{
	rec->size = sizeof(*rec);
	rec->seq = q->next_seq++;
	if (q->closed || q->count == q->depth) {
		q->overflow++;
		return false;
	}
	q->ring[(q->head + q->count++) % q->depth] = *rec;
	wake_up_interruptible_poll(&q->readers, EPOLLIN | EPOLLRDNORM);
	return true;
}

void ioasid_fault_to_record(const struct ioasid_fault *f, u32 type,
			    struct ioasid_fault_record *rec)
{
	*rec = (struct ioasid_fault_record){
		.type = type,
		.dev_id = f->dev_id,
		.pasid = f->has_pasid ? f->pasid : 0,
		.node_id = f->node_id,
		.level = f->level,
		.reason = f->reason,
		.access = f->access,
		.addr = f->addr,
		.time_ns = ktime_get_ns(),
	};
	if (f->has_pasid)
		rec->flags |= IOASID_FAULT_RECORD_PASID;
	if (f->guest)
		rec->flags |= IOASID_FAULT_RECORD_GUEST;
	if (f->pci)
		rec->flags |= IOASID_FAULT_RECORD_PCI;
}

/*
 * The queue a fault goes to: the stopping node's, else the attached
 * node's; NULL when neither names one.
 */
struct ioasid_fault_queue *
ioasid_fault_route_locked(struct ioasid_node *stop, struct ioasid_node *att)
{
	if (stop && stop->fault_queue)
		return stop->fault_queue;
	return att ? att->fault_queue : NULL;
}

/* The nodes of @f, with users references, or NULL where gone. */
void ioasid_fault_nodes(struct ioasid_ctx *ictx, const struct ioasid_fault *f,
			struct ioasid_node **stop, struct ioasid_node **att)
{
	*stop = f->node_id ? ioasid_node_get(ictx, f->node_id) : NULL;
	if (IS_ERR(*stop))
		*stop = NULL;
	*att = f->att_node_id ? ioasid_node_get(ictx, f->att_node_id) : NULL;
	if (IS_ERR(*att))
		*att = NULL;
}

void ioasid_fault_nodes_put(struct ioasid_node *stop, struct ioasid_node *att)
{
	if (stop)
		ioasid_node_put(stop);
	if (att)
		ioasid_node_put(att);
}

/**
 * ioasid_fault_report() - deliver an unrecoverable fault to its queue
 * @ictx: the context
 * @f: the fault: device, nodes, reason, address, access
 *
 * Callable from any context that may take a spinlock and that holds no
 * lock of the context's object table.
 */
void ioasid_fault_report(struct ioasid_ctx *ictx, const struct ioasid_fault *f)
{
	struct ioasid_faults *fs = ictx->faults;
	struct ioasid_node *stop, *att;
	struct ioasid_fault_queue *q;
	struct ioasid_fault_record rec;

	ioasid_fault_nodes(ictx, f, &stop, &att);
	ioasid_fault_to_record(f, IOASID_FAULT_RECORD_FAULT, &rec);
	spin_lock(&fs->lock);
	q = ioasid_fault_route_locked(stop, att);
	if (q)
		ioasid_fq_push_locked(q, &rec);
	spin_unlock(&fs->lock);
	ioasid_fault_nodes_put(stop, att);
}

/* The queue object and its file ----------------------------------------------- */

static void ioasid_fq_release(struct kref *ref)
{
	struct ioasid_fault_queue *q = container_of(ref, struct ioasid_fault_queue, ref);
	struct ioasid_faults *fs = q->ictx->faults;

	spin_lock(&fs->lock);
	WARN_ON(q->pending || q->nodes);
	list_del(&q->item);
	ioasid_prq_forget_all(q);
	spin_unlock(&fs->lock);
	cancel_delayed_work_sync(&q->timeout_work);
	mutex_destroy(&q->read_lock);
	kvfree(q->ring);
	kfree(q);
}

/* The file or the object goes: what is pending is answered, nothing more comes. */
static void ioasid_fq_close(struct ioasid_fault_queue *q)
{
	struct ioasid_faults *fs = q->ictx->faults;

	spin_lock(&fs->lock);
	q->closed = true;
	ioasid_fq_cancel_locked(fs, q, NULL, NULL);
	spin_unlock(&fs->lock);
	cancel_delayed_work_sync(&q->timeout_work);
	wake_up_interruptible_poll(&q->readers, EPOLLHUP);
}

/* Copy up to @n records from the ring, without taking them out. */
static unsigned int ioasid_fq_peek(struct ioasid_fault_queue *q,
				   struct ioasid_fault_record *recs, unsigned int n)
{
	struct ioasid_faults *fs = q->ictx->faults;
	unsigned int i;

	spin_lock(&fs->lock);
	n = min(n, q->count);
	for (i = 0; i < n; i++)
		recs[i] = q->ring[(q->head + i) % q->depth];
	spin_unlock(&fs->lock);
	return n;
}

static void ioasid_fq_consume(struct ioasid_fault_queue *q, unsigned int n)
{
	struct ioasid_faults *fs = q->ictx->faults;

	spin_lock(&fs->lock);
	q->head = (q->head + n) % q->depth;
	q->count -= n;
	spin_unlock(&fs->lock);
}

static bool ioasid_fq_readable(struct ioasid_fault_queue *q)
{
	return READ_ONCE(q->count) || READ_ONCE(q->closed);
}

static ssize_t ioasid_fq_read(struct file *file, char __user *buf, size_t count,
			      loff_t *ppos)
{
	struct ioasid_fault_record recs[IOASID_FQ_READ_BATCH];
	struct ioasid_fault_queue *q = file->private_data;
	size_t done = 0;
	unsigned int n;
	int rc;

	if (count < sizeof(recs[0]))
		return -EINVAL;
	if (mutex_lock_interruptible(&q->read_lock))
		return -ERESTARTSYS;
	while (count - done >= sizeof(recs[0])) {
		n = ioasid_fq_peek(q, recs, min_t(size_t, IOASID_FQ_READ_BATCH,
						  (count - done) / sizeof(recs[0])));
		if (!n) {
			if (done || READ_ONCE(q->closed))
				break;
			if (file->f_flags & O_NONBLOCK) {
				rc = -EAGAIN;
				goto out_unlock;
			}
			mutex_unlock(&q->read_lock);
			rc = wait_event_interruptible(q->readers, ioasid_fq_readable(q));
			if (rc)
				return rc;
			if (mutex_lock_interruptible(&q->read_lock))
				return -ERESTARTSYS;
			continue;
		}
		/* Only this reader takes records out: they are still there. */
		if (copy_to_user(buf + done, recs, n * sizeof(recs[0]))) {
			rc = done ? 0 : -EFAULT;
			goto out_unlock;
		}
		ioasid_fq_consume(q, n);
		done += n * sizeof(recs[0]);
	}
	rc = 0;
out_unlock:
	mutex_unlock(&q->read_lock);
	return done ? done : rc;
}

static ssize_t ioasid_fq_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct ioasid_fault_queue *q = file->private_data;
	const size_t min_size = offsetofend(struct ioasid_page_response, code);
	struct ioasid_page_response r;
	size_t done = 0;
	u32 size;
	int rc = 0;

	while (done < count) {
		if (count - done < min_size) {
			rc = -EINVAL;
			break;
		}
		if (get_user(size, (const u32 __user *)(buf + done))) {
			rc = -EFAULT;
			break;
		}
		if (size < min_size || size > count - done) {
			rc = -EINVAL;
			break;
		}
		rc = copy_struct_from_user(&r, sizeof(r), buf + done, size);
		if (!rc)
			rc = ioasid_prq_respond(q, &r);
		if (rc)
			break;
		done += size;
	}
	return done ? done : rc;
}

static __poll_t ioasid_fq_poll(struct file *file, poll_table *wait)
{
	struct ioasid_fault_queue *q = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &q->readers, wait);
	if (READ_ONCE(q->count))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(q->closed))
		mask |= EPOLLHUP;
	return mask;
}

static int ioasid_fq_file_release(struct inode *inode, struct file *file)
{
	struct ioasid_fault_queue *q = file->private_data;
	struct file *ctx_file = q->ictx->file;

	ioasid_fq_close(q);
	kref_put(&q->ref, ioasid_fq_release);
	fput(ctx_file);
	return 0;
}

static const struct file_operations ioasid_fq_fops = {
	.owner = THIS_MODULE,
	.read = ioasid_fq_read,
	.write = ioasid_fq_write,
	.poll = ioasid_fq_poll,
	.release = ioasid_fq_file_release,
	.llseek = noop_llseek,
};

static struct ioasid_fault_queue *ioasid_fq_get(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_object *obj = ioasid_object_get(ictx, id, IOASID_OBJ_FAULT_QUEUE);

	return IS_ERR(obj) ? ERR_CAST(obj) :
	       container_of(obj, struct ioasid_fault_queue, obj);
}

int ioasid_fault_queue_alloc(struct ioasid_ucmd *ucmd)
{
	struct ioasid_fault_queue_alloc *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_fault_queue *q;
	struct file *file;
	int rc, fd;

	if (cmd->flags & ~(IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_NONBLOCK |
			   IOASID_FAULT_QUEUE_TIMEOUT))
		return -EOPNOTSUPP;
	if (cmd->depth > IOASID_FQ_MAX_DEPTH ||
	    cmd->timeout_ms > IOASID_FQ_MAX_TIMEOUT_MS ||
	    (cmd->timeout_ms && !(cmd->flags & IOASID_FAULT_QUEUE_TIMEOUT)))
		return -EINVAL;

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	q->obj.type = IOASID_OBJ_FAULT_QUEUE;
	q->ictx = ictx;
	kref_init(&q->ref);
	mutex_init(&q->read_lock);
	init_waitqueue_head(&q->readers);
	INIT_DELAYED_WORK(&q->timeout_work, ioasid_fq_timeout_work);
	INIT_LIST_HEAD(&q->item);
	INIT_LIST_HEAD(&q->prqs);
	INIT_LIST_HEAD(&q->answered);
	q->depth = cmd->depth ?: IOASID_FQ_DEFAULT_DEPTH;
	q->timeout_ms = cmd->flags & IOASID_FAULT_QUEUE_TIMEOUT ? cmd->timeout_ms :
			min(READ_ONCE(pri_timeout_ms), IOASID_FQ_MAX_TIMEOUT_MS);
	q->next_seq = 1;
	q->ring = kvcalloc(q->depth, sizeof(*q->ring), GFP_KERNEL_ACCOUNT);
	if (!q->ring) {
		rc = -ENOMEM;
		goto out_free;
	}

	rc = ioasid_object_reserve(ictx, &q->obj);
	if (rc)
		goto out_free;
	fd = get_unused_fd_flags(O_RDWR | (cmd->flags & IOASID_FAULT_QUEUE_CLOEXEC ?
					   O_CLOEXEC : 0));
	if (fd < 0) {
		rc = fd;
		goto out_abort;
	}
	file = anon_inode_getfile("[ioasid-fault]", &ioasid_fq_fops, q,
				  O_RDWR | (cmd->flags & IOASID_FAULT_QUEUE_NONBLOCK ?
					    O_NONBLOCK : 0));
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		goto out_fd;
	}
	/* From here the file's release undoes what follows. */
	kref_get(&q->ref);
	get_file(ictx->file);
	cmd->out_id = q->obj.id;
	cmd->out_fd = fd;
	rc = ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		fput(file);
		goto out_fd;
	}
	spin_lock(&ictx->faults->lock);
	q->serial = ictx->faults->next_serial++;
	list_add_tail(&q->item, &ictx->faults->queues);
	spin_unlock(&ictx->faults->lock);
	xa_lock(&ictx->objects);
	ioasid_object_publish_locked(ictx, &q->obj);
	xa_unlock(&ictx->objects);
	fd_install(fd, file);
	return 0;

out_fd:
	put_unused_fd(fd);
out_abort:
	ioasid_object_abort(ictx, &q->obj);
	kref_put(&q->ref, ioasid_fq_release);
	return rc;
out_free:
	mutex_destroy(&q->read_lock);
	kvfree(q->ring);
	kfree(q);
	return rc;
}

int ioasid_fault_queue_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_fault_queue_info *cmd = ucmd->cmd;
	struct ioasid_fault_queue *q;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	q = ioasid_fq_get(ucmd->ictx, cmd->queue_id);
	if (IS_ERR(q))
		return PTR_ERR(q);
	spin_lock(&ucmd->ictx->faults->lock);
	cmd->out_depth = q->depth;
	cmd->out_timeout_ms = q->timeout_ms;
	cmd->out_queued = q->count;
	cmd->out_pending = q->pending;
	cmd->out_nodes = q->nodes;
	cmd->out_closed = q->closed;
	cmd->out_next_seq = q->next_seq;
	cmd->out_overflow = q->overflow;
	cmd->out_timeouts = q->timeouts;
	cmd->out_auto_responses = q->auto_responses;
	spin_unlock(&ucmd->ictx->faults->lock);
	ioasid_object_put(&q->obj);
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/* DESTROY: nobody names it and no ioctl uses it. */
int ioasid_fault_queue_unpublish_locked(struct ioasid_ctx *ictx,
					struct ioasid_object *obj)
{
	struct ioasid_fault_queue *q = container_of(obj, struct ioasid_fault_queue, obj);
	int rc = 0;

	lockdep_assert_held(&ictx->objects.xa_lock);
	spin_lock(&ictx->faults->lock);
	if (refcount_read(&obj->users) != 1 || q->nodes)
		rc = -EBUSY;
	spin_unlock(&ictx->faults->lock);
	if (!rc)
		__xa_erase(&ictx->objects, obj->id);
	return rc;
}

void ioasid_fault_queue_free(struct ioasid_object *obj)
{
	struct ioasid_fault_queue *q = container_of(obj, struct ioasid_fault_queue, obj);

	ioasid_fq_close(q);
	kref_put(&q->ref, ioasid_fq_release);
}

/* Options ----------------------------------------------------------------- */

/* @node names queue @queue_id (0: none); ALLOC and OPTION. */
int ioasid_fault_set_node_queue(struct ioasid_node *node, u32 queue_id)
{
	struct ioasid_faults *fs = node->ictx->faults;
	struct ioasid_fault_queue *q = NULL;

	if (queue_id) {
		q = ioasid_fq_get(node->ictx, queue_id);
		if (IS_ERR(q))
			return PTR_ERR(q);
	}
	spin_lock(&fs->lock);
	if (node->fault_queue)
		node->fault_queue->nodes--;
	node->fault_queue = q;
	if (q)
		q->nodes++;
	spin_unlock(&fs->lock);
	if (q)
		ioasid_object_put(&q->obj);
	return 0;
}

/* OPTION's FAULT_QUEUE and FAULT_TIMEOUT_MS, of the object @obj (a users reference). */
int ioasid_fault_option(struct ioasid_ctx *ictx, struct ioasid_option *cmd,
			struct ioasid_object *obj)
{
	struct ioasid_faults *fs = ictx->faults;
	struct ioasid_fault_queue *q;
	struct ioasid_node *node;

	if (cmd->option_id == IOASID_OPTION_FAULT_QUEUE) {
		if (obj->type != IOASID_OBJ_NODE)
			return -EINVAL;
		node = ioasid_to_node(obj);
		if (cmd->op == IOASID_OPTION_OP_SET)
			return cmd->val64 > U32_MAX ? -EINVAL :
			       ioasid_fault_set_node_queue(node, cmd->val64);
		spin_lock(&fs->lock);
		cmd->val64 = node->fault_queue ? node->fault_queue->obj.id : 0;
		spin_unlock(&fs->lock);
		return 0;
	}
	if (obj->type != IOASID_OBJ_FAULT_QUEUE)
		return -EINVAL;
	q = container_of(obj, struct ioasid_fault_queue, obj);
	if (cmd->op == IOASID_OPTION_OP_SET) {
		if (cmd->val64 > IOASID_FQ_MAX_TIMEOUT_MS)
			return -EINVAL;
		spin_lock(&fs->lock);
		q->timeout_ms = cmd->val64;
		spin_unlock(&fs->lock);
		return 0;
	}
	spin_lock(&fs->lock);
	cmd->val64 = q->timeout_ms;
	spin_unlock(&fs->lock);
	return 0;
}

/* A node goes: answer the groups raised at it, let go of its queue. */
void ioasid_fault_node_gone(struct ioasid_node *node)
{
	struct ioasid_faults *fs = node->ictx->faults;

	ioasid_prq_cancel_node(node->ictx, node->obj.id);
	spin_lock(&fs->lock);
	if (node->fault_queue)
		node->fault_queue->nodes--;
	node->fault_queue = NULL;
	spin_unlock(&fs->lock);
}
