#!/bin/bash
# The first process of a throw-away systemd box (see mod.rs): run by
# `unshare --cgroup --pid --fork --mount --uts --ipc --net`, so it is pid 1 of
# fresh namespaces. It builds a copy-on-write view of / (overlayfs whose upper
# layer is a tmpfs), so that nothing the booted systemd or its services write
# reaches the real filesystem, then boots systemd inside that view.
#
# SAFETY: systemd must never boot on the real root, not even in a private
# mount namespace: its boot runs `systemd-tmpfiles --remove` (which would
# empty the real /tmp) and starts the machine's services. So this script
# refuses to go on unless it is pid 1 of a new pid namespace AND the root it
# is about to chroot into is an overlay mount distinct from /.
set -euo pipefail
B=$1                   # a scratch dir for this box, empty
[ "$$" = 1 ] || { echo "sdbox: not pid 1 of a new pid namespace; refusing to boot" >&2; exit 1; }
mount --make-rprivate /
mount -t tmpfs -o mode=0755 sdbox "$B"
mkdir -p "$B/upper" "$B/work" "$B/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$B/root"
R=$B/root
[ "$(findmnt -n -o FSTYPE "$R")" = overlay ] || { echo "sdbox: no overlay root; refusing to boot" >&2; exit 1; }
[ "$(stat -c %d:%i "$R")" != "$(stat -c %d:%i /)" ] || { echo "sdbox: the overlay is the real root; refusing to boot" >&2; exit 1; }
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/sys/fs/cgroup"
mkdir -p "$R/sys/fs/cgroup/systemd" "$R/sys/fs/cgroup/unified"
mount -t cgroup -o none,name=systemd cgroup "$R/sys/fs/cgroup/systemd"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup/unified"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
# /tmp stays the overlay view: host files are readable, writes are thrown away.
mkdir -p "$R/run/systemd/system" "$R/run/lock"
# Keep the host files of /tmp visible: the boot's `systemd-tmpfiles --remove`
# would empty the overlay's view of /tmp (never the real one: see above).
ln -s /dev/null "$R/run/systemd/system/systemd-tmpfiles-setup.service"
# Boot into an empty target: only what the test starts runs.
printf '[Unit]\nDescription=devup test box\n' > "$R/run/systemd/system/sdbox.target"
ip link set lo up
export container=devup-sdbox
cd "$R"
exec chroot "$R" /lib/systemd/systemd --unit=sdbox.target
