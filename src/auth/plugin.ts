// Refuses operations without a valid UserSig before they run (HTTP 401, extensions.code UNAUTHENTICATED and the
// SDK's imCode). Introspection alone is allowed so that GraphiQL can show the docs before a UserSig is pasted.
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
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
    unauthenticated(ctx.authFailure ?? { imCode: Code.NOT_LOGGED_IN, message: 'Not logged in: send Authorization: Bearer <UserSig>.' });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as GraphQLContext;
      if (ctx.viewer === null && !isIntrospectionOnly(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [refuse(ctx)] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as GraphQLContext;
      if (ctx.viewer === null) setResultAndStopExecution({ errors: [refuse(ctx)] });
    },
  };
}
