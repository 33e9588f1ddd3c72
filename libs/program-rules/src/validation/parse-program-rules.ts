import type { ProgramRules } from '../program-rules.types';
import { RuleValidationError, validateProgramRules } from './validate-program-rules';

export class InvalidProgramRulesError extends Error {
  constructor(
    readonly errors: RuleValidationError[],
    source = 'rules document',
  ) {
    super(`invalid ${source}:\n${errors.map((e) => `  - ${e.path}: ${e.message}`).join('\n')}`);
    this.name = 'InvalidProgramRulesError';
  }
}

/** Validates or throws an error that lists every bad field. */
export function parseProgramRules(input: unknown, source?: string): ProgramRules {
  const result = validateProgramRules(input);
  if (!result.ok) throw new InvalidProgramRulesError(result.errors, source);
  return result.rules;
}

/** A rules file holds one version (an object) or several (an array). */
export function parseProgramRulesFile(text: string, source = 'rules file'): ProgramRules[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidProgramRulesError([{ path: '(root)', message: `is not valid JSON: ${(error as Error).message}` }], source);
  }
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const errors: RuleValidationError[] = [];
  const rules: ProgramRules[] = [];
  documents.forEach((doc, i) => {
    const result = validateProgramRules(doc);
    const prefix = Array.isArray(parsed) ? `[${i}]` : '';
    if (result.ok) rules.push(result.rules);
    else errors.push(...result.errors.map((e) => ({ path: prefix ? `${prefix}.${e.path}` : e.path, message: e.message })));
  });
  if (errors.length > 0) throw new InvalidProgramRulesError(errors, source);
  return rules;
}
