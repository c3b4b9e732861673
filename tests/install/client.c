// SPDX-License-Identifier: GPL-2.0
/*
 * A libioasid client built the way a user builds one against an installed
 * libioasid: `cc client.c $(pkg-config --cflags --libs libioasid)`. It only
 * calls what works without the module (the host cannot load it):
 * ioasid_open() of a path that does not exist fails cleanly with -ENOENT
 * and hands back no handle. It also takes the address of
 * ioasid_module_load() without calling it, so that a static link pulls in
 * the library's libkmod part and needs pkg-config's Requires.private.
 *
 * Usage: client MISSING_PATH. Exit status 0 iff every check held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libioasid.h>

static int failed;

static void expect(const char *what, int got, int want)
{
	if (got == want) {
		printf("ok %s = %d\n", what, got);
	} else {
		printf("not ok %s = %d (%s), want %d\n", what, got,
		       got < 0 ? strerror(-got) : "", want);
		failed = 1;
	}
}

int main(int argc, char **argv)
{
	int (*volatile load)(const char *, unsigned int) = ioasid_module_load;
	struct ioasid_handle *handle = NULL;
	struct ioasid_info info;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MISSING_PATH\n", argv[0]);
		return 2;
	}
	expect("ioasid_open(missing path)", ioasid_open(&handle, argv[1], 0), -ENOENT);
	expect("handle left NULL", handle != NULL, 0);
	expect("ioasid_open(NULL handlep)", ioasid_open(NULL, argv[1], 0), -EINVAL);
	expect("ioasid_fd(NULL)", ioasid_fd(NULL), -EINVAL);
	expect("ioasid_close(NULL)", ioasid_close(NULL), 0);
	/* The installed uAPI header came along with libioasid.h. */
	expect("sizeof(info.size)", (int)sizeof(info.size), 4);
	expect("ioasid_module_load linked", load != NULL, 1);
	printf("%s: module %s, device %s\n", failed ? "FAILED" : "OK",
	       IOASID_MODULE_NAME, IOASID_DEVICE_PATH);
	return failed;
}
