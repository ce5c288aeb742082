// The extension icon (dist/icon.png, 128x128), drawn here at build time so no binary is committed:
// FIG. 5 in miniature, three virtual spaces (columns) mapping coloured physical chunks, on a dark tile.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const SIZE = 128;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An RGBA picture as a PNG file's bytes. */
export function encodePng(width, height, rgba) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8 bits, RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export function drawIcon() {
  const px = Buffer.alloc(SIZE * SIZE * 4);
  const fill = (x0, y0, x1, y1, [r, g, b], inside = () => true) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
      if (!inside(x, y)) continue;
      const i = (y * SIZE + x) * 4;
      px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = 255;
    }
  };
  // The tile: a rounded square.
  const R = 20;
  const rounded = (x, y) => {
    const cx = Math.min(Math.max(x, R), SIZE - 1 - R), cy = Math.min(Math.max(y, R), SIZE - 1 - R);
    return (x - cx) ** 2 + (y - cy) ** 2 <= R * R;
  };
  fill(0, 0, SIZE, SIZE, [0x1b, 0x2b, 0x45], rounded);
  // Chunk colours as the chunk map draws them: C1 shared, C4 / C5 per space, C3 shared.
  const C1 = [0x4f, 0xc3, 0xf7], C3 = [0x9c, 0xcc, 0x65], C4 = [0xff, 0xb7, 0x4d], C5 = [0xf0, 0x62, 0x92], C2 = [0xb0, 0xbe, 0xc5];
  const columns = [[C1, C2, C3], [C1, C4, C3], [C1, C5, C3]];
  columns.forEach((col, i) => {
    const x0 = 18 + i * 32;
    fill(x0, 22, x0 + 26, 40, col[0]);
    fill(x0, 44, x0 + 26, 92, col[1]);
    fill(x0, 96, x0 + 26, 106, col[2]);
  });
  return encodePng(SIZE, SIZE, px);
}

export function writeIcon(file) {
  writeFileSync(file, drawIcon());
}
