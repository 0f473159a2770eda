/* corral: the records of a tree transfer (see proto/PROTOCOL, "Tree
 * transfer").
 *
 * The sender walks its tree depth-first, names sorted bytewise within each
 * directory, and streams ENTRIES; the receiver walks its own tree in the
 * same order beside the stream, so neither side ever holds the whole list.
 * Regular files are numbered in stream order; the receiver answers each
 * file it needs with a NEED (literal, or delta with a librsync signature in
 * SIG frames), in increasing file order; the sender answers NEEDs in the
 * same order with DATA frames.  Every name is one path component.
 */
#ifndef CORRAL_TREE_H
#define CORRAL_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TREE_NAME_MAX    255           /* bytes of one path component */
#define TREE_LINK_MAX    4095          /* bytes of a symlink target */
#define TREE_XATTR_NAME_MAX 255
#define TREE_XATTR_VALUE_MAX 65536
#define TREE_XATTRS_MAX  64            /* per entry */
#define TREE_XATTRS_BYTES_MAX (256 * 1024)
#define TREE_DEPTH_MAX   256           /* nested directories */
#define TREE_HASH_LEN    32            /* SHA-256 */
#define TREE_CHUNK_MAX   (512 * 1024)  /* data bytes in one DATA frame */
#define TREE_WINDOW      1024          /* files announced, not yet done */

/* Entry kinds. */
enum tree_kind {
	TREE_FILE      = 1,   /* regular file: gets the next file index */
	TREE_DIR       = 2,   /* enter a directory (created or updated) */
	TREE_LEAVE     = 3,   /* leave the current directory */
	TREE_SYMLINK   = 4,
	TREE_HARDLINK  = 5,   /* another name of an earlier file (link_index) */
	TREE_DEVICE    = 6,   /* block or char device: mode says which */
	TREE_FIFO      = 7,
	TREE_SOCKET    = 8,
};

/* Entry flags. */
#define TREE_F_LINKED    0x01  /* a FILE others will hard-link to */
#define TREE_F_HASH      0x02  /* hash holds the content's SHA-256 */

struct tree_xattr {
	char name[TREE_XATTR_NAME_MAX + 1];
	const uint8_t *value;          /* points into the decoded frame */
	uint32_t len;
};

struct tree_entry {
	uint8_t kind;
	uint8_t flags;
	char name[TREE_NAME_MAX + 1];  /* "" for LEAVE and for the root DIR */
	uint32_t mode;                 /* st_mode, type bits included */
	uint32_t uid, gid;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t size;                 /* FILE */
	uint64_t rdev;                 /* DEVICE */
	uint32_t link_index;           /* HARDLINK: the FILE's index */
	char target[TREE_LINK_MAX + 1];/* SYMLINK */
	uint8_t hash[TREE_HASH_LEN];   /* with TREE_F_HASH */
	size_t n_xattrs;
	struct tree_xattr xattrs[TREE_XATTRS_MAX];
};

/* How the receiver wants a file. */
enum tree_need_how {
	TREE_NEED_LITERAL = 1,         /* send it whole */
	TREE_NEED_DELTA   = 2,         /* signature follows in SIG frames */
	TREE_NEED_SKIP    = 3,         /* unchanged (or a dry run): nothing */
	TREE_NEED_BLOCKS  = 4,         /* a large file: hashes of the basis's
	                                * aligned blocks follow in SIG frames */
};

/* Aligned blocks (TREE_NEED_BLOCKS): the receiver picks a random seed for
 * the file (sent in its NEED) and sends the first TREE_BLOCK_HASH bytes of
 * the seeded XXH3-128 of each TREE_BLOCK_LEN block of its copy; the sender
 * answers COPY for blocks it has the same, literal data otherwise.  Large
 * files in containers (images, databases, logs) change in place or grow at
 * the end: this costs one hash pass on each side, run in parallel, instead
 * of librsync's rolling search.  The END hash of such a file is the
 * SHA-256 of its blocks' full XXH3-128s, in order.  XXH3 runs at memory
 * speed where SHA-256 costs ~0.15 s a 256 MiB file; like rsync's xxh128
 * it is no cryptographic hash, and the seed, unknown to whoever wrote the
 * data, is what keeps crafted block collisions out. */
#define TREE_BLOCK_LEN   8192
#define TREE_BLOCK_HASH  8   /* a block's check on the wire */
#define TREE_BLOCK_FULL  16  /* a block's XXH3-128, kept on both sides */

struct tree_need {
	uint32_t index;
	uint8_t how;
	uint64_t seed;                 /* BLOCKS only: the block hashes' seed */
};

/* DATA kinds. */
enum tree_data_kind {
	TREE_DATA_LITERAL = 1,   /* file bytes at offset (holes are skipped) */
	TREE_DATA_DELTA   = 2,   /* librsync delta bytes, in order */
	TREE_DATA_END     = 3,   /* file complete: offset = size, blob = hash */
	TREE_DATA_COPY    = 4,   /* raw_len bytes at offset: same as the basis */
};
#define TREE_DATA_ZLIB  0x01     /* blob is zlib-compressed */

