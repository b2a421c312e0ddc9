import { hashSeed, Prng } from './prng.js';

export type FaultKind = '429' | '500' | '503' | 'reset' | 'slow' | 'truncate' | 'cloudflare_block';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', '503', 'reset', 'slow', 'truncate', 'cloudflare_block'];

export interface FaultRule {
  path_prefix: string;
  kind: FaultKind;
  /** Probability 0..1 that a matching request is hit. */
  rate: number;
  retry_after_s?: number;
  delay_ms?: number;
}

/**
 * Decides which requests get a fault. Each rule draws from its own generator,
 * seeded by (sim seed, rule index, rule) and restarted by every `PUT`, so the
 * same seed, rules and request order give the same faults on every run.
 */
export class FaultEngine {
  private rules: Array<{ rule: FaultRule; rng: Prng }> = [];

  constructor(private readonly seed: string) {}

  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule, i) => ({
      rule,
      rng: new Prng(hashSeed(this.seed, 'faults', i, rule.path_prefix, rule.kind, rule.rate)),
    }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** The fault to apply to a request on `path`, if any. Only sim-external paths are passed in. */
  pick(path: string): FaultRule | null {
    for (const { rule, rng } of this.rules) {
      if (!path.startsWith(rule.path_prefix)) continue;
      if (rng.next() < rule.rate) return rule;
    }
    return null;
  }
}

/** Validates a `PUT /__sim/faults` body; returns an error message or the rules. */
export function parseFaultRules(body: Record<string, unknown> | null): FaultRule[] | string {
  if (!body || !Array.isArray(body.rules)) return 'body must be {"rules": [...]}';
  if (body.rules.length > 100) return 'at most 100 rules';
  const out: FaultRule[] = [];
  for (const [i, raw] of body.rules.entries()) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return `rules[${i}] must be an object`;
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!['path_prefix', 'kind', 'rate', 'retry_after_s', 'delay_ms'].includes(key)) return `rules[${i}]: unknown field ${key}`;
    }
    if (typeof r.path_prefix !== 'string' || !r.path_prefix.startsWith('/') || r.path_prefix.length > 500) {
      return `rules[${i}].path_prefix must be a path starting with /`;
    }
    if (r.path_prefix.startsWith('/__sim')) return `rules[${i}].path_prefix: faults never apply to /__sim paths`;
    if (typeof r.kind !== 'string' || !FAULT_KINDS.includes(r.kind as FaultKind)) {
      return `rules[${i}].kind must be one of ${FAULT_KINDS.join(', ')}`;
    }
    if (typeof r.rate !== 'number' || !Number.isFinite(r.rate) || r.rate < 0 || r.rate > 1) {
      return `rules[${i}].rate must be a number from 0 to 1`;
    }
    const rule: FaultRule = { path_prefix: r.path_prefix, kind: r.kind as FaultKind, rate: r.rate };
    if (r.retry_after_s !== undefined) {
      if (!Number.isInteger(r.retry_after_s) || (r.retry_after_s as number) < 0 || (r.retry_after_s as number) > 86400) {
        return `rules[${i}].retry_after_s must be an integer from 0 to 86400`;
      }
      rule.retry_after_s = r.retry_after_s as number;
    }
    if (r.delay_ms !== undefined) {
      if (!Number.isInteger(r.delay_ms) || (r.delay_ms as number) < 0 || (r.delay_ms as number) > 120000) {
        return `rules[${i}].delay_ms must be an integer from 0 to 120000`;
      }
      rule.delay_ms = r.delay_ms as number;
    }
    out.push(rule);
  }
  return out;
}
