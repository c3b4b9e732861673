// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/* libioasid: loading and unloading the kernel module through libkmod. */
#include <errno.h>
#include <libkmod.h>
#include <stddef.h>

#include "libioasid_private.h"

static int ioasid_kmod_module(struct kmod_ctx **ctxp, struct kmod_module **modp,
			      const char *path)
{
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	if (path)
		ret = kmod_module_new_from_path(ctx, path, modp);
	else
		ret = kmod_module_new_from_name(ctx, IOASID_MODULE_NAME, modp);
	if (ret < 0) {
		kmod_unref(ctx);
		return ret;
	}
	*ctxp = ctx;
	return 0;
}

static void ioasid_kmod_put(struct kmod_ctx *ctx, struct kmod_module *mod)
{
	kmod_module_unref(mod);
	kmod_unref(ctx);
}

IOASID_EXPORT int ioasid_module_load(const char *path, unsigned int flags)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	if (flags)
		return -EINVAL;
	ret = ioasid_kmod_module(&ctx, &mod, path);
	if (ret)
		return ret;

	if (kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE) {
		ret = 1;
	} else if (path) {
		ret = kmod_module_insert_module(mod, 0, NULL);
	} else {
		/* By name: modules.dep must know it, or there is nothing to load. */
		if (!kmod_module_get_path(mod))
			ret = -ENOENT;
		else
			ret = kmod_module_probe_insert_module(mod, 0, NULL, NULL,
							      NULL, NULL);
	}
	if (ret == -EEXIST)
		ret = 1;
	ioasid_kmod_put(ctx, mod);
	return ret;
}

IOASID_EXPORT int ioasid_module_unload(unsigned int flags)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	if (flags)
		return -EINVAL;
	ret = ioasid_kmod_module(&ctx, &mod, NULL);
	if (ret)
		return ret;

	ret = kmod_module_get_initstate(mod);
	if (ret < 0)
		goto out;	/* -ENOENT: not loaded */
	if (kmod_module_get_refcnt(mod) > 0) {
		ret = -EBUSY;
		goto out;
	}
	ret = kmod_module_remove_module(mod, 0);
	/* An open() that raced with us: delete_module() says EWOULDBLOCK. */
	if (ret == -EAGAIN)
		ret = -EBUSY;
out:
	ioasid_kmod_put(ctx, mod);
	return ret;
}
