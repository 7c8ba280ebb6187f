// A reference model of im-semantics §3–§7, small enough to trust by reading: who is in which group, which
// messages exist, and what each user may see of them by every read path. The privacy property test runs the same
// random actions against the gateway and this model and compares what each user can observe.
//
// Time is the store's commit order: every stored message takes the next `at`; a join remembers the `at` of the
// last stored message (a member sees the group's messages after it; Meeting groups: all of them).

export type GroupType = 'Work' | 'Public' | 'Meeting' | 'Community' | 'AVChatRoom';

export const USERS = ['ann', 'bob', 'cat', 'dan'] as const;
export type User = (typeof USERS)[number];

export const SLOTS = [
  { id: 'work', type: 'Work' },
  { id: 'pub', type: 'Public' },
  { id: 'meet', type: 'Meeting' },
  { id: '@TGS#_comm', type: 'Community' },
  { id: 'av', type: 'AVChatRoom' },
] as const satisfies readonly { id: string; type: GroupType }[];
export type GroupID = (typeof SLOTS)[number]['id'];

const typeOf = (g: GroupID): GroupType => SLOTS.find((s) => s.id === g)!.type;
const joinable = (t: GroupType) => t !== 'Work';
/** joinGroup files an application instead of joining (groupAddOpt AUTH, a Public group's default). */
const needsApproval = (t: GroupType) => t === 'Public';
const targetable = (t: GroupType) => t !== 'Community' && t !== 'AVChatRoom';
const keepsHistory = (t: GroupType) => t !== 'AVChatRoom';
// Tencent's rules per type: a Work group's owner may quit and nobody dismisses it through the SDK, it has no
// admins, and only its owner kicks; nobody kicks in an AVChatRoom, which is created without members; Tencent
// reports no unread counts for Meeting groups.
const ownerQuits = (t: GroupType) => t === 'Work';
const dismissable = (t: GroupType) => t !== 'Work';
const countsUnread = (t: GroupType) => t !== 'Meeting';
/** needReadReceipt takes effect (Tencent: not in Community or AVChatRoom groups). */
const takesReceipts = (t: GroupType) => t !== 'Community' && t !== 'AVChatRoom';

/** The V2TIMGroupListener callback onGroupEvent reports for each tip type. */
const CALLBACK: Record<string, string> = {
  JOIN: 'onMemberEnter',
  INVITE: 'onMemberInvited',
  QUIT: 'onMemberLeave',
  KICKED: 'onMemberKicked',
  SET_ADMIN: 'onGrantAdministrator',
  CANCEL_ADMIN: 'onRevokeAdministrator',
  GROUP_INFO_CHANGE: 'onGroupInfoChanged',
  MEMBER_INFO_CHANGE: 'onMemberInfoChanged',
};

export const OWNER = 400;
export const ADMIN = 300;
export const MEMBER = 200;

interface Member {
  role: number;
  joinedAt: number;
  /** muteGroupMember with seconds > 0 (the runs are far shorter than any mute), until unmuted with 0. */
  muted: boolean;
  /** setGroupMemberInfo's nameCard; a member who joins again starts without one. */
  nameCard: string | null;
}
/** A join request (group application): Public groups need an owner's or admin's approval (Tencent's default). */
interface Application {
  from: User;
  /** Order of arrival across all groups: the list is newest first, and read marks compare it. */
  no: number;
  handledBy: User | null;
  accepted: boolean;
}
interface Group {
  type: GroupType;
  gen: number;
  /** setGroupInfo isAllMuted: only the owner and admins send. */
  allMuted: boolean;
  members: Map<User, Member>;
  applications: Application[];
}

/** A file or picture message's content: the bytes uploaded, and the blobs the gateway made of them (a picture's
 *  original, thumbnail and large version, in that order), as the upload's answer named them. */
export interface MediaContent {
  kind: 'file' | 'image';
  bytes: Buffer;
  /** A file's name; null for a picture. */
  fileName: string | null;
  blobs: { uuid: string; size: number }[];
}

/** One message inside a merger, as downloadMergerMessage answers it: its sender and content, nothing of where it was. */
export interface MergedCopy {
  sender: User;
  /** A text message's text (as it read when merged); null for a merger or media inside the merger. */
  text: string | null;
  /** A merger inside the merger: its title; null for a text. */
  title: string | null;
  /** A file or picture inside the merger: downloadable under the merger, by whoever may download the merger. */
  media: MediaContent | null;
}

export interface ModelMessage {
  /** A text message's text; a media message's caption (appendMessage), or ''; '' for a merger. */
  text: string;
  /** A merger message (createMergerMessage, or a forward of one): its title and the copies it holds. */
  merger?: { title: string; copies: MergedCopy[] };
  /** A file or picture message (or a forward of one, which holds the same blobs). */
  media?: MediaContent;
  /** The text as sent, before any modifyMessage (what localCustomData was made from). */
  sentText?: string;
  msgID: string;
  sender: User;
  group: GroupID | null;
  /** Which incarnation of the group (a dismissed groupID can be created again). */
  gen: number;
  receiver: User | null;
  /** Receivers of a targeted message, as the sender listed them; null for a broadcast or C2C. */
  targets: User[] | null;
  /** Sender + targets for a targeted message; null = the whole group. */
  audience: Set<User> | null;
  stored: boolean;
  at: number;
  excludedUnread: boolean;
  excludedLast: boolean;
  revoked: boolean;
  /** A group tips message: its V2TIMGroupTipsType name, operator (the sender) and the members it names. */
  tip: { type: string; members: User[] } | null;
  /** Sent with needReadReceipt where receipts apply: the audience size fixed at send, and who sent one. */
  receipt?: { size: number; readers: User[] };
}

