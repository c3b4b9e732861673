// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs view: /sys/kernel/debug/ioasid/contexts, for root (mode 0400,
 * under debugfs, itself 0700), shows every open context of /dev/ioasid:
 * who opened it, its nodes and their mappings, its devices and what they
 * are attached to. ioasidctl(8) `tree` reads it.
 *
 * One record per line: a word naming the record, then space-separated
 * key=value fields. Numbers are decimal; addresses and lengths are
 * hexadecimal with 0x. A comm is escaped: bytes outside '!'..'~' and the
 * backslash as \ooo (three octal digits). Fields may be added at the end
 * of a record, and records of new kinds may appear: readers skip what they
 * do not know. A change of meaning bumps the version.
 *
 *   version 1
 *   ctx id=N pid=N uid=N comm=S account=user|process
 *   node ctx=N id=N parent=N depth=N mode=kernel|user children=N
 *	  attached=N mappings=N mapped_bytes=N pinned_bytes=N dirty_tracking=0|1
 *	  [user-managed: format=x86-64|arm64|riscv|amd-v1|N bound=0|1
 *	  root=0xN bind_flags=0xN caching_mode=0|1]
 *   map ctx=N node=N iova=0xN length=0xN perm=r|w|rw|- addr=0xN pinned_bytes=N
 *   dev ctx=N id=N kind=sw pasid_bits=N attachments=N
 *   dev ctx=N id=N kind=pci bdf=DDDD:BB:DD.F state=live|gone attachments=N
 *   att ctx=N dev=N node=N pasid=N|none
 *   end ctx=N nodes=N devices=N mappings=N pinned_bytes=N
 *
 * The node's line is all on one; it is wrapped here. Contexts come by id
 * (the order they were opened in), each as: its ctx line, its nodes by id
 * each followed by its mappings by IOVA (kernel-managed nodes: addr is the
 * user address of a root's mapping, the parent IOVA of a child's), its
 * devices by id each followed by its attachments (by PASID, none last),
 * and its end line with the totals of what was listed. pid, uid and comm
 * are the opener's, at open(). Every mapping is listed, however many: the
 * file is read a page at a time, and each record is looked up afresh under
 * the locks the ioctls take, read side (a node's lock, the context's IOTLB
 * lock) for a batch of at most IOASID_DBG_BATCH lines. So the view is not
 * a snapshot: a context that changes while it is read may show part of the
 * change, and a context closed meanwhile ends without its end line.
 *
 * Reading never makes an ioctl fail: no users reference is held, except
 * while waiting for a node's lock that a writer holds (that writer, an
 * ioctl, holds one itself). Open contexts are in a list. open() appends
 * to it under a spinlock only (it runs under misc_open()'s global mutex,
 * so it must not wait for a reader); release() takes the context out of
 * it under ioasid_dbg_lock, a mutex, before tearing it down; a reader
 * holds that mutex from seq_file's start to stop, so a context it finds
 * in the list is whole. Lock order: ioasid_dbg_lock, then what the ioctls
 * take (ioasid_pci_mutex; a node's lock or the IOTLB lock, never both),
 * then the object table's xa_lock. Nothing is printed under a spinlock:
 * records are copied out under the locks and printed after.
 */
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "iotlb.h"

/* Mappings or attachments per record, at most: bounds a lock's hold. */
#define IOASID_DBG_BATCH	16
/* Objects passed over under the object table's lock before a break. */
#define IOASID_DBG_SCAN		64

/*
 * Every open context, by ascending serial: appended under
 * ioasid_dbg_add_lock (RCU list primitives, for readers walking it
 * meanwhile), removed under ioasid_dbg_lock and ioasid_dbg_add_lock.
 */
static LIST_HEAD(ioasid_dbg_ctxs);
static DEFINE_SPINLOCK(ioasid_dbg_add_lock);
static DEFINE_MUTEX(ioasid_dbg_lock);
static u64 ioasid_dbg_serial;	/* the last one given; ioasid_dbg_add_lock */
static struct dentry *ioasid_dbg_dir;

#define ioasid_dbg_for_each(d)						\
	list_for_each_entry_rcu(d, &ioasid_dbg_ctxs, item,		\
				lockdep_is_held(&ioasid_dbg_lock))

void ioasid_debugfs_ctx_add(struct ioasid_ctx *ictx)
{
	struct ioasid_ctx_dbg *d = &ictx->dbg;

	d->pid = task_tgid_nr(current);
	d->uid = from_kuid_munged(&init_user_ns, current_uid());
	get_task_comm(d->comm, current);
	spin_lock(&ioasid_dbg_add_lock);
	d->serial = ++ioasid_dbg_serial;
	list_add_tail_rcu(&d->item, &ioasid_dbg_ctxs);
	spin_unlock(&ioasid_dbg_add_lock);
}

/* No reader holds @ictx once this returns. */
void ioasid_debugfs_ctx_del(struct ioasid_ctx *ictx)
{
	mutex_lock(&ioasid_dbg_lock);
	spin_lock(&ioasid_dbg_add_lock);
	list_del_rcu(&ictx->dbg.item);
	spin_unlock(&ioasid_dbg_add_lock);
	mutex_unlock(&ioasid_dbg_lock);
}

enum ioasid_dbg_type {
	IOASID_DBG_VERSION,	/* position 0 */
	IOASID_DBG_CTX,
	IOASID_DBG_NODE,
	IOASID_DBG_MAPS,
	IOASID_DBG_DEV,
	IOASID_DBG_ATTS,
	IOASID_DBG_END,
	IOASID_DBG_EOF,		/* past the last record */
	IOASID_DBG_INVALID,	/* lost its place (an error): start over */
};

struct ioasid_dbg_node {
	u32 parent;
	u32 depth;
	u32 children;
	u32 attached;
	bool user;
	bool dirty_tracking;
	bool bound;
	bool caching_mode;
	u32 format;
	u32 bind_flags;
	u64 root;
	u64 mappings;
	u64 mapped_bytes;
	u64 pinned_bytes;
};

struct ioasid_dbg_map {
	u64 iova;
	u64 length;
	u64 addr;
	u32 prot;
	bool pinned;
};

struct ioasid_dbg_dev {
	bool pci;
	bool gone;
	u32 pasid_bits;
	u32 attachments;
	u32 pci_node;
	char bdf[32];
};

struct ioasid_dbg_att {
	u32 node;
	unsigned long key;
};

/**
 * struct ioasid_dbg_iter - a reader's place in the view, and its record
 * @pos: the seq_file position of the record
 * @type: the record, an enum ioasid_dbg_type
 * @serial: the context the record belongs to
 * @id: the node (NODE, MAPS) or device (DEV, ATTS) it belongs to
 * @next: the IOVA (MAPS) or attachment key (ATTS) where the next batch
 *	starts
 * @more: whether there may be more from @next
 * @ictx: the context of @serial; only between start and stop, with
 *	ioasid_dbg_lock held
 * @locked: start took ioasid_dbg_lock
 * @nodes: nodes listed so far in the context, for its end record
 * @devices: devices listed so far
 * @mappings: mappings listed so far
 * @pinned_bytes: pinned bytes of the nodes listed so far
 * @n: the entries of @maps or @atts
 * @dev: the device of a DEV record, kept for its ATTS records
 * @account: the context's account mode (CTX)
 */
struct ioasid_dbg_iter {
	loff_t pos;
	enum ioasid_dbg_type type;
	u64 serial;
	unsigned long id;
	unsigned long next;
	bool more;
	struct ioasid_ctx *ictx;
	bool locked;
	u64 nodes;
	u64 devices;
	u64 mappings;
	u64 pinned_bytes;
	unsigned int n;
	union {
		struct ioasid_ctx_dbg ctx;
		struct ioasid_dbg_node node;
		struct ioasid_dbg_map maps[IOASID_DBG_BATCH];
		struct ioasid_dbg_att atts[IOASID_DBG_BATCH];
	};
	struct ioasid_dbg_dev dev;
	u8 account;
};

/* The context of @it's serial, or NULL if it was closed. */
static struct ioasid_ctx *ioasid_dbg_ctx(struct ioasid_dbg_iter *it)
{
	struct ioasid_ctx_dbg *d;

	lockdep_assert_held(&ioasid_dbg_lock);
	if (it->ictx && it->ictx->dbg.serial == it->serial)
		return it->ictx;
	it->ictx = NULL;
	ioasid_dbg_for_each(d) {
		if (d->serial == it->serial) {
			it->ictx = container_of(d, struct ioasid_ctx, dbg);
			break;
		}
	}
	return it->ictx;
}

/* The context after @after: its CTX record, or -ENOENT at the end. */
static int ioasid_dbg_next_ctx(struct ioasid_dbg_iter *it, u64 after)
{
	struct ioasid_ctx_dbg *d;

	lockdep_assert_held(&ioasid_dbg_lock);
	ioasid_dbg_for_each(d) {
		if (d->serial <= after)
			continue;
		it->ictx = container_of(d, struct ioasid_ctx, dbg);
		it->type = IOASID_DBG_CTX;
		it->serial = d->serial;
		it->ctx = *d;
		it->account = READ_ONCE(it->ictx->account_mode);
		it->id = 0;
		it->nodes = 0;
		it->devices = 0;
		it->mappings = 0;
		it->pinned_bytes = 0;
		return 0;
	}
	return -ENOENT;
}

/*
 * The object of @ictx at *@id, or with @any the first at or after it whose
 * type is one of @types (bits of 1 << enum ioasid_object_type), its id in
 * *@id; NULL if none. Called and returns with the table's lock held, which
 * it may drop and take again (so the caller holds nothing else then).
 */
static struct ioasid_object *ioasid_dbg_find(struct ioasid_ctx *ictx,
					     unsigned long *id, bool any,
					     unsigned int types)
{
	struct ioasid_object *obj;
	unsigned int scanned = 0;

	lockdep_assert_held(&ictx->objects.xa_lock);
	if (!any) {
		obj = xa_load(&ictx->objects, *id);
		return obj && (BIT(obj->type) & types) ? obj : NULL;
	}
	while ((obj = xa_find(&ictx->objects, id, ULONG_MAX, XA_PRESENT))) {
		if (BIT(obj->type) & types)
			return obj;
		++*id;
		if (++scanned % IOASID_DBG_SCAN == 0) {
			xa_unlock(&ictx->objects);
			cond_resched();
			xa_lock(&ictx->objects);
		}
	}
	return NULL;
}

/*
 * The node at *@id (with @any, the first at or after it), read-locked, its
 * id in *@id, what its parent and the table know of it in @rec; NULL if
 * none, or an ERR_PTR.
 *
 * A node in the table is not freed while its lock is held for reading:
 * DESTROY frees it after taking it for writing. A trylock under the
 * table's lock takes it without a users reference, which would make a
 * racing DESTROY fail; when a writer holds it, the wait is done with one,
 * as an ioctl does, and the reference dropped once the lock is held.
 */
static struct ioasid_node *ioasid_dbg_node_lock(struct ioasid_ctx *ictx,
						unsigned long *id, bool any,
						struct ioasid_dbg_node *rec)
{
	struct ioasid_object *obj;
	struct ioasid_node *node;
	int rc;

	xa_lock(&ictx->objects);
	obj = ioasid_dbg_find(ictx, id, any, BIT(IOASID_OBJ_NODE));
	if (!obj) {
		xa_unlock(&ictx->objects);
		return NULL;
	}
	node = ioasid_to_node(obj);
	/* A parent outlives its children only while they are in the table. */
	rec->parent = node->parent ? node->parent->obj.id : 0;
	rec->children = node->num_children;
	rec->attached = node->num_attached;
	if (down_read_trylock(&node->lock)) {
		xa_unlock(&ictx->objects);
		return node;
	}
	refcount_inc(&node->obj.users);
	xa_unlock(&ictx->objects);
	rc = down_read_killable(&node->lock);
	ioasid_node_put(node);
	return rc ? ERR_PTR(rc) : node;
}

static int ioasid_dbg_next_dev(struct ioasid_dbg_iter *it,
			       struct ioasid_ctx *ictx);

/* The node at or after @it's id + 1: its NODE record, or the devices'. */
static int ioasid_dbg_next_node(struct ioasid_dbg_iter *it,
				struct ioasid_ctx *ictx)
{
	struct ioasid_dbg_node *rec = &it->node;
	unsigned long id = it->id + 1;
	struct ioasid_node *node;

	node = ioasid_dbg_node_lock(ictx, &id, true, rec);
	if (IS_ERR(node))
		return PTR_ERR(node);
	if (!node) {
		it->id = 0;
		return ioasid_dbg_next_dev(it, ictx);
	}
	rec->depth = node->depth;
	rec->user = ioasid_node_is_user(node);
	rec->dirty_tracking = node->dirty_tracking;
	rec->mappings = node->num_mappings;
	rec->mapped_bytes = node->mapped_bytes;
	rec->pinned_bytes = node->pinned_bytes;
	rec->format = node->format;
	rec->bound = node->bound;
	rec->root = node->root;
	rec->bind_flags = node->bind_flags;
	rec->caching_mode = node->caching_mode;
	up_read(&node->lock);

	it->type = IOASID_DBG_NODE;
	it->id = id;
	it->next = 0;
	it->more = !rec->user;
	it->nodes++;
	it->pinned_bytes += rec->pinned_bytes;
	return 0;
}

/* The next batch of the mappings of @it's node: a MAPS record, or -ENOENT. */
static int ioasid_dbg_maps(struct ioasid_dbg_iter *it, struct ioasid_ctx *ictx)
{
	struct ioasid_dbg_node unused;
	struct interval_tree_node *itn;
	struct ioasid_pages *pages;
	struct ioasid_dbg_map *m;
	struct ioasid_node *node;
	unsigned long id = it->id, index, last = 0;
	u32 prot;

	node = ioasid_dbg_node_lock(ictx, &id, false, &unused);
	if (IS_ERR_OR_NULL(node))
		return node ? PTR_ERR(node) : -ENOENT;
	it->n = 0;
	itn = interval_tree_iter_first(&node->mappings, it->next, ULONG_MAX);
	for (; itn && it->n < IOASID_DBG_BATCH;
	     itn = interval_tree_iter_next(itn, it->next, ULONG_MAX)) {
		/* One that began before @next, in place of the last shown */
		if (itn->start < it->next)
			continue;
		pages = ioasid_mapping_pages(itn, &index, &prot);
		m = &it->maps[it->n++];
		m->iova = itn->start;
		m->length = (u64)itn->last - itn->start + 1;
		m->addr = (u64)index << PAGE_SHIFT;
		m->prot = prot;
		m->pinned = !!pages;
		last = itn->last;
	}
	up_read(&node->lock);
	if (!it->n)
		return -ENOENT;
	it->more = itn && last != ULONG_MAX;
	it->next = last + 1;
	it->type = IOASID_DBG_MAPS;
	it->mappings += it->n;
	return 0;
}

/* The device at or after @it's id + 1: its DEV record, or the END. */
static int ioasid_dbg_next_dev(struct ioasid_dbg_iter *it,
			       struct ioasid_ctx *ictx)
{
	struct ioasid_dbg_dev *dev = &it->dev;
	struct ioasid_endpoint *ep;
	struct ioasid_object *obj;
	unsigned long id = it->id + 1;

	for (;;) {
		xa_lock(&ictx->objects);
		obj = ioasid_dbg_find(ictx, &id, true,
				      BIT(IOASID_OBJ_DEVICE) |
				      BIT(IOASID_OBJ_PCI_DEVICE));
		if (!obj) {
			xa_unlock(&ictx->objects);
			it->type = IOASID_DBG_END;
			return 0;
		}
		if (obj->type == IOASID_OBJ_DEVICE) {
			ep = container_of(obj, struct ioasid_endpoint, obj);
			dev->pci = false;
			dev->pasid_bits = ep->pasid_bits;
			dev->attachments = ep->num_atts;
			xa_unlock(&ictx->objects);
			break;
		}
		xa_unlock(&ictx->objects);
		dev->pci = true;
		if (!ioasid_pcidev_debug(ictx, id, dev->bdf, sizeof(dev->bdf),
					 &dev->pci_node, &dev->gone)) {
			dev->attachments = dev->pci_node ? 1 : 0;
			break;
		}
		id++;	/* destroyed meanwhile */
	}
	it->type = IOASID_DBG_DEV;
	it->id = id;
	it->next = 0;
	it->more = true;
	it->devices++;
	return 0;
}

/*
 * The next batch of the attachments of @it's device: an ATTS record, or
 * -ENOENT. An endpoint with attachments cannot be destroyed while the
 * IOTLB lock is held (ATTACH and DETACH change them under its write side),
 * nor can the nodes they name.
 */
static int ioasid_dbg_atts(struct ioasid_dbg_iter *it, struct ioasid_ctx *ictx)
{
	struct ioasid_attachment *att = NULL;
	struct ioasid_endpoint *ep = NULL;
	struct ioasid_object *obj;
	unsigned long key = it->next;

	it->n = 0;
	if (it->dev.pci) {
		/* One at most, as found with the device. */
		if (it->next || !it->dev.pci_node)
			return -ENOENT;
		it->atts[0].node = it->dev.pci_node;
		it->atts[0].key = IOASID_NO_PASID;
		it->n = 1;
		it->more = false;
		it->type = IOASID_DBG_ATTS;
		return 0;
	}
	if (down_read_killable(&ictx->iotlb_lock))
		return -EINTR;
	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, it->id);
	if (obj && obj->type == IOASID_OBJ_DEVICE) {
		ep = container_of(obj, struct ioasid_endpoint, obj);
		if (!ep->num_atts)
			ep = NULL;
	}
	xa_unlock(&ictx->objects);
	if (ep) {
		for (att = xa_find(&ep->atts, &key, ULONG_MAX, XA_PRESENT);
		     att && it->n < IOASID_DBG_BATCH;
		     att = xa_find_after(&ep->atts, &key, ULONG_MAX, XA_PRESENT)) {
			it->atts[it->n].node = att->node->obj.id;
			it->atts[it->n].key = key;
			it->n++;
		}
	}
	up_read(&ictx->iotlb_lock);
	if (!it->n)
		return -ENOENT;
	it->more = att && it->atts[it->n - 1].key != ULONG_MAX;
	it->next = it->atts[it->n - 1].key + 1;
	it->type = IOASID_DBG_ATTS;
	return 0;
}

