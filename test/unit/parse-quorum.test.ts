import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCorosyncQuorumtool, parsePveMembers, parsePvecmNodes, parsePvecmStatus } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



/** The same output as a terminal might hand it over: TABs between columns, CRLF, padded, unterminated. */
const variants = (text: string): [string, string][] => [
  ['tabs', text.replace(/ {2,}/g, '\t')],
  ['CRLF', text.replace(/\n/g, '\r\n')],
  ['trailing spaces', text.replace(/\n/g, '   \n')],
  ['no trailing newline', text.trimEnd()],
];

describe('pvecm-status', () => {
  test('4 nodes, PVE docs: expected votes, quorum, local node, addresses', () => {
    const s = parsePvecmStatus(fixture('pvecm-status.quorate.4nodes.pve-docs.txt'));
    assert.equal(s.clusterName, 'prod-central');
    assert.equal(s.configVersion, 3);
    assert.equal(s.transport, 'knet');
    assert.equal(s.secureAuth, true);
    assert.equal(s.ringId, '1.1a8');
    assert.equal(s.nodeCount, 4);
    assert.equal(s.localNodeId, 1);
    assert.equal(s.quorate, true);
    assert.equal(s.expectedVotes, 4);
    assert.equal(s.highestExpected, 4);
    assert.equal(s.totalVotes, 4);
    assert.equal(s.quorum, 3);
    assert.equal(s.activityBlocked, false);
    assert.deepEqual(s.flags, ['Quorate']);
    assert.deepEqual(
      s.nodes.map((n) => [n.nodeid, n.votes, n.address, n.local]),
      [
        [1, 1, '192.168.15.91', false],
        [2, 1, '192.168.15.92', true],
        [3, 1, '192.168.15.93', false],
        [4, 1, '192.168.15.94', false],
      ],
    );
    assert.equal(s.qdevice, undefined);
  });

  test('PVE 8, 3 nodes: dashed underlines, Ring ID 1.d, node 1 local', () => {
    const s = parsePvecmStatus(fixture('pvecm-status.quorate.3nodes.pve8.txt'));
    assert.equal(s.clusterName, 'pve-cluster');
    assert.equal(s.ringId, '1.d');
    assert.equal(s.date, 'Tue May 14 23:01:14 2024');
    assert.equal(s.quorumProvider, 'corosync_votequorum');
    assert.deepEqual(
      s.nodes.map((n) => `${n.nodeid} ${n.address}${n.local ? ' local' : ''}`),
      ['1 20.20.20.50 local', '2 20.20.20.51', '3 20.20.20.52'],
    );
  });

  test('PVE 8, 5 nodes named by IP: config version 11, node 4 is local', () => {
    const s = parsePvecmStatus(fixture('pvecm-status.quorate.5nodes.pve8.ip-names.txt'));
    assert.equal(s.clusterName, 'Cluster0');
    assert.equal(s.configVersion, 11);
    assert.equal(s.ringId, '1.9e1');
    assert.equal(s.localNodeId, 4);
    assert.equal(s.expectedVotes, 5);
    assert.equal(s.quorum, 3);
    const local = s.nodes.filter((n) => n.local);
    assert.deepEqual(local, [{ nodeid: 4, votes: 1, address: '10.100.4.102', local: true }]);
    assert.equal(s.nodes.length, 5);
  });

  test('PVE 6 without the Cluster information block, trailing spaces, ssh farewell line', () => {
    const s = parsePvecmStatus(fixture('pvecm-status.quorate.3nodes.pve6-no-cluster-section.txt'));
    assert.equal(s.clusterName, undefined);
    assert.equal(s.configVersion, undefined);
    assert.equal(s.ringId, '1/12');
    assert.equal(s.quorum, 2);
    assert.deepEqual(s.flags, ['Quorate']);
    assert.deepEqual(
      s.nodes.map((n) => n.address),
      ['10.12.12.1', '10.12.12.2', '10.12.12.3'],
    );
    assert.equal(s.nodes[0]!.local, true);
  });

  test('QDevice partial sample: Qdevice column and row, quorate from the flags', () => {
    const s = parsePvecmStatus(fixture('pvecm-status.qdevice.2nodes.partial.pve-docs.txt'));
    assert.equal(s.quorate, true);
    assert.deepEqual(s.flags, ['Quorate', 'Qdevice']);
    assert.equal(s.expectedVotes, 3);
    assert.equal(s.totalVotes, 3);
    assert.equal(s.quorum, 2);
    assert.deepEqual(s.qdevice, { votes: 1 });
    assert.deepEqual(s.nodes, [
      { nodeid: 1, votes: 1, address: '192.168.22.180', local: true, qdeviceFlags: ['A', 'V', 'NMW'] },
      { nodeid: 2, votes: 1, address: '192.168.22.181', local: false, qdeviceFlags: ['A', 'V', 'NMW'] },
    ]);
  });

  for (const [name, text] of variants(fixture('pvecm-status.quorate.3nodes.pve8.txt'))) {
    test(`reads the same with ${name}`, () => {
      assert.deepEqual(parsePvecmStatus(text), parsePvecmStatus(fixture('pvecm-status.quorate.3nodes.pve8.txt')));
    });
  }

  test('decimal node ids read like hex ones', () => {
    const hex = fixture('pvecm-status.quorate.3nodes.pve8.txt');
    const decimal = hex.replace(/0x0000000(\d)/g, '$1');
    assert.deepEqual(parsePvecmStatus(decimal), parsePvecmStatus(hex));
  });

  test('a partition without quorum: Quorate No, Activity blocked, empty flags', () => {
    const text = fixture('pvecm-status.quorate.3nodes.pve8.txt')
      .replace('Quorate:          Yes', 'Quorate:          No')
      .replace('Nodes:            3', 'Nodes:            1')
      .replace('Total votes:      3', 'Total votes:      1')
      .replace('Quorum:           2', 'Quorum:           2 Activity blocked')
      .replace('Flags:            Quorate', 'Flags:            ')
      .replace(/0x00000002.*\n0x00000003.*\n?$/, '');
    const s = parsePvecmStatus(text);
    assert.equal(s.quorate, false);
    assert.equal(s.activityBlocked, true);
    assert.equal(s.quorum, 2);
    assert.equal(s.totalVotes, 1);
    assert.deepEqual(s.flags, []);
    assert.deepEqual(
      s.nodes.map((n) => n.nodeid),
      [1],
    );
  });

  test('random text is an error on its first line, not an empty result', () => {
    throwsParse(() => parsePvecmStatus('the quick brown fox\njumps over the lazy dog\n'), 'pvecm-status', 1, /^pvecm-status: line 1: cannot read "the quick brown fox"/);
  });

  test('the error of a node that is not in a cluster', () => {
    throwsParse(
      () => parsePvecmStatus("Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?\n"),
      'pvecm-status',
      1,
      /line 1: cannot read "Error: Corosync config/,
    );
  });

  test('a header repeated where a row belongs names its line', () => {
    const text = fixture('pvecm-status.quorate.3nodes.pve8.txt').replace(/0x00000002.*\n/, '    Nodeid      Votes Name\n');
    throwsParse(() => parsePvecmStatus(text), 'pvecm-status', 29, /line 29: cannot read "Nodeid      Votes Name" as a membership row/);
  });

  test('output cut before the membership table', () => {
    const text = fixture('pvecm-status.quorate.3nodes.pve8.txt').split('Membership information')[0]!;
    throwsParse(() => parsePvecmStatus(text), 'pvecm-status', undefined, /no "Membership information" section/);
  });

  test('output cut right after the membership header', () => {
    const text = fixture('pvecm-status.quorate.3nodes.pve8.txt').replace(/0x0.*\n?/g, '');
    throwsParse(() => parsePvecmStatus(text), 'pvecm-status', undefined, /membership table has no rows/);
  });

  test('a value that is not a number names its line', () => {
    const text = fixture('pvecm-status.quorate.3nodes.pve8.txt').replace('Expected votes:   3', 'Expected votes:   three');
    throwsParse(() => parsePvecmStatus(text), 'pvecm-status', 19, /line 19: cannot read "Expected votes: three": expected a number/);
  });

  test('empty input', () => {
    throwsParse(() => parsePvecmStatus(' \n\n'), 'pvecm-status', undefined, /empty input/);
  });
});

