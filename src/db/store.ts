// The storage seam. Resolvers and the realtime router see only these Promise-returning interfaces. Behind them
// there is one store, written once (./messages.ts, ./groups.ts, ./conversations.ts, ./views.ts): each method is a
// short generator of set-based drizzle `sql` statements (./statement.ts), so its cost is a constant number of
// statements whatever the number of conversations, groups or ids. One executor per dialect runs them: SQLite
// (./sqlite.ts: each rendered text prepared once, each write one synchronous transaction; the sends of one
// event-loop turn share one, each in its own savepoint) and PostgreSQL (./pg/executor.ts; the send's ordering in
// ./pg/send.ts). Counters are state: unread counts, lastMessage and read marks live in `conversations` and
// `groups`, kept by the writes that change them, so no read counts messages. Methods that must be atomic with
// their checks (joins under a member cap, a send by a member who may be kicked at the same moment) do the check
// inside and return an outcome, never throw for it. Rows come out typed: lists are string[] and a message's content
// is its body (./element.ts: Tencent's MsgBody, a list of typed elements), never JSON text.
import type { Tables } from './schema';
import type { BlobRef, DraftHoldings, MergedMessage, MsgBody } from './element';
import type { GroupTipsStore } from './group-tips';
import { Code, defaultDesc } from '../codes';

export type MessageRow = Omit<Tables['messages'], 'targets' | 'atUsers' | 'body'> & {
  targets: string[] | null;
  atUsers: string[] | null;
  body: MsgBody;
};
export type DraftRow = Omit<Tables['drafts'], 'targets' | 'atUsers' | 'body'> & {
  targets: string[] | null;
  atUsers: string[] | null;
  body: MsgBody;
};
export type GroupRow = Pick<
  Tables['groups'],
  'groupId' | 'groupType' | 'groupName' | 'owner' | 'createdAt' | 'publicCount'
> &
  /** The join options (groups.get and joined read them; a send's read leaves them out). */
  Partial<Pick<Tables['groups'], 'addOpt' | 'approveOpt'>>;
export type MemberRow = Omit<Tables['groupMembers'], 'nameCard' | 'customInfo' | 'joinHead' | 'joinNo'>;

/** A member's fields setGroupMemberInfo changes (customInfo: the keys to merge into the stored ones). */
export interface MemberInfo {
  nameCard: string | null;
  customInfo: Record<string, string>;
}

/** What a group's type means to storage (the flags of src/resolvers/group-type.ts, given to the store at open). */
export interface GroupRules {
  /** Members see the messages from before they joined (Meeting). */
  seesEarlierHistory(groupType: string): boolean;
  /** Messages count as unread (not in Meeting groups). */
  countsUnread(groupType: string): boolean;
  /** Messages sent with needReadReceipt take read receipts (not in Community or AVChatRoom groups). */
  readReceipts(groupType: string): boolean;
}

export const DEFAULT_GROUP_RULES: GroupRules = {
  seesEarlierHistory: () => false,
  countsUnread: () => true,
  readReceipts: () => true,
};

/** The key of a C2C pair's history, the same from both sides. */
export const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** `group_<groupID>` or `c2c_<peer>` as `viewer` sees the message (im-semantics §8). */
export const conversationIdOf = (viewer: string, row: Pick<MessageRow, 'groupId' | 'sender' | 'receiver'>) =>
  row.groupId !== null ? `group_${row.groupId}` : `c2c_${row.sender === viewer ? row.receiver : row.sender}`;

/**
 * Who a stored message is for, besides the group's members: the C2C pair, or a targeted message's sender and
 * receivers; null for a broadcast (the group's members at the time).
 */
export const audienceOf = (
  row: Pick<MessageRow, 'groupId' | 'sender' | 'receiver' | 'targeted' | 'targets'>,
): string[] | null =>
  row.groupId === null
    ? [row.sender, row.receiver!]
    : row.targeted
      ? [...new Set([row.sender, ...(row.targets ?? [])])]
      : null;

/** A user's stored profile (V2TimUserFullInfo). */
export interface UserProfile {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
  selfSignature: string | null;
  gender: number;
  customInfo: Record<string, string>;
}

