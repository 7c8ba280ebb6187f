// Refuses operations without a valid UserSig before they run (HTTP 401, extensions.code UNAUTHENTICATED and the
// SDK's imCode). Introspection alone is allowed so that GraphiQL can show the docs before a UserSig is pasted.
// An SSE subscription ends at its UserSig's expiry with one last event carrying imCode 70001 (graphql-ws
// connections are closed by src/auth/session.ts instead, and can be renewed).
import { Kind, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Code } from '../codes';
import { unauthenticated, type GraphQLContext } from '../schema/context';

function isIntrospectionOnly(document: DocumentNode, operationName?: string | null): boolean {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

export function useAuth(): Plugin<GraphQLContext> {
  const refuse = (ctx: GraphQLContext) =>
    unauthenticated(
      ctx.authFailure ?? {
        imCode: Code.NOT_LOGGED_IN,
        message: 'Not logged in: send Authorization: Bearer <UserSig>.',
      },
    );
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as GraphQLContext;
      if (ctx.viewer === null && !isIntrospectionOnly(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [refuse(ctx)] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as GraphQLContext;
      if (ctx.viewer === null) return void setResultAndStopExecution({ errors: [refuse(ctx)] });
      const { expiresAt } = ctx;
      if (ctx.session !== null || expiresAt === null) return undefined;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) {
            const expired = {
              errors: [
                unauthenticated({
                  imCode: Code.USERSIG_EXPIRED,
                  message: 'UserSig has expired: subscribe again with a new one (afterCursor resumes).',
                  reason: 'invalid',
                }),
              ],
            };
            setResult(endAtExpiry(result, (expiresAt + 1) * 1000, expired));
          }
        },
      };
    },
  };
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1; // setTimeout's limit; UserSigs may live for months

/** `source`, until `deadlineMs`: then `last` once, and the source is ended. */
function endAtExpiry(
  source: AsyncIterableIterator<ExecutionResult>,
  deadlineMs: number,
  last: ExecutionResult,
): AsyncIterableIterator<ExecutionResult> {
  let timer: NodeJS.Timeout | undefined;
  let state: 'live' | 'expired' | 'done' = 'live';
  let fire!: () => void;
  const expiry = new Promise<'expired'>((resolve) => {
    fire = () => {
      state = 'expired';
      resolve('expired');
    };
  });
  const arm = () => {
    const left = deadlineMs - Date.now();
    if (left <= 0) return fire();
    timer = setTimeout(left > MAX_TIMEOUT_MS ? arm : fire, Math.min(left, MAX_TIMEOUT_MS));
  };
  arm();
  const finish = async () => {
    state = 'done';
    clearTimeout(timer);
    await source.return?.();
  };
  return {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      if (state === 'done') return { done: true, value: undefined };
      const r = state === 'expired' ? 'expired' : await Promise.race([source.next(), expiry]);
      if (r === 'expired') {
        // Not awaited: the source's pending next() is what its return() settles.
        finish().catch(() => {});
        return { done: false, value: last };
      }
      if (r.done) clearTimeout(timer);
      return r;
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
