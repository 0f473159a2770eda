#!/usr/bin/env bash
# Hostile peers get bounded memory and time, each a clear log line, while
# the daemons keep serving others:
# - the slave's SSH port before authentication: connections trickling a
#   byte a second are cut when the key exchange's 10 s are up, one
#   flooding bytes at once; the master still polls the slave meanwhile;
# - an authenticated peer that sends requests forever and never reads a
#   reply: the slave's buffers stay bounded (back-pressure), its memory
#   flat, and it still answers the master; the same peer breaking its
#   stream (its session ends, the answer held back) while sending on:
#   the channel closed after 10 s without progress, logged;
# - the master's CLI socket: 70 clients trickling a byte a second (more
#   than its 64 threads) are cut 10 s into a frame, the next ones wait in
#   the backlog, `corral hosts` is answered; a client that sends requests
#   forever and never reads is cut 10 s into a reply, the master's memory
#   flat.  (tests/integration/hostile_peer.py plays the peers.)
. "$(dirname "$0")/lib.bash"
# ASan keeps each freed block in a quarantine (256 MiB a process by
# default) before reusing it, so an ASan daemon's memory grows with the
# bytes it has moved, not with what it holds.  Against the deaf peer of
# part 2 (about 9 MB in, as much in PONGs out, then back-pressure) the
# slave's connection process and its worker grew by ~460 MiB (Pss) with
# the default quarantine, 71 MiB with 16 MiB, 30 with 4 and 20 with 1,
# and the normal build by 8 MiB (the two pump buffers); the bytes let
# through were the same (8.4-9.0 MB).  So this test's daemons get 1 MiB,
# which still catches a use after free within the last MiB freed, and
# the memory bounds below hold for both builds.
if asan_build; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1
fi
pool_up 2
d=$CORRAL_POOL_DIR
log=$d/h1/slave.log mlog=$d/master/master.log
HP=$ROOT/tests/integration/hostile_peer.py
sock=$(awk -F' *= *' '$1 == "socket" { print $2 }' "$CORRAL_CONF")
secs_of() { local s=${1#* after }; echo "${s%% s*}"; }
# Memory of processes as their proportional set size: the slave forks a
# process per connection and one per channel, and VmRSS counts the pages
# a child still shares with its parent once more for each (an ASan
# slave's shadow memory counted again for every fork); Pss divides shared
# pages among them.
rss_kb() { awk '/^Pss:/ { s += $2 } END { print s + 0 }' $(printf '/proc/%s/smaps_rollup ' "$@") 2>/dev/null; }
master_pid=$(cat "$d/master/master.pid")
slave_pids() { pgrep -f "corral-slave -f -c $d/h1/corral.conf" | tr '\n' ' '; }

# 1. slowloris before authentication, from h2's address (8: under the
# per-source limit, so that the time limit is what cuts them)
"$POOLSH" exec h2 "$HP" trickle $CORRAL_POOL_NET.11:7022 8 40 >"$d/trickle.out" 2>&1 &
tp=$!
sleep 2
t0=$(date +%s)
[ "$(host_field h1 state)" = up ] || fail "h1 not up during the slowloris: $(corral hosts)"
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "corral hosts took $(( $(date +%s) - t0 )) s during the slowloris"
wait $tp || fail "slowloris on the slave: $(cat "$d/trickle.out")"
s=$(secs_of "$(cat "$d/trickle.out")")
[ "$s" -le 13 ] || fail "slowloris connections held $s s: $(cat "$d/trickle.out")"
n=$(grep -c "key exchange not done within 10 s: disconnecting" "$log")
[ "$n" -ge 8 ] || fail "$n slowloris connections logged, want 8: $(tail -n3 "$log")"
ok "slave: slowloris cut in $s s, logged, the master served meanwhile"

out=$("$POOLSH" exec h2 "$HP" flood $CORRAL_POOL_NET.11:7022 30) || fail "flood on the slave: $out"
[ "$(secs_of "$out")" -le 13 ] || fail "flood held: $out"
wait_until 30 grep -q "$CORRAL_POOL_NET.12 port .*: key exchange failed: " "$log" ||
	fail "flood not logged: $(tail -n3 "$log")"
ok "slave: a peer sending bytes forever cut ($out): $(grep "key exchange failed" "$log" | tail -n1 | sed 's/.*: key/key/')"

# 2. an authenticated peer (the master's key) sending PINGs forever,
# reading nothing: the slave stops reading it (the SSH window), its
# processes' memory stays put, the master's own session still answers
before=$(rss_kb $(slave_pids))
n0=$(wc -l <"$log")
"$HP" deaf-ssh $CORRAL_POOL_NET.11 7022 "$d/master/id_ed25519" 20 >"$d/deaf.out" 2>&1 &
dp=$!
max=0
for i in $(seq 1 15); do
	sleep 1
	k=$(rss_kb $(slave_pids))
	[ "$k" -gt "$max" ] && max=$k
done
[ "$(host_field h1 state)" = up ] || fail "h1 not up during the deaf peer: $(corral hosts)"
# 15 s in, its session is still open, held by back-pressure: a session
# the slave ended (on a broken stream: the peer once resent a cut frame)
# would test nothing below
port=$(tail -n +$((n0 + 1)) "$log" | sed -n 's/.* port \([0-9]*\): session open (hostile, .*/\1/p' | head -n1)
[ -n "$port" ] || fail "the deaf peer's session not logged: $(tail -n3 "$log")"
said=$(tail -n +$((n0 + 1)) "$log" | grep " port $port: " |
	grep -v ": authenticated with \|: session open (hostile, ") || true
[ -z "$said" ] || fail "the deaf peer's session did not stay open: $said"
wait $dp || fail "deaf ssh peer: $(cat "$d/deaf.out")"
grep -q "^open after 20 s" "$d/deaf.out" ||
	fail "the slave closed the deaf peer: $(cat "$d/deaf.out")"
sent=$(awk '{ print $(NF - 2) }' "$d/deaf.out")
# back-pressure: the peer got through the two 4 MiB pump buffers, the
# windows and the socket buffers (8.4-9.0 MB), then no more; without it
# what the slave takes is bounded only by the peer's speed
[ "$sent" -gt 4194304 ] && [ "$sent" -lt 16777216 ] ||
	fail "the deaf peer sent $sent bytes, not 4-16 MiB: $(cat "$d/deaf.out")"
# the connection's two 4 MiB pump buffers and socket buffers, not the
# megabytes the peer pushed
[ $(( max - before )) -lt 32768 ] ||
	fail "slave memory grew by $(( (max - before) / 1024 )) MiB for a deaf peer ($(cat "$d/deaf.out"))"
ok "slave: a deaf peer sending forever ($(cat "$d/deaf.out")): memory +$(( (max - before) / 1024 )) MiB at most, the master served"

# 2b. the same peer breaks its stream after 3 MiB: the slave's worker ends
# the session, its last words held back by the peer's window while the
# peer sends on: the slave closes the channel once its answer has made no
# progress for 10 s, instead of reading and dropping what comes for ever
n0=$(wc -l <"$log")
out=$("$HP" deaf-broken-ssh $CORRAL_POOL_NET.11 7022 "$d/master/id_ed25519" 40) ||
	fail "a broken deaf peer not cut: $out"
s=$(echo "$out" | awk '{ print $2 }')
[ "$s" -ge 9 ] && [ "$s" -le 20 ] || fail "a broken deaf peer cut $s s after its broken frame, not 10: $out"
tail -n +$((n0 + 1)) "$log" | grep -q "read nothing of the answer in 10 s while sending on: closing the channel" ||
	fail "the closing is not logged: $(tail -n 3 "$log")"
[ "$(host_field h1 state)" = up ] || fail "h1 not up after the broken deaf peer: $(corral hosts)"
ok "slave: a deaf peer that broke its stream and sends on ($out): channel closed, logged"

# 3. the master's CLI socket: 70 slow clients for 64 threads
mbefore=$(rss_kb "$master_pid")
"$HP" trickle "$sock" 70 60 >"$d/clitrickle.out" 2>&1 &
tp=$!
sleep 2
t0=$(date +%s)
timeout 40 corral hosts --cached >/dev/null || fail "corral hosts not answered during the CLI slowloris"
took=$(( $(date +%s) - t0 ))
[ "$took" -le 25 ] || fail "corral hosts waited $took s behind the CLI slowloris"
wait $tp || fail "CLI slowloris: $(cat "$d/clitrickle.out")"
s=$(secs_of "$(cat "$d/clitrickle.out")")
[ "$s" -le 25 ] || fail "CLI slowloris held $s s: $(cat "$d/clitrickle.out")"
grep -q "64 CLI connections served: new ones wait for one to end" "$mlog" ||
	fail "a full CLI not logged: $(tail -n3 "$mlog")"
grep -q "cli pid [0-9]* uid 0: .*timed out\|cli pid [0-9]* uid 0: .*time" "$mlog" ||
	fail "CLI slowloris not logged: $(tail -n3 "$mlog")"
ok "master: 70 slow CLI clients cut by $s s, logged; corral hosts answered in $took s"

n0=$(wc -l <"$mlog")
out=$("$HP" deaf-cli "$sock" 30) || fail "deaf CLI client: $out"
[ "$(secs_of "$out")" -le 13 ] || fail "deaf CLI client held: $out"
# its own line, after the slow clients' (under load it may still be in
# the backlog when its 10 s run out, and be cut waiting for its HELLO)
deaf_logged() { tail -n +$((n0 + 1)) "$mlog" | grep -q "cli pid [0-9]* uid 0: .*\(not through within 10 s\|timed out\)"; }
wait_until 200 deaf_logged || fail "deaf CLI client not logged: $(tail -n3 "$mlog")"
mafter=$(rss_kb "$master_pid")
[ $(( mafter - mbefore )) -lt 16384 ] ||
	fail "master memory grew by $(( (mafter - mbefore) / 1024 )) MiB"
corral hosts --cached >/dev/null || fail "corral hosts after the hostile CLI clients"
ok "master: a deaf CLI client sending forever cut ($out), memory +$(( (mafter - mbefore) / 1024 )) MiB"
