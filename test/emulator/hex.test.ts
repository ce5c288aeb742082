// Numbers as layouts and people write them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, hex64, parseNumber, formatSize } from '../../emulator/index';

test('parseNumber reads hex with separators, sizes with suffixes, binary and decimal', () => {
  assert.equal(parseNumber('0x1_0000_0000'), 2 ** 32);
  assert.equal(parseNumber('0x2000_0000'), 512 * 2 ** 20);
  assert.equal(parseNumber('512M'), 0x2000_0000);
  assert.equal(parseNumber('3.25G'), 0xd000_0000); // 3.25 * 2^30 = 0xD000_0000
  assert.equal(parseNumber('256m'), 0x1000_0000);
  assert.equal(parseNumber('4K'), 4096);
  assert.equal(parseNumber('0b1010'), 10);
  assert.equal(parseNumber('4096'), 4096);
  assert.equal(parseNumber(4096), 4096);
  assert.equal(parseNumber('1.5'), undefined, 'not a whole number of bytes');
  assert.equal(parseNumber('0x_'), undefined);
  assert.equal(parseNumber('0x12_'), undefined);
  assert.equal(parseNumber('twelve'), undefined);
  assert.equal(parseNumber(0.5), undefined);
});

test('hex groups digits by four', () => {
  assert.equal(hex(2 ** 32), '0x1_0000_0000');
  assert.equal(hex(0x2000_0000), '0x2000_0000');
  assert.equal(hex(0x1_d000_0000), '0x1_d000_0000');
  assert.equal(hex(5), '0x5');
  assert.equal(hex(5, 8), '0x0000_0005');
  assert.equal(hex64(0x0000_1107, 0x1), '0x0000_0001_0000_1107');
  assert.equal(formatSize(0xd000_0000), '3.25G');
  assert.equal(formatSize(512 * 2 ** 20), '512M');
});
