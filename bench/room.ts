// The fan-out room shared by figures 3 and 4: on each server, a group of N online members (plus online users of
// another group, who must receive nothing), all subscribed before anything is timed.
import { fanoutClient, type FanoutClient } from './clients';
import { DeliveryLedger } from './deliveries';
import { start, untilSubscribed, users, type BenchEnv } from './figure';
import { LoadClient } from './load-client';
import { SENDER, type ServerKind } from './server-under-test';

export interface Room {
  kind: ServerKind;
  client: FanoutClient;
  ledger: DeliveryLedger;
  load: LoadClient;
  members: string[];
  /** Who may receive a message to the room: its members and the (offline) sender. */
  audience: ReadonlySet<string>;
}

export async function openRoom(
  env: BenchEnv,
  kind: ServerKind,
  subscribers: number,
  nonMembers: number,
): Promise<Room> {
  const server = await start(env, kind);
  const client = fanoutClient(server);
  const ledger = new DeliveryLedger();
  const load = new LoadClient(ledger.deliver);
  const members = users('m', subscribers);
  // raw-ws has no groups: every socket it holds is in the audience, so it gets no outsiders.
  const others = kind === 'raw-ws' ? [] : users('x', nonMembers);
  try {
    await client.setupGroup('room', members);
    if (others.length) await client.setupGroup('other', others);
    await load.open(server.port, [
      ...members.map((u) => client.subscriber(u, 'room')),
      ...others.map((u) => client.subscriber(u, 'other')),
    ]);
    await untilSubscribed(server, members.length + others.length);
  } catch (e) {
    await load.close();
    await server.stop();
    throw e;
  }
  return { kind, client, ledger, load, members, audience: new Set([SENDER, ...members]) };
}

export async function closeRoom(room: Room): Promise<void> {
  await room.load.close();
  await room.client.server.stop();
}
