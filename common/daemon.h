/* corral: detaching a daemon so that its starter knows it is ready. */
#ifndef CORRAL_DAEMON_H
#define CORRAL_DAEMON_H

/* Fork; the parent waits until the child calls daemon_ready() and exits 0,
 * or exits 1 if the child dies first ("failed to start, see syslog").
 * In the child: new session, stdio on /dev/null; returns the fd to pass to
 * daemon_ready().  Returns -1 if fork fails. */
int daemon_detach(const char *ident);
/* Tell the waiting parent we are ready; fd < 0 is ignored. */
void daemon_ready(int fd);

#endif
