/* Unit tests of the slave's files (test_snapmark, test_ctlock): its
 * context on dir storage in a scratch directory TOP: TOP/root with its
 * .corral-snap and a volume w1, TOP/lxc. */
#ifndef CORRAL_TEST_SLAVETMP_H
#define CORRAL_TEST_SLAVETMP_H

#include <stdbool.h>
#include <stddef.h>

#include "slave.h"

extern struct slave_ctx test_ctx;
/* cmocka's setup and teardown of each test: a fresh TOP, then none */
int slavetmp_setup(void **state);
int slavetmp_teardown(void **state);
/* TOP/root/.corral-snap/rel into buf; whether it is there (a link too) */
void slavetmp_path(const char *rel, char *buf, size_t len);
bool slavetmp_present(const char *rel);
/* TOP/rel into buf */
void slavetmp_top(const char *rel, char *buf, size_t len);

#endif