export type Target =
  | { kind: 'group'; g: GroupID }
  | { kind: 'targeted'; g: GroupID; receivers: User[]; narrow: User | null }
  | { kind: 'single'; g: GroupID; receiver: User }
  | { kind: 'c2c'; peer: User };

export interface SendOptions {
  onlineUserOnly: boolean;
  isExcludedFromUnreadCount: boolean | null;
  isExcludedFromLastMessage: boolean;
  needReadReceipt?: boolean;
}

export interface ExpectedConversation {
  unreadCount: number;
  isPinned: boolean;
  lastMessage: { msgID: string; seq: string; status: string } | null;
}

export class Model {
  readonly groups = new Map<GroupID, Group>();
  readonly messages: ModelMessage[] = [];
  /** Every message event each user's onRecvNewMessage subscription must get, in order (msgIDs). */
  readonly delivered = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every revoke event each user's onRecvMessageRevoked subscription must get, in order (msgIDs). */
  readonly revokeEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every edit event each user's onRecvMessageModified subscription must get, in order (msgIDs). */
  readonly modifyEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every receipt event each user's onRecvMessageReadReceipts subscription must get, in order (msgIDs). */
  readonly receiptEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every onRecvMessageReactionsChanged event each user must get (messageIDs): one per change of a message's
   *  reactions (an add, or a remove of a reaction that was there), to everyone who may see it at that moment. */
  readonly reactionEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every onUserInfoChanged event each user must get (`userID nickName`): the changer's fellow members and C2C
   *  peers at that moment, never himself. */
  readonly profileEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Every onGroupEvent each user must get: the callback of each tip of a group he is in (a leaver's own quit or
   *  kick too), and onGroupDismissed for the members at the dismissal. Rendered by `groupEventsOf`. */
  private readonly groupEvents = new Map<
    User,
    { type: string; g: GroupID; tip: ModelMessage | null; members: User[]; op: User | null }[]
  >(USERS.map((u) => [u, []]));
  /** onReceiveJoinApplication (`groupID applicant`) to the owner and admins at the request. */
  readonly applicationEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** onApplicationProcessed (`groupID isAgreeJoin opUser`) to the applicant, once the request is answered. */
  readonly processedEvents = new Map<User, string[]>(USERS.map((u) => [u, []]));
  /** Users whose onRecvNewMessage subscription is open (the others resume from their last cursor later). */
  private readonly online = new Set<User>(USERS);
  /** The `at` of the last stored message each user's subscription delivered: its resume cursor. */
  private readonly cursor = new Map<User, number>();
  private lastAt = 0;
  /** Bumped by every change: a step that changed nothing here (a refusal) need not be re-checked at once. */
  changes = 0;
  private gens = 0;
  private applicationNo = 0;
  /** setGroupApplicationRead marks: user → the application number read up to. */
  private readonly applicationRead = new Map<User, number>();
  /** Conversation read marks: user → conversationID → at. */
  private readonly read = new Map<User, Map<string, number>>(USERS.map((u) => [u, new Map()]));
  /** C2C conversations that exist, as `${user}>${peer}`. */
  private readonly c2c = new Set<string>();
  /** Each user's nickName, as setSelfInfo left it. */
  readonly nickNames = new Map<User, string>();
  /** deleteMessages: the msgIDs each user deleted from their own history. */
  private readonly hidden = new Map<User, Set<string>>(USERS.map((u) => [u, new Set()]));
  /** clear…HistoryMessage / deleteConversation: user → conversationID → the `at` their history starts after. */
  private readonly cleared = new Map<User, Map<string, number>>(USERS.map((u) => [u, new Map()]));
  /** deleteConversation: out of the list until a newer message. */
  private readonly removed = new Map<User, Set<string>>(USERS.map((u) => [u, new Set()]));
  private readonly pinned = new Map<User, Set<string>>(USERS.map((u) => [u, new Set()]));

  // ---- group operations: each returns the code the gateway must answer, and applies the change on 0 ----

  create(by: User, g: GroupID, members: { userID: User; role: number }[]): number {
    if (this.groups.has(g)) return 10021;
    const type = typeOf(g);
    if (type === 'AVChatRoom' && members.length > 0) return 10004;
    if (type === 'Work' && members.some((m) => m.role !== MEMBER)) return 10004;
    const group: Group = {
      type: typeOf(g),
      gen: ++this.gens,
      allMuted: false,
      members: new Map(),
      applications: [],
    };
    this.groups.set(g, group);
    this.admit(g, by, OWNER);
    for (const m of members) if (m.userID !== by) this.admit(g, m.userID, m.role);
    return 0;
  }

