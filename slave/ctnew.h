/* corral-slave: what CT_NEW (ctnew.c) takes from the master into a new
 * container's config and root file system, checked and written here so
 * that a hostile request is tested on its own (tests/unit/test_ctnew.c). */
#ifndef CORRAL_CTNEW_H
#define CORRAL_CTNEW_H

#include <stddef.h>

#include "msg.h"

/* Every field of q that goes into the config or files is checked again
 * here, whatever the master checked: the address with its prefix, the
 * gateway and name servers as addresses, the link and domain in their
 * alphabets (a newline would be a config line of its own).  0, or -1
 * with err naming the field. */
int ctnew_check(const struct msg_new_req *q, char *err, size_t errlen);

/* rootfs/etc/resolv.conf from q's domain and name servers, and
 * etc/init.d/rcS without the template's DHCP client; a link planted at
 * etc, at either file or at init.d is never followed (a link at a file is
 * replaced, one at a directory refused or passed over).  0, or -1 with
 * err. */
int ctnew_write_files(const char *rootfs, const struct msg_new_req *q,
    char *err, size_t errlen);

#endif
