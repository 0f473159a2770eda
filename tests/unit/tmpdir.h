/* Unit tests' scratch directories: tests run real files (SQLite ...). */
#ifndef CORRAL_TEST_TMPDIR_H
#define CORRAL_TEST_TMPDIR_H

#include <stddef.h>

/* A fresh directory $TMPDIR/corral-TAG-XXXXXX (or under /tmp) into dir:
 * 0, or -1. */
int test_tmpdir(const char *tag, char *dir, size_t len);
/* Remove dir and the files in it (it holds no directories). */
void test_tmpdir_remove(const char *dir);

#endif
