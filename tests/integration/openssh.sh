#!/usr/bin/env bash
# The OpenSSH client reaches a slave's "corral" subsystem with the master's
# key and gets HELLO_OK; another key, passwords, exec and shell are refused.
# The same protocol runs over stdin/stdout with corral-slave --stdio.
. "$(dirname "$0")/lib.bash"
pool_up 1
d=$CORRAL_POOL_DIR
ssh-keygen -q -t ed25519 -N '' -f "$d/other_key"
sshopts=(-p 7022 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new
	-o UserKnownHostsFile="$d/openssh_known_hosts" -o ConnectTimeout=5)
# HELLO (versions V..V, this tree's PROTO_VERSION; caps 0, software "t",
# role "m"), then BYE
V=$(sed -n 's/^#define PROTO_VERSION  *\([0-9]*\).*/\1/p' "$ROOT/proto/proto.h")
[ -n "$V" ] && [ "$V" -lt 256 ] || fail "no PROTO_VERSION in proto/proto.h"
VO=$(printf '\\%03o' "$V")
req() { printf "\\0\\0\\0\\022\\0\\144\\0\\0\\0\\0\\0\\001\\0${VO}\\0${VO}\\0\\0\\0\\0\\0\\0\\0\\001t\\0\\0\\0\\001m\\0\\0\\0\\0\\0\\151\\0\\0\\0\\0\\0\\002"; }
# the type of the first frame of stdin, as 4 hex digits
# (then the rest, so the writer never meets a closed pipe)
first_type() { od -An -tx1 -j4 -N2 | tr -d ' \n'; cat >/dev/null; }

t=$(req | ssh "${sshopts[@]}" -i "$d/master/id_ed25519" -s $CORRAL_POOL_NET.11 corral | first_type)
[ "$t" = 0065 ] || fail "ssh -s corral: first reply type '$t', want HELLO_OK (0065)"
ok "ssh -s corral with the master's key: HELLO_OK"

if req | ssh "${sshopts[@]}" -i "$d/other_key" -s $CORRAL_POOL_NET.11 corral >/dev/null 2>"$d/err"; then
	fail "another key was accepted"
fi
grep -q "Permission denied" "$d/err" || fail "other key: $(cat "$d/err")"
ok "another key refused"

if ssh "${sshopts[@]}" -o PubkeyAuthentication=no \
	-o PreferredAuthentications=password,keyboard-interactive $CORRAL_POOL_NET.11 true 2>"$d/err" </dev/null; then
	fail "password authentication accepted"
fi
ok "password and keyboard-interactive refused"

if ssh "${sshopts[@]}" -i "$d/master/id_ed25519" $CORRAL_POOL_NET.11 id >/dev/null 2>"$d/err" </dev/null; then
	fail "exec accepted"
fi
grep -qi "failed\|refused\|denied" "$d/err" || fail "exec: $(cat "$d/err")"
if req | ssh "${sshopts[@]}" -i "$d/master/id_ed25519" -s $CORRAL_POOL_NET.11 sftp >/dev/null 2>&1; then
	fail "sftp subsystem accepted"
fi
ok "exec and other subsystems refused"

# several channels of one SSH session at once: a first corral channel stays
# open and busy-less (its HELLO never sent) while a second one, on the same
# connection, completes
cp="$d/ctl"
auths=$(grep -c "authenticated" "$d/h1/slave.log")
ssh "${sshopts[@]}" -i "$d/master/id_ed25519" -o ControlMaster=yes -o ControlPath="$cp" \
	-N -f $CORRAL_POOL_NET.11
mkfifo "$d/hold"
ssh "${sshopts[@]}" -o ControlPath="$cp" -s $CORRAL_POOL_NET.11 corral <"$d/hold" >/dev/null 2>&1 &
holder=$!
exec 7>"$d/hold"    # keeps the first channel's input open
t=$(req | ssh "${sshopts[@]}" -o ControlPath="$cp" -s $CORRAL_POOL_NET.11 corral | first_type)
exec 7>&-
wait "$holder" || true
ssh -o ControlPath="$cp" -O exit $CORRAL_POOL_NET.11 2>/dev/null || true
[ "$t" = 0065 ] || fail "second channel of one session: reply type '$t'"
[ "$(grep -c "authenticated" "$d/h1/slave.log")" -eq $((auths + 1)) ] ||
	fail "the two channels did not share one session"
ok "a second channel of the same session is served while the first is open"

t=$(req | corral-slave --stdio -f -c "$d/h1/corral.conf" 2>/dev/null | first_type)
[ "$t" = 0065 ] || fail "--stdio: first reply type '$t'"
ok "corral-slave --stdio: HELLO_OK"
