// Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s steps — what every
// authenticator app speaks), through the `otpauth` library.
import { Secret, TOTP } from 'otpauth';

const TOTP_PERIOD_S = 30;
const DIGITS = 6;

/** A fresh random secret (160 bits, as RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label = 'dfs', issuer = 'dfs'): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S });
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secret: string, user: string, issuer: string): string {
  return totp(secret, user, issuer).toString();
}

/** The code for `timestamp` (ms); for tests and scripts that hold the secret. */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return totp(secret).generate({ timestamp });
}

/**
 * The time step a code belongs to when it matches within ±`window` steps of `now`, else
 * null. The caller refuses a step at or below the last one used, so a code works once.
 */
export function totpStep(secret: string, code: string, now: number, window: number): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: now, window });
  return delta === null ? null : TOTP.counter({ period: TOTP_PERIOD_S, timestamp: now }) + delta;
}
