// Custom fields (the SDK's customInfo maps): a user's profile, a group, a member in a group. Tencent keys them by
// names configured in its console (letters, digits, "_"), caps each value and the number of keys; the limits differ
// per kind, the checks do not. A change merges key by key into the stored fields ("" keeps the key, emptied).
import type { CodeValue } from '../codes';
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
  const out: Record<string, string> = {};
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
    out[key] = value;
  });
  checkKeyCount(Object.keys(out).length, limits, 'has');
  return out;
}

/** The stored fields with `change` merged in must stay within the key limit. */
export function checkMergedKeys(
  stored: Record<string, string>,
  change: Record<string, string>,
  limits: CustomInfoLimits,
): void {
  checkKeyCount(new Set([...Object.keys(stored), ...Object.keys(change)]).size, limits, 'would hold');
}

function checkKeyCount(n: number, limits: CustomInfoLimits, verb: string): void {
  if (n > limits.maxKeys)
    throw new Refusal(limits.code, `${limits.field} ${verb} ${n} keys; at most ${limits.maxKeys} are allowed.`);
}

export const entriesOf = (info: Record<string, string> | null | undefined): V2TimCustomInfoEntry[] =>
  Object.entries(info ?? {}).map(([key, value]) => ({ key, value }));
