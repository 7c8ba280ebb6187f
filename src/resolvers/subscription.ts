// Live events for the viewer of the connection's UserSig. The router wakes this viewer's streams only when it is in
// a message's audience; here each wake becomes the viewer's own view. onRecvNewMessage resumes from a cursor:
// it opens the live stream first, replays from storage, then drops live events already replayed, so the seam
// has neither a gap nor a duplicate.
import { Code } from '../codes';
import { conversationIdOf, type ConversationState, type Store, type ViewedMessage } from '../db/store';
import { Stream, type Listenable } from '../realtime/stream';
import { sharedView } from '../realtime/shared-execution';
import type { Topic, Wake } from '../realtime/router';
import type { Viewer } from './context';
import { conversationView, type V2TimConversation } from './conversation';
import { messageView, type SenderProfile, type V2TimMessage } from './message-view';
import { isMedia } from '../media/element';
import { Refusal } from './result';
import { reactionChangeBy, type V2TimMessageReactionChangeInfo } from './reaction';
import { c2cReadReceipt, receiptChange, type V2TimMessageReceipt } from './receipt';
import { dismissedEvent, groupEventOf, type V2TimGroupEvent } from './group-tips';
import { profileView, type V2TimUserFullInfo } from './user';

const REPLAY_PAGE = 200;

export interface MessageRevokedEvent {
  msgID: string;
  groupID: string | null;
  userID: string | null;
  operateUser: string;
}

type MessageWake = Extract<Wake, { topic: 'message' }>;
/** A wake that carries a stored (or online-only) message: its views are read once for every topic it woke. */
type ViewsWake = Pick<MessageWake, 'event' | 'woken'>;

/** A subscriber waiting for an event's views. */
interface ViewWaiter {
  viewsReady(): void;
  fail(error: Error): void;
}

interface ViewBatch {
  /** The views, or the failure, once the batch has run. */
  views?: Map<string, ViewedMessage>;
  /** The sender's nickName and faceUrl, read with the views (the same for every viewer). */
  sender?: SenderProfile;
  error?: Error;
  /** Subscribers waiting for it: all served in one loop, not one promise or closure each. */
  waiting: ViewWaiter[];
}
const batches = new WeakMap<object, ViewBatch>();

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/**
 * The views of a live message for every local user it woke, computed once per event (the first subscriber to ask
 * starts the batch). Returns them when they are ready; otherwise `waiter` is told when they are, or that they failed.
 */
function readyViews(store: Store, wake: ViewsWake, waiter: ViewWaiter): Map<string, ViewedMessage> | undefined {
  let batch = batches.get(wake.event);
  if (!batch) {
    const b: ViewBatch = { waiting: [] };
    batches.set(wake.event, (batch = b));
    Promise.all([
      store.messages.viewsFor(wake.woken, wake.event.row),
      store.users.profiles([wake.event.row.sender]),
    ]).then(
      ([map, profiles]) => {
        b.sender = profiles.get(wake.event.row.sender);
        b.views = map;
        for (const w of b.waiting) {
          // One subscriber's failure must not cost the others their delivery.
          try {
            w.viewsReady();
          } catch (error) {
            w.fail(asError(error));
          }
        }
        b.waiting = [];
      },
      (error: unknown) => {
        b.error = asError(error);
        for (const w of b.waiting) w.fail(b.error);
        b.waiting = [];
      },
    );
  }
  if (batch.views) return batch.views;
  if (batch.error) waiter.fail(batch.error);
  else batch.waiting.push(waiter);
  return undefined;
}

/**
 * Runs `body` over a router stream of `topic`. An async generator suspended in `await` cannot be returned until its
 * next value arrives, so a client unsubscribing from a quiet stream would leave it registered until the next event;
 * this iterator ends the stream first, which lets the generator finish at once.
 */
