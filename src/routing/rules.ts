import type { Rule } from '../routes-config/schemas.js';

export interface RuleHit {
  id: string;
  description: string;
  set: Rule['set'];
}

export interface CompiledRule {
  rule: Rule;
  regex: RegExp | undefined;
}

export function compileRules(rules: readonly Rule[]): CompiledRule[] {
  return rules.map((rule) => ({ rule, regex: rule.pattern === undefined ? undefined : new RegExp(rule.pattern, rule.flags) }));
}

export function countWords(text: string): number {
  const words = text.trim().match(/\S+/g);
  return words ? words.length : 0;
}

/** Every rule whose conditions all hold for the text, in file order (earlier rules win conflicts). */
export function matchRules(rules: readonly CompiledRule[], text: string): RuleHit[] {
  const words = countWords(text);
  return rules
    .filter(({ rule, regex }) => {
      if (rule.min_words !== undefined && words < rule.min_words) return false;
      if (rule.max_words !== undefined && words > rule.max_words) return false;
      return regex === undefined || regex.test(text);
    })
    .map(({ rule }) => ({ id: rule.id, description: rule.description, set: rule.set }));
}
