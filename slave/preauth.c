/* corral-slave: limits on unauthenticated connections (preauth.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "preauth.h"

void
peer_addr_set(struct peer_addr *p, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	memset(p, 0, sizeof(*p));
	if (sa->sa_family == AF_INET && len >= sizeof(*in4)) {
		p->family = AF_INET;
		memcpy(p->a, &in4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(*in6)) {
		/* a dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d:
		 * one source either way */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			p->family = AF_INET;
			memcpy(p->a, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			p->family = AF_INET6;
			memcpy(p->a, &in6->sin6_addr, 16);
		}
	}
}

bool
peer_addr_eq(const struct peer_addr *a, const struct peer_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

void
peer_addr_str(const struct peer_addr *p, char *out, size_t len)
{
	if (p->family == 0 || inet_ntop(p->family, p->a, out,
	    (socklen_t)len) == NULL)
		snprintf(out, len, "unknown address");
}

void
preauth_count(const struct conn_slot *slots, size_t n,
    const struct peer_addr *addr, unsigned *total, unsigned *same)
{
	size_t i;

	*total = *same = 0;
	for (i = 0; i < n; i++) {
		if (slots[i].pid == 0 || slots[i].auth_fd < 0)
			continue;
		(*total)++;
		if (peer_addr_eq(&slots[i].addr, addr))
			(*same)++;
	}
}

enum preauth_verdict
preauth_admit(unsigned total, unsigned same, uint32_t rnd)
{
	unsigned pct;

	if (same >= PREAUTH_PER_SOURCE)
		return PREAUTH_SOURCE;
	if (total >= PREAUTH_FULL)
		return PREAUTH_FULL_DROP;
	if (total < PREAUTH_START)
		return PREAUTH_ACCEPT;
	pct = PREAUTH_RATE + (100 - PREAUTH_RATE) * (total - PREAUTH_START) /
	    (PREAUTH_FULL - PREAUTH_START);
	return rnd % 100 < pct ? PREAUTH_EARLY : PREAUTH_ACCEPT;
}

const char *
preauth_reason(enum preauth_verdict v)
{
	switch (v) {
	case PREAUTH_SOURCE:
		return "too many unauthenticated connections from it";
	case PREAUTH_EARLY:
		return "early drop: many unauthenticated connections";
	case PREAUTH_FULL_DROP:
		return "too many unauthenticated connections";
	case PREAUTH_ACCEPT:
		break;
	}
	return "accepted";
}

bool
drop_log_due(struct drop_log *d, int64_t now_ms, unsigned *held)
{
	if (now_ms < d->next_ms) {
		d->held++;
		return false;
	}
	*held = d->held;
	d->held = 0;
	d->next_ms = now_ms + PREAUTH_LOG_MS;
	return true;
}

bool
drop_log_flush(struct drop_log *d, int64_t now_ms, unsigned *held)
{
	if (d->held == 0 || now_ms < d->next_ms)
		return false;
	*held = d->held;
	d->held = 0;
	d->next_ms = now_ms + PREAUTH_LOG_MS;
	return true;
}

int
drop_log_timeout(const struct drop_log *d, int64_t now_ms)
{
	if (d->held == 0)
		return -1;
	return now_ms >= d->next_ms ? 0 : (int)(d->next_ms - now_ms);
}
