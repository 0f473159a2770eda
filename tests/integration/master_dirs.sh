#!/usr/bin/env bash
# corral-master started by hand on a fresh host: it makes the missing
# directories of its socket and its inventory (the systemd unit's
# RuntimeDirectory and StateDirectory are not there), serves, and logs it.
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d /tmp/corral-master-dirs.XXXXXX)
pid=''
cleanup() {
	local rc=$?
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/master.log" 2>/dev/null; then
		cat "$T/master.log"; rc=1
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
: >"$T/slaves.conf"
cat >"$T/corral.conf" <<CONF
socket = $T/run/corral/master.sock
inventory = $T/lib/corral/inventory.db
slaves = $T/slaves.conf
backup = $T/backup.conf
key = $T/id_ed25519
known_hosts = $T/known_hosts
CONF
"$BUILD/corral-master" -f -c "$T/corral.conf" >"$T/master.log" 2>&1 &
pid=$!
wait_until 100 test -S "$T/run/corral/master.sock" ||
	fail "no socket: $(tail -n 5 "$T/master.log")"
[ -f "$T/lib/corral/inventory.db" ] || fail "no inventory"
grep -q "created $T/run/corral" "$T/master.log" || fail "the new directory was not logged"
CORRAL_CONF=$T/corral.conf "$BUILD/corral" hosts --json >"$T/hosts.json" ||
	fail "the CLI could not talk to it"
jq -e 'type == "array" and length == 0' "$T/hosts.json" >/dev/null ||
	fail "hosts: $(cat "$T/hosts.json")"
ok "corral-master makes the directories of its socket and inventory"
