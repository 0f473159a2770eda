#!/usr/bin/env bash
# A sync whose destination's file system fills up (ext4 on a small loop
# device): the sync fails with one error that names the destination host
# and path and says the space ran out; the source is untouched, no temp
# file is left on the destination; once there is room, the same sync
# completes.
. "$(dirname "$0")/lib.bash"
CORRAL_POOL_FS_SIZE=128M pool_up 2 --storage ext4
S1=$("$POOLSH" storage h1)
S2=$("$POOLSH" storage h2)
SAME=$ROOT/tests/tree/same.sh

mkdir -p "$S1/src/etc"
head -c 40M /dev/urandom >"$S1/src/big1"
head -c 30M /dev/urandom >"$S1/src/big2"
for i in $(seq 1 50); do echo "line $i" >"$S1/src/etc/f$i"; done
sums() { (cd "$1" && find . -printf '%p %s %m %T@\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(sums "$S1/src")
# leave 24 MiB on h2: the 70 MiB tree cannot fit
avail=$(df --output=avail -B1 "$S2" | tail -n1)
fallocate -l $(( avail - 24 * 1024 * 1024 )) "$S2/filler"

rc=0
err=$(corral sync h1:src h2:dst 2>&1 >/dev/null) || rc=$?
[ $rc -ne 0 ] || fail "a sync into a full file system succeeded"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "not one line of error: $err"
case "$err" in
*h2*dst*"No space left on device"*) ;;
*) fail "the error names neither h2, dst nor the lack of space: $err" ;;
esac
[ "$(sums "$S1/src")" = "$before" ] || fail "the source changed"
left=$(find "$S2" -name '.corral-*.tmp' | head -n3)
[ -z "$left" ] || fail "temp files left on h2: $left"
ok "disk full on the destination: exit $rc, '$err'; source untouched, no temp file left"

rm "$S2/filler"
corral sync h1:src h2:dst >/dev/null || fail "the sync failed with room again"
bash "$SAME" "$S1/src" "$S2/dst" || fail "the copy after the disk-full run differs"
[ "$(sums "$S1/src")" = "$before" ] || fail "the source changed on the rerun"
ok "with room again the same sync completes"
