// The signed-in user, in the same envelope as every other operation (the Flutter SDK's V2TimValueCallback<String>).
import { ok } from '../resolvers/result';
import { builder } from './builder';
import { StringValueCallback } from './callback';
import { signedIn } from './context';

builder.queryField('getLoginUser', (t) => t.field({
  type: StringValueCallback,
  description: 'data: the userID of the UserSig this request carries.',
  resolve: (_, __, ctx) => ok(signedIn(ctx).viewer),
}));
