import * as session from '../resolvers/session';
import { builder } from './builder';
import { V2TimCallback } from './callback';
import { signedIn } from './context';

builder.mutationField('login', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      "Renews the login with a fresh UserSig for the same user (Tencent's answer to onUserSigExpired). On a graphql-ws connection it moves the connection's expiry and keeps its subscriptions; over HTTP it only checks the UserSig. 70001 expired, 6014 invalid, 6017 another user.",
    args: { userID: t.arg.string({ required: true }), userSig: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => session.login({ ...signedIn(ctx), session: ctx.session }, args),
  }),
);
