/* corral: lists in message payloads (see msg_list.h). */
#include <stdbool.h>
#include <stdlib.h>

#include "cerr.h"
#include "msg_list.h"
#include "proto.h"

int
msg_put_list(struct cbuf *b, const void *v, size_t n, size_t size,
    put_elem_fn put_elem)
{
	size_t i;
	int r;

	if (n > PROTO_LIST_MAX)
		return CERR_BAD_COUNT;
	if ((r = cbuf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = put_elem(b, (const char *)v + i * size)) != 0)
			return r;
	return 0;
}

static int
get_list(struct cbuf *b, void **out, size_t *nout, size_t size,
    size_t min_elem, get_elem_fn get, bool last)
{
	uint32_t n, i;
	char *v = NULL;
	int r;

	*out = NULL;
	*nout = 0;
	if ((r = cbuf_get_count(b, PROTO_LIST_MAX, min_elem, &n)) != 0)
		return r;
	if (n > 0 && (v = calloc(n, size)) == NULL)
		return CERR_NOMEM;
	for (i = 0; i < n; i++)
		if ((r = get(b, v + (size_t)i * size)) != 0)
			goto fail;
	if (last && (r = cbuf_expect_end(b)) != 0)
		goto fail;
	*out = v;
	*nout = n;
	return 0;
fail:
	free(v);
	return r;
}

int
msg_get_list(struct cbuf *b, void **out, size_t *nout, size_t size,
    size_t min_elem, get_elem_fn get)
{
	return get_list(b, out, nout, size, min_elem, get, true);
}

int
msg_get_list_more(struct cbuf *b, void **out, size_t *nout, size_t size,
    size_t min_elem, get_elem_fn get)
{
	return get_list(b, out, nout, size, min_elem, get, false);
}
