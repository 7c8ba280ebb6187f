// Databases written by earlier stores upgrade without loss. test/fixtures/store-58449c6.json (its tables, and what
// that store answered): after the new migrations every message, conversation and cursor answers as before; the one
// deliberate change is that Meeting groups report no unread counts. test/fixtures/store-8670624.json, the last store
// that kept content in columns (text, custom fields, `elem`): every message, draft and merged copy keeps its content,
// now as a body of elements. test/fixtures/store-dbf1fce.json, the last store with media messages but no media_refs
// (its tables and blob bytes): its messages and drafts hold their blobs like any later one (listed, forwarded,
// released with the group or the expired draft) and still download for their audience.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { migrate as sqliteMigrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { migrate as pgMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/pg/open';
import type { Store, ViewedMessage } from '../src/db/store';
import { groupRules } from '../src/resolvers/group-type';
import { readAfter } from './helpers/backends';
import { PG_URL, freshSchema, type FreshSchema } from './helpers/pg';
import { textMessage } from './helpers/new-message';
import type { BlobRef, MsgBody } from '../src/db/element';
import { toDbText } from '../src/db/pg/client';
import type { MediaPart } from '../src/media/element';
import { createPgBlobs } from '../src/media/pg-store';
import { createDiskBlobs, type MediaBlobs } from '../src/media/store';
import { testConfig, userSig } from './helpers/app';
import { startLive } from './helpers/live';

const root = new URL('..', import.meta.url).pathname;
const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/store-58449c6.json'), 'utf8')) as {
  mid: number;
  tables: Record<string, Record<string, unknown>[]>;
  answers: Record<string, any>;
};
const OLD_MIGRATIONS = 2; // 0000_init and 0001_partial_message_indexes were main's at 58449c6
const TABLES = ['users', 'groups', 'group_members', 'messages', 'message_audience', 'drafts', 'conversations'];

interface Content {
  elemType: number;
  text: string | null;
  customData: string | null;
  customDesc: string | null;
  customExt: string | null;
  elem: any;
  atUsers?: string[] | null;
}
const columns = JSON.parse(readFileSync(join(root, 'test/fixtures/store-8670624.json'), 'utf8')) as {
  tables: Record<string, Record<string, unknown>[]>;
  answers: {
    messages: Record<string, Content>;
    drafts: Record<string, Content>;
    merged: (Content & Record<string, unknown>)[];
  };
};
/** 8670624's tables in an order their foreign keys accept. */
const COLUMN_TABLES = [...TABLES, 'media_refs', 'merged_messages'];

let temp: string | undefined;
let schema: FreshSchema | undefined;
afterEach(async () => {
  if (temp) rmSync(temp, { recursive: true, force: true });
  await schema?.drop();
  temp = schema = undefined;
});

/** A copy of a migrations folder that stops where an old main's did: its first `count`, or those before `tag`. */
function oldMigrations(folder: string, upTo: number | string = OLD_MIGRATIONS): string {
  const dir = join(mkdtempSync(join((temp ??= mkdtempSync(join(tmpdir(), 'im-upgrade-'))), 'm')), folder);
  cpSync(join(root, folder), dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const count = typeof upTo === 'number' ? upTo : journal.entries.findIndex((e) => e.tag.endsWith(upTo));
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

/** A SQLite file made by the old migrations holding these rows, opened with today's store (which migrates it). */
function oldSqlite(tables: Record<string, Record<string, unknown>[]>, names: string[], upTo?: number | string) {
  const dir = oldMigrations('drizzle', upTo);
  const path = join(dir, 'im.db');
  const old = new Database(path);
  sqliteMigrate(sqliteDrizzle(old), { migrationsFolder: dir });
  for (const t of names) {
    for (const r of tables[t] ?? []) {
      const cols = Object.keys(r);
      old
        .prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
        .run(...cols.map((c) => r[c]));
    }
  }
  old.close();
  return openDatabase(path, groupRules);
}

/** The same in a fresh PostgreSQL schema; `asOldPg` writes a value as that store stored it. */
async function oldPostgres(
  tables: Record<string, Record<string, unknown>[]>,
  names: string[],
  asOldPg: (column: string, value: unknown) => unknown,
  upTo?: number | string,
) {
  schema = await freshSchema();
  const dir = oldMigrations('drizzle-pg', upTo);
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema.schema}` });
  await client.connect();
  try {
    await pgMigrate(pgDrizzle(client), { migrationsFolder: dir, migrationsSchema: schema.schema });
    for (const t of names) {
      for (const r of tables[t] ?? []) {
        const cols = Object.keys(r);
        await client.query(
          `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((c) => asOldPg(c, r[c])),
        );
      }
    }
    await client.query(
      `SELECT setval(pg_get_serial_sequence('messages', 'order_no'), (SELECT max(order_no) FROM messages))`,
    );
  } finally {
    await client.end();
  }
  return openPostgres(PG_URL!, { schema: schema.schema, rules: groupRules });
}

