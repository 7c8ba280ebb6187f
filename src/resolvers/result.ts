// The SDK's callback envelope (im-semantics §1): V2TimCallback { code, desc } and V2TimValueCallback { code, desc, data }.
import { Code, defaultDesc, type CodeValue } from '../codes';

export interface Callback { code: number; desc: string }
export interface ValueCallback<T> extends Callback { data: T | null }

export const ok = <T>(data: T): ValueCallback<T> => ({ code: Code.OK, desc: 'ok', data });
export const done = (): Callback => ({ code: Code.OK, desc: 'ok' });

/** A domain failure: a code and a sentence naming the field; `data` may carry what the SDK returns on failure. */
export const fail = <T = never>(code: CodeValue, desc: string = defaultDesc[code], data: T | null = null): ValueCallback<T> =>
  ({ code, desc, data });

/** Thrown inside a resolver to answer with a failure envelope without threading it through every helper. */
export class Refusal extends Error {
  constructor(readonly code: CodeValue, readonly desc: string = defaultDesc[code]) { super(desc); }
}

/** Runs a resolver body, turning a Refusal into its envelope. */
export async function answer<R extends Callback>(body: () => Promise<R>): Promise<R | ValueCallback<never>> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Refusal) return fail(e.code, e.desc);
    throw e;
  }
}