/** The fields setSelfInfo changes; customInfo's keys are merged into the stored ones. */
export type ProfileChange = Partial<Omit<UserProfile, 'userID'>>;

/** A profile after setSelfInfo, with those who share something with its user: the groups they are in and the
 *  peers of their C2C conversations (visibleProfiles' rule, as the user's own rows state it). */
export interface ProfileChanged {
  profile: UserProfile;
  groupIds: string[];
  peers: string[];
}

/** A change of custom fields refused, nothing changed: the stored keys with the change's merged in would number
 *  `keys`, more than the write's `maxKeys` (counted under the row's lock, so two changes at once cannot both pass). */
export interface TooManyKeys {
  outcome: 'too-many-keys';
  keys: number;
}

/** setSelfInfo's change: the profile as stored and who may see it change (its live event's audience). */
export type ProfileOutcome = { outcome: 'ok'; changed: ProfileChanged } | TooManyKeys;

/** A change of a group's profile or a member's fields; 'missing': no such group, or not a member. */
export type InfoOutcome = { outcome: 'ok' | 'missing' } | TooManyKeys;

export interface UserStore {
  /** Creates the account on its first valid login; cheap when it exists. */
  ensure(userID: string, now: number): Promise<void>;
  /** Changes the profile, its customInfo within `maxKeys` keys. */
  setProfile(userID: string, change: ProfileChange, now: number, maxKeys: number): Promise<ProfileOutcome>;
  /** The stored profiles of these users, in one statement: for users a read has already shown the viewer (a
   * message's sender, a fellow member, a C2C peer). Users without a row are left out. */
  profiles(userIDs: readonly string[]): Promise<Map<string, UserProfile>>;
  /** The profiles of these users that `viewer` may see: their own, and those of users who share a group or a C2C
   * conversation with them (one statement). */
  visibleProfiles(viewer: string, userIDs: readonly string[]): Promise<Map<string, UserProfile>>;
  /** visibleProfiles for each of `viewers` at once, by viewer, in one statement (a live event's subscribers). */
  visibleProfilesBy(
    viewers: readonly string[],
    userIDs: readonly string[],
  ): Promise<Map<string, Map<string, UserProfile>>>;
}

export interface NewMember {
  userID: string;
  role: number;
}

export type JoinOutcome = 'ok' | 'missing' | 'already' | 'full';

export interface JoinedGroup {
  group: GroupRow;
  role: number;
  memberCount: number;
}

/** The group profile fields of getGroupsInfo / setGroupInfo. */
export interface GroupProfile {
  groupName: string;
  notification: string | null;
  introduction: string | null;
  faceUrl: string | null;
  isAllMuted: boolean;
  /** V2TIMGroupAddOpt for joinGroup and for invitations; null: the group type's default. */
  addOpt: number | null;
  approveOpt: number | null;
  /** The group's custom fields; in a change, the keys to merge into the stored ones. */
  customInfo: Record<string, string>;
}

/** A group application as stored (V2TIMGroupApplication), with the applicant's (fromUser's) profile. */
export interface ApplicationRow {
  appNo: number;
  groupId: string;
  fromUser: string;
  /** The invitee of an invitation; '' for a join request. */
  toUser: string;
  type: number;
  requestMsg: string | null;
  addTime: number;
  handledBy: string | null;
  handleResult: number | null;
  handledMsg: string | null;
  fromUserNickName: string | null;
  fromUserFaceUrl: string | null;
}

/** What names one application, as the SDK passes it back to accept or refuse it. */
export interface ApplicationKey {
  groupID: string;
  fromUser: string;
  toUser: string;
  type: number;
}

export type ApplyOutcome = 'ok' | 'missing' | 'already' | 'full';
/** 'forbidden': `by` is not the group's owner or an admin; 'none': no such application; 'handled': answered before. */
export type HandleOutcome = JoinOutcome | 'forbidden' | 'none' | 'handled';

