#!/usr/bin/env bash
# Before authentication: the user name a client sends is logged escaped
# with its address; a channel or subsystem asked for before authentication,
# a password or keyboard-interactive try, and after it a shell, exec, pty,
# env, X11, port forwarding or another subsystem are refused, each logged; a flood of unauthenticated connections from one
# address is cut at the per-source limit (10) before any SSH byte, logged
# once, while the master (another address) still authenticates.
. "$(dirname "$0")/lib.bash"
pool_up 3
d=$CORRAL_POOL_DIR
log=$d/h1/slave.log
ssh-keygen -q -t ed25519 -N '' -f "$d/other_key"
sshopts=(-p 7022 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR)

# a user name that would forge a second log line (OpenSSH's client will
# not send one: ssh-try, a libssh client, does)
rc=0
"$BUILD/ssh-try" $CORRAL_POOL_NET.11 7022 $'x\nforged: authenticated\e[2J' \
	"$d/other_key" || rc=$?
[ $rc -eq 1 ] || fail "ssh-try: exit $rc, want 1 (key refused)"
wait_until 50 grep -q "refused key for user" "$log" || fail "no refusal logged"
line=$(grep "refused key for user" "$log" | tail -n1)
case "$line" in
*"$CORRAL_POOL_NET.1 port "*": refused key for user 'x\x0aforged: authenticated\x1b[2J'") ;;
*) fail "user name not escaped, or no address: $line" ;;
esac
grep -q "^forged" "$log" && fail "a forged line reached the log"
grep -q $'\e' "$log" && fail "an escape byte reached the log"
ok "user name logged escaped with the address: ${line#*: }"

# before authentication: a channel, a subsystem request (ssh_preauth.py:
# libssh's and OpenSSH's clients send neither); libssh's packet filter
# ends the connection, and the slave says why
try() {   # REQUEST: ssh-try's exit code, with the master's key
	local rc=0
	"$BUILD/ssh-try" $CORRAL_POOL_NET.11 7022 root "$d/master/id_ed25519" "$1" \
		2>/dev/null || rc=$?
	echo $rc
}
for r in channel:90 subsystem:98; do
	rc=0
	"$ROOT/tests/integration/ssh_preauth.py" $CORRAL_POOL_NET.11 7022 "${r%:*}" || rc=$?
	[ $rc -eq 3 ] || fail "${r%:*} before authentication: exit $rc, want 3 (refused)"
	wait_until 50 grep -q "connection ended before authentication: Packet filter: rejected packet (type ${r#*:})" "$log" ||
		fail "${r%:*} before authentication not logged: $(tail -n3 "$log")"
done
ok "channel and subsystem before authentication refused, logged"

# passwords: refused, logged with the (escaped) user name
for r in password keyboard-interactive; do
	[ "$(try $r)" -eq 1 ] || fail "$r: not refused"
	wait_until 50 grep -q "refused $r authentication (user 'root') before authentication" "$log" ||
		fail "$r refusal not logged: $(tail -n3 "$log")"
done
ok "password and keyboard-interactive refused, logged"

# after authentication with the master's key: everything but the corral
# subsystem, each refused and logged by name
while read -r r logged; do
	rc=$(try "$r")
	[ "$rc" -eq 3 ] || fail "$r: not refused (exit $rc)"
	wait_until 50 grep -qF "refused $logged" "$log" ||
		fail "$r refusal not logged as '$logged': $(tail -n3 "$log")"
done <<'EOF'
shell channel request 'shell'
exec channel request 'exec'
pty channel request 'pty-req'
env channel request 'env'
x11 channel request 'x11-req'
forward-local channel open 'direct-tcpip (port forwarding)'
forward-remote global request 'tcpip-forward (port forwarding)'
subsystem:sftp subsystem 'sftp'
EOF
ok "shell, exec, pty, env, X11, port forwarding, other subsystems refused, logged"

# the flood, from h2's address: N connections held open; each either gets
# the server's banner (taken) or is closed at once (refused)
"$POOLSH" stop master
"$POOLSH" exec h2 bash -c '
	fds=() kept=0 refused=0
	for i in $(seq 1 15); do exec {fd}<>/dev/tcp/$CORRAL_POOL_NET.11/7022 && fds+=("$fd"); done
	for fd in "${fds[@]}"; do
		if IFS= read -r -t 3 -u "$fd" l && [[ $l == SSH-2.0-* ]]; then
			kept=$((kept + 1))
		else
			refused=$((refused + 1))
		fi
	done
	echo "kept $kept refused $refused" >"$1.tmp" && mv "$1.tmp" "$1"
	exec sleep 60' _ "$d/flood.out" &
flood=$!
# the flood ends with the test, whatever happens (pool_cleanup reads $?)
trap 'rc=$?; set +e; kill $flood 2>/dev/null; (exit $rc); pool_cleanup' EXIT
wait_until 100 test -s "$d/flood.out" || fail "the flood did not report"
[ "$(cat "$d/flood.out")" = "kept 10 refused 5" ] || fail "flood from h2: $(cat "$d/flood.out"), want kept 10 refused 5"
ok "per-source limit: $(cat "$d/flood.out")"

# meanwhile the master's key from the master's address still gets in
ssh "${sshopts[@]}" -v -i "$d/master/id_ed25519" -s $CORRAL_POOL_NET.11 corral \
	</dev/null >/dev/null 2>"$d/ssh.err" || true
grep -q "Authenticated to $CORRAL_POOL_NET.11" "$d/ssh.err" ||
	fail "the master's key did not authenticate during the flood: $(tail -n3 "$d/ssh.err")"
"$POOLSH" start master
[ "$(host_field h1 state)" = up ] || fail "h1 not up for the master during the flood: $(host_field h1 reason)"
ok "another address authenticates during the flood"

# refusals are logged once, the rest counted in one later line
n=$(grep -c "refused a connection from $CORRAL_POOL_NET.12: too many unauthenticated connections from it" "$log")
[ "$n" -eq 1 ] || fail "$n lines for 5 refusals, want 1"
wait_until 150 grep -q "refused 4 more unauthenticated connections" "$log" ||
	fail "no summary of the refusals not logged: $(grep refused "$log" | tail -n3)"
ok "refusals logged once, then counted"

# the flood gone, h2 is served again
kill "$flood"
wait "$flood" 2>/dev/null || true
banner() { "$POOLSH" exec h2 bash -c 'exec 3<>/dev/tcp/$CORRAL_POOL_NET.11/7022 && IFS= read -r -t 3 -u 3 l && [[ $l == SSH-2.0-* ]]'; }
wait_until 50 banner || fail "h2 still refused after its connections closed"
ok "h2 served again once its connections closed"
