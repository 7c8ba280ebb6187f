// Media messages: the Upload scalar (a file part of a GraphQL multipart request), the SDK's media elements on
// V2TimMessage, and the four create mutations. Resolvers are one line into src/resolvers/media.ts.
import { GraphQLError, Kind } from 'graphql';
import * as media from '../resolvers/media';
import type { V2TimImage } from '../media/view';
import type { MediaViews } from '../media/view';
import { builder } from './builder';
import { signedIn } from './context';
import { ELEM_HOSTS, MsgCreateInfoResultValueCallback } from './message';

const Upload = builder.scalarType('Upload', {
  description:
    'A file of a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec): null in operations, mapped to its part in map. Streamed to the media store, never held whole in memory.',
  serialize: () => {
    throw new GraphQLError('Upload is an input type only.');
  },
  // The multipart reader (src/media/upload.ts) puts a token for each staged file here; resolvers look it up.
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('An Upload is a file part of a multipart request.');
    return value;
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new GraphQLError('An Upload is a file part of a multipart request.');
    return node.value;
  },
});

const UUID =
  'Instead of an upload: the uuid of media you uploaded before (an elem’s uuid, as your messages show it); only your own uploads, 6017 otherwise.';

const V2TimImageRef = builder.objectRef<V2TimImage>('V2TimImage').implement({
  description: 'One version of a picture: type 0 the original (V2TIM_IMAGE_TYPE_ORIGIN), 1 the thumbnail, 2 large.',
  fields: (t) => ({
    uuid: t.exposeString('uuid'),
    type: t.exposeInt('type', { description: 'V2TIM_IMAGE_TYPE_ORIGIN 0, _THUMB 1, _LARGE 2.' }),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    url: t.exposeString('url', { description: 'Download URL for this viewer (see the README: Media).' }),
  }),
});

type Image = NonNullable<MediaViews['imageElem']>;
type Sound = NonNullable<MediaViews['soundElem']>;
type Video = NonNullable<MediaViews['videoElem']>;
type FileView = NonNullable<MediaViews['fileElem']>;

const V2TimImageElem = builder.objectRef<Image>('V2TimImageElem').implement({
  fields: (t) => ({
    path: t.exposeString('path', { nullable: true, description: 'A local path on the sender; always null here.' }),
    imageList: t.expose('imageList', { type: [V2TimImageRef] }),
  }),
});

const V2TimSoundElem = builder.objectRef<Sound>('V2TimSoundElem').implement({
  fields: (t) => ({
    path: t.exposeString('path', { nullable: true }),
    uuid: t.exposeString('uuid'),
    dataSize: t.exposeInt('dataSize'),
    duration: t.exposeInt('duration', { description: 'Seconds, as the sender gave it.' }),
    url: t.exposeString('url'),
  }),
});

const V2TimVideoElem = builder.objectRef<Video>('V2TimVideoElem').implement({
  fields: (t) => ({
    videoPath: t.exposeString('videoPath', { nullable: true }),
    videoUUID: t.exposeString('videoUUID'),
    videoSize: t.exposeInt('videoSize'),
    duration: t.exposeInt('duration'),
    videoType: t.exposeString('videoType', { description: 'The container, e.g. mp4.' }),
    videoUrl: t.exposeString('videoUrl'),
    snapshotPath: t.exposeString('snapshotPath', { nullable: true }),
    snapshotUUID: t.exposeString('snapshotUUID', { nullable: true, description: 'Null when no snapshot was sent.' }),
    snapshotSize: t.exposeInt('snapshotSize'),
    snapshotWidth: t.exposeInt('snapshotWidth'),
    snapshotHeight: t.exposeInt('snapshotHeight'),
    snapshotUrl: t.exposeString('snapshotUrl', { nullable: true }),
  }),
});

const V2TimFileElem = builder.objectRef<FileView>('V2TimFileElem').implement({
  fields: (t) => ({
    path: t.exposeString('path', { nullable: true }),
    uuid: t.exposeString('uuid'),
    fileName: t.exposeString('fileName'),
    fileSize: t.exposeInt('fileSize'),
    url: t.exposeString('url', { description: 'Downloads as an attachment named fileName.' }),
  }),
});

for (const host of ELEM_HOSTS)
  builder.objectFields(host, (t) => ({
    imageElem: t.expose('imageElem', {
      type: V2TimImageElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_IMAGE (and the message is not revoked).',
    }),
    soundElem: t.expose('soundElem', {
      type: V2TimSoundElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_SOUND.',
    }),
    videoElem: t.expose('videoElem', {
      type: V2TimVideoElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_VIDEO.',
    }),
    fileElem: t.expose('fileElem', {
      type: V2TimFileElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_FILE.',
    }),
  }));

builder.mutationField('createImageMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Builds an unsent picture message from an upload (≤ 28 MB; JPEG, PNG, GIF, WebP, …), or from uuid, a picture you uploaded before, with a thumbnail and a large version; send it with sendMessage(id).',
    args: { image: t.arg({ type: Upload }), uuid: t.arg.string({ description: UUID }) },
    resolve: (_, args, ctx) => media.createImageMessage(signedIn(ctx), ctx.uploads, args),
  }),
);

builder.mutationField('createSoundMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Builds an unsent voice message from an audio upload (≤ 28 MB), or uuid of one you uploaded before; duration in seconds.',
    args: {
      sound: t.arg({ type: Upload }),
      uuid: t.arg.string({ description: UUID }),
      duration: t.arg.int({ required: true }),
    },
    resolve: (_, args, ctx) => media.createSoundMessage(signedIn(ctx), ctx.uploads, args),
  }),
);

builder.mutationField('createVideoMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Builds an unsent video message from a video upload (≤ 100 MB), or videoUUID of one you uploaded before, and an optional snapshot picture (or snapshotUUID).',
    args: {
      video: t.arg({ type: Upload }),
      videoUUID: t.arg.string({ description: UUID }),
      type: t.arg.string({ description: 'The container (mp4, mov, …); found from the bytes when omitted.' }),
      duration: t.arg.int({ required: true }),
      snapshot: t.arg({ type: Upload }),
      snapshotUUID: t.arg.string({ description: UUID }),
    },
    resolve: (_, args, ctx) => media.createVideoMessage(signedIn(ctx), ctx.uploads, args),
  }),
);

builder.mutationField('createFileMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Builds an unsent file message from any upload (≤ 100 MB), or uuid of one you uploaded before; fileName defaults to the upload’s name.',
    args: { file: t.arg({ type: Upload }), uuid: t.arg.string({ description: UUID }), fileName: t.arg.string() },
    resolve: (_, args, ctx) => media.createFileMessage(signedIn(ctx), ctx.uploads, args),
  }),
);
