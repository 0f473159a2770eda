/* libFuzzer target: the slaves.conf parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err err;
	struct slaves_conf c = { 0 };

	(void)slaves_conf_parse_mem("fuzz.conf", (const char *)data,
	    size, &c, &err);
	slaves_conf_free(&c);
	return 0;
}