/** Runs `check` on an upgraded store, then closes it. */
async function checkOn(opened: Store | Promise<Store>, check: (store: Store) => Promise<void>): Promise<void> {
  const store = await opened;
  try {
    await check(store);
  } finally {
    await store.close();
  }
}

const view = (m: ViewedMessage | null) =>
  m && { msgId: m.row.msgId, orderNo: m.row.orderNo, seq: m.seq, isRead: m.isRead, revoked: m.row.revokedAt !== null };

async function answers(store: Store, u: string) {
  const meeting = (id: string) => id === 'group_meet';
  return {
    conversations: (await store.conversations.list(u)).map((c) => ({
      conversationID: c.conversationID,
      unreadCount: c.unreadCount,
      lastMessage: view(c.lastMessage),
    })),
    totalUnread: await store.conversations.totalUnread(u),
    history: {
      work: (await store.messages.groupHistory(u, 'work', Number.MAX_SAFE_INTEGER, 100)).map(view),
      meet: (await store.messages.groupHistory(u, 'meet', Number.MAX_SAFE_INTEGER, 100)).map(view),
      pub: (await store.messages.groupHistory(u, 'pub', Number.MAX_SAFE_INTEGER, 100)).map(view),
      dan: (await store.messages.c2cHistory(u, 'dan', Number.MAX_SAFE_INTEGER, 100)).map(view),
      ann: (await store.messages.c2cHistory(u, 'ann', Number.MAX_SAFE_INTEGER, 100)).map(view),
    },
    resume: (await readAfter(store, u, 0, 1000)).map(view),
    resumeFromMid: (await readAfter(store, u, fixture.mid, 1000)).map(view),
    meeting,
  };
}

/** What 58449c6 answered, but with Meeting groups' unread counts at 0 (the deliberate change). */
function expected(u: string) {
  const old = structuredClone(fixture.answers[u]);
  for (const c of old.conversations) if (c.conversationID === 'group_meet') c.unreadCount = 0;
  old.totalUnread = old.conversations.reduce((n: number, c: { unreadCount: number }) => n + c.unreadCount, 0);
  return old;
}

async function checkUpgraded(store: Store) {
  for (const u of Object.keys(fixture.answers)) {
    const { meeting: _m, ...got } = await answers(store, u);
    expect(got, `${u} after the upgrade`).toEqual(expected(u));
  }
  // The order and the pair seq continue where they were.
  const last = Math.max(...fixture.tables.messages!.map((m) => m.order_no as number));
  await store.messages.createDraft({
    id: 'after-upgrade',
    owner: 'dan',
    createdAt: 1,
    expiresAt: Number.MAX_SAFE_INTEGER,
    elemType: 1,
    body: [{ kind: 'text', text: 'new' }],
    atUsers: null,
    targets: null,
  });
  const sent = await store.messages.send(
    textMessage({
      msgId: 'after-upgrade-m',
      createId: 'after-upgrade',
      sender: 'dan',
      receiver: 'ann',
      text: 'new',
      timestamp: 1,
    }),
    1,
  );
  expect(sent.ok && sent.message.row.orderNo).toBe(last + 1);
  const pairSeqs = fixture.answers.ann.history.dan.map((m: { seq: number }) => m.seq);
  expect(sent.ok && sent.message.seq).toBe(Math.max(...pairSeqs) + 1);
}

