import type { ProgramRules } from '../program-rules.types';
import { parseProgramRules } from '../validation/parse-program-rules';
import document from './default-program-rules.json';

/** The shipped default program (shared/domain.md), validated like any operator's file. */
export function defaultProgramRules(): ProgramRules {
  return parseProgramRules(structuredClone(document));
}
