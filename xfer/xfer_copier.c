/* corral xfer: the receiver's copier thread.
 *
 * Rebuilding a large file (aligned blocks) is mostly copying its unchanged
 * blocks from the old copy into the new one, then installing it: on a file
 * system without reflinks that is a memory copy of the whole file, and the
 * rename over the old file makes ext4 start its write-back (auto_da_alloc)
 * in the caller.  The receiver's loop hands both to this thread and goes on
 * with the rest of the tree; it waits for a file only where something
 * depends on it (a hard link to it, the mtime of its directory) and at the
 * end.  Jobs run in order; the first failure stops the copier and is
 * reported to the loop, which fails the transfer. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "xfer_copier.h"
#include "xfer_meta.h"

#define BUF_LEN (256 * 1024)    /* fallback copies where the kernel cannot */

enum job_kind { JOB_COPY, JOB_FINISH };

struct job {
	enum job_kind kind;
	struct job *next;
	int basis_fd, tmp_fd;     /* COPY: borrowed from the FINISH to come */
	uint64_t off, len;
	struct xfinish *f;        /* FINISH: owned */
};

struct xcopier {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* work arrived, or a job ended */
	struct job *head, *tail;
	struct job *running;
	bool stop, failed;
	char err[512];
	uint8_t *buf;
};

void
xfinish_free(struct xfinish *f, bool unlink_tmp)
{
	if (f == NULL)
		return;
	if (f->basis_fd >= 0)
		close(f->basis_fd);
	if (f->tmp_fd >= 0)
		close(f->tmp_fd);
	if (unlink_tmp && f->dfd >= 0 && f->tmpname[0])
		(void)unlinkat(f->dfd, f->tmpname, 0);
	if (f->dfd >= 0)
		close(f->dfd);
	free(f->e);
	free(f->xvals);
	free(f->dir);
	free(f);
}

int
xcopy_range(int in_fd, int out_fd, uint64_t off, uint64_t len, uint8_t *buf,
    size_t buflen)
{
	loff_t in = (loff_t)off, out;
	uint64_t end = off + len;
	off_t data, hole;
	ssize_t n;

	while ((uint64_t)in < end) {
		data = lseek(in_fd, in, SEEK_DATA);
		if (data < 0 || (uint64_t)data >= end)
			return 0;   /* the rest is a hole */
		hole = lseek(in_fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
		in = data;
		out = data;
		while (in < hole) {
			n = copy_file_range(in_fd, &in, out_fd, &out,
			    (size_t)(hole - in), 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS ||
			    errno == EOPNOTSUPP || errno == EINVAL)) {
				n = pread(in_fd, buf, (uint64_t)(hole - in) <
				    buflen ? (size_t)(hole - in) : buflen, in);
				if (n > 0 && pwrite(out_fd, buf, (size_t)n,
				    out) != n)
					n = -1;
				if (n > 0) {
					in += n;
					out += n;
				}
			}
			if (n <= 0)
				return -1;
		}
	}
	return 0;
}

static int
do_finish(struct xfinish *f, char *err, size_t errlen)
{
	const char *what;

	if (meta_install(f->dfd, f->tmpname, f->tmp_fd, f->e, f->size,
	    &what) == 0)
		return 0;
	snprintf(err, errlen, "%s '%s': %s", what, f->e->name, strerror(errno));
	return -1;
}

static void *
copier_main(void *arg)
{
	struct xcopier *c = arg;
	struct job *j;
	char err[512];
	int rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (c->head == NULL && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop || c->failed)
			break;
		j = c->head;
		c->head = j->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->running = j;
		pthread_mutex_unlock(&c->mu);
		err[0] = '\0';
		if (j->kind == JOB_COPY) {
			rc = xcopy_range(j->basis_fd, j->tmp_fd, j->off,
			    j->len, c->buf, BUF_LEN);
			if (rc != 0)
				snprintf(err, sizeof(err), "cannot copy into a "
				    "new file: %s", strerror(errno));
		} else {
			rc = do_finish(j->f, err, sizeof(err));
		}
		pthread_mutex_lock(&c->mu);
		c->running = NULL;
		if (j->kind == JOB_FINISH)
			xfinish_free(j->f, rc != 0);
		free(j);
		if (rc != 0 && !c->failed) {
			c->failed = true;
			snprintf(c->err, sizeof(c->err), "%s", err);
		}
		pthread_cond_broadcast(&c->cv);
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
xcopier_start(struct xcopier **out)
{
	struct xcopier *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->buf = malloc(BUF_LEN)) == NULL) {
		free(c);
		return CERR_NOMEM;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->th, NULL, copier_main, c) != 0) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c->buf);
		free(c);
		return CERR_NOMEM;
	}
	*out = c;
	return 0;
}

static int
push(struct xcopier *c, struct job *j)
{
	pthread_mutex_lock(&c->mu);
	if (c->failed) {
		pthread_mutex_unlock(&c->mu);
		return CERR_IO;
	}
	if (c->tail)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

int
xcopier_copy(struct xcopier *c, int basis_fd, int tmp_fd, uint64_t off,
    uint64_t len)
{
	struct job *j, *t;

	pthread_mutex_lock(&c->mu);
	/* the next run of the same file: one job, fewer system calls */
	t = c->tail;
	if (t != NULL && t->kind == JOB_COPY && t->tmp_fd == tmp_fd &&
	    t->off + t->len == off) {
		t->len += len;
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	pthread_mutex_unlock(&c->mu);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return CERR_NOMEM;
	j->kind = JOB_COPY;
	j->basis_fd = basis_fd;
	j->tmp_fd = tmp_fd;
	j->off = off;
	j->len = len;
	if (push(c, j) != 0) {
		free(j);
		return CERR_IO;
	}
	return 0;
}

int
xcopier_finish(struct xcopier *c, struct xfinish *f)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		xfinish_free(f, true);
		return CERR_NOMEM;
	}
	j->kind = JOB_FINISH;
	j->f = f;
	if (push(c, j) != 0) {
		xfinish_free(f, true);
		free(j);
		return CERR_IO;
	}
	return 0;
}

/* A FINISH queued or running that matches. */
static bool
pending(struct xcopier *c, const char *dir, bool by_index, uint32_t index)
{
	const struct job *j;

	for (j = c->running ? c->running : c->head; j != NULL;
	    j = j == c->running ? c->head : j->next) {
		if (j->kind != JOB_FINISH)
			continue;
		if (by_index ? j->f->index == index :
		    strcmp(j->f->dir, dir) == 0)
			return true;
	}
	return false;
}

int
xcopier_wait(struct xcopier *c, const char *dir, bool by_index,
    uint32_t index, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	while (!c->failed && (dir == NULL && !by_index ?
	    (c->head != NULL || c->running != NULL) :
	    pending(c, dir, by_index, index)))
		pthread_cond_wait(&c->cv, &c->mu);
	if (c->failed) {
		snprintf(err, errlen, "%s", c->err);
		rc = CERR_IO;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int
xcopier_failed(struct xcopier *c, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	if (c->failed) {
		snprintf(err, errlen, "%s", c->err);
		rc = CERR_IO;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void
xcopier_stop(struct xcopier *c)
{
	struct job *j;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	/* what never ran leaves nothing behind */
	while ((j = c->head) != NULL) {
		c->head = j->next;
		if (j->kind == JOB_FINISH)
			xfinish_free(j->f, true);
		free(j);
	}
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->buf);
	free(c);
}