describe('upgrading a database written by 58449c6', () => {
  it('when a SQLite file from 58449c6 is opened, then every message, conversation and cursor answers as before', async () => {
    await checkOn(oldSqlite(fixture.tables, TABLES), checkUpgraded);
  });

  (PG_URL ? it : it.skip)(
    'when a PostgreSQL schema from 58449c6 is opened, then every message, conversation and cursor answers as before',
    async () => {
      // As 58449c6 stored them: U+0000 in free text escaped as U+E000 '0', the pair key's separator U+0001.
      const asOldPg = (c: string, v: unknown) =>
        typeof v !== 'string' ? v : c === 'pair_key' ? v.replace('\u0000', '\u0001') : v.replace(/\u0000/g, '\uE0000');
      await checkOn(oldPostgres(fixture.tables, TABLES, asOldPg), checkUpgraded);
    },
  );
});

/** What 8670624's content columns mean as a body: text and custom fields one element each, `elem` as it was. */
function bodyOf(c: Content): MsgBody {
  if (c.elem)
    return [c.elem.kind === 'merger' && c.elem.messages ? { ...c.elem, messages: c.elem.messages.map(copy) } : c.elem];
  if (c.elemType === 1) return [{ kind: 'text', text: c.text! }];
  if (c.elemType === 2) return [{ kind: 'custom', data: c.customData!, desc: c.customDesc!, extension: c.customExt! }];
  return [];
}
const copy = ({ text: _t, customData: _d, customDesc: _s, customExt: _e, elem: _m, ...c }: any) => ({
  ...c,
  body: bodyOf({ elemType: c.elemType, text: _t, customData: _d, customDesc: _s, customExt: _e, elem: _m }),
});

async function checkBodies(store: Store) {
  const { messages, drafts, merged } = columns.answers;
  const found = await store.messages.find('ann', Object.keys(messages));
  expect(found.map((m) => m.row.msgId)).toEqual(Object.keys(messages));
  for (const m of found) {
    const old = messages[m.row.msgId]!;
    expect({ elemType: m.row.elemType, body: m.row.body, atUsers: m.row.atUsers }, m.row.msgId).toEqual({
      elemType: old.elemType,
      body: bodyOf(old),
      atUsers: old.atUsers,
    });
  }
  for (const [id, old] of Object.entries(drafts)) {
    const owner = columns.tables.drafts!.find((d) => d.id === id)!.owner as string;
    const d = await store.messages.draft(id, owner, 1_800_000_000);
    expect({ elemType: d?.elemType, body: d?.body }, id).toEqual({ elemType: old.elemType, body: bodyOf(old) });
  }
  // The merged copies (one holding a merger with its own copies inline) read as bodies too.
  expect((await store.messages.mergedMessages(['d6'])).get('d6')).toEqual(merged.map(copy));
  expect((await store.messages.refsOf(['d5'])).map((r) => r.blobId)).toEqual(['blob-1']);
  // Edits work on an upgraded message: the text element changes, nothing else.
  const first = found[0]!;
  const body: MsgBody = [{ kind: 'text', text: 'edited' }];
  expect(await store.messages.modify(first.row.orderNo, 'ann', null, { body, cloudCustomData: null })).toBe(1);
  expect((await store.messages.visible('bob', first.row.msgId))?.row.body).toEqual(body);
}

describe('upgrading a database written by 8670624 (content in columns)', () => {
  it('when a SQLite file from 8670624 is opened, then every message, draft and merged copy keeps its content', async () => {
    await checkOn(oldSqlite(columns.tables, COLUMN_TABLES, 'msg_body'), checkBodies);
  });

  (PG_URL ? it : it.skip)(
    'when a PostgreSQL schema from 8670624 is opened, then every message, draft and merged copy keeps its content',
    async () => {
      // As 8670624 stored every string: U+0000 as U+E000 '0' and U+E000 as U+E000 'e' (toDbText).
      await checkOn(
        oldPostgres(columns.tables, COLUMN_TABLES, (_, v) => (typeof v === 'string' ? toDbText(v) : v), 'msg_body'),
        checkBodies,
      );
    },
  );
});

