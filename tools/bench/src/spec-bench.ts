/**
 * Benchmark of @ocikit/spec (issue 2): parse + validate a generated YAML file with 1,000 services and
 * generate every service's config.json and runtime.json. The baseline, measured in the same run, is
 * the floor of the same work: parsing the YAML text with the `yaml` library alone.
 */
import { allocateIds, bundleRuntime, formatGoJson, generateBundleConfigs, loadConfig } from "@ocikit/spec";
import { parse } from "yaml";
import { type Measurement, measure, ms } from "./measure.js";

/** A LinuxKit-style config with `count` services using most container fields. */
export function generateConfig(count: number): string {
  const lines = [
    "kernel:",
    "  image: linuxkit/kernel:6.6.71",
    '  cmdline: "console=ttyS0"',
    "init:",
    "  - linuxkit/init:v1.2.0",
    "  - linuxkit/runc:v1.2.0",
    "onboot:",
    "  - name: sysctl",
    "    image: linuxkit/sysctl:v1.0.0",
    "services:",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - name: svc-${i}`,
      `    image: example/service-${i % 50}:1.${i}`,
      "    capabilities: [CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW]",
      "    binds:",
      "      - /var/run:/var/run",
      `      - /etc/svc-${i}:/etc/svc:ro`,
      "    tmpfs: [/tmp:size=10m]",
      "    mounts:",
      "      - type: cgroup",
      '        options: ["rw", "nosuid"]',
      '    rlimits: ["nofile,1024,65536"]',
      `    env: ["INDEX=${i}", "MODE=prod"]`,
      "    net: host",
      "    uid: sysctl",
      "    oomScoreAdj: -500",
      "    runtime:",
      `      mkdir: [/var/lib/svc-${i}]`,
    );
  }
  lines.push("files:", "  - path: etc/motd", '    contents: "hello"', '    mode: "0644"');
  return `${lines.join("\n")}\n`;
}

export interface SpecBenchResult {
  readonly services: number;
  readonly ocikit: Measurement;
  readonly baseline: Measurement;
  readonly bytes: number;
}

/** Parses, validates and generates every bundle config; returns the number of JSON bytes written. */
export function parseValidateGenerate(text: string): number {
  const { config } = loadConfig([{ path: "bench.yml", text }]);
  const ids = allocateIds(config);
  let bytes = 0;
  for (const service of config.services) {
    const {
      config: oci,
      runtime,
      effective,
    } = generateBundleConfigs(service, {
      ids,
      volumes: config.volumes,
      imageConfig: {
        Cmd: ["/bin/svc"],
        Env: ["PATH=/usr/bin:/bin"],
        Labels: { "org.mobyproject.config": '{"pid":"host"}' },
      },
    });
    bytes += formatGoJson(oci).length;
    bytes += formatGoJson(
      bundleRuntime(runtime, {
        path: `containers/services/${service.name}`,
        readonly: effective.readonly ?? false,
      }),
    ).length;
  }
  return bytes;
}

export async function runSpecBench(services = 1000): Promise<SpecBenchResult> {
  const text = generateConfig(services);
  const bytes = parseValidateGenerate(text);
  const ocikit = await measure(() => parseValidateGenerate(text));
  const baseline = await measure(() => parse(text));
  return { services, ocikit, baseline, bytes };
}

export function formatSpecBench(r: SpecBenchResult): string {
  return [
    `spec: parse + validate + generate config.json/runtime.json, ${r.services} services (${(r.bytes / 1e6).toFixed(1)} MB of JSON)`,
    `  ocikit                       median ${ms(r.ocikit.medianMs)}  (min ${ms(r.ocikit.minMs)}, ${r.ocikit.runs} runs)`,
    `  baseline: yaml.parse alone   median ${ms(r.baseline.medianMs)}`,
    `  ratio ocikit / baseline      ${(r.ocikit.medianMs / r.baseline.medianMs).toFixed(2)}x   goal: well under 1 s → ${r.ocikit.medianMs < 1000 ? "met" : "NOT met"}`,
  ].join("\n");
}
