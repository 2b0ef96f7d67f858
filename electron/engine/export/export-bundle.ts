import type BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import type { MediaKind } from '../../common/model/media.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { newId } from '../runtime/ids.ts';
import { canonicalJson } from '../seal/canonical-json.ts';
import { DEVICE_PRINCIPAL, SIGNATURE_NAMESPACE } from '../seal/device-identity.ts';
import { allowedSignersLine, fingerprintSha256, loadDeviceKey, publicKeyOpenSsh } from '../seal/device-key.ts';
import { signSshsig } from '../seal/sshsig.ts';
import type { Vault } from '../vault/vault.ts';
import { openStoreReadOnly } from '../verify/open-store.ts';
import type { BundleManifest, BundleProof } from './bundle-manifest.ts';
import {
  ALLOWED_SIGNERS,
  DEVICE_PUB,
  MANIFEST,
  MANIFEST_SIG,
  SUMS,
  TRUST_PEM,
  VERIFY_MD,
  bundlePath,
} from './bundle-layout.ts';
import { ClipCollector } from './bundle-clip.ts';
import { startTokenFacts } from './token-facts.ts';
import { openBundleSink } from './bundle-sink.ts';
import { selectBundle } from './bundle-selection.ts';
import type { ExportRange, SelectedSession } from './bundle-selection.ts';
import { readContentEvents, SessionMedia } from './content-reader.ts';
import { ObjectReaderThread } from './object-reader-thread.ts';
import { UstarWriter } from './ustar-writer.ts';
import type { AsyncStreamedContent, StreamedContent } from './ustar-writer.ts';
import { verifyMd } from './verify-md.ts';

export interface ExportOptions {
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
  readonly sessionId: string;
  readonly range: ExportRange;
  readonly out: string;
  /** age X25519 recipients; empty only together with `plain`. */
  readonly recipients: readonly string[];
  readonly plain: boolean;
  /** Event ids whose bytes stay out of the bundle (their leaves stay in). */
  readonly withhold: readonly string[];
  /** The TSA trust anchors the exporter used (PEM), shipped as tsa/trust.pem. */
  readonly trustPem: string;
  readonly now?: () => number;
  /** Where ffmpeg is looked for (AEV_FFMPEG, PATH) for clip/clip.mp4; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (message: string) => void;
}

export interface ExportedSession {
  readonly sessionId: string;
  readonly kind: string;
  readonly content: readonly number[];
  readonly context: readonly number[];
  readonly events: number;
  readonly media: number;
  readonly withheld: number;
  readonly tokens: number;
}

export interface ExportResult {
  readonly out: string;
  readonly bundleId: string;
  readonly encrypted: boolean;
  readonly files: number;
  readonly range: { readonly from: string; readonly to: string };
  readonly sessions: readonly ExportedSession[];
  /** Content records no token in the bundle covers (exported before their time-stamp arrived). */
  readonly uncovered: readonly string[];
  /** Why the bundle has no clip/clip.mp4 (no ffmpeg, no video in range…); null when it has one. */
  readonly clipNote: string | null;
}

/**
 * `aev export`: writes an evidence bundle (docs/bundle-format.md) from the files of a data root; the
 * engine need not run (SQLite WAL readers are fine beside a running daemon). Plaintext exists only in
 * memory and, encrypted by age, in the output file, unless the caller explicitly asked for --plain.
 */
export async function exportBundle(o: ExportOptions): Promise<ExportResult> {
  if (o.plain && o.recipients.length > 0) throw new AevError('E_USAGE', '--plain and --recipient exclude each other');
  if (!o.plain && o.recipients.length === 0)
    throw new AevError(
      'E_USAGE',
      'a bundle is encrypted to at least one --recipient (age1…); pass --plain to write it unencrypted',
    );
  const progress = o.onProgress ?? (() => undefined);
  const { vault, db, close } = await openStoreReadOnly(o);
  try {
    // One read transaction: the daemon may seal more windows meanwhile; the bundle is one consistent view.
    db.exec('BEGIN');
    const selection = selectBundle(db, o.sessionId, o.range);
    const withheld = resolveWithheld(db, selection.sessions[0], o.withhold);
    progress(
      `exporting ${selection.sessions.length} session(s), ${selection.range.from} → ${selection.range.to}` +
        (o.plain ? ' (UNENCRYPTED)' : ` for ${o.recipients.length} recipient(s)`),
    );
    return await writeBundle(o, vault, db, selection, withheld, progress);
  } finally {
    close();
  }
}

