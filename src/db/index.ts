// openStore: the one place that picks the storage by DATABASE_URL. postgres:// (or postgresql://) → PostgreSQL for
// several gateway processes; anything else is a SQLite file path (or :memory:), the embedded default.
import type { Store } from './store';
import { openDatabase } from './open';
import { isPostgresUrl, openPostgres } from './pg/open';

export { isPostgresUrl };

export function openStore(url: string): Store {
  return isPostgresUrl(url) ? openPostgres(url) : openDatabase(url);
}
