import { supportMetrics, type CustomerProfile, type ProfileSupportContact, type SupportMetrics } from '@loyalty/read-models';

/** Support measures of the contacts opened in [from, to), over all customers. */
export async function supportReport(profiles: AsyncIterable<CustomerProfile>, from: string, to: string): Promise<SupportMetrics> {
  const contacts: ProfileSupportContact[] = [];
  for await (const profile of profiles) {
    for (const c of profile.supportContacts) if (c.openedAt >= from && c.openedAt < to) contacts.push(c);
  }
  return supportMetrics(contacts);
}
