#!/bin/sh
# dhcpcd.sh [-1] [INTERFACE]: ocikit-test/dhcpcd's program, standing in for LinuxKit's pkg/dhcpcd
# with busybox udhcpc. Configures INTERFACE (default eth0) by DHCP through
# /usr/share/udhcpc/default.script and keeps renewing the lease in the foreground; with -1 it exits
# once configured, or with status 1 when no lease came (LinuxKit's onboot use, `dhcpcd -1`).
once=""
if [ "$1" = "-1" ]; then
  once=1
  shift
fi
interface=${1:-eth0}
ip link set "$interface" up
if [ -n "$once" ]; then
  exec udhcpc -f -q -n -i "$interface" -t 10 -T 1 -s /usr/share/udhcpc/default.script
fi
exec udhcpc -f -i "$interface" -t 10 -T 1 -s /usr/share/udhcpc/default.script
