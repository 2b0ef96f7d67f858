import { z } from 'zod';
import { PROTOCOL_VERSION } from './constants.ts';
import {
  ackFrameSchema,
  errorFrameSchema,
  eventFrameSchema,
  helloFrameSchema,
  helloOkFrameSchema,
  requestFrameSchema,
  resultFrameSchema,
  terminalCloseFrameSchema,
  terminalDataFrameSchema,
  terminalOpenFrameSchema,
} from './frames.ts';

/**
 * The protocol as JSON Schema 2020-12, generated from the zod schemas so docs/protocol.schema.json
 * cannot drift from the code (a test compares them; `node build/protocol-schema.ts` rewrites it).
 */
export function protocolJsonSchema(): Record<string, unknown> {
  const defs = {
    HelloFrame: helloFrameSchema,
    EventFrame: eventFrameSchema,
    RequestFrame: requestFrameSchema,
    TerminalOpenFrame: terminalOpenFrameSchema,
    TerminalDataFrame: terminalDataFrameSchema,
    TerminalCloseFrame: terminalCloseFrameSchema,
    HelloOkFrame: helloOkFrameSchema,
    AckFrame: ackFrameSchema,
    ResultFrame: resultFrameSchema,
    ErrorFrame: errorFrameSchema,
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `Agent Evidence local endpoint protocol v${String(PROTOCOL_VERSION)}`,
    description:
      'One JSON object per line (NDJSON). Client frames: HelloFrame first, then EventFrame and Terminal*Frame (ingest) or RequestFrame (control). Engine frames: HelloOkFrame, AckFrame, ResultFrame, ErrorFrame. See docs/protocol.md.',
    $defs: Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, z.toJSONSchema(v, { io: 'input' })])),
  };
}
