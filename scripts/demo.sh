#!/usr/bin/env bash
# make demo: a master and three slaves on this machine (network namespaces),
# a few real busybox containers, then `corral hosts` and `corral scan`.
# The pool stays up; the last lines say how to use and stop it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CORRAL_BUILD=$(cd "${1:-$ROOT/build}" && pwd)
POOLSH=$ROOT/tests/pool/pool.sh
POOL=${CORRAL_POOL_DIR:-/run/corral-pool}

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, LXC)" >&2; exit 1; }
if [ -e "$POOL/hosts" ]; then
	echo "demo: a pool is already up; stopping it first"
	"$POOLSH" down
fi
echo "== starting a master and slaves h1, h2, h3"
"$POOLSH" up 3
echo "== creating containers"
for spec in h1:web h1:db h2:mail h3:dns; do
	h=${spec%%:*} c=${spec#*:}
	ip=$("$POOLSH" create "$h" "$c")
	echo "   $c on $h ($ip)"
done
"$POOLSH" create h2 archive --stopped >/dev/null
echo "   archive on h2 (stopped)"
set -a; . "$POOL/env"; set +a
echo
echo "== corral hosts"
corral hosts
echo
echo "== corral scan"
corral scan
cat <<EOM

The demo pool is up.  To use it:
    . $POOL/env; export CORRAL_CONF PATH
    corral scan --json; corral hosts; corral scan --name web
To stop it and remove everything:
    $POOLSH down
EOM
