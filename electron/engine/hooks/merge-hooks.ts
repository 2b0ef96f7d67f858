/**
 * Pure edits of a Claude Code settings object (hooks reference, "Configuration": `hooks` maps an event
 * name to a list of matcher groups `{ matcher?, hooks: [handler…] }`). Only our own handlers (see
 * isAevHookCommand) are ever added, replaced or removed; every other key, group and handler stays as
 * it was, in its place.
 */
import { AevError } from '../../common/errors.ts';
import { takesMatcher } from '../../common/protocol/claude-code-hooks.ts';
import { isAevHookCommand } from './hook-command.ts';

type Json = Record<string, unknown>;

export interface HookPlan {
  /** The command line to run, e.g. `'/opt/aev/bin/aev.js' hook --policy fail-closed`. */
  readonly command: string;
  /** Events to hook; ours on any other event are removed. */
  readonly events: readonly string[];
  /** Seconds before Claude Code gives up on the hook (hooks reference, "Common fields": `timeout`). */
  readonly timeoutSeconds: number;
}

export interface MergeResult {
  readonly settings: Json;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
}

export function installHooks(settings: Readonly<Json>, plan: HookPlan): MergeResult {
  const next = structuredClone(settings) as Json;
  const hadHooks = 'hooks' in next;
  const hooks = hooksObject(next);
  const result = { added: [] as string[], updated: [] as string[], unchanged: [] as string[], removed: [] as string[] };
  const wanted = new Set(plan.events);

  for (const event of Object.keys(hooks)) {
    if (wanted.has(event) || !Array.isArray(hooks[event])) continue;
    if (removeOurs(hooks, event) > 0) result.removed.push(event);
  }
  for (const event of plan.events) {
    const handler = { type: 'command', command: plan.command, timeout: plan.timeoutSeconds };
    const existing = hooks[event];
    if (existing !== undefined && !Array.isArray(existing)) {
      throw new AevError('E_CONFIG', `hooks.${event} is not a list of matcher groups; fix it by hand first`, { event });
    }
    const groups = (existing ?? []) as unknown[];
    const ours = findOurs(groups);
    const only = ours.length === 1 ? ours[0] : undefined;
    if (only !== undefined && isOwnGroup(groups[only.group], event)) {
      const list = (groups[only.group] as { hooks: unknown[] }).hooks;
      if (sameHandler(list[0], handler)) {
        result.unchanged.push(event);
      } else {
        list[0] = handler;
        result.updated.push(event);
      }
      continue;
    }
    if (ours.length > 0) removeOurs(hooks, event);
    const group = takesMatcher(event) ? { matcher: '*', hooks: [handler] } : { hooks: [handler] };
    hooks[event] = [...((hooks[event] ?? []) as unknown[]), group];
    (ours.length > 0 ? result.updated : result.added).push(event);
  }
  if (!hadHooks && Object.keys(hooks).length === 0) delete next.hooks;
  return { settings: next, ...result };
}

export function uninstallHooks(settings: Readonly<Json>): MergeResult {
  const next = structuredClone(settings) as Json;
  const removed: string[] = [];
  const hooks = next.hooks;
  if (isPlainObject(hooks)) {
    const before = Object.keys(hooks).length;
    for (const event of Object.keys(hooks)) {
      if (Array.isArray(hooks[event]) && removeOurs(hooks, event) > 0) removed.push(event);
    }
    // Drop `hooks` only when our removals emptied it; an empty object the user wrote stays.
    if (before > 0 && Object.keys(hooks).length === 0) delete next.hooks;
  }
  return { settings: next, added: [], updated: [], unchanged: [], removed };
}

/** Events that hold one of our handlers, with the command each runs. */
export function installedHooks(settings: Readonly<Json>): { readonly event: string; readonly command: string }[] {
  const hooks = settings.hooks;
  if (!isPlainObject(hooks)) return [];
  return Object.entries(hooks).flatMap(([event, groups]) =>
    Array.isArray(groups) ? findOurs(groups).map((at) => ({ event, command: at.command })) : [],
  );
}

function hooksObject(settings: Json): Json {
  const hooks = settings.hooks ?? {};
  if (!isPlainObject(hooks)) throw new AevError('E_CONFIG', '`hooks` is not an object; fix it by hand first');
  settings.hooks = hooks;
  return hooks;
}

interface OurHandler {
  readonly group: number;
  readonly handler: number;
  readonly command: string;
}

function findOurs(groups: readonly unknown[]): OurHandler[] {
  const out: OurHandler[] = [];
  groups.forEach((group, g) => {
    if (!isPlainObject(group) || !Array.isArray(group.hooks)) return;
    group.hooks.forEach((handler: unknown, h) => {
      if (
        isPlainObject(handler) &&
        handler.type === 'command' &&
        typeof handler.command === 'string' &&
        isAevHookCommand(handler.command)
      ) {
        out.push({ group: g, handler: h, command: handler.command });
      }
    });
  });
  return out;
}

/** Removes our handlers from one event, then the groups and the event key our removal left empty. */
function removeOurs(hooks: Json, event: string): number {
  const groups = hooks[event] as unknown[];
  const ours = findOurs(groups);
  if (ours.length === 0) return 0;
  const emptied = new Set<number>();
  for (const at of [...ours].reverse()) {
    const list = (groups[at.group] as { hooks: unknown[] }).hooks;
    list.splice(at.handler, 1);
    if (list.length === 0) emptied.add(at.group);
  }
  const kept = groups.filter((_, g) => !emptied.has(g));
  if (kept.length === 0) Reflect.deleteProperty(hooks, event);
  else hooks[event] = kept;
  return ours.length;
}

/** A group holding nothing but our one handler, with the matcher we would write. */
function isOwnGroup(group: unknown, event: string): boolean {
  if (!isPlainObject(group) || !Array.isArray(group.hooks) || group.hooks.length !== 1) return false;
  const keys = Object.keys(group).sort().join(',');
  return takesMatcher(event) ? keys === 'hooks,matcher' && group.matcher === '*' : keys === 'hooks';
}

function sameHandler(a: unknown, b: Readonly<Json>): boolean {
  if (!isPlainObject(a)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
