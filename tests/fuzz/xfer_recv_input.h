/* The input of tests/fuzz/fuzz_xfer_recv.c, which build/xfer-local --dump
 * also writes (its seed corpus is real senders' streams):
 *
 *   u8 options (XRI_*), then records: u8 kind, u24 big-endian length,
 *   that many bytes (fewer if the input ends first).
 *
 * A record of kind k % XRI_KINDS is one frame of type xri_types[k] with
 * the record's bytes as payload, or, XRI_RAW, bytes written as they are
 * (a bad header, an unknown type, a frame cut short). */
#ifndef CORRAL_XFER_RECV_INPUT_H
#define CORRAL_XFER_RECV_INPUT_H

#include <stdint.h>

#include "proto.h"

#define XRI_DRY_RUN   0x01   /* TREE_OPT_DRY_RUN */
#define XRI_SHARED    0x02   /* xfer_opts.shared_inodes */
#define XRI_CREATE    0x04   /* no root yet: made under the store */
#define XRI_BASIS     0x08   /* the root holds the basis tree first */
#define XRI_CHANGES   0x10   /* an on_change callback */
#define XRI_IN_PLACE  0x20   /* xfer_opts.in_place */

#define XRI_RECORD_HDR 4
#define XRI_RAW        7
#define XRI_KINDS      8

static const uint16_t xri_types[XRI_KINDS] = {
	MSG_TREE_ENTRIES, MSG_TREE_ENTRIES_Z, MSG_TREE_DATA, MSG_TREE_END,
	MSG_TREE_PROGRESS, MSG_ERROR, MSG_TREE_NEED, 0,
};

#endif