interface OldHolder {
  createId: string;
  parts: MediaPart[];
}
const held = JSON.parse(readFileSync(join(root, 'test/fixtures/store-dbf1fce.json'), 'utf8')) as {
  tables: Record<string, Record<string, unknown>[]>;
  blobs: Record<string, string>;
  answers: {
    messages: Record<string, OldHolder & { msgId: string; sender: string; groupId: string | null }>;
    draft: OldHolder & { id: string; owner: string; expiresAt: number };
  };
};
const old = held.answers.messages;
const oldDraft = held.answers.draft;

const byBlob = (refs: BlobRef[]) => [...refs].sort((a, b) => (a.blobId < b.blobId ? -1 : 1));
/** What dbf1fce's own partsOf said a message of `uploader`'s names, as the rows it holds now. */
const refsFrom = (parts: MediaPart[], uploader: string): BlobRef[] =>
  byBlob(
    parts.map((p) => ({
      blobId: p.uuid,
      uploader,
      kind: p.kind,
      contentType: p.contentType,
      fileName: p.fileName ?? null,
    })),
  );
const uuidsOf = (...holders: OldHolder[]) => holders.flatMap((h) => h.parts.map((p) => p.uuid)).sort();

/** The old media holders' rows, what dismissing their group frees, and what reclaiming the expired draft frees. */
async function checkHolders(store: Store) {
  for (const [name, m] of Object.entries(old)) {
    if (name !== 'text') expect(m.parts.length, `${name} names blobs`).toBeGreaterThan(0);
    expect(byBlob(await store.messages.refsOf([m.createId])), name).toEqual(refsFrom(m.parts, m.sender));
  }
  expect(byBlob(await store.messages.refsOf([oldDraft.id])), 'the draft').toEqual(
    refsFrom(oldDraft.parts, oldDraft.owner),
  );
  // The draft's stored expiry is long past; reclaiming frees its picture's versions, and nothing of a message's.
  expect(oldDraft.expiresAt).toBeLessThan(Date.now() / 1000);
  const reclaimed = await store.messages.reclaimDrafts(Math.floor(Date.now() / 1000));
  expect({ drafts: reclaimed.drafts, blobs: [...reclaimed.blobs].sort() }).toEqual({
    drafts: 1,
    blobs: uuidsOf(oldDraft),
  });
  // Dismissing the group frees the blobs of its messages (the targeted picture's too), not the C2C file's.
  const dismissed = await store.groups.dismiss('g');
  expect([...dismissed.blobs].sort()).toEqual(uuidsOf(old.groupImage!, old.video!, old.sound!, old.targetedImage!));
  expect(dismissed.blobs).not.toContain(old.c2cFile!.parts[0]!.uuid);
  expect((await store.messages.refsOf([old.c2cFile!.createId])).map((r) => r.blobId)).toEqual(uuidsOf(old.c2cFile!));
}

const MEDIA = `imageElem { imageList { uuid url } } soundElem { uuid url } videoElem { videoUUID videoUrl snapshotUUID
  snapshotUrl } fileElem { uuid fileName url }`;
