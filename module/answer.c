// SPDX-License-Identifier: GPL-2.0
/*
 * Answers: how MAP, COPY, UNMAP and TRANSLATE give their results back.
 *
 * Each writes its output (struct ioasid_answer) under the lock that makes
 * the result true and before it changes anything, with page faults
 * disabled (ioasid_answer_write() in ioasid_private.h). When the caller's
 * page is not there to be written without a fault, the command lets go of
 * its locks, faults the page in here and starts over. So a caller that
 * cannot be answered sees nothing happen, and nobody ever sees a mapping
 * that is then taken back.
 */
#include <linux/pagemap.h>
#include <linux/uaccess.h>

#include "ioasid_private.h"

#define IOASID_ANSWER_TRIES	8

int ioasid_answer_init(struct ioasid_answer *ans, void __user *uptr,
		       const void *kcmd, size_t len)
{
	if (!access_ok(uptr, len))
		return -EFAULT;
	*ans = (struct ioasid_answer){ .uptr = uptr, .kcmd = kcmd, .len = len };
	return 0;
}

/*
 * The answer could not be written under the command's lock: fault the
 * caller's struct in for writing, without writing it, before the command
 * tries again. A struct that is not writable, or keeps going away (another
 * thread unmapping it), ends the command with EFAULT, having done nothing.
 */
int ioasid_answer_fault_in(const struct ioasid_answer *ans, unsigned int *tries)
{
	if (++*tries > IOASID_ANSWER_TRIES ||
	    fault_in_safe_writeable(ans->uptr, ans->len))
		return -EFAULT;
	return 0;
}
