// Thumbnail and large versions of an uploaded picture (V2TIM's imageList: ORIGIN, THUMB, LARGE), made on upload with
// sharp. Tencent's sizes: the thumbnail fits 198 px, the large version 720 px (never enlarged). The original is
// read into memory for decoding (at most the image limit, 28 MB: sharp decodes whole images anyway).
import { Readable } from 'node:stream';
import sharp, { type Metadata } from 'sharp';
import { ImageType, type StoredImage } from './element';
import { newBlobId, type MediaBlobs } from './store';

const VERSIONS = [
  { type: ImageType.THUMB, box: 198 },
  { type: ImageType.LARGE, box: 720 },
] as const;

async function readAll(blobs: MediaBlobs, uuid: string): Promise<Buffer> {
  const stream = await blobs.read(uuid);
  if (!stream) throw new Error(`blob ${uuid} is gone`);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Width and height as shown (EXIF orientations 5–8 swap them). */
function shownSize(meta: Metadata): { width: number; height: number } {
  const swap = (meta.orientation ?? 1) >= 5;
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  return swap ? { width: height, height: width } : { width, height };
}

/** Width and height of a picture blob (a video snapshot); throws when the bytes do not decode. */
export async function imageSize(blobs: MediaBlobs, uuid: string) {
  return shownSize(await sharp(await readAll(blobs, uuid)).metadata());
}

/**
 * The imageList of an uploaded picture: the original as uploaded, and a thumbnail and a large version written as
 * new blobs (`wrote` hears of each, so the caller can delete them if the message is not made). Throws when the
 * bytes do not decode as a picture.
 */
export async function imageVersions(
  blobs: MediaBlobs,
  origin: { uuid: string; size: number; contentType: string },
  wrote: (uuid: string) => void,
): Promise<StoredImage[]> {
  const input = await readAll(blobs, origin.uuid);
  const meta = await sharp(input).metadata();
  const { width, height } = shownSize(meta);
  const list: StoredImage[] = [
    { uuid: origin.uuid, type: ImageType.ORIGIN, size: origin.size, width, height, contentType: origin.contentType },
  ];
  // Transparent pictures stay PNG; everything else becomes JPEG (what Tencent's own versions are).
  const png = meta.hasAlpha === true;
  for (const { type, box } of VERSIONS) {
    const { data, info } = await sharp(input, { animated: false })
      .rotate()
      .resize(box, box, { fit: 'inside', withoutEnlargement: true })
      [png ? 'png' : 'jpeg']()
      .toBuffer({ resolveWithObject: true });
    const uuid = newBlobId();
    wrote(uuid);
    const size = await blobs.write(uuid, Readable.from([data]));
    list.push({
      uuid,
      type,
      size,
      width: info.width,
      height: info.height,
      contentType: png ? 'image/png' : 'image/jpeg',
    });
  }
  return list;
}
