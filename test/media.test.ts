// Media messages through the public API: multipart uploads (createImageMessage, createSoundMessage,
// createVideoMessage, createFileMessage), sends, and downloads from the signed per-viewer URLs, which only the
// message's audience can use. Refused and cut-off uploads leave no blob behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { pbkdf2 } from 'node:crypto';
import { createServer, request } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, TENCENT_MEDIA_LIMITS } from '../src/config';
import { createDiskBlobs, diskBlobCount, newBlobId } from '../src/media/store';
import { handleMultipart } from '../src/media/upload';
import { cleanupTolerant } from '../src/media/open';
import pino from 'pino';
import type { Logger } from '../src/log';
import { openPostgres } from '../src/db/pg/open';
import { createPgBlobs, pgBlobCount } from '../src/media/pg-store';
import { groupRules } from '../src/resolvers/group-type';
import { expectCode, testConfig, until, userSig } from './helpers/app';
import { PG_URL, freshSchema } from './helpers/pg';
import { startLive, type LiveGateway } from './helpers/live';
import { CREATE_TARGETED, group } from './helpers/ops';
import { mp4, png, stalledUpload, upload as multipart, wav, type Part } from './helpers/upload';

const KB = 1024;
const LIMITS = { image: 200 * KB, sound: 64 * KB, video: 256 * KB, file: 128 * KB };

const MEDIA = `elemType imageElem { imageList { uuid type size width height url } } soundElem { uuid dataSize duration url }
  videoElem { videoUUID videoSize duration videoType videoUrl snapshotUUID snapshotSize snapshotWidth snapshotHeight snapshotUrl }
  fileElem { uuid fileName fileSize url }`;
