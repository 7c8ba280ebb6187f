// GraphQL documents the tests share, and small flows built from them.
import type { TestGateway } from './app';

export const MESSAGE_FIELDS = `msgID id timestamp sender groupID userID status elemType textElem { text } customElem { data desc extension }
  isSelf isRead priority seq random groupAtUserList targetGroupMemberList isExcludedFromUnreadCount isExcludedFromLastMessage
  needReadReceipt cloudCustomData localCustomData cursor`;

export const CREATE_TEXT = `mutation($text: String!) { createTextMessage(text: $text) { code desc data { id messageInfo { id status elemType textElem { text } } } } }`;
export const CREATE_TARGETED = `mutation($id: String!, $receiverList: [String!]!) { createTargetedGroupMessage(id: $id, receiverList: $receiverList) { code desc data { id messageInfo { id status targetGroupMemberList } } } }`;
export const SEND = `mutation($id: String!, $receiver: String, $groupID: String, $onlineUserOnly: Boolean, $isExcludedFromUnreadCount: Boolean, $isExcludedFromLastMessage: Boolean, $priority: MessagePriorityEnum, $cloudCustomData: String, $localCustomData: String, $needReadReceipt: Boolean) {
  sendMessage(id: $id, receiver: $receiver, groupID: $groupID, onlineUserOnly: $onlineUserOnly, isExcludedFromUnreadCount: $isExcludedFromUnreadCount,
    isExcludedFromLastMessage: $isExcludedFromLastMessage, priority: $priority, cloudCustomData: $cloudCustomData, localCustomData: $localCustomData, needReadReceipt: $needReadReceipt) {
    code desc data { ${MESSAGE_FIELDS} } } }`;
export const GROUP_HISTORY = `query($groupID: String!, $count: Int!, $lastMsgID: String) { getGroupHistoryMessageList(groupID: $groupID, count: $count, lastMsgID: $lastMsgID) { code desc data { ${MESSAGE_FIELDS} } } }`;
export const C2C_HISTORY = `query($userID: String!, $count: Int!, $lastMsgID: String) { getC2CHistoryMessageList(userID: $userID, count: $count, lastMsgID: $lastMsgID) { code desc data { ${MESSAGE_FIELDS} } } }`;
export const FIND = `query($ids: [String!]!) { findMessages(messageIDList: $ids) { code desc data { msgID textElem { text } } } }`;
export const CONVERSATIONS = `query { getConversationList(count: 100) { code desc data { nextSeq isFinished conversationList { conversationID type userID groupID showName unreadCount lastMessage { msgID textElem { text } seq } } } } }`;
export const TOTAL_UNREAD = `query { getTotalUnreadMessageCount { code desc data } }`;
export const CREATE_GROUP = `mutation($groupType: String!, $groupName: String!, $groupID: String, $memberList: [V2TimGroupMemberInput!]) { createGroup(groupType: $groupType, groupName: $groupName, groupID: $groupID, memberList: $memberList) { code desc data } }`;
export const ON_MESSAGE = `subscription($afterCursor: String) { onRecvNewMessage(afterCursor: $afterCursor) { msgID sender groupID userID isSelf seq cursor textElem { text } targetGroupMemberList } }`;

/** Creates a group owned by `owner` with `members`; returns its id. */
export async function group(
  gw: TestGateway,
  owner: string,
  members: string[],
  groupType = 'Work',
  groupID = `g-${Math.random().toString(36).slice(2, 10)}`,
): Promise<string> {
  const r = await gw.call(owner, CREATE_GROUP, {
    groupType,
    groupName: `${groupType} group`,
    groupID,
    memberList: members.map((userID) => ({ userID })),
  });
  if (r.code !== 0) throw new Error(`createGroup: ${r.code} ${r.desc}`);
  return r.data;
}

/** createTextMessage then sendMessage; returns the send envelope. */
export async function sendText(
  gw: TestGateway,
  from: string,
  text: string,
  target: { receiver?: string; groupID?: string; receiverList?: string[] } & Record<string, unknown>,
) {
  const created = await gw.call(from, CREATE_TEXT, { text });
  if (created.code !== 0) throw new Error(`createTextMessage: ${created.code} ${created.desc}`);
  let id: string = created.data.id;
  const { receiverList, ...send } = target;
  if (receiverList) {
    const targeted = await gw.call(from, CREATE_TARGETED, { id, receiverList });
    if (targeted.code !== 0) return targeted;
    id = targeted.data.id;
  }
  return gw.call(from, SEND, { id, ...send });
}
