// History <-> the JSON `temporal workflow show --output json` prints. @temporalio/common has
// historyToJSON/historyFromJSON, but in this install they always throw "type must be a Type":
// @grpc/proto-loader keeps protobufjs 7 at the top of node_modules, so @temporalio/common and
// @temporalio/proto each get a nested protobufjs 8 of their own, and common's protojson rejects
// proto's reflected types as foreign (`instanceof Type`). The same conversion done with the
// protobufjs copy proto's types come from works, so that copy is the one loaded here.
import * as path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { History } from '@temporalio/common/lib/proto-utils';

interface ReflectedType {
  readonly fullName: string;
}

interface ProtoJson {
  toJson(type: ReflectedType, message: object): unknown;
  fromJson(type: ReflectedType, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto'))] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): ReflectedType }).lookupType('temporal.api.history.v1.History');

/**
 * The history as the CLI's `--output json` proto JSON (payloads base64), one event per line: a
 * third smaller than the CLI's indentation, and a refreshed file still diffs event by event.
 */
export function historyToJson(history: History): string {
  const { events } = protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as { events: unknown[] };
  return `{"events": [\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}

/** A history from that JSON, ready for Worker.runReplayHistories. Fields a newer server added are ignored. */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}
