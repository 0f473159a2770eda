#!/usr/bin/env bash
# make soak: SOAK_SLAVES (50) slaves polled every second for SOAK_MINUTES
# (10; fractions allowed) while bursts of SOAK_CLI (200) concurrent CLI
# requests hit the master, whose memory, descriptors and threads are
# sampled every 5 s.  Master and slaves run from BUILD.  An ASan build's
# master (its quarantine bounded) reports leaks at exit, and its RSS is
# printed but not judged (the sanitizer's allocator caches and shadow
# memory are not the program's); a normal build's RSS is judged.  `make
# soak` runs both.  Fails on a failed or refused CLI request, a slave not
# up, or a leak, and on judge.sh's verdict (a missed poll, descriptors,
# threads or memory that grow); prints its figures either way, and leaves
# the samples (seconds, RSS KiB, descriptors, threads, oldest poll age) in
# SOAK_SAMPLES (/tmp/corral-soak.samples).
#
#   tests/soak/soak.sh [BUILD]     (root, under the pool lock: make soak)
. "$(dirname "$0")/../integration/lib.bash"
SLAVES=${SOAK_SLAVES:-50}
CLI=${SOAK_CLI:-200}
SECS=$(awk -v m="${SOAK_MINUTES:-10}" 'BEGIN { printf "%d", m * 60 }')
[ "$SECS" -ge 10 ] || fail "SOAK_MINUTES=${SOAK_MINUTES}: at least 10 s"
asan=0
asan_build && asan=1
# a burst every 30 s, or 4 in a short run
EVERY=$(( SECS >= 120 ? 30 : SECS / 4 ))

t0=$(date +%s)
CORRAL_POOL_POLL=1 pool_up "$SLAVES"
d=$CORRAL_POOL_DIR/master
if [ $asan -eq 1 ]; then
	"$POOLSH" stop master
	ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:malloc_context_size=10 \
		"$BUILD/corral-master" -f -c "$d/corral.conf" >>"$d/master.log" 2>&1 \
		</dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- 10>&- 11>&- 12>&- &
	echo $! >"$d/master.pid"
	wait_until 100 test -S "$d/master.sock" || fail "the ASan master did not start"
fi
pid=$(cat "$d/master.pid")
all_up() { [ "$(corral hosts --cached --json | jq '[.[] | select(.state == "up")] | length')" -eq "$SLAVES" ]; }
wait_until 300 all_up || fail "not all $SLAVES slaves up: $(corral hosts --cached | grep -v ' up ' | head -n5)"
echo "soak: $SLAVES slaves up in $(( $(date +%s) - t0 )) s; $SECS s of polling and bursts of $CLI CLI requests; master from $BUILD"

E=$CORRAL_POOL_DIR/cli.err
: >"$E"
# CLI_CLIENTS_MAX (64) are served at once, the rest wait their turn in
# the backlog: every request must succeed.  One in ten refreshes every
# poller; the rest read the inventory.
burst() {
	local i bad=0 pids=()
	for i in $(seq 1 "$CLI"); do
		case $((i % 10)) in
		0) corral hosts >/dev/null 2>>"$E" & ;;
		1|3|5|7|9) corral scan --cached >/dev/null 2>>"$E" & ;;
		*) corral hosts --cached --json >/dev/null 2>>"$E" & ;;
		esac
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
	echo "$bad"
}
sample() {   # seconds-since-start rss-kb fds threads oldest-poll-age
	local now st
	now=$(date +%s)
	st=$(corral hosts --cached --json | jq --argjson now "$now" '[.[] | $now - .last_seen] | max')
	echo "$(( now - start )) $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") $(ls "/proc/$pid/fd" | wc -l) $(ls "/proc/$pid/task" | wc -l) $st"
}

S=$CORRAL_POOL_DIR/soak.samples
: >"$S"
start=$(date +%s)
next_burst=$start bursts=0 requests=0 failed=0
# every sample 5 s after the last burst ended: the CLI threads it made
# have gone, what is left is what the master keeps
while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
	if [ "$(date +%s)" -ge "$next_burst" ]; then
		b=$(burst)
		bursts=$((bursts + 1)) requests=$((requests + CLI)) failed=$((failed + b))
		next_burst=$(( next_burst + EVERY ))
	fi
	sleep 5
	sample >>"$S"
	all_up || fail "a slave down during the soak: $(corral hosts --cached | grep -v ' up ' | head -n5)"
done
cp "$S" "${SOAK_SAMPLES:-/tmp/corral-soak.samples}"

"$POOLSH" stop master
leak=none
grep -q "ERROR: LeakSanitizer" "$d/master.log" && leak=REPORTED
echo "soak: $SLAVES slaves polled every 1 s for $SECS s"
echo "soak: $bursts bursts of $CLI concurrent CLI requests: $requests requests, $failed failed"
verdict=0
bash "$(dirname "$0")/judge.sh" "$S" "$SECS" $([ $asan -eq 1 ] && echo asan) || verdict=$?
[ $asan -eq 1 ] && echo "soak: LeakSanitizer at the master's exit: $leak"
[ "$failed" -eq 0 ] || fail "$failed CLI requests failed: $(sort "$E" | uniq -c | sort -rn | head -n3)"
[ "$verdict" -eq 0 ] || fail "the master's figures grew (above)"
[ "$leak" = none ] || fail "LeakSanitizer: $(grep -A12 "ERROR: LeakSanitizer" "$d/master.log" | head -n 14)"
if [ $asan -eq 1 ]; then
	ok "soak: no failed request, no slave missed, no growth, no leak"
else
	ok "soak: no failed request, no slave missed, no growth (leaks: the ASan build's run)"
fi
