/**
 * Prints a merged `Config` as YAML for `ocikit build --dry-run`: the sections in LinuxKit's
 * processing order (kernel, init, volumes, onboot, onshutdown, services, files), keys in schema
 * order, image references normalised, empty sections left out, and the 2017 `outputs:` list kept
 * so that the result is again a valid input that loads to the same `Config`.
 */
import { stringify } from "yaml";
import type { Config } from "./merge.js";

/** Renders a configuration as YAML text (ends with a newline). */
export function renderConfigYaml(config: Config): string {
  const doc: Record<string, unknown> = {};
  if (config.kernel !== undefined) doc.kernel = config.kernel;
  if (config.init.length > 0) doc.init = config.init;
  if (config.volumes.length > 0) doc.volumes = config.volumes;
  if (config.onboot.length > 0) doc.onboot = config.onboot;
  if (config.onshutdown.length > 0) doc.onshutdown = config.onshutdown;
  if (config.services.length > 0) doc.services = config.services;
  if (config.files.length > 0) doc.files = config.files;
  if (config.outputs.length > 0) doc.outputs = config.outputs.map((format) => ({ format }));
  if (Object.keys(doc).length === 0) return "{}\n";
  return stringify(doc, { indent: 2, lineWidth: 0, minContentWidth: 0 });
}
