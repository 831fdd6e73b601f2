import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CorosyncConf,
  parseCorosyncCfgtool,
  parseCorosyncCfgtoolN,
  parseCorosyncConf,
  renderCorosyncConf,
} from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



describe('corosync-cfgtool (-s)', () => {
  test('knet, 2 nodes, node 2 local, real TAB separators', () => {
    assert.deepEqual(parseCorosyncCfgtool(fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')), {
      localNodeId: 2,
      transport: 'knet',
      links: [
        {
          id: 0,
          protocol: 'udp',
          address: '192.168.10.202',
          peers: [
            { nodeid: 1, connected: true, local: false, status: 'connected' },
            { nodeid: 2, connected: true, local: true, status: 'localhost' },
          ],
        },
      ],
    });
  });

  test('the same with spaces instead of TABs, CRLF and no final newline', () => {
    const text = fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt').replace(/\t/g, '    ').replace(/\n/g, '\r\n').trimEnd();
    assert.deepEqual(parseCorosyncCfgtool(text), parseCorosyncCfgtool(fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')));
  });

  test('two links, one peer disconnected on link 1', () => {
    const text = [
      'Local node ID 1, transport knet',
      'LINK ID 0 udp',
      '\taddr\t= 10.0.0.1',
      '\tstatus:',
      '\t\tnodeid:          1:\tlocalhost',
      '\t\tnodeid:          2:\tconnected',
      '\t\tnodeid:          3:\tconnected',
      'LINK ID 1 udp',
      '\taddr\t= 10.1.0.1',
      '\tstatus:',
      '\t\tnodeid:          1:\tlocalhost',
      '\t\tnodeid:          2:\tconnected',
      '\t\tnodeid:          3:\tdisconnected',
      '',
    ].join('\n');
    const r = parseCorosyncCfgtool(text);
    assert.deepEqual(
      r.links.map((l) => [l.id, l.address, l.peers.filter((p) => !p.connected).map((p) => p.nodeid)]),
      [
        [0, '10.0.0.1', []],
        [1, '10.1.0.1', [3]],
      ],
    );
  });

  test('corosync 3.0 (PVE 6): "Printing link status.", no transport, link enabled/connected pairs', () => {
    const text = [
      'Printing link status.',
      'Local node ID 1',
      'LINK ID 0',
      '\taddr\t= 10.10.10.1',
      '\tstatus:',
      '\t\tnodeid  1:\tlink enabled:1\tlink connected:1',
      '\t\tnodeid  2:\tlink enabled:1\tlink connected:0',
      '',
    ].join('\n');
    assert.deepEqual(parseCorosyncCfgtool(text), {
      localNodeId: 1,
      links: [
        {
          id: 0,
          address: '10.10.10.1',
          peers: [
            { nodeid: 1, connected: true, local: true, status: 'link enabled:1 link connected:1' },
            { nodeid: 2, connected: false, local: false, status: 'link enabled:1 link connected:0' },
          ],
        },
      ],
    });
  });

  test('corosync 2 rings: one status line per ring, no peers', () => {
    const text = 'Printing ring status.\nLocal node ID 303938909\nRING ID 0\n\tid\t= 10.0.1.1\n\tstatus\t= ring 0 active with no faults\nRING ID 1\n\tid\t= 192.168.42.1\n\tstatus\t= Marking ringid 1 interface 192.168.42.1 FAULTY\n';
    const r = parseCorosyncCfgtool(text);
    assert.equal(r.localNodeId, 303938909);
    assert.deepEqual(
      r.links.map((l) => [l.id, l.address, l.status, l.peers.length]),
      [
        [0, '10.0.1.1', 'ring 0 active with no faults', 0],
        [1, '192.168.42.1', 'Marking ringid 1 interface 192.168.42.1 FAULTY', 0],
      ],
    );
  });

  test('corosync not running', () => {
    throwsParse(() => parseCorosyncCfgtool('Could not initialize corosync configuration API error 2\n'), 'corosync-cfgtool', 1, /line 1: cannot read "Could not initialize/);
  });

  test('a peer line outside a status block', () => {
    throwsParse(() => parseCorosyncCfgtool('Local node ID 1, transport knet\nLINK ID 0 udp\n\t\tnodeid: 2:\tconnected\n'), 'corosync-cfgtool', 3, /line 3/);
  });

  test('no link at all', () => {
    throwsParse(() => parseCorosyncCfgtool('Local node ID 1, transport knet\n'), 'corosync-cfgtool', undefined, /no "LINK ID" or "RING ID" section/);
  });
});

describe('corosync-cfgtool-n', () => {
  test('knet, 3 nodes seen from node 1: both peers reachable on link 0, mtu 1397', () => {
    const r = parseCorosyncCfgtoolN(fixture('corosync-cfgtool-n.3nodes.knet.pve8.txt'));
    assert.equal(r.localNodeId, 1);
    assert.equal(r.transport, 'knet');
    assert.deepEqual(r.nodes, [
      {
        nodeid: 2,
        reachable: true,
        links: [
          {
            id: 0,
            protocol: 'udp',
            localAddress: '20.20.20.50',
            remoteAddress: '20.20.20.51',
            enabled: true,
            connected: true,
            mtu: 1397,
            flags: ['enabled', 'connected'],
          },
        ],
      },
      {
        nodeid: 3,
        reachable: true,
        links: [
          {
            id: 0,
            protocol: 'udp',
            localAddress: '20.20.20.50',
            remoteAddress: '20.20.20.52',
            enabled: true,
            connected: true,
            mtu: 1397,
            flags: ['enabled', 'connected'],
          },
        ],
      },
    ]);
  });

  test('an unreachable node with a disconnected link, CRLF', () => {
    const text = 'Local node ID 1, transport knet\r\nnodeid: 2 unreachable\r\n   LINK: 0 udp (10.0.0.1->10.0.0.2) enabled disconnected mtu: 1397\r\n';
    const [node] = parseCorosyncCfgtoolN(text).nodes;
    assert.equal(node!.reachable, false);
    assert.equal(node!.links[0]!.enabled, true);
    assert.equal(node!.links[0]!.connected, false);
  });

  test('-s output given to the -n kind is refused', () => {
    throwsParse(() => parseCorosyncCfgtoolN(fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')), 'corosync-cfgtool-n', 2, /line 2: cannot read "LINK ID 0 udp"/);
  });
});

/** corosync.conf as PVE 8 writes it for a 3-node cluster with two links and a QDevice. */
const CONF = `logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.1
    ring1_addr: 10.1.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.2
    ring1_addr: 10.1.0.2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: 10.0.0.3
    ring1_addr: 10.1.0.3
  }
}

quorum {
  device {
    model: net
    net {
      algorithm: ffsplit
      host: 10.0.0.9
      tls: on
    }
    votes: 1
  }
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 5
  interface {
    linknumber: 0
  }
  interface {
    knet_link_priority: 10
    linknumber: 1
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

`;

describe('corosync-conf', () => {
  test('reads cluster name, version, nodes with votes and link addresses', () => {
    const c = parseCorosyncConf(CONF);
    assert.equal(c.clusterName, 'lab');
    assert.equal(c.configVersion, 5);
    assert.deepEqual(c.nodes, [
      { name: 'pve1', nodeid: 1, votes: 1, links: { 0: '10.0.0.1', 1: '10.1.0.1' } },
      { name: 'pve2', nodeid: 2, votes: 1, links: { 0: '10.0.0.2', 1: '10.1.0.2' } },
      { name: 'pve3', nodeid: 3, votes: 1, links: { 0: '10.0.0.3', 1: '10.1.0.3' } },
    ]);
    assert.deepEqual(c.totem['interface'], [{ linknumber: '0' }, { knet_link_priority: '10', linknumber: '1' }]);
    assert.equal((c.quorum!['device'] as { model: string }).model, 'net');
  });

  test('renders back to the exact text PVE wrote', () => {
    assert.equal(renderCorosyncConf(parseCorosyncConf(CONF)), CONF);
  });

  test('a model rendered and read back is the same model; nodes and links come out sorted as PVE sorts them', () => {
    const model: CorosyncConf = {
      clusterName: 'twin',
      configVersion: 1,
      nodes: [
        { name: 'node1', nodeid: 1, votes: 1, links: { 0: '192.168.100.11' } },
        { name: 'node2', nodeid: 2, votes: 1, links: { 0: '192.168.100.12' } },
      ],
      totem: { interface: [{ linknumber: '0' }], ip_version: 'ipv4-6', link_mode: 'passive', secauth: 'on', version: '2' },
      quorum: { provider: 'corosync_votequorum' },
      logging: { debug: 'off', to_syslog: 'yes' },
    };
    const text = renderCorosyncConf(model);
    assert.equal(
      text,
      'logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n  node {\n    name: node1\n    nodeid: 1\n    quorum_votes: 1\n    ring0_addr: 192.168.100.11\n  }\n' +
        '  node {\n    name: node2\n    nodeid: 2\n    quorum_votes: 1\n    ring0_addr: 192.168.100.12\n  }\n}\n\nquorum {\n  provider: corosync_votequorum\n}\n\n' +
        'totem {\n  cluster_name: twin\n  config_version: 1\n  interface {\n    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n\n',
    );
    assert.deepEqual(parseCorosyncConf(text), model);
    const shuffled = { ...model, nodes: [...model.nodes].reverse() };
    assert.equal(renderCorosyncConf(shuffled), text);
  });

  test('hand-edited layouts read the same: TABs, comments, CRLF, sections in any order', () => {
    const edited = [
      '# edited by hand',
      'totem {',
      '\tversion: 2',
      '\tcluster_name: lab',
      '\tconfig_version: 5',
      '\tsecauth: on',
      '\tip_version: ipv4-6',
      '\tlink_mode: passive',
      '\tinterface {',
      '\t\tlinknumber: 0',
      '\t}',
      '\tinterface {',
      '\t\tlinknumber: 1',
      '\t\tknet_link_priority: 10',
      '\t}',
      '}',
      'quorum {',
      '\tprovider: corosync_votequorum',
      '\tdevice {',
      '\t\tvotes: 1',
      '\t\tmodel: net',
      '\t\tnet {',
      '\t\t\ttls: on',
      '\t\t\thost: 10.0.0.9',
      '\t\t\talgorithm: ffsplit',
      '\t\t}',
      '\t}',
      '}',
      'logging {',
      '\tto_syslog: yes',
      '\tdebug: off',
      '}',
      'nodelist {',
      ...[1, 2, 3].flatMap((n) => ['\tnode {', `\t\tring1_addr: 10.1.0.${n}`, `\t\tring0_addr: 10.0.0.${n}`, '\t\tquorum_votes: 1', `\t\tnodeid: ${n}`, `\t\tname: pve${n}`, '\t}']),
      '}',
    ].join('\r\n');
    assert.equal(renderCorosyncConf(parseCorosyncConf(edited)), CONF);
  });

  test('a node without quorum_votes counts 1 vote', () => {
    const c = parseCorosyncConf(CONF.replace('    quorum_votes: 1\n    ring0_addr: 10.0.0.2', '    ring0_addr: 10.0.0.2'));
    assert.equal(c.nodes[1]!.votes, 1);
  });

  test('an unclosed section names the line that opened it', () => {
    throwsParse(() => parseCorosyncConf(CONF.replace(/}\n\n$/, '')), 'corosync-conf', 43, /line 43: section totem opened here is never closed/);
  });

  test('a stray line names its line', () => {
    throwsParse(() => parseCorosyncConf(CONF.replace('    nodeid: 2\n', '    nodeid 2\n')), 'corosync-conf', 16, /line 16: cannot read "nodeid 2"/);
  });

  test('missing essentials are named', () => {
    throwsParse(() => parseCorosyncConf(CONF.replace('  cluster_name: lab\n', '')), 'corosync-conf', undefined, /totem has no cluster_name/);
    throwsParse(() => parseCorosyncConf(CONF.replace('    name: pve2\n', '')), 'corosync-conf', undefined, /node 2 of the nodelist has no name/);
    throwsParse(() => parseCorosyncConf('logging {\n  debug: off\n}\n'), 'corosync-conf', undefined, /no totem section/);
  });

  test('garbage is an error on its first line', () => {
    throwsParse(() => parseCorosyncConf('hello world\n'), 'corosync-conf', 1, /line 1: cannot read "hello world": expected a section/);
  });
});
