// createIMClient: the V2TIM message manager over one graphql-ws connection. What it adds to graphql-ws, which
// replays nothing after a reconnect: every (re)subscription of onRecvNewMessage asks for `afterCursor` = the cursor
// of the last message handed to the listeners, so they see each message once and in order across reconnects and
// gateway restarts; sends are retried by id (the gateway makes a retried id idempotent); and the UserSig comes
// from a provider asked before every connection (usersig.ts).
import { createClient, type Client } from 'graphql-ws';
import * as ops from './generated';
import type { V2TimCallback, V2TimValueCallback } from './result';
import { createUserSigPolicy, type UserSigProvider } from './usersig';

export type V2TimMessage = ops.MessageFieldsFragment;
export type V2TimMessageRevoked = ops.OnRecvMessageRevokedSubscription['onRecvMessageRevoked'];
export type V2TimMsgCreateInfoResult = { id: string; messageInfo: V2TimMessage };

/** The SDK's V2TimAdvancedMsgListener: register with addAdvancedMsgListener. */
export interface V2TimAdvancedMsgListener {
  onRecvNewMessage?(message: V2TimMessage): void;
  onRecvMessageRevoked?(event: V2TimMessageRevoked): void;
}

export interface IMClientOptions {
  /** The gateway's GraphQL endpoint: ws://, wss://, http:// or https:// (…/graphql). */
  url: string;
  /** Asked for a UserSig before every connection; see usersig.ts. */
  userSig: UserSigProvider;
  /** Where to resume from: the last cursor your app stored (see onCursor). Default: live messages only. */
  afterCursor?: string | null;
  /** Called after each message with a cursor reached the listeners; store it to resume across app restarts. */
  onCursor?(cursor: string): void;
  /** A WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketImpl?: unknown;
  /** Backoff between reconnects and send retries: base × 2^attempt, randomised, capped. Defaults 200 ms, 5 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** How many times sendMessage retries an id after a transport failure or a retryable code. Default 8. */
  sendRetries?: number;
  /** Told about connection state changes (e.g. to show "reconnecting…"). */
  onStatus?(status: 'connected' | 'closed', detail?: unknown): void;
}

/** Codes worth sending the same id again for: the group's send rate (10023) passes within a second. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([10023]);

/** How many recent msgIDs are remembered to drop a message the listeners already had. */
const SEEN_LIMIT = 10_000;

export type SendMessageArgs = ops.SendMessageMutationVariables;

