// Profiles (V2TimManager.setSelfInfo / getUsersInfo). A profile is seen by its user and by those who share a group
// or a C2C conversation with them; anyone else (a stranger, or a userID nobody uses) gets the same empty profile,
// so getUsersInfo reveals neither a stranger's profile nor whether the account exists.
import { Code } from '../codes';
import type { ProfileChange, UserProfile } from '../db/store';
import type { Viewer } from './context';
import { answer, done, ok, Refusal, type Callback } from './result';
import { checkUnicode, checkUserList, utf8Bytes } from './validate';
import {
  customInfoOf,
  CustomInfoLimit,
  entriesOf,
  tooManyKeys,
  type CustomInfoLimits,
  type V2TimCustomInfoEntry,
} from './custom-info';

export type { V2TimCustomInfoEntry };

export interface V2TimUserFullInfo {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
  selfSignature: string | null;
  gender: number;
  customInfo: V2TimCustomInfoEntry[];
}

export interface V2TimUserFullInfoInput {
  nickName?: string | null;
  faceUrl?: string | null;
  selfSignature?: string | null;
  gender?: number | null;
  customInfo?: readonly V2TimCustomInfoEntry[] | null;
}

/** V2TIMGender: 0 unknown, 1 male, 2 female. */
export const Gender = { UNKNOWN: 0, MALE: 1, FEMALE: 2 } as const;

// Tencent's limits on profile fields: nickname, avatar URL and signature at most 500 bytes each (custom fields:
// CustomInfoLimit.user).
const MAX_FIELD_BYTES = 500;
const MAX_USERS = 100;
const CUSTOM: CustomInfoLimits = {
  ...CustomInfoLimit.user,
  field: 'userFullInfo.customInfo',
  code: Code.INVALID_PARAMETERS,
};

function checkField(value: string | null | undefined, field: string): void {
  if (value == null) return;
  checkUnicode(value, field);
  if (utf8Bytes(value) > MAX_FIELD_BYTES) {
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `${field} is ${utf8Bytes(value)} bytes of UTF-8; at most ${MAX_FIELD_BYTES} are allowed.`,
    );
  }
}

export const profileView = (userID: string, p: UserProfile | undefined): V2TimUserFullInfo => ({
  userID,
  nickName: p?.nickName ?? null,
  faceUrl: p?.faceUrl ?? null,
  selfSignature: p?.selfSignature ?? null,
  gender: p?.gender ?? Gender.UNKNOWN,
  customInfo: entriesOf(p?.customInfo),
});

/** Sets the given fields of the caller's profile; a field left out (or null) keeps its value, "" clears it. */
export const setSelfInfo = (ctx: Viewer, args: { userFullInfo: V2TimUserFullInfoInput }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const info = args.userFullInfo;
    checkField(info.nickName, 'userFullInfo.nickName');
    checkField(info.faceUrl, 'userFullInfo.faceUrl');
    checkField(info.selfSignature, 'userFullInfo.selfSignature');
    if (info.gender != null && !Object.values(Gender).includes(info.gender as 0)) {
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `userFullInfo.gender is ${info.gender}; it must be 0 (unknown), 1 (male) or 2 (female).`,
      );
    }
    const change: ProfileChange = {
      ...(info.nickName != null && { nickName: info.nickName }),
      ...(info.faceUrl != null && { faceUrl: info.faceUrl }),
      ...(info.selfSignature != null && { selfSignature: info.selfSignature }),
      ...(info.gender != null && { gender: info.gender }),
      ...(info.customInfo != null && { customInfo: customInfoOf(info.customInfo, CUSTOM) }),
    };
    const set = await ctx.store.users.setProfile(ctx.viewer, change, ctx.now(), CUSTOM.maxKeys);
    if (set.outcome === 'too-many-keys') throw tooManyKeys(set, CUSTOM);
    await ctx.router.publish({ type: 'profile', ...set.changed });
    return done();
  });

/** One entry per distinct userID asked, in the order asked. */
export const getUsersInfo = (ctx: Viewer, args: { userIDList: readonly string[] }) =>
  answer(async () => {
    const users = checkUserList(args.userIDList, 'userIDList', Code.INVALID_PARAMETERS, MAX_USERS);
    const seen = await ctx.store.users.visibleProfiles(ctx.viewer, users);
    return ok<V2TimUserFullInfo[]>(users.map((u) => profileView(u, seen.get(u))));
  });
