import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InMemoryFs } from 'just-bash';
import { LabFs } from '../../lab/fs/labFs';
import { Lab, type SimNode } from '../../lab/lab';

describe('LabFs, through the node shell', () => {
  let lab: Lab;
  let stateDir: string;
  let pve1: SimNode;
  let pve2: SimNode;
  const shared = new InMemoryFs();

  const sh = async (node: SimNode, script: string) => node.exec(script);

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'twin-fs-'));
    lab = await Lab.start({ stateDir, nodes: 2 });
    [pve1, pve2] = lab.nodes as [SimNode, SimNode];
    await pve1.fs.mount('/mnt/shared', shared);
    await pve2.fs.mount('/mnt/shared', shared);
  });

  after(async () => {
    await lab.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('appending through a symlink appends to its target, and the link stays a link', async () => {
    const r = await sh(pve1, 'echo one > /root/target; ln -s /root/target /root/link; echo two >> /root/link; cat /root/link; test -L /root/link && echo is-link; readlink /root/link; cat /root/target');
    assert.equal(r.stdout, 'one\ntwo\nis-link\n/root/target\none\ntwo\n');
    assert.equal((await pve1.fs.lstat('/root/link')).isSymbolicLink, true);
  });

  test('a symlink into another mount is followed for reads and writes', async () => {
    await sh(pve1, 'echo shared > /mnt/shared/keys; ln -s /mnt/shared/keys /root/.ssh/authorized_keys');
    const r = await sh(pve1, 'echo appended >> /root/.ssh/authorized_keys; cat /root/.ssh/authorized_keys; test -L /root/.ssh/authorized_keys && echo still-a-link');
    assert.equal(r.stdout, 'shared\nappended\nstill-a-link\n');
    assert.equal(await shared.readFile('/keys'), 'shared\nappended\n');
    assert.equal((await sh(pve2, 'cat /mnt/shared/keys')).stdout, 'shared\nappended\n', 'the other node sees the same file');
  });

  test('> through a symlink rewrites the target instead of replacing the link', async () => {
    await sh(pve2, 'ln -s /mnt/shared/keys /root/keys-link; echo replaced > /root/keys-link');
    assert.equal(await shared.readFile('/keys'), 'replaced\n');
    assert.equal(await pve2.fs.readlink('/root/keys-link'), '/mnt/shared/keys');
  });

  test('relative symlinks resolve from the link directory, like /etc/pve/local', async () => {
    assert.equal((await sh(pve1, 'readlink /etc/pve/local')).stdout, 'nodes/pve1\n');
    const r = await sh(pve1, 'cd /etc/pve/local && pwd -P && ls');
    assert.equal(r.stdout, '/etc/pve/nodes/pve1\nlxc\nopenvz\npriv\nqemu-server\n');
  });

  test('rm removes the link, not its target', async () => {
    await sh(pve1, 'echo keep > /mnt/shared/keep; ln -s /mnt/shared/keep /root/keep-link; rm /root/keep-link');
    assert.equal(await pve1.fs.exists('/root/keep-link'), false);
    assert.equal(await shared.readFile('/keep'), 'keep\n');
  });

  test('symlink loops fail with ELOOP instead of hanging', async () => {
    const r = await sh(pve1, 'ln -s /loop-a /loop-b; ln -s /loop-b /loop-a; echo x > /loop-a; echo status=$?');
    assert.equal(r.stdout, 'status=1\n');
    assert.match(r.stderr, /bash: \/loop-a: Too many levels of symbolic links/);
    await assert.rejects(pve1.fs.readFile('/loop-a'), /ELOOP/);
  });

  test('a dangling symlink is created through, like open(O_CREAT)', async () => {
    await sh(pve1, 'ln -s /mnt/shared/new-file /root/dangling; echo born > /root/dangling');
    assert.equal(await shared.readFile('/new-file'), 'born\n');
  });

  test('writing into a missing directory fails like bash does, and the script goes on', async () => {
    const r = await sh(pve1, 'echo x > /no/such/dir/file; echo after=$?');
    assert.equal(r.stdout, 'after=1\n');
    assert.equal(r.stderr, 'bash: /no/such/dir/file: No such file or directory\n');
  });

  test('a read-only mount refuses writes with EROFS; the flag can change while mounted', async () => {
    const ro = await pve1.fs.mount('/mnt/ro', new InMemoryFs({ '/f': 'data\n' }), { readOnly: true });
    const refused = await sh(pve1, 'echo x >> /mnt/ro/f; echo status=$?; cat /mnt/ro/f');
    assert.equal(refused.stdout, 'status=1\ndata\n');
    assert.equal(refused.stderr, 'bash: /mnt/ro/f: Read-only file system\n');
    ro.readOnly = false;
    assert.equal((await sh(pve1, 'echo x >> /mnt/ro/f; cat /mnt/ro/f')).stdout, 'data\nx\n');
  });

  test('a device path hands writes to its handler and fails reads without a reader', async () => {
    const written: string[] = [];
    await pve1.fs.device('/dev/lab-test', { write: (data) => void written.push(data) });
    const r = await sh(pve1, 'echo hello > /dev/lab-test; echo status=$?');
    assert.equal(r.stdout, 'status=0\n');
    assert.deepEqual(written, ['hello\n']);
    await assert.rejects(pve1.fs.readFile('/dev/lab-test'), /EIO/);
  });

  test('mv and cp work across mounts', async () => {
    const r = await sh(pve1, 'echo moved > /root/m; mv /root/m /mnt/shared/m; cat /mnt/shared/m; cp /mnt/shared/m /root/c; cat /root/c; test -e /root/m || echo gone');
    assert.equal(r.stdout, 'moved\nmoved\ngone\n');
  });

  test('rm -rf empties a mounted filesystem but cannot remove its mount point', async () => {
    const scratch = new InMemoryFs({ '/x': '1' });
    await pve2.fs.mount('/srv/scratch', scratch);
    await sh(pve2, 'rm -rf /srv');
    assert.deepEqual(await scratch.readdir('/'), []);
    assert.equal(await pve2.fs.exists('/srv/scratch'), true);
  });
});

