/* libFuzzer target: the networks.conf parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err err;
	struct networks_conf c = { 0 };

	(void)networks_conf_parse_mem("fuzz.conf", (const char *)data,
	    size, &c, &err);
	networks_conf_free(&c);
	return 0;
}
