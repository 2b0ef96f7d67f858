import type { ClipEvent, ClipToolCall } from './clip-events.ts';
import { oneLine } from './clip-events.ts';
import { VERIFY_MD } from './bundle-layout.ts';
import { InlineImages } from './inline-images.ts';
import type { DeferredImage } from './inline-images.ts';
import type { AsyncStreamedContent } from './ustar-writer.ts';

export interface ReportSession {
  readonly sessionId: string;
  readonly kind: string;
  readonly agent: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly windows: number;
  readonly contextRecords: number;
  readonly events: number;
  readonly media: number;
  readonly withheld: number;
}

export interface ReportStill {
  /** The event the still was taken at, and when (PreToolUse / PostToolUse). */
  readonly event: number;
  readonly at: string;
  /** Its path in the bundle, and its bytes (or how to read them again) when small enough to embed. */
  readonly path: string;
  readonly png: Buffer | DeferredImage | null;
}

export interface ReportToken {
  readonly sessionId: string;
  readonly record: number;
  readonly file: string;
  readonly valid: boolean;
  readonly genTime: string | null;
  readonly problem: string | null;
}

export interface ReportInput {
  readonly bundleId: string;
  readonly createdAt: string;
  readonly device: string;
  readonly range: { readonly from: string; readonly to: string };
  readonly encrypted: boolean;
  readonly sessions: readonly ReportSession[];
  readonly calls: readonly ClipToolCall[];
  readonly events: readonly ClipEvent[];
  readonly stills: readonly ReportStill[];
  readonly tokens: readonly ReportToken[];
  readonly uncovered: readonly string[];
  readonly clip: { readonly video: string | null; readonly terminal: boolean };
}

/**
 * report.html for people (DESIGN.md §6): one offline file, inline CSS, no script, no network. Every
 * string that came from the recording is untrusted and goes through `esc` (HTML 5 §13.1.2.6: `&`, `<`,
 * `>`, `"`, `'` as character references in text and quoted attributes); the CSP forbids scripts and
 * remote loads even if something slipped through. Stills are data: URIs (PNG bytes, base64), encoded
 * piece by piece as the page is archived (InlineImages).
 */
