// Decoding of the messages a homeserver mails out (RFC 5322 headers, RFC 2045-2047 MIME), enough
// to read a validation email and follow its links. Structure is parsed on a "binary string" (one
// char per byte, latin1) so 8-bit bodies keep their bytes until their own charset is applied.

export interface ParsedMail {
  /** Top-level headers: lower-cased names, unfolded, not RFC 2047-decoded; the last of a repeated name wins. */
  headers: Record<string, string>;
  /** The Subject, RFC 2047-decoded. */
  subject: string;
  /** The first text/plain part that is not an attachment, decoded; line ends are "\n". "" if none. */
  text: string;
  /** The first text/html part that is not an attachment, decoded; line ends are "\n". "" if none. */
  html: string;
  /** Every http(s) URL in text then html, HTML entities decoded, deduplicated, first-seen order. */
  links: string[];
}

// Nesting deeper than this is not mail a homeserver sends; stop rather than recurse without bound.
const MAX_DEPTH = 20;

/** Decodes one message (the DATA section). Never throws: malformed input yields empty fields. */
export function parseMail(message: Buffer | string): ParsedMail {
  const binary = (typeof message === "string" ? Buffer.from(message, "utf8") : message).toString("latin1");
  const { headers, body } = splitEntity(binary);
  const found: { text?: string; html?: string } = {};
  collectText(headers, body, 0, found);
  const text = found.text ?? "";
  const html = found.html ?? "";
  return { headers, subject: decodeEncodedWords(headers.subject ?? ""), text, html, links: extractLinks(text, html) };
}

/** Splits an entity at its first empty line and parses the header block above it. */
function splitEntity(binary: string): { headers: Record<string, string>; body: string } {
  const leadingBlank = /^\r?\n/.exec(binary);
  if (leadingBlank) return { headers: {}, body: binary.slice(leadingBlank[0].length) };
  const separator = /\r?\n\r?\n/.exec(binary);
  const block = separator ? binary.slice(0, separator.index) : binary;
  const body = separator ? binary.slice(separator.index + separator[0].length) : "";
  return { headers: parseHeaderBlock(block), body };
}

/** Unfolds and parses a header block (binary string); values are read as UTF-8 (RFC 6532). */
function parseHeaderBlock(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const fields: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  for (const field of fields) {
    const match = /^([!-9;-~]+)[ \t]*:(.*)$/s.exec(field);
    if (!match?.[1]) continue; // not a header field (e.g. an mbox "From " line); skip it
    headers[match[1].toLowerCase()] = Buffer.from(match[2]!.trim(), "latin1").toString("utf8");
  }
  return headers;
}

/** A structured header value such as Content-Type: its lower-cased token and its parameters (RFC 2045, RFC 2231). */
export function parseHeaderParameters(value: string): { value: string; params: Record<string, string> } {
  const pieces = splitOutsideQuotes(value, ";");
  const params: Record<string, string> = {};
  const continued = new Map<string, { index: number; text: string; extended: boolean }[]>();
  for (const piece of pieces.slice(1)) {
    const equals = piece.indexOf("=");
    if (equals === -1) continue;
    const name = piece.slice(0, equals).trim().toLowerCase();
    let text = piece.slice(equals + 1).trim();
    if (text.startsWith('"')) text = text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined).replace(/\\(.)/g, "$1");
    const rfc2231 = /^([^*]+)\*(?:(\d+)\*?)?$/.exec(name);
    if (!rfc2231?.[1]) {
      params[name] = text;
      continue;
    }
    const sections = continued.get(rfc2231[1]) ?? [];
    sections.push({ index: Number(rfc2231[2] ?? 0), text, extended: name.endsWith("*") });
    continued.set(rfc2231[1], sections);
  }
  for (const [name, sections] of continued) params[name] = joinRfc2231(sections.sort((a, b) => a.index - b.index));
  return { value: (pieces[0] ?? "").trim().toLowerCase(), params };
}

/** Joins RFC 2231 parameter sections; the first extended one carries charset'language'. */
function joinRfc2231(sections: { index: number; text: string; extended: boolean }[]): string {
  let charset = "utf-8";
  const bytes: Buffer[] = [];
  for (const [position, section] of sections.entries()) {
    let text = section.text;
    if (!section.extended) {
      bytes.push(Buffer.from(text, "utf8"));
      continue;
    }
    if (position === 0) {
      const prefix = /^([^']*)'[^']*'/.exec(text);
      if (prefix) {
        charset = prefix[1] || charset;
        text = text.slice(prefix[0].length);
      }
    }
    bytes.push(Buffer.from(percentDecode(text), "latin1"));
  }
  return decodeCharset(Buffer.concat(bytes), charset);
}

function percentDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const pieces: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (quoted && char === "\\" && i + 1 < value.length) {
      current += char + value[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      pieces.push(current);
      current = "";
    } else current += char;
  }
  pieces.push(current);
  return pieces;
}

/** Walks the MIME tree in document order and keeps the first usable text/plain and text/html leaves. */
function collectText(headers: Record<string, string>, body: string, depth: number, found: { text?: string; html?: string }): void {
  // RFC 2045 5.2: no Content-Type means text/plain; charset=us-ascii.
  const contentType = parseHeaderParameters(headers["content-type"] ?? "text/plain");
  const boundary = contentType.params.boundary;
  if (contentType.value.startsWith("multipart/")) {
    if (!boundary || depth >= MAX_DEPTH) return;
    for (const part of splitMultipart(body, boundary)) {
      const entity = splitEntity(part);
      collectText(entity.headers, entity.body, depth + 1, found);
      if (found.text !== undefined && found.html !== undefined) return;
    }
    return;
  }
  const slot = contentType.value === "text/plain" ? "text" : contentType.value === "text/html" ? "html" : undefined;
  if (!slot || found[slot] !== undefined) return;
  if (parseHeaderParameters(headers["content-disposition"] ?? "").value === "attachment") return;
  const bytes = decodeTransferEncoding(body, headers["content-transfer-encoding"] ?? "7bit");
  found[slot] = decodeCharset(bytes, contentType.params.charset).replace(/\r\n?/g, "\n");
}

/** The body parts between `--boundary` delimiter lines (RFC 2046 5.1.1); preamble and epilogue dropped. */
export function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/(?<=\n)/)) {
    if (line.startsWith(delimiter)) {
      const rest = line.slice(delimiter.length);
      const closing = /^--[ \t]*\r?\n?$/.test(rest);
      if (closing || /^[ \t]*\r?\n?$/.test(rest)) {
        if (current) parts.push(withoutFinalLineEnd(current.join("")));
        current = closing ? undefined : [];
        if (closing) return parts;
        continue;
      }
    }
    current?.push(line);
  }
  if (current) parts.push(withoutFinalLineEnd(current.join(""))); // no closing delimiter: keep what arrived
  return parts;
}

