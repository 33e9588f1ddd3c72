import type { RecordSurveyAnswer as RecordSurveyAnswerInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class RecordSurveyAnswer extends LedgerCommandMessage<RecordSurveyAnswerInput> {}