export function reportHtml(r: ReportInput): AsyncStreamedContent {
  const images = new InlineImages();
  const agent = r.sessions.find((s) => s.kind === 'agent');
  const title = `Agent Evidence — ${agent === undefined ? r.bundleId : `${agent.agent} session ${agent.sessionId}`}`;
  return images.render(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="note">Evidence bundle <code>${esc(r.bundleId)}</code>, exported ${esc(human(r.createdAt))}${r.encrypted ? ', encrypted with age' : ', <strong>not encrypted</strong>'}. All times UTC. Everything below was recorded from an AI agent and its tools: it is shown, never run.</p>
${facts(r)}
${timeline(r, images)}
${lists(r)}
${verification(r)}
<h2>How to verify</h2>
<p>This page is a reading aid, not the evidence: it is covered by <code>SHA256SUMS</code> like every file, but the evidence is the sealed files under <code>sessions/</code>. Check them offline with <code>aev verify &lt;bundle&gt;</code>, or with stock <code>sha256sum</code>, <code>ssh-keygen</code> and <code>openssl</code> as <code>${esc(VERIFY_MD)}</code> in this bundle explains, command by command.</p>
</body>
</html>
`);
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1b1b1b}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}code,.mono{font-family:ui-monospace,monospace;font-size:.92em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e3e3;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.note{color:#555}.fail{color:#a00;font-weight:600}.ok{color:#060}
.stills{display:flex;gap:.5em}.stills figure{margin:0}.stills img{max-width:22em;border:1px solid #ccc}
figcaption{font-size:.8em;color:#555}.summary{word-break:break-all}`;

function facts(r: ReportInput): string {
  const rows = r.sessions
    .map(
      (s) =>
        `<tr><td>${esc(s.kind)}</td><td><code>${esc(s.sessionId)}</code></td><td>${esc(s.agent)}</td><td>${esc(human(s.startedAt))}</td><td>${s.endedAt === null ? 'running' : esc(human(s.endedAt))}</td><td>${s.windows}</td><td>${s.events}</td><td>${s.media}</td><td>${s.withheld}</td></tr>`,
    )
    .join('\n');
  const clip =
    r.clip.video === null
      ? 'no playable clip (see <code>manifest.json</code> <code>clip.videoNote</code>)'
      : '<code>clip/clip.mp4</code> (screen, with the tool calls as subtitles) and <code>clip/captions.vtt</code>';
  return `<h2>Session</h2>
<p>Range ${esc(human(r.range.from))} → ${esc(human(r.range.to))}. Device key <code>${esc(r.device)}</code>.</p>
<table><tr><th>kind</th><th>session</th><th>agent</th><th>started</th><th>ended</th><th>windows</th><th>events</th><th>media</th><th>withheld</th></tr>
${rows}</table>
<p>For playback: ${clip}${r.clip.terminal ? '; the terminal as <code>clip/terminal.cast</code> (asciicast v2, <code>asciinema play</code>)' : ''}.</p>`;
}

function timeline(r: ReportInput, images: InlineImages): string {
  if (r.calls.length === 0) return '<h2>Tool calls</h2>\n<p>No tool call in the exported events.</p>';
  const rows = r.calls
    .map((c) => {
      const at = c.pre?.atMs ?? c.post?.atMs ?? 0;
      const duration = c.durationMs === null ? '—' : `${(c.durationMs / 1000).toFixed(3)} s`;
      const outcome =
        c.outcome === 'failure' ? '<span class="fail">failed</span>' : c.outcome === 'pending' ? 'no result' : 'done';
      return `<tr><td class="mono">${esc(new Date(at).toISOString().slice(11, 23))}</td><td>${esc(c.toolName)}</td><td class="summary mono">${esc(c.summary)}</td><td>${duration}</td><td>${outcome}</td><td>${stills(r, c, images)}</td></tr>`;
    })
    .join('\n');
  return `<h2>Tool calls (${r.calls.length})</h2>
<table><tr><th>time</th><th>tool</th><th>input</th><th>duration</th><th>outcome</th><th>screen before / after</th></tr>
${rows}</table>`;
}

function stills(r: ReportInput, c: ClipToolCall, images: InlineImages): string {
  const seqs = new Set([c.pre?.seq, c.post?.seq].filter((s) => s !== undefined));
  const figures = r.stills
    .filter((s) => seqs.has(s.event))
    .map((s) => {
      const label = s.at === 'PreToolUse' ? 'before' : s.at === 'PostToolUse' ? 'after' : s.at;
      const body =
        s.png === null
          ? `<a href="${esc(s.path)}">${esc(s.path)}</a>`
          : `<img alt="${esc(label)}" src="data:image/png;base64,${images.base64(s.png)}">`;
      return `<figure>${body}<figcaption>${esc(label)}</figcaption></figure>`;
    });
  return figures.length === 0 ? '—' : `<div class="stills">${figures.join('')}</div>`;
}

function lists(r: ReportInput): string {
  const commands = unique(r.events.filter((e) => e.kind === 'PreToolUse').map((e) => e.command));
  const files = unique(r.events.filter((e) => e.kind === 'PreToolUse').map((e) => e.filePath));
  const list = (items: readonly string[], none: string): string =>
    items.length === 0
      ? `<p>${none}</p>`
      : `<ul>${items.map((i) => `<li><code>${esc(oneLine(i, 500))}</code></li>`).join('')}</ul>`;
  return `<h2>Commands run (${commands.length})</h2>
${list(commands, 'None.')}
<h2>Files touched (${files.length})</h2>
${list(files, 'None named in tool inputs.')}`;
}

function verification(r: ReportInput): string {
  const records = r.sessions.reduce((n, s) => n + s.windows + s.contextRecords, 0);
  const withheld = r.sessions.reduce((n, s) => n + s.withheld, 0);
  const good = r.tokens.filter((t) => t.valid).length;
  const rows = r.tokens
    .map(
      (t) =>
        `<tr><td><code>${esc(t.file)}</code></td><td>${t.record}</td><td>${t.genTime === null ? '—' : esc(human(t.genTime))}</td><td>${t.valid ? '<span class="ok">valid</span>' : `<span class="fail">${esc(t.problem ?? 'invalid')}</span>`}</td></tr>`,
    )
    .join('\n');
  return `<h2>Verification at export time</h2>
<ul>
<li>${records} signed chain record(s) in ${r.sessions.length} session(s).</li>
<li>${good} of ${r.tokens.length} RFC 3161 time-stamp token(s) valid against the exporter's TSA trust anchors (<code>tsa/trust.pem</code>).</li>
<li>${withheld} event(s) withheld by the exporter: their content is absent, their Merkle leaves are in the bundle.</li>
${r.uncovered.length === 0 ? '<li>Every exported window is covered by a time-stamp token.</li>' : `<li class="fail">Not yet covered by a time-stamp token: ${esc(r.uncovered.join(', '))}.</li>`}
</ul>
${r.tokens.length === 0 ? '' : `<table><tr><th>token</th><th>record</th><th>TSA time (genTime)</th><th>status</th></tr>\n${rows}</table>`}`;
}

/** HTML-escapes untrusted text for element content and quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function human(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? iso
    : new Date(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

function unique(items: readonly (string | null)[]): string[] {
  return [...new Set(items.filter((i): i is string => i !== null))];
}
