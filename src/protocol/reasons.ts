// Reasons: a stable word that says more than the errno where the other end must branch on it
// (EACCES + totpRequired at login, EAGAIN + busy for a request that never ran). They travel
// on the wire beside the errno (DfsError.reason); the message is for people and is never parsed.
export const REASON = {
  /** EAGAIN for a request turned away before it ran (too many in flight): safe to send again. */
  busy: 'busy',
  /** EAGAIN for a login queued out (too many in progress): it never ran, safe to send again. */
  loginBusy: 'login-busy',
  /**
   * A block id the master no longer counts as allocated to the file: it expired, or the
   * master restarted (allocations live in its memory). The writer still has the bytes: it
   * uploads them again under fresh ids.
   */
  staleAllocation: 'stale-allocation',
  /**
   * EAGAIN for a commit that names, for a slot, a base block the file no longer holds there:
   * another client replaced or cut the block first. The writer rebuilds its block on what is
   * stored now, with only the bytes it wrote, and commits again (src/client/open-file.ts).
   */
  staleBase: 'stale-base',
  /** No storage node is up to take a block (none alive, or none yet re-registered after a master restart). */
  noNodes: 'no-nodes',
  /** ENOSYS for a method the server does not have: a client talking to the wrong kind of server. */
  unknownMethod: 'unknown-method',
  /** ENOTCONN because this side closed its client on purpose: nothing to wait or retry for. */
  closed: 'closed',
  /** EACCES at login: the password was right, and a second factor (TOTP code) is needed. */
  totpRequired: 'totp-required',
  /** EACCES at login: the TOTP code is wrong. */
  totpWrong: 'totp-wrong',
  /** EACCES at login: the TOTP code was already used (each code logs in once). */
  totpReused: 'totp-reused',
  /** EACCES at login: user or password wrong (which, is not said). */
  badPassword: 'bad-password',
  /** EACCES: the token is unknown, revoked or expired; log in again. */
  badSession: 'bad-session',
  /** EAGAIN at login: too many failures for this user or address lately. */
  lockedOut: 'locked-out',
  /** EACCES: a call by inode without the master's proof that this session reached the inode by path. */
  noOpenTicket: 'no-open-ticket',
  /** A TLS peer whose certificate the CA did not sign. */
  badCertificate: 'bad-certificate',
} as const;
