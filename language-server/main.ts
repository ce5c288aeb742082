// Entry of the bundled language server (dist/languageServer.js). The transport comes from the command
// line as vscode-languageserver reads it: --stdio, --node-ipc or --socket=PORT.

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { libraryDir } from '../emulator/index';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
// A bug must not end the server: log it and go on serving the other requests.
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}`));
startServer(connection, { libraryDir: libraryDir(__dirname) });
