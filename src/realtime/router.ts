// The delivery router: given a stored message and its audience, wake exactly the audience's open streams.
// A C2C or targeted message names its users, so its cost is O(receivers) map look-ups whatever the group's size;
// a broadcast walks the group's *online* members, kept in an index that membership events update at once.
// No subscriber ever runs a filter over someone else's traffic.
import { conversationIdOf, type Store } from '../db/store';
import type { Bus, RealtimeEvent } from './bus';
import { ResubscribeError, Stream, TooManyStreamsError } from './stream';

export type Topic =
  | 'message'
  | 'revoked'
  | 'modified'
  | 'reaction'
  | 'receipt'
  | 'c2cReceipt'
  | 'conversation'
  | 'unread'
  | 'application'
  | 'group'
  | 'profile';

type MessageEvent = Extract<RealtimeEvent, { type: 'message' }>;

/** What a stream receives: the event, or for conversation/unread streams the conversation that changed. */
export type Wake =
  /** `woken`: every local user this event was routed to, shared by their wakes, so views are computed in one batch. */
  | { topic: 'message'; event: MessageEvent; woken: readonly string[] }
  /** Group events (onGroupEvent): a group tip as it is delivered (the same event and woken list as its message
   *  wake, so its views are read once for both), or a dismissal. */
  | { topic: 'group'; event: MessageEvent; woken: readonly string[] }
  | { topic: 'group'; event: Extract<RealtimeEvent, { type: 'groupDismissed' }> }
  /** Events about a stored message (`woken` as for a message: who is asked, in one batch, whether they see it). */
  | { topic: 'revoked'; event: Extract<RealtimeEvent, { type: 'revoked' }>; woken: readonly string[] }
  | { topic: 'modified'; event: Extract<RealtimeEvent, { type: 'modified' }>; woken: readonly string[] }
  | { topic: 'reaction'; event: Extract<RealtimeEvent, { type: 'reaction' }>; woken: readonly string[] }
  | { topic: 'receipt'; event: Extract<RealtimeEvent, { type: 'receipt' }> }
  | { topic: 'c2cReceipt'; event: Extract<RealtimeEvent, { type: 'c2cRead' }> }
  /** `batch`: when several users' conversations changed at once (a message, a revoke, an edit), all of them on
   *  this topic, so their reads are one statement for all. */
  | { topic: 'conversation' | 'unread'; conversationId: string; batch?: ConversationBatch }
  | { topic: 'application'; event: Extract<RealtimeEvent, { type: 'application' }>['event'] }
  | { topic: 'profile'; event: Extract<RealtimeEvent, { type: 'profile' }> };

/** The users one event woke on the conversation or unread topic, each with the conversation it changed, filled
 *  while the event is routed (synchronously: complete before any subscriber reads it). The object is the key of
 *  the subscribers' shared read. */
export interface ConversationBatch {
  readonly pairs: { viewer: string; conversationID: string }[];
}

/** Wakes of one event on the conversation and unread topics, each topic with its batch. */
function conversationWakes() {
  const batches = { conversation: { pairs: [] }, unread: { pairs: [] } } as Record<
    'conversation' | 'unread',
    ConversationBatch
  >;
  return (topic: 'conversation' | 'unread', viewer: string, conversationId: string): Wake => {
    const batch = batches[topic];
    // A user's streams are woken one after another: two subscriptions of one user are one pair.
    if (batch.pairs.at(-1)?.viewer !== viewer) batch.pairs.push({ viewer, conversationID: conversationId });
    return { topic, conversationId, batch };
  };
}

export interface RouterOptions {
  /** Events a stream may hold unread before it is closed (the client resumes from its cursor). Default 10,000. */
  streamLimit?: number;
  /** Streams one user may hold open at once (IM_MAX_SUBSCRIPTIONS_PER_USER); opening another fails. Default: none. */
  maxStreamsPerUser?: number;
}

export interface RouterStats {
  /** Users looked at while routing: the work a send costs the router. */
  usersVisited: number;
  /** Events pushed into streams. */
  pushes: number;
}

