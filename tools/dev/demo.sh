#!/bin/sh
# The demo: build the workspace, then run ocikit on the bundled example. For now that is a dry run
# (validate and print the merged configuration); later issues make it build the image and boot it.
# Run it through `npm run demo`, which runs setup.sh first.
set -eu
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1

echo "demo: pnpm build"
pnpm build
echo "demo: ocikit build --dry-run examples/docker-sshd.yml"
pnpm exec ocikit build --dry-run examples/docker-sshd.yml
echo "demo: ok, examples/docker-sshd.yml is valid (building and booting images arrive with later issues)"
