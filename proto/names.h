/* corral: names that arrive on the wire and become paths and volume names
 * on a slave. */
#ifndef CORRAL_NAMES_H
#define CORRAL_NAMES_H

#include <stdbool.h>

/* A container name that is safe as a path component and as an LVM LV
 * name: 1 to 63 of [A-Za-z0-9._-], not starting with '-' or '.' (so never
 * "..", nor a hidden ".hold.C"), no '+' (the slave's "C+snap"). */
bool ct_name_valid(const char *ct);

#endif
