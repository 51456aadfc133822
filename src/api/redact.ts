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

// Patterns for credentials whose value imgcli may not know: a token after Bearer/Basic, an
// api-key header or parameter, the userinfo of any URL (proxies included), an OpenAI-style key.
const SCHEME = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]{12,})/gi;
const KEY_FIELD =
  /\b((?:x-)?api[-_]?key|api[-_]?token|access[-_]?token|password|secret)(["']?\s*[:=]\s*["']?)([^\s"',;&]{4,})/gi;
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/gi;
const OPENAI_KEY = /\bsk-[A-Za-z0-9_-]{16,}/g;

/** redactKey(), except for a value already redacted (`sk-...abcd`, `...abcd`, `***`) or a shell variable (`$OPENAI_API_KEY`). */
const hide = (value: string) => (/^(?:sk-)?\.\.\.|^\*\*\*|^\$/.test(value) ? value : redactKey(value));

/**
 * The one redactor every line to stdout and stderr passes through (terminal/boundary.ts): the
 * secrets it was told about, and anything that looks like a credential. Idempotent: redacting
 * twice gives the same text.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** A value to hide wherever it appears (the API key, from any source). */
  add(secret: string | undefined): void {
    // Very short "keys" (a test's "x") would mangle ordinary words; they are not secrets worth hiding.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(redactKey(secret));
    return out
      .replace(SCHEME, (_m, scheme: string, gap: string, value: string) => `${scheme}${gap}${hide(value)}`)
      .replace(KEY_FIELD, (_m, name: string, sep: string, value: string) => `${name}${sep}${hide(value)}`)
      .replace(USERINFO, (_m, scheme: string) => `${scheme}***@`)
      .replace(OPENAI_KEY, (key) => redactKey(key));
  }
}