  join(u: User, g: GroupID): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if (!joinable(group.type)) return 10007;
    if (group.members.has(u)) return 10013;
    if (needsApproval(group.type)) {
      // Asking again replaces the earlier application: it is the newest, and waits again.
      group.applications = group.applications.filter((a) => a.from !== u);
      group.applications.push({ from: u, no: ++this.applicationNo, handledBy: null, accepted: false });
      for (const [p, m] of group.members) if (m.role >= ADMIN) this.applicationEvents.get(p)!.push(`${g} ${u}`);
      this.changes++;
      return 0;
    }
    this.admit(g, u, MEMBER);
    this.tip(u, g, 'JOIN', [u]); // after the join: the joiner is in its audience
    return 0;
  }

  /** acceptGroupApplication / refuseGroupApplication of `from`'s join request, by `by`. */
  handle(by: User, g: GroupID, from: User, accept: boolean): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if ((group.members.get(by)?.role ?? 0) < ADMIN) return 10007;
    const a = group.applications.find((x) => x.from === from);
    if (!a) return 10004;
    if (a.handledBy !== null) return 10024;
    a.handledBy = by;
    a.accepted = accept;
    this.changes++;
    // Answered, also when the applicant joined otherwise meanwhile (10013): he hears of it.
    this.processedEvents.get(from)!.push(`${g} ${accept} ${by}`);
    if (!accept) return 0;
    if (group.members.has(from)) return 10013; // joined otherwise meanwhile: closed
    this.admit(g, from, MEMBER);
    this.tip(from, g, 'JOIN', [from]); // the applicant's join, as joinGroup's
    return 0;
  }

  /** setGroupApplicationRead: everything filed so far is read for `u`. */
  markApplicationsRead(u: User): void {
    const all = [...this.groups.values()].flatMap((x) => x.applications.map((a) => a.no));
    this.applicationRead.set(u, all.length === 0 ? 0 : Math.max(...all));
    this.changes++;
  }

  /** getGroupApplicationList as `u` must see it: the applications of the groups `u` owns or administers. */
  applicationList(u: User) {
    const mark = this.applicationRead.get(u) ?? 0;
    const list = [...this.groups.entries()]
      .filter(([, x]) => (x.members.get(u)?.role ?? 0) >= ADMIN)
      .flatMap(([g, x]) => x.applications.map((a) => ({ g, a })))
      .sort((p, q) => q.a.no - p.a.no);
    return {
      unreadCount: list.filter(({ a }) => a.handledBy === null && a.no > mark).length,
      groupApplicationList: list.map(({ g, a }) => ({
        groupID: g,
        fromUser: a.from,
        handleStatus:
          a.handledBy === null
            ? 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED'
            : a.handledBy === u
              ? 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_SELF'
              : 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_OTHER',
        handleResult: a.accepted
          ? 'V2TIM_GROUP_APPLICATION_HANDLE_RESULT_AGREE'
          : 'V2TIM_GROUP_APPLICATION_HANDLE_RESULT_REFUSE',
      })),
    };
  }

  quit(u: User, g: GroupID): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    const me = group.members.get(u);
    if (!me) return 10007;
    if (me.role === OWNER && !ownerQuits(group.type)) return 10009;
    this.tip(u, g, 'QUIT', [u]); // before the removal: the quitter is in its audience
    this.leave(g, u); // a Work group goes on without an owner
    return 0;
  }

  invite(by: User, g: GroupID, target: User): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    const me = group.members.get(by);
    if (!me) return 10007;
    if (group.type === 'AVChatRoom') return 10007;
    if (group.type !== 'Work' && me.role < ADMIN) return 10007;
    if (group.members.has(target)) return 10013;
    this.admit(g, target, MEMBER);
    this.tip(by, g, 'INVITE', [target]);
    return 0;
  }

  kick(by: User, g: GroupID, target: User): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if (group.type === 'AVChatRoom') return 10007;
    const me = group.members.get(by);
    if (!me || me.role < (group.type === 'Work' ? OWNER : ADMIN)) return 10007;
    const them = group.members.get(target);
    if (them && them.role >= me.role) return 10007;
    if (!them) return 10004;
    this.tip(by, g, 'KICKED', [target]);
    this.leave(g, target);
    return 0;
  }

  /** setGroupMemberRole: the owner makes a member an admin or back; no admins in Work groups. Roles move no message. */
  setRole(by: User, g: GroupID, target: User, role: number): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if (group.type === 'Work') return 10007;
    if (group.members.get(by)?.role !== OWNER) return 10007;
    const them = group.members.get(target);
    if (!them || them.role === OWNER) return 10004;
    them.role = role;
    this.changes++;
    this.tip(by, g, role === ADMIN ? 'SET_ADMIN' : 'CANCEL_ADMIN', [target]);
    return 0;
  }

  /**
   * setGroupInfo of one field (groupName, notification, a customInfo key, or isAllMuted): any member of a Work group,
   * the owner and admins elsewhere; mute-all only by the owner and admins, never in Work groups.
   */
  setInfo(
    by: User,
    g: GroupID,
    field: 'groupName' | 'notification' | 'customInfo' | 'isAllMuted',
    on: boolean,
  ): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    const me = group.members.get(by);
    if (!me) return 10007;
    if (group.type !== 'Work' && me.role < ADMIN) return 10007;
    if (field === 'isAllMuted') {
      if (group.type === 'Work' || me.role < ADMIN) return 10007;
      group.allMuted = on;
    }
    this.changes++;
    this.tip(by, g, 'GROUP_INFO_CHANGE', []);
    return 0;
  }

  /** setGroupMemberInfo(nameCard): one's own, or as owner or admin that of a member below. */
  setNameCard(by: User, g: GroupID, target: User, nameCard: string): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    const me = group.members.get(by);
    if (!me) return 10007;
    const them = group.members.get(target);
    if (!them) return 10004;
    if (target !== by && (me.role < ADMIN || them.role >= me.role)) return 10007;
    them.nameCard = nameCard;
    this.changes++;
    this.tip(by, g, 'MEMBER_INFO_CHANGE', [target]);
    return 0;
  }

  /** muteGroupMember: the owner and admins mute (seconds > 0) or unmute (0) a member below them; not in Work groups. */
  mute(by: User, g: GroupID, target: User, seconds: number): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if (group.type === 'Work') return 10007;
    const me = group.members.get(by);
    if (!me || me.role < ADMIN) return 10007;
    const them = group.members.get(target);
    if (!them) return 10004;
    if (them.role >= me.role) return 10007;
    them.muted = seconds > 0;
    this.changes++;
    this.tip(by, g, 'MEMBER_INFO_CHANGE', [target]);
    return 0;
  }

  /** getGroupMembersInfo(g, USERS) as `u` must see it: members only, in the order asked, with name card and mute. */
  membersInfo(u: User, g: GroupID, asked: readonly User[]) {
    const group = this.groups.get(g);
    if (!group) return { code: 10010, data: null };
    if (!group.members.has(u)) return { code: 10007, data: null };
    return {
      code: 0,
      data: asked.flatMap((p) => {
        const m = group.members.get(p);
        return m ? [{ userID: p, nameCard: m.nameCard, muted: m.muted }] : [];
      }),
    };
  }

  dismiss(by: User, g: GroupID): number {
    const group = this.groups.get(g);
    if (!group) return 10010;
    if (!dismissable(group.type)) return 10007;
    const me = group.members.get(by);
    if (!me || me.role !== OWNER) return 10007;
    for (const u of group.members.keys())
      this.groupEvents.get(u)!.push({ type: 'onGroupDismissed', g, tip: null, members: [], op: by });
    for (const u of [...group.members.keys()]) this.leave(g, u);
    this.groups.delete(g);
    return 0;
  }

  members(g: GroupID): User[] {
    return [...(this.groups.get(g)?.members.keys() ?? [])];
  }

  owner(g: GroupID): User | undefined {
    return [...(this.groups.get(g)?.members ?? [])].find(([, m]) => m.role === OWNER)?.[0];
  }

  private admit(g: GroupID, u: User, role: number) {
    this.changes++;
    this.groups.get(g)!.members.set(u, { role, joinedAt: this.lastAt, muted: false, nameCard: null });
    this.read.get(u)!.set(`group_${g}`, this.lastAt);
  }

  private leave(g: GroupID, u: User) {
    this.changes++;
    this.groups.get(g)!.members.delete(u);
    // The conversation goes, and its controls with it; deleted messages stay deleted.
    for (const state of [this.read, this.cleared]) state.get(u)!.delete(`group_${g}`);
    for (const state of [this.removed, this.pinned]) state.get(u)!.delete(`group_${g}`);
  }

  // ---- group tips: a broadcast by the operator to the members at that moment, not unread, can be lastMessage ----

  /** Tips recorded whose msgID the gateway has not told yet (placeholders in `messages` and `delivered`). */
  private readonly unnamed: ModelMessage[] = [];

  private tip(by: User, g: GroupID, type: string, members: User[]) {
    const group = this.groups.get(g)!;
    const stored = keepsHistory(group.type);
    const m: ModelMessage = {
      text: '',
      msgID: `(tip ${this.messages.length})`,
      sender: by,
      group: g,
      gen: group.gen,
      receiver: null,
      targets: null,
      audience: null,
      stored,
      at: stored ? ++this.lastAt : 0,
      excludedUnread: true,
      excludedLast: false,
      revoked: false,
      tip: { type, members },
    };
    this.messages.push(m);
    this.unnamed.push(m);
    this.changes++;
    for (const u of group.members.keys()) if (this.online.has(u)) this.deliver(u, m);
    // onMemberEnter names no operator: its joiners are memberList (a quit's is the quitter).
    const op = type === 'JOIN' ? null : by;
    for (const u of group.members.keys())
      this.groupEvents.get(u)!.push({ type: CALLBACK[type]!, g, tip: m, members, op });
  }

  /** `u`'s onGroupEvent events as `type groupID msgID members opUser` (- for none). */
  groupEventsOf(u: User): string[] {
    return this.groupEvents
      .get(u)!
      .map((e) => `${e.type} ${e.g} ${e.tip?.msgID ?? '-'} ${e.members.join(',') || '-'} ${e.op ?? '-'}`);
  }

  /** The number of `u`'s onGroupEvent events so far. */
  groupEventCount(u: User): number {
    return this.groupEvents.get(u)!.length;
  }

  /** Forgets every event recorded so far (those made before the subscriptions opened). */
  clearEvents(): void {
    for (const lists of [
      this.delivered,
      this.revokeEvents,
      this.modifyEvents,
      this.receiptEvents,
      this.reactionEvents,
      this.profileEvents,
      this.groupEvents,
      this.applicationEvents,
      this.processedEvents,
    ] as Map<User, unknown[]>[])
      for (const list of lists.values()) list.length = 0;
  }

  /** The msgIDs of the tips the gateway made, in order: they must be exactly the ones recorded since. */
  nameTips(msgIDs: string[]): void {
    const pending = this.unnamed.splice(0);
    if (pending.length !== msgIDs.length)
      throw new Error(`the gateway made ${msgIDs.length} group tips, the model ${pending.length}`);
    pending.forEach((m, i) => {
      const placeholder = m.msgID;
      m.msgID = msgIDs[i]!;
      for (const list of this.delivered.values()) list.forEach((id, k) => id === placeholder && (list[k] = m.msgID));
    });
  }

  // ---- messages ----

  /** The code sendMessage must answer for this target (the targeted draft is always created with code 0). */
  sendCode(by: User, to: Target, options: SendOptions): number {
    if (to.kind === 'c2c') return to.peer === by ? 6032 : 0;
    if (to.kind === 'targeted' && to.narrow !== null && !to.receivers.includes(to.narrow)) return 6032;
    const group = this.groups.get(to.g);
    if (!group) return 10010;
    const targeted = to.kind !== 'group';
    if (targeted && !targetable(group.type)) return 10007;
    if (options.onlineUserOnly && group.type === 'AVChatRoom') return 10007;
    const me = group.members.get(by);
    if (!me) return 10007;
    if (me.muted || (group.allMuted && me.role < ADMIN)) return 10017;
    const targets = this.targetsOf(to);
    if (targets && targets.some((t) => !group.members.has(t))) return 6032;
    return 0;
  }

  private targetsOf(to: Target): User[] | null {
    if (to.kind === 'targeted') return to.narrow !== null ? [to.narrow] : [...new Set(to.receivers)];
    if (to.kind === 'single') return [to.receiver];
    return null;
  }

  /** Records a message the gateway accepted (code 0) and who must be woken for it. */
  sent(
    by: User,
    to: Target,
    options: SendOptions,
    text: string,
    msgID: string,
    content: Pick<ModelMessage, 'merger' | 'media'> = {},
  ): ModelMessage {
    const targets = this.targetsOf(to);
    const group = to.kind === 'c2c' ? null : this.groups.get(to.g)!;
    const stored = !options.onlineUserOnly && (group === null || keepsHistory(group.type));
    const m: ModelMessage = {
      text,
      msgID,
      sender: by,
      group: to.kind === 'c2c' ? null : to.g,
      gen: group?.gen ?? 0,
      receiver: to.kind === 'c2c' ? to.peer : null,
      targets,
      audience: targets ? new Set([by, ...targets]) : null,
      stored,
      at: stored ? ++this.lastAt : 0,
      excludedUnread: targets
        ? options.isExcludedFromUnreadCount !== false
        : options.isExcludedFromUnreadCount === true,
      excludedLast: options.isExcludedFromLastMessage,
      revoked: false,
      tip: null,
      ...(content.merger ? { merger: content.merger } : {}),
      ...(content.media ? { media: content.media } : {}),
    };
    if (options.needReadReceipt && stored && (group === null || takesReceipts(group.type)))
      m.receipt = {
        // The C2C receiver; a targeted message's receivers; the group's members now; never the sender.
        size: m.group === null ? 1 : targets ? new Set(targets.filter((t) => t !== by)).size : group!.members.size - 1,
        readers: [],
      };
    this.messages.push(m);
    this.changes++;
    for (const u of USERS) {
      const hears =
        m.group === null
          ? u === m.sender || u === m.receiver
          : group!.members.has(u) && (m.audience === null || m.audience.has(u));
      if (hears && this.online.has(u)) this.deliver(u, m);
    }
    if (stored) {
      // Sending reads the sender's conversation up to its own message; a C2C peer's conversation opens.
      if (m.group !== null) this.read.get(by)!.set(`group_${m.group}`, m.at);
      else {
        this.read.get(by)!.set(`c2c_${m.receiver}`, m.at);
        this.c2c.add(`${by}>${m.receiver}`);
        if (!this.c2c.has(`${m.receiver}>${by}`)) {
          this.c2c.add(`${m.receiver}>${by}`);
          this.read.get(m.receiver!)!.set(`c2c_${by}`, 0);
        }
      }
    }
    return m;
  }

  private deliver(u: User, m: ModelMessage) {
    this.delivered.get(u)!.push(m.msgID);
    if (m.stored) this.cursor.set(u, m.at);
  }

  /** The user's onRecvNewMessage subscription closes. */
  goOffline(u: User) {
    this.changes++;
    this.online.delete(u);
  }

  /**
   * It subscribes again with afterCursor = the last cursor it got (none: a fresh subscription). It gets every stored
   * message after it that it may see now, in order; online-only ones sent meanwhile are gone. Returns whether a
   * cursor was used.
   */
  goOnline(u: User): boolean {
    this.changes++;
    const from = this.cursor.get(u);
    if (from !== undefined) for (const m of this.messages) if (m.at > from && this.visible(u, m)) this.deliver(u, m);
    this.online.add(u);
    return from !== undefined;
  }

  isOnline(u: User): boolean {
    return this.online.has(u);
  }

  revokeCode(by: User, m: ModelMessage): number {
    if (!this.visible(by, m)) return 10030;
    if (m.revoked) return 0;
    if (m.tip) return 10007; // nobody revokes a group tip
    if (m.sender === by) return 0;
    const me = m.group !== null ? this.groups.get(m.group)!.members.get(by) : undefined;
    return me && me.role >= ADMIN ? 0 : 10007;
  }

  revoked(m: ModelMessage) {
    if (m.revoked) return;
    this.changes++;
    for (const u of USERS) if (this.visible(u, m)) this.revokeEvents.get(u)!.push(m.msgID);
    m.revoked = true;
  }

  /** sendMessageReadReceipts([m]) by `u`: the code, and on 0 the receipt recorded (once) and its sender told. */
  receiptCode(u: User, m: ModelMessage): number {
    if (!this.visible(u, m)) return 6017;
    if (m.sender === u) return 10007;
    if (!m.receipt) return 6017;
    // A broadcast's audience: the members when it was sent (a Meeting member sees older ones, but was not asked).
    if (m.group !== null && m.audience === null && !(this.groups.get(m.group)!.members.get(u)!.joinedAt < m.at))
      return 10007;
    if (!m.receipt.readers.includes(u)) {
      this.changes++;
      m.receipt.readers.push(u);
      if (this.visible(m.sender, m)) this.receiptEvents.get(m.sender)!.push(m.msgID);
    }
    return 0;
  }

  /** A C2C message's receiver has read it: a receipt, or their conversation read past it (isPeerRead). */
  peerRead(m: ModelMessage): boolean {
    return (m.receipt?.readers.length ?? 0) > 0 || (this.read.get(m.receiver!)!.get(`c2c_${m.sender}`) ?? 0) >= m.at;
  }

  /** getMessageReadReceipts([m]) as `u` must see it. */
  receiptOf(u: User, m: ModelMessage) {
    if (!this.visible(u, m) || !m.receipt) return { resultCode: 6017, readCount: 0, unreadCount: 0, isPeerRead: null };
    if (m.group === null) {
      const read = this.peerRead(m);
      return { resultCode: 0, readCount: read ? 1 : 0, unreadCount: read ? 0 : 1, isPeerRead: read };
    }
    const readCount = m.receipt.readers.length;
    return { resultCode: 0, readCount, unreadCount: m.receipt.size - readCount, isPeerRead: null };
  }

  /** Reactions by msgID: each kind's users with their arrival number (the gateway's order of both). */
  readonly reactions = new Map<string, Map<string, { user: User; seq: number }[]>>();
  private reactionSeq = 0;

  reactCode(u: User, m: ModelMessage, reactionID: string, remove: boolean): number {
    if (!this.visible(u, m)) return 6017;
    if (remove) return 0;
    if (m.revoked) return 10007;
    return this.reactions
      .get(m.msgID)
      ?.get(reactionID)
      ?.some((x) => x.user === u)
      ? 23007
      : 0;
  }

  reacted(u: User, m: ModelMessage, reactionID: string, remove: boolean) {
    let kinds = this.reactions.get(m.msgID);
    if (!kinds) this.reactions.set(m.msgID, (kinds = new Map()));
    const before = kinds.get(reactionID) ?? [];
    const users = before.filter((x) => x.user !== u);
    if (!remove) users.push({ user: u, seq: ++this.reactionSeq });
    // Removing a reaction one never made changes nothing: no event.
    if (!remove || users.length < before.length) this.changes++;
    if (!remove || users.length < before.length)
      for (const p of USERS) if (this.visible(p, m)) this.reactionEvents.get(p)!.push(m.msgID);
    if (users.length > 0) kinds.set(reactionID, users);
    else kinds.delete(reactionID);
  }

  /** getMessageReactions as `u` must see it: kinds by their earliest remaining user, users in order. */
  reactionList(u: User, m: ModelMessage) {
    if (!this.visible(u, m)) return { resultCode: 6017, reactionList: [] };
    const kinds = [...(this.reactions.get(m.msgID) ?? new Map<string, { user: User; seq: number }[]>()).entries()]
      .map(([reactionID, users]) => ({ reactionID, users: [...users].sort((a, b) => a.seq - b.seq) }))
      .sort((a, b) => a.users[0]!.seq - b.users[0]!.seq || (a.reactionID < b.reactionID ? -1 : 1));
    return {
      resultCode: 0,
      reactionList: kinds.map((k) => ({
        reactionID: k.reactionID,
        totalUserCount: k.users.length,
        reactedByMyself: k.users.some((x) => x.user === u),
        partialUserList: k.users.slice(0, 10).map((x) => ({ userID: x.user })),
      })),
    };
  }

  modifyCode(by: User, m: ModelMessage): number {
    if (!this.visible(by, m)) return 6017;
    if (m.sender !== by || m.revoked) return 10007;
    // A group tip's content is the server's, a merger's is its copies, a media message's its blobs: only text and
    // custom content can change (a media message's caption, its text element, can).
    return m.tip || m.merger || (m.media && m.text === '') ? 6017 : 0;
  }

  modified(m: ModelMessage, text: string) {
    this.changes++;
    m.sentText ??= m.text;
    m.text = text;
    for (const u of USERS) if (this.visible(u, m)) this.modifyEvents.get(u)!.push(m.msgID);
  }

  // ---- forwards and mergers ----

  /**
   * createForwardMessage / createMergerMessage of `sources` by `u`: only from messages `u` sees now, not revoked
   * (their content is gone) and no group tips; anything else answers 6017, as a message that does not exist.
   */
  passOnCode(u: User, sources: ModelMessage[]): number {
    return sources.every((m) => this.visible(u, m) && !m.revoked && !m.tip) ? 0 : 6017;
  }

  /** The copies a merger of `sources` holds: each once, in the order first named, as they read now. */
  copiesOf(sources: ModelMessage[]): MergedCopy[] {
    return [...new Set(sources)].map((m) => ({
      sender: m.sender,
      text: m.merger || m.media ? null : m.text,
      title: m.merger?.title ?? null,
      media: m.media ?? null,
    }));
  }

  /** downloadMergerMessage(m) as `u` must see it: the copies to whoever sees the merger now, 6017 to anyone else. */
  download(u: User, m: ModelMessage): { code: number; copies: MergedCopy[] } {
    return this.fetches(u, m) && m.merger ? { code: 0, copies: m.merger.copies } : { code: 6017, copies: [] };
  }

  /**
   * Whether `u` may fetch what message `m` holds now: a media message's blobs at its download URLs, a merger's copies
   * (and their blobs). Exactly who sees it now, until it is revoked: a URL shown earlier stops working for whoever
   * leaves the audience (a quit, a kick, a dismissal, a delete or clear of one's own).
   */
  fetches(u: User, m: ModelMessage): boolean {
    return this.visible(u, m) && !m.revoked;
  }

  markReadCode(u: User, conversationID: string): number {
    if (!this.conversationIDs(u).includes(conversationID)) return 6017;
    this.read.get(u)!.set(conversationID, this.lastAt);
    this.changes++;
    return 0;
  }

  // ---- one's own history and conversation controls: each returns the code, and applies the change on 0 ----

  /** deleteMessages([m]): only a message `u` sees now. */
  deleteCode(u: User, m: ModelMessage): number {
    if (!this.visible(u, m)) return 6017;
    this.hidden.get(u)!.add(m.msgID);
    this.changes++;
    return 0;
  }

  /** clearGroupHistoryMessage / clearC2CHistoryMessage: up to now, read too. */
  clearCode(u: User, conversationID: string): number {
    if (conversationID.startsWith('group_')) {
      const group = this.groups.get(conversationID.slice(6) as GroupID);
      if (!group) return 10010;
      if (!group.members.has(u)) return 10007;
    }
    if (!this.conversationIDs(u).includes(conversationID)) return 0; // nothing to clear
    this.cleared.get(u)!.set(conversationID, this.lastAt);
    this.read.get(u)!.set(conversationID, this.lastAt);
    this.changes++;
    return 0;
  }

  deleteConversationCode(u: User, conversationID: string): number {
    if (!this.conversationIDs(u).includes(conversationID)) return 6017;
    this.clearCode(u, conversationID);
    this.removed.get(u)!.add(conversationID);
    return 0;
  }

  /** Pinning shows a deleted conversation again. */
  pinCode(u: User, conversationID: string, pinned: boolean): number {
    if (!this.conversationIDs(u).includes(conversationID)) return 6017;
    if (pinned) this.pinned.get(u)!.add(conversationID);
    else this.pinned.get(u)!.delete(conversationID);
    this.removed.get(u)!.delete(conversationID);
    this.changes++;
    return 0;
  }

  /** Whether `u` deleted or cleared anything: their own history may then skip seqs (others' never does). */
  deletedAny(u: User): boolean {
    return this.hidden.get(u)!.size > 0 || this.cleared.get(u)!.size > 0;
  }

  /** Still in `u`'s own history: not deleted by them, after their cleared mark of its conversation. */
  private kept(u: User, m: ModelMessage): boolean {
    const id = m.group !== null ? `group_${m.group}` : `c2c_${m.sender === u ? m.receiver : m.sender}`;
    return !this.hidden.get(u)!.has(m.msgID) && m.at > (this.cleared.get(u)!.get(id) ?? 0);
  }

  // ---- what a user may observe ----

  /** Whether `u` may see a stored message now (history, findMessages, conversations, revoke). */
  visible(u: User, m: ModelMessage): boolean {
    if (!m.stored || !this.kept(u, m)) return false;
    if (m.group === null) return u === m.sender || u === m.receiver;
    const group = this.groups.get(m.group);
    if (!group || group.gen !== m.gen) return false;
    const me = group.members.get(u);
    if (!me) return false;
    if (group.type !== 'Meeting' && m.at <= me.joinedAt) return false;
    return m.audience === null || m.audience.has(u);
  }

  /**
   * `u`'s seq for a message: the messages before it (and itself) that `u` is in the audience of, as if no other
   * message had been sent. Nothing else may show in it (im-semantics §7: not even existence).
   */
  seq(u: User, m: ModelMessage): string {
    const same = (x: ModelMessage) =>
      x.stored &&
      x.at <= m.at &&
      (m.group === null
        ? x.group === null && pair(x) === pair(m)
        : x.group === m.group && x.gen === m.gen && (x.audience === null || x.audience.has(u)));
    return String(this.messages.filter(same).length);
  }

  /** getGroupHistoryMessageList(g): the code, and the messages newest first. */
  groupHistory(u: User, g: GroupID): { code: number; messages: ModelMessage[] } {
    const group = this.groups.get(g);
    if (!group) return { code: 10010, messages: [] };
    if (!group.members.has(u)) return { code: 10007, messages: [] };
    return { code: 0, messages: this.newestFirst((m) => m.group === g && this.visible(u, m)) };
  }

  c2cHistory(u: User, peer: User): ModelMessage[] {
    return this.newestFirst((m) => m.stored && m.group === null && pair(m) === pairOf(u, peer) && this.kept(u, m));
  }

  /** findMessages(ids): the ones `u` may see, in the order asked. */
  find(u: User, msgIDs: string[]): string[] {
    return msgIDs.filter((id) => {
      const m = this.messages.find((x) => x.msgID === id);
      return m !== undefined && this.visible(u, m);
    });
  }

  setNickName(u: User, nickName: string) {
    this.nickNames.set(u, nickName);
    this.changes++;
    for (const p of USERS) if (p !== u && this.seesProfile(p, u)) this.profileEvents.get(p)!.push(`${u} ${nickName}`);
  }

  /** Whose profile `u` reads: their own, a current fellow member's (any group), a C2C peer's (either side). */
  seesProfile(u: User, of: User): boolean {
    return (
      u === of ||
      this.c2c.has(`${u}>${of}`) ||
      this.c2c.has(`${of}>${u}`) ||
      [...this.groups.values()].some((g) => g.members.has(u) && g.members.has(of))
    );
  }

  conversationIDs(u: User): string[] {
    const groups = [...this.groups.entries()].filter(([, g]) => g.members.has(u)).map(([id]) => `group_${id}`);
    const peers = USERS.filter((p) => this.c2c.has(`${u}>${p}`)).map((p) => `c2c_${p}`);
    return [...groups, ...peers];
  }

  conversations(u: User): Map<string, ExpectedConversation> {
    const out = new Map<string, ExpectedConversation>();
    for (const id of this.conversationIDs(u)) {
      const inConversation = (m: ModelMessage) =>
        id.startsWith('group_')
          ? m.group === id.slice(6) && this.visible(u, m)
          : m.stored && m.group === null && pair(m) === pairOf(u, id.slice(4) as User) && this.kept(u, m);
      const read = this.read.get(u)!.get(id) ?? 0;
      const mine = this.messages.filter(inConversation);
      const counted = !id.startsWith('group_') || countsUnread(typeOf(id.slice(6) as GroupID));
      const unreadCount = counted
        ? mine.filter((m) => m.at > read && m.sender !== u && !m.excludedUnread && !m.revoked).length
        : 0;
      const last = mine.filter((m) => !m.excludedLast).at(-1);
      // A deleted conversation shows again once a message after its cleared mark is its lastMessage.
      if (this.removed.get(u)!.has(id) && !(last && last.at > (this.cleared.get(u)!.get(id) ?? 0))) continue;
      out.set(id, {
        unreadCount,
        isPinned: this.pinned.get(u)!.has(id),
        lastMessage: last
          ? {
              msgID: last.msgID,
              seq: this.seq(u, last),
              status: last.revoked ? 'V2TIM_MSG_STATUS_LOCAL_REVOKED' : 'V2TIM_MSG_STATUS_SEND_SUCC',
            }
          : null,
      });
    }
    return out;
  }

  totalUnread(u: User): number {
    return [...this.conversations(u).values()].reduce((n, c) => n + c.unreadCount, 0);
  }

  private newestFirst(keep: (m: ModelMessage) => boolean): ModelMessage[] {
    return this.messages.filter(keep).sort((a, b) => b.at - a.at);
  }
}

const pairOf = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
const pair = (m: ModelMessage) => pairOf(m.sender, m.receiver!);
