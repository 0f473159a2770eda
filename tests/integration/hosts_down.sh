#!/usr/bin/env bash
# corral hosts reports each host; a stopped slave shows down, with the
# reason, within one poll interval, and the others still answer; it comes
# back up when restarted.
. "$(dirname "$0")/lib.bash"
pool_up 3
"$POOLSH" create h1 c1 >/dev/null

js=$(corral hosts --json)
echo "$js" | jq -e 'length == 3 and all(.[]; .state == "up")' >/dev/null || fail "not all up: $js"
for f in name address port state reason load1 cores mem_total mem_available storage_backend storage_total storage_free containers last_seen; do
	echo "$js" | jq -e --arg f "$f" 'all(.[]; has($f))' >/dev/null || fail "hosts json field $f missing"
done
echo "$js" | jq -e '.[] | select(.name == "h1") | .containers == 1 and .cores >= 1 and .mem_total > 0 and .storage_total > 0 and .port == 7022' >/dev/null ||
	fail "h1 figures: $js"
corral hosts | grep -q "^h1 " || fail "text table: $(corral hosts)"
ok "hosts up with figures"

"$POOLSH" stop h2
interval=$(awk -F' *= *' '$1 == "poll_interval" { print $2 }' "$CORRAL_CONF")
# within one poll interval (plus the request time-out), seen by the
# pollers alone: --cached asks for no refresh
wait_until $(( (interval + 4) * 10 )) sh -c '[ "$(corral hosts --cached --json | jq -r ".[] | select(.name == \"h2\") | .state")" = down ]' ||
	fail "h2 not down: $(corral hosts)"
reason=$(host_field h2 reason)
[ -n "$reason" ] || fail "down without a reason"
ok "h2 down: $reason"
[ "$(host_field h1 state)" = up ] && [ "$(host_field h3 state)" = up ] || fail "others not up: $(corral hosts)"
# a refreshed scan still answers, with h1's container, and warns about h2
out=$(corral scan 2>&1)
echo "$out" | grep -q "^h1:c1:running:" || fail "scan with h2 down: $out"
echo "$out" | grep -q "h2 is down" || fail "no warning for h2: $out"
ok "others still answer"

"$POOLSH" start h2
wait_until 100 sh -c '[ "$(corral hosts --json | jq -r ".[] | select(.name == \"h2\") | .state")" = up ]' ||
	fail "h2 not back up: $(corral hosts)"
ok "h2 back up"

# the master restarts on the same inventory
"$POOLSH" stop master
"$POOLSH" start master
corral scan --cached | grep -q "^h1:c1:running:" || fail "inventory lost across restart"
ok "master restart keeps the inventory"

# a slaves.conf host whose name resolves to nothing: down with the name
# and the resolver's word, the others up and answering
sc=$(awk -F' *= *' '$1 == "slaves" { print $2 }' "$CORRAL_CONF")
echo "h9:address=nowhere.invalid,port=7022" >>"$sc"
"$POOLSH" stop master
"$POOLSH" start master
wait_until 100 sh -c '[ "$(corral hosts --json | jq -r ".[] | select(.name == \"h9\") | .state")" = down ]' ||
	fail "h9 not down: $(corral hosts)"
reason=$(host_field h9 reason)
case "$reason" in *nowhere.invalid*resolve*) ;; *) fail "h9's reason names neither the name nor the resolver: $reason" ;; esac
for h in h1 h2 h3; do
	[ "$(host_field $h state)" = up ] || fail "$h not up beside an unresolvable host: $(corral hosts)"
done
out=$(corral scan 2>&1)
echo "$out" | grep -q "^h1:c1:" || fail "scan beside an unresolvable host: $out"
ok "unresolvable host down with a clear reason, others serve: $reason"
