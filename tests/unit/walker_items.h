/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every walker unit test (tests/unit/walker_<name>.c) keeps of an
 * iteration: struct items and collect(), the callback that fills it (in
 * order, counting disorder and faults, stopping at stop_after).  Define
 * MAX_ITEMS, the items kept, before including.
 */
#ifndef WALKER_ITEMS_H
#define WALKER_ITEMS_H

#ifndef MAX_ITEMS
#error "define MAX_ITEMS before including walker_items.h"
#endif

struct items {
	unsigned int n;			/* kept, the first MAX_ITEMS */
	unsigned long calls;		/* all */
	unsigned long disorder;		/* items not after the previous one */
	unsigned long faults;		/* items with a fault_reason */
	unsigned long stop_after;	/* > 0: stop at this call */
	int stop_ret;			/* with this */
	struct ioasid_pt_leaf it[MAX_ITEMS];
	struct ioasid_pt_leaf last_item;
};

static int collect(void *arg, const struct ioasid_pt_leaf *leaf)
{
	struct items *s = arg;

	if (leaf->first > leaf->last ||
	    (s->calls && leaf->first <= s->last_item.last))
		s->disorder++;
	s->calls++;
	if (leaf->fault_reason)
		s->faults++;
	s->last_item = *leaf;
	if (s->n < MAX_ITEMS)
		s->it[s->n++] = *leaf;
	if (s->stop_after && s->calls == s->stop_after)
		return s->stop_ret;
	return 0;
}

#endif /* WALKER_ITEMS_H */