describe('pvecm-nodes', () => {
  test('4 nodes: hp2 is local', () => {
    assert.deepEqual(parsePvecmNodes(fixture('pvecm-nodes.4nodes.pve-docs.txt')), {
      nodes: [
        { nodeid: 1, votes: 1, name: 'hp1', local: false },
        { nodeid: 2, votes: 1, name: 'hp2', local: true },
        { nodeid: 3, votes: 1, name: 'hp3', local: false },
        { nodeid: 4, votes: 1, name: 'hp4', local: false },
      ],
    });
  });

  test('after delnode: node4 is gone, node1 is local', () => {
    const { nodes } = parsePvecmNodes(fixture('pvecm-nodes.3nodes.after-delnode.pve-docs.txt'));
    assert.deepEqual(
      nodes.map((n) => n.name),
      ['node1', 'node2', 'node3'],
    );
    assert.equal(nodes.find((n) => n.local)?.name, 'node1');
  });

  for (const [name, text] of variants(fixture('pvecm-nodes.4nodes.pve-docs.txt'))) {
    test(`reads the same with ${name}`, () => {
      assert.deepEqual(parsePvecmNodes(text), parsePvecmNodes(fixture('pvecm-nodes.4nodes.pve-docs.txt')));
    });
  }

  test('a row with a missing column names its line', () => {
    const text = fixture('pvecm-nodes.4nodes.pve-docs.txt').replace('         3          1 hp3', '         3 hp3');
    throwsParse(() => parsePvecmNodes(text), 'pvecm-nodes', 7, /line 7: cannot read "3 hp3" as a membership row/);
  });

  test('rows without the table header', () => {
    throwsParse(() => parsePvecmNodes('Membership information\n         1          1 hp1\n'), 'pvecm-nodes', 2, /expected the membership header/);
  });
});