export function live<T>(
  ctx: Viewer,
  topic: Topic,
  body: (stream: Stream<Wake>) => AsyncGenerator<T>,
): AsyncIterableIterator<T> {
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
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Validates the cursor before anything is opened, so a bad one is an immediate error. */
export function onRecvNewMessage(
  ctx: Viewer,
  afterCursor?: string | null,
): AsyncIterableIterator<V2TimMessage> & Listenable<V2TimMessage> {
  let after: number | undefined;
  if (afterCursor != null) {
    after = ctx.cursors.decode(afterCursor);
    if (after === undefined)
      throw new Refusal(Code.INVALID_PARAMETERS, 'afterCursor is not a cursor this server issued.');
  }
  return new NewMessages(ctx, after);
}

/**
 * The viewer's new messages: a replay from storage after the cursor, then live ones. It opens the live stream
 * first and replays while the stream holds what arrives, then drops live events already replayed, so the seam has
 * neither a gap nor a duplicate. Messages go to an output stream that a consumer pulls or, once it listens, that
 * hands each one on as it is computed: an idle live subscription is then a few small objects, no generator or
 * pending promise chain, and a delivery is one call per subscriber in the event's loop over its views.
 */
class NewMessages implements AsyncIterableIterator<V2TimMessage>, Listenable<V2TimMessage>, ViewWaiter {
  private readonly out: Stream<V2TimMessage>;
  private wakes: Stream<Wake> | undefined;
  /** The replay's end: live events from other publishers (another process) may arrive out of order, and one
   *  below an earlier live event is new, not a duplicate, so only this mark filters. */
  private last: number;
  /** Events routed while an earlier one's views are still being read, oldest first. */
  private backlog: MessageWake[] | undefined;

  constructor(
    private readonly ctx: Viewer,
    after: number | undefined,
  ) {
    this.last = after ?? 0;
    this.out = new Stream<V2TimMessage>(ctx.router.streamLimit, () => void this.wakes?.return());
    this.run(after).catch((e: unknown) => this.out.fail(asError(e)));
  }

  private async run(after: number | undefined): Promise<void> {
    const { store, viewer, router } = this.ctx;
    const wakes = await router.open(viewer, 'message');
    this.wakes = wakes;
    if (this.closed) return void wakes.return();
    if (after !== undefined) {
      // Page by page, each one ordered read; between pages it waits for the client to take what was sent (down to
      // its socket's buffer) and yields to I/O, so a long replay never holds up other requests or deliveries.
      let from = this.last;
      for (;;) {
        const page = await store.messages.after(viewer, from, REPLAY_PAGE);
        if (this.closed) return;
        for (const m of page.messages) {
          this.last = m.row.orderNo;
          this.out.push(messageView(viewer, m, this.ctx));
          // Message by message, not page by page: the socket's bound (IM_WS_MAX_BUFFERED_BYTES) may be smaller than
          // a page, and a replay cut off at the same page every time would never finish.
          await this.out.whenDrained();
          if (this.closed) return;
        }
        if (page.done) break;
        from = page.through;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed) return;
      }
    }
    wakes.listen(
      (wake) => this.onWake(wake),
      (error) => (error ? this.out.fail(error) : void this.out.return()),
    );
  }

  private onWake(wake: Wake): void {
    if (wake.topic !== 'message') return;
    const row = wake.event.row;
    if (row.orderNo !== 0 && row.orderNo <= this.last) return; // already replayed
    // In the order routed, even when a later event's views are ready before an earlier one's (its batch started
    // sooner, by another subscriber): while one is awaited, the rest wait behind it.
    if (this.backlog) this.backlog.push(wake);
    else if (!this.deliver(wake)) this.backlog = [wake];
  }

  /** Views are ready for the first event of the backlog: deliver in order until one is not. */
  viewsReady(): void {
    const backlog = this.backlog!;
    while (backlog.length > 0 && this.deliver(backlog[0]!)) backlog.shift();
    if (backlog.length === 0) this.backlog = undefined;
  }

  /** Sends the viewer's view of the event, if it has one; false when its views are not ready (viewsReady follows). */
  private deliver(wake: MessageWake): boolean {
    // Membership may have changed since the router woke us (a kick): storage has the last word, asked once per
    // event for all the local subscribers it woke.
    const views = readyViews(this.ctx.store, wake, this);
    if (!views) return false;
    const viewed = views.get(this.ctx.viewer) ?? departingView(wake, this.ctx.viewer);
    if (!viewed) return true;
    const { viewer } = this.ctx;
    // Viewers with equal views share one object, so GraphQL runs once per distinct view (shared-execution.ts).
    // The key packs (seq, is sender, is read) into one number: cheaper to hash than a string, once per delivery.
    // A media message's view holds download URLs minted for its one viewer: never shared.
    const packed = viewed.seq * 4 + (wake.event.row.sender === viewer ? 2 : 0) + (viewed.isRead ? 1 : 0);
    const key = wake.event.row.body.some(isMedia) ? `${packed}\u0000${viewer}` : packed;
    const sender = batches.get(wake.event)?.sender;
    this.out.push(sharedView(wake.event, key, () => messageView(viewer, viewed, this.ctx, sender)));
    return true;
  }

  fail(error: Error): void {
    this.out.fail(error);
  }

  private get closed(): boolean {
    return this.out.isEnded;
  }

  listen(
    onItem: (item: V2TimMessage) => void,
    onEnd: (error: Error | null) => void,
    writable?: () => Promise<void> | undefined,
  ): void {
    this.out.listen(onItem, onEnd, writable);
  }
  next(): Promise<IteratorResult<V2TimMessage>> {
    return this.out.next();
  }
  return(): Promise<IteratorResult<V2TimMessage>> {
    return this.out.return();
  }
  async throw(error: unknown): Promise<IteratorResult<V2TimMessage>> {
    await this.out.return();
    throw error;
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A group tip's leaver's view of it, read by the store before he left (he is no longer a member now). */
function departingView(wake: ViewsWake, viewer: string): ViewedMessage | undefined {
  // Own properties only: a viewer named "constructor" must not find Object.prototype's.
  const departing = wake.event.departing;
  const v = departing && Object.hasOwn(departing, viewer) ? departing[viewer] : undefined;
  return v && { row: wake.event.row, seq: v.seq, isRead: v.isRead };
}

/** The views of a tip's message, as a promise (readyViews' batch, shared with the onRecvNewMessage deliveries). */
const viewsOf = (store: Store, wake: ViewsWake) =>
  new Promise<Map<string, ViewedMessage>>((resolve, reject) => {
    const ready = readyViews(store, wake, {
      viewsReady: () => resolve(batches.get(wake.event)!.views!),
      fail: reject,
    });
    if (ready) resolve(ready);
  });

/** V2TIMGroupListener's callbacks, for the groups the viewer is in: derived from the group tips it receives. */
export const onGroupEvent = (ctx: Viewer) => live(ctx, 'group', (stream) => groupEvents(ctx, stream));

async function* groupEvents(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimGroupEvent> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'group') continue;
      if (wake.event.type === 'groupDismissed') {
        yield dismissedEvent(wake.event.groupId, wake.event.opUser);
        continue;
      }
      const tipWake = wake as ViewsWake;
      const event = groupEventOf(tipWake.event.row);
      if (!event) continue;
      // Exactly who gets the tip: storage says who may see it now, or the leaver's view says he could then.
      const views = await viewsOf(ctx.store, tipWake);
      if (views.has(ctx.viewer) || departingView(tipWake, ctx.viewer)) yield event;
    }
  } finally {
    await stream.return();
  }
}

