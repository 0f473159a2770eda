#!/bin/bash
# The test VM's command agent (tests/vm/vm.sh exec), one connection per
# command: a line with the command in base64; the answer is three lines,
# "OUT <base64 stdout>", "ERR <base64 stderr>", "RC <status>".
read -r cmd64 || exit 0
t=$(mktemp -d)
# busybox nc ignores SIGCHLD, and children would inherit that (waitpid
# then fails in lxc, lvm, the slave): the command gets the default back
env --default-signal=CHLD bash -c "$(printf '%s' "$cmd64" | base64 -d)" \
	</dev/null >"$t/out" 2>"$t/err"
rc=$?
printf 'OUT %s\nERR %s\nRC %s\n' "$(base64 -w0 <"$t/out")" "$(base64 -w0 <"$t/err")" "$rc"
rm -rf "$t"
