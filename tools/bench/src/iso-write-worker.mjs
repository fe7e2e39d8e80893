// Child process of the ISO benchmark: writes the ISO 9660 image (Rock Ridge and Joliet, planIso's
// defaults) of the root filesystem in the tar TAR to OUT with the built @ocikit/iso, as the
// packages README's example does. The tar is read twice as an entry stream (@ocikit/oci's readTar,
// 1 MiB reads as the layout store reads blobs): once for the headers planIso lays out, bodies
// skipped (read through: a stream cannot seek), then again for writeIso, which streams the image
// into writeFile. Prints the time of each step (performance.now(): ms since the process started)
// and the number of entries as JSON on stdout.
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { planIso, writeIso } from "@ocikit/iso";
import { readTar } from "@ocikit/oci";

const [tar = "", out = ""] = process.argv.slice(2);
const started = performance.now();
const entries = () => readTar(createReadStream(tar, { highWaterMark: 1 << 20 }), { source: tar });

const headers = [];
for await (const { body: _, ...header } of entries()) headers.push(header);
const headersRead = performance.now();
const layout = planIso(headers, {});
const planned = performance.now();
await writeFile(out, writeIso(layout, entries()));
const written = performance.now();

console.log(
  JSON.stringify({
    startupMs: started,
    headersMs: headersRead - started,
    planMs: planned - headersRead,
    writeMs: written - planned,
    entries: headers.length,
  }),
);
