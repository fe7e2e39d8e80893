/**
 * @ocikit/spec: LinuxKit YAML configurations — parse (today's format and the 2017 `moby` format),
 * validate with `file:line:col` errors, merge several files, apply image-label defaults, and generate
 * the OCI `config.json` and LinuxKit `runtime.json` of each container bundle.
 *
 * @example
 * ```ts
 * import { loadConfig, renderConfigYaml } from "@ocikit/spec";
 * const { config } = loadConfig([{ path: "x.yml", text: "services:\n  - name: getty\n    image: linuxkit/getty:v1\n" }]);
 * console.log(renderConfigYaml(config));
 * ```
 */

export {
  type BundleConfigOptions,
  type BundleConfigs,
  type BundleLayout,
  bundleRuntime,
  generateBundleConfigs,
  type ImageConfigInfo,
} from "./bundle-config.js";
export { ALL_CAPABILITIES } from "./capabilities.js";
export {
  formatDiagnostic,
  formatPos,
  type SourcePos,
  type SpecDiagnostic,
  SpecError,
  type SpecErrorCode,
  SpecValidationError,
  type SpecWarning,
  type SpecWarningCode,
} from "./errors.js";
export { formatGoJson } from "./go-json.js";
export { allocateIds, FIRST_CONTAINER_ID, type IdMap, resolveId } from "./id-map.js";
export { applyImageLabel, IMAGE_CONFIG_LABEL, parseImageLabel } from "./image-label.js";
export {
  FILE_TRANSPORTS,
  type ImageRef,
  isFileTransportRef,
  normalizeImageRef,
  parseImageRef,
} from "./image-ref.js";
export { configJsonSchema } from "./json-schema.js";
export {
  type ConfigSource,
  defaultOutputName,
  type LoadedConfig,
  loadConfig,
  STDIN_NAME,
} from "./load-config.js";
export { type Config, SourceMap } from "./merge.js";
export type { OciIdMapping, OciMount } from "./mounts.js";
export type { OciSpec, RuntimeConfig } from "./oci-types.js";
export { isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from "./output-formats.js";
export { renderConfigYaml } from "./render-yaml.js";
export type { Rlimit } from "./rlimits.js";
export type {
  DeviceEntry,
  FileEntry,
  IdValue,
  ImageEntry,
  ImageLabel,
  KernelConfig,
  MountEntry,
  ResourcesEntry,
  RuntimeEntry,
  VolumeEntry,
} from "./schema.js";
