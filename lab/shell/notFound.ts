/**
 * just-bash reports a missing python3, sqlite3, yq or xan as "not available in browser
 * environments"; a PVE node says what bash says for any missing program.
 */
export function bashNotFound(stderr: string): string {
  return stderr.replace(
    /^bash: (\S+): command not available in browser environments\. Exclude '\1' from your commands or use the Node\.js bundle\.$/gm,
    'bash: $1: command not found',
  );
}