/*
 * Move @it to the record after the one it is at. Return: 0, -ENOENT past
 * the last one, or an error.
 */
static int ioasid_dbg_advance(struct ioasid_dbg_iter *it)
{
	struct ioasid_ctx *ictx;
	int rc;

	if (it->type == IOASID_DBG_VERSION)
		return ioasid_dbg_next_ctx(it, 0);
	if (it->type == IOASID_DBG_EOF)
		return -ENOENT;
	ictx = ioasid_dbg_ctx(it);
	/* Closed while it was read: on to the next one. */
	if (!ictx || it->type == IOASID_DBG_END)
		return ioasid_dbg_next_ctx(it, it->serial);

	switch (it->type) {
	case IOASID_DBG_CTX:
		it->id = 0;
		return ioasid_dbg_next_node(it, ictx);
	case IOASID_DBG_NODE:
	case IOASID_DBG_MAPS:
		if (it->more) {
			rc = ioasid_dbg_maps(it, ictx);
			if (rc != -ENOENT)
				return rc;
		}
		return ioasid_dbg_next_node(it, ictx);
	case IOASID_DBG_DEV:
	case IOASID_DBG_ATTS:
		if (it->more) {
			rc = ioasid_dbg_atts(it, ictx);
			if (rc != -ENOENT)
				return rc;
		}
		return ioasid_dbg_next_dev(it, ictx);
	default:
		return -EINVAL;
	}
}

