/**
 * The shape of a LinuxKit YAML file as zod schemas: the keys, their types and which are required.
 * It follows LinuxKit's embedded JSON Schema (linuxkit-reference.md §1.2–§1.8, draft-04 in
 * `moby/schema.go`), plus the 2017 `moby` keys `outputs:` and `trust:`. Rules that need more than a
 * type (octal modes, capability names, bind syntax, …) are in semantic-checks.ts; this file is also
 * the source of the JSON Schema we publish for editors (json-schema.ts).
 */
import { z } from "zod";

const strings = z.array(z.string());
const mapString = z.record(z.string(), z.string());
/** A uid/gid: a number, or the name of a container whose allocated id is used (§1.9). */
const idValue = z.union([z.string(), z.int()]).meta({
  description: 'A number, "root", or the name of a container whose allocated id (100, 101, …) is used',
});
const int = z.int();

const idMapping = z.strictObject({
  hostID: int.optional(),
  containerID: int.optional(),
  size: int.optional(),
});

/** An OCI mount; `type`, `source` and `destination` are inferred from each other where LinuxKit does. */
export const mountSchema = z.strictObject({
  destination: z.string().optional(),
  type: z.string().optional(),
  source: z.string().optional(),
  options: strings.optional(),
  uidmappings: z.array(idMapping).optional(),
  gidmappings: z.array(idMapping).optional(),
});

const deviceSchema = z.strictObject({
  path: z
    .string()
    .optional()
    .meta({ description: 'Device path, or "all" for a cgroup rule covering a whole type' }),
  type: z.string().optional().meta({ description: "c (char), b (block), u, p, or a" }),
  major: int.optional(),
  minor: int.optional(),
  mode: z.string().optional().meta({ description: 'Octal file mode as a quoted string, e.g. "0666"' }),
});

const deviceCgroup = z.strictObject({
  allow: z.boolean().optional(),
  type: z.string().optional(),
  major: int.optional(),
  minor: int.optional(),
  access: z.string().optional(),
});
const weightDevice = z.strictObject({
  major: int.optional(),
  minor: int.optional(),
  weight: int.optional(),
  leafWeight: int.optional(),
});
const throttleDevice = z.strictObject({ major: int.optional(), minor: int.optional(), rate: int.optional() });
const throttleDevices = z.array(throttleDevice).optional();

/** OCI `LinuxResources`, with the key spelling of LinuxKit's schema (`blockio`, not `blockIO`). */
export const resourcesSchema = z.strictObject({
  devices: z.array(deviceCgroup).optional(),
  memory: z
    .strictObject({
      limit: int.optional(),
      reservation: int.optional(),
      swap: int.optional(),
      kernel: int.optional(),
      kernelTCP: int.optional(),
      swappiness: int.optional(),
      disableOOMKiller: z.boolean().optional(),
    })
    .optional(),
  cpu: z
    .strictObject({
      shares: int.optional(),
      quota: int.optional(),
      period: int.optional(),
      realtimeRuntime: int.optional(),
      realtimePeriod: int.optional(),
      cpus: z.string().optional(),
      mems: z.string().optional(),
    })
    .optional(),
  pids: z.strictObject({ limit: int.optional() }).optional(),
  blockio: z
    .strictObject({
      weight: int.optional(),
      leafWeight: int.optional(),
      weightDevice: z.array(weightDevice).optional(),
      throttleReadBpsDevice: throttleDevices,
      throttleWriteBpsDevice: throttleDevices,
      throttleReadIOPSDevice: throttleDevices,
      throttleWriteIOPSDevice: throttleDevices,
    })
    .optional(),
  hugepageLimits: z.array(z.strictObject({ pageSize: int.optional(), limit: int.optional() })).optional(),
  network: z
    .strictObject({
      classID: int.optional(),
      priorities: z
        .array(z.strictObject({ name: z.string().optional(), priority: int.optional() }))
        .optional(),
    })
    .optional(),
});

