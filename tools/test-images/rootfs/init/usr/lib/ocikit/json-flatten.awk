# json-flatten.awk: reads one JSON document (a bundle's runtime.json) and prints each scalar as a
# line "PATH<TAB>VALUE", in document order. PATH joins object keys and array indexes with dots
# ("mounts.0.options.1"); VALUE is a string without its quotes, or a number, true, false or null as
# written. Empty arrays and objects print nothing. Written for busybox awk, so that the init needs
# no JSON tool: a small recursive-descent parser over the whole text.
#
# Escapes: \" \\ \/ and \u00XX for printable ASCII (Go's json.MarshalIndent writes <, > and & as
# \u003c, \u003e, \u0026) are decoded; \n, \t and other escapes are kept as written, so that a value
# never spans two lines or holds a tab.
{ text = text $0 "\n" }

END {
  pos = 1
  n = length(text)
  skip_space()
  if (pos > n) fail("empty document")
  parse_value("")
  skip_space()
  if (pos <= n) fail("unexpected data after the document")
}

function fail(message) {
  printf "json-flatten: %s at byte %d\n", message, pos > "/dev/stderr"
  failed = 1
  exit 1
}

function skip_space(  c) {
  while (pos <= n) {
    c = substr(text, pos, 1)
    if (c != " " && c != "\t" && c != "\n" && c != "\r") return
    pos++
  }
}

function child(path, key) {
  return path == "" ? key : path "." key
}

function parse_value(path,   c, start) {
  if (failed) return
  c = substr(text, pos, 1)
  if (c == "{") parse_object(path)
  else if (c == "[") parse_array(path)
  else if (c == "\"") print path "\t" parse_string()
  else {
    start = pos
    while (pos <= n && substr(text, pos, 1) ~ /[-+.0-9a-zA-Z]/) pos++
    if (pos == start) fail("expected a value")
    print path "\t" substr(text, start, pos - start)
  }
}

function parse_object(path,   key) {
  pos++
  skip_space()
  if (substr(text, pos, 1) == "}") { pos++; return }
  while (!failed) {
    skip_space()
    if (substr(text, pos, 1) != "\"") fail("expected a key")
    key = parse_string()
    skip_space()
    if (substr(text, pos, 1) != ":") fail("expected ':'")
    pos++
    skip_space()
    parse_value(child(path, key))
    skip_space()
    if (substr(text, pos, 1) == ",") { pos++; continue }
    if (substr(text, pos, 1) == "}") { pos++; return }
    fail("expected ',' or '}'")
  }
}

function parse_array(path,   index_) {
  pos++
  skip_space()
  if (substr(text, pos, 1) == "]") { pos++; return }
  index_ = 0
  while (!failed) {
    skip_space()
    parse_value(child(path, index_))
    index_++
    skip_space()
    if (substr(text, pos, 1) == ",") { pos++; continue }
    if (substr(text, pos, 1) == "]") { pos++; return }
    fail("expected ',' or ']'")
  }
}

function parse_string(   out, c, e, code) {
  pos++
  out = ""
  while (pos <= n) {
    c = substr(text, pos, 1)
    if (c == "\"") { pos++; return out }
    if (c == "\\") {
      e = substr(text, pos + 1, 1)
      if (e == "\"" || e == "\\" || e == "/") { out = out e; pos += 2; continue }
      if (e == "u" && substr(text, pos + 2, 2) == "00") {
        code = hex_value(substr(text, pos + 4, 2))
        if (code >= 32 && code < 127) { out = out sprintf("%c", code); pos += 6; continue }
      }
      out = out c e
      pos += 2
      continue
    }
    out = out c
    pos++
  }
  fail("unterminated string")
}

function hex_value(digits,   i, value) {
  value = 0
  for (i = 1; i <= length(digits); i++)
    value = value * 16 + index("0123456789abcdef", tolower(substr(digits, i, 1))) - 1
  return value
}