static void *ioasid_dbg_start(struct seq_file *m, loff_t *pos)
{
	struct ioasid_dbg_iter *it = m->private;
	int rc;

	it->ictx = NULL;
	if (mutex_lock_killable(&ioasid_dbg_lock))
		return ERR_PTR(-EINTR);
	it->locked = true;
	if (*pos < it->pos || it->type == IOASID_DBG_INVALID) {
		it->pos = 0;
		it->type = IOASID_DBG_VERSION;
	}
	/* Forward to *@pos: after a stop, usually there already. */
	while (it->pos < *pos && it->type != IOASID_DBG_EOF) {
		rc = ioasid_dbg_advance(it);
		if (rc == -ENOENT) {
			it->type = IOASID_DBG_EOF;
		} else if (rc) {
			it->type = IOASID_DBG_INVALID;
			return ERR_PTR(rc);
		}
		it->pos++;
		cond_resched();
	}
	return it->type == IOASID_DBG_EOF ? NULL : it;
}

static void *ioasid_dbg_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ioasid_dbg_iter *it = m->private;
	int rc;

	rc = ioasid_dbg_advance(it);
	it->pos = ++*pos;
	if (rc == -ENOENT) {
		it->type = IOASID_DBG_EOF;
		return NULL;
	}
	if (rc) {
		it->type = IOASID_DBG_INVALID;
		return ERR_PTR(rc);
	}
	return it;
}

