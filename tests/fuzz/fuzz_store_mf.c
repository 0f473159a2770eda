/* libFuzzer target: the store's manifests (master/store_mf.c).
 *
 * The input is a manifest file, read the way every reader of the store
 * does (store_mf_open, then store_mf_next to the end or the first
 * error).  Besides never reading past the input: an accepted header
 * writes back to a header that reads the same; an accepted entry formats
 * to a line that parses to the same entry; every error names the file
 * and a line.  A broken property aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_mf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* tens of KiB each: not on the stack */
static struct store_mf_reader rd, back;
static struct store_ent ent, again;
static char line[STORE_MF_LINE_MAX + 1];

static void
header_round_trip(const struct store_mf_header *h)
{
	char *text = NULL, err[STORE_ERR_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	CHECK(store_mf_write_header(f, h) == 0);
	CHECK(fclose(f) == 0);
	f = fmemopen(text, len, "r");
	CHECK(f != NULL);
	CHECK(store_mf_open(&back, f, "again", err, sizeof(err)) == 0);
	CHECK(strcmp(back.h.container, h->container) == 0);
	CHECK(strcmp(back.h.host, h->host) == 0);
	CHECK(back.h.kind == h->kind && back.h.method == h->method);
	CHECK(back.h.created == h->created && back.h.files == h->files);
	CHECK(back.h.bytes == h->bytes && back.h.stored == h->stored);
	fclose(f);
	free(text);
}

static void
entry_round_trip(const struct store_ent *e)
{
	char err[STORE_ERR_MAX];

	CHECK(store_mf_format(e, line, sizeof(line)) == 0);
	CHECK(store_mf_parse(line, STORE_MF_FORMAT, &again, err,
	    sizeof(err)) == 0);
	CHECK(again.xattrs == e->xattrs);
	CHECK(memcmp(again.xhash, e->xhash, sizeof(e->xhash)) == 0);
	CHECK(again.type == e->type && again.perm == e->perm);
	CHECK(again.uid == e->uid && again.gid == e->gid);
	CHECK(again.size == e->size && again.mtime_sec == e->mtime_sec);
	CHECK(again.mtime_nsec == e->mtime_nsec);
	CHECK(strcmp(again.path, e->path) == 0);
	CHECK(memcmp(again.hash, e->hash, sizeof(e->hash)) == 0);
	CHECK(again.major == e->major && again.minor == e->minor);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[STORE_ERR_MAX];
	FILE *f;
	int rc;

	if (size == 0)
		return 0;   /* fmemopen refuses an empty buffer */
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	err[0] = '\0';
	if (store_mf_open(&rd, f, "fuzz.mf", err, sizeof(err)) != 0) {
		CHECK(strncmp(err, "fuzz.mf:", 8) == 0);
		goto out;
	}
	header_round_trip(&rd.h);
	memset(&ent, 0, sizeof(ent));
	while ((rc = store_mf_next(&rd, &ent, err, sizeof(err))) == 1) {
		CHECK(rd.entries > 0 && strlen(ent.path) < STORE_PATH_MAX);
		memset(&again, 0, sizeof(again));
		/* a format 1 entry is written as having none */
		CHECK(ent.xattrs != 0 || rd.h.format == 1);
		if (ent.xattrs == 0)
			ent.xattrs = '-';
		entry_round_trip(&ent);
		memset(&ent, 0, sizeof(ent));
	}
	if (rc < 0)
		CHECK(strncmp(err, "fuzz.mf:", 8) == 0);
	else
		CHECK(rd.done && rd.entries == rd.h.files);
out:
	fclose(f);
	return 0;
}
