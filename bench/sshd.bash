# Sourced by bench/transfer.sh and bench/move.sh: an OpenSSH server in h2's
# namespace for the rsync side, with a throwaway host key and client key
# under $W/ssh.  Needs W, PORT, H2IP, wait_until and die.  Sets sshd_pid,
# made_run_sshd (the caller's cleanup removes /run/sshd if set) and SSH
# (the ssh command line that reaches it).
bench_sshd_start() {
	mkdir -p "$W/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/id"
	cp "$W/ssh/id.pub" "$W/ssh/authorized_keys"
	cat >"$W/ssh/sshd_config" <<EOC
Port $PORT
ListenAddress $H2IP
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
EOC
	[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd; made_run_sshd=1; }
	ip netns exec corral-h2 /usr/sbin/sshd -D -f "$W/ssh/sshd_config" -E "$W/ssh/sshd.log" &
	sshd_pid=$!
	wait_until 100 sh -c "ip netns exec corral-h2 ss -ltn | grep -q ':$PORT '" ||
		die "sshd did not start: $(tail -n 3 "$W/ssh/sshd.log")"
	SSH="ssh -F /dev/null -p $PORT -i $W/ssh/id -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -o UserKnownHostsFile=$W/ssh/known_hosts -o StrictHostKeyChecking=no"
	ip netns exec corral-h1 $SSH "root@$H2IP" true || die "ssh from h1 to h2's sshd failed"
}
