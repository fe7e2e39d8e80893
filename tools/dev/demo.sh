#!/bin/sh
# The demo: build the workspace and ocikit's test images (from Debian packages, cached after the
# first run), import them into ocikit's image cache, build examples/minimal.yml into out/ with
# `ocikit build`, and boot it under qemu until the init's banner, the onboot container's output,
# the service and a clean poweroff appear on the console. Offline after the first run.
# Run it through `npm run demo`, which runs setup.sh first.
set -eu
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1

echo "demo: pnpm build"
pnpm build
echo "demo: building the test images from Debian packages (cached after the first run)"
layout=$(pnpm --silent --filter @ocikit/test-images build-images | sed -n 's/^layout: \(.*\) (kernel.*/\1/p')
[ -n "$layout" ] || { echo "demo: the test images were not built" >&2; exit 1; }
echo "demo: importing them into the image cache"
tar -C "$layout" -cf - oci-layout index.json blobs | pnpm --silent exec ocikit cache import - >/dev/null
echo "demo: ocikit build --dir out examples/minimal.yml"
pnpm --silent exec ocikit build --dir out examples/minimal.yml
echo "demo: booting out/minimal-kernel + out/minimal-initrd.img under qemu"
pnpm --silent --filter @ocikit/test-images boot \
  --kernel "$PWD/out/minimal-kernel" --initrd "$PWD/out/minimal-initrd.img" --cmdline "$(cat out/minimal-cmdline)" \
  --timeout 180 \
  --marker '^ocikit-init: welcome' \
  --marker '^hello from onboot$' \
  --marker '^ocikit-poweroff: powering off now' \
  --marker '^goodbye from onshutdown$' \
  --marker 'reboot: Power down'
echo "demo: ok — examples/minimal.yml was built by ocikit and booted: banner, onboot, service, onshutdown, poweroff"
