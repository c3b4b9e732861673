/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The expectations every walker unit test (tests/unit/walker_<name>.c)
 * writes on one walk.  They use the including file's
 * walk(struct pt *, iova, access, struct ioasid_pt_result *) and its
 * fixture's self->pt; include after kselftest_harness.h.
 */
#ifndef WALKER_EXPECT_H
#define WALKER_EXPECT_H

/* Expect a fault of @reason at @level from walking @iova for @access. */
#define EXPECT_FAULT(reason, lvl, iova, access)				\
	do {								\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(reason, walk(&self->pt, iova, access, &__r));	\
		EXPECT_EQ(reason, __r.fault_reason);			\
		EXPECT_EQ(lvl, __r.fault_level);			\
		EXPECT_EQ(0, __r.out);					\
		EXPECT_EQ(0, __r.page_size);				\
	} while (0)

/* Expect a translation of @iova to @out in a @size page. */
#define EXPECT_XLATE(out_, size, iova, access)				\
	do {								\
		struct ioasid_pt_result __r;				\
		EXPECT_EQ(0, walk(&self->pt, iova, access, &__r));	\
		EXPECT_EQ(0, __r.fault_reason);				\
		EXPECT_EQ(0, __r.fault_level);				\
		EXPECT_EQ(out_, __r.out);				\
		EXPECT_EQ(size, __r.page_size);				\
	} while (0)

/*
 * Expect item @i of those @s collected from an iteration (s->it[], s->n)
 * to be what is named.
 */
#define EXPECT_LEAF_ITEM(s, i, first_, last_, out_, size, perm_)	\
	do {								\
		const struct ioasid_pt_leaf *__l = &(s)->it[i];		\
		ASSERT_LT(i, (s)->n);					\
		EXPECT_EQ(first_, __l->first);				\
		EXPECT_EQ(last_, __l->last);				\
		EXPECT_EQ(out_, __l->out);				\
		EXPECT_EQ(size, __l->page_size);			\
		EXPECT_EQ(perm_, __l->perm);				\
		EXPECT_EQ(0, __l->fault_reason);			\
		EXPECT_EQ(0, __l->fault_level);				\
	} while (0)

#define EXPECT_FAULT_ITEM(s, i, first_, last_, reason, lvl)		\
	do {								\
		const struct ioasid_pt_leaf *__l = &(s)->it[i];		\
		ASSERT_LT(i, (s)->n);					\
		EXPECT_EQ(first_, __l->first);				\
		EXPECT_EQ(last_, __l->last);				\
		EXPECT_EQ(reason, __l->fault_reason);			\
		EXPECT_EQ(lvl, __l->fault_level);			\
		EXPECT_EQ(0, __l->out);					\
		EXPECT_EQ(0, __l->page_size);				\
		EXPECT_EQ(0, __l->perm);				\
		EXPECT_EQ(0, __l->maybe);				\
		EXPECT_EQ(0, __l->update);				\
	} while (0)

#endif /* WALKER_EXPECT_H */
