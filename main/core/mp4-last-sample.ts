// The 2018 ffmpeg we bundle writes the last frame of a recording whose frames state no duration (WebRTC
// recorders' never do) as an MP4 sample lasting 0, and ends the track's edit list where that frame
// starts: players, and ffmpeg itself, then drop the last frame. Newer ffmpeg (2019+) gives that sample
// the duration of the one before it; this does the same to a finished MP4, in place: only numbers
// change, no box grows, so nothing else in the file moves. A file without such a sample is left alone.
import { open, type FileHandle } from 'node:fs/promises';

interface Box {
  readonly type: string;
  /** Where the box's content starts and ends, in the buffer it was read from. */
  readonly start: number;
  readonly end: number;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts']);

/** The boxes directly inside `[from, to)` of `data`. */
function children(data: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = data.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      size = Number(data.readBigUInt64BE(at + 8));
      header = 16;
    }
    if (size === 0) size = to - at;
    if (size < header || at + size > to) break;
    out.push({ type: data.toString('latin1', at + 4, at + 8), start: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (data: Buffer, box: Box, type: string): Box | undefined => children(data, box.start, box.end).find((b) => b.type === type);
/** The box reached from `box` through the containers `types`, one level each. */
function descend(data: Buffer, box: Box, ...types: string[]): Box | undefined {
  let at: Box | undefined = box;
  for (const type of types) at = at && CONTAINERS.has(at.type) ? child(data, at, type) : undefined;
  return at;
}

/** A full box's duration field (after version/flags, creation and modification times, and `skip` more bytes). */
function durationField(data: Buffer, box: Box, skip: number): { read: () => number; write: (value: number) => void } {
  const v1 = data.readUInt8(box.start) === 1;
  const at = box.start + 4 + (v1 ? 16 : 8) + skip;
  return v1
    ? { read: () => Number(data.readBigUInt64BE(at)), write: (value) => data.writeBigUInt64BE(BigInt(value), at) }
    : { read: () => data.readUInt32BE(at), write: (value) => data.writeUInt32BE(value, at) };
}
const timescaleOf = (data: Buffer, box: Box): number => data.readUInt32BE(box.start + 4 + (data.readUInt8(box.start) === 1 ? 16 : 8));

/** Gives one track's zero-length last sample the previous sample's duration; the ticks added (movie timescale), or 0. */
function mendTrack(data: Buffer, trak: Box, movieTimescale: number): number {
  const stts = descend(data, trak, 'mdia', 'minf', 'stbl', 'stts');
  const mdhd = descend(data, trak, 'mdia', 'mdhd');
  const tkhd = child(data, trak, 'tkhd');
  if (!stts || !mdhd || !tkhd) return 0;
  const entries = data.readUInt32BE(stts.start + 4);
  if (entries < 2 || stts.start + 8 + entries * 8 > stts.end) return 0;
  const entry = (i: number) => stts.start + 8 + i * 8;
  const [lastCount, lastDelta, previousDelta] = [data.readUInt32BE(entry(entries - 1)), data.readUInt32BE(entry(entries - 1) + 4), data.readUInt32BE(entry(entries - 2) + 4)];
  if (lastCount !== 1 || lastDelta !== 0 || previousDelta === 0) return 0;
  data.writeUInt32BE(previousDelta, entry(entries - 1) + 4);
  const media = durationField(data, mdhd, 4);
  media.write(media.read() + previousDelta);
  const added = Math.round((previousDelta * movieTimescale) / timescaleOf(data, mdhd));
  const track = durationField(data, tkhd, 8);
  track.write(track.read() + added);
  // the edit that shows the media (not an empty one, media_time -1) now reaches the end of the last sample
  const elst = descend(data, trak, 'edts', 'elst');
  if (elst) {
    const v1 = data.readUInt8(elst.start) === 1;
    const size = v1 ? 20 : 12;
    const count = data.readUInt32BE(elst.start + 4);
    for (let i = count - 1; i >= 0; i--) {
      const at = elst.start + 8 + i * size;
      if (at + size > elst.end) continue;
      const mediaTime = v1 ? data.readBigInt64BE(at + 8) : BigInt(data.readInt32BE(at + 4));
      if (mediaTime === -1n) continue;
      if (v1) data.writeBigUInt64BE(data.readBigUInt64BE(at) + BigInt(added), at);
      else data.writeUInt32BE(data.readUInt32BE(at) + added, at);
      break;
    }
  }
  return track.read();
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Mends every track of `file` whose last sample lasts 0; true when something changed. */
export async function mendLastSampleDuration(file: string): Promise<boolean> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    // find moov among the top-level boxes by their headers only (mdat may be gigabytes)
    let moovAt = -1;
    let moovSize = 0;
    for (let at = 0; at + 8 <= size; ) {
      const head = await readAt(handle, at, 16);
      let boxSize = head.readUInt32BE(0);
      if (boxSize === 1 && head.length >= 16) boxSize = Number(head.readBigUInt64BE(8));
      if (boxSize === 0) boxSize = size - at;
      if (boxSize < 8) return false;
      if (head.toString('latin1', 4, 8) === 'moov') [moovAt, moovSize] = [at, boxSize];
      at += boxSize;
    }
    if (moovAt < 0) return false;
    const data = await readAt(handle, moovAt, moovSize);
    const moov: Box = { type: 'moov', start: data.readUInt32BE(0) === 1 ? 16 : 8, end: data.length };
    const mvhd = child(data, moov, 'mvhd');
    if (!mvhd) return false;
    const movieTimescale = timescaleOf(data, mvhd);
    let longest = 0;
    let changed = false;
    for (const trak of children(data, moov.start, moov.end).filter((b) => b.type === 'trak')) {
      const mended = mendTrack(data, trak, movieTimescale);
      if (mended > 0) changed = true;
      longest = Math.max(longest, mended);
    }
    if (!changed) return false;
    const movie = durationField(data, mvhd, 4);
    if (longest > movie.read()) movie.write(longest);
    await handle.write(data, 0, data.length, moovAt);
    return true;
  } finally {
    await handle.close();
  }
}
