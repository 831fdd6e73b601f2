// The failure converter used when payloads are encrypted (see payloadCodec.ts): an error's message
// and stack trace travel in the failure's `encodedAttributes` payload, which the payload codec
// encrypts, instead of in clear text fields ("Encoded failure" is all that stays readable).
// Loaded by path: by clients and workers (DataConverter.failureConverterPath) and bundled into the
// workflow code, so it may import nothing Node-only.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
