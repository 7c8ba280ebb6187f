// Timestamp: seconds since the Unix epoch as a JSON integer. GraphQL's Int is 32-bit and runs out in January 2038;
// JSON numbers hold integers exactly up to 2^53, which JavaScript, Swift, Kotlin and Dart clients all read as is.
import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder';

const check = (value: unknown): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new GraphQLError(`Timestamp must be an integer number of seconds, got ${JSON.stringify(value)}.`);
  }
  return value;
};

export const Timestamp = builder.scalarType('Timestamp', {
  description:
    "Seconds since the Unix epoch (UTC), as a JSON integer: 53 bits, so it lasts past 2038 (GraphQL's Int would not).",
  serialize: check,
  parseValue: check,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT) throw new GraphQLError('Timestamp must be an integer literal.');
    return check(Number(ast.value));
  },
});
