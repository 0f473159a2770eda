/* corral xfer: the receiver's hard links: the first name of a linked
 * file (its leader) by index, and more names made for it. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cerr.h"
#include "xfer_recv.h"

int
xrecv_leader_add(struct receiver *r, uint32_t index, const char *name)
{
	struct leader *nv;
	size_t cost = strlen(r->path) + strlen(name) + 1 + sizeof(*nv);

	if (r->leader_bytes + cost > LEADER_BYTES_MAX) {
		snprintf(r->err, r->errlen, "hard-linked files' paths exceed "
		    "%u MiB: refused at '%s'", LEADER_BYTES_MAX >> 20, name);
		return CERR_TOO_BIG;
	}
	if (r->n_leaders == r->cap_leaders) {
		size_t ncap = r->cap_leaders ? r->cap_leaders * 2 : 64;

		if ((nv = realloc(r->leaders, ncap * sizeof(*nv))) == NULL)
			return CERR_NOMEM;
		r->leaders = nv;
		r->cap_leaders = ncap;
	}
	nv = &r->leaders[r->n_leaders];
	nv->index = index;
	nv->meta = false;
	if (asprintf(&nv->path, "%s%s", r->path, name) < 0)
		return CERR_NOMEM;
	r->n_leaders++;
	r->leader_bytes += cost;
	return 0;
}

/* Leaders are added in increasing index order: binary search. */
static const struct leader *
leader_find(struct receiver *r, uint32_t index)
{
	size_t lo = 0, hi = r->n_leaders;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->leaders[mid].index == index)
			return &r->leaders[mid];
		if (r->leaders[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Make dfd/name (dir: dfd's path) another name of the leader's file. */
int
xrecv_link(struct receiver *r, int dfd, const char *dir, const char *name,
    uint32_t index)
{
	enum xfer_change what = XFER_CREATED;
	const struct leader *l = leader_find(r, index);
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	struct stat a, b;
	const char *slash, *base;
	char ldir[PATH_BUF];   /* the leader's directory */
	int pfd, rc;

	if (l == NULL)
		return xrecv_bad(r, "hard link to an unknown file");
	slash = strrchr(l->path, '/');
	if (slash) {
		snprintf(ldir, sizeof(ldir), "%.*s", (int)(slash - l->path),
		    l->path);
		base = slash + 1;
	} else {
		snprintf(ldir, sizeof(ldir), ".");
		base = l->path;
	}
	pfd = (int)syscall(SYS_openat2, r->rootfd, ldir, &how, sizeof(how));
	if (pfd < 0)
		return xrecv_fail(r, CERR_IO, "hard link target", l->path);
	if (fstatat(pfd, base, &a, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(a.st_mode)) {
		close(pfd);
		return xrecv_fail(r, CERR_IO, "hard link target", l->path);
	}
	if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0) {
		if (b.st_dev == a.st_dev && b.st_ino == a.st_ino) {
			close(pfd);
			if (l->meta)
				xrecv_report(r, dir, name, XFER_META);
			return 0;   /* already that file */
		}
		if (xrecv_rm_tree(r, dfd, dir, name, true) != 0) {
			close(pfd);
			return xrecv_fail(r, CERR_IO, "cannot replace", name);
		}
		r->st->deleted--;   /* replaced, not deleted */
		if (S_ISREG(b.st_mode))
			what = XFER_CONTENT;
	}
	r->st->files_changed++;
	rc = linkat(pfd, base, dfd, name, 0);
	close(pfd);
	if (rc != 0)
		return xrecv_fail(r, CERR_IO, "cannot link", name);
	xrecv_report(r, dir, name, what);
	return 0;
}

void
xrecv_leaders_free(struct receiver *r)
{
	for (size_t i = 0; i < r->n_leaders; i++)
		free(r->leaders[i].path);
	free(r->leaders);
	r->leaders = NULL;
	r->n_leaders = r->cap_leaders = 0;
}
