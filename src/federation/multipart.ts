/** One part of a multipart body: its headers (lower-case names) and its bytes. */
export interface BodyPart {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Splits a `multipart/*` body into its parts (RFC 2046 section 5.1), as federation media
 * downloads answer (server-server-api/#get_matrixfederationv1mediadownloadmediaid).
 * Throws when the content type names no boundary or the body has no closing delimiter.
 */
export function parseMultipart(contentType: string, body: Buffer): BodyPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Error(`multipart content type without a boundary: ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: BodyPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error(`the body has no delimiter --${boundary}`);
  for (let guard = 0; guard < 1000; guard += 1) {
    const afterDelimiter = at + delimiter.length;
    // A closing delimiter is followed by "--".
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") return parts;
    const headerStart = body.indexOf("\r\n", afterDelimiter) + 2;
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerStart);
    if (headerStart < 2 || next < 0) throw new Error(`part ${parts.length + 1} is not closed by --${boundary}`);
    const part = body.subarray(headerStart, next);
    // A part without header fields starts with its blank line (RFC 2046 section 5.1.1).
    const split = part.subarray(0, 2).toString() === "\r\n" ? -2 : part.indexOf("\r\n\r\n");
    const headerText = split < 0 ? (split === -2 ? "" : part.toString("latin1")) : part.subarray(0, split).toString("latin1");
    const headers: Record<string, string> = {};
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: split === -2 ? part.subarray(2) : split < 0 ? Buffer.alloc(0) : part.subarray(split + 4) });
    at = next + 2;
  }
  throw new Error("more than 1000 parts in a multipart body");
}
