#!/usr/bin/env node
// The `ocikit` executable. It always runs the CLI: behind pnpm's bin shims an "is this the main
// module" check fails. "#bin" (package.json "imports") is ../dist/bin.js, or ../src/bin.ts when Node
// runs with --conditions=source and a TypeScript loader (tests).
import "#bin";
