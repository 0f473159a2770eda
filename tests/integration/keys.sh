#!/usr/bin/env bash
# Host keys and client keys: the master refuses an unknown slave key until
# `corral host trust`, refuses a changed one loudly, checks --fingerprint;
# a slave refuses a master whose key is not in its authorized_keys.
. "$(dirname "$0")/lib.bash"
pool_up 3
kh=$(awk -F' *= *' '$1 == "known_hosts" { print $2 }' "$CORRAL_CONF")
state() { corral hosts --json | jq -r --arg h "$1" '.[] | select(.name == $h) | .state + "|" + .reason'; }

# unknown key: forget h3, restart the master so it reconnects
"$POOLSH" stop master
grep -v "^\\[$CORRAL_POOL_NET.13\\]" "$kh" >"$kh.new" && mv "$kh.new" "$kh"
"$POOLSH" start master
s=$(state h3)
case "$s" in down*"unknown host key"*"corral host trust h3"*) ;; *) fail "h3 unknown key: $s" ;; esac
[ "$(state h1)" = "up|" ] || fail "h1 should be up: $(state h1)"
ok "unknown host key refused: $s"

# without --fingerprint and without a terminal nothing is trusted blind
rc=0; out=$(corral host trust h3 </dev/null 2>&1) || rc=$?
[ $rc -eq 2 ] || fail "trust without --fingerprint, no terminal: exit $rc, want 2"
echo "$out" | grep -q -- "--fingerprint" || fail "no hint at --fingerprint: $out"
grep -q "^\\[$CORRAL_POOL_NET.13\\]" "$kh" && fail "a key was recorded without a fingerprint"
# on a terminal the key is shown and a "no" records nothing
rc=0; out=$(printf 'n\n' | script -qec "corral host trust h3" /dev/null 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "answered no: exit $rc, want 1: $out"
echo "$out" | grep -q "host key SHA256:" || fail "the key was not shown: $out"
grep -q "^\\[$CORRAL_POOL_NET.13\\]" "$kh" && fail "recorded although the admin said no"
ok "no key trusted without a fingerprint or a yes on a terminal"

# trusting with the wrong fingerprint records nothing
if corral host trust h3 --fingerprint SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2>/dev/null; then
	fail "trust with a wrong fingerprint succeeded"
fi
grep -q "^\\[$CORRAL_POOL_NET.13\\]" "$kh" && fail "wrong fingerprint was recorded"
# the fingerprint an admin reads on the slave itself
fp=$("$POOLSH" exec h3 corral-slave -c "$CORRAL_POOL_DIR/h3/corral.conf" --fingerprint)
out=$(corral host trust h3 --fingerprint "$fp")
echo "$out" | grep -q "^h3: $fp recorded$" || fail "trust output: $out (slave says $fp)"
[ "$(state h3)" = "up|" ] || fail "h3 not up after trust: $(state h3)"
out=$(corral host trust h3 --fingerprint "$fp")
echo "$out" | grep -q "already trusted" || fail "second trust: $out"
# a yes on a terminal records the key that was shown
grep -v "^\\[$CORRAL_POOL_NET.13\\]" "$kh" >"$kh.new" && mv "$kh.new" "$kh"
out=$(printf 'y\n' | script -qec "corral host trust h3" /dev/null 2>&1) ||
	fail "trust confirmed on a terminal failed: $out"
echo "$out" | grep -q "h3: $fp recorded" || fail "confirmed trust: $out"
ok "trust records the key, checked against --fingerprint"

# changed key: h2 gets a new host key
"$POOLSH" stop h2
rm -f "$CORRAL_POOL_DIR/h2/ssh_host_ed25519_key"
"$POOLSH" start h2
s=$(state h2)
case "$s" in down*"HOST KEY CHANGED"*) ;; *) fail "h2 changed key: $s" ;; esac
fp2=$("$POOLSH" exec h2 corral-slave -c "$CORRAL_POOL_DIR/h2/corral.conf" --fingerprint)
if corral host trust h2 --fingerprint "$fp2" 2>/dev/null; then fail "trust accepted a changed key"; fi
ok "changed host key refused: $s"

