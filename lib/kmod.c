// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/* libioasid: loading and unloading the kernel module through libkmod. */
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "libioasid_private.h"

/* A library does not print: errors come back as -errno. */
static void ioasid_kmod_log(void *data, int priority, const char *file,
			    int line, const char *fn, const char *format,
			    va_list args)
{
	(void)data; (void)priority; (void)file; (void)line; (void)fn;
	(void)format; (void)args;
}

static int ioasid_kmod_module(struct kmod_ctx **ctxp, struct kmod_module **modp,
			      const char *path)
{
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, ioasid_kmod_log, NULL);
	if (path)
		ret = kmod_module_new_from_path(ctx, path, modp);
	else
		ret = kmod_module_new_from_name(ctx, IOASID_MODULE_NAME, modp);
	if (ret < 0) {
		kmod_unref(ctx);
		return ret;
	}
	/* A file given by path must be this module, not any module. */
	if (strcmp(kmod_module_get_name(*modp), IOASID_MODULE_NAME)) {
		kmod_module_unref(*modp);
		kmod_unref(ctx);
		return -EINVAL;
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
		/*
		 * By name: modules.dep must know it. modprobe.d install
		 * commands are not run from a library; a load that races with
		 * another one reports -EEXIST, which is "already loaded".
		 */
		if (!kmod_module_get_path(mod))
			ret = -ENOENT;
		else
			ret = kmod_module_probe_insert_module(mod,
				KMOD_PROBE_FAIL_ON_LOADED | KMOD_PROBE_IGNORE_COMMAND,
				NULL, NULL, NULL, NULL);
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