type StoredMessageWake = Extract<Wake, { topic: 'revoked' | 'modified' | 'reaction' }>;

/** What an event's subscribers share, computed by the first to ask (the event object is the key, so it goes
 *  with the event). */
function perEvent<T>(memo: WeakMap<object, Promise<T>>, event: object, make: () => Promise<T>): Promise<T> {
  let value = memo.get(event);
  if (!value) memo.set(event, (value = make()));
  return value;
}

const seenByEvent = new WeakMap<object, Promise<Map<string, ViewedMessage>>>();

/** Who of the users an event woke may see its message now, asked once per event for all its local subscribers
 *  (one statement, not one per subscriber); storage has the last word on the audience, as for every live event. */
const seenOnce = (store: Store, wake: StoredMessageWake) =>
  perEvent(seenByEvent, wake.event, () => store.messages.seenBy(wake.woken, wake.event.row.msgId));

export const onRecvMessageRevoked = (ctx: Viewer) => live(ctx, 'revoked', (stream) => revocations(ctx, stream));

async function* revocations(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<MessageRevokedEvent> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'revoked') continue;
      const { row, operateUser } = wake.event;
      if (!(await seenOnce(ctx.store, wake)).has(ctx.viewer)) continue;
      yield {
        msgID: row.msgId,
        groupID: row.groupId,
        userID: row.groupId === null ? conversationIdOf(ctx.viewer, row).slice(4) : null,
        operateUser,
      };
    }
  } finally {
    await stream.return();
  }
}