# slave side: h1 no longer lists the master's key
ssh-keygen -q -t ed25519 -N '' -f "$CORRAL_POOL_DIR/other_key"
cp "$CORRAL_POOL_DIR/other_key.pub" "$CORRAL_POOL_DIR/h1/authorized_keys"
"$POOLSH" stop master
"$POOLSH" start master
s=$(state h1)
case "$s" in down*"refused"*) ;; *) fail "h1 with foreign authorized_keys: $s" ;; esac
grep -q "refused key" "$CORRAL_POOL_DIR/h1/slave.log" || fail "slave did not log the refusal"
ok "unauthorized master key refused: $s"

# authorized_keys and the host key are checked like OpenSSH's StrictModes:
# a world-writable authorized_keys (the issue's case) is refused and named
cp "$CORRAL_POOL_DIR/master/id_ed25519.pub" "$CORRAL_POOL_DIR/h1/authorized_keys"
chmod 666 "$CORRAL_POOL_DIR/h1/authorized_keys"
"$POOLSH" stop master
"$POOLSH" start master
s=$(state h1)
case "$s" in down*) ;; *) fail "h1 with a world-writable authorized_keys: $s" ;; esac
grep -qF "$CORRAL_POOL_DIR/h1/authorized_keys: writable by group or others (mode 0666)" \
	"$CORRAL_POOL_DIR/h1/slave.log" || fail "slave did not name the writable authorized_keys"
chmod 644 "$CORRAL_POOL_DIR/h1/authorized_keys"
"$POOLSH" stop master
"$POOLSH" start master
[ "$(state h1)" = "up|" ] || fail "h1 not up with authorized_keys 0644: $(state h1)"
ok "world-writable authorized_keys refused: $s"

# the host key: readable by its group, or in a directory others can write
fpr() { "$POOLSH" exec h3 corral-slave -c "$CORRAL_POOL_DIR/h3/corral.conf" --fingerprint 2>&1; }
hk=$CORRAL_POOL_DIR/h3/ssh_host_ed25519_key
chmod 640 "$hk"
out=$(fpr) && fail "a group-readable host key was accepted"
echo "$out" | grep -qF "$hk: accessible by group or others (mode 0640)" || fail "host key 0640: $out"
chmod 600 "$hk"
chmod 777 "$CORRAL_POOL_DIR/h3"
out=$(fpr) && fail "a host key in a world-writable directory was accepted"
echo "$out" | grep -qF "directory $CORRAL_POOL_DIR/h3 is writable by group or others (mode 0777)" ||
	fail "host key directory 0777: $out"
chmod 755 "$CORRAL_POOL_DIR/h3"
# a link to the key is followed, its target's directories checked too
mv "$hk" "$CORRAL_POOL_DIR/h3/key.real"
ln -s key.real "$hk"
[ "$(fpr)" = "$fp" ] || fail "host key through a link: $(fpr)"
ok "host key with loose modes refused, through a link accepted"

# the master's own client key, read the same way: group-readable, it is
# refused by name and the slaves go down with the reason; back to 0600,
# they are up again (h1: h2's host key was changed above)
mk=$CORRAL_POOL_DIR/master/id_ed25519
chmod 640 "$mk"
"$POOLSH" stop master
"$POOLSH" start master
s=$(state h1)
case "$s" in "down|h1: our key: $mk: accessible by group or others (mode 0640)"*) ;;
*) fail "master key 0640: h1 is '$s'" ;; esac
chmod 600 "$mk"
"$POOLSH" stop master
"$POOLSH" start master
[ "$(state h1)" = "up|" ] || fail "h1 not up with the master's key 0600: $(state h1)"
ok "master's client key with loose modes refused: $s"