const interfaceSchema = z.strictObject({
  name: z.string().optional(),
  add: z.string().optional(),
  peer: z.string().optional(),
  createInRoot: z.boolean().optional(),
});

const bindNsSchema = z.strictObject({
  cgroup: z.string().optional(),
  ipc: z.string().optional(),
  mnt: z.string().optional(),
  net: z.string().optional(),
  pid: z.string().optional(),
  user: z.string().optional(),
  uts: z.string().optional(),
});

/** Settings applied by LinuxKit's `service` tool at boot, written to `runtime.json` (§1.6). */
export const runtimeSchema = z.strictObject({
  cgroups: strings.optional().meta({ description: "cgroups to create before the container starts" }),
  mounts: z
    .array(mountSchema)
    .optional()
    .meta({ description: "mounts made in the root mount namespace first" }),
  mkdir: strings.optional().meta({ description: "directories to create in the root namespace" }),
  interfaces: z.array(interfaceSchema).optional(),
  bindNS: bindNsSchema
    .optional()
    .meta({ description: "bind-mount the container's namespaces to these paths" }),
  namespace: z.string().optional().meta({ description: "containerd namespace for a service" }),
});

/**
 * The fields of a container entry that an image's `org.mobyproject.config` label may also set (§2.1).
 * Keys follow LinuxKit's schema order, which is also the order `--dry-run` prints them in.
 */
export const imageConfigShape = {
  capabilities: strings.optional().meta({ description: 'Effective capabilities; ["all"] or ["none"] alone' }),
  "capabilities.add": strings.optional().meta({ description: "Appended to the image label's capabilities" }),
  ambient: strings.optional(),
  mounts: z.array(mountSchema).optional(),
  binds: strings
    .optional()
    .meta({ description: "src:dest[:opt,opt] bind mounts; a src without / is a volume" }),
  "binds.add": strings.optional().meta({ description: "Appended to the image label's binds" }),
  devices: z.array(deviceSchema).optional(),
  tmpfs: strings.optional().meta({ description: "dest[:opt,opt] tmpfs mounts" }),
  command: strings.optional(),
  env: strings.optional(),
  cwd: z.string().optional(),
  net: z
    .string()
    .optional()
    .meta({ description: "host (default), new, none, or a path to a network namespace" }),
  pid: z.string().optional().meta({ description: "new (default), host, or a path" }),
  ipc: z.string().optional().meta({ description: "host (default), new, or a path" }),
  uts: z.string().optional().meta({ description: "host (default), new, or a path" }),
  userns: z.string().optional().meta({ description: "host (default), new, or a path" }),
  readonly: z.boolean().optional(),
  maskedPaths: strings.optional(),
  readonlyPaths: strings.optional(),
  uid: idValue.optional(),
  gid: idValue.optional(),
  additionalGids: z.array(idValue).optional(),
  noNewPrivileges: z.boolean().optional(),
  hostname: z.string().optional(),
  oomScoreAdj: int.optional(),
  rootfsPropagation: z.string().optional(),
  cgroupsPath: z.string().optional(),
  resources: resourcesSchema.optional(),
  sysctl: mapString.optional(),
  rlimits: strings.optional().meta({ description: "name,soft,hard e.g. nofile,1024,unlimited" }),
  uidMappings: z.array(idMapping).optional(),
  gidMappings: z.array(idMapping).optional(),
  annotations: mapString.optional(),
  runtime: runtimeSchema.optional(),
};

/** An `org.mobyproject.config` label: every container field except `name` and `image`. */
export const imageLabelSchema = z.strictObject(imageConfigShape);

/** One `onboot`, `onshutdown` or `services` entry. */
export const imageEntrySchema = z.strictObject({
  name: z.string().meta({ description: "Container name: the bundle directory and the containerd id" }),
  image: z.string().meta({ description: "Image reference, e.g. linuxkit/getty:v1.0.0" }),
  ...imageConfigShape,
});

