/**
 * Load a LinuxKit YAML file, print it normalised, and generate one container's config.json and
 * runtime.json as they would appear in its bundle. Run from the repository root with:
 *   node --conditions=source --import tsx packages/spec/examples/basic.ts
 */
import {
  allocateIds,
  bundleRuntime,
  formatGoJson,
  generateBundleConfigs,
  loadConfig,
  renderConfigYaml,
  SpecValidationError,
} from "@ocikit/spec";

const yaml = `
kernel:
  image: linuxkit/kernel:6.6.71
  cmdline: "console=ttyS0"
init:
  - linuxkit/init:v1.2.0
services:
  - name: getty
    image: linuxkit/getty:v1.0.0
    env: [INSECURE=true]
`;

/** Returns what the example prints, so a test can check it. */
export function runExample(): string {
  const { config, name } = loadConfig([{ path: "example.yml", text: yaml }]);
  const getty = config.services[0];
  if (!getty) throw new Error("no service");
  // In a real build the image config comes from the registry; here we give one by hand.
  const {
    config: ociConfig,
    runtime,
    effective,
  } = generateBundleConfigs(getty, {
    ids: allocateIds(config),
    imageConfig: {
      Cmd: ["/usr/bin/rungetty.sh"],
      Labels: { "org.mobyproject.config": '{"pid":"host","capabilities":["all"],"binds":["/dev:/dev"]}' },
    },
  });
  const bundle = bundleRuntime(runtime, {
    path: "containers/services/getty",
    readonly: effective.readonly ?? false,
  });
  let out = `# ${name}: normalised\n${renderConfigYaml(config)}`;
  out += `# containers/services/getty/config.json\n${formatGoJson(ociConfig)}\n`;
  out += `# containers/services/getty/runtime.json\n${formatGoJson(bundle)}\n`;
  try {
    loadConfig([{ path: "bad.yml", text: "servics: []\n" }]);
  } catch (error) {
    if (error instanceof SpecValidationError) out += `# an invalid file\n${error.message}\n`;
  }
  return out;
}

if (process.argv[1]?.endsWith("basic.ts")) process.stdout.write(runExample());
