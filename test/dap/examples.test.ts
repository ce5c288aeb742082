// Every program in examples/ (more are added over time; each is picked up here) runs to its end under
// the debugger with no exception stop, and its first steps show frames and threads naming their space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { overBothTransports, root, type Body } from './harness';

const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mover')).sort();

overBothTransports('examples', (open) => {
  for (const name of examples) {
    test(`${name} runs to its end under the debugger`, async () => {
      const d = await open();
      const r = await d.launch({ program: path.join(root, 'examples', name), stopOnEntry: false });
      assert.equal(r.success, true, r.message);
      await d.event('terminated', () => true, 60_000);
      assert.deepEqual(d.take('stopped').map((e) => (e.body as DebugProtocol.StoppedEvent['body']).description), []);
      const out = d.take('output').map((e) => (e.body as DebugProtocol.OutputEvent['body']).output);
      assert.match(out.at(-1)!, /^program halted after \d+ instructions\n$/);
    });

    test(`${name}: the first steps show threads and frames with their space`, async () => {
      const d = await open();
      const tid = await d.launchStopped({ program: path.join(root, 'examples', name) });
      for (let i = 0; i < 10; i++) {
        const s = await d.resume('stepIn', { threadId: tid });
        if (s.body.reason !== 'step') break;
      }
      const { threads } = await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads');
      for (const t of threads) assert.match(t.name, /^cpu\d+ · \S+ · (VS\d+|waiting|halted)$/);
      const { stackFrames } = await d.ok<Body<DebugProtocol.StackTraceResponse>>('stackTrace', { threadId: tid });
      for (const f of stackFrames) assert.match(f.name, / · VS\d+$/);
    });
  }
});
