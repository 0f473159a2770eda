#!/usr/bin/env bash
# Run every libFuzzer target for FUZZ_SECONDS each, from its seed corpus.
# New inputs go to a scratch corpus, so the tree stays clean; a crash is
# copied to tests/fuzz/crashes/ and fails the run.
# Usage: tests/fuzz/run.sh BUILD_DIR   (FUZZ_SECONDS, default 60)
set -u
build=${1:-build}
secs=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	work=$(mktemp -d)
	seeds="$here/corpus/$name"
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	[ -f "$here/${name#fuzz_}.dict" ] && dict=(-dict="$here/${name#fuzz_}.dict")
	mkdir -p "$work/crash"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/crash/" -print_final_stats=1 "${dict[@]}" \
	    "$work" "$seeds" >"$work/log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
		echo "PASS $name (${secs}s, ${execs:-?} runs)"
		pass=$((pass + 1))
	else
		echo "FAIL $name: see below"
		tail -n 30 "$work/log"
		mkdir -p "$here/crashes"
		cp "$work"/crash/* "$here/crashes/" 2>/dev/null
		fail=$((fail + 1))
	fi
	rm -rf "$work"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
