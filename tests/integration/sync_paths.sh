#!/usr/bin/env bash
# corral sync and the spellings of a path: "./web", "web/", ".//web/."
# are web's volume and ".corral-snap" the slave's own however they are
# written (refused with the same error as the plain spelling), "." is the
# storage root; names that merely contain ".." (..., a..b) are ordinary,
# as sync paths and inside the tree.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2
S1=$("$POOLSH" storage h1)
S2=$("$POOLSH" storage h2)
"$POOLSH" create h2 web >/dev/null
lxc_truth | grep -qx "h2:web:running" || fail "web is not running on h2"
mkdir -p "$S1/src/a..b/..." "$S1/src/..a"
echo one >"$S1/src/a..b/.../b.."
echo two >"$S1/src/..a/..."

# refused PLAIN SPELLING...: the slave's reason for each spelling (after
# "receive SPELLING: ") is the one for the plain one
reason() {  # reason PATH: why sync into h2:PATH failed
	local out
	if out=$(corral sync h1:src "h2:$1" 2>&1); then fail "accepted: h2:$1"; fi
	case $out in
	*": receive $1: "*) echo "${out#*: receive "$1": }" ;;
	*) fail "h2:$1: $out" ;;
	esac
}
refused_alike() {
	local plain=$1 want got; shift
	want=$(reason "$plain")
	for p in "$@"; do
		got=$(reason "$p")
		[ "$got" = "$want" ] || fail "h2:$p: '$got', not as h2:$plain: '$want'"
	done
	echo "$want"
}
before=$(cd "$S2/web" && find . | sort | md5sum)
refused_alike web ./web web/ .//web/. ./web/tmp web//tmp/./ | grep -q "web is running" ||
	fail "no 'web is running' refusal"
[ "$(cd "$S2/web" && find . | sort | md5sum)" = "$before" ] || fail "web's volume changed"
ok "H:./web and other spellings refused while web runs, as H:web"

refused_alike .corral-snap/x ./.corral-snap/x .corral-snap//x/ ./.corral-snap/./x |
	grep -q "corral-snap is the slave's own" || fail "no snapshot-directory refusal"
refused_alike .corral-snap ./.corral-snap .corral-snap/ >/dev/null
[ ! -e "$S2/.corral-snap/x" ] || fail "something was written into .corral-snap"
ok "H:./.corral-snap/x and other spellings refused, as H:.corral-snap/x"

for p in . ./ .//. ''; do
	out=$(corral sync h1:src "h2:$p" 2>&1) && fail "accepted: h2:$p"
	case $p in
	'') echo "$out" | grep -q "is not HOST:PATH" || fail "h2:'': $out" ;;
	*) echo "$out" | grep -q "whole storage root" || fail "h2:$p: $out" ;;
	esac
done
[ -d "$S2/web" ] || fail "the storage root was written over"
ok "the storage root refused however it is spelt"

corral sync h1:./src h2:./copy/ >/dev/null || fail "sync h1:./src h2:./copy/"
bash "$SAME" "$S1/src" "$S2/copy" || fail "./src -> ./copy/ differs"
corral sync h1:src/a..b h2:x..y >/dev/null || fail "sync h1:src/a..b h2:x..y"
bash "$SAME" "$S1/src/a..b" "$S2/x..y" || fail "a..b -> x..y differs"
[ "$(cat "$S2/copy/a..b/.../b..")" = one ] && [ "$(cat "$S2/copy/..a/...")" = two ] ||
	fail "dotted names copied wrong"
for bad in "h2:../x" "h2:x/.." "h2:a..b/../x" "h2:/x"; do
	corral sync h1:src "$bad" >/dev/null 2>&1 && fail "accepted: $bad"
done
ok "dotted names copied exactly; a real '..' still refused"
