// Live events for the viewer of the connection's UserSig. The router wakes this viewer's streams only when it is in
// a message's audience; here each wake becomes the viewer's own view. onRecvNewMessage resumes from a cursor:
// it opens the live stream first, replays from storage, then drops live events already replayed, so the seam
// has neither a gap nor a duplicate.
import { Code } from '../codes';
import { conversationIdOf } from '../db/store';
import type { Viewer } from './context';
import { conversationView, type V2TimConversation } from './conversation';
import { messageView, type V2TimMessage } from './message-view';
import { Refusal } from './result';

const REPLAY_PAGE = 200;

export interface MessageRevokedEvent { msgID: string; groupID: string | null; userID: string | null; operateUser: string }

/** Validates the cursor before anything is opened, so a bad one is an immediate error. */
export function onRecvNewMessage(ctx: Viewer, afterCursor?: string | null): AsyncGenerator<V2TimMessage> {
  let after: number | undefined;
  if (afterCursor != null) {
    after = ctx.cursors.decode(afterCursor);
    if (after === undefined) throw new Refusal(Code.INVALID_PARAMETERS, 'afterCursor is not a cursor this server issued.');
  }
  return newMessages(ctx, after);
}

async function* newMessages(ctx: Viewer, after: number | undefined): AsyncGenerator<V2TimMessage> {
  const { store, viewer, cursors } = ctx;
  const stream = await ctx.router.open(viewer, 'message');
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
        if (row.orderNo <= last) continue; // already replayed
        // Membership may have changed since the router woke us (a kick): storage has the last word.
        if (!(await store.messages.canSee(viewer, row))) continue;
        last = row.orderNo;
      }
      yield messageView(viewer, await store.messages.viewFor(viewer, row), cursors);
    }
  } finally {
    await stream.return();
  }
}

export async function* onRecvMessageRevoked(ctx: Viewer): AsyncGenerator<MessageRevokedEvent> {
  const stream = await ctx.router.open(ctx.viewer, 'revoked');
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

export async function* onConversationChanged(ctx: Viewer): AsyncGenerator<V2TimConversation[]> {
  const stream = await ctx.router.open(ctx.viewer, 'conversation');
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
export async function* onTotalUnreadMessageCountChanged(ctx: Viewer): AsyncGenerator<number> {
  const stream = await ctx.router.open(ctx.viewer, 'unread');
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