/** Join requests and invitations (./group-applications.ts), part of the group store. */
export interface GroupApplicationStore {
  /** Files (or files again, replacing the earlier one) an application, unless the user it would add is a member
   *  already or the group is full (`cap`), under the group's lock. */
  apply(key: ApplicationKey, requestMsg: string | null, now: number, cap: number): Promise<ApplyOutcome>;
  /** The newest `limit` applications to the groups `viewer` owns or administers, and how many of them wait unread. */
  applications(viewer: string, limit: number): Promise<{ list: ApplicationRow[]; unreadCount: number }>;
  /** Accepts (adding the user as joinGroup does, within `cap`) or refuses a waiting application, atomically, if
   *  `by` is the group's owner or an admin. An accept whose user became a member meanwhile closes it: 'already'. */
  handle(
    key: ApplicationKey,
    by: string,
    accept: boolean,
    handledMsg: string | null,
    now: number,
    cap: number,
  ): Promise<HandleOutcome>;
  /** The group's owner and admins: who is told of a new application (one statement). */
  handlers(groupID: string): Promise<string[]>;
  /** Marks every application so far read for `viewer`. */
  markApplicationsRead(viewer: string): Promise<void>;
}

export interface GroupStore extends GroupApplicationStore {
  /** The profiles of these groups (the missing ones left out) with type, owner, member count and `viewer`'s role
   * (0: not a member), in one statement. */
  profiles(
    groupIDs: readonly string[],
    viewer: string,
  ): Promise<Map<string, GroupProfile & { groupType: string; owner: string; memberCount: number; role: number }>>;
  /** Changes the given profile fields, customInfo within `maxKeys` keys. */
  setProfile(groupID: string, change: Partial<GroupProfile>, maxKeys: number): Promise<InfoOutcome>;
  /** Sets a member's role (200 or 300), unless they are the owner; false when they are not a member (or own it). */
  setRole(groupID: string, userID: string, role: number): Promise<boolean>;
  /** These users' memberships of the group (non-members left out) with their name cards and custom fields, in one
   *  statement. */
  memberCards(groupID: string, userIDs: readonly string[]): Promise<Map<string, MemberRow & MemberInfo>>;
  /** Makes `to` (a member) the owner and `from` (the owner) a member, atomically; false when either is not so. */
  transferOwner(groupID: string, from: string, to: string): Promise<boolean>;
  /** False when the groupID is taken. */
  create(group: Omit<GroupRow, 'publicCount'>, members: NewMember[], now: number): Promise<boolean>;
  get(groupID: string): Promise<GroupRow | undefined>;
  member(groupID: string, userID: string): Promise<MemberRow | undefined>;
  /** Adds the users that are not members yet, all or none within `cap`; 'already' when every one was a member. */
  addMembers(groupID: string, userIDs: string[], role: number, now: number, cap: number): Promise<JoinOutcome>;
  removeMembers(groupID: string, userIDs: string[]): Promise<string[]>;
  /** Deletes the group and its messages: its members at that moment, and the blobs nobody holds any more. */
  dismiss(groupID: string): Promise<{ members: string[]; blobs: string[] }>;
  mute(groupID: string, userID: string, until: number): Promise<boolean>;
  joined(userID: string): Promise<JoinedGroup[]>;
  joinedIDs(userID: string): Promise<string[]>;
  members(groupID: string, offset: number, count: number): Promise<MemberRow[]>;
  /** The given users that are members of the group now. */
  membersAmong(groupID: string, userIDs: string[]): Promise<string[]>;
}

/** A stored message as one viewer sees it; `sender`: its sender's current nickName and faceUrl, where the read
 * brought them along (reads of stored messages do; a live event's views do not). */
export interface ViewedMessage {
  row: MessageRow;
  seq: number;
  isRead: boolean;
  sender?: Pick<UserProfile, 'nickName' | 'faceUrl'>;
  /** The viewer's own C2C message was read by its receiver (isPeerRead), where the read brought it along. */
  peerRead?: boolean;
}

