/* corral-slave: running helper programs (lvm, mkfs, ...) without a shell. */
#ifndef CORRAL_RUN_H
#define CORRAL_RUN_H

#include <stddef.h>

/* Run argv[0] (looked up in PATH) with argv, no shell, stdin from
 * /dev/null, killed after timeout_s seconds.  Up to outlen - 1 bytes of its
 * standard output go to out (NUL-terminated; out may be NULL).  Returns 0 if
 * it exited 0; otherwise -1 with err naming the program and carrying the
 * last line of its standard error. */
int run_argv(const char *const argv[], int timeout_s, char *out,
    size_t outlen, char *err, size_t errlen);

#endif
