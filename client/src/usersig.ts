// Everything about UserSigs in one place: when the provider is asked, and which close codes mean "ask again".
// The gateway closes a socket whose UserSig it refuses with 4403 (missing, forged, another app's) and one whose
// UserSig expired, at connection_init or on the open socket, with 4001 (src/auth/session.ts). Both mean "ask the
// provider for a fresh UserSig and reconnect"; the cursor resume makes the reconnect lossless. (An app that wants
// to keep the socket open can run the `login` mutation over it before expiry instead.)

/** Why the provider is asked: the first connection, a reconnection, or a UserSig the gateway refused. */
export type UserSigReason = 'connect' | 'reconnect' | 'refused';

/** Returns a UserSig for the signed-in user; fetch a fresh one from your backend when `reason` is 'refused'. */
export type UserSigProvider = (reason: UserSigReason) => string | Promise<string>;

/** Close codes that mean the UserSig was refused: 4403 missing or bad, 4001 expired. */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4403, 4001]);

/** How many refusals in a row are retried with a fresh UserSig before giving up (a provider that keeps
 * returning a bad UserSig would otherwise reconnect forever). */
export const MAX_REFUSALS_IN_A_ROW = 3;

export function createUserSigPolicy(provider: UserSigProvider) {
  let connections = 0;
  let refusals = 0;
  let lastClose: number | null = null;
  return {
    /** graphql-ws connectionParams: called before every connection attempt. */
    async connectionParams() {
      const reason: UserSigReason =
        lastClose !== null && AUTH_CLOSE_CODES.has(lastClose)
          ? 'refused'
          : connections++ === 0
            ? 'connect'
            : 'reconnect';
      return { userSig: await provider(reason) };
    },
    /** Whether a close with `code` should be retried; false ends the client with that close as its error. */
    shouldRetryClose(code: number): boolean {
      lastClose = code;
      if (!AUTH_CLOSE_CODES.has(code)) return true;
      return ++refusals <= MAX_REFUSALS_IN_A_ROW;
    },
    connected() {
      refusals = 0;
      lastClose = null;
    },
  };
}
