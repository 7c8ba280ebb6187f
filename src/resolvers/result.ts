// The SDK's callback envelope (im-semantics §1): V2TimCallback { code, desc } and V2TimValueCallback { code, desc, data }.
import { Code, defaultDesc, type CodeValue } from '../codes';
import { StorageUnavailable } from '../db/store';

export interface Callback {
  code: number;
  desc: string;
}
export interface ValueCallback<T> extends Callback {
  data: T | null;
}

export const ok = <T>(data: T): ValueCallback<T> => ({ code: Code.OK, desc: 'ok', data });
export const done = (): Callback => ({ code: Code.OK, desc: 'ok' });

/** A domain failure: a code and a sentence naming the field; `data` may carry what the SDK returns on failure. */
export const fail = <T = never>(
  code: CodeValue,
  desc: string = defaultDesc[code],
  data: T | null = null,
): ValueCallback<T> => ({ code, desc, data });

/** Thrown inside a resolver to answer with a failure envelope without threading it through every helper. */
export class Refusal extends Error {
  constructor(
    readonly code: CodeValue,
    readonly desc: string = defaultDesc[code],
  ) {
    super(desc);
  }
}

/** The Refusal an error stands for: itself, or STORAGE_UNAVAILABLE for a database out of reach; else undefined. */
export function refusalOf(e: unknown): Refusal | undefined {
  if (e instanceof Refusal) return e;
  if (e instanceof StorageUnavailable) return new Refusal(Code.STORAGE_UNAVAILABLE);
  return undefined;
}

/** Runs a resolver body, turning a Refusal (or a storage outage) into its envelope. */
export async function answer<R extends Callback>(body: () => Promise<R>): Promise<R | ValueCallback<never>> {
  try {
    return await body();
  } catch (e) {
    const refusal = refusalOf(e);
    if (refusal) return fail(refusal.code, refusal.desc);
    throw e;
  }
}
