import * as path from 'node:path';
import type * as ToolsModule from '../scripts/tools';

/**
 * The Temporal binaries are located by the plain-JS resolver that `npm run setup` also uses;
 * compiled code lives in dist/<folder>/, two levels below the project root.
 */
export const tools: typeof ToolsModule = require(path.join(__dirname, '..', '..', 'scripts', 'tools.js'));
