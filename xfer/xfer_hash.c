/* corral xfer: block hashes of aligned-blocks files (see proto/tree.h). */
#include <string.h>

#include <xxhash.h>

#include "xfer_meta.h"

void
block_hash(const void *p, size_t n, uint64_t seed,
    uint8_t out[TREE_BLOCK_FULL])
{
	XXH128_canonical_t c;

	/* canonical form: the same bytes on either end's byte order */
	XXH128_canonicalFromHash(&c, XXH3_128bits_withSeed(p, n, seed));
	memcpy(out, c.digest, TREE_BLOCK_FULL);
}
