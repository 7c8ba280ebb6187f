// One builder for the stored text messages the store-level tests send (what sendMessage hands the store), so a new
// NewMessage field is added in one place, not in every suite's copy of the literal.
import type { NewMessage } from '../../src/db/store';

/** A text message with sendMessage's defaults: name its ids, sender, target and text; override anything else. */
export function textMessage(
  fields: Pick<NewMessage, 'msgId' | 'createId' | 'sender' | 'text' | 'timestamp'> & Partial<NewMessage>,
): NewMessage {
  return {
    receiver: null,
    groupId: null,
    audience: null,
    targets: null,
    draftTargets: null,
    elemType: 1,
    customData: null,
    customDesc: null,
    customExt: null,
    atUsers: null,
    elem: null,
    priority: 2,
    excludedUnread: false,
    excludedLast: false,
    needReadReceipt: false,
    cloudCustomData: null,
    localCustomData: null,
    random: 1,
    ...fields,
  };
}
