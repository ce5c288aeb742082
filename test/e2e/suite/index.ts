// The extension integration suite's entry point: the run() that @vscode/test-electron and the
// code-server smoke-test driver both call inside the extension host. One suite serves both launchers.
import Mocha from 'mocha';
import { integrationTests } from './extension.itest';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension.itest', mocha);
  integrationTests();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed`)) : resolve()));
    // The driver's log keeps one line per call: say each failure plainly.
    runner.on('fail', (test, err: Error) => console.log(`FAIL ${test.fullTitle()}: ${err.stack ?? err.message}`.replace(/\n/g, ' | ')));
  });
}