export interface NewMessage {
  msgId: string;
  createId: string;
  sender: string;
  receiver: string | null;
  groupId: string | null;
  /** Sender + receivers for a targeted message; null for a broadcast or C2C. */
  audience: string[] | null;
  targets: string[] | null;
  /**
   * The draft's receiverList as the send read it (null: not targeted). The draft is consumed only if it still has
   * exactly this list: a createTargetedGroupMessage that lands between the read and the send's transaction must
   * not let the send go out to the audience it computed from the untargeted draft (the send answers draft-missing).
   */
  draftTargets: string[] | null;
  elemType: number;
  body: MsgBody;
  atUsers: string[] | null;
  priority: number;
  excludedUnread: boolean;
  excludedLast: boolean;
  needReadReceipt: boolean;
  cloudCustomData: string | null;
  localCustomData: string | null;
  random: number;
  timestamp: number;
}

export interface HistoryQuery {
  /** The group, or the C2C peer. */
  groupID: string | null;
  peer: string | null;
  /** Older: newest first, below `from`; newer: oldest first, above it. */
  newer: boolean;
  /** The anchor's order (none: from the newest, or for newer from the oldest). */
  from: number | null;
  /** Whether the anchor itself is part of the page (a seq anchor is; a message anchor is not). */
  inclusive: boolean;
  count: number;
  /** getTimeBegin/getTimePeriod as a timestamp range (inclusive), or null. */
  timeFrom: number | null;
  timeTo: number | null;
}

export interface ResumePage {
  messages: ViewedMessage[];
  through: number;
  done: boolean;
}

export type SendOutcome =
  | {
      ok: true;
      message: ViewedMessage;
      /** sendOnline only: the blobs the consumed draft held that nothing holds any more (the caller deletes their
       *  bytes; the message is never stored, so never downloadable). */
      blobs?: string[];
    }
  | { ok: false; reason: 'group-missing' | 'not-member' | 'muted' | 'receiver-not-member' | 'draft-missing' };

/** What a send checks before its transaction: the draft, and for a group send the group and the sender's membership. */
export interface SendCheck {
  draft: DraftRow;
  group: GroupRow | undefined;
  member: MemberRow | undefined;
  /** The sender's nickName and faceUrl, for the send's answer. */
  sender: { nickName: string | null; faceUrl: string | null };
}

/** One reaction of a message as a viewer sees it (V2TIMMessageReaction; users as ids, profiles added above). */
export interface MessageReaction {
  reactionID: string;
  totalUserCount: number;
  reactedByMyself: boolean;
  /** The first users who reacted so, in order, up to the read's maxUsers. */
  userIDs: string[];
}

export type ReactionOutcome = 'ok' | 'already' | 'too-many-reactions' | 'too-many-users' | 'message-missing';

export interface ReactionStore {
  /** Adds `user` to the message's `reactionId`, within Tencent's limits (checked with the message locked). */
  addReaction(orderNo: number, reactionId: string, user: string): Promise<ReactionOutcome>;
  /** False when the user had not reacted so. */
  removeReaction(orderNo: number, reactionId: string, user: string): Promise<boolean>;
  /** The reactions of these messages (at most 20) with their first `maxUsers` users, in one statement; `viewer`
   *  null: as nobody in particular (reactedByMyself false), for a caller that works it out from all the users. */
  reactions(
    viewer: string | null,
    orderNos: readonly number[],
    maxUsers: number,
  ): Promise<Map<number, MessageReaction[]>>;
  /** A page of a reaction's users, in order of arrival. */
  reactionUsers(
    orderNo: number,
    reactionId: string,
    offset: number,
    count: number,
  ): Promise<{ userIDs: string[]; more: boolean }>;
}

/** A message's read-receipt state as one viewer asks for it (V2TIMMessageReceipt, and who may send one). */
export interface ReceiptState {
  orderNo: number;
  /** Who may send a receipt, fixed at send time: the C2C receiver, a targeted message's receivers, a broadcast's
   *  members then; never the sender. */
  audience: number;
  readCount: number;
  /** The viewer is in that audience. */
  inAudience: boolean;
  /** C2C: the receiver read it (a receipt, or the conversation read past it). */
  peerRead: boolean;
  /** When the latest receipt came (seconds; 0: none yet). */
  timestamp: number;
}

