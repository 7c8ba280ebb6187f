// Entry point: config, database (migrated), app, listen. SIGTERM/SIGINT drain and close.
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './log';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`configuration error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
const log = createLogger(config.logLevel);
if (config.devCredentials)
  log.warn('using the dev IM_SDKAPPID/IM_SECRET_KEY: anyone can mint UserSigs; set both for a real deployment');

const app = createApp({ config, logger: log });
// A postgres:// URL may carry a password: never log it.
const database = config.databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
const host = config.host;
let port: number;
try {
  port = await app.start(config.port, host);
} catch (e) {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    // The one thing to fix is named in one line; a stack would only point into Node's net module.
    const why =
      code === 'EADDRINUSE'
        ? 'is already in use'
        : code === 'EACCES'
          ? 'needs privileges'
          : 'is not an address of this host';
    log.error(
      { port: config.port, host: host ?? null },
      `could not start: ${host ?? 'every interface'}:${config.port} ${why}; set PORT (or HOST) to a free one`,
    );
  } else {
    log.error(
      { err: e, database, redis: config.redisUrl !== undefined, port: config.port },
      'could not start: check that the database (DATABASE_URL) and Redis (REDIS_URL) answer',
    );
  }
  await Promise.race([app.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(1);
}
log.info(
  { port, host: host ?? null, database, redis: config.redisUrl !== undefined },
  `IM gateway ready: GraphiQL at http://${host ?? 'localhost'}:${port}/graphql`,
);
if (config.devCredentials && host === '127.0.0.1')
  log.info('listening on 127.0.0.1 only while the dev key is in use; set HOST to change it');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
