import { builder } from './builder';
import { signedIn } from './context';

builder.queryField('getLoginUser', (t) => t.string({
  nullable: true,
  description: 'The userID of the UserSig this request carries.',
  resolve: (_, __, ctx) => signedIn(ctx).viewer,
}));
