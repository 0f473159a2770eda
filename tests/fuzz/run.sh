#!/usr/bin/env bash
# Run libFuzzer targets for FUZZ_SECONDS each, one at a time (-jobs=1),
# from their seed corpora.  New inputs go to a scratch corpus, so the tree
# stays clean (FUZZ_KEEP=DIR keeps them in DIR/<target> for a later
# minimising merge); a crash is copied to tests/fuzz/crashes/ and fails the
# run.  FUZZ_RECORD=FILE appends one line per run: date, target, seconds,
# executions, result (the long runs' record in tests/fuzz/README).
# Usage: tests/fuzz/run.sh BUILD_DIR [TARGET...]   (FUZZ_SECONDS, default 60)
set -u
build=$(cd "${1:-build}" && pwd)
shift || true
secs=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
if [ $# -gt 0 ]; then
	bins=()
	for t in "$@"; do bins+=("$build/fuzz/$t"); done
else
	bins=("$build"/fuzz/fuzz_*)
fi
for bin in "${bins[@]}"; do
	[ -x "$bin" ] || { echo "FAIL $(basename "$bin"): not built"; fail=$((fail + 1)); continue; }
	name=$(basename "$bin")
	work=$(mktemp -d)
	seeds="$here/corpus/$name"
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	[ -f "$here/${name#fuzz_}.dict" ] && dict=(-dict="$here/${name#fuzz_}.dict")
	mkdir -p "$work/crash" "$work/new"
	start=$(date -u +%Y-%m-%dT%H:%MZ)
	# -jobs=1: one worker process, whose log libFuzzer writes to
	# ./fuzz-0.log, hence the cd into the scratch directory
	if (cd "$work" && "$bin" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -jobs=1 -artifact_prefix="$work/crash/" \
	    -print_final_stats=1 "${dict[@]}" "$work/new" "$seeds" \
	    >"$work/log" 2>&1); then
		result=pass
		pass=$((pass + 1))
	else
		result=FAIL
		fail=$((fail + 1))
	fi
	cat "$work"/fuzz-*.log >>"$work/log" 2>/dev/null
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -n 1)
	if [ $result = pass ]; then
		echo "PASS $name (${secs}s, ${execs:-?} runs)"
	else
		echo "FAIL $name: see below"
		tail -n 30 "$work/log"
		mkdir -p "$here/crashes"
		cp "$work"/crash/* "$here/crashes/" 2>/dev/null
	fi
	[ -n "${FUZZ_RECORD:-}" ] &&
		echo "$start $name ${secs}s ${execs:-?} $result" >>"$FUZZ_RECORD"
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP/$name"
		cp "$work"/new/* "$FUZZ_KEEP/$name/" 2>/dev/null
		cp "$work/log" "$FUZZ_KEEP/$name.log"
	fi
	rm -rf "$work"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
