// Decisions a Claude Code hook can print on stdout. Kept free of zod so `aev hook` loads fast.

/**
 * PreToolUse output that blocks the tool call and tells Claude why (Claude Code hooks reference,
 * "PreToolUse decision control": hookSpecificOutput.permissionDecision = "deny").
 */
export function denyDecision(reason: string): {
  readonly hookSpecificOutput: {
    readonly hookEventName: 'PreToolUse';
    readonly permissionDecision: 'deny';
    readonly permissionDecisionReason: string;
  };
} {
  return {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason },
  };
}
