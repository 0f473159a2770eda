# Sourced by tests/vm/lvm.sh and bench/snapshot.sh: a corral-slave with
# storage = lvm:corral in the VM of tests/vm/vm.sh, joined to the master of
# a test pool.  Each function returns nonzero with the reason on stderr.
# Needs: VMSH (tests/vm/vm.sh), POOL, BUILD, G (the slave's directory in
# the guest), and wait_until from tests/integration/lib.bash.

# A volume group on the guest's disk, LXC defaults without lxcbr0, the
# slave's config and the master's key (the guest reads this machine's tree,
# as it is now, at /host).  Extra corral.conf lines come as arguments.
lvm_slave_setup() {
	local line
	"$VMSH" exec "modprobe dm-snapshot && pvcreate -q /dev/vda && vgcreate -q corral /dev/vda" >&2 ||
		{ echo "no volume group in the guest" >&2; return 1; }
	"$VMSH" exec "mkdir -p $G/lxc /etc/lxc && echo 'lxc.net.0.type = empty' >/etc/lxc/default.conf" ||
		{ echo "cannot write the guest's LXC defaults" >&2; return 1; }
	{
		printf '%s\n' "listen = 0.0.0.0" "port = 7022" \
			"host_key = $G/ssh_host_ed25519_key" \
			"authorized_keys = $G/authorized_keys" "lxcpath = $G/lxc" \
			"storage = lvm:corral" "mount_root = $G/mnt" "log_level = info"
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$POOL/vm-corral.conf"
	"$VMSH" exec "cp /host$POOL/master/id_ed25519.pub $G/authorized_keys && cp /host$POOL/vm-corral.conf $G/corral.conf" ||
		{ echo "cannot set up the guest slave" >&2; return 1; }
}

# Start (or restart) the guest slave; its pid in $G/slave.pid.
lvm_slave_start() {
	"$VMSH" exec "/host$BUILD/corral-slave -c $G/corral.conf -f >>$G/slave.log 2>&1 </dev/null & echo \$! >$G/slave.pid"
	wait_until 300 "$VMSH" exec "ss -ltn | grep -q ':7022 '" ||
		{ echo "the guest slave did not start" >&2; return 1; }
}

# Add it to the pool's slaves.conf as host "vm" on 127.0.0.1:PORT, reload
# the master, trust its key, wait until it is up.
lvm_slave_join() {
	local port=$1
	echo "vm:address=127.0.0.1,port=$port" >>"$POOL/master/slaves.conf"
	kill -HUP "$(cat "$POOL/master/master.pid")"
	local fp
	fp=$("$VMSH" exec "/host$BUILD/corral-slave -c $G/corral.conf --fingerprint") ||
		{ echo "cannot read the guest slave's fingerprint" >&2; return 1; }
	wait_until 100 "$BUILD/corral" host trust vm --fingerprint "$fp" ||
		{ echo "cannot trust the guest slave" >&2; return 1; }
	wait_until 300 sh -c "'$BUILD/corral' hosts --json | jq -e '.[] | select(.name == \"vm\" and .state == \"up\")'" ||
		{ echo "the guest slave is not up" >&2; return 1; }
}
