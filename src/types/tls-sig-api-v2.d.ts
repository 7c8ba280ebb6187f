// Tencent's package ships no types; this is the part the gateway uses.
declare module 'tls-sig-api-v2' {
  export class Api {
    constructor(sdkappid: number, key: string);
    genUserSig(userid: string, expire: number): string;
  }
  const _default: { Api: typeof Api };
  export default _default;
}
