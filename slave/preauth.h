/* corral-slave: limits on connections that have not authenticated yet.
 *
 * The listener counts, for every connection process, whether its client
 * has authenticated.  A new connection is refused, before any SSH byte,
 * when PREAUTH_PER_SOURCE unauthenticated ones from its address are open,
 * and early drop in the manner of OpenSSH's MaxStartups start:rate:full
 * sheds floods from many addresses: below start every connection is
 * taken; from start the drop chance is rate%, growing linearly to 100% at
 * full.  start is above the per-source limit, so one address alone never
 * makes another's connections drop.  Refusals are logged at most once per
 * PREAUTH_LOG_MS, with a count of those not logged.
 */
#ifndef CORRAL_SLAVE_PREAUTH_H
#define CORRAL_SLAVE_PREAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define PREAUTH_PER_SOURCE  10
#define PREAUTH_START       20
#define PREAUTH_RATE        30
#define PREAUTH_FULL        100
#define PREAUTH_LOG_MS      10000

/* A client's address without its port; IPv4-mapped IPv6 as IPv4. */
struct peer_addr {
	sa_family_t family;     /* AF_INET, AF_INET6, or 0: unknown */
	uint8_t a[16];
};

/* One connection process of the listener. */
struct conn_slot {
	pid_t pid;              /* 0: free */
	int auth_fd;            /* read end of a pipe the process closes once
	                         * its client authenticated; -1 after */
	struct peer_addr addr;
};

enum preauth_verdict {
	PREAUTH_ACCEPT,
	PREAUTH_SOURCE,         /* too many from this address */
	PREAUTH_EARLY,          /* random early drop */
	PREAUTH_FULL_DROP,      /* full: every new one dropped */
};

void peer_addr_set(struct peer_addr *p, const struct sockaddr *sa,
    socklen_t len);
bool peer_addr_eq(const struct peer_addr *a, const struct peer_addr *b);
/* The numeric address, or "unknown address". */
void peer_addr_str(const struct peer_addr *p, char *out, size_t len);

/* Unauthenticated connections of slots[0..n): all of them, and those from
 * addr. */
void preauth_count(const struct conn_slot *slots, size_t n,
    const struct peer_addr *addr, unsigned *total, unsigned *same);

/* Take or drop a new connection, given the counts before it and a random
 * number. */
enum preauth_verdict preauth_admit(unsigned total, unsigned same,
    uint32_t rnd);
const char *preauth_reason(enum preauth_verdict v);

/* Refusals, logged at most once per PREAUTH_LOG_MS. */
struct drop_log {
	int64_t next_ms;        /* no line before this */
	unsigned held;          /* refusals since the last line */
};

/* A refusal at now_ms: true if a line is due now, with *held set to the
 * refusals it must count besides this one. */
bool drop_log_due(struct drop_log *d, int64_t now_ms, unsigned *held);
/* Refusals not logged whose interval is over: true, with *held, once. */
bool drop_log_flush(struct drop_log *d, int64_t now_ms, unsigned *held);
/* Milliseconds until drop_log_flush has something, or -1 (for poll). */
int drop_log_timeout(const struct drop_log *d, int64_t now_ms);

#endif
