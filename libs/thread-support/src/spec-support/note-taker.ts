/** Notes a positive number and answers with how many it has; refuses others, and stops its thread at 13. */
export function noteTaker(where: 'thread' | 'here'): (n: number) => { where: string; count: number } {
  const notes: number[] = [];
  return (n) => {
    if (n < 0) throw { refused: n }; // a typed refusal: a plain object
    if (n === 0) throw Object.assign(new Error('zero is not a note'), { code: 'NOTE_ZERO' });
    if (n === 13 && where === 'thread') process.exit(3);
    notes.push(n);
    return { where, count: notes.length };
  };
}