/** Read receipts (./receipts.ts): only messages sent with needReadReceipt, where receipts apply, have a state. */
export interface ReceiptStore {
  /** The states of these messages that have one, as `viewer` asks (one statement). */
  receipts(viewer: string, orderNos: readonly number[]): Promise<Map<number, ReceiptState>>;
  /** Records `reader`'s receipts (checked to be in each audience), once each: the orders read now for the first time. */
  sendReceipts(reader: string, orderNos: readonly number[], now: number): Promise<number[]>;
  /** A page of a message's readers in order of arrival, after position `after` (0: from the first). A position is
   *  the reader's arrival number at this message (1, 2, …), never its global row number: that would tell how many
   *  receipts the whole server took meanwhile. */
  readMembers(orderNo: number, after: number, count: number): Promise<MemberPage>;
  /** A page of a group message's audience who have not sent a receipt, after the position `after` answers for the
   *  numbering `epoch` (0: from the first; it may throw to refuse): a targeted message's receivers by userID (a
   *  position: the place in that list of at most 50, epoch 0), a broadcast's members in the order they joined (a
   *  position: the member's join_no, epoch the group's join_epoch). */
  unreadMembers(
    row: Pick<MessageRow, 'orderNo' | 'groupId' | 'sender' | 'targeted'>,
    after: (epoch: number) => number,
    count: number,
  ): Promise<MemberPage & { epoch: number }>;
}

/** The largest position a member page answers, what a nextSeq holds (src/resolvers/cursor.ts): a group's members
 *  are renumbered before a join_no would pass it (src/db/groups.ts). */
export const MAX_MEMBER_POSITION = 2 ** 22 - 1;

/** A keyset page: each page reads from its position on by an index, so a deep page costs what the first does. */
export interface MemberPage {
  userIDs: string[];
  /** The position to continue after, when there are more. */
  next: number | null;
}

/** What modifyMessage may change: the body's content and cloudCustomData. */
export type MessageContent = Pick<MessageRow, 'body' | 'cloudCustomData'>;

