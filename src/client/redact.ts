/**
 * Keeps credentials out of everything a person or a CI log may read: failure messages,
 * request logs and reports. Two layers: keys that always hold secrets, and the exact values
 * of secrets this process has handed out (tokens and passwords of provisioned users).
 */

const SECRET_KEY = /^(access_token|refresh_token|password|new_password|token|mac|registration_shared_secret|login_token|as_token|hs_token|client_secret)$/i;
const REDACTED = "<redacted>";

const knownSecrets = new Set<string>();

/** Remembers a secret value so that it is masked wherever it later appears in text. */
export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; the harness never hands out such secrets.
  if (value && value.length >= 8) knownSecrets.add(value);
}

/** A deep copy of a JSON value with secret-bearing keys masked. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined ? REDACTED : redactJson(inner);
    }
    return out;
  }
  return typeof value === "string" ? redactText(value) : value;
}

/** Masks known secret values, bearer tokens, `access_token=` query parameters and JSON secret fields in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out
    .replace(/(Bearer\s+)[^\s"',]+/gi, `$1${REDACTED}`)
    .replace(/([?&](?:access_token|token)=)[^&\s"']+/gi, `$1${REDACTED}`)
    .replace(/("(?:access_token|refresh_token|password|new_password|mac|registration_shared_secret|login_token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`);
}
