#!/bin/sh
# The demo: build the workspace and ocikit's test images (from Debian packages, cached after the
# first run), import them into ocikit's image cache, build examples/minimal.yml into out/ with
# `ocikit build`, and boot it with `ocikit run` (qemu) until it powers itself off; then check that the
# init's banner, the onboot container's output, the service, the onshutdown container and a clean
# poweroff were on the console. Offline after the first run.
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
echo "demo: ocikit run out/minimal (qemu; the guest powers itself off after its service ran)"
# Standard input from /dev/null: nothing is typed; the console is shown and kept for the checks below.
pnpm --silent exec ocikit run out/minimal </dev/null | tee out/minimal-console.log
for marker in '^ocikit-init: welcome' '^hello from onboot' '^ocikit-poweroff: powering off now' \
  '^goodbye from onshutdown' 'reboot: Power down'; do
  tr -d '\r' <out/minimal-console.log | grep -q -- "$marker" ||
    { echo "demo: the console never showed \"$marker\" (out/minimal-console.log)" >&2; exit 1; }
done
echo "demo: ok — examples/minimal.yml was built by ocikit and booted by ocikit run: banner, onboot, service, onshutdown, poweroff"
