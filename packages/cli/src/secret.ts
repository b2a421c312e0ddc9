const REDACTED = '[REDACTED]';
// The well-known symbol util.inspect looks for; importing node:util would cost start-up time.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A value that must never be printed: passwords, tokens, MFA codes.
 * String conversion, JSON and util.inspect all yield "[REDACTED]"; only
 * `reveal()` gives the value, at the point where it goes on the wire or to disk.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  get length(): number {
    return this.#value.length;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [INSPECT](): string {
    return REDACTED;
  }
}

/** Body keys whose values are secrets in any request or response we log. */
const SECRET_KEYS = /^(password|access_token|refresh_token|code|recovery_code|recovery_codes|secret|otpauth_uri|token|di_token|di_refresh_token|oauth_token|oauth_token_secret|mfa_token|device_code)$/i;

/** A deep copy of a JSON value with every secret-looking member replaced. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? REDACTED : redactJson(v);
    return out;
  }
  return value;
}
