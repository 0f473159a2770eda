#!/usr/bin/env bash
# corral backups, verify and prune against a master of no slaves whose
# store (on the scratch directory's file system) holds versions made by
# store-tool (master/store.h alone), so that the listing, a check, a file
# changed behind corral's back and retention are tested without a pool:
#   - backups --json lists each version with the issue's fields;
#   - verify of a sound version says good, exit 0, and records the time;
#   - one file changed on disk: verify exits 1 naming that file, and the
#     listing marks the version bad;
#   - prune --dry-run with keep_daily names what would go (a bad version,
#     the older one of a day) and removes nothing; prune removes them; the
#     newest verified version stays though no rule keeps it (keep_last,
#     read again at SIGHUP); a container whose versions do not read fails
#     a prune of the whole store before anything is removed;
#   - a backup run with nothing to do (backup.conf missing or empty) says
#     so on stderr and exits 0;
#   - bad input: an unknown container or version, a bad name: one line,
#     exit 1 or 2;
#   - a prune while a verify reads (store-tool's, another process, paused
#     with SIGSTOP in the midst of a large version): the verify's shared
#     lock keeps every version of the container; the prune fails, one line
#     a version it would remove naming the container's directory busy,
#     and removes nothing; the verify then ends good; the prune then
#     works, the version just verified kept as the newest verified.
. "$(dirname "$0")/lib.bash"
T=$(mktemp -d /tmp/corral-backups-cli.XXXXXX)
pid='' vpid=''
cleanup() {
	local rc=$?
	[ -z "$vpid" ] || { kill -CONT "$vpid"; kill "$vpid"; wait "$vpid"; } 2>/dev/null || true
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/master.log" 2>/dev/null; then
		cat "$T/master.log"; rc=1
	fi
	[ $rc -eq 0 ] || tail -n 20 "$T/master.log" 2>/dev/null || true
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
ST=$BUILD/store-tool
[ -x "$ST" ] || fail "no $ST (make tests)"
S=$T/store
mkdir -m 0700 "$S"
mkdir -p "$T/src/etc" "$T/src/var"
echo "127.0.0.1 localhost" >"$T/src/etc/hosts"
head -c 65536 /dev/urandom >"$T/src/var/data"

# version VERSION-TIME [KIND]: a version of web1 created at that UTC time
version() {
	local inc
	inc=$("$ST" "$S" begin web1 | sed -n 's/^path //p')
	rsync -aHAX --numeric-ids --delete "$T/src/" "$inc/rootfs/"
	# a new file, not a write into one a links store shares with the
	# version before
	rm -f "$inc/config"
	printf 'lxc.uts.name = web1\n' >"$inc/config"
	"$ST" "$S" commit web1 --host h1 --kind "${2:-cold}" \
	    --created "$(date -u -d "$1" +%s)" >/dev/null
}
version "2026-11-01 02:30:00"
version "2026-11-02 02:30:00"
version "2026-11-02 14:00:00" hot
echo "new" >"$T/src/etc/motd"
version "2026-11-03 02:30:00"
mapfile -t V < <("$ST" "$S" versions web1 | cut -d' ' -f1)
[ ${#V[@]} -eq 4 ] || fail "store-tool made ${#V[@]} versions"

: >"$T/slaves.conf"
conf() {
	cat >"$T/corral.conf" <<CONF
socket = $T/master.sock
inventory = $T/inventory.db
slaves = $T/slaves.conf
backup = $T/backup.conf
store = $S
key = $T/id_ed25519
known_hosts = $T/known_hosts
keep_daily = 2
CONF
}
conf
"$BUILD/corral-master" -f -c "$T/corral.conf" >"$T/master.log" 2>&1 &
pid=$!
wait_until 100 test -S "$T/master.sock" || fail "no socket: $(tail -n 5 "$T/master.log")"
export CORRAL_CONF=$T/corral.conf
C=$BUILD/corral

# the listing
"$C" backups --json >"$T/b.json" || fail "backups: $(cat "$T/b.json")"
jq -e --arg v0 "${V[0]}" 'length == 4 and (.[0] | .container == "web1" and
    .version == $v0 and .created == "2026-11-01T02:30:00Z" and
    .kind == "cold" and .host == "h1" and .files > 0 and .bytes >= 65536 and
    .stored > 0 and .verified == null and .bad == false) and
    .[2].kind == "hot"' "$T/b.json" >/dev/null ||
	fail "backups --json: $(cat "$T/b.json")"
"$C" backups web1 --json | jq -e 'length == 4' >/dev/null || fail "backups web1"
"$C" backups nosuch --json | jq -e 'length == 0' >/dev/null || fail "backups nosuch"
"$C" backups | grep -q "^web1 .*${V[3]} .*2026-11-03T02:30:00Z .*never" ||
	fail "backups table: $("$C" backups)"
ok "corral backups lists the versions with their fields"

# a sound version
out=$("$C" verify web1 --version "${V[1]}") || fail "verify ${V[1]}: $out"
[ "$out" = "web1 ${V[1]}: good" ] || fail "verify said: $out"
"$C" verify web1 --json | jq -e --arg v "${V[3]}" '.good and .version == $v and
    .problems == 0' >/dev/null || fail "verify newest: $("$C" verify web1 --json)"
"$C" backups --json | jq -e '.[1].verified != null and .[3].verified != null and
    .[0].verified == null' >/dev/null || fail "verified times: $("$C" backups --json)"
ok "corral verify: a sound version is good and its check is recorded"

# a file changed behind corral's back (same size and times: only the
# content check can see it), as a new inode: on a links store the old one
# is every version's; on btrfs the version is a read-only subvolume
vdir=$S/web1/${V[1]}
if [ "$(stat -f -c %T "$S")" = btrfs ]; then btrfs property set -ts "$vdir" ro false; fi
f=$vdir/rootfs/var/data
touch -r "$vdir/rootfs/var" "$T/dref"
cp -p "$f" "$f.new"
b=$(od -An -tx1 -j100 -N1 "$f" | tr -d ' ')
[ "$b" = 58 ] && c=Y || c=X
printf '%s' "$c" | dd of="$f.new" bs=1 seek=100 conv=notrunc status=none
touch -r "$f" "$f.new"
mv "$f.new" "$f"
touch -r "$T/dref" "$vdir/rootfs/var"
rc=0; out=$("$C" verify web1 --version "${V[1]}" 2>"$T/err") || rc=$?
[ $rc -eq 1 ] || fail "verify of a changed file: exit $rc ($out)"
[ "$out" = "web1 ${V[1]}: rootfs/var/data: content" ] || fail "verify did not name the file: $out"
grep -q "is bad" "$T/err" || fail "verify stderr: $(cat "$T/err")"
rc=0; "$C" verify web1 --version "${V[1]}" --json >"$T/v.json" 2>/dev/null || rc=$?
[ $rc -eq 1 ] && jq -e '(.good | not) and .problems == 1 and
    .files == [{"path": "rootfs/var/data", "problem": "content"}]' "$T/v.json" >/dev/null ||
	fail "verify --json of a bad version: $rc $(cat "$T/v.json")"
"$C" backups --json | jq -e '.[1].bad and (.[0].bad | not)' >/dev/null ||
	fail "not marked bad: $("$C" backups --json)"
ok "corral verify: a file changed on disk fails it, named, the version marked bad"

# retention: keep_daily 2 keeps the newest of 11-03 and of 11-02 (the hot
# one); 11-01 and the bad morning one of 11-02 would go
"$C" prune --dry-run --json >"$T/p.json" || fail "prune --dry-run: $(cat "$T/p.json")"
jq -e '[.[] | .action] == ["remove", "remove", "keep", "keep"] and
    .[1].reason == "bad" and .[3].reason == "daily 1"' "$T/p.json" >/dev/null ||
	fail "prune --dry-run: $(cat "$T/p.json")"
"$C" backups --json | jq -e 'length == 4' >/dev/null || fail "a dry run removed something"
ok "corral prune --dry-run says what would go and removes nothing"

# the newest verified version stays though no rule keeps it: keep_last 1
# keeps only 11-03's, which is made unverified again; 11-02's hot one,
# verified, stays; 11-01 and the bad one go
# (retention is read again at SIGHUP: no restart)
sed -i 's/^keep_daily = 2$/keep_last = 1/' "$T/corral.conf"
rm -f "$S/web1/${V[3]}.verified"
kill -HUP "$pid"
wait_until 100 grep -q "reloaded $T/corral.conf: .*keep_last 1, keep_daily 0," "$T/master.log" ||
	fail "SIGHUP did not re-read the retention: $(tail -n 3 "$T/master.log")"
"$C" verify web1 --version "${V[2]}" >/dev/null || fail "verify ${V[2]}"
# a container after web1 whose versions do not read (a manifest that is a
# directory): the prune of every container says so and removes nothing
# (it removed web1's, then failed)
mkdir -p "$S/zz1/20261101T023000Z/manifest"
expect_exit 1 "zz1/20261101T023000Z: its manifest did not read" "$C" prune
"$C" backups web1 --json | jq -e 'length == 4' >/dev/null || fail "a failed prune removed something"
rm -rf "$S/zz1"
"$C" prune --json >"$T/p.json" || fail "prune: $(cat "$T/p.json")"
jq -e '[.[] | .action] == ["removed", "removed", "keep", "keep"] and
    .[2].reason == "newest verified" and .[3].reason == "last 1"' "$T/p.json" >/dev/null ||
	fail "prune: $(cat "$T/p.json")"
"$C" backups --json | jq -e --arg a "${V[2]}" --arg b "${V[3]}" \
    '[.[] | .version] == [$a, $b]' >/dev/null || fail "after prune: $("$C" backups --json)"
[ ! -e "$S/web1/${V[0]}" ] && [ ! -e "$S/web1/${V[1]}" ] || fail "pruned trees still there"
ok "corral prune removes what retention drops, keeps the newest verified"

# a run with nothing to do says why, and is no failure
for f in missing empty; do
	[ $f = empty ] && : >"$T/backup.conf"
	"$C" backup >"$T/out" 2>"$T/err" || fail "backup, backup.conf $f: exit $?: $(cat "$T/err")"
	grep -qx "corral: backup: backup.conf lists no container: nothing to do" "$T/err" ||
		fail "backup, backup.conf $f: $(cat "$T/err")"
	[ "$(wc -l <"$T/out")" = 1 ] || fail "backup, backup.conf $f: $(cat "$T/out")"
done
"$C" backup --json 2>"$T/err" | jq -e 'length == 0' >/dev/null || fail "backup --json of nothing"
ok "a backup run with nothing to do says so, exit 0"

# bad input: one line, nothing changed
expect_exit 1 "no version" "$C" verify web1 --version 20200101T000000Z
expect_exit 1 "no version of nosuch" "$C" verify nosuch
expect_exit 1 "not a valid container name" "$C" backups 'a/b'
expect_exit 2 "usage" "$C" verify
expect_exit 2 "unexpected argument" "$C" prune a b
"$C" backups --json | jq -e 'length == 2' >/dev/null || fail "bad input changed the store"
ok "bad input: one line, exit 1 or 2, nothing changed"

# ---- a prune while a verify reads the container: big1's oldest version
# (a 2 GiB sparse file: long to read) and the one after it would go
# (keep_last 1, neither verified)
bigv() {  # CREATED [SIZE]: a version of big1, its files made anew (on a
	# links store the version before shares them)
	local inc
	inc=$("$ST" "$S" begin big1 | sed -n 's/^path //p')
	rm -rf "$inc/rootfs" "$inc/config"
	mkdir "$inc/rootfs"
	echo "$1" >"$inc/rootfs/when"
	[ -z "${2:-}" ] || truncate -s "$2" "$inc/rootfs/big"
	printf 'lxc.uts.name = big1\n' >"$inc/config"
	"$ST" "$S" commit big1 --host h1 --kind cold --created "$(date -u -d "$1" +%s)"
}
A=$(bigv "2026-11-05 02:30:00" 2G); B=$(bigv "2026-11-06 02:30:00"); N=$(bigv "2026-11-07 02:30:00")
"$C" prune big1 --dry-run --json | jq -e '[.[] | .action] == ["remove", "remove", "keep"]' >/dev/null ||
	fail "big1's plan: $("$C" prune big1 --dry-run --json)"
# held PID: PID has its shared flock on big1's directory (/proc/locks: a
# probe taking the lock itself could make the verify's fail)
held() {
	grep -Eq "^[0-9]+: FLOCK +ADVISORY +READ +$1 [0-9a-f]+:[0-9a-f]+:$(stat -c %i "$S/big1") " /proc/locks
}
"$ST" "$S" verify big1 "$A" >"$T/v.out" 2>&1 &
vpid=$!
for _ in $(seq 1000); do held "$vpid" && break; sleep 0.01; done
kill -STOP "$vpid" 2>/dev/null || true
held "$vpid" && [ ! -e "$S/big1/$A.verified" ] ||
	fail "the verify of $A was not caught in its midst: $(cat "$T/v.out")"
rc=0; "$C" prune big1 >"$T/p.out" 2>"$T/p.err" || rc=$?
[ $rc -eq 1 ] || fail "prune during a verify: exit $rc: $(cat "$T/p.out" "$T/p.err")"
busy="remove failed: $S/big1: busy: a version is being made, removed or read"
[ "$(wc -l <"$T/p.err")" = 2 ] && grep -qxF "corral: prune: big1 $A: $busy" "$T/p.err" &&
	grep -qxF "corral: prune: big1 $B: $busy" "$T/p.err" ||
	fail "prune during a verify said: $(cat "$T/p.err")"
[ "$("$ST" "$S" versions big1 | cut -d' ' -f1 | tr '\n' ' ')" = "$A $B $N " ] ||
	fail "a prune during a verify removed something: $("$ST" "$S" versions big1)"
kill -CONT "$vpid"
rc=0; wait "$vpid" || rc=$?
vpid=''
[ $rc -eq 0 ] && [ "$(cat "$T/v.out")" = good ] || fail "the paused verify of $A: exit $rc: $(cat "$T/v.out")"
[ "$(stat -c %s "$S/big1/$A/rootfs/big")" = $((2 << 30)) ] || fail "$A's big file changed"
"$C" prune big1 --json >"$T/p.json" || fail "prune after the verify: $(cat "$T/p.json")"
jq -e '[.[] | .action] == ["keep", "removed", "keep"] and .[0].reason == "newest verified"' \
    "$T/p.json" >/dev/null || fail "prune after the verify: $(cat "$T/p.json")"
[ "$("$ST" "$S" versions big1 | cut -d' ' -f1 | tr '\n' ' ')" = "$A $N " ] ||
	fail "after the prune: $("$ST" "$S" versions big1)"
ok "a prune during a verify of the container: refused as busy, one line a version, nothing removed; the verify good; then the prune works"