async function writeBundle(
  o: ExportOptions,
  vault: Vault,
  db: BetterSqlite3.Database,
  selection: ReturnType<typeof selectBundle>,
  withheld: ReadonlyMap<number, string>,
  progress: (message: string) => void,
): Promise<ExportResult> {
  if (!vault.objects.has('device-key', 'device'))
    throw new AevError('E_NOT_FOUND', 'no device key yet: it is created the first time the engine starts');
  const device = loadDeviceKey(await vault.objects.get('device-key', 'device'));
  const fingerprint = fingerprintSha256(device.publicKeyRaw);
  const nowMs = (o.now ?? Date.now)();
  const bundleId = newId('b', nowMs);
  const fieldKey = vault.subkey('index-fields');
  const sink = await openBundleSink(o.out, o.plain ? [] : o.recipients);
  const sums: string[] = [];
  const tar = new UstarWriter((chunk) => sink.write(chunk), nowMs / 1000);
  // `sha256`: the hex digest when the caller already computed it over these very bytes (events and media
  // are hashed once, when checked against their seals), so no byte is hashed twice. Streamed content
  // (report.html) is hashed piece by piece as it is archived.
  const add = async (
    path: string,
    data: Buffer | StreamedContent | AsyncStreamedContent,
    listed = true,
    sha256?: string,
  ): Promise<void> => {
    if (Buffer.isBuffer(data)) {
      await tar.addFile(path, data);
      if (listed) sums.push(`${sha256 ?? createHash('sha256').update(data).digest('hex')}  ${path}`);
      return;
    }
    if (sha256 !== undefined) {
      await tar.addStreamed(path, data);
      if (listed) sums.push(`${sha256}  ${path}`);
      return;
    }
    const hash = createHash('sha256');
    await tar.addStreamed(path, data, (piece) => hash.update(piece));
    if (listed) sums.push(`${hash.digest('hex')}  ${path}`);
  };
  const recordFiles: { record: string; signature: string }[] = [];
  const tokenFiles: { token: string; record: string }[] = [];
  const exported: ExportedSession[] = [];
  const manifestSessions: BundleManifest['sessions'][number][] = [];
  const uncovered: string[] = [];
  const clip = new ClipCollector(db, vault);
  // Checked on their own thread while the windows are archived; report.html needs them only at the end.
  const tokens = startTokenFacts(selection, o.trustPem);
  let reader: ObjectReaderThread | undefined;
  try {
    reader = new ObjectReaderThread(vault, runtimePaths(o.dataRoot).vaultDir);
    for (const [i, s] of selection.sessions.entries()) {
      const id = s.facts.sessionId;
      const withheldHere = i === 0 ? withheld : new Map<number, string>();
      await add(bundlePath.session(id), canonicalJson(s.facts));
      for (const r of [...s.content, ...s.context].sort((a, b) => a.body.seq - b.body.seq)) {
        const record = bundlePath.record(id, r.body.seq);
        const signature = bundlePath.recordSig(id, r.body.seq);
        await add(record, r.stored.record);
        await add(signature, Buffer.from(r.stored.signature, 'utf8'));
        recordFiles.push({ record, signature });
      }
      for (const t of s.tokens) {
        const token = bundlePath.token(id, t.seq, t.n);
        await add(token, t.response);
        tokenFiles.push({ token, record: bundlePath.record(id, t.seq) });
      }
      let events = 0;
      let media = 0;
      const withheldList: { seq: number; leaf: string }[] = [];
      const sessionMedia = new SessionMedia(
        db,
        reader,
        id,
        s.content.map((r) => r.body),
      );
      for (const r of s.content) {
        const proof: BundleProof = {
          record: r.body.seq,
          events: { firstSeq: r.body.events.firstSeq, leaves: [] },
          media: { firstSeq: r.body.media.firstSeq, leaves: [] },
        };
        for (const e of readContentEvents(db, fieldKey, id, r.body)) {
          proof.events.leaves.push(e.digest);
          if (withheldHere.has(e.seq)) {
            withheldList.push({ seq: e.seq, leaf: e.digest });
            continue;
          }
          await add(bundlePath.event(id, e.seq), e.plain, true, e.digest);
          if (i === 0) clip.event(id, e.seq, e.plain);
          events += 1;
        }
        for await (const m of sessionMedia.window(r.body)) {
          proof.media.leaves.push(m.leaf);
          await add(bundlePath.mediaDescriptor(id, m.seq), m.descriptor, true, m.leaf);
          await add(bundlePath.media(id, m.seq, m.kind as MediaKind), m.content, true, m.sha256);
          clip.media(s.facts.kind, m);
          media += 1;
        }
        await add(bundlePath.proof(id, r.body.seq), canonicalJson(proof));
      }
      const stamped = new Set(s.tokens.map((t) => t.seq));
      const included = new Set([...s.content, ...s.context].map((r) => r.body.seq));
      for (const r of s.content)
        if (!isCovered(r.body.seq, included, stamped)) uncovered.push(`session ${id} record ${r.body.seq}`);
      const content = s.content.map((r) => r.body.seq);
      const context = s.context.map((r) => r.body.seq);
      manifestSessions.push({ sessionId: id, kind: s.facts.kind, content, context, withheld: withheldList });
      exported.push({
        sessionId: id,
        kind: s.facts.kind,
        content,
        context,
        events,
        media,
        withheld: withheldList.length,
        tokens: s.tokens.length,
      });
      progress(
        `  ${s.facts.kind} session ${id}: ${content.length} window(s), ${context.length} context record(s), ` +
          `${events} event(s), ${media} media item(s), ${s.tokens.length} token(s)`,
      );
    }
    await add(DEVICE_PUB, Buffer.from(`${publicKeyOpenSsh(device.publicKeyRaw, DEVICE_PRINCIPAL)}\n`));
    await add(
      ALLOWED_SIGNERS,
      Buffer.from(`${allowedSignersLine(DEVICE_PRINCIPAL, device.publicKeyRaw, SIGNATURE_NAMESPACE)}\n`),
    );
    await add(TRUST_PEM, Buffer.from(o.trustPem.endsWith('\n') ? o.trustPem : `${o.trustPem}\n`));
    await add(
      VERIFY_MD,
      Buffer.from(verifyMd({ bundleId, records: recordFiles, tokens: tokenFiles, withheld: withheld.size }), 'utf8'),
    );
    const people = await clip.finish({
      bundleId,
      createdAt: new Date(nowMs).toISOString(),
      device: fingerprint,
      encrypted: !o.plain,
      selection,
      sessions: exported.map((e) => ({
        sessionId: e.sessionId,
        kind: e.kind,
        windows: e.content.length,
        contextRecords: e.context.length,
        events: e.events,
        media: e.media,
        withheld: e.withheld,
      })),
      tokens: tokens.facts,
      readStill: (objectId) => {
        if (reader === undefined) throw new AevError('E_INTERNAL', 'the vault reader is not running');
        return reader.read('still', objectId);
      },
      uncovered,
      env: o.env ?? process.env,
    });
    if (people.videoNote !== null) progress(`  no clip/clip.mp4: ${people.videoNote}`);
    const manifest: BundleManifest = {
      v: 1,
      bundleId,
      createdAt: new Date(nowMs).toISOString(),
      device: fingerprint,
      range: selection.range,
      sessions: manifestSessions,
      // Every line SHA256SUMS gets: the files so far, this one, then the files for people.
      files: sums.length + 1 + people.files.length,
      clip: people.manifest,
    };
    const manifestBytes = canonicalJson(manifest);
    // The manifest goes before clip/ and report.html (the largest files after the media): a verifier
    // that meets it there starts ffmpeg on the sealed video the clip names while it still decrypts them.
    await add(MANIFEST, manifestBytes);
    for (const f of people.files) await add(f.path, f.bytes);
    await add(MANIFEST_SIG, Buffer.from(signSshsig(manifestBytes, device.privateKey, SIGNATURE_NAMESPACE)), false);
    await add(SUMS, Buffer.from(`${sums.join('\n')}\n`), false);
    await tar.finish();
    await sink.close();
    progress(`wrote ${o.out} (${sums.length + 2} files${o.plain ? ', NOT encrypted' : ', age-encrypted'})`);
    return {
      out: o.out,
      bundleId,
      encrypted: !o.plain,
      files: sums.length + 2,
      range: selection.range,
      sessions: exported,
      uncovered,
      clipNote: people.videoNote,
    };
  } catch (error) {
    await sink.abort();
    throw error;
  } finally {
    await reader?.close();
    await tokens.stop();
  }
}

/** A record is covered when a token sits on it or on a later record reached through included records only. */
function isCovered(seq: number, included: ReadonlySet<number>, stamped: ReadonlySet<number>): boolean {
  for (let n = seq; included.has(n); n++) if (stamped.has(n)) return true;
  return false;
}

/** Event ids → seqs of the agent session's content windows; withholding anything else is a usage error. */
function resolveWithheld(
  db: BetterSqlite3.Database,
  main: SelectedSession | undefined,
  ids: readonly string[],
): Map<number, string> {
  const out = new Map<number, string>();
  for (const id of ids) {
    const row = db
      .prepare<[string], { session_id: string; seq: number }>('SELECT session_id, seq FROM events WHERE id = ?')
      .get(id);
    const inRange =
      row !== undefined &&
      main !== undefined &&
      row.session_id === main.facts.sessionId &&
      main.content.some(
        (r) =>
          r.body.events.firstSeq !== null &&
          row.seq >= r.body.events.firstSeq &&
          row.seq <= (r.body.events.lastSeq ?? 0),
      );
    if (!inRange) throw new AevError('E_USAGE', `--withhold-event ${id}: no such event in the exported windows`);
    out.set(row.seq, id);
  }
  return out;
}