/** Edits of messages the viewer may see, as the viewer sees them now (storage has the last word on the audience). */
export const onRecvMessageModified = (ctx: Viewer) => live(ctx, 'modified', (stream) => modifications(ctx, stream));

async function* modifications(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimMessage> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'modified') continue;
      const seen = (await seenOnce(ctx.store, wake)).get(ctx.viewer);
      if (seen) yield messageView(ctx.viewer, seen, ctx);
    }
  } finally {
    await stream.return();
  }
}

const reactionsByEvent = new WeakMap<object, Promise<Map<string, V2TimMessageReactionChangeInfo[]>>>();

/** A reaction change as each of the event's viewers sees it, read once per event for all its local subscribers. */
const reactionsOnce = (store: Store, wake: Extract<Wake, { topic: 'reaction' }>) =>
  perEvent(reactionsByEvent, wake.event, async () => reactionChangeBy(store, await seenOnce(store, wake)));

/** Reaction changes of messages the viewer may see, with the reactions as the viewer sees them now. */
export const onRecvMessageReactionsChanged = (ctx: Viewer) =>
  live(ctx, 'reaction', (stream) => reactionChanges(ctx, stream));

async function* reactionChanges(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimMessageReactionChangeInfo[]> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'reaction') continue;
      const change = (await reactionsOnce(ctx.store, wake)).get(ctx.viewer);
      if (change) yield change;
    }
  } finally {
    await stream.return();
  }
}

/** V2TIMSDKListener.onUserInfoChanged: profile changes of users who share a group or a C2C conversation with the
 *  viewer (the router wakes exactly those), as changed; never a stranger's. */
export const onUserInfoChanged = (ctx: Viewer) =>
  live(ctx, 'profile', (stream) => profileChanges(ctx, stream, (userID) => userID !== ctx.viewer));

/** V2TIMSDKListener.onSelfInfoUpdated: the viewer's own profile, changed in any session. */
export const onSelfInfoUpdated = (ctx: Viewer) =>
  live(ctx, 'profile', (stream) => profileChanges(ctx, stream, (userID) => userID === ctx.viewer));

async function* profileChanges(
  ctx: Viewer,
  stream: Stream<Wake>,
  wanted: (userID: string) => boolean,
): AsyncGenerator<V2TimUserFullInfo> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'profile' || !wanted(wake.event.profile.userID)) continue;
      yield profileView(wake.event.profile.userID, wake.event.profile);
    }
  } finally {
    await stream.return();
  }
}

/** Read receipts for the viewer's own messages, with the counts as they are now. */
export const onRecvMessageReadReceipts = (ctx: Viewer) => live(ctx, 'receipt', (stream) => receipts(ctx, stream));

async function* receipts(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimMessageReceipt[]> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'receipt') continue;
      const receipt = await receiptChange(ctx, wake.event.row.msgId);
      if (receipt) yield receipt;
    }
  } finally {
    await stream.return();
  }
}

