import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { protocolJsonSchema } from '../../../electron/common/protocol/json-schema.ts';
import { AEV_VERSION } from '../../../electron/common/version.ts';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';

describe('documented protocol', () => {
  it('docs/protocol.schema.json is what the zod schemas say (regenerate: node build/protocol-schema.ts)', () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'protocol.schema.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(protocolJsonSchema())));
  });

  it('the version the engine reports is package.json’s', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(AEV_VERSION).toBe(pkg.version);
  });
});
