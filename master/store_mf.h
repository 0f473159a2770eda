/* corral-master: a store version's manifest, its text form (store_mf.c).
 *
 *   corral-store-manifest 2
 *   container web
 *   host h1
 *   kind hot
 *   created 2024-05-01T12:34:56Z
 *   method btrfs
 *   files 1234
 *   bytes 56789012
 *   stored 4096
 *   entries
 *   d 0755 0 0 0 1616821567.123456789 - - rootfs
 *   f 0644 0 0 12 1616821567.000000001 <64 hex digits> - rootfs/etc/hostname
 *   f 4755 0 0 9 1616821567.000000001 <64 hex digits> <64 hex> rootfs/bin/ping
 *   l 0777 0 0 7 1616821567.500000000 <SHA-256 of the target> - rootfs/bin/sh
 *   c 0666 0 0 0 -86400.500000000 1,3 - rootfs/dev/null
 *   p 0600 0 0 0 1616821567.000000000 - - rootfs/run/caf\xe9
 *   end
 *
 * One entry a line, depth-first, names sorted bytewise within a directory
 * (so a path sorts as if '/' were the lowest byte): type (f d l c b p s),
 * permission bits in octal, uid, gid, size (a symlink: its target's
 * length), mtime (seconds, signed, a dot, 9 digits of nanoseconds to add),
 * content (f: SHA-256 of the data; l: of the target; c b: major,minor;
 * else "-"), the extended attributes (ACLs and file capabilities among
 * them: "-" when none, else the SHA-256 of each name, a NUL, its value's
 * length as 4 bytes big-endian and the value, in bytewise order of the
 * names; format 1 has no such field), then the path relative to the version, last so that it may
 * hold spaces, with every byte outside printable ASCII escaped as \xNN
 * and the backslash as \\ (common/escape.h): any byte sequence
 * round-trips and an entry is one line.  Header values are escaped the
 * same way.  Entries must come in order; hard links are a line per name.
 *
 * files counts the entries, bytes the regular files' sizes (per name),
 * stored the space allocated to regular files whose inode is new in this
 * version (links) or whose content is new (btrfs, reflink), each inode
 * once: the space the version took, but for directories and inodes and
 * for blocks a changed file still shares.  "end" closes a complete file.
 */
#ifndef CORRAL_STORE_MF_H
#define CORRAL_STORE_MF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "store.h"

#define STORE_MF_MAGIC   "corral-store-manifest"
#define STORE_MF_FORMAT  2        /* 1: no xattrs field (still read) */
#define STORE_PATH_MAX   4096       /* a path under a version, with NUL */
#define STORE_HASH_LEN   32
/* the longest line: the fields, then every path byte as \xNN */
#define STORE_MF_LINE_MAX (240 + 4 * STORE_PATH_MAX)
#define STORE_ERR_MAX    512

struct store_mf_header {
	int format;
	char container[64];
	char host[STORE_HOST_MAX];
	enum store_kind kind;
	enum store_method method;
	time_t created;
	uint64_t files, bytes, stored;
};

struct store_ent {
	char type;                    /* f d l c b p s */
	uint32_t perm;                /* mode & 07777 */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint8_t hash[STORE_HASH_LEN]; /* f, l */
	uint32_t major, minor;        /* c, b */
	char xattrs;                  /* '-' none, 'x' xhash, 0 unknown
	                                 (a format 1 manifest) */
	uint8_t xhash[STORE_HASH_LEN];
	char path[STORE_PATH_MAX];
};

/* The type letter of a st_mode, 0 if none. */
char store_ent_type(mode_t mode);
/* Order of two paths in manifest (walk) order. */
int store_path_cmp(const char *a, const char *b);

/* One entry as a line (without the newline) into buf; 0, or -1 if it
 * does not fit or the entry is invalid. */
int store_mf_format(const struct store_ent *e, char *buf, size_t len);
/* Parse one line (without its newline) of a manifest of format; 0, or
 * -1 with what is wrong in err (without the line number). */
int store_mf_parse(const char *line, int format, struct store_ent *e,
    char *err, size_t errlen);

/* ISO 8601 UTC, "2024-05-01T12:34:56Z", and back. */
void store_iso_time(time_t t, char buf[32]);
int store_iso_parse(const char *s, time_t *t);

/* Write the header, through "entries", to f. */
int store_mf_write_header(FILE *f, const struct store_mf_header *h);

/* Reading a manifest from f, for the file name (in messages). */
struct store_mf_reader {
	FILE *f;
	const char *name;
	unsigned long line;
	uint64_t entries;
	bool done;
	struct store_mf_header h;
	char buf[STORE_MF_LINE_MAX + 2];
	char last[STORE_PATH_MAX];    /* the previous entry's path */
};
/* Read the header; entries follow with store_mf_next. */
int store_mf_open(struct store_mf_reader *r, FILE *f, const char *name,
    char *err, size_t errlen);
/* The next entry: 1, 0 at "end" (entries counted against files), -1 with
 * err "NAME:LINE: what". */
int store_mf_next(struct store_mf_reader *r, struct store_ent *e, char *err,
    size_t errlen);

#endif
