// One builder for the stored text messages the store-level tests send (what sendMessage hands the store), so a new
// NewMessage field is added in one place, not in every suite's copy of the literal.
import type { MsgBody } from '../../src/db/element';
import type { NewMessage } from '../../src/db/store';

/** A text message with sendMessage's defaults: name its ids, sender, target and text; override anything else. */
export function textMessage({
  text,
  ...fields
}: Pick<NewMessage, 'msgId' | 'createId' | 'sender' | 'timestamp'> & {
  text: string;
} & Partial<NewMessage>): NewMessage {
  return {
    receiver: null,
    groupId: null,
    audience: null,
    targets: null,
    draftTargets: null,
    elemType: 1,
    body: [{ kind: 'text', text }],
    atUsers: null,
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

/** The text of a body whose first element is text (what the store-level tests send), else undefined. */
export const textOf = (m: { body: MsgBody } | undefined): string | undefined =>
  m?.body[0]?.kind === 'text' ? m.body[0].text : undefined;
