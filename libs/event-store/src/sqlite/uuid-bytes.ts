/** Event ids are UUIDs (as EventStoreDB requires); stored as their 16 bytes. */
export function uuidHex(uuid: string): string {
  if (uuid.length === 36 && uuid[8] === '-' && uuid[13] === '-' && uuid[18] === '-' && uuid[23] === '-') {
    const hex = (uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24)).toLowerCase();
    if (HEX_32.test(hex)) return hex;
  }
  throw new TypeError(`event id must be a UUID, got ${JSON.stringify(uuid)}`);
}

const HEX_32 = /^[0-9a-f]{32}$/;

/** 32 lowercase hex digits (SQLite's lower(hex(id))) as a UUID. */
export function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