const created = `code desc data { id messageInfo { id status ${MEDIA} } }`;
const CREATE_IMAGE = `mutation($image: Upload!) { createImageMessage(image: $image) { ${created} } }`;
const CREATE_SOUND = `mutation($sound: Upload!, $duration: Int!) { createSoundMessage(sound: $sound, duration: $duration) { ${created} } }`;
const CREATE_VIDEO = `mutation($video: Upload!, $duration: Int!, $snapshot: Upload, $type: String) { createVideoMessage(video: $video, duration: $duration, snapshot: $snapshot, type: $type) { ${created} } }`;
const CREATE_FILE = `mutation($file: Upload!, $fileName: String) { createFileMessage(file: $file, fileName: $fileName) { ${created} } }`;
const SEND_MEDIA = `mutation($id: String!, $groupID: String, $receiver: String) { sendMessage(id: $id, groupID: $groupID, receiver: $receiver) { code desc data { msgID ${MEDIA} } } }`;
const HISTORY_MEDIA = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 20) { code desc data { msgID ${MEDIA} } } }`;
const C2C_MEDIA = `query($userID: String!) { getC2CHistoryMessageList(userID: $userID, count: 20) { code desc data { msgID ${MEDIA} } } }`;
const REVOKE = `mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code desc } }`;
const DISMISS = `mutation($groupID: String!) { dismissGroup(groupID: $groupID) { code desc } }`;
const KICK = `mutation($groupID: String!, $memberList: [String!]!) { kickGroupMember(groupID: $groupID, memberList: $memberList) { code desc } }`;

let live: LiveGateway;
let blobs: () => Promise<number>;
/** The PostgreSQL half's schema. */
let pgSchema: string;

/** Each media store with the database it goes with: disk beside SQLite, PostgreSQL chunks beside PostgreSQL. */
const stores = [
  { name: 'disk', enabled: true },
  { name: 'PostgreSQL', enabled: PG_URL !== undefined },
] as const;
if (!PG_URL) console.log('media: PostgreSQL store half skipped: set DATABASE_URL=postgres://… to run it');

for (const mediaStore of stores) {
  describe.skipIf(!mediaStore.enabled)(`media on the ${mediaStore.name} store`, () => {
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const base = testConfig();
      const config = { ...base, media: { ...base.media, maxBytes: LIMITS } };
      if (mediaStore.name === 'disk') {
        const dir = mkdtempSync(join(tmpdir(), 'im-media-'));
        live = await startLive({ config: { ...config, media: { ...config.media, dir, store: 'disk' } } });
        blobs = async () => diskBlobCount(dir);
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const { schema, drop } = await freshSchema();
        pgSchema = schema;
        live = await startLive({
          config,
          store: openPostgres(PG_URL!, { schema, rules: groupRules }),
          mediaBlobs: createPgBlobs(PG_URL!, { schema, poolSize: 2 }),
        });
        blobs = () => pgBlobCount(PG_URL!, schema);
        cleanup = drop;
      }
    });
    afterEach(async () => {
      await live?.stop();
      await cleanup?.();
    });

    const base = () => `http://127.0.0.1:${live.port}`;

    const call = (user: string, query: string, variables?: Record<string, unknown>) =>
      live.gw.call(user, query, variables);

    /** An upload as `user` (a GraphQL multipart request). */
    const upload = (
      user: string,
      query: string,
      files: Record<string, Part>,
      variables: Record<string, unknown> = {},
    ) => multipart(base(), userSig(user), query, files, variables);

    async function download(url: string, user: string | null, headers: Record<string, string> = {}) {
      return fetch(`${base()}${url}`, {
        headers: { ...(user ? { authorization: `Bearer ${userSig(user)}` } : {}), ...headers },
      });
    }

    describe('media messages', () => {
      it('when alice sends a picture to a group, then every member gets original, large and thumbnail with sizes, and can download each', async () => {
        await group(live.gw, 'alice', ['bob'], 'Work', 'team');
        const picture = await png(1600, 900);
        const up = await upload('alice', CREATE_IMAGE, {
          image: { bytes: picture, name: 'holiday.png', type: 'image/png' },
        });
        expect(up.status).toBe(200);
        expectCode(up.result, 0, 'createImageMessage');
        const list = up.result.data.messageInfo.imageElem.imageList;
        expect(list.map((i: any) => [i.type, i.width, i.height])).toEqual([
          [0, 1600, 900],
          [1, 198, 111],
          [2, 720, 405],
        ]);
        expect(list[0].size).toBe(picture.length);
        const sent = await call('alice', SEND_MEDIA, { id: up.result.data.id, groupID: 'team' });
        expectCode(sent, 0, 'sendMessage');
        const history = await call('bob', HISTORY_MEDIA, { groupID: 'team' });
        const seen = history.data[0].imageElem.imageList;
        expect(seen.map((i: any) => i.uuid)).toEqual(list.map((i: any) => i.uuid));
        const origin = await download(seen[0].url, 'bob');
        expect(origin.status).toBe(200);
        expect(origin.headers.get('content-type')).toBe('image/png');
        expect(Buffer.from(await origin.arrayBuffer()).equals(picture)).toBe(true);
        const thumb = await download(seen[1].url, 'bob');
        expect(thumb.status).toBe(200);
        expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(198);
      });

      it('when alice appends a caption to a picture (appendMessage), then bob downloads the picture from elemList and reads the caption; her edit changes the caption only', async () => {
        await group(live.gw, 'alice', ['bob'], 'Work', 'team');
        const picture = await png(64, 48);
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: picture, name: 'p.png' } });
        expectCode(up.result, 0, 'createImageMessage');
        const caption = await call(
          'alice',
          `mutation { createTextMessage(text: "our team") { code desc data { id } } }`,
        );
        const APPEND = `mutation($base: String!, $append: String!) { appendMessage(createMessageBaseId: $base, createMessageAppendId: $append) { code desc data { elemType } } }`;
        const appended = await call('alice', APPEND, { base: up.result.data.id, append: caption.data.id });
        expectCode(appended, 0, 'appendMessage');
        expect(appended.data.elemType).toBe('V2TIM_ELEM_TYPE_IMAGE'); // still a picture message, with text after
        const sent = await call('alice', SEND_MEDIA, { id: up.result.data.id, groupID: 'team' });
        expectCode(sent, 0, 'sendMessage');

        const ELEMS = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 1) { code desc data {
          msgID elemList { elemType textElem { text } imageElem { imageList { type url } } } } } }`;
        const seen = (await call('bob', ELEMS, { groupID: 'team' })).data[0];
        expect(seen.elemList.map((e: any) => e.elemType)).toEqual(['V2TIM_ELEM_TYPE_IMAGE', 'V2TIM_ELEM_TYPE_TEXT']);
        expect(seen.elemList[1].textElem).toEqual({ text: 'our team' });
        const origin = await download(seen.elemList[0].imageElem.imageList[0].url, 'bob');
        expect(origin.status).toBe(200);
        expect(Buffer.from(await origin.arrayBuffer()).equals(picture)).toBe(true);

        const MODIFY = `mutation($msgID: String!) { modifyMessage(msgID: $msgID, text: "our whole team") { code desc } }`;
        expectCode(await call('alice', MODIFY, { msgID: seen.msgID }), 0, 'modifyMessage');
        const edited = (await call('bob', ELEMS, { groupID: 'team' })).data[0];
        expect(edited.elemList[1].textElem).toEqual({ text: 'our whole team' });
        expect(edited.elemList[0].imageElem.imageList.map((i: any) => i.type)).toEqual([0, 1, 2]);
      });

      it('when bob sends voice in C2C, then alice downloads it and a Range request gets 206 with just those bytes', async () => {
        const voice = wav(40 * KB);
        const up = await upload('bob', CREATE_SOUND, { sound: { bytes: voice, name: 'v.wav' } }, { duration: 7 });
        expectCode(up.result, 0, 'createSoundMessage');
        expectCode(await call('bob', SEND_MEDIA, { id: up.result.data.id, receiver: 'alice' }), 0, 'sendMessage');
        const [m] = (await call('alice', C2C_MEDIA, { userID: 'bob' })).data;
        expect(m.soundElem).toMatchObject({ dataSize: voice.length, duration: 7 });
        const whole = await download(m.soundElem.url, 'alice');
        expect(whole.status).toBe(200);
        expect(whole.headers.get('content-type')).toBe('audio/wav');
        expect(whole.headers.get('accept-ranges')).toBe('bytes');
        await whole.arrayBuffer();
        const part = await download(m.soundElem.url, 'alice', { range: 'bytes=100-199' });
        expect(part.status).toBe(206);
        expect(part.headers.get('content-range')).toBe(`bytes 100-199/${voice.length}`);
        expect(Buffer.from(await part.arrayBuffer()).equals(voice.subarray(100, 200))).toBe(true);
        const tail = await download(m.soundElem.url, 'alice', { range: 'bytes=-10' });
        expect(tail.status).toBe(206);
        expect(Buffer.from(await tail.arrayBuffer()).equals(voice.subarray(voice.length - 10))).toBe(true);
        expect((await download(m.soundElem.url, 'alice', { range: `bytes=${voice.length}-` })).status).toBe(416);
      });

      it('when alice sends a video with a snapshot, then bob downloads both, a ranged video read works, and she can send both again by uuid', async () => {
        await group(live.gw, 'alice', ['bob'], 'Work', 'team');
        const video = mp4(100 * KB);
        const shot = await png(320, 180);
        const up = await upload(
          'alice',
          CREATE_VIDEO,
          { video: { bytes: video, name: 'clip.mp4' }, snapshot: { bytes: shot, name: 's.png' } },
          { duration: 12 },
        );
        expectCode(up.result, 0, 'createVideoMessage');
        expect(up.result.data.messageInfo.videoElem).toMatchObject({
          videoSize: video.length,
          duration: 12,
          videoType: 'mp4',
          snapshotWidth: 320,
          snapshotHeight: 180,
          snapshotSize: shot.length,
        });
        expectCode(await call('alice', SEND_MEDIA, { id: up.result.data.id, groupID: 'team' }), 0, 'sendMessage');
        const v = (await call('bob', HISTORY_MEDIA, { groupID: 'team' })).data[0].videoElem;
        const got = await download(v.videoUrl, 'bob', { range: 'bytes=0-1023' });
        expect(got.status).toBe(206);
        expect(got.headers.get('content-type')).toBe('video/mp4');
        expect(Buffer.from(await got.arrayBuffer()).equals(video.subarray(0, 1024))).toBe(true);
        const snap = await download(v.snapshotUrl, 'bob');
        expect(snap.status).toBe(200);
        expect(Buffer.from(await snap.arrayBuffer()).equals(shot)).toBe(true);
        // The same video and snapshot sent again by uuid: nothing uploaded, the same bytes, a sound refused.
        const REUSE_VIDEO = `mutation($videoUUID: String, $snapshotUUID: String) { createVideoMessage(videoUUID: $videoUUID, snapshotUUID: $snapshotUUID, duration: 12) { ${created} } }`;
        const again = await call('alice', REUSE_VIDEO, { videoUUID: v.videoUUID, snapshotUUID: v.snapshotUUID });
        expectCode(again, 0, 'createVideoMessage by uuid');
        expect(again.data.messageInfo.videoElem).toMatchObject({
          videoUUID: v.videoUUID,
          videoSize: video.length,
          videoType: 'mp4',
          snapshotUUID: v.snapshotUUID,
          snapshotWidth: 320,
          snapshotHeight: 180,
        });
        const asSound = await call(
          'alice',
          `mutation($uuid: String) { createSoundMessage(uuid: $uuid, duration: 1) { code desc } }`,
          { uuid: v.snapshotUUID },
        );
        expectCode(asSound, 6016, 'a picture sent again as a sound');
        expect(await blobs()).toBe(2);
      });

      it('when alice sends a file with a non-ASCII name, then bob downloads it as an attachment with that name safely encoded', async () => {
        const bytes = Buffer.from('plain text report\n'.repeat(100));
        const fileName = 'résumé "final"; 报告.txt';
        const up = await upload('alice', CREATE_FILE, { file: { bytes, name: '../../etc/passwd' } }, { fileName });
        expectCode(up.result, 0, 'createFileMessage');
        expectCode(await call('alice', SEND_MEDIA, { id: up.result.data.id, receiver: 'bob' }), 0, 'sendMessage');
        const [m] = (await call('bob', C2C_MEDIA, { userID: 'alice' })).data;
        expect(m.fileElem).toMatchObject({ fileName, fileSize: bytes.length });
        const got = await download(m.fileElem.url, 'bob');
        expect(got.status).toBe(200);
        expect(got.headers.get('content-type')).toBe('application/octet-stream');
        const disposition = got.headers.get('content-disposition')!;
        expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''/);
        expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(fileName);
        expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
      });

      it('when a picture is broadcast live, then each subscriber gets URLs minted for itself, which work only for it', async () => {
        await group(live.gw, 'alice', ['bob', 'carol'], 'Work', 'team');
        const ON_MEDIA = `subscription { onRecvNewMessage { msgID imageElem { imageList { url } } } }`;
        const [bob, carol] = await Promise.all([live.subscribe('bob', ON_MEDIA), live.subscribe('carol', ON_MEDIA)]);
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(30, 30), name: 'p.png' } });
        expectCode(await call('alice', SEND_MEDIA, { id: up.result.data.id, groupID: 'team' }), 0, 'sendMessage');
        const [b] = await bob.waitFor(1);
        const [c] = await carol.waitFor(1);
        const bobUrl = b.onRecvNewMessage.imageElem.imageList[0].url;
        const carolUrl = c.onRecvNewMessage.imageElem.imageList[0].url;
        expect(bobUrl).toContain('u=bob');
        expect(carolUrl).toContain('u=carol');
        expect((await download(bobUrl, 'bob')).status).toBe(200);
        expect((await download(carolUrl, 'carol')).status).toBe(200);
        expect((await download(bobUrl, 'carol')).status).toBe(403);
      });

      it('when the sender reads the draft, then its URLs work for the sender before sending', async () => {
        const up = await upload(
          'alice',
          CREATE_SOUND,
          { sound: { bytes: wav(2 * KB), name: 'v.wav' } },
          { duration: 1 },
        );
        expectCode(up.result, 0, 'createSoundMessage');
        expect((await download(up.result.data.messageInfo.soundElem.url, 'alice')).status).toBe(200);
        expect((await download(up.result.data.messageInfo.soundElem.url, 'bob')).status).toBe(403);
      });
    });

    describe('only the audience can fetch the bytes', () => {
      let imageUrl: string;
      let msgID: string;
      beforeEach(async () => {
        await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team');
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(300, 300), name: 'secret.png' } });
        expectCode(up.result, 0, 'createImageMessage');
        const t = await call('alice', CREATE_TARGETED, { id: up.result.data.id, receiverList: ['bob'] });
        expectCode(t, 0, 'createTargetedGroupMessage');
        const sent = await call('alice', SEND_MEDIA, { id: t.data.id, groupID: 'team' });
        expectCode(sent, 0, 'sendMessage');
        msgID = sent.data.msgID;
        const [m] = (await call('bob', HISTORY_MEDIA, { groupID: 'team' })).data;
        expect(m.msgID).toBe(msgID);
        imageUrl = m.imageElem.imageList[0].url;
      });

      it('when the receiver downloads a targeted image, then it works; a non-receiver sees no message and its copy of the URL is refused', async () => {
        expect((await download(imageUrl, 'bob')).status).toBe(200);
        expect((await call('carol', HISTORY_MEDIA, { groupID: 'team' })).data).toEqual([]);
        const copied = await download(imageUrl, 'carol');
        expect(copied.status).toBe(403);
        expect(await copied.json()).toMatchObject({ code: 6009 });
        // Even a correctly signed URL for carol (as if one had leaked): the audience check at download refuses it.
        const uuid = imageUrl.split('?')[0]!.split('/').pop()!;
        expect((await download(live.gw.app.services.media.urls.mint('carol', msgID, uuid), 'carol')).status).toBe(403);
        // Re-labelled for carol by hand is not a URL the server minted.
        expect((await download(imageUrl.replace('u=bob', 'u=carol'), 'carol')).status).toBe(403);
        expect((await download(imageUrl, null)).status).toBe(401);
        const tampered = imageUrl.replace(/([?&]e=)(\d+)/, (_, k, e) => `${k}${Number(e) + 1000}`);
        expect((await download(tampered, 'bob')).status).toBe(403);
      });

      it('when the receiver passes its UserSig as userSig, then the URL works without a header (for <img src>)', async () => {
        expect((await download(`${imageUrl}&userSig=${encodeURIComponent(userSig('bob'))}`, null)).status).toBe(200);
        expect((await download(`${imageUrl}&userSig=${encodeURIComponent(userSig('carol'))}`, null)).status).toBe(403);
      });

      it('when the message is revoked, then its URL is refused to everyone', async () => {
        expectCode(await call('alice', REVOKE, { msgID }), 0, 'revokeMessage');
        expect((await download(imageUrl, 'bob')).status).toBe(403);
      });

      it('when the URL expires, then it is refused', async () => {
        live.gw.clock.now += 3601;
        expect((await download(imageUrl, 'bob')).status).toBe(403);
      });

      it('when a member is kicked, then the URL of a picture sent after the kick is refused to them', async () => {
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(50, 50), name: 'x.png' } });
        const broadcast = up.result.data.id;
        // dave sees a broadcast picture; kicked, then a later one's URL minted for him before is not his.
        expectCode(await call('alice', SEND_MEDIA, { id: broadcast, groupID: 'team' }), 0, 'sendMessage');
        const [m] = (await call('dave', HISTORY_MEDIA, { groupID: 'team' })).data;
        expect((await download(m.imageElem.imageList[0].url, 'dave')).status).toBe(200);
        expectCode(await call('alice', KICK, { groupID: 'team', memberList: ['dave'] }), 0, 'kickGroupMember');
        const later = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(60, 60), name: 'y.png' } });
        const sent = await call('alice', SEND_MEDIA, { id: later.result.data.id, groupID: 'team' });
        expectCode(sent, 0, 'sendMessage');
        // A correctly signed URL for dave (as if one had been minted for him): the audience check at download refuses it.
        const uuid = sent.data.imageElem.imageList[0].uuid;
        const signedForDave = live.gw.app.services.media.urls.mint('dave', sent.data.msgID, uuid);
        expect((await download(signedForDave, 'dave')).status).toBe(403);
        expect((await download(live.gw.app.services.media.urls.mint('bob', sent.data.msgID, uuid), 'bob')).status).toBe(
          200,
        );
      });
    });

    describe('forwards, mergers, reuse by uuid and reclaiming', () => {
      const FORWARD = `mutation($msgID: String!) { createForwardMessage(msgID: $msgID) { code desc data { id messageInfo { targetGroupMemberList } } } }`;
      const MERGE = `mutation($msgIDList: [String!]!) { createMergerMessage(msgIDList: $msgIDList, title: "Photos", abstractList: [], compatibleText: "c") { code desc data { id } } }`;
      const DOWNLOAD_MERGER = `query($msgID: String!) { downloadMergerMessage(msgID: $msgID) { code desc data { sender ${MEDIA} } } }`;
      const REUSE_IMAGE = `mutation($uuid: String, $image: Upload) { createImageMessage(uuid: $uuid, image: $image) { ${created} } }`;
      const REUSE_FILE = `mutation($uuid: String!, $fileName: String) { createFileMessage(uuid: $uuid, fileName: $fileName) { ${created} } }`;

      /** alice's picture, targeted to bob in "team" (alice, bob, carol, dave): its msgID and bob's URL of the original. */
      async function targetedPicture() {
        await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team');
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(64, 64), name: 'p.png' } });
        const t = await call('alice', CREATE_TARGETED, { id: up.result.data.id, receiverList: ['bob'] });
        const sent = await call('alice', SEND_MEDIA, { id: t.data.id, groupID: 'team' });
        expectCode(sent, 0, 'sendMessage');
        const [m] = (await call('bob', HISTORY_MEDIA, { groupID: 'team' })).data;
        return { msgID: sent.data.msgID as string, bobUrl: m.imageElem.imageList[0].url as string };
      }

      it('when bob forwards a targeted picture to erin, then erin downloads it from the forward, while the original stays refused to her and to carol', async () => {
        const { msgID, bobUrl } = await targetedPicture();
        expectCode(await call('carol', FORWARD, { msgID }), 6017, 'carol forwards what she cannot see');
        const fwd = await call('bob', FORWARD, { msgID });
        expectCode(fwd, 0, 'createForwardMessage');
        expect(fwd.data.messageInfo.targetGroupMemberList).toBeNull();
        expectCode(await call('bob', SEND_MEDIA, { id: fwd.data.id, receiver: 'erin' }), 0, 'sendMessage');
        const [m] = (await call('erin', C2C_MEDIA, { userID: 'bob' })).data;
        const got = await download(m.imageElem.imageList[0].url, 'erin');
        expect(got.status).toBe(200);
        expect(Buffer.from(await got.arrayBuffer()).equals(await png(64, 64))).toBe(true);
        // The same bytes, but the original message's URL still checks the original's audience.
        expect((await download(bobUrl, 'erin')).status).toBe(403);
        const uuid = bobUrl.split('?')[0]!.split('/').pop()!;
        const mint = live.gw.app.services.media.urls.mint;
        expect((await download(mint('erin', msgID, uuid), 'erin')).status).toBe(403);
        expect((await download(mint('carol', m.msgID, uuid), 'carol')).status).toBe(403);
        expect(await blobs()).toBe(3); // one stored picture, held by two messages
      });

      it('when bob merges a targeted picture and sends the merger to erin, then erin downloads its bytes through the merger only', async () => {
        const { msgID } = await targetedPicture();
        const merger = await call('bob', MERGE, { msgIDList: [msgID] });
        expectCode(merger, 0, 'createMergerMessage');
        const sent = await call('bob', SEND_MEDIA, { id: merger.data.id, receiver: 'erin' });
        expectCode(sent, 0, 'sendMessage');
        const list = await call('erin', DOWNLOAD_MERGER, { msgID: sent.data.msgID });
        expectCode(list, 0, 'downloadMergerMessage');
        expect(list.data).toHaveLength(1);
        expect(list.data[0].sender).toBe('alice');
        const images = list.data[0].imageElem.imageList;
        expect(images.map((i: any) => i.type)).toEqual([0, 1, 2]);
        for (const i of images) expect((await download(i.url, 'erin')).status).toBe(200);
        // erin's URL is hers: carol's UserSig on it, or a URL for carol under the merger, is refused.
        expect((await download(images[0].url, 'carol')).status).toBe(403);
        expect(
          (await download(live.gw.app.services.media.urls.mint('carol', sent.data.msgID, images[0].uuid), 'carol'))
            .status,
        ).toBe(403);
        expectCode(
          await call('carol', DOWNLOAD_MERGER, { msgID: sent.data.msgID }),
          6017,
          'carol downloads the merger',
        );
        // erin forwards the merger to frank: he reads it, and its picture, under his own forward.
        const fwd = await call('erin', FORWARD, { msgID: sent.data.msgID });
        expectCode(fwd, 0, 'createForwardMessage of the merger');
        const passed = await call('erin', SEND_MEDIA, { id: fwd.data.id, receiver: 'frank' });
        const frank = await call('frank', DOWNLOAD_MERGER, { msgID: passed.data.msgID });
        expectCode(frank, 0, 'frank downloads the forwarded merger');
        const url = frank.data[0].imageElem.imageList[0].url;
        expect(url).toContain(`r=${encodeURIComponent(passed.data.msgID)}`);
        expect((await download(url, 'frank')).status).toBe(200);
        expect((await download(url, 'erin')).status).toBe(403);
      });

      it("when erin merges bob's merger of a picture and sends it to frank, then frank downloads the picture from the inner merger, and nobody else can", async () => {
        const { msgID } = await targetedPicture();
        const inner = await call('bob', MERGE, { msgIDList: [msgID] });
        const innerSent = await call('bob', SEND_MEDIA, { id: inner.data.id, receiver: 'erin' });
        expectCode(innerSent, 0, 'send the inner merger');
        const outer = await call('erin', MERGE, { msgIDList: [innerSent.data.msgID] });
        expectCode(outer, 0, 'createMergerMessage of a merger');
        const outerSent = await call('erin', SEND_MEDIA, { id: outer.data.id, receiver: 'frank' });
        expectCode(outerSent, 0, 'send the outer merger');
        const NESTED = `query($msgID: String!) { downloadMergerMessage(msgID: $msgID) { code desc data {
          mergerElem { messageList { sender imageElem { imageList { type uuid url } } } } } } }`;
        const got = await call('frank', NESTED, { msgID: outerSent.data.msgID });
        expectCode(got, 0, 'downloadMergerMessage');
        const [picture] = got.data[0].mergerElem.messageList;
        expect(picture.sender).toBe('alice');
        const images = picture.imageElem.imageList;
        expect(images.map((i: any) => i.type)).toEqual([0, 1, 2]);
        for (const i of images) {
          expect(i.url).toContain(`r=${encodeURIComponent(outerSent.data.msgID)}`);
          expect((await download(i.url, 'frank')).status).toBe(200);
        }
        const original = await download(images[0].url, 'frank');
        expect(Buffer.from(await original.arrayBuffer()).equals(await png(64, 64))).toBe(true);
        // Under the outer merger only its audience: frank's URL with carol's UserSig, or one minted for carol.
        expect((await download(images[0].url, 'carol')).status).toBe(403);
        const mint = live.gw.app.services.media.urls.mint;
        expect((await download(mint('carol', outerSent.data.msgID, images[0].uuid), 'carol')).status).toBe(403);
      });

      it('when alice sends her earlier upload again by uuid, then no upload is needed; bob cannot use her uuid', async () => {
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(500, 250), name: 'a.png' } });
        expectCode(up.result, 0, 'createImageMessage');
        const origin = up.result.data.messageInfo.imageElem.imageList[0];
        const again = await call('alice', REUSE_IMAGE, { uuid: origin.uuid });
        expectCode(again, 0, 'createImageMessage by uuid');
        const list = again.data.messageInfo.imageElem.imageList;
        expect(list.map((i: any) => [i.type, i.width, i.height])).toEqual([
          [0, 500, 250],
          [1, 198, 99],
          [2, 720 > 500 ? 500 : 720, 250],
        ]);
        expect(list[0].uuid).toBe(origin.uuid);
        expectCode(await call('alice', SEND_MEDIA, { id: again.data.id, receiver: 'bob' }), 0, 'sendMessage');
        const [m] = (await call('bob', C2C_MEDIA, { userID: 'alice' })).data;
        expect((await download(m.imageElem.imageList[0].url, 'bob')).status).toBe(200);
        // Not bob's upload (he has seen its uuid): refused, exactly like a uuid that does not exist.
        const theirs = await call('bob', REUSE_IMAGE, { uuid: origin.uuid });
        const none = await call('bob', REUSE_IMAGE, { uuid: 'A'.repeat(24) });
        expectCode(theirs, 6017, 'bob reuses alice’s uuid');
        expect(theirs.desc).toMatch(/^uuid ".*" is not the uuid of one of your uploads/);
        expect(theirs.desc.replace(origin.uuid, 'U')).toBe(none.desc.replace('A'.repeat(24), 'U'));
        expectCode(await call('alice', REUSE_IMAGE, {}), 6017, 'neither image nor uuid');
        const both = await upload(
          'alice',
          REUSE_IMAGE,
          { image: { bytes: await png(8, 8), name: 'b.png' } },
          { uuid: origin.uuid },
        );
        expectCode(both.result, 6017, 'image and uuid');
        expect(both.result.desc).toMatch(/^image and uuid are both set/);
        // A picture sent again as a file keeps its type; a file as a picture is refused by what its bytes are.
        const file = await call('alice', REUSE_FILE, { uuid: origin.uuid, fileName: 'again.png' });
        expectCode(file, 0, 'createFileMessage by uuid');
        expect(file.data.messageInfo.fileElem).toMatchObject({
          uuid: origin.uuid,
          fileName: 'again.png',
          fileSize: origin.size,
        });
        const doc = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('plain text'), name: 'n.txt' } });
        const docAsImage = await call('alice', REUSE_IMAGE, { uuid: doc.result.data.messageInfo.fileElem.uuid });
        expectCode(docAsImage, 6031, 'a text file as a picture');
      });

      it('when an upload sent again by uuid is of the wrong kind, then the refusal names the uuid argument, not the upload', async () => {
        const pic = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(8, 8), name: 'p.png' } });
        const picture = pic.result.data.messageInfo.imageElem.imageList[0].uuid;
        const doc = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('plain text'), name: 'n.txt' } });
        const text = doc.result.data.messageInfo.fileElem.uuid;
        const refused = [
          [REUSE_IMAGE, { uuid: text }, 6031, /^uuid is not a picture: its bytes are /],
          [
            `mutation($uuid: String) { createSoundMessage(uuid: $uuid, duration: 1) { code desc } }`,
            { uuid: picture },
            6016,
            /^uuid is not audio: its bytes are image\/png/,
          ],
          [
            `mutation($v: String) { createVideoMessage(videoUUID: $v, duration: 1) { code desc } }`,
            { v: picture },
            6016,
            /^videoUUID is not a video: its bytes are image\/png/,
          ],
        ] as const;
        for (const [query, variables, code, desc] of refused) {
          const r = await call('alice', query, variables);
          expectCode(r, code, JSON.stringify(variables));
          expect(r.desc).toMatch(desc);
        }
      });

      it('when a group is dismissed, then the media only its messages held is deleted, and a forward keeps what it holds', async () => {
        await group(live.gw, 'alice', ['bob'], 'Public', 'pub');
        const pic = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(80, 80), name: 'p.png' } });
        const picSent = await call('alice', SEND_MEDIA, { id: pic.result.data.id, groupID: 'pub' });
        expectCode(picSent, 0, 'sendMessage');
        const doc = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('minutes'), name: 'm.txt' } });
        const docSent = await call('alice', SEND_MEDIA, { id: doc.result.data.id, groupID: 'pub' });
        const fwd = await call('bob', FORWARD, { msgID: docSent.data.msgID });
        expectCode(await call('bob', SEND_MEDIA, { id: fwd.data.id, receiver: 'erin' }), 0, 'send the forward');
        const history = (await call('bob', HISTORY_MEDIA, { groupID: 'pub' })).data;
        const picUrl = history.find((m: any) => m.msgID === picSent.data.msgID).imageElem.imageList[0].url;
        expect((await download(picUrl, 'bob')).status).toBe(200);
        expect(await blobs()).toBe(4);

        expectCode(await call('alice', DISMISS, { groupID: 'pub' }), 0, 'dismissGroup');
        expect(await blobs()).toBe(1); // the picture's three versions are gone; the file is erin's forward's now
        expect((await download(picUrl, 'bob')).status).toBe(403);
        const [kept] = (await call('erin', C2C_MEDIA, { userID: 'bob' })).data;
        const got = await download(kept.fileElem.url, 'erin');
        expect(got.status).toBe(200);
        expect(await got.text()).toBe('minutes');
        // Nor can alice send the picture again by its uuid: its bytes are gone.
        expectCode(
          await call('alice', REUSE_IMAGE, { uuid: pic.result.data.messageInfo.imageElem.imageList[0].uuid }),
          6017,
          'reuse after dismiss',
        );
      });

      it('when a file is sent onlineUserOnly, then it is delivered live and its bytes, never downloadable, are deleted', async () => {
        await group(live.gw, 'alice', ['bob'], 'Work', 'team');
        const ON_FILE = `subscription { onRecvNewMessage { msgID fileElem { fileName } } }`;
        const bob = await live.subscribe('bob', ON_FILE);
        const doc = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('typing…'), name: 't.txt' } });
        expect(await blobs()).toBe(1);
        const sent = await call(
          'alice',
          `mutation($id: String!) { sendMessage(id: $id, groupID: "team", onlineUserOnly: true) { code desc } }`,
          { id: doc.result.data.id },
        );
        expectCode(sent, 0, 'sendMessage onlineUserOnly');
        expect((await bob.waitFor(1))[0].onRecvNewMessage.fileElem).toEqual({ fileName: 't.txt' });
        expect(await blobs()).toBe(0);
      });

      it('when a picture is sent onlineUserOnly or into an AVChatRoom, then it is delivered live and leaves no bytes and no holder behind', async () => {
        await group(live.gw, 'alice', [], 'AVChatRoom', 'room');
        const ON_IMAGE = `subscription { onRecvNewMessage { msgID imageElem { imageList { type } } } }`;
        const bob = await live.subscribe('bob', ON_IMAGE);
        const SEND_ONLINE = `mutation($id: String!, $groupID: String, $receiver: String, $online: Boolean) {
          sendMessage(id: $id, groupID: $groupID, receiver: $receiver, onlineUserOnly: $online) { code desc } }`;
        const refs = live.gw.app.services.store.messages.refsOf;
        for (const to of [{ receiver: 'bob', online: true }, { groupID: 'room' }]) {
          const pic = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(30, 30), name: 'p.png' } });
          expectCode(pic.result, 0, 'createImageMessage');
          const id = pic.result.data.id;
          expect(await blobs()).toBe(3);
          expect(await refs([id])).toHaveLength(3);
          expectCode(await call('alice', SEND_ONLINE, { id, ...to }), 0, `sendMessage ${JSON.stringify(to)}`);
          expect(await blobs()).toBe(0);
          expect(await refs([id])).toEqual([]);
        }
        expect((await bob.waitFor(1))[0].onRecvNewMessage.imageElem.imageList).toHaveLength(3);
      });

      it('when a picture draft expires unsent, then the reclaim deletes its three versions and what held them', async () => {
        const pic = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(30, 30), name: 'p.png' } });
        expectCode(pic.result, 0, 'createImageMessage');
        expect(await blobs()).toBe(3);
        live.gw.clock.now += live.gw.app.services.config.draftTtlSeconds + 1;
        await live.gw.app.reclaimDrafts();
        expect(await blobs()).toBe(0);
        expect(await live.gw.app.services.store.messages.refsOf([pic.result.data.id])).toEqual([]);
      });

      it('when a forward draft of a picture expires unsent, then the reclaim keeps the bytes the original still holds', async () => {
        const { msgID, bobUrl } = await targetedPicture();
        expectCode(await call('bob', FORWARD, { msgID }), 0, 'createForwardMessage');
        live.gw.clock.now += live.gw.app.services.config.draftTtlSeconds + 1;
        await live.gw.app.reclaimDrafts();
        expect(await blobs()).toBe(3);
        const [m] = (await call('bob', HISTORY_MEDIA, { groupID: 'team' })).data;
        expect(m.imageElem.imageList[0].url).not.toBe(bobUrl);
        expect((await download(m.imageElem.imageList[0].url, 'bob')).status).toBe(200);
      });
    });

    describe('refused uploads leave nothing behind', () => {
      it('when the default limits are read, then they are Tencent’s: 28 MB image and sound, 100 MB video and file', () => {
        const MB = 1024 * 1024;
        expect(loadConfig({}).media.maxBytes).toEqual({
          image: 28 * MB,
          sound: 28 * MB,
          video: 100 * MB,
          file: 100 * MB,
        });
        expect(TENCENT_MEDIA_LIMITS.image).toBe(28 * MB);
      });

      it('when an image is over the limit, then 8001 names the field and no blob is kept', async () => {
        const big = Buffer.concat([await png(10, 10), Buffer.alloc(LIMITS.image)]);
        const up = await upload('alice', CREATE_IMAGE, { image: { bytes: big, name: 'big.png' } });
        expectCode(up.result, 8001, 'createImageMessage');
        expect(up.result.desc).toMatch(/^image is over 204800 bytes/);
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it('when a text file is sent as an image, then 6031 names the field and no blob is kept', async () => {
        const up = await upload('alice', CREATE_IMAGE, {
          image: { bytes: Buffer.from('not a picture at all'), name: 'fake.png', type: 'image/png' },
        });
        expectCode(up.result, 6031, 'createImageMessage');
        expect(up.result.desc).toMatch(/^image is not a picture/);
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it('when a picture is sent as a voice message or a video, then 6016 names the field', async () => {
        const sound = await upload(
          'alice',
          CREATE_SOUND,
          { sound: { bytes: await png(8, 8), name: 'v.wav' } },
          { duration: 1 },
        );
        expectCode(sound.result, 6016, 'createSoundMessage');
        expect(sound.result.desc).toMatch(/^sound is not audio: its bytes are image\/png/);
        const video = await upload(
          'alice',
          CREATE_VIDEO,
          { video: { bytes: wav(KB), name: 'v.mp4' } },
          { duration: 1 },
        );
        expectCode(video.result, 6016, 'createVideoMessage');
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it('when an Upload variable is not a file of the request, then 6017 names the field', async () => {
        const r = await call('alice', CREATE_IMAGE, { image: 'upload:guessed' });
        expectCode(r, 6017, 'createImageMessage');
        expect(r.desc).toMatch(/^image is not a file of this request/);
      });

      it('when map points a file at a property every object inherits, then 6017 names the map path and no blob is kept', async () => {
        // variables.__proto__ is Object.prototype, whose own __proto__ is null: it must not pass for a null variable.
        const up = await upload('alice', CREATE_FILE, {
          '__proto__.__proto__': { bytes: Buffer.from('x'), name: 'a' },
        });
        expect(up.status).toBe(400);
        expect(up.body.errors[0].extensions).toMatchObject({ imCode: 6017 });
        expect(up.body.errors[0].message).toBe(
          'map path "variables.__proto__.__proto__" is not a null variable in operations.',
        );
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it('when map lists a path that is not a string, then 6017 names map at once and no blob is kept', async () => {
        const form = new FormData();
        form.set('operations', JSON.stringify({ query: CREATE_FILE, variables: { file: null } }));
        form.set('map', '{"0":[1]}');
        form.set('0', new Blob([new Uint8Array(KB)]), 'a.bin');
        const res = await fetch(`${base()}/graphql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${userSig('alice')}` },
          body: form,
          signal: AbortSignal.timeout(5000), // it once hung: the file part met the path 1
        });
        expect(res.status).toBe(400);
        const body = (await res.json()) as any;
        expect(body.errors[0]).toMatchObject({
          message: 'map is not a JSON object of file names to paths.',
          extensions: { imCode: 6017 },
        });
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it('when an upload is cut off before the request ends, then 6008 answers and no blob is kept', async () => {
        const boundary = 'xBOUNDARYx';
        const ops = JSON.stringify({ query: CREATE_FILE, variables: { file: null, fileName: 'a.bin' } });
        const head = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${ops}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        );
        const body = Buffer.concat([head, Buffer.alloc(50 * KB, 1)]); // no closing boundary
        const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
          const req = request(`${base()}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': `multipart/form-data; boundary=${boundary}`,
              'content-length': body.length,
              authorization: `Bearer ${userSig('alice')}`,
            },
          });
          req.on('response', (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
          });
          req.on('error', reject);
          req.end(body);
        });
        expect(answer.status).toBe(400);
        expect(answer.body.errors[0].extensions).toMatchObject({ imCode: 6008 });
        await until(async () => (await blobs()) === 0, 'no blob left');
      });

      it("when one user's uploads stall mid-file, then another user's upload is answered meanwhile, and the stalled ones leave nothing once cut off", async () => {
        // As many as the PostgreSQL media pool holds: each held a connection for as long as it lasted, so another
        // user's upload waited for one and failed (6008) after the pool's 5 s.
        const stalled = [0, 1, 2].map(() => stalledUpload(base(), userSig('mallory'), CREATE_FILE, 100 * KB));
        const mine = await upload('bob', CREATE_FILE, { file: { bytes: Buffer.from('on time'), name: 'b.txt' } });
        expectCode(mine.result, 0, 'createFileMessage');
        expect(stalled.map((s) => s.answered())).toEqual([false, false, false]);
        for (const s of stalled) s.abort();
        await until(async () => (await blobs()) === 1, 'only bob’s blob left');
      });

      it('when an anonymous client uploads, then 401 and nothing is stored', async () => {
        const form = new FormData();
        form.set('operations', JSON.stringify({ query: CREATE_FILE, variables: { file: null } }));
        form.set('map', '{"0":["variables.file"]}');
        form.set('0', new Blob([new Uint8Array(KB)]), 'a.bin');
        const res = await fetch(`${base()}/graphql`, { method: 'POST', body: form });
        expect(res.status).toBe(401);
        expect(await blobs()).toBe(0);
      });

      it('when a media draft expires unsent, then the reclaim deletes its blobs and keeps those of sent messages', async () => {
        const sent = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(40, 40), name: 'a.png' } });
        expectCode(await call('alice', SEND_MEDIA, { id: sent.result.data.id, receiver: 'bob' }), 0, 'sendMessage');
        const unsent = await upload('alice', CREATE_FILE, {
          file: { bytes: Buffer.from('left behind'), name: 'x.txt' },
        });
        expectCode(unsent.result, 0, 'createFileMessage');
        expect(await blobs()).toBe(4); // three versions of the picture, one file
        await live.gw.app.reclaimDrafts();
        expect(await blobs()).toBe(4); // nothing has expired yet
        live.gw.clock.now += live.gw.app.services.config.draftTtlSeconds + 1;
        await live.gw.app.reclaimDrafts();
        expect(await blobs()).toBe(3);
        const [m] = (await call('bob', C2C_MEDIA, { userID: 'alice' })).data;
        expect((await download(m.imageElem.imageList[0].url, 'bob')).status).toBe(200);
      });

      it('when a draft is made but the operation refuses another argument, then only the refused upload goes', async () => {
        const ok = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('x'.repeat(10)), name: 'ok.txt' } });
        expectCode(ok.result, 0, 'createFileMessage');
        const bad = await upload('alice', CREATE_SOUND, { sound: { bytes: wav(KB), name: 'v.wav' } }, { duration: -1 });
        expectCode(bad.result, 6017, 'createSoundMessage');
        await until(async () => (await blobs()) === 1, 'just the draft’s blob left');
      });
    });

    describe('bytes nobody holds', () => {
      const HOUR = 3600_000;
      const leftBehind = async (n: number) => {
        const store = live.gw.app.services.media.blobs;
        for (let i = 0; i < n; i += 20)
          await Promise.all(
            Array.from({ length: Math.min(20, n - i) }, () =>
              store.write(newBlobId(), Readable.from([Buffer.from('left behind')])),
            ),
          );
      };

      it('when bytes are left with no draft or message holding them (a delete lost to a restart, a process killed mid-upload), then the sweep deletes them once an hour old and keeps every held blob', async () => {
        const sent = await upload('alice', CREATE_IMAGE, { image: { bytes: await png(40, 40), name: 'a.png' } });
        expectCode(await call('alice', SEND_MEDIA, { id: sent.result.data.id, receiver: 'bob' }), 0, 'sendMessage');
        const draft = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('kept'), name: 'k.txt' } });
        expectCode(draft.result, 0, 'createFileMessage');
        await leftBehind(1);
        expect(await blobs()).toBe(5);
        // Nothing is an hour old: an upload's draft may still be on its way.
        expect(await live.gw.app.sweepMedia()).toBe(0);
        expect(await blobs()).toBe(5);
        // Before the sweep, these bytes stayed for good: nothing listed the store against its holders.
        expect(await live.gw.app.sweepMedia(Date.now() + HOUR + 60_000)).toBe(1);
        expect(await blobs()).toBe(4);

        expectCode(await call('alice', SEND_MEDIA, { id: draft.result.data.id, receiver: 'bob' }), 0, 'sendMessage');
        const [file, picture] = (await call('bob', C2C_MEDIA, { userID: 'alice' })).data;
        for (const image of picture.imageElem.imageList) expect((await download(image.url, 'bob')).status).toBe(200);
        expect(await (await download(file.fileElem.url, 'bob')).text()).toBe('kept');
      });

      it.skipIf(mediaStore.name !== 'PostgreSQL')(
        'when a process is killed mid-upload, then the sweep deletes the chunks it had staged',
        async () => {
          // Another process on the same tables, whose upload stops for good after its first chunk.
          const other = createPgBlobs(PG_URL!, { schema: pgSchema, poolSize: 1 });
          let stop!: (e: Error) => void;
          const killed = other
            .write(
              newBlobId(),
              (async function* () {
                yield Buffer.alloc(300 * KB, 5);
                await new Promise((_, reject) => (stop = reject));
              })(),
            )
            .catch(() => {});
          await until(async () => (await blobs()) === 1, 'its first chunk staged');
          expect(await live.gw.app.sweepMedia()).toBe(0);
          expect(await blobs()).toBe(1); // under an hour old: it may still be on its way
          await live.gw.app.sweepMedia(Date.now() + HOUR + 60_000);
          expect(await blobs()).toBe(0);
          stop(new Error('killed'));
          await killed;
          await other.close();
        },
      );

      it('when more bytes are left behind than one page of the sweep, then it deletes them all', async () => {
        const sent = await upload('alice', CREATE_FILE, { file: { bytes: Buffer.from('held'), name: 'h.txt' } });
        expectCode(await call('alice', SEND_MEDIA, { id: sent.result.data.id, receiver: 'bob' }), 0, 'sendMessage');
        await leftBehind(520);
        expect(await live.gw.app.sweepMedia(Date.now() + HOUR + 60_000)).toBe(520);
        expect(await blobs()).toBe(1);
      });
    });
  });
}

