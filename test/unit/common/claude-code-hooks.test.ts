import { describe, expect, it } from 'vitest';
import {
  CLAUDE_CODE_HOOK_EVENTS,
  claudeCodeHookPayloadSchema,
  claudeCodeSchemaFor,
  denyDecision,
  isClaudeCodeHookEvent,
  isToolEvent,
  takesMatcher,
} from '../../../electron/common/protocol/claude-code-hooks.ts';
import { loadClaudeCodeFixtures } from '../../fixtures/claude-code/index.ts';

const fixtures = loadClaudeCodeFixtures();
const sample = (name: string): Record<string, unknown> => {
  const found = fixtures.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(found.payload);
};
const issues = (payload: unknown): { path: string; message: string }[] => {
  const r = claudeCodeHookPayloadSchema.safeParse(payload);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('Claude Code hook fixtures', () => {
  it('has a sample for every documented event, and only for documented events', () => {
    const events = new Set(fixtures.map((f) => f.payload.hook_event_name));
    expect([...events].sort()).toEqual([...CLAUDE_CODE_HOOK_EVENTS].sort());
    for (const f of fixtures) expect(f.name.split('.')[0], f.name).toBe(f.payload.hook_event_name);
  });

  it('samples PreToolUse for Bash, Edit and Read', () => {
    const tools = fixtures.filter((f) => f.payload.hook_event_name === 'PreToolUse').map((f) => f.payload.tool_name);
    expect(tools.sort()).toEqual(['Bash', 'Edit', 'Read']);
  });

  it('carries a distinctive marker of its own name in every sample', () => {
    for (const f of fixtures) {
      const own = `MARKER-${f.name.replace('.', '')}-7f3a`;
      expect(JSON.stringify(f.payload), f.name).toContain(own);
      expect(f.payload.session_id, f.name).not.toContain('MARKER');
    }
  });

  it.each(fixtures.map((f) => [f.name, f.payload] as const))(
    'accepts the %s sample as it is, unknown fields kept',
    (_, payload) => {
      const parsed = claudeCodeHookPayloadSchema.parse(payload);
      expect(parsed).toEqual(payload);
    },
  );
});

describe('claudeCodeHookPayloadSchema', () => {
  it('keeps fields it does not know', () => {
    const payload = { ...sample('PreToolUse.Bash'), future_field: { nested: [1, 2] } };
    expect(claudeCodeHookPayloadSchema.parse(payload)).toMatchObject({ future_field: { nested: [1, 2] } });
  });

  it('accepts an event name it does not know with only the base fields', () => {
    expect(issues({ session_id: 's1', hook_event_name: 'SomethingNew', anything: ['goes'] })).toEqual([]);
  });

  it('requires session_id and hook_event_name on every payload', () => {
    expect(issues({ hook_event_name: 'Stop' }).map((i) => i.path)).toEqual(['session_id']);
    expect(issues({ session_id: 's1' }).map((i) => i.path)).toEqual(['hook_event_name']);
    expect(issues({ session_id: '', hook_event_name: 'Stop' }).map((i) => i.path)).toEqual(['session_id']);
  });

  it('names the field when a tool event has no tool_name', () => {
    const payload = sample('PreToolUse.Edit');
    delete payload.tool_name;
    expect(issues(payload).map((i) => i.path)).toEqual(['tool_name']);
  });

  it('requires the error text of PostToolUseFailure and the prompt of UserPromptSubmit', () => {
    const failure = sample('PostToolUseFailure');
    delete failure.error;
    expect(issues(failure).map((i) => i.path)).toEqual(['error']);
    const prompt = sample('UserPromptSubmit');
    delete prompt.prompt;
    expect(issues(prompt).map((i) => i.path)).toEqual(['prompt']);
  });

  it('type-checks documented fields when they are present', () => {
    expect(issues({ ...sample('Stop'), stop_hook_active: 'no' }).map((i) => i.path)).toEqual(['stop_hook_active']);
    expect(issues({ ...sample('PreToolUse.Bash'), tool_input: 'ls -la' }).map((i) => i.path)).toEqual(['tool_input']);
    expect(issues({ ...sample('PostToolUseFailure'), is_interrupt: 1 }).map((i) => i.path)).toEqual(['is_interrupt']);
    expect(issues({ ...sample('InstructionsLoaded'), globs: 'src/**' }).map((i) => i.path)).toEqual(['globs']);
    expect(issues({ ...sample('Notification'), message: { text: 'hi' } }).map((i) => i.path)).toEqual(['message']);
  });

  it('accepts a null custom_instructions on PreCompact (automatic compaction)', () => {
    expect(issues({ ...sample('PreCompact'), trigger: 'auto', custom_instructions: null })).toEqual([]);
  });

  it('refuses values that are not objects at all', () => {
    for (const bad of [null, 'PreToolUse', 42, ['session_id']])
      expect(claudeCodeHookPayloadSchema.safeParse(bad).success).toBe(false);
  });
});

describe('claudeCodeSchemaFor (the ingest path parses a payload once)', () => {
  it('accepts and refuses exactly what the whole schema does, for every sample with each field removed or of another type', () => {
    const variants: unknown[] = [null, 42, 'Stop', [], { hook_event_name: 'Stop' }, { session_id: 's1' }];
    for (const f of fixtures) {
      variants.push(f.payload, { ...f.payload, hook_event_name: 'SomethingNew' });
      for (const key of ['session_id', 'hook_event_name', 'tool_name', 'tool_use_id', ...Object.keys(f.payload)]) {
        const { [key]: _, ...without } = f.payload;
        variants.push(without);
        for (const other of [42, 'text', '', null, true, { a: 1 }, ['x'], 'x'.repeat(300)])
          variants.push({ ...f.payload, [key]: other });
      }
    }
    let refused = 0;
    for (const payload of variants) {
      const whole = claudeCodeHookPayloadSchema.safeParse(payload);
      const fast = claudeCodeSchemaFor(payload).safeParse(payload);
      expect(fast.success, JSON.stringify(payload).slice(0, 200)).toBe(whole.success);
      if (whole.success) expect(fast.data).toEqual(whole.data);
      else refused += 1;
    }
    // Both outcomes are exercised in numbers.
    expect(refused).toBeGreaterThan(200);
    expect(variants.length - refused).toBeGreaterThan(200);
  });

  it('gives a known event its own schema and anything else the whole one', () => {
    const bash = sample('PreToolUse.Bash');
    expect(claudeCodeSchemaFor(bash)).not.toBe(claudeCodeHookPayloadSchema);
    for (const other of [{ ...bash, hook_event_name: 'SomethingNew' }, { ...bash, hook_event_name: 7 }, null, 'x'])
      expect(claudeCodeSchemaFor(other)).toBe(claudeCodeHookPayloadSchema);
  });
});

describe('event helpers', () => {
  it('knows which events are about one tool call', () => {
    const tools = CLAUDE_CODE_HOOK_EVENTS.filter((e) => isToolEvent(e));
    expect(tools).toEqual(['PreToolUse', 'PermissionRequest', 'PermissionDenied', 'PostToolUse', 'PostToolUseFailure']);
    expect(isToolEvent('Stop')).toBe(false);
  });

  it('gives a matcher only to events whose matcher Claude Code honours', () => {
    for (const e of [
      'PreToolUse',
      'PostToolUseFailure',
      'SessionStart',
      'SessionEnd',
      'Notification',
      'PreCompact',
      'SubagentStart',
    ]) {
      expect(takesMatcher(e), e).toBe(true);
    }
    for (const e of [
      'UserPromptSubmit',
      'Stop',
      'PostToolBatch',
      'TeammateIdle',
      'TaskCreated',
      'CwdChanged',
      'WorktreeRemove',
    ]) {
      expect(takesMatcher(e), e).toBe(false);
    }
  });

  it('tells documented event names from others', () => {
    expect(isClaudeCodeHookEvent('SubagentStart')).toBe(true);
    expect(isClaudeCodeHookEvent('preToolUse')).toBe(false);
  });
});

describe('denyDecision', () => {
  it('is the PreToolUse decision that blocks the call and tells Claude why', () => {
    expect(JSON.parse(JSON.stringify(denyDecision('recorder is down')))).toStrictEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'recorder is down',
      },
    });
  });
});
