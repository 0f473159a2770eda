/* corral: lists in message payloads (u32 count, then the elements), for
 * the codecs of proto/ only.  One pair of helpers keeps the bound checks
 * in one place for every list type. */
#ifndef CORRAL_MSG_LIST_H
#define CORRAL_MSG_LIST_H

#include <stddef.h>

#include "buf.h"

typedef int (*put_elem_fn)(struct cbuf *, const void *);
typedef int (*get_elem_fn)(struct cbuf *, void *);

/* n elements of size from v, each by put_elem; at most PROTO_LIST_MAX. */
int msg_put_list(struct cbuf *b, const void *v, size_t n, size_t size,
    put_elem_fn put_elem);
/* A list that ends the payload into a new array *out (free()) of *nout
 * elements of size, each by get; min_elem is an element's smallest
 * encoding, to refuse a count the payload cannot hold before allocating. */
int msg_get_list(struct cbuf *b, void **out, size_t *nout, size_t size,
    size_t min_elem, get_elem_fn get);
/* The same, for a list that more fields follow. */
int msg_get_list_more(struct cbuf *b, void **out, size_t *nout, size_t size,
    size_t min_elem, get_elem_fn get);

#endif
