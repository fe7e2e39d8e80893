#!/bin/sh
# sysctl.sh: ocikit-test/sysctl's program, after LinuxKit's pkg/sysctl: applies every
# /etc/sysctl.d/*.conf of the image (bind more over it from the YAML), then prints a marker.
status=0
for file in /etc/sysctl.d/*.conf; do
  [ -f "$file" ] || continue
  sysctl -q -p "$file" || status=1
done
echo "ocikit-sysctl: applied /etc/sysctl.d (status $status)"
exit "$status"