describe('LabFs, directly', () => {
  test('stat follows links across mounts, lstat does not; realpath resolves them', async () => {
    const fs = new LabFs(new InMemoryFs({ '/home/.keep': '' }));
    await fs.mount('/data', new InMemoryFs({ '/real': 'content' }));
    await fs.symlink('/data/real', '/home/link');
    assert.equal((await fs.stat('/home/link')).isFile, true);
    assert.equal((await fs.lstat('/home/link')).isSymbolicLink, true);
    assert.equal(await fs.realpath('/home/link'), '/data/real');
    assert.equal(await fs.readFile('/home/link'), 'content');
  });

  test('a mount point cannot be removed or renamed', async () => {
    const fs = new LabFs(new InMemoryFs());
    await fs.mount('/mnt/a', new InMemoryFs());
    await assert.rejects(fs.rm('/mnt/a', { recursive: true }), /EBUSY/);
    await assert.rejects(fs.mv('/mnt/a', '/mnt/b'), /EBUSY/);
  });

  test('hard links cannot cross mounts', async () => {
    const fs = new LabFs(new InMemoryFs({ '/f': 'x' }));
    await fs.mount('/other', new InMemoryFs());
    await assert.rejects(fs.link('/f', '/other/f'), /EXDEV/);
  });

  test('getAllPaths lists each mount under its mount point, without shadowed paths', async () => {
    const base = new InMemoryFs({ '/m/hidden': 'under the mount' });
    const fs = new LabFs(base);
    await fs.mount('/m', new InMemoryFs({ '/visible': 'x' }));
    const paths = fs.getAllPaths();
    assert.ok(paths.includes('/m/visible'));
    assert.ok(!paths.includes('/m/hidden'));
  });
});