const GROUP_MEDIA = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 20) { code desc data { msgID ${MEDIA} } } }`;
const C2C_MEDIA = `query($userID: String!) { getC2CHistoryMessageList(userID: $userID, count: 20) { code desc data { msgID ${MEDIA} } } }`;
const FORWARD = `mutation($msgID: String!) { createForwardMessage(msgID: $msgID) { code desc data { id messageInfo { ${MEDIA} } } } }`;

/** Every [uuid, url] a message view shows. */
const urlsOf = (m: any): [string, string][] => [
  ...(m.imageElem?.imageList ?? []).map((i: any) => [i.uuid, i.url]),
  ...(m.soundElem ? [[m.soundElem.uuid, m.soundElem.url]] : []),
  ...(m.videoElem ? [[m.videoElem.videoUUID, m.videoElem.videoUrl]] : []),
  ...(m.videoElem?.snapshotUUID ? [[m.videoElem.snapshotUUID, m.videoElem.snapshotUrl]] : []),
  ...(m.fileElem ? [[m.fileElem.uuid, m.fileElem.url]] : []),
];

/** Through a gateway on the upgraded store, with the old blobs' bytes in `blobs`: downloads and a forward. */
async function checkThroughGateway(store: Store, blobs: MediaBlobs) {
  for (const [id, bytes] of Object.entries(held.blobs))
    await blobs.write(id, Readable.from([Buffer.from(bytes, 'base64')]));
  const live = await startLive({ config: testConfig(), store, mediaBlobs: blobs });
  try {
    const get = (url: string, user: string) =>
      fetch(`http://127.0.0.1:${live.port}${url}`, { headers: { authorization: `Bearer ${userSig(user)}` } });
    const downloads = async (user: string, m: any) => {
      const urls = urlsOf(m);
      expect(urls.length, `${user} sees media in ${m.msgID}`).toBeGreaterThan(0);
      for (const [uuid, url] of urls) {
        const res = await get(url, user);
        expect(res.status, `${user} downloads ${uuid} of ${m.msgID}`).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(held.blobs[uuid]!, 'base64'))).toBe(true);
      }
    };
    // bob, a receiver of the targeted picture, downloads every old group message's media; cat sees no targeted
    // picture, and bob's URL of it is refused to her.
    const forBob = await live.gw.call('bob', GROUP_MEDIA, { groupID: 'g' });
    const forCat = await live.gw.call('cat', GROUP_MEDIA, { groupID: 'g' });
    const media = (r: any) => r.data.filter((m: any) => urlsOf(m).length > 0).map((m: any) => m.msgID);
    const { groupImage, video, sound, targetedImage, c2cFile } = old;
    expect(media(forBob)).toEqual([targetedImage, sound, video, groupImage].map((m) => m!.msgId));
    expect(media(forCat)).toEqual([sound, video, groupImage].map((m) => m!.msgId));
    for (const m of forBob.data) if (urlsOf(m).length) await downloads('bob', m);
    const targeted = forBob.data.find((m: any) => m.msgID === targetedImage!.msgId);
    expect((await get(urlsOf(targeted)[0]![1], 'cat')).status).toBe(403);
    const file = (await live.gw.call('ann', C2C_MEDIA, { userID: 'bob' })).data[0];
    expect(file.fileElem.fileName).toBe(c2cFile!.parts[0]!.fileName);
    await downloads('ann', file);
    // bob forwards ann's old picture: his draft holds what the original holds (still ann's upload), and shows it.
    const fwd = await live.gw.call('bob', FORWARD, { msgID: groupImage!.msgId });
    expect(fwd.code).toBe(0);
    expect(byBlob(await store.messages.refsOf([fwd.data.id]))).toEqual(refsFrom(groupImage!.parts, 'ann'));
    await downloads('bob', { msgID: fwd.data.id, ...fwd.data.messageInfo });
    // The forward keeps the picture when the group goes; the group's other media is freed.
    const dismissed = await store.groups.dismiss('g');
    expect([...dismissed.blobs].sort()).toEqual(uuidsOf(video!, sound!, targetedImage!));
  } finally {
    await live.stop();
  }
}

describe('upgrading a database written by dbf1fce (media before media_refs)', () => {
  it('when a SQLite file from dbf1fce is opened, then its media messages and drafts hold their blobs', async () => {
    await checkOn(oldSqlite(held.tables, TABLES, 'media_refs'), checkHolders);
  });

  it('when a SQLite file from dbf1fce is opened, then its media downloads for its audience and forwards', async () => {
    const store = oldSqlite(held.tables, TABLES, 'media_refs');
    await checkThroughGateway(store, createDiskBlobs(mkdtempSync(join(temp!, 'media-'))));
  });

  // As dbf1fce stored every string: U+0000 as U+E000 '0' and U+E000 as U+E000 'e' (toDbText).
  const asOldPg = (_: string, v: unknown) => (typeof v === 'string' ? toDbText(v) : v);

  (PG_URL ? it : it.skip)(
    'when a PostgreSQL schema from dbf1fce is opened, then its media messages and drafts hold their blobs',
    async () => {
      await checkOn(oldPostgres(held.tables, TABLES, asOldPg, 'media_refs'), checkHolders);
    },
  );

  (PG_URL ? it : it.skip)(
    'when a PostgreSQL schema from dbf1fce is opened, then its media downloads for its audience and forwards',
    async () => {
      const store = await oldPostgres(held.tables, TABLES, asOldPg, 'media_refs');
      await checkThroughGateway(store, createPgBlobs(PG_URL!, { schema: schema!.schema, poolSize: 2 }));
    },
  );
});
