// Input checks shared by resolvers. Each throws a Refusal whose desc names the field, so every bad input gets
// its code and a sentence a developer can act on.
import { Code, type CodeValue } from '../codes';
import { Refusal } from './result';

export const MAX_MESSAGE_BYTES = 12 * 1024;
export const AT_ALL = '__kImSDK_MesssageAtALL__'; // the SDK's @everyone marker

export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const PRINTABLE = /^[\x21-\x7e]+$/;
/** userIDs: Tencent's printable ASCII 0x20–0x7e, the space included. */
const PRINTABLE_WITH_SPACE = /^[\x20-\x7e]+$/;

/** A printable-ASCII id of at most `maxBytes` (userIDs 32, groupIDs 48). */
export function checkId(value: string, field: string, code: CodeValue, maxBytes: number, spaces = false): string {
  if (value.length === 0) throw new Refusal(code, `${field} is empty.`);
  if (value.length > maxBytes)
    throw new Refusal(code, `${field} is ${value.length} bytes; at most ${maxBytes} are allowed.`);
  if (!(spaces ? PRINTABLE_WITH_SPACE : PRINTABLE).test(value)) {
    throw new Refusal(code, `${field} must be printable ASCII${spaces ? ' (0x20-0x7e)' : ' without spaces'}.`);
  }
  return value;
}

export const checkUserID = (value: string, field: string, code: CodeValue = Code.INVALID_USER_ID) =>
  checkId(value, field, code, 32, true);

/** Distinct userIDs, each checked, at most `max`. */
export function checkUserList(list: readonly string[], field: string, code: CodeValue, max: number): string[] {
  const distinct = [...new Set(list)];
  if (distinct.length === 0) throw new Refusal(code, `${field} is empty.`);
  if (distinct.length > max)
    throw new Refusal(code, `${field} has ${distinct.length} distinct userIDs; at most ${max} are allowed.`);
  list.forEach((u, i) => checkUserID(u, `${field}[${i}]`, code));
  return distinct;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text that is not well-formed UTF-16 (JSON allows "\ud800" escapes) cannot be stored as UTF-8 unchanged: it would
 * come back with U+FFFD in place, different from what was sent. Refused instead.
 */
export function checkUnicode(
  value: string | null | undefined,
  field: string,
  code: CodeValue = Code.INVALID_PARAMETERS,
): void {
  if (value == null) return;
  const at = value.search(LONE_SURROGATE);
  if (at >= 0) throw new Refusal(code, `${field} is not valid Unicode: a lone UTF-16 surrogate at index ${at}.`);
}

/** Stored free text: well-formed and at most `max` bytes of UTF-8. */
export function checkSize(value: string | null | undefined, field: string, max = MAX_MESSAGE_BYTES): void {
  if (value == null) return;
  checkUnicode(value, field);
  const n = utf8Bytes(value);
  if (n > max) throw new Refusal(Code.MESSAGE_TOO_LONG, `${field} is ${n} bytes of UTF-8; at most ${max} are allowed.`);
}

export function checkCount(
  value: number | null | undefined,
  field: string,
  code: CodeValue,
  max: number,
  fallback: number,
): number {
  if (value == null) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Refusal(code, `${field} must be from 1 to ${max}, got ${value}.`);
  return value;
}

/** Paging token: a non-negative integer offset as a string. */
export function checkOffset(value: string | null | undefined, field: string, code: CodeValue): number {
  if (value == null || value === '' || value === '0') return 0;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new Refusal(code, `${field} is not a paging token this server returned.`);
  return Number(value);
}
