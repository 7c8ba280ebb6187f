// The SDK's numbers behind the schema's enums, for apps that store, compare or forward them as V2TIM does. The
// gateway answers with the names (status: "V2TIM_MSG_STATUS_SEND_SUCC"); MessageStatus[name] is the SDK's 2.

export const MessageStatus = {
  V2TIM_MSG_STATUS_SENDING: 1,
  V2TIM_MSG_STATUS_SEND_SUCC: 2,
  V2TIM_MSG_STATUS_SEND_FAIL: 3,
  V2TIM_MSG_STATUS_HAS_DELETED: 4,
  V2TIM_MSG_STATUS_LOCAL_IMPORTED: 5,
  V2TIM_MSG_STATUS_LOCAL_REVOKED: 6,
} as const;

export const MessageElemType = {
  V2TIM_ELEM_TYPE_NONE: 0,
  V2TIM_ELEM_TYPE_TEXT: 1,
  V2TIM_ELEM_TYPE_CUSTOM: 2,
  V2TIM_ELEM_TYPE_IMAGE: 3,
  V2TIM_ELEM_TYPE_SOUND: 4,
  V2TIM_ELEM_TYPE_VIDEO: 5,
  V2TIM_ELEM_TYPE_FILE: 6,
  V2TIM_ELEM_TYPE_LOCATION: 7,
  V2TIM_ELEM_TYPE_FACE: 8,
  V2TIM_ELEM_TYPE_GROUP_TIPS: 9,
  V2TIM_ELEM_TYPE_MERGER: 10,
} as const;

export const MessagePriorityEnum = {
  V2TIM_PRIORITY_DEFAULT: 0,
  V2TIM_PRIORITY_HIGH: 1,
  V2TIM_PRIORITY_NORMAL: 2,
  V2TIM_PRIORITY_LOW: 3,
} as const;

export const GroupMemberRole = {
  V2TIM_GROUP_MEMBER_UNDEFINED: 0,
  V2TIM_GROUP_MEMBER_ROLE_MEMBER: 200,
  V2TIM_GROUP_MEMBER_ROLE_ADMIN: 300,
  V2TIM_GROUP_MEMBER_ROLE_OWNER: 400,
} as const;

export const ConversationType = { V2TIM_C2C: 1, V2TIM_GROUP: 2 } as const;

/** The strings createGroup(groupType:) takes, by the enum name getJoinedGroupList answers with. */
export const GroupType = {
  GROUP_TYPE_WORK: 'Work',
  GROUP_TYPE_PUBLIC: 'Public',
  GROUP_TYPE_MEETING: 'Meeting',
  GROUP_TYPE_COMMUNITY: 'Community',
  GROUP_TYPE_AVCHATROOM: 'AVChatRoom',
} as const;
