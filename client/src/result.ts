// The SDK's envelope and its narrowing: on code 0 the gateway always sets data (schema.graphql says so).

export interface V2TimCallback {
  code: number;
  desc: string;
}
export interface V2TimValueCallback<T> extends V2TimCallback {
  data: T | null;
}

/** A success: code 0 and data present. */
export type Succeeded<R extends V2TimCallback> = R & {
  code: 0;
  data: R extends V2TimValueCallback<infer T> ? NonNullable<T> : never;
};

/** Narrows an answer to a success, so that `data` is non-null: `if (isOk(r)) use(r.data)`. */
export function isOk<R extends V2TimCallback>(result: R): result is Succeeded<R> {
  return result.code === 0;
}

/** A failure as an Error, keeping the SDK's code and desc (for apps that prefer throwing). */
export class IMError extends Error {
  constructor(
    readonly code: number,
    readonly desc: string,
  ) {
    super(`${code}: ${desc}`);
  }
}

/** The data of a success, or throws IMError with the code and desc. */
export function unwrap<T>(result: V2TimValueCallback<T>): NonNullable<T> {
  if (result.code !== 0 || result.data === null) throw new IMError(result.code, result.desc);
  return result.data as NonNullable<T>;
}