describe('a defect while an upload is read', () => {
  it('when the operation cannot be handed on, then the request gets 500 with 6008, the error is logged, and its file is deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-media-defect-'));
    const errors: string[] = [];
    const config = testConfig();
    // A stand-in for a defect in the gateway: the step after the files were read throws.
    const server = createServer((req, res) =>
      handleMultipart(
        req,
        res,
        config,
        createDiskBlobs(dir),
        () => {
          throw new Error('a defect');
        },
        { error: ((_: unknown, message: string) => void errors.push(message)) as Logger['error'] },
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      const up = await multipart(`http://127.0.0.1:${port}`, userSig('alice'), CREATE_FILE, {
        file: { bytes: Buffer.from('notes'), name: 'a.txt' },
      });
      expect(up.status).toBe(500);
      expect(up.body.errors[0].extensions).toMatchObject({ imCode: 6008 });
      expect(errors).toEqual(['reading a multipart request failed']);
      await until(() => diskBlobCount(dir) === 0, 'no blob left');
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the disk store', () => {
  it('when uploads are refused or cut off before their files are open, under load, then no partial file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-media-partial-'));
    try {
      const blobs = createDiskBlobs(dir);
      const writes: Promise<unknown>[] = [];
      for (let round = 0; round < 20; round++) {
        // The thread pool busy, as under load, so that an open waits its turn while its source has already failed.
        const busy = Array.from({ length: 3 }, () => new Promise((r) => pbkdf2('x', 'y', 20_000, 32, 'sha256', r)));
        for (let i = 0; i < 10; i++) {
          const source = new PassThrough();
          writes.push(
            blobs.write(newBlobId(), source).then(
              () => 'written',
              () => 'refused',
            ),
          );
          source.destroy(new Error('refused'));
        }
        await Promise.all(busy);
      }
      expect(new Set(await Promise.all(writes))).toEqual(new Set(['refused']));
      expect(diskBlobCount(dir)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a media store that cannot delete (its database away)', () => {
  it('when a group with a picture is dismissed, then the dismissal is answered 0 and told to its members, and the failure is logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-media-nodelete-'));
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const disk = createDiskBlobs(dir);
    const live = await startLive({
      config: testConfig(),
      logger,
      mediaBlobs: {
        ...disk,
        delete: async () => {
          throw new Error('the media store is away');
        },
      },
    });
    try {
      await group(live.gw, 'alice', ['bob'], 'Public', 'pub');
      const bob = await live.subscribe('bob', 'subscription { onGroupEvent { type groupID } }');
      const pic = await multipart(`http://127.0.0.1:${live.port}`, userSig('alice'), CREATE_IMAGE, {
        image: { bytes: await png(20, 20), name: 'p.png' },
      });
      expectCode(await live.gw.call('alice', SEND_MEDIA, { id: pic.result.data.id, groupID: 'pub' }), 0, 'send');
      // The dismissal is committed before its media's bytes are deleted: their failure must not undo its answer.
      expectCode(await live.gw.call('alice', DISMISS, { groupID: 'pub' }), 0, 'dismissGroup');
      expect((await bob.waitFor(1))[0].onGroupEvent).toEqual({ type: 'onGroupDismissed', groupID: 'pub' });
      expect(warnings).toContain('deleting media failed: trying again later');
    } finally {
      await live.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the gateway's media store", () => {
  it('when a delete fails, then it is answered, logged, and done once the store answers again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-media-retry-'));
    try {
      const disk = createDiskBlobs(dir);
      const ids = [newBlobId(), newBlobId()];
      for (const id of ids) await disk.write(id, Readable.from([Buffer.from(id)]));
      let away = true;
      const warnings: unknown[] = [];
      const blobs = cleanupTolerant(
        { ...disk, delete: (list) => (away ? Promise.reject(new Error('away')) : disk.delete(list)) },
        { warn: ((o: unknown) => void warnings.push(o)) as Logger['warn'] },
        20,
      );
      await blobs.delete(ids); // answered, not rejected
      expect(warnings).toHaveLength(1);
      expect(diskBlobCount(dir)).toBe(2);
      away = false;
      await until(() => diskBlobCount(dir) === 0, 'the retried delete');
      await blobs.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