// The line end before a delimiter belongs to the delimiter, not to the part (RFC 2046 5.1.1).
function withoutFinalLineEnd(text: string): string {
  return text.replace(/\r?\n$/, "");
}

/** Content-Transfer-Encoding (RFC 2045 6): base64 and quoted-printable are decoded; 7bit, 8bit, binary and unknown pass through. */
export function decodeTransferEncoding(binary: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case "base64":
      return Buffer.from(binary.replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
    case "quoted-printable":
      return decodeQuotedPrintable(binary);
    default:
      return Buffer.from(binary, "latin1");
  }
}

/** Quoted-printable (RFC 2045 6.7): `=XX` bytes, `=` soft line breaks, transport whitespace at line ends dropped. */
export function decodeQuotedPrintable(binary: string): Buffer {
  const bytes = Buffer.alloc(binary.length);
  let length = 0;
  const lines = binary.split("\n");
  for (const [index, whole] of lines.entries()) {
    const lineEnd = index === lines.length - 1 ? "" : whole.endsWith("\r") ? "\r\n" : "\n";
    let end = whole.length - (whole.endsWith("\r") ? 1 : 0);
    while (end > 0 && (whole[end - 1] === " " || whole[end - 1] === "\t")) end--;
    const soft = end > 0 && whole[end - 1] === "=";
    if (soft) end--;
    for (let i = 0; i < end; i++) {
      const code = whole.charCodeAt(i);
      if (code === 0x3d && i + 2 < end) {
        const high = hexValue(whole.charCodeAt(i + 1));
        const low = hexValue(whole.charCodeAt(i + 2));
        if (high >= 0 && low >= 0) {
          bytes[length++] = high * 16 + low;
          i += 2;
          continue;
        }
      }
      bytes[length++] = code & 0xff; // a stray "=" is kept as itself
    }
    if (!soft) length += bytes.write(lineEnd, length, "latin1");
  }
  return bytes.subarray(0, length);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Text in a declared charset; UTF-8 when none or ASCII, latin1 when the charset is unknown. */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? "").trim().toLowerCase();
  // ASCII is a subset of UTF-8, and 8-bit bytes mislabelled as ASCII are most often UTF-8.
  if (label === "" || label === "utf-8" || label === "utf8" || label === "us-ascii" || label === "ascii") return bytes.toString("utf8");
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * RFC 2047 encoded-words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`) in a header value. Whitespace between
 * adjacent encoded-words is dropped, and adjacent words in one charset are joined as bytes first, so
 * a character split across two words still decodes.
 */
export function decodeEncodedWords(value: string): string {
  let result = "";
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  let last = 0;
  const flush = () => {
    if (pending) result += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, match.index);
    if (!(pending && /^[ \t\r\n]*$/.test(between))) {
      flush();
      result += between;
    }
    const charset = match[1]!.replace(/\*.*$/, "").toLowerCase(); // RFC 2231 adds *language
    const text = match[3]!;
    const bytes = match[2]!.toLowerCase() === "b" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text.replace(/_/g, " "));
    if (pending && pending.charset !== charset) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = match.index + match[0].length;
  }
  flush();
  return result + value.slice(last);
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** The HTML character references a mailer puts in attribute values and text: named basics and numeric ones. */
export function decodeHtmlEntities(html: string): string {
  return html.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]+);/g, (reference, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : reference;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? reference;
  });
}

const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/gi;

/** http(s) URLs in the text part, then in the HTML part (entities decoded), deduplicated in first-seen order. */
export function extractLinks(text: string, html: string): string[] {
  const links = new Set<string>();
  for (const source of [text, decodeHtmlEntities(html)]) {
    for (const match of source.matchAll(URL_PATTERN)) links.add(trimTrailingPunctuation(match[0]));
  }
  return [...links];
}

const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

// Sentence punctuation after a URL, or a closing bracket the URL did not open, is not part of it.
function trimTrailingPunctuation(url: string): string {
  const tally = new Map<string, number>();
  for (const char of url) if ("()[]{}".includes(char)) tally.set(char, (tally.get(char) ?? 0) + 1);
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1]!;
    const opener = CLOSERS[last];
    if (opener !== undefined) {
      const closers = tally.get(last) ?? 0;
      if (closers <= (tally.get(opener) ?? 0)) break;
      tally.set(last, closers - 1);
    } else if (!".,;:!?".includes(last)) break;
    end--;
  }
  return url.slice(0, end);
}
