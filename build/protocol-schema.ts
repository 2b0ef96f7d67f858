// Rewrites docs/protocol.schema.json from the zod schemas: node build/protocol-schema.ts
import fs from 'node:fs';
import { protocolJsonSchema } from '../electron/common/protocol/json-schema.ts';

fs.writeFileSync(
  new URL('../docs/protocol.schema.json', import.meta.url),
  `${JSON.stringify(protocolJsonSchema(), null, 2)}\n`,
);
