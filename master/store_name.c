/* corral-master: the names of store versions (store.h): the creation time
 * in UTC as YYYYMMDDTHHMMSSZ, then -2, -3, ... for more in one second. */
#include <stdio.h>
#include <string.h>

#include "store.h"

#define STORE_NTH_MAX 999999u

int
store_version_name(time_t t, unsigned n, char *buf, size_t len)
{
	struct tm tm;
	char stamp[32];
	int k;

	if (n == 0 || n > STORE_NTH_MAX || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year + 1900 < 1000 || tm.tm_year + 1900 > 9999 ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return -1;
	k = n == 1 ? snprintf(buf, len, "%s", stamp) :
	    snprintf(buf, len, "%s-%u", stamp, n);
	return k > 0 && (size_t)k < len ? 0 : -1;
}

bool
store_version_parse(const char *name, time_t *t, unsigned *n)
{
	char back[STORE_VERSION_MAX];
	struct tm tm;
	const char *end;
	unsigned nth = 1;

	memset(&tm, 0, sizeof(tm));
	if (strlen(name) < 16 || (end = strptime(name, "%Y%m%dT%H%M%SZ",
	    &tm)) != name + 16)
		return false;
	if (*end == '-') {
		if (end[1] < '1' || end[1] > '9')
			return false;
		for (nth = 0, end++; *end >= '0' && *end <= '9'; end++) {
			nth = nth * 10 + (unsigned)(*end - '0');
			if (nth > STORE_NTH_MAX)
				return false;
		}
		if (nth < 2)
			return false;
	}
	if (*end != '\0')
		return false;
	*t = timegm(&tm);
	*n = nth;
	/* one spelling only, so that one version has one name */
	return store_version_name(*t, nth, back, sizeof(back)) == 0 &&
	    strcmp(back, name) == 0;
}

int
store_version_cmp(const char *a, const char *b)
{
	time_t ta = 0, tb = 0;
	unsigned na = 0, nb = 0;
	bool va = store_version_parse(a, &ta, &na);
	bool vb = store_version_parse(b, &tb, &nb);

	if (!va || !vb)         /* not versions: bytewise, after versions */
		return va != vb ? (va ? -1 : 1) : strcmp(a, b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return na < nb ? -1 : na > nb;
}
