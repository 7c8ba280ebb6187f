// The app credentials every server under test and every client of the bench share. UserSigs are issued with the
// gateway's own issuer (byte-compatible with tls-sig-api-v2), cached because a run signs thousands of users.
import { issueUserSig } from '../src/auth/usersig';

export const BENCH_SDKAPPID = 1400999999;
export const BENCH_KEY = 'bench-secret-key-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978';

const sigs = new Map<string, string>();

export function userSig(userID: string): string {
  let sig = sigs.get(userID);
  if (!sig) sigs.set(userID, (sig = issueUserSig(userID, BENCH_SDKAPPID, BENCH_KEY, 24 * 3600)));
  return sig;
}
