// The IM gateway's TypeScript client: V2TIM's method names over GraphQL, for Node and the browser.
export {
  createIMClient,
  RETRYABLE_CODES,
  type IMClient,
  type IMClientOptions,
  type SendMessageArgs,
  type V2TimAdvancedMsgListener,
  type V2TimMessage,
  type V2TimMessageRevoked,
  type V2TimMsgCreateInfoResult,
} from './client';
export {
  ConversationType,
  GroupInfoChangeType,
  GroupMemberRole,
  GroupTipsType,
  GroupType,
  MessageElemType,
  MessagePriorityEnum,
  MessageStatus,
} from './constants';
export { IMError, isOk, unwrap, type Succeeded, type V2TimCallback, type V2TimValueCallback } from './result';
export { AUTH_CLOSE_CODES, MAX_REFUSALS_IN_A_ROW, type UserSigProvider, type UserSigReason } from './usersig';
export type * from './generated';