static void ioasid_dbg_stop(struct seq_file *m, void *v)
{
	struct ioasid_dbg_iter *it = m->private;

	it->ictx = NULL;
	if (it->locked) {
		it->locked = false;
		mutex_unlock(&ioasid_dbg_lock);
	}
}

/* @s with bytes outside '!'..'~' and the backslash as \ooo. */
static void ioasid_dbg_escape(struct seq_file *m, const char *s)
{
	for (; *s; s++) {
		if (*s <= ' ' || *s > '~' || *s == '\\')
			seq_printf(m, "\\%03o", (unsigned char)*s);
		else
			seq_putc(m, *s);
	}
}

static const char *const ioasid_dbg_formats[] = {
	[IOASID_FORMAT_X86_64] = "x86-64",
	[IOASID_FORMAT_ARM64] = "arm64",
	[IOASID_FORMAT_RISCV] = "riscv",
	[IOASID_FORMAT_AMD_V1] = "amd-v1",
	[IOASID_FORMAT_SMMUV3_CD] = "smmuv3-cd",
	[IOASID_FORMAT_AMD_GCR3] = "amd-gcr3",
	[IOASID_FORMAT_RISCV_PDT] = "riscv-pdt",
};

static void ioasid_dbg_show_node(struct seq_file *m,
				 const struct ioasid_dbg_iter *it)
{
	const struct ioasid_dbg_node *n = &it->node;

	seq_printf(m, "node ctx=%llu id=%lu parent=%u depth=%u mode=%s children=%u attached=%u mappings=%llu mapped_bytes=%llu pinned_bytes=%llu dirty_tracking=%d",
		   it->serial, it->id, n->parent, n->depth,
		   n->user ? "user" : "kernel", n->children, n->attached,
		   n->mappings, n->mapped_bytes, n->pinned_bytes,
		   n->dirty_tracking);
	if (n->user) {
		if (n->format < ARRAY_SIZE(ioasid_dbg_formats) &&
		    ioasid_dbg_formats[n->format])
			seq_printf(m, " format=%s", ioasid_dbg_formats[n->format]);
		else
			seq_printf(m, " format=%u", n->format);
		seq_printf(m, " bound=%d root=0x%llx bind_flags=0x%x caching_mode=%d",
			   n->bound, n->root, n->bind_flags, n->caching_mode);
	}
	seq_putc(m, '\n');
}

