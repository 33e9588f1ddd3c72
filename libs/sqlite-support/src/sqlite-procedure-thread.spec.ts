import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { procedureOn, SqliteProcedureThread, type SqliteProcedure } from './sqlite-procedure-thread';

// Appends a number, refusing negative ones with a plain object and zero with an Error.
const NOTE: SqliteProcedure = {
  sql: { insert: 'INSERT INTO notes (n) VALUES (?)', count: 'SELECT COUNT(*) AS c FROM notes' },
  source: `(db, sql) => {
    const insert = db.prepare(sql.insert);
    const count = db.prepare(sql.count);
    return (n) => {
      if (n < 0) throw { refused: n };
      if (n === 0) throw Object.assign(new Error('zero is not a note'), { code: 'NOTE_ZERO' });
      insert.run(n);
      return count.get().c;
    };
  }`,
};

const errorOf = (plain: unknown) => Object.assign(new Error(JSON.stringify(plain)), { plain });

describe('SqliteProcedureThread', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'procedure-'));
    file = join(dir, 'notes.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE notes (n INTEGER NOT NULL)');
    db.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs requests given without waiting in the order given, as the same procedure does in the calling thread', async () => {
    const thread = new SqliteProcedureThread<number, number>(NOTE, { file, pragmas: ['synchronous = NORMAL'], failurePrefix: 'noting failed', errorOf });
    expect(await Promise.all([1, 2, 3].map((n) => thread.request(n)))).toEqual([1, 2, 3]);
    await thread.close();
    const db = new Database(file);
    expect(db.prepare('SELECT n FROM notes').pluck().all()).toEqual([1, 2, 3]);
    expect(procedureOn<number, number>(db, NOTE)(4)).toBe(4);
    db.close();
  });

  it('passes a plain refusal to errorOf as thrown, and an Error as its message and code; both leave the thread working', async () => {
    const thread = new SqliteProcedureThread<number, number>(NOTE, { file, pragmas: [], failurePrefix: 'noting failed', errorOf });
    await expect(thread.request(-1)).rejects.toMatchObject({ plain: { refused: -1 } });
    await expect(thread.request(0)).rejects.toMatchObject({ plain: { message: 'zero is not a note', code: 'NOTE_ZERO' } });
    await expect(thread.request(5)).resolves.toBe(1);
    await thread.close();
  });

  it('fails that request and every later one with the failure prefix when the thread itself fails', async () => {
    rmSync(dir, { recursive: true, force: true });
    const thread = new SqliteProcedureThread<number, number>(NOTE, { file, pragmas: [], failurePrefix: 'noting failed', errorOf });
    await expect(thread.request(1)).rejects.toThrow(/^noting failed: Cannot open database because the directory does not exist/);
    await expect(thread.request(2)).rejects.toThrow(/^noting failed: Cannot open database because the directory does not exist/);
    expect(thread.broken).toBe(true);
    await thread.close();
  });

  it('waits on close for the requests under way, then refuses new ones', async () => {
    const thread = new SqliteProcedureThread<number, number>(NOTE, { file, pragmas: [], failurePrefix: 'noting failed', errorOf });
    const under = [thread.request(1), thread.request(2)];
    await thread.close('it was closed for the night');
    await expect(Promise.all(under)).resolves.toEqual([1, 2]);
    await expect(thread.request(3)).rejects.toThrow('noting failed: it was closed for the night');
    expect(thread.broken).toBe(false); // closed, not broken
  });
});
