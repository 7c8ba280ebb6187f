// The SDK's numeric result codes (im-semantics §9), in one place. A `desc` is built at the call site so it can
// name the offending field or value; the default sentence here is used when nothing more specific is known.

export const Code = {
  OK: 0,
  NOT_LOGGED_IN: 6014,
  // Media (src/media): the native SDK's file-transfer and element codes (TIMErrorCode.h).
  FILE_TRANS_UPLOAD_FAILED: 6008,
  FILE_TRANS_DOWNLOAD_FAILED: 6009,
  INVALID_MSG_ELEM: 6016,
  INVALID_PARAMETERS: 6017,
  IMAGE_UPLOAD_FAILED_NOT_IMAGE: 6031,
  MSG_BODY_SIZE_LIMIT: 8001,
  INVALID_RECEIVER: 6032,
  INVALID_USER_ID: 7003,
  GROUP_INVALID_PARAMETERS: 10004,
  NO_PERMISSION: 10007,
  OWNER_CANNOT_QUIT: 10009,
  GROUP_NOT_FOUND: 10010,
  ALREADY_MEMBER: 10013,
  GROUP_FULL: 10014,
  INVALID_GROUP_ID: 10015,
  MUTED: 10017,
  GROUP_ID_IN_USE: 10021,
  GROUP_RATE_EXCEEDED: 10023,
  /** ERR_SVR_GROUP_REQ_ALLREADY_BEEN_PROCESSED: a group application (or invitation) was already handled. */
  REQUEST_ALREADY_PROCESSED: 10024,
  REVOKE_NOT_FOUND: 10030,
  REVOKE_TIME_LIMIT: 10031,
  PLAN_NOT_ULTIMATE: 10059,
  // The V2TIM SDK's "timed out waiting for the server's ack" (ERR_SDK_NET_WAIT_ACK_TIMEOUT): like it, this says the
  // server did not confirm, the outcome is unknown, and a retry (of a send: the same id) is what to do. Answered
  // while the database cannot be reached; not a server-side group code (10002 is "group service internal error").
  STORAGE_UNAVAILABLE: 9520,
  C2C_REVOKE_TIME_LIMIT: 20016,
  USERSIG_EXPIRED: 70001,
  MESSAGE_TOO_LONG: 80002,
  /** ERR_SDK_MSG_MODIFY_CONFLICT: modifyMessage lost a race with another edit (v2tim-surface.md). */
  MSG_MODIFY_CONFLICT: 8006,
  // Reactions (the Flutter SDK's addMessageReaction documentation): over 10 kinds on a message, over 100 users on one
  // kind, and the user already reacted so.
  REACTION_COUNT_LIMIT: 23005,
  REACTION_USER_LIMIT: 23006,
  REACTION_ALREADY: 23007,
} as const;

export type CodeValue = (typeof Code)[keyof typeof Code];

export const defaultDesc: Record<CodeValue, string> = {
  0: 'ok',
  6014: 'Not logged in: send a valid UserSig.',
  6008: 'The upload failed: send it again.',
  6009: 'The download failed: the URL is expired, not yours, or the message is gone.',
  6016: 'Invalid message element.',
  6017: 'Invalid parameters.',
  6031: 'The upload is not an image.',
  8001: 'The upload is over the size limit.',
  6032: 'Invalid message receiver.',
  7003: 'Invalid userID.',
  10004: 'Invalid parameters.',
  10007: 'No permission.',
  10009: 'The group owner cannot quit the group.',
  10010: 'The group does not exist.',
  10013: 'The user is already a member of the group.',
  10014: 'The group is full.',
  10015: 'Invalid groupID.',
  10017: 'The sender is muted in this group.',
  10021: 'The groupID is already used.',
  10023: 'The group send rate is exceeded.',
  10024: 'This application has already been handled.',
  10030: 'The message to revoke was not found.',
  10031: 'The message is past the 2-minute revoke window.',
  10059: 'This feature needs the Ultimate plan.',
  9520: 'Storage is unavailable for a moment: retry (a send with the same id is safe to retry).',
  20016: 'The one-to-one message is past the 2-minute revoke window.',
  70001: 'The UserSig has expired.',
  80002: 'The message is too long.',
  8006: 'The message was modified by another edit first.',
  23005: 'The message has the most reactions it may have.',
  23006: 'The reaction has the most users it may have.',
  23007: 'You have already reacted so.',
};
