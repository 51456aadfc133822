// Keeping the API key out of every output: errors, logs, JSON documents, request previews.
// Pure and dependency-free, so the HTTP core can use it without knowing about the CLI.

/** `sk-proj-abcdef...wxyz` -> `sk-...wxyz`: enough to tell keys apart, never enough to use one. */
export function redactKey(key: string | undefined): string {
  if (!key) return '(none)';
  const prefix = key.startsWith('sk-') ? 'sk-' : '';
  return key.length <= 8 ? `${prefix}...` : `${prefix}...${key.slice(-4)}`;
}

/**
 * Replaces every occurrence of a secret in text with its redacted form. A compatible server
 * may echo the key back in an error message; it must not reach the terminal from there.
 */
export function scrubSecret(text: string, secret: string | undefined): string {
  // Very short "keys" (a test's "x") would mangle ordinary words; they are not secrets worth hiding.
  if (!secret || secret.length < 8) return text;
  return text.split(secret).join(redactKey(secret));
}

/** Header names whose values are shown redacted: anything that reads like a credential. */
const SECRET_NAME = /auth|key|token|secret|passw|cookie|session|signature|credential/i;

export function looksSecret(headerName: string): boolean {
  return SECRET_NAME.test(headerName);
}

/** A header's value as it may be printed: redacted (`...wxyz`) when its name looks secret. */
export function shownHeaderValue(name: string, value: string): string {
  return looksSecret(name) ? redactKey(value) : value;
}

/** `http://user:pass@proxy:3128` -> `http://***@proxy:3128`, for logs. */
export function redactUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    return `${u.protocol}//***@${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