static int ioasid_dbg_show(struct seq_file *m, void *v)
{
	static const char *const perms[] = { "-", "r", "w", "rw" };
	const struct ioasid_dbg_iter *it = v;
	const struct ioasid_dbg_map *map;
	unsigned int i;

	switch (it->type) {
	case IOASID_DBG_VERSION:
		seq_puts(m, "version 1\n");
		break;
	case IOASID_DBG_CTX:
		seq_printf(m, "ctx id=%llu pid=%d uid=%u comm=", it->serial,
			   it->ctx.pid, it->ctx.uid);
		ioasid_dbg_escape(m, it->ctx.comm);
		seq_printf(m, " account=%s\n",
			   it->account == IOASID_ACCOUNT_PROCESS ? "process" : "user");
		break;
	case IOASID_DBG_NODE:
		ioasid_dbg_show_node(m, it);
		break;
	case IOASID_DBG_MAPS:
		for (i = 0; i < it->n; i++) {
			map = &it->maps[i];
			seq_printf(m, "map ctx=%llu node=%lu iova=0x%llx length=0x%llx perm=%s addr=0x%llx pinned_bytes=%llu\n",
				   it->serial, it->id, map->iova, map->length,
				   perms[map->prot & 3], map->addr,
				   map->pinned ? map->length : 0);
		}
		break;
	case IOASID_DBG_DEV:
		if (it->dev.pci)
			seq_printf(m, "dev ctx=%llu id=%lu kind=pci bdf=%s state=%s attachments=%u\n",
				   it->serial, it->id, it->dev.bdf,
				   it->dev.gone ? "gone" : "live",
				   it->dev.attachments);
		else
			seq_printf(m, "dev ctx=%llu id=%lu kind=sw pasid_bits=%u attachments=%u\n",
				   it->serial, it->id, it->dev.pasid_bits,
				   it->dev.attachments);
		break;
	case IOASID_DBG_ATTS:
		for (i = 0; i < it->n; i++) {
			seq_printf(m, "att ctx=%llu dev=%lu node=%u pasid=",
				   it->serial, it->id, it->atts[i].node);
			if (it->atts[i].key == IOASID_NO_PASID)
				seq_puts(m, "none\n");
			else
				seq_printf(m, "%lu\n", it->atts[i].key);
		}
		break;
	case IOASID_DBG_END:
		seq_printf(m, "end ctx=%llu nodes=%llu devices=%llu mappings=%llu pinned_bytes=%llu\n",
			   it->serial, it->nodes, it->devices, it->mappings,
			   it->pinned_bytes);
		break;
	default:
		break;
	}
	return 0;
}

static const struct seq_operations ioasid_dbg_sops = {
	.start = ioasid_dbg_start,
	.next = ioasid_dbg_next,
	.stop = ioasid_dbg_stop,
	.show = ioasid_dbg_show,
};

static int ioasid_dbg_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &ioasid_dbg_sops,
				sizeof(struct ioasid_dbg_iter));
}

static const struct file_operations ioasid_dbg_fops = {
	.owner = THIS_MODULE,
	.open = ioasid_dbg_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/* Without CONFIG_DEBUG_FS these do nothing, and the module works as ever. */
void ioasid_debugfs_init(void)
{
	ioasid_dbg_dir = debugfs_create_dir("ioasid", NULL);
	debugfs_create_file("contexts", 0400, ioasid_dbg_dir, NULL,
			    &ioasid_dbg_fops);
}

void ioasid_debugfs_exit(void)
{
	debugfs_remove_recursive(ioasid_dbg_dir);
}
