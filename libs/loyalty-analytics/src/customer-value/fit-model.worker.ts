// The fitting thread (see CustomerValueModels): a fit over a large base takes seconds of CPU
// (20 s for 91,000 customers on the bench), which the HTTP thread must not spend.
import { serveRequests } from '@loyalty/thread-support';
import { fitCustomerValueModel } from '@loyalty/read-models';
import type { FitJob } from './customer-value-models';

serveRequests((job: FitJob) => fitCustomerValueModel(job.histories, job.context));
