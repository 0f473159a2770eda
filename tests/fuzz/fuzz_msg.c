/* libFuzzer target: one payload straight into the message table's
 * validate.  The first 2 bytes (big-endian) are the type, as on the wire;
 * the rest is the payload.  Besides never reading past the input: the
 * verdict is 0 or a CERR_* code, CERR_BAD_TYPE exactly for types without
 * a row, and an accepted payload cut by a byte is refused (every field is
 * bounded or counted, and TREE_ENTRIES_Z's zlib stream must end the
 * payload, so a payload has one length).  The seeds, one per type, come
 * from `build/tests/test_msg_table --seeds DIR`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t type;
	int r;

	if (size < 2)
		return 0;
	type = (uint16_t)(data[0] << 8 | data[1]);
	r = msg_validate(type, data + 2, size - 2);
	CHECK(r <= 0 && r >= CERR_UNREACHABLE);
	CHECK((r == CERR_BAD_TYPE) == !proto_msg_known(type));
	if (r == 0 && size > 2)
		CHECK(msg_validate(type, data + 2, size - 3) != 0);
	return 0;
}
