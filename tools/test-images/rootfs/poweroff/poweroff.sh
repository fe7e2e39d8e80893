#!/bin/sh
# poweroff.sh [SECONDS]: ocikit-test/poweroff's program, after LinuxKit's test/pkg/poweroff. Waits
# SECONDS (default 0), then asks init to power the VM off: busybox `poweroff` sends SIGUSR2 to PID 1,
# which is the VM's init because the image's label asks for the host's PID namespace; init runs the
# onshutdown containers and powers off. Should init not do so within 60 s, `poweroff -f` calls
# reboot(2) directly (CAP_SYS_BOOT, also from the label).
delay=${1:-0}
echo "ocikit-poweroff: powering off in ${delay}s"
sleep "$delay"
echo "ocikit-poweroff: powering off now"
poweroff
sleep 60
echo "ocikit-poweroff: init did not power off; forcing it"
poweroff -f
