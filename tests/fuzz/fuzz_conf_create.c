/* libFuzzer target: the create.conf parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err err;
	struct create_conf c;

	create_conf_defaults(&c);
	(void)create_conf_parse_mem("fuzz.conf", (const char *)data,
	    size, &c, &err);
	return 0;
}
