#!/usr/bin/env bash
# The soak's short version (tests/soak/soak.sh, `make soak` runs it for 10
# minutes): 50 slaves polled every second and bursts of 200 concurrent CLI
# requests for 30 s; no failed request, no missed poll, no growing
# descriptors or threads, no leak in the master.
exec env SOAK_MINUTES="${SOAK_MINUTES:-0.5}" \
	bash "$(dirname "$0")/../soak/soak.sh" "$@"
