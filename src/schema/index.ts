// Imports every area of the schema and builds it.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder';
import './timestamp';
import './callback';
import './user';
import './session';
import './group';
import './group-application';
import './group-tips';
import './message';
import './reaction';
import './receipt';
import './media';
import './forward';
import './history';
import './conversation';
import './subscription';

export const schema = lexicographicSortSchema(builder.toSchema());
