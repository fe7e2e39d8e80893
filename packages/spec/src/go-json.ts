/**
 * JSON text as Go's `json.MarshalIndent(v, "", "    ")` writes it, which is how LinuxKit writes
 * `config.json` and `runtime.json`: 4-space indentation, `<`, `>`, `&`, U+2028 and U+2029 escaped,
 * no trailing newline. Keys keep their insertion order (our objects are built in Go struct order);
 * bigints (uint64 rlimits) are written as exact integers.
 */

/** Serialises a plain JSON value (objects, arrays, strings, numbers, bigints, booleans, null). */
export function formatGoJson(value: unknown): string {
  return write(value, "");
}

function write(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as JSON`);
      return String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      const inner = `${indent}    `;
      if (Array.isArray(value)) {
        if (value.length === 0) return "[]";
        return `[\n${value.map((v) => inner + write(v, inner)).join(",\n")}\n${indent}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      if (entries.length === 0) return "{}";
      return `{\n${entries.map(([k, v]) => `${inner}${quote(k)}: ${write(v, inner)}`).join(",\n")}\n${indent}}`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b")
      out += "\\b"; // Go 1.22+ writes \b and \f, not \u0008 and \u000c
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || ch === "<" || ch === ">" || ch === "&" || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}
