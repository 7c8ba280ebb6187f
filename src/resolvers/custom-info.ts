// Custom fields (the SDK's customInfo maps): a user's profile, a group, a member in a group. Tencent keys them by
// names configured in its console (letters, digits, "_"), caps each value and the number of keys; the limits differ
// per kind, the checks do not. A change merges key by key into the stored fields ("" keeps the key, emptied); the
// store counts the merged keys, the checks here are those of one call.
import type { CodeValue } from '../codes';
import type { TooManyKeys } from '../db/store';
import { Refusal } from './result';
import { checkUnicode, utf8Bytes } from './validate';

export interface V2TimCustomInfoEntry {
  key: string;
  value: string;
}

export interface CustomInfoLimits {
  /** The field's name in descs, e.g. `userFullInfo.customInfo`. */
  field: string;
  /** What Tencent calls the key, for descs ("custom profile key"). */
  kind: string;
  maxKeyLength: number;
  maxValueBytes: number;
  maxKeys: number;
  code: CodeValue;
}

/** Tencent's limits per kind of custom field. */
export const CustomInfoLimit = {
  /** Tag_Profile_Custom_<key>: key ≤ 8, ≤ 20 keys, value ≤ 500 bytes. */
  user: { kind: 'custom profile key', maxKeyLength: 8, maxValueBytes: 500, maxKeys: 20 },
  /** Group dimension (AppDefinedData): key ≤ 16, ≤ 10 keys, value ≤ 512 bytes (Tencent "Use Limits", group custom fields). */
  group: { kind: 'group custom field key', maxKeyLength: 16, maxValueBytes: 512, maxKeys: 10 },
  /** Member dimension (AppMemberDefinedData): key ≤ 16, ≤ 5 keys, value ≤ 64 bytes. */
  member: { kind: 'member custom field key', maxKeyLength: 16, maxValueBytes: 64, maxKeys: 5 },
} as const;

/** The entries as a map (a repeated key: the last wins), each key and value checked. */
export function customInfoOf(
  entries: readonly V2TimCustomInfoEntry[],
  limits: CustomInfoLimits,
): Record<string, string> {
  const { field, code } = limits;
  const keyPattern = new RegExp(`^[A-Za-z0-9_]{1,${limits.maxKeyLength}}$`);
  // A Map, not assignments into an object: a key may be "__proto__" (letters and "_"), which `out[key] = value`
  // would take as the object's prototype and drop. fromEntries defines every key as its own property.
  const out = new Map<string, string>();
  entries.forEach(({ key, value }, i) => {
    if (!keyPattern.test(key)) {
      throw new Refusal(
        code,
        `${field}[${i}].key "${key}" must be 1 to ${limits.maxKeyLength} letters, digits or "_" (Tencent's ${limits.kind}).`,
      );
    }
    checkUnicode(value, `${field}[${i}].value`, code);
    if (utf8Bytes(value) > limits.maxValueBytes) {
      throw new Refusal(
        code,
        `${field}[${i}].value is ${utf8Bytes(value)} bytes of UTF-8; at most ${limits.maxValueBytes} are allowed.`,
      );
    }
    out.set(key, value);
  });
  if (out.size > limits.maxKeys) throw keyCountRefusal(out.size, limits, 'has');
  return Object.fromEntries(out);
}

/** The store's answer to a change whose keys, merged into the stored ones, would pass the limit (it counts them
 *  under the row's lock, so that two changes at once cannot both pass a count read before either). */
export const tooManyKeys = ({ keys }: TooManyKeys, limits: CustomInfoLimits): Refusal =>
  keyCountRefusal(keys, limits, 'would hold');

function keyCountRefusal(n: number, limits: CustomInfoLimits, verb: string): Refusal {
  return new Refusal(limits.code, `${limits.field} ${verb} ${n} keys; at most ${limits.maxKeys} are allowed.`);
}

export const entriesOf = (info: Record<string, string> | null | undefined): V2TimCustomInfoEntry[] =>
  Object.entries(info ?? {}).map(([key, value]) => ({ key, value }));
