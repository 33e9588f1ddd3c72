import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { RecordSurveyAnswer } from './record-survey-answer.command';

@CommandHandler(RecordSurveyAnswer)
export class RecordSurveyAnswerHandler extends LedgerCommandHandlerBase<RecordSurveyAnswer> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