struct tree_data {
	uint32_t index;
	uint8_t kind;
	uint8_t flags;
	uint64_t offset;
	uint32_t raw_len;              /* length once inflated */
	const uint8_t *blob;           /* points into the decoded frame */
	uint32_t blob_len;
};

struct tree_sig {
	uint32_t index;
	uint8_t last;
	const uint8_t *blob;
	uint32_t blob_len;
};

/* Counters a transfer reports at the end (MSG_TREE_DONE). */
struct tree_stats {
	uint64_t files;          /* entries of the source tree */
	uint64_t files_changed;  /* entries created, replaced or updated */
	uint64_t deleted;        /* extraneous entries removed */
	uint64_t bytes_total;    /* size of the source's regular files */
	uint64_t literal_bytes;  /* file bytes sent as is */
	uint64_t matched_bytes;  /* file bytes rebuilt from the basis */
	uint64_t wire_bytes;     /* payload bytes of DATA frames */
};

/* MSG_TREE_SEND_REQ / MSG_TREE_RECV_REQ */
#define TREE_OPT_CHECKSUM 0x01   /* compare content, not size and mtime */
#define TREE_OPT_DRY_RUN  0x02   /* receiver changes nothing */
#define TREE_OPT_COMPRESS 0x04   /* zlib the data where it pays */
#define TREE_OPT_DIRECT   0x08   /* a direct connection between the slaves */
#define TREE_OPT_OWN_SNAP 0x10   /* sender of @C: only a snapshot it takes
                                  * now; one already there is refused */
#define TREE_OPTS_KNOWN   0x1f

#define TREE_KEY_LEN      32     /* AES-256-GCM key of a direct transfer */
#define TREE_PEER_MAX     255    /* bytes of the receiver's address */

struct tree_req {
	char path[4096];         /* relative to the slave's storage root */
	uint32_t opts;
	uint8_t zlevel;          /* 1..9 */
	/* with TREE_OPT_OWN_SNAP: the job whose send this is (0 = none),
	 * kept with the snapshot it takes */
	uint64_t job;
	/* with TREE_OPT_DIRECT: the key for this one transfer; the sender
	 * also gets where the receiver listens and the bandwidth limit */
	uint8_t key[TREE_KEY_LEN];
	char peer[TREE_PEER_MAX + 1];
	uint16_t port;
	uint64_t bwlimit;        /* bytes per second, 0 = none */
};

int tree_req_encode(struct cbuf *b, const struct tree_req *r);
int tree_req_decode(struct cbuf *b, struct tree_req *r);

/* ENTRIES: u32 count, then entries.  Encoding appends one entry; decoding
 * reads one (the frame's count comes from tree_entries_begin). */
int tree_entry_encode(struct cbuf *b, const struct tree_entry *e);
int tree_entry_decode(struct cbuf *b, struct tree_entry *e);
int tree_entries_begin(struct cbuf *b, uint32_t *count);
/* ENTRIES_Z: the same records, zlib-compressed (metadata shrinks 3-5x).
 * On success *out is a new buffer holding the inflated records (at most
 * PROTO_PAYLOAD_MAX bytes) and *count their number; the zlib stream must
 * end the payload (CERR_TRAILING otherwise). */
int tree_entries_z_open(const uint8_t *payload, size_t len, uint32_t *count,
    struct cbuf **out);
/* The sender's side: count records encoded by tree_entry_encode (len
 * bytes at raw) as the payload of one frame, appended to out; *type is
 * MSG_TREE_ENTRIES_Z when compressing pays, else MSG_TREE_ENTRIES. */
int tree_entries_pack(struct cbuf *out, uint32_t count, const uint8_t *raw,
    size_t len, uint16_t *type);

/* NEED: u32 count, then needs, like ENTRIES.  tree_needs_pack appends
 * count needs encoded by tree_need_encode (len bytes at raw) as the
 * payload of one frame; tree_needs_begin reads the count, each need is
 * then one tree_need_decode, and cbuf_expect_end follows the last. */
int tree_need_encode(struct cbuf *b, const struct tree_need *n);
int tree_need_decode(struct cbuf *b, struct tree_need *n);
int tree_needs_pack(struct cbuf *out, uint32_t count, const uint8_t *raw,
    size_t len);
int tree_needs_begin(struct cbuf *b, uint32_t *count);

int tree_data_encode(struct cbuf *b, const struct tree_data *d);
int tree_data_decode(struct cbuf *b, struct tree_data *d);

int tree_sig_encode(struct cbuf *b, const struct tree_sig *s);
int tree_sig_decode(struct cbuf *b, struct tree_sig *s);

int tree_stats_encode(struct cbuf *b, const struct tree_stats *s);
int tree_stats_decode(struct cbuf *b, struct tree_stats *s);

/* A name is one component: 1..255 bytes, no '/', no NUL, not "." or "..". */
int tree_name_valid(const char *name);

#endif
