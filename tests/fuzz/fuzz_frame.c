/* libFuzzer target: a stream of frames as one session would receive it.
 * Every frame is parsed from the header alone, then its payload decoded by
 * the codec of its type; nothing may read past the input. */
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_hdr h;
	const uint8_t *payload;
	size_t used;

	while (size > 0) {
		if (frame_parse(data, size, &h, &payload, &used) != 0)
			break;
		(void)msg_validate(h.type, payload, h.len);
		data += used;
		size -= used;
	}
	return 0;
}
