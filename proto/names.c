/* corral: the container-name rule shared by the slave (which makes paths
 * and volumes of names) and the master (which refuses a bad name before
 * any job). */
#include <stddef.h>

#include "names.h"

bool
ct_name_valid(const char *ct)
{
	size_t i;

	if (ct[0] == '\0' || ct[0] == '-' || ct[0] == '.')
		return false;
	for (i = 0; ct[i] != '\0'; i++) {
		char c = ct[i];

		if (i >= 63)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return false;
	}
	return true;
}
