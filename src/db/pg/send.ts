// The PostgreSQL send: one transaction running the shared send statements (../messages.ts), whose order comes from
// takeOrder: allocated and marked in flight until the transaction ends, with no lock held to the commit but the
// sender's own group row or C2C pair. Why that keeps "messages after N" gap-free across processes: ./order.ts.
import type { SendPath } from '../messages';
import type { Executor } from '../statement';
import { takeOrder } from './order';

export function createPgSendPath(x: Executor): SendPath {
  return {
    send: (make) => x.write(() => make(takeOrder)),
    beforeSend: (work) => x.read(work),
  };
}