export function createIMClient(options: IMClientOptions) {
  const { baseMs = 200, maxMs = 5000 } = options.backoff ?? {};
  const wait = (attempt: number) =>
    new Promise<void>((r) => setTimeout(r, Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2)));
  const auth = createUserSigPolicy(options.userSig);
  let disposed = false;
  let cursor = options.afterCursor ?? null;

  const ws: Client = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: options.webSocketImpl,
    connectionParams: auth.connectionParams,
    lazy: true,
    retryAttempts: Infinity,
    retryWait: wait,
    // graphql-ws gives up on anything that is not a close event (e.g. ECONNREFUSED while a gateway restarts).
    shouldRetry: (e) => !disposed && (!isCloseEvent(e) || auth.shouldRetryClose(e.code)),
    on: {
      connected: () => {
        auth.connected();
        options.onStatus?.('connected');
      },
      closed: (e) => options.onStatus?.('closed', e),
    },
  });

  /** One query or mutation on the socket; its one field's answer. GraphQL errors (protocol problems) throw. */
  function request<R, V>(doc: ops.TypedDocumentString<R, V>, variables: V): Promise<R[keyof R]> {
    return new Promise((resolve, reject) => {
      let done = false;
      ws.subscribe<R>(
        { query: doc.toString(), variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            if (done) return;
            done = true;
            if (result.errors?.length) reject(new Error(result.errors.map((e) => e.message).join('; ')));
            else resolve(Object.values(result.data as object)[0] as R[keyof R]);
          },
          error: (e) => {
            if (!done) {
              done = true;
              reject(e instanceof Error ? e : new Error(describeClose(e)));
            }
          },
          complete: () => {
            if (!done) {
              done = true;
              reject(new Error('the operation completed without a result'));
            }
          },
        },
      );
    });
  }

  // --- listeners: one subscription per event kind, shared by every listener, resubscribed until disposed ---
  const listeners = new Set<V2TimAdvancedMsgListener>();
  const seen = new Set<string>();
  const stops: (() => void)[] = [];

  function deliver(message: V2TimMessage) {
    if (message.msgID !== null) {
      if (seen.has(message.msgID)) return;
      seen.add(message.msgID);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
    }
    for (const l of listeners) l.onRecvNewMessage?.(message);
    if (message.cursor !== null) {
      cursor = message.cursor;
      options.onCursor?.(cursor);
    }
  }

  /** Keeps one subscription open; graphql-ws re-sends `payload` itself after a reconnect, so its variables are a
   * getter: each (re)subscription asks from the cursor of the last message delivered. */
  function keepSubscribed<R>(query: string, variables: () => Record<string, unknown>, next: (data: R) => void) {
    let attempt = 0;
    let stop = () => {};
    const open = () => {
      if (disposed) return;
      const payload = {
        query,
        get variables() {
          return variables();
        },
      };
      stop = ws.subscribe<R>(payload, {
        next: (result) => {
          attempt = 0;
          if (result.data) next(result.data);
        },
        // The gateway ends a subscription that fell behind or lost its wake-ups: the client resumes from its cursor.
        error: () => {
          void wait(attempt++).then(open);
        },
        complete: () => {
          void wait(attempt++).then(open);
        },
      });
    };
    open();
    stops.push(() => stop());
  }

  function startListening() {
    keepSubscribed<ops.OnRecvNewMessageSubscription>(
      ops.OnRecvNewMessageDocument.toString(),
      () => ({ afterCursor: cursor }),
      (d) => deliver(d.onRecvNewMessage),
    );
    keepSubscribed<ops.OnRecvMessageRevokedSubscription>(
      ops.OnRecvMessageRevokedDocument.toString(),
      () => ({}),
      (d) => {
        for (const l of listeners) l.onRecvMessageRevoked?.(d.onRecvMessageRevoked);
      },
    );
  }

  return {
    createTextMessage: (args: ops.CreateTextMessageMutationVariables) => request(ops.CreateTextMessageDocument, args),
    createTextAtMessage: (args: ops.CreateTextAtMessageMutationVariables) =>
      request(ops.CreateTextAtMessageDocument, args),
    createCustomMessage: (args: ops.CreateCustomMessageMutationVariables) =>
      request(ops.CreateCustomMessageDocument, args),
    createLocationMessage: (args: ops.CreateLocationMessageMutationVariables) =>
      request(ops.CreateLocationMessageDocument, args),
    createFaceMessage: (args: ops.CreateFaceMessageMutationVariables) => request(ops.CreateFaceMessageDocument, args),
    /** Appends a created text, custom, face or location message to another created message; send the base's id. */
    appendMessage: (args: ops.AppendMessageMutationVariables) => request(ops.AppendMessageDocument, args),
    /** A copy of a message you can see, to send anywhere: nothing of the original's audience is kept. */
    createForwardMessage: (args: ops.CreateForwardMessageMutationVariables) =>
      request(ops.CreateForwardMessageDocument, args),
    createMergerMessage: (args: ops.CreateMergerMessageMutationVariables) =>
      request(ops.CreateMergerMessageDocument, args),
    /** The messages of a merger message (its mergerElem carries only the title and abstracts). */
    downloadMergerMessage: (args: ops.DownloadMergerMessageQueryVariables) =>
      request(ops.DownloadMergerMessageDocument, args),
    /** Use data.id of the answer for sendMessage (the gateway may answer with the same id or a new one). */
    createTargetedGroupMessage: (args: ops.CreateTargetedGroupMessageMutationVariables) =>
      request(ops.CreateTargetedGroupMessageDocument, args),

    /** Sends a created message; retries the same id with backoff after a transport failure or a retryable
     * code. A retry of an id already sent answers the same message and delivers nothing twice. */
    async sendMessage(args: SendMessageArgs): Promise<V2TimValueCallback<V2TimMessage>> {
      const retries = options.sendRetries ?? 8;
      for (let attempt = 0; ; attempt++) {
        try {
          const answer = await request(ops.SendMessageDocument, args);
          if (!RETRYABLE_CODES.has(answer.code) || attempt >= retries) return answer;
        } catch (e) {
          if (disposed || attempt >= retries) throw e;
        }
        await wait(attempt);
      }
    },
    revokeMessage: (args: ops.RevokeMessageMutationVariables): Promise<V2TimCallback> =>
      request(ops.RevokeMessageDocument, args),

    getLoginUser: () => request(ops.GetLoginUserDocument, {}),
    createGroup: (args: ops.CreateGroupMutationVariables) => request(ops.CreateGroupDocument, args),
    joinGroup: (args: ops.JoinGroupMutationVariables) => request(ops.JoinGroupDocument, args),
    getJoinedGroupList: () => request(ops.GetJoinedGroupListDocument, {}),
    getGroupMemberList: (args: ops.GetGroupMemberListQueryVariables) => request(ops.GetGroupMemberListDocument, args),
    getGroupHistoryMessageList: (args: ops.GetGroupHistoryMessageListQueryVariables) =>
      request(ops.GetGroupHistoryMessageListDocument, args),
    getC2CHistoryMessageList: (args: ops.GetC2CHistoryMessageListQueryVariables) =>
      request(ops.GetC2CHistoryMessageListDocument, args),
    getConversationList: (args: ops.GetConversationListQueryVariables) =>
      request(ops.GetConversationListDocument, args),
    getTotalUnreadMessageCount: () => request(ops.GetTotalUnreadMessageCountDocument, {}),
    markGroupMessageAsRead: (args: ops.MarkGroupMessageAsReadMutationVariables) =>
      request(ops.MarkGroupMessageAsReadDocument, args),
    markC2CMessageAsRead: (args: ops.MarkC2CMessageAsReadMutationVariables) =>
      request(ops.MarkC2CMessageAsReadDocument, args),

    /** Registers a listener; the first one opens the subscriptions. Returns a function that removes it. */
    addAdvancedMsgListener(listener: V2TimAdvancedMsgListener): () => void {
      listeners.add(listener);
      if (listeners.size === 1 && stops.length === 0) startListening();
      return () => this.removeAdvancedMsgListener(listener);
    },
    removeAdvancedMsgListener(listener?: V2TimAdvancedMsgListener) {
      if (listener) listeners.delete(listener);
      else listeners.clear();
      if (listeners.size === 0) stops.splice(0).forEach((stop) => stop());
    },

    /** The cursor of the last message delivered to the listeners (store it to resume after an app restart). */
    getCursor: () => cursor,
    async dispose() {
      disposed = true;
      stops.splice(0).forEach((stop) => stop());
      await ws.dispose();
    },
  };
}

export type IMClient = ReturnType<typeof createIMClient>;

const isCloseEvent = (e: unknown): e is { code: number; reason?: string } =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number';

const describeClose = (e: unknown) =>
  isCloseEvent(e) ? `socket closed: ${e.code} ${e.reason ?? ''}`.trim() : String(e);
