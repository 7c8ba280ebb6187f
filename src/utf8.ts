// Text arrives as UTF-8 and is stored as sent, or refused (SECURITY.md §4). A JSON body decoded the usual way turns
// invalid bytes into U+FFFD and the message would be altered silently, so the body's bytes are decoded here with a
// fatal decoder before anything parses them. (graphql-ws needs nothing: ws closes a text frame that is not UTF-8
// with 1007, and ws-transport.ts refuses binary frames.)
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Code } from './codes';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

const isJsonPost = (request: Request) => {
  const type = request.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase();
  return request.method === 'POST' && (type === 'application/json' || type === 'application/graphql+json');
};

const badRequest = (message: string, imCode?: number) =>
  new GraphQLError(message, {
    extensions: { code: 'BAD_REQUEST', ...(imCode ? { imCode } : {}), http: { status: 400 } },
  });

/** The JSON paths of strings holding U+FFFD in `value`: where the invalid bytes were (see invalidText). */
function replacedPaths(value: unknown, path: string, out: string[]): void {
  if (out.length >= 5) return;
  if (typeof value === 'string') {
    if (value.includes('\uFFFD')) out.push(path);
    return;
  }
  if (Array.isArray(value)) return value.forEach((v, i) => replacedPaths(v, `${path}[${i}]`, out));
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) replacedPaths(v, path ? `${path}.${k}` : k, out);
}

/**
 * Names the fields the invalid bytes are in: decoded leniently, they are the strings with U+FFFD. (A body that also
 * holds a genuine U+FFFD may name one field too many; the refusal itself is exact.)
 */
function invalidText(bytes: Uint8Array): GraphQLError {
  const paths: string[] = [];
  try {
    replacedPaths(JSON.parse(lenient.decode(bytes)), '', paths);
  } catch {
    /* not JSON either: no field to name */
  }
  const where = paths.length > 0 ? paths.join(', ') : 'The request body';
  return badRequest(
    `${where} ${paths.length > 1 ? 'are' : 'is'} not valid UTF-8; send text as UTF-8 (nothing was stored).`,
    Code.INVALID_PARAMETERS,
  );
}

/** Parses a JSON POST body from its bytes, refusing invalid UTF-8 (HTTP 400, imCode 6017, the field named). */
export function useUtf8Body(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (!isJsonPost(request)) return;
      setRequestParser(async (req) => {
        const bytes = new Uint8Array(await req.arrayBuffer());
        let text: string;
        try {
          text = strict.decode(bytes);
        } catch {
          throw invalidText(bytes);
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw badRequest('POST body sent invalid JSON.');
        }
        if (body === null || typeof body !== 'object')
          throw badRequest(`POST body is expected to be an object, got ${body === null ? 'null' : typeof body}.`);
        return body as never;
      });
    },
  };
}
