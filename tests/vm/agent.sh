#!/bin/busybox sh
# The test VM's command agent (tests/vm/vm.sh exec), one TCP connection per
# command, run by busybox sh with its own applets (static: they start ten
# times faster than dynamic programs under TCG).  Request: one line
# "CWD CMD", each in base64.  Answer, once the command has ended:
# "OUT <base64 of stdout>", "ERR <base64 of stderr>", "RC <exit status>",
# a line each.
exec 2>/dev/console   # never into the answer
trap - CHLD           # busybox nc ignores it; children would inherit that
read -r cwd64 cmd64 || exit 0
t=/run/agent.$$
mkdir -m 0700 "$t" || exit 1
cmd=$(printf '%s' "$cmd64" | base64 -d)
cd "$(printf '%s' "$cwd64" | base64 -d)" 2>/dev/null || cd /
bash -c "$cmd" </dev/null >"$t/out" 2>"$t/err"
rc=$?
printf 'OUT '; base64 -w0 "$t/out"
printf '\nERR '; base64 -w0 "$t/err"
printf '\nRC %d\n' "$rc"
rm -rf "$t"
