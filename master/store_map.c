/* corral-master: a small hash map of byte strings for the store (the
 * paths a receiver reported, inodes met in a walk). */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* One entry: its key then its value, in one allocation. */
struct slot {
	uint64_t hash;
	size_t klen, vlen;
	unsigned char data[];
};

struct store_map {
	struct slot **slots;
	size_t cap, n;          /* cap: a power of two, at most half full */
};

static uint64_t
hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

struct store_map *
store_map_new(void)
{
	struct store_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = 64;
	if ((m->slots = calloc(m->cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
store_map_free(struct store_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->slots[i]);
	free(m->slots);
	free(m);
}

/* The slot of key, or the empty one where it would go. */
static struct slot **
find(const struct store_map *m, const void *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	struct slot *s;

	while ((s = m->slots[i]) != NULL) {
		if (s->hash == h && s->klen == klen &&
		    memcmp(s->data, key, klen) == 0)
			break;
		i = (i + 1) & (m->cap - 1);
	}
	return &m->slots[i];
}

static int
grow(struct store_map *m)
{
	struct store_map bigger = { .cap = 2 * m->cap };
	size_t i;

	if ((bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots))) == NULL)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i] != NULL)
			*find(&bigger, m->slots[i]->data, m->slots[i]->klen,
			    m->slots[i]->hash) = m->slots[i];
	free(m->slots);
	m->slots = bigger.slots;
	m->cap = bigger.cap;
	return 0;
}

int
store_map_add(struct store_map *m, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	uint64_t h = hash_bytes(key, klen);
	struct slot **at, *s;

	if (*(at = find(m, key, klen, h)) != NULL)
		return 1;
	if (2 * (m->n + 1) > m->cap) {
		if (grow(m) != 0)
			return -1;
		at = find(m, key, klen, h);
	}
	if ((s = malloc(sizeof(*s) + klen + vlen)) == NULL)
		return -1;
	s->hash = h;
	s->klen = klen;
	s->vlen = vlen;
	memcpy(s->data, key, klen);
	if (vlen > 0)
		memcpy(s->data + klen, val, vlen);
	*at = s;
	m->n++;
	return 0;
}

const void *
store_map_get(const struct store_map *m, const void *key, size_t klen,
    size_t *vlen)
{
	struct slot *s = *find(m, key, klen, hash_bytes(key, klen));

	if (s == NULL)
		return NULL;
	if (vlen != NULL)
		*vlen = s->vlen;
	return s->data + s->klen;
}

size_t
store_map_count(const struct store_map *m)
{
	return m->n;
}
