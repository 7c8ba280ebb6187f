// openStore: the one place that picks the storage by DATABASE_URL. postgres:// (or postgresql://) → PostgreSQL for
// several gateway processes; anything else is a SQLite file path (or :memory:), the embedded default.
import type { GroupRules, Store } from './store';
import { openDatabase } from './open';
import { isPostgresUrl, openPostgres } from './pg/open';

export { isPostgresUrl };

/** `rules`: what each group type means to storage (app.ts passes src/resolvers/group-type.ts's). */
export function openStore(url: string, rules?: GroupRules): Store {
  return isPostgresUrl(url) ? openPostgres(url, { rules }) : openDatabase(url, rules);
}
