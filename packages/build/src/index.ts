/**
 * @ocikit/build: the pipeline. A validated configuration (@ocikit/spec) and its images (@ocikit/oci)
 * become LinuxKit's root filesystem — kernel, init images, volumes, container bundles with their
 * config.json/runtime.json, files, SBOM — and that becomes the outputs: kernel+initrd (with a section
 * cache, so an edit rebuilds only what it changes), tar, tar-kernel-initrd, docker.
 *
 * @example
 * ```ts
 * import { build } from "@ocikit/build";
 * const result = await build(loadConfig(sources), {
 *   formats: ["kernel+initrd"], name: "minimal", dir: ".", store, transport, platform: hostPlatform(),
 *   cwd: process.cwd(), homeDir: os.homedir(), onEvent: (e) => console.log(e),
 * });
 * ```
 */
export { removeUnfinishedFilesSync } from "./atomic-file.js";
export { type BuildOptions, type BuildResult, build, SUPPORTED_FORMATS } from "./build.js";
export { CREATED_MTIME } from "./constants.js";
export { BuildError, type BuildErrorCode } from "./errors.js";
export type { BuildEvent } from "./events.js";
export { LOCATION_RECORD, SOURCE_RECORD } from "./linuxkit-records.js";
export { type BuildPlan, type PlannedSection, planBuild, SECTION_FORMAT_VERSION } from "./plan.js";
export { clearSectionCache } from "./section-cache.js";