export const kernelSchema = z.strictObject({
  image: z.string().optional().meta({ description: "Kernel image reference" }),
  cmdline: z.string().optional().meta({ description: "Kernel command line" }),
  binary: z.string().optional().meta({ description: 'Kernel file in the image (default "kernel")' }),
  tar: z
    .string()
    .optional()
    .meta({ description: 'Modules tarball in the image (default "kernel.tar"; "none" disables)' }),
  ucode: z
    .string()
    .optional()
    .meta({ description: "CPU microcode cpio in the image, e.g. intel-ucode.cpio" }),
});

export const fileSchema = z.strictObject({
  path: z.string().optional().meta({ description: "Path in the image; a leading / is ignored" }),
  directory: z.boolean().optional(),
  symlink: z.string().optional().meta({ description: "Make a symlink to this target" }),
  contents: z.string().optional(),
  source: z
    .string()
    .optional()
    .meta({ description: "Host file read at build time; ~/ is the home directory" }),
  metadata: z.string().optional().meta({ description: "yaml or json: the merged configuration itself" }),
  optional: z.boolean().optional().meta({ description: "Skip the entry when source does not exist" }),
  mode: z.string().optional().meta({ description: 'Octal mode as a quoted string, e.g. "0644"' }),
  uid: idValue.optional(),
  gid: idValue.optional(),
});

export const volumeSchema = z.strictObject({
  name: z.string().meta({ description: "Volume name: [a-z0-9_-]*" }),
  image: z.string().optional().meta({ description: "Image whose contents fill the volume; none = blank" }),
  readonly: z.boolean().optional(),
  format: z.enum(["oci", "filesystem"]).optional(),
  platforms: strings
    .optional()
    .meta({ description: "For format oci: the platforms to keep, e.g. linux/amd64" }),
});

/** `outputs:` entries of the 2017 `moby` format. `format` is the only field ocikit uses. */
export const outputSchema = z.strictObject({
  format: z.string().meta({ description: "Output format, e.g. kernel+initrd or iso-bios" }),
  project: z.string().optional(),
  bucket: z.string().optional(),
  family: z.string().optional(),
  keys: z.string().optional(),
  public: z.boolean().optional(),
  replace: z.boolean().optional(),
});

export const trustSchema = z.strictObject({ image: strings.optional(), org: strings.optional() });

/** A whole YAML file. */
export const configFileSchema = z
  .strictObject({
    kernel: kernelSchema.optional(),
    init: strings.optional().meta({ description: "Images unpacked into / in order" }),
    onboot: z.array(imageEntrySchema).optional(),
    onshutdown: z.array(imageEntrySchema).optional(),
    services: z.array(imageEntrySchema).optional(),
    files: z.array(fileSchema).optional(),
    volumes: z.array(volumeSchema).optional(),
    trust: trustSchema.optional().meta({ description: "2017 moby format: accepted and ignored" }),
    outputs: z
      .array(outputSchema)
      .optional()
      .meta({ description: "2017 moby format: default output formats" }),
  })
  .meta({ title: "LinuxKit / ocikit image configuration" });

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ImageEntry = z.infer<typeof imageEntrySchema>;
export type ImageLabel = z.infer<typeof imageLabelSchema>;
export type KernelConfig = z.infer<typeof kernelSchema>;
export type FileEntry = z.infer<typeof fileSchema>;
export type VolumeEntry = z.infer<typeof volumeSchema>;
export type OutputEntry = z.infer<typeof outputSchema>;
export type MountEntry = z.infer<typeof mountSchema>;
export type DeviceEntry = z.infer<typeof deviceSchema>;
export type ResourcesEntry = z.infer<typeof resourcesSchema>;
export type RuntimeEntry = z.infer<typeof runtimeSchema>;
export type IdValue = z.infer<typeof idValue>;
