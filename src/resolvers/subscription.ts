// Live events for the viewer of the connection's UserSig. The router wakes this viewer's streams only when it is in
// a message's audience; here each wake becomes the viewer's own view. onRecvNewMessage resumes from a cursor:
// it opens the live stream first, replays from storage, then drops live events already replayed, so the seam
// has neither a gap nor a duplicate.
import { Code } from '../codes';
import { conversationIdOf, type Store, type ViewedMessage } from '../db/store';
import type { Stream } from '../realtime/stream';
import { sharedView } from '../realtime/shared-execution';
import type { Topic, Wake } from '../realtime/router';
import type { Viewer } from './context';
import { conversationView, type V2TimConversation } from './conversation';
import { messageView, type V2TimMessage } from './message-view';
import { Refusal } from './result';

const REPLAY_PAGE = 200;

export interface MessageRevokedEvent { msgID: string; groupID: string | null; userID: string | null; operateUser: string }

const batches = new WeakMap<object, Promise<Map<string, ViewedMessage>>>();

/** The views of a live message for every local user it woke, computed once per event. */
function liveViews(store: Store, wake: Extract<Wake, { topic: 'message' }>): Promise<Map<string, ViewedMessage>> {
  let views = batches.get(wake.event);
  if (!views) batches.set(wake.event, (views = store.messages.viewsFor(wake.woken, wake.event.row)));
  return views;
}

/**
 * Runs `body` over a router stream of `topic`. An async generator suspended in `await` cannot be returned until its
 * next value arrives, so a client unsubscribing from a quiet stream would leave it registered until the next event;
 * this iterator ends the stream first, which lets the generator finish at once.
 */
function live<T>(ctx: Viewer, topic: Topic, body: (stream: Stream<Wake>) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  let stream: Stream<Wake> | undefined;
  let generator: AsyncGenerator<T> | undefined;
  let closed = false;
  const opened = ctx.router.open(ctx.viewer, topic).then((s) => {
    stream = s;
    if (closed) void s.return();
    else generator = body(s);
  });
  const end = async (): Promise<IteratorResult<T>> => {
    closed = true;
    await opened.catch(() => {});
    await stream?.return();
    return generator ? generator.return(undefined as never) : { done: true, value: undefined };
  };
  return {
    next() {
      // Once open, straight to the generator: this runs once per event per subscriber.
      if (generator && !closed) return generator.next();
      return opened.then(() => (closed || !generator ? { done: true, value: undefined } : generator.next()));
    },
    return: end,
    async throw(error: unknown) { await end(); throw error; },
    [Symbol.asyncIterator]() { return this; },
  };
}

/** Validates the cursor before anything is opened, so a bad one is an immediate error. */
export function onRecvNewMessage(ctx: Viewer, afterCursor?: string | null): AsyncIterableIterator<V2TimMessage> {
  let after: number | undefined;
  if (afterCursor != null) {
    after = ctx.cursors.decode(afterCursor);
    if (after === undefined) throw new Refusal(Code.INVALID_PARAMETERS, 'afterCursor is not a cursor this server issued.');
  }
  return live(ctx, 'message', (stream) => newMessages(ctx, stream, after));
}

async function* newMessages(ctx: Viewer, stream: Stream<Wake>, after: number | undefined): AsyncGenerator<V2TimMessage> {
  const { store, viewer, cursors } = ctx;
  try {
    let last = after ?? 0;
    if (after !== undefined) {
      for (;;) {
        const page = await store.messages.after(viewer, last, REPLAY_PAGE);
        for (const m of page) {
          last = m.row.orderNo;
          yield messageView(viewer, m, cursors);
        }
        if (page.length < REPLAY_PAGE) break;
      }
    }
    for await (const wake of stream) {
      if (wake.topic !== 'message') continue;
      const row = wake.event.row;
      if (row.orderNo !== 0) {
        // Already replayed. `last` stays the replay's end: live events from other publishers (another process)
        // may arrive out of order, and one below an earlier live event is new, not a duplicate.
        if (row.orderNo <= last) continue;
      }
      // Membership may have changed since the router woke us (a kick): storage has the last word, asked once per
      // event for all the local subscribers it woke.
      const viewed = (await liveViews(store, wake)).get(viewer);
      if (!viewed) continue;
      // Viewers with equal views share one object, so GraphQL runs once per distinct view (shared-execution.ts).
      yield sharedView(wake.event, `${row.sender === viewer}|${viewed.isRead}|${viewed.seq}`, () => messageView(viewer, viewed, cursors));
    }
  } finally {
    await stream.return();
  }
}

export const onRecvMessageRevoked = (ctx: Viewer) => live(ctx, 'revoked', (stream) => revocations(ctx, stream));

async function* revocations(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<MessageRevokedEvent> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'revoked') continue;
      const { row, operateUser } = wake.event;
      if (!(await ctx.store.messages.canSee(ctx.viewer, row))) continue;
      yield { msgID: row.msgId, groupID: row.groupId, userID: row.groupId === null ? conversationIdOf(ctx.viewer, row).slice(4) : null, operateUser };
    }
  } finally {
    await stream.return();
  }
}

export const onConversationChanged = (ctx: Viewer) => live(ctx, 'conversation', (stream) => conversationChanges(ctx, stream));

async function* conversationChanges(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimConversation[]> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'conversation') continue;
      const state = await ctx.store.conversations.get(ctx.viewer, wake.conversationId);
      if (state) yield [conversationView(ctx, state)];
    }
  } finally {
    await stream.return();
  }
}

/** Emits the new total only when it changed. */
export const onTotalUnreadMessageCountChanged = (ctx: Viewer) => live(ctx, 'unread', (stream) => unreadTotals(ctx, stream));

async function* unreadTotals(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<number> {
  try {
    let total = await ctx.store.conversations.totalUnread(ctx.viewer);
    for await (const wake of stream) {
      if (wake.topic !== 'unread') continue;
      const now = await ctx.store.conversations.totalUnread(ctx.viewer);
      if (now !== total) yield (total = now);
    }
  } finally {
    await stream.return();
  }
}