export interface MessageStore extends ReactionStore, ReceiptStore {
  /** Stores the draft with what it holds (its blobs, a merger's messages), in one unit of work. */
  createDraft(draft: DraftRow, holdings?: DraftHoldings): Promise<void>;
  /** The caller's live draft, or undefined (unknown, someone else's, or expired: all look the same). */
  draft(id: string, owner: string, now: number): Promise<DraftRow | undefined>;
  /**
   * Makes the caller's live draft a targeted one, replacing any receiverList it had (createTargetedGroupMessage
   * targets in place). False when there is no such live draft (unknown, someone else's, expired or already sent).
   */
  targetDraft(id: string, owner: string, now: number, receivers: string[]): Promise<boolean>;
  /**
   * appendMessage: the caller's live draft `appendId` joins the end of their live draft `baseId` and is gone. Both
   * are read under lock in the write, so no send, target or other append of either slips between the check and
   * the change; `combine` (the caller's rules) gives the base's new body, or throws to refuse, and then nothing
   * changes. 'missing': no such live draft of the caller's (unknown, someone else's, expired or sent), by its id.
   */
  appendDraft(
    baseId: string,
    appendId: string,
    owner: string,
    now: number,
    combine: (base: DraftRow, appended: DraftRow) => MsgBody,
  ): Promise<{ outcome: 'ok'; draft: DraftRow } | { outcome: 'missing'; id: string }>;
  /**
   * draft(), and when it exists and `groupID` is set, groups.get(groupID) and groups.member(groupID, owner) too,
   * and the owner's profile, in one read: a send asks them before its transaction (which checks group and
   * membership again).
   */
  draftToSend(id: string, owner: string, now: number, groupID: string | null): Promise<SendCheck | undefined>;
  /** The message already sent from this creation id by this sender, for idempotent retries. */
  sentFromDraft(createId: string, sender: string): Promise<ViewedMessage | undefined>;
  /** Stores the message, its audience and the conversations it touches, and consumes the draft, atomically. */
  send(msg: NewMessage, now: number): Promise<SendOutcome>;
  /** The same checks and draft consumption as send, but nothing is stored: the row has orderNo 0. What the draft
   *  held (its media_refs and merged messages, whatever its elements) is released in the same transaction. */
  sendOnline(msg: NewMessage, now: number): Promise<SendOutcome>;
  /** Deletes drafts past their expiry: how many, and the blobs no draft or message holds any more (to delete). */
  reclaimDrafts(now: number): Promise<{ drafts: number; blobs: string[] }>;
  /** The blobs among these that `uploader` uploaded (media_refs), for a create that reuses one by its uuid. */
  uploadsOf(uploader: string, blobIds: readonly string[]): Promise<Map<string, BlobRef>>;
  /** The blob as held by draft or message `holder` (its creation id), or undefined when it holds no such blob. */
  heldBlob(holder: string, blobId: string): Promise<BlobRef | undefined>;
  /** Every blob these holders hold (a forward or a merger holds its sources' blobs too), in one statement. */
  refsOf(holders: readonly string[]): Promise<BlobRef[]>;
  /** The blobs among these that no draft or message holds (bytes left behind: the media sweep deletes them). */
  unheldBlobs(blobIds: readonly string[]): Promise<string[]>;
  /** Mergers' merged messages, by the mergers' creation ids, in one statement. */
  mergedMessages(holders: readonly string[]): Promise<Map<string, MergedMessage[]>>;
  /** visible(), with a merger's merged messages, in one statement (downloadMergerMessage, a forward of a merger). */
  visibleWithMerged(
    viewer: string,
    msgId: string,
  ): Promise<{ message: ViewedMessage; merged: MergedMessage[] | undefined } | undefined>;
  /** The message if `viewer` may see it. */
  visible(viewer: string, msgId: string): Promise<ViewedMessage | undefined>;
  /** How each of `viewers` who may see this stored message sees it now, in one statement (a live event's audience
   *  check for all its local subscribers at once: a revoke, an edit, a reaction). */
  seenBy(viewers: readonly string[], msgId: string): Promise<Map<string, ViewedMessage>>;
  /** The ones of these messages `viewer` may see, in the order asked, in one statement. */
  find(viewer: string, msgIds: readonly string[]): Promise<ViewedMessage[]>;
  /** Newest first, before `beforeOrder` (exclusive). */
  groupHistory(viewer: string, groupID: string, beforeOrder: number, count: number): Promise<ViewedMessage[]>;
  c2cHistory(viewer: string, peer: string, beforeOrder: number, count: number): Promise<ViewedMessage[]>;
  /**
   * Oldest first, what `viewer` may see after `afterOrder`, across all conversations: one page of at most `limit`
   * from one ordered read of a bounded range of the message order, so a page costs the same however far back the
   * cursor is. Continue after `through`; `done` once the range reached the newest stored message.
   */
  after(viewer: string, afterOrder: number, limit: number): Promise<ResumePage>;
  /**
   * How each of `viewers` sees a message just stored, for those who may see it now (the others are left out):
   * one batch for all the local subscribers of a broadcast instead of a few queries each.
   */
  viewsFor(viewers: readonly string[], row: MessageRow): Promise<Map<string, ViewedMessage>>;
  revoke(orderNo: number, by: string, now: number): Promise<void>;
  /**
   * modifyMessage: replaces the element's content and cloudCustomData of `sender`'s message, if it is not revoked
   * and (unless `version` is null) still at `version`. The new version, or undefined when that did not hold.
   */
  modify(orderNo: number, sender: string, version: number | null, content: MessageContent): Promise<number | undefined>;
  /**
   * deleteMessages: hides these messages (all of `conversationID`, all visible to `viewer`) from the viewer's own
   * history, lowering their unread count by the unread ones and moving their lastMessage back when it is one of them.
   */
  hide(viewer: string, conversationID: string, msgIds: readonly string[], countsUnread: boolean): Promise<void>;
  /** getHistoryMessageList: one page of a conversation as `viewer` sees it (src/db/history.ts). */
  history(viewer: string, query: HistoryQuery): Promise<ViewedMessage[]>;
  /** The order of the group message `viewer` sees with this seq, or undefined. */
  orderOfSeq(viewer: string, groupID: string, seq: number): Promise<number | undefined>;
  lastOrder(): Promise<number>;
  /**
   * Stored messages with afterOrder < orderNo < beforeOrder, oldest first, at most `limit`, whoever sees them: the
   * Redis bus fills in from it when events from several processes arrive out of commit order.
   */
  between(afterOrder: number, beforeOrder: number, limit: number): Promise<MessageRow[]>;
}

