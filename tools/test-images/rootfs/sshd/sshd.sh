#!/bin/sh
# sshd.sh: ocikit-test/sshd's program. Makes an ed25519 host key when the image has none (in the
# container's writable /etc/ssh, so a new one each boot: nothing secret is baked into the image),
# the privilege separation directory, then runs sshd in the foreground, logging to stderr.
key=/etc/ssh/ssh_host_ed25519_key
[ -f "$key" ] || ssh-keygen -q -t ed25519 -N "" -C "ocikit-test-sshd" -f "$key" || exit 1
mkdir -p -m 0755 /run/sshd
echo "ocikit-sshd: host key $(ssh-keygen -l -f "$key.pub")"
exec /usr/sbin/sshd -D -e
