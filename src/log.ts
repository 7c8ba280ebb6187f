// Structured logs (pino) as JSON lines; `LOG_LEVEL=silent` for tests.
import pino, { type Logger } from 'pino';

export type { Logger };

export const createLogger = (level: string): Logger => pino({ level, base: { service: 'im-gateway' } });
