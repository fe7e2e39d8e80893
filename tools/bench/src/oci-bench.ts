/**
 * Benchmarks of @ocikit/oci (issue 3), each against a baseline run in the same invocation:
 * - pulling a ~240 MB (unpacked), multi-layer image of Debian packages from Debian's docker-registry
 *   on 127.0.0.1 into an empty cache, vs `skopeo copy docker://… oci:…` of the same image;
 * - flattening it into an entry stream (every body read), vs `tar -xzf` of its layers, bottom-up,
 *   into a tmpfs directory.
 * Wall time (median of runs) and peak resident memory of the process doing the work.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildLargeImage, copyLayoutToRegistry, startRegistry } from "@ocikit/test-registry";
import { ms } from "./measure.js";
import { medianSample, mib, nodeWorker, type Sample, sampleProcess } from "./process-sample.js";

export async function runOciBench(runs = 3): Promise<string> {
  const large = await buildLargeImage();
  const registry = await startRegistry();
  const scratch = await mkdtemp(join(tmpdir(), "ocikit-bench-oci-"));
  const shm = await mkdtemp(join("/dev/shm", "ocikit-bench-"));
  try {
    const { reference } = await copyLayoutToRegistry(large.layoutDir, large.name, registry);
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const a = join(scratch, `ocikit-${i}`);
      const b = join(scratch, `skopeo-${i}`);
      ours.push(await sampleProcess(nodeWorker("oci-pull-worker.mjs", a, reference)));
      theirs.push(
        await sampleProcess([
          "skopeo",
          "copy",
          "--quiet",
          "--src-tls-verify=false",
          `docker://${reference}`,
          `oci:${b}:x`,
        ]),
      );
      if (i < runs - 1) await rm(a, { recursive: true, force: true });
      await rm(b, { recursive: true, force: true });
    }
    const cache = join(scratch, `ocikit-${runs - 1}`);
    const flat: Sample[] = [];
    const untar: Sample[] = [];
    const layers = (large.image.manifests[0]?.layers ?? []).map((l) =>
      join(large.layoutDir, "blobs", "sha256", l.digest.slice(7)),
    );
    for (let i = 0; i < runs; i++) {
      flat.push(await sampleProcess(nodeWorker("oci-flatten-worker.mjs", cache, reference)));
      const dir = join(shm, `x-${i}`);
      untar.push(
        await sampleProcess([
          "sh",
          "-c",
          `mkdir -p ${dir} && for l in ${layers.join(" ")}; do tar -xzf "$l" -C ${dir} || exit 1; done`,
        ]),
      );
      await rm(dir, { recursive: true, force: true });
    }
    const p = medianSample(ours);
    const s = medianSample(theirs);
    const f = medianSample(flat);
    const t = medianSample(untar);
    return [
      `oci: pull ${(large.sizeBytes / 1e6).toFixed(0)} MB of layers (${(large.image.manifests[0]?.layers ?? []).length} layers, ${(large.uncompressedBytes / 1e6).toFixed(0)} MB unpacked) from a local registry into an empty cache`,
      `  ocikit                   median ${ms(p.ms)}  peak RSS ${mib(p.maxRssKiB)}`,
      `  baseline: skopeo copy    median ${ms(s.ms)}  peak RSS ${mib(s.maxRssKiB)}`,
      `  ratio ocikit / skopeo    ${(p.ms / s.ms).toFixed(2)}x   goal ≤ 1.00x → ${p.ms <= s.ms ? "met" : "NOT met"}`,
      "oci: flatten the same image into an entry stream, reading every file",
      `  ocikit                   median ${ms(f.ms)}  peak RSS ${mib(f.maxRssKiB)}`,
      `  baseline: tar -xzf → tmpfs median ${ms(t.ms)}  peak RSS ${mib(t.maxRssKiB)}`,
      `  ratio ocikit / tar       ${(f.ms / t.ms).toFixed(2)}x`,
    ].join("\n");
  } finally {
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
  }
}