export interface ConversationState {
  conversationID: string;
  userID: string | null;
  groupID: string | null;
  groupName: string | null;
  /** A C2C conversation's peer's nickName and faceUrl (null for groups). */
  peer: Pick<UserProfile, 'nickName' | 'faceUrl'> | null;
  unreadCount: number;
  lastMessage: ViewedMessage | null;
  isPinned: boolean;
  draftText: string | null;
  draftTimestamp: number | null;
  /** markConversation's bits. */
  markBits: number;
  recvOpt: number;
  /** The unread "@ me" / "@ all" messages (the latest of each), oldest first: the viewer's seq and V2TIMGroupAtType. */
  groupAtInfoList: { seq: number; atType: number }[];
}

/** Conversations by id, or all of one kind (cleanConversationUnreadMessageCount's "", "c2c", "group"). */
export type ConversationScope = { conversationIDs: readonly string[] } | { kind: 'all' | 'c2c' | 'group' };

/** The SDK's @-everyone marker in groupAtUserList. */
export const AT_ALL = '__kImSDK_MesssageAtALL__';

export interface ConversationStore {
  list(viewer: string): Promise<ConversationState[]>;
  get(viewer: string, conversationID: string): Promise<ConversationState | undefined>;
  /** get() for several viewers at once (a live event's subscribers): by viewer, one statement per conversation id
   *  (a group's event: one). Viewers without such a conversation are left out. */
  getMany(pairs: readonly { viewer: string; conversationID: string }[]): Promise<Map<string, ConversationState>>;
  totalUnread(viewer: string): Promise<number>;
  /** totalUnread() for several viewers, in one statement. */
  totalUnreadMany(viewers: readonly string[]): Promise<Map<string, number>>;
  /** Marks everything up to now read; false when the viewer has no such conversation. */
  markRead(viewer: string, conversationID: string): Promise<boolean>;
  /** markRead over a scope; how many conversations it read. */
  markReadIn(viewer: string, scope: ConversationScope): Promise<number>;
  // The viewer's own controls; each false when the viewer has no such conversation.
  pin(viewer: string, conversationID: string, pinned: boolean): Promise<boolean>;
  /** null clears the draft. */
  setDraft(viewer: string, conversationID: string, text: string | null, now: number): Promise<boolean>;
  /** Sets or clears one mark bit; the ids of the viewer's conversations among those given. */
  mark(viewer: string, conversationIDs: readonly string[], bit: number, enable: boolean): Promise<string[]>;
  /** Clears the viewer's history of it (and its unread and lastMessage) up to now. */
  clearHistory(viewer: string, conversationID: string): Promise<boolean>;
  /** clearHistory, and the conversation leaves the list until a newer message arrives. */
  remove(viewer: string, conversationID: string): Promise<boolean>;
  setGroupRecvOpt(viewer: string, groupID: string, opt: number): Promise<boolean>;
  /** Creates the C2C conversations that do not exist yet (out of the list until their first message). */
  setC2CRecvOpt(viewer: string, userIDs: readonly string[], opt: number): Promise<void>;
  recvOpts(viewer: string, conversationIDs: readonly string[]): Promise<Map<string, number>>;
}

export interface Store {
  users: UserStore;
  groups: GroupStore;
  messages: MessageStore;
  conversations: ConversationStore;
  /** Membership and profile changes together with their group tips message, each in one unit of work. */
  tips: GroupTipsStore;
  /** Answers when the database does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What any store method rejects with when the database cannot be reached (a reset, a restart, a refused or timed
 * out connection). The work may or may not have committed: the caller answers STORAGE_UNAVAILABLE, a retry is safe
 * (sends are idempotent by id), and the store reconnects by itself. `extensions` is what a GraphQL error built from
 * it carries (graphql-ws copies an error's own extensions into the error frame).
 */
export class StorageUnavailable extends Error {
  readonly extensions = { code: 'STORAGE_UNAVAILABLE', imCode: Code.STORAGE_UNAVAILABLE };
  constructor(cause: unknown) {
    super(defaultDesc[Code.STORAGE_UNAVAILABLE], { cause });
  }
}
