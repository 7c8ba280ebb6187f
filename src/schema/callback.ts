// The SDK's result envelopes: V2TimCallback { code desc } and V2TimValueCallback<T> { code desc data }.
import type { Callback, ValueCallback } from '../resolvers/result';
import { builder } from './builder';

export const V2TimCallback = builder.objectRef<Callback>('V2TimCallback').implement({
  description:
    'The result of an operation: code 0 is success; any other code is the SDK error code, described by desc.',
  fields: (t) => ({
    code: t.exposeInt('code'),
    desc: t.exposeString('desc'),
  }),
});

/** A V2TimValueCallback<T> type named `name` whose `data` is `type`: always set when code is 0. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function valueCallback<T>(name: string, type: any) {
  return builder.objectRef<ValueCallback<T>>(name).implement({
    description:
      'code 0: success, and data is set (never null). Any other code: the SDK error code, described by desc; ' +
      'data is null (sendMessage: the message with status V2TIM_MSG_STATUS_SEND_FAIL).',
    fields: (t) => ({
      code: t.exposeInt('code'),
      desc: t.exposeString('desc'),
      data: t.field({ type, nullable: true, description: 'Set when code is 0.', resolve: (r) => r.data as never }),
    }),
  });
}

/** A groupID (createGroup) or userID (getLoginUser). */
export const StringValueCallback = valueCallback<string>('StringValueCallback', 'String');
