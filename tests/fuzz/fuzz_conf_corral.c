/* libFuzzer target: the corral.conf parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err err;
	struct corral_conf c;

	corral_conf_defaults(&c);
	(void)corral_conf_parse_mem("fuzz.conf", (const char *)data,
	    size, &c, &err);
	return 0;
}
