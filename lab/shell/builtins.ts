import type { CommandName } from 'just-bash';

/**
 * just-bash built-ins a Debian-based PVE node has. Left out: interpreters and network clients
 * (python, js, curl: they could reach the host), and tools PVE does not install (jq, rg, yq, xan,
 * sqlite3, tree, html-to-markdown).
 */
export const BUILTINS: CommandName[] = [
  'alias', 'awk', 'base64', 'basename', 'bash', 'cat', 'chmod', 'clear', 'column', 'comm', 'cp', 'cut',
  'date', 'diff', 'dirname', 'du', 'echo', 'egrep', 'env', 'expand', 'expr', 'false', 'fgrep', 'file',
  'find', 'fold', 'grep', 'gunzip', 'gzip', 'head', 'help', 'history', 'hostname', 'join', 'ln', 'ls',
  'md5sum', 'mkdir', 'mv', 'nl', 'od', 'paste', 'printenv', 'printf', 'pwd', 'readlink', 'rev', 'rm',
  'rmdir', 'sed', 'seq', 'sh', 'sha1sum', 'sha256sum', 'sleep', 'sort', 'split', 'stat', 'strings', 'tac',
  'tail', 'tar', 'tee', 'time', 'timeout', 'touch', 'tr', 'true', 'unalias', 'unexpand', 'uniq', 'wc',
  'which', 'whoami', 'xargs', 'zcat',
];
