/**
 * The subset of the OCI runtime-spec `config.json` (runtime-spec v1.2.1, specs-go/config.go) that
 * LinuxKit generates, and LinuxKit's own `runtime.json`. Field order here is the Go structs' order,
 * which is the key order of the JSON we write.
 */
import type { OciIdMapping, OciMount } from "./mounts.js";
import type { Rlimit } from "./rlimits.js";

/** The runtime-spec version LinuxKit's HEAD vendors. */
export const OCI_VERSION = "1.2.1";

export interface OciCapabilities {
  readonly bounding?: readonly string[];
  readonly effective?: readonly string[];
  readonly inheritable?: readonly string[];
  readonly permitted?: readonly string[];
  readonly ambient?: readonly string[];
}

export interface OciProcess {
  readonly user: { readonly uid: number; readonly gid: number; readonly additionalGids?: readonly number[] };
  readonly args?: readonly string[];
  readonly env?: readonly string[];
  readonly cwd: string;
  readonly capabilities: OciCapabilities;
  readonly rlimits?: readonly Rlimit[];
  readonly noNewPrivileges?: boolean;
  readonly oomScoreAdj?: number;
}

export interface OciDeviceCgroup {
  readonly allow: boolean;
  readonly type?: string;
  readonly major?: number;
  readonly minor?: number;
  readonly access?: string;
}

export interface OciDevice {
  readonly path: string;
  readonly type: string;
  readonly major: number;
  readonly minor: number;
  readonly fileMode?: number;
}

export interface OciThrottleDevice {
  readonly major: number;
  readonly minor: number;
  readonly rate: number;
}

export interface OciResources {
  readonly devices?: readonly OciDeviceCgroup[];
  readonly memory?: Readonly<Record<string, number | boolean>>;
  readonly cpu?: Readonly<Record<string, number | string>>;
  readonly pids?: { readonly limit: number };
  readonly blockIO?: {
    readonly weight?: number;
    readonly leafWeight?: number;
    readonly weightDevice?: readonly { major: number; minor: number; weight?: number; leafWeight?: number }[];
    readonly throttleReadBpsDevice?: readonly OciThrottleDevice[];
    readonly throttleWriteBpsDevice?: readonly OciThrottleDevice[];
    readonly throttleReadIOPSDevice?: readonly OciThrottleDevice[];
    readonly throttleWriteIOPSDevice?: readonly OciThrottleDevice[];
  };
  readonly hugepageLimits?: readonly { readonly pageSize: string; readonly limit: number }[];
  readonly network?: {
    readonly classID?: number;
    readonly priorities?: readonly { name: string; priority: number }[];
  };
}

export interface OciNamespace {
  readonly type: "network" | "ipc" | "uts" | "pid" | "user" | "mount";
  readonly path?: string;
}

export interface OciLinux {
  readonly uidMappings?: readonly OciIdMapping[];
  readonly gidMappings?: readonly OciIdMapping[];
  readonly sysctl?: Readonly<Record<string, string>>;
  readonly resources: OciResources;
  readonly cgroupsPath?: string;
  readonly namespaces: readonly OciNamespace[];
  readonly devices?: readonly OciDevice[];
  readonly rootfsPropagation?: string;
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
}

/** An OCI runtime `config.json` as LinuxKit generates it. */
export interface OciSpec {
  readonly ociVersion: string;
  readonly process: OciProcess;
  readonly root: { readonly path: string; readonly readonly?: boolean };
  readonly hostname?: string;
  readonly mounts: readonly OciMount[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly linux: OciLinux;
}

/** A `runtime.interfaces` entry. */
export interface RuntimeInterface {
  readonly name?: string;
  readonly add?: string;
  readonly peer?: string;
  readonly createInRoot: boolean;
}

/** LinuxKit's `runtime.json`, which always lists every key (§3.7). */
export interface RuntimeConfig {
  readonly cgroups: readonly string[];
  readonly mounts: readonly OciMount[];
  readonly mkdir: readonly string[];
  readonly interfaces: readonly RuntimeInterface[];
  readonly bindNS: {
    readonly cgroup: string;
    readonly ipc: string;
    readonly mnt: string;
    readonly net: string;
    readonly pid: string;
    readonly user: string;
    readonly uts: string;
  };
  readonly namespace: string;
}
