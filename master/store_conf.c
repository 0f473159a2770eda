/* corral-master: what a version's LXC config says that placement weighs
 * (store.h): the memory limit a container of it gets.  Pure text: the
 * config is the one its slave sent, read as LXC reads it (a line is "key
 * = value", blanks around both; a key's last line counts; a line ends at
 * a newline or a carriage return). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "store.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The value of the line [p, end) if its key is key, else NULL (*vend its
 * end, blanks trimmed). */
static const char *
value_of(const char *p, const char *end, const char *key, const char **vend)
{
	size_t n = strlen(key);

	while (p < end && blank(*p))
		p++;
	if ((size_t)(end - p) <= n || memcmp(p, key, n) != 0)
		return NULL;
	for (p += n; p < end && blank(*p); p++)
		;
	if (p == end || *p != '=')
		return NULL;
	for (p++; p < end && blank(*p); p++)
		;
	while (end > p && blank(end[-1]))
		end--;
	*vend = end;
	return p;
}

/* Bytes of a cgroup memory value [v, e), quotes around it as LXC
 * strips them (conf_parse_memsize: as the kernel reads the file); 0 for
 * none ("max", "-1") or junk. */
static uint64_t
size_of(const char *v, const char *e)
{
	uint64_t x;

	if (e - v >= 2 && (*v == '"' || *v == '\'') && e[-1] == *v) {
		v++;
		e--;
	}
	return conf_parse_memsize(v, (size_t)(e - v), &x) == 0 ? x : 0;
}

uint64_t
store_conf_mem_limit(const char *text)
{
	static const char *const keys[] = { "lxc.cgroup2.memory.max",
	    "lxc.cgroup.memory.limit_in_bytes" };
	uint64_t last[2] = { 0, 0 };
	const char *p = text, *end, *v, *ve;
	size_t k;

	while (*p != '\0') {
		end = p + strcspn(p, "\r\n");
		for (k = 0; k < 2; k++)
			if ((v = value_of(p, end, keys[k], &ve)) != NULL)
				last[k] = size_of(v, ve);
		p = *end != '\0' ? end + 1 : end;
	}
	return last[0] > last[1] ? last[0] : last[1];
}
