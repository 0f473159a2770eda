#!/usr/bin/env bash
# corral scan finds exactly the containers lxc-ls sees on each host, with
# the right states and addresses, in text and JSON, refreshed and cached,
# filtered by name and host; a container on two hosts is a conflict.
. "$(dirname "$0")/lib.bash"
pool_up 3
ip1=$("$POOLSH" create h1 web)
ip2=$("$POOLSH" create h1 db)
"$POOLSH" create h2 mail --stopped >/dev/null
ip4=$("$POOLSH" create h2 dns)

# text lines host:container:state:ipv4 against lxc-ls
got=$(corral scan | cut -d: -f1-3 | sort)
want=$(lxc_truth)
[ "$got" = "$want" ] || fail "scan != lxc-ls: got [$got] want [$want]"
[ "$(echo "$want" | wc -l)" -eq 4 ] || fail "expected 4 containers, lxc-ls has [$want]"
ok "scan matches lxc-ls"
corral scan | grep -qx "h1:web:running:$ip1" || fail "web line: $(corral scan)"
corral scan | grep -qx "h2:mail:stopped:" || fail "mail line: $(corral scan)"
ok "states and addresses"

# JSON: every field, lower-case states, the address
js=$(corral scan --json)
echo "$js" | jq -e 'length == 4' >/dev/null || fail "json length: $js"
for f in host name state ipv4 autostart mem_used mem_limit cpu_usec backend rootfs_bytes last_seen conflict; do
	echo "$js" | jq -e --arg f "$f" 'all(.[]; has($f))' >/dev/null || fail "json field $f missing"
done
echo "$js" | jq -e --arg ip "$ip2" '.[] | select(.name == "db") | .host == "h1" and .state == "running" and .ipv4 == $ip' >/dev/null ||
	fail "json db: $js"
echo "$js" | jq -e '.[] | select(.name == "db") | .rootfs_bytes > 0 and .backend == "dir" and .mem_used > 0' >/dev/null ||
	fail "json db rootfs: $js"
ok "json fields"

# filters
[ "$(corral scan --name dns)" = "h2:dns:running:$ip4" ] || fail "--name dns: $(corral scan --name dns)"
[ "$(corral scan --host h1 | wc -l)" -eq 2 ] || fail "--host h1: $(corral scan --host h1)"
if corral scan --name nosuch 2>/dev/null; then fail "--name nosuch succeeded"; fi
out=$(corral scan --name nosuch 2>&1 || true)
echo "$out" | grep -q "no container named nosuch" || fail "--name nosuch message: $out"
ok "filters and exit code"

# what the terminal gets of a name is one line without escape sequences
out=$(corral scan --name $'x\ny\e[2J' 2>&1 || true)
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "a newline in a name reached the terminal: $out"
case "$out" in *$'\e'*) fail "an escape byte reached the terminal" ;; esac
echo "$out" | grep -qF 'no container named x\x0ay\x1b[2J' || fail "name not escaped: $out"
ok "control bytes escaped on the terminal"

# a change on a host is seen by the next refreshed scan, not by --cached
"$POOLSH" exec h1 lxc-stop -P "$("$POOLSH" lxcpath h1)" -n db -k
corral scan --cached --name db | grep -q ":running:" || fail "--cached already changed: $(corral scan --cached --name db)"
corral scan --name db | grep -q "^h1:db:stopped:" || fail "refresh missed the stop: $(corral scan --name db)"
corral scan --cached --name db | grep -q "^h1:db:stopped:" || fail "inventory not updated"
ok "refresh vs cached"

# a container found on two hosts is reported, not hidden
"$POOLSH" create h3 web >/dev/null
out=$(corral scan --name web 2>&1 >/dev/null || true)
echo "$out" | grep -q "conflict" || fail "no conflict reported: $out"
[ "$(corral scan --name web 2>/dev/null | wc -l)" -eq 2 ] || fail "conflict hidden"
corral scan --json --name web | jq -e 'all(.[]; .conflict == true)' >/dev/null || fail "json conflict flag"
ok "conflict reported"