export type Router = ReturnType<typeof createRouter>;

/** Streams ended per event-loop turn by resetAll. */
export const RESET_SLICE = 256;

export function createRouter(store: Store, bus: Bus, options: RouterOptions = {}) {
  const streamLimit = options.streamLimit ?? 10_000;
  const maxStreamsPerUser = options.maxStreamsPerUser ?? Infinity;
  const streams = new Map<string, Set<Stream<Wake> & { topic: Topic }>>();
  const groupOnline = new Map<string, Set<string>>(); // groupId → online userIds
  const userGroups = new Map<string, Set<string>>(); // online userId → groupIds
  const loading = new Map<string, Promise<void>>();
  const epochs = new Map<string, number>(); // bumped by membership events, so a stale index load is redone
  const stats: RouterStats = { usersVisited: 0, pushes: 0 };

  const index = (groupId: string, userId: string) => {
    let online = groupOnline.get(groupId);
    if (!online) groupOnline.set(groupId, (online = new Set()));
    online.add(userId);
    userGroups.get(userId)?.add(groupId);
  };
  const unindex = (groupId: string, userId: string) => {
    const online = groupOnline.get(groupId);
    online?.delete(userId);
    if (online?.size === 0) groupOnline.delete(groupId);
    userGroups.get(userId)?.delete(groupId);
  };

  async function loadGroups(userId: string): Promise<void> {
    for (;;) {
      const epoch = epochs.get(userId) ?? 0;
      const ids = await store.groups.joinedIDs(userId);
      if ((epochs.get(userId) ?? 0) !== epoch) continue;
      if (!streams.has(userId)) return;
      userGroups.set(userId, new Set());
      for (const g of ids) index(g, userId);
      return;
    }
  }

  function wake(userId: string, make: (topic: Topic) => Wake | null) {
    stats.usersVisited++;
    const set = streams.get(userId);
    if (!set) return;
    for (const s of set) {
      const w = make(s.topic);
      if (w) {
        stats.pushes++;
        s.push(w);
      }
    }
  }

  function audience(users: string[] | null, groupId: string | null): Iterable<string> {
    return users ?? (groupId !== null ? (groupOnline.get(groupId) ?? []) : []);
  }

  function dispatch(event: RealtimeEvent): void {
    switch (event.type) {
      case 'message': {
        const stored = event.row.orderNo !== 0;
        const woken = [...audience(event.users, event.row.groupId)];
        // A tip's leavers may be unindexed already (another process' membership event came first): named here.
        if (event.departing) {
          const named = new Set(woken);
          for (const u of Object.keys(event.departing)) if (!named.has(u)) woken.push(u);
        }
        const tip = event.row.body.some((e) => e.kind === 'groupTips');
        const changed = conversationWakes();
        for (const u of woken) {
          wake(u, (topic) =>
            topic === 'message'
              ? { topic, event, woken }
              : topic === 'group'
                ? tip
                  ? { topic, event, woken }
                  : null
                : (topic === 'conversation' || topic === 'unread') && stored
                  ? changed(topic, u, conversationIdOf(u, event.row))
                  : null,
          );
        }
        break;
      }
      case 'groupDismissed': {
        for (const u of event.users) wake(u, (topic) => (topic === 'group' ? { topic, event } : null));
        break;
      }
      case 'revoked': {
        const woken = [...audience(event.users, event.row.groupId)];
        const changed = conversationWakes();
        for (const u of woken) {
          wake(u, (topic) =>
            topic === 'revoked'
              ? { topic, event, woken }
              : topic === 'conversation' || topic === 'unread'
                ? changed(topic, u, conversationIdOf(u, event.row))
                : null,
          );
        }
        break;
      }
      case 'modified': {
        // The conversation too: its lastMessage may be the edited one.
        const woken = [...audience(event.users, event.row.groupId)];
        const changed = conversationWakes();
        for (const u of woken) {
          wake(u, (topic) =>
            topic === 'modified'
              ? { topic, event, woken }
              : topic === 'conversation'
                ? changed(topic, u, conversationIdOf(u, event.row))
                : null,
          );
        }
        break;
      }
      case 'reaction': {
        const woken = [...audience(event.users, event.row.groupId)];
        for (const u of woken) wake(u, (topic) => (topic === 'reaction' ? { topic, event, woken } : null));
        break;
      }
      case 'receipt':
        // Named users only (the message's sender): never a walk of the group.
        for (const u of event.users) wake(u, (topic) => (topic === 'receipt' ? { topic, event } : null));
        break;
      case 'c2cRead':
        for (const u of event.users) wake(u, (topic) => (topic === 'c2cReceipt' ? { topic, event } : null));
        break;
      case 'membership':
        for (const u of [...event.joined, ...event.left]) epochs.set(u, (epochs.get(u) ?? 0) + 1);
        for (const u of event.joined) if (userGroups.has(u)) index(event.groupId, u);
        for (const u of event.left) unindex(event.groupId, u);
        break;
      case 'application':
        for (const u of event.users)
          wake(u, (topic) => (topic === 'application' ? { topic, event: event.event } : null));
        break;
      case 'profile': {
        // The user, the peers and the groups' online members, each once: O(those woken), whatever the groups' sizes.
        const woken = new Set([event.profile.userID, ...event.peers]);
        for (const g of event.groupIds) for (const u of groupOnline.get(g) ?? []) woken.add(u);
        for (const u of woken) wake(u, (topic) => (topic === 'profile' ? { topic, event } : null));
        break;
      }
      case 'read':
        wake(event.userId, (topic) =>
          topic === 'conversation' || topic === 'unread' ? { topic, conversationId: event.conversationId } : null,
        );
        break;
    }
  }

  bus.subscribe(dispatch);

  return {
    stats,
    /** The bound of every stream (and of what a subscription may queue for a reader that does not keep up). */
    streamLimit,
    /** Publishes through the bus: local streams are woken before this resolves; other processes soon after. */
    publish: (event: RealtimeEvent) => bus.publish(event),
    /** Opens a stream for the viewer; resolves once group broadcasts are routed to it. */
    async open(userId: string, topic: Topic): Promise<Stream<Wake>> {
      let set = streams.get(userId);
      // Every transport's subscriptions end here, so this bounds them all (SSE has no connection count of its own).
      if ((set?.size ?? 0) >= maxStreamsPerUser) throw new TooManyStreamsError(maxStreamsPerUser);
      if (!set) streams.set(userId, (set = new Set()));
      const stream = Object.assign(
        new Stream<Wake>(streamLimit, () => {
          set.delete(stream);
          if (set.size === 0 && streams.get(userId) === set) {
            streams.delete(userId);
            for (const g of userGroups.get(userId) ?? []) unindex(g, userId);
            userGroups.delete(userId);
          }
        }),
        { topic },
      );
      set.add(stream);
      if (!userGroups.has(userId)) {
        let pending = loading.get(userId);
        if (!pending) {
          pending = loadGroups(userId).finally(() => loading.delete(userId));
          loading.set(userId, pending);
        }
        await pending;
      }
      return stream;
    },
    /** Number of open streams (for limits and tests). */
    streamCount: (userId?: string) =>
      userId ? (streams.get(userId)?.size ?? 0) : [...streams.values()].reduce((n, s) => n + s.size, 0),
    /** Ends every stream (shutdown). */
    closeAll() {
      for (const set of [...streams.values()]) for (const s of [...set]) void s.return();
    },
    /** Fails every stream with a ResubscribeError: wake-ups may have been lost, clients resume from storage. */
    resetAll(why: string) {
      // In slices, one event-loop turn each: ending thousands of subscriptions (each an error frame, a closed
      // stream) in one turn would hold up every other client meanwhile. Streams opened since are not affected.
      const all = [...streams.values()].flatMap((set) => [...set]);
      const error = new ResubscribeError(why);
      const slice = () => {
        for (const s of all.splice(0, RESET_SLICE)) s.fail(error);
        if (all.length > 0) setImmediate(slice);
      };
      slice();
    },
  };
}
