// Abuse limits on the request itself (im-semantics §1: protocol problems are GraphQL errors or HTTP statuses, not
// envelopes). The numbers come from config.limits; SECURITY.md lists each limit and the test that proves it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { Config } from './config';

/** Depth, alias, token and directive limits (graphql-armor), plus production's hidden schema. */
export function limitPlugins(config: Config): Plugin[] {
  const { limits, production } = config;
  // Reported like any validation error rather than thrown, so graphql-ws answers the operation, not the socket.
  const report = {
    propagateOnRejection: false,
    onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
  };
  const armor = new EnvelopArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ...report },
    maxAliases: { n: limits.maxAliases, ...report },
    maxTokens: { n: limits.maxTokens }, // a parser limit: thrown, and answered as a syntax error
    maxDirectives: { n: 20, ...report },
    // Lists are paged to 100 and the schema has no recursion: depth and aliases already bound the cost.
    costLimit: { enabled: false },
    // "Did you mean …" would describe the schema that production hides.
    blockFieldSuggestion: { enabled: production },
  });
  const plugins = armor.protect().plugins as Plugin[];
  // Not @graphql-yoga/plugin-disable-introspection: it keys on the HTTP request, so graphql-ws operations (which
  // run through yoga.getEnveloped without one) would still be introspected. A validation rule covers both.
  if (production)
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  return plugins;
}

/**
 * Hands the request to `next` unless its body is over `maxBytes`, which answers 413. A declared Content-Length is
 * checked up front (Node never reads past it); a chunked body is read here, up to the limit, and passed on whole.
 */
export function limitBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, next: () => void): void {
  const tooLarge = () => {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(
      JSON.stringify({
        errors: [{ message: `The request body is over ${maxBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
      }),
    );
    req.resume(); // drain what is in flight so the 413 can be read; the socket closes after it
  };
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (Number(declared) > maxBytes) return tooLarge();
    return next();
  }
  if (req.headers['transfer-encoding'] === undefined) return next(); // no body (GET, HEAD)
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBytes) {
      refused = true;
      chunks.length = 0;
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    // whatwg-node reads a pre-read `body` instead of the (now consumed) request stream. A stream, not the Buffer
    // itself: it tests `Object.keys(body).length`, which would list every byte of a Buffer.
    if (size > 0) (req as IncomingMessage & { body?: Readable }).body = Readable.from([Buffer.concat(chunks, size)]);
    next();
  });
}