/** The viewer's C2C peers reading their conversation with the viewer (markC2CMessageAsRead and the like). */
export const onRecvC2CReadReceipt = (ctx: Viewer) => live(ctx, 'c2cReceipt', (stream) => c2cReceipts(ctx, stream));

async function* c2cReceipts(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimMessageReceipt[]> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'c2cReceipt') continue;
      const receipt = await c2cReadReceipt(ctx, wake.event.reader, wake.event.timestamp);
      if (receipt) yield receipt;
    }
  } finally {
    await stream.return();
  }
}

/** One clock for the reads of conversation and unread events: each read takes a tick when issued and when done. */
let clock = 0;
type Issued<T> = { issued: number; done: number; value: T };
const issue = async <T>(read: () => Promise<T>): Promise<Issued<T>> => {
  const issued = ++clock;
  const value = await read();
  return { issued, done: ++clock, value };
};

/**
 * One subscriber's reads of "its state now" for the events it gets. An event's subscribers share one read of all
 * their states (one statement, not one each), made by the first to ask. A subscriber that reaches an event late
 * could then be handed a state older than one it has already shown (an unread total going back, then forth). A
 * read issued after another was done sees at least what that one saw (a statement reads what has committed when it
 * starts), so a shared read is taken only when it was issued after the subscriber's last read was done; otherwise
 * the subscriber reads on its own.
 */
class LatestReads {
  private lastDone = 0;
  async read<S, T>(
    shared: { memo: WeakMap<object, Promise<Issued<S>>>; batch: object; all: () => Promise<S> } | undefined,
    mine: (all: S) => T,
    own: () => Promise<T>,
  ): Promise<T> {
    if (shared) {
      const r = await perEvent(shared.memo, shared.batch, () => issue(shared.all));
      if (r.issued > this.lastDone) {
        this.lastDone = r.done;
        return mine(r.value);
      }
    }
    const r = await issue(own);
    this.lastDone = r.done;
    return r.value;
  }
}

const statesByBatch = new WeakMap<object, Promise<Issued<Map<string, ConversationState>>>>();
const totalsByBatch = new WeakMap<object, Promise<Issued<Map<string, number>>>>();

export const onConversationChanged = (ctx: Viewer) =>
  live(ctx, 'conversation', (stream) => conversationChanges(ctx, stream));

async function* conversationChanges(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<V2TimConversation[]> {
  const reads = new LatestReads();
  const { conversations } = ctx.store;
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'conversation') continue;
      const { batch } = wake;
      const state = await reads.read(
        batch && { memo: statesByBatch, batch, all: () => conversations.getMany(batch.pairs) },
        (states) => states.get(ctx.viewer),
        () => conversations.get(ctx.viewer, wake.conversationId),
      );
      if (state) yield [conversationView(ctx, state)];
    }
  } finally {
    await stream.return();
  }
}

/** Emits the new total only when it changed. */
export const onTotalUnreadMessageCountChanged = (ctx: Viewer) =>
  live(ctx, 'unread', (stream) => unreadTotals(ctx, stream));

async function* unreadTotals(ctx: Viewer, stream: Stream<Wake>): AsyncGenerator<number> {
  try {
    const reads = new LatestReads();
    const { conversations } = ctx.store;
    const own = () => conversations.totalUnread(ctx.viewer);
    let total = await reads.read(undefined, (n: number) => n, own);
    for await (const wake of stream) {
      if (wake.topic !== 'unread') continue;
      const { batch } = wake;
      const now = await reads.read(
        batch && {
          memo: totalsByBatch,
          batch,
          all: () => conversations.totalUnreadMany(batch.pairs.map((p) => p.viewer)),
        },
        (totals) => totals.get(ctx.viewer) ?? 0,
        own,
      );
      if (now !== total) yield (total = now);
    }
  } finally {
    await stream.return();
  }
}
