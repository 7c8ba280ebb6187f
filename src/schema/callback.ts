// The SDK's result envelopes: V2TimCallback { code desc } and V2TimValueCallback<T> { code desc data }.
import type { Callback, ValueCallback } from '../resolvers/result';
import { builder } from './builder';

export const V2TimCallback = builder.objectRef<Callback>('V2TimCallback').implement({
  description: 'The result of an operation: code 0 is success; any other code is the SDK error code, described by desc.',
  fields: (t) => ({
    code: t.exposeInt('code'),
    desc: t.exposeString('desc'),
  }),
});

/** A V2TimValueCallback<T> type named `name` whose `data` is `type` (null on failure). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function valueCallback<T>(name: string, type: any) {
  return builder.objectRef<ValueCallback<T>>(name).implement({
    fields: (t) => ({
      code: t.exposeInt('code'),
      desc: t.exposeString('desc'),
      data: t.field({ type, nullable: true, resolve: (r) => r.data as never }),
    }),
  });
}
