// login(userID, userSig): Tencent's answer to onUserSigExpired is "make a new UserSig and log in again". Over
// graphql-ws that renews the open connection in place (its expiry moves, its subscriptions stay); over HTTP, where
// every request carries its own UserSig, it checks the new one. A connection keeps its user: another user's UserSig
// is refused (log in as someone else on a new connection).
import { Code } from '../codes';
import type { LoginSession } from '../auth/session';
import { authenticate } from '../auth/viewer';
import type { Viewer } from './context';
import { answer, done, Refusal, type Callback } from './result';
import { checkUserID } from './validate';

export const login = (
  ctx: Viewer & { session: LoginSession | null },
  args: { userID: string; userSig: string },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    checkUserID(args.userID, 'userID');
    const auth = authenticate(args.userSig, ctx.config);
    if (auth.viewer === null) {
      const code =
        auth.authFailure.imCode === Code.USERSIG_EXPIRED
          ? Code.USERSIG_EXPIRED
          : auth.authFailure.imCode === Code.INVALID_USER_ID
            ? Code.INVALID_USER_ID
            : Code.NOT_LOGGED_IN;
      throw new Refusal(code, `userSig: ${auth.authFailure.message}`);
    }
    if (auth.viewer !== args.userID)
      throw new Refusal(Code.INVALID_PARAMETERS, `userSig is not for userID "${args.userID}".`);
    if (auth.viewer !== ctx.viewer) {
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `userID "${args.userID}" is not the user of this connection ("${ctx.viewer}"); log in as another user on a new connection.`,
      );
    }
    ctx.session?.renew(auth.expiresAt);
    return done();
  });