describe('corosync-quorumtool', () => {
  test('corosync 2, 2 nodes: 2Node flag, quorum 1, decimal auto-generated node ids', () => {
    assert.deepEqual(parseCorosyncQuorumtool(fixture('corosync-quorumtool-s.2nodes.corosync2.2node-flag.autogen-nodeids.txt')), {
      date: 'Fri Oct 18 12:46:58 2019',
      quorumProvider: 'corosync_votequorum',
      nodeCount: 2,
      localNodeId: 1084783375,
      ringId: '1084783375/40',
      quorate: true,
      expectedVotes: 2,
      highestExpected: 2,
      totalVotes: 2,
      quorum: 1,
      activityBlocked: false,
      flags: ['2Node', 'Quorate'],
      nodes: [
        { nodeid: 1084783375, votes: 1, name: 'stefanotorresi-hana01', local: true },
        { nodeid: 1084783376, votes: 1, name: 'stefanotorresi-hana02', local: false },
      ],
    });
  });

  for (const [name, text] of variants(fixture('corosync-quorumtool-s.2nodes.corosync2.2node-flag.autogen-nodeids.txt'))) {
    test(`reads the same with ${name}`, () => {
      assert.deepEqual(
        parseCorosyncQuorumtool(text),
        parseCorosyncQuorumtool(fixture('corosync-quorumtool-s.2nodes.corosync2.2node-flag.autogen-nodeids.txt')),
      );
    });
  }

  test('"Quorate: Maybe" is refused at its line', () => {
    const text = fixture('corosync-quorumtool-s.2nodes.corosync2.2node-flag.autogen-nodeids.txt').replace('Quorate:          Yes', 'Quorate:          Maybe');
    throwsParse(() => parseCorosyncQuorumtool(text), 'corosync-quorumtool', 8, /expected Yes or No/);
  });

  test('no Votequorum section', () => {
    const text = fixture('corosync-quorumtool-s.2nodes.corosync2.2node-flag.autogen-nodeids.txt').replace(/Votequorum information[\s\S]*?\n\n/, '');
    throwsParse(() => parseCorosyncQuorumtool(text), 'corosync-quorumtool', undefined, /no "Quorum:" line|no "Expected votes:" line/);
  });
});

describe('pve-members (/etc/pve/.members)', () => {
  test('a clustered node: name, quorum, members by node id', () => {
    const text = `{
"nodename": "pve2",
"version": 7,
"cluster": { "name": "lab", "version": 3, "nodes": 3, "quorate": 1 },
"nodelist": {
  "pve3": { "id": 3, "online": 0, "ip": "10.0.0.13"},
  "pve1": { "id": 1, "online": 1, "ip": "10.0.0.11"},
  "pve2": { "id": 2, "online": 1, "ip": "10.0.0.12"}
  }
}
`;
    assert.deepEqual(parsePveMembers(text), {
      nodename: 'pve2',
      clusterName: 'lab',
      quorate: true,
      nodes: [
        { name: 'pve1', nodeid: 1, online: true, ip: '10.0.0.11' },
        { name: 'pve2', nodeid: 2, online: true, ip: '10.0.0.12' },
        { name: 'pve3', nodeid: 3, online: false, ip: '10.0.0.13' },
      ],
    });
  });
  test('a standalone node has only its name', () => {
    assert.deepEqual(parsePveMembers('{ "nodename": "pve1", "version": 0 }'), { nodename: 'pve1', quorate: true, nodes: [] });
  });
  test('garbage is an error naming the kind', () => {
    assert.throws(() => parsePveMembers('{"version": 1}'), /pve-members: .*nodename/);
  });
});
