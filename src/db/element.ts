// Message elements beyond text and custom (V2TIM's groupTipsElem, imageElem, soundElem, …): each element type's
// payload is one interface here, named and shaped as the SDK's element, stored as JSON in `messages.elem` and
// `drafts.elem` and decoded by the executors with the other JSON columns (statement.ts), so code above src/db sees
// it typed. Adding an element type: its interface in `ElemPayloads` under its kind, its view in
// src/resolvers/message-view.ts, its GraphQL type in src/schema/message.ts. Text and custom keep their columns
// (upgraded databases have them; they are what every message so far is).

import type { GroupTipsElem } from './group-tips';
import type { FileElem, ImageElem, SoundElem, VideoElem } from '../media/element';

/** Payload interfaces by kind; each element module adds its own entry. */
export interface ElemPayloads {
  /** V2TIM_ELEM_TYPE_GROUP_TIPS (9): a membership or profile change, stored by the store itself (./group-tips.ts). */
  groupTips: GroupTipsElem;
  image: ImageElem;
  sound: SoundElem;
  video: VideoElem;
  file: FileElem;
}

/** One stored element: its kind, then the SDK element's fields. */
export type Elem = { [K in keyof ElemPayloads]: { kind: K } & ElemPayloads[K] }[keyof ElemPayloads];
