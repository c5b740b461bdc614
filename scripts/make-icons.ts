// Draws the app icon (a blue rounded square, a white download arrow over a red "recording" dot) at every
// size the platforms need and writes plain PNGs to assets/: icon.png (1024, electron-builder derives
// .ico and .icns from it) and assets/icons/NxN.png for Linux. No image library: pixels and zlib.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const out = path.resolve(import.meta.dirname, '..', 'assets');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size: number, rgba: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Coverage 0..1 of the unit-square point (u, v) for each layer, supersampled by the caller. */
function shade(u: number, v: number): [number, number, number, number] {
  const r = 0.2; // corner radius of the background
  const m = 0.04; // margin
  const dx = Math.max(Math.abs(u - 0.5) - (0.5 - m - r), 0);
  const dy = Math.max(Math.abs(v - 0.5) - (0.5 - m - r), 0);
  if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
  // background: vertical blue gradient
  let px: [number, number, number, number] = [22 + 20 * v, 119 - 30 * v, 255 - 40 * v, 255];
  // red recording dot, bottom right
  if ((u - 0.74) ** 2 + (v - 0.74) ** 2 < 0.11 ** 2) return [235, 64, 52, 255];
  // white arrow: shaft and head, plus a tray line
  const shaft = Math.abs(u - 0.45) < 0.075 && v > 0.2 && v < 0.52;
  const head = v >= 0.5 && v < 0.7 && Math.abs(u - 0.45) < (0.7 - v) * 1.05;
  const tray = v > 0.76 && v < 0.83 && u > 0.2 && u < 0.58;
  if (shaft || head || tray) px = [255, 255, 255, 255];
  return px;
}

mkdirSync(path.join(out, 'icons'), { recursive: true });
for (const size of SIZES) {
  const rgba = Buffer.alloc(size * size * 4);
  const ss = size < 64 ? 4 : 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const p = shade((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          for (let i = 0; i < 3; i++) acc[i]! += p[i]! * p[3];
          acc[3]! += p[3];
        }
      }
      const a = acc[3]!;
      const o = (y * size + x) * 4;
      rgba[o] = a ? Math.round(acc[0]! / a) : 0;
      rgba[o + 1] = a ? Math.round(acc[1]! / a) : 0;
      rgba[o + 2] = a ? Math.round(acc[2]! / a) : 0;
      rgba[o + 3] = Math.round(a / (ss * ss));
    }
  }
  const file = png(size, rgba);
  writeFileSync(path.join(out, 'icons', `${size}x${size}.png`), file);
  if (size === 1024) writeFileSync(path.join(out, 'icon.png'), file);
  if (size === 32) writeFileSync(path.join(out, 'tray.png'), file);
}
console.log(`wrote ${SIZES.length} sizes to ${out}`);
