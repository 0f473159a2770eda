# Sourced by bench/transfer.sh, bench/move.sh and bench/backup.sh: an
# OpenSSH server for the peer tools' side, with a throwaway host key and
# client key under $W/ssh: `bench_sshd_start [NETNS ADDRESS CLIENT_NETNS]`,
# by default in h2's namespace on H2IP, checked from h1's (NETNS "-": the
# root namespace, the master's).  Needs W, PORT, wait_until and die (and
# H2IP for the default).  Sets sshd_pid, made_run_sshd (the caller's
# cleanup removes /run/sshd if set) and SSH (the ssh command line that
# reaches it).
bench_sshd_start() {
	local ns=${1:-corral-h2} ip=${2:-${H2IP:-}} client=${3:-corral-h1}
	local run=(ip netns exec "$ns")
	[ "$ns" != - ] || run=()
	mkdir -p "$W/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/id"
	cp "$W/ssh/id.pub" "$W/ssh/authorized_keys"
	cat >"$W/ssh/sshd_config" <<EOC
Port $PORT
ListenAddress $ip
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
Subsystem sftp internal-sftp
EOC
	[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd; made_run_sshd=1; }
	"${run[@]}" /usr/sbin/sshd -D -f "$W/ssh/sshd_config" -E "$W/ssh/sshd.log" &
	sshd_pid=$!
	wait_until 100 sh -c "${run[*]} ss -ltn | grep -q '$ip:$PORT '" ||
		die "sshd did not start: $(tail -n 3 "$W/ssh/sshd.log")"
	SSH="ssh -F /dev/null -p $PORT -i $W/ssh/id -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -o UserKnownHostsFile=$W/ssh/known_hosts -o StrictHostKeyChecking=no"
	ip netns exec "$client" $SSH "root@$ip" true || die "ssh from $client to the sshd on $ip failed"
}
