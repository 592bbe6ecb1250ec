#!/bin/sh
# Runs journal_stall_bench on a slow journal device: an ext4 file system (with its journal, as
# on a gate's SD card) on a loop device whose writes the v1 blkio cgroup throttles, so that
# every fdatasync takes 50-200 ms. Needs root, a free loop device and the v1 blkio
# controller; undoes everything it made. Prints; does not judge.
# Usage: slow_journal_device.sh JOURNAL_STALL_BENCH [cycles, 200] [writes per second, 8]
set -eu
bench=${1:?usage: slow_journal_device.sh path/to/journal_stall_bench [cycles] [writes/s]}
cycles=${2:-200}
iops=${3:-8}
cgroups=/sys/fs/cgroup/blkio
[ -w "$cgroups" ] || { echo "no writable v1 blkio cgroup at $cgroups" >&2; exit 2; }

work=$(mktemp -d /tmp/fabgate-slow-XXXXXX)
device=
group=
cleanup() {
    if mountpoint -q "$work/mnt" 2>/dev/null; then umount "$work/mnt"; fi
    if [ -n "$device" ]; then losetup -d "$device"; fi
    if [ -n "$group" ] && [ -d "$group" ]; then rmdir "$group"; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

truncate -s 256M "$work/disk.img"
device=$(losetup -f --show "$work/disk.img")
mkfs.ext4 -q -F "$device"
mkdir "$work/mnt"
mount "$device" "$work/mnt"
group=$cgroups/fabgate-slow-$$
mkdir "$group"
echo "$(cat "/sys/block/${device#/dev/}/dev") $iops" >"$group/blkio.throttle.write_iops_device"

echo "journal on $device (ext4), writes throttled to $iops per second"
# The benchmark alone joins the throttled group: its syncs are the ones that are slow.
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$group" \
    "$bench" "$cycles" "$work/mnt" latency
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$group" \
    "$bench" "$cycles" "$work/mnt"
